"""dxsim.jit: the compiled kernels load without scipy.linalg, and nothing else loses it.

Each check runs in a fresh interpreter: the test process may already hold scipy.linalg (from other tests), and
numba decides whether BLAS is there once per process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

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

        @njit()
        def dot(a, b):
            return np.dot(a, b)

        a = np.arange(1.0, 6.0)
        import numba.np.arraymath
        print(numba.np.arraymath._HAVE_BLAS, dot(a, a), float(a @ a))
        """
    )
    have_blas, got, want = out.split()
    assert have_blas == "False"  # the probe failed, as dxsim.jit means it to
    assert float(got) == float(want) == 55.0  # 1 + 4 + 9 + 16 + 25


def test_a_plain_run_loads_only_what_its_own_process_needs(tmp_path):
    """Issue 13, "import only what a command needs": with the helper process on, `dxsim run --no-map --no-report`
    leaves the GIS layers to it, so this process loads none of the GIS stack (shapely ~0.1 s, geopandas and pandas
    ~0.5 s), no plotting, and no scipy.linalg (dxsim.jit). The province outlines come as text from the geodata cache."""
    repo = Path(__file__).resolve().parents[1]
    out = _run(
        f"""
        import os, sys
        os.environ["DXSIM_SIDECAR"] = "1"  # on whatever the host's load
        from dxsim.cli.main import main
        sys.argv = ["dxsim", "run", {str(repo / "scenarios" / "baseline.toml")!r}, "--no-map", "--no-report",
                    "--out", {str(tmp_path / "run")!r}]
        try:
            main()
        except SystemExit as e:
            assert not e.code, e.code
        heavy = ("scipy.linalg", "shapely", "geopandas", "pandas", "pyogrio", "matplotlib", "folium")
        print(sorted(m for m in heavy if m in sys.modules))
        """
    )
    assert out.splitlines()[-1] == "[]"
    assert (tmp_path / "run" / "results.gpkg").is_file()  # written, by the helper


def test_the_kernels_without_a_cached_copy_are_named_until_compiled_and_again_after_an_edit(tmp_path):
    """kernels_without_cache (what `dxsim run` says "compiling the model's kernels" by): a new cached kernel is named
    before its first call, not after it, nor in the next process (numba read it from disk), and again once its source
    changed (numba's cache is stale then). An inline kernel has no cache of its own and is never named."""
    (tmp_path / "kmod.py").write_text(
        textwrap.dedent(
            """
            from dxsim.jit import njit

            @njit(cache=True, inline="always")
            def twice(x):
                return 2 * x

            @njit(cache=True)
            def add_twice(x, y):
                return x + twice(y)
            """
        )
    )
    probe = f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import kmod
        from dxsim.jit import kernels_without_cache
        print([k for k in kernels_without_cache() if k.startswith("kmod.")])
        assert kmod.add_twice(1, 2) == 5
        print([k for k in kernels_without_cache() if k.startswith("kmod.")])
        """
    assert _run(probe).splitlines() == ["['kmod.add_twice']", "[]"]
    assert _run(probe).splitlines() == ["[]", "[]"]
    source = tmp_path / "kmod.py"
    source.write_text(source.read_text() + "\n# edited\n")
    assert _run(probe).splitlines() == ["['kmod.add_twice']", "[]"]


def test_a_kernel_only_world_preparation_calls_is_not_named_once_the_world_is_ready(tmp_path):
    """Every `dxsim run` said "compiling the model's kernels" when its world came from the store: the footprints'
    kernel (`_window_pairs`) had no cached copy and is never called then (provincial planner trial). Asked with
    `replication_only`, a kernel marked `prepare_only` is left out; asked without, it is named as before."""
    (tmp_path / "kprep.py").write_text(
        textwrap.dedent(
            """
            from dxsim.jit import njit

            @njit(cache=True, prepare_only=True)
            def build(x):
                return x + 1

            @njit(cache=True)
            def step(x):
                return x * 3
            """
        )
    )
    probe = f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import kprep
        from dxsim.jit import kernels_without_cache
        print(sorted(k for k in kernels_without_cache() if k.startswith("kprep.")))
        print(sorted(k for k in kernels_without_cache(replication_only=True) if k.startswith("kprep.")))
        assert kprep.step(2) == 6
        print(sorted(k for k in kernels_without_cache(replication_only=True) if k.startswith("kprep.")))
        """
    assert _run(probe).splitlines() == ["['kprep.build', 'kprep.step']", "['kprep.step']", "[]"]


def test_the_kernels_marked_prepare_only_are_those_a_replication_never_calls():
    """The mark is a claim about the call graph: the kernels marked are those of the geo layers and the footprints,
    and no module of the simulation (dxsim.sim) calls them."""
    import dxsim.geo.villages
    import dxsim.radio.coverage  # noqa: F401
    from dxsim.jit import KERNELS, PREPARE_ONLY

    marked = {f"{k.py_func.__module__}.{k.py_func.__qualname__}" for k in KERNELS if id(k) in PREPARE_ONLY}
    assert marked == {"dxsim.radio.coverage._window_pairs", "dxsim.geo.villages._spaced_picks"}
    sim = " ".join(
        p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "dxsim" / "sim").rglob("*.py")
    )
    for name in marked:
        assert name.rsplit(".", 1)[1] not in sim
