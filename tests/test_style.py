"""Lint and format in `make test`: ruff's rules of pyproject.toml hold, and the code is as `ruff format` writes it."""

from __future__ import annotations

import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
PATHS = ["dxsim", "tests", "bench", "tools"]
RUFF = str(pathlib.Path(sys.executable).with_name("ruff"))


def test_ruff_lint_is_clean() -> None:
    out = subprocess.run([RUFF, "check", *PATHS], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]


def test_code_is_formatted() -> None:
    out = subprocess.run([RUFF, "format", "--check", *PATHS], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + "\nrun: .venv/bin/ruff format dxsim tests bench tools"


def test_the_format_check_sees_an_unformatted_file(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("x=[1,\n2]\n", encoding="utf-8")
    out = subprocess.run([RUFF, "format", "--check", "--no-cache", str(bad)], capture_output=True, text=True)
    assert out.returncode == 1
