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
from typing import BinaryIO, Iterable, Iterator

from .models import InputError

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


def write_public(path: str | Path, data: bytes | Iterable[bytes]) -> None:
    """Write a file for sharing (an export, a glossary) from its bytes or its pieces:
    atomically (inside all_or_nothing(): renamed with the others at the end), readable
    like a file open() creates (mkstemp's 0600 widened by the umask), and any OSError
    as an InputError naming the file."""
    path = Path(path)
    try:
        with atomic_open(path) as fh:
            mask = os.umask(0)
            os.umask(mask)
            os.fchmod(fh.fileno(), 0o666 & ~mask)
            for piece in ((data,) if isinstance(data, (bytes, bytearray, memoryview)) else data):
                fh.write(piece)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", path) from None
