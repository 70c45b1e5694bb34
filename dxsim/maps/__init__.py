"""Offline maps of a run's output directory (`dxsim map RESULT_DIR`, and `dxsim run` unless --no-map).

    from dxsim.maps import build_map, LAYERS
    build_map(Path("outputs/baseline"))                      # -> outputs/baseline/map.html
    build_map(Path("outputs/baseline"), layers=["villages"])  # only that overlay

The page is self-contained (Leaflet inlined from xstatic-leaflet, no CDN, no tile server: the
province boundaries are the basemap) and reads only the files `dxsim run` writes; it never imports
the model (`dxsim.sim`, `dxsim.geo`, `dxsim.radio`).
"""

from dxsim.maps.build import MAP_FILE, build_map, render_map
from dxsim.maps.layers import LAYERS, LayerSpec

__all__ = ["LAYERS", "MAP_FILE", "LayerSpec", "build_map", "render_map"]
