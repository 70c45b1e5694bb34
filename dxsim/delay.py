"""The one delay model: a log-normal fixed by its median and 90th percentile.

Planners quote delays as "usually X, one in ten takes Y". A log-normal is fixed by those two
numbers: mu = ln(p50), sigma = ln(p90 / p50) / z90. Where a delay has a physical minimum (a GPU
order still has to be shipped, racked and burnt in), the log-normal is shifted by it:
floor + (p50 - floor) x exp(sigma z) with sigma = ln((p90 - floor) / (p50 - floor)) / z90, which keeps
the quoted p50 and p90 exact and never draws below the floor. Every delay in dxsim (permits, lead times,
construction, crew work, mobilisation, GPU lead times and licences, job durations) is drawn
here from standard-normal draws of its own named stream (:mod:`dxsim.rng`), so the arithmetic
is written once and common random numbers line up across options.

It sits at the bottom of the stack: the scenario's `DelayDays` field, the geodata builders and
the simulator all use it.
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

Z90 = 1.2815515655446004  # standard-normal 90th percentile (scipy.stats.norm.ppf(0.9))
Z99 = 2.3263478740408408  # standard-normal 99th percentile (scipy.stats.norm.ppf(0.99))


def quantile_days(p50: float, p90: float, z: float) -> float:
    """The delay at standard-normal quantile z of the log-normal with median p50 and 90th percentile p90
    (unshifted): p50 x (p90 / p50) ** (z / Z90); e.g. z = Z99 gives its 99th percentile."""
    return p50 * math.exp(sigma_from_p90(p50, p90) * z) if p50 > 0 else 0.0


def share_within_days(days: float, p50: float, p90: float) -> float:
    """Share of log-normal delays (median p50, 90th percentile p90, unshifted) no longer than `days`: its CDF,
    Phi(ln(days / p50) / sigma). A fixed delay (p50 == p90, sigma 0) is a step at p50.

    Why: a surge of thousands of sites, each planned on its own 90th percentile, still has about one in ten late;
    the operator orders enough that the share in time covers what it lacks (dxsim.sim.operators.surge_size)."""
    if days < 0:
        return 0.0
    if p50 <= 0:
        return 1.0
    sigma = sigma_from_p90(p50, p90)
    if days == 0:
        return 0.0
    if sigma <= 0:
        return 1.0 if days >= p50 else 0.0
    return 0.5 * (1.0 + math.erf(math.log(days / p50) / (sigma * math.sqrt(2.0))))


def sigma_from_p90(p50: float, p90: float, floor: float = 0.0) -> float:
    """Log-space sigma of the log-normal with median p50 and 90th percentile p90 (0 when p50 <= floor),
    shifted by `floor` days (see the module docstring).

    p90 below p50 is not a delay the scenario accepts (`DelayDays` refuses it); here it gives a
    negative sigma, so callers that bypass the scenario still see the quantiles they passed."""
    if p50 <= floor:
        return 0.0
    return math.log(max(p90 - floor, 1e-12) / (p50 - floor)) / Z90


def shifted_lognormal_days(p50: float, sigma: float, z: float, floor: float) -> float:
    """One delay (days) at least `floor`: floor + (p50 - floor) x exp(sigma x z); sigma from
    sigma_from_p90(p50, p90, floor). With floor 0 it is lognormal_days(p50, sigma, z) exactly."""
    if floor <= 0.0:
        return lognormal_days(p50, sigma, z)
    return float(floor + max(p50 - floor, 0.0) * math.exp(sigma * z))


@overload
def lognormal_days(p50: float, sigma: float, z: float) -> float: ...
@overload
def lognormal_days(p50: ArrayLike, sigma: ArrayLike, z: ArrayLike) -> NDArray[np.float64]: ...


def lognormal_days(p50: ArrayLike, sigma: ArrayLike, z: ArrayLike) -> float | NDArray[np.float64]:
    """Delays (days) for standard-normal draws z: p50 x exp(sigma x z), element-wise.

    Scalars give a Python float (math.exp), arrays a float array (np.exp); both evaluate the
    same product in the same order, so a scalar draw equals the corresponding array element."""
    if isinstance(p50, (int, float)) and isinstance(sigma, (int, float)) and isinstance(z, (int, float)):
        return float(p50 * math.exp(sigma * z))
    z_arr = np.asarray(z, dtype=np.float64)
    return np.asarray(p50, dtype=np.float64) * np.exp(np.asarray(sigma, dtype=np.float64) * z_arr)
