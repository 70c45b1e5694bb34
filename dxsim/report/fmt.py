"""Formatting for the report: human units, KPI labels and groups.

Pure functions, no I/O. Every KPI key of `summary.json` gets a row: known keys have a label and a
unit; an unknown key (a KPI added after this module) is still shown, under "Other", labelled by its key.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from dxsim.results.summary import decimal_year_to_date

# KPI key -> (label with unit, kind). Kind picks the number format (see fmt_value).
KPI_LABELS: dict[str, tuple[str, str]] = {
    # 5G
    "pop_covered_4g_pct": ("4G population coverage at the start (%)", "pct"),
    "year_5g_pop_90pct": ("Month 5G covers 90% of the population", "year"),
    "year_5g_pop_99pct": ("Month 5G covers 99% of the population", "year"),
    "capex_total_vnd_bn": ("5G capex over the horizon (VND bn)", "money"),
    "subsidy_paid_total_vnd_bn": ("5G support paid, Res. 193 and other programmes (VND bn)", "money"),
    "capex_per_added_person_covered_vnd_m": ("5G capex per added person covered (VND m)", "money"),
    "new_sites_share_of_added_pct": ("New-build share of the 5G stations added (%)", "pct"),
    # served, not only covered (issue 12)
    "pop_5g_served_pct_end": ("Population served by 5G at the end: covered and enough capacity (%)", "pct"),
    "pop_5g_capacity_short_pct_end": ("Population in 5G coverage but capacity-short at the end (%)", "pct"),
    "pop_mbb_served_pct_end": ("Population served by 4G or better at the end (%)", "pct"),
    "pop_mbb_capacity_short_pct_end": ("Population in 4G/5G coverage but capacity-short at the end (%)", "pct"),
    "user_throughput_mbps_p50_end": ("Median busy-hour user throughput at the end (Mbps)", "count"),
    "capex_per_added_person_served_5g_vnd_m": ("5G capex per added person served by 5G (VND m)", "money"),
    "year_5g_served_90pct": ("Month 5G serves 90% of the population", "year"),
    "year_5g_served_99pct": ("Month 5G serves 99% of the population", "year"),
    "pop_5g_served_added_persons": ("People newly served by 5G (persons)", "count"),
    # villages: the coverage-hole layer (no or patchy signal) and its no-power subset
    "villages_unconnected_start": ("Villages without power and signal at the start (no-power subset)", "count"),
    "villages_connected_end": ("Coverage-hole villages connected (signal and enough capacity) by the end", "count"),
    "villages_capacity_short_end": ("Coverage-hole villages on air but capacity-short at the end", "count"),
    "villages_unconnected_end": ("Villages of the no-power subset still without signal at the end", "count"),
    "villages_no_feasible_option": ("Villages with no feasible option", "count"),
    "year_last_village_connected": ("Month the last feasible village has signal", "year"),
    "year_all_villages_connected": ("Month every village of the no-power subset has signal", "year"),
    "village_pop_connected_end": ("People in connected coverage-hole villages at the end (persons)", "count"),
    "village_capex_total_vnd_bn": ("Village capex, all payers: options on air + campaign surge (VND bn)", "money"),
    "village_cost_per_person_connected_vnd_m": ("Village cost per person connected (VND m)", "money"),
    "villages_without_power_end": ("Villages of the no-power subset still without power at the end", "count"),
    "villages_without_signal_end": ("Coverage-hole villages still without signal at the end", "count"),
    # compute
    "dc_it_capacity_mw_start": ("Data-centre IT capacity at the start (MW)", "mw"),
    "dc_it_capacity_mw_end": ("Data-centre IT capacity at the end (MW)", "mw"),
    "dc_facility_power_mw_end": ("Data-centre facility power at the end (MW)", "mw"),
    "racks_end": ("Data-centre racks at the end", "count"),
    "year_dc_1gw": ("Month DC IT capacity reaches 1 GW", "year"),
    "year_dc_1_4gw_singapore": ("Month DC IT capacity reaches Singapore's 1.4 GW", "year"),
    "gpus_installed_start": ("High-performance GPUs installed at the start", "count"),
    "gpus_installed_end": ("High-performance GPUs installed at the end", "count"),
    "gpus_stranded_end": ("GPUs stranded without power at the end", "count"),
    "year_gpus_15x_start": ("Month high-performance GPUs reach 15× the start", "year"),
    "year_gpt4_scale_run_fits": ("Month a 25,000-A100-equivalent (GPT-4-scale) run fits", "year"),
    "gpu_pflops_bf16_end": ("Dense BF16 compute at the end (PFLOPS)", "count"),
    "compute_capex_total_vnd_bn": ("Compute capex: DCs and GPUs (VND bn)", "money"),
}

GROUPS: dict[str, str] = {"5g": "5G rollout", "villages": "Remote villages", "compute": "Data centres and GPUs",
                          "other": "Other KPIs"}

_KPI_GROUP = {
    **{k: "5g" for k in ("pop_covered_4g_pct", "year_5g_pop_90pct", "year_5g_pop_99pct", "capex_total_vnd_bn",
                         "subsidy_paid_total_vnd_bn", "capex_per_added_person_covered_vnd_m",
                         "new_sites_share_of_added_pct", "pop_5g_served_pct_end", "pop_5g_capacity_short_pct_end",
                         "pop_mbb_served_pct_end", "pop_mbb_capacity_short_pct_end", "user_throughput_mbps_p50_end",
                         "capex_per_added_person_served_5g_vnd_m", "year_5g_served_90pct", "year_5g_served_99pct",
                         "pop_5g_served_added_persons")},
    **{k: "villages" for k in KPI_LABELS if "village" in k},
    **{k: "compute" for k in ("dc_it_capacity_mw_start", "dc_it_capacity_mw_end", "dc_facility_power_mw_end",
                              "racks_end", "year_dc_1gw", "year_dc_1_4gw_singapore", "gpus_installed_start",
                              "gpus_installed_end", "gpus_stranded_end", "year_gpus_15x_start",
                              "year_gpt4_scale_run_fits", "gpu_pflops_bf16_end", "compute_capex_total_vnd_bn")},
}

# per campaign of villages.campaigns (dxsim.results.villages.campaign_kpis): campaign_<name>_<what>
CAMPAIGN_RE = re.compile(r"^campaign_([a-z][a-z0-9_]*?)_(villages_in_scope|villages_done_by_deadline|"
                         r"villages_left_at_deadline|deadline_met|villages_left_end|surge_capex_total_vnd_bn|year_done)$")
CAMPAIGN_LABELS: dict[str, tuple[str, str]] = {
    "villages_in_scope": ("villages in scope", "count"),
    "villages_done_by_deadline": ("villages with signal by the deadline", "count"),
    "villages_left_at_deadline": ("villages without signal at the deadline", "count"),
    "deadline_met": ("deadline met (1 = yes, 0 = no)", "count"),
    "villages_left_end": ("villages without signal at the end", "count"),
    "surge_capex_total_vnd_bn": ("surge capex (VND bn)", "money"),
    "year_done": ("month its last village has signal", "year"),
}

# year-end trajectory KPIs: <metric>_<YYYY>_<MM>
YEAR_END_RE = re.compile(r"^(stations_5g|pop_covered_5g_pct|capex_cum_vnd_bn|pop_5g_served_pct|pop_mbb_served_pct)"
                         r"_(\d{4})_(\d{2})$")
YEAR_END_COLUMNS: dict[str, tuple[str, str]] = {
    "stations_5g": ("5G stations on air", "count"),
    "pop_covered_5g_pct": ("5G population coverage (%)", "pct"),
    "pop_5g_served_pct": ("Population served by 5G (%)", "pct"),
    "pop_mbb_served_pct": ("Population served by 4G or better (%)", "pct"),
    "capex_cum_vnd_bn": ("Cumulative 5G capex (VND bn)", "money"),
}

_QUANTILE_SUFFIX = re.compile(r"_p(10|90)$")


def kpi_base_keys(kpis: dict) -> list[str]:
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
    if YEAR_END_RE.match(key):
        return "5g"
    if CAMPAIGN_RE.match(key):
        return "villages"
    return _KPI_GROUP.get(key, "other")


def kpi_label(key: str) -> tuple[str, str]:
    """(label, kind) of a KPI key; unknown keys are labelled by the key itself."""
    if key in KPI_LABELS:
        return KPI_LABELS[key]
    m = YEAR_END_RE.match(key)
    if m:
        label, kind = YEAR_END_COLUMNS[m.group(1)]
        return f"{label}, end of {m.group(2)}-{m.group(3)}", kind
    m = CAMPAIGN_RE.match(key)
    if m:
        label, kind = CAMPAIGN_LABELS[m.group(2)]
        return f"Campaign {m.group(1)}: {label}", kind
    if key.startswith("year_"):
        return key, "year"
    return key, "float"


def decimal_year_to_month(v: float) -> str:
    """Decimal year (as in summary.json: year + day-of-year / days-in-year) -> 'YYYY-MM'."""
    d = decimal_year_to_date(v)
    return f"{d.year}-{d.month:02d}" if d is not None else "not reached"


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and not math.isfinite(v))


def fmt_value(v, kind: str) -> str:
    """A KPI value in human units ('not reached' for a missing date, '–' for another missing value)."""
    if kind == "year":
        if _is_missing(v):
            return "not reached"
        try:
            return decimal_year_to_month(float(v))
        except (TypeError, ValueError, OverflowError):
            return str(v)
    if _is_missing(v):
        return "–"
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    v = float(v)
    if kind == "count":
        return f"{v:,.0f}"
    if kind == "pct":
        return f"{v:,.2f}"
    if kind in ("money", "mw"):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"
    return fmt_number(v)


def fmt_number(v, decimals: int = 2) -> str:
    """A plain number: integers without decimals, large values with thousands separators."""
    if _is_missing(v):
        return "–"
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    v = float(v)
    if abs(v) >= 1000 or round(v, decimals) == round(v):
        return f"{v:,.0f}"
    return f"{v:,.{decimals}f}"


def fmt_range(lo, hi, kind: str) -> str:
    return f"{fmt_value(lo, kind)} – {fmt_value(hi, kind)}"


def fmt_date(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


POWER_LABELS = {"grid_extension": "grid extension", "offgrid_solar": "off-grid solar",
                "existing_grid": "grid power already (signal only)"}
BACKHAUL_LABELS = {"leo": "LEO satellite", "fibre": "fibre", "microwave": "microwave"}


def option_label(power, backhaul) -> str:
    if not power and not backhaul:
        return "no option"
    p = POWER_LABELS.get(power, power or "–")
    b = BACKHAUL_LABELS.get(backhaul, backhaul or "–")
    return f"{p} + {b}"
