"""Property-based tests of the segmenter's contract on arbitrary Unicode text:
lossless, ordered, trimmed, non-empty spans, and no sentence across a blank line."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tm.segment import format_segments, sentence_spans

# Arbitrary Unicode, with the characters the rules react to made frequent.
_INTERESTING = list(" \n\n\t\u00a0.!?…«»„“”\"'()[]-–—:;•1234567890aAzZбБгГ") + [
    "г.", "т.е.", "U.S.", "Gen.", "...", ". . .", " 1) ", " 2. ", ":)", "😀", "\n\n", "\n- "]
_TEXT = st.lists(st.one_of(st.text(max_size=6), st.sampled_from(_INTERESTING)), max_size=40).map("".join)
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def _check(text: str, lang: str) -> None:
    spans = sentence_spans(text, lang)
    prev = 0
    for a, b in spans:
        piece = text[a:b]
        assert prev <= a < b <= len(text)
        assert piece == piece.strip() and piece               # trimmed, non-empty
        assert not text[prev:a].strip()                       # only whitespace between sentences
        assert not _BLANK_LINE.search(piece)                  # a blank line is always a boundary
        prev = b
    assert not text[prev:].strip()
    # lossless: the slices joined with the original whitespace give back the input
    rebuilt, pos = [], 0
    for a, b in spans:
        rebuilt.append(text[pos:a])
        rebuilt.append(text[a:b])
        pos = b
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == text


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT, st.sampled_from(["ru", "en", "de", "xx"]))
def test_sentence_spans_are_lossless_ordered_and_trimmed(text, lang):
    _check(text, lang)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["ru", "en"]))
def test_lossless_on_plain_arbitrary_unicode(text, lang):
    _check(text, lang)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_format_segments_keeps_every_non_whitespace_character(text):
    out = format_segments(text, "ru")
    assert "".join(out.split()) == "".join(text.split())
    if out:
        assert out.endswith("\n\n") and "\n\n\n" not in out
