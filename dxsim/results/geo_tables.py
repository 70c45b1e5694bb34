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
from dxsim.rounding import largest_remainder

GRID_KM = 5.0


def provinces_geojson(provinces: pl.DataFrame, path: Path) -> None:
    """Province polygons (simplified at build time) with Vietnamese and ASCII names and population.

    The geometry is the geodata cache's own GeoJSON text (`geometry_geojson`, dxsim.geo.geojson: RFC 7946 right-hand
    MultiPolygons at 1e-4 deg), placed as it is, so a run neither imports shapely nor re-serialises the boundaries.

    `pop` is whole people that add up to the country's total rounded once (largest remainder): rounded one by one, the
    34 provinces summed to 101,300,001 beside the 101.3 M the grid holds."""
    pop = provinces["pop"].cast(pl.Float64).fill_null(0.0).to_numpy()
    whole = largest_remainder(round(float(pop.sum())), pop)
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
                "pop": int(people),
                # the pre-2025 provinces merged into it under another code ("Hà Giang (02)"), for the map's address
                "former": rec.get("former") or "",
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "}"
        for rec, people in zip(provinces.iter_rows(named=True), whole, strict=True)
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
