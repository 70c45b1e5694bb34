"""A planner's own site list, replacing the synthetic layer.

CSV columns (one row per station):

| column | meaning |
|---|---|
| `lon`, `lat` | WGS84 degrees, inside Vietnam |
| `operator` | viettel, vnpt or mobifone |
| `technology` | 4g or 5g |
| `band_mhz` | coverage band (a band with a link budget for that technology) |
| `on_air_date` | ISO date from 1990-01-01 (5G: 2019-01-01) to the scenario's end date; empty = planned |

Column names are case-insensitive and each may appear once (`lon,LON` is refused, naming both);
other columns are ignored. `band_mhz` must be a whole number of MHz (1800.0 is read as 1800,
1800.9 is refused). Two rows with the same lon, lat, operator, technology, band and date are
refused (a station counted twice). A file holds at most :data:`MAX_SITE_ROWS` rows, counted
before the file is loaded.

4G rows form the 4G layer. 5G rows on air by the scenario's start date are the start state;
later or undated 5G rows are built first, in date order; after them the rollout continues
with synthetic candidates (upgrades of the planner's 4G sites and new lattice sites), ranked
the same way as the synthetic layer and flagged `synthetic`. A 5G row on one of the file's 4G
masts (same operator, within SAME_MAST_M) is that mast's upgrade: the mast is no candidate again.

With `sites.file_replaces = "provinces"` the file replaces the synthetic layer only in the
provinces where its sites stand: elsewhere the synthetic 4G sites and start network stay (rows
flagged `synthetic`), and the plans are ranked again around them and the file's sites.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError, FileProblems
from dxsim.geo.country import KM_PER_DEGREE_LAT, OUTLINE_TOLERANCE_KM, Country
from dxsim.geo.projection import to_projected
from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.geo.sites import (
    ENV_NAMES,
    CellArrays,
    SiteLayer,
    attach_cells,
    operator_candidates,
    rank_by_operator,
    without_upgrades_of,
)
from dxsim.radio.radii import radius_m, supported_bands
from dxsim.scenario.schema import OPERATORS, Scenario

REQUIRED_COLUMNS = ("lon", "lat", "operator", "technology", "band_mhz", "on_air_date")
# Viet Nam's territory (degrees): the box of its 34 province outlines, island districts included (Trường Sa reaches
# 116.95 E and 6.95 N), generous by ~0.3 degrees; `check_in_country` then checks the outlines themselves
LON_RANGE = (101.8, 117.3)
LAT_RANGE = (6.6, 23.7)
# ~2x Vietnam's 4G + 5G stations of all operators (~136k at 2025-10): room for a national file
MAX_SITE_ROWS = 300_000
# no mobile network in Vietnam before 1993 (GSM); an earlier date is a typo (e.g. 0001-01-01)
ON_AIR_EARLIEST = dt.date(1990, 1, 1)
# no 5G station in Vietnam before 2019: Viettel got the country's first 5G trial licence in January 2019 and put up
# its first 5G station in Hà Nội early that year (Reuters via marketscreener.com 2019-01-23; VnExpress International
# 2019-09-21); a 5G row dated earlier is a 4G row labelled 5G or a typo
ON_AIR_EARLIEST_5G = dt.date(2019, 1, 1)
# without a scenario, the latest on-air date accepted (the schema's last year)
ON_AIR_LATEST_DEFAULT = dt.date(2100, 12, 31)


def _comma_in_number(rec: list[str]) -> tuple[str, str] | None:
    """The first two neighbouring fields that read as one number split at a comma (106,62 -> "106", "62"), or None.

    Why: a village row written with decimal commas (lon 106,62) was told only that it has 8 fields for 7 columns,
    quoting an unrelated value (new-user trial, 2026-12-07)."""
    for a, b in itertools.pairwise(rec):
        if re.fullmatch(r"-?\d+", a.strip()) and re.fullmatch(r"\d+", b.strip()):
            return a.strip(), b.strip()
    return None


def csv_header(path: Path, *, max_rows: int, row_word: str) -> list[str]:
    """The header of a planner CSV, checked, after counting its rows without loading the file.

    Streams the file once with the csv module and stops past `max_rows` data rows, so that a
    file of millions of rows is refused in a fraction of a second instead of filling the memory.
    `row_word` says what a data row is, translated ("site rows"), for the messages.
    Column names are compared stripped and case-insensitively: a name given twice (`name,name`,
    `Lon,LON`) is refused naming both columns.
    """
    header: list[str] | None = None
    rows = 0
    sep = file_separator(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=sep)
            for n_row, rec in enumerate(reader, start=1):  # as a spreadsheet counts them: header = row 1
                if header is None:
                    header = rec
                    refuse_other_separator(path, header)
                    continue
                if len(rec) > len(
                    header
                ):  # polars' "found more fields than defined in 'Schema'" names no row
                    # extra fields that are all empty: separators at the end, not a comma inside a number
                    split = (
                        _comma_in_number(rec)
                        if sep == "," and any(v.strip() for v in rec[len(header) :])
                        else None
                    )
                    raise DxsimInputError(
                        _("{n} fields, but the header has {m} columns").format(n=len(rec), m=len(header))
                        + (
                            "; "
                            + _(
                                "a comma inside a number? {text}: write {decimal} for a decimal, {whole} for a "
                                "thousands separator"
                            ).format(
                                text=split[0] + "," + split[1], decimal=".".join(split), whole="".join(split)
                            )
                            if split is not None
                            else ""
                        ),
                        file=path,
                        field=_("row {row}").format(row=n_row),
                        value=",".join(rec[len(header) :]) if split is None else _shortened(",".join(rec)),
                        allowed=_(
                            "one value per header column (quote a value that holds a comma; no comma at the end)"
                        ),
                    )
                if rec and any(v.strip() for v in rec):
                    if len(rec) < len(
                        header
                    ):  # polars filled the missing fields with nothing, and took the row
                        raise DxsimInputError(
                            _("{n} fields, but the header has {m} columns").format(n=len(rec), m=len(header)),
                            file=path,
                            field=_("row {row}").format(row=n_row),
                            value=_shortened(",".join(rec)),
                            allowed=_(
                                "one value per header column; leave an unknown value empty between its commas "
                                "(a,,c)"
                            ),
                        )
                    rows += 1
                    if rows > max_rows:
                        raise DxsimInputError(
                            _("more than {n} {rows} (stopped counting at line {line})").format(
                                n=F.number(max_rows, 0), rows=row_word, line=reader.line_num
                            ),
                            file=path,
                            allowed=_("at most {n} {rows} per file; keep the ones the scenario needs").format(
                                n=F.number(max_rows, 0), rows=row_word
                            ),
                        )
    except UnicodeDecodeError as exc:
        line = first_non_utf8_line(path)
        with open(path, "rb") as fh:
            utf16 = fh.read(2) in (b"\xff\xfe", b"\xfe\xff")  # its byte-order mark: Excel's "Unicode Text"
        raise DxsimInputError(
            (
                _("UTF-16 text (Excel's 'Unicode Text'), not UTF-8")
                if utf16
                else _("not UTF-8 text: line {line} holds a byte that is not UTF-8 ({reason})").format(
                    line=line, reason=exc.reason
                )
                if line is not None
                else _("not UTF-8 text ({reason})").format(reason=exc.reason)
            ),
            file=path,
            allowed=_(
                "a UTF-8 CSV file: in Excel, Save As 'CSV UTF-8 (Comma delimited)'; a file in Windows-1258 or "
                "another Vietnamese code page reads wrong"
            ),
        ) from None
    except csv.Error as exc:
        raise DxsimInputError(
            _("not a readable CSV ({reason})").format(reason=exc),
            file=path,
            allowed=_("a comma-separated file without NUL bytes or fields over {n} characters").format(
                n=F.number(131_072, 0)
            ),
        ) from None
    except OSError as exc:
        raise DxsimInputError(
            _("cannot read the file ({reason})").format(reason=exc.strerror or exc), file=path
        ) from None
    if header is None:
        raise DxsimInputError(
            _("empty file"),
            file=path,
            field=_("header"),
            allowed=_("a header line and {rows}").format(rows=row_word),
        )
    check_columns(path, header)
    return [normalise_column(c) for c in header]


def first_non_utf8_line(path: Path) -> int | None:
    """The line (from 1) of a file's first byte that is not UTF-8; None if it reads, or cannot be read."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    except OSError:
        return None
    return None


def _shortened(text: str, limit: int = 60) -> str:
    """A row as quoted in a message: at most `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# separators a spreadsheet in a locale with a decimal comma (vi-VN) saves its files with: Excel's "CSV" takes the
# region's list separator, ';', and its text export tabs; its numbers have decimal commas and '.' thousands groups.
# Read as such (`file_separator`, `read_planner_csv`): a Vietnamese planner's Excel file was refused, to be saved
# again as "CSV UTF-8 (Comma delimited)" (provincial trial, 2026-12-07)
LOCALE_SEPARATORS = {";": N_("semicolons"), "\t": N_("tabs")}
OTHER_SEPARATORS = {"|": N_("vertical bars")}  # refused: no spreadsheet writes it
# a number as a decimal-comma locale writes it: 105,8 / -12,5 / 1.800 / 12.345,67 (the '.' groups of three digits)
LOCALE_NUMBER = r"^\s*[-+]?(\d+,\d+|\d{1,3}(\.\d{3})+(,\d+)?)\s*$"
# a number with a decimal comma: 105,8 / -12,5 / 12.345,67; a file with one reads its '.' as thousands groups
DECIMAL_COMMA = r"^\s*[-+]?(\d+|\d{1,3}(\.\d{3})+),\d+\s*$"
# ... and a date as it writes it, day first (Excel's short date in vi-VN)
LOCALE_DATE = "%d/%m/%Y"
LOCALE_DATE_RE = r"^\s*\d{1,2}/\d{1,2}/\d{4}\s*$"


def file_separator(path: Path) -> str:
    """The separator of a planner's CSV: ',' unless its header line is one field holding ';' or a tab."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return ","  # the reader says what is wrong with the file
    header = next(csv.reader([first]), [])
    if len(header) == 1:
        for sep in LOCALE_SEPARATORS:
            if sep in header[0]:
                return sep
    return ","


def separator_note(path_field: str, path: Path) -> str | None:
    """The note a run gives for a planner's file separated by ';' or tabs: how its numbers and dates are read (None
    for a comma file)."""
    sep = file_separator(path)
    if sep not in LOCALE_SEPARATORS:
        return None
    return _(
        "note: {field} is separated by {name}, as a spreadsheet in the Vietnamese locale saves it: {numbers}, its "
        "dates day first (15/03/2025 is 2025-03-15)"
    ).format(field=path_field, name=_(LOCALE_SEPARATORS[sep]), numbers=number_style_note(path))


def refuse_other_separator(path: Path, header: list[str]) -> None:
    """A header read as one column that holds another separator: the file is not comma-separated. Said as such,
    instead of every required column being "missing"."""
    if len(header) != 1:
        return
    for sep, name in OTHER_SEPARATORS.items():
        if sep in header[0]:
            raise DxsimInputError(
                _("the header is one column: the file is separated by {name}, not commas").format(
                    name=_(name)
                ),
                file=path,
                field=_("header"),
                value=header[0] if len(header[0]) <= 80 else header[0][:77] + "...",
                allowed=_("a comma-separated file (in Excel: Save As 'CSV UTF-8 (Comma delimited)')"),
            )


def normalise_column(name: str) -> str:
    """A column name as matched: BOM and spaces stripped, lower case."""
    return name.strip().lstrip("\ufeff").strip().lower()


def check_columns(path: Path, names: list[str], where: str = "header") -> None:
    """Refuse a column named twice, also when the two differ only by case or surrounding spaces."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = normalise_column(str(name))
        if not key:  # an unnamed column (Excel's trailing ",,") is one of the other columns, ignored
            continue
        if key in seen:
            j = seen[key]
            first = str(names[j])
            msg = (
                _("column {first} is given twice (columns {a} and {b})")
                if first.strip() == str(name).strip()
                else _("columns {first} and {second} differ only by case (columns {a} and {b})")
            )
            raise DxsimInputError(
                msg.format(first=repr(first), second=repr(str(name)), a=j + 1, b=i + 1),
                file=path,
                field=where,
                value=str(name),
                allowed=_("each column once; names are case-insensitive"),
            )
        seen[key] = i


def read_planner_csv(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A planner's CSV as text columns, named by `normalise_column`, without what a spreadsheet export adds: unnamed
    columns and empty rows at the end; then the same cells as written, for messages. Why: a file ending in ",,,,,,"
    rows was refused row by row ("row 27, column lon: invalid value"), and one with two unnamed columns as "column ''
    is given twice" (planner-data trial, 2026-12-07). Empty rows inside the file are kept, so every row keeps its
    number in messages.

    A file separated by ';' or tabs (`file_separator`: a spreadsheet in a decimal-comma locale) has its day-first
    dates rewritten as the readers parse them ("15/03/2025" -> "2025-03-15"), and, when one of its numbers has a
    decimal comma (`decimal_commas`), its numbers too ("105,8" -> "105.8", "1.800" -> "1800"); other text is kept as
    written. The cells as written are what messages quote: "1.200,5" was refused as "1200.5".
    Raises polars' and the system's own errors: each reader says them in its words."""
    sep = file_separator(path)
    written = pl.read_csv(
        path, infer_schema_length=0, separator=sep
    )  # all text; the readers parse it themselves
    written.columns = [normalise_column(c) for c in written.columns]
    written = written.select([c for c in written.columns if c and not re.fullmatch(r"_duplicated_\d+", c)])
    if written.height and written.width:
        kept = written.select(pl.any_horizontal(pl.all().fill_null("").str.strip_chars() != "").alias("kept"))
        rows = kept["kept"].arg_true()  # the rows that hold a value
        written = written.head(int(rows[-1]) + 1 if rows.len() else 0)
    df = written
    if sep != "," and decimal_commas(written):
        # a decimal-comma locale's numbers (LOCALE_NUMBER) as the readers parse them: 1.800,5 -> 1800.5
        df = df.with_columns(
            pl.when(pl.col(c).str.contains(LOCALE_NUMBER))
            .then(pl.col(c).str.replace_all(r"\.", "").str.replace(",", ".", literal=True).str.strip_chars())
            .otherwise(pl.col(c))
            .alias(c)
            for c in df.columns
        )
    if sep != ",":
        # ... and its dates, day first (15/03/2025 -> 2025-03-15); a date that is no day (31/02/2025) stays as
        # written, for the reader to refuse
        day_first = [
            pl.col(c)
            .str.strip_chars()
            .str.strptime(pl.Date, LOCALE_DATE, strict=False)
            .dt.strftime("%Y-%m-%d")
            for c in df.columns
        ]
        df = df.with_columns(
            pl.when(pl.col(c).str.contains(LOCALE_DATE_RE) & d.is_not_null())
            .then(d)
            .otherwise(pl.col(c))
            .alias(c)
            for c, d in zip(df.columns, day_first, strict=True)
        )
    return df, written


def a_number(text: object) -> str:
    """What a number cell allows, with the value as a decimal point writes it when it has a decimal comma: a
    comma-separated file quoting "103,03534" was told only "a number" (provincial planner trial)."""
    if isinstance(text, str) and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", text):
        return _("a number with a decimal point, {text}").format(text=text.strip().replace(",", "."))
    return _("a number")


def decimal_commas(table: pl.DataFrame) -> bool:
    """Whether a text table writes a number with a decimal comma (DECIMAL_COMMA) anywhere: then its '.' are thousands
    groups; else they are decimal points. Why: a ';' file of dot decimals read "21.035" as 21,035 (a latitude out of
    range) and "1.800" as 1800, where the same file's "105.8" stayed 105.8: one file, two readings."""
    if not table.width or not table.height:
        return False
    return bool(
        table.select(pl.any_horizontal(pl.all().str.contains(DECIMAL_COMMA).fill_null(False)))
        .to_series()
        .any()
    )


def number_style_note(path: Path) -> str:
    """How `read_planner_csv` reads a ';' or tab file's numbers, for `separator_note`."""
    try:
        comma = decimal_commas(pl.read_csv(path, infer_schema_length=0, separator=file_separator(path)))
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError):
        comma = True  # the reader refuses the file: the note is not shown
    if comma:
        return _(
            "its numbers are read with decimal commas and '.' thousands groups (105,8 is 105.8; 1.800 is 1800)"
        )
    return _("none of its numbers has a decimal comma, so a '.' is a decimal point (105.8 is 105.8)")


def cell(row: int, col: str) -> str:
    """Where a value sits, as a spreadsheet counts (header = row 1), in the language in use: the one-line error of a
    Vietnamese run read "dòng ..., cột ..." around the file's own column name, not "row 3, column lon"."""
    return _("row {row}, column {col}").format(row=row, col=col)


def _as_written(v: float) -> str:
    """A coordinate with the decimals it was written with (up to 6), in the language's number format."""
    return F.number(v, len(f"{v:.6f}".rstrip("0").partition(".")[2]))


def swapped_hint(lon: float, lat: float) -> str:
    """'; lon and lat swapped?' when the two values fit each other's range (a column order slip), else ''."""
    if LAT_RANGE[0] <= lon <= LAT_RANGE[1] and LON_RANGE[0] <= lat <= LON_RANGE[1]:
        return "; " + _("lon and lat swapped? lon {lat} and lat {lon} would be in Vietnam").format(
            lat=_as_written(lat), lon=_as_written(lon)
        )
    return ""


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


_EXCEL_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
_EXCEL_EPOCH = dt.date(
    1899, 12, 30
)  # day 0 of Excel's 1900 date system (its serial 60 is the 29 Feb 1900 it invents)


def day_first_hint(text: str) -> str:
    """A hint for a date written another way than ISO, else '': '; 30/09/2025 reads as day/month/year: write
    2025-09-30'; a first number that cannot be a day of that month reads month first (12/31/2019, as a US
    spreadsheet writes it); and a five-digit number is an Excel date serial (45658 is 2025-01-01: the column was
    saved as numbers). Why the last two: a planner's file saved by Excel in US settings, or with the column's date
    format lost, got no hint (planner-data trial)."""
    t = text.strip()
    if _EXCEL_SERIAL.match(t):
        iso = (_EXCEL_EPOCH + dt.timedelta(days=int(float(t)))).isoformat()
        return "; " + _(
            "{text} looks like an Excel date number ({iso}): format the column as yyyy-mm-dd"
        ).format(text=t, iso=iso)
    m = _DAY_FIRST.match(t)
    if m is None:
        return ""
    a, b, y = (int(g) for g in m.groups())
    for d, mo, words in ((a, b, N_("day/month/year")), (b, a, N_("month/day/year"))):
        try:
            iso = dt.date(y, mo, d).isoformat()
        except ValueError:
            continue
        return "; " + _("{text} reads as {order}: write {iso}").format(text=t, order=_(words), iso=iso)
    return ""


def in_vietnam(bounds: tuple[float, float]) -> str:
    """The allowed range of a longitude or latitude (LON_RANGE, LAT_RANGE), in the language in use."""
    return _("{low}..{high} (Vietnam)").format(low=F.number(bounds[0], 1), high=F.number(bounds[1], 1))


def read_site_csv(
    path: Path, *, latest_on_air: dt.date | None = None, country: Country | None = None
) -> pl.DataFrame:
    """Read and validate a site CSV; every problem is a one-line DxsimInputError with the row.

    `latest_on_air`: the last on-air date accepted (the scenario's end date; default 2100-12-31). With `country`,
    each site must stand in Viet Nam or within OUTLINE_TOLERANCE_KM of its border (`check_in_country`).
    """
    path = Path(path)
    if not path.is_file():
        raise DxsimInputError(
            _("site file not found"), file=path, field="sites.file", allowed=_("an existing CSV file")
        )
    latest = latest_on_air or ON_AIR_LATEST_DEFAULT
    cols = csv_header(path, max_rows=MAX_SITE_ROWS, row_word=_("site rows"))
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise DxsimInputError(
            _("missing column(s) {columns}").format(columns=", ".join(missing)),
            file=path,
            field=_("header"),
            allowed=_("columns {columns}").format(columns=", ".join(REQUIRED_COLUMNS)),
        )
    try:
        df, written = read_planner_csv(path)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise DxsimInputError(
            _("not a readable CSV ({reason})").format(reason=str(exc).splitlines()[0]), file=path
        ) from None
    if df.height == 0:
        raise DxsimInputError(_("no rows"), file=path, allowed=_("at least one 4G site"))

    def bad(row: int, col: str, value: object, allowed: str) -> DxsimInputError:
        if col in written.columns and value == df[row, col]:
            value = written[row, col]  # as the planner wrote it (1.200,5), not as read (1200.5)
        return DxsimInputError(
            _("invalid value"), file=path, field=cell(row + 2, col), value=value, allowed=allowed
        )

    def number(i: int, rec: dict[str, Any], c: str) -> float:
        try:
            v = float(rec[c])
        except (TypeError, ValueError):
            raise bad(i, c, rec[c], a_number(rec[c])) from None
        if not np.isfinite(v):
            raise bad(i, c, rec[c], _("a finite number"))
        return v

    out: dict[str, list[Any]] = {c: [] for c in REQUIRED_COLUMNS}
    first_row: dict[tuple[float, float, str, str, int, dt.date | None], int] = {}
    rows: list[int] = []  # each kept site's row in the file (0 = the first after the header)
    problems = FileProblems(path)
    for i, rec in enumerate(df.select(REQUIRED_COLUMNS).iter_rows(named=True)):
        with problems.gather(i):  # a bad row is listed and left out; the next row is read
            lon, lat = number(i, rec, "lon"), number(i, rec, "lat")
            if not LON_RANGE[0] <= lon <= LON_RANGE[1]:
                raise bad(i, "lon", rec["lon"], in_vietnam(LON_RANGE) + swapped_hint(lon, lat))
            if not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
                raise bad(i, "lat", rec["lat"], in_vietnam(LAT_RANGE))
            op = (rec["operator"] or "").strip().lower()
            if op not in OPERATORS:
                raise bad(i, "operator", rec["operator"], ", ".join(OPERATORS))
            tech = (rec["technology"] or "").strip().lower()
            if tech not in ("4g", "5g"):
                raise bad(i, "technology", rec["technology"], _("4g or 5g"))
            bands = ", ".join(str(b) for b in supported_bands(tech))
            band_f = number(i, rec, "band_mhz")
            if not band_f.is_integer():
                raise bad(
                    i,
                    "band_mhz",
                    rec["band_mhz"],
                    _("a whole number of MHz; for {tech}: {bands}").format(tech=tech, bands=bands),
                )
            band = int(band_f)
            if band not in supported_bands(tech):
                raise bad(
                    i, "band_mhz", rec["band_mhz"], _("for {tech}: {bands}").format(tech=tech, bands=bands)
                )
            raw_date = (rec["on_air_date"] or "").strip()
            day = None
            if raw_date:
                try:
                    day = dt.date.fromisoformat(raw_date)
                except ValueError:
                    raise bad(
                        i,
                        "on_air_date",
                        raw_date,
                        _("an ISO date like 2025-06-30, or empty for planned") + day_first_hint(raw_date),
                    ) from None
                if not ON_AIR_EARLIEST <= day <= latest:
                    raise bad(
                        i,
                        "on_air_date",
                        raw_date,
                        _(
                            "{first}..{last} (no mobile network before 1993; at latest the scenario's end date), "
                            "or empty for planned"
                        ).format(first=ON_AIR_EARLIEST.isoformat(), last=latest.isoformat()),
                    )
                if tech == "5g" and day < ON_AIR_EARLIEST_5G:
                    raise bad(
                        i,
                        "on_air_date",
                        raw_date,
                        _(
                            "for 5g: {first}..{last} (Vietnam's first 5G trial licence and station: 2019), or empty "
                            "for planned; a station on air earlier is 4g"
                        ).format(first=ON_AIR_EARLIEST_5G.isoformat(), last=latest.isoformat()),
                    )
            key = (lon, lat, op, tech, band, day)
            if key in first_row:
                raise DxsimInputError(
                    _(
                        "row {row} repeats row {first} (same lon, lat, operator, technology, band_mhz, on_air_date): "
                        "a station counted twice"
                    ).format(row=i + 2, first=first_row[key] + 2),
                    file=path,
                    field=_("rows {first} and {row}").format(first=first_row[key] + 2, row=i + 2),
                    allowed=_("each site once; delete one of the two rows"),
                )
            first_row[key] = i
            for c, v in zip(REQUIRED_COLUMNS, key):
                out[c].append(v)
            rows.append(i)
    res = pl.DataFrame(
        out,
        schema={
            "lon": pl.Float64,
            "lat": pl.Float64,
            "operator": pl.Utf8,
            "technology": pl.Utf8,
            "band_mhz": pl.Int64,
            "on_air_date": pl.Date,
        },
    )
    if country is not None and res.height:
        check_in_country(path, res, country, rows, problems)
    problems.raise_any()
    if res.filter(pl.col("technology") == "4g").height == 0:
        raise DxsimInputError(
            _("no 4G rows"), file=path, field="technology", allowed=_("at least one 4G site")
        )
    return res


def in_country(country: Country, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point stands in Viet Nam (bool): see `check_in_country`."""
    import shapely

    outline = shapely.from_wkb(country.country_wkb)
    shapely.prepare(outline)
    tol_deg = OUTLINE_TOLERANCE_KM / KM_PER_DEGREE_LAT  # a degree of longitude is shorter here: stricter
    inside: np.ndarray = shapely.dwithin(outline, shapely.points(lon, lat), tol_deg) | (
        country.cell_at(lon, lat) >= 0
    )
    rest = np.flatnonzero(~inside)
    inside[rest] = country.outline_province_idx(lon[rest], lat[rest]) >= 0
    return inside


def check_in_country(
    path: Path,
    df: pl.DataFrame,
    country: Country,
    rows: list[int] | None = None,
    problems: FileProblems | None = None,
    wheres: list[str] | None = None,
    what: str = N_("the site lies outside Viet Nam"),
) -> None:
    """Each site inside the country outline (Natural Earth 10m) or a province outline, within OUTLINE_TOLERANCE_KM of
    one, or on a populated 1 km cell of the country's population grid; every other site is a problem, added to `problems` (raised
    here when None). `rows`: each site's row in the file (0 = the first after the header; default the table's own
    order).

    Why: the lon/lat box of Viet Nam also holds parts of Laos, Cambodia and China; a site there was placed in the
    nearest Vietnamese province (a mast in Laos served Dien Bien). Why the populated cells too: the 1:10m outline
    leaves out islands where 1,043 populated cells and ~204,000 people live (Cô Tô and Vân Đồn, Phú Quốc's
    neighbours, Lý Sơn), and a site file of dxsim's own synthetic sites was refused 38 of them (Python API trial).
    Why the province outlines: they hold the island districts, Trường Sa (Khánh Hòa) and Hoàng Sa (Đà Nẵng), that
    neither the 1:10m outline nor the population grid has; a mast on Trường Sa was refused (planner-data trial).
    `wheres`: each point's place in its file as the messages name it ("feature 3"; default "row N"); `what`: the
    words for a point outside (a village file's are its own)."""
    if not country.country_wkb:
        return
    lon, lat = df["lon"].to_numpy(), df["lat"].to_numpy()
    inside = in_country(country, lon, lat)
    if inside.all():
        return
    found = FileProblems(path) if problems is None else problems
    for i in np.flatnonzero(~inside):
        row = rows[i] if rows is not None else int(i)
        found.add(
            DxsimInputError(
                _(what),
                file=path,
                field=(
                    wheres[i] + ", " + _("columns lon, lat")
                    if wheres is not None
                    else _("row {row}, columns lon, lat").format(row=row + 2)
                ),
                value=f"{lon[i]:.5f} {lat[i]:.5f}",
                allowed=_("a point in Viet Nam or within {km} km of its border").format(
                    km=F.number(OUTLINE_TOLERANCE_KM, 0)
                ),
            ),
            row,
        )
    if problems is None:
        found.raise_any()


def _placed(
    cells: CellArrays, df: pl.DataFrame, region_of_province: np.ndarray, tech: str, country: Country
) -> pl.DataFrame:
    """Add metric coordinates, raster indices, cell, province, environment and radius."""
    lon, lat = df["lon"].to_numpy(), df["lat"].to_numpy()
    x, y = to_projected(lon, lat)
    row, col = cells.grid.rowcol(lon, lat)
    base = pl.DataFrame(
        {
            "x_m": np.asarray(x),
            "y_m": np.asarray(y),
            "lon": lon,
            "lat": lat,
            "row": row,
            "col": col,
            "env": np.zeros(df.height, dtype=np.int8),
        }
    )
    placed = attach_cells(cells, base, region_of_province, country.off_grid_province_idx)
    cell = placed["cell_id"].to_numpy()
    env = np.where(cell >= 0, cells.env[np.maximum(cell, 0)], 2).astype(np.int8)  # unpopulated pixel: rural
    band = df["band_mhz"].to_numpy()
    radius = np.array([radius_m(tech, int(b), ENV_NAMES[e]) for b, e in zip(band, env)])
    return placed.with_columns(
        pl.Series("env", env),
        pl.Series("radius_m", radius),
        pl.Series("band_mhz", band.astype(np.int64)),  # capacity follows the band coverage used
        pl.Series("operator", df["operator"].to_numpy()),
        pl.Series("on_air_date", df["on_air_date"].to_list(), dtype=pl.Date),
    )


def on_air_by(day: dt.date) -> pl.Expr:
    """The rows on air by `day` (a dated row on or before it): the start network when `day` is the start date."""
    return pl.col("on_air_date").is_not_null() & (pl.col("on_air_date") <= day)


def start_5g_stations(df: pl.DataFrame, start: dt.date) -> int:
    """5G rows of a site file (:func:`read_site_csv`) on air by the start date: the run's start network."""
    return df.filter((pl.col("technology") == "5g") & on_air_by(start)).height


def load_site_file(
    path: Path,
    scenario: Scenario,
    country: Country,
    cells: CellArrays,
    region_of_province: np.ndarray,
    radius_4g_m: dict[str, float],
    radius_5g_m: dict[str, float],
    national: SiteLayer | None = None,
) -> SiteLayer:
    """Build the site layer from a planner's CSV (see module docstring).

    `national` (`sites.file_replaces = "provinces"`): the synthetic layer the file replaces in its own provinces only.
    Its 4G sites and its start network outside them stay; the operators' plans are ranked again around them and the
    file's sites. Why: a province's file in place of the national layer left the other provinces with no 4G or 5G
    site at the start (provincial planner trial)."""
    df = read_site_csv(path, latest_on_air=scenario.horizon.end_date, country=country)
    start = scenario.horizon.start_date
    s4 = _placed(cells, df.filter(pl.col("technology") == "4g"), region_of_province, "4g", country)
    five = df.filter(pl.col("technology") == "5g")
    p5 = _placed(cells, five, region_of_province, "5g", country) if five.height else None
    first_id = 0
    kept_on_air: pl.DataFrame | None = None
    codes: list[str] = []
    if national is not None:
        codes = sorted(set(site_provinces(country, df["lon"].to_numpy(), df["lat"].to_numpy()).tolist()))
        first_id = int(cast(int, national.sites_4g["site_id"].max())) + 1
    s4 = s4.with_columns(
        pl.Series("site_id", first_id + np.arange(s4.height, dtype=np.int64)),
        pl.lit("planner").alias("role"),
        pl.lit(False).alias("synthetic"),
    )
    if national is not None:
        kept_4g, kept_on_air = outside_provinces(national, codes, country, s4, p5)
        s4 = pl.concat([kept_4g, s4], how="diagonal_relaxed")
    cand = operator_candidates(cells, s4, radius_5g_m, scenario.sites.synthetic_seed)
    cand = cand.with_columns(
        pl.lit(True).alias("synthetic"),
        pl.lit(None, dtype=pl.Int64).alias("band_mhz"),
        pl.lit(None, dtype=pl.Date).alias("on_air_date"),  # the file's own date (kept for its start network)
    )
    if kept_on_air is not None:
        cand = not_yet_on_air(cand, kept_on_air)
    existing = planned = None
    if p5 is not None:
        hosts, on_mast = hosts_of(p5, s4)
        cand = without_upgrades_of(cand, hosts)
        p5 = p5.with_columns(pl.Series("_on_mast", on_mast))
        existing = _as_plan_rows(p5.filter(on_air_by(start)))
        planned = _as_plan_rows(p5.filter(~on_air_by(start)).sort("on_air_date", nulls_last=True))
    # the start network first (the file's, then the rest of the country's), then the file's planned rows by date
    first = [t for t in (existing, kept_on_air, planned) if t is not None and t.height]
    n_start = sum(t.height for t in (existing, kept_on_air) if t is not None)
    n_first = sum(t.height for t in first)
    if first:
        cand = pl.concat([*(t.select(cand.columns) for t in first), cand], how="vertical_relaxed")
    is_mine = np.arange(cand.height) < n_first
    costs = scenario.costs
    shares = {name: op.start_share_5g_pct / 100.0 for name, op in scenario.operators.items()}
    for name in set(cand["operator"].to_list()) - set(shares):
        shares[name] = 0.0  # an operator the scenario leaves out builds nothing new
    plan = rank_by_operator(
        cells,
        cand,
        radius_5g_m,
        costs.capex_vnd_bn(False),
        costs.capex_vnd_bn(True),
        shares={k: v if v > 0 else 1e-9 for k, v in shares.items()},
        existing=is_mine,
        people_per_site=scenario.sites.people_per_5g_site_dense,
        province_balanced=scenario.sites.demand_phase_order == "province_balanced",
    )
    # the planner's 5G rows keep their ranks 0..k-1 (existing first, then planned by date)
    plan = attach_cells(
        cells,
        plan.drop("cell_id", "province_idx", "region_idx", strict=False),
        region_of_province,
        country.off_grid_province_idx,
    )
    # a planner's 5G row on one of its 4G masts is built as that mast's upgrade, one with no mast under it as a new
    # site (cost, permit and works: it was costed as an upgrade, provincial planner trial)
    plan = plan.with_columns(
        pl.when(pl.col("kind") == PLANNER_ON_MAST)
        .then(pl.lit("upgrade"))
        .when(pl.col("kind") == PLANNER_NEW)
        .then(pl.lit("new"))
        .otherwise(pl.col("kind"))
        .alias("kind")
    )
    params: dict[str, Any] = {
        "file": str(path),
        "n_4g": int((~s4["synthetic"]).sum()),
        "n_5g_rows": 0 if p5 is None else p5.height,
    }
    if national is not None:
        params["file_replaces"] = "provinces"
        params["province_codes"] = codes
        params["province_names"] = [country.province_name(c) for c in codes]
        params["province_idx"] = [country.province_codes.index(c) for c in codes]
        params["n_4g_kept"] = s4.height - params["n_4g"]
        params["n_5g_start_kept"] = 0 if kept_on_air is None else kept_on_air.height
    return SiteLayer(s4, plan, n_start, False, params, national)


# a file's 5G row this close to one of its 4G sites of the same operator is that mast's upgrade (a site list gives a
# mast's 4G and 5G rows the same coordinates, or nearly: rounding)
SAME_MAST_M = 30.0


def same_mast(points: pl.DataFrame, masts: pl.DataFrame) -> np.ndarray:
    """For each row of `points` (x_m, y_m, operator), the row of `masts` of the same operator within SAME_MAST_M of
    it (the nearest), or -1."""
    from scipy.spatial import cKDTree

    out = np.full(points.height, -1, dtype=np.int64)
    ops, mast_ops = points["operator"].to_numpy(), masts["operator"].to_numpy()
    for op in set(ops.tolist()):
        mine = np.flatnonzero(mast_ops == op)
        rows = np.flatnonzero(ops == op)
        if mine.size == 0:
            continue
        d, j = cKDTree(np.c_[masts["x_m"].to_numpy()[mine], masts["y_m"].to_numpy()[mine]]).query(
            np.c_[points["x_m"].to_numpy()[rows], points["y_m"].to_numpy()[rows]]
        )
        out[rows] = np.where(d <= SAME_MAST_M, mine[j], -1)
    return out


def hosts_of(p5: pl.DataFrame, s4: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(ids of the 4G sites a file's 5G rows stand on, whether each 5G row stands on one): same operator within
    SAME_MAST_M. Such a mast's upgrade is the file's row, not a candidate of its own (a 5G station on a 4G mast was
    planned a second time as that mast's upgrade), and a row on no mast is a new site."""
    mast = same_mast(p5, s4)
    on_mast = mast >= 0
    return np.unique(s4["site_id"].to_numpy()[mast[on_mast]]), on_mast


def site_provinces(country: Country, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Each site's province (gso34) for a file that replaces its provinces' sites: the one whose outline holds it,
    except that a province where the file has only sites within OUTLINE_TOLERANCE_KM of another of the file's
    provinces, holding more of its sites, is that province's spill over the border. Why: six masts 3-253 m outside
    the Điện Biên and Lai Châu outlines made the file replace all of Sơn La's and Lào Cai's sites (provincial planner
    trial); one stray row far from the file's province is still its own province (and `validate` warns)."""
    at = country.outline_province_at(lon, lat)
    codes, counts = np.unique(at, return_counts=True)
    held = dict(zip(codes.tolist(), counts.tolist(), strict=True))
    for c in sorted(held, key=lambda k: (held[k], k)):  # the fewest sites first
        here = np.flatnonzero(at == c)
        to = np.full(here.size, "", dtype=object)  # the larger file province each site is near, if any
        for d in sorted((k for k in held if k != c and held[k] > held[c]), key=lambda k: (-held[k], k)):
            to[(to == "") & country.near_province(d, lon[here], lat[here])] = d
        if here.size and (to != "").all():
            for d in set(to.tolist()):
                held[d] += int((to == d).sum())
            at[here] = to.astype(at.dtype)
            held[c] = 0
    return at


# a site file's 5G rows while the plans are ranked (on one of the file's 4G masts, or on none), then "upgrade"/"new"
PLANNER_ON_MAST, PLANNER_NEW = "planner", "planner_new"


def _as_plan_rows(p5: pl.DataFrame) -> pl.DataFrame:
    """A site file's placed 5G rows (with `_on_mast`, see `hosts_of`) in the plan's columns; not candidates of the
    ranking (no 4G host id), kinds PLANNER_ON_MAST / PLANNER_NEW."""
    return p5.select(
        "x_m", "y_m", "lon", "lat", "row", "col", "env", "radius_m", "band_mhz", "operator", "on_air_date"
    ).with_columns(
        pl.lit(-1, dtype=pl.Int64).alias("host_site_id"),
        pl.when(p5["_on_mast"]).then(pl.lit(PLANNER_ON_MAST)).otherwise(pl.lit(PLANNER_NEW)).alias("kind"),
        pl.lit(False).alias("synthetic"),
    )


def outside_provinces(
    national: SiteLayer,
    codes: list[str],
    country: Country,
    file_4g: pl.DataFrame,
    file_5g: pl.DataFrame | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The synthetic layer's 4G sites and start network (its first `n_5g_start` plan rows) outside the provinces
    `codes`: what a file that replaces only its own provinces keeps of the national layer. A site is in the province
    whose outline holds it, as the file's own sites are (by their 1 km cells, a border province's sites stood on both
    sides of it); a kept site on the mast of a file's site of its operator and technology (SAME_MAST_M: one of the
    file's just over the border) is the file's."""

    def outside(table: pl.DataFrame) -> pl.Series:
        at = country.outline_province_at(table["lon"].to_numpy(), table["lat"].to_numpy())
        return pl.Series(~np.isin(at, codes))

    on_air = national.plan_5g.head(national.n_5g_start)
    on_air = on_air.filter(outside(on_air))
    if file_5g is not None and file_5g.height:
        on_air = on_air.filter(pl.Series(same_mast(on_air, file_5g) < 0))
    if "band_mhz" not in on_air.columns:
        on_air = on_air.with_columns(pl.lit(None, dtype=pl.Int64).alias("band_mhz"))
    if "on_air_date" not in on_air.columns:
        on_air = on_air.with_columns(pl.lit(None, dtype=pl.Date).alias("on_air_date"))
    s4 = national.sites_4g.filter(outside(national.sites_4g))
    if file_4g.height:
        s4 = s4.filter(pl.Series(same_mast(s4, file_4g) < 0))
    return s4, on_air.with_columns(pl.lit(True).alias("synthetic"))


def not_yet_on_air(cand: pl.DataFrame, on_air: pl.DataFrame) -> pl.DataFrame:
    """`cand` without the candidates already on air in `on_air`: the upgrades of its 4G hosts and its new sites (the
    same seeded lattice draws them again at the same points), so no site is built twice."""
    cand = without_upgrades_of(cand, on_air.filter(pl.col("kind") == "upgrade")["host_site_id"].to_numpy())
    new = on_air.filter(pl.col("kind") == "new").select("x_m", "y_m", "operator")
    return cand.join(new, on=["x_m", "y_m", "operator"], how="anti", maintain_order="left")
