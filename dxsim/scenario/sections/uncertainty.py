"""Scenario section `uncertainty`: what we do not know, declared next to what we assume.

Every uncertain assumption gets a :class:`Range`: a low and a high *factor* applied to the
scenario's own value (so an option that moves the base value keeps its uncertainty), a
distribution and the source of the range. Each replication draws its own factor per concrete path
(`dxsim.sim.uncertainty.draw_scenario`), from a stream named after the path, so two options see
the same factors in the same replication (common random numbers). Low = high = 1 turns a range
off; `enabled = false` turns them all off (then a run is exactly the single-value run).

A key is a dotted path into the scenario (`works.new_site_permit`, `costs.*`,
`seasons.*.rainy_productivity_pct`); `*` stands for every key of a table (each concrete path gets
its own draw). A target is a number (an integer is rounded after scaling; the result is kept within
the field's own range) or a delay (p50 and p90 scale together). Only values the model reads in
every replication can vary: the site layer, the village layer and the data-centre table are built
once per scenario, so their inputs are refused with a one-line error (see
:data:`PER_REPLICATION`). Where two keys cover the same path the one with fewer `*` wins; a
built-in default yields to a wildcard the planner wrote that covers it.

To add a default range: one row in :data:`DEFAULT_RANGES` (and, for a new section, its prefix in
:data:`PER_REPLICATION` once the code that reads it per replication is checked).
"""

from __future__ import annotations

import difflib
import math
import typing
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, Field, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from dxsim.scenario.fields import DelayDays, StrictModel, param

PATH_PATTERN = r"^(\*|[A-Za-z0-9_]+)(\.(\*|[A-Za-z0-9_]+))*$"  # dotted keys; a key is a name or *
UncertainPath = Annotated[str, Field(min_length=1, max_length=200, pattern=PATH_PATTERN)]
Distribution = Literal["uniform", "triangular", "loguniform"]

_ASSUME = "dxsim assumption (no public Vietnamese figure; seed_facts.md open question {q}): {why}"
_ASSUME_DEMAND = (
    "dxsim assumption (no Vietnamese figure for mobile data per user or 5G handsets in the seeds): {why}"
)


class Range(StrictModel):
    """Uncertainty of one assumption: factors on the scenario's value, a distribution and a source."""

    low_factor: float = param(
        1.0,
        unit="x the scenario's value",
        ge=0.01,
        le=1,
        description="Lowest value as a multiple of the scenario's value (0.01 <= low_factor <= 1).",
        source="dxsim convention (1 = no uncertainty below the value)",
    )
    high_factor: float = param(
        1.0,
        unit="x the scenario's value",
        ge=1,
        le=100,
        description="Highest value as a multiple of the scenario's value (>= 1).",
        source="dxsim convention (1 = no uncertainty above the value)",
    )
    distribution: Distribution = param(
        "uniform",
        unit="-",
        description="How the factor is drawn between low and high: uniform, triangular (mode 1, the "
        "scenario's value) or loguniform (uniform in log space: as likely x/2 as x2).",
        source="dxsim convention",
    )
    source: str = Field(
        description="Where the range comes from (a citation, or 'dxsim assumption' and why).",
        min_length=1,
        max_length=2000,
    )

    def factor(self, u: float) -> float:
        """The factor for a uniform draw u in [0, 1): the distribution's inverse CDF (1 when low = high = 1)."""
        lo, hi = self.low_factor, self.high_factor
        if lo == hi:
            return float(lo)
        if self.distribution == "uniform":
            return lo + u * (hi - lo)
        if self.distribution == "loguniform":
            return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        # triangular with mode 1 (lo <= 1 <= hi)
        split = (1.0 - lo) / (hi - lo)
        if u < split:
            return lo + math.sqrt(u * (hi - lo) * (1.0 - lo))
        return hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - 1.0))


# --------------------------------------------------------------------------- the default table

# (path, low_factor, high_factor, distribution, source). Extend here; every path must be per replication.
DEFAULT_RANGES: tuple[tuple[str, float, float, str, str], ...] = (
    # 5G rollout: permits, kits, crews, seasons, money
    (
        "works.new_site_permit",
        0.7,
        1.6,
        "triangular",
        _ASSUME.format(
            q=5,
            why="site acquisition and building permits for new towers are the least predictable stage of a "
            "build; the median may be 30% shorter (fast-track under Resolution 193) or 60% longer (local land "
            "clearance); right-skewed",
        ),
    ),
    (
        "works.upgrade_permit",
        0.7,
        1.6,
        "triangular",
        _ASSUME.format(q=5, why="approval of 5G on an existing 4G site; same skew as new sites"),
    ),
    (
        "works.new_site_team_days",
        0.75,
        1.4,
        "triangular",
        _ASSUME.format(
            q=5, why="crew productivity on a new site (foundation, tower, power) is not reported; +-25-40%"
        ),
    ),
    (
        "works.upgrade_team_days",
        0.75,
        1.4,
        "triangular",
        _ASSUME.format(q=5, why="crew productivity for a 5G upgrade of a 4G site is not reported; +-25-40%"),
    ),
    (
        "supply.lead_time",
        0.6,
        2.0,
        "loguniform",
        _ASSUME.format(
            q=5,
            why="order-to-delivery time of RAN kits depends on vendor allocation and logistics; x0.6-x2 "
            "(as likely halved as doubled around the median, in log space)",
        ),
    ),
    (
        "supply.deliveries_per_month",
        0.75,
        1.25,
        "uniform",
        _ASSUME.format(
            q=5,
            why="national kit delivery capacity is sized to allow the 2025 push (Viettel and VNPT together, seed "
            "004:269-281), not "
            "reported; +-25%",
        ),
    ),
    (
        "seasons.*.rainy_productivity_pct",
        0.85,
        1.15,
        "uniform",
        _ASSUME.format(
            q=5, why="how much rain slows crews varies year to year with the monsoon and typhoons; +-15%"
        ),
    ),
    (
        "costs.*",
        0.75,
        1.35,
        "triangular",
        _ASSUME.format(
            q=6,
            why="unit costs are UK/European figures (Oughton et al. 2019, pysim5g) converted at 25,520 VND/USD "
            "(seed 003:68); Vietnamese prices are not public; -25%/+35%. The plan's ranking uses the central "
            "costs (it is built once); a replication's costs change what is spent",
        ),
    ),
    (
        "start_state.stations_5g_at_window_start",
        1.0,
        1.045,
        "uniform",
        "no count of 2025-02-19 is reported; the default inverts 2024-12-31's 25.5% coverage (seed 003:34) through "
        "the site layer (10,600 sites). The layer gives 27.6% at 2025-05-31's 11,591 stations, where ~26% was "
        "reported (infra/vn_telecom_dc_stats.csv: 10,850 sites reach 26%), so it may cover more people per station "
        "than the network did at that size: rescaled by 11,591 / 10,850, the count is 4.4% higher (11,412). "
        "Stations accepted some time after they came on air would lower it; no figure says by how much",
    ),
    # the operators' business case of a site (read by the operators' decision in each replication)
    (
        "business_case.arpu_vnd_k_per_month",
        0.8,
        1.2,
        "uniform",
        _ASSUME.format(
            q=6,
            why="Vietnamese mobile ARPU is published only as an order of magnitude (~USD 3.3 a month); +-20%",
        ),
    ),
    (
        "business_case.take_up_pct",
        0.6,
        1.6,
        "loguniform",
        _ASSUME.format(
            q=6,
            why="5G take-up among subscribers newly served depends on 5G handset share, not reported; x0.6-x1.6",
        ),
    ),
    (
        "business_case.opex_vnd_bn_per_site_year",
        0.75,
        1.35,
        "triangular",
        _ASSUME.format(
            q=6,
            why="site opex is a European figure (Oughton et al. 2019) converted at 25,520 VND/USD; -25%/+35% as capex",
        ),
    ),
    (
        "operators.*.capex_budget_vnd_bn.*",
        0.7,
        1.4,
        "loguniform",
        _ASSUME.format(
            q=6,
            why="the operators' 5G capex is not published; the defaults scale an order of magnitude by subscriber "
            "share; x0.7-x1.4",
        ),
    ),
    (
        "business_case.accepted_loss_vnd_bn_per_site",
        0.5,
        1.5,
        "triangular",
        _ASSUME.format(
            q=6,
            why="how far state-owned operators build beyond what pays is revealed only by 4G reaching 99.8% of the "
            "population (seed 000:95, infra/vn_telecom_dc_stats.csv); x0.5-x1.5",
        ),
    ),
    (
        "start_state.pipeline_build_rate_5g_per_month",
        0.85,
        1.15,
        "uniform",
        _ASSUME.format(
            q=5,
            why="the pre-start rate is a two-point difference of reported counts (11,591 by 2025-05, 16,737 by "
            "2025-10; seed 000:56) whose exact dates within the months are not given; +-15%",
        ),
    ),
    (
        "surge.premium_vnd_bn_per_site",
        0.5,
        2.0,
        "loguniform",
        _ASSUME.format(
            q=6,
            why="the extra cost of hurrying (contract crews, express kits, holding stock) is not reported; x0.5-x2",
        ),
    ),
    (
        "surge.stock_months_of_supply",
        0.5,
        1.5,
        "uniform",
        _ASSUME.format(
            q=5, why="how many kits operators stock up ahead of a deadline is not reported; x0.5-x1.5"
        ),
    ),
    (
        "surge.commitment_tender_days",
        0.67,
        1.33,
        "uniform",
        _ASSUME.format(q=5, why="the tender's length is reported only as 'about three months'; 2-4 months"),
    ),
    # villages: permits and works
    (
        "villages.programme.permit",
        0.7,
        1.6,
        "triangular",
        _ASSUME.format(
            q=3, why="forest-land conversion and right of way for lines; right-skewed like 5G permits"
        ),
    ),
    (
        "villages.options.grid.team_days_per_km.*",
        0.75,
        1.5,
        "triangular",
        _ASSUME.format(
            q=3, why="line-crew days per km in mountains (access, terrain) are not reported; -25%/+50%"
        ),
    ),
    (
        "villages.options.grid.connection_team_days",
        0.75,
        1.5,
        "triangular",
        _ASSUME.format(q=3, why="as the line works"),
    ),
    (
        "villages.options.site.team_days",
        0.75,
        1.5,
        "triangular",
        _ASSUME.format(
            q=3, why="remote-site team days (access by track or on foot) are not reported; -25%/+50%"
        ),
    ),
    (
        "villages.options.offgrid.team_days",
        0.75,
        1.5,
        "triangular",
        _ASSUME.format(q=3, why="as the site works"),
    ),
    (
        "villages.options.site.kit_lead_p50_days",
        0.6,
        2.0,
        "loguniform",
        _ASSUME.format(q=3, why="as supply.lead_time"),
    ),
    # data centres, GPUs and AI demand
    (
        "compute.datacentres.go_probability_pct.*",
        0.7,
        1.2,
        "uniform",
        _ASSUME.format(
            q=13,
            why="how many announced data-centre projects go ahead is not reported project by project; "
            "-30%/+20% (a probability is kept at most 100%)",
        ),
    ),
    (
        "compute.datacentres.delays.permits",
        0.75,
        1.6,
        "triangular",
        _ASSUME.format(
            q=13,
            why="planning and permit times of Vietnamese data centres are not reported project by project; "
            "projects slip more often than they gain: -25%/+60%",
        ),
    ),
    (
        "compute.datacentres.delays.commissioning",
        0.75,
        1.6,
        "triangular",
        _ASSUME.format(
            q=13,
            why="as the permits (construction is left out: its median also sets a phase's planned start)",
        ),
    ),
    (
        "compute.datacentres.grid.interconnect",
        0.75,
        1.6,
        "triangular",
        _ASSUME.format(
            q=14, why="grid interconnection lead times near data-centre sites are not reported; -25%/+60%"
        ),
    ),
    (
        "compute.gpus.system_capex_factor",
        0.9,
        1.1,
        "uniform",
        "the H100 sources of compute.gpus.system_capex_factor span 1.57-1.72 (x0.95-x1.04 of 1.65); widened to "
        "+-10% for other GPU models and fabrics (Ethernet costs less than InfiniBand; dxsim assumption)",
    ),
    (
        "compute.demand.growth_pct_per_year",
        0.5,
        1.5,
        "uniform",
        _ASSUME.format(
            q=16, why="AI demand growth in Vietnam is not measured; the 40%/yr default +-50% (20-60%/yr)"
        ),
    ),
    # village works: what they cost against the estimate their option was chosen on
    (
        "villages.options.capex_overrun_factor",
        0.9,
        1.5,
        "triangular",
        "dxsim assumption: costs of electricity works are underestimated far more often than not (three of four of "
        "401 projects in 57 countries, Sovacool, Gilbert & Nugent 2014, Energy Research & Social Science "
        "3:152-160); a village's 22 kV line, site and backhaul are small works, so -10%/+50%, right-skewed",
    ),
    # busy-hour demand against capacity (served vs covered)
    (
        "capacity.traffic_gb_per_user_month",
        0.7,
        1.4,
        "triangular",
        _ASSUME_DEMAND.format(
            why="Vietnam's data per smartphone is not reported; the regional Ericsson figure -30%/+40%"
        ),
    ),
    (
        "capacity.traffic_growth_pct_per_year",
        0.5,
        1.5,
        "uniform",
        _ASSUME_DEMAND.format(
            why="mobile traffic growth has slowed from ~30% to ~20% a year worldwide; 10-30%/yr"
        ),
    ),
    (
        "capacity.busy_hour_to_average_ratio",
        0.9,
        1.3,
        "triangular",
        _ASSUME_DEMAND.format(why="Cisco VNI measured 1.59-1.72 in 2009-2010; video raises the evening peak"),
    ),
    (
        "capacity.device_5g_share_growth_pp_per_year",
        0.5,
        1.5,
        "uniform",
        _ASSUME_DEMAND.format(why="5G handset uptake in Vietnam is not reported; +5 to +15 points a year"),
    ),
)


def default_ranges() -> dict[str, Range]:
    """The built-in ranges (a fresh copy)."""
    return {
        p: Range(low_factor=lo, high_factor=hi, distribution=d, source=s)
        for p, lo, hi, d, s in DEFAULT_RANGES
    }


# --------------------------------------------------------------------------- per-replication paths

# Path prefixes the model reads in every replication (checked against the code that reads them):
# Rollout (works, supply, seasons, crews, costs, operators' targets and budgets, subsidy, start
# stations before the window, the business case: it receives the replication's scenario), VillageProgramme (programme; villages.options' work and lead times through
# dxsim.sim.uncertainty.village_inputs), the compute processes (DataCentreModel, GpuModel, AiDemand).
PER_REPLICATION: tuple[str, ...] = (
    "works",
    "supply",
    "seasons.*.rainy_productivity_pct",
    "crews.*.teams",
    "costs",
    "operators.*.annual_new_5g_sites",
    "operators.*.capex_budget_vnd_bn",
    "subsidy.equipment_share_pct",
    "subsidy.min_stations_per_operator",
    "subsidy.fund_vnd_bn",
    "start_state.stations_5g_at_window_start",
    "business_case.arpu_vnd_k_per_month",
    "business_case.take_up_pct",
    "business_case.opex_vnd_bn_per_site_year",
    "business_case.payback_years",
    "business_case.accepted_loss_vnd_bn_per_site",
    "start_state.pipeline_build_rate_5g_per_month",
    "surge",
    "supports",
    "villages.programme.budget_vnd_bn",
    "villages.programme.permit",
    "villages.programme.work_p90_over_p50",
    "villages.programme.crews",
    "villages.options.grid.team_days_per_km",
    "villages.options.grid.connection_team_days",
    "villages.options.grid.kit_lead_p50_days",
    "villages.options.site.team_days",
    "villages.options.site.kit_lead_p50_days",
    "villages.options.offgrid.team_days",
    "villages.options.offgrid.kit_lead_p50_days",
    "villages.options.backhaul.fibre_team_days_per_km",
    "villages.options.backhaul.microwave_team_days_per_hop",
    "villages.options.backhaul.leo_team_days",
    "villages.options.backhaul.fibre_kit_lead_p50_days",
    "villages.options.backhaul.microwave_kit_lead_p50_days",
    "villages.options.backhaul.leo_kit_lead_p50_days",
    "villages.options.capex_overrun_factor",
    "compute.datacentres.go_probability_pct",
    "compute.datacentres.delays",
    "compute.datacentres.grid.interconnect",
    "compute.datacentres.grid.headroom_mw",
    "compute.datacentres.base_utilisation_pct",
    "compute.datacentres.base_growth_pct_per_year",
    "compute.datacentres.capex_usd_m_per_mw",
    "compute.datacentres.usd_vnd",
    "compute.datacentres.power_price_vnd_per_kwh",
    "compute.datacentres.public_investment_vnd_bn",
    "compute.datacentres.ppp_share_pct",
    "compute.gpus.life_years",
    "compute.gpus.usd_vnd",
    "compute.gpus.system_capex_factor",
    "compute.gpus.supply_shock.lead_time_multiplier",
    "compute.gpus.supply_shock.export_licence_delay",
    "compute.demand.growth_pct_per_year",
    "compute.demand.classes.*.arrivals_per_day_at_start",
    "compute.demand.classes.*.duration",
    "capacity.served_rate_mbps",
    "capacity.data_users_pct_of_population",
    "capacity.traffic_gb_per_user_month",
    "capacity.traffic_growth_pct_per_year",
    "capacity.busy_hour_to_average_ratio",
    "capacity.device_5g_share_pct",
    "capacity.device_5g_share_growth_pp_per_year",
    "capacity.device_5g_share_max_pct",
)
ALLOWED_TEXT = (
    "a number or delay the model reads in every replication: under works, supply, costs, crews, "
    "seasons (rainy productivity), operators (targets, budgets), subsidy, business_case, "
    "villages.programme, villages.options (work and lead times), compute.datacentres (go "
    "probabilities, delays, grid, money), compute.gpus, compute.demand, capacity (demand and the served "
    "rate, not the site capacities); the full list is "
    "dxsim.scenario.sections.uncertainty.PER_REPLICATION"
)
WORLD_TIME = (
    "is read once per scenario, when the site layer, the village layer and options or the "
    "data-centre table are built, so it cannot vary per replication"
)


def _seg_match(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """pattern is a prefix of path, `*` matching any one segment."""
    return len(pattern) <= len(path) and all(p == "*" or p == q for p, q in zip(pattern, path))


def per_replication(path: str) -> bool:
    parts = tuple(path.split("."))
    return any(_seg_match(tuple(p.split(".")), parts) for p in PER_REPLICATION)


# --------------------------------------------------------------------------- path resolution


class PathError(ValueError):
    """A range key that does not name an uncertain value: the message and what is allowed."""

    def __init__(self, message: str, allowed: str) -> None:
        super().__init__(message)
        self.message, self.allowed = message, allowed


def _children(node: Any) -> dict[str, Any]:
    if isinstance(node, BaseModel):
        return {name: getattr(node, name) for name in type(node).model_fields}
    if isinstance(node, dict):
        return {str(k): v for k, v in node.items()}
    return {}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def expand(scenario: BaseModel, pattern: str) -> list[str]:
    """The concrete paths a key names in this scenario (sorted); PathError if it names nothing uncertain."""
    parts = pattern.split(".")
    found: list[str] = []

    def walk(node: Any, i: int, done: tuple[str, ...]) -> None:
        here = ".".join(done) or "the scenario"
        if i == len(parts):
            _check_target(node, ".".join(done))
            found.append(".".join(done))
            return
        kids = _children(node)
        if not kids and not isinstance(node, (BaseModel, dict)):
            raise PathError(
                f"{here} is a single value; nothing below it", "a path ending at a number or a delay"
            )
        if parts[i] == "*":
            for k in kids:
                walk(kids[k], i + 1, done + (k,))
            return
        if parts[i] not in kids:
            keys = (
                list(kids) if kids else (list(type(node).model_fields) if isinstance(node, BaseModel) else [])
            )
            close = difflib.get_close_matches(parts[i], keys, n=1, cutoff=0.6)
            hint = f"; did you mean {'.'.join(done + (close[0],))!r}?" if close else ""
            what = "key" if isinstance(node, BaseModel) else "entry"
            raise PathError(
                f"unknown {what} {parts[i]!r} in {here}{hint}",
                ("one of " + ", ".join(keys)) if keys else "an entry the scenario has",
            )
        walk(kids[parts[i]], i + 1, done + (parts[i],))

    walk(scenario, 0, ())
    for p in found:
        if not per_replication(p):
            raise PathError(f"{p} {WORLD_TIME}", ALLOWED_TEXT)
    return sorted(found)


def _check_target(node: Any, path: str) -> None:
    last = path.rsplit(".", 1)[-1]
    if isinstance(node, DelayDays) or _is_number(node):
        if last in ("p50_days", "p90_days"):
            parent = path.rsplit(".", 1)[0]
            raise PathError(
                f"{path} is one quantile of a delay; give the delay {parent} (p50 and p90 scale together)",
                f"the delay itself, {parent}",
            )
        return
    what = (
        "a table"
        if isinstance(node, (BaseModel, dict))
        else "a list"
        if isinstance(node, list)
        else "not set"
        if node is None
        else "not a number"
    )
    raise PathError(
        f"{path} is {what}",
        "a path ending at a number or a delay (p50/p90), e.g. works.new_site_permit or costs.*",
    )


def concrete_ranges(scenario: BaseModel, ranges: dict[str, Range]) -> dict[str, tuple[str, Range]]:
    """Concrete path -> (the key that covers it, its range), sorted by path; PathError names the key."""
    owner: dict[str, tuple[int, str, Range]] = {}
    for key in sorted(ranges):
        try:
            paths = expand(scenario, key)
        except PathError as exc:
            exc.key = key  # type: ignore[attr-defined]
            raise
        stars = key.split(".").count("*")
        for p in paths:
            prev = owner.get(p)
            if prev is None or stars < prev[0]:
                owner[p] = (stars, key, ranges[key])
            elif stars == prev[0]:
                err = PathError(
                    f"{p} is covered by both {prev[1]!r} and {key!r}",
                    "each path in one key (a key with fewer * wins over a wildcard)",
                )
                err.key = key  # type: ignore[attr-defined]
                raise err
    return {p: (k, r) for p, (_, k, r) in sorted(owner.items())}


def check_ranges(scenario: BaseModel) -> None:
    """Raise a pydantic error located at uncertainty.ranges.<key> when a key names nothing uncertain."""
    unc = getattr(scenario, "uncertainty", None)
    if unc is None:
        return
    try:
        concrete_ranges(scenario, unc.ranges)
    except PathError as exc:
        key = getattr(exc, "key", "")
        raise ValidationError.from_exception_data(
            "Scenario",
            [
                InitErrorDetails(
                    type=PydanticCustomError(
                        "uncertain_path", "{message}", {"message": exc.message, "allowed": exc.allowed}
                    ),
                    loc=("uncertainty", "ranges", key),
                    input=None,
                )
            ],
        ) from None


# --------------------------------------------------------------------------- the section


def _covers(pattern: str, path: str) -> bool:
    a, b = pattern.split("."), path.split(".")
    return len(a) == len(b) and all(x == "*" or x == y for x, y in zip(a, b))


class Uncertainty(StrictModel):
    """Ranges of the uncertain assumptions; each replication draws its own values."""

    enabled: bool = param(
        True,
        unit="-",
        description="Draw every range per replication (false: every replication uses the scenario's values, "
        "and only the seed's noise varies).",
        source="dxsim convention",
    )
    ranges: dict[UncertainPath, Range] = Field(
        default_factory=default_ranges,
        description="Range per dotted path into the scenario (`*` = every key of a table; each concrete path "
        "draws its own factor). Set low_factor = high_factor = 1 to switch one off.",
    )

    @field_validator("ranges", mode="before")
    @classmethod
    def _user_wildcards_win(cls, v: Any) -> Any:
        """A built-in default that a planner's wildcard covers yields to that wildcard."""
        if not isinstance(v, dict):
            return v
        defaults = {p: (lo, hi, d, s) for p, lo, hi, d, s in DEFAULT_RANGES}

        def is_default(key: str, r: Any) -> bool:
            if key not in defaults:
                return False
            lo, hi, d, s = defaults[key]
            got = r.model_dump() if isinstance(r, Range) else r
            return isinstance(got, dict) and got == {
                "low_factor": lo,
                "high_factor": hi,
                "distribution": d,
                "source": s,
            }

        user_wild = [k for k, r in v.items() if "*" in str(k) and not is_default(str(k), r)]
        return {
            k: r
            for k, r in v.items()
            if not (is_default(str(k), r) and any(w != k and _covers(w, str(k)) for w in user_wild))
        }


def bounds_of(annotation: Any, metadata: typing.Iterable[Any] = ()) -> tuple[float, float, bool]:
    """(lowest, highest, is_integer) allowed for a numeric field (from ge/gt/le/lt; open bounds are nudged)."""
    lo, hi = -math.inf, math.inf
    metas = list(metadata)
    ann = annotation
    while typing.get_origin(ann) is Annotated:
        args = typing.get_args(ann)
        ann = args[0]
        for m in args[1:]:
            metas.extend(getattr(m, "metadata", []) or [m])
    for m in metas:
        if isinstance(m, Ge):
            lo = max(lo, float(typing.cast(typing.SupportsFloat, m.ge)))  # numeric fields' bounds are numbers
        elif isinstance(m, Gt):
            lo = max(lo, math.nextafter(float(typing.cast(typing.SupportsFloat, m.gt)), math.inf))
        elif isinstance(m, Le):
            hi = min(hi, float(typing.cast(typing.SupportsFloat, m.le)))
        elif isinstance(m, Lt):
            hi = min(hi, math.nextafter(float(typing.cast(typing.SupportsFloat, m.lt)), -math.inf))
    return lo, hi, ann is int
