"""Benchmark 6: what writing a run's folder costs, part by part, and a whole `dxsim run` as a process.

The writer (results/writer.py) fills a hidden folder and swaps it into place; since 0.2 it also
writes the GeoPackage, the GeoParquet layers, the Excel workbook and the resolved scenario. This
measures each part on the national baseline (reps 1) so the cost of every output is known:

    .venv/bin/python bench/bench_outputs.py [--repeats 3]

Parts are timed in this process, after one untimed simulation, each writing into its own temporary
folder (the order the runner uses: tables, then metrics.csv / GIS / workbook, then map and report).
The whole command is timed as `dxsim run scenarios/baseline.toml --reps 1` in a subprocess, with and
without `--no-map --no-report`. Not pinned to one core (pyogrio and polars use threads); the load
average is recorded next to the numbers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as C

SECTION = "outputs"


def _register_section() -> None:
    if SECTION not in C.SECTION_ORDER:
        C.SECTION_ORDER = (*C.SECTION_ORDER, SECTION)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("DXSIM_RAW_DATA", str((C.REPO.parent / "shared" / "geodata").resolve()))
    load = C.load_avg()
    from dxsim.maps import build_map
    from dxsim.report import build_report
    from dxsim.results.excel import write_workbook
    from dxsim.results.gis import write_gis
    from dxsim.results.metrics_csv import write_metrics_csv
    from dxsim.runner import simulate, write_run
    from dxsim.scenario import load_scenario

    sc = load_scenario(C.BASELINE)
    sim = simulate(sc, scenario_dir=C.BASELINE.parent, scenario_file=C.BASELINE, reps=1)
    rows: list[tuple[str, list[float], int]] = []
    with tempfile.TemporaryDirectory() as td:
        base = Path(td) / "tables"
        write_run(sim, base, with_map=False, with_report=False)
        for name in ("results.gpkg", "results.xlsx", "metrics.csv"):
            (base / name).unlink()
        for p in base.glob("*.geo.parquet"):
            p.unlink()

        def fresh() -> Path:
            d = Path(tempfile.mkdtemp(dir=td))
            shutil.copytree(base, d, dirs_exist_ok=True)
            return d

        parts = [
            ("metrics.csv (with area_name)", write_metrics_csv, "metrics.csv"),
            ("results.gpkg + *.geo.parquet", write_gis, "results.gpkg"),
            ("results.xlsx", write_workbook, "results.xlsx"),
            ("map.html", build_map, "map.html"),
        ]
        for label, fn, made in parts:
            times = []
            for _ in range(args.repeats):
                d = fresh()
                t0 = time.perf_counter()
                fn(d)
                times.append(time.perf_counter() - t0)
            rows.append((label, times, (d / made).stat().st_size))
        times = []
        for _ in range(args.repeats):
            d = fresh()
            build_map(d)
            t0 = time.perf_counter()
            build_report(d)
            times.append(time.perf_counter() - t0)
        rows.append(("report.html", times, (d / "report.html").stat().st_size))
        times = []
        for i in range(args.repeats):
            t0 = time.perf_counter()
            write_run(sim, Path(td) / f"whole{i}")
            times.append(time.perf_counter() - t0)
        size = sum(p.stat().st_size for p in (Path(td) / "whole0").iterdir())
        rows.append(("whole folder (`write_run`: tables, exports, map, report, swap)", times, size))

        procs = []
        for flags in ([], ["--no-map", "--no-report"]):
            ts = []
            for i in range(args.repeats):
                out = Path(td) / f"proc{i}{len(flags)}"
                t0 = time.perf_counter()
                r = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "dxsim.cli.main",
                        "run",
                        str(C.BASELINE),
                        "--reps",
                        "1",
                        "--out",
                        str(out),
                        *flags,
                    ],
                    cwd=C.REPO,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                ts.append(time.perf_counter() - t0)
                if r.returncode != 0:
                    print(r.stderr, file=sys.stderr)
                    return 1
            procs.append((" ".join(flags) or "(default: with map and report)", ts))

    lines = [
        "## 6. Writing a run's folder (baseline, reps 1)",
        "",
        f"Command (from the repository root): `{C.command_line()}`  ",
        f"Run {C.now()}; not pinned; load average at start {load}.  ",
        C.host_line(),
        "",
        "| part | time | size |",
        "|---|---|---|",
    ]
    lines += [f"| {label} | {C.fmt_times(ts)} | {size / 1e6:.2f} MB |" for label, ts, size in rows]
    lines += ["", "| `dxsim run scenarios/baseline.toml --reps 1` as a process | wall time |", "|---|---|"]
    lines += [f"| {flags} | {C.fmt_times(ts)} |" for flags, ts in procs]
    lines += [
        "",
        "Imports, world preparation and the replication are the rest of a process's time "
        "(section 1); issue 13 budgets the whole command.",
    ]
    body = "\n".join(lines)
    print(body)
    _register_section()
    C.update_results(SECTION, body)
    # the summary line bench/run_all.py collects (no budget: the whole command's budgets are benchmark 7's)
    whole = C.med(next(ts for label, ts, _size in rows if label.startswith("whole folder")))
    print(
        f"RESULT outputs: INFO (whole folder {whole:.2f} s; dxsim run "
        + ", ".join(f"{flags} {C.med(ts):.2f} s" for flags, ts in procs)
        + ")"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
