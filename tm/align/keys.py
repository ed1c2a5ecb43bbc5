"""Key sets over windows for the bead score (scorer.py): a side's numbers, names or
glossary anchors (one set per sentence) united over the windows a bead covers,
their sizes, their bit masks over the keys two documents share, and the weighted
miss of a window facing an empty one, built once per side and window size."""
from __future__ import annotations

from functools import reduce
from operator import or_

import numpy as np

from .features import _Side


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
            if a == 1:
                out = [0 if not u else sum(1 << ids[k] for k in u if k in ids) for u in self.unions(1)]
            else:
                # a window's keys are its sentences' keys: the OR of their masks
                one = self.masks(1, ids, tag)
                out = [0] * a + [reduce(or_, one[e - a + 1:e + 1]) for e in range(a, len(one))]
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


def _key_windows(side: _Side, kind: str) -> _KeyWindows:
    """The side's _KeyWindows of one kind, kept on the side: a pair's cheap search
    and the search with embeddings (tm/align/sure.py) read the same windows."""
    kw = side.key_windows.get(kind)
    if kw is None:
        kw = side.key_windows[kind] = _KeyWindows(getattr(side, kind))
    return kw


def _shared_ids(ks: _KeyWindows, kt: _KeyWindows) -> dict:
    """A bit for each key the two sides share (kept on both: built once per pair of sides)."""
    ids = getattr(ks, "_shared_ids", None)
    if ids is None or getattr(ks, "_shared_with", None) is not kt:
        shared = frozenset().union(*ks.sets) & frozenset().union(*kt.sets)
        ids = {k: bit for bit, k in enumerate(sorted(shared))}
        ks._shared_ids, ks._shared_with, kt._shared_ids, kt._shared_with = ids, kt, ids, ks
    return ids


def _per_size(table_of, sizes, at, dtype):
    """table_of(size)[at[k]] for the size of each cell."""
    out = np.empty(len(at), dtype=dtype)
    for size in np.unique(sizes).tolist():
        sel = sizes == size
        out[sel] = table_of(size)[at[sel]]
    return out


def _counts(kw: "_KeyWindows", sizes, at):
    """The number of keys of each cell's window (size sizes[k], ending at at[k])."""
    return _per_size(kw.counts, sizes, at, np.int64)


def _shared_counts(ks: _KeyWindows, kt: _KeyWindows, A, B, I, J, where) -> np.ndarray:
    """|keys of source window (A, I) & keys of target window (B, J)| where `where`, else 0:
    bit masks over the keys the two documents share, ANDed and counted."""
    out = np.zeros(len(I), dtype=np.int64)
    sel = np.nonzero(where)[0]
    if len(sel) == 0:
        return out
    ids = _shared_ids(ks, kt)
    tag = id(ids)
    out[sel] = [(ks.masks(a, ids, tag)[i] & kt.masks(b, ids, tag)[j]).bit_count()
                for a, b, i, j in zip(A[sel].tolist(), B[sel].tolist(), I[sel].tolist(), J[sel].tolist())]
    return out
