"""Vectors already computed: a bounded in-process LRU over one SQLite file in the
cache folder (tm/store.py: a size cap with least-recently-used eviction).

A vector depends on its text alone, never on what else was encoded with it, so
the cache never changes results. No cache folder (None): the LRU only. An
unusable store is no store, never an error.
"""
from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .model import DIM, VECTOR_VERSION

VECTOR_STORE = "vectors.sqlite"
# Disk store size cap (bytes); a 512-float vector takes about 2.1 kB with its key.
# tm align: $TM_VECTOR_STORE_MAX_MB (tm/config.py).
STORE_MAX_BYTES = 2048 * 1_000_000
MEMORY_MAX = 20_000          # vectors kept in-process (about 40 MB)


def vector_key(kind: str, text: str) -> str:
    return hashlib.sha1(f"{kind}\0{text}".encode("utf-8")).hexdigest()


class VectorCache:
    """The in-process LRU (`memory_max` vectors) and the disk store of `folder`."""

    def __init__(self, folder: Path | None = None, *, max_bytes: int = STORE_MAX_BYTES,
                 memory_max: int = MEMORY_MAX):
        self.folder = folder
        self.max_bytes = max_bytes
        self.memory_max = memory_max
        self.memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self.warning: str | None = None     # one line if the store was found corrupt or stale and rebuilt
        self._store = None
        self._pid: int | None = None        # the process that opened the store (a fork opens its own)

    def store(self):
        """The disk store, or None (no folder, or unusable)."""
        if self.folder is None:
            return None
        pid = os.getpid()
        if self._pid != pid:
            self._store, self._pid = None, pid      # a forked child never uses its parent's connection
            from ..store import Store

            try:
                self._store = Store(self.folder / VECTOR_STORE, kind="vectors", version=VECTOR_VERSION,
                                    max_bytes=self.max_bytes)
                self.warning = self._store.warning
            except Exception:   # an unusable cache is no cache, never an error
                self._store = None
        return self._store

    def _remember(self, key: str, vec: np.ndarray) -> None:
        memory = self.memory
        memory[key] = vec
        memory.move_to_end(key)
        while len(memory) > self.memory_max:
            memory.popitem(last=False)

    def lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
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
        store = self.store() if rest else None
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

    def save(self, items: list[tuple[str, np.ndarray]]) -> None:
        for k, v in items:
            self._remember(k, v)
        store = self.store() if items else None
        if store is not None:
            try:
                store.put_many([(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in items])
            except Exception:
                pass

    def clear(self) -> None:
        """Forget the in-process vectors (the disk store stays)."""
        self.memory.clear()

    def close(self) -> None:
        if self._store is not None and self._pid == os.getpid():
            self._store.close()
        self._store, self._pid = None, None
