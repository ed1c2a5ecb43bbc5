"""corrections.tsv end to end, as a user runs `tm align`: a rejected bead leaves the TMX
and the PO and is counted as skipped (rejected); an accepted bead is exported even under
--min-score, with score 1.0, x-reviewed and never fuzzy; a stale line is one warning and
is ignored; a malformed line is exit 2 naming file and line, with nothing exported;
cached, cold and parallel runs write the same bytes.

The beads are chosen from the TMX of a run without corrections, read with lxml, and
the expected texts are folded here, not by tm's code."""
from __future__ import annotations

import json
import shutil

import pytest
from lxml import etree

from helpers import REPO, run_tm

CORPUS = REPO / "corpora" / "csto"
GLOSSARY = REPO / "glossaries" / "csto.tsv"
HEADER = "release\tsrc\ttgt\tverdict\tsrc_text\ttgt_text\n"


def fold(text: str) -> str:
    return " ".join(text.split())


def units(tmx_path) -> dict[str, dict]:
    """tuid -> {props..., 'src': text, 'tgt': text} of a TMX file."""
    out = {}
    for tu in etree.parse(str(tmx_path)).iter("tu"):
        unit = {p.get("type"): p.text for p in tu.findall("prop")}
        segs = [s.text for s in tu.iter("seg")]
        unit["src"], unit["tgt"] = segs
        out[tu.get("tuid")] = unit
    return out


def line(unit: dict, verdict: str) -> str:
    return "\t".join([unit["x-release"], unit["x-src-index"], unit["x-tgt-index"], verdict,
                      fold(unit["src"]), fold(unit["tgt"])]) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A copy of the shipped corpus (named csto, as the TMX is named after the folder)
    and the units of a run without corrections."""
    base = tmp_path_factory.mktemp("corrections")
    copy = base / "csto"
    shutil.copytree(CORPUS, copy)
    r = run_tm("align", "--corpus", copy, "--glossary", GLOSSARY, "--out", base / "plain", cwd=base)
    assert r.returncode == 0, r.stderr
    return copy, units(base / "plain" / "csto.tmx")


def align(corpus_dir, out, *extra):
    r = run_tm("align", "--corpus", corpus_dir, "--glossary", GLOSSARY, "--out", out,
               "--report", out.parent / f"{out.name}.json", *extra, cwd=out.parent)
    return r


def test_reject_and_accept(corpus, tmp_path):
    copy, plain = corpus
    ordered = sorted(plain.items(), key=lambda kv: float(kv[1]["x-score"]))
    weak_id, weak = ordered[0]                   # the weakest unit of the TMX
    strong_id, strong = ordered[-1]
    assert float(weak["x-score"]) < 0.9 <= float(strong["x-score"])
    (copy / "corrections.tsv").write_text(HEADER + line(strong, "reject") + line(weak, "accept"), encoding="utf-8")
    try:
        # --min-score above the weak bead's score: only the decision keeps it in the TMX
        out = tmp_path / "out"
        r = align(copy, out, "--min-score", "0.95")
    finally:
        (copy / "corrections.tsv").unlink()
    assert r.returncode == 0, r.stderr
    got = units(out / "csto.tmx")
    assert strong_id not in got
    assert weak_id in got
    assert got[weak_id]["x-score"] == "1.000" and got[weak_id]["x-reviewed"] == "accept"
    assert got[weak_id]["src"] == weak["src"] and got[weak_id]["tgt"] == weak["tgt"]
    # no other unit is marked reviewed
    assert [t for t, u in got.items() if "x-reviewed" in u] == [weak_id]
    assert "skipped (rejected): ru 1, en 1" in r.stdout
    assert "reviewed beads (corrections.tsv): 1 accepted, 1 rejected" in r.stdout
    assert "warning:" not in r.stdout

    # PO: the rejected bead is not there, the accepted one is not fuzzy
    po_strong = (out / "po" / f"{strong['x-release']}.po").read_text(encoding="utf-8")
    assert f"sentences {strong['x-src-index']} -> {strong['x-tgt-index']}\n" not in po_strong
    po_weak = (out / "po" / f"{weak['x-release']}.po").read_text(encoding="utf-8")
    entry = po_weak.split(f"sentences {weak['x-src-index']} -> {weak['x-tgt-index']}\n")[1].split("\n\n")[0]
    assert "#. reviewed: accept" in entry and "#, fuzzy" not in entry
    assert f"score 1.000, sentences {weak['x-src-index']}" in po_weak

    # the accounting still adds up, with the rejected sentences counted
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    for pair in report["pairs"]:
        for side in ("src", "tgt"):
            c = pair[side]
            assert c["sentences"] == c["exported"] + sum(c["skipped"].values())
    pair = next(p for p in report["pairs"] if p["release"] == strong["x-release"])
    assert pair["src"]["skipped"]["rejected"] == len(strong["x-src-index"].split("-"))
    assert pair["reviewed"]["rejected"] == 1


def test_stale_lines_are_one_warning_and_ignored(corpus, tmp_path):
    copy, plain = corpus
    tuid, unit = sorted(plain.items())[3]
    edited = dict(unit, tgt=unit["tgt"] + " (edited)")
    gone = dict(unit, **{"x-release": "2099-01-01-no-such-release"})
    (copy / "corrections.tsv").write_text(HEADER + line(edited, "reject") + line(gone, "reject"), encoding="utf-8")
    try:
        r = align(copy, tmp_path / "out")
    finally:
        (copy / "corrections.tsv").unlink()
    assert r.returncode == 0, r.stderr
    warnings = [ln for ln in r.stdout.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1, warnings
    assert "corrections.tsv" in warnings[0] and "2 stale lines" in warnings[0] and "lines 2, 3" in warnings[0]
    assert tuid in units(tmp_path / "out" / "csto.tmx")          # not rejected
    assert "rejected" not in r.stdout.replace(warnings[0], "")
    # and under --strict a stale line is an error
    (copy / "corrections.tsv").write_text(HEADER + line(edited, "reject"), encoding="utf-8")
    try:
        r = align(copy, tmp_path / "strict", "--strict")
    finally:
        (copy / "corrections.tsv").unlink()
    assert r.returncode == 2 and "stale" in r.stderr and not (tmp_path / "strict").exists()


@pytest.mark.parametrize("content, line_no, words", [
    ("release\tsrc\ttgt\tverdict\n", 1, "header"),
    (HEADER + "2023-10-06-rubezh-2023-kyrgyzstan\t3\t3\tmaybe\ta\tb\n", 2, "verdict"),
    (HEADER + "\n2023-10-06-rubezh-2023-kyrgyzstan\t3\t3\treject\ta\n", 3, "fields"),
    (HEADER + "2023-10-06-rubezh-2023-kyrgyzstan\t3-5\t3\treject\ta\tb\n", 2, "indices"),
    (HEADER + "2023-10-06-rubezh-2023-kyrgyzstan\tx\t3\treject\ta\tb\n", 2, "indices"),
    (HEADER + "../etc\t3\t3\treject\ta\tb\n", 2, "release id"),
    (HEADER + "r1\t3\t3\treject\ta\tb\nr1\t3\t3\taccept\ta\tb\n", 3, "line 2"),
    (HEADER.encode() + b"r1\t3\t3\treject\t\xff\tb\n", 2, "UTF-8"),
])
def test_malformed_line_is_exit_2_naming_file_and_line(corpus, tmp_path, content, line_no, words):
    copy, _ = corpus
    path = copy / "corrections.tsv"
    (path.write_bytes if isinstance(content, bytes) else lambda c: path.write_text(c, encoding="utf-8"))(content)
    try:
        r = align(copy, tmp_path / "out")
    finally:
        path.unlink()
    assert r.returncode == 2
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"corrections.tsv:{line_no}:" in err and words in err, err
    assert not (tmp_path / "out").exists()


def test_cached_cold_and_parallel_runs_agree(corpus, tmp_path):
    copy, plain = corpus
    picked = [u for _, u in sorted(plain.items())][::40]
    text = HEADER + "".join(line(u, "reject" if i % 2 else "accept") for i, u in enumerate(picked))
    (copy / "corrections.tsv").write_text(text, encoding="utf-8")
    cache = tmp_path / "cache"
    try:
        runs = {}
        for name, extra, env in (("cold", ("--jobs", "1"), {"TM_CACHE_DIR": str(cache)}),
                                 ("cached", ("--jobs", "1"), {"TM_CACHE_DIR": str(cache)}),
                                 ("parallel", ("--jobs", "2", "--no-cache"), {})):
            out = tmp_path / name
            r = run_tm("align", "--corpus", copy, "--glossary", GLOSSARY, "--out", out, *extra,
                       cwd=tmp_path, env=env)
            assert r.returncode == 0, r.stderr
            runs[name] = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    finally:
        (copy / "corrections.tsv").unlink()
    assert runs["cold"] == runs["cached"] == runs["parallel"]
    got = units(tmp_path / "cold" / "csto.tmx")
    assert len(got) == len(plain) - len(picked[1::2])
    # and without corrections.tsv the same cache gives the committed exports again
    out = tmp_path / "again"
    r = run_tm("align", "--corpus", copy, "--glossary", GLOSSARY, "--out", out, cwd=tmp_path,
               env={"TM_CACHE_DIR": str(cache)})
    assert r.returncode == 0, r.stderr
    assert (out / "csto.tmx").read_bytes() == (REPO / "exports" / "csto.tmx").read_bytes()
