"""Tests for dxsim.radio: TR 38.901 path loss, LOS probability, link budget and radius.

Expected values are hand-computed from the Table 7.4.1-1 / 7.4.2-1 formulas; the
arithmetic is written out next to each assertion (log10 values to 5-6 digits).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxsim.radio import (
    DEFAULT_BUDGETS,
    PARAM_RANGES,
    LinkBudget,
    area_coverage_probability,
    breakpoint_distance_m,
    budget_pathloss_db,
    cell_radius_detail,
    cell_radius_m,
    limiting_direction,
    los_probability,
    max_path_loss_db,
    max_path_loss_dl_db,
    max_path_loss_ul_db,
    noise_floor_dbm,
    o2i_low_loss_db,
    pathloss_db,
    pathloss_rma_db,
    pathloss_uma_db,
    pathloss_umi_db,
    radius_table,
    shadow_fading_std_db,
    shadow_margin_for_area_coverage_db,
)

TOL_DB = 0.01

# --------------------------------------------------------------------------- UMa


def test_uma_los_before_breakpoint() -> None:
    # d'BP = 4 (25-1)(1.5-1) 3.5e9 / 3e8 = 4*24*0.5*11.6667 = 560 m; d2D = sqrt(100^2-23.5^2) = 97.2 m < 560
    # PL1 = 28.0 + 22 log10(100) + 20 log10(3.5) = 28 + 44 + 20*0.544068 = 28 + 44 + 10.88136 = 82.88 dB
    assert breakpoint_distance_m("uma", 3.5, 25.0, 1.5) == pytest.approx(560.0)
    assert pathloss_uma_db(100.0, 3.5, los=True) == pytest.approx(82.88, abs=TOL_DB)


def test_uma_los_after_breakpoint() -> None:
    # d3D = 1000 m > d'BP = 560 m:
    # PL2 = 28 + 40 log10(1000) + 20 log10(3.5) - 9 log10(560^2 + 23.5^2)
    #     = 28 + 120 + 10.88136 - 9 log10(313600 + 552.25 = 314152.25)
    #     = 158.88136 - 9 * 5.497141 = 158.88136 - 49.47427 = 109.41 dB
    assert pathloss_uma_db(1000.0, 3.5, los=True) == pytest.approx(109.41, abs=TOL_DB)


def test_uma_nlos_uses_nlos_term_when_larger() -> None:
    # PL'NLOS = 13.54 + 39.08 log10(100) + 20 log10(3.5) - 0.6(1.5-1.5)
    #         = 13.54 + 78.16 + 10.88136 = 102.58 dB  >  PL_LOS = 82.88 dB  -> max = 102.58
    assert pathloss_uma_db(100.0, 3.5) == pytest.approx(102.58, abs=TOL_DB)


def test_uma_nlos_falls_back_to_los_when_larger() -> None:
    # hUT = 22.5 m, d3D = 20 m (d2D = sqrt(400 - 2.5^2) = 19.84 m >= 10, d'BP = 4*24*21.5*11.67 = 24080 m)
    # PL_LOS  = 28 + 22 log10(20) + 10.88136 = 28 + 22*1.30103 + 10.88136 = 28 + 28.62266 + 10.88136 = 67.50
    # PL'NLOS = 13.54 + 39.08*1.30103 + 10.88136 - 0.6*(22.5-1.5) = 13.54 + 50.84425 + 10.88136 - 12.6 = 62.67
    # NLOS = max(67.50, 62.67) = 67.50 = the LOS value
    nlos = pathloss_uma_db(20.0, 3.5, h_ut_m=22.5)
    los = pathloss_uma_db(20.0, 3.5, h_ut_m=22.5, los=True)
    assert los == pytest.approx(67.50, abs=TOL_DB)
    assert nlos == pytest.approx(67.50, abs=TOL_DB)


# --------------------------------------------------------------------------- UMi


def test_umi_los_and_nlos() -> None:
    # d'BP = 4 (10-1)(1.5-1) 3.5e9/3e8 = 18 * 11.6667 = 210 m; d2D(100 m slant) = 99.8 m < 210 -> PL1
    # PL1 = 32.4 + 21 log10(100) + 20 log10(3.5) = 32.4 + 42 + 10.88136 = 85.28 dB
    # PL'NLOS = 22.4 + 35.3 log10(100) + 21.3 log10(3.5) = 22.4 + 70.6 + 21.3*0.544068 = 22.4 + 70.6 + 11.58865
    #         = 104.59 dB > 85.28 -> NLOS = 104.59
    assert breakpoint_distance_m("umi", 3.5, 10.0, 1.5) == pytest.approx(210.0)
    assert pathloss_umi_db(100.0, 3.5, los=True) == pytest.approx(85.28, abs=TOL_DB)
    assert pathloss_umi_db(100.0, 3.5) == pytest.approx(104.59, abs=TOL_DB)


def test_umi_los_after_breakpoint() -> None:
    # d3D = 500 m > 210 m: PL2 = 32.4 + 40 log10(500) + 10.88136 - 9.5 log10(210^2 + 8.5^2)
    #   = 32.4 + 40*2.698970 + 10.88136 - 9.5 log10(44100 + 72.25 = 44172.25)
    #   = 32.4 + 107.95880 + 10.88136 - 9.5*4.645150 = 151.24016 - 44.12893 = 107.11 dB
    assert pathloss_umi_db(500.0, 3.5, los=True) == pytest.approx(107.11, abs=TOL_DB)


# --------------------------------------------------------------------------- RMa


def test_rma_los_before_breakpoint() -> None:
    # fc 0.7 GHz, hBS 35, hUT 1.5, h 5, W 20. dBP = 2 pi 35 1.5 0.7e9/3e8 = 769.69 m; d3D = 500 m -> PL1
    # 5^1.72 = 15.9294 -> min(0.03*15.9294, 10) = 0.477882 ; min(0.044*15.9294, 14.77) = 0.700894
    # PL1 = 20 log10(40 pi 500 0.7 / 3) + 0.477882 log10(500) - 0.700894 + 0.002 log10(5) 500
    #     = 20 log10(14660.77) + 0.477882*2.698970 - 0.700894 + 0.002*0.698970*500
    #     = 83.32269 + 1.28979 - 0.70089 + 0.69897 = 84.61 dB
    assert breakpoint_distance_m("rma", 0.7, 35.0, 1.5) == pytest.approx(769.69, abs=0.01)
    assert pathloss_rma_db(500.0, 0.7, los=True) == pytest.approx(84.61, abs=TOL_DB)


def test_rma_los_after_breakpoint() -> None:
    # d3D = 2000 m > dBP = 769.69 m: PL2 = PL1(dBP) + 40 log10(2000 / 769.69)
    # PL1(769.69) = 20 log10(40 pi 769.69 0.7/3) + 0.477882 log10(769.69) - 0.700894 + 0.001397940*769.69
    #             = 20 log10(22569.6) + 0.477882*2.886316 - 0.700894 + 1.075981
    #             = 87.07066 + 1.37932 - 0.70089 + 1.07598 = 88.82507
    # PL2 = 88.82507 + 40 log10(2.598448) = 88.82507 + 40*0.414715 = 88.82507 + 16.58861 = 105.41 dB
    assert pathloss_rma_db(2000.0, 0.7, los=True) == pytest.approx(105.41, abs=TOL_DB)


def test_rma_nlos() -> None:
    # PL' = 161.04 - 7.1 log10(20) + 7.5 log10(5) - (24.37 - 3.7 (5/35)^2) log10(35)
    #       + (43.42 - 3.1 log10(35)) (log10(2000) - 3) + 20 log10(0.7) - (3.2 (log10(11.75*1.5))^2 - 4.97)
    #     = 161.04 - 7.1*1.301030 + 7.5*0.698970 - (24.37 - 0.075510)*1.544068
    #       + (43.42 - 3.1*1.544068)*0.301030 + 20*(-0.154902) - (3.2*1.246130^2 - 4.97)
    #     = 161.04 - 9.23731 + 5.24228 - 37.51236 + 11.62979 - 3.09804 - (-0.00093)
    #     = 128.07 dB  (> PL_LOS 105.41 -> NLOS = 128.07)
    assert pathloss_rma_db(2000.0, 0.7) == pytest.approx(128.07, abs=TOL_DB)


# --------------------------------------------------------------------------- LOS probability


def test_los_probability_values() -> None:
    # UMa, d <= 18 m -> 1 ; d = 100: 18/100 + exp(-100/63)(1 - 0.18) = 0.18 + 0.204488*0.82 = 0.34768
    # UMa d = 1000: 0.018 + exp(-15.873)*0.982 = 0.018000
    p = los_probability("uma", [5.0, 18.0, 100.0, 1000.0])
    np.testing.assert_allclose(p, [1.0, 1.0, 0.34768, 0.018000], atol=1e-5)
    # UMi d = 100: 0.18 + exp(-100/36)*0.82 = 0.18 + 0.062177*0.82 = 0.230985
    assert los_probability("umi", 100.0) == pytest.approx(0.230985, abs=1e-5)
    # RMa: 1 for d <= 10 m; d = 1010: exp(-(1010-10)/1000) = exp(-1) = 0.367879
    assert los_probability("rma", 10.0) == 1.0
    assert los_probability("rma", 1010.0) == pytest.approx(0.367879, abs=1e-6)


def test_los_probability_uma_high_ut() -> None:
    # hUT = 23 m: C' = ((23-13)/10)^1.5 = 1; d = 100: base 0.34768 * (1 + 1.25 * 1^3 * exp(-100/150))
    #   = 0.34768 * (1 + 1.25*0.513417) = 0.34768 * 1.641771 = 0.57081
    # (23 m is above the path-loss hUT limit 22.5 m, so use 22.5: C' = 0.95^1.5 = 0.925945)
    #   0.34768 * (1 + 1.25*0.925945*0.513417) = 0.34768 * 1.594236 = 0.55428
    assert los_probability("uma", 100.0, h_ut_m=22.5) == pytest.approx(0.55428, abs=1e-4)


# --------------------------------------------------------------------------- structure


def test_breakpoint_continuity() -> None:
    # UMa/UMi: -9 log10(d'BP^2 + dh^2) = -18 log10(d3D at the breakpoint) -> PL1 == PL2 exactly.
    for sc, hbs in (("uma", 25.0), ("umi", 10.0)):
        dbp = breakpoint_distance_m(sc, 3.5, hbs, 1.5)
        below = pathloss_db(sc, dbp, 3.5, hbs, 1.5, mode="los")
        above = pathloss_db(sc, dbp * (1 + 1e-12), 3.5, hbs, 1.5, mode="los")
        assert abs(above - below) < 1e-6
    # RMa: PL2 uses PL1(dBP) with d3D := dBP literally, so there is a tiny step at d2D = dBP.
    dbp = breakpoint_distance_m("rma", 0.7, 35.0, 1.5)
    below = pathloss_db("rma", dbp, 0.7, 35.0, 1.5, mode="los")
    above = pathloss_db("rma", dbp * (1 + 1e-12), 0.7, 35.0, 1.5, mode="los")
    assert 0.0 <= above - below < 0.01


def test_distance_clamped_to_10m() -> None:
    assert pathloss_db("uma", 0.0, 3.5) == pathloss_db("uma", 10.0, 3.5)
    assert pathloss_db("rma", 3.0, 0.7) == pathloss_db("rma", 10.0, 0.7)
    # slant distance below hBS-hUT (physically impossible) also maps to d2D = 10 m
    assert pathloss_uma_db(5.0, 3.5) == pathloss_db("uma", 10.0, 3.5)


def test_vectorised_matches_scalar() -> None:
    d = np.array([15.0, 150.0, 1500.0, 15000.0])
    vec = pathloss_db("uma", d, 2.1, mode="expected")
    assert isinstance(vec, np.ndarray) and vec.shape == (4,)
    for di, vi in zip(d, vec):
        assert pathloss_db("uma", float(di), 2.1, mode="expected") == pytest.approx(vi)


def test_expected_mode_between_los_and_nlos() -> None:
    d = np.geomspace(10, 5000, 50)
    for sc in ("uma", "umi", "rma"):
        los = pathloss_db(sc, d, 2.0, mode="los")
        nlos = pathloss_db(sc, d, 2.0, mode="nlos")
        exp = pathloss_db(sc, d, 2.0, mode="expected")
        assert np.all(exp >= los - 1e-9) and np.all(exp <= nlos + 1e-9)
    # p = 1 for d <= 18 m (UMa) -> expected == LOS
    assert pathloss_db("uma", 15.0, 3.5, mode="expected") == pytest.approx(
        pathloss_db("uma", 15.0, 3.5, mode="los")
    )
    # UMa 100 m (d3D 102.7 m): p = 0.34768; PL = -10 log10(p 10^(-PL_LOS/10) + (1-p) 10^(-PL_NLOS/10))
    los100 = pathloss_db("uma", 100.0, 3.5, mode="los")
    nlos100 = pathloss_db("uma", 100.0, 3.5, mode="nlos")
    want = -10 * math.log10(0.34768 * 10 ** (-los100 / 10) + 0.65232 * 10 ** (-nlos100 / 10))
    assert pathloss_db("uma", 100.0, 3.5, mode="expected") == pytest.approx(want, abs=1e-3)


def test_shadow_fading_std() -> None:
    assert shadow_fading_std_db("uma", los=True) == 4.0
    assert shadow_fading_std_db("uma", los=False) == 6.0
    assert shadow_fading_std_db("umi", los=True) == 4.0
    assert shadow_fading_std_db("umi", los=False) == 7.82
    assert shadow_fading_std_db("rma", los=True) == 4.0
    assert shadow_fading_std_db("rma", los=True, after_breakpoint=True) == 6.0
    assert shadow_fading_std_db("rma", los=False) == 8.0


def test_o2i_low_loss() -> None:
    # 3.5 GHz: L_glass = 2 + 0.7 = 2.7, L_concrete = 5 + 14 = 19
    # 5 - 10 log10(0.3*10^-0.27 + 0.7*10^-1.9) = 5 - 10 log10(0.161110 + 0.008812) = 5 + 7.6977 = 12.70 dB
    assert o2i_low_loss_db(3.5) == pytest.approx(12.70, abs=TOL_DB)


@settings(max_examples=200, deadline=None)
@given(
    sc=st.sampled_from(["uma", "umi", "rma"]),
    mode=st.sampled_from(["nlos", "los", "expected"]),
    fc=st.floats(0.5, 30.0),
    d=st.lists(st.floats(0.0, 30_000.0), min_size=2, max_size=40),
)
def test_pathloss_monotone_in_distance(sc: str, mode: str, fc: float, d: list[float]) -> None:
    # RMa LOS has a <= 1e-4 dB dip at dBP from the literal PL1(dBP) reading; allow 1e-3 dB.
    ds = np.sort(np.asarray(d))
    pl = np.asarray(pathloss_db(sc, ds, fc, mode=mode))
    assert np.all(np.diff(pl) >= -1e-3)


@settings(max_examples=100, deadline=None)
@given(
    sc=st.sampled_from(["uma", "umi", "rma"]),
    mode=st.sampled_from(["nlos", "los", "expected"]),
    f=st.tuples(st.floats(0.5, 30.0), st.floats(0.5, 30.0)),
    d=st.floats(10.0, 20_000.0),
)
def test_pathloss_increases_with_frequency(sc: str, mode: str, f: tuple[float, float], d: float) -> None:
    lo, hi = sorted(f)
    assert pathloss_db(sc, d, hi, mode=mode) >= pathloss_db(sc, d, lo, mode=mode) - 1e-9


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize(
    "call",
    [
        lambda: pathloss_uma_db(100.0, 0.4),  # fc below 0.5 GHz
        lambda: pathloss_uma_db(100.0, 120.0),  # fc above 100 GHz
        lambda: pathloss_rma_db(100.0, 35.0),  # RMa only to 30 GHz
        lambda: pathloss_uma_db(100.0, 3.5, h_ut_m=30.0),  # hUT > 22.5 m
        lambda: pathloss_uma_db(100.0, 3.5, h_ut_m=1.0),  # hUT < 1.5 m (UMa)
        lambda: pathloss_uma_db(100.0, 3.5, h_bs_m=80.0),  # hBS outside accepted band
        lambda: pathloss_rma_db(100.0, 0.7, h_ut_m=12.0),  # RMa hUT <= 10 m
        lambda: pathloss_rma_db(100.0, 0.7, h_bs_m=200.0),  # RMa hBS <= 150 m
        lambda: pathloss_rma_db(100.0, 0.7, h_building_m=60.0),
        lambda: pathloss_rma_db(100.0, 0.7, street_width_m=2.0),
        lambda: pathloss_db("uma", -5.0, 3.5),  # negative distance
        lambda: pathloss_db("uma", float("nan"), 3.5),
        lambda: pathloss_db("sma", 100.0, 3.5),  # unknown scenario
        lambda: pathloss_db("uma", 100.0, 3.5, mode="median"),  # unknown mode
        lambda: los_probability("uma", 100.0, h_ut_m=40.0),
    ],
)
def test_out_of_range_raises(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()


def test_link_budget_out_of_range_raises() -> None:
    base = DEFAULT_BUDGETS[("5g", 3500, "urban")]
    with pytest.raises(ValueError):
        replace(base, tx_power_dbm=70.0)
    with pytest.raises(ValueError):
        replace(base, los_mode="median")
    with pytest.raises(ValueError):
        replace(base, scenario="sma")
    with pytest.raises(ValueError):
        replace(base, ul_bandwidth_mhz=200.0)  # wider than the 100 MHz carrier
    with pytest.raises(ValueError):
        replace(base, scenario="umi", h_bs_m=40.0)  # UMi mast out of range
    with pytest.raises(ValueError):
        replace(base, scenario="rma", h_ut_m=15.0)  # RMa hUT <= 10 m


# --------------------------------------------------------------------------- link budget


def _hand_budget(**kw: object) -> LinkBudget:
    args: dict[str, object] = {
        "tx_power_dbm": 53.0,
        "bandwidth_mhz": 100.0,
        "tx_antenna_gain_dbi": 24.5,
        "rx_antenna_gain_dbi": 0.0,
        "cable_loss_db": 0.0,
        "noise_figure_db": 7.0,
        "required_sinr_db": 0.0,
        "interference_margin_db": 4.0,
        "penetration_loss_db": 10.0,
        "body_loss_db": 3.0,
        "shadow_margin_db": 5.0,
        "h_bs_m": 25.0,
        "h_ut_m": 1.5,
        "fc_mhz": 3500.0,
        "scenario": "uma",
        "los_mode": "nlos",
        "ue_tx_power_dbm": 23.0,
        "ul_bandwidth_mhz": 10.0,
        "bs_noise_figure_db": 3.0,
        "ul_required_sinr_db": 0.0,
        "ul_interference_margin_db": 2.0,
    }
    args.update(kw)
    return LinkBudget(**args)  # type: ignore[arg-type]


def test_link_budget_arithmetic() -> None:
    # noise floor 100 MHz, NF 7: -174 + 10 log10(1e8) + 7 = -174 + 80 + 7 = -87 dBm
    assert noise_floor_dbm(100.0, 7.0) == pytest.approx(-87.0)
    b = _hand_budget()
    # DL: EIRP 53 + 24.5 - 0 = 77.5 ; sensitivity -87 + 0 = -87
    #     MAPL = 77.5 + 87 + 0 - 10 (pen) - 3 (body) - 5 (shadow) - 4 (IM) = 142.5 dB
    assert max_path_loss_dl_db(b) == pytest.approx(142.5)
    # UL: noise 10 MHz NF 3: -174 + 70 + 3 = -101 ; sensitivity -101
    #     MAPL = 23 + 0 + 101 + 24.5 - 0 - 10 - 3 - 5 - 2 = 128.5 dB
    assert max_path_loss_ul_db(b) == pytest.approx(128.5)
    assert max_path_loss_db(b) == pytest.approx(128.5)
    assert limiting_direction(b) == "ul"
    assert max_path_loss_db(replace(b, direction="dl")) == pytest.approx(142.5)
    # radius for the hand case: UMa NLOS 13.54 + 39.08 log10(d3D) + 10.88136 = 128.5
    #   -> log10(d3D) = (128.5 - 24.42136)/39.08 = 104.07864/39.08 = 2.663220 -> d3D = 10^2.663220 = 460.49 m
    #   -> d2D = sqrt(460.49^2 - 23.5^2) = sqrt(212051 - 552.25) = 459.89 m
    assert cell_radius_m(b) == pytest.approx(459.89, abs=0.05)


@pytest.mark.parametrize("key", sorted(DEFAULT_BUDGETS))
def test_pathloss_at_radius_equals_mapl(key: tuple[str, int, str]) -> None:
    b = DEFAULT_BUDGETS[key]
    res = cell_radius_detail(b)
    assert res.clipped is None
    assert budget_pathloss_db(b, res.radius_m) == pytest.approx(max_path_loss_db(b), abs=0.05)


@pytest.mark.parametrize("mode", ["los", "expected"])
def test_pathloss_at_radius_other_modes(mode: str) -> None:
    for key in [("5g", 3500, "urban"), ("4g", 700, "rural"), ("5g", 3500, "small_cell")]:
        b = replace(DEFAULT_BUDGETS[key], los_mode=mode)
        res = cell_radius_detail(b)
        if res.clipped is None:
            assert budget_pathloss_db(b, res.radius_m) == pytest.approx(res.mapl_db, abs=0.05)


def test_radius_clipping_reported() -> None:
    b = _hand_budget(direction="dl")
    tiny = replace(b, tx_power_dbm=20.0, penetration_loss_db=45.0, shadow_margin_db=20.0)
    assert cell_radius_detail(tiny).clipped == "min" and cell_radius_m(tiny) == 10.0
    huge = replace(
        b,
        los_mode="los",
        penetration_loss_db=0.0,
        shadow_margin_db=0.0,
        interference_margin_db=0.0,
        required_sinr_db=-15.0,
    )
    assert cell_radius_detail(huge).clipped == "max" and cell_radius_m(huge) == 30_000.0


@settings(max_examples=60, deadline=None)
@given(p=st.tuples(st.floats(30.0, 56.0), st.floats(30.0, 56.0)))
def test_radius_increases_with_tx_power(p: tuple[float, float]) -> None:
    lo, hi = sorted(p)
    b = _hand_budget(direction="dl", penetration_loss_db=25.0)
    r_lo = cell_radius_detail(replace(b, tx_power_dbm=lo))
    r_hi = cell_radius_detail(replace(b, tx_power_dbm=hi))
    assert r_hi.radius_m >= r_lo.radius_m
    if hi - lo > 0.1 and r_lo.clipped is None and r_hi.clipped is None:
        assert r_hi.radius_m > r_lo.radius_m
    # with both directions, more BS power can never shrink the cell
    both = _hand_budget()
    assert cell_radius_m(replace(both, tx_power_dbm=hi)) >= cell_radius_m(replace(both, tx_power_dbm=lo))


@settings(max_examples=60, deadline=None)
@given(
    f=st.tuples(st.floats(500.0, 7125.0), st.floats(500.0, 7125.0)),
    sc=st.sampled_from(["uma", "rma"]),
)
def test_radius_decreases_with_frequency(f: tuple[float, float], sc: str) -> None:
    lo, hi = sorted(f)
    b = _hand_budget(scenario=sc, h_bs_m=35.0)
    assert cell_radius_m(replace(b, fc_mhz=hi)) <= cell_radius_m(replace(b, fc_mhz=lo)) + 1e-6


def test_shadow_margin_jakes() -> None:
    # sigma/n = 2 (sigma 8, n 4), zero edge margin -> ~77 % of the area covered (Jakes' classic curve)
    assert area_coverage_probability(0.0, 8.0, 4.0) == pytest.approx(0.773, abs=0.002)
    m = shadow_margin_for_area_coverage_db(0.95, 6.0, 3.908)
    assert area_coverage_probability(m, 6.0, 3.908) == pytest.approx(0.95, abs=1e-6)
    assert 0.0 < m < 6.0 * 1.645  # area target needs less than the same edge target
    with pytest.raises(ValueError):
        shadow_margin_for_area_coverage_db(1.5, 6.0, 3.9)


def test_param_ranges_cover_defaults() -> None:
    for b in DEFAULT_BUDGETS.values():
        assert b.source
        for name, (lo, hi) in PARAM_RANGES.items():
            assert lo <= getattr(b, name) <= hi


def test_radius_table_shape_and_sanity() -> None:
    rows = radius_table()
    assert len(rows) == len(DEFAULT_BUDGETS)
    by = {(r["technology"], r["band_mhz"], r["environment"]): r for r in rows}
    for r in rows:
        assert {"technology", "band_mhz", "environment", "scenario", "mapl_db", "radius_m"} <= set(r)
        assert 10.0 <= r["radius_m"] <= 30_000.0
        assert r["radius_outdoor_m"] >= r["radius_m"]
    # sanity bands from the brief (outdoor radius; not forced, so wide)
    assert 200.0 <= by[("5g", 3500, "urban")]["radius_outdoor_m"] <= 1500.0
    assert 500.0 <= by[("4g", 1800, "urban")]["radius_outdoor_m"] <= 1500.0
    # lower band -> larger cell within a technology/environment
    assert by[("4g", 700, "urban")]["radius_m"] > by[("4g", 2600, "urban")]["radius_m"]
    assert by[("5g", 700, "rural")]["radius_m"] > by[("5g", 3500, "rural")]["radius_m"]
    # overrides: global field and per-key
    out = radius_table({"penetration_loss_db": 0.0, ("5g", 3500, "urban"): {"ue_tx_power_dbm": 26.0}})
    by2 = {(r["technology"], r["band_mhz"], r["environment"]): r for r in out}
    assert by2[("4g", 1800, "urban")]["radius_m"] == pytest.approx(
        by[("4g", 1800, "urban")]["radius_outdoor_m"]
    )
    # 26 dBm UE (+3 dB) and no penetration loss (+pen dB) on the uplink MAPL
    pen = DEFAULT_BUDGETS[("5g", 3500, "urban")].penetration_loss_db
    want = by[("5g", 3500, "urban")]["mapl_ul_db"] + 3.0 + pen
    assert by2[("5g", 3500, "urban")]["mapl_ul_db"] == pytest.approx(want, abs=0.02)
    with pytest.raises(ValueError):
        radius_table({"no_such_field": 1.0})
