"""The options of a run as one object, and the one place the environment is read.

`Config` is frozen and picklable: the CLI makes it (`Config.from_environ(...)`
with the command's arguments) and passes it down; worker processes and Dask
workers get it with their jobs and build what they need from it (the encoder:
`Config.embedder()`). Nothing below the CLI reads the environment for these
settings.

The environment (read by `from_environ`, defaults in brackets):

- TM_CACHE_DIR: the cache folder (results.sqlite, vectors.sqlite); 0, off, no,
  false or none: no cache [$XDG_CACHE_HOME/tm, else ~/.cache/tm]
- TM_EMBED_WORKERS: processes that encode one large call (400 texts or more)
  [the number of CPUs, at most 2]; worker processes of `--jobs N` and Dask
  workers always use 1
- TM_VECTOR_STORE_MAX_MB, TM_RESULT_STORE_MAX_MB: size caps of the two stores [2048]
- SOURCE_DATE_EPOCH: the date of exports whose releases have none [none]
- TM_DASK_TIMEOUT: seconds to reach the Dask scheduler [30]
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from .align.options import DEFAULT_MIN_SCORE, FUZZY_SCORE, MODES

STORE_MAX_MB = 2048
DASK_TIMEOUT_S = 30.0

# The fields that decide a pair's result (the result store's key); the others say how it runs.
RESULT_FIELDS = ("src_lang", "tgt_lang", "mode", "min_score", "profile", "fuzzy_below", "source_date_epoch")


@dataclass(frozen=True)
class Config:
    src_lang: str = "ru"
    tgt_lang: str = "en"
    mode: str = "default"                  # a key of tm.align.MODES (--mode)
    min_score: float = DEFAULT_MIN_SCORE   # beads under it are left out of the TMX
    profile: str = "generic"               # export profile (language codes, length limit)
    fuzzy_below: float = FUZZY_SCORE       # PO entries under it are fuzzy
    source_date_epoch: str | None = None   # SOURCE_DATE_EPOCH: the date of releases without one
    # how, not what: never part of a result's key
    workers: int | None = None             # encoding processes of one large call (None: tm.embed's default)
    cache_dir: Path | None = None          # None: no result store, no vector store
    vector_store_max_bytes: int = STORE_MAX_MB * 1_000_000
    result_store_max_bytes: int = STORE_MAX_MB * 1_000_000
    dask_timeout: float = DASK_TIMEOUT_S
    # the aligner's options of `mode`, resolved once: sorted (name, value) items of tm.align.Options
    align: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            options = MODES[self.mode]
        except KeyError:
            raise ValueError(f"unknown aligner mode {self.mode!r} (choose {', '.join(MODES)})") from None
        object.__setattr__(self, "align", tuple(sorted(options.items())))

    @property
    def align_options(self) -> dict:
        """Keyword arguments of tm.align.align for `mode`."""
        return dict(self.align)

    @property
    def uses_embeddings(self) -> bool:
        return self.align_options.get("use_embeddings", True)

    def export_profile(self):
        """The export profile `profile` names (tm/export reads tm/data/profiles/ once)."""
        from .export import load_profile

        return load_profile(self.profile)

    def encoder(self):
        """A new usem3 encoder for tm.align (an Embedder of its own: for a command that
        aligns in this process only; the pipeline keeps one per process)."""
        from .align import Usem3

        return Usem3(self.embedder(), self.workers)

    def result_fields(self) -> dict:
        """What decides a pair's result besides the pair, the glossary and the code."""
        return {name: getattr(self, name) for name in RESULT_FIELDS}

    def replace(self, **changes) -> "Config":
        return replace(self, **changes)

    def embedder(self, model=None):
        """A new tm.embed.Embedder with this run's vector cache and encoding processes
        (`model`: share one already loaded)."""
        from .embed import Embedder

        return Embedder(cache_dir=self.cache_dir, workers=self.workers,
                        store_max_bytes=self.vector_store_max_bytes, model=model)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **fields) -> "Config":
        """A Config from `fields` and, for what they leave out, the environment (above)."""
        env = os.environ if environ is None else environ
        values = {"cache_dir": cache_dir_from(env),
                  "workers": _int(env, "TM_EMBED_WORKERS", None),
                  "vector_store_max_bytes": _int(env, "TM_VECTOR_STORE_MAX_MB", STORE_MAX_MB) * 1_000_000,
                  "result_store_max_bytes": _int(env, "TM_RESULT_STORE_MAX_MB", STORE_MAX_MB) * 1_000_000,
                  "source_date_epoch": env.get("SOURCE_DATE_EPOCH"),
                  "dask_timeout": _float(env, "TM_DASK_TIMEOUT", DASK_TIMEOUT_S)}
        values.update(fields)
        return cls(**values)


def cache_dir_from(env: Mapping[str, str]) -> Path | None:
    """The cache folder: $TM_CACHE_DIR, else $XDG_CACHE_HOME/tm, else ~/.cache/tm.
    TM_CACHE_DIR=0 (or "off", "no", "false", "none") -> None: no caching at all."""
    value = env.get("TM_CACHE_DIR", "").strip()
    if value.lower() in ("0", "off", "no", "false", "none"):
        return None
    if value:
        return Path(value).expanduser()
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    try:
        base = Path(xdg) if xdg else Path.home() / ".cache"
    except RuntimeError:      # no home directory to be found
        return None
    return base / "tm"


def _int(env: Mapping[str, str], name: str, default):
    value = env.get(name)
    if not value:
        return default
    return max(1, int(value)) if name == "TM_EMBED_WORKERS" else int(value)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(env.get(name, default))
    except ValueError:
        return default
