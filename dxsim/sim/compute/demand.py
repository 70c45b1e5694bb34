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
waits on a job, so the queue is a small discrete-event loop of its own (a heap of end times and a
FIFO), *advanced lazily*: whenever the GPU model changes the pool or anyone reads a job or pool
count, the loop first replays every job event up to ``env.now`` in time order. The pool state seen
by the rest of the model is therefore the same as with one SimPy event per job change, and the
Erlang C test (tests/test_ai_demand.py) checks the queue against queueing theory. The loop is
compiled (dxsim.sim.compute.kernel): by 2040 the demand draws ~390,000 jobs, most of which queue,
and as Python tuples their replay was the largest item of a long-horizon replication.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from dxsim.delay import lognormal_days
from dxsim.rng import stream
from dxsim.scenario.sections.compute_gpus import AiDemand as AiDemandSection
from dxsim.scenario.sections.compute_gpus import JobClass
from dxsim.sim.calendar import Clock
from dxsim.sim.compute import kernel

ARRIVAL_CHUNK = 16_384  # the window of drawn arrivals `AiDemand._arr` shows (the replay reads the job table)


class GpuPool:
    """Powered GPUs available to AI jobs: idle, busy and installed counts, retirement debt.

    Every public read or change first lets the attached job queue (:class:`AiDemand`) replay its
    events up to ``env.now``. The counts live in two small arrays that the compiled replay
    (:mod:`dxsim.sim.compute.kernel`) updates in place: ``_ints`` (installed, idle, busy, debt) and
    ``_floats`` (busy GPU-days up to ``t_last``, ``t_last``).
    """

    def __init__(self, env: simpy.Environment, *, max_gpus_ever: int | None = None) -> None:
        self.env = env
        self.max_gpus_ever = max_gpus_ever
        # installed: powered GPUs in the pool (idle + busy), net of retirements; busy: held by running jobs;
        # debt: GPUs retired while busy, taken from the next releases
        self._ints = np.zeros(len(kernel.POOL_INTS), dtype=np.int64)
        self._floats = np.array([0.0, float(env.now)])  # busy GPU-days up to t_last, t_last
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
        return int(self._ints[kernel.INSTALLED])  # only add/retire change it: no replay needed

    @property
    def idle(self) -> int:
        self.sync()
        return int(self._ints[kernel.IDLE])

    @property
    def busy(self) -> int:
        self.sync()
        return int(self._ints[kernel.BUSY])

    @property
    def retire_debt(self) -> int:
        self.sync()
        return int(self._ints[kernel.DEBT])

    @property
    def busy_gpu_days(self) -> float:
        """Integral of the busy count from the start up to now (GPU-days)."""
        now = self.sync()
        busy_acc, t_last = self._floats
        return float(busy_acc + self._ints[kernel.BUSY] * (now - t_last))

    @property
    def capacity_limit(self) -> int:
        """The most GPUs the pool could ever hold (for rejecting jobs that can never run)."""
        installed = self.installed
        return installed if self.max_gpus_ever is None else max(self.max_gpus_ever, installed)

    # ------------------------------------------------------------------ GPU model side
    def add(self, n: int) -> None:
        """n GPUs are powered and join the pool (idle); waiting jobs that now fit start."""
        n = int(n)
        if n <= 0:
            return
        now = self.sync()
        self._ints[kernel.INSTALLED] += n
        self._ints[kernel.IDLE] += n
        if self._queue is not None:
            self._queue.serve(now)

    def retire(self, n: int) -> int:
        """n GPUs leave the pool: idle ones at once, busy ones when their job ends. Returns idle taken."""
        n = int(n)
        if n <= 0:
            return 0
        self.sync()
        ints = self._ints
        n = min(n, int(ints[kernel.INSTALLED]))
        ints[kernel.INSTALLED] -= n
        take = min(n, int(ints[kernel.IDLE]))
        ints[kernel.IDLE] -= take
        ints[kernel.DEBT] += n - take
        return take


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


def draw_arrivals(
    jc: JobClass, growth_pct_per_year: float, edges: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Arrival days and run times of one class over the month edges (piecewise-constant Poisson)."""
    if jc.arrivals_per_day_at_start <= 0 or edges.size < 2:
        return np.zeros(0), np.zeros(0)
    lo, hi = edges[:-1], edges[1:]
    mid = 0.5 * (lo + hi)
    rate = jc.arrivals_per_day_at_start * (1.0 + growth_pct_per_year / 100.0) ** (mid / 365.25)
    counts = rng.poisson(rate * (hi - lo))
    n = int(counts.sum())
    days = np.repeat(lo, counts) + rng.random(n) * np.repeat(hi - lo, counts)
    days.sort()  # months are in order; sort within months (values only, all >= +0.0: any sort gives the same array,
    # and numpy's default one is ~8x faster than the stable one on the ~460,000 days of a class to 2040)
    if jc.exponential_mean_days is not None:
        dur = rng.exponential(jc.exponential_mean_days, n)
    else:
        d = jc.duration
        dur = (
            d.draws(rng.standard_normal(n)) if d.p50_days > 0 else np.zeros(n)
        )  # no draw, as before: same stream
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
        length = lognormal_days(
            d.p50_days * np.exp(d.sigma**2), d.sigma, rng.standard_normal(n)
        )  # length-biased
    return rng.random(n) * length


class AiDemand:
    """Job arrivals and service on a :class:`GpuPool` (one per replication).

    Construct after the pool and the GPU model (which sets ``pool.max_gpus_ever``). With
    ``warm_start`` the jobs that would be running on the start date in steady state are
    submitted at time 0 (they are not counted as arrivals and their waits are not recorded).
    Counts read from here (``waiting_jobs``, ``completed``, ...) are up to ``env.now``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        scenario: object,
        pool: GpuPool,
        clock: Clock,
        seed: int,
        replication: int,
    ) -> None:
        self.env, self.pool, self.clock = env, pool, clock
        self.cfg = _section(scenario)
        self.class_names = [name for name, _ in self.cfg.classes.items()]
        self.arrivals, self.in_progress = self._draw(seed, replication)
        # The job table (see dxsim.sim.compute.kernel): warm-start jobs at day 0, then the drawn arrivals
        # (these n_sched rows are replayed as arrivals), then jobs submitted by hand.
        warm = self.in_progress if self.cfg.enabled else []
        a = (
            self.arrivals
            if self.cfg.enabled
            else _Arrivals(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        )
        self._n_warm = len(warm)
        self._n_sched = self._n_jobs = self._n_warm + a.day.size
        self._job_day = np.concatenate([np.zeros(self._n_warm), a.day]).astype(np.float64)
        self._job_cls = np.concatenate([np.array([c for c, _, _ in warm], np.int64), a.cls]).astype(np.int64)
        self._job_gpus = np.concatenate([np.array([k for _, k, _ in warm], np.int64), a.gpus]).astype(
            np.int64
        )
        self._job_dur = np.concatenate([np.array([d for _, _, d in warm], np.float64), a.duration]).astype(
            np.float64
        )
        self._job_counted = np.concatenate([np.zeros(self._n_warm, bool), np.ones(a.day.size, bool)])
        # per-job room for the running-job heap, the FIFO of waiting jobs and the recorded starts
        n = self._n_jobs
        self._heap_end, self._heap_seq, self._heap_job = (
            np.empty(n),
            np.empty(n, np.int64),
            np.empty(n, np.int64),
        )
        self._wait_job = np.empty(n, np.int64)
        self._start_day, self._start_wait = np.empty(n), np.empty(n)
        self._q_i = np.zeros(len(kernel.QUEUE_INTS), dtype=np.int64)
        self._q_f = np.array([float(env.now)])  # job events are replayed up to here
        self._arrived_by_class = np.zeros(len(self.class_names), dtype=np.int64)
        self._completed_by_class = np.zeros(len(self.class_names), dtype=np.int64)
        self._started_wait_days: list[
            tuple[float, float]
        ] = []  # the recorded starts as tuples, filled when read
        pool._queue = self

    @property
    def _arr(self) -> np.ndarray:
        """Arrival days of the window the replay is in: the warm-start jobs, then ARRIVAL_CHUNK drawn ones at a time."""
        i, n0 = int(self._q_i[kernel.NEXT]), self._n_warm
        if i < n0 or self._n_sched == n0:
            return self._job_day[:n0]
        lo = n0 + (i - n0) // ARRIVAL_CHUNK * ARRIVAL_CHUNK
        return self._job_day[lo : min(lo + ARRIVAL_CHUNK, self._n_sched)]

    # ------------------------------------------------------------------ inputs
    def _draw(self, seed: int, replication: int) -> tuple[_Arrivals, list[tuple[int, int, float]]]:
        edges = month_starts(self.clock)
        parts = []
        initial: list[tuple[int, int, float]] = []
        for ci, (name, jc) in enumerate(self.cfg.classes.items()):
            days, dur = draw_arrivals(
                jc, self.cfg.growth_pct_per_year, edges, stream(seed, replication, f"compute.demand.{name}")
            )
            parts.append((days, np.full(days.size, ci), np.full(days.size, jc.gpus_per_job), dur))
            if self.cfg.warm_start:
                rem = draw_in_progress(jc, stream(seed, replication, f"compute.demand.{name}.in_progress"))
                initial.extend((ci, jc.gpus_per_job, float(r)) for r in rem)
        day = np.concatenate([p[0] for p in parts])
        order = np.argsort(day, kind="stable")
        arrivals = _Arrivals(
            day[order],
            np.concatenate([p[1] for p in parts])[order].astype(np.int64),
            np.concatenate([p[2] for p in parts])[order].astype(np.int64),
            np.concatenate([p[3] for p in parts])[order],
        )
        return arrivals, initial

    def _tables(
        self,
    ) -> tuple[
        kernel.F64,
        kernel.I64,
        kernel.F64,
        kernel.Flags,
        kernel.F64,
        kernel.I64,
        kernel.I64,
        kernel.I64,
        kernel.F64,
        kernel.F64,
    ]:
        """The arrays the kernel's serve/admit take after the pool's and queue's state."""
        return (
            self._job_day,
            self._job_gpus,
            self._job_dur,
            self._job_counted,
            self._heap_end,
            self._heap_seq,
            self._heap_job,
            self._wait_job,
            self._start_day,
            self._start_wait,
        )

    # ------------------------------------------------------------------ the event loop
    def advance_to(self, t: float) -> None:
        """Replay every job event (arrival, end) at or before day t, in time order (compiled:
        dxsim.sim.compute.kernel.replay). Installed GPUs change only outside the replay (add/retire)."""
        if t < self._q_f[0]:
            return
        p = self.pool
        kernel.replay(
            float(t),
            float(p.capacity_limit),
            self._n_sched,
            p._ints,
            p._floats,
            self._q_i,
            self._q_f,
            self._job_day,
            self._job_cls,
            self._job_gpus,
            self._job_dur,
            self._job_counted,
            self._heap_end,
            self._heap_seq,
            self._heap_job,
            self._wait_job,
            self._start_day,
            self._start_wait,
            self._arrived_by_class,
            self._completed_by_class,
        )

    def serve(self, t: float) -> None:
        """Start waiting jobs in arrival order while the head fits (head-of-line blocking)."""
        kernel.serve(float(t), self.pool._ints, self.pool._floats, self._q_i, *self._tables())

    def _add_job(self, day: float, c: int, k: int, d: float) -> int:
        """A job submitted by hand joins the job table (never replayed as an arrival); returns its row."""
        if self._n_jobs == self._job_day.size:  # full: double every per-job array
            grow = max(self._n_jobs, 16)
            for name in (
                "_job_day",
                "_job_cls",
                "_job_gpus",
                "_job_dur",
                "_job_counted",
                "_heap_end",
                "_heap_seq",
                "_heap_job",
                "_wait_job",
                "_start_day",
                "_start_wait",
            ):
                old = getattr(self, name)
                setattr(self, name, np.concatenate([old, np.zeros(grow, dtype=old.dtype)]))
        j = self._n_jobs
        self._job_day[j], self._job_cls[j], self._job_gpus[j], self._job_dur[j] = day, c, k, d
        self._job_counted[j] = True
        self._n_jobs += 1
        return j

    # ------------------------------------------------------------------ jobs
    def submit(self, gpus: int, duration_days: float, job_class: str = "inference") -> bool:
        """Submit one job now (outside the drawn arrivals; counted as an arrival). False if rejected."""
        now = self.pool.sync()
        c = self.class_names.index(job_class)
        self._q_i[kernel.ARRIVED] += 1
        self._arrived_by_class[c] += 1
        before = int(self._q_i[kernel.REJECTED])
        job = self._add_job(now, c, int(gpus), float(duration_days))
        kernel.admit(
            job,
            float(self.pool.capacity_limit),
            self.pool._ints,
            self.pool._floats,
            self._q_i,
            *self._tables(),
        )
        return int(self._q_i[kernel.REJECTED]) == before

    # ------------------------------------------------------------------ reads (up to env.now)
    def _count(self, what: int) -> int:
        self.pool.sync()
        return int(self._q_i[what])

    @property
    def waiting_jobs(self) -> int:
        self.pool.sync()
        return int(self._q_i[kernel.TAIL] - self._q_i[kernel.HEAD])

    @property
    def completed(self) -> int:
        return self._count(kernel.COMPLETED)

    @property
    def arrived(self) -> int:
        return self._count(kernel.ARRIVED)

    @property
    def initial_jobs(self) -> int:
        """Warm-start jobs admitted at day 0 (not counted as arrivals)."""
        return self._count(kernel.INITIAL)

    @property
    def jobs_rejected_too_big(self) -> int:
        return self._count(kernel.REJECTED)

    @property
    def started_wait_days(self) -> list[tuple[float, float]]:
        """(start day, wait days) of every recorded job started so far, in start order."""
        n = self._count(kernel.STARTS)
        done = len(self._started_wait_days)
        if done < n:
            self._started_wait_days.extend(
                zip(self._start_day[done:n].tolist(), self._start_wait[done:n].tolist())
            )
        return self._started_wait_days

    def waits_since(self, first: int) -> tuple[np.ndarray, int]:
        """The wait days of the recorded starts from number `first` on (a view, in start order), and the number of
        starts so far: the Monitor's monthly median reads only the month's starts, without the tuples of
        `started_wait_days` (by 2040 a list of ~15,000 to ~400,000 of them, extended month by month)."""
        n = self._count(kernel.STARTS)
        return self._start_wait[first:n], n

    @property
    def arrived_by_class(self) -> dict[str, int]:
        self.pool.sync()
        return dict(zip(self.class_names, self._arrived_by_class.tolist()))

    @property
    def completed_by_class(self) -> dict[str, int]:
        self.pool.sync()
        return dict(zip(self.class_names, self._completed_by_class.tolist()))

    # ------------------------------------------------------------------ metrics
    @property
    def busy_gpu_days(self) -> float:
        """Cumulative GPU-days held by jobs, exact up to env.now."""
        return self.pool.busy_gpu_days
