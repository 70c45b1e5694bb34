"""Shared helpers of the dxsim benchmarks: environment, timing, profiling, RESULTS.md.

Not a benchmark itself. Every `bench_*.py` imports it first (it also points
DXSIM_RAW_DATA at ../shared/geodata when the variable is unset, as the Makefile does).
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
BASELINE = REPO / "scenarios" / "baseline.toml"
SECTION_ORDER = ("header", "replication", "coverage", "scaling", "map", "sweep", "everyday", "optimise")

os.environ.setdefault("DXSIM_RAW_DATA", str((REPO.parent / "shared" / "geodata").resolve()))
# absolute for the child processes, some of which run elsewhere (bench_everyday --against runs a git worktree in a
# temporary folder, where ../shared/geodata named nothing and the run stopped after nine minutes of measuring)
os.environ["DXSIM_RAW_DATA"] = str(Path(os.environ["DXSIM_RAW_DATA"]).resolve())
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


# --------------------------------------------------------------------------- environment
def pin_one_core(cpu: int = 0) -> str:
    """Pin this process (and children it starts) to one core; returns a note for the report."""
    try:
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu} (os.sched_setaffinity)"
    except (AttributeError, OSError) as exc:  # pragma: no cover - non-Linux
        return f"NOT pinned ({exc})"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def nproc() -> str:
    try:
        return subprocess.run(["nproc", "--all"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(os.cpu_count())


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "dxsim", "scenarios"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + (" + uncommitted changes in dxsim/ or scenarios/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def mem_total_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GB"
    except OSError:
        pass
    return "unknown"


def load_avg() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def now() -> str:
    return dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def host_speed(repeats: int = 5) -> tuple[float, float]:
    """(ns per step of a fixed pure-Python loop, GB/s of a numpy read stream over 256 MB), best of `repeats`.

    Why: the budgets are in seconds and the benchmarks run on whatever shared host the session gets. The same
    commit's replication took 0.52 s on an Intel Xeon host (2026-12-06) and ~0.9 s on an AMD EPYC host the next day.
    A replication is about half interpreted Python (the SimPy processes, the planners) and half memory-bound compiled
    passes over 400,000 cells, so these two numbers, recorded beside each section, say how fast its host was."""
    import numpy as np

    def python_loop() -> int:
        total = 0
        for i in range(2_000_000):  # an add, a compare and a loop step: the interpreter's own speed
            if i & 1:
                total += i
        return total

    stream = np.ones(32 * 1024 * 1024)  # 256 MB, far beyond any cache
    stream.sum()  # pages touched before timing
    py_s = min(timed(python_loop)[0] for _ in range(repeats))
    mem_s = min(timed(stream.sum)[0] for _ in range(repeats))
    return py_s / 2_000_000 * 1e9, stream.nbytes / mem_s / 1e9


def host_line() -> str:
    """The host a section was measured on, for its "Run ..." line (see host_speed)."""
    py_ns, mem_gbs = host_speed()
    return (
        f"Host: {cpu_model()}; reference speed (`_common.host_speed`, this process): "
        f"pure-Python loop {py_ns:.1f} ns a step, memory read stream {mem_gbs:.1f} GB/s."
    )


def header_body() -> str:
    import numpy
    import polars
    import simpy

    return "\n".join(
        [
            "# dxsim benchmarks",
            "",
            "Produced by `make bench` (= `.venv/bin/python bench/run_all.py`); each benchmark rewrites",
            "its own section below. Timings are wall-clock (`time.perf_counter`) medians; the",
            "1-core numbers are taken with the process pinned to CPU 0. The host is shared, so the",
            "load average at the start of each benchmark is recorded next to its numbers. Sections may be",
            "measured on different hosts: each names its CPU and two reference speeds (`_common.host_speed`),",
            "so a time is read against its own host; the table below is the host of the newest section.",
            "",
            "| | |",
            "|---|---|",
            f"| machine | `nproc` = {nproc()}, {mem_total_gb()} RAM |",
            f"| CPU | {cpu_model()} |",
            f"| Python | {platform.python_version()} (.venv) |",
            f"| numpy / polars / simpy | {numpy.__version__} / {polars.__version__} / {simpy.__version__} |",
            f"| dxsim commit | {git_commit()} |",
            f"| header updated | {now()} |",
        ]
    )


# --------------------------------------------------------------------------- timing
def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def repeat(fn: Callable[[], object], n: int) -> tuple[list[float], object]:
    """Run fn n times; returns the list of seconds and the last result."""
    times, out = [], None
    for _ in range(n):
        t, out = timed(fn)
        times.append(t)
    return times, out


def repeat_wc(fn: Callable[[], object], n: int) -> tuple[list[float], list[float], object]:
    """Like repeat, also returning the process CPU seconds of each call (on a pinned core,
    CPU time is what the wall time would be without other processes competing for it)."""
    wall, cpu, out = [], [], None
    for _ in range(n):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu, out


def med(xs: list[float]) -> float:
    return float(statistics.median(xs))


def fmt_times(xs: list[float]) -> str:
    return f"median {med(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, n={len(xs)})"


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


# --------------------------------------------------------------------------- profiling
def _rel(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        if "site-packages" in path:
            return path.split("site-packages/", 1)[1]
        return path


def profile_top(fn: Callable[[], object], n: int = 12) -> str:
    """cProfile fn once; a markdown table of the top-n functions by own time (file:line)."""
    pr = cProfile.Profile()
    pr.enable()
    fn()
    pr.disable()
    st = pstats.Stats(pr, stream=io.StringIO())
    total = st.total_tt  # type: ignore[attr-defined]
    rows = sorted(st.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:n]  # type: ignore[attr-defined]
    lines = [
        f"cProfile of one call, {total:.2f} s under the profiler (top {n} by own time):",
        "",
        "| own s | own % | cum s | calls | function (file:line) |",
        "|---:|---:|---:|---:|---|",
    ]
    for (file, line, func), (_cc, nc, tt, ct, _callers) in rows:
        where = f"{func}" if file == "~" else f"`{_rel(file)}:{line}` {func}"
        lines.append(f"| {tt:.3f} | {100 * tt / total:.0f}% | {ct:.3f} | {nc} | {where} |")
    # the package's own functions by cumulative time show where the time goes structurally
    own = [(k, v) for k, v in st.stats.items() if str(REPO / "dxsim") in k[0]]  # type: ignore[attr-defined]
    own.sort(key=lambda kv: kv[1][3], reverse=True)
    lines += [
        "",
        "dxsim functions by cumulative time:",
        "",
        "| cum s | cum % | own s | calls | function (file:line) |",
        "|---:|---:|---:|---:|---|",
    ]
    for (file, line, func), (_cc, nc, tt, ct, _callers) in own[:8]:
        lines.append(
            f"| {ct:.3f} | {100 * ct / total:.0f}% | {tt:.3f} | {nc} | `{_rel(file)}:{line}` {func} |"
        )
    return "\n".join(lines)


def line_profile(fn: Callable[[], object], n: int = 10) -> str:
    """Wall time per source line of the dxsim package while fn runs: a tiny sys.settrace line
    profiler. Time is exclusive of other dxsim lines but includes the numpy/polars/simpy
    calls a line makes (fine for numpy-heavy code, whose cost dwarfs the tracing overhead)."""
    pkg = str(REPO / "dxsim") + os.sep
    acc: dict[tuple[str, int], float] = {}
    hits: dict[tuple[str, int], int] = {}
    cur: list = [None, time.perf_counter()]  # current (file, line), time of the last event

    def charge() -> None:
        t = time.perf_counter()
        if cur[0] is not None:
            acc[cur[0]] = acc.get(cur[0], 0.0) + t - cur[1]
            hits[cur[0]] = hits.get(cur[0], 0) + 1
        cur[1] = t

    def local(frame, event, arg):
        charge()
        if event == "line":
            cur[0] = (frame.f_code.co_filename, frame.f_lineno)
        elif event == "return":
            back = frame.f_back
            cur[0] = (
                (back.f_code.co_filename, back.f_lineno)
                if back and back.f_code.co_filename.startswith(pkg)
                else None
            )
        cur[1] = time.perf_counter()
        return local

    def tracer(frame, event, arg):
        if not frame.f_code.co_filename.startswith(pkg):
            return None
        charge()
        cur[0] = (frame.f_code.co_filename, frame.f_lineno)
        cur[1] = time.perf_counter()
        return local

    t0 = time.perf_counter()
    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    wall = time.perf_counter() - t0
    top = sorted(acc.items(), key=lambda kv: kv[1], reverse=True)[:n]
    import linecache

    lines = [
        (
            f"Line timing (sys.settrace over dxsim/; {wall:.2f} s traced; top {n} lines, exclusive of other "
            "dxsim lines, inclusive of the library calls they make):"
        ),
        "",
        "| s | % of call | file:line | code |",
        "|---:|---:|---|---|",
    ]
    for (file, line), t in top:
        code = linecache.getline(file, line).strip().replace("|", "\\|")
        lines.append(f"| {t:.3f} | {100 * t / wall:.0f}% | `{_rel(file)}:{line}` | `{code}` |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- RESULTS.md
def _split_sections(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in SECTION_ORDER:
        b, e = f"<!-- BEGIN {key} -->", f"<!-- END {key} -->"
        i, j = text.find(b), text.find(e)
        if i >= 0 and j > i:
            out[key] = text[i + len(b) : j].strip("\n")
    return out


def update_results(key: str, body: str) -> None:
    """Replace (or add) one section of RESULTS.md and refresh the header; keeps the others."""
    assert key in SECTION_ORDER and key != "header"
    old = RESULTS.read_text() if RESULTS.exists() else ""
    secs = _split_sections(old)
    secs["header"] = header_body()
    secs[key] = body.strip("\n")
    parts = [f"<!-- BEGIN {k} -->\n{secs[k]}\n<!-- END {k} -->" for k in SECTION_ORDER if k in secs]
    tmp = RESULTS.with_suffix(".md.tmp")
    tmp.write_text("\n\n".join(parts) + "\n")
    tmp.replace(RESULTS)


def command_line() -> str:
    script = Path(sys.argv[0]).resolve()
    try:
        script_s = str(script.relative_to(REPO))
    except ValueError:
        script_s = str(script)
    raw = Path(os.environ["DXSIM_RAW_DATA"]).resolve()
    try:  # relative to the repository root, so the command works in any clone
        raw_s = os.path.relpath(raw, REPO)
    except ValueError:
        raw_s = str(raw)
    return " ".join([f"DXSIM_RAW_DATA={raw_s}", ".venv/bin/python", script_s, *sys.argv[1:]])


def load_inputs(scenario_path: Path = BASELINE):
    """(scenario, country) with the geodata cache built if needed (not timed)."""
    from dxsim.geo import load_country
    from dxsim.scenario import load_scenario

    return load_scenario(scenario_path), load_country()
