"""Data centres (issue 4): the start fleet on the real data, the project table, the SimPy pipeline
against hand-computed timelines (permits, grid interconnect, regional headroom, phases), PUE
arithmetic, determinism, go/no-go, public money and PPP, and the validation of planner projects."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pydantic
import pytest
import simpy

from dxsim.geo import load_country
from dxsim.geo.datacentres import (
    COLUMNS,
    PROJECTS_FILE,
    STATE_DC_ID,
    SYNTHETIC_SOURCE,
    fleet_totals,
    project_mw_by_year,
    projects,
    start_fleet,
)
from dxsim.paths import GEODATA_DIR
from dxsim.scenario.sections.compute_dc import GSO34_CODES, DataCentres
from dxsim.sim.calendar import Clock
from dxsim.sim.compute.datacentres import DataCentreModel, make_fleet

START = dt.date(2026, 1, 1)
END = dt.date(2031, 12, 31)
CSV_IDS = sorted(set(pl.read_csv(PROJECTS_FILE, infer_schema=False)["project_id"].to_list()))
SEED = 20251031


# --------------------------------------------------------------------------- the start fleet (real data)


@pytest.fixture(scope="module")
def country():
    return load_country()


@pytest.fixture(scope="module")
def table(country):
    return start_fleet(None, DataCentres(), SEED, start_date=dt.date(2025, 10, 31), country=country)


def test_end_2024_fleet_is_exactly_the_reported_one(table):
    # seed 000:67: 45 data centres (32 commercial + 13 internal), 182 MW, 27,370 racks at end-2024
    tot = fleet_totals(table, dt.date(2024, 12, 31))
    assert tot["sites"] == 45
    assert tot["it_mw"] == pytest.approx(182.0, abs=1e-9)
    assert tot["racks"] == 27_370
    end24 = table.filter(pl.col("opened") <= dt.date(2024, 12, 31))
    assert end24.filter(pl.col("kind") == "commercial").height == 32
    assert end24.filter(pl.col("kind") == "internal").height == 13
    assert table.columns[:17] == list(COLUMNS)[:17]  # the contract's columns first


def test_2025_openings_are_in_service_at_the_start_but_not_in_end_2024(table):
    ndc = table.filter(pl.col("dc_id") == "NDC1").row(0, named=True)
    fpt = table.filter(pl.col("dc_id") == "FPT-HCM02").row(0, named=True)
    assert ndc["opened"] == dt.date(2025, 8, 18) and ndc["racks_design"] == 1300
    assert ndc["start_it_mw"] == pytest.approx(1300 * 6.65 / 1000)  # racks x national-average kW per rack
    assert fpt["start_it_mw"] == 24 and fpt["start_racks"] == 3600 and fpt["opened"].year == 2025
    at_start = fleet_totals(table, dt.date(2025, 10, 31))
    assert at_start["sites"] == 47
    assert at_start["it_mw"] == pytest.approx(182 + 8.645 + 24)
    assert at_start["racks"] == 27_370 + 1300 + 3600


def test_sourced_sites_keep_their_source(table):
    sourced = {
        "NDC1": "baochinhphu.vn",
        "VT-HL": "einpresswire.com",
        "VNPT-HL": "vneconomy.vn",
        "VT-AK": "znews.vn",
        "VT-TPT": "vietnamnews.vn",
        "CMC-TT": "vietnamplus.vn",
        "VNG-TT": "vneconomy.vn",
        "FPT-HCM02": "nikkei.com",
        "IPTP-DN": "vnexpress.net",
        "VDG-DN": "vcci.com.vn",
    }
    for dc_id, host in sourced.items():
        row = table.filter(pl.col("dc_id") == dc_id).row(0, named=True)
        assert not row["synthetic"] and host in row["source"], dc_id
    vt = table.filter(pl.col("dc_id") == "VT-HL").row(0, named=True)
    assert (vt["it_mw_design"], vt["racks_design"], vt["gso34"]) == (30, 2500, "01")


def test_synthetic_sites_fill_the_gap_in_urban_wards_of_the_dc_cities(table, country):
    syn = table.filter(pl.col("synthetic"))
    assert syn.height == 41 and (syn["source"] == SYNTHETIC_SOURCE).all()
    assert set(syn["area"]) == {"hanoi", "hcmc", "binh_duong", "da_nang"}
    assert set(syn["gso34"]) <= {"01", "79", "48"}
    wards = country.communes.filter(pl.col("ward_type") == "Phường")["ward_code"].to_list()
    assert set(syn["ward_code"]) <= set(wards)
    # Viettel: 87 MW / 11,500 racks in 2024 of which Hòa Lạc is sourced (30 MW, 2,500 racks)
    vt = syn.filter(pl.col("operator") == "Viettel")
    assert vt.height == 14 and vt["it_mw_design"].sum() == pytest.approx(57.0)
    assert vt["racks_design"].sum() == 9000 and set(vt["area"]) == {"hanoi", "hcmc", "binh_duong", "da_nang"}


def test_start_fleet_is_deterministic_per_seed(table, country):
    again = start_fleet(None, DataCentres(), SEED, start_date=dt.date(2025, 10, 31), country=country)
    assert again.equals(table)
    other = start_fleet(None, DataCentres(), SEED + 1, start_date=dt.date(2025, 10, 31), country=country)
    assert not other.equals(table)
    assert fleet_totals(other)["racks"] == 27_370 and fleet_totals(other)["it_mw"] == pytest.approx(182.0)


def test_project_rows_exist_with_zero_mw_at_the_start(table):
    proj = projects(DataCentres())
    ids = set(proj["project_id"])
    rows = table.filter(pl.col("dc_id").is_in(list(ids)))
    assert rows.height == len(ids)
    assert (rows["start_it_mw"] == 0).all() and rows["opened"].is_null().all()
    design = proj.group_by("project_id").agg(pl.col("it_mw").sum())
    for pid, mw in design.iter_rows():
        assert rows.filter(pl.col("dc_id") == pid)["it_mw_design"][0] == pytest.approx(mw)
    assert table.filter(pl.col("dc_id") == STATE_DC_ID).height == 1


def test_project_table_is_sourced_and_sums_to_the_announced_plans():
    proj = projects(DataCentres())
    assert proj["source"].str.len_chars().min() > 5
    mw = dict(proj.group_by("project_id").agg(pl.col("it_mw").sum()).iter_rows())
    viettel = sum(v for k, v in mw.items() if k.startswith("VT-"))
    assert 87 + viettel == pytest.approx(560)  # Viettel: 87 MW in 2024, 560 MW planned by 2030
    assert sum(v for k, v in mw.items() if k.startswith("HS-")) == pytest.approx(220)  # seed 004:325
    assert mw["VT-TPT"] == pytest.approx(140) and mw["VNPT-LG"] == 40 and mw["CMC-SHTP"] == 120
    by_year = project_mw_by_year(proj)
    assert by_year["it_mw"].sum() == pytest.approx(sum(mw.values()))
    dropped = projects(DataCentres(exclude_projects=["HS-1", "HS-2", "HS-3", "HS-4"]))
    assert not dropped["project_id"].str.starts_with("HS-").any()


def test_full_pipeline_on_the_real_table_and_a_start_before_the_2025_openings(country):
    # start 2025-06-01: FPT Fornix HCM02 (2025-07-01) and NDC No. 1 (2025-08-18) open during the run
    p = DataCentres()
    start = dt.date(2025, 6, 1)
    t = start_fleet(None, p, SEED, start_date=start, country=country)
    assert fleet_totals(t, start)["sites"] == 45
    clock = Clock(start, dt.date(2030, 12, 31))
    env = simpy.Environment()
    fleet = make_fleet(t, p, country.province_codes)
    m = DataCentreModel(env, p, t, projects(p), fleet, clock, SEED, 0)
    m.start()
    env.run(until=clock.horizon_days + 1)
    opened = {d: day for day, d, _, _ in m.phases_commissioned if d in ("NDC1", "FPT-HCM02")}
    assert opened == {"FPT-HCM02": 30.0, "NDC1": 78.0}
    assert fleet.it_mw.sum() > 182 + 8.645 + 24 and m.capex_vnd_bn_cum > 0
    assert set(m.not_go) <= set(CSV_IDS)


def test_gso34_codes_match_the_province_table():
    codes = pl.read_csv(GEODATA_DIR / "province_regions.csv", infer_schema=False)["gso34"].to_list()
    assert sorted(codes) == sorted(GSO34_CODES)


# --------------------------------------------------------------------------- the pipeline (hand-computed)


def params(projects_=(), **kw) -> DataCentres:
    """Deterministic delays (p50 == p90): permits 60, interconnect 90, construction 300, commissioning 0."""
    base = {
        "exclude_projects": CSV_IDS,
        "extra_projects": list(projects_),
        "delays": {
            "permits": {"p50_days": 60, "p90_days": 60},
            "construction": {"p50_days": 300, "p90_days": 300},
            "commissioning": {"p50_days": 0, "p90_days": 0},
        },
        "grid": {
            "interconnect": {"p50_days": 90, "p90_days": 90},
            "headroom_mw": {"north": 1000, "central": 1000, "south": 1000},
            "reinforcements": [],
        },
        "go_probability_pct": {"announced": 100, "under_construction": 100},
    }
    for k, v in kw.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            base[k] = {**base[k], **v}
        else:
            base[k] = v
    return DataCentres.model_validate(base)


def proj(pid="P1", gso34="01", status="announced", cooling="liquid", phases=((40, START),), **kw):
    return {
        "project_id": pid,
        "operator": "test",
        "gso34": gso34,
        "status": status,
        "cooling": cooling,
        "phases": [{"it_mw": mw, "target_date": d} for mw, d in phases],
        **kw,
    }


def mini_table(p: DataCentres) -> pl.DataFrame:
    """One existing DC (10 MW, Hà Nội) plus a 0-MW row per project and the state row."""
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
    t = pl.DataFrame(rows)
    return t.with_columns(pl.col("cooling").map_elements(p.pue_for, return_dtype=pl.Float64).alias("pue"))


def run(p: DataCentres, seed: int = 1, rep: int = 0):
    env = simpy.Environment()
    clock = Clock(START, END)
    t = mini_table(p)
    fleet = make_fleet(t, p)
    m = DataCentreModel(env, p, t, projects(p), fleet, clock, seed, rep)
    m.start()
    env.run(until=clock.horizon_days + 1)
    return m, fleet, t


def commissioned(m, dc_id):
    return [(day, mw) for day, d, mw, _ in m.phases_commissioned if d == dc_id]


def test_phase_timing_permits_interconnect_construction_then_next_phase():
    # targets in the past: nothing waits for them. Phase 1: 60 + 90 + 300 = 450; phase 2 after its own
    # construction: 450 + 300 = 750.
    p = params([proj(phases=((40, START), (20, START)))])
    m, fleet, t = run(p)
    assert commissioned(m, "P1") == [(450.0, 40.0), (750.0, 20.0)]
    i = t["dc_id"].to_list().index("P1")
    assert fleet.it_mw[i] == 60 and fleet.racks[i] == round(40_000 / 40) + round(
        20_000 / 40
    )  # AI racks, 40 kW


def test_commissioning_delay_and_target_dates():
    # commissioning 30 days; phase 2 planned for day 1000: it breaks ground when its announcer planned, one default
    # median build (365 days) before, on day 635, and this scenario builds in 300: in service 635 + 300 + 30 = 965.
    p = params(
        [proj(phases=((40, START), (20, START + dt.timedelta(days=1000))))],
        delays={"commissioning": {"p50_days": 30, "p90_days": 30}},
    )
    m, _, _ = run(p)
    assert commissioned(m, "P1") == [(480.0, 40.0), (965.0, 20.0)]


def test_under_construction_project_is_credited_the_time_already_spent():
    """Under construction, phase 1 due on day 100 and phase 2 on day 500. With the default median build time (365
    days, the one the target dates are read as expecting) phase 1 is on time; with a build twice as fast the 100 days
    left halve to 50 (hand-computed: 100 x 182.5 / 365), where a faster build once pushed phase 1's start into the
    future and opened it later. Phase 2, not under way, breaks ground when its announcer planned, one default build
    before its target (day 500 - 365 = 135), and is built in this scenario's time: day 500, or 135 + 182.5 = 317.5,
    where planning back from the target with the scenario's own median opened it on day 500 either way."""
    from dxsim.scenario.sections.compute_dc import CONSTRUCTION_P50_DAYS

    phases = ((20, START + dt.timedelta(days=100)), (20, START + dt.timedelta(days=500)))
    for build, first, second in (
        (CONSTRUCTION_P50_DAYS, 100.0, 500.0),
        (CONSTRUCTION_P50_DAYS / 2, 50.0, 317.5),
    ):
        p = params(
            [proj(status="under_construction", cooling="modern_air", phases=phases)],
            delays={"construction": {"p50_days": build, "p90_days": build}},
        )
        m, _, _ = run(p)
        assert commissioned(m, "P1") == [(pytest.approx(first), 20.0), (pytest.approx(second), 20.0)], build
    # a phase due beyond one build (day 500 > 365) is under way too: on time, not "scheduled" to start on day 135
    p = params(
        [
            proj(
                status="under_construction",
                cooling="modern_air",
                phases=((20, START + dt.timedelta(days=500)),),
            )
        ],
        delays={"construction": {"p50_days": CONSTRUCTION_P50_DAYS, "p90_days": CONSTRUCTION_P50_DAYS}},
    )
    m, _, _ = run(p)
    assert commissioned(m, "P1") == [(pytest.approx(500.0), 20.0)]
    assert "scheduled" not in [stage for _day, stage in m.stage_log[("P1", 1)]]


def test_phase_waits_for_regional_headroom_until_a_reinforcement():
    # north has 0 MW; +60 MW on day 400. Phase: 40 MW IT x PUE 1.25 (liquid 1.15 + 0.10) = 50 MW facility.
    # Ready on day 150, waits to 400, construction 300 -> 700; 10 MW of headroom left.
    p = params(
        [proj()],
        grid={
            "headroom_mw": {"north": 0, "central": 1000, "south": 1000},
            "reinforcements": [{"region": "north", "mw": 60, "date": START + dt.timedelta(days=400)}],
        },
    )
    m, _, _ = run(p)
    assert commissioned(m, "P1") == [(700.0, 40.0)]
    assert m.headroom_mw()["north"] == pytest.approx(10.0)
    # the other regions are untouched, and a southern project does not wait
    p2 = params(
        [proj(), proj("P2", gso34="79")],
        grid={"headroom_mw": {"north": 0, "central": 0, "south": 50}, "reinforcements": []},
    )
    m2, _, _ = run(p2)
    assert commissioned(m2, "P1") == [] and commissioned(m2, "P2") == [(450.0, 40.0)]
    assert m2.waiting_for_grid == {("P1", 1): pytest.approx(50.0)}


def test_first_fit_lets_a_smaller_phase_pass_a_blocked_one():
    p = params(
        [proj("BIG", phases=((100, START),)), proj("SMALL", phases=((10, START),))],
        grid={"headroom_mw": {"north": 20, "central": 0, "south": 0}, "reinforcements": []},
    )
    m, _, _ = run(p)
    assert commissioned(m, "BIG") == [] and commissioned(m, "SMALL") == [(450.0, 10.0)]


def test_facility_power_is_it_times_pue():
    p = params([proj(cooling="liquid"), proj("P2", cooling="modern_air", phases=((20, START),))])
    m, fleet, t = run(p)
    ids = t["dc_id"].to_list()
    fac = fleet.facility_power_mw()
    assert fac[ids.index("P1")] == pytest.approx(40 * (1.15 + 0.10))
    assert fac[ids.index("P2")] == pytest.approx(20 * (1.35 + 0.10))
    assert fac[ids.index("OLD")] == pytest.approx(10 * (1.56 + 0.10))
    assert m.headroom_mw()["north"] == pytest.approx(1000 - 50 - 29)


def test_capex_and_ppp_share():
    per_mw = 7.8 * 25_520 / 1000  # liquid, USD 7.8 M per MW at 25,520 VND/USD -> VND bn
    m, _, _ = run(params([proj()]))
    assert m.capex_vnd_bn_cum == pytest.approx(40 * per_mw) and m.capex_state_vnd_bn_cum == 0
    m, _, _ = run(params([proj()], ppp_share_pct=50))
    assert m.capex_state_vnd_bn_cum == pytest.approx(20 * per_mw)
    assert m.capex_ppp_state_vnd_bn_cum == pytest.approx(20 * per_mw)  # all of it the PPP share
    # a project under construction is financed: no PPP share; a state project is the public budget, not PPP
    m, _, _ = run(params([proj(status="under_construction")], ppp_share_pct=50))
    assert m.capex_ppp_state_vnd_bn_cum == 0


def test_public_cost_counts_the_state_s_ppp_share_once() -> None:
    """public_cost_total_vnd_bn = support + the village programme's budget committed + the public DC budget + the PPP
    share, by hand; village works the utility and the operators pay (village capex beyond that) are not public."""
    from types import SimpleNamespace

    from dxsim.execution import public_cost_vnd_bn

    sc = SimpleNamespace(
        villages=SimpleNamespace(enabled=True),
        compute=SimpleNamespace(
            enabled=True, datacentres=SimpleNamespace(public_investment_vnd_bn={2027: 1000.0, 2040: 5.0})
        ),
        horizon=SimpleNamespace(start_date=START, end_date=END),
    )
    kpis = {
        "subsidy_paid_total_vnd_bn": 10.0,
        "support_accrued_unpaid_vnd_bn": 2.0,
        "village_capex_total_vnd_bn": 300.0,
        "village_programme_committed_total_vnd_bn": 120.0,
        "dc_ppp_state_capex_total_vnd_bn": 4_000.0,
        "gpu_capex_total_vnd_bn": 9_000.0,  # not public money, but for ...
        "gpu_public_capex_total_vnd_bn": 600.0,  # ... the state's share of its orders
    }
    assert public_cost_vnd_bn(sc, kpis) == pytest.approx(
        10 + 2 + 120 + 1000 + 4000 + 600
    )  # 2040 is past the end
    sc.compute.enabled = False
    assert public_cost_vnd_bn(sc, kpis) == pytest.approx(10 + 2 + 120)


def test_a_project_that_is_not_go_never_commissions():
    p = params(
        [proj("A"), proj("U", status="under_construction")],
        go_probability_pct={"announced": 0, "under_construction": 100},
    )
    m, fleet, t = run(p)
    assert m.not_go == ["A"] and commissioned(m, "A") == []
    assert fleet.it_mw[t["dc_id"].to_list().index("A")] == 0
    assert commissioned(m, "U")  # under construction: goes
    # a PPP share of 100% removes the operator's hurdle: p = 0 + (1 - 0) x 1 = 1
    m, _, _ = run(params([proj("A")], go_probability_pct={"announced": 0}, ppp_share_pct=100))
    assert m.not_go == [] and commissioned(m, "A") == [(450.0, 40.0)]
    # a project's own chance beats its status's, without moving the others: a planner's committed project (100) goes
    # where its status's 0 would stop it, and an under-construction one given 0 never does (data-centre trial)
    own = params(
        [
            proj("A", go_probability_pct=100),
            proj("B"),
            proj("U", status="under_construction", go_probability_pct=0),
        ],
        go_probability_pct={"announced": 0, "under_construction": 100},
    )
    for rep in range(5):
        m, _, _ = run(own, rep=rep)
        assert sorted(m.not_go) == ["B", "U"] and commissioned(m, "A") == [(450.0, 40.0)], rep


def test_public_investment_builds_a_state_phase():
    # 2027 budget buys budget / capex-per-MW of liquid-cooled IT MW, started on 2027-01-01.
    budget = 7_962.24  # = 40 MW x 199.056 bn VND
    p = params([], public_investment_vnd_bn={2027: budget})
    m, fleet, t = run(p)
    day0 = (dt.date(2027, 1, 1) - START).days
    [(day, mw)] = commissioned(m, STATE_DC_ID)
    assert day == day0 + 450 and mw == pytest.approx(40.0)
    assert m.capex_state_vnd_bn_cum == pytest.approx(budget) and m.capex_ppp_state_vnd_bn_cum == 0


def test_two_years_of_state_phases_wait_for_the_grid_together():
    """Two years of public investment (2027 and 2028, 40 MW each: 50 MW facility at PUE 1.25) in a north with no grid
    headroom until +100 MW on 2029-01-01: both state phases wait for it at once, at the one state data centre, then
    both fit and are built in 300 days. The waiting phases were keyed by (data centre, phase), the same for both
    years: the run crashed with KeyError ('STATE-PUBLIC', 1) (lever audit)."""
    budget = 7_962.24  # = 40 MW x 199.056 bn VND
    grid_day = (dt.date(2029, 1, 1) - START).days
    p = params(
        [],
        public_investment_vnd_bn={2027: budget, 2028: budget},
        grid={
            "headroom_mw": {"north": 0, "central": 1000, "south": 1000},
            "reinforcements": [{"region": "north", "mw": 100, "date": dt.date(2029, 1, 1)}],
        },
    )
    m, _, _ = run(p)
    assert commissioned(m, STATE_DC_ID) == [(grid_day + 300.0, pytest.approx(40.0))] * 2
    assert m.waiting_for_grid == {} and m.headroom_mw()["north"] == pytest.approx(0.0)


def test_determinism_per_seed_and_replication():
    p = params(
        [proj("A", phases=((40, START), (20, START))), proj("B", gso34="79")],
        delays={
            "permits": {"p50_days": 60, "p90_days": 200},
            "construction": {"p50_days": 300, "p90_days": 500},
        },
        go_probability_pct={"announced": 60},
    )
    a, fa, _ = run(p, seed=7, rep=0)
    b, fb, _ = run(p, seed=7, rep=0)
    c, _, _ = run(p, seed=7, rep=1)
    assert a.phases_commissioned == b.phases_commissioned and a.not_go == b.not_go
    assert a.capex_vnd_bn_cum == b.capex_vnd_bn_cum and np.array_equal(fa.it_mw, fb.it_mw)
    assert (a.phases_commissioned, a.not_go) != (c.phases_commissioned, c.not_go)


def test_base_load_grows_yearly_and_spills_to_free_capacity():
    # OLD: 10 MW, 65% ordinary load = 6.5 MW; +15% each 1 January. A 40 MW DC comes in on day 450.
    m, fleet, t = run(params([proj()]))
    assert fleet.base_it_mw.sum() == pytest.approx(6.5 * 1.15**5)  # 2027..2031: 5 Januaries
    old = t["dc_id"].to_list().index("OLD")
    assert fleet.base_it_mw[old] == pytest.approx(10.0)  # OLD is full; the rest moved to P1
    assert m.base_unmet_mw == 0
    assert m.opex_vnd_bn_cum > 0 and m.energy_mwh_cum > 0


def test_ordinary_load_without_room_is_kept_as_unmet_by_hand():
    """OLD alone: 10 MW, 6.5 MW of ordinary load growing 15% each 1 January for 5 Januaries wants 6.5 x 1.15^5 =
    13.07 MW; 10 fit, and the 3.07 MW left is the unmet demand the run now reports (dc_ordinary_load_unmet_mw)."""
    m, fleet, _t = run(params([]))
    assert fleet.base_it_mw.sum() == pytest.approx(10.0)
    assert m.base_unmet_mw == pytest.approx(6.5 * 1.15**5 - 10.0)


# --------------------------------------------------------------------------- validation


def _errors(extra: list[dict]) -> list[dict]:
    with pytest.raises(pydantic.ValidationError) as exc:
        DataCentres.model_validate({"extra_projects": extra})
    return exc.value.errors()


def test_negative_mw_names_the_field():
    [err] = _errors([proj(phases=((-5, START),))])
    assert err["loc"] == ("extra_projects", 0, "phases", 0, "it_mw") and "greater than 0" in err["msg"]


def test_unknown_province_names_the_field():
    [err] = _errors([proj(gso34="99")])
    assert (
        err["loc"] == ("extra_projects", 0, "gso34")
        and "'99' is not one of the 34 province codes" in err["msg"]
    )


def test_phase_dates_out_of_order_are_an_error():
    [err] = _errors([proj(phases=((10, dt.date(2028, 1, 1)), (10, dt.date(2027, 1, 1))))])
    assert err["loc"] == ("extra_projects", 0) and "phases" in err["msg"] and "date order" in err["msg"]


def test_dates_out_of_range_and_other_bad_values():
    [err] = _errors([proj(phases=((10, dt.date(2200, 1, 1)),))])
    assert err["loc"] == ("extra_projects", 0, "phases", 0, "target_date") and "out of range" in err["msg"]
    [err] = _errors([proj(phases=())])
    assert err["loc"] == ("extra_projects", 0, "phases")
    with pytest.raises(pydantic.ValidationError, match="p90_days"):
        DataCentres.model_validate({"delays": {"permits": {"p50_days": 100, "p90_days": 50}}})
    with pytest.raises(pydantic.ValidationError, match="project_id .P1. is given twice"):
        DataCentres.model_validate({"extra_projects": [proj(), proj()]})
    with pytest.raises(pydantic.ValidationError, match="extra_forbidden|Extra inputs"):
        DataCentres.model_validate({"pue": {"liquidd": 1.1}})


def test_every_parameter_has_unit_range_and_source():
    """Each scalar leaf of DataCentres documents its unit and source (as dxsim.scenario.fields.param does)."""
    from pydantic import BaseModel

    def leaves(model: type[BaseModel], path: str, unit=None, source=None):
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            u, s = extra.get("x-unit", unit), extra.get("x-source", source)
            ann = info.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                yield from leaves(ann, f"{path}.{name}", u, s)
            else:
                yield f"{path}.{name}", u, s

    skip = ("extra_projects", "exclude_projects", "reinforcements")
    for path, unit, source in leaves(DataCentres, "datacentres"):
        if any(s in path for s in skip):
            continue
        assert unit and source, path


def test_capex_is_booked_when_construction_starts_as_the_metric_says():
    """compute_capex_vnd_bn said "phases commissioned"; the money is committed when construction starts. With
    deterministic delays the 40 MW phase starts building on day 60 + 90 = 150 and is commissioned on day 450: all
    of its capex is there on day 151, none more by day 450."""
    from dxsim.results.metrics import METRICS

    per_mw = 7.8 * 25_520 / 1000  # liquid: USD 7.8 M per MW at 25,520 VND/USD -> VND bn
    env = simpy.Environment()
    clock = Clock(START, END)
    p = params([proj()])
    t = mini_table(p)
    m = DataCentreModel(env, p, t, projects(p), make_fleet(t, p), clock, 1, 0)
    m.start()
    env.run(until=149)
    assert m.capex_vnd_bn_cum == 0
    env.run(until=151)
    assert m.capex_vnd_bn_cum == pytest.approx(40 * per_mw) and m.phases_commissioned == []
    env.run(until=451)
    assert m.capex_vnd_bn_cum == pytest.approx(40 * per_mw) and commissioned(m, "P1") == [(450.0, 40.0)]
    said = METRICS["compute_capex_vnd_bn"]
    assert "construction starts" in said and "phases commissioned" not in said


def test_a_planner_project_with_an_existing_data_centre_s_id_is_refused() -> None:
    """extra_projects with project_id = "VT-HL" took over Viettel IDC Hòa Lạc's row: its 30 MW and 1,666 GPUs became a
    5 MW announcement and the project vanished, validated "ok" (planner-data trial, 2026-12-07). Every dc_id of
    geodata/dc_sites.csv is refused as a project's id; a new id is taken as before."""
    from dxsim.errors import DxsimInputError

    sites = pl.read_csv(GEODATA_DIR / "dc_sites.csv", infer_schema=False)["dc_id"].to_list()
    assert "VT-HL" in sites
    proj = {
        "project_id": "VT-HL",
        "operator": "VNPT",
        "gso34": "11",
        "phases": [{"it_mw": 5, "target_date": "2026-06-30"}],
    }
    for taken in sites:
        with pytest.raises(DxsimInputError) as err:
            projects(params([{**proj, "project_id": taken}]))
        assert "existing data centre's dc_id" in str(err.value) and taken in str(err.value)
    fresh = projects(params([{**proj, "project_id": "MY-NEW-1"}]))
    assert "MY-NEW-1" in fresh["project_id"].to_list()


def test_a_faster_build_never_delays_capacity_on_the_shipped_pipeline():
    """The lever a planner pulls: halve the construction time of every phase (p50 365 -> 182.5, p90 540 -> 270). On
    the shipped project pipeline, with each project's own random draws (common random numbers), the IT MW in service
    is never lower at any month end, and is higher somewhere. Planning each phase back from its target with the
    scenario's own median opened it on its target all the same and only reshuffled who got the grid headroom first:
    fewer MW in some years (lever audit, 2026-12-07)."""
    defaults = {
        "go_probability_pct": {"announced": 100, "under_construction": 100},
        "grid": {"headroom_mw": {"north": 1000, "central": 1000, "south": 1000}, "reinforcements": []},
    }
    slow = DataCentres.model_validate(defaults)
    fast = DataCentres.model_validate(
        {**defaults, "delays": {"construction": {"p50_days": 182.5, "p90_days": 270}}}
    )
    assert slow.delays.construction.p50_days == 365  # the default this halves
    months = np.array(
        [Clock(START, END).day(dt.date(y, m, 1)) for y in range(2026, 2032) for m in range(1, 13)]
    )
    gained = 0.0
    for seed in range(10):
        curves = []
        for p in (slow, fast):
            m, _, _ = run(p, seed=seed)
            days = np.array([d for d, _, _, _ in m.phases_commissioned])
            mw = np.array([x for _, _, x, _ in m.phases_commissioned])
            curves.append(np.array([mw[days <= t].sum() for t in months]))
        assert np.all(curves[1] >= curves[0] - 1e-9), seed
        gained += float((curves[1] - curves[0]).sum())
    assert gained > 0


def test_first_come_keeps_the_queue_and_more_headroom_never_delays_a_phase():
    """`grid.allocation = "first_come"`: BIG (100 MW IT, 125 MW facility at PUE 1.25) asked before SMALL (12.5 MW) on
    day 150, with 20 MW of headroom. First fit gives SMALL the 20 MW at once (in service on day 450) and BIG never
    fits; in a queue SMALL waits behind BIG until +125 MW on day 400 lets BIG in (145 MW) and SMALL after it (20 MW
    left): both in service on day 700. With 130 MW at the start instead of 20, first fit gives BIG 125 at once and
    SMALL no longer fits: more headroom puts SMALL in service 250 days later (the lever audit saw fewer MW in some
    months); in a queue SMALL is in service on day 700 either way. And on the shipped pipeline in a tight grid
    (60/30/80 MW), a queue never puts a phase in service later when the headroom is doubled, over 10 seeds."""
    pipeline = [proj("BIG", phases=((100, START),)), proj("SMALL", phases=((10, START),))]
    more = {"region": "north", "mw": 125, "date": START + dt.timedelta(days=400)}
    grid = {"headroom_mw": {"north": 20, "central": 0, "south": 0}, "reinforcements": [more]}
    fit, _, _ = run(params(pipeline, grid=grid))
    assert commissioned(fit, "SMALL") == [(450.0, 10.0)] and commissioned(fit, "BIG") == [(700.0, 100.0)]
    queue, _, _ = run(params(pipeline, grid={**grid, "allocation": "first_come"}))
    assert commissioned(queue, "SMALL") == [(700.0, 10.0)] and commissioned(queue, "BIG") == [(700.0, 100.0)]
    roomy = {**grid, "headroom_mw": {"north": 130, "central": 0, "south": 0}}
    fit, _, _ = run(params(pipeline, grid=roomy))
    assert commissioned(fit, "BIG") == [(450.0, 100.0)] and commissioned(fit, "SMALL") == [(700.0, 10.0)]
    queue, _, _ = run(params(pipeline, grid={**roomy, "allocation": "first_come"}))
    assert commissioned(queue, "BIG") == [(450.0, 100.0)] and commissioned(queue, "SMALL") == [(700.0, 10.0)]

    tight = {"north": 60, "central": 30, "south": 80}
    months = np.array(
        [Clock(START, END).day(dt.date(y, m, 1)) for y in range(2026, 2032) for m in range(1, 13)]
    )
    for seed in range(10):
        curves = []
        for headroom in (tight, {r: 2 * v for r, v in tight.items()}):
            p = DataCentres.model_validate({"grid": {"headroom_mw": headroom, "allocation": "first_come"}})
            m, _, _ = run(p, seed=seed)
            days = np.array([d for d, _, _, _ in m.phases_commissioned])
            mw = np.array([x for _, _, x, _ in m.phases_commissioned])
            curves.append(np.array([mw[days <= t].sum() for t in months]))
        assert np.all(curves[1] >= curves[0] - 1e-9), seed
