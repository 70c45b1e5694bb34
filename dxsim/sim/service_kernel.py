"""The compiled per-cell pass of the served/short model (`dxsim.sim.capacity`), one fused loop.

Why compiled: a year's demand step re-evaluates all 406,784 cells; as numpy expressions that is ~60
temporaries of the full length (0.1 s), fused in one numba loop it is a few milliseconds. The
formulas are those of the `dxsim.sim.capacity` docstring; `tests/test_capacity.py` checks them
against a hand computation and against a brute-force re-evaluation of every cell.

The pass updates the running sums in place: for each cell it removes the cell's previous
contribution and adds the new one, so a repeated index is harmless (its second visit changes nothing).
"""

from __future__ import annotations

import numpy as np
from numba import njit

BIN_MBPS = 0.25  # throughput histogram: 0.25 Mbps bins (bin 0 holds 0 to 0.25 Mbps) ...
N_BINS = 8_000  # ... up to 2 Gbps; the last bin also holds anything faster
STATE_FIELDS = ("served5", "short5", "mbb_cov", "mbb_served", "w5", "w4", "thr")
GROUP_FIELDS = STATE_FIELDS[:6]  # summed per area (the first columns of `state`)


@njit(cache=True, inline="always")
def _popcount(x: np.uint64) -> int:
    """Set bits of a 64-bit word (SWAR, constant time)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, inline="always")
def _bin(t: float) -> int:
    return min(max(int(t / BIN_MBPS), 0), N_BINS - 1)


@njit(cache=True, inline="always")
def _layer(mbps: float, p5_sum: float, median_sum: float, demand: float, served_rate: float):
    """(served share of the demand, offered load capped at 1, carried Mbps, median unloaded rate) of one layer."""
    if mbps <= 0.0:
        return (0.0, 1.0, 0.0, 0.0)
    edge = p5_sum / mbps
    load_max = 0.0 if edge <= 0.0 else min(max(1.0 - served_rate / edge, 0.0), 1.0)
    carried = min(demand, load_max * mbps)
    share = carried / demand if demand > 0.0 else (1.0 if load_max > 0.0 else 0.0)
    return (share, min(demand / mbps, 1.0), carried, median_sum / mbps)


@njit(cache=True, inline="always")
def _cell(c, pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4, served_rate, u, dev5, users, new):
    """Fill `new` (STATE_FIELDS) for cell c; returns the throughput bins of its 5G and its 4G users."""
    own5 = op_share[0] * op0[c] + op_share[1] * op1[c] + op_share[2] * op2[c]  # inside their own operator's 5G
    share5, load5, carried5, med5 = _layer(s5[c, 0], s5[c, 1], s5[c, 2], u * dev5 * own5, served_rate)
    d4 = max(u * cov4[c] - carried5, 0.0)
    share4, load4, _, med4 = _layer(s4[c, 0], s4[c, 1], s4[c, 2], d4, served_rate)
    mbb_cov = pop[c] * _popcount(mask4[c] | mask5[c]) / k
    served5 = cov5[c] * share5
    w5 = users * dev5 * own5 * share5
    w4 = max(users * mbb_cov - w5, 0.0)
    if s5[c, 0] > 0.0:  # the 5G users on 5G are the carried ones; the rest went to 4G
        load5 = carried5 / s5[c, 0]
    t5 = med5 * (1.0 - load5)
    t4 = med4 * (1.0 - load4)
    new[0] = served5
    new[1] = cov5[c] - served5
    new[2] = mbb_cov
    new[3] = served5 + min(max(mbb_cov - served5, 0.0), cov4[c]) * share4
    new[4] = w5
    new[5] = w4
    new[6] = w5 * t5 + w4 * t4
    return _bin(t5), _bin(t4)


@njit(cache=True)
def evaluate_cells(idx, pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4, served_rate, u, dev5, users,
                   state, bins, group, group_sum, hist):
    """Recompute cells `idx`; update `state` (cells x fields), `bins` (cells x 2), `group_sum`, `hist` in place.

    op0..op2: people covered by each operator's own 5G per cell, op_share (3) their subscriber shares.
    s5, s4: (cells, 3) supply: Mbps, capacity-weighted p5 sum, capacity-weighted median sum. state is
    (cells, fields) and bins (cells, 2), so one cell's values sit together in memory.
    Returns the change of the sum of data users x busy-hour throughput.
    """
    d_thr = 0.0
    new = np.empty(7)
    for j in range(idx.size):
        c = idx[j]
        b5, b4 = _cell(c, pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4, served_rate, u, dev5,
                       users, new)
        g = group[c]
        for f in range(6):
            group_sum[f, g] += new[f] - state[c, f]
        hist[bins[c, 0]] -= state[c, 4]
        hist[bins[c, 1]] -= state[c, 5]
        hist[b5] += new[4]
        hist[b4] += new[5]
        bins[c, 0] = b5
        bins[c, 1] = b4
        d_thr += new[6] - state[c, 6]
        for f in range(7):
            state[c, f] = new[f]
    return d_thr


@njit(cache=True)
def evaluate_all(pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4, served_rate, u, dev5, users,
                 state, bins, group, group_sum, hist):
    """Every cell from scratch (a year's demand step): the sums are rebuilt, the old values never read.
    Returns the sum of data users x busy-hour throughput."""
    group_sum[:, :] = 0.0
    hist[:] = 0.0
    thr = 0.0
    new = np.empty(7)
    for c in range(pop.size):
        b5, b4 = _cell(c, pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4, served_rate, u, dev5,
                       users, new)
        g = group[c]
        for f in range(6):
            group_sum[f, g] += new[f]
        hist[b5] += new[4]
        hist[b4] += new[5]
        bins[c, 0] = b5
        bins[c, 1] = b4
        thr += new[6]
        for f in range(7):
            state[c, f] = new[f]
    return thr


@njit(cache=True)
def add_site_supply(indptr, fp_cells, shares, capacity, p5, median, sites, rows, touched):
    """rows[cell] += (C x share, C x share x p5, C x share x median) over the given sites' footprint pairs;
    marks each cell it changes in `touched`."""
    for i in range(sites.size):
        s = sites[i]
        for j in range(indptr[s], indptr[s + 1]):
            c = fp_cells[j]
            m = shares[j] * capacity[s]
            rows[c, 0] += m
            rows[c, 1] += m * p5[s]
            rows[c, 2] += m * median[s]
            touched[c] = True
