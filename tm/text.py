"""Whitespace, the one place: folding runs of whitespace and the blank line that
ends a paragraph (the corpus reader's paragraphs and the segmenter's agree)."""
from __future__ import annotations

import re

# A blank line: a line break, then any lines of only whitespace, up to the last line
# break of the run (so the match spans every blank line between two paragraphs).
BLANK_LINES = re.compile(r"\n[^\S\n]*\n(?:[^\S\n]*\n)*")


def fold_spaces(text: str) -> str:
    """Runs of whitespace (line breaks too) to one space, none at either end."""
    return " ".join(text.split())
