"""The plain data that flows between the stages.

corpus  -> Release (text split into paragraphs, boilerplate set aside)
segment -> Sentence (exact slices of a Release's text)
align   -> Bead (which source sentences go with which target sentences)
check   -> Finding (a terminology or number problem in one bead)
export  -> TranslationUnit (one source/target pair, ready to write)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

RELEASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class InputError(Exception):
    """Bad usage or bad input: the CLI prints it on one line and exits 2.

    `path` and `line` (1-based) name where the problem is, when known."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + self.message


@dataclass(frozen=True)
class Paragraph:
    """A block of text between blank lines."""

    text: str      # exact slice of Release.text
    start: int     # offset of text in Release.text
    line: int      # 1-based line number of its first line in the file


@dataclass
class Release:
    """One press release in one language, as read from the corpus."""

    release_id: str
    lang: str
    path: Path
    text: str                                   # decoded and normalised
    paragraphs: list[Paragraph]                 # content, in order; the first is the headline
    boilerplate: list[Paragraph] = field(default_factory=list)  # navigation lines set aside
    date: str | None = None                     # YYYY-MM-DD, from the id where it has one
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)
    # offset in `text` -> the Unicode space (NBSP, narrow NBSP, ...) that normalisation
    # replaced by " " there; the exports put it back, so that a TMX unit equals the
    # segment a CAT tool reads from the original document.
    original_spaces: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sentence:
    """A sentence: an exact slice text == release.text[start:end]."""

    index: int       # 0-based among the release's content sentences
    text: str
    start: int
    end: int
    paragraph: int   # 0-based index into Release.paragraphs
    line: int        # 1-based line in the file where the sentence starts


@dataclass(frozen=True)
class Bead:
    """An alignment bead: consecutive source and target sentence indices.

    Written in the public benchmark format as `[i, j]:[k]`."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float = 1.0   # confidence in [0, 1]

    @property
    def kind(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"

    def format(self) -> str:
        def side(ix: tuple[int, ...]) -> str:
            return "[" + ", ".join(str(i) for i in ix) + "]"

        return f"{side(self.src)}:{side(self.tgt)}"

    @classmethod
    def parse(cls, line: str) -> "Bead":
        """Parse `[0, 1]:[2]` (a trailing `:score` or TAB score is allowed)."""
        text = line.strip().split("\t")[0]
        parts = text.split(":")
        if len(parts) < 2:
            raise ValueError(f"not a bead: {line!r}")

        def side(s: str) -> tuple[int, ...]:
            s = s.strip()
            if not (s.startswith("[") and s.endswith("]")):
                raise ValueError(f"not a bead side: {s!r}")
            inner = s[1:-1].strip()
            return tuple(int(x) for x in inner.split(",")) if inner else ()

        score = 1.0
        if len(parts) > 2 and parts[2].strip():
            score = float(parts[2])
        elif "\t" in line.strip():
            score = float(line.strip().split("\t")[1])
        return cls(side(parts[0]), side(parts[1]), score)


@dataclass
class AlignedRelease:
    """A release pair after segmentation and alignment."""

    release_id: str
    src: Release
    tgt: Release
    src_sentences: list[Sentence]
    tgt_sentences: list[Sentence]
    beads: list[Bead]
    confidence: float = 1.0      # document-level: is tgt really a translation of src?


@dataclass(frozen=True)
class Finding:
    """One problem found by `tm check` in one bead."""

    release: str
    rule: str                 # deprecated-term | missing-term | year-mismatch | number-mismatch
    severity: str             # error | warning
    message: str
    src_index: int | None     # first source sentence index of the bead
    tgt_index: int | None     # first target sentence index of the bead
    src_text: str
    tgt_text: str
    concept: str | None = None
    found: str | None = None
    expected: str | None = None
    file: str | None = None   # the English (target) release file
    line: int | None = None   # 1-based line in that file


@dataclass(frozen=True)
class TranslationUnit:
    """One source/target pair ready for export (TMX unit, PO entry)."""

    release_id: str
    date: str | None
    src_lang: str
    tgt_lang: str
    source: str
    target: str
    bead_kind: str
    score: float
    src_indices: tuple[int, ...]
    tgt_indices: tuple[int, ...]
    src_file: str             # path of the source release, relative to the corpus
    src_line: int             # 1-based line of the first source sentence
    notes: tuple[str, ...] = ()   # glossary findings, one line each
