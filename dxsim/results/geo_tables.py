"""Geographic result tables for maps and reports: province boundaries and a 5 km coverage grid.

Maps and reports read only a run's output directory, so the run writes what they need to draw:
`provinces.geojson` (simplified boundaries, names) and `grid_5km.parquet` (population and covered
population aggregated to 5 km squares: never one marker per cell or per site).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from dxsim.geo.projection import to_lonlat

GRID_KM = 5.0


def provinces_geojson(provinces: pl.DataFrame, path: Path) -> None:
    """Province polygons (simplified at build time) with Vietnamese and ASCII names and population.

    The geometry is the geodata cache's own GeoJSON text (`geometry_geojson`, dxsim.geo.geojson: RFC 7946 right-hand
    MultiPolygons at 1e-4 deg), placed as it is, so a run neither imports shapely nor re-serialises the boundaries."""
    feats = [
        '{"type":"Feature","geometry":'
        + rec["geometry_geojson"]
        + ',"properties":'
        + json.dumps(
            {
                "gso34": rec["gso34"],
                "name34": rec["name34"],
                "name_ascii": rec["name_ascii"],
                "region3": rec["region3"],
                "pop": round(float(rec["pop"])),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "}"
        for rec in provinces.iter_rows(named=True)
    ]
    path.write_text('{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}", encoding="utf-8")


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
