"""Access to the language data files shipped under tm/data/."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


def data_path(*parts: str) -> Path:
    return DATA_DIR.joinpath(*parts)


@lru_cache(maxsize=None)
def read_lines(*parts: str) -> tuple[str, ...]:
    """The non-empty, non-comment lines of a data file (missing file: empty)."""
    path = data_path(*parts)
    if not path.exists():
        return ()
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return tuple(lines)
