"""3GPP TR 38.901 (V17) large-scale path loss for UMa, UMi-Street Canyon and RMa.

Why this module exists: the coverage engine turns a link budget into a cell radius, and
the radius is only as credible as the propagation model. We use the 3GPP model because
it is public, frequency-general (0.5-100 GHz) and is what ITU-R M.2412 / 3GPP TR 38.913
evaluations use, so our numbers can be compared with published studies.

Everything here is deterministic (no random draws): planning wants the median path loss;
shadow fading is handled as a margin in :mod:`dxsim.radio.link_budget`.

Formulas (Table 7.4.1-1; fc in GHz, distances in m, PL in dB)
----------------------------------------------------------------
UMa LOS   PL1 = 28.0 + 22 log10(d3D) + 20 log10(fc)                     10 m <= d2D <= d'BP
          PL2 = 28.0 + 40 log10(d3D) + 20 log10(fc)
                - 9 log10(d'BP^2 + (hBS - hUT)^2)                        d'BP <= d2D <= 5 km
UMa NLOS  PL  = max(PL_UMa-LOS, PL'_UMa-NLOS)                           10 m <= d2D <= 5 km
          PL' = 13.54 + 39.08 log10(d3D) + 20 log10(fc) - 0.6 (hUT - 1.5)
UMi LOS   PL1 = 32.4 + 21 log10(d3D) + 20 log10(fc)                     10 m <= d2D <= d'BP
          PL2 = 32.4 + 40 log10(d3D) + 20 log10(fc)
                - 9.5 log10(d'BP^2 + (hBS - hUT)^2)                      d'BP <= d2D <= 5 km
UMi NLOS  PL  = max(PL_UMi-LOS, PL'_UMi-NLOS)
          PL' = 35.3 log10(d3D) + 22.4 + 21.3 log10(fc) - 0.3 (hUT - 1.5)
RMa LOS   PL1 = 20 log10(40 pi d3D fc / 3) + min(0.03 h^1.72, 10) log10(d3D)
                - min(0.044 h^1.72, 14.77) + 0.002 log10(h) d3D          10 m <= d2D <= dBP
          PL2 = PL1(dBP) + 40 log10(d3D / dBP)                           dBP <= d2D <= 10 km
RMa NLOS  PL  = max(PL_RMa-LOS, PL'_RMa-NLOS)                           10 m <= d2D <= 5 km
          PL' = 161.04 - 7.1 log10(W) + 7.5 log10(h)
                - (24.37 - 3.7 (h/hBS)^2) log10(hBS)
                + (43.42 - 3.1 log10(hBS)) (log10(d3D) - 3)
                + 20 log10(fc) - (3.2 (log10(11.75 hUT))^2 - 4.97)

Breakpoints (notes 1 and 5 of the table), c = 3.0e8 m/s, fc in Hz:
    d'BP = 4 h'BS h'UT fc / c,  h'BS = hBS - hE, h'UT = hUT - hE   (UMa, UMi)
    dBP  = 2 pi hBS hUT fc / c                                    (RMa, actual heights)

Implementation choices (documented deviations / interpretations)
----------------------------------------------------------------
* hE = 1 m for UMa and UMi. For UMa, 38.901 draws hE at random when hUT >= 13 m; we
  keep the deterministic hE = 1 m (the value for all hUT < 13 m, i.e. every
  street-level user), which gives the *largest* d'BP.
* RMa PL2 uses PL1 evaluated at a 3-D distance equal to dBP, literally as written in
  the table (same as ns-3). This makes RMa LOS very slightly discontinuous at
  d2D = dBP (a few thousandths of a dB for the default geometry). UMa and UMi LOS are
  exactly continuous at d'BP because the "-9 log10(d'BP^2 + (hBS-hUT)^2)" term is
  18 log10 of d3D at the breakpoint.
* Distances: d2D below 10 m is clamped to 10 m (the table's lower validity limit;
  closer users are not a planning concern). Distances above the upper validity
  limits (5 km; RMa LOS 10 km) are *extrapolated*, not rejected, because the radius
  search runs to 30 km; results there carry more uncertainty.
* Frequency and heights outside the validity ranges raise ``ValueError``. hBS for
  UMa (nominal 25 m) and UMi (nominal 10 m) is fixed in 38.901; we accept a wider,
  documented band (see ``VALIDITY``) so that operator mast heights can be used -- hBS
  only enters through d'BP and the PL2 height term, which extrapolate smoothly.
"""

from __future__ import annotations

import math
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "C_M_PER_S",
    "MIN_D2D_M",
    "SCENARIOS",
    "VALIDITY",
    "breakpoint_distance_m",
    "los_probability",
    "o2i_high_loss_db",
    "o2i_low_loss_db",
    "pathloss_db",
    "pathloss_rma_db",
    "pathloss_uma_db",
    "pathloss_umi_db",
    "shadow_fading_std_db",
]

C_M_PER_S: Final[float] = 3.0e8  # value prescribed in 38.901 Table 7.4.1-1 notes 1 and 5
MIN_D2D_M: Final[float] = 10.0  # lower validity limit of every outdoor model in the table
H_E_M: Final[float] = 1.0  # effective environment height, UMa (hUT < 13 m) and UMi

Scenario = Literal["uma", "umi", "rma"]
Mode = Literal["nlos", "los", "expected"]
SCENARIOS: Final[tuple[str, ...]] = ("uma", "umi", "rma")

# Accepted input ranges: (min, max). 38.901 values unless marked "ext" (our extrapolation).
VALIDITY: Final[dict[str, dict[str, tuple[float, float]]]] = {
    "uma": {
        "fc_ghz": (0.5, 100.0),
        "h_ut_m": (1.5, 22.5),
        "h_bs_m": (10.0, 50.0),  # ext: 38.901 fixes hBS = 25 m
        "d2d_max_m": (10.0, 5000.0),
    },
    "umi": {
        "fc_ghz": (0.5, 100.0),
        "h_ut_m": (1.5, 22.5),
        "h_bs_m": (3.0, 25.0),  # ext: 38.901 fixes hBS = 10 m
        "d2d_max_m": (10.0, 5000.0),
    },
    "rma": {
        "fc_ghz": (0.5, 30.0),  # RMa is specified up to 30 GHz only
        "h_ut_m": (1.0, 10.0),
        "h_bs_m": (10.0, 150.0),
        "h_building_m": (5.0, 50.0),
        "street_width_m": (5.0, 50.0),
        "d2d_max_m": (10.0, 10000.0),  # 10 km LOS, 5 km NLOS
    },
}


# --------------------------------------------------------------------------- helpers


def _check(scenario: str, name: str, value: ArrayLike) -> None:
    """Raise ValueError if any element of `value` is outside VALIDITY[scenario][name]."""
    lo, hi = VALIDITY[scenario][name]
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{scenario.upper()}: {name} must be finite, got {value!r}")
    if np.any(arr < lo) or np.any(arr > hi):
        raise ValueError(
            f"{scenario.upper()}: {name}={value!r} outside the accepted range "
            f"[{lo:g}, {hi:g}] (3GPP TR 38.901 Table 7.4.1-1)"
        )


def _scenario(name: str) -> str:
    """Normalise a scenario name ('UMa', 'umi_street_canyon', ...) to 'uma'|'umi'|'rma'."""
    key = str(name).strip().lower().replace("-", "_")
    aliases = {"umi_street_canyon": "umi", "umi_sc": "umi", "umisc": "umi"}
    key = aliases.get(key, key)
    if key not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; expected one of {SCENARIOS}")
    return key


def _d2d_from_d3d(d3d_m: ArrayLike, h_bs_m: float, h_ut_m: float) -> NDArray[np.float64]:
    """Ground distance from slant distance; impossible (d3D < |dh|) maps to 0 before clamping."""
    d3d = np.asarray(d3d_m, dtype=np.float64)
    if np.any(~np.isfinite(d3d)) or np.any(d3d < 0):
        raise ValueError(f"distances must be finite and >= 0, got {d3d_m!r}")
    dh2 = (h_bs_m - h_ut_m) ** 2
    return np.sqrt(np.maximum(d3d * d3d - dh2, 0.0))


def _clamp_d2d(d2d_m: ArrayLike) -> NDArray[np.float64]:
    """Clamp ground distance to the 10 m lower validity limit (documented in module doc)."""
    d2d = np.asarray(d2d_m, dtype=np.float64)
    if np.any(~np.isfinite(d2d)) or np.any(d2d < 0):
        raise ValueError(f"distances must be finite and >= 0, got {d2d_m!r}")
    return np.maximum(d2d, MIN_D2D_M)


def _out(x: NDArray[np.float64]) -> NDArray[np.float64] | float:
    """Return a Python float for scalar inputs, an array otherwise."""
    return float(x) if np.ndim(x) == 0 else x


def breakpoint_distance_m(scenario: str, fc_ghz: float, h_bs_m: float, h_ut_m: float) -> float:
    """Breakpoint distance: d'BP (effective heights, hE = 1 m) for UMa/UMi, dBP for RMa."""
    sc = _scenario(scenario)
    fc_hz = float(fc_ghz) * 1e9
    if sc == "rma":
        return 2.0 * math.pi * h_bs_m * h_ut_m * fc_hz / C_M_PER_S
    return 4.0 * (h_bs_m - H_E_M) * (h_ut_m - H_E_M) * fc_hz / C_M_PER_S


# --------------------------------------------------------------- per-scenario cores
# The cores take a clamped ground distance d2D; the public wrappers take d3D (as the
# 38.901 formulas are written) and the dispatcher takes d2D (what the geometry gives).


def _uma_core(d2d: NDArray[np.float64], fc: float, hbs: float, hut: float, los: bool) -> NDArray[np.float64]:
    d3d = np.sqrt(d2d * d2d + (hbs - hut) ** 2)
    dbp = breakpoint_distance_m("uma", fc, hbs, hut)
    lf = 20.0 * math.log10(fc)
    pl1 = 28.0 + 22.0 * np.log10(d3d) + lf
    pl2 = 28.0 + 40.0 * np.log10(d3d) + lf - 9.0 * math.log10(dbp**2 + (hbs - hut) ** 2)
    pl_los = np.where(d2d <= dbp, pl1, pl2)
    if los:
        return pl_los
    pl_nlos = 13.54 + 39.08 * np.log10(d3d) + lf - 0.6 * (hut - 1.5)
    return np.maximum(pl_los, pl_nlos)


def _umi_core(d2d: NDArray[np.float64], fc: float, hbs: float, hut: float, los: bool) -> NDArray[np.float64]:
    d3d = np.sqrt(d2d * d2d + (hbs - hut) ** 2)
    dbp = breakpoint_distance_m("umi", fc, hbs, hut)
    lf = 20.0 * math.log10(fc)
    pl1 = 32.4 + 21.0 * np.log10(d3d) + lf
    pl2 = 32.4 + 40.0 * np.log10(d3d) + lf - 9.5 * math.log10(dbp**2 + (hbs - hut) ** 2)
    pl_los = np.where(d2d <= dbp, pl1, pl2)
    if los:
        return pl_los
    pl_nlos = 22.4 + 35.3 * np.log10(d3d) + 21.3 * math.log10(fc) - 0.3 * (hut - 1.5)
    return np.maximum(pl_los, pl_nlos)


def _rma_pl1(d3d: NDArray[np.float64] | float, fc: float, h: float) -> NDArray[np.float64] | np.float64:
    a = min(0.03 * h**1.72, 10.0)
    b = min(0.044 * h**1.72, 14.77)
    pl_db: NDArray[np.float64] | np.float64 = (
        20.0 * np.log10(40.0 * math.pi * d3d * fc / 3.0) + a * np.log10(d3d) - b + 0.002 * math.log10(h) * d3d
    )
    return pl_db


def _rma_core(
    d2d: NDArray[np.float64], fc: float, hbs: float, hut: float, h: float, w: float, los: bool
) -> NDArray[np.float64]:
    d3d = np.sqrt(d2d * d2d + (hbs - hut) ** 2)
    dbp = breakpoint_distance_m("rma", fc, hbs, hut)
    pl1 = _rma_pl1(d3d, fc, h)
    pl2 = float(_rma_pl1(dbp, fc, h)) + 40.0 * np.log10(d3d / dbp)
    pl_los = np.where(d2d <= dbp, pl1, pl2)
    if los:
        return pl_los
    lhbs = math.log10(hbs)
    pl_nlos = (
        161.04
        - 7.1 * math.log10(w)
        + 7.5 * math.log10(h)
        - (24.37 - 3.7 * (h / hbs) ** 2) * lhbs
        + (43.42 - 3.1 * lhbs) * (np.log10(d3d) - 3.0)
        + 20.0 * math.log10(fc)
        - (3.2 * math.log10(11.75 * hut) ** 2 - 4.97)
    )
    return np.maximum(pl_los, pl_nlos)


def _validate(scenario: str, fc_ghz: float, h_bs_m: float, h_ut_m: float, **extra: float) -> None:
    _check(scenario, "fc_ghz", fc_ghz)
    _check(scenario, "h_bs_m", h_bs_m)
    _check(scenario, "h_ut_m", h_ut_m)
    for name, val in extra.items():
        _check(scenario, name, val)


# ------------------------------------------------------------------- public models


def pathloss_uma_db(
    d3d_m: ArrayLike,
    fc_ghz: float,
    h_bs_m: float = 25.0,
    h_ut_m: float = 1.5,
    los: bool = False,
) -> NDArray[np.float64] | float:
    """UMa path loss (dB) at 3-D distance(s) d3d_m; NLOS by default (planning is NLOS-led).

    Valid: 0.5 <= fc <= 100 GHz, 1.5 <= hUT <= 22.5 m, hBS nominal 25 m (accepted 10-50 m),
    10 m <= d2D <= 5 km (d2D < 10 m clamped to 10 m; beyond 5 km extrapolated).
    """
    _validate("uma", fc_ghz, h_bs_m, h_ut_m)
    d2d = _clamp_d2d(_d2d_from_d3d(d3d_m, h_bs_m, h_ut_m))
    return _out(_uma_core(d2d, float(fc_ghz), float(h_bs_m), float(h_ut_m), bool(los)))


def pathloss_umi_db(
    d3d_m: ArrayLike,
    fc_ghz: float,
    h_bs_m: float = 10.0,
    h_ut_m: float = 1.5,
    los: bool = False,
) -> NDArray[np.float64] | float:
    """UMi-Street Canyon path loss (dB) at 3-D distance(s) d3d_m, for small cells.

    Valid: 0.5 <= fc <= 100 GHz, 1.5 <= hUT <= 22.5 m, hBS nominal 10 m (accepted 3-25 m),
    10 m <= d2D <= 5 km (d2D < 10 m clamped; beyond 5 km extrapolated).
    """
    _validate("umi", fc_ghz, h_bs_m, h_ut_m)
    d2d = _clamp_d2d(_d2d_from_d3d(d3d_m, h_bs_m, h_ut_m))
    return _out(_umi_core(d2d, float(fc_ghz), float(h_bs_m), float(h_ut_m), bool(los)))


def pathloss_rma_db(
    d3d_m: ArrayLike,
    fc_ghz: float,
    h_bs_m: float = 35.0,
    h_ut_m: float = 1.5,
    h_building_m: float = 5.0,
    street_width_m: float = 20.0,
    los: bool = False,
) -> NDArray[np.float64] | float:
    """RMa path loss (dB) at 3-D distance(s) d3d_m.

    Valid: 0.5 <= fc <= 30 GHz, 10 <= hBS <= 150 m, 1 <= hUT <= 10 m,
    5 <= h (avg building height) <= 50 m, 5 <= W (street width) <= 50 m,
    10 m <= d2D <= 10 km LOS / 5 km NLOS (d2D < 10 m clamped; beyond extrapolated).
    """
    _validate("rma", fc_ghz, h_bs_m, h_ut_m, h_building_m=h_building_m, street_width_m=street_width_m)
    d2d = _clamp_d2d(_d2d_from_d3d(d3d_m, h_bs_m, h_ut_m))
    return _out(
        _rma_core(
            d2d,
            float(fc_ghz),
            float(h_bs_m),
            float(h_ut_m),
            float(h_building_m),
            float(street_width_m),
            bool(los),
        )
    )


def los_probability(scenario: str, d2d_m: ArrayLike, h_ut_m: float = 1.5) -> NDArray[np.float64] | float:
    """LOS probability, TR 38.901 Table 7.4.2-1 (outdoor users: d2D-out = d2D).

    RMa: 1 for d <= 10 m, else exp(-(d - 10)/1000).
    UMi: 1 for d <= 18 m, else 18/d + exp(-d/36) (1 - 18/d).
    UMa: 1 for d <= 18 m, else [18/d + exp(-d/63)(1 - 18/d)]
         * (1 + C'(hUT) 5/4 (d/100)^3 exp(-d/150)),
         C'(hUT) = 0 for hUT <= 13 m, ((hUT - 13)/10)^1.5 for 13 < hUT <= 23 m.
    """
    sc = _scenario(scenario)
    _check(sc, "h_ut_m", h_ut_m)
    d = np.asarray(d2d_m, dtype=np.float64)
    if np.any(~np.isfinite(d)) or np.any(d < 0):
        raise ValueError(f"distances must be finite and >= 0, got {d2d_m!r}")
    if sc == "rma":
        p = np.where(d <= 10.0, 1.0, np.exp(-(d - 10.0) / 1000.0))
        return _out(p)
    ds = np.maximum(d, 18.0)  # avoid 18/0; the d <= 18 branch is overwritten below
    d1 = 63.0 if sc == "uma" else 36.0
    base = 18.0 / ds + np.exp(-ds / d1) * (1.0 - 18.0 / ds)
    if sc == "uma":
        c_prime = 0.0 if h_ut_m <= 13.0 else ((h_ut_m - 13.0) / 10.0) ** 1.5
        base = base * (1.0 + c_prime * 1.25 * (ds / 100.0) ** 3 * np.exp(-ds / 150.0))
    return _out(np.where(d <= 18.0, 1.0, np.minimum(base, 1.0)))


def pathloss_db(
    scenario: str,
    d2d_m: ArrayLike,
    fc_ghz: float,
    h_bs_m: float | None = None,
    h_ut_m: float = 1.5,
    mode: Mode = "nlos",
    *,
    h_building_m: float = 5.0,
    street_width_m: float = 20.0,
) -> NDArray[np.float64] | float:
    """Path loss (dB) versus *ground* distance d2d_m -- the dispatcher the coverage engine uses.

    scenario: 'uma' | 'umi' | 'rma'. h_bs_m defaults to the 38.901 value (25 / 10 / 35 m).
    mode:
      'nlos'     -- the NLOS formula (already max(PL_LOS, PL'_NLOS)); conservative default.
      'los'      -- the LOS formula.
      'expected' -- LOS-probability-weighted in the *linear power* domain:
                    PL = -10 log10(p 10^(-PL_LOS/10) + (1 - p) 10^(-PL_NLOS/10)),
                    p = los_probability(scenario, d2D, hUT). This is the loss of the mean
                    received power. It is dominated by the LOS term while p is not tiny, so
                    it is optimistic compared with a median; use for mean-interference or
                    capacity studies rather than for coverage edges.
    """
    sc = _scenario(scenario)
    if h_bs_m is None:
        h_bs_m = {"uma": 25.0, "umi": 10.0, "rma": 35.0}[sc]
    if mode not in ("nlos", "los", "expected"):
        raise ValueError(f"mode must be 'nlos', 'los' or 'expected', got {mode!r}")
    extra = {"h_building_m": h_building_m, "street_width_m": street_width_m} if sc == "rma" else {}
    _validate(sc, fc_ghz, h_bs_m, h_ut_m, **extra)
    d_raw = np.asarray(d2d_m, dtype=np.float64)
    d2d = _clamp_d2d(d_raw)
    fc, hbs, hut = float(fc_ghz), float(h_bs_m), float(h_ut_m)

    def core(los: bool) -> NDArray[np.float64]:
        if sc == "uma":
            return _uma_core(d2d, fc, hbs, hut, los)
        if sc == "umi":
            return _umi_core(d2d, fc, hbs, hut, los)
        return _rma_core(d2d, fc, hbs, hut, float(h_building_m), float(street_width_m), los)

    if mode == "los":
        return _out(core(True))
    if mode == "nlos":
        return _out(core(False))
    p = np.asarray(los_probability(sc, d2d, hut), dtype=np.float64)
    pl_los, pl_nlos = core(True), core(False)
    # factor out the LOS term to keep the sum well-conditioned at large losses
    lin = p + (1.0 - p) * 10.0 ** (-(pl_nlos - pl_los) / 10.0)
    return _out(pl_los - 10.0 * np.log10(lin))


def shadow_fading_std_db(scenario: str, los: bool, after_breakpoint: bool = False) -> float:
    """Log-normal shadow-fading sigma (dB), TR 38.901 Table 7.4.1-1.

    UMa: LOS 4, NLOS 6. UMi: LOS 4, NLOS 7.82. RMa: LOS 4 before dBP / 6 after, NLOS 8.
    `after_breakpoint` only matters for RMa LOS.
    """
    sc = _scenario(scenario)
    if sc == "uma":
        return 4.0 if los else 6.0
    if sc == "umi":
        return 4.0 if los else 7.82
    if los:
        return 6.0 if after_breakpoint else 4.0
    return 8.0


def o2i_low_loss_db(fc_ghz: float) -> float:
    """Building-entry loss through the facade, 38.901 O2I low-loss model (Table 7.4.3-2).

    PL_tw = 5 - 10 log10(0.3 * 10^(-L_glass/10) + 0.7 * 10^(-L_concrete/10)),
    L_glass = 2 + 0.2 fc, L_concrete = 5 + 4 fc (Table 7.4.3-1). Excludes the indoor term
    0.5 d2D-in and the 4.4 dB sigma: a user just inside the facade.
    """
    fc = float(fc_ghz)
    l_glass, l_conc = 2.0 + 0.2 * fc, 5.0 + 4.0 * fc
    return 5.0 - 10.0 * math.log10(0.3 * 10 ** (-l_glass / 10) + 0.7 * 10 ** (-l_conc / 10))


def o2i_high_loss_db(fc_ghz: float) -> float:
    """Building-entry loss, 38.901 O2I high-loss model (IRR glass 23 + 0.3 fc, 70 %)."""
    fc = float(fc_ghz)
    l_irr, l_conc = 23.0 + 0.3 * fc, 5.0 + 4.0 * fc
    return 5.0 - 10.0 * math.log10(0.7 * 10 ** (-l_irr / 10) + 0.3 * 10 ** (-l_conc / 10))
