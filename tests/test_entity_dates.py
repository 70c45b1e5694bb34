"""The entity tables' dates count what the month-end metrics count, in the files `dxsim run` wrote.

A planner filters `sites_5g` by `on_air_date <= 2026-12-31` (or villages by `connected_date`) and expects the
KPI "5G stations on air, end of 2026-12". The metrics are replication 0's rows of metrics.parquet; the
counts are recomputed here from the tables with polars, month end by month end.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest


@pytest.fixture(scope="module")
def run_dir(cli_baseline: Path) -> Path:
    return cli_baseline


def _metric_rep0(run_dir: Path, metric: str) -> dict:
    m = pl.read_parquet(run_dir / "metrics.parquet").filter(
        (pl.col("replication") == 0) & (pl.col("area") == "VN") & (pl.col("metric") == metric)
    )
    return dict(zip(m["date"].to_list(), m["value"].to_list(), strict=True))


def test_sites_on_air_by_a_month_end_equal_stations_5g(run_dir: Path) -> None:
    """Rounded down, a site on air during Nov 30 was dated Nov 30 but not in that month end's count (+51)."""
    sites = pl.read_parquet(run_dir / "sites_5g.parquet")
    metric = _metric_rep0(run_dir, "stations_5g")
    assert len(metric) > 60
    counted = {d: sites.filter(pl.col("on_air_date") <= d).height for d in metric}
    assert counted == {d: int(v) for d, v in metric.items()}
    start = min(metric)
    assert sites.filter(pl.col("on_air_date") <= start).height == sites["existing_at_start"].sum()


def test_villages_connected_by_a_month_end_equal_the_metric(run_dir: Path) -> None:
    villages = pl.read_parquet(run_dir / "villages.parquet").filter(pl.col("status") == "connected")
    metric = _metric_rep0(run_dir, "villages_connected")
    counted = {d: villages.filter(pl.col("connected_date") <= d).height for d in metric}
    assert counted == {d: int(v) for d, v in metric.items()}


def test_4g_stations_count_each_village_site_from_its_signal_date(run_dir: Path) -> None:
    """Every remote village gets a macro site. stations_4g stayed at the start network's 119,550 for the whole run
    while those sites raised 4G coverage. Now: the start's stations plus the villages with signal by the month end,
    nationally and in each province (replication 0's villages.parquet)."""
    from dxsim.scenario import load_scenario

    start = load_scenario(run_dir / "scenario.resolved.toml").start_state.stations_4g
    villages = pl.read_parquet(run_dir / "villages.parquet").filter(pl.col("signal_date").is_not_null())
    metric = _metric_rep0(run_dir, "stations_4g")
    counted = {d: start + villages.filter(pl.col("signal_date") <= d).height for d in metric}
    assert counted == {d: int(v) for d, v in metric.items()}
    assert max(metric.values()) - min(metric.values()) > 100  # the baseline connects hundreds of villages
    m = pl.read_parquet(run_dir / "metrics.parquet").filter(
        (pl.col("replication") == 0) & (pl.col("metric") == "stations_4g") & (pl.col("area") != "VN")
    )
    end = m["date"].max()
    first = m["date"].min()
    at_end = dict(m.filter(pl.col("date") == end).select("area", "value").iter_rows())
    at_start = dict(m.filter(pl.col("date") == first).select("area", "value").iter_rows())
    by_province = dict(villages.filter(pl.col("signal_date") <= end).group_by("gso34").len().iter_rows())
    for area in at_end:
        assert (
            at_end[area] - at_start[area]
            == by_province.get(area, 0)
            - villages.filter((pl.col("gso34") == area) & (pl.col("signal_date") <= first)).height
        ), area


def test_a_data_centres_first_phase_adds_capacity_by_its_month_end(run_dir: Path) -> None:
    """HS-2's first phase was dated 2028-12-31 while Hà Nội's IT capacity rose only at 2029-01-31."""
    dcs = pl.read_parquet(run_dir / "datacentres.parquet").filter(pl.col("first_phase_date").is_not_null())
    assert dcs.height > 0
    m = pl.read_parquet(run_dir / "metrics.parquet").filter(
        (pl.col("replication") == 0) & (pl.col("metric") == "dc_it_capacity_mw")
    )
    for dc in dcs.iter_rows(named=True):
        series = m.filter(pl.col("area") == dc["gso34"]).sort("date")
        dates, values = series["date"].to_list(), series["value"].to_list()
        i = next(k for k, d in enumerate(dates) if d >= dc["first_phase_date"])  # its month end
        assert i > 0 and values[i] > values[i - 1], (dc["dc_id"], dc["first_phase_date"], dates[i], values[i])


def test_the_date_an_event_is_counted_from_by_hand() -> None:
    """A month end's metrics are taken at the start of its date (day 30 = 00:00 on start + 30 days): an event during
    that day counts from the next date on, one exactly at its start from that date; never-events have no date."""
    import datetime as dt
    import math

    import numpy as np

    from dxsim.sim.calendar import counted_date, first_counted_day

    start = dt.date(2025, 10, 31)
    assert counted_date(start, 30.4) == dt.date(2025, 12, 1)  # during 30 Nov: in December's month end
    assert counted_date(start, 30.0) == dt.date(2025, 11, 30)  # at its start: in November's
    assert counted_date(start, 0.0) == start
    assert [counted_date(start, d) for d in (None, math.nan, math.inf)] == [None, None, None]
    assert first_counted_day(np.array([0.0, 0.2, 1.0, 61.999])).tolist() == [0.0, 1.0, 1.0, 62.0]
