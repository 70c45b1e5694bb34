"""Names and limits shared by the scenario sections: operators, regions, environments, bands and the start-state window.

Citations use the seed short-ids of ../shared/seed_facts.md (e.g. "000:56" = MoST report 000, line 56).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeGuard

OperatorName = Literal["viettel", "vnpt", "mobifone"]
RegionName = Literal["north", "central", "south"]
OPERATORS: tuple[OperatorName, ...] = ("viettel", "vnpt", "mobifone")
REGIONS: tuple[RegionName, ...] = ("north", "central", "south")

ENVIRONMENTS = ("urban", "suburban", "rural")
SUPPORTED_BANDS_MHZ = (700, 900, 1800, 2100, 2600, 3500)

SEED_000_56 = "MoST report on the National DT Programme, Oct 2025 (seed 000:56)"
ASSUMPTION = "dxsim assumption (no public Vietnamese figure; seed_facts.md open question {q})"


def item_field(field: str, index: int) -> str:
    """The field of a list's item at 0-based `index`, counted from 1 as a planner reads the file:
    ``item_field("villages.campaigns", 1)`` is ``villages.campaigns[2]``, the second ``[[villages.campaigns]]`` table.

    Why one helper: scenario errors wrote the second campaign as ``villages.campaigns.1``, a sweep file's first
    ``[[parameters]]`` table as ``parameters[0]``, and a list's value as "item 1 of the list": three countings."""
    return f"{field}[{index + 1}]"


def is_operator(name: str) -> TypeGuard[OperatorName]:
    """Whether `name` is one of OPERATORS (narrows a str key for the scenario's per-operator tables)."""
    return name in OPERATORS


# The start state (start_state.*, the villages without power and signal, the data-centre and GPU
# fleets) is by default the state reported for October 2025: 16,737 5G stations and 39.52% of the
# population covered "by October 2025" (seed 000:56) and 117 villages without power and signal (000:302,
# the same report). The latest seed document (001, ~December 2025) still gives 16.7k stations as the
# count (001:250-251). A run starts on or shortly before the date its start state was observed
# (`start_state.observed_on`): earlier than that it would place stations that were not yet built, so
# that is refused. A start up to 14 months later means "the network stays as observed until then": a
# delayed-programme what-if (and what the hand-computed rollout tests use). `dxsim backtest` starts
# from an earlier observed state by setting observed_on and the figures observed then.
START_STATE_REPORTED = "October 2025"
START_STATE_OBSERVED_ON = dt.date(2025, 10, 31)
START_BEFORE_OBSERVED_DAYS = 30  # a month-precision report ("by October 2025") holds from the month's start
START_AFTER_OBSERVED_MONTHS = 14
START_DATE_EARLIEST = START_STATE_OBSERVED_ON - dt.timedelta(days=START_BEFORE_OBSERVED_DAYS)
START_DATE_LATEST = dt.date(2026, 12, 31)
# The earliest observed state a backtest can start from: commercial 5G launched in October 2024.
OBSERVED_ON_EARLIEST = dt.date(2024, 10, 1)
# The latest end date. The plans in the seeds run to 2030 (Decision 749/QĐ-TTg, 002:1-9; the
# 2026-2030 programmes, 001:55-63), with visions to 2045 (Resolution 57-NQ/TW of 22/12/2024, cited in
# 004:14-16) and 2050 (ICT infrastructure master plan 2021-2030, 004:380-381). Every lever after 2030
# is an extrapolation, and AI demand compounding at growth_pct_per_year (default 40%/yr) makes the job
# queue grow ~1.4x a year: a run to 2055-10-30 drew ~58 million AI jobs and needed 15.9 GB for one
# replication. 2045-12-31 keeps twenty years of look-ahead, to Resolution 57's vision year.
END_DATE_LATEST = dt.date(2045, 12, 31)


def start_window(observed_on: dt.date) -> tuple[dt.date, dt.date]:
    """The start dates allowed for a start state observed on `observed_on` (see above)."""
    lo = observed_on - dt.timedelta(days=START_BEFORE_OBSERVED_DAYS)
    m = observed_on.month - 1 + START_AFTER_OBSERVED_MONTHS + 1  # the first day of the month after +14
    hi = dt.date(observed_on.year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    return lo, hi


EXTENDS = "extends"  # the key by which a scenario file names the file it builds on
