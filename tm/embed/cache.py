"""Vectors already computed: a bounded in-process LRU over one SQLite file in the
cache folder (tm/store.py: a size cap with least-recently-used eviction).

A vector depends on its text alone, never on what else was encoded with it, so
the cache never changes results. No cache folder (None): the LRU only. An
unusable store is no store, never an error.

New vectors reach the file in batches of `FLUSH_ROWS`, not in one write per
call: each new row costs a random page of the key index, and a page written
once for many rows is what a batch saves (a release pair brings about 60
vectors; one write per pair cost 1.7-4 ms as the store grew, a write per 2,048
rows less than half of that per row). A batch not yet written goes to the file
on `flush()`, `clear()`, `close()`, and when the process ends (also a worker
process of multiprocessing, which skips atexit).
"""
from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from multiprocessing import util as mp_util
from pathlib import Path

import numpy as np

from ..blas import blas_kernel
from .model import DIM, VECTOR_VERSION

VECTOR_STORE = "vectors.sqlite"
# Disk store size cap (bytes); a 512-float vector takes about 2.1 kB with its key.
# tm align: $TM_VECTOR_STORE_MAX_MB (tm/config.py).
STORE_MAX_BYTES = 2048 * 1_000_000
MEMORY_MAX = 20_000          # vectors kept in-process (about 40 MB)
FLUSH_ROWS = 2_048           # new vectors (about 4 MB) held before they are written in one transaction


def vector_key(kind: str, text: str) -> str:
    return hashlib.sha1(f"{kind}\0{text}".encode("utf-8")).hexdigest()


class _Disk:
    """The store of a cache folder, opened once per process (a fork opens its own
    connection), and this process's new vectors waiting to be written to it."""

    def __init__(self, folder: Path, max_bytes: int):
        self.folder = folder
        self.max_bytes = max_bytes
        self.warning: str | None = None
        self._store = None
        self._pid: int | None = None
        self.pending: list[tuple[str, bytes]] = []
        self._pending_pid: int | None = None

    def store(self):
        pid = os.getpid()
        if self._pid != pid:
            self._store, self._pid = None, pid      # a forked child never uses its parent's connection
            from ..store import Store

            try:
                # the BLAS kernels are part of what a vector was computed with (tm/blas.py)
                self._store = Store(self.folder / VECTOR_STORE, kind="vectors",
                                    version=f"{VECTOR_VERSION}/{blas_kernel()}",
                                    max_bytes=self.max_bytes)
                self.warning = self._store.warning
            except Exception:   # an unusable cache is no cache, never an error
                self._store = None
        return self._store

    def add(self, owner, items: list[tuple[str, bytes]]) -> None:
        pid = os.getpid()
        if self._pending_pid != pid:
            # a forked child does not write what its parent still holds; every
            # process writes its own batch when it ends (or `owner` is collected)
            self.pending, self._pending_pid = [], pid
            mp_util.Finalize(owner, self.flush, exitpriority=10)
        self.pending.extend(items)
        if len(self.pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self._pending_pid != os.getpid() or not self.pending:
            return
        items, self.pending = self.pending, []
        store = self.store()
        if store is not None:
            try:
                store.put_many(items)
            except Exception:
                pass

    def close(self) -> None:
        self.flush()
        if self._store is not None and self._pid == os.getpid():
            self._store.close()
        self._store, self._pid = None, None


class VectorCache:
    """The in-process LRU (`memory_max` vectors) and the disk store of `folder`."""

    def __init__(self, folder: Path | None = None, *, max_bytes: int = STORE_MAX_BYTES,
                 memory_max: int = MEMORY_MAX):
        self.memory_max = memory_max
        self.memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._disk = _Disk(folder, max_bytes) if folder is not None else None

    @property
    def warning(self) -> str | None:
        """One line if the store was found corrupt or stale and rebuilt."""
        return self._disk.warning if self._disk is not None else None

    def store(self):
        """The disk store, or None (no folder, or unusable)."""
        return self._disk.store() if self._disk is not None else None

    def _remember(self, key: str, vec: np.ndarray) -> None:
        memory = self.memory
        memory[key] = vec
        memory.move_to_end(key)
        while len(memory) > self.memory_max:
            memory.popitem(last=False)

    def lookup(self, keys: list[str], disk: bool = True) -> dict[str, np.ndarray]:
        """The vectors of those keys that are kept (disk False: in this process only)."""
        found = {}
        rest = []
        memory = self.memory
        for k in keys:
            v = memory.get(k)
            if v is not None:
                memory.move_to_end(k)
                found[k] = v
            else:
                rest.append(k)
        store = self.store() if rest and disk else None
        if store is not None:
            try:
                for k, blob in store.get_many(rest).items():
                    if len(blob) == DIM * 4:
                        v = np.frombuffer(blob, dtype=np.float32).copy()
                        found[k] = v
                        self._remember(k, v)
            except Exception:
                pass
        return found

    def save(self, items: list[tuple[str, np.ndarray]], disk: bool = True) -> None:
        """Keep new vectors (disk False: in this process only)."""
        for k, v in items:
            self._remember(k, v)
        if self._disk is not None and items and disk:
            self._disk.add(self, [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in items])

    def flush(self) -> None:
        """Write this process's new vectors to the store now."""
        if self._disk is not None:
            self._disk.flush()

    def clear(self) -> None:
        """Forget the in-process vectors (the disk store stays, with the new ones written)."""
        self.flush()
        self.memory.clear()

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()
