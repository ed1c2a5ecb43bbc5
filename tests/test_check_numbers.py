"""tm.check.extract_numbers against the version it replaced (every text scanned
for dates, times and figures; number words looked up word by word): the same
figures, offsets and number-word values on any text."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tm import numbers as C
from tm.glossary import russian_lemmas

REPO = Path(__file__).resolve().parents[1]


def reference_extract_numbers(text, lang, skip=()):
    figures = {}
    used = list(skip)

    def free(a, b):
        return not any(a < e and s < b for s, e in used)

    def add(value, at):
        figures.setdefault(value, at)

    months = C.month_words(lang)
    for m in C._NUMERIC_DATE.finditer(text):
        if not free(*m.span()):
            continue
        atom = C._date_atom(int(m.group(1)), int(m.group(2)))
        if atom:
            add(atom, m.start())
            add(str(int(m.group(3))), m.start())
            used.append(m.span())
    for m in C._TIME.get(lang, C._TIME["en"]).finditer(text):
        if free(*m.span()):
            add(f"time:{int(m.group(1))}:{m.group(2)}", m.start())
            used.append(m.span())
    words = [(w.group().lower().rstrip("."), w.start(), w.end()) for w in C._WORD.finditer(text)]
    for w, ws, we in words:
        month = months.get(w)
        if month is None:
            continue
        before = re.search(r"(?<![\d.,])(\d{1,2})(?:-?(?:го|st|nd|rd|th))?\s+$", text[max(0, ws - 8):ws])
        after = re.match(r"\s+(\d{1,2})(?:st|nd|rd|th)?(?![\d])", text[we:we + 8])
        if before:
            a, b = max(0, ws - 8) + before.start(1), max(0, ws - 8) + before.end(1)
            if free(a, b):
                atom = C._date_atom(int(before.group(1)), month)
                if atom:
                    add(atom, a)
                    used.append((a, b))
                    continue
        if after and lang == "en":
            a, b = we + after.start(1), we + after.end(1)
            if free(a, b):
                atom = C._date_atom(int(after.group(1)), month)
                if atom:
                    add(atom, a)
                    used.append((a, b))
    multipliers = C.multipliers_of(lang)
    for m in C._NUMBER.get(lang, C._NUMBER["en"]).finditer(text):
        if not free(*m.span()):
            continue
        whole = re.sub(r"[ \u00a0\u202f\u2009,]", "", m.group(1))
        try:
            value = Decimal(whole + ("." + m.group(2) if m.group(2) else ""))
        except InvalidOperation:
            continue
        nxt = C._WORD.match(text[m.end():].lstrip(" \u00a0\u202f\u2009"))
        if nxt:
            factor = multipliers.get(nxt.group().lower())
            if factor is not None:
                value *= factor
        add(C._canon(value), m.start())
    word_values = set()
    table = C._number_words(lang)
    for w, _ws, _we in words:
        if lang == "ru":
            word_values.update(table[lemma] for lemma in russian_lemmas(w) if lemma in table)
        elif w in table:
            word_values.add(table[w])
    months_seen = {atom[-2:] for atom in figures if atom.startswith("date:")}
    for atom in figures:
        if atom.startswith("date:"):
            word_values.add(str(int(atom[5:7])))
        elif atom.isdigit() and 1 <= int(atom) <= 31:
            word_values.update(f"date:{int(atom):02d}.{m}" for m in months_seen)
    return figures, word_values


PIECES = ["25 июля 2024 года", "July 25", "25.07.2024", "1/2/2023", "10:00", "10.00", "6 500", "6,500", "6\u00a0500",
          "1,5 тыс.", "1.5 million", "three", "трое", "двух", "пяти", "13–15 февраля", "February 13-15", "2022",
          "3rd", "5-го", " ", ", ", ". ", "млн", "ru", "Взаимодействие-2022", "x", "31", "0", "12,5"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=10), st.sampled_from(["ru", "en"]),
       st.sampled_from([(), ((0, 4),)]))
def test_extract_numbers_equals_the_reference(pieces, lang, skip):
    text = "".join(pieces)
    assert C.extract_numbers(text, lang, list(skip)) == reference_extract_numbers(text, lang, skip)


def test_extract_numbers_equals_the_reference_on_the_shipped_corpus():
    for f in sorted((REPO / "corpora" / "csto").glob("*/*.txt")):
        lang = f.parent.name
        for line in f.read_text(encoding="utf-8").split("\n"):
            assert C.extract_numbers(line, lang) == reference_extract_numbers(line, lang)
