"""tm: a translation-memory pipeline for Russian originals and their English translations."""
from .blas import choose_kernels as _choose_kernels

# before any module of tm loads numpy: which BLAS kernels its products run on (tm/blas.py)
_choose_kernels()

__version__ = "0.1.0"
