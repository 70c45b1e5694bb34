"""A second process that writes part of a run's folder while this one writes the rest (issue 13).

It sits beside the runner, above results, maps and report (it calls all three), not inside `results`.

Why: after the replications, `dxsim run` writes the GIS layers, the workbook, metrics.csv, the map and the
report's charts, ~1.5 s (tables only) to ~4.5 s (with map and report) of single-threaded Python, plus ~1 s of
imports (geopandas, matplotlib, folium). The machine has cores to spare then. The helper is started when the
run starts, so its imports happen while this process imports the model and runs the replications; once the
tables are written it takes the GeoPackage/GeoParquet layers, the map and its share of the charts.

Safety (README "Outputs are safe"): the helper writes only inside the run's hidden temporary folder, each file
through `atomic_file`, and only while the parent waits for it. The parent kills it (SIGKILL, then waits for it)
before that folder is removed after a failure or an interrupt; the kernel kills it when the parent dies
(PR_SET_PDEATHSIG), so a killed run leaves only the folder `clean_debris` already removes. It ignores ^C: the
parent handles interrupts. A task the helper could not do (it failed, or is gone) is done again here, so a
failure surfaces as the same error as without the helper. `DXSIM_SIDECAR=0` turns it off, `=1` on whatever
the load (default: on while the machine has a core to spare, :func:`enabled`).

Protocol: pickled tuples over the helper's stdin/stdout. Parent -> helper: ("map" | "gis" | "charts", folder),
("job", index), ("exit",). Helper -> parent: ("ok" | "fail", task, detail), ("want",) for the next chart
index (the parent hands out indices from one counter, shared with its own chart rendering), ("chart", index,
Chart fields).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

ENV_SWITCH = "DXSIM_SIDECAR"
_PR_SET_PDEATHSIG = 1

# modules each kind of work needs: imported by the helper as soon as it starts (some load more on first use)
PRELOAD = {
    "gis": (
        "geopandas",
        "pyogrio",
        "pyogrio.raw",
        "pyproj",
        "shapely.geometry",
        "pyarrow.parquet",
        "geopandas.io.arrow",
        "geopandas.io.file",
        "dxsim.results.gis",
    ),
    "map": ("folium", "dxsim.maps.build"),
    "charts": ("dxsim.report.html",),
}


def _warm(work: list[str]) -> None:
    """First-use costs paid while the replications run: the GIS writers' (`dxsim.results.gis.warm_up`, ~0.1 s of
    the first layers), and folium's page templates, compiled on the first render (~0.2 s of the first map)."""
    if "gis" in work:
        from dxsim.results.gis import warm_up

        warm_up()
    if "map" in work:
        import folium

        folium.Map(location=(16.0, 106.0), zoom_start=5, tiles=None).get_root().render()


def sidecar_work(with_map: bool, with_report: bool) -> tuple[str, ...]:
    """What the helper does for a run writing these pages (dxsim.runner.write_views_shared); it preloads for it.

    It always takes the GIS layers (the largest piece, ~0.8 s); with a report also the map and a share of the
    charts (this process has the workbook and metrics.csv, then shares the charts); without a report this
    process draws the map, so both finish at about the same time.
    """
    return ("gis",) + (("map",) if with_map and with_report else ()) + (("charts",) if with_report else ())


def enabled() -> bool:
    """Whether to start the helper: DXSIM_SIDECAR=1 always, =0 never; by default only when a core is likely free.

    The helper only pays when it gets a core of its own: on a machine whose cores are all busy (1-minute load
    average at or above the core count plus a half) it would add its start-up (~0.3 s of CPU) and win nothing.
    """
    switch = os.environ.get(ENV_SWITCH, "auto").strip().lower()
    if switch in ("0", "false", "no", "off"):
        return False
    if switch in ("1", "true", "yes", "on"):
        return True
    try:
        return os.getloadavg()[0] < (os.cpu_count() or 1) + 0.5
    except OSError:
        return True


def chart_index(taken: int, n_charts: int) -> int | None:
    """The chart to draw for the `taken`-th number from the pool; None when all are handed out.

    Last in page order first: the slowest charts (the multi-panel held-back ones) are last on the page, and
    drawn first both processes finish at about the same time.
    """
    return n_charts - 1 - taken if 0 <= taken < n_charts else None


class ChartPool:
    """Numbers handed out once each, to this process and to the helper, from 0 up (:func:`chart_index`)."""

    def __init__(self) -> None:
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            i = self._next
            self._next += 1
            return i


class Sidecar:
    """The parent's handle on the helper process (one per `dxsim run`, reused for each scenario)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self._send_lock = threading.Lock()
        self._state = threading.Condition()
        self._done: dict[str, bool] = {}  # task -> succeeded, once finished
        self.charts: dict[int, Any] = {}
        self.pool: ChartPool | None = None
        self.alive = True
        self._reader = threading.Thread(target=self._read, name="dxsim-sidecar", daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, work: tuple[str, ...] = ("gis",)) -> Sidecar | None:
        """Start the helper, preloading the modules `work` needs; None when it is off or cannot start."""
        if not enabled() or sys.platform != "linux":
            return None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dxsim.output_helper", str(os.getpid()), *work],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                close_fds=True,
            )
        except OSError:
            return None
        return cls(proc)

    # ------------------------------------------------------------------ messages

    def _send(self, msg: tuple[Any, ...]) -> bool:
        if not self.alive:
            return False
        try:
            with self._send_lock:
                assert self.proc.stdin is not None
                pickle.dump(msg, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                self.proc.stdin.flush()
            return True
        except (OSError, ValueError):
            self._gone()
            return False

    def _read(self) -> None:
        """Reader thread: records results, answers requests for chart indices. Never raises."""
        try:
            assert self.proc.stdout is not None
            while True:
                msg = pickle.load(self.proc.stdout)
                kind = msg[0]
                if kind == "want":
                    pool = self.pool
                    self._send(("job", pool.take() if pool is not None else -1))
                elif kind == "chart":
                    with self._state:
                        self.charts[msg[1]] = msg[2]
                elif kind in ("ok", "fail"):
                    with self._state:
                        self._done[msg[1]] = kind == "ok"
                        self._state.notify_all()
        except BaseException:  # EOF (the helper exited or was killed) or a broken message: it is gone
            self._gone()

    def _gone(self) -> None:
        with self._state:
            self.alive = False
            self._state.notify_all()

    # ------------------------------------------------------------------ tasks

    def submit(self, task: str, folder: Path) -> bool:
        """Ask the helper to do `task` ("map", "gis", "charts") on `folder`; False if it cannot."""
        with self._state:
            self._done.pop(task, None)
        return self._send((task, str(folder)))

    def wait(self, task: str) -> bool:
        """Wait for `task`; True if the helper did it, False if it failed or the helper is gone."""
        with self._state:
            while task not in self._done and self.alive:
                self._state.wait(0.5)
            done = self._done.get(task, False)
        if not done and task not in self._done:
            # gone: reaped before the caller does the task itself, so the hidden file it may have left
            # (`.NAME.tmp-PID`) belongs to a dead process and `atomic_file` clears it
            self.kill()
        return done

    def kill(self) -> None:
        """Stop the helper now and wait until it is gone (before its folder is removed)."""
        self.alive = False
        with contextlib.suppress(OSError):
            self.proc.kill()
        while True:
            try:
                self.proc.wait()
                break
            except KeyboardInterrupt:  # a second ^C must not leave it writing into a folder being removed
                continue
        for f in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                if f is not None:
                    f.close()

    def close(self) -> None:
        """Let the helper exit (it has no work left; it leaves at once), without waiting for it."""
        if self._send(("exit",)):
            self.alive = False
            for f in (self.proc.stdin,):
                with contextlib.suppress(OSError, ValueError):
                    if f is not None:
                        f.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=0.05)
        else:
            self.kill()


def run_with(sidecar: Sidecar | None, body: Callable[[], Any]) -> Any:
    """Run `body` (which may hand work to `sidecar`); on any failure or interrupt the helper is killed first,
    so nothing writes into the folder the caller then removes."""
    try:
        return body()
    except BaseException:
        if sidecar is not None:
            sidecar.kill()
        raise


# ---------------------------------------------------------------------- the helper process


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent exits (Linux); exit if it already has."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def _charts(
    folder: Path, send: Callable[[tuple[Any, ...]], None], recv: Callable[[], tuple[Any, ...]]
) -> None:
    from dxsim.report.html import report_chart_jobs
    from dxsim.report.load import load_run

    jobs = report_chart_jobs(load_run(folder))
    while True:
        send(("want",))
        i = chart_index(int(recv()[1]), len(jobs))
        if i is None:
            return
        send(("chart", i, jobs[i]().fields()))


def _serve(inp: BinaryIO, out: BinaryIO) -> None:
    def send(msg: tuple[Any, ...]) -> None:
        pickle.dump(msg, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    def recv() -> tuple[Any, ...]:
        msg: tuple[Any, ...] = pickle.load(inp)  # the parent sends only tuples
        return msg

    while True:
        try:
            msg = recv()
        except EOFError:
            return
        task = msg[0]
        if task == "exit":  # nothing left to write: skip the interpreter's slow tear-down (~0.3 s)
            out.close()
            os._exit(0)
        folder = Path(msg[1])
        try:
            if task == "gis":
                from dxsim.results.gis import write_gis

                write_gis(folder)
            elif task == "map":
                from dxsim.maps import build_map

                build_map(folder)
            elif task == "charts":
                _charts(folder, send, recv)
            else:
                raise ValueError(f"unknown task {task!r}")
        except Exception as e:  # the parent does the task again itself and reports the error its own way
            send(("fail", task, f"{type(e).__name__}: {e}"))
        else:
            send(("ok", task, None))


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C reaches the whole process group: the parent decides
    _die_with_parent(int(argv[0]))
    # the protocol owns the real stdout; anything a library prints goes to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    work = argv[1:]
    with contextlib.suppress(Exception):
        for mod in (m for w in work for m in PRELOAD.get(w, ())):
            __import__(mod)
        _warm(work)
    _serve(inp, out)


if __name__ == "__main__":
    main(sys.argv[1:])
