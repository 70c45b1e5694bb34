"""Say why (issue 11): data-centre held-back attribution (hand-computed timelines), the bottleneck
summaries over synthetic metric tables (hand-computed shares, binding months, crew idle), and which
changed resources did not bind."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import simpy
from test_datacentres import params  # the same deterministic data-centre pipeline

from dxsim.geo.datacentres import STATE_DC_ID, projects
from dxsim.i18n import formats as F
from dxsim.results.bottlenecks import (
    DC_CAUSES,
    binding_by_month,
    cause_summary,
    crew_idle,
    did_not_bind,
    flow_phases,
    held_shares,
    mean_shares_by_date,
    newly_binding_lines,
    also_changed,
    option_verdicts,
    order_bound_pct,
    programme_budget_unused,
    region_summary,
    resource_causes,
    summary_lines,
    support_cliff_note,
    support_note,
)
from dxsim.scenario.sections.compute_dc import DataCentres
from dxsim.sim.calendar import Clock
from dxsim.sim.compute.datacentres import DataCentreModel, make_fleet

START = dt.date(2026, 1, 1)
END = dt.date(2031, 12, 31)


# --------------------------------------------------------------------------- data centres: what held MW back


def option_notes(reference, reference_name, differences, fmt=str):  # type: ignore[no-untyped-def]
    """The "not binding" lines of option_verdicts (what compare prints after "not binding:")."""
    return [t for kind, t in option_verdicts(reference, reference_name, differences, fmt) if kind == "note"]


def proj(pid="P1", phases=((40, START),), **kw) -> dict:
    return {
        "project_id": pid,
        "operator": "test",
        "gso34": "01",
        "status": "announced",
        "cooling": "liquid",
        "phases": [{"it_mw": mw, "target_date": d} for mw, d in phases],
        **kw,
    }


def run(p: DataCentres) -> DataCentreModel:
    pr = projects(p)
    rows = [
        {
            "dc_id": "OLD",
            "gso34": "01",
            "region3": "north",
            "cooling": "legacy_air",
            "start_it_mw": 10.0,
            "start_racks": 1500.0,
        }
    ]
    for (pid,), ph in pr.group_by("project_id", maintain_order=True):
        r = ph.row(0, named=True)
        rows.append(
            {
                "dc_id": pid,
                "gso34": r["gso34"],
                "region3": r["region3"],
                "cooling": r["cooling"],
                "start_it_mw": 0.0,
                "start_racks": 0.0,
            }
        )
    rows.append(
        {
            "dc_id": STATE_DC_ID,
            "gso34": p.public_dc_gso34,
            "region3": "north",
            "cooling": p.public_dc_cooling,
            "start_it_mw": 0.0,
            "start_racks": 0.0,
        }
    )
    t = pl.DataFrame(rows).with_columns(
        pl.col("cooling").map_elements(p.pue_for, return_dtype=pl.Float64).alias("pue")
    )
    env = simpy.Environment()
    clock = Clock(START, END)
    m = DataCentreModel(env, p, t, pr, make_fleet(t, p), clock, 1, 0)
    m.start()
    env.run(until=clock.horizon_days + 1)
    return m


# the default median build (365 days), the one the target dates are read as expecting: here the scenario's build and
# the announcer's plan agree, so a phase breaks ground 365 days before its target and a held day traces back 365 days
BUILD_365 = {"p50_days": 365, "p90_days": 365}


def test_a_phase_waiting_for_grid_headroom_is_held_by_the_grid():
    # north has no headroom until +60 MW on day 400. 40 MW IT, due day 0 (target = start, commissioning 0): its
    # construction should have started on day -365. Stages: permits [0, 60), interconnect [60, 150), headroom
    # [150, 400), construction [400, 765), in service 765: 765 days late. Held day t traces back to the stage at
    # t - 365: before day 0 (already late at the start) the stage it was in then, permits.
    m = run(
        params(
            [proj()],
            delays={"construction": BUILD_365},
            grid={
                "headroom_mw": {"north": 0, "central": 1000, "south": 1000},
                "reinforcements": [{"region": "north", "mw": 60, "date": START + dt.timedelta(days=400)}],
            },
        )
    )
    # [200, 300) traces back to [-165, -65): the permits it had not got 365 days before it was due
    assert m.held_mw_days(200, 300) == {
        "grid_connection": 0,
        "grid_headroom": 0,
        "permits": 40 * 100,
        "construction": 0,
    }
    # [150, 500) traces back to [-215, 135): permits to day 425 (traced back: day 60, its permits' end), then the
    # grid connection (traced back: [60, 135), the interconnect); the headroom wait [150, 400) traces to [515, 765)
    assert m.held_pct(150, 500) == pytest.approx(
        {
            "dc_held_pct_grid_connection": 100 * 75 / 350,
            "dc_held_pct_grid_headroom": 0.0,
            "dc_held_pct_permits": 100 * 275 / 350,
            "dc_held_pct_construction": 0.0,
        }
    )
    # the whole lateness, 765 days: permits 365 + 60 = 425, the grid connection 90, the headroom 250, construction 0
    # (built in its median 365 days); booked by the stage of the moment, construction had 365 of them
    assert m.held_mw_days(0, 1000) == pytest.approx(
        {"grid_connection": 40 * 90, "grid_headroom": 40 * 250, "permits": 40 * 425, "construction": 0}
    )
    pct = m.held_pct(0, 1000)
    assert pct["dc_held_pct_grid_connection"] == pytest.approx(100 * 90 / 765)
    assert pct["dc_held_pct_grid_headroom"] == pytest.approx(100 * 250 / 765)
    assert pct["dc_held_pct_permits"] == pytest.approx(100 * 425 / 765)
    assert sum(pct.values()) == pytest.approx(100.0)
    # in service from day 765: nothing held back, all shares 0
    assert m.held_pct(765, 900) == {
        "dc_held_pct_grid_connection": 0.0,
        "dc_held_pct_grid_headroom": 0.0,
        "dc_held_pct_permits": 0.0,
        "dc_held_pct_construction": 0.0,
    }


def test_a_phase_on_schedule_is_not_held_and_only_its_lateness_counts():
    # target day 1000, construction 365, commissioning 30 days: planned construction start 635, due day 1030.
    # Permits take 960 days: interconnect [960, 1050), construction [1050, 1415), commissioning [1415, 1445).
    # 415 days late, traced back 395 days: permits ran 325 days past the planned start (635 to 960), then the
    # grid connection 90 days (960 to 1050); construction and commissioning took their medians. 10 MW.
    p = params(
        [proj(phases=((10, START + dt.timedelta(days=1000)),))],
        delays={
            "permits": {"p50_days": 960, "p90_days": 960},
            "construction": BUILD_365,
            "commissioning": {"p50_days": 30, "p90_days": 30},
        },
    )
    m = run(p)
    assert m.held_mw_days(0, 1030) == {
        "grid_connection": 0.0,
        "grid_headroom": 0.0,
        "permits": 0.0,
        "construction": 0.0,
    }  # permits, but not late
    assert m.held_mw_days(0, 2000) == pytest.approx(
        {"grid_connection": 900.0, "grid_headroom": 0.0, "permits": 3_250.0, "construction": 0.0}
    )
    # on time when nothing slips: permits 60 -> planned start 635 -> in service 1030 = due: never held
    m2 = run(
        params(
            [proj(phases=((10, START + dt.timedelta(days=1000)),))],
            delays={"construction": BUILD_365, "commissioning": {"p50_days": 30, "p90_days": 30}},
        )
    )
    assert m2.held_mw_days(0, 2000) == {
        "grid_connection": 0.0,
        "grid_headroom": 0.0,
        "permits": 0.0,
        "construction": 0.0,
    }


def test_a_slower_build_than_announced_is_held_by_construction():
    """The announcer planned a 365-day build (ground broken on day 635 for a target of day 1000) and this scenario
    builds in 540: in service on day 1175, 175 days past its due day 1000 (commissioning 0), and all of them are
    construction's. Planning back from the target with the scenario's own median started it on day 460 and held
    nothing; a held day traced back by 540 days then fell before the planned start and was booked to no cause."""
    p = params(
        [proj(phases=((10, START + dt.timedelta(days=1000)),))],
        delays={"construction": {"p50_days": 540, "p90_days": 540}},
    )
    m = run(p)
    assert [(day, mw) for day, d, mw, _ in m.phases_commissioned if d == "P1"] == [
        (pytest.approx(1175.0), 10.0)
    ]
    assert m.held_mw_days(0, 2000) == pytest.approx(
        {"grid_connection": 0.0, "grid_headroom": 0.0, "permits": 0.0, "construction": 10 * 175.0}
    )


def test_a_later_phase_waiting_behind_an_earlier_ones_construction_is_held_by_construction():
    # phases 40 + 20 MW, both due day 0 (planned construction start -365): permits [0, 60) and interconnect
    # [60, 150) hold both; phase 1 builds [150, 515): 515 days late = permits 425 + grid 90; phase 2 waits for it
    # (logged as construction), then builds [515, 880): 880 days late = permits 425 + grid 90 + phase 1's 365.
    m = run(params([proj(phases=((40, START), (20, START)))], delays={"construction": BUILD_365}))
    assert m.held_mw_days(0, 2000) == pytest.approx(
        {"permits": 60 * 425, "grid_connection": 60 * 90, "grid_headroom": 0.0, "construction": 20 * 365}
    )


def test_a_project_that_does_not_go_holds_nothing():
    m = run(params([proj()], go_probability_pct={"announced": 0}))
    assert m.not_go == ["P1"]
    assert m.held_pct(0, 2000) == {
        "dc_held_pct_grid_connection": 0.0,
        "dc_held_pct_grid_headroom": 0.0,
        "dc_held_pct_permits": 0.0,
        "dc_held_pct_construction": 0.0,
    }


# --------------------------------------------------------------------------- summaries of a metrics table

D0, D1, D2, D3 = dt.date(2025, 12, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)


def frame(rows: list[tuple[dt.date, int, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"date": d, "replication": r, "area": "VN", "metric": m, "value": float(v)} for d, r, m, v in rows],
        schema={
            "date": pl.Date,
            "replication": pl.Int32,
            "area": pl.Utf8,
            "metric": pl.Utf8,
            "value": pl.Float64,
        },
    )


def rollout(region: str, per_month: dict[tuple[dt.date, int], dict[str, float]]) -> list:
    causes = ("targets", "budget", "permits", "equipment", "crews", "plan")
    return [
        (d, r, f"rollout_held_pct_{c}_{region}", shares.get(c, 0.0))
        for (d, r), shares in per_month.items()
        for c in causes
    ]


NORTH = {
    (D0, 0): {},
    (D0, 1): {},  # the start date: nothing held
    (D1, 0): {"targets": 60, "crews": 40},
    (D2, 0): {"targets": 30, "permits": 70},
    (D3, 0): {},
    (D1, 1): {"targets": 50, "crews": 50},
    (D2, 1): {"targets": 100},
    (D3, 1): {"crews": 100},
}
CREWS_NORTH = [
    (D0, 0, 0.0),
    (D0, 1, 0.0),
    (D1, 0, 10),
    (D2, 0, 20),
    (D3, 0, 30),
    (D1, 1, 20),
    (D2, 1, 20),
    (D3, 1, 20),
]


@pytest.fixture
def synthetic() -> pl.DataFrame:
    rows = rollout("north", NORTH)
    rows += [(d, r, "crew_utilization_pct_north", v) for d, r, v in CREWS_NORTH]
    dc = {
        (D1, 0): {"grid_headroom": 100},
        (D2, 0): {"grid_headroom": 40, "construction": 60},
        (D3, 0): {"permits": 100},
    }
    rows += [
        (d, r, f"dc_held_pct_{c}", s.get(c, 0.0))
        for (d, r), s in dc.items()
        for c in ("grid_connection", "grid_headroom", "permits", "construction")
    ]
    rows += [(D1, 0, "stations_5g", 17_000.0), (D1, 0, "rollout_held_pct_targets_west", 50.0)]  # not a region
    return frame(rows).vstack(
        frame([(D1, 0, "rollout_held_pct_targets_north", 99.0)]).with_columns(pl.lit("01").alias("area"))
    )  # a province row: not national, ignored


def test_binding_cause_per_month_largest_share_ties_to_the_first_listed(synthetic):
    b = binding_by_month(held_shares(synthetic)).filter(pl.col("programme") == "5g")
    got = {(d, r): (h, c) for d, r, h, c in b.select("date", "replication", "held", "binding").iter_rows()}
    assert got == {
        (D0, 0): (False, None),
        (D0, 1): (False, None),
        (D1, 0): (True, "targets"),
        (D2, 0): (True, "permits"),
        (D3, 0): (False, None),
        (D1, 1): (True, "targets"),
        (D2, 1): (True, "targets"),
        (D3, 1): (True, "crews"),
    }


def test_cause_summary_shares_and_binding_months(synthetic):
    c = cause_summary(synthetic).filter(pl.col("programme") == "5g")
    by = {r["cause"]: r for r in c.iter_rows(named=True)}
    assert set(by) == {"targets", "budget", "permits", "equipment", "crews", "plan"}
    assert all(r["held_months"] == 5 and r["months"] == 8 and r["region"] == "north" for r in by.values())
    # mean over the 5 held months
    assert by["targets"]["share_pct"] == pytest.approx((60 + 30 + 50 + 100 + 0) / 5)
    assert by["crews"]["share_pct"] == pytest.approx((40 + 0 + 50 + 0 + 100) / 5)
    assert by["permits"]["share_pct"] == pytest.approx(70 / 5)
    assert by["budget"]["share_pct"] == 0.0
    assert (by["targets"]["binds_pct"], by["permits"]["binds_pct"], by["crews"]["binds_pct"]) == (
        60.0,
        20.0,
        20.0,
    )
    assert sum(r["share_pct"] for r in by.values()) == pytest.approx(100.0)  # shares add up
    assert sum(r["binds_pct"] for r in by.values()) == pytest.approx(100.0)
    # a period: February and March only -> 3 held months
    p = {
        r["cause"]: r
        for r in cause_summary(synthetic, start=D2).filter(pl.col("programme") == "5g").iter_rows(named=True)
    }
    assert p["targets"]["held_months"] == 3 and p["targets"]["months"] == 4
    assert p["targets"]["share_pct"] == pytest.approx(130 / 3)
    assert p["crews"]["share_pct"] == pytest.approx(100 / 3)
    assert p["permits"]["binds_pct"] == pytest.approx(100 / 3)


def test_crew_idle_leaves_out_the_start_date(synthetic):
    # months after D0: 10, 20, 30, 20, 20, 20 -> mean 20 -> idle 80 (with D0's zeros it would be 85)
    assert crew_idle(synthetic).rows() == [("north", 80.0)]
    assert crew_idle(synthetic, start=D3).rows() == [("north", 75.0)]  # 30, 20


def test_one_line_per_region(synthetic):
    s = region_summary(synthetic)
    assert s["programme"].to_list() == ["5g", "dc"]
    # a second cause with at least half the first's share is named: crews (40+50+100)/5 = 38 >= 48/2;
    # data centres: permits 100/3 = 33 >= 47/2
    assert summary_lines(synthetic) == [
        "north: crews idle 80%, targets bind (48% of held site-days), then crews (38%)",
        "data centres: grid headroom delays most (47% of held MW-days past the announced dates), then permits (33%); "
        "the MW built is set by which projects go ahead",
    ]
    assert summary_lines(synthetic, detail=False) == [
        "north: crews idle 80%, targets bind",
        "data centres: grid headroom delays most; the MW built is set by which projects go ahead",
    ]
    north = s.row(0, named=True)
    assert north["held_months_pct"] == pytest.approx(62.5) and north["binds_pct"] == pytest.approx(60.0)
    # nothing held back in the period: said so (data centres have no row at D0; crew idle leaves D0 out)
    assert summary_lines(synthetic, end=D0) == ["north: nothing held back"]


FLOW_AND_WAITS = ("targets", "business_case", "budget", "permits", "equipment", "deliveries", "crews", "plan")


def held_rows(months: dict[dt.date, dict[str, float]], regions: tuple[str, ...] = ("north",)) -> list:
    """Held-back shares per month end: equipment holds 60 of every month's 100, plus the month's own causes."""
    return [
        (d, 0, f"rollout_held_pct_{c}_{region}", {"equipment": 60.0, **held}.get(c, 0.0))
        for d, held in months.items()
        for c in FLOW_AND_WAITS
        for region in regions
    ]


def test_5g_binds_by_what_limits_the_flow_year_by_year_and_names_the_wait_beside_it():
    """The baseline said "kit lead time binds" (44% of held site-days) while budgets cut the 2025 orders, the announced
    pace the 2026-28 ones and the business case ended the rollout: a lead time only moves the same sites later.

    Hand-computed: one replication, two months a year; equipment holds 60 of every month's 100.
    2025: budget 40, 20 -> budget; 2026: targets 30 / budget 10, targets 40 -> targets; 2027: targets 40, targets 40
    -> targets (joined to 2026); 2028: business case 40, 40. Over the horizon (8 held months): equipment
    480 / 8 = 60; business case 80 / 8 = 10; targets 110 / 8 = 13.75; budget 70 / 8 = 8.75 -> binding targets."""
    months = {
        dt.date(2025, 11, 30): {"budget": 40},
        dt.date(2025, 12, 31): {"budget": 20, "permits": 20},
        dt.date(2026, 6, 30): {"targets": 30, "budget": 10},
        dt.date(2026, 12, 31): {"targets": 40},
        dt.date(2027, 6, 30): {"targets": 40},
        dt.date(2027, 12, 31): {"permits": 40},
        dt.date(2028, 6, 30): {"business_case": 40},
        dt.date(2028, 12, 31): {"business_case": 40},
    }
    rows = held_rows(months)
    metrics = frame(rows)
    north = region_summary(metrics).row(0, named=True)
    assert north["binding"] == "targets" and north["share_pct"] == pytest.approx(110 / 8)
    assert north["latency"] == "equipment" and north["latency_share_pct"] == pytest.approx(60.0)
    assert [(p.cause, p.first_year, p.last_year) for p in flow_phases(metrics)[("5g", "north")]] == [
        ("budget", 2025, 2025),
        ("targets", 2026, 2027),
        ("business_case", 2028, 2028),
    ]
    assert summary_lines(metrics) == [
        "north: what binds: budget (2025), targets (2026–2027), business case (2028); kit lead time delays most "
        "(60% of held site-days)"
    ]
    assert summary_lines(metrics, detail=False) == [
        "north: what binds: budget (2025), targets (2026–2027), business case (2028); kit lead time delays most"
    ]
    # compare's note on a lever that did not bind names each year's limit, not the lead time
    assert option_notes(metrics, "baseline", [("crews.north.teams", 450, 900)]) == [
        "crews.north.teams 450 → 900: crews did not bind in north in baseline; the binding constraint there is "
        "budget (2025), targets (2026–2027), business case (2028)"
    ]
    # one phase: the usual line; a wait that took less than the limit is not named
    one = frame([(d, 0, m, v) for d, _r, m, v in rows if d.year == 2028])
    assert summary_lines(one) == [
        "north: business case binds (40% of held site-days); kit lead time delays most (60% of held site-days)"
    ]
    # only waits: the largest wait binds (nothing limited the flow)
    waits = frame(held_rows({dt.date(2026, 1, 31): {"permits": 40.0}}))
    assert summary_lines(waits) == ["north: kit lead time binds (60% of held site-days), then permits (40%)"]


def test_a_region_whose_crews_bind_in_one_year_gives_their_idle_share_then():
    """The baseline said "north: crews idle 92%, what binds: crews (2025), ...": the whole run's idle share beside a
    year in which crews bound read as a contradiction. By hand: crews bind in 2025 (two months, utilisation 74 and
    16 after the start month's 17, which is left out), targets in 2026 (utilisation 10 and 12): idle over the run
    100 - (74 + 16 + 10 + 12) / 4 = 72; in 2025, 100 - (74 + 16) / 2 = 55. The line gives both; a region whose
    crews never bound keeps the single share."""
    start, months = (
        dt.date(2025, 10, 31),
        {
            dt.date(2025, 11, 30): ({"crews": 40}, 74.0),
            dt.date(2025, 12, 31): ({"crews": 30}, 16.0),
            dt.date(2026, 6, 30): ({"targets": 40}, 10.0),
            dt.date(2026, 12, 31): ({"targets": 40}, 12.0),
        },
    )
    rows = held_rows({d: held for d, (held, _u) in months.items()})
    rows += [(start, 0, "crew_utilization_pct_north", 17.0)]
    rows += [(d, 0, "crew_utilization_pct_north", u) for d, (_h, u) in months.items()]
    metrics = frame(rows)
    line = summary_lines(metrics)[0]
    assert line.startswith(
        "north: crews idle 72% over the run, 55% in 2025, what binds: crews (2025), targets (2026)"
    ), line
    # crews bound in no year: one share, as before
    targets = frame([(d, r, m, v) for d, r, m, v in rows if d.year != 2025 or m.startswith("crew_")])
    assert summary_lines(targets)[0].startswith("north: crews idle 72%, targets bind ("), summary_lines(
        targets
    )[0]


def test_a_budget_that_binds_in_one_year_is_not_said_to_hold_little():
    """compare said "budget held little in north ... yet the 90% date moved: it is on the critical path" beside
    "what binds: budget (2025)": the cut orders averaged under 20% of the horizon's operator-months (here 100% in
    the two 2025 months, 0 in the twelve later ones: 2/14), yet budget is the binding cause of 2025."""
    months = {
        dt.date(2025, 11, 30): {"budget": 40},
        dt.date(2025, 12, 31): {"budget": 40},
        **{dt.date(y, m, 28): {"targets": 40} for y in (2026, 2027, 2028) for m in (3, 6, 9, 12)},
    }
    rows = held_rows(months, ("north", "central", "south"))
    rows += [(d, 0, "orders_budget_bound_pct", 100.0 if d.year == 2025 else 0.0) for d in months]
    rows += [(d, 0, "orders_pace_bound_pct", 0.0 if d.year == 2025 else 100.0) for d in months]
    metrics = frame(rows)
    # under the 20% of "did not bind"
    assert order_bound_pct(metrics)["budget"] == pytest.approx(100 * 2 / 14)
    assert flow_phases(metrics)[("5g", "north")][0].cause == "budget"
    change = [("operators.viettel.capex_budget_vnd_bn.2025", 9000, 18000)]
    said = option_verdicts(metrics, "baseline", change, moved=lambda programme: "date moved -1.0 mo")
    # neither "did not bind" nor "held little ... on the critical path": it bound, and its change moved the outcome
    assert said == [
        (
            "relieved",
            "operators.viettel.capex_budget_vnd_bn.2025 9000 → 18000: budget bound in north, central and south in "
            "baseline, and date moved -1.0 mo: the change relieved a binding limit",
        )
    ]
    # beside another change to the programme the move is not the budget's alone
    both = [*change, ("crews.north.teams", 450, 900)]
    mixed = option_verdicts(metrics, "baseline", both, moved=lambda programme: "date moved -1.0 mo")
    budget = [(k, t) for k, t in mixed if t.startswith("operators.")]
    assert [k for k, _t in budget] == ["mixed"] and "also changes crews.north.teams" in budget[0][1]
    assert option_verdicts(metrics, "baseline", change) == []  # nothing said of a move: no verdict
    # a budget that never bound in any year still gets its note
    never = frame([(d, r, m, 0.0 if "budget" in m else v) for d, r, m, v in rows])
    notes = option_verdicts(never, "baseline", change)
    assert [k for k, _t in notes] == ["note"] and "budget did not bind" in notes[0][1]


def test_a_village_budget_that_funds_no_village_is_said_so():
    """With the default campaigns (paid by the utility and operators) the programme budget commits nothing: a tenth of
    it changed nothing, and compare said "did not bind; the binding constraint there is power"."""
    rows = [(d, 0, "villages_held_pct_power", 100.0) for d in (D1, D2)]
    rows += [(d, 0, f"villages_held_pct_{c}", 0.0) for d in (D1, D2) for c in ("budget", "permits", "season")]
    change = [("villages.programme.budget_vnd_bn.2026", 500, 50)]
    unused = frame([*rows, *[(d, 0, "village_programme_committed_vnd_bn_cum", 0.0) for d in (D1, D2)]])
    notes = option_verdicts(unused, "baseline", change)
    assert len(notes) == 1 and "pays for no village in baseline" in notes[0][1] and "power" not in notes[0][1]
    used = frame(
        [
            *rows,
            (D1, 0, "village_programme_committed_vnd_bn_cum", 0.0),
            (D2, 0, "village_programme_committed_vnd_bn_cum", 12.5),
        ]
    )
    assert programme_budget_unused(unused) and not programme_budget_unused(used)
    assert all("pays for no village" not in t for _k, t in option_verdicts(used, "baseline", change))


def test_a_budget_the_option_draws_on_is_no_longer_said_to_pay_for_nothing_and_its_binding_is_named():
    """An option that funds a campaign from the village programme budget and raises that budget: compare said "the
    village programme budget pays for no village in baseline ... can neither bind nor free anything", though the
    option's own campaign draws on it. And an option whose campaign exhausts that budget made it hold 62-88% of the
    held village-days for 14 months, which compare's why-lines never named."""
    d4 = dt.date(2026, 4, 30)
    months = (D1, D2, D3, d4)
    base = [(d, 0, "villages_held_pct_power", 100.0) for d in months]
    base += [(d, 0, f"villages_held_pct_{c}", 0.0) for d in months for c in ("budget", "permits", "season")]
    base += [(d, 0, "village_programme_committed_vnd_bn_cum", 0.0) for d in months]
    ref = frame(base)
    # the option: power holds everything in January and February, the budget in March and April (70 of 100)
    opt_rows = [(d, 0, "villages_held_pct_power", 100.0 if d < D3 else 30.0) for d in months]
    opt_rows += [(d, 0, "villages_held_pct_budget", 0.0 if d < D3 else 70.0) for d in months]
    opt_rows += [(d, 0, f"villages_held_pct_{c}", 0.0) for d in months for c in ("permits", "season")]
    opt_rows += [(d, 0, "village_programme_committed_vnd_bn_cum", 0.0 if d < D3 else 250.0) for d in months]
    opt = frame(opt_rows)
    change = [("villages.programme.budget_vnd_bn.2026", 300, 3000)]
    said = option_verdicts(ref, "baseline", change, option=opt)
    assert all("pays for no village" not in t for _k, t in said), said
    assert any(
        "pays for no village" in t for _k, t in option_verdicts(ref, "baseline", change)
    )  # unused by both
    # by hand: the budget's mean share over the option's 4 held months is (0 + 0 + 70 + 70) / 4 = 35%, it binds in
    # 2 of 4 (50%), from March to April; in the reference it held nothing
    assert newly_binding_lines(opt, ref, "baseline") == [
        "villages: budget (35% of held village-days), binding from 2026-03 to 2026-04; it held little in baseline"
    ]
    assert newly_binding_lines(ref, ref, "baseline") == []  # nothing new against itself
    assert newly_binding_lines(ref, opt, "opt") == []  # power bound in both: it is not new
    # binding in one month only: "in 2026-04", not "from 2026-04 to 2026-04"
    one = frame(
        [r for r in opt_rows if r[2] != "villages_held_pct_budget" and r[2] != "villages_held_pct_power"]
        + [(d, 0, "villages_held_pct_power", 100.0 if d < d4 else 30.0) for d in months]
        + [(d, 0, "villages_held_pct_budget", 0.0 if d < d4 else 70.0) for d in months]
    )
    [line] = newly_binding_lines(one, ref, "baseline")
    assert ", binding in 2026-04;" in line, line


def test_the_orders_budgets_cut_get_their_own_line_after_the_5g_regions(synthetic):
    """Held site-days count sites already ordered: a budget that keeps sites from being ordered never shows there."""
    rows = [(D0, 0, "orders_budget_bound_pct", 0.0), (D1, 0, "orders_budget_bound_pct", 100.0)]
    rows += [(D2, 0, "orders_budget_bound_pct", 66.7), (D1, 1, "orders_budget_bound_pct", 33.3)]
    rows += [(d, 0, "orders_pace_bound_pct", 0.0) for d in (D0, D1, D2)]
    lines = summary_lines(pl.concat([synthetic, frame(rows)]))
    assert lines[0].startswith("north: ")
    # mean over (replication, month end): (0 + 100 + 66.7 + 33.3) / 4 = 50
    assert lines[1] == (
        "5G orders: budgets cut the operators' orders in 50% of operator-months, their yearly targets stopped "
        "them in 0% (sites never ordered are not among the held site-days above)"
    )
    assert lines[2].startswith("data centres: ")
    assert all(not ln.startswith("5G orders") for ln in summary_lines(synthetic))  # no such metrics: no line


def test_stacked_shares_average_over_the_replications_that_held(synthetic):
    m = mean_shares_by_date(synthetic).filter(pl.col("programme") == "5g")
    at = {(d, c): (v, n) for d, c, v, n in m.select("date", "cause", "share_pct", "held_reps").iter_rows()}
    assert at[(D1, "targets")] == (55.0, 2) and at[(D1, "crews")] == (45.0, 2)
    assert at[(D3, "crews")] == (100.0, 1)  # replication 0 held nothing in March: left out of the mean
    assert at[(D0, "targets")] == (0.0, 0)
    for d in (D1, D2, D3):
        assert sum(v for (dd, _c), (v, _n) in at.items() if dd == d) == pytest.approx(100.0)


def test_a_cause_the_model_adds_is_kept_after_the_listed_ones():
    # villages: power 30 + permits 70 (a cause beyond the listed ones) -> permits binds, ranked last
    rows = [
        (D1, 0, f"villages_held_pct_{c}", v)
        for c, v in (
            ("power", 30),
            ("backhaul", 0),
            ("line_crews", 0),
            ("site_teams", 0),
            ("budget", 0),
            ("season", 0),
            ("permits", 70),
        )
    ]
    c = cause_summary(frame(rows))
    assert c["cause"].to_list() == [
        "power",
        "backhaul",
        "line_crews",
        "site_teams",
        "budget",
        "season",
        "permits",
    ]
    assert summary_lines(frame(rows)) == ["villages: permits bind (70% of held village-days)"]
    assert mean_shares_by_date(frame(rows))["share_pct"].sum() == pytest.approx(100.0)


def test_absent_metrics_give_empty_summaries():
    only = frame([(D1, 0, "stations_5g", 1.0)])
    assert region_summary(only).height == 0 and summary_lines(only) == []
    assert mean_shares_by_date(only).height == 0 and cause_summary(only).height == 0


# --------------------------------------------------------------------------- changed resources that did not bind


def test_resource_fields_map_to_causes():
    assert resource_causes("crews.north.teams") == [("5g", "north", "crews")]
    assert resource_causes("supply.deliveries_per_month") == [
        ("5g", r, "deliveries") for r in ("north", "central", "south")
    ]  # the capacity, told apart from the lead time
    assert resource_causes("supply.lead_time.p50_days") == [
        ("5g", r, "equipment") for r in ("north", "central", "south")
    ]
    assert resource_causes("works.new_site_permit.p50_days")[0] == ("5g", "north", "permits")
    assert resource_causes("works.new_site_team_days.p50_days")[0][2] == "crews"
    assert resource_causes("operators.vnpt.capex_budget_vnd_bn.2026")[1] == ("5g", "central", "budget")
    assert resource_causes("operators.vnpt.annual_new_5g_sites.2026")[2] == ("5g", "south", "targets")
    assert resource_causes("villages.programme.crews.north.utility_teams") == [
        ("villages", "national", "line_crews")
    ]  # line crews and site teams are separate pools: more of one does nothing for a queue on the other
    assert resource_causes("villages.programme.crews.north.operator_teams") == [
        ("villages", "national", "site_teams")
    ]
    assert resource_causes("compute.datacentres.grid.headroom_mw.north") == [
        ("dc", "national", "grid_headroom")
    ]
    assert resource_causes("compute.datacentres.grid.reinforcements") == [("dc", "national", "grid_headroom")]
    # the connection lead time is another lever: more headroom does nothing for a connection still being built
    assert resource_causes("compute.datacentres.grid.interconnect.p50_days") == [
        ("dc", "national", "grid_connection")
    ]
    assert resource_causes("compute.datacentres.delays.construction.p50_days") == [
        ("dc", "national", "construction")
    ]
    assert (
        resource_causes("radio.band_5g_mhz") == []
        and resource_causes("operators.vnpt.start_share_5g_pct") == []
    )
    # a rainy season slows the 5G crews of its region and pauses the village works: a resource of both
    assert resource_causes("seasons.north.rainy_months") == [
        ("5g", "north", "crews"),
        ("villages", "national", "season"),
    ]


def test_a_season_that_holds_the_villages_is_not_called_not_binding() -> None:
    """A longer northern rainy season moved the last village a year later, and compare said "not binding:
    seasons.north.rainy_months …: crews did not bind in north" beside "villages: season binds": it judged the field
    by the 5G crews alone (village officer trial). The village works' season is now a lever of its own."""
    rows = rollout("north", {(d, 0): {"targets": 100} for d in (D1, D2, D3)})
    rows += [(d, 0, "crew_utilization_pct_north", v) for d, v in ((D0, 0.0), (D1, 15), (D2, 15), (D3, 15))]
    rows += [(d, 0, "villages_held_pct_season", 80.0) for d in (D1, D2, D3)]
    rows += [
        (d, 0, f"villages_held_pct_{c}", 20.0 if c == "power" else 0.0)
        for d in (D1, D2, D3)
        for c in ("power", "line_crews", "site_teams", "budget", "permits")
    ]
    longer = [("seasons.north.rainy_months", [5, 6, 7, 8, 9, 10], [4, 5, 6, 7, 8, 9, 10, 11])]
    moved = option_verdicts(
        frame(rows),
        "baseline",
        longer,
        fmt=lambda v: "long" if len(v) > 6 else "short",
        moved=lambda p: "last village connected moved +12 months" if p == "villages" else None,
    )
    kinds = {t.split(":")[1].strip().split(" ")[0]: k for k, t in moved}
    assert len(moved) == 2 and kinds == {"crews": "note", "season": "tightened"}, moved
    assert "season held little" not in " ".join(t for _k, t in moved)
    # a shorter season that moved the villages relieved that limit
    shorter = [(f, b, a) for f, a, b in longer]
    relieved = option_verdicts(
        frame(rows),
        "baseline",
        shorter,
        fmt=lambda v: "long" if len(v) > 6 else "short",
        moved=lambda p: "moved",
    )
    assert [k for k, t in relieved if "season bound" in t] == ["relieved"], relieved
    # an outcome that did not move: the season still held the villages, so no "did not bind" for it
    still = option_verdicts(frame(rows), "baseline", longer, fmt=lambda v: "long" if len(v) > 6 else "short")
    assert not [t for _k, t in still if "season did not bind" in t], still


def test_village_crews_are_not_credited_with_a_move_a_season_change_beside_them_made() -> None:
    """Line crews doubled beside a slower central rainy season: one village fewer was connected, and compare put the
    crews "on the critical path" (new-user trial, 2026-12-07). Alone, the crews moved nothing and the season lost
    the village. The village works read the regions' seasons, so the crews' line is "mixed" and names the season."""
    rows = rollout("north", {(d, 0): {"targets": 100} for d in (D1, D2, D3)})
    rows += [(d, 0, "crew_utilization_pct_north", v) for d, v in ((D0, 0.0), (D1, 15), (D2, 15), (D3, 15))]
    rows += [
        (d, 0, f"villages_held_pct_{c}", 30.0 if c == "power" else 1.0)
        for d in (D1, D2, D3)
        for c in ("power", "line_crews", "site_teams", "budget", "permits", "season")
    ]
    crews = [("villages.programme.crews.central.utility_teams", 15, 30)]
    season = [("seasons.central.rainy_productivity_pct", 60, 55)]
    assert also_changed("villages", crews, crews + season) == [season[0][0]]
    assert also_changed("gpus", [("compute.gpus.import_cap", 1, 2)], [("compute.datacentres.x", 1, 2)]) == [
        "compute.datacentres.x"
    ]
    said = option_verdicts(
        frame(rows),
        "baseline",
        crews + season,
        moved=lambda p: "villages connected moved -1 villages" if p == "villages" else None,
    )
    crew_lines = [(k, t) for k, t in said if t.startswith("villages.programme.crews")]
    assert crew_lines and all(k == "mixed" for k, _t in crew_lines), said
    assert "seasons.central.rainy_productivity_pct" in crew_lines[0][1]
    # the crews alone, with the same move, are still credited with it
    alone = option_verdicts(
        frame(rows), "baseline", crews, moved=lambda p: "villages connected moved -1 villages"
    )
    assert [k for k, _t in alone] == ["critical"], alone


def reference_targets_bind() -> pl.DataFrame:
    rows = rollout("north", {(d, 0): {"targets": 100} for d in (D1, D2, D3)})
    rows += [(d, 0, "crew_utilization_pct_north", v) for d, v in ((D0, 0.0), (D1, 15), (D2, 15), (D3, 15))]
    return frame(rows)


def test_doubling_a_non_binding_resource_is_reported():
    ref = reference_targets_bind()
    notes = option_notes(
        ref, "baseline", [("crews.north.teams", 450, 900), ("radio.band_5g_mhz", 3500, 3600)]
    )
    assert notes == [
        "crews.north.teams 450 → 900: crews did not bind in north in baseline (crews idle 85%); "
        "the binding constraint there is targets"
    ]
    # budget fields are grouped; regions without metrics are skipped
    budgets = [
        ("operators.viettel.capex_budget_vnd_bn.2026", 22000.0, 44000.0),
        ("operators.vnpt.capex_budget_vnd_bn.2026", 12000.0, 24000.0),
    ]
    notes = option_notes(ref, "baseline", budgets, fmt=lambda v: f"{v:g}")
    assert notes == [
        "operators.viettel.capex_budget_vnd_bn.2026 22000 → 44000 (and 1 more field): budget did not "
        "bind in north in baseline; the binding constraint there is targets"
    ]
    # targets bind: raising them gets no note, and with them raised the budget may bind: no verdict on it either
    assert (
        option_notes(
            ref,
            "baseline",
            [("operators.viettel.annual_new_5g_sites.2026", 15000, 30000), *budgets],
            fmt=lambda v: f"{v:g}",
        )
        == []
    )


def test_a_resource_whose_outcome_moved_is_on_the_critical_path_not_free():
    """The same unbinding crews, but the option's outcome moved: the verdict is "critical", never "did not bind"."""
    ref = reference_targets_bind()
    change = [("crews.north.teams", 450, 900)]
    said = option_verdicts(
        ref,
        "baseline",
        change,
        moved=lambda programme: "5G coverage moved +1.2" if programme == "5g" else None,
    )
    assert said == [
        (
            "critical",
            "crews.north.teams 450 → 900: crews held little in north in baseline, yet 5G coverage moved +1.2: it is "
            "on the critical path there",
        )
    ]
    # crews cut to a quarter lowered 2026 coverage by 0.33 points, and compare said "on the critical path", inviting
    # a planner to add crews, which does nothing: cut far enough, slack becomes the limit, and a cut says so
    cut = option_verdicts(
        ref, "baseline", [("crews.north.teams", 450, 112)], moved=lambda p: "5G moved -0.33"
    )
    assert cut == [
        (
            "cut",
            "crews.north.teams 450 → 112: crews held little in north in baseline, but cut this far they hold it back: "
            "5G moved -0.33",
        )
    ]
    # a duration lowered is a speed-up, not a cut: halved permits that moved the outcome are on the critical path
    faster = [("works.new_site_permit.p50_days", 120, 60), ("works.new_site_permit.p90_days", 300, 150)]
    assert [k for k, _t in option_verdicts(ref, "baseline", faster, moved=lambda p: "5G moved +0.13")] == [
        "critical"
    ]
    assert option_notes(ref, "baseline", change) == [
        t for k, t in option_verdicts(ref, "baseline", change) if k == "note"
    ]
    # ... unless it moved the opposite way to the change: shorter permits that cost stations (the operators' last
    # chance to surge moved with them: lever trial), or a cut that moved the outcome for the better, are "timing"
    worse = option_verdicts(ref, "baseline", faster, moved=lambda p: "5G moved -0.32", worse=lambda p: True)
    assert [k for k, _t in worse] == ["timing"] and "the opposite way to this change" in worse[0][1]
    assert "critical path" not in worse[0][1]
    better = option_verdicts(
        ref,
        "baseline",
        [("crews.north.teams", 450, 112)],
        moved=lambda p: "5G moved +0.2",
        worse=lambda p: False,
    )
    assert [k for k, _t in better] == ["timing"]
    assert [
        k
        for k, _t in option_verdicts(
            ref, "baseline", faster, moved=lambda p: "5G moved +0.13", worse=lambda p: False
        )
    ] == ["critical"]


def test_a_resource_that_did_not_bind_at_the_p50_says_what_the_band_moved() -> None:
    """Doubled permits read "permits did not bind" while one replication of three lost the whole 2025 surge (lever
    trial): the note keeps its P50 verdict and adds the band's move; with no such move it is as before."""
    ref = reference_targets_bind()
    change = [("crews.north.teams", 450, 900)]
    plain = option_verdicts(ref, "baseline", change, moved=lambda p: None)
    said = option_verdicts(
        ref, "baseline", change, moved=lambda p: None, tail=lambda p: "X moved +9.0 mo in some replications"
    )
    assert [k for k, _t in said] == [k for k, _t in plain] == ["note"]
    assert said[0][1] == plain[0][1] + "; yet X moved +9.0 mo in some replications"


def targets_bind_crews_idle() -> pl.DataFrame:
    """A reference run in which the operators' targets hold every region's sites and the crews stand 85% idle."""
    rows: list = []
    for region in ("north", "central", "south"):
        rows += rollout(region, {(d, 0): {"targets": 100} for d in (D1, D2, D3)})
        rows += [
            (d, 0, f"crew_utilization_pct_{region}", v) for d, v in ((D0, 0.0), (D1, 15), (D2, 15), (D3, 15))
        ]
    return frame(rows)


def test_one_lever_in_every_region_is_one_verdict_not_three_refusals():
    """Crews doubled in all three regions, which all held little, and the 5G outcome moved: one "critical" line for
    the lever, naming the three regions. Before, each region's line refused the move because "the option also
    changes" the other two regions' crews, its own lever, and a planner had to run three more compares."""
    ref = targets_bind_crews_idle()
    change = [
        ("crews.north.teams", 450, 900),
        ("crews.central.teams", 300, 600),
        ("crews.south.teams", 450, 900),
    ]
    said = option_verdicts(ref, "baseline", change, moved=lambda programme: "5G coverage moved +0.3")
    assert said == [
        (
            "critical",
            "crews.north.teams 450 → 900 (and 2 more fields): crews held little in north, central or south in "
            "baseline, yet 5G coverage moved +0.3: it is on the critical path there",
        )
    ]
    # another lever of the programme beside them still makes the move unattributable ("mixed"), as before
    targets = [("operators.viettel.annual_new_5g_sites.2026", 15000, 30000)]
    mixed = option_verdicts(
        ref, "baseline", change + targets, moved=lambda programme: "5G coverage moved +0.3"
    )
    assert [k for k, t in mixed if t.startswith("crews.")] == ["mixed"]
    assert also_changed("5g", change, change + targets) == [targets[0][0]]


def test_a_cut_and_a_raise_of_one_resource_are_two_levers():
    """North's crews cut to 60 and south's raised to 900, and the 90% date came a month later: compare said
    "crews.north.teams 450 → 60 (and 1 more field): ... it is on the critical path there", which tells a planner that
    adding crews in the south moved the date (its crews went from 92% to 96% idle). A cut and a raise are two
    levers: each gets its own line, and neither can claim the move while the other is changed beside it."""
    ref = targets_bind_crews_idle()
    change = [("crews.north.teams", 450, 60), ("crews.south.teams", 450, 900)]
    said = option_verdicts(ref, "baseline", change, moved=lambda programme: "date moved +1.0 mo")
    assert [k for k, _t in said] == ["mixed", "mixed"]
    north, south = (t for _k, t in said)
    assert north.startswith("crews.north.teams 450 → 60:") and "also changes crews.south.teams" in north
    assert south.startswith("crews.south.teams 450 → 900:") and "also changes crews.north.teams" in south
    assert not any("critical path there" in t or "more field" in t for _k, t in said)
    # the same fields in one direction stay one lever (the test above)
    same = [("crews.north.teams", 450, 60), ("crews.south.teams", 450, 100)]
    assert [k for k, _t in option_verdicts(ref, "baseline", same, moved=lambda p: "date moved +1.0 mo")] == [
        "cut"
    ]


def test_a_partly_binding_resource_that_moved_nothing_is_said_so() -> None:
    """Crews that bind in part of the months give no "did not bind"; if the option moved none of the programme's
    outcomes, compare still says so and names what binds (doubling the central site teams moved nothing)."""
    rows = rollout("north", {(d, 0): {"crews": 60, "targets": 40} for d in (D1, D2, D3)})
    rows += [(d, 0, "crew_utilization_pct_north", v) for d, v in ((D0, 0.0), (D1, 90), (D2, 90), (D3, 90))]
    ref = frame(rows)
    change = [("crews.north.teams", 450, 900)]
    assert option_verdicts(ref, "baseline", change) == []  # crews bind: no note, as before
    said = option_verdicts(ref, "baseline", change, unmoved=lambda programme: programme == "5g")
    assert len(said) == 1 and said[0][0] == "unmoved"  # not "note": compare files those under "not binding"
    assert said[0][1].startswith(
        "crews.north.teams 450 → 900: crews held part of the time in north in baseline, but the option moved none"
    )
    assert option_verdicts(ref, "baseline", change, unmoved=lambda programme: False) == []


def test_a_binding_resource_gets_no_note(synthetic):
    # crews took 38% of held site-days in the synthetic north: binding enough
    assert option_notes(synthetic, "baseline", [("crews.north.teams", 450, 900)]) == []
    causes = cause_summary(synthetic)
    assert did_not_bind(causes, {}, "5g", "north", "crews") is False
    assert did_not_bind(causes, {}, "5g", "north", "budget") is True
    assert did_not_bind(causes, {}, "5g", "south", "crews") is None  # no metrics for the south
    assert did_not_bind(causes, {}, "dc", "national", "construction") is False  # 20% share


def test_without_held_metrics_5g_crews_are_judged_by_idle_time():
    busy = frame([(d, 0, "crew_utilization_pct_north", v) for d, v in ((D0, 0.0), (D1, 90), (D2, 80))])
    idle = frame([(d, 0, "crew_utilization_pct_north", v) for d, v in ((D0, 0.0), (D1, 20), (D2, 10))])
    assert option_notes(busy, "baseline", [("crews.north.teams", 450, 900)]) == []  # idle 15% < 25%
    assert option_notes(idle, "baseline", [("crews.north.teams", 450, 900)]) == [
        "crews.north.teams 450 → 900: crews did not bind in north in baseline (crews idle 85%)"
    ]
    assert (
        option_notes(idle, "baseline", [("supply.deliveries_per_month", 12000, 24000)]) == []
    )  # cannot tell


# --------------------------------------------------------------------------- the report's charts


def _run_dir(path, metrics: pl.DataFrame):
    import json

    path.mkdir()
    (path / "summary.json").write_text(json.dumps({"scenario": "t", "kpis": {}, "reps": 2}), encoding="utf-8")
    metrics.write_parquet(path / "metrics.parquet")
    return path


def test_report_draws_a_held_chart_per_programme_with_its_lines(synthetic, tmp_path):
    from dxsim.report import build_report

    rows = rollout("central", {(D1, 0): {"permits": 100}, (D1, 1): {"permits": 100}})
    d = _run_dir(tmp_path / "run", pl.concat([synthetic, frame(rows)]))
    page = build_report(d).read_text(encoding="utf-8")
    assert 'id="chart-held_5g"' in page and 'id="chart-held_dc"' in page
    assert 'id="chart-held_villages"' not in page  # no village metrics: no chart
    assert (
        "north: crews idle 80%, targets bind (48% of held site-days), then crews (38%); central: permits bind "
        "(100% of held site-days)." in page
    )
    assert (
        "data centres: grid headroom delays most (47% of held MW-days past the announced dates), then permits (33%); "
        "the MW built is set by which projects go ahead" in page
    )
    assert (
        page.index('id="chart-held_5g"')
        < page.index('<section id="villages">')
        < page.index('id="chart-held_dc"')
    )


def test_report_without_held_metrics_has_no_held_chart(tmp_path):
    from dxsim.report import build_report

    d = _run_dir(
        tmp_path / "old",
        frame(
            [
                (D0, 0, "stations_5g", 1.0),
                (D1, 0, "stations_5g", 2.0),
                (D1, 0, "crew_utilization_pct_north", 50.0),
            ]
        ),
    )
    page = build_report(d).read_text(encoding="utf-8")
    assert "chart-held_" not in page and 'id="chart-stations_5g"' in page


# --------------------------------------------------------------------------- dxsim compare


@pytest.fixture(scope="module")
def doubled_crews(tmp_path_factory):
    from pathlib import Path

    from dxsim.compare import compare_scenarios

    base = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    d = tmp_path_factory.mktemp("why")
    short = d / "short.toml"
    short.write_text(
        f'extends = "{base}"\nname = "short"\n[horizon]\nend_date = 2026-06-30\n', encoding="utf-8"
    )
    (d / "crews.toml").write_text(
        'extends = "short.toml"\nname = "crews-x2"\n[crews.north]\nteams = 900\n', encoding="utf-8"
    )
    return compare_scenarios([short, d / "crews.toml"], reps=2)


def test_compare_says_doubled_northern_crews_moved_nothing_beyond_noise(doubled_crews, tmp_path):
    """Viettel's November 2025 surge makes crews the binding cause of 2025 (a phase of "what binds"), though they
    stand idle most of the run. compare said "crews did not bind in north ...; the binding constraint there is crews
    (2025)" of doubled northern crews; it now says they bound only in 2025 and that the option moved nothing beyond
    replication noise, with the idle share over the run and in 2025, both computed here from the kept rows."""
    import math

    from dxsim.compare import bottleneck_lines, markdown, write_compare

    res = doubled_crews
    base = next(r for r in res.runs if r.name == "short")
    assert [p.cause for p in flow_phases(base.held_metrics)[("5g", "north")]][0] == "crews"
    # idle computed here from the kept rows: 100 - mean northern utilisation after the first date, over the run
    # and in 2025
    u = base.held_metrics.filter(pl.col("metric") == "crew_utilization_pct_north")
    u = u.filter(pl.col("date") > u["date"].min())
    idle = 100.0 - float(u["value"].mean())
    idle_2025 = 100.0 - float(u.filter(pl.col("date").dt.year() == 2025)["value"].mean())
    assert idle_2025 < idle  # the surge filled them
    assert res.bottleneck_notes == {"crews-x2": []}  # no "did not bind"
    said = res.bottlenecks.filter((pl.col("scenario") == "crews-x2") & (pl.col("kind") == "unmoved"))["text"]
    [note] = said.to_list()
    assert note.startswith(
        "crews.north.teams 450 → 900: crews bound in north in short only in 2025, and the option moved none of its "
        f"outcomes beyond replication noise (crews idle {idle:.0f}% over the run, {idle_2025:.0f}% in 2025); "
        "the binding constraint there is crews (2025)"
    ), note
    lines = bottleneck_lines(res)
    assert lines.index("short (baseline):") < lines.index("crews-x2:")
    assert f"  north: crews idle {idle:.0f}% over the run, {idle_2025:.0f}% in 2025" in "\n".join(lines)
    assert lines[-1] == f"  moved nothing: {note}"
    # data-centre shares add up every month, in every replication
    dc = (
        base.held_metrics.filter(pl.col("metric").str.starts_with("dc_held_pct_"))
        .group_by("date", "replication")
        .agg(pl.col("value").sum(), pl.len())
    )
    assert dc.height > 0 and (dc["len"] == len(DC_CAUSES)).all()
    assert all(math.isclose(v, 100.0) or v == 0.0 for v in dc["value"].to_list())
    # the compare folder holds bottlenecks.csv, and compare.md ends with the same lines
    write_compare(res, tmp_path / "out")
    csv = pl.read_csv(tmp_path / "out" / "bottlenecks.csv")
    assert csv.columns == [
        "scenario",
        "kind",
        "programme",
        "region",
        "binding",
        "share_pct",
        "binds_pct",
        "held_months_pct",
        "crew_idle_pct",
        "text",
    ]
    assert csv.filter(pl.col("kind") == "unmoved")["text"].to_list() == [note]
    north = csv.filter((pl.col("scenario") == "short") & (pl.col("region") == "north")).row(0, named=True)
    assert north["crew_idle_pct"] == pytest.approx(idle)
    md = markdown(res)
    assert md.index("## KPIs") < md.index("## Why") and f"moved nothing: {note}" in md


def test_targets_and_budgets_bind_by_the_orders_they_stop():
    """Targets limit how much is ordered: raising them is 'not binding' only when the operators' pace stopped
    their orders in under 20% of operator-months (orders_pace_bound_pct), whatever the latency shares say."""
    d1, d2 = dt.date(2026, 1, 31), dt.date(2026, 2, 28)
    shares = [
        (d, 0, f"rollout_held_pct_{c}_north", v)
        for d in (d1, d2)
        for c, v in (("targets", 5.0), ("equipment", 95.0))
    ]
    bound = frame(
        shares
        + [
            (d1, 0, "orders_pace_bound_pct", 100.0),
            (d2, 0, "orders_pace_bound_pct", 66.7),
            (d1, 0, "orders_budget_bound_pct", 0.0),
            (d2, 0, "orders_budget_bound_pct", 33.3),
        ]
    )
    diff = [
        ("operators.viettel.annual_new_5g_sites.2026", 15000, 22000),
        ("operators.viettel.capex_budget_vnd_bn.2026", 22000, 32000),
    ]
    notes = option_notes(bound, "baseline", diff[1:])
    # the pace bound in 83% of operator-months; the budget (17%) did not bind: raising it alone is told so
    assert any(
        n.startswith("operators.viettel.capex_budget_vnd_bn.2026") and "budget did not bind" in n
        for n in notes
    )
    # raising the binding targets as well may make the budget bind: no verdict on either
    assert option_notes(bound, "baseline", diff) == []
    free = frame(shares + [(d, 0, "orders_pace_bound_pct", 0.0) for d in (d1, d2)])
    assert any("targets did not bind" in n for n in option_notes(free, "baseline", diff[:1]))


def test_a_support_line_is_not_called_a_resource_that_did_not_bind():
    """bottleneck_lines: region lines, then "not binding:" only for the notes, the support line as it is (it was
    printed as "not binding: support (mean over replications): ...")."""
    from dxsim.compare import BOTTLENECK_COLUMNS, CompareResult, bottleneck_lines

    rows = [
        {"scenario": "base", "kind": "region", "text": "north: crews idle 90%, kit lead time binds"},
        {"scenario": "opt", "kind": "region", "text": "north: crews idle 95%, kit lead time binds"},
        {"scenario": "opt", "kind": "note", "text": "crews.north.teams 450 → 900: crews did not bind"},
        {"scenario": "opt", "kind": "support", "text": "support (mean over replications): 100 bn VND paid"},
    ]
    b = (
        pl.DataFrame(rows)
        .cast({"scenario": pl.Utf8})
        .select(
            [
                pl.col(c) if c in ("scenario", "kind", "text") else pl.lit(None, t).alias(c)
                for c, t in BOTTLENECK_COLUMNS.items()
            ]
        )
    )
    r = CompareResult(
        pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), ["base", "opt"], "base", 1, 2, [], bottlenecks=b
    )
    assert bottleneck_lines(r)[1:] == [
        "base (baseline):",
        "  north: crews idle 90%, kit lead time binds",
        "opt:",
        "  north: crews idle 95%, kit lead time binds",
        "  not binding: crews.north.teams 450 → 900: crews did not bind",
        "  support (mean over replications): 100 bn VND paid",
    ]


def test_support_paid_in_some_replications_only_is_said_with_their_numbers():
    """Paired replications: the option is paid nothing in replications 0 and 2 (a threshold missed), where the
    reference was paid 3,000 and 3,100 bn; in 1 and 3 both are paid. Support earned but due after the run counts as
    paid. Where every replication is paid in both, or in neither, nothing is said."""
    d1, d2 = dt.date(2025, 12, 31), dt.date(2026, 1, 31)

    def run(paid: dict[int, float], accrued: dict[int, float] | None = None) -> pl.DataFrame:
        rows = [(d1, r, "subsidy_paid_vnd_bn", 0.0) for r in paid] + [
            (d2, r, "subsidy_paid_vnd_bn", v) for r, v in paid.items()
        ]
        rows += [(d2, r, "support_accrued_unpaid_vnd_bn", v) for r, v in (accrued or {}).items()]
        return frame(rows)

    ref = run({0: 3000.0, 1: 2900.0, 2: 3100.0, 3: 2950.0})
    option = run({0: 0.0, 1: 2800.0, 2: 0.2, 3: 2900.0})
    note = support_cliff_note(option, ref)
    assert note is not None
    assert note.startswith(
        "support paid nothing in 2 of 4 replications (0, 2) where the reference was paid 3,050 bn VND on average there"
    )
    assert "all or nothing" in note and "support_decisions.csv" in note
    # the other way round: the option is paid where the reference got nothing
    back = support_cliff_note(ref, option)
    assert back is not None and back.startswith(
        "support paid 3,050 bn VND on average in 2 of 4 replications (0, 2) where the reference got none"
    )
    assert support_cliff_note(run({0: 10.0, 1: 20.0}), run({0: 30.0, 1: 5.0})) is None  # paid in every one
    assert support_cliff_note(run({0: 0.0, 1: 0.0}), run({0: 0.0, 1: 0.0})) is None  # in none
    # earned but due after the run: paid, not nothing
    assert support_cliff_note(run({0: 0.0, 1: 0.0}, {0: 500.0, 1: 400.0}), run({0: 300.0, 1: 200.0})) is None
    assert support_cliff_note(run({0: 0.0}), run({0: 300.0})) is None  # one replication: no split to speak of


def test_compare_says_who_surged_for_support_and_when_against_the_reference():
    """A window moved to mid-2026: the reference's Viettel surges in November 2025 in all three replications
    (16,000, 16,200, 15,900 stations), the option's in May 2026 in two (9,000 and 9,400) and in June in one (9,100);
    VNPT surges in neither. By hand: option 3 of 3, first months May, May, June -> P50 (nearest rank) 2026-05,
    (9,000 + 9,400 + 9,100) / 3 = 9,167 stations; reference 3 of 3, 2025-11, 16,033. VNPT, unchanged, is not named."""
    from dxsim.results.bottlenecks import surge_timing

    nov, may, jun = dt.date(2025, 11, 30), dt.date(2026, 5, 31), dt.date(2026, 6, 30)
    ref = frame(
        [(nov, r, "surge_stations_viettel", v) for r, v in enumerate((16_000, 16_200, 15_900))]
        + [(d, r, "surge_stations_vnpt", 0.0) for d in (nov, may) for r in range(3)]
        + [(d, r, "subsidy_paid_vnd_bn", 0.0) for d in (nov, may, jun) for r in range(3)]
    )
    option = frame(
        [(may, 0, "surge_stations_viettel", 9_000), (may, 1, "surge_stations_viettel", 9_400)]
        + [(jun, 2, "surge_stations_viettel", 9_100), (nov, 0, "surge_stations_viettel", 0.0)]
        + [(d, r, "subsidy_paid_vnd_bn", 0.0) for d in (nov, may, jun) for r in range(3)]
    )
    t = surge_timing(option)["viettel"]
    assert (t.surged, t.reps, t.first_month) == (3, 3, dt.date(2026, 5, 31))
    assert t.stations == pytest.approx(27_500 / 3)
    assert surge_timing(ref)["vnpt"].surged == 0 and surge_timing(ref)["vnpt"].first_month is None
    note = support_note(option, ref, [("subsidy.window_end", "2025-12-31", "2026-06-30")])
    assert note is not None
    assert note.endswith(
        "; Viettel surged in 3 of 3 replications, first in 2026-05, 9,167 stations (reference: 3 of 3, first in "
        "2025-11, 16,033)"
    ), note
    assert "VNPT" not in note
    # an operator that no longer surges says so: no month
    calm = frame([(d, r, "subsidy_paid_vnd_bn", 0.0) for d in (nov, may) for r in range(3)])
    assert support_note(calm, ref, [("subsidy.min_stations_per_operator", 20000, 10000)]).endswith(
        "; Viettel surged in 0 of 3 replications, 0 stations (reference: 3 of 3, first in 2025-11, 16,033)"
    )


def test_support_that_moves_no_station_is_called_a_windfall():
    """An option that pays 100 bn of support but orders no station more than the reference is told so;
    one whose support brings 30 stations (20 + a surge of 10) says +30."""
    d = dt.date(2026, 1, 31)
    ref = frame([(d, 0, "subsidy_paid_vnd_bn", 0.0), (d, 0, "stations_ordered_for_support_cum", 0.0)])
    windfall = frame([(d, 0, "subsidy_paid_vnd_bn", 100.0), (d, 0, "stations_ordered_for_support_cum", 0.0)])
    diff = [("subsidy.window_end", "2025-12-31", "2029-12-31")]
    note = support_note(windfall, ref, diff)
    assert (
        note.startswith("support (mean over replications): 100 bn VND paid (reference 0); +0 stations")
        and "build anyway" in note
    )
    moved = frame(
        [
            (d, 0, "subsidy_paid_vnd_bn", 100.0),
            (d, 0, "stations_ordered_for_support_cum", 20.0),
            (d, 0, "surge_stations_viettel", 10.0),
        ]
    )
    note = support_note(moved, ref, diff)
    # 100 bn more for 30 more stations: 3.33 bn each
    assert "+30 stations ordered because of it (+10 in surges; 3.3 bn VND of the extra support each)" in (
        note
    )
    assert "anyway" not in note
    assert "per extra station" not in support_note(windfall, ref, diff)  # none more: no ratio
    assert support_note(moved, ref, [("crews.north.teams", 450, 900)]) is None  # no support field changed
    # an operator's commitment to a programme changes its support too (a committed VNPT got no line)
    committed = support_note(moved, ref, [("operators.vnpt.committed_to", [], ["resolution_193"])])
    assert committed is not None and "+30 stations ordered because of it (+10 in surges" in committed
    assert (
        support_note(moved, ref, [("operators.vnpt.committed_to_x", [], [])]) is None
    )  # the field, not a prefix
    # a fund caps it: the operators claimed 40 bn beyond what the funds pay (a share or a window beyond it pays no
    # more); with no claim beyond a fund, nothing is said
    capped = pl.concat([moved, frame([(d, 0, "support_claims_over_fund_cum_vnd_bn", 40.0)])])
    assert "(a fund's cap binds: the operators claimed 40 bn more than the funds pay" in support_note(
        capped, ref, diff
    )
    uncapped = pl.concat([moved, frame([(d, 0, "support_claims_over_fund_cum_vnd_bn", 0.0)])])
    assert "cap" not in support_note(uncapped, ref, diff)
    # a cap that binds in 1 of 2 replications (80 bn over it there: 40 on average) does not say "pays no more": a
    # bigger share pays more in the other (finance trial: 2 of 5 runs at the cap, "pays no more", and doubling the
    # pay per site paid 1,774 bn more)
    other = frame(
        [
            (d, 1, "subsidy_paid_vnd_bn", 100.0),
            (d, 1, "stations_ordered_for_support_cum", 20.0),
            (d, 1, "surge_stations_viettel", 10.0),
            (d, 1, "support_claims_over_fund_cum_vnd_bn", 0.0),
        ]
    )
    some = support_note(
        pl.concat([moved, frame([(d, 0, "support_claims_over_fund_cum_vnd_bn", 80.0)]), other]), ref, diff
    )
    assert "(a fund's cap binds in 1 of 2 replications" in some and "40 bn on average" in some
    assert "pays no more" not in some and "in the others a bigger share or a longer window pays more" in some
    # support that pays nothing says why no operator got it, and where each month's reason is
    nothing = support_note(ref, ref, [("supports[1].equipment_share_pct", 15, 30)])
    assert (
        "0 bn VND paid" in nothing
        and "no operator qualified" in nothing
        and "support_decisions.csv" in nothing
    )
    assert "no operator qualified" not in support_note(windfall, ref, diff)
    # a surge that was made but fell short is not called out of reach: 7,457 surge stations, 0 paid
    short = frame([(d, 0, "subsidy_paid_vnd_bn", 0.0), (d, 0, "surge_stations_viettel", 7457.0)])
    note = support_note(short, ref, diff)
    assert "(+7,457 in surges)" in note and "fell short of it by the deadline" in note
    assert "no surge to reach one was within reach" not in note


def test_a_data_centre_delay_lever_that_moved_nothing_is_said_to_only_delay(synthetic):
    """Halving construction times was met with silence (construction "bound"), though every data-centre cause only
    holds a phase past its announced date: compare now says so, and names what sets the MW."""
    change = [("compute.datacentres.delays.construction.p50_days", 365, 180)]
    notes = option_verdicts(synthetic, "baseline", change, moved=lambda programme: None)
    assert [k for k, _t in notes] == ["note"]
    assert "data-centre construction only holds phases past their announced dates in baseline" in notes[0][1]
    assert "go-ahead probabilities" in notes[0][1]
    moved = option_verdicts(synthetic, "baseline", change, moved=lambda programme: "capacity moved +40 MW")
    assert all("only holds phases" not in t for _k, t in moved)  # it moved: no such note


def test_grid_headroom_that_held_nothing_did_not_bind_where_connections_held() -> None:
    """The baseline's held MW-days: construction 75%, grid connections 24%, headroom 0. Doubled headroom moved
    nothing, and compare said "data-centre grid headroom only holds phases past their announced dates", as if it
    held some: the grid cause lumped the connection lead time with the headroom. Now each is its own cause: the
    headroom did not bind (and what binds is named); a connection lever that moved nothing only delays."""
    shares = {"construction": 75.0, "grid_connection": 25.0, "grid_headroom": 0.0, "permits": 0.0}
    ref = frame([(d, 0, f"dc_held_pct_{c}", v) for d in (D1, D2, D3) for c, v in shares.items()])
    headroom = [("compute.datacentres.grid.headroom_mw.north", 250, 500)]
    said = option_verdicts(ref, "baseline", headroom, moved=lambda programme: None)
    assert said == [
        (
            "note",
            "compute.datacentres.grid.headroom_mw.north 250 → 500: grid headroom did not bind in data centres in "
            "baseline; construction delays most; the MW built is set by which projects go ahead",
        )
    ]
    connection = [("compute.datacentres.grid.interconnect.p50_days", 180, 90)]
    said = option_verdicts(ref, "baseline", connection, moved=lambda programme: None)
    assert [k for k, _t in said] == ["note"]
    assert "data-centre grid connection only holds phases past their announced dates" in said[0][1]


def test_a_moved_outcome_is_not_put_down_to_one_change_among_several_of_that_programme():
    """ai-compute adds grid headroom, a 50% PPP share and state money: its data-centre MW moved, and compare said
    the grid was "on the critical path", while the grid change alone moved nothing (the PPP share moved +258 MW).
    With other data-centre fields changed the verdict is "mixed" and names them; alone, the grid stays "critical"."""
    ref = frame(
        [
            (d, 0, f"dc_held_pct_{c}", 100.0 if c == "construction" else 0.0)
            for d in (D1, D2, D3)
            for c in ("grid_connection", "grid_headroom", "permits", "construction")
        ]
    )
    grid = [("compute.datacentres.grid.headroom_mw.north", 250, 375)]
    levers = [
        ("compute.datacentres.ppp_share_pct", 0, 50),
        ("compute.datacentres.public_investment_vnd_bn.2026", None, 3000),
        ("compute.datacentres.public_investment_vnd_bn.2027", None, 3000),
    ]
    unrelated = [("crews.north.teams", 450, 900)]  # a 5G field: cannot move data-centre MW

    def moved(programme: str) -> str | None:
        return "data-centre IT capacity moved +303" if programme == "dc" else None

    alone = option_verdicts(ref, "baseline", grid + unrelated, moved=moved)
    assert [k for k, t in alone if t.startswith("compute.datacentres.grid")] == ["critical"]

    every = option_verdicts(ref, "baseline", grid + levers, moved=moved)
    said = [(k, t) for k, t in every if t.startswith("compute.datacentres.grid")]
    assert [k for k, _t in said] == ["mixed"]
    # the PPP share and the state money are direct levers: their line too is "mixed", naming the grid change
    direct = [(k, t) for k, t in every if t.startswith("compute.datacentres.ppp_share_pct")]
    assert [k for k, _t in direct] == [
        "mixed"
    ] and "also changes compute.datacentres.grid.headroom_mw" in direct[0][1]
    text = said[0][1]
    assert "data-centre IT capacity moved +303" in text and "critical path there" not in text
    # the other data-centre fields are named (the first two, then how many more)
    assert (
        "compute.datacentres.ppp_share_pct, compute.datacentres.public_investment_vnd_bn.2026 (and 1 more"
        in text
    )
    assert "crews.north.teams" not in text
    assert also_changed("dc", grid, grid + levers + unrelated) == [f for f, _a, _b in levers]
    assert also_changed("5g", unrelated, grid + unrelated) == []  # the grid field cannot move 5G outcomes
    # push-5g: more crews beside higher targets and support; the crews cannot claim the 5G date that moved
    push = [
        ("crews.north.teams", 450, 675),
        ("operators.viettel.annual_new_5g_sites.2026", 15000, 22000),
        ("subsidy.window_end", "2025-12-31", "2026-12-31"),
    ]
    assert also_changed("5g", push[:1], push + grid) == [f for f, _a, _b in push[1:]]


def test_direct_levers_say_what_they_moved() -> None:
    """The state's data-centre money (+45 MW by 2030) and an extra GPU order (+8,000 GPUs) got no line at all: they
    relieve no held-back cause, they add capacity. Each now gets its outcome ("direct effect"), or "moved nothing"."""
    ref = frame([(d, 0, "dc_held_pct_construction", 100.0) for d in (D1, D2, D3)])
    money = [
        ("compute.datacentres.public_investment_vnd_bn.2026", None, 3000),
        ("compute.datacentres.public_investment_vnd_bn.2027", None, 3000),
    ]
    said = option_verdicts(
        ref,
        "baseline",
        money,
        moved=lambda p: "data-centre IT capacity, 2030-12 moved +45 MW" if p == "dc" else None,
    )
    assert said == [
        (
            "effect",
            "compute.datacentres.public_investment_vnd_bn.2026 None → 3000 (and 1 more field): data-centre IT "
            "capacity, 2030-12 moved +45 MW",
        )
    ]
    gpus = [("compute.gpus.extra_orders", "[]", "[8000 B200 in 2027]")]
    said = option_verdicts(
        ref, "baseline", gpus, moved=lambda p: "GPUs powered moved +8,000 GPUs" if p == "gpus" else None
    )
    assert said == [
        ("effect", "compute.gpus.extra_orders [] → [8000 B200 in 2027]: GPUs powered moved +8,000 GPUs")
    ]
    nothing = option_verdicts(ref, "baseline", gpus, moved=lambda p: None, unmoved=lambda p: True)
    assert nothing == [
        ("unmoved", "compute.gpus.extra_orders [] → [8000 B200 in 2027]: the option moved no GPU outcome")
    ]
    # a site's cost and a planner's data-centre project too: doubled equipment cost took 40,107 stations off 2030 and
    # no line named costs.*; an extra project got no line (lever and data-centre trials)
    dearer = [("costs.upgrade_equipment_vnd_bn", 1.0, 2.0)]
    said = option_verdicts(
        ref, "baseline", dearer, moved=lambda p: "5G coverage moved -12.6 points" if p == "5g" else None
    )
    assert said == [("effect", "costs.upgrade_equipment_vnd_bn 1.0 → 2.0: 5G coverage moved -12.6 points")]
    project = [("compute.datacentres.extra_projects", "[]", "[NAI-BD 80 MW]")]
    said = option_verdicts(ref, "baseline", project, moved=lambda p: "MW moved +60" if p == "dc" else None)
    assert said == [("effect", "compute.datacentres.extra_projects [] → [NAI-BD 80 MW]: MW moved +60")]


def test_a_direct_lever_is_named_by_its_quantity_not_its_label() -> None:
    """An order of 25,000 GPUs in place of 6,000, renamed too, was credited to the rename (AI-compute trial): the line
    names the changed number first, then a date or a switch, then text."""
    ref = frame([(d, 0, "dc_held_pct_construction", 100.0) for d in (D1, D2, D3)])
    order = [
        (
            "compute.gpus.extra_orders[1].organisation",
            "National AI compute programme (state/PPP)",
            "Programme",
        ),
        ("compute.gpus.extra_orders[1].order_date", dt.date(2026, 6, 1), dt.date(2027, 1, 1)),
        ("compute.gpus.extra_orders[1].gpus", 6000, 25000),
        ("compute.gpus.extra_orders[2].gpus", 8000, 9000),
    ]
    said = option_verdicts(
        ref, "baseline", order, moved=lambda p: "GPUs moved +19,000" if p == "gpus" else None
    )
    assert said == [
        ("effect", "compute.gpus.extra_orders[1].gpus 6000 → 25000 (and 3 more fields): GPUs moved +19,000")
    ]
    # among text and dates alone, the date
    said = option_verdicts(ref, "baseline", order[:2], moved=lambda p: "x" if p == "gpus" else None)
    assert said[0][1].startswith("compute.gpus.extra_orders[1].order_date 2026-06-01 → 2027-01-01")


def test_a_relief_whose_outcome_is_worse_at_some_year_ends_says_so() -> None:
    from dxsim.results.bottlenecks import relieved_line

    args = (
        "business_case 2 → 3",
        "business_case",
        "the north",
        "baseline",
        "coverage moved -0.28 points",
        "5g",
    )
    fields = [("business_case.accepted_loss_vnd_bn_per_site", 2, 3)]
    kind, plain = relieved_line(*args, fields, fields)
    assert kind == "relieved" and plain.endswith("the change relieved a binding limit")
    kind, worse = relieved_line(*args, fields, fields, worse=True)
    assert kind == "relieved" and "but the outcome is worse at some year ends" in worse


def test_a_binding_resource_cut_is_tightened_not_relieved() -> None:
    """Halving Viettel's 2025-2027 budgets, which bound, moved the 90% date 7 months later, and compare said "the
    change relieved a binding limit" (finance trial). A cut amount, or a lengthened duration, tightens; a shortened
    duration relieves."""
    from dxsim.results.bottlenecks import relieved_line

    args = ("budget 9000 → 4500", "budget", "the north", "baseline", "date moved +7.0 mo", "5g")
    cut = [("operators.viettel.capex_budget_vnd_bn.2025", 9000, 4500)]
    kind, line = relieved_line(*args, cut, cut)
    assert kind == "tightened" and line.endswith("the change tightened a binding limit")
    longer = [("works.new_site_permit.p50_days", 60, 120)]
    assert relieved_line(*args, longer, longer)[0] == "tightened"
    shorter = [("works.new_site_permit.p50_days", 120, 60)]
    assert relieved_line(*args, shorter, shorter)[0] == "relieved"
    raised = [("operators.viettel.capex_budget_vnd_bn.2025", 9000, 18000)]
    assert relieved_line(*args, raised, raised)[0] == "relieved"


def test_a_change_no_line_speaks_of_is_said_when_its_programme_moved_nothing() -> None:
    """A data centre's rack density 40 -> 120 kW moved no KPI and compare printed nothing of it (a "why" promised for
    every changed resource). A change that is neither a held-back resource nor a direct lever is now said to have
    moved nothing when its programme's outcomes are the reference's; when they moved, no line claims it."""
    ref = frame([(d, 0, "dc_held_pct_construction", 100.0) for d in (D1, D2, D3)])
    racks = [("compute.datacentres.kw_per_rack.ai", 40.0, 120.0)]
    said = option_verdicts(ref, "baseline", racks, moved=lambda p: None, unmoved=lambda p: p == "dc")
    assert said == [
        (
            "unmoved",
            "compute.datacentres.kw_per_rack.ai 40.0 → 120.0: the option moved no data-centre outcome",
        )
    ]
    moved = option_verdicts(ref, "baseline", racks, moved=lambda p: "x moved", unmoved=lambda p: False)
    assert all("kw_per_rack" not in t for _k, t in moved)
    # a support programme's field is the support lines' business, never this line's
    pay = [("subsidy.equipment_share_pct", 15.0, 30.0)]
    assert all("subsidy" not in t for _k, t in option_verdicts(ref, "baseline", pay, unmoved=lambda p: True))


def test_levers_of_what_is_carried_or_asked_say_what_they_moved() -> None:
    """The 5G band, the served rate, the village backhaul options and a campaign's deadline moved outcomes (5G served
    -22 points, 22 villages fewer by end-2026) and compare printed no line: they relieve no held-back cause. Each
    now gets its outcome; a campaign's window also says that it sets the villages in works at the start."""
    ref = frame([(d, 0, "village_held_pct_power", 100.0) for d in (D1, D2, D3)])
    outcomes = {"5g": "5G served moved -21.6 points", "villages": "villages connected moved -22 villages"}
    for field, a, b, programme in [
        ("radio.band_5g_mhz.rural", 3500, 700, "5g"),
        ("capacity.served_rate_mbps", 10.0, 25.0, "5g"),
        ("villages.options.backhaul.leo_licensed", True, False, "villages"),
    ]:
        said = option_verdicts(ref, "baseline", [(field, a, b)], moved=lambda p: outcomes.get(p))
        assert said == [("effect", f"{field} {a} → {b}: {outcomes[programme]}")], field
    deadline = [("villages.campaigns.no_power_2025_11.deadline", "2025-11-30", "2025-11-15")]
    [(kind, line)] = option_verdicts(ref, "baseline", deadline, moved=lambda p: outcomes.get(p))
    assert (kind, line) == (
        "effect",
        "villages.campaigns.no_power_2025_11.deadline 2025-11-30 → 2025-11-15: " + outcomes["villages"],
    )
    # the deadline it was launched with sets the works under way at the start: that line says so
    window = [("villages.campaigns.no_power_2025_11.deadline_at_launch", "2025-11-30", "2025-11-15")]
    [(kind, line)] = option_verdicts(ref, "baseline", window, moved=lambda p: outcomes.get(p))
    assert kind == "effect" and "in works at the start" in line
    # a campaign's surge teams stay a resource (line crews), not a direct lever
    teams = [("villages.campaigns.with_power_2025_09.extra_utility_teams.north", None, 10)]
    assert all(k != "effect" for k, _t in option_verdicts(ref, "baseline", teams, moved=lambda p: None))


def test_a_support_window_outside_the_run_is_named_not_blamed_on_thresholds():
    """A `[[supports]]` with a 2024 window in a run from 2025-10-31 paid 0 and compare said no operator reached "a
    threshold" it did not have. Windows wholly before the start or after the end are named instead; a window that
    ends on the start day or opens on the last day still overlaps the run (one day), so it is not named."""
    from dxsim.scenario import load_scenario
    from dxsim.sim.support import outside_horizon

    def prog(name: str, first: dt.date, last: dt.date) -> dict[str, object]:
        return {"name": name, "per_site_vnd_bn": 1.0, "window_start": first, "window_end": last}

    sc = load_scenario(
        {
            "name": "windows",
            "horizon": {"start_date": dt.date(2025, 10, 31), "end_date": dt.date(2030, 12, 31)},
            "supports": [
                prog("before", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
                prog("ends_on_start", dt.date(2025, 1, 1), dt.date(2025, 10, 31)),
                prog("opens_on_end", dt.date(2030, 12, 31), dt.date(2031, 6, 30)),
                prog("after", dt.date(2031, 1, 1), dt.date(2031, 12, 31)),
            ],
        }
    )
    idle = outside_horizon(sc)
    assert [n for n, _a, _b in idle] == ["before", "after"]
    d = dt.date(2026, 1, 31)
    ref = frame([(d, 0, "subsidy_paid_vnd_bn", 0.0), (d, 0, "stations_ordered_for_support_cum", 0.0)])
    note = support_note(ref, ref, [("supports", [], ["..."])], idle=idle[:1])
    assert "before pays nothing: its window (2024-01-01 to 2024-12-31) lies outside the run" in note
    assert "no operator qualified" not in note and "threshold" not in note


@pytest.mark.parametrize(
    ("field", "noun"),
    [
        ("villages.campaigns.with_power_2025_09.extra_utility_teams.north", "line crews"),
        ("villages.campaigns.no_power_2025_11.extra_operator_teams.central", "site teams"),
    ],
)
def test_campaign_surge_teams_that_did_not_bind_are_said_so(field: str, noun: str) -> None:
    """10 surge line crews on a Lai Châu campaign cost 37.9 bn VND and moved nothing, and compare said nothing: a
    campaign's extra teams were no resource. They are now judged as the programme's own crews of the same kind: here
    power held every village-day, so neither crews nor teams bound."""
    rows = [(d, 0, "villages_held_pct_power", 100.0) for d in (D1, D2)]
    rows += [
        (d, 0, f"villages_held_pct_{c}", 0.0)
        for d in (D1, D2)
        for c in ("line_crews", "site_teams", "budget", "permits", "season")
    ]
    rows += [(d, 0, "village_programme_committed_vnd_bn_cum", 10.0) for d in (D1, D2)]
    said = option_verdicts(frame(rows), "baseline", [(field, None, 10)])
    assert len(said) == 1 and said[0][0] == "note", said
    assert said[0][1].startswith(f"{field} None → 10: {noun} did not bind"), said
    assert "the binding constraint there is grid-line build time" in said[0][1]


def test_support_that_displaces_upgrades_says_so_with_the_year_end_it_costs_most():
    """A support for new sites ordered ~2,200 stations more and compare said only that, while the option had fewer
    stations on air for two years: the operators built the paid new sites in place of cheaper upgrades. The note
    now names the year end with the largest shortfall (mean of the paired differences), the upgrades and new sites
    then, and the first year end the option is ahead. Hand-computed on two replications."""
    e26, e27, e28 = dt.date(2026, 12, 31), dt.date(2027, 12, 31), dt.date(2028, 12, 31)
    mid = dt.date(2027, 6, 30)  # not a year end: never read

    def run(stations: dict, upgrades: dict, new: dict, paid: float, moved: float) -> pl.DataFrame:
        rows = [(e28, r, "subsidy_paid_vnd_bn", paid) for r in (0, 1)]
        rows += [(e28, r, "stations_ordered_for_support_cum", moved) for r in (0, 1)]
        for metric, values in (
            ("stations_5g", stations),
            ("stations_5g_upgrades_cum", upgrades),
            ("stations_5g_new_sites_cum", new),
        ):
            rows += [(d, r, metric, v) for (d, r), v in values.items()]
        return frame(rows + [(mid, 0, "stations_5g", 0.0), (mid, 1, "stations_5g", 0.0)])

    keys = [(e26, 0), (e26, 1), (e27, 0), (e27, 1), (e28, 0), (e28, 1)]
    ref = run(
        dict(zip(keys, [100, 110, 200, 210, 300, 310])),
        dict(zip(keys, [90, 100, 180, 190, 260, 270])),
        dict(zip(keys, [10, 10, 20, 20, 40, 40])),
        0.0,
        0.0,
    )
    # option: 100-10 / 110-30 at end-2026 (mean -20), 200-30 / 210-10 at end-2027 (mean -20), ahead at end-2028
    opt = run(
        dict(zip(keys, [90, 80, 170, 200, 305, 320])),
        dict(zip(keys, [70, 60, 140, 160, 250, 260])),
        dict(zip(keys, [20, 20, 30, 40, 55, 60])),
        500.0,
        40.0,
    )
    note = support_note(opt, ref, [("supports", [], ["..."])])
    # ties (-20 at both year ends): the first is named; upgrades then (70-90, 60-100) mean -30, new sites +10
    said = "+40 stations ordered because of it (+0 in surges; 12.5 bn VND of the extra support each)"
    assert said + ", yet -20 stations on air at " in note  # 500 bn more for 40 more stations: 12.5 bn each
    assert "(-30 upgrades, +10 new sites)" in note and "in place of cheaper upgrades" in note
    # a programme that pays every kind of station displaces stations, not upgrades (balanced's 5G programme read
    # "the paid new sites in place of cheaper upgrades (-32 upgrades, +15 new)"; finance trial)
    every = support_note(opt, ref, [("supports", [], ["..."])], new_sites_only=False)
    assert "(-30 upgrades, +10 new sites)" in every and "the paid stations in place of others" in every
    assert note.endswith("(ahead from " + F.date(e28) + ")")
    assert F.date(e26) in note.split("yet", 1)[1].split("(", 1)[0]
    never = run(
        dict(zip(keys, [90, 80, 170, 200, 290, 300])),
        dict(zip(keys, [70, 60, 140, 160, 240, 250])),
        dict(zip(keys, [20, 20, 30, 40, 50, 50])),
        500.0,
        40.0,
    )
    assert support_note(never, ref, [("supports", [], ["..."])]).endswith("(not ahead by the end of the run)")
    # at least as many stations at every year end: nothing about displacement
    ahead = run(dict(zip(keys, [100, 110, 200, 210, 300, 310])), {}, {}, 500.0, 40.0)
    assert "yet" not in support_note(ahead, ref, [("supports", [], ["..."])])
    # a programme paying every station that moves upgrades as well: not "new sites in place of upgrades" (a
    # provincial programme read so): upgrades 70-90 / 60-100 but new sites 10-10 / 10-10 at end-2026
    others = run(
        dict(zip(keys, [90, 80, 170, 200, 305, 320])),
        dict(zip(keys, [70, 60, 140, 160, 250, 260])),
        dict(zip(keys, [10, 10, 20, 20, 55, 60])),
        500.0,
        40.0,
    )
    note = support_note(others, ref, [("supports", [], ["..."])])
    assert "(-30 upgrades, +0 new sites)" in note and "the paid stations in place of others" in note
    assert "cheaper upgrades" not in note
    # a provincial programme: the change in its provinces (as compare reads its rows) and elsewhere, adding up as shown
    seen: list[dt.date] = []

    def inside(d: dt.date) -> tuple[str, float]:
        seen.append(d)
        return ("Sơn La", 12.4)

    note = support_note(opt, ref, [("supports", [], ["..."])], inside=inside)
    assert seen == [e26]  # asked at the year end of the largest shortfall
    assert "yet -20 stations on air at " + F.date(e26) + " (+12 in Sơn La, -32 elsewhere)" in note
    assert "national, so they build the paid stations there in place of others elsewhere" in note
    assert note.endswith("(ahead from " + F.date(e28) + ")")
    # the option also changes an operator's plan: the -20 is not the programme's to explain, wherever it fell
    seen.clear()
    mixed = support_note(
        opt,
        ref,
        [("supports", [], ["..."]), ("operators.vnpt.target_counts", "on_air", "orders")],
        inside=inside,
    )
    assert (
        "yet -20 stations on air at " + F.date(e26) + ", but the option also changes operators.vnpt" in mixed
    )
    assert "cannot be put down to the support" in mixed and "+40 stations ordered because of it" in mixed
    assert "in place of" not in mixed and "elsewhere" not in mixed and seen == []
    # a change that moves no 5G station (a village campaign) leaves the support's own explanation
    alone = support_note(opt, ref, [("supports", [], ["..."]), ("villages.programme.teams", 20, 40)])
    assert "in place of cheaper upgrades" in alone and "cannot be put down" not in alone


def test_a_region_without_crews_has_none_idle() -> None:
    """crews.north.teams = 0 printed "north: crews idle 100%, crews bind": a region without crews booked 0% of no
    capacity. Its utilisation is 100 (none stands idle), so the line names crews as binding without calling them idle;
    the regions with crews are unchanged."""
    from pathlib import Path

    from dxsim.geo.country import load_country
    from dxsim.scenario.loader import load_scenario
    from dxsim.sim.model import run_replication
    from dxsim.sim.world_store import load_or_prepare_world

    scenarios = Path(__file__).resolve().parent.parent / "scenarios"
    sc = load_scenario(scenarios / "baseline.toml")
    crews = {**sc.crews, "north": sc.crews["north"].model_copy(update={"teams": 0})}
    sc = sc.model_copy(update={"crews": crews})
    world = load_or_prepare_world(sc, load_country(), scenarios)
    m = run_replication(world, 0).metrics.filter(pl.col("area") == "VN")
    first = m["date"].min()
    north = m.filter((pl.col("metric") == "crew_utilization_pct_north") & (pl.col("date") > first))["value"]
    south = m.filter((pl.col("metric") == "crew_utilization_pct_south") & (pl.col("date") > first))["value"]
    assert north.len() > 60 and (north == 100.0).all()
    # a region with crews: idle in most months, as in the baseline (Viettel's November 2025 surge, which now goes to
    # the regions whose crews can build it, fills the south's for a month or two)
    assert south.median() < 50.0 and (south < 50.0).mean() > 0.9
    line = next(t for t in summary_lines(m) if t.startswith("north:"))
    assert "crews idle 100%" not in line and "crews idle 0%" in line, line


def test_a_campaign_s_line_names_what_held_its_own_villages() -> None:
    """By hand: campaign tq waited in January of both replications (permits 60 and 60, line crews 40 and 40; rep 0's
    February had nothing waiting and does not dilute it): "permits bind (60% ...), then line crews (40%)"; a campaign
    that never waited gets no line; the run's summary puts the line after the country's village line."""
    from dxsim.results.bottlenecks import campaign_lines, summary_lines

    causes = ("budget", "permits", "line_crews", "site_teams", "power", "season", "backhaul")
    jan = {"permits": 60.0, "line_crews": 40.0}
    rows = [(D1, r, f"campaign_tq_held_pct_{c}", jan.get(c, 0.0)) for r in (0, 1) for c in causes]
    rows += [(D2, 0, f"campaign_tq_held_pct_{c}", 0.0) for c in causes]
    rows += [(d, 0, f"campaign_idle_held_pct_{c}", 0.0) for d in (D1, D2) for c in causes]
    rows += [(d, r, "villages_held_pct_power", 100.0) for d in (D1, D2) for r in (0, 1)]
    metrics = frame(rows)
    assert campaign_lines(metrics) == [
        "campaign tq: permits bind (60% of its held village-days), then line crews (40%)"
    ]
    lines = summary_lines(metrics)
    at = next(i for i, t in enumerate(lines) if t.startswith("villages:"))
    assert lines[at + 1].startswith("campaign tq:")


def test_villages_on_air_behind_thin_links_get_their_own_line() -> None:
    """Tight LEO links left 597 of 602 villages capacity-short at the end while the only village line said "grid-line
    works bind" (held shares count the days before signal). By hand: three replications end with 597, 590 and 600
    villages capacity-short (the lower median is 597; earlier months do not count); the line follows the village
    lines of the run's summary; a run with none gets no line."""
    from dxsim.results.bottlenecks import short_villages_line, summary_lines
    from dxsim.i18n import in_language

    rows = [(D1, r, "villages_capacity_short", 5.0) for r in (0, 1, 2)]
    rows += [(D2, r, "villages_capacity_short", v) for r, v in enumerate((597.0, 590.0, 600.0))]
    rows += [(d, r, "villages_held_pct_power", 100.0) for d in (D1, D2) for r in (0, 1, 2)]
    metrics = frame(rows)
    line = short_villages_line(metrics)
    assert line.startswith("villages: 597 on air but capacity-short at the end (P50 over replications)")
    lines = summary_lines(metrics)
    at = next(i for i, t in enumerate(lines) if t.startswith("villages:") and "bind" in t)
    assert lines[at + 1] == line
    none = frame([(D2, r, "villages_capacity_short", 0.0) for r in (0, 1)])
    assert short_villages_line(none) == ""
    # one replication: its own value, not a P50 "over replications" (provincial planner trial), in both languages
    one = metrics.filter(pl.col("replication") == 1)
    assert short_villages_line(one).startswith(
        "villages: 590 on air but capacity-short at the end (one replication)"
    )
    with in_language("vi"):
        said = short_villages_line(one)
    assert "(một lần lặp)" in said and "P50" not in said


def test_villages_a_year_s_budget_cannot_start_get_their_own_line() -> None:
    """Three villages above a year's whole programme budget from 2026-01 to 2026-03 in replication 0, two in
    replication 1 from 2026-02: the line says up to 2 (the P50 of the two peaks, nearest rank: the lower), from the
    P50 first month to the P50 last, and that they never start; none at all, no line. The run's summary carries it."""
    from dxsim.results.bottlenecks import over_budget_line, summary_lines

    months = [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)]
    rows = [(d, 0, "villages_over_year_budget", 3.0) for d in months]
    rows += [(months[0], 1, "villages_over_year_budget", 0.0)]
    rows += [(d, 1, "villages_over_year_budget", 2.0) for d in months[1:]]
    line = over_budget_line(frame(rows))
    assert line.startswith(
        "villages: up to 2 cost more than a whole year's programme budget (2026-01 to 2026-03"
    )
    assert "they never start" in line
    assert over_budget_line(frame([(d, 0, "villages_over_year_budget", 0.0) for d in months])) == ""
    assert line in summary_lines(frame(rows))


def test_an_option_with_its_own_village_layer_says_the_start_network_moves_with_it() -> None:
    """Three Điện Biên villages in place of the national layer moved 5G stations by +774 and compare said nothing
    (provincial planner trial): the layer carves the 4G sites that cover a village without signal, and the 5G upgrades
    planned on them. The line names the layer's changed field and both start 4G coverages; an option that keeps the
    layer (a campaign only) gets no such line."""
    from dxsim.results.bottlenecks import village_layer_note

    ref, opt = {"pop_covered_4g_pct": 99.68703}, {"pop_covered_4g_pct": 99.98}
    line = village_layer_note([("villages.layer.file", None, "vill.csv")], ref, opt)
    assert line is not None and line.startswith(
        "villages.layer.file: the option's village layer is not the baseline's"
    )
    assert "(start 4G coverage 99.69% -> 99.98%)" in line and "5G upgrades planned on them" in line
    assert line.endswith(
        '(or set villages.layer.file_replaces = "provinces": the file then replaces its provinces\' '
        "villages only)"
    )
    scoped = [
        ("villages.layer.file", None, "vill.csv"),
        ("villages.layer.file_replaces", "country", "provinces"),
    ]
    said = village_layer_note(scoped, ref, opt)
    assert said is not None and said.startswith("villages.layer.file, villages.layer.file_replaces:")
    assert "file_replaces = " not in said  # already scoped: no such advice
    assert village_layer_note([("villages.campaigns[3].deadline", None, "2026-09-30")], ref, opt) is None
    assert "start 4G coverage" not in (
        village_layer_note([("villages.layer.synthetic_seed", 1, 2)], ref, {}) or ""
    )
    # with a site file in the option too, the start coverage moved by it as well: not laid on the village layer
    both = village_layer_note([*scoped, ("sites.file", None, "sites.csv")], ref, opt)
    assert both is not None and "villages.layer.file" in both and "start 4G coverage" not in both


def test_a_lowered_share_of_an_envelope_is_no_cut() -> None:
    """balanced lowers the villages' share of its envelope 20 -> 10 while the envelope gives the programme 600 bn a
    year where the baseline has 500: compare read it as "the limit once cut". An amount lowered is a cut; a duration
    lowered, or a share lowered, is not."""
    from dxsim.results.bottlenecks import _is_cut

    assert _is_cut([("crews.north.teams", 450, 112)])
    assert not _is_cut([("crews.north.teams", 450, 900)])
    assert not _is_cut([("sites.permit_p50_days", 60, 30)])
    assert not _is_cut([("budget.share_pct.villages", 20, 10)])
    assert not _is_cut([("crews.north.teams", 450, 112), ("budget.share_pct.villages", 20, 10)])


def test_a_line_names_a_whole_list_changed_beside_its_lever() -> None:
    """An import cap set beside two new GPU orders: the line named the cap (a number is the most telling field) and
    "(and 2 more fields)", crediting it with the +15,000 GPUs the orders brought (data-centre audit). A whole list
    changed beside the lever is now named; other fields are still counted."""
    from dxsim.results.bottlenecks import _what

    cap = ("compute.gpus.supply_shock.import_cap_gpus_per_year", None, 5000)
    orders = ("compute.gpus.extra_orders", [], [{"gpus": 9500}, {"gpus": 9500}])
    window = ("compute.gpus.supply_shock.window_end", "2026-12-31", "2030-12-31")
    assert _what([orders, window, cap], str) == (
        "compute.gpus.supply_shock.import_cap_gpus_per_year None → 5000 (also compute.gpus.extra_orders) "
        "(and 1 more field)"
    )
    teams = [(f"crews.{r}.teams", 450, 900) for r in ("north", "central", "south")]
    assert _what(teams, str) == "crews.north.teams 450 → 900 (and 2 more fields)"  # no list: as before
