"""Say why: which constraint held each programme back, read from the metrics table only.

The model records, per month end (national area "VN"), what held each programme back, as shares
(%) of the month's held-back work that add up to 100 within a group, or are all 0 when nothing was
held back that month:

- 5G rollout, per region: ``rollout_held_pct_<cause>_<region>``, cause in :data:`ROLLOUT_CAUSES`
  (share of held site-days), and ``crew_utilization_pct_<region>``;
- villages: ``villages_held_pct_<cause>`` (share of held village-days);
- data centres: ``dc_held_pct_<cause>`` (share of held MW-days, see dxsim.sim.compute.datacentres).

Definitions used everywhere below (report, ``dxsim compare``):

- a *held month* is one (replication, month end) in which a group's shares are not all 0;
- the *binding cause* of a held month is the cause with the largest share (a tie goes to the
  cause listed first);
- over a period, a cause's ``share_pct`` is its mean share over the held months (months weigh
  equally: the shares carry no magnitudes), read as "% of held site-days"; ``binds_pct`` is the
  share of held months in which it binds; the period's binding cause is the one with the largest
  ``share_pct``; for the 5G rollout, among the causes that limit how much is built (:data:`FLOW_CAUSES`),
  not the waits (permits, kit lead time), which are named beside it when they took more; and where the
  binding flow cause changed from year to year, the line gives each year's (:func:`flow_phases`);
- crew idle % = 100 - mean ``crew_utilization_pct_<region>`` over (replication, month end),
  leaving out the table's first date (the start date closes no month, or only part of one);
- a cause *did not bind* (:func:`did_not_bind`) when it took under :data:`NON_BINDING_SHARE_PCT`
  of held work and bound in under :data:`NON_BINDING_BINDS_PCT` of held months, or when nothing was
  held back at all; the operators' targets and budgets, which limit how much is ordered rather than
  how long a site waits, did not bind when they stopped or cut orders in under
  :data:`NON_BINDING_BINDS_PCT` of operator-months. With no held-back metrics for the 5G rollout (runs
  before they existed), 5G crews did not bind when they stood idle at least
  :data:`NON_BINDING_CREW_IDLE_PCT` of the time.

Everything here is a pure function of polars frames with the metrics table's columns (date,
replication, area, metric, value).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

import polars as pl

from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.results.kpi_labels import OPERATOR_NAMES
from dxsim.results.metrics import PROGRAMME_COMMITTED_METRIC
from dxsim.results.summary import final_year_mean_by_replication, kpi_quantiles, sum_by_replication

ROLLOUT_REGIONS = ("north", "central", "south")
ROLLOUT_CAUSES = ("targets", "business_case", "budget", "permits", "equipment", "deliveries", "crews", "plan")
VILLAGE_CAUSES = ("power", "backhaul", "line_crews", "site_teams", "budget", "season")
DC_CAUSES = ("grid_connection", "grid_headroom", "permits", "construction")
NATIONAL = "national"  # the region of programmes recorded for the whole country

# The 5G causes that limit how much is ordered and built (flow) and those that only make a site wait (latency, see
# dxsim.sim.rollout.RolloutModel.held_site_days): a kit's lead time holds every site ordered for weeks, so it takes
# the largest share of held site-days in most months, yet a shorter lead time only moves the same sites earlier.
# The 5G binding cause is therefore the largest FLOW cause; the latency that takes more is named beside it.
FLOW_CAUSES = {"5g": ("targets", "business_case", "budget", "deliveries", "crews", "plan")}
LATENCY_PHRASE = {"permits": N_("permits delay most"), "equipment": N_("kit lead time delays most")}
NON_BINDING_SHARE_PCT = 10.0  # a cause under this share of held work ...
NON_BINDING_BINDS_PCT = 20.0  # ... that binds in under this share of held months did not bind
NON_BINDING_CREW_IDLE_PCT = 25.0  # fallback for 5G crews without held-back metrics
EPS = 1e-9


@dataclass(frozen=True)
class Phase:
    """Years in which one flow cause bound (see flow_phases)."""

    cause: str
    first_year: int
    last_year: int


@dataclass(frozen=True)
class Programme:
    """One programme's held-back metrics: names, causes, regions and the unit of held work."""

    key: str  # "5g" | "villages" | "dc"
    label: str
    prefix: str
    causes: tuple[str, ...]
    regions: tuple[str, ...]
    unit: str  # what the shares are shares of

    def metric(self, cause: str, region: str) -> str:
        return f"{self.prefix}{cause}" + ("" if region == NATIONAL else f"_{region}")


PROGRAMMES: dict[str, Programme] = {
    "5g": Programme(
        "5g", N_("5G rollout"), "rollout_held_pct_", ROLLOUT_CAUSES, ROLLOUT_REGIONS, N_("held site-days")
    ),
    "villages": Programme(
        "villages", N_("villages"), "villages_held_pct_", VILLAGE_CAUSES, (NATIONAL,), N_("held village-days")
    ),
    "dc": Programme("dc", N_("data centres"), "dc_held_pct_", DC_CAUSES, (NATIONAL,), N_("held MW-days")),
}
REGION_LABEL = {"north": N_("north"), "central": N_("central"), "south": N_("south")}  # shown translated
CREW_METRIC = "crew_utilization_pct_"

# how a line names a binding cause (plural nouns take "bind")
SECOND_CAUSE_SHARE = 0.5  # a second cause with at least half the first's share is named too (detail lines)
CAUSE_PHRASE = {  # translated where shown
    "targets": N_("targets bind"),
    "budget": N_("budget binds"),
    "permits": N_("permits bind"),
    "equipment": N_("kit lead time binds"),
    "deliveries": N_("kit deliveries bind"),
    "crews": N_("crews bind"),
    "line_crews": N_("line crews bind"),
    "site_teams": N_("site teams bind"),
    "plan": N_("site plan exhausted"),
    # the grid line under construction (dxsim.sim.villages.process): the line crews' own work, so not "power"
    "power": N_("grid-line build time binds"),
    # the site kit's and backhaul's lead time and their works, not the link's capacity (a thin link leaves a village
    # capacity-short after it has signal: short_villages_line); "backhaul binds" sent a planner to double LEO capacity
    "backhaul": N_("site and backhaul lead time and works bind"),
    "season": N_("season binds"),
    "grid_connection": N_("grid connection binds"),
    "grid_headroom": N_("grid headroom binds"),
    "construction": N_("construction binds"),
    "business_case": N_("business case binds"),  # a cause the rollout model adds
}
CAUSE_NOUN = {  # a cause named second ("then kit lead time (40%)")
    "targets": N_("targets"),
    "budget": N_("budget"),
    "permits": N_("permits"),
    "equipment": N_("kit lead time"),
    "deliveries": N_("kit deliveries"),
    "crews": N_("crews"),
    "line_crews": N_("line crews"),
    "site_teams": N_("site teams"),
    "plan": N_("site plan"),
    "power": N_("grid-line build time"),
    "backhaul": N_("site and backhaul lead time and works"),
    "season": N_("season"),
    "grid_connection": N_("grid connection"),
    "grid_headroom": N_("grid headroom"),
    "construction": N_("construction"),
    "business_case": N_("business case"),
}


def cause_noun(cause: str) -> str:
    """A cause's name as the summary lines name it (CAUSE_NOUN, in the language in use); another cause's key with its
    underscores as spaces. One function for the report's legends, the village lines and the map's popups."""
    return _(CAUSE_NOUN[cause]) if cause in CAUSE_NOUN else cause.replace("_", " ")


def parse_metric(metric: str) -> tuple[str, str, str] | None:
    """(programme, region, cause) of a held-back metric name, None for any other metric.

    A cause the model records beyond the listed ones (a programme may add one) is kept, after them.
    """
    for prog in PROGRAMMES.values():
        if not metric.startswith(prog.prefix):
            continue
        rest = metric[len(prog.prefix) :]
        if prog.regions == (NATIONAL,):
            return (prog.key, NATIONAL, rest) if rest else None
        cause, _, region = rest.rpartition("_")
        return (prog.key, region, cause) if cause and region in prog.regions else None
    return None


def cause_order(programme: str, causes: Sequence[str]) -> list[str]:
    """The listed causes first, in their order, then any other cause alphabetically."""
    known = PROGRAMMES[programme].causes
    return sorted(set(causes), key=lambda c: (known.index(c) if c in known else len(known), c))


SHARES_SCHEMA = {
    "programme": pl.Utf8,
    "region": pl.Utf8,
    "date": pl.Date,
    "replication": pl.Int64,
    "cause": pl.Utf8,
    "share_pct": pl.Float64,
}


# --------------------------------------------------------------------------- reading the table


ORDER_BOUND_METRICS = {"targets": "orders_pace_bound_pct", "budget": "orders_budget_bound_pct"}
SUPPORT_METRICS = (
    "subsidy_paid_vnd_bn",
    "stations_ordered_for_support_cum",
    "surge_stations_",
    "support_accrued_unpaid_vnd_bn",
    "support_claims_over_fund_cum_vnd_bn",
)
SUPPORT_OVER_FUND_METRIC = "support_claims_over_fund_cum_vnd_bn"  # > 0: a programme's fund capped its claims
# what support_displacement compares at each year end (exact names: stations_5g_<operator> are not needed)
DISPLACEMENT_METRICS = ("stations_5g", "stations_5g_upgrades_cum", "stations_5g_new_sites_cum")
# the fields that change 5G support: the programmes, the envelope that funds one, and an operator's commitment to a
# programme's threshold (a committed VNPT raced for Resolution 193 and compare said nothing of the support it drew)
SUPPORT_FIELDS = re.compile(r"^(subsidy\.|supports|budget\.|operators\.[^.]+\.committed_to$)")


def bottleneck_filter() -> pl.Expr:
    """Selects the national rows this module reads (also on a lazy scan of metrics.parquet)."""
    named = pl.col("metric").str.starts_with(CREW_METRIC)
    for name in (*SUPPORT_METRICS, PROGRAMME_COMMITTED_METRIC):
        named = named | pl.col("metric").str.starts_with(name)
    # the pooled order limits only: each operator's (`operator_order_bound_pct`) are read apart, aggregated, since
    # their 6 rows a month added ~70 MB to a 1,000-replication run that kept them here
    named = named | pl.col("metric").is_in(list(ORDER_BOUND_METRICS.values()))
    for prog in PROGRAMMES.values():
        named = named | pl.col("metric").str.starts_with(prog.prefix)
    named = named | pl.col("metric").is_in(
        [
            *DISPLACEMENT_METRICS,
            OVER_BUDGET_METRIC,
            STRANDED_METRIC,
            IMPORT_CAP_METRIC,
            RACK_DENSITY_METRIC,
            UNMET_ORDINARY_METRIC,
            GPU_BUSY_METRIC,
            GPUS_INSTALLED_METRIC,
            SHORT_VILLAGES_METRIC,
            *(m for pair in SHORT_LAYERS.values() for m in pair),
            *EDGE_METRICS,
            *REPLAN_METRICS,
        ]
    )
    named = named | (
        pl.col("metric").str.starts_with("campaign_") & pl.col("metric").str.contains("_held_pct_")
    )
    return (pl.col("area") == "VN") & named


def bottleneck_rows(metrics: pl.DataFrame) -> pl.DataFrame:
    """The national rows this module reads (held-back shares and crew utilisation): small enough to keep."""
    return metrics.filter(bottleneck_filter()).select("date", "replication", "area", "metric", "value")


def held_shares(metrics: pl.DataFrame) -> pl.DataFrame:
    """Long: programme, region, date, replication, cause, share_pct (national rows of known metrics only)."""
    nat = metrics.filter(bottleneck_filter())
    keys = [
        {"metric": m, "programme": k[0], "region": k[1], "cause": k[2]}
        for m in nat["metric"].unique().to_list()
        if (k := parse_metric(m)) is not None
    ]
    if not keys:
        return pl.DataFrame(schema=SHARES_SCHEMA)
    return (
        nat.join(pl.DataFrame(keys), on="metric")
        .select(
            pl.col("programme"),
            pl.col("region"),
            pl.col("date").cast(pl.Date),
            pl.col("replication").cast(pl.Int64),
            pl.col("cause"),
            pl.col("value").cast(pl.Float64).alias("share_pct"),
        )
        .sort("programme", "region", "date", "replication", "cause")
    )


def _cause_rank(shares: pl.DataFrame) -> pl.DataFrame:
    """programme, cause, rank (cause_order) of the causes in `shares`."""
    rows = []
    for (programme,), g in shares.select("programme", "cause").unique().group_by("programme"):
        rows += [
            {"programme": programme, "cause": c, "rank": i}
            for i, c in enumerate(cause_order(str(programme), g["cause"].to_list()))
        ]
    return pl.DataFrame(rows, schema={"programme": pl.Utf8, "cause": pl.Utf8, "rank": pl.Int64})


def binding_by_month(shares: pl.DataFrame) -> pl.DataFrame:
    """programme, region, date, replication, held (bool), binding (the largest share's cause; null if not held)."""
    if shares.height == 0:
        return pl.DataFrame(
            schema={
                "programme": pl.Utf8,
                "region": pl.Utf8,
                "date": pl.Date,
                "replication": pl.Int64,
                "held": pl.Boolean,
                "binding": pl.Utf8,
            }
        )
    ranked = shares.join(_cause_rank(shares), on=["programme", "cause"]).sort(
        ["programme", "region", "date", "replication", "share_pct", "rank"],
        descending=[False] * 4 + [True, False],
    )
    g = ranked.group_by(["programme", "region", "date", "replication"], maintain_order=True).agg(
        (pl.col("share_pct").sum() > EPS).alias("held"), pl.col("cause").first().alias("top")
    )
    return (
        g.with_columns(pl.when(pl.col("held")).then(pl.col("top")).otherwise(None).alias("binding"))
        .drop("top")
        .sort("programme", "region", "date", "replication")
    )


def _mean(values: pl.Series) -> float:
    """Mean of a numeric column as float (polars types Series.mean as any scalar; float(None) still raises)."""
    return float(cast(float, values.mean()))


def _period(df: pl.DataFrame, start: Any = None, end: Any = None) -> pl.DataFrame:
    if start is not None:
        df = df.filter(pl.col("date") >= start)
    if end is not None:
        df = df.filter(pl.col("date") <= end)
    return df


def cause_summary(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> pl.DataFrame:
    """Per programme, region and cause over [start, end]: share_pct, binds_pct, held_months, months.

    ``share_pct``: mean share over held months; ``binds_pct``: % of held months in which the cause binds.
    Programmes without metrics in the table have no rows.
    """
    shares = _period(held_shares(metrics), start, end)
    schema = pl.Schema(
        {
            "programme": pl.Utf8,
            "region": pl.Utf8,
            "cause": pl.Utf8,
            "share_pct": pl.Float64,
            "binds_pct": pl.Float64,
            "held_months": pl.Int64,
            "months": pl.Int64,
        }
    )
    if shares.height == 0:
        return pl.DataFrame(schema=schema)
    months = binding_by_month(shares)
    counts = months.group_by(["programme", "region"]).agg(
        pl.col("held").sum().cast(pl.Int64).alias("held_months"), pl.len().cast(pl.Int64).alias("months")
    )
    held = months.filter(pl.col("held")).select("programme", "region", "date", "replication", "binding")
    mean = (
        shares.join(held, on=["programme", "region", "date", "replication"])
        .group_by(["programme", "region", "cause"])
        .agg(pl.col("share_pct").mean())
    )
    binds = (
        held.group_by(["programme", "region", "binding"])
        .agg(pl.len().alias("n"))
        .rename({"binding": "cause"})
    )
    causes = shares.select("programme", "region", "cause").unique()
    out = (
        causes.join(counts, on=["programme", "region"])
        .join(mean, on=["programme", "region", "cause"], how="left")
        .join(binds, on=["programme", "region", "cause"], how="left")
        .with_columns(
            pl.col("share_pct").fill_null(0.0),
            pl.when(pl.col("held_months") > 0)
            .then(100.0 * pl.col("n").fill_null(0) / pl.col("held_months"))
            .otherwise(0.0)
            .alias("binds_pct"),
        )
        .join(_cause_rank(shares), on=["programme", "cause"])
        .sort("programme", "region", "rank")
    )
    return out.select(list(schema)).cast(schema)


def flow_phases(
    metrics: pl.DataFrame, start: Any = None, end: Any = None
) -> dict[tuple[str, str], list[Phase]]:
    """(programme, region) -> the binding flow cause year by year, consecutive years of one cause joined.

    A year's binding flow cause is the FLOW_CAUSES cause with the largest mean share over the year's held months
    (ties to the cause listed first); a year in which no flow cause held anything is left out. Why: over a horizon
    the binding cause changes (budgets cut the first orders, then the announced pace, then the business case ends
    the rollout), and one average names only the last."""
    flow = pl.DataFrame(
        [{"programme": p, "cause": c} for p, causes in FLOW_CAUSES.items() for c in causes],
        schema={"programme": pl.Utf8, "cause": pl.Utf8},
    )
    every = _period(held_shares(metrics), start, end)
    shares = every.join(flow, on=["programme", "cause"], how="semi")
    out: dict[tuple[str, str], list[Phase]] = {}
    if shares.height == 0:
        return out
    held = binding_by_month(every).filter(pl.col("held"))
    by_year = (
        shares.join(
            held.select("programme", "region", "date", "replication"),
            on=["programme", "region", "date", "replication"],
        )
        .with_columns(pl.col("date").dt.year().alias("year"))
        .group_by("programme", "region", "year", "cause")
        .agg(pl.col("share_pct").mean())
        .join(_cause_rank(shares), on=["programme", "cause"])
        .filter(pl.col("share_pct") > EPS)
        .sort(
            ["programme", "region", "year", "share_pct", "rank"],
            descending=[False, False, False, True, False],
        )
        .group_by("programme", "region", "year", maintain_order=True)
        .agg(pl.col("cause").first())
    )
    for r in by_year.iter_rows(named=True):
        phases = out.setdefault((r["programme"], r["region"]), [])
        if phases and phases[-1].cause == r["cause"] and phases[-1].last_year == r["year"] - 1:
            phases[-1] = Phase(r["cause"], phases[-1].first_year, r["year"])
        else:
            phases.append(Phase(r["cause"], r["year"], r["year"]))
    return out


def crew_idle(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> pl.DataFrame:
    """region, crew_idle_pct = max(0, 100 - mean crew utilisation), the table's first date left out."""
    crews = metrics.filter((pl.col("area") == "VN") & pl.col("metric").str.starts_with(CREW_METRIC))
    schema = pl.Schema({"region": pl.Utf8, "crew_idle_pct": pl.Float64})
    if crews.height == 0:
        return pl.DataFrame(schema=schema)
    first = metrics["date"].min()
    crews = _period(crews.filter(pl.col("date") > first), start, end)
    if crews.height == 0:
        return pl.DataFrame(schema=schema)
    return (
        crews.group_by("metric")
        .agg(pl.col("value").mean())
        .select(
            pl.col("metric").str.strip_prefix(CREW_METRIC).alias("region"),
            (100.0 - pl.col("value")).clip(lower_bound=0.0).alias("crew_idle_pct"),
        )
        .sort("region")
        .cast(schema)
    )


# --------------------------------------------------------------------------- per region


def region_summary(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> pl.DataFrame:
    """One row per programme and region: binding cause, its share and binds %, held months %, crew idle %, line.

    5G regions appear when either held-back shares or crew utilisation are in the table.
    """
    causes = cause_summary(metrics, start, end)
    idle = dict(crew_idle(metrics, start, end).iter_rows())
    phases = flow_phases(metrics, start, end)
    rows = []
    for prog in PROGRAMMES.values():
        for region in prog.regions:
            c = causes.filter((pl.col("programme") == prog.key) & (pl.col("region") == region))
            idle_pct = idle.get(region) if prog.key == "5g" else None
            if c.height == 0 and idle_pct is None:
                continue
            row: dict[str, Any] = {
                "programme": prog.key,
                "region": region,
                "binding": None,
                "share_pct": None,
                "binds_pct": None,
                "held_months_pct": None,
                "crew_idle_pct": idle_pct,
                "binding_text": None,
                "latency": None,
                "latency_share_pct": None,
            }
            if c.height:
                held, months = int(c["held_months"][0]), int(c["months"][0])
                row["held_months_pct"] = 100.0 * held / months if months else 0.0
                if held:
                    ranked = c.sort("share_pct", descending=True, maintain_order=True)
                    flow = FLOW_CAUSES.get(prog.key)
                    # the binding cause limits the flow; a latency that took more is named apart
                    if flow is not None:
                        limits = ranked.filter(pl.col("cause").is_in(flow) & (pl.col("share_pct") > EPS))
                        if limits.height:
                            waits = ranked.filter(~pl.col("cause").is_in(flow)).row(0, named=True)
                            if waits["share_pct"] > limits["share_pct"][0]:
                                row.update(latency=waits["cause"], latency_share_pct=waits["share_pct"])
                            ranked = limits
                    top = ranked.row(0, named=True)
                    row.update(binding=top["cause"], share_pct=top["share_pct"], binds_pct=top["binds_pct"])
                    if ranked.height > 1:  # a close second is worth naming (the run line shows it)
                        nxt = ranked.row(1, named=True)
                        row.update(second=nxt["cause"], second_share_pct=nxt["share_pct"])
                    row["phases"] = phases.get((prog.key, region), [])
                    if idle_pct is not None and len(row["phases"]) > 1:
                        row["crew_idle_when_binding_pct"] = crew_idle_when_binding(
                            metrics, region, row["phases"], start, end
                        )
                        row["crew_binding_years"] = phases_years(row["phases"], "crews")
                    row["binding_text"] = (
                        phases_text(row["phases"]) if len(row["phases"]) > 1 else _cause_noun(row["binding"])
                    )
            row["line"] = summary_line(prog.key, region, row, has_causes=c.height > 0)
            row["short_line"] = summary_line(prog.key, region, row, has_causes=c.height > 0, detail=False)
            rows.append(row)
    schema = {
        "programme": pl.Utf8,
        "region": pl.Utf8,
        "binding": pl.Utf8,
        "share_pct": pl.Float64,
        "binds_pct": pl.Float64,
        "held_months_pct": pl.Float64,
        "crew_idle_pct": pl.Float64,
        "crew_idle_when_binding_pct": pl.Float64,  # in the years crews bound (crew_idle_when_binding), or null
        "crew_binding_years": pl.Utf8,  # those years, as "2025" or "2025–2026"
        "binding_text": pl.Utf8,  # the binding cause as shown, or each year's where it changed (flow_phases)
        "latency": pl.Utf8,  # a wait (5G: permits, kit lead time) that took more held work than `binding`
        "latency_share_pct": pl.Float64,
        "line": pl.Utf8,
        "short_line": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def crew_idle_when_binding(
    metrics: pl.DataFrame, region: str, phases: Sequence[Phase], start: Any = None, end: Any = None
) -> float | None:
    """The region's crew idle share (`crew_idle`) over the years in which crews bound (`phases`), or None if they
    never did. Why: "crews idle 92%, what binds: crews (2025)" read as a contradiction; the 92% is the whole run's,
    and the crews were busy in the months of 2025 they bound (Viettel's surge): the line now says both."""
    years = {y for ph in phases if ph.cause == "crews" for y in range(ph.first_year, ph.last_year + 1)}
    if not years:
        return None
    # the table's first date (the start state) is kept for crew_idle to leave out, as it does for the whole run
    first = metrics["date"].min()
    idle = crew_idle(
        metrics.filter(pl.col("date").dt.year().is_in(sorted(years)) | (pl.col("date") == first)), start, end
    )
    got = idle.filter(pl.col("region") == region)["crew_idle_pct"]
    return float(got[0]) if got.len() else None


def _where(programme: str, region: str) -> str:
    """The region (5G) or the programme a line is about, as shown (translated)."""
    if programme == "5g":
        return _(REGION_LABEL[region]) if region in REGION_LABEL else region
    return _(PROGRAMMES[programme].label)


def phases_text(phases: Sequence[Phase]) -> str:
    """ "budget (2025), targets (2026–2028), business case (2029–2030)" in the language in use."""
    return ", ".join(f"{_cause_noun(ph.cause)} ({_years(ph)})" for ph in phases)


def _years(ph: Phase) -> str:
    """ "2025" or "2026–2028"."""
    return f"{ph.first_year}" + ("" if ph.last_year == ph.first_year else f"–{ph.last_year}")


def phases_years(phases: Sequence[Phase], cause: str) -> str:
    """ "2025" or "2025–2026, 2029": the years in which `cause` bound, as phases_text writes them."""
    return ", ".join(_years(ph) for ph in phases if ph.cause == cause)


def _share_of(programme: str, pct: float) -> str:
    """ " (44% of held site-days)": a cause's share in the programme's unit of held work."""
    return " (" + _("{pct} of {unit}").format(pct=F.percent(pct, 0), unit=_(PROGRAMMES[programme].unit)) + ")"


DC_DELAY_PHRASE = {
    "construction": N_("construction delays most"),
    "permits": N_("permits delay most"),
    "grid_connection": N_("grid connection delays most"),
    "grid_headroom": N_("grid headroom delays most"),
}


def dc_delay_text(row: dict[str, Any], detail: bool = True) -> str:
    """E.g. "construction delays most (100% of held MW-days past the announced dates); the MW built is set by which
    projects go ahead".

    Why not "binds": every data-centre cause holds a phase past its announced date, so it makes the same MW later;
    halving construction times moved end-2030 capacity by noise while the line said "construction binds". What
    sets the MW is the pipeline: which projects go ahead (go-ahead probabilities, PPP share, public investment)."""
    b = row["binding"]
    text = _(DC_DELAY_PHRASE[b]) if b in DC_DELAY_PHRASE else _cause_noun(b)
    if detail:
        text += (
            " ("
            + _("{pct} of held MW-days past the announced dates").format(pct=F.percent(row["share_pct"], 0))
            + ")"
        )
        second = row.get("second")
        if second and (row.get("second_share_pct") or 0.0) >= SECOND_CAUSE_SHARE * row["share_pct"]:
            text += ", " + _("then {cause} ({pct})").format(
                cause=_cause_noun(second), pct=F.percent(row["second_share_pct"], 0)
            )
    return text + "; " + _("the MW built is set by which projects go ahead")


def _crew_idle_text(idle_pct: float, row: dict[str, Any] | None) -> str:
    """ "crews idle 85%", or with the years crews bound in `row` (a region_summary row, or the dict it is made from):
    "crews idle 92% over the run, 55% in 2025" (crew_idle_when_binding)."""
    idle_then = row.get("crew_idle_when_binding_pct") if row else None
    if idle_then is None or row is None:
        return _("crews idle {pct}").format(pct=F.percent(idle_pct, 0))
    return _("crews idle {pct} over the run, {when_pct} in {years}").format(
        pct=F.percent(idle_pct, 0), when_pct=F.percent(idle_then, 0), years=row["crew_binding_years"]
    )


def summary_line(
    programme: str, region: str, row: dict[str, Any], has_causes: bool = True, detail: bool = True
) -> str:
    """E.g. "north: crews idle 85%, targets bind (62% of held site-days)"; without detail, no parenthesis."""
    parts = []
    if row.get("crew_idle_pct") is not None:
        parts.append(_crew_idle_text(row["crew_idle_pct"], row if has_causes else None))
    if has_causes:
        if row.get("binding") is None:
            parts.append(_("nothing held back"))
        elif programme == "dc":
            parts.append(dc_delay_text(row, detail))
        elif len(row.get("phases") or []) > 1:
            # the binding cause changed over the horizon: say when each bound
            parts.append(_("what binds: {phases}").format(phases=phases_text(row["phases"])))
        else:
            b = row["binding"]
            text = _(CAUSE_PHRASE[b]) if b in CAUSE_PHRASE else _("{cause} binds").format(cause=b)
            if detail:
                text += _share_of(programme, row["share_pct"])
                second = row.get("second")
                if second and (row.get("second_share_pct") or 0.0) >= SECOND_CAUSE_SHARE * row["share_pct"]:
                    text += ", " + _("then {cause} ({pct})").format(
                        cause=_cause_noun(second), pct=F.percent(row["second_share_pct"], 0)
                    )
            parts.append(text)
    waits = ""
    latency = row.get("latency") if has_causes else None
    if latency:  # waits took more of the held site-days than any limit on the flow
        waits = "; " + (_(LATENCY_PHRASE[latency]) if latency in LATENCY_PHRASE else _cause_noun(latency))
        if detail:
            waits += _share_of(programme, row["latency_share_pct"])
    return (
        f"{_where(programme, region)}: " + (", ".join(parts) if parts else _("no bottleneck metrics")) + waits
    )


def summary_lines(
    metrics: pl.DataFrame,
    start: Any = None,
    end: Any = None,
    detail: bool = True,
    by_operator: dict[str, dict[str, float]] | None = None,
) -> list[str]:
    """One line per programme and region, in programme order; with `detail`, after the 5G regions, how often the
    operators' budgets and yearly targets cut their orders (`orders_line`), each operator's from `by_operator`
    (`operator_order_bound_pct` of the run's metrics; default: of `metrics`, if they hold those rows)."""
    table = region_summary(metrics, start, end)
    lines = table["line" if detail else "short_line"].to_list()
    orders = (
        orders_line(
            order_bound_pct(metrics, start, end),
            by_operator if by_operator is not None else operator_order_bound_pct(metrics, start, end),
        )
        if detail
        else ""
    )
    if orders:
        at = sum(1 for p in table["programme"].to_list() if p == "5g")
        lines.insert(at, orders)
    # each campaign's own line after the country's village line
    after_villages = sum(1 for p in table["programme"].to_list() if p in ("5g", "villages")) + bool(orders)
    short = short_villages_line(metrics, start, end)  # after the country's and the campaigns' village lines
    lines[after_villages:after_villages] = (campaign_lines(metrics, start, end) if detail else []) + (
        [short] if short else []
    )
    lines += [
        line
        for line in (
            import_cap_line(metrics, start, end),
            over_budget_line(metrics, start, end),
            stranded_line(metrics, start, end),
            rack_density_line(metrics, start, end),
            ordinary_load_line(metrics, start, end),
            idle_gpus_line(metrics, start, end),
        )
        if line
    ]
    lines += service_lines(metrics, start, end)
    return lines


CAMPAIGN_HELD = re.compile(r"^campaign_(?P<name>[a-z][a-z0-9_]*)_held_pct_(?P<cause>[a-z_]+)$")


def campaign_lines(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> list[str]:
    """One line per campaign whose villages waited: "campaign tq_2026: permits bind (61% of its held village-days),
    then line crews (27%)": each cause's mean share over the (replication, month) in which its villages waited.

    Why: a Tuyên Quang campaign's tail was held by permits (with permits of 5-10 days all 273 villages had signal by
    the deadline) while the only village line was the country's ("site teams bind"), and 105 bn VND of surge teams
    moved nothing without a word on what held the campaign's own villages."""
    nat = _period(
        metrics.filter((pl.col("area") == "VN") & pl.col("metric").str.starts_with("campaign_")), start, end
    )
    keys = [
        {"metric": m, "name": g["name"], "cause": g["cause"]}
        for m in nat["metric"].unique().to_list()
        if (g := CAMPAIGN_HELD.match(m)) is not None
    ]
    if not keys:
        return []
    long = nat.join(pl.DataFrame(keys), on="metric")
    held = long.group_by("name", "replication", "date").agg(pl.col("value").sum().alias("tot"))
    waited = long.join(held.filter(pl.col("tot") > 1e-9), on=["name", "replication", "date"])
    if waited.height == 0:
        return []
    share = waited.group_by("name", "cause").agg(pl.col("value").mean().alias("share_pct"))
    lines = []
    for name in dict.fromkeys(k["name"] for k in sorted(keys, key=lambda k: k["metric"])):
        rows = share.filter(pl.col("name") == name).sort("share_pct", "cause", descending=[True, False])
        if rows.height == 0:
            continue
        first, pct = rows.row(0)[1], float(rows.row(0)[2])
        text = (
            (_(CAUSE_PHRASE[first]) if first in CAUSE_PHRASE else _cause_noun(first))
            + " ("
            + _("{pct} of its held village-days").format(pct=F.percent(pct, 0))
            + ")"
        )
        if rows.height > 1 and float(rows.row(1)[2]) >= SECOND_CAUSE_SHARE * pct:
            text += ", " + _("then {cause} ({pct})").format(
                cause=_cause_noun(rows.row(1)[1]), pct=F.percent(float(rows.row(1)[2]), 0)
            )
        lines.append(_("campaign {name}: {what}").format(name=name, what=text))
    return lines


OVER_BUDGET_METRIC = (
    "villages_over_year_budget"  # villages a year's whole programme budget cannot start (sim.villages)
)
STRANDED_METRIC = "gpus_stranded"  # GPUs delivered without free data-centre power (dxsim.sim.compute.gpus)
IMPORT_CAP_METRIC = "gpus_held_by_import_cap"  # GPUs waiting for a later year's import allowance
# GPUs whose servers draw more than their hall's racks are built for; ordinary DC demand without free capacity (MW)
RACK_DENSITY_METRIC = "gpus_over_rack_density"
UNMET_ORDINARY_METRIC = "dc_ordinary_load_unmet_mw"
GPU_BUSY_METRIC = "gpu_utilization_pct"  # busy GPU-days over GPU-days available in the month (%)
GPUS_INSTALLED_METRIC = "gpus_installed"  # GPUs powered at the month end (idle_gpus_line: months with none)
# below this share of their time busy over the last 12 months, the GPUs are said to wait for demand (dxsim convention:
# half the fleet idle; an AI cloud plans on ~70-80% busy, so this flags a fleet bought well ahead of its demand)
IDLE_GPUS_BELOW_PCT = 50.0


def _gpus_held(metrics: pl.DataFrame, metric: str, start: Any, end: Any) -> dict[str, str] | None:
    """{peak, first, last, months} of a national quantity held back (the metric: GPUs, or MW of demand), each the P50 over the
    replications of that replication's own peak, first and last month with any, and GPU-months; None when none were
    held. Why P50s: a mean path put its figures beside the KPI table's P50s on the same screen, and they differed."""
    nat = _period(metrics.filter((pl.col("area") == "VN") & (pl.col("metric") == metric)), start, end)
    held = nat.filter(pl.col("value") >= 0.5)
    if held.height == 0:
        return None
    per = (
        nat.group_by("replication")
        .agg(pl.col("value").max().alias("peak"), pl.col("value").sum().alias("months"))
        .join(
            held.group_by("replication").agg(
                pl.col("date").min().alias("first"), pl.col("date").max().alias("last")
            ),
            on="replication",
            how="left",
        )
    )
    reps = per["replication"].to_list()

    def ordinals(col: str) -> dict[int, float]:  # a replication never held: NaN, ranked last as "never"
        return {r: (d.toordinal() if d is not None else math.nan) for r, d in zip(reps, per[col].to_list())}

    q = kpi_quantiles(
        {
            "peak": dict(zip(reps, per["peak"].to_list())),
            "months": dict(zip(reps, per["months"].to_list())),
            "first": ordinals("first"),
            "last": ordinals("last"),
        },
        len(reps),
    )
    if any(q[k] is None for k in ("peak", "months", "first", "last")):
        return None
    return {
        "peak": F.number(float(cast(float, q["peak"])), 0),
        "first": F.month(dt.date.fromordinal(round(cast(float, q["first"])))),
        "last": F.month(dt.date.fromordinal(round(cast(float, q["last"])))),
        "months": F.number(float(cast(float, q["months"])), 0),
    }


def _over_runs(text: str, metrics: pl.DataFrame) -> str:
    """`text` with its "P50 over replications" said as "one replication" when `metrics` holds one: a one-run line
    said P50 of a single value (provincial planner trial)."""
    if metrics.height and metrics["replication"].n_unique() == 1:
        return text.replace(_("P50 over replications"), _("one replication"))
    return text


def _held_line(metrics: pl.DataFrame, metric: str, text: str, start: Any, end: Any) -> str:
    """`text` (an English msgid with {peak}, {first}, {last}, {months}) filled from `_gpus_held` of the metric, or
    "" when nothing was held: the one shape of the GPU and data-centre lines below."""
    held = _gpus_held(metrics, metric, start, end)
    return "" if held is None else _over_runs(_(text).format(**held), metrics)


def over_budget_line(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """'villages: up to 3 cost more than a whole year's programme budget (2026-01 to 2030-12; ...)' when villages
    that only the programme budget can start cost more than a year of it (metric villages_over_year_budget), or "".

    Why: a campaign paid from a 5 bn-a-year budget left three villages of 10-14 bn never started while its extra
    crews were paid to the horizon, and the only word was "budget binds (87%)" (provincial planner trial)."""
    return _held_line(
        metrics,
        OVER_BUDGET_METRIC,
        N_(
            "villages: up to {peak} cost more than a whole year's programme budget ({first} to {last}; P50 over "
            "replications): they never start, since a village's cost is committed in the year its works start and a "
            "year's budget does not carry over; a larger yearly budget, or their campaign paid outside it, starts them"
        ),
        start,
        end,
    )


def stranded_line(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """'GPUs: up to 161,112 stranded without free data-centre power (2026-04 to 2029-11, 4,848,082 GPU-months; P50
    over replications)' (as the KPIs gpus_stranded_peak and gpu_months_stranded), or "" when none were.

    Why: 200,000 B200 ordered in 2026 left ~150,000 unpowered for three and a half years while the KPI of GPUs stranded
    *at the end* read 0 and no line said what held the GPU fleet back."""
    return _held_line(
        metrics,
        STRANDED_METRIC,
        N_(
            "GPUs: up to {peak} stranded without free data-centre power ({first} to {last}, {months} GPU-months; P50 over "
            "replications): data-centre MW, not purchases, limits the running fleet"
        ),
        start,
        end,
    )


def rack_density_line(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """'GPUs: up to 30,000 run in halls whose racks are built for less than their servers draw (...)' when GPUs were
    placed, by power alone, into data centres of a lower design kW per rack than their 8-GPU servers, or "".

    Why: GPUs go wherever IT power is free, so 30,000 B200 (14.3 kW a server) "fitted" old air-cooled halls of
    6.65 kW racks and no line said that this assumes a retrofit nobody pays for (data-centre trial)."""
    return _held_line(
        metrics,
        RACK_DENSITY_METRIC,
        N_(
            "GPUs: up to {peak} run in halls whose racks are built for less than their servers draw ({first} to {last}, "
            "{months} GPU-months; P50 over replications): the model places GPUs by power and assumes those halls "
            "retrofitted (rear-door or liquid cooling) at no cost; AI halls (liquid cooling) avoid it"
        ),
        start,
        end,
    )


def ordinary_load_line(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """'data centres: up to 95 MW of ordinary (non-AI) demand found no room (...)' when the yearly growth of the
    ordinary IT load found no free capacity, or "".

    Why: with no grid headroom and 200,000 B200, GPUs took the free MW and ordinary demand stopped at 186 MW against
    the 281 MW its growth gave, with no metric and no line; only the stranded GPUs were said (data-centre trial)."""
    return _held_line(
        metrics,
        UNMET_ORDINARY_METRIC,
        N_(
            "data centres: up to {peak} MW of ordinary (non-AI) IT demand found no room ({first} to {last}; P50 over "
            "replications): GPUs and the load already there hold the capacity built, so new capacity, not customers, "
            "limits it"
        ),
        start,
        end,
    )


def idle_gpus_line(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """'GPUs: 20% busy over the last 12 months (P50 over replications): AI demand, not GPUs or power, limits the
    compute used; more GPUs would wait idle' when the fleet is busy less than IDLE_GPUS_BELOW_PCT of its time, or "".

    Why: 53,414 bn VND of GPUs 20% busy in the last year and the why-lines said nothing of GPUs unless some were
    stranded (data-centre trial): which constraint binds is demand."""
    nat = _period(
        metrics.filter((pl.col("area") == "VN") & (pl.col("metric") == GPU_BUSY_METRIC)), start, end
    )
    fleet = metrics.filter((pl.col("area") == "VN") & (pl.col("metric") == GPUS_INSTALLED_METRIC))
    if fleet.height:
        # months without a GPU are no idle fleet: an import cap of 0 left none, its 0% months made a 50% mean, and the
        # line said demand binds beside 5,472 jobs waiting (data-centre audit)
        with_gpus = fleet.filter(pl.col("value") > 0).select("replication", "date")
        nat = nat.join(with_gpus, on=["replication", "date"], how="semi")
    if nat.height == 0:
        return ""
    busy = kpi_quantiles(
        {"busy": final_year_mean_by_replication(nat, GPU_BUSY_METRIC)}, nat["replication"].n_unique()
    )
    pct = busy["busy"]
    if pct is None or not math.isfinite(float(pct)) or float(pct) >= IDLE_GPUS_BELOW_PCT:
        return ""
    return _over_runs(
        _(
            "GPUs: {pct} busy over the last 12 months (P50 over replications): AI demand, not GPUs or power, limits "
            "the compute used; more GPUs would wait idle"
        ).format(pct=F.percent(float(pct), 0)),
        nat,
    )


def import_cap_line(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """'GPUs: up to 12,000 held back by the import cap (...)' when a yearly import allowance
    (compute.gpus.supply_shock.import_cap_gpus_per_year) pushed deliveries into later years, or "". Why: a cap on
    imports could not be modelled (AI-compute trial); now it can, the run says when it is what binds."""
    return _held_line(
        metrics,
        IMPORT_CAP_METRIC,
        N_(
            "GPUs: up to {peak} held back by the import cap ({first} to {last}, {months} GPU-months; P50 over "
            "replications): the yearly import allowance, not orders or data-centre power, sets when they arrive"
        ),
        start,
        end,
    )


def last_p50s(
    metrics: pl.DataFrame, names: Sequence[str], start: Any = None, end: Any = None
) -> dict[str, float]:
    """Each named national metric's P50 over the replications at its last month end in the period (the metrics a
    replication writes once, at the end, as well as the monthly ones); a metric absent or without a P50 is left out."""
    nat = _period(metrics.filter((pl.col("area") == "VN") & pl.col("metric").is_in(list(names))), start, end)
    out: dict[str, float] = {}
    for name in names:
        rows = nat.filter(pl.col("metric") == name)
        if rows.height == 0:
            continue
        last = rows.filter(pl.col("date") == pl.col("date").max())
        q = kpi_quantiles(
            {name: dict(zip(last["replication"].to_list(), last["value"].to_list()))}, last.height
        )
        if q[name] is not None:
            out[name] = float(cast(float, q[name]))
    return out


SHORT_VILLAGES_METRIC = (
    "villages_capacity_short"  # on air, link below the busy-hour demand (dxsim.sim.villages)
)


def short_villages_line(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """'villages: 597 on air but capacity-short at the end (P50 over replications): ...', or "" when none are.

    Why: with LEO links too thin for their villages 597 of 602 ended capacity-short while the only village line said
    "grid-line build time binds": the held shares count the days before a village has signal, and a thin link holds it after.
    """
    short = last_p50s(metrics, (SHORT_VILLAGES_METRIC,), start, end).get(SHORT_VILLAGES_METRIC)
    if short is None or short < 0.5:
        return ""
    return _over_runs(
        _(
            "villages: {n} on air but capacity-short at the end (P50 over replications): their links carry less "
            "than their busy-hour demand, so backhaul capacity, not works, limits them"
        ).format(n=F.number(short, 0)),
        metrics,
    )


# per layer: (capacity-short share, the part of it in cells whose edge rate is not above the served rate), % of people
SHORT_LAYERS = {
    "5g": ("pop_5g_capacity_short_pct", "pop_5g_capacity_short_edge_pct"),
    "mbb": ("pop_mbb_capacity_short_pct", "pop_mbb_capacity_short_edge_pct"),
}
SHORT_LAYER_NAMES = {"5g": N_("5G served"), "mbb": N_("4G-or-better served")}
SHORT_SAID_FROM_PCT = 0.5  # a capacity-short share smaller than this (% of people) gets no line
SHORT_EDGE_HELD = N_(
    "{layer}: {short}% of people capacity-short at the end (P50 over replications), {main}% of them where the cells' "
    "edge rate is not above the served rate (capacity.served_rate_mbps), or too close to it to carry one person's "
    "busy-hour demand: no load relieves them, more sites, another band or a lower served rate would"
)
SHORT_LOAD_HELD = N_(
    "{layer}: {short}% of people capacity-short at the end (P50 over replications), {main}% of them where the "
    "busy-hour load exceeds the cells' capacity: more capacity where the traffic is (sites, spectrum) would relieve them"
)
# 4G-or-better: the short are on 4G (no 5G device, or outside their own operator's 5G), and 4G stays as at the start;
# "sites, spectrum" named a lever the model does not have (operator RAN trial)
SHORT_LOAD_HELD_MBB = N_(
    "{layer}: {short}% of people capacity-short at the end (P50 over replications), {main}% of them where the "
    "busy-hour load exceeds the cells' capacity: they are on 4G (no 5G device, or outside their own operator's 5G), "
    "which the model holds as at the start (no 4G carriers are added, and no 4G sites but the remote villages' own); "
    "more 5G sites relieve only the 5G "
    "device users among them, a faster 5G device uptake moves more of them"
)


EDGE_METRICS = ("served_rate_mbps", "edge_rate_5g_slowest_band_mhz", "edge_rate_5g_slowest_band_mbps")


def edge_numbers(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """ "; the 700 MHz sites' edge rate, unloaded, is 10.02 Mbps against a served rate of 10.00 Mbps", P50s; "" for a
    run without those metrics. Why: the line named the rule, not the two numbers, so a near tie read as a verdict
    on capacity (operator capacity trial)."""
    p50 = last_p50s(metrics, EDGE_METRICS, start, end)
    if len(p50) < len(EDGE_METRICS):
        return ""
    return "; " + _(
        "the {band} MHz sites' edge rate, unloaded, is {edge} Mbps against a served rate of {rate} Mbps"
    ).format(
        band=F.number(p50["edge_rate_5g_slowest_band_mhz"], 0),
        edge=F.number(p50["edge_rate_5g_slowest_band_mbps"], 2),
        rate=F.number(p50["served_rate_mbps"], 2),
    )


# the yearly capacity replanning (dxsim.sim.model.Monitor.plan_for_capacity): sites brought forward, sites passed by
REPLAN_METRICS = ("sites_brought_forward_for_capacity", "sites_too_thin_for_capacity")
THIN_SAID_FROM_SITES = 1.0  # fewer passed-by sites (P50 over replications) get no line


def thin_sites_line(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> str:
    """ "5G capacity replanning: 30,014 plan sites brought forward into capacity-short cells, 22,262 more passed by
    there: ..." (P50s of each replication's sum over the period), or "" when no site was passed by.

    Why: under rural-700mhz 22,000 sites stood in capacity-short cells and were never brought forward, since a 700 MHz
    site carries ~0.11 Mbps at a 10 Mbps served rate, less than one person's busy-hour demand; a faster demand moved
    the brought-forward count and nothing said why those were left (operator capacity trial)."""
    nat = _period(
        metrics.filter((pl.col("area") == "VN") & pl.col("metric").is_in(list(REPLAN_METRICS))), start, end
    )
    if nat.height == 0:
        return ""
    per = {m: sum_by_replication(nat, m) for m in REPLAN_METRICS}
    p50 = kpi_quantiles(per, nat["replication"].n_unique())
    moved, thin = p50.get(REPLAN_METRICS[0]), p50.get(REPLAN_METRICS[1])
    if thin is None or thin < THIN_SAID_FROM_SITES:
        return ""
    return _over_runs(
        _(
            "5G capacity replanning: {moved} plan sites brought forward into capacity-short cells, {thin} more passed by "
            "there (P50 over replications): each could carry less than one more person's busy-hour demand at the "
            "served rate (capacity.served_rate_mbps), their edge rate not above it or too close to it; a faster band "
            "there or a lower served rate would make them count"
        ).format(moved=F.number(moved or 0.0, 0), thin=F.number(thin, 0)),
        metrics,
    )


def service_lines(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> list[str]:
    """Per layer, what holds its capacity-short people at the end ("5G served: 20.6% of people capacity-short at the
    end (P50 over replications), 97% of them where the cells' edge rate is not above the served rate ..."), or
    nothing when under SHORT_SAID_FROM_PCT.

    Why: a served rate of 25 Mbps left 93% of people short on 4G and the why-lines named coverage dates and crews:
    no line said that the 4G cells' edge rate (~21 Mbps) is below it, which no load, crew or budget relieves."""
    out = []
    for layer, (short_metric, edge_metric) in SHORT_LAYERS.items():
        p50 = last_p50s(metrics, (short_metric, edge_metric), start, end)
        short, edge = p50.get(short_metric), p50.get(edge_metric)
        if short is None or edge is None or short < SHORT_SAID_FROM_PCT:
            continue
        share = min(100.0, 100.0 * edge / short)
        edge_held = share >= 50.0
        main, rest = (share, 100.0 - share) if edge_held else (100.0 - share, share)
        load_held = SHORT_LOAD_HELD_MBB if layer == "mbb" else SHORT_LOAD_HELD
        text = _(SHORT_EDGE_HELD if edge_held else load_held).format(
            layer=_(SHORT_LAYER_NAMES[layer]), short=F.number(short, 1), main=F.number(main, 0)
        )
        if layer == "5g" and edge_held:
            text += edge_numbers(metrics, start, end)
        if round(rest) >= 1:
            text += "; " + (
                _("the rest are held by the busy-hour load")
                if edge_held
                else _(
                    "the rest are where the cells' edge rate is not above the served rate, or too close to it to carry one person's demand"
                )
            )
        out.append(_over_runs(text, metrics))
    thin = thin_sites_line(metrics, start, end)
    return [*out, thin] if thin else out


def orders_line(bound_pct: dict[str, float], by_operator: dict[str, dict[str, float]] | None = None) -> str:
    """'5G orders: budgets cut the operators' orders in 67% of operator-months, yearly targets stopped them in 0%',
    then each operator's own shares when `by_operator` has them (`operator_order_bound_pct`).

    Why apart: held site-days count sites already ordered and waiting, so a budget that keeps sites from being
    ordered at all never shows among them (a run could say "kit lead time binds" while budgets cut most orders).
    Why by operator: the pooled shares said "targets" while VNPT's own budget stopped it (operator trial)."""
    if not bound_pct:
        return ""
    text = _(
        "5G orders: budgets cut the operators' orders in {budget} of operator-months, their yearly targets stopped "
        "them in {targets} (sites never ordered are not among the held site-days above)"
    ).format(
        budget=F.percent(bound_pct.get("budget", 0.0), 0), targets=F.percent(bound_pct.get("targets", 0.0), 0)
    )
    if by_operator:
        text += "; " + "; ".join(
            _("{operator}: budget {budget}, targets {targets} of its months").format(
                operator=OPERATOR_NAMES.get(op, op),
                budget=F.percent(shares.get("budget", 0.0), 0),
                targets=F.percent(shares.get("targets", 0.0), 0),
            )
            for op, shares in by_operator.items()
        )
    return text


def operator_order_bound_pct(
    metrics: pl.DataFrame | pl.LazyFrame, start: Any = None, end: Any = None
) -> dict[str, dict[str, float]]:
    """{operator: {cause: mean share (%) of its (replication, month) in which its announced pace stopped its orders
    (targets) or its budget cut them (budget)}}, operators in OPERATOR_NAMES order; {} for runs without them.
    `metrics` may be a lazy scan of metrics.parquet: only the means are collected."""
    names = {
        f"{name}_{op}": (op, cause) for op in OPERATOR_NAMES for cause, name in ORDER_BOUND_METRICS.items()
    }
    lf = metrics.lazy().filter((pl.col("area") == "VN") & pl.col("metric").is_in(list(names)))
    if start is not None:
        lf = lf.filter(pl.col("date") >= start)
    if end is not None:
        lf = lf.filter(pl.col("date") <= end)
    means = dict(lf.group_by("metric").agg(pl.col("value").mean()).collect().iter_rows())
    out: dict[str, dict[str, float]] = {}
    for name, (op, cause) in names.items():
        if name in means:
            out.setdefault(op, {})[cause] = float(means[name])
    return out


def mean_shares_by_date(metrics: pl.DataFrame) -> pl.DataFrame:
    """programme, region, date, cause, share_pct, held_reps: each cause's mean share over the replications
    in which something was held back that month (so the causes stack to 100, or to 0 when none did)."""
    shares = held_shares(metrics)
    if shares.height == 0:
        return pl.DataFrame(
            schema={
                "programme": pl.Utf8,
                "region": pl.Utf8,
                "date": pl.Date,
                "cause": pl.Utf8,
                "share_pct": pl.Float64,
                "held_reps": pl.Int64,
            }
        )
    held = binding_by_month(shares).select("programme", "region", "date", "replication", "held")
    j = shares.join(held, on=["programme", "region", "date", "replication"])
    return (
        j.group_by(["programme", "region", "date", "cause"])
        .agg(
            pl.when(pl.col("held").sum() > 0)
            .then(pl.col("share_pct").filter(pl.col("held")).mean())
            .otherwise(0.0)
            .alias("share_pct"),
            pl.col("held").sum().cast(pl.Int64).alias("held_reps"),
        )
        .join(_cause_rank(shares), on=["programme", "cause"])
        .sort("programme", "region", "date", "rank")
        .drop("rank")
    )


# --------------------------------------------------------------------------- did a changed resource bind?


_RESOURCES: tuple[tuple[str, str, str], ...] = (
    # (field pattern, programme, cause); a "(?P<region>...)" group names the 5G region, else every region
    (r"^crews\.(?P<region>north|central|south)\.", "5g", "crews"),
    (r"^seasons\.(?P<region>north|central|south)\.", "5g", "crews"),  # rainy-season crew productivity
    # ... and the village works that pause in the rains: compare judged a longer rainy season by the 5G crews alone
    # and called it "not binding" beside "villages: season binds" (village officer trial)
    (r"^seasons\.(north|central|south)\.", "villages", "season"),
    (r"^works\.[^.]*team_days\.", "5g", "crews"),
    (r"^works\.[^.]*permit", "5g", "permits"),
    (r"^supply\.deliveries_per_month$", "5g", "deliveries"),
    (r"^supply\.", "5g", "equipment"),  # the kit lead time
    (r"^operators\.[^.]+\.capex_budget_vnd_bn", "5g", "budget"),
    (r"^operators\.[^.]+\.annual_new_5g_sites", "5g", "targets"),
    (r"^business_case\.", "5g", "business_case"),  # a cause the rollout model adds
    (r"^villages\.programme\.crews\.[^.]+\.utility_teams$", "villages", "line_crews"),
    (r"^villages\.programme\.crews\.", "villages", "site_teams"),  # operator_teams, with_power_teams
    # a campaign's surge teams join the region's own pools for its villages: 10 surge line crews cost 37.9 bn VND,
    # moved nothing where power held every village-day, and compare said nothing about them
    (r"^villages\.campaigns\.[^.]+\.extra_utility_teams\.", "villages", "line_crews"),
    (r"^villages\.campaigns\.[^.]+\.extra_operator_teams\.", "villages", "site_teams"),
    (r"^villages\.programme\.budget_vnd_bn", "villages", "budget"),
    (r"^budget\.share_pct\.villages$", "villages", "budget"),
    (r"^villages\.programme\.grid_works_in_rainy_season", "villages", "season"),
    (r"^villages\.programme\.permit\.", "villages", "permits"),  # a cause the village model adds
    # the connection lead time and the headroom are different levers: more headroom does nothing for a connection
    # still being built, and a "grid" that lumped them pointed a planner at headroom that held nothing
    (r"^compute\.datacentres\.grid\.interconnect\.", "dc", "grid_connection"),
    (r"^compute\.datacentres\.grid\.(headroom_mw|reinforcements)", "dc", "grid_headroom"),
    (r"^compute\.datacentres\.delays\.permits\.", "dc", "permits"),
    (r"^compute\.datacentres\.delays\.(construction|commissioning)\.", "dc", "construction"),
)


def resource_causes(field: str) -> list[tuple[str, str, str]]:
    """The (programme, region, cause) a scenario field is a resource of ([] if none): the first pattern of
    _RESOURCES that matches it for each programme (a rainy season is the 5G crews' and the village works')."""
    found: list[tuple[str, str, str]] = []
    for pattern, programme, cause in _RESOURCES:
        m = re.match(pattern, field)
        if m and all(p != programme for p, _r, _c in found):
            region = m.groupdict().get("region")
            regions = (region,) if region else PROGRAMMES[programme].regions
            found += [(programme, r, cause) for r in regions]
    return found


def order_bound_pct(metrics: pl.DataFrame, start: Any = None, end: Any = None) -> dict[str, float]:
    """Mean share of operators whose orders the announced pace stopped (targets) or the budget cut (budget),
    over (replication, month end); {} for runs without these metrics."""
    nat = _period(metrics.filter(pl.col("area") == "VN"), start, end)
    out = {}
    for cause, name in ORDER_BOUND_METRICS.items():
        vals = nat.filter(pl.col("metric") == name)["value"]
        if vals.len():
            out[cause] = _mean(vals)
    return out


def did_not_bind(
    causes: pl.DataFrame,
    idle: dict[str, float],
    programme: str,
    region: str,
    cause: str,
    order_bound: dict[str, float] | None = None,
    phases: dict[tuple[str, str], list[Phase]] | None = None,
) -> bool | None:
    """True / False as in the module docstring; None when the reference run has no metrics to tell.

    The operators' targets and budgets limit how much is ordered, not how long a site waits, so for them
    the test is direct: they did not bind when they stopped or cut the operators' orders in under
    NON_BINDING_BINDS_PCT of operator-months (`orders_pace_bound_pct`, `orders_budget_bound_pct`), and were
    not the binding cause of any year (`phases`, from `flow_phases`): budgets that cut every order in 2025 alone
    average under that share over six years, and compare said "held little" beside "what binds: budget (2025)".
    """
    # bound in some year (a phase of "what binds"): not "did not bind", whatever its horizon average. Why for every
    # cause: compare said "crews did not bind in north in baseline (crews idle 91%); the binding constraint there is
    # crews (2025), ..." of doubled crews, which moved nothing since the surge they held was on air by its deadline
    in_a_phase = phases is not None and any(p.cause == cause for p in phases.get((programme, region), []))
    if programme == "5g" and order_bound and cause in order_bound:
        return order_bound[cause] < NON_BINDING_BINDS_PCT and not in_a_phase
    if in_a_phase:
        return False
    c = causes.filter((pl.col("programme") == programme) & (pl.col("region") == region))
    if c.height == 0:
        if programme == "5g" and cause == "crews" and region in idle:
            return idle[region] >= NON_BINDING_CREW_IDLE_PCT
        return None
    if int(c["held_months"][0]) == 0:
        return True
    row = c.filter(pl.col("cause") == cause)
    if row.height == 0:
        return None
    return (
        float(row["share_pct"][0]) < NON_BINDING_SHARE_PCT
        and float(row["binds_pct"][0]) < NON_BINDING_BINDS_PCT
    )


# the fields that can move a programme's outcomes, by dotted prefix (a programme not listed: not known, so no check)
PROGRAMME_FIELD_PREFIXES: dict[str, tuple[str, ...]] = {
    "dc": ("compute.datacentres.",),
    "gpus": ("compute.gpus.",),
    "villages": ("villages.",),
    # push-5g raises crews, targets, budgets and support together, and compare said each region's crews were "on
    # the critical path" for its 7 months, while the operators' pace binds in every region
    "5g": (
        "start_state.",
        "radio.",
        "sites.",
        "operators.",
        "crews.",
        "seasons.",
        "works.",
        "supply.",
        "costs.",
        "subsidy.",
        "supports",
        "business_case.",
        "surge.",
        "capacity.",
        "budget.",
    ),
}


# fields of another programme's section that also move a programme's outcomes (the model reads them there too)
ALSO_MOVED_BY: dict[str, tuple[str, ...]] = {
    # the village works run in the regions' rainy seasons (dxsim.sim.villages.process), their kits take the 5G
    # supply's lead-time spread, and the villages' new 4G sites cover with the 4G band's radius
    "villages": (
        "seasons.",
        "supply.lead_time.",
        "radio.band_4g_mhz.",
        "radio.coverage_definition",
        "sites.",
        "start_state.stations_4g",
    ),
    "gpus": ("compute.datacentres.",),  # GPUs are placed in the data centres' halls, by their power and racks
}


def also_changed(
    programme: str, fields: Sequence[tuple[str, Any, Any]], differences: Sequence[tuple[str, Any, Any]]
) -> list[str]:
    """The option's other changed fields that can move the same programme's outcomes (PROGRAMME_FIELD_PREFIXES and
    ALSO_MOVED_BY).

    Why: ai-compute adds grid headroom *and* a 50% PPP share and state money; its data-centre MW rose by 303 and
    compare put it all down to the grid ("on the critical path"), while the grid change alone moved nothing and
    the PPP share alone moved +258 MW. An outcome that moved says which change moved it only when it is the one.
    And a village programme's doubled line crews were put "on the critical path" for one village lost, which a
    slower central rainy season changed in the same option had lost (new-user trial, 2026-12-07)."""
    prefixes = PROGRAMME_FIELD_PREFIXES.get(programme, ())
    if prefixes:
        prefixes += ALSO_MOVED_BY.get(programme, ())
    mine = {f for f, _a, _b in fields}
    return [f for f, _a, _b in differences if f not in mine and f.startswith(prefixes)] if prefixes else []


def _more_fields(n: int) -> str:
    """' (and 1 more field)' / ' (and 3 more fields)'; '' for none."""
    if n <= 0:
        return ""
    return " (" + (_("and 1 more field") if n == 1 else _("and {n} more fields").format(n=n)) + ")"


def join_fields(fields: Sequence[str], most: int = 2) -> str:
    """'a, b (and 3 more fields)': the first few field names of a list."""
    return ", ".join(fields[:most]) + _more_fields(len(fields) - most)


def _telling(value: Any) -> int:
    """How much a changed value says of a lever's size: 0 a number, 1 a date or a switch, 2 text or nothing."""
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)):
        return 1
    return 0 if isinstance(value, (int, float)) else 2


def _what(fields: Sequence[tuple[str, Any, Any]], fmt: Callable[[Any], str]) -> str:
    """'crews.north.teams 450 → 900 (and 2 more fields)': a lever's most telling changed field and how many more.

    Most telling: a number before a date or a switch, before text (in the option's order among equals). Why: an
    order of 25,000 GPUs in place of 6,000, renamed too, read "extra_orders.0.organisation "National AI compute
    programme (state/PPP)" → "National AI compute programme" (and 5 more fields): ... +25,000 GPUs" (AI-compute
    trial)."""
    field, a, b = min(fields, key=lambda f: min(_telling(f[1]), _telling(f[2])))
    text = f"{field} {fmt(a)} → {fmt(b)}"
    # a whole list changed beside it (orders, campaigns or programmes added) is named: an import cap's line credited
    # it with the +15,000 GPUs that the option's new GPU orders brought (data-centre audit)
    lists = [f for f, x, y in fields if f != field and (isinstance(x, list) or isinstance(y, list))]
    if lists:
        return (
            text
            + " ("
            + _("also {fields}").format(fields=", ".join(lists))
            + ")"
            + _more_fields(len(fields) - 1 - len(lists))
        )
    return text + _more_fields(len(fields) - 1)


def option_verdicts(
    reference: pl.DataFrame,
    reference_name: str,
    differences: Sequence[tuple[str, Any, Any]],
    fmt: Callable[[Any], str] = str,
    start: Any = None,
    end: Any = None,
    moved: Callable[[str], str | None] | None = None,
    unmoved: Callable[[str], bool] | None = None,
    option: pl.DataFrame | None = None,
    worse: Callable[[str], bool] | None = None,
    not_levers: Collection[str] = frozenset(),
    tail: Callable[[str], str | None] | None = None,
) -> list[tuple[str, str]]:
    """(kind, line) per changed resource (one lever: a (programme, cause) over the regions its fields name). For one
    that did not bind in the reference run: kind "note" (it did not bind), or "critical" when the option's own outcome
    for that programme moved all the same (`moved(programme)`: how, or None), or "mixed" when it moved but the option
    also changes other fields of that programme (`also_changed`), so the move is not this resource's to claim ("cut"
    instead of "critical" when the option lowers it: cut far enough, slack becomes the limit). For
    one that bound: "relieved" when the outcome moved (`relieved_line`; "mixed" beside other changes), "unmoved" when
    nothing moved (below), else no line.

    Why "critical": "binding" is the largest share of held work over the horizon, an average. A cause with a small
    share can still sit on the critical path: shorter village permits let line works start before the rains, and
    moved the last village 5 months earlier while the baseline's permits held 9% of the village-days. Saying "did not
    bind" there told a planner to drop the one lever that worked.

    And the converse: a cause that held part of the time (so it is no "did not bind") whose change moved none of
    the programme's outcomes (`unmoved(programme)`) gets an "unmoved" line that says so and names what binds: doubling the
    central site teams moved nothing while site teams held 13% of the village-days nationally, and compare said
    nothing at all.

    Both say what the P50 of the paired differences shows; where the band moved an outcome all the same
    (`tail(programme)`: how, or None), the line says that too, and what it reports for the P50 is no more said of
    every replication.
    """
    causes = cause_summary(reference, start, end)
    idle = dict(crew_idle(reference, start, end).iter_rows())
    order_bound = order_bound_pct(reference, start, end)
    phases = flow_phases(reference, start, end)
    summary = {
        (r["programme"], r["region"]): r for r in region_summary(reference, start, end).iter_rows(named=True)
    }
    # one lever = one (programme, cause, direction): its (programme, region, cause) targets over every region its
    # fields name, and those fields. Why not one group per region: an option that doubled the crews of all three
    # regions got three lines, each refusing the move as "the option also changes" the other two regions' crews (its
    # own lever). Why the direction: north's crews cut to 60 and south's raised to 900 were one lever, "on the
    # critical path", which told a planner that adding crews in the south moved the date
    grouped: dict[tuple[str, str, int], tuple[list[tuple[str, str, str]], list[tuple[str, Any, Any]]]] = {}
    for field, a, b in differences:
        if field in not_levers:  # set with a part the reference has off: no resource of the reference's
            continue
        found = resource_causes(field)
        for programme, cause in dict.fromkeys((p, c) for p, _r, c in found):  # a lever per programme it moves
            key = (programme, cause, _direction(a, b))
            targets_of, fields_of = grouped.setdefault(key, ([], []))
            targets_of += [t for t in found if t[0] == programme and t not in targets_of]
            fields_of.append((field, a, b))
    groups = [(tuple(t), f) for t, f in grouped.values()]  # a list: a cut and a raise may share their targets
    # an option that raises targets which bound in the reference can make its budget bind: no verdict on budgets
    raised_binding_targets = any(
        t[0][2] == "targets"
        and not did_not_bind(causes, idle, t[0][0], t[0][1], "targets", order_bound, phases)
        for t, _f in groups
    )
    lines: list[tuple[str, str]] = []
    for targets, fields in groups:
        programme, cause = targets[0][0], targets[0][2]
        if cause == "budget" and programme == "5g" and raised_binding_targets:
            continue
        verdict = {
            r: did_not_bind(causes, idle, programme, r, cause, order_bound, phases) for _p, r, _c in targets
        }
        what = _what(fields, fmt)
        # a data-centre delay that held part of the time yet moved nothing only delays; one that held nothing at all
        # gets the plain "did not bind" below (doubled headroom, which held 0% while connections held 24%, read
        # "grid headroom only holds phases past their announced dates")
        if programme == "dc" and moved is not None and moved("dc") is None and not all(verdict.values()):
            lines.append(
                (
                    "note",
                    _(
                        "{what}: data-centre {cause} only holds phases past their announced dates in {reference}, and "
                        "the option moved no data-centre outcome beyond replication noise; the MW built is set by "
                        "which projects go ahead (compute.datacentres: go-ahead probabilities, ppp_share_pct, "
                        "public_investment_vnd_bn)"
                    ).format(what=what, cause=_cause_noun(cause), reference=reference_name),
                )
            )
            continue
        # unused in the reference, and in the option too (a campaign the option funds from it makes it a lever)
        if (
            cause == "budget"
            and programme == "villages"
            and programme_budget_unused(reference)
            and (option is None or programme_budget_unused(option))
        ):
            lines.append(
                (
                    "note",
                    _(
                        "{what}: the village programme budget pays for no village in {reference}: every village is "
                        "in a campaign the utility and operators pay (funded_by_programme_budget = false), so the "
                        "budget can neither bind nor free anything; a campaign funded from it makes it a lever"
                    ).format(what=what, reference=reference_name),
                )
            )
            continue
        free = [r for r, v in verdict.items() if v]
        bound = [r for r, v in verdict.items() if v is False]  # None: no metrics to tell

        def where_of(regions: list[str], conjunction: str = N_("or"), programme: str = programme) -> str:
            named = {"villages": _("the village programme"), "dc": _("data centres")}.get(programme)
            return named or _join([_where(programme, r) for r in regions], conjunction)

        partial = not free
        if partial:
            relieved = moved(programme) if moved is not None and bound else None
            if relieved is not None:
                lines.append(
                    relieved_line(
                        what,
                        cause,
                        where_of(bound, N_("and")),
                        reference_name,
                        relieved,
                        programme,
                        fields,
                        differences,
                        worse=worse is not None and worse(programme),
                    )
                )
                continue
            # bound only in some years (a phase of "what binds") and moved nothing beyond replication noise: say so,
            # rather than nothing (an exact "unmoved" needs every paired difference 0)
            in_years = {
                _years(ph) for r in bound for ph in phases.get((programme, r), []) if ph.cause == cause
            }
            noise_only = bool(in_years) and moved is not None
            if not noise_only and (unmoved is None or not unmoved(programme)):
                continue
            free = [r for _p, r, _c in targets]
        else:
            in_years, noise_only = set(), False
        where = where_of(free)
        idle_txt = ""
        if programme == "5g" and cause == "crews":
            known = [_crew_idle_text(idle[r], summary.get((programme, r))) for r in free if r in idle]
            idle_txt = " (" + ", ".join(known) + ")" if known else ""
        binding: list[tuple[str, str]] = []
        for r in free:
            s = summary.get((programme, r))
            if s is not None and s["held_months_pct"] is not None:  # held-back shares were recorded
                binding.append(
                    (
                        _where(programme, r),
                        s["binding_text"] if s["binding"] else _("nothing (nothing was held back)"),
                    )
                )
        outcome = moved(programme) if moved is not None and not partial else None
        others = also_changed(programme, fields, differences)
        if outcome is not None and others:
            lines.append(mixed_line(MIXED_HELD_LITTLE, what, cause, where, reference_name, outcome, others))
            continue
        if outcome is not None:
            # cut far enough, a resource with slack becomes the limit: "critical path" would invite adding more of it
            said_moved = (
                _(
                    "{what}: {cause} held little in {where} in {reference}, but cut this far they hold it back: "
                    "{outcome}"
                )
                if _is_cut(fields)
                else _(
                    "{what}: {cause} held little in {where} in {reference}, yet {outcome}: it is on the critical path "
                    "there"
                )
            )
            # shorter upgrade permits cost 845 stations at end-2026 and read "on the critical path" (lever trial): the
            # operators' last chance to surge for Resolution 193 moved with them (`worse` unknown: not judged)
            is_worse = worse(programme) if worse is not None else None
            wrong_way = is_worse is not None and (
                (_tightens(fields) and not is_worse) or (_eases(fields) and is_worse)
            )
            if wrong_way:
                said_moved = _("{what}: {cause} held little in {where} in {reference}, yet {outcome}") + _(
                    WRONG_WAY
                )
            lines.append(
                (
                    "timing" if wrong_way else "cut" if _is_cut(fields) else "critical",
                    said_moved.format(
                        what=what,
                        cause=_cause_noun(cause),
                        where=where,
                        reference=reference_name,
                        outcome=outcome,
                    ),
                )
            )
            continue
        binding_tail = ""
        if (
            programme == "dc"
            and (programme, NATIONAL) in summary
            and summary[(programme, NATIONAL)]["binding"]
        ):
            # a data-centre cause delays phases; what sets the MW is the pipeline (dc_delay_text), not "binding"
            binding_tail = "; " + dc_delay_text(summary[(programme, NATIONAL)], detail=False)
        elif binding and len({b for _r, b in binding}) == 1:
            binding_tail = "; " + _("the binding constraint there is {cause}").format(cause=binding[0][1])
        elif binding:
            binding_tail = "; " + _("the binding constraints there are {causes}").format(
                causes=", ".join(f"{b} ({r})" for r, b in binding)
            )
        if noise_only:
            said = _(
                "{what}: {cause} bound in {where} in {reference} only in {years}, and the option moved none of its "
                "outcomes beyond replication noise"
            )
        elif partial:
            said = _(
                "{what}: {cause} held part of the time in {where} in {reference}, but the option moved none of its outcomes"
            )
        else:
            said = _("{what}: {cause} did not bind in {where} in {reference}")
        some = tail(programme) if tail is not None else None
        lines.append(
            (
                "unmoved" if partial else "note",
                said.format(
                    what=what,
                    cause=_cause_noun(cause),
                    where=where,
                    reference=reference_name,
                    years=", ".join(sorted(in_years)),
                )
                + idle_txt
                + binding_tail
                + ("; " + _("yet {move}").format(move=some) if some else ""),
            )
        )
    return lines + direct_lever_lines(differences, fmt, moved, unmoved)


# Levers that add capacity themselves rather than relieve a held-back cause: (field pattern, programme). Why: the state's
# data-centre money (+45 MW by 2030) and an extra GPU order (+8,000 GPUs) got no line at all, while the data-centre
# note itself named these fields as what sets the MW built.
DIRECT_LEVERS: tuple[tuple[str, str], ...] = (
    (
        r"^compute\.datacentres\.(public_investment_vnd_bn|ppp_share_pct|go_probability_pct|extra_projects)",
        "dc",
    ),
    # a rule, not a resource: who gets the headroom, not how much there is (compare called first_come "relieved a
    # binding limit, but the outcome is worse": provincial trial)
    (r"^compute\.datacentres\.grid\.allocation$", "dc"),
    # what a site costs sets how many the operators' budgets buy: equipment at 2.0 bn a site took 40,107 stations off
    # 2030 and no line named costs.* (lever trial)
    (r"^costs\.", "5g"),
    (r"^budget\.(share_pct\.compute_public$|total_vnd_bn\.)", "dc"),  # the envelope's state data-centre money
    (r"^compute\.gpus\.(extra_orders|supply_shock\.)", "gpus"),
    # levers that change what a site or a village link carries, or the demand and the served rate, not a held-back
    # cause: the 700 MHz band cut 5G served by 22 points, a 25 Mbps served rate moved 5G coverage -7.5 points
    # (sites brought forward for capacity), LEO off left 22 villages unconnected, and compare said nothing of any
    (r"^radio\.", "5g"),
    (r"^capacity\.", "5g"),
    (r"^villages\.options\.", "villages"),
    (
        r"^villages\.campaigns\.[^.]+\.(deadline|deadline_at_launch|launched|villages|in_progress_at_start)$",
        "villages",
    ),
)
DIRECT_PROGRAMME = {"dc": N_("data-centre"), "gpus": N_("GPU"), "5g": N_("5G"), "villages": N_("village")}
# fields the support lines speak of (dxsim.compare: the operators' decisions on each programme)
SAID_ELSEWHERE = ("subsidy.", "supports")
MIXED_DIRECT = N_(
    "{what}: {outcome}, but the option also changes {others}, so the move cannot be put down to this change alone"
)


def direct_lever_lines(
    differences: Sequence[tuple[str, Any, Any]],
    fmt: Callable[[Any], str],
    moved: Callable[[str], str | None] | None,
    unmoved: Callable[[str], bool] | None,
) -> list[tuple[str, str]]:
    """(kind, line) per programme whose DIRECT_LEVERS the option changes: "effect" with the outcome that moved, "mixed"
    beside other changes of that programme (`also_changed`), "unmoved" when every outcome is the reference's."""
    grouped: dict[str, list[tuple[str, Any, Any]]] = {}
    others_by_programme: dict[str, list[tuple[str, Any, Any]]] = {}
    for field, a, b in differences:
        programme = next((p for pattern, p in DIRECT_LEVERS if re.match(pattern, field)), None)
        if programme is not None:
            grouped.setdefault(programme, []).append((field, a, b))
        elif not resource_causes(field) and not field.startswith(SAID_ELSEWHERE):
            owner = next((p for p, pre in PROGRAMME_FIELD_PREFIXES.items() if field.startswith(pre)), None)
            if owner is not None:
                others_by_programme.setdefault(owner, []).append((field, a, b))
    lines: list[tuple[str, str]] = []
    # a change no line speaks of (a data centre's rack density: compare printed nothing of it) is said when its
    # programme moved nothing; when it moved, the programme's other lines speak of the move
    for programme, fields in others_by_programme.items():
        if programme not in grouped and unmoved is not None and unmoved(programme):
            # its own outcomes held; `moved` may still name another it moves (a village link's capacity: service)
            outcome = moved(programme) if moved is not None else None
            lines.append(
                ("effect", _("{what}: {outcome}").format(what=_what(fields, fmt), outcome=outcome))
                if outcome is not None
                else ("unmoved", unmoved_line(_what(fields, fmt), programme, fields))
            )
    for programme, fields in grouped.items():
        what = _what(fields, fmt)
        outcome = moved(programme) if moved is not None else None
        if outcome is None:
            if unmoved is not None and unmoved(programme):
                lines.append(("unmoved", unmoved_line(what, programme, fields)))
            continue
        if any(re.match(CAMPAIGN_WINDOW, f) for f, _a, _b in fields):
            outcome += " " + _(CAMPAIGN_WINDOW_NOTE)
        others = also_changed(programme, fields, differences)
        if others:
            lines.append(
                ("mixed", _(MIXED_DIRECT).format(what=what, outcome=outcome, others=join_fields(others)))
            )
        else:
            lines.append(("effect", _("{what}: {outcome}").format(what=what, outcome=outcome)))
    return lines


CAMPAIGN_DEADLINE = r"^villages\.campaigns\.[^.]+\.(deadline|deadline_at_launch)$"
CAMPAIGN_DEADLINE_NOTE = N_(
    "a deadline orders the campaigns' villages (the earliest deadline first) and is when the campaign is judged; it "
    "speeds none of them up: the campaign's surge teams, temporary power or portable BTS would"
)


def unmoved_line(what: str, programme: str, fields: Sequence[tuple[str, Any, Any]]) -> str:
    """ "<fields>: the option moved no <programme> outcome", and why when every field is a campaign's deadline.

    Why: a Tuyên Quang campaign due 2026-06-30 in place of 2027-12-31 connected the same villages on the same days,
    and the line said only that it moved nothing (lever audit): in the model a deadline is a priority and a date to
    judge by, not a resource."""
    line = _("{what}: the option moved no {programme} outcome").format(
        what=what, programme=_(DIRECT_PROGRAMME[programme])
    )
    if fields and all(re.match(CAMPAIGN_DEADLINE, f) for f, _a, _b in fields):
        line += ": " + _(CAMPAIGN_DEADLINE_NOTE)
    return line


# a campaign launched before the start is drawn in works at the start at the elapsed share of its launch-to-deadline
# window (in_progress_at_start, with `deadline_at_launch`): moving those put more villages in works on day 0, and
# compare showed the +3 villages as the effect from then on (a what-if `deadline` alone no longer does)
CAMPAIGN_WINDOW = r"^villages\.campaigns\.[^.]+\.(deadline_at_launch|launched)$"
CAMPAIGN_WINDOW_NOTE = N_(
    "(a campaign's launch and its deadline at launch set how many of its villages are in works at the start, "
    "in_progress_at_start: part of this move is the start state, not only the pace from then on)"
)


MIXED_HELD_LITTLE = N_(
    "{what}: {cause} held little in {where} in {reference}; {outcome}, but the option also changes {others}, so the "
    "move cannot be put down to this change: compare it alone to see whether it is on the critical path"
)
MIXED_BOUND = N_(
    "{what}: {cause} bound in {where} in {reference}; {outcome}, but the option also changes {others}, so the move "
    "cannot be put down to this change: compare it alone to see how much it relieves"
)


def mixed_line(
    template: str, what: str, cause: str, where: str, reference_name: str, outcome: str, others: Sequence[str]
) -> tuple[str, str]:
    """("mixed", line): an outcome moved, but the option changes other fields of the programme too (`also_changed`)."""
    return (
        "mixed",
        _(template).format(
            what=what,
            cause=_cause_noun(cause),
            where=where,
            reference=reference_name,
            outcome=outcome,
            others=join_fields(others),
        ),
    )


def _direction(a: Any, b: Any) -> int:
    """+1 when a number is raised, -1 when lowered, 0 for anything else (a date, a switch, a table)."""
    if (
        isinstance(a, bool)
        or isinstance(b, bool)
        or not isinstance(a, int | float)
        or not isinstance(b, int | float)
    ):
        return 0
    return (b > a) - (b < a)


def _is_cut(fields: Sequence[tuple[str, Any, Any]]) -> bool:
    """Every changed field is an amount the option lowers (crews 450 -> 112): a cut, not an addition. A duration
    (`*_days`: permits, lead times, work) lowered is a speed-up, never a cut; a share of an envelope (`share_pct.*`)
    lowered is no cut either, as the envelope may grow: balanced's villages share 20 -> 10 of a 6,000 bn envelope
    gave the village programme 600 bn a year where the baseline has 500, and read as "the limit once cut"."""
    return all(
        isinstance(a, int | float)
        and isinstance(b, int | float)
        and not isinstance(a, bool)
        and b < a
        and not f.endswith("_days")
        and ".share_pct." not in f
        for f, a, b in fields
    )


def _tightens(fields: Sequence[tuple[str, Any, Any]]) -> bool:
    """Every changed field makes its resource scarcer: an amount lowered (`_is_cut`), a duration (`*_days`)
    lengthened, or a rainy season of more months (a longer season read "the change relieved a binding limit")."""
    return all(
        _is_cut([(f, a, b)])
        or (f.endswith("_days") and _direction(a, b) > 0)
        or (f.endswith(".rainy_months") and isinstance(a, list) and isinstance(b, list) and len(b) > len(a))
        for f, a, b in fields
    )


def _eases(fields: Sequence[tuple[str, Any, Any]]) -> bool:
    """Every changed field makes its resource more plentiful: an amount raised, a duration (`*_days`) shortened (the
    converse of `_tightens`; a share of an envelope is neither)."""
    return all(
        _direction(a, b) != 0
        and ".share_pct." not in f
        and ((_direction(a, b) < 0) if f.endswith("_days") else (_direction(a, b) > 0))
        for f, a, b in fields
    )


# an outcome that moved the other way than its lever: a tighter resource and a better outcome, or the converse
WRONG_WAY = N_(
    "; the opposite way to this change: it changed when the operators' surges for support deadlines or the "
    "programmes' deadlines fall (support_decisions.csv), which outweighs it here; read it as that timing, not as a "
    "return on the change"
)


def relieved_line(
    what: str,
    cause: str,
    where: str,
    reference_name: str,
    outcome: str,
    programme: str,
    fields: Sequence[tuple[str, Any, Any]],
    differences: Sequence[tuple[str, Any, Any]],
    worse: bool = False,
) -> tuple[str, str]:
    """(kind, line) for a changed resource that bound in the reference run and whose programme's outcome moved:
    "relieved" when it is the option's only change to that programme, else "mixed" (the move is not its alone);
    "tightened" when the change makes the resource scarcer (a budget cut, a longer permit time).
    `worse`: the outcome moved for the worse at some year end; then the line says the relief cost something first.

    Why: doubling Viettel's budget, which bound in 2025, raised 2025 coverage by ~1 point, and compare said nothing
    about the lever, while every region still read "what binds: budget (2025)" (the other operators' budgets). And
    accepting a larger loss per site lowered coverage to 2028 and raised it 0.09 points in 2030, and the line said
    only "the change relieved a binding limit" (operator trial)."""
    others = also_changed(programme, fields, differences)
    if others:
        return mixed_line(MIXED_BOUND, what, cause, where, reference_name, outcome, others)
    if _tightens(
        fields
    ):  # halving a budget that bound moved the 90% date 7 months later: not a relief (finance trial)
        return (
            "tightened",
            _(
                "{what}: {cause} bound in {where} in {reference}, and {outcome}: the change tightened a binding limit"
            ).format(
                what=what, cause=_cause_noun(cause), where=where, reference=reference_name, outcome=outcome
            ),
        )
    template = (
        N_(
            "{what}: {cause} bound in {where} in {reference}, and {outcome}: the change relieved a binding limit, but "
            "the outcome is worse at some year ends (what it lets in takes the place of something else first, within "
            "the same budgets and targets)"
        )
        if worse
        else N_(
            "{what}: {cause} bound in {where} in {reference}, and {outcome}: the change relieved a binding limit"
        )
    )
    return (
        "relieved",
        _(template).format(
            what=what, cause=_cause_noun(cause), where=where, reference=reference_name, outcome=outcome
        ),
    )


def _binding_span(metrics: pl.DataFrame, programme: str, region: str, cause: str) -> tuple[Any, Any] | None:
    """(first, last) month end at which `cause` binds in at least half the replications; None if at none."""
    months = binding_by_month(held_shares(metrics)).filter(
        (pl.col("programme") == programme) & (pl.col("region") == region)
    )
    if months.height == 0:
        return None
    share = months.group_by("date").agg((pl.col("binding") == cause).fill_null(False).mean().alias("p"))
    dates = share.filter(pl.col("p") >= 0.5)["date"].sort()
    return (dates[0], dates[-1]) if dates.len() else None


def newly_binding_lines(
    option: pl.DataFrame, reference: pl.DataFrame, reference_name: str, start: Any = None, end: Any = None
) -> list[str]:
    """A line per (programme, region, cause) that held little in the reference (`did_not_bind`) and binds in the
    option: what the option made the limit, changed field or not.

    Why: an option whose campaign was paid from the village programme budget made that budget hold 62-88% of the
    held village-days for 14 months, and compare's why-lines never named it ("villages: permits bind", the horizon's
    largest share); a cut resource that now binds, or a budget a new commitment exhausts, is what a planner has to
    fund or relieve next."""
    per_run = {}
    for name, m in (("option", option), ("reference", reference)):
        per_run[name] = (
            cause_summary(m, start, end),
            dict(crew_idle(m, start, end).iter_rows()),
            order_bound_pct(m, start, end),
            flow_phases(m, start, end),
        )
    opt_causes = per_run["option"][0]
    lines = []
    for prog in PROGRAMMES.values():
        if prog.key == "dc":
            continue  # a data-centre cause delays phases; the MW built is set by the pipeline (dc_delay_text)
        for region in prog.regions:
            rows = opt_causes.filter((pl.col("programme") == prog.key) & (pl.col("region") == region))
            for row in rows.iter_rows(named=True):
                cause = row["cause"]
                was_free = did_not_bind(
                    *per_run["reference"][:2], prog.key, region, cause, *per_run["reference"][2:]
                )
                now_free = did_not_bind(
                    *per_run["option"][:2], prog.key, region, cause, *per_run["option"][2:]
                )
                if not (was_free is True and now_free is False):
                    continue
                span = _binding_span(_period(option, start, end), prog.key, region, cause)
                when = (
                    ""
                    if span is None
                    else ", "
                    + (
                        _("binding in {month}").format(month=F.month(span[0]))
                        if (span[0].year, span[0].month) == (span[1].year, span[1].month)
                        else _("binding from {first} to {last}").format(
                            first=F.month(span[0]), last=F.month(span[1])
                        )
                    )
                )
                lines.append(
                    _("{where}: {cause}{share}{when}; it held little in {reference}").format(
                        cause=_cause_noun(cause),
                        where=_where(prog.key, region),
                        share=_share_of(prog.key, row["share_pct"]),
                        when=when,
                        reference=reference_name,
                    )
                )
    return lines


def programme_budget_unused(metrics: pl.DataFrame) -> bool:
    """No replication committed any money against the village programme budget (False when not recorded).

    Why: with the default campaigns, which the utility and operators pay, the programme budget funds no village;
    compare called a tenth of it "did not bind; the binding constraint there is power"."""
    vals = metrics.filter((pl.col("area") == "VN") & (pl.col("metric") == PROGRAMME_COMMITTED_METRIC))[
        "value"
    ]
    return vals.len() > 0 and float(vals.max()) <= 1e-9  # type: ignore[arg-type]


def support_effect(metrics: pl.DataFrame) -> dict[str, float]:
    """Mean over replications of: support paid (VND bn), stations ordered only because of support, and
    stations ordered in surges for support deadlines."""
    nat = metrics.filter(pl.col("area") == "VN")
    reps = max(nat["replication"].n_unique(), 1)
    paid = float(nat.filter(pl.col("metric") == "subsidy_paid_vnd_bn")["value"].sum()) / reps
    last = (
        nat.filter(pl.col("metric") == "stations_ordered_for_support_cum")
        .group_by("replication")
        .agg(pl.col("value").sort_by(pl.col("date")).last())
    )
    moved = _mean(last["value"]) if last.height else 0.0
    surge = float(nat.filter(pl.col("metric").str.starts_with("surge_stations_"))["value"].sum()) / reps
    accrued = float(nat.filter(pl.col("metric") == "support_accrued_unpaid_vnd_bn")["value"].sum()) / reps
    over = (
        nat.filter(pl.col("metric") == SUPPORT_OVER_FUND_METRIC)
        .group_by("replication")
        .agg(pl.col("value").sort_by(pl.col("date")).last())
    )
    return {
        "paid_vnd_bn": paid,
        "moved": moved,
        "surge": surge,
        "accrued_vnd_bn": accrued,
        "over_fund_vnd_bn": _mean(over["value"]) if over.height else 0.0,
        # in how many replications a fund's cap cut the claims (more than 0.5 bn over it), of how many
        "capped_reps": float((over["value"] > 0.5).sum()) if over.height else 0.0,
        "reps": float(reps),
    }


@dataclass(frozen=True)
class SurgeTiming:
    """When an operator surged for support in a set of replications: in how many of them, the P50 (nearest rank) of
    the month of its first surge among those, and the stations it ordered in surges (mean over all of them)."""

    surged: int
    reps: int
    first_month: dt.date | None
    stations: float


def surge_timing(metrics: pl.DataFrame) -> dict[str, SurgeTiming]:
    """Per operator, from the month-end `surge_stations_<operator>` metrics: see SurgeTiming."""
    nat = metrics.filter((pl.col("area") == "VN") & pl.col("metric").str.starts_with("surge_stations_"))
    reps = max(metrics.filter(pl.col("area") == "VN")["replication"].n_unique(), 1)
    out = {}
    for op in OPERATOR_NAMES:
        mine = nat.filter(pl.col("metric") == f"surge_stations_{op}")
        firsts = sorted(
            mine.filter(pl.col("value") > 0).group_by("replication").agg(pl.col("date").min())["date"]
        )
        p50 = firsts[math.ceil(0.5 * len(firsts)) - 1] if firsts else None
        out[op] = SurgeTiming(len(firsts), reps, p50, float(mine["value"].sum()) / reps)
    return out


def surge_change_text(option: pl.DataFrame, reference: pl.DataFrame) -> str:
    """ "; Viettel surged in 3 of 3 replications, first in 2026-05, 9,191 stations (reference: 3 of 3, first in
    2025-11, 16,100)" for each operator whose surges moved in time or count. Why: an option that moved Resolution
    193's window said only "-7,723 stations ordered because of it"; who raced, and when, was in no line of compare
    (new-user trial, 2026-12-07)."""

    def when(t: SurgeTiming) -> str:
        return ", " + _("first in {month}").format(month=F.month(t.first_month)) if t.first_month else ""

    parts = []
    opt, ref = surge_timing(option), surge_timing(reference)
    for op, o in opt.items():
        r = ref[op]
        if (o.surged, o.first_month) == (r.surged, r.first_month) and abs(o.stations - r.stations) < 0.5:
            continue
        parts.append(
            _(
                "{operator} surged in {k} of {n} replications{when}, {stations} stations (reference: {rk} of {rn}"
                "{rwhen}, {rstations})"
            ).format(
                operator=OPERATOR_NAMES.get(op, op),
                k=o.surged,
                n=o.reps,
                when=when(o),
                stations=F.number(o.stations, 0),
                rk=r.surged,
                rn=r.reps,
                rwhen=when(r),
                rstations=F.number(r.stations, 0),
            )
        )
    return "".join("; " + t for t in parts)


def _support_by_replication(metrics: pl.DataFrame) -> dict[int, float]:
    """Support paid or earned in the run (VND bn), per replication: paid over the months plus what is due after it."""
    nat = metrics.filter(pl.col("area") == "VN")
    paid = (
        nat.filter(pl.col("metric") == "subsidy_paid_vnd_bn")
        .group_by("replication")
        .agg(pl.col("value").sum())
    )
    accrued = (
        nat.filter(pl.col("metric") == "support_accrued_unpaid_vnd_bn")
        .group_by("replication")
        .agg(pl.col("value").sort_by(pl.col("date")).last())
    )
    out = {int(r): 0.0 for r in nat["replication"].unique().to_list()}
    for frame in (paid, accrued):
        for r, v in frame.iter_rows():
            out[int(r)] += float(v)
    return out


SUPPORT_NOTHING_VND_BN = (
    0.5  # a replication whose programmes paid and earned under this paid nothing (rounding)
)


def support_cliff_note(option: pl.DataFrame, reference: pl.DataFrame) -> str | None:
    """One line when support pays nothing in some replications of the option and not in the same replications of
    the reference (or the other way round): a programme's threshold or deadline was missed there, all or nothing, and
    the mean change in support averages those replications with the others. Why: faster upgrade permits moved
    Viettel's Resolution 193 surge a month later, and in 2 of 10 replications it ended 151 stations short and was paid
    nothing; compare said "-57 bn" and no line said "nothing in 2 of 10" (search-workflow trial, 2026-12-07)."""
    o, r = _support_by_replication(option), _support_by_replication(reference)
    both = sorted(set(o) & set(r))
    if len(both) < 2:
        return None
    lost = [i for i in both if o[i] < SUPPORT_NOTHING_VND_BN <= r[i]]
    won = [i for i in both if r[i] < SUPPORT_NOTHING_VND_BN <= o[i]]
    if not lost and not won:
        return None

    def said(template: str, reps: list[int], paid: dict[int, float]) -> str:
        mean = sum(paid[i] for i in reps) / len(reps)
        return template.format(
            k=len(reps), n=len(both), which=", ".join(str(i) for i in reps), paid=F.number(mean, 0)
        )

    parts = []
    if lost:
        parts.append(
            said(
                _(
                    "support paid nothing in {k} of {n} replications ({which}) where the reference was paid {paid} "
                    "bn VND on average there"
                ),
                lost,
                r,
            )
        )
    if won:
        parts.append(
            said(
                _(
                    "support paid {paid} bn VND on average in {k} of {n} replications ({which}) where the reference "
                    "got none"
                ),
                won,
                o,
            )
        )
    return (
        "; ".join(parts)
        + ": "
        + _(
            "a programme's station threshold or deadline is all or nothing, and it was missed or met there, so the "
            "mean change in support averages those replications with the others (`dxsim run` of either scenario "
            "writes support_decisions.csv: which operator, and why)"
        )
    )


def support_displacement(option: pl.DataFrame, reference: pl.DataFrame) -> dict[str, Any] | None:
    """The year end at which the option has the fewest 5G stations on air against the reference (mean over
    replications, paired by replication), when it has fewer there: the change in stations, upgrades and new sites
    then, and the first later year end at which it has more (None: never within the run). None when the option
    has at least as many stations at every year end.

    Why: a support for new sites ordered ~2,200 stations more, and compare said only that, while the option had
    1,235 fewer stations on air at end-2026 (-2 points of coverage): within their yearly targets and budgets the
    operators built the paid new sites in place of cheaper upgrades, and the gain came in 2029-30."""

    def year_ends(df: pl.DataFrame, metric: str) -> pl.DataFrame:
        return df.filter(
            (pl.col("area") == "VN")
            & (pl.col("metric") == metric)
            & (pl.col("date").dt.month() == 12)
            & (pl.col("date").dt.day() == 31)
        ).select("date", "replication", "value")

    diffs = {}
    for metric in DISPLACEMENT_METRICS:
        o, r = year_ends(option, metric), year_ends(reference, metric)
        both = o.join(r, on=["date", "replication"], suffix="_ref")
        diffs[metric] = (
            both.group_by("date").agg((pl.col("value") - pl.col("value_ref")).mean().alias("d")).sort("date")
        )
    stations = diffs["stations_5g"]
    if stations.height == 0 or float(cast(float, stations["d"].min())) > -0.5:
        return None
    worst = stations.row(int(cast(int, stations["d"].arg_min())), named=True)

    def at(metric: str) -> float:
        row = diffs[metric].filter(pl.col("date") == worst["date"])
        return float(row["d"][0]) if row.height else math.nan

    later = stations.filter((pl.col("date") > worst["date"]) & (pl.col("d") > 0.5))
    return {
        "date": worst["date"],
        "stations": float(worst["d"]),
        "upgrades": at("stations_5g_upgrades_cum"),
        "new_sites": at("stations_5g_new_sites_cum"),
        "ahead_from": later["date"][0] if later.height else None,
    }


def support_note(
    option: pl.DataFrame,
    reference: pl.DataFrame,
    differences: Sequence[tuple[str, Any, Any]],
    fmt: Callable[[Any], str] = str,
    idle: Sequence[tuple[str, dt.date, dt.date]] = (),
    inside: Callable[[dt.date], tuple[str, float] | None] | None = None,
    new_sites_only: bool = True,
) -> str | None:
    """One line when an option changes 5G support: what it paid and how many stations it moved, and whether a
    programme's fund capped it (the operators claimed more than it pays: then a bigger share or a longer window
    pays no more). Every programme's cap counts, Resolution 193's and each `[[supports]]`'s: a trial's 5,000 bn
    rural fund met 63,000 bn of claims and the note, which read Resolution 193's fund only, said nothing.
    `idle`: the option's programmes (name, window start, window end) whose window lies outside its run; they are
    named, since no threshold or surge is why they pay nothing. `inside(date)`: for an option whose programmes pay in
    some provinces only, (their names, the mean change of their stations on air at that year end); the displaced
    stations are then said to fall elsewhere (a Sơn La programme moved -314 stations outside Sơn La, unsaid).
    `new_sites_only`: every programme of the option pays for new sites alone (`site_kind = "new"`), so the stations it
    displaces can be said to be upgrades it swapped for paid new sites."""
    if not any(SUPPORT_FIELDS.match(f) for f, _a, _b in differences):
        return None
    o, r = support_effect(option), support_effect(reference)
    moved = (o["moved"] + o["surge"]) - (r["moved"] + r["surge"])
    text = _("support (mean over replications): {paid} bn VND paid (reference {ref})").format(
        paid=F.number(o["paid_vnd_bn"], 0), ref=F.number(r["paid_vnd_bn"], 0)
    )
    if o.get("accrued_vnd_bn", 0.0) > 0.5:
        text += " + " + _("{amount} bn earned but due after the horizon").format(
            amount=F.number(o["accrued_vnd_bn"], 0)
        )
    if o.get("over_fund_vnd_bn", 0.0) > 0.5 and o["capped_reps"] >= o["reps"]:
        text += " " + _(
            "(a fund's cap binds: the operators claimed {over} bn more than the funds pay, cut pro rata; a bigger "
            "share or a longer window pays no more)"
        ).format(over=F.number(o["over_fund_vnd_bn"], 0))
    elif o.get("over_fund_vnd_bn", 0.0) > 0.5:
        # a cap that binds in some replications only: a bigger share still pays more in the others (a fund that paid
        # 965-1,226 bn in three runs and its 3,000 bn cap in two read "pays no more"; finance trial)
        text += " " + _(
            "(a fund's cap binds in {k} of {n} replications: there the operators claimed more than the funds pay, "
            "{over} bn on average over all of them, cut pro rata; in the others a bigger share or a longer window "
            "pays more)"
        ).format(
            k=F.number(o["capped_reps"], 0), n=F.number(o["reps"], 0), over=F.number(o["over_fund_vnd_bn"], 0)
        )
    extra_paid = (
        o["paid_vnd_bn"] + o.get("accrued_vnd_bn", 0.0) - r["paid_vnd_bn"] - r.get("accrued_vnd_bn", 0.0)
    )
    # what a ministry weighs a programme by: the extra public money over the extra stations it brings (a 5 bn a site
    # programme paid 1,760 bn for +25 stations, ~70 bn each, and the line never said so; provincial trial)
    per = (
        "; "
        + _("{per} bn VND of the extra support each").format(
            per=F.number(extra_paid / moved, 1 if extra_paid / moved < 100 else 0)
        )
        if moved >= 0.5 and extra_paid > 0.5
        else ""
    )
    text += "; " + _("{moved} stations ordered because of it ({surge} in surges{per})").format(
        moved=_plus(moved), surge=_plus(o["surge"] - r["surge"]), per=per
    )
    shift = support_displacement(option, reference) if moved >= 0.5 else None
    # the option's other changes that move 5G stations too: the displacement is then not the support's to explain (a
    # Điện Biên programme beside VNPT's plan read as orders: "-588 stations ... they build the paid stations there
    # in place of others elsewhere", while the programme alone moved 0 and VNPT's reading -713; provincial trial)
    others = [
        f
        for f, _a, _b in differences
        if not SUPPORT_FIELDS.match(f) and f.startswith(PROGRAMME_FIELD_PREFIXES["5g"])
    ]
    there = inside(shift["date"]) if shift is not None and inside is not None and not others else None
    if shift is not None and others:
        text += ", " + _(
            "yet {stations} stations on air at {date}, but the option also changes {others}, so that move cannot be "
            "put down to the support: compare the support alone to see what it displaces"
        ).format(stations=_plus(shift["stations"]), date=F.date(shift["date"]), others=join_fields(others))
    elif shift is not None and there is not None:
        names, there_d = there
        text += ", " + _(
            "yet {stations} stations on air at {date} ({there} in {names}, {elsewhere} elsewhere): the operators' "
            "yearly targets and budgets are national, so they build the paid stations there in place of others "
            "elsewhere"
        ).format(
            stations=_plus(shift["stations"]),
            date=F.date(shift["date"]),
            there=_plus(there_d),
            names=names,
            elsewhere=_plus(round(shift["stations"]) - round(there_d)),  # the three add up as shown
        )
    elif shift is not None:
        # "paid new sites in place of cheaper upgrades" only when that is what moved: a programme paying every
        # station displaces other stations, not upgrades
        # (and only for a programme that pays new sites alone: one paying every station moved -32 upgrades and +15 new
        # sites, noise, and the line said it paid new sites in place of upgrades; finance trial)
        swapped = new_sites_only and shift["new_sites"] >= 0.5 and shift["upgrades"] <= -0.5
        text += ", " + (
            _(
                "yet {stations} stations on air at {date} ({upgrades} upgrades, {new} new sites): within their yearly "
                "targets and budgets the operators build the paid new sites in place of cheaper upgrades"
            )
            if swapped
            else _(
                "yet {stations} stations on air at {date} ({upgrades} upgrades, {new} new sites): within their yearly "
                "targets and budgets the operators build the paid stations in place of others"
            )
        ).format(
            stations=_plus(shift["stations"]),
            date=F.date(shift["date"]),
            upgrades=_plus(shift["upgrades"]),
            new=_plus(shift["new_sites"]),
        )
    if shift is not None:
        text += (
            " " + _("(ahead from {date})").format(date=F.date(shift["ahead_from"]))
            if shift["ahead_from"] is not None
            else " " + _("(not ahead by the end of the run)")
        )
    if abs(moved) < 0.5 and o["paid_vnd_bn"] > r["paid_vnd_bn"]:
        text += ": " + _(
            "it pays for stations the operators build anyway (no surge within reach and worth it, and no "
            "site's business case crosses the line the operators accept)"
        )
    elif o["paid_vnd_bn"] < 0.5 and o.get("accrued_vnd_bn", 0.0) < 0.5 and o["surge"] >= 0.5:
        # a surge was within reach and made, but fell short (why "no surge was within reach" was wrong here)
        text += ": " + _(
            "no operator qualified: an operator surged for a threshold but fell short of it by the deadline (surge "
            "sites late, or fewer of its other sites on air than projected), so the surge's premium bought no "
            "support; `dxsim run` of the option writes each month's reason per operator to support_decisions.csv"
        )
    elif o["paid_vnd_bn"] < 0.5 and o.get("accrued_vnd_bn", 0.0) < 0.5 and not idle:
        text += ": " + _(
            "no operator qualified: none reached a threshold in its window, and no surge to reach one was within "
            "reach (plan, kits, crews, budget), in time and worth it; `dxsim run` of the option writes each "
            "month's reason per operator to support_decisions.csv"
        )
    for name, first, last in idle:
        text += "; " + _(
            "{name} pays nothing: its window ({first} to {last}) lies outside the run, so no station accepted in "
            "the run counts for it"
        ).format(name=name, first=F.date(first), last=F.date(last))
    return text + surge_change_text(option, reference)


LAYER_FIELDS = "villages.layer."


def village_layer_note(
    differences: Sequence[tuple[str, Any, Any]],
    reference_kpis: dict[str, float],
    option_kpis: dict[str, float],
) -> str | None:
    """One line when an option's village layer is not the reference's (a field under `villages.layer`, e.g. a
    planner's own village file): the layer shapes the start network, so 5G outcomes move with it.

    Why: no existing site may cover a village without signal, so the 4G sites covering one are removed with the 5G
    upgrades planned on them (geo.villages, "Layer agreement"). Three Điện Biên villages in place of the national 602
    gave +774 5G stations by 2030 and start 4G coverage 99.98% against 99.69%, and compare said nothing of why
    (provincial planner trial)."""
    fields = [f for f, _a, _b in differences if f.startswith(LAYER_FIELDS)]
    if not fields:
        return None
    ref, opt = reference_kpis.get("pop_covered_4g_pct"), option_kpis.get("pop_covered_4g_pct")
    # an option that also changes the site layer (a site file) moves the start coverage by it too: the figure is not
    # the village layer's (it was laid on the village file where a thin site file had made it: provincial trial)
    sites_too = any(f.startswith("sites.") for f, _a, _b in differences)
    coverage = (
        " " + _("(start 4G coverage {ref}% -> {opt}%)").format(ref=F.number(ref, 2), opt=F.number(opt, 2))
        if ref is not None and opt is not None and not sites_too
        else ""
    )
    text = _(
        "{fields}: the option's village layer is not the baseline's, and the layer shapes the start network: no "
        "existing site may cover a village without signal, so the 4G sites covering one are left out, with the 5G "
        "upgrades planned on them{coverage}; 5G outcomes move with the layer. For an effect on villages alone, keep "
        "the baseline's layer and change the campaigns"
    ).format(fields=join_fields(fields), coverage=coverage)
    scoped = any(f == "villages.layer.file_replaces" and b == "provinces" for f, _a, b in differences)
    if "villages.layer.file" in {f for f, _a, _b in differences} and not scoped:
        text += " " + _(
            '(or set villages.layer.file_replaces = "provinces": the file then replaces its provinces\' villages only)'
        )
    return text


def _join(items: Sequence[str], conjunction: str = N_("or")) -> str:
    """'a, b or c' ("held little in any of them"); with conjunction "and": 'a, b and c' ("bound in each")."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " " + _(conjunction) + " " + items[-1]


def _plus(x: float) -> str:
    """A change in whole units with its sign, zero as +0 (Python's "+,.0f"), in the language in use."""
    return ("+" if x >= 0 else "") + F.number(x, 0)


def _cause_noun(cause: str) -> str:
    """A cause as a noun in the language in use ("business case"), unknown causes as written."""
    return _(CAUSE_NOUN[cause]) if cause in CAUSE_NOUN else cause.replace("_", " ")
