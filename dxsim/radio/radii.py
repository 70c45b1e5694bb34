"""Coverage radius per environment for a technology layer, from the default link budgets."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Protocol

from dxsim.radio.link_budget import DEFAULT_BUDGETS, cell_radius_m

ENVS = ("urban", "suburban", "rural")


class EnvBandsLike(Protocol):
    """A band (MHz) per environment, e.g. scenario.sections.network_5g.EnvBands (radio does not import scenario)."""

    @property
    def urban(self) -> int: ...

    @property
    def suburban(self) -> int: ...

    @property
    def rural(self) -> int: ...


def supported_bands(technology: str) -> tuple[int, ...]:
    """Bands with a default link budget for this technology."""
    return tuple(sorted({b for (t, b, e) in DEFAULT_BUDGETS if t == technology and e in ENVS}))


@lru_cache(maxsize=256)
def radius_m(technology: str, band_mhz: int, environment: str, coverage_definition: str = "outdoor") -> float:
    """Cell radius (m). `outdoor` drops building penetration loss (ITU population-coverage convention)."""
    budget = DEFAULT_BUDGETS[(technology, int(band_mhz), environment)]
    if coverage_definition == "outdoor":
        budget = replace(budget, penetration_loss_db=0.0)
    return float(cell_radius_m(budget))


def radii_m(technology: str, bands: EnvBandsLike, coverage_definition: str = "outdoor") -> dict[str, float]:
    """{environment: radius_m} for an EnvBands-like object (attributes urban/suburban/rural)."""
    return {e: radius_m(technology, getattr(bands, e), e, coverage_definition) for e in ENVS}
