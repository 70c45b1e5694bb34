"""The village connection programme as a SimPy model (one process per village).

The layer is national: villages without grid power (power + signal tracks) and villages with
grid power but no or patchy signal (signal track only). At the start and at each month start (and
on each campaign's launch day) the programme office starts villages in priority order: villages
already in works first (most elapsed first), then campaign villages (earliest deadline first),
then the rest by `villages.programme.priority`. A village funded by the programme budget starts
while the year's budget allows (first fit: a village that does not fit waits, cheaper ones behind
it may start); a village of a launched campaign that is not funded by the programme starts at once.
A started village goes through permits, then two tracks in parallel:

- power (villages to be powered by a grid extension): one of the region's utility line crews (a
  SimPy PriorityResource; lower rank = served first) or, for a campaign with surge line crews,
  whichever frees first of the region's crews and the campaign's; unless the scenario allows it,
  line works happen only in the dry months; an off-grid system is installed with the site;
- signal: the site kit's lead time, then one of the region's operator teams (villages with grid
  power: one of the operators' ordinary teams, `with_power_teams`), or a campaign surge team;
  rainy months slow the work down.

The site goes on air when it has power: when the line is energised, or the utility's bridge (a
campaign's `power_bridge`: local power for the villages whose line is not energised when the utility
must act for the deadline) is on, or, for a campaign with temporary power, as soon as the site (with
a genset or solar + battery kit) is built; a campaign with portable BTS puts a portable
satellite-backhauled unit with its own genset on air first, and the macro site, its kit ordered with the unit,
follows when a site team has built it, on the unit's genset until its power comes (`permanent_site`,
`permanent_day`). `connected_day` is the day the village has signal; `served_day` the
day it is on a link that carries its busy hour (the portable unit's or the permanent site's); `power_day` the day it first has power (grid, bridge, off-grid or
temporary; day 0 for villages with grid power); `grid_day` the day a grid line is energised;
`bridge_day` the day the utility's bridge came on.

Money (the ledger, dxsim.sim.finance): a village's chosen option is committed in the year its works
start, to the ledger owner that pays for it. ``villages`` (:data:`OWNER`) is the programme budget
(`villages.programme.budget_vnd_bn`): villages the programme starts (first fit), and villages of a
campaign it funds that were already in works at the start (committed in the year their works began,
without a budget check: the money was spent before the start). :data:`OUTSIDE_OWNER` holds the
villages of a launched campaign that the programme does not fund (the utility and the operators
pay from their own investment): committed in the same way, with no budget. A campaign's surge
measures (team premiums, temporary-power kits and fuel, portable BTS) are committed in the month
they are incurred (:meth:`VillageProgramme.book_surge`) to the campaign's payer; they are never held
back, so a funded campaign's surge can take the programme past its year's budget and leaves less
for the villages after it. Hence, summed over both owners, the commitments minus the options of the
villages still in works equal the capex the metrics report (options on air + surge).

Bottleneck attribution (:meth:`VillageProgramme.held_days`): every village-day of a feasible
village without signal is held by exactly one cause:

- ``budget``: not started because the year's programme budget is used up (first fit);
- ``permits``: started, in permitting / land clearance;
- ``line_crews``: waiting in the queue for a free utility line crew (the grid extension);
- ``site_teams``: waiting in the queue for a free operator site team (the site and its backhaul). Told
  apart from line crews because the scenario sets them apart (`utility_teams`, `operator_teams`,
  `with_power_teams`): more of the one does nothing for a queue on the other;
- ``power``: the grid line is under construction (a crew works on it);
- ``season``: the line works are paused for the region's rainy season;
- ``backhaul``: the site kit / backhaul lead time or the site and backhaul works (also the
  install of a portable BTS or temporary-power kit).

After permits, the village is held by the power track while its signal waits for a grid line that
is not yet energised (grid villages without temporary power or portable BTS: the line is the usual
critical path), otherwise by the signal track. Villages not yet reached because they have no
feasible option, and villages with signal, are not held.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np
import simpy
from simpy.resources.resource import PriorityRequest, SortedQueue

from dxsim.delay import lognormal_days, sigma_from_p90
from dxsim.rng import stream
from dxsim.scenario.constants import RegionName
from dxsim.scenario.schema import REGIONS, Scenario
from dxsim.sim.calendar import Clock
from dxsim.sim.finance import Ledger

OWNER = "villages"  # ledger owner: the programme budget (villages.programme.budget_vnd_bn)
OUTSIDE_OWNER = (
    "villages_outside_programme"  # ledger owner: campaign works the utility / operators pay, no budget
)
GRID = "grid_extension"
CAUSES = ("budget", "permits", "line_crews", "site_teams", "power", "season", "backhaul")
BUDGET, PERMITS, LINE_CREWS, SITE_TEAMS, POWER, SEASON, BACKHAUL = range(len(CAUSES))
NOT_HELD = -1
DAYS_PER_MONTH = 365.25 / 12.0


@dataclass
class CampaignSpec:
    """A campaign resolved against the village layer (days count from the start date)."""

    name: str
    launched_day: float
    deadline_day: float
    in_scope: np.ndarray  # bool per village (a village belongs to at most one campaign)
    # bool per village: the campaign's own selection, before the campaigns listed above it took their villages (None:
    # in_scope). Why: works a campaign began before the start go on when a later campaign claims the village
    selects: np.ndarray | None = None
    funded_by_programme_budget: bool = False
    in_progress_at_start: bool = True
    # the deadline it was launched with (days from the start; None: deadline_day): sets the works under way at the
    # start, which are history, so a what-if deadline does not rewrite them
    launch_deadline_day: float | None = None
    extra_utility_teams: dict[RegionName, int] = field(default_factory=dict)
    extra_operator_teams: dict[RegionName, int] = field(default_factory=dict)
    mobilisation_p50_days: float = 0.0
    mobilisation_p90_days: float = 0.0
    team_cost_vnd_bn_per_month: float = 0.0
    temporary_power: str = "none"
    temp_capex_vnd_bn: np.ndarray | None = None  # per village
    temp_fuel_vnd_bn_per_day: float = 0.0
    temp_team_days: float = 0.0
    temp_lead_days: float = 0.0
    # the utility's bridge (scenario `power_bridge`): local power for the villages whose line is not energised when it
    # must act (power_bridge_order_day), each after its drawn lead
    power_bridge: bool = False
    power_bridge_lead_p50_days: float = 0.0
    power_bridge_lead_p90_days: float = 0.0
    power_bridge_capex_vnd_bn: float = 0.0
    power_bridge_running_vnd_bn_per_day: float = 0.0  # until the line is energised
    portable_bts: bool = False
    portable_capex_vnd_bn: float = 0.0
    portable_lead_days: float = 0.0
    portable_team_days: float = 0.0

    @property
    def power_bridge_order_day(self) -> float:
        """The day the utility decides which villages to bridge: the deadline less the bridge's p90 lead (it plans on
        the 90th percentile, as operators plan a surge), not before the launch or the run's start (day 0)."""
        return max(0.0, self.launched_day, self.deadline_day - self.power_bridge_lead_p90_days)


@dataclass
class VillageInputs:
    """What the process needs per village (arrays aligned with the village table)."""

    village_id: np.ndarray  # str
    region_idx: np.ndarray  # int
    population: np.ndarray  # float
    feasible: np.ndarray  # bool
    grid_power: np.ndarray  # bool: power by grid extension (else off-grid, installed with the site)
    utility_team_days: np.ndarray
    operator_team_days: np.ndarray
    equipment_lead_days: np.ndarray
    capex_vnd_bn: np.ndarray
    has_power_at_start: np.ndarray | None = None  # bool: village already on the grid (signal track only)
    province_idx: np.ndarray | None = None  # int, for metrics by province
    campaigns: list[CampaignSpec] = field(default_factory=list)
    served: np.ndarray | None = (
        None  # bool: the village's first link carries the busy-hour demand (else capacity-short)
    )
    # bool: the permanent site's link does (None: `served`); differs from `served` for a portable-BTS campaign's
    # villages, whose first link is the portable unit's (dxsim.sim.villages.setup.with_portable_links)
    served_permanent: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = self.n
        if self.served is None:
            self.served = np.ones(n, dtype=bool)
        if self.served_permanent is None:
            self.served_permanent = self.served
        if self.has_power_at_start is None:
            self.has_power_at_start = np.zeros(n, dtype=bool)
        if self.province_idx is None:
            self.province_idx = np.zeros(n, dtype=np.int64)

    @property
    def n(self) -> int:
        return int(self.village_id.size)

    @property
    def campaign_idx(self) -> np.ndarray:
        """Index of each village's campaign (-1: none)."""
        out = np.full(self.n, -1, dtype=np.int64)
        for k in range(len(self.campaigns) - 1, -1, -1):  # the first listed campaign wins
            out[self.campaigns[k].in_scope] = k
        return out


_request_key = attrgetter("key")


@dataclass(frozen=True)
class TempKit:
    """A campaign's temporary power for one village waiting for its grid line (see VillageProgramme.site)."""

    kit_day: float  # the day the kit arrives (its lead from the permit)
    team_days: float  # the site team's days to install it
    # succeeds when the village has power (its line, or the utility's bridge): the kit is then not needed
    powered: simpy.Event


class _SortedRequests(SortedQueue):
    """simpy's SortedQueue (requests by their key, a new one after those of an equal key), kept sorted by inserting
    each request in place rather than re-sorting the whole queue at every request (hundreds of villages queue
    for a region's crews). Same order: a stable sort of a sorted list with one item appended puts it at
    bisect_right of its key."""

    def __init__(self, maxlen: int | None = None) -> None:
        super().__init__()
        self.maxlen = maxlen

    def append(self, item: Any) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        bisect.insort_right(self, item, key=_request_key)


class CrewPool(simpy.PriorityResource):
    """A SimPy PriorityResource whose request queue inserts in place (:class:`_SortedRequests`)."""

    PutQueue = _SortedRequests


def priority_order(v: VillageInputs, rule: str, listed: list[str]) -> np.ndarray:
    """Indices of feasible villages in the order the programme's rule starts them."""
    idx = np.flatnonzero(v.feasible)
    by_pop = idx[np.lexsort((v.village_id[idx], -v.population[idx]))]
    if rule == "population_first":
        return by_pop
    if rule == "cheapest_first":
        per_person = v.capex_vnd_bn[idx] / np.maximum(v.population[idx], 1.0)
        return idx[np.lexsort((v.village_id[idx], per_person))]
    pos: dict[object, int] = {vid: k for k, vid in enumerate(listed)}  # looked up with the table's ids
    first = sorted((i for i in idx if v.village_id[i] in pos), key=lambda i: pos[v.village_id[i]])
    rest = [i for i in by_pop if v.village_id[i] not in pos]
    return np.array(first + rest, dtype=np.int64)


def works_campaigns(campaigns: list[CampaignSpec], camp: np.ndarray) -> np.ndarray:
    """Per village, the campaign its works at the start began under (-1: none): its own campaign when that was
    launched before the start; else the first campaign launched before the start, with works in progress, that
    selects it too.

    Why: a province that lists its villages in a campaign of its own, launched after the start, took them out of the
    national campaign that had them in works since 2025-07; they restarted from nothing, and adding the campaign
    left more of the province's villages without signal (a trial found 248 against 194 in 2026-01)."""
    before_start = np.array(
        [c.launched_day < 0 for c in campaigns] + [False]
    )  # camp -1 reads the last: False
    works = np.where(before_start[camp], camp, -1)
    later = (camp >= 0) & (works < 0)
    for k in range(len(campaigns) - 1, -1, -1):  # the first listed campaign wins
        c = campaigns[k]
        if c.launched_day < 0 and c.in_progress_at_start:
            sel = c.selects if c.selects is not None else c.in_scope
            works[later & sel] = k
    return works


def in_progress_share(launched_day: float, deadline_day: float) -> float:
    """Share of a campaign's villages in works at the start (day 0): elapsed / window, in [0, 1]."""
    if launched_day >= 0:
        return 0.0
    return float(min(1.0, -launched_day / max(deadline_day - launched_day, 1e-9)))


class VillageProgramme:
    """Processes and resources of the village programme for one replication."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        v: VillageInputs,
        clock: Clock,
        seed: int,
        replication: int,
        ledger: Ledger,
    ) -> None:
        self.env, self.sc, self.v, self.clock, self.ledger = env, scenario, v, clock, ledger
        prog = scenario.villages.programme
        n = v.n
        pz = stream(seed, replication, "villages.permit").standard_normal(n)
        lz = stream(seed, replication, "villages.lead_time").standard_normal(n)
        uz = stream(seed, replication, "villages.utility_work").standard_normal(n)
        oz = stream(seed, replication, "villages.operator_work").standard_normal(n)
        p = prog.permit
        self.permit_days = p.draws(pz)
        sig_w = sigma_from_p90(
            1.0, prog.work_p90_over_p50
        )  # work times: a spread about each village's median
        self.lead_factor = lognormal_days(1.0, scenario.supply.lead_time.sigma, lz)  # x each village's median
        self.work_factor = lognormal_days(1.0, sig_w, oz)
        self.lead_days = v.equipment_lead_days * self.lead_factor
        self.utility_days = lognormal_days(v.utility_team_days, sig_w, uz)
        self.operator_days = v.operator_team_days * self.work_factor
        self.camp = v.campaign_idx
        # villages in works at the start: per campaign, probability = elapsed share of its window
        self.works_camp = works_campaigns(v.campaigns, self.camp)
        iz = stream(seed, replication, "villages.in_progress").random((2, n))
        self.elapsed_days = np.zeros(n)
        for k, c in enumerate(v.campaigns):
            window_end = c.deadline_day if c.launch_deadline_day is None else c.launch_deadline_day
            share = in_progress_share(c.launched_day, window_end) if c.in_progress_at_start else 0.0
            hit = (self.works_camp == k) & v.feasible & (iz[0] < share)
            self.elapsed_days[hit] = iz[1][hit] * (-c.launched_day)
        self.order = self._order(prog.priority, prog.priority_list)
        self.rank = np.full(n, n, dtype=np.int64)
        self.rank[self.order] = np.arange(self.order.size)
        nan = np.full(n, np.nan)
        self.started_day, self.power_day, self.signal_day, self.grid_day = (
            nan.copy(),
            nan.copy(),
            nan.copy(),
            nan.copy(),
        )
        self.power_day[v.has_power_at_start] = 0.0
        # the day the village's permanent site is on air: its signal day, but for a portable-BTS campaign's village,
        # whose macro site follows its portable unit (permanent_site)
        self.permanent_day = nan.copy()
        self.temp_power = np.zeros(n, dtype=bool)  # site on air on temporary power (campaign)
        self.portable = np.zeros(n, dtype=bool)  # served by a portable BTS (campaign)
        self.surge_capex_vnd_bn = np.zeros(n)  # temporary-power kit / portable BTS, booked when on air
        self.paid_by: list[str | None] = [None] * n  # ledger owner of each started village's option
        self.utility = {r: self._pool(prog.crews[r].utility_teams if r in prog.crews else 0) for r in REGIONS}
        self.operator = {
            r: self._pool(prog.crews[r].operator_teams if r in prog.crews else 0) for r in REGIONS
        }
        self.operator_wp = {
            r: self._pool(prog.crews[r].with_power_teams if r in prog.crews else 0) for r in REGIONS
        }
        self._rainy = {
            r: set(scenario.seasons[r].rainy_months) if r in scenario.seasons else set() for r in REGIONS
        }
        self._rain_rate = {
            r: scenario.seasons[r].rainy_productivity_pct / 100.0 if r in scenario.seasons else 1.0
            for r in REGIONS
        }
        # campaign surge teams: own pools, available from their arrival (mobilisation drawn per replication)
        self.surge: list[dict[str, dict[RegionName, simpy.PriorityResource | None]]] = []
        self.arrival_day = np.zeros(len(v.campaigns))
        for k, c in enumerate(v.campaigns):
            mz = float(
                stream(seed, replication, f"villages.campaign.{c.name}.mobilisation").standard_normal()
            )
            mobilisation = lognormal_days(
                c.mobilisation_p50_days, sigma_from_p90(c.mobilisation_p50_days, c.mobilisation_p90_days), mz
            )
            self.arrival_day[k] = max(0.0, max(c.launched_day, 0.0) + mobilisation)
            self.surge.append(
                {
                    "utility": {r: self._pool(c.extra_utility_teams.get(r, 0)) for r in REGIONS},
                    "operator": {r: self._pool(c.extra_operator_teams.get(r, 0)) for r in REGIONS},
                }
            )
        # bottleneck bookkeeping: village-level, power-track and signal-track states, the cause holding each village
        # and since when, and the village-days held per cause so far. Python lists, not arrays: `_set` reads and
        # writes single elements ~5,000 times a replication (held_days turns them into arrays once a month).
        self._vstate: list[int] = np.where(v.feasible, BUDGET, NOT_HELD).tolist()
        self._pstate: list[int] = [NOT_HELD] * n
        self._sstate: list[int] = [NOT_HELD] * n
        self._cause: list[int] = list(self._vstate)
        self._since: list[float] = [0.0] * n
        self._held: list[float] = [0.0] * len(CAUSES)
        # ... and per campaign (the one that claims the village; the last row: villages of no campaign), so a
        # province's campaign can say what holds its own villages rather than the country's
        self._camp_row: list[int] = np.where(self.camp >= 0, self.camp, len(v.campaigns)).tolist()
        self._held_camp: list[list[float]] = [[0.0] * len(CAUSES) for _ in range(len(v.campaigns) + 1)]
        # ... and per village: which cause held each one longest ("which villages will be left, and why?")
        self._held_village: list[list[float]] = [[0.0] * len(CAUSES) for _ in range(n)]
        assert v.has_power_at_start is not None  # set by VillageInputs.__post_init__
        self._waits_for_grid = v.grid_power & ~v.has_power_at_start
        self._waits_list: list[bool] = self._waits_for_grid.tolist()
        self._own_power: list[bool] = [
            False
        ] * n  # on temporary power, a portable BTS or the utility's bridge (temp_power | portable | bridged)
        # "the village has power" (its line energised, or the utility's bridge on), which its site waits on
        self._powered: list[simpy.Event | None] = [env.event() if w else None for w in self._waits_list]
        # the utility's bridges (CampaignSpec.power_bridge): the day each village's local power is due (NaN: none
        # planned) and the day it came on (NaN: none, or the village had power first)
        self.bridge_due = nan.copy()
        self.bridge_day = nan.copy()
        for c in v.campaigns:
            if not c.power_bridge:
                continue
            who = c.in_scope & v.feasible & ~v.has_power_at_start
            bz = stream(seed, replication, f"villages.campaign.{c.name}.power_bridge").standard_normal(n)
            p50, p90 = c.power_bridge_lead_p50_days, c.power_bridge_lead_p90_days
            lead = lognormal_days(p50, sigma_from_p90(p50, p90), bz) if p50 > 0 else np.zeros(n)
            self.bridge_due[who] = c.power_bridge_order_day + lead[who]
        self._months: dict[
            int, tuple[int, float]
        ] = {}  # day (floor) -> (its month, the next month's start day)
        # the month end and held days village_month_metrics read last (dxsim.sim.villages.metrics)
        self._last_month_day = -np.inf
        self._last_held = np.zeros(len(CAUSES))
        self._last_held_camp: np.ndarray | None = None  # held_days_by_campaign at that month end

    def _pool(self, teams: int) -> simpy.PriorityResource | None:
        return CrewPool(self.env, capacity=teams) if teams > 0 else None

    def _order(self, rule: str, listed: list[str]) -> np.ndarray:
        """In works first (most elapsed first), then campaign villages (earliest deadline), then the rule."""
        base = priority_order(self.v, rule, listed)
        pos = np.empty(self.v.n, dtype=np.int64)
        pos[base] = np.arange(base.size)
        deadline = np.array([c.deadline_day for c in self.v.campaigns] + [np.inf])[self.camp]
        return base[np.lexsort((pos[base], deadline[base], -self.elapsed_days[base]))]

    @property
    def connected_day(self) -> np.ndarray:
        """The day the village has signal (its site, on any power, is on air)."""
        return self.signal_day

    @property
    def served_day(self) -> np.ndarray:
        """The day the village is first served, on air on a link that carries its busy-hour demand (NaN: not yet):
        its signal day when its first link does, else its permanent site's day when that site's link does. Why: a
        campaign's 50 Mbps portable unit left 12 of Lào Cai's villages capacity-short to 2030, their permanent site
        never built, and the campaign read as a loss to the province (provincial trial)."""
        v = self.v
        assert v.served is not None and v.served_permanent is not None  # VillageInputs.__post_init__
        first = np.where(v.served, self.signal_day, np.nan)
        later = np.where(v.served_permanent, self.permanent_day, np.nan)
        out: np.ndarray = np.fmin(first, later)
        return out

    def start(self) -> None:
        for k in range(len(self.v.campaigns)):  # surge pools are blocked until the teams arrive
            for kind in ("utility", "operator"):
                for pool in self.surge[k][kind].values():
                    if pool is not None:
                        self.env.process(self._block(pool, self.arrival_day[k]))
        self.env.process(self.manager())
        for i in np.flatnonzero(~np.isnan(self.bridge_due)).tolist():
            self.env.process(self.bridge(i))

    def _block(self, pool: simpy.PriorityResource, until: float) -> Generator[simpy.Event, Any, None]:
        reqs = [pool.request(priority=-(10**9)) for _ in range(int(pool.capacity))]  # capacity: a team count
        yield self.env.all_of(reqs)
        yield self.env.timeout(until)
        for r in reqs:
            pool.release(r)

    # ------------------------------------------------------------------ bottleneck states
    def _set(
        self, i: int, *, village: int | None = None, power: int | None = None, signal: int | None = None
    ) -> None:
        """Close village i's current held interval and set its states (called ~5,000 times a replication: Python
        lists, each element read once, and math.isnan, not the np.isnan ufunc, tests the scalar)."""
        now = self.env.now
        cause = self._cause[i]
        if cause >= 0:
            held = now - self._since[i]
            self._held[cause] += held
            self._held_camp[self._camp_row[i]][cause] += held
            self._held_village[i][cause] += held
        self._since[i] = now
        if village is None:
            village = self._vstate[i]
        else:
            self._vstate[i] = village
        if power is None:
            power = self._pstate[i]
        else:
            self._pstate[i] = power
        if signal is None:
            signal = self._sstate[i]
        else:
            self._sstate[i] = signal
        if not math.isnan(self.signal_day[i]):
            self._cause[i] = NOT_HELD
        elif village >= 0:
            self._cause[i] = village
        elif self._waits_list[i] and not self._own_power[i] and power >= 0:
            self._cause[i] = power
        else:
            self._cause[i] = signal

    @property
    def cause(self) -> np.ndarray:
        """The cause holding each village now (CAUSES index; NOT_HELD)."""
        return np.array(self._cause, dtype=np.int64)

    def held_days(self, day: float) -> np.ndarray:
        """Village-days held by each cause (CAUSES order) from day 0 to `day`, cumulative (also brings
        :attr:`held_days_by_campaign` to `day`)."""
        cause = self.cause
        on = cause >= 0
        held = np.array(self._held, dtype=np.float64)
        if on.any():
            since = np.array(self._since, dtype=np.float64)
            held += np.bincount(cause[on], weights=day - since[on], minlength=len(CAUSES))
            self._held = held.tolist()
            by_camp = np.array(self._held_camp, dtype=np.float64)
            rows = np.array(self._camp_row, dtype=np.int64)[on]
            np.add.at(by_camp, (rows, cause[on]), day - since[on])
            self._held_camp = by_camp.tolist()
            for i in np.flatnonzero(on).tolist():
                self._held_village[i][cause[i]] += day - self._since[i]
                self._since[i] = day
        return held

    def held_by_village(self, day: float) -> np.ndarray:
        """(villages, CAUSES) days each village has been held by each cause from day 0 to `day` (brings the
        bookkeeping to `day`, as :meth:`held_days`)."""
        self.held_days(day)
        return np.array(self._held_village, dtype=np.float64)

    @property
    def held_days_by_campaign(self) -> np.ndarray:
        """(campaigns + 1, CAUSES) village-days held so far in each campaign's villages (the last row: villages of
        no campaign), as of the last :meth:`held_days`; the rows add up to it."""
        return np.array(self._held_camp, dtype=np.float64)

    # ------------------------------------------------------------------ processes
    def manager(self) -> Generator[simpy.Event, Any, None]:
        """Start villages in priority order: in works, launched campaigns, then while the budget allows."""
        pending = list(self.order)
        launches = sorted({c.launched_day for c in self.v.campaigns if c.launched_day > 0})
        while pending:
            day = self.env.now
            year = self.clock.year_of(day)
            still = []
            for i in pending:
                # works in progress at the start are paid by whoever began them (the money was spent before it)
                k = int(self.works_camp[i] if self.elapsed_days[i] > 0 else self.camp[i])
                c = self.v.campaigns[k] if k >= 0 else None
                outside = c is not None and not c.funded_by_programme_budget and c.launched_day <= day + 1e-9
                cost = float(self.v.capex_vnd_bn[i])
                if self.elapsed_days[i] > 0 or outside:  # never held back by the programme budget
                    began = day - float(self.elapsed_days[i])
                    self._commit(i, OUTSIDE_OWNER if outside else OWNER, self.clock.year_of(began), cost)
                    self._begin(i, day)
                    continue
                if self.ledger.available(OWNER, year) + 1e-9 >= cost:
                    self._commit(i, OWNER, year, cost)
                    self._begin(i, day)
                else:
                    still.append(i)
            pending = still
            nxt = min([self.clock.next_month_start(day)] + [t for t in launches if t > day + 1e-9])
            if nxt > self.clock.horizon_days:
                return
            yield self.env.timeout(nxt - day)

    def beyond_budget(self, day: float) -> np.ndarray:
        """Villages (bool) not started that only the programme budget can start (no campaign of theirs pays outside
        it) and whose cost exceeds the whole budget of every year left in the run: first fit never starts them, since
        a village's cost is committed in the year its works start and a year's budget does not carry over.

        Why: a campaign paid from a 5 bn-a-year budget left three villages of 10-14 bn never started, its extra crews
        paid for the whole horizon, and the only word was "budget binds (87%)" (provincial planner trial)."""
        waiting: np.ndarray = np.isnan(self.started_day) & self.v.feasible
        if not waiting.any():
            return waiting
        outside = np.array([not c.funded_by_programme_budget for c in self.v.campaigns] + [False])
        by_programme = waiting & ~outside[np.where(self.camp >= 0, self.camp, len(self.v.campaigns))]
        years = range(self.clock.year_of(day), self.clock.end.year + 1)
        most = max(self.ledger.budget(OWNER, y) for y in years)
        beyond: np.ndarray = by_programme & (self.v.capex_vnd_bn > most + 1e-9)
        return beyond

    def over_year_budget(self, day: float) -> int:
        """How many villages `beyond_budget` holds on `day` (the metric villages_over_year_budget)."""
        return int(self.beyond_budget(day).sum())

    def _commit(self, i: int, owner: str, year: int, cost: float) -> None:
        self.ledger.commit(owner, year, cost)
        self.paid_by[i] = owner

    def _begin(self, i: int, day: float) -> None:
        self.started_day[i] = day - self.elapsed_days[i]
        self._set(i, village=PERMITS)
        self.env.process(self.village(i))

    def village(self, i: int) -> Generator[simpy.Event, Any, None]:
        e = float(self.elapsed_days[i])
        permit_left = max(0.0, self.permit_days[i] - e)
        credit = max(0.0, e - self.permit_days[i])  # days of works already done on each track
        yield self.env.timeout(permit_left)
        self._set(i, village=NOT_HELD)
        region = REGIONS[int(self.v.region_idx[i])]
        k = int(self.camp[i])
        c = self.v.campaigns[k] if k >= 0 else None
        needs_grid = bool(self._waits_for_grid[i])
        portable = c is not None and c.portable_bts
        temp = c is not None and c.temporary_power != "none" and needs_grid and not portable
        self.portable[i], self.temp_power[i] = portable, temp
        self._own_power[i] = portable or temp or not math.isnan(self.bridge_day[i])
        kit: TempKit | None = None
        if portable:
            assert c is not None  # portable implies a campaign
            # ordered once the campaign is launched, as a temporary-power kit (a village the programme started
            # earlier had its portable unit on air in 2025-11 for a campaign launched in 2026-01: provincial trial)
            unit_lead = c.portable_lead_days * self.lead_factor[i]
            wait = (
                c.launched_day - self.env.now + unit_lead
                if c.launched_day > self.env.now
                else max(0.0, unit_lead - credit)
            )
            # the permanent site's kit is ordered with the unit (permanent_site)
            macro_kit_day = max(self.env.now, c.launched_day) + max(0.0, float(self.lead_days[i]) - credit)
            work = c.portable_team_days * self.work_factor[i]
        else:
            wait = max(0.0, self.lead_days[i] - credit)
            work = self.operator_days[i]
            if temp:
                assert c is not None  # temporary power implies a campaign
                # ordered once the campaign is launched (a village it claims may start earlier, in another
                # campaign's works or the programme's): a kit on air in 2025-11 for a campaign of 2026-01 was paid
                # before the campaign existed
                kit_in = max(0.0, c.temp_lead_days * self.lead_factor[i] - credit)
                ordered = max(self.env.now, c.launched_day)
                powered = self._powered[i]
                assert powered is not None  # temporary power implies a village waiting for its line
                kit = TempKit(ordered + kit_in, c.temp_team_days * self.work_factor[i], powered)
        site = self.env.process(self.site(i, region, wait, work, k, kit))
        power = self.env.process(self.grid(i, region, credit, k)) if needs_grid else None
        self._set(i)
        on_air = yield site
        temp = bool(self.temp_power[i])  # the site decided: the grid may have come first
        if portable or temp:
            assert c is not None  # portable BTS and temporary power come with a campaign
            self.signal_day[i] = on_air
            self.power_day[i] = on_air if math.isnan(self.power_day[i]) else min(self.power_day[i], on_air)
            if portable:
                self.surge_capex_vnd_bn[i] += c.portable_capex_vnd_bn
                self.env.process(self.permanent_site(i, region, macro_kit_day))
            else:
                self.permanent_day[i] = on_air
                assert c.temp_capex_vnd_bn is not None  # resolved with the campaign's temporary power
                self.surge_capex_vnd_bn[i] += float(c.temp_capex_vnd_bn[i])
            self._set(i)
            if power is not None:
                yield power
        elif power is not None:
            powered = self._powered[i]
            assert powered is not None  # set for every village waiting for its line
            yield powered  # its line, or the utility's bridge first
            self.signal_day[i] = self.permanent_day[i] = max(float(self.power_day[i]), on_air)
            self._set(i)
            yield power  # a bridged village's line is finished later
        else:
            self.signal_day[i] = self.permanent_day[i] = on_air
            if math.isnan(self.power_day[i]):
                self.power_day[i] = on_air  # off-grid system installed with the site
        self._set(i, power=NOT_HELD, signal=NOT_HELD)

    def permanent_site(self, i: int, region: RegionName, kit_day: float) -> Generator[simpy.Event, Any, None]:
        """A portable-BTS village's permanent site: the portable unit holds until it is built. Its kit was ordered
        with the unit and comes on `kit_day` (the village's own lead time); then a site team of the region's own
        builds it (the campaign's surge teams work on the units), and it is on air on its own link
        (`served_permanent`), on the unit's genset until its power comes (its grid line is still built), and
        its option's capex is recognised. Waiting for the line kept it off air long after the villages the utility's
        bridge powered (a portable unit's village has its own power and is not bridged).
        Why: the permanent site was never built, and a village whose 50 Mbps portable link could not carry its busy
        hour stayed capacity-short to the horizon (provincial trial); begun only at the campaign's deadline, a
        campaign with portable units served fewer villages than one without for 31 months (up to 12 fewer: lever
        audit, 2026-12-07)."""
        yield self.env.timeout(max(0.0, kit_day - self.env.now))
        pools = self._pools("operator", region, -1, i)
        if not pools:  # no site teams in the region: the portable unit stays
            return
        pool, req = yield from self._acquire(pools, int(self.rank[i]))
        yield from self.work(float(self.operator_days[i]), region, in_rain=True)
        pool.release(req)
        self.permanent_day[i] = self.env.now

    def _acquire(
        self, pools: list[simpy.PriorityResource], prio: int
    ) -> Generator[simpy.Event, Any, tuple[simpy.PriorityResource, PriorityRequest]]:
        """Request every pool; keep the first that grants, withdraw the others. Returns (pool, request)."""
        reqs = [p.request(priority=prio) for p in pools]
        if len(reqs) == 1:
            yield reqs[0]
            return pools[0], reqs[0]
        got = yield self.env.any_of(reqs)
        win = next(j for j, r in enumerate(reqs) if r in got)
        for j, r in enumerate(reqs):
            if j == win:
                continue
            if r.triggered:
                pools[j].release(r)
            else:
                r.cancel()
        return pools[win], reqs[win]

    def _pools(self, kind: str, region: RegionName, k: int, i: int) -> list[simpy.PriorityResource]:
        """The region's own teams (villages with grid power: the operators' ordinary teams) and the campaign's surge."""
        if kind == "utility":
            own = self.utility[region]
        else:
            assert self.v.has_power_at_start is not None  # set by VillageInputs.__post_init__
            own = (self.operator_wp if self.v.has_power_at_start[i] else self.operator)[region]
        extra = self.surge[k][kind][region] if k >= 0 else None
        return [p for p in (own, extra) if p is not None]

    def grid(self, i: int, region: RegionName, credit: float, k: int) -> Generator[simpy.Event, Any, None]:
        """The grid extension: line crews, then the line's team-days; energised, it gives the village power (the
        event its site waits on) unless the utility's bridge did first."""
        pools = self._pools("utility", region, k, i)
        if not pools:  # no line crews in this region: never powered
            self._set(i, power=LINE_CREWS)
            yield self.env.event()
            return
        self._set(i, power=LINE_CREWS)
        pool, req = yield from self._acquire(pools, int(self.rank[i]))
        self._set(i, power=POWER)
        left = max(0.0, float(self.utility_days[i]) - credit)
        yield from self.work(left, region, in_rain=self.sc.villages.programme.grid_works_in_rainy_season, i=i)
        pool.release(req)
        self.grid_day[i] = self.env.now
        if math.isnan(self.power_day[i]) or self.power_day[i] > self.env.now:
            self.power_day[i] = self.env.now
        powered = self._powered[i]
        if powered is not None and not powered.triggered:
            powered.succeed()
        self._set(i, power=NOT_HELD)

    def bridge(self, i: int) -> Generator[simpy.Event, Any, None]:
        """The utility's local power for village i (CampaignSpec.power_bridge), on at its due day unless the village
        has power by then (its line, or a campaign's temporary kit or portable BTS on air): then none is paid.

        Why: the campaigns' villages waited for their grid lines (permits, line crews, dry months), and ~105 of 117 were
        without power a month after the 2025-11-30 deadline, while the utility met it with generators where its lines
        could not (Quảng Trị: 10 of 17 villages, plo.vn 2025-12-08)."""
        yield self.env.timeout(max(0.0, float(self.bridge_due[i]) - self.env.now))
        if not math.isnan(self.power_day[i]):
            return
        self.bridge_day[i] = self.power_day[i] = self.env.now
        # a site waiting for its line can go on air on it: from now the signal track holds the village
        self._own_power[i] = True
        powered = self._powered[i]
        if powered is not None and not powered.triggered:
            powered.succeed()
        self._set(i)

    def site(
        self, i: int, region: RegionName, lead: float, work: float, k: int, kit: TempKit | None = None
    ) -> Generator[simpy.Event, Any, float | None]:
        """The village's site: equipment and backhaul (`lead` days), then a site team for `work` team-days; returns
        the day it can go on air (None: never, no site teams in the region).

        With a temporary-power `kit` (the village waits for a grid line), the site is built as soon as its own
        equipment is in; if the line is still not energised when the kit arrives, a site team installs the kit and
        the site goes on air on it (`temp_power[i]`, paid), or with the line if that comes first meanwhile. A line
        energised (or the utility's bridge on) before the kit arrives leaves the kit unused and unpaid. Why: the kit's
        lead and team-days were added to the site's in every case, so 11 of Tuyên Quang's 18 grid-extension villages
        got signal later with temporary power than without it, one 59 days later, and paid for kits their line had
        made unneeded."""
        self._set(i, signal=BACKHAUL)
        yield self.env.timeout(lead)
        pools = self._pools("operator", region, k, i)
        self._set(i, signal=SITE_TEAMS)
        if not pools:  # no site teams in this region: never built
            yield self.env.event()
            return None
        pool, req = yield from self._acquire(pools, int(self.rank[i]))
        self._set(i, signal=BACKHAUL)
        yield from self.work(work, region, in_rain=True)
        pool.release(req)
        if kit is None:
            return self.env.now
        built = self.env.now
        if kit.kit_day > built and not kit.powered.triggered:
            yield self.env.any_of([self.env.timeout(kit.kit_day - built), kit.powered])
        if not kit.powered.triggered:
            self._set(i, signal=SITE_TEAMS)
            pool, req = yield from self._acquire(pools, int(self.rank[i]))
            self._set(i, signal=BACKHAUL)
            if not kit.powered.triggered:  # still needed when a team is free: installed, paid
                yield from self.work(kit.team_days, region, in_rain=True)
                pool.release(req)
                first = self.power_day[i]  # the line or the bridge, if either came during the install
                return self.env.now if math.isnan(first) else min(self.env.now, float(first))
            pool.release(req)
        self.temp_power[i] = False  # the line or the utility's bridge came first
        self._own_power[i] = not math.isnan(self.bridge_day[i])
        self._set(i)
        return built

    def work(
        self, team_days: float, region: RegionName, in_rain: bool, i: int | None = None
    ) -> Generator[simpy.Event, Any, None]:
        """Spend `team_days` of work, pausing (or slowing) in the region's rainy months."""
        remaining = float(team_days)
        rainy_months = self._rainy[region]
        while remaining > 1e-9:
            now = self.env.now
            month, next_start = self._month_at(now)
            rainy = month in rainy_months
            to_boundary = max(next_start - now, 1e-6)
            if rainy and not in_rain:
                if i is not None:
                    self._set(i, power=SEASON)
                yield self.env.timeout(to_boundary)
                continue
            if i is not None and self._pstate[i] == SEASON:
                self._set(i, power=POWER)
            rate = self._rain_rate[region] if rainy else 1.0
            step = min(remaining / rate, to_boundary)
            yield self.env.timeout(step)
            remaining -= step * rate

    def _month_at(self, day: float) -> tuple[int, float]:
        """(clock.month_of(day), clock.next_month_start(day)), remembered per calendar day (both read its floor)."""
        d = math.floor(day)
        got = self._months.get(d)
        if got is None:
            got = self._months[d] = (self.clock.month_of(day), self.clock.next_month_start(day))
        return got

    # ------------------------------------------------------------------ money of surge measures
    def surge_team_release_day(self, k: int, kind: str, day: float | None = None) -> float:
        """Day the campaign's surge teams of a kind go home: the campaign's last job of that kind is done
        (inf while one is open; their arrival day if the campaign has no such job). With `day`, a village that can
        never start by then (`beyond_budget`: it costs more than any year's programme budget left) is no job: the
        teams were paid to the horizon waiting for it (provincial planner trial)."""
        c = self.v.campaigns[k]
        mine = c.in_scope & self.v.feasible
        if day is not None:
            mine = mine & ~self.beyond_budget(day)
        if kind == "utility":
            mine = mine & self._waits_for_grid
            done = self.grid_day[mine]
        else:
            done = self.signal_day[mine]
        if done.size == 0:
            return float(self.arrival_day[k])
        if np.isnan(done).any():
            return math.inf
        return float(max(self.arrival_day[k], done.max()))

    def programme_committed_vnd_bn(self) -> float:
        """Money committed against the programme budget (`OWNER`) since the start, every year (VND bn)."""
        return float(sum(v for (owner, _year), v in self.ledger.committed.items() if owner == OWNER))

    def campaign_owner(self, k: int) -> str:
        """Ledger owner paying campaign k's surge measures (and its villages started after its launch)."""
        return OWNER if self.v.campaigns[k].funded_by_programme_budget else OUTSIDE_OWNER

    def book_surge(self, prev_day: float, day: float) -> tuple[list[float], np.ndarray]:
        """Surge cost of every campaign incurred in (prev_day, day], committed to the campaign's payer in the
        year of `day` (a month end: the interval lies in that month). Returns the totals per campaign and
        the cost per village (all campaigns). Call once per interval: each call commits."""
        per = np.zeros(self.v.n)
        totals = []
        year = self.clock.year_of(day)
        for k in range(len(self.v.campaigns)):
            total, mine = self.surge_cost_between(k, prev_day, day)
            if total > 0:
                self.ledger.commit(self.campaign_owner(k), year, total)
            per += mine
            totals.append(total)
        return totals, per

    def surge_cost_between(self, k: int, prev_day: float, day: float) -> tuple[float, np.ndarray]:
        """Surge cost of campaign k incurred in (prev_day, day]: national total and per village.

        Teams: team-months deployed (arrival to release) x the premium, shared equally over the
        campaign's feasible villages in the team's region. Kits: a temporary-power kit or a portable
        BTS when its site goes on air; genset fuel for each day a site runs on it before the grid (or the utility's
        bridge); the utility's bridge of a village when it comes on, and its running cost each day until the line.
        """
        c = self.v.campaigns[k]
        per = np.zeros(self.v.n)
        for kind, teams in (("utility", c.extra_utility_teams), ("operator", c.extra_operator_teams)):
            for region, n_teams in teams.items():
                if n_teams <= 0:
                    continue
                lo, hi = (
                    max(prev_day, self.arrival_day[k]),
                    min(day, self.surge_team_release_day(k, kind, day)),
                )
                if hi <= lo:
                    continue
                cost = n_teams * (hi - lo) / DAYS_PER_MONTH * c.team_cost_vnd_bn_per_month
                who = np.flatnonzero(
                    c.in_scope & self.v.feasible & (self.v.region_idx == REGIONS.index(region))
                )
                if who.size:
                    per[who] += cost / who.size
        mine = c.in_scope
        on = mine & (self.signal_day > prev_day) & (self.signal_day <= day)
        per[on] += self.surge_capex_vnd_bn[on]
        per += self.bridge_cost_between(k, prev_day, day)
        if c.temporary_power == "genset" and c.temp_fuel_vnd_bn_per_day > 0:
            run = np.flatnonzero(mine & self.temp_power & ~np.isnan(self.signal_day))
            # a site's genset runs until the line or the utility's bridge (fmin skips a NaN: not yet)
            off = np.fmin(self.grid_day[run], self.bridge_day[run])
            per[run] += _days_between(self.signal_day[run], off, prev_day, day) * c.temp_fuel_vnd_bn_per_day
        return float(per.sum()), per

    @property
    def bridge_off_day(self) -> np.ndarray:
        """The day each village's own power replaces the utility's bridge (NaN: not yet): its line energised, or, for a
        village powered off grid, its site and off-grid system on air.

        Why the second: the 8 off-grid villages of the 2025 campaign ran on their bridges to 2030, counted "on the
        bridge, line not yet energised" with no line to come, and paid its running cost all along (trial)."""
        off: np.ndarray = np.where(self._waits_for_grid, self.grid_day, self.signal_day)
        return off

    def bridge_cost_between(self, k: int, prev_day: float, day: float) -> np.ndarray:
        """Per village, the cost of campaign k's bridges incurred in (prev_day, day]: the set-up when a bridge comes on,
        its running cost for each day until the village's own power (bridge_off_day)."""
        c = self.v.campaigns[k]
        per = np.zeros(self.v.n)
        if not c.power_bridge:
            return per
        on = c.in_scope & (self.bridge_day > prev_day) & (self.bridge_day <= day)
        per[on] += c.power_bridge_capex_vnd_bn
        if c.power_bridge_running_vnd_bn_per_day > 0:
            run = np.flatnonzero(c.in_scope & ~np.isnan(self.bridge_day))
            days = _days_between(self.bridge_day[run], self.bridge_off_day[run], prev_day, day)
            per[run] += days * c.power_bridge_running_vnd_bn_per_day
        return per

    def bridge_cost_vnd_bn(self, day: float) -> np.ndarray:
        """Per village, what its bridge cost from the start to `day` (0: none), as booked in the surge capex."""
        out = np.zeros(self.v.n)
        for k in range(len(self.v.campaigns)):
            out += self.bridge_cost_between(k, -math.inf, day)
        return out


def _days_between(on: np.ndarray, off: np.ndarray, prev_day: float, day: float) -> np.ndarray:
    """Days of (prev_day, day] in which something on from `on` until `off` (NaN: not yet off) runs."""
    end = np.minimum(day, np.where(np.isnan(off), np.inf, off))
    days: np.ndarray = np.maximum(end - np.maximum(prev_day, on), 0.0)
    return days
