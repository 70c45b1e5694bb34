"""The village connection programme as a SimPy model.

Each month the programme office starts villages in priority order while the year's budget
allows (first fit: a village that does not fit waits, cheaper ones behind it may start).
A started village goes through permits, then two tracks in parallel:

- power: a grid extension needs one of the region's utility line crews (a SimPy
  PriorityResource; lower rank = served first) and, unless the scenario allows it, works only
  in the dry months; an off-grid system is installed by the operator team with the site;
- signal: the site kit's lead time, then one of the region's operator teams (PriorityResource;
  rainy months slow the work down).

The village is connected when both are done: a grid-powered site goes on air when the line is
energised. 117 villages make one process each perfectly affordable (unlike the 5G rollout).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from dxsim.scenario.schema import REGIONS, Scenario
from dxsim.sim.calendar import Clock
from dxsim.sim.finance import Ledger
from dxsim.sim.rng import stream

OWNER = "villages"
GRID = "grid_extension"


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

    @property
    def n(self) -> int:
        return int(self.village_id.size)


def priority_order(v: VillageInputs, rule: str, listed: list[str]) -> np.ndarray:
    """Indices of feasible villages in the order the programme starts them."""
    idx = np.flatnonzero(v.feasible)
    by_pop = idx[np.lexsort((v.village_id[idx], -v.population[idx]))]
    if rule == "population_first":
        return by_pop
    if rule == "cheapest_first":
        per_person = v.capex_vnd_bn[idx] / np.maximum(v.population[idx], 1.0)
        return idx[np.lexsort((v.village_id[idx], per_person))]
    pos = {vid: k for k, vid in enumerate(listed)}
    first = [i for i in sorted((i for i in idx if v.village_id[i] in pos), key=lambda i: pos[v.village_id[i]])]
    rest = [i for i in by_pop if v.village_id[i] not in pos]
    return np.array(first + rest, dtype=np.int64)


class VillageProgramme:
    """Processes and resources of the village programme for one replication."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, v: VillageInputs, clock: Clock,
                 seed: int, replication: int, ledger: Ledger) -> None:
        self.env, self.sc, self.v, self.clock, self.ledger = env, scenario, v, clock, ledger
        prog = scenario.villages.programme
        n = v.n
        pz = stream(seed, replication, "villages.permit").standard_normal(n)
        lz = stream(seed, replication, "villages.lead_time").standard_normal(n)
        uz = stream(seed, replication, "villages.utility_work").standard_normal(n)
        oz = stream(seed, replication, "villages.operator_work").standard_normal(n)
        p = prog.permit
        sig_p = math.log(p.p90_days / p.p50_days) / 1.2815515655446004 if p.p50_days > 0 else 0.0
        self.permit_days = p.p50_days * np.exp(sig_p * pz)
        sig_w = math.log(prog.work_p90_over_p50) / 1.2815515655446004
        lt = scenario.supply.lead_time
        self.lead_days = v.equipment_lead_days * np.exp(lt.sigma * lz)
        self.utility_days = v.utility_team_days * np.exp(sig_w * uz)
        self.operator_days = v.operator_team_days * np.exp(sig_w * oz)
        self.order = priority_order(v, prog.priority, prog.priority_list)
        self.rank = np.full(n, n, dtype=np.int64)
        self.rank[self.order] = np.arange(self.order.size)
        nan = np.full(n, np.nan)
        self.started_day, self.power_day, self.signal_day = nan.copy(), nan.copy(), nan.copy()
        self.utility = {r: self._pool(prog.crews[r].utility_teams if r in prog.crews else 0) for r in REGIONS}
        self.operator = {r: self._pool(prog.crews[r].operator_teams if r in prog.crews else 0) for r in REGIONS}
        self._rainy = {r: set(scenario.seasons[r].rainy_months) if r in scenario.seasons else set() for r in REGIONS}
        self._rain_rate = {r: scenario.seasons[r].rainy_productivity_pct / 100.0 if r in scenario.seasons else 1.0
                           for r in REGIONS}

    def _pool(self, teams: int) -> simpy.PriorityResource | None:
        return simpy.PriorityResource(self.env, capacity=teams) if teams > 0 else None

    @property
    def connected_day(self) -> np.ndarray:
        """Power and signal both delivered: the site goes on air only once it has power."""
        return self.signal_day

    def start(self) -> None:
        self.env.process(self.manager())

    # ------------------------------------------------------------------ processes
    def manager(self):
        """Monthly: start villages in priority order while the year's budget allows (first fit)."""
        pending = list(self.order)
        while pending:
            day = self.env.now
            year = self.clock.year_of(day)
            still = []
            for i in pending:
                cost = float(self.v.capex_vnd_bn[i])
                if self.ledger.available(OWNER, year) + 1e-9 >= cost:
                    self.ledger.commit(OWNER, year, cost)
                    self.started_day[i] = day
                    self.env.process(self.village(i))
                else:
                    still.append(i)
            pending = still
            nxt = self.clock.next_month_start(day)
            if nxt > self.clock.horizon_days:
                return
            yield self.env.timeout(nxt - day)

    def village(self, i: int):
        yield self.env.timeout(self.permit_days[i])
        region = REGIONS[int(self.v.region_idx[i])]
        site = self.env.process(self.site(i, region))
        if self.v.grid_power[i]:
            power = self.env.process(self.grid(i, region))
            yield power & site
            self.signal_day[i] = max(self.power_day[i], site.value)
        else:
            yield site
            self.power_day[i] = site.value  # off-grid system installed with the site
            self.signal_day[i] = site.value

    def grid(self, i: int, region: str):
        pool = self.utility[region]
        if pool is None:  # no line crews in this region: never powered
            yield self.env.event()
            return
        with pool.request(priority=int(self.rank[i])) as req:
            yield req
            yield from self.work(self.utility_days[i], region, in_rain=self.sc.villages.programme.grid_works_in_rainy_season)
        self.power_day[i] = self.env.now

    def site(self, i: int, region: str):
        yield self.env.timeout(self.lead_days[i])
        pool = self.operator[region]
        if pool is None:  # no site teams in this region: never built
            yield self.env.event()
            return
        with pool.request(priority=int(self.rank[i])) as req:
            yield req
            yield from self.work(self.operator_days[i], region, in_rain=True)
        return self.env.now

    def work(self, team_days: float, region: str, in_rain: bool):
        """Spend `team_days` of work, pausing (or slowing) in the region's rainy months."""
        remaining = float(team_days)
        while remaining > 1e-9:
            now = self.env.now
            rainy = self.clock.month_of(now) in self._rainy[region]
            to_boundary = max(self.clock.next_month_start(now) - now, 1e-6)
            if rainy and not in_rain:
                yield self.env.timeout(to_boundary)
                continue
            rate = self._rain_rate[region] if rainy else 1.0
            step = min(remaining / rate, to_boundary)
            yield self.env.timeout(step)
            remaining -= step * rate
