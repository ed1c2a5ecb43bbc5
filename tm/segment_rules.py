"""The segmenter's language knowledge (tm/segment.py applies it): the abbreviation
classes of tm/data/abbreviations/<lang>.txt merged with the Moses non-breaking
prefixes of sacremoses, the usual sentence starters, and the morphology of rule 4
(pymorphy3: does a clause have its verb yet?)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sacremoses.corpus import NonbreakingPrefixes

from .data import data_path, read_lines
from .models import InputError
from .text import fold_spaces

PREFIX, NUMERIC, FINAL, ACRONYM, AFTER_NUMBER = "prefix", "numeric", "final", "acronym", "after-number"
DATE = "date"
CLASSES = frozenset({PREFIX, NUMERIC, FINAL, ACRONYM, AFTER_NUMBER, DATE})

_MOSES = NonbreakingPrefixes()
_MOSES_LANGS = frozenset(_MOSES.available_langs.values())

_NEXT_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?(?P<dot>\.)?")


@dataclass(frozen=True)
class Rules:
    """The language data the segmenter uses for one language."""

    lang: str
    abbreviations: dict[str, str]   # abbreviation without final period -> class
    starters: frozenset[str]        # usual sentence-opening words


def _parse_abbreviation_file(lang: str) -> tuple[dict[str, str], str]:
    """(entries, class of the Moses prefixes) from tm/data/abbreviations/<lang>.txt."""
    entries: dict[str, str] = {}
    moses_class = PREFIX
    current = PREFIX
    for line in read_lines("abbreviations", f"{lang}.txt", optional=True):
        if line.startswith("@moses"):
            moses_class = line.split()[1]
            if moses_class not in CLASSES:
                raise InputError(f"unknown class {moses_class!r}", data_path("abbreviations", f"{lang}.txt"))
        elif line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            if current not in CLASSES:
                raise InputError(f"unknown class {current!r}", data_path("abbreviations", f"{lang}.txt"))
        else:
            entries[_abbreviation_key(line)] = current
    return entries, moses_class


_DOT_SPACE = re.compile(r"\.\s+")


def _abbreviation_key(word: str) -> str:
    """'т. д.' -> 'т.д', 'Gen.' -> 'Gen', 'и пр.' -> 'и пр' (a word before it kept)."""
    return _DOT_SPACE.sub(".", fold_spaces(word)).rstrip(".")


@lru_cache(maxsize=None)
def rules_for(lang: str) -> Rules:
    """Abbreviations (data file + Moses prefixes) and sentence starters for a language."""
    lang = lang.lower()
    own, moses_class = _parse_abbreviation_file(lang)
    merged: dict[str, str] = {}
    if lang in _MOSES_LANGS:
        for entry in _MOSES.words(lang):
            word, _, flag = entry.partition(" ")
            # Single capital letters are initials (a rule of their own) and
            # "5г"-style entries are covered by the number+unit rule.
            if not word or (len(word) == 1 and word.isupper()) or any(ch.isdigit() for ch in word):
                continue
            merged[_abbreviation_key(word)] = NUMERIC if "NUMERIC_ONLY" in flag else moses_class
    merged.update(own)
    starters = frozenset(read_lines("sentence_starters", f"{lang}.txt", optional=True))
    return Rules(lang, merged, starters)


def _lookup(abbreviations: dict[str, str], key: str) -> str | None:
    cls = abbreviations.get(key)
    if cls is None and key[:1].isupper():
        cls = abbreviations.get(key[0].lower() + key[1:])
    return cls


# Clause breaks inside a sentence: what comes after the last of these before an
# abbreviation is the clause the abbreviation ends.
_CLAUSE_BREAK = re.compile(r"[,;:()]")
# A spaced dash inside a clause stands for its verb («а Asty Film — в 1916 г.»).
_DASH_PREDICATE = re.compile(r"\s(?:--|[–—])\s")
_YEAR_END = re.compile(r"(?<!\d)(?:1[0-9]|20)\d\d\Z")
# Parts of speech that make a clause a predication (pymorphy3 / OpenCorpora tags).
_PREDICATE_POS = frozenset({"VERB", "INFN", "PRTS"})
_OBLIQUE_POS = frozenset({"NOUN", "ADJF", "PRTF"})


@lru_cache(maxsize=4096)
def _morph_parses(word: str) -> tuple[tuple[str | None, str | None], ...]:
    """(part of speech, case) of each plausible pymorphy3 parse of a Russian word."""
    from .wordforms import _morph

    return tuple((p.tag.POS, p.tag.case) for p in _morph().parse(word) if p.score >= 0.01)


def _continues_clause(t: str, sent_start: int, abbr_start: int, wpos: int, lang: str) -> bool:
    """Rule 4, morphology: after an abbreviation that can end a sentence («в 2023 г.»,
    «т.г.»), a capitalised noun or adjective that cannot be nominative («Кыргызской
    Республике», «Совету») continues a clause that has not yet got its verb: the
    sentence needs a predicate and an oblique case cannot be its subject. Only for
    languages with a morphological analyser (Russian: pymorphy3)."""
    if lang != "ru":
        return False
    wm = _NEXT_WORD.match(t, wpos)
    if wm is None or wm.group("dot"):
        return False
    word = wm.group(0)
    if len(word) > 1 and word.isupper():
        return False                                  # an acronym: ОДКБ, КСОР
    parses = _morph_parses(word.lower())
    if not parses or any(pos not in _OBLIQUE_POS or case in (None, "nomn", "voct")
                         for pos, case in parses):
        return False
    lo = max(sent_start, abbr_start - 240)
    clause_start = lo
    for m in _CLAUSE_BREAK.finditer(t, lo, abbr_start):
        clause_start = m.end()
    if _DASH_PREDICATE.search(t, clause_start, abbr_start):
        return False
    return not _has_predicate(t, clause_start, abbr_start, lang)


def _has_predicate(t: str, a: int, b: int, lang: str) -> bool:
    """Does t[a:b] hold a verb (its most likely pymorphy3 reading: a finite verb, an
    infinitive, a short participle)? Without a morphological analyser: unknown, no."""
    if lang != "ru":
        return False
    for m in _NEXT_WORD.finditer(t, a, b):
        w = m.group(0)
        if m.group("dot"):
            w = w[:-1]
        if any(pos in _PREDICATE_POS for pos, _case in _morph_parses(w.lower())[:1]):
            return True
    return False
