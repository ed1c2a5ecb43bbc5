"""Reading a corpus: release files -> Release objects, paired by id.

A corpus is a folder with one sub-folder per language (`ru/`, `en/`);
`<lang>/<id>.txt` (or `<id>.html` / `<id>.htm`, a saved web page) is a release
and the same id on both sides makes a pair. Paragraphs are separated by blank
lines; paragraphs made only of website navigation lines
(tm/data/boilerplate/<lang>.txt) are set aside as boilerplate.

Bytes -> text: tm/encoding.py (UTF-8, BOMs, Windows-1251/KOI8-R by trial).
Text -> normalised text, the same on both sides, before anything else sees it
(sentence offsets are offsets into the normalised Release.text):
  - line ends CRLF and CR -> LF; U+2028 LINE SEPARATOR, U+0085, VT and FF -> LF;
    U+2029 PARAGRAPH SEPARATOR -> a blank line;
  - Unicode NFC;
  - every Unicode space separator (NBSP, narrow NBSP, thin/figure/ideographic
    spaces, ...) -> an ordinary space (so «6 500» and "6 500" compare alike);
    Release.original_spaces remembers them and the exports put them back;
  - removed: soft hyphen U+00AD, zero-width space/non-joiner/joiner
    U+200B..U+200D, word joiner U+2060, U+FEFF inside text, U+180E, and the
    direction marks U+200E/U+200F (invisible; they only break matching);
  - kept: tabs, every visible character, control characters (the exporters
    remove those XML cannot hold and count them).
"""
from __future__ import annotations

import os

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from . import html as html_reader
from .data import read_lines
from .text import BLANK_LINES
from .encoding import decode_bytes
from .models import RELEASE_ID, InputError, Paragraph, Release

RELEASE_SUFFIXES = (".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
# A press release is a few kilobytes; anything this large is not one (and would
# cost memory for nothing).
MAX_RELEASE_BYTES = 16 * 1024 * 1024
# as regular expressions, not str.translate tables: a scan in C that finds nothing
# in most texts, where translate looks every character up in a dict (0.2 ms a release)
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e\u200e\u200f]")
_LINE_BREAKS = {"\u2028": "\n", "\u0085": "\n", "\v": "\n", "\f": "\n", "\u2029": "\n\n"}
_LINE_BREAK = re.compile("[" + "".join(_LINE_BREAKS) + "]")
_UNICODE_SPACES = re.compile(r"[^\S\t\n\r\f\v\x1c-\x1f\x85\u2028\u2029]")
_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[-_.])")
_TRAILING_PUNCT = " \t.:;!?…>»«\"'()[]-–—→←"


@lru_cache(maxsize=None)
def _boilerplate_lines(lang: str) -> frozenset[str]:
    return frozenset(_boilerplate_key(line) for line in read_lines("boilerplate", f"{lang}.txt", optional=True))


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


def decode(data: bytes, path: Path, lang: str | None = None) -> tuple[str, str]:
    """Bytes -> (text, encoding name). Without `lang`: UTF-8 (a BOM is dropped) or a
    UTF-16/32 BOM only, anything else is an error naming the line of the first bad
    byte. With `lang`: legacy encodings are tried too (tm/data/encodings.txt)."""
    decoded = decode_bytes(data, path, lang, guess=lang is not None)
    return decoded.text, decoded.encoding


def normalise_text(text: str) -> str:
    """Line ends to LF, Unicode to NFC, Unicode spaces to a space, invisible
    characters removed (see the module docstring). Keeps the number of lines
    except for CRLF -> LF."""
    return normalise_tracking_spaces(text)[0]


def normalise_tracking_spaces(text: str, release: bool = False) -> tuple[str, dict[int, str]]:
    """normalise_text (with `release`: also the other line and paragraph separators,
    as a release is read), and where it put an
    ordinary space for another Unicode space: {offset in the result: original
    space}. Release.original_spaces keeps this, so the exports can write the
    document's own spaces (NBSP in «6 500») while matching uses plain ones."""
    if release:
        text = _LINE_BREAK.sub(lambda m: _LINE_BREAKS[m.group()], text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    spaces = {m.start(): m.group() for m in _UNICODE_SPACES.finditer(text) if m.group() != " "}
    return (_UNICODE_SPACES.sub(" ", text) if spaces else text), spaces


def split_paragraphs(text: str) -> list[Paragraph]:
    """Blocks of text between blank lines, trimmed, as exact slices with offsets and line numbers."""
    paragraphs = []
    pos = 0
    for m in list(BLANK_LINES.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        block = text[pos:end]
        stripped = block.strip()
        if stripped:
            start = pos + (len(block) - len(block.lstrip()))
            paragraphs.append(Paragraph(stripped, start, text.count("\n", 0, start) + 1))
        if m:
            pos = m.end()
    return paragraphs


def _classify(text: str, paragraphs: list[Paragraph], lang: str) -> tuple[list[Paragraph], list[Paragraph]]:
    content, boilerplate = [], []
    for para in paragraphs:
        lines = [ln for ln in para.text.split("\n") if ln.strip()]
        (boilerplate if all(is_boilerplate(ln, lang) for ln in lines) else content).append(para)
    return content, boilerplate


def parse_release(text: str, release_id: str, lang: str, path: Path, encoding: str = "utf-8") -> Release:
    """Split decoded text into content paragraphs and boilerplate."""
    text, spaces = normalise_tracking_spaces(text, release=True)
    content, boilerplate = _classify(text, split_paragraphs(text), lang)
    release = Release(release_id=release_id, lang=lang, path=path, text=text, paragraphs=content,
                      boilerplate=boilerplate, date=date_from_id(release_id), encoding=encoding,
                      original_spaces=spaces)
    _warn_if_empty(release)
    return release


def parse_html_release(text: str, release_id: str, lang: str, path: Path,
                       encoding: str = "utf-8") -> Release:
    """A saved web page: its article (tm/html.py) as a release. Release.text is the
    extracted text, paragraphs separated by blank lines, the headline first;
    Paragraph.line is the line of the element in the HTML file."""
    page = html_reader.extract_html(text, path)
    blocks = ([page.headline] if page.headline else []) + page.blocks
    pieces, paragraphs, spaces, pos = [], [], {}, 0
    for block in blocks:
        block_text, block_spaces = normalise_tracking_spaces(block.text, release=True)
        for piece in split_paragraphs(block_text):     # more than one: <br><br> inside a <p>
            if pieces:
                pieces.append("\n\n")
                pos += 2
            paragraphs.append(Paragraph(piece.text, pos, block.line))
            pieces.append(piece.text)
            spaces.update((pos + off - piece.start, ch) for off, ch in block_spaces.items()
                          if piece.start <= off < piece.start + len(piece.text))
            pos += len(piece.text)
    full = "".join(pieces) + ("\n" if pieces else "")
    content, boilerplate = _classify(full, paragraphs, lang)
    release = Release(release_id=release_id, lang=lang, path=path, text=full, paragraphs=content,
                      boilerplate=boilerplate, date=date_from_id(release_id) or page.date,
                      encoding=encoding, original_spaces=spaces)
    _warn_if_empty(release)
    return release


def _warn_if_empty(release: Release) -> None:
    if not release.paragraphs:
        what = "only navigation lines" if release.boilerplate else "no text"
        release.warnings.append(f"{release.path}: empty release ({what}); nothing to align")


def read_release(path: str | Path, lang: str) -> Release:
    """Read, decode and parse one release file (.txt, or .html/.htm)."""
    path = Path(path)
    return parse_release_bytes(read_release_bytes(path), path, lang)


def read_release_bytes(path: Path) -> bytes:
    """The bytes of a release file (refused over MAX_RELEASE_BYTES)."""
    try:
        size = path.stat().st_size
        if size > MAX_RELEASE_BYTES:
            raise InputError(f"too large for a press release ({size} bytes; "
                             f"limit {MAX_RELEASE_BYTES})", path)
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None


def parse_release_bytes(data: bytes, path: Path, lang: str) -> Release:
    """Decode and parse the bytes of the release file `path` (which need not be readable
    where this runs: a worker of another machine gets the bytes)."""
    is_html = path.suffix.lower() in HTML_SUFFIXES
    declared = html_reader.declared_charset(data) if is_html else None
    decoded = decode_bytes(data, path, lang, declared=declared)
    if is_html:
        release = parse_html_release(decoded.text, path.stem, lang, path, decoded.encoding)
    else:
        release = parse_release(decoded.text, path.stem, lang, path, decoded.encoding)
    if decoded.note:
        release.warnings.insert(0, f"{path}: {decoded.note}")
    return release


@dataclass
class Corpus:
    root: Path
    src_lang: str
    tgt_lang: str
    pairs: list[tuple[Release, Release]] = field(default_factory=list)
    unpaired: list[Release] = field(default_factory=list)   # a release with no counterpart
    warnings: list[str] = field(default_factory=list)


def _shown(path: Path) -> str:
    """A path for a one-line message: as is, or quoted when it holds a line break
    or another non-printable character."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _release_files(folder: Path, root: Path, warnings: list[str]) -> dict[str, Path]:
    """The release files of one language folder by id. Hidden files and other
    suffixes are ignored; an invalid id, a symlink that points outside the
    corpus, or something that is not a regular file (a folder, a FIFO) is skipped
    with a warning; the same id twice (a .txt and an .html) is an error."""
    files: dict[str, Path] = {}
    real_root = root.resolve()
    # os.scandir: the entry's type comes with the listing (no stat per file of a large archive)
    with os.scandir(folder) as listing:
        entries = sorted((entry for entry in listing if not entry.name.startswith(".")
                          and os.path.splitext(entry.name)[1].lower() in RELEASE_SUFFIXES),
                         key=lambda entry: entry.name)
    for entry in entries:
        path = folder / entry.name
        if entry.is_symlink() and not path.resolve().is_relative_to(real_root):
            warnings.append(f"{_shown(path)}: skipped: a symbolic link pointing outside the corpus")
            continue
        if not entry.is_file():
            # a folder, a FIFO (reading it would block), a device, a dangling link
            warnings.append(f"{_shown(path)}: skipped: not a regular file")
            continue
        if not RELEASE_ID.fullmatch(path.stem):
            warnings.append(f"{_shown(path)}: skipped: {path.stem!r} is not a valid release id")
            continue
        if path.stem in files:
            raise InputError(f"release {path.stem!r} is there twice ({files[path.stem].name} and "
                             f"{path.name}); keep one", folder)
        files[path.stem] = path
    return files


@dataclass
class CorpusListing:
    """The release files of a corpus, paired by id, not read yet (see list_corpus)."""

    root: Path
    src_lang: str
    tgt_lang: str
    # (release id, source file or None, target file or None), sorted by id
    entries: list[tuple[str, Path | None, Path | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)   # from listing the folders


def list_corpus(root: str | Path, src_lang: str = "ru", tgt_lang: str = "en") -> CorpusListing:
    """The release files of a corpus folder paired by id (sorted by id), without reading them;
    the listing's warnings (invalid ids, links outside the corpus, ...) in `warnings`."""
    root = Path(root)
    if not root.is_dir():
        raise InputError("corpus folder not found", root)
    listing = CorpusListing(root, src_lang, tgt_lang)
    sides = {}
    for lang in (src_lang, tgt_lang):
        folder = root / lang
        if not folder.is_dir():
            raise InputError(f"corpus has no '{lang}/' folder", root)
        if folder.is_symlink() and not folder.resolve().is_relative_to(root.resolve()):
            listing.warnings.append(f"{folder}: a symbolic link pointing outside the corpus; "
                                    "read anyway (it is the whole side)")
        sides[lang] = _release_files(folder, root, listing.warnings)
    src_files, tgt_files = sides[src_lang], sides[tgt_lang]
    for release_id in sorted(set(src_files) | set(tgt_files)):
        listing.entries.append((release_id, src_files.get(release_id), tgt_files.get(release_id)))
    return listing


def no_counterpart_warning(path: Path, other_lang: str) -> str:
    return f"{path}: no {other_lang} counterpart; not aligned"


def load_corpus(root: str | Path, src_lang: str = "ru", tgt_lang: str = "en") -> Corpus:
    """Read every release of a corpus folder and pair them by id (sorted by id)."""
    listing = list_corpus(root, src_lang, tgt_lang)
    corpus = Corpus(listing.root, src_lang, tgt_lang, warnings=list(listing.warnings))
    for _, src_path, tgt_path in listing.entries:
        if src_path is not None and tgt_path is not None:
            pair = (read_release(src_path, src_lang), read_release(tgt_path, tgt_lang))
            corpus.pairs.append(pair)
            for release in pair:
                corpus.warnings.extend(release.warnings)
        else:
            path, lang, other = ((src_path, src_lang, tgt_lang) if src_path is not None
                                 else (tgt_path, tgt_lang, src_lang))
            release = read_release(path, lang)
            corpus.unpaired.append(release)
            corpus.warnings.extend(release.warnings)
            corpus.warnings.append(no_counterpart_warning(path, other))
    return corpus
