"""The data-centre and GPU KPIs computed from the monthly rows (dxsim.results.summary.compute_kpis), by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from dxsim.results.summary import compute_kpis, final_year_mean_by_replication


def month_ends(start: dt.date, n: int) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    for _ in range(n):
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
        y, m = nxt.year, nxt.month
    return out


def frame(values: dict[str, list[float]], reps: int = 2) -> pl.DataFrame:
    """National rows: each metric's values at consecutive month ends (replication r adds r to every value)."""
    n = len(next(iter(values.values())))
    dates = month_ends(dt.date(2025, 10, 1), n)
    rows = [
        (d, r, "VN", metric, v + r)
        for r in range(reps)
        for metric, vs in values.items()
        for d, v in zip(dates, vs, strict=True)
    ]
    return pl.DataFrame(
        rows, schema=["date", "replication", "area", "metric", "value"], orient="row"
    ).with_columns(pl.col("replication").cast(pl.Int32))


def test_final_year_mean_leaves_out_the_start_and_reads_the_last_twelve() -> None:
    util = [0.0, *range(1, 16)]  # the start row (0, a rate of no month) then 15 months: 1 .. 15
    got = final_year_mean_by_replication(frame({"gpu_utilization_pct": util}), "gpu_utilization_pct")
    # the last 12 months are 4 .. 15: mean 9.5; replication 1 adds 1 to each
    assert got == {0: pytest.approx(9.5), 1: pytest.approx(10.5)}
    # a run shorter than a year: every month but the start (1, 2, 3: mean 2)
    short = final_year_mean_by_replication(
        frame({"gpu_utilization_pct": [50.0, 1, 2, 3]}), "gpu_utilization_pct"
    )
    assert short[0] == pytest.approx(2.0)


def test_gpu_money_power_and_jobs() -> None:
    n = 5
    rows = {
        "dc_it_capacity_mw": [200.0] * n,
        "dc_facility_power_mw": [290.0] * n,
        "racks": [10.0] * n,
        "gpus_installed_high_performance": [100.0] * n,
        "gpus_stranded": [0.0] * n,
        "gpu_pflops_bf16": [1.0] * n,
        "gpu_largest_cluster_a100_equivalents": [0.0] * n,
        "compute_capex_vnd_bn": [0.0, 10.0, 20.0, 30.0, 40.0],
        "gpu_capex_vnd_bn": [0.0, 1.0, 2.0, 3.0, 4.0],  # a flow: summed
        "gpu_capex_on_order_vnd_bn": [50.0, 40.0, 30.0, 20.0, 7.0],  # a stock: the end's
        "gpu_it_mw": [1.0, 2.0, 3.0, 4.0, 5.0],
        "dc_power_draw_mw": [100.0, 110.0, 120.0, 130.0, 140.0],
        "gpu_utilization_pct": [0.0, 20.0, 40.0, 60.0, 80.0],
        "ai_jobs_waiting": [0.0, 0.0, 3.0, 5.0, 9.0],
    }
    k = compute_kpis(frame(rows))
    assert k["gpu_capex_total_vnd_bn"] == {0: 10.0, 1: 15.0}  # 0+1+2+3+4; each of 5 rows + 1 in replication 1
    assert k["gpu_capex_on_order_end_vnd_bn"][0] == 7.0
    assert k["gpu_it_mw_end"][0] == 5.0 and k["dc_power_draw_mw_end"][1] == 141.0
    assert k["gpu_utilization_pct_final_year"][0] == pytest.approx(50.0)  # (20 + 40 + 60 + 80) / 4
    assert k["ai_jobs_waiting_end"] == {0: 9.0, 1: 10.0}
