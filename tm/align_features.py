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


def _fmt(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.6g}"


def number_keys(text: str, lang: str) -> frozenset[str]:
    """Numbers and dates in a sentence, normalised so that equal values written
    the way of different languages give the same keys.

    6 500 = 6,500 (en) = 6.500 (de) = 6500; 1,5 тыс. = 1.5 thousand = 1500;
    25.07.2024 = 25 July 2024 = «25 июля 2024 года» (keys 25, m7, 2024)."""
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
        digits = re.sub(r"[^\d]", "", intpart)
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
        if re.search(r"\d[.\s]*$", before) or re.match(r"[\s,.]*\d", after):
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


def _fold_latin(word: str) -> str:
    # strip accents and fold spelling variants that romanisations disagree on
    w = unicodedata.normalize("NFKD", word)
    w = "".join(c for c in w if not unicodedata.combining(c)).lower()
    w = w.replace("ß", "ss")
    for a, b in (("kh", "h"), ("shch", "sh"), ("ts", "c"), ("tz", "c"), ("j", "y"), ("w", "v"),
                 ("ph", "f"), ("ck", "k"), ("c", "k"), ("q", "k"), ("x", "ks"), ("ie", "i"), ("iy", "i"),
                 ("yi", "i"), ("ey", "e"), ("y", "i")):
        w = w.replace(a, b)
    # doubled letters
    w = re.sub(r"(.)\1", r"\1", w)
    return w


def romanise(word: str, lang: str) -> str:
    """A word in a comparable Latin spelling (Cyrillic through the table of lang,
    or of ru when lang has none)."""
    if any("\u0400" <= c <= "\u04ff" for c in word):
        table = _translit_table(lang) or _translit_table("ru")
        word = "".join(table.get(c, c) for c in word.lower())
    return _fold_latin(word)


def name_keys(text: str, lang: str, prefix: int = 5) -> frozenset[str]:
    """Cognate/name keys: romanised prefixes of the longer words, and of the
    capitalised words not at the sentence start (proper names are short too:
    Minsk, Osh). Two sentences sharing keys share names or cognates."""
    keys = set()
    words = _WORD.findall(text)
    for k, w in enumerate(words):
        if len(w) >= 6 or (k > 0 and w[:1].isupper() and len(w) >= 3):
            r = romanise(w, lang)
            if len(r) >= 3:
                keys.add(r[:prefix])
    return frozenset(keys)

