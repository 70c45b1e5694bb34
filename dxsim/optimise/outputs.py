"""The optimisation's files: history, best plan(s) as scenarios, Pareto front, charts, checks, summary.

Folder (default ``outputs/optimise/<name>/``):

- ``evals/<id>.json``: one evaluated candidate (KPIs per replication); the resume record.
- ``history.csv``: every candidate in proposal order, the sampler's and then the local search's (`stage`:
  search / local, :mod:`dxsim.optimise.polish`): its levers, each objective and constraint statistic, the total
  constraint violation, feasible, and `best_so_far` (first objective, best feasible value up to that candidate:
  the convergence history).
- ``best.toml``: the best plan as a scenario that `extends` the base (`dxsim run best.toml`).
  With several objectives: the front's plan best in the first objective, and every front plan as
  ``pareto/plan-NN.toml``; ``pareto.csv`` lists the front, ``pareto.png`` draws it.
- ``convergence.png``: each candidate's first objective (feasible or not) and the best so far.
- ``validation.csv``: the best plan re-run on fresh seeds (seed + 1,000,003, `validate_reps`
  replications): each constraint's statistic in the search and out of sample, the share of fresh
  replications meeting the bound, and the share the constraint's percentile promises.
- ``probes.csv``: what each lever does at the best plan (one objective): the plan re-run on the search's
  replications with one lever moved one step (a share: one step from another share), each objective and
  constraint statistic, and a verdict (no effect, misses a constraint, better, worse); `give` is the share a
  share move took its step from; see
  :mod:`dxsim.optimise.probe`.
- ``compare/``: the best plan against the base, as `dxsim compare` writes it (same seed).
- ``optimise.md`` (summary for people) and ``optimise.json`` (the same for scripts).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim._version import __version__
from dxsim.compare import compare_scenarios, paired_deltas, write_compare
from dxsim.i18n import N_, ngettext
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.optimise.probe import Move, candidates, lever_summary, moves, verdict
from dxsim.optimise.score import Score, kpi_values, statistic
from dxsim.optimise.search import Evaluated
from dxsim.optimise.spec import Constraint, OptSpec, censored_value
from dxsim.results.writer import (
    MANIFEST,
    atomic_files,
    changed_since_written,
    check_output_dir,
    clean_debris,
    forget_missing_digests,
    read_manifest,
)
from dxsim.scenario import load_scenario
from dxsim.scenario.envelope import envelope_allocation
from dxsim.scenario.resolved import toml_text
from dxsim.sweep.spec import override

VALIDATION_SEED_OFFSET = 1_000_003
FILES = [
    "evals",
    "history.csv",
    "convergence.png",
    "best.toml",
    "pareto",
    "pareto.csv",
    "pareto.png",
    "validation.csv",
    "probes.csv",
    "compare",
    "optimise.md",
    "optimise.json",
]  # all an optimisation folder may hold


def stat_text(
    v: float | None, label: str = "", bound: float | None = None, never: float | None = None
) -> str:
    """A number for the summary in the language in use; `year_*` statistics as decimal years (2028.33). Beside a
    constraint's `bound`, a value that is not the bound is never shown as it: more digits until they differ (580.02
    read "580" against ">= 580"). `never`: what a date not reached counts as (`spec.censored_value`); a `year_*`
    statistic at it reads "not reached", not as a year (a P90 of 2029.00 read as 90% in 2029 where coverage stayed at
    76%: new-user trial, 2026-12-07)."""
    if v is None or not math.isfinite(v):
        return "-"
    if never is not None and label.startswith("year_") and v >= never - 1e-9:
        return _("not reached (counts as {value})").format(value=F.plain(never, 3))
    if label.startswith("year_"):
        text = F.plain(v, 2)
    else:
        text = F.number(v, 0) if abs(v) >= 1000 or float(v).is_integer() else F.significant(v, 4)
    if bound is None or v == bound or text != stat_text(bound, label):
        return text
    digits = F.plain if label.startswith("year_") else F.number
    for decimals in range(1, 7):
        text = digits(v, decimals)
        if round(v, decimals) != round(bound, decimals):
            break
    return text


def never_of(spec: OptSpec, label: str) -> float | None:
    """What a `year_*` KPI's date not reached counts as in this search (the base's horizon end plus a year); None for
    other KPIs. `label`: the KPI, or its statistic's label ("year_5g_pop_90pct P90")."""
    kpi = label.split(" ")[0]
    if not kpi.startswith("year_") or spec.base_scenario is None:
        return None
    return censored_value(kpi, math.nan, spec.base_scenario.horizon.end_date)


def _better_than_best(spec: OptSpec, hist: pl.DataFrame) -> tuple[pl.DataFrame, str] | None:
    """(the candidates better on the objective than the best feasible one, the objective's label), or None with
    several objectives (a Pareto front has no one best) or no feasible candidate."""
    if len(spec.objectives) != 1:
        return None
    obj = spec.objectives[0]
    label = obj.of.label
    feasible = hist.filter(pl.col("feasible") & pl.col(label).is_not_null())
    if feasible.height == 0:
        return None
    minimise = obj.direction == "minimize"
    best = float(feasible[label].min() if minimise else feasible[label].max())  # type: ignore[arg-type]
    better = hist.filter(
        pl.col(label).is_not_null() & ((pl.col(label) < best) if minimise else (pl.col(label) > best))
    )
    return better, label


def binding_lines(spec: OptSpec, hist: pl.DataFrame) -> list[str]:
    """Per constraint: how many candidates met it, whether any lever moved it at all, and whether it binds: whether
    the candidates better than the best on the objective missed it (they are what the constraint rules out).

    Why the last: "met by 12 of 12 candidates" beside a served-5G constraint whose values differed by 0.0002
    points did not say that nothing bound the search (search audit)."""
    out = []
    n = hist.height
    ahead = _better_than_best(spec, hist)
    for c in spec.constraints:
        col = hist[c.of.label].drop_nulls()
        met = sum(1 for v in col if c.violation(float(v)) <= 0)
        lo, hi = (float(col.min()), float(col.max())) if col.len() else (math.nan, math.nan)  # type: ignore[arg-type]
        if col.len() and hi - lo <= 1e-9 * max(1.0, abs(hi)):
            verdict = (
                _(
                    "met whatever the levers on the search's replications: not binding there (validation.csv "
                    "checks fresh seeds)"
                )
                if met == n
                else _(
                    "missed whatever the levers: these levers cannot reach it; look at what binds with "
                    "`dxsim compare` (bottlenecks)"
                )
            )
        elif met == n:
            verdict = _("met by every candidate ({n}): not binding in the search").format(n=n)
        elif ahead is None:
            verdict = _("met by {met} of {n} candidates").format(met=met, n=n)
        else:
            better, objective = ahead
            missed = sum(1 for v in better[c.of.label] if v is None or c.violation(float(v)) > 0)
            verdict = (
                _(
                    "met by {met} of {n} candidates; binds: {k} of the {m} candidates better on {objective} missed it"
                )
                if missed
                else _(
                    "met by {met} of {n} candidates; none of those better on {objective} missed it: it does not hold "
                    "the best plan back"
                )
            ).format(met=met, n=n, k=missed, m=better.height, objective=objective)
        out.append(
            "- "
            + _("{constraint}: ranged {low} .. {high} across candidates; {verdict}.").format(
                constraint=c.label,
                low=stat_text(lo, c.of.kpi, never=never_of(spec, c.of.kpi)),
                high=stat_text(hi, c.of.kpi, never=never_of(spec, c.of.kpi)),
                verdict=verdict,
            )
        )
    return out


def history_frame(spec: OptSpec, history: list[Evaluated]) -> pl.DataFrame:
    """One row per candidate (proposal order), with the convergence column `best_so_far`. A proposal of a plan already
    evaluated says so in `note` (English, as compare.csv's notes): its row repeats the first one's, which a reader saw
    unexplained beside optimise.md's "2 proposals repeated an earlier candidate" (re-check trial, 2026-12-07)."""
    paths = [p.path for p in spec.parameters]
    labels = [o.of.label for o in spec.objectives] + [c.of.label for c in spec.constraints]
    labels = list(dict.fromkeys(labels))
    d0 = spec.objectives[0].direction
    best: float | None = None
    rows = []
    first_of: dict[tuple[float, ...], int] = {}  # a plan's values -> the candidate that proposed it first
    for e in history:
        s = e.score
        plan = tuple(float(e.candidate.values[p]) for p in paths)
        first = first_of.setdefault(plan, e.candidate.number)
        again = (
            f"the same plan as candidate {first}, scored from its record"
            if first != e.candidate.number
            else ""
        )
        if s.feasible and s.objectives is not None:
            v = s.objectives[0]
            best = v if best is None else (min(best, v) if d0 == "minimize" else max(best, v))
        rows.append(
            {
                "candidate": e.candidate.number,
                "batch": e.candidate.batch,
                "stage": e.candidate.stage,
                **{p: float(e.candidate.values[p]) for p in paths},
                **{lab: s.stats.get(lab) for lab in labels},
                "violation": s.total_violation if s.objectives is not None else None,
                "feasible": s.feasible,
                "best_so_far": best,
                "note": "; ".join(n for n in (s.note, again) if n),
            }
        )
    schema = {
        "candidate": pl.Int64,
        "batch": pl.Int64,
        "stage": pl.Utf8,
        **dict.fromkeys(paths, pl.Float64),
        **dict.fromkeys(labels, pl.Float64),
        "violation": pl.Float64,
        "feasible": pl.Boolean,
        "best_so_far": pl.Float64,
        "note": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def _nested(values: dict[str, float], spec: OptSpec) -> dict[str, Any]:
    """The levers as the tables of a scenario that `extends` the base. A lever inside a list of named tables
    (`supports.rural.per_site_vnd_bn`) writes the whole list, the base's items with the levers set: a file that
    extends another replaces a list, it does not merge it."""
    full = override(
        spec.base_merged, {p.path: p.cast(values[p.path]) for p in spec.parameters}, spec.parameters
    )
    root: dict[str, Any] = {}
    for p in spec.parameters:
        addr = p.address  # dict keys (str) up to the first list position (int)
        first_item = next((i for i, k in enumerate(addr) if isinstance(k, int)), len(addr))
        cut = first_item - 1  # the list's own key, or the leaf when the path crosses no list
        src: Any = full
        node: Any = root
        for k in addr[:cut]:
            src, node = src[k], node.setdefault(k, {})
        node[addr[cut]] = _without_none(src[addr[cut]])
    return root


def _without_none(v: Any) -> Any:
    """A value for TOML, which has no null: unset (None) fields left out, so they take their defaults again."""
    if isinstance(v, dict):
        return {k: _without_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_without_none(x) for x in v if x is not None]
    return v


def plan_toml(spec: OptSpec, e: Evaluated, name: str, where: Path, file_name: str) -> str:
    """The candidate as a scenario (to be saved as `where`/`file_name`): `extends` the base (relative to `where`),
    then its levers."""
    try:
        base = os.path.relpath(spec.base.resolve(), where.resolve())
    except ValueError:  # another drive
        base = str(spec.base.resolve())
    if base.startswith(
        os.pardir + os.sep + os.pardir + os.sep + os.pardir
    ):  # far away: an absolute path reads better
        base = str(spec.base.resolve())
    stats = "; ".join(f"{k} = {stat_text(v, k)}" for k, v in e.score.stats.items())
    # history.csv's number; "candidate 24 of 6" read as impossible where the local search had numbered it
    found_by = (
        f"candidate {e.candidate.number} of history.csv, found by the local search"
        if e.candidate.stage == "local"
        else f"candidate {e.candidate.number} of history.csv"
    )
    missed = ", ".join(c.label for c, v in zip(spec.constraints, e.score.violations, strict=True) if v > 0)
    doc = {
        "extends": base.replace(os.sep, "/"),
        "name": name,
        "description": (
            f"Plan found by dxsim optimise {spec.file.name} "
            if e.score.feasible
            else f"The least-violating plan of dxsim optimise {spec.file.name}, which misses {missed} "
        )
        + f"({found_by}, {spec.reps} replications, seed {spec.seed}): {stats}.",
        **_nested(e.candidate.values, spec),
    }
    head = (
        f"# Written by dxsim optimise from {spec.file} on {dt.date.today().isoformat()}.\n"
        f"# The base scenario with the optimiser's levers set; run it with `dxsim run {file_name}`.\n"
    )
    return head + toml_text(doc)


def _plan_name(spec: OptSpec, suffix: str) -> str:
    return f"{spec.name[: 64 - len(suffix) - 1]}-{suffix}"


def promised_share(c: Constraint) -> float | None:
    """Share of replications a percentile constraint promises meet its bound ("P10 >= x": 90%)."""
    if c.of.stat == "mean":
        return None
    q = int(c.of.stat[1:]) / 100.0
    return 1.0 - q if c.op == ">=" else q


def validation_frame(spec: OptSpec, best: Evaluated, rec: dict[str, Any]) -> pl.DataFrame:
    """The best plan's constraints in the search and out of sample (fresh seeds)."""
    end = spec.base_scenario.horizon.end_date
    rows = []
    for c in spec.constraints:
        vals = kpi_values(rec["kpis"], c.of.kpi, end)
        fresh = statistic(vals, c.of.stat)
        ok = [v for v in vals if math.isfinite(v) and c.violation(v) <= 0]
        rows.append(
            {
                "constraint": c.label,
                "in_search": best.score.stats.get(c.of.label),
                "fresh_seeds": fresh,
                "replications": len(vals),
                "share_meeting_bound": len(ok) / len(vals) if vals else None,
                "promised_share": promised_share(c),
                "met_out_of_sample": fresh is not None and c.violation(fresh) <= 0,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "constraint": pl.Utf8,
            "in_search": pl.Float64,
            "fresh_seeds": pl.Float64,
            "replications": pl.Int64,
            "share_meeting_bound": pl.Float64,
            "promised_share": pl.Float64,
            "met_out_of_sample": pl.Boolean,
        },
    )


def unmet_out_of_sample(out_dir: Path) -> list[str]:
    """The constraints the best plan misses on fresh seeds (validation.csv's `met_out_of_sample` false); [] when the
    folder has no validation (`--no-check`, `validate_reps = 0`, no feasible plan)."""
    path = Path(out_dir) / "validation.csv"
    if not path.is_file():
        return []
    table = pl.read_csv(path, schema_overrides={"met_out_of_sample": pl.Boolean})
    return table.filter(~pl.col("met_out_of_sample"))["constraint"].to_list()


def probe_frame(spec: OptSpec, best: Evaluated, found: list[Move], scores: list[Score]) -> pl.DataFrame:
    """One row per probe: the move, each objective and constraint statistic (the best plan's first), the change of
    the first objective, feasible, and the verdict."""
    labels = list(
        dict.fromkeys([o.of.label for o in spec.objectives] + [c.of.label for c in spec.constraints])
    )
    minimise = spec.objectives[0].direction == "minimize"
    first = spec.objectives[0].of.label
    rows: list[dict[str, Any]] = [
        {"move": _("best plan"), "lever": "", "give": "", **{k: best.score.stats.get(k) for k in labels}}
        | {"objective_change": 0.0, "feasible": best.score.feasible, "verdict": ""}
    ]
    for m, sc in zip(found, scores, strict=True):
        a, b = sc.stats.get(first), best.score.stats.get(first)
        rows.append(
            {"move": m.text, "lever": m.lever, "give": m.give, **{k: sc.stats.get(k) for k in labels}}
            | {
                "objective_change": (a - b) if a is not None and b is not None else None,
                "feasible": sc.feasible,
                "verdict": verdict(best.score, sc, minimise),
            }
        )
    schema: dict[str, Any] = {
        "move": pl.Utf8,
        "lever": pl.Utf8,
        "give": pl.Utf8,
        **dict.fromkeys(labels, pl.Float64),
    }
    schema |= {"objective_change": pl.Float64, "feasible": pl.Boolean, "verdict": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def _png(path: Path, draw: Callable[[Any], None]) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 4.2), dpi=100)
    ax = fig.add_subplot()
    draw(ax)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    fig.tight_layout()
    fig.savefig(path, format="png")


def convergence_chart(spec: OptSpec, hist: pl.DataFrame, path: Path) -> None:
    label = spec.objectives[0].of.label

    def draw(ax: Any) -> None:
        feas = hist.filter(pl.col("feasible"))
        infeas = hist.filter(~pl.col("feasible"))
        ax.scatter(
            infeas["candidate"], infeas[label], s=14, color="#bbbbbb", label=_("violates a constraint")
        )
        ax.scatter(feas["candidate"], feas[label], s=16, color="#1f5fa8", label=_("feasible"))
        ax.step(
            hist["candidate"],
            hist["best_so_far"],
            where="post",
            color="#d9730d",
            label=_("best feasible so far"),
        )
        ax.set_xlabel(_("candidate (proposal order)"))
        ax.set_ylabel(label)
        ax.set_title(_("Convergence: {name}").format(name=spec.name))
        ax.legend(loc="best", fontsize=8)

    _png(path, draw)


FRONT_COLUMNS = 8  # plans of a Pareto front optimise.md shows side by side (pareto.csv lists every one)


def pareto_chart(spec: OptSpec, hist: pl.DataFrame, front: pl.DataFrame, path: Path) -> None:
    x, y = spec.objectives[0].of.label, spec.objectives[1].of.label

    def draw(ax: Any) -> None:
        feas = hist.filter(pl.col("feasible"))
        ax.scatter(feas[x], feas[y], s=14, color="#bbbbbb", label=_("feasible candidates"))
        f = front.sort(x)
        ax.plot(f[x], f[y], "o-", color="#1f5fa8", label=_("Pareto front"))
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(_("Trade-off: {name}").format(name=spec.name))
        ax.legend(loc="best", fontsize=8)

    _png(path, draw)


def noise_ties(
    best: list[Evaluated], history: list[Evaluated], per_rep: Callable[[Evaluated], list[float]]
) -> tuple[list[int], float, float]:
    """The plans the search cannot tell from best[0] on the first objective: the other members of the Pareto front (or,
    with one objective, the other feasible candidates) whose paired per-replication differences from it have a
    P10-P90 range that holds 0 (compare's reading of a Δ). Returns (their candidate numbers, the lowest P10 and the
    highest P90 of those differences). A candidate with the best's own values (the sampler proposed it again) is the
    same plan and not listed.

    Why: a finance trial's front of plans 0.12 points of served population apart (83.76-83.88) at 4 replications was
    presented plan by plan, and best.toml (20,250 bn VND of support) first, with no word that the replications cannot
    order them."""
    if not best:
        return [], math.nan, math.nan
    ref = best[0]
    others = best[1:] if len(best) > 1 else [e for e in history if e.score.feasible and e is not ref]
    base = np.asarray(per_rep(ref), dtype=float)
    tied, lows, highs = [], [], []
    kept: list[Evaluated] = []
    for e in others:
        # float noise (sums in another order) is 0, as compare reads a difference: a trial read "0 to 0.00000000003638"
        d = np.asarray(
            paired_deltas(dict(enumerate(per_rep(e))), dict(enumerate(base.tolist()))), dtype=float
        )
        if d.size != base.size or d.size < 2 or np.isnan(d).any():
            continue
        lo, hi = (
            float(np.quantile(d, 0.1, method="inverted_cdf")),
            float(np.quantile(d, 0.9, method="inverted_cdf")),
        )
        # the best plan proposed again is the same plan, not one the replications cannot separate from it (a trial's
        # three candidates of equipment_share_pct = 0.1 read "raise reps to separate them")
        same_plan = e.candidate.values == ref.candidate.values
        # ... and a plan proposed twice is one plan (a trial's "2 other plans (candidates 1, 3)" were one)
        seen = any(e.candidate.values == t.candidate.values for t in kept)
        if lo <= 0.0 <= hi and e.candidate.number != ref.candidate.number and not same_plan and not seen:
            kept.append(e)
            tied.append(e.candidate.number)
            lows.append(lo)
            highs.append(hi)
    return tied, (min(lows) if lows else math.nan), (max(highs) if highs else math.nan)


def noise_caution(spec: OptSpec, ties: tuple[list[int], float, float]) -> str | None:
    """optimise.md's line on the plans the replications cannot tell from the best (:func:`noise_ties`), or None."""
    numbers, lo, hi = ties
    if not numbers:
        return None
    label = spec.objectives[0].of.label
    shown = ", ".join(str(n) for n in numbers[:8]) + (", ..." if len(numbers) > 8 else "")
    # the same results in every replication: no number of replications separates them
    if lo == 0.0 and hi == 0.0:
        return _(
            "**Same results:** {k} other plan(s) (candidates {numbers}) give best.toml's {objective} in every one of "
            "the {reps} replications: the levers in which they differ from it did not move it here, so best.toml's "
            "values of those levers are arbitrary (history.csv has their other statistics)."
        ).format(k=len(numbers), numbers=shown, objective=label, reps=spec.reps)
    return _(
        "**Within the noise:** {k} other plan(s) (candidates {numbers}) are not told apart from best.toml on {objective}: "
        "their paired differences from it over the {reps} replications run from {lo} to {hi} (P10–P90) and hold 0. "
        "Which of them is best is not settled by this search: raise `reps` to separate them, and weigh their other "
        "statistics (history.csv)."
    ).format(
        k=len(numbers),
        numbers=shown,
        objective=label,
        reps=spec.reps,
        lo=stat_text(lo, label),
        hi=stat_text(hi, label),
    )


# the file's words for a direction ("minimise"), not the sampler's ("minimize")
DIRECTION_WORDS = {"minimize": N_("minimise"), "maximize": N_("maximise")}


# an envelope purse -> the KPI of what the run spent from it, whole-run total (VND bn)
PURSE_SPENT_KPI = {
    "villages": "village_programme_committed_total_vnd_bn",
    "compute_public": "dc_state_investment_total_vnd_bn",
}
PURSE_NAMES = {"villages": N_("the village programme"), "compute_public": N_("state data centres")}


def unspent_envelope_lines(
    allocation: dict[int, dict[str, float]], kpis_by_rep: dict[int, dict[str, float]]
) -> list[str]:
    """A line for each envelope purse of the best plan (`allocation`: year -> purse -> VND bn, from
    `dxsim.scenario.envelope.envelope_allocation`) that the comparison's replications of it (`kpis_by_rep`) never
    spend in full: what the purse spent over the whole run (the P50 over replications) is below what the envelope
    gives it, so at least the difference lies unspent, and an objective of money spent does not count it.

    Why: a search put 75% of a 6,000 bn envelope in villages, whose programme committed 575.8 bn in the base and in
    the best plan alike; optimise.md said only "no effect" for one probe (search-workflow trial, 2026-12-07)."""
    lines = []
    years = sorted(allocation)
    for purse, kpi in PURSE_SPENT_KPI.items():
        given = sum(allocation[y].get(purse, 0.0) for y in years)
        spent = [float(k[kpi]) for k in kpis_by_rep.values() if kpi in k and math.isfinite(float(k[kpi]))]
        if given <= 0.5 or not spent:
            continue
        p50 = float(np.median(spent))
        if given - p50 <= max(0.5, 0.01 * given):
            continue
        lines.append(
            "- "
            + _(
                "The best plan's envelope gives {purse} {given} bn VND in {first}–{last}; over the whole run it "
                "spends {spent} bn ({kpi}, P50 of the comparison's replications): at least {left} bn of its share "
                "is not spent, and costs nothing in an objective of money spent. Read that share as a ceiling the "
                "programme does not reach, not as money it needs."
            ).format(
                purse=_(PURSE_NAMES[purse]),
                given=F.number(given, 0),
                first=years[0],
                last=years[-1],
                spent=F.number(p50, 0),
                kpi=kpi,
                left=F.number(given - p50, 0),
            )
        )
    return lines


def summary_markdown(
    spec: OptSpec,
    hist: pl.DataFrame,
    best: list[Evaluated],
    found: bool,
    validation: pl.DataFrame | None,
    counts: dict[str, Any],
    probes: pl.DataFrame | None = None,
    caution: str | None = None,
    local_moves: list[str] | None = None,
    unspent: list[str] | None = None,
) -> str:
    """optimise.md, in the language in use (KPI names and paths stay as in the files). `local_moves`: the steps
    the local search took from the search's best plan (`dxsim.optimise.polish`), None when it did not run;
    `unspent`: unspent_envelope_lines of the best plan, under What binds."""
    searched = int((hist["stage"] == "search").sum())
    lines = [
        "# " + _("Optimisation {name}").format(name=spec.name),
        "",
        _(
            "Base `{base}`; {n} candidates x {reps} replications (seed {seed}, common random numbers); sampler "
            "{sampler} in batches of {batch}. {feasible} candidates met every constraint. Evaluated now: {now}, "
            "reused from earlier runs: {reused}."
        ).format(
            base=spec.base,
            n=searched,
            reps=spec.reps,
            seed=spec.seed,
            sampler=spec.sampler_name.upper(),
            batch=min(spec.batch, spec.max_evals),  # a batch never holds more than the candidates asked for
            feasible=int(hist["feasible"].sum()),
            now=counts["evaluated_now"],
            reused=counts["reused"],
        )
        + (
            " "
            + _(
                "The local search from the best of them ran {m} more candidates (history.csv: stage = local), "
                "{total} in all; the counts here and under What binds are of all {total}."
            ).format(m=len(hist) - searched, total=len(hist))
            if len(hist) > searched
            else ""
        )
        + (
            " "
            + ngettext(
                "{n} proposal repeated an earlier candidate and was scored from its record.",
                "{n} proposals repeated an earlier candidate and were scored from its record.",
                counts["repeated"],
            ).format(n=counts["repeated"])
            if counts.get("repeated")
            else ""
        ),
        "",
        _("Objectives: {list}.").format(
            list="; ".join(f"{_(DIRECTION_WORDS[o.direction])} {o.of.label}" for o in spec.objectives)
        ),
        _("Constraints: {list}.").format(list="; ".join(c.label for c in spec.constraints) or _("none")),
        "",
    ]
    if not best:
        lines.append(_("**No candidate could be evaluated.** See `history.csv` (column note)."))
        return "\n".join(lines) + "\n"
    if not found:
        lines += [
            _(
                "**No candidate met every constraint.** The least-violating plan is written as `best.toml` for "
                "inspection; loosen a constraint, widen a lever's range or raise max_evals. The local search, the "
                "out-of-sample check, the probes and the comparison with the base start only from a plan that "
                "meets every constraint, so none ran."
            ),
            "",
        ]
    if local_moves is not None:
        lines += [
            (
                _(
                    "The search's best plan was moved {n} step(s) to a better neighbour that meets every "
                    "constraint (local search, `local_rounds` = {limit}): {moves}."
                ).format(n=len(local_moves), limit=spec.local_rounds, moves="; ".join(local_moves))
                if local_moves
                else _(
                    "No one-step move of the search's best plan was better and met every constraint: it is a local "
                    "optimum on the levers' grid, on these replications."
                )
            ),
            "",
        ]
    b = best[0]
    lines += [
        "## "
        + (
            _("Best plan")
            if len(best) == 1
            else _("Pareto front ({n} plans; best.toml is the first)").format(n=len(best))
        ),
        "",
    ]
    bounds = {c.of.label: c.value for c in spec.constraints}  # a statistic beside its bound shows they differ
    # every plan of a front side by side (it showed the first only; the others were in pareto.csv alone: analyst
    # trial, 2026-12-07), at most FRONT_COLUMNS of them
    plans = best[:FRONT_COLUMNS]
    heads = (
        [_("value")]
        if len(best) == 1
        else [
            _("plan {i}").format(i=i + 1) + (f" (`pareto/plan-{i + 1:02d}.toml`)") for i in range(len(plans))
        ]
    )
    rule = "|---|" + "---:|" * len(heads)
    lines += [f"| {_('lever')} | " + " | ".join(heads) + " |", rule]
    lines += [
        f"| `{k}` | " + " | ".join(stat_text(e.candidate.values[k]) for e in plans) + " |"
        for k in b.candidate.values
    ]
    lines += ["", f"| {_('statistic')} | " + " | ".join(heads) + " |", rule]
    lines += [
        f"| {k} | "
        + " | ".join(stat_text(e.score.stats[k], k, bounds.get(k), never_of(spec, k)) for e in plans)
        + " |"
        for k in b.score.stats
    ]
    if len(best) > len(plans):
        lines += [
            "",
            _("The other {n} plans of the front are in pareto.csv.").format(n=len(best) - len(plans)),
        ]
    if caution:
        lines += ["", caution]
    if spec.constraints or unspent:
        lines += ["", "## " + _("What binds"), ""]
        lines += (binding_lines(spec, hist) if spec.constraints else []) + (unspent or [])
    if probes is not None and probes.height > 1:
        first = spec.objectives[0].of.label
        lines += [
            "",
            "## " + _("What each lever does at the best plan"),
            "",
            _(
                "The best plan re-run on the search's replications with one lever moved one step (a share takes "
                "its step from another share, so the group still adds up); `probes.csv` has every statistic."
            ),
            "",
            "| " + " | ".join([_("move"), first, _("change"), _("verdict")]) + " |",
            "|---|---:|---:|---|",
        ]
        for r in probes.iter_rows(named=True):
            if not r["lever"]:
                continue
            change = r["objective_change"]
            shown = "-" if change is None else ("0" if change == 0 else F.number(change, 1, signed=True))
            lines.append(f"| {r['move']} | {stat_text(r[first], first)} | {shown} | {r['verdict']} |")
        rows = [r for r in probes.iter_rows(named=True) if r["lever"]]
        arbitrary = lever_summary(
            [Move(r["lever"], r["move"], {}, r["give"] or "") for r in rows], [r["verdict"] for r in rows]
        )
        if arbitrary:
            lines += [""] + arbitrary
    if validation is not None and validation.height:
        head = [
            _("constraint"),
            _("in search"),
            _("fresh seeds"),
            _("share meeting the bound"),
            _("promised"),
            _("met"),
        ]
        lines += [
            "",
            "## " + _("Out of sample ({n} replications on fresh seeds)").format(n=spec.validate_reps),
            "",
            _("The search's own replications flatter the plan it picks; these did not take part."),
            "",
            "| " + " | ".join(head) + " |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for r in validation.iter_rows(named=True):
            share = "-" if r["share_meeting_bound"] is None else F.percent(100 * r["share_meeting_bound"], 0)
            prom = "-" if r["promised_share"] is None else F.percent(100 * r["promised_share"], 0)
            lab = r["constraint"]
            met = _("yes") if r["met_out_of_sample"] else "**" + _("no") + "**"
            bound = next((c.value for c in spec.constraints if c.label == lab), None)
            lines.append(
                f"| {lab} | {stat_text(r['in_search'], lab, bound)} | {stat_text(r['fresh_seeds'], lab, bound)} "
                f"| {share} | {prom} | {met} |"
            )
    return "\n".join(lines) + "\n"


def drop_previous_outputs(out: Path, keep: set[Path]) -> None:
    """Remove what an earlier search wrote here (all but `evals/`) and this one did not rewrite (`keep`).

    It runs as the new set is put in place (`atomic_files`' `finish`), so a search killed before leaves the earlier
    files in place. A folder the set rewrote whole (compare/) is left to it.

    Why: each file is replaced only if this search writes it, so a re-run whose best plan, checks or Pareto front
    differ (another constraint, `--no-check`, fewer plans on the front) left validation.csv, probes.csv and compare/
    of another plan beside the new best.toml. A file changed after dxsim wrote it is the user's and is kept, and
    inside compare/ and pareto/ only files the manifest records as dxsim's are removed."""
    changed = set(changed_since_written(out))
    digests = (read_manifest(out) or {}).get("sha256")
    known = set(digests) if isinstance(digests, dict) else set()
    for name in FILES:
        p = out / name
        if name == "evals" or p.is_symlink() or p in keep:
            continue
        if p.is_file() and name not in changed and p not in keep:
            p.unlink()
        elif p.is_dir():
            for f in sorted(p.rglob("*"), reverse=True):
                rel = f.relative_to(out).as_posix()
                if (
                    f.is_file()
                    and not f.is_symlink()
                    and rel in known
                    and rel not in changed
                    and f not in keep
                ):
                    f.unlink()
                elif f.is_dir() and not f.is_symlink() and not any(f.iterdir()):
                    f.rmdir()
            if {f.name for f in p.iterdir()} <= {MANIFEST}:  # nothing left but compare/'s own manifest
                (p / MANIFEST).unlink(missing_ok=True)
                p.rmdir()


def write_outputs(
    spec: OptSpec,
    out: Path,
    history: list[Evaluated],
    best: list[Evaluated],
    found: bool,
    ev: Any,
    *,
    check: bool,
    say: Callable[[str], None],
    elapsed_s: float,
    local_moves: list[str] | None = None,
) -> list[Path]:
    """Write every file listed in the module docstring as one set (`atomic_files`); returns their paths.

    Everything is computed first, the checks included (they take as long as the search's last batches), and only
    then is the set put in place, with the earlier search's files this one does not rewrite removed in the same
    step: a search killed or failing at any point leaves the previous folder as it was. The comparison reads the
    best plan from a hidden file until then."""
    if check and best and found:  # a folder of the user's where compare/ goes: said before the checks run
        check_output_dir(out / "compare", kind="compare")
    with _staged_plan(out) as staged:
        writers: dict[str, Callable[[Path], object]] = {}
        # the search's own counts: the checks below (fresh seeds, probes) are evaluations too, counted apart
        counts = {"evaluated_now": ev.evaluated_now, "reused": ev.reused, "repeated": ev.repeated}
        hist = history_frame(spec, history)
        writers["history.csv"] = hist.write_csv
        writers["convergence.png"] = lambda p: convergence_chart(spec, hist, p)
        validation = None
        probes: pl.DataFrame | None = None
        unspent: list[str] = []
        if best:
            best_text = plan_toml(spec, best[0], _plan_name(spec, "best"), out, "best.toml")
            writers["best.toml"] = functools.partial(_write_text, text=best_text)
        if len(spec.objectives) > 1 and found:
            front = hist.filter(pl.col("candidate").is_in([e.candidate.number for e in best]))
            order = {e.candidate.number: i for i, e in enumerate(best)}
            front = front.with_columns(
                pl.col("candidate").replace_strict(order, return_dtype=pl.Int64).alias("rank"),
                pl.col("candidate")
                .replace_strict(
                    {k: f"pareto/plan-{i + 1:02d}.toml" for k, i in order.items()}, return_dtype=pl.Utf8
                )
                .alias("file"),
            ).sort("rank")
            for i, e in enumerate(best):
                text = plan_toml(
                    spec, e, _plan_name(spec, f"p{i + 1:02d}"), out / "pareto", f"plan-{i + 1:02d}.toml"
                )
                writers[f"pareto/plan-{i + 1:02d}.toml"] = functools.partial(_write_text, text=text)
            writers["pareto.csv"] = front.write_csv
            writers["pareto.png"] = lambda p: pareto_chart(spec, hist, front, p)
        if check and best and found:
            if (
                spec.validate_reps > 0 and not spec.constraints
            ):  # said, not skipped in silence (operator trial)
                say(
                    _(
                        "no out-of-sample check: validate_reps = {n} re-runs the best plan for its constraints, and there are none"
                    ).format(n=spec.validate_reps)
                )
            if spec.validate_reps > 0 and spec.constraints:
                say(_("checking the best plan on {n} fresh replications").format(n=spec.validate_reps))
                t = ev.task(
                    best[0].candidate, seed=spec.seed + VALIDATION_SEED_OFFSET, reps=spec.validate_reps
                )
                rec = ev.run([t])[t.run_id]
                validation = validation_frame(spec, best[0], rec)
                writers["validation.csv"] = validation.write_csv
            if len(spec.objectives) == 1:
                found_moves = moves(spec, best[0].candidate.values)
                if found_moves:
                    say(
                        _("probing the best plan: each lever moved one step ({n} plans)").format(
                            n=len(found_moves)
                        )
                    )
                    probes = probe_frame(spec, best[0], found_moves, ev(candidates(found_moves)))
                    writers["probes.csv"] = probes.write_csv
            say(_("comparing the best plan with the base"))
            _write_text(staged, text=best_text)
            res = compare_scenarios(
                [spec.base, staged],
                reps=spec.reps,
                seed=spec.seed,
                workers=0 if ev.pool is not None else ev.workers,
                scheduler=ev.scheduler,
            )
            # the tables name the plan by the file it will be, and read it where it is now
            res.runs = [
                dataclasses.replace(r, path=out / "best.toml", read_from=staged) if r.path == staged else r
                for r in res.runs
            ]
            writers["compare"] = lambda p: write_compare(res, p)
            best_sc = load_scenario(staged)
            if best_sc.budget.enabled:
                best_run = next(r for r in res.runs if r.read_from == staged)
                unspent = unspent_envelope_lines(envelope_allocation(best_sc.budget), best_run.kpis)
        counts["checks_evaluated_now"] = ev.evaluated_now - counts["evaluated_now"]
        first = spec.objectives[0].of.kpi

        def per_rep(e: Evaluated) -> list[float]:
            t = ev.task(e.candidate)
            rec = ev.records.get(t.run_id) if not isinstance(t, str) else None
            return [] if rec is None else kpi_values(rec["kpis"], first, ev.horizon_end)

        caution = noise_caution(spec, noise_ties(best, history, per_rep)) if found else None
        summary = summary_markdown(
            spec, hist, best, found, validation, counts, probes, caution, local_moves, unspent
        )
        writers["optimise.md"] = functools.partial(_write_text, text=summary)
        meta = {
            "file": str(spec.file),
            "base": str(spec.base),
            "name": spec.name,
            "seed": spec.seed,
            "reps": spec.reps,
            "max_evals": spec.max_evals,
            "batch": spec.batch,
            "sampler": spec.sampler_name,
            "local_rounds": spec.local_rounds,
            # the local search: its moves (None: it did not run) and the candidates it added to history.csv
            "local_moves": local_moves,
            "local_candidates": sum(e.candidate.stage == "local" for e in history),
            "variables": [
                {"path": v.path, "low": v.param.low, "high": v.param.high, "step": v.step}
                for v in spec.variables
            ],
            "shares": [
                {
                    "paths": [p.path for p in g.params],
                    "low": g.low,
                    "high": g.high,
                    "step": g.step,
                    "total": g.total,
                }
                for g in spec.shares
            ],
            "objectives": [
                {"kpi": o.of.kpi, "stat": o.of.stat, "direction": o.direction} for o in spec.objectives
            ],
            "constraints": [c.label for c in spec.constraints],
            "feasible_found": found,
            "best": [
                {
                    "candidate": e.candidate.number,
                    "stage": e.candidate.stage,
                    "values": e.candidate.values,
                    "stats": e.score.stats,
                }
                for e in best
            ],
            **counts,
            "elapsed_s": round(elapsed_s, 1),
            "dxsim_version": __version__,
            "written": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        writers["optimise.json"] = functools.partial(
            _write_text, text=json.dumps(meta, indent=2, default=str) + "\n"
        )
        keep = {out / name for name in writers}

        def finish() -> None:
            drop_previous_outputs(out, keep)
            forget_missing_digests(out)

        return atomic_files(out, writers, finish=finish)


@contextlib.contextmanager
def _staged_plan(out: Path) -> Iterator[Path]:
    """A hidden file in `out` the comparison reads the best plan from until the set is in place; removed after."""
    clean_debris(out / "best-check.toml")
    staged = out / f".best-check.toml.tmp-{os.getpid()}"
    try:
        yield staged
    finally:
        staged.unlink(missing_ok=True)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")
