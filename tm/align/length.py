"""The length model: target characters per source character, and Gale and
Church's variance of a translation's length, both from the document pair."""
from __future__ import annotations

import numpy as np

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

