"""Field helpers: every scenario parameter carries a unit, a range and a cited default.

`param()` wraps pydantic's `Field` so that the range is enforced (ge/le) and the unit and
source travel into the JSON Schema (`x-unit`, `x-source`), from which `dxsim schema` and
the README table are generated.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

# Value types shared by scenario sections (ranges travel into the JSON Schema and the docs).
Year = Annotated[int, Field(ge=2020, le=2100)]
SitesPerYear = Annotated[int, Field(ge=0, le=500_000)]
VndBnPerYear = Annotated[float, Field(ge=0, le=1_000_000)]
Month = Annotated[int, Field(ge=1, le=12)]


class StrictModel(BaseModel):
    """Base for scenario sections: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


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
    extra = {"x-unit": unit, "x-source": source}
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
