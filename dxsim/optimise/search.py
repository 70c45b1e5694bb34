"""The search loop: Optuna proposes candidates in batches, dxsim evaluates them, Optuna learns.

Why Optuna (not pymoo): one library gives both samplers the issue needs, TPE for one objective
and NSGA-II for several, both with constraints (`constraints_func`), and an ask/tell interface
that lets dxsim run a whole batch on the local pool or Dask between proposals. pymoo's NSGA-II
is as good for fronts, but its single-objective algorithms (GA, pattern search) need far more
evaluations than TPE for a few continuous levers, and each evaluation here is several national
replications.

Determinism and resume. The sampler is seeded, candidates are proposed `batch` at a time and told
back in proposal order, so the sequence depends only on the file (not on --workers or on which
worker finished first). A resumed run replays the same loop: candidates already evaluated are
read back from their files (:mod:`dxsim.optimise`), so the sampler sees exactly the same history
and proposes exactly the same next batch as an uninterrupted run would. Optuna's own storage is
therefore not needed for resuming; the evaluation files are the record.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dxsim.optimise.score import Score
from dxsim.optimise.shares import split


@dataclass(frozen=True)
class Dim:
    """One decision variable: name (the dotted path), bounds, optional grid step."""

    name: str
    low: float
    high: float
    step: float | None = None
    integer: bool = False


@dataclass(frozen=True)
class Group:
    """Values that add up to `total` (one sampled weight per path, mapped by :func:`split`)."""

    name: str
    paths: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    step: float | None
    total: float


@dataclass(frozen=True)
class Problem:
    dims: tuple[Dim, ...]
    groups: tuple[Group, ...]
    directions: tuple[str, ...]  # "minimize" / "maximize" per objective
    sampler: str  # "tpe" | "nsga2"
    seed: int
    batch: int
    max_evals: int


@dataclass(frozen=True)
class Candidate:
    number: int  # 0-based proposal order
    batch: int
    values: dict[str, float]  # decided path -> value
    stage: str = (
        "search"  # "search": proposed by the sampler; "local": by the local search (dxsim.optimise.polish)
    )


@dataclass(frozen=True)
class Evaluated:
    candidate: Candidate
    score: Score


Evaluate = Callable[[list[Candidate]], list[Score]]


def _distributions(problem: Problem) -> dict[str, Any]:
    from optuna.distributions import FloatDistribution, IntDistribution

    d: dict[str, Any] = {}
    for x in problem.dims:
        if x.integer:
            d[x.name] = IntDistribution(int(x.low), int(x.high), step=int(x.step or 1))
        else:
            d[x.name] = FloatDistribution(x.low, x.high, step=x.step)
    for g in problem.groups:
        for p in g.paths:
            d[f"{g.name}:{p}"] = FloatDistribution(0.0, 1.0)
    return d


def decode(problem: Problem, params: dict[str, Any]) -> dict[str, float]:
    """The scenario values of a proposal: variables as sampled (clipped to bounds), shares split."""
    out: dict[str, float] = {}
    for x in problem.dims:
        v = params[x.name]
        out[x.name] = int(v) if x.integer else min(max(float(v), x.low), x.high)
    for g in problem.groups:
        vals = split([params[f"{g.name}:{p}"] for p in g.paths], g.low, g.high, g.total, g.step)
        out.update(zip(g.paths, vals))
    return out


def make_sampler(problem: Problem) -> Any:
    """TPE (the first max(batch, 10) candidates random, Optuna's default 10) or NSGA-II (population max(batch, 16)).

    Neither depends on max_evals, so the first N candidates of a longer search are those of a shorter one.
    """
    import optuna

    if problem.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=max(problem.batch, 16), seed=problem.seed)
    return optuna.samplers.TPESampler(
        seed=problem.seed, n_startup_trials=max(problem.batch, 10), multivariate=True, constant_liar=True
    )


def search(
    problem: Problem, evaluate: Evaluate, on_batch: Callable[[list[Evaluated], int], None] | None = None
) -> list[Evaluated]:
    """Run the ask/evaluate/tell loop for `problem.max_evals` candidates; the history in proposal order."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = make_sampler(problem)
        study = optuna.create_study(
            directions=[
                optuna.study.StudyDirection.MINIMIZE
                if d == "minimize"
                else optuna.study.StudyDirection.MAXIMIZE
                for d in problem.directions
            ],
            sampler=sampler,
        )
        dists = _distributions(problem)
        history: list[Evaluated] = []
        b = 0
        while len(history) < problem.max_evals:
            k = min(problem.batch, problem.max_evals - len(history))
            trials = [study.ask(dists) for _ in range(k)]
            cands = [Candidate(t.number, b, decode(problem, t.params)) for t in trials]
            scores = evaluate(cands)
            done = []
            for t, c, s in zip(trials, cands, scores):
                for i, v in enumerate(s.violations):  # <= 0: met (optuna's convention)
                    t.set_constraint(f"c{i}", float(v))
                if s.objectives is None:
                    study.tell(t, state=optuna.trial.TrialState.FAIL)
                else:
                    study.tell(t, list(s.objectives) if len(s.objectives) > 1 else s.objectives[0])
                done.append(Evaluated(c, s))
            history += done
            if on_batch:
                on_batch(done, len(history))
            b += 1
    return history
