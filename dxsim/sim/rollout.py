"""5G rollout as a discrete-event model (SimPy).

Each operator (Viettel, VNPT, MobiFone) builds its own network from its own ranked plan
(dxsim.geo.sites). At each month start it decides what to order (dxsim.sim.operators): it
paces itself on its announced plan (stations on air in a year: it orders them one expected order-to-air time
ahead, see _plan_months), skips sites whose business case is negative, stays within
its capex budget phased evenly over the months left in the year and, at its last chance before a support deadline it can still reach, surges.
An ordered site passes through: permit / site acquisition (log-normal delay, longer for new
sites) and equipment delivery (lead time, then a national weekly delivery capacity; surge kits
come from stock: the shared stock, and a committed operator's own kits, tendered for when the programme's window
opened) in parallel -> installation by the region's crew pool (weekly dispatcher;
rainy months slow crews down; a surge adds contract crews) -> on air.

At 100k sites we avoid one SimPy process per site: sites live in numpy arrays indexed by
plan position and three kinds of processes move whole batches through the stages: the
operators' monthly planner, a weekly supplier and one weekly dispatcher per region.

Crew pools are modelled as a fluid server: a region's teams deliver `teams x productivity`
team-days of work per day, sites are served in order of readiness (first ready, first served), and a
site's own duration is its latency (one team on site). The completion time recurrence
t_i = max(t_{i-1}, ready_i) + work_i / rate is evaluated in closed form with a running max.

Warm start: at the start the pipeline is not empty. Sites were ordered before the start at the
observed build rate (start_state.pipeline_build_rate_5g_per_month); the j-th site back in time
was ordered (j + u_j) / rate days before the start and is still in flight if its own
order-to-air time exceeds that (the others are on air already, i.e. among the start sites).
That order-to-air time is history: it follows the schema's default permit, work and lead times
(with the replication's draw of their uncertainty, `uncertainty.pipeline_history`), not an
option's, whose times apply to what is ordered from the start.
Their capex was committed before the start, so it is not in the ledger; like any site's, it is
recognised when they come on air (metrics capex_vnd_bn, capex_cum_vnd_bn).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from dxsim.delay import lognormal_days, share_within_days
from dxsim.geo.planner_files import check_support_provinces
from dxsim.rng import stream
from dxsim.scenario.constants import OperatorName
from dxsim.scenario.fields import DelayDays
from dxsim.scenario.schema import OPERATORS, REGIONS, Scenario
from dxsim.scenario.sections.network_5g import Works
from dxsim.scenario.sections.operators import Support
from dxsim.sim import rollout_kernel
from dxsim.sim.calendar import Clock, year_share_left
from dxsim.sim.finance import Ledger, commitment_owner
from dxsim.sim.operators import (
    Orders,
    SurgeCase,
    choose_orders,
    monthly_pace,
    site_npv_vnd_bn,
    surge_decision,
    surge_size,
)
from dxsim.sim.support import (
    anchor_in_window_pct,
    eligible_kind,
    in_provinces,
    per_station_vnd_bn,
    programmes,
    pro_rata_share,
    start_sites_counted,
    window_days,
)

WEEK_DAYS = 7.0
AVG_MONTH_DAYS = 365.25 / 12.0
# Causes of held-back rollout, in the order of the metrics (`rollout_held_pct_<cause>_<region>`).
HELD_CAUSES = ("targets", "business_case", "budget", "permits", "equipment", "deliveries", "crews", "plan")


@dataclass
class PlanArrays:
    """The ranked 5G plan as arrays (national order; each operator builds its own sites in `op_rank` order).

    `operator` (index into OPERATORS) and `people_served` (for the business case) come from the
    site layer; a hand-made plan may leave them out: sites are then dealt to the scenario's
    operators by their start shares, and every site pays for itself.
    """

    is_new: np.ndarray  # bool
    region_idx: np.ndarray  # int, index into REGIONS
    province_idx: np.ndarray  # int
    operator: np.ndarray | None = None  # int, index into OPERATORS
    people_served: np.ndarray | None = None  # people newly served (business case)
    # a planner's dated row under sites.planned_dates = "hold": its planned on-air day (days from the start), before
    # which the operator does not plan it on air (NaN: no such date; None: no site has one)
    planned_on_air_day: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.is_new.size)


@dataclass
class RolloutState:
    """Per-site timeline (days from start; NaN = not yet)."""

    operator: np.ndarray
    order_day: np.ndarray
    # the day the operator planned the site on air when it ordered it (target_counts): its order day plus the
    # order-to-air time it plans with, or the order day itself; the year of it is the target and budget it counts in
    plan_day: np.ndarray
    permit_done_day: np.ndarray
    equipment_due_day: np.ndarray
    delivered_day: np.ndarray
    crew_start_day: np.ndarray
    on_air_day: np.ndarray
    capex_vnd_bn: np.ndarray
    ordered: np.ndarray  # bool
    surge: np.ndarray  # bool: ordered in a surge (kit from stock, contract crews, premium)
    crew_work_done: np.ndarray  # team-days done per region (cumulative)
    crew_capacity: np.ndarray  # team-days available per region (cumulative)
    busy_until: np.ndarray  # per region
    ordered_by_op_year: dict[tuple[str, int], int] = field(default_factory=dict)


def _deal_to_operators(n: int, shares: np.ndarray) -> np.ndarray:
    """Operator of each site of a hand-made plan: dealt in turn by share (k-th site of o at (k + 0.5) / share)."""
    keys, labels = [], []
    for o, sh in enumerate(shares):
        if sh <= 0:
            continue
        k = np.arange(int(math.ceil(n * sh / shares.sum())) + 1, dtype=np.float64)
        keys.append((k + 0.5) / sh)
        labels.append(np.full(k.size, o, dtype=np.int8))
    if not keys:
        return np.zeros(n, dtype=np.int8)
    return np.concatenate(labels)[np.argsort(np.concatenate(keys), kind="stable")[:n]]


@dataclass(frozen=True)
class PipelineHistory:
    """The permit, crew-work and kit lead times under which the 5G sites in flight at the start were ordered."""

    works: Works
    lead_time: DelayDays


class Rollout:
    """The SimPy processes of the 5G build-out for one replication."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        plan: PlanArrays,
        n_start: int,
        clock: Clock,
        seed: int,
        replication: int,
        ledger: Ledger,
        province_codes: Sequence[str] = (),
        history: PipelineHistory | None = None,
    ) -> None:
        """`province_codes`: the codes of `plan.province_idx` (what a support programme's `provinces` name).
        `history`: the permit, work and lead times the sites in flight at the start were ordered under (see the warm
        start); None: the scenario's own."""
        self.env = env
        self.sc = scenario
        self.plan = plan
        self.clock = clock
        self.ledger = ledger
        n = plan.n
        w = scenario.works
        # Per-site draws made up front, indexed by plan position: common random numbers across options.
        z_permit = stream(seed, replication, "rollout.permit").standard_normal(n)
        z_lead = stream(seed, replication, "rollout.lead_time").standard_normal(n)
        z_work = stream(seed, replication, "rollout.team_days").standard_normal(n)
        # the one delay model (dxsim.delay) with each site's own (p50, sigma): one exp per site
        self.permit_days = lognormal_days(
            np.where(plan.is_new, w.new_site_permit.p50_days, w.upgrade_permit.p50_days),
            np.where(plan.is_new, w.new_site_permit.sigma, w.upgrade_permit.sigma),
            z_permit,
        )
        self.lead_days = scenario.supply.lead_time.draws(z_lead)
        self.team_days = lognormal_days(
            np.where(plan.is_new, w.new_site_team_days.p50_days, w.upgrade_team_days.p50_days),
            np.where(plan.is_new, w.new_site_team_days.sigma, w.upgrade_team_days.sigma),
            z_work,
        )
        costs = scenario.costs
        capex = np.where(plan.is_new, costs.capex_vnd_bn(True), costs.capex_vnd_bn(False))
        self.equipment_vnd_bn = np.where(
            plan.is_new, costs.equipment_vnd_bn(True), costs.equipment_vnd_bn(False)
        )
        shares = np.array(
            [scenario.operators[o].start_share_5g_pct if o in scenario.operators else 0.0 for o in OPERATORS]
        )
        op = plan.operator.astype(np.int8) if plan.operator is not None else _deal_to_operators(n, shares)
        self.people_served = plan.people_served if plan.people_served is not None else np.full(n, np.inf)
        nan = np.full(n, np.nan)
        n_start = min(n_start, n)
        on_air = nan.copy()
        on_air[:n_start] = -1.0
        ordered = np.zeros(n, dtype=bool)
        ordered[:n_start] = True
        self.state = RolloutState(
            operator=op,
            order_day=nan.copy(),
            plan_day=nan.copy(),
            permit_done_day=nan.copy(),
            equipment_due_day=nan.copy(),
            delivered_day=nan.copy(),
            crew_start_day=nan.copy(),
            on_air_day=on_air,
            capex_vnd_bn=capex,
            ordered=ordered,
            surge=np.zeros(n, dtype=bool),
            crew_work_done=np.zeros(len(REGIONS)),
            crew_capacity=np.zeros(len(REGIONS)),
            busy_until=np.zeros(len(REGIONS)),
        )
        self.n_start = n_start
        # % of the start network accepted inside subsidy.window_start's window (each operator's by its share)
        self._start_in_window_pct = anchor_in_window_pct(
            n_start, scenario.start_state.stations_5g_at_window_start
        )
        self.n_start_by_op = np.bincount(op[:n_start].astype(np.int64), minlength=len(OPERATORS))
        # each operator's own sites in its own order (the national order within an operator)
        self.op_sites = [np.flatnonzero(op == k) for k in range(len(OPERATORS))]
        # a planner's rows dated for later (sites.planned_dates = "hold") wait outside their operator's queue until
        # their release day (_release_held)
        self.held_back = self._held_back_sites(ordered)
        self.op_sites = [sites[~self.held_back[sites]] for sites in self.op_sites]
        self._op_next = [int(np.searchsorted(s, n_start)) for s in self.op_sites]
        # per operator, (op_sites[k], its sites unordered at the last full scan): a site once ordered stays
        # ordered, so later scans need only filter this list while op_sites[k] is the same array (remaining)
        self._op_rest: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(OPERATORS)
        # per operator, for the month's orders without support (_order_window): (op_sites[k], its sites unordered at
        # the last full scan, those of them whose business case passes, [first unordered position in each], the loss)
        self._op_heads: list[tuple[np.ndarray, np.ndarray, np.ndarray, list[int], float] | None] = [
            None
        ] * len(OPERATORS)
        # per operator, (op_sites[k], its sites whose business case passes without support, the position in them
        # before which all are ordered): the sites it would order next (_passing_head)
        self._passing: list[tuple[np.ndarray, np.ndarray, int] | None] = [None] * len(OPERATORS)
        # Sites waiting for their kit, and delivered sites not yet taken by a crew (positions, ascending):
        # the weekly works scan only these (a few thousand), not every site ordered so far. Aligned with them,
        # what the weekly passes read of each (rollout_kernel.deliver / install): a kit's due day and whether it
        # needs no factory capacity; a delivered site's ready day, region and team-days.
        self._kit_wait = np.zeros(0, dtype=np.int64)
        self._kit_due = np.zeros(0)
        self._kit_free = np.zeros(0, dtype=bool)
        self._crew_wait = np.zeros(0, dtype=np.int64)
        self._crew_ready = np.zeros(0)
        self._crew_region = np.zeros(0, dtype=np.int64)
        self._crew_work = np.zeros(0)
        self.committed = 0  # sites a crew has taken (on_air_day set), excluding the start sites
        self.capex_ordered_vnd_bn = 0.0  # capex of the sites ordered in the run (the ledger's 5G commitments)
        # sites a crew has taken that may still be live for held_site_days: every one whose on-air day is not before
        # `_held_from` (the start of the last month attributed), unsorted
        self._taken_recent = np.zeros(0, dtype=np.int64)
        self._held_from = 0.0
        # every site a crew has taken (its on_air_day set), week by week, for the readers that switch sites on when
        # their day comes (the Monitor): they keep a position in it instead of scanning the plan every month
        self.taken_log: list[np.ndarray] = []
        self._supply_carry = 0.0
        self.stock_kits = int(scenario.supply.deliveries_per_month * scenario.surge.stock_months_of_supply)
        self._contract: list[tuple[float, float, int, float]] = []  # (from, to, region, teams)
        self.subsidy_paid_vnd_bn = 0.0
        self.support_paid_by_programme: dict[str, float] = {}  # VND bn paid so far, per programme name
        # what operators claimed beyond a programme's fund (paid programmes): > 0 means a fund's cap binds
        self.support_claims_over_fund_vnd_bn = 0.0
        self.subsidy_events: list[tuple[float, str, float]] = []
        self.surge_events: list[dict[str, Any]] = []
        self.surge_premium_vnd_bn = 0.0
        # order-side attribution of the current month, sites per (cause, region), and the spare profitable
        # sites beyond the pace per region (held by targets when crews stand idle)
        self.held_orders = np.zeros((len(HELD_CAUSES), len(REGIONS)))
        self.spare_by_region = np.zeros(len(REGIONS))
        # this month's operators: ordering, stopped by their pace with more sites they would build and could pay
        # for (the target binds), or cut by their budget
        self.orders_month = {"operators": 0, "pace_bound": 0, "budget_bound": 0}
        # each operator that ordered this month: (its announced pace stopped it, its budget cut it), 0 or 1 each
        self.orders_month_by_operator: dict[str, tuple[int, int]] = {}
        self._rainy = {
            r: set(scenario.seasons[r].rainy_months) if r in scenario.seasons else set() for r in REGIONS
        }
        self._rainy_factor = {
            r: (scenario.seasons[r].rainy_productivity_pct / 100.0 if r in scenario.seasons else 1.0)
            for r in REGIONS
        }
        # each region's own crew teams (the monitor reads it: a region without crews has none idle)
        self.teams = np.array([scenario.crews[r].teams if r in scenario.crews else 0 for r in REGIONS], float)
        self.programmes = programmes(scenario)
        # where each programme pays: everywhere, or in its provinces (a province's own money)
        if any(p.provinces for p in scenario.supports):
            check_support_provinces(scenario.supports, province_codes)
        self._in_area = {p.name: in_provinces(p, plan.province_idx, province_codes) for p in self.programmes}
        # the stations each programme supports (of its kind, in its provinces), and the start stations there
        self._eligible = {
            p.name: eligible_kind(p, plan.is_new) & self._in_area[p.name] for p in self.programmes
        }
        start_op = op[:n_start].astype(np.int64)
        self._n_start_in_area = {
            p.name: np.bincount(start_op[self._in_area[p.name][:n_start]], minlength=len(OPERATORS))
            for p in self.programmes
        }
        # each site's business case without support, for its own operator (support is added per month)
        sub_share = np.array(
            [
                scenario.operators[o].subscriber_share_pct if o in scenario.operators else 0.0
                for o in OPERATORS
            ]
        )
        # the operator's share per site: elementwise the same arithmetic as one call per operator with its share
        self.base_npv_vnd_bn = site_npv_vnd_bn(
            self.people_served, capex, sub_share[op], scenario.business_case
        )
        # a planner's dated row held to its date (sites.planned_dates = "hold") is the planner's decision: ordered when
        # its day comes whatever its business case (a sparse province's rows dated 2029, with no support left then,
        # failed it and were never built)
        if plan.planned_on_air_day is not None:
            self.base_npv_vnd_bn[np.isfinite(plan.planned_on_air_day)] = np.inf
        # what each plan site would claim from each programme if its operator qualifies (VND bn), and what a start
        # station that counts claims (an upgrade's equipment, no people newly covered)
        people = np.where(np.isfinite(self.people_served), self.people_served, 0.0)
        self._claim_each = {
            p.name: per_station_vnd_bn(p, plan.is_new, self.equipment_vnd_bn, people, self._in_area[p.name])
            for p in self.programmes
        }
        self._start_claim_each = {
            p.name: float(
                per_station_vnd_bn(
                    p, np.zeros(1, bool), np.array([scenario.costs.upgrade_equipment_vnd_bn]), np.zeros(1)
                )[0]
            )
            for p in self.programmes
        }
        # per (operator, day): the programmes it can join with the share of claims their funds are expected to pay
        self._support_cache: dict[tuple[int, float], list[tuple[Support, float]]] = {}
        self.n_warm = 0  # sites in flight at the start (warm start)
        self.ordered_for_support = (
            0  # sites whose business case crossed the line only with support (cumulative)
        )
        # the default times (scaled by this replication's draws): the sites in flight were ordered under them, and
        # the operators' habitual order-to-air time, which their ordering calendar keeps (_plan_lag_days)
        self.history = history or PipelineHistory(works=w, lead_time=scenario.supply.lead_time)
        self._warm_start(seed, replication, self.history, (z_permit, z_lead, z_work))
        self._count_pipeline_in_plans()
        # per (operator, programme) it committed to: (kits held for the commitment, the day they arrive)
        self.commitment_kits = self._commitment_kits(seed, replication)

    def _held_back_sites(self, ordered: np.ndarray) -> np.ndarray:
        """Which sites wait outside their operator's queue at the start (bool per site), and each operator's release
        days (`_release_day`, ascending, with `_release_sites`).

        A planner's row dated for later under sites.planned_dates = "hold" is released on its date less its median
        order-to-air days (_p50_build_days: the operator plans it on air on its date), in the month round before
        that day; one whose release day is not after the start is in the queue from the start, as are all others.
        Why out of the queue rather than skipped in it: the queue's head is where each month's orders, surges and
        projections look, and a held site there would be read by each of them."""
        n = self.plan.n
        held = np.zeros(n, dtype=bool)
        self._release_day: list[np.ndarray] = [np.zeros(0)] * len(OPERATORS)
        self._release_sites: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(OPERATORS)
        nb = self.plan.planned_on_air_day
        if nb is None:
            return held
        release: np.ndarray = nb - self._p50_build_days(np.arange(n))
        held = np.asarray(np.isfinite(release) & (release > 0.0) & ~ordered, dtype=bool)
        for k in range(len(OPERATORS)):
            sites = np.flatnonzero(held & (self.state.operator == k))
            order = np.argsort(release[sites], kind="stable")  # ties in plan order
            self._release_sites[k], self._release_day[k] = sites[order], release[sites[order]]
        return held

    def _release_held(self, k: int, nxt: float) -> None:
        """Put operator k's held sites whose release day falls before the next round (`nxt`, the next month start) at
        the head of its queue, in plan order: ordered in this round, still subject to the pace and the budget, they
        are planned on air by their dates (a month later, had they waited for the round after their release day)."""
        due = int(np.searchsorted(self._release_day[k], nxt, side="left"))
        if due == 0:
            return
        sites = np.sort(self._release_sites[k][:due])
        self._release_sites[k], self._release_day[k] = (
            self._release_sites[k][due:],
            self._release_day[k][due:],
        )
        self.held_back[sites] = False
        self.bring_forward(k, sites)

    def _commitment_kits(self, seed: int, replication: int) -> dict[tuple[int, str], tuple[int, float]]:
        """Per (operator, programme) it committed to (Operator.committed_to): (kits it holds for the commitment,
        the day they arrive, days from the start).

        A committed operator tenders for its commitment's kits when the window opens and imports them on a schedule:
        they arrive `surge.commitment_tender_days` after the opening plus one draw of the vendors' lead time. It holds
        what the commitment still needs at the start, the threshold less the stations it counts then (built or in
        flight with the commitment's kits). Why: with only the shared stock of two months' national deliveries,
        the baseline refused Viettel's Resolution 193 surge on kits in 3 of 10 replications and on crews in 2; it
        ended 2025 with 20,000 stations nationally where >35,000 were reported (2026-12-06). Viettel's first kits for
        its 2025 plan were imported in August 2025 (thanhnien.vn 2025-09-19)."""
        out: dict[tuple[int, str], tuple[int, float]] = {}
        tender_days = self.sc.surge.commitment_tender_days
        for p in self.programmes:
            if p.min_stations_per_operator <= 0 or p.site_kind == "new":
                continue
            first, end = window_days(p, self.clock.start)
            if end <= 0.0:
                continue  # the window closed before the start
            for k, name in enumerate(OPERATORS):
                op = self.sc.operators.get(name)
                if op is None or p.name not in op.committed_to:
                    continue
                kits = max(0, math.ceil(p.min_stations_per_operator - self._counted(k, p, end) - 1e-9))
                z = stream(seed, replication, f"rollout.commitment_kits.{name}.{p.name}").standard_normal(1)
                out[(k, p.name)] = (kits, first + tender_days + float(self.sc.supply.lead_time.draws(z)[0]))
        return out

    def own_kits(self, k: int, programme: str, day: float) -> int:
        """Kits operator k holds on `day` for its commitment to `programme` (0 before they arrive, or uncommitted)."""
        kits, arrive = self.commitment_kits.get((k, programme), (0, math.inf))
        return kits if arrive <= day else 0

    # ----------------------------------------------------------------- warm start
    def _count_pipeline_in_plans(self) -> None:
        """Count the sites in flight at the start toward the year their operator plans them on air, when its targets
        count stations on air (target_counts): their order day plus their p50 order-to-air days, or the start if that
        is past. Why: an operator's plan for the start year (pro rata from the start) and the next is met by what
        its pipeline brings on air and by its new orders together. Counting only new orders, a start on 31 December
        would order all of 2026 on top of the pipeline's 2026 landings; cutting the plan from the start plus the
        order-to-air time instead cut a whole 2026 to 86% from that start, and in a replication whose lead time drew
        80 days from 31 October too (trial of target_counts)."""
        st = self.state
        warm = np.flatnonzero(st.order_day < 0)  # NaN (not ordered, or on air at the start) compares False
        for k, name in enumerate(OPERATORS):
            op = self.sc.operators.get(name)
            if op is None or op.target_counts == "orders":
                continue
            mine = warm[st.operator[warm] == k]
            st.plan_day[mine] = np.maximum(st.order_day[mine] + self._p50_build_days(mine), 0.0)
            day0 = np.datetime64(self.clock.start, "D")
            dates = day0 + np.floor(st.plan_day[mine]).astype("timedelta64[D]")
            years, n = np.unique(dates.astype("datetime64[Y]").astype(np.int64) + 1970, return_counts=True)
            for year, count in zip(years.tolist(), n.tolist(), strict=True):
                st.ordered_by_op_year[(name, year)] = st.ordered_by_op_year.get((name, year), 0) + count

    def _warm_start(
        self,
        seed: int,
        replication: int,
        history: PipelineHistory,
        z: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        """Fill the pipeline with the sites ordered before the start that are not on air yet.

        Which sites those are, and when their permits and kits came or come, follow `history` (the times they were
        ordered under), with each site's own draws (common random numbers); their crew work, still to come, takes the
        scenario's time."""
        rate_per_day = self.sc.start_state.pipeline_build_rate_5g_per_month / AVG_MONTH_DAYS
        st = self.state
        lo = self.n_start
        if rate_per_day <= 0 or lo >= self.plan.n:
            return
        w = history.works
        longest = (
            3.0 * max(w.new_site_permit.p90_days, history.lead_time.p90_days)
            + 3.0 * w.new_site_team_days.p90_days
        )
        m = min(self.plan.n - lo, int(math.ceil(rate_per_day * longest)) + 1)
        # the next sites of the plan, but none a planner's date holds back (sites.planned_dates = "hold")
        cand = (
            lo + np.flatnonzero(~self.held_back[lo:])[:m] if self.held_back.any() else np.arange(lo, lo + m)
        )
        m = cand.size
        u = stream(seed, replication, "rollout.warm_start").random(m)
        ago = (np.arange(m) + u) / rate_per_day  # days before the start each was ordered
        new = self.plan.is_new[cand]
        z_permit, z_lead, z_work = (a[cand] for a in z)
        permit = lognormal_days(
            np.where(new, w.new_site_permit.p50_days, w.upgrade_permit.p50_days),
            np.where(new, w.new_site_permit.sigma, w.upgrade_permit.sigma),
            z_permit,
        )
        lead = history.lead_time.draws(z_lead)
        work = lognormal_days(
            np.where(new, w.new_site_team_days.p50_days, w.upgrade_team_days.p50_days),
            np.where(new, w.new_site_team_days.sigma, w.upgrade_team_days.sigma),
            z_work,
        )
        still = np.maximum(permit, lead) + work > ago
        flight, ago = cand[still], ago[still]
        if flight.size == 0:
            return
        st.ordered[flight] = True
        st.order_day[flight] = -ago
        st.permit_done_day[flight] = -ago + permit[still]
        st.equipment_due_day[flight] = -ago + lead[still]
        self._kit_wait = np.sort(flight)
        self._kit_due = st.equipment_due_day[self._kit_wait]
        self._kit_free = st.surge[self._kit_wait] | (self._kit_due < 0)
        self.n_warm = int(flight.size)

    # ----------------------------------------------------------------- processes
    def start(self) -> None:
        self.env.process(self.planner())
        self.env.process(self.weekly_works())
        for p in self.programmes:
            if self._paid_within_horizon(p):
                self.env.process(self.support_payment(p))

    def _paid_within_horizon(self, p: Support) -> bool:
        """Whether programme p's payment day (the day after window_end) falls inside the run; else what it has earned
        is accrued (support_accrued). Why: a window closing on the horizon's last day (a `[[supports]]` with the
        default window_end 2030-12-31 in a run to 2030-12-31) is paid the day after the run stops, so it was neither
        paid nor accrued: 63,000 bn of claims showed as 0 support."""
        _, end = window_days(p, self.clock.start)
        return 0 <= end - 1 and end <= self.clock.horizon_days

    def planner(self) -> Generator[simpy.Event, Any, None]:
        """Operators decide their orders at each month start."""
        month_i = 0
        while True:
            day = self.env.now
            d = self.clock.date(day)
            nxt = self.clock.next_month_start(day)
            # the share of this month still ahead (1 at a month start; 1/31 on a 31 October start)
            this_month = (nxt - day) / calendar.monthrange(d.year, d.month)[1]
            ops = [o for o in OPERATORS if o in self.sc.operators]
            if ops:
                k = month_i % len(ops)
                ops = ops[k:] + ops[:k]  # rotate who orders first each month
            self.held_orders[:] = 0.0
            self.spare_by_region[:] = 0.0
            self.orders_month = {"operators": 0, "pace_bound": 0, "budget_bound": 0}
            self.orders_month_by_operator = {}
            for name in ops:
                self._release_held(OPERATORS.index(name), nxt)
                self._surge(name, day, nxt)
                plan_day, months_left = self._plan_months(OPERATORS.index(name), day)
                self._order(name, plan_day, months_left, day, this_month)
            month_i += 1
            if nxt > self.clock.horizon_days:
                return
            yield self.env.timeout(nxt - day)

    def _target(self, name: OperatorName, year: int) -> float:
        """The operator's announced new 5G stations for `year`; in the start year the part after the start (pro
        rata)."""
        op = self.sc.operators[name]
        return op.value_for_year(op.annual_new_5g_sites, year) * year_share_left(self.clock.start, year)

    def _plan_lag_days(self, k: int, day: float) -> float:
        """How many days ahead of its stations going on air operator k orders them (target_counts): 0 when its
        targets count orders; else the mean p50 order-to-air days (_p50_build_days) of the next month of sites it
        would order (a month of the year's target, at least one site): the next sites of its plan whose business
        case passes without support, or, if none does, its next sites; 0 once its plan is all ordered. Why those:
        upgrades come first (~47 days at the defaults) and late in a plan of new sites it orders ~132 days ahead,
        but the new sites that fail their business case stay at the head of the plan unordered; averaged in, they
        made it order upgrades 135 days ahead, which went on air the year before they counted for (trial).

        Each site's days are the longer of the scenario's and the habitual ones (the default times, `history`): a
        slower chain makes an operator order earlier, a faster one brings its stations on air sooner rather than
        letting it order later. Planned back with a faster chain's own time, a year's first round moved a month later
        (2026's from 1 December to 1 January, halved kit lead times) and fewer stations were on air from January to
        June in every year (lever audit, 2026-12-07)."""
        name = OPERATORS[k]
        op = self.sc.operators.get(name)
        if op is None or op.target_counts == "orders":
            return 0.0
        n = max(1, math.ceil(op.value_for_year(op.annual_new_5g_sites, self.clock.year_of(day)) / 12.0))
        sites = self._passing_head(k, n)
        if sites.size == 0:
            sites = self.remaining(k, n)
        if not sites.size:
            return 0.0
        habitual = self._p50_build_days(sites, self.history.works, self.history.lead_time)
        return float(np.maximum(self._p50_build_days(sites), habitual).mean())

    def _passing_head(self, k: int, n: int) -> np.ndarray:
        """The next `n` unordered sites of operator k's plan whose business case passes without support, in its
        order. Kept as the plan's passing sites and a position before which all are ordered (a site once ordered
        stays so), rebuilt when bring_forward makes a new plan: late in the plan most sites fail, and scanning the
        rest of it every month for the few that pass cost ~1 ms an operator."""
        sites = self.op_sites[k]
        kept = self._passing[k]
        if kept is None or kept[0] is not sites:
            floor_npv = -self.sc.business_case.accepted_loss_vnd_bn_per_site
            kept = (sites, sites[self.base_npv_vnd_bn[sites] >= floor_npv], 0)
        _, passing, i = kept
        ordered = self.state.ordered
        step = 1024  # thousands are ordered a month: skip them block by block, not site by site
        while i < passing.size:
            block = ordered[passing[i : i + step]]
            if not block.all():
                i += int(np.argmin(block))  # the first unordered one
                break
            i += block.size
            step *= 2
        self._passing[k] = (sites, passing, i)
        span = 2 * n
        while True:
            head: np.ndarray = passing[i : i + span]
            head = head[~ordered[head]]
            if head.size >= n or i + span >= passing.size:
                return head[:n]
            span *= 4

    def _plan_months(self, k: int, day: float) -> tuple[float, float]:
        """(the day operator k plans its orders of today on air, the months left in that day's year counting its
        month by the share still ahead): the calendar its targets are paced on, so a year's orders stop one
        order-to-air time (_plan_lag_days) before its end. The plan day's year is the year the orders count for and
        whose budget pays them. With no lag, the day itself and the months left in its year.

        A plan day never skips a year whose target is not yet ordered: if this round's plan day falls after the end of
        a year from today's on that still lacks orders (the lag grew since the last round, from 53 to 63 days in a
        trial, and 486 stations of a year were never ordered), the round orders that year's rest, planned on air on
        its last day. Not when that year's budget cannot pay its next site: the rest will never be ordered, and
        waiting for it stopped the next year's orders for two rounds (VNPT's targets raised past its budget ordered
        nothing on 1 November and 1 December 2026, and was 357-534 stations short into mid-2027: lever audit)."""
        name = OPERATORS[k]
        plan_day = day + self._plan_lag_days(k, day)
        d = self.clock.date(plan_day)
        for year in range(self.clock.year_of(day), d.year):
            if self.state.ordered_by_op_year.get((name, year), 0) < math.ceil(
                self._target(name, year) - 1e-9
            ) and self._can_pay_next(k, year):
                last = self.clock.day(dt.date(year, 12, 31))
                return last, (self.clock.next_month_start(last) - last) / 31.0
        ahead = (self.clock.next_month_start(plan_day) - plan_day) / calendar.monthrange(d.year, d.month)[1]
        return plan_day, ahead + (12 - d.month)

    def _can_pay_next(self, k: int, year: int) -> bool:
        """Whether operator k's budget of `year` can still pay the next site it would order: the next of its plan
        whose business case passes without support (as _plan_lag_days takes them), else its next."""
        nxt = self._passing_head(k, 1)
        if not nxt.size:
            nxt = self.remaining(k, 1)
        return bool(nxt.size) and self.ledger.available(OPERATORS[k], year) >= float(
            self.state.capex_vnd_bn[nxt[0]]
        )

    def remaining(self, k: int, limit: int | None = None) -> np.ndarray:
        """The operator's sites not yet ordered, in its own order (the first `limit` of them, or all).

        Read-only: the result may be (a view of) the list kept from the last full scan. Late in the plan
        the planner scans the whole rest of it every month, and that list holds only what was left then."""
        sites = self.op_sites[k]
        i = self._op_next[k]
        ordered = self.state.ordered
        while i < sites.size and ordered[sites[i]]:
            i += 1
        self._op_next[k] = i
        # absent on a bare stand-in (tests/test_capacity.py)
        cache: list[tuple[np.ndarray, np.ndarray] | None] | None = getattr(self, "_op_rest", None)
        rest: np.ndarray = sites[i:]
        kept = cache[k] if cache is not None else None
        if kept is not None and kept[0] is sites:
            rest = kept[1]  # the unordered sites of sites[i:] and some ordered since, in the same order
        if limit is not None:  # most months need only the head of the plan: scan a growing prefix
            span = 2 * limit
            while span < rest.size:
                head: np.ndarray = rest[:span]
                head = head[~ordered[head]]
                if head.size >= limit:
                    return head[:limit]
                span *= 4
        rest = rollout_kernel.splice(rest[:0], rest[:0], rest, ordered)  # rest[~ordered[rest]], one pass
        if cache is not None:
            cache[k] = (sites, rest)
        return rest if limit is None else rest[:limit]

    def bring_forward(self, k: int, sites: np.ndarray) -> np.ndarray:
        """Move these sites of operator k to the head of its queue, in the given order (where cells are capacity-short,
        dxsim.sim.capacity): they are ordered first, still subject to the pace, the business case and the budget.
        Returns the sites moved (those not yet ordered)."""
        sites = np.asarray(sites, dtype=np.int64)
        # a site a planner's date still holds back is not brought forward (it joins the queue on its release day)
        front: np.ndarray = sites[~self.state.ordered[sites] & ~self.held_back[sites]]
        if front.size == 0:
            return front
        i = self._op_next[k]
        old = self.op_sites[k]
        moved = np.zeros(
            self.state.ordered.size, dtype=bool
        )  # np.isin(x, front) as a lookup: no sort of the rest
        moved[front] = True
        none = front[:0]
        self.op_sites[k] = rollout_kernel.splice(
            old[:i], front, old[i:], moved
        )  # old[:i], front, the rest without front
        # the lists kept from the last scans (remaining, _order_window) become lists of the new queue's rest: the
        # sites moved, then the list without them; no full scan of the new queue next time
        new = self.op_sites[k]
        rest_cache = getattr(self, "_op_rest", None)  # absent on a bare stand-in (tests/test_capacity.py)
        if rest_cache is not None and rest_cache[k] is not None and rest_cache[k][0] is old:
            rest_cache[k] = (new, rollout_kernel.splice(none, front, rest_cache[k][1], moved))
        heads = getattr(self, "_op_heads", None)
        if heads is not None and heads[k] is not None and heads[k][0] is old:
            _, kept, passing, _, loss = heads[k]
            heads[k] = (
                new,
                rollout_kernel.splice(none, front, kept, moved),
                rollout_kernel.splice(none, front[self.base_npv_vnd_bn[front] >= -loss], passing, moved),
                [0, 0],
                loss,
            )
        return front

    def _open_programmes(self, k: int, day: float) -> list[tuple[Support, float]]:
        """Programmes operator k can still join today whose threshold it expects to meet (once per month), each with
        the share of its claims the fund is expected to pay (`_fund_share`)."""
        key = (k, day)
        if key not in self._support_cache:
            out = []
            for p in self.programmes:
                _, end = window_days(p, self.clock.start)
                if day >= end:
                    continue
                if p.min_stations_per_operator > 0 and self._counted(k, p, end) < p.min_stations_per_operator:
                    continue  # a threshold not (yet) met is weighed by the surge decision, not site by site
                out.append((p, self._fund_share(p, end)))
            self._support_cache = {key: out}
        return self._support_cache[key]

    def _support_now(self, k: int, sites: np.ndarray, day: float) -> np.ndarray:
        """Support a site ordered today can expect: programmes it can join in time, thresholds expected to be met,
        each station's amount times the share of the claims its fund is expected to pay."""
        progs = self._open_programmes(k, day)
        if not progs:
            return np.zeros(sites.size)
        eta = day + self._p50_build_days(sites)
        total = np.zeros(sites.size)
        for p, share in progs:
            first, end = window_days(p, self.clock.start)
            amount = self._claim_each[p.name][sites] * share
            total += np.where((eta >= first) & (eta < end), amount, 0.0)
        return total

    def _p50_build_days(
        self, sites: np.ndarray, works: Works | None = None, lead_time: DelayDays | None = None
    ) -> np.ndarray:
        """Each site's days from order to on air at the median delays, as an operator plans them: the longer of its
        permit and the kit lead time, then the crew's days on site; at the scenario's times, or at `works` and
        `lead_time` (the habitual ones, _plan_lag_days)."""
        w = works or self.sc.works
        lead = (lead_time or self.sc.supply.lead_time).p50_days
        build_days: np.ndarray = np.where(
            self.plan.is_new[sites],
            max(w.new_site_permit.p50_days, lead) + w.new_site_team_days.p50_days,
            max(w.upgrade_permit.p50_days, lead) + w.upgrade_team_days.p50_days,
        )
        return build_days

    def _finite_people(self, sites: np.ndarray) -> np.ndarray:
        p = self.people_served[sites]
        return np.where(np.isfinite(p), p, 0.0)

    def _npv(self, name: str, k: int, sites: np.ndarray, day: float) -> np.ndarray:
        """Each site's business case for its operator today (support it can expect included)."""
        npv: np.ndarray = self.base_npv_vnd_bn[sites]
        if self._open_programmes(
            k, day
        ):  # else no support to add (late in the plan `sites` is all the rest of it)
            npv += self._support_now(k, sites, day)
        return npv

    def _order(
        self, name: OperatorName, plan_day: float, months_left: float, day: float, this_month: float = 1.0
    ) -> int:
        """Order the operator's sites in this month's round (day): its pace toward the target of the plan day's year
        (_plan_months) over `months_left`, of which this round is `this_month`, within that year's budget."""
        st = self.state
        year = self.clock.year_of(plan_day)
        k = OPERATORS.index(name)
        target = self._target(name, year)
        done = st.ordered_by_op_year.get((name, year), 0)
        pace = monthly_pace(target, done, months_left, this_month)
        asked = pace
        pace = min(pace, self._kit_room())
        held_kits = asked - pace  # the pace the vendors' backlog leaves unordered this month
        loss = self.sc.business_case.accepted_loss_vnd_bn_per_site
        spare_cap = pace  # one more month of pace
        if not self._open_programmes(
            k, day
        ):  # no support: the business case is the static one (_order_window)
            window = self._order_window(k, pace, pace + spare_cap, loss)
            npv = self.base_npv_vnd_bn[window]
            ok = np.flatnonzero(npv >= -loss)
        else:
            size = max(4 * pace, 2048)
            window = self.remaining(k, size)
            npv = self._npv(name, k, window, day)
            ok = np.flatnonzero(npv >= -loss)
            if ok.size < pace + spare_cap and window.size == size:
                window = self.remaining(k)
                npv = self._npv(name, k, window, day)
                ok = np.flatnonzero(npv >= -loss)
        # choose_orders reads the first `pace` sites (those asked for) and the first pace + spare_cap sites worth
        # building: cut the window after the last of them (late in the plan the whole rest of it is scanned to
        # find them, and cutting changes no order)
        need = min(ok.size, pace + spare_cap)
        cut = max(min(pace, window.size), int(ok[need - 1]) + 1 if need else 0)
        window, npv = window[:cut], npv[:cut]
        # capex is phased evenly over the months left in the year (an operator does not spend its year's budget
        # in the first months and then stop)
        month_budget = self.ledger.available(name, year) * this_month / max(months_left, this_month, 1e-9)
        orders = choose_orders(
            window,
            npv,
            st.capex_vnd_bn[window],
            pace,
            month_budget,
            spare_cap=spare_cap,
            accepted_loss_vnd_bn=loss,
        )
        self._attribute_orders(orders, window, pace)
        if held_kits:  # held by kit deliveries: a stage of the pipeline, spread like the sites asked for
            self._attribute_held(window[:pace] if pace else window[:1], "deliveries", held_kits)
        pace_bound = int(pace > 0 and not held_kits and orders.picked.size == pace and orders.spare.size > 0)
        budget_bound = int(orders.held_budget > 0)
        self.orders_month["operators"] += 1
        self.orders_month["pace_bound"] += pace_bound
        self.orders_month["budget_bound"] += budget_bound
        self.orders_month_by_operator[name] = (pace_bound, budget_bound)
        picked = orders.picked
        # sites ordered only because of support: without it their business case loses more than accepted
        self.ordered_for_support += int((self.base_npv_vnd_bn[picked] < -loss).sum())
        if picked.size == 0:
            return 0
        self._place(picked, day, name, plan_day, lead=self.lead_days[picked])
        st.ordered_by_op_year[(name, year)] = done + picked.size
        return int(picked.size)

    def _order_window(self, k: int, pace: int, want: int, loss: float) -> np.ndarray:
        """The sites of operator k's remaining plan that choose_orders reads when no support is open (every npv is the
        static base_npv_vnd_bn): its first `pace` sites (those asked for), then the sites whose business case passes
        (npv >= -loss) after them up to the `want`-th passing one overall.

        The same orders, held counts and spare sites as the remaining plan cut after that site (_order): the sites
        left out fail the business case and lie past the first `pace`, where choose_orders only reads passing ones.
        Why: late in the plan most of what is left fails its business case, and scanning all of it every month
        (tens of thousands of sites) cost more than the month's orders; here only the head of the plan and the
        passing sites are visited (rollout_kernel.order_window).
        """
        sites = self.op_sites[k]
        head = self._op_heads[k]
        if (
            head is None or head[0] is not sites or head[4] != loss
        ):  # first month, or bring_forward changed the queue
            rest = self.remaining(k)
            passing = rest[self.base_npv_vnd_bn[rest] >= -loss]
            head = self._op_heads[k] = (sites, rest, passing, [0, 0], loss)
        _, rest, passing, ptr, _ = head
        window, ptr[0], ptr[1] = rollout_kernel.order_window(
            rest, ptr[0], passing, ptr[1], self.state.ordered, self.base_npv_vnd_bn, -loss, pace, want
        )
        return window

    def _kit_room(self) -> int:
        """Sites the operators may still order this month without holding more kits on order than the vendors
        deliver over a P90 lead time, or over a month if that is shorter (supply.deliveries_per_month x
        lead_time.p90_days): an operator does not order kits its vendors cannot deliver within a normal lead time.
        Kits from stock (surge) and the warm start's kits already due are not on the vendors' books.

        Why: with 300 kits a month the operators kept ordering at their yearly pace, 57,676 sites waited for kits at
        the end (about 16 years of supply) and 74,962 bn VND of capex was committed for them (modelling audit). With
        the baseline's 12,000 kits a month the room (~35,000 kits) is never reached."""
        sup = self.sc.supply
        # at least a month of deliveries: the operators order monthly (with no lead time, kits come the same week)
        cap = sup.deliveries_per_month * max(sup.lead_time.p90_days / AVG_MONTH_DAYS, 1.0)
        on_books = int((~self._kit_free).sum())
        return max(0, int(math.floor(cap)) - on_books)

    def _attribute_held(self, asked: np.ndarray, cause: str, n: float) -> None:
        """`n` sites held back on the order side by `cause`, spread over regions like the sites `asked` for."""
        regions = self.plan.region_idx
        mix = (
            np.bincount(regions[asked], minlength=len(REGIONS)) / asked.size
            if asked.size
            else np.full(len(REGIONS), 1.0 / len(REGIONS))
        )
        self.held_orders[HELD_CAUSES.index(cause)] += n * mix

    def _attribute_orders(self, orders: Orders, window: np.ndarray, pace: int) -> None:
        """Sites held back on the order side this month, spread over regions like the sites asked for."""
        for cause, n in (
            ("business_case", orders.held_business_case),
            ("budget", orders.held_budget),
            ("plan", orders.held_plan),
        ):
            if n:
                self._attribute_held(window[:pace], cause, n)
        if orders.spare.size:
            self.spare_by_region += np.bincount(self.plan.region_idx[orders.spare], minlength=len(REGIONS))

    def _place(
        self, picked: np.ndarray, day: float, name: str, plan_day: float, lead: np.ndarray, payer: str = ""
    ) -> None:
        """Order `picked` on `day`, planned on air on `plan_day` (its year's budget pays them, or `payer`'s ledger
        line when given): state, ledger, the kits waiting (compiled: rollout_kernel.place)."""
        st = self.state
        st.plan_day[picked] = plan_day
        self._kit_wait, self._kit_due, self._kit_free = rollout_kernel.place(
            np.asarray(picked, dtype=np.int64),
            OPERATORS.index(name),
            float(day),
            np.asarray(lead, dtype=np.float64),
            self.permit_days,
            st.ordered,
            st.operator,
            st.order_day,
            st.permit_done_day,
            st.equipment_due_day,
            st.surge,
            self._kit_wait,
            self._kit_due,
            self._kit_free,
        )
        amount = float(st.capex_vnd_bn[picked].sum())
        self.ledger.commit(payer or name, self.clock.year_of(plan_day), amount)
        self.capex_ordered_vnd_bn += amount

    # ----------------------------------------------------------------- surge
    def _projection(self, k: int, p: Support, end: float) -> tuple[float, float]:
        """(stations, their claims in VND bn) of operator k that count for programme p by its deadline: on air in
        the window, in the start share, or ordered and projected on air in the window before the deadline, in each
        region at most as many as its crews can still install by then (`_crew_reach`)."""
        st = self.state
        first, _ = window_days(p, self.clock.start)
        projected = np.zeros(len(REGIONS), dtype=np.int64)
        projected_claims = np.zeros(len(REGIONS))
        built, claims = rollout_kernel.counted(
            self.op_sites[k],
            self._eligible[p.name],
            st.ordered,
            st.on_air_day,
            st.permit_done_day,
            st.equipment_due_day,
            st.delivered_day,
            self.team_days,
            self._claim_each[p.name],
            self.plan.region_idx,
            float(first),
            float(end),
            projected,
            projected_claims,
        )
        if projected.any():
            reach = self._crew_reach(k, float(self.env.now), end)
            kept = np.minimum(projected, reach)
            claims += float(
                np.sum(
                    projected_claims
                    * np.divide(kept, projected, where=projected > 0, out=np.zeros(len(REGIONS)))
                )
            )
            built += int(kept.sum())
        start_n = start_sites_counted(
            p,
            int(self._n_start_in_area[p.name][k]),
            self.clock.start,
            self._start_in_window_pct,
            self.sc.subsidy.window_start,
        )
        return float(built) + start_n, claims + start_n * self._start_claim_each[p.name]

    def _crew_reach(self, k: int, day: float, end: float) -> np.ndarray:
        """Sites each region's crews (its teams and the surge contract teams at work today) can still install from
        `day` to `end`, at the region's own rain, less the other operators' sites already waiting there for a kit or a
        crew (ahead in the queue), at an upgrade's mean team-days (as `_crew_pick` weighs a surge; a new site takes
        longer, so a programme for new sites is counted a little generously). Why: operator k counted its ordered
        sites as on air by a deadline in a region without crews, surged too little and missed the threshold (central
        teams = 0); it knows its contractors."""
        teams = (self.teams + self.contract_teams(day)) * self._rain_output(day, end)
        waiting = np.concatenate([self._kit_wait, self._crew_wait])
        others = waiting[self.state.operator[waiting] != k]
        ahead = np.bincount(self.plan.region_idx[others], minlength=len(REGIONS))
        days_left = max(0.0, end - day)
        reach = teams * days_left / max(self.sc.works.upgrade_team_days.mean_days, 1e-9) - ahead
        out: np.ndarray = np.floor(np.maximum(reach, 0.0)).astype(np.int64)
        return out

    def _counted(self, k: int, p: Support, end: float) -> float:
        """Stations of operator k that count for programme p by its deadline (`_projection`)."""
        return self._projection(k, p, end)[0]

    def _qualifying_claims(self, p: Support, end: float, but: int = -1) -> float:
        """Claims (VND bn) on programme p by its deadline of the operators projected to reach its threshold (all but
        operator `but`): what the operators can see of the race for its fund at a monthly decision."""
        total = 0.0
        for j in range(len(OPERATORS)):
            if j == but:
                continue
            n, claims = self._projection(j, p, end)
            if n > 0 and n >= p.min_stations_per_operator:
                total += claims
        return total

    def _fund_share(self, p: Support, end: float) -> float:
        """Share of its claims programme p's fund is expected to pay, from the claims projected today: 1 while they
        fit, else pro rata. Why: with only the amount per station in the business case, a 500 bn fund bought the
        same 2,623 loss-making stations as a 100,000 bn one, and the claims ran to 3,573 bn (trial, 2026-12-04)."""
        return pro_rata_share(p.fund_vnd_bn, self._qualifying_claims(p, end))

    def _surge(self, name: OperatorName, day: float, next_day: float) -> None:
        """Weigh every open threshold programme for this operator (dxsim.sim.operators.surge_decision) and
        surge when it decides to; the decision and its reason are recorded (support_decisions.csv)."""
        sc = self.sc
        if not sc.surge.enabled:
            return
        k = OPERATORS.index(name)
        w, sg = sc.works, sc.surge
        fast = (
            max(w.upgrade_permit.p90_days, sg.stock_dispatch_days, sg.contract_mobilisation_days)
            + w.upgrade_team_days.p90_days / self._worst_rain()
        )
        for p in self.programmes:
            if p.min_stations_per_operator <= 0 or p.site_kind == "new":
                continue
            first, end = window_days(p, self.clock.start)
            if day >= end or any(
                e["operator"] == name and e["programme"] == p.name and e["decision"] == "surge"
                for e in self.surge_events
            ):
                continue
            rem = self.remaining(k)
            ups = rem[~self.plan.is_new[rem] & self._in_area[p.name][rem]]  # its own 4G sites where p pays
            days_left = max(0.0, end - day - w.upgrade_permit.p50_days)
            buildable = self._crew_pick(ups, days_left, end)  # those of them the crews can finish in time
            # ... and from the next round, if it waits, weighed as this round's (the crews taken as busy then as now)
            next_left = max(0.0, end - next_day - w.upgrade_permit.p50_days)
            buildable_next = self._crew_pick(ups, next_left, end) if next_day < end else ups[:0]
            counted = self._counted(k, p, end)
            need_guess = max(0, math.ceil(p.min_stations_per_operator - counted))
            # a surge site is on air at max(its permit, the kit from stock) + its work: the share in time is the
            # permit's log-normal at the time left after the work at its p90 in the worst rain (as `fast` plans it)
            slack = end - day - w.upgrade_team_days.p90_days / self._worst_rain()
            on_time = (
                share_within_days(slack, w.upgrade_permit.p50_days, w.upgrade_permit.p90_days)
                if slack >= sg.stock_dispatch_days
                else 0.0
            )
            take = buildable[: surge_size(need_guess, on_time) if on_time > 0 else need_guess]
            amount = per_station_vnd_bn(
                p,
                np.zeros(1, bool),
                self.equipment_vnd_bn[ups[:1]] if ups.size else np.array([sc.costs.upgrade_equipment_vnd_bn]),
                np.array([float(np.mean(self._finite_people(take))) if take.size else 0.0]),
            )[0]
            npv = self._npv(name, k, take, day) if take.size else np.zeros(0)
            own = self.own_kits(k, p.name, day)
            case = SurgeCase(
                day=day,
                deadline_day=end,
                next_decision_day=next_day,
                fast_path_days=fast,
                margin_days=sg.safety_margin_days,
                threshold=p.min_stations_per_operator,
                counted=counted,
                candidates=int(ups.size),
                stock_kits=self.stock_kits + own,
                crew_sites=float(buildable.size),
                budget_vnd_bn=self.ledger.available(
                    name, self.clock.year_of(self._surge_plan_day(name, day, fast))
                ),
                cost_per_site_vnd_bn=sc.costs.capex_vnd_bn(False) + sg.premium_vnd_bn_per_site,
                support_per_station_vnd_bn=float(amount),
                premium_vnd_bn=sg.premium_vnd_bn_per_site,
                loss_vnd_bn=float(
                    np.clip(-npv - sc.business_case.accepted_loss_vnd_bn_per_site, 0, None).sum()
                ),
                on_time_share=on_time,
                fund_vnd_bn=p.fund_vnd_bn,
                others_claims_vnd_bn=self._qualifying_claims(p, end, but=k),
                committed=p.name in sc.operators[name].committed_to,
                first_round=day == 0.0,
                crew_sites_next=float(buildable_next.size),
            )
            decision, n = surge_decision(case)
            if decision in ("wait", "too_late") and any(
                e["operator"] == name and e["programme"] == p.name and e["decision"] == decision
                for e in self.surge_events
            ):
                continue
            self.surge_events.append(
                {
                    "day": day,
                    "operator": name,
                    "programme": p.name,
                    "decision": decision,
                    "need": max(0, math.ceil(p.min_stations_per_operator - counted)),
                    "ordered": n,  # surge sites ordered: the need grossed up for those that would miss the deadline
                    "counted": counted,
                    "support_per_station_vnd_bn": float(amount),
                    "fund_share_expected": case.fund_share(
                        max(0, math.ceil(p.min_stations_per_operator - counted))
                    ),
                    "kits_in_stock": self.stock_kits + own,
                    "kits_own": own,
                }
            )
            if decision == "surge":
                self._surge_order(
                    name, p.name, buildable[:n], day, end, self._surge_plan_day(name, day, fast)
                )

    def _crew_pick(self, ups: np.ndarray, days_left: float, end: float) -> np.ndarray:
        """The upgrades of `ups` (in the operator's order) its surge can give the crews: in each region, as many of
        its next sites there as the region's teams with the surge's contract crews can finish in the `days_left`
        before `end`, at the region's own rain (`_rain_output`), less the sites already waiting there for a kit or a
        crew. Why per region: pooled, a north without crews (teams = 0) still "reached" a surge that put thousands
        of upgrades there, which no crew could install; the operator puts its surge where crews can build it."""
        w, sg = self.sc.works, self.sc.surge
        teams = self.teams * (1.0 + sg.contract_teams_pct / 100.0) * self._rain_output(end - days_left, end)
        waiting = np.bincount(
            self.plan.region_idx[np.concatenate([self._kit_wait, self._crew_wait])], minlength=len(REGIONS)
        )
        reach = teams * days_left / max(w.upgrade_team_days.mean_days, 1e-9) - waiting
        region = self.plan.region_idx[ups]
        # each site's place among the operator's next sites in its region
        rank = np.empty(ups.size, dtype=np.int64)
        for r in range(len(REGIONS)):
            here = region == r
            rank[here] = np.arange(int(here.sum()))
        picked: np.ndarray = ups[rank < np.floor(reach)[region]]
        return picked

    def _worst_rain(self) -> float:
        """The slowest region's rainy-season output (share of dry output): the fast path's p90 plans on it."""
        return min(self._rainy_factor.values()) if self._rainy_factor else 1.0

    def _rain_output(self, day: float, end: float) -> np.ndarray:
        """Each region's mean crew output from `day` to `end` as a share of its dry-season output, day by day from
        its own rainy months. Why not the slowest region's everywhere: a November surge was weighed with the central
        coast's rain (60%) on the north's crews too, whose rains end in October; Viettel's Resolution 193 surge was
        out of reach on crews in 2 of 10 baseline replications (2026-12-06)."""
        out = np.ones(len(REGIONS))
        n_days = int(math.ceil(end - day))
        if n_days <= 0:
            return out
        months = np.array([self.clock.month_of(day + i) for i in range(n_days)])
        for r, region in enumerate(REGIONS):
            rainy = np.isin(months, list(self._rainy[region]))
            out[r] = float(np.where(rainy, self._rainy_factor[region], 1.0).mean())
        return out

    def _surge_plan_day(self, name: OperatorName, day: float, fast_path_days: float) -> float:
        """The day a surge ordered today is planned on air, whose year's budget pays it: today plus its fast path
        when the operator's targets count stations on air (target_counts), else today. Why not the regular orders'
        plan day: surge sites come in weeks, before the deadline; paid from the next year's budget when that plan
        day fell in it (a kit lead time drawn long), Viettel surged 12,000-14,500 stations in November-December
        2025 on its 2026 budget (2 of 10 baseline replications)."""
        on_air = self.sc.operators[name].target_counts == "on_air"
        return day + fast_path_days if on_air else day

    def _surge_order(
        self, name: OperatorName, programme: str, sites: np.ndarray, day: float, end: float, plan_day: float
    ) -> None:
        """Order the surge for `programme`, planned on air on `plan_day`: upgrades with kits from stock (the
        operator's own commitment kits first, then the shared stock), contract crews, a premium per site. A
        committed operator pays it outside the year's budget (`commitment_owner`), which keeps pacing its ordinary
        orders; any other pays it from that budget."""
        sg = self.sc.surge
        st = self.state
        st.capex_vnd_bn[sites] += sg.premium_vnd_bn_per_site
        self.surge_premium_vnd_bn += sg.premium_vnd_bn_per_site * sites.size
        st.surge[sites] = True
        k = OPERATORS.index(name)
        from_own = min(int(sites.size), self.own_kits(k, programme, day))
        if from_own:
            kits, arrive = self.commitment_kits[(k, programme)]
            self.commitment_kits[(k, programme)] = (kits - from_own, arrive)
        self.stock_kits -= int(sites.size) - from_own
        self._support_cache = {}  # it now expects to reach the threshold: its support enters this month's orders
        self._place(
            sites,
            day,
            name,
            plan_day,
            lead=np.full(sites.size, sg.stock_dispatch_days),
            payer=commitment_owner(name, programme)
            if programme in self.sc.operators[name].committed_to
            else "",
        )
        by_region = np.bincount(self.plan.region_idx[sites], minlength=len(REGIONS))
        for r in np.flatnonzero(by_region):
            self._contract.append(
                (
                    day + sg.contract_mobilisation_days,
                    end,
                    int(r),
                    float(self.teams[r] * sg.contract_teams_pct / 100.0),
                )
            )

    # ----------------------------------------------------------------- works
    def weekly_works(self) -> Generator[simpy.Event, Any, None]:
        """Each week: vendors deliver kits, then each region's crews install ready sites."""
        while True:
            day = self.env.now
            self._deliver(day, day + WEEK_DAYS)
            self._install(day, day + WEEK_DAYS)
            if day + WEEK_DAYS > self.clock.horizon_days:
                return
            yield self.env.timeout(WEEK_DAYS)

    def _deliver(self, day: float, week_end: float) -> None:
        """Vendors deliver the kits due this week, first due first served (ties in plan order), up to the
        weekly capacity (fractions carried to the next week while kits wait); compiled in
        dxsim.sim.rollout_kernel.deliver.

        Kits from stock (surge) and kits due before the start (warm start: delivered before day 0)
        do not use this week's factory capacity.
        """
        st = self.state
        cap_per_week = self.sc.supply.deliveries_per_month * 12.0 / 52.0
        left, left_due, left_free, take, ready, region, work, self._supply_carry = rollout_kernel.deliver(
            float(day),
            float(week_end),
            cap_per_week,
            self._supply_carry,
            self._kit_wait,
            self._kit_due,
            self._kit_free,
            st.delivered_day,
            st.permit_done_day,
            self.plan.region_idx,
            self.team_days,
        )
        if take.size:
            self._kit_wait, self._kit_due, self._kit_free = left, left_due, left_free
            self._crew_wait, self._crew_ready, self._crew_region, self._crew_work = (
                rollout_kernel.merge_sorted(
                    self._crew_wait,
                    self._crew_ready,
                    self._crew_region,
                    self._crew_work,
                    take,
                    ready,
                    region,
                    work,
                )
            )

    def contract_teams(self, day: float) -> np.ndarray:
        """Contract teams at work in each region on `day` (surges)."""
        extra = np.zeros(len(REGIONS))
        for t0, t1, r, teams in self._contract:
            if t0 <= day < t1:
                extra[r] += teams
        return extra

    def _install(self, day: float, week_end: float) -> None:
        """Crews of every region take the sites that are ready (permit + kit) this week.

        Fluid crew pool per region (dxsim.sim.rollout_kernel.install): sites in order of readiness, those
        whose crew starts this week are committed. One team on site: a site's own duration (slowed by
        rain) is its latency, counted from the site's own ready day, not from the crews' busy_until (that
        would stall the first sites of every backlogged week by a whole site duration at each weekly
        dispatch); a team is on site for that duration before it goes on air (from this week's pass at the
        earliest: a site a saturated pool held over from an earlier week waited for a crew until the pass that
        took it), and any time between ready and that start is time the site waited for a crew.
        """
        st = self.state
        rainy_now = self.clock.month_of(day)
        teams = self.teams + self.contract_teams(day)
        rate, slow = np.empty(len(REGIONS)), np.empty(len(REGIONS))
        for r, region in enumerate(REGIONS):
            slow[r] = self._rainy_factor[region] if rainy_now in self._rainy[region] else 1.0
            rate[r] = teams[r] * slow[r]
            st.crew_capacity[r] += rate[r] * WEEK_DAYS
        served = np.empty(self._crew_wait.size, dtype=np.int64)  # committed sites, region by region
        served_work = np.empty(self._crew_wait.size)  # and their team-days
        counts = np.zeros(len(REGIONS), dtype=np.int64)
        self._crew_wait, self._crew_ready, self._crew_region, self._crew_work = rollout_kernel.install(
            float(day),
            float(week_end),
            self._crew_wait,
            self._crew_ready,
            self._crew_region,
            self._crew_work,
            rate,
            slow,
            st.busy_until,
            st.on_air_day,
            st.crew_start_day,
            served,
            served_work,
            counts,
        )
        lo = 0
        for r in range(len(REGIONS)):
            if counts[r]:  # numpy's (pairwise) sum, in service order, as it always was
                st.crew_work_done[r] += float(served_work[lo : lo + counts[r]].sum())
                lo += int(counts[r])
        self.committed += lo
        if lo:
            self._taken_recent = np.concatenate([self._taken_recent, served[:lo]])
            self.taken_log.append(served[:lo])

    @property
    def in_flight(self) -> int:
        """Sites ordered and not yet taken by a crew (on_air_day NaN): exactly those waiting for their kit or for a
        crew (an order joins the kit list, a delivery moves it to the crew list, a crew takes it off), so counted
        without a mask over the whole plan."""
        return int(self._kit_wait.size + self._crew_wait.size)

    def waiting_counts(self, day: float) -> tuple[int, int, int]:
        """Ordered sites whose crew has not started on `day`: (in permitting, awaiting equipment, awaiting a crew).

        Those waiting for their kit or a crew, and those a crew has taken whose start is still ahead: the weekly pass
        takes every site whose crew starts within the week, so at a month end inside the week some taken sites still
        wait for their permit or kit (they were counted under construction: 402 at 2026-03-31, of which 204 waited;
        modelling audit)."""
        st = self.state
        taken = self._taken_recent  # every taken site whose on-air day is not before the last month's start
        ahead = taken[st.crew_start_day[taken] > day]
        waiting = np.concatenate([self._kit_wait, self._crew_wait, ahead])
        permit = st.permit_done_day[waiting] > day
        equipment = ~permit & ~(st.delivered_day[waiting] <= day)
        n_permit, n_equipment = int(permit.sum()), int(equipment.sum())
        return n_permit, n_equipment, waiting.size - n_permit - n_equipment

    # ----------------------------------------------------------------- attribution
    def held_site_days(self, a: float, b: float) -> np.ndarray:
        """Site-days the rollout was held back in [a, b) by each cause (HELD_CAUSES x REGIONS).

        Delays: a site between order and ready waits on whichever of permit and kit comes last
        (the critical path: permits, or the kit: its lead time (equipment) until it is due, the national
        delivery capacity (deliveries) after); between ready and a crew starting it waits on crews. Orders: sites the operators' pace asked for but the business case refused
        (business_case), the budget cut (budget) or the plan no longer had (plan), each held for the
        month; and the sites the operators would build (within the loss they accept) which their
        budgets allowed but their announced pace left unordered, up to one more month of pace (targets). Pipeline delays (permits, kit lead
        times) are latency: they move output later; targets, budget, plan, kit delivery capacity and
        crews limit how much flows.
        """
        st = self.state
        held = np.zeros((len(HELD_CAUSES), len(REGIONS)))
        # the delays: the live sites (ascending), then site by site (compiled: no temporaries)
        if a >= self._held_from and a >= 0:
            # the live sites are among those waiting (on_air_day NaN) and those taken by a crew whose on-air day is
            # not before the last month's start (the start sites, on air at -1, never are): a few thousand, where
            # the mask below reads every site of the plan
            taken = self._taken_recent
            taken = taken[st.on_air_day[taken] >= a]
            self._taken_recent, self._held_from = taken, a
            live = np.sort(np.concatenate([self._kit_wait, self._crew_wait, taken]))
            live = live[~(st.order_day[live] >= b)]
        else:
            live = np.flatnonzero(st.ordered & ~(st.on_air_day < a) & ~(st.order_day >= b))
        rollout_kernel.held_delays(
            float(a),
            float(b),
            live,
            st.order_day,
            st.permit_done_day,
            st.equipment_due_day,
            st.delivered_day,
            st.crew_start_day,
            self.plan.region_idx,
            held[HELD_CAUSES.index("permits")],
            held[HELD_CAUSES.index("equipment")],
            held[HELD_CAUSES.index("deliveries")],
            held[HELD_CAUSES.index("crews")],
        )
        month = b - a
        held += self.held_orders * month
        held[HELD_CAUSES.index("targets")] += self.spare_by_region * month
        return held

    # ----------------------------------------------------------------- support
    def support_payment(self, p: Support) -> Generator[simpy.Event, Any, None]:
        """Pay a programme once its window closes (the day after window_end)."""
        first, end = window_days(p, self.clock.start)
        yield self.env.timeout(max(0.0, end - self.env.now))
        claims = self._claims(p, first, end)
        total = sum(amt for amt, _n in claims.values())
        scale = pro_rata_share(p.fund_vnd_bn, total)
        self.support_claims_over_fund_vnd_bn += max(total - p.fund_vnd_bn, 0.0)
        day = self.env.now
        year = self.clock.year_of(day)
        for name, (amt, n_counted) in claims.items():
            paid = amt * scale
            self.ledger.receive(name, year, paid)
            self.subsidy_paid_vnd_bn += paid
            self.support_paid_by_programme[p.name] = self.support_paid_by_programme.get(p.name, 0.0) + paid
            self.subsidy_events.append((day, name, paid))
            # the outcome beside the decisions (support_decisions.csv): who qualified, on how many stations, paid what
            # (a planner had to infer it from subsidy_paid_vnd_bn and surge_stations_<op>: operator trial)
            self.surge_events.append(
                {
                    "day": day,
                    "operator": name,
                    "programme": p.name,
                    "decision": "paid",
                    "need": 0,
                    "ordered": 0,
                    "counted": float(n_counted),
                    "support_per_station_vnd_bn": amt / n_counted if n_counted else 0.0,
                    "fund_share_expected": scale,
                    "paid_vnd_bn": paid,
                }
            )
        # an operator that surged for it and still missed the threshold: the premium spent, nothing paid (a planner
        # read "surged for it (5)" beside "paid in 2 of 5" with no row saying why: operator trial, 2026-12-06)
        surged = {
            e["operator"] for e in self.surge_events if e["programme"] == p.name and e["decision"] == "surge"
        }
        for name in sorted(surged - set(claims)):
            built, start_n = self._accepted(OPERATORS.index(name), p, first, end)
            counted = float(built.size + round(start_n))
            self.surge_events.append(
                {
                    "day": day,
                    "operator": name,
                    "programme": p.name,
                    "decision": "short",
                    "need": max(0, math.ceil(p.min_stations_per_operator - counted)),
                    "ordered": 0,
                    "counted": counted,
                    "support_per_station_vnd_bn": 0.0,
                    "fund_share_expected": 0.0,
                }
            )

    def support_accrued(self, day: float) -> tuple[float, float]:
        """Support earned by `day` under programmes paid after the horizon (their window closes on its last day or
        later): what they would pay if their window closed now (thresholds and fund caps applied), and what their
        claims exceed their funds by (> 0: a fund's cap binds)."""
        by = self.support_accrued_by_programme(day)
        return sum(a for a, _o in by.values()), sum(o for _a, o in by.values())

    def support_accrued_by_programme(self, day: float) -> dict[str, tuple[float, float]]:
        """`support_accrued` per programme paid after the horizon: name -> (earned, claims beyond its fund)."""
        out = {}
        for p in self.programmes:
            first, end = window_days(p, self.clock.start)
            if end - 1 < 0 or self._paid_within_horizon(p):
                continue  # paid within the horizon (or closed before the start)
            claimed = sum(amt for amt, _n in self._claims(p, first, min(end, day + 1.0)).values())
            out[p.name] = (min(claimed, p.fund_vnd_bn), max(claimed - p.fund_vnd_bn, 0.0))
        return out

    def _accepted(self, k: int, p: Support, first: float, end: float) -> tuple[np.ndarray, float]:
        """Operator k's stations accepted for programme p in [first, end): those built (plan positions) and those of
        the start network by their share in the window."""
        st = self.state
        on = st.on_air_day
        mine = (
            (st.operator == k)
            & ~np.isnan(on)
            & (on >= 0)
            & (on >= first)
            & (on < end)
            & self._eligible[p.name]
        )
        start_n = start_sites_counted(
            p,
            int(self._n_start_in_area[p.name][k]),
            self.clock.start,
            self._start_in_window_pct,
            self.sc.subsidy.window_start,
        )
        return np.flatnonzero(mine), start_n

    def _claims(self, p: Support, first: float, end: float) -> dict[str, tuple[float, float]]:
        """What each qualifying operator claims from programme p for stations accepted in [first, end) (VND bn), and
        on how many stations (those of the start network by their share in the window included)."""
        amounts: dict[str, tuple[float, float]] = {}
        for k, name in enumerate(OPERATORS):
            built, start_n = self._accepted(k, p, first, end)
            n_eligible = built.size + round(start_n)
            if n_eligible < p.min_stations_per_operator or n_eligible == 0:
                continue
            claim = self._claim_each[p.name][built]
            amounts[name] = (float(claim.sum()) + start_n * self._start_claim_each[p.name], float(n_eligible))
        return amounts
