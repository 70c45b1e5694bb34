"""A candidate's objectives and constraint violations from its replications' KPIs.

One rule for every statistic (:func:`statistic`): "mean" is the mean over the replications; "Pq"
is the empirical q-th percentile, an observed value (:func:`dxsim.compare.quantile`, the same
definition `dxsim compare` prints). A `year_*` KPI never reached is first censored at the year
after the horizon (:func:`dxsim.optimise.spec.censored_value`); any other KPI that is undefined
makes the statistic undefined: an objective then fails the candidate, a constraint counts as
violated by :data:`UNDEFINED_VIOLATION`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dxsim.compare import quantile
from dxsim.optimise.spec import Constraint, Objective, Statistic, censored_value

UNDEFINED_VIOLATION = (
    1e12  # a constraint whose statistic is undefined is violated by this much (finite for optuna)
)


@dataclass(frozen=True)
class Score:
    """What the optimiser is told about one candidate."""

    objectives: tuple[float, ...] | None  # None: undefined (the candidate failed)
    stats: dict[str, float | None]  # every objective and constraint statistic, by label
    violations: tuple[float, ...]  # per constraint; <= 0 is met
    note: str = ""

    @property
    def feasible(self) -> bool:
        return self.objectives is not None and all(v <= 0 for v in self.violations)

    @property
    def total_violation(self) -> float:
        return float(sum(max(0.0, v) for v in self.violations))


def statistic(values: Sequence[float], stat: str) -> float | None:
    """The mean or the empirical percentile "Pq" of `values`; None when undefined."""
    arr = np.asarray(list(values), dtype=float)
    if arr.size == 0:
        return None
    if stat == "mean":
        m = float(arr.mean())
        return m if math.isfinite(m) else None
    return quantile(arr.tolist(), int(stat[1:]) / 100.0)


def kpi_values(kpis: Mapping[str, Mapping[str, float | None]], kpi: str, horizon_end: dt.date) -> list[float]:
    """One KPI over the replications of a run record (`kpis[replication][kpi]`), censored as documented."""
    out = []
    for rep in sorted(kpis, key=int):
        v = kpis[rep].get(kpi)
        out.append(censored_value(kpi, math.nan if v is None else float(v), horizon_end))
    return out


def score(
    kpis: Mapping[str, Mapping[str, float | None]],
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    horizon_end: dt.date,
) -> Score:
    """Objectives (in the optimiser's direction convention: values as measured) and violations."""
    stats: dict[str, float | None] = {}

    def of(s: Statistic) -> float | None:
        if s.label not in stats:
            stats[s.label] = statistic(kpi_values(kpis, s.kpi, horizon_end), s.stat)
        return stats[s.label]

    objs = [of(o.of) for o in objectives]
    viol = []
    for c in constraints:
        x = of(c.of)
        viol.append(UNDEFINED_VIOLATION if x is None else c.violation(x))
    missing = [o.of.label for o, v in zip(objectives, objs) if v is None]
    if missing:
        return Score(None, stats, tuple(viol), note="undefined: " + ", ".join(missing))
    return Score(tuple(float(v) for v in objs if v is not None), stats, tuple(viol))


def dominates(a: Sequence[float], b: Sequence[float], directions: Sequence[str]) -> bool:
    """a is at least as good as b in every objective and better in one."""
    sign = [1.0 if d == "minimize" else -1.0 for d in directions]
    aa = [s * x for s, x in zip(sign, a)]
    bb = [s * x for s, x in zip(sign, b)]
    return all(x <= y for x, y in zip(aa, bb)) and any(x < y for x, y in zip(aa, bb))


def pareto_front(points: Sequence[Sequence[float]], directions: Sequence[str]) -> list[int]:
    """Indices of the non-dominated points (first of exact duplicates only), in input order."""
    front: list[int] = []
    for i, p in enumerate(points):
        if any(dominates(q, p, directions) for j, q in enumerate(points) if j != i):
            continue
        if any(list(points[j]) == list(p) for j in front):
            continue
        front.append(i)
    return front
