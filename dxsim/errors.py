"""User-facing input errors.

Every error a planner can cause (bad scenario, bad site file, missing raw data)
is raised as a :class:`DxsimInputError`. The CLI turns it into one line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import math
import numbers
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dxsim.i18n import gettext


class DxsimInputError(Exception):
    """Bad input: says which file, which field, what value, and what is allowed."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        value: Any = None,
        allowed: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.field = field
        self.value = value
        self.allowed = allowed
        self.message = message
        # further problems found in the same file (a scenario's other invalid fields): counted on the line, so a
        # planner who fixes this one knows another waits (a trial fixed one field at a time, unaware of the next)
        self.more: list[DxsimInputError] = []
        self.unlisted = 0  # further problems beyond those in `more` (FileProblems lists MAX_LISTED_PROBLEMS)
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Render as a single line: `file: field = value: message (allowed: ...)`."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.field:
            loc = self.field
            if self.value is not None:
                loc += f" = {toml_value(self.value)}"
            parts.append(loc)
        text = ": ".join(parts + [self.message]) if parts else self.message
        if self.allowed:
            text += f" ({gettext('allowed')}: {self.allowed})"
        n = len(self.more) + self.unlisted
        if n:
            one_file = all(m.file == self.file for m in self.more)
            if self.unlisted:
                count = (
                    gettext("[{n} more problems in this file: `dxsim validate` lists the first {listed}]")
                    if one_file
                    else gettext(
                        "[{n} more problems in these files: `dxsim validate` lists up to {listed} a file]"
                    )
                ).format(n=n, listed=len(self.more) + 1 if one_file else MAX_LISTED_PROBLEMS)
            elif n == 1:
                count = (
                    gettext("[1 more problem in this file: `dxsim validate` lists each one]")
                    if one_file
                    else gettext("[1 more problem in another file: `dxsim validate` lists each one]")
                )
            else:
                count = (
                    gettext("[{n} more problems in this file: `dxsim validate` lists each one]")
                    if one_file
                    else gettext("[{n} more problems in these files: `dxsim validate` lists each one]")
                ).format(n=n)
            text += " " + count
        return text.replace("\n", " ")

    def lines(self) -> list[str]:
        """This problem and each further one of the file, a line each (what `dxsim validate` prints), and how many
        more there are when not all are listed. Why: validate printed the first and "lists it once this one is
        fixed", to a planner who had just run validate."""
        out = [self.alone().one_line()] + [m.alone().one_line() for m in self.more]
        if self.unlisted:
            out.append(
                DxsimInputError(
                    gettext("{n} more problems are not listed: fix those above and validate again").format(
                        n=self.unlisted
                    ),
                    file=self.file if all(m.file == self.file for m in self.more) else None,
                ).one_line()
            )
        return out

    def joined(self, others: list[DxsimInputError]) -> DxsimInputError:
        """This problem carrying `others` (each with its own further problems) after its own: several files' problems
        in one error, validate listing them file by file."""
        for e in others:
            self.more += [e.alone(), *e.more]
            self.unlisted += e.unlisted
        return self

    def alone(self) -> DxsimInputError:
        """The same problem without the file's further ones."""
        return DxsimInputError(
            self.message, file=self.file, field=self.field, value=self.value, allowed=self.allowed
        )


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_value(value: Any) -> str:
    """A value as the planner wrote it in TOML, for the `field = value` of an error line: `true`/`false` (Python's
    repr said "True" of a file that says `true`), numbers plain (a numpy number too), dates ISO, strings quoted,
    lists `[...]` and tables `{ key = value }` inline. Anything else (an abbreviated value) as its repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        return ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")) if not math.isfinite(x) else repr(x)
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{k if _BARE_KEY.fullmatch(str(k)) else toml_value(str(k))} = {toml_value(v)}"
            for k, v in value.items()
        )
        return "{ " + ", ".join(items) + " }" if value else "{}"
    return repr(value)  # a string: quoted as TOML quotes it ('...' literal, or "..." when it holds a ')


MAX_LISTED_PROBLEMS = (
    50  # a file's problems listed one by one; a column wrong on every row is not 20,000 lines
)


class FileProblems:
    """The problems of one planner file, gathered row by row so that `dxsim validate` lists each one (the first
    raised, the rest in its `more`), up to MAX_LISTED_PROBLEMS and then counted.

    Why: the site and village files stopped at their first bad row, so a planner fixed a file one row per validate.
    """

    def __init__(self, file: str | Path) -> None:
        self.file = file
        self.found: list[tuple[float, DxsimInputError]] = []  # (row, problem); listed by row
        self.unlisted = 0

    def add(self, error: DxsimInputError, row: int | None = None) -> None:
        """Keep `error` (of the file's `row`, counted from 0; None: the file as a whole, listed last) and the further
        problems it carries."""
        for e in [error.alone(), *error.more]:
            if len(self.found) < MAX_LISTED_PROBLEMS:
                self.found.append((math.inf if row is None else row, e))
            else:
                self.unlisted += 1
        self.unlisted += error.unlisted

    @contextlib.contextmanager
    def gather(self, row: int | None = None) -> Iterator[None]:
        """Run the checks of `row`: a DxsimInputError they raise is kept, and the code after the block goes on."""
        try:
            yield
        except DxsimInputError as e:
            self.add(e, row)

    def raise_any(self) -> None:
        """Raise the first problem by row, the others in its `more`, if there is any."""
        if not self.found:
            return
        ordered = [e for _row, e in sorted(self.found, key=lambda p: p[0])]  # stable: a row's own order kept
        first = ordered[0]
        first.more, first.unlisted = ordered[1:], self.unlisted
        raise first


class RawDataError(DxsimInputError):
    """Raw geodata missing or unreadable: names the file, where it was looked for, and what to do."""


class ModelFailure(Exception):
    """The model ran but a target or tolerance was not met (exit code 1)."""

    exit_code = 1


# How libraries say that a write filled its disk: the OS (ENOSPC), polars ("os error 28"), SQLite/GDAL
DISK_FULL_WORDS = re.compile(r"No space left on device|database or disk is full|os error 28", re.I)


def says_disk_full(e: BaseException) -> bool:
    """Whether an exception says its write found the disk full, in the OS's words or a library's."""
    return getattr(e, "errno", None) == errno.ENOSPC or bool(DISK_FULL_WORDS.search(str(e)))


class OutputError(Exception):
    """Writing the outputs failed for a reason outside the user's input, e.g. a full disk (exit code 1)."""

    exit_code = 1
