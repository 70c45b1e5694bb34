"""Simulation clock: day 0 is the scenario start date; metrics are taken at month ends."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np


def month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Reporting dates: every month end from the start's up to `end`, and `end` itself last.

    A horizon that stops mid-month reports its final partial month on the end date.
    """
    out = []
    d = month_end(start)
    while d <= end:
        out.append(d)
        d = month_end(d + dt.timedelta(days=1))
    if not out or out[-1] != end:
        out.append(end)
    return out


def first_counted_day(days: np.ndarray) -> np.ndarray:
    """Whole days from the start to the first date at whose start events at simulation `days` have happened (30.4 ->
    31): the date from which the month-end metrics, taken at the start of their date, count them.

    Why: entity tables dated events by the day rounded down, so a site on air during 30 Nov was dated 30 Nov but not
    in that month end's `stations_5g`, and filtering a table up to a month end disagreed with its metric."""
    counted: np.ndarray = np.ceil(days)
    return counted


def counted_date(start: dt.date, day: float | None) -> dt.date | None:
    """The date from which the month-end metrics count an event at simulation `day` (None: never, or not finite)."""
    if day is None or not np.isfinite(day):
        return None
    return start + dt.timedelta(days=int(first_counted_day(np.asarray(day))))


class Clock:
    """Converts between simulation days (float, day 0 = start date) and calendar dates."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start = start
        self.end = end
        self.horizon_days = float((end - start).days)

    def day(self, d: dt.date) -> float:
        return float((d - self.start).days)

    def date(self, day: float) -> dt.date:
        return self.start + dt.timedelta(days=int(np.floor(day)))

    def month_of(self, day: float) -> int:
        return self.date(day).month

    def year_of(self, day: float) -> int:
        return self.date(day).year

    def next_month_start(self, day: float) -> float:
        d = self.date(day)
        nxt = month_end(d) + dt.timedelta(days=1)
        return self.day(nxt)


def year_share_left(start: dt.date, year: int) -> float:
    """Share of `year` from `start` on (1 for later years, 0 for earlier ones): the start year's pro rata."""
    if year != start.year:
        return 1.0 if year > start.year else 0.0
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    return (days - (start - first).days) / days
