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
from collections.abc import Callable
from typing import Any, TypeVar

import numba

__all__ = ["kernels_without_cache", "njit"]

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


# Every kernel compiled on its own and kept in numba's on-disk cache (`cache=True`; `inline="always"` ones are
# compiled into their callers and have no cache of their own), in the order their modules defined them.
KERNELS: list[Any] = []
# ... and those of them called only while a world is prepared (the geo layers, the footprints), never by a replication
PREPARE_ONLY: set[int] = set()  # id() of the kernel
Kernel = TypeVar("Kernel", bound=Callable[..., Any])


def njit(*, prepare_only: bool = False, **options: Any) -> Callable[[Kernel], Kernel]:
    """numba's `njit(**options)` decorator, recording each cached kernel it makes in KERNELS (see
    `kernels_without_cache`); the kernel keeps its Python signature for the type checker. `prepare_only`: the kernel
    runs only while a world is prepared, so a run whose world comes from the store never calls (or compiles) it."""
    decorate = numba.njit(**options)
    cached = bool(options.get("cache")) and options.get("inline") != "always"

    def register(fn: Kernel) -> Kernel:
        kernel: Kernel = decorate(fn)
        if cached:
            KERNELS.append(kernel)
            if prepare_only:
                PREPARE_ONLY.add(id(kernel))
        return kernel

    return register


def kernels_without_cache(*, replication_only: bool = False) -> list[str]:
    """The loaded kernels with no up-to-date compiled copy in numba's on-disk cache (none yet, or one of an older
    source): their first call compiles them (~15 s for all of a replication's, once after dxsim is installed or
    updated). `replication_only`: leave out the kernels only a world's preparation calls (asked once the world is
    ready: a world from the store never compiles them, and every run said "compiling" for `_window_pairs`,
    provincial planner trial).

    Why: the first run after `make demo`'s install sat silent for those seconds; the run says it is compiling when
    this is not empty. Reads numba's cache index as numba does before it compiles (numba 0.68's FunctionCache); a
    kernel whose index cannot be read so counts as cached, so at worst the line is missing."""
    missing = []
    for kernel in KERNELS:
        if replication_only and id(kernel) in PREPARE_ONLY:
            continue
        index = getattr(getattr(kernel, "_cache", None), "_cache_file", None)
        try:
            fresh = bool(index._load_index()) if index is not None else True
        except Exception:  # another numba's layout: say nothing rather than fail a run
            fresh = True
        if not fresh:
            missing.append(f"{kernel.py_func.__module__}.{kernel.py_func.__qualname__}")
    return missing
