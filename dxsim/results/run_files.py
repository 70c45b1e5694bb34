"""Read a run's result tables for the GIS, Excel and CSV exports, and derive the per-province year table.

Like the map and the report, these exports are views of a result folder: they read only the files
`dxsim run` wrote there (summary.json, metrics.parquet, provinces.geojson, the entity tables), so
they also work on a folder copied from another machine, and never import the model.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.i18n import N_
from dxsim.i18n import gettext as _
from dxsim.results.kpi_labels import PROVINCE_COLUMNS, SAME_5G_NOTE, mbb_falls_note, same_5g_columns
from dxsim.results.metrics import METRICS

NATIONAL_CODE = "VN"
NATIONAL_NAME = "Việt Nam"

# metrics that count something happening *in the month*: a year's value is the sum of its months;
# every other metric is a level (stations on air, people covered, MW installed) read at the year end
FLOW_METRICS = frozenset(
    {
        "stations_5g_added",
        "capex_vnd_bn",
        "subsidy_paid_vnd_bn",
        "village_capex_vnd_bn",
        "compute_capex_vnd_bn",
        "gpu_capex_vnd_bn",  # of compute_capex_vnd_bn
        "dc_retrofit_capex_vnd_bn",  # of compute_capex_vnd_bn, not of gpu_capex_vnd_bn
        "gpu_public_capex_vnd_bn",  # of gpu_capex_vnd_bn
        "dc_ppp_state_capex_vnd_bn",  # booked as compute_capex_vnd_bn is: a flow
        "village_surge_capex_vnd_bn",
        "surge_stations_viettel",
        "surge_stations_vnpt",
        "surge_stations_mobifone",
        "dc_energy_mwh",
        "dc_electricity_opex_vnd_bn",
    }
)

METRICS_COLUMNS = ("date", "replication", "area", "metric", "value")


def need(result_dir: Path, name: str) -> Path:
    """Path of a file the run must have written (one-line error naming it otherwise)."""
    p = Path(result_dir) / name
    if not p.is_file():
        raise DxsimInputError(_("missing {name} (written by `dxsim run`)").format(name=name), file=p)
    return p


def read_table(
    result_dir: Path, name: str, columns: Iterable[str] = (), *, required: bool = True
) -> pl.DataFrame | None:
    """A parquet table of the run; None when optional and absent. Checks the columns the caller relies on."""
    p = Path(result_dir) / name
    if not p.is_file():
        if required:
            need(result_dir, name)
        return None
    try:
        df = pl.read_parquet(p)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DxsimInputError(
            _("unreadable parquet table ({kind})").format(kind=type(exc).__name__), file=p
        ) from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DxsimInputError(
            _("column missing"),
            file=p,
            field=missing[0],
            allowed=_("a table written by `dxsim run` with columns {columns}").format(
                columns=", ".join(columns)
            ),
        )
    return df


def read_summary(result_dir: Path) -> dict[str, Any]:
    """summary.json as a dict (scenario, seed, reps, version, horizon, data_sources, kpis)."""
    p = need(result_dir, "summary.json")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DxsimInputError(_("unreadable JSON ({kind})").format(kind=type(exc).__name__), file=p) from None
    if not isinstance(data, dict) or not isinstance(data.get("kpis"), dict):
        raise DxsimInputError(
            _("not a dxsim summary"), file=p, field="kpis", allowed=_("an object of KPI name -> number")
        )
    return data


REPLICATION_BATCH = 10
"""Replications read at a time by exports that go through every row (60k rows, ~2 MB each to 2030), so their
memory stays bounded whatever the number of replications."""


def scan_metrics(result_dir: Path) -> pl.LazyFrame:
    """metrics.parquet as a lazy table (date, replication, area, metric, value), its columns and types checked."""
    p = need(result_dir, "metrics.parquet")
    try:
        lf = pl.scan_parquet(p)
        schema = lf.collect_schema()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DxsimInputError(
            _("unreadable parquet table ({kind})").format(kind=type(exc).__name__), file=p
        ) from None
    missing = [c for c in METRICS_COLUMNS if c not in schema.names()]
    if missing:
        raise DxsimInputError(
            _("column missing"),
            file=p,
            field=missing[0],
            allowed=_("a table written by `dxsim run` with columns {columns}").format(
                columns=", ".join(METRICS_COLUMNS)
            ),
        )
    if schema["date"] != pl.Date:
        raise DxsimInputError(
            _("dates are not a date column"), file=p, field="date", value=str(schema["date"]), allowed="Date"
        )
    return lf


def replication_batches(
    metrics: pl.LazyFrame | pl.DataFrame, size: int = REPLICATION_BATCH
) -> Iterator[pl.DataFrame]:
    """The table in consecutive groups of `size` replications, in replication order."""
    lf = metrics.lazy()
    reps = lf.select(pl.col("replication").unique().sort()).collect()["replication"].to_list()
    for i in range(0, len(reps), size):
        yield lf.filter(pl.col("replication").is_in(reps[i : i + size])).collect()


def read_provinces(result_dir: Path) -> Any:
    """provinces.geojson as a GeoDataFrame in EPSG:4326 (gso34, name34, name_ascii, region3, pop, former, geometry)."""
    import geopandas as gpd

    p = need(result_dir, "provinces.geojson")
    try:
        gdf = gpd.read_file(p, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise DxsimInputError(
            _("unreadable GeoJSON ({kind})").format(kind=type(exc).__name__), file=p
        ) from None
    for col in ("gso34", "name34"):
        if col not in gdf.columns:
            raise DxsimInputError(
                _("property missing"), file=p, field=col, allowed=_("gso34, name34 per feature")
            )
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise DxsimInputError(
            _("unexpected CRS"), file=p, field="crs", value=str(gdf.crs), allowed="EPSG:4326"
        )
    gdf["gso34"] = gdf["gso34"].astype(str)
    return gdf


def _province_properties(result_dir: Path) -> list[dict[str, Any]]:
    """Each feature's properties in provinces.geojson, gso34 and name34 checked."""
    p = need(result_dir, "provinces.geojson")
    try:
        props = [f["properties"] for f in json.loads(p.read_text(encoding="utf-8"))["features"]]
        for f in props:
            f["gso34"], f["name34"] = str(f["gso34"]), str(f["name34"])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DxsimInputError(
            _("unreadable provinces ({kind})").format(kind=type(exc).__name__),
            file=p,
            allowed=_("a FeatureCollection with gso34 and name34 properties"),
        ) from None
    return props


def province_names(result_dir: Path) -> dict[str, str]:
    """gso34 code -> province name (Vietnamese), from provinces.geojson; plus VN -> the country."""
    return {
        NATIONAL_CODE: NATIONAL_NAME,
        **{f["gso34"]: f["name34"] for f in _province_properties(result_dir)},
    }


def province_former(result_dir: Path) -> dict[str, str]:
    """gso34 code -> the pre-2025 provinces merged into it, as provinces.geojson `former` says ("Hà Giang (02)"; empty
    for a province no other joined)."""
    return {f["gso34"]: str(f.get("former") or "") for f in _province_properties(result_dir)}


def province_people(result_dir: Path) -> dict[str, float]:
    """gso34 code -> the province's people in the run's population grid (provinces.geojson `pop`; NaN if absent)."""
    out = {}
    for f in _province_properties(result_dir):
        raw: Any = f.get("pop")
        try:
            out[f["gso34"]] = float(raw)
        except (TypeError, ValueError):
            out[f["gso34"]] = float("nan")
    return out


def year_end_dates(dates: Iterable[dt.date]) -> list[dt.date]:
    """Each December month end in the table, plus the horizon's last month end when it is not a December."""
    ds = sorted(set(dates))
    out = [d for d in ds if d.month == 12]
    if ds and ds[-1].month != 12:
        out.append(ds[-1])
    return out


def period_tag(d: dt.date) -> str:
    """Column suffix of a year end: `2026` for December, `2030_06` for a horizon ending in June."""
    return f"{d.year}" if d.month == 12 else f"{d.year}_{d.month:02d}"


# a share whose every replication is 100 minus another's: its P50 is taken as 100 minus the other's P50. Why: the lower
# median of each picks its own replication, so with an even count Sơn La's 2026 row read 5G coverage 61.44% beside
# not covered 28.57% (90.0% together), a share and its complement that cannot both be one run's
COMPLEMENT_OF = {"pop_5g_uncovered_pct": "pop_covered_5g_pct"}
# the three service states of each layer add up to 100 in every replication, but their P50s taken one by one need not
# (a trial found Quảng Ninh 2025 at 98.63 and Lai Châu 2030 at 99.36 under 700 MHz). Per layer: (served, capacity-short,
# uncovered, covered), covered being a metric or, for 4G-or-better, 100 - uncovered per replication (MBB_COVERED). The
# served and covered shares are their own P50s; uncovered = 100 - covered's and capacity-short = covered's - served's.
# Both are >= 0: served <= covered in every replication, so their lower medians keep that order.
MBB_COVERED = "_pop_mbb_covered_pct"
THREE_STATES_NOTE = N_(
    "The served, capacity-short and uncovered shares are the exception: served and covered are their own P50s, "
    "uncovered is 100 minus covered's and capacity-short covered's minus served's, so the three add up to 100."
)
THREE_STATES = (
    ("pop_5g_served_pct", "pop_5g_capacity_short_pct", "pop_5g_uncovered_pct", "pop_covered_5g_pct"),
    ("pop_mbb_served_pct", "pop_mbb_capacity_short_pct", "pop_mbb_uncovered_pct", MBB_COVERED),
)


@dataclass
class ProvinceYears:
    """One province at each year end, as `run --province` and report.html show it: `wide` (date and a column per
    metric), the `columns` shown (PROVINCE_COLUMNS present, 5G served left out where it equals 5G coverage at every
    year end), and the `notes` beside them, in the language in use."""

    wide: pl.DataFrame
    columns: list[tuple[str, str, int]]
    notes: list[str] = field(default_factory=list)


def province_years(years: pl.DataFrame, code: str) -> ProvinceYears | None:
    """Province `code` of a `province_year_table`, as shown (None: no rows for it). One view for the terminal and the
    report, whose two copies of this had to agree cell for cell."""
    mine = years.filter(pl.col("area") == code)
    if mine.is_empty():
        return None
    present = set(mine["metric"].unique().to_list())
    wide = mine.pivot(on="metric", index="date", values="value").sort("date")
    same = {"pop_5g_served_pct", "pop_covered_5g_pct"} <= present and same_5g_columns(
        wide["pop_5g_served_pct"].to_list(), wide["pop_covered_5g_pct"].to_list()
    )
    columns = [c for c in PROVINCE_COLUMNS if c[0] in present and not (same and c[0] == "pop_5g_served_pct")]
    notes = [_(SAME_5G_NOTE)] if same else []
    if "pop_mbb_served_pct" in wide.columns:
        mbb = wide["pop_mbb_served_pct"].drop_nulls()
        fall = mbb_falls_note(mbb[0], mbb[-1]) if len(mbb) else None
        notes += [fall] if fall is not None else []
    return ProvinceYears(wide, columns, notes)


def province_year_table(metrics: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Per province, metric and year end: the P50 over replications of the year's value (long form).

    Levels are read at the year end (province_levels_p50); FLOW_METRICS are summed over that year's months. The P50
    is the lower median (an observed value, as in summary.json), taken per cell: two columns of one province
    may come from different replications, except a share and its complement (COMPLEMENT_OF). Columns: area, date
    (the year end), metric, value. One lazy query: only the year-end levels and the flows are read (the filters go
    into the scan), with the area and metric codes as categories, so memory grows with the year-end values, not
    with every month of every replication.
    """
    lf = metrics.lazy().filter(pl.col("area") != NATIONAL_CODE)
    ends = year_end_dates(lf.select(pl.col("date").unique().sort()).collect()["date"].to_list())
    if not ends:
        return pl.DataFrame(
            schema={"area": pl.String, "date": pl.Date, "metric": pl.String, "value": pl.Float64}
        )
    end_of = pl.LazyFrame(
        {"year": [d.year for d in ends], "end": ends}, schema={"year": pl.Int32, "end": pl.Date}
    )
    flows = pl.col("metric").is_in(list(FLOW_METRICS))
    coded = [pl.col("area").cast(pl.Categorical), pl.col("metric").cast(pl.Categorical)]
    sums = (
        lf.filter(flows)
        .with_columns(coded)
        .with_columns(pl.col("date").dt.year().cast(pl.Int32).alias("year"))
        .join(end_of, on="year")
        .filter(pl.col("date") <= pl.col("end"))
        # the year's months in date order, summed one after the other: the same float every time
        .group_by("replication", "area", "metric", "end")
        .agg(pl.col("value").sort_by("date"))
        .with_columns(pl.col("value").list.sum())
        .group_by("area", "end", "metric")
        .agg(pl.col("value").quantile(0.5, interpolation="lower"))
        .with_columns(pl.col("area").cast(pl.String), pl.col("metric").cast(pl.String))
        .rename({"end": "date"})
        .collect()
    )
    levels = province_levels_p50(lf.filter(~flows), ends)
    return pl.concat([levels, sums.select(levels.columns)]).sort("area", "date", "metric")


def province_levels_p50(metrics: pl.LazyFrame | pl.DataFrame, dates: list[dt.date]) -> pl.DataFrame:
    """Per province, level metric and date (of `dates`): the P50 over replications (lower median), a share's
    complement (COMPLEMENT_OF) and the three service states (THREE_STATES) made consistent. Columns: area, date,
    metric, value. The one P50 of a province's levels: the workbook, the GeoPackage and the map's provinces read it,
    so a province's figure is the same in each (the map showed replication 0: 1,623 stations beside the
    workbook's 1,709; provincial trial)."""
    coded = [pl.col("area").cast(pl.Categorical), pl.col("metric").cast(pl.Categorical)]
    at = metrics.lazy().filter((pl.col("area") != NATIONAL_CODE) & pl.col("date").is_in(dates))
    mbb_covered = at.filter(pl.col("metric") == "pop_mbb_uncovered_pct").with_columns(
        pl.lit(MBB_COVERED).alias("metric"), (100.0 - pl.col("value")).alias("value")
    )
    table = (
        pl.concat([at, mbb_covered])
        .with_columns(coded)
        .group_by("area", "date", "metric")
        .agg(pl.col("value").quantile(0.5, interpolation="lower"))
        .with_columns(pl.col("area").cast(pl.String), pl.col("metric").cast(pl.String))
        .select("area", pl.col("date").cast(pl.Date), "metric", "value")
        .sort("area", "date", "metric")
        .collect()
    )
    for complement, share in COMPLEMENT_OF.items():
        of_share = table.filter(pl.col("metric") == share).select(
            "area", "date", pl.lit(complement).alias("metric"), (100.0 - pl.col("value")).alias("_complement")
        )
        table = (
            table.join(of_share, on=["area", "date", "metric"], how="left")
            .with_columns(pl.coalesce("_complement", "value").alias("value"))
            .drop("_complement")
        )
    return _three_states_add_up(table)


def _three_states_add_up(table: pl.DataFrame) -> pl.DataFrame:
    """Uncovered and capacity-short from the P50s of covered and served (THREE_STATES), so that each layer's three
    states add up to 100 in every row; the helper covered rows are dropped."""
    for served, short, uncovered, covered in THREE_STATES:
        wide = table.filter(pl.col("metric").is_in([served, covered])).pivot(
            on="metric", index=["area", "date"], values="value"
        )
        if served not in wide.columns or covered not in wide.columns:
            continue
        derived = pl.concat(
            [
                wide.select(
                    "area", "date", pl.lit(uncovered).alias("metric"), (100.0 - pl.col(covered)).alias("_v")
                ),
                wide.select(
                    "area",
                    "date",
                    pl.lit(short).alias("metric"),
                    (pl.col(covered) - pl.col(served)).alias("_v"),
                ),
            ]
        ).drop_nulls("_v")
        table = (
            table.join(derived, on=["area", "date", "metric"], how="left")
            .with_columns(pl.coalesce("_v", "value").alias("value"))
            .drop("_v")
        )
    return table.filter(pl.col("metric") != MBB_COVERED)


def metric_order(metrics: Iterable[str]) -> list[str]:
    """Metrics in the documented order (dxsim.results.metrics.METRICS), unknown ones last, alphabetically."""
    known = list(METRICS)
    present = set(metrics)
    return [m for m in known if m in present] + sorted(present - set(known))
