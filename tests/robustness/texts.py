"""The texts of the robustness corpus (written for these tests).

Two short CSTO-style releases, each as a Russian original and its English
translation. make_cases.py writes them into one small corpus per hazard, in
the encodings, line ends and layouts that the hazard needs."""

RU_MEETING = """В Секретариате ОДКБ обсудили подготовку к заседанию Совета министров обороны

14 августа 2024 года в Секретариате ОДКБ под председательством заместителя Генерального секретаря ОДКБ состоялось рабочее совещание. Участники обсудили ход подготовки к заседанию Совета министров обороны ОДКБ, которое пройдёт в ноябре в Минске.

Особое внимание уделено проектам документов по совершенствованию системы коллективной безопасности. Представители Объединённого штаба ОДКБ проинформировали о результатах учения «Взаимодействие-2024», в котором были задействованы 6 500 военнослужащих.

По итогам совещания принято решение доработать документы с учётом предложений государств — членов Организации.
"""

EN_MEETING = """Preparations for the meeting of the CSTO Council of Defence Ministers discussed at the CSTO Secretariat

On 14 August 2024, a working meeting chaired by the Deputy Secretary General of the CSTO was held at the CSTO Secretariat. The participants discussed the preparations for the meeting of the CSTO Council of Defence Ministers, which will take place in Minsk in November.

Particular attention was paid to the draft documents on improving the collective security system. Representatives of the CSTO Joint Staff reported on the results of the "Interaction-2024" exercise, which involved 6,500 servicemen.

Following the meeting, it was decided to finalise the documents taking into account the proposals of the member states of the Organization.
"""

RU_COURSES = """В Ереване завершились курсы подготовки миротворческого персонала государств — членов ОДКБ

20 сентября 2024 года в Ереване завершились двухнедельные курсы подготовки офицеров Миротворческих сил ОДКБ. В занятиях приняли участие 45 военнослужащих из пяти государств. Слушатели изучили порядок планирования миротворческих операций, основы международного гуманитарного права и правила взаимодействия с гражданским населением.

Выпускникам вручены сертификаты установленного образца.
"""

EN_COURSES = """Training courses for peacekeeping personnel of the CSTO member states completed in Yerevan

On 20 September 2024, two-week training courses for officers of the CSTO Peacekeeping Forces were completed in Yerevan. The classes were attended by 45 servicemen from five states. The trainees studied the planning of peacekeeping operations, the basics of international humanitarian law and the rules of interaction with the civilian population.

The graduates were awarded certificates of the established form.
"""

# A release saved straight from the website: menus, breadcrumbs, share buttons,
# scripts, a cookie banner and a footer around the article.
RU_MEETING_PAGE = """<!DOCTYPE html>
<html lang="ru">
<head>
  <meta charset="windows-1251">
  <title>В Секретариате ОДКБ обсудили подготовку к заседанию Совета министров обороны | ОДКБ</title>
  <link rel="stylesheet" href="/css/main.css">
  <style>.news-detail p { margin: 0 0 1em; } body { font-family: sans-serif; }</style>
  <script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date());</script>
</head>
<body>
<!-- Yandex.Metrika counter -->
<header class="site-header">
  <div class="logo"><a href="/"><img src="/img/logo.png" alt="ОДКБ"></a></div>
  <h1 class="site-title">Организация Договора о коллективной безопасности</h1>
  <nav class="main-menu">
    <ul>
      <li><a href="/">Главная</a></li>
      <li><a href="/about/">Об организации</a></li>
      <li><a href="/news/">Новости</a></li>
      <li><a href="/documents/">Документы</a></li>
    </ul>
  </nav>
  <form class="search" action="/search/"><input type="text" name="q" placeholder="Поиск по сайту"><button>Найти</button></form>
</header>
<main>
  <div class="breadcrumbs"><a href="/">Главная</a> / <a href="/news/">Новости</a> / Совещание в Секретариате</div>
  <div class="news-detail">
    <h1>В Секретариате ОДКБ обсудили
        подготовку к заседанию Совета министров обороны</h1>
    <div class="news-date">14.08.2024</div>
    <p>14 августа 2024 года в Секретариате ОДКБ под председательством заместителя Генерального секретаря ОДКБ состоялось рабочее совещание. Участники обсудили ход подготовки к заседанию Совета министров обороны ОДКБ, которое пройдёт в&nbsp;ноябре в&nbsp;Минске.</p>
    <p>Особое внимание уделено проектам документов по совершенствованию системы коллективной безопасности. Представители Объединённого штаба ОДКБ проинформировали о результатах учения &laquo;Взаимодействие-2024&raquo;, в котором были задействованы 6&nbsp;500 военнослужащих.</p>
    <!-- <p>Черновик: этот абзац не опубликован.</p> -->
    <p>По итогам совещания принято решение доработать документы с учётом предложений государств&nbsp;&mdash; членов Организации.</p>
    <script>document.write('<p>Этот текст вставлен скриптом.</p>');</script>
    <div class="share-buttons">Поделиться: <a href="#">ВКонтакте</a> <a href="#">Telegram</a></div>
    <a class="back" href="/news/">Вернуться к списку новостей</a>
  </div>
  <aside class="sidebar"><h3>Последние новости</h3><ul><li><a href="/news/1">Заседание Постоянного совета</a></li></ul></aside>
</main>
<footer class="site-footer">
  <p>© 2024 Организация Договора о коллективной безопасности. Все права защищены.</p>
  <p>Москва, ул. Сретенка, д. 15</p>
</footer>
<div class="cookie-banner">Сайт использует файлы cookie. <button>Согласен</button></div>
<script src="/js/app.js"></script>
</body>
</html>
"""

# The English page of the same release, laid out with <article>, <time>, <br>
# and a list.
EN_COURSES_PAGE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html lang="en">
<head><title>Training courses completed in Yerevan - CSTO</title>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "JSON-LD must not leak"}</script>
</head>
<body>
<nav><a href="/en/">Home</a> | <a href="/en/news/">News</a></nav>
<article>
  <header>
    <h1>Training courses for peacekeeping personnel of the CSTO member states completed in Yerevan</h1>
    <time datetime="2024-09-20">20 September 2024</time>
  </header>
  <p>On 20 September 2024, two-week training courses for officers of the CSTO Peacekeeping Forces were completed in Yerevan. The classes were attended by 45 servicemen from five states.<br>The trainees studied:</p>
  <ul>
    <li>the planning of peacekeeping operations;</li>
    <li>the basics of international humanitarian law;</li>
    <li>the rules of interaction with the civilian population.</li>
  </ul>
  <div>The graduates were awarded certificates of the established form.</div>
  <footer><a href="/en/news/">Back to the all news</a></footer>
</article>
<footer>Copyright CSTO</footer>
</body>
</html>
"""
