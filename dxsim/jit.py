"""numba's `njit` for every compiled kernel of dxsim, loaded without importing scipy.linalg.

Why: numba's array-math module, loaded by the first compile (or cache load) of any kernel in a process,
imports `scipy.linalg` only to learn whether BLAS is available to `np.dot`-like calls inside compiled code.
That import took 0.13-0.24 s of every `dxsim run` (4-6% of the plain run, bench/RESULTS.md section 7), and
no dxsim kernel makes such a call. This module loads that numba module with `scipy.linalg.cython_blas`
marked missing (`sys.modules[name] = None`: Python's documented way to make one import fail), so numba
falls back to its own loop for `np.dot` of 1-D arrays in compiled code; the mark is removed at once, so
scipy.linalg, and numba's linalg (which checks for BLAS again when a kernel uses it), stay importable.
Kernel modules take `njit` from here, so the load happens before any kernel is compiled or read from cache.
"""

from __future__ import annotations

import importlib
import sys

from numba import njit

__all__ = ["njit"]

BLAS_MODULE = "scipy.linalg.cython_blas"  # what numba.np.linalg.ensure_blas imports
ARRAY_MATH_MODULE = "numba.np.arraymath"  # the numba module that runs that check when it is imported


def load_array_math_without_blas() -> None:
    """Import numba's array-math module with the BLAS probe failing (a no-op once it or scipy.linalg is loaded)."""
    if ARRAY_MATH_MODULE in sys.modules or BLAS_MODULE in sys.modules:
        return
    sys.modules[BLAS_MODULE] = None  # type: ignore[assignment]
    try:
        importlib.import_module(ARRAY_MATH_MODULE)
    finally:
        if BLAS_MODULE in sys.modules and sys.modules[BLAS_MODULE] is None:
            del sys.modules[BLAS_MODULE]


load_array_math_without_blas()
