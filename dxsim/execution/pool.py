"""Where tasks run: in this process, on a local process pool, or on Dask; workers die with their parent.

See :mod:`dxsim.execution` for the executors and the measured costs.
"""

from __future__ import annotations

import ctypes
import dataclasses
import math
import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from typing import Any

from dxsim.errors import DxsimInputError
from dxsim.execution.tasks import execute_task
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _

DASK_CONNECT_TIMEOUT = "10s"
_THREAD_ENV = ("POLARS_MAX_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class SweepInterrupted(KeyboardInterrupt):
    """An interrupted batch of runs: the finished ones are kept (``done`` of ``total``)."""

    def __init__(self, done: int, total: int, where: str | None = None) -> None:
        self.done, self.total, self.where = done, total, where
        super().__init__(
            _("interrupted after {done} of {total} runs; finished runs kept in {where}").format(
                done=F.number(done), total=F.number(total), where=where
            )
            if where
            else _("interrupted after {done} of {total} runs").format(
                done=F.number(done), total=F.number(total)
            )
        )


CHUNK_MAX_REPLICATIONS = 25  # per task: results stream back and progress moves at least this often


def chunks(indices: list[int], workers: int) -> list[list[int]]:
    """Consecutive runs of replications, about four per worker so the cores stay busy to the end."""
    size = max(1, min(CHUNK_MAX_REPLICATIONS, math.ceil(len(indices) / max(1, 4 * workers))))
    return [indices[i : i + size] for i in range(0, len(indices), size)]


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
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok: bool = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)  # orphaned already: the parent cannot take our results
    return ok


def parent_death_signal() -> int | None:
    """The signal this process gets when its parent dies (0: none; None: not Linux). For checks."""
    if not sys.platform.startswith("linux"):
        return None
    value = ctypes.c_int(0)
    ctypes.CDLL(None, use_errno=True).prctl(PR_GET_PDEATHSIG, ctypes.byref(value), 0, 0, 0)
    return int(value.value)


def _init_worker() -> None:
    """Pool worker start-up: die with the calling process; one compute thread (the workers fill the cores)."""
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


def run_tasks(
    tasks: Sequence[Any],
    on_result: OnResult,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    where: str | None = None,
    fn: TaskFn | None = None,
    pool: LocalPool | None = None,
) -> ExecStats:
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


class _Tally:
    """What a batch's finished records add up to (count, busy and prepare time, first result), kept as they come.

    Why not the records themselves: a `dxsim run --reps 1000` record carries its replications' national rows, and
    keeping every record to the end held ~0.4 MB a replication in the calling process."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.done = 0
        self.busy_s = self.prepare_s = 0.0
        self.first_s: float | None = None

    def add(self, rec: dict[str, Any]) -> None:
        self.done += 1
        self.busy_s += float(rec["timing"]["task_s"])
        self.prepare_s += float(rec["timing"]["prepare_s"])
        if self.first_s is None:
            self.first_s = time.perf_counter() - self.t0

    def stats(self, executor: str, workers: int) -> ExecStats:
        wall = time.perf_counter() - self.t0
        return ExecStats(executor, workers, self.done, wall, self.busy_s, self.prepare_s, self.first_s)


def _run_inprocess(tasks: list[Any], on_result: OnResult, where: str | None, fn: TaskFn) -> ExecStats:
    tally = _Tally()
    try:
        for task in tasks:
            rec = fn(task)
            tally.add(rec)
            on_result(rec)
    except KeyboardInterrupt:
        raise SweepInterrupted(tally.done, len(tasks), where) from None
    return tally.stats("in-process", 1)


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
            # the workers fill the cores: one polars/BLAS thread each. Spawned children read these at
            # start-up (polars is imported before any initializer runs), so they are set around the spawning.
            saved = {k: os.environ.get(k) for k in _THREAD_ENV}
            try:
                for k in _THREAD_ENV:
                    os.environ.setdefault(k, "1")
                # concurrent.futures.process (with multiprocessing's connection machinery) loads only here:
                # a run without a pool does not pay for it at start-up
                from concurrent.futures import ProcessPoolExecutor

                self._ex = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=mp.get_context("spawn"), initializer=_init_worker
                )
                # start every worker now, while the variables are set, with ^C blocked: a worker inherits the
                # block, so a ^C to the terminal's process group reaches the caller alone (which stops the pool)
                # instead of printing each starting worker's KeyboardInterrupt traceback; the caller's own ^C
                # waits while blocked and arrives right after
                blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
                try:
                    for _ in range(self.workers):
                        self._ex.submit(os.getpid)
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
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


def _run_pool(
    tasks: list[Any],
    on_result: OnResult,
    workers: int,
    where: str | None,
    fn: TaskFn,
    pool: LocalPool | None = None,
) -> ExecStats:
    tally = _Tally()
    own = pool is None
    pool = pool or LocalPool(workers)
    workers = pool.workers
    # only the futures still to come are kept: a finished future holds its record (see _Tally)
    pending: set[Any] = set()
    try:
        # starting the workers and queueing the tasks are inside: a ^C while 4,900 sweep runs were queued left
        # them queued, and the interpreter's exit waited for every one of them, its workers at full CPU
        ex = pool.executor()
        for t in tasks:
            pending.add(ex.submit(fn, t))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            while done:  # popped one by one, so a handled future (and its record) is let go before the next
                rec = done.pop().result()
                tally.add(rec)
                on_result(rec)
    except KeyboardInterrupt:
        pool.stop(pending)
        raise SweepInterrupted(tally.done, len(tasks), where) from None
    except BaseException:
        pool.stop(pending)
        raise
    if own:
        pool.close()
    return tally.stats("process-pool", workers)


def _stop_pool(ex: Any, futures: Iterable[Any]) -> None:
    """Cancel what has not started and stop the pool's own worker processes (by their pids)."""
    for f in futures:
        f.cancel()
    procs = list(getattr(ex, "_processes", {}).values())  # the executor's children, nothing else
    for p in procs:
        if p.is_alive():
            p.terminate()
    ex.shutdown(wait=True, cancel_futures=True)


def _run_dask(
    tasks: list[Any], on_result: OnResult, scheduler: Any, where: str | None, fn: TaskFn
) -> ExecStats:
    try:
        import distributed
    except ImportError:  # pragma: no cover - depends on the install
        raise DxsimInputError(
            _("running on a Dask cluster needs dask.distributed, which is not installed"),
            field="--scheduler",
            value=str(scheduler),
            allowed="pip install 'dxsim[cluster]'",
        ) from None
    dask: Any = distributed  # its Client and as_completed carry no annotations
    Client, as_completed = dask.Client, dask.as_completed
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise DxsimInputError(
                _("cannot reach the Dask scheduler ({reason})").format(reason=f"{type(exc).__name__}: {exc}"),
                field="--scheduler",
                value=str(scheduler),
                allowed=_("the address of a running scheduler, e.g. tcp://10.0.0.5:8786"),
            ) from None
    else:
        client = scheduler
    n_workers = max(
        1, sum(int(w.get("nthreads", 1)) for w in client.scheduler_info().get("workers", {}).values())
    )
    tally = _Tally()
    futures = [client.submit(fn, t, key=f"dxsim-run-{t.run_id}", pure=False) for t in tasks]
    try:
        for fut in as_completed(futures):
            rec = fut.result()
            fut.release()
            tally.add(rec)
            on_result(rec)
    except KeyboardInterrupt:
        client.cancel(futures)
        if own:
            client.close()
        raise SweepInterrupted(tally.done, len(tasks), where) from None
    except BaseException:
        client.cancel(futures)
        if own:
            client.close()
        raise
    if own:
        client.close()
    return tally.stats("dask", n_workers)
