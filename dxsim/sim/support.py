"""Support programmes for 5G stations: what a station earns, who qualifies, what is paid.

Resolution 193/2025/QH15 (the scenario's `subsidy`) and any further `supports` are one kind of
thing here: a per-station amount (fixed, a share of equipment cost, or per person newly covered)
for stations accepted within a window, paid after the window to operators with at least the
threshold of such stations, capped by the fund: when the claims exceed it, each is cut pro rata.
Operators know this. A site's expected support is its amount times the share of the claims the fund
is expected to pay (`pro_rata_share` of the claims projected at the decision), so a small fund buys
few stations instead of as many as a large one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from dxsim.scenario.constants import OBSERVED_ON_EARLIEST as COMMERCIAL_LAUNCH
from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.operators import RESOLUTION_193_NAME, Support

RES_193 = RESOLUTION_193_NAME


def programmes(sc: Scenario) -> list[Support]:
    """Every support programme of the scenario; Resolution 193 first (when it pays anything)."""
    out: list[Support] = []
    sub = sc.subsidy
    if sub.equipment_share_pct > 0 and sub.fund_vnd_bn > 0:
        out.append(
            Support(
                name=RES_193,
                equipment_share_pct=sub.equipment_share_pct,
                min_stations_per_operator=sub.min_stations_per_operator,
                window_start=sub.window_start,
                window_end=sub.window_end,
                fund_vnd_bn=sub.fund_vnd_bn,
            )
        )
    out.extend(p for p in sc.supports if p.fund_vnd_bn > 0)
    return out


def eligible_kind(p: Support, is_new: np.ndarray) -> np.ndarray:
    """Stations of the kind the programme supports."""
    if p.site_kind == "new":
        return is_new.copy()
    if p.site_kind == "upgrade":
        return ~is_new
    return np.ones(is_new.size, dtype=bool)


def in_provinces(p: Support, province_idx: np.ndarray, province_codes: Sequence[str]) -> np.ndarray:
    """Stations (by their index into `province_codes`) where programme p pays: every one, or those in its
    `provinces` (codes checked by dxsim.geo.planner_files.check_support_provinces)."""
    if not p.provinces:
        return np.ones(province_idx.size, dtype=bool)
    codes = list(province_codes)
    return np.isin(province_idx, [codes.index(c) for c in p.provinces])


def per_station_vnd_bn(
    p: Support,
    is_new: np.ndarray,
    equipment_vnd_bn: np.ndarray,
    people_served: np.ndarray,
    in_area: np.ndarray | None = None,
) -> np.ndarray:
    """What each station would earn if its operator qualifies (0 for stations of another kind, or outside the
    programme's provinces, `in_area`)."""
    amount = (
        p.per_site_vnd_bn
        + p.equipment_share_pct / 100.0 * equipment_vnd_bn
        + p.per_person_covered_vnd_k * 1e3 / 1e9 * people_served
    )
    eligible = eligible_kind(p, is_new) if in_area is None else eligible_kind(p, is_new) & in_area
    return np.where(eligible, amount, 0.0)


def window_days(p: Support, start: dt.date) -> tuple[float, float]:
    """The window as simulation days [first, end): a station on air at any time of window_end counts."""
    return float((p.window_start - start).days), float((p.window_end - start).days) + 1.0


def pro_rata_share(fund_vnd_bn: float, claims_vnd_bn: float) -> float:
    """Share of each claim a fund pays: all of it while the claims fit, else fund / claims (pro rata)."""
    if claims_vnd_bn <= fund_vnd_bn:
        return 1.0
    return fund_vnd_bn / claims_vnd_bn


def anchor_in_window_pct(n_start: int, on_air_at_anchor: int) -> float:
    """% of the `n_start` start stations accepted after the anchor date (subsidy.window_start), when
    `on_air_at_anchor` were on air then (start_state.stations_5g_at_window_start; at most all of them count as
    before it). Why a count, not a share: the share of one start date is wrong for every other start. A share of
    60%, stated for 2025-10-31, was applied to a run from 2025-05-31, when at most ~700 of the 11,591 stations could
    have come after 19/2/2025, so Viettel counted ~3,800 stations it did not have and surged ~3,500 too few."""
    if n_start <= 0:
        return 0.0
    return 100.0 * (n_start - min(on_air_at_anchor, n_start)) / n_start


def start_share_in_window(
    window_start: dt.date,
    start: dt.date,
    anchor: dt.date,
    anchor_pct: float,
    launch: dt.date = COMMERCIAL_LAUNCH,
) -> float:
    """Share (0-1) of the start-date 5G stations accepted on or after `window_start`.

    `anchor_pct` is the share accepted on or after `anchor` (subsidy.window_start; `anchor_in_window_pct`); every
    station was accepted after the commercial launch and before the start. From the launch to the anchor the
    network is taken as on air since the launch (the share is the anchor's): the first 10,600 ranked sites reach
    the 25.5% reported for 2024-12-31 and 10,928 were on air on 19/2/2025, so it was switched on around the launch,
    and a rise from none at the launch credited a window opening on 2025-01-01 with 9,607 of the 16,737 start
    stations where that history gives ~6,100. From the anchor to the start the stations are taken as accepted
    evenly (the share is linear in window_start); the reported counts rose more slowly before 2025-05 and faster
    after (11,591 on 2025-05-31 where the line gives 13,238), so a window opening in mid-2025 is credited with
    fewer start stations than came after it. Without an anchor inside the build-up, evenly from the launch to the
    start. Why by date at all: every programme opening before the start counted `anchor_pct` of the start
    stations, so a `[[supports]]` opening the day before the start paid for 10,042 stations accepted in the eight
    months before it (13,084 bn at 1 bn a station, with 2,937 stations accepted in its window in the run)."""
    if window_start <= launch:
        return 1.0
    pct = anchor_pct / 100.0
    if not launch < anchor <= start:  # no anchor inside the build-up: even from the launch to the start
        return max(0.0, (start - window_start).days / (start - launch).days)
    if window_start <= anchor:  # on air since the launch: the anchor's share (even on the start day)
        return pct
    return max(0.0, pct * (start - window_start).days / (start - anchor).days)


def start_sites_counted(
    p: Support, n_start_op: int, start: dt.date, in_window_pct: float, anchor: dt.date
) -> float:
    """Start-state stations of an operator that count: the share accepted inside the window
    (`start_share_in_window`, `in_window_pct` stated for window_start = `anchor`), in whole stations (a station is
    accepted or not; support_decisions.csv showed 6613.913239 stations counted)."""
    if p.window_start > start or p.window_end < start:
        return 0.0
    return float(round(n_start_op * start_share_in_window(p.window_start, start, anchor, in_window_pct)))


def outside_horizon(sc: Scenario) -> list[tuple[str, dt.date, dt.date]]:
    """The programmes (name, window_start, window_end) whose window lies wholly before the run's start or after its
    end: no station accepted in the run counts for them, so they pay nothing whatever the operators do. Why: a
    `[[supports]]` with a 2024 window in a run from 2025-10-31 paid 0, and compare blamed unmet thresholds and
    surges out of reach for a programme that had no threshold."""
    h = sc.horizon
    return [
        (p.name, p.window_start, p.window_end)
        for p in programmes(sc)
        if p.window_end < h.start_date or p.window_start > h.end_date
    ]
