"""`dxsim` command line: a thin face over the model core.

Exit codes: 0 ok; 1 model/target failure (e.g. calibration outside tolerance); 2 bad input,
reported as one line naming file, field, value and what is allowed. Never a traceback for
a user's mistake.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from collections.abc import Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from dxsim.errors import DxsimInputError, ModelFailure

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="dxsim: plan Vietnam's 5G rollout, remote villages and compute from scenario files.")
# Piped to a file or a log, rich would wrap tables at 80 columns (compare tables have a column per
# scenario); use 160 there unless COLUMNS says otherwise. A terminal keeps its own width.
_PIPE_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
out = Console(width=_PIPE_WIDTH)
err = Console(stderr=True)


def _guard(fn: Callable[[], int | None]) -> None:
    """Run a command body; user errors become one line + exit 2, model failures exit 1."""
    try:
        code = fn() or 0
    except DxsimInputError as e:
        err.print(f"[bold red]error:[/] {e.one_line()}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(2) from None
    except ModelFailure as e:
        err.print(f"[bold red]failed:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt as e:
        from dxsim.sweep.execute import SweepInterrupted

        if isinstance(e, SweepInterrupted):
            err.print(f"interrupted: the finished runs are kept; run the same command again to resume ({e})")
        else:
            err.print("interrupted; nothing was written")
        raise typer.Exit(130) from None
    raise typer.Exit(code)


def _fmt(v, key: str = "") -> str:
    """Numbers as a planner reads them: counts without decimals, decimal years as YYYY-MM."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "not reached" if key.startswith("year_") else "-"
    if key.startswith("year_"):
        year = int(v)
        month = min(12, int((v - year) * 12) + 1)
        return f"{year}-{month:02d}"
    if isinstance(v, float) and (v.is_integer() or abs(v) >= 1e4):
        return f"{v:,.0f}"
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


KPI_ROWS = [
    ("5G stations, end of horizon", "stations_5g_{end}"),
    ("5G population coverage, end (%)", "pop_covered_5g_pct_{end}"),
    ("4G population coverage (%)", "pop_covered_4g_pct"),
    ("Year 5G reaches 90% of population", "year_5g_pop_90pct"),
    ("Year 5G reaches 99% of population", "year_5g_pop_99pct"),
    ("5G capex over the horizon (VND bn)", "capex_total_vnd_bn"),
    ("Res. 193 support paid (VND bn)", "subsidy_paid_total_vnd_bn"),
    ("Capex per added person covered (VND m)", "capex_per_added_person_covered_vnd_m"),
    ("New-build share of added sites (%)", "new_sites_share_of_added_pct"),
]


VILLAGE_ROWS = [
    ("Villages without power and signal at start", "villages_unconnected_start"),
    ("Villages connected by the end", "villages_connected_end"),
    ("Villages with no feasible option", "villages_no_feasible_option"),
    ("Date the last feasible village is connected", "year_last_village_connected"),
    ("People connected", "village_pop_connected_end"),
    ("Village programme capex (VND bn)", "village_capex_total_vnd_bn"),
    ("Cost per person connected (VND m)", "village_cost_per_person_connected_vnd_m"),
]


COMPUTE_ROWS = [
    ("Data-centre IT capacity at start (MW)", "dc_it_capacity_mw_start"),
    ("Data-centre IT capacity at end (MW)", "dc_it_capacity_mw_end"),
    ("Facility power at end (MW)", "dc_facility_power_mw_end"),
    ("Date DC capacity reaches 1 GW", "year_dc_1gw"),
    ("Date it reaches Singapore's 1.4 GW", "year_dc_1_4gw_singapore"),
    ("GPUs installed at start / end", "gpus_installed_start"),
    ("", "gpus_installed_end"),
    ("GPUs stranded (no power) at end", "gpus_stranded_end"),
    ("Date GPUs reach 15x the start", "year_gpus_15x_start"),
    ("Date a 25,000-A100-equivalent run fits", "year_gpt4_scale_run_fits"),
    ("Dense BF16 PFLOPS at end", "gpu_pflops_bf16_end"),
    ("Compute capex (VND bn)", "compute_capex_total_vnd_bn"),
]


def compute_table(summary: dict) -> Table | None:
    if "dc_it_capacity_mw_end" not in summary["kpis"]:
        return None
    return _table(f"{summary['scenario']}: data centres and GPUs", COMPUTE_ROWS, summary)


def _table(title: str, rows: list[tuple[str, str]], summary: dict) -> Table:
    k = summary["kpis"]
    reps = summary["reps"] > 1
    t = Table(title=title)
    t.add_column("KPI")
    t.add_column("P50", justify="right")
    if reps:
        t.add_column("P10", justify="right")
        t.add_column("P90", justify="right")
    for label, key in rows:
        row = [label, _fmt(k.get(key), key)]
        if reps:
            row += [_fmt(k.get(f"{key}_p10"), key), _fmt(k.get(f"{key}_p90"), key)]
        t.add_row(*row)
    return t


def village_table(summary: dict) -> Table | None:
    if "villages_connected_end" not in summary["kpis"]:
        return None
    return _table(f"{summary['scenario']}: remote villages (year_* as YYYY-MM; 'not reached' = not within the horizon)",
                  VILLAGE_ROWS, summary)


def kpi_table(summary: dict) -> Table:
    k = summary["kpis"]
    end = summary["horizon"]["end_date"][:7].replace("-", "_")
    t = Table(title=f"{summary['scenario']}: KPIs (seed {summary['seed']}, {summary['reps']} replication(s))")
    t.add_column("KPI")
    t.add_column("P50", justify="right")
    if summary["reps"] > 1:
        t.add_column("P10", justify="right")
        t.add_column("P90", justify="right")
    for label, key in KPI_ROWS:
        key = key.format(end=end)
        row = [label, _fmt(k.get(key), key)]
        if summary["reps"] > 1:
            row += [_fmt(k.get(f"{key}_p10"), key), _fmt(k.get(f"{key}_p90"), key)]
        t.add_row(*row)
    # yearly trajectory
    years = sorted({key.split("_")[-2] for key in k if key.startswith("stations_5g_") and key.endswith("_12")})
    for y in years:
        t.add_row(f"  {y}-12: 5G stations / coverage %",
                  f"{_fmt(k.get(f'stations_5g_{y}_12'))} / {_fmt(k.get(f'pop_covered_5g_pct_{y}_12'))}",
                  *([""] * (2 if summary["reps"] > 1 else 0)))
    return t


@app.command()
def run(
    scenario: list[Path] = typer.Argument(..., help="Scenario TOML file(s)."),
    out_dir: Path | None = typer.Option(None, "--out", help="Output directory (default outputs/<name>/; with several scenarios, a parent directory)."),
    seed: int | None = typer.Option(None, "--seed", help="Override the scenario's seed."),
    reps: int | None = typer.Option(None, "--reps", min=1, help="Number of replications."),
    no_map: bool = typer.Option(False, "--no-map", help="Skip map.html (faster; `dxsim map` can build it later)."),
    no_report: bool = typer.Option(False, "--no-report", help="Skip report.html (`dxsim report` can build it later)."),
) -> None:
    """Run scenario(s) and write outputs/<name>/ (summary, metrics, entity tables, map.html, report.html)."""

    def body() -> int:
        from dxsim.runner import run_scenario

        for path in scenario:
            target = None
            if out_dir is not None:
                target = out_dir if len(scenario) == 1 else out_dir / path.stem
            # no progress display when stderr is not a terminal: rich would leave a blank line there,
            # and an error must stay the one line on stderr
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                          TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as prog:
                task = prog.add_task(f"{path.name}: preparing", total=None)

                def say(msg: str, task=task, path=path) -> None:
                    prog.update(task, description=f"{path.name}: {msg}")

                def on_rep(done: int, total: int, task=task, path=path) -> None:
                    prog.update(task, description=f"{path.name}: replications", completed=done, total=total)

                res = run_scenario(path, out_dir=target, seed=seed, reps=reps, progress=say, on_replication=on_rep,
                                   with_map=not no_map, with_report=not no_report)
            out.print(kpi_table(res.summary))
            for extra in (village_table(res.summary), compute_table(res.summary)):
                if extra is not None:
                    out.print(extra)
            out.print(f"wrote {res.out_dir}/")
        return 0

    _guard(body)


@app.command()
def validate(scenario: list[Path] = typer.Argument(..., help="Scenario TOML file(s).")) -> None:
    """Check scenario files without running them."""

    def body() -> int:
        from dxsim.scenario import load_scenario

        for path in scenario:
            sc = load_scenario(path)
            out.print(f"{path}: ok ({sc.name})")
        return 0

    _guard(body)


@app.command()
def schema(markdown: bool = typer.Option(False, "--markdown", help="A Markdown table of every field instead of JSON Schema.")) -> None:
    """Print the scenario JSON Schema (for editors) or the field table."""

    def body() -> int:
        from dxsim.scenario import json_schema, schema_markdown

        if markdown:
            sys.stdout.write(schema_markdown())
        else:
            sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False, default=str) + "\n")
        return 0

    _guard(body)


@app.command()
def data(build: bool = typer.Option(False, "--build", help="Build (or refresh) the geodata cache first.")) -> None:
    """Show the geodata in use: sources, licences, synthetic parts, cache."""

    def body() -> int:
        from dxsim.geo import load_country
        from dxsim.geo.info import cache_summary, data_sources
        from dxsim.paths import raw_data_dir

        if build:
            with err.status("building geodata cache"):
                load_country(progress=lambda m: None)
        t = Table(title=f"Geodata (raw directory: {raw_data_dir()})")
        for c in ("name", "file", "licence", "synthetic", "used by the model", "present"):
            t.add_column(c)
        for d in data_sources():
            used = "yes" if d.get("in_cache") or d["synthetic"] or d.get("used_by") else "reference / later modules"
            t.add_row(d["name"], str(d.get("file", "")), d["licence"], "yes" if d["synthetic"] else "no", used,
                      "yes" if d.get("present", True) else "MISSING")
        out.print(t)
        try:
            cs = cache_summary()
            out.print({k: v for k, v in cs.items()})
        except DxsimInputError as e:
            out.print(f"cache: not built ({e.message}); run `dxsim data --build`")
        return 0

    _guard(body)


@app.command()
def calibration(
    scenario: Path = typer.Argument(Path("scenarios/baseline.toml"), help="Scenario whose site layer and radio settings are checked."),
    out_dir: Path = typer.Option(Path("outputs/calibration"), "--out", help="Where calibration.csv/.md are written."),
) -> None:
    """Model beside every reported figure, with tolerance; exit 1 if any point is outside it."""

    def body() -> int:
        import polars as pl

        from dxsim.calibration import calibration_rows
        from dxsim.geo import load_country
        from dxsim.results.writer import atomic_dir
        from dxsim.scenario import load_scenario
        from dxsim.sim.model import prepare_world

        sc = load_scenario(scenario)
        with err.status("calibrating"):
            world = prepare_world(sc, load_country(), scenario_dir=scenario.parent)
            rows = calibration_rows(world)
        t = Table(title=f"Calibration: model vs reported ({sc.name})")
        for c in ("figure", "reported", "model", "tolerance", "status"):
            t.add_column(c, overflow="fold")
        for r in rows:
            tol = "≤ reported" if r.upper_bound else ("±" + _fmt(r.tolerance) if r.tolerance is not None else "-")
            t.add_row(r.figure, _fmt(r.reported), _fmt(r.model), tol, r.status)
        out.print(t)
        out.print(f"sources and full table: {out_dir}/calibration.md")
        df = pl.DataFrame([{**r.__dict__, "status": r.status} for r in rows])

        def fill(tmp: Path) -> None:
            df.write_csv(tmp / "calibration.csv")
            lines = ["| figure | reported | model | tolerance | status | source |", "|---|---|---|---|---|---|"]
            for r in rows:
                tol = "<= reported" if r.upper_bound else (f"±{r.tolerance:g}" if r.tolerance is not None else "-")
                lines.append(f"| {r.figure} | {_fmt(r.reported)} | {_fmt(r.model)} | {tol} | {r.status} | {r.source} |")
            (tmp / "calibration.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

        atomic_dir(out_dir, fill)
        failed = [r for r in rows if r.status == "FAIL"]
        if failed:
            raise ModelFailure(f"{len(failed)} calibration point(s) outside tolerance: " + "; ".join(r.figure for r in failed))
        return 0

    _guard(body)


@app.command()
def compare(
    scenario: list[Path] = typer.Argument(..., help="Scenario TOML files (two or more)."),
    reps: int | None = typer.Option(None, "--reps", min=1, help="Replications per scenario (default: the baseline's)."),
    baseline: str | None = typer.Option(None, "--baseline", help="Baseline: a path, file stem or scenario name (default: the first)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for every scenario (default: the baseline's); common random numbers."),
    out_dir: Path | None = typer.Option(None, "--out", help="Also write compare.csv and compare.md here."),
) -> None:
    """Compare options side by side: KPIs (P50, P10-P90) and deltas against the baseline, common random numbers."""

    def body() -> int:
        from dxsim.compare import compare_scenarios, rich_table, write_compare

        if len(scenario) < 2:
            raise DxsimInputError("needs at least two scenario files", field="SCENARIO", value=len(scenario),
                                  allowed="two or more .toml files")
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as prog:
            task = prog.add_task("comparing", total=None)
            res = compare_scenarios(scenario, reps=reps, baseline=baseline, seed=seed,
                                    progress=lambda m: prog.update(task, description=m),
                                    on_replication=lambda d, t: prog.update(task, completed=d, total=t))
        out.print(rich_table(res))
        if out_dir is not None:
            for p in write_compare(res, out_dir):
                out.print(f"wrote {p}")
        return 0

    _guard(body)


@app.command()
def sweep(
    sweep_file: Path = typer.Argument(..., help="A sweep TOML file (base scenario, method, samples, parameters, KPIs)."),
    out_dir: Path | None = typer.Option(None, "--out", help="Output directory (default outputs/sweeps/<name>/)."),
    workers: int | None = typer.Option(None, "--workers", min=0, help="Local worker processes (default: CPU count; 0 = in this process)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (needs dxsim[cluster]); runs the same sweep on the cluster."),
) -> None:
    """Sensitivity sweep (Latin hypercube, Morris or Sobol via SALib); resumable: re-run to continue."""

    def body() -> int:
        from dxsim.sweep import drivers_table, run_sweep

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as prog:
            task = prog.add_task("sweep", total=None)
            res = run_sweep(sweep_file, out_dir=out_dir, workers=workers, scheduler=scheduler,
                            progress=lambda m: prog.update(task, description=m),
                            on_run=lambda rec, done, total: prog.update(task, completed=done, total=total))
        out.print(drivers_table(res))
        out.print(f"{res.executed} runs executed, {res.reused} reused from an earlier attempt; wrote {res.out_dir}/")
        return 0

    _guard(body)


@app.command("map")
def map_cmd(
    result_dir: Path = typer.Argument(..., help="A run's output directory (outputs/<name>/)."),
    layers: str | None = typer.Option(None, "--layers", help="Comma-separated layers (default: all); see --help of dxsim.maps.LAYERS."),
    out_path: Path | None = typer.Option(None, "--out", help="Where to write (default RESULT_DIR/map.html)."),
) -> None:
    """(Re)build map.html from a results directory (offline: no CDN, no tile server)."""

    def body() -> int:
        from dxsim.maps import LAYERS, build_map

        names = [s.strip() for s in layers.split(",") if s.strip()] if layers else None
        unknown = [n for n in names or [] if n not in LAYERS]
        if unknown:
            raise DxsimInputError("unknown layer", field="--layers", value=",".join(unknown),
                                  allowed=", ".join(LAYERS))
        out.print(f"wrote {build_map(result_dir, names, out_path)}")
        return 0

    _guard(body)


@app.command()
def report(
    result_dir: Path = typer.Argument(..., help="A run's output directory (outputs/<name>/)."),
    out_path: Path | None = typer.Option(None, "--out", help="Where to write (default RESULT_DIR/report.html)."),
) -> None:
    """(Re)build report.html from a results directory (offline, self-contained)."""

    def body() -> int:
        from dxsim.report import build_report

        out.print(f"wrote {build_report(result_dir, out_path)}")
        return 0

    _guard(body)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
