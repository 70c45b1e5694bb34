"""Link budgets -> maximum allowable path loss (MAPL) -> cell radius.

Why: the coverage engine needs one number per (technology, band, environment): the
radius (m) out to which a cell-edge user still gets the target service. We compute it
the way operators dimension networks: a link budget gives the MAPL, and the TR 38.901
path loss (``dxsim.radio.pathloss``) is inverted to find the distance at which the
median path loss equals the MAPL.

Both link directions are budgeted and the *smaller* MAPL is used (``direction="both"``,
the default), because a user is only covered if it can both receive and send. With a
handset's 23 dBm against a 40-200 W base station the uplink limits every default entry.

Sign conventions (all dB / dBm; gains positive, losses and margins positive numbers that
are subtracted):

Downlink (BS -> UE)::

    EIRP       = tx_power_dbm + tx_antenna_gain_dbi - cable_loss_db
    N_dl       = -174 + 10 log10(bandwidth_mhz * 1e6) + noise_figure_db        (UE)
    S_dl       = N_dl + required_sinr_db                                     (sensitivity)
    MAPL_dl    = EIRP - S_dl + rx_antenna_gain_dbi
                 - penetration_loss_db - body_loss_db - shadow_margin_db - interference_margin_db

    tx power is the total over the carrier and noise is over the same carrier, so the
    SNR does not depend on bandwidth (power spectral density is what matters).

Uplink (UE -> BS)::

    EIRP_ue    = ue_tx_power_dbm + rx_antenna_gain_dbi            (UE antenna is reciprocal)
    N_ul       = -174 + 10 log10(ul_bandwidth_mhz * 1e6) + bs_noise_figure_db
    S_ul       = N_ul + ul_required_sinr_db
    MAPL_ul    = EIRP_ue - S_ul + tx_antenna_gain_dbi - cable_loss_db
                 - penetration_loss_db - body_loss_db - shadow_margin_db - ul_interference_margin_db

    ul_bandwidth_mhz is the bandwidth *allocated to one cell-edge UE* (not the carrier):
    the UE's 23 dBm is concentrated there. It, with ul_required_sinr_db, encodes the
    cell-edge uplink throughput target.

Shadow margin: either given directly, or computed with
:func:`shadow_margin_for_area_coverage_db` (Jakes' area-coverage formula) from an
area-coverage probability, the 38.901 sigma and the path-loss exponent.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields, replace
from statistics import NormalDist
from typing import Any, Final

import numpy as np

from dxsim.paths import fact_table
from dxsim.radio.pathloss import (
    o2i_low_loss_db,
    pathloss_db,
    shadow_fading_std_db,
)

__all__ = [
    "DEFAULT_BUDGETS",
    "PARAM_RANGES",
    "RADIUS_MAX_M",
    "RADIUS_MIN_M",
    "THERMAL_NOISE_DBM_PER_HZ",
    "LinkBudget",
    "RadiusResult",
    "area_coverage_probability",
    "budget_as_dict",
    "budget_pathloss_db",
    "cell_radius_detail",
    "cell_radius_m",
    "eirp_dbm",
    "limiting_direction",
    "max_path_loss_db",
    "max_path_loss_dl_db",
    "max_path_loss_ul_db",
    "noise_floor_dbm",
    "radius_table",
    "shadow_margin_for_area_coverage_db",
    "shadow_margin_for_edge_probability_db",
]

THERMAL_NOISE_DBM_PER_HZ: Final[float] = -174.0  # kT at 290 K
RADIUS_MIN_M: Final[float] = 10.0  # lower validity of the 38.901 models
RADIUS_MAX_M: Final[float] = 30_000.0  # beyond this a macro cell is not a planning object

_SCENARIOS = ("uma", "umi", "rma")
_LOS_MODES = ("nlos", "los", "expected")
_DIRECTIONS = ("dl", "ul", "both")

# (min, max) accepted for every numeric LinkBudget field; used by __post_init__ and by
# scenario validation elsewhere.
PARAM_RANGES: Final[dict[str, tuple[float, float]]] = {
    "tx_power_dbm": (20.0, 57.0),  # 100 mW small cell .. 500 W AAU
    "bandwidth_mhz": (1.4, 400.0),
    "tx_antenna_gain_dbi": (0.0, 30.0),
    "rx_antenna_gain_dbi": (-10.0, 10.0),
    "cable_loss_db": (0.0, 6.0),
    "noise_figure_db": (2.0, 13.0),
    "required_sinr_db": (-15.0, 30.0),
    "interference_margin_db": (0.0, 15.0),
    "penetration_loss_db": (0.0, 45.0),
    "body_loss_db": (0.0, 10.0),
    "shadow_margin_db": (0.0, 20.0),
    "h_bs_m": (3.0, 150.0),  # further restricted per scenario by pathloss.VALIDITY
    "h_ut_m": (1.0, 22.5),
    "fc_mhz": (500.0, 7125.0),  # FR1; 38.901 itself goes to 100 GHz (RMa 30 GHz)
    "ue_tx_power_dbm": (0.0, 31.0),
    "ul_bandwidth_mhz": (0.18, 400.0),
    "bs_noise_figure_db": (1.0, 10.0),
    "ul_required_sinr_db": (-15.0, 30.0),
    "ul_interference_margin_db": (0.0, 15.0),
    "h_building_m": (5.0, 50.0),
    "street_width_m": (5.0, 50.0),
}


@dataclass(frozen=True)
class LinkBudget:
    """One link budget (both directions). Units are in every field name."""

    # --- downlink / base station side
    tx_power_dbm: float  # total conducted power per sector carrier, all ports summed
    bandwidth_mhz: float  # carrier bandwidth
    tx_antenna_gain_dbi: float  # BS antenna gain incl. beamforming gain; also BS rx gain
    rx_antenna_gain_dbi: float  # UE antenna gain; also UE tx gain
    cable_loss_db: float  # BS feeder + jumpers + connectors (0 for an AAU)
    noise_figure_db: float  # UE receiver noise figure
    required_sinr_db: float  # DL SINR needed at the cell edge for the DL edge target
    interference_margin_db: float  # DL noise rise from neighbour-cell load
    penetration_loss_db: float  # building-entry (O2I) loss budgeted; 0 = outdoor user
    body_loss_db: float  # user body / hand loss (applied once per link)
    shadow_margin_db: float  # log-normal fade margin for the coverage probability
    h_bs_m: float
    h_ut_m: float
    fc_mhz: float
    scenario: str = "uma"  # 38.901 model: uma | umi | rma
    los_mode: str = "nlos"  # nlos | los | expected (see pathloss.pathloss_db)
    # --- uplink / UE side
    ue_tx_power_dbm: float = 23.0  # 3GPP TS 36.101 / 38.101-1 power class 3
    ul_bandwidth_mhz: float = 1.44  # bandwidth allocated to one cell-edge UE
    bs_noise_figure_db: float = 3.0
    ul_required_sinr_db: float = 0.0
    ul_interference_margin_db: float = 2.0
    # --- model parameters and bookkeeping
    h_building_m: float = 5.0  # RMa only: average building height
    street_width_m: float = 20.0  # RMa only: average street width
    direction: str = "both"  # dl | ul | both (= min of the two MAPLs)
    source: str = ""  # citation / provenance of the defaults

    def __post_init__(self) -> None:
        for name, (lo, hi) in PARAM_RANGES.items():
            val = getattr(self, name)
            if not isinstance(val, (int, float)) or not math.isfinite(val):
                raise ValueError(f"LinkBudget.{name} must be a finite number, got {val!r}")
            if not lo <= val <= hi:
                raise ValueError(f"LinkBudget.{name}={val!r} outside allowed range [{lo:g}, {hi:g}]")
        if self.scenario not in _SCENARIOS:
            raise ValueError(f"LinkBudget.scenario={self.scenario!r}; expected one of {_SCENARIOS}")
        if self.los_mode not in _LOS_MODES:
            raise ValueError(f"LinkBudget.los_mode={self.los_mode!r}; expected one of {_LOS_MODES}")
        if self.direction not in _DIRECTIONS:
            raise ValueError(f"LinkBudget.direction={self.direction!r}; expected one of {_DIRECTIONS}")
        if self.ul_bandwidth_mhz > self.bandwidth_mhz:
            raise ValueError(
                f"LinkBudget.ul_bandwidth_mhz={self.ul_bandwidth_mhz} exceeds the carrier "
                f"bandwidth_mhz={self.bandwidth_mhz}"
            )
        # propagation-model validity (fc, heights) is checked where it is used; check
        # eagerly so a bad budget fails at construction, not deep in a radius search.
        budget_pathloss_db(self, RADIUS_MIN_M)


@dataclass(frozen=True)
class RadiusResult:
    """Cell radius with the MAPL it came from and whether it hit a clip bound."""

    radius_m: float
    mapl_db: float
    clipped: str | None  # None, "min" (MAPL below PL at 10 m) or "max" (beyond 30 km)


# ------------------------------------------------------------------------ arithmetic


def noise_floor_dbm(bandwidth_mhz: float, noise_figure_db: float) -> float:
    """Thermal noise + receiver noise figure over a bandwidth: -174 + 10 log10(B Hz) + NF."""
    return THERMAL_NOISE_DBM_PER_HZ + 10.0 * math.log10(bandwidth_mhz * 1e6) + noise_figure_db


def eirp_dbm(budget: LinkBudget) -> float:
    """Downlink EIRP: conducted power + BS antenna gain - cable loss."""
    return budget.tx_power_dbm + budget.tx_antenna_gain_dbi - budget.cable_loss_db


def _common_losses_db(b: LinkBudget) -> float:
    return b.penetration_loss_db + b.body_loss_db + b.shadow_margin_db


def max_path_loss_dl_db(budget: LinkBudget) -> float:
    """Downlink MAPL (dB); formula in the module docstring."""
    b = budget
    sensitivity = noise_floor_dbm(b.bandwidth_mhz, b.noise_figure_db) + b.required_sinr_db
    return eirp_dbm(b) - sensitivity + b.rx_antenna_gain_dbi - _common_losses_db(b) - b.interference_margin_db


def max_path_loss_ul_db(budget: LinkBudget) -> float:
    """Uplink MAPL (dB); formula in the module docstring."""
    b = budget
    sensitivity = noise_floor_dbm(b.ul_bandwidth_mhz, b.bs_noise_figure_db) + b.ul_required_sinr_db
    return (
        b.ue_tx_power_dbm
        + b.rx_antenna_gain_dbi
        - sensitivity
        + b.tx_antenna_gain_dbi
        - b.cable_loss_db
        - _common_losses_db(b)
        - b.ul_interference_margin_db
    )


def max_path_loss_db(budget: LinkBudget) -> float:
    """MAPL (dB) for the budget's direction: 'dl', 'ul', or 'both' = min(DL, UL).

    DL: EIRP - (-174 + 10 log10(BW Hz) + NF_UE + SINR_req) + G_UE
        - penetration - body - shadow margin - interference margin.
    UL: same structure with UE power, edge-UE bandwidth, BS NF and UL SINR/margin.
    """
    if budget.direction == "dl":
        return max_path_loss_dl_db(budget)
    if budget.direction == "ul":
        return max_path_loss_ul_db(budget)
    return min(max_path_loss_dl_db(budget), max_path_loss_ul_db(budget))


def limiting_direction(budget: LinkBudget) -> str:
    """'dl' or 'ul': which direction sets the MAPL (for 'both', the smaller one)."""
    if budget.direction in ("dl", "ul"):
        return budget.direction
    return "ul" if max_path_loss_ul_db(budget) <= max_path_loss_dl_db(budget) else "dl"


# ----------------------------------------------------------------------- radius


def budget_pathloss_db(budget: LinkBudget, d2d_m: Any) -> np.ndarray | float:
    """The 38.901 path loss the budget is evaluated against, at ground distance(s) d2d_m."""
    return pathloss_db(
        budget.scenario,
        d2d_m,
        budget.fc_mhz / 1000.0,
        budget.h_bs_m,
        budget.h_ut_m,
        mode=budget.los_mode,  # type: ignore[arg-type]
        h_building_m=budget.h_building_m,
        street_width_m=budget.street_width_m,
    )


# log-spaced search grid: 0.2 % spacing, then bisection inside the bracketing cell
_GRID_M: Final[np.ndarray] = np.geomspace(RADIUS_MIN_M, RADIUS_MAX_M, 4001)


def cell_radius_detail(budget: LinkBudget) -> RadiusResult:
    """Largest ground distance (m) where path loss <= MAPL, clipped to [10 m, 30 km].

    Robust to a non-monotone curve ('expected' mode with hUT > 13 m, where the UMa LOS
    probability is not monotone): the whole grid is evaluated at once, the *last* grid
    point with PL <= MAPL is taken, and `bisect_root` refines the crossing in the next cell.
    """
    mapl = max_path_loss_db(budget)
    pl = np.asarray(budget_pathloss_db(budget, _GRID_M), dtype=float)
    ok = np.nonzero(pl <= mapl)[0]
    if ok.size == 0:
        return RadiusResult(RADIUS_MIN_M, mapl, "min")
    i = int(ok[-1])
    if i == _GRID_M.size - 1:
        return RadiusResult(RADIUS_MAX_M, mapl, "max")
    lo, hi = float(_GRID_M[i]), float(_GRID_M[i + 1])

    def f(d: float) -> float:
        return float(budget_pathloss_db(budget, d)) - mapl

    radius = bisect_root(f, lo, hi) if f(lo) < 0.0 else lo
    return RadiusResult(float(radius), mapl, None)


def bisect_root(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The x in [lo, hi] where the increasing f crosses 0 (f(lo) < 0 <= f(hi)), halving until the interval is one
    float wide: the smallest float with f(x) >= 0.

    Why not scipy's brentq: importing scipy.optimize took 0.35-0.8 s of every process that computes a cell radius
    or a shadow margin (a world build, `dxsim validate` of a scenario naming villages, `dxsim calibration`); ~60
    halvings of these smooth functions cost ~3 ms, and give the root to float resolution where brentq stopped at
    its tolerance (1e-6 m, 1e-9 dB)."""
    while True:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            return hi
        if f(mid) < 0.0:
            lo = mid
        else:
            hi = mid


def cell_radius_m(budget: LinkBudget) -> float:
    """Cell radius (m): where the median 38.901 path loss reaches the MAPL (see detail)."""
    return cell_radius_detail(budget).radius_m


# ------------------------------------------------------------ shadow-fading margin


def shadow_margin_for_edge_probability_db(sigma_db: float, edge_probability: float) -> float:
    """Fade margin so that a cell-edge user is covered with the given probability."""
    if not 0.0 < edge_probability < 1.0:
        raise ValueError(f"edge_probability must be in (0, 1), got {edge_probability}")
    # the standard normal quantile (the standard library's, within 1e-15 of scipy.special.ndtri, without scipy)
    return sigma_db * NormalDist().inv_cdf(edge_probability)


def area_coverage_probability(margin_db: float, sigma_db: float, pathloss_exponent: float) -> float:
    """Jakes (1974) fraction of the cell area covered given an edge fade margin.

    Fu = 1/2 [1 - erf(a) + exp((1 - 2ab)/b^2) (1 - erf((1 - ab)/b))],
    a = -M / (sigma sqrt 2), b = 10 n log10(e) / (sigma sqrt 2).
    erf is the standard library's (within 2 ulp of scipy.special.erf; importing scipy for it cost a process 0.2 s).
    """
    a = -margin_db / (sigma_db * math.sqrt(2.0))
    b = 10.0 * pathloss_exponent * math.log10(math.e) / (sigma_db * math.sqrt(2.0))
    return 0.5 * (
        1.0 - math.erf(a) + math.exp((1.0 - 2.0 * a * b) / b**2) * (1.0 - math.erf((1.0 - a * b) / b))
    )


def shadow_margin_for_area_coverage_db(
    area_probability: float, sigma_db: float, pathloss_exponent: float
) -> float:
    """Invert Jakes' formula: edge fade margin (dB) giving the target area coverage.

    `bisect_root` on [-5 sigma, 6 sigma]: the area coverage rises with the margin."""
    if not 0.5 < area_probability < 0.9999:
        raise ValueError(f"area_probability must be in (0.5, 0.9999), got {area_probability}")
    lo, hi = -5.0 * sigma_db, 6.0 * sigma_db
    if not area_coverage_probability(lo, sigma_db, pathloss_exponent) < area_probability:
        raise ValueError(f"no margin above {lo} dB gives an area coverage of {area_probability}")
    if not area_coverage_probability(hi, sigma_db, pathloss_exponent) >= area_probability:
        raise ValueError(f"no margin below {hi} dB gives an area coverage of {area_probability}")
    return bisect_root(
        lambda m: area_coverage_probability(m, sigma_db, pathloss_exponent) - area_probability, lo, hi
    )


# ------------------------------------------------------------------- defaults
# Hardware per (technology, band). fc is the nominal band frequency; FDD duplex offsets
# are ignored (UL would be ~0.5-1 dB better at the lower UL frequency).
# Fields: bandwidth_mhz, tx_power_dbm, tx_antenna_gain_dbi, cable_loss_db,
#         ul_bandwidth_mhz, ul_required_sinr_db, bs_noise_figure_db, source.
def _W(watts: float) -> float:
    """Transmit power in dBm from watts."""
    return 10.0 * math.log10(watts * 1000.0)


# The default hardware and environment tables are fact tables (geodata/, listed in geodata/SOURCES.md; cdcam/pysim5g
# style: assumptions as parameter tables a reviewer can read and correct): radio_hardware.csv (per technology, band and site class: carrier
# and uplink bandwidths, transmit power in W, antenna gain, cable loss, uplink edge SINR, base-station noise
# figure, source), radio_ul_edge.csv (the uplink edge targets the hardware rows cite) and radio_environments.csv (per
# environment: 38.901 scenario, heights, area-coverage target, path-loss exponent of the Jakes margin,
# interference margins, source). The shadow-fading sigma comes from 38.901 (pathloss.shadow_fading_std_db).
_HW_FLOATS = (
    "bandwidth_mhz",
    "tx_antenna_gain_dbi",
    "cable_loss_db",
    "ul_bandwidth_mhz",
    "ul_required_sinr_db",
    "bs_noise_figure_db",
)


def _rows(name: str) -> list[dict[str, str]]:
    with open(fact_table(name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _hardware(site: str) -> dict[tuple[str, int], dict[str, Any]]:
    """(technology, band) -> the LinkBudget fields of one site class's default radio, with its source."""
    ul_edge = {r["ul_edge"]: r["source"] for r in _rows("radio_ul_edge.csv")}
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for r in _rows("radio_hardware.csv"):
        if r["site"] == site:
            hw: dict[str, Any] = {k: float(r[k]) for k in _HW_FLOATS}
            hw["tx_power_dbm"] = _W(float(r["tx_power_w"]))
            hw["source"] = f"{r['source']}; {ul_edge[r['ul_edge']]}"
            out[(r["tech"], int(r["band_mhz"]))] = hw
    return out


def _environments() -> dict[str, dict[str, Any]]:
    """Environment -> 38.901 scenario, heights, Jakes-margin inputs (sigma from 38.901) and interference margins."""
    out: dict[str, dict[str, Any]] = {}
    for r in _rows("radio_environments.csv"):
        out[r["environment"]] = {
            "scenario": r["scenario"],
            "h_bs_m": float(r["h_bs_m"]),
            "h_building_m": float(r["h_building_m"]),
            "area_p": float(r["area_coverage_p"]),
            "sigma": shadow_fading_std_db(r["scenario"], los=False),
            "n": float(r["pathloss_exponent"]),
            "dl_im": float(r["dl_interference_margin_db"]),
            "ul_im": float(r["ul_interference_margin_db"]),
        }
    return out


_HW: Final[dict[tuple[str, int], dict[str, Any]]] = _hardware("macro")
_HW_SMALL: Final[dict[tuple[str, int], dict[str, Any]]] = _hardware(
    "small_cell"
)  # UMi micro/pico on a 10 m pole
_ENV: Final[dict[str, dict[str, Any]]] = _environments()

_UE_SOURCE = (
    "UE: 23 dBm PC3 (TS 36.101/38.101-1), 0 dBi, NF 7 dB (ITU-R M.2412 eval. config), "
    "body loss 3 dB; DL edge SINR -3 dB"
)


def _make_budget(tech: str, band_mhz: int, env: str) -> LinkBudget:
    hw = dict((_HW_SMALL if env == "small_cell" else _HW)[(tech, band_mhz)])
    e = _ENV[env]
    fc_ghz = band_mhz / 1000.0
    margin = shadow_margin_for_area_coverage_db(e["area_p"], e["sigma"], e["n"])
    pen = o2i_low_loss_db(fc_ghz)
    source = (
        f"{hw.pop('source')}; {_UE_SOURCE}; penetration: TR 38.901 O2I low-loss facade "
        f"loss at {fc_ghz:g} GHz; shadow margin: Jakes {e['area_p']:.0%} area coverage, "
        f"sigma {e['sigma']:g} dB (38.901 {e['scenario'].upper()} NLOS), n {e['n']:g}; "
        f"environment '{env}' -> 38.901 {e['scenario'].upper()}"
        + (f" with h={e['h_building_m']:g} m (= ITU-R M.2135 SMa NLOS)" if env == "suburban" else "")
    )
    return LinkBudget(
        **hw,
        rx_antenna_gain_dbi=0.0,
        noise_figure_db=7.0,
        required_sinr_db=-3.0,
        interference_margin_db=e["dl_im"],
        penetration_loss_db=round(pen, 2),
        body_loss_db=3.0,
        shadow_margin_db=round(margin, 2),
        h_bs_m=e["h_bs_m"],
        h_ut_m=1.5,
        fc_mhz=float(band_mhz),
        scenario=e["scenario"],
        los_mode="nlos",
        ue_tx_power_dbm=23.0,
        ul_interference_margin_db=e["ul_im"],
        h_building_m=e["h_building_m"],
        street_width_m=20.0,
        direction="both",
        source=source,
    )


class _DefaultBudgets(Mapping[tuple[str, int, str], LinkBudget]):
    """The default budget of every (technology, band, environment), each built on first use.

    The keys are known from the hardware tables; a value needs its shadow margin, which inverts Jakes'
    formula with scipy's root finder, and scipy costs ~0.4 s to import. A run whose world comes from
    the store (dxsim.sim.world_store) never reads a budget, so it never pays for it.
    """

    def __init__(self) -> None:
        self._keys = tuple(
            [(t, b, e) for t, b in _HW for e in ("urban", "suburban", "rural")]
            + [(t, b, "small_cell") for t, b in _HW_SMALL]
        )
        self._built: dict[tuple[str, int, str], LinkBudget] = {}

    def __getitem__(self, key: tuple[str, int, str]) -> LinkBudget:
        if key not in self._built:
            if key not in self._keys:
                raise KeyError(key)
            self._built[key] = _make_budget(*key)
        return self._built[key]

    def __iter__(self) -> Iterator[tuple[str, int, str]]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


DEFAULT_BUDGETS: Final[Mapping[tuple[str, int, str], LinkBudget]] = _DefaultBudgets()


# ------------------------------------------------------------------- table


def _apply_overrides(
    key: tuple[str, int, str], budget: LinkBudget, overrides: dict[Any, Any] | None
) -> LinkBudget:
    if not overrides:
        return budget
    names = {f.name for f in fields(LinkBudget)}
    common = {k: v for k, v in overrides.items() if isinstance(k, str)}
    specific = overrides.get(key, {})
    for k in list(common) + list(specific):
        if k not in names:
            raise ValueError(f"unknown LinkBudget field in overrides: {k!r}")
    for k in overrides:
        if not isinstance(k, (str, tuple)):
            raise TypeError(f"override keys must be field names or (tech, band, env), got {k!r}")
    return replace(budget, **{**common, **specific})


def radius_table(overrides: dict[Any, Any] | None = None) -> list[dict[str, Any]]:
    """One row per default budget: MAPLs, limiting direction and radius (m).

    overrides: {field: value} applies to every budget; {(tech, band_mhz, env): {field: value}}
    to one. Rows also carry `radius_outdoor_m` (same budget with penetration 0) and
    `clipped` ("min"/"max" when the radius hit the [10 m, 30 km] bounds).
    """
    rows: list[dict[str, Any]] = []
    for key, base in DEFAULT_BUDGETS.items():
        b = _apply_overrides(key, base, overrides)
        res = cell_radius_detail(b)
        tech, band, env = key
        rows.append(
            {
                "technology": tech,
                "band_mhz": band,
                "environment": env,
                "scenario": b.scenario,
                "mapl_db": round(res.mapl_db, 2),
                "mapl_dl_db": round(max_path_loss_dl_db(b), 2),
                "mapl_ul_db": round(max_path_loss_ul_db(b), 2),
                "limiting": limiting_direction(b),
                "radius_m": round(res.radius_m, 1),
                "radius_outdoor_m": round(cell_radius_m(replace(b, penetration_loss_db=0.0)), 1),
                "clipped": res.clipped,
                "source": b.source,
            }
        )
    return rows


def budget_as_dict(budget: LinkBudget) -> dict[str, Any]:
    """Plain dict of a budget (for reports / JSON)."""
    return asdict(budget)
