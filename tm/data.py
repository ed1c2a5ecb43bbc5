"""Access to the language data files shipped under tm/data/.

Every data file is UTF-8 text: `#` lines are comments, blank lines are skipped,
and each line is stripped of surrounding whitespace. A table (`.tsv`) has a fixed
number of TAB-separated fields per row, each stripped. The readers are strict: a
missing file or a row with the wrong number of fields is an InputError naming the
file and the line, so a misspelt name or a broken row never reads as "no data".
Files that exist for some languages only (abbreviations/<lang>.txt, ...) are read
with `optional=True`: a language without one has no such data.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .models import InputError

DATA_DIR = Path(__file__).parent / "data"


def data_path(*parts: str) -> Path:
    return DATA_DIR.joinpath(*parts)


@lru_cache(maxsize=None)
def _numbered_lines(parts: tuple[str, ...], optional: bool) -> tuple[tuple[int, str], ...]:
    path = data_path(*parts)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if optional:
            return ()
        raise InputError("data file not found", path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read data file: {e}", path) from None
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append((number, line))
    return tuple(lines)


@lru_cache(maxsize=None)
def read_lines(*parts: str, optional: bool = False) -> tuple[str, ...]:
    """The non-empty, non-comment lines of a data file, stripped. A missing file is
    an InputError, or no lines with `optional`."""
    return tuple(line for _number, line in _numbered_lines(parts, optional))


@lru_cache(maxsize=None)
def read_table(*parts: str, columns: int, optional: bool = False) -> tuple[tuple[str, ...], ...]:
    """The rows of a TAB-separated data file, each exactly `columns` stripped fields.
    A row with another number of fields is InputError(path, line); a missing file
    too, or no rows with `optional`."""
    rows = []
    for number, line in _numbered_lines(parts, optional):
        fields = tuple(f.strip() for f in line.split("\t"))
        if len(fields) != columns:
            raise InputError(f"expected {columns} TAB-separated fields, got {len(fields)}",
                             data_path(*parts), number)
        rows.append(fields)
    return tuple(rows)
