"""Scenario section `villages.campaigns`: government campaigns with a deadline and surge resources.

A campaign names the villages it covers (a subset selector), the date it was ordered, its deadline,
and what is brought in to meet it: utility line crews from other regions (extra teams after a
mobilisation delay, at a cost premium), temporary power (a genset or solar + battery) so the site
goes on air before the grid line is energised, and portable / satellite-backhauled BTS (fast,
costlier, lower capacity). Campaign villages are started first (earliest deadline first). The utility
answers the deadline itself: villages whose line will not be energised in time get local power (a
generator set) first, as Quảng Trị did for 10 of its 17 villages in 2025 (`power_bridge`). The
defaults are the two 2025 campaigns in the data (villages/vn_deadzone_counts_timeline.csv).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from dxsim.i18n import gettext as _
from dxsim.scenario.fields import DelayDays, StrictModel, param

Region = Literal["north", "central", "south"]
SUBSETS = ("no_power", "with_power", "all")
TIMELINE_238 = (
    "villages/vn_deadzone_counts_timeline.csv row 2025-07 (news.daisan.vn): MoST ordered operators to "
    "cover the 238 villages with grid power but no signal by Sept 2025"
)
TIMELINE_117 = (
    "villages/vn_deadzone_counts_timeline.csv row 2025-07 (news.daisan.vn): EVN to supply power and "
    "operators to build BTS in the 117 villages without grid power by 2025-11-30"
)
_ASSUME = "dxsim assumption (no public figure; seed_facts.md open question 3)"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# surge teams per region: the range travels into the JSON Schema (additionalProperties) and the loader's errors
SurgeTeams = Annotated[int, Field(ge=0, le=1000)]


class Mobilisation(DelayDays):
    """Delay from the campaign order until surge teams from other regions are on site (log-normal)."""

    p50_days: float = param(
        30.0,
        unit="days",
        ge=0,
        le=3650,
        description="Median delay.",
        source=_ASSUME + ": transfer of line crews between EVN power corporations",
    )
    p90_days: float = param(
        60.0, unit="days", ge=0, le=3650, description="90th-percentile delay (>= p50_days).", source=_ASSUME
    )


_PLO = (
    "Quảng Trị powered its 17 villages without power and signal by grid lines to 7 and generators with a temporary "
    "low-voltage network in 10, to finish by 2025-12-15 (plo.vn 2025-12-08, villages/vn_deadzone_counts_timeline.csv "
    "row 2025-12; vietnamnet.vn 2025-12-08)"
)
_QT_COST = "vietnamnet.vn 2025-12-08 (Quảng Trị's 17 villages)"


class BridgeLead(DelayDays):
    """Delay from the utility's decision to bridge a village until its local power is on (log-normal)."""

    p50_days: float = param(
        20.0,
        unit="days",
        ge=0,
        le=3650,
        description="Median delay.",
        source=_ASSUME + ": a generator set and the village's low-voltage network hauled in and commissioned",
    )
    p90_days: float = param(
        45.0,
        unit="days",
        ge=0,
        le=3650,
        description="90th-percentile delay (>= p50_days); the utility plans on it (see power_bridge).",
        source=_ASSUME,
    )


class Campaign(StrictModel):
    """One campaign: which villages, by when, with which surge resources."""

    name: str = param(
        "campaign",
        unit="-",
        description="Identifier used in metric and KPI names "
        "(lower case letters, digits, _; starts with a letter; at most 40 characters).",
        source="planner input",
    )
    launched: dt.date = param(
        dt.date(2025, 7, 1),
        unit="ISO date",
        description="Date the campaign was ordered: its villages may be in works from then "
        "(see in_progress_at_start) and surge teams mobilise from then.",
        source=TIMELINE_117,
    )
    deadline: dt.date = param(
        dt.date(2025, 11, 30),
        unit="ISO date",
        description="Date by which every village in scope should have signal "
        "(and, without grid power, power).",
        source=TIMELINE_117,
    )
    deadline_at_launch: dt.date | None = param(
        None,
        unit="ISO date (or unset)",
        description="The deadline the campaign was launched with, if it differs from `deadline`: it sets how many of "
        "its villages are in works at the start (in_progress_at_start), which is history, so a what-if `deadline` "
        "moves only the pace from the start on (unset: `deadline`). The 2025 campaigns state theirs.",
        source=TIMELINE_117,
    )
    villages: Literal["no_power", "with_power", "all"] | list[str] = param(
        "no_power",
        unit="subset or ids",
        description="Villages in scope: 'no_power' (no grid power at the start), 'with_power' (grid power, no or "
        "patchy signal), 'all', or a list of village ids and/or 2-digit gso34 province codes. A village "
        "in several campaigns belongs to the first listed.",
        source="planner input",
    )
    funded_by_programme_budget: bool = param(
        False,
        unit="-",
        description="Whether the campaign's villages draw on villages.programme.budget_vnd_bn (false: the utility and "
        "the operators pay from their own investment, so the programme budget never holds them back). "
        "The campaign's surge measures go to the same payer as they are incurred (never held back: when "
        "true they leave less of the year's budget for other villages).",
        source="the 2025 directives assign the works to EVN and the operators ("
        + TIMELINE_117
        + "); who pays is a "
        "dxsim reading",
    )
    in_progress_at_start: bool = param(
        True,
        unit="-",
        description="Villages of a campaign launched before the start date start in progress: each is under works "
        "at the start with probability min(1, (start - launched) / (deadline_at_launch - launched)) (the campaign "
        "spreads its starts evenly over its window), drawn per village with a seeded stream; its works "
        "began at a uniform random day between launched and the start, and that elapsed time is spent "
        "first on the permit, then on the kit lead time and, in parallel, on the grid line.",
        source="EVN finished power to 129 villages ahead of schedule by mid-2025 (thoibaotaichinhvietnam.vn, "
        "villages/vn_deadzone_counts_timeline.csv row 2025-06); Quảng Trị lines under construction in 2025-12 "
        "(plo.vn): campaign villages were in works, not untouched, at the start",
    )
    extra_utility_teams: dict[Region, SurgeTeams] = param(
        {},
        unit="line crews per region",
        description="Utility line crews brought in from other regions; they work only on this campaign's villages "
        "(beside the region's own crews), from their mobilisation until the campaign's last line is done.",
        source=_ASSUME + "; none reported for the 2025 campaigns (planner lever)",
    )
    extra_operator_teams: dict[Region, SurgeTeams] = param(
        {},
        unit="site teams per region",
        description="Operator site teams brought in from other regions, as extra_utility_teams.",
        source=_ASSUME + "; none reported for the 2025 campaigns (planner lever)",
    )
    mobilisation: Mobilisation = Field(
        default_factory=Mobilisation,
        description="Delay from `launched` (or the start date, if later) until the "
        "surge teams are on site; one draw per campaign and replication.",
        json_schema_extra={"x-unit": "days", "x-source": _ASSUME},
    )
    surge_team_cost_vnd_bn_per_month: float = param(
        0.15,
        unit="VND bn per team-month",
        ge=0,
        le=100,
        description="Cost premium of a surge team while deployed (travel, per-diem allowances, lodging, equipment "
        "transport), paid from arrival until the team's last campaign job is done.",
        source=_ASSUME
        + ": ~8-person crew x ~600,000 VND/day allowances and lodging x 30 days, plus transport",
    )
    temporary_power: Literal["none", "genset", "solar_battery"] = param(
        "none",
        unit="-",
        description="For campaign villages powered by a grid extension: a temporary-power kit is ordered once the "
        "campaign is launched; if the grid line is still not energised when it arrives, a site team installs it and "
        "the site (built with its own equipment) goes on air on it, the line being energised later; a line "
        "energised (or the utility's power_bridge on) first leaves the kit unused and unpaid. Installing kits takes site-team days other villages' "
        "sites may wait for. 'genset': genset capex "
        "(villages.options.offgrid.genset_capex_vnd_bn) plus fuel for the site load until the line is "
        "energised; 'solar_battery': an off-grid PV + battery kit sized by villages.options.offgrid "
        "without a genset. Installed by the site team (offgrid.team_days, kit lead offgrid.kit_lead_p50_days).",
        source="GSMA (2020), Renewable Energy for Mobile Towers: off-grid towers run on gensets or solar hybrids; "
        "Quảng Trị powers remote villages by generator (plo.vn 2025-12-08)",
    )
    power_bridge: bool = param(
        True,
        unit="-",
        description="The utility's answer to the deadline: each village of the campaign still without power when the "
        "utility must act (the deadline less power_bridge_lead.p90_days, or the campaign's launch or the run's start if "
        "later) gets local power (a generator set with the village's low-voltage network) after a drawn "
        "power_bridge_lead, unless its grid line is energised first (then nothing is paid). The village has power "
        "from then; its site, once built, goes on air on it without waiting for the line, which is finished later "
        "(an off-grid village's bridge ends when its site and off-grid system are on air). "
        "Paid by the campaign's payer (power_bridge_capex_vnd_bn, then power_bridge_running_vnd_bn_per_year until the "
        "village's own power). false: villages wait for their lines.",
        source=_PLO
        + "; EVN's units organised continuous works to meet the Government's deadline (TB 593/TB-VPCP of "
        "2025-10-31; baochinhphu.vn 2026-01-06)",
    )
    power_bridge_lead: BridgeLead = Field(
        default_factory=BridgeLead,
        description="Delay from the utility's decision (see power_bridge) until a village's local power is on; one "
        "draw per village and replication.",
        json_schema_extra={"x-unit": "days", "x-source": _ASSUME},
    )
    power_bridge_capex_vnd_bn: float = param(
        0.4,
        unit="VND bn per village",
        ge=0,
        le=100,
        description="Cost of setting up one village's bridge: the generator set, its haul and the village's "
        "temporary low-voltage network.",
        source=_QT_COST
        + ": over 7 bn VND for the works of all 17 villages, 7 of them by line, ~0.4 bn a village (a dxsim "
        "reading: the lines' share is not given)",
    )
    power_bridge_running_vnd_bn_per_year: float = param(
        1.2,
        unit="VND bn per village-year",
        ge=0,
        le=100,
        description="Running cost of a village's bridge (generator fuel and operation) from the day it comes on until "
        "the village's own power (its line energised, or an off-grid village's site and system on air), booked month "
        "by month as the campaign's surge cost.",
        source=_QT_COST + ": ~12 bn VND a year to run the generators of 10 villages",
    )
    portable_bts: bool = param(
        False,
        unit="-",
        description="Serve the campaign's villages with a portable, satellite-backhauled BTS (own genset) instead "
        "of waiting for the macro site: signal and (temporary) power on air after the portable kit's "
        "lead time and install team-days. The permanent site follows: its kit is ordered with the unit (the "
        "village's own lead time), a site team of the region's own builds it, and it runs on the unit's genset until "
        "its power comes; until then the village is held against the portable unit's link "
        "(portable_bts_capacity_mbps), and its option's capex is recognised when the permanent site is on air.",
        source="cell-on-wheels / VSAT BTS used by Vietnamese operators for disaster recovery and events "
        "(dxsim reading); " + _ASSUME,
    )
    portable_bts_capex_vnd_bn: float = param(
        1.0,
        unit="VND bn per village",
        ge=0,
        le=100,
        description="Extra capex of a portable satellite BTS per village (unit, VSAT terminal, genset, transport).",
        source=_ASSUME + ": ~USD 40k portable BTS + VSAT terminal and genset",
    )
    portable_bts_lead_days: float = param(
        14.0,
        unit="days",
        ge=0,
        le=3650,
        description="Median lead time of a portable BTS (spread as supply.lead_time).",
        source=_ASSUME,
    )
    portable_bts_team_days: float = param(
        3.0,
        unit="team-days per village",
        ge=0,
        le=365,
        description="Operator team-days to haul and commission a portable BTS.",
        source=_ASSUME,
    )
    portable_bts_capacity_mbps: float = param(
        50.0,
        unit="Mbps per village",
        ge=0,
        le=100_000,
        description="Backhaul capacity of a portable BTS, shared by the village's busy-hour users (the village "
        "table's link; lower than a macro site's): a village whose users need more is capacity-short, not connected.",
        source="villages.options.backhaul.leo_capacity_mbps_per_terminal order of magnitude; " + _ASSUME,
    )

    @model_validator(mode="before")
    @classmethod
    def _launch_deadline_is_the_deadline_when_unset(cls, data: Any) -> Any:
        """An unset `deadline_at_launch` is `deadline` (its definition), written in so that the resolved scenario says
        so: a copy of a 2025 campaign without it read as a change of the start state to `dxsim show --vs` and to
        compare ("deadline_at_launch 2025-09-30 -> (not set): part of this move is the start state") though nothing
        changed."""
        if isinstance(data, dict) and data.get("deadline_at_launch") is None:
            deadline = data.get("deadline", cls.model_fields["deadline"].default)
            try:  # a deadline that is no date is reported once, at `deadline`, not again at deadline_at_launch
                if not isinstance(deadline, dt.date):
                    dt.date.fromisoformat(str(deadline))
            except ValueError:
                return data
            return {**data, "deadline_at_launch": deadline}
        return data

    @model_validator(mode="after")
    def _check(self) -> Campaign:
        if not _NAME.match(self.name):
            raise ValueError(
                _(
                    "name {name} must be lower case letters, digits and _ (starting with a letter, at most 40 "
                    "characters): it becomes part of metric names"
                ).format(name=repr(self.name))
            )
        for when in (self.deadline, self.deadline_at_launch):
            if when is not None and when <= self.launched:
                raise ValueError(
                    _("deadline ({deadline}) must be after launched ({launched})").format(
                        deadline=when, launched=self.launched
                    )
                )
        if isinstance(self.villages, list):
            if not self.villages:
                raise ValueError(
                    _("villages: an empty list selects nothing; give ids, province codes or a subset name")
                )
            dup = sorted({v for v in self.villages if self.villages.count(v) > 1})
            if dup:
                raise ValueError(_("villages: {village} is listed twice").format(village=repr(dup[0])))
        return self


def default_campaigns() -> list[Campaign]:
    """The two 2025 campaigns of the data (no surge resources were reported for either)."""
    return [
        Campaign(
            name="with_power_2025_09",
            launched=dt.date(2025, 7, 1),
            deadline=dt.date(2025, 9, 30),
            deadline_at_launch=dt.date(2025, 9, 30),
            villages="with_power",
        ),
        Campaign(
            name="no_power_2025_11",
            launched=dt.date(2025, 7, 1),
            deadline=dt.date(2025, 11, 30),
            deadline_at_launch=dt.date(2025, 11, 30),
            villages="no_power",
        ),
    ]


def check_campaign_names(campaigns: list[Campaign]) -> None:
    """Names are unique (they key metrics)."""
    names = [c.name for c in campaigns]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(
            _("campaigns: name {name} is used twice; names key the campaign metrics").format(
                name=repr(dup[0])
            )
        )
