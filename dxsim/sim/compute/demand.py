"""AI demand on the national GPU pool: jobs queued first come, first served on powered GPUs.

:class:`GpuPool` counts the powered GPUs (idle, busy, installed, retirement debt); the GPU model
``add``s GPUs when they are powered and ``retire``s them at end of life. :class:`AiDemand` owns the
jobs: pre-drawn arrivals, a FIFO queue of waiting jobs and a heap of running jobs' end times.

Modelling choices (documented for planners):

* **Units.** The pool counts physical GPUs of every model (an A30 counts like a B200); the
  compute difference is reported separately by the GPU model (PFLOPS, A100-equivalents).
* **FIFO with head-of-line blocking.** Waiting jobs are served strictly in arrival order and
  service stops at the first job that cannot get its GPUs, so a large job at the head waits
  until enough GPUs are idle and holds back smaller jobs behind it (no backfilling). This is the
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
* **Equal times.** When a job ends at the instant another arrives, the ending job hands its GPUs
  back first. Job events at the instant the GPU model adds or retires GPUs come before it.

Why the jobs are not SimPy events. A national 5-year run has ~11,000 jobs; as SimPy events
(arrival timeout, request, start, end timeout) they cost ~0.27 s of a ~0.7 s replication, the
largest single item, and 1,000 replications must fit in 10 minutes. Nothing else in the model
waits on a job, so the queue is a small discrete-event loop of its own (two heaps and a deque),
*advanced lazily*: whenever the GPU model changes the pool or anyone reads a job or pool count,
the loop first replays every job event up to ``env.now`` in time order. The pool state seen by
the rest of the model is therefore the same as with one SimPy event per job change, and the
Erlang C test (tests/test_ai_demand.py) checks the queue against queueing theory.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from dxsim.scenario.schema_compute_gpus import AiDemand as AiDemandSection
from dxsim.scenario.schema_compute_gpus import JobClass
from dxsim.sim.calendar import Clock
from dxsim.sim.rng import stream


ARRIVAL_CHUNK = 16_384  # drawn arrivals held as Python tuples at a time (the rest stay in numpy)


class GpuPool:
    """Powered GPUs available to AI jobs: idle, busy and installed counts, retirement debt.

    Every public read or change first lets the attached job queue (:class:`AiDemand`) replay its
    events up to ``env.now``; the queue itself uses the underscored ``_take``/``_give_back``.
    """

    def __init__(self, env: simpy.Environment, *, max_gpus_ever: int | None = None) -> None:
        self.env = env
        self.max_gpus_ever = max_gpus_ever
        self._installed = 0  # powered GPUs in the pool (idle + busy), net of retirements
        self._idle = 0
        self._busy = 0  # GPUs held by running jobs
        self._debt = 0  # GPUs retired while busy: taken from the next releases
        self._busy_acc = 0.0  # busy GPU-days up to _t_last
        self._t_last = float(env.now)
        self._queue: AiDemand | None = None  # set by AiDemand

    # ------------------------------------------------------------------ reads (synced to now)
    def sync(self) -> float:
        """Replay the job events up to ``env.now``; returns now."""
        now = float(self.env.now)
        if self._queue is not None:
            self._queue.advance_to(now)
        return now

    @property
    def installed(self) -> int:
        return self._installed  # only add/retire change it: no replay needed

    @property
    def idle(self) -> int:
        self.sync()
        return self._idle

    @property
    def busy(self) -> int:
        self.sync()
        return self._busy

    @property
    def retire_debt(self) -> int:
        self.sync()
        return self._debt

    @property
    def busy_gpu_days(self) -> float:
        """Integral of the busy count from the start up to now (GPU-days)."""
        now = self.sync()
        return self._busy_acc + self._busy * (now - self._t_last)

    @property
    def capacity_limit(self) -> int:
        """The most GPUs the pool could ever hold (for rejecting jobs that can never run)."""
        return self._installed if self.max_gpus_ever is None else max(self.max_gpus_ever, self._installed)

    # ------------------------------------------------------------------ GPU model side
    def add(self, n: int) -> None:
        """n GPUs are powered and join the pool (idle); waiting jobs that now fit start."""
        n = int(n)
        if n <= 0:
            return
        now = self.sync()
        self._installed += n
        self._idle += n
        if self._queue is not None:
            self._queue.serve(now)

    def retire(self, n: int) -> int:
        """n GPUs leave the pool: idle ones at once, busy ones when their job ends. Returns idle taken."""
        n = int(n)
        if n <= 0:
            return 0
        self.sync()
        n = min(n, self._installed)
        self._installed -= n
        take = min(n, self._idle)
        self._idle -= take
        self._debt += n - take
        return take

    # ------------------------------------------------------------------ job side (at event time t)
    def _take(self, k: int, t: float) -> None:
        """A job starts at t on k idle GPUs."""
        self._busy_acc += self._busy * (t - self._t_last)
        self._t_last = t
        self._idle -= k
        self._busy += k

    def _give_back(self, k: int, t: float) -> None:
        """A job ends at t and hands back k GPUs (minus any retirement debt)."""
        self._busy_acc += self._busy * (t - self._t_last)
        self._t_last = t
        self._busy -= k
        pay = min(self._debt, k)
        self._debt -= pay
        self._idle += k - pay


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
    Counts read from here (``waiting_jobs``, ``completed``, ...) are up to ``env.now``.
    """

    def __init__(self, env: simpy.Environment, scenario: object, pool: GpuPool, clock: Clock,
                 seed: int, replication: int) -> None:
        self.env, self.pool, self.clock = env, pool, clock
        self.cfg = _section(scenario)
        self.class_names = [name for name, _ in self.cfg.classes.items()]
        self._arrived = 0
        self._completed = 0
        self._rejected = 0
        self._initial_jobs = 0
        self._started_wait_days: list[tuple[float, float]] = []
        self._arrived_by_class = [0] * len(self.class_names)
        self._completed_by_class = [0] * len(self.class_names)
        self.arrivals, self.in_progress = self._draw(seed, replication)
        # Future arrivals (day, class, gpus, run days, counted): warm-start jobs first, at day 0, then
        # the drawn arrivals ARRIVAL_CHUNK at a time (_refill): as tuples a job costs ~140 B, in the
        # numpy arrays 32 B, and a long horizon draws millions of jobs.
        self._arr: list[tuple[float, int, int, float, bool]] = []
        self._next = 0
        self._drawn_next = 0  # first drawn arrival not yet in _arr
        self._drawn_end = self.arrivals.day.size if self.cfg.enabled else 0
        self._ends: list[tuple[float, int, int, int]] = []  # heap of running jobs: (end day, seq, gpus, class)
        self._seq = 0
        self._waiting: deque[tuple[float, int, float, int, bool]] = deque()  # (arrive, gpus, run days, class, record)
        self._t = float(env.now)  # job events are replayed up to here
        if self.cfg.enabled:
            self._arr = [(0.0, c, k, d, False) for c, k, d in self.in_progress]
        pool._queue = self

    def _refill(self) -> list[tuple[float, int, int, float, bool]]:
        """The next chunk of drawn arrivals as tuples (the hot loop reads tuples); resets _next."""
        a, lo = self.arrivals, self._drawn_next
        hi = min(lo + ARRIVAL_CHUNK, self._drawn_end)
        self._drawn_next = hi
        self._arr = [(t, c, k, d, True) for t, c, k, d in zip(
            a.day[lo:hi].tolist(), a.cls[lo:hi].tolist(), a.gpus[lo:hi].tolist(), a.duration[lo:hi].tolist())]
        self._next = 0
        return self._arr

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

    # ------------------------------------------------------------------ the event loop
    def advance_to(self, t: float) -> None:
        """Replay every job event (arrival, end) at or before day t, in time order.

        The hot loop of the demand model (~11,000 jobs in a national run): a job that arrives to
        enough idle GPUs and an empty queue starts here without further calls.
        """
        if t < self._t:
            return
        pool, arr, ends, waiting = self.pool, self._arr, self._ends, self._waiting
        limit = pool.capacity_limit  # installed GPUs change only outside the replay (add/retire)
        i, n_arr, inf = self._next, len(arr), math.inf
        if i >= n_arr and self._drawn_next < self._drawn_end:
            arr, i = self._refill(), 0
            n_arr = len(arr)
        ta = arr[i][0] if i < n_arr else inf
        while True:
            te = ends[0][0] if ends else inf
            if te <= ta:  # an end before (or at the instant of) the next arrival
                if te > t:
                    break
                _, _, k, c = heapq.heappop(ends)
                pool._give_back(k, te)
                self._completed += 1
                self._completed_by_class[c] += 1
                if waiting:
                    self.serve(te)
                continue
            if ta > t:
                break
            _, c, k, d, counted = arr[i]
            i += 1
            if counted:
                self._arrived += 1
                self._arrived_by_class[c] += 1
                if k <= limit and not waiting and pool._idle >= k:  # fast path: start at once
                    pool._take(k, ta)
                    self._started_wait_days.append((ta, 0.0))
                    self._seq += 1
                    heapq.heappush(ends, (ta + d, self._seq, k, c))
                else:
                    self._admit(ta, c, k, d, False, True)
            else:
                self._admit(ta, c, k, d, True, False)
            if i < n_arr:
                ta = arr[i][0]
            elif self._drawn_next < self._drawn_end:
                arr, i = self._refill(), 0
                n_arr = len(arr)
                ta = arr[0][0]
            else:
                ta = inf
        self._next = i
        self._t = t

    def _admit(self, t: float, c: int, k: int, d: float, initial: bool, record: bool) -> None:
        """A job (already counted as an arrival, unless initial) is rejected, started or queued at t."""
        if k > self.pool.capacity_limit:
            self._rejected += 1
            return
        if initial:
            self._initial_jobs += 1
        if not self._waiting and self.pool._idle >= k:
            self._start(t, t, k, d, c, record)
        else:
            self._waiting.append((t, k, d, c, record))

    def serve(self, t: float) -> None:
        """Start waiting jobs in arrival order while the head fits (head-of-line blocking)."""
        w, pool = self._waiting, self.pool
        while w and pool._idle >= w[0][1]:
            arrive, k, d, c, record = w.popleft()
            self._start(t, arrive, k, d, c, record)

    def _start(self, t: float, arrive: float, k: int, d: float, c: int, record: bool) -> None:
        self.pool._take(k, t)
        if record:
            self._started_wait_days.append((t, t - arrive))
        self._seq += 1
        heapq.heappush(self._ends, (t + d, self._seq, k, c))

    # ------------------------------------------------------------------ jobs
    def submit(self, gpus: int, duration_days: float, job_class: str = "inference") -> bool:
        """Submit one job now (outside the drawn arrivals; counted as an arrival). False if rejected."""
        now = self.pool.sync()
        c = self.class_names.index(job_class)
        self._arrived += 1
        self._arrived_by_class[c] += 1
        before = self._rejected
        self._admit(now, c, int(gpus), float(duration_days), False, True)
        return self._rejected == before

    # ------------------------------------------------------------------ reads (up to env.now)
    @property
    def waiting_jobs(self) -> int:
        self.pool.sync()
        return len(self._waiting)

    @property
    def running_jobs(self) -> int:
        self.pool.sync()
        return len(self._ends)

    @property
    def completed(self) -> int:
        self.pool.sync()
        return self._completed

    @property
    def arrived(self) -> int:
        self.pool.sync()
        return self._arrived

    @property
    def initial_jobs(self) -> int:
        """Warm-start jobs admitted at day 0 (not counted as arrivals)."""
        self.pool.sync()
        return self._initial_jobs

    @property
    def jobs_rejected_too_big(self) -> int:
        self.pool.sync()
        return self._rejected

    @property
    def started_wait_days(self) -> list[tuple[float, float]]:
        """(start day, wait days) of every recorded job started so far, in start order."""
        self.pool.sync()
        return self._started_wait_days

    @property
    def arrived_by_class(self) -> dict[str, int]:
        self.pool.sync()
        return dict(zip(self.class_names, self._arrived_by_class))

    @property
    def completed_by_class(self) -> dict[str, int]:
        self.pool.sync()
        return dict(zip(self.class_names, self._completed_by_class))

    # ------------------------------------------------------------------ metrics
    @property
    def busy_gpu_days(self) -> float:
        """Cumulative GPU-days held by jobs, exact up to env.now."""
        return self.pool.busy_gpu_days

    def mean_wait_days(self, since_day: float = -math.inf) -> float:
        w = [wd for s, wd in self.started_wait_days if s >= since_day]
        return float(np.mean(w)) if w else 0.0
