"""Atomic file writing: a temporary file in the same folder, flushed to the disk
(fsync), then renamed.

A run killed at any moment (or a power cut) leaves either the old file or the
new one, never a partial file. Inside `all_or_nothing()`, the renames wait
until every file of the batch is written, so a failure half-way (a folder that
cannot be written, a full disk) leaves all the previous exports as they were,
not a mix. There the fsyncs run in a background thread while the caller goes
on (a `tm align` run writes a PO file per pair, and an fsync can block for a
tenth of a second while the disk is busy: the worker processes then ran out of
pairs); the batch waits for them all before its renames.
"""
from __future__ import annotations

import os
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from .models import InputError


class _Batch:
    """The files of an all_or_nothing() block: (temporary file, target) pairs to
    rename at its end, and their fsyncs, running in one background thread."""

    def __init__(self):
        self.renames: list[tuple[str, Path]] = []
        self._syncs: deque[tuple[Future, Path]] = deque()
        self._thread: ThreadPoolExecutor | None = None
        self._failed: InputError | None = None

    def sync_later(self, tmp: str, path: Path) -> None:
        """fsync the written file `tmp` in the background (opened again by its name
        there, so that no descriptor is held while it waits)."""
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tm-fsync")
        self._syncs.append((self._thread.submit(_sync, tmp), path))
        while self._syncs and self._syncs[0][0].done():
            self._settle()

    def wait(self) -> None:
        """Wait for every fsync; the first that failed raises an InputError naming its file."""
        while self._syncs:
            self._settle()
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        failed, self._failed = self._failed, None
        if failed is not None:
            raise failed

    def _settle(self) -> None:
        future, path = self._syncs.popleft()
        exc = future.exception()           # waits for it
        if exc is not None and self._failed is None:
            self._failed = InputError(f"cannot write: {getattr(exc, 'strerror', None) or exc}", path)


def _sync(tmp: str) -> None:
    fd = os.open(tmp, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# the all_or_nothing() block being run, if any
_pending: ContextVar[_Batch | None] = ContextVar("_pending", default=None)


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
    batch = _pending.get()
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            if batch is None:
                os.fsync(fh.fileno())
        if batch is None:
            os.replace(tmp, path)
        else:     # synced in the background; the batch renames it once every fsync is done
            batch.sync_later(tmp, path)
            batch.renames.append((tmp, path))
    except BaseException:
        _discard(tmp)
        raise


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Every atomic_open() inside is renamed into place only when the block succeeds
    and every file of it is on the disk (an fsync that failed: an InputError naming
    the file, and nothing renamed)."""
    batch = _Batch()
    token = _pending.set(batch)
    try:
        yield
        batch.wait()
    except BaseException:
        try:
            batch.wait()
        except InputError:
            pass
        for tmp, _ in batch.renames:
            _discard(tmp)
        raise
    finally:
        _pending.reset(token)
    for tmp, path in batch.renames:
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
