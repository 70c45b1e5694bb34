"""Type checking in `make test`: the whole package passes mypy --strict (pyproject's [tool.mypy]), 0 errors."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tomllib

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_the_configuration_is_strict_on_the_whole_package() -> None:
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert cfg["strict"] is True
    assert not [o for o in cfg.get("overrides", []) if o.get("strict") is False or o.get("ignore_errors")]


def test_package_has_no_type_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), "dxsim"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-4000:]


def test_mypy_catches_an_error_in_strict_mode(tmp_path: pathlib.Path) -> None:
    """The check is live: the same configuration reports an untyped function."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    return x + 1\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), str(bad)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 1 and "no-untyped-def" in out.stdout
