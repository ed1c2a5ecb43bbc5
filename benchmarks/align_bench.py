"""Sentence-alignment benchmark: accuracy, speed, calibration, scaling.

Prints, per test set and mode, strict and lax P/R/F1 (vecalign/bertalign
convention, tm.metrics.alignment_prf), time and sentences/s cold (empty vector
cache) and warm (vectors cached in-process); then the calibration table
(confidence bins -> share of correct beads) on all gold sets; then the
scaling test (1,000 to 20,000 sentences, synthetic by concatenating documents).

    python benchmarks/align_bench.py                 # everything
    python benchmarks/align_bench.py --sets press textberg --modes default
    python benchmarks/align_bench.py --split dev     # the tuning sets
    python benchmarks/align_bench.py --no-scaling --no-calibration

Data: ../shared/bench/align (Text+Berg de-fr, OPUS Books en-ru) next to the
repository, and the shipped press-release gold (corpora/csto, tests/gold/csto)
evaluated on gold segmentation.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tm import align as A  # noqa: E402
from tm import embed  # noqa: E402
from tm.metrics import PRF, alignment_prf, read_beads, read_segmentation  # noqa: E402

BENCH = REPO.parent / "shared" / "bench" / "align"

MODES = A.MODES   # default, cascade, fast, no-embeddings


def read_lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_seg(path: Path) -> tuple[list[str], list[int]]:
    return read_segmentation(path.read_text(encoding="utf-8"))


def load_set(name: str, split: str = "test"):
    """[(doc id, src, tgt, gold beads, src_lang, tgt_lang, src_paragraphs, tgt_paragraphs)]"""
    docs = []
    if name == "press":
        gold_dir = REPO / "tests" / "gold" / "csto"
        for g in sorted((gold_dir / "align").glob("*.txt")):
            s, sp = read_seg(gold_dir / "seg" / "ru" / g.name)
            t, tp = read_seg(gold_dir / "seg" / "en" / g.name)
            docs.append((g.stem, s, t, read_beads(g.read_text(encoding="utf-8")), "ru", "en", sp, tp))
        return docs
    folder, sl, tl = {"textberg": ("textberg-de-fr", "de", "fr"),
                      "opus": ("opus-books-en-ru", "en", "ru")}[name]
    base = BENCH / folder / split
    if not base.is_dir():
        return []
    for g in sorted((base / "gold").iterdir()):
        docs.append((g.name, read_lines(base / sl / g.name), read_lines(base / tl / g.name),
                     read_beads(g.read_text(encoding="utf-8")), sl, tl, None, None))
    return docs


def run_set(docs, options):
    strict, lax = PRF(), PRF()
    n_sent = 0
    t0 = time.perf_counter()
    hyps = []
    for _, s, t, gold, sl, tl, sp, tp in docs:
        hyp = A.align(s, t, sl, tl, src_paragraphs=sp, tgt_paragraphs=tp, **options)
        hyps.append(hyp)
        strict = strict.add(alignment_prf(hyp, gold))
        lax = lax.add(alignment_prf(hyp, gold, lax=True))
        n_sent += len(s) + len(t)
    return strict, lax, time.perf_counter() - t0, n_sent, hyps


def calibration_table(pairs, bins=(0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001)):
    """pairs: [(hyp beads, gold beads)] -> rows (lo, hi, n, precision)."""
    rows = []
    scored = []
    for hyp, gold in pairs:
        g = {(b.src, b.tgt) for b in gold}
        scored += [(b.score, (b.src, b.tgt) in g) for b in hyp]
    for lo, hi in zip(bins, bins[1:]):
        sel = [ok for sc, ok in scored if lo <= sc < hi]
        rows.append((lo, min(hi, 1.0), len(sel), sum(sel) / len(sel) if sel else float("nan")))
    above = [ok for sc, ok in scored if sc >= A.FUZZY_SCORE]
    return rows, (len(above), sum(above) / len(above) if above else float("nan"))


def scaling(sizes=(1000, 2000, 5000, 10000, 20000), options=None):
    """Synthetic long documents: the OPUS (or Text+Berg) test documents repeated."""
    docs = load_set("opus", "test") or load_set("textberg", "test")
    if not docs:
        print("scaling: no data")
        return
    src_all, tgt_all = [], []
    while len(src_all) < max(sizes):
        for _, s, t, *_ in docs:
            src_all += s
            tgt_all += t
    sl, tl = docs[0][4], docs[0][5]
    import resource
    print("\n## Scaling (aligner time with vectors cached, i.e. excluding encoding)")
    print(f"{'sentences/side':>15} {'seconds':>8} {'us/sentence':>12} {'sentences/s':>12} {'max RSS MB':>11}")
    for n in sizes:
        s = src_all[:n]
        t = tgt_all[: int(n * len(tgt_all) / len(src_all))]
        A.align(s, t, sl, tl, **(options or {}))          # warm the vector cache
        t0 = time.perf_counter()
        A.align(s, t, sl, tl, **(options or {}))
        dt = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:>15} {dt:>8.2f} {dt / (n + len(t)) * 1e6:>12.1f} {(n + len(t)) / dt:>12.0f} {rss:>11.0f}",
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", nargs="+", default=["press", "textberg", "opus"])
    ap.add_argument("--modes", nargs="+", default=["default", "fast"], choices=list(MODES))
    ap.add_argument("--split", default="test")
    ap.add_argument("--no-scaling", action="store_true")
    ap.add_argument("--no-calibration", action="store_true")
    ap.add_argument("--scaling-sizes", nargs="+", type=int, default=[1000, 2000, 5000, 10000, 20000])
    args = ap.parse_args()
    os.environ.setdefault("TM_CACHE_DIR", "0")   # 'cold' means cold, unless a cache is asked for
    if os.environ.get("TM_CACHE_DIR", "0") != "0":
        print("note: TM_CACHE_DIR is set: 'cold' figures read vectors from the disk cache")

    print(f"## Accuracy and speed ({args.split}; strict and lax P/R/F1; sentences = both sides)")
    print(f"{'set':9} {'mode':14} {'P':>6} {'R':>6} {'F1':>6} | {'laxP':>6} {'laxR':>6} {'laxF1':>6} |"
          f" {'cold s':>7} {'sent/s':>7} | {'warm s':>7} {'sent/s':>7}")
    calib_pairs = []
    for name in args.sets:
        docs = load_set(name, args.split if name != "press" else "test")
        if not docs:
            print(f"{name}: data not found")
            continue
        for mode in args.modes:
            embed.clear_cache()
            strict, lax, cold, n, hyps = run_set(docs, MODES[mode])
            _, _, warm, _, _ = run_set(docs, MODES[mode])
            print(f"{name:9} {mode:14} {strict.precision:6.4f} {strict.recall:6.4f} {strict.f1:6.4f} |"
                  f" {lax.precision:6.4f} {lax.recall:6.4f} {lax.f1:6.4f} |"
                  f" {cold:7.1f} {n / cold:7.0f} | {warm:7.1f} {n / warm:7.0f}", flush=True)
            if mode == "default":
                calib_pairs += [(h, d[3]) for h, d in zip(hyps, docs)]
    if calib_pairs and not args.no_calibration:
        rows, (n_hi, p_hi) = calibration_table(calib_pairs)
        print("\n## Calibration (default mode, all sets above): confidence bin -> share of beads right")
        print("| confidence | beads | precision |\n|---|---|---|")
        for lo, hi, n, p in rows:
            print(f"| {lo:.2f}–{hi:.2f} | {n} | {p:.3f} |")
        print(f"beads with confidence >= FUZZY_SCORE ({A.FUZZY_SCORE}): {n_hi}, right: {p_hi:.3f}")
    if not args.no_scaling:
        scaling(tuple(args.scaling_sizes))


if __name__ == "__main__":
    main()
