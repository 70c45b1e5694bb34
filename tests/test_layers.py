"""The one-way stack (issue 16): import-linter's contracts in pyproject.toml, and no package cycles.

`lint-imports` reads every import, those inside functions too (grimp), so an import placed in a
function to dodge a cycle still breaks the contract.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import grimp

REPO = pathlib.Path(__file__).resolve().parents[1]
CORE = ("scenario", "geo", "radio", "sim", "results", "delay", "rng", "gpu_catalogue")
TOOLS = ("cli", "maps", "report", "compare", "sweep", "optimise", "discover", "backtest", "runner", "api")


def test_import_linter_contracts_are_kept() -> None:
    lint = pathlib.Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint), "--config", str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def _package_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("dxsim")
    edges: dict[str, set[str]] = {}
    for m in graph.modules:
        for imported in graph.find_modules_directly_imported_by(m):
            a, b = m.split(".")[1:2], imported.split(".")[1:2]
            if a and b and a != b:
                edges.setdefault(a[0], set()).add(b[0])
    return edges


def test_core_never_imports_the_tools() -> None:
    edges = _package_graph()
    bad = {(a, b) for a in CORE for b in edges.get(a, ()) if b in TOOLS}
    assert bad == set()


def test_no_cycle_between_top_level_packages() -> None:
    """Brute force: a package that reaches itself through the import graph is in a cycle."""
    edges = _package_graph()

    def reach(a: str) -> set[str]:
        seen, todo = set(), [a]
        while todo:
            for b in edges.get(todo.pop(), ()):
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return seen

    assert sorted(a for a in edges if a in reach(a)) == []


def test_the_checker_sees_a_planted_cycle(tmp_path: pathlib.Path) -> None:
    """The contract would fail on a cycle: a toy package with a -> b -> a, checked by the same tool."""
    pkg = tmp_path / "toy"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    for p in (pkg, pkg / "a", pkg / "b"):
        (p / "__init__.py").write_text("")
    (pkg / "a" / "x.py").write_text("def f():\n    from toy.b import y  # hidden in a function\n")
    (pkg / "b" / "y.py").write_text("import toy.a.x\n")
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(
        "[importlinter]\nroot_package = toy\n\n[importlinter:contract:1]\nname = acyclic\n"
        "type = acyclic_siblings\nancestors = toy\n"
    )
    lint = pathlib.Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint), "--config", str(cfg), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode != 0 and "BROKEN" in out.stdout


def test_function_level_dxsim_imports_are_few_and_lazy_on_purpose() -> None:
    """Outside the CLI (whose commands import their module on use, to start fast), a function-level import
    of a dxsim module is allowed only for the modules that pull heavy libraries: folium and matplotlib (maps,
    report), geopandas (results.gis), numba (radio.coverage) and
    shapely (geo.geojson, which only a geodata build uses)."""
    lazy_ok = {
        "dxsim.maps",
        "dxsim.report",
        "dxsim.report.charts",
        "dxsim.report.html",
        "dxsim.report.load",
        "dxsim.results.gis",
        "dxsim.radio.coverage",
        "dxsim.geo.geojson",
    }
    found = []
    for f in (REPO / "dxsim").rglob("*.py"):
        if (
            "cli" in f.relative_to(REPO / "dxsim").parts
            or f.name == "__init__.py"
            and f.parent.name == "dxsim"
        ):
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if (
                        isinstance(sub, ast.ImportFrom)
                        and (sub.module or "").startswith("dxsim")
                        and sub.module not in lazy_ok
                    ):
                        found.append(f"{f.relative_to(REPO)}:{sub.lineno} {sub.module}")
    assert found == [], "\n".join(found)
