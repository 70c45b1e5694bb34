"""Scenario section `villages.programme`: who builds the remote-village connections, when, with what money.

The programme connects the villages without power and signal (seed 000:302: 117 in late 2025;
"eliminate coverage holes" is a 2026 task, seed 001:664). Power is built by the utility's line
crews (EVN), sites and off-grid power by the operators' remote-site teams; both are scarce in the
mountains and line works stop in the rainy season.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from dxsim.i18n import gettext as _
from dxsim.scenario.fields import DelayDays, StrictModel, VndBnPerYear, Year, param

_ASSUME = "dxsim assumption (no public figure; seed_facts.md open question {q})"


class VillageCrews(StrictModel):
    """Teams working on remote villages in one region."""

    utility_teams: int = param(
        4,
        unit="line crews",
        ge=0,
        le=1_000,
        description="Utility (EVN) medium-voltage line crews assigned to village grid extensions in the region. "
        "Paid per line, inside the village's grid-extension capex: more crews carry no standing cost (a campaign's "
        "surge teams do: surge_team_cost_vnd_bn_per_month).",
        source=_ASSUME.format(q=3)
        + "; EVN committed to power the 117 villages by 2025-11-30 (villages/vn_deadzone_counts_timeline.csv)",
    )
    operator_teams: int = param(
        3,
        unit="site teams",
        ge=0,
        le=1_000,
        description="Operator remote-site teams (site, backhaul, off-grid power) assigned to villages in the region.",
        source=_ASSUME.format(q=3)
        + "; MoST ordered operators to build BTS for these villages by 2025-11-30 (same file)",
    )
    with_power_teams: int = param(
        12,
        unit="site teams",
        ge=0,
        le=1_000,
        description="Operator site teams building the sites of villages that already have grid power (signal track "
        "only; the operators' ordinary rollout teams, not the remote-site teams above).",
        source="derived from the reported pace: 637 (2024-10) -> 238 (2025-07) villages with power covered = ~44 "
        "villages a month nationally, i.e. ~37 teams at ~25 team-days per site (site + backhaul); split "
        "north 25 / central 10 / south 2 by where the holes are (dxsim assumption on the split)",
    )


def _default_village_crews() -> dict[Literal["north", "central", "south"], VillageCrews]:
    return {
        # EVN committed to power all 117 villages by 2025-11-30: it mobilised many line crews;
        # with ~20 crew-days per km in the mountains and dry-season-only works, 25/15 crews
        # finish the northern/central lines in ~2-3 dry seasons (assumption, see README).
        "north": VillageCrews(utility_teams=25, operator_teams=6, with_power_teams=25),
        "central": VillageCrews(utility_teams=15, operator_teams=4, with_power_teams=10),
        "south": VillageCrews(utility_teams=2, operator_teams=1, with_power_teams=2),
    }


class PermitDays(DelayDays):
    """Median and 90th-percentile permit / land-clearance delay (log-normal; defaults for villages)."""

    p50_days: float = param(
        45.0,
        unit="days",
        ge=0,
        le=3650,
        description="Median delay.",
        source=_ASSUME.format(q=3)
        + "; forest land conversion and right-of-way for lines in protected forest",
    )
    p90_days: float = param(
        150.0,
        unit="days",
        ge=0,
        le=3650,
        description="90th-percentile delay (>= p50_days).",
        source=_ASSUME.format(q=3),
    )


class VillageProgramme(StrictModel):
    """Money, crews, seasons and priorities of the village programme."""

    budget_vnd_bn: dict[Year, VndBnPerYear] = param(
        {2025: 300.0, 2026: 500.0, 2027: 300.0},
        unit="VND bn per calendar year",
        description="Programme capex that can be committed each year (power + site + backhaul); years after the last listed repeat its value. In the start year, the part of the year after the start (pro rata), as for the operators' budgets.",
        source="assumption: EVN rural-electrification funds + Public Utility Telecommunication Service Fund (VTF); "
        "sized so grid-first (~9-10 bn VND per village, mostly 22 kV line) fits in about three years",
    )
    priority: Literal["population_first", "cheapest_first", "list"] = param(
        "population_first",
        unit="-",
        description="Order in which villages are started: most people first, cheapest cost per person first, or the planner's priority_list.",
        source="dxsim convention",
    )
    priority_list: list[str] = param(
        [],
        unit="village ids",
        description="Village ids in the order to start them (priority = 'list'); villages not listed follow, most people first.",
        source="planner input",
    )
    grid_works_in_rainy_season: bool = param(
        False,
        unit="-",
        description="Whether line crews can work in the rainy months of their region (seasons.<region>.rainy_months); if not, line works pause until the dry season.",
        source="EVN practice in mountain provinces: line construction in the dry season (assumption, seed_facts.md open question 3)",
    )
    permit: PermitDays = Field(
        default_factory=PermitDays,
        description="Permit / land-clearance delay before works start.",
        json_schema_extra={"x-unit": "days", "x-source": _ASSUME.format(q=3)},
    )
    work_p90_over_p50: float = param(
        1.6,
        unit="ratio",
        ge=1.0,
        le=10.0,
        description="Spread of on-site work durations: the 90th percentile is this multiple of the planned team-days (log-normal).",
        source=_ASSUME.format(q=3),
    )
    crews: dict[Literal["north", "central", "south"], VillageCrews] = Field(
        default_factory=_default_village_crews, description="Teams per region working on villages."
    )

    @model_validator(mode="after")
    def _years(self) -> VillageProgramme:
        for year, v in self.budget_vnd_bn.items():
            if not 2020 <= year <= 2100:
                raise ValueError(
                    _("{field}: year {year} out of range 2020..2100").format(field="budget_vnd_bn", year=year)
                )
            if v < 0:
                raise ValueError(
                    _("{field}: value for {year} must be >= 0, got {value}").format(
                        field="budget_vnd_bn", year=year, value=v
                    )
                )
        if len(set(self.priority_list)) != len(self.priority_list):
            raise ValueError(_("priority_list has duplicate village ids"))
        if self.priority_list and self.priority != "list":
            # Why: the list was read only under priority = "list"; set with any other rule it changed nothing
            # and nothing said so
            raise ValueError(
                _(
                    'priority_list is given but priority = {rule}, which ignores it; set priority = "list" to '
                    "start villages in the list's order, or remove priority_list (priority_list = [] in a file "
                    "that extends one with a list)"
                ).format(rule=repr(self.priority))
            )
        return self

    def budget_for(self, year: int) -> float:
        """Budget of a year: listed, else the last listed earlier year, else 0."""
        if year in self.budget_vnd_bn:
            return self.budget_vnd_bn[year]
        earlier = [y for y in self.budget_vnd_bn if y <= year]
        return self.budget_vnd_bn[max(earlier)] if earlier else 0.0
