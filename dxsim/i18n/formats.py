"""Numbers, percentages, dates, months and money in the language in use (Babel's CLDR data).

Vietnamese: ``1.074,75``, ``39,52%``, ``31/12/2025``, ``tháng 12/2025``, ``1.250 tỷ đồng``,
``12,7 nghìn tỷ đồng``. English: ``1,074.75``, ``39.52%``, ``31/12/2025``, ``2025-12``,
``1,250 bn VND``, ``12.7 tn VND``. No separator or pattern is written by hand: Babel formats
every number with the locale's symbols, and the date patterns are CLDR skeletons or the
reports' own ("tháng 12/2025").
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from dxsim.i18n import gettext as _
from dxsim.i18n import language

MISSING = "–"
TRILLION_FROM_BN = 10_000.0  # from 10,000 bn VND on, money reads as "nghìn tỷ đồng" / tn VND


def _exact(v: float) -> Decimal:
    """The float's exact binary value: Babel then rounds as Python's own formatting does (0.05 -> 0.1 at one
    decimal, as f"{0.05:.1f}"); from the shortest repr it would round the tie half-even (0.0)."""
    return Decimal(float(v))


def _ok(v: float | None) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def number(v: float | None, decimals: int = 0, *, signed: bool = False) -> str:
    """A number with the locale's grouping and decimal mark, `decimals` places."""
    if not _ok(v):
        return MISSING
    assert v is not None
    fmt = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(_exact(v), format=fmt, locale=language())
    return ("+" + text) if signed and v > 0 else text


def plain(v: float | None, decimals: int = 0) -> str:
    """A number without grouping (a year such as 2029,33 / 2029.33): only the decimal mark is the locale's."""
    if not _ok(v):
        return MISSING
    assert v is not None
    return format_decimal(
        _exact(v), format="0" + ("." + "0" * decimals if decimals > 0 else ""), locale=language()
    )


def significant(v: float | None, digits: int = 3, *, signed: bool = False) -> str:
    """A small number to `digits` significant digits, without exponent or trailing zeros: 0,00000538 / 0.00000538,
    0.004 (not 0.00400, which claims a precision the value may not have)."""
    if not _ok(v):
        return MISSING
    assert v is not None
    text = format_decimal(_exact(v), format="@" + "#" * (max(1, digits) - 1), locale=language())
    return ("+" + text) if signed and v > 0 else text


def percent(v_pct: float | None, decimals: int = 2, *, signed: bool = False) -> str:
    """A value already in percent (39.52) as "39,52%" / "39.52%"."""
    if not _ok(v_pct):
        return MISSING
    return number(v_pct, decimals, signed=signed) + "%"


def date(d: dt.date | None) -> str:
    """A day: 31/12/2025 (the seed reports' and Vietnam's convention) / 2025-12-31 (ISO, as dxsim's English tables and
    `month` show it: an English compare line said "at 31/12/2026" beside tables of "2026-12-31"; trial 2026-12-07)."""
    if d is None:
        return MISSING
    return d.isoformat() if language() == "en" else format_date(d, "dd/MM/yyyy", locale=language())


def month(d: dt.date | None) -> str:
    """A month: "tháng 12/2025" (the reports' form) / "2025-12" (ISO, as dxsim's English tables show it)."""
    if d is None:
        return MISSING
    if language() == "vi":
        return format_date(d, "'tháng' M/yyyy", locale="vi")
    return format_date(d, "yyyy-MM", locale="en")


def duration(seconds: float) -> str:
    """A duration for a progress line or an estimate: tenths under 10 s (a world read from the store takes 0.3 s,
    not "0 s"), whole seconds to 2 min, minutes to 2 h, hours to 3 days, then days."""
    if seconds < 10:
        return _("{n} s").format(n=number(seconds, 1))
    if seconds < 120:
        return _("{n} s").format(n=number(seconds, 0))
    if seconds < 2 * 3600:
        return _("{n} min").format(n=number(seconds / 60, 0))
    if seconds < 3 * 86400:
        return _("{n} h").format(n=number(seconds / 3600, 1))
    return _("{n} days").format(n=number(seconds / 86400, 0))


def money_vnd_bn(v_bn: float | None, *, signed: bool = False) -> str:
    """Billions of VND: "1.250 tỷ đồng", and from 10,000 bn "12,7 nghìn tỷ đồng" (en: bn / tn VND)."""
    if not _ok(v_bn):
        return MISSING
    assert v_bn is not None
    if abs(v_bn) >= TRILLION_FROM_BN:
        return number(v_bn / 1000.0, 1, signed=signed) + " " + _("tn VND")
    return number(v_bn, 0 if abs(v_bn) >= 10 else 1, signed=signed) + " " + _("bn VND")
