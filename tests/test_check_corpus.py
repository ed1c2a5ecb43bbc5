"""`tm check` on the planted-error corpus (tests/check_corpus, 50 planted errors
in 17 release pairs, two of them clean) and on the shipped corpus, end to end."""
import json
import shutil
from pathlib import Path

import pytest

from tm.check import RULES, check_release, read_gold, score_findings
from tm.corpus import load_corpus
from tm.glossary import load_glossary
from tm.pipeline import align_corpus

from helpers import run_tm

REPO = Path(__file__).resolve().parents[1]
PLANTED = REPO / "tests" / "check_corpus"
GLOSSARY = REPO / "glossaries" / "csto.tsv"


@pytest.fixture(scope="module")
def planted_scores():
    glossary = load_glossary(GLOSSARY)
    releases = align_corpus(load_corpus(PLANTED, "ru", "en"), glossary)
    findings = [f for a in releases for f in check_release(a, glossary)]
    gold = read_gold(PLANTED / "gold.tsv")
    return releases, findings, gold, score_findings(findings, gold)


def test_planted_corpus_is_what_the_tests_claim(planted_scores):
    releases, _findings, gold, _ = planted_scores
    assert len(releases) >= 8 and len(gold) >= 40
    assert {g[1] for g in gold} == set(RULES)
    assert {a.release_id for a in releases} - {g[0] for g in gold}, "some pairs must be clean"


@pytest.mark.parametrize("rule", list(RULES))
def test_precision_and_recall_per_rule(planted_scores, rule):
    s = planted_scores[3][rule]
    print(f"\n{rule}: precision {s['precision']:.3f} recall {s['recall']:.3f} "
          f"({s['tp']} of {s['gold']} planted, {s['found']} found)")
    assert s["recall"] >= 0.95, s["missed"]
    assert s["precision"] >= 0.95, s["false_positives"]


def test_cli_json_on_a_planted_pair_points_at_the_english_line(tmp_path):
    corpus, rid = tmp_path / "corpus", "2024-05-20-pa-plenary-session"
    for lang in ("ru", "en"):
        (corpus / lang).mkdir(parents=True)
        shutil.copy(PLANTED / lang / f"{rid}.txt", corpus / lang)
    out = tmp_path / "report.json"
    r = run_tm("check", "--corpus", corpus, "--glossary", GLOSSARY, "--format", "json", "--output", out)
    assert r.returncode == 1, r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    finding = next(f for f in doc["findings"] if f["rule"] == "deprecated-term" and f["concept"] == "yerevan")
    assert finding["found"] == "Erevan" and finding["expected"] == "Yerevan"
    assert finding["release"] == "2024-05-20-pa-plenary-session" and finding["line"] == 13
    assert finding["file"].endswith("en/2024-05-20-pa-plenary-session.txt")
    assert doc["summary"]["releases"] == 1
    assert sorted((f["rule"], f["line"]) for f in doc["findings"]) == \
        [("deprecated-term", 5), ("deprecated-term", 13), ("number-mismatch", 3)]


def test_shipped_corpus_passes_and_one_planted_error_fails_naming_file_and_line(tmp_path):
    r = run_tm("check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith("tm check: 0 finding(s)")
    corpus = tmp_path / "csto"
    shutil.copytree(REPO / "corpora" / "csto", corpus)
    target = corpus / "en" / "2022-10-03-interaction-2022-kazakhstan.txt"
    lines = target.read_text(encoding="utf-8").split("\n")
    (n,) = [i for i, ln in enumerate(lines) if "CSTO Collective Rapid Reaction Forces" in ln][:1]
    lines[n] = lines[n].replace("Collective Rapid Reaction Forces", "Collective Rapid Response Forces", 1)
    target.write_text("\n".join(lines), encoding="utf-8")
    r = run_tm("check", "--corpus", corpus, "--glossary", GLOSSARY)
    assert r.returncode == 1, r.stdout + r.stderr
    (line,) = [ln for ln in r.stdout.splitlines() if ": deprecated-term: " in ln]
    assert line.startswith(f"{target}:{n + 1}: deprecated-term: ")
    assert "Collective Rapid Response Forces" in line


def test_bad_glossary_is_exit_2(tmp_path):
    bad = tmp_path / "g.tsv"
    bad.write_text("concept\tlang\tterm\tstatus\tkind\tnote\nx\tru\tтерм\tofficial\tunit\t\n", encoding="utf-8")
    r = run_tm("check", "--glossary", bad)
    assert r.returncode == 2 and f"{bad}:2:" in r.stderr and "Traceback" not in r.stderr
