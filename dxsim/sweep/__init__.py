"""Sensitivity sweeps: parameter ranges over a base scenario, sampled, run, analysed, resumable.

    from dxsim.sweep import run_sweep
    res = run_sweep("scenarios/sweeps/example.toml", workers=2)           # local process pool
    res = run_sweep("scenarios/sweeps/example.toml", scheduler="tcp://10.0.0.5:8786")  # Dask cluster

The SWEEP.toml format is documented in :mod:`dxsim.sweep.spec`; sampling in
:mod:`dxsim.sweep.sampling`; execution (world reuse, pool, Dask) in :mod:`dxsim.sweep.execute`;
indices in :mod:`dxsim.sweep.analysis`.

Output directory (default ``outputs/sweeps/<name>/``):

- ``runs/<run_id>.json``: one file per finished run (parameters, per-replication KPIs, timing),
  written atomically as soon as the run finishes. An interrupted sweep keeps them; running the
  same sweep again skips every run whose file is there and only executes the rest. A run id
  hashes the run's full scenario, seed, replications and dxsim version, so files of an edited
  sweep are never mistaken for the current one (they are ignored, not deleted).
- ``runs.csv`` / ``runs.parquet``: one row per run, in design order: run, run_id, one column per
  parameter path (the value used), one column per KPI (mean over the run's replications).
- ``replications.parquet``: run, run_id, replication, kpi, value (every replication of every run).
- ``indices.csv``: kpi, parameter, index, value, conf, ci_low, ci_high.
- ``drivers.csv`` and ``drivers.md``: per KPI the `top` parameters that move it most, with CIs.
- ``sweep.json``: the spec, counts (runs, executed now, reused), timing and per-task overhead.

The final tables are rebuilt from the run files on every (re-)run, each written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim.results.writer import atomic_file
from dxsim.sweep.execute import ExecStats, RunTask, SweepInterrupted, run_tasks
from dxsim.sweep.spec import SweepSpec, load_sweep

__all__ = ["SweepInterrupted", "SweepResult", "SweepSpec", "drivers_table", "load_sweep", "plan_sweep", "run_sweep"]

OnRun = Callable[[dict[str, Any], int, int], None]


@dataclass
class SweepResult:
    spec: SweepSpec
    runs: pl.DataFrame
    replications: pl.DataFrame
    indices: pl.DataFrame
    drivers: pl.DataFrame
    notes: dict[str, str]
    out_dir: Path
    executed: int
    reused: int
    stats: ExecStats | None


def default_out_dir(spec: SweepSpec) -> Path:
    return Path("outputs") / "sweeps" / spec.name


def plan_sweep(path: str | os.PathLike[str]) -> tuple[SweepSpec, Any, list[RunTask]]:
    """Validate the sweep file and every sampled scenario: (spec, design, tasks); nothing is run."""
    from dxsim.sweep.sampling import build_tasks

    spec = load_sweep(path)
    des, tasks = build_tasks(spec)
    return spec, des, tasks




def _load_finished(runs_dir: Path, tasks: list[RunTask]) -> dict[str, dict]:
    out = {}
    for t in tasks:
        f = runs_dir / f"{t.run_id}.json"
        if not f.is_file():
            continue
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable: run it again
        if rec.get("run_id") == t.run_id and len(rec.get("kpis", {})) == t.reps:
            out[t.run_id] = rec
    return out


def _run_value(rec: dict, kpi: str) -> float:
    """A run's KPI: mean over its replications (NaN if undefined in any of them)."""
    vals = [d.get(kpi) for d in rec["kpis"].values()]
    if not vals or any(v is None for v in vals):
        return math.nan
    return float(np.mean(vals))


def _group_by_world(tasks: list[RunTask]) -> list[RunTask]:
    """Runs sharing a prepared world next to each other (a worker's cache then hits)."""
    order: dict[str, int] = {}
    for t in tasks:
        order.setdefault(t.world_key, len(order))
    return sorted(tasks, key=lambda t: (order[t.world_key], t.run))


def _tidy(x: float) -> float:
    """Round-off (|x| < 1e-9, e.g. 1.3e-27 from an estimator of an exactly-zero effect) shown as 0."""
    return 0.0 if abs(x) < 1e-9 else x


def drivers_table(result: SweepResult) -> Any:
    """A `rich.table.Table` of the top drivers per KPI (for the terminal)."""
    from rich.table import Table

    from dxsim.sweep.analysis import MAIN_INDEX

    spec = result.spec
    main = MAIN_INDEX[spec.method]
    t = Table(title=f"Sweep {spec.name}: {spec.method}, {result.runs.height} runs x {spec.reps_per_run} rep(s); "
              f"what moves each KPI ({main}, ± {spec.conf_level:.0%} CI)")
    t.add_column("KPI", overflow="fold")
    for i in range(1, spec.top + 1):
        t.add_column(f"#{i}", overflow="fold")
    for kpi in spec.kpis:
        if kpi in result.notes:
            t.add_row(kpi, result.notes[kpi], *[""] * (spec.top - 1))
            continue
        sub = result.drivers.filter(pl.col("kpi") == kpi).sort("rank")
        cells = []
        for r in sub.iter_rows(named=True):
            v, c = _tidy(r["value"]), None if r["conf"] is None else _tidy(r["conf"])
            txt = f"{r['parameter']}\n{main} {v:.3g}" + (f" ± {c:.2g}" if c is not None else "")
            cells.append(txt + ("" if r["distinct_from_zero"] and v != 0 else " (n.s.)"))
        t.add_row(kpi, *(cells + [""] * (spec.top - len(cells))))
    return t


def run_sweep(path: str | os.PathLike[str], *, out_dir: str | os.PathLike[str] | None = None,
              workers: int | None = None, scheduler: Any = None, progress: Callable[[str], None] | None = None,
              on_run: OnRun | None = None) -> SweepResult:
    """Run (or resume) a sweep and write its tables; returns them.

    `workers`: local process-pool size (default: CPU count; 0 = in this process). `scheduler`: a Dask
    scheduler address or `distributed.Client` (then `workers` is ignored). `on_run(record, done, total)`
    is called after each finished run has been saved. Ctrl-C (or an exception from `on_run`) raises
    :class:`SweepInterrupted` after the finished runs are saved; call again to resume.
    """
    from dxsim.sweep.analysis import analyse, drivers_markdown

    say = progress or (lambda _m: None)
    spec, des, tasks = plan_sweep(path)
    out = Path(out_dir) if out_dir is not None else default_out_dir(spec)
    runs_dir = out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    finished = _load_finished(runs_dir, tasks)
    reused = len(finished)
    todo = _group_by_world([t for t in tasks if t.run_id not in finished])
    say(f"{len(tasks)} runs: {reused} already done, {len(todo)} to run")
    total = len(tasks)

    def on_result(rec: dict) -> None:
        f = runs_dir / f"{rec['run_id']}.json"
        atomic_file(f, lambda p: p.write_text(json.dumps(rec, allow_nan=False) + "\n", encoding="utf-8"))
        finished[rec["run_id"]] = rec
        say(f"run {rec['run']} done ({len(finished)}/{total})")
        if on_run:
            on_run(rec, len(finished), total)

    stats = None
    try:
        stats = run_tasks(todo, on_result, workers=workers, scheduler=scheduler, where=str(runs_dir))
    except SweepInterrupted:
        raise SweepInterrupted(len(finished), total, str(runs_dir)) from None

    # assemble from the run files, in design order
    recs = [finished[t.run_id] for t in tasks]
    cols: dict[str, Any] = {"run": [t.run for t in tasks], "run_id": [t.run_id for t in tasks]}
    for p in spec.parameters:
        cols[p.path] = [float(t.params[p.path]) for t in tasks]
    Y = {k: np.array([_run_value(r, k) for r in recs], dtype=float) for k in spec.kpis}
    for k in spec.kpis:
        cols[k] = [None if not math.isfinite(v) else float(v) for v in Y[k]]
    runs = pl.DataFrame(cols, schema={**{"run": pl.Int64, "run_id": pl.Utf8},
                                      **{p.path: pl.Float64 for p in spec.parameters},
                                      **{k: pl.Float64 for k in spec.kpis}})
    rep_rows = [{"run": r["run"], "run_id": r["run_id"], "replication": int(rep), "kpi": k, "value": d.get(k)}
                for r in recs for rep, d in sorted(r["kpis"].items(), key=lambda kv: int(kv[0])) for k in spec.kpis]
    reps_df = pl.DataFrame(rep_rows, schema={"run": pl.Int64, "run_id": pl.Utf8, "replication": pl.Int64,
                                             "kpi": pl.Utf8, "value": pl.Float64})
    say("sensitivity indices")
    an = analyse(spec, des.X, Y)
    import dxsim

    busy = sum(float(r["timing"]["task_s"]) for r in recs)
    meta = {
        "sweep_file": str(spec.file), "base": str(spec.base), "name": spec.name, "method": spec.method,
        "samples": spec.samples, "seed": spec.seed, "reps_per_run": spec.reps_per_run, "kpis": spec.kpis,
        "parameters": [{"path": p.path, "low": p.low, "high": p.high, "integer": p.integer, "unit": p.unit}
                       for p in spec.parameters],
        "runs": total, "executed_now": len(todo), "reused": reused,
        "execution": stats.as_dict() if stats else None,
        "task_seconds_total": busy, "notes": an.notes, "dxsim_version": dxsim.__version__,
        "written": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    atomic_file(out / "runs.csv", lambda p: runs.write_csv(p))
    atomic_file(out / "runs.parquet", lambda p: runs.write_parquet(p))
    atomic_file(out / "replications.parquet", lambda p: reps_df.write_parquet(p))
    atomic_file(out / "indices.csv", lambda p: an.indices.write_csv(p))
    atomic_file(out / "drivers.csv", lambda p: an.drivers.write_csv(p))
    atomic_file(out / "drivers.md", lambda p: p.write_text(drivers_markdown(spec, an, total), encoding="utf-8"))
    atomic_file(out / "sweep.json", lambda p: p.write_text(json.dumps(meta, indent=2, default=str) + "\n",
                                                         encoding="utf-8"))
    return SweepResult(spec, runs, reps_df, an.indices, an.drivers, an.notes, out, len(todo), reused, stats)
