"""The prepared world: everything replications share, built once per scenario in one pass down the stack.

1. geo builds the layers (:func:`build_layers`): the cells, the site layer, the village layer (which may carve
   the site layer: no existing site covers a village without signal) and the data-centre table;
2. radio computes on them (:func:`compute_coverage`): every site's footprint and the start-state coverage;
3. the simulator's programmes take their static inputs: village options and campaigns
   (:func:`dxsim.sim.villages.setup.prepare_villages`), the compute fleet (:func:`dxsim.sim.compute.setup.
   prepare_compute`) and the cells' capacity records (:func:`dxsim.sim.capacity.prepare_capacity`).

`dxsim.sim.world_store` keeps prepared worlds on disk; :mod:`dxsim.sim.model` runs replications on them.
"""

from __future__ import annotations

import dataclasses

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from dxsim.geo.country import Country
from dxsim.errors import DxsimInputError
from dxsim.geo.datacentres import start_fleet
from dxsim.geo.planner_files import check_village_ids, needs_village_layer
from dxsim.geo.site_file import load_site_file
from dxsim.geo.sites import CellArrays, SiteLayer, build_synthetic_layer
from dxsim.geo.villages import VillageLayerResult, build_village_layer
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.paths import raw_data_dir
from dxsim.radio.coverage import CoverageGrid, Footprints
from dxsim.radio.radii import radii_m
from dxsim.scenario.schema import OPERATORS, REGIONS, Scenario
from dxsim.sim.capacity import CapacityWorld, env_bands, prepare_capacity
from dxsim.sim.compute.setup import ComputeWorld, prepare_compute
from dxsim.scenario.envelope import apply_envelope
from dxsim.sim.rollout import PlanArrays
from dxsim.sim.villages.setup import VillageWorld, campaign_scopes, prepare_villages

Progress = Callable[[str], None]


@dataclass
class World:
    """Static inputs shared by all replications of one scenario."""

    scenario: Scenario
    country: Country
    cells: CellArrays
    layer: SiteLayer
    plan: PlanArrays
    plan_row: np.ndarray
    plan_col: np.ndarray
    plan_x: np.ndarray
    plan_y: np.ndarray
    plan_radius_m: np.ndarray
    cov5g_start: CoverageGrid
    cov4g: CoverageGrid
    plan_footprints: Footprints
    radius_4g_m: dict[str, float]
    radius_5g_m: dict[str, float]
    province_codes: list[str]
    province_pop: np.ndarray
    villages: VillageWorld | None = None
    compute: ComputeWorld | None = None
    village_footprints: Footprints | None = None  # 4G footprints of the villages' new sites
    cov5g_start_by_operator: list[CoverageGrid] | None = None  # each operator's own 5G network at the start
    capacity: CapacityWorld | None = None  # served vs covered (dxsim.sim.capacity); None when disabled


def cell_arrays(country: Country) -> CellArrays:
    c = country.cells
    return CellArrays(
        rows=c["row"].to_numpy().astype(np.int64),
        cols=c["col"].to_numpy().astype(np.int64),
        lon=c["lon"].to_numpy(),
        lat=c["lat"].to_numpy(),
        x_m=c["x_m"].to_numpy(),
        y_m=c["y_m"].to_numpy(),
        width_m=c["width_m"].to_numpy().astype(np.float64),
        height_m=c["height_m"].to_numpy().astype(np.float64),
        pop=country.cell_pop,
        env=c["density_class"].to_numpy().astype(np.int8),
        province_idx=country.cell_province_idx.astype(np.int64),
        n_provinces=len(country.province_codes),
    )


def region_of_province(country: Country) -> np.ndarray:
    names = country.provinces["region3"].to_list()
    return np.array([REGIONS.index(n) for n in names], dtype=np.int8)


def load_site_layer(
    scenario: Scenario,
    country: Country,
    cells: CellArrays,
    radius_4g_m: dict[str, float],
    radius_5g_m: dict[str, float],
    scenario_dir: Path | None = None,
) -> SiteLayer:
    """The scenario's site layer: a planner's CSV if given (in place of the synthetic layer, or of its sites in the
    file's provinces: `sites.file_replaces`), else the seeded synthetic one."""
    if not scenario.sites.file:
        return synthetic_layer(scenario, country, cells, radius_4g_m, radius_5g_m)
    national = None
    if scenario.sites.file_replaces == "provinces":
        national = synthetic_layer(scenario, country, cells, radius_4g_m, radius_5g_m)
    path = Path(scenario.sites.file)
    if not path.is_absolute() and scenario_dir is not None:
        path = scenario_dir / path
    return load_site_file(
        path, scenario, country, cells, region_of_province(country), radius_4g_m, radius_5g_m, national
    )


def synthetic_layer(
    scenario: Scenario,
    country: Country,
    cells: CellArrays,
    radius_4g_m: dict[str, float],
    radius_5g_m: dict[str, float],
) -> SiteLayer:
    """The seeded synthetic site layer the scenario's fields shape (from the geodata cache when built before)."""
    return build_synthetic_layer(
        cells,
        region_of_province(country),
        n_4g=scenario.start_state.stations_4g,
        n_5g_start=scenario.start_state.stations_5g,
        radius_4g_m=radius_4g_m,
        radius_5g_m=radius_5g_m,
        capex_upgrade_vnd_bn=scenario.costs.capex_vnd_bn(False),
        capex_new_vnd_bn=scenario.costs.capex_vnd_bn(True),
        seed=scenario.sites.synthetic_seed,
        people_per_site=scenario.sites.people_per_5g_site_dense,
        min_people_per_coverage_site=scenario.sites.min_people_per_4g_coverage_site,
        shares={name: op.start_share_5g_pct / 100.0 for name, op in scenario.operators.items()},
        province_balanced=scenario.sites.demand_phase_order == "province_balanced",
        cache_dir=country.cache_path,
        cells_hash=str(country.manifest.get("inputs_sha256", country.manifest.get("input_hashes", ""))),
        radius_5g_start_m=radii_m("5g", scenario.radio.band_5g_start_mhz, scenario.radio.coverage_definition),
    )


@dataclass
class Layers:
    """What geo builds for a scenario (pass 1): the cells, the site layer (carved by the villages), the village
    layer and the data-centre table, plus the radii the layers were drawn with."""

    cells: CellArrays
    sites: SiteLayer
    villages: VillageLayerResult | None
    dc_table: pl.DataFrame | None
    radius_4g_m: dict[str, float]
    radius_5g_m: dict[str, float]


@dataclass
class Coverage:
    """What radio computes on the layers (pass 2): per-site footprints and the start-state coverage."""

    plan_row: np.ndarray
    plan_col: np.ndarray
    plan_x: np.ndarray
    plan_y: np.ndarray
    plan_radius_m: np.ndarray
    n_start: int
    footprints_5g: Footprints
    cov5g: CoverageGrid
    cov5g_by_operator: list[CoverageGrid]
    cov4g: CoverageGrid
    # the 4G sites' own footprints, for site capacity (None without capacity)
    footprints_4g: Footprints | None
    village_footprints: Footprints | None  # 4G footprints of the villages' new sites


def build_layers(
    scenario: Scenario, country: Country, scenario_dir: Path | None, say: Progress, *, dcs: bool = True
) -> Layers:
    """Pass 1, geo: the site layer, then the village layer (which may carve it), then the data-centre table
    (with `dcs`; `dxsim validate` builds the first two only, to check the villages a scenario names)."""
    cells = cell_arrays(country)
    cdef = scenario.radio.coverage_definition
    r4 = radii_m("4g", scenario.radio.band_4g_mhz, cdef)
    r5 = radii_m("5g", scenario.radio.band_5g_mhz, cdef)
    say(_("site layer"))
    sites = load_site_layer(scenario, country, cells, r4, r5, scenario_dir)
    villages = None
    if scenario.villages.enabled:
        say(_("villages"))
        villages = build_village_layer(
            country,
            cells,
            sites,
            scenario.villages.layer,
            scenario_dir=scenario_dir,
            start_date=scenario.horizon.start_date,
        )
        sites = villages.site_layer
    # the synthetic layer a provinces site file was merged into: the villages were drawn against it, the world keeps
    # only the merged layer
    sites = dataclasses.replace(sites, national=None)
    dc_table = None
    if scenario.compute.enabled and dcs:
        say(_("data centres and GPUs"))
        dc_table = start_fleet(
            raw_data_dir(),
            scenario.compute.datacentres,
            scenario.compute.datacentres.synthetic_seed,
            start_date=scenario.horizon.start_date,
            country=country,
        )
    return Layers(cells, sites, villages, dc_table, r4, r5)


def check_villages_named(scenario: Scenario, country: Country, scenario_file: Path) -> list[str]:
    """The villages `scenario` names by id or province, and campaigns that others listed before may leave without
    villages, checked on the built village layer (~2 s) when the scenario names any (`needs_village_layer`), with
    the file named; so are the villages a site file leaves no room for (the build refuses them). Why before any work: the world from the store skips the build that checks them, and a compare
    refused a misspelt priority id only after the first scenario's replications (village officer trial).

    Returns notes: what a village file that replaces its provinces' villages stands in for, province by province
    (one row of Lai Châu in place of its 29 villages was said as "Lai Châu (12): 1 of the file": provincial trial)."""
    if not needs_village_layer(scenario):
        return []
    try:
        layers = build_layers(scenario, country, scenario_file.parent, lambda _stage: None, dcs=False)
        assert layers.villages is not None  # needs_village_layer: villages are enabled
        check_village_ids(scenario, layers.villages.villages, country)
        campaign_scopes(scenario.villages.campaigns, layers.villages.villages)
    except DxsimInputError as e:
        e.file = e.file or str(scenario_file)  # as the run names it
        raise
    replaced = layers.villages.report.get("replaced_villages_by_province", {})
    return [
        _(
            "note: villages.layer.file stands in for the default layer's {m} villages in {province} ({code}) with {n}"
        ).format(n=F.number(n), m=F.number(m), province=country.province_name(code), code=code)
        for code, (n, m) in replaced.items()
        if n != m
    ]


def compute_coverage(scenario: Scenario, layers: Layers, operator: np.ndarray, say: Progress) -> Coverage:
    """Pass 2, radio: footprints of every planned 5G site, of the 4G sites and of the villages' sites; the start
    coverage, national and per operator (`operator`: each plan row's operator index)."""
    cells, plan, s4 = layers.cells, layers.sites.plan_5g, layers.sites.sites_4g
    say(_("start coverage"))
    sub = scenario.radio.coverage_subsamples_per_axis
    row, col = plan["row"].to_numpy(), plan["col"].to_numpy()
    x, y = plan["x_m"].to_numpy(), plan["y_m"].to_numpy()
    radius = plan["radius_m"].to_numpy().astype(np.float64)
    cov5 = cells.coverage_grid(sub)
    n0 = min(layers.sites.n_5g_start, plan.height)
    fp = cov5.footprints(row, col, x, y, radius)
    cov5.add_footprints(fp, np.arange(n0))
    cov5_op = []
    for k in range(len(OPERATORS)):
        g = cells.coverage_grid(sub)
        g.add_footprints(fp, np.flatnonzero(operator[:n0] == k))
        cov5_op.append(g)
    r4_site = s4["radius_m"].to_numpy().astype(np.float64)
    row4, col4, x4, y4 = (
        s4["row"].to_numpy(),
        s4["col"].to_numpy(),
        s4["x_m"].to_numpy(),
        s4["y_m"].to_numpy(),
    )
    cov4 = cells.coverage_grid(sub)
    cov4.add_sites(row4, col4, x4, y4, r4_site)
    fp4 = cov4.footprints(row4, col4, x4, y4, r4_site) if scenario.capacity.enabled else None
    vfp = None
    if layers.villages is not None:
        v = layers.villages.villages
        vfp = cov4.footprints(
            v["row"].to_numpy().astype(np.int64),
            v["col"].to_numpy().astype(np.int64),
            v["x_m"].to_numpy(),
            v["y_m"].to_numpy(),
            np.full(v.height, float(layers.radius_4g_m["rural"])),
        )
    return Coverage(row, col, x, y, radius, n0, fp, cov5, cov5_op, cov4, fp4, vfp)


def site_bands(
    sites: pl.DataFrame, bands: dict[str, int], start_bands: dict[str, int] | None = None, n_start: int = 0
) -> np.ndarray:
    """Each site's band (MHz), the one its coverage radius was drawn with: a site file's own `band_mhz`; else the
    start network's band for the first `n_start` sites (radio.band_5g_start_mhz, see `replan_after_start`) and the
    run's band of the site's environment for the others. Capacity must follow the band coverage used."""
    env = sites["env"].to_numpy()
    band = env_bands(bands, env)
    if start_bands is not None and n_start > 0:
        band[:n_start] = env_bands(start_bands, env[:n_start])
    if "band_mhz" in sites.columns:
        given = sites["band_mhz"].fill_null(0).to_numpy().astype(np.int64)
        band = np.where(given > 0, given, band)
    return band


def planned_days(scenario: Scenario, plan: pl.DataFrame, n_start: int) -> np.ndarray | None:
    """Under sites.planned_dates = "hold", each plan site's planned on-air day from a site file (days from the start;
    NaN for a site without one, and for the start network); else None (the dates only order the build)."""
    if scenario.sites.planned_dates != "hold" or "on_air_date" not in plan.columns:
        return None
    days = (
        plan.select((pl.col("on_air_date") - pl.lit(scenario.horizon.start_date)).dt.total_days())
        .to_series()
        .cast(pl.Float64)
        .fill_null(np.nan)
        .to_numpy()
        .copy()
    )
    days[: min(n_start, days.size)] = np.nan
    return days if np.isfinite(days).any() else None


def prepare_world(
    scenario: Scenario, country: Country, scenario_dir: Path | None = None, progress: Progress | None = None
) -> World:
    """The static inputs of every replication, in one pass down the stack: geo builds the layers, radio computes
    footprints and coverage on them, and the simulator's programmes take what they need (village options and
    campaigns, the compute fleet, the cells' capacity records)."""
    say = progress or (lambda _m: None)
    scenario = apply_envelope(scenario)  # a shared budget envelope, if enabled, becomes programme budgets
    layers = build_layers(scenario, country, scenario_dir, say)
    plan = layers.sites.plan_5g
    op_index = {name: k for k, name in enumerate(OPERATORS)}
    operator = np.array([op_index[o] for o in plan["operator"].to_list()], dtype=np.int8)
    cov = compute_coverage(scenario, layers, operator, say)
    pa = PlanArrays(
        is_new=(plan["kind"] == "new").to_numpy(),
        region_idx=plan["region_idx"].to_numpy().astype(np.int64),
        province_idx=plan["province_idx"].to_numpy().astype(np.int64),
        operator=operator,
        people_served=plan["people_served"].to_numpy().astype(np.float64),
        planned_on_air_day=planned_days(scenario, plan, layers.sites.n_5g_start),
    )
    cells = layers.cells
    villages = (
        None
        if layers.villages is None
        else prepare_villages(scenario, country, layers.villages.villages, layers.radius_4g_m)
    )
    capacity = None
    if scenario.capacity.enabled:
        say(_("site capacity"))
        assert cov.footprints_4g is not None
        radio = scenario.radio
        s4 = layers.sites.sites_4g
        capacity = prepare_capacity(
            scenario.capacity,
            radio.band_4g_mhz.model_dump(),
            cells.pop,
            cov.cov5g.k,
            cov.footprints_5g,
            plan["env"].to_numpy(),
            site_bands(
                plan, radio.band_5g_mhz.model_dump(), radio.band_5g_start_mhz.model_dump(), cov.n_start
            ),
            cov.cov5g.cell_index(cov.plan_row, cov.plan_col),
            cov.n_start,
            cov.footprints_4g,
            s4["env"].to_numpy(),
            site_bands(s4, radio.band_4g_mhz.model_dump()),
            np.array(
                [
                    scenario.operators[o].subscriber_share_pct if o in scenario.operators else 0.0
                    for o in OPERATORS
                ]
            ),
            cov.village_footprints,
            None if villages is None else villages.table["backhaul_capacity_mbps"].to_numpy(),
        )
    compute = None if layers.dc_table is None else prepare_compute(scenario, country, layers.dc_table)
    prov_pop = np.bincount(cells.province_idx, weights=cells.pop, minlength=cells.n_provinces)
    return World(
        scenario,
        country,
        cells,
        layers.sites,
        pa,
        cov.plan_row,
        cov.plan_col,
        cov.plan_x,
        cov.plan_y,
        cov.plan_radius_m,
        cov.cov5g,
        cov.cov4g,
        cov.footprints_5g,
        layers.radius_4g_m,
        layers.radius_5g_m,
        list(country.province_codes),
        prov_pop,
        villages,
        compute,
        cov.village_footprints,
        cov.cov5g_by_operator,
        capacity,
    )
