"""The loaded geodata of Vietnam: provinces, population cells, communes, from the build cache.

Loading reads only Parquet + a manifest (well under a second); it never imports
geopandas/rasterio. The cache is (re)built on demand by :func:`dxsim.geo.build.build_cache`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim.errors import RawDataError
from dxsim.geo.build import CACHE_PREFIX, TABLES, build_cache, input_hashes
from dxsim.geo.projection import to_projected
from dxsim.paths import cache_dir as default_cache_dir
from dxsim.paths import raw_data_dir
from dxsim.province_names import name_key


KM_PER_DEGREE_LAT = 111.0
# a mast on a border ridge, a jetty or a reef stands just outside the simplified outlines (0.005 degree)
OUTLINE_TOLERANCE_KM = 5.0


@dataclass(frozen=True, eq=False)
class Country:
    """Model inputs for the whole country. Tables are polars; numpy views are cached properties."""

    provinces: pl.DataFrame  # sorted by gso34
    cells: pl.DataFrame  # sorted by cell_id (= row, col)
    communes: pl.DataFrame
    province_mapping: pl.DataFrame
    manifest: dict[str, Any]
    country_wkb: bytes = b""
    cache_path: Path | None = field(default=None)

    @cached_property
    def province_codes(self) -> list[str]:
        """gso34 codes in province-table order (sorted)."""
        return self.provinces["gso34"].to_list()

    def former_province(self, code: str) -> tuple[str, str, str] | None:
        """(name63, gso34, name34) when `code` is a pre-2025 (63-province) code that is no longer one of the 34, else
        None. Why: a planner from Hà Giang writes 02, its code until the 2025 merger, and was told only that 02 is not
        among the 34 codes, not that Hà Giang is now part of 08 (Tuyên Quang). A code without its leading zero (2) is
        read as one (02), as 8 is read as 08: `--province 8` worked and `--province 2` did not (new-user trial)."""
        code = code.strip()
        if code.isdigit() and len(code) == 1:
            code = code.zfill(2)
        if code in self.province_codes:
            return None
        hit = self.province_mapping.filter(pl.col("gso63").cast(pl.Utf8) == code)
        if hit.height == 0:
            return None
        row = hit.row(0, named=True)
        return str(row["name63"]), str(row["gso34"]), str(row["name34"])

    def former_names(self) -> pl.DataFrame:
        """gso34 -> `former`: the pre-2025 provinces merged into it under another code or another name, "Hà Giang
        (02)", joined by "; " (empty for a province unchanged: Hà Nội). Why: the map's address took #08 but not #02 or
        #Hà Giang, which `dxsim run --province` and `dxsim map --province` read (README trial, 2026-12-07); and a
        province whose code the merged one kept was left out: Yên Bái (15) of today's Lào Cai (15), Thừa Thiên Huế
        (46) of Huế (provincial trial)."""
        m = self.province_mapping.filter(
            (pl.col("gso63") != pl.col("gso34")) | (pl.col("name63") != pl.col("name34"))
        )
        return m.group_by("gso34", maintain_order=True).agg(
            (pl.col("name63") + " (" + pl.col("gso63") + ")").str.join("; ").alias("former")
        )

    def province_name(self, code: str) -> str:
        """The 2025 name of a gso34 code (the code itself when it is none of the 34)."""
        hit = self.provinces.filter(pl.col("gso34") == code)
        return str(hit["name34"][0]) if hit.height else code

    def province_by_name(self, text: str) -> tuple[str, str] | None:
        """(gso34, name34) of the province `text` names, a 2025 name or a pre-2025 one (Hà Giang: 08, Tuyên Quang),
        with or without its diacritics, case, spaces or a "Tỉnh"/"Thành phố" prefix; None when it names none.
        Why: a planner wrote villages = ["Điện Biên"] and was told only that the codes are 04, 08, 11, ..."""
        key = name_key(text)
        names = [
            (str(r["name34"]), str(r["gso34"]), str(r["name34"]))
            for r in self.provinces.iter_rows(named=True)
        ]
        names += [
            (str(r["name63"]), str(r["gso34"]), str(r["name34"]))
            for r in self.province_mapping.iter_rows(named=True)
        ]
        return next(((code, name34) for name, code, name34 in names if name_key(name) == key), None)

    def merged_by_name(self, text: str) -> tuple[str, str] | None:
        """(gso34, name34) when `text` names a pre-2025 province by a name that is not its 2025 province's (Hà Giang:
        08, Tuyên Quang), else None (a 2025 name, a code, or no province)."""
        named = self.province_by_name(text)
        return named if named is not None and name_key(text) != name_key(named[1]) else None

    @cached_property
    def cell_xy_m(self) -> np.ndarray:
        """(n, 2) float64 VN-2000 / UTM 48N coordinates of cell centres, metres."""
        return np.ascontiguousarray(self.cells.select("x_m", "y_m").to_numpy(), dtype=np.float64)

    @cached_property
    def cell_pop(self) -> np.ndarray:
        """Population per cell (base year, scaled to the national total), float64."""
        return self.cells["pop"].cast(pl.Float64).to_numpy()

    @cached_property
    def _cell_lookup(self) -> tuple[Any, np.ndarray]:
        """The cells' raster and a (rows, cols) array of cell indices (-1: no populated cell)."""
        # numba comes with radio.coverage: loaded only when a point is looked up
        from dxsim.radio.coverage import GridSpec

        c = self.cells
        rows, cols = c["row"].to_numpy().astype(np.int64), c["col"].to_numpy().astype(np.int64)
        grid = GridSpec.from_cells(rows, cols, c["lon"].to_numpy(), c["lat"].to_numpy())
        lookup = np.full((grid.n_rows, grid.n_cols), -1, dtype=np.int64)
        lookup[rows, cols] = np.arange(rows.size)
        return grid, lookup

    def cell_at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index of the populated cell each point (degrees) falls in; -1 for a point in none."""
        grid, lookup = self._cell_lookup
        row, col = grid.rowcol(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        ok = (row >= 0) & (row < grid.n_rows) & (col >= 0) & (col < grid.n_cols)
        cell = np.full(row.shape, -1, dtype=np.int64)
        cell[ok] = lookup[row[ok], col[ok]]
        return cell

    def province_at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The gso34 code of the province each point stands in: its cell's; off the populated cells, the province
        whose outline holds it (within OUTLINE_TOLERANCE_KM), else the nearest populated cell's."""
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        cell = self.cell_at(lon, lat)
        prov = self.cell_province_idx[np.maximum(cell, 0)].astype(np.int64)
        off = cell < 0
        if off.any():
            prov[off] = self.off_grid_province_idx(lon[off], lat[off])
        codes: np.ndarray = np.asarray(self.province_codes)[prov]
        return codes

    def outline_province_at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The gso34 code of the province whose outline holds each point (or lies nearest within
        OUTLINE_TOLERANCE_KM), else :meth:`province_at`'s. Why: the provinces a planner's site file stands in
        (`sites.file_replaces`); a mast 430 m inside Điện Biên stood on a 1 km cell of Lai Châu, so the file replaced
        Lai Châu's sites too (provincial planner trial)."""
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        idx = self.outline_province_idx(lon, lat)
        codes: np.ndarray = self.province_at(lon, lat)
        inside = idx >= 0
        codes[inside] = np.asarray(self.province_codes)[idx[inside]]
        return codes

    def off_grid_province_idx(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index into :attr:`province_codes` of the province of points off the populated cells: the province whose
        outline holds each point (or lies within OUTLINE_TOLERANCE_KM of it), else the nearest populated cell's.
        Why the outline first: the island districts have no cell of the 1 km population grid, and the nearest cell
        put a mast on Trường Sa (Khánh Hòa) in Lâm Đồng and one on Hoàng Sa (Đà Nẵng) in Quảng Ngãi."""
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        prov = self.outline_province_idx(lon, lat)
        rest = prov < 0
        if rest.any():
            from scipy.spatial import cKDTree  # scipy only for points off the populated cells and outlines

            x, y = to_projected(lon[rest], lat[rest])
            _dist, nearest = cKDTree(self.cell_xy_m).query(np.c_[x, y])
            prov[rest] = self.cell_province_idx[nearest]
        return prov

    @cached_property
    def _outline_tree(self) -> Any:
        """An R-tree of the 34 province outlines (shapely, as the cache stores them), in province-table order."""
        import shapely

        return shapely.STRtree(shapely.from_wkb(self.provinces["geometry_wkb"].to_numpy()))

    def near_province(self, code: str, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether each point lies in province `code`'s outline or within OUTLINE_TOLERANCE_KM of it (bool)."""
        import shapely

        outline = self._outline_tree.geometries[self.province_codes.index(code)]
        tol_deg = OUTLINE_TOLERANCE_KM / KM_PER_DEGREE_LAT
        near: np.ndarray = shapely.dwithin(outline, shapely.points(lon, lat), tol_deg)
        return near

    def outline_province_idx(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index into :attr:`province_codes` of the province outline each point lies in or within
        OUTLINE_TOLERANCE_KM of (one of them where two are: a point on a shared border); -1 for a point near none.
        The outlines hold the island districts, Trường Sa (Khánh Hòa) and Hoàng Sa (Đà Nẵng) among them.

        Two steps: a point inside an outline is found by a prepared point-in-polygon test of the points in the
        outline's bounding box; only the others (on a border, offshore, over the frontier) are measured against
        the outlines. Measuring every point took ~9 s for a province's site file merged into the national layer's
        ~110,000 sites (the distance to an outline of thousands of vertices); this takes ~0.3 s, the same answer."""
        import shapely

        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        out = np.full(lon.shape, -1, dtype=np.int64)
        if lon.size == 0:
            return out
        outlines = self._outline_tree.geometries
        shapely.prepare(outlines)  # a no-op once prepared
        box = shapely.bounds(outlines)
        for k, outline in enumerate(outlines):
            cand = np.flatnonzero(
                (out < 0) & (lon >= box[k, 0]) & (lon <= box[k, 2]) & (lat >= box[k, 1]) & (lat <= box[k, 3])
            )
            if cand.size:
                out[cand[shapely.contains_xy(outline, lon[cand], lat[cand])]] = k
        rest = np.flatnonzero(out < 0)
        if rest.size == 0:
            return out
        tol_deg = OUTLINE_TOLERANCE_KM / KM_PER_DEGREE_LAT  # a degree of longitude is shorter here: stricter
        point, outline_idx = self._outline_tree.query_nearest(
            shapely.points(lon[rest], lat[rest]), max_distance=tol_deg, all_matches=False
        )
        out[rest[point]] = outline_idx
        return out

    @cached_property
    def cell_province_idx(self) -> np.ndarray:
        """int16 index of each cell's province into :attr:`province_codes`."""
        codes = np.asarray(self.province_codes)
        cell_codes = self.cells["gso34"].to_numpy().astype(codes.dtype)
        idx = np.searchsorted(codes, cell_codes)
        return idx.astype(np.int16)


class DamagedCache(RawDataError):
    """A geodata cache directory that cannot be read (truncated Parquet, bad manifest, missing table)."""


def _read_cache(path: Path) -> Country:
    try:
        manifest = json.loads((path / "manifest.json").read_text())
        t = {name: pl.read_parquet(path / f"{name}.parquet") for name in TABLES}
        if not isinstance(manifest, dict) or any(df.height == 0 for df in t.values()):
            raise ValueError("a table is empty or the manifest is not a JSON object")
    except Exception as exc:  # whatever a damaged file raises (polars, OSError, ValueError)
        detail = " ".join(str(exc).split())[:200]
        raise DamagedCache(
            f"geodata cache {path} is unreadable ({detail}); rebuild it with `dxsim data --build`"
        ) from None
    return Country(
        provinces=t["provinces"].sort("gso34"),
        cells=t["cells"],
        communes=t["communes"],
        province_mapping=t["province_mapping"],
        manifest=manifest,
        country_wkb=t["country"]["geometry_wkb"][0],
        cache_path=path,
    )


def load_country(
    raw_dir: Path | None = None,
    cache_dir: Path | None = None,
    build_if_missing: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Country:
    """Load the country from the cache, building it first if missing or stale.

    Staleness is checked by hashing the raw inputs (~10 MB, a few ms). With
    ``build_if_missing=False`` a missing or stale cache raises RawDataError instead.
    """
    if build_if_missing:
        path = build_cache(raw_dir, cache_dir, progress=progress)
        try:
            return _read_cache(path)
        except DamagedCache:  # never trusted: rebuilt from the raw files (a few seconds)
            if progress is not None:
                progress(f"geodata cache {path} is damaged; rebuilding it")
            return _read_cache(build_cache(raw_dir, cache_dir, force=True, progress=progress))
    raw = Path(raw_dir) if raw_dir is not None else raw_data_dir()
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = input_hashes(raw)["digest"]
    path = root / f"{CACHE_PREFIX}{digest[:16]}"
    if not (path / "manifest.json").is_file():
        raise RawDataError(f"no up-to-date geodata cache in {root}; run the build (dxsim.geo.build_cache)")
    return _read_cache(path)
