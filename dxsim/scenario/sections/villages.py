"""Scenario section `villages`: the remote villages without power and signal (issue 3).

Four parts, each in its own module: the village layer (where, who), the connection options
(how, at what cost; the policy that chooses), the programme (crews, seasons, budget, order) and
the campaigns (deadlines and surge resources).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from dxsim.scenario.fields import StrictModel, param
from dxsim.scenario.sections.villages_campaigns import Campaign, check_campaign_names, default_campaigns
from dxsim.scenario.sections.villages_layer import VillageLayer
from dxsim.scenario.sections.villages_options import VillageOptions
from dxsim.scenario.sections.villages_programme import VillageProgramme


class Villages(StrictModel):
    """Villages without grid power and mobile signal, and the programme that connects them."""

    enabled: bool = param(
        True,
        unit="-",
        description="Model the village programme (false: no village layer, metrics or KPIs).",
        source="dxsim convention",
    )
    layer: VillageLayer = Field(default_factory=VillageLayer, description="Where the villages are.")
    options: VillageOptions = Field(
        default_factory=VillageOptions, description="Connection options and the choice policy."
    )
    programme: VillageProgramme = Field(
        default_factory=VillageProgramme, description="Crews, seasons, budget, priorities."
    )
    campaigns: list[Campaign] = Field(
        default_factory=default_campaigns,
        description="Campaigns with a deadline and surge resources, a list of {name, launched, deadline, villages, "
        "...} (see villages.campaigns[] fields); [] = no campaign. Default: the two 2025 campaigns "
        "(the villages with power by 2025-09-30, reported as 238 nationally: 230 in the layer, as Tuyên Quang's own "
        "survey (255, 2026-01) replaces its share and counts what the campaign left, so none of the survey's are in "
        "it; the villages without power by 2025-11-30). A campaign that selects a subset leaves out the villages of "
        "a province survey dated after its deadline (villages.parquet's survey_as_of). The first deadline is before the "
        "2025-10-31 start, so a run does not judge it (it starts after it) and reports when its last village is done.",
        json_schema_extra={
            "x-unit": "campaigns",
            "x-source": "villages/vn_deadzone_counts_timeline.csv row 2025-07 (news.daisan.vn)",
        },
    )

    @model_validator(mode="after")
    def _campaign_names(self) -> Villages:
        check_campaign_names(self.campaigns)
        return self
