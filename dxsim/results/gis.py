"""GIS-ready outputs of a run: one GeoPackage (`results.gpkg`) and GeoParquet copies of the spatial tables.

Read from the run's own result tables only (never the model), written with geopandas/pyogrio:

- `results.gpkg` layers, all in EPSG:4326:
  `provinces` (boundaries from provinces.geojson plus, per year end, the P50 over replications of every
  metric the run reports per province, as `<metric>_<year>`, e.g. `stations_5g_2026`,
  `pop_covered_5g_pct_2026`; levels at the year end, flows such as `capex_vnd_bn` summed over the year,
  see dxsim.results.run_files; a horizon ending mid-year adds `<metric>_<year>_<mm>`; `synthetic` as the grid's:
  the boundaries are real, the stations and coverage per province come from the run's site layer),
  `villages` and `datacentres` (points, when the run models them), `sites_5g` (points, replication 0's
  stations on air at the end), `grid_5km` (the 5 km squares as polygons: built in the metric CRS the grid
  was aggregated in, EPSG:3405 VN-2000 / UTM 48N, then reprojected; `synthetic` as grid_5km.parquet has it:
  true when the run's site layer holds generated sites, as its site counts and coverage then do).
- The same layers as GeoParquet (`<layer>.geo.parquet`, GeoParquet 1.1 `geo` metadata, WKB geometry), so
  the plain `*.parquet` tables that the map and report read keep their schema.

Distances in the tables (`radius_m`, `grid_distance_km`, ...) were computed by the model in the metric
CRS; the exports only carry them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.geo.projection import GEOGRAPHIC_EPSG, PROJECTED_EPSG, to_lonlat
from dxsim.i18n import gettext as _
from dxsim.results.metrics import metric_unit
from dxsim.results.run_files import (
    metric_order,
    period_tag,
    THREE_STATES_NOTE,
    province_year_table,
    read_provinces,
    read_table,
    scan_metrics,
)
from dxsim.results.writer import FILE_STAMP, atomic_file

GPKG_NAME = "results.gpkg"
GPKG_VERSION = (
    "1.3"  # GDAL < 3.7 (Debian 12's 3.6, older QGIS) warns that 1.4 "may only be partially supported"
)
GEOPARQUET_SUFFIX = ".geo.parquet"
CRS = f"EPSG:{GEOGRAPHIC_EPSG}"
GRID_METRIC_CRS = (
    f"EPSG:{PROJECTED_EPSG}"  # VN-2000 / UTM zone 48N: dxsim.results.geo_tables aggregates in it
)
_GRID_CHECK_DEG = 1e-6  # grid centres' stored lon/lat must match x_m/y_m reprojected to this precision

# point tables: file, required columns
POINT_TABLES = {
    "villages": ("villages.parquet", ("village_id", "lon", "lat")),
    "sites_5g": ("sites_5g.parquet", ("lon", "lat", "gso34")),
    "datacentres": ("datacentres.parquet", ("dc_id", "lon", "lat")),
}
GRID_COLUMNS = ("lon", "lat", "x_m", "y_m", "size_km")
# the units of metrics that count whole things (stored as integers in the GIS layers)
COUNT_UNITS = frozenset({"stations", "sites", "villages", "GPUs", "racks", "jobs"})
# the point and grid layers' columns that count whole things (the tables keep them as floats)
COUNT_COLUMNS = frozenset(
    {"racks_design", "start_racks", "racks_end", "gpus_end", "sites_4g", "sites_5g_end"}
)


def _counts_as_integers(df: pl.DataFrame) -> pl.DataFrame:
    """COUNT_COLUMNS whose values are all whole, as integers: QGIS labels "1,300", not "1300.0", and a GIS field of
    racks or sites reads as a count (README trial, 2026-12-07: racks, GPUs and sites were Real fields). A column with a
    fraction (a model change) stays as it is rather than being rounded."""
    whole = [
        c
        for c in df.columns
        if c in COUNT_COLUMNS
        and df[c].dtype.is_float()
        and bool(((df[c] - df[c].round(0)).abs().fill_null(0.0) < 1e-9).all())
    ]
    return df.with_columns(pl.col(c).cast(pl.Int64) for c in whole)


def _geoframe(df: pl.DataFrame, geometry: Any, crs: str) -> Any:
    """GeoDataFrame keeping Arrow types (dates stay dates, nullable ints stay ints) for GPKG and Parquet."""
    import geopandas as gpd

    return gpd.GeoDataFrame(df.to_pandas(use_pyarrow_extension_array=True), geometry=geometry, crs=crs)


def province_layer(result_dir: Path) -> Any:
    """Province polygons with `<metric>_<period>` columns (P50 over replications) from metrics.parquet."""
    from shapely.geometry import MultiPolygon

    provinces = read_provinces(result_dir)
    # one geometry type per layer (GIS tools expect it; the GPKG driver would promote anyway)
    provinces = provinces.set_geometry(
        [MultiPolygon([g]) if g is not None and g.geom_type == "Polygon" else g for g in provinces.geometry],
        crs=provinces.crs,
    )
    table = province_year_table(scan_metrics(result_dir))
    if table.is_empty():
        return provinces
    order = {m: i for i, m in enumerate(metric_order(table["metric"].unique().to_list()))}
    table = table.with_columns(
        (pl.col("metric") + "_" + pl.col("date").map_elements(period_tag, return_dtype=pl.String)).alias(
            "column"
        ),
        pl.col("metric").replace_strict(order, return_dtype=pl.Int64).alias("_order"),
    ).sort("_order", "date")
    columns = list(dict.fromkeys(table["column"].to_list()))
    wide = table.pivot(on="column", index="area", values="value").select("area", *columns)
    # counts as integers (QGIS labels "12,345", not "12345.0"): a P50 is one run's value, so a count's is whole
    metric_of = dict(table.select("column", "metric").unique().iter_rows())
    counts = [c for c in columns if metric_unit(metric_of[c]) in COUNT_UNITS]
    whole = (
        wide.select(  # one query for all count columns (a query each was ~600 small ones, ~60 ms)
            ((pl.col(c) - pl.col(c).round(0)).abs().fill_null(0.0) < 1e-9).all().alias(c) for c in counts
        ).row(0, named=True)
        if counts
        else {}
    )
    wide = wide.with_columns(pl.col(c).cast(pl.Int64) for c in counts if whole[c])
    unknown = sorted(set(wide["area"].to_list()) - set(provinces["gso34"]))
    if unknown:
        raise DxsimInputError(
            _("province code not in provinces.geojson"),
            file=Path(result_dir) / "metrics.parquet",
            field="area",
            value=unknown[0],
            allowed=_("VN or a gso34 code of provinces.geojson"),
        )
    kpis = wide.to_pandas(use_pyarrow_extension_array=True).rename(columns={"area": "gso34"})
    geometry = provinces.geometry.name
    merged = provinces.merge(kpis, on="gso34", how="left")
    return merged[[c for c in merged.columns if c != geometry] + [geometry]]


def point_layer(result_dir: Path, layer: str) -> Any | None:
    """Points from a table's lon/lat (None when the run did not write the table)."""
    import geopandas as gpd

    name, cols = POINT_TABLES[layer]
    df = read_table(result_dir, name, cols, required=(layer == "sites_5g"))
    if df is None:
        return None
    return _geoframe(
        _counts_as_integers(df), gpd.points_from_xy(df["lon"].to_numpy(), df["lat"].to_numpy()), CRS
    )


def grid_layer(result_dir: Path) -> Any:
    """5 km squares as polygons: corners in the metric CRS, reprojected to EPSG:4326; the table's columns, its
    `synthetic` flag (runner.simulate) among them, carried as they are."""
    import shapely

    df = read_table(result_dir, "grid_5km.parquet", GRID_COLUMNS)
    assert df is not None  # required
    x, y = df["x_m"].to_numpy(), df["y_m"].to_numpy()
    lon, lat = to_lonlat(x, y)
    err = max(
        float(np.max(np.abs(lon - df["lon"].to_numpy()), initial=0.0)),
        float(np.max(np.abs(lat - df["lat"].to_numpy()), initial=0.0)),
    )
    if not err <= _GRID_CHECK_DEG:
        raise DxsimInputError(
            _("grid centres do not match x_m/y_m in {crs} (off by {err} degrees)").format(
                crs=GRID_METRIC_CRS, err=format(err, ".3g")
            ),
            file=Path(result_dir) / "grid_5km.parquet",
            field="lon",
            allowed=_("lon/lat = x_m/y_m reprojected from {crs}").format(crs=GRID_METRIC_CRS),
        )
    half = df["size_km"].to_numpy() * 500.0
    # each square's corners in shapely.box's order (counter-clockwise from the lower right, the ring closed),
    # reprojected through dxsim.geo.projection like every other layer: the same coordinates as
    # GeoDataFrame.to_crs of the boxes, bit for bit, in a tenth of the time
    corner_x = np.stack([x + half, x + half, x - half, x - half, x + half], axis=1)
    corner_y = np.stack([y - half, y + half, y + half, y - half, y - half], axis=1)
    corner_lon, corner_lat = to_lonlat(corner_x.ravel(), corner_y.ravel())
    squares = shapely.polygons(np.stack([corner_lon, corner_lat], axis=1).reshape(-1, 5, 2))
    return _geoframe(_counts_as_integers(df), squares, CRS)


def gis_layers(result_dir: Path) -> dict[str, Any]:
    """Layer name -> GeoDataFrame in EPSG:4326, in the order they are written (absent tables skipped)."""
    result_dir = Path(result_dir)
    if not result_dir.is_dir():
        raise DxsimInputError(_("not a result directory (run `dxsim run` first)"), file=result_dir)
    layers: dict[str, Any] = {"provinces": province_layer(result_dir)}
    for name in ("villages", "datacentres", "sites_5g"):
        gdf = point_layer(result_dir, name)
        if gdf is not None:
            layers[name] = gdf
    layers["grid_5km"] = grid = grid_layer(result_dir)
    if "synthetic" in grid.columns:  # the provinces' station and coverage figures come from the same sites
        provinces = layers["provinces"]
        provinces.insert(len(provinces.columns) - 1, "synthetic", bool(grid["synthetic"].any()))
    return layers


def layer_descriptions(result_dir: Path, names: list[str]) -> dict[str, str]:
    """Each layer's description in the GeoPackage (gpkg_contents.description: QGIS shows it under the layer's
    properties): which replication it shows. Why: a run of several replications gave a `provinces` layer of P50s
    (Hà Nội 6,046 stations in 2030) beside a `sites_5g` layer of replication 0 (5,911 points there), unmarked."""
    n = int(scan_metrics(result_dir).select(pl.col("replication").n_unique()).collect().item())
    out = {}
    for name in names:
        if name == "provinces":
            out[name] = (
                _(
                    "Provinces; <metric>_<year> columns: the year-end level (a flow: the year's sum), each column "
                    "the P50 over {n} replications on its own, so the columns need not add up to each other nor to "
                    "the other layers, which show replication 0"
                ).format(n=n)
                + ". "
                + _(THREE_STATES_NOTE)
                if n > 1
                else _("Provinces; <metric>_<year> columns: the year-end level (a flow: the year's sum)")
            )
        else:
            out[name] = (
                _("Replication 0 of {n} (the one the map draws); the provinces layer holds P50s").format(n=n)
                if n > 1
                else _("The run's one replication")
            )
    return out


# SQLite settings while the temporary GeoPackage is written: no per-commit fsync (about a third of the time; it
# protects nothing here: the file is a temporary one that `atomic_file` renames only once it is complete) and the
# rollback journal in memory (no `-journal` file a killed writer leaves in the run's folder). Not no journal at all:
# then a write that filled the disk could not be rolled back, GDAL returned from the `sites_5g` layer without an error,
# and the run wrote a GeoPackage of 1 layer of 5 (disk-full trial, 2026-12-06); with the journal in memory it says
# "database or disk is full".
# The layers' `last_change` is FILE_STAMP, not the clock (GDAL's OGR_CURRENT_DATE), so a re-run writes the same bytes.
_GPKG_WRITING = {
    "OGR_SQLITE_SYNCHRONOUS": "OFF",
    "OGR_SQLITE_JOURNAL": "MEMORY",
    "OGR_CURRENT_DATE": FILE_STAMP.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
}


def _write_gpkg(layers: dict[str, Any], path: Path, descriptions: dict[str, str] | None = None) -> None:
    """All layers into one GeoPackage, written with :data:`_GPKG_WRITING` (restored after)."""
    import pyogrio

    saved = {k: pyogrio.get_gdal_config_option(k) for k in _GPKG_WRITING}
    pyogrio.set_gdal_config_options(_GPKG_WRITING)
    try:
        _write_layers(layers, path, descriptions or {})
    finally:
        pyogrio.set_gdal_config_options(saved)
    check_gpkg(path, {name: len(gdf) for name, gdf in layers.items()})


def check_gpkg(path: Path, expected: dict[str, int]) -> None:
    """Read the written GeoPackage back: exactly these layers, in this order, with these feature counts; OSError
    (EIO) if not, so the file is never renamed into a run.

    Why: on a full disk GDAL returned from writing `sites_5g` without an error, leaving a damaged database, and the
    next layer's write made a new file of that layer alone: a run exited 0, "wrote", with a results.gpkg of 1 of its
    5 layers in place of a good one (disk-full trial, 2026-12-06)."""
    import pyogrio

    try:
        with _temporary_name_quiet():
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
            counts = {name: int(pyogrio.read_info(path, layer=name)["features"]) for name in names}
    except Exception as e:  # a damaged database: GDAL's own words
        raise OSError(errno.EIO, f"the GeoPackage written cannot be read back ({e})") from None
    if names != list(expected) or counts != expected:
        got = ", ".join(f"{n} {counts[n]}" for n in names) or "none"
        want = ", ".join(f"{n} {c}" for n, c in expected.items())
        raise OSError(errno.EIO, f"the GeoPackage written holds layers {got}, not {want} features")


@contextlib.contextmanager
def _temporary_name_quiet() -> Iterator[None]:
    """GDAL's warnings that the hidden temporary name does not end in .gpkg (the final name does) kept quiet."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*filename extension should be 'gpkg'", category=RuntimeWarning
        )
        warnings.filterwarnings("ignore", message=".*non conformant file extension", category=RuntimeWarning)
        yield


# What GDAL says when SQLite has already rolled a layer's transaction back by itself, as it does on SQLITE_FULL: the
# first error is lost, and the rollback took back the pages that filled the disk
_AUTO_ROLLED_BACK = "cannot rollback - no transaction is active"


def _write_layers(layers: dict[str, Any], path: Path, descriptions: dict[str, str]) -> None:
    with _temporary_name_quiet():
        for name, gdf in layers.items():
            try:
                gdf.to_file(
                    path,
                    layer=name,
                    driver="GPKG",
                    engine="pyogrio",
                    use_arrow=True,
                    dataset_options={"VERSION": GPKG_VERSION},
                    layer_options={"DESCRIPTION": descriptions[name]} if name in descriptions else None,
                )
            except Exception as e:
                if _AUTO_ROLLED_BACK in str(e) and shutil.disk_usage(path.parent).free < 2 * _layer_bytes(
                    gdf
                ):
                    # the free space is back once SQLite rolled back, so the writer's own look finds room (2 runs
                    # of 5 on a 20 MB disk said GDAL's words, disk-full re-trial, 2026-12-06): the layer would not fit
                    raise OSError(errno.ENOSPC, "No space left on device", str(path)) from None
                raise


def _layer_bytes(gdf: Any) -> int:
    """About what a layer takes in a GeoPackage: its attributes in memory and its geometries as WKB."""
    import shapely

    wkb = shapely.to_wkb(np.asarray(gdf.geometry))
    return int(gdf.drop(columns=gdf.geometry.name).memory_usage(deep=True).sum()) + sum(len(b) for b in wkb)


def _to_geoparquet(gdf: Any, tmp: Path | BinaryIO) -> None:
    """One layer as GeoParquet: WKB geometry, no pandas index column."""
    gdf.to_parquet(tmp, index=False, geometry_encoding="WKB")


def _write_geoparquets(result_dir: Path, layers: dict[str, Any]) -> list[Path]:
    return [
        atomic_file(result_dir / f"{name}{GEOPARQUET_SUFFIX}", functools.partial(_to_geoparquet, gdf))
        for name, gdf in layers.items()
    ]


# Where :func:`warm_up` writes its two tiny layers: GDAL's in-memory file system, never the disk
_WARM_PREFIX = "/vsimem/dxsim-warm-up"
_WARM_GEOJSON = (
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"gso34": "01"}, '
    b'"geometry": {"type": "Polygon", "coordinates": [[[105, 21], [106, 21], [106, 22], [105, 21]]]}}]}'
)


def warm_up() -> None:
    """Pay the GIS writers' first-use costs on two tiny layers kept in memory: pyproj's transformer, GDAL's
    GeoPackage and GeoJSON drivers, Arrow's Parquet writer and the Arrow-typed frame conversions.

    Why: the output helper (dxsim.output_helper) writes the GIS layers on the plain run's critical path, and the
    first `write_gis` of a process took ~0.1 s longer than the next (layers 0.27-0.39 s cold against 0.22 s warm,
    the GeoPackage 0.58-0.72 s against 0.50 s). The helper calls this while the replications run, on a core that is
    free then. Nothing is written outside GDAL's memory; what is there is removed."""
    import io

    import geopandas as gpd
    import pyogrio
    import shapely

    lon, lat = to_lonlat(np.array([500_000.0, 510_000.0]), np.array([2_300_000.0, 2_310_000.0]))
    df = pl.DataFrame(
        {"n": [1, 2], "s": ["a", None], "d": [None, dt.date(2025, 1, 1)], "b": [True, False], "x": [0.5, 1.5]}
    )
    # a 0.01-degree square at each point, corners in shapely.box's order as grid_layer builds them
    dx, dy = np.array([1, 1, -1, -1, 1]) * 0.01, np.array([-1, 1, 1, -1, -1]) * 0.01
    rings = np.stack([lon[:, None] + dx, lat[:, None] + dy], axis=2)
    layers = {
        "points": _geoframe(df, gpd.points_from_xy(lon, lat), CRS),
        "squares": _geoframe(df, shapely.polygons(rings), CRS),
    }
    try:
        # one file each: geopandas appends only to a file it sees on disk, which a /vsimem path is not
        for name, gdf in layers.items():
            _write_gpkg({name: gdf}, Path(f"{_WARM_PREFIX}-{name}.gpkg"), {name: name})
            _to_geoparquet(gdf, io.BytesIO())
        # as read_provinces reads provinces.geojson
        gpd.read_file(io.BytesIO(_WARM_GEOJSON), engine="pyogrio")
    finally:
        for name in layers:
            with contextlib.suppress(Exception):
                pyogrio.vsi_unlink(f"{_WARM_PREFIX}-{name}.gpkg")


def write_gis(result_dir: Path) -> list[Path]:
    """Write results.gpkg and one `<layer>.geo.parquet` per layer into `result_dir`; return their paths.

    One thread: the GeoParquet copies written on a second thread beside the GeoPackage made the whole plain
    `dxsim run` ~0.2 s slower, not faster (paired runs, 7 of 8 and 7 of 10 pairs): both writers convert the layers in
    Python under the GIL, and the run's main process writes the workbook on the other core meanwhile.
    """
    result_dir = Path(result_dir)
    layers = gis_layers(result_dir)
    about = layer_descriptions(result_dir, list(layers))
    return [
        atomic_file(result_dir / GPKG_NAME, lambda tmp: _write_gpkg(layers, tmp, about)),
        *_write_geoparquets(result_dir, layers),
    ]
