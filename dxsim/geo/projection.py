"""The one projection of dxsim: WGS 84 longitude/latitude <-> VN-2000 / UTM zone 48N metres (EPSG:3405).

Distances, buffers and nearest-neighbour queries are in metres on this plane; files are in EPSG:4326.
Every layer (cells, sites, villages, planner files) projects through here, so they line up exactly.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

GEOGRAPHIC_EPSG = 4326
PROJECTED_EPSG = 3405  # VN-2000 / UTM zone 48N


@lru_cache(maxsize=2)
def _transformer(to_projected: bool) -> Transformer:
    src, dst = (GEOGRAPHIC_EPSG, PROJECTED_EPSG) if to_projected else (PROJECTED_EPSG, GEOGRAPHIC_EPSG)
    return Transformer.from_crs(f"EPSG:{src}", f"EPSG:{dst}", always_xy=True)


def to_projected(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(x_m, y_m) on EPSG:3405 of longitude/latitude points (degrees)."""
    x, y = _transformer(True).transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_lonlat(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(lon, lat) in degrees of EPSG:3405 points (metres)."""
    lon, lat = _transformer(False).transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
