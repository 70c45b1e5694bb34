"""Static compute inputs of a scenario, and the per-replication compute processes.

Once per scenario: the data-centre table (start fleet + project rows), the projects, the GPU
catalogue and the start GPU fleet. Per replication: a fresh DCFleet, the data-centre pipeline,
the GPU model and the AI-demand queue, in that order (GPUs need the fleet; demand needs the pool).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import simpy

from dxsim.geo.country import Country
from dxsim.geo.datacentres import projects
from dxsim.geo.planner_files import check_gpu_hints
from dxsim.gpu_catalogue import FleetEntry, GpuCatalogue, load_catalogue, load_start_fleet
from dxsim.scenario.schema import Scenario
from dxsim.sim.calendar import Clock
from dxsim.sim.compute.capacity import DCFleet
from dxsim.sim.compute.datacentres import DataCentreModel, make_fleet
from dxsim.sim.compute.demand import AiDemand, GpuPool
from dxsim.sim.compute.gpus import GpuModel


@dataclass
class ComputeWorld:
    """What every replication of one scenario shares."""

    dc_table: pl.DataFrame
    projects: pl.DataFrame
    catalogue: GpuCatalogue
    start_gpus: list[FleetEntry]
    province_codes: list[str]


@dataclass
class ComputeRun:
    """The compute processes of one replication (read by the Monitor)."""

    fleet: DCFleet
    dcs: DataCentreModel
    pool: GpuPool
    gpus: GpuModel
    demand: AiDemand


def prepare_compute(scenario: Scenario, country: Country, dc_table: pl.DataFrame) -> ComputeWorld:
    """The compute programme's static inputs: the data-centre table geo built, the projects, the GPU fact tables."""
    cat = load_catalogue()
    return ComputeWorld(
        dc_table,
        projects(scenario.compute.datacentres),
        cat,
        load_start_fleet(catalogue=cat),
        list(country.province_codes),
    )


def start_compute(
    env: simpy.Environment,
    scenario: Scenario,
    cw: ComputeWorld,
    clock: Clock,
    seed: int,
    replication: int,
    country: Country | None = None,
) -> ComputeRun:
    """The compute processes of one replication. With `country`, the orders' dc_hints are checked first, a
    province's name answered with its code: here, not when the world is prepared, since a stored world is reused
    whatever the orders say (they do not shape it)."""
    if country is not None:
        check_gpu_hints(scenario, cw.dc_table["dc_id"].to_list(), country)
    fleet = make_fleet(cw.dc_table, scenario.compute.datacentres, cw.province_codes)
    dcs = DataCentreModel(env, scenario, cw.dc_table, cw.projects, fleet, clock, seed, replication)
    dcs.start()
    pool = GpuPool(env)
    gpus = GpuModel(
        env,
        scenario,
        cw.catalogue,
        cw.start_gpus,
        fleet,
        clock,
        seed,
        replication,
        pool=pool,
        province_codes=cw.province_codes,
    )
    demand = AiDemand(env, scenario, pool, clock, seed, replication)
    return ComputeRun(fleet, dcs, pool, gpus, demand)
