"""Where the per-pair work runs: in this process, in worker processes, or on a Dask cluster.

Every executor maps one picklable top-level function over jobs and hands the
results back **in submission order** (`OrderedMap`), with a bounded number of
jobs in flight, so the caller can stream them into the writers and memory does
not grow with the number of jobs.

- `InProcess`: runs each job when it is submitted (`--jobs 1`).
- `Processes`: `concurrent.futures.ProcessPoolExecutor` with N workers (`--jobs N`).
- `Dask`: a `distributed.Client` connected to a scheduler (`--executor dask
  --scheduler tcp://HOST:PORT`); the optional extra `tm[cluster]`. The workers
  need tm (the same version) installed; they get the release bytes with each
  job, so they need not see the corpus folder.

The function gets `(job, shared, options)`; `shared` (the glossary) is sent to
each worker once, not with every job; `options` (tm/config.py's Config, frozen
and picklable) carries everything else a worker needs, so no environment is
passed on.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections import deque
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from .models import InputError
from .text import fold_spaces

# Allocations between two collections of the youngest generation while pairs are
# processed (Python's default is 700): the aligner makes many short-lived tuples and
# sets, and collecting every 700 took about 2.4% of a run (1.3 s over 1,000 pairs
# with --jobs 1); at 20,000, a third of that. Cyclic garbage, which only the
# collector frees, is rare here, so memory does not grow with it.
GC_YOUNG_THRESHOLD = 20_000


@contextmanager
def fewer_collections():
    """Collect the youngest generation every GC_YOUNG_THRESHOLD allocations while
    the block runs (worker processes forked in it inherit the setting)."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], GC_YOUNG_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):          # not Linux
        return max(1, os.cpu_count() or 1)


class InProcess:
    """Runs each job in this process, when it is submitted."""

    in_flight = 1

    def __init__(self, fn: Callable, shared: Any, options: Any):
        self._fn, self._shared, self._options = fn, shared, options

    def submit(self, job) -> Any:
        return self._fn(job, self._shared, self._options)

    @staticmethod
    def result(handle) -> Any:
        return handle

    def close(self) -> None:
        pass


# --- worker processes of this machine ------------------------------------------------

_worker_state: dict[str, Any] = {}


def _init_worker(fn: Callable, shared: Any, options: Any) -> None:
    _worker_state.update(fn=fn, shared=shared, options=options)


def _run_in_worker(job) -> Any:
    return _worker_state["fn"](job, _worker_state["shared"], _worker_state["options"])


class Processes:
    """A pool of N worker processes (fork where the platform has it, so the workers
    start with tm already imported)."""

    def __init__(self, fn: Callable, shared: Any, options: Any, workers: int):
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin"
                                              else None)
        self.in_flight = 2 * workers
        # what this process holds now (the model, the dictionaries) is left out of
        # the collector's scans, so a forked worker's collections neither walk nor
        # copy the pages it shares with this process
        self._frozen = context.get_start_method() == "fork"
        if self._frozen:
            gc.freeze()
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                         initargs=(fn, shared, options))

    def submit(self, job):
        return self._pool.submit(_run_in_worker, job)

    @staticmethod
    def result(handle) -> Any:
        return handle.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._frozen:
            gc.unfreeze()
            self._frozen = False


# --- a Dask cluster ------------------------------------------------------------------

class Dask:
    """Jobs submitted to a Dask distributed scheduler (`distributed.Client(address)`)."""

    def __init__(self, fn: Callable, shared: Any, options: Any, address: str, connect_timeout: float = 30.0):
        try:
            from distributed import Client
        except ImportError:
            raise InputError("--executor dask needs the 'distributed' package: "
                             "pip install 'tm[cluster]'") from None
        if not address:
            raise InputError("--executor dask needs --scheduler tcp://HOST:PORT")
        try:
            self._client = Client(address, timeout=connect_timeout, set_as_default=False)
        except Exception as exc:        # OSError, TimeoutError, ValueError (a bad address), ...
            message = fold_spaces(str(exc)) or type(exc).__name__
            raise InputError(f"cannot reach the Dask scheduler at {address}: {message}") from None
        self._fn, self._options = fn, options
        self._shared = self._client.scatter(shared, broadcast=True, hash=False) if shared is not None else None
        threads = sum(self._client.nthreads().values())
        self.in_flight = max(4, 2 * threads)
        self.warning = self._kernel_warning(address)

    def _kernel_warning(self, address: str) -> str | None:
        """A warning when the workers' BLAS kernels are not this machine's (tm/blas.py):
        their vectors may then differ in the last bits, and the exports from a local run."""
        from .blas import KERNEL_VARIABLE, blas_kernel

        here = blas_kernel()
        try:
            theirs = sorted(set(self._client.run(blas_kernel).values()) - {here})
        except Exception:               # pragma: no cover - a worker that cannot answer
            return None
        if not theirs:
            return None
        chosen = os.environ.get(KERNEL_VARIABLE)
        how = f" (start them with {KERNEL_VARIABLE}={chosen})" if chosen else ""
        return (f"the Dask workers at {address} compute with BLAS kernels {'; '.join(theirs)}, this machine "
                f"with {here}: vectors may differ in their last bits, and the exports from a local run{how}")

    def submit(self, job):
        return self._client.submit(self._fn, job, self._shared, self._options, pure=False)

    @staticmethod
    def result(handle) -> Any:
        return handle.result()

    def close(self) -> None:
        try:
            self._client.close()
        except Exception:               # pragma: no cover - closing a dead connection
            pass


def make_executor(kind: str, fn: Callable, shared: Any, options: Any, *, jobs: int | None = None,
                  scheduler: str | None = None, connect_timeout: float = 30.0):
    """`kind` local (jobs 1: in this process, else worker processes) or dask
    (`connect_timeout`: seconds to reach the scheduler)."""
    if kind == "dask":
        return Dask(fn, shared, options, scheduler or "", connect_timeout)
    if kind != "local":
        raise InputError(f"unknown executor {kind!r} (choose local or dask)")
    jobs = usable_cores() if jobs is None else jobs
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1 (got {jobs})")
    return InProcess(fn, shared, options) if jobs == 1 else Processes(fn, shared, options, jobs)


class OrderedMap:
    """Streams results in the order of the entries, with at most `in_flight` jobs running.

    Each entry is ("ready", value) (a result already known: a cache hit, an error
    found while reading) or ("job", job) (to be computed). The executor is created
    only when the first job needs one (`factory()`), so a run whose every result is
    known starts no worker."""

    def __init__(self, factory: Callable[[], Any], window: int | None = None):
        self._factory = factory
        self._executor = None
        self._window = window

    def map(self, entries: Iterable[tuple[str, Any]]) -> Iterator[tuple[Any, bool]]:
        """Yields (result, computed) in entry order (computed False: it was ready)."""
        pending: deque = deque()
        running = 0
        for kind, value in entries:
            if kind == "job":
                if self._executor is None:
                    self._executor = self._factory()
                pending.append(("job", self._executor.submit(value)))
                running += 1
            else:
                pending.append(("ready", value))
            limit = self._window or (self._executor.in_flight if self._executor is not None else 1)
            # bounded: neither the jobs in flight nor the results waiting behind them grow
            while pending and (running >= limit or len(pending) > 2 * max(limit, 8)
                               or pending[0][0] == "ready"):
                kind0, handle = pending.popleft()
                if kind0 == "job":
                    running -= 1
                    yield self._executor.result(handle), True
                else:
                    yield handle, False
        while pending:
            kind0, handle = pending.popleft()
            yield (self._executor.result(handle), True) if kind0 == "job" else (handle, False)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None
