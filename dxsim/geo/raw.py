"""Registry of the raw third-party geodata files, and guarded readers for them.

Raw data lives outside the repository (``$DXSIM_RAW_DATA``); this module is the one
place that knows file names, sources and licences, and the one read boundary where
library exceptions (rasterio, pyogrio, polars) become one-line :class:`RawDataError`s.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from dxsim.errors import RawDataError
from dxsim.i18n import N_
from dxsim.paths import raw_data_dir

if TYPE_CHECKING:  # heavy imports stay lazy: loading the cache must not pay for them
    import geopandas as gpd

HINT = (
    "set DXSIM_RAW_DATA to the folder holding the raw geodata; `dxsim data` lists each file, its licence "
    "and where to get it"
)

ODV = "CC BY-SA 4.0 (Open Development Vietnam)"
WORLDPOP = "CC BY 4.0 (WorldPop, University of Southampton, DOI 10.5258/SOTON/WP00671)"


@dataclass(frozen=True)
class RawFile:
    """One raw input file: where it sits under the raw dir, what it is, whose it is."""

    key: str
    path: str  # relative to the raw directory
    description: str
    source: str
    licence: str
    synthetic: bool = False
    in_cache: bool = False  # read by dxsim.geo.build (its sha256 keys the cache)
    used_by: str = ""  # model module reading it directly at run time (not through the cache)
    download: str = (
        ""  # where a person who has only the repository gets it (README "Getting the raw geodata")
    )


RAW_FILES: dict[str, RawFile] = {
    f.key: f
    for f in [
        RawFile(
            "province_mapping",
            "boundaries/province_mapping_63_to_34.csv",
            N_("63 -> 34 province mapping (Resolution 202/2025/QH15)"),
            "Hand-built from Resolution 202/2025/QH15; cross-checked against sapnhap.bando.com.vn "
            "and PyPI vietnam-provinces 2025.10.1 GSO codes",
            "CC0 (facts)",
            in_cache=True,
            download="built by hand from Resolution 202/2025/QH15 (official merger map: "
            "https://sapnhap.bando.com.vn): columns gso63, name63, gso34, name34, one row per pre-2025 "
            "province",
        ),
        RawFile(
            "provinces34_geoboundaries",
            "boundaries/vn_provinces34_geoboundaries_pd_dissolved.geojson",
            N_("34 post-merger province polygons (geoBoundaries VNM ADM1 dissolved 63 -> 34)"),
            "geoBoundaries gbOpen VNM-ADM1 (build 2023-12-12), dissolved by the 63 -> 34 mapping",
            "Public domain (geoBoundaries)",
            in_cache=True,
            download="geoBoundaries VNM ADM1, gbOpen (https://www.geoboundaries.org), dissolved 63 -> 34 with "
            "the mapping above",
        ),
        RawFile(
            "provinces34_odv",
            "boundaries/vn_provinces34_odv_dissolved.geojson",
            N_(
                "34 post-merger province polygons (ODV 'Dia phan tinh' dissolved 63 -> 34), used to assign "
                "cells to provinces (99.94% of commune centroids fall in their own province)"
            ),
            "Open Development Vietnam 'Dia phan tinh' (via TaliaCao/Vietnam-Shape-Map @35f693a2), dissolved",
            ODV,
            download="Open Development Vietnam 'Dia phan tinh' KML from "
            "https://github.com/TaliaCao/Vietnam-Shape-Map (Maps/KML/diaphantinhvn.kml), to GeoJSON "
            "with a gso34 column, dissolved 63 -> 34 with the mapping above",
        ),
        RawFile(
            "country_ne10m",
            "boundaries/vn_country_ne10m.geojson",
            N_("Country outline (Natural Earth 10m admin-0, no Paracel/Spratly)"),
            "Natural Earth 10m via npm world-atlas@2.0.2",
            "Public domain (Natural Earth); world-atlas ISC",
            in_cache=True,
            download="Natural Earth 10m admin-0 (https://www.naturalearthdata.com; here countries-10m.json of "
            "the npm package world-atlas 2.0.2, feature 704) as GeoJSON",
        ),
        RawFile(
            "provinces34_area_pop",
            "population/vn_provinces34_2025_area_population.csv",
            N_("34 provinces: area km2, admin centre lon/lat (population column is merger-proposal, unused)"),
            "tranngocminhhieu/vietnamadminunits data/sapnhap.bando.com.vn_province.csv @484ab7e5",
            "MIT (repo); figures from bando.com.vn / MoHA",
            in_cache=True,
            download="data/sapnhap.bando.com.vn_province.csv of "
            "https://github.com/tranngocminhhieu/vietnamadminunits, numbers cleaned; columns gso34, "
            "area_km2, centre_lon, centre_lat",
        ),
        RawFile(
            "worldpop_2020_1km",
            "population/vnm_ppp_2020_1km_Aggregated_UNadj.tif",
            N_("WorldPop 2020 1 km UN-adjusted population grid"),
            "WorldPop Global 2000-2020 1km UN-adjusted (via kraemer-lab/geoglue @e83cf4e8)",
            WORLDPOP,
            in_cache=True,
            download="https://data.worldpop.org/GIS/Population/Global_2000_2020_1km_UNadj/2020/VNM/vnm_ppp_2020_1km_Aggregated_UNadj.tif"
            " (DOI https://doi.org/10.5258/SOTON/WP00671), as downloaded",
        ),
        RawFile(
            "etopo5",
            "terrain/vn_etopo5_relief_m.tif",
            N_("ETOPO5 5-arc-minute relief, metres (cropped 101.5-118E, 6-24N)"),
            "NOAA ETOPO5 via Debian ferret-datasets 7.6.0-5",
            "Public domain (NOAA / US government)",
            in_cache=True,
            download="NOAA ETOPO5, etopo5.cdf of the Debian package ferret-datasets "
            "(https://packages.debian.org/ferret-datasets), cropped to 101.5-118E, 6-24N, saved as an "
            "int16 GeoTIFF in metres",
        ),
        RawFile(
            "communes_points",
            "population/vn_communes_2025_3321_points.gpkg",
            N_("3,321 post-July-2025 communes/wards: centroid, official area km2"),
            "PyPI vietnamadminunits 1.0.4 dataset.db (admin_units)",
            "MIT (vietnamadminunits)",
            in_cache=True,
            download="table admin_units of vietnamadminunits/data/dataset.db in "
            "https://pypi.org/project/vietnamadminunits/1.0.4/, as points with gso34, ward_code, "
            "wardType, area_km2",
        ),
        RawFile(
            "communes_voronoi",
            "population/vn_communes_2025_voronoi_approx.gpkg",
            N_("Approximate commune Voronoi cells with WorldPop 2020 sums (not official boundaries)"),
            "Derived from vietnamadminunits centroids, ODV province polygons and WorldPop 2020",
            f"{ODV} + {WORLDPOP} + MIT",
            in_cache=True,
            download="derived: Voronoi cells of the commune points within each province polygon (ODV above), "
            "with the WorldPop 2020 sum per cell (column worldpop2020)",
        ),
        RawFile(
            "communes_legacy",
            "population/vn_communes_legacy_10040_points.gpkg",
            N_(
                "10,035 pre-2025 communes with district type (the 10,040 of the file's name less 5 without "
                "coordinates; marks cells in urban wards of provincial cities)"
            ),
            "PyPI vietnamadminunits 1.0.4 dataset.db (admin_units_legacy); 2019 census ward population",
            "MIT (vietnamadminunits) + census facts",
            in_cache=True,
            download="table admin_units_legacy of the same dataset.db "
            "(https://pypi.org/project/vietnamadminunits/1.0.4/), as points with districtType and "
            "wardType",
        ),
        RawFile(
            "provinces63_population",
            "population/vn_provinces63_population.csv",
            N_("2019 census population per pre-merger province: each 2025 province's share of the people"),
            "GSO 2019 Population and Housing Census, ward tables summed per province",
            "Facts (GSO census) + CC BY 4.0 (WorldPop zonal sums)",
            in_cache=True,
            download="GSO 2019 Population and Housing Census (https://www.gso.gov.vn), ward tables summed per "
            "province",
        ),
        RawFile(
            "data_centres_sample",
            "infra/vn_data_centres_sample.csv",
            N_("10 data-centre sites curated from news pages (source URL per row)"),
            "Curated news pages; coordinates from vietnamadminunits commune centroids",
            "Facts + MIT (coordinates)",
            used_by="dxsim.geo.datacentres",
            download="curated by the dxsim maintainers from news pages (one source URL per row); not "
            "downloadable elsewhere",
        ),
        RawFile(
            "telecom_dc_stats",
            "infra/vn_telecom_dc_stats.csv",
            N_("5G/4G station counts and DC fleet totals (source URL per row)"),
            "Curated news pages",
            "Facts (cite sources)",
            download="curated by the dxsim maintainers from news pages (one source URL per row)",
        ),
        RawFile(
            "deadzone_timeline",
            "villages/vn_deadzone_counts_timeline.csv",
            N_("National counts of villages without mobile signal over time"),
            "Curated news pages",
            "Facts (cite sources)",
            download="curated by the dxsim maintainers from news pages (one source URL per row)",
        ),
        RawFile(
            "deadzone_villages_sample",
            "villages/vn_named_deadzone_villages_sample.csv",
            N_(
                "25 named villages without grid power and mobile signal (commune given; the village layer places "
                "each in a remote cell of its commune)"
            ),
            "baotuyenquang.com.vn 2026-01-12; plo.vn 2025-12-08; vietnamadminunits centroids",
            "Facts + MIT (coordinates)",
            used_by="dxsim.geo.villages",
            download="curated by the dxsim maintainers from baotuyenquang.com.vn and plo.vn (one source URL per "
            "row); not downloadable elsewhere",
        ),
    ]
}


def _resolve_raw_dir(raw_dir: Path | str | None) -> Path:
    return Path(raw_dir).expanduser() if raw_dir is not None else raw_data_dir()


def require(key: str, raw_dir: Path | str | None = None) -> Path:
    """Path of raw file `key`, or a RawDataError saying what is missing, where, and what to do."""
    if key not in RAW_FILES:
        raise KeyError(f"unknown raw file key {key!r}")
    base = _resolve_raw_dir(raw_dir)
    rel = RAW_FILES[key].path
    path = base / rel
    if not base.is_dir():
        raise RawDataError(f"raw data directory {base} not found (needed for {rel}); {HINT}")
    if not path.is_file():
        raise RawDataError(f"raw file {rel} not found in {base}; {HINT}")
    return path


def _unreadable(path: Path, exc: BaseException | str) -> RawDataError:
    detail = str(exc).replace("\n", " ").strip()
    if len(detail) > 160:
        detail = detail[:157] + "..."
    return RawDataError(
        f"raw file {path} is unreadable or corrupt ({detail}); replace it with a good copy ({HINT})"
    )


def read_csv(
    key: str,
    raw_dir: Path | str | None = None,
    *,
    required: list[str],
    numeric: Sequence[str] = (),
) -> pl.DataFrame:
    """Read a raw CSV as strings (keeps codes like "01"), check columns, cast `numeric` to float64."""
    path = require(key, raw_dir)
    try:
        df = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise RawDataError(f"raw file {path} lacks required column(s) {missing} (has {df.columns}); {HINT}")
    cut = _cut_short(path, df)
    if cut:
        raise RawDataError(f"raw file {path} {cut}: it looks truncated; {HINT}")
    try:
        df = df.with_columns([pl.col(c).str.strip_chars().cast(pl.Float64, strict=True) for c in numeric])
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(path, f"non-numeric value in {list(numeric)}: {exc}") from None
    return df


def _cut_short(path: Path, df: pl.DataFrame) -> str | None:
    """Why a raw CSV looks cut off, or None: a header and no rows, or a last line without its newline and with fewer
    fields than the header. (The 25 named villages cut to their header were read as none, and replaced by synthetic
    villages without a word.)"""
    if df.height == 0:
        return "has a header and no rows"
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 65536))
        tail = f.read()
    if tail.endswith(b"\n"):
        return None
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    fields = next(csv.reader([last]), [])
    if len(fields) < len(df.columns):
        return f"ends in a line of {len(fields)} of its {len(df.columns)} columns"
    return None


def read_vector(
    key: str,
    raw_dir: Path | str | None = None,
    *,
    required: list[str],
    read_geometry: bool = True,
) -> gpd.GeoDataFrame:
    """Read a raw vector file (GeoJSON/GPKG) in EPSG:4326 with the required attribute columns."""
    import pyogrio
    import pyogrio.errors

    path = require(key, raw_dir)
    try:
        df = pyogrio.read_dataframe(path, read_geometry=read_geometry)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        OSError,
        ValueError,
    ) as exc:
        raise _unreadable(path, exc) from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise RawDataError(f"raw file {path} lacks required column(s) {missing}; {HINT}")
    if read_geometry:
        crs = df.crs.to_epsg() if df.crs is not None else None
        if crs != 4326:
            raise RawDataError(f"raw file {path} has CRS {df.crs}, expected EPSG:4326; {HINT}")
        if len(df) == 0 or df.geometry.isna().any():
            raise RawDataError(f"raw file {path} has no features or empty geometries; {HINT}")
    return df


@dataclass(frozen=True)
class Raster:
    """A single-band EPSG:4326 raster in memory: values plus the north-up affine terms."""

    values: np.ndarray
    x0_deg: float  # west edge
    y0_deg: float  # north edge
    res_x_deg: float
    res_y_deg: float  # positive
    nodata: float | None

    def valid_mask(self) -> np.ndarray:
        """True where the raster holds data (not nodata, not NaN)."""
        m = np.isfinite(self.values) if self.values.dtype.kind == "f" else np.ones(self.values.shape, bool)
        if self.nodata is not None:
            m &= self.values != self.nodata
        return m


def read_raster(key: str, raw_dir: Path | str | None = None) -> Raster:
    """Read band 1 of a raw GeoTIFF fully; corrupt/truncated files become RawDataError."""
    import rasterio
    import rasterio.errors

    path = require(key, raw_dir)
    try:
        with rasterio.open(path) as ds:
            t = ds.transform
            epsg: Any = ds.crs.to_epsg() if ds.crs is not None else None
            values = ds.read(1)
            nodata = ds.nodata
    except (rasterio.errors.RasterioError, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    if epsg != 4326 or t.b != 0 or t.d != 0 or t.e >= 0:
        raise RawDataError(f"raw file {path} is not a north-up EPSG:4326 grid (crs {epsg}); {HINT}")
    return Raster(values, float(t.c), float(t.f), float(t.a), float(-t.e), nodata)
