"""Glosses: a translator's bracketed sentence explaining the one before it
(as "[I believe Veslovsky is courting Kitty.]" after a French phrase) has no
counterpart of its own; align_raw() aligns it as part of the sentence it
explains."""
from __future__ import annotations

from typing import Sequence


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

