"""Province boundaries as RFC 7946 GeoJSON geometry text, made once when the geodata cache is built.

Every run writes `provinces.geojson` for its map and report. Making that text from the boundaries' WKB in the run
(import shapely, snap to PRECISION_DEG, orient the rings, serialise) took ~0.15 s of every `dxsim run`, on the
path before the GIS layers can start; the boundaries are the same for every run of a geodata cache, so the cache
holds the text (`provinces.geometry_geojson`) and a run only places it (dxsim.results.geo_tables).
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

PRECISION_DEG = (
    1e-4  # ~11 m: far below the ~0.005 deg the boundaries are simplified to, and a third of the bytes
)


def right_hand(geom: Any) -> Any:
    """A (multi)polygon with its exterior rings counterclockwise and holes clockwise (RFC 7946 3.1.6: they came out
    clockwise, which GeoJSON validators flag and d3-geo draws as the whole globe minus the province); shapely 2.0's
    `orient` (`orient_polygons` needs 2.1); other geometries as they are."""
    if isinstance(geom, Polygon):
        return orient(geom, 1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    return geom


def as_multi(geom: Any) -> Any:
    """A Polygon as a one-part MultiPolygon, anything else as it is: half the provinces were Polygons and half
    MultiPolygons, so GDAL typed the file "Unknown (any)" and GIS tools that want one type per layer split or refused
    it (results.gpkg already promoted them)."""
    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


def geometry_geojson(wkb: list[bytes]) -> list[str]:
    """Each boundary (WKB) as compact GeoJSON geometry text: snapped to PRECISION_DEG, right-hand, MultiPolygon."""
    return [
        json.dumps(
            json.loads(
                shapely.to_geojson(
                    as_multi(right_hand(shapely.set_precision(shapely.from_wkb(g), PRECISION_DEG)))
                )
            ),
            separators=(",", ":"),
        )
        for g in wkb
    ]
