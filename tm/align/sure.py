"""Sure regions: where the cheap evidence is sure, the encoder is not asked.

The encoder is most of the default mode's cost. The cheap pass (the
no-embeddings search: length, numbers, names/cognates, glossary anchors) runs
first; a 1-1 bead of its path is *sure* when its calibrated lexical probability
and both neighbours' reach `Options.sure` (a bead between confident 1-1 beads
is right far more often, see calibration.py) and its score shows shared
content (`Options.sure_content`); so are short runs of likely 1-1 beads
between two such beads (`Options.sure_between`). The default search then runs with the sure
beads fixed: only the other sentences, and the windows made of them, are
encoded; a bead may not cover a sure sentence unless it is that sure bead; a
neighbour in a sure region counts in a bead's margin with the document's
typical similarity of unrelated sentences (scorer.py). Sure beads keep the
cheap pass's score and have their own calibration steps.

Measured on the press gold and the dev/test sets in docs/alignment.md
("Sure regions"); `benchmarks/sure_regions.py` prints how much each
threshold spares.
"""
from __future__ import annotations

import numpy as np

from .calibration import logistic_probability, one_one_neighbours


def sure_beads(raw, threshold: float, content: float, between: int = 0) -> list[int]:
    """Indices of the sure 1-1 beads of a cheap-pass path [(i0, i1, j0, j1, score, gap)]:
    lexical probability >= threshold for the bead and both neighbours, and a
    score above `content` (Options.sure_content), above what a plausible length
    alone can give (Options.lexical_length): shared names, numbers or glossary terms.

    between (Options.sure_between): also the runs of at most this many 1-1
    beads between two such beads, each at lexical probability >= threshold:
    with as many sentences on both sides between two sure beads, the path
    there can only be otherwise by a merge and a split (or an omission and an
    insertion) within the run."""
    nbrs = one_one_neighbours([(i1 - i0, j1 - j0) for i0, i1, j0, j1, _, _ in raw])
    probs = [logistic_probability(s, g, 1, 1, "lexical", k) if i1 - i0 == 1 and j1 - j0 == 1 else 0.0
             for (i0, i1, j0, j1, s, g), k in zip(raw, nbrs)]
    picked = [r for r in range(len(raw)) if raw[r][4] > content
              and all(probs[q] >= threshold for q in (r - 1, r, r + 1) if 0 <= q < len(raw))]
    if between:
        runs = [r for a, b in zip(picked, picked[1:]) if 1 < b - a <= between + 1
                and all(probs[q] >= threshold for q in range(a + 1, b)) for r in range(a + 1, b)]
        picked = sorted(picked + runs)
    return picked


def gaps(cells: list[tuple[int, int]], n: int, m: int) -> list[tuple[int, int, int, int]]:
    """The doubtful regions (i0, i1, j0, j1) between the sure beads starting in
    `cells` (ascending), from (0, 0) to (n, m): source [i0, i1), target [j0, j1)."""
    out = []
    at = (0, 0)
    for i, j in cells + [(n, m)]:
        if (i, j) != at:
            out.append((at[0], i, at[1], j))
        at = (i + 1, j + 1)
    return out


class SureScorer:
    """A bead scorer (search._dp's score_fn) around the embedding scorer: a sure
    bead scores its cheap-pass score, any other bead covering a sure sentence is
    not allowed (-inf), the rest score as the inner scorer says. Every sentence
    is covered by one bead of a path, so every path (in a band holding the sure
    cells) goes through the sure beads."""

    def __init__(self, inner, n: int, m: int, sure: list[tuple[int, int, float]]):
        self.inner = inner
        self.tgt_of = np.full(n + 1, -2, dtype=np.int64)   # sure source sentence -> its target sentence
        self.score = np.zeros(n + 1)
        src, tgt = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)
        for i, j, s in sure:
            self.tgt_of[i], self.score[i] = j, s
            src[i] = tgt[j] = 1
        self.cs = np.concatenate([[0], np.cumsum(src)])
        self.ct = np.concatenate([[0], np.cumsum(tgt)])

    def prepare(self, lo, hi) -> None:
        prepare = getattr(self.inner, "prepare", None)
        if prepare is not None:
            prepare(lo, hi)

    def __call__(self, a, b, I, J):
        return self._score(a, b, I, J, self.inner)

    @property
    def many(self):
        """Every two-sided bead type in one call (search._dp), when the inner scorer has
        it (a property, not a bound method kept on the object: that would be a
        reference cycle, freed only by the collector, holding a pair's vectors)."""
        inner_many = getattr(self.inner, "many", None)
        return None if inner_many is None else lambda A, B, I, J: self._score(A, B, I, J, inner_many)

    def _score(self, a, b, I, J, inner):
        """The scores of beads of sizes (a, b), a type's or per cell, ending in (I, J)."""
        touches = (self.cs[I] > self.cs[I - a]) | (self.ct[J] > self.ct[J - b])
        if not touches.any():
            return inner(a, b, I, J)
        out = np.full(len(I), -np.inf)
        free = ~touches
        if free.any():
            out[free] = inner(a if np.isscalar(a) else a[free], b if np.isscalar(b) else b[free],
                              I[free], J[free])
        fixed = touches & (a == 1) & (b == 1) & (self.tgt_of[I - 1] == J - 1)
        out[fixed] = self.score[I[fixed] - 1]
        return out
