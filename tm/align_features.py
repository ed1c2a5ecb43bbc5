"""Cheap, language-light evidence for the aligner: numbers, dates, names.

Everything here works for any language pair; language knowledge (month names,
number multipliers, transliteration tables) is data under tm/data/.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .data import read_lines

# Languages that write 1,5 for one and a half and 6.500 / 6 500 for thousands.
_DECIMAL_COMMA = {"ru", "de", "fr", "uk", "kk", "ky", "be", "es", "it", "pt", "pl", "cs", "nl", "tr"}

_NUMBER = re.compile(
    r"(?<![\w.,])"
    r"(\d{1,3}(?:(?:[ \u00a0\u202f\u2009]|[.,'’](?=\d{3}(?!\d)))\d{3})+|\d+)"   # integer part, grouped or not
    r"(?:([.,])(\d+))?"                                                # decimal part
)
_DATE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_NOT_DIGIT = re.compile(r"[^\d]")
_DIGIT_BEFORE = re.compile(r"\d[.\s]*$")
_DIGIT_AFTER = re.compile(r"[\s,.]*\d")


@lru_cache(maxsize=None)
def _months() -> dict[str, int]:
    out = {}
    for line in read_lines("align", "months.tsv"):
        stem, num = line.split("\t")
        out[stem.lower()] = int(num)
    return out


@lru_cache(maxsize=None)
def _multipliers() -> dict[str, int]:
    out = {}
    for line in read_lines("align", "multipliers.tsv"):
        word, factor = line.split("\t")
        out[word.lower()] = int(factor)
    return out


@lru_cache(maxsize=100_000)
def _month_of(word: str) -> int | None:
    """Month number of a month name in any inflected form (stem + up to 4 letters)."""
    w = word.lower()
    months = _months()
    for cut in range(len(w), max(2, len(w) - 5), -1):
        stem = w[:cut]
        if stem in months and len(w) <= len(stem) + 4:
            return months[stem]
    return None


_NO_KEYS: frozenset[str] = frozenset()


def _fmt(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.6g}"


def number_keys(text: str, lang: str) -> frozenset[str]:
    """Numbers and dates in a sentence, normalised so that equal values written
    the way of different languages give the same keys.

    6 500 = 6,500 (en) = 6.500 (de) = 6500; 1,5 тыс. = 1.5 thousand = 1500;
    25.07.2024 = 25 July 2024 = «25 июля 2024 года» (keys 25, m7, 2024)."""
    if _DIGIT.search(text) is None:
        # every key needs a digit: a number, a date, or a month name next to a number
        return _NO_KEYS
    keys: set[str] = set()
    decimal_comma = lang.split("-")[0].lower() in _DECIMAL_COMMA
    consumed = []
    for m in _DATE.finditer(text):
        d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
        if 1 <= d <= 31 and 1 <= mo <= 12:
            year = int(y) if len(y) == 4 else 2000 + int(y)
            keys.update({str(d), f"m{mo}", str(year)})
            consumed.append((m.start(), m.end()))
    mults = _multipliers()
    for m in _NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in consumed):
            continue
        intpart, sep, frac = m.group(1), m.group(2), m.group(3)
        digits = _NOT_DIGIT.sub("", intpart)
        grouped = digits != intpart
        if sep and frac is not None:
            # "6,500" in English / "6.500" in German are thousands, not decimals
            is_decimal = (sep == ",") == decimal_comma
            if not is_decimal and len(frac) == 3 and not grouped:
                digits += frac
                value = float(digits)
            elif is_decimal:
                value = float(digits + "." + frac)
            else:  # an odd mix such as 1.2.3: keep the parts
                keys.add(str(int(digits)))
                keys.add(str(int(frac)))
                continue
        else:
            value = float(digits)
        following = text[m.end():m.end() + 16].lstrip()
        w = _WORD.match(following)
        if w and w.group(0).lower() in mults:
            value *= mults[w.group(0).lower()]
        keys.add(_fmt(value))
    # month names next to a number (a bare "May"/"mars" is not a date)
    words = list(_WORD.finditer(text))
    for w in words:
        mo = _month_of(w.group(0))
        if mo is None:
            continue
        before = text[max(0, w.start() - 6):w.start()]
        after = text[w.end():w.end() + 7]
        if _DIGIT_BEFORE.search(before) or _DIGIT_AFTER.match(after):
            keys.add(f"m{mo}")
    return frozenset(keys)


def number_weight(key: str) -> float:
    """Small integers are often written as words, or are chapter/list numbers:
    a match on them is weaker evidence than a match on 6500 or a year."""
    if key.startswith("m"):
        return 0.5
    try:
        v = float(key)
    except ValueError:
        return 1.0
    if v == int(v) and 0 <= v <= 10:
        return 0.3
    if v == int(v) and v <= 31:
        return 0.6
    return 1.0


@lru_cache(maxsize=None)
def _translit_table(lang: str) -> dict[str, str]:
    table = {}
    for line in read_lines("translit", f"{lang}.tsv"):
        parts = line.split("\t")
        table[parts[0]] = parts[1].split("|")[0] if len(parts) > 1 else ""
    return table


# spelling variants that romanisations disagree on, folded in this order
_FOLDS = (("kh", "h"), ("shch", "sh"), ("ts", "c"), ("tz", "c"), ("j", "y"), ("w", "v"),
          ("ph", "f"), ("ck", "k"), ("c", "k"), ("q", "k"), ("x", "ks"), ("ie", "i"), ("iy", "i"),
          ("yi", "i"), ("ey", "e"), ("y", "i"))
_DOUBLED = re.compile(r"(.)\1")


def _fold_latin(word: str) -> str:
    # strip accents and fold spelling variants that romanisations disagree on
    if word.isascii():
        w = word.lower()          # NFKD leaves ASCII as it is: no accents to strip
    else:
        w = unicodedata.normalize("NFKD", word)
        w = "".join(c for c in w if not unicodedata.combining(c)).lower()
        w = w.replace("ß", "ss")
    for a, b in _FOLDS:
        w = w.replace(a, b)
    # doubled letters
    return _DOUBLED.sub(r"\1", w) if _DOUBLED.search(w) is not None else w


@lru_cache(maxsize=None)
def _translit_map(lang: str) -> dict[int, str]:
    """The transliteration table of lang (or of ru when lang has none) for str.translate."""
    table = _translit_table(lang) or _translit_table("ru")
    return {ord(c): latin for c, latin in table.items() if len(c) == 1}


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WORD_CACHE = 1 << 15   # words per cache below: about 3 MB, far more than a document's vocabulary


@lru_cache(maxsize=_WORD_CACHE)
def romanise(word: str, lang: str) -> str:
    """A word in a comparable Latin spelling (Cyrillic through the table of lang,
    or of ru when lang has none)."""
    if _CYRILLIC.search(word) is not None:
        word = word.lower().translate(_translit_map(lang))
    return _fold_latin(word)


# (lang, prefix) -> {word: its name key, or "" when the word gives none}
_NAME_KEYS: dict[tuple[str, int], dict[str, str]] = {}


def _word_name_key(word: str, lang: str, prefix: int) -> str | None:
    """The key of a word that is not a sentence's first word: a long word, or a
    capitalised one of 3+ letters (a first word counts only when long)."""
    if len(word) >= 6 or (len(word) >= 3 and word[0].isupper()):
        r = romanise(word, lang)
        if len(r) >= 3:
            return r[:prefix]
    return None


def name_keys(text: str, lang: str, prefix: int = 5) -> frozenset[str]:
    """Cognate/name keys: romanised prefixes of the longer words, and of the
    capitalised words not at the sentence start (proper names are short too:
    Minsk, Osh). Two sentences sharing keys share names or cognates."""
    words = _WORD.findall(text)
    if not words:
        return _NO_KEYS
    cache = _NAME_KEYS.get((lang, prefix))
    if cache is None or len(cache) > _WORD_CACHE:
        cache = _NAME_KEYS[(lang, prefix)] = {}
    got = list(map(cache.get, words))          # "" for a word without a key, None if not seen yet
    if None in got:
        for k, w in enumerate(words):
            if got[k] is None:
                got[k] = cache[w] = _word_name_key(w, lang, prefix) or ""
    keys = set(got[1:])
    if len(words[0]) >= 6:                     # the first word counts only when long
        keys.add(got[0])
    keys.discard("")
    return frozenset(keys)


def clear_caches() -> None:
    """Empty the per-word caches (benchmarks measure cold runs with it)."""
    for fn in (romanise, _month_of):
        fn.cache_clear()
    _NAME_KEYS.clear()
