"""Sentence-segmentation benchmark: accuracy on the public gold files and speed.

Usage (from the repository root):
    python benchmarks/segment_bench.py [--shared ../shared] [--errors]

Prints, for each gold file under ../shared/bench/segment: cases, exact %, boundary
P/R/F1 and sentences per second (gold sentences / segmenter time, one call per
case, best of 3 passes, CPU time of this one process, so that other load on the
machine does not count); the pooled Russian UD figure; the shipped
press-release gold (tests/gold/csto/seg); and a linearity check (time for a
~100 KB and a ~1 MB text). --errors lists every case that is not an exact match.
Scoring is tm.metrics (boundary_prf, exact_match), the same as the tests.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tm.metrics import PRF, boundary_prf, exact_match, fold  # noqa: E402
from tm.segment import format_segments, split_sentences  # noqa: E402

GOLD_FILES = [  # (file, language)
    ("pysbd-golden/en.jsonl", "en"),
    ("pysbd-golden/en-extra.jsonl", "en"),
    ("ud-en/pud.jsonl", "en"),
    ("pysbd-golden/ru.jsonl", "ru"),
    ("razdel-unit/ru.jsonl", "ru"),
    ("ud-ru/pud.jsonl", "ru"),
    ("ud-ru/gsd.jsonl", "ru"),
    ("ud-ru/taiga.jsonl", "ru"),
]
UD_RU = ("ud-ru/pud.jsonl", "ud-ru/gsd.jsonl", "ud-ru/taiga.jsonl")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(cases: list[dict], lang: str) -> tuple[int, PRF, list[tuple[dict, list[str]]]]:
    exact, prf, errors = 0, PRF(), []
    for case in cases:
        hyp = split_sentences(case["text"], lang)
        prf = prf.add(boundary_prf(hyp, case["sentences"]))
        if exact_match(hyp, case["sentences"]):
            exact += 1
        else:
            errors.append((case, hyp))
    return exact, prf, errors


def speed(cases: list[dict], lang: str) -> float:
    texts = [c["text"] for c in cases]
    n_sents = sum(len(c["sentences"]) for c in cases)
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for text in texts:
            split_sentences(text, lang)
        best = min(best, time.process_time() - t0)
    return n_sents / best if best else float("inf")


def show_errors(errors: list[tuple[dict, list[str]]]) -> None:
    for case, hyp in errors:
        print(f"    - {case.get('name', '?')}")
        print(f"      gold: {[fold(s) for s in case['sentences']]}")
        print(f"      ours: {[fold(s) for s in hyp]}")


def csto_gold(show: bool) -> None:
    from tm.corpus import read_release

    corpus, gold_dir = REPO / "corpora" / "csto", REPO / "tests" / "gold" / "csto" / "seg"
    for lang in ("ru", "en"):
        total = ok = lines_total = lines_ok = 0
        for gold in sorted((gold_dir / lang).glob("*.txt")):
            src = corpus / lang / gold.name
            if not src.exists():
                continue
            release = read_release(src, lang)
            # Lines compared with whitespace folded (tm.metrics.fold): the reader turns
            # NBSP into a space, the gold keeps the file's characters (csto README).
            ours = [fold(x) for x in "".join(format_segments(p.text, lang)
                                             for p in release.paragraphs).split("\n")]
            want = [fold(x) for x in gold.read_text(encoding="utf-8").split("\n")]
            total += 1
            ok += ours == want
            g, o = want, ours
            lines_total += len([x for x in g if x])
            lines_ok += len(set(x for x in g if x) & set(x for x in o if x))
            if show and ours != want:
                import difflib
                print(f"    - {lang}/{gold.name}")
                for d in difflib.unified_diff(g, o, "gold", "ours", lineterm="", n=0):
                    print("      " + d)
        if total:
            print(f"csto/{lang}: {ok}/{total} files identical to the gold; "
                  f"{lines_ok}/{lines_total} gold sentences reproduced")


def press2_gold(show: bool) -> None:
    """The issue-12 press gold: tests/gold/press2/seg against tests/check_corpus."""
    from tm.corpus import read_release

    for lang in ("ru", "en"):
        total = ok = lines_total = lines_ok = 0
        for gold in sorted((REPO / "tests" / "gold" / "press2" / "seg" / lang).glob("*.txt")):
            release = read_release(REPO / "tests" / "check_corpus" / lang / gold.name, lang)
            ours = [fold(x) for x in "".join(format_segments(p.text, lang)
                                             for p in release.paragraphs).split("\n")]
            want = [fold(x) for x in gold.read_text(encoding="utf-8").split("\n")]
            total += 1
            ok += ours == want
            lines_total += len([x for x in want if x])
            lines_ok += len(set(x for x in want if x) & set(x for x in ours if x))
            if show and ours != want:
                print(f"    - press2/{lang}/{gold.name}")
        if total:
            print(f"press2/{lang}: {ok}/{total} files identical to the gold; "
                  f"{lines_ok}/{lines_total} gold sentences reproduced")


def linearity() -> None:
    base = ("«Совместные учения являются высшей формой подготовки», – сказал ген.-полк. А.Н. Сидоров. "
            "В 2022 г. в них участвовали более 6 500 военнослужащих, т.е. на 12 % больше. "
            "Gen. Sidorov met the U.S. delegation at 10 a.m. on 25 July 2024. Was it useful? Yes! ")
    for lang, unit in (("ru", base), ("en", base)):
        small = (unit * (100_000 // len(unit) + 1))[:100_000]
        big = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
        times = []
        for text in (small, big):
            best = float("inf")
            for _ in range(3):
                t0 = time.process_time()
                split_sentences(text, lang)
                best = min(best, time.process_time() - t0)
            times.append(best)
        print(f"linearity ({lang}, one paragraph): 100 KB {times[0] * 1000:.1f} ms, "
              f"1 MB {times[1] * 1000:.1f} ms, ratio {times[1] / times[0]:.1f} (linear = 10)")


# Degenerate inputs that a careless regex makes quadratic: runs of stops,
# brackets, abbreviations, initials, quotes and dashes, list markers, long tokens.
WORST_CASES = ["!", ".", "))", "«Да. – Нет ", "т. ", "И. ", "т. д. И ", " … ", "1) а) б) ",
               "• 1. ", "2022 г. В ", "x" * 70 + ". A ", "\n- a", "\n\n", " "]


def worst_case_linearity() -> None:
    worst = ("", 0.0, [])
    for unit in WORST_CASES:
        times = []
        for size in (100_000, 1_000_000):
            text = (unit * (size // len(unit) + 1))[:size]
            best = float("inf")
            for _ in range(2):
                t0 = time.process_time()
                split_sentences(text, "ru")
                split_sentences(text, "en")
                best = min(best, time.process_time() - t0)
            times.append(best)
        ratio = times[1] / max(times[0], 1e-6)
        if ratio > worst[1]:
            worst = (unit, ratio, times)
    unit, ratio, times = worst
    print(f"linearity, {len(WORST_CASES)} degenerate inputs (100 KB vs 1 MB, ru+en): worst ratio "
          f"{ratio:.1f} for {unit!r} ({times[0] * 1000:.1f} ms vs {times[1] * 1000:.1f} ms)")
    # A tiny 100 KB time can sit in the CPU cache; 1 MB vs 3 MB shows the real slope.
    text1, text3 = ((unit * (n // len(unit) + 1))[:n] for n in (1_000_000, 3_000_000))
    t3 = []
    for text in (text1, text3):
        t0 = time.process_time()
        split_sentences(text, "ru")
        split_sentences(text, "en")
        t3.append(time.process_time() - t0)
    print(f"  same input, 1 MB vs 3 MB: {t3[0] * 1000:.1f} ms vs {t3[1] * 1000:.1f} ms, "
          f"ratio {t3[1] / max(t3[0], 1e-6):.1f} (linear = 3)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--errors", action="store_true", help="list every case that is not an exact match")
    args = ap.parse_args()
    bench = args.shared / "bench" / "segment"
    if not bench.is_dir():
        print(f"gold data not found: {bench}", file=sys.stderr)
        return 2
    print(f"{'file':30} {'cases':>5} {'exact':>14} {'P':>6} {'R':>6} {'F1':>6} {'sents/s':>10}")
    pooled, pooled_sents, pooled_time = PRF(), 0, 0.0
    for name, lang in GOLD_FILES:
        path = bench / name
        if not path.exists():
            continue
        cases = load(path)
        exact, prf, errors = score(cases, lang)
        sps = speed(cases, lang)
        print(f"{name:30} {len(cases):5} {exact:5}/{len(cases):<4}{100 * exact / len(cases):6.2f}% "
              f"{prf.precision:6.3f} {prf.recall:6.3f} {prf.f1:6.3f} {sps:10,.0f}")
        if name in UD_RU:
            pooled = pooled.add(prf)
            n = sum(len(c["sentences"]) for c in cases)
            pooled_sents += n
            pooled_time += n / sps
        if args.errors and errors:
            show_errors(errors)
    if pooled_sents:
        print(f"{'ud-ru pooled (pud+gsd+taiga)':30} {'':5} {'':14} {pooled.precision:6.3f} "
              f"{pooled.recall:6.3f} {pooled.f1:6.3f} {pooled_sents / pooled_time:10,.0f}")
    csto_gold(args.errors)
    press2_gold(args.errors)
    linearity()
    worst_case_linearity()
    return 0


if __name__ == "__main__":
    sys.exit(main())
