"""What each lever does at the best plan: the plan re-run with one lever moved one step.

Why: the search reports the cheapest feasible plan, but not which of its levers matter there. In the
shipped example the public cost counts money spent, and the 5G and village shares of the envelope are
not spent (their programmes need less), so any split of them gave the same cost: the "30% 5G / 15%
villages" of the best plan was arbitrary, and nothing said so. Each probe moves one lever one grid step
(a share takes its step from another share of its group, so the group still adds up), runs the search's
own replications (common random numbers: a difference is the lever's, not luck's) and says whether the
objective or any constraint moved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dxsim.i18n import gettext as _
from dxsim.optimise.score import Score
from dxsim.optimise.search import Candidate
from dxsim.optimise.spec import OptSpec
from dxsim.sweep.spec import _num

PROBE_BASE = (
    1_000_000  # probe candidates are numbered from here (history's candidates are 0 .. max_evals - 1)
)
SAME_REL = 1e-9  # a statistic that moves by less than this share of its size did not move


@dataclass(frozen=True)
class Move:
    """One lever moved one step from the best plan: the paths moved (one, or a share and the share it took from)."""

    lever: str  # the variable's path, or the share's path that gained
    text: str  # "budget.total_vnd_bn.2026 5,750 -> 6,000" / "five_g_subsidy +5 (from villages)"
    values: dict[str, float]
    give: str = ""  # a share move: the share that gave the step


def _step(low: float, high: float, step: float | None, integer: bool) -> float:
    """A lever's probe step: its grid step, else 1 for a whole number, else a twentieth of its range."""
    if step is not None and step > 0:
        return float(step)
    return 1.0 if integer else (high - low) / 20.0


def moves(spec: OptSpec, best: dict[str, float]) -> list[Move]:
    """Every one-step move of one lever from `best` that stays within the lever's bounds."""
    out: list[Move] = []
    for v in spec.variables:
        p = v.param
        step = _step(p.low, p.high, v.step, p.integer)
        x0 = float(best[v.path])
        for sign in (-1.0, 1.0):
            x = x0 + sign * step
            if p.low - 1e-9 <= x <= p.high + 1e-9 and step > 0:
                out.append(Move(v.path, f"{v.path} {_num(x0)} -> {_num(x)}", {**best, v.path: x}))
    for g in spec.shares:
        step = _step(0.0, g.total, g.step, False)
        paths = [q.path for q in g.params]
        for i, gain in enumerate(paths):
            for j, give in enumerate(paths):
                a, b = float(best[gain]) + step, float(best[give]) - step
                if i == j or a > g.high[i] + 1e-9 or b < g.low[j] - 1e-9:
                    continue
                text = _("{gain} +{step} (from {give})").format(gain=gain, step=_num(step), give=give)
                out.append(Move(gain, text, {**best, gain: a, give: b}, give))
    return out


def most_moves(spec: OptSpec) -> int:
    """The most probes `moves` can return (for the job's estimate before it starts)."""
    return 2 * len(spec.variables) + sum(len(g.params) * (len(g.params) - 1) for g in spec.shares)


def candidates(found: list[Move]) -> list[Candidate]:
    """The moves as candidates (numbered from PROBE_BASE, outside the search's numbers)."""
    return [Candidate(PROBE_BASE + i, -1, dict(m.values)) for i, m in enumerate(found)]


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return a is None and b is None
    return abs(a - b) <= SAME_REL * max(1.0, abs(a), abs(b))


def verdict(best: Score, probe: Score, minimise: bool) -> str:
    """What the move did, in words: nothing; broke a constraint; better or worse and still feasible."""
    if probe.objectives is None:
        return _("not a valid plan: {note}").format(note=probe.note)
    if all(same(best.stats.get(k), probe.stats.get(k)) for k in best.stats):
        return _("no effect: neither the objective nor any constraint moved")
    if not probe.feasible:
        return _("misses a constraint")
    assert best.objectives is not None
    d = probe.objectives[0] - best.objectives[0]
    if same(probe.objectives[0], best.objectives[0]):
        return _("the objective is the same; a constraint statistic moved")
    better = d < 0 if minimise else d > 0
    return (
        _("better and still meets every constraint: the search stopped short here")
        if better
        else _("worse, still meets every constraint")
    )


def lever_summary(found: list[Move], verdicts: list[str]) -> list[str]:
    """Lines for the planner: levers (or pairs of shares) whose moves changed nothing, so their value in the best
    plan is arbitrary; and a move that is better and still feasible, so the search stopped short."""
    none = _("no effect: neither the objective nor any constraint moved")
    better = _("better and still meets every constraint: the search stopped short here")
    said = dict(zip([(m.lever, m.give) for m in found], verdicts, strict=True))
    lines = []
    for lever in dict.fromkeys(m.lever for m in found if not m.give):
        if all(v == none for (g, give), v in said.items() if g == lever and not give):
            lines.append(
                "- "
                + _(
                    "`{lever}`: moving it changed nothing here, so its value in the best plan is arbitrary: what "
                    "it controls does not bind (e.g. money allocated and not spent)"
                ).format(lever=lever)
            )
    for (gain, give), v in said.items():
        if give and gain < give and v == none and said.get((give, gain)) == none:
            lines.append(
                "- "
                + _(
                    "`{a}` and `{b}`: a step moved between them either way changed nothing, so how the best plan "
                    "splits them is arbitrary: what they fund does not bind (e.g. money allocated and not spent)"
                ).format(a=gain, b=give)
            )
    lines += [
        "- "
        + _(
            "**{move}** is better and still meets every constraint: the search stopped short of it; raise "
            "local_rounds or max_evals, or run that plan"
        ).format(move=m.text)
        for m, v in zip(found, verdicts, strict=True)
        if v == better
    ]
    return lines
