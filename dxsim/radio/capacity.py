"""Site capacity (Mbps) from the link budgets: SINR across the cell -> spectral efficiency -> rate.

Why: coverage says a signal reaches a person; a planner buys service. The capacity of a site is
what its sectors can carry at the busy hour, shared by the people it covers. It is derived from
the same TR 38.901 link budgets that give the coverage radius (``dxsim.radio.link_budget``), so a
band that covers far (700 MHz) but carries little shows both.

Per carrier, at a point at ground distance d from its site (neighbours sit on a hexagonal ring at the
inter-site distance sqrt(3) R, R the layer's coverage radius, the 38.901/M.2412 hexagonal layout; a site
serves its own hexagon, corner radius R, the points nearer it than any neighbour)::

    S(d)     = EIRP - PL(d) + G_UE - body loss                       (dBm, median 38.901 path loss)
    I(d)     = load x sum over the 6 first-tier neighbours of the received power at their distance, with a
               beamforming neighbour's antenna gain taken at its sector average (SECTOR_GAIN_DBI), not its beam's
    SINR(d)  = S / (N + I),   N = -174 + 10 log10(B) + NF_UE
    SE(SINR) = L x min(alpha log2(1 + SINR / L), SE_max)  if SINR >= -10 dB, else 0        (bit/s/Hz)
    rate(d)  = sum over the layer's carriers of dl_share x B x SE(SINR)                     (Mbps)

Why the sector average: a 64T64R array points each user's beam at that user (its 24.5 dBi serves S), but its beams
sweep the sector, so towards a user of the next site its gain averages to the sector pattern's (energy is conserved
over the pattern: ~17.5 dBi, the 65-degree passive panel of the same table). Counting the full beam gain on the
interferers too made n78 with 64T64R barely better than 2x2 LTE per Hz (1.9 against 1.6 bit/s/Hz per sector).
MU-MIMO (several users on one beam set) is not counted, so the n78 capacity stays on the low side.

SE is the attenuated, truncated Shannon bound of 3GPP TR 36.942 Annex A.2 (alpha = 0.6,
SINR_min = -10 dB, SE_max = 4.4 bit/s/Hz for LTE); L spatial layers share the power equally
(Shannon for parallel channels). The NR cap scales 4.4 by 256QAM/64QAM peak efficiency of TS 38.214
CQI tables (7.4063 / 5.5547). Carriers of one layer aggregate (LTE/NR carrier aggregation).

A sector serves its area's traffic as a processor-sharing queue (flow-level model, Bonald and
Proutière): with traffic spread evenly over the area, the sector's capacity is the *harmonic* mean
of the point rates, and a user at a point gets rate(d) x (1 - load). ``p5`` (the 5th percentile
of the point rates over the area, ITU-R M.2410's "5th percentile user" = cell edge) and ``median``
are the rates the served test and the throughput metrics use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final

import numpy as np

from dxsim.radio.link_budget import (
    DEFAULT_BUDGETS,
    RADIUS_MIN_M,
    budget_pathloss_db,
    eirp_dbm,
    noise_floor_dbm,
)
from dxsim.radio.radii import radius_m

__all__ = [
    "ALPHA",
    "CARRIERS",
    "DL_BAND_WIDTH_MHZ",
    "SE_MAX_LTE",
    "SE_MAX_NR",
    "SINR_MIN_DB",
    "Carrier",
    "LayerCapacity",
    "layer_capacity",
    "spectral_efficiency",
    "capacity_table",
]

ALPHA: Final[float] = 0.6  # TR 36.942 A.2 DL attenuation (implementation and overhead losses)
SINR_MIN_DB: Final[float] = -10.0  # TR 36.942 A.2 DL lowest usable SINR
SE_MAX_LTE: Final[float] = 4.4  # TR 36.942 A.2 DL maximum (64QAM) per layer, bit/s/Hz
SE_MAX_NR: Final[float] = SE_MAX_LTE * 7.4063 / 5.5547  # 256QAM: TS 38.214 Table 5.2.2.1-3 vs -2 peaks
SECTORS: Final[int] = 3  # three-sector macro sites (operator practice)
# The downlink width of each 5G band's 3GPP operating band (TS 38.101-1 Table 5.2-1): no carrier, nor carriers of one
# band aggregated, can be wider. n28 758-803 MHz; n41 2496-2690 MHz; n77 3300-4200 MHz (the 2024 auction's C2 and C3
# blocks, 3700-3900 MHz, lie in n77; the link budget is at 3.5 GHz).
DL_BAND_WIDTH_MHZ: Final[dict[int, float]] = {700: 45.0, 2600: 194.0, 3500: 900.0}
# The gain a beamforming neighbour presents to a user it does not serve: the sector pattern's, averaged over its beam
# directions (see the module docstring); = the 65-degree passive panel of radio_hardware.csv (B3 row, 17.5 dBi).
SECTOR_GAIN_DBI: Final[float] = 17.5


@dataclass(frozen=True)
class Carrier:
    """One deployed downlink carrier of a site's 4G or 5G layer."""

    technology: str  # "4g" | "5g"
    band_mhz: int  # the link budget it uses (DEFAULT_BUDGETS)
    bandwidth_mhz: float  # DL carrier bandwidth
    layers: int  # spatial layers (MIMO rank) a typical UE receives
    dl_share: float  # share of time/frequency for downlink (TDD frame; 1 for FDD)
    source: str
    beamformed: bool = False  # an active array steering a beam per user: interferers count at SECTOR_GAIN_DBI


_TDD = "TDD DDDSU frame (3 DL + 10/14 of the special slot in 5 slots: 0.74 DL), the n78 pattern in operation"
_LTE_MIMO = "2T2R, rank 2 (TS 36.306 category 4+ UEs)"

# Carriers per (technology, coverage band, environment): what a site of that layer carries. The
# coverage band sets the cell radius; other bands of the same layer add capacity where they reach.
_NR = {
    3500: Carrier(
        "5g",
        3500,
        100.0,
        4,
        0.74,
        "n77/n78 100 MHz (one 2024 auction block, C2 3700-3800 or C3 3800-3900 MHz, seed 003:38; path loss at the "
        "nominal 3.5 GHz), 64T64R AAU, 4 "
        "layers to a 4Rx UE (TS 38.306; no MU-MIMO gain counted), " + _TDD,
        beamformed=True,
    ),
    2600: Carrier(
        "5g",
        2600,
        100.0,
        4,
        0.74,
        "n41 100 MHz (the 2024 auction's B1 block, 2500-2600 MHz, seed 003:38), 64T64R AAU, 4 layers (no MU-MIMO "
        "gain), " + _TDD,
        beamformed=True,
    ),
    700: Carrier(
        "5g",
        700,
        10.0,
        2,
        1.0,
        "n28 2x10 MHz FDD, 2T2R, rank 2 (dxsim assumption: no 700 MHz assignment is "
        "reported, seed_facts.md open question 8)",
    ),
}
_LTE = {
    "1800": Carrier(
        "4g", 1800, 20.0, 2, 1.0, "B3 2x20 MHz, the LTE capacity layer; " + _LTE_MIMO + " (assumption)"
    ),
    "2100": Carrier("4g", 2100, 15.0, 2, 1.0, "B1 2x15 MHz refarmed from 3G; " + _LTE_MIMO + " (assumption)"),
    "900": Carrier(
        "4g",
        900,
        10.0,
        2,
        1.0,
        "B8 2x10 MHz refarmed after the 2G switch-off (seed: 2G switched off); "
        + _LTE_MIMO
        + " (assumption)",
    ),
    "700": Carrier("4g", 700, 10.0, 2, 1.0, "B28 2x10 MHz; " + _LTE_MIMO + " (assumption)"),
    "2600": Carrier("4g", 2600, 20.0, 2, 1.0, "B7 2x20 MHz; " + _LTE_MIMO + " (assumption)"),
}


def carriers_for(
    technology: str, band_mhz: int, environment: str, nr: tuple[float, int] | None = None
) -> tuple[Carrier, ...]:
    """The carriers a site of this layer carries: 5G one carrier; 4G its coverage band plus the
    capacity bands deployed in that environment (urban/suburban B3+B1, rural B8+B3).

    `nr`: a 5G carrier's (bandwidth MHz, MIMO layers) where a scenario sets them (`capacity.nr_bandwidth_mhz`,
    `capacity.nr_mimo_layers`); None: the defaults below."""
    if technology == "5g":
        car = _NR[int(band_mhz)]
        if nr is not None and (nr[0], nr[1]) != (car.bandwidth_mhz, car.layers):
            car = replace(car, bandwidth_mhz=float(nr[0]), layers=int(nr[1]), source="the scenario's")
        return (car,)
    extra = ("1800", "2100") if environment in ("urban", "suburban") else ("900", "1800")
    bands = [str(int(band_mhz))] + [b for b in extra if b != str(int(band_mhz))]
    return tuple(_LTE[b] for b in bands)


CARRIERS: Final[dict[str, Carrier]] = {
    **{f"5g/{b}": c for b, c in _NR.items()},
    **{f"4g/{b}": c for b, c in _LTE.items()},
}


def spectral_efficiency(sinr_db: np.ndarray, layers: int, se_max: float) -> np.ndarray:
    """Bit/s/Hz of L layers at the given SINR (TR 36.942 A.2 per layer, equal power split)."""
    sinr = 10.0 ** (np.asarray(sinr_db, dtype=np.float64) / 10.0)
    se = layers * np.minimum(ALPHA * np.log2(1.0 + sinr / layers), se_max)
    return np.where(np.asarray(sinr_db) >= SINR_MIN_DB, se, 0.0)


@dataclass(frozen=True)
class LayerCapacity:
    """Capacity of one site of a layer (per technology, coverage band, environment)."""

    technology: str
    band_mhz: int
    environment: str
    radius_m: float
    sector_capacity_mbps: float  # harmonic mean of the point rates (processor sharing)
    site_capacity_mbps: float  # x SECTORS
    rate_p5_mbps: float  # 5th percentile of the point rates over the area (the cell edge), unloaded
    rate_median_mbps: float
    rate_mean_mbps: float
    sinr_median_db: float

    def as_dict(self) -> dict[str, float | int | str]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


# Sample points: uniform in area over the site's own area, the hexagon of corner radius R (its best-server area in
# the layout: every point of it is nearer this site than any neighbour), by symmetry one of its six equilateral
# triangles, corners (0, 0), (R, 0) and (R cos 60, R sin 60). The triangle's far edge lies at R_EDGE(theta) =
# (sqrt(3)/2) R / cos(theta - 30 deg); the angles are spaced so each carries an equal share of the area (the wedge
# up to theta holds (tan(theta - 30 deg) + tan 30 deg) / (2 tan 30 deg) of it) and the radii uniform in area along
# each angle (sqrt(u)), so every point weighs the same. Why not the disc of radius R: 17% of it (pi R^2 against
# 3 sqrt(3)/2 R^2) lies nearer a neighbour, where a user hands over; its points set the 5th percentile and cut the
# edge rates by ~40% and the site capacities by ~30% (operator RAN trial, 2026-12-05).
_N_RADII, _N_ANGLES = 40, 8
_U = (np.arange(_N_RADII) + 0.5) / _N_RADII
_TAN30 = math.tan(math.pi / 6.0)
_THETA = np.pi / 6.0 + np.arctan((2.0 * (np.arange(_N_ANGLES) + 0.5) / _N_ANGLES - 1.0) * _TAN30)
_EDGE = (math.sqrt(3.0) / 2.0) / np.cos(_THETA - np.pi / 6.0)  # the far edge at each angle, in units of R
_NEIGHBOUR_ANGLES = np.arange(6) * np.pi / 3.0 + np.pi / 6.0  # first tier of a hexagonal layout


def _point_rates_mbps(
    technology: str,
    band_mhz: int,
    environment: str,
    radius: float,
    neighbour_load: float,
    nr: tuple[float, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rate (Mbps) and SINR (dB, coverage carrier) at the sample points of one sector."""
    r = np.maximum(radius * np.sqrt(_U)[:, None] * _EDGE[None, :], RADIUS_MIN_M).ravel()
    th = np.broadcast_to(_THETA[None, :], (_N_RADII, _N_ANGLES)).ravel()
    isd = math.sqrt(3.0) * radius
    px, py = r * np.cos(th), r * np.sin(th)
    dn = np.hypot(
        px[:, None] - isd * np.cos(_NEIGHBOUR_ANGLES)[None, :],
        py[:, None] - isd * np.sin(_NEIGHBOUR_ANGLES)[None, :],
    )
    rate = np.zeros(r.size)
    sinr_cov = np.zeros(r.size)
    for k, car in enumerate(carriers_for(technology, band_mhz, environment, nr)):
        b = DEFAULT_BUDGETS[(car.technology, car.band_mhz, environment)]
        b = replace(b, penetration_loss_db=0.0)  # outdoor, as the population-coverage definition
        rx0 = eirp_dbm(b) + b.rx_antenna_gain_dbi - b.body_loss_db
        s_mw = 10.0 ** ((rx0 - np.asarray(budget_pathloss_db(b, r))) / 10.0)
        pl_n = np.asarray(budget_pathloss_db(b, np.maximum(dn, RADIUS_MIN_M).ravel())).reshape(dn.shape)
        # a neighbour's beams point at its own users: towards this point its gain is the sector average
        rx0_n = rx0 - (max(b.tx_antenna_gain_dbi - SECTOR_GAIN_DBI, 0.0) if car.beamformed else 0.0)
        i_mw = neighbour_load * (10.0 ** ((rx0_n - pl_n) / 10.0)).sum(axis=1)
        n_mw = 10.0 ** (noise_floor_dbm(car.bandwidth_mhz, b.noise_figure_db) / 10.0)
        sinr_db = 10.0 * np.log10(s_mw / (n_mw + i_mw))
        se = spectral_efficiency(sinr_db, car.layers, SE_MAX_NR if car.technology == "5g" else SE_MAX_LTE)
        rate += car.dl_share * car.bandwidth_mhz * se
        if k == 0:
            sinr_cov = sinr_db
    return rate, sinr_cov


@lru_cache(maxsize=128)
def layer_capacity(
    technology: str,
    band_mhz: int,
    environment: str,
    neighbour_load: float = 0.5,
    radius: float | None = None,
    nr: tuple[float, int] | None = None,
) -> LayerCapacity:
    """Site capacity of a layer, its cell-edge (p5), median and mean unloaded rates.

    ``radius`` defaults to the layer's outdoor coverage radius (``dxsim.radio.radii``);
    ``neighbour_load`` (0..1) is the share of the neighbours' resources transmitting at the busy hour;
    ``nr``: a 5G carrier's (bandwidth MHz, MIMO layers), None for the band's defaults (`carriers_for`).
    """
    if not 0.0 <= neighbour_load <= 1.0:
        raise ValueError(f"neighbour_load must be in [0, 1], got {neighbour_load}")
    rad = radius_m(technology, int(band_mhz), environment, "outdoor") if radius is None else float(radius)
    rate, sinr = _point_rates_mbps(technology, int(band_mhz), environment, rad, neighbour_load, nr)
    usable = rate > 0
    sector = float(1.0 / np.mean(1.0 / rate[usable])) if usable.any() else 0.0
    return LayerCapacity(
        technology,
        int(band_mhz),
        environment,
        rad,
        sector,
        SECTORS * sector,
        float(np.percentile(rate, 5)),
        float(np.median(rate)),
        float(rate.mean()),
        float(np.median(sinr)),
    )


def capacity_table(neighbour_load: float = 0.5) -> list[dict[str, float | int | str]]:
    """One row per (technology, band, environment) with a default link budget: the site capacity."""
    rows = []
    for tech, band, env in sorted(DEFAULT_BUDGETS):
        if (
            env == "small_cell"
            or (tech == "5g" and band not in _NR)
            or (tech == "4g" and str(band) not in _LTE)
        ):
            continue
        rows.append(layer_capacity(tech, band, env, neighbour_load).as_dict())
    return rows
