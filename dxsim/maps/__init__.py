"""Offline maps of a run's output directory (`dxsim map RESULT_DIR`, and `dxsim run` unless --no-map).

    from dxsim.maps import build_map, LAYERS
    build_map(Path("outputs/baseline"))                      # -> outputs/baseline/map.html
    build_map(Path("outputs/baseline"), layers=["villages"])  # only that overlay

The page is self-contained (Leaflet inlined from xstatic-leaflet, no CDN, no tile server: the
province boundaries are the basemap) and reads only the files `dxsim run` writes; it never imports
the model (`dxsim.sim`, `dxsim.geo`, `dxsim.radio`).

The names load on first use: the report reads `dxsim.maps.data` without paying for folium (~0.4 s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dxsim.maps.build import MAP_FILE, build_map, render_map
    from dxsim.maps.layers import LAYERS, LayerSpec

__all__ = ["LAYERS", "MAP_FILE", "LayerSpec", "build_map", "render_map"]
_HOME = {
    "LAYERS": "dxsim.maps.layers",
    "LayerSpec": "dxsim.maps.layers",
    "MAP_FILE": "dxsim.maps.build",
    "build_map": "dxsim.maps.build",
    "render_map": "dxsim.maps.build",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dxsim.maps' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
