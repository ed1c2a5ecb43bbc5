"""tm import (tm/web/): the test site of tests/site/make_site.py as a wget mirror and as
a WARC -> a corpus; extraction, pairing, re-import, bad input, and tm align after it."""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from helpers import TESTS, load_module, run_tm
from tm.models import InputError
from tm.web import lang as web_lang
from tm.web.importer import MANIFEST_HEADER, run_import, slug_of
from tm.web.pairing import url_key

make_site = load_module(TESTS / "site" / "make_site.py")


@pytest.fixture(scope="module")
def site():
    return make_site.site()


@pytest.fixture(scope="module")
def built(site, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    mirror = make_site.write_mirror(site, out)
    warc = make_site.write_warc(site, out / "site.warc.gz")
    return mirror, warc


def _manifest(corpus: Path) -> dict[str, dict[str, str]]:
    lines = (corpus / "manifest.tsv").read_text(encoding="utf-8").splitlines()
    assert tuple(lines[0].split("\t")) == MANIFEST_HEADER
    return {row.split("\t")[0]: dict(zip(MANIFEST_HEADER, row.split("\t"))) for row in lines[1:]}


def _check_corpus(site, corpus: Path, methods=("url-path", "content")) -> None:
    manifest = _manifest(corpus)
    assert sorted(manifest) == sorted(r.expected_id for r in site.releases)
    all_gold = {lang: "\n".join(r.gold_text(lang) for r in site.releases) for lang in ("ru", "en")}
    for rel in site.releases:
        row = manifest[rel.expected_id]
        assert (row["source_url"], row["target_url"]) == (rel.url["ru"], rel.url["en"]), rel.corpus_id
        assert row["method"] in methods
        assert float(row["confidence"]) >= 0.5
        for lang in ("ru", "en"):
            text = (corpus / lang / f"{rel.expected_id}.txt").read_text(encoding="utf-8")
            gold, found, got, foreign = make_site.score(text, rel.gold_text(lang), lang)
            assert found == gold, (rel.corpus_id, lang, "article sentences lost")
            assert foreign == 0, (rel.corpus_id, lang, "sentences that are not this article's")
            # the layout: headline, blank line, date line as on the page, blank line, paragraphs
            paras = text.rstrip("\n").split("\n\n")
            assert paras[0] == rel.headline[lang] and paras[1] == rel.date_line[lang]
            # no menu, sidebar, share, cookie or footer text
            for ui_text in (make_site._UI[lang]["cookie"], make_site._UI[lang]["footer"],
                            make_site._UI[lang]["other"], make_site._UI[lang]["share"],
                            *make_site._UI[lang]["menu"]):
                assert ui_text not in text
            for other in site.releases:
                if other is not rel and other.headline[lang] not in rel.gold_text(lang):
                    assert other.headline[lang] not in text
            assert all_gold[lang]


def test_folder_import(site, built, tmp_path):
    mirror, _ = built
    summary = run_import([mirror], tmp_path / "c")
    _check_corpus(site, tmp_path / "c")
    assert summary.pairs["url-path"] == 15 and summary.pairs["content"] == 5   # 5 English slugs of their own
    assert summary.skipped["list page"] == 6 and summary.skipped["no article"] == 1   # 404.html
    assert summary.files["new"] == 40 and not summary.unpaired and not summary.problems
    # a <br> inside a paragraph stays a line break
    text = (tmp_path / "c" / "ru" / "2023-10-06-na-poligone-edelveys-v-kyrgyzskoy-respublike.txt").read_text()
    assert "были отработаны:\n1) выдвижение подразделений" in text
    # the windows-1251 pages: declared, and one declared nowhere
    assert any("windows-1251 (guessed)" in n for n in summary.notes)
    assert any("windows-1251 (declared in the page)" in n for n in summary.notes)


def test_warc_import_and_reimport(site, built, tmp_path):
    _, warc = built
    corpus = tmp_path / "c"
    summary = run_import([warc], corpus)
    _check_corpus(site, corpus)
    assert summary.skipped["status 301"] == 1 and summary.skipped["status 404"] == 1
    assert summary.skipped["request record"] == len(site.pages) and summary.skipped["warcinfo record"] == 1
    assert any("(declared in the HTTP header)" in n for n in summary.notes)
    assert "#" in _manifest(corpus)[site.releases[0].expected_id]["source_from"]   # WARC offset
    # re-import: nothing rewritten
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in corpus.rglob("*") if p.is_file()}
    again = run_import([warc], corpus)
    assert again.files == {"unchanged": 40} and not again.problems
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in corpus.rglob("*") if p.is_file()}
    # a page that changed: reported, not overwritten; --update rewrites it
    rel = site.releases[4]
    first = rel.body["ru"][0].split("\n")[0]
    assert rel.template["ru"] != "C"      # a UTF-8 page
    changed = [make_site.Page(p.url, p.body.replace(first.encode(), (first + " Дополнение.").encode()),
                              content_type=p.content_type)
               if p.url == rel.url["ru"] else p for p in site.pages]
    warc2 = make_site.write_warc(make_site.Site(site.releases, changed), tmp_path / "changed.warc.gz")
    target = corpus / "ru" / f"{rel.expected_id}.txt"
    old = target.read_bytes()
    s2 = run_import([warc2], corpus)
    assert s2.files["changed"] == 1 and target.read_bytes() == old
    assert any("changed since it was imported" in p and str(target) in p for p in s2.problems)
    s3 = run_import([warc2], corpus, update=True)
    assert s3.files["updated"] == 1 and "Дополнение." in target.read_text(encoding="utf-8")
    assert s3.files["unchanged"] == 39


def test_pairing_by_content_when_slugs_differ(site, tmp_path):
    """Every English page under a slug of its own, and an English page that translates
    nothing: all 20 pairs made by content, with their confidence; the stray page unpaired."""
    pages = []
    for p in site.pages:
        for rel in site.releases:
            if p.url == rel.url["en"]:
                p = make_site.Page(f"http://{make_site.EN_HOST}/press/{rel.corpus_id[11:]}-en.html", p.body,
                                   content_type=p.content_type)
        pages.append(p)
    stray_rel = make_site.Release("x", "2024-07-19", {"en": "The CSTO opened an exhibition in Yerevan"},
                                  {"en": ["An exhibition of photographs about the history of peacekeeping opened "
                                          "today in the Armenian capital, showing 120 pictures taken since 1999."]},
                                  {"en": []})
    stray_rel.url = {"en": f"http://{make_site.EN_HOST}/press/exhibition-yerevan.html"}
    stray = make_site.Page(stray_rel.url["en"], make_site.render_a(stray_rel, site.releases[:3], "en").encode())
    warc = make_site.write_warc(make_site.Site(site.releases, pages), tmp_path / "s.warc.gz", extra=[stray])
    summary = run_import([warc], tmp_path / "c")
    manifest = _manifest(tmp_path / "c")
    assert summary.pairs == {"content": 20}
    for rel in site.releases:
        row = manifest[rel.expected_id]
        assert row["target_url"].endswith(f"/press/{rel.corpus_id[11:]}-en.html"), rel.corpus_id
        assert row["method"] == "content" and 0.5 <= float(row["confidence"]) <= 1.0
    assert summary.unpaired == [f"en {stray_rel.url['en']}"]


def _bad_site(site, tmp_path, extra):
    return make_site.write_warc(site, tmp_path / "bad.warc", gzip=False, extra=extra)


def test_bad_pages_counted_one_line_each(site, tmp_path):
    rel = site.releases[0]
    ru_page = next(p for p in site.pages if p.url == rel.url["ru"])
    extra = [
        # broken HTML: binary bytes where a page should be
        make_site.Page(f"http://{make_site.RU_HOST}/news/broken/", b"<html>\x00\x01\x02\xff\xfe garbage"),
        # two pages with one URL (a re-crawl that got other content)
        make_site.Page(rel.url["ru"], ru_page.body.replace(b"</h1>", b" (updated)</h1>")),
        # a Kazakh page on the kz. host: not ru or en
        make_site.Page("http://kz.csto.example/news/kazakh/", (
            '<html lang="kk"><head><meta charset="utf-8"><title>ҰҚШҰ</title></head><body><article>'
            "<h1>ҰҚШҰ хатшылығы Алматыда кездесу өткізді</h1><p>Ұжымдық қауіпсіздік туралы шарт ұйымының "
            "хатшылығы бүгін Алматы қаласында кездесу өткізді және келесі жиналыстың күнін белгіледі.</p>"
            "</article></body></html>").encode()),
        # an English host serving a Russian article
        make_site.Page(f"http://{make_site.EN_HOST}/news/ru-text/", make_site.render_a(
            rel, site.releases[1:4], "ru").encode()),
    ]
    summary = run_import([_bad_site(site, tmp_path, extra)], tmp_path / "c")
    assert summary.skipped["bad page"] == 1
    assert summary.skipped["two pages with one URL"] == 1
    assert summary.skipped["unexpected language"] == 2
    assert len(summary.problems) == 4 and all("\n" not in p for p in summary.problems)
    assert any("kk" in p and "kazakh" in p for p in summary.problems)
    assert any("Cyrillic script" in p and "ru-text" in p for p in summary.problems)
    assert sum(summary.pairs.values()) == 20        # everything else imported as before


def test_damaged_warcs(site, built, tmp_path):
    _, warc = built
    data = warc.read_bytes()
    # a truncated .warc.gz: what could be read is imported, the damage reported in one line
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    summary = run_import([cut], tmp_path / "c1")
    assert 0 < sum(summary.pairs.values()) < 20
    assert len([p for p in summary.problems if str(cut) in p]) == 1
    # a bad record in the middle of an uncompressed WARC
    plain = gzip.decompress(data)
    middle = plain.index(b"WARC/1.0", len(plain) // 2)
    bad = tmp_path / "bad-record.warc"
    bad.write_bytes(plain[:middle] + b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: nonsense\r\n\r\n"
                    + plain[middle:])
    summary = run_import([bad], tmp_path / "c2")
    assert summary.skipped["bad record"] == 1 and any("bad record" in p for p in summary.problems)
    assert sum(summary.pairs.values()) > 0
    # not a WARC at all, or no such source: the source cannot be read
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"this is not a web archive\n" * 10)
    with pytest.raises(InputError):
        run_import([junk], tmp_path / "c3")
    with pytest.raises(InputError):
        run_import([tmp_path / "missing"], tmp_path / "c4")


def test_cli_import_then_align(site, built, tmp_path):
    mirror, warc = built
    corpus = tmp_path / "corpus"
    result = run_tm("import", warc, "--corpus", corpus)
    assert result.returncode == 0, result.stderr
    assert "pairs: 20 (content 5, url-path 15)" in result.stdout
    assert "skipped:" in result.stdout and "status 404 1" in result.stdout
    result = run_tm("align", "--corpus", corpus, "--out", tmp_path / "out", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "corpus.tmx").stat().st_size > 10_000
    assert "wrong-pairing" not in result.stdout.split("warning")[0] or "wrong-pairing 0" in result.stdout
    # a source that cannot be read at all: exit 2, one line naming it
    result = run_tm("import", tmp_path / "nothing.warc", "--corpus", corpus)
    assert result.returncode == 2 and "nothing.warc" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("url, expected", [
    ("http://en.csto.example/news/x/", "en"),
    ("https://www.example.org/en/news/x", "en"),
    ("http://csto.example/news/x/", None),
    ("http://kz.csto.example/", "kk"),
    ("http://csto.example/english/about", "en"),
])
def test_language_from_url(url, expected):
    assert web_lang.language_from_url(url) == expected


def test_language_from_markup_and_script():
    import lxml.html

    assert web_lang.language_from_markup(lxml.html.fromstring('<html lang="ru-RU"><body>x</body></html>')) == "ru"
    assert web_lang.language_from_script("Учение прошло успешно") == "ru"
    assert web_lang.language_from_script("The exercise went well") == "en"
    root = lxml.html.fromstring("<html><body><p>Учение</p></body></html>")
    assert web_lang.page_language("http://csto.example/a/", root, "Учение") == ("ru", "script")


def test_slugs_and_url_keys():
    assert slug_of("http://csto.example/news/v-minske-sostoyalos/") == "v-minske-sostoyalos"
    assert slug_of("http://csto.example/news/detail.php?ID=12") == "detail-id-12"
    assert slug_of("http://csto.example/news/x/index.html") == "x"
    assert url_key("http://en.csto.example/news/a/") == url_key("http://csto.example/news/a/index.html")
    assert url_key("http://site.example/en/news/a") == url_key("http://site.example/news/a/")
    assert url_key("http://en.csto.example/news/a/") != url_key("http://csto.example/news/b/")
