"""Field helpers: every scenario parameter carries a unit, a range and a cited default.

`param()` wraps pydantic's `Field` so that the range is enforced (ge/le) and the unit and
source travel into the JSON Schema (`x-unit`, `x-source`), from which `dxsim schema` and
the README table are generated.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dxsim.i18n import gettext as _
from dxsim.delay import lognormal_days, sigma_from_p90

# Value types shared by scenario sections (ranges travel into the JSON Schema and the docs).
Year = Annotated[int, Field(ge=2020, le=2100)]
SitesPerYear = Annotated[int, Field(ge=0, le=500_000)]
VndBnPerYear = Annotated[float, Field(ge=0, le=1_000_000)]
Month = Annotated[int, Field(ge=1, le=12)]


class StrictModel(BaseModel):
    """Base for scenario sections: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        """A true/false field takes a TOML boolean only: pydantic's lax mode read "yes", "off", "1" or "n" as one,
        so a typo or a quoted "no" could turn a switch silently."""
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and field.annotation is bool and not isinstance(value, bool):
            # pydantic's own error for a non-boolean, so the loader words it as for any wrong type
            raise PydanticCustomError("bool_type", "Input should be a valid boolean")
        return value


class KeyedTable(StrictModel):
    """A small table of numbers with one field per key (cooling class, rack class, region, terrain class, ...).

    The one home of the look-ups every such table needs: one key, many keys (vectorised), all of them."""

    def lookup(self, key: str) -> float:
        """The value for one key (a field name; an unknown key is an AttributeError)."""
        return float(getattr(self, key))

    def lookup_many(self, keys: ArrayLike) -> NDArray[np.float64]:
        """The value for each key, vectorised (NaN for a key that is not a field)."""
        arr = np.asarray(keys).astype(str)
        out = np.full(arr.shape, np.nan)
        for name, value in self.model_dump().items():
            out[arr == name] = float(value)
        return out

    def as_dict(self) -> dict[str, float]:
        """Every key and its value."""
        return {k: float(v) for k, v in self.model_dump().items()}


def param(
    default: Any,
    *,
    unit: str,
    description: str,
    source: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    **kwargs: Any,
) -> Any:
    """A documented scenario parameter: default, unit, range and the source of the default."""
    extra: dict[str, Any] = {"x-unit": unit, "x-source": source}
    if isinstance(default, (list, dict)):
        kwargs["default_factory"] = lambda d=default: type(d)(d)  # fresh copy per instance
    else:
        kwargs["default"] = default
    return Field(
        description=description,
        ge=ge,
        le=le,
        gt=gt,
        json_schema_extra=extra,
        **kwargs,
    )


class DelayDays(StrictModel):
    """A positive, right-skewed delay given as median and 90th percentile (log-normal).

    Planners quote delays as "usually X, one in ten takes Y"; the log-normal is fixed by
    those two numbers: mu = ln(p50), sigma = ln(p90/p50) / 1.2816. One model for every delay
    in the scenario (permits, lead times, construction, crew work).
    """

    p50_days: float = Field(description="Median delay (days).", ge=0, le=3650)
    p90_days: float = Field(description="90th-percentile delay (days), >= p50_days.", ge=0, le=3650)

    @model_validator(mode="after")
    def _ordered(self) -> DelayDays:
        if self.p90_days < self.p50_days:
            raise ValueError(
                _("p90_days ({p90}) must be >= p50_days ({p50})").format(p90=self.p90_days, p50=self.p50_days)
            )
        return self

    @property
    def mu(self) -> float:
        return math.log(max(self.p50_days, 1e-9))

    @property
    def sigma(self) -> float:
        """Log-space sigma: ln(p90/p50) / z90 (0 when p50 is 0)."""
        return sigma_from_p90(self.p50_days, self.p90_days)

    @property
    def mean_days(self) -> float:
        return self.p50_days * math.exp(self.sigma**2 / 2.0)

    def draw(self, z: float) -> float:
        """The delay for a standard-normal draw z (deterministic when p50 == p90)."""
        if self.p50_days <= 0:
            return 0.0
        return lognormal_days(self.p50_days, self.sigma, z)

    def draws(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """The delays (days) for an array of standard-normal draws (dxsim.delay, vectorised)."""
        return lognormal_days(self.p50_days, self.sigma, z)
