"""Type checking in `make test`: the modules pyproject's [tool.mypy] marks strict have no mypy error.

The rest of the package is checked at mypy's default level elsewhere (bench/RESULTS.md keeps the count); the
strict list only grows.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tomllib

REPO = pathlib.Path(__file__).resolve().parents[1]


def strict_modules() -> list[str]:
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    return [m for o in cfg.get("overrides", []) if o.get("strict") for m in o["module"]]


def test_strict_modules_have_no_type_error() -> None:
    mods = strict_modules()
    assert "dxsim.delay" in mods and len(mods) >= 6
    args = [a for m in mods for a in ("-m", m)]
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-4000:]


def test_mypy_catches_an_error_in_a_strict_module(tmp_path: pathlib.Path) -> None:
    """The check is live: the same configuration reports an untyped function under strict."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    return x + 1\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(bad)], capture_output=True, text=True)
    assert out.returncode == 1 and "no-untyped-def" in out.stdout
