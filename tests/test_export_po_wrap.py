"""The PO line wrapping (tm.export._po_string) against the character-by-character
implementation it replaced: byte-identical output on any text, so that PO files
wrap exactly as before (and as msgcat does; see test_export.py and test_clients.py)."""
from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tm import export as E

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- the reference


def reference_breaks(chars, prohibited):
    possible = [False] * len(chars)
    last, seen_space = "BK", False
    for i, ch in enumerate(chars):
        cls = E._lb_class(ch)
        if cls == "SP":
            seen_space = True
            continue
        if cls == "CM":
            if seen_space and last != "BK":
                possible[i] = True
                last, seen_space = "AL", False
                continue
            if last in ("BK", "ZW"):
                cls = "AL"
            else:
                continue
        if last == "BK":
            possible[i] = False
        elif last == "ZW":
            possible[i] = True
        else:
            rule = E._pair_rule(last, cls)
            possible[i] = rule == "D" or (rule == "I" and seen_space)
        last, seen_space = cls, False
    return [p and not o for p, o in zip(possible, prohibited)]


def reference_width_breaks(chars, possible, width, start):
    breaks = [False] * len(chars)
    last_p, last_column, piece = None, start, 0
    for i, ch in enumerate(chars):
        if possible[i]:
            if last_p is not None and last_column + piece > width:
                breaks[last_p] = True
                last_column = 0
            last_p = i
            last_column += piece
            piece = 0
        piece += E._char_width(ch)
    if last_p is not None and last_column + piece > width:
        breaks[last_p] = True
    return breaks


def reference_po_string(name, value):
    portions, start = [], 0
    for i, ch in enumerate(value):
        if ch == "\n":
            portions.append(value[start:i + 1])
            start = i + 1
    if start < len(value) or not portions:
        portions.append(value[start:])
    width = E.PAGE_WIDTH - 2
    lines, first = [], True
    for n, portion in enumerate(portions):
        chars, prohibited = [], []
        for ch in portion:
            esc = E._ESCAPES.get(ch)
            if esc:
                chars += [esc[0], esc[1]]
                prohibited += [False, True]
            else:
                chars.append(ch)
                prohibited.append(False)
        if portion.endswith("\n") and len(chars) >= 2:
            prohibited[-2] = True
        possible = reference_breaks(chars, prohibited)
        more = n < len(portions) - 1
        if first:
            start_col = len(name) + 1
            breaks = reference_width_breaks(chars, possible, width, start_col)
            first = False
            if not (chars and (more or start_col > width or any(breaks))):
                lines.append(f'{name} "{"".join(chars)}"')
                continue
            lines.append(f'{name} ""')
        breaks = reference_width_breaks(chars, possible, width, 0)
        line = []
        for ch, br in zip(chars, breaks):
            if br and line:
                lines.append('"' + "".join(line) + '"')
                line = []
            line.append(ch)
        lines.append('"' + "".join(line) + '"')
    return "".join(line + "\n" for line in lines)


# --------------------------------------------------------------------------- the tests

# running text, escapes, line breaks, and the characters with their own breaking
# rules: combining marks, wide and zero-width characters, NBSP, quotes, dashes
ALPHABET = list("abcdefg ДЖяё  ,.;:!?-—–«»\"'\\\n\t\r()[]{}$+%/…|·0123") + [
    "\u00a0", "\u202f", "\u200b", "\u2060", "\u0301", "\u0308", "字", "한", "\uff21", "１", "\u00ad", "\u2116",
    "word", "Тасмагамбетов", "  ", "6\u00a0500"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=120), st.sampled_from(["msgid", "msgstr", "msgctxt"]))
def test_wrapping_equals_the_reference(pieces, name):
    value = "".join(pieces)
    assert E._po_string(name, value) == reference_po_string(name, value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_wrapping_equals_the_reference_on_any_text(value):
    assert E._po_string("msgstr", value) == reference_po_string("msgstr", value)


def test_wrapping_equals_the_reference_on_the_shipped_corpus():
    rng = random.Random(4)
    lines = [ln for f in sorted((REPO / "corpora" / "csto").glob("*/*.txt"))
             for ln in f.read_text(encoding="utf-8").split("\n")]
    joined = [" ".join(rng.sample(lines, 3)) for _ in range(300)]
    for value in lines + joined + ["\n".join(lines[:5])]:
        for name in ("msgid", "msgstr"):
            assert E._po_string(name, value) == reference_po_string(name, value)
