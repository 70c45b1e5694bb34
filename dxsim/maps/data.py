"""Read a run's output directory for the map: nothing else (no model internals).

Each table is read lazily, once, from the files `dxsim run` writes (see README "Outputs"):
`summary.json`, `metrics.parquet`, `provinces.geojson`, `grid_5km.parquet`, `sites_5g.parquet`,
`villages.parquet` (or `villages.geojson`), `datacentres.parquet`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
import tomllib
import unicodedata
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.i18n import gettext as _
from dxsim.results.run_files import province_levels_p50
from dxsim.results.writer import not_a_run_reason


def fold_name(text: str) -> str:
    """A province's name or code as the map compares them (the page's DX.fold does the same): no diacritics, đ as d,
    lower case, every run of other characters one space ("Tuyên Quang", "tuyen-quang" and "TUYEN QUANG" agree)."""
    s = unicodedata.normalize("NFD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "d").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s).split())


def province_code(out: RunOutputs, text: str) -> str:
    """The gso34 code of the run's province named `text` (its code, or its name with or without diacritics); an
    unknown one is refused in one line, with the nearest name when there is one."""
    feats = [f["properties"] for f in out.provinces["features"]]
    want = fold_name(text)
    for p in feats:
        if want and want in (fold_name(p["code"]), fold_name(p["name34"]), fold_name(p["name_ascii"])):
            return str(p["code"])
    names = {fold_name(p["name34"]): p["name34"] for p in feats}
    near = difflib.get_close_matches(want, list(names), n=1, cutoff=0.8)
    raise DxsimInputError(
        _("unknown province")
        + ("; " + _("did you mean {name}?").format(name=repr(names[near[0]])) if near else ""),
        field="--province",
        value=text,
        allowed=_("a gso34 code of the 34 provinces (01, 04, 08, ...) or a province's name"),
    )


# --------------------------------------------------------------------------- the files
FILES = {
    "summary": "summary.json",
    "metrics": "metrics.parquet",
    "provinces": "provinces.geojson",
    "grid": "grid_5km.parquet",
    "sites": "sites_5g.parquet",
    "villages": "villages.parquet",
    "datacentres": "datacentres.parquet",
}


_FIT_DEGREE = 5

# Columns the map reads from a table; a table without them is damaged (other columns are optional).
REQUIRED_COLUMNS = {
    "metrics": ("date", "replication", "area", "metric", "value"),
    "grid": ("lon", "lat", "pop"),
}
# Per-province metrics the map reads (the P50 over replications, as the workbook and results.gpkg). The served shares
# exist only when the run modelled capacity (issue 12: served + capacity-short + uncovered = 100).
SERVED_5G_METRICS = ("pop_5g_served_pct", "pop_5g_capacity_short_pct", "pop_5g_uncovered_pct")
PROVINCE_METRICS = ("pop_covered_5g_pct", "stations_5g", *SERVED_5G_METRICS)
# 5 km grid columns of the served / capacity-short split at the horizon end (persons; absent without capacity)
GRID_SERVED_5G = ("pop_5g_served_end", "pop_5g_capacity_short_end")


def coverage_dates(dates: list[dt.date]) -> list[tuple[dt.date, str]]:
    """The start, each December month end, and the horizon end (deduplicated, in order)."""
    if not dates:
        return []
    dates = sorted(set(dates))
    start, end = dates[0], dates[-1]
    chosen = {start: "start", end: "end"}
    for d in dates:
        if d.month == 12 and d not in chosen:
            chosen[d] = ""
    return [(d, chosen[d]) for d in sorted(chosen)]


def short_reason(exc: BaseException) -> str:
    """The first line of an exception's message, short enough for a one-line error."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."


def damaged(path: Path, what: str) -> DxsimInputError:
    """One line naming the damaged file, what is wrong with it and what to do."""
    return DxsimInputError(
        _(
            "{what}; the result folder is damaged: run the scenario again into a new folder (`dxsim run SCENARIO "
            "--out NEW_DIR`; dxsim does not replace a folder whose files changed after it wrote them)"
        ).format(what=what),
        file=path,
    )


def served_rate_mbps(result_dir: Path) -> float | None:
    """The run's `capacity.served_rate_mbps` from its scenario.resolved.toml, to name the served rate in legends
    and captions; None when the file, the section or the value is missing or capacity was off (text only)."""
    p = Path(result_dir) / "scenario.resolved.toml"
    try:
        cap = tomllib.loads(p.read_text(encoding="utf-8")).get("capacity")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(cap, dict) or cap.get("enabled") is False:
        return None
    v = cap.get("served_rate_mbps")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _round_coords(coords: Any, nd: int) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), nd)
    return [_round_coords(c, nd) for c in coords]


class RunOutputs:
    """Lazy, read-only view of one result directory."""

    def __init__(self, result_dir: Path) -> None:
        self.dir = Path(result_dir)
        if not self.dir.is_dir():
            raise DxsimInputError(_("not a result directory (run `dxsim run` first)"), file=self.dir)
        if not any(self.path(k).exists() for k in FILES) and not (self.dir / "villages.geojson").exists():
            raise DxsimInputError(
                not_a_run_reason(self.dir)
                or _("not a dxsim result folder: it holds none of {files}").format(
                    files=", ".join(FILES.values())
                ),
                file=self.dir,
                allowed=_("a folder written by `dxsim run SCENARIO --out DIR` (default outputs/<name>/)"),
            )

    def path(self, key: str) -> Path:
        return self.dir / FILES[key]

    def has(self, key: str) -> bool:
        if key == "villages":
            return self.path("villages").exists() or (self.dir / "villages.geojson").exists()
        return self.path(key).exists()

    def _need(self, key: str) -> Path:
        p = self.path(key)
        if not p.exists():
            raise DxsimInputError(
                _("missing {name} (written by `dxsim run`)").format(name=FILES[key]), file=p
            )
        if not p.is_file():
            raise damaged(p, _("{name} is not a file").format(name=p.name))
        return p

    def _table(self, key: str) -> pl.DataFrame:
        """A Parquet table of the folder, read in full and checked for the columns the map uses."""
        p = self._need(key)
        try:
            df = pl.read_parquet(p)
        except Exception as exc:  # a truncated or foreign file raises polars/OS errors
            raise damaged(
                p, _("cannot read {name} ({reason})").format(name=p.name, reason=short_reason(exc))
            ) from None
        missing = [c for c in REQUIRED_COLUMNS.get(key, ()) if c not in df.columns]
        if missing:
            raise damaged(
                p, _("{name} lacks the column(s) {columns}").format(name=p.name, columns=", ".join(missing))
            )
        return df

    def _json(self, p: Path) -> Any:
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise damaged(
                p, _("cannot read {name} as JSON ({reason})").format(name=p.name, reason=short_reason(exc))
            ) from None

    # ------------------------------------------------------------------ summary
    @cached_property
    def summary(self) -> dict[str, Any]:
        p = self.path("summary")
        if not p.exists():
            return {}
        obj = self._json(p)
        if not isinstance(obj, dict):
            raise damaged(p, _("{name} is not a dxsim summary (not a JSON object)").format(name=p.name))
        return obj

    # ------------------------------------------------------------------ provinces
    @cached_property
    def provinces(self) -> dict[str, Any]:
        """FeatureCollection with coordinates rounded to 4 decimals (~11 m) and slim properties:
        `code` (gso34), `name34`, `name_ascii`. Very detailed boundaries are simplified."""
        p = self._need("provinces")
        gj = self._json(p)
        features = gj.get("features") if isinstance(gj, dict) else None
        if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
            raise damaged(p, _("{name} is not a GeoJSON FeatureCollection").format(name=p.name))
        try:
            if p.stat().st_size > 2_500_000:  # a planner's detailed boundaries: simplify (~200 m)
                import shapely
                from shapely.geometry import mapping, shape

                for f in features:
                    g = shapely.simplify(shape(f["geometry"]), 0.002, preserve_topology=True)
                    f["geometry"] = mapping(g)
            feats = []
            for f in features:
                props = f.get("properties") or {}
                geom = f.get("geometry")
                if not geom:
                    continue
                feats.append(
                    {
                        "type": "Feature",
                        "geometry": {
                            "type": geom["type"],
                            "coordinates": _round_coords(geom["coordinates"], 4),
                        },
                        "properties": {
                            "code": str(props.get("gso34", "")),
                            "name34": str(props.get("name34") or ""),
                            "name_ascii": str(props.get("name_ascii") or ""),
                            "former": str(props.get("former") or ""),
                        },
                    }
                )
        except Exception as exc:  # malformed geometry of any kind
            raise damaged(
                p,
                _("{name} holds a malformed feature ({reason})").format(
                    name=p.name, reason=short_reason(exc)
                ),
            ) from None
        return {"type": "FeatureCollection", "features": feats}

    def bounds(self) -> list[list[float]] | None:
        """[[south, west], [north, east]] of the provinces."""
        xs: list[float] = []
        ys: list[float] = []

        def walk(c: Any) -> None:
            if c and isinstance(c[0], (int, float)):
                xs.append(c[0])
                ys.append(c[1])
            else:
                for cc in c:
                    walk(cc)

        for f in self.provinces["features"]:
            walk(f["geometry"]["coordinates"])
        if not xs:
            return None
        return [[min(ys), min(xs)], [max(ys), max(xs)]]

    # ------------------------------------------------------------------ metrics
    @cached_property
    def province_metrics(self) -> pl.DataFrame:
        """Provinces only, at the dates the map draws (the start, each December, the end): date, area and one column
        per PROVINCE_METRICS (null when the run has no such metric, e.g. the served shares of a run without the
        capacity model), each the P50 over replications of `results.run_files.province_levels_p50`, the figure the
        workbook and results.gpkg give for the same province and year end."""
        p = self._need("metrics")
        empty = pl.DataFrame(
            schema={"date": pl.Date, "area": pl.Utf8, **dict.fromkeys(PROVINCE_METRICS, pl.Float64)}
        )
        try:  # lazily: a run of many replications has a large table, the map needs a few dates of a few metrics
            m = pl.scan_parquet(p)
            missing = [c for c in REQUIRED_COLUMNS["metrics"] if c not in m.collect_schema().names()]
            if missing:
                raise damaged(
                    p,
                    _("{name} lacks the column(s) {columns}").format(name=p.name, columns=", ".join(missing)),
                )
            wanted = [*PROVINCE_METRICS, "pop_mbb_uncovered_pct"]  # the P50s need each state's covered share
            prov = m.filter((pl.col("area") != "VN") & pl.col("metric").is_in(wanted))
            dates = prov.select(pl.col("date").unique().sort()).collect()["date"].to_list()
            if not dates:
                return empty
            df = province_levels_p50(prov, [d for d, _tag in coverage_dates(dates)]).filter(
                pl.col("metric").is_in(list(PROVINCE_METRICS))
            )
            if df.is_empty():
                return empty
            wide = df.pivot(on="metric", index=["date", "area"], values="value", aggregate_function="first")
            for col in PROVINCE_METRICS:
                if col not in wide.columns:
                    wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
            return wide.with_columns(pl.col("date").cast(pl.Date)).sort("date", "area")
        except DxsimInputError:
            raise
        except Exception as exc:  # truncated file, wrong column types
            raise damaged(
                p, _("cannot read {name} ({reason})").format(name=p.name, reason=short_reason(exc))
            ) from None

    # ------------------------------------------------------------------ 5 km grid
    @cached_property
    def grid(self) -> pl.DataFrame:
        return self._table("grid")

    def has_served_grid(self) -> bool:
        """Whether the 5 km grid carries the 5G served / capacity-short split (runs with the capacity model)."""
        return self.has("grid") and all(c in self.grid.columns for c in GRID_SERVED_5G)

    @cached_property
    def served_rate_mbps(self) -> float | None:
        return served_rate_mbps(self.dir)

    def grid_corners(self) -> np.ndarray:
        """(n, 4, 2) lat/lon of each square's corners (computed once; read-only, see _grid_corners)."""
        return self._grid_corners

    @cached_property
    def _grid_corners(self) -> np.ndarray:
        """(n, 4, 2) lat/lon of each square's corners (SW, SE, NE, NW in the metric grid).

        The squares are square in the file's metric coordinates (x_m, y_m), not in lon/lat. The map
        needs no CRS name: a degree-5 polynomial (x, y) -> (lon, lat) fitted on the squares' own centres
        maps the corners (residual ~1 m over Vietnam), so neighbouring squares share corners and tile
        without gaps. Too few squares or a poor fit fall back to lon/lat rectangles of the same size.
        """
        g = self.grid
        lon, lat = g["lon"].to_numpy(), g["lat"].to_numpy()
        size = g["size_km"].to_numpy() * 1000.0 if "size_km" in g.columns else np.full(g.height, 5000.0)
        half = size / 2.0
        dx = np.array([-1, 1, 1, -1])[None, :] * half[:, None]
        dy = np.array([-1, -1, 1, 1])[None, :] * half[:, None]
        out = np.empty((g.height, 4, 2))
        if {"x_m", "y_m"} <= set(g.columns) and g.height >= 60:
            x, y = g["x_m"].to_numpy(), g["y_m"].to_numpy()
            x0, y0, s = x.mean(), y.mean(), max(float(np.ptp(x)), float(np.ptp(y)), 1.0)

            def design(xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
                u, v = (xx - x0) / s, (yy - y0) / s
                return np.stack(
                    [u**i * v**j for i in range(_FIT_DEGREE + 1) for j in range(_FIT_DEGREE + 1 - i)], axis=-1
                )

            a = design(x, y)
            c_lon, *_ = np.linalg.lstsq(a, lon, rcond=None)
            c_lat, *_ = np.linalg.lstsq(a, lat, rcond=None)
            res_m = max(
                float(np.abs(a @ c_lon - lon).max()) * 111_320.0,
                float(np.abs(a @ c_lat - lat).max()) * 110_574.0,
            )
            if res_m < 50.0:
                ac = design(x[:, None] + dx, y[:, None] + dy)
                # corner = the square's own centre + the fitted offset (exact at the centre)
                out[:, :, 1] = lon[:, None] + (ac @ c_lon - (a @ c_lon)[:, None])
                out[:, :, 0] = lat[:, None] + (ac @ c_lat - (a @ c_lat)[:, None])
                return out
        out[:, :, 1] = lon[:, None] + dx / (111_320.0 * np.cos(np.radians(lat))[:, None])
        out[:, :, 0] = lat[:, None] + dy / 110_574.0
        return out

    # ------------------------------------------------------------------ villages / data centres
    @cached_property
    def villages(self) -> pl.DataFrame:
        p = self.path("villages")
        if p.exists():
            return self._table("villages")
        gj_path = self.dir / "villages.geojson"
        if not gj_path.exists():
            raise DxsimInputError(
                _("missing {name} (written by `dxsim run`)").format(name="villages.parquet"), file=p
            )
        gj = self._json(gj_path)
        try:
            feats = gj["features"]
            rows = [dict(f.get("properties") or {}) for f in feats]
            for r, f in zip(rows, feats):
                if "lon" not in r and f.get("geometry"):
                    r["lon"], r["lat"] = f["geometry"]["coordinates"][:2]
            return pl.DataFrame(rows, infer_schema_length=None)
        except Exception as exc:  # not a FeatureCollection of points
            raise damaged(
                gj_path,
                _("{name} is not a GeoJSON FeatureCollection of villages ({reason})").format(
                    name=gj_path.name, reason=short_reason(exc)
                ),
            ) from None

    @cached_property
    def datacentres(self) -> pl.DataFrame:
        return self._table("datacentres")

    @cached_property
    def sites_planner(self) -> bool:
        """Whether some 5G site of the run is a planner's (a site file's row, `synthetic` false)."""
        p = self.path("sites")
        if not p.exists() or self.sites_synthetic is None:
            return False
        s = pl.scan_parquet(p)
        return bool(s.select((~pl.col("synthetic")).any()).collect().item())

    @cached_property
    def sites_synthetic(self) -> bool | None:
        """Whether the 5G site layer is synthetic (None when sites_5g.parquet is absent)."""
        p = self.path("sites")
        if not p.exists():
            return None
        try:
            s = pl.scan_parquet(p)
            if "synthetic" not in s.collect_schema().names():
                return None
            return bool(s.select(pl.col("synthetic").any()).collect().item())
        except Exception as exc:  # truncated file, wrong column type
            raise damaged(
                p, _("cannot read {name} ({reason})").format(name=p.name, reason=short_reason(exc))
            ) from None
