"""Formatting for the report: values in human units, dates, option labels.

Pure functions, no I/O. Values go through dxsim.i18n.formats; the KPIs' labels, kinds and groups are
dxsim.results.kpi_labels (the workbook shows the same labels).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.results.summary import decimal_year_to_date
from dxsim.results.value_labels import BACKHAUL, POWER


def decimal_year_to_month(v: float) -> str:
    """Decimal year (as in summary.json: year + day-of-year / days-in-year) -> '2025-12' / 'tháng 12/2025'."""
    d = decimal_year_to_date(v)
    return F.month(d) if d is not None else _("not reached")


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and not math.isfinite(v))


def num(v: float | None, decimals: int = 0) -> str:
    """A number in the language's format (F.number; kept as the report's short name)."""
    return F.number(v, decimals)


def fmt_value(v: Any, kind: str) -> str:
    """A KPI value in human units and the language's number format ('not reached' for a missing date,
    '–' for another missing value). Money and MW carry their unit in the label, so the value is a number."""
    if kind == "year":
        if _is_missing(v):
            return _("not reached")
        try:
            return decimal_year_to_month(float(v))
        except (TypeError, ValueError, OverflowError):
            return str(v)
    if _is_missing(v):
        return F.MISSING
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    v = float(v)
    if kind == "count":
        return num(v, 0)
    if kind == "pct":
        return num(v, 2)
    if kind in ("money", "mw"):
        return num(v, 0 if abs(v) >= 100 else 1)
    return fmt_number(v)


def fmt_number(v: object, decimals: int = 2) -> str:
    """A plain number: integers without decimals, large values with thousands separators."""
    if _is_missing(v):
        return F.MISSING
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    v = float(v)
    if abs(v) >= 1000 or round(v, decimals) == round(v):
        return num(v, 0)
    return num(v, decimals)


def fmt_range(lo: Any, hi: Any, kind: str) -> str:
    return f"{fmt_value(lo, kind)} – {fmt_value(hi, kind)}"


def fmt_date(v: object) -> str:
    """A day: ISO 2025-12-31 in English (as the files write it), 31/12/2025 in Vietnamese (F.date)."""
    if v is None:
        return F.MISSING
    if isinstance(v, dt.date):
        return F.date(v)
    return str(v)


def option_label(power: str | None, backhaul: str | None) -> str:
    """'grid extension + LEO satellite' in the language in use (an unknown identifier is shown as it is)."""
    if not power and not backhaul:
        return _("no option")
    p = _(POWER[power]) if power in POWER else (power or F.MISSING)
    b = _(BACKHAUL[backhaul]) if backhaul in BACKHAUL else (backhaul or F.MISSING)
    return f"{p} + {b}"
