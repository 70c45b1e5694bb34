"""Geographic result tables for maps and reports: province boundaries and a 5 km coverage grid.

Maps and reports read only a run's output directory, so the run writes what they need to draw:
`provinces.geojson` (simplified boundaries, names) and `grid_5km.parquet` (population and covered
population aggregated to 5 km squares: never one marker per cell or per site).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim.geo.projection import to_lonlat

GRID_KM = 5.0


def _right_hand(geom: Any) -> Any:
    """A (multi)polygon with its exterior rings counterclockwise and holes clockwise (shapely 2.0's `orient`;
    `orient_polygons` needs 2.1); other geometries as they are."""
    from shapely.geometry import MultiPolygon, Polygon
    from shapely.geometry.polygon import orient

    if isinstance(geom, Polygon):
        return orient(geom, 1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    return geom


def _multi(geom: Any) -> Any:
    """A Polygon as a one-part MultiPolygon, anything else as it is: half the provinces were Polygons and half
    MultiPolygons, so GDAL typed the file "Unknown (any)" and GIS tools that want one type per layer split or refused
    it (results.gpkg already promoted them)."""
    from shapely.geometry import MultiPolygon, Polygon

    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


def provinces_geojson(provinces: pl.DataFrame, path: Path) -> None:
    """Province polygons (simplified at build time) with Vietnamese and ASCII names and population."""
    import shapely

    feats = []
    for rec in provinces.iter_rows(named=True):
        geom = shapely.from_wkb(rec["geometry_wkb"])
        feats.append(
            {
                "type": "Feature",
                # RFC 7946 3.1.6: exterior rings counterclockwise, holes clockwise (they came out clockwise, which
                # GeoJSON validators flag and d3-geo draws as the whole globe minus the province)
                "geometry": json.loads(
                    shapely.to_geojson(_multi(_right_hand(shapely.set_precision(geom, 1e-4))))
                ),
                "properties": {
                    "gso34": rec["gso34"],
                    "name34": rec["name34"],
                    "name_ascii": rec["name_ascii"],
                    "region3": rec["region3"],
                    "pop": round(float(rec["pop"])),
                },
            }
        )
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": feats}, ensure_ascii=False, separators=(",", ":")
        ),
        encoding="utf-8",
    )


def grid_5km(
    x_m: np.ndarray,
    y_m: np.ndarray,
    pop: np.ndarray,
    layers: dict[str, np.ndarray],
    site_layers: dict[str, tuple[np.ndarray, np.ndarray]],
) -> pl.DataFrame:
    """Aggregate per-cell arrays (and site points) to 5 km squares in the metric CRS.

    `layers`: name -> per-cell covered population; `site_layers`: name -> (x_m, y_m) of sites.
    """
    size = GRID_KM * 1000.0

    def keys(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.floor(x / size).astype(np.int64) * 1_000_003 + np.floor(y / size).astype(np.int64)

    key = keys(x_m, y_m)
    # squares with people or with a site (mountain-top sites may stand in empty squares)
    uniq = np.unique(np.concatenate([key, *(keys(sx, sy) for sx, sy in site_layers.values())]))
    inv = np.searchsorted(uniq, key)
    out = {"pop": np.bincount(inv, weights=pop, minlength=uniq.size)}
    for name, vals in layers.items():
        out[name] = np.bincount(inv, weights=vals, minlength=uniq.size)
    for name, (sx, sy) in site_layers.items():
        out[name] = np.bincount(np.searchsorted(uniq, keys(sx, sy)), minlength=uniq.size).astype(np.float64)
    ux = (uniq // 1_000_003 + 0.5) * size
    uy = (uniq - (uniq // 1_000_003) * 1_000_003 + 0.5) * size
    lon, lat = to_lonlat(ux, uy)
    return pl.DataFrame(
        {
            "lon": np.asarray(lon),
            "lat": np.asarray(lat),
            "x_m": ux,
            "y_m": uy,
            "size_km": np.full(uniq.size, GRID_KM),
            **out,
        }
    )
