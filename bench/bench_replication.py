"""Benchmark 1: one national replication of the baseline to 2030, after the cache is built.

Budgets: run_replication <= 0.2 s on one core (DESIGN.md section 6; issue 12's "still <= 1 s" is the
looser ceiling, also shown); a process that loads, prepares and runs one replication peaks at <= 1.5 GB RSS. The warm-cache data load and prepare_world
are timed separately (no budget). On a failed budget the replication is profiled.

    .venv/bin/python bench/bench_replication.py [--repeats 5] [--prepare-repeats 3] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from typing import Any

import _common as C

BUDGET_S = (
    0.2  # DESIGN.md section 6: one national replication <= 0.2 s on one core, after the world is loaded
)
CEILING_S = 1.0  # issue 12: with the served/short model a replication is "still <= 1 s"
BUDGET_RSS_GB = 1.5
CAPACITY_BUDGET_PCT = 30.0  # issue 12: the served/short model adds at most 30% to a replication


def child() -> None:
    """Separate process: load, prepare, run one replication; report peak RSS per stage."""
    t0 = time.perf_counter()
    from dxsim.sim.model import run_replication
    from dxsim.sim.world import prepare_world

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB

    out = {"after_import_mb": peak_mb()}
    scenario, country = C.load_inputs()
    out["after_load_mb"] = peak_mb()
    world = prepare_world(scenario, country)
    out["after_prepare_mb"] = peak_mb()
    run_replication(world, 0)
    out["after_run_mb"] = peak_mb()
    out["wall_s"] = time.perf_counter() - t0
    print("CHILD " + json.dumps(out))


def measure_rss() -> tuple[dict, str]:
    """Run the child, under /usr/bin/time -v when available (its max RSS is the cross-check)."""
    cmd = [sys.executable, __file__, "--child"]
    timev = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    if timev:
        cmd = [timev, "-v", *cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=C.REPO, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"RSS child failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    line = next(ln for ln in p.stdout.splitlines() if ln.startswith("CHILD "))
    data = json.loads(line[6:])
    m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", p.stderr)
    data["time_v_max_rss_mb"] = int(m.group(1)) / 1024.0 if m else None
    return data, " ".join(cmd[:2]) if timev else "getrusage only"


def capacity_floor(world: object) -> dict[str, float]:
    """What any implementation of the served/short model as specified must spend on one replication.

    The model re-evaluates every 1 km cell when the year's demand steps up, and each month the cells whose supply
    changed. One replication is run with the compiled passes counted and timed; the floor is those cell
    evaluations at the per-cell cost of the sequential yearly pass (memory-bound: it streams the cells once),
    i.e. as if every monthly visit were as cheap as a sequential one. Supply, replanning and set-up are left out,
    so the true floor is higher."""
    import numpy as np

    import dxsim.sim.capacity as cm
    from dxsim.sim.model import run_replication

    count = {"full_cells": 0.0, "full_s": 0.0, "visits": 0.0, "visits_s": 0.0, "pairs": 0.0, "supply_s": 0.0}
    orig = cm.evaluate_all, cm.evaluate_cells, cm.add_site_supply

    def full(rec: Any, *args: Any) -> Any:
        t = time.perf_counter()
        out = orig[0](rec, *args)
        count["full_s"] += time.perf_counter() - t
        count["full_cells"] += rec.shape[0]
        return out

    def visits(touched: Any, *args: Any) -> Any:
        count["visits"] += float(np.count_nonzero(touched))
        t = time.perf_counter()
        out = orig[1](touched, *args)
        count["visits_s"] += time.perf_counter() - t
        return out

    def supply(
        indptr: Any, fp_cells: Any, shares: Any, capacity: Any, p5: Any, median: Any, sites: Any, *args: Any
    ) -> None:
        count["pairs"] += float((indptr[sites + 1] - indptr[sites]).sum())
        t = time.perf_counter()
        orig[2](indptr, fp_cells, shares, capacity, p5, median, sites, *args)
        count["supply_s"] += time.perf_counter() - t

    cm.evaluate_all, cm.evaluate_cells, cm.add_site_supply = full, visits, supply
    try:
        run_replication(world, 0)
    finally:
        cm.evaluate_all, cm.evaluate_cells, cm.add_site_supply = orig
    per_cell = count["full_s"] / max(count["full_cells"], 1.0)
    count["seq_ns_per_cell"] = 1e9 * per_cell
    count["visit_ns"] = 1e9 * count["visits_s"] / max(count["visits"], 1.0)
    count["floor_s"] = (count["full_cells"] + count["visits"]) * per_cell
    return count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed run_replication calls (median)")
    ap.add_argument("--prepare-repeats", type=int, default=3, help="timed prepare_world / load calls")
    ap.add_argument("--profile", action="store_true", help="add the profile even when the budgets pass")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child()
        return 0

    pin = C.pin_one_core(0)
    load = C.load_avg()
    t_import, _ = C.timed(lambda: __import__("dxsim.sim.model"))
    from dxsim.errors import RawDataError
    from dxsim.geo import load_country
    from dxsim.sim.model import run_replication
    from dxsim.sim.world import prepare_world

    try:  # first load in this process, cache already built (import + hashing + parquet)
        t_load_first, _ = C.timed(lambda: load_country(build_if_missing=False))
    except RawDataError:
        load_country()  # build the geodata cache first (untimed)
        t_load_first, _ = C.timed(lambda: load_country(build_if_missing=False))
    scenario, country = C.load_inputs()
    t_load, _ = C.repeat(load_country, args.prepare_repeats)
    prepare_world(scenario, country)  # untimed: builds the cached site layer if missing
    t_prep, world = C.repeat(lambda: prepare_world(scenario, country), args.prepare_repeats)
    run_replication(world, 0)  # warm-up
    # the same replication without the served/short model (issue 12: capacity adds at most 30%)
    world_off = prepare_world(
        scenario.model_copy(update={"capacity": scenario.capacity.model_copy(update={"enabled": False})}),
        country,
    )
    run_replication(world_off, 0)
    # with and without capacity in alternating rounds: on a shared host the speed drifts between two long blocks of
    # calls by more than the difference measured, and alternating call by call makes each call start with the other
    # world's arrays in the cache. So each round runs 3 calls of each and keeps the last 2 (warm), and the added
    # time is the median over rounds of the round's own ratio.
    t_run, c_run, t_off, res = [], [], [], None
    round_pct: list[float] = []
    for _ in range(max(args.repeats // 2, 2)):
        w_on, c_on, res = C.repeat_wc(lambda: run_replication(world, 0), 3)
        w_off, _c_off, _ = C.repeat_wc(lambda: run_replication(world_off, 0), 3)
        t_run += w_on[1:]
        c_run += c_on[1:]
        t_off += w_off[1:]
        round_pct.append(100.0 * (C.med(w_on[1:]) / C.med(w_off[1:]) - 1.0))
    round_pct.sort()
    extra_pct = C.med(round_pct)
    floors = [capacity_floor(world) for _ in range(3)]
    floor = min(floors, key=lambda f: f["floor_s"])  # the fastest of 3: a floor
    ok_cap = extra_pct <= CAPACITY_BUDGET_PCT
    import numpy as np

    built = int((res.on_air_day >= 0).sum())
    on_air_end = int((~np.isnan(res.on_air_day)).sum())
    n_months = res.metrics["date"].n_unique() if "date" in res.metrics.columns else "?"

    rss, rss_tool = measure_rss()
    peak_mb = max(v for v in (rss["after_run_mb"], rss["time_v_max_rss_mb"]) if v is not None)
    ok_t = C.med(t_run) <= BUDGET_S
    ok_m = peak_mb / 1024.0 <= BUDGET_RSS_GB

    print(f"warm-cache load_country: first {t_load_first:.3f} s, then {C.fmt_times(t_load)}")
    print(f"prepare_world:           {C.fmt_times(t_prep)}")
    print(f"run_replication CPU:     {C.fmt_times(c_run)}")
    print(
        f"run_replication:         {C.fmt_times(t_run)}  budget {BUDGET_S} s -> {'PASS' if ok_t else 'FAIL'}"
    )
    print(
        f"without capacity:        {C.fmt_times(t_off)}  capacity adds {extra_pct:.0f}% (budget "
        f"{CAPACITY_BUDGET_PCT:.0f}%) -> {'PASS' if ok_cap else 'FAIL'}"
    )
    print(
        f"served/short floor:      {1e3 * floor['floor_s']:.0f} ms ({100 * floor['floor_s'] / C.med(t_off):.0f}% of "
        f"the replication without capacity): {floor['full_cells'] + floor['visits']:,.0f} cell evaluations x "
        f"{floor['seq_ns_per_cell']:.1f} ns"
    )
    print(
        f"peak RSS (load+prepare+run, separate process): {peak_mb:.0f} MB  budget {BUDGET_RSS_GB} GB -> "
        f"{'PASS' if ok_m else 'FAIL'}"
    )

    lines = [
        "## 1. One national replication (baseline, to 2030)",
        "",
        f"Command (from the repository root): `{C.command_line()}`  ",
        f"Run {C.now()}; {pin}; load average at start {load}.  ",
        C.host_line(),
        "",
        (
            f"Workload: `scenarios/baseline.toml`, {world.plan.n:,} ranked 5G sites ({world.layer.n_5g_start:,} on air "
            f"at start), {world.cells.rows.size:,} population cells, {n_months} month ends; one replication builds "
            f"{built:,} sites ({on_air_end:,} on air at the end)."
        ),
        "",
        "| measure | result | budget | status |",
        "|---|---|---|---|",
        (
            f"| `run_replication` (1 core, after `prepare_world`) | {C.fmt_times(t_run)} | <= {BUDGET_S:.1f} s "
            "(DESIGN.md section 6) | "
            f"{C.verdict(ok_t)}{'' if ok_t else f' ({C.med(t_run) / BUDGET_S:.1f}x the budget, +{C.med(t_run) - BUDGET_S:.2f} s)'} |"
        ),
        (
            f"| the same against issue 12's ceiling | median {C.med(t_run):.3f} s | <= {CEILING_S:.1f} s | "
            f"{C.verdict(C.med(t_run) <= CEILING_S)} |"
        ),
        f"| `run_replication` process CPU time (same calls) | {C.fmt_times(c_run)} | - | info |",
        f"| the same without capacity (`[capacity] enabled = false`) | {C.fmt_times(t_off)} | - | info |",
        (
            f"| time capacity adds to a replication (served/short model, issue 12; median of {len(round_pct)} "
            f"alternating rounds, range {round_pct[0]:+.0f}% .. {round_pct[-1]:+.0f}%) | +{extra_pct:.0f}% | "
            f"<= {CAPACITY_BUDGET_PCT:.0f}% | {C.verdict(ok_cap)} |"
        ),
        (
            f"| the served/short model's floor: {floor['full_cells']:,.0f} cell evaluations in the yearly demand "
            f"steps + {floor['visits']:,.0f} in the months (cells whose supply changed), at the sequential "
            f"pass's {floor['seq_ns_per_cell']:.1f} ns a cell (the monthly visits take {floor['visit_ns']:.0f} ns: "
            f"scattered); supply ({floor['pairs']:,.0f} footprint pairs, {1e3 * floor['supply_s']:.0f} ms), "
            f"replanning and set-up left out | {1e3 * floor['floor_s']:.0f} ms = "
            f"{100 * floor['floor_s'] / C.med(t_off):.0f}% of the replication without capacity | "
            f"<= {CAPACITY_BUDGET_PCT:.0f}% | info |"
        ),
        (
            f"| peak RSS of a process that loads, prepares and runs one replication | {peak_mb:,.0f} MB "
            f"({peak_mb / 1024:.2f} GB) | <= {BUDGET_RSS_GB} GB | {C.verdict(ok_m)} |"
        ),
        f"| `prepare_world` (site layer from cache + start 5G and 4G coverage) | {C.fmt_times(t_prep)} | - | info |",
        f"| warm-cache data load (`load_country`), first call in the process | {t_load_first:.3f} s | - | info |",
        f"| warm-cache data load (`load_country`), repeated | {C.fmt_times(t_load)} | - | info |",
        f"| import `dxsim.sim.model` (first import in the process) | {t_import:.2f} s | - | info |",
        "",
        f"Peak RSS by stage in the child (`ru_maxrss`, MB): after imports {rss['after_import_mb']:.0f}, after load "
        f"{rss['after_load_mb']:.0f}, after prepare {rss['after_prepare_mb']:.0f}, after the replication "
        f"{rss['after_run_mb']:.0f}; `{rss_tool}` max RSS "
        f"{rss['time_v_max_rss_mb']:.0f} MB; child wall time {rss['wall_s']:.1f} s."
        if rss["time_v_max_rss_mb"]
        else f"Peak RSS by stage (MB): {rss}",
    ]
    if not (ok_t and ok_m) or args.profile:
        lines += [
            "",
            "### Profile" + (" (budget failed)" if not (ok_t and ok_m) else ""),
            "",
            C.profile_top(lambda: run_replication(world, 0)),
            "",
            C.line_profile(lambda: run_replication(world, 0)),
        ]
    C.update_results("replication", "\n".join(lines))
    status = "PASS" if ok_t and ok_m else "FAIL"
    print(
        f"RESULT replication: {status} (run {C.med(t_run):.3f} s [CPU {C.med(c_run):.3f} s] / {BUDGET_S} s, "
        f"peak RSS {peak_mb / 1024:.2f} / {BUDGET_RSS_GB} GB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
