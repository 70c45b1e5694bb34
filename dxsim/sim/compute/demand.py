"""AI demand on the national GPU pool: jobs queued first come, first served on powered GPUs.

The pool (:class:`GpuPool`) wraps a SimPy ``Container`` whose level is the number of *idle*
powered GPUs. The GPU model ``add``s GPUs when they are powered and ``retire``s them at end of
life; jobs ``get`` k GPUs, hold them for their run time and put them back.

Modelling choices (documented for planners):

* **Units.** The pool counts physical GPUs of every model (an A30 counts like a B200); the
  compute difference is reported separately by the GPU model (PFLOPS, A100-equivalents).
* **FIFO with head-of-line blocking.** SimPy serves a Container's get queue strictly in order
  and stops at the first get that cannot be met, so a large job at the head waits until enough
  GPUs are idle and holds back smaller jobs behind it (no backfilling). This is the
  `queue_discipline = "fifo"` of the scenario.
* **Retirement takes idle GPUs first.** A retirement of n GPUs removes min(n, idle) idle GPUs at
  once; the rest is a *debt* paid from the next GPUs that jobs hand back, so running jobs are
  never cut short and retirement never queues behind waiting jobs. Until the debt is paid the
  busy count may exceed the installed count (GPUs past end of life finishing their job).
* **Arrivals.** Each class is a Poisson stream whose rate is constant within a calendar month
  and equal to rate_at_start x (1 + growth)^(t / 365.25) at the middle of the month (piecewise-
  constant rates: within a month the count is Poisson and the times uniform, which is exact).
  All arrival times and run times are drawn up front from the class's own stream.
* **Too big.** A job needing more GPUs than the pool could ever hold (``GpuPool.max_gpus_ever``,
  set by the GPU model to start fleet + all orders; if unset, the GPUs installed when it
  arrives) is rejected and counted in ``jobs_rejected_too_big``.
* **Warm start.** With ``warm_start`` the jobs that would be running on the start date in steady
  state (M/G/inf: Poisson(rate x mean run time) per class, residual run times of length-biased
  durations) are submitted at time 0, so the pool is busy from day 0.
* **Busy GPU-days** are integrated exactly: the busy count is piecewise constant and the
  integral is advanced at every change (and up to ``env.now`` when read).
* **Speed.** A job is a chain of event callbacks, not a SimPy process, and takes idle GPUs
  without an event when nobody is waiting: ~2-3 events per job; a 5-year national run with the
  defaults (~11,000 jobs) costs ~0.15 s of CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from dxsim.scenario.schema_compute_gpus import AiDemand as AiDemandSection
from dxsim.scenario.schema_compute_gpus import JobClass
from dxsim.sim.calendar import Clock
from dxsim.sim.rng import stream

POOL_CAPACITY = 10**9  # Container capacity: effectively unbounded (the level is idle GPUs)


class GpuPool:
    """Powered GPUs available to AI jobs (a SimPy Container plus busy/installed accounting)."""

    def __init__(self, env: simpy.Environment, *, max_gpus_ever: int | None = None) -> None:
        self.env = env
        self.container = simpy.Container(env, capacity=POOL_CAPACITY, init=0)
        self.installed = 0  # powered GPUs in the pool (idle + busy), net of retirements
        self.busy = 0  # GPUs held by running jobs
        self.retire_debt = 0  # GPUs retired while busy: taken from the next releases
        self.max_gpus_ever = max_gpus_ever
        self._busy_acc = 0.0
        self._t_last = float(env.now)

    # ------------------------------------------------------------------ accounting
    def _advance(self) -> None:
        now = float(self.env.now)
        self._busy_acc += self.busy * (now - self._t_last)
        self._t_last = now

    @property
    def busy_gpu_days(self) -> float:
        """Integral of the busy count from the start up to now (GPU-days)."""
        return self._busy_acc + self.busy * (float(self.env.now) - self._t_last)

    @property
    def idle(self) -> int:
        return int(self.container.level)

    @property
    def capacity_limit(self) -> int:
        """The most GPUs the pool could ever hold (for rejecting jobs that can never run)."""
        return self.installed if self.max_gpus_ever is None else max(self.max_gpus_ever, self.installed)

    # ------------------------------------------------------------------ GPU model side
    def add(self, n: int) -> None:
        """n GPUs are powered and join the pool (idle)."""
        n = int(n)
        if n <= 0:
            return
        self.installed += n
        self.container.put(n)  # capacity is unbounded: succeeds at once and wakes waiting jobs

    def retire(self, n: int) -> int:
        """n GPUs leave the pool: idle ones at once, busy ones when their job ends. Returns idle taken."""
        n = int(n)
        if n <= 0:
            return 0
        n = min(n, self.installed)
        self.installed -= n
        take = min(n, int(self.container.level))
        if take:
            # Direct withdrawal: a Container.get would queue behind waiting jobs (FIFO).
            self.container._level -= take  # the pool owns its container
        self.retire_debt += n - take
        return take

    # ------------------------------------------------------------------ job side
    def request(self, k: int) -> simpy.events.Event:
        return self.container.get(k)

    def try_take(self, k: int) -> bool:
        """Take k idle GPUs at once if nobody is waiting and enough are idle (no event needed).

        Equivalent to a get that would be served immediately; with jobs waiting it fails, so FIFO
        order is kept.
        """
        c = self.container
        if not c.get_queue and c._level >= k:
            c._level -= k
            return True
        return False

    def started(self, k: int) -> None:
        """A job got its k GPUs (call when the request event has fired)."""
        self._advance()
        self.busy += k

    def release(self, k: int) -> None:
        """A job ends and hands back k GPUs (minus any retirement debt)."""
        self._advance()
        self.busy -= k
        pay = min(self.retire_debt, k)
        self.retire_debt -= pay
        if k - pay > 0:
            # Same as container.put(k - pay) (never blocks: capacity is unbounded) without creating
            # a put event: raise the level and serve the waiting gets in FIFO order at once.
            self.container._level += k - pay
            self.container._trigger_get(None)


@dataclass
class _Arrivals:
    """Pre-drawn arrivals of all classes, merged in time order."""

    day: np.ndarray  # arrival day
    cls: np.ndarray  # class index
    gpus: np.ndarray  # GPUs per job
    duration: np.ndarray  # run time (days)


def _section(scenario: object) -> AiDemandSection:
    if isinstance(scenario, AiDemandSection):
        return scenario
    compute = getattr(scenario, "compute", None)
    demand = getattr(compute, "demand", None) if compute is not None else None
    if isinstance(demand, AiDemandSection):
        return demand
    raise TypeError("AiDemand needs a Scenario with compute.demand or an AiDemand section")


def month_starts(clock: Clock) -> np.ndarray:
    """Day of every calendar-month start from day 0 to the horizon end, plus the end."""
    edges = [0.0]
    while edges[-1] < clock.horizon_days:
        edges.append(min(clock.next_month_start(edges[-1]), clock.horizon_days))
    return np.asarray(edges, dtype=np.float64)


def draw_arrivals(jc: JobClass, growth_pct_per_year: float, edges: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Arrival days and run times of one class over the month edges (piecewise-constant Poisson)."""
    if jc.arrivals_per_day_at_start <= 0 or edges.size < 2:
        return np.zeros(0), np.zeros(0)
    lo, hi = edges[:-1], edges[1:]
    mid = 0.5 * (lo + hi)
    rate = jc.arrivals_per_day_at_start * (1.0 + growth_pct_per_year / 100.0) ** (mid / 365.25)
    counts = rng.poisson(rate * (hi - lo))
    n = int(counts.sum())
    days = np.repeat(lo, counts) + rng.random(n) * np.repeat(hi - lo, counts)
    days.sort(kind="stable")  # months are in order; sort within months
    if jc.exponential_mean_days is not None:
        dur = rng.exponential(jc.exponential_mean_days, n)
    else:
        d = jc.duration
        dur = d.p50_days * np.exp(d.sigma * rng.standard_normal(n)) if d.p50_days > 0 else np.zeros(n)
    return days, dur


def draw_in_progress(jc: JobClass, rng: np.random.Generator) -> np.ndarray:
    """Remaining run times of the jobs of one class running at the start (steady state, M/G/inf).

    The number is Poisson(rate x mean duration); each has the residual life of a length-biased
    duration: L with density x f(x) / E[D] (log-normal: median x exp(sigma^2); exponential:
    Gamma(2, mean)), residual = U x L.
    """
    mean = jc.mean_duration_days()
    if jc.arrivals_per_day_at_start <= 0 or mean <= 0:
        return np.zeros(0)
    n = int(rng.poisson(jc.arrivals_per_day_at_start * mean))
    if jc.exponential_mean_days is not None:
        length = rng.gamma(2.0, jc.exponential_mean_days, n)
    else:
        d = jc.duration
        length = d.p50_days * np.exp(d.sigma ** 2) * np.exp(d.sigma * rng.standard_normal(n))
    return rng.random(n) * length


class AiDemand:
    """Job arrivals and service on a :class:`GpuPool` (one per replication).

    Construct after the pool and the GPU model (which sets ``pool.max_gpus_ever``). With
    ``warm_start`` the jobs that would be running on the start date in steady state are
    submitted at time 0 (they are not counted as arrivals and their waits are not recorded).
    """

    def __init__(self, env: simpy.Environment, scenario: object, pool: GpuPool, clock: Clock,
                 seed: int, replication: int) -> None:
        self.env, self.pool, self.clock = env, pool, clock
        self.cfg = _section(scenario)
        self.class_names = [name for name, _ in self.cfg.classes.items()]
        self.waiting_jobs = 0
        self.running_jobs = 0
        self.completed = 0
        self.jobs_rejected_too_big = 0
        self.arrived = 0
        self.initial_jobs = 0
        self.started_wait_days: list[tuple[float, float]] = []
        self.arrived_by_class = dict.fromkeys(self.class_names, 0)
        self.completed_by_class = dict.fromkeys(self.class_names, 0)
        self.arrivals, self.in_progress = self._draw(seed, replication)
        self._arr: list[tuple[float, int, int, float]] = []
        self._next = 0
        if self.cfg.enabled:
            if self.in_progress:
                env.timeout(0).callbacks.append(self._submit_initial)
            if self.arrivals.day.size:
                self._arr = list(zip(self.arrivals.day.tolist(), self.arrivals.cls.tolist(),
                                     self.arrivals.gpus.tolist(), self.arrivals.duration.tolist()))
                self._schedule_next()

    # ------------------------------------------------------------------ inputs
    def _draw(self, seed: int, replication: int) -> tuple[_Arrivals, list[tuple[int, int, float]]]:
        edges = month_starts(self.clock)
        parts = []
        initial: list[tuple[int, int, float]] = []
        for ci, (name, jc) in enumerate(self.cfg.classes.items()):
            days, dur = draw_arrivals(jc, self.cfg.growth_pct_per_year, edges,
                                      stream(seed, replication, f"compute.demand.{name}"))
            parts.append((days, np.full(days.size, ci), np.full(days.size, jc.gpus_per_job), dur))
            if self.cfg.warm_start:
                rem = draw_in_progress(jc, stream(seed, replication, f"compute.demand.{name}.in_progress"))
                initial.extend((ci, jc.gpus_per_job, float(r)) for r in rem)
        day = np.concatenate([p[0] for p in parts])
        order = np.argsort(day, kind="stable")
        arrivals = _Arrivals(day[order], np.concatenate([p[1] for p in parts])[order].astype(np.int64),
                             np.concatenate([p[2] for p in parts])[order].astype(np.int64),
                             np.concatenate([p[3] for p in parts])[order])
        return arrivals, initial

    # ------------------------------------------------------------------ arrivals
    # Arrivals are released by a chain of timeouts, and a job is a chain of event callbacks
    # (request -> start -> timeout -> release) rather than a SimPy process: the same semantics
    # with about half the events, which keeps a national 5-year run fast.
    def _submit_initial(self, _ev: simpy.events.Event) -> None:
        names = self.class_names
        for c, k, d in self.in_progress:
            if k > self.pool.capacity_limit:
                self.jobs_rejected_too_big += 1
                continue
            self.initial_jobs += 1
            self._submit(k, d, names[c], record=False)

    def _schedule_next(self) -> None:
        if self._next >= len(self._arr):
            return
        delay = max(self._arr[self._next][0] - float(self.env.now), 0.0)
        self.env.timeout(delay).callbacks.append(self._arrive)

    def _arrive(self, _ev: simpy.events.Event) -> None:
        now = float(self.env.now)
        names, arr = self.class_names, self._arr
        while self._next < len(arr) and arr[self._next][0] <= now:  # all arrivals due now
            _t, c, k, d = arr[self._next]
            self._next += 1
            self.arrived += 1
            self.arrived_by_class[names[c]] += 1
            if k > self.pool.capacity_limit:
                self.jobs_rejected_too_big += 1
            else:
                self._submit(k, d, names[c])
        self._schedule_next()

    # ------------------------------------------------------------------ jobs
    def submit(self, gpus: int, duration_days: float, job_class: str = "inference") -> bool:
        """Submit one job now (outside the drawn arrivals; counted as an arrival). False if rejected."""
        self.arrived += 1
        self.arrived_by_class[job_class] += 1
        if gpus > self.pool.capacity_limit:
            self.jobs_rejected_too_big += 1
            return False
        self._submit(int(gpus), float(duration_days), job_class)
        return True

    def _submit(self, k: int, duration: float, name: str, record: bool = True) -> None:
        if self.pool.try_take(k):  # fast path: GPUs idle and nobody waiting
            self._start(k, duration, name, float(self.env.now), False, record)
            return
        req = self.pool.request(k)
        waited = not req.triggered
        if waited:
            self.waiting_jobs += 1
        arrive = float(self.env.now)
        req.callbacks.append(lambda _ev: self._start(k, duration, name, arrive, waited, record))

    def _start(self, k: int, duration: float, name: str, arrive: float, waited: bool, record: bool) -> None:
        if waited:
            self.waiting_jobs -= 1
        start = float(self.env.now)
        self.pool.started(k)
        self.running_jobs += 1
        if record:
            self.started_wait_days.append((start, start - arrive))
        self.env.timeout(duration).callbacks.append(lambda _ev: self._end(k, name))

    def _end(self, k: int, name: str) -> None:
        self.pool.release(k)
        self.running_jobs -= 1
        self.completed += 1
        self.completed_by_class[name] += 1

    # ------------------------------------------------------------------ metrics
    @property
    def busy_gpu_days(self) -> float:
        """Cumulative GPU-days held by jobs, exact up to env.now."""
        return self.pool.busy_gpu_days

    def mean_wait_days(self, since_day: float = -math.inf) -> float:
        w = [wd for s, wd in self.started_wait_days if s >= since_day]
        return float(np.mean(w)) if w else 0.0
