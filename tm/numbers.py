"""Numbers and dates, the one place for both: the tables of month names,
multiplier words, number words and times of day (tm/data/numbers/), and the two
normalisers built on them.

- `number_keys(text, lang)`: the aligner's evidence. Language-light: every
  language's month stems and multipliers at once, so that equal values written the
  ways of different languages give the same keys (6 500 = 6,500 = 6.500;
  25.07.2024 = 25 July 2024 = «25 июля 2024 года»).
- `extract_numbers(text, lang, skip)`: `tm check`'s figures. Per language and
  exact: the month words and multipliers of the sentence's language, dates as
  "date:DD.MM", times of day as "time:H:MM", and the values of number words,
  which only ever satisfy.
- `month_of(word)`: the month a word names (a stem plus at most four letters), for
  the keys above and the date of an HTML page.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .data import read_table
from .wordforms import russian_lemmas

_WORD = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")


# ---------------------------------------------------------------- the tables

def _months_table() -> tuple[tuple[str, ...], ...]:
    return read_table("numbers", "months.tsv", columns=4)     # lang, month, stems, words


@lru_cache(maxsize=None)
def month_stems() -> dict[str, int]:
    """Every language's month stems -> month number."""
    return {stem.lower(): int(month) for _lang, month, stems, _words in _months_table()
            for stem in stems.split() if stem != "-"}


@lru_cache(maxsize=None)
def month_words(lang: str) -> dict[str, int]:
    """The exact month words and abbreviations of a language -> month number."""
    return {word.lower(): int(month) for row_lang, month, _stems, words in _months_table()
            if row_lang == lang for word in words.split() if word != "-"}


@lru_cache(maxsize=None)
def _table(name: str, lang: str) -> dict[str, str]:
    """A `lang  word  value` table of tm/data/numbers/ for one language: {word: value}."""
    return {word.lower(): value for row_lang, word, value in read_table("numbers", name, columns=3)
            if row_lang == lang}


@lru_cache(maxsize=None)
def multipliers_of(lang: str) -> dict[str, Decimal]:
    """A language's multiplier words -> factor."""
    return {k: Decimal(v) for k, v in _table("multipliers.tsv", lang).items()}


@lru_cache(maxsize=None)
def _all_multipliers() -> dict[str, int]:
    """Every language's multiplier words -> factor (the aligner's keys)."""
    return {word.lower(): int(factor)
            for _lang, word, factor in read_table("numbers", "multipliers.tsv", columns=3)}


# ---------------------------------------------------------------- the aligner's keys

# Languages that write 1,5 for one and a half and 6.500 / 6 500 for thousands.
_DECIMAL_COMMA = {"ru", "de", "fr", "uk", "kk", "ky", "be", "es", "it", "pt", "pl", "cs", "nl", "tr"}

_KEY_NUMBER = re.compile(
    r"(?<![\w.,])"
    r"(\d{1,3}(?:(?:[ \u00a0\u202f\u2009]|[.,'’](?=\d{3}(?!\d)))\d{3})+|\d+)"   # integer part, grouped or not
    r"(?:([.,])(\d+))?"                                                # decimal part
)
_KEY_DATE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?!\d)")
_NOT_DIGIT = re.compile(r"[^\d]")
_DIGIT_BEFORE = re.compile(r"\d[.\s]*$")
_DIGIT_AFTER = re.compile(r"[\s,.]*\d")


# Words remembered per word cache (here and in tm/align/features.py): far more than a release's vocabulary, and few
# enough (a few MB) that a worker's memory stops growing within the first
# thousand pairs of an archive, where every sentence may bring new words.
WORD_CACHE = 1 << 14


@lru_cache(maxsize=WORD_CACHE)
def month_of(word: str) -> int | None:
    """Month number of a month name in any inflected form (stem + up to 4 letters)."""
    w = word.lower()
    months = month_stems()
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
    for m in _KEY_DATE.finditer(text):
        d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
        if 1 <= d <= 31 and 1 <= mo <= 12:
            year = int(y) if len(y) == 4 else 2000 + int(y)
            keys.update({str(d), f"m{mo}", str(year)})
            consumed.append((m.start(), m.end()))
    mults = _all_multipliers()
    for m in _KEY_NUMBER.finditer(text):
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
        mo = month_of(w.group(0))
        if mo is None:
            continue
        before = text[max(0, w.start() - 6):w.start()]
        after = text[w.end():w.end() + 7]
        if _DIGIT_BEFORE.search(before) or _DIGIT_AFTER.match(after):
            keys.add(f"m{mo}")
    return frozenset(keys)


# ---------------------------------------------------------------- tm check's figures

def _number_words(lang: str) -> dict[str, str]:
    return _table("number_words.tsv", lang)


@lru_cache(maxsize=None)
def _time_words(lang: str) -> tuple[dict[str, str], re.Pattern | None]:
    """tm/data/numbers/times.tsv for a language: {word: role} and one pattern for the
    times of day it describes ("11 a.m.", "3:30 pm", "at 15.30", «в 10 часов 30 минут»,
    "noon"), or None when the language has no such data."""
    table = _table("times.tsv", lang)
    if not table:
        return table, None

    def alt(role: str) -> str:
        words = sorted((w for w, r in table.items() if r == role), key=len, reverse=True)
        return "|".join(re.escape(w) for w in words) or r"(?!x)x"

    named = sorted((w for w, r in table.items() if ":" in r), key=len, reverse=True)
    pattern = re.compile(
        rf"(?<![\w.,:])(?:(?P<at>{alt('at')}){_SPACE}+)?"
        rf"(?P<h>[01]?\d|2[0-4])(?:(?P<sep>[.:])(?P<m>[0-5]\d))?(?![\d,]|\.\d)"
        rf"(?:{_SPACE}*(?P<ampm>{alt('am')}|{alt('pm')})(?!\w)"
        rf"|{_SPACE}+(?P<hour>{alt('hour')})(?!\w)(?:{_SPACE}+(?P<m2>[0-5]?\d){_SPACE}+(?:{alt('minute')})(?!\w))?)?"
        + (rf"|(?<!\w)(?P<named>{'|'.join(re.escape(w) for w in named)})(?!\w)" if named else ""),
        re.IGNORECASE)
    return table, pattern


def _has_named_time(text: str, lang: str) -> bool:
    table = _time_words(lang)[0]
    if not table:
        return False
    low = text.lower()
    return any(":" in role and word in low for word, role in table.items())


def _times(text: str, lang: str, used: list[tuple[int, int]], free, add) -> None:
    """Times of day: "11 a.m." = 11:00, "3:30 p.m." = 15:30, "at 15.30", «в 10 часов»,
    "noon" = 12:00 (tm/data/numbers/times.tsv). A bare "15.30" or «10 часов» without
    a preposition of time stays a number (a decimal, a duration)."""
    table, pattern = _time_words(lang)
    if pattern is None:
        return
    for m in pattern.finditer(text):
        if m.group("named"):
            a, b = m.span("named")
            if free(a, b):
                h, mm = table[m.group("named").lower()].split(":")
                add(f"time:{int(h)}:{mm}", a)
                used.append((a, b))
            continue
        a, b = m.start("h"), m.end()
        if not free(a, b):
            continue
        h, minutes = int(m.group("h")), m.group("m") or m.group("m2")
        ampm = (m.group("ampm") or "").lower()
        if ampm:
            if not 1 <= h <= 12:
                continue
            h = h % 12 + (12 if table.get(ampm) == "pm" else 0)
        elif m.group("hour"):
            if not m.group("at") and not m.group("m"):
                continue                      # «в течение 10 часов»: a duration
        elif not (m.group("at") and m.group("sep") == "." and minutes):
            continue                          # "15.30" only after "at": otherwise a decimal
        if h == 24:
            continue
        add(f"time:{h}:{int(minutes or 0):02d}", a)
        used.append((a, b))


_SPACE = "[ \u00a0\u202f\u2009]"
# a figure: 6 500 / 6,500 / 1,5 / 1.5 / 2022 (thousands groups only after 1-3 digits)
_NUMBER = {
    "ru": re.compile(rf"(?<![\d.,])(\d{{1,3}}(?:{_SPACE}\d{{3}})+|\d+)(?:,(\d+))?(?![\d])"),
    "en": re.compile(rf"(?<![\d.,])(\d{{1,3}}(?:(?:,|{_SPACE})\d{{3}})+|\d+)(?:\.(\d+))?(?![\d])"),
}
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})[./](\d{4})(?![\d])")
_TIME = {"ru": re.compile(r"(?<![\d.,:])([01]?\d|2[0-3])[.:]([0-5]\d)(?![\d,])"),
         "en": re.compile(r"(?<![\d.,:])([01]?\d|2[0-3]):([0-5]\d)(?![\d])")}
_GROUPING = re.compile(r"[ \u00a0\u202f\u2009,]")
_DAY_BEFORE = re.compile(r"(?<![\d.,])(\d{1,2})(?:-?(?:го|st|nd|rd|th))?\s+$")
_DAY_AFTER = re.compile(r"\s+(\d{1,2})(?:st|nd|rd|th)?(?![\d])")
@lru_cache(maxsize=WORD_CACHE)   # words: bounded, memory stays flat over an archive
def _word_values(word: str, lang: str) -> tuple[str, ...]:
    """The values a lower-case word names as a number word ("три", "three")."""
    table = _number_words(lang)
    if lang == "ru":
        return tuple(table[lemma] for lemma in russian_lemmas(word) if lemma in table)
    return (table[word],) if word in table else ()


def _canon(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _date_atom(day: int, month: int) -> str | None:
    if 1 <= day <= 31 and 1 <= month <= 12:
        return f"date:{day:02d}.{month:02d}"
    return None


def extract_numbers(text: str, lang: str, skip: list[tuple[int, int]] = ()) -> tuple[dict[str, int], set[str]]:
    """The numbers of a text, normalised.

    Returns (figures, words): `figures` maps each normalised value written in
    digits to its offset in the text (days of a date become "date:DD.MM", the
    year stays a number); `words` holds the values of number words, which only
    ever satisfy. Spans in `skip` (glossary names with a year) are ignored."""
    figures: dict[str, int] = {}
    used: list[tuple[int, int]] = list(skip)

    def add(value: str, at: int) -> None:
        figures.setdefault(value, at)

    # every figure, date and time has a digit: a text without one has number words
    # and named times ("noon") at most
    if _DIGIT.search(text) is not None:
        _figures(text, lang, used, add)
    elif _has_named_time(text, lang):
        _times(text, lang, used, lambda a, b: True, add)
    # number words: satisfy only
    word_values: set[str] = set()
    for w in _WORD.findall(text):
        values = _word_values(w.lower().rstrip("."), lang)
        if values:
            word_values.update(values)
    # a day range shares its month: «13–15 февраля» = "February 13-15" = "from 13 to 15
    # February"; so the day of a date satisfies a plain day number and the reverse
    months_seen = {atom[-2:] for atom in figures if atom.startswith("date:")}
    for atom in figures:
        if atom.startswith("date:"):
            word_values.add(str(int(atom[5:7])))
        elif atom.isdigit() and 1 <= int(atom) <= 31:
            word_values.update(f"date:{int(atom):02d}.{m}" for m in months_seen)
    return figures, word_values


def _figures(text: str, lang: str, used: list[tuple[int, int]], add) -> None:
    """extract_numbers' figures: dates, times, plain figures with their multipliers."""
    def free(a: int, b: int) -> bool:
        return not any(a < e and s < b for s, e in used)

    months = month_words(lang)
    # 25.07.2024
    for m in _NUMERIC_DATE.finditer(text):
        if not free(*m.span()):
            continue
        atom = _date_atom(int(m.group(1)), int(m.group(2)))
        if atom:
            add(atom, m.start())
            add(str(int(m.group(3))), m.start())
            used.append(m.span())
    # times of day written with words: 11 a.m., at 15.30, «в 10 часов», noon
    _times(text, lang, used, free, add)
    # times: 10:00 (Russian also 10.00)
    for m in _TIME.get(lang, _TIME["en"]).finditer(text):
        if free(*m.span()):
            add(f"time:{int(m.group(1))}:{m.group(2)}", m.start())
            used.append(m.span())
    # 25 июля / 25 July / July 25
    words = [(w.group().lower().rstrip("."), w.start(), w.end()) for w in _WORD.finditer(text)]
    for w, ws, we in words:
        month = months.get(w)
        if month is None:
            continue
        before = _DAY_BEFORE.search(text[max(0, ws - 8):ws])
        after = _DAY_AFTER.match(text[we:we + 8])
        if before:
            a = max(0, ws - 8) + before.start(1)
            b = max(0, ws - 8) + before.end(1)
            if free(a, b):
                atom = _date_atom(int(before.group(1)), month)
                if atom:
                    add(atom, a)
                    used.append((a, b))
                    continue
        if after and lang == "en":
            a, b = we + after.start(1), we + after.end(1)
            if free(a, b):
                atom = _date_atom(int(after.group(1)), month)
                if atom:
                    add(atom, a)
                    used.append((a, b))
    # plain figures, with a multiplier word after them
    multipliers = multipliers_of(lang)
    pattern = _NUMBER.get(lang, _NUMBER["en"])
    for m in pattern.finditer(text):
        if not free(*m.span()):
            continue
        whole = _GROUPING.sub("", m.group(1))
        try:
            value = Decimal(whole + ("." + m.group(2) if m.group(2) else ""))
        except InvalidOperation:
            continue
        nxt = _WORD.match(text[m.end():].lstrip(" \u00a0\u202f\u2009"))
        if nxt:
            factor = multipliers.get(nxt.group().lower())
            if factor is not None:
                value *= factor
        add(_canon(value), m.start())
