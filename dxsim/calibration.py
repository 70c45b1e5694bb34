"""Model vs reported figures (DESIGN section 5), each with its tolerance.

Coverage rows switch on the first N sites of the scenario's ranked plan (the order in which
the rollout model builds them) and compare the covered population share with the report.
Rows with no tolerance are forecasts or context, shown for judgement, never pass/fail.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from dxsim.paths import fact_table
from dxsim.sim.model import World


@dataclass
class CalibrationRow:
    figure: str
    reported: float
    model: float
    tolerance: float | None  # absolute, in the figure's unit; None = informative only
    unit: str
    source: str
    upper_bound: bool = False  # the report gives a ceiling ("fewer than"): pass when model <= reported

    @property
    def status(self) -> str:
        if self.upper_bound:
            return "pass" if self.model <= self.reported else "FAIL"
        if self.tolerance is None:
            return "info"
        return "pass" if abs(self.model - self.reported) <= self.tolerance else "FAIL"


def national_facts() -> dict[str, dict]:
    with open(fact_table("national_facts.csv"), encoding="utf-8") as f:
        return {r["key"]: r for r in csv.DictReader(f)}


def _grid_after(world: World, n_sites: int):
    """A fresh coverage grid with the first n ranked 5G sites on (precomputed footprints)."""
    g = world.cells.coverage_grid(world.scenario.radio.coverage_subsamples_per_axis)
    g.add_footprints(world.plan_footprints, np.arange(min(n_sites, world.plan.n)))
    return g


def coverage_after(world: World, n_sites: int) -> float:
    """% of population covered by the first n ranked 5G sites."""
    return 100.0 * _grid_after(world, n_sites).covered_pop_total() / float(world.cells.pop.sum())


def sites_for_coverage(world: World, pct: float, step: int = 50) -> int:
    """Smallest multiple of `step` ranked sites whose coverage reaches pct (one incremental pass), or -1."""
    g = world.cells.coverage_grid(world.scenario.radio.coverage_subsamples_per_axis)
    total = float(world.cells.pop.sum())
    for lo in range(0, world.plan.n, step):
        hi = min(lo + step, world.plan.n)
        g.add_footprints(world.plan_footprints, np.arange(lo, hi))
        if 100.0 * g.covered_pop_total() / total >= pct:
            return hi
    return -1


def capitals_coverage(world: World, n_sites: int) -> float:
    """% of people in urban wards of pre-2025 provincial cities covered by the first n 5G sites."""
    g = _grid_after(world, n_sites)
    city = world.country.cells["city_ward"].to_numpy()
    return 100.0 * float(g.covered_pop_cell[city].sum() / world.cells.pop[city].sum())


def calibration_rows(world: World, replication=None) -> list[CalibrationRow]:
    """All rows; `replication` (a ReplicationResult of the same world) saves running one."""
    f = national_facts()

    def val(key: str) -> float:
        return float(f[key]["value"])

    def src(key: str) -> str:
        return f[key]["source"]

    n_oct = int(val("stations_5g_2025_10"))
    n_may = int(val("stations_5g_2025_05"))
    n_plan = int(val("stations_5g_plan_2025_12"))
    n_2024 = sites_for_coverage(world, val("pop_covered_5g_pct_2024"))
    rows = [
        CalibrationRow(f"5G population coverage with {n_oct:,} stations (2025-10)", val("pop_covered_5g_pct_2025_10"),
                       coverage_after(world, n_oct), 1.5, "% of population", src("pop_covered_5g_pct_2025_10")),
        CalibrationRow(f"5G population coverage with {n_may:,} stations (2025-05)", val("pop_covered_5g_pct_2025_05"),
                       coverage_after(world, n_may), 3.0, "% of population", src("pop_covered_5g_pct_2025_05")),
        CalibrationRow("4G population coverage (existing 4G layer)", val("pop_covered_4g_pct"),
                       100.0 * world.cov4g.covered_pop_total() / float(world.cells.pop.sum()), 0.5,
                       "% of population", src("pop_covered_4g_pct")),
        CalibrationRow(f"5G coverage with {n_plan:,} stations (end-2025 plan; a forecast)",
                       val("pop_covered_5g_pct_plan_2025_12"), coverage_after(world, n_plan), None,
                       "% of population", src("pop_covered_5g_pct_plan_2025_12")),
        CalibrationRow("5G stations at which national coverage reaches 25.5% (2024 figure; count not reported)",
                       float("nan"), float(n_2024), None, "stations", src("pop_covered_5g_pct_2024")),
        CalibrationRow("5G coverage of urban wards of provincial cities at that point (2024 'provincial capital areas')",
                       val("pop_covered_5g_capitals_pct_2024"), capitals_coverage(world, max(n_2024, 0)), None,
                       "% of population", src("pop_covered_5g_capitals_pct_2024")),
        CalibrationRow("5G stations as a share of 4G stations (2025-10)", val("stations_5g_share_of_4g_2025_10"),
                       100.0 * world.scenario.start_state.stations_5g / world.layer.sites_4g.height, 0.5,
                       "%", src("stations_5g_share_of_4g_2025_10")),
    ]
    if replication is None and (world.villages is not None or world.compute is not None):
        from dxsim.sim.model import run_replication

        replication = run_replication(world, 0)
    if world.villages is not None:
        rows += village_rows(world, f, replication)
    if world.compute is not None:
        rows += compute_rows(world, f, replication)
    return rows


def compute_rows(world: World, f: dict[str, dict], replication) -> list[CalibrationRow]:
    """End-2024 data-centre fleet and the start GPU count beside the reports."""
    import datetime as dt

    import polars as pl

    from dxsim.geo.datacentres import fleet_totals

    tot = fleet_totals(world.compute.dc_table, dt.date(2024, 12, 31))
    nat = replication.metrics.filter(pl.col("area") == "VN")

    def first(metric: str) -> float:
        return float(nat.filter(pl.col("metric") == metric).sort("date")["value"][0])

    def last(metric: str) -> float:
        return float(nat.filter(pl.col("metric") == metric).sort("date")["value"][-1])

    def row(label: str, key: str, model: float, tol: float | None, unit: str, **kw) -> CalibrationRow:
        return CalibrationRow(label, float(f[key]["value"]), model, tol, unit, f[key]["source"], **kw)

    return [
        row("Data-centre IT capacity, end-2024", "dc_capacity_mw_2024", tot["it_mw"], 1.0, "MW"),
        row("Data-centre racks, end-2024", "dc_racks_2024", tot["racks"], 50.0, "racks"),
        row("Data centres, end-2024", "dc_count_2024", tot["sites"], 0.0, "sites"),
        row("High-performance GPUs at the start (reported: fewer than 2,000)", "gpus_high_perf_2025",
            first("gpus_installed_high_performance"), None, "GPUs", upper_bound=True),
        CalibrationRow("Data-centre IT capacity at the horizon end (market target 870 MW by 2030)", 870.0,
                       last("dc_it_capacity_mw"), None, "MW",
                       "infra/vn_telecom_dc_stats.csv (vietnam.vn, 2025): target 870 MW by 2030"),
    ]


def village_rows(world: World, f: dict[str, dict], replication) -> list[CalibrationRow]:
    """The village count at the start and the pace of the 2022-2025 programme beside the model's."""
    n_2022 = float(f["villages_no_signal_2022_09"]["value"])
    n_2023 = float(f["villages_no_signal_2023_03"]["value"])
    n_2025 = float(f["villages_no_signal_no_power_2025_10"]["value"])
    years = 3.08  # 2022-09-30 -> 2025-10-31
    connected = replication.village_connected_day
    first_year = float((connected <= 365).sum())
    src = f"{f['villages_no_signal_2022_09']['source']}; {f['villages_no_signal_no_power_2025_10']['source']}"
    return [
        CalibrationRow("Villages without grid power and mobile signal at the start (2025-10)", n_2025,
                       float(world.villages.table.height), 0.0, "villages",
                       f["villages_no_signal_no_power_2025_10"]["source"]),
        CalibrationRow(f"Villages without signal: {n_2022:.0f} (2022-09) -> ~{n_2023:.0f} (2023-03) -> {n_2025:.0f} "
                       f"(2025-10): connected per year then, vs the model's first year", (n_2022 - n_2025) / years,
                       first_year, None, "villages per year", src),
    ]
