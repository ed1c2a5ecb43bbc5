"""`tm align` end to end as a user runs it (a subprocess), on the shipped corpus:
the summary's numbers add up for every pair, the --report JSON says the same,
every release of the corpus is accounted for, the exports are where the
summary says and the TMX validates against the TMX 1.4b DTD."""
from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from conftest import REPO, SHARED, run_tm

CORPUS = REPO / "corpora" / "csto"


@pytest.fixture(scope="module")
def shipped_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("cli-align")
    r = run_tm("align", "--corpus", CORPUS, "--glossary", REPO / "glossaries" / "csto.tsv",
               "--out", work / "out", "--report", work / "report.json", cwd=work)
    return r, work


def test_exit_zero_no_traceback_no_warning(shipped_run):
    r, _ = shipped_run
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and "Traceback" not in r.stdout
    assert not [ln for ln in r.stdout.splitlines() if ln.startswith("warning:")]


def test_every_release_is_accounted_for_and_adds_up(shipped_run):
    _, work = shipped_run
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    ids = sorted(p.stem for p in (CORPUS / "ru").glob("*.txt"))
    assert sorted(p["release"] for p in report["pairs"]) == ids
    for pair in report["pairs"]:
        assert pair["confidence"] is not None and pair["units"] > 0
        for side in ("src", "tgt"):
            count = pair[side]
            assert count["sentences"] == count["exported"] + sum(count["skipped"].values()), pair
    for side, lang in (("src", "ru"), ("tgt", "en")):
        total = report["totals"][side]
        assert total["sentences"] == total["exported"] + sum(total["skipped"].values())
        assert total["sentences"] == sum(p[side]["sentences"] for p in report["pairs"])


def test_summary_lines_match_the_report(shipped_run):
    r, work = shipped_run
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    src, tgt = report["totals"]["src"], report["totals"]["tgt"]
    assert f"pairs: {len(report['pairs'])} aligned, 0 without counterpart" in r.stdout
    assert f"sentences: ru {src['sentences']}, en {tgt['sentences']}" in r.stdout
    assert f"exported sentences: ru {src['exported']}, en {tgt['exported']}" in r.stdout
    m = re.search(r"translation units written: (\d+) -> (\S+)", r.stdout)
    assert int(m[1]) == report["units_written"] and m[2] == report["tmx"]
    for reason, n in src["skipped"].items():
        assert f"skipped ({reason}): ru {n}, en {tgt['skipped'].get(reason, 0)}" in r.stdout
    tmx = etree.parse(report["tmx"])
    assert len(tmx.findall(".//tu")) == report["units_written"]
    assert sorted(p.rsplit("/", 1)[1] for p in report["po"]) == sorted(
        f"{p.stem}.po" for p in (CORPUS / "ru").glob("*.txt"))


def test_tmx_validates_against_the_dtd(shipped_run):
    dtd_path = SHARED / "schemas" / "tmx14.dtd"
    if not dtd_path.exists():
        pytest.skip("../shared/schemas/tmx14.dtd not present")
    _, work = shipped_run
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    dtd = etree.DTD(str(dtd_path))
    tree = etree.parse(report["tmx"], etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()
