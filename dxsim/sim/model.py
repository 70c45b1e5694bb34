"""Run the model: a prepared world -> one replication -> metrics.

:func:`dxsim.sim.world.prepare_world` does the static work once (layers, footprints, start-state
coverage); each replication copies the start coverage and runs a fresh SimPy environment with
its own random streams.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import simpy

from dxsim.scenario.constants import is_operator
from dxsim.scenario.schema import OPERATORS, REGIONS
from dxsim.sim.calendar import Clock, month_ends, year_share_left
from dxsim.sim.capacity import CellService
from dxsim.sim.compute.setup import ComputeRun, start_compute
from dxsim.sim.finance import Ledger
from dxsim.sim.recorder import MetricsRecorder
from dxsim.sim.rollout import HELD_CAUSES, Rollout
from dxsim.sim.uncertainty import draw_factors, draw_scenario, pipeline_history, village_inputs
from dxsim.sim.villages.metrics import village_month_metrics
from dxsim.sim.villages.process import OWNER as VILLAGES
from dxsim.sim.villages.process import VillageProgramme
from dxsim.sim.world import World

Progress = Callable[[str], None]
CAPACITY_REPLAN_WINDOW_SITES = (
    20_000  # the head of an operator's queue re-planned yearly (> a year of its orders)
)


@dataclass
class ReplicationResult:
    metrics: pl.DataFrame
    on_air_day: np.ndarray
    operator: np.ndarray
    subsidy_paid_vnd_bn: float
    village_started_day: np.ndarray | None = None
    village_power_day: np.ndarray | None = None
    village_connected_day: np.ndarray | None = None
    village_signal_day: np.ndarray | None = (
        None  # on air (NaN: not yet); a campaign counts villages left by it
    )
    # on air on a link that carries the busy hour (NaN: not yet): "connected" (VillageProgramme.served_day)
    village_served_day: np.ndarray | None = None
    # a portable-BTS campaign's village's permanent site on air (NaN: not yet); the signal day for the others
    village_permanent_day: np.ndarray | None = None
    village_grid_day: np.ndarray | None = (
        None  # the village's grid line energised (NaN: none built, or not yet)
    )
    village_temp_power: np.ndarray | None = None  # on air on a campaign's temporary power kit
    village_bridge_day: np.ndarray | None = None  # the utility's bridge power on (NaN: none)
    village_bridge_cost_vnd_bn: np.ndarray | None = None  # what each village's bridge cost within the horizon
    village_held_days: np.ndarray | None = None  # (villages, CAUSES): days each cause held each village
    village_capex_vnd_bn: np.ndarray | None = (
        None  # each village's capex as paid (the estimate x the overrun)
    )
    # who pays each started village's option: "programme" (its budget) or "outside" (utility and operators); None
    village_paid_by: np.ndarray | None = None
    compute: ComputeRun | None = None
    pop_covered_5g_cell_end: np.ndarray | None = None  # per cell, at the horizon end
    pop_covered_4g_cell_end: np.ndarray | None = None
    service_cell_end: dict[str, np.ndarray] | None = None  # per cell at the horizon end: served/short people
    support_decisions: list[dict[str, Any]] | None = (
        None  # the operators' surge decisions (dxsim.results.decisions)
    )


def run_replication(
    world: World, replication: int, seed: int | None = None, *, end_cells: bool = True
) -> ReplicationResult:
    """One replication of the whole horizon; deterministic for (seed, replication).

    `end_cells=False` leaves out the per-cell end state (`pop_covered_*_cell_end`, `service_cell_end`): only a
    run's first replication draws the maps, and copying ~400,000 cells' columns out of the capacity records took
    ~15 ms of every further replication."""
    seed = world.scenario.seed if seed is None else seed
    factors = draw_factors(world.scenario, seed, replication)
    sc = draw_scenario(world.scenario, seed, replication, factors)  # this replication's values
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()

    def budget_for(owner: str, year: int) -> float:
        # in the start year only the part of the year after the start is left to commit (pro rata), for the operators
        # and the village programme alike: the programme committed its whole 2025 budget in the two months after a
        # 2025-10-31 start (trial of the session's changes)
        left = year_share_left(sc.horizon.start_date, year)
        if owner == VILLAGES:
            return sc.villages.programme.budget_for(year) * left
        op = sc.operators.get(owner) if is_operator(owner) else None
        if op is None:
            return 0.0
        return op.value_for_year(op.capex_budget_vnd_bn, year) * left

    ledger = Ledger(budget_for)
    rollout = Rollout(
        env,
        sc,
        world.plan,
        world.layer.n_5g_start,
        clock,
        seed,
        replication,
        ledger,
        world.province_codes,
        history=pipeline_history(factors),
    )
    rollout.start()
    vp = None
    if world.villages is not None:
        vp = VillageProgramme(
            env, sc, village_inputs(world.villages, world.scenario, sc), clock, seed, replication, ledger
        )
        vp.start()
    cr = (
        start_compute(env, sc, world.compute, clock, seed, replication, world.country)
        if world.compute is not None
        else None
    )
    rec = MetricsRecorder(replication, world.province_codes)
    monitor = Monitor(world, rollout, clock, rec, vp, cr)
    env.process(monitor.run(env))
    env.run(until=clock.horizon_days + 1)
    st = rollout.state
    res = ReplicationResult(
        rec.frame(), st.on_air_day.copy(), st.operator.copy(), rollout.subsidy_paid_vnd_bn
    )
    if vp is not None:
        res.village_started_day = vp.started_day.copy()
        res.village_power_day = vp.power_day.copy()
        res.village_connected_day = vp.connected_day.copy()
        res.village_signal_day = vp.signal_day.copy()
        res.village_served_day = vp.served_day
        res.village_permanent_day = vp.permanent_day.copy()
        res.village_grid_day = vp.grid_day.copy()
        res.village_temp_power = vp.temp_power.copy()
        res.village_bridge_day = vp.bridge_day.copy()
        res.village_bridge_cost_vnd_bn = vp.bridge_cost_vnd_bn(clock.horizon_days)
        res.village_held_days = vp.held_by_village(clock.horizon_days)
        res.village_capex_vnd_bn = vp.v.capex_vnd_bn
        res.village_paid_by = np.array(
            [None if o is None else ("programme" if o == VILLAGES else "outside") for o in vp.paid_by],
            dtype=object,
        )
    res.compute = cr
    if end_cells:
        res.pop_covered_5g_cell_end = monitor.cov5.covered_pop_cell.copy()
        res.pop_covered_4g_cell_end = monitor.cov4.covered_pop_cell.copy()
        if monitor.service is not None:
            res.service_cell_end = monitor.service.end_state()
    res.support_decisions = list(rollout.surge_events)
    return res


class Monitor:
    """At each month end: switch on the month's new sites in the coverage grid and record metrics."""

    def __init__(
        self,
        world: World,
        rollout: Rollout,
        clock: Clock,
        rec: MetricsRecorder,
        villages: VillageProgramme | None = None,
        compute: ComputeRun | None = None,
    ) -> None:
        self.w = world
        self.r = rollout
        self.vp = villages
        self.cr = compute
        self._busy_last = 0.0
        self._installed_last: float | None = None
        self._last_day: float | None = None
        self._wait_ptr = 0
        self._compute_capex_last = 0.0
        self._gpu_capex_last = 0.0
        self._retrofit_last = 0.0
        self._gpu_public_last = 0.0
        self._ppp_capex_last = 0.0  # the state's PPP share of DC capex so far (VND bn), for the month's part
        self._energy_last = 0.0  # data-centre facility energy (MWh) read at the last month end
        # village sites add 4G coverage as they switch on: this replication's own copy
        self.cov4 = world.cov4g.copy() if villages is not None else world.cov4g
        self.village_on = np.zeros(
            world.villages.inputs.n if villages is not None and world.villages is not None else 0, dtype=bool
        )
        self.clock = clock
        self.rec = rec
        self.cov5 = world.cov5g_start.copy()
        self.cov5_op = (
            [g.copy() for g in world.cov5g_start_by_operator] if world.cov5g_start_by_operator else None
        )
        self.applied = np.zeros(world.plan.n, dtype=bool)
        # plan sites moved to the head of their operator's queue for capacity, ever (each is counted once)
        self.brought_forward = np.zeros(world.plan.n, dtype=bool)
        # ... and passed by as too thin to relieve one more person there (CellService.too_thin), ever
        self.too_thin = np.zeros(world.plan.n, dtype=bool)
        self.applied[: rollout.n_start] = True
        # sites a crew has taken (Rollout.taken_log) whose on-air day had not come at the last month end, and how
        # much of the log has been read: the month's new sites come from these, not from a scan of the whole plan
        self._pending = np.zeros(0, dtype=np.int64)
        self._taken_read = 0
        n0 = rollout.n_start
        self._prev_day = 0.0
        self._surge_seen = 0
        self._stations_prov = np.bincount(world.plan.province_idx[:n0], minlength=len(world.province_codes))
        self._n_new_sites = int(world.plan.is_new[:n0].sum())
        self._by_operator = np.bincount(
            rollout.state.operator[:n0].astype(np.int64) + 1, minlength=len(OPERATORS) + 1
        )
        self.capex_cum = 0.0
        self.capex_on_air_ordered = 0.0  # capex of the sites ordered in the run that are on air
        self.subsidy_reported = 0.0
        self.last_work = np.zeros(len(REGIONS))
        self.last_cap = np.zeros(len(REGIONS))
        n_prov = len(world.province_codes)
        self.stations_4g_prov = np.bincount(
            world.layer.sites_4g["province_idx"].to_numpy().astype(np.int64), minlength=n_prov
        ).astype(float)
        cells = world.cells
        self.service = (
            None
            if world.capacity is None
            else CellService(
                world.capacity,
                cells.pop,
                cells.province_idx,
                n_prov,
                self.cov5.k,
                self.cov5,
                self.cov5_op,
                self.cov4,
                params=rollout.sc.capacity,
                env=cells.env,
                start_year=rollout.sc.horizon.start_date.year,
            )
        )  # this replication's drawn demand (dxsim.sim.uncertainty)

    def run(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        for me in month_ends(self.clock.start, self.clock.end):
            day = self.clock.day(me)
            if day > env.now:
                yield env.timeout(day - env.now)
            self.record(me, day)

    def record(self, date: dt.date, day: float) -> None:
        w, st = self.w, self.r.state
        # sites on air by now and not yet switched on in the grid (ascending, as np.flatnonzero(st.ordered &
        # ~self.applied & (st.on_air_day <= day)) gave them: the start sites are applied, and any other site gets
        # its on-air day when a crew takes it); running counters carry the rest
        log = self.r.taken_log
        if self._taken_read < len(log):
            self._pending = np.concatenate([self._pending, *log[self._taken_read :]])
            self._taken_read = len(log)
        due = st.on_air_day[self._pending] <= day
        new = np.sort(self._pending[due])
        self._pending = self._pending[~due]
        n_prov = len(w.province_codes)
        if new.size:
            if self.cov5_op is not None:
                # each operator's own network; the union (at least one operator) from the cells they changed
                self.cov5.add_footprints_layers(self.cov5_op, w.plan_footprints, new, st.operator[new])
            else:
                self.cov5.add_footprints(w.plan_footprints, new)
            self.applied[new] = True
            if self.service is not None:
                self.service.add_5g(w.plan_footprints, new)
            self._stations_prov += np.bincount(w.plan.province_idx[new], minlength=n_prov)
            self._n_new_sites += int(w.plan.is_new[new].sum())
            self._by_operator += np.bincount(
                st.operator[new].astype(np.int64) + 1, minlength=len(OPERATORS) + 1
            )
        stations_prov = self._stations_prov.astype(float)
        added_prov = np.bincount(w.plan.province_idx[new], minlength=n_prov).astype(float)
        capex_prov = np.bincount(w.plan.province_idx[new], weights=st.capex_vnd_bn[new], minlength=n_prov)
        self.capex_cum += float(capex_prov.sum())
        ordered_in_run = new[st.order_day[new] >= 0]  # not the warm start's: committed before the start
        self.capex_on_air_ordered += float(st.capex_vnd_bn[ordered_in_run].sum())
        # copies: the recorder keeps the arrays, and the grid updates covered_pop_group in place
        if self.vp is not None:
            self.record_villages(date, day, self.vp)
        if self.cr is not None:
            self.record_compute(date, day, self.cr)
        pop5_prov = self.cov5.covered_pop_group.copy()
        pop4_prov = self.cov4.covered_pop_group.copy()
        total_pop = float(w.province_pop.sum())
        n_permit, n_equipment, n_crew = self.r.waiting_counts(day)
        subsidy_now = self.r.subsidy_paid_vnd_bn - self.subsidy_reported
        self.subsidy_reported = self.r.subsidy_paid_vnd_bn
        n_on = int(self._stations_prov.sum())
        n_taken_ahead = n_permit + n_equipment + n_crew - self.r.in_flight  # taken, crew start after `day`
        under_construction = self.r.committed - (n_on - self.r.n_start) - n_taken_ahead
        values = {
            "stations_5g": float(n_on),
            "stations_5g_added": float(new.size),
            "stations_5g_upgrades_cum": float(n_on - self._n_new_sites),
            "stations_5g_new_sites_cum": float(self._n_new_sites),
        }
        for k, name in enumerate(OPERATORS):
            values[f"stations_5g_{name}"] = float(self._by_operator[k + 1])
        values.update(
            {
                # the start network's 4G sites and each village's new macro site once on air
                "stations_4g": float(self.stations_4g_prov.sum()),
                "pop_covered_5g": float(pop5_prov.sum()),
                "pop_covered_5g_pct": 100.0 * float(pop5_prov.sum()) / total_pop,
                "pop_covered_4g": float(pop4_prov.sum()),
                "pop_covered_4g_pct": 100.0 * float(pop4_prov.sum()) / total_pop,
                "capex_vnd_bn": float(capex_prov.sum()),
                "capex_cum_vnd_bn": self.capex_cum,
                # ordered in the run and not on air: committed against the budgets, not yet in the capex
                # (a difference of two running sums: its rounding residue, ~1e-10 when every order is on air, is 0)
                "capex_5g_on_order_vnd_bn": on_order
                if (on_order := self.r.capex_ordered_vnd_bn - self.capex_on_air_ordered) > 1e-6
                else 0.0,
                "subsidy_paid_vnd_bn": subsidy_now,
                "sites_in_permitting": float(n_permit),
                "sites_awaiting_equipment": float(n_equipment),
                "sites_awaiting_crew": float(n_crew),
                # a crew on site, not yet on air: every committed site minus those on air by now and those whose crew
                # starts later in the week (counted waiting above)
                "sites_under_construction": float(under_construction),
                # ordered and not yet on air (the warm start's included): the four stages
                "sites_in_flight": float(n_permit + n_equipment + n_crew + under_construction),
            }
        )
        work = st.crew_work_done - self.last_work
        cap = st.crew_capacity - self.last_cap
        self.last_work, self.last_cap = st.crew_work_done.copy(), st.crew_capacity.copy()
        for k, region in enumerate(REGIONS):
            # a region without crews has none standing idle: 100, not 0 (which read "crews idle 100%, crews bind")
            values[f"crew_utilization_pct_{region}"] = (
                100.0 * float(work[k] / cap[k]) if cap[k] > 0 else (100.0 if self.r.teams[k] == 0 else 0.0)
            )
        if self.cov5_op is not None:
            for k, name in enumerate(OPERATORS):
                values[f"pop_covered_5g_pct_{name}"] = 100.0 * self.cov5_op[k].covered_pop_total() / total_pop
        values.update(self.held_metrics(day))
        values.update(self.surge_metrics())
        if self.service is not None:
            self.record_service(date, self.service)
        self.rec.national(date, values)
        self.rec.by_province(date, "stations_5g", stations_prov)
        self.rec.by_province(date, "stations_5g_added", added_prov)
        self.rec.by_province(date, "stations_4g", self.stations_4g_prov)
        self.rec.by_province(date, "pop_covered_5g", pop5_prov)
        self.rec.by_province(date, "pop_covered_5g_pct", 100.0 * pop5_prov / np.maximum(w.province_pop, 1.0))
        self.rec.by_province(date, "pop_covered_4g", pop4_prov)
        self.rec.by_province(date, "pop_covered_4g_pct", 100.0 * pop4_prov / np.maximum(w.province_pop, 1.0))
        self.rec.by_province(date, "capex_vnd_bn", capex_prov)

    def record_service(self, date: dt.date, sv: CellService) -> None:
        """Served / capacity-short / uncovered people (dxsim.sim.capacity), nationally and by province."""
        new_year = sv.year != date.year
        sv.update(date.year)
        moved, thin = self.plan_for_capacity(sv) if new_year else (0, 0)
        self.rec.national(
            date,
            {
                **sv.national(),
                "sites_brought_forward_for_capacity": float(moved),
                "sites_too_thin_for_capacity": float(thin),
                "stations_5g_built_for_capacity": float(
                    np.count_nonzero(self.brought_forward & self.applied)
                ),
            },
        )
        if self._surge_final:  # what held the capacity-short people at the end (dxsim.results.bottlenecks)
            self.rec.national(date, sv.edge_limited_short() | sv.slowest_band_edge(self.applied))
        for name, values in sv.by_group(self.w.province_pop, self.cov5.covered_pop_group).items():
            self.rec.by_province(date, name, values)

    def plan_for_capacity(self, sv: CellService) -> tuple[int, int]:
        """Each year, when demand steps up, each operator brings forward the sites of its next year's orders that stand
        in capacity-short cells (most short people first): densification where traffic outgrows the cells. Returns
        the sites moved for the first time (a site not yet ordered a year later is moved again, and counting every
        move summed to 227,046 in a run that built 88,056 stations), and the sites passed by for the first time
        because each could carry less than one more person's demand there (`CellService.too_thin`)."""
        first = thin = 0
        for k in range(len(OPERATORS)):
            window = self.r.remaining(k, CAPACITY_REPLAN_WINDOW_SITES)
            pick, passed = sv.replan_sites(window)  # most short people first, ties in queue order; too thin
            if pick.size:
                moved = self.r.bring_forward(k, pick)
                first += int(np.count_nonzero(~self.brought_forward[moved]))
                self.brought_forward[moved] = True
            thin += int(np.count_nonzero(~self.too_thin[passed]))
            self.too_thin[passed] = True
        return first, thin

    def held_metrics(self, day: float) -> dict[str, float]:
        """Shares (%) of the month's held-back site-days by cause, per region (they add up to 100), and the share
        of the operators whose orders this month were stopped by their announced pace or cut by their budget."""
        held = self.r.held_site_days(self._prev_day, day)
        self._prev_day = day
        om = self.r.orders_month
        n_ops = max(om["operators"], 1)
        out = {
            "orders_pace_bound_pct": 100.0 * om["pace_bound"] / n_ops,
            "orders_budget_bound_pct": 100.0 * om["budget_bound"] / n_ops,
        }
        # each operator's own (an operator asks what binds *it*: VNPT's budget, not the pooled "targets")
        for name, (pace_bound, budget_bound) in self.r.orders_month_by_operator.items():
            out[f"orders_pace_bound_pct_{name}"] = 100.0 * pace_bound
            out[f"orders_budget_bound_pct_{name}"] = 100.0 * budget_bound
        for r, region in enumerate(REGIONS):
            total = float(held[:, r].sum())
            for c, cause in enumerate(HELD_CAUSES):
                out[f"rollout_held_pct_{cause}_{region}"] = (
                    100.0 * float(held[c, r]) / total if total > 0 else 0.0
                )
        return out

    @property
    def _surge_final(self) -> bool:
        """The last month end of the horizon (support accrued but due after it is read only there)."""
        return self._prev_day >= self.clock.horizon_days

    def surge_metrics(self) -> dict[str, float]:
        """Stations ordered in a surge this month, per operator, and the surge premium so far."""
        out = {f"surge_stations_{name}": 0.0 for name in OPERATORS}
        for e in self.r.surge_events[self._surge_seen :]:
            if e["decision"] == "surge":
                out[f"surge_stations_{e['operator']}"] += float(e["ordered"])
        self._surge_seen = len(self.r.surge_events)
        out["surge_premium_cum_vnd_bn"] = float(self.r.surge_premium_vnd_bn)
        out["stations_ordered_for_support_cum"] = float(self.r.ordered_for_support)
        by_programme = (
            self.r.support_accrued_by_programme(self.clock.day(self.clock.end)) if self._surge_final else {}
        )
        accrued = sum(a for a, _o in by_programme.values())
        accrued_over = sum(o for _a, o in by_programme.values())
        out["support_accrued_unpaid_vnd_bn"] = accrued
        # each programme's own money: who pays what (a province's programme beside the national ones)
        for p in self.r.programmes:
            out[f"support_{p.name}_paid_cum_vnd_bn"] = float(
                self.r.support_paid_by_programme.get(p.name, 0.0)
            )
            out[f"support_{p.name}_accrued_vnd_bn"] = by_programme.get(p.name, (0.0, 0.0))[0]
        # claims beyond the funds so far, paid programmes and (at the end) those paid after the horizon
        out["support_claims_over_fund_cum_vnd_bn"] = (
            float(self.r.support_claims_over_fund_vnd_bn) + accrued_over
        )
        return out

    def record_villages(self, date: dt.date, day: float, vp: VillageProgramme) -> None:
        """Village metrics (dxsim.sim.villages.metrics), nationally and by province; sites on air add 4G coverage."""
        conn = vp.connected_day <= day
        new = np.flatnonzero(conn & ~self.village_on)
        if new.size:
            vfp = self.w.village_footprints
            assert vfp is not None, "prepare_world makes the villages' footprints with the villages"
            self.cov4.add_footprints(vfp, new)
            self.village_on[new] = True
            assert self.w.villages is not None  # vp runs on the world's villages
            # a new array, not += : the recorder keeps the earlier months' arrays
            self.stations_4g_prov = self.stations_4g_prov + np.bincount(
                self.w.villages.province_idx[new], minlength=self.stations_4g_prov.size
            )
            if self.service is not None:
                self.service.add_village_4g(vfp, new)
        national, provinces, _campaigns = village_month_metrics(vp, len(self.w.province_codes), day)
        for name, values in provinces.items():
            self.rec.by_province(date, name, values)
        self.rec.national(date, national)
        # whose budget started each village so far: what the programme's budget can move (compare --province)
        assert self.w.villages is not None  # vp runs on the world's villages
        paid = np.fromiter((o == VILLAGES for o in vp.paid_by), dtype=bool, count=len(vp.paid_by))
        by_prov = np.bincount(self.w.villages.province_idx[paid], minlength=len(self.w.province_codes))
        self.rec.by_province(date, "villages_started_by_programme", by_prov.astype(float))
        self.rec.national(date, {"villages_started_by_programme": float(paid.sum())})

    def record_compute(self, date: dt.date, day: float, cr: ComputeRun) -> None:
        """Data-centre capacity, GPUs and AI demand at the month end."""
        f = cr.fleet
        n_prov = len(self.w.province_codes)

        def by_province(values: np.ndarray) -> np.ndarray:
            return np.bincount(f.province_idx, weights=values, minlength=n_prov)

        installed_now = float(cr.pool.installed)
        busy = cr.pool.busy_gpu_days
        span = day - self._last_day if self._last_day is not None else 0.0
        avg_installed = 0.5 * (
            installed_now + (self._installed_last if self._installed_last is not None else installed_now)
        )
        util = (
            100.0 * (busy - self._busy_last) / (avg_installed * span)
            if span > 0 and avg_installed > 0
            else 0.0
        )
        self.rec.national(date, cr.dcs.held_pct(self._last_day if self._last_day is not None else 0.0, day))
        self._busy_last, self._installed_last, self._last_day = busy, installed_now, day
        fresh, self._wait_ptr = cr.demand.waits_since(self._wait_ptr)  # the waits of the month's starts
        energy_mwh = cr.dcs.energy_mwh_until(day)
        energy_month, self._energy_last = energy_mwh - self._energy_last, energy_mwh
        capex_cum = cr.dcs.capex_vnd_bn_cum + cr.gpus.capex_vnd_bn_cum + cr.gpus.retrofit_capex_vnd_bn_cum
        retrofit_month, self._retrofit_last = (
            cr.gpus.retrofit_capex_vnd_bn_cum - self._retrofit_last,
            cr.gpus.retrofit_capex_vnd_bn_cum,
        )
        capex_month, self._compute_capex_last = capex_cum - self._compute_capex_last, capex_cum
        gpu_capex_month, self._gpu_capex_last = (
            cr.gpus.capex_vnd_bn_cum - self._gpu_capex_last,
            cr.gpus.capex_vnd_bn_cum,
        )
        gpu_public_month, self._gpu_public_last = (
            cr.gpus.public_capex_vnd_bn_cum - self._gpu_public_last,
            cr.gpus.public_capex_vnd_bn_cum,
        )
        ppp_cum = cr.dcs.capex_ppp_state_vnd_bn_cum
        ppp_month, self._ppp_capex_last = ppp_cum - self._ppp_capex_last, ppp_cum
        self.rec.national(
            date,
            {
                "dc_it_capacity_mw": float(f.it_mw.sum()),
                "dc_facility_power_mw": float(f.facility_power_mw().sum()),
                "racks": float(f.racks.sum()),
                "gpus_installed": float(cr.gpus.installed_gpus),
                "gpus_installed_high_performance": float(cr.gpus.high_performance_installed),
                "gpus_stranded": float(cr.gpus.stranded_gpus),
                "gpus_over_rack_density": float(cr.gpus.gpus_over_rack_density),
                "dc_ordinary_load_unmet_mw": float(cr.dcs.base_unmet_mw),
                "gpus_held_by_import_cap": float(cr.gpus.held_by_cap),
                "gpu_pflops_bf16": float(cr.gpus.pflops_bf16),
                "gpu_a100_equivalents": float(cr.gpus.a100_equivalents),
                "gpu_largest_cluster_a100_equivalents": cr.gpus.largest_cluster_a100_equivalents(),
                "gpu_utilization_pct": float(min(util, 100.0)),
                "ai_jobs_waiting": float(cr.demand.waiting_jobs),
                "ai_jobs_rejected_too_big_cum": float(cr.demand.jobs_rejected_too_big),
                "compute_capex_vnd_bn": float(capex_month),
                "dc_retrofit_capex_vnd_bn": float(retrofit_month),
                "gpu_capex_vnd_bn": float(gpu_capex_month),
                "gpu_public_capex_vnd_bn": float(gpu_public_month),
                "gpu_capex_on_order_vnd_bn": float(cr.gpus.on_order_vnd_bn(day)),
                "gpu_it_mw": float(f.gpu_it_mw.sum()),
                "dc_ppp_state_capex_vnd_bn": float(ppp_month),
                "dc_energy_mwh": float(energy_month),
                # what the data centres draw at the month end ((ordinary + GPU IT load) x PUE), beside the
                # facility power at full load (dc_facility_power_mw), which is what they could draw
                "dc_power_draw_mw": cr.dcs.facility_load_mw(),
                "dc_electricity_opex_vnd_bn": float(
                    energy_month * 1000.0 * cr.dcs.p.power_price_vnd_per_kwh / 1e9
                ),
            },
        )
        if fresh.size:  # no row in a month when no job started (the median of nothing is not a number)
            self.rec.national(date, {"ai_job_wait_days_p50": float(np.median(fresh))})
        self.rec.by_province(date, "dc_it_capacity_mw", by_province(f.it_mw))
        self.rec.by_province(date, "dc_facility_power_mw", by_province(f.facility_power_mw()))
        self.rec.by_province(date, "racks", by_province(f.racks))
        self.rec.by_province(date, "gpus_installed", by_province(f.gpus))
