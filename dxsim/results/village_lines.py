"""What held the villages, in the lines a run prints: per province (`run --province`, the report's province section)
and the village connected last (every `run`). Read from the villages table a run wrote (replication 0).

A module of its own: the report reads it, and it imports nothing of the model (dxsim.results.villages builds the
table from the simulation's arrays)."""

from __future__ import annotations

import polars as pl

from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.results.bottlenecks import cause_noun


def province_held_line(villages: pl.DataFrame, code: str, name: str) -> str | None:
    """'Tuyên Quang: what held its 273 villages longest (replication 0, villages.parquet `held_longest_by`): site and
    backhaul lead time and works 84, site teams 66, permits 62, budget 58, ...; budget: not started while the year's
    village programme budget was used up', or None for a province without villages in the layer.

    Why: the run's village line is national ("site and backhaul lead time and works bind (47%), then permits"), and a
    provincial planner found the budget holding 58 of Tuyên Quang's 273 villages, the last 21 waiting 427 days for
    2027's budget, only by filtering the workbook (provincial planner trial)."""
    if villages.height == 0 or not {"gso34", "held_longest_by"} <= set(villages.columns):
        return None
    mine = villages.filter(pl.col("gso34") == code)
    if mine.height == 0:
        return None
    causes = _cause_counts(mine)
    if not causes:
        return _("{province}: nothing held its {n} villages back (replication 0)").format(
            province=name, n=F.number(mine.height, 0)
        )
    line = _(
        "{province}: what held its {n} villages longest (replication 0, villages.parquet `held_longest_by`): {causes}"
    ).format(province=name, n=F.number(mine.height, 0), causes=causes)
    if (mine["held_longest_by"] == "budget").any():
        line += "; " + _(
            "budget: not started while the year's village programme budget was used up "
            "(villages.programme.budget_vnd_bn; the start year's is pro rata to the months left)"
        )
    return line


def _cause_counts(villages: pl.DataFrame) -> str:
    """'site and backhaul lead time and works 84, site teams 66, ...': villages per `held_longest_by`, most first;
    "" when none was held."""
    held = (
        villages.filter(pl.col("held_longest_by").fill_null("") != "")
        .group_by("held_longest_by")
        .agg(pl.len().alias("n"))
        .sort(["n", "held_longest_by"], descending=[True, False])
    )
    return ", ".join(f"{cause_noun(c)} {F.number(n, 0)}" for c, n in held.iter_rows())


def last_village_line(villages: pl.DataFrame) -> str | None:
    """'villages: the last connected, W0173 (Tuyên Quang, synthetic) in 2028-03, was held longest by permits (734
    days) (replication 0)', or, when feasible villages are not connected within the horizon, how many and what held
    them longest by cause; None without a villages table or a feasible village.

    Why: doubling the village budget moved the last village's date by 0 months and compare named only the national
    binding cause; the village that finished last had waited 734 days for permits (provincial planner trial). The date
    that KPI reports is that village's; what held it is what a lever on the last date has to move. Unconnected
    villages are counted by cause, not shown by one example: the first id of 33 read "permits" where 21 of them
    waited for the budget (re-trial)."""
    need = {"feasible", "connected_date", "held_longest_by", "held_longest_days", "village_id", "province"}
    if villages.height == 0 or not need <= set(villages.columns):
        return None
    feasible = villages.filter(pl.col("feasible").fill_null(False))
    if feasible.height == 0:
        return None
    late = feasible.filter(pl.col("connected_date").is_null())
    if late.height:
        causes = _cause_counts(late)
        return _("villages: {n} feasible not connected within the horizon (replication 0)").format(
            n=F.number(late.height, 0)
        ) + (", " + _("held longest by {causes}").format(causes=causes) if causes else "")
    row = feasible.sort(["connected_date", "village_id"]).row(-1, named=True)
    where = (
        _("{province}, synthetic").format(province=row["province"])
        if row.get("synthetic")
        else row["province"]
    )
    head = _("villages: the last connected, {village} ({where}) in {month},").format(
        village=row["village_id"], where=where, month=F.month(row["connected_date"])
    )
    cause = row["held_longest_by"] or ""
    if not cause:
        return head + " " + _("was never held back (replication 0)")
    return (
        head
        + " "
        + _("was held longest by {cause} ({days} days) (replication 0)").format(
            cause=cause_noun(cause),
            days=F.number(row["held_longest_days"], 0),
        )
    )
