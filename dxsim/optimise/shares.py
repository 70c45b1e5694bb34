"""Shares that must add up to a total: a map from free weights in [0, 1] to a feasible split.

The optimiser samples one weight per share in [0, 1]; :func:`split` turns them into values with
`low[i] <= x[i] <= high[i]` and `sum(x) == total`, so every candidate is feasible and no sample is
wasted on a split that does not add up. The slack above the lows is shared in proportion to the
weights; a share that reaches its high keeps it and the rest is shared again among the others
(water-filling). With a `step`, every value is a multiple of it and the rounding gives the units
left over to the largest remainders (Hamilton's method), so the sum stays exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def split(
    weights: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    total: float,
    step: float | None = None,
) -> list[float]:
    """Values within [low, high], summing to `total`, the slack shared in proportion to `weights`."""
    n = len(weights)
    if not (len(low) == len(high) == n) or n == 0:
        raise ValueError("weights, low and high must have the same, non-zero length")
    if sum(low) > total + 1e-9 or sum(high) < total - 1e-9:
        raise ValueError(f"bounds cannot add up to {total}")
    unit = float(step) if step else 1.0
    lo = [x / unit for x in low]
    cap = [(h - lo_) / unit for h, lo_ in zip(high, low)]
    slack = (total - sum(low)) / unit
    w = [max(0.0, float(x)) for x in weights]
    alloc = [0.0] * n
    free = [i for i in range(n) if cap[i] > 0]
    left = slack
    while left > 1e-12 and free:
        wsum = sum(w[i] for i in free)
        share = {i: (w[i] / wsum if wsum > 0 else 1.0 / len(free)) * left for i in free}
        capped = [i for i in free if alloc[i] + share[i] >= cap[i] - 1e-12]
        if not capped:
            for i in free:
                alloc[i] += share[i]
            left = 0.0
            break
        for i in capped:
            left -= cap[i] - alloc[i]
            alloc[i] = cap[i]
        free = [i for i in free if i not in capped]
    if step:
        alloc = _round_units(alloc, cap, round(slack))
    return [(lo[i] + alloc[i]) * unit for i in range(n)]


def _round_units(alloc: list[float], cap: list[float], units: int) -> list[float]:
    """Whole units summing to `units`, each within its cap: floors, then the largest remainders."""
    base = [min(math.floor(a + 1e-9), math.floor(c + 1e-9)) for a, c in zip(alloc, cap)]
    extra = units - sum(base)
    order = sorted(range(len(alloc)), key=lambda i: (-(alloc[i] - base[i]), i))
    for i in order:
        if extra <= 0:
            break
        if base[i] + 1 <= cap[i] + 1e-9:
            base[i] += 1
            extra -= 1
    return [float(b) for b in base]
