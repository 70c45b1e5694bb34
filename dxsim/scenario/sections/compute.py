"""Scenario section `compute`: data centres, GPU fleets and AI demand (issue 4).

Three parts in their own modules: data centres (existing fleet, projects, grid, PUE, money),
GPUs (catalogue-based orders, supply shocks, life) and AI demand (jobs queued on the pool).
"""

from __future__ import annotations

from pydantic import Field

from dxsim.scenario.fields import StrictModel, param
from dxsim.scenario.sections.compute_dc import DataCentres
from dxsim.scenario.sections.compute_gpus import AiDemand, Gpus


class Compute(StrictModel):
    """Data-centre capacity and GPUs against AI demand."""

    enabled: bool = param(
        True,
        unit="-",
        description="Model data centres, GPUs and AI demand (false: no compute metrics or KPIs).",
        source="dxsim convention",
    )
    datacentres: DataCentres = Field(
        default_factory=DataCentres, description="Data-centre fleet and projects."
    )
    gpus: Gpus = Field(default_factory=Gpus, description="GPU orders, supply shocks and life.")
    demand: AiDemand = Field(default_factory=AiDemand, description="AI jobs queued on the national GPU pool.")
