"""Key sets over windows for the bead score (scorer.py): a side's numbers, names or
glossary anchors (one set per sentence) united over the windows a bead covers,
their sizes, their bits over the keys two documents share (packed rows, ORed over a
window's sentences, ANDed and counted per cell), and the weighted miss of a
window facing an empty one, built once per side and window size."""
from __future__ import annotations

import numpy as np

from .features import _Side


class _KeyWindows:
    """One side's key sets (numbers, names or anchors, one per sentence) over its
    windows: the window of size a ending at i holds sentences [i-a, i). Built per
    size on first use; a window without keys is the empty set."""

    def __init__(self, sets: list[frozenset]):
        self.sets = sets
        self._unions: dict[int, list[frozenset]] = {}
        self._alone: dict[tuple[int, bool], np.ndarray] = {}
        self._bits: dict = {}
        self._tables: dict = {}
        self._everything: dict | None = None
        self._memo_for: tuple | None = None       # cell_memo()
        self._shared_with: _KeyWindows | None = None   # _shared_ids()

    def unions(self, a: int) -> list[frozenset]:
        """Each window's keys as a set (numbers: their weights are added up in the
        sets' own order)."""
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

    def bits(self, a: int, ids: dict) -> np.ndarray:
        """Each window's keys as a row of bits (bit ids[key], packed 8 to a byte;
        keys without an id are left out): the OR of its sentences' rows."""
        key = (a, id(ids))
        out = self._bits.get(key)
        if out is None:
            if a == 1:
                hot = np.zeros((len(self.sets) + 1, max(1, len(ids))), dtype=bool)
                for e, x in enumerate(self.sets, 1):
                    for k in x:
                        bit = ids.get(k)
                        if bit is not None:
                            hot[e, bit] = True
                out = np.packbits(hot, axis=1)
            else:
                one = self.bits(1, ids)
                out = np.zeros_like(one)
                if a < len(one):
                    acc = one[a:].copy()
                    for d in range(1, a):
                        acc |= one[a - d:len(one) - d]
                    out[a:] = acc
            self._bits[key] = out
        return out

    def counts(self, a: int) -> np.ndarray:
        """The number of keys of each window (its sentences' keys without repeats)."""
        return np.bitwise_count(self.bits(a, self.everything())).sum(axis=1, dtype=np.int64)

    def everything(self) -> dict:
        """A bit for every key of this side."""
        if self._everything is None:
            self._everything = {k: bit for bit, k in enumerate(sorted(frozenset().union(*self.sets)))}
        return self._everything

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

    def cell_memo(self, other: "_KeyWindows", *context) -> dict:
        """A dict for per-cell values of this side's windows against `other`'s under
        `context` (what else the values depend on); one `other` and context at a time."""
        if self._memo_for is None or self._memo_for[0] is not other or self._memo_for[1] != context:
            self._memo_for, self._memo = (other, context), {}
        return self._memo

    def table(self, name, a_max: int, row) -> np.ndarray:
        """row(1), ..., row(a_max) (one of the per-size arrays above) stacked, so
        that the cells of a search, windows of mixed sizes, are read in one gather:
        table[a, e] is row(a)[e] (row 0, windows of no sentence, is zeros). Kept
        under `name`; rebuilt when a larger size comes."""
        t = self._tables.get(name)
        if t is None or len(t) <= a_max:
            rows = [row(a) for a in range(1, max(a_max, 1) + 1)]
            t = self._tables[name] = np.stack([np.zeros_like(rows[0])] + rows)
        return t


_EMPTY: frozenset = frozenset()


def _key_windows(side: _Side, kind: str) -> _KeyWindows:
    """The side's _KeyWindows of one kind, kept on the side: a pair's cheap search
    and the search with embeddings (tm/align/sure.py) read the same windows."""
    kw = side.key_windows.get(kind)
    if kw is None:
        kw = side.key_windows[kind] = _KeyWindows(getattr(side, kind))
    return kw


def _shared_ids(ks: _KeyWindows, kt: _KeyWindows) -> dict:
    """A bit for each key the two sides share (kept on the source side for this
    target: built once per pair of sides; a reference one way only, so that the
    two sides' windows make no cycle, which only the collector would free)."""
    if ks._shared_with is not kt:
        shared = frozenset().union(*ks.sets) & frozenset().union(*kt.sets)
        ks._shared_ids = {k: bit for bit, k in enumerate(sorted(shared))}
        ks._shared_with = kt
    return ks._shared_ids


def _per_size(kw: _KeyWindows, name, row, sizes, at):
    """row(sizes[k])[at[k]] for each cell k (row: one of kw's per-size arrays, kept
    as kw.table(name))."""
    if len(at) == 0:
        return row(1)[:0]
    return kw.table(name, int(sizes.max()), row)[sizes, at]


def _counts(kw: "_KeyWindows", sizes, at):
    """The number of keys of each cell's window (size sizes[k], ending at at[k])."""
    return _per_size(kw, "counts", kw.counts, sizes, at)


def _shared_counts(ks: _KeyWindows, kt: _KeyWindows, A, B, I, J, where) -> np.ndarray:
    """|keys of source window (A, I) & keys of target window (B, J)| where `where`, else 0:
    bit rows over the keys the two documents share, ANDed and counted."""
    out = np.zeros(len(I), dtype=np.int64)
    sel = np.nonzero(where)[0]
    if len(sel) == 0:
        return out
    ids = _shared_ids(ks, kt)
    name = ("shared", id(ids))
    ms = _per_size(ks, name, lambda a: ks.bits(a, ids), A[sel], I[sel])
    mt = _per_size(kt, name, lambda b: kt.bits(b, ids), B[sel], J[sel])
    out[sel] = np.bitwise_count(ms & mt).sum(axis=1, dtype=np.int64)
    return out
