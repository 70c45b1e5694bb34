"""Labels of the KPIs of `summary.json`: a readable name with its unit, and the kind of number each holds.

Why here, in the results layer: the run's workbook (dxsim.results.excel) and the report (dxsim.report) both show
the KPIs, and a planner must read the same words in both. Labels are English msgids marked with N_ and
translated when shown (dxsim.i18n). Every key gets a label: known keys have one, year-end trajectory keys
(`<metric>_<YYYY>_<MM>`) and per-campaign keys (`campaign_<name>_<what>`) are composed, and an unknown key (a
KPI added after this module) is labelled by the key itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.results.metrics import DENSITY_CLASSES

# KPI key -> (label with unit, kind). Kind picks the number format (see fmt_value).
# where 5G serves and where 4G or better serves, at the end, per density class (towns = suburban; labels below)
SERVED_BY_CLASS_KPIS = tuple(
    f"pop_{layer}_served_pct_{e}_end" for layer in ("5g", "mbb") for e in DENSITY_CLASSES
)

KPI_LABELS: dict[str, tuple[str, str]] = {
    # 5G
    "pop_covered_4g_pct": (N_("4G population coverage at the start (%)"), "pct"),
    "year_5g_pop_90pct": (N_("Month 5G covers 90% of the population"), "year"),
    "year_5g_pop_99pct": (N_("Month 5G covers 99% of the population"), "year"),
    "capex_total_vnd_bn": (N_("5G capex over the horizon (VND bn)"), "money"),
    "capex_5g_on_order_end_vnd_bn": (
        N_("5G sites ordered but not on air by the end: capex committed, not in the capex above (VND bn)"),
        "money",
    ),
    "subsidy_paid_total_vnd_bn": (N_("5G support paid, Res. 193 and other programmes (VND bn)"), "money"),
    "capex_per_added_person_covered_vnd_m": (N_("5G capex per added person covered (VND m)"), "money"),
    "new_sites_share_of_added_pct": (N_("New-build share of the 5G stations added (%)"), "pct"),
    "support_accrued_unpaid_vnd_bn": (
        N_("5G support earned but paid after the horizon (VND bn)"),
        "money",
    ),
    # served, not only covered (issue 12)
    "pop_5g_served_pct_end": (
        N_(
            "Population where 5G serves at the end: covered and enough 5G capacity, everyone there with or without a 5G device (%)"
        ),
        "pct",
    ),
    "pop_5g_capacity_short_pct_end": (
        N_("Population in 5G coverage but capacity-short at the end (%)"),
        "pct",
    ),
    "pop_mbb_served_pct_end": (
        N_("Population served by 4G or better at the end, each on their own device (%)"),
        "pct",
    ),
    "pop_mbb_capacity_short_pct_end": (
        N_("Population in 4G/5G coverage but capacity-short at the end (%)"),
        "pct",
    ),
    # the same by the 1 km cell's density class (% of the class's people): towns are the suburban class
    "pop_5g_served_pct_urban_end": (N_("Urban cells' people where 5G serves at the end (%)"), "pct"),
    "pop_5g_served_pct_suburban_end": (
        N_("Town (suburban) cells' people where 5G serves at the end (%)"),
        "pct",
    ),
    "pop_5g_served_pct_rural_end": (N_("Rural cells' people where 5G serves at the end (%)"), "pct"),
    "pop_mbb_served_pct_urban_end": (N_("Urban cells' people served by 4G or better at the end (%)"), "pct"),
    "pop_mbb_served_pct_suburban_end": (
        N_("Town (suburban) cells' people served by 4G or better at the end (%)"),
        "pct",
    ),
    "pop_mbb_served_pct_rural_end": (N_("Rural cells' people served by 4G or better at the end (%)"), "pct"),
    "user_throughput_mbps_p50_end": (
        N_(
            "Median busy-hour user throughput at the end, 4G and 5G users together (Mbps; it jumps between the two "
            "groups' rates)"
        ),
        "count",
    ),
    # each layer's own users: a median that moves with its layer's load, not with the 4G/5G mix
    "user_throughput_mbps_p50_5g_end": (
        N_("Median busy-hour throughput of the users on 5G at the end (Mbps)"),
        "count",
    ),
    "user_throughput_mbps_p50_4g_end": (
        N_("Median busy-hour throughput of the users on 4G at the end (Mbps)"),
        "count",
    ),
    # the median sits among the 4G or the 5G users by which are more (it jumps); the mean moves with the mix
    "user_throughput_mbps_mean_end": (N_("Mean busy-hour user throughput at the end (Mbps)"), "count"),
    "capex_per_added_person_served_5g_vnd_m": (N_("5G capex per added person served by 5G (VND m)"), "money"),
    "year_5g_served_90pct": (N_("Month 5G serves 90% of the population"), "year"),
    "year_5g_served_99pct": (N_("Month 5G serves 99% of the population"), "year"),
    "pop_5g_served_added_persons": (N_("People newly served by 5G (persons)"), "count"),
    # how soon, not only how many (as the villages' person-months): earlier stations add month ends
    "pop_5g_covered_person_months": (
        N_(
            "Person-months of 5G coverage: people within 5G coverage, summed over the month ends after the start"
        ),
        "count",
    ),
    "pop_5g_served_person_months": (
        N_("Person-months of 5G service: people where 5G serves, summed over the month ends after the start"),
        "count",
    ),
    # a change, not an addition: 4G stays as at the start while demand grows, so it falls below 0 (provincial trial:
    # "people newly served: -4,050,828")
    "pop_mbb_served_added_persons": (
        N_("Change since the start in people served by 4G or better (persons; below 0: fewer served)"),
        "count",
    ),
    "village_programme_committed_total_vnd_bn": (
        N_(
            "Village programme budget committed: villages it starts, campaigns it funds (public money, VND bn)"
        ),
        "money",
    ),
    "sites_brought_forward_for_capacity_total": (
        N_(
            "5G plan sites brought forward for capacity: moved to the head of the plans where cells are short, at a year's demand step, each site once, built by the end or not (sites)"
        ),
        "count",
    ),
    "stations_5g_built_for_capacity_end": (
        N_(
            "5G stations on air at the end that were brought forward for capacity before they were ordered (stations)"
        ),
        "count",
    ),
    # villages: the coverage-hole layer (no or patchy signal) and its no-power subset
    "villages_unconnected_start": (
        N_("Villages without power and signal at the start (no-power subset)"),
        "count",
    ),
    "villages_connected_end": (
        N_("Coverage-hole villages connected (signal and enough capacity) by the end"),
        "count",
    ),
    "villages_capacity_short_end": (
        N_("Coverage-hole villages on air but capacity-short at the end"),
        "count",
    ),
    "villages_unconnected_end": (
        N_("Villages of the no-power subset still without signal at the end"),
        "count",
    ),
    "villages_no_feasible_option": (N_("Villages with no feasible option"), "count"),
    "year_last_village_connected": (
        N_("Date the last feasible village is connected (on air, its link carries its demand)"),
        "year",
    ),
    "year_all_villages_connected": (N_("Month every village of the no-power subset has signal"), "year"),
    "village_pop_connected_end": (
        N_("People in connected coverage-hole villages at the end (persons)"),
        "count",
    ),
    "dc_state_investment_total_vnd_bn": (
        N_("State data-centre money committed within the horizon (public money, VND bn)"),
        "money",
    ),
    "public_cost_total_vnd_bn": (
        N_(
            "Public money: 5G support, village programme, state data centres, PPP share and state GPUs (VND bn)"
        ),
        "money",
    ),
    "village_capex_total_vnd_bn": (
        N_("Village capex, all payers: options on air + campaign surge (VND bn)"),
        "money",
    ),
    "village_cost_per_person_connected_vnd_m": (N_("Village cost per person connected (VND m)"), "money"),
    "village_months_connected": (
        N_(
            "Village-months connected: villages connected, summed over the month ends after the start (village-months)"
        ),
        "count",
    ),
    "village_person_months_connected": (
        N_(
            "Person-months of village service: people in connected villages, summed over the month ends after the start"
        ),
        "count",
    ),
    "villages_without_power_end": (
        N_("Villages of the no-power subset still without power at the end"),
        "count",
    ),
    "villages_without_signal_end": (N_("Coverage-hole villages still without signal at the end"), "count"),
    # compute
    "dc_it_capacity_mw_start": (N_("Data-centre IT capacity at the start (MW)"), "mw"),
    "dc_it_capacity_mw_end": (N_("Data-centre IT capacity at the end (MW)"), "mw"),
    "dc_facility_power_mw_end": (
        N_("Data-centre facility power at the end, at full IT load (MW: IT capacity × PUE)"),
        "mw",
    ),
    "dc_power_draw_mw_end": (N_("Data-centre power drawn at the end (MW: IT load × PUE)"), "mw"),
    "gpu_it_mw_end": (N_("IT power of the powered GPUs at the end (MW)"), "mw"),
    "racks_end": (N_("Data-centre racks at the end"), "count"),
    "year_dc_1gw": (N_("Month DC IT capacity reaches 1 GW"), "year"),
    "year_dc_1_4gw_singapore": (N_("Month DC IT capacity reaches Singapore's 1.4 GW"), "year"),
    "gpus_installed_start": (N_("High-performance GPUs powered at the start"), "count"),
    "gpus_installed_end": (N_("High-performance GPUs powered at the end"), "count"),
    "gpus_stranded_end": (N_("GPUs stranded without power at the end"), "count"),
    "gpus_stranded_peak": (N_("GPUs stranded without power, the most at any month end"), "count"),
    "dc_ordinary_load_unmet_mw_peak": (
        N_("Ordinary (non-AI) data-centre demand without room, the most at any month end (MW)"),
        "count",
    ),
    "gpus_over_rack_density_peak": (
        N_("GPUs in halls whose racks are built for less than their servers draw, the most at any month end"),
        "count",
    ),
    "gpu_months_stranded": (
        N_("GPU-months stranded without power (summed over the month ends after the start)"),
        "count",
    ),
    "gpu_months_held_by_import_cap": (
        N_("GPU-months held back by the import cap (summed over the month ends after the start)"),
        "count",
    ),
    "year_gpus_15x_start": (
        N_("Month high-performance GPUs reach 15× the run's start fleet (GPUs at the start)"),
        "year",
    ),
    "year_gpt4_scale_run_fits": (
        N_(
            "Month a 25,000-A100-equivalent (GPT-4-scale) run fits in one cluster (one owner, one data centre)"
        ),
        "year",
    ),
    "gpu_pflops_bf16_end": (N_("Dense BF16 compute at the end (PFLOPS)"), "count"),
    "compute_capex_total_vnd_bn": (N_("Compute capex: DCs and GPUs (VND bn)"), "money"),
    "gpu_capex_total_vnd_bn": (N_("of which GPUs, paid on delivery (VND bn)"), "money"),
    "dc_capex_total_vnd_bn": (N_("of which data centres (VND bn)"), "money"),
    "gpu_public_capex_total_vnd_bn": (N_("State's share of GPU capex (VND bn)"), "money"),
    "gpu_capex_on_order_end_vnd_bn": (
        N_("GPUs ordered but not delivered by the end: capex committed, not in the capex above (VND bn)"),
        "money",
    ),
    "gpu_utilization_pct_final_year": (N_("GPU utilisation over the last 12 months (%)"), "pct"),
    "ai_jobs_waiting_end": (N_("AI jobs waiting for GPUs at the end"), "count"),
    "dc_ppp_state_capex_total_vnd_bn": (N_("State's PPP share of data-centre capex (VND bn)"), "money"),
    "dc_energy_total_gwh": (N_("Data-centre energy over the horizon (GWh: IT load × PUE)"), "count"),
    "dc_electricity_opex_total_vnd_bn": (
        N_("Data-centre electricity bill over the horizon (VND bn)"),
        "money",
    ),
}

GROUPS: dict[str, str] = {
    "5g": N_("5G rollout"),
    "villages": N_("Remote villages"),
    "compute": N_("Data centres and GPUs"),
    "other": N_("Other KPIs"),
}

# the data-centre and GPU KPIs of a run's summary, in summary order (dxsim.execution.kpis.COMPUTE_KPIS)
COMPUTE_KPI_NAMES = (
    "dc_it_capacity_mw_start",
    "dc_it_capacity_mw_end",
    "dc_facility_power_mw_end",
    "racks_end",
    "gpus_installed_start",
    "gpus_installed_end",
    "gpus_stranded_end",
    "gpus_stranded_peak",
    "gpu_months_stranded",
    "gpu_months_held_by_import_cap",
    "gpus_over_rack_density_peak",
    "dc_ordinary_load_unmet_mw_peak",
    "gpu_pflops_bf16_end",
    "year_dc_1gw",
    "year_dc_1_4gw_singapore",
    "year_gpt4_scale_run_fits",
    "year_gpus_15x_start",
    "compute_capex_total_vnd_bn",
    "gpu_capex_total_vnd_bn",
    "dc_capex_total_vnd_bn",
    "gpu_public_capex_total_vnd_bn",
    "gpu_capex_on_order_end_vnd_bn",
    "dc_power_draw_mw_end",
    "gpu_it_mw_end",
    "gpu_utilization_pct_final_year",
    "ai_jobs_waiting_end",
    "dc_ppp_state_capex_total_vnd_bn",
    "dc_energy_total_gwh",
    "dc_electricity_opex_total_vnd_bn",
)

_KPI_GROUP = {
    **dict.fromkeys(
        (
            "pop_covered_4g_pct",
            "year_5g_pop_90pct",
            "year_5g_pop_99pct",
            "capex_total_vnd_bn",
            "capex_5g_on_order_end_vnd_bn",
            "subsidy_paid_total_vnd_bn",
            "capex_per_added_person_covered_vnd_m",
            "new_sites_share_of_added_pct",
            "pop_5g_served_pct_end",
            "pop_5g_capacity_short_pct_end",
            "pop_mbb_served_pct_end",
            "pop_mbb_capacity_short_pct_end",
            *SERVED_BY_CLASS_KPIS,
            "user_throughput_mbps_p50_end",
            "user_throughput_mbps_p50_5g_end",
            "user_throughput_mbps_p50_4g_end",
            "user_throughput_mbps_mean_end",
            "capex_per_added_person_served_5g_vnd_m",
            "year_5g_served_90pct",
            "year_5g_served_99pct",
            "pop_5g_served_added_persons",
            "pop_mbb_served_added_persons",
            "pop_5g_covered_person_months",
            "pop_5g_served_person_months",
            "support_accrued_unpaid_vnd_bn",
            "sites_brought_forward_for_capacity_total",
            "stations_5g_built_for_capacity_end",
        ),
        "5g",
    ),
    **{k: "villages" for k in KPI_LABELS if "village" in k},
    **dict.fromkeys(COMPUTE_KPI_NAMES, "compute"),
}

# per campaign of villages.campaigns (dxsim.results.villages.campaign_kpis): campaign_<name>_<what>
CAMPAIGN_RE = re.compile(
    r"^campaign_([a-z][a-z0-9_]*?)_(villages_in_scope|villages_done_by_deadline|"
    r"villages_left_at_deadline|villages_without_power_at_deadline|deadline_met|villages_left_end|"
    r"surge_capex_total_vnd_bn|year_done)$"
)


def is_year_kpi(name: str) -> bool:
    """A KPI holding a decimal year (summary.json): `year_*` and a campaign's `_year_done`."""
    campaign = CAMPAIGN_RE.match(name)
    return name.startswith("year_") or (campaign is not None and campaign.group(2) == "year_done")


CAMPAIGN_LABELS: dict[str, tuple[str, str]] = {
    "villages_in_scope": (N_("villages in scope"), "count"),
    "villages_done_by_deadline": (N_("villages with signal by the deadline"), "count"),
    "villages_left_at_deadline": (N_("villages without signal at the deadline"), "count"),
    "villages_without_power_at_deadline": (N_("villages without power at the deadline"), "count"),
    "deadline_met": (N_("deadline met (1 = yes, 0 = no)"), "count"),
    "villages_left_end": (N_("villages without signal at the end"), "count"),
    "surge_capex_total_vnd_bn": (N_("surge capex (VND bn)"), "money"),
    "year_done": (N_("month its last village has signal"), "year"),
}

# per 5G support programme (dxsim.results.summary): support_<name>_total_vnd_bn, paid and earned over the horizon
SUPPORT_PROGRAMME_RE = re.compile(r"^support_([a-z0-9_]{1,40})_total_vnd_bn$")
RESOLUTION_193_SHOWN = N_("Resolution 193")  # the name `subsidy` runs under (dxsim.sim.support.RES_193)


def support_programme_name(name: str) -> str:
    """A support programme's name as shown: Resolution 193 by its title, a `[[supports]]` one as the planner wrote it."""
    return _(RESOLUTION_193_SHOWN) if name == "resolution_193" else name


# year-end trajectory KPIs: <metric>_<YYYY>_<MM>
YEAR_END_RE = re.compile(
    r"^(stations_5g|pop_covered_5g_pct|capex_cum_vnd_bn|pop_5g_served_pct|pop_mbb_served_pct)"
    r"_(\d{4})_(\d{2})$"
)
YEAR_END_COLUMNS: dict[str, tuple[str, str]] = {
    "stations_5g": (N_("5G stations on air"), "count"),
    "pop_covered_5g_pct": (N_("5G population coverage (%)"), "pct"),
    "pop_5g_served_pct": (N_("Population where 5G serves (a place measure, %)"), "pct"),
    "pop_mbb_served_pct": (N_("Population served by 4G or better (%)"), "pct"),
    "capex_cum_vnd_bn": (N_("Cumulative 5G capex (VND bn)"), "money"),
}

# a province's columns, shown at each year end by `run --province` and at the start and the end by the report's
# Provinces section: (metric, header, decimals). The values are the P50s the workbook's "Provinces by year" sheet and
# results.gpkg's provinces layer give (results.run_files.province_levels_p50 / province_year_table).
PROVINCE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("stations_5g", N_("5G stations"), 0),
    ("pop_covered_5g_pct", N_("5G coverage %"), 1),
    ("pop_5g_served_pct", N_("5G served %"), 1),
    ("pop_mbb_served_pct", N_("4G-or-better served %"), 1),
    ("villages_connected", N_("villages connected"), 0),
    # on air but their link cannot carry the busy hour: connected + this + without signal = the province's villages
    # (the tables dropped them, and 37 + 0 of Lào Cai's 49 villages added to nothing: provincial trial)
    ("villages_capacity_short", N_("villages on air, capacity-short"), 0),
    ("villages_without_signal", N_("villages without signal"), 0),
    ("village_capex_vnd_bn", N_("village capex, VND bn in the year"), 1),
)

# a province's 4G-or-better served share falls along its year ends: the people on 4G share a 4G layer held as at the
# start while their busy-hour demand grows (98.8% -> 92.8% in Lào Cai's table said nothing of why: provincial trial)
MBB_FALL_PCT_POINTS = 0.05  # a fall smaller than this is rounding, not a fall


# under a province's year ends with several replications (the terminal's, the report's): its cells are P50s each
CELLS_OWN_P50 = N_(
    "Each cell is its own P50 over the replications, so cells may come from different replications: one year's value "
    "against the next's is not one run's change, and the years' village capex need not add up to compare's total."
)


def same_5g_columns(served: list[float | None], covered: list[float | None]) -> bool:
    """Whether a province's 5G served share equals its 5G coverage at every year end (no one covered is capacity-short):
    then its tables show one column and say why (`SAME_5G_NOTE`), as the report's all-province table does."""
    return bool(served) and all(a == b for a, b in zip(served, covered, strict=True))


SAME_5G_NOTE = N_(
    "5G served equals 5G coverage at every year end here: no one covered by 5G is capacity-short."
)


def mbb_falls_note(first: float | None, last: float | None) -> str | None:
    """The note beside one province's years when its 4G-or-better served share falls from `first` to `last` (%)."""
    if first is None or last is None or not last < first - MBB_FALL_PCT_POINTS:
        return None
    return _(
        "4G-or-better served falls from {first}% to {last}% here: busy-hour demand grows and the people on 4G (no 5G "
        "device, or outside their own operator's 5G) share a 4G layer the model holds as at the start (no 4G carriers "
        "are added, and no 4G sites but the remote villages' own)."
    ).format(first=F.number(first, 1), last=F.number(last, 1))


# per operator (dxsim.results.summary.national_kpis): <what>_<operator>_<end|total>
OPERATOR_RE = re.compile(r"^(pop_covered_5g_pct|surge_stations)_(viettel|vnpt|mobifone)_(end|total)$")
OPERATOR_NAMES = {"viettel": "Viettel", "vnpt": "VNPT", "mobifone": "MobiFone"}
OPERATOR_LABELS: dict[str, tuple[str, str]] = {
    "pop_covered_5g_pct": (N_("{operator}: population covered by its own 5G at the end (%)"), "pct"),
    "surge_stations": (N_("{operator}: 5G stations ordered in surges for support deadlines"), "count"),
}

_QUANTILE_SUFFIX = re.compile(r"_p(10|90)$")


def kpi_base_keys(kpis: dict[str, Any]) -> list[str]:
    """KPI names without their `_p10` / `_p90` companions, in file order."""
    out: list[str] = []
    for key in kpis:
        base = _QUANTILE_SUFFIX.sub("", key)
        if base != key and base in kpis:
            continue
        if key not in out:
            out.append(key)
    return out


def kpi_group(key: str) -> str:
    """The report's group of a KPI ("5g", "villages", "compute" or "other")."""
    if YEAR_END_RE.match(key) or OPERATOR_RE.match(key):
        return "5g"
    if CAMPAIGN_RE.match(key):
        return "villages"
    if SUPPORT_PROGRAMME_RE.match(key):
        return "5g"
    return _KPI_GROUP.get(key, "other")


def kpi_label(key: str) -> tuple[str, str]:
    """(label, kind) of a KPI key in the language in use; unknown keys are labelled by the key itself."""
    if key in KPI_LABELS:
        label, kind = KPI_LABELS[key]
        return _(label), kind
    m = YEAR_END_RE.match(key)
    if m:
        label, kind = YEAR_END_COLUMNS[m.group(1)]
        month = F.month(dt.date(int(m.group(2)), int(m.group(3)), 1))
        return _("{label}, end of {month}").format(label=_(label), month=month), kind
    m = OPERATOR_RE.match(key)
    if m:
        label, kind = OPERATOR_LABELS[m.group(1)]
        return _(label).format(operator=OPERATOR_NAMES[m.group(2)]), kind
    m = CAMPAIGN_RE.match(key)
    if m:
        label, kind = CAMPAIGN_LABELS[m.group(2)]
        return _("Campaign {name}: {what}").format(name=m.group(1), what=_(label)), kind
    m = SUPPORT_PROGRAMME_RE.match(key) if key not in KPI_LABELS else None
    if m:
        name = support_programme_name(m.group(1))
        return _("5G support {name}: paid and earned over the horizon (VND bn)").format(name=name), "money"
    if key.startswith("year_"):
        return key, "year"
    return key, "float"


# below this many replications, P10/P50/P90 are some of the replications themselves (nearest rank)
FEW_REPS = 10


def few_reps_caution(reps: int) -> str:
    """What a table of P10/P50/P90 says under it with fewer than FEW_REPS replications ("" otherwise): the
    percentiles are replications' own values, so with 2 the P50 is the lower one (a provincial trial read 603
    (603-812) in compare, where run had cautioned and compare had not)."""
    if 1 < reps < FEW_REPS:
        text = _(
            "P10/P50/P90 are replications' own values (nearest rank): with {reps} replications P50 may equal "
            "P10, and P10/P90 are near the lowest and highest; run more replications for a band"
        ).format(reps=reps)
        if reps % 2 == 0:
            # two figures that add up to a fixed total in every run (a campaign's villages with and without signal)
            # showed 15 and 6 of 24 with 2 replications, and Δs of +5 and -8 (provincial planner trial)
            text += "; " + _(
                "with an even number, each P50 is the lower of its two middle replications, figure by figure, so two "
                "figures that add up to a fixed total in every replication need not in their P50s or Δs; an odd "
                "--reps keeps such pairs exact"
            )
        return text
    if reps == 1:
        return _(
            "One replication: each uncertain input is drawn once, so every value is one possible outcome, not a "
            "median (it may be an extreme one); run with --reps 10 or more for the P50 and a P10–P90 band"
        )
    return ""
