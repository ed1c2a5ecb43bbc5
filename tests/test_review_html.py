"""`tm align --review`: the structure of the report, read with lxml (no browser).

The corpus: the planted-error releases of tests/check_corpus (findings), two shipped
releases (boilerplate lines, 1-0 beads), a release whose text holds markup, and one
long release made of ten shipped releases (over 100 beads: the page-size limit).
What the pages must show is taken from tm's other outputs (the TMX, the --report
accounting, `tm check --format json`), not from the review code."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from lxml import etree, html

from helpers import REPO, run_tm

SHIPPED = REPO / "corpora" / "csto"
GLOSSARY = REPO / "glossaries" / "csto.tsv"
HOSTILE = "hostile-markup"
LONG = "long-release"
BOILER = "2023-10-06-rubezh-2023-kyrgyzstan"
HOSTILE_RU = ("Учение <script>alert('ru')</script> завершилось\n\n"
              "Генеральный секретарь ОДКБ посетил Минск & Москву 5 мая. Текст <b>жирный</b> и &amp; «кавычки».\n\n"
              "В учении участвовали 1500 военнослужащих.\n")
HOSTILE_EN = ("The exercise <script>alert('en')</script> is over\n\n"
              "The CSTO Secretary General visited Minsk & Moscow on 5 May. Text <b>bold</b> and &amp; \"quotes\".\n\n"
              "1,500 servicemen took part in the exercise.\n")


def fold(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("review-html")
    corpus = base / "corpus"
    shutil.copytree(REPO / "tests" / "check_corpus", corpus, ignore=shutil.ignore_patterns("gold.tsv"))
    names = sorted(p.name for p in (SHIPPED / "ru").glob("*.txt"))
    for lang in ("ru", "en"):
        shutil.copy(SHIPPED / lang / f"{BOILER}.txt", corpus / lang)
        shutil.copy(SHIPPED / lang / names[0], corpus / lang)
        (corpus / lang / f"{LONG}.txt").write_text(
            "\n\n".join((SHIPPED / lang / n).read_text(encoding="utf-8").strip() for n in names[:10]) + "\n",
            encoding="utf-8")
    (corpus / "ru" / f"{HOSTILE}.txt").write_text(HOSTILE_RU, encoding="utf-8")
    (corpus / "en" / f"{HOSTILE}.txt").write_text(HOSTILE_EN, encoding="utf-8")
    out = base / "out"
    r = run_tm("align", "--review", "--corpus", corpus, "--glossary", GLOSSARY, "--out", out,
               "--report", base / "report.json", cwd=base)
    assert r.returncode == 0, r.stderr
    c = run_tm("check", "--corpus", corpus, "--glossary", GLOSSARY, "--format", "json", cwd=base)
    assert c.returncode in (0, 1), c.stderr
    return {"corpus": corpus, "out": out, "review": out / "review", "stdout": r.stdout,
            "report": json.loads((base / "report.json").read_text(encoding="utf-8")),
            "findings": json.loads(c.stdout)["findings"],
            "tmx": etree.parse(str(out / "corpus.tmx"))}


def page(site, release):
    return html.parse(str(site["review"] / f"{release}.html")).getroot()


def bead_rows(doc):
    return doc.xpath("//tr[contains(concat(' ', @class, ' '), ' bead ')]")


def indices(label):
    return [int(x) for x in label.split("-")] if label else []


def test_a_page_per_pair_and_the_overview(site):
    pairs = [p["release"] for p in site["report"]["pairs"] if p["confidence"] is not None]
    planted = len(list((REPO / "tests" / "check_corpus" / "ru").glob("*.txt")))
    assert len(pairs) == planted + 4
    assert sorted(p.name for p in site["review"].glob("*.html")) == sorted(
        [f"{r}.html" for r in pairs] + ["index.html"])
    index = html.parse(str(site["review"] / "index.html")).getroot()
    links = index.xpath("//table//a/@href")
    assert sorted(links) == sorted(f"{r}.html" for r in pairs)


def test_every_bead_of_every_pair_is_there(site):
    for pair in site["report"]["pairs"]:
        doc = page(site, pair["release"])
        rows = bead_rows(doc)
        kinds = {}
        for row in rows:
            kind = f"{len(indices(row.get('data-src')))}-{len(indices(row.get('data-tgt')))}"
            kinds[kind] = kinds.get(kind, 0) + 1
        assert kinds == pair["beads"], pair["release"]
        # every content sentence once, in document order, on both sides
        for side, attr in (("src", "data-src"), ("tgt", "data-tgt")):
            n = pair[side]["sentences"] - pair[side]["skipped"].get("boilerplate", 0)
            assert [i for row in rows for i in indices(row.get(attr))] == list(range(n))
        # a one-sided bead shows its gap
        for row in rows:
            if not row.get("data-src") or not row.get("data-tgt"):
                assert row.xpath("td[contains(@class, 'gap')]"), pair["release"]


def test_every_tmx_unit_is_a_bead_with_its_texts_and_confidence(site):
    for tu in site["tmx"].iter("tu"):
        props = {p.get("type"): p.text for p in tu.findall("prop")}
        src, tgt = [s.text for s in tu.iter("seg")]
        doc = page(site, props["x-release"])
        row = doc.xpath(f"//tr[@data-src='{props['x-src-index']}'][@data-tgt='{props['x-tgt-index']}']")
        assert len(row) == 1, props
        row = row[0]
        assert row.get("data-st") == fold(src) and row.get("data-tt") == fold(tgt)
        assert row.xpath("string(td[contains(@class, 'conf')])") == props["x-score"]
        # the page shows the text (the normalised spaces aside)
        cells = row.xpath("td[contains(@class, 'text')]")
        shown = [fold(" ".join(p.text_content() for p in cell.xpath("p"))) for cell in cells]
        assert shown == [fold(src), fold(tgt)]
        score = float(props["x-score"])
        expected = "hi" if score >= 0.9 else "mid" if score >= 0.7 else "low" if score >= 0.5 else "bad"
        assert expected in row.get("class").split()


def test_every_finding_is_next_to_its_bead(site):
    assert len(site["findings"]) >= 40
    for f in site["findings"]:
        doc = page(site, f["release"])
        rows = [r for r in bead_rows(doc) if indices(r.get("data-src"))[:1] == [f["src_index"]]]
        assert len(rows) == 1, f
        items = [fold(li.text_content()) for li in rows[0].xpath(".//ul[@class='findings']/li")]
        assert fold(f"{f['rule']}: {f['message']}") in items, (f, items)
        assert "has-findings" in rows[0].get("class").split()


def test_text_is_escaped(site):
    raw = (site["review"] / f"{HOSTILE}.html").read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "<b>" not in raw
    doc = page(site, HOSTILE)
    text = doc.text_content()
    assert "<script>alert('ru')</script>" in text and "<script>alert('en')</script>" in text
    assert "<b>жирный</b> и &amp; «кавычки»" in text and "Minsk & Moscow" in text
    scripts = doc.xpath("//script")
    assert [s.get("src") for s in scripts] == ["corrections.js", None]
    assert "alert" not in scripts[1].text
    assert not doc.xpath("//b")
    # the data the download writes holds the texts as they are
    row = doc.xpath("//tr[@data-st]")[0]
    assert "<script>alert('ru')</script>" in row.get("data-st")


def test_no_external_url_font_or_script(site):
    url = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//)")
    files = sorted(site["review"].glob("*.html"))
    assert len(files) > 20
    for path in files:
        doc = html.parse(str(path)).getroot()
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            for name, value in el.attrib.items():
                if name in ("href", "src", "action", "formaction", "poster", "srcset", "data", "xlink:href",
                            "{http://www.w3.org/1999/xlink}href", "manifest", "background", "cite"):
                    assert not url.match(value), (path.name, name, value)
        for style in doc.xpath("//style/text()") + doc.xpath("//@style"):
            assert "url(" not in style and "@import" not in style and "@font-face" not in style
        assert not doc.xpath("//link | //iframe | //object | //embed | //img | //base")
    js = (site["review"] / "corrections.js").read_text(encoding="utf-8")
    assert "http" not in js and "//" not in js


def test_boilerplate_is_greyed_and_terms_are_highlighted(site):
    doc = page(site, BOILER)
    boiler = doc.xpath("//tr[@class='boilerplate']")
    assert boiler and any("Go back" in r.text_content() for r in boiler)
    ru = "\n".join(p.read_text(encoding="utf-8") for p in [site["corpus"] / "ru" / f"{BOILER}.txt"])
    # boilerplate appears after the last bead (it is at the end of the release)
    rows = doc.xpath("//tbody/tr")
    assert rows[-1].get("class") == "boilerplate" and "Назад" in ru
    marks = doc.xpath("//td[@lang='ru']//mark")
    assert marks and all("expected in en:" in m.get("title") for m in marks)
    assert any(m.text_content() == "Кыргызской Республике" and "Kyrgyz Republic" in m.get("title") for m in marks)
    deprecated = [m for f in site["findings"] if f["rule"] == "deprecated-term" for m in
                  page(site, f["release"]).xpath("//mark[contains(@class, 'deprecated')]")]
    assert deprecated and all("expected:" in m.get("title") for m in deprecated)


def test_a_page_of_100_beads_is_under_300_kb(site):
    path = site["review"] / f"{LONG}.html"
    beads = len(bead_rows(page(site, LONG)))
    size = path.stat().st_size
    assert beads >= 100
    assert size < 300_000
    assert size * 100 / beads < 300_000 / 2, (size, beads)     # half the limit for 100 beads
    print(f"\n{LONG}: {beads} beads, {size} bytes ({size * 100 / beads / 1000:.1f} kB per 100 beads)")


def test_overview_sorted_by_weakest_bead_and_chart(site):
    index = html.parse(str(site["review"] / "index.html")).getroot()
    rows = index.xpath("//tbody/tr[contains(@class, 'release')]")
    weakest = []
    total = 0
    for row in rows:
        name = row.xpath("string(.//a/@href)")
        doc = html.parse(str(site["review"] / name)).getroot()
        scores = [float(r.get("data-score")) for r in bead_rows(doc)]
        total += len(scores)
        shown = row.xpath("string(td[contains(@class, 'conf')])")
        assert shown == f"{min(scores):.3f}"
        if "wrong pairing" not in row.text_content():
            weakest.append(min(scores))
    assert weakest == sorted(weakest)
    bars = index.xpath("//*[local-name()='svg']//*[local-name()='rect']")
    assert len(bars) == 10
    labels = index.xpath("//*[local-name()='svg']/*[local-name()='g']/*[local-name()='title']/text()")
    assert sum(int(t.split(": ")[1].split()[0]) for t in labels) == total
    facts = {dt.text_content(): fold(dt.getnext().text_content()) for dt in index.xpath("//dl//dt")}
    report = site["report"]
    assert facts["Units written"] == str(report["units_written"])
    for reason, n in report["totals"]["src"]["skipped"].items():
        assert facts[f"Skipped ({reason})"] == f"ru {n}, en {report['totals']['tgt']['skipped'].get(reason, 0)}"
    assert facts["Pairs"] == f"{len(rows)} aligned"


def test_decisions_already_taken_are_shown(site, tmp_path):
    doc = page(site, BOILER)
    row = doc.xpath("//tr[@data-st]")[2]
    line = "\t".join([BOILER, row.get("data-src"), row.get("data-tgt"), "reject", row.get("data-st"),
                      row.get("data-tt")])
    path = site["corpus"] / "corrections.tsv"
    path.write_text("release\tsrc\ttgt\tverdict\tsrc_text\ttgt_text\n" + line + "\n", encoding="utf-8")
    try:
        out = tmp_path / "out"
        r = run_tm("align", "--review", "--corpus", site["corpus"], "--glossary", GLOSSARY, "--out", out,
                   cwd=tmp_path)
    finally:
        path.unlink()
    assert r.returncode == 0, r.stderr
    doc = html.parse(str(out / "review" / f"{BOILER}.html")).getroot()
    row = doc.xpath(f"//tr[@data-src='{row.get('data-src')}'][@data-tgt='{row.get('data-tgt')}']")[0]
    assert "rejected" in row.get("class").split()
    assert "rejected in corrections.tsv" in row.text_content()
    assert row.get("data-verdict") == "reject"
    index = html.parse(str(out / "review" / "index.html")).getroot()
    assert "0 accepted, 1 rejected" in fold(index.text_content())
    js = (out / "review" / "corrections.js").read_text(encoding="utf-8")
    assert json.loads(js[js.index("{"):js.rindex("}") + 1])["lines"] == [line.split("\t")]
