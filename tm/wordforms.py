"""Words as the glossary matcher compares them: tokens, Russian lemmas (pymorphy3,
loaded once, lazily), a crude English singular, the optional words of
tm/data/glossary/optional_words.tsv. Also what the segmenter (pymorphy3) and the
numbers of `tm check` (number words by lemma) use."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from tm.data import read_table

# Typographic classes (not language data): any of these is "a quote" / "a dash".
QUOTES = "\"'«»„“”‟‘’‚‹›"
DASHES = "-‐‑‒–—―−"

_TOKEN = re.compile(
    r"(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)"
    r"|(?P<num>\d+)"
    rf"|(?P<dash>[{re.escape(DASHES)}])"
    rf"|(?P<quote>[{re.escape(QUOTES)}])"
    r"|(?P<punct>[^\s\w])"
)
class _Tok(NamedTuple):
    """A token (a named tuple: made for every word the glossary matcher reads)."""

    kind: str               # word | num | punct
    raw: str                # as written (possessive dropped)
    keys: frozenset[str]    # what it compares by (lemmas, singular, digits)
    start: int
    end: int


_MORPH = None


def _morph():
    global _MORPH
    if _MORPH is None:
        import pymorphy3  # loaded once, lazily: start-up of commands that don't match stays fast

        _MORPH = pymorphy3.MorphAnalyzer()
    return _MORPH


@lru_cache(maxsize=10_000)    # words: reached within a few hundred pairs, so memory stays flat over an archive
def russian_lemmas(word: str) -> frozenset[str]:
    """All dictionary forms pymorphy3 proposes, plus the word itself (ё = е).

    The word itself is kept because for unknown surnames pymorphy3 may not
    propose the nominative it was given (Тасмагамбетов -> тасмагамбет)."""
    low = word.lower().replace("ё", "е")
    forms = {low}
    for parse in _morph().parse(low):
        forms.add(parse.normal_form.replace("ё", "е"))
    return frozenset(forms)


def english_singular(word: str) -> str:
    """A crude singular, applied the same way to terms and text."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@lru_cache(maxsize=None)
def _optional_words(lang: str) -> frozenset[str]:
    return frozenset(word.lower() for row_lang, word in read_table("glossary", "optional_words.tsv", columns=2)
                     if row_lang == lang)


def _word_keys(raw: str, lang: str) -> frozenset[str]:
    """What a word compares by (cached with the rest of its token: _word_token)."""
    if lang == "ru":
        return russian_lemmas(raw)
    if lang == "en":
        return frozenset({english_singular(raw)})
    return frozenset({raw.lower()})


def tokenize(text: str, lang: str) -> list[_Tok]:
    """Matchable tokens: quotes, dashes and optional words are left out."""
    tokens: list[_Tok] = []
    append = tokens.append
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            word = _word_token(m.group(), lang)
            if word is not None:
                raw, keys, cut = word
                start, end = m.span()
                append(_Tok("word", raw, keys, start, end - cut))
        elif kind == "num" or kind == "punct":
            raw = m.group()
            start, end = m.span()
            append(_Tok(kind, raw, frozenset({raw}), start, end))
    return tokens


@lru_cache(maxsize=20_000)    # words repeat within a release and across an archive; memory stays flat
def _word_token(raw: str, lang: str) -> tuple[str, frozenset[str], int] | None:
    """A word as tokenize() keeps it: (text, keys, characters cut from its end), or
    None for an optional word."""
    cut = 0
    # possessive: CSTO's, Ministers' (the trailing apostrophe is a quote token)
    if raw[-2:] in ("'s", "’s") and lang == "en":
        raw, cut = raw[:-2], 2
    if raw.lower() in _optional_words(lang):
        return None
    return raw, _word_keys(raw, lang), cut


@lru_cache(maxsize=4096)
def _term_tokens(term: str, lang: str) -> tuple[tuple[str, str, str], ...]:
    """(kind, raw, separator before it) of each token of a term (its {year} as 0000)."""
    out, prev_end = [], None
    for tok in tokenize(term, lang):
        out.append((tok.kind, tok.raw, _separator(term[prev_end:tok.start]) if prev_end is not None else ""))
        prev_end = tok.end
    return tuple(out)


def _separator(between: str) -> str:
    """How two tokens are joined: "" (nothing), "-" (a hyphen), " - " (a spaced dash), " "."""
    dash = any(ch in DASHES for ch in between)
    space = any(ch.isspace() for ch in between)
    if dash:
        return " - " if space else "-"
    return " " if space else ""


@lru_cache(maxsize=4096)
def _russian_numbers(word: str, nominative: bool = False) -> frozenset[str]:
    """Grammatical numbers (sing, plur) pymorphy3 allows for a Russian word form
    (a term word is in the nominative: only its nominative readings count)."""
    return frozenset(p.tag.number for p in _morph().parse(word.lower())
                     if p.tag.number and (not nominative or p.tag.case == "nomn"))


def surface_distance(text: str, tokens: list[_Tok], i: int, n: int, term: str, lang: str) -> int:
    """How far the text's tokens i..i+n are from a glossary term as written: joints that
    differ (hyphen, spaced dash, space) plus words that differ in form (English:
    the word itself, case aside; Russian: grammatical number). 0 = written as listed."""
    want = _term_tokens(term, lang)
    if len(want) != n:
        return 0
    got = tokens[i:i + n]
    d = 0
    for k, ((kind, raw, sep), tok) in enumerate(zip(want, got)):
        if k and sep != _separator(text[got[k - 1].end:tok.start]):
            d += 1
        if kind != "word" or tok.kind != "word":
            continue
        if lang == "ru":
            have = _russian_numbers(tok.raw)
            need = _russian_numbers(raw, True)
            if have and need and not (have & need):
                d += 1
        elif raw.lower() != tok.raw.lower():
            d += 1
    return d
