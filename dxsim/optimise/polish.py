"""A local search from the search's best plan: one lever one grid step at a time, while a step is better and feasible.

Why: the sampler proposes `max_evals` plans and the best of them was reported as "the best plan", but the probes of
the shipped example (one lever moved one step, `dxsim.optimise.probe`) found 4 of its 10 neighbours cheaper and
still within every constraint: the search had stopped short, and the planner was told to "raise max_evals, or run
that plan". Here the plan takes the best such step itself, follows it while it pays, and probes again, until no
one-step move is better (a local optimum on the levers' grid, on the search's own replications) or it has probed
`local_rounds` times. Every neighbour is run on the search's replications (common random numbers), so a step is the
lever's effect, not luck; the out-of-sample check (`validate_reps`) then runs on the plan where the steps end.
"""

from __future__ import annotations

from collections.abc import Callable

from dxsim.optimise.probe import Move, most_moves, moves, same
from dxsim.optimise.search import Candidate, Evaluate, Evaluated
from dxsim.optimise.spec import OptSpec

Key = tuple[tuple[str, float], ...]
# a round repeats its move at most this many times, then probes again: the job's estimate before it starts counts
# rounds x (probes + repeats), and a lever of 410 whole steps (crews.north.teams 40..450) made it 24,906 replications
REPEATS_PER_ROUND = 10


def most_plans(spec: OptSpec) -> int:
    """The most plans the local search runs: every round's probes and repeats (for the job's estimate)."""
    return spec.local_rounds * (most_moves(spec) + REPEATS_PER_ROUND)


def _key(values: dict[str, float]) -> Key:
    return tuple(sorted((k, round(float(v), 9)) for k, v in values.items()))


def better(spec: OptSpec, a: Evaluated, b: Evaluated) -> bool:
    """a is feasible and its (only) objective strictly better than b's (a change below probe.SAME_REL is none)."""
    if not a.score.feasible or a.score.objectives is None or b.score.objectives is None:
        return False
    x, y = a.score.objectives[0], b.score.objectives[0]
    if same(x, y):
        return False
    return x < y if spec.objectives[0].direction == "minimize" else x > y


def polish(
    spec: OptSpec,
    start: Evaluated,
    history: list[Evaluated],
    evaluate: Evaluate,
    on_step: Callable[[int, Move, float], None] | None = None,
) -> tuple[Evaluated, list[Evaluated]]:
    """(the plan where the steps end, the plans evaluated on the way, numbered after `history`'s candidates).

    A step probes every one-step move (`probe.moves`) of the current plan and takes the best that is feasible and
    strictly better (ties: the move listed first); the same move is then repeated, one plan at a time, while it
    stays better and feasible (a pattern move: the shipped example's 2027 envelope fell by 250 bn VND a step for
    8 steps running, each of which had probed all 10 neighbours again). A round is one probe and at most
    REPEATS_PER_ROUND repeats; at most `spec.local_rounds` rounds. A plan evaluated before (in `history` or on the
    way) keeps its score and is not run again. Each call of `evaluate` is a batch, numbered after the search's last."""
    known = {_key(e.candidate.values): e for e in history}
    number = max((e.candidate.number for e in history), default=-1) + 1
    batch = max((e.candidate.batch for e in history), default=-1) + 1
    found: list[Evaluated] = []

    def scored(plans: list[dict[str, float]]) -> list[Evaluated]:
        nonlocal number, batch
        new = list({_key(v): v for v in plans if _key(v) not in known}.values())
        cands = [Candidate(number + i, batch, dict(v), "local") for i, v in enumerate(new)]
        for c, sc in zip(cands, evaluate(cands) if cands else [], strict=True):
            known[_key(c.values)] = e = Evaluated(c, sc)
            found.append(e)
        if cands:
            number, batch = number + len(cands), batch + 1
        return [known[_key(v)] for v in plans]

    current, steps = start, 0

    def take(move: Move, e: Evaluated) -> None:
        nonlocal current, steps
        current, steps = e, steps + 1
        assert e.score.objectives is not None  # `better` holds only for a scored plan
        if on_step is not None:
            on_step(steps, move, e.score.objectives[0])

    for _round in range(spec.local_rounds):
        options = moves(spec, current.candidate.values)
        best_move, best_e = None, current
        for m, e in zip(options, scored([m.values for m in options]), strict=True):
            if better(spec, e, best_e):
                best_move, best_e = m, e
        if best_move is None:
            break
        delta = {k: best_e.candidate.values[k] - v for k, v in current.candidate.values.items()}
        take(best_move, best_e)
        for _repeat in range(REPEATS_PER_ROUND):  # the same move again
            target = _key({k: v + delta[k] for k, v in current.candidate.values.items()})
            again = next((m for m in moves(spec, current.candidate.values) if _key(m.values) == target), None)
            if again is None:  # a bound
                break
            e = scored([again.values])[0]
            if not better(spec, e, current):
                break
            take(again, e)
    return current, found
