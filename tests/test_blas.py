"""tm/blas.py: tm asks OpenBLAS for its AVX-512 kernels where the processor has them,
before numpy loads, and names the kernels a process computes with."""
import platform
import subprocess
import sys

import pytest

from tm import blas

AVX512 = frozenset({"fpu", "sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"})
AVX2 = frozenset({"fpu", "sse2", "avx", "avx2", "fma"})
x86 = pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 only")


@x86
@pytest.mark.parametrize("before", [None, "Haswell", "Zen", "Prescott"])
def test_the_avx512_kernels_are_chosen_where_the_processor_has_them(before):
    environ = {} if before is None else {"OPENBLAS_CORETYPE": before}
    assert blas.choose_kernels(environ, AVX512, modules={}) == "SkylakeX"
    assert environ == {"OPENBLAS_CORETYPE": "SkylakeX"}


@x86
@pytest.mark.parametrize("before", ["SkylakeX", "cooperlake", "SapphireRapids"])
def test_an_avx512_target_asked_for_is_kept(before):
    environ = {"OPENBLAS_CORETYPE": before}
    assert blas.choose_kernels(environ, AVX512, modules={}) is None
    assert environ == {"OPENBLAS_CORETYPE": before}


def test_nothing_is_chosen_without_avx512_or_once_numpy_is_loaded():
    environ = {"OPENBLAS_CORETYPE": "Haswell"}
    assert blas.choose_kernels(environ, AVX2, modules={}) is None
    assert blas.choose_kernels(environ, AVX512 - {"avx512vl"}, modules={}) is None
    assert blas.choose_kernels(environ, AVX512, modules={"numpy": object()}) is None
    assert environ == {"OPENBLAS_CORETYPE": "Haswell"}
    empty = {}
    assert blas.choose_kernels(empty, AVX2, modules={}) is None
    assert empty == {}


def test_cpu_flags_are_read_from_the_first_flags_line(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 avx512f\n\n"
                    "processor\t: 1\nflags\t\t: fpu\n")
    assert blas.cpu_flags(str(info)) == {"fpu", "avx2", "avx512f"}
    assert blas.cpu_flags(str(tmp_path / "none")) == frozenset()


def test_the_tm_command_runs_on_the_avx512_kernels_whatever_the_machine_set():
    """As `tm` starts: tm is imported before numpy, with OPENBLAS_CORETYPE=Haswell set for
    every process (as on some machines); the kernels are AVX-512 exactly where the
    processor has them."""
    code = "import tm, numpy; from tm.blas import blas_kernel; print(blas_kernel())"
    env = {"OPENBLAS_CORETYPE": "Haswell", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    kernel = out.stdout.strip()
    if not kernel.startswith("openblas"):
        pytest.skip(f"numpy does not use OpenBLAS here ({kernel})")
    has_avx512 = platform.machine().lower() in ("x86_64", "amd64") and blas.AVX512_FLAGS <= blas.cpu_flags()
    assert kernel == ("openblas SkylakeX" if has_avx512 else "openblas Haswell")


def test_a_process_that_loaded_numpy_first_keeps_its_kernels():
    code = "import numpy, tm, os; from tm.blas import blas_kernel; print(blas_kernel(), os.environ['OPENBLAS_CORETYPE'])"
    env = {"OPENBLAS_CORETYPE": "Haswell", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    if not out.stdout.startswith("openblas"):
        pytest.skip("numpy does not use OpenBLAS here")
    assert out.stdout.split() == ["openblas", "Haswell", "Haswell"]
