"""Which of OpenBLAS's kernels numpy's matrix products run on, chosen before numpy loads.

tm's sentence vectors must not depend on what a sentence was encoded with: the
vector cache, `--jobs N` and a Dask cluster all give the exports of `--jobs 1`
only if a row of a matrix product gets the same numbers whatever rows are
multiplied with it. OpenBLAS's AVX-512 kernels (its SkylakeX target) give
that; its AVX2 kernels (Haswell) do not: there a row's result changes with the
number of rows and its place among them (benchmarks/blas_rows.py).

OpenBLAS 0.3.31, the one in numpy 2.4's wheels, takes AMD Zen 5 processors,
which have AVX-512, for Haswell (OpenMathLib/OpenBLAS#6029, fixed after that
release), and machines are met where OPENBLAS_CORETYPE=Haswell is set for
every process. On this kind of machine the AVX-512 kernels are also about 1.9
times as fast. So where the processor has the AVX-512 subsets the SkylakeX
kernels use, tm asks OpenBLAS for them (OPENBLAS_CORETYPE=SkylakeX) unless
another AVX-512 target was asked for or numpy is already loaded: every
AVX-512 machine then runs the same kernels, and the processes tm starts
(worker processes, a test's Dask workers) inherit the choice. A process that
loaded numpy before tm keeps what OpenBLAS chose. On a processor without
AVX-512, OpenBLAS's AVX2 kernels are all there is, and a vector may differ in
its last bits with what it was encoded with (docs/large-archives.md).
"""
from __future__ import annotations

import os
import sys
from functools import cache

KERNEL_VARIABLE = "OPENBLAS_CORETYPE"
# What OpenBLAS's SkylakeX kernels need of the processor (Linux names of the flags).
AVX512_FLAGS = frozenset({"avx512f", "avx512bw", "avx512dq", "avx512vl"})
AVX512_KERNELS = "SkylakeX"
# OpenBLAS's AVX-512 targets: a choice of one of these is kept.
AVX512_TARGETS = frozenset({"skylakex", "cooperlake", "sapphirerapids"})


def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str]:
    """The processor's feature flags as Linux reports them (empty elsewhere). Linux
    leaves out what the operating system does not enable, such as AVX-512 state."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def choose_kernels(environ=os.environ, flags: frozenset[str] | None = None, modules=sys.modules) -> str | None:
    """Set OPENBLAS_CORETYPE to the AVX-512 kernels where the processor has them and no
    AVX-512 target is set already; returns what was set (None: nothing). `modules`: a
    process whose numpy is loaded already keeps its kernels."""
    if environ.get(KERNEL_VARIABLE, "").lower() in AVX512_TARGETS or "numpy" in modules:
        return None
    # only x86 processors report these flags (others have no "flags" line at all)
    if not AVX512_FLAGS <= (cpu_flags() if flags is None else flags):
        return None
    environ[KERNEL_VARIABLE] = AVX512_KERNELS
    return AVX512_KERNELS


@cache
def blas_kernel() -> str:
    """The BLAS numpy's products run on in this process, as "openblas Haswell",
    "openblas SkylakeX", "mkl", ...: part of what a stored vector or result was computed with."""
    import numpy  # noqa: F401  (loads the BLAS, so that threadpoolctl sees it)
    try:
        from threadpoolctl import threadpool_info
        found = [f"{lib.get('internal_api')} {lib.get('architecture') or ''}".strip()
                 for lib in threadpool_info() if lib.get("user_api") == "blas"]
    except Exception:       # pragma: no cover - threadpoolctl is a dependency
        found = []
    return ", ".join(found) or "unknown"
