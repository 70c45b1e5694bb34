"""Shared fixtures: the baseline run by the real `dxsim` command, once per test session (per xdist worker).

Tests that check what a user gets open the files this command itself wrote (map, report, tables),
never a copy rebuilt afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
DXSIM = [sys.executable, "-m", "dxsim.cli.main"]


def dxsim_cmd(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
              timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the `dxsim` command line as a user does, in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("DXSIM_RAW_DATA", str((REPO.parent / "shared" / "geodata").resolve()))
    return subprocess.run([*DXSIM, *args], cwd=cwd or REPO, env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="session")
def cli_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dxsim run scenarios/baseline.toml --reps 2 --out DIR`: the folder exactly as the command wrote it."""
    out = tmp_path_factory.mktemp("cli-run") / "baseline"
    r = dxsim_cmd("run", str(BASELINE), "--reps", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out
