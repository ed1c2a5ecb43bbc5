"""Bytes of a release file -> text, with a documented trial order.

The trial order and its reasons are in tm/data/encodings.txt; the legacy
encodings to try per language are listed there too. A file that decodes as
nothing sensible is an InputError naming the file (and the line of the first
bad byte when it is damaged UTF-8).
"""
from __future__ import annotations

import codecs
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .data import read_lines, read_table
from .models import InputError

# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
# Share of junk characters above which a decoding is not sensible text.
MAX_JUNK_SHARE = 0.02
# For a language with a letter table (Russian): the least share of its letters
# among all letters for a legacy decoding to count as text of that language.
MIN_SCRIPT_SHARE = 0.5
_WORD = re.compile(r"\w+")
_CHARSET_NAMES = {"cp1251": "windows-1251", "cp1252": "windows-1252", "koi8_r": "koi8-r"}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str          # a standard name: utf-8, utf-16, windows-1251, koi8-r, ...
    how: str               # "utf-8", "bom", "declared" (HTML meta) or "guessed" (by trial)

    @property
    def note(self) -> str | None:
        """What the summary should say about this file's encoding, if anything."""
        if self.how == "guessed":
            return f"not UTF-8; read as {self.encoding} (guessed)"
        if self.how == "declared":
            return f"not UTF-8; read as {self.encoding} (declared in the page)"
        if self.encoding != "utf-8":
            return f"read as {self.encoding} (byte-order mark)"
        return None


def standard_name(codec: str) -> str:
    name = codecs.lookup(codec).name
    return _CHARSET_NAMES.get(name, name.replace("_", "-"))


@lru_cache(maxsize=None)
def legacy_encodings(lang: str | None) -> tuple[str, ...]:
    """The legacy encodings to try for a language, in order (tm/data/encodings.txt)."""
    table: dict[str, tuple[str, ...]] = {}
    for line in read_lines("encodings.txt"):
        key, *encodings = line.split()
        table[key] = tuple(encodings)
    return table.get(lang or "*", table.get("*", ()))


@lru_cache(maxsize=None)
def _common_words(lang: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in read_lines("encodings", f"{lang}-words.txt", optional=True))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _is_junk(ch: str) -> bool:
    if ch in "\t\n\r\f\v":
        return False
    cat = unicodedata.category(ch)
    # Cc controls, Co private use, Cn unassigned; box drawing (U+2500..U+259F) is
    # what random bytes and binary files look like in KOI8-R.
    return cat in ("Cc", "Co", "Cn") or "\u2500" <= ch <= "\u259f"


def junk_share(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for ch in text if _is_junk(ch)) / len(text)


@lru_cache(maxsize=None)
def _letter_log_freq(lang: str) -> dict[str, float]:
    table = {}
    for letter, share in read_table("encodings", f"{lang}-letters.tsv", columns=2, optional=True):
        table[letter] = math.log10(float(share))
    return table


def text_score(text: str, lang: str | None) -> float:
    """How much `text` looks like real text of `lang` (higher is better): the mean
    log-frequency of its letters (tm/data/encodings/<lang>-letters.tsv; a letter
    not in the table counts as very rare) plus the share of its words found in
    tm/data/encodings/<lang>-words.txt. Case-blind, so an all-capitals headline
    scores like the same words in lower case."""
    if not lang:
        return 0.0
    freq = _letter_log_freq(lang)
    score = 0.0
    if freq:
        floor = min(freq.values()) - 1.0
        logs = [freq.get(ch, floor) for ch in text.casefold() if ch.isalpha() and not ch.isascii()]
        score += sum(logs) / len(logs) if logs else 0.0
    common = _common_words(lang)
    words = [w.casefold() for w in _WORD.findall(text) if not w.isdigit()]
    if words and common:
        score += sum(1 for w in words if w in common) / len(words)
    return round(score, 6)


def _in_language_script(text: str, lang: str | None) -> bool:
    """For a language with a letter table: most letters are letters of that table.
    A mostly-Latin file with one stray byte is damaged UTF-8, not Windows-1251."""
    freq = _letter_log_freq(lang) if lang else {}
    if not freq:
        return True
    letters = [ch for ch in text.casefold() if ch.isalpha()]
    return not letters or sum(1 for ch in letters if ch in freq) / len(letters) >= MIN_SCRIPT_SHARE


def _almost_utf8(data: bytes) -> bool:
    """More valid multi-byte UTF-8 sequences than invalid bytes: damaged UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return multibyte > bad


def decode_bytes(data: bytes, path: str | Path, lang: str | None = None,
                 declared: str | None = None, guess: bool = True) -> Decoded:
    """Decode a release file (see tm/data/encodings.txt for the order).

    `declared`: a charset the file declares itself (HTML meta), tried before the
    legacy list. `guess=False`: UTF-8 or a BOM only (the strict contract of
    `tm segment` and `tm align-lines`)."""
    bom_error = None
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            # FF FE 00 00 is the UTF-32 BOM or a UTF-16 BOM and U+0000: try both
            try:
                return Decoded(data[len(bom):].decode(codec), name.lower(), "bom")
            except UnicodeDecodeError as exc:
                bom_error = bom_error or InputError(
                    f"not valid {name} despite its byte-order mark (byte offset {exc.start + len(bom)})", path)
    if bom_error is not None:
        raise bom_error
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
        bad_byte = data[exc.start]
    line = _line_of(data, first_bad)
    if not guess or _almost_utf8(data):
        raise InputError(f"not valid UTF-8 (byte 0x{bad_byte:02x})", path, line)
    if b"\x00" in data:
        raise InputError("binary data (NUL bytes) or UTF-16 without a byte-order mark; "
                         "save it as UTF-8", path, _line_of(data, data.index(b"\x00")))
    candidates: list[str] = []
    declared_codec = None
    if declared:
        try:
            declared_codec = codecs.lookup(declared).name
            candidates.append(declared_codec)
        except LookupError:
            pass
    for enc in legacy_encodings(lang):
        if codecs.lookup(enc).name not in candidates:
            candidates.append(codecs.lookup(enc).name)
    best: tuple[float, int, str, str] | None = None
    for rank, codec in enumerate(candidates):
        if codec == "utf-8":
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if junk_share(text) > MAX_JUNK_SHARE or not _in_language_script(text, lang):
            continue
        if codec == declared_codec:
            return Decoded(text, standard_name(codec), "declared")
        key = (text_score(text, lang), -rank, codec, text)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        tried = ", ".join(standard_name(c) for c in candidates) or "no legacy encoding"
        raise InputError(f"not valid UTF-8 (byte 0x{bad_byte:02x}) and not sensible text in "
                         f"{tried}; save it as UTF-8", path, line)
    return Decoded(best[3], standard_name(best[2]), "guessed")
