"""Benchmark 2: incremental coverage vs recomputing every cell each month.

Replays the baseline's monthly on-air batches (replication 0: `on_air_day` in plan rank
order, grouped by month end exactly as the Monitor does) into
  (a) one CoverageGrid copied from the start state and updated with `add_sites` per batch;
  (b) a fresh CoverageGrid per month end, built from every site on air by then.
Both must give the same covered population every month. Budget: (b) / (a) >= 10.

    .venv/bin/python bench/bench_coverage.py [--repeats 3] [--rebuild-repeats 1]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import _common as C

BUDGET_RATIO = 10.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed passes of the incremental replay (median)")
    ap.add_argument("--rebuild-repeats", type=int, default=1, help="timed passes of the full-rebuild replay")
    args = ap.parse_args()

    pin = C.pin_one_core(0)
    load = C.load_avg()
    from dxsim.sim.calendar import Clock, month_ends
    from dxsim.sim.model import prepare_world, run_replication

    scenario, country = C.load_inputs()
    world = prepare_world(scenario, country)
    res = run_replication(world, 0)
    on = res.on_air_day
    n0 = min(world.layer.n_5g_start, world.plan.n)
    clock = Clock(scenario.horizon.start_date, scenario.horizon.end_date)
    sub = scenario.radio.coverage_subsamples_per_axis

    # monthly batches (indices in plan rank order), as Monitor.record forms them
    applied = np.zeros(world.plan.n, dtype=bool)
    applied[:n0] = True
    batches, on_air_sets = [], []
    for me in month_ends(clock.start, clock.end):
        day = clock.day(me)
        new = np.flatnonzero((~applied) & (on <= day))
        applied[new] = True
        batches.append(new)
        on_air_sets.append(np.flatnonzero(applied))
    sizes = np.array([b.size for b in batches])
    w = world
    args_of = lambda idx: (w.plan_row[idx], w.plan_col[idx], w.plan_x[idx], w.plan_y[idx], w.plan_radius_m[idx])  # noqa: E731

    def incremental() -> list[float]:
        g = w.cov5g_start.copy()
        out = []
        for b in batches:
            g.add_sites(*args_of(b))
            out.append(g.covered_pop_total())
        return out

    def rebuild() -> list[float]:
        out = []
        for idx in on_air_sets:
            g = w.cells.coverage_grid(sub)
            g.add_sites(*args_of(idx))
            out.append(g.covered_pop_total())
        return out

    incremental()  # warm-up
    t_inc, pop_inc = C.repeat(incremental, args.repeats)
    t_reb, pop_reb = C.repeat(rebuild, args.rebuild_repeats)
    t_ctor, _ = C.repeat(lambda: w.cells.coverage_grid(sub), 3)
    pop_inc, pop_reb = np.array(pop_inc), np.array(pop_reb)
    max_diff = float(np.max(np.abs(pop_inc - pop_reb)))
    same = bool(np.allclose(pop_inc, pop_reb, rtol=1e-9, atol=1.0))
    ratio = C.med(t_reb) / C.med(t_inc)
    ok = ratio >= BUDGET_RATIO and same

    print(f"{len(batches)} month ends, {int(sizes.sum()):,} sites switched on in batches of "
          f"median {int(np.median(sizes)):,} (max {int(sizes.max()):,})")
    print(f"(a) incremental: {C.fmt_times(t_inc)}")
    print(f"(b) rebuild:     {C.fmt_times(t_reb)}")
    print(f"ratio b/a = {ratio:.1f}x  budget >= {BUDGET_RATIO:.0f}x -> {'PASS' if ok else 'FAIL'}; "
          f"same coverage every month: {same} (max |diff| {max_diff:.3g} persons)")

    lines = [
        "## 2. Incremental coverage vs full recompute each month",
        "",
        f"Command: `cd {C.REPO} && {C.command_line()}`  ",
        f"Run {C.now()}; {pin}; load average at start {load}.",
        "",
        f"Workload: the baseline's replication 0 replayed month by month: {len(batches)} month ends, "
        f"{int(sizes.sum()):,} sites switched on after the {n0:,} start sites (batch size median "
        f"{int(np.median(sizes)):,}, max {int(sizes.max()):,}; {int((sizes == 0).sum())} empty months); "
        f"{w.cells.rows.size:,} cells at {sub}x{sub} points. (a) copies the start-state grid once and calls "
        f"`add_sites` with each month's batch; (b) builds a fresh `CoverageGrid` at each month end and adds all "
        f"sites on air by then (start sites included, {on_air_sets[-1].size:,} at the end). "
        f"The covered population of (a) and (b) agrees at every month end: **{same}** "
        f"(max |diff| {max_diff:.3g} persons; final {pop_inc[-1]:,.0f} persons).",
        "",
        "| measure | result | budget | status |",
        "|---|---|---|---|",
        f"| (a) incremental, total over all months | {C.fmt_times(t_inc)} | - | info |",
        f"| (b) rebuild from all on-air sites, total over all months | {C.fmt_times(t_reb)} | - | info |",
        f"| speed-up (b)/(a) | **{ratio:.1f}x** | >= {BUDGET_RATIO:.0f}x | {C.verdict(ok)} |",
        f"| (a) per month | mean {1000 * C.med(t_inc) / len(batches):.1f} ms | - | info |",
        f"| (b) per month | mean {1000 * C.med(t_reb) / len(batches):.0f} ms, of which `CoverageGrid()` "
        f"construction {1000 * C.med(t_ctor):.0f} ms | - | info |",
    ]
    if not ok:
        lines += ["", f"### Profile (budget failed: {ratio:.1f}x < {BUDGET_RATIO:.0f}x or results differ)", "",
                  C.profile_top(incremental), "", C.line_profile(incremental)]
    C.update_results("coverage", "\n".join(lines))
    print(f"RESULT coverage: {'PASS' if ok else 'FAIL'} (speed-up {ratio:.1f}x / {BUDGET_RATIO:.0f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
