"""A test website for `tm import`: the shipped corpus (corpora/csto) wrapped in page
templates written for this project, as a wget-style mirror folder and as a WARC.

The site has two hosts: the Russian pages at the root (`csto.example`), the English
ones on `en.csto.example`. Most English pages keep the Russian page's URL path (a
transliterated Russian slug); five have an English slug of their own. Every article
page carries a header menu, a sidebar of three other releases (date, headline, first
sentence), share buttons, "Go back" links, a footer and a cookie notice. Three
templates: semantic HTML5 (A), a Bitrix-like div layout (B), an old table layout
(C; its Russian pages are in windows-1251). The site also has list pages (the news
index and its second page), a home page, a redirect, a 404, and one release pair
saved from a browser rather than mirrored.

    python tests/site/make_site.py OUT_DIR      # writes OUT_DIR/mirror/ and OUT_DIR/site.warc.gz

The gold is returned by `site()`: the pages, and for every release its expected id,
the two URLs and the corpus release it was made from.
"""
from __future__ import annotations

import html
import io
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpora" / "csto"
RU_HOST = "csto.example"
EN_HOST = "en.csto.example"

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
_RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]
_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
# releases (by index in id order) whose English page has a slug of its own
OWN_ENGLISH_SLUG = {2, 6, 10, 14, 18}
# the release pair saved from a browser (not in the mirror)
BROWSER_SAVED = 19
# The seed releases of the corpus have no headline paragraph; their pages get these
# (written for this test site).
HEADLINES = {
    "2024-07-18-belta-interview": (
        "Имангали Тасмагамбетов ответил на вопросы БЕЛТА",
        "Imangali Tasmagambetov answered questions from BELTA"),
    "2024-07-19-unsc-debate": (
        "Генеральный секретарь ОДКБ принял участие в дебатах в Совете Безопасности ООН",
        "CSTO Secretary General took part in a UN Security Council debate"),
    "2024-07-19-unsc-speech": (
        "Выступление Генерального секретаря ОДКБ в Совете Безопасности ООН",
        "Speech by the CSTO Secretary General at the UN Security Council"),
    "2024-07-25-secretariat-diplomacy-school": (
        "Встреча с участниками Международной школы дипломатии",
        "Meeting with participants of the International School of Diplomacy"),
}


@dataclass
class Page:
    url: str
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    kind: str = "article"        # article | list | home | redirect | 404
    mirror_path: str | None = None    # where a wget mirror keeps it (None: not mirrored)
    saved_name: str | None = None     # saved from a browser under this file name


@dataclass
class Release:
    corpus_id: str
    date: str
    headline: dict[str, str]
    body: dict[str, list[str]]        # content paragraphs after the headline ("\n": a <br>)
    navigation: dict[str, list[str]]  # the release's own navigation lines ("Назад", ...)
    url: dict[str, str] = field(default_factory=dict)
    expected_id: str = ""
    template: dict[str, str] = field(default_factory=dict)
    date_line: dict[str, str] = field(default_factory=dict)   # as the page shows it

    def gold_text(self, lang: str) -> str:
        """What `tm import` should write for this release: headline, date line, paragraphs."""
        return "\n\n".join([self.headline[lang], self.date_line[lang]] + self.body[lang]) + "\n"


@dataclass
class Site:
    releases: list[Release]
    pages: list[Page]


def slugify_ru(text: str, words: int = 6) -> str:
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    parts = re.findall(r"[a-z0-9]+", out)
    return "-".join(parts[:words])


def _paragraphs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8").replace("\u00a0", " ")
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def load_releases() -> list[Release]:
    from tm.corpus import is_boilerplate     # tm installed (pip install -e .)

    releases = []
    for index, path in enumerate(sorted((CORPUS / "ru").glob("*.txt"))):
        rid = path.stem
        heads, bodies, navs = {}, {}, {}
        for lang in ("ru", "en"):
            paras = _paragraphs(CORPUS / lang / f"{rid}.txt")
            nav = [p for p in paras if is_boilerplate(p, lang)]
            content = [p for p in paras if not is_boilerplate(p, lang)]
            if rid in HEADLINES:
                content.insert(0, HEADLINES[rid][lang == "en"])
            heads[lang], bodies[lang], navs[lang] = content[0], content[1:], nav
        rel = Release(rid, rid[:10], heads, bodies, navs)
        slug = slugify_ru(heads["ru"])
        rel.url["ru"] = f"http://{RU_HOST}/news/{slug}/"
        en_slug = rid[11:] if index in OWN_ENGLISH_SLUG else slug
        rel.url["en"] = f"http://{EN_HOST}/news/{en_slug}/"
        rel.expected_id = f"{rel.date}-{slug}"
        rel.template = {"ru": "ABC"[index % 3], "en": "ABC"[(index + 1) % 3]}
        rel.date_line = {lang: date_line(rel.date, lang, DATE_STYLE[rel.template[lang]]) for lang in ("ru", "en")}
        releases.append(rel)
    return releases


def date_line(iso: str, lang: str, style: str) -> str:
    d = date.fromisoformat(iso)
    if style == "numeric":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if lang == "ru":
        return f"{d.day} {_RU_MONTHS[d.month - 1]} {d.year}" + (" г." if style == "long" else "")
    if style == "long":
        return f"{_EN_MONTHS[d.month - 1]} {d.day}, {d.year}"
    return f"{d.day} {_EN_MONTHS[d.month - 1]} {d.year}"


def first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])\s", text + " ")
    return (m.group(1) if m else text).split("\n")[0]


_UI = {
    "ru": {"menu": ["Главная", "Об ОДКБ", "Новости", "Документы", "Контакты"], "site": "ОДКБ",
           "other": "Другие новости", "share": "Поделиться:", "cookie":
           "Мы используем файлы cookie, чтобы сайт работал лучше. Продолжая работу с сайтом, вы соглашаетесь с этим.",
           "ok": "Понятно", "footer": "© Секретариат ОДКБ, 2025. Все права защищены. При перепечатке ссылка на сайт обязательна.",
           "address": "Москва, Сверчков переулок, 11.", "news": "Новости", "all": "Все новости",
           "home": "Главная страница", "read": "Подробнее"},
    "en": {"menu": ["Home", "About the CSTO", "News", "Documents", "Contacts"], "site": "CSTO",
           "other": "Other news", "share": "Share:", "cookie":
           "We use cookies to make this site work better. By continuing to use the site you agree to this.",
           "ok": "Got it", "footer": "© CSTO Secretariat, 2025. All rights reserved. Reprints must link to the site.",
           "address": "Moscow, Sverchkov Lane, 11.", "news": "News", "all": "All news",
           "home": "Home page", "read": "Read more"},
}


def _e(s: str) -> str:
    return html.escape(s, quote=False)


def _para_html(text: str) -> str:
    return "<p>" + "<br>\n".join(_e(line) for line in text.split("\n")) + "</p>"


def _sidebar_items(rel: Release, others: list[Release], lang: str, style: str) -> list[tuple[str, str, str, str]]:
    return [(date_line(o.date, lang, style), o.headline[lang], first_sentence(o.body[lang][0]), o.url[lang])
            for o in others]


def _nav_links(rel: Release, lang: str) -> str:
    return "\n".join(f'<a href="/news/">{_e(n)}</a>' for n in rel.navigation[lang]) or (
        f'<a href="/news/">{"Назад" if lang == "ru" else "Go back"}</a>')


def render_a(rel: Release, others: list[Release], lang: str, charset: str = "utf-8") -> str:
    ui = _UI[lang]
    side = "\n".join(
        f'<li class="preview"><time datetime="{o.date}">{_e(d)}</time> <a href="{u}">{_e(h)}</a><p>{_e(s)}</p></li>'
        for o, (d, h, s, u) in zip(others, _sidebar_items(rel, others, lang, "short")))
    menu = "".join(f'<li><a href="/">{_e(m)}</a></li>' for m in ui["menu"])
    body = "\n".join(_para_html(p) for p in rel.body[lang])
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="{charset}"><title>{_e(rel.headline[lang])} | {ui['site']}</title>
<meta property="og:type" content="article">
<link rel="stylesheet" href="/css/site.css"><script>window.dataLayer = [];</script></head>
<body>
<header class="site-header"><a class="logo" href="/">{ui['site']}</a>
<nav class="main-menu"><ul>{menu}</ul></nav></header>
<div class="breadcrumbs"><a href="/">{ui['menu'][0]}</a> / <a href="/news/">{ui['news']}</a></div>
<main>
<article class="news-item">
<h1>{_e(rel.headline[lang])}</h1>
<time datetime="{rel.date}">{_e(date_line(rel.date, lang, 'short'))}</time>
{body}
<div class="share"><span>{ui['share']}</span> <a href="#">VK</a> <a href="#">Telegram</a> <a href="#">OK</a></div>
<p class="back">{_nav_links(rel, lang)}</p>
</article>
<aside class="sidebar"><h2>{ui['other']}</h2><ul>
{side}
</ul></aside>
</main>
<footer><p>{_e(ui['footer'])}</p><p>{_e(ui['address'])}</p></footer>
<div class="cookie-notice">{_e(ui['cookie'])} <button>{ui['ok']}</button></div>
</body></html>
"""


def render_b(rel: Release, others: list[Release], lang: str, charset: str = "utf-8") -> str:
    ui = _UI[lang]
    side = "\n".join(
        f'<div class="item"><span class="item-date">{_e(d)}</span>\n<a class="item-title" href="{u}">{_e(h)}</a>\n'
        f'<div class="item-text">{_e(s)}</div></div>'
        for d, h, s, u in _sidebar_items(rel, others, lang, "numeric"))
    menu = " ".join(f'<a href="/">{_e(m)}</a>' for m in ui["menu"])
    body = "\n".join(_para_html(p) for p in rel.body[lang])
    return f"""<!DOCTYPE html>
<html>
<head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{_e(rel.headline[lang])}</title></head>
<body>
<div id="wrapper">
<div class="top-links">{menu}</div>
<div class="content">
<div class="col-left">
<h1 class="page-title">{_e(rel.headline[lang])}</h1>
<div class="detail">
<span class="date">{_e(date_line(rel.date, lang, 'numeric'))}</span>
<div class="detail-text">
{body}
</div>
<div class="ya-share2"><span>{ui['share']}</span> <a href="#">VK</a> <a href="#">Telegram</a></div>
<div class="back-link">{_nav_links(rel, lang)}</div>
</div>
</div>
<div class="col-right">
<div class="block-title">{ui['other']}</div>
{side}
<a href="/news/">{ui['all']}</a>
</div>
</div>
<div id="bottom"><div>{_e(ui['footer'])}</div><div>{_e(ui['address'])}</div></div>
<div id="cc-bar"><div>{_e(ui['cookie'])}</div><a href="#">{ui['ok']}</a></div>
</div>
</body></html>
"""


def render_c(rel: Release, others: list[Release], lang: str, charset: str | None = "utf-8") -> str:
    ui = _UI[lang]
    side = "\n".join(
        f'<tr><td><font size="1">{_e(d)}</font><br><b><a href="{u}">{_e(h)}</a></b><br>{_e(s)}</td></tr>'
        for d, h, s, u in _sidebar_items(rel, others, lang, "long"))
    menu = "\n".join(f'<tr><td><a href="/">{_e(m)}</a></td></tr>' for m in ui["menu"])
    body = "\n".join(_para_html(p) for p in rel.body[lang])
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"""<html>
<head>{meta}
<title>{ui['site']} - {_e(rel.headline[lang])}</title></head>
<body bgcolor="#ffffff">
<table width="100%" border="0"><tr>
<td width="180" valign="top"><table>{menu}</table></td>
<td valign="top">
<font size="4"><b>{_e(rel.headline[lang])}</b></font><br>
<i>{_e(date_line(rel.date, lang, 'long'))}</i>
{body}
<p>{ui['share']} <a href="#">VK</a> | <a href="#">Telegram</a></p>
<p>{_nav_links(rel, lang)}</p>
</td>
<td width="220" valign="top"><b>{ui['other']}</b><table>
{side}
</table></td>
</tr></table>
<hr><center><font size="1">{_e(ui['footer'])}<br>{_e(ui['address'])}</font></center>
<div style="position:fixed;bottom:0">{_e(ui['cookie'])} <a href="#">{ui['ok']}</a></div>
</body></html>
"""


DATE_STYLE = {"A": "short", "B": "numeric", "C": "long"}
RENDER = {"A": render_a, "B": render_b, "C": render_c}


def render_list(releases: list[Release], lang: str, title: str) -> str:
    ui = _UI[lang]
    items = "\n".join(
        f'<div class="news-list-item"><span class="date">{_e(date_line(r.date, lang, "numeric"))}</span>\n'
        f'<h3><a href="{r.url[lang]}">{_e(r.headline[lang])}</a></h3>\n<p>{_e(first_sentence(r.body[lang][0]))}</p>'
        f'\n<a href="{r.url[lang]}">{ui["read"]}</a></div>'
        for r in releases)
    menu = "".join(f'<li><a href="/">{_e(m)}</a></li>' for m in ui["menu"])
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{_e(title)}</title></head>
<body><header><nav><ul>{menu}</ul></nav></header>
<main><h1>{_e(title)}</h1>
<div class="news-list">
{items}
</div>
<div class="pagination"><a href="/news/">1</a> <a href="/news/?PAGEN_1=2">2</a></div>
</main>
<footer>{_e(ui['footer'])}</footer></body></html>
"""


def _mirror_path(url: str) -> str:
    rest = url.split("://", 1)[1]
    if "?" in rest:
        path, query = rest.split("?", 1)
        return (path + "index.html" if path.endswith("/") else path) + "?" + query + ".html"
    return rest + "index.html" if rest.endswith("/") else rest


def site() -> Site:
    releases = load_releases()
    pages: list[Page] = []
    n = len(releases)
    for i, rel in enumerate(releases):
        others = [releases[(i + k) % n] for k in (1, 2, 3)]   # neighbours: other releases
        for lang in ("ru", "en"):
            template = rel.template[lang]
            charset, content_type = "utf-8", "text/html; charset=utf-8"
            if template == "C" and lang == "ru":
                # old table pages are windows-1251; one of them declares it nowhere in the page
                charset = None if i == 2 else "windows-1251"
                content_type = "text/html; charset=windows-1251" if i != 2 else "text/html"
            text = RENDER[template](rel, others, lang, charset) if template == "C" else \
                RENDER[template](rel, others, lang, charset or "utf-8")
            body = text.encode("windows-1251" if template == "C" and lang == "ru" else "utf-8")
            page = Page(rel.url[lang], body, content_type=content_type, mirror_path=_mirror_path(rel.url[lang]))
            if i == BROWSER_SAVED:
                page.mirror_path = None
                if lang == "ru":
                    marker = f"<!-- saved from url=({len(rel.url[lang]):04d}){rel.url[lang]} -->\n"
                    page.body = marker.encode() + page.body
                else:
                    page.body = page.body.replace(b"<head>", f'<head><link rel="canonical" href="{rel.url[lang]}">'.encode(), 1)
                page.saved_name = f"{rel.headline[lang][:40].strip()}.htm" if lang == "ru" else "CSTO news.html"
            pages.append(page)
    ordered = sorted(releases, key=lambda r: r.date, reverse=True)
    for lang, host in (("ru", RU_HOST), ("en", EN_HOST)):
        ui = _UI[lang]
        pages.append(Page(f"http://{host}/news/", render_list(ordered[:10], lang, ui["news"]).encode(), kind="list",
                          mirror_path=_mirror_path(f"http://{host}/news/")))
        pages.append(Page(f"http://{host}/news/?PAGEN_1=2", render_list(ordered[10:], lang, ui["news"]).encode(),
                          kind="list", mirror_path=_mirror_path(f"http://{host}/news/?PAGEN_1=2")))
        pages.append(Page(f"http://{host}/", render_list(ordered[:5], lang, ui["home"]).encode(), kind="home",
                          mirror_path=_mirror_path(f"http://{host}/")))
    pages.append(Page(f"http://{RU_HOST}/press/old-link/", b"", status=301, kind="redirect",
                      location=releases[0].url["ru"], content_type="text/html"))
    missing = ('<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>404</title></head><body>'
               '<h1>Страница не найдена</h1><p><a href="/">На главную</a></p></body></html>').encode()
    pages.append(Page(f"http://{RU_HOST}/news/no-such-page/", missing, status=404, kind="404"))
    # a wget mirror keeps the site's error page when it is linked (here: /404.html, status 200)
    pages.append(Page(f"http://{RU_HOST}/404.html", missing, kind="404", mirror_path=f"{RU_HOST}/404.html"))
    return Site(releases, pages)


def write_mirror(s: Site, out: Path) -> Path:
    """The site as a wget mirror (HOST/PATH/index.html) plus a folder of browser-saved pages."""
    for page in s.pages:
        if page.mirror_path:
            target = out / "mirror" / page.mirror_path
        elif page.saved_name:
            target = out / "mirror" / "saved" / page.saved_name
        else:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.body)
    return out / "mirror"


def warc_records(s: Site) -> list[tuple[str, Page]]:
    return [("response", p) for p in s.pages]


def write_warc(s: Site, path: Path, gzip: bool = True, extra: list[Page] | None = None) -> Path:
    """The whole crawl (every page, 200 or not) as a WARC, with a warcinfo record and a
    request record before each response, the way wget --warc-file writes one."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests/site/make_site.py"}))
        for page in s.pages + (extra or []):
            host = page.url.split("/")[2]
            req_path = "/" + page.url.split("/", 3)[3]
            req = StatusAndHeaders(f"GET {req_path} HTTP/1.1", [("Host", host)], is_http_request=True)
            writer.write_record(writer.create_warc_record(page.url, "request", http_headers=req))
            reasons = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}
            headers = [("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))]
            if page.location:
                headers.append(("Location", page.location))
            http = StatusAndHeaders(f"{page.status} {reasons.get(page.status, 'X')}", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(page.url, "response", payload=io.BytesIO(page.body),
                                                          http_headers=http))
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "site-out")
    s = site()
    print(write_mirror(s, out))
    print(write_warc(s, out / "site.warc.gz"))


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def score(extracted: str, gold: str, lang: str) -> tuple[int, int, int, int]:
    """(gold sentences, of them found in the extracted text, extracted sentences, of them
    not in the gold text: foreign). Sentences by tm's segmenter, compared with
    whitespace collapsed."""
    from tm.segment import split_sentences

    gold_sents = [s for p in gold.split("\n\n") for s in split_sentences(p, lang)]
    got_sents = [s for p in extracted.split("\n\n") for s in split_sentences(p, lang)]
    got_text, gold_text = _norm(extracted), _norm(gold)
    found = sum(1 for s in gold_sents if _norm(s) in got_text)
    foreign = sum(1 for s in got_sents if _norm(s) not in gold_text)
    return len(gold_sents), found, len(got_sents), foreign
