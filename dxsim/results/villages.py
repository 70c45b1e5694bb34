"""Village entity table (one row per village) and its GeoJSON, from the run's results.

Dates are replication 0's; with several replications the connected date's P10/P50/P90 across
replications are added (empty = not connected within the horizon). A village is connected when its site is on
air (`signal_date`) and its link carries its busy-hour demand; a capacity-short one has a signal date only.
:func:`campaign_kpis` turns the campaign metrics into KPIs (the runner adds them to summary.json).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
import json
import math
from pathlib import Path

import numpy as np
import polars as pl

from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.results.metrics import VILLAGE_HELD_CAUSES
from dxsim.results.summary import _decimal_year
from dxsim.results.writer import atomic_file
from dxsim.sim.calendar import counted_date


def _dates(start: dt.date, days: np.ndarray) -> list[dt.date | None]:
    """Simulation days -> the dates from which the month-end metrics count them (`calendar.counted_date`)."""
    return [counted_date(start, d) for d in days]


def last_village_kpi(
    feasible: np.ndarray,
    served_by_rep: dict[int, np.ndarray],
    start: dt.date,
    horizon_days: float,
) -> dict[int, float]:
    """Per replication: decimal year the last feasible village is connected (NaN if one is not, in the horizon).

    Connected = on air with a link that carries its busy-hour demand (`served_by_rep`: the day each village is,
    VillageProgramme.served_day; NaN: never). A capacity-short village (a feasible option when
    `demand.capacity_short_is_feasible`) is not connected, so its option cannot finish the programme sooner: a
    LEO link of 5 Mbps for all 602 villages, none served, read "the last village connected 6 months earlier"."""
    out = {}
    for rep, days in served_by_rep.items():
        d = days[feasible]
        if d.size == 0 or np.isnan(d).any() or d.max() > horizon_days:
            out[rep] = math.nan
        else:
            out[rep] = _decimal_year(_dates(start, np.array([d.max()]))[0] or start)  # the table's date
    return out


def village_table(
    table: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    started: np.ndarray,
    power: np.ndarray,
    signal: np.ndarray,
    signal_by_rep: dict[int, np.ndarray],
    *,
    grid: np.ndarray | None = None,
    temporary_power: np.ndarray | None = None,
    bridge: np.ndarray | None = None,
    bridge_cost_vnd_bn: np.ndarray | None = None,
    held_days: np.ndarray | None = None,
    cost_vnd_bn: np.ndarray | None = None,
    paid_by: np.ndarray | None = None,
    served: np.ndarray | None = None,
    permanent: np.ndarray | None = None,
) -> pl.DataFrame:
    """Layer + chosen option + dates + status for every village (none dropped).

    `grid` (replication 0): the day each village's grid line is energised, as `grid_date` (`power_date` is the
    earlier of it and a campaign's temporary kit); `temporary_power`: on air on such a kit. Why: a campaign's kits
    could not be told from the table (which villages got one, and when their line came). `bridge`: the day the
    utility's bridge power came on (a campaign's power_bridge), as `power_bridge_date`; `bridge_cost_vnd_bn`: what
    it cost within the horizon (set-up and running), as `power_bridge_cost_vnd_bn`, part of the campaign's surge
    capex, not of `cost_vnd_bn`.

    `held_days` (replication 0; villages x VILLAGE_HELD_CAUSES): the days each cause held each village over the
    horizon, as `held_longest_by` (the cause that held it longest; empty when nothing did) and `held_longest_days`.
    Why: "which villages will be left, and why?" had only campaign-level shares ("permits bind (70%)").

    `paid_by` (replication 0): who pays each started village's option, "programme" (the village programme's budget:
    public money) or "outside" (a campaign the utility and operators pay), empty when not started. Why: a campaign
    paid from the budget claimed villages whose works another campaign had begun and paid, and its public money read
    as the price of them all (provincial planner trial).

    `cost_vnd_bn` (replication 0): each village's capex as paid, the estimate (`capex_vnd_bn`, what its option was
    chosen on) x the replication's `villages.options.capex_overrun_factor`; default the estimate.

    `signal` (replication 0): the day each village's site goes on air, `signal_date`. `served` (replication 0) and
    `signal_by_rep` (every replication): the day it is on air on a link that carries its busy-hour demand
    (VillageProgramme.served_day; default: `signal` where the table's `served` says its link does), `connected_date`
    and its quantiles: a capacity-short village has signal, not service, and no connected date (issue 12).
    `permanent` (replication 0): the day a portable-BTS campaign's village's permanent site came on air, as
    `permanent_site_date` (empty for the other villages, whose first site is their permanent one)."""
    horizon = float((end - start).days)
    in_h = ~np.isnan(signal) & (signal <= horizon)
    feasible = table["feasible"].fill_null(False).to_numpy()
    if served is None:
        link = (
            table["served"].fill_null(True).to_numpy().astype(bool)
            if "served" in table.columns
            else np.ones(table.height, dtype=bool)
        )
        served = np.where(link, signal, np.nan)
    # on air but no link of it gives each busy-hour user the served rate yet: capacity-short, not connected (issue 12)
    connected = ~np.isnan(served) & (served <= horizon)
    status = np.where(
        ~feasible,
        "no feasible option",
        np.where(
            connected,
            "connected",
            np.where(
                in_h,
                "capacity-short",
                np.where(~np.isnan(started) & (started <= horizon), "in works", "not started"),
            ),
        ),
    )
    out = table.with_columns(
        pl.Series("started_date", _dates(start, started), dtype=pl.Date),
        pl.Series("power_date", _dates(start, np.where(power <= horizon, power, np.nan)), dtype=pl.Date),
        pl.Series("signal_date", _dates(start, np.where(in_h, signal, np.nan)), dtype=pl.Date),
        pl.Series("connected_date", _dates(start, np.where(connected, served, np.nan)), dtype=pl.Date),
        pl.Series("status", status),
        pl.Series("people_connected", np.where(connected, table["population"].to_numpy(), 0)),
        pl.Series(
            "cost_vnd_bn",
            table["capex_vnd_bn"].fill_null(0.0).to_numpy() if cost_vnd_bn is None else cost_vnd_bn,
        ),
    )
    if paid_by is not None:
        out = out.with_columns(pl.Series("paid_by", paid_by.tolist(), dtype=pl.Utf8))
    if permanent is not None and "portable_bts" in table.columns:
        later = table["portable_bts"].fill_null(False).to_numpy() & (permanent <= horizon)
        out = out.with_columns(
            pl.Series("permanent_site_date", _dates(start, np.where(later, permanent, np.nan)), dtype=pl.Date)
        )
    if grid is not None:
        out = out.with_columns(
            pl.Series("grid_date", _dates(start, np.where(grid <= horizon, grid, np.nan)), dtype=pl.Date)
        )
    if temporary_power is not None:
        out = out.with_columns(pl.Series("temporary_power", np.asarray(temporary_power, dtype=bool) & in_h))
    if bridge is not None:
        out = out.with_columns(
            pl.Series(
                "power_bridge_date", _dates(start, np.where(bridge <= horizon, bridge, np.nan)), dtype=pl.Date
            )
        )
    if bridge_cost_vnd_bn is not None:
        out = out.with_columns(
            pl.Series("power_bridge_cost_vnd_bn", np.asarray(bridge_cost_vnd_bn, dtype=float))
        )
    if held_days is not None:
        longest = np.argmax(held_days, axis=1)
        days = held_days[np.arange(held_days.shape[0]), longest]
        out = out.with_columns(
            pl.Series(
                "held_longest_by",
                np.where(days > 0, np.asarray(VILLAGE_HELD_CAUSES, dtype=object)[longest], None),
                dtype=pl.Utf8,
            ),
            pl.Series("held_longest_days", np.round(days, 1)),
        )
    if len(signal_by_rep) > 1:  # a village not connected within the horizon, in a replication: never there
        stack = np.vstack([np.where(d <= horizon, d, np.inf) for d in signal_by_rep.values()])
        for p in (10, 50, 90):
            q = np.quantile(stack, p / 100, axis=0, method="inverted_cdf")
            out = out.with_columns(
                pl.Series(
                    f"connected_date_p{p}", _dates(start, np.where(np.isinf(q), np.nan, q)), dtype=pl.Date
                )
            )
    return out


GEOJSON_NAME = "villages.geojson"


def write_villages_geojson(result_dir: Path) -> Path | None:
    """villages.geojson from the folder's villages.parquet (None: the run has no villages). Written from the
    table, not the model, so that it is made after the helper process has the tables it needs (runner.write_run)."""
    src = Path(result_dir) / "villages.parquet"
    if not src.is_file():
        return None
    df = pl.read_parquet(src)
    return atomic_file(Path(result_dir) / GEOJSON_NAME, lambda tmp: write_geojson(df, tmp))


def write_geojson(df: pl.DataFrame, path: Path) -> None:
    """Points with every column as properties (dates ISO); text is data, never markup."""
    feats = []
    for rec in df.iter_rows(named=True):
        props = {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in rec.items()
            if k not in ("x_m", "y_m", "row", "col", "cell_id")
        }
        props = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in props.items()}
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [rec["lon"], rec["lat"]]},
                "properties": props,
            }
        )
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), encoding="utf-8"
    )


CAMPAIGN_ONCE = (
    "villages_in_scope",
    "villages_done_by_deadline",
    "villages_left_at_deadline",
    "villages_without_power_at_deadline",
    "deadline_met",
)


def campaign_kpis(metrics: pl.DataFrame) -> dict[str, dict[int, float]]:
    """Per replication, for every campaign in the metrics (dxsim.sim.villages.metrics):

    ``campaign_<name>_villages_in_scope``, ``_villages_done_by_deadline``, ``_villages_left_at_deadline``,
    ``_villages_without_power_at_deadline``
    and ``_deadline_met`` (1/0; absent when the deadline lies beyond the horizon or before its start),
    ``_surge_capex_total_vnd_bn`` (sum of the monthly surge capex), ``_villages_left_end`` and
    ``_year_done`` (decimal year of the first month end with no village of the campaign left; NaN
    if never within the horizon). Also ``villages_without_power_end`` and ``villages_without_signal_end``.
    """
    nat = metrics.filter((pl.col("area") == "VN") & pl.col("metric").str.starts_with("campaign_"))
    out: dict[str, dict[int, float]] = {}
    reps = sorted(metrics["replication"].unique().to_list())
    for metric, grp in nat.group_by("metric", maintain_order=True):  # campaign order: stable KPI order
        name = str(metric[0])
        rows = grp.sort("date")
        if name.endswith("_surge_capex_vnd_bn"):
            tot = rows.group_by("replication").agg(pl.col("value").sum())
            out[name.replace("_surge_capex_vnd_bn", "_surge_capex_total_vnd_bn")] = dict(
                zip(tot["replication"].to_list(), tot["value"].to_list(), strict=True)
            )
        elif name.endswith("_villages_left"):
            last = rows.group_by("replication").agg(pl.col("value").last())
            out[name + "_end"] = dict(
                zip(last["replication"].to_list(), last["value"].to_list(), strict=True)
            )
            zero = rows.filter(pl.col("value") <= 0).group_by("replication").agg(pl.col("date").min())
            when = dict(zip(zero["replication"].to_list(), zero["date"].to_list(), strict=True))
            out[name.removesuffix("_villages_left") + "_year_done"] = {
                r: (_decimal_year(when[r]) if r in when else math.nan) for r in reps
            }
        elif name.endswith(CAMPAIGN_ONCE):
            first = rows.group_by("replication").agg(pl.col("value").first())
            out[name] = dict(zip(first["replication"].to_list(), first["value"].to_list(), strict=True))
    last_date = metrics.filter(pl.col("area") == "VN")["date"].max()
    for m in ("villages_without_power", "villages_without_signal"):
        sub = metrics.filter(
            (pl.col("area") == "VN") & (pl.col("metric") == m) & (pl.col("date") == last_date)
        )
        if sub.height:
            out[f"{m}_end"] = dict(zip(sub["replication"].to_list(), sub["value"].to_list(), strict=True))
    return out


def funded_in_works_lines(villages: pl.DataFrame, funded: Sequence[str]) -> list[str]:
    """One line per campaign paid from the programme budget (`funded`, by name) whose villages include some already
    in works at the start under a campaign the utility and operators pay (replication 0's `paid_by` "outside"): their
    cost was committed before the start, by whoever began them, so the run's public money does not hold it.

    Why: a Điện Biên campaign paid from the programme budget claimed 24 villages, 20 of them in works since mid-2025
    under the 2025 campaigns; its public money was 65.6 bn (three villages and its extra crews) and read as the price
    of 24 (provincial planner trial)."""
    if villages.height == 0 or not {"campaign", "started_date", "cost_vnd_bn", "paid_by"} <= set(
        villages.columns
    ):
        return []
    lines = []
    for name in funded:
        mine = villages.filter(pl.col("campaign") == name)
        # paid outside the programme though the campaign is the programme's: begun before the start under a campaign
        # the utility and operators pay (a started_date within a day of the start reads as the start's own date)
        before = mine.filter(pl.col("paid_by") == "outside")
        if before.height == 0:
            continue
        lines.append(
            _(
                "campaign {name}: {n} of its {total} villages were in works at the start, begun before it: their cost "
                "({cost} bn VND, replication 0) was committed then, by whoever began them, and is not in this run's "
                "public money"
            ).format(
                name=name,
                n=F.number(before.height, 0),
                total=F.number(mine.height, 0),
                cost=F.number(float(before["cost_vnd_bn"].sum()), 1),
            )
        )
    return lines


PROVINCES_SHOWN = 4  # provinces named in the programme line, then "and N more"


def infeasible_villages_line(villages: pl.DataFrame) -> str | None:
    """'villages: 602 of 602 have no feasible option, so none of them is ever started: ...' with the first such
    village's reason, or None when every village has one.

    Why: with 1,000 Mbps asked per busy-hour user no option could carry any village; the KPI table said "Villages with
    no feasible option 602" among 20 rows and the only line on what held the villages said "nothing held back"
    (lever audit): an infeasible village never waits, so no held-back share speaks of it."""
    if villages.height == 0 or not {"feasible", "reason", "name"} <= set(villages.columns):
        return None
    bad = villages.filter(~pl.col("feasible").fill_null(False))
    if bad.height == 0:
        return None
    first = bad.row(0, named=True)
    return _(
        "villages: {n} of {total} have no feasible option, so none of them is ever started (villages.parquet "
        "`reason` says why for each), e.g. {village}: {reason}"
    ).format(
        n=F.number(bad.height, 0),
        total=F.number(villages.height, 0),
        village=first["name"],
        reason=first["reason"],
    )


def programme_villages_line(villages: pl.DataFrame) -> str | None:
    """The villages in no campaign that the village programme pays (replication 0's `paid_by` "programme"), by
    province, with their cost: public money the KPI tables give only as a total.

    Why: the baseline's public money became 598 bn VND when Tuyên Quang's surveyed villages left the national
    campaign, and no output said whose villages they were (trial of the session's changes)."""
    if villages.height == 0 or not {"campaign", "paid_by", "cost_vnd_bn", "province"} <= set(
        villages.columns
    ):
        return None
    mine = villages.filter(pl.col("campaign").is_null() & (pl.col("paid_by") == "programme"))
    if mine.height == 0:
        return None
    by = mine.group_by("province").agg(pl.len().alias("n")).sort(["n", "province"], descending=[True, False])
    names = [f"{p} {F.number(n, 0)}" for p, n in by.iter_rows()]
    shown = ", ".join(names[:PROVINCES_SHOWN]) + (
        ", " + _("and {n} more").format(n=len(names) - PROVINCES_SHOWN)
        if len(names) > PROVINCES_SHOWN
        else ""
    )
    return _(
        "villages in no campaign: {n} ({provinces}), started by the village programme from its budget: {cost} bn VND "
        "committed (replication 0), public money"
    ).format(n=F.number(mine.height, 0), provinces=shown, cost=F.number(float(mine["cost_vnd_bn"].sum()), 1))
