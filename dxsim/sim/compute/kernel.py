"""The compiled job replay of the AI demand model (`dxsim.sim.compute.demand`): FIFO queue, GPU pool, end heap.

Why compiled: a replication to 2040 replays ~390,000 jobs, most of which queue once the demand outgrows
the GPUs; as Python tuples in a heap and a deque that is ~1 s of a replication (and millions of small
objects for the garbage collector), here a few milliseconds. The rules are those of the
`dxsim.sim.compute.demand` docstring, step for step in the same order and with the same float operations,
so every count, start day, wait and busy GPU-day is bit for bit what the Python loop gave;
tests/test_ai_demand.py checks them against queueing theory and hand-made cases.

State lives in small numpy arrays (numba caches plain functions, not classes):

* the pool, ``pool_i`` (:data:`POOL_INTS`) and ``pool_f`` (busy GPU-days up to ``t_last``, ``t_last``);
* the queue, ``q_i`` (:data:`QUEUE_INTS`) and ``q_f`` (the day replayed up to);
* the job table (arrival day, class, GPUs, run days, counted as an arrival): warm-start jobs, then the drawn
  arrivals in time order (the first ``n_sched`` rows are replayed as arrivals), then jobs submitted by hand;
* the running jobs, a binary heap keyed on (end day, start sequence): ``heap_end``, ``heap_seq``, ``heap_job``;
* the waiting jobs, a FIFO of job rows ``wait_job[head:tail]`` (a job queues at most once, so it never wraps);
* the (start day, wait days) of every recorded start, in start order.

Every per-job array holds one row per job of the table, which bounds the heap, the FIFO and the starts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from dxsim.jit import njit

POOL_INTS = ("installed", "idle", "busy", "debt")
INSTALLED, IDLE, BUSY, DEBT = range(len(POOL_INTS))
BUSY_ACC, T_LAST = 0, 1  # pool_f
QUEUE_INTS = ("next", "heap", "head", "tail", "seq", "starts", "arrived", "completed", "rejected", "initial")
NEXT, HEAP, HEAD, TAIL, SEQ, STARTS, ARRIVED, COMPLETED, REJECTED, INITIAL = range(len(QUEUE_INTS))
T_REPLAYED = 0  # q_f
# array types of the kernels' signatures (for type checkers; numba types the arguments it is called with)
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Flags = NDArray[np.bool_]


@njit(cache=True, inline="always")
def _earlier(end_a: float, seq_a: int, end_b: float, seq_b: int) -> bool:
    """Heap order: earlier end first, ties by start sequence (as the Python tuples compared)."""
    return end_a < end_b or (end_a == end_b and seq_a < seq_b)


@njit(cache=True)
def _push(q_i: I64, heap_end: F64, heap_seq: I64, heap_job: I64, end: float, seq: int, job: int) -> None:
    """Add a running job: sift the hole up from the last slot (parents move down), then fill it."""
    n = q_i[HEAP]
    q_i[HEAP] = n + 1
    while n > 0:
        parent = (n - 1) >> 1
        if not _earlier(end, seq, heap_end[parent], heap_seq[parent]):
            break
        heap_end[n], heap_seq[n], heap_job[n] = heap_end[parent], heap_seq[parent], heap_job[parent]
        n = parent
    heap_end[n], heap_seq[n], heap_job[n] = end, seq, job


@njit(cache=True)
def _pop(q_i: I64, heap_end: F64, heap_seq: I64, heap_job: I64) -> Any:  # an int64 job row
    """Remove the earliest end; returns its job row. The last entry fills the hole left at the root, sifted down."""
    job = heap_job[0]
    n = q_i[HEAP] - 1
    q_i[HEAP] = n
    if n > 0:
        end, seq, last = heap_end[n], heap_seq[n], heap_job[n]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and _earlier(
                heap_end[child + 1], heap_seq[child + 1], heap_end[child], heap_seq[child]
            ):
                child += 1
            if not _earlier(heap_end[child], heap_seq[child], end, seq):
                break
            heap_end[i], heap_seq[i], heap_job[i] = heap_end[child], heap_seq[child], heap_job[child]
            i = child
        heap_end[i], heap_seq[i], heap_job[i] = end, seq, last
    return job


@njit(cache=True)
def _start(
    t: float,
    job: int,
    pool_i: I64,
    pool_f: F64,
    q_i: I64,
    job_day: F64,
    job_gpus: I64,
    job_dur: F64,
    job_counted: Flags,
    heap_end: F64,
    heap_seq: I64,
    heap_job: I64,
    start_day: F64,
    start_wait: F64,
) -> None:
    """The job starts at t on its GPUs (GpuPool._take), its wait is recorded, its end goes on the heap."""
    k = job_gpus[job]
    pool_f[BUSY_ACC] += pool_i[BUSY] * (t - pool_f[T_LAST])
    pool_f[T_LAST] = t
    pool_i[IDLE] -= k
    pool_i[BUSY] += k
    if job_counted[job]:
        s = q_i[STARTS]
        start_day[s] = t
        start_wait[s] = t - job_day[job]
        q_i[STARTS] = s + 1
    q_i[SEQ] += 1
    _push(q_i, heap_end, heap_seq, heap_job, t + job_dur[job], q_i[SEQ], job)


@njit(cache=True)
def serve(
    t: float,
    pool_i: I64,
    pool_f: F64,
    q_i: I64,
    job_day: F64,
    job_gpus: I64,
    job_dur: F64,
    job_counted: Flags,
    heap_end: F64,
    heap_seq: I64,
    heap_job: I64,
    wait_job: I64,
    start_day: F64,
    start_wait: F64,
) -> None:
    """Start waiting jobs in arrival order while the head fits (head-of-line blocking)."""
    while q_i[HEAD] < q_i[TAIL] and pool_i[IDLE] >= job_gpus[wait_job[q_i[HEAD]]]:
        job = wait_job[q_i[HEAD]]
        q_i[HEAD] += 1
        _start(
            t,
            job,
            pool_i,
            pool_f,
            q_i,
            job_day,
            job_gpus,
            job_dur,
            job_counted,
            heap_end,
            heap_seq,
            heap_job,
            start_day,
            start_wait,
        )


@njit(cache=True)
def admit(
    job: int,
    limit: float,
    pool_i: I64,
    pool_f: F64,
    q_i: I64,
    job_day: F64,
    job_gpus: I64,
    job_dur: F64,
    job_counted: Flags,
    heap_end: F64,
    heap_seq: I64,
    heap_job: I64,
    wait_job: I64,
    start_day: F64,
    start_wait: F64,
) -> None:
    """A job arriving at its day (already counted as an arrival, unless warm-start) is rejected, started or queued."""
    k = job_gpus[job]
    if k > limit:
        q_i[REJECTED] += 1
        return
    if not job_counted[job]:
        q_i[INITIAL] += 1
    if q_i[HEAD] == q_i[TAIL] and pool_i[IDLE] >= k:
        _start(
            job_day[job],
            job,
            pool_i,
            pool_f,
            q_i,
            job_day,
            job_gpus,
            job_dur,
            job_counted,
            heap_end,
            heap_seq,
            heap_job,
            start_day,
            start_wait,
        )
    else:
        wait_job[q_i[TAIL]] = job
        q_i[TAIL] += 1


@njit(cache=True)
def replay(
    t: float,
    limit: float,
    n_sched: int,
    pool_i: I64,
    pool_f: F64,
    q_i: I64,
    q_f: F64,
    job_day: F64,
    job_cls: I64,
    job_gpus: I64,
    job_dur: F64,
    job_counted: Flags,
    heap_end: F64,
    heap_seq: I64,
    heap_job: I64,
    wait_job: I64,
    start_day: F64,
    start_wait: F64,
    arrived_by_class: I64,
    completed_by_class: I64,
) -> None:
    """Replay every job event (arrival, end) at or before day t, in time order; an end at the instant of an
    arrival comes first (AiDemand.advance_to)."""
    i = q_i[NEXT]
    inf = np.inf
    ta = job_day[i] if i < n_sched else inf
    while True:
        te = heap_end[0] if q_i[HEAP] > 0 else inf
        if te <= ta:  # an end before (or at the instant of) the next arrival
            if te > t:
                break
            job = _pop(q_i, heap_end, heap_seq, heap_job)
            k = job_gpus[job]
            # GpuPool._give_back: hand back k GPUs, paying any retirement debt first
            pool_f[BUSY_ACC] += pool_i[BUSY] * (te - pool_f[T_LAST])
            pool_f[T_LAST] = te
            pool_i[BUSY] -= k
            pay = min(pool_i[DEBT], k)
            pool_i[DEBT] -= pay
            pool_i[IDLE] += k - pay
            q_i[COMPLETED] += 1
            completed_by_class[job_cls[job]] += 1
            if q_i[HEAD] < q_i[TAIL]:
                serve(
                    te,
                    pool_i,
                    pool_f,
                    q_i,
                    job_day,
                    job_gpus,
                    job_dur,
                    job_counted,
                    heap_end,
                    heap_seq,
                    heap_job,
                    wait_job,
                    start_day,
                    start_wait,
                )
            continue
        if ta > t:
            break
        if job_counted[i]:
            q_i[ARRIVED] += 1
            arrived_by_class[job_cls[i]] += 1
            if q_i[HEAD] < q_i[TAIL] and job_gpus[i] <= limit:
                # admit's last branch, here without the call: behind a waiting job it can only queue. Once the
                # demand outgrows the GPUs (to 2040: ~650,000 of ~680,000 jobs) this is nearly every arrival,
                # and the call (15 arrays passed, each reference-counted) cost ~40x the append itself
                wait_job[q_i[TAIL]] = i
                q_i[TAIL] += 1
                i += 1
                ta = job_day[i] if i < n_sched else inf
                continue
        admit(
            i,
            limit,
            pool_i,
            pool_f,
            q_i,
            job_day,
            job_gpus,
            job_dur,
            job_counted,
            heap_end,
            heap_seq,
            heap_job,
            wait_job,
            start_day,
            start_wait,
        )
        i += 1
        ta = job_day[i] if i < n_sched else inf
    q_i[NEXT] = i
    q_f[T_REPLAYED] = t
