"""Sensitivity sweeps: parameter ranges over a base scenario, sampled, run, analysed, resumable.

    from dxsim.sweep import run_sweep
    res = run_sweep("scenarios/sweeps/example.toml", workers=2)           # local process pool
    res = run_sweep("scenarios/sweeps/example.toml", scheduler="tcp://10.0.0.5:8786")  # Dask cluster

The SWEEP.toml format is documented in :mod:`dxsim.sweep.spec`; sampling in
:mod:`dxsim.sweep.sampling`; execution (world reuse, pool, Dask) in :mod:`dxsim.execution`;
indices in :mod:`dxsim.sweep.analysis`.

Output directory (default ``outputs/sweeps/<name>/``):

- ``runs/<run_id>.json``: one file per finished run (parameters, per-replication KPIs, timing),
  written atomically as soon as the run finishes. An interrupted sweep keeps them; running the
  same sweep again skips every run whose file is there and only executes the rest. A run id
  hashes the run's full scenario, seed, replications and dxsim version, so files of an edited
  sweep are never mistaken for the current one (they are ignored, not deleted). Each record
  carries ``sha256``, the hash of its own canonical JSON (:func:`record_sha256`); a file that is
  damaged (not JSON, truncated, wrong shape) or edited (the hash no longer matches, e.g. a KPI
  changed by hand) is not reused: that run is executed again and its file replaced, with a
  warning naming the file. (The hash catches accidents and hand edits, not forgery.)
- ``runs.csv`` / ``runs.parquet``: one row per run, in design order: run, run_id, one column per
  parameter path (the value used), one column per KPI (mean over the run's replications), and for each date KPI
  (a decimal year) the month it falls in, ``<kpi>_month`` ("2028-03"; empty when not reached).
- ``replications.parquet``: run, run_id, replication, kpi, value (every replication of every run).
- ``indices.csv``: kpi, parameter, index, value, conf, ci_low, ci_high, p_value (rho: the permutation test of
  rho = 0 that decides "n.s.").
- ``drivers.csv`` and ``drivers.md``: per KPI the `top` parameters that move it most, with CIs.
- ``sweep.json``: the spec, counts (runs, executed now, reused), timing and per-task overhead.

The final tables are rebuilt from the run files on every (re-)run, each written atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim._version import __version__
from dxsim.errors import DxsimInputError
from dxsim.execution import ExecStats, RunTask, SweepInterrupted, run_tasks, year_end_tags
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.results.kpi_labels import is_year_kpi
from dxsim.results.summary import decimal_year_to_date
from dxsim.results.writer import atomic_file, atomic_files, claim_output_dir
from dxsim.sweep.analysis import (
    INERT_NOTE,
    MAIN_INDEX,
    YEAR_KPI_LEVELS,
    analyse,
    drivers_markdown,
    index_text,
    interval_text,
    reach_advice,
    spread_text,
)
from dxsim.runner_budget import check_pool_memory
from dxsim.sweep.sampling import build_tasks
from dxsim.sweep.spec import (
    SweepSpec,
    check_size,
    check_time,
    delay_cautions,
    draw_cautions,
    estimate_text,
    load_sweep,
    uncertainty_cautions,
    unit_cautions,
)

__all__ = [
    "INERT_NOTE",
    "SweepInterrupted",
    "SweepResult",
    "SweepSpec",
    "drivers_table",
    "load_sweep",
    "plan_sweep",
    "run_sweep",
]

OnRun = Callable[[dict[str, Any], int, int], None]
HASH_KEY = "sha256"


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
    inert: list[str] = field(default_factory=list)  # parameters that moved no KPI (analysis.inert_parameters)


def default_out_dir(spec: SweepSpec) -> Path:
    return Path("outputs") / "sweeps" / spec.name


def plan_sweep(
    path: str | os.PathLike[str],
    *,
    yes: bool = True,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[SweepSpec, Any, list[RunTask]]:
    """Validate the sweep file and every sampled scenario: (spec, design, tasks); nothing is run.

    The size is checked before sampling (:func:`dxsim.sweep.spec.check_size`): `yes=False` refuses
    a sweep above CONFIRM_REPLICATIONS with its time estimate (on `workers`), as `dxsim sweep` does.
    """
    spec = load_sweep(path)
    check_size(spec, yes=yes, workers=workers)
    des, tasks = build_tasks(spec, progress=progress)
    return spec, des, tasks


def record_sha256(rec: dict[str, Any]) -> str:
    """sha256 of a run record's canonical JSON, without its own hash field (stored in the file)."""
    body = {k: v for k, v in rec.items() if k != HASH_KEY}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _record_problem(rec: Any, task: RunTask) -> str | None:
    """Why a run file cannot be reused for `task` (None: it can)."""
    if not isinstance(rec, dict):
        return {
            list: _("the file holds an array, not a run record"),
            str: _("the file holds a string, not a run record"),
            bool: _("the file holds true/false, not a run record"),
            type(None): _("the file holds null, not a run record"),
        }.get(type(rec), _("the file holds a number, not a run record"))
    if rec.get(HASH_KEY) is None:
        return _("no {name} checksum (written by an older dxsim or by hand)").format(name=HASH_KEY)
    if rec.get(HASH_KEY) != record_sha256(rec):
        return _("its content does not match its {name} checksum (edited or damaged)").format(name=HASH_KEY)
    if rec.get("run_id") != task.run_id or rec.get("run") != task.run:
        return _("it describes run {run} ({run_id}), not this file's run").format(
            run=repr(rec.get("run")), run_id=repr(rec.get("run_id"))
        )
    kpis = rec.get("kpis")
    if not (
        isinstance(kpis, dict)
        and sorted(kpis) == sorted(str(r) for r in range(task.reps))
        and all(
            isinstance(d, dict) and all(v is None or _is_num(v) for v in d.values()) for d in kpis.values()
        )
    ):
        return _("its kpis are not {n} replication(s) of numbers").format(n=task.reps)
    timing = rec.get("timing")
    if not (isinstance(timing, dict) and _is_num(timing.get("task_s")) and _is_num(timing.get("prepare_s"))):
        return _("its timing is missing")
    return None


def _load_finished(
    runs_dir: Path, tasks: list[RunTask], warn: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """The reusable run records by run id; a damaged or edited file is reported and its run redone."""
    out: dict[str, dict[str, Any]] = {}
    for t in tasks:
        f = runs_dir / f"{t.run_id}.json"
        if not os.path.lexists(f):
            continue
        if not f.is_file():
            raise DxsimInputError(
                _("not a regular file, so the run's result cannot be saved there"),
                file=f,
                allowed=_("delete or move it, then run the sweep again"),
            )
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
            problem = _record_problem(rec, t)
        except (OSError, ValueError, RecursionError) as exc:
            problem = _("unreadable ({reason})").format(
                reason=(str(exc).splitlines() or [type(exc).__name__])[0]
            )
        if problem is None:
            out[t.run_id] = rec
        else:
            warn(
                _("{file}: {problem}; run {run} is executed again and the file replaced").format(
                    file=f, problem=problem, run=t.run
                )
            )
    return out


def _run_value(rec: dict[str, Any], kpi: str) -> float:
    """A run's KPI: mean over its replications (NaN if undefined in any of them)."""
    vals = [d.get(kpi) for d in rec["kpis"].values()]
    if not vals or any(v is None for v in vals):
        return math.nan
    return float(np.mean(vals))


def _reach_advice(spec: SweepSpec, recs: list[dict[str, Any]], Y: dict[str, np.ndarray]) -> dict[str, str]:
    """`analysis.reach_advice` for each year KPI undefined in some runs, from its level at the horizon's last two
    year ends in those runs (every run record holds the year-end levels, `execution.kpis`)."""
    h = spec.base_scenario.horizon
    tags = year_end_tags(h.start_date, h.end_date)
    if len(tags) < 2:
        return {}
    last_tag, before_tag = tags[-1], tags[-2]
    y0, m0 = (int(x) for x in before_tag.split("_"))
    y1, m1 = (int(x) for x in last_tag.split("_"))
    years = (y1 - y0) + (m1 - m0) / 12.0
    out = {}
    for kpi in spec.kpis:
        undefined = [r for r, v in zip(recs, Y[kpi], strict=True) if not math.isfinite(v)]
        stem = YEAR_KPI_LEVELS.get(kpi, ("", 0.0))[0]
        if not undefined or not stem:
            continue
        last = np.array([_run_value(r, f"{stem}_{last_tag}") for r in undefined])
        before = np.array([_run_value(r, f"{stem}_{before_tag}") for r in undefined])
        text = reach_advice(kpi, last, before, (before_tag, last_tag), years, h.end_date)
        if text:
            out[kpi] = text
    return out


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

    spec = result.spec
    main = MAIN_INDEX[spec.method]
    t = Table(
        title=_(
            "Sweep {name}: {method}, {runs} runs x {reps} rep(s); what moves each KPI ({index}, {conf} CI)"
        ).format(
            name=spec.name,
            method=spec.method,
            runs=F.plain(result.runs.height),
            reps=spec.reps_per_run,
            index=main,
            conf=F.percent(100 * spec.conf_level, 0),
        )
    )
    t.add_column(_("KPI"), overflow="fold")
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
            # as drivers.md shows it: "1e+05 ± 2e+04" here beside "100,450 ± 20,363" there (analyst trial)
            txt = f"{r['parameter']}\n{main} {index_text(v)}" + interval_text(
                main, c, r["ci_low"], r["ci_high"]
            )
            cells.append(txt + ("" if r["distinct_from_zero"] and v != 0 else " " + _("(n.s.)")))
        # how much there is to explain: a large index on a KPI that moves by 0.0007 points explains nothing
        y = result.runs[kpi].cast(pl.Float64).drop_nulls().drop_nans() if kpi in result.runs.columns else None
        spread = (
            spread_text((float(y.min()), float(y.max())), kpi, float(y.mean()))  # type: ignore[arg-type]
            if y is not None and y.len()
            else ""
        )
        t.add_row(kpi + ("\n" + spread.strip() if spread else ""), *(cells + [""] * (spec.top - len(cells))))
    return t


def month_column(kpi: str) -> str:
    """runs.csv's month column of a date KPI: `year_last_village_connected` -> `year_last_village_connected_month`."""
    return f"{kpi}_month"


def _month_of(v: float | None) -> str | None:
    """A decimal year (summary.json's dates) as its month "YYYY-MM"; None for a date never reached."""
    d = decimal_year_to_date(v)
    return None if d is None else f"{d:%Y-%m}"


def run_sweep(
    path: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[str], None] | None = None,
    on_run: OnRun | None = None,
    yes: bool = False,
    warn: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run (or resume) a sweep and write its tables; returns them.

    `workers`: local process-pool size (default: CPU count; 0 = in this process). `scheduler`: a Dask
    scheduler address or `distributed.Client` (then `workers` is ignored). `on_run(record, done, total)`
    is called after each finished run has been saved. Ctrl-C (or an exception from `on_run`) raises
    :class:`SweepInterrupted` after the finished runs are saved; call again to resume. `yes`: start a
    sweep above CONFIRM_REPLICATIONS (refused otherwise, with its time estimate). `warn(message)`:
    damaged or edited run files that are run again, and a delay whose median is swept with its 90th percentile
    fixed (`spec.delay_cautions`; default: :func:`warnings.warn`).
    """
    say = progress or (lambda _m: None)
    tell = warn or (lambda m: warnings.warn(m, stacklevel=3))
    n_workers = (
        None if scheduler is not None else ((os.cpu_count() or 1) if workers is None else max(1, workers))
    )
    spec, des, tasks = plan_sweep(path, yes=yes, workers=n_workers, progress=say)
    target = Path(out_dir) if out_dir is not None else default_out_dir(spec)
    if scheduler is None and n_workers is not None:
        check_pool_memory(min(n_workers, len(tasks)), yes=yes)
    if not yes and scheduler is None:  # a cluster's size is not known here: its job is not judged in time
        check_time(
            spec,
            [t.world_key for t in tasks if not (target / "runs" / f"{t.run_id}.json").is_file()],
            n_workers,
        )
    # a new, empty or earlier dxsim folder only: its finished runs are reused, a user's folder is refused
    out = claim_output_dir(target, kind="sweep")
    runs_dir = out / "runs"
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        raise DxsimInputError(
            _("cannot create the output folder ({reason})").format(
                reason=getattr(exc, "strerror", None) or exc
            ),
            file=runs_dir,
            field="--out",
            allowed=_("a writable folder"),
        ) from None
    total = len(tasks)
    finished: dict[str, dict[str, Any]] = {}
    try:  # ^C after the runs (reading, analysing, writing) keeps them too: say so, as during the runs
        finished = _load_finished(runs_dir, tasks, tell)
        reused = len(finished)
        todo = _group_by_world([t for t in tasks if t.run_id not in finished])
        say(
            _("{n} runs: {reused} already done, {todo} to run ({estimate})").format(
                n=len(tasks),
                reused=reused,
                todo=len(todo),
                estimate=estimate_text(spec, len(todo), n_workers, [t.world_key for t in todo]),
            )
        )
        # before the runs, so a planner can stop and pair the delay, or turn the draws off
        for caution in [
            *unit_cautions(spec),
            *delay_cautions(spec),
            *uncertainty_cautions(spec),
            *draw_cautions(spec),
        ]:
            tell(caution)

        def on_result(rec: dict[str, Any]) -> None:
            f = runs_dir / f"{rec['run_id']}.json"
            rec[HASH_KEY] = record_sha256(rec)
            try:
                atomic_file(
                    f, lambda p: p.write_text(json.dumps(rec, allow_nan=False) + "\n", encoding="utf-8")
                )
            except OSError as exc:
                raise DxsimInputError(
                    _("cannot save run {run} ({reason})").format(run=rec["run"], reason=exc.strerror or exc),
                    file=f,
                    field="--out",
                    allowed=_(
                        "a writable folder with free space; finished runs are kept, run the "
                        "same command again to resume"
                    ),
                ) from None
            finished[rec["run_id"]] = rec
            if (
                on_run
            ):  # the count of runs done goes here; `progress` says the stages (a log prints each of them)
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
            cols[p.path] = [p.cast(t.params[p.path]) for t in tasks]
        Y = {k: np.array([_run_value(r, k) for r in recs], dtype=float) for k in spec.kpis}
        for k in spec.kpis:
            cols[k] = [None if not math.isfinite(v) else float(v) for v in Y[k]]
        runs = pl.DataFrame(
            cols,
            schema={
                "run": pl.Int64,
                "run_id": pl.Utf8,
                # an integer field (crews, kits) as the integers the runs used: 345, not 345.0 (analyst trial)
                **{p.path: (pl.Int64 if p.integer else pl.Float64) for p in spec.parameters},
                **dict.fromkeys(spec.kpis, pl.Float64),
            },
        ).with_columns(
            # a date KPI (decimal year, as summary.json) also as its month: 2028.2377 read as nothing to a planner
            # (provincial planner trial); the mean of the run's replications, so a month no replication need share
            pl.Series(month_column(k), [_month_of(v) for v in cols[k]], dtype=pl.Utf8)
            for k in spec.kpis
            if is_year_kpi(k)
        )
        rep_rows = [
            {"run": r["run"], "run_id": r["run_id"], "replication": int(rep), "kpi": k, "value": d.get(k)}
            for r in recs
            for rep, d in sorted(r["kpis"].items(), key=lambda kv: int(kv[0]))
            for k in spec.kpis
        ]
        reps_df = pl.DataFrame(
            rep_rows,
            schema={
                "run": pl.Int64,
                "run_id": pl.Utf8,
                "replication": pl.Int64,
                "kpi": pl.Utf8,
                "value": pl.Float64,
            },
        )
        say(_("computing the sensitivity indices of the {n} runs").format(n=F.number(total)))
        # an LHS's indices read the values the runs used (crews' teams rounded: rho 0.0643 from the sampled values
        # against 0.0685 from runs.csv, search audit); Sobol's and Morris's read the design they were built from
        an = analyse(
            spec, des.used(spec) if spec.method in ("lhs", "grid") else des.X, Y, _reach_advice(spec, recs, Y)
        )
        busy = sum(float(r["timing"]["task_s"]) for r in recs)
        meta = {
            "sweep_file": str(spec.file),
            "base": str(spec.base),
            "name": spec.name,
            "method": spec.method,
            "samples": spec.samples,
            "seed": spec.seed,
            "reps_per_run": spec.reps_per_run,
            "kpis": spec.kpis,
            "parameters": [
                {"path": p.path, "low": p.low, "high": p.high, "integer": p.integer, "unit": p.unit}
                for p in spec.parameters
            ],
            "runs": total,
            "executed_now": len(todo),
            "reused": reused,
            "execution": stats.as_dict() if stats else None,
            "task_seconds_total": busy,
            "notes": an.notes,
            "moved_no_kpi": an.inert,
            "dxsim_version": __version__,
            "written": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        # one set: an interrupted re-sweep must not leave new runs.csv beside an old sweep.json
        atomic_files(
            out,
            {
                "runs.csv": lambda p: runs.write_csv(p),
                "runs.parquet": lambda p: runs.write_parquet(p),
                "replications.parquet": lambda p: reps_df.write_parquet(p),
                "indices.csv": lambda p: an.indices.write_csv(p),
                "drivers.csv": lambda p: an.drivers.write_csv(p),
                "drivers.md": lambda p: p.write_text(drivers_markdown(spec, an, total), encoding="utf-8"),
                "sweep.json": lambda p: p.write_text(
                    json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8"
                ),
            },
        )
        return SweepResult(
            spec, runs, reps_df, an.indices, an.drivers, an.notes, out, len(todo), reused, stats, an.inert
        )
    except SweepInterrupted:
        raise
    except KeyboardInterrupt:
        raise SweepInterrupted(len(finished), total, str(runs_dir)) from None
