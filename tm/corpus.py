"""Reading a corpus: release files -> Release objects, paired by id.

A corpus is a folder with one sub-folder per language (`ru/`, `en/`);
`<lang>/<id>.txt` is a release and the same id on both sides makes a pair.
Paragraphs are separated by blank lines; paragraphs made only of website
navigation lines (tm/data/boilerplate/<lang>.txt) are set aside as boilerplate.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from .data import read_lines
from .models import RELEASE_ID, InputError, Paragraph, Release

RELEASE_SUFFIXES = (".txt",)
_BLANK_LINES = re.compile(r"\n[^\S\n]*\n(?:[^\S\n]*\n)*")
_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[-_.])")
_TRAILING_PUNCT = " \t.:;!?…>»«\"'()[]-–—→←"


@lru_cache(maxsize=None)
def _boilerplate_lines(lang: str) -> frozenset[str]:
    return frozenset(_boilerplate_key(line) for line in read_lines("boilerplate", f"{lang}.txt"))


def _boilerplate_key(line: str) -> str:
    return " ".join(line.strip(_TRAILING_PUNCT).casefold().split())


def is_boilerplate(line: str, lang: str) -> bool:
    """True for a website navigation line such as "Back to the section" or «Назад»."""
    key = _boilerplate_key(line)
    return bool(key) and key in _boilerplate_lines(lang)


def date_from_id(release_id: str) -> str | None:
    """`2024-07-25-some-slug` -> `2024-07-25`; None if the id does not start with a valid date."""
    m = _DATE_PREFIX.match(release_id)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Bytes -> (text, encoding name). UTF-8 (a BOM is dropped); anything else is an error
    naming the line of the first undecodable byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", path, line) from None


def normalise_text(text: str) -> str:
    """Line ends to LF and Unicode to NFC, so both sides compare alike."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def split_paragraphs(text: str) -> list[Paragraph]:
    """Blocks of text between blank lines, trimmed, as exact slices with offsets and line numbers."""
    paragraphs = []
    pos = 0
    for m in list(_BLANK_LINES.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        block = text[pos:end]
        stripped = block.strip()
        if stripped:
            start = pos + (len(block) - len(block.lstrip()))
            paragraphs.append(Paragraph(stripped, start, text.count("\n", 0, start) + 1))
        if m:
            pos = m.end()
    return paragraphs


def parse_release(text: str, release_id: str, lang: str, path: Path, encoding: str = "utf-8") -> Release:
    """Split decoded text into content paragraphs and boilerplate."""
    text = normalise_text(text)
    content, boilerplate = [], []
    for para in split_paragraphs(text):
        lines = [ln for ln in para.text.split("\n") if ln.strip()]
        (boilerplate if all(is_boilerplate(ln, lang) for ln in lines) else content).append(para)
    return Release(release_id=release_id, lang=lang, path=path, text=text, paragraphs=content,
                   boilerplate=boilerplate, date=date_from_id(release_id), encoding=encoding)


def read_release(path: str | Path, lang: str) -> Release:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    text, encoding = decode(data, path)
    return parse_release(text, path.stem, lang, path, encoding)


@dataclass
class Corpus:
    root: Path
    src_lang: str
    tgt_lang: str
    pairs: list[tuple[Release, Release]] = field(default_factory=list)
    unpaired: list[Release] = field(default_factory=list)   # a release with no counterpart
    warnings: list[str] = field(default_factory=list)


def _release_files(folder: Path, warnings: list[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix not in RELEASE_SUFFIXES:
            continue
        if not path.is_file():
            continue
        if not RELEASE_ID.fullmatch(path.stem):
            warnings.append(f"{path}: skipped: {path.stem!r} is not a valid release id")
            continue
        files[path.stem] = path
    return files


def load_corpus(root: str | Path, src_lang: str = "ru", tgt_lang: str = "en") -> Corpus:
    """Read every release of a corpus folder and pair them by id (sorted by id)."""
    root = Path(root)
    if not root.is_dir():
        raise InputError("corpus folder not found", root)
    corpus = Corpus(root, src_lang, tgt_lang)
    sides = {}
    for lang in (src_lang, tgt_lang):
        folder = root / lang
        if not folder.is_dir():
            raise InputError(f"corpus has no '{lang}/' folder", root)
        sides[lang] = _release_files(folder, corpus.warnings)
    src_files, tgt_files = sides[src_lang], sides[tgt_lang]
    for release_id in sorted(set(src_files) | set(tgt_files)):
        if release_id in src_files and release_id in tgt_files:
            corpus.pairs.append((read_release(src_files[release_id], src_lang),
                                 read_release(tgt_files[release_id], tgt_lang)))
        else:
            lang, files, other = ((src_lang, src_files, tgt_lang) if release_id in src_files
                                  else (tgt_lang, tgt_files, src_lang))
            corpus.unpaired.append(read_release(files[release_id], lang))
            corpus.warnings.append(f"{files[release_id]}: no {other} counterpart; not aligned")
    return corpus
