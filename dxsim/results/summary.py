"""Headline KPIs from the metrics table (P50, and P10/P90 with replications).

KPIs are a flat dict of named numbers with the unit in the name, so a planner's script can
read `summary.json["kpis"]["pop_covered_5g_pct_2030_12"]` without guessing.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import cast

import numpy as np
import polars as pl

from dxsim.results.metrics import DENSITY_CLASSES, PROGRAMME_COMMITTED_METRIC, support_programme_metric


def _decimal_year(d: dt.date) -> float:
    start = dt.date(d.year, 1, 1)
    return d.year + (d - start).days / (dt.date(d.year + 1, 1, 1) - start).days


def decimal_year_to_date(v: float | None) -> dt.date | None:
    """Decimal year (year + day of year / days in the year, as summary.json writes it) -> date.

    The exact inverse of :func:`dxsim.results.summary._decimal_year`; None for a date never
    reached (NaN/None) or out of the calendar.
    """
    if v is None or not math.isfinite(v):
        return None
    year = math.floor(v)
    try:
        start = dt.date(year, 1, 1)
        days = (dt.date(year + 1, 1, 1) - start).days
    except (ValueError, OverflowError):
        return None
    return start + dt.timedelta(days=min(days - 1, max(0, round((v - year) * days))))


class NationalRows:
    """A run's national metric rows grouped by metric once, so each KPI reads a few numpy values.

    Why: the KPIs of one replication were ~90 polars filters of its ~7,000 national rows (~30 ms a replication
    in compare, sweeps and 1,000-replication runs); grouping once costs ~1 ms. Each read keeps the table's row
    order, as the filters did.
    """

    def __init__(self, national: pl.DataFrame) -> None:
        groups = national.with_row_index("row").group_by("metric", maintain_order=True).agg(pl.col("row"))
        self._rows = {
            m: np.asarray(r, dtype=np.int64)
            for m, r in zip(groups["metric"].to_list(), groups["row"].to_list(), strict=True)
        }
        self._date = national["date"].to_numpy()
        self._rep = national["replication"].to_numpy()
        self._value = national["value"].to_numpy()

    def has(self, metric: str) -> bool:
        return metric in self._rows

    def at(self, metric: str, d: dt.date) -> dict[int, float]:
        """{replication: value} of the metric at the month end d (empty where it is not recorded)."""
        rows = self._rows.get(metric)
        if rows is None:
            return {}
        hit = rows[self._date[rows] == np.datetime64(d, "D")]
        return dict(zip(self._rep[hit].tolist(), self._value[hit].tolist(), strict=True))

    def first_date_reaching(self, metric: str, threshold: float) -> dict[int, float]:
        """Per replication with the metric: decimal year of the first month end with value >= threshold, NaN if
        never."""
        rows = self._rows.get(metric, np.zeros(0, dtype=np.int64))
        rows = rows[np.argsort(self._date[rows], kind="stable")]
        out = {}
        for rep in dict.fromkeys(self._rep[rows].tolist()):
            mine = rows[self._rep[rows] == rep]
            hit = mine[self._value[mine] >= threshold]
            out[int(rep)] = _decimal_year(self._date[hit[0]].item()) if hit.size else math.nan
        return out


def sum_by_replication(national: pl.DataFrame, metric: str) -> dict[int, float]:
    """{replication: the metric summed over the month ends} of a flow metric (support paid, stations ordered ...)."""
    total = national.filter(pl.col("metric") == metric).group_by("replication").agg(pl.col("value").sum())
    return dict(zip(total["replication"].to_list(), total["value"].to_list(), strict=True))


def months_by_replication(national: pl.DataFrame, metric: str) -> dict[int, float]:
    """{replication: a level (people covered, villages connected, GPUs stranded) summed over the month ends after the
    start}: its months over the horizon, each counted at its end. The start's row is the state before the first
    month (as in final_year_mean_by_replication); counting it added a month before the horizon to every
    person-month, 0.7% of the baseline's 5G person-months."""
    start = national["date"].min()
    return sum_by_replication(national.filter(pl.col("date") > start), metric)


def max_by_replication(national: pl.DataFrame, metric: str) -> dict[int, float]:
    """{replication: the metric's largest month-end value} (the peak of a level, e.g. GPUs stranded)."""
    top = national.filter(pl.col("metric") == metric).group_by("replication").agg(pl.col("value").max())
    return dict(zip(top["replication"].to_list(), top["value"].to_list(), strict=True))


def final_year_mean_by_replication(national: pl.DataFrame, metric: str) -> dict[int, float]:
    """{replication: the metric's mean over the run's last 12 month ends}, the start's row left out (a rate over the
    month before it, which the start has not got): what a fleet's last year looked like, not one month's."""
    start = national["date"].min()
    rows = national.filter((pl.col("metric") == metric) & (pl.col("date") > start))
    last = rows.sort("date").group_by("replication").agg(pl.col("value").tail(12).mean())
    return dict(zip(last["replication"].to_list(), last["value"].to_list(), strict=True))


def per_replication_kpis(
    metrics: pl.DataFrame, rows: NationalRows | None = None
) -> dict[str, dict[int, float]]:
    """KPI name -> {replication: value}. `rows`: the national rows of `metrics`, when the caller has them."""
    nat = metrics.filter(pl.col("area") == "VN")
    rows = rows or NationalRows(nat)
    at = rows.at
    reps = sorted(nat["replication"].unique().to_list())
    kpis: dict[str, dict[int, float]] = {}
    dates = sorted(nat["date"].unique().to_list())
    year_ends = [d for d in dates if d.month == 12] + ([dates[-1]] if dates and dates[-1].month != 12 else [])
    for d in year_ends:
        tag = f"{d.year}_{d.month:02d}"
        for m in (
            "stations_5g",
            "pop_covered_5g_pct",
            "capex_cum_vnd_bn",
            "pop_5g_served_pct",
            "pop_mbb_served_pct",
        ):
            if not rows.has(m) and m.startswith("pop_") and "served" in m:
                continue  # capacity disabled
            kpis[f"{m}_{tag}"] = at(m, d)
    first, last = dates[0], dates[-1]

    kpis["pop_covered_4g_pct"] = at("pop_covered_4g_pct", first)
    start5 = at("pop_covered_5g", first)
    end5 = at("pop_covered_5g", last)
    capex = at("capex_cum_vnd_bn", last)
    for pct in (90, 99):
        kpis[f"year_5g_pop_{pct}pct"] = rows.first_date_reaching("pop_covered_5g_pct", pct)
    kpis["subsidy_paid_total_vnd_bn"] = sum_by_replication(nat, "subsidy_paid_vnd_bn")
    kpis["capex_total_vnd_bn"] = capex
    # ordered and not on air at the end: committed, not in the capex (57,676 sites waited for kits at 300 a month, and
    # no KPI showed the money; modelling audit)
    kpis["capex_5g_on_order_end_vnd_bn"] = at("capex_5g_on_order_vnd_bn", last)
    kpis["capex_per_added_person_covered_vnd_m"] = {
        r: (capex[r] * 1e3 / (end5[r] - start5[r]) if end5[r] > start5[r] else math.nan) for r in reps
    }
    # how soon, not only how much: a station on air a year earlier covers its people 12 more month ends, which the
    # end-of-horizon counts miss (compare's 5G rows judged the end only, so a delay cost nothing there; search trial)
    kpis["pop_5g_covered_person_months"] = months_by_replication(nat, "pop_covered_5g")
    new_cum = at("stations_5g_new_sites_cum", last)
    tot = at("stations_5g", last)
    up_start = at("stations_5g", first)
    kpis["new_sites_share_of_added_pct"] = {
        r: (100.0 * new_cum[r] / (tot[r] - up_start[r]) if tot[r] > up_start[r] else 0.0) for r in reps
    }
    present = set(nat["metric"].unique().to_list())
    if "pop_5g_served_pct" in present:  # served, not only covered (dxsim.sim.capacity)
        for name in (
            "pop_5g_served_pct",
            "pop_5g_capacity_short_pct",
            "pop_mbb_served_pct",
            "pop_mbb_capacity_short_pct",
            "user_throughput_mbps_p50",
            "user_throughput_mbps_p50_5g",
            "user_throughput_mbps_p50_4g",
            "user_throughput_mbps_mean",
            *(f"pop_{layer}_served_pct_{e}" for layer in ("5g", "mbb") for e in DENSITY_CLASSES),
        ):
            if name in present:  # the density classes: runs from before they were recorded have none
                kpis[f"{name}_end"] = at(name, last)
        served5 = at("pop_5g_served", last)
        served5_start = at("pop_5g_served", first)
        kpis["pop_5g_served_added_persons"] = {r: served5[r] - served5_start[r] for r in reps}
        # the served measure that tells 5G options apart where 5G serves everyone it covers: people whose traffic is
        # carried (5G or 4G), the benefit of compare's cost per person served by 4G or better
        served_mbb, served_mbb_start = at("pop_mbb_served", last), at("pop_mbb_served", first)
        kpis["pop_mbb_served_added_persons"] = {r: served_mbb[r] - served_mbb_start[r] for r in reps}
        kpis["pop_5g_served_person_months"] = months_by_replication(nat, "pop_5g_served")
        kpis["capex_per_added_person_served_5g_vnd_m"] = {
            r: (
                capex[r] * 1e3 / (served5[r] - served5_start[r])
                if served5[r] > served5_start[r]
                else math.nan
            )
            for r in reps
        }
        for pct in (90, 99):
            kpis[f"year_5g_served_{pct}pct"] = rows.first_date_reaching("pop_5g_served_pct", pct)
        if (
            "sites_brought_forward_for_capacity" in present
        ):  # densification: why a capacity lever moves coverage
            kpis["sites_brought_forward_for_capacity_total"] = sum_by_replication(
                nat, "sites_brought_forward_for_capacity"
            )
        if "stations_5g_built_for_capacity" in present:  # ... and how many of them were built
            kpis["stations_5g_built_for_capacity_end"] = at("stations_5g_built_for_capacity", last)
    if "support_accrued_unpaid_vnd_bn" in present:  # earned under programmes that pay after the horizon
        kpis["support_accrued_unpaid_vnd_bn"] = at("support_accrued_unpaid_vnd_bn", last)
    # each programme's own money, paid and earned (a province's programme beside Resolution 193): who pays what
    for name in sorted({p[0] for m in present if (p := support_programme_metric(m)) is not None}):
        paid, earned = at(f"support_{name}_paid_cum_vnd_bn", last), at(f"support_{name}_accrued_vnd_bn", last)
        kpis[f"support_{name}_total_vnd_bn"] = {r: paid[r] + earned.get(r, 0.0) for r in paid}
    for name in ("viettel", "vnpt", "mobifone"):
        if f"pop_covered_5g_pct_{name}" in present:  # each operator's own network at the end
            kpis[f"pop_covered_5g_pct_{name}_end"] = at(f"pop_covered_5g_pct_{name}", last)
        if f"surge_stations_{name}" in present:  # stations ordered in surges for support deadlines
            kpis[f"surge_stations_{name}_total"] = sum_by_replication(nat, f"surge_stations_{name}")
    return kpis


def village_kpis(metrics: pl.DataFrame, rows: NationalRows | None = None) -> dict[str, dict[int, float]]:
    """Village programme KPIs per replication (empty when the run has no villages)."""
    nat = metrics.filter(pl.col("area") == "VN")
    if nat.filter(pl.col("metric") == "villages_connected").height == 0:
        return {}
    last = cast(dt.date, nat["date"].max())
    first = cast(dt.date, nat["date"].min())
    rows = rows or NationalRows(nat)
    at = rows.at

    capex = sum_by_replication(nat, "village_capex_vnd_bn")
    pop = at("village_pop_connected", last)
    out = {
        "villages_unconnected_start": at("villages_unconnected", first),
        "villages_connected_end": at("villages_connected", last),
        **(
            {"villages_capacity_short_end": at("villages_capacity_short", last)}
            if rows.has("villages_capacity_short")
            else {}
        ),
        "villages_unconnected_end": at("villages_unconnected", last),
        "village_pop_connected_end": pop,
        "village_capex_total_vnd_bn": capex,
        "village_cost_per_person_connected_vnd_m": {
            r: (capex[r] * 1e3 / pop[r] if pop[r] > 0 else math.nan) for r in capex
        },
        # how soon, not only how many: a village connected a year earlier adds 12 months of service, which the end
        # counts miss (a campaign that only hurried read "connects no village more, costs more")
        "village_months_connected": months_by_replication(nat, "villages_connected"),
        "village_person_months_connected": months_by_replication(nat, "village_pop_connected"),
        # public money of the village programme (execution.kpis.public_cost_vnd_bn): its budget's commitments by the end
        "village_programme_committed_total_vnd_bn": at(PROGRAMME_COMMITTED_METRIC, last),
    }
    zero = nat.filter((pl.col("metric") == "villages_unconnected") & (pl.col("value") <= 0))
    reps = sorted(nat["replication"].unique().to_list())
    first_zero = zero.group_by("replication").agg(pl.col("date").min())
    when = dict(zip(first_zero["replication"].to_list(), first_zero["date"].to_list(), strict=True))
    out["year_all_villages_connected"] = {
        r: (_decimal_year(when[r]) if r in when else math.nan) for r in reps
    }
    return out


def compute_kpis(metrics: pl.DataFrame, rows: NationalRows | None = None) -> dict[str, dict[int, float]]:
    """Data-centre and GPU KPIs per replication (empty when the run has no compute model)."""
    nat = metrics.filter(pl.col("area") == "VN")
    if nat.filter(pl.col("metric") == "dc_it_capacity_mw").height == 0:
        return {}
    first, last = cast(dt.date, nat["date"].min()), cast(dt.date, nat["date"].max())
    reps = sorted(nat["replication"].unique().to_list())
    rows = rows or NationalRows(nat)
    at = rows.at

    gpus0 = at("gpus_installed_high_performance", first)
    out: dict[str, dict[int, float]] = {
        "dc_it_capacity_mw_start": at("dc_it_capacity_mw", first),
        "dc_it_capacity_mw_end": at("dc_it_capacity_mw", last),
        "dc_facility_power_mw_end": at("dc_facility_power_mw", last),
        "racks_end": at("racks", last),
        "gpus_installed_start": gpus0,
        "gpus_installed_end": at("gpus_installed_high_performance", last),
        "gpus_stranded_end": at("gpus_stranded", last),
        # the end alone read 0 while 150,000 GPUs waited three years for power (an order larger than the fleet's MW)
        "gpus_stranded_peak": max_by_replication(nat, "gpus_stranded"),
        "gpu_months_stranded": months_by_replication(nat, "gpus_stranded"),
        # an import cap holds deliveries for a later year's allowance: bought, not yet in the country
        "gpu_months_held_by_import_cap": months_by_replication(nat, "gpus_held_by_import_cap"),
        # placed by power alone: servers denser than their hall's racks run on an assumed, uncosted retrofit
        "gpus_over_rack_density_peak": max_by_replication(nat, "gpus_over_rack_density"),
        # ordinary demand GPUs and the built capacity crowd out: it grows each January whether there is room or not
        "dc_ordinary_load_unmet_mw_peak": max_by_replication(nat, "dc_ordinary_load_unmet_mw"),
        "gpu_pflops_bf16_end": at("gpu_pflops_bf16", last),
        "year_dc_1gw": rows.first_date_reaching("dc_it_capacity_mw", 1000.0),
        "year_dc_1_4gw_singapore": rows.first_date_reaching("dc_it_capacity_mw", 1400.0),
        # one training run needs one cluster: one organisation's GPUs at one data centre, not the national sum
        "year_gpt4_scale_run_fits": rows.first_date_reaching(
            "gpu_largest_cluster_a100_equivalents", 25_000.0
        ),
    }
    growth = nat.filter(pl.col("metric") == "gpus_installed_high_performance").join(
        pl.DataFrame(
            {"replication": list(gpus0), "g0": list(gpus0.values())},
            schema={"replication": pl.Int32, "g0": pl.Float64},
        ),
        on="replication",
    )
    # 15x of no GPUs is no target: with the whole start fleet stranded (no free IT power at the start, e.g.
    # base_utilisation_pct = 100) g0 is 0 and every month "reached" it, so the KPI said 15x on day 0
    hit = (
        growth.filter((pl.col("g0") > 0) & (pl.col("value") >= 15.0 * pl.col("g0")))
        .group_by("replication")
        .agg(pl.col("date").min())
    )
    when = dict(zip(hit["replication"].to_list(), hit["date"].to_list(), strict=True))
    out["year_gpus_15x_start"] = {r: (_decimal_year(when[r]) if r in when else math.nan) for r in reps}
    out["compute_capex_total_vnd_bn"] = sum_by_replication(nat, "compute_capex_vnd_bn")
    # the GPUs' own money and power: the 15x goal costs its GPUs and their power, not the data centres built for
    # ordinary IT load (compute_capex_total_vnd_bn mixed them, AI-compute trial)
    out["gpu_capex_total_vnd_bn"] = sum_by_replication(nat, "gpu_capex_vnd_bn")
    # ... and the data centres' own (the rest of the compute capex): what compare weighs against the MW they add (an
    # option buying 258 MW read only per PFLOPS and per person served, "adds no more, costs more": data-centre trial)
    out["dc_capex_total_vnd_bn"] = {
        r: out["compute_capex_total_vnd_bn"][r] - out["gpu_capex_total_vnd_bn"].get(r, 0.0)
        for r in out["compute_capex_total_vnd_bn"]
    }
    out["gpu_public_capex_total_vnd_bn"] = sum_by_replication(nat, "gpu_public_capex_vnd_bn")
    # ordered, not delivered by the end: a delivery that slips past the horizon is not a saving
    out["gpu_capex_on_order_end_vnd_bn"] = at("gpu_capex_on_order_vnd_bn", last)
    out["gpu_it_mw_end"] = at("gpu_it_mw", last)
    out["dc_power_draw_mw_end"] = at("dc_power_draw_mw", last)
    # what the GPUs bought are for: how busy they are and how many jobs wait (a push can leave most of them idle)
    out["gpu_utilization_pct_final_year"] = final_year_mean_by_replication(nat, "gpu_utilization_pct")
    out["ai_jobs_waiting_end"] = at("ai_jobs_waiting", last)
    out["dc_ppp_state_capex_total_vnd_bn"] = sum_by_replication(nat, "dc_ppp_state_capex_vnd_bn")
    # what the data centres draw and pay for power over the horizon: in metrics.parquet only, a planner weighing new
    # capacity saw its capex and never its running cost (data-centre audit: 15.8 TWh, 45,855 bn VND in the baseline)
    out["dc_energy_total_gwh"] = {r: v / 1000.0 for r, v in sum_by_replication(nat, "dc_energy_mwh").items()}
    out["dc_electricity_opex_total_vnd_bn"] = sum_by_replication(nat, "dc_electricity_opex_vnd_bn")
    return out


def summarise(
    metrics: pl.DataFrame, extra: dict[str, dict[int, float]] | None = None
) -> dict[str, float | None]:
    """P50 of every KPI; with more than one replication also `<kpi>_p10` and `<kpi>_p90`.

    `extra` adds KPIs computed elsewhere (name -> {replication: value}).
    """
    return kpi_quantiles({**kpi_values(metrics), **(extra or {})}, metrics["replication"].n_unique())


def kpi_values(metrics: pl.DataFrame) -> dict[str, dict[int, float]]:
    """Every KPI of the metrics' replications: name -> {replication: value}.

    Each replication's values depend on its own rows only, so a long run computes them as each replication comes in
    and keeps a few hundred numbers instead of its ~7,000 national rows (`merge_kpi_values`; dxsim.runner)."""
    nat = metrics.filter(pl.col("area") == "VN")
    rows = NationalRows(nat)  # grouped by metric once for the three KPI families
    per = per_replication_kpis(nat, rows)
    per.update(village_kpis(nat, rows))
    per.update(compute_kpis(nat, rows))
    return per


def merge_kpi_values(into: dict[str, dict[int, float]], more: dict[str, dict[int, float]]) -> None:
    """Add another replication's `kpi_values` to `into` (KPI order: as first seen)."""
    for name, by_rep in more.items():
        into.setdefault(name, {}).update(by_rep)


def kpi_quantiles(per: dict[str, dict[int, float]], n_reps: int) -> dict[str, float | None]:
    """P50 of every KPI of `per` (name -> {replication: value}); with more than one replication also P10 and P90."""
    out: dict[str, float | None] = {}
    for name, by_rep in per.items():
        vals = np.array(list(by_rep.values()), dtype=float)
        if n_reps > 1:
            # a date never reached in some replications: percentiles over all, NaN ranked last
            srt = np.sort(np.where(np.isnan(vals), np.inf, vals))
            out[name] = _clean(_quantile(srt, 0.5))
            out[f"{name}_p10"] = _clean(_quantile(srt, 0.1))
            out[f"{name}_p90"] = _clean(_quantile(srt, 0.9))
        else:
            out[name] = _clean(float(vals[0])) if vals.size else None
    return out


def _quantile(sorted_vals: np.ndarray, p: float) -> float:
    """Empirical quantile (an observed value, so a never-reached date stays 'never')."""
    return float(np.quantile(sorted_vals, p, method="inverted_cdf")) if sorted_vals.size else math.nan


def _clean(v: float) -> float | None:
    """JSON-safe: NaN / inf (never reached) become null."""
    return None if (v is None or not math.isfinite(v)) else round(v, 6)
