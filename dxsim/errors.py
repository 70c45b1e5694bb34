"""User-facing input errors.

Every error a planner can cause (bad scenario, bad site file, missing raw data)
is raised as a :class:`DxsimInputError`. The CLI turns it into one line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

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
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Render as a single line: `file: field = value: message (allowed: ...)`."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.field:
            loc = self.field
            if self.value is not None:
                loc += f" = {self.value!r}"
            parts.append(loc)
        text = ": ".join(parts + [self.message]) if parts else self.message
        if self.allowed:
            text += f" ({gettext('allowed')}: {self.allowed})"
        return text.replace("\n", " ")


class RawDataError(DxsimInputError):
    """Raw geodata missing or unreadable: names the file, where it was looked for, and what to do."""


class ModelFailure(Exception):
    """The model ran but a target or tolerance was not met (exit code 1)."""

    exit_code = 1


class OutputError(Exception):
    """Writing the outputs failed for a reason outside the user's input, e.g. a full disk (exit code 1)."""

    exit_code = 1
