"""Start-state counts that disagree with the dates they describe: said by `dxsim validate` and `dxsim run`.

Why: `start_state.stations_5g_at_window_start` is the count on air when Resolution 193's window opened
(2025-02-19). A planner who moves `subsidy.window_start` and keeps that count, or who starts from fewer stations
than were on air then, gets a threshold count from a date that is not theirs, and the run said nothing (review of
the count's introduction, 2026-12-07).
"""

from __future__ import annotations

from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.network_5g import Subsidy
from dxsim.scenario.sections.run import StartState

WINDOW_START_DEFAULT = Subsidy.model_fields["window_start"].default
COUNT_DEFAULT = StartState.model_fields["stations_5g_at_window_start"].default


def window_count_notes(sc: Scenario) -> list[str]:
    """A note when the count on air at the window's opening is the default of another opening date, and when the
    start network is smaller than that count (none of it then counts toward the threshold). Only for a start on or
    after the opening: before it, no start station counts whatever the count."""
    start, window = sc.horizon.start_date, sc.subsidy.window_start
    s = sc.start_state
    if window > start:
        return []
    lines: list[str] = []
    if window != WINDOW_START_DEFAULT and s.stations_5g_at_window_start == COUNT_DEFAULT:
        lines.append(
            _(
                "subsidy.window_start = {window}, but start_state.stations_5g_at_window_start keeps {n}, the count on "
                "air on {default}: set the count on air on {window} (the start stations beyond it count toward the "
                "threshold)"
            ).format(
                window=window.isoformat(), n=F.number(COUNT_DEFAULT), default=WINDOW_START_DEFAULT.isoformat()
            )
        )
    # a site file that replaces the country sets the start network; stations_5g then sizes nothing
    from_file = bool(sc.sites.file) and sc.sites.file_replaces == "country"
    if s.stations_5g < s.stations_5g_at_window_start and not from_file:
        lines.append(
            _(
                "start_state.stations_5g = {n} is below start_state.stations_5g_at_window_start = {before}, the "
                "stations on air when the window opened on {window}: none of the start stations count toward the "
                "threshold (lower that count if the network was smaller then)"
            ).format(
                n=F.number(s.stations_5g),
                before=F.number(s.stations_5g_at_window_start),
                window=window.isoformat(),
            )
        )
    return lines
