"""Run many scenario variants fast: world reuse, per-replication KPIs, local pool or Dask, resume.

The unit of work is a :class:`RunTask`: one fully validated scenario (as JSON), the seed and the
number of replications. A worker process

- loads the geodata (`Country`) once,
- gets the prepared world (:func:`dxsim.sim.world_store.load_or_prepare_world`: from the on-disk
  store in ~0.3 s, else built in ~5 s and stored) once per distinct *world key* and keeps the last
  two in memory (LRU),
- then only runs `run_replication` for each task.

The world key (:func:`dxsim.sim.world_store.world_key`) is the scenario without the sections that
only steer the simulation (:data:`dxsim.sim.world_store.SIM_ONLY`), plus the contents of the files
it names. A task whose key is cached reuses the world with its own scenario swapped in
(:func:`dxsim.sim.world_store.with_scenario`); a world-shaping change (radio, sites, start_state,
costs, horizon, seed, villages.layer/options/campaigns, compute.datacentres (not its public money),
capacity, the operators'
start and subscriber shares) prepares anew.

Executors (`run_tasks`):

- ``workers=0``: in this process (debugging, tests);
- ``workers=N`` (default: the CPU count): a local ``concurrent.futures.ProcessPoolExecutor``
  (spawn start method; workers run with one polars/BLAS thread each);
- ``scheduler="tcp://host:8786"`` (or a ``dask.distributed.Client``): the same tasks on a Dask
  cluster (optional extra ``dxsim[cluster]``; dask is imported only then). Workers must be able
  to import dxsim, see the same ``DXSIM_RAW_DATA`` and any file a scenario names (shared disk).
  Start them with one thread each (``--nthreads 1``) and ``POLARS_MAX_THREADS=1``, and drop
  ``MALLOC_TRIM_THRESHOLD_`` from dask's ``distributed.nanny.pre-spawn-environ`` (its 65536 default
  slowed a replication by ~20% here). Measured on one 2-core host (bench/RESULTS.md section 5), a
  Dask worker still runs the same task ~1.2x slower than a pool worker and 2 workers give 1.66x in
  steady state (pool: 1.82x): on one machine prefer the pool; Dask is for more machines.

Results come back to the calling process, which writes each finished run as its own small JSON
file, atomically (temp file + rename), before reporting it; an interrupt therefore keeps every
finished run and a re-run skips them (see :mod:`dxsim.sweep`).

No pool worker outlives the calling process, even when it is killed (SIGKILL, OOM killer): on
Linux each worker asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
:func:`_init_worker`), and exits at once if the parent is already gone. multiprocessing's resource
tracker then sees its pipe close (the workers held the last copies) and exits too. Without this a
killed ``dxsim sweep --workers 2`` left both workers (~440 MB each) and the tracker running.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import math
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from dxsim.results.spool import MetricsSpool
from dxsim.scenario.schema import Scenario
from dxsim.sim.finance_envelope import apply_envelope
from dxsim.sim.model import run_replication
from dxsim.sim.world_store import load_or_prepare_world, with_scenario, world_key

WORLD_CACHE_SIZE = 2
DASK_CONNECT_TIMEOUT = "10s"
_THREAD_ENV = ("POLARS_MAX_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class SweepInterrupted(KeyboardInterrupt):
    """An interrupted batch of runs: the finished ones are kept (``done`` of ``total``)."""

    def __init__(self, done: int, total: int, where: str | None = None) -> None:
        self.done, self.total, self.where = done, total, where
        super().__init__(f"interrupted after {done} of {total} runs" + (f"; finished runs kept in {where}" if where else ""))


# --------------------------------------------------------------------------- scenarios and worlds


def effective_scenario(scenario: Any, seed: int | None = None) -> Any:
    """The scenario as simulated: budget envelope folded in, and the common seed set."""
    sc = apply_envelope(scenario)
    if seed is not None and sc.seed != int(seed):
        sc = sc.model_copy(update={"seed": int(seed)})
    return sc


_COUNTRY: Any = None


def country() -> Any:
    """The geodata, loaded once per process."""
    global _COUNTRY
    if _COUNTRY is None:
        from dxsim.geo import load_country

        _COUNTRY = load_country()
    return _COUNTRY


class WorldCache:
    """Prepared worlds by world key (LRU); a hit swaps the task's scenario into the cached world."""

    def __init__(self, maxsize: int = WORLD_CACHE_SIZE) -> None:
        self.maxsize = max(1, int(maxsize))
        self._worlds: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, scenario: Any, scenario_dir: str | os.PathLike[str] | None,
            progress: Callable[[str], None] | None = None) -> tuple[Any, bool, float]:
        """(world for `scenario`, cache hit?, seconds spent preparing)."""
        key = world_key(scenario, scenario_dir)
        if key in self._worlds:
            self._worlds.move_to_end(key)
            self.hits += 1
            return with_scenario(self._worlds[key], scenario), True, 0.0
        self.misses += 1
        t0 = time.perf_counter()
        while len(self._worlds) >= self.maxsize:  # free the memory before building the next world
            self._worlds.popitem(last=False)
        world = load_or_prepare_world(scenario, country(), scenario_dir, progress=progress)
        self._worlds[key] = world
        return world, False, time.perf_counter() - t0

    def clear(self) -> None:
        self._worlds.clear()


_WORLDS = WorldCache()


def process_world_cache() -> WorldCache:
    """This process's world cache (shared by compare and in-process sweeps)."""
    return _WORLDS


# --------------------------------------------------------------------------- KPIs


def year_end_tags(start: dt.date, end: dt.date) -> list[str]:
    """KPI suffixes of the reporting year ends (December month ends, plus the end date if not December)."""
    from dxsim.sim.calendar import month_ends

    dates = month_ends(start, end)
    ends = [d for d in dates if d.month == 12] + ([dates[-1]] if dates and dates[-1].month != 12 else [])
    return [f"{d.year}_{d.month:02d}" for d in ends]


CORE_KPIS = (
    "pop_covered_4g_pct", "year_5g_pop_90pct", "year_5g_pop_99pct", "subsidy_paid_total_vnd_bn", "capex_total_vnd_bn",
    "capex_per_added_person_covered_vnd_m", "new_sites_share_of_added_pct", "pop_covered_5g_added_persons",
    "capex_all_programmes_total_vnd_bn", "support_accrued_unpaid_vnd_bn", "public_cost_total_vnd_bn",
)
SERVED_KPIS = (  # served, not only covered (dxsim.sim.capacity)
    "pop_5g_served_pct_end", "pop_5g_capacity_short_pct_end", "pop_mbb_served_pct_end",
    "pop_mbb_capacity_short_pct_end", "user_throughput_mbps_p50_end", "pop_5g_served_added_persons",
    "capex_per_added_person_served_5g_vnd_m", "year_5g_served_90pct", "year_5g_served_99pct",
)
VILLAGE_KPIS = (
    "villages_unconnected_start", "villages_connected_end", "villages_unconnected_end", "village_pop_connected_end",
    "village_capex_total_vnd_bn", "village_cost_per_person_connected_vnd_m", "year_all_villages_connected",
    "year_last_village_connected", "villages_no_feasible_option", "village_capex_per_village_connected_vnd_bn",
    "villages_capacity_short_end",
)
COMPUTE_KPIS = (
    "dc_it_capacity_mw_start", "dc_it_capacity_mw_end", "dc_facility_power_mw_end", "racks_end", "gpus_installed_start",
    "gpus_installed_end", "gpus_stranded_end", "gpu_pflops_bf16_end", "year_dc_1gw", "year_dc_1_4gw_singapore",
    "year_gpt4_scale_run_fits", "year_gpus_15x_start", "compute_capex_total_vnd_bn", "gpu_pflops_bf16_added",
    "compute_capex_per_added_pflops_vnd_bn",
)


def kpi_names(scenario: Any) -> list[str]:
    """Every KPI :func:`replication_kpis` reports for this scenario: summary.json's names plus a few more.

    Per year end T (e.g. 2027_12): stations_5g_T, pop_covered_5g_pct_T, capex_cum_vnd_bn_T and, with the
    compute model, dc_it_capacity_mw_T, gpus_installed_T (high-performance GPUs powered).
    """
    from dxsim.scenario.schema import OPERATORS

    h = scenario.horizon
    names: list[str] = []
    for tag in year_end_tags(h.start_date, h.end_date):
        names += [f"stations_5g_{tag}", f"pop_covered_5g_pct_{tag}", f"capex_cum_vnd_bn_{tag}"]
        if scenario.capacity.enabled:
            names += [f"pop_5g_served_pct_{tag}", f"pop_mbb_served_pct_{tag}"]
        if scenario.compute.enabled:
            names += [f"dc_it_capacity_mw_{tag}", f"gpus_installed_{tag}"]
    names += list(CORE_KPIS)
    if scenario.capacity.enabled:
        names += list(SERVED_KPIS)
    for name in OPERATORS:  # each operator's own network at the end, and its surge stations (metrics for all three)
        names += [f"pop_covered_5g_pct_{name}_end", f"surge_stations_{name}_total"]
    if scenario.villages.enabled:
        names += list(VILLAGE_KPIS)
    if scenario.compute.enabled:
        names += list(COMPUTE_KPIS)
    return names


def _ratio(num: float, den: float) -> float:
    return num / den if (math.isfinite(num) and math.isfinite(den) and den > 0) else math.nan


def state_dc_investment_vnd_bn(scenario: Any) -> float:
    """Public data-centre money committed within the horizon: each listed year from 1 January on.

    The model starts a state project with the whole year's `public_investment_vnd_bn` on 1 January
    of each listed year inside the horizon (:mod:`dxsim.sim.compute.datacentres`), so the money is
    committed then, whether or not the project is commissioned before the end.
    """
    if not scenario.compute.enabled:
        return 0.0
    h = scenario.horizon
    return float(sum(v for y, v in scenario.compute.datacentres.public_investment_vnd_bn.items()
                     if y >= h.start_date.year and dt.date(y, 1, 1) <= h.end_date and v > 0))


def public_cost_vnd_bn(scenario: Any, kpis: dict[str, float]) -> float:
    """Public money of a replication (VND bn): 5G support paid or earned, village capex, state DC investment.

    = subsidy_paid_total_vnd_bn + support_accrued_unpaid_vnd_bn (support earned within the horizon
    whose window closes after it) + village_capex_total_vnd_bn (the village programme is public)
    + :func:`state_dc_investment_vnd_bn`. Operators' own capex is not public money.
    """
    parts = [kpis.get("subsidy_paid_total_vnd_bn", 0.0), kpis.get("support_accrued_unpaid_vnd_bn", 0.0),
             kpis.get("village_capex_total_vnd_bn", 0.0) if scenario.villages.enabled else 0.0,
             state_dc_investment_vnd_bn(scenario)]
    return float(sum(x for x in parts if math.isfinite(x)))


def replication_kpis(world: Any, res: Any, replication: int) -> dict[str, float]:
    """Flat KPI dict of one replication (the summary.json definitions; NaN = not reached / not defined).

    Added to summary.json's: `pop_covered_5g_added_persons` (people covered by 5G at the end minus the
    start), `gpu_pflops_bf16_added`, year-end `dc_it_capacity_mw_T` / `gpus_installed_T`,
    `capex_all_programmes_total_vnd_bn` (5G + village + compute capex), and cost-effectiveness:
    `village_capex_per_village_connected_vnd_bn`, `compute_capex_per_added_pflops_vnd_bn`.
    """
    import polars as pl

    from dxsim.results.summary import compute_kpis, per_replication_kpis, village_kpis
    from dxsim.results.villages import last_village_kpi

    nat = res.metrics.filter(pl.col("area") == "VN")
    per = per_replication_kpis(nat)
    per.update(village_kpis(nat))
    per.update(compute_kpis(nat))
    h = world.scenario.horizon
    if world.villages is not None and res.village_connected_day is not None:
        feasible = world.villages.inputs.feasible
        per["year_last_village_connected"] = last_village_kpi(
            feasible, {replication: res.village_connected_day}, h.start_date, float((h.end_date - h.start_date).days))
        per["villages_no_feasible_option"] = {replication: float((~feasible).sum())}
    out = {k: float(v.get(replication, math.nan)) if v.get(replication) is not None else math.nan
           for k, v in per.items()}

    values = nat.select("date", "metric", "value")
    dates = sorted(values["date"].unique().to_list())
    first, last = dates[0], dates[-1]
    lookup = {(d, m): v for d, m, v in values.iter_rows()}

    def at(metric: str, d: dt.date) -> float:
        v = lookup.get((d, metric))
        return float(v) if v is not None else math.nan

    out["pop_covered_5g_added_persons"] = at("pop_covered_5g", last) - at("pop_covered_5g", first)
    capex_5g = out.get("capex_total_vnd_bn", math.nan)
    capex_v = out.get("village_capex_total_vnd_bn", math.nan)
    capex_c = out.get("compute_capex_total_vnd_bn", math.nan)
    out["capex_all_programmes_total_vnd_bn"] = sum(x for x in (capex_5g, capex_v, capex_c) if math.isfinite(x))
    out["public_cost_total_vnd_bn"] = public_cost_vnd_bn(world.scenario, out)
    if world.villages is not None:
        out["village_capex_per_village_connected_vnd_bn"] = _ratio(capex_v, out.get("villages_connected_end", math.nan))
    if world.compute is not None:
        added = at("gpu_pflops_bf16", last) - at("gpu_pflops_bf16", first)
        out["gpu_pflops_bf16_added"] = added
        out["compute_capex_per_added_pflops_vnd_bn"] = _ratio(capex_c, added)
        ends = [d for d in dates if d.month == 12] + ([last] if last.month != 12 else [])
        for d in ends:
            tag = f"{d.year}_{d.month:02d}"
            out[f"dc_it_capacity_mw_{tag}"] = at("dc_it_capacity_mw", d)
            out[f"gpus_installed_{tag}"] = at("gpus_installed_high_performance", d)
    return out


def run_scenario_kpis(scenario: Any, scenario_dir: str | os.PathLike[str] | None, seed: int, reps: int | Sequence[int],
                      cache: WorldCache | None = None,
                      on_replication: Callable[[int], None] | None = None,
                      on_metrics: Callable[[int, Any], None] | None = None) -> tuple[dict[int, dict[str, float]], dict]:
    """KPIs of replications `range(reps)` (or the given indices) of one scenario, with the common `seed`.

    `on_metrics(replication, metrics)` sees each replication's metrics table before it is dropped
    (compare keeps the few rows it needs from it).

    Returns ({replication: {kpi: value}}, timing {prepare_s, replications_s, world_cached}).
    """
    cache = cache or _WORLDS
    sc = effective_scenario(scenario, seed)
    world, hit, prep_s = cache.get(sc, scenario_dir)
    indices = range(int(reps)) if isinstance(reps, int) else list(reps)
    out: dict[int, dict[str, float]] = {}
    t0 = time.perf_counter()
    for rep in indices:
        res = run_replication(world, int(rep), seed=int(seed))
        out[int(rep)] = replication_kpis(world, res, int(rep))
        if on_metrics:
            on_metrics(int(rep), res.metrics)
        del res
        if on_replication:
            on_replication(int(rep))
    return out, {"prepare_s": prep_s, "replications_s": time.perf_counter() - t0, "world_cached": hit}


# --------------------------------------------------------------------------- tasks


@dataclasses.dataclass(frozen=True)
class RunTask:
    """One run of a sweep: a validated scenario (JSON), its folder, the seed and replications."""

    run_id: str
    run: int
    params: dict[str, float]
    scenario: dict[str, Any]
    scenario_dir: str | None
    seed: int
    reps: int
    world_key: str = ""  # runs with the same key share a prepared world (scheduling hint only)


def _json_safe(x: float) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def execute_task(task: RunTask) -> dict[str, Any]:
    """Run one task in this process (the worker entry point); returns the JSON-ready run record."""
    t_start = time.time()
    c0 = time.perf_counter()
    cpu0 = time.process_time()
    sc = Scenario.model_validate(task.scenario)
    kpis, timing = run_scenario_kpis(sc, task.scenario_dir, task.seed, task.reps)
    return {
        "run_id": task.run_id,
        "run": task.run,
        "params": dict(task.params),
        "seed": task.seed,
        "reps": task.reps,
        "kpis": {str(r): {k: _json_safe(v) for k, v in d.items()} for r, d in kpis.items()},
        "timing": {**timing, "task_s": time.perf_counter() - c0, "cpu_s": time.process_time() - cpu0, "t_start": t_start, "t_end": time.time(),
                   "worker": f"{socket.gethostname()}:{os.getpid()}"},
    }


@dataclasses.dataclass(frozen=True)
class ReplicationTask:
    """Replications of one scenario for `dxsim run --reps N`: their metrics go to the run's spool folder."""

    run_id: str
    scenario: dict[str, Any]  # the scenario as `dxsim run` prepares its world (model_dump(mode="json"))
    scenario_dir: str | None
    seed: int
    replications: tuple[int, ...]
    spool_dir: str | None  # None: return each metrics table in the record (a Dask worker may not see the disk)


def execute_replications(task: ReplicationTask) -> dict[str, Any]:
    """Worker entry point for a run's replications: each metrics table to the spool, the rest back to the caller.

    Returned per replication: its national metrics rows (the KPIs are computed from them), the
    villages' connection days and the operators' support decisions; the same values a serial run
    keeps, so a pooled run writes the same files.
    """
    c0 = time.perf_counter()
    sc = Scenario.model_validate(task.scenario)
    world, hit, prep_s = _WORLDS.get(sc, task.scenario_dir)
    spool = MetricsSpool(Path(task.spool_dir)) if task.spool_dir is not None else None
    out = []
    for rep in task.replications:
        res = run_replication(world, rep, seed=task.seed)
        r = {"replication": rep, "national": res.metrics.filter(pl.col("area") == "VN"),
             "village_connected_day": res.village_connected_day, "decisions": res.support_decisions or []}
        if spool is not None:
            spool.write(rep, res.metrics)
        else:
            r["metrics"] = res.metrics
        out.append(r)
    return {"run_id": task.run_id, "results": out,
            "timing": {"prepare_s": prep_s, "world_cached": hit, "task_s": time.perf_counter() - c0}}


@dataclasses.dataclass(frozen=True)
class KpiTask:
    """Replications of one scenario for `dxsim compare`: their KPIs and held-back rows come back."""

    run_id: str
    scenario: dict[str, Any]
    scenario_dir: str | None
    seed: int
    replications: tuple[int, ...]


def execute_kpis(task: KpiTask) -> dict[str, Any]:
    """Worker entry point for compare: per replication its KPIs and its national held-back rows."""
    from dxsim.results.bottlenecks import bottleneck_rows

    c0 = time.perf_counter()
    held: dict[int, Any] = {}
    kpis, timing = run_scenario_kpis(Scenario.model_validate(task.scenario), task.scenario_dir, task.seed,
                                     task.replications, on_metrics=lambda rep, m: held.__setitem__(rep, bottleneck_rows(m)))
    return {"run_id": task.run_id, "kpis": kpis, "held": held,
            "timing": {**timing, "task_s": time.perf_counter() - c0}}


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PR_GET_PDEATHSIG = 2


def die_with_parent(parent_pid: int | None) -> bool:
    """Linux: have the kernel SIGKILL this process when its parent dies; True if that is set up.

    The signal is tied to the thread that started the process (the pool starts its workers from
    the calling thread). If the parent died before this call, it would never come: then exit now.
    Elsewhere (macOS, Windows) this does nothing and returns False.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)  # orphaned already: the parent cannot take our results
    return ok


def parent_death_signal() -> int | None:
    """The signal this process gets when its parent dies (0: none; None: not Linux). For checks."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    value = ctypes.c_int(0)
    ctypes.CDLL(None, use_errno=True).prctl(PR_GET_PDEATHSIG, ctypes.byref(value), 0, 0, 0)
    return int(value.value)


def _init_worker() -> None:
    """Pool worker start-up: die with the calling process; one compute thread (the workers fill the cores)."""
    import multiprocessing as mp

    parent = mp.parent_process()
    die_with_parent(parent.pid if parent is not None else None)
    for k in _THREAD_ENV:
        os.environ.setdefault(k, "1")


@dataclasses.dataclass
class ExecStats:
    """Timing of one executed batch (wall clock in the calling process, busy time in the workers)."""

    executor: str
    workers: int
    tasks: int
    wall_s: float
    busy_s: float  # sum of the tasks' own time in the workers (prepare + replications + KPIs)
    prepare_s: float
    first_result_s: float | None

    @property
    def overhead_per_task_s(self) -> float | None:
        """(wall x workers - busy) / tasks: scheduling, transfer, process start and idle tails per task."""
        if not self.tasks:
            return None
        return (self.wall_s * max(self.workers, 1) - self.busy_s) / self.tasks

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["overhead_per_task_s"] = self.overhead_per_task_s
        return d


OnResult = Callable[[dict[str, Any]], None]
TaskFn = Callable[[Any], dict[str, Any]]


def run_tasks(tasks: Sequence[Any], on_result: OnResult, *, workers: int | None = None,
              scheduler: Any = None, where: str | None = None, fn: TaskFn | None = None,
              pool: LocalPool | None = None) -> ExecStats:
    """Execute tasks; `on_result(record)` is called in this process as each finishes (in completion order).

    `fn` is the worker entry point, a module-level function of one task that returns a record with
    ``timing.task_s`` and ``timing.prepare_s`` (default :func:`execute_task`, a sweep run;
    :func:`execute_replications` runs replications of one scenario for `dxsim run`).

    An exception raised by `on_result` (e.g. KeyboardInterrupt) or a Ctrl-C stops the batch: pending
    tasks are cancelled, pool workers are stopped, and :class:`SweepInterrupted` is raised. `pool`: an
    open :class:`LocalPool` to run on (kept open afterwards); without it a pool lives for this call.
    """
    tasks = list(tasks)
    fn = fn or execute_task
    if scheduler is not None:
        return _run_dask(tasks, on_result, scheduler, where, fn)
    n = (os.cpu_count() or 1) if workers is None else int(workers)
    if pool is not None and tasks:
        return _run_pool(tasks, on_result, pool.workers, where, fn, pool)
    if n <= 0 or not tasks:
        return _run_inprocess(tasks, on_result, where, fn)
    return _run_pool(tasks, on_result, min(n, len(tasks)), where, fn)


def _busy(records: Iterable[dict]) -> tuple[float, float]:
    busy = prep = 0.0
    for r in records:
        busy += float(r["timing"]["task_s"])
        prep += float(r["timing"]["prepare_s"])
    return busy, prep


def _run_inprocess(tasks: list[Any], on_result: OnResult, where: str | None, fn: TaskFn) -> ExecStats:
    t0 = time.perf_counter()
    first = None
    recs = []
    try:
        for task in tasks:
            rec = fn(task)
            recs.append(rec)
            first = first if first is not None else time.perf_counter() - t0
            on_result(rec)
    except KeyboardInterrupt:
        raise SweepInterrupted(len(recs), len(tasks), where) from None
    busy, prep = _busy(recs)
    return ExecStats("in-process", 1, len(recs), time.perf_counter() - t0, busy, prep, first)


class LocalPool:
    """A spawn process pool kept open across batches (an optimisation's rounds), closed by `close()`.

    Each batch of :func:`run_tasks` would otherwise spawn fresh workers, which import dxsim and load
    the prepared world again (~1.5 s a worker) for every round of a few candidates.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, int(workers))
        self._ex: Any = None

    def executor(self) -> Any:
        if self._ex is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # the workers fill the cores: one polars/BLAS thread each. Spawned children read these at
            # start-up (polars is imported before any initializer runs), so they are set around the spawning.
            saved = {k: os.environ.get(k) for k in _THREAD_ENV}
            try:
                for k in _THREAD_ENV:
                    os.environ.setdefault(k, "1")
                self._ex = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                               initializer=_init_worker)
                for _ in range(self.workers):  # start every worker now, while the variables are set
                    self._ex.submit(os.getpid)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        return self._ex

    def stop(self, futures: Iterable[Any] = ()) -> None:
        """Cancel pending work and stop the workers now (interrupt or failure)."""
        if self._ex is not None:
            _stop_pool(self._ex, futures)
            self._ex = None

    def close(self) -> None:
        if self._ex is not None:
            self._ex.shutdown(wait=True)
            self._ex = None

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.stop()


def _run_pool(tasks: list[Any], on_result: OnResult, workers: int, where: str | None, fn: TaskFn,
              pool: LocalPool | None = None) -> ExecStats:
    from concurrent.futures import FIRST_COMPLETED, wait

    t0 = time.perf_counter()
    first = None
    recs: list[dict] = []
    own = pool is None
    pool = pool or LocalPool(workers)
    workers = pool.workers
    ex = pool.executor()
    futures = {ex.submit(fn, t) for t in tasks}
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                rec = f.result()
                recs.append(rec)
                first = first if first is not None else time.perf_counter() - t0
                on_result(rec)
    except KeyboardInterrupt:
        pool.stop(futures)
        raise SweepInterrupted(len(recs), len(tasks), where) from None
    except BaseException:
        pool.stop(futures)
        raise
    if own:
        pool.close()
    busy, prep = _busy(recs)
    return ExecStats("process-pool", workers, len(recs), time.perf_counter() - t0, busy, prep, first)


def _stop_pool(ex: Any, futures: Iterable[Any]) -> None:
    """Cancel what has not started and stop the pool's own worker processes (by their pids)."""
    for f in futures:
        f.cancel()
    procs = list(getattr(ex, "_processes", {}).values())  # the executor's children, nothing else
    for p in procs:
        if p.is_alive():
            p.terminate()
    ex.shutdown(wait=True, cancel_futures=True)


def _run_dask(tasks: list[Any], on_result: OnResult, scheduler: Any, where: str | None, fn: TaskFn) -> ExecStats:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the install
        from dxsim.errors import DxsimInputError

        raise DxsimInputError(
            "running on a Dask cluster needs dask.distributed, which is not installed",
            field="--scheduler", value=str(scheduler), allowed="pip install 'dxsim[cluster]'") from None
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            from dxsim.errors import DxsimInputError

            raise DxsimInputError(f"cannot reach the Dask scheduler ({type(exc).__name__}: {exc})",
                                  field="--scheduler", value=str(scheduler),
                                  allowed="the address of a running scheduler, e.g. tcp://10.0.0.5:8786") from None
    else:
        client = scheduler
    n_workers = max(1, sum(int(w.get("nthreads", 1)) for w in client.scheduler_info().get("workers", {}).values()))
    t0 = time.perf_counter()
    first = None
    recs: list[dict] = []
    futures = [client.submit(fn, t, key=f"dxsim-run-{t.run_id}", pure=False) for t in tasks]
    try:
        for fut in as_completed(futures):
            rec = fut.result()
            fut.release()
            recs.append(rec)
            first = first if first is not None else time.perf_counter() - t0
            on_result(rec)
    except KeyboardInterrupt:
        client.cancel(futures)
        if own:
            client.close()
        raise SweepInterrupted(len(recs), len(tasks), where) from None
    except BaseException:
        client.cancel(futures)
        if own:
            client.close()
        raise
    if own:
        client.close()
    busy, prep = _busy(recs)
    return ExecStats("dask", n_workers, len(recs), time.perf_counter() - t0, busy, prep, first)
