"""Capacity and the served/short split against hand computation and brute force (issue 12)."""

from __future__ import annotations

import math
import typing

import numpy as np
import pytest
from test_coverage import small_grid

from dxsim.radio.capacity import (
    ALPHA,
    SECTOR_GAIN_DBI,
    SE_MAX_LTE,
    SE_MAX_NR,
    SINR_MIN_DB,
    _point_rates_mbps,  # the per-point rates behind layer_capacity
    carriers_for,
    layer_capacity,
    spectral_efficiency,
)
from dxsim.radio.coverage import CoverageGrid, GridSpec
from dxsim.radio.link_budget import DEFAULT_BUDGETS
from dxsim.radio.pathloss import pathloss_db
from dxsim.radio.radii import supported_bands
from dxsim.scenario.sections.capacity import MBIT_PER_GB, SECONDS_PER_MONTH, Band5G, Capacity
from dxsim.sim.capacity import (
    CapacityWorld,
    CellService,
    SiteCapacity,
    Supply,
    footprint_shares,
    histogram_median,
    layer_median,
    site_capacity,
)
from dxsim.sim.service_kernel import BIN_CODE_MASK, BIN_CODE_SHIFT, N_BINS, R_BINS, _bin, bin_range_mbps

# ----------------------------------------------------------------------------- radio: per band


def test_spectral_efficiency_is_the_truncated_shannon_bound_by_hand() -> None:
    # TR 36.942 A.2: 0.6 log2(1 + SINR), 0 below -10 dB, at most 4.4 per layer
    assert spectral_efficiency(np.array(10.0), 1, SE_MAX_LTE) == pytest.approx(0.6 * math.log2(11.0))
    assert spectral_efficiency(np.array(SINR_MIN_DB - 0.01), 1, SE_MAX_LTE) == 0.0
    assert spectral_efficiency(np.array(40.0), 1, SE_MAX_LTE) == pytest.approx(4.4)
    # four layers split the power: 4 x 0.6 log2(1 + 100/4) at 20 dB
    assert spectral_efficiency(np.array(20.0), 4, SE_MAX_NR) == pytest.approx(4 * 0.6 * math.log2(26.0))
    assert SE_MAX_NR == pytest.approx(4.4 * 7.4063 / 5.5547)


@pytest.mark.parametrize(
    ("tech", "band", "env", "peak_sector_mbps"),
    [
        ("5g", 3500, "urban", 0.74 * 100 * 4 * SE_MAX_NR),  # n78 100 MHz TDD, 4 layers
        ("5g", 700, "rural", 1.0 * 10 * 2 * SE_MAX_NR),  # n28 2x10 MHz, 2 layers
        ("4g", 900, "rural", 10 * 2 * SE_MAX_LTE + 20 * 2 * SE_MAX_LTE),  # B8 10 MHz + B3 20 MHz, 2x2
        ("4g", 1800, "urban", 20 * 2 * SE_MAX_LTE + 15 * 2 * SE_MAX_LTE),  # B3 20 MHz + B1 15 MHz, 2x2
    ],
)
def test_site_capacity_at_full_signal_is_bandwidth_x_layers_x_cap(
    tech: str, band: int, env: str, peak_sector_mbps: float
) -> None:
    """A 20 m cell with idle neighbours: every point is at the SE cap, so capacity = the hand-computed peak."""
    cap = layer_capacity(tech, band, env, neighbour_load=0.0, radius=20.0)
    assert cap.sector_capacity_mbps == pytest.approx(peak_sector_mbps, rel=1e-9)
    assert cap.site_capacity_mbps == pytest.approx(3 * peak_sector_mbps, rel=1e-9)
    assert cap.rate_p5_mbps == pytest.approx(peak_sector_mbps, rel=1e-9)


def _hexagon_angle(j: int, n: int = 8) -> float:
    """The j-th of n sample angles of the sextant 0..60 deg, each holding 1/n of the triangle (0,0), (R,0),
    (R cos 60, R sin 60): the wedge up to theta - 30 deg = a holds (tan a + tan 30) / (2 tan 30) of its area."""
    t30 = math.tan(math.pi / 6)
    return math.pi / 6 + math.atan((2 * (j + 0.5) / n - 1) * t30)


def _hexagon_edge(j: int) -> float:
    """The triangle's far edge (the hexagon's, at sqrt(3)/2 R from the site) along sample angle j, in units of R."""
    return (math.sqrt(3) / 2) / math.cos(_hexagon_angle(j) - math.pi / 6)


def _n78_rate_by_hand(x: np.ndarray, y: np.ndarray, radius: float, load: float) -> np.ndarray:
    """n78 urban downlink rate (Mbps) at points (x, y) m from the site, straight from the link budget: wanted
    signal with the beam gain, six neighbours at sqrt(3) R with the sector-average gain and the given load."""
    b = DEFAULT_BUDGETS[("5g", 3500, "urban")]
    rx = b.tx_power_dbm - b.cable_loss_db + b.rx_antenna_gain_dbi - b.body_loss_db

    def pl(dist: np.ndarray) -> np.ndarray:
        return np.asarray(pathloss_db("uma", np.maximum(dist, 10.0), 3.5, b.h_bs_m, b.h_ut_m, mode="nlos"))

    s_mw = 10 ** ((rx + b.tx_antenna_gain_dbi - pl(np.hypot(x, y))) / 10)
    isd = math.sqrt(3) * radius
    i_mw = sum(
        load
        * 10 ** ((rx + SECTOR_GAIN_DBI - pl(np.hypot(x - isd * math.cos(a), y - isd * math.sin(a)))) / 10)
        for a in (k * math.pi / 3 + math.pi / 6 for k in range(6))
    )
    n_mw = 10 ** ((-174 + 10 * math.log10(100e6) + b.noise_figure_db) / 10)
    lin = s_mw / (n_mw + i_mw)
    se = 4 * np.minimum(ALPHA * np.log2(1 + lin / 4), SE_MAX_NR)
    return 0.74 * 100 * np.where(10 * np.log10(lin) >= SINR_MIN_DB, se, 0.0)


def test_site_capacity_is_over_the_site_s_own_hexagon_by_brute_force() -> None:
    """A site serves the points nearer it than any neighbour: its hexagon (corner radius R), not the disc of
    radius R, whose outer 17% lies nearer a neighbour. Brute force: 200,000 uniform random points of the disc, kept
    where no neighbour is nearer, rates from the link budget by hand: the harmonic mean (sector capacity), 5th
    percentile and median agree with layer_capacity's 320 stratified points; the disc's own figures are far lower."""
    radius = 761.0
    cap = layer_capacity("5g", 3500, "urban", neighbour_load=0.5)
    assert cap.radius_m == pytest.approx(radius, abs=1.0)
    rng = np.random.default_rng(7)
    r = radius * np.sqrt(rng.random(200_000))
    th = rng.random(200_000) * 2 * math.pi
    x, y = r * np.cos(th), r * np.sin(th)
    isd = math.sqrt(3) * cap.radius_m
    nearest_neighbour = np.min(
        [
            np.hypot(x - isd * math.cos(a), y - isd * math.sin(a))
            for a in np.arange(6) * math.pi / 3 + math.pi / 6
        ],
        axis=0,
    )
    own = np.hypot(x, y) <= nearest_neighbour
    assert own.mean() == pytest.approx(3 * math.sqrt(3) / 2 / math.pi, abs=0.005)  # hexagon / disc = 0.827
    rate = _n78_rate_by_hand(x, y, cap.radius_m, 0.5)
    hexagon, disc = rate[own], rate
    assert cap.sector_capacity_mbps == pytest.approx(1 / np.mean(1 / hexagon), rel=0.01)
    assert cap.rate_p5_mbps == pytest.approx(np.percentile(hexagon, 5), rel=0.03)
    assert cap.rate_median_mbps == pytest.approx(np.median(hexagon), rel=0.02)
    assert np.percentile(disc, 5) < 0.8 * cap.rate_p5_mbps  # the disc's edge is that of the neighbours' users


def test_point_rate_matches_a_hand_link_budget() -> None:
    """n78 urban, idle neighbours: SINR = EIRP - PL(d) + G_ue - body - noise, by hand at the cell edge point."""
    b = DEFAULT_BUDGETS[("5g", 3500, "urban")]
    radius = 761.0
    rate, sinr = _point_rates_mbps("5g", 3500, "urban", radius, 0.0)
    d_edge = radius * math.sqrt((39 + 0.5) / 40) * _hexagon_edge(7)  # the outermost ring, last angle
    pl = float(pathloss_db("uma", d_edge, 3.5, b.h_bs_m, b.h_ut_m, mode="nlos"))
    noise = -174 + 10 * math.log10(100e6) + b.noise_figure_db
    sinr_hand = (
        b.tx_power_dbm
        + b.tx_antenna_gain_dbi
        - b.cable_loss_db
        - pl
        + b.rx_antenna_gain_dbi
        - b.body_loss_db
        - noise
    )
    assert sinr[-1] == pytest.approx(sinr_hand, abs=1e-6)
    lin = 10 ** (sinr_hand / 10)
    assert rate[-1] == pytest.approx(
        0.74 * 100 * 4 * min(ALPHA * math.log2(1 + lin / 4), SE_MAX_NR), rel=1e-9
    )


def test_a_beamforming_neighbour_interferes_with_its_sector_gain_by_hand() -> None:
    """n78 urban, neighbours fully loaded: at the cell-edge sample point on the sextant's first ray, the six
    first-tier neighbours (hexagonal ring at sqrt(3) R) each add their received power with the sector-average gain
    17.5 dBi, not the 24.5 dBi beam that serves the user. Hand-computed SINR; and the passive-panel LTE layer
    counts its own gain for both."""
    b = DEFAULT_BUDGETS[("5g", 3500, "urban")]
    radius = 761.0
    rate, sinr = _point_rates_mbps("5g", 3500, "urban", radius, 1.0)
    i = (40 - 1) * 8  # the outermost ring (index 39), first angle (index 0): points are radius-major
    d = radius * math.sqrt((39 + 0.5) / 40) * _hexagon_edge(0)
    theta = _hexagon_angle(0)
    px, py = d * math.cos(theta), d * math.sin(theta)
    isd = math.sqrt(3) * radius
    rx_common = b.rx_antenna_gain_dbi - b.body_loss_db - b.cable_loss_db + b.tx_power_dbm

    def pl(dist: float) -> float:
        return float(pathloss_db("uma", dist, 3.5, b.h_bs_m, b.h_ut_m, mode="nlos"))

    s_mw = 10 ** ((rx_common + b.tx_antenna_gain_dbi - pl(d)) / 10)
    i_mw = sum(
        10
        ** (
            (rx_common + SECTOR_GAIN_DBI - pl(math.hypot(px - isd * math.cos(a), py - isd * math.sin(a))))
            / 10
        )
        for a in (k * math.pi / 3 + math.pi / 6 for k in range(6))
    )
    n_mw = 10 ** ((-174 + 10 * math.log10(100e6) + b.noise_figure_db) / 10)
    assert b.tx_antenna_gain_dbi - SECTOR_GAIN_DBI == pytest.approx(7.0)  # 64T64R 24.5 dBi beam vs sector
    assert sinr[i] == pytest.approx(10 * math.log10(s_mw / (n_mw + i_mw)), abs=1e-6)
    # a 4G layer has passive panels: its neighbours interfere with the full panel gain (0 dB difference)
    _r4, sinr4 = _point_rates_mbps("4g", 1800, "urban", radius, 1.0)
    b4 = DEFAULT_BUDGETS[("4g", 1800, "urban")]
    rx4 = (
        b4.tx_power_dbm + b4.tx_antenna_gain_dbi - b4.cable_loss_db + b4.rx_antenna_gain_dbi - b4.body_loss_db
    )

    def pl4(dist: float) -> float:
        return float(pathloss_db("uma", dist, 1.8, b4.h_bs_m, b4.h_ut_m, mode="nlos"))

    s4 = 10 ** ((rx4 - pl4(d)) / 10)
    i4 = sum(
        10 ** ((rx4 - pl4(math.hypot(px - isd * math.cos(a), py - isd * math.sin(a)))) / 10)
        for a in (k * math.pi / 3 + math.pi / 6 for k in range(6))
    )
    n4 = 10 ** ((-174 + 10 * math.log10(20e6) + b4.noise_figure_db) / 10)
    assert sinr4[i] == pytest.approx(10 * math.log10(s4 / (n4 + i4)), abs=1e-6)


def test_interference_lowers_capacity_and_700mhz_carries_far_less_than_n78() -> None:
    idle = layer_capacity("5g", 3500, "rural", neighbour_load=0.0)
    busy = layer_capacity("5g", 3500, "rural", neighbour_load=1.0)
    assert busy.site_capacity_mbps < idle.site_capacity_mbps
    low = layer_capacity("5g", 700, "rural", neighbour_load=0.5)
    n78 = layer_capacity("5g", 3500, "rural", neighbour_load=0.5)
    assert low.radius_m > n78.radius_m  # covers farther ...
    assert low.site_capacity_mbps < n78.site_capacity_mbps / 5  # ... carries far less (10 vs 74 MHz x layers)
    assert [c.band_mhz for c in carriers_for("4g", 900, "rural")] == [900, 1800]


# ----------------------------------------------------------------------------- the served/short split by hand


def _two_cells() -> tuple[CoverageGrid, CoverageGrid]:
    """Two fully covered 1 km cells of 1,000 and 3,000 people (one 4G and one 5G grid)."""
    spec = GridSpec(100.0, 20.0, 1 / 120, 1, 2)
    grids = []
    for _ in range(2):
        g = CoverageGrid(
            spec,
            np.array([0, 0]),
            np.array([0, 1]),
            np.array([500.0, 1500.0]),
            np.array([-500.0] * 2),
            np.full(2, 1000.0),
            np.full(2, 1000.0),
            np.array([1000.0, 3000.0]),
            np.array([0, 1]),
            2,
        )
        g.add_sites(np.array([0]), np.array([0]), np.array([1000.0]), np.array([-500.0]), np.array([5000.0]))
        grids.append(g)
    return grids[0], grids[1]


def _params(u_mbps: float) -> Capacity:
    """Every person a data user with a 5G device; monthly traffic chosen so the busy-hour demand is u_mbps."""
    gb = u_mbps / 1.5 * SECONDS_PER_MONTH / MBIT_PER_GB
    return Capacity(
        served_rate_mbps=10.0,
        data_users_pct_of_population=100.0,
        traffic_gb_per_user_month=gb,
        traffic_base_year=2026,
        traffic_growth_pct_per_year=0.0,
        busy_hour_to_average_ratio=1.5,
        device_5g_share_pct=100.0,
        device_base_year=2026,
        device_5g_share_growth_pp_per_year=0.0,
        device_5g_share_max_pct=100.0,
    )


def _one_site_supply(cap_mbps: float, p5: float, med: float, pop: np.ndarray) -> Supply:
    """One site covering both cells fully: capacity shared by the people, as footprint_shares does."""
    s = Supply.empty(2)
    s.rows[:, 0] = cap_mbps * pop / pop.sum()
    s.rows[:, 1] = s.rows[:, 0] * p5
    s.rows[:, 2] = s.rows[:, 0] * med
    return s


def _toy_service(
    p: Capacity, four_g: tuple[float, float, float], five_g: tuple[float, float, float]
) -> tuple[CellService, np.ndarray]:
    """The two toy cells served by one 4G and one 5G site, each (capacity Mbps, edge p5, median) over both cells, and
    updated to 2026: (service, people per cell)."""
    cov4, cov5 = _two_cells()
    pop = cov5.pop
    cw = CapacityWorld(
        p,
        np.zeros(0, np.float32),
        SiteCapacity(np.zeros(0), np.zeros(0), np.zeros(0)),
        _one_site_supply(*four_g, pop),
        np.array([1.0, 0.0, 0.0]),
        supply5_start=_one_site_supply(*five_g, pop),
    )
    sv = CellService(cw, pop, cov5.group, 2, cov5.k, cov5, None, cov4, start_year=2026)
    sv.update(2026)
    return sv, pop


def test_a_scenario_s_5g_carrier_sets_its_sites_capacity() -> None:
    """More spectrum as a lever (radio audit: bandwidth and layers were fixed in the code). The defaults change
    nothing; twice the bandwidth gives nearly twice the rates (the noise doubles too, so a little less); twice the
    layers give less than twice (each layer gets half the power: L log2(1 + SINR / L)); only 5G is touched."""
    base = layer_capacity("5g", 700, "rural", 0.5)
    assert layer_capacity("5g", 700, "rural", 0.5, nr=(10.0, 2)) == base
    wide = layer_capacity("5g", 700, "rural", 0.5, nr=(20.0, 2))
    assert wide.radius_m == base.radius_m  # coverage is the band's, not the carrier's
    assert 1.9 < wide.site_capacity_mbps / base.site_capacity_mbps <= 2.0
    assert 1.8 < wide.rate_p5_mbps / base.rate_p5_mbps <= 2.0
    n78 = layer_capacity("5g", 3500, "urban", 0.5)
    more_layers = layer_capacity("5g", 3500, "urban", 0.5, nr=(100.0, 8))
    assert 1.0 < more_layers.site_capacity_mbps / n78.site_capacity_mbps < 2.0
    # by hand at the median SINR: 8 log2(1 + s/8) / (4 log2(1 + s/4)) with the per-layer caps
    s = 10 ** (n78.sinr_median_db / 10)
    by_hand = min(8 * ALPHA * math.log2(1 + s / 8), 8 * SE_MAX_NR) / min(
        4 * ALPHA * math.log2(1 + s / 4), 4 * SE_MAX_NR
    )
    assert more_layers.rate_median_mbps / n78.rate_median_mbps == pytest.approx(by_hand, rel=0.02)
    # the scenario's table reaches the sites of that band only
    p = Capacity(nr_bandwidth_mhz={700: 20.0})
    assert p.nr_carrier(700) == (20.0, 2) and p.nr_carrier(3500) == (100.0, 4)
    sc = site_capacity("5g", np.array([700, 3500]), np.array([2, 0]), 0.5, nr_carrier=p.nr_carrier)
    np.testing.assert_allclose(sc.capacity_mbps, [wide.site_capacity_mbps, n78.site_capacity_mbps])
    lte = site_capacity("4g", np.array([1800]), np.array([0]), 0.5, nr_carrier=p.nr_carrier)
    assert lte.capacity_mbps[0] == layer_capacity("4g", 1800, "urban", 0.5).site_capacity_mbps
    assert Capacity(nr_bandwidth_mhz={"700": 20.0}) == p  # keys as TOML writes them
    # the bands a scenario may key are those with a 5G link budget
    assert typing.get_args(Band5G) == tuple(str(b) for b in supported_bands("5g"))
    with pytest.raises(ValueError, match="700"):
        Capacity(nr_bandwidth_mhz={900: 20.0})


def test_served_and_short_split_on_a_toy_area_by_hand() -> None:
    p = _params(0.03)
    assert p.busy_hour_mbps_per_person(2026, 2026) == pytest.approx(0.03)
    sv, pop = _toy_service(p, (40.0, 20.0, 30.0), (100.0, 50.0, 80.0))
    c = sv.cell
    # 5G: supply 25 / 75 Mbps, edge 50 -> most load 1 - 10/50 = 0.8 -> carries 20 / 60 of demand 30 / 90
    np.testing.assert_allclose(c["served5"], [1000 * 20 / 30, 3000 * 60 / 90])
    np.testing.assert_allclose(c["short5"], [1000 / 3, 1000.0])
    # 4G: demand 30 - 20 = 10 and 90 - 60 = 30 on supply 10 / 30, edge 20 -> most load 0.5 -> half carried
    np.testing.assert_allclose(c["mbb_served"], [1000 * 2 / 3 + 1000 / 3 * 0.5, 2000 + 1000 * 0.5])
    nat = sv.national()
    assert nat["pop_5g_served_pct"] == pytest.approx(100 * (2000 / 3 + 2000) / 4000)
    assert nat["pop_5g_served_pct"] + nat["pop_5g_capacity_short_pct"] + nat[
        "pop_5g_uncovered_pct"
    ] == pytest.approx(100.0)
    # throughput: 5G users see the carried load 0.8 -> 80 x 0.2 = 16 Mbps; 4G is full (load 1) -> 0
    assert nat["user_throughput_mbps_mean"] == pytest.approx(16.0 * (2000 / 3 + 2000) / 4000)
    # half the users at 16 Mbps (5G), a third at 0 (4G): the median lies in the 16 Mbps bin
    assert nat["user_throughput_mbps_p50"] == pytest.approx(16.0, abs=0.25)
    by = sv.by_group(np.bincount(sv.group, weights=pop), sv.cov5.covered_pop_group)
    for layer in ("5g", "mbb"):
        total = (
            by[f"pop_{layer}_served_pct"]
            + by[f"pop_{layer}_capacity_short_pct"]
            + by[f"pop_{layer}_uncovered_pct"]
        )
        np.testing.assert_allclose(total, 100.0)


def test_5g_served_is_a_place_and_4g_or_better_served_counts_whose_traffic_is_carried() -> None:
    """Half the people have a 5G device and 5G carries all of them; the other half's traffic is on a 4G that carries a
    fifth of it. 5G served (a place measure, like coverage) counts everyone in served 5G coverage; 4G-or-better served
    counts the 5G-device users on 5G plus a fifth of the rest (it counted everyone before: 96.8% 'served' at a median
    busy-hour throughput of ~0 Mbps with 3.5x the baseline demand)."""
    from dxsim.results.metrics import METRICS

    p = _params(0.03).model_copy(update={"device_5g_share_pct": 50.0})
    # 5G: ample (edge 50 Mbps, 1 Gbps); 4G: edge 20 -> most load 0.5; supply 6 / 18 Mbps carries 3 / 9 of demand 15 / 45
    sv, pop = _toy_service(p, (24.0, 20.0, 30.0), (1000.0, 50.0, 80.0))
    c = sv.cell
    np.testing.assert_allclose(c["served5"], pop)  # the place: its 5G carries every 5G-device user there
    on5 = 0.5 * pop  # the people on 5G
    d4 = 0.03 * pop - 0.03 * on5  # everyone's demand less what 5G carries: 15 / 45 Mbps
    share4 = np.minimum(d4, 0.5 * 24.0 * pop / pop.sum()) / d4
    np.testing.assert_allclose(share4, 0.2)
    np.testing.assert_allclose(c["mbb_served"], on5 + (pop - on5) * share4)  # 600 / 1,800 people
    nat = sv.national()
    assert nat["pop_5g_served_pct"] == pytest.approx(100.0)
    assert nat["pop_mbb_served_pct"] == pytest.approx(60.0) and nat[
        "pop_mbb_capacity_short_pct"
    ] == pytest.approx(40.0)
    assert "with or without a 5G device" in METRICS["pop_5g_served_pct"]
    assert "a person measure" in METRICS["pop_mbb_served_pct"]


def test_a_served_rate_above_the_edge_rate_serves_no_one() -> None:
    p = _params(0.001).model_copy(update={"served_rate_mbps": 60.0})  # edge 50 Mbps < 60
    sv, _ = _toy_service(p, (400.0, 100.0, 200.0), (1e6, 50.0, 80.0))
    nat = sv.national()
    assert nat["pop_5g_served_pct"] == 0.0 and nat["pop_5g_capacity_short_pct"] == pytest.approx(100.0)
    assert nat["pop_mbb_served_pct"] == pytest.approx(100.0)  # 4G's edge (100 Mbps) still serves them


def test_capacity_short_people_are_split_by_what_holds_them_by_hand() -> None:
    """A 60 Mbps served rate above the 5G edge (50 Mbps): every 5G-short person is held by the edge rate, which no
    load relieves; the 4G layer (edge 100) serves them all. At 10 Mbps with the first toy's loads (5G edge 50,
    4G edge 20): the short people are held by the load, none by the edge."""
    p = _params(0.001).model_copy(update={"served_rate_mbps": 60.0})
    sv, _ = _toy_service(p, (400.0, 100.0, 200.0), (1e6, 50.0, 80.0))
    split = sv.edge_limited_short()
    assert split["pop_5g_capacity_short_edge_pct"] == pytest.approx(100.0)  # = the short share, all of it
    assert split["pop_mbb_capacity_short_edge_pct"] == 0.0
    sv, _ = _toy_service(_params(0.03), (40.0, 20.0, 30.0), (100.0, 50.0, 80.0))
    nat, split = sv.national(), sv.edge_limited_short()
    assert nat["pop_5g_capacity_short_pct"] == pytest.approx(
        100 * (1000 / 3 + 1000) / 4000
    )  # the first toy's
    assert split == {"pop_5g_capacity_short_edge_pct": 0.0, "pop_mbb_capacity_short_edge_pct": 0.0}
    # a 4G edge (20 Mbps) at the 25 Mbps served rate: the 4G-or-better short people are held by the edge
    sv, _ = _toy_service(
        _params(0.03).model_copy(update={"served_rate_mbps": 25.0}), (40.0, 20.0, 30.0), (100.0, 50.0, 80.0)
    )
    nat, split = sv.national(), sv.edge_limited_short()
    assert split["pop_mbb_capacity_short_edge_pct"] == pytest.approx(nat["pop_mbb_capacity_short_pct"])
    assert split["pop_5g_capacity_short_edge_pct"] == 0.0 and nat["pop_5g_capacity_short_pct"] > 0


def test_the_why_line_says_what_holds_the_capacity_short_people() -> None:
    """By hand from two replications' last month: 5G short 25.0 and 26.0% with 24.5 and 25.0% edge-held (lower
    medians 25.0 and 24.5: 98%); 4G-or-better short 14.0 and 15.0% with none edge-held; a layer under 0.5% is silent."""
    import datetime as dt

    import polars as pl

    from dxsim.results.bottlenecks import service_lines

    end = dt.date(2030, 12, 31)
    rows = [
        (m, r, v)
        for m, vals in (
            ("pop_5g_capacity_short_pct", (25.0, 26.0)),
            ("pop_5g_capacity_short_edge_pct", (24.5, 25.0)),
            ("pop_mbb_capacity_short_pct", (14.0, 15.0)),
            ("pop_mbb_capacity_short_edge_pct", (0.0, 0.0)),
        )
        for r, v in enumerate(vals)
    ]
    metrics = pl.DataFrame(
        {
            "date": [end] * len(rows),
            "replication": [r for _, r, _ in rows],
            "area": ["VN"] * len(rows),
            "metric": [m for m, _, _ in rows],
            "value": [v for _, _, v in rows],
        }
    )
    lines = service_lines(metrics)
    assert lines[0].startswith(
        "5G served: 25.0% of people capacity-short at the end (P50 over replications), 98% of"
    )
    assert "edge rate is not above the served rate" in lines[0] and lines[0].endswith(
        "held by the busy-hour load"
    )
    assert lines[1].startswith("4G-or-better served: 14.0% of people capacity-short at the end")
    assert "100% of them where the busy-hour load exceeds" in lines[1] and "the rest" not in lines[1]
    # 4G-or-better's load-held are on 4G, which the model keeps as at the start: no "(sites, spectrum)" lever it lacks
    assert "holds as at the start" in lines[1] and "spectrum" not in lines[1]
    quiet = metrics.with_columns(pl.col("value") / 100)
    assert service_lines(quiet) == []


def test_histogram_median_interpolates_inside_the_bin() -> None:
    # 10 Mbps = 0.625 x 2**4: octave 2**3 (the 15th from 2**-11), step (1.25 - 1) x 512 = 128 in it, so its bin is
    # [8 x (1 + 128/512), + 8/512) = [10.0, 10.015625)
    b = _bin(10.0)
    assert b == 1 + 14 * 512 + 128
    assert bin_range_mbps(b) == (10.0, 0.015625)
    hist = np.zeros(N_BINS)
    hist[b] = 1.0
    assert histogram_median(hist) == pytest.approx(10.0078125)
    assert histogram_median(np.zeros(10)) == 0.0
    # the edges: 0 (and a negative rate) in bin 0, 2 Gbps and faster in the last bin, bins adjoin
    assert _bin(0.0) == _bin(-3.0) == _bin(2.0**-11 * 0.999) == 0 and _bin(2.0**-11) == 1
    assert _bin(2048.0) == _bin(1e9) == N_BINS - 1 and _bin(2047.999) == N_BINS - 2
    for k in (1, 511, 512, 513, 5000, N_BINS - 3):
        lower, width = bin_range_mbps(k)
        assert bin_range_mbps(k + 1)[0] == pytest.approx(lower + width, rel=1e-15)
        assert _bin(lower) == k and _bin(lower + 0.999 * width) == k


def test_histogram_median_of_an_overloaded_network_is_near_zero() -> None:
    """80% of users on fully loaded cells (rate 0), 20% at 50 Mbps: the median is 0 to within a bin of the lowest
    rate, not ~0.125 Mbps as with 0.25 Mbps bins (a median above a mean of 0.023 Mbps in an overloaded run)."""
    hist = np.zeros(N_BINS)
    hist[_bin(0.0)] += 0.8
    hist[_bin(50.0)] += 0.2
    assert 0.0 <= histogram_median(hist) < 2.0**-11


def test_histogram_median_equals_the_exact_weighted_median() -> None:
    """Brute force: users at random rates from 0.01 Mbps to 1.5 Gbps with random weights; the histogram's median is
    within one bin (0.2% of the rate) of the exact weighted median of the values."""
    rng = np.random.default_rng(12)
    for _ in range(20):
        rates = np.exp(rng.uniform(np.log(0.01), np.log(1500.0), size=rng.integers(5, 4000)))
        weights = rng.uniform(0.1, 10.0, size=rates.size)
        hist = np.zeros(N_BINS)
        np.add.at(hist, [_bin(float(r)) for r in rates], weights)
        order = np.argsort(rates)
        cum = np.cumsum(weights[order])
        exact = rates[order][np.searchsorted(cum, 0.5 * cum[-1])]
        assert histogram_median(hist) == pytest.approx(exact, rel=2.0 / 512)


# ----------------------------------------------------------------------------- incremental equals brute force


def test_incremental_updates_equal_a_fresh_full_evaluation() -> None:
    """Sites switched on month by month, with a year change between: the running state (cells, areas, histogram)
    equals a service evaluated from scratch on the final grids."""
    cov5, rng = small_grid(seed=3)
    cov4, _ = small_grid(seed=3)
    n_sites = 40
    sx = rng.uniform(0, 15 * 900, n_sites)
    sy = -rng.uniform(0, 12 * 920, n_sites)
    row, col = np.floor(-sy / 920).astype(int), np.floor(sx / 900).astype(int)
    radius = rng.uniform(400, 2500, n_sites)
    fp = cov5.footprints(row, col, sx, sy, radius)
    cov4.add_sites(row, col, sx, sy, 3000.0 * np.ones(n_sites))
    fp4 = cov4.footprints(row, col, sx, sy, 3000.0 * np.ones(n_sites))
    k = cov5.k
    cap5 = SiteCapacity(
        rng.uniform(50, 500, n_sites), rng.uniform(15, 60, n_sites), rng.uniform(60, 200, n_sites)
    )
    cap4 = SiteCapacity(
        rng.uniform(20, 100, n_sites), rng.uniform(8, 30, n_sites), rng.uniform(20, 60, n_sites)
    )
    supply4 = Supply.empty(cov5.pop.size)
    supply4.add(fp4, footprint_shares(fp4, cov5.pop, k), cap4, np.arange(n_sites))
    p = Capacity(traffic_gb_per_user_month=60.0)
    cw = CapacityWorld(p, footprint_shares(fp, cov5.pop, k), cap5, supply4, np.array([1.0, 0.0, 0.0]))
    sv = CellService(cw, cov5.pop, cov5.group, 2, k, cov5, None, cov4, start_year=2026)
    sv.update(2026)
    for year, batch in ((2026, np.arange(0, 15)), (2026, np.arange(15, 25)), (2027, np.arange(25, 40))):
        changed = cov5.add_footprints(fp, batch)
        sv.add_5g(fp, batch)
        assert sv._touched[changed].all()  # every cell whose coverage changed is re-evaluated
        sv.update(year)
    fresh = CellService(cw, cov5.pop, cov5.group, 2, k, cov5, None, cov4, start_year=2026)
    fresh.s5 = sv.s5
    fresh.update(2027)
    np.testing.assert_allclose(sv.state, fresh.state, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(sv.group_sum, fresh.group_sum, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(sv.hist_busy, fresh.hist_busy, rtol=1e-9, atol=1e-6)
    assert sv.national() == pytest.approx(fresh.national(), rel=1e-9, abs=1e-9)
    # one histogram per layer: row 0 the data users on 5G by their cell's 5G bin, row 1 those on 4G by the 4G bin,
    # each equal to a plain bincount of the cells' own users and bins (decoded from the records)
    code = sv._rec[:, R_BINS].astype(np.int64)
    w5, w4 = sv.state[:, 4], sv.state[:, 5]
    np.testing.assert_allclose(sv.hist_busy[0], np.bincount(code >> BIN_CODE_SHIFT, w5, N_BINS), atol=1e-6)
    np.testing.assert_allclose(sv.hist_busy[1], np.bincount(code & BIN_CODE_MASK, w4, N_BINS), atol=1e-6)
    assert w5.sum() > 0 and w4.sum() > 0  # both layers carry users here
    nat = sv.national()
    assert nat["user_throughput_mbps_p50_5g"] == histogram_median(sv.hist_busy[0])
    assert nat["user_throughput_mbps_p50_4g"] == histogram_median(sv.hist_busy[1])
    assert nat["user_throughput_mbps_p50"] == histogram_median(sv.hist_busy[0] + sv.hist_busy[1])
    assert math.isnan(layer_median(np.zeros(N_BINS)))  # no users on a layer: no median, not 0 Mbps
    # and the supply itself equals a brute-force sum over sites of capacity x people share
    share = footprint_shares(fp, cov5.pop, k)
    brute = np.zeros(cov5.pop.size)
    for s in range(n_sites):
        for j in range(fp.indptr[s], fp.indptr[s + 1]):
            brute[fp.cells[j]] += share[j] * cap5.capacity_mbps[s]
    np.testing.assert_allclose(sv.s5.mbps, brute, rtol=1e-9)
    # each site hands out exactly its capacity (shares of a site sum to 1 where it covers people)
    np.testing.assert_allclose(np.add.reduceat(share, fp.indptr[:-1][np.diff(fp.indptr) > 0]), 1.0, rtol=1e-5)


def test_bring_forward_moves_unordered_sites_to_the_head_of_the_queue() -> None:
    """An operator's queue: the sites standing in short cells go first, in the given order; ordered ones stay put."""
    from types import SimpleNamespace

    from dxsim.sim.rollout import Rollout

    ordered = np.zeros(10, dtype=bool)
    ordered[[0, 1, 7]] = True
    held_back = np.zeros(10, dtype=bool)
    held_back[3] = True  # a planner's date holds it back (sites.planned_dates = "hold"): it joins on its day
    r = SimpleNamespace(
        state=SimpleNamespace(ordered=ordered), _op_next=[2], op_sites=[np.arange(10)], held_back=held_back
    )
    moved = Rollout.bring_forward(r, 0, np.array([8, 7, 5, 3]))  # 7 is already ordered
    assert moved.tolist() == [8, 5]
    np.testing.assert_array_equal(r.op_sites[0], [0, 1, 8, 5, 2, 3, 4, 6, 7, 9])
    assert Rollout.remaining(r, 0, 3).tolist() == [8, 5, 2]


def _plan_sites_service(cap5: SiteCapacity, cols: list[int]) -> tuple[CellService, CapacityWorld]:
    """The first toy (4G 40 / edge 20, 5G 100 / edge 50 over both cells) with 5G plan sites of capacities `cap5` in
    row 0 at raster columns `cols`, updated to 2026 (0.03 Mbps a person)."""
    cov4, cov5 = _two_cells()
    cw = CapacityWorld(
        _params(0.03),
        np.zeros(0, np.float32),
        cap5,
        _one_site_supply(40.0, 20.0, 30.0, cov5.pop),
        np.array([1.0, 0.0, 0.0]),
        supply5_start=_one_site_supply(100.0, 50.0, 80.0, cov5.pop),
        plan_cell=cov5.cell_index(np.zeros(len(cols), dtype=np.int64), np.array(cols)),
    )
    sv = CellService(cw, cov5.pop, cov5.group, 2, cov5.k, cov5, None, cov4, start_year=2026)
    sv.update(2026)
    return sv, cw


def test_short_people_at_reads_the_site_cell_and_skips_sites_that_cannot_serve() -> None:
    cap5 = SiteCapacity(
        np.array([100.0, 100.0, 100.0]), np.array([50.0, 5.0, 50.0]), np.array([80.0, 80.0, 80.0])
    )
    sv, cw = _plan_sites_service(cap5, [1, 1, 5])
    assert cw.plan_cell is not None and cw.plan_cell.tolist() == [1, 1, -1]  # column 5 is outside the raster
    c = sv.cell
    short_cell1 = c["short5"][1] + c["mbb_cov"][1] - c["mbb_served"][1]
    assert short_cell1 == pytest.approx(1000.0 + 500.0)  # from the hand split above
    np.testing.assert_allclose(sv.short_people_at(np.array([0, 1, 2])), [short_cell1, 0.0, 0.0])


def test_a_site_relieves_at_most_the_people_it_can_serve_at_the_served_rate_by_hand() -> None:
    """A site barely above the served rate (the 700 MHz edge of 10.016 Mbps against 10) carries almost nothing at that
    rate: it relieves (1 - 10/10.016) x 69.5 Mbps / 0.03 Mbps a person = 3.7 people, not the cell's 1,500 short
    (radio audit: ~10,000 such sites were brought forward "for capacity"). A site of 0.5 Mbps at edge 50 relieves
    0.8 x 0.5 / 0.03 = 13.3; an ample one the whole 1,500."""
    cap5 = SiteCapacity(np.array([69.5, 0.5, 1000.0]), np.array([10.016, 50.0, 50.0]), np.full(3, 80.0))
    sv, _ = _plan_sites_service(cap5, [1, 1, 1])
    by_hand = [(1 - 10 / 10.016) * 69.5 / 0.03, 0.8 * 0.5 / 0.03, 1500.0]
    assert by_hand[0] == pytest.approx(3.70, abs=0.01)
    np.testing.assert_allclose(sv.short_people_at(np.array([0, 1, 2])), by_hand)
    # most relieved first; a site relieving less than one person is not brought forward at all
    assert sv.short_sites_first(np.array([0, 1, 2])).tolist() == [2, 1, 0]
    cap5.rate_p5_mbps[0] = 10.0001
    assert sv.short_sites_first(np.array([0, 1, 2])).tolist() == [2, 1]
    # ... and that site is the one passed by as too thin: its cell has 1,500 short people, it relieves
    # (1 - 10/10.0001) x 69.5 / 0.03 = 0.02 of one; the others relieve 13.3 and 1,500
    assert (1 - 10 / 10.0001) * 69.5 / 0.03 < 1.0
    assert sv.too_thin(np.array([0, 1, 2])).tolist() == [0]
    # a site standing in no populated cell, or in a cell with no one short, is never "too thin"
    sv2, cw2 = _plan_sites_service(cap5, [1, 1, 5])
    assert cw2.plan_cell is not None and cw2.plan_cell.tolist() == [1, 1, -1]
    assert sv2.too_thin(np.array([2])).tolist() == []


def test_the_replanning_line_gives_the_p50_of_each_replication_s_sums() -> None:
    """thin_sites_line: per replication the sites brought forward and passed by, summed over the month ends; the
    line gives their P50s (3 replications: the middle one), and nothing when no site was passed by."""
    import datetime as dt

    import polars as pl

    from dxsim.results.bottlenecks import thin_sites_line

    rows = []
    for rep, (moved, thin) in enumerate([((10, 20), (0, 5)), ((30, 0), (7, 0)), ((1, 1), (2, 2))]):
        for month, (m, t) in enumerate(zip(moved, thin, strict=True)):
            d = dt.date(2026, 1 + month, 28)
            rows += [
                (d, rep, "VN", "sites_brought_forward_for_capacity", float(m)),
                (d, rep, "VN", "sites_too_thin_for_capacity", float(t)),
            ]
    metrics = pl.DataFrame(rows, schema=["date", "replication", "area", "metric", "value"], orient="row")
    line = thin_sites_line(metrics)
    # sums: moved 30, 30, 2 -> P50 30; passed by 5, 7, 4 -> P50 5
    assert line.startswith(
        "5G capacity replanning: 30 plan sites brought forward into capacity-short cells, 5 more"
    )
    none = metrics.with_columns(
        pl.when(pl.col("metric") == "sites_too_thin_for_capacity")
        .then(0.0)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    assert thin_sites_line(none) == ""


def test_a_cell_whose_edge_rate_carries_less_than_one_person_is_edge_held_by_hand() -> None:
    """5G edge 10.016 Mbps at a 10 Mbps served rate: a cell can carry (1 - 10/10.016) x its 5G supply at that rate.
    Cell 0 (10 Mbps of the 40) carries 0.016 Mbps, less than one person's 0.03: held by the edge, which no load
    relieves. Cell 1 (30 Mbps) carries 0.048: held by the load, as the edge-rate test alone said of both."""
    sv, pop = _toy_service(_params(0.03), (4000.0, 100.0, 200.0), (40.0, 10.016, 80.0))
    assert (1 - 10 / 10.016) * 10.0 < 0.03 <= (1 - 10 / 10.016) * 30.0
    c, split = sv.cell, sv.edge_limited_short()
    assert c["short5"][0] > 999 and c["short5"][1] > 2990  # almost nobody served at that rate
    assert split["pop_5g_capacity_short_edge_pct"] == pytest.approx(100 * c["short5"][0] / pop.sum())
    assert split["pop_mbb_capacity_short_edge_pct"] == 0.0  # 4G's edge (100) carries everyone


@pytest.mark.parametrize(
    ("body", "parts"),
    [
        ("served_rate_mbps = 0", ["capacity.served_rate_mbps = 0", "between 0.1 and 1000"]),
        ("device_5g_share_pct = 95", ["capacity.device_5g_share_pct = 95", "device_5g_share_max_pct = 90"]),
        ("served_rate = 5", ["capacity.served_rate", "did you mean 'served_rate_mbps'"]),
    ],
)
def test_bad_capacity_input_is_one_line_naming_file_field_and_value(
    tmp_path, body: str, parts: list[str]
) -> None:
    from conftest import BASELINE, dxsim_cmd, one_line_error

    f = tmp_path / "bad.toml"
    f.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "bad"\n[capacity]\n{body}\n', encoding="utf-8")
    r = dxsim_cmd("validate", str(f))
    assert r.returncode == 2
    one_line_error(r.stderr, r.stdout, str(f), *parts)


def test_the_growth_lever_leaves_the_start_year_s_demand_as_it_is() -> None:
    """A faster `traffic_growth_pct_per_year` raised 2025's demand too, since one rate compounded from the base year
    2024 (operator capacity trial: 0.076 against 0.090 Mbps a person at the start, a Δ in the first month). The years
    up to the start grow at the history's rate; the lever from the year after. By hand: 17 GB x 1.2 in 2025, then
    x 1.4 a year."""
    slow = Capacity()
    fast = Capacity(traffic_growth_pct_per_year=40.0)
    assert (slow.traffic_base_year, slow.traffic_gb_per_user_month) == (2024, 17.0)
    assert fast.traffic_gb_month(2025, 2025) == slow.traffic_gb_month(2025, 2025) == pytest.approx(17.0 * 1.2)
    assert fast.traffic_gb_month(2028, 2025) == pytest.approx(17.0 * 1.2 * 1.4**3)
    assert slow.traffic_gb_month(2028, 2025) == pytest.approx(
        17.0 * 1.2**4
    )  # the defaults: one rate, as before
    assert fast.busy_hour_mbps_per_person(2025, 2025) == slow.busy_hour_mbps_per_person(2025, 2025)
    # the busy-hour demand by hand: 65% users x 20.4 GB x 8,000 Mbit / (30.4375 days of seconds) x 1.72
    assert slow.busy_hour_mbps_per_person(2025, 2025) == pytest.approx(
        0.65 * 20.4 * 8000 / (30.4375 * 86400) * 1.72
    )
    # a run that starts later sees the history up to its own start; the history's rate is a field of its own
    assert fast.traffic_gb_month(2027, 2027) == pytest.approx(17.0 * 1.2**3)
    assert Capacity(traffic_growth_before_start_pct_per_year=0.0).traffic_gb_month(
        2026, 2025
    ) == pytest.approx(17.0 * 1.2)


@pytest.mark.parametrize(
    ("band", "ok", "too_wide"), [(700, 45.0, 45.5), (2600, 194.0, 200.0), (3500, 400.0, None)]
)
def test_a_5g_carrier_is_no_wider_than_its_band(band: int, ok: float, too_wide: float | None) -> None:
    """`capacity.nr_bandwidth_mhz.700 = 400` passed the field's 1.4-400 MHz (operator trial): n28's downlink is 45 MHz
    (758-803), n41's 194 (2496-2690), n77's 900, so the field's own 400 caps that one."""
    assert Capacity(nr_bandwidth_mhz={band: ok}).nr_carrier(band)[0] == ok
    if too_wide is not None:
        with pytest.raises(ValueError, match=rf"wider than the band's downlink, {ok:g} MHz"):
            Capacity(nr_bandwidth_mhz={band: too_wide})


def test_each_density_class_has_its_own_three_states_by_hand() -> None:
    """Towns are a question of their own (operator capacity trial: the national shares averaged them away). The toy's
    cell 0 (1,000 people) urban and cell 1 (3,000) rural: each class's shares are its own cell's states by hand, add
    up to 100, and weigh back to the national shares; a class without people has none."""
    p = _params(0.03)
    cov4, cov5 = _two_cells()
    pop = cov5.pop
    cw = CapacityWorld(
        p,
        np.zeros(0, np.float32),
        SiteCapacity(np.zeros(0), np.zeros(0), np.zeros(0)),
        _one_site_supply(40.0, 20.0, 30.0, pop),
        np.array([1.0, 0.0, 0.0]),
        supply5_start=_one_site_supply(100.0, 50.0, 80.0, pop),
    )
    sv = CellService(cw, pop, cov5.group, 2, cov5.k, cov5, None, cov4, env=np.array([0, 2]), start_year=2026)
    sv.update(2026)
    nat, c = sv.national(), sv.cell
    assert "pop_5g_served_pct_suburban" not in nat  # no town cell here
    for e, i in (("urban", 0), ("rural", 1)):
        assert nat[f"pop_5g_served_pct_{e}"] == pytest.approx(100 * c["served5"][i] / pop[i])
        assert nat[f"pop_5g_capacity_short_pct_{e}"] == pytest.approx(100 * c["short5"][i] / pop[i])
        assert nat[f"pop_mbb_served_pct_{e}"] == pytest.approx(100 * c["mbb_served"][i] / pop[i])
        for layer in ("5g", "mbb"):
            states = [nat[f"pop_{layer}_{s}_pct_{e}"] for s in ("served", "capacity_short", "uncovered")]
            assert sum(states) == pytest.approx(100.0)
    # by hand (the toy's split test): urban 2/3 served, rural 2/3 served on 5G
    assert nat["pop_5g_served_pct_urban"] == pytest.approx(100 * 2 / 3)
    for key in ("pop_5g_served_pct", "pop_mbb_served_pct", "pop_mbb_capacity_short_pct"):
        weighted = (nat[f"{key}_urban"] * pop[0] + nat[f"{key}_rural"] * pop[1]) / pop.sum()
        assert weighted == pytest.approx(nat[key])


def test_the_metrics_name_the_simulation_s_density_classes() -> None:
    from dxsim.results.metrics import DENSITY_CLASSES
    from dxsim.sim.capacity import ENVS

    assert DENSITY_CLASSES == ENVS


def test_the_why_line_gives_the_slowest_band_s_edge_rate_beside_the_served_rate() -> None:
    """A 700 MHz edge rate of 10.016 Mbps against a 10 Mbps served rate read as a verdict on capacity; the line named
    the rule, not the numbers (operator capacity trial). With the three end-only metrics the edge-held 5G line gives
    both (P50s: lower medians of 10.0 / 12.0 and 10.016 / 10.5); without them it stays as it was."""
    import datetime as dt

    import polars as pl

    from dxsim.results.bottlenecks import service_lines

    end = dt.date(2030, 12, 31)
    values = {
        "pop_5g_capacity_short_pct": (25.0, 26.0),
        "pop_5g_capacity_short_edge_pct": (24.5, 25.0),
        "served_rate_mbps": (10.0, 12.0),
        "edge_rate_5g_slowest_band_mhz": (700.0, 700.0),
        "edge_rate_5g_slowest_band_mbps": (10.016, 10.5),
    }
    metrics = pl.DataFrame(
        [(end, r, "VN", m, v) for m, vals in values.items() for r, v in enumerate(vals)],
        schema=["date", "replication", "area", "metric", "value"],
        orient="row",
    )
    line = service_lines(metrics)[0]
    assert (
        "; the 700 MHz sites' edge rate, unloaded, is 10.02 Mbps against a served rate of 10.00 Mbps" in line
    )
    without = metrics.filter(~pl.col("metric").str.contains("rate"))
    assert "MHz sites' edge rate" not in service_lines(without)[0]


def test_the_slowest_band_is_the_band_with_the_lowest_median_edge_rate_on_air() -> None:
    """By hand: sites 0-2 on 3,500 MHz (edges 270, 280, 290), 3-4 on 700 MHz (10 and 12), site 5 on 700 MHz off
    air (edge 1): the slowest band on air is 700 MHz at the median of 10 and 12; with only n78 on air, n78 at 280."""
    p = _params(0.03)
    cov4, cov5 = _two_cells()
    cap5 = SiteCapacity(
        np.full(6, 100.0), np.array([270.0, 280.0, 290.0, 10.0, 12.0, 1.0]), np.full(6, 300.0)
    )
    cw = CapacityWorld(
        p,
        np.zeros(0, np.float32),
        cap5,
        _one_site_supply(40.0, 20.0, 30.0, cov5.pop),
        np.array([1.0, 0.0, 0.0]),
        plan_band_mhz=np.array([3500, 3500, 3500, 700, 700, 700]),
    )
    sv = CellService(cw, cov5.pop, cov5.group, 2, cov5.k, cov5, None, cov4, start_year=2026)
    on = np.array([True, True, True, True, True, False])
    assert sv.slowest_band_edge(on) == {
        "served_rate_mbps": 10.0,
        "edge_rate_5g_slowest_band_mhz": 700.0,
        "edge_rate_5g_slowest_band_mbps": 11.0,
    }
    n78 = sv.slowest_band_edge(np.array([True, True, True, False, False, False]))
    assert n78["edge_rate_5g_slowest_band_mhz"] == 3500.0 and n78["edge_rate_5g_slowest_band_mbps"] == 280.0
