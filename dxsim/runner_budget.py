"""Estimate what a run will cost before it starts, so a costly job is stated, not discovered.

`dxsim run --reps 100000` used to start without a word and need about 17 h and 150 GB; a run to
2055 took 174 s and 15.9 GB for one replication. :func:`estimate` turns the replications, the
horizon (month ends) and the AI demand the scenario implies into wall seconds and peak memory, and
:func:`refuse_over_budget` refuses a job beyond :data:`BUDGET_SECONDS` or :data:`BUDGET_BYTES`
unless the user confirmed it (`--yes`).

Coefficients (bench host: 2 cores, AMD EPYC, 23.5 GB; bench/RESULTS.md unless said otherwise):

* one baseline replication to 2030 (63 month ends): 0.489 s (RESULTS.md section 1), so
  :data:`SECONDS_PER_REPLICATION_MONTH` = 0.489 / 63;
* loading the geodata, imports and `prepare_world`: 2.4 + 0.1 + 3.6 s (section 1), about
  :data:`SECONDS_PER_WORLD` per distinct scenario;
* peak RSS of a process that loads, prepares and runs one replication: 585 MB (section 1), so
  :data:`WORLD_BYTES` = 0.6 GB;
* what a replication leaves in memory in `run_scenario`: its national metrics rows only (the KPIs are
  computed from them; the whole table goes to disk as the replication finishes, dxsim.results.spool):
  6,622 rows, 0.276 MB to 2030 (polars `estimated_size`), so
  :data:`METRICS_BYTES_PER_REPLICATION_MONTH` = 0.276 MB / 63; compare keeps only the KPIs of a
  replication (64 named floats, 7.8 kB by `sys.getsizeof` for the baseline;
  :data:`KPI_BYTES_PER_REPLICATION` = 10 kB);
* AI jobs (what grows with the horizon: arrivals compound at `growth_pct_per_year` and, once the
  GPUs are saturated, every later job waits in the FIFO queue until the end): a replication to
  2045-12-31 draws 2.1 million jobs (11,300 to 2030), takes 7-12 s instead of 0.5-1 s and holds
  ~150 B per job (measured for this module: peak RSS 1.24 GB with two replications alive at once,
  0.59 GB after `prepare_world`), so
  :data:`SECONDS_PER_AI_JOB` = 4 us and :data:`BYTES_PER_AI_JOB` = 160 B. `run_scenario` keeps
  replication 0 alive while the next one runs: two replications' jobs at the peak.

The estimate is deliberately simple (linear in each term); it is meant to be right within a factor
of about two, which is enough to tell a 10-minute job from a 17-hour one.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dxsim.errors import DxsimInputError
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.scenario import load_scenario
from dxsim.scenario.schema import Scenario

BUDGET_SECONDS = 3600.0
"""Longest job started without `--yes`: one hour, a run a planner waits for, not an overnight job."""

BUDGET_BYTES = 16e9
"""Largest peak memory started without `--yes`: 16 GB, within the 23.5 GB bench host with room left
for the other processes; beyond it the machine swaps or the run dies late."""

SECONDS_PER_REPLICATION_MONTH = 0.489 / 63
SECONDS_PER_WORLD = 6.1
WORLD_BYTES = 0.6e9
METRICS_BYTES_PER_REPLICATION_MONTH = 0.276e6 / 63
KPI_BYTES_PER_REPLICATION = 10e3
SECONDS_PER_AI_JOB = 4e-6
BYTES_PER_AI_JOB = 160.0
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Estimate:
    """Estimated wall time and peak memory of one command (all its scenarios and replications)."""

    seconds: float
    peak_bytes: float
    replications: int  # in total, over all scenarios
    month_ends: int  # the longest horizon's
    ai_jobs_per_replication: float  # the largest scenario's

    @property
    def over_budget(self) -> bool:
        return self.seconds > BUDGET_SECONDS or self.peak_bytes > BUDGET_BYTES


def month_ends(scenario: Scenario) -> int:
    """Month ends from the start date to the end date (the metrics rows of one area and metric)."""
    h = scenario.horizon
    return (h.end_date.year - h.start_date.year) * 12 + h.end_date.month - h.start_date.month + 1


def expected_ai_jobs(scenario: Scenario) -> float:
    """Expected AI jobs of one replication: arrivals over the horizon plus the warm-start jobs.

    Each class arrives at rate x (1 + growth)^(t / 365.25) jobs a day (dxsim.sim.compute.demand), so
    the expected count is rate x integral of that over the horizon; the warm start adds
    rate x mean run time per class (M/G/inf).
    """
    compute = scenario.compute
    demand = compute.demand
    if not compute.enabled or not demand.enabled:
        return 0.0
    h = scenario.horizon
    days = float((h.end_date - h.start_date).days)
    g = demand.growth_pct_per_year / 100.0
    if abs(g) < 1e-12:
        integral_days = days
    else:
        integral_days = DAYS_PER_YEAR * ((1.0 + g) ** (days / DAYS_PER_YEAR) - 1.0) / math.log1p(g)
    classes = [jc for _, jc in demand.classes.items()]
    jobs = sum(jc.arrivals_per_day_at_start for jc in classes) * integral_days
    if demand.warm_start:
        jobs += sum(jc.arrivals_per_day_at_start * jc.mean_duration_days() for jc in classes)
    return jobs


def estimate(
    scenarios: Sequence[Scenario],
    reps: Sequence[int],
    *,
    keeps_metrics: bool = True,
    replications_alive: int = 2,
    worlds_alive: int = 1,
    pool_workers: int = 0,
) -> Estimate:
    """Seconds and peak bytes of running `reps[i]` replications of each `scenarios[i]` one after another.

    `keeps_metrics`: every replication's national metrics stay in memory (dxsim run); False: only its KPIs (compare).
    `replications_alive`: replications whose AI job queues are in memory at once (run keeps replication 0).
    `worlds_alive`: prepared worlds held at once (compare caches two). Kept results of all scenarios are
    summed (an upper bound: run frees a scenario's metrics once the next one has finished). `pool_workers`: worker
    processes, each holding a prepared world and a replication (`--workers 1000` started up to 1,000 of them
    without a word).
    """
    seconds = 0.0
    kept = 0.0
    jobs_peak = 0.0
    longest = 0
    most_jobs = 0.0
    for sc, n in zip(scenarios, reps, strict=True):
        months = month_ends(sc)
        jobs = expected_ai_jobs(sc)
        seconds += SECONDS_PER_WORLD + n * (
            months * SECONDS_PER_REPLICATION_MONTH + jobs * SECONDS_PER_AI_JOB
        )
        kept += n * (
            months * METRICS_BYTES_PER_REPLICATION_MONTH if keeps_metrics else KPI_BYTES_PER_REPLICATION
        )
        jobs_peak = max(jobs_peak, min(n, replications_alive) * jobs * BYTES_PER_AI_JOB)
        longest = max(longest, months)
        most_jobs = max(most_jobs, jobs)
    workers_bytes = max(0, int(pool_workers)) * (WORLD_BYTES + jobs_peak / max(replications_alive, 1))
    peak = min(worlds_alive, len(scenarios)) * WORLD_BYTES + kept + jobs_peak + workers_bytes
    return Estimate(seconds, peak, int(sum(reps)), longest, most_jobs)


def check_run(
    paths: Sequence[str | os.PathLike[str]],
    reps: int | None,
    *,
    yes: bool,
    pool_workers: Callable[[int], int] = lambda _n: 0,
) -> Estimate:
    """`dxsim run`: estimate all the scenario files (reps = `--reps` or each file's `replications`); refuse over budget.
    `pool_workers(n)`: the worker processes a scenario of n replications starts (`dxsim.workers.pool_size`)."""
    scenarios = [load_scenario(p) for p in paths]
    n = [reps if reps is not None else sc.replications for sc in scenarios]
    est = estimate(scenarios, n, keeps_metrics=True, replications_alive=2, pool_workers=pool_workers(max(n)))
    if reps is not None:
        refuse_over_budget(est, yes=yes, option="--reps", value=reps)
    else:  # the replications come from the file(s): point at the largest
        i = max(range(len(n)), key=n.__getitem__)
        refuse_over_budget(est, yes=yes, file=str(paths[i]), option="replications", value=n[i])
    return est


def check_pool_memory(workers: int, *, yes: bool) -> None:
    """Refuse a local pool whose workers' prepared worlds alone (:data:`WORLD_BYTES` each) exceed
    :data:`BUDGET_BYTES`, unless `yes`. Why: `dxsim run --workers 40` was refused at 24 GB while `dxsim sweep` and
    `dxsim optimise` started as many workers without a word (analyst trial, 2026-12-07)."""
    peak = max(0, int(workers)) * WORLD_BYTES
    if yes or peak <= BUDGET_BYTES:
        return
    raise DxsimInputError(
        _(
            "{n} worker processes hold about {size} of prepared worlds ({each} each), over the budget of {budget}"
        ).format(n=F.number(workers), size=_size(peak), each=_size(WORLD_BYTES), budget=_size(BUDGET_BYTES)),
        field="--workers",
        value=workers,
        allowed=_("at most {n} workers, or --yes to start them anyway").format(
            n=F.number(int(BUDGET_BYTES // WORLD_BYTES))
        ),
    )


def _size(n_bytes: float) -> str:
    return F.plain(n_bytes / 1e9, 1) + " GB" if n_bytes >= 1e9 else F.plain(n_bytes / 1e6, 0) + " MB"


def describe(est: Estimate) -> str:
    """'about 17 h and 171 GB for 100,000 replication(s) of 63 month ends'."""
    parts = {
        "duration": F.duration(est.seconds),
        "size": _size(est.peak_bytes),
        "n": F.number(est.replications, 0),
        "months": est.month_ends,
    }
    if est.ai_jobs_per_replication >= 1e5:
        return _(
            "about {duration} and {size} for {n} replication(s) of {months} month ends with ~{jobs} AI jobs "
            "each"
        ).format(jobs=F.number(est.ai_jobs_per_replication, 0), **parts)
    return _("about {duration} and {size} for {n} replication(s) of {months} month ends").format(**parts)


def refuse_over_budget(
    est: Estimate,
    *,
    yes: bool,
    file: str | None = None,
    option: str = "--reps",
    value: object = None,
    switches: tuple[str, str] = ("--yes", "--workers"),
) -> None:
    """Raise a one-line DxsimInputError when the estimate is beyond the budget and `yes` is False. `switches`: how
    the caller names "run anyway" and the worker count (the Python API's are `yes=True` and `workers`; it said
    "add --yes", which it has no such thing as)."""
    if yes or not est.over_budget:
        return
    yes_name, workers_name = switches
    raise DxsimInputError(
        _(
            "estimated {estimate}, over the budget of {budget_time} and {budget_size}; add {yes} to run it anyway"
        ).format(
            estimate=describe(est),
            budget_time=F.duration(BUDGET_SECONDS),
            budget_size=_size(BUDGET_BYTES),
            yes=yes_name,
        ),
        file=file,
        field=option,
        value=value,
        allowed=_("fewer replications, fewer {workers} or a shorter horizon, or {yes}").format(
            workers=workers_name, yes=yes_name
        ),
    )
