"""5G rollout as a discrete-event model (SimPy).

Sites are taken from the ranked national plan (dxsim.geo.sites) in rank order. Each site
passes through: order (operator, monthly, within its yearly target and budget) -> permit /
site acquisition (log-normal delay, longer for new sites) and equipment delivery (lead time,
then a national weekly delivery capacity) in parallel -> installation by the region's crew
pool (weekly dispatcher; rainy months slow crews down) -> on air.

At 100k sites we avoid one SimPy process per site: sites live in numpy arrays indexed by
plan rank and three kinds of processes move whole batches through the stages: the
operators' monthly planner, a weekly supplier and one weekly dispatcher per region.

Crew pools are modelled as a fluid server: a region's teams deliver `teams x productivity`
team-days of work per day, sites are served in order of readiness (first ready, first served), and a
site's own duration is its latency (one team on site). The completion time recurrence
t_i = max(t_{i-1}, ready_i) + work_i / rate is evaluated in closed form with a running max.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from dxsim.scenario.schema import OPERATORS, REGIONS, Scenario
from dxsim.sim.calendar import Clock
from dxsim.sim.finance import Ledger
from dxsim.sim.rng import stream

WEEK_DAYS = 7.0


@dataclass
class PlanArrays:
    """The ranked 5G plan as arrays (rank order)."""

    is_new: np.ndarray  # bool
    region_idx: np.ndarray  # int, index into REGIONS
    province_idx: np.ndarray  # int

    @property
    def n(self) -> int:
        return int(self.is_new.size)


@dataclass
class RolloutState:
    """Per-site timeline (days from start; NaN = not yet)."""

    operator: np.ndarray
    order_day: np.ndarray
    permit_done_day: np.ndarray
    equipment_due_day: np.ndarray
    delivered_day: np.ndarray
    on_air_day: np.ndarray
    capex_vnd_bn: np.ndarray
    next_rank: int
    ordered_by_op_year: dict = field(default_factory=dict)
    crew_work_done: np.ndarray = None  # team-days done per region (cumulative)
    crew_capacity: np.ndarray = None  # team-days available per region (cumulative)
    busy_until: np.ndarray = None  # per region


class Rollout:
    """The SimPy processes of the 5G build-out for one replication."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, plan: PlanArrays, n_start: int,
                 clock: Clock, seed: int, replication: int, ledger: Ledger) -> None:
        self.env = env
        self.sc = scenario
        self.plan = plan
        self.clock = clock
        self.ledger = ledger
        n = plan.n
        w = scenario.works
        # Per-site draws made up front, indexed by plan rank: common random numbers across options.
        z_permit = stream(seed, replication, "rollout.permit").standard_normal(n)
        z_lead = stream(seed, replication, "rollout.lead_time").standard_normal(n)
        z_work = stream(seed, replication, "rollout.team_days").standard_normal(n)
        self.permit_days = np.where(
            plan.is_new,
            w.new_site_permit.p50_days * np.exp(w.new_site_permit.sigma * z_permit),
            w.upgrade_permit.p50_days * np.exp(w.upgrade_permit.sigma * z_permit),
        )
        lt = scenario.supply.lead_time
        self.lead_days = lt.p50_days * np.exp(lt.sigma * z_lead)
        self.team_days = np.where(
            plan.is_new,
            w.new_site_team_days.p50_days * np.exp(w.new_site_team_days.sigma * z_work),
            w.upgrade_team_days.p50_days * np.exp(w.upgrade_team_days.sigma * z_work),
        )
        costs = scenario.costs
        capex = np.where(plan.is_new, costs.capex_vnd_bn(True), costs.capex_vnd_bn(False))
        self.equipment_vnd_bn = np.where(plan.is_new, costs.equipment_vnd_bn(True), costs.equipment_vnd_bn(False))
        nan = np.full(n, np.nan)
        op = np.full(n, -1, dtype=np.int8)
        n_start = min(n_start, n)
        if n_start:
            shares = np.array([scenario.operators[o].start_share_5g_pct if o in scenario.operators else 0.0
                               for o in OPERATORS])
            rng = stream(seed, replication, "rollout.start_operator")
            op[:n_start] = rng.choice(len(OPERATORS), size=n_start, p=shares / shares.sum())
        on_air = nan.copy()
        on_air[:n_start] = -1.0
        self.state = RolloutState(
            operator=op, order_day=nan.copy(), permit_done_day=nan.copy(), equipment_due_day=nan.copy(),
            delivered_day=nan.copy(), on_air_day=on_air, capex_vnd_bn=capex, next_rank=n_start,
            crew_work_done=np.zeros(len(REGIONS)), crew_capacity=np.zeros(len(REGIONS)),
            busy_until=np.zeros(len(REGIONS)),
        )
        self.n_start = n_start
        # Sites waiting for their kit, and delivered sites not yet taken by a crew (ranks, ascending):
        # the weekly works scan only these (a few thousand), not every rank ordered so far.
        self._kit_wait = np.zeros(0, dtype=np.int64)
        self._crew_wait = np.zeros(0, dtype=np.int64)
        self.committed = 0  # sites a crew has taken (on_air_day set), excluding the start sites
        self._supply_carry = 0.0
        self.subsidy_paid_vnd_bn = 0.0
        self.subsidy_events: list[tuple[float, str, float]] = []
        self._rainy = {r: set(scenario.seasons[r].rainy_months) if r in scenario.seasons else set() for r in REGIONS}
        self._rainy_factor = {
            r: (scenario.seasons[r].rainy_productivity_pct / 100.0 if r in scenario.seasons else 1.0) for r in REGIONS
        }
        self._teams = np.array([scenario.crews[r].teams if r in scenario.crews else 0 for r in REGIONS], float)

    # ----------------------------------------------------------------- processes
    def start(self) -> None:
        self.env.process(self.planner())
        self.env.process(self.weekly_works())
        sub = self.sc.subsidy
        if sub.equipment_share_pct > 0 and sub.fund_vnd_bn > 0:
            end_day = self.clock.day(sub.window_end)
            if 0 <= end_day <= self.clock.horizon_days:
                self.env.process(self.subsidy_payment(end_day))

    def planner(self):
        """Operators order sites at each month start, within yearly targets and budgets."""
        month_i = 0
        while True:
            day = self.env.now
            d = self.clock.date(day)
            months_left = 12 - d.month + 1
            ops = [o for o in OPERATORS if o in self.sc.operators]
            if ops:
                k = month_i % len(ops)
                ops = ops[k:] + ops[:k]  # rotate who orders first each month
            for name in ops:
                self._order(name, d.year, months_left, day)
            month_i += 1
            nxt = self.clock.next_month_start(day)
            if nxt > self.clock.horizon_days:
                return
            yield self.env.timeout(nxt - day)

    def _order(self, name: str, year: int, months_left: int, day: float) -> int:
        st = self.state
        op = self.sc.operators[name]
        target = op.value_for_year(op.annual_new_5g_sites, year)
        done = st.ordered_by_op_year.get((name, year), 0)
        quota = max(0, math.ceil((target - done) / months_left))
        lo = st.next_rank
        hi = min(self.plan.n, lo + quota)
        if hi <= lo:
            return 0
        cum = np.cumsum(st.capex_vnd_bn[lo:hi])
        n = int(np.searchsorted(cum, self.ledger.available(name, year) + 1e-9, side="right"))
        if n == 0:
            return 0
        idx = slice(lo, lo + n)
        st.operator[idx] = OPERATORS.index(name)
        st.order_day[idx] = day
        st.permit_done_day[idx] = day + self.permit_days[idx]
        st.equipment_due_day[idx] = day + self.lead_days[idx]
        self.ledger.commit(name, year, float(cum[n - 1]))
        st.ordered_by_op_year[(name, year)] = done + n
        st.next_rank = lo + n
        self._kit_wait = np.concatenate([self._kit_wait, np.arange(lo, lo + n, dtype=np.int64)])
        return n

    def weekly_works(self):
        """Each week: vendors deliver kits, then each region's crews install ready sites."""
        while True:
            day = self.env.now
            self._deliver(day, day + WEEK_DAYS)
            self._install(day, day + WEEK_DAYS)
            if day + WEEK_DAYS > self.clock.horizon_days:
                return
            yield self.env.timeout(WEEK_DAYS)

    def _deliver(self, day: float, week_end: float) -> None:
        """Vendors deliver the kits due this week, first due first served, up to the weekly capacity."""
        st = self.state
        kw = self._kit_wait
        due = st.equipment_due_day[kw]
        pos = np.flatnonzero(due <= week_end)
        if pos.size == 0:
            self._supply_carry = 0.0
            return
        cap = self.sc.supply.deliveries_per_month * 12.0 / 52.0 + self._supply_carry
        k = int(min(pos.size, math.floor(cap)))
        self._supply_carry = cap - k if pos.size > k else 0.0
        pos = pos[np.argsort(due[pos], kind="stable")[:k]]  # ties in rank order
        take = kw[pos]
        st.delivered_day[take] = np.maximum(st.equipment_due_day[take], day)
        self._kit_wait = np.delete(kw, pos)
        take.sort()
        self._crew_wait = np.insert(self._crew_wait, np.searchsorted(self._crew_wait, take), take)

    def _install(self, day: float, week_end: float) -> None:
        """Crews of every region take the sites that are ready (permit + kit) this week."""
        st = self.state
        cw = self._crew_wait  # delivered, not yet taken by a crew, in rank order
        ready_day = np.fmax(st.permit_done_day[cw], st.delivered_day[cw])
        pos = np.flatnonzero(ready_day < week_end)
        region_of = self.plan.region_idx[cw[pos]]
        rainy_now = self.clock.month_of(day)
        for r, region in enumerate(REGIONS):
            slow = self._rainy_factor[region] if rainy_now in self._rainy[region] else 1.0
            rate = self._teams[r] * slow
            st.crew_capacity[r] += rate * WEEK_DAYS
            mine = pos[region_of == r]
            if rate <= 0:
                continue
            if mine.size == 0:
                st.busy_until[r] = max(st.busy_until[r], day)
                continue
            self._serve(r, cw[mine], ready_day[mine], day, week_end, rate, slow)
        if pos.size:
            self._crew_wait = cw[np.isnan(st.on_air_day[cw])]

    def _serve(self, r: int, sites: np.ndarray, ready_day: np.ndarray, day: float,
               week_end: float, rate: float, slow: float) -> None:
        """Fluid crew pool: serve sites (ranks, ascending) in order of readiness; commit those started this week."""
        st = self.state
        order = np.argsort(ready_day, kind="stable")
        sites = sites[order]
        own_ready = ready_day[order]
        ready = np.maximum(own_ready, max(day, st.busy_until[r]))
        work = self.team_days[sites]
        s = np.cumsum(work / rate)
        s_prev = np.r_[0.0, s[:-1]]
        t_finish = s + np.maximum.accumulate(ready - s_prev)
        t_begin = t_finish - work / rate
        commit = t_begin < week_end
        sites, t_finish, work, own_ready = sites[commit], t_finish[commit], work[commit], own_ready[commit]
        if sites.size == 0:
            return
        st.busy_until[r] = float(t_finish[-1])
        self.committed += int(sites.size)
        # one team on site: a site's own duration (slowed by rain) is its latency, counted from the
        # site's own ready day, not from the crews' busy_until (that would stall the first sites of
        # every backlogged week by a whole site duration at each weekly dispatch)
        st.on_air_day[sites] = np.maximum(t_finish, own_ready + work / slow)
        st.crew_work_done[r] += float(work.sum())

    def waiting_counts(self, day: float) -> tuple[int, int, int]:
        """Ordered sites not yet taken by a crew on `day`: (in permitting, awaiting equipment, awaiting a crew)."""
        st = self.state
        waiting = np.concatenate([self._kit_wait, self._crew_wait])
        permit = st.permit_done_day[waiting] > day
        equipment = ~permit & ~(st.delivered_day[waiting] <= day)
        n_permit, n_equipment = int(permit.sum()), int(equipment.sum())
        return n_permit, n_equipment, waiting.size - n_permit - n_equipment

    def subsidy_payment(self, end_day: float):
        """Pay the Resolution 193 support once the acceptance window closes."""
        yield self.env.timeout(end_day - self.env.now)
        sub = self.sc.subsidy
        st = self.state
        ws = self.clock.day(sub.window_start)
        on = st.on_air_day
        in_window = ~np.isnan(on) & (on <= end_day) & ((on >= ws) | (on < 0))
        # start-state sites count only in the share built inside the window (assumption field)
        amounts = {}
        for k, name in enumerate(OPERATORS):
            mine = in_window & (st.operator == k)
            built_in_sim = mine & (on >= 0)
            start_mine = int((mine & (on < 0)).sum())
            n_eligible = int(built_in_sim.sum()) + round(start_mine * self.sc.start_state.start_sites_in_window_pct / 100)
            if n_eligible < sub.min_stations_per_operator:
                continue
            equip = float(self.equipment_vnd_bn[built_in_sim].sum()) + start_mine * self.sc.start_state.start_sites_in_window_pct / 100 * self.sc.costs.upgrade_equipment_vnd_bn
            amounts[name] = equip * sub.equipment_share_pct / 100.0
        total = sum(amounts.values())
        scale = min(1.0, sub.fund_vnd_bn / total) if total > 0 else 0.0
        pay_day = end_day + 1
        year = self.clock.year_of(pay_day) if pay_day <= self.clock.horizon_days else self.clock.year_of(end_day)
        for name, amt in amounts.items():
            paid = amt * scale
            self.ledger.receive(name, year, paid)
            self.subsidy_paid_vnd_bn += paid
            self.subsidy_events.append((pay_day, name, paid))
