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
