"""`NationalRows` (the KPIs' index of a metrics table) against polars filters, the form it replaced."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from dxsim.results.summary import NationalRows, _decimal_year
from dxsim.sim.recorder import empty_metrics


def table() -> pl.DataFrame:
    """Two replications, months out of order, one metric never reaching 50 in replication 1."""
    rng = np.random.default_rng(7)
    rows = []
    months = [dt.date(2026, 3, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 4, 30)]
    for rep in (1, 0):
        for d in months:
            for metric in ("cov", "other"):
                v = {0: {1: 10.0, 2: 49.0, 3: 50.0, 4: 80.0}, 1: {1: 5.0, 2: 20.0, 3: 30.0, 4: 40.0}}[rep][
                    d.month
                ]
                rows.append((d, rep, "VN", metric, v if metric == "cov" else float(rng.random())))
    return pl.DataFrame(rows, schema=empty_metrics().schema, orient="row")  # the recorder's columns


def test_at_equals_a_polars_filter() -> None:
    nat = table()
    rows = NationalRows(nat)
    for metric in ("cov", "other", "absent"):
        for d in nat["date"].unique().to_list() + [dt.date(2030, 1, 31)]:
            sub = nat.filter((pl.col("date") == d) & (pl.col("metric") == metric))
            assert rows.at(metric, d) == dict(zip(sub["replication"].to_list(), sub["value"].to_list()))
    assert rows.has("cov") and not rows.has("absent")


def test_first_date_reaching_by_hand() -> None:
    rows = NationalRows(table())
    got = rows.first_date_reaching("cov", 50.0)
    assert got[0] == _decimal_year(dt.date(2026, 3, 31))  # 10, 49, then 50 in March (rows out of order)
    assert math.isnan(got[1])  # never above 40
    assert set(got) == {0, 1}
    assert rows.first_date_reaching("absent", 1.0) == {}


def gpu_table(start_fleets: dict[int, float]) -> pl.DataFrame:
    """Compute metrics of a few months: high-performance GPUs from each replication's start to 20x it, a month apart."""
    rows = []
    months = [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)]
    for rep, g0 in start_fleets.items():
        for k, d in enumerate(months):
            rows.append((d, rep, "VN", "dc_it_capacity_mw", 200.0))
            # g0, 10 x g0 + 40, 15 x g0 - 1 (one short), then 20 x g0 + 40
            gpus = [g0, 10.0 * g0 + 40.0, 15.0 * g0 - 1.0, 20.0 * g0 + 40.0][k]
            rows.append((d, rep, "VN", "gpus_installed_high_performance", gpus))
    return pl.DataFrame(rows, schema=empty_metrics().schema, orient="row")


def test_gpus_15x_by_hand_and_not_of_an_empty_start_fleet() -> None:
    """15x the start is the first month with at least 15 x the first month's high-performance GPUs; a start of
    0 (the start fleet stranded without power) has no 15x: 15 x 0 = 0 would be "reached" in the first month."""
    from dxsim.results.summary import compute_kpis

    got = compute_kpis(gpu_table({0: 100.0, 1: 0.0}))["year_gpus_15x_start"]
    # replication 0: 100, 1,040, 1,499 (< 1,500), 2,040 -> April
    assert got[0] == _decimal_year(dt.date(2026, 4, 30))
    assert math.isnan(got[1])


def test_stranded_gpus_peak_months_and_the_line_by_hand() -> None:
    """200,000 GPUs ordered in 2026 waited three years for power while the KPI of GPUs stranded *at the end* read 0
    and no line said what held the fleet back. Two replications stranded 0, 150, 90, 0 and 0, 50, 30, 0 GPUs at
    four month ends: peaks 150 and 50, GPU-months 240 and 80; the line gives their P50s (the lower of two, as the
    KPIs), February to March."""
    from dxsim.results.bottlenecks import stranded_line
    from dxsim.results.summary import compute_kpis

    stranded = {0: [0.0, 150.0, 90.0, 0.0], 1: [0.0, 50.0, 30.0, 0.0]}
    base = gpu_table({0: 100.0, 1: 100.0})
    extra = pl.DataFrame(
        [
            (d, rep, "VN", "gpus_stranded", stranded[rep][k])
            for rep in (0, 1)
            for k, d in enumerate(sorted(base["date"].unique().to_list()))
        ],
        schema=empty_metrics().schema,
        orient="row",
    )
    metrics = pl.concat([base, extra])
    kpis = compute_kpis(metrics)
    assert kpis["gpus_stranded_peak"] == {0: 150.0, 1: 50.0}
    assert kpis["gpu_months_stranded"] == {0: 240.0, 1: 80.0}
    assert kpis["gpus_stranded_end"] == {0: 0.0, 1: 0.0}
    # the line gives the P50s of the same per-replication figures (two replications: the lower), as the KPI table
    line = stranded_line(metrics)
    assert line.startswith(
        "GPUs: up to 50 stranded without free data-centre power (2026-02 to 2026-03, 80 GPU-months; P50 over replications)"
    ), line
    none = pl.concat([base, extra.with_columns(value=pl.lit(0.0))])
    assert stranded_line(none) == "" and stranded_line(base) == ""


def test_gpus_over_rack_density_peak_and_the_line_by_hand() -> None:
    """GPUs in halls built for less than their servers draw: 0, 300, 300, 200 and 0, 0, 100, 100 at four month ends:
    peaks 300 and 100 (the KPI), the line's P50s (the lower of two) 100 at most, first month February (the lower of
    February and March), last April, 200
    GPU-months, and it says the retrofit is assumed, not costed."""
    from dxsim.results.bottlenecks import bottleneck_filter, rack_density_line
    from dxsim.results.summary import compute_kpis

    over = {0: [0.0, 300.0, 300.0, 200.0], 1: [0.0, 0.0, 100.0, 100.0]}
    base = gpu_table({0: 100.0, 1: 100.0})
    extra = pl.DataFrame(
        [
            (d, rep, "VN", "gpus_over_rack_density", over[rep][k])
            for rep in (0, 1)
            for k, d in enumerate(sorted(base["date"].unique().to_list()))
        ],
        schema=empty_metrics().schema,
        orient="row",
    )
    metrics = pl.concat([base, extra])
    assert compute_kpis(metrics)["gpus_over_rack_density_peak"] == {0: 300.0, 1: 100.0}
    line = rack_density_line(metrics.filter(bottleneck_filter()))  # what compare keeps of a run is enough
    assert line.startswith(
        "GPUs: up to 100 run in halls whose racks are built for less than their servers draw"
    ), line
    assert "(2026-02 to 2026-04, 200 GPU-months; P50 over replications)" in line and "at no cost" in line
    assert rack_density_line(base) == ""


def test_ordinary_demand_without_room_kpi_and_line_by_hand() -> None:
    """Ordinary data-centre demand without room: 0, 0, 30, 60 MW and 0, 10, 20, 40 MW at four month ends: peaks 60
    and 40 MW (the KPI); the line's P50s (the lower of two): up to 40 MW, first month February (the lower of March
    and February), last April."""
    from dxsim.results.bottlenecks import bottleneck_filter, ordinary_load_line
    from dxsim.results.summary import compute_kpis

    unmet = {0: [0.0, 0.0, 30.0, 60.0], 1: [0.0, 10.0, 20.0, 40.0]}
    base = gpu_table({0: 100.0, 1: 100.0})
    extra = pl.DataFrame(
        [
            (d, rep, "VN", "dc_ordinary_load_unmet_mw", unmet[rep][k])
            for rep in (0, 1)
            for k, d in enumerate(sorted(base["date"].unique().to_list()))
        ],
        schema=empty_metrics().schema,
        orient="row",
    )
    metrics = pl.concat([base, extra])
    assert compute_kpis(metrics)["dc_ordinary_load_unmet_mw_peak"] == {0: 60.0, 1: 40.0}
    line = ordinary_load_line(metrics.filter(bottleneck_filter()))
    assert line.startswith(
        "data centres: up to 40 MW of ordinary (non-AI) IT demand found no room (2026-02 to 2026-04"
    ), line
    assert ordinary_load_line(base) == ""


def test_idle_gpus_line_by_hand() -> None:
    """GPU utilisation over 14 month ends, the start's left out, the last 12 averaged: replication 0 at 20% and
    replication 1 at 30% for the last 12 (the P50 of two is the lower, 20%): under 50%, the line says demand binds.
    At 60% and 70% it says nothing."""
    import datetime as dt

    from dxsim.results.bottlenecks import bottleneck_filter, idle_gpus_line

    dates = [dt.date(2029, 10, 31), dt.date(2029, 11, 30)] + [
        dt.date(2030, m, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31) for m in range(1, 13)
    ]

    def table(busy: dict[int, float]) -> pl.DataFrame:
        rows = [
            (d, r, "VN", "gpu_utilization_pct", 99.0 if k < 2 else v)
            for r, v in busy.items()
            for k, d in enumerate(dates)
        ]
        return pl.DataFrame(rows, schema=empty_metrics().schema, orient="row")

    line = idle_gpus_line(table({0: 20.0, 1: 30.0}).filter(bottleneck_filter()))
    assert line.startswith("GPUs: 20% busy over the last 12 months (P50 over replications)"), line
    assert "more GPUs would wait idle" in line
    assert idle_gpus_line(table({0: 60.0, 1: 70.0})) == ""

    # months without a GPU are left out: no fleet is no idle fleet (an import cap of 0 left none, and its 0% months
    # made a mean of 50% with 5,472 jobs waiting; data-centre audit). Fleets of 0 in the last 6 months and 90%
    # busy before: 90%, said nothing; no GPU in any month: nothing said either
    def with_fleet(busy: float, fleet_from_end: int) -> pl.DataFrame:
        b = table({0: busy, 1: busy}).with_columns(
            pl.when(pl.col("date") >= dates[-fleet_from_end])
            .then(0.0)
            .otherwise(pl.col("value"))
            .alias("value")
        )
        installed = b.with_columns(
            pl.lit("gpus_installed").alias("metric"),
            pl.when(pl.col("date") >= dates[-fleet_from_end]).then(0.0).otherwise(1000.0).alias("value"),
        )
        return pl.concat([b, installed]).filter(bottleneck_filter())

    assert idle_gpus_line(table({0: 90.0, 1: 90.0})) == ""  # the premise: 90% busy says nothing
    assert idle_gpus_line(with_fleet(90.0, 6)) == ""  # was (6 x 90 + 6 x 0) / 12 = 45%: "demand binds"
    assert idle_gpus_line(with_fleet(90.0, len(dates))) == ""
    # 20% busy with a fleet of 0 in the last 6 months: the 12 last month ends with GPUs are the 7 after the start's
    # (the start's own row is left out): one at 99% and six at 20%, (99 + 6 x 20) / 7 = 31.3%
    line = idle_gpus_line(with_fleet(20.0, 6))
    assert line.startswith("GPUs: 31% busy over the last 12 months"), line


def test_gpus_held_by_an_import_cap_kpi_and_line_by_hand() -> None:
    """GPUs held for a later year's import allowance: 0, 0, 400, 400 and 0, 100, 100, 0 at four month ends: GPU-months
    800 and 200; the line's P50s (the lower of two) say 100 at most, February to March, 200 GPU-months."""
    from dxsim.results.bottlenecks import import_cap_line
    from dxsim.results.summary import compute_kpis

    held = {0: [0.0, 0.0, 400.0, 400.0], 1: [0.0, 100.0, 100.0, 0.0]}
    base = gpu_table({0: 100.0, 1: 100.0})
    extra = pl.DataFrame(
        [
            (d, rep, "VN", "gpus_held_by_import_cap", held[rep][k])
            for rep in (0, 1)
            for k, d in enumerate(sorted(base["date"].unique().to_list()))
        ],
        schema=empty_metrics().schema,
        orient="row",
    )
    metrics = pl.concat([base, extra])
    assert compute_kpis(metrics)["gpu_months_held_by_import_cap"] == {0: 800.0, 1: 200.0}
    line = import_cap_line(metrics)
    assert line.startswith(
        "GPUs: up to 100 held back by the import cap (2026-02 to 2026-03, 200 GPU-months; P50 over replications)"
    ), line
    assert import_cap_line(base) == ""


def test_the_data_centres_energy_and_electricity_bill_are_kpis(cli_baseline) -> None:
    """The data centres' energy and electricity bill were in metrics.parquet only (data-centre audit: 15.8 TWh and
    45,855 bn VND over the baseline's horizon). summary.json now carries both, each the sum of the monthly metric
    over the month ends, recomputed here from the run's own metrics.parquet (P50 over its 2 replications: the
    lower)."""
    import json

    summary = json.loads((cli_baseline / "summary.json").read_text(encoding="utf-8"))["kpis"]
    m = pl.read_parquet(cli_baseline / "metrics.parquet").filter(pl.col("area") == "VN")
    for kpi, metric, scale in (
        ("dc_energy_total_gwh", "dc_energy_mwh", 1000.0),
        ("dc_electricity_opex_total_vnd_bn", "dc_electricity_opex_vnd_bn", 1.0),
    ):
        per_rep = (
            m.filter(pl.col("metric") == metric).group_by("replication").agg(pl.col("value").sum())["value"]
        )
        assert per_rep.len() == 2 and float(per_rep.min()) > 0
        assert math.isclose(summary[kpi], float(per_rep.min()) / scale, rel_tol=1e-6), (
            kpi
        )  # summary.json rounds
