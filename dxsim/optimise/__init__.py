"""Optimisation under uncertainty: the cheapest (or best) plan that meets KPI targets at a stated confidence.

    from dxsim.optimise import run_optimise
    res = run_optimise("scenarios/optimise/envelope-split.toml", workers=2)

The OPT.toml format is in :mod:`dxsim.optimise.spec`, the search loop (Optuna TPE / NSGA-II, ask and
tell in batches) in :mod:`dxsim.optimise.search`, scoring in :mod:`dxsim.optimise.score`, the files in
:mod:`dxsim.optimise.outputs`.

Every candidate runs replications 0..reps-1 with the file's seed: common random numbers, so two
candidates differ only by their levers, never by their luck. A candidate is a sweep run
(:class:`dxsim.execution.RunTask`): it runs on the local pool or Dask exactly as sweep runs do,
with the prepared-world store, and its KPIs are saved as ``evals/<id>.json`` (atomically, with a
checksum) as soon as it finishes. The id hashes the candidate's whole scenario, the seed, the
replications and the dxsim version, so a resumed or repeated optimisation reuses every evaluation
it can and recomputes nothing else; see :mod:`dxsim.optimise.search` for why a resumed run equals
an uninterrupted one.

After the search, the best plan (one objective: the best feasible candidate; several: each plan on
the feasible Pareto front) is written as a scenario TOML that `extends` the base, re-run on fresh
seeds to check its constraints out of sample (the search's own replications flatter the winner),
and compared with the base as `dxsim compare` does (``compare/compare.md``, ``compare.csv``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dxsim._version import __version__
from dxsim.errors import DxsimInputError
from dxsim.execution import LocalPool, RunTask, SweepInterrupted, effective_scenario, run_tasks
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.optimise.outputs import FILES, stat_text, write_outputs
from dxsim.optimise.polish import most_plans, polish
from dxsim.optimise.probe import Move, most_moves
from dxsim.optimise.score import Score, pareto_front, score
from dxsim.optimise.search import Candidate, Dim, Evaluated, Group, Problem, search
from dxsim.optimise.spec import OptSpec, load_optimise, unit_cautions
from dxsim.results.writer import atomic_text, claim_output_dir
from dxsim.scenario.loader import _validate, canonical_json
from dxsim.runner_budget import BUDGET_SECONDS, SECONDS_PER_WORLD, check_pool_memory
from dxsim.sim.world_store import shapes_world, world_key
from dxsim.sweep import HASH_KEY, record_sha256
from dxsim.sweep.spec import CONFIRM_REPLICATIONS, SECONDS_PER_REPLICATION, _num, override

__all__ = ["OptimiseInterrupted", "OptimiseResult", "load_optimise", "plan_size", "run_optimise"]

Progress = Callable[[str], None]


class OptimiseInterrupted(KeyboardInterrupt):
    """Stopped part-way; every finished evaluation is kept and the same command resumes."""

    def __init__(self, done: int, where: str) -> None:
        self.done, self.where = done, where
        super().__init__(
            _(
                "{done} evaluations (candidates and their checks) are kept in {where}; run the same command again "
                "to resume"
            ).format(done=done, where=where)
        )


@dataclass
class OptimiseResult:
    spec: OptSpec
    history: list[Evaluated]
    best: list[Evaluated]  # one objective: [the best]; several: the feasible Pareto front (may be empty)
    feasible_found: bool
    out_dir: Path
    evaluated_now: int
    reused: int
    files: list[Path]
    repeated: int = 0  # proposals of a candidate already evaluated (scored once, from its record)


def problem_of(spec: OptSpec) -> Problem:
    dims = tuple(Dim(v.path, v.param.low, v.param.high, v.step, v.param.integer) for v in spec.variables)
    groups = tuple(
        Group(g.name, tuple(p.path for p in g.params), g.low, g.high, g.step, g.total) for g in spec.shares
    )
    return Problem(
        dims,
        groups,
        tuple(o.direction for o in spec.objectives),
        spec.sampler_name,
        spec.seed,
        spec.batch,
        spec.max_evals,
    )


def plan_size(spec: OptSpec) -> tuple[int, str]:
    """Replications the optimisation needs at most, and a one-line estimate of its time (:func:`plan_seconds`)."""
    n, plans = _counts(spec)
    text = (
        _(
            "{evals} candidates x {reps} replications + at most {extra} for the local search and checks = {n} "
            "replications at most, about {duration} on one core"
        )
        if len(spec.objectives) == 1 and spec.local_rounds > 0
        else _(
            "{evals} candidates x {reps} replications + {extra} for the checks = {n} replications, about "
            "{duration} on one core"
        )
    ).format(
        evals=F.number(spec.max_evals, 0),
        reps=F.number(spec.reps, 0),
        extra=F.number(n - spec.max_evals * spec.reps, 0),
        n=F.number(n, 0),
        duration=F.duration(plan_seconds(spec)),
    )
    if shaping := world_levers(spec):
        text += " " + _(
            "(a prepared world for each of up to {plans} plans, ~{each} s each: {path} shapes the world)"
        ).format(plans=F.number(plans, 0), each=F.number(SECONDS_PER_WORLD, 1), path=shaping[0])
    return n, text


def _counts(spec: OptSpec) -> tuple[int, int]:
    """(replications, plans) the optimisation runs at most."""
    # one objective: the local search's rounds (each probes every one-step move of its plan, then repeats the best
    # one while it pays) and the best plan's own probes
    local = (most_plans(spec) + most_moves(spec)) if len(spec.objectives) == 1 else 0
    # the out-of-sample check re-runs the best plan for its constraints: none, no check (the estimate counted it)
    checks = spec.validate_reps * (1 if len(spec.objectives) == 1 else 3) if spec.constraints else 0
    n = spec.max_evals * spec.reps + checks + 2 * spec.reps + local * spec.reps
    return n, spec.max_evals + local + 2


def world_levers(spec: OptSpec) -> list[str]:
    """The levers whose values shape the prepared world (dxsim.sim.world_store.shapes_world)."""
    return [p.path for p in spec.parameters if shapes_world(p.path)]


def plan_seconds(spec: OptSpec) -> float:
    """Seconds on one core: the replications, and a world prepared for each plan when a lever shapes the world.

    Why the worlds: 2,000 candidates of `sites.people_per_5g_site_dense` were estimated at "about 17 min" and needed
    ~3.5 h, each candidate preparing its own world (~6 s; analyst trial, 2026-12-07)."""
    n, plans = _counts(spec)
    return n * SECONDS_PER_REPLICATION + (plans * SECONDS_PER_WORLD if world_levers(spec) else 0.0)


def default_out_dir(spec: OptSpec) -> Path:
    return Path("outputs") / "optimise" / spec.name


class _Evaluator:
    """Turns candidates into sweep run tasks, reuses saved evaluations, runs the rest, scores them."""

    def __init__(
        self,
        spec: OptSpec,
        evals_dir: Path,
        workers: int | None,
        scheduler: Any,
        pool: LocalPool | None,
        say: Progress,
    ) -> None:
        self.spec, self.dir, self.workers, self.scheduler, self.pool, self.say = (
            spec,
            evals_dir,
            workers,
            scheduler,
            pool,
            say,
        )
        self.folder = str(spec.base.resolve().parent)
        self.version = __version__
        self.records: dict[str, dict[str, Any]] = {}
        self.evaluated_now = 0
        self.reused = 0
        self.repeated = 0  # candidates the sampler proposed again: scored from the first one's record
        self.horizon_end: dt.date = spec.base_scenario.horizon.end_date

    def task(self, c: Candidate, seed: int | None = None, reps: int | None = None) -> RunTask | str:
        """The candidate's run task, or why its scenario is invalid (one line)."""
        spec = self.spec
        seed = spec.seed if seed is None else seed
        reps = spec.reps if reps is None else reps
        d = override(spec.base_merged, c.values, spec.parameters)
        d["seed"] = seed
        shown = ", ".join(f"{k}={_num(v)}" for k, v in c.values.items())
        try:
            sc = _validate(d, {}, f"{spec.file} (candidate {c.number}: {shown})")
        except DxsimInputError as exc:
            return exc.one_line()
        text = canonical_json(sc)
        h = hashlib.sha256(json.dumps([text, seed, reps, self.folder, self.version]).encode()).hexdigest()[
            :16
        ]
        return RunTask(
            run_id=h,
            run=c.number,
            params=dict(c.values),
            scenario=json.loads(text),
            scenario_dir=self.folder,
            seed=seed,
            reps=reps,
            world_key=world_key(effective_scenario(sc), self.folder),
        )

    def _saved(self, t: RunTask) -> dict[str, Any] | None:
        f = self.dir / f"{t.run_id}.json"
        if not f.is_file():
            return None
        rec: dict[str, Any] | None
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            rec = None
        ok = (
            isinstance(rec, dict)
            and rec.get(HASH_KEY) == record_sha256(rec)
            and rec.get("run_id") == t.run_id
            and isinstance(rec.get("kpis"), dict)
            and sorted(rec["kpis"]) == sorted(str(r) for r in range(t.reps))
        )
        if not ok:
            self.say(
                _("{file}: damaged or edited; candidate evaluated again and the file replaced").format(file=f)
            )
            return None
        return rec

    def run(self, tasks: list[RunTask]) -> dict[str, dict[str, Any]]:
        """Records of `tasks` (by run id): saved ones read back, the others run and saved."""
        todo: list[RunTask] = []
        for t in tasks:
            if t.run_id in self.records:
                self.repeated += 1
                continue
            rec = self._saved(t)
            if rec is not None:
                self.records[t.run_id] = rec
                self.reused += 1
            elif all(t.run_id != u.run_id for u in todo):
                todo.append(t)
            else:  # proposed twice in one batch
                self.repeated += 1

        def on_result(rec: dict[str, Any]) -> None:
            rec[HASH_KEY] = record_sha256(rec)
            f = self.dir / f"{rec['run_id']}.json"
            atomic_text(f, json.dumps(rec, allow_nan=False) + "\n")
            self.records[rec["run_id"]] = rec
            self.evaluated_now += 1

        if todo:
            run_tasks(
                todo,
                on_result,
                workers=self.workers,
                scheduler=self.scheduler,
                where=str(self.dir),
                pool=self.pool,
            )
        return self.records

    def __call__(self, cands: list[Candidate]) -> list[Score]:
        tasks = [self.task(c) for c in cands]
        recs = self.run([t for t in tasks if isinstance(t, RunTask)])
        out = []
        for t in tasks:
            if isinstance(t, str):
                out.append(Score(None, {}, tuple(1e12 for _ in self.spec.constraints), note=t))
            else:
                out.append(
                    score(
                        recs[t.run_id]["kpis"], self.spec.objectives, self.spec.constraints, self.horizon_end
                    )
                )
        return out


def best_of(spec: OptSpec, history: list[Evaluated]) -> tuple[list[Evaluated], bool]:
    """(the best feasible plan, or the feasible Pareto front; True) or (the least-violating plan; False)."""
    scored = [e for e in history if e.score.objectives is not None]
    feasible = [e for e in scored if e.score.feasible]
    dirs = [o.direction for o in spec.objectives]
    if not feasible:
        if not scored:
            return [], False
        # equal violations are broken by the (first) objective: every candidate of a Tuyên Quang search missed its
        # constraint by the same P90, and the first evaluated (145 bn VND) was named over one at 44.7 bn
        sign = 1.0 if dirs[0] == "minimize" else -1.0
        return [
            min(
                scored,
                key=lambda e: (e.score.total_violation, sign * e.score.objectives[0], e.candidate.number),  # type: ignore[index]
            )
        ], False
    if len(dirs) == 1:
        sign = 1.0 if dirs[0] == "minimize" else -1.0
        return [min(feasible, key=lambda e: (sign * e.score.objectives[0], e.candidate.number))], True  # type: ignore[index]
    front = pareto_front([e.score.objectives for e in feasible], dirs)  # type: ignore[misc]
    members = [feasible[i] for i in front]
    sign0 = 1.0 if dirs[0] == "minimize" else -1.0
    members.sort(key=lambda e: (sign0 * e.score.objectives[0], e.candidate.number))  # type: ignore[index]
    return members, True


def run_optimise(
    path: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    max_evals: int | None = None,
    progress: Progress | None = None,
    yes: bool = False,
    check: bool = True,
    warn: Callable[[str], None] | None = None,
) -> OptimiseResult:
    """Run (or resume) an optimisation and write its files; returns the history and the best plan(s).

    `workers`: local pool size (default: CPU count; 0 = in this process); `scheduler`: a Dask address.
    `yes`: start a job above CONFIRM_REPLICATIONS replications (refused otherwise, with its estimate).
    `check=False` skips the out-of-sample validation and the comparison with the base. `warn(message)`: a lever
    whose range looks like a unit slip (`spec.unit_cautions`; default: :func:`warnings.warn`), said before the search.
    """
    say = progress or (lambda _m: None)
    tell = warn or (lambda m: warnings.warn(m, stacklevel=3))
    spec = load_optimise(path, max_evals=max_evals)
    n, estimate = plan_size(spec)
    local_workers = (os.cpu_count() or 1) if workers is None else max(1, workers)
    if scheduler is None:
        check_pool_memory(local_workers, yes=yes)
    # on a cluster (scheduler) its size is not known here: the time is not judged, the replications are
    too_long = scheduler is None and plan_seconds(spec) / local_workers > BUDGET_SECONDS
    if not yes and (n > CONFIRM_REPLICATIONS or too_long):
        raise DxsimInputError(
            (
                _("{estimate}: longer than the {budget} a job starts without confirmation").format(
                    estimate=estimate, budget=F.duration(BUDGET_SECONDS)
                )
                if n <= CONFIRM_REPLICATIONS
                else _("{estimate}; more than {limit} replications needs confirmation").format(
                    estimate=estimate, limit=F.number(CONFIRM_REPLICATIONS, 0)
                )
            ),
            # where the number came from: --max-evals overrides the file's (the refusal named the file's key
            # beside the option's 1,300 where the file said 12; search audit)
            file=None if max_evals is not None else spec.file,
            field="--max-evals" if max_evals is not None else "max_evals",
            value=spec.max_evals,
            allowed=_("add --yes to start it anyway, or lower max_evals / reps"),
        )
    out = claim_output_dir(
        Path(out_dir) if out_dir is not None else default_out_dir(spec), kind="optimise", files=FILES
    )
    evals_dir = out / "evals"
    evals_dir.mkdir(parents=True, exist_ok=True)
    say(
        _(
            "optimising {name}: {levers} levers, {objectives} objective(s), {constraints} constraint(s), "
            "{sampler}; {estimate}"
        ).format(
            name=spec.name,
            levers=len(spec.parameters),
            objectives=len(spec.objectives),
            constraints=len(spec.constraints),
            sampler=spec.sampler_name.upper(),
            estimate=estimate,
        )
    )
    for caution in unit_cautions(spec):  # before the search, so a planner can stop it and fix the range
        tell(caution)
    t0 = time.perf_counter()
    n_workers = (
        None if scheduler is not None else ((os.cpu_count() or 1) if workers is None else max(0, workers))
    )
    pool = LocalPool(n_workers) if scheduler is None and n_workers else None
    ev = _Evaluator(spec, evals_dir, workers, scheduler, pool, say)

    def on_batch(done: list[Evaluated], total: int) -> None:
        feas = sum(e.score.feasible for e in done)
        say(
            _("candidates {total}/{max} evaluated ({feasible} of the last {batch} feasible)").format(
                total=total, max=spec.max_evals, feasible=feas, batch=len(done)
            )
        )

    try:
        history = search(problem_of(spec), ev, on_batch=on_batch)
        best, found = best_of(spec, history)
        local_moves: list[str] | None = None
        if found and len(spec.objectives) == 1 and spec.local_rounds > 0:
            local_moves = []

            def on_step(step: int, move: Move, value: float) -> None:
                local_moves.append(move.text)
                say(
                    _("local step {step}: {move}, {label} {value}").format(
                        step=step,
                        move=move.text,
                        label=spec.objectives[0].of.label,
                        value=stat_text(value, spec.objectives[0].of.label),
                    )
                )

            say(_("local search from the best plan: each lever one step while a step is better and feasible"))
            polished, steps = polish(spec, best[0], history, ev, on_step)
            history, best = history + steps, [polished]
        elif not found and history:
            say(
                _(
                    "no candidate met every constraint: the local search, the out-of-sample check, the probes and "
                    "the comparison with the base start only from one that does, so none runs"
                )
            )
        # the search's and the local search's plans (history.csv's rows); the checks after them are counted apart
        searched_now, reused = ev.evaluated_now, ev.reused
        files = write_outputs(
            spec,
            out,
            history,
            best,
            found,
            ev,
            check=check,
            say=say,
            elapsed_s=time.perf_counter() - t0,
            local_moves=local_moves,
        )
    except SweepInterrupted:
        # every record in the folder, an earlier attempt's too: it said 11 of the 22 the folder held (optimise trial)
        raise OptimiseInterrupted(sum(1 for _ in evals_dir.glob("*.json")), str(evals_dir)) from None
    finally:
        if pool is not None:
            pool.close()
    return OptimiseResult(spec, history, best, found, out, searched_now, reused, files, ev.repeated)
