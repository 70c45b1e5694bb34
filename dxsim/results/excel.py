"""Excel workbook of a run (`results.xlsx`), written with XlsxWriter through polars' `write_excel`.

Read from the run's result files only (never the model). Sheets:

- `About`: scenario, file, SHA-256, seed, replications, dxsim version, horizon; data sources with their
  licence and synthetic flag (summary.json); what each sheet holds.
- `KPIs`: every KPI of summary.json: its key, its label (the report's, dxsim.results.kpi_labels), its unit,
  P50, P10 and P90 (P10/P90 empty with one replication); `year_*` KPIs (decimal years) also as dates.
- `Provinces by year`: one row per province and year end: code (text), name, the year end (a date) and
  the P50 over replications of each per-province metric (levels at the year end, flows summed over the
  year, as in the GeoPackage; see dxsim.results.run_files), and `Synthetic` as grid_5km.parquet has it (the
  station and coverage figures come from the run's site layer).
- `Villages` and `Data centres` (when the run models them): one row per village / data centre.

Dates are real Excel dates, the header row is frozen, columns are sized to their contents, and text
from the tables is always written as text (never turned into a formula or a link).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import polars as pl

from dxsim.i18n import N_, language
from dxsim.i18n import gettext as _
from dxsim.results.bottlenecks import CAUSE_NOUN
from dxsim.results.kpi_labels import is_year_kpi, kpi_label
from dxsim.results.metrics import metric_unit
from dxsim.results.summary import decimal_year_to_date
from dxsim.results.run_files import (
    metric_order,
    province_names,
    THREE_STATES_NOTE,
    province_year_table,
    read_summary,
    read_table,
    scan_metrics,
)
from dxsim.results.value_labels import (
    BACKHAUL,
    COOLING,
    DC_KIND,
    DC_STATUS,
    POWER,
    SIGNAL,
    TERRAIN,
    PAID_BY,
    VILLAGE_STATUS,
    VILLAGE_SUBSET,
    unit_label,
)
from dxsim.results.writer import FILE_STAMP, atomic_file

XLSX_NAME = "results.xlsx"
SHEETS = ("About", "KPIs", "Provinces by year", "Villages", "Data centres")
_MAX_WIDTH_PX = 420  # long texts (sources, reasons) wrap the view otherwise
# in_memory: XlsxWriter assembles the file without temporary files of its own in TMPDIR, which a full TMPDIR left
# behind (6-7 a failed run, disk-full trial, 2026-12-06); the workbook is a few MB
_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}

# per-province metric -> column header (metrics not listed keep their name)
PROVINCE_LABELS = {
    "stations_5g": N_("5G stations"),
    "stations_5g_added": N_("5G stations added in the year"),
    "stations_4g": N_("4G stations"),
    "pop_covered_5g": N_("People covered by 5G"),
    "pop_covered_5g_pct": N_("5G population coverage (%)"),
    "pop_covered_4g": N_("People covered by 4G"),
    "pop_covered_4g_pct": N_("4G population coverage (%)"),
    # served / capacity-short / uncovered (issue 12; each triple adds up to 100)
    "pop_5g_served_pct": N_("Population where 5G serves (a place measure, %)"),
    "pop_5g_capacity_short_pct": N_("Population in 5G coverage but capacity-short (%)"),
    "pop_5g_uncovered_pct": N_("Population not covered by 5G (%)"),
    "pop_mbb_served_pct": N_("Population served by 4G or better (%)"),
    "pop_mbb_capacity_short_pct": N_("Population in 4G/5G coverage but capacity-short (%)"),
    "pop_mbb_uncovered_pct": N_("Population not covered by 4G or 5G (%)"),
    "capex_vnd_bn": N_("5G capex in the year (VND bn)"),
    "villages_connected": N_("Villages connected (served)"),
    "villages_capacity_short": N_("Villages on air but capacity-short"),
    # the no-power subset only (METRICS): "Villages not connected" beside "Villages connected" read as the rest of
    # the province's coverage-hole villages (Tuyên Quang, 2025: 52 connected + 15 "not connected" of 275)
    "villages_unconnected": N_("Villages of the no-power subset still without signal"),
    "villages_without_power": N_(
        "Villages of the no-power subset still without power (grid, bridge, off-grid or temporary)"
    ),
    "villages_on_bridge_power": N_(
        "Villages on the utility's generator bridge, their own power not yet come"
    ),
    "villages_without_signal": N_("Coverage-hole villages still without signal"),
    "villages_started_by_programme": N_("Villages started from the village programme's budget so far"),
    "village_pop_connected": N_("People in connected villages"),
    "village_pop_capacity_short": N_("People in capacity-short villages"),
    "village_capex_vnd_bn": N_("Village capex in the year (VND bn)"),
    "dc_it_capacity_mw": N_("Data-centre IT capacity (MW)"),
    "dc_facility_power_mw": N_("Data-centre facility power (MW)"),
    "racks": N_("Data-centre racks"),
    "gpus_installed": N_("GPUs powered, every model (the KPIs count high-performance ones only)"),
}

PERSON_METRICS = ("pop_covered_5g", "pop_covered_4g", "village_pop_connected", "village_pop_capacity_short")

# table column -> header; the first ones of each list are required, the rest written when present
VILLAGE_REQUIRED = (
    "village_id",
    "name",
    "province",
    "power",
    "backhaul",
    "cost_vnd_bn",
    "connected_date",
    "synthetic",
)
VILLAGE_LABELS = {
    "village_id": N_("Village ID"),
    "name": N_("Name"),
    "gso34": N_("Province code"),
    "province": N_("Province"),
    "commune": N_("Commune"),
    "subset": N_("Subset"),
    "has_grid_power": N_("Grid power at start"),
    "signal_status": N_("Signal at start"),
    "campaign": N_("Campaign"),
    "survey_as_of": N_("Counted by the province survey of"),
    "population": N_("Population"),
    "terrain_class": N_("Terrain"),
    "power": N_("Power option"),
    "backhaul": N_("Backhaul option"),
    "feasible": N_("Feasible"),
    "status": N_("Status"),
    "served": N_("Served (link carries busy-hour demand)"),
    "backhaul_capacity_mbps": N_("Backhaul capacity (Mbps)"),
    "busy_hour_mbps_per_user": N_("Mbps per busy-hour user"),
    "cost_vnd_bn": N_("Cost (VND bn)"),
    "paid_by": N_("Paid by"),
    "opex_vnd_bn_per_year": N_("Opex (VND bn per year)"),
    "started_date": N_("Works started"),
    "power_date": N_("Power delivered"),
    "grid_date": N_("Grid line energised"),
    "temporary_power": N_("On temporary power"),
    "power_bridge_date": N_("Date the utility's generator bridge came on"),
    "power_bridge_cost_vnd_bn": N_("Generator bridge cost, set-up and running (VND bn)"),
    "portable_bts": N_("Portable BTS (its link's Mbps)"),
    "held_longest_by": N_("Held longest by"),
    "held_longest_days": N_("Days held by it"),
    "signal_date": N_("Signal (site on air)"),
    "connected_date": N_("Connected"),
    "connected_date_p10": N_("Connected P10"),
    "connected_date_p50": N_("Connected P50"),
    "connected_date_p90": N_("Connected P90"),
    "people_connected": N_("People connected"),
    "synthetic": N_("Synthetic"),
    "population_synthetic": N_("Population drawn (synthetic)"),
    "lon": N_("Longitude"),
    "lat": N_("Latitude"),
    "reason": N_("Why this option"),
}
# a sheet column holding identifiers -> their words (dxsim.results.value_labels); the files keep the identifiers
VALUE_LABELS = {
    "subset": VILLAGE_SUBSET,
    "signal_status": SIGNAL,
    "terrain_class": TERRAIN,
    "power": POWER,
    "backhaul": BACKHAUL,
    "status": {**VILLAGE_STATUS, **DC_STATUS},
    "kind": DC_KIND,
    "cooling": COOLING,
    "paid_by": PAID_BY,
    "held_longest_by": CAUSE_NOUN,  # the causes' words, as the why-lines name them (they read "permits" in vi)
}
DC_REQUIRED = ("dc_id", "name", "it_mw_end", "synthetic")
DC_LABELS = {
    "dc_id": N_("DC ID"),
    "name": N_("Name"),
    "operator": N_("Operator"),
    "gso34": N_("Province code"),
    "province": N_("Province"),
    "status": N_("Status at start"),
    "kind": N_("Kind"),
    "cooling": N_("Cooling"),
    "pue": N_("PUE"),
    "it_mw_design": N_("Design IT capacity (MW)"),
    "start_it_mw": N_("IT capacity at start (MW)"),
    "it_mw_end": N_("IT capacity at end (MW)"),
    "racks_end": N_("Racks at end"),
    "facility_power_mw_end": N_("Facility power at end (MW)"),
    "gpus_end": N_("GPUs at end, every model"),
    "phases_commissioned": N_("Phases commissioned"),
    "opened": N_("Opened"),
    "first_phase_date": N_("First phase in run"),
    "last_phase_date": N_("Last phase in run"),
    "went_ahead": N_("Went ahead"),
    "synthetic": N_("Synthetic"),
    "lon": N_("Longitude"),
    "lat": N_("Latitude"),
    "source": N_("Source"),
}

_UNIT_SUFFIXES = (
    ("_pct", "%"),
    ("_vnd_bn", "VND bn"),
    ("_vnd_m", "VND m"),
    ("_mw", "MW"),
    ("_gwh", "GWh"),
    ("_persons", "persons"),
)
_PERIOD = re.compile(r"_(\d{4}_\d{2}|start|end|total|peak|final_year)$")
_UNIT_FALLBACK = {
    "villages_no_feasible_option": "villages",
    "gpu_months_stranded": "GPU-months",
    "gpu_months_held_by_import_cap": "GPU-months",
    "ai_jobs_waiting_end": "jobs",
    "village_months_connected": "village-months",
    "village_person_months_connected": "person-months",
    "pop_5g_covered_person_months": "person-months",
    "pop_5g_served_person_months": "person-months",
}


def kpi_unit(name: str) -> str:
    """Unit of a summary.json KPI from its name (units are in the names) or the metric it reads (METRICS or a
    CAMPAIGN_METRICS pattern); '' if unknown."""
    if is_year_kpi(name):
        return "decimal year"
    base = _PERIOD.sub("", name)
    for suffix, unit in _UNIT_SUFFIXES:
        if base.endswith(suffix):
            return unit
    return metric_unit(base) or metric_unit(name) or _UNIT_FALLBACK.get(name, "")


def kpi_frame(kpis: dict[str, float | None]) -> pl.DataFrame:
    """One row per KPI (P10/P90 folded in from `<kpi>_p10` / `<kpi>_p90`): its key, its label in the language in
    use, its unit, the quantiles and, for a decimal year, the dates; a date never reached says so in `Note` (its
    empty cells read as missing data where the terminal and the report say "not reached")."""
    names = [k for k in kpis if not (k.endswith(("_p10", "_p90")) and k[:-4] in kpis)]
    rows = []
    for k in names:
        p50, p10, p90 = kpis[k], kpis.get(f"{k}_p10"), kpis.get(f"{k}_p90")
        is_year = is_year_kpi(k)
        rows.append(
            {
                "KPI": k,
                _("Label"): kpi_label(k)[0],
                _("Unit"): unit_label(kpi_unit(k)),
                "P50": p50,
                "P10": p10,
                "P90": p90,
                _("P50 date"): decimal_year_to_date(p50) if is_year else None,
                _("P10 date"): decimal_year_to_date(p10) if is_year else None,
                _("P90 date"): decimal_year_to_date(p90) if is_year else None,
                _("Note"): (
                    _("not reached within the horizon")
                    if is_year and (p50 is None or not math.isfinite(p50))
                    else None
                ),
            }
        )
    schema = {
        "KPI": pl.String,
        _("Label"): pl.String,
        _("Unit"): pl.String,
        "P50": pl.Float64,
        "P10": pl.Float64,
        "P90": pl.Float64,
        _("P50 date"): pl.Date,
        _("P10 date"): pl.Date,
        _("P90 date"): pl.Date,
        _("Note"): pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def province_frame(metrics: pl.LazyFrame | pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """One row per province and year end; metric columns labelled (PROVINCE_LABELS)."""
    table = province_year_table(metrics)
    order = metric_order(table["metric"].unique().to_list())
    wide = table.pivot(on="metric", index=["area", "date"], values="value").sort("area", "date")
    name_df = pl.DataFrame({"area": list(names), "_name": list(names.values())})
    wide = wide.join(name_df, on="area", how="left").select(
        pl.col("area").alias(_("Province code")),
        pl.col("_name").alias(_("Province")),
        pl.col("date").alias(_("Year end")),
        *[pl.col(m).alias(_(PROVINCE_LABELS[m]) if m in PROVINCE_LABELS else m) for m in order],
    )
    return wide


def entity_frame(df: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Known columns in sheet order with readable headers, and identifiers (statuses, options, classes) as the
    words the report and the map use, all in the language in use (VALUE_LABELS; an unknown one as written)."""
    return df.select(
        [
            (
                pl.col(c).replace({k: _(v) for k, v in VALUE_LABELS[c].items()})
                if c in VALUE_LABELS and df.schema[c] == pl.String
                else pl.col(c)
            ).alias(_(h))
            for c, h in labels.items()
            if c in df.columns
        ]
    )


def _clean(df: pl.DataFrame) -> pl.DataFrame:
    """NaN/inf -> empty cells (XlsxWriter cannot store them)."""
    return df.with_columns(
        [
            pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
            for c, t in df.schema.items()
            if t.is_float()
        ]
    )


def _number_formats(df: pl.DataFrame) -> dict[str, str]:
    """Whole-number float columns as '#,##0', coordinates with 6 decimals (~0.1 m), others (and every percentage,
    whole or not: a column of 0 % beside columns of 45.32 % read as another kind of number) with two."""
    out = {}
    for c, t in df.schema.items():
        if c in (_("Longitude"), _("Latitude")):  # the headers are in the language in use
            out[c] = "0.000000"
        elif t.is_float() and c.endswith("(%)"):
            out[c] = "#,##0.00"
        elif t.is_float():
            s = df[c].drop_nulls()
            whole = s.len() > 0 and bool((s == s.round(0)).all())
            out[c] = "#,##0" if whole else "#,##0.00"
    return out


def _table_sheet(
    wb: Any, name: str, df: pl.DataFrame, frozen_columns: int = 0, formats: dict[str, str] | None = None
) -> None:
    df = _clean(df)
    # column name -> format; typed Any-keyed as polars' column_formats Mapping is invariant in its key type
    column_formats: dict[Any, str] = {**_number_formats(df), **(formats or {})}
    df.write_excel(
        workbook=wb,
        worksheet=name,
        column_formats=column_formats,
        dtype_formats={pl.Date: excel_date_format()},
        freeze_panes=(1, frozen_columns),
        table_name=re.sub(r"\W", "_", name),
        autofit=False,
    )
    wb.get_worksheet_by_name(name).autofit(max_width=_MAX_WIDTH_PX)


def excel_date_format(month: bool = False) -> str:
    """Excel's number format of a date (or a month) cell in the language in use, as `formats.date` and `formats.month`
    write them: yyyy-mm-dd (ISO) in English, dd/mm/yyyy in Vietnamese. Why: a Vietnamese workbook showed 2026-05-14
    where the terminal, report and map said 14/05/2026 (provincial trial). The cells stay dates."""
    if language() == "vi":
        return "mm/yyyy" if month else "dd/mm/yyyy"
    return "yyyy-mm" if month else "yyyy-mm-dd"


# a KPI's kind (dxsim.results.kpi_labels) -> the number format of its P50/P10/P90 cells; others stay General
KPI_KIND_FORMATS = {"count": "#,##0", "pct": "0.00", "money": "#,##0.0", "mw": "#,##0.0"}


def _kpi_number_formats(wb: Any, kpis: pl.DataFrame) -> None:
    """Give each KPI row's quantile cells the format of its kind: the column mixes persons, percentages, money and
    decimal years, so one column format showed 56046172.776708 persons. The values stay as stored."""
    ws = wb.get_worksheet_by_name("KPIs")
    formats = {kind: wb.add_format({"num_format": f}) for kind, f in KPI_KIND_FORMATS.items()}
    rates = wb.add_format({"num_format": "0.0"})
    cols = [kpis.columns.index(c) for c in ("P50", "P10", "P90")]
    # a date KPI is a month ("Month 5G covers 90%"): most are read at month ends, so a day (2028-12-31) claimed a
    # precision they lack and put "every no-power village" (month end) after "the last village" (its day, 12-05)
    month = wb.add_format({"num_format": excel_date_format(month=True), "align": "left"})
    dates = [i for i, c in enumerate(kpis.columns) if kpis.schema[c] == pl.Date]
    for i, row in enumerate(kpis.iter_rows(named=True), start=1):
        for c in dates:
            d = row[kpis.columns[c]]
            if d is not None:
                ws.write_datetime(i, c, dt.datetime(d.year, d.month, d.day), month)
        kind = kpi_label(row["KPI"])[1]
        fmt = rates if "_mbps" in row["KPI"] else formats.get(kind)  # a throughput is a "count" with decimals
        if fmt is None:
            continue
        for c in cols:
            v = row[kpis.columns[c]]
            if v is not None and math.isfinite(v):
                ws.write_number(i, c, v, fmt)


def _about_sheet(wb: Any, summary: dict[str, Any], sheets: dict[str, str]) -> None:
    ws = wb.add_worksheet("About")
    bold = wb.add_format({"bold": True})
    date = wb.add_format({"num_format": excel_date_format(), "align": "left"})
    ws.write_string(0, 0, _("dxsim results"), wb.add_format({"bold": True, "font_size": 14}))
    horizon = summary.get("horizon") or {}
    rows: list[tuple[str, Any]] = [
        (N_("Scenario"), summary.get("scenario")),
        (N_("Scenario file"), summary.get("scenario_file")),
        (N_("Scenario SHA-256"), summary.get("scenario_sha256")),
        (N_("Seed"), summary.get("seed")),
        (N_("Replications"), summary.get("reps")),
        (N_("dxsim version"), summary.get("dxsim_version")),
        (N_("dxsim code SHA-256"), summary.get("dxsim_code_sha256")),
        (N_("Horizon start"), horizon.get("start_date")),
        (N_("Horizon end"), horizon.get("end_date")),
    ]
    r = 2
    for key, value in rows:
        ws.write_string(r, 0, _(key), bold)
        if isinstance(value, bool) or value is None:
            ws.write_string(r, 1, "" if value is None else str(value))
        elif isinstance(value, (int, float)):
            ws.write_number(r, 1, value)
        elif key.startswith("Horizon") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            ws.write_datetime(r, 1, dt.datetime.fromisoformat(str(value)), date)
        else:
            ws.write_string(r, 1, str(value))
        r += 1
    r += 1
    ws.write_string(r, 0, _("Data sources"), bold)
    ws.write_string(r, 1, _("Licence"), bold)
    ws.write_string(r, 2, _("Synthetic"), bold)
    for src in summary.get("data_sources") or []:
        r += 1
        ws.write_string(r, 0, str(src.get("name", "")))
        ws.write_string(r, 1, str(src.get("licence", "")))
        ws.write_boolean(r, 2, bool(src.get("synthetic")))
    r += 2
    ws.write_string(r, 0, _("Sheet"), bold)
    ws.write_string(r, 1, _("What it holds"), bold)
    for sheet, what in sheets.items():
        r += 1
        ws.write_string(r, 0, sheet)
        ws.write_string(r, 1, what)
    ws.freeze_panes(1, 0)
    ws.autofit(max_width=_MAX_WIDTH_PX)


def write_workbook(result_dir: Path) -> Path:
    """Write `results.xlsx` into `result_dir` from the run's summary.json and result tables."""
    import xlsxwriter

    result_dir = Path(result_dir)
    summary = read_summary(result_dir)
    kpis = kpi_frame(summary["kpis"])
    provinces = province_frame(scan_metrics(result_dir), province_names(result_dir))
    grid = read_table(result_dir, "grid_5km.parquet", required=False)
    if (
        grid is not None and "synthetic" in grid.columns
    ):  # the stations and coverage per province come from the
        # site layer, as the grid's do: flagged as the GeoPackage's provinces layer is (dxsim.results.gis)
        provinces = provinces.with_columns(pl.lit(bool(grid["synthetic"].any())).alias(_("Synthetic")))
    villages = read_table(result_dir, "villages.parquet", VILLAGE_REQUIRED, required=False)
    dcs = read_table(result_dir, "datacentres.parquet", DC_REQUIRED, required=False)
    reps = _("P50 over replications") if (summary.get("reps") or 1) > 1 else _("one replication")
    about = {
        "KPIs": _(
            "summary.json KPIs: key, label, unit, P50, P10, P90 (P10/P90 with several replications); "
            "year_* also as dates, and a note where the date is not reached"
        ),
        "Provinces by year": _(
            "per province and year end ({reps}): levels at the year end, flows (added, capex) "
            "summed over the year's months in the horizon"
        ).format(reps=reps)
        + "."  # the sentence ends here in both languages; the note below is the next one
        + (
            " "
            + _(
                "Each column is its own P50, so two columns may come from different replications and need not "
                "add up (stations at the year end against stations added in it)."
            )
            + " "
            + _(THREE_STATES_NOTE)
            if (summary.get("reps") or 1) > 1
            else ""
        ),
        "Villages": (
            _("one row per village, replication 0's dates (villages.parquet)")
            if villages is not None
            else _("not modelled in this run: no sheet")
        ),
        "Data centres": (
            _("one row per data centre and project, replication 0's end state (datacentres.parquet)")
            if dcs is not None
            else _("not modelled in this run: no sheet")
        ),
    }

    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(str(tmp), _WORKBOOK_OPTIONS)
        wb.set_properties({"created": FILE_STAMP})  # same run, same bytes
        try:
            _about_sheet(wb, summary, about)
            # one column holds counts, percentages and decimal years: Excel's General shows each as stored
            _table_sheet(wb, "KPIs", kpis, 2, dict.fromkeys(("P50", "P10", "P90"), "General"))
            _kpi_number_formats(wb, kpis)
            # people are model estimates (covered shares of 1 km cells): whole persons, not 7,324,965.55
            persons = {_(PROVINCE_LABELS[m]): "#,##0" for m in PERSON_METRICS}
            _table_sheet(
                wb,
                "Provinces by year",
                provinces,
                3,
                {c: f for c, f in persons.items() if c in provinces.columns},
            )
            if villages is not None:
                _table_sheet(wb, "Villages", entity_frame(villages, VILLAGE_LABELS), 2)
            if dcs is not None:
                _table_sheet(wb, "Data centres", entity_frame(dcs, DC_LABELS), 2)
        finally:
            wb.close()

    return atomic_file(result_dir / XLSX_NAME, write)
