"""Per-replication KPIs of a run (the numbers sweeps, compare and optimise rank), and the run that yields them."""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from dxsim.execution.worlds import WorldCache, effective_scenario, process_world_cache
from dxsim.results.kpi_labels import COMPUTE_KPI_NAMES, SERVED_BY_CLASS_KPIS
from dxsim.results.summary import NationalRows, compute_kpis, per_replication_kpis, village_kpis
from dxsim.results.villages import campaign_kpis, last_village_kpi
from dxsim.scenario.schema import OPERATORS
from dxsim.sim.calendar import month_ends
from dxsim.errors import DxsimInputError
from dxsim.scenario.sections.villages_campaigns import Campaign
from dxsim.sim.model import run_replication
from dxsim.sim.villages.setup import campaign_scopes
from dxsim.sim.support import programmes


def year_end_tags(start: dt.date, end: dt.date) -> list[str]:
    """KPI suffixes of the reporting year ends (December month ends, plus the end date if not December)."""
    dates = month_ends(start, end)
    ends = [d for d in dates if d.month == 12] + ([dates[-1]] if dates and dates[-1].month != 12 else [])
    return [f"{d.year}_{d.month:02d}" for d in ends]


CORE_KPIS = (
    "pop_covered_4g_pct",
    "year_5g_pop_90pct",
    "year_5g_pop_99pct",
    "subsidy_paid_total_vnd_bn",
    "capex_total_vnd_bn",
    "capex_5g_on_order_end_vnd_bn",
    "capex_per_added_person_covered_vnd_m",
    "new_sites_share_of_added_pct",
    "pop_covered_5g_added_persons",
    "pop_covered_5g_end_persons",
    "pop_5g_covered_person_months",
    "capex_all_programmes_total_vnd_bn",
    "support_accrued_unpaid_vnd_bn",
    "dc_state_investment_total_vnd_bn",
    "public_cost_total_vnd_bn",
)
SERVED_KPIS = (  # served, not only covered (dxsim.sim.capacity)
    "pop_5g_served_pct_end",
    "pop_5g_capacity_short_pct_end",
    "pop_mbb_served_pct_end",
    "pop_mbb_capacity_short_pct_end",
    "user_throughput_mbps_p50_end",
    "user_throughput_mbps_p50_5g_end",
    "user_throughput_mbps_p50_4g_end",
    "user_throughput_mbps_mean_end",
    *SERVED_BY_CLASS_KPIS,
    "pop_5g_served_added_persons",
    "pop_mbb_served_added_persons",
    "pop_5g_served_end_persons",
    "pop_mbb_served_end_persons",
    "pop_5g_served_person_months",
    "capex_per_added_person_served_5g_vnd_m",
    "year_5g_served_90pct",
    "year_5g_served_99pct",
    "sites_brought_forward_for_capacity_total",
    "stations_5g_built_for_capacity_end",
)
VILLAGE_KPIS = (
    "villages_unconnected_start",
    "villages_connected_end",
    "villages_unconnected_end",
    "village_pop_connected_end",
    "village_capex_total_vnd_bn",
    "village_cost_per_person_connected_vnd_m",
    "year_all_villages_connected",
    "year_last_village_connected",
    "villages_no_feasible_option",
    "village_capex_per_village_connected_vnd_bn",
    "villages_capacity_short_end",
    "village_months_connected",
    "village_person_months_connected",
)
# the compute KPIs of the summary (one list with the labels' "compute" group) and two of its own
COMPUTE_KPIS = (*COMPUTE_KPI_NAMES, "gpu_pflops_bf16_added", "compute_capex_per_added_pflops_vnd_bn")


def kpi_names(scenario: Any) -> list[str]:
    """Every KPI :func:`replication_kpis` reports for this scenario: summary.json's names plus a few more.

    Per year end T (e.g. 2027_12): stations_5g_T, pop_covered_5g_pct_T, capex_cum_vnd_bn_T; with the
    compute model, dc_it_capacity_mw_T, gpus_installed_T (high-performance GPUs powered); with the villages,
    villages_connected_T and villages_without_power_T (the no-power subset's, at a date every option shares: a
    campaign's own count is at its deadline, which an option may move). Per support programme that pays anything: support_<name>_total_vnd_bn.
    """
    h = scenario.horizon
    names: list[str] = []
    for tag in year_end_tags(h.start_date, h.end_date):
        names += [f"stations_5g_{tag}", f"pop_covered_5g_pct_{tag}", f"capex_cum_vnd_bn_{tag}"]
        if scenario.capacity.enabled:
            names += [f"pop_5g_served_pct_{tag}", f"pop_mbb_served_pct_{tag}"]
        if scenario.compute.enabled:
            names += [f"dc_it_capacity_mw_{tag}", f"gpus_installed_{tag}"]
        if scenario.villages.enabled:
            names += [f"villages_connected_{tag}", f"villages_without_power_{tag}"]
    names += list(CORE_KPIS)
    names += [f"support_{p.name}_total_vnd_bn" for p in programmes(scenario)]  # each programme's own money
    if scenario.capacity.enabled:
        names += list(SERVED_KPIS)
    for (
        name
    ) in OPERATORS:  # each operator's own network at the end, and its surge stations (metrics for all three)
        names += [f"pop_covered_5g_pct_{name}_end", f"surge_stations_{name}_total"]
    if scenario.villages.enabled:
        names += list(VILLAGE_KPIS)
        names += [
            "villages_without_power_end",
            "villages_without_signal_end",
            "village_programme_committed_total_vnd_bn",
        ]
        names += campaign_kpi_names(scenario)
    if scenario.compute.enabled:
        names += list(COMPUTE_KPIS)
    return names


def campaign_kpi_names(scenario: Any) -> list[str]:
    """The campaign KPIs a replication reports (`dxsim.results.villages.campaign_kpis`): per campaign its surge
    capex, villages left at the end and month done; villages in scope once its deadline is within the horizon (or
    before it); and, for a deadline inside the horizon, the villages done and left by it and whether it was met."""
    h = scenario.horizon
    out = []
    for c in scenario.villages.campaigns:
        n = f"campaign_{c.name}"
        if c.deadline <= h.end_date:
            out.append(f"{n}_villages_in_scope")
        if h.start_date <= c.deadline <= h.end_date:
            out += [
                f"{n}_villages_done_by_deadline",
                f"{n}_villages_left_at_deadline",
                f"{n}_villages_without_power_at_deadline",
                f"{n}_deadline_met",
            ]
        out += [f"{n}_surge_capex_total_vnd_bn", f"{n}_villages_left_end", f"{n}_year_done"]
    return out


def _ratio(num: float, den: float) -> float:
    return num / den if (math.isfinite(num) and math.isfinite(den) and den > 0) else math.nan


def state_dc_investment_vnd_bn(scenario: Any) -> float:
    """Public data-centre money committed within the horizon: each listed year from 1 January on.

    The model starts a state project with the whole year's `public_investment_vnd_bn` on 1 January
    of each listed year inside the horizon (:mod:`dxsim.sim.compute.datacentres`), so the money is
    committed then, whether or not the project is commissioned before the end.
    """
    if not scenario.compute.enabled:
        return 0.0
    h = scenario.horizon
    return float(
        sum(
            v
            for y, v in scenario.compute.datacentres.public_investment_vnd_bn.items()
            if y >= h.start_date.year and dt.date(y, 1, 1) <= h.end_date and v > 0
        )
    )


def public_cost_vnd_bn(scenario: Any, kpis: dict[str, float]) -> float:
    """Public money of a replication (VND bn): 5G support paid or earned, the village programme's budget spent, state
    DC investment and the state's PPP share of data-centre projects.

    = subsidy_paid_total_vnd_bn + support_accrued_unpaid_vnd_bn (support earned within the horizon
    whose window closes after it) + village_programme_committed_total_vnd_bn (what the village programme's budget
    committed: the villages it starts and the campaigns it funds) + :func:`state_dc_investment_vnd_bn`
    + dc_ppp_state_capex_total_vnd_bn (the state's part of announced projects' capex under `ppp_share_pct`, as their
    construction starts) + gpu_public_capex_total_vnd_bn (the state's share of GPU orders, `public_share_pct`, on
    delivery: a national programme's GPUs were not public money). The operators' and the utility's own investment is not public money: an operator's 5G capex
    is not, and neither are the works of a village campaign the utility and the operators pay
    (`funded_by_programme_budget = false`). Why: all village capex was counted, so the baseline showed 2,100 bn VND
    of public money beside a note that the programme budget pays for no village.
    """
    parts = [
        kpis.get("subsidy_paid_total_vnd_bn", 0.0),
        kpis.get("support_accrued_unpaid_vnd_bn", 0.0),
        kpis.get("village_programme_committed_total_vnd_bn", 0.0) if scenario.villages.enabled else 0.0,
        state_dc_investment_vnd_bn(scenario),
        kpis.get("dc_ppp_state_capex_total_vnd_bn", 0.0) if scenario.compute.enabled else 0.0,
        kpis.get("gpu_public_capex_total_vnd_bn", 0.0) if scenario.compute.enabled else 0.0,
    ]
    return float(sum(x for x in parts if math.isfinite(x)))


def public_money_kpis(scenario: Any, kpis: dict[str, float]) -> dict[str, float]:
    """`public_cost_total_vnd_bn` (:func:`public_cost_vnd_bn`) and its one part that no metric holds,
    `dc_state_investment_total_vnd_bn` (:func:`state_dc_investment_vnd_bn`), so the total can be rebuilt from its
    parts in every output. Why: balanced.toml's 19,972 bn of public money listed 7,972 bn of parts; the 12,000 bn of
    state data-centre money was nowhere (state-audit trial)."""
    return {
        "dc_state_investment_total_vnd_bn": state_dc_investment_vnd_bn(scenario),
        "public_cost_total_vnd_bn": public_cost_vnd_bn(scenario, kpis),
    }


# a province's KPIs (compare --province): these metrics at each year end, `<metric>_<gso34>_<YYYY>_<MM>`, and these
# flows summed over the horizon, `<kpi>_<gso34>`
PROVINCE_YEAR_END_METRICS = (
    "stations_5g",
    "pop_covered_5g_pct",
    "pop_5g_served_pct",
    "pop_mbb_served_pct",
    "villages_connected",
    "villages_started_by_programme",
)
PROVINCE_SUMMED = {
    "capex_total_vnd_bn": "capex_vnd_bn",
    "village_capex_total_vnd_bn": "village_capex_vnd_bn",
    "village_person_months_connected": "village_pop_connected",
}


def province_kpis(
    metrics: pl.DataFrame, provinces: Sequence[str], ends: Sequence[dt.date]
) -> dict[str, float]:
    """One replication's KPIs of the given provinces (gso34 codes), read from its metrics table: the
    PROVINCE_YEAR_END_METRICS at the year ends `ends`, and the PROVINCE_SUMMED flows over all month ends. A metric the
    run does not record (villages off) has no KPI."""
    if not provinces:
        return {}
    rows = metrics.filter(pl.col("area").is_in(list(provinces)))
    out: dict[str, float] = {}
    at_ends = rows.filter(
        pl.col("metric").is_in(PROVINCE_YEAR_END_METRICS) & pl.col("date").is_in(list(ends))
    )
    for metric, area, d, v in at_ends.select("metric", "area", "date", "value").iter_rows():
        out[f"{metric}_{area}_{d.year}_{d.month:02d}"] = float(v)
    sums = (
        rows.filter(pl.col("metric").is_in(list(PROVINCE_SUMMED.values())))
        .group_by("metric", "area")
        .agg(pl.col("value").sum())
    )
    kpi_of = {m: k for k, m in PROVINCE_SUMMED.items()}
    for metric, area, v in sums.select("metric", "area", "value").iter_rows():
        out[f"{kpi_of[metric]}_{area}"] = float(v)
    return out


@dataclass(frozen=True)
class CampaignProbe:
    """A campaign another scenario of a compare declares (`name`, with that scenario's whole campaign list, in its
    order, as dicts), counted in a scenario that does not declare it: the same villages at the same deadline."""

    name: str
    campaigns: tuple[dict[str, Any], ...]


def campaign_probe_kpis(world: Any, res: Any, probes: Sequence[CampaignProbe]) -> dict[str, float]:
    """For each probe: `campaign_<name>_villages_in_scope`, `_villages_done_by_deadline` and
    `_villages_left_at_deadline` (and `_villages_without_power_at_deadline`) of the villages the campaign takes in its
    own scenario's list, applied to this run's
    village layer (`campaign_scopes`), on air by its deadline or not in this run; nothing when the deadline lies
    outside the horizon, the run has no villages, or the list selects nothing here.

    Why: compare showed a Tuyên Quang campaign's 25 villages left at its deadline beside "-" in the baseline, which
    has no such campaign, and the planner computed the baseline's 95 of the same villages by hand (provincial
    trial): the campaign's effect is the difference, and now a row of its own."""
    out: dict[str, float] = {}
    vw = getattr(world, "villages", None)
    signal = getattr(res, "village_signal_day", None)
    if vw is None or signal is None:
        return out
    h = world.scenario.horizon
    span = float((h.end_date - h.start_date).days)
    for probe in probes:
        campaigns = [Campaign.model_validate(c) for c in probe.campaigns]
        try:
            scopes = campaign_scopes(campaigns, vw.table)
        except (
            DxsimInputError
        ):  # another village layer, whose villages the list's order leaves this one none of
            continue
        k = next((i for i, c in enumerate(campaigns) if c.name == probe.name), None)
        if k is None:
            continue
        deadline = float((campaigns[k].deadline - h.start_date).days)
        if not 0.0 <= deadline <= span:
            continue
        scope = scopes[k][1]
        on_air = np.nan_to_num(np.asarray(signal, dtype=np.float64), nan=np.inf) <= deadline
        prefix = f"campaign_{probe.name}_"
        out[prefix + "villages_in_scope"] = float(scope.sum())
        out[prefix + "villages_done_by_deadline"] = float((scope & on_air).sum())
        out[prefix + "villages_left_at_deadline"] = float((scope & ~on_air).sum())
        power = getattr(res, "village_power_day", None)
        if power is not None:
            powered = np.nan_to_num(np.asarray(power, dtype=np.float64), nan=np.inf) <= deadline
            out[prefix + "villages_without_power_at_deadline"] = float((scope & ~powered).sum())
    return out


def replication_kpis(
    world: Any,
    res: Any,
    replication: int,
    provinces: Sequence[str] = (),
    campaign_probes: Sequence[CampaignProbe] = (),
) -> dict[str, float]:
    """Flat KPI dict of one replication (the summary.json definitions; NaN = not reached / not defined).

    Added to summary.json's: `pop_covered_5g_added_persons` (people covered by 5G at the end minus the
    start), `pop_covered_5g_end_persons` and, with capacity, `pop_5g_served_end_persons` / `pop_mbb_served_end_persons`
    (people at the end: the benefits of compare's incremental ratios), `gpu_pflops_bf16_added`, year-end `dc_it_capacity_mw_T` / `gpus_installed_T` / `villages_connected_T`
    (a lever that connects villages or opens data-centre phases sooner moves these, not the end totals),
    `capex_all_programmes_total_vnd_bn` (5G + village + compute capex), and cost-effectiveness:
    `village_capex_per_village_connected_vnd_bn`, `compute_capex_per_added_pflops_vnd_bn`.
    """
    nat = res.metrics.filter(pl.col("area") == "VN")
    # one replication's rows: a value per (metric, month end), grouped once for all KPIs
    rows = NationalRows(nat)
    per = per_replication_kpis(nat, rows)
    per.update(village_kpis(nat, rows))
    if world.villages is not None:  # each campaign: done by its deadline, met, month done, surge capex
        per.update(campaign_kpis(nat))
    per.update(compute_kpis(nat, rows))
    h = world.scenario.horizon
    if world.villages is not None and res.village_served_day is not None:
        feasible = world.villages.inputs.feasible
        per["year_last_village_connected"] = last_village_kpi(
            feasible,
            {replication: res.village_served_day},
            h.start_date,
            float((h.end_date - h.start_date).days),
        )
        per["villages_no_feasible_option"] = {replication: float((~feasible).sum())}
    out = {
        k: float(v.get(replication, math.nan)) if v.get(replication) is not None else math.nan
        for k, v in per.items()
    }

    dates = sorted(nat["date"].unique().to_list())
    first, last = dates[0], dates[-1]

    def at(metric: str, d: dt.date) -> float:
        return float(rows.at(metric, d).get(replication, math.nan))

    out["pop_covered_5g_added_persons"] = at("pop_covered_5g", last) - at("pop_covered_5g", first)
    # the people at the end: compare's incremental ratios weigh an option's extra benefit by these, not by the added
    # ones, which subtract each scenario's own start: an option that redefines "served" (a higher served rate)
    # lowers its own start and read as a gain (rate 25 Mbps: +33 M "added" against the baseline's -4 M, for 58% of
    # people served at the end against 92%; operator RAN trial)
    out["pop_covered_5g_end_persons"] = at("pop_covered_5g", last)
    if world.scenario.capacity.enabled:
        out["pop_5g_served_end_persons"] = at("pop_5g_served", last)
        out["pop_mbb_served_end_persons"] = at("pop_mbb_served", last)
    capex_5g = out.get("capex_total_vnd_bn", math.nan)
    capex_v = out.get("village_capex_total_vnd_bn", math.nan)
    capex_c = out.get("compute_capex_total_vnd_bn", math.nan)
    out["capex_all_programmes_total_vnd_bn"] = sum(
        x for x in (capex_5g, capex_v, capex_c) if math.isfinite(x)
    )
    ends = [d for d in dates if d.month == 12] + ([last] if last.month != 12 else [])  # as year_end_tags
    if world.villages is not None:
        out["village_capex_per_village_connected_vnd_bn"] = _ratio(
            capex_v, out.get("villages_connected_end", math.nan)
        )
        for d in ends:
            out[f"villages_connected_{d.year}_{d.month:02d}"] = at("villages_connected", d)
            out[f"villages_without_power_{d.year}_{d.month:02d}"] = at("villages_without_power", d)
    if world.compute is not None:
        added = at("gpu_pflops_bf16", last) - at("gpu_pflops_bf16", first)
        out["gpu_pflops_bf16_added"] = added
        out["compute_capex_per_added_pflops_vnd_bn"] = _ratio(capex_c, added)
        for d in ends:
            tag = f"{d.year}_{d.month:02d}"
            out[f"dc_it_capacity_mw_{tag}"] = at("dc_it_capacity_mw", d)
            out[f"gpus_installed_{tag}"] = at("gpus_installed_high_performance", d)
    out.update(public_money_kpis(world.scenario, out))
    out.update(province_kpis(res.metrics, provinces, ends))
    if world.villages is not None:
        out.update(province_village_counts(world.villages.table, provinces))
    out.update(campaign_probe_kpis(world, res, campaign_probes))
    return out


def province_village_counts(villages: pl.DataFrame, provinces: Sequence[str]) -> dict[str, float]:
    """Per province (gso34 code): `villages_in_layer_<code>`, the villages of the run's layer there, and
    `villages_synthetic_<code>`, those of them the seeded synthetic draw placed (not a list).

    Why: a province's village counts, costs and dates read as its own, though all 24 of Điện Biên's are synthetic
    (another `villages.layer.synthetic_seed` gave 23, and another last village date): compare --province said
    nothing of it (provincial trial)."""
    out: dict[str, float] = {}
    for code in provinces:
        here = villages.filter(pl.col("gso34") == code)
        out[f"villages_in_layer_{code}"] = float(here.height)
        out[f"villages_synthetic_{code}"] = float(here["synthetic"].fill_null(False).sum())
    return out


def run_scenario_kpis(
    scenario: Any,
    scenario_dir: str | os.PathLike[str] | None,
    seed: int,
    reps: int | Sequence[int],
    cache: WorldCache | None = None,
    on_replication: Callable[[int], None] | None = None,
    on_metrics: Callable[[int, Any], None] | None = None,
    provinces: Sequence[str] = (),
    campaign_probes: Sequence[CampaignProbe] = (),
) -> tuple[dict[int, dict[str, float]], dict[str, Any]]:
    """KPIs of replications `range(reps)` (or the given indices) of one scenario, with the common `seed`.

    `on_metrics(replication, metrics)` sees each replication's metrics table before it is dropped
    (compare keeps the few rows it needs from it). `provinces`: gso34 codes whose KPIs are added (`province_kpis`);
    `campaign_probes`: campaigns of other scenarios counted here (`campaign_probe_kpis`).

    Returns ({replication: {kpi: value}}, timing {prepare_s, replications_s, world_cached, world_source}):
    `world_cached`, the world was in this process's memory; `world_source`, one of
    :data:`dxsim.execution.worlds.WORLD_SOURCES` (memory, read from the store, or built).
    """
    cache = cache or process_world_cache()
    sc = effective_scenario(scenario, seed)
    world, hit, prep_s = cache.get(sc, scenario_dir)
    source = cache.source
    indices = range(int(reps)) if isinstance(reps, int) else list(reps)
    out: dict[int, dict[str, float]] = {}
    t0 = time.perf_counter()
    for rep in indices:
        res = run_replication(world, int(rep), seed=int(seed), end_cells=False)
        out[int(rep)] = replication_kpis(world, res, int(rep), provinces, campaign_probes)
        if on_metrics:
            on_metrics(int(rep), res.metrics)
        del res
        if on_replication:
            on_replication(int(rep))
    return out, {
        "prepare_s": prep_s,
        "replications_s": time.perf_counter() - t0,
        "world_cached": hit,
        "world_source": source,
    }
