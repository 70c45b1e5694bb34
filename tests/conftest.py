"""Shared fixtures: the baseline run by the real `dxsim` command, once per test session (per xdist worker).

Tests that check what a user gets open the files this command itself wrote (map, report, tables),
never a copy rebuilt afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
DXSIM = [sys.executable, "-m", "dxsim.cli.main"]
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def dxsim_cmd(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the `dxsim` command line as a user does, in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("DXSIM_RAW_DATA", str((REPO.parent / "shared" / "geodata").resolve()))
    return subprocess.run(
        [*DXSIM, *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def cli_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dxsim run scenarios/baseline.toml --reps 2 --out DIR`: the folder exactly as the command wrote it."""
    out = tmp_path_factory.mktemp("cli-run") / "baseline"
    r = dxsim_cmd("run", str(BASELINE), "--reps", "2", "--out", str(out), env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    # what the user saw, and what a log got (stderr not a terminal), beside the folder
    (out.parent / "stdout.txt").write_text(r.stdout, encoding="utf-8")
    (out.parent / "stderr.txt").write_text(r.stderr, encoding="utf-8")
    return out


def one_line_error(stderr: str, stdout: str, *parts: str) -> str:
    """The error is exactly one line on stderr, without a traceback, naming every part; returns it."""
    assert "Traceback" not in stderr + stdout
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    for part in parts:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"
    return lines[0]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's headless Chromium through Playwright (no browser download; `make test` installs it)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (make test installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield b
        b.close()


def without_digests(folder: Path) -> None:
    """Drop a run folder's manifest digests, as a folder written by an earlier dxsim has none: a probe that edits the
    run's files on purpose is otherwise refused by `dxsim report` and `dxsim map`
    (dxsim.results.writer.check_run_unchanged)."""
    manifest = folder / ".dxsim-output.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data.pop("sha256", None)
    manifest.write_text(json.dumps(data), encoding="utf-8")
