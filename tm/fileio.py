"""Atomic file writing: a temporary file in the same folder, flushed, then renamed.

A run killed at any moment leaves either the old file or the new one, never a
partial file. Inside `all_or_nothing()`, the renames wait until every file of
the batch is written, so a failure half-way (a folder that cannot be written, a
full disk) leaves all the previous exports as they were, not a mix.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO, Iterator

# (temporary file, target) pairs waiting for the end of an all_or_nothing() batch
_pending: ContextVar[list[tuple[str, Path]] | None] = ContextVar("_pending", default=None)


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


@contextmanager
def atomic_open(path: str | Path) -> Iterator[BinaryIO]:
    """Open a temporary file beside `path` for binary writing; rename it over `path` on success
    (at the end of the enclosing all_or_nothing() batch, if there is one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        pending = _pending.get()
        if pending is None:
            os.replace(tmp, path)
        else:
            pending.append((tmp, path))
    except BaseException:
        _discard(tmp)
        raise


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Every atomic_open() inside is renamed into place only when the block succeeds."""
    pending: list[tuple[str, Path]] = []
    token = _pending.set(pending)
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            _discard(tmp)
        raise
    finally:
        _pending.reset(token)
    for tmp, path in pending:
        os.replace(tmp, path)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path) as fh:
        fh.write(data)
