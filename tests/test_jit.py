"""dxsim.jit: the compiled kernels load without scipy.linalg, and nothing else loses it.

Each check runs in a fresh interpreter: the test process may already hold scipy.linalg (from other tests), and
numba decides whether BLAS is there once per process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from dxsim.jit import BLAS_MODULE


def _run(code: str) -> str:
    p = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_a_kernel_runs_without_importing_scipy_linalg_and_scipy_stays_importable():
    out = _run(
        f"""
        import sys
        import numpy as np
        from dxsim.sim.service_kernel import median_bin
        hist = np.array([1.0, 2.0, 3.0, 4.0])
        b, below = median_bin(hist, 4.0)  # the kernel is read from numba's cache or compiled: arraymath is loaded
        assert (b, below) == (2, 3.0), (b, below)  # cumsum 1, 3, 6, 10: 4 falls in bin 2, 3 below it
        print("numba.np.arraymath" in sys.modules, "scipy.linalg" in sys.modules, {BLAS_MODULE!r} in sys.modules)
        import scipy.linalg.cython_blas  # the mark is gone: scipy.linalg still imports
        print("scipy.linalg" in sys.modules)
        """
    )
    assert out.split() == ["True", "False", "False", "True"]


def test_compiled_dot_falls_back_to_numbas_own_loop_with_the_same_result():
    """The one thing the missing BLAS probe changes: np.dot of 1-D arrays in compiled code uses numba's loop."""
    out = _run(
        """
        import numpy as np
        import dxsim.jit
        from dxsim.jit import njit

        @njit
        def dot(a, b):
            return np.dot(a, b)

        a = np.arange(1.0, 6.0)
        print(dot(a, a), float(a @ a))
        """
    )
    got, want = (float(v) for v in out.split())
    assert got == want == 55.0  # 1 + 4 + 9 + 16 + 25
