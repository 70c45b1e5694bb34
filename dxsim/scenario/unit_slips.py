"""Values that are allowed but look like a unit slip: a share written as a fraction in a percent field (0.25 for 25%),
or a value a hundred times or more away from its default (headroom in GW where the field is in MW).

Why: both validate and run silently, and the run's numbers are then wrong by the slip's factor; a trial planner
wrote `device_5g_share_pct = 0.3` and read the served population as if 30% of phones were 5G. A range cannot catch
them (0.3% is a legal share), so these are notes, never errors: `dxsim validate` and `dxsim run` print them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from annotated_types import Le
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from dxsim.i18n import gettext as _
from dxsim.i18n import formats as F
from dxsim.i18n.formats import significant
from dxsim.scenario.constants import item_field
from dxsim.scenario.docs import unit_text

# a value this many times its default (or this many times smaller) is worth a second look; 100 catches MW/GW,
# VND bn/mn and days written in months or years (30, 365 times) only from 100 up: months and weeks stay silent
SCALE_FACTOR = 100.0


@dataclass(frozen=True)
class UnitSlip:
    """One suspicious value: its dotted field, the value, the field's unit and default, and what to check."""

    field: str
    value: float
    unit: str
    default: float | None
    hint: str


def _unit(info: FieldInfo) -> str | None:
    extra = info.json_schema_extra
    unit = extra.get("x-unit") if isinstance(extra, dict) else None
    return unit if isinstance(unit, str) else None


def _default(info: FieldInfo) -> Any:
    if info.default is not PydanticUndefined:
        return info.default
    if info.default_factory is not None:
        try:
            return info.default_factory()  # type: ignore[call-arg]  # factories here take no argument
        except TypeError:
            return None
    return None


def _default_at(default: Any, key: Any) -> Any:
    """A table's default for a key; for a year the table's default does not list, the value of the latest listed year
    before it (or the first), as per-year tables repeat their last value."""
    if not isinstance(default, dict) or not default:
        return None
    if key in default:
        return default[key]
    years = sorted(k for k in default if isinstance(k, int))
    if not isinstance(key, int) or not years:
        return None
    before = [y for y in years if y <= key]
    return default[before[-1] if before else years[0]]


def _upper(info: FieldInfo) -> float | None:
    """The field's upper bound (`le`), if any."""
    for m in info.metadata:
        if isinstance(m, Le):
            return float(m.le)  # type: ignore[arg-type]  # numeric fields' bounds are numbers
    return None


def is_percent(name: str, unit: str) -> bool:
    """A field in percent (of anything) or percentage points."""
    return unit.startswith(("%", "percentage point")) or name.endswith("_pct")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(float(value)) else None


def check_value(
    field: str, name: str, value: Any, unit: str, default: Any, upper: float | None = None
) -> UnitSlip | None:
    """The slip a value of one field looks like, or None (a value equal to its default never is one). A default at
    the field's upper bound stands for "no limit" (a support fund of 1,000,000 bn), so values far below it are
    normal."""
    v, d = _number(value), _number(default)
    if v is None or v == d:
        return None
    if is_percent(name, unit) and 0.0 < v < 1.0 and (d is None or d == 0.0 or d >= 1.0):
        return UnitSlip(
            field,
            v,
            unit,
            d,
            _("this field is in percent: {v} means {v}%, not {pct}% (write {pct} for {pct}%)").format(
                v=significant(v), pct=significant(100.0 * v)
            ),
        )
    if (
        d is not None and d != 0.0 and v != 0.0 and d != upper and unit != "-"
    ):  # "-": a seed, a count, no unit
        ratio = abs(v / d)
        if ratio >= SCALE_FACTOR or ratio <= 1.0 / SCALE_FACTOR:
            # a whole default as it is (16,737 stations, not "16700"); a fraction to 3 significant digits
            shown = F.number(d) if d.is_integer() else significant(d)
            times = (
                _("{x} times its default {d}").format(x=significant(ratio), d=shown)
                if ratio >= 1.0
                else _("1/{x} of its default {d}").format(x=significant(1.0 / ratio), d=shown)
            )
            return UnitSlip(
                field,
                v,
                unit,
                d,
                _("{times}: check it is in {unit}").format(
                    times=times, unit=unit_text(unit, translated=True)
                ),
            )
    return None


def unit_slips(model: BaseModel, prefix: str = "") -> list[UnitSlip]:
    """Every suspicious value in a scenario (or any section of one), in schema order."""
    out: list[UnitSlip] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        field = f"{prefix}{name}"
        unit = _unit(info)
        if isinstance(value, BaseModel):
            out.extend(unit_slips(value, field + "."))
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    out.extend(unit_slips(item, item_field(field, i) + "."))
        elif isinstance(value, dict):
            default = _default(info)
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    out.extend(unit_slips(item, f"{field}.{key}."))
                elif unit is not None:
                    d = _default_at(default, key)
                    slip = check_value(f"{field}.{key}", name, item, unit, d, _upper(info))
                    out.extend([slip] if slip else [])
        elif unit is not None:
            slip = check_value(field, name, value, unit, _default(info), _upper(info))
            out.extend([slip] if slip else [])
    return out


def slip_line(file: str, slip: UnitSlip) -> str:
    """The note `dxsim validate` and `dxsim run` print for one slip."""
    return _("{file}: note: {field} = {value} ({unit}): {hint}").format(
        file=file,
        field=slip.field,
        value=significant(slip.value, 6),
        unit=unit_text(slip.unit, translated=True),
        hint=slip.hint,
    )
