"""The rollout DES (dxsim.sim.rollout) against hand-computed and queueing results.

Small synthetic plans, no geodata: a `PlanArrays`, a `Scenario` built in code, and a bare
SimPy environment running `Rollout` with a `Ledger` and a `Clock`. Delays are made
deterministic (p50 == p90 -> sigma 0) wherever the test needs exact arithmetic.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path
import math
from typing import Any

import numpy as np
import pytest
import simpy

from dxsim.scenario.schema import OPERATORS, REGIONS, Scenario
from dxsim.scenario import load_scenario
from dxsim.sim.calendar import Clock
from dxsim.sim.finance import Ledger
from dxsim.sim.rollout import PipelineHistory, PlanArrays, Rollout

UP_CAPEX = 1.0 + 0.3  # default upgrade equipment + works (VND bn)
NEW_CAPEX = 1.0 + 2.3  # default new-site equipment + civil (VND bn)


def fixed(days: float) -> dict:
    """A deterministic delay (p50 == p90 -> sigma 0)."""
    return {"p50_days": days, "p90_days": days}


def deep_update(base: dict, over: dict) -> dict:
    for k, v in over.items():
        if (
            isinstance(v, dict)
            and isinstance(base.get(k), dict)
            and k not in ("operators", "crews", "seasons")
        ):
            deep_update(base[k], v)
        else:
            base[k] = v
    return base


def make_scenario(**over: Any) -> Scenario:
    """One operator (viettel), one region (north) with 10 teams, no rain, no delays, ample
    targets, budget and supply, no subsidy; `over` replaces/merges sections."""
    d: dict[str, Any] = {
        "name": "unit",
        "horizon": {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 3, 31)},
        "operators": {
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 500_000},
                "capex_budget_vnd_bn": {2026: 1_000_000.0},
            }
        },
        "crews": {"north": {"teams": 10}},
        "seasons": {},
        "works": {
            "upgrade_permit": fixed(0),
            "new_site_permit": fixed(0),
            "upgrade_team_days": fixed(2),
            "new_site_team_days": fixed(2),
        },
        "supply": {"deliveries_per_month": 1_000_000, "lead_time": fixed(0)},
        "subsidy": {"equipment_share_pct": 0.0},
        # no pipeline in flight at the start (warm start is tested in tests/test_operator_decision.py)
        "start_state": {"pipeline_build_rate_5g_per_month": 0.0},
    }
    return Scenario.model_validate(deep_update(d, over))


def make_plan(
    n: int, is_new: np.ndarray | None = None, region: int = 0, operator: np.ndarray | None = None
) -> PlanArrays:
    """A hand-made plan; `operator` (indices into OPERATORS) gives each operator its own sites."""
    return PlanArrays(
        is_new=np.zeros(n, bool) if is_new is None else np.asarray(is_new, bool),
        region_idx=np.full(n, region, dtype=np.int64),
        province_idx=np.zeros(n, dtype=np.int64),
        operator=None if operator is None else np.asarray(operator, dtype=np.int8),
    )


def n_ordered(ro: Rollout) -> int:
    """Sites ordered so far (start sites included)."""
    return int(ro.state.ordered.sum())


def run(
    sc: Scenario,
    plan: PlanArrays,
    *,
    n_start: int = 0,
    seed: int = 1,
    replication: int = 0,
    until: float | None = None,
) -> tuple[Rollout, Ledger, Clock]:
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()

    def budget_for(owner: str, year: int) -> float:
        op = sc.operators.get(owner)
        return op.value_for_year(op.capex_budget_vnd_bn, year) if op else 0.0

    ledger = Ledger(budget_for)
    ro = Rollout(env, sc, plan, n_start, clock, seed, replication, ledger)
    ro.start()
    env.run(until=clock.horizon_days + 1 if until is None else until)
    return ro, ledger, clock


def on_air_by(ro: Rollout, day: float) -> int:
    on = ro.state.on_air_day
    return int(np.sum(~np.isnan(on) & (on <= day)))


# --------------------------------------------------------------------------- crews


@pytest.mark.parametrize("teams,work", [(10, 2.0), (8, 2.0), (3, 5.0), (40, 12.0)])
def test_crew_throughput_is_a_fluid_server(teams, work):
    """All sites ready at day 0, T teams, W team-days per site: on air by D = floor(T*D/W) (+-1)."""
    n = 4000
    sc = make_scenario(
        crews={"north": {"teams": teams}},
        works={"upgrade_team_days": fixed(work), "new_site_team_days": fixed(work)},
    )
    ro, _, _ = run(sc, make_plan(n))
    st = ro.state
    assert np.all(st.order_day == 0.0), "everything is ordered at day 0 (quota >> plan)"
    ready = np.fmax(st.permit_done_day, st.delivered_day)
    assert np.all(ready == 0.0)
    for day in np.arange(work, 80.0, 0.5):
        expected = math.floor(teams * day / work)
        assert expected < n, "the queue must stay backlogged for the check"
        got = on_air_by(ro, day)
        assert abs(got - expected) <= 1, (day, got, expected)
    on = st.on_air_day[~np.isnan(st.on_air_day)]
    assert on.size > 0
    # one team on site: nobody is on air sooner than ready + W
    done = ~np.isnan(st.on_air_day)
    assert np.all(st.on_air_day[done] >= ready[done] + work - 1e-9)
    # nothing before W, and the first T sites finish exactly at W
    assert on_air_by(ro, work - 1e-6) == 0
    assert on_air_by(ro, work) == teams


def test_crews_of_another_region_do_not_help():
    """Sites in a region without teams never go on air, whatever the other regions have."""
    sc = make_scenario(crews={"north": {"teams": 100}})
    plan = make_plan(50, region=REGIONS.index("south"))
    ro, _, _ = run(sc, plan)
    assert np.isnan(ro.state.on_air_day).all()
    assert np.all(ro.state.delivered_day == 0.0)


@pytest.mark.parametrize("pct", [50.0, 70.0])
def test_rainy_month_scales_crew_throughput(pct):
    """In a rainy month crews deliver p x their dry output: on air by D = floor(p*T*D/W) (+-1)."""
    teams, work, n = 10, 2.0, 3000
    p = pct / 100.0
    base = {
        "horizon": {"start_date": dt.date(2026, 6, 1), "end_date": dt.date(2026, 6, 30)},
        "crews": {"north": {"teams": teams}},
    }
    dry = make_scenario(**base, seasons={"north": {"rainy_months": [1], "rainy_productivity_pct": pct}})
    wet = make_scenario(**base, seasons={"north": {"rainy_months": [6], "rainy_productivity_pct": pct}})
    ro_dry, _, _ = run(dry, make_plan(n))
    ro_wet, _, _ = run(wet, make_plan(n))
    for day in np.arange(work / p, 28.0, 0.5):
        d, w = on_air_by(ro_dry, day), on_air_by(ro_wet, day)
        assert abs(d - math.floor(teams * day / work)) <= 1, (day, d)
        assert abs(w - math.floor(p * teams * day / work)) <= 1, (day, w)
        assert abs(w - p * d) <= 1 + p, (day, w, d)
    # a site's own duration is slowed too: nothing on air before W / p
    assert on_air_by(ro_wet, work / p - 1e-6) == 0
    # hand check at day 20: dry 10*20/2 = 100 sites; wet 50% -> 50, 70% -> 70
    assert abs(on_air_by(ro_wet, 20.0) - {50.0: 50, 70.0: 70}[pct]) <= 1
    assert abs(on_air_by(ro_dry, 20.0) - 100) <= 1


def test_rain_in_another_region_does_not_slow_this_one():
    sc = make_scenario(
        seasons={"central": {"rainy_months": list(range(1, 13)), "rainy_productivity_pct": 10.0}}
    )
    ro, _, _ = run(sc, make_plan(2000))
    assert abs(on_air_by(ro, 30.0) - 150) <= 1  # 10 teams * 30 d / 2 team-days


# --------------------------------------------------------------------------- supply


@pytest.mark.parametrize("per_month,lead", [(520, 10.5), (1000, 10.5), (300, 40.25)])
def test_supply_capacity_binds_weekly(per_month, lead):
    """Capacity C kits/month -> at most C*12/52 per week (with carry); nothing before the lead time."""
    n = 3000
    sc = make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 6, 30)},
        supply={"deliveries_per_month": per_month, "lead_time": fixed(lead)},
        crews={},
    )
    # every site ordered on day 0 (placed directly: the operators' own orders hold no more kits on order than a
    # month or a P90 lead time of deliveries, Rollout._kit_room), then only the weekly deliveries and installs run
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()
    ro = Rollout(env, sc, make_plan(n), 0, clock, 1, 0, Ledger(lambda o, y: 1e9))
    ro._place(np.arange(n), 0.0, "viettel", 0.0, lead=ro.lead_days[:n])
    env.process(ro.weekly_works())
    env.run(until=clock.horizon_days + 1)
    st = ro.state
    assert np.all(st.order_day == 0.0)
    assert np.all(st.equipment_due_day == lead)
    delivered = st.delivered_day[~np.isnan(st.delivered_day)]
    assert delivered.size > 0
    assert delivered.min() >= lead
    per_week = per_month * 12.0 / 52.0
    n_weeks = int(clock.horizon_days // 7) + 1
    first_week = int(lead // 7)  # the week in which the kits fall due
    for k in range(1, n_weeks + 1):
        got = int(np.sum(delivered < 7.0 * k))
        assert got <= per_week * k + 1, (k, got)
        # binding: from the week the kits fall due the supplier delivers at full rate
        active_weeks = max(0, k - first_week)
        if active_weeks * per_week < n - per_week:
            assert got >= math.floor(active_weeks * per_week) - 1, (k, got)
    # the carry makes the long-run rate exact: after j delivery weeks, floor(j * C*12/52) kits
    j = 10
    got = int(np.sum(delivered < 7.0 * (first_week + j)))
    assert abs(got - math.floor(j * per_week)) <= 1
    # first due, first served: deliveries go in rank order when all are due together
    got = ~np.isnan(st.delivered_day)
    assert got[: got.sum()].all()  # a prefix of the plan
    assert np.all(np.diff(st.delivered_day[got]) >= 0)


def test_no_supply_no_installs():
    sc = make_scenario(supply={"deliveries_per_month": 0, "lead_time": fixed(0)})
    ro, _, _ = run(sc, make_plan(100))
    assert np.isnan(ro.state.delivered_day).all()
    assert np.isnan(ro.state.on_air_day).all()


def test_installation_never_precedes_delivery():
    sc = make_scenario(supply={"deliveries_per_month": 520, "lead_time": fixed(10.5)})
    ro, _, _ = run(sc, make_plan(1500))
    st = ro.state
    on = ~np.isnan(st.on_air_day)
    assert on.sum() > 100
    assert np.all(st.on_air_day[on] >= st.delivered_day[on] + 2.0 - 1e-9)
    assert np.all(~np.isnan(st.delivered_day[on]))


# --------------------------------------------------------------------------- targets and budgets


def _orders_by_month(ro: Rollout, clock: Clock, op: int | None = None) -> dict[tuple[int, int], int]:
    st = ro.state
    mask = ~np.isnan(st.order_day)
    if op is not None:
        mask &= st.operator == op
    out: dict[tuple[int, int], int] = {}
    for day in st.order_day[mask]:
        d = clock.date(day)
        out[(d.year, d.month)] = out.get((d.year, d.month), 0) + 1
    return out


def test_yearly_target_is_ordered_exactly_and_spread_over_months():
    """Target 30 from January: ceil((30 - done) / months left) each month, 30 in the year."""
    sc = make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2027, 12, 31)},
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 30, 2027: 13},
                "capex_budget_vnd_bn": {2026: 1e5},
                "target_counts": "orders",  # the calendar of the hand counts (on air: test_on_air_*)
            }
        },
    )
    ro, _, clock = run(sc, make_plan(5000))
    by_month = _orders_by_month(ro, clock)
    # hand-computed: 30/12 -> 3 (27 left), 27/11 -> 3, 24/10 -> 3, 21/9 -> 3, 18/8 -> 3, 15/7 -> 3,
    # 12/6 -> 2, 10/5 -> 2, 8/4 -> 2, 6/3 -> 2, 4/2 -> 2, 2/1 -> 2
    assert [by_month.get((2026, m), 0) for m in range(1, 13)] == [3] * 6 + [2] * 6
    # 2027: 13 -> 13/12 -> 2 (11 left), 11/11 -> 1 x 11
    assert [by_month.get((2027, m), 0) for m in range(1, 13)] == [2] + [1] * 11
    assert ro.state.ordered_by_op_year[("viettel", 2026)] == 30
    assert ro.state.ordered_by_op_year[("viettel", 2027)] == 13
    # orders are taken from the plan in rank order
    order = ro.state.order_day[:43]
    assert np.all(np.diff(order) >= 0) and np.isnan(ro.state.order_day[43:]).all()


def _on_air_scenario(counts: str) -> Scenario:
    """Upgrades with a fixed 14-day permit, 45-day kit lead time and 2 crew-days: 47 days from order to on air at the
    medians, plus the wait for the weekly dispatch (at most 7 days); ample crews; 365 stations a year in 2026 and
    2027, 1,000 bn a year."""
    return make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2027, 1, 31)},
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 365},
                "capex_budget_vnd_bn": {2026: 1000.0},
                "target_counts": counts,
            }
        },
        crews={"north": {"teams": 1000}},
        works={
            "upgrade_permit": fixed(14),
            "new_site_permit": fixed(14),
            "upgrade_team_days": fixed(2),
            "new_site_team_days": fixed(2),
        },
        supply={"deliveries_per_month": 1_000_000, "lead_time": fixed(45)},
    )


def test_on_air_targets_are_ordered_one_order_to_air_time_ahead():
    """target_counts = on_air: the operator plans on the calendar of the day its orders go on air, 47 days on. By
    hand, each month start m orders ceil(left x 1 / months_left) with months_left counted at m + 47 days: 1 January ->
    17 February, (59 - 47)/28 + 10 = 10.43 months, ceil(365/10.43) = 35; ... 1 November -> 18 December, 14/31 of a
    month left, fewer than the month's share: the rest. 1 December plans 17 January 2027: 2027's orders, paid from
    2027's budget. All 365 are on air in 2026 and no order of 2027 is; counting orders instead, December's orders of
    2026 go on air in 2027."""
    ro, ledger, clock = run(_on_air_scenario("on_air"), make_plan(5000))
    st = ro.state
    want, left = [], 365
    for month in range(1, 12):  # the hand loop: the round of 1 `month` 2026
        m = float((dt.date(2026, month, 1) - dt.date(2026, 1, 1)).days)
        d = dt.date(2026, 1, 1) + dt.timedelta(days=int(m + 47.0))
        nxt = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
        months_left = (nxt - d).days / calendar.monthrange(d.year, d.month)[1] + (12 - d.month)
        n = math.ceil(left / max(months_left, 1.0) - 1e-9)
        want.append(n)
        left -= n
    assert want[0] == 35 and sum(want) == 365 and left == 0
    by_month = _orders_by_month(ro, clock)
    assert [by_month.get((2026, m), 0) for m in range(1, 12)] == want
    assert ro.state.ordered_by_op_year[("viettel", 2026)] == 365
    assert np.all(st.plan_day[st.ordered] - st.order_day[st.ordered] == 47.0)
    december = st.order_day == float((dt.date(2026, 12, 1) - dt.date(2026, 1, 1)).days)
    assert december.sum() == math.ceil(365 / (15 / 31 + 11)) == 32
    january = st.order_day == 365.0  # the last round of the run: plans 17 February 2027
    assert ro.state.ordered_by_op_year[("viettel", 2027)] == december.sum() + january.sum() > 32
    # the year's budget pays its stations: December's orders are committed to 2027
    assert ledger.committed[("viettel", 2027)] == pytest.approx((december.sum() + january.sum()) * UP_CAPEX)
    assert ledger.committed[("viettel", 2026)] == pytest.approx(365 * UP_CAPEX)
    assert on_air_by(ro, 365.0) == 365 and np.nanmax(st.on_air_day[st.order_day <= 304.0]) < 365.0
    # counting orders, the same plan orders the same 365 in 2026, and December's are on air in 2027
    ro_orders, _, _ = run(_on_air_scenario("orders"), make_plan(5000))
    assert ro_orders.state.ordered_by_op_year[("viettel", 2026)] == 365
    december_orders = int((ro_orders.state.order_day == 334.0).sum())
    assert december_orders >= 30 and on_air_by(ro_orders, 365.0) == 365 - december_orders


def test_on_air_targets_count_the_pipeline_in_flight_at_the_start():
    """A start on 31 December 2025 with 1,029 stations a month in flight: the sites of that pipeline count toward the
    year their operator plans them on air (order day + 47 days, or the start if that is past), so the orders of 2026
    are the plan less the pipeline's 2026 sites, and 2026 is neither cut nor ordered twice over. By hand: every
    pipeline site of 2026 plus the 2026 orders = the 2026 plan exactly."""
    sc = _on_air_scenario("on_air").model_copy(
        update={
            "horizon": _on_air_scenario("on_air").horizon.model_copy(
                update={"start_date": dt.date(2025, 12, 31), "end_date": dt.date(2027, 1, 31)}
            ),
            "start_state": _on_air_scenario("on_air").start_state.model_copy(
                update={"pipeline_build_rate_5g_per_month": 1029.0}
            ),
        }
    )
    sc.operators["viettel"].annual_new_5g_sites = {2025: 1000, 2026: 12_000}
    sc.operators["viettel"].capex_budget_vnd_bn = {2025: 1e6}
    ro, _, clock = run(sc, make_plan(20_000))
    st = ro.state
    warm = st.order_day < 0
    assert 0 < ro.n_warm == int(warm.sum())
    plan_year = np.array([clock.year_of(d) for d in st.plan_day[warm]])
    want = np.maximum(st.order_day[warm] + 47.0, 0.0)
    assert np.array_equal(st.plan_day[warm], want)
    warm_2026 = int((plan_year == 2026).sum())
    assert warm_2026 > 0
    run_2026 = int(
        ((st.order_day >= 0) & (np.floor(st.plan_day) >= 1) & (np.floor(st.plan_day) <= 365)).sum()
    )
    assert ro.state.ordered_by_op_year[("viettel", 2026)] == warm_2026 + run_2026 == 12_000
    # the start year's day of plan (1 x 1,000 / 365 = 2.7 -> 3) is met by the pipeline's overdue sites: no order for it
    assert int((plan_year == 2025).sum()) >= 3 and not (st.plan_day[~warm & st.ordered] < 1).any()


def test_the_order_to_air_time_is_that_of_the_sites_the_operator_would_order():
    """The plan's first 500 sites are new sites that serve nobody (each loses its 3.3 bn capex and more: beyond the
    2 bn an operator accepts), then upgrades that serve 5,000 people each. The operator orders only the upgrades, so
    it plans 47 days ahead (the longer of an upgrade's 14-day permit and the 45-day kit, then 2 crew-days), not the
    122 of a new site (its 120-day permit, then 2 crew-days): the new sites stay at the head of its plan
    unordered and must not set its calendar (trial: upgrades ordered 135 days ahead went on air a year early)."""
    sc = _on_air_scenario("on_air")
    sc = sc.model_copy(
        update={
            "works": sc.works.model_copy(
                update={
                    "new_site_permit": sc.works.upgrade_permit.model_copy(
                        update={"p50_days": 120.0, "p90_days": 120.0}
                    )
                }
            )
        }
    )
    n = 3000
    is_new = np.arange(n) < 500
    plan = PlanArrays(
        is_new=is_new,
        region_idx=np.zeros(n, dtype=np.int64),
        province_idx=np.zeros(n, dtype=np.int64),
        people_served=np.where(is_new, 0.0, 5000.0),
    )
    ro, _, _ = run(sc, plan)
    st = ro.state
    assert not st.ordered[:500].any() and st.ordered[500:].sum() > 300
    assert np.all(st.plan_day[st.ordered] - st.order_day[st.ordered] == 47.0)
    assert ro._plan_lag_days(0, 0.0) == 47.0
    # the new sites would plan 122 days ahead had they passed: the calendar is that of what is ordered
    assert ro._p50_build_days(np.arange(500)).tolist() == [122.0] * 500


def test_an_order_to_air_time_that_grows_does_not_skip_the_rest_of_a_year():
    """The lag is 47 days until November, then the kits take 90 days: 1 November's plan day would be 2027-01-30,
    past 2026 whose plan still lacks its last month's orders. The round orders 2026's rest instead, planned on air
    on 31 December 2026 (its budget pays), and 2026's orders reach its plan exactly."""
    sc = _on_air_scenario("on_air")
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()
    ro = Rollout(env, sc, make_plan(5000), 0, clock, 1, 0, Ledger(lambda o, y: 1e9))
    slow = sc.supply.model_copy(
        update={"lead_time": sc.supply.lead_time.model_copy(update={"p50_days": 90.0, "p90_days": 90.0})}
    )

    def slower_kits() -> Any:
        yield env.timeout(float((dt.date(2026, 10, 15) - dt.date(2026, 1, 1)).days))
        ro.sc = ro.sc.model_copy(update={"supply": slow})  # what the operator plans with from mid-October

    ro.start()
    env.process(slower_kits())
    env.run(until=clock.horizon_days + 1)
    st = ro.state
    nov1 = float((dt.date(2026, 11, 1) - dt.date(2026, 1, 1)).days)
    at_nov = st.order_day == nov1
    assert at_nov.any() and np.all(st.plan_day[at_nov] == 364.0)  # 31 December 2026
    assert ro.state.ordered_by_op_year[("viettel", 2026)] == 365


def _dec1_orders(sc: Scenario, history: PipelineHistory | None = None) -> tuple[Rollout, np.ndarray]:
    """Run `sc` on a 5,000-site plan; (the rollout, the plan days of the orders placed on 1 December 2026)."""
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()

    def budget_for(owner: str, year: int) -> float:
        op = sc.operators.get(owner)
        return op.value_for_year(op.capex_budget_vnd_bn, year) if op else 0.0

    ro = Rollout(env, sc, make_plan(5000), 0, clock, 1, 0, Ledger(budget_for), history=history)
    ro.start()
    env.run(until=clock.horizon_days + 1)
    dec1 = float((dt.date(2026, 12, 1) - dt.date(2026, 1, 1)).days)
    st = ro.state
    return ro, st.plan_day[st.order_day == dec1]


def test_a_faster_chain_keeps_the_habitual_order_calendar_and_a_slower_one_orders_earlier():
    """The operator orders ahead by the longer of the scenario's order-to-air time and its habitual one (the default
    times, `history`): 14-day permits, 45-day kits and 2 crew-days make 47 days. With kits in 22 days it still orders
    47 days ahead, so 1 December 2026 orders 2027's sites, planned on air 47 days on (17 January): planned back with
    its own 24 days, 1 December's plan day fell in 2026, 2027's first round moved to 1 January and fewer stations
    were on air from January to June (lever audit). With kits in 90 days it orders 92 days ahead."""
    base = _on_air_scenario("on_air")
    habit = PipelineHistory(works=base.works, lead_time=base.supply.lead_time)
    dec1 = float((dt.date(2026, 12, 1) - dt.date(2026, 1, 1)).days)
    for lead, lag in ((22.0, 47.0), (45.0, 47.0), (90.0, 92.0)):
        kits = base.supply.lead_time.model_copy(update={"p50_days": lead, "p90_days": lead})
        sc = base.model_copy(update={"supply": base.supply.model_copy(update={"lead_time": kits})})
        ro, plan_days = _dec1_orders(sc, habit)
        assert ro._plan_lag_days(0, 0.0) == lag, lead
        if lead < 45.0:
            assert plan_days.size and np.all(plan_days == dec1 + 47.0), (
                lead
            )  # 2027's, on the habitual calendar


def test_a_year_whose_budget_is_spent_does_not_hold_the_next_year_s_orders():
    """2026's budget (100 bn) pays for fewer of its 365 stations than planned; 2027's pays for all. On 1 December
    2026 the plan day is in 2027 (47 days on) while 2026 still lacks orders: its rest would be ordered first, but its
    budget cannot pay the next site, so the round orders 2027's sites instead. Waiting for 2026's rest, VNPT ordered
    nothing on 1 November and 1 December when its targets were raised past its budget (lever audit)."""
    sc = _on_air_scenario("on_air")
    op = sc.operators["viettel"].model_copy(update={"capex_budget_vnd_bn": {2026: 100.0, 2027: 1000.0}})
    sc = sc.model_copy(update={"operators": {"viettel": op}})
    ro, plan_days = _dec1_orders(sc)
    assert ro.state.ordered_by_op_year[("viettel", 2026)] < 365  # 2026's budget ran out
    dec1 = float((dt.date(2026, 12, 1) - dt.date(2026, 1, 1)).days)
    assert plan_days.size > 0 and np.all(plan_days == dec1 + 47.0)


def test_start_year_counts_from_the_start_date():
    """Start 31 Oct: only the rest of the year counts (62 of 365 days), spread over Oct 31 (the one day of October
    left), Nov 1 and Dec 1."""
    sc = make_scenario(
        horizon={"start_date": dt.date(2025, 10, 31), "end_date": dt.date(2026, 1, 31)},
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2025: 100, 2026: 24},
                "capex_budget_vnd_bn": {2025: 1e5},
                "target_counts": "orders",  # the calendar of the hand counts (on air: test_on_air_*)
            }
        },
    )
    ro, _, clock = run(sc, make_plan(500))
    by_month = _orders_by_month(ro, clock)
    # 100 x 62/365 = 16.99; October's round has 1/31 of its month over 2 + 1/31 months left:
    # ceil(16.99 x (1/31) / 2.032) = ceil(0.27) = 1, then ceil(15.99/2) = 8, ceil(7.99/1) = 8; January 2026: 24/12 -> 2
    assert 100 * 62 / 365 == pytest.approx(16.986, abs=1e-3)
    assert by_month == {(2025, 10): 1, (2025, 11): 8, (2025, 12): 8, (2026, 1): 2}


@pytest.mark.parametrize("targets", [(1200, 600, 0), (100, 250, 37)])
def test_each_operator_gets_its_own_target(targets):
    ops = {
        name: {
            "start_share_5g_pct": 100.0 if i == 0 else 0.0,
            "annual_new_5g_sites": {2026: t},
            "capex_budget_vnd_bn": {2026: 1e5},
            "target_counts": "orders",  # a year of orders is the target exactly
        }
        for i, (name, t) in enumerate(zip(OPERATORS, targets))
    }
    sc = make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)}, operators=ops
    )
    # each operator has its own plan of 5,000 sites (its own block)
    ro, _, _ = run(sc, make_plan(15_000, operator=np.repeat(np.arange(3), 5_000)))
    for k, (name, t) in enumerate(zip(OPERATORS, targets)):
        assert int(np.sum((ro.state.operator == k) & ro.state.ordered)) == t, name
        assert not ro.state.ordered[k * 5_000 + t : (k + 1) * 5_000].any()  # from its own plan, in its order
        assert ro.state.ordered_by_op_year.get((name, 2026), 0) == t


def test_plan_exhaustion_stops_orders():
    sc = make_scenario(
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 1200},
                "capex_budget_vnd_bn": {2026: 1e5},
            }
        }
    )
    ro, _, _ = run(sc, make_plan(150))  # 100 a month wanted, 150 in the plan
    assert n_ordered(ro) == 150
    assert not np.isnan(ro.state.order_day).any()


def test_budget_binds_upgrades():
    """B = 100 bn phased evenly: each month may spend (B - spent) / months left, at 1.3 bn per upgrade;
    December takes what is left, so the year buys floor(100 / 1.3) = 76 upgrades."""
    sc = make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2027, 12, 31)},
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 1200},
                "capex_budget_vnd_bn": {2026: 100.0, 2027: 13.0},
                "target_counts": "orders",  # the calendar of the hand counts (on air: test_on_air_*)
            }
        },
    )
    ro, ledger, clock = run(sc, make_plan(5000))
    by_month = _orders_by_month(ro, clock)
    spent, want = 0.0, []
    for months_left in range(12, 0, -1):  # hand loop: the pace (100 a month) never binds first
        n = math.floor((100.0 - spent) / months_left / UP_CAPEX + 1e-9)
        want.append(n)
        spent += n * UP_CAPEX
    assert [by_month.get((2026, m), 0) for m in range(1, 13)] == want
    assert want[0] == 6 and sum(want) == 76 == math.floor(100.0 / UP_CAPEX)
    # 2027: 13 bn buys exactly 10 upgrades, one a month from March (13/10 = 1.3) to December
    assert [by_month.get((2027, m), 0) for m in range(1, 13)] == [0, 0] + [1] * 10
    assert ledger.committed[("viettel", 2026)] == pytest.approx(76 * UP_CAPEX)
    assert ledger.available("viettel", 2026) == pytest.approx(100.0 - 76 * UP_CAPEX)
    assert ledger.available("viettel", 2026) < UP_CAPEX


def test_budget_binds_mixed_plan():
    """Plan new, up, up, new, new, ... with B = 10 phased over the year: 10/ml >= 3.3 (the first, new site)
    only from October (ml = 3): Oct 3.33 -> new (3.3); Nov 6.7/2 = 3.35 -> up, up (2.6); Dec 4.1 -> new (3.3).
    4 sites, 9.2 bn; the planner does not skip an expensive site to buy cheaper ones further down."""
    is_new = np.array([1, 0, 0, 1, 1, 0, 0, 0] * 50, bool)
    sc = make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)},
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 12000},
                "capex_budget_vnd_bn": {2026: 10.0},
            }
        },
    )
    ro, ledger, clock = run(sc, make_plan(is_new.size, is_new))
    assert n_ordered(ro) == 4
    assert _orders_by_month(ro, clock) == {(2026, 10): 1, (2026, 11): 2, (2026, 12): 1}
    assert ledger.committed[("viettel", 2026)] == pytest.approx(9.2)
    assert np.isnan(ro.state.order_day[4:]).all()


def test_zero_budget_orders_nothing():
    sc = make_scenario(
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 1200},
                "capex_budget_vnd_bn": {},
            }
        }
    )
    ro, _, _ = run(sc, make_plan(100))
    assert n_ordered(ro) == 0


# --------------------------------------------------------------------------- permits and work times


@pytest.fixture(scope="module")
def random_rollout():
    """A large mixed plan with random (log-normal) permits, lead times and work times."""
    n = 40_000
    is_new = np.random.default_rng(7).random(n) < 0.5
    sc = make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)},
        crews={"north": {"teams": 2000}},
        works={
            "upgrade_permit": {"p50_days": 14, "p90_days": 45},
            "new_site_permit": {"p50_days": 120, "p90_days": 300},
            "upgrade_team_days": {"p50_days": 2, "p90_days": 4},
            "new_site_team_days": {"p50_days": 12, "p90_days": 25},
        },
        supply={"deliveries_per_month": 1_000_000, "lead_time": {"p50_days": 45, "p90_days": 90}},
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 480_000},
                "capex_budget_vnd_bn": {2026: 1e6},
            }
        },
    )
    ro, _, _ = run(sc, make_plan(n, is_new), seed=11)
    return sc, is_new, ro


def test_no_site_on_air_before_order_plus_permit(random_rollout):
    _, is_new, ro = random_rollout
    st = ro.state
    on = ~np.isnan(st.on_air_day)
    assert on.sum() > 20_000 and (on & is_new).sum() > 5_000
    assert np.all(st.on_air_day[on] >= st.order_day[on] + ro.permit_days[on] - 1e-9)
    assert np.all(st.on_air_day[on] >= st.permit_done_day[on] + ro.team_days[on] - 1e-9)
    assert np.all(st.on_air_day[on] >= st.order_day[on] + ro.lead_days[on] - 1e-9)
    assert np.all(st.permit_done_day[on] == st.order_day[on] + ro.permit_days[on])


@pytest.mark.parametrize(
    "attr,new,up", [("permit_days", (120, 300), (14, 45)), ("team_days", (12, 25), (2, 4))]
)
def test_new_and_upgrade_draw_from_their_own_distributions(random_rollout, attr, new, up):
    _, is_new, ro = random_rollout
    x = getattr(ro, attr)
    for mask, (p50, p90) in ((is_new, new), (~is_new, up)):
        assert np.median(x[mask]) == pytest.approx(p50, rel=0.03)
        assert np.quantile(x[mask], 0.9) == pytest.approx(p90, rel=0.05)
    assert np.median(ro.lead_days) == pytest.approx(45, rel=0.03)
    assert np.quantile(ro.lead_days, 0.9) == pytest.approx(90, rel=0.05)


def test_deterministic_delays_are_exact():
    sc = make_scenario(
        works={
            "upgrade_permit": fixed(14),
            "new_site_permit": fixed(120),
            "upgrade_team_days": fixed(2),
            "new_site_team_days": fixed(12),
        }
    )
    is_new = np.arange(100) % 2 == 0
    ro, _, _ = run(sc, make_plan(100, is_new))
    assert np.all(ro.permit_days[is_new] == 120) and np.all(ro.permit_days[~is_new] == 14)
    assert np.all(ro.team_days[is_new] == 12) and np.all(ro.team_days[~is_new] == 2)


# --------------------------------------------------------------------------- a planner's dated rows


def _dated_plan(dated_day: float) -> PlanArrays:
    """40 upgrades nobody would build (no one newly covered: each loses its capex) and 40 that pay; sites 30..39,
    four that do not pay, planned on air on `dated_day` (a planner's dated rows, sites.planned_dates = "hold")."""
    plan = make_plan(80)
    plan.people_served = np.r_[np.zeros(40), np.full(40, 1e6)]
    planned = np.full(80, np.nan)
    planned[30:40] = dated_day
    plan.planned_on_air_day = planned
    return plan


def test_a_planner_s_dated_rows_are_ordered_in_the_round_before_their_release_day():
    """Upgrades: permit 20 days, kit lead time 10, crew 2 (fixed): 22 days from order to air, so a row planned on air
    on day 200 (2026-07-20) is released on day 178 and ordered in the round of 1 June (day 151), on air on day 173:
    by its date, not in January with the others. It is ordered though its business case fails (the planner decided
    it); the other sites that fail it are not."""
    sc = make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)},
        works={"upgrade_permit": fixed(20), "upgrade_team_days": fixed(2)},
        supply={"deliveries_per_month": 1_000_000, "lead_time": fixed(10)},
        business_case={"accepted_loss_vnd_bn_per_site": 0.5},  # below an upgrade's capex (1.3 bn)
    )
    ro, _, clock = run(sc, _dated_plan(200.0))
    st = ro.state
    june = clock.day(dt.date(2026, 6, 1))
    assert june == 151.0
    np.testing.assert_array_equal(st.order_day[30:40], np.full(10, june))
    np.testing.assert_array_equal(st.on_air_day[30:40], np.full(10, june + 22.0))
    assert (st.on_air_day[30:40] <= 200.0).all()
    assert (st.order_day[40:] == 0.0).all()  # the sites that pay: the first round
    assert not st.ordered[:30].any()  # the business case still holds the rest back
    # a date whose release day is not after the start: in the queue from the start, with the others
    ro, _, _ = run(sc, _dated_plan(15.0))
    assert (ro.state.order_day[30:] == 0.0).all()
    # without dates (sites.planned_dates = "order"): the rows are sites like the others, held by their case
    plan = _dated_plan(200.0)
    plan.planned_on_air_day = None
    ro, _, _ = run(sc, plan)
    assert (ro.state.order_day[40:] == 0.0).all() and not ro.state.ordered[:40].any()


def test_the_world_reads_the_planned_days_from_the_site_file_s_dates():
    """`planned_days`: days from the start of the file's dated rows after the start network; NaN for the start
    network and undated rows; None under "order" (the default) or with no dated row."""
    import polars as pl

    from dxsim.sim.world import planned_days

    base = load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml")
    start = base.horizon.start_date
    plan = pl.DataFrame(
        {"on_air_date": [dt.date(2025, 6, 1), start + dt.timedelta(days=40), None, dt.date(2029, 6, 30)]}
    )
    hold = base.model_copy(update={"sites": base.sites.model_copy(update={"planned_dates": "hold"})})
    got = planned_days(hold, plan, n_start=1)
    assert got is not None
    np.testing.assert_array_equal(got, [np.nan, 40.0, np.nan, float((dt.date(2029, 6, 30) - start).days)])
    assert planned_days(base, plan, n_start=1) is None
    assert planned_days(hold, plan.head(1), n_start=1) is None  # only the start network is dated


# --------------------------------------------------------------------------- subsidy


def _subsidy_scenario(fund: float, min_stations: int = 15, **over: Any) -> Scenario:
    """Start 1 Dec 2026, every operator's 2026 target ordered at day 0 and on air within a day;
    the window is December 2026 (end = day 30); support is paid on day 31 (2027-01-01)."""
    # the start year counts pro rata (31 of 365 days): floor(t x 365 / 31) announced gives t in December
    targets = {"viettel": 353, "vnpt": 117, "mobifone": 235}
    assert [math.ceil(t * 31 / 365) for t in targets.values()] == [30, 10, 20]
    shares = {"viettel": 100.0, "vnpt": 0.0, "mobifone": 0.0}
    d: dict[str, Any] = {
        "horizon": {"start_date": dt.date(2026, 12, 1), "end_date": dt.date(2027, 1, 31)},
        "operators": {
            o: {
                "start_share_5g_pct": shares[o],
                "annual_new_5g_sites": {2026: t},
                "capex_budget_vnd_bn": {2026: 1000.0, 2027: 50.0},
            }
            for o, t in targets.items()
        },
        "crews": {"north": {"teams": 1000}},
        "works": {
            "upgrade_permit": fixed(0),
            "new_site_permit": fixed(0),
            "upgrade_team_days": fixed(1),
            "new_site_team_days": fixed(1),
        },
        "costs": {"upgrade_equipment_vnd_bn": 2.0, "new_site_equipment_vnd_bn": 3.0},
        "subsidy": {
            "equipment_share_pct": 15.0,
            "window_start": dt.date(2026, 12, 1),
            "window_end": dt.date(2026, 12, 31),
            "min_stations_per_operator": min_stations,
            "fund_vnd_bn": fund,
        },
        "surge": {"enabled": False},  # payment rules only (the surge: tests/test_operator_decision.py)
    }
    d.update(over)
    return make_scenario(**d)


def sub_plan(n_start: int = 0, is_new: np.ndarray = None) -> PlanArrays:
    """Start sites (viettel), then viettel's own 30 sites, vnpt's 10 and mobifone's 20."""
    ops = np.r_[np.zeros(n_start, int), [0] * 30 + [1] * 10 + [2] * 20]
    return make_plan(ops.size, SUB_IS_NEW if is_new is None else is_new, operator=ops)


SUB_IS_NEW = np.arange(60) % 3 == 0  # ranks 0, 3, 6, ... are new sites


def test_subsidy_paid_only_to_operators_over_the_threshold_uncapped():
    sc = _subsidy_scenario(fund=1000.0)
    ro, ledger, clock = run(sc, sub_plan())
    st = ro.state
    # planner order on day 0: viettel ranks 0-29, vnpt 30-39, mobifone 40-59
    assert list(st.operator) == [0] * 30 + [1] * 10 + [2] * 20
    assert np.all(st.on_air_day <= 30)
    # viettel: 10 new x 3.0 + 20 upgrades x 2.0 = 70 bn equipment -> 15% = 10.5
    # mobifone (ranks 40-59, new at 42, 45, ..., 57): 6 x 3.0 + 14 x 2.0 = 46 -> 6.9
    # vnpt: 10 stations < 15 -> nothing
    paid = {name: amt for _, name, amt in ro.subsidy_events}
    assert paid == pytest.approx({"viettel": 10.5, "mobifone": 6.9})
    assert ro.subsidy_paid_vnd_bn == pytest.approx(17.4)
    assert all(day == 31.0 for day, _, _ in ro.subsidy_events)
    # credited to the owners' 2027 budgets (the year of the payment day)
    assert clock.year_of(31.0) == 2027
    assert ledger.received[("viettel", 2027)] == pytest.approx(10.5)
    assert ledger.received[("mobifone", 2027)] == pytest.approx(6.9)
    assert ledger.received[("vnpt", 2027)] == 0.0
    assert ledger.available("vnpt", 2027) == pytest.approx(50.0)
    committed = ledger.committed[("viettel", 2027)]
    assert ledger.available("viettel", 2027) == pytest.approx(50.0 + 10.5 - committed)


def test_subsidy_capped_pro_rata_by_the_fund():
    sc = _subsidy_scenario(fund=10.0)
    ro, ledger, _ = run(sc, sub_plan())
    paid = {name: amt for _, name, amt in ro.subsidy_events}
    # 10.5 + 6.9 = 17.4 claimed > 10 in the fund: each gets claim x 10 / 17.4
    assert paid == pytest.approx({"viettel": 10.5 * 10 / 17.4, "mobifone": 6.9 * 10 / 17.4})
    assert ro.subsidy_paid_vnd_bn == pytest.approx(10.0)
    assert ledger.received[("viettel", 2027)] == pytest.approx(6.0344827586)


def test_subsidy_threshold_counts_in_window_start_sites():
    """20 start sites (all viettel), 10 of them on air when the window opened -> the other 10 count.

    viettel builds 30 in the window -> 30 + 10 = 40 eligible; vnpt 10 and mobifone 20 are under 25.
    Equipment: 70 bn (built) + 10 x 2.0 (start share at the upgrade price) = 90 -> 15% = 13.5.
    """
    sc = _subsidy_scenario(fund=1000.0, min_stations=25, start_state={"stations_5g_at_window_start": 10})
    is_new = np.r_[np.zeros(20, bool), SUB_IS_NEW]
    ro, _, _ = run(sc, sub_plan(20, is_new), n_start=20)
    assert np.all(ro.state.operator[:20] == 0)
    paid = {name: amt for _, name, amt in ro.subsidy_events}
    assert paid == pytest.approx({"viettel": 13.5})
    # with every start site on air before the window (the default 10,928 > 20) viettel still qualifies on its own 30
    sc0 = _subsidy_scenario(fund=1000.0, min_stations=25)
    ro0, _, _ = run(sc0, sub_plan(20, is_new), n_start=20)
    assert {n: a for _, n, a in ro0.subsidy_events} == pytest.approx({"viettel": 10.5})
    # ... but not with a threshold of 35, which only the start sites push it over
    sc1 = _subsidy_scenario(fund=1000.0, min_stations=35, start_state={"stations_5g_at_window_start": 20})
    ro1, ledger1, _ = run(sc1, sub_plan(20, is_new), n_start=20)
    assert ro1.subsidy_events == [] and ro1.subsidy_paid_vnd_bn == 0.0
    assert sum(ledger1.received.values()) == 0.0


def test_sites_on_air_after_the_window_do_not_count():
    # crews of 1 team, 1 team-day each: viettel's 30 sites take 30 days; window ends day 14
    sc = _subsidy_scenario(
        fund=1000.0,
        min_stations=1,
        crews={"north": {"teams": 1}},
        subsidy={
            "equipment_share_pct": 15.0,
            "window_start": dt.date(2026, 12, 1),
            "window_end": dt.date(2026, 12, 15),
            "min_stations_per_operator": 1,
            "fund_vnd_bn": 1000.0,
        },
    )
    ro, _, _ = run(sc, sub_plan())
    st = ro.state
    # one site a day in rank order: site i (0-based) on air on day i + 1
    np.testing.assert_allclose(st.on_air_day, np.arange(1, 61), atol=1e-9)
    # by day 14: viettel ranks 0-13, of which 0, 3, 6, 9, 12 are new -> 5 x 3.0 + 9 x 2.0 = 33 -> 4.95
    assert {n: a for _, n, a in ro.subsidy_events} == pytest.approx({"viettel": 4.95})


def test_no_subsidy_when_share_is_zero():
    sc = _subsidy_scenario(fund=1000.0, subsidy={"equipment_share_pct": 0.0})
    ro, ledger, _ = run(sc, sub_plan())
    assert ro.subsidy_events == [] and sum(ledger.received.values()) == 0.0


# --------------------------------------------------------------------------- determinism


@pytest.fixture(scope="module")
def random_scenario():
    return make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)},
        works={
            "upgrade_permit": {"p50_days": 14, "p90_days": 45},
            "new_site_permit": {"p50_days": 120, "p90_days": 300},
            "upgrade_team_days": {"p50_days": 2, "p90_days": 4},
            "new_site_team_days": {"p50_days": 12, "p90_days": 25},
        },
        supply={"deliveries_per_month": 800, "lead_time": {"p50_days": 45, "p90_days": 90}},
        crews={"north": {"teams": 200}},
        operators={
            o: {
                "start_share_5g_pct": s,
                "annual_new_5g_sites": {2026: 3000},
                "capex_budget_vnd_bn": {2026: 1e5},
            }
            for o, s in zip(OPERATORS, (55.0, 30.0, 15.0))
        },
    )


def test_same_seed_same_timeline(random_scenario):
    is_new = np.arange(12_000) % 4 == 0
    a, _, _ = run(random_scenario, make_plan(is_new.size, is_new), n_start=500, seed=5)
    b, _, _ = run(random_scenario, make_plan(is_new.size, is_new), n_start=500, seed=5)
    np.testing.assert_array_equal(a.state.on_air_day, b.state.on_air_day)
    np.testing.assert_array_equal(a.state.operator, b.state.operator)
    assert np.sum(~np.isnan(a.state.on_air_day)) > 1000


def test_different_seed_or_replication_different_timeline(random_scenario):
    is_new = np.arange(12_000) % 4 == 0
    a, _, _ = run(random_scenario, make_plan(is_new.size, is_new), n_start=500, seed=5)
    b, _, _ = run(random_scenario, make_plan(is_new.size, is_new), n_start=500, seed=6)
    c, _, _ = run(random_scenario, make_plan(is_new.size, is_new), n_start=500, seed=5, replication=1)
    assert not np.array_equal(a.state.on_air_day, b.state.on_air_day, equal_nan=True)
    assert not np.array_equal(a.state.on_air_day, c.state.on_air_day, equal_nan=True)


def test_common_random_numbers_across_options(random_scenario):
    """Same seed, another option (more crews): the per-site draws are identical."""
    crews = {"north": random_scenario.crews["north"].model_copy(update={"teams": 50})}
    other = random_scenario.model_copy(update={"crews": crews})
    plan = make_plan(5000, np.arange(5000) % 4 == 0)
    a, _, _ = run(random_scenario, plan, seed=5)
    b, _, _ = run(other, plan, seed=5)
    np.testing.assert_array_equal(a.permit_days, b.permit_days)
    np.testing.assert_array_equal(a.lead_days, b.lead_days)
    np.testing.assert_array_equal(a.team_days, b.team_days)
    assert not np.array_equal(a.state.on_air_day, b.state.on_air_day, equal_nan=True)


# --------------------------------------------------------------------------- stage bookkeeping


@pytest.mark.parametrize("until", [40.0, 95.0, 200.0])
def test_waiting_lists_match_a_scan_of_the_site_timeline(until: float):
    """The rollout keeps sites waiting for a kit and for a crew as short lists (speed); the stage
    counts the Monitor reports must equal a brute-force scan of every ordered site's timeline."""
    sc = make_scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)},
        works={
            "upgrade_permit": {"p50_days": 30, "p90_days": 90},
            "new_site_permit": {"p50_days": 60, "p90_days": 200},
            "upgrade_team_days": {"p50_days": 2, "p90_days": 6},
            "new_site_team_days": {"p50_days": 8, "p90_days": 20},
        },
        supply={"deliveries_per_month": 300, "lead_time": {"p50_days": 20, "p90_days": 60}},
        crews={"north": {"teams": 3}},
    )
    rng = np.random.default_rng(3)
    ro, _, _ = run(sc, make_plan(4000, is_new=rng.random(4000) < 0.3), n_start=50, until=until)
    st, day = ro.state, until
    ordered = np.arange(st.on_air_day.size) >= 50
    ordered &= ~np.isnan(st.order_day)
    # waiting: no crew on site by `day` (not taken, or taken by the week's pass with its start still ahead)
    waiting = ordered & ~(st.crew_start_day <= day)
    permit = waiting & (st.permit_done_day > day)
    equipment = waiting & ~permit & ~(st.delivered_day <= day)
    crew = waiting & ~permit & ~equipment
    assert ro.waiting_counts(day) == (int(permit.sum()), int(equipment.sum()), int(crew.sum()))
    assert min(permit.sum(), equipment.sum(), crew.sum()) > 0  # every stage is exercised
    taken_ahead = ordered & (st.crew_start_day > day)
    building = ordered & (st.on_air_day > day) & ~taken_ahead
    on_air_built = ordered & (st.on_air_day <= day)
    assert ro.committed - int(on_air_built.sum()) - int(taken_ahead.sum()) == int(building.sum())
    # the lists hold exactly the undelivered and the delivered-but-not-taken sites, in rank order
    assert np.array_equal(ro._kit_wait, np.flatnonzero(ordered & np.isnan(st.delivered_day)))
    not_taken = ordered & np.isnan(st.on_air_day)
    assert np.array_equal(ro._crew_wait, np.flatnonzero(not_taken & ~np.isnan(st.delivered_day)))
