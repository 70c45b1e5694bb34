"""The observations table: every reported figure, with its date, area, source and tolerance (issue 11).

``geodata/observations.csv`` holds one row per reported figure (5G stations and coverage, 4G,
villages without signal or power, data centres, GPUs, speeds, ...), each cited to a seed report
line (``000:56``, see ``../shared/seed_facts.md``) or a curated raw file under the shared geodata
folder (``villages/vn_deadzone_counts_timeline.csv row 2024-10 (...)``). A backtest scores model
projections against the rows whose ``metric`` is a model metric; the rest are context.

Conventions checked here, so a planner's own file follows them too:

* ``date`` is the ISO date the figure refers to. ``date_precision`` says what the report gave:
  ``day``; ``month`` (the date is the month's last day); ``year`` (the date is 31 December).
* ``area`` is ``VN``, a gso34 province code of ``geodata/province_regions.csv`` (text, e.g. "08"),
  or a named subset of :data:`NAMED_AREAS`.
* ``kind``: ``observed``, ``target`` (an official goal), ``forecast`` (an expected or planned value),
  ``upper_bound`` (the report gives a ceiling: "under 2,000", "up to 220 MW"), ``lower_bound`` (a floor: "more
  than 35,000", "vượt mốc") or ``restated`` (a later document repeats an earlier figure under a later date; shown
  for judgement, never scored).
* ``tolerance`` is absolute, in the row's unit, >= 0 (reporting precision, rounding or the report's
  own uncertainty, said in ``tolerance_basis``).

This module sits at the bottom layer: it reads the file and validates it, nothing else.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import re
from pathlib import Path

import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.paths import fact_table

OBSERVATIONS_FILE = "observations.csv"
REQUIRED_COLUMNS: tuple[str, ...] = (
    "date",
    "date_precision",
    "area",
    "metric",
    "value",
    "unit",
    "kind",
    "tolerance",
    "tolerance_basis",
    "source",
    "quote",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("note",)
KINDS: tuple[str, ...] = ("observed", "target", "forecast", "upper_bound", "lower_bound", "restated")
DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year")
NATIONAL_AREA = "VN"
# Areas that are neither the country nor a province: the subsets the reports speak of.
NAMED_AREAS: dict[str, str] = {
    "provincial_capitals": "provincial capital areas ('khu vực thủ phủ tỉnh', MIC report 003:34)",
}
SEED_SOURCE = re.compile(r"^\d{3}:\d+(-\d+)?(\s|$)")  # seed file id and line(s), e.g. "002:3297-3301"
RAW_SUBDIRS = ("boundaries", "infra", "population", "terrain", "villages")  # folders of the shared geodata
# a public page the seeds and the shared geodata do not hold: its address, then its publisher and date in brackets
URL_SOURCE = re.compile(r"^https://\S+ \([^()]+ \d{4}-\d{2}-\d{2}\)$")
GEODATA_SOURCE = re.compile(
    r"^(" + "|".join(RAW_SUBDIRS) + r")/[A-Za-z0-9_.-]+\.(csv|geojson|gpkg|tif)(\s|$)"
)
METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "date_precision": pl.Utf8(),
    "area": pl.Utf8(),
    "metric": pl.Utf8(),
    "value": pl.Float64(),
    "unit": pl.Utf8(),
    "kind": pl.Utf8(),
    "tolerance": pl.Float64(),
    "tolerance_basis": pl.Utf8(),
    "source": pl.Utf8(),
    "quote": pl.Utf8(),
    "note": pl.Utf8(),
}


def province_codes() -> set[str]:
    """gso34 codes of the 34 provinces (geodata/province_regions.csv), the allowed province areas."""
    path = fact_table("province_regions.csv")
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return {r["gso34"].strip() for r in csv.DictReader(f)}
    except (OSError, KeyError, UnicodeDecodeError) as exc:
        raise DxsimInputError(
            f"fact table unreadable ({type(exc).__name__})",
            file=path,
            allowed="a CSV with a gso34 column; restore geodata/ or reinstall dxsim",
        ) from None


class _RowChecker:
    """Validates one row at a time; every failure names file, row, field, value and what is allowed."""

    def __init__(self, path: Path, provinces: set[str]) -> None:
        self.path = path
        self.provinces = provinces
        self.line_no = 0  # file line where the current row ends (a quoted cell may span lines)

    def fail(self, row_no: int, field: str, value: object, problem: str, allowed: str) -> DxsimInputError:
        return DxsimInputError(
            f"row {row_no} (line {self.line_no}): {problem}",
            file=self.path,
            field=field,
            value=value,
            allowed=allowed,
        )

    def text(self, row_no: int, row: dict[str, str], field: str) -> str:
        value = (row.get(field) or "").strip()
        if not value:
            raise self.fail(row_no, field, value, "empty", "a non-empty text")
        return value

    def number(self, row_no: int, row: dict[str, str], field: str, *, minimum: float | None = None) -> float:
        raw = (row.get(field) or "").strip()
        allowed = "a finite number in English notation (e.g. 16737 or 39.52)"
        if minimum is not None:
            allowed = f"a finite number >= {minimum:g}"
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(row_no, field, raw, "not a number", allowed) from None
        if not math.isfinite(value):
            raise self.fail(row_no, field, raw, "not finite", allowed)
        if minimum is not None and value < minimum:
            raise self.fail(row_no, field, raw, f"below {minimum:g}", allowed)
        return value

    def date(self, row_no: int, row: dict[str, str], precision: str) -> dt.date:
        raw = (row.get("date") or "").strip()
        allowed = "an ISO date YYYY-MM-DD"
        try:
            if not ISO_DATE.match(raw):
                raise ValueError(raw)
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise self.fail(row_no, "date", raw, "not an ISO date", allowed) from None
        last = calendar.monthrange(day.year, day.month)[1]
        if precision == "month" and day.day != last:
            raise self.fail(
                row_no,
                "date",
                raw,
                "date_precision is 'month' but the date is not the month's last day",
                f"{day.year:04d}-{day.month:02d}-{last:02d}",
            )
        if precision == "year" and (day.month, day.day) != (12, 31):
            raise self.fail(
                row_no,
                "date",
                raw,
                "date_precision is 'year' but the date is not 31 December",
                f"{day.year:04d}-12-31",
            )
        return day

    def check(self, row_no: int, row: dict[str, str]) -> dict[str, object]:
        precision = self.text(row_no, row, "date_precision")
        if precision not in DATE_PRECISIONS:
            raise self.fail(
                row_no, "date_precision", precision, "unknown precision", ", ".join(DATE_PRECISIONS)
            )
        day = self.date(row_no, row, precision)
        area = self.text(row_no, row, "area")
        if area != NATIONAL_AREA and area not in self.provinces and area not in NAMED_AREAS:
            raise self.fail(
                row_no,
                "area",
                area,
                "unknown area",
                f"{NATIONAL_AREA}, a gso34 code of geodata/province_regions.csv as text (e.g. 01, 08) "
                f"or one of {', '.join(sorted(NAMED_AREAS))}",
            )
        metric = self.text(row_no, row, "metric")
        if not METRIC_NAME.match(metric):
            raise self.fail(row_no, "metric", metric, "not a metric name", "lower-case letters, digits and _")
        kind = self.text(row_no, row, "kind")
        if kind not in KINDS:
            raise self.fail(row_no, "kind", kind, "unknown kind", ", ".join(KINDS))
        source = self.text(row_no, row, "source")
        if not (SEED_SOURCE.match(source) or GEODATA_SOURCE.match(source) or URL_SOURCE.match(source)):
            raise self.fail(
                row_no,
                "source",
                source,
                "cites neither a seed line, a shared geodata file nor a dated public page",
                "a seed file id and line(s) such as '000:56' or '002:3297-3301', or a file under "
                f"the shared geodata folder ({'/, '.join(RAW_SUBDIRS)}/) such as "
                "'villages/vn_deadzone_counts_timeline.csv', then the document, or a page's https address then "
                "its publisher and date in brackets, such as 'https://vnexpress.net/... (vnexpress.net 2025-12-25)'",
            )
        return {
            "date": day,
            "date_precision": precision,
            "area": area,
            "metric": metric,
            "value": self.number(row_no, row, "value"),
            "unit": self.text(row_no, row, "unit"),
            "kind": kind,
            "tolerance": self.number(row_no, row, "tolerance", minimum=0.0),
            "tolerance_basis": self.text(row_no, row, "tolerance_basis"),
            "source": source,
            "quote": self.text(row_no, row, "quote"),
            "note": (row.get("note") or "").strip(),
        }


def read_observations(path: Path | str | None = None) -> pl.DataFrame:
    """All rows of the observations table, validated; `path` lets a planner use their own file.

    Default: the shipped ``geodata/observations.csv`` (found through :func:`dxsim.paths.fact_table`,
    so it also works for an installed package). Raises :class:`DxsimInputError` naming the file, the
    row, the field, the value and what is allowed at the first bad row.
    """
    file = Path(path).expanduser() if path is not None else fact_table(OBSERVATIONS_FILE)
    try:
        with open(file, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise DxsimInputError(
                    "column(s) missing",
                    file=file,
                    field=", ".join(missing),
                    allowed="columns "
                    + ", ".join(REQUIRED_COLUMNS)
                    + " (optionally "
                    + ", ".join(OPTIONAL_COLUMNS)
                    + ")",
                )
            reader.fieldnames = header
            checker = _RowChecker(file, province_codes())
            rows = []
            for row_no, row in enumerate(reader, start=1):
                checker.line_no = reader.line_num
                if None in row:  # more cells than header columns
                    raise checker.fail(
                        row_no,
                        "row",
                        len(header) + len(row[None]),
                        "more cells than columns",
                        f"{len(header)} cells",
                    )
                rows.append(checker.check(row_no, row))
    except FileNotFoundError:
        raise DxsimInputError(
            "observations file not found",
            file=file,
            allowed="an existing CSV file with the observations columns",
        ) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DxsimInputError(
            f"observations file unreadable ({type(exc).__name__}: {exc})",
            file=file,
            allowed="a UTF-8 CSV file",
        ) from None
    if not rows:
        raise DxsimInputError("no observations", file=file, allowed="at least one data row")
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")
