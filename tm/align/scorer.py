"""The bead score: the similarity of the bead's two windows (embeddings, or
the lexical vectors without them) against its neighbours', the length
evidence, and additive terms for numbers, names, glossary anchors and
paragraph boundaries."""
from __future__ import annotations

import math

import numpy as np

from .features import _Side, number_weight
from .keys import _counts, _key_windows, _per_size, _shared_counts
from .length import LENGTH_DEV_CAP, _length_ratio
from .options import Options
from .search import _BandDots


class _Scorer:
    """score_fn of the dynamic programme (search._dp): the scores of the beads
    of one type (a, b) ending in cells (I, J). use_vecs: the sides' windows are
    sentence embeddings (False: lexical vectors, tm/align/features.py)."""

    def __init__(self, src: _Side, tgt: _Side, opt: Options, length_variance: float, use_vecs: bool = False):
        self.src, self.tgt, self.opt = src, tgt, opt
        self.ratio = _length_ratio(src.lens, tgt.lens)
        self.length_variance = length_variance
        self.cs = np.concatenate([[0.0], np.cumsum(src.lens)])
        self.ct = np.concatenate([[0.0], np.cumsum(tgt.lens)])
        self.use_vecs = use_vecs
        # rarity of each number within the document pair
        df: dict[str, int] = {}
        for keys in src.numbers + tgt.numbers:
            for k in keys:
                df[k] = df.get(k, 0) + 1
        self.num_w = {k: number_weight(k) / math.sqrt(max(1, c / 2)) for k, c in df.items()}
        self.has_numbers = bool(df)
        self.has_anchors = any(src.anchors) and any(tgt.anchors)
        self.sp = np.array(src.paragraphs if src.paragraphs is not None else [0] * src.n)
        self.tp = np.array(tgt.paragraphs if tgt.paragraphs is not None else [0] * tgt.n)
        self._keys = {kind: (_key_windows(src, kind), _key_windows(tgt, kind))
                      for kind in ("numbers", "names", "anchors")}
        self._band = None   # without embeddings: the band's window similarities (prepare())
        self._stacked = None  # with embeddings: the window vectors of every size stacked (prepare())
        # sure regions (tm/align/sure.py): what a neighbour without a vector counts in a margin
        self.unrelated = _unrelated_similarity(src, tgt) if use_vecs and src.encoded is not None else 0.0

    def prepare(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """Told the band by _dp before it scores. Without embeddings, every window
        similarity the scores read (the bead's own, its margins' and its merge
        gains', which lie up to a bead size outside the band) is computed at once
        by matrix products: the lexical vectors are cheap to multiply but, 256
        floats each, expensive to gather cell by cell."""
        self._band = None
        self._stacked = None
        two = [(a, b) for a, b in self.opt.bead_types if a > 0 and b > 0]
        if self.use_vecs:
            self._stacked = _stack_windows(self.src.windows, self.tgt.windows)
            return
        if not two:
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
        index = np.full((top_a + 1, top_b + 1), -1, dtype=np.int64)    # sizes -> their pair in dots
        for k, (a, b) in enumerate(combos):
            index[a, b] = k
        self._band = (dots, index)

    # Every method below takes the bead sizes (a, b) of one type, or per cell as
    # arrays (A[k], B[k]): search._dp scores every two-sided type of a search in one
    # call (many), since a call's fixed cost (some 250 numpy operations) was most of
    # the scoring. Each step is elementwise, and what depends on a bead's sizes
    # (window similarities, key sets) is read per cell from per-size tables, so a
    # cell's score never depends on the other cells of its call.

    def __call__(self, a, b, I, J):
        """The scores of beads of type (a, b) ending in cells (I, J)."""
        if a == 0 or b == 0:
            return np.full(len(I), self.opt.skip)
        return self.many(a, b, I, J)

    def many(self, a, b, I, J):
        """The scores of two-sided beads (both sizes at least 1), sizes per type or per cell."""
        A, B = _per_cell(a, b, len(I))
        o = self.opt
        lf = self.length_factor(A, B, I, J)
        base = self.semantic(A, B, I, J)
        if self.src.merge_ends is not None:
            base[(A > 1) & ~self.src.merge_ends[I]] = -np.inf
        if self.tgt.merge_ends is not None:
            base[(B > 1) & ~self.tgt.merge_ends[J]] = -np.inf
        if not self.use_vecs:
            # no embeddings: names/cognates/numbers overlap plus a length prior (Gale-Church-like)
            base = 0.5 * base + o.lexical_length
        s = base * lf + self.evidence(A, B, I, J)
        w = o.w_length_dev if self.use_vecs else o.w_length_dev_lexical
        if w:
            s = s - w * self.length_deviation(A, B, I, J) * ((A + B) / 2)
        return s

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

    def _dots(self, KA, KB, ii, jj):
        """Similarities of the source windows of size KA[k] ending at ii[k] with the
        target windows of size KB[k] ending at jj[k]: from the band's products without
        embeddings (prepare()), from the stacked window vectors with them, and for a
        long document from the window vectors of each pair of sizes in turn."""
        if self._band is not None:
            dots, index = self._band
            return dots.get(index[KA, KB], ii, jj)
        if self._stacked is not None:
            src_all, src_at, tgt_all, tgt_at = self._stacked
            return np.einsum("ij,ij->i", src_all[src_at[KA] + ii], tgt_all[tgt_at[KB] + jj])
        out = np.empty(len(ii), dtype=np.float32)
        for a, b in set(zip(KA.tolist(), KB.tolist())):
            sel = (KA == a) & (KB == b)
            out[sel] = np.einsum("ij,ij->i", self.src.windows[a][ii[sel]], self.tgt.windows[b][jj[sel]])
        return out

    def semantic(self, a, b, I, J):
        """The similarity of the bead's two windows against their neighbours'."""
        A, B = _per_cell(a, b, len(I))
        n, m = self.src.n, self.tgt.n
        dot = self._dots
        cos = dot(A, B, I, J)
        # margin: mean similarity of each window to the sentences just outside the other window
        acc = np.zeros(len(I))
        cnt = np.zeros(len(I))
        ones = np.ones(len(I), dtype=np.int64)
        src_known, tgt_known = self.src.encoded, self.tgt.encoded
        for ka, kb, ii, jj, idx, lim, known in ((A, ones, I, J - B, J - B, m, tgt_known),
                                                (A, ones, I, J + 1, J + 1, m, tgt_known),
                                                (ones, B, I - A, J, I - A, n, src_known),
                                                (ones, B, I + 1, J, I + 1, n, src_known)):
            ok = (idx >= 1) & (idx <= lim)
            if known is not None:
                # a neighbour in a sure region has no vector: it counts with the
                # document's typical similarity of unrelated sentences
                unknown = ok & ~known[np.clip(idx, 1, lim) - 1]
                ok &= ~unknown
                acc[unknown] += self.unrelated
                cnt[unknown] += 1
            if ok.any():
                acc[ok] += dot(ka[ok], kb[ok], ii[ok], jj[ok])
                cnt[ok] += 1
        nb = np.where(cnt > 0, acc / np.maximum(cnt, 1), 0.0)
        out = cos - self.opt.margin * nb
        merged = (A > 1) | (B > 1)
        if self.opt.w_gain and merged.any():
            # does each edge sentence of a merge add to the similarity? A sentence
            # the other side left out (or OCR junk) does not: it only dilutes.
            sub = np.full(len(I), -1.0)
            for wider, ka, kb, shifts in ((A > 1, A - 1, B, ((I, J), (I - 1, J))),
                                          (B > 1, A, B - 1, ((I, J), (I, J - 1)))):
                if wider.any():
                    for ii, jj in shifts:
                        sub[wider] = np.maximum(sub[wider], dot(ka[wider], kb[wider], ii[wider], jj[wider]))
            out[merged] -= self.opt.w_gain * np.maximum(0.0, sub[merged] - cos[merged])
        return out

    def evidence(self, a, b, I, J):
        """Numbers, names, anchors, paragraphs: additive terms.

        Per cell, the key sets of the bead's two sides are the unions over its
        sentences (keys.py, built once per window size); only the cells where both
        sides have numbers are computed one by one."""
        A, B = _per_cell(a, b, len(I))
        o = self.opt
        src, tgt = self.src, self.tgt
        out = np.zeros(len(I))
        if self.has_numbers:
            out += self._numbers(A, B, I, J)
        if self.use_vecs and o.w_names:
            ks, kt = self._keys["names"]
            ls, lt = _counts(ks, A, I), _counts(kt, B, J)
            both = (ls > 0) & (lt > 0)
            shared = _shared_counts(ks, kt, A, B, I, J, both)
            out += np.where(both, o.w_names * 2 * shared / np.maximum(ls + lt, 1), 0.0)
        if self.has_anchors:
            ks, kt = self._keys["anchors"]
            ls, lt = _counts(ks, A, I), _counts(kt, B, J)
            either = (ls > 0) | (lt > 0)
            shared = _shared_counts(ks, kt, A, B, I, J, (ls > 0) & (lt > 0))
            out += np.where(either, o.w_anchors * (2 * shared - (ls + lt - 2 * shared))
                            / np.maximum(ls + lt, 1), 0.0)
        if o.w_paragraph and (src.paragraphs is not None or tgt.paragraphs is not None):
            cross = np.zeros(len(I))
            wide = A > 1
            cross[wide] += (self.sp[I - 1] != self.sp[I - A])[wide]
            wide = B > 1
            cross[wide] += (self.tp[J - 1] != self.tp[J - B])[wide]
            out -= o.w_paragraph * cross
        return out

    def _numbers(self, A, B, I, J):
        """w_numbers * (matched - unmatched) / (matched + unmatched + 1), rarity-weighted."""
        o, w = self.opt, self.num_w
        ks, kt = self._keys["numbers"]
        ls, lt = _counts(ks, A, I), _counts(kt, B, J)
        out = np.zeros(len(I))
        # one side without numbers: nothing matches, everything of the other side misses
        for alone, miss in (((ls > 0) & (lt == 0), _per_size(ks, ("alone", True), lambda a: ks.alone(a, w, True),
                                                             A, I)),
                            ((ls == 0) & (lt > 0), _per_size(kt, ("alone", False), lambda b: kt.alone(b, w, False),
                                                             B, J))):
            out[alone] = o.w_numbers * (-miss[alone]) / (miss[alone] + 1.0)
        both = np.nonzero((ls > 0) & (lt > 0))[0]
        if len(both):
            # per cell (the sums in the sets' own order); a pair's two searches share many
            # cells, so the values are kept on the source's windows (for this target)
            memo = ks.cell_memo(kt, o.w_numbers)
            weight = w.__getitem__
            us = {a: ks.unions(a) for a in np.unique(A[both]).tolist()}
            ut = {b: kt.unions(b) for b in np.unique(B[both]).tolist()}
            vals = []
            for cell in zip(A[both].tolist(), B[both].tolist(), I[both].tolist(), J[both].tolist()):
                v = memo.get(cell)
                if v is None:
                    a, b, i, j = cell
                    ns, nt = us[a][i], ut[b][j]
                    match = sum(map(weight, ns & nt))
                    miss = sum(map(weight, ns ^ nt))
                    v = memo[cell] = o.w_numbers * (match - miss) / (match + miss + 1.0)
                vals.append(v)
            out[both] = vals
        return out


def _per_cell(a, b, n: int):
    """Bead sizes per cell: a type's (a, b) repeated over n cells, or arrays already."""
    return (np.full(n, a, dtype=np.int64) if np.isscalar(a) else a,
            np.full(n, b, dtype=np.int64) if np.isscalar(b) else b)


# Windows of a side stacked (prepare()) up to this many rows (16 MB); a longer document's
# similarities are read a group of cells per pair of window sizes.
STACK_MAX_ROWS = 8_192


def _stack_windows(src_windows: dict, tgt_windows: dict):
    """(source windows of every size in one array, the row where size k starts, the
    same for the target), or None for a long document."""
    out = []
    for windows in (src_windows, tgt_windows):
        sizes = sorted(windows)
        if not sizes or sum(len(windows[k]) for k in sizes) > STACK_MAX_ROWS:
            return None
        at = np.full(max(sizes) + 1, -1, dtype=np.int64)
        rows = 0
        for k in sizes:
            at[k] = rows
            rows += len(windows[k])
        out += [np.concatenate([windows[k] for k in sizes]), at]
    return tuple(out)


def _unrelated_similarity(src: _Side, tgt: _Side) -> float:
    """The mean cosine of every encoded source sentence with every encoded target
    sentence: in a document pair, nearly all such pairs are not translations of
    each other, so this is what a margin's neighbour typically scores."""
    sv = src.vecs[src.encoded]
    tv = tgt.vecs[tgt.encoded]
    if not len(sv) or not len(tv):
        return 0.0
    return float((sv.sum(axis=0) @ tv.sum(axis=0)) / (len(sv) * len(tv)))
