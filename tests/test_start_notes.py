"""`dxsim validate` notes a start-state count that belongs to another date (dxsim.scenario.start_notes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from dxsim.scenario.loader import load_scenario_data
from dxsim.scenario.start_notes import window_count_notes

from conftest import dxsim_cmd

REPO = Path(__file__).resolve().parent.parent


def notes(**sections: Any) -> list[str]:
    data: dict[str, Any] = {"extends": "baseline.toml", "name": "t", **sections}
    return window_count_notes(load_scenario_data(data, base_dir=REPO / "scenarios"))


def test_the_baseline_has_no_note() -> None:
    assert notes() == []


def test_a_moved_window_with_the_default_count_is_noted_and_a_count_set_for_it_is_not() -> None:
    moved = notes(subsidy={"window_start": dt.date(2025, 6, 1)})
    assert len(moved) == 1
    assert (
        "subsidy.window_start = 2025-06-01" in moved[0]
        and "10,928, the count on air on 2025-02-19" in moved[0]
    )
    assert (
        notes(
            subsidy={"window_start": dt.date(2025, 6, 1)}, start_state={"stations_5g_at_window_start": 11_600}
        )
        == []
    )
    # a window opening after the start counts no start station, whatever the count: nothing to say
    assert notes(subsidy={"window_start": dt.date(2025, 11, 15)}) == []


def test_a_start_network_smaller_than_the_count_before_the_window_is_noted() -> None:
    small = notes(start_state={"stations_5g": 9_000})
    assert len(small) == 1 and "start_state.stations_5g = 9,000 is below" in small[0]
    assert "none of the start stations count" in small[0]
    assert notes(start_state={"stations_5g": 9_000, "stations_5g_at_window_start": 9_000}) == []


@pytest.mark.parametrize(
    ("subsidy", "said"),
    [
        # a moved window with the default count
        (
            "window_start = 2025-06-01",
            "subsidy.window_start = 2025-06-01, but start_state.stations_5g_at_window_start",
        ),
        # Resolution 193's window ended before the 2025-10-31 start: it pays nothing in the run, and validate said
        # "ok" alone (compare alone said so; new-user trial)
        (
            "window_end = 2025-10-15",
            "resolution_193 pays nothing: its window (2025-02-19 to 2025-10-15) lies outside the run",
        ),
    ],
)
def test_validate_prints_the_note_and_passes(tmp_path: Path, subsidy: str, said: str) -> None:
    p = tmp_path / "w.toml"
    base = REPO / "scenarios" / "baseline.toml"
    p.write_text(f'extends = "{base}"\nname = "w"\n[subsidy]\n{subsidy}\n', encoding="utf-8")
    res = dxsim_cmd("validate", str(p))
    assert res.returncode == 0, res.stderr
    assert f"{p}: note: {said}" in res.stdout
