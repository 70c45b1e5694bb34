"""dxsim.rounding.largest_remainder against brute force: of all whole splits summing to the total, it is one of those
closest to the exact shares, and every part is its exact share's floor or ceiling."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dxsim.rounding import largest_remainder


def test_hand_computed_tenths_of_three_shares() -> None:
    # 33.34 / 33.33 / 33.33 in tenths: floors 333, 333, 333 (999), remainders .4 .3 .3: the first gets the 1000th
    assert largest_remainder(1000, [33.34, 33.33, 33.33]).tolist() == [334, 333, 333]
    # a third each: rounded alone 33.3 + 33.3 + 33.3 = 99.9; here 33.4 + 33.3 + 33.3 (ties to the earlier part)
    assert largest_remainder(1000, [100 / 3, 100 / 3, 100 / 3]).tolist() == [334, 333, 333]
    # 0.06 / 0.06 / 99.88 in tenths: 0.1 + 0.1 + 99.9 = 100.1 alone; floors 0, 0, 998, remainders .6 .6 .8
    assert largest_remainder(1000, [0.06, 0.06, 99.88]).tolist() == [1, 0, 999]
    assert largest_remainder(0, [1.0, 2.0]).tolist() == [0, 0]
    assert largest_remainder(5, [0.0, 0.0]).tolist() == [0, 0]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=12),
    st.lists(st.floats(min_value=0.0, max_value=1e3, allow_nan=False), min_size=1, max_size=4),
)
def test_largest_remainder_is_a_closest_whole_split(total: int, weights: list[float]) -> None:
    w = np.asarray(weights)
    got = largest_remainder(total, w)
    if w.sum() <= 0:
        assert got.tolist() == [0] * w.size
        return
    exact = total * w / w.sum()
    assert got.sum() == total
    assert np.all((got == np.floor(exact)) | (got == np.ceil(exact)))
    best = min(
        float(np.abs(np.array(split) - exact).sum())
        for split in itertools.product(range(total + 1), repeat=w.size)
        if sum(split) == total
    )
    assert float(np.abs(got - exact).sum()) <= best + 1e-9
