"""Option comparison: several scenarios side by side, with deltas against a baseline.

Every scenario is run with the SAME seed and the SAME replication indices 0..reps-1 (common
random numbers, :mod:`dxsim.rng`): replication r of every option sees the same permit
delays, lead times and crew times for the same site rank, so a difference between options comes
from the options, not the noise. A scenario identical to the baseline therefore shows exactly
zero deltas. Scenarios whose world is the same (e.g. a renamed copy, or options that differ only
in operators/crews/supply/subsidy/…) share one `prepare_world` (see :mod:`dxsim.execution`).

Values: each scenario column is the P50 over replications (P10 and P90 with reps > 1, the same
empirical quantiles as summary.json; a date never reached ranks last and shows as not reached).
`delta_<option>` is the P50 over replications of the PAIRED difference option[r] - baseline[r]
(same replication index r): with common random numbers this is the option's effect, and its
P10-P90 is far narrower than the difference of two independent runs. For dates, both not
reached counts as no difference; one reached and the other not gives no number (null).

Cost-effectiveness rows: the average ones are each scenario's own ratio (VND per person newly
covered by 5G since the start, per village connected, per PFLOPS added); the incremental ones
("vs baseline") are P50 of the paired extra cost divided by P50 of the paired extra benefit,
shown in the option's column (empty for the baseline), with P10-P90 of each replication's own ratio when every
replication adds benefit at a cost (`ratio_band`). There is no ratio (null in compare.csv) when the
option adds no benefit, or when it costs less and adds more (it dominates); the tables say which
(`CompareResult.verdicts`, `incremental_ratio`).

What each option changes: `CompareResult.differences` lists, per option, every field whose value
differs from the baseline's (after `extends` and defaults, as the scenario files state them: a
budget envelope is shown as the envelope, not as the programme budgets it becomes). The terminal
table, compare.md and compare.json all print it from there, above the KPIs.

Outputs (`write_compare`, each file written atomically): `compare.csv` (one row per KPI: kpi,
label, unit, one column per scenario, one `delta_<option>` column per non-baseline scenario, and `note`: why an
option's incremental ratio has no number, e.g. "push: costs less and adds more"),
`compare.md` (what each option changes, then the KPIs with P10-P90), `compare_quantiles.csv` (kpi,
scenario, p10, p50, p90, delta_p10, delta_p50, delta_p90), `compare_replications.csv` (kpi,
scenario, replication, value, delta) and `compare.json` (seed, reps, baseline, files and their
scenario hashes, what each option changes, the bottleneck lines and notes) and `bottlenecks.csv` (see
below). Per scenario compare.json also says how its prepared world was had: `prepare_s` (seconds spent on it),
`world_source` ("built" from the geodata, read from the "store" of prepared worlds, or already in "memory" from
an earlier scenario of the same world; the costliest over its tasks) and `world_reused` (true only when every
task found it in memory, i.e. an earlier scenario with the same world-shaping fields had prepared it; false for
a world read from the store). In the CSV files a date KPI is an ISO date
(YYYY-MM-DD) and its delta a number of days; every other cell is a plain number. In memory
(`CompareResult` frames) dates stay decimal years (year + day of year / days in the year, as in
summary.json) so the frames stay numeric.

Say why (:mod:`dxsim.results.bottlenecks`): from each scenario's national held-back shares and crew
utilisation over the whole horizon (all replications pooled), one line per scenario and region
("north: crews idle 45%, permits bind"), and, for each option, one line per changed resource (crews,
supply, permits, budgets, targets, village crews, data-centre grid ...) saying whether its cause bound in
the baseline run and whether the option's outcome moved, and a line on what 5G support paid when an option changes
it. `bottlenecks.csv`: scenario, kind ("region", "note": a changed resource that did not bind, "critical": one that
held little yet the outcome moved, "cut": the same for a resource the option cuts, "timing": the same where the
outcome moved the opposite way to the change (shorter permits, fewer stations: a support deadline's surge moved),
"binds": a cause that held
little in the baseline and binds in the option, changed field or not (a budget a new campaign exhausts, a cut
resource), "relieved": one that bound and the outcome moved, "tightened": the same for a change that makes the
resource scarcer (a budget cut, longer permits), "unmoved": one that held part of the time and nothing
moved, "effect": a lever that adds capacity itself (state data-centre money, GPU orders) and what it moved,
"mixed": an outcome moved but the option changes other fields of that programme too, "support", "money": which
public purse moved public money, or "layer": the option's village layer differs, and with it the start network),
programme, region, binding, share_pct, binds_pct, held_months_pct, crew_idle_pct (over the run; `text` gives it in
the years crews bound too), text.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from dxsim._version import __version__
from dxsim.errors import DxsimInputError
from dxsim.execution import (
    CampaignProbe,
    KpiTask,
    chunks,
    execute_kpis,
    replication_workers,
    run_tasks,
    year_end_tags,
)
from dxsim.calibration import shown_day
from dxsim.workers import pool_size
from dxsim.execution.worlds import WORLD_SOURCES
from dxsim.geo import load_country
from dxsim.geo.planner_files import check_support_provinces, needs_village_layer, province_codes_named
from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.i18n.formats import month as month_label
from dxsim.results.bottlenecks import (
    campaign_lines,
    join_fields,
    newly_binding_lines,
    option_verdicts,
    region_summary,
    service_lines,
    short_villages_line,
    import_cap_line,
    stranded_line,
    support_cliff_note,
    support_note,
    village_layer_note,
)
from dxsim.results.metrics import DENSITY_CLASSES
from dxsim.results.kpi_labels import (
    CAMPAIGN_RE,
    FEW_REPS,
    SUPPORT_PROGRAMME_RE,
    few_reps_caution,
    kpi_label,
    support_programme_name,
)
from dxsim.results.summary import decimal_year_to_date
from dxsim.results.value_labels import unit_label
from dxsim.results.writer import atomic_dir
from dxsim.runner_budget import Estimate, estimate, refuse_over_budget
from dxsim.scenario import load_scenario, scenario_sha256
from dxsim.scenario.resolved import format_value as format_setting
from dxsim.scenario.resolved import disabled_by, jsonable, scenario_diff
from dxsim.sim.support import outside_horizon
from dxsim.sim.world import check_villages_named
from dxsim.sim.support import programmes as support_programmes

Progress = Callable[[str], None]

# Fields left out of "what each option changes": labels, and what compare sets for every scenario.
NOT_OPTION_SETTINGS = ("name", "description", "seed", "replications")
DATE_UNIT = "decimal year"  # unit of date KPIs in the CompareResult frames
DATE_UNIT_CSV = "date (YYYY-MM-DD); delta in days"  # the same rows in the CSV files

# (kpi, label, unit, kind): kind "value" | "date" | "incremental"
CAPEX_5G_COMMITTED = (
    "capex_total_vnd_bn",
    "capex_5g_on_order_end_vnd_bn",
)  # on air + ordered, not on air, at the end
INCREMENTAL: dict[str, tuple[str | tuple[str, ...], str, float]] = {
    # row -> (cost kpi or kpis summed, benefit kpi, scale): ratio = scale * P50(d cost) / P50(d benefit). The benefits
    # are levels at the end: with the same start, the paired extra people at the end are the extra people added; an
    # option that changes the start (a served rate, a start network) is judged by what it leaves at the end
    # 5G capex as committed: on air by the end, and ordered but not on air then (capex is booked on air, so an option
    # that brought the same sites on air sooner read "costs 647 bn more" for the work it moved before the horizon's
    # end, and its sites on order fell by exactly as much: new-user trial, 2026-12-07)
    "incr_5g_vnd_m_per_additional_person": (CAPEX_5G_COMMITTED, "pop_covered_5g_end_persons", 1e3),
    "incr_5g_vnd_m_per_additional_person_served": (CAPEX_5G_COMMITTED, "pop_5g_served_end_persons", 1e3),
    # ... and per person-month of 5G service gained: an option that brings the same stations on air sooner buys months,
    # which the end counts above miss (a delay cost nothing in them: search-workflow trial)
    "incr_5g_vnd_k_per_additional_person_month_served": (
        CAPEX_5G_COMMITTED,
        "pop_5g_served_person_months",
        1e6,
    ),
    # people whose traffic is carried (4G or better): where 5G serves everyone it covers, the 5G-served row equals the
    # covered one, and this is the served measure that tells options apart (finance trial)
    "incr_5g_vnd_m_per_additional_person_served_mbb": (
        CAPEX_5G_COMMITTED,
        "pop_mbb_served_end_persons",
        1e3,
    ),
    "incr_public_vnd_m_per_additional_person_served_mbb": (
        "public_cost_total_vnd_bn",
        "pop_mbb_served_end_persons",
        1e3,
    ),
    # public money: support paid is not in the operators' capex, so the row above leaves it out. Support earned
    # under a window closing on the horizon's last day or later (the default window_end) is paid after it: it
    # counts too, as in public_cost_total_vnd_bn; read alone, paid support made such a programme cost 0 per person
    "incr_support_vnd_m_per_additional_person": (
        ("subsidy_paid_total_vnd_bn", "support_accrued_unpaid_vnd_bn"),
        "pop_covered_5g_end_persons",
        1e3,
    ),
    "incr_village_vnd_bn_per_additional_village": (
        "village_capex_total_vnd_bn",
        "villages_connected_end",
        1.0,
    ),
    # ... and per person-month of service gained: a campaign that connects the same villages sooner buys months
    "incr_village_vnd_k_per_additional_person_month": (
        "village_capex_total_vnd_bn",
        "village_person_months_connected",
        1e6,
    ),
    # ... and GPUs ordered but not delivered by the end count, as committed: capex is booked on delivery, so an import
    # shock that pushed deliveries past the horizon read "adds less, costs less", a saving (AI-compute trial)
    "incr_compute_vnd_bn_per_additional_pflops": (
        ("compute_capex_total_vnd_bn", "gpu_capex_on_order_end_vnd_bn"),
        "gpu_pflops_bf16_added",
        1.0,
    ),
    # ... and the data centres' capex per MW of IT capacity they leave at the end: a PPP share that bought 258 MW read
    # "adds no more, costs more" on the PFLOPS and people rows only, and a grid shortfall that lost 350 MW "costs
    # less" (data-centre trial)
    "incr_dc_vnd_bn_per_additional_mw": ("dc_capex_total_vnd_bn", "dc_it_capacity_mw_end", 1.0),
}


def _tag_month(tag: str) -> str:
    """A KPI's year-end tag ("2027_12") as a month in the language in use: 2027-12 / tháng 12/2027."""
    return month_label(dt.date(int(tag[:4]), int(tag[5:]), 1))


def _year_end_rows(
    prefix: str, label: str, unit: str, tags: Sequence[str]
) -> list[tuple[str, str, str, str]]:
    """One value row per year-end tag: (prefix + tag, the translated label with its month, unit, "value")."""
    return [(f"{prefix}{t}", _(label).format(when=_tag_month(t)), unit, "value") for t in tags]


# a province's rows (compare --province): (metric of its year-end KPIs, label, unit), then its flows over the horizon
PROVINCE_YEAR_END_ROWS = (
    ("stations_5g", N_("{province}: 5G stations on air, {when} end"), "stations"),
    ("pop_covered_5g_pct", N_("{province}: 5G population coverage, {when} end"), "%"),
    ("pop_5g_served_pct", N_("{province}: population where 5G serves, {when} end"), "%"),
    ("pop_mbb_served_pct", N_("{province}: population served by 4G or better, {when} end"), "%"),
    ("villages_connected", N_("{province}: villages connected (served), {when} end"), "villages"),
    # a budget lever moves only these: Lai Châu's 29 are campaigns' villages, paid outside the budget, and compare
    # showed its rows unmoved by a doubled budget without a word why (provincial planner trial)
    (
        "villages_started_by_programme",
        N_(
            "{province}: villages started from the village programme's budget by {when} end (the others: campaigns "
            "paid outside it)"
        ),
        "villages",
    ),
)
PROVINCE_TOTAL_ROWS = (
    (
        "villages_in_layer",
        N_("{province}: villages in the layer (no power or no signal at the start)"),
        "villages",
    ),
    ("villages_synthetic", N_("{province}: of them synthetic (a seeded draw, not a list)"), "villages"),
    ("capex_total_vnd_bn", N_("{province}: 5G capex over the horizon"), "VND bn"),
    ("village_capex_total_vnd_bn", N_("{province}: village capex over the horizon, all payers"), "VND bn"),
    ("village_person_months_connected", N_("{province}: person-months of village service"), "person-months"),
)


def province_rows(areas: Sequence[tuple[str, str]], tags: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """Each (gso34, name) province's rows: the year-end KPIs of dxsim.execution.kpis.province_kpis
    (`<metric>_<gso34>_<tag>`), then its flows (`<kpi>_<gso34>`)."""
    rows: list[tuple[str, str, str, str]] = []
    for code, name in areas:
        where = f"{name} ({code})"
        for metric, label, unit in PROVINCE_YEAR_END_ROWS:
            rows += [
                (f"{metric}_{code}_{t}", _(label).format(province=where, when=_tag_month(t)), unit, "value")
                for t in tags
            ]
        rows += [
            (f"{kpi}_{code}", _(label).format(province=where), unit, "value")
            for kpi, label, unit in PROVINCE_TOTAL_ROWS
        ]
    return rows


CLASS_CELLS = {
    "urban": N_("Urban cells"),
    "suburban": N_("Town (suburban) cells"),
    "rural": N_("Rural cells"),
}


def kpi_rows(tags: Sequence[str], dc_tag: str | None) -> list[tuple[str, str, str, str]]:
    """The comparison's rows, in display order, for the given year-end tags."""
    # the stations first: the unit of the operators' and the government's plans (68,457 by end-2025), and what
    # the why-lines count ("-5,159 stations on air at 31/12/2027")
    rows = _year_end_rows("stations_5g_", N_("5G stations on air, {when} end"), "stations", tags)
    rows += _year_end_rows("pop_covered_5g_pct_", N_("5G population coverage, {when} end"), "%", tags)
    rows += _year_end_rows(
        "pop_5g_served_pct_", N_("Population where 5G serves (a place measure), {when} end"), "%", tags
    )
    rows += _year_end_rows(
        "pop_mbb_served_pct_",
        N_("Population served by 4G or better (on each person's own device), {when} end"),
        "%",
        tags,
    )
    rows += [
        (
            "pop_5g_capacity_short_pct_end",
            _("Population in 5G coverage but capacity-short at the end"),
            "%",
            "value",
        ),
        (
            "pop_mbb_capacity_short_pct_end",
            _("Population in 4G/5G coverage but capacity-short at the end"),
            "%",
            "value",
        ),
        # the same by density class, towns apart (a VNPT planner's question; kpi_labels.SERVED_BY_CLASS_KPIS)
        *(
            (
                f"pop_{layer}_served_pct_{cls}_end",
                _(template).format(cells=_(CLASS_CELLS[cls])),
                "%",
                "value",
            )
            for layer, template in (
                ("5g", N_("{cells}: people where 5G serves at the end")),
                ("mbb", N_("{cells}: people served by 4G or better at the end")),
            )
            for cls in DENSITY_CLASSES
        ),
        (
            "user_throughput_mbps_p50_end",
            _(
                "Median busy-hour user throughput at the end, 4G and 5G users together (it jumps between the two "
                "groups' rates)"
            ),
            "Mbps",
            "value",
        ),
        # each layer's own users: their median moves with the layer's load, not with the 4G/5G mix
        (
            "user_throughput_mbps_p50_5g_end",
            _("Median busy-hour throughput of the users on 5G at the end"),
            "Mbps",
            "value",
        ),
        (
            "user_throughput_mbps_p50_4g_end",
            _("Median busy-hour throughput of the users on 4G at the end"),
            "Mbps",
            "value",
        ),
        # the median jumps between the 4G and the 5G users' rates as 5G devices pass half the users; the mean does not
        ("user_throughput_mbps_mean_end", _("Mean busy-hour user throughput at the end"), "Mbps", "value"),
        ("year_5g_served_90pct", _("Date 5G serves 90% of the population"), DATE_UNIT, "date"),
        (
            "sites_brought_forward_for_capacity_total",
            _(
                "5G plan sites brought forward for capacity (to the head of the plans where cells are short; each "
                "site once, built by the end or not)"
            ),
            "sites",
            "value",
        ),
        (
            "stations_5g_built_for_capacity_end",
            _(
                "5G stations on air at the end that were brought forward for capacity before they were ordered"
            ),
            "stations",
            "value",
        ),
    ]
    rows += [
        # labelled as `dxsim run` labels them ("Date 5G covers 90%" here beside "Month 5G covers 90%" there: trial)
        (key, kpi_label(key)[0], DATE_UNIT, "date")
        for key in ("year_5g_pop_90pct", "year_5g_pop_99pct", "year_last_village_connected")
    ]
    # the path, not only the end: a lever that connects villages or opens data-centre phases sooner moves these
    rows += _year_end_rows(
        "villages_connected_", N_("Villages connected (served), {when} end"), "villages", tags
    )
    rows += _year_end_rows(
        "villages_without_power_",
        N_("Villages of the no-power subset without power, {when} end"),
        "villages",
        tags,
    )
    rows += _year_end_rows("dc_it_capacity_mw_", N_("Data-centre IT capacity, {when}"), "MW", tags)
    if dc_tag:  # every year end, as the MW: a later GPU delivery moves the years before the end, not the end
        rows += _year_end_rows("gpus_installed_", N_("High-performance GPUs powered, {when}"), "GPUs", tags)
    rows += [
        ("year_dc_1gw", _("Date data-centre IT capacity reaches 1 GW"), DATE_UNIT, "date"),
        (
            "year_gpus_15x_start",
            _("Date GPUs reach 15× the run's start fleet (GPUs at the start)"),
            DATE_UNIT,
            "date",
        ),
        (
            "year_gpt4_scale_run_fits",
            _("Date a GPT-4-scale training run fits in one cluster"),
            DATE_UNIT,
            "date",
        ),
        # bought GPUs without powered racks: none at the end can hide three years of them
        ("gpus_stranded_peak", _("GPUs stranded without power, the most at any month end"), "GPUs", "value"),
        ("gpu_months_stranded", _("GPU-months stranded without power"), "GPU-months", "value"),
        ("gpu_months_held_by_import_cap", _("GPU-months held back by the import cap"), "GPU-months", "value"),
        # what the GPUs are for: a push that leaves them idle shows here, not in the GPU count
        ("gpu_utilization_pct_final_year", _("GPU utilisation over the last 12 months"), "%", "value"),
        ("ai_jobs_waiting_end", _("AI jobs waiting for GPUs at the end"), "jobs", "value"),
        ("gpu_it_mw_end", _("IT power of the powered GPUs at the end"), "MW", "value"),
        ("dc_power_draw_mw_end", _("Data-centre power drawn at the end (IT load × PUE)"), "MW", "value"),
        ("capex_total_vnd_bn", _("5G capex over the horizon"), "VND bn", "value"),
        (
            "capex_5g_on_order_end_vnd_bn",
            _("5G sites ordered, not on air by the end (committed, not in the capex)"),
            "VND bn",
            "value",
        ),
    ]
    # when the money is spent, not only how much: a faster pace spends sooner for the same end total (an operator's
    # "per VND by 2028" read "same cost and end total" for every pace; optimise's capex_cum objective had no row)
    rows += _year_end_rows("capex_cum_vnd_bn_", N_("5G capex to date, {when} end"), "VND bn", tags)
    rows += [
        (
            "village_capex_total_vnd_bn",
            _("Village capex, all payers: options on air + campaign surge"),
            "VND bn",
            "value",
        ),
        ("compute_capex_total_vnd_bn", _("Data-centre and GPU capex"), "VND bn", "value"),
        ("gpu_capex_total_vnd_bn", _("of which GPUs (paid on delivery)"), "VND bn", "value"),
        ("dc_capex_total_vnd_bn", _("of which data centres"), "VND bn", "value"),
        ("gpu_public_capex_total_vnd_bn", _("of which the state's share of GPU orders"), "VND bn", "value"),
        (
            "gpu_capex_on_order_end_vnd_bn",
            _("GPUs ordered, not delivered by the end (committed, not in the capex)"),
            "VND bn",
            "value",
        ),
        (
            "dc_ppp_state_capex_total_vnd_bn",
            _("State's PPP share of data-centre capex (in the row above)"),
            "VND bn",
            "value",
        ),
        ("capex_all_programmes_total_vnd_bn", _("Total capex (5G + villages + compute)"), "VND bn", "value"),
        ("dc_energy_total_gwh", _("Data-centre energy over the horizon (IT load × PUE)"), "GWh", "value"),
        (
            "dc_electricity_opex_total_vnd_bn",
            _("Data-centre electricity bill over the horizon"),
            "VND bn",
            "value",
        ),
        (
            "public_cost_total_vnd_bn",
            _("Public money: 5G support, village programme, state data centres, PPP share and state GPUs"),
            "VND bn",
            "value",
        ),
        (
            "subsidy_paid_total_vnd_bn",
            _("5G support paid (Res. 193 and other programmes)"),
            "VND bn",
            "value",
        ),
        (
            "village_programme_committed_total_vnd_bn",
            _("Village programme budget committed (public money)"),
            "VND bn",
            "value",
        ),
        (
            "dc_state_investment_total_vnd_bn",
            _("State data-centre money committed within the horizon (public money)"),
            "VND bn",
            "value",
        ),
        ("pop_covered_5g_added_persons", _("People newly covered by 5G"), "persons", "value"),
        (
            "pop_5g_covered_person_months",
            _(
                "Person-months of 5G coverage (people within 5G coverage, summed over the month ends after the start)"
            ),
            "person-months",
            "value",
        ),
        (
            "pop_5g_served_person_months",
            _(
                "Person-months of 5G service (people where 5G serves, summed over the month ends after the start)"
            ),
            "person-months",
            "value",
        ),
        ("villages_connected_end", _("Villages connected (served) by the end"), "villages", "value"),
        (
            "village_months_connected",
            _("Village-months connected (villages connected, summed over the month ends after the start)"),
            "village-months",
            "value",
        ),
        (
            "village_person_months_connected",
            _(
                "Person-months of village service (people in connected villages, summed over the month ends after the start)"
            ),
            "person-months",
            "value",
        ),
        (
            "villages_capacity_short_end",
            _("Villages on air but capacity-short at the end"),
            "villages",
            "value",
        ),
        (
            "gpu_pflops_bf16_added",
            _("GPU compute added, net of retirements (dense BF16, end minus start)"),
            "PFLOPS",
            "value",
        ),
        (
            "capex_per_added_person_covered_vnd_m",
            _("5G capex per person newly covered"),
            "VND m per person",
            "value",
        ),
        (
            "capex_per_added_person_served_5g_vnd_m",
            _("5G capex per person newly served by 5G"),
            "VND m per person",
            "value",
        ),
        (
            "village_capex_per_village_connected_vnd_bn",
            _("Village capex per village connected"),
            "VND bn per village",
            "value",
        ),
        (
            "compute_capex_per_added_pflops_vnd_bn",
            _("Compute capex per PFLOPS added"),
            "VND bn per PFLOPS",
            "value",
        ),
        (
            "incr_5g_vnd_m_per_additional_person",
            _(
                "Extra 5G capex (sites on order at the end included) per additional person covered, vs baseline"
            ),
            "VND m per person",
            "incremental",
        ),
        (
            "incr_5g_vnd_m_per_additional_person_served",
            _(
                "Extra 5G capex (sites on order at the end included) per additional person served by 5G, vs baseline"
            ),
            "VND m per person",
            "incremental",
        ),
        (
            "incr_5g_vnd_m_per_additional_person_served_mbb",
            _(
                "Extra 5G capex (sites on order at the end included) per additional person served by 4G or better, "
                "vs baseline"
            ),
            "VND m per person",
            "incremental",
        ),
        (
            "incr_5g_vnd_k_per_additional_person_month_served",
            _(
                "Extra 5G capex (sites on order at the end included) per additional person-month of 5G service, "
                "vs baseline"
            ),
            "VND k per person-month",
            "incremental",
        ),
        (
            "incr_support_vnd_m_per_additional_person",
            _("Extra 5G support paid or earned (public money) per additional person covered, vs baseline"),
            "VND m per person",
            "incremental",
        ),
        (
            "incr_public_vnd_m_per_additional_person_served_mbb",
            _(
                "Extra public money (all programmes) per additional person served by 4G or better, vs baseline"
            ),
            "VND m per person",
            "incremental",
        ),
        (
            "incr_village_vnd_bn_per_additional_village",
            _("Extra village capex per additional village connected, vs baseline"),
            "VND bn per village",
            "incremental",
        ),
        (
            "incr_village_vnd_k_per_additional_person_month",
            _("Extra village capex per additional person-month of village service, vs baseline"),
            "VND k per person-month",
            "incremental",
        ),
        (
            "incr_compute_vnd_bn_per_additional_pflops",
            _(
                "Extra compute capex (GPUs ordered but not delivered included) per additional PFLOPS, vs baseline"
            ),
            "VND bn per PFLOPS",
            "incremental",
        ),
        (
            "incr_dc_vnd_bn_per_additional_mw",
            _("Extra data-centre capex per additional MW of IT capacity at the end, vs baseline"),
            "VND bn per MW",
            "incremental",
        ),
    ]
    return rows


NEGLIGIBLE_SHARE = (
    1e-4  # an extra benefit or cost under this share of the baseline's is none (see incremental_ratio)
)
# (the benefit more, the extra cost's sign) -> the words for a benefit under NEGLIGIBLE_SHARE (0.01%) that is not 0
SMALL_BENEFIT_WORDS = {
    (True, 1): N_("adds under 0.01% more, costs more"),
    (True, 0): N_("adds under 0.01% more"),
    (True, -1): N_("adds under 0.01% more, costs less"),
    (False, 1): N_("adds under 0.01% less, costs more"),
    (False, 0): N_("adds under 0.01% less"),
    (False, -1): N_("adds under 0.01% less, costs less"),
}


def incremental_ratio(
    extra_cost: float | None,
    extra_benefit: float | None,
    scale: float,
    base_cost: float | None = None,
    base_benefit: float | None = None,
) -> tuple[float | None, str]:
    """(scale x extra cost / extra benefit, "") where the option adds benefit at a cost; else (None, why), `why` in
    English (compare.csv keeps it so; the terminal and compare.md translate it).

    As in cost-effectiveness analysis, a negative ratio is not shown: it mixes "cheaper and better" (the option
    dominates: no extra cost per extra benefit to speak of) with "dearer and worse". An extra cost or benefit under
    NEGLIGIBLE_SHARE of the baseline's own (`base_cost`, `base_benefit`) counts as none: 200 fewer people of 57
    million newly covered read "adds less" for an option that changed nothing a planner could see."""
    if extra_cost is None or extra_benefit is None:
        return None, ""
    if (
        base_cost is not None
        and math.isfinite(base_cost)
        and abs(extra_cost) < NEGLIGIBLE_SHARE * abs(base_cost)
    ):
        extra_cost = 0.0
    # a benefit under the share is too small for a ratio, but it is not "no more": a provincial programme's 2,400
    # more people covered nationally read "adds no more, costs more" (new-user trial, 2026-12-07)
    small = 0.0
    if (
        base_benefit is not None
        and math.isfinite(base_benefit)
        and abs(extra_benefit) < NEGLIGIBLE_SHARE * abs(base_benefit)
    ):
        small, extra_benefit = extra_benefit, 0.0
    cost = 0 if extra_cost == 0 else (1 if extra_cost > 0 else -1)
    if extra_benefit == 0 and small != 0:
        return None, SMALL_BENEFIT_WORDS[(small > 0, cost)]
    if extra_benefit == 0 and extra_cost == 0:
        return None, N_("same cost and end total")  # the dates may still move: read them above
    if extra_benefit < 0:  # the option gives up some of the baseline's benefit: say so, not "no more"
        if extra_cost < 0:
            return None, N_("adds less, costs less")
        return None, N_("adds less, costs more") if extra_cost > 0 else N_("adds less")
    if extra_benefit == 0:
        if extra_cost < 0:
            return None, N_("adds no more, costs less")
        return None, N_("adds no more, costs more") if extra_cost > 0 else N_("adds no more")
    if extra_cost < 0:
        return None, N_("costs less and adds more")
    return scale * extra_cost / extra_benefit, ""


def ratio_band(
    extra_costs: Sequence[float],
    extra_benefits: Sequence[float],
    scale: float,
    base_cost: float | None = None,
    base_benefit: float | None = None,
) -> tuple[float | None, float | None]:
    """(P10, P90) over replications of each replication's own incremental ratio (`incremental_ratio` of its paired
    extra cost and extra benefit), or (None, None) unless every replication adds benefit at a cost.

    Why: the ratio shown is P50 of the extra cost over P50 of the extra benefit, one number, and a Ministry of
    Finance reader asked how sure it is. As in a probabilistic cost-effectiveness analysis, the band is the spread
    of the per-draw ratios; it is given only when every draw lies where a ratio means something (more benefit at
    a cost): one replication that dominates or adds nothing has no ratio, and a band over the rest would hide it.
    The point (a ratio of P50s) is not the P50 of these ratios, so with skewed draws it can sit at or just
    outside the band; both are documented where shown."""
    ratios = []
    for c, b in zip(extra_costs, extra_benefits, strict=True):
        r, _why = incremental_ratio(
            c if math.isfinite(c) else None, b if math.isfinite(b) else None, scale, base_cost, base_benefit
        )
        if r is None:
            return None, None
        ratios.append(r)
    if len(ratios) < 2:
        return None, None
    return quantile(ratios, 0.1), quantile(ratios, 0.9)


@dataclass
class ScenarioRun:
    name: str
    path: Path
    sha256: str
    kpis: dict[int, dict[str, float]]  # replication -> kpi -> value
    timing: dict[str, Any] = field(default_factory=dict)
    held_metrics: pl.DataFrame | None = (
        None  # national held-back shares and crew utilisation, all replications
    )
    # the campaigns the scenario declares (None: not known); another's counted here has values too (campaign_probes)
    campaigns: tuple[str, ...] | None = None
    # campaign -> the deadline its rows are counted at here: a declared campaign's own, a probed one's (campaign_probes)
    campaign_deadlines: dict[str, dt.date] = field(default_factory=dict)
    # where the file is read when it is not at `path` yet (an optimisation's best plan, compared before it is put in
    # place); `path` is what the tables name
    read_from: Path | None = None

    @property
    def source(self) -> Path:
        """The file to read the scenario from."""
        return self.read_from or self.path


@dataclass
class CompareResult:
    """`table`: one row per KPI (kpi, label, unit, <scenario>..., delta_<option>...), P50 values.

    `quantiles`: long (kpi, scenario, p10, p50, p90, delta_p10, delta_p50, delta_p90);
    `replications`: long (kpi, scenario, replication, value, delta).
    """

    table: pl.DataFrame
    quantiles: pl.DataFrame
    replications: pl.DataFrame
    scenarios: list[str]
    baseline: str
    seed: int
    reps: int
    runs: list[ScenarioRun]
    kinds: dict[str, str] = field(default_factory=dict)  # kpi -> value | date | incremental
    # (incremental kpi, option) -> why it has no ratio (English, translated where shown): the option is cheaper and
    # adds more, or adds nothing
    verdicts: dict[tuple[str, str], str] = field(default_factory=dict)
    # option -> [(dotted field, baseline value, option value)], see NOT_OPTION_SETTINGS
    differences: dict[str, list[tuple[str, Any, Any]]] = field(default_factory=dict)
    # option -> {changed field: the switch of its part that is off in the option (`budget.enabled`)}: not read
    ignored: dict[str, dict[str, str]] = field(default_factory=dict)
    # per option, the fields it sets in a part the baseline has off and it turns on: not judged as levers
    switched_on: dict[str, set[str]] = field(default_factory=dict)
    # scenario, kind, programme, region, binding, ... (BOTTLENECK_COLUMNS); option -> non-binding notes
    bottlenecks: pl.DataFrame | None = None
    bottleneck_notes: dict[str, list[str]] = field(default_factory=dict)
    # option -> its support programmes whose window lies outside its run (dxsim.sim.support.outside_horizon)
    idle_supports: dict[str, list[tuple[str, dt.date, dt.date]]] = field(default_factory=dict)
    # option -> whether every support programme it adds or changes pays for new sites only (support_note's wording)
    new_sites_support: dict[str, bool] = field(default_factory=dict)

    @property
    def options(self) -> list[str]:
        return [s for s in self.scenarios if s != self.baseline]

    def row(self, kpi: str) -> dict[str, Any]:
        hit = self.table.filter(pl.col("kpi") == kpi)
        if hit.height == 0:
            raise KeyError(kpi)
        return hit.row(0, named=True)


# --------------------------------------------------------------------------- statistics


def _sorted_inf(vals: np.ndarray) -> np.ndarray:
    return np.sort(np.where(np.isnan(vals), np.inf, vals))


def quantile(vals: Sequence[float], p: float) -> float | None:
    """Empirical quantile (an observed value; NaN = never reached ranks last); None if not finite."""
    arr = np.asarray(list(vals), dtype=float)
    if arr.size == 0:
        return None
    q = float(np.quantile(_sorted_inf(arr), p, method="inverted_cdf"))
    return q if math.isfinite(q) else None


SAME_REL = 1e-12  # two values this close (relative) differ only by the order of float additions: a delta of 0


def paired_deltas(option: dict[int, float], base: dict[int, float]) -> list[float]:
    """option[r] - base[r] per replication; both NaN (never reached) -> 0; one NaN -> NaN.

    A difference within SAME_REL of the values is 0: sums over ~400,000 cells added in another order differ in
    the last bits (-1.4e-14 on a 99% share), which a planner would read as an effect."""
    out = []
    for r in sorted(base):
        a, b = option.get(r, math.nan), base[r]
        if math.isnan(a) and math.isnan(b):
            out.append(0.0)
        elif math.isnan(a) or math.isnan(b):
            out.append(math.nan)
        else:
            d = a - b
            out.append(0.0 if abs(d) <= SAME_REL * max(abs(a), abs(b)) else d)
    return out


def _delta_quantile(deltas: Sequence[float], p: float) -> float | None:
    arr = np.asarray(list(deltas), dtype=float)
    if arr.size == 0 or np.isnan(arr).any():
        return None  # one of the pair never reached the level in some replication
    q = float(np.quantile(np.sort(arr), p, method="inverted_cdf"))
    return q if math.isfinite(q) else None


# --------------------------------------------------------------------------- running


def _resolve_baseline(baseline: str | os.PathLike[str] | None, paths: list[Path], names: list[str]) -> int:
    if baseline is None:
        return 0
    text = str(baseline)
    for i, (p, n) in enumerate(zip(paths, names)):
        if text == n or text == p.stem or text == str(p):
            return i
        try:
            if Path(text).resolve() == p.resolve():
                return i
        except OSError:
            pass
    raise DxsimInputError(
        _("not one of the compared scenarios"), field="--baseline", value=text, allowed=", ".join(names)
    )


def _same_horizon(scenarios: Sequence[Any], files: Sequence[Path], b: int) -> None:
    """Refuse options whose horizon differs from the baseline's: the KPI rows are the baseline's dates ("2026-06
    end"), so a longer option's later years went unshown while its totals "over the horizon" were set against the
    baseline's shorter ones."""
    base = scenarios[b].horizon
    for sc, path in zip(scenarios, files):
        for name in ("start_date", "end_date"):
            mine, theirs = getattr(sc.horizon, name), getattr(base, name)
            if mine != theirs:
                raise DxsimInputError(
                    _("differs from the baseline's; compared options need one horizon"),
                    file=str(path),
                    field=f"horizon.{name}",
                    value=mine.isoformat(),
                    allowed=_("{date} ({baseline})").format(date=theirs.isoformat(), baseline=files[b]),
                )


def check_compare(
    paths: Sequence[str | os.PathLike[str]],
    reps: int | None,
    baseline: str | None,
    *,
    yes: bool,
    workers: int | None = None,
) -> Estimate:
    """`dxsim compare`: every scenario runs `--reps` (default: the baseline's `replications`); refuse over budget."""
    scenarios = [load_scenario(p) for p in paths]
    b = 0
    if reps is None:
        try:
            b = _resolve_baseline(baseline, [Path(p) for p in paths], [sc.name for sc in scenarios])
        except DxsimInputError:
            b = 0  # compare_scenarios reports a bad --baseline itself
    n = reps if reps is not None else scenarios[b].replications
    est = estimate(
        scenarios,
        [n] * len(scenarios),
        keeps_metrics=False,
        replications_alive=1,
        worlds_alive=2,
        pool_workers=pool_size(workers, n),
    )
    if reps is not None:
        refuse_over_budget(est, yes=yes, option="--reps", value=reps)
    else:
        refuse_over_budget(est, yes=yes, file=str(paths[b]), option="replications", value=n)
    return est


def campaign_probes(scenarios: Sequence[Any], baseline: int = 0) -> list[tuple[CampaignProbe, ...]]:
    """Per scenario, the campaigns other scenarios declare and it does not (each from the baseline if it declares it,
    else from the first scenario declaring it, with that scenario's whole list, whose order decides its villages):
    counted there on the same villages at the same deadline (`dxsim.execution.kpis.campaign_probe_kpis`), so a
    campaign's rows have a value in every column. An option declaring the campaign otherwise (another deadline) is
    not counted at the baseline's: `deadline_change` leaves its Δ without a number."""
    first: dict[str, CampaignProbe] = {}
    for sc in [scenarios[baseline], *scenarios] if scenarios else []:
        listed = (
            tuple(c.model_dump(mode="json") for c in sc.villages.campaigns) if sc.villages.enabled else ()
        )
        for c in sc.villages.campaigns if sc.villages.enabled else []:
            first.setdefault(c.name, CampaignProbe(c.name, listed))
    out = []
    for sc in scenarios:
        own = {c.name for c in sc.villages.campaigns} if sc.villages.enabled else set()
        out.append(tuple(p for name, p in first.items() if name not in own) if sc.villages.enabled else ())
    return out


def campaign_deadlines(scenario: Any, probes: Sequence[CampaignProbe]) -> dict[str, dt.date]:
    """Campaign name -> the deadline its rows are counted at in this scenario: its own campaigns' deadlines, and for
    the others' campaigns counted here (`probes`), the deadline of the scenario they come from."""
    out = {c.name: c.deadline for c in scenario.villages.campaigns} if scenario.villages.enabled else {}
    for probe in probes:
        for c in probe.campaigns:
            if c.get("name") == probe.name and c.get("deadline") is not None:
                out[probe.name] = dt.date.fromisoformat(str(c["deadline"]))
    return out


def costliest_source(a: str, b: str) -> str:
    """Of two tasks' world sources (:data:`dxsim.execution.worlds.WORLD_SOURCES`), the one that cost the most time:
    a scenario whose world one worker built and another read from memory says "built", as its prepare_s does."""
    return max(a, b, key=WORLD_SOURCES.index)


def compare_scenarios(
    paths: Sequence[str | os.PathLike[str]],
    reps: int | None = None,
    baseline: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    *,
    progress: Progress | None = None,
    on_replication: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    provinces: Sequence[str] = (),
) -> CompareResult:
    """Run every scenario with common random numbers and tabulate KPIs and deltas against the baseline.

    `provinces`: gso34 codes or names of provinces whose own rows are added (`province_rows`): a provincial
    planner's question is what an option does there, which the national rows drown.

    `workers` / `scheduler`: where the replications run, as for `dxsim run` (:func:`dxsim.runner.
    replication_workers`); the table is the same either way.

    `baseline`: a path, file stem or scenario name among `paths` (default: the first). `seed`: default
    the baseline's seed, used for every scenario. `reps`: default the baseline's `replications`.
    """

    say = progress or (lambda _m: None)
    scenario_files = [Path(p) for p in paths]
    if len(scenario_files) < 1:
        raise DxsimInputError(_("give at least one scenario file"), field="SCENARIO")
    scenarios = [load_scenario(p) for p in scenario_files]
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        files = [str(p) for p, n in zip(scenario_files, names) if n == dup[0]]
        raise DxsimInputError(
            _("two scenarios are named {name} ({files}); columns need distinct names").format(
                name=repr(dup[0]), files=", ".join(files)
            ),
            file=files[-1],
            field="name",
            value=dup[0],
            allowed=_("a distinct name per compared scenario"),
        )
    b = _resolve_baseline(baseline, scenario_files, names)
    base_sc = scenarios[b]
    _same_horizon(scenarios, scenario_files, b)
    # the provinces asked for, then those a compared provincial support programme pays in (its effect there and
    # elsewhere is what the planner weighs; the support line reads their rows)
    paying = [c for sc in scenarios for p in sc.supports for c in p.provinces]
    country = load_country() if provinces or paying else None
    for path, sc in zip(scenario_files, scenarios):  # a programme's own codes are its file's to get right
        if country is not None and any(p.provinces for p in sc.supports):
            try:
                check_support_provinces(sc.supports, country.province_codes, country)
            except DxsimInputError as exc:
                exc.file = exc.file or str(path)
                raise
    # the villages each file names, before any replication: a later file's misspelt village id was refused only
    # after the first file's replications (village officer trial); one file is checked as its world is made
    for path, sc in zip(scenario_files, scenarios):
        if len(scenario_files) > 1 and needs_village_layer(sc):
            check_villages_named(sc, country or load_country(), path)
    areas = (
        [
            (c, country.province_name(c))
            for c in province_codes_named([*provinces, *paying], country, "--province")
        ]
        if country is not None
        else []
    )
    seed = int(base_sc.seed if seed is None else seed)
    reps = int(base_sc.replications if reps is None else reps)
    if reps < 1:
        raise DxsimInputError(
            _("must be at least 1"), field="--reps", value=reps, allowed=_("an integer >= 1")
        )
    total = reps * len(scenario_files)
    n = replication_workers(workers, total)
    kpis: list[dict[int, dict[str, float]]] = [{} for _ in scenario_files]
    held: list[dict[int, pl.DataFrame]] = [{} for _ in scenario_files]
    timing: list[dict[str, Any]] = [
        {"prepare_s": 0.0, "replications_s": 0.0, "world_cached": True, "world_source": "memory"}
        for _ in scenario_files
    ]
    probes = campaign_probes(scenarios, b)
    tasks = []
    for i, sc in enumerate(scenarios):
        # in this process one replication a task, so progress moves with each; on a pool a few per task
        for c in chunks(list(range(reps)), n) if n or scheduler else [[r] for r in range(reps)]:
            tasks.append(
                KpiTask(
                    f"{i}:{c[0]}-{c[-1]}",
                    sc.model_dump(mode="json"),
                    str(scenario_files[i].parent),
                    seed,
                    tuple(c),
                    tuple(code for code, _name in areas),
                    probes[i],
                )
            )
    if n and scheduler is None:
        say(
            _("{n} scenarios x {reps} replication(s) on {workers} worker processes").format(
                n=len(scenario_files), reps=reps, workers=n
            )
        )
    else:
        say(_("{n} scenarios x {reps} replication(s)").format(n=len(scenario_files), reps=reps))

    def on_result(rec: dict[str, Any]) -> None:
        i = int(rec["run_id"].split(":")[0])
        kpis[i].update(rec["kpis"])
        held[i].update(rec["held"])
        t = rec["timing"]
        timing[i]["prepare_s"] += float(t.get("prepare_s", 0.0))
        timing[i]["replications_s"] += float(t.get("replications_s", 0.0))
        timing[i]["world_cached"] = timing[i]["world_cached"] and bool(t.get("world_cached", False))
        timing[i]["world_source"] = costliest_source(
            timing[i]["world_source"], t.get("world_source", "built")
        )
        if on_replication:
            on_replication(sum(len(k) for k in kpis), total)

    run_tasks(tasks, on_result, workers=n, scheduler=scheduler, fn=execute_kpis)
    runs: list[ScenarioRun] = []
    for i, (path, sc) in enumerate(zip(scenario_files, scenarios)):
        frames = [held[i][r] for r in sorted(held[i])]
        runs.append(
            ScenarioRun(
                sc.name,
                path,
                scenario_sha256(path),
                {r: kpis[i][r] for r in sorted(kpis[i])},
                timing[i],
                pl.concat(frames) if frames else None,
                tuple(c.name for c in sc.villages.campaigns) if sc.villages.enabled else (),
                campaign_deadlines(sc, probes[i]),
            )
        )
    h = base_sc.horizon
    tags = year_end_tags(h.start_date, h.end_date)
    dc_tag = "2030_12" if "2030_12" in tags else (tags[-1] if tags else None)
    result = _tabulate(runs, b, seed, reps, tags, dc_tag, areas)
    result.differences = {
        sc.name: option_changes(base_sc, sc, scenario_files[b].parent, path.parent)
        for i, (path, sc) in enumerate(zip(scenario_files, scenarios))
        if i != b
    }
    result.idle_supports = {sc.name: outside_horizon(sc) for i, sc in enumerate(scenarios) if i != b}
    base_programmes = support_programmes(scenarios[b])
    result.new_sites_support = {  # the programmes the option adds or changes, not those it shares with the baseline
        sc.name: bool(ps := [p for p in support_programmes(sc) if p not in base_programmes])
        and all(p.site_kind == "new" for p in ps)
        for i, sc in enumerate(scenarios)
        if i != b
    }
    result.ignored = {
        sc.name: {
            f: off for f, _a, _b in result.differences[sc.name] if (off := disabled_by(sc, f)) is not None
        }
        for i, sc in enumerate(scenarios)
        if i != b
    }
    # fields of a part the baseline has off and the option turns on (`budget.share_pct.villages` beside
    # `budget.enabled = true`): the baseline never read its value, so "20 -> 10" is no cut of a resource it had, and
    # compare called it "relieved: budget bound in the village programme in baseline" (README trial, 2026-12-07)
    result.switched_on = {
        sc.name: {
            f
            for f, _a, _b in result.differences[sc.name]
            if disabled_by(scenarios[b], f) is not None and disabled_by(sc, f) is None
        }
        for i, sc in enumerate(scenarios)
        if i != b
    }
    add_bottlenecks(result)
    return result


BOTTLENECK_COLUMNS = {
    "scenario": pl.Utf8,
    "kind": pl.Utf8,
    "programme": pl.Utf8,
    "region": pl.Utf8,
    "binding": pl.Utf8,
    "share_pct": pl.Float64,
    "binds_pct": pl.Float64,
    "held_months_pct": pl.Float64,
    "crew_idle_pct": pl.Float64,
    "text": pl.Utf8,
}


# the outcomes by which an option's effect on a programme is judged (KPI rows of the table; a prefix matches every
# year end), and how far a paired P50 delta must go to count as a move (unit -> threshold)
OUTCOMES = {
    # each year end and the end, and the months of service (sooner, not only more)
    "villages": ("year_last_village_connected", "villages_connected_", "village_months_connected"),
    "5g": ("year_5g_pop_90pct", "year_5g_served_90pct", "pop_covered_5g_pct_", "pop_5g_served_pct_"),
    "dc": ("dc_it_capacity_mw_", "year_dc_1gw"),
    "gpus": ("gpus_installed_", "year_gpus_15x_start", "year_gpt4_scale_run_fits"),
}
MOVE_AT_LEAST = {
    DATE_UNIT: 1.0 / 24.0,
    "%": 0.05,
    "villages": 1.0,
    "MW": 1.0,
    "GPUs": 1.0,
    "sites": 1.0,
    "stations": 1.0,
    "village-months": 1.0,
}


# 5G outcomes of service, not coverage: an option that covers more can serve less (a 700 MHz band), so when the move
# named is one of coverage, the served move is named beside it
SERVED_OUTCOMES = ("year_5g_served_90pct", "pop_5g_served_pct_", "pop_mbb_served_pct_")


def outcome_moved(result: CompareResult, option: str, programme: str) -> str | None:
    """How the option moved the programme's outcome against the baseline ("Date the last feasible village is
    connected moved -5.0 mo"), or None: a move is a paired P50 delta of at least MOVE_AT_LEAST whose P10 and P90
    have its sign (every part of the band moved the same way). The outcomes are tried in OUTCOMES order; of one
    outcome's year-end rows, the one that moved most is named (state data-centre money: +45 MW at end-2030, not the
    +15 MW of end-2027 that came first). For 5G, a coverage move is followed by the service move when one moved
    (SERVED_OUTCOMES): the rural 700 MHz band moved the 90% coverage date 10 months earlier and cut 5G served by 22
    points, and the line named only the first."""
    for key in OUTCOMES.get(programme, ()):
        said = _largest_move(result, option, key)
        if said is None:
            continue
        cost = cost_move(result, option, programme)
        if cost is not None:
            said = _("{first}; {second}").format(first=said, second=cost)
        if programme == "5g":
            served = (
                next((t for k in SERVED_OUTCOMES if (t := _largest_move(result, option, k))), None)
                if key not in SERVED_OUTCOMES
                else None
            )
            # why a capacity lever moves coverage: the operators densify where cells are short, not cover anew
            denser = _largest_move(result, option, DENSIFICATION_KPI, relative=DENSIFICATION_MOVE_SHARE)
            for more in (served, denser):
                if more is not None:
                    said = _("{first}; {second}").format(first=said, second=more)
        return said
    if programme == "villages":  # a village link's capacity is also its people's service (dxsim.sim.capacity)
        served = next((t for k in SERVED_OUTCOMES if (t := _largest_move(result, option, k))), None)
        if served is not None:
            return _(VILLAGE_SERVICE_MOVE).format(served=served)
    return None


VILLAGE_COST_KPI = "village_capex_total_vnd_bn"
COST_MOVE_SHARE = 0.05  # a cost move named beside the outcome: at least this share of the baseline's


def cost_move(result: CompareResult, option: str, programme: str) -> str | None:
    """The village programme's capex (all payers) when the option moved it by COST_MOVE_SHARE of the baseline's or
    more in every part of the band, as a phrase, else None (other programmes: None). Why: utility crews at 0 read "the
    limit once cut ... moved -1 village-months" while the campaigns' generator bridges ran on for +558 bn VND, which
    no line said (lever trial)."""
    if programme != "villages":
        return None
    moves = _moves_of(result, option, VILLAGE_COST_KPI)
    if moves is None:
        return None
    d10, d50, d90, base = moves
    if (
        base is None
        or not _finite(base)
        or abs(d50) < COST_MOVE_SHARE * abs(base)
        or d10 * d50 < 0
        or d90 * d50 < 0
    ):
        return None
    return _("village capex (all payers) moved {delta} bn VND").format(delta=F.number(d50, 1, signed=True))


def _moves_of(
    result: CompareResult, option: str, kpi: str
) -> tuple[float, float, float, float | None] | None:
    """(delta P10, P50, P90, the baseline's P50) of one KPI row, or None where a part is missing."""
    q = result.quantiles.filter((pl.col("scenario") == option) & (pl.col("kpi") == kpi))
    if q.height == 0:
        return None
    d50, d10, d90 = (q[c][0] for c in ("delta_p50", "delta_p10", "delta_p90"))
    if not (_finite(d50) and _finite(d10) and _finite(d90)):
        return None
    return float(d10), float(d50), float(d90), _p50(result, kpi, result.baseline)


# Why: doubling the LEO terminals' capacity moved people served by 4G or better +0.12 points at end-2030 in every
# replication, and the line said "the option moved no village outcome" (lever audit)
VILLAGE_SERVICE_MOVE = N_(
    "no village was connected sooner, but {served}: a village's link also carries its people's busy-hour traffic"
)


DENSIFICATION_KPI = "stations_5g_built_for_capacity_end"  # built, not only moved up the plans
DENSIFICATION_MOVE_SHARE = 0.1  # ... named when it moved by a tenth of the baseline's or more


def _moves(
    result: CompareResult, option: str, key: str, relative: float = 0.0
) -> list[tuple[float, dict[str, Any]]]:
    """(paired P50 delta, table row) of each KPI row starting with `key` that moved (see outcome_moved), in table
    order. `relative`: a move must also be at least this share of the baseline's P50."""
    q = result.quantiles.filter(pl.col("scenario") == option)
    moves: list[tuple[float, dict[str, Any]]] = []
    for r in result.table.filter(pl.col("kpi").str.starts_with(key)).iter_rows(named=True):
        row = q.filter(pl.col("kpi") == r["kpi"])
        if row.height == 0 or r["unit"] not in MOVE_AT_LEAST:
            continue
        d50, d10, d90 = (row[c][0] for c in ("delta_p50", "delta_p10", "delta_p90"))
        if not (_finite(d50) and _finite(d10) and _finite(d90)):
            continue
        base = r.get(result.baseline)
        least = max(
            MOVE_AT_LEAST[r["unit"]], relative * abs(base) if base is not None and _finite(base) else 0.0
        )
        if abs(d50) >= least and min(d10, d90) * d50 >= 0 and max(d10, d90) * d50 >= 0:
            moves.append((d50, r))
    return moves


def _better(d50: float, unit: str) -> bool:
    """Whether an outcome's move is for the better: every OUTCOMES row is a quantity wanted up (coverage, villages,
    MW, GPUs) or a date wanted sooner."""
    return d50 < 0 if unit == DATE_UNIT else d50 > 0


def _move_phrase(d50: float, r: dict[str, Any]) -> str:
    label = str(r["label"])
    # "Date the ..." inside a sentence; not "5G ...", nor a province's name ("Điện Biên (11): villages connected" read
    # "điện Biên (11)"; trial of the session's changes): a label that names a place begins with it
    if label[:1].isupper() and label[1:2].islower() and not re.match(r"^[^:(]+ \(\d{2}\)", label):
        label = label[0].lower() + label[1:]
    delta = fmt_value(d50, r["unit"], signed=True)  # a date's in months ("-5.0 mo")
    if r["unit"] == "%":  # a share moves by percentage points
        delta += " " + _("points")
    elif r["unit"] != DATE_UNIT:
        delta += " " + unit_label(r["unit"])
    return _("{kpi} moved {delta}").format(kpi=label, delta=delta)


def _largest_move(result: CompareResult, option: str, key: str, relative: float = 0.0) -> str | None:
    """The largest move among the KPI rows that start with `key` (see outcome_moved), as a phrase, or None; when
    some rows moved for the better and others for the worse, the largest of each, in table (year) order.

    Why both: accepting a larger loss per site moved 5G coverage -0.28 points at end-2026 and +0.09 at end-2030, and
    the line named only the larger, worse move beside "the change relieved a binding limit" (operator trial)."""
    moves = _moves(result, option, key, relative)
    if not moves:
        return None
    good = [m for m in moves if _better(m[0], str(m[1]["unit"]))]
    bad = [m for m in moves if not _better(m[0], str(m[1]["unit"]))]
    if not good or not bad:
        d50, r = max(moves, key=lambda m: abs(m[0]))  # the first of equal moves
        return _move_phrase(d50, r)
    pair = [max(good, key=lambda m: abs(m[0])), max(bad, key=lambda m: abs(m[0]))]
    pair.sort(key=lambda m: next(i for i, x in enumerate(moves) if x is m))
    return _("{first}, and {second}").format(first=_move_phrase(*pair[0]), second=_move_phrase(*pair[1]))


def outcome_tail(result: CompareResult, option: str, programme: str) -> str | None:
    """Where the P50 of the paired differences moved none of the programme's outcomes but the band did, the largest
    such move at the band's edge, as a phrase ("month 5G covers 90% of the population moved +9.0 mo in some
    replications (P10 to P90: 0 to +9.0 mo)"), else None.

    Why: doubled upgrade permits read "not binding ... permits did not bind" while one replication of three lost
    Viettel's whole Resolution 193 surge (-13,062 stations at end-2025) and the 90% month's P90 moved +9 months
    (lever trial): the P50 is one replication of three, and the line spoke for all."""
    q = result.quantiles.filter(pl.col("scenario") == option)
    best: tuple[float, str] | None = None
    for key in OUTCOMES.get(programme, ()):
        for r in result.table.filter(pl.col("kpi").str.starts_with(key)).iter_rows(named=True):
            row = q.filter(pl.col("kpi") == r["kpi"])
            if row.height == 0 or r["unit"] not in MOVE_AT_LEAST:
                continue
            d50, d10, d90 = (row[c][0] for c in ("delta_p50", "delta_p10", "delta_p90"))
            if not (_finite(d50) and _finite(d10) and _finite(d90)) or abs(d50) >= MOVE_AT_LEAST[r["unit"]]:
                continue
            edge = d90 if abs(d90) >= abs(d10) else d10
            if abs(edge) < MOVE_AT_LEAST[r["unit"]] or (best is not None and abs(edge) <= best[0]):
                continue
            band = _("{low} to {high}").format(
                low=fmt_value(d10, r["unit"], signed=True), high=fmt_value(d90, r["unit"], signed=True)
            )
            best = (
                abs(edge),
                _("{move} in some replications (P10 to P90: {band})").format(
                    move=_move_phrase(edge, r), band=band
                ),
            )
    return best[1] if best is not None else None


def outcome_worse(result: CompareResult, option: str, programme: str) -> bool:
    """Whether the outcome `outcome_moved` names (the first of OUTCOMES that moved) moved for the worse at some row:
    a relieved limit whose outcome is worse at some year end is not said to have simply helped."""
    for key in OUTCOMES.get(programme, ()):
        moves = _moves(result, option, key)
        if moves:
            return any(not _better(d50, str(r["unit"])) for d50, r in moves)
    return False


def outcome_unmoved(result: CompareResult, option: str, programme: str) -> bool:
    """Every outcome of the programme (OUTCOMES) is exactly the baseline's in every replication (paired P10 = P50 =
    P90 = 0), and there is at least one."""
    q = result.quantiles.filter(pl.col("scenario") == option)
    seen = 0
    for key in OUTCOMES.get(programme, ()):
        for kpi in result.table.filter(pl.col("kpi").str.starts_with(key))["kpi"].to_list():
            row = q.filter(pl.col("kpi") == kpi)
            if row.height == 0:
                continue
            seen += 1
            # None (NaN: one of the pair never reached it) counts as moved
            if any(row[c][0] != 0 for c in ("delta_p10", "delta_p50", "delta_p90")):
                return False
    return seen > 0


def add_bottlenecks(result: CompareResult) -> None:
    """Fill `result.bottlenecks` and `result.bottleneck_notes` from each run's held-back metrics."""
    frames, notes = [], {}
    base = next(r for r in result.runs if r.name == result.baseline)
    for run in result.runs:
        if run.held_metrics is None:
            continue
        s = region_summary(run.held_metrics)
        frames.append(
            s.select(
                pl.lit(run.name).alias("scenario"),
                pl.lit("region").alias("kind"),
                pl.all().exclude("line", "short_line"),
                pl.col("short_line").alias("text"),
            )
        )
        frames += [  # what held each campaign's own villages (a province's campaign is not the country)
            pl.DataFrame([{"scenario": run.name, "kind": "region", "programme": "villages", "text": t}])
            for t in campaign_lines(run.held_metrics)
        ]
        short = short_villages_line(run.held_metrics)
        if short:  # villages on air whose links are too thin: not among the held village-days
            frames.append(
                pl.DataFrame(
                    [{"scenario": run.name, "kind": "region", "programme": "villages", "text": short}]
                )
            )
        frames += [  # what holds the capacity-short people at the end: the cells' edge rate or the load
            pl.DataFrame([{"scenario": run.name, "kind": "region", "programme": "5g", "text": t}])
            for t in service_lines(run.held_metrics)
        ]
        # GPUs held at the border by an import cap, and bought without powered racks: the run's own lines, here too
        for held in (import_cap_line(run.held_metrics), stranded_line(run.held_metrics)):
            if held:
                frames.append(
                    pl.DataFrame(
                        [{"scenario": run.name, "kind": "region", "programme": "gpus", "text": held}]
                    )
                )
        if run.name != result.baseline and base.held_metrics is not None:
            ignored = result.ignored.get(run.name, {})
            diffs = [d for d in result.differences.get(run.name, []) if d[0] not in ignored]
            for off in dict.fromkeys(ignored.values()):  # one line per switch that is off
                fields = [f for f, o in ignored.items() if o == off]
                frames.append(
                    pl.DataFrame(
                        [
                            {
                                "scenario": run.name,
                                "kind": "ignored",
                                "text": _("{fields}: not read, as {switch} = false").format(
                                    fields=join_fields(fields), switch=off
                                ),
                            }
                        ]
                    )
                )
            verdicts = option_verdicts(
                base.held_metrics,
                result.baseline,
                diffs,
                fmt=format_setting,
                moved=functools.partial(outcome_moved, result, run.name),
                unmoved=functools.partial(outcome_unmoved, result, run.name),
                worse=functools.partial(outcome_worse, result, run.name),
                tail=functools.partial(outcome_tail, result, run.name),
                option=run.held_metrics,
                not_levers=result.switched_on.get(run.name, set()),
            )
            verdicts += [
                ("binds", t)
                for t in newly_binding_lines(run.held_metrics, base.held_metrics, result.baseline)
            ]
            notes[run.name] = [t for kind, t in verdicts if kind == "note"]
            frames += [
                pl.DataFrame([{"scenario": run.name, "kind": kind, "text": t}]) for kind, t in verdicts
            ]
            support = support_note(
                run.held_metrics,
                base.held_metrics,
                diffs,
                idle=result.idle_supports.get(run.name, ()),
                inside=_stations_inside(run, base),
                new_sites_only=result.new_sites_support.get(run.name, False),
            )
            if support:  # what support paid: not a resource that did not bind
                frames.append(pl.DataFrame([{"scenario": run.name, "kind": "support", "text": support}]))
            cliff = support_cliff_note(run.held_metrics, base.held_metrics)
            if cliff:  # a threshold met or missed in some replications: the mean hides it
                frames.append(pl.DataFrame([{"scenario": run.name, "kind": "support", "text": cliff}]))
            layer = village_layer_note(diffs, base.kpis.get(0, {}), run.kpis.get(0, {}))
            if layer:  # the start network differs: every outcome may move, not only the villages'
                frames.append(pl.DataFrame([{"scenario": run.name, "kind": "layer", "text": layer}]))
            money = public_money_line(result, run)
            if money:  # which public purse moved: the total alone gave no reason
                frames.append(pl.DataFrame([{"scenario": run.name, "kind": "money", "text": money}]))
    result.bottlenecks = (
        pl.concat(
            [f.cast({c: t for c, t in BOTTLENECK_COLUMNS.items() if c in f.columns}) for f in frames],
            how="diagonal",
        ).select(list(BOTTLENECK_COLUMNS))
        if frames
        else pl.DataFrame(schema=BOTTLENECK_COLUMNS)
    )
    result.bottleneck_notes = notes


def _stations_inside(
    run: ScenarioRun, base: ScenarioRun
) -> Callable[[dt.date], tuple[str, float] | None] | None:
    """For an option whose support programmes pay in some provinces only: date -> (their names, the mean over
    replications of the paired change of their stations on air at that year end), from their compare rows
    (`stations_5g_<gso34>_<tag>`, added for such programmes); None for a nationwide option."""
    try:
        sc = load_scenario(run.source)
    except DxsimInputError:
        return None
    codes = list(dict.fromkeys(c for p in sc.supports for c in p.provinces))
    # a nationwide programme beside a provincial one: the stations it displaces fall anywhere, "there" is nowhere (a
    # line said "+203 in Điện Biên, Tuyên Quang, -3,621 elsewhere ... the paid stations there"; trial of today's changes)
    if not codes or any(not p.provinces for p in sc.supports):
        return None
    names = ", ".join(load_country().province_name(c) for c in codes)

    def inside(d: dt.date) -> tuple[str, float] | None:
        tag = f"{d.year}_{d.month:02d}"
        deltas = []
        for rep, kpis in run.kpis.items():
            ref = base.kpis.get(rep)
            keys = [f"stations_5g_{c}_{tag}" for c in codes]
            if ref is None or any(k not in kpis or k not in ref for k in keys):
                return None
            deltas.append(sum(kpis[k] - ref[k] for k in keys))
        return (names, float(np.mean(deltas))) if deltas else None

    return inside


# the parts of public_cost_total_vnd_bn (dxsim.execution.kpis.public_cost_vnd_bn) a compare can name, in that order
PUBLIC_MONEY_PARTS = (
    (("subsidy_paid_total_vnd_bn", "support_accrued_unpaid_vnd_bn"), N_("5G support")),
    (("village_programme_committed_total_vnd_bn",), N_("the village programme's budget")),
    (("dc_state_investment_total_vnd_bn",), N_("state data centres")),
    (("dc_ppp_state_capex_total_vnd_bn",), N_("the state's PPP share of data centres")),
    (("gpu_public_capex_total_vnd_bn",), N_("the state's share of GPU orders")),
)
MONEY_MOVE_VND_BN = 0.05  # a P50 move of public money smaller than this is not explained


def public_money_line(result: CompareResult, run: ScenarioRun) -> str | None:
    """Which public purse an option moved ("public money +17.7 bn VND (P50): the village programme's budget 0 ->
    17.7 bn ..."), or None when the P50 moved less than MONEY_MOVE_VND_BN.

    Why: an operator-paid campaign of a province, launched after the start, raised public money by 17.7 bn with no
    word: before its launch its villages are ordinary programme villages, and the programme's budget started some of
    them at the start. When the programme's budget moved and the option declares campaigns launched after the start
    (whoever pays them), the line says so."""
    total = [_p50(result, "public_cost_total_vnd_bn", n) for n in (result.baseline, run.name)]
    if any(v is None or not math.isfinite(v) for v in total):
        return None
    base_total, opt_total = (float(v) for v in total if v is not None)
    # the table's figure: the P50 of the paired differences, not the difference of the P50s (with 3 replications the
    # line said +27.9 beside the table's +30.7, and its purse's 598.1 -> 639.0 added to neither: provincial trial)
    paired = _delta_p50(result, "public_cost_total_vnd_bn", run.name)
    delta = opt_total - base_total if paired is None else paired
    if abs(delta) < MONEY_MOVE_VND_BN and abs(opt_total - base_total) < MONEY_MOVE_VND_BN:
        return None
    parts = []
    programme_up = False
    for kpis, what in PUBLIC_MONEY_PARTS:
        sides = [sum(_p50_or_0(result, k, n) for k in kpis) for n in (result.baseline, run.name)]
        if abs(sides[1] - sides[0]) >= MONEY_MOVE_VND_BN:
            part = _("{what} {before} -> {after} bn (P50s)").format(
                what=_(what), before=F.number(sides[0], 1), after=F.number(sides[1], 1)
            )
            if (
                kpis[0] == "subsidy_paid_total_vnd_bn"
            ):  # which programmes: a province's own beside the nation's
                each = _support_moves(result, run.name)
                part += f" ({each})" if each else ""
            parts.append(part)
            programme_up |= kpis[0] == "village_programme_committed_total_vnd_bn" and sides[1] > sides[0]
    if not parts:
        # no purse's own P50 moved, yet the total's did: its parts move in different replications (support paid in
        # some only). Means add up where P50s do not, so each purse is named by its mean over the replications. Why:
        # this said "the state's own data-centre investment" whatever moved, and that was 0 in every replication
        # while Resolution 193 support was paid in some (operator trial, 2026-12-06)
        for kpis, what in PUBLIC_MONEY_PARTS:
            sides = [_mean_or_0(result, kpis, n) for n in (result.baseline, run.name)]
            if abs(sides[1] - sides[0]) >= MONEY_MOVE_VND_BN:
                parts.append(
                    _("{what}: mean over the replications {before} -> {after} bn (its P50 unmoved)").format(
                        what=_(what), before=F.number(sides[0], 1), after=F.number(sides[1], 1)
                    )
                )
    line = _("public money {delta} bn VND (P50 of the paired differences, as in the table): {parts}").format(
        delta=F.number(delta, 1, signed=True), parts="; ".join(parts)
    )
    later = _later_campaigns(run.source) if programme_up else []
    if later:
        line += " " + _(
            "(a campaign's villages are the programme's until its launch, and the programme's budget started some "
            "of them before it, at the start or after: {campaigns})"
        ).format(campaigns=", ".join(f"{name} {shown_day(when)}" for name, when in later))
    return line


def _support_moves(result: CompareResult, option: str) -> str:
    """The support programmes whose own money moved (P50, paid and earned), "son_la 0.0 -> 300.0", or ""."""
    keys = dict.fromkeys(k for k in result.quantiles["kpi"].to_list() if SUPPORT_PROGRAMME_RE.match(k))
    moves = []
    for k in keys:
        before, after = (_p50_or_0(result, k, n) for n in (result.baseline, option))
        if abs(after - before) >= MONEY_MOVE_VND_BN:
            name = support_programme_name(cast(re.Match[str], SUPPORT_PROGRAMME_RE.match(k)).group(1))
            moves.append(f"{name} {F.number(before, 1)} -> {F.number(after, 1)}")
    return ", ".join(moves)


def _p50_or_0(result: CompareResult, kpi: str, scenario: str) -> float:
    """The scenario's P50 of a money KPI: its row's, else that of its replications' values (support earned but due
    after the horizon has no row: public money that was only earned read as "the state's own data-centre
    investment"); 0 when it has neither."""
    v = _p50(result, kpi, scenario)
    if v is None:
        run = next((r for r in result.runs if r.name == scenario), None)
        values = [float(k[kpi]) for k in run.kpis.values() if kpi in k] if run is not None else []
        v = quantile(values, 0.5) if values else None
    return float(v) if v is not None and math.isfinite(v) else 0.0


def _mean_or_0(result: CompareResult, kpis: tuple[str, ...], scenario: str) -> float:
    """The mean over the scenario's replications of the sum of these money KPIs (a missing KPI counts 0)."""
    run = next((r for r in result.runs if r.name == scenario), None)
    totals = (
        [sum(float(k.get(kpi, 0.0)) for kpi in kpis) for k in run.kpis.values()] if run is not None else []
    )
    return float(np.mean(totals)) if totals else 0.0


def _later_campaigns(path: Path) -> list[tuple[str, dt.date]]:
    """(name, launched) of the scenario's campaigns launched after its start, whoever pays them. Why a campaign the
    programme funds too: a province's programme-funded campaign launched in 2026 showed 24 bn committed at the start,
    for villages the programme had begun before the launch, and the planner read it as the campaign's cost."""
    try:
        sc = load_scenario(path)
    except DxsimInputError:
        return []
    v = sc.villages
    if not v.enabled:
        return []
    start = sc.horizon.start_date
    return [(c.name, c.launched) for c in v.campaigns if c.launched > start]


def bottleneck_lines(result: CompareResult) -> list[str]:
    """Plain text: per scenario, one line per region ("north: crews idle 45%, permits bind"), then its notes."""
    b = result.bottlenecks
    if b is None or b.height == 0:
        return []
    out = [
        _(
            "Why (what held each programme back over the horizon; binding = the largest share of held work, for 5G "
            "among the limits on how much is built, year by year where it changed):"
        )
    ]
    for name in result.scenarios:
        rows = b.filter(pl.col("scenario") == name)
        if rows.height == 0:
            continue
        out.append((_("{name} (baseline):") if name == result.baseline else "{name}:").format(name=name))
        out += [f"  {t}" for t in rows.filter(pl.col("kind") == "region")["text"].to_list()]
        for kind, prefix in VERDICT_PREFIX.items():
            out += [
                "  " + (_(prefix).format(note=t) if prefix else t)
                for t in rows.filter(pl.col("kind") == kind)["text"].to_list()
            ]
    return out


# how each kind of an option's verdict line is introduced, in this order (bottlenecks.csv `kind`; "" = as it is)
VERDICT_PREFIX = {
    "note": N_("not binding: {note}"),
    "critical": N_("on the critical path: {note}"),
    "cut": N_("the limit once cut: {note}"),
    "timing": N_("the wrong way round: {note}"),
    "binds": N_("a new limit: {note}"),
    "relieved": N_("relieved: {note}"),
    "tightened": N_("tightened: {note}"),
    "unmoved": N_("moved nothing: {note}"),
    "effect": N_("direct effect: {note}"),
    "ignored": N_("ignored: {note}"),
    "mixed": "",
    "support": "",
    "money": "",
    "layer": "",
}


def option_changes(
    baseline: Any,
    option: Any,
    baseline_dir: str | os.PathLike[str] | None = None,
    option_dir: str | os.PathLike[str] | None = None,
) -> list[tuple[str, Any, Any]]:
    """What an option changes against the baseline: (dotted field, baseline value, option value).

    Names, descriptions, seed and replications are left out: they are labels, or set by compare
    for every scenario alike.
    """
    return [
        d
        for d in scenario_diff(baseline, option, a_dir=baseline_dir, b_dir=option_dir)
        if d[0] not in NOT_OPTION_SETTINGS
    ]


CAMPAIGN_COMPARED = (  # per campaign: (KPI suffix, unit, kind)
    # in scope and left at the deadline (0: met) beside done: "59 done by the deadline" alone left the planner to find
    # the 117 in scope and whether the deadline was met in each run's own table
    ("villages_in_scope", "villages", "value"),
    ("villages_done_by_deadline", "villages", "value"),
    ("villages_left_at_deadline", "villages", "value"),
    ("villages_without_power_at_deadline", "villages", "value"),
    ("year_done", DATE_UNIT, "date"),
    ("surge_capex_total_vnd_bn", "VND bn", "value"),
)
# compare shows the unit beside each label, so a label must not carry it too: kpi_label's "surge capex (VND bn)"
# (for tables without a unit column) came out as "surge capex (VND bn) (VND bn)"
CAMPAIGN_COMPARED_LABELS = {"surge_capex_total_vnd_bn": N_("surge capex")}


def _campaign_label(name: str, suffix: str) -> str:
    what = CAMPAIGN_COMPARED_LABELS.get(suffix)
    if what is None:
        return kpi_label(f"campaign_{name}_{suffix}")[0]
    return _("Campaign {name}: {what}").format(name=name, what=_(what))


def campaign_rows(runs: Sequence[ScenarioRun]) -> list[tuple[str, str, str, str]]:
    """Rows for each campaign any run has (in order of first appearance): its villages in scope, done by its
    deadline and left at it (0: the deadline met), the month its last village had signal, its surge capex. Why: what a deadline surge bought was in summary.json only."""
    keys = list(dict.fromkeys(k for run in runs for v in run.kpis.values() for k in v))
    names = list(dict.fromkeys(m.group(1) for k in keys if (m := CAMPAIGN_RE.match(k))))
    return [
        (f"campaign_{n}_{suffix}", _campaign_label(n, suffix), unit, kind)
        for n in names
        for suffix, unit, kind in CAMPAIGN_COMPARED
        if f"campaign_{n}_{suffix}" in keys
    ]


def support_programme_rows(runs: Sequence[ScenarioRun]) -> list[tuple[str, str, str, str]]:
    """A row per 5G support programme any run has (Resolution 193 and each `[[supports]]`): what it paid and earned
    over the horizon. Why: a province's 300 bn sat in "public money" beside the national programmes, unnamed."""
    keys = list(dict.fromkeys(k for run in runs for v in run.kpis.values() for k in v))
    return [
        (
            k,
            _("5G support {name}: paid and earned over the horizon (public money)").format(
                name=support_programme_name(m.group(1))
            ),
            "VND bn",
            "value",
        )
        for k in keys
        if (m := SUPPORT_PROGRAMME_RE.match(k)) is not None
    ]


def _tabulate(
    runs: list[ScenarioRun],
    b: int,
    seed: int,
    reps: int,
    tags: list[str],
    dc_tag: str | None,
    areas: Sequence[tuple[str, str]] = (),
) -> CompareResult:
    names = [r.name for r in runs]
    base = runs[b]
    for key, *_rest in support_programme_rows(runs):  # a programme a scenario does not have pays it nothing
        for run in runs:
            for values in run.kpis.values():
                values.setdefault(key, 0.0)
    rows = (
        kpi_rows(tags, dc_tag)
        + support_programme_rows(runs)
        + campaign_rows(runs)
        + province_rows(areas, tags)
    )

    def series(run: ScenarioRun, kpi: str) -> dict[int, float]:
        return {
            r: float(v.get(kpi, math.nan)) if v.get(kpi) is not None else math.nan
            for r, v in run.kpis.items()
        }

    def summed(run: ScenarioRun, kpis: str | tuple[str, ...]) -> dict[int, float]:
        """A cost of several KPIs: their sum per replication (a KPI absent there adds nothing)."""
        if isinstance(kpis, str):
            return series(run, kpis)
        parts = [series(run, k) for k in kpis]
        out = {}
        for r in run.kpis:
            vals = [p[r] for p in parts if math.isfinite(p[r])]
            out[r] = math.fsum(vals) if vals else math.nan
        return out

    table_rows, q_rows, rep_rows = [], [], []
    verdicts: dict[tuple[str, str], str] = {}
    for kpi, label, unit, kind in rows:
        row: dict[str, Any] = {"kpi": kpi, "label": label, "unit": unit}
        deltas_p50: dict[str, float | None] = {}
        if kind == "incremental":
            cost, benefit, scale = INCREMENTAL[kpi]
            for run in runs:
                val = None
                if run is not base:
                    base_cost, base_benefit = summed(base, cost), series(base, benefit)
                    dc = _delta_quantile(paired_deltas(summed(run, cost), base_cost), 0.5)
                    db = _delta_quantile(paired_deltas(series(run, benefit), base_benefit), 0.5)
                    # the baseline's own P50 sizes what counts as no change (NEGLIGIBLE_SHARE)
                    sizes = (
                        _delta_quantile(list(base_cost.values()), 0.5),
                        _delta_quantile(list(base_benefit.values()), 0.5),
                    )
                    val, note = incremental_ratio(dc, db, scale, *sizes)
                    if note:
                        verdicts[(kpi, run.name)] = note
                    band = (
                        ratio_band(
                            paired_deltas(summed(run, cost), base_cost),
                            paired_deltas(series(run, benefit), base_benefit),
                            scale,
                            *sizes,
                        )
                        if val is not None
                        else (None, None)
                    )
                else:
                    band = (None, None)
                row[run.name] = val
                q_rows.append(
                    {
                        "kpi": kpi,
                        "scenario": run.name,
                        "p10": band[0],
                        "p50": val,
                        "p90": band[1],
                        "delta_p10": None,
                        "delta_p50": None,
                        "delta_p90": None,
                    }
                )
            for run in runs:
                if run is not base:
                    deltas_p50[run.name] = None
        else:
            bser = series(base, kpi)
            for run in runs:
                s = series(run, kpi)
                vals = list(s.values())
                p10, p50, p90 = quantile(vals, 0.1), quantile(vals, 0.5), quantile(vals, 0.9)
                row[run.name] = p50
                d = paired_deltas(s, bser) if run is not base else [0.0] * len(bser)
                dq = [_delta_quantile(d, p) for p in (0.1, 0.5, 0.9)] if run is not base else [None] * 3
                if run is not base:
                    deltas_p50[run.name] = dq[1]
                q_rows.append(
                    {
                        "kpi": kpi,
                        "scenario": run.name,
                        "p10": p10,
                        "p50": p50,
                        "p90": p90,
                        "delta_p10": dq[0],
                        "delta_p50": dq[1],
                        "delta_p90": dq[2],
                    }
                )
                for (r, v), dv in zip(sorted(s.items()), d):
                    rep_rows.append(
                        {
                            "kpi": kpi,
                            "scenario": run.name,
                            "replication": r,
                            "value": v if math.isfinite(v) else None,
                            "delta": (dv if math.isfinite(dv) else None) if run is not base else None,
                        }
                    )
        for run in runs:
            if run is not base:
                row[f"delta_{run.name}"] = deltas_p50.get(run.name)
        table_rows.append(row)
    cols = ["kpi", "label", "unit"] + names + [f"delta_{n}" for n in names if n != base.name]
    schema = {c: (pl.Utf8 if c in ("kpi", "label", "unit") else pl.Float64) for c in cols}
    table = pl.DataFrame(table_rows, schema=schema)
    quant = pl.DataFrame(
        q_rows,
        schema={
            "kpi": pl.Utf8,
            "scenario": pl.Utf8,
            "p10": pl.Float64,
            "p50": pl.Float64,
            "p90": pl.Float64,
            "delta_p10": pl.Float64,
            "delta_p50": pl.Float64,
            "delta_p90": pl.Float64,
        },
    )
    reps_df = pl.DataFrame(
        rep_rows,
        schema={
            "kpi": pl.Utf8,
            "scenario": pl.Utf8,
            "replication": pl.Int64,
            "value": pl.Float64,
            "delta": pl.Float64,
        },
    )
    return CompareResult(
        table,
        quant,
        reps_df,
        names,
        base.name,
        seed,
        reps,
        runs,
        {kpi: kind for kpi, _l, _u, kind in rows},
        verdicts,
    )


# --------------------------------------------------------------------------- dates


def _day_number(v: float) -> float:
    """A decimal year as a day number (NaN if never reached), so that date deltas are whole days."""
    d = decimal_year_to_date(v)
    return float(d.toordinal()) if d is not None else math.nan


# --------------------------------------------------------------------------- formatting


def _finite(v: float | None) -> bool:
    """A value that is there (a date reached): not None, NaN or infinite."""
    return v is not None and math.isfinite(v)


def fmt_value(
    v: float | None, unit: str, *, signed: bool = False, missing: str = "-", scale: float | None = None
) -> str:
    """Planner-readable, in the language in use: decimal years as months (deltas in months), counts without decimals.

    `scale`: the largest magnitude of the values printed together (a P50 and its P10-P90), so they share one
    precision: "-0.09 (-0.19 to +0.00)", not "... to +0.000285" beside two decimals."""
    if not _finite(v):
        return missing
    assert v is not None
    if unit == DATE_UNIT:
        if signed:
            months = v * 12.0
            return (
                (F.number(months, 1, signed=True) + " " + _("mo")) if abs(months) >= 0.05 else "0 " + _("mo")
            )
        d = decimal_year_to_date(v)
        return month_label(d) if d is not None else missing
    if v == 0:  # nothing, with no false precision ("0.00" read as a rounded small number), and never "-0"
        return "0"
    shared = scale if scale is not None and math.isfinite(scale) else None
    a = abs(v) if shared is None else max(abs(v), abs(shared))
    if a >= 1e4 or (float(v).is_integer() and (shared is None or shared.is_integer()) and a >= 1):
        return F.number(v, 0, signed=signed)
    if a >= 10:
        return F.number(v, 1, signed=signed)
    # a share of people or a user's rate: hundredths at most ("-0.00", not 5e-5; a throughput's delta of
    # -0.0000000326 Mbps beside +0.000493 was float rounding shown as a move)
    if a >= 0.01 or v == 0 or unit in ("%", "Mbps"):
        return F.number(v, 2, signed=signed)
    return F.significant(v, 3, signed=signed)


def _lacks_kpi(result: CompareResult, kpi: str, scenario: str) -> bool:
    """Whether the scenario's runs have no such KPI at all (a campaign only the option declares), as opposed to a
    date they never reach (the KPI is there, null). Why: both read as NaN, and a Tuyên Quang campaign of the option
    showed "not reached" in the baseline and "reached; the baseline never does" as its delta."""
    run = next((r for r in result.runs if r.name == scenario), None)
    return run is not None and not any(kpi in v for v in run.kpis.values())


NEITHER_REACHES = N_("neither reaches it")
NOT_IN_BOTH = N_("not a KPI of both scenarios (a campaign only one of them declares)")


def _p50(result: CompareResult, kpi: str, scenario: str) -> float | None:
    """The scenario's P50 of the KPI (None where compare has no row for it)."""
    q = result.quantiles.filter((pl.col("kpi") == kpi) & (pl.col("scenario") == scenario))
    return q["p50"][0] if q.height else None


def _delta_p50(result: CompareResult, kpi: str, scenario: str) -> float | None:
    """The P50 of the scenario's paired differences from the baseline (the table's delta), or None."""
    if "delta_p50" not in result.quantiles.columns:
        return None
    q = result.quantiles.filter((pl.col("kpi") == kpi) & (pl.col("scenario") == scenario))
    v = q["delta_p50"][0] if q.height else None
    return float(v) if v is not None and math.isfinite(v) else None


NO_CAMPAIGN_HERE = N_("same villages, no campaign")
NO_CAMPAIGN_NOTE = N_("no such campaign: its villages counted at its deadline")


def probed_campaign(result: CompareResult, kpi: str, scenario: str) -> bool:
    """Whether the value is another scenario's campaign counted on the same villages in this one, which does not
    declare it (`campaign_probes`): shown, with a word, so it is not read as this scenario's own campaign."""
    m = CAMPAIGN_RE.match(kpi)
    run = next((r for r in result.runs if r.name == scenario), None)
    return (
        m is not None
        and run is not None
        and run.campaigns is not None
        and m.group(1) not in run.campaigns
        and not _lacks_kpi(result, kpi, scenario)
    )


SCOPE_DIFFERS = N_("its villages differ ({base} -> {option} in scope): not the same campaign to compare")


def scope_change(result: CompareResult, kpi: str, scenario: str) -> tuple[float, float] | None:
    """(baseline, option) P50 villages in scope of the campaign a campaign KPI belongs to, when they differ; else
    None (also for the scope row itself and for a KPI that is no campaign's).

    Why: a Tuyên Quang campaign listed before the two 2025 campaigns took their Tuyên Quang villages (485 -> 230,
    117 -> 99 in scope), and compare showed the 2025 campaigns' "villages left at the deadline 115 -> 98" and their
    last village 3 months sooner as effects of the option: the same name counting other villages (provincial
    trial). Such a delta has no number; the cell and compare.csv's note say why."""
    m = CAMPAIGN_RE.match(kpi)
    if m is None or kpi.endswith("_villages_in_scope") or scenario == result.baseline:
        return None
    scope = f"campaign_{m.group(1)}_villages_in_scope"
    base, option = _p50(result, scope, result.baseline), _p50(result, scope, scenario)
    if base is None or option is None or not (_finite(base) and _finite(option)) or base == option:
        return None
    return base, option


DEADLINE_DIFFERS = N_(
    "counted at another deadline ({base} in the baseline, {option} here): not the same count to compare; the month "
    "its last village has signal compares them"
)
# ... when the baseline has no such campaign and is counted at another option's deadline (campaign_probes)
DEADLINE_DIFFERS_PROBED = N_(
    "counted at another deadline ({base} in the baseline, {option} here): not the same count to compare; compare "
    "this option with the baseline alone"
)
# the campaign KPIs counted at the campaign's deadline (the others: its scope, its villages at the horizon's end, its
# surge capex and the year it is done, do not depend on it)
AT_DEADLINE = (
    "_villages_done_by_deadline",
    "_villages_left_at_deadline",
    "_villages_without_power_at_deadline",
    "_deadline_met",
)


def deadline_change(result: CompareResult, kpi: str, scenario: str) -> tuple[dt.date, dt.date] | None:
    """(baseline, option) deadlines a campaign KPI counted at the deadline is counted at, when they differ; else None.

    Why: two options declaring a Tuyên Quang campaign due 2027-12-31 and 2026-06-30 beside a baseline without one
    counted the baseline's villages at the first option's deadline (254 with signal) and the second's own at its
    earlier one (124): a Δ of -130 where that campaign gained +21 villages against the baseline at its own deadline
    (lever audit). A baseline declaring the campaign with another deadline than the option's did the same."""
    m = CAMPAIGN_RE.match(kpi)
    if m is None or not kpi.endswith(AT_DEADLINE) or scenario == result.baseline:
        return None
    runs = {r.name: r for r in result.runs}
    base, option = runs.get(result.baseline), runs.get(scenario)
    if base is None or option is None:
        return None
    due_base, due_option = base.campaign_deadlines.get(m.group(1)), option.campaign_deadlines.get(m.group(1))
    if due_base is None or due_option is None or due_base == due_option:
        return None
    return due_base, due_option


def scope_note(result: CompareResult, kpi: str, scenario: str, translate: bool = True) -> str | None:
    """Why a campaign KPI's Δ has no number (translated, or in English for compare.csv): SCOPE_DIFFERS filled in
    (see scope_change) or DEADLINE_DIFFERS (see deadline_change); None when neither applies."""
    change = scope_change(result, kpi, scenario)
    if change is not None:
        text = _(SCOPE_DIFFERS) if translate else SCOPE_DIFFERS
        return text.format(
            base=F.number(change[0], 0) if translate else f"{change[0]:g}",
            option=F.number(change[1], 0) if translate else f"{change[1]:g}",
        )
    due = deadline_change(result, kpi, scenario)
    if due is not None:
        template = (
            DEADLINE_DIFFERS_PROBED if probed_campaign(result, kpi, result.baseline) else DEADLINE_DIFFERS
        )
        text = _(template) if translate else template
        return text.format(
            base=F.date(due[0]) if translate else due[0].isoformat(),
            option=F.date(due[1]) if translate else due[1].isoformat(),
        )
    return None


REACHED_BASELINE_NEVER = N_("reached; the baseline never does")
NEVER_REACHED_BASELINE_DOES = N_("never reached; the baseline does")


def one_side_reaches(result: CompareResult, kpi: str, scenario: str) -> str | None:
    """For a date KPI: the note (English msgid) when only one of the option and the baseline reaches it at the
    median, so their delta has no number; None otherwise. The terminal, compare.md and compare.csv's `note` all say
    it: the CSV's blank delta read as missing data where the answer was "the option gets there, the baseline not"."""
    if _lacks_kpi(result, kpi, scenario) or _lacks_kpi(result, kpi, result.baseline):
        return None
    opt = _finite(_p50(result, kpi, scenario))
    base = _finite(_p50(result, kpi, result.baseline))
    if opt and not base:
        return REACHED_BASELINE_NEVER
    if base and not opt:
        return NEVER_REACHED_BASELINE_DOES
    return None


def neither_reaches(result: CompareResult, kpi: str, scenario: str) -> bool:
    """Neither the option nor the baseline reaches the date KPI at the median: their delta says nothing."""
    if _lacks_kpi(result, kpi, scenario) or _lacks_kpi(result, kpi, result.baseline):
        return False  # one of them has no such KPI at all: n/a, not "neither reaches it"
    return not _finite(_p50(result, kpi, scenario)) and not _finite(_p50(result, kpi, result.baseline))


SPLIT_MARK = "†"
SPLIT_NOTE = N_(
    "the replications split: the P50s differ by {medians}, the P50 of the paired differences is {paired} "
    "(compare_replications.csv has each run)"
)
SPLIT_CAPTION = N_(
    "†: the two P50s beside it differ by far less, by far more, or the other way: the replications split into groups "
    "(some runs move a lot, others not), so read the Δ, not the difference of the P50s."
)
# With fewer than FEW_REPS replications each P50 is one run's own value, and the two P50s may come from different
# runs, so a Δ far from their difference is what few runs give, not evidence of groups (a trial saw "split into
# groups" with 3 replications); the mark stays, since reading the Δ is still the advice
SPLIT_NOTE_FEW = N_(
    "the P50s differ by {medians}, the P50 of the paired differences is {paired}: with {reps} replications each P50 "
    "is one run's value, maybe from different runs (compare_replications.csv has each run)"
)
SPLIT_CAPTION_FEW = N_(
    "†: the two P50s beside it differ by far less, by far more, or the other way: with {reps} replications each P50 "
    "is one run's value, maybe from different runs, so read the Δ, not the difference of the P50s."
)


def split_caption(reps: int) -> str:
    """The † caption (translated): "groups" only with replications enough to show them."""
    return _(SPLIT_CAPTION_FEW).format(reps=reps) if reps < FEW_REPS else _(SPLIT_CAPTION)


def split_note(reps: int, medians: float, paired: float) -> str:
    """compare.csv's note (English, as its other notes) on a † row."""
    note = SPLIT_NOTE_FEW if reps < FEW_REPS else SPLIT_NOTE
    return note.format(medians=f"{medians:+.6g}", paired=f"{paired:+.6g}", reps=reps)


def split_medians(result: CompareResult, kpi: str, scenario: str) -> tuple[float, float] | None:
    """(difference of the two P50s, P50 of the paired differences) when they tell different stories: opposite signs,
    or one at least 3 times the other, and apart by at least a tenth of the baseline's P10-P90 spread (noise aside).
    None otherwise, for a date or incremental KPI, or with one replication.

    Why: Điện Biên's 5G stations at end-2030 were 880 in the baseline and 884 with a support option (P50s), and the
    Δ beside them was +218: both right, the replications split into low (603-812) and high (880-1,308) outcomes, and
    nothing said so; a planner reading the columns concluded the support did nothing (provincial planner trial)."""
    if result.reps < 2 or scenario == result.baseline or result.kinds.get(kpi) in ("date", "incremental"):
        return None
    if (
        _lacks_kpi(result, kpi, scenario)
        or _lacks_kpi(result, kpi, result.baseline)
        or scope_note(result, kpi, scenario, translate=False) is not None
    ):
        return None
    qs = result.quantiles.filter(pl.col("kpi") == kpi)
    mine = qs.filter(pl.col("scenario") == scenario).row(0, named=True)
    base = qs.filter(pl.col("scenario") == result.baseline).row(0, named=True)
    vals = (mine["p50"], base["p50"], mine["delta_p50"], base["p10"], base["p90"])
    if not all(_finite(v) for v in vals):
        return None
    medians, paired = mine["p50"] - base["p50"], mine["delta_p50"]
    differ = (medians * paired < 0) or max(abs(medians), abs(paired)) >= 3 * min(abs(medians), abs(paired))
    material = abs(paired - medians) >= 0.1 * (base["p90"] - base["p10"]) and abs(paired - medians) > 1e-9
    return (medians, paired) if differ and material else None


def any_split(result: CompareResult) -> bool:
    """Whether some KPI row's Δ is marked as split (`split_medians`)."""
    return any(
        split_medians(result, kpi, s) is not None
        for kpi in result.table["kpi"].to_list()
        for s in result.options
    )


def _cell(result: CompareResult, kpi: str, unit: str, kind: str, scenario: str, delta: bool) -> str:
    q = result.quantiles.filter((pl.col("kpi") == kpi) & (pl.col("scenario") == scenario)).row(0, named=True)
    missing = _("not reached") if (unit == DATE_UNIT and not delta) else "-"
    if _lacks_kpi(result, kpi, scenario):
        missing = "-"
    if delta:
        if kind == "incremental":
            return ""
        if _lacks_kpi(result, kpi, result.baseline) or _lacks_kpi(
            result, kpi, scenario
        ):  # nothing to compare with
            return _("n/a")
        if (scope := scope_note(result, kpi, scenario)) is not None:  # a campaign counting other villages
            return scope
        if unit == DATE_UNIT and neither_reaches(result, kpi, scenario):
            # paired, two dates never reached differ by 0; "0 mo" would read as "the same date"
            return _(NEITHER_REACHES)
        if unit == DATE_UNIT and not _finite(q["delta_p50"]):  # one of the two never reaches it: which one
            reach = one_side_reaches(result, kpi, scenario)
            if reach is not None:
                return _(reach)
        scale = _scale(q["delta_p50"], q["delta_p10"], q["delta_p90"])
        mid = fmt_value(q["delta_p50"], unit, signed=True, missing=_("n/a"), scale=scale)
        if (
            result.reps > 1
            and _finite(q["delta_p10"])
            and _finite(q["delta_p90"])
            and q["delta_p10"] != q["delta_p90"]
        ):
            mid += (
                " ("
                + _("{low} to {high}").format(
                    low=fmt_value(q["delta_p10"], unit, signed=True, scale=scale),
                    high=fmt_value(q["delta_p90"], unit, signed=True, scale=scale),
                )
                + ")"
            )
        if split_medians(result, kpi, scenario) is not None:
            mid += " " + SPLIT_MARK
        return mid
    if kind == "incremental":
        if scenario == result.baseline:
            return ""
        verdict = result.verdicts.get((kpi, scenario))
        if verdict:
            return _(verdict)
        scale = _scale(q["p50"], q["p10"], q["p90"])
        mid = fmt_value(q["p50"], unit, scale=scale)
        if result.reps > 1 and _finite(q["p10"]) and _finite(q["p90"]) and q["p10"] != q["p90"]:
            mid += f" ({fmt_value(q['p10'], unit, scale=scale)}–{fmt_value(q['p90'], unit, scale=scale)})"
        return mid
    scale = _scale(q["p50"], q["p10"], q["p90"])
    mid = fmt_value(q["p50"], unit, missing=missing, scale=scale)
    if result.reps > 1 and q["p10"] != q["p90"]:
        low = fmt_value(q["p10"], unit, missing=missing, scale=scale)
        mid += f" ({low}–{fmt_value(q['p90'], unit, missing=missing, scale=scale)})"
    if probed_campaign(result, kpi, scenario):
        mid += " [" + _(NO_CAMPAIGN_HERE) + "]"
    return mid


def _scale(*values: float | None) -> float | None:
    """The largest magnitude among the finite values (None if none is): the precision of a value and its range."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    return max(finite) if finite else None


def _settings_note(result: CompareResult) -> str:
    return _(
        "(Not listed: names and descriptions; seed and replications are compare's own, seed {seed} and "
        "{reps} replication(s) for every scenario.)"
    ).format(seed=result.seed, reps=result.reps)


def differences_markdown(result: CompareResult) -> list[str]:
    """Markdown lines: for each option, every field it changes (baseline value → option value)."""
    lines = ["## " + _("What each option changes against {baseline}").format(baseline=result.baseline), ""]
    for opt in result.options:
        run = next((r for r in result.runs if r.name == opt), None)
        where = f" (`{run.path}`)" if run is not None else ""
        diffs = result.differences.get(opt, [])
        lines.append(
            f"**{opt}**{where}" + (":" if diffs else ": " + _("no field differs from the baseline."))
        )
        lines.append("")
        off = result.ignored.get(opt, {})
        for path, base, val in diffs:
            note = (
                " " + _("(not read: {switch} = false)").format(switch=f"`{off[path]}`") if path in off else ""
            )
            lines.append(f"- `{path}`: {_md(format_setting(base))} → {_md(format_setting(val))}{note}")
        if diffs:
            lines.append("")
    lines += [_settings_note(result), ""]
    return lines


def _md(text: str) -> str:
    """A value inside Markdown prose: in code spans, so brackets, stars and pipes stay literal."""
    ticks = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def markdown(result: CompareResult) -> str:
    """The comparison as Markdown: what each option changes, then the KPI table (P50, P10–P90)."""
    kinds = result.kinds
    head = [_("KPI"), _("unit")] + [
        f"{s} ({_('baseline')})" if s == result.baseline else s for s in result.scenarios
    ]
    head += [f"Δ {s}" for s in result.options]
    lines = [
        "# " + _("Option comparison (baseline: {baseline})").format(baseline=result.baseline),
        "",
        _(
            "Seed {seed}, {reps} replication(s) per scenario, common random numbers (same seed and replication indices "
            "for every scenario)."
        ).format(seed=result.seed, reps=result.reps)
        + " "
        + (_("Values are P50 (P10–P90)") if result.reps > 1 else _("Values are P50"))
        + "; "
        + _("Δ is the P50 of the paired difference option − baseline per replication (dates: months).")
        + ((" " + c + ".") if (c := few_reps_caution(result.reps)) else "")
        + ((" " + split_caption(result.reps)) if any_split(result) else ""),
        "",
    ]
    lines += differences_markdown(result)
    lines += [
        "## " + _("KPIs"),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---", "---"] + ["---:"] * (len(head) - 2)) + "|",
    ]
    for r in result.table.iter_rows(named=True):
        kind = kinds.get(r["kpi"], "value")
        # a date's values are months ("2027-07") and its deltas months: not the decimal years the tables keep
        cells = [r["label"], _("month") if r["unit"] == DATE_UNIT else unit_label(r["unit"])]
        cells += [_cell(result, r["kpi"], r["unit"], kind, s, False) for s in result.scenarios]
        cells += [_cell(result, r["kpi"], r["unit"], kind, s, True) for s in result.options]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    files = ", ".join(f"`{run.path}`" for run in result.runs)
    lines += ["", _("Scenario files: {files}.").format(files=files), ""]
    why = bottleneck_lines(result)
    if why:  # after the KPI table, as indented text (no table rows or bullets)
        lines += ["## " + _("Why"), "", why[0], ""] + [f"    {t}" for t in why[1:]] + [""]
    return "\n".join(lines)


def rich_differences(result: CompareResult) -> Any:
    """A `rich` table of what each option changes against the baseline (printed above the KPIs)."""
    from rich.table import Table
    from rich.text import Text

    t = Table(
        title=_("What each option changes against {baseline}").format(baseline=result.baseline),
        caption=_settings_note(result),
    )
    for c in (_("option"), _("field"), result.baseline, _("option value")):
        t.add_column(c, overflow="fold")
    for opt in result.options:
        diffs = result.differences.get(opt, [])
        if not diffs:
            t.add_row(Text(opt), Text(_("no field differs")), Text(""), Text(""))
        off = result.ignored.get(opt, {})
        for i, (path, base, val) in enumerate(diffs):
            shown = format_setting(val) + (
                " " + _("(not read: {switch} = false)").format(switch=off[path]) if path in off else ""
            )
            t.add_row(Text(opt if i == 0 else ""), Text(path), Text(format_setting(base)), Text(shown))
    return t


# Terminal widths (characters) a readable KPI table needs: the KPI label's column and each value column (a P50 with
# its P10-P90 range folds onto two lines of ~16 characters)
KPI_COLUMN_CHARS = 40
VALUE_COLUMN_CHARS = 16


def rich_table(result: CompareResult, options: list[str] | None = None) -> Any:
    """A `rich.table.Table` of the comparison (for the terminal): the baseline, the given options (default all)
    and each option's Δ."""
    from rich.table import Table
    from rich.text import Text

    kinds = result.kinds
    shown = result.options if options is None else options
    t = Table(
        title=_("Options vs {baseline} (seed {seed}, {reps} rep(s), common random numbers)").format(
            baseline=result.baseline, seed=result.seed, reps=result.reps
        )
        + (": P50 (P10–P90)" if result.reps > 1 else ""),
        # the Δ is not the difference of the two P50s beside it (a trial read +77,673 where they differ by 96,745)
        caption=" ".join(
            [
                _("Δ is the P50 of the paired difference option − baseline per replication (dates: months)."),
                *([c + "."] if (c := few_reps_caution(result.reps)) else []),
                *([split_caption(result.reps)] if any_split(result) else []),
            ]
        ),
    )
    t.add_column(_("KPI"), overflow="fold")
    for s in [result.baseline, *shown]:
        t.add_column(
            f"{s}\n({_('baseline')})" if s == result.baseline else s, justify="right", overflow="fold"
        )
    for s in shown:
        t.add_column(f"Δ {s}", justify="right", overflow="fold", style="cyan")
    for r in result.table.iter_rows(named=True):
        kind = kinds.get(r["kpi"], "value")
        unit = "" if r["unit"] in (DATE_UNIT,) else f" ({unit_label(r['unit'])})"
        cells = [r["label"] + unit]
        cells += [_cell(result, r["kpi"], r["unit"], kind, s, False) for s in [result.baseline, *shown]]
        cells += [_cell(result, r["kpi"], r["unit"], kind, s, True) for s in shown]
        # as text, not rich markup: "15 (15–18) [same villages, no campaign]" lost its mark as an unknown style tag
        t.add_row(*(Text(c) for c in cells))
    return t


def rich_tables(result: CompareResult, width: int) -> list[Any]:
    """The comparison for a terminal `width` characters wide: one table when every option fits beside the baseline,
    else one table per option (baseline, option, Δ). Why: five scenarios in one table at 160 characters left the
    KPI column 13 characters wide, each label folded over four lines and each range over two."""
    needed = KPI_COLUMN_CHARS + VALUE_COLUMN_CHARS * (1 + 2 * len(result.options))
    if needed <= width or len(result.options) <= 1:
        return [rich_table(result)]
    return [rich_table(result, [opt]) for opt in result.options]


# --------------------------------------------------------------------------- the CSV files


def _num(v: float | None) -> str | None:
    """A number cell: full precision, empty when missing."""
    if v is None or not math.isfinite(v):
        return None
    return repr(float(v))


def _iso(v: float | None) -> str | None:
    d = decimal_year_to_date(v)
    return d.isoformat() if d is not None else None


def _days(v: float | None) -> str | None:
    if v is None or not math.isfinite(v):
        return None
    return str(round(v))


class _DateDays:
    """Paired date differences in whole days per (option, date KPI), from the per-replication KPIs."""

    def __init__(self, result: CompareResult) -> None:
        self.runs = {r.name: r for r in result.runs}
        self.base = self.runs[result.baseline]

    def _series(self, run: ScenarioRun, kpi: str) -> dict[int, float]:
        return {
            r: _day_number(float(v[kpi])) if v.get(kpi) is not None else math.nan for r, v in run.kpis.items()
        }

    def deltas(self, scenario: str, kpi: str) -> list[float]:
        return paired_deltas(self._series(self.runs[scenario], kpi), self._series(self.base, kpi))

    def quantile(self, scenario: str, kpi: str, p: float) -> float | None:
        if scenario == self.base.name:
            return None
        return _delta_quantile(self.deltas(scenario, kpi), p)


def csv_frames(result: CompareResult) -> dict[str, pl.DataFrame]:
    """compare.csv, compare_quantiles.csv and compare_replications.csv as written.

    Date KPIs become ISO dates (YYYY-MM-DD) and their deltas whole days (the P50/P10/P90 of the
    paired day differences); every other cell keeps its number. A value column then mixes dates
    and numbers, so the frames are text; the `replication` column stays an integer.
    """
    dates = {k for k, kind in result.kinds.items() if kind == "date"}
    days = _DateDays(result)
    t_rows = []
    for r in result.table.iter_rows(named=True):
        is_date = r["kpi"] in dates
        row: dict[str, Any] = {
            "kpi": r["kpi"],
            "label": r["label"],
            "unit": DATE_UNIT_CSV if is_date else r["unit"],
        }
        for s in result.scenarios:
            row[s] = _iso(r[s]) if is_date else _num(r[s])
        neither = {s for s in result.options if is_date and neither_reaches(result, r["kpi"], s)}
        # a KPI one of the two lacks (a campaign only one declares): no delta, where 0.0 read as "no change"
        # (compare's own ratios are in no run's KPIs)
        lacking = {
            s
            for s in result.options
            if result.kinds.get(r["kpi"]) != "incremental"
            and (_lacks_kpi(result, r["kpi"], s) or _lacks_kpi(result, r["kpi"], result.baseline))
        }
        rescoped = {
            (r["kpi"], s): note
            for s in result.options
            if (note := scope_note(result, r["kpi"], s, translate=False)) is not None
        }
        for s in result.options:
            row[f"delta_{s}"] = (
                None
                if s in neither or s in lacking or (r["kpi"], s) in rescoped
                else _days(days.quantile(s, r["kpi"], 0.5))
                if is_date
                else _num(r[f"delta_{s}"])
            )
        # why an option's cell has no number (an incremental ratio of an option that dominates or adds nothing; a
        # date neither reaches), in English as the other notes of the CSV files: a blank cell reads as "not computed"
        one_side = {
            (r["kpi"], s): note
            for s in result.options
            if is_date and row[f"delta_{s}"] is None and (note := one_side_reaches(result, r["kpi"], s))
        }
        probed = {
            (r["kpi"], s): NO_CAMPAIGN_NOTE for s in result.scenarios if probed_campaign(result, r["kpi"], s)
        }
        split = {
            (r["kpi"], s): split_note(result.reps, *sm)
            for s in result.options
            if (sm := split_medians(result, r["kpi"], s)) is not None
        }
        why = (
            split
            | probed
            | {(r["kpi"], s): NEITHER_REACHES for s in neither}
            | {(r["kpi"], s): NOT_IN_BOTH for s in lacking}
            | one_side
            | rescoped
            | result.verdicts
        )
        row["note"] = "; ".join(
            f"{s}: {why[(r['kpi'], s)]}" for s in result.scenarios if (r["kpi"], s) in why
        )
        t_rows.append(row)
    q_rows = []
    for r in result.quantiles.iter_rows(named=True):
        is_date = r["kpi"] in dates
        row = {"kpi": r["kpi"], "scenario": r["scenario"]}
        for c in ("p10", "p50", "p90"):
            row[c] = _iso(r[c]) if is_date else _num(r[c])
        for c, p in (("delta_p10", 0.1), ("delta_p50", 0.5), ("delta_p90", 0.9)):
            row[c] = _days(days.quantile(r["scenario"], r["kpi"], p)) if is_date else _num(r[c])
        q_rows.append(row)
    rep_rows = []
    paired: dict[tuple[str, str], dict[int, float]] = {}
    for r in result.replications.iter_rows(named=True):
        is_date = r["kpi"] in dates
        delta = _num(r["delta"])
        if is_date:
            if r["scenario"] == result.baseline:
                delta = None
            else:
                key = (r["scenario"], r["kpi"])
                if key not in paired:
                    reps = sorted(days.base.kpis)
                    paired[key] = dict(zip(reps, days.deltas(*key)))
                delta = _days(paired[key].get(r["replication"]))
        rep_rows.append(
            {
                "kpi": r["kpi"],
                "scenario": r["scenario"],
                "replication": r["replication"],
                "value": _iso(r["value"]) if is_date else _num(r["value"]),
                "delta": delta,
            }
        )
    text = pl.Utf8
    return {
        "compare.csv": pl.DataFrame(t_rows, schema=dict.fromkeys([*result.table.columns, "note"], text)),
        "compare_quantiles.csv": pl.DataFrame(q_rows, schema=dict.fromkeys(result.quantiles.columns, text)),
        "compare_replications.csv": pl.DataFrame(
            rep_rows,
            schema={c: (pl.Int64 if c == "replication" else text) for c in result.replications.columns},
        ),
    }


# --------------------------------------------------------------------------- writing


def write_compare(result: CompareResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write compare.csv/.md, compare_quantiles.csv, compare_replications.csv, compare.json as one folder, atomically.

    The folder is replaced only when it is new, empty or an earlier dxsim output (see results.writer).
    """
    out = Path(out_dir)
    meta = {
        "baseline": result.baseline,
        "seed": result.seed,
        "reps": result.reps,
        "common_random_numbers": "same seed and replication indices 0..reps-1 for every scenario",
        "scenarios": [
            {
                "name": r.name,
                "file": str(r.path),
                "scenario_sha256": r.sha256,
                "prepare_s": round(float(r.timing.get("prepare_s", 0.0)), 3),
                # true only when every task found the world already in its process's memory: another scenario of
                # this compare with the same world-shaping fields had prepared it (not whether it came from the store)
                "world_reused": bool(r.timing.get("world_cached", False)),
                "world_source": r.timing.get("world_source", "built"),
            }
            for r in result.runs
        ],
        "differences": {
            opt: [
                {
                    "field": path,
                    "baseline": jsonable(base),
                    "option": jsonable(val),
                    # the switch of its part that is off in the option: the model does not read the field
                    "not_read_as_off": result.ignored.get(opt, {}).get(path),
                }
                for path, base, val in result.differences.get(opt, [])
            ]
            for opt in result.options
        },
        "bottlenecks": bottleneck_lines(result)[1:],
        "not_binding": result.bottleneck_notes,
        "dxsim_version": __version__,
        "written": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    frames = csv_frames(result)
    files: dict[str, Callable[[Path], object]] = {
        **{name: df.write_csv for name, df in frames.items()},
        "bottlenecks.csv": lambda p: (
            result.bottlenecks if result.bottlenecks is not None else pl.DataFrame(schema=BOTTLENECK_COLUMNS)
        ).write_csv(p),
        "compare.md": lambda p: p.write_text(markdown(result), encoding="utf-8"),
        "compare.json": lambda p: p.write_text(
            json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        ),
    }

    def fill(tmp: Path) -> None:
        for name, fn in files.items():
            fn(tmp / name)

    atomic_dir(out, fill, kind="compare")
    return [out / name for name in files]
