"""Village connection options: sizing, costing and choice checked against hand-computed cases.

Every expected number below is worked out in the comments from the parameters the test sets,
so a reader can redo the arithmetic; the defaults only matter where a test says so.
"""

from __future__ import annotations

from pathlib import Path

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from dxsim.scenario.sections.villages_options import (
    BACKHAUL_OPTIONS,
    POWER_OPTIONS,
    REGIONS6,
    TERRAINS,
    VillageOptions,
)
from dxsim.sim.villages.options import (
    annuity_factor,
    backhaul,
    choose_options,
    evaluate_options,
    grid_extension,
    replacement_factor,
    size_offgrid,
)

# docs/villages_contract.md, option evaluation table and choice table
CONTRACT_EVALUATION = [
    "village_id",
    "power",
    "backhaul",
    "feasible",
    "infeasible_reason",
    "capex_vnd_bn",
    "opex_vnd_bn_per_year",
    "npv_vnd_bn",
    "power_capex_vnd_bn",
    "signal_capex_vnd_bn",
    "backhaul_capex_vnd_bn",
    "utility_team_days",
    "operator_team_days",
    "equipment_lead_days",
    "grid_line_km",
    "pv_kwp",
    "battery_kwh",
    "diesel_l_per_year",
    "microwave_hops",
    "backhaul_capacity_mbps",
    "busy_hour_mbps_per_user",
]
CONTRACT_CHOICE = ["village_id", "power", "backhaul", "feasible", "reason", "capex_vnd_bn", "npv_vnd_bn"]


def opts(**sections: Any) -> VillageOptions:
    """VillageOptions from nested dicts, e.g. opts(offgrid={"diesel_enabled": False})."""
    # these tests exercise the least-cost rule unless they set another (the default is grid_first)
    sections.setdefault("policy", {})
    sections["policy"] = {"rule": "least_cost", **sections["policy"]}
    return VillageOptions.model_validate(sections)


# Round numbers for the hand cases: 25,000 VND/USD, PV 1,000 USD/kWp, battery 300 USD/kWh.
HAND = {
    "usd_vnd": 25_000,
    "offgrid": {
        "pv_derate": 0.75,
        "days_autonomy": 3,
        "battery_dod": 0.8,
        "battery_round_trip_efficiency": 0.9,
        "pv_cost_usd_per_kwp": 1_000,
        "battery_cost_usd_per_kwh": 300,
        "om_pct_per_year": 2,
        "diesel_enabled": False,
        "solar_fraction_pct": 90,
        "genset_capex_vnd_bn": 0.1,
        "genset_om_vnd_bn_per_year": 0.02,
        "diesel_l_per_kwh": 0.3,
        "diesel_price_vnd_per_l": 20_000,
        "battery_replacement_years": 8,
    },
    "grid": {
        "route_factor": {"flat": 1.3, "hilly": 1.3, "mountainous": 1.3},
        "cost_vnd_bn_per_km": {"mountainous": 1.2},
        "team_days_per_km": {"mountainous": 20},
        "connection_capex_vnd_bn": 0.3,
        "connection_team_days": 5,
        "max_line_km": 15,
        "tariff_vnd_per_kwh": 3_000,
        "line_om_pct_per_year": 1.5,
        "site_share_of_line_cost_pct": 100,
    },
    "site": {"load_kw": 1.5, "capex_vnd_bn": 2.0, "opex_vnd_bn_per_year": 0.05},
    "backhaul": {
        "fibre_cost_usd_per_km": {"mountainous": 25_000},
        "fibre_max_km": 20,
        "microwave_hop_km": {"mountainous": 6},
        "microwave_link_usd_per_hop": 40_000,
        "microwave_relay_vnd_bn": 0.6,
        "microwave_max_hops": 4,
        "microwave_capacity_mbps": 500,
        "leo_terminal_capex_usd": 2_500,
        "leo_opex_usd_per_terminal_month": 250,
        "leo_capacity_mbps_per_terminal": 100,
        "leo_max_terminals": 4,
        "leo_licensed": True,
    },
    "demand": {"busy_hour_users_pct_of_population": 10, "required_mbps_per_user": 2},
    "policy": {"horizon_years": 10, "discount_rate_pct": 10},
}


def hand(**changes: dict[str, Any]) -> VillageOptions:
    d = {k: (dict(v) if isinstance(v, dict) else v) for k, v in HAND.items()}
    for section, values in changes.items():
        d[section] = {**d.get(section, {}), **values}
    return VillageOptions.model_validate(d)


def village_table(**cols: Any) -> pl.DataFrame:
    n = len(cols["grid_distance_km"])
    base = {
        "village_id": [f"T{i:03d}" for i in range(n)],
        "population": [300] * n,
        "households": [60] * n,
        "terrain_class": ["mountainous"] * n,
        "grid_distance_km": [9.0] * n,
        "site_distance_km": [12.0] * n,
        "region6": ["northern_mountains"] * n,
        "region3": ["north"] * n,
    }
    base.update(cols)
    return pl.DataFrame(base)


def random_villages(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "village_id": [f"R{i:03d}" for i in range(n)],
            "population": rng.integers(50, 3_000, n),
            "households": rng.integers(10, 600, n),
            "terrain_class": rng.choice(TERRAINS, n),
            "grid_distance_km": rng.uniform(0.5, 30.0, n),
            "site_distance_km": rng.uniform(0.5, 40.0, n),
            "region6": rng.choice(REGIONS6, n),
            "region3": rng.choice(["north", "central", "south"], n),
        }
    )


# --------------------------------------------------------------------------- off-grid sizing


def test_offgrid_pv_and_battery_only_hand_case() -> None:
    # E = 1.5 kW x 24 h = 36 kWh/day; PV = 36 / (4.0 x 0.75) = 12 kWp;
    # battery = 36 x 3 days / (0.8 x 0.9) = 150 kWh.
    # capex = 12 kWp x 1,000 USD x 25,000 / 1e9 = 0.3 bn + 150 kWh x 300 USD x 25,000 / 1e9 = 1.125 bn -> 1.425 bn
    # opex = 2% x 1.425 = 0.0285 bn/year; no genset, no diesel.
    r = size_offgrid(1.5, 4.0, hand())
    assert r["energy_kwh_per_day"][0] == pytest.approx(36.0)
    assert r["pv_kwp"][0] == pytest.approx(12.0)
    assert r["battery_kwh"][0] == pytest.approx(150.0)
    assert r["capex_vnd_bn"][0] == pytest.approx(1.425)
    assert r["opex_vnd_bn_per_year"][0] == pytest.approx(0.0285)
    assert r["diesel_l_per_year"][0] == 0.0
    assert r["battery_replacement_vnd_bn"][0] == pytest.approx(1.125)
    # Without a genset the PV is sized on the darkest month: GHI 2.0 -> 36 / (2.0 x 0.75) = 24 kWp.
    assert size_offgrid(1.5, 4.0, hand(), ghi_worst_month_kwh_m2_day=2.0)["pv_kwp"][0] == pytest.approx(24.0)


def test_offgrid_hybrid_with_diesel_hand_case() -> None:
    # Solar share 90%: PV = 36 x 0.9 / (4.0 x 0.75) = 10.8 kWp (annual-mean GHI, the darkest month is ignored);
    # diesel = 36 x 365 x 0.1 = 1,314 kWh/year x 0.3 L/kWh = 394.2 L x 20,000 VND = 0.007884 bn/year.
    # capex = 10.8 x 1,000 x 25,000/1e9 = 0.27 + 1.125 + genset 0.1 = 1.495 bn
    # opex = 2% x (0.27 + 1.125) = 0.0279 + 0.007884 + genset O&M 0.02 = 0.055784 bn/year
    p = hand(offgrid={"diesel_enabled": True})
    r = size_offgrid(1.5, 4.0, p, ghi_worst_month_kwh_m2_day=2.0)
    assert r["pv_kwp"][0] == pytest.approx(10.8)
    assert r["diesel_kwh_per_year"][0] == pytest.approx(1_314.0)
    assert r["diesel_l_per_year"][0] == pytest.approx(394.2)
    assert r["fuel_vnd_bn_per_year"][0] == pytest.approx(0.007884)
    assert r["capex_vnd_bn"][0] == pytest.approx(1.495)
    assert r["opex_vnd_bn_per_year"][0] == pytest.approx(0.055784)


# --------------------------------------------------------------------------- grid extension


def test_grid_extension_hand_case() -> None:
    # 8 km x route factor 1.3 = 10.4 line km; capex = 10.4 x 1.2 bn/km + 0.3 connection = 12.78 bn;
    # opex = 1.5% x 12.78 = 0.1917 + 1.5 kW x 8,760 h x 3,000 VND / 1e9 = 0.03942 -> 0.23112 bn/year;
    # utility team-days = 10.4 x 20 + 5 = 213; 10.4 km <= 15 km: feasible.
    # 12 km -> 15.6 line km > 15: infeasible.
    r = grid_extension([8.0, 12.0], ["mountainous", "mountainous"], hand())
    assert r["line_km"].tolist() == pytest.approx([10.4, 15.6])
    assert r["capex_vnd_bn"][0] == pytest.approx(12.78)
    assert r["opex_vnd_bn_per_year"][0] == pytest.approx(0.23112)
    assert r["utility_team_days"][0] == pytest.approx(213.0)
    assert r["feasible"].tolist() == [True, False]
    # Half the line charged to the site (the rest is rural electrification): 6.39 bn.
    half = grid_extension(8.0, "mountainous", hand(grid={"site_share_of_line_cost_pct": 50}))
    assert half["capex_vnd_bn"][0] == pytest.approx(6.39)


# --------------------------------------------------------------------------- backhaul


def test_backhaul_hand_case() -> None:
    # 12 km, mountainous, 300 people -> 30 busy-hour users x 2 Mbps = 60 Mbps needed.
    # fibre: 12 x 1.3 = 15.6 route km x 25,000 USD x 25,000 / 1e9 = 9.75 bn; 15.6 <= 20 km: feasible.
    # microwave: ceil(12 / 6) = 2 hops, 1 relay: 2 x 40,000 x 25,000 / 1e9 = 2.0 + 0.6 = 2.6 bn.
    # LEO: ceil(60 / 100) = 1 terminal: capex 2,500 x 25,000 / 1e9 = 0.0625 bn, opex 250 x 12 x 25,000 / 1e9
    #      = 0.075 bn/year, 100 Mbps / 30 users = 3.33 Mbps per user >= 2: served.
    r = backhaul(12.0, "mountainous", 300, hand())
    assert r["fibre"]["fibre_km"][0] == pytest.approx(15.6)
    assert r["fibre"]["capex_vnd_bn"][0] == pytest.approx(9.75)
    assert r["fibre"]["feasible"][0]
    assert r["microwave"]["hops"][0] == 2
    assert r["microwave"]["capex_vnd_bn"][0] == pytest.approx(2.6)
    assert r["leo"]["terminals"][0] == 1
    assert r["leo"]["capex_vnd_bn"][0] == pytest.approx(0.0625)
    assert r["leo"]["opex_vnd_bn_per_year"][0] == pytest.approx(0.075)
    assert r["leo"]["mbps_per_user"][0] == pytest.approx(100 / 30)
    assert r["leo"]["served"][0] and r["leo"]["feasible"][0]
    # Exactly one hop length -> 1 hop; zero distance still needs 1 hop; 25 km -> 5 hops > 4: infeasible.
    mw = backhaul([6.0, 0.0, 25.0], "mountainous", 300, hand())["microwave"]
    assert mw["hops"].tolist() == [1, 1, 5]
    assert mw["feasible"].tolist() == [True, True, False]


def test_leo_capacity_short_village() -> None:
    # 2,500 people -> 250 busy-hour users x 2 = 500 Mbps -> 5 terminals wanted, capped at 4:
    # 400 Mbps / 250 = 1.6 Mbps per user < 2: not served -> infeasible by default ...
    leo = backhaul(12.0, "mountainous", 2_500, hand())["leo"]
    assert leo["terminals"][0] == 4
    assert leo["mbps_per_user"][0] == pytest.approx(1.6)
    assert not leo["served"][0] and not leo["feasible"][0]
    # ... feasible but flagged when the planner accepts capacity-short connections.
    ok = backhaul(12.0, "mountainous", 2_500, hand(demand={"capacity_short_is_feasible": True}))["leo"]
    assert ok["feasible"][0] and not ok["served"][0]
    # Not licensed: LEO is never feasible.
    assert not backhaul(1.0, "flat", 100, hand(backhaul={"leo_licensed": False}))["leo"]["feasible"][0]


# --------------------------------------------------------------------------- NPV


def test_annuity_and_replacement_factors() -> None:
    # (1 - 1.1^-10) / 0.1 = 6.144567; r = 0 -> 10 years of opex.
    assert annuity_factor(10, 10) == pytest.approx(6.1445671)
    assert annuity_factor(0, 10) == 10
    # battery every 8 years in a 10-year horizon: one purchase at year 8 -> 1.1^-8 = 0.466507
    assert replacement_factor(8, 10, 10) == pytest.approx(1.1**-8)
    # every 5 years: year 5 only (a purchase at the horizon itself buys nothing)
    assert replacement_factor(5, 10, 10) == pytest.approx(1.1**-5)
    assert replacement_factor(4, 10, 10) == pytest.approx(1.1**-4 + 1.1**-8)
    assert replacement_factor(12, 10, 10) == 0.0


def test_evaluate_hand_case_and_contract_columns() -> None:
    # One village: 300 people, 8 km from the grid, 12 km from a site, mountainous, GHI 4.0 (own column).
    p = hand()
    ev = evaluate_options(village_table(grid_distance_km=[8.0], ghi_kwh_m2_day=[4.0]), p)
    assert ev.columns[: len(CONTRACT_EVALUATION)] == CONTRACT_EVALUATION
    assert ev.height == len(POWER_OPTIONS) * len(BACKHAUL_OPTIONS)
    assert list(zip(ev["power"], ev["backhaul"])) == [(a, b) for a in POWER_OPTIONS for b in BACKHAUL_OPTIONS]
    row = ev.filter((pl.col("power") == "offgrid_solar") & (pl.col("backhaul") == "leo")).row(0, named=True)
    # off-grid without genset, PV on the darkest month: 4.0 x 0.55 (northern mountains default) = 2.2 kWh/m2/day
    # -> PV = 36 / (2.2 x 0.75) = 21.818 kWp = 0.54545 bn; battery 150 kWh = 1.125 bn.
    # capex = 0.54545 + 1.125 + site 2.0 + LEO 0.0625 = 3.73295 bn
    # opex = 2% x 1.67045 = 0.033409 + site 0.05 + LEO 0.075 = 0.158409 bn/year
    # NPV = 3.73295 + 0.158409 x 6.144567 + battery 1.125 x 1.1^-8 (0.524820) = 5.231126 bn
    pv_bn = 36 / (2.2 * 0.75) * 1_000 * 25_000 / 1e9
    capex = pv_bn + 1.125 + 2.0 + 0.0625
    opex = 0.02 * (pv_bn + 1.125) + 0.05 + 0.075
    assert row["pv_kwp"] == pytest.approx(36 / 1.65)
    assert row["capex_vnd_bn"] == pytest.approx(capex)
    assert row["opex_vnd_bn_per_year"] == pytest.approx(opex)
    assert row["npv_vnd_bn"] == pytest.approx(capex + opex * annuity_factor(10, 10) + 1.125 * 1.1**-8)
    assert row["power_capex_vnd_bn"] + row["signal_capex_vnd_bn"] + row[
        "backhaul_capex_vnd_bn"
    ] == pytest.approx(capex)
    assert row["utility_team_days"] == 0 and row["grid_line_km"] == 0
    # operator team-days: site 20 + off-grid 5 + LEO 1 (defaults); lead: max(45, 60, 30) = 60 days
    assert row["operator_team_days"] == pytest.approx(26.0)
    assert row["equipment_lead_days"] == pytest.approx(60.0)
    grid_mw = ev.filter((pl.col("power") == "grid_extension") & (pl.col("backhaul") == "microwave")).row(
        0, named=True
    )
    # grid 12.78 bn + site 2.0 + microwave 2.6 = 17.38 bn; opex 0.23112 + 0.05 + 2 hops x 0.03 = 0.34112
    assert grid_mw["capex_vnd_bn"] == pytest.approx(17.38)
    assert grid_mw["npv_vnd_bn"] == pytest.approx(17.38 + 0.34112 * annuity_factor(10, 10))
    assert grid_mw["utility_team_days"] == pytest.approx(213.0)
    assert grid_mw["microwave_hops"] == 2 and grid_mw["feasible"] and grid_mw["infeasible_reason"] == ""


def test_regional_ghi_is_used_without_a_village_column() -> None:
    # Central Highlands default GHI 5.0 > northern mountains 3.8: less PV for the same load.
    p = opts()
    ev = evaluate_options(
        village_table(grid_distance_km=[9.0, 9.0], region6=["northern_mountains", "central_highlands"]), p
    )
    pv = (
        ev.filter(pl.col("power") == "offgrid_solar")
        .group_by("village_id", maintain_order=True)
        .first()["pv_kwp"]
    )
    e = p.site.load_kw * 24 * p.offgrid.solar_fraction_pct / 100
    assert pv.to_list() == pytest.approx([e / (3.8 * 0.75), e / (5.0 * 0.75)])


# --------------------------------------------------------------------------- choice


def brute_force_least_cost(ev: pl.DataFrame) -> dict[str, tuple[str, str, float] | None]:
    best: dict[str, tuple[str, str, float] | None] = {}
    for r in ev.iter_rows(named=True):
        cur = best.get(r["village_id"])
        if not r["feasible"]:
            best.setdefault(r["village_id"], None)
            continue
        if cur is None or r["npv_vnd_bn"] < cur[2] - 1e-12:
            best[r["village_id"]] = (r["power"], r["backhaul"], r["npv_vnd_bn"])
    return best


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"demand": {"capacity_short_is_feasible": True}},
        {"backhaul": {"leo_licensed": False}},
        {"offgrid": {"diesel_enabled": False}},
        {"grid": {"site_share_of_line_cost_pct": 10}},
    ],
)
def test_least_cost_is_the_brute_force_minimum(variant: dict[str, Any]) -> None:
    p = opts(**variant)
    villages = random_villages(60, seed=7)
    ev = evaluate_options(villages, p)
    ch = choose_options(ev, p)
    assert ch.columns[:6] == ["village_id", "rule", "power", "backhaul", "feasible", "reason"]
    assert set(CONTRACT_CHOICE) <= set(ch.columns)
    assert ch["village_id"].to_list() == villages["village_id"].to_list()  # every village, input order
    expect = brute_force_least_cost(ev)
    for r in ch.iter_rows(named=True):
        want = expect[r["village_id"]]
        if want is None:
            assert not r["feasible"] and r["power"] is None and r["backhaul"] is None
            assert r["reason"].startswith("no feasible option: ")
        else:
            assert r["feasible"] and (r["power"], r["backhaul"]) == want[:2]
            assert r["npv_vnd_bn"] == pytest.approx(want[2])
            assert r["reason"].startswith("least NPV over 10 years: ")


def test_grid_first_picks_the_grid_whenever_it_is_feasible() -> None:
    p = opts(policy={"rule": "grid_first"})
    ev = evaluate_options(random_villages(60, seed=11), p)
    ch = choose_options(ev, p)
    grid_ok = ev.filter(pl.col("feasible") & (pl.col("power") == "grid_extension"))
    best_grid = grid_ok.group_by("village_id").agg(pl.col("npv_vnd_bn").min())
    least = dict(brute_force_least_cost(ev).items())
    with_grid = dict(zip(best_grid["village_id"], best_grid["npv_vnd_bn"]))
    assert 0 < len(with_grid) < ch.height  # the sample has both kinds
    for r in ch.iter_rows(named=True):
        if r["village_id"] in with_grid:
            assert r["power"] == "grid_extension"
            assert r["npv_vnd_bn"] == pytest.approx(with_grid[r["village_id"]])
            assert (
                r["reason"].startswith("grid first: grid line ") and "within the 15 km limit" in r["reason"]
            )
        elif least[r["village_id"]] is not None:
            assert r["power"] == "offgrid_solar" and r["npv_vnd_bn"] == pytest.approx(
                least[r["village_id"]][2]
            )
            assert r["reason"].startswith("grid first, but ")
        else:
            assert not r["feasible"] and r["reason"].startswith("no feasible option: ")


@pytest.mark.parametrize("power,link", [("offgrid_solar", "microwave"), ("grid_extension", "fibre")])
def test_fixed_policy_picks_the_fixed_option_or_reports_why_not(power: str, link: str) -> None:
    p = opts(policy={"rule": "fixed", "fixed_power": power, "fixed_backhaul": link})
    ev = evaluate_options(random_villages(40, seed=3), p)
    ch = choose_options(ev, p)
    fixed = ev.filter((pl.col("power") == power) & (pl.col("backhaul") == link))
    assert fixed["feasible"].any() and not fixed["feasible"].all()
    for r, f in zip(ch.iter_rows(named=True), fixed.iter_rows(named=True)):
        assert r["village_id"] == f["village_id"]
        if f["feasible"]:
            assert (r["power"], r["backhaul"], r["feasible"]) == (power, link, True)
            assert r["capex_vnd_bn"] == pytest.approx(f["capex_vnd_bn"])
            assert r["reason"].startswith("fixed policy: ")
        else:
            assert r["power"] is None and r["backhaul"] is None and not r["feasible"]
            assert "is not feasible: " + f["infeasible_reason"] in r["reason"]


def test_village_beyond_every_limit_is_reported_not_dropped() -> None:
    # 40 km from the grid (56 line km > 15), 60 km from a site (84 km fibre > 20; 10 hops > 4),
    # 5,000 people: 500 busy-hour users need 1,000 Mbps > 4 LEO terminals x 100 Mbps.
    p = opts()
    villages = village_table(
        grid_distance_km=[9.0, 40.0, 3.0], site_distance_km=[12.0, 60.0, 5.0], population=[300, 5_000, 800]
    )
    ch = choose_options(evaluate_options(villages, p), p)
    assert ch["village_id"].to_list() == ["T000", "T001", "T002"]
    lost = ch.row(1, named=True)
    assert (
        not lost["feasible"]
        and lost["power"] is None
        and lost["backhaul"] is None
        and lost["npv_vnd_bn"] is None
    )
    for why in (
        "grid line 56.0 km > 15 km limit",
        "fibre route 84.0 km > 20 km limit",
        "microwave needs 10 hops > 4 hops limit",
        "LEO 4 x 100 Mbps for 500 busy-hour users",
    ):
        assert why in lost["reason"], lost["reason"]
    assert ch["feasible"].to_list() == [True, False, True]


def test_least_cost_reason_names_the_alternatives() -> None:
    # Defaults, a northern-mountain village: 300 people, 9 km from the grid, 12 km from a site.
    p = opts()
    ch = choose_options(evaluate_options(village_table(grid_distance_km=[9.0]), p), p).row(0, named=True)
    assert ch["power"] == "offgrid_solar"
    assert ch["reason"].startswith("least NPV over 10 years: off-grid solar + ")
    assert "(next best)" in ch["reason"] and "(best with grid extension)" in ch["reason"]
    assert ch["reason"].count("bn VND") == 3


# --------------------------------------------------------------------------- monotonicity


@settings(max_examples=60, deadline=None)
@given(
    d1=st.floats(0.0, 60.0),
    extra_grid=st.floats(0.0, 30.0),
    s1=st.floats(0.0, 60.0),
    extra_site=st.floats(0.0, 30.0),
    terrain=st.sampled_from(TERRAINS),
    population=st.integers(0, 6_000),
)
def test_longer_distance_is_never_cheaper_nor_more_feasible(
    d1: float,
    extra_grid: float,
    s1: float,
    extra_site: float,
    terrain: str,
    population: int,
) -> None:
    p = opts()
    villages = village_table(
        grid_distance_km=[d1, d1 + extra_grid],
        site_distance_km=[s1, s1 + extra_site],
        terrain_class=[terrain] * 2,
        population=[population] * 2,
    )
    ev = evaluate_options(villages, p)
    near, far = ev.filter(pl.col("village_id") == "T000"), ev.filter(pl.col("village_id") == "T001")
    assert (far["capex_vnd_bn"] >= near["capex_vnd_bn"] - 1e-9).all()
    assert (far["npv_vnd_bn"] >= near["npv_vnd_bn"] - 1e-9).all()
    assert (~far["feasible"] | near["feasible"]).all()  # feasible far away -> feasible nearer
    ch = choose_options(ev, p)
    if ch["feasible"][1]:
        assert ch["feasible"][0] and ch["npv_vnd_bn"][1] >= ch["npv_vnd_bn"][0] - 1e-9


@settings(max_examples=60, deadline=None)
@given(g1=st.floats(1.0, 8.0), extra=st.floats(0.0, 4.0), load=st.floats(0.1, 10.0), diesel=st.booleans())
def test_more_sun_never_needs_more_pv(g1: float, extra: float, load: float, diesel: bool) -> None:
    p = opts(offgrid={"diesel_enabled": diesel})
    dark, sunny = size_offgrid(
        [load, load], [g1, g1 + extra], p, ghi_worst_month_kwh_m2_day=[0.5 * g1, 0.5 * (g1 + extra)]
    )["pv_kwp"]
    assert sunny <= dark + 1e-12
    assert math.isfinite(dark) and dark > 0


# --------------------------------------------------------------------------- parameters


def test_defaults_validate_and_partial_tables_keep_other_keys() -> None:
    p = opts(grid={"cost_vnd_bn_per_km": {"mountainous": 1.5}})
    assert p.grid.cost_vnd_bn_per_km.mountainous == 1.5
    assert p.grid.cost_vnd_bn_per_km.flat == VillageOptions().grid.cost_vnd_bn_per_km.flat
    assert p.usd_vnd == 25_520 and p.policy.rule == "least_cost"
    assert VillageOptions().policy.rule == "grid_first"  # current policy: EVN extends the grid


@pytest.mark.parametrize(
    "bad,needle",
    [
        ({"offgrid": {"pv_cost_usd_per_kwp": -1}}, "pv_cost_usd_per_kwp"),
        ({"grid": {"cost_vnd_bn_per_km": {"hilly": -0.1}}}, "hilly"),
        ({"site": {"capex_vnd_bn": -2}}, "capex_vnd_bn"),
        ({"grid": {"route_factor": {"flat": 0.9}}}, "flat"),
        ({"policy": {"rule": "fixed"}}, "fixed_power, fixed_backhaul"),
        ({"policy": {"rule": "fixed", "fixed_power": "offgrid_solar"}}, "missing fixed_backhaul"),
        (
            {"policy": {"rule": "fixed", "fixed_power": "offgrid_solar", "fixed_backhaul": "pigeon"}},
            "fixed_backhaul",
        ),
        (
            {
                "policy": {"rule": "fixed", "fixed_power": "offgrid_solar", "fixed_backhaul": "leo"},
                "backhaul": {"leo_licensed": False},
            },
            "LEO is not licensed (backhaul.leo_licensed = false)",
        ),
        ({"policy": {"rule": "cheapest"}}, "rule"),
        ({"grid": {"cost_per_km": 1.0}}, "cost_per_km"),
        ({"offgrid": {"ghi_kwh_m2_day": {"northern_mountain": 4.0}}}, "northern_mountain"),
    ],
)
def test_invalid_parameters_raise_validation_error(bad: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        VillageOptions.model_validate(bad)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            '[villages.options.policy]\nrule = "fixed"\n',
            "villages.options.policy.rule = 'fixed': needs both fixed_power and fixed_backhaul; missing fixed_power, "
            "fixed_backhaul (fixed_power: grid_extension, offgrid_solar; fixed_backhaul: fibre, microwave, leo)",
        ),
        (
            '[villages.options.policy]\nrule = "fixed"\nfixed_power = "grid_extension"\nfixed_backhaul = "leo"\n'
            "[villages.options.backhaul]\nleo_licensed = false\n",
            "villages.options.policy.fixed_backhaul = 'leo': LEO is not licensed (backhaul.leo_licensed = false); "
            "license LEO or fix another backhaul",
        ),
    ],
)
def test_a_rule_between_fields_reads_whole_in_the_one_line(tmp_path, body: str, line: str) -> None:
    """The loader points a rule's message at its field and cuts the value from the text; a message with a colon
    further on lost its start ("rule = 'fixed': grid_extension, offgrid_solar; fixed_backhaul: ...)")."""
    from dxsim.errors import DxsimInputError
    from dxsim.scenario import load_scenario

    f = tmp_path / "d.toml"
    baseline = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    f.write_text(f'extends = "{baseline.as_posix()}"\nname = "d"\n{body}', encoding="utf-8")
    with pytest.raises(DxsimInputError) as exc:
        load_scenario(f)
    assert str(exc.value) == f"{f}: {line}"


def _leaves(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _leaves(ann, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", info


def test_every_parameter_has_unit_source_description_and_numeric_range() -> None:
    leaves = dict(_leaves(VillageOptions))
    assert len(leaves) > 60
    for path, info in leaves.items():
        extra = info.json_schema_extra or {}
        assert extra.get("x-unit") and extra.get("x-source") and info.description, path
        if info.annotation in (int, float):
            kinds = {type(m).__name__ for m in info.metadata}
            assert {"Ge", "Le"} <= kinds, f"{path}: numeric without ge/le ({kinds})"


def test_bad_village_table_raises() -> None:
    p = opts()
    with pytest.raises(ValueError, match="terrain_class"):
        evaluate_options(village_table(grid_distance_km=[1.0], terrain_class=["swamp"]), p)
    with pytest.raises(ValueError, match="region6"):
        evaluate_options(village_table(grid_distance_km=[1.0], region6=["north"]), p)
    with pytest.raises(ValueError, match="site_distance_km"):
        evaluate_options(village_table(grid_distance_km=[1.0]).drop("site_distance_km"), p)


def test_the_end_of_the_leo_licence_costs_a_move_to_the_next_backhaul_by_hand() -> None:
    """Every village chose LEO with a 10-year NPV although the pilot licence ends by 1/1/2031 (Decision 659). Valued
    from a start 1,826 days before the end (T = 1826 / 365.25 years), the LEO option adds the move to the cheapest
    feasible other backhaul at T: + (its capex + its opex x a(10 - T)) x 1.1^-T - LEO opex x (a(10) - a(T))."""
    import datetime as dt

    p = hand(backhaul={"leo_licensed_until": dt.date(2031, 1, 1)})
    v = village_table(grid_distance_km=[8.0], ghi_kwh_m2_day=[4.0])
    start = dt.date(2026, 1, 1)
    without = evaluate_options(v, p)  # no start: no end of licence
    with_end = evaluate_options(v, p, start)
    t = (dt.date(2031, 1, 1) - start).days / 365.25
    bh = backhaul(np.array([12.0]), "mountainous", np.array([300.0]), p)
    alt = min(
        float(bh[k]["capex_vnd_bn"][0] + bh[k]["opex_vnd_bn_per_year"][0] * annuity_factor(10, 10 - t))
        for k in ("fibre", "microwave")
        if bh[k]["feasible"][0]
    )
    leo_opex = float(bh["leo"]["opex_vnd_bn_per_year"][0])
    move = alt * 1.1**-t - leo_opex * (annuity_factor(10, 10) - annuity_factor(10, t))
    assert move > 0  # a LEO village pays for a second backhaul later
    for power in POWER_OPTIONS:

        def npv(ev: pl.DataFrame, k: str, power: str = power) -> float:
            return float(ev.filter((pl.col("power") == power) & (pl.col("backhaul") == k))["npv_vnd_bn"][0])

        assert npv(with_end, "leo") == pytest.approx(npv(without, "leo") + move, rel=1e-12)
        for k in ("fibre", "microwave"):  # the others do not change
            assert npv(with_end, k) == npv(without, k)
    # an end past the NPV horizon, or none, changes nothing; an end on or before the start rules LEO out
    for until in (dt.date(2037, 1, 1), None):
        later = evaluate_options(v, hand(backhaul={"leo_licensed_until": until}), start)
        assert later["npv_vnd_bn"].to_list() == without["npv_vnd_bn"].to_list()
    ended = evaluate_options(v, p, dt.date(2031, 1, 1)).filter(pl.col("backhaul") == "leo")
    assert not ended["feasible"].any() and set(ended["backhaul_infeasible_reason"]) == {
        "LEO backhaul not licensed"
    }


@pytest.mark.parametrize(
    ("policy", "refused"),
    [
        ('fixed_backhaul = "leo"', "fixed_backhaul"),  # rule: the default grid_first
        ('rule = "least_cost"\nfixed_power = "offgrid_solar"', "fixed_power"),
        ('rule = "fixed"\nfixed_power = "offgrid_solar"\nfixed_backhaul = "leo"', None),
        ('rule = "least_cost"', None),
    ],
)
def test_a_fixed_option_under_another_rule_is_refused(tmp_path, policy: str, refused: str | None) -> None:
    """fixed_backhaul = "leo" with the default rule (grid_first) was accepted and ignored: every village of a Lai
    Châu file took microwave. A fixed option the rule does not read is refused on loading, naming it."""
    from dxsim.errors import DxsimInputError
    from dxsim.scenario import load_scenario

    baseline = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    f = tmp_path / "p.toml"
    f.write_text(
        f'extends = "{baseline.as_posix()}"\nname = "p"\n[villages.options.policy]\n{policy}\n',
        encoding="utf-8",
    )
    if refused is None:
        sc = load_scenario(f)
        rule = sc.villages.options.policy.rule
        assert rule == "fixed" or sc.villages.options.policy.fixed_backhaul is None
        return
    with pytest.raises(DxsimInputError) as info:
        load_scenario(f)
    err = info.value
    written = dict(line.split(" = ") for line in policy.splitlines())
    assert err.field == f"villages.options.policy.{refused}" and err.value == written[refused].strip('"')
    assert "p.toml" in str(err) and "rule = 'fixed'" in str(err) and "\n" not in str(err)
