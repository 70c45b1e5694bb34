"""Build the compact, cached geodata inputs of the model from the raw files.

The raw files stay outside the repo; this turns them into a few Parquet tables in
``cache_dir()/geo-<digest>/``. The digest is the sha256 of the raw inputs used, the
fact tables in ``geodata/`` and :data:`PIPELINE_VERSION`, so a cache directory is
never stale: when any input changes, a new one is built (atomically: temp dir, then
rename) and the old ones are pruned.

Density classes follow the UN / Eurostat Degree of Urbanisation (DEGURBA) grid-cell
thresholds: 1,500 people/km² for urban-centre cells and 300 people/km² for
urban-cluster cells (Eurostat, "Applying the Degree of Urbanisation", 2021 manual,
endorsed by the UN Statistical Commission in 2020). Only the per-cell density rule is
applied; the contiguity and cluster-size rules (50,000 / 5,000 people) are not.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError, OutputError, RawDataError, says_disk_full
from dxsim.geo import raw
from dxsim.geo.projection import PROJECTED_EPSG, to_projected
from dxsim.i18n import gettext as _
from dxsim.paths import cache_dir as default_cache_dir
from dxsim.paths import fact_table, raw_data_dir

PIPELINE_VERSION = "geo-4"  # bump when the build logic changes: it keys the cache

NATIONAL_POPULATION_BASE = 101_300_000
NATIONAL_POPULATION_BASE_YEAR = 2024
NATIONAL_POPULATION_SOURCE = (
    "GSO, 'Socio-economic situation in the fourth quarter and 2024' (2025-01-06): "
    "average population 2024 estimated at 101.3 million"
)

CENSUS_SOURCE = (
    "GSO 2019 Population and Housing Census (raw population/vn_provinces63_population.csv, pop2019)"
)

URBAN_MIN_DENSITY_PER_KM2 = 1500.0  # DEGURBA urban-centre cell threshold
SUBURBAN_MIN_DENSITY_PER_KM2 = 300.0  # DEGURBA urban-cluster cell threshold
DENSITY_URBAN, DENSITY_SUBURBAN, DENSITY_RURAL = 0, 1, 2

SIMPLIFY_TOLERANCE_DEG = 0.005
M_PER_DEG_LON_EQUATOR = 111_320.0
M_PER_DEG_LAT = 110_574.0

# Polygons used to assign cells to provinces and stored as province geometry. geoBoundaries is
# public domain but coarse: it puts ~4 % of commune centroids (~5 M people) in a neighbouring
# province; ODV puts 99.94 % of them in their own province, so we use ODV (CC BY-SA 4.0:
# attribution "Open Development Vietnam" travels with every output; see geodata/SOURCES.md).
PROVINCE_BOUNDARIES_KEY = "provinces34_odv"
BOUNDARY_KEYS = ("provinces34_geoboundaries", "provinces34_odv")

FACT_TABLES = ("province_regions.csv", "national_facts.csv")
CACHE_PREFIX = "geo-"
TABLES = ("provinces", "province_mapping", "cells", "communes", "country")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_input_keys() -> list[str]:
    """Raw files the build reads: the registry's cache inputs, with the chosen province polygons."""
    keys = [k for k, spec in raw.RAW_FILES.items() if spec.in_cache and k not in BOUNDARY_KEYS]
    return [*keys, PROVINCE_BOUNDARIES_KEY]


def input_hashes(raw_dir: Path) -> dict[str, Any]:
    """sha256 of every raw input and fact table the build reads, plus the combined digest."""
    inputs = {}
    for key in cache_input_keys():
        p = raw.require(key, raw_dir)
        inputs[key] = {"path": raw.RAW_FILES[key].path, "sha256": _sha256(p), "bytes": p.stat().st_size}
    facts = {}
    for name in FACT_TABLES:
        p = fact_table(name)
        if not p.is_file():
            raise DxsimInputError(
                "fact table missing (restore geodata/ in the checkout or reinstall dxsim)", file=p
            )
        facts[f"geodata/{name}"] = _sha256(p)
    blob = json.dumps(
        {"v": PIPELINE_VERSION, "i": {k: v["sha256"] for k, v in inputs.items()}, "f": facts}, sort_keys=True
    )
    return {"inputs": inputs, "fact_tables": facts, "digest": hashlib.sha256(blob.encode()).hexdigest()}


def name_ascii(name: str) -> str:
    """Vietnamese name without diacritics ("Đà Nẵng" -> "Da Nang"), for ASCII-only outputs."""
    name = name.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))


def density_class(density_per_km2: np.ndarray) -> np.ndarray:
    """0 urban (>= 1500/km²), 1 suburban (>= 300/km²), 2 rural: DEGURBA cell thresholds."""
    d = np.asarray(density_per_km2)
    out = np.full(d.shape, DENSITY_RURAL, np.int8)
    out[d >= SUBURBAN_MIN_DENSITY_PER_KM2] = DENSITY_SUBURBAN
    out[d >= URBAN_MIN_DENSITY_PER_KM2] = DENSITY_URBAN
    return out


def _read_fact_regions() -> pl.DataFrame:
    p = fact_table("province_regions.csv")
    df = pl.read_csv(p, infer_schema=False)
    need = {"gso34", "name34", "region6", "region3", "source"}
    if not need <= set(df.columns):
        raise DxsimInputError("fact table lacks columns", file=p, field=str(sorted(need - set(df.columns))))
    return df


# ---------------------------------------------------------------- steps


def _provinces_base(raw_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame, Any]:
    """Mapping table, 34-province attribute table, and the 34 polygons sorted by gso34 (a geopandas
    GeometryArray: untyped)."""
    mapping = raw.read_csv("province_mapping", raw_dir, required=["gso63", "name63", "gso34", "name34"])
    mapping = mapping.select("gso63", "name63", "gso34", "name34").sort("gso63")
    areas = raw.read_csv(
        "provinces34_area_pop",
        raw_dir,
        required=["gso34", "area_km2", "centre_lon", "centre_lat"],
        numeric=["area_km2", "centre_lon", "centre_lat"],
    )
    gdf = raw.read_vector(PROVINCE_BOUNDARIES_KEY, raw_dir, required=["gso34"]).sort_values("gso34")
    regions = _read_fact_regions()

    names = mapping.select("gso34", "name34").unique().sort("gso34")
    codes = names["gso34"].to_list()
    checks = {
        raw.require("province_mapping", raw_dir): names["gso34"].is_unique().all() and len(codes) == 34,
        raw.require("provinces34_area_pop", raw_dir): sorted(areas["gso34"].to_list()) == codes,
        raw.require(PROVINCE_BOUNDARIES_KEY, raw_dir): sorted(gdf["gso34"].tolist()) == codes,
    }
    for path, ok in checks.items():
        if not ok:
            raise RawDataError(
                f"raw file {path} does not hold the 34 gso34 codes of the 63->34 mapping; {raw.HINT}"
            )
    if sorted(regions["gso34"].to_list()) != codes:
        raise DxsimInputError(
            "fact table must list exactly the 34 gso34 codes of the mapping",
            file=fact_table("province_regions.csv"),
        )

    prov = (
        names.join(regions.select("gso34", "region6", "region3"), on="gso34", how="left")
        .join(
            areas.select(
                "gso34",
                "area_km2",
                pl.col("centre_lon").alias("capital_lon"),
                pl.col("centre_lat").alias("capital_lat"),
            ),
            on="gso34",
            how="left",
        )
        .with_columns(pl.col("name34").map_elements(name_ascii, return_dtype=pl.String).alias("name_ascii"))
    )
    return mapping, prov, gdf.geometry.values


def _cells(raw_dir: Path, progress: Callable[[str], None]) -> pl.DataFrame:
    """Populated WorldPop pixels with position, size, scaled population and density class."""
    progress("reading WorldPop 2020 1 km grid")
    r = raw.read_raster("worldpop_2020_1km", raw_dir)
    valid = r.valid_mask() & (r.values > 0)
    rows, cols = np.nonzero(valid)  # row-major: sorted by row then col
    if rows.size == 0:
        raise RawDataError(
            f"raw file {raw.require('worldpop_2020_1km', raw_dir)} has no populated pixels; {raw.HINT}"
        )
    pop_raw = r.values[rows, cols].astype(np.float32)
    lon = r.x0_deg + (cols + 0.5) * r.res_x_deg
    lat = r.y0_deg - (rows + 0.5) * r.res_y_deg
    scale = NATIONAL_POPULATION_BASE / float(pop_raw.sum(dtype=np.float64))
    pop = (pop_raw.astype(np.float64) * scale).astype(np.float32)
    width_m = (r.res_x_deg * M_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat))).astype(np.float32)
    height_m = np.full(lat.shape, r.res_y_deg * M_PER_DEG_LAT, np.float32)
    area_km2 = (width_m * height_m / 1e6).astype(np.float32)
    density = (pop / area_km2).astype(np.float32)

    progress("projecting cells to VN-2000 / UTM 48N")
    x_m, y_m = to_projected(lon, lat)
    return pl.DataFrame(
        {
            "cell_id": np.arange(rows.size, dtype=np.int32),
            "row": rows.astype(np.int32),
            "col": cols.astype(np.int32),
            "lon": lon,
            "lat": lat,
            "x_m": x_m,
            "y_m": y_m,
            "width_m": width_m,
            "height_m": height_m,
            "area_km2": area_km2,
            "pop_worldpop2020": pop_raw,
            "pop": pop,
            "density_per_km2": density,
            "density_class": density_class(density),
        }
    )


def census_people(raw_dir: Path, codes: list[str]) -> np.ndarray:
    """People per 2025 province (in `codes` order) in the 2019 census: the pre-merger provinces' counts summed."""
    census = raw.read_csv(
        "provinces63_population", raw_dir, required=["gso34", "pop2019"], numeric=["pop2019"]
    )
    per = dict(
        census.group_by(pl.col("gso34").cast(pl.String).str.zfill(2)).agg(pl.col("pop2019").sum()).iter_rows()
    )
    missing = [c for c in codes if not per.get(c)]
    if missing:
        raise RawDataError(
            f"raw file {raw.require('provinces63_population', raw_dir)} has no 2019 census population for "
            f"province(s) {', '.join(missing)}; {raw.HINT}"
        )
    return np.array([float(per[c]) for c in codes])


def rake_to_census(
    pop: np.ndarray, province_idx: np.ndarray, census: np.ndarray, total: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cell people scaled per province so each province holds its census share of `total` (float64).

    Why: WorldPop 2020 places people by a model, and its 1 km grid summed in the 2025 outlines gave Lai Châu 51%
    more people than the 2019 census and the old Phú Thọ 58% fewer (Vĩnh Phúc 23% fewer), while the outlines'
    areas match the official ones within 1%. Within a province WorldPop's pattern is kept (urban and rural cells keep
    their ratios); across provinces the census decides, as for any census-adjusted grid. Returns the cells' people
    (float64, summing to `total`) and each province's factor."""
    per = np.bincount(province_idx, weights=pop, minlength=census.size)
    target = census / census.sum() * total
    factor = np.divide(target, per, out=np.zeros_like(target), where=per > 0)
    return np.asarray(pop, dtype=np.float64) * factor[province_idx], factor


def _terrain(raw_dir: Path, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-pixel ETOPO5 elevation (sea clamped to 0 m) and 3x3 max-min relief at each point."""
    from scipy.ndimage import maximum_filter, minimum_filter

    t = raw.read_raster("etopo5", raw_dir)
    elev = np.where(t.valid_mask(), np.maximum(t.values.astype(np.int32), 0), 0)  # sea surface = 0 m
    relief = maximum_filter(elev, size=3, mode="nearest") - minimum_filter(elev, size=3, mode="nearest")
    r = np.clip(np.floor((t.y0_deg - lat) / t.res_y_deg).astype(np.int64), 0, elev.shape[0] - 1)
    c = np.clip(np.floor((lon - t.x0_deg) / t.res_x_deg).astype(np.int64), 0, elev.shape[1] - 1)
    return elev[r, c].astype(np.int16), relief[r, c].astype(np.float32)


def assign_provinces(lon: np.ndarray, lat: np.ndarray, polygons: Any) -> tuple[np.ndarray, np.ndarray]:
    """Index of the polygon holding each point; points in none get the nearest polygon.

    Returns (index int32, inside bool). Vectorised: an STRtree of the points queried with
    the (prepared) polygons; ties on shared edges go to the lowest index.
    """
    import shapely

    pts = shapely.points(lon, lat)
    poly_idx, pt_idx = shapely.STRtree(pts).query(polygons, predicate="contains")
    n_poly = len(polygons)
    idx = np.full(len(pts), n_poly, np.int64)
    np.minimum.at(idx, pt_idx, poly_idx)
    inside = idx < n_poly
    out = np.flatnonzero(~inside)
    if out.size:
        near = shapely.STRtree(polygons).query_nearest(pts[out], all_matches=False)
        idx[out[near[0]]] = near[1]
    return idx.astype(np.int32), inside


def _communes(raw_dir: Path) -> pl.DataFrame:
    pts = raw.read_vector(
        "communes_points",
        raw_dir,
        read_geometry=False,
        required=["ward_code", "ward", "wardType", "gso34", "province", "lon", "lat", "area_km2"],
    )
    vor = raw.read_vector(
        "communes_voronoi",
        raw_dir,
        read_geometry=False,
        required=["ward_code", "worldpop2020", "voronoi_area_km2"],
    )
    try:
        a = pl.from_pandas(
            pts[["ward_code", "ward", "wardType", "gso34", "province", "lon", "lat", "area_km2"]]
        )
        b = pl.from_pandas(vor[["ward_code", "worldpop2020", "voronoi_area_km2"]])
        a = a.with_columns(pl.col("lon", "lat", "area_km2").cast(pl.Float64))
        b = b.with_columns(pl.col("worldpop2020", "voronoi_area_km2").cast(pl.Float64))
    except (pl.exceptions.PolarsError, ValueError, TypeError) as exc:
        raise RawDataError(f"commune files have unexpected column types ({exc}); {raw.HINT}") from None
    df = a.join(b, on="ward_code", how="left")
    if df["worldpop2020"].null_count() or not df["ward_code"].is_unique().all():
        raise RawDataError(
            f"raw files {raw.RAW_FILES['communes_points'].path} and {raw.RAW_FILES['communes_voronoi'].path} "
            f"do not match one-to-one on ward_code; {raw.HINT}"
        )
    x_m, y_m = to_projected(df["lon"].to_numpy(), df["lat"].to_numpy())
    # two communes (Quảng Trị) have no official area: use the Voronoi approximation, flagged
    return (
        df.rename({"wardType": "ward_type"})
        .with_columns(
            pl.Series("x_m", x_m),
            pl.Series("y_m", y_m),
            pl.col("area_km2").is_null().alias("area_approx"),
            pl.col("area_km2").fill_null(pl.col("voronoi_area_km2")),
        )
        .select(
            "ward_code",
            "ward",
            "ward_type",
            "gso34",
            "province",
            "lon",
            "lat",
            "x_m",
            "y_m",
            "area_km2",
            "area_approx",
            "worldpop2020",
        )
        .sort("ward_code")
    )


def _city_wards(raw_dir: Path, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """True for cells whose nearest pre-2025 commune is an urban ward (Phường) of a city district.

    "Provincial capital areas" (khu vực thủ phủ tỉnh, seed 003:34) are the urban wards of the
    pre-2025 provincial cities (district type Thành phố) and of the centrally-run cities' urban
    districts (Quận); this proxy also takes in the few non-capital provincial cities.
    """
    from scipy.spatial import cKDTree

    leg = raw.read_vector(
        "communes_legacy", raw_dir, read_geometry=False, required=["districtType", "wardType", "lon", "lat"]
    )
    lon = leg["lon"].to_numpy(dtype=float)
    lat = leg["lat"].to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lx, ly = to_projected(lon[ok], lat[ok])
    is_city = (leg["districtType"].isin(["Thành phố", "Quận"]) & (leg["wardType"] == "Phường")).to_numpy()[ok]
    _, nn = cKDTree(np.c_[lx, ly]).query(np.c_[x_m, y_m])
    city: np.ndarray = is_city[nn]
    return city


def _simplify(geoms: Any) -> np.ndarray:
    """Simplify to ~0.005°; coverage-aware when possible so province edges stay shared."""
    import shapely

    out: np.ndarray  # shapely returns an array of geometries
    try:
        out = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE_DEG)
        if not shapely.is_valid(out).all() or shapely.is_empty(out).any():
            raise ValueError("invalid coverage simplification")
    except (ValueError, shapely.errors.GEOSException, AttributeError):
        out = shapely.simplify(geoms, SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
    return out


# ---------------------------------------------------------------- orchestration


def _build_tables(
    raw_dir: Path, progress: Callable[[str], None]
) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    import shapely  # ~0.1 s: only a build loads it (and the module that uses it)

    from dxsim.geo.geojson import geometry_geojson

    progress("reading province tables and boundaries")
    mapping, prov, polygons = _provinces_base(raw_dir)
    cells = _cells(raw_dir, progress)
    lon, lat = cells["lon"].to_numpy(), cells["lat"].to_numpy()

    progress("sampling ETOPO5 elevation and relief")
    elev, relief = _terrain(raw_dir, lon, lat)

    progress("assigning cells to the 34 provinces (point in polygon)")
    codes = prov["gso34"].to_list()
    idx, inside = assign_provinces(lon, lat, polygons)
    progress("scaling each province's people to its 2019 census share")
    census = census_people(raw_dir, codes)
    pop, raking = rake_to_census(
        cells["pop"].to_numpy().astype(np.float64), idx, census, NATIONAL_POPULATION_BASE
    )
    density = pop / cells["area_km2"].to_numpy().astype(np.float64)
    cells = cells.with_columns(
        pl.Series("gso34", np.asarray(codes, dtype=object)[idx], dtype=pl.String),
        pl.Series("elevation_m", elev),
        pl.Series("relief_m", relief),
        pl.Series("pop", pop.astype(np.float32)),
        pl.Series("density_per_km2", density.astype(np.float32)),
        pl.Series("density_class", density_class(density)),
    )
    outside = ~inside
    if outside.any():
        d = shapely.distance(shapely.points(lon[outside], lat[outside]), polygons[idx[outside]])
        max_out_km = float(d.max() * M_PER_DEG_LAT / 1000)
    else:
        max_out_km = 0.0

    progress("marking urban wards of pre-2025 provincial cities")
    cells = cells.with_columns(
        pl.Series("city_ward", _city_wards(raw_dir, cells["x_m"].to_numpy(), cells["y_m"].to_numpy()))
    )

    progress("building province and commune tables")
    pops = cells.group_by("gso34").agg(
        pl.col("pop").cast(pl.Float64).sum().alias("pop"), pl.len().cast(pl.Int32).alias("n_cells")
    )
    cx, cy = to_projected(prov["capital_lon"].to_numpy(), prov["capital_lat"].to_numpy())
    boundaries = list(shapely.to_wkb(_simplify(polygons)))
    provinces = (
        prov.join(pops, on="gso34", how="left")
        .with_columns(
            pl.col("pop").fill_null(0.0),
            pl.col("n_cells").fill_null(0),
            pl.Series("capital_x_m", cx),
            pl.Series("capital_y_m", cy),
            pl.Series("geometry_wkb", boundaries, dtype=pl.Binary),
            # the text every run writes to provinces.geojson for its map and report (dxsim.geo.geojson)
            pl.Series("geometry_geojson", geometry_geojson(boundaries), dtype=pl.String),
        )
        .select(
            "gso34",
            "name34",
            "name_ascii",
            "region6",
            "region3",
            "area_km2",
            "pop",
            "n_cells",
            "capital_lon",
            "capital_lat",
            "capital_x_m",
            "capital_y_m",
            "geometry_wkb",
            "geometry_geojson",
        )
    )
    communes = _communes(raw_dir)

    progress("simplifying country outline")
    ctry = raw.read_vector("country_ne10m", raw_dir, required=["name"])
    outline = shapely.simplify(
        shapely.union_all(ctry.geometry.values), SIMPLIFY_TOLERANCE_DEG, preserve_topology=True
    )
    country = pl.DataFrame(
        {"name": ["Vietnam"], "geometry_wkb": [shapely.to_wkb(outline)]},
        schema={"name": pl.String, "geometry_wkb": pl.Binary},
    )

    stats = {
        "worldpop2020_total": float(cells["pop_worldpop2020"].cast(pl.Float64).sum()),
        "population_scale_factor": NATIONAL_POPULATION_BASE
        / float(cells["pop_worldpop2020"].cast(pl.Float64).sum()),
        # each province's people over WorldPop's there (both at the national total), by code
        "census_raking_factor": {c: round(float(f), 4) for c, f in zip(codes, raking)},
        "n_cells_outside_polygons": int(outside.sum()),
        "pop_outside_polygons": float(cells["pop"].to_numpy()[outside].astype(np.float64).sum()),
        "max_outside_distance_km": round(max_out_km, 2),
    }
    tables = {
        "provinces": provinces,
        "province_mapping": mapping,
        "cells": cells,
        "communes": communes,
        "country": country,
    }
    return tables, stats


def _find_cache(cache_root: Path) -> Path | None:
    """Newest complete geo cache under cache_root (by manifest built_at), or None."""
    found = []
    for d in cache_root.glob(f"{CACHE_PREFIX}*"):
        m = d / "manifest.json"
        if d.is_dir() and m.is_file():
            try:
                found.append((json.loads(m.read_text())["built_at"], d))
            except (ValueError, KeyError, OSError):
                continue
    return max(found)[1] if found else None


def build_cache(
    raw_dir: Path | None = None,
    cache_dir: Path | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Build (or reuse) the geodata cache and return its directory.

    Reuses ``cache_dir/geo-<digest>`` when its manifest carries the current digest of the
    raw inputs, fact tables and PIPELINE_VERSION; otherwise builds it in a temp dir and
    renames it into place, then prunes older geo caches.
    """
    say = progress or (lambda _msg: None)
    raw_dir = Path(raw_dir).expanduser() if raw_dir is not None else raw_data_dir()
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    hashes = input_hashes(raw_dir)  # raises RawDataError naming the first missing file
    target = root / f"{CACHE_PREFIX}{hashes['digest'][:16]}"
    manifest_path = target / "manifest.json"
    if not force and manifest_path.is_file():
        try:
            if json.loads(manifest_path.read_text()).get("digest") == hashes["digest"]:
                say(f"geodata cache up to date: {target}")
                return target
        except (ValueError, OSError):
            pass

    t0 = time.perf_counter()
    try:  # before the build's seconds of work: DXSIM_CACHE=/proc/x failed after them, exit 1 ("No such file")
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        env = os.environ.get("DXSIM_CACHE")
        raise DxsimInputError(
            _("cannot create the cache folder ({reason})").format(reason=exc.strerror or exc),
            field="DXSIM_CACHE" if env else None,
            value=env if env else str(root),
            allowed=_("a folder dxsim may create and write (or unset DXSIM_CACHE for the default)"),
        ) from None
    say(f"building geodata cache from {raw_dir}")
    tables, stats = _build_tables(raw_dir, say)
    tmp = root / f".{CACHE_PREFIX}tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        say("writing Parquet tables")
        for name, df in tables.items():
            df.write_parquet(tmp / f"{name}.parquet", compression="zstd")
        manifest = {
            "pipeline_version": PIPELINE_VERSION,
            "digest": hashes["digest"],
            "inputs_sha256": hashes["digest"],  # alias read by dxsim.sim.model to key derived caches
            "built_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "build_seconds": round(time.perf_counter() - t0, 3),
            "raw_dir": str(raw_dir),
            "inputs": hashes["inputs"],
            "fact_tables": hashes["fact_tables"],
            "national_population_total": NATIONAL_POPULATION_BASE,
            "national_population_base_year": NATIONAL_POPULATION_BASE_YEAR,
            "national_population_source": NATIONAL_POPULATION_SOURCE,
            "province_population_source": CENSUS_SOURCE,  # each province's share (rake_to_census)
            "projected_crs": f"EPSG:{PROJECTED_EPSG}",
            "province_boundaries": PROVINCE_BOUNDARIES_KEY,
            "density_thresholds_per_km2": {
                "urban": URBAN_MIN_DENSITY_PER_KM2,
                "suburban": SUBURBAN_MIN_DENSITY_PER_KM2,
            },
            "n_cells": tables["cells"].height,
            "n_provinces": tables["provinces"].height,
            "n_communes": tables["communes"].height,
            **stats,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        old = None
        if target.exists():  # force rebuild: move the old one aside first
            old = root / f".{CACHE_PREFIX}old-{uuid.uuid4().hex[:8]}"
            target.rename(old)
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "manifest.json").is_file():  # lost a race: another build already won
                raise
        for d in [old, *[p for p in root.glob(f"{CACHE_PREFIX}*") if p != target]]:
            if d is not None and d.is_dir():
                shutil.rmtree(d, ignore_errors=True)
    except Exception as e:
        if not says_disk_full(e):
            raise
        # polars said "ComputeError: ... os error 28", naming neither the cache nor what to do (disk-full trial)
        raise OutputError(
            _(
                "writing the geodata cache in {folder} failed (no space left on device): free space there, or set "
                "DXSIM_CACHE to a folder on a disk with room"
            ).format(folder=root)
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"geodata cache built in {time.perf_counter() - t0:.1f} s: {target}")
    return target
