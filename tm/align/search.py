"""The search (numpy only): a coarse-to-fine 1-1/skip first pass, the band
around its path, and the dynamic programme over bead types within the band.

The search never reads sentences: the first pass takes vectors and lengths,
the dynamic programme a score function (tm/align/scorer.py). The kernels: the
forward scan row by row (plain Python for few bead types, numpy otherwise), and
dot products over a band by matrix products (_BandDots, which the scorer uses
without embeddings)."""
from __future__ import annotations

import math

import numpy as np

from .length import _length_ratio
from .options import Options

_NEG = -1e18


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return v / n


def _band_cells(lo: np.ndarray, hi: np.ndarray):
    """(cells_i, cells_j, offs) of the band lo[i] <= j <= hi[i], row by row:
    cell k of row i is (i, lo[i] + k - offs[i])."""
    widths = np.maximum(hi - lo + 1, 0)
    offs = np.zeros(len(lo) + 1, dtype=np.int64)
    np.cumsum(widths, out=offs[1:])
    cells_i = np.repeat(np.arange(len(lo)), widths)
    cells_j = np.arange(offs[-1]) - np.repeat(offs[:-1] - lo, widths)
    return cells_i, cells_j, offs


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
        if zeros:
            best_row, second_row, back_row = D[base:end], second[base:end], back[base:end]
            _zero_beads(best_row, second_row, back_row, zeros, base)
            D[base:end], second[base:end], back[base:end] = best_row, second_row, back_row
    return back, [d - s for d, s in zip(D, second)]


def _zero_beads(best: list, second: list, back: list, zeros, base: int) -> None:
    """The 0-b beads of one row, left to right, in place on the row's lists (cell
    k is cell base + k of the band): a 0-b bead enters cell k from cell k - b of
    the same row. zeros: (type, b, scores of every band cell as a list)."""
    neg_inf = -math.inf
    for t, b, scores in zeros:
        for k in range(b, len(best)):
            sk = scores[base + k]
            if sk == neg_inf:
                continue
            v = best[k - b] + sk
            if v > best[k]:
                second[k] = best[k]
                best[k] = v
                back[k] = t
            elif v > second[k]:
                second[k] = v


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
    zeros = [(t, b, s.tolist()) for t, b, s in zero_scores]
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
        if zeros:
            bl, secl, argl = best.tolist(), second.tolist(), arg.tolist()
            _zero_beads(bl, secl, argl, zeros, base)
            D[base:end] = bl
            gap[base:end] = [d - s for d, s in zip(bl, secl)]
            back[base:end] = argl
        else:
            D[base:end] = best
            gap[base:end] = best - second
            back[base:end] = arg
    return back, gap


_BLAS_LIMITED = False


def _one_blas_thread() -> None:
    """One BLAS thread, set once (tm/embed/model.py does the same when it
    loads the model): the band products are small, and OpenBLAS's threads cost
    far more than they save there, hundreds of times more on a busy machine; tm
    runs one process per core anyway."""
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
        self.values = np.empty((len(pairs), int(self.offs[-1])), dtype=np.float32)   # a row per pair
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

    def get(self, k, I: np.ndarray, J: np.ndarray) -> np.ndarray:
        """X[I] . Y[J] of pair k, or of pair k[c] for cell c (cells outside the band are
        computed directly)."""
        K = np.full(len(I), k, dtype=np.int64) if np.isscalar(k) else k
        lo, hi = self.lo[I], self.hi[I]
        inside = (J >= lo) & (J <= hi)
        out = self.values[K, self.offs[I] + np.where(inside, J - lo, 0)]
        if not inside.all():
            for pair in np.unique(K[~inside]).tolist():
                miss = ~inside & (K == pair)
                X, Y = self.pairs[pair]
                out[miss] = np.einsum("ij,ij->i", X[I[miss]], Y[J[miss]])
        return out


_CHUNK = 8192
# Rows scanned in plain Python when few bead types end in a cell (the first
# pass's 1-1 and 1-0): a numpy call per row costs more than the scan then.
_PYTHON_ROWS_MAX_TYPES = 3


def _dp(n: int, m: int, lo: np.ndarray, hi: np.ndarray, types, score_fn):
    """Best monotone bead path from (0,0) to (n,m) with cells (i,j), lo[i] <= j <= hi[i].

    score_fn(a, b, I, J) -> scores of the bead covering src [I-a, I), tgt [J-b, J);
    a score_fn with a `prepare(lo, hi)` method is told the band first, and one
    with a `many(A, B, I, J)` method (per-cell bead sizes, both at least 1)
    scores the beads of every two-sided type in one call (scorer.py).
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
    many = getattr(score_fn, "many", None)
    sc = {}
    cells = []            # per type: (predecessor row, its column, the cells a bead of it may end in)
    for t, (a, b) in enumerate(types):
        ok = (cells_i >= a) & (cells_j >= b)
        # the predecessor must lie in the band
        pi = cells_i - a
        pj = cells_j - b
        pic = np.clip(pi, 0, n)
        ok &= (pj >= lo[pic]) & (pj <= hi[pic])
        idx = np.nonzero(ok)[0]
        cells.append((pic, pj, idx))
        sc[(a, b)] = np.full(total, -np.inf)
    joint = [t for t, (a, b) in enumerate(types) if many is not None and a > 0 and b > 0]
    if joint:
        # every two-sided type in one call (a call's fixed cost was most of the scoring)
        idx = np.concatenate([cells[t][2] for t in joint])
        A = np.concatenate([np.full(len(cells[t][2]), types[t][0], dtype=np.int64) for t in joint])
        B = np.concatenate([np.full(len(cells[t][2]), types[t][1], dtype=np.int64) for t in joint])
        scores = np.empty(len(idx))
        for c0 in range(0, len(idx), _CHUNK):   # chunks keep the gathered vectors small
            c1 = c0 + _CHUNK
            scores[c0:c1] = many(A[c0:c1], B[c0:c1], cells_i[idx[c0:c1]], cells_j[idx[c0:c1]])
        at = 0
        for t in joint:
            ix = cells[t][2]
            sc[types[t]][ix] = scores[at:at + len(ix)]
            at += len(ix)
    for t, (a, b) in enumerate(types):
        pic, pj, idx = cells[t]
        s = sc[(a, b)]
        if t not in joint:
            for c0 in range(0, len(idx), _CHUNK):   # chunks keep the gathered vectors small
                ix = idx[c0:c0 + _CHUNK]
                s[ix] = score_fn(a, b, cells_i[ix], cells_j[ix])
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
    dots = None
    if lexical:
        zero = np.zeros((1, S.shape[1]), dtype=S.dtype)
        dots = _BandDots([(np.vstack([zero, S]), np.vstack([zero, T]))], lo, hi)

    def score11(I, J):
        if dots is not None:
            s = dots.get(0, I, J) - 0.2
        else:
            s = np.einsum("ij,ij->i", S[I - 1], T[J - 1]) - 0.2
        if lexical:
            ls, lt = Ls[I - 1] * ratio, Lt[J - 1]
            mx = np.maximum(np.maximum(ls, lt), 1e-9)
            s = s + 0.5 * np.log2(1.0 + np.minimum(ls, lt) / mx)
        return s
    return _path_dp(n, m, lo, hi, score11)


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
def _pair_means(V: np.ndarray) -> np.ndarray:
    n = len(V)
    h = (n + 1) // 2
    out = np.zeros((h, V.shape[1]), dtype=V.dtype)
    out += V[0::2][:h]
    out[: n // 2] += V[1::2]
    return out

