"""Operators decide (dxsim.sim.operators, dxsim.sim.rollout): hand-computed cases.

- with no incentive the operator follows its business case (skips sites that do not pay);
- support per site turns those sites profitable;
- a threshold within reach makes it surge at its last chance before the deadline, and the surge's
  premium appears in capex; out of reach, not worth it, or past the deadline, it does not surge;
- the warm start fills the pipeline by Little's law;
- held-back shares add up to 100, and doubling crews that are not binding changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
import simpy
from test_rollout import deep_update, fixed

from dxsim.delay import share_within_days
from dxsim.scenario.fields import DelayDays
from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.operators import BusinessCase
from dxsim.sim.calendar import Clock
from dxsim.sim.finance import Ledger, commitment_owner
from dxsim.sim.operators import (
    SurgeCase,
    choose_orders,
    monthly_pace,
    revenue_vnd_bn,
    site_npv_vnd_bn,
    surge_decision,
    surge_size,
)
from dxsim.errors import DxsimInputError
from dxsim.sim.rollout import HELD_CAUSES, PlanArrays, Rollout

UP_CAPEX = 1.3


def scenario(**over: Any) -> Scenario:
    d: dict[str, Any] = {
        "name": "ops",
        "horizon": {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 8, 31)},
        "operators": {
            "viettel": {
                "start_share_5g_pct": 100.0,
                "subscriber_share_pct": 100.0,
                "annual_new_5g_sites": {2026: 120},
                "capex_budget_vnd_bn": {2026: 1e5},
                # the pace's calendar is that of the orders here (10 a month from 1 January); the calendar of the
                # day orders go on air (the default) has its own hand tests in tests/test_rollout.py
                "target_counts": "orders",
            }
        },
        "crews": {"north": {"teams": 10}},
        "seasons": {},
        "works": {
            "upgrade_permit": fixed(10),
            "new_site_permit": fixed(10),
            "upgrade_team_days": fixed(2),
            "new_site_team_days": fixed(2),
        },
        "supply": {"deliveries_per_month": 1_000_000, "lead_time": fixed(0)},
        "subsidy": {"equipment_share_pct": 0.0},
        "start_state": {"pipeline_build_rate_5g_per_month": 0.0},
        "business_case": {
            "arpu_vnd_k_per_month": 100.0,
            "take_up_pct": 10.0,
            "payback_years": 5.0,
            "accepted_loss_vnd_bn_per_site": 0.0,
            "opex_vnd_bn_per_site_year": 0.12,
        },
    }
    return Scenario.model_validate(deep_update(d, over))


def viettel_alone(year: int, sites: int, budget_vnd_bn: float, counts: str = "on_air") -> dict[str, Any]:
    """`operators`: Viettel alone (all of the 5G and of the subscribers), its plan and budget for one year, and what
    they count (`target_counts`)."""
    return {
        "viettel": {
            "start_share_5g_pct": 100.0,
            "subscriber_share_pct": 100.0,
            "annual_new_5g_sites": {year: sites},
            "capex_budget_vnd_bn": {year: budget_vnd_bn},
            "target_counts": counts,
        }
    }


def plan(n: int, people: np.ndarray | float = np.inf, operator: np.ndarray | None = None) -> PlanArrays:
    return PlanArrays(
        is_new=np.zeros(n, bool),
        region_idx=np.zeros(n, np.int64),
        province_idx=np.zeros(n, np.int64),
        operator=np.zeros(n, np.int8) if operator is None else operator,
        people_served=np.broadcast_to(np.asarray(people, float), (n,)).copy(),
    )


def run(
    sc: Scenario, pa: PlanArrays, n_start: int = 0, rollout: type[Rollout] = Rollout
) -> tuple[Rollout, Ledger, Clock]:
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()
    ledger = Ledger(lambda o, y: sc.operators[o].value_for_year(sc.operators[o].capex_budget_vnd_bn, y))
    ro = rollout(env, sc, pa, n_start, clock, 1, 0, ledger)
    ro.start()
    env.run(until=clock.horizon_days + 1)
    return ro, ledger, clock


# --------------------------------------------------------------------------- business case by hand


def test_business_case_by_hand():
    bc = BusinessCase(
        arpu_vnd_k_per_month=100.0, take_up_pct=10.0, payback_years=5.0, opex_vnd_bn_per_site_year=0.12
    )
    # 5,000 people x 100% x 10% x 100k VND x 12 x 5 = 3.0 bn VND
    assert revenue_vnd_bn(np.array([5000.0]), 100.0, bc)[0] == pytest.approx(3.0)
    # a 55% operator earns 55% of it
    assert revenue_vnd_bn(np.array([5000.0]), 55.0, bc)[0] == pytest.approx(1.65)
    # 3.0 - 1.3 capex - 0.6 opex = 1.1; 100 people: 0.06 - 1.9 = -1.84; support 2.0 makes it +0.16
    npv = site_npv_vnd_bn(np.array([5000.0, 100.0]), np.array([UP_CAPEX, UP_CAPEX]), 100.0, bc)
    np.testing.assert_allclose(npv, [1.1, -1.84])
    assert site_npv_vnd_bn(np.array([100.0]), np.array([UP_CAPEX]), 100.0, bc, 2.0)[0] == pytest.approx(0.16)


def test_pace_and_choice_by_hand():
    assert monthly_pace(120, 0, 12) == 10 and monthly_pace(120, 115, 1) == 5 and monthly_pace(10, 12, 3) == 0
    # a round with 1 of October's 31 days left, then November and December: 620 x (1/31) / (2 + 1/31) = 9.84 -> 10
    assert monthly_pace(620, 0, 2 + 1 / 31, 1 / 31) == 10 and monthly_pace(620, 10, 2.0) == 305


def test_a_start_on_a_month_s_last_day_orders_one_day_of_pace_there():
    """A run starting on 31 October orders, on its first day, the pace of the one day of October left, then half of
    the rest on 1 November and the rest on 1 December; it ordered a third on each (October counted as a month left:
    two thirds of the two months' plan in the first two days; modelling audit). Viettel's 2025 plan of 12,000 sites
    counts pro rata from the start: 12,000 x 62/365 = 2,038.4; by hand 2,038.4 x (1/31) / (2 + 1/31) = 32.3 -> 33 on
    day 0, (2,038.4 - 33) / 2 = 1,002.7 -> 1,003 on day 1, the rest (1,002.4 -> 1,003) on day 31."""
    from dxsim.sim.rollout import Rollout

    sc = scenario(
        horizon={"start_date": dt.date(2025, 10, 31), "end_date": dt.date(2025, 12, 31)},
        operators=viettel_alone(2025, 12_000, 1e6, counts="orders"),
        crews={"north": {"teams": 10_000}},
    )
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()
    ro = Rollout(env, sc, plan(5000), 0, clock, 1, 0, Ledger(lambda o, y: 1e7))
    ro.start()
    env.run(until=clock.horizon_days + 1)
    days, counts = np.unique(ro.state.order_day[ro.state.ordered], return_counts=True)
    assert days.tolist() == [0.0, 1.0, 31.0] and counts.tolist() == [33, 1003, 1003]
    rem = np.arange(10, 20)
    npv = np.array([1, -1, 1, 1, -1, 1, 1, 1, 1, 1], float)
    o = choose_orders(rem, npv, np.full(10, UP_CAPEX), pace=4, available_vnd_bn=100.0, spare_cap=3)
    # the first 4 profitable: positions 0, 2, 3, 5; spare: the next profitable 6, 7, 8
    assert list(o.picked) == [10, 12, 13, 15] and list(o.spare) == [16, 17, 18]
    assert (o.held_business_case, o.held_budget, o.held_plan) == (0, 0, 0)
    # budget for 3 (3 x 1.3 = 3.9 <= 4 < 5.2): one held by the budget, no spare
    o = choose_orders(rem, npv, np.full(10, UP_CAPEX), pace=4, available_vnd_bn=4.0, spare_cap=3)
    assert list(o.picked) == [10, 12, 13] and o.held_budget == 1 and o.spare.size == 0
    # 8 profitable of 10 for a pace of 12: 2 asked-for sites do not pay, 2 are beyond the plan
    o = choose_orders(rem, npv, np.full(10, UP_CAPEX), pace=12, available_vnd_bn=100.0)
    assert o.picked.size == 8 and o.held_business_case == 2 and o.held_plan == 2


def test_no_incentive_the_operator_follows_its_business_case():
    """Break-even at 1.9 / 0.0006 = 3,167 people: it orders the 5,000-people sites, never the 100-people ones."""
    people = np.where(np.arange(40) % 2 == 0, 5000.0, 100.0)
    ro, _, _ = run(scenario(), plan(40, people))
    st = ro.state
    assert st.ordered[::2].all() and not st.ordered[1::2].any()
    # 10 a month from January: the 20 profitable sites go in January and February
    assert np.all(st.order_day[::2][:10] == 0.0) and np.all(st.order_day[::2][10:] == 31.0)


RURAL_PEOPLE = np.where(np.arange(40) % 2 == 0, 5000.0, 100.0)  # even sites pay, odd ones lose 1.84 bn


def rural_support(per_site_vnd_bn: float, fund_vnd_bn: float = 1e6) -> Scenario:
    """A support programme open all of 2026 for every station, at a fixed amount per station."""
    return scenario(
        supports=[
            {
                "name": "rural",
                "per_site_vnd_bn": per_site_vnd_bn,
                "window_start": dt.date(2026, 1, 1),
                "window_end": dt.date(2026, 12, 31),
                "fund_vnd_bn": fund_vnd_bn,
            }
        ]
    )


def test_support_per_site_makes_unprofitable_sites_pay():
    """2.0 bn per site beats the -1.84 bn case: every site is ordered (a lever that moves the outcome)."""
    ro, _, _ = run(rural_support(2.0), plan(40, RURAL_PEOPLE))
    assert ro.state.ordered.all()
    paid = sum(a for _, _, a in ro.subsidy_events)
    assert paid == 0.0  # the window closes after the horizon: nothing paid yet
    ro2, _, _ = run(rural_support(1.0), plan(40, RURAL_PEOPLE))
    assert not ro2.state.ordered[1::2].any()  # 1.0 < 1.84: still not worth it


def test_a_provincial_programme_pays_and_moves_only_its_province() -> None:
    """supports.provinces: a province's own money. Sites 0-19 stand in province 01, 20-39 in 11; 2.0 bn a station in
    11 only, window January-June, paid within the horizon. The loss-making sites of 11 are built, those of 01 are not
    (no support reaches them), and what is paid is 2.0 bn for each station of 11 on air in the window, counted here
    from the stations' own on-air days."""
    province_idx = np.repeat([0, 1], 20)
    pa = plan(40, RURAL_PEOPLE)
    pa.province_idx[:] = province_idx
    support = {
        "name": "dien_bien",
        "per_site_vnd_bn": 2.0,
        "provinces": ["11"],
        "window_start": dt.date(2026, 1, 1),
        "window_end": dt.date(2026, 6, 30),
    }
    sc = scenario(supports=[support])
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()
    ledger = Ledger(lambda o, y: 1e5)
    ro = Rollout(env, sc, pa, 0, clock, 1, 0, ledger, province_codes=["01", "11"])
    ro.start()
    env.run(until=clock.horizon_days + 1)
    st = ro.state
    odd = np.arange(40) % 2 == 1
    assert st.ordered[~odd].all()  # the sites that pay go anyway, in both provinces
    assert st.ordered[odd & (province_idx == 1)].all() and not st.ordered[odd & (province_idx == 0)].any()
    end = float((support["window_end"] - sc.horizon.start_date).days) + 1.0
    on = st.on_air_day
    in_window = (province_idx == 1) & ~np.isnan(on) & (on >= 0) & (on < end)
    paid = sum(a for _, _, a in ro.subsidy_events)
    assert in_window.sum() > 10 and paid == pytest.approx(2.0 * int(in_window.sum()))
    assert ro.support_paid_by_programme == {"dien_bien": pytest.approx(paid)}  # who paid it
    # beside a national programme (0.5 bn a station anywhere): each programme's own money, adding up to the total
    national = {**support, "name": "national", "per_site_vnd_bn": 0.5, "provinces": []}
    sc2 = scenario(supports=[support, national])
    env = simpy.Environment()
    ro2 = Rollout(env, sc2, pa, 0, clock, 1, 0, Ledger(lambda o, y: 1e5), province_codes=["01", "11"])
    ro2.start()
    env.run(until=clock.horizon_days + 1)
    on2 = ro2.state.on_air_day
    built2 = ~np.isnan(on2) & (on2 >= 0) & (on2 < end)
    assert ro2.support_paid_by_programme["dien_bien"] == pytest.approx(
        2.0 * int((built2 & (province_idx == 1)).sum())
    )
    assert ro2.support_paid_by_programme["national"] == pytest.approx(0.5 * int(built2.sum()))
    assert sum(ro2.support_paid_by_programme.values()) == pytest.approx(ro2.subsidy_paid_vnd_bn)
    with pytest.raises(DxsimInputError, match=r"supports\[1\]\.provinces\[1\] = '11': unknown province code"):
        Rollout(simpy.Environment(), sc, pa, 0, clock, 1, 0, ledger, province_codes=["01", "08"])


@pytest.mark.parametrize(("fund_vnd_bn", "loss_making_ordered"), [(10.0, 5), (30.0, 10), (1e6, 20)])
def test_operators_weigh_the_share_of_a_small_fund(fund_vnd_bn: float, loss_making_ordered: int) -> None:
    """2.0 bn a station, every station eligible; the fund cuts claims beyond it pro rata, and operators see it.

    By hand, 10 a month in plan order (even sites pay, odd ones lose 1.84 bn without support):
    - January: no claims yet, share 1: sites 0-9 (5 loss-making), 20 bn of claims.
    - February: fund 10 -> share 10/20 = 0.5, 1.0 bn < 1.84: only paying sites from now on (5 loss-making in all).
      Fund 30 -> share 1 (20 <= 30): sites 10-19, 40 bn of claims; March: 30/40 = 0.75, 1.5 < 1.84: 10 in all.
      Fund 1,000,000: never binds, all 20 loss-making sites go (the case without a cap above)."""
    ro, _, _ = run(rural_support(2.0, fund_vnd_bn), plan(40, RURAL_PEOPLE))
    st = ro.state
    assert st.ordered[::2].all()  # the sites that pay go anyway
    assert int(st.ordered[1::2].sum()) == loss_making_ordered
    assert np.flatnonzero(st.ordered[1::2]).tolist() == list(range(loss_making_ordered))  # in plan order
    assert ro.ordered_for_support == loss_making_ordered


# --------------------------------------------------------------------------- the surge


def surge_scenario(
    threshold: int = 100,
    premium: float = 0.15,
    window_end: dt.date = dt.date(2026, 6, 30),
    surge: dict[str, Any] | None = None,
    **over: Any,
) -> Scenario:
    return scenario(
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "subscriber_share_pct": 100.0,
                "annual_new_5g_sites": {2026: 12},
                "capex_budget_vnd_bn": {2026: 1e5},
                "target_counts": "orders",  # the pace the hand counts below use: 1 ordered a month
            }
        },
        supports=[
            {
                "name": "push",
                "per_site_vnd_bn": 1.0,
                "min_stations_per_operator": threshold,
                "window_start": dt.date(2026, 1, 1),
                "window_end": window_end,
            }
        ],
        surge={
            "premium_vnd_bn_per_site": premium,
            "stock_dispatch_days": 7.0,
            "contract_mobilisation_days": 14.0,
            "contract_teams_pct": 50.0,
            "safety_margin_days": 0.0,
            **(surge or {}),
        },
        **over,
    )


def _committed(sc: Scenario, programme: str = "push") -> Scenario:
    """The scenario with Viettel committed to `programme` (operators.viettel.committed_to)."""
    op = sc.operators["viettel"].model_copy(update={"committed_to": [programme]})
    return sc.model_copy(update={"operators": {"viettel": op}})


def test_threshold_within_reach_surges_at_the_last_chance():
    """Fast path = max(10 permit, 7 stock, 14 crews) + 2 work = 16 days; deadline day 181 (1 July):
    latest start day 165. Decisions on 1 May (day 120: 1 June is still in time -> wait) and 1 June
    (day 151: 1 July is too late -> surge). The surge is weighed before June's own order, so 1 a
    month x 5 = 5 are ordered: need 95; June's order makes 101 by the deadline."""
    ro, ledger, clock = run(surge_scenario(), plan(500))
    ev = {e["decision"]: e for e in ro.surge_events}
    assert ev["wait"]["day"] == 0.0 and ev["surge"]["day"] == 151.0 and ev["surge"]["need"] == 95
    st = ro.state
    assert int(st.surge.sum()) == 95 and np.all(st.order_day[st.surge] == 151.0)
    # surge kits come from stock (7 days), so every surge site is on air before the deadline
    assert np.nanmax(st.on_air_day[st.surge]) < 181.0
    # the surge premium is in capex and in the operator's commitments
    assert st.capex_vnd_bn[st.surge] == pytest.approx(np.full(95, UP_CAPEX + 0.15))
    assert ro.surge_premium_vnd_bn == pytest.approx(95 * 0.15)
    n_orders = int(st.ordered.sum())
    assert ledger.committed[("viettel", 2026)] == pytest.approx(n_orders * UP_CAPEX + 95 * 0.15)
    # and it pays: 101 stations >= 100 -> 101 x 1.0 bn, on day 181
    assert int((st.on_air_day < 181.0).sum()) == 101
    assert [(d, n, round(a, 6)) for d, n, a in ro.subsidy_events] == [(181.0, "viettel", 101.0)]


def test_a_surge_is_paid_from_the_year_it_goes_on_air_in() -> None:
    """With targets that count stations on air, the surge of 1 June is planned on air on its fast path, 16 days on
    (day 167, in 2026), and that year's budget pays it, as the regular orders' year pays them; with targets that
    count orders, the order day. Why: a plan day of the regular orders in the next year let Viettel surge 12,000-
    14,500 stations in late 2025 on its 2026 budget (trial)."""
    sc = surge_scenario()
    on_air = sc.model_copy(
        update={
            "operators": {"viettel": sc.operators["viettel"].model_copy(update={"target_counts": "on_air"})}
        }
    )
    for scen, plan_day in ((sc, 151.0), (on_air, 167.0)):
        ro, ledger, _ = run(scen, plan(500))
        st = ro.state
        assert int(st.surge.sum()) > 0 and np.all(st.plan_day[st.surge] == plan_day)
        assert {y for (_, y) in ledger.committed} == {2026}


def test_no_surge_without_the_incentive_or_when_it_is_not_worth_it():
    ro, _, _ = run(
        scenario(
            operators={
                "viettel": {
                    "start_share_5g_pct": 100.0,
                    "subscriber_share_pct": 100.0,
                    "annual_new_5g_sites": {2026: 12},
                    "capex_budget_vnd_bn": {2026: 1e5},
                }
            }
        ),
        plan(500),
    )
    assert not ro.state.surge.any() and ro.surge_events == []
    # a premium of 2 bn a site: 95 x 2 = 190 > 100 bn of support -> not worth it
    ro, _, _ = run(surge_scenario(premium=2.0), plan(500))
    assert not ro.state.surge.any() and "not_worth" in {e["decision"] for e in ro.surge_events}
    assert ro.subsidy_events == []
    # an operator committed to the programme keeps its promise at that premium: it surges 95 and is paid
    ro, _, _ = run(_committed(surge_scenario(premium=2.0)), plan(500))
    assert int(ro.state.surge.sum()) == 95 and ro.surge_premium_vnd_bn == pytest.approx(95 * 2.0)
    assert [(d, n) for d, n, _ in ro.subsidy_events] == [(181.0, "viettel")]


def test_no_surge_when_out_of_reach_or_too_late():
    # 1,000 stations needed, only 500 sites in the plan
    ro, _, _ = run(surge_scenario(threshold=1000), plan(500))
    assert not ro.state.surge.any()
    assert "out_of_reach_plan" in {e["decision"] for e in ro.surge_events}
    # deadline 10 January: 11 days left < 16 days of fast path
    ro, _, _ = run(surge_scenario(window_end=dt.date(2026, 1, 10)), plan(500))
    assert not ro.state.surge.any() and {e["decision"] for e in ro.surge_events} == {"too_late"}
    # crews: 1 team with the contract crews (x 1.5) does 0.75 upgrades a day, from a round at day d until the permit
    # (10 days) before the deadline (181): (171 - d) x 0.75. From 1 February (31) that is 105 >= the 99 it lacks; from
    # 1 March (59) 84 < 98. So 1 February is its last chance and it surges then, and is paid for 103 on day 181. At the
    # last chance of the fast path alone, 1 June, the team could do 15 and the surge was out of reach.
    ro, _, _ = run(surge_scenario(crews={"north": {"teams": 1}}), plan(500))
    assert [(e["day"], e["decision"], e["ordered"]) for e in ro.surge_events] == [
        (0, "wait", 0),
        (31.0, "surge", 99),
        (181.0, "paid", 0),
    ]
    assert np.nanmax(ro.state.on_air_day[ro.state.surge]) < 181.0 and ro.subsidy_events == [
        (181.0, "viettel", 103.0)
    ]
    # 200 stations: 128 at most even from day 0, out of reach of its crews at every round
    ro, _, _ = run(surge_scenario(threshold=200, crews={"north": {"teams": 1}}), plan(500))
    assert not ro.state.surge.any() and {e["decision"] for e in ro.surge_events} == {"out_of_reach_crews"}


def test_a_committed_operator_finances_its_surge_beyond_its_budget() -> None:
    """A budget of 20 bn for 2026 pays the pace (1 upgrade a month at 1.3 bn) but not a surge of 95 x 1.45 = 137.75
    bn: an operator that has not committed to the programme finds the surge out of reach on its budget; one that has
    (operators.<op>.committed_to) surges on 1 June as with an ample budget, the surge's capex is committed on a line of
    its own (the year's budget still paces the ordinary orders), and the support is paid on the deadline. Why: Viettel's commitment to reach Resolution
    193's 20,000 stations was judged against two months of its ordinary 2025 budget (~1,500 bn against ~20,000 bn
    of surge) and it never raced."""
    base = surge_scenario()

    def with_viettel(**update: Any) -> Scenario:
        op = base.operators["viettel"].model_copy(update={"capex_budget_vnd_bn": {2026: 20.0}, **update})
        return base.model_copy(update={"operators": {"viettel": op}})

    ro, ledger, _ = run(with_viettel(), plan(500))
    assert not ro.state.surge.any()
    assert "out_of_reach_budget" in {e["decision"] for e in ro.surge_events} and ro.subsidy_events == []
    ro, ledger, _ = run(with_viettel(committed_to=["push"]), plan(500))
    st = ro.state
    ev = {e["decision"]: e for e in ro.surge_events}
    assert ev["surge"]["day"] == 151.0 and int(st.surge.sum()) == ev["surge"]["ordered"] == 95
    # the surge is on the commitment's own line (95 x (1.3 + 0.15) = 137.75 bn, beyond the budget); the ordinary
    # orders stay on the operator's line, within its 20 bn, which keeps pacing them after the surge
    line = commitment_owner("viettel", "push")
    assert ledger.committed[(line, 2026)] == pytest.approx(95 * (UP_CAPEX + 0.15))
    assert ledger.committed[("viettel", 2026)] == pytest.approx(
        float(st.capex_vnd_bn[st.ordered & ~st.surge].sum())
    )
    assert 0.0 < ledger.committed[("viettel", 2026)] <= 20.0 + 1e-9
    assert (
        int((st.ordered & ~st.surge & (st.order_day > 151.0)).sum()) > 0
    )  # the pace goes on after the surge
    on_time = int((st.on_air_day < 181.0).sum())
    assert on_time >= 100 and [(d, n) for d, n, _ in ro.subsidy_events] == [(181.0, "viettel")]
    assert ro.subsidy_events[0][2] == pytest.approx(float(on_time))  # 1.0 bn a station


def test_a_committed_operator_surges_on_the_kits_it_procured_for_its_commitment() -> None:
    """No shared stock (surge.stock_months_of_supply = 0). The window opens on day 0; a committed operator tenders for
    its commitment's 100 kits then (threshold 100, nothing counted yet) and they arrive 30 days later (tender 30 days,
    lead time 0). On 1 June (day 151) it lacks 95 (5 paced orders) and surges on 95 of its own kits: 5 are left and
    the shared stock is untouched. An operator that did not commit finds the surge out of reach on kits. Why: the
    baseline refused Viettel's Resolution 193 surge on the national stock in 3 of 10 replications, while Viettel
    imported the kits for its 2025 plan from August 2025."""
    sc = surge_scenario(surge={"stock_months_of_supply": 0.0, "commitment_tender_days": 30.0})
    ro, _, _ = run(sc, plan(500))
    assert not ro.state.surge.any() and ro.commitment_kits == {}
    assert "out_of_reach_equipment" in {e["decision"] for e in ro.surge_events}
    ro, _, _ = run(_committed(sc), plan(500))
    ev = {e["decision"]: e for e in ro.surge_events}
    assert ev["surge"]["day"] == 151.0 and ev["surge"]["ordered"] == 95
    assert (ev["wait"]["kits_own"], ev["surge"]["kits_own"], ev["surge"]["kits_in_stock"]) == (0, 100, 100)
    assert ro.commitment_kits == {(0, "push"): (5, 30.0)} and ro.stock_kits == 0
    assert [(d, n) for d, n, _ in ro.subsidy_events] == [(181.0, "viettel")]


def test_commitment_kits_arrive_a_tender_and_a_lead_time_after_the_window_opens() -> None:
    """Tender 140 days and a fixed kit lead time of 20: the kits arrive on day 160, after the last chance (day 151),
    so the surge is out of reach on kits there. The lead time is the vendors' (supply.lead_time): with a median of 20
    and a 90th percentile of 40 days the arrival is the tender plus the replication's one draw of it, inside
    [140 + 0, 140 + 3 x 40] and at 160 for the median draw."""
    sc = surge_scenario(
        surge={"stock_months_of_supply": 0.0, "commitment_tender_days": 140.0},
        supply={"deliveries_per_month": 1_000_000, "lead_time": fixed(20)},
    )
    ro, _, _ = run(_committed(sc), plan(500))
    assert ro.commitment_kits[(0, "push")] == (100 - int(ro.state.surge.sum()), 160.0)
    assert not ro.state.surge.any()
    decided = [e for e in ro.surge_events if e["decision"] not in ("wait", "too_late")]
    assert [(e["day"], e["decision"], e["kits_own"]) for e in decided] == [
        (151.0, "out_of_reach_equipment", 0)
    ]
    uncertain = sc.model_copy(
        update={"supply": sc.supply.model_copy(update={"lead_time": DelayDays(p50_days=20, p90_days=40)})}
    )
    arrivals = []
    for rep in range(40):
        clock = Clock(uncertain.horizon.start_date, uncertain.horizon.end_date)
        ledger = Ledger(lambda o, y: 1e5)
        ro = Rollout(simpy.Environment(), _committed(uncertain), plan(500), 0, clock, 1, rep, ledger)
        arrivals.append(ro.commitment_kits[(0, "push")][1] - 140.0)
    assert min(arrivals) > 0.0 and max(arrivals) < 120.0 and len(set(arrivals)) == 40
    assert float(np.median(arrivals)) == pytest.approx(20.0, rel=0.25)


def test_a_later_start_holds_what_the_commitment_still_needs() -> None:
    """The window opened on 19 February 2025, before a start on 1 January 2026 with 40 stations on air, all accepted
    in the window (none on air at the subsidy's window start, which the programme shares): the
    commitment's kits still held are 100 - 40 = 60, there since the start (they arrived ~10 months before it). On 1
    June it lacks 100 - 40 - 5 = 55 and takes them from its own kits: 5 left."""
    sc = surge_scenario(
        surge={"stock_months_of_supply": 0.0, "commitment_tender_days": 90.0},
        start_state={"pipeline_build_rate_5g_per_month": 0.0, "stations_5g_at_window_start": 0},
    )
    push = sc.supports[0].model_copy(update={"window_start": dt.date(2025, 2, 19)})
    sc = _committed(sc.model_copy(update={"supports": [push]}))
    ro = Rollout(
        simpy.Environment(),
        sc,
        plan(540),
        40,
        Clock(sc.horizon.start_date, sc.horizon.end_date),
        1,
        0,
        Ledger(lambda o, y: 1e5),
    )
    kits, arrive = ro.commitment_kits[(0, "push")]
    assert kits == 60 and arrive == pytest.approx((dt.date(2025, 2, 19) - dt.date(2026, 1, 1)).days + 90.0)
    ro, _, _ = run(sc, plan(540), n_start=40)
    ev = {e["decision"]: e for e in ro.surge_events}
    assert (ev["surge"]["need"], ev["surge"]["kits_own"]) == (55, 60)
    assert ro.commitment_kits[(0, "push")][0] == 5 and ro.stock_kits == 0


def test_crew_reach_is_weighed_region_by_region() -> None:
    """The plan alternates north and central upgrades; the central region has no crews. The surge goes where crews
    can build it: with 10 northern teams, (181 - 151 - 10) days x 10 x 1.5 / 2 = 150 northern upgrades can be
    finished, so it orders what it lacks all in the north (skipping the central ones in its order): 100 less the 3
    northern paced orders (sites 0, 2, 4 of the 5 ordered by 1 June), 97; the 2 central ones cannot be built and do
    not count (`Rollout._crew_reach`). With 5 northern teams only 75 from 1 June: that round is beyond its crews, so
    1 May is its last chance (51 days: 191 upgrades), and it surges then, 98 (100 less the 2 northern paced orders by
    1 May), all in the north, and is paid; pooled with 5 central teams (150 from 1 June) it waits for 1 June, lacking
    95 (the central paced orders count then)."""
    pa = plan(500)
    pa.region_idx[1::2] = 1
    ro, _, _ = run(surge_scenario(crews={"north": {"teams": 10}, "central": {"teams": 0}}), pa)
    st = ro.state
    assert int(st.surge.sum()) == 97 and np.all(pa.region_idx[st.surge] == 0)
    ro, _, _ = run(surge_scenario(crews={"north": {"teams": 5}, "central": {"teams": 0}}), pa)
    st = ro.state
    assert [(e["day"], e["decision"], e["ordered"]) for e in ro.surge_events][:2] == [
        (0, "wait", 0),
        (120.0, "surge", 98),
    ]
    assert np.all(pa.region_idx[st.surge] == 0) and ro.subsidy_events == [(181.0, "viettel", 100.0)]
    ro, _, _ = run(surge_scenario(crews={"north": {"teams": 5}, "central": {"teams": 5}}), pa)
    st = ro.state
    assert int(st.surge.sum()) == 95 and set(pa.region_idx[st.surge].tolist()) == {0, 1}


def test_a_committed_operator_counts_only_the_orders_its_crews_can_build() -> None:
    """The plan alternates north and central upgrades and the central region has no crews. Before 2026-12-06 the
    pace's central orders were projected on air by the deadline (ready + team-days, as if crews waited), so the surge
    of 1 June was 95 and the operator ended short of 100. The projection now holds each region's orders to what its
    crews can install by the deadline (none in the central region): it lacks 97, surges 97 in the north, and reaches
    100 on the deadline (3 + 97; the central orders never go on air) and is paid."""
    pa = plan(500)
    pa.region_idx[1::2] = 1
    ro, _, _ = run(_committed(surge_scenario(crews={"north": {"teams": 10}, "central": {"teams": 0}})), pa)
    st = ro.state
    (surge,) = [e for e in ro.surge_events if e["decision"] == "surge"]
    assert (surge["day"], surge["counted"], surge["need"]) == (151.0, 3.0, 97)
    assert int((st.on_air_day < 181.0).sum()) == 100 and not (st.on_air_day[pa.region_idx == 1] >= 0).any()
    assert [(d, n, round(a, 6)) for d, n, a in ro.subsidy_events] == [(181.0, "viettel", 100.0)]
    assert not any(e["decision"] == "short" for e in ro.surge_events)


class _BlindToCrews(Rollout):
    """An operator that counts its orders as on air by the deadline whatever its crews (dxsim before 2026-12-06)."""

    def _crew_reach(self, k: int, day: float, end: float) -> np.ndarray:
        return np.full(3, 10**9, dtype=np.int64)


def test_a_surge_that_misses_the_threshold_is_recorded_and_said() -> None:
    """The plan alternates north and central upgrades and the central region has no crews; an operator blind to its
    crews (`_BlindToCrews`) counts the pace's central orders as on air by the deadline, so the surge of 1 June,
    placed in the north where crews can build it, leaves it short of 100 at the deadline. The window's close records
    a `short` row with what it lacked, nothing is paid, and the run's support line says the surge fell short
    (a planner read "surged for it (5)" beside "paid in 2 of 5": operator trial)."""
    from dxsim.results.decisions import decisions_table, support_outcome_lines

    pa = plan(500)
    pa.region_idx[1::2] = 1
    ro, _, clock = run(
        _committed(surge_scenario(crews={"north": {"teams": 10}, "central": {"teams": 0}})),
        pa,
        rollout=_BlindToCrews,
    )
    st = ro.state
    built = int((st.on_air_day < 181.0).sum())
    assert st.surge.any() and built < 100 and ro.subsidy_events == []
    (short,) = [e for e in ro.surge_events if e["decision"] == "short"]
    assert (short["day"], short["operator"], short["counted"], short["need"]) == (
        181.0,
        "viettel",
        built,
        100 - built,
    )
    table = decisions_table({0: ro.surge_events}, clock.start)
    (line,) = [ln for ln in support_outcome_lines(table) if "Viettel" in ln]
    assert (
        "paid in 0 of 1 replication" in line and "surged for it but fell short of the threshold (1)" in line
    )


def test_the_support_line_gives_one_amount_for_one_replication_paid() -> None:
    """By hand: 101 stations by the deadline at 1.0 bn each are paid 101 bn in the one replication; the line gives that
    amount alone ("3,092–3,092 VND bn" in the demo's single replication read as a range), and for two replications
    paid the same, that amount "each"."""
    from dxsim.results.decisions import decisions_table, support_outcome_lines

    ro, _, clock = run(surge_scenario(), plan(500))
    (line,) = [
        ln
        for ln in support_outcome_lines(decisions_table({0: ro.surge_events}, clock.start))
        if "Viettel" in ln
    ]
    assert line.startswith(
        "push, Viettel: paid in 1 of 1 replication (101 VND bn); decided: surged for it (1)"
    ), line
    (two,) = [
        ln
        for ln in support_outcome_lines(
            decisions_table({0: ro.surge_events, 1: ro.surge_events}, clock.start)
        )
        if "Viettel" in ln
    ]
    assert "paid in 2 of 2 replications (101 VND bn each)" in two, two  # the same amount: no range of one


def test_crew_reach_takes_each_region_s_own_rain() -> None:
    """The north's crews build every site and have no rainy months; the central coast (no crews, no sites) rains all
    year at 10%. The fast path plans on the slowest region's rain (2 / 0.1 = 20 days of work: 14 + 20 = 34, last
    chance day 147), so the operator decides on 1 May (day 120), lacking 96 (4 paced orders). Its crews' reach is the
    north's own output: 10 teams x 1.5 x (181 - 120 - 10) days / 2 = 382 >= 96, so it surges; weighed with the
    central rain on the north too it was 38: out of reach on crews."""
    sc = surge_scenario(
        crews={"north": {"teams": 10}},
        seasons={"central": {"rainy_months": list(range(1, 13)), "rainy_productivity_pct": 10.0}},
    )
    ro, _, _ = run(sc, plan(500))
    ev = {e["decision"]: e for e in ro.surge_events}
    assert ev["surge"]["day"] == 120.0 and ev["surge"]["need"] == 96
    # each region's mean output from 17 October to 16 November (31 days): the north rains to October at 70%
    sc2 = scenario(
        horizon={"start_date": dt.date(2026, 10, 1), "end_date": dt.date(2026, 12, 31)},
        seasons={
            "north": {"rainy_months": [5, 6, 7, 8, 9, 10], "rainy_productivity_pct": 70.0},
            "central": {"rainy_months": [9, 10, 11, 12], "rainy_productivity_pct": 60.0},
        },
    )
    ro2 = Rollout(
        simpy.Environment(),
        sc2,
        plan(10),
        0,
        Clock(sc2.horizon.start_date, sc2.horizon.end_date),
        1,
        0,
        Ledger(lambda o, y: 1e5),
    )
    out = ro2._rain_output(16.0, 47.0)
    assert out.tolist() == pytest.approx([(15 * 0.7 + 16) / 31, 0.6, 1.0])


def test_a_run_that_starts_past_the_last_chance_decides_on_its_first_day() -> None:
    """Deadline 14 January (day 14 of a run from 1 January), fast path 16 days: the last chance (day -2) fell before
    the start. Permits take 10 days and the work 2, so every surge site ordered on day 0 is on air by day 12: the
    operator surges on its first day rather than being "too late" (the baseline from 2025-10-31 called 5 of 20
    replications too late on the start day, whose long permit draws put the last chance in October). A deadline of
    10 January leaves 9 days after the work, less than the permit: too late (test_no_surge_when_out_of_reach...)."""
    # 100 teams: (14 - 10) days x 1.5 (contract crews) / 2 days = 300 surge sites they can finish >= 100
    ro, _, _ = run(
        surge_scenario(window_end=dt.date(2026, 1, 14), crews={"north": {"teams": 100}}), plan(500)
    )
    ev = {e["decision"]: e for e in ro.surge_events}
    assert set(ev) == {"surge", "paid"} and ev["surge"]["day"] == 0.0 and ev["surge"]["need"] == 100
    st = ro.state
    assert int(st.surge.sum()) == 100 and np.nanmax(st.on_air_day[st.surge]) < 14.0
    assert [(d, n) for d, n, _ in ro.subsidy_events] == [(14.0, "viettel")]
    # the outcome is recorded beside the decisions: the stations on air in the window (the surge's 100 and the pace's
    # order of day 0), 1.0 bn each, paid on the deadline
    in_window = int((st.on_air_day < 14.0).sum())
    assert in_window >= 100
    assert (ev["paid"]["day"], ev["paid"]["counted"]) == (14.0, float(in_window))
    assert ev["paid"]["paid_vnd_bn"] == pytest.approx(float(in_window))


def test_committed_to_names_a_support_programme() -> None:
    """A commitment to a programme the scenario does not have is refused with the field, the name and what is
    allowed."""
    viettel = {"start_share_5g_pct": 100.0, "subscriber_share_pct": 100.0, "committed_to": ["res193"]}
    with pytest.raises(
        ValueError,
        match=r"operators\.viettel\.committed_to names 'res193', which is not a support programme; use 'resolution_193'",
    ):
        scenario(operators={"viettel": viettel})


def test_surge_decision_rules_by_hand():
    base = {
        "day": 0.0,
        "deadline_day": 100.0,
        "next_decision_day": 31.0,
        "fast_path_days": 50.0,
        "margin_days": 0.0,
        "threshold": 100,
        "counted": 40.0,
        "candidates": 500,
        "stock_kits": 1000,
        "crew_sites": 1000.0,
        "budget_vnd_bn": 1e5,
        "cost_per_site_vnd_bn": 1.45,
        "support_per_station_vnd_bn": 1.0,
        "premium_vnd_bn": 0.15,
        "loss_vnd_bn": 0.0,
    }
    assert surge_decision(SurgeCase(**base)) == ("wait", 0)  # 31 <= 50: next month is still in time
    # ... for the fast path; the next round's crews must still build the 60 it lacks, or this round is the last
    assert surge_decision(SurgeCase(**{**base, "crew_sites_next": 60.0})) == ("wait", 0)
    assert surge_decision(SurgeCase(**{**base, "crew_sites_next": 59.0})) == ("surge", 60)
    assert surge_decision(SurgeCase(**{**base, "next_decision_day": 60.0})) == ("surge", 60)
    assert surge_decision(SurgeCase(**{**base, "day": 51.0})) == ("too_late", 0)
    assert surge_decision(SurgeCase(**{**base, "counted": 100.0})) == ("qualifies", 0)
    # past its last chance (51 > 100 - 50) with 120 >= 100 counted it qualifies: support_decisions.csv said
    # too_late with stations_needed 0 (Viettel, 12,203 counted for a threshold of 5,000)
    assert surge_decision(SurgeCase(**{**base, "day": 51.0, "counted": 120.0})) == ("qualifies", 0)
    assert surge_decision(SurgeCase(**{**base, "day": 51.0, "counted": 99.5})) == ("too_late", 0)  # 1 short
    # the run starts past the last chance (day 51 > 50): its first round decides on the share still in time (75%:
    # 60 needed, 60 / 0.75 = 80 plus the margin for the 90th percentile, surge_size) instead of "too late"
    first = {**base, "day": 51.0, "next_decision_day": 80.0, "first_round": True, "on_time_share": 0.75}
    assert surge_decision(SurgeCase(**first)) == ("surge", surge_size(60, 0.75))
    assert surge_decision(SurgeCase(**{**first, "first_round": False})) == ("too_late", 0)
    assert surge_decision(SurgeCase(**{**first, "on_time_share": 0.0})) == ("too_late", 0)  # no site in time
    late = {**base, "next_decision_day": 60.0}
    assert surge_decision(SurgeCase(**{**late, "stock_kits": 59}))[0] == "out_of_reach_equipment"
    assert surge_decision(SurgeCase(**{**late, "budget_vnd_bn": 60 * 1.45 - 1}))[0] == "out_of_reach_budget"
    # committed to the programme: the budget is no limit, the stock still is; the support's worth is not weighed
    poor = {**late, "budget_vnd_bn": 0.0, "committed": True}
    assert surge_decision(SurgeCase(**poor)) == ("surge", 60)
    assert surge_decision(SurgeCase(**{**poor, "stock_kits": 59}))[0] == "out_of_reach_equipment"
    assert surge_decision(SurgeCase(**{**poor, "crew_sites": 59.0}))[0] == "out_of_reach_crews"
    # ... and orders what its kits and crews allow when they cover the 60 it lacks but not the margin for late
    # sites (81 at a share of 0.8): with no deliveries, Viettel held exactly the kits it lacked and installed none
    short = {**poor, "on_time_share": 0.8}
    assert surge_decision(SurgeCase(**short)) == ("surge", 81)
    assert surge_decision(SurgeCase(**{**short, "stock_kits": 60})) == ("surge", 60)
    assert surge_decision(SurgeCase(**{**short, "stock_kits": 70, "crew_sites": 65.5})) == ("surge", 65)
    assert (
        surge_decision(SurgeCase(**{**short, "stock_kits": 60, "committed": False}))[0]
        == "out_of_reach_equipment"
    )
    assert surge_decision(SurgeCase(**{**poor, "loss_vnd_bn": 1e6, "premium_vnd_bn": 10.0})) == ("surge", 60)
    # support 100 x 1.0 = 100 vs 60 x 0.15 + loss: worth it up to a loss of 91
    assert surge_decision(SurgeCase(**{**late, "loss_vnd_bn": 90.9}))[0] == "surge"
    assert surge_decision(SurgeCase(**{**late, "loss_vnd_bn": 91.0}))[0] == "not_worth"
    # a fund of 100 with 100 of other operators' claims pays half of each claim: own 100 x 0.5 = 50 against 9 +
    # loss, worth it up to a loss of 41; a fund that holds every claim changes nothing
    shared = {**late, "fund_vnd_bn": 100.0, "others_claims_vnd_bn": 100.0}
    assert SurgeCase(**shared).fund_share(60) == pytest.approx(0.5)
    assert surge_decision(SurgeCase(**{**shared, "loss_vnd_bn": 40.9}))[0] == "surge"
    assert surge_decision(SurgeCase(**{**shared, "loss_vnd_bn": 41.0}))[0] == "not_worth"
    roomy = {**late, "fund_vnd_bn": 200.0, "others_claims_vnd_bn": 100.0, "loss_vnd_bn": 90.9}
    assert SurgeCase(**roomy).fund_share(60) == 1.0 and surge_decision(SurgeCase(**roomy))[0] == "surge"


def _smallest_surge_by_brute_force(need: int, q: float) -> int:
    """The smallest n with n q - z90 sqrt(n q (1 - q)) >= need, found by counting up (not by the closed form)."""
    n = need
    while n * q - 1.2815515655446004 * math.sqrt(n * q * (1.0 - q)) < need:
        n += 1
    return n


def test_surge_size_covers_the_sites_that_miss_the_deadline_by_hand():
    """Permit p50 10 / p90 25 days: sigma = ln 2.5 / z90; 28 days left after the work: share in time
    Phi(ln 2.8 / sigma) = 0.925 (stdlib NormalDist, not the model's erf); the surge size is the smallest n whose
    on-time count reaches the need at the 90th percentile, counted up by hand."""
    sigma = math.log(25.0 / 10.0) / NormalDist().inv_cdf(0.9)
    q = NormalDist().cdf(math.log(28.0 / 10.0) / sigma)
    assert q == pytest.approx(0.9251, abs=1e-4)
    assert share_within_days(28.0, 10.0, 25.0) == pytest.approx(q, rel=1e-9)
    assert share_within_days(9.0, 10.0, 10.0) == 0.0 and share_within_days(10.0, 10.0, 10.0) == 1.0
    assert surge_size(95, q) == _smallest_surge_by_brute_force(95, q) == 107
    # Viettel with Resolution 193 moved to 2026-06-30 (1 May decision, 7,457 short, ~93% in time)
    assert surge_size(7457, 0.9315) == _smallest_surge_by_brute_force(7457, 0.9315)
    assert surge_size(95, 1.0) == 95 and surge_size(0, 0.5) == 0
    # the reach is weighed on what it orders: 60 short at a share of 0.8 orders 81 (81 x 0.8 - 1.28 x 3.6 = 60.2;
    # 80 gives 59.4), so 80 kits are too few
    base = {
        "day": 0.0,
        "deadline_day": 100.0,
        "next_decision_day": 60.0,
        "fast_path_days": 50.0,
        "margin_days": 0.0,
        "threshold": 100,
        "counted": 40.0,
        "candidates": 500,
        "stock_kits": 1000,
        "crew_sites": 1000.0,
        "budget_vnd_bn": 1e5,
        "cost_per_site_vnd_bn": 1.45,
        "support_per_station_vnd_bn": 1.0,
        "premium_vnd_bn": 0.15,
        "loss_vnd_bn": 0.0,
        "on_time_share": 0.8,
    }
    n = _smallest_surge_by_brute_force(60, 0.8)
    assert n == 81 and surge_decision(SurgeCase(**base)) == ("surge", n)
    assert surge_decision(SurgeCase(**{**base, "stock_kits": n - 1}))[0] == "out_of_reach_equipment"
    assert surge_decision(SurgeCase(**{**base, "on_time_share": 0.0})) == ("too_late", 0)


def test_a_surge_with_uncertain_permits_still_reaches_the_threshold():
    """As test_threshold_within_reach_surges_at_the_last_chance, but the upgrade permit is log-normal (p50 10, p90
    25): the fast path is 25 + 2 = 27 days, so 1 June (day 151, 30 days left) is the last chance; 95 are short and
    some permits take longer than the 28 days left after the work. It orders 107 (the hand test above), and enough
    are on air by 1 July (day 181) to reach 100 and be paid 1.0 bn each. Ordering only the 95 it lacked left it
    short and unpaid."""
    sc = surge_scenario(works={"upgrade_permit": {"p50_days": 10.0, "p90_days": 25.0}})
    ro, _ledger, _clock = run(sc, plan(500))
    surge = [e for e in ro.surge_events if e["decision"] == "surge"]
    assert [(e["day"], e["need"], e["ordered"]) for e in surge] == [(151.0, 95, 107)]
    st = ro.state
    assert int(st.surge.sum()) == 107
    assert int((st.surge & ~(st.on_air_day < 181.0)).sum()) > 0  # some surge sites do miss the deadline
    on_time = int((st.on_air_day < 181.0).sum())
    assert on_time >= 100
    assert [(d, n, round(a, 6)) for d, n, a in ro.subsidy_events] == [(181.0, "viettel", float(on_time))]


# --------------------------------------------------------------------------- warm start


def test_warm_start_fills_the_pipeline_by_littles_law():
    """Rate 300 a month (~9.86 a day), every site takes max(10, 0) + 2 = 12 days: sites ordered up to
    12 days ago are in flight -> about 9.86 x 12 = 118 of them, and their order days spread over
    the last 12 days."""
    sc = scenario(start_state={"pipeline_build_rate_5g_per_month": 300.0})
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    ro = Rollout(simpy.Environment(), sc, plan(2000), 0, clock, 1, 0, Ledger(lambda o, y: 1e5))
    rate = 300.0 / (365.25 / 12)
    assert abs(ro.n_warm - rate * 12.0) <= 1.0
    od = ro.state.order_day[ro.state.ordered]
    assert od.min() > -12.0 and od.max() < 0.0
    # with 100 teams (118 x 2 / 100 = 2.36 days of work) they are all on air within 12 + 2.36 days
    ro2, _, _ = run(
        scenario(start_state={"pipeline_build_rate_5g_per_month": 300.0}, crews={"north": {"teams": 100}}),
        plan(2000),
    )
    warm = np.flatnonzero(ro2.state.order_day < 0)
    assert (
        warm.size == ro.n_warm and np.nanmax(ro2.state.on_air_day[warm]) <= 12.0 + ro.n_warm * 2 / 100 + 1e-9
    )


def test_the_pipeline_at_the_start_is_history_not_the_option_s():
    """Which sites are in flight at the start follows the times they were ordered under (`history`), not the
    option's: an option with 40-day kit lead times and one with none, both with history's 10-day permits and
    0-day kits (+2 days of work), start with the same ~9.86 x 12 = 118 sites in flight, ordered on the same days
    (modelling audit: 20/40-day lead times left 1,146 in flight against the baseline's 1,984, so shorter lead times
    gave fewer stations at end-2025). Their crew work, still to come, takes the option's time."""
    from dxsim.scenario.fields import DelayDays
    from dxsim.sim.rollout import PipelineHistory

    rate = {"pipeline_build_rate_5g_per_month": 300.0}
    base = scenario(start_state=rate)
    history = PipelineHistory(works=base.works, lead_time=base.supply.lead_time)
    clock = Clock(base.horizon.start_date, base.horizon.end_date)
    warm = []
    for lead in (0, 40):
        sc = scenario(start_state=rate, supply={"lead_time": fixed(lead)})
        ro = Rollout(
            simpy.Environment(), sc, plan(2000), 0, clock, 1, 0, Ledger(lambda o, y: 1e5), history=history
        )
        warm.append((ro.n_warm, ro.state.order_day[ro.state.ordered].tolist()))
        assert np.all(ro.state.equipment_due_day[ro.state.ordered] == ro.state.order_day[ro.state.ordered])
    assert warm[0] == warm[1] and abs(warm[0][0] - 300.0 / (365.25 / 12) * 12.0) <= 1.0
    # without a history the scenario's own times make it: 40 + 2 days -> ~414 in flight
    own = Rollout(
        simpy.Environment(),
        scenario(start_state=rate, supply={"lead_time": fixed(40)}),
        plan(2000),
        0,
        clock,
        1,
        0,
        Ledger(lambda o, y: 1e5),
    )
    assert abs(own.n_warm - 300.0 / (365.25 / 12) * 42.0) <= 1.0
    # the model's history: the schema's defaults scaled by the replication's factor for each path
    from dxsim.sim.uncertainty import pipeline_history

    h = pipeline_history({"supply.lead_time": 2.0, "works.new_site_permit": 0.5})
    assert h.lead_time == DelayDays(p50_days=90, p90_days=180)  # default 45 / 90 days, x2
    assert h.works.new_site_permit == DelayDays(p50_days=60, p90_days=150)  # default 120 / 300, x0.5
    assert h.works.upgrade_permit == DelayDays(p50_days=14, p90_days=45)  # no factor: the default


# --------------------------------------------------------------------------- attribution


def _held(sc: Scenario, n: int = 400) -> tuple[np.ndarray, Rollout]:
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()
    ledger = Ledger(lambda o, y: sc.operators[o].value_for_year(sc.operators[o].capex_budget_vnd_bn, y))
    ro = Rollout(env, sc, plan(n), 0, clock, 1, 0, ledger)
    ro.start()
    env.run(until=31.0)
    return ro.held_site_days(0.0, 31.0), ro


def test_held_shares_add_up_and_name_the_binding_stage():
    # permits 10 days, kits at once, plenty of crews: January's 10 orders wait 10 days on permits
    held, _ = _held(scenario())
    assert held[HELD_CAUSES.index("permits"), 0] == pytest.approx(10 * 10.0)
    assert held[HELD_CAUSES.index("equipment"), 0] == 0.0 and held[HELD_CAUSES.index("crews"), 0] == 0.0
    # a 20-day kit lead time is now the critical path instead
    held, _ = _held(scenario(supply={"deliveries_per_month": 1_000_000, "lead_time": fixed(20)}))
    assert held[HELD_CAUSES.index("equipment"), 0] == pytest.approx(10 * 20.0)
    assert held[HELD_CAUSES.index("permits"), 0] == 0.0
    shares = 100 * held[:, 0] / held[:, 0].sum()
    assert shares.sum() == pytest.approx(100.0)


def test_a_kit_past_its_due_day_is_held_by_the_delivery_capacity_not_the_lead_time():
    """10 kits ordered on day 0 with a 20-day lead time, permits in 10 days, vendors able to ship 3 a week (13 a
    month = 3.0 a week). Weekly passes on days 0, 7, 14, ...: the pass of day 14 ships 3 kits due on day 20, the
    pass of day 21 three more (on day 21), day 28 three (day 28), day 35 the last. Over [0, 31): the lead time
    holds each site its 20 days (200), the capacity the days after that: 3 x 1 + 3 x 8 + 1 x 11 = 38."""
    held, ro = _held(scenario(supply={"deliveries_per_month": 13, "lead_time": fixed(20)}), n=10)
    np.testing.assert_array_equal(np.sort(ro.state.delivered_day[:9]), [20.0] * 3 + [21.0] * 3 + [28.0] * 3)
    assert held[HELD_CAUSES.index("equipment"), 0] == pytest.approx(10 * 20.0)
    assert held[HELD_CAUSES.index("deliveries"), 0] == pytest.approx(3 * 1.0 + 3 * 8.0 + 11.0)
    assert held[HELD_CAUSES.index("permits"), 0] == 0.0
    # a permit that comes after the kit is due but before the capacity ships it holds the site until then:
    # kits due on day 5 ship on days 5, 7, 14, 14, 14, 21 (3, 3, 3, 1); permits on day 12. Sites whose kit came by
    # day 12 wait 12 days on the permit; the other four 12 days on the permit, then 2 (x3) or 9 days on the capacity.
    held, _ = _held(
        scenario(
            supply={"deliveries_per_month": 13, "lead_time": fixed(5)},
            works={"upgrade_permit": fixed(12), "new_site_permit": fixed(12)},
        ),
        n=10,
    )
    assert held[HELD_CAUSES.index("permits"), 0] == pytest.approx(10 * 12.0)
    assert held[HELD_CAUSES.index("deliveries"), 0] == pytest.approx(3 * 2.0 + 9.0)
    assert held[HELD_CAUSES.index("equipment"), 0] == 0.0  # each kit was due before its permit


def test_doubling_crews_that_do_not_bind_changes_nothing():
    """10 teams build 10 upgrades a month in 2 days: crews never hold anything, so 20 teams give the same timeline."""
    a, ro_a = _held(scenario())
    b, ro_b = _held(scenario(crews={"north": {"teams": 20}}))
    assert a[HELD_CAUSES.index("crews")].sum() == 0.0 == b[HELD_CAUSES.index("crews")].sum()
    ra, _, _ = run(scenario(), plan(400))
    rb, _, _ = run(scenario(crews={"north": {"teams": 20}}), plan(400))
    np.testing.assert_array_equal(ra.state.order_day, rb.state.order_day)
    assert np.nansum(ra.state.on_air_day <= 200) == np.nansum(rb.state.on_air_day <= 200)
    # and with a target the crews cannot keep up with (3,000 a month for 10 teams at 2 days: 155 a month),
    # crews hold the rollout back
    big = scenario(
        operators={
            "viettel": {
                "start_share_5g_pct": 100.0,
                "subscriber_share_pct": 100.0,
                "annual_new_5g_sites": {2026: 36_000},
                "capex_budget_vnd_bn": {2026: 1e5},
            }
        }
    )
    held, _ = _held(big, n=5000)
    assert (
        held[HELD_CAUSES.index("crews"), 0]
        > held[[HELD_CAUSES.index(c) for c in ("permits", "equipment")], 0].sum()
    )
    assert math.isclose(float((100 * held[:, 0] / held[:, 0].sum()).sum()), 100.0)


def test_an_accepted_loss_builds_the_announced_plan_beyond_what_pays():
    """Accepting a 2.0 bn loss per site toward the announced plan, the -1.84 bn sites are built too;
    a 1.8 bn tolerance still skips them."""
    people = np.where(np.arange(40) % 2 == 0, 5000.0, 100.0)
    ro, _, _ = run(scenario(business_case={"accepted_loss_vnd_bn_per_site": 2.0}), plan(40, people))
    assert ro.state.ordered.all()
    ro, _, _ = run(scenario(business_case={"accepted_loss_vnd_bn_per_site": 1.8}), plan(40, people))
    assert ro.state.ordered[::2].all() and not ro.state.ordered[1::2].any()


def test_a_binding_pace_is_held_by_targets():
    """Pace 10 a month, 400 sites that pay and budget for all: the pace binds; the next month of pace
    (10 sites x 31 days) is held by the target. With a pace above what the plan holds it does not bind."""
    held, ro = _held(scenario())
    assert held[HELD_CAUSES.index("targets"), 0] == pytest.approx(10 * 31.0)
    assert ro.orders_month == {"operators": 1, "pace_bound": 1, "budget_bound": 0}
    held, ro = _held(
        scenario(
            operators={
                "viettel": {
                    "start_share_5g_pct": 100.0,
                    "subscriber_share_pct": 100.0,
                    "annual_new_5g_sites": {2026: 120},
                    "capex_budget_vnd_bn": {2026: 12 * 5 * UP_CAPEX},
                    "target_counts": "orders",  # 10 a month asked, as above
                }
            }
        )
    )
    # budget for 5 a month: the budget cuts 5 of the 10, and the target does not bind
    assert held[HELD_CAUSES.index("budget"), 0] == pytest.approx(5 * 31.0)
    assert held[HELD_CAUSES.index("targets"), 0] == 0.0
    assert ro.orders_month == {"operators": 1, "pace_bound": 0, "budget_bound": 1}


def test_support_due_after_the_horizon_is_accrued_not_lost():
    """A programme whose window closes after the horizon pays nothing within it; what its stations have
    earned by the end is accrued: 1.0 bn a station on air by day 242 (31 August), capped by the fund."""
    sc = scenario(
        supports=[
            {
                "name": "late",
                "per_site_vnd_bn": 1.0,
                "window_start": dt.date(2026, 1, 1),
                "window_end": dt.date(2030, 12, 31),
            }
        ]
    )
    ro, ledger, clock = run(sc, plan(400))
    assert ro.subsidy_events == [] and sum(ledger.received.values()) == 0.0
    end = clock.horizon_days
    on_by_end = int((ro.state.on_air_day <= end).sum())
    assert on_by_end > 0 and ro.support_accrued(end) == pytest.approx((on_by_end * 1.0, 0.0))
    capped = scenario(
        supports=[
            {
                "name": "late",
                "per_site_vnd_bn": 1.0,
                "window_start": dt.date(2026, 1, 1),
                "window_end": dt.date(2030, 12, 31),
                "fund_vnd_bn": 10.0,
            }
        ]
    )
    ro, _, clock = run(capped, plan(400))
    on_by_end = int((ro.state.on_air_day <= clock.horizon_days).sum())
    # the fund pays 10; the claims beyond it (1.0 bn a station on air) say its cap binds
    assert ro.support_accrued(clock.horizon_days) == pytest.approx((10.0, on_by_end * 1.0 - 10.0))


def test_support_whose_window_closes_on_the_horizons_last_day_is_accrued_not_lost():
    """Window to 31 August 2026, the horizon's last day: it is paid on 1 September, the day after the run stops, so
    nothing is paid within the run and what the stations earned is accrued: 1.0 bn for every station on air by
    31 August (day 242). Before the fix it was neither paid nor accrued (0)."""
    sc = scenario(
        supports=[
            {
                "name": "to_end",
                "per_site_vnd_bn": 1.0,
                "window_start": dt.date(2026, 1, 1),
                "window_end": dt.date(2026, 8, 31),
            }
        ]
    )
    ro, ledger, clock = run(sc, plan(400))
    assert clock.horizon_days == 242.0
    assert ro.subsidy_events == [] and sum(ledger.received.values()) == 0.0
    on_by_end = int((ro.state.on_air_day < clock.horizon_days + 1).sum())
    assert on_by_end > 0 and ro.support_accrued(clock.horizon_days) == pytest.approx((on_by_end * 1.0, 0.0))
    # one day earlier the window closes inside the run: paid on 31 August, nothing accrued
    sc_paid = scenario(
        supports=[
            {
                "name": "to_end",
                "per_site_vnd_bn": 1.0,
                "window_start": dt.date(2026, 1, 1),
                "window_end": dt.date(2026, 8, 30),
            }
        ]
    )
    ro, _, clock = run(sc_paid, plan(400))
    assert [(d, n) for d, n, _a in ro.subsidy_events] == [(242.0, "viettel")]
    claimed = float((ro.state.on_air_day < 242.0).sum())
    assert ro.subsidy_events[0][2] == pytest.approx(claimed)
    assert ro.support_accrued(clock.horizon_days) == (0.0, 0.0) and ro.support_claims_over_fund_vnd_bn == 0.0
    # a fund of 10 bn: it pays 10, shared pro rata, and the claims beyond it are counted (its cap binds)
    sc_capped = scenario(
        supports=[
            {
                "name": "to_end",
                "per_site_vnd_bn": 1.0,
                "window_start": dt.date(2026, 1, 1),
                "window_end": dt.date(2026, 8, 30),
                "fund_vnd_bn": 10.0,
            }
        ]
    )
    ro, _, _ = run(sc_capped, plan(400))
    assert ro.subsidy_events[0][2] == pytest.approx(10.0)
    assert ro.support_claims_over_fund_vnd_bn == pytest.approx(claimed - 10.0)


def test_stations_counted_for_a_programme_by_hand():
    """rollout_kernel.counted: on air inside [first, end), or not on air yet and due (ready + team-days) inside it;
    a station due before the window opens does not count (it did), nor one not ordered or of another kind."""
    from dxsim.sim.rollout_kernel import counted

    nan = np.nan
    on_air = np.array([5.0, 15.0, 25.0, nan, nan, nan, nan, 15.0])
    permit = np.array([0.0, 0.0, 0.0, 2.0, 12.0, 19.0, nan, 0.0])  # ready = fmax(permit, kit due, delivered)
    kit_due = np.array([0.0, 0.0, 0.0, 4.0, 3.0, 1.0, nan, 0.0])
    delivered = np.full(8, nan)
    team = np.full(8, 2.0)  # due: site 3 at 6 (before the window), 4 at 14, 5 at 21 (after it), 6 never
    ordered = np.array([True] * 7 + [False])
    is_new = np.array([False, False, False, False, True, False, False, False])
    claim = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0])
    sites = np.arange(8, dtype=np.int64)
    region = np.array([0, 0, 0, 0, 1, 0, 0, 0], dtype=np.int64)  # site 4 in the central region

    def count(eligible: np.ndarray) -> tuple[int, float, list[int], list[float]]:
        """(built, their claims, projected per region, their claims per region)."""
        projected, projected_claims = np.zeros(3, dtype=np.int64), np.zeros(3)
        built, claims = counted(
            sites, eligible, ordered, on_air, permit, kit_due, delivered, team, claim, region, 10.0, 20.0,
            projected, projected_claims,
        )  # fmt: skip
        return built, claims, projected.tolist(), projected_claims.tolist()

    # window [10, 20): site 1 on air in it, site 4 due in it; 0 and 2 on air outside, 3 due before, 5 due after,
    # 6 never due, 7 not ordered
    assert count(np.ones(8, bool)) == (1, 2.0, [0, 1, 0], [0.0, 16.0, 0.0])
    assert count(is_new) == (0, 0.0, [0, 1, 0], [0.0, 16.0, 0.0])  # new sites only
    assert count(~is_new) == (1, 2.0, [0, 0, 0], [0.0, 0.0, 0.0])  # upgrades only
    in_province = np.array([True, False, True, True, True, True, True, True])  # site 1 stands elsewhere
    assert count(in_province) == (0, 0.0, [0, 1, 0], [0.0, 16.0, 0.0])


def test_start_stations_count_for_a_window_by_when_it_opens():
    """60% of the 16,737 start stations accepted on or after subsidy.window_start (2025-02-19) was applied to
    every programme opening before the start (2025-10-31), so
    one opening on 2025-10-30 claimed for 10,042 stations accepted before it. By hand, with the network on air
    since the launch (2024-10-01) up to 2025-02-19 and stations accepted evenly from then to the start:
    2025-10-30 -> 60% x 1/254 days; 2025-01-01 -> 60%, as on 2025-02-19 (a rise from none at the launch gave
    1 - 40% x 92/141, 12,369 stations, where 10,600 were on air by 2024-12-31); the launch or before -> all; the
    start or after -> none."""
    import datetime as dt

    from dxsim.scenario.sections.operators import Support
    from dxsim.sim.support import start_sites_counted

    start, anchor, n = dt.date(2025, 10, 31), dt.date(2025, 2, 19), 16_737

    def counted(first: dt.date) -> float:
        p = Support(name="p", per_site_vnd_bn=1.0, window_start=first, window_end=dt.date(2026, 12, 31))
        return start_sites_counted(p, n, start, 60.0, anchor)

    assert counted(anchor) == round(n * 0.6) == 10_042  # Resolution 193's window: the stated share
    assert counted(dt.date(2025, 10, 30)) == round(n * 0.6 / 254) == 40
    assert counted(dt.date(2025, 1, 1)) == counted(dt.date(2024, 10, 2)) == counted(anchor) == 10_042
    assert counted(dt.date(2025, 6, 1)) == round(n * 0.6 * 152 / 254) == 6_010  # linear after the anchor
    assert counted(dt.date(2024, 10, 1)) == counted(dt.date(2024, 1, 1)) == n
    assert counted(start) == 0


def test_the_start_stations_in_the_window_are_those_beyond_the_count_on_air_when_it_opened():
    """start_state.stations_5g_at_window_start is a count, so the share in the window follows the start: by hand,
    10,928 on air on 2025-02-19 leave (16,737 - 10,928) / 16,737 = 34.71% of October's start and
    (11,591 - 10,928) / 11,591 = 5.72% of May's in the window (the share of 60% it replaces was applied to both);
    a count above the start network counts none of it, and a start with no stations has none to count."""
    import datetime as dt

    from dxsim.scenario.sections.operators import Support
    from dxsim.sim.support import anchor_in_window_pct, start_sites_counted

    assert (
        anchor_in_window_pct(16_737, 10_928)
        == pytest.approx(100 * 5_809 / 16_737)
        == pytest.approx(34.707, abs=1e-3)
    )
    assert (
        anchor_in_window_pct(11_591, 10_928)
        == pytest.approx(100 * 663 / 11_591)
        == pytest.approx(5.720, abs=1e-3)
    )
    assert anchor_in_window_pct(5_000, 10_928) == 0.0 and anchor_in_window_pct(0, 10_928) == 0.0
    assert anchor_in_window_pct(16_737, 0) == 100.0
    # Viettel's 55% of May's start (6,375 stations): 365 count toward Resolution 193's threshold, not 3,825
    window = dt.date(2025, 2, 19)
    res193 = Support(name="r", per_site_vnd_bn=1.0, window_start=window, window_end=dt.date(2025, 12, 31))
    pct = anchor_in_window_pct(11_591, 10_928)
    assert (
        start_sites_counted(res193, 6_375, dt.date(2025, 5, 31), pct, window)
        == round(6_375 * 663 / 11_591)
        == 365
    )


def test_operators_hold_no_more_kits_on_order_than_vendors_deliver_over_a_p90_lead_time():
    """30 kits a month and a fixed 30-day lead time: the vendors deliver 30 kits over a month (a P90 lead time of 30
    days is shorter: 29.6), so after every month's orders at most 30 sites wait for a kit, though the plan asks 100;
    the pace left unordered is held by kit deliveries (modelling audit: at 300 kits a month the operators kept
    ordering and 57,676 sites waited for kits at the end). With 1,000,000 kits a month the cap never binds: the full
    pace is ordered."""
    sc = scenario(
        horizon={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 6, 30)},
        operators=viettel_alone(2026, 1200, 1e5, counts="orders"),
        crews={"north": {"teams": 1000}},
        supply={"deliveries_per_month": 30, "lead_time": fixed(30)},
    )
    ro, _, clock = run(sc, plan(5000))
    st = ro.state
    for t in sorted(set(st.order_day[st.ordered].tolist())):
        # the weekly delivery pass at day w (every 7 days from the start) books the kits it delivers in [w, w + 7)
        week_end = math.floor(t / 7.0) * 7.0 + 7.0
        on_books = int((st.ordered & (st.order_day <= t) & ~(st.delivered_day < week_end)).sum())
        assert on_books <= 30, (t, on_books)
    assert 0 < int(st.ordered.sum()) < 600 and ro.held_orders[HELD_CAUSES.index("deliveries")].sum() > 0
    plenty = sc.model_copy(
        update={"supply": sc.supply.model_copy(update={"deliveries_per_month": 1_000_000})}
    )
    free, _, _ = run(plenty, plan(5000))
    assert int(free.state.ordered.sum()) == 600  # 100 a month for six months
    assert free.held_orders[HELD_CAUSES.index("deliveries")].sum() == 0
