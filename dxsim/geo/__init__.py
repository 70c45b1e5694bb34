"""Geodata: raw inputs -> cached model inputs (provinces, population cells, communes)."""

from dxsim.geo.build import build_cache
from dxsim.geo.country import Country, load_country

__all__ = ["Country", "build_cache", "load_country"]
