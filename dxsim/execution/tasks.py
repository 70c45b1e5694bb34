"""The units of work a worker runs: a sweep run, a run's replications, compare's replications; and their entry points."""

from __future__ import annotations

import dataclasses
import math
import os
import socket
import time
from pathlib import Path
from typing import Any

import polars as pl

from dxsim.execution.kpis import CampaignProbe, run_scenario_kpis
from dxsim.execution.worlds import process_world_cache
from dxsim.results.bottlenecks import bottleneck_rows
from dxsim.results.spool import MetricsSpool
from dxsim.scenario.schema import Scenario
from dxsim.sim.model import run_replication


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
        "timing": {
            **timing,
            "task_s": time.perf_counter() - c0,
            "cpu_s": time.process_time() - cpu0,
            "t_start": t_start,
            "t_end": time.time(),
            "worker": f"{socket.gethostname()}:{os.getpid()}",
        },
    }


@dataclasses.dataclass(frozen=True)
class ReplicationTask:
    """Replications of one scenario for `dxsim run --reps N`: their metrics go to the run's spool folder."""

    run_id: str
    scenario: dict[str, Any]  # the scenario as `dxsim run` prepares its world (model_dump(mode="json"))
    scenario_dir: str | None
    seed: int
    replications: tuple[int, ...]
    # None: return each metrics table in the record (a Dask worker may not see the disk)
    spool_dir: str | None


def execute_replications(task: ReplicationTask) -> dict[str, Any]:
    """Worker entry point for a run's replications: each metrics table to the spool, the rest back to the caller.

    Returned per replication: its national metrics rows (the KPIs are computed from them), the
    villages' connection days and the operators' support decisions; the same values a serial run
    keeps, so a pooled run writes the same files.
    """
    c0 = time.perf_counter()
    sc = Scenario.model_validate(task.scenario)
    world, hit, prep_s = process_world_cache().get(sc, task.scenario_dir)
    spool = MetricsSpool(Path(task.spool_dir)) if task.spool_dir is not None else None
    out = []
    for rep in task.replications:
        res = run_replication(world, rep, seed=task.seed, end_cells=False)
        r = {
            "replication": rep,
            "national": res.metrics.filter(pl.col("area") == "VN"),
            "village_served_day": res.village_served_day,
            "decisions": res.support_decisions or [],
        }
        if spool is not None:
            spool.write(rep, res.metrics)
        else:
            r["metrics"] = res.metrics
        out.append(r)
    return {
        "run_id": task.run_id,
        "results": out,
        "timing": {"prepare_s": prep_s, "world_cached": hit, "task_s": time.perf_counter() - c0},
    }


@dataclasses.dataclass(frozen=True)
class KpiTask:
    """Replications of one scenario for `dxsim compare`: their KPIs and held-back rows come back."""

    run_id: str
    scenario: dict[str, Any]
    scenario_dir: str | None
    seed: int
    replications: tuple[int, ...]
    provinces: tuple[str, ...] = ()  # gso34 codes whose KPIs come back too (compare --province)
    campaign_probes: tuple[
        CampaignProbe, ...
    ] = ()  # other scenarios' campaigns counted here (the same villages)


def execute_kpis(task: KpiTask) -> dict[str, Any]:
    """Worker entry point for compare: per replication its KPIs and its national held-back rows."""
    c0 = time.perf_counter()
    held: dict[int, Any] = {}
    kpis, timing = run_scenario_kpis(
        Scenario.model_validate(task.scenario),
        task.scenario_dir,
        task.seed,
        task.replications,
        on_metrics=lambda rep, m: held.__setitem__(rep, bottleneck_rows(m)),
        provinces=task.provinces,
        campaign_probes=task.campaign_probes,
    )
    return {
        "run_id": task.run_id,
        "kpis": kpis,
        "held": held,
        "timing": {**timing, "task_s": time.perf_counter() - c0},
    }
