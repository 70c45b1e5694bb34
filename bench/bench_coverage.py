"""Benchmark 2: incremental coverage vs recomputing every cell each month.

Replays the baseline's monthly on-air batches (replication 0: `on_air_day` in plan rank
order, grouped by month end exactly as the Monitor does) into
  (a) one CoverageGrid copied from the start state and updated with each month's batch;
  (b) a fresh CoverageGrid per month end, built from every site on air by then.
Each is done two ways: with `add_sites` (site geometry computed on the fly) and, when the
package has it, with `add_footprints` (per-site footprints precomputed once in
prepare_world: what the Monitor uses). All variants must give the same covered population
every month. Budget: (b)/(a) >= 10 for the model's own update path, like for like.

    .venv/bin/python bench/bench_coverage.py [--repeats 3] [--rebuild-repeats 1]
"""

from __future__ import annotations

import argparse
import sys

import _common as C
import numpy as np

BUDGET_RATIO = 10.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed passes of each incremental replay (median)")
    ap.add_argument("--rebuild-repeats", type=int, default=1, help="timed passes of each full-rebuild replay")
    args = ap.parse_args()

    pin = C.pin_one_core(0)
    load = C.load_avg()
    from dxsim.sim.calendar import Clock, month_ends
    from dxsim.sim.model import run_replication
    from dxsim.sim.world import prepare_world

    scenario, country = C.load_inputs()
    world = prepare_world(scenario, country)
    res = run_replication(world, 0)
    on = res.on_air_day
    n0 = min(world.layer.n_5g_start, world.plan.n)
    clock = Clock(scenario.horizon.start_date, scenario.horizon.end_date)
    sub = scenario.radio.coverage_subsamples_per_axis
    w = world
    fp = getattr(w, "plan_footprints", None)
    has_fp = fp is not None and hasattr(w.cov5g_start, "add_footprints")

    # monthly batches (indices in plan rank order), as Monitor.record forms them
    applied = np.zeros(w.plan.n, dtype=bool)
    applied[:n0] = True
    batches, on_air_sets = [], []
    for me in month_ends(clock.start, clock.end):
        day = clock.day(me)
        new = np.flatnonzero((~applied) & (on <= day))
        applied[new] = True
        batches.append(new)
        on_air_sets.append(np.flatnonzero(applied))
    sizes = np.array([b.size for b in batches])

    def add_sites(g, idx):
        g.add_sites(w.plan_row[idx], w.plan_col[idx], w.plan_x[idx], w.plan_y[idx], w.plan_radius_m[idx])

    def add_fp(g, idx):
        g.add_footprints(fp, idx)

    def incremental(add):
        def run() -> list[float]:
            g = w.cov5g_start.copy()
            out = []
            for b in batches:
                add(g, b)
                out.append(g.covered_pop_total())
            return out

        return run

    def rebuild(add):
        def run() -> list[float]:
            out = []
            for idx in on_air_sets:
                g = w.cells.coverage_grid(sub)
                add(g, idx)
                out.append(g.covered_pop_total())
            return out

        return run

    methods = [("add_sites", add_sites)] + ([("add_footprints", add_fp)] if has_fp else [])
    model_method = "add_footprints" if has_fp else "add_sites"
    t, pops = {}, {}
    for name, add in methods:
        incremental(add)()  # warm-up
        t[("inc", name)], pops[("inc", name)] = C.repeat(incremental(add), args.repeats)
        t[("reb", name)], pops[("reb", name)] = C.repeat(rebuild(add), args.rebuild_repeats)
        print(
            f"{name:>14}: (a) incremental {C.fmt_times(t[('inc', name)])}; (b) rebuild "
            f"{C.fmt_times(t[('reb', name)])}; ratio {C.med(t[('reb', name)]) / C.med(t[('inc', name)]):.1f}x",
            flush=True,
        )
    t_ctor, _ = C.repeat(lambda: w.cells.coverage_grid(sub), 3)
    ref = np.array(pops[("reb", "add_sites")])
    max_diff = max(float(np.max(np.abs(np.array(p) - ref))) for p in pops.values())
    same = all(np.allclose(np.array(p), ref, rtol=1e-9, atol=1.0) for p in pops.values())
    ratio = {name: C.med(t[("reb", name)]) / C.med(t[("inc", name)]) for name, _ in methods}
    naive = C.med(t[("reb", "add_sites")]) / C.med(t[("inc", model_method)])
    ok = ratio[model_method] >= BUDGET_RATIO and same

    print(
        f"{len(batches)} month ends, {int(sizes.sum()):,} sites switched on in batches of "
        f"median {int(np.median(sizes)):,} (max {int(sizes.max()):,}); same coverage every month: {same}"
    )
    print(
        f"model path ({model_method}) like-for-like speed-up {ratio[model_method]:.1f}x, vs naive rebuild "
        f"(add_sites) {naive:.0f}x; budget >= {BUDGET_RATIO:.0f}x -> {'PASS' if ok else 'FAIL'}"
    )

    fp_note = (
        f" Footprints of all {w.plan.n:,} plan sites (built once in `prepare_world`): "
        f"{fp.nbytes / 2**20:.0f} MB, {fp.cells.size:,} (cell, bits) pairs."
        if has_fp
        else ""
    )
    rows = []
    for name, _ in methods:
        tag = " (the Monitor's path)" if name == model_method else ""
        rows += [
            (
                f"| (a) incremental, `{name}`{tag}, all months | {C.fmt_times(t[('inc', name)])} "
                f"(mean {1000 * C.med(t[('inc', name)]) / len(batches):.1f} ms/month) | - | info |"
            ),
            (
                f"| (b) rebuild each month, `{name}`, all months | {C.fmt_times(t[('reb', name)])} "
                f"(mean {1000 * C.med(t[('reb', name)]) / len(batches):.0f} ms/month) | - | info |"
            ),
            f"| speed-up (b)/(a), `{name}` | **{ratio[name]:.1f}x** | >= {BUDGET_RATIO:.0f}x | "
            + (
                C.verdict(ok)
                if name == model_method
                else ("info" if ratio[name] >= BUDGET_RATIO else "info (below 10x)")
            )
            + " |",
        ]
    lines = [
        "## 2. Incremental coverage vs full recompute each month",
        "",
        f"Command (from the repository root): `{C.command_line()}`  ",
        f"Run {C.now()}; {pin}; load average at start {load}.  ",
        C.host_line(),
        "",
        f"Workload: the baseline's replication 0 replayed month by month: {len(batches)} month ends, "
        f"{int(sizes.sum()):,} sites switched on after the {n0:,} start sites (batch size median "
        f"{int(np.median(sizes)):,}, max {int(sizes.max()):,}; {int((sizes == 0).sum())} empty month(s)); "
        f"{w.cells.rows.size:,} cells at {sub}x{sub} points. (a) copies the start-state grid once and adds "
        f"each month's batch; (b) builds a fresh `CoverageGrid` at each month end and adds every site on air by "
        f"then (start sites included, {on_air_sets[-1].size:,} at the end); `CoverageGrid()` construction alone "
        f"takes {1000 * C.med(t_ctor):.0f} ms. Both are run with `add_sites` (geometry on the fly)"
        + (
            " and with `add_footprints` (precomputed per-site footprints, what `Monitor.record` calls)."
            if has_fp
            else "."
        )
        + fp_note,
        (
            f"All variants give the same covered population at every month end: **{same}** (max |diff| "
            f"{max_diff:.3g} persons; final {ref[-1]:,.0f} persons)."
        ),
        "",
        "| measure | result | budget | status |",
        "|---|---|---|---|",
        *rows,
        f"| model path vs naive recompute: (b) `add_sites` / (a) `{model_method}` | {naive:.0f}x | - | info |",
    ]
    if not ok:
        lines += [
            "",
            (
                f"### Profile (budget failed: {ratio[model_method]:.1f}x < {BUDGET_RATIO:.0f}x or results "
                "differ)"
            ),
            "",
            C.profile_top(incremental(dict(methods)[model_method])),
            "",
            C.line_profile(incremental(dict(methods)[model_method])),
        ]
    C.update_results("coverage", "\n".join(lines))
    print(
        f"RESULT coverage: {'PASS' if ok else 'FAIL'} (speed-up {ratio[model_method]:.1f}x like for like with "
        f"{model_method} / {BUDGET_RATIO:.0f}x; {naive:.0f}x vs add_sites rebuild)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
