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

import numpy as np

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


def per_station_vnd_bn(
    p: Support, is_new: np.ndarray, equipment_vnd_bn: np.ndarray, people_served: np.ndarray
) -> np.ndarray:
    """What each station would earn if its operator qualifies (0 for stations of another kind)."""
    amount = (
        p.per_site_vnd_bn
        + p.equipment_share_pct / 100.0 * equipment_vnd_bn
        + p.per_person_covered_vnd_k * 1e3 / 1e9 * people_served
    )
    return np.where(eligible_kind(p, is_new), amount, 0.0)


def window_days(p: Support, start: dt.date) -> tuple[float, float]:
    """The window as simulation days [first, end): a station on air at any time of window_end counts."""
    return float((p.window_start - start).days), float((p.window_end - start).days) + 1.0


def pro_rata_share(fund_vnd_bn: float, claims_vnd_bn: float) -> float:
    """Share of each claim a fund pays: all of it while the claims fit, else fund / claims (pro rata)."""
    if claims_vnd_bn <= fund_vnd_bn:
        return 1.0
    return fund_vnd_bn / claims_vnd_bn


def start_sites_counted(p: Support, n_start_op: int, start: dt.date, in_window_pct: float) -> float:
    """Start-state stations of an operator that count: the share accepted inside the window (assumption), in whole
    stations (a station is accepted or not; support_decisions.csv showed 6613.913239 stations counted)."""
    if p.window_start > start or p.window_end < start:
        return 0.0
    return float(round(n_start_op * in_window_pct / 100.0))


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
