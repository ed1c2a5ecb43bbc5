"""The pipeline's accounting (issue 7): for every pair and side, sentences in =
exported + skipped by reason, on the check corpus and on random small corpora
full of hazards (releases on one side only, empty files, navigation lines,
repeated sentences, a wrong pairing). The shipped corpus is checked end to end
in test_cli.py, the robustness corpus in test_robustness.py."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import REPO
from robustness.texts import EN_COURSES, EN_MEETING, RU_COURSES, RU_MEETING
from tm.glossary import load_glossary
from tm.models import InputError
from tm.pipeline import SKIP_REASONS, format_summary, run_align, write_report

GLOSSARY = REPO / "glossaries" / "csto.tsv"


def assert_balanced(summary) -> None:
    for pair in summary.pairs:
        for side in ("src", "tgt"):
            count = getattr(pair, side)
            assert count.sentences == count.exported + sum(count.skipped.values()), (pair, side)
            assert set(count.skipped) <= set(SKIP_REASONS)
    for side in ("src", "tgt"):
        assert summary.side_total(side).balanced
    assert summary.units_written == sum(p.units for p in summary.pairs)


@pytest.fixture(scope="module")
def check_corpus_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("check-corpus")
    summary = run_align(REPO / "tests" / "check_corpus", out / "exports", glossary=load_glossary(GLOSSARY))
    return summary, out


def test_accounting_adds_up_on_the_check_corpus(check_corpus_run):
    summary, _ = check_corpus_run
    assert len(summary.pairs) == len(list((REPO / "tests" / "check_corpus" / "ru").glob("*.txt")))
    assert_balanced(summary)


def test_summary_and_report_say_the_same_numbers(check_corpus_run):
    summary, out = check_corpus_run
    write_report(summary, out / "report.json")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    text = format_summary(summary)
    src, tgt = report["totals"]["src"], report["totals"]["tgt"]
    assert f"sentences: ru {src['sentences']}, en {tgt['sentences']}" in text
    assert f"exported sentences: ru {src['exported']}, en {tgt['exported']}" in text
    assert f"translation units written: {report['units_written']} " in text
    for reason in SKIP_REASONS:
        line = f"skipped ({reason}): ru {src['skipped'].get(reason, 0)}, en {tgt['skipped'].get(reason, 0)}"
        assert (line in text) == bool(src["skipped"].get(reason) or tgt["skipped"].get(reason))
    assert [p["release"] for p in report["pairs"]] == [p.release_id for p in summary.pairs]
    # the exported TMX holds as many units as the summary says
    tmx = (out / "exports" / "check_corpus.tmx").read_text(encoding="utf-8")
    assert len(re.findall(r"<tu ", tmx)) == report["units_written"]


# --- random small corpora ---------------------------------------------------------

def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.strip().split("\n\n")]


# Parallel paragraphs (a Russian paragraph and its English), to draw releases from.
PARALLEL = list(zip(paragraphs(RU_MEETING) + paragraphs(RU_COURSES), paragraphs(EN_MEETING) + paragraphs(EN_COURSES)))
NAVIGATION = {"ru": ["Назад", "Вернуться к списку новостей"], "en": ["Go back", "Back to the section"]}

release_kind = st.sampled_from(["pair", "pair", "pair", "ru-only", "en-only", "ru-empty", "both-navigation"])
release_spec = st.tuples(release_kind, st.lists(st.integers(0, len(PARALLEL) - 1), min_size=1, max_size=5),
                         st.booleans(), st.booleans())


def write_corpus(root: Path, specs) -> None:
    for lang in ("ru", "en"):
        (root / lang).mkdir(parents=True)
    for n, (kind, picks, navigation, crlf) in enumerate(specs):
        rid = f"2024-01-{n + 1:02d}-release"
        for lang, col in (("ru", 0), ("en", 1)):
            if (kind == "ru-only" and lang == "en") or (kind == "en-only" and lang == "ru"):
                continue
            paras = [PARALLEL[i][col] for i in picks]
            if kind == "ru-empty" and lang == "ru":
                paras = []
            if kind == "both-navigation":
                paras = NAVIGATION[lang]
            elif navigation:
                paras = paras + NAVIGATION[lang][:1]
            text = "\n\n".join(paras) + "\n"
            (root / lang / f"{rid}.txt").write_bytes(text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(release_spec, min_size=1, max_size=4))
def test_accounting_adds_up_on_random_corpora(tmp_path_factory, specs):
    root = tmp_path_factory.mktemp("random")
    write_corpus(root / "corpus", specs)
    summary = run_align(root / "corpus", root / "out", glossary=None)
    assert_balanced(summary)
    assert len(summary.pairs) == len(specs)
    by_id = {p.release_id: p for p in summary.pairs}
    for n, (kind, picks, navigation, _) in enumerate(specs):
        pair = by_id[f"2024-01-{n + 1:02d}-release"]
        if kind in ("ru-only", "en-only"):
            side = pair.src if kind == "ru-only" else pair.tgt
            assert side.exported == 0 and side.skipped["no-counterpart"] > 0
        if kind == "both-navigation":
            assert pair.src.as_dict()["skipped"] == pair.tgt.as_dict()["skipped"] == {"boilerplate": 2}
        if kind == "ru-empty":
            assert pair.src.exported == 0 and pair.tgt.exported == 0
            assert pair.tgt.skipped["no-counterpart"] == pair.tgt.sentences - pair.tgt.skipped["boilerplate"]
        if navigation and kind not in ("both-navigation", "ru-empty"):
            assert pair.src.skipped["boilerplate"] + pair.tgt.skipped["boilerplate"] >= 1


def test_strict_refuses_before_writing_anything(tmp_path):
    write_corpus(tmp_path / "corpus", [("pair", [0, 1], False, False), ("en-only", [2], False, False)])
    with pytest.raises(InputError, match=r"en/2024-01-02-release\.txt: no ru counterpart.*--strict"):
        run_align(tmp_path / "corpus", tmp_path / "out", glossary=None, strict=True)
    assert not (tmp_path / "out").exists()


def test_a_pair_leaves_no_reference_cycles_of_tm_objects():
    """Aligning, checking and exporting a pair frees its objects by reference
    counting: a cycle (as between a pair's two sides' key windows, before) waits
    for the collector, which the runs call rarely (tm/executors.py), and holds
    the pair's tables meanwhile."""
    import gc

    from tm.config import Config
    from tm.corpus import list_corpus
    from tm.pipeline.pair import process_pair
    from tm.pipeline.run import _jobs

    glossary = load_glossary(REPO / "glossaries" / "csto.tsv")
    config = Config(src_lang="ru", tgt_lang="en")
    jobs = list(_jobs(list_corpus(REPO / "corpora" / "csto", "ru", "en")))[:4]
    process_pair(jobs[0], glossary, config)          # caches and the model loaded first
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        results = [process_pair(job, glossary, config) for job in jobs[1:]]
        gc.collect()
        ours = [o for o in gc.garbage if type(o).__module__.startswith("tm.")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert all(r.units and r.error is None for r in results)
    assert ours == []
