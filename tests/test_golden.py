"""The baseline trajectory against its golden snapshot (tests/golden/baseline.json).

The snapshot is regenerated only on purpose (`make golden`, then review the file's diff); this test
re-runs the baseline with the snapshot's seed and replications and fails with a table of every value
that moved beyond its stated tolerance. The comparison itself is tested too (it must catch a one-unit
count change, a 2e-6 relative float change and a moved date, and let last-bit drift through).
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "baseline.json"


def _tool():
    spec = importlib.util.spec_from_file_location("update_golden", REPO / "tools" / "update_golden.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks its module up there
    spec.loader.exec_module(mod)
    return mod


tool = _tool()


@pytest.fixture(scope="module")
def golden() -> dict:
    assert GOLDEN.is_file(), f"{GOLDEN} is missing: run `make golden` to create it"
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def now(golden) -> dict:
    return tool.snapshot(reps=golden["reps"], seed=golden["seed"])


def _rows(snap: dict, metric: str, at: str | None = None) -> dict:
    return {
        r["rep"]: r["value"]
        for r in snap["values"]
        if r["metric"] == metric and (at is None or r["at"] == at)
    }


def test_baseline_matches_golden(golden, now):
    diffs = tool.compare(golden, now)
    assert not diffs, tool.format_diffs(diffs, golden, now)


def test_golden_is_complete_and_states_its_tolerances(golden):
    """Every year end x metric x replication, both dates and the KPIs are there, each with its kind's tolerance."""
    assert golden["scenario_file"] == "scenarios/baseline.toml" and len(golden["scenario_sha256"]) == 64
    assert golden["dxsim_version"] and golden["seed"] == tool.SEED and golden["reps"] == tool.REPS
    for kind, tol in tool.TOLERANCES.items():
        assert golden["tolerances"][kind]["why"], kind  # the reasoning is in the file
        assert (
            golden["tolerances"][kind]["abs"] == tol["abs"]
            and golden["tolerances"][kind]["rel"] == tol["rel"]
        )
    for r in golden["values"]:
        want = golden["tolerances"][r["kind"]]
        assert r["tolerance"] == {"abs": want["abs"], "rel": want["rel"]}, r
    ends = [
        "2025-12-31",
        "2026-12-31",
        "2027-12-31",
        "2028-12-31",
        "2029-12-31",
        "2030-12-31",
    ]  # baseline horizon
    have = {(r["metric"], r["at"], r["rep"]) for r in golden["values"]}
    for metric in tool.YEAR_END_METRICS:
        for at in ends:
            for rep in range(golden["reps"]):
                assert (metric, at, rep) in have, (metric, at, rep)
    for pct in tool.COVERAGE_THRESHOLDS_PCT:
        assert set(_rows(golden, f"date_5g_pop_{pct}pct")) == set(range(golden["reps"]))
    for kpi in tool.SUMMARY_KPIS:
        assert set(_rows(golden, kpi, "summary.json kpis")) == {"P50", "P10", "P90"}, kpi
    counts = [r["value"] for r in golden["values"] if r["kind"] == "count"]
    assert counts and all(isinstance(v, int) for v in counts)


def _decimal_year(iso: str) -> float:
    d = dt.date.fromisoformat(iso)
    start = dt.date(d.year, 1, 1)
    return d.year + (d - start).days / (dt.date(d.year + 1, 1, 1) - start).days


def test_golden_kpis_agree_with_its_trajectory(golden):
    """The snapshot's summary KPIs follow from its own year-end rows (independent of dxsim.results.summary)."""
    reps = golden["reps"]
    end = "2030-12-31"

    def stats(values: list[float]) -> dict[str, float]:
        s = np.sort(np.asarray(values, dtype=float))
        return {
            p: float(np.quantile(s, q, method="inverted_cdf"))
            for p, q in (("P50", 0.5), ("P10", 0.1), ("P90", 0.9))
        }

    pairs = [
        ("capex_total_vnd_bn", "capex_5g_cum_vnd_bn"),
        ("village_capex_total_vnd_bn", "village_capex_cum_vnd_bn"),
        ("compute_capex_total_vnd_bn", "compute_capex_cum_vnd_bn"),
        ("subsidy_paid_total_vnd_bn", "subsidy_paid_cum_vnd_bn"),
        ("villages_connected_end", "villages_connected"),
        ("dc_it_capacity_mw_end", "dc_it_capacity_mw"),
    ]
    for kpi, metric in pairs:
        per_rep = _rows(golden, metric, end)
        want = stats([per_rep[r] for r in range(reps)])
        got = _rows(golden, kpi, "summary.json kpis")
        for p in want:
            assert got[p] == pytest.approx(want[p], rel=1e-6, abs=1e-5), (kpi, p)  # KPIs are rounded to 6 dp
    for pct in tool.COVERAGE_THRESHOLDS_PCT:
        dates = _rows(golden, f"date_5g_pop_{pct}pct")
        # a threshold a replication never reaches ranks last ("not reached" -> inf; the KPI is then null)
        want = stats(
            [math.inf if dates[r] == "not reached" else _decimal_year(dates[r]) for r in range(reps)]
        )
        got = _rows(golden, f"year_5g_pop_{pct}pct", "summary.json kpis")
        for p in want:
            if math.isinf(want[p]):
                assert got[p] is None, (pct, p)
            else:
                assert math.isclose(got[p], want[p], abs_tol=1e-6), (pct, p)
    # trajectories move the right way: stations and cumulative capex never fall from one year end to the next
    for metric in (
        "stations_5g",
        "capex_5g_cum_vnd_bn",
        "village_capex_cum_vnd_bn",
        "compute_capex_cum_vnd_bn",
    ):
        for rep in range(reps):
            series = [r["value"] for r in golden["values"] if r["metric"] == metric and r["rep"] == rep]
            assert series == sorted(series), (metric, rep)


def test_compare_catches_changes_and_tolerates_drift(golden):
    """The comparison fails on a one-station change, a 2e-6 relative float change and a moved date."""
    snap = copy.deepcopy(golden)
    assert tool.compare(golden, snap) == []

    def first(kind: str, metric: str | None = None) -> dict:
        return next(
            r
            for r in snap["values"]
            if r["kind"] == kind and r["value"] not in (None, 0) and (metric is None or r["metric"] == metric)
        )

    drift = first("float", "capex_5g_cum_vnd_bn")
    drift["value"] *= 1 + 1e-9  # last-bit drift: passes
    assert tool.compare(golden, snap) == []
    first("count", "stations_5g")["value"] += 1
    moved = first("float", "pop_covered_5g_pct")
    moved["value"] *= 1 + 2e-6
    first("date")["value"] = "2031-01-31"
    snap["values"].pop()  # a row that disappeared
    diffs = tool.compare(golden, snap)
    assert sorted(d.metric for d in diffs) == sorted(
        ["stations_5g", "pop_covered_5g_pct", "date_5g_pop_90pct", golden["values"][-1]["metric"]]
    )
    text = tool.format_diffs(diffs, golden, snap)
    assert "metric" in text and "golden" in text and "now" in text and "tolerance" in text
    assert "run `make golden` and review the diff of tests/golden/baseline.json" in text
    assert "(missing)" in text and "rel 1e-06" in text and "exact" in text


def test_render_round_trips_one_row_per_line(golden):
    text = tool.render(golden)
    assert json.loads(text) == golden
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "baseline.json was edited by hand: regenerate it with `make golden`"
    )
    row_lines = [ln for ln in text.splitlines() if ln.lstrip().startswith('{"metric"')]
    assert len(row_lines) == len(golden["values"])
