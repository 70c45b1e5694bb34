"""`make clean` (tools/clean_outputs.py) deletes dxsim's own output folders and nothing a user put anywhere in them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO

from dxsim.results.writer import atomic_dir, claim_output_dir


def _fill(tmp: Path) -> None:
    (tmp / "summary.json").write_text("{}")
    (tmp / "charts").mkdir()
    (tmp / "charts" / "a.svg").write_text("<svg/>")


def _clean(root: Path) -> str:
    r = subprocess.run(
        [sys.executable, str(REPO / "tools" / "clean_outputs.py"), str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_make_clean_keeps_every_folder_a_user_added_to(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    own = atomic_dir(outputs / "own", _fill)
    top = atomic_dir(outputs / "top", _fill)
    (top / "my_analysis.txt").write_text("mine")
    deep = atomic_dir(outputs / "deep", _fill)
    (deep / "charts" / "my_chart.png").write_bytes(b"mine")  # inside a subfolder dxsim wrote
    sweep = claim_output_dir(outputs / "sweeps" / "s", kind="sweep")
    (sweep / "runs").mkdir()
    (sweep / "runs" / "0001.parquet").write_bytes(b"x")
    users = outputs / "notes"
    users.mkdir()
    (users / "todo.txt").write_text("mine")

    said = _clean(outputs)

    assert not own.exists() and not sweep.exists()
    assert (top / "my_analysis.txt").read_text() == "mine" and (top / "summary.json").exists()
    assert (deep / "charts" / "my_chart.png").read_bytes() == b"mine" and (deep / "charts" / "a.svg").exists()
    assert (users / "todo.txt").read_text() == "mine"
    assert f"removed {own}/" in said and f"removed {sweep}/" in said
    assert f"kept {top}/" in said and "my_analysis.txt" in said
    assert f"kept {deep}/" in said and "charts/my_chart.png" in said


def test_make_clean_without_outputs_does_nothing(tmp_path: Path) -> None:
    assert _clean(tmp_path / "outputs") == ""
