"""Benchmark 3: how run_replication time grows with the number of sites.

For each size N (default 50k, 100k, 200k) a scenario extending scenarios/baseline.toml sets
the synthetic 4G layer to N stations and lifts operator targets, budgets, the business case, crews
and supply so that the whole plan gets built by 2030. It also sets sites.people_per_5g_site_dense = 1
so that every 4G site in a populated cell enters its operator's 5G plan as an upgrade (demand phase):
with the baseline 2,150 the plan follows the 4G layer much less, because the coverage greedy keeps an
upgrade only if it adds covered people. run_replication is timed on one core
(median of --repeats) and log(seconds) is fitted against log(sites).

The synthetic layers for these sizes are cached in bench/.cache/ (git-ignored), not in
the package's geodata cache.

    .venv/bin/python bench/bench_scaling.py [--sizes 50000 100000 200000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import _common as C
import numpy as np

LAYER_CACHE = C.BENCH_DIR / ".cache" / "layers"
YEARS = range(2025, 2031)


def variant_toml(n_4g: int) -> str:
    """A scenario that builds the whole plan: no target, budget, business case, crew or supply limit binds."""
    years = lambda v: "{ " + ", ".join(f"{y} = {v}" for y in YEARS) + " }"
    ops = "\n".join(
        f"[operators.{op}]\nannual_new_5g_sites = {years(500_000)}\ncapex_budget_vnd_bn = {years(1_000_000)}\n"
        for op in ("viettel", "vnpt", "mobifone")
    )
    crews = "\n".join(f"[crews.{r}]\nteams = 20000\n" for r in ("north", "central", "south"))
    return (
        f'extends = "{C.BASELINE}"\nname = "bench-scale-{n_4g}"\n'
        f'description = "bench/bench_scaling.py: {n_4g} 4G stations, unconstrained build"\n\n'
        f"[start_state]\nstations_4g = {n_4g}\n\n[sites]\npeople_per_5g_site_dense = 1.0\n\n{ops}\n{crews}\n[supply]\ndeliveries_per_month = 1000000\n"
        # every site's business case passes (the schema's largest accepted loss exceeds any site's capex + opex)
        "\n[business_case]\naccepted_loss_vnd_bn_per_site = 50.0\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[50_000, 100_000, 200_000],
        help="4G stations of the synthetic layer",
    )
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    pin = C.pin_one_core(0)
    load = C.load_avg()
    from dxsim.geo import load_country
    from dxsim.scenario import load_scenario
    from dxsim.sim.model import run_replication
    from dxsim.sim.world import prepare_world

    country = dataclasses.replace(load_country(), cache_path=LAYER_CACHE)
    LAYER_CACHE.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="dxsim-bench-") as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"scale_{n}.toml"
            path.write_text(variant_toml(n))
            sc = load_scenario(path)
            before = set(LAYER_CACHE.iterdir())
            t0 = time.perf_counter()
            world = prepare_world(sc, country)
            t_first = time.perf_counter() - t0
            built_layer = set(LAYER_CACHE.iterdir()) != before
            t_prep, _ = C.timed(lambda sc=sc: prepare_world(sc, country)) if built_layer else (t_first, None)
            run_replication(world, 0)  # warm-up
            t_run, c_run, res = C.repeat_wc(lambda world=world: run_replication(world, 0), args.repeats)
            on = res.on_air_day
            row = {
                "n_4g": world.layer.sites_4g.height,
                "plan": world.plan.n,
                "start": min(world.layer.n_5g_start, world.plan.n),
                "built": int((on >= 0).sum()),
                "unbuilt": int(np.isnan(on).sum()),
                "t": C.med(t_run),
                "ts": t_run,
                "cpu": C.med(c_run),
                "prep": t_prep,
                "layer_s": t_first if built_layer else None,
                "last_day": float(np.nanmax(on)) if (on >= 0).any() else float("nan"),
            }
            rows.append(row)
            print(
                f"4G {row['n_4g']:>7,}  plan {row['plan']:>7,}  built {row['built']:>7,}  unbuilt {row['unbuilt']:>5,}  "
                f"run_replication {C.fmt_times(t_run)} (CPU {C.med(c_run):.3f} s)  prepare {t_prep:.1f} s",
                flush=True,
            )

    def slope(xkey: str, ykey: str) -> float:
        if len(rows) < 2:
            return float("nan")
        return float(np.polyfit(np.log([r[xkey] for r in rows]), np.log([r[ykey] for r in rows]), 1)[0])

    kp, kb, k4, kc = slope("plan", "t"), slope("built", "t"), slope("n_4g", "t"), slope("plan", "cpu")
    print(
        f"apparent exponent: t ~ N^{kp:.2f} in 5G plan sites (N^{kb:.2f} in sites built, N^{k4:.2f} in 4G "
        f"stations; CPU time ~ N^{kc:.2f} in plan sites)"
    )

    table = [
        (
            "| 4G stations | 5G plan sites | on air at start | built in the run | never built | last on-air day "
            "| `run_replication` (1 core, wall) | CPU s (median) | us per plan site | `prepare_world` |"
        ),
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        table.append(
            f"| {r['n_4g']:,} | {r['plan']:,} | {r['start']:,} | {r['built']:,} | {r['unbuilt']:,} | "
            f"{r['last_day']:.0f} | {C.fmt_times(r['ts'])} | {r['cpu']:.3f} | {1e6 * r['t'] / r['plan']:.1f} | "
            f"{r['prep']:.1f} s |"
        )
    built_new = [r for r in rows if r["layer_s"] is not None]
    generated = ", ".join(f"{r['n_4g']:,} 4G stations in {r['layer_s']:.0f} s" for r in built_new)
    lines = [
        "## 3. Scaling of `run_replication` with site count",
        "",
        f"Command (from the repository root): `{C.command_line()}`  ",
        f"Run {C.now()}; {pin}; load average at start {load}.  ",
        C.host_line(),
        "",
        "Each size is a TOML variant `extends`-ing `scenarios/baseline.toml` (absolute path) with "
        "`start_state.stations_4g = N`, `sites.people_per_5g_site_dense = 1` (every 4G site in a populated "
        "cell becomes a 5G upgrade in its operator's plan, so the plan follows the 4G layer) and nothing "
        "binding: every operator may order 500,000 sites and spend VND 1,000,000 bn a year, every site's "
        "business case passes (`business_case.accepted_loss_vnd_bn_per_site = 50`, the schema's largest), "
        "20,000 teams per region, 1,000,000 kits a month. The whole plan is therefore ordered in the first month and built within the horizon except "
        'for a handful of extreme permit/lead-time draws ("never built"); permit, lead and work times '
        "stay at their baseline distributions. Site layers are generated once and cached in "
        "`bench/.cache/layers/` (git-ignored)"
        + (f" (generated this run: {generated})." if built_new else "."),
        "",
        *table,
        "",
        (
            f"Apparent exponent (least-squares fit of log wall time on log N): **t ~ N^{kp:.2f} in 5G plan "
            f"sites** (N^{kb:.2f} in sites built, N^{k4:.2f} in 4G stations; CPU time ~ N^{kc:.2f} in plan sites)."
        ),
        "",
        (
            "Budget: none stated for scaling (informational). For reference, the 1 s replication budget of "
            "benchmark 1 applies to the baseline; an exponent near 1 means cost proportional to sites."
        ),
    ]
    C.update_results("scaling", "\n".join(lines))
    print(
        f"RESULT scaling: INFO (t ~ N^{kp:.2f} in plan sites, {rows[0]['plan']:,}..{rows[-1]['plan']:,} sites: "
        f"{rows[0]['t']:.2f}..{rows[-1]['t']:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
