"""The operators' decisions on support deadlines, one row per decision: what they weighed and why.

Each month an operator checks every support programme with a station threshold that is still open
(dxsim.sim.operators.surge_decision). A decision is recorded when it first waits, when it surges,
qualifies, finds the threshold out of reach or not worth it, or when the deadline has passed, so a
planner can read why support did or did not buy stations (`support_decisions.csv` in a run folder).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

DECISION_COLUMNS: dict[str, tuple[type[pl.DataType], str]] = {
    "replication": (pl.Int64, "replication index"),
    "date": (pl.Date, "the monthly decision (ISO date)"),
    "operator": (pl.Utf8, "viettel, vnpt or mobifone"),
    "programme": (pl.Utf8, "support programme (resolution_193 or a [[supports]] name)"),
    "decision": (
        pl.Utf8,
        "surge, wait (a later month is still in time), qualifies (reaches the threshold anyway), "
        "too_late (the fast path cannot make the deadline), out_of_reach_plan / _equipment / _crews "
        "/ _budget (what it lacks), not_worth (support < premium + loss on sites that do not pay)",
    ),
    "stations_needed": (pl.Float64, "stations short of the threshold by the deadline (stations)"),
    "stations_counted": (
        pl.Float64,
        "stations already counting or projected to count by the deadline (stations)",
    ),
    "stations_ordered": (
        pl.Float64,
        "surge stations ordered (stations; 0 unless decision is surge): stations_needed grossed up for the surge "
        "sites whose permit would still miss the deadline, so the threshold is reached at the 90th percentile",
    ),
    "support_per_station_vnd_bn": (
        pl.Float64,
        "support each station would earn if the operator qualifies and the fund covers every claim (VND bn)",
    ),
    "fund_share_expected": (
        pl.Float64,
        "share of its claims the programme's fund would pay if the operator reached the threshold: the fund over "
        "the claims of every operator projected to qualify by the deadline, at most 1 (pro rata beyond the fund)",
    ),
}


def decisions_table(by_replication: dict[int, list[dict[str, Any]]], start: dt.date) -> pl.DataFrame:
    """One row per recorded decision of every replication (`day` is days from `start`)."""
    rows = [
        {
            "replication": rep,
            "date": start + dt.timedelta(days=int(e["day"])),
            "operator": e["operator"],
            "programme": e["programme"],
            "decision": e["decision"],
            "stations_needed": float(e["need"]),
            "stations_counted": float(e["counted"]),
            "stations_ordered": float(e.get("ordered", 0)),
            "support_per_station_vnd_bn": float(e["support_per_station_vnd_bn"]),
            "fund_share_expected": float(e["fund_share_expected"]),
        }
        for rep, events in sorted(by_replication.items())
        for e in events
    ]
    return pl.DataFrame(rows, schema={c: t for c, (t, _) in DECISION_COLUMNS.items()})
