"""Run a scenario end to end: load, prepare, replicate, summarise, write outputs.

This is the model core's public entry point; the CLI is a thin face over it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim._version import __version__
from dxsim.calibration import calibration_frame, calibration_rows, plan_frame, plan_metric_names
from dxsim.errors import DxsimInputError
from dxsim.execution import ReplicationTask, chunks, execute_replications, replication_workers, run_tasks
from dxsim.execution.kpis import public_money_kpis
from dxsim.geo import load_country
from dxsim.geo.info import data_sources
from dxsim.geo.planner_files import check_support_provinces
from dxsim.i18n import formats as F
from dxsim.i18n import language
from dxsim.i18n import gettext as _
from dxsim.jit import kernels_without_cache
from dxsim.paths import RESOLVED_NAME
from dxsim.output_helper import ChartPool, Sidecar, chart_index, run_with, sidecar_work
from dxsim.results.datacentres import datacentre_table
from dxsim.results.decisions import decisions_table
from dxsim.results.draws import DRAWS_FILE, draws_table
from dxsim.results.excel import write_workbook
from dxsim.results.geo_tables import grid_5km, provinces_geojson
from dxsim.results.gis import write_gis
from dxsim.results.metrics_csv import write_metrics_csv
from dxsim.results.run_files import NATIONAL_CODE
from dxsim.results.spool import MetricsSpool
from dxsim.results.summary import kpi_quantiles, kpi_values, merge_kpi_values
from dxsim.results.villages import campaign_kpis, last_village_kpi, village_table, write_villages_geojson
from dxsim.results.writer import atomic_dir, check_output_dir, hash_finished_files, write_json, write_table
from dxsim.sim.calendar import first_counted_day
from dxsim.scenario import canonical_json, load_scenario
from dxsim.scenario.resolved import extends_chain, resolved_toml
from dxsim.scenario.schema import OPERATORS, Scenario
from dxsim.sim.model import run_replication
from dxsim.sim.world import World
from dxsim.sim.world_store import code_fingerprint, load_or_prepare_world

Progress = Callable[[str], None]


@dataclass
class RunOutput:
    scenario: Scenario
    summary: dict[str, Any]
    sim: Simulated
    sites: pl.DataFrame
    out_dir: Path | None
    villages: pl.DataFrame | None = None

    @property
    def metrics(self) -> pl.DataFrame:
        """Every replication's metrics, as written to metrics.parquet (read on demand, not held in memory)."""
        return self.sim.metrics


def provenance_sources(world: World) -> list[dict[str, Any]]:
    """`data_sources` for summary.json: name, licence, synthetic flag. Every fact table is listed, those read at run
    time too (the GPU start fleet, with its assumed rows), beside the cache's inputs and the generated parts."""
    rows = [
        {"name": d["name"], "licence": d["licence"], "synthetic": bool(d["synthetic"])}
        for d in data_sources()
        if d.get("in_cache")
        or d.get("fact_table")
        or (d.get("used_by") == "dxsim.geo.villages" and world.villages is not None)
        or (d.get("used_by") == "dxsim.geo.datacentres" and world.compute is not None)
        or (d["synthetic"] and world.layer.has_synthetic_sites)
    ]
    if world.villages is not None and world.villages.table["synthetic"].any():
        # how many, and where their counts come from: the report said "485 with grid power but no or patchy signal"
        # and no source held that figure (the national 238 of 2025-07 with Tuyên Quang's own survey in its place)
        generated = world.villages.table.filter(pl.col("synthetic"))
        n_without = generated.filter(pl.col("subset") == "no_power").height
        n_with = generated.height - n_without
        rows.append(
            {
                "name": _(
                    "{n} remote villages beyond the named ones ({without} without grid power and signal, {with_power} "
                    "with grid power but no or patchy signal): counts from the reported national timeline and the "
                    "provinces' own surveys (villages.layer: n_villages, n_with_power, province_surveys), places drawn "
                    "by dxsim.geo.villages (seeded)"
                ).format(
                    n=F.number(generated.height), without=F.number(n_without), with_power=F.number(n_with)
                ),
                "licence": "CC0 (generated)",
                "synthetic": True,
            }
        )
    if (
        world.villages is not None
        and (
            reported := world.villages.table.filter(~pl.col("synthetic") & pl.col("population_synthetic"))
        ).height
    ):
        # a reported village's name, commune and status are sourced, its people are not: drawn, and flagged only in
        # villages.parquet's population_synthetic (trust audit: "synthetic: False" beside a drawn 301 people)
        rows.append(
            {
                "name": _(
                    "the population and households of the {n} reported villages: no source counts them; drawn by "
                    "dxsim.geo.villages (seeded; villages.parquet `population_synthetic`)"
                ).format(n=F.number(reported.height)),
                "licence": "CC0 (generated)",
                "synthetic": True,
            }
        )
    # the seeded data centres (dxsim.geo.datacentres) were counted in the report and map headers but listed as no
    # source, so the sources table, the workbook's About sheet and summary.json showed every data centre as sourced
    if world.compute is not None and world.compute.dc_table["synthetic"].any():
        rows.append(
            {
                "name": _("data centres beyond the sourced ones (dxsim.geo.datacentres, seeded)"),
                "licence": "CC0 (generated)",
                "synthetic": True,
            }
        )
    if not world.layer.synthetic:
        rows.append(
            {
                "name": _("5G candidate sites beyond the planner's list (dxsim.geo.sites, seeded)"),
                "licence": "CC0 (generated)",
                "synthetic": True,
            }
        )
        replaced = world.layer.params.get("province_codes")
        places = ", ".join(
            f"{name} ({code})"
            for name, code in zip(world.layer.params.get("province_names", []), replaced or [], strict=False)
        )
        rows.append(
            {
                "name": (
                    _("site layer of {places} from {file}").format(
                        places=places, file=world.scenario.sites.file
                    )
                    if replaced
                    else _("site layer from {file}").format(file=world.scenario.sites.file)
                ),
                "licence": _("planner's data"),
                "synthetic": False,
            }
        )
        if replaced:
            # the generated layer's row said "4G/5G site layer" as if it were all of it (provincial planner trial)
            for row in rows:
                if row["name"] == _("4G/5G site layer"):
                    row["name"] = _("4G/5G site layer outside {places}").format(places=places)
    return rows


def sites_table(world: World, on_air_day: np.ndarray, operator: np.ndarray) -> pl.DataFrame:
    """5G sites on air by the end of the horizon (replication 0), one row per site."""
    plan = world.layer.plan_5g
    n = min(on_air_day.size, plan.height)
    start = world.scenario.horizon.start_date
    # on air by the end date: crews set a site's on-air day when they take it, which may be after the horizon
    horizon_days = float((world.scenario.horizon.end_date - start).days)
    on = np.flatnonzero(on_air_day[:n] <= horizon_days)  # NaN (never on air) compares False
    day = on_air_day[on]
    # dated as the month-end metrics count it (calendar.first_counted_day): `on_air_date <= d` is `stations_5g` at d
    days = first_counted_day(np.where(day < 0, 0, day))
    # the rows are gathered first and the names by index (numpy string arrays of every plan site took ~50 ms)
    names = pl.Series(("unknown",) + OPERATORS)
    rows = plan.select(pl.col("rank", "kind", "lon", "lat").gather(on))
    dates = pl.Series(np.datetime64(start, "D") + days.astype("timedelta64[D]")).cast(pl.Date)
    # a site file's start network keeps the file's own dates (it said the start date, 2025-10-31, for a station the
    # planner dated 2025-05-01: new-user trial)
    if "on_air_date" in plan.columns:
        filed = plan["on_air_date"].gather(on)
        use = pl.Series(day < 0) & filed.is_not_null()
        dates = pl.select(pl.when(use).then(filed).otherwise(dates)).to_series().alias("on_air_date")
    return rows.with_columns(
        gso34=pl.Series(world.province_codes).gather(plan["province_idx"].to_numpy()[on]),
        operator=names.gather(operator[on].astype(np.int64) + 1),
        on_air_date=dates,
        existing_at_start=day < 0,
        radius_m=world.plan_radius_m[on],
        **_site_capacity_columns(world, on),
        synthetic=(
            plan["synthetic"].to_numpy()[on]
            if "synthetic" in plan.columns
            else np.full(on.size, world.layer.synthetic)
        ),
    )


def _site_capacity_columns(world: World, on: np.ndarray) -> dict[str, np.ndarray]:
    """band_mhz, capacity_mbps and edge_rate_mbps of the given plan sites (`dxsim.radio.capacity.layer_capacity`,
    neighbours at `capacity.neighbour_load_pct`), or none when the run has no capacity model. Why: a capacity
    engineer could check the model's site capacity against a hand computation from no output."""
    cw = world.capacity
    if cw is None or cw.plan_band_mhz is None:
        return {}
    return {
        "band_mhz": cw.plan_band_mhz[on],
        "capacity_mbps": cw.cap5.capacity_mbps[on],
        "edge_rate_mbps": cw.cap5.rate_p5_mbps[on],
    }


@dataclass
class Simulated:
    """Everything a run produced, in memory: the tables `write_run` puts on disk."""

    scenario: Scenario
    scenario_dir: Path
    summary: dict[str, Any]
    spool: MetricsSpool  # every replication's metrics table, on disk (dxsim.results.spool)
    sites: pl.DataFrame
    grid: pl.DataFrame
    calibration: pl.DataFrame
    provinces: pl.DataFrame  # the province polygons as WKB (the map's basemap)
    resolved_toml: str
    villages: pl.DataFrame | None = None
    datacentres: pl.DataFrame | None = None
    decisions: pl.DataFrame | None = None  # the operators' decisions on support deadlines, every replication
    plans: pl.DataFrame | None = (
        None  # the reported plans and targets beside the replications' P50 (calibration.plan_frame)
    )
    draws: pl.DataFrame | None = (
        None  # each replication's factors of the uncertain assumptions (results.draws)
    )

    @property
    def metrics(self) -> pl.DataFrame:
        """The whole metrics table (every replication), read from the spool: for small runs and the API."""
        return self.spool.collect()


def simulate(
    scenario: Scenario,
    *,
    scenario_dir: Path,
    scenario_file: Path | None = None,
    chain: list[Path] | None = None,
    seed: int | None = None,
    reps: int | None = None,
    progress: Progress | None = None,
    on_replication: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Simulated:
    """Prepare the world, run all replications and summarise; writes nothing but the metrics spool.

    `chain`: the files the scenario came from, base first (recorded in scenario.resolved.toml).
    `workers` / `scheduler`: where replications 1.. run (:func:`run_more_replications`); every
    choice gives the same tables, since a replication depends only on (world, seed, index).
    """
    say = progress or (lambda _m: None)
    seed = scenario.seed if seed is None else int(seed)
    reps = scenario.replications if reps is None else int(reps)
    used = scenario.model_copy(update={"seed": seed, "replications": reps})
    resolved = resolved_toml(used, list(chain or []))
    say(_("geodata"))
    country = load_country(progress=say)
    try:
        # before the world: a stored world is reused whatever the supports say, and a province's name gets its code
        check_support_provinces(scenario.supports, country.province_codes, country)
        world = load_or_prepare_world(scenario, country, scenario_dir, progress=say)
    except (
        DxsimInputError
    ) as exc:  # a scenario value only the world can check (e.g. a campaign's village ids)
        if exc.file is None and scenario_file is not None and not str(exc.field or "").startswith("DXSIM_"):
            exc.file = str(scenario_file)  # an environment variable is no field of the file
        raise
    spool = MetricsSpool.create()
    # each replication's KPIs as it comes in, not its ~7,000 national rows: a 1,000-replication run kept ~0.4 GB of them
    values: dict[str, dict[int, float]] = {}
    campaigns: dict[str, dict[int, float]] = {}
    kept: set[int] = set()
    village_days: dict[int, np.ndarray] = {}  # each replication's village served days (connected)
    decisions: dict[int, list[dict[str, Any]]] = {}
    plan_paths: list[
        pl.DataFrame
    ] = []  # each replication's national paths of the plans' metrics (plan_frame)
    plan_names = plan_metric_names()

    def keep(
        rep: int, nat: pl.DataFrame, served_day: np.ndarray | None, decided: list[dict[str, Any]]
    ) -> None:
        merge_kpi_values(values, kpi_values(nat))
        if world.villages is not None:
            merge_kpi_values(campaigns, campaign_kpis(nat))
        kept.add(rep)
        plan_paths.append(nat.filter(pl.col("metric").is_in(plan_names)))
        if served_day is not None:
            village_days[rep] = served_day
        decisions[rep] = decided
        if on_replication:
            on_replication(len(kept), reps)

    try:
        # replication 0 runs here: its sites, cells, villages and compute tables are the run's maps. Say so
        # first: after an install or a code change it also compiles the model's kernels (~15 s, once).
        if on_replication:
            on_replication(0, reps)
        # ... and the wait says what it is (it sat silent for ~15 s after `make demo`'s install)
        if kernels_without_cache(replication_only=True):  # the world is ready: its own kernels are done
            say(
                _(
                    "compiling the model's kernels for this machine: once after installing or updating dxsim (~15 s)"
                )
            )
        try:
            first = run_replication(world, 0, seed=seed)
        except DxsimInputError as exc:  # a scenario value only the simulation can check (an order's dc_hint)
            if exc.file is None and scenario_file is not None and str(exc.field or "").startswith("compute."):
                exc.file = str(scenario_file)
            raise
        spool.write(0, first.metrics)
        keep(
            0,
            first.metrics.filter(pl.col("area") == NATIONAL_CODE),
            first.village_served_day,
            first.support_decisions or [],
        )
        run_more_replications(
            world,
            scenario,
            scenario_dir,
            seed,
            range(1, reps),
            spool,
            keep,
            workers=workers,
            scheduler=scheduler,
        )
    except BaseException:
        spool.close()
        raise
    extra = {}
    villages = None
    h = scenario.horizon
    if world.villages is not None:
        feasible = world.villages.inputs.feasible
        extra["year_last_village_connected"] = last_village_kpi(
            feasible,
            village_days,
            h.start_date,
            float((h.end_date - h.start_date).days),
        )
        extra["villages_no_feasible_option"] = {r: float((~feasible).sum()) for r in village_days}
        # a world with villages runs the village programme, so replication 0 has its days
        assert first.village_started_day is not None and first.village_power_day is not None
        assert first.village_connected_day is not None and first.village_served_day is not None
        villages = village_table(
            world.villages.table_in(language()),
            h.start_date,
            h.end_date,
            first.village_started_day,
            first.village_power_day,
            first.village_connected_day,
            village_days,
            served=first.village_served_day,
            permanent=first.village_permanent_day,
            grid=first.village_grid_day,
            temporary_power=first.village_temp_power,
            bridge=first.village_bridge_day,
            bridge_cost_vnd_bn=first.village_bridge_cost_vnd_bn,
            held_days=first.village_held_days,
            cost_vnd_bn=first.village_capex_vnd_bn,
            paid_by=first.village_paid_by,
        )
        extra.update(campaigns)
    dcs = None
    if world.compute is not None and first.compute is not None:
        dcs = datacentre_table(world.compute.dc_table, first.compute, h.start_date)
    # public money per replication, as compare and sweeps count it (a run had no total: finance trial)
    for r in sorted(kept):
        money = public_money_kpis(
            world.scenario, {k: v[r] for k, v in {**values, **campaigns}.items() if r in v}
        )
        for name, value in money.items():
            extra.setdefault(name, {})[r] = value
    kpis = kpi_quantiles({**values, **extra}, len(kept))
    say(_("calibration"))
    calib = calibration_frame(calibration_rows(world, first))
    s4 = world.layer.sites_4g
    on_end = ~np.isnan(first.on_air_day) & (first.on_air_day <= float((h.end_date - h.start_date).days))
    # run_replication always sets the end coverage per cell
    assert first.pop_covered_5g_cell_end is not None and first.pop_covered_4g_cell_end is not None
    cell_values: dict[str, np.ndarray] = {
        "pop_covered_5g_start": world.cov5g_start.covered_pop_cell,
        "pop_covered_5g_end": first.pop_covered_5g_cell_end,
        "pop_covered_4g_end": first.pop_covered_4g_cell_end,
    }
    if first.service_cell_end is not None:  # served vs capacity-short people at the end (dxsim.sim.capacity)
        sv = first.service_cell_end
        cell_values.update(
            {
                "pop_5g_served_end": sv["served5"],
                "pop_5g_capacity_short_end": sv["short5"],
                "pop_mbb_served_end": sv["mbb_served"],
                "pop_mbb_capacity_short_end": sv["mbb_cov"] - sv["mbb_served"],
            }
        )
    sites = sites_table(world, first.on_air_day, first.operator)
    grid = grid_5km(
        world.cells.x_m,
        world.cells.y_m,
        world.cells.pop,
        cell_values,
        {
            "sites_4g": (s4["x_m"].to_numpy(), s4["y_m"].to_numpy()),
            "sites_5g_end": (world.plan_x[: on_end.size][on_end], world.plan_y[: on_end.size][on_end]),
        },
    ).with_columns(
        # the squares' site counts and covered people are placeholders as much as generated sites are
        synthetic=pl.lit(bool(sites["synthetic"].any()))
    )
    summary = {
        "scenario": scenario.name,
        "scenario_file": str(scenario_file) if scenario_file is not None else None,
        # of the scenario as run (--seed and --reps applied): its scenario.resolved.toml hashes alike (state-audit
        # trial: two runs of one file with other seeds shared a hash, and the resolved file of one did not)
        "scenario_sha256": hashlib.sha256(canonical_json(used).encode("utf-8")).hexdigest(),
        "seed": seed,
        "reps": reps,
        "dxsim_version": __version__,
        # the model's code itself: every commit since 0.3.0 said "0.3.0" (state-audit trial)
        "dxsim_code_sha256": code_fingerprint(),
        "horizon": {"start_date": h.start_date.isoformat(), "end_date": h.end_date.isoformat()},
        "data_sources": provenance_sources(world),
        # the 5G sites on air at the end (replication 0) and how many stand at synthetic places: with a site file the
        # plans go on past its rows at seeded candidates, and the report said so only as a data source (trial)
        "sites_5g_end": {"total": sites.height, "synthetic": int(sites["synthetic"].sum())},
        "kpis": kpis,
    }
    return Simulated(
        scenario,
        Path(scenario_dir),
        summary,
        spool,
        sites,
        grid,
        calib,
        world.country.provinces.join(world.country.former_names(), on="gso34", how="left").with_columns(
            pl.col("former").fill_null("")
        ),
        resolved,
        villages,
        dcs,
        decisions_table(decisions, h.start_date),
        plan_frame(pl.concat(plan_paths)),
        draws_table(world.scenario, seed, range(reps)),  # the scenario the replications drew from
    )


Keep = Callable[[int, pl.DataFrame, "np.ndarray | None", list[dict[str, Any]]], None]


def run_more_replications(
    world: World,
    scenario: Scenario,
    scenario_dir: Path,
    seed: int,
    indices: Iterable[int],
    spool: MetricsSpool,
    keep: Keep,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> None:
    """Run replications `indices` of the run whose world is `world`: in this process, on the local pool or on
    Dask. Each metrics table goes to `spool`; `keep(rep, national rows, village served days, decisions)` gets the
    rest."""
    todo = list(indices)
    if not todo:
        return
    n = replication_workers(workers, len(todo))
    if scheduler is None and n == 0:
        for rep in todo:
            res = run_replication(world, rep, seed=seed, end_cells=False)
            spool.write(rep, res.metrics)
            keep(
                rep,
                res.metrics.filter(pl.col("area") == NATIONAL_CODE),
                res.village_served_day,
                res.support_decisions or [],
            )
        return
    data = scenario.model_dump(mode="json")
    # pool workers write their tables into the spool themselves; Dask workers may not see this disk
    where = None if scheduler is not None else str(spool.folder)
    tasks = [
        ReplicationTask(f"reps-{c[0]}-{c[-1]}", data, str(scenario_dir), seed, tuple(c), where)
        for c in chunks(todo, max(n, 1))
    ]

    def on_result(rec: dict[str, Any]) -> None:
        for r in rec["results"]:
            if "metrics" in r:
                spool.write(r["replication"], r["metrics"])
            keep(r["replication"], r["national"], r["village_served_day"], r["decisions"])

    run_tasks(tasks, on_result, workers=n, scheduler=scheduler, fn=execute_replications)


def write_run(
    sim: Simulated,
    out_dir: Path | None = None,
    *,
    with_map: bool = True,
    with_report: bool = True,
    progress: Progress | None = None,
    sidecar: Sidecar | None = None,
    field: str = "--out",
    provinces: Sequence[str] = (),
) -> Path:
    """Write a run's folder atomically (default outputs/<name>/): tables first, then the pages that read them.

    `sidecar`: a helper process (:mod:`dxsim.output_helper`) that writes the GIS layers, the map and part of
    the report's charts meanwhile; the files are the same with or without it. `field`: how a refused folder is
    named to the caller (the CLI's `--out`, the Python API's `out_dir`). `provinces`: gso34 codes the report shows at
    every year end (`--province`).
    """
    say = progress or (lambda _m: None)
    target = Path(out_dir) if out_dir is not None else default_run_dir(sim.scenario)
    views = Views(check_output_dir(target, field, kind="run").name, with_map, with_report, tuple(provinces))

    def fill(tmp: Path) -> None:
        write_base_tables(tmp)
        # everything below reads only the tables written above, never the model
        say(_("tables for GIS and Excel"))
        if sidecar is not None and sidecar.alive:
            run_with(
                sidecar,
                lambda: write_views_shared(tmp, sidecar, views, say),
            )
        else:
            write_views(tmp, views, say)

    def write_base_tables(tmp: Path) -> None:
        write_json(tmp / "summary.json", sim.summary)
        (tmp / RESOLVED_NAME).write_text(sim.resolved_toml, encoding="utf-8")
        sim.spool.sink(tmp / "metrics.parquet")
        write_table(tmp, "sites_5g", sim.sites, csv=False)
        write_table(tmp, "grid_5km", sim.grid, csv=False)
        sim.calibration.write_csv(tmp / "calibration.csv")
        if sim.plans is not None:
            write_table(tmp, "plans", sim.plans)
        if sim.decisions is not None:
            sim.decisions.write_csv(tmp / "support_decisions.csv")
        if sim.draws is not None:
            sim.draws.write_csv(tmp / DRAWS_FILE)
        provinces_geojson(sim.provinces, tmp / "provinces.geojson")
        if sim.datacentres is not None:
            write_table(tmp, "datacentres", sim.datacentres, csv=False)
        if sim.villages is not None:
            write_table(tmp, "villages", sim.villages, csv=False)

    say(_("writing outputs"))
    return atomic_dir(target, fill)


@dataclass(frozen=True)
class Views:
    """The pages a run's folder gets beside its tables: `folder_name` is the folder's name once in place, the report
    shows `provinces` (gso34 codes) at every year end."""

    folder_name: str
    with_map: bool
    with_report: bool
    provinces: Sequence[str] = ()


def write_views(tmp: Path, views: Views, say: Progress) -> None:
    """metrics.csv, GIS layers, workbook, map and report from the tables in `tmp`, in this process."""
    write_derived_tables(tmp)
    # folium and matplotlib take ~1 s to import: only a run that builds the page loads them
    if views.with_map:
        say(_("map"))
        from dxsim.maps import build_map

        build_map(tmp)
    if views.with_report:
        say(_("report"))
        from dxsim.report import build_report

        build_report(tmp, folder_name=views.folder_name, provinces=views.provinces)


def write_views_shared(tmp: Path, sidecar: Sidecar, views: Views, say: Progress) -> None:
    """:func:`write_views` with a helper process: the same files, two cores. Whatever the helper could not do
    is done here, so its failure surfaces as the same error as without it."""
    with_map, with_report = views.with_map, views.with_report
    helper_map = "map" in sidecar_work(with_map, with_report)
    if helper_map:
        sidecar.submit("map", tmp)
    sidecar.submit("gis", tmp)
    if with_report:
        sidecar.charts.clear()
        sidecar.pool = pool = ChartPool()
        sidecar.submit("charts", tmp)
    write_metrics_csv(tmp)
    write_villages_geojson(tmp)
    write_workbook(tmp)
    if with_map and not helper_map:
        say(_("map"))
        from dxsim.maps import build_map

        build_map(tmp)
    charts = None
    if with_report:
        say(_("report"))
        from dxsim.report.charts import Chart
        from dxsim.report.html import report_chart_jobs
        from dxsim.report.load import load_run

        jobs = report_chart_jobs(load_run(tmp))
        mine = {}
        while (i := chart_index(pool.take(), len(jobs))) is not None:
            mine[i] = jobs[i]()
        sidecar.wait("charts")
        theirs = {i: Chart(*f) for i, f in sidecar.charts.items()}
        charts = [mine.get(i) or theirs.get(i) or jobs[i]() for i in range(len(jobs))]
    hash_finished_files(tmp)  # while the helper writes the GIS layers: the manifest's digests at the end
    if not sidecar.wait("gis"):
        write_gis(tmp)
    if helper_map:
        say(_("map"))
        if not sidecar.wait("map"):
            from dxsim.maps import build_map

            build_map(tmp)
    if with_report:
        from dxsim.report import build_report

        build_report(tmp, folder_name=views.folder_name, charts=charts, provinces=views.provinces)


def write_derived_tables(result_dir: Path) -> None:
    """metrics.csv, villages.geojson, the GeoPackage/GeoParquet layers and the workbook, from the tables in
    `result_dir`."""
    write_metrics_csv(result_dir)
    write_villages_geojson(result_dir)
    write_gis(result_dir)
    write_workbook(result_dir)


def default_run_dir(scenario: Scenario) -> Path:
    """Where a run goes without --out: outputs/<scenario name>/ (relative to the current folder)."""
    return Path("outputs") / scenario.name


def run_scenario(
    path: Path,
    *,
    out_dir: Path | None = None,
    seed: int | None = None,
    reps: int | None = None,
    progress: Progress | None = None,
    on_replication: Callable[[int, int], None] | None = None,
    write: bool = True,
    with_map: bool = True,
    with_report: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    sidecar: Sidecar | None = None,
    provinces: Sequence[str] = (),
) -> RunOutput:
    """Validate a scenario file, run all replications and (optionally) write `out_dir` atomically.

    `sidecar`: the helper process that writes part of the folder (:func:`write_run`); when writing without one,
    one is started here, so it loads its modules while the replications run. `provinces`: gso34 codes the report
    shows at every year end (`--province`).
    """
    path = Path(path)
    scenario = load_scenario(path)
    if write:  # refuse a bad --out (or default folder) before minutes of work
        check_output_dir(Path(out_dir) if out_dir is not None else default_run_dir(scenario), kind="run")
    own = Sidecar.start(sidecar_work(with_map, with_report)) if write and sidecar is None else None
    helper = sidecar or own
    try:
        sim = simulate(
            scenario,
            scenario_dir=path.parent,
            scenario_file=path,
            chain=extends_chain(path),
            seed=seed,
            reps=reps,
            progress=progress,
            on_replication=on_replication,
            workers=workers,
            scheduler=scheduler,
        )
        written = (
            write_run(
                sim,
                out_dir,
                with_map=with_map,
                with_report=with_report,
                progress=progress,
                sidecar=helper,
                provinces=provinces,
            )
            if write
            else None
        )
    except BaseException:
        if own is not None:
            own.kill()
        raise
    if own is not None:
        own.close()
    return RunOutput(scenario, sim.summary, sim, sim.sites, written, sim.villages)
