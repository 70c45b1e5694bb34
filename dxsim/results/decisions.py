"""The operators' decisions on support deadlines, one row per decision: what they weighed and why.

Each month an operator checks every support programme with a station threshold that is still open
(dxsim.sim.operators.surge_decision). A decision is recorded when it first waits, when it surges,
qualifies, finds the threshold out of reach or not worth it, or when the deadline has passed, so a
planner can read why support did or did not buy stations (`support_decisions.csv` in a run folder).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.i18n import ngettext
from dxsim.results.kpi_labels import OPERATOR_NAMES
from dxsim.results.value_labels import SUPPORT_DECISION, label_of

DECISION_COLUMNS: dict[str, tuple[type[pl.DataType], str]] = {
    "replication": (pl.Int64, "replication index"),
    "date": (pl.Date, "the monthly decision (ISO date)"),
    "operator": (pl.Utf8, "viettel, vnpt or mobifone"),
    "programme": (pl.Utf8, "support programme (resolution_193 or a [[supports]] name)"),
    "decision": (
        pl.Utf8,
        "surge, wait (a later month is still in time), qualifies (reaches the threshold anyway), "
        "too_late (the fast path cannot make the deadline), out_of_reach_plan / _equipment / _crews "
        "/ _budget (the first of these, in this order, that it lacks), not_worth (support < premium + loss on sites "
        "that do not pay; weighed only by an operator not committed to the programme); paid: the outcome, on the day the programme pays after its window (the operator reached "
        "the threshold; stations_counted is how many stations counted, support_paid_vnd_bn what it was paid); short: the "
        "outcome for an operator that surged and still missed the threshold, on the day the window closed "
        "(stations_counted what counted, stations_needed what it lacked)",
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
        "the claims of every operator projected to qualify by the deadline, at most 1 (pro rata beyond the fund); on a "
        "paid row the share the fund paid",
    ),
    "support_paid_vnd_bn": (pl.Float64, "support paid to the operator (VND bn; 0 unless decision is paid)"),
    "kits_in_stock": (
        pl.Float64,
        "site kits the operator could draw on for a surge that day (kits): the shared stock (surge.stock_months_of_"
        "supply) and its own commitment kits once they arrived (surge.commitment_tender_days); empty on a paid or short row",
    ),
    "kits_own": (
        pl.Float64,
        "of kits_in_stock, the kits it holds for its commitment to this programme (kits; 0 when it did not commit, "
        "or before they arrive); empty on a paid or short row",
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
            "support_paid_vnd_bn": float(e.get("paid_vnd_bn", 0.0)),
            "kits_in_stock": float(e["kits_in_stock"]) if "kits_in_stock" in e else None,
            "kits_own": float(e["kits_own"]) if "kits_own" in e else None,
        }
        for rep, events in sorted(by_replication.items())
        for e in events
    ]
    return pl.DataFrame(rows, schema={c: t for c, (t, _) in DECISION_COLUMNS.items()})


def read_decisions(path: Path) -> pl.DataFrame:
    """A run's support_decisions.csv with its columns' types; a column an older dxsim did not write is added:
    support_paid_vnd_bn as 0 (no paid rows then), the kits as empty (not recorded)."""
    d = pl.read_csv(path, schema_overrides={"date": pl.Date, "operator": pl.Utf8, "decision": pl.Utf8})
    missing = [pl.lit(0.0).alias(c) for c in ("support_paid_vnd_bn",) if c not in d.columns] + [
        pl.lit(None, dtype=pl.Float64).alias(c) for c in ("kits_in_stock", "kits_own") if c not in d.columns
    ]
    return d.with_columns(missing) if missing else d


def support_outcome_lines(d: pl.DataFrame) -> list[str]:
    """One line per programme and operator over every replication: in how many it was paid (and the range paid),
    and its deciding move in each, the first decision that is neither "wait" nor "paid": at its last chance a surge,
    out of reach or not worth it; else the day it qualified anyway or found it too late. Why: the report gave the P50
    paid beside replication 0's reasons ("2,438 bn paid ... Viettel: not worth it"), and no output said "Viettel
    qualifies in 4 of 10" (operator trial, 2026-12-06)."""
    n_reps = d["replication"].n_unique() if d.height else 0
    lines = []
    for (programme, operator), rows in d.group_by(["programme", "operator"], maintain_order=True):
        paid = rows.filter(pl.col("decision") == "paid")
        moves = (
            rows.filter(~pl.col("decision").is_in(["wait", "paid", "short"]))
            .sort("date")
            .group_by("replication", maintain_order=True)
            .first()
        )
        short = set(rows.filter(pl.col("decision") == "short")["replication"].to_list())
        moves = moves.with_columns(  # a surge that ended short of the threshold says so
            pl.when((pl.col("decision") == "surge") & pl.col("replication").is_in(list(short)))
            .then(pl.lit("surge_short"))
            .otherwise(pl.col("decision"))
            .alias("decision")
        )
        counts = moves["decision"].value_counts(sort=True)
        said = "; ".join(f"{label_of(SUPPORT_DECISION, str(dec))} ({n})" for dec, n in counts.iter_rows())
        amounts = paid["support_paid_vnd_bn"].to_list()
        head = ngettext(
            "{programme}, {operator}: paid in {k} of {n} replication",
            "{programme}, {operator}: paid in {k} of {n} replications",
            n_reps,
        ).format(programme=programme, operator=label_of(OPERATOR_NAMES, operator), k=paid.height, n=n_reps)
        if paid.height == 1:  # one amount is no range ("3,092–3,092", the demo's single replication)
            head += " " + _("({amount} VND bn)").format(amount=F.number(amounts[0]))
        elif paid.height and F.number(min(amounts)) == F.number(max(amounts)):  # the same amount as shown
            head += " " + _("({amount} VND bn each)").format(amount=F.number(amounts[0]))
        elif paid.height:
            head += " " + _("({low}–{high} VND bn)").format(
                low=F.number(min(amounts)),
                high=F.number(max(amounts)),
            )
        lines.append(head + ("; " + _("decided: {said}").format(said=said) if said else ""))
    return lines
