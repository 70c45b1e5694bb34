"""Village campaigns, villages in works at the start, bottleneck attribution and the new village
metrics, against hand-computed timelines (SimPy process only: no geodata needed)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import simpy

from dxsim.errors import DxsimInputError
from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.villages_campaigns import Campaign
from dxsim.sim.calendar import Clock, month_ends
from dxsim.sim.finance import Ledger
from dxsim.sim.villages.metrics import village_month_metrics
from dxsim.sim.villages.process import (
    CAUSES,
    DAYS_PER_MONTH,
    OWNER,
    CampaignSpec,
    VillageInputs,
    VillageProgramme,
    in_progress_share,
)
from dxsim.sim.villages.setup import select_villages

START = dt.date(2026, 1, 1)  # a month start: the programme office acts on day 0


def scenario(rainy=(), budget=1000.0, utility=1, operator=1, with_power_teams=1):
    return Scenario.model_validate(
        {
            "name": "t",
            "horizon": {"start_date": START, "end_date": dt.date(2027, 12, 31)},
            "supply": {"lead_time": {"p50_days": 20, "p90_days": 20}},
            "seasons": {"north": {"rainy_months": list(rainy), "rainy_productivity_pct": 50.0}},
            "villages": {
                "programme": {
                    "budget_vnd_bn": {2026: budget},
                    "permit": {"p50_days": 0, "p90_days": 0},
                    "work_p90_over_p50": 1.0,
                    "crews": {
                        "north": {
                            "utility_teams": utility,
                            "operator_teams": operator,
                            "with_power_teams": with_power_teams,
                        }
                    },
                }
            },
        }
    )


def inputs(
    pop=(500, 300),
    grid=(True, True),
    capex=(2.0, 2.0),
    util=100.0,
    op=5.0,
    lead=20.0,
    has_power=None,
    campaigns=(),
):
    n = len(pop)
    return VillageInputs(
        village_id=np.array([f"V{i}" for i in range(n)]),
        region_idx=np.zeros(n, dtype=int),
        population=np.array(pop, float),
        feasible=np.ones(n, dtype=bool),
        grid_power=np.array(grid),
        utility_team_days=np.where(np.array(grid), util, 0.0),
        operator_team_days=np.full(n, op),
        equipment_lead_days=np.full(n, lead),
        capex_vnd_bn=np.array(capex, float),
        has_power_at_start=None if has_power is None else np.array(has_power),
        province_idx=np.zeros(n, dtype=np.int64),
        campaigns=list(campaigns),
    )


def campaign(n, deadline=150.0, launched=0.0, **kw):
    return CampaignSpec(
        name="c",
        launched_day=launched,
        deadline_day=deadline,
        in_scope=np.ones(n, dtype=bool),
        in_progress_at_start=kw.pop("in_progress_at_start", False),
        **kw,
    )


def temp_campaign(kind: str = "genset", fuel: float = 0.001, **kw):
    """One village's campaign with temporary power: kit capex 0.1 bn, 5 team-days to install, 60 days' lead."""
    return campaign(
        1,
        temporary_power=kind,
        temp_capex_vnd_bn=np.array([0.1]),
        temp_fuel_vnd_bn_per_day=fuel,
        temp_team_days=5.0,
        temp_lead_days=60.0,
        **kw,
    )


def run(sc: Scenario, v: VillageInputs, seed: int = 1, monitor: bool = False):
    env = simpy.Environment()
    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    prog = sc.villages.programme
    ledger = Ledger(lambda owner, year: prog.budget_for(year) if owner == OWNER else 0.0)
    vp = VillageProgramme(env, sc, v, clock, seed, 0, ledger)
    vp.start()
    rows: list[dict] = []
    if monitor:

        def mon():
            for me in month_ends(clock.start, clock.end):
                day = clock.day(me)
                if day > env.now:
                    yield env.timeout(day - env.now)
                nat, _, _ = village_month_metrics(vp, 1, day)
                rows.append({"day": day, **nat})

        env.process(mon())
    env.run(until=clock.horizon_days + 1)
    return vp, rows


# --------------------------------------------------------------------------- surge crews
def test_surge_line_crews_meet_a_deadline_the_region_alone_misses_and_cost_shows_in_capex():
    sc = scenario()
    # No surge: one line crew. V0 line 0-100, V1 100-200; sites (kit day 20, 5 team-days) done by day 30.
    base, _ = run(sc, inputs(campaigns=[campaign(2)]))
    np.testing.assert_allclose(base.connected_day, [100, 200])
    # One surge crew arrives on day 10 (p50 = p90 = 10): V1 takes it, line 10-110 -> on air 110 <= 150.
    c = campaign(
        2,
        extra_utility_teams={"north": 1},
        mobilisation_p50_days=10.0,
        mobilisation_p90_days=10.0,
        team_cost_vnd_bn_per_month=0.15,
    )
    vp, rows = run(sc, inputs(campaigns=[c]), monitor=True)
    np.testing.assert_allclose(vp.connected_day, [100, 110])
    assert vp.arrival_day[0] == pytest.approx(10.0)
    # deadline day 150 lies in May 2026: both villages done -> met; the no-surge run leaves V1
    once = [r for r in rows if "campaign_c_deadline_met" in r]
    assert len(once) == 1 and once[0]["day"] == 150.0  # 2026-05-31 is day 150
    assert (
        once[0]["campaign_c_deadline_met"] == 1.0 and once[0]["campaign_c_villages_left_at_deadline"] == 0.0
    )
    # surge team deployed from arrival (10) to the campaign's last line (110): 100 days at 0.15 bn a month
    want = 100.0 / DAYS_PER_MONTH * 0.15
    surge = sum(r["campaign_c_surge_capex_vnd_bn"] for r in rows)
    assert surge == pytest.approx(want)
    assert sum(r["village_surge_capex_vnd_bn"] for r in rows) == pytest.approx(want)
    assert sum(r["village_capex_vnd_bn"] for r in rows) == pytest.approx(2.0 + 2.0 + want)
    # the no-surge run misses the same deadline with V1 left
    _, rows0 = run(sc, inputs(campaigns=[campaign(2)]), monitor=True)
    once0 = [r for r in rows0 if "campaign_c_deadline_met" in r][0]
    assert once0["campaign_c_deadline_met"] == 0.0 and once0["campaign_c_villages_left_at_deadline"] == 1.0
    assert sum(r["village_capex_vnd_bn"] for r in rows0) == pytest.approx(4.0)


def test_a_deadline_before_the_start_is_not_judged():
    """The run starts after the deadline (day -31): its start state is the network after it, so the run writes the
    campaign's scope once, at the first month end, and no "done by the deadline" nor "met"."""
    _, rows = run(scenario(), inputs(campaigns=[campaign(2, deadline=-31.0, launched=-120.0)]), monitor=True)
    once = [r for r in rows if "campaign_c_villages_in_scope" in r]
    assert (
        len(once) == 1 and once[0]["day"] == rows[0]["day"] and once[0]["campaign_c_villages_in_scope"] == 2.0
    )
    assert not [
        r for r in rows if "campaign_c_deadline_met" in r or "campaign_c_villages_done_by_deadline" in r
    ]
    assert rows[0]["campaign_c_villages_left"] == 2.0  # the monthly count still says what is left


def test_surge_teams_work_only_for_their_campaign():
    # V1 is outside the campaign: it never uses the surge crew and waits for V0's line (0-100) -> 200
    c = campaign(2, extra_utility_teams={"north": 1}, mobilisation_p50_days=10.0, mobilisation_p90_days=10.0)
    c.in_scope = np.array([False, True])
    vp, _ = run(scenario(), inputs(pop=(500, 300), campaigns=[c]))
    # V1 (campaign, started first: deadline ordering) takes the region's crew at day 0: line 0-100;
    # V0 (no campaign) waits for the region's crew: 100-200. The surge crew is idle.
    np.testing.assert_allclose(vp.connected_day, [200, 100])


def test_a_campaign_s_own_villages_say_what_holds_them_not_the_country_s():
    """One line crew; the campaign claims V1 only, which takes the crew first (deadline ordering): V1's line is built
    over days 0-100 (held by the grid-line works), while V0, outside the campaign, waits for the crew (line crews)
    and then for its own line. In January both wait all month: nationally 50% line crews and 50% grid-line works;
    the campaign's own villages 100% grid-line works. Its shares come back at each month end as metrics."""
    c = campaign(2)
    c.in_scope = np.array([False, True])
    vp, rows = run(scenario(), inputs(campaigns=[c]), monitor=True)
    np.testing.assert_allclose(vp.connected_day, [200, 100])
    jan = rows[0]
    assert jan["villages_held_pct_line_crews"] == pytest.approx(50.0)
    assert jan["villages_held_pct_power"] == pytest.approx(50.0)
    assert jan["campaign_c_held_pct_power"] == pytest.approx(100.0)
    assert jan["campaign_c_held_pct_line_crews"] == 0.0
    # after day 100 the campaign's village has signal: its shares are all 0 while V0 still waits
    late = next(r for r in rows if 130 <= r["day"] < 200)  # May: wholly after day 100
    assert all(late[f"campaign_c_held_pct_{cause}"] == 0.0 for cause in CAUSES)
    assert late["villages_held_pct_power"] == pytest.approx(100.0)
    # the per-campaign days add up to the national ones (the last row: villages of no campaign)
    np.testing.assert_allclose(vp.held_days_by_campaign.sum(axis=0), vp.held_days(vp.env.now))


# --------------------------------------------------------------------------- temporary power / portable BTS
def test_temporary_power_puts_the_site_on_air_before_the_grid_line():
    sc = scenario()
    fuel = 0.001  # VND bn per day
    c = temp_campaign(fuel=fuel)
    vp, rows = run(sc, inputs(pop=(500,), grid=(True,), capex=(2.0,), campaigns=[c]), monitor=True)
    # site equipment at 20, built 20-25; the genset arrives at 60 and the team installs it 60-65 -> on air day 65;
    # line 0-100, so the genset runs 35 days
    assert vp.connected_day[0] == pytest.approx(65.0)
    assert vp.power_day[0] == pytest.approx(65.0)
    assert vp.grid_day[0] == pytest.approx(100.0)
    assert vp.temp_power[0]
    assert sum(r["village_surge_capex_vnd_bn"] for r in rows) == pytest.approx(0.1 + 35 * fuel)
    # without the campaign it waits for the line
    plain, _ = run(sc, inputs(pop=(500,), grid=(True,), capex=(2.0,)))
    assert plain.connected_day[0] == pytest.approx(100.0)


def test_temporary_power_is_not_used_when_the_line_is_energised_first():
    """The kit's lead (60 days) and its 5 team-days were added to the site's even when the line came first: with a
    30-day line the village got signal at day 70 with the campaign's temporary power and at day 30 without it, and
    paid for the kit. Hand-computed: equipment at 20, site built 20-25, line energised at 30 while the kit is still
    on its way (60): signal at 30 with the line; no kit, no fuel, no surge capex."""
    sc = scenario()
    c = temp_campaign()
    vp, rows = run(sc, inputs(pop=(500,), grid=(True,), capex=(2.0,), util=30.0, campaigns=[c]), monitor=True)
    assert vp.grid_day[0] == pytest.approx(30.0)
    assert vp.connected_day[0] == pytest.approx(30.0)
    assert not vp.temp_power[0]
    assert sum(r["village_surge_capex_vnd_bn"] for r in rows) == pytest.approx(0.0)


def test_temporary_power_waits_for_its_campaign_s_launch():
    """A kit went on air in 2025-11 (and was paid) for a campaign launched in 2026-01: the village started earlier, in
    the programme's works. Launched on day 40, the kit (60 days' lead) arrives on day 100 and is installed 100-105,
    not at 60-65; the line (200 team-days) comes later still, so the kit is used."""
    sc = scenario()
    c = temp_campaign(fuel=0.0, launched=40.0, deadline=300.0)
    vp, rows = run(
        sc, inputs(pop=(500,), grid=(True,), capex=(2.0,), util=200.0, campaigns=[c]), monitor=True
    )
    assert vp.temp_power[0] and vp.connected_day[0] == pytest.approx(105.0)
    paid = [r["day"] for r in rows if r["village_surge_capex_vnd_bn"] > 0]
    assert paid and min(paid) >= 105.0


@pytest.mark.parametrize("util", [10.0, 30.0, 55.0, 62.0, 65.0, 100.0])
def test_temporary_power_never_makes_a_village_later(util: float) -> None:
    """Hand-computed for a line of `util` team-days (equipment 20 days, site 5 team-days, kit 60 days + 5 team-days):
    without temporary power signal comes at max(line, 25); with it, a line energised by the kit's arrival (60) leaves
    the kit unused, and a later one gives signal at the earlier of the line and the kit installed (65)."""
    sc = scenario()
    c = temp_campaign("solar_battery", fuel=0.0)
    vp, _ = run(sc, inputs(pop=(500,), grid=(True,), capex=(2.0,), util=util, campaigns=[c]))
    plain, _ = run(sc, inputs(pop=(500,), grid=(True,), capex=(2.0,), util=util))
    assert plain.connected_day[0] == pytest.approx(max(util, 25.0))
    assert vp.connected_day[0] == pytest.approx(max(util, 25.0) if util <= 60.0 else min(util, 65.0))
    assert bool(vp.temp_power[0]) == (util > 60.0)
    assert vp.connected_day[0] <= plain.connected_day[0]


# --------------------------------------------------------------------------- the utility's bridge (power_bridge)
def bridge_campaign(n: int = 1, deadline: float = 150.0, lead: float = 10.0, running: float = 0.0, **kw):
    """A campaign whose utility bridges its villages: a fixed lead (p50 = p90), 0.5 bn a village, `running` bn a
    day until the line."""
    return campaign(
        n,
        deadline=deadline,
        power_bridge=True,
        power_bridge_lead_p50_days=lead,
        power_bridge_lead_p90_days=lead,
        power_bridge_capex_vnd_bn=0.5,
        power_bridge_running_vnd_bn_per_day=running,
        **kw,
    )


def test_the_utility_bridges_a_village_whose_line_misses_the_deadline():
    """Hand-computed: a 300-team-day line (0-300), site equipment at 20 and built 20-25. The utility plans on the
    bridge's p90 (10 days), so it acts on day 155 - 10 = 145 and the village has power, and its built site signal, on
    day 155, the deadline; the line is still energised on day 300. Without the bridge: power and signal on day 300.
    The bridge's 0.5 bn is the campaign's surge, booked in the month it comes on (June 2026: day 180 is 30 June),
    and its running cost (0.001 bn a day) month by month for the 145 days until the line."""
    sc = scenario()
    c = bridge_campaign(deadline=155.0, running=0.001)
    v = inputs(pop=(500,), grid=(True,), capex=(2.0,), util=300.0, campaigns=[c])
    vp, rows = run(sc, v, monitor=True)
    assert vp.v.campaigns[0].power_bridge_order_day == pytest.approx(145.0)
    assert vp.bridge_day[0] == pytest.approx(155.0) and vp.power_day[0] == pytest.approx(155.0)
    assert vp.connected_day[0] == pytest.approx(155.0)
    assert vp.grid_day[0] == pytest.approx(300.0)
    paid = {r["day"]: r["campaign_c_surge_capex_vnd_bn"] for r in rows if r["campaign_c_surge_capex_vnd_bn"]}
    assert paid[180.0] == pytest.approx(0.5 + 25 * 0.001)  # set up on day 155, running 155-180
    assert (
        min(paid) == 180.0 and max(paid) == 303.0
    )  # the month end after the line (day 300; 31 Oct = day 303)
    assert sum(paid.values()) == pytest.approx(0.5 + 145 * 0.001)
    once = next(r for r in rows if "campaign_c_deadline_met" in r)
    assert (
        once["campaign_c_deadline_met"] == 1.0
        and once["campaign_c_villages_without_power_at_deadline"] == 0.0
    )
    for r in rows:  # on the bridge from day 155 until the line on day 300; without power before it
        assert r["villages_on_bridge_power"] == (1.0 if 155.0 <= r["day"] < 300.0 else 0.0)
        assert r["villages_without_power"] == (1.0 if r["day"] < 155.0 else 0.0)
    plain, rows0 = run(
        sc,
        inputs(pop=(500,), grid=(True,), capex=(2.0,), util=300.0, campaigns=[campaign(1, deadline=155.0)]),
        monitor=True,
    )
    assert plain.connected_day[0] == pytest.approx(300.0) and plain.power_day[0] == pytest.approx(300.0)
    assert np.isnan(plain.bridge_day[0])
    once0 = next(r for r in rows0 if "campaign_c_deadline_met" in r)
    assert (
        once0["campaign_c_deadline_met"] == 0.0
        and once0["campaign_c_villages_without_power_at_deadline"] == 1.0
    )


def test_no_bridge_when_the_line_comes_first():
    """A 100-team-day line is energised on day 100, before the bridge would come on (150): nothing is bridged or paid."""
    v = inputs(pop=(500,), grid=(True,), capex=(2.0,), util=100.0, campaigns=[bridge_campaign()])
    vp, rows = run(scenario(), v, monitor=True)
    assert np.isnan(vp.bridge_day[0]) and vp.connected_day[0] == pytest.approx(100.0)
    assert sum(r["village_surge_capex_vnd_bn"] for r in rows) == 0.0
    assert all(r["villages_on_bridge_power"] == 0.0 for r in rows)


def test_a_bridged_village_is_held_by_its_site_not_its_line():
    """Site equipment takes 200 days (built 200-205), the line 300, the bridge comes on at 150. Days 0-150 the
    village waits for power (the line under construction); from 150 it has power and waits for its site: 55 days of
    backhaul. Without the bridge the line holds it all 300 days."""
    v = inputs(pop=(500,), grid=(True,), capex=(2.0,), util=300.0, lead=200.0, campaigns=[bridge_campaign()])
    vp, _ = run(scenario(), v)
    assert vp.connected_day[0] == pytest.approx(205.0)
    held = vp.held_days(400.0)
    want = np.zeros(len(CAUSES))
    want[CAUSES.index("power")], want[CAUSES.index("backhaul")] = 150.0, 55.0
    np.testing.assert_allclose(held, want, atol=1e-9)


def test_a_temporary_kit_is_not_used_when_the_bridge_comes_first_and_the_bridge_not_when_the_kit_does():
    """Temporary kit: 60 days' lead, installed 60-65 (site built 20-25). (a) Deadline 40: the bridge comes on at 40,
    before the kit: the site goes on air on it at 40, the kit is unused and unpaid. (b) Deadline 150: the kit powers
    the site at 65, before the bridge (150), which is then not needed."""
    sc = scenario()
    for deadline, on_air, bridged, temp, surge in (
        (40.0, 40.0, True, False, 0.5),
        (150.0, 65.0, False, True, 0.1),
    ):
        c = temp_campaign(
            fuel=0.0,
            deadline=deadline,
            power_bridge=True,
            power_bridge_lead_p50_days=10.0,
            power_bridge_lead_p90_days=10.0,
            power_bridge_capex_vnd_bn=0.5,
        )
        vp, rows = run(
            sc, inputs(pop=(500,), grid=(True,), capex=(2.0,), util=300.0, campaigns=[c]), monitor=True
        )
        assert vp.connected_day[0] == pytest.approx(on_air)
        assert (not np.isnan(vp.bridge_day[0])) == bridged and bool(vp.temp_power[0]) == temp
        assert sum(r["village_surge_capex_vnd_bn"] for r in rows) == pytest.approx(surge)


def test_an_off_grid_village_has_power_from_the_bridge_before_its_site():
    """An off-grid village's power came with its site (on air at 25); with a bridge ordered on day 10 (deadline 20,
    lead 10) the village has power from day 20, and signal still at 25, when its own off-grid system replaces the
    bridge: 5 days of running cost, and no village on a bridge at the January month end (day 30). (The 8 off-grid
    villages of the 2025 campaign ran on their bridges to 2030, counted "line not yet energised" with no line to
    come: trial.)"""
    c = bridge_campaign(deadline=20.0, running=0.001)
    v = inputs(pop=(500,), grid=(False,), capex=(2.0,), util=0.0, campaigns=[c])
    vp, rows = run(scenario(), v, monitor=True)
    assert vp.power_day[0] == pytest.approx(20.0) and vp.bridge_day[0] == pytest.approx(20.0)
    assert vp.connected_day[0] == pytest.approx(25.0) and vp.bridge_off_day[0] == pytest.approx(25.0)
    assert sum(r["campaign_c_surge_capex_vnd_bn"] for r in rows) == pytest.approx(0.5 + 5 * 0.001)
    assert all(r["villages_on_bridge_power"] == 0.0 for r in rows)
    np.testing.assert_allclose(vp.bridge_cost_vnd_bn(700.0), [0.5 + 5 * 0.001])


def test_bridge_leads_are_drawn_per_village_from_the_scenario_s_percentiles():
    """2,001 villages whose lines never finish in the horizon: the leads behind their bridges have the scenario's
    median (20 days) and 90th percentile (45 days), within sampling error, and the same seed gives the same days."""
    n = 2001
    c = campaign(
        n,
        deadline=200.0,
        power_bridge=True,
        power_bridge_lead_p50_days=20.0,
        power_bridge_lead_p90_days=45.0,
        power_bridge_capex_vnd_bn=0.5,
    )
    v = inputs(pop=(100,) * n, grid=(True,) * n, capex=(0.0,) * n, util=5000.0, campaigns=[c])
    env = simpy.Environment()
    sc = scenario()
    vp = VillageProgramme(env, sc, v, Clock(START, dt.date(2027, 12, 31)), 1, 0, Ledger(lambda o, y: 1e9))
    lead = vp.bridge_due - c.power_bridge_order_day
    assert c.power_bridge_order_day == pytest.approx(155.0)
    assert np.median(lead) == pytest.approx(20.0, rel=0.06)
    assert np.quantile(lead, 0.9) == pytest.approx(45.0, rel=0.08)
    again = VillageProgramme(
        simpy.Environment(), sc, v, Clock(START, dt.date(2027, 12, 31)), 1, 0, Ledger(lambda o, y: 1e9)
    )
    np.testing.assert_array_equal(again.bridge_due, vp.bridge_due)


def test_the_default_campaigns_bridge_and_the_run_s_campaigns_carry_it() -> None:
    """The two 2025 campaigns are bridged by default (the utility answers its deadline) with the scenario's lead and
    cost; `power_bridge = false` leaves a campaign's villages to their lines."""
    from dxsim.scenario.sections.villages_campaigns import default_campaigns

    for c in default_campaigns():
        assert c.power_bridge and c.power_bridge_lead.p50_days <= c.power_bridge_lead.p90_days
    off = Campaign(name="x", villages="no_power", power_bridge=False)
    assert not off.power_bridge


def test_portable_bts_is_fast_and_costs_its_premium():
    c = campaign(
        1, portable_bts=True, portable_capex_vnd_bn=1.0, portable_lead_days=14.0, portable_team_days=3.0
    )
    vp, rows = run(scenario(), inputs(pop=(500,), grid=(True,), capex=(2.0,), campaigns=[c]), monitor=True)
    assert vp.connected_day[0] == pytest.approx(17.0)  # 14 days lead + 3 team-days
    assert vp.power_day[0] == pytest.approx(17.0)  # its own genset
    assert sum(r["village_surge_capex_vnd_bn"] for r in rows) == pytest.approx(1.0)


def test_portable_bts_waits_for_its_campaign_s_launch():
    """A portable unit went on air in 2025-11, and its premium was paid, for a campaign launched in 2026-01: the
    village started earlier, in the programme's works (provincial trial). Launched on day 40, the unit (14 days'
    lead) arrives on day 54 and is commissioned 54-57; nothing is paid before."""
    c = campaign(
        1,
        launched=40.0,
        deadline=300.0,
        portable_bts=True,
        portable_capex_vnd_bn=1.0,
        portable_lead_days=14.0,
        portable_team_days=3.0,
    )
    vp, rows = run(scenario(), inputs(pop=(500,), grid=(True,), capex=(2.0,), campaigns=[c]), monitor=True)
    assert vp.portable[0] and vp.connected_day[0] == pytest.approx(57.0)
    paid = [r["day"] for r in rows if r["village_surge_capex_vnd_bn"] > 0]
    assert paid and min(paid) >= 57.0


def test_a_portable_bts_village_gets_its_permanent_site_after_the_campaign() -> None:
    """A campaign's 50 Mbps portable units left 12 of Lào Cai's villages capacity-short to 2030: their permanent site
    was never built, and a faster campaign read as a loss to the province (provincial trial). By hand: the unit is on
    air on day 17 (14 days' lead, 3 team-days) on a link too small for the village (served False); the macro site's
    kit, ordered with the unit on day 0, comes in 20 days (day 20) and the region's one site team builds it in 5
    team-days: on air on day 25, on the unit's genset, while its grid line, one crew's 100 team-days from day 0, is
    energised on day 100. So the village is connected from day 25, on its permanent link, and its option's 2.0 bn is
    recognised then, not on day 17. Begun at the campaign's deadline (day 150) and waiting for its line, it was on
    air on day 175, and a campaign with portable units served fewer villages than one without (lever audit)."""
    import dataclasses

    c = campaign(
        1, portable_bts=True, portable_capex_vnd_bn=1.0, portable_lead_days=14.0, portable_team_days=3.0
    )
    v = dataclasses.replace(
        inputs(pop=(500,), grid=(True,), capex=(2.0,), campaigns=[c]),
        served=np.array([False]),
        served_permanent=np.array([True]),
    )
    vp, rows = run(scenario(), v, monitor=True)
    assert vp.signal_day[0] == pytest.approx(17.0) and vp.grid_day[0] == pytest.approx(100.0)
    assert vp.permanent_day[0] == pytest.approx(25.0) and vp.served_day[0] == pytest.approx(25.0)
    for r in rows:  # capacity-short on the portable unit, connected on the permanent site
        assert (r["villages_connected"], r["villages_capacity_short"]) == (
            (1.0, 0.0) if r["day"] >= 25.0 else (0.0, 1.0 if r["day"] >= 17.0 else 0.0)
        ), r["day"]
    option = [(r["day"], r["village_capex_vnd_bn"] - r["village_surge_capex_vnd_bn"]) for r in rows]
    assert [d for d, x in option if x > 0] == [min(d for d, _ in option if d >= 25.0)]
    assert sum(x for _, x in option) == pytest.approx(2.0)
    # a unit whose own link serves the village: connected from the unit's day; the macro site still follows
    vp, _ = run(scenario(), inputs(pop=(500,), grid=(True,), capex=(2.0,), campaigns=[c]))
    assert vp.served_day[0] == pytest.approx(17.0) and vp.permanent_day[0] == pytest.approx(25.0)
    # off the grid (its own power with the site): the same day 25
    vp, _ = run(
        scenario(),
        dataclasses.replace(
            inputs(pop=(500,), grid=(False,), capex=(2.0,), campaigns=[c]),
            served=np.array([False]),
            served_permanent=np.array([True]),
        ),
    )
    assert vp.signal_day[0] == pytest.approx(17.0) and vp.permanent_day[0] == pytest.approx(25.0)
    assert vp.served_day[0] == pytest.approx(25.0)


def test_a_portable_bts_holds_its_villages_against_its_own_link() -> None:
    """A village of 1,500 people on a 50 Mbps portable unit read "connected" on the 500 Mbps microwave link it never
    got (provincial trial). The village table now carries the portable unit's link: hand-computed with the default
    demand (busy-hour users = population x share, at least 1; served when Mbps per user >= the required rate)."""
    from dxsim.sim.villages.setup import with_portable_links

    sc = Scenario.model_validate(
        {
            "name": "p",
            "villages": {
                "campaigns": [
                    {
                        "name": "port",
                        "launched": "2026-01-15",
                        "deadline": "2026-06-30",
                        "villages": ["11"],
                        "portable_bts": True,
                        "portable_bts_capacity_mbps": 50.0,
                    },
                    {"name": "other", "launched": "2026-01-15", "deadline": "2026-06-30", "villages": "all"},
                ]
            },
        }
    )
    table = pl.DataFrame(
        {
            "population": [1500, 40, 1500],
            "campaign": ["port", "port", "other"],
            "backhaul_capacity_mbps": [500.0, 500.0, 500.0],
            "busy_hour_mbps_per_user": [500.0 / 150.0, 500.0 / 4.0, 500.0 / 150.0],
            "served": [True, True, True],
        }
    )
    out = with_portable_links(table, sc)
    dem = sc.villages.options.demand
    users = np.maximum(np.array([1500.0, 40.0]) * dem.busy_hour_users_pct_of_population / 100.0, 1.0)
    assert out["portable_bts"].to_list() == [True, True, False]
    assert out["backhaul_capacity_mbps"].to_list() == [50.0, 50.0, 500.0]
    assert out["busy_hour_mbps_per_user"].to_list()[:2] == pytest.approx(list(50.0 / users))
    expect = list(50.0 / users >= dem.required_mbps_per_user)
    assert out["served"].to_list() == [*expect, True]
    assert expect == [
        False,
        True,
    ]  # the big village is short on 50 Mbps at the default demand, the small one is not


# --------------------------------------------------------------------------- in works at the start
def test_villages_in_works_at_the_start_finish_earlier_and_began_before_it():
    assert in_progress_share(-100.0, 0.0) == 1.0
    assert in_progress_share(-50.0, 50.0) == pytest.approx(0.5)
    assert in_progress_share(10.0, 50.0) == 0.0
    sc = scenario()
    fresh, _ = run(
        sc,
        inputs(
            pop=(500,), grid=(True,), capex=(2.0,), campaigns=[campaign(1, launched=-100.0, deadline=0.5)]
        ),
    )
    assert fresh.connected_day[0] == pytest.approx(100.0)
    c = campaign(1, launched=-100.0, deadline=0.5, in_progress_at_start=True)  # share ~1: surely in works
    vp, _ = run(sc, inputs(pop=(500,), grid=(True,), capex=(2.0,), campaigns=[c]))
    e = float(vp.elapsed_days[0])
    assert 0.0 < e < 100.0
    assert vp.started_day[0] == pytest.approx(-e)
    # permit 0: the elapsed days are credited to the line (100 - e) and the kit lead (20 - e) -> site + 5
    assert vp.connected_day[0] == pytest.approx(max(100.0 - e, max(0.0, 20.0 - e) + 5.0))
    assert vp.connected_day[0] < fresh.connected_day[0]


def test_a_what_if_deadline_does_not_rewrite_the_works_under_way_at_the_start():
    """The lever audit moved the no-power campaign's deadline two weeks earlier and got more villages in works on day 0
    (the in-works share is elapsed / (deadline - launched)): history rewritten by a what-if. With the deadline it was
    launched with stated (`deadline_at_launch`), the villages in works at the start are the same for any deadline,
    and only that launch deadline moves them. 200 villages, share 0.5 (launched -50, window to +50) hand-computed."""
    sc = scenario()
    n = 200

    def in_works(**kw):
        c = campaign(n, launched=-50.0, in_progress_at_start=True, **kw)
        vp, _ = run(sc, inputs(pop=(500,) * n, grid=(True,) * n, capex=(2.0,) * n, campaigns=[c]))
        return vp.elapsed_days > 0

    held = in_works(deadline=50.0, launch_deadline_day=50.0)
    assert np.array_equal(in_works(deadline=10.0, launch_deadline_day=50.0), held)  # the what-if deadline
    assert abs(held.mean() - 0.5) < 0.1  # share 0.5 of 200 villages, seeded draws
    assert (
        in_works(deadline=10.0).mean() > held.mean() + 0.2
    )  # unset: the deadline is the launch one (share 5/6)


def test_works_begun_before_the_start_go_on_when_a_later_campaign_claims_the_village():
    """A province lists its villages first in a campaign of its own, launched after the start (day 30), funded by
    the programme: the works the national campaign (launched day -100, in works) began go on, exactly as without the
    new campaign, and stay paid by whoever began them (the utility and operators), not by the programme."""
    n = 50
    sc = scenario(utility=50, operator=50)
    national = campaign(n, launched=-100.0, deadline=50.0, in_progress_at_start=True)  # share 2/3
    kw = {"pop": tuple(range(1, n + 1)), "grid": (True,) * n, "capex": (1.0,) * n, "util": 60.0}
    alone, _ = run(sc, inputs(**kw, campaigns=[national]))
    province = CampaignSpec(
        name="province",
        launched_day=30.0,
        deadline_day=200.0,
        in_scope=np.ones(n, dtype=bool),
        selects=np.ones(n, dtype=bool),
        funded_by_programme_budget=True,
    )
    claimed = CampaignSpec(
        name="c",
        launched_day=-100.0,
        deadline_day=50.0,
        in_scope=np.zeros(n, dtype=bool),  # the province's campaign, listed first, took every village
        selects=np.ones(n, dtype=bool),
        in_progress_at_start=True,
    )
    both, _ = run(sc, inputs(**kw, campaigns=[province, claimed]))
    in_works = alone.elapsed_days > 0
    assert 0 < in_works.sum() < n  # some villages in works at the start, some not
    np.testing.assert_array_equal(both.elapsed_days, alone.elapsed_days)
    np.testing.assert_array_equal(both.started_day[in_works], alone.started_day[in_works])
    assert all(both.paid_by[i] == alone.paid_by[i] != OWNER for i in np.flatnonzero(in_works))
    # the rest are the province's, funded by the programme (started while its budget allows)
    assert all(both.paid_by[i] == OWNER for i in np.flatnonzero(~in_works))


def test_in_works_share_is_drawn_per_village():
    n = 400
    c = campaign(n, launched=-50.0, deadline=50.0, in_progress_at_start=True)  # share 0.5
    vp, _ = run(
        scenario(utility=50, operator=50),
        inputs(pop=tuple(range(1, n + 1)), grid=(True,) * n, capex=(0.0,) * n, util=10.0, campaigns=[c]),
    )
    frac = float((vp.elapsed_days > 0).mean())
    assert 0.4 < frac < 0.6
    assert vp.elapsed_days.max() <= 50.0


# --------------------------------------------------------------------------- bottleneck shares
def test_held_days_by_cause_hand_computed():
    # Jan-Jun rainy: the line crew is taken on day 0 but line works pause until 1 July (day 181), then
    # 10 team-days -> energised day 191. The site is ready on day 25, so the village waits on the line:
    # season 181 days, power 10 days.
    vp, _ = run(scenario(rainy=range(1, 7)), inputs(pop=(500,), grid=(True,), capex=(2.0,), util=10.0))
    assert vp.connected_day[0] == pytest.approx(191.0)
    held = vp.held_days(400.0)
    want = np.zeros(len(CAUSES))
    want[CAUSES.index("season")], want[CAUSES.index("power")] = 181.0, 10.0
    np.testing.assert_allclose(held, want, atol=1e-9)


def test_budget_and_crews_are_attributed():
    # 2.5 bn in 2026: V0 (2.0) starts day 0; V1 (2.0) waits for 2027 (day 365) -> budget 365 days.
    # Off-grid sites: kit 20 days (backhaul), 5 team-days (backhaul) -> V0 on air day 25.
    # V1 from day 365: kit 365-385 (backhaul), works 385-390.
    vp, _ = run(scenario(budget=2.5), inputs(grid=(False, False), capex=(2.0, 2.0), util=0.0))
    np.testing.assert_allclose(vp.connected_day, [25, 390])
    held = vp.held_days(500.0)
    assert held[CAUSES.index("budget")] == pytest.approx(365.0)
    assert held[CAUSES.index("backhaul")] == pytest.approx(25.0 + 25.0)
    assert held.sum() == pytest.approx(25.0 + 390.0)  # every day without signal, once


def test_each_village_s_longest_hold_is_its_own():
    """The same timeline as test_budget_and_crews_are_attributed, village by village: V0 held 25 days by its
    backhaul (kit and works), V1 365 by the budget then 25 by its backhaul; the rows add up to the national days.
    The village table a run writes names the longest (`held_longest_by`, `held_longest_days`)."""
    from dxsim.results.villages import village_table

    vp, _ = run(scenario(budget=2.5), inputs(grid=(False, False), capex=(2.0, 2.0), util=0.0))
    by_village = vp.held_by_village(500.0)
    want = np.zeros((2, len(CAUSES)))
    want[0, CAUSES.index("backhaul")] = 25.0
    want[1, CAUSES.index("budget")], want[1, CAUSES.index("backhaul")] = 365.0, 25.0
    np.testing.assert_allclose(by_village, want, atol=1e-9)
    np.testing.assert_allclose(by_village.sum(axis=0), vp.held_days(500.0))
    table = pl.DataFrame({"feasible": [True, True], "population": [500, 300], "capex_vnd_bn": [2.0, 2.0]})
    days = vp.connected_day
    out = village_table(
        table,
        START,
        dt.date(2027, 12, 31),
        vp.started_day,
        vp.power_day,
        days,
        {0: days},
        held_days=by_village,
    )
    assert out["held_longest_by"].to_list() == ["backhaul", "budget"]
    assert out["held_longest_days"].to_list() == [25.0, 365.0]


def test_shares_add_up_to_100_or_are_all_zero():
    sc = scenario(rainy=(6, 7, 8, 9), budget=6.0)
    v = inputs(
        pop=(500, 400, 300, 200, 100), grid=(True, False, True, True, False), capex=(2.0,) * 5, util=60.0
    )
    _, rows = run(sc, v, monitor=True)
    waiting_seen = done_seen = False
    for r in rows:
        total = sum(r[f"villages_held_pct_{c}"] for c in CAUSES)
        if r["villages_without_signal"] > 0 or total > 0:
            assert total == pytest.approx(100.0)
            waiting_seen = True
        else:
            assert total == 0.0
            done_seen = True
    assert waiting_seen and done_seen


# --------------------------------------------------------------------------- counts by brute force
def test_villages_without_power_and_signal_by_brute_force():
    sc = scenario(rainy=(7, 8))
    has_power = (False, True, False, True, False, False)
    v = inputs(
        pop=(600, 500, 400, 300, 200, 100),
        grid=(True, False, False, False, True, True),
        capex=(1.0,) * 6,
        util=40.7,
        op=5.3,
        lead=20.1,
        has_power=has_power,
    )  # no event on a month end
    vp, rows = run(sc, v, monitor=True)
    hp = np.array(has_power)
    assert np.all(vp.power_day[hp] == 0.0)
    for r in rows:
        d = r["day"]
        brute_power = sum(1 for i in range(6) if not hp[i] and not (vp.power_day[i] <= d))
        brute_signal = sum(1 for i in range(6) if not (vp.signal_day[i] <= d))
        brute_unconn = sum(1 for i in range(6) if not hp[i] and not (vp.signal_day[i] <= d))
        assert r["villages_without_power"] == brute_power
        assert r["villages_without_signal"] == brute_signal
        assert r["villages_unconnected"] == brute_unconn
        assert r["villages_connected"] == 6 - brute_signal
    assert rows[0]["villages_without_power"] <= 4 and rows[-1]["villages_without_power"] == 0


def test_with_power_villages_use_the_operators_ordinary_teams():
    # two villages with grid power: signal track only (no line), each on its own pool; with 0 remote
    # teams the with-power village is still built by the ordinary teams
    v = inputs(pop=(500, 300), grid=(False, False), capex=(1.0, 1.0), util=0.0, has_power=(True, False))
    vp, _ = run(scenario(operator=0, with_power_teams=1), v)
    assert vp.connected_day[0] == pytest.approx(25.0)
    assert np.isnan(vp.connected_day[1])


# --------------------------------------------------------------------------- scenario fields
def test_campaign_selector_and_validation():
    table = pl.DataFrame(
        {
            "village_id": ["N001", "S001", "W0001"],
            "gso34": ["08", "44", "08"],
            "has_grid_power": [False, False, True],
        }
    )
    assert select_villages(Campaign(villages="no_power"), 0, table).tolist() == [True, True, False]
    assert select_villages(Campaign(villages="with_power"), 0, table).tolist() == [False, False, True]
    assert select_villages(Campaign(villages=["08"]), 0, table).tolist() == [True, False, True]
    assert select_villages(Campaign(villages=["S001"]), 0, table).tolist() == [False, True, False]
    with pytest.raises(DxsimInputError, match=r"villages\.campaigns\[2\]\.villages.*X9"):
        select_villages(Campaign(villages=["X9"]), 1, table)
    with pytest.raises(ValueError, match="deadline"):
        Campaign(launched=dt.date(2025, 7, 1), deadline=dt.date(2025, 6, 1))
    with pytest.raises(ValueError, match="lower case"):
        Campaign(name="No Power")
    with pytest.raises(ValueError, match="used twice"):
        Scenario.model_validate({"name": "t", "villages": {"campaigns": [{"name": "a"}, {"name": "a"}]}})
    sc = Scenario.model_validate({"name": "t"})
    assert [(c.name, c.deadline.isoformat(), c.villages) for c in sc.villages.campaigns] == [
        ("with_power_2025_09", "2025-09-30", "with_power"),
        ("no_power_2025_11", "2025-11-30", "no_power"),
    ]
    assert not math.isnan(sc.villages.campaigns[0].mobilisation.p50_days)


def test_a_subset_leaves_out_the_villages_a_survey_counted_after_the_deadline():
    """Tuyên Quang's survey of 2026-01 counts the holes the with-power campaign due 2025-09 left: a subset selection
    leaves its villages out when the survey is dated after the campaign's deadline, keeps them when it is dated on or
    before it; a campaign naming the province or the village takes them whatever the survey's date."""
    table = pl.DataFrame(
        {
            "village_id": ["N001", "W0001", "W0002", "W0003"],
            "gso34": ["08", "08", "08", "44"],
            "has_grid_power": [False, True, True, True],
            "survey_as_of": [None, dt.date(2026, 1, 31), dt.date(2025, 9, 30), None],
        }
    )
    due_2025_09 = Campaign(villages="with_power", launched=dt.date(2025, 7, 1), deadline=dt.date(2025, 9, 30))
    assert select_villages(due_2025_09, 0, table).tolist() == [False, False, True, True]
    due_2026_06 = Campaign(villages="with_power", launched=dt.date(2026, 2, 1), deadline=dt.date(2026, 6, 30))
    assert select_villages(due_2026_06, 0, table).tolist() == [False, True, True, True]
    every = Campaign(villages="all", launched=dt.date(2025, 7, 1), deadline=dt.date(2025, 9, 30))
    assert select_villages(every, 0, table).tolist() == [True, False, True, True]
    named = Campaign(villages=["08", "W0003"], launched=dt.date(2025, 7, 1), deadline=dt.date(2025, 9, 30))
    assert select_villages(named, 0, table).tolist() == [True, True, True, True]
    assert select_villages(due_2025_09, 0, table.drop("survey_as_of")).tolist() == [False, True, True, True]


def test_the_default_layer_dates_tuyen_quang_s_surveyed_villages_and_its_campaigns_leave_them_out(
    cli_baseline: Path,
) -> None:
    """In the run's villages.parquet: the villages with grid power in Tuyên Quang are exactly its survey's count and
    carry its date; no default campaign holds them (both are due before it), every other village with grid power is
    in the with-power campaign, and the no-power ones (part of the national 117) in theirs."""
    sc = Scenario.model_validate({"name": "t"})
    survey = next(sv for sv in sc.villages.layer.province_surveys if sv.gso34 == "08")
    v = pl.read_parquet(cli_baseline / "villages.parquet")
    tq = v.filter((pl.col("gso34") == "08") & pl.col("has_grid_power"))
    assert tq.height == survey.villages_with_power
    assert tq["survey_as_of"].unique().to_list() == [survey.as_of]
    assert tq["campaign"].null_count() == tq.height
    rest = v.filter(pl.col("has_grid_power") & (pl.col("gso34") != "08"))
    assert rest["survey_as_of"].null_count() == rest.height
    assert rest["campaign"].unique().to_list() == ["with_power_2025_09"]
    assert v.filter(~pl.col("has_grid_power"))["campaign"].unique().to_list() == ["no_power_2025_11"]


def test_the_programme_budget_is_pro_rata_in_the_start_year(cli_baseline: Path) -> None:
    """The programme committed its whole 2025 budget in the two months after a 2025-10-31 start; like an operator's,
    its start-year budget is the share of the year left (62 of 365 days here), and each later year's is whole. Read
    from the run's own metrics (every replication): what it committed by each year end against the budgets summed."""
    from dxsim.scenario import load_scenario

    sc = load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml")
    start = sc.horizon.start_date
    year_days = (dt.date(start.year + 1, 1, 1) - dt.date(start.year, 1, 1)).days
    left = (dt.date(start.year + 1, 1, 1) - start).days / year_days  # from the start day on: 62 of 365
    m = pl.read_parquet(cli_baseline / "metrics.parquet").filter(
        (pl.col("area") == "VN") & (pl.col("metric") == "village_programme_committed_vnd_bn_cum")
    )
    for (rep,), rows in m.group_by("replication"):
        at = dict(rows.select("date", "value").iter_rows())
        y2025 = at[dt.date(2025, 12, 31)]
        assert 0 < y2025 <= sc.villages.programme.budget_for(2025) * left + 1e-9, rep
        assert at[dt.date(2026, 12, 31)] - y2025 <= sc.villages.programme.budget_for(2026) + 1e-9, rep


def test_the_run_says_whose_villages_the_programme_pays_for(cli_baseline: Path) -> None:
    """The baseline's public money holds the village programme's spending on the villages in no campaign (Tuyên
    Quang's surveyed ones), and no output said whose villages they were: `dxsim run` now says it, and its count and
    cost are replication 0's rows of villages.parquet, summed here."""
    v = pl.read_parquet(cli_baseline / "villages.parquet")
    mine = v.filter(pl.col("campaign").is_null() & (pl.col("paid_by") == "programme"))
    assert mine.height > 0 and set(mine["gso34"].to_list()) == {"08"}
    said = " ".join((cli_baseline.parent / "stdout.txt").read_text(encoding="utf-8").split())
    want = (
        f"villages in no campaign: {mine.height:,} (Tuyên Quang {mine.height:,}), started by the village programme "
        f"from its budget: {mine['cost_vnd_bn'].sum():,.1f} bn VND committed (replication 0), public money"
    )
    assert want in said, said[-1500:]


def test_the_run_says_when_villages_have_no_feasible_option(tmp_path: Path) -> None:
    """1,000 Mbps asked per busy-hour user: no option carries any village, the KPI table counted them among 20 rows
    and the only line on the villages said "nothing held back" (lever audit). `dxsim run` now says how many have no
    feasible option and why, for the first of them, from its own villages.parquet; the baseline run, whose villages
    all have one, says nothing of it."""
    from conftest import dxsim_cmd

    repo = Path(__file__).resolve().parent.parent
    sc = tmp_path / "big.toml"
    sc.write_text(
        f'extends = "{(repo / "scenarios" / "baseline.toml").as_posix()}"\nname = "big"\n'
        "[horizon]\nend_date = 2026-06-30\n[villages.options.demand]\nrequired_mbps_per_user = 1000\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    r = dxsim_cmd("run", str(sc), "--out", str(out), "--no-map", "--no-report", env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    v = pl.read_parquet(out / "villages.parquet")
    bad = v.filter(~pl.col("feasible"))
    assert bad.height == v.height > 0  # every village, by the scenario
    said = " ".join(r.stdout.split())
    want = (
        f"villages: {bad.height:,} of {v.height:,} have no feasible option, so none of them is ever started "
        f"(villages.parquet `reason` says why for each), e.g. {bad['name'][0]}: {bad['reason'][0]}"
    )
    assert " ".join(want.split()) in said, said[-2000:]


def test_the_baseline_run_names_no_village_without_a_feasible_option(cli_baseline: Path) -> None:
    """The line above appears only when some village has no feasible option (the baseline's all have one)."""
    v = pl.read_parquet(cli_baseline / "villages.parquet")
    assert v["feasible"].all()
    assert "have no feasible option" not in (cli_baseline.parent / "stdout.txt").read_text(encoding="utf-8")


def test_a_deadline_after_the_horizon_is_said_to_be_unjudged(tmp_path: Path) -> None:
    """A campaign due 2028-06-30 in a run to 2027-06-30 got no deadline row (no month end on or after it), and the
    KPI table, report and summary said nothing about its deadline. `dxsim run` now warns, naming the campaign."""
    from dxsim.i18n import set_language
    from dxsim.scenario.horizon_notes import campaigns_past_horizon
    from dxsim.scenario import load_scenario

    end = dt.date(2027, 6, 30)
    due = {"early": dt.date(2026, 12, 31), "on_end": end, "late": dt.date(2028, 6, 30)}
    body = "".join(
        f'[[villages.campaigns]]\nname = "{n}"\nlaunched = 2025-11-01\ndeadline = {d.isoformat()}\n'
        for n, d in due.items()
    )
    # launched after the end: the run works none of its villages, said once (not also as an unjudged deadline)
    body += '[[villages.campaigns]]\nname = "after"\nlaunched = 2027-07-01\ndeadline = 2028-12-31\nvillages = ["08"]\n'
    repo = Path(__file__).resolve().parent.parent
    sc_path = tmp_path / "c.toml"
    sc_path.write_text(
        f'extends = "{(repo / "scenarios" / "baseline.toml").as_posix()}"\nname = "c"\n'
        f"[horizon]\nend_date = {end.isoformat()}\n{body}",
        encoding="utf-8",
    )
    sc = load_scenario(sc_path)
    unjudged = [n for n, d in due.items() if d > end]  # no month end of the run on or after the deadline
    try:
        for lang in ("en", "vi"):
            set_language(lang)
            lines = campaigns_past_horizon(sc.villages.campaigns, sc.horizon.end_date)
            assert len(lines) == len(unjudged) + 1 == 2
            assert "late" in lines[0] and "2028-06-30" in lines[0] and "2027-06-30" in lines[0]
            assert "horizon.end_date" in lines[0]
            assert "after" in lines[1] and "2027-07-01" in lines[1] and "2028-12-31" in lines[1]
        set_language("en")
        assert (
            "launched 2027-07-01, after the horizon's end 2027-06-30: the run works none of its villages"
            in (campaigns_past_horizon(sc.villages.campaigns, sc.horizon.end_date)[1])
        )
    finally:
        set_language(None)


def test_an_unset_launch_deadline_is_written_in_as_the_deadline():
    """A copy of a 2025 campaign without `deadline_at_launch` (as the README's "copy them in" gives) read as a change
    of the start state to `dxsim show --vs` and compare, though unset means `deadline`: it is now written in."""
    from dxsim.scenario.sections.villages_campaigns import Campaign, default_campaigns

    for c in default_campaigns():
        assert (
            c.deadline_at_launch == c.deadline
        )  # the 2025 campaigns were launched with the deadline they have
        copy = Campaign(**{k: v for k, v in c.model_dump().items() if k != "deadline_at_launch"})
        assert copy == c and copy.model_dump() == c.model_dump()
    bare = Campaign(name="x", launched=dt.date(2025, 1, 1))
    assert bare.deadline_at_launch == bare.deadline == Campaign.model_fields["deadline"].default
    stated = Campaign(name="y", launched=dt.date(2025, 1, 1), deadline=dt.date(2026, 6, 30))
    assert stated.deadline_at_launch == dt.date(2026, 6, 30)
    kept = Campaign(
        name="z",
        launched=dt.date(2025, 1, 1),
        deadline=dt.date(2026, 6, 30),
        deadline_at_launch=dt.date(2025, 9, 1),
    )
    assert kept.deadline_at_launch == dt.date(2025, 9, 1)  # a stated one is kept


def test_a_campaign_whose_villages_earlier_campaigns_all_take_is_refused() -> None:
    """A province's operator-paid campaign listed after the two 2025 ones claimed none of its villages (a village
    belongs to the first campaign that lists it) and ran as "villages in scope 0 ... last village has signal 2025-10".
    By hand on a four-village table: 'all' after 'with_power' and 'no_power' selects 4 and keeps none, refused naming
    both; listed first it takes all four, and the later ones keep what it left (none), refused in turn; a campaign
    that keeps at least one village is accepted."""
    from dxsim.sim.villages.setup import resolve_campaigns

    table = pl.DataFrame(
        {
            "village_id": ["A", "B", "C", "D"],
            "gso34": ["08", "08", "11", "11"],
            "has_grid_power": [True, False, True, False],
        }
    )
    start = dt.date(2025, 10, 31)
    wp = Campaign(
        name="wp", launched=dt.date(2025, 7, 1), deadline=dt.date(2025, 9, 30), villages="with_power"
    )
    np_ = Campaign(
        name="np", launched=dt.date(2025, 7, 1), deadline=dt.date(2025, 11, 30), villages="no_power"
    )
    late = Campaign(name="late", launched=dt.date(2026, 3, 1), deadline=dt.date(2026, 12, 31), villages="all")
    some = Campaign(name="tq", launched=dt.date(2026, 3, 1), deadline=dt.date(2026, 12, 31), villages=["08"])

    def scenario(*campaigns: Campaign) -> Scenario:
        sc = Scenario(name="x")
        villages = sc.villages.model_copy(update={"campaigns": list(campaigns)})
        return sc.model_copy(
            update={"villages": villages, "horizon": sc.horizon.model_copy(update={"start_date": start})}
        )

    with pytest.raises(DxsimInputError) as info:
        resolve_campaigns(scenario(wp, np_, late), table)
    err = info.value
    assert err.field == "villages.campaigns[3]" and err.value == "late"
    assert "selects 4 villages, all of them claimed by campaigns listed before it (wp, np)" in str(err)
    with pytest.raises(DxsimInputError) as info:
        resolve_campaigns(scenario(late, wp, np_), table)
    assert info.value.field == "villages.campaigns[2]" and info.value.value == "wp"
    specs = resolve_campaigns(scenario(some, wp, np_), table)  # tq takes A, B; wp keeps C, np keeps D
    assert [int(s.in_scope.sum()) for s in specs] == [2, 1, 1]


def test_a_village_costing_more_than_a_year_s_budget_never_starts_and_is_counted():
    """A 5 bn-a-year programme and villages of 2, 12 and 4 bn (no campaign): first fit starts the 2 bn village at
    once, the 4 bn one in 2027 (3 bn left in 2026), and never the 12 bn one: a village's cost is committed in the year
    its works start. `villages_over_year_budget` counts it at every month end (provincial planner trial: three
    villages of 10-14 bn under a 5 bn budget, and the only word was "budget binds"). With a 15 bn budget it is 0, and
    so it is when a campaign paid outside the budget holds the village."""
    v = inputs(pop=(500, 300, 200), grid=(False, False, False), capex=(2.0, 12.0, 4.0), util=0.0)
    vp, rows = run(scenario(budget=5.0), v, monitor=True)
    assert vp.started_day[0] == 0.0 and np.isnan(vp.started_day[1])
    assert vp.started_day[2] == float((dt.date(2027, 1, 1) - START).days)
    assert [r["villages_over_year_budget"] for r in rows] == [1.0] * len(rows) and len(rows) == 24
    _vp, rows = run(scenario(budget=15.0), v, monitor=True)
    assert {r["villages_over_year_budget"] for r in rows} == {0.0}
    outside = inputs(
        pop=(500, 300, 200),
        grid=(False, False, False),
        capex=(2.0, 12.0, 4.0),
        util=0.0,
        campaigns=[campaign(3, funded_by_programme_budget=False)],
    )
    vp, rows = run(scenario(budget=5.0), outside, monitor=True)
    assert not np.isnan(vp.started_day).any() and {r["villages_over_year_budget"] for r in rows} == {0.0}


def test_surge_teams_go_home_when_only_villages_that_can_never_start_are_left():
    """A campaign paid from a 5 bn-a-year budget, with one surge line crew (arriving day 10, 0.15 bn a month), and
    villages of 2, 12 and 4 bn with grid lines: the 12 bn one never starts, so the crew is paid from its arrival to
    the last line of the other two (the 4 bn village starts in 2027 when the budget renews), not to the horizon
    (provincial planner trial: extra crews paid for years waiting for villages the budget could never start)."""
    c = campaign(
        3,
        deadline=700.0,
        funded_by_programme_budget=True,
        extra_utility_teams={"north": 1},
        mobilisation_p50_days=10.0,
        mobilisation_p90_days=10.0,
        team_cost_vnd_bn_per_month=0.15,
    )
    v = inputs(pop=(500, 300, 200), grid=(True, True, True), capex=(2.0, 12.0, 4.0), campaigns=[c])
    vp, rows = run(scenario(budget=5.0), v, monitor=True)
    assert np.isnan(vp.started_day[1]) and not np.isnan(vp.grid_day[[0, 2]]).any()
    last_line = float(np.max(vp.grid_day[[0, 2]]))
    horizon = float((dt.date(2027, 12, 31) - START).days)
    assert last_line < horizon - 30
    surge = sum(r["campaign_c_surge_capex_vnd_bn"] for r in rows)
    assert surge == pytest.approx((last_line - 10.0) / DAYS_PER_MONTH * 0.15)
    assert {r["villages_over_year_budget"] for r in rows} == {1.0}


def test_a_planner_campaign_due_before_the_start_is_said_to_be_unjudged_and_in_works(tmp_path: Path) -> None:
    """A campaign launched 2025-01-01 and due 2025-06-30 in a run from 2025-10-31 validated and ran silently, its
    deadline rows absent (provincial planner trial). It gets a line: the deadline cannot be judged, and its whole
    window is past, so every village starts in works (in_progress_share of its window is 1, as the model draws it).
    A campaign due after the start, and the 2025 campaigns of the data (history: the 2025-09 one is due before the
    start too), get none."""
    from dxsim.i18n import set_language
    from dxsim.scenario import load_scenario
    from dxsim.scenario.horizon_notes import campaigns_past_horizon
    from dxsim.sim.villages.process import in_progress_share

    repo = Path(__file__).resolve().parent.parent
    sc_path = tmp_path / "p.toml"
    sc_path.write_text(
        f'extends = "{(repo / "scenarios" / "baseline.toml").as_posix()}"\nname = "p"\n'
        '[[villages.campaigns]]\nname = "past"\nlaunched = 2025-01-01\ndeadline = 2025-06-30\nvillages = ["11"]\n'
        '[[villages.campaigns]]\nname = "open"\nlaunched = 2025-01-01\ndeadline = 2026-06-30\nvillages = ["12"]\n'
        '[[villages.campaigns]]\nname = "late_whatif"\nlaunched = 2025-07-01\ndeadline = 2025-08-31\n'
        'deadline_at_launch = 2026-12-31\nvillages = ["14"]\n',
        encoding="utf-8",
    )
    sc = load_scenario(sc_path)
    start, end = sc.horizon.start_date, sc.horizon.end_date
    try:
        set_language("en")
        lines = campaigns_past_horizon(sc.villages.campaigns, end, start)
        assert [ln.split(":")[1].strip() for ln in lines] == ["campaign past", "campaign late_whatif"]
        assert "deadline 2025-06-30 is on or before the start 2025-10-31" in lines[0]
        assert "every one of its villages as in works at the start" in lines[0]
        # its deadline at launch is after the start: part of its window is ahead, so not every village is in works
        assert "in works" not in lines[1]
        day = lambda d: (d - start).days
        past = next(c for c in sc.villages.campaigns if c.name == "past")
        whatif = next(c for c in sc.villages.campaigns if c.name == "late_whatif")
        assert in_progress_share(day(past.launched), day(past.deadline)) == 1.0
        assert in_progress_share(day(whatif.launched), day(whatif.deadline_at_launch)) < 1.0
        assert (
            campaigns_past_horizon(
                load_scenario(repo / "scenarios" / "baseline.toml").villages.campaigns, end, start
            )
            == []
        )
    finally:
        set_language(None)
