"""Whole units that add up exactly: rounding by largest remainder (Hamilton's method).

Why one function: racks spread over data centres must add up to the reported total, and the shares a report
prints side by side (served, capacity-short, uncovered) must add up to 100.0 as the model's do; rounding each
part on its own gives 99.9 or 100.1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def largest_remainder(total: int, weights: ArrayLike) -> NDArray[np.int64]:
    """Whole numbers proportional to `weights` that sum to `total`: each part's floor, then one more unit to the
    parts with the largest remainders (ties to the earlier part). All zeros when `total` or the weights are 0."""
    w = np.asarray(weights, dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(w.size, dtype=np.int64)
    exact = total * w / w.sum()
    base: NDArray[np.int64] = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(w.size), -(exact - base)))
    base[order[:rest]] += 1
    return base
