"""Read a run's output directory (and only that) for the report.

Inputs: `summary.json` (required), `metrics.parquet` (required), `calibration.csv`, `villages.parquet`,
`datacentres.parquet`, `plans.parquet`, `support_decisions.csv`, `uncertainty_draws.csv`, `scenario.resolved.toml` (only the served rate, for captions),
`provinces.geojson` (names and people of the provinces), `map.html` (optional). Nothing here imports the model (dxsim.sim / geo / radio):
the report is a view of result files, so it also works on a directory copied from another machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.i18n import gettext as _
from dxsim.maps.data import damaged, served_rate_mbps, short_reason
from dxsim.results.bottlenecks import bottleneck_filter
from dxsim.results.decisions import read_decisions
from dxsim.results.kpi_labels import PROVINCE_COLUMNS
from dxsim.results.run_files import FLOW_METRICS, province_levels_p50, province_names, province_people
from dxsim.results.writer import file_sha256, not_a_run_reason

# national time series the charts use
CHART_METRICS = (
    "stations_5g",
    "pop_covered_5g_pct",
    "villages_connected",
    "villages_unconnected",
    "villages_capacity_short",
    "villages_without_signal",
    "dc_it_capacity_mw",
    "gpus_installed_high_performance",
    "gpus_stranded",
    "gpu_utilization_pct",
    "ai_jobs_waiting",
    # served / capacity-short / uncovered (issue 12; absent when the run did not model capacity)
    "pop_5g_served_pct",
    "pop_5g_capacity_short_pct",
    "pop_5g_uncovered_pct",
    "pop_mbb_served_pct",
    "pop_mbb_capacity_short_pct",
    "pop_mbb_uncovered_pct",
    "user_throughput_mbps_p50",
    "user_throughput_mbps_p50_5g",
    "user_throughput_mbps_p50_4g",
    "user_throughput_mbps_mean",
)
INPUT_FILES = (
    "summary.json",
    "metrics.parquet",
    "calibration.csv",
    "villages.parquet",
    "datacentres.parquet",
    "plans.parquet",
    "support_decisions.csv",
    "uncertainty_draws.csv",
    "scenario.resolved.toml",
    "provinces.geojson",
    "map.html",
)
# the province levels the report shows at the start and the end (PROVINCE_COLUMNS without the flows, and the uncovered
# share, from which the people without 5G at the end follow)
PROVINCE_LEVELS = tuple(m for m, _h, _d in PROVINCE_COLUMNS if m not in FLOW_METRICS) + (
    "pop_5g_uncovered_pct",
)


@dataclass
class Series:
    """One national metric over time: quantiles across replications at each month end, and their mean."""

    dates: list[dt.date]
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    n_reps: int
    # the mean over replications at each month end (None: not computed, e.g. the backtest's series). Why: parts of a
    # whole stack only as means; each part's own P50 can come from another replication (served + capacity-short +
    # uncovered read 98.5% at 4 replications)
    mean: np.ndarray | None = None


def mean_by_date(values: np.ndarray) -> np.ndarray:
    """The mean of each row (a date) over the columns (replications), ignoring NaN (NaN where all are).

    Unlike a quantile, the mean is additive: shares that add up to 100 in every replication have means that
    add up to 100 too, so a stacked chart of them fills its 100% exactly."""
    with np.errstate(all="ignore"):
        out = np.full(values.shape[0], np.nan)
        ok = ~np.all(np.isnan(values), axis=1)
        if ok.any():
            out[ok] = np.nanmean(values[ok], axis=1)
    return out


@dataclass
class Provinces:
    """Each province at the run's first and last month ends: the P50s over replications the workbook and results.gpkg
    give it (results.run_files.province_levels_p50), with its name and people (provinces.geojson)."""

    start: dt.date
    end: dt.date
    p50: pl.DataFrame  # area, date, metric, value: PROVINCE_LEVELS at start and end
    names: dict[str, str]  # gso34 -> name
    people: dict[str, float]  # gso34 -> people in the run's population grid
    # (gso34, metric) -> (P10, P90) over the replications at the end (as quantiles_by_date takes them); empty with one
    band_end: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)


@dataclass
class RunData:
    result_dir: Path
    summary: dict[str, Any]  # summary.json as parsed
    n_reps: int
    series: dict[str, Series]
    calibration: list[dict[str, str]] | None
    villages: pl.DataFrame | None
    datacentres: pl.DataFrame | None
    has_map: bool
    description: str | None = None
    description_from: str | None = None
    files: list[tuple[str, int, str]] = field(default_factory=list)  # (name, bytes, sha256[:12])
    # national held-back shares and crew utilisation (dxsim.results.bottlenecks); None when the run has none
    bottlenecks: pl.DataFrame | None = None
    # the scenario's capacity.served_rate_mbps (scenario.resolved.toml), to name it in captions; None if unknown
    served_rate_mbps: float | None = None
    # the reported plans and targets beside the run (plans.parquet, dxsim.calibration.plan_frame); None if absent
    plans: pl.DataFrame | None = None
    # the operators' decisions on support deadlines (support_decisions.csv, dxsim.results.decisions); None if absent
    decisions: pl.DataFrame | None = None
    # each province at the start and the end (metrics.parquet's province rows, provinces.geojson); None if absent
    provinces: Provinces | None = None
    # each replication's factor on each uncertain input (uncertainty_draws.csv, dxsim.results.draws); None if absent
    draws: pl.DataFrame | None = None


def quantiles_by_date(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P10 / P50 / P90 of each row (a date) over the columns (replications), ignoring NaN.

    Uses the empirical 'inverted_cdf' quantile, as summary.json's KPIs do, so a chart's band at a year
    end shows the same replications as the KPI table.
    """
    out = []
    for p in (0.1, 0.5, 0.9):
        with np.errstate(all="ignore"):
            q = np.full(values.shape[0], np.nan)
            ok = ~np.all(np.isnan(values), axis=1)
            if ok.any():
                q[ok] = np.nanquantile(values[ok], p, axis=1, method="inverted_cdf")
        out.append(q)
    return out[0], out[1], out[2]


def _series(metrics: pl.DataFrame, reps: list[int]) -> dict[str, Series]:
    out: dict[str, Series] = {}
    for (metric,), grp in metrics.group_by("metric"):
        wide = grp.pivot(on="replication", index="date", values="value", aggregate_function="first").sort(
            "date"
        )
        cols = [str(r) for r in reps if str(r) in wide.columns]
        if not cols or wide.height == 0:
            continue
        mat = wide.select(cols).to_numpy().astype(float)
        p10, p50, p90 = quantiles_by_date(mat)
        out[str(metric)] = Series(wide["date"].to_list(), p10, p50, p90, len(cols), mean_by_date(mat))
    return out


def _read_metrics(path: Path) -> tuple[dict[str, Series], int]:
    try:
        nat = (
            pl.scan_parquet(path)
            .filter((pl.col("area") == "VN") & pl.col("metric").is_in(list(CHART_METRICS)))
            .select("date", "replication", "metric", "value")
            .collect()
        )
        reps = pl.scan_parquet(path).select(pl.col("replication").unique()).collect()["replication"].to_list()
    except Exception as e:  # truncated file, missing columns, foreign file
        raise damaged(
            path, _("cannot read the metrics table ({reason})").format(reason=short_reason(e))
        ) from None
    try:
        reps = sorted(int(r) for r in reps)
        return _series(nat, reps), len(reps)
    except Exception as e:  # readable, but not dxsim's columns/types (e.g. text values)
        raise damaged(
            path, _("the metrics table has unexpected values ({reason})").format(reason=short_reason(e))
        ) from None


def _read_bottlenecks(path: Path) -> pl.DataFrame | None:
    """The metrics table's bottleneck rows (older runs and switched-off programmes have none: None)."""
    try:
        df = (
            pl.scan_parquet(path)
            .filter(bottleneck_filter())
            .select("date", "replication", "area", "metric", "value")
            .collect()
        )
    except Exception as e:  # truncated file, missing columns, foreign file
        raise damaged(
            path, _("cannot read the metrics table ({reason})").format(reason=short_reason(e))
        ) from None
    return df if df.height else None


def _read_provinces(result_dir: Path, mpath: Path) -> Provinces | None:
    """The province rows of the metrics table at its first and last dates (None without provinces.geojson or rows)."""
    if not (result_dir / "provinces.geojson").is_file():
        return None
    try:
        lf = pl.scan_parquet(mpath).filter(pl.col("metric").is_in(PROVINCE_LEVELS))
        start, end = lf.select(pl.col("date").min(), pl.col("date").max().alias("end")).collect().row(0)
        p50 = province_levels_p50(lf, [start, end]) if start is not None else None
    except Exception as e:  # truncated file, missing columns, foreign file
        raise damaged(
            mpath, _("cannot read the metrics table ({reason})").format(reason=short_reason(e))
        ) from None
    if p50 is None or p50.height == 0:
        return None
    return Provinces(
        start, end, p50, province_names(result_dir), province_people(result_dir), _end_bands(lf, end, mpath)
    )


def _end_bands(lf: pl.LazyFrame, end: dt.date, mpath: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(province, metric) -> its P10 and P90 over the replications at `end` (the empirical quantiles of
    quantiles_by_date, as the KPI bands); empty for a run of one replication."""
    try:
        rows = (
            lf.filter((pl.col("date") == end) & (pl.col("area") != "VN"))
            .group_by("area", "metric")
            .agg(pl.col("value"))
            .collect()
        )
    except Exception as e:  # truncated file, missing columns, foreign file
        raise damaged(
            mpath, _("cannot read the metrics table ({reason})").format(reason=short_reason(e))
        ) from None
    out = {}
    for area, metric, values in rows.iter_rows():
        if len(values) > 1:
            p10, _p50, p90 = quantiles_by_date(np.asarray([values], dtype=float))
            out[(str(area), str(metric))] = (float(p10[0]), float(p90[0]))
    return out


def _read_calibration(path: Path) -> list[dict[str, str]] | None:
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return [dict(row) for row in csv.DictReader(f)]
    except (OSError, ValueError, csv.Error) as e:  # UnicodeDecodeError is a ValueError
        raise damaged(
            path, _("cannot read {name} ({reason})").format(name="calibration.csv", reason=short_reason(e))
        ) from None


def _read_table(path: Path) -> pl.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pl.read_parquet(path)
    except Exception as e:  # truncated or foreign file
        raise damaged(
            path, _("cannot read {name} ({reason})").format(name=path.name, reason=short_reason(e))
        ) from None


def _read_decisions(path: Path) -> pl.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return read_decisions(path)
    except Exception as e:  # truncated or foreign file
        raise damaged(
            path, _("cannot read {name} ({reason})").format(name=path.name, reason=short_reason(e))
        ) from None


def _read_draws(path: Path) -> pl.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pl.read_csv(path, schema_overrides={"path": pl.Utf8, "factor": pl.Float64})
    except Exception as e:  # truncated or foreign file
        raise damaged(
            path, _("cannot read {name} ({reason})").format(name=path.name, reason=short_reason(e))
        ) from None


def _description(result_dir: Path, scenario_file: object) -> tuple[str | None, str | None]:
    """The scenario file's `description`, if the file can still be found and has one (else None)."""
    if not isinstance(scenario_file, str) or not scenario_file:
        return None, None
    p = Path(scenario_file)
    candidates = (
        [p]
        if p.is_absolute()
        else [Path.cwd() / p, result_dir / p, result_dir.parent / p, result_dir.parent.parent / p]
    )
    for c in candidates:
        try:
            if not c.is_file():
                continue
            data = tomllib.loads(c.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        desc = data.get("description")
        if isinstance(desc, str) and desc.strip():
            return desc.strip(), scenario_file
        return None, None
    return None, None


def _file_info(path: Path) -> tuple[str, int, str]:
    try:
        return path.name, path.stat().st_size, file_sha256(path)[:12]
    except OSError as e:
        raise damaged(
            path, _("cannot read {name} ({reason})").format(name=path.name, reason=e.strerror or e)
        ) from None


# Summary fields the report walks into (optional, may be null; another type is damage). Scalars such as
# `scenario` or `seed` are only printed, so any JSON value will do for them.
_SUMMARY_TYPES: dict[str, type | tuple[type, ...]] = {
    "kpis": (dict, type(None)),
    "horizon": (dict, type(None)),
    "data_sources": (list, type(None)),
    "sites_5g_end": (dict, type(None)),
}


def load_run(result_dir: Path) -> RunData:
    result_dir = Path(result_dir)
    if not result_dir.is_dir():
        raise DxsimInputError(_("not a result directory (run `dxsim run` first)"), file=result_dir)
    spath = result_dir / "summary.json"
    if not spath.is_file():
        raise DxsimInputError(
            # worded as `dxsim map` words a folder that is no run's (the report needs summary.json itself)
            not_a_run_reason(result_dir) or _("not a dxsim result folder: it has no summary.json"),
            file=result_dir,
            allowed=_("a folder written by `dxsim run SCENARIO --out DIR` (default outputs/<name>/)"),
        )
    try:
        summary = json.loads(spath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise damaged(
            spath,
            _("cannot read {name} as JSON ({reason})").format(name="summary.json", reason=short_reason(e)),
        ) from None
    if not isinstance(summary, dict) or not isinstance(summary.get("kpis", {}), dict):
        raise damaged(spath, _("summary.json is not a dxsim summary (no 'kpis' table)"))
    bad = [k for k, kind in _SUMMARY_TYPES.items() if k in summary and not isinstance(summary[k], kind)]
    if bad:
        raise damaged(spath, _("summary.json has a malformed {field}").format(field=repr(bad[0])))
    mpath = result_dir / "metrics.parquet"
    if not mpath.is_file():
        raise damaged(mpath, _("{name} is missing").format(name="metrics.parquet"))
    series, n_reps = _read_metrics(mpath)
    try:
        n_reps = int(summary.get("reps", n_reps) or n_reps)
    except (TypeError, ValueError):
        pass
    desc, desc_from = _description(result_dir, summary.get("scenario_file"))
    files = [_file_info(result_dir / n) for n in INPUT_FILES if (result_dir / n).is_file()]
    return RunData(
        result_dir=result_dir,
        summary=summary,
        n_reps=n_reps,
        series=series,
        calibration=_read_calibration(result_dir / "calibration.csv"),
        villages=_read_table(result_dir / "villages.parquet"),
        datacentres=_read_table(result_dir / "datacentres.parquet"),
        has_map=(result_dir / "map.html").is_file(),
        description=desc,
        description_from=desc_from,
        files=files,
        bottlenecks=_read_bottlenecks(mpath),
        served_rate_mbps=served_rate_mbps(result_dir),
        plans=_read_table(result_dir / "plans.parquet"),
        decisions=_read_decisions(result_dir / "support_decisions.csv"),
        provinces=_read_provinces(result_dir, mpath),
        draws=_read_draws(result_dir / "uncertainty_draws.csv"),
    )


def as_float(v: str | None) -> float:
    """A CSV cell as a float (NaN when empty or not a number)."""
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan
