"""Reading bad input (issue 7): encodings, normalisation, HTML releases, corpus layout hazards."""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from robustness.texts import EN_COURSES_PAGE, RU_COURSES, RU_MEETING, RU_MEETING_PAGE
from tm.corpus import (load_corpus, normalise_text, normalise_tracking_spaces, parse_html_release,
                       read_release)
from tm.encoding import decode_bytes
from tm.html import extract_html, parse_date
from tm.models import InputError

# Russian sentences of the kind the press office writes, decoded from each legacy encoding.
RUSSIAN = [
    "Генеральный секретарь ОДКБ провёл встречу с Чрезвычайным и Полномочным Послом Республики Армения.",
    "УЧЕНИЯ КОЛЛЕКТИВНЫХ СИЛ ОПЕРАТИВНОГО РЕАГИРОВАНИЯ ОДКБ ЗАВЕРШИЛИСЬ В РЕСПУБЛИКЕ КАЗАХСТАН",
    "Объединённый штаб ОДКБ подвёл итоги года.",
    "Щит Союза: учения прошли в Минске.",
    RU_MEETING,
    RU_COURSES,
]


@pytest.mark.parametrize("text", RUSSIAN)
@pytest.mark.parametrize("encoding,name", [("cp1251", "windows-1251"), ("koi8-r", "koi8-r")])
def test_russian_in_a_legacy_encoding_is_recognised(text, encoding, name):
    text = text.replace("«", '"').replace("»", '"').replace("—", "-")   # KOI8-R has none of these
    decoded = decode_bytes(text.encode(encoding), Path("x.txt"), "ru")
    assert decoded.text == text
    assert decoded.encoding == name and decoded.how == "guessed"
    assert decoded.note == f"not UTF-8; read as {name} (guessed)"


def test_windows_1251_typography_is_kept():
    text = "«Взаимодействие-2024» — № 5"
    assert decode_bytes(text.encode("cp1251"), "x", "ru").text == text


@pytest.mark.parametrize("data,encoding,text", [
    (b"\xef\xbb\xbfHead", "utf-8", "Head"),
    ("Заголовок".encode("utf-16"), "utf-16", "Заголовок"),
    (b"\xfe\xff" + "Заголовок".encode("utf-16-be"), "utf-16", "Заголовок"),
    ("Заголовок".encode("utf-32"), "utf-32", "Заголовок"),
    ("Заголовок".encode("utf-8"), "utf-8", "Заголовок"),
])
def test_boms_and_utf8(data, encoding, text):
    decoded = decode_bytes(data, "x", "ru")
    assert (decoded.text, decoded.encoding) == (text, encoding)
    assert decoded.how != "guessed"
    assert (decoded.note is None) == (encoding == "utf-8")


def test_damaged_utf8_names_the_line_of_the_first_bad_byte():
    data = "Заголовок\n\nПервый абзац.\nВторой\n".encode("utf-8")
    data = data.replace("Второй".encode("utf-8"), b"\xd0" + "торой".encode("utf-8"))
    with pytest.raises(InputError) as err:
        decode_bytes(data, Path("ru/a.txt"), "ru")
    assert str(err.value) == "ru/a.txt:4: not valid UTF-8 (byte 0xd0)"


def test_mostly_latin_file_with_a_stray_byte_is_not_guessed_as_cyrillic():
    with pytest.raises(InputError) as err:
        decode_bytes(b"Head\n\nSome text \xff here.\n", Path("ru/a.txt"), "ru")
    assert str(err.value).startswith("ru/a.txt:3: not valid UTF-8 (byte 0xff)")


def test_nul_bytes_are_refused_with_a_line():
    with pytest.raises(InputError) as err:
        decode_bytes(b"ab\ncd\x00\x00\xff", Path("a.txt"), "ru")
    assert str(err.value).startswith("a.txt:2: binary data")


def test_guessing_is_off_for_the_strict_commands():
    with pytest.raises(InputError):
        decode_bytes(RU_MEETING.encode("cp1251"), "x", "ru", guess=False)


def test_english_in_windows_1252():
    text = "The Secretary General\u2019s visit \u2014 caf\u00e9"
    decoded = decode_bytes(text.encode("cp1252"), "x", "en")
    assert decoded.text == text and decoded.encoding == "windows-1252"


def test_declared_charset_is_used_for_a_page():
    data = RU_MEETING_PAGE.encode("cp1251")
    decoded = decode_bytes(data, "x.html", "ru", declared="windows-1251")
    assert decoded.text == RU_MEETING_PAGE and decoded.how == "declared"


# --- normalisation --------------------------------------------------------------

def test_normalisation_rules():
    raw = ("Заголовок\r\n\r\nВ\u00a0Минске 6\u202f500 военно\u00adслужащих\u200b,\u2060 "
           "\ufeffколлективно\u0438\u0306.\rКонец\u2009текста\u3000.\tТаб")
    assert normalise_text(raw) == ("Заголовок\n\nВ Минске 6 500 военнослужащих, "
                                   "коллективной.\nКонец текста .\tТаб")
    assert unicodedata.is_normalized("NFC", normalise_text("e\u0301"))


def test_normalisation_keeps_line_count_for_one_sentence_per_line_files():
    raw = "a\u2028b\nc\u0085d\ne\u2029f\n"
    assert normalise_text(raw).count("\n") == 3
    assert normalise_tracking_spaces(raw, release=True)[0] == "a\nb\nc\nd\ne\n\nf\n"


def test_release_offsets_are_into_the_normalised_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("Заго\u00adловок\r\n\r\nТекст\u00a0новости.\u2029Второй абзац.".encode("utf-8"))
    release = read_release(path, "ru")
    assert [p.text for p in release.paragraphs] == ["Заголовок", "Текст новости.", "Второй абзац."]
    for p in release.paragraphs:
        assert release.text[p.start:p.start + len(p.text)] == p.text
    assert [p.line for p in release.paragraphs] == [1, 3, 5]


def restore_spaces(release) -> str:
    return "".join(release.original_spaces.get(i, ch) for i, ch in enumerate(release.text))


def test_original_unicode_spaces_are_remembered_for_the_exports(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("Заго\u00adловок\r\n\r\n6\u202f500 военно\u200bслужащих в\u00a0Минске.".encode("utf-8"))
    release = read_release(path, "ru")
    assert release.text == "Заголовок\n\n6 500 военнослужащих в Минске."
    assert restore_spaces(release) == "Заголовок\n\n6\u202f500 военнослужащих в\u00a0Минске."
    assert set(release.original_spaces.values()) == {"\u202f", "\u00a0"}


def test_html_release_remembers_nbsp_entities():
    release = parse_html_release(RU_MEETING_PAGE, "x", "ru", Path("a.html"))
    restored = restore_spaces(release)
    assert "6\u00a0500 военнослужащих" in restored and "в\u00a0ноябре в\u00a0Минске" in restored
    assert "государств\u00a0— членов" in restored
    assert restored.replace("\u00a0", " ") == release.text


# --- HTML -----------------------------------------------------------------------

def test_realistic_saved_page_gives_headline_date_and_paragraphs():
    release = parse_html_release(RU_MEETING_PAGE, "2024-08-14-secretariat-meeting", "ru", Path("a.html"))
    expected = [p.strip() for p in RU_MEETING.strip().split("\n\n")]
    assert [p.text for p in release.paragraphs] == expected
    assert [p.text for p in release.boilerplate] == ["Вернуться к списку новостей"]
    assert release.date == "2024-08-14"
    for p in release.paragraphs + release.boilerplate:
        assert release.text[p.start:p.start + len(p.text)] == p.text
    # lines are the lines of the elements in the HTML file
    lines = RU_MEETING_PAGE.split("\n")
    assert "<h1>В Секретариате ОДКБ обсудили" in lines[release.paragraphs[0].line - 1]
    assert lines[release.paragraphs[1].line - 1].lstrip().startswith("<p>14 августа")


def test_page_with_article_time_br_and_list():
    page = extract_html(EN_COURSES_PAGE, "x.html")
    assert page.headline.text == ("Training courses for peacekeeping personnel of the CSTO member states "
                                  "completed in Yerevan")
    assert page.date == "2024-09-20"
    assert [b.text for b in page.blocks] == [
        "On 20 September 2024, two-week training courses for officers of the CSTO Peacekeeping Forces "
        "were completed in Yerevan. The classes were attended by 45 servicemen from five states.\n"
        "The trainees studied:",
        "the planning of peacekeeping operations;",
        "the basics of international humanitarian law;",
        "the rules of interaction with the civilian population.",
        "The graduates were awarded certificates of the established form.",
    ]


def test_page_without_h1_takes_the_title_and_without_article_the_body():
    page = extract_html("<html><head><title>Заголовок</title></head><body><div>Один.</div>"
                        "<p>Два<br/>три</p><ul><li>четыре</li></ul></body></html>", "x.html")
    assert page.headline.text == "Заголовок"
    assert [b.text for b in page.blocks] == ["Один.", "Два\nтри", "четыре"]


def test_page_entities_and_doctype_subset_are_not_expanded():
    html = ('<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y "boom">]>'
            "<html><body><h1>T</h1><p>&x;&y; &amp; &lt;b&gt; &laquo;a&raquo;</p></body></html>")
    page = extract_html(html, "x.html")
    assert [b.text for b in page.blocks] == ["&x;&y; & <b> «a»"]


def test_page_nested_beyond_the_parser_limit_is_refused_not_truncated():
    html = "<html><body><p>Начало.</p>\n" + "<div>" * 300 + "Текст." + "</div>" * 300 + "</body></html>"
    with pytest.raises(InputError, match=r"^a\.html:2: HTML over the parser's safety limits"):
        extract_html(html, "a.html")
    assert extract_html(html.replace("<div>" * 300, "<div>" * 100).replace("</div>" * 300, "</div>" * 100),
                        "a.html").blocks[-1].text == "Текст."


def test_empty_and_junk_pages():
    assert extract_html("", "x.html").blocks == []
    assert extract_html("<html><body><script>var a = 1;</script><nav>Menu</nav></body></html>",
                        "x.html").blocks == []


@pytest.mark.parametrize("text,iso", [
    ("2024-07-25T10:00", "2024-07-25"), ("25.07.2024", "2024-07-25"), ("25 июля 2024 года", "2024-07-25"),
    ("25 July 2024", "2024-07-25"), ("July 25, 2024", "2024-07-25"), ("31.02.2024", None), ("вчера", None),
])
def test_page_dates(text, iso):
    assert parse_date(text) == iso


# --- corpus layout hazards -------------------------------------------------------

def _corpus(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    (tmp_path / "ru").mkdir(exist_ok=True)
    (tmp_path / "en").mkdir(exist_ok=True)
    return tmp_path


def test_html_pairs_with_txt_and_encoding_warning_reaches_the_corpus(tmp_path):
    root = _corpus(tmp_path, {"ru/a.html": RU_MEETING_PAGE.encode("cp1251"), "en/a.txt": "Head\n\nText.\n",
                              "ru/b.txt": RU_COURSES.encode("koi8-r", errors="replace"),
                              "en/b.htm": EN_COURSES_PAGE})
    corpus = load_corpus(root)
    assert [(s.path.name, t.path.name) for s, t in corpus.pairs] == [("a.html", "a.txt"), ("b.txt", "b.htm")]
    assert corpus.pairs[0][0].encoding == "windows-1251"
    assert corpus.pairs[1][0].encoding == "koi8-r"
    assert any("ru/a.html: not UTF-8; read as windows-1251 (declared in the page)" in w
               for w in corpus.warnings)
    assert any("ru/b.txt: not UTF-8; read as koi8-r (guessed)" in w for w in corpus.warnings)


def test_same_id_as_txt_and_html_is_an_error(tmp_path):
    root = _corpus(tmp_path, {"ru/a.txt": "Т.\n", "ru/a.html": "<p>Т.</p>", "en/a.txt": "T.\n"})
    with pytest.raises(InputError, match=r"release 'a' is there twice \(a.html and a.txt\)"):
        load_corpus(root)


def test_symlinks_inside_the_corpus_are_followed_outside_refused(tmp_path):
    root = _corpus(tmp_path / "c", {"ru/a.txt": "Текст.\n", "en/a.txt": "Text.\n", "shared/b.txt": "Б.\n"})
    (root / "ru" / "b.txt").symlink_to(root / "shared" / "b.txt")
    (tmp_path / "outside.txt").write_text("Outside.\n", encoding="utf-8")
    (root / "en" / "b.txt").symlink_to(tmp_path / "outside.txt")
    corpus = load_corpus(root)
    assert [r.path.name for r in corpus.unpaired] == ["b.txt"] and corpus.unpaired[0].lang == "ru"
    assert any("en/b.txt: skipped: a symbolic link pointing outside the corpus" in w for w in corpus.warnings)


def test_fifo_and_folders_named_like_releases_are_skipped_not_read(tmp_path):
    root = _corpus(tmp_path, {"ru/a.txt": "Текст.\n", "en/a.txt": "Text.\n"})
    os.mkfifo(root / "ru" / "b.txt")            # reading it would block forever
    (root / "en" / "c.txt").mkdir()
    (root / "en" / "d.txt").symlink_to(root / "en" / "missing.txt")
    corpus = load_corpus(root)
    assert [s.release_id for s, _ in corpus.pairs] == ["a"] and corpus.unpaired == []
    for name in ("ru/b.txt", "en/c.txt", "en/d.txt"):
        assert any(f"{name}: skipped: not a regular file" in w for w in corpus.warnings), name


def test_file_names_with_line_breaks_give_one_line_warnings(tmp_path):
    root = _corpus(tmp_path, {"ru/a.txt": "Текст.\n", "en/a.txt": "Text.\n", "en/b\nwarning: fake.txt": "X.\n"})
    corpus = load_corpus(root)
    assert len(corpus.warnings) == 1 and "\n" not in corpus.warnings[0]
    assert "is not a valid release id" in corpus.warnings[0]


def test_empty_releases_are_warnings(tmp_path):
    root = _corpus(tmp_path, {"ru/a.txt": b"", "en/a.txt": "\n \n", "ru/b.txt": "Назад\n", "en/b.txt": "Go back\n"})
    corpus = load_corpus(root)
    assert len(corpus.pairs) == 2
    assert sum("empty release (no text)" in w for w in corpus.warnings) == 2
    assert sum("empty release (only navigation lines)" in w for w in corpus.warnings) == 2
