"""Scenario section `villages`: the remote villages without power and signal (issue 3).

Three parts, each in its own module: the village layer (where, who), the connection options
(how, at what cost; the policy that chooses) and the programme (crews, seasons, budget, order).
"""

from __future__ import annotations

from pydantic import Field

from dxsim.scenario.fields import StrictModel, param
from dxsim.scenario.schema_villages_layer import VillageLayer
from dxsim.scenario.schema_villages_options import VillageOptions
from dxsim.scenario.schema_villages_programme import VillageProgramme


class Villages(StrictModel):
    """Villages without grid power and mobile signal, and the programme that connects them."""

    enabled: bool = param(
        True, unit="-",
        description="Model the village programme (false: no village layer, metrics or KPIs).",
        source="dxsim convention",
    )
    layer: VillageLayer = Field(default_factory=VillageLayer, description="Where the villages are.")
    options: VillageOptions = Field(default_factory=VillageOptions, description="Connection options and the choice policy.")
    programme: VillageProgramme = Field(default_factory=VillageProgramme, description="Crews, seasons, budget, priorities.")
