"""The compiled per-cell pass of the served/short model (`dxsim.sim.capacity`), one fused loop.

Why compiled: a year's demand step re-evaluates all 406,784 cells; as numpy expressions that is ~60
temporaries of the full length (0.1 s), fused in one numba loop it is a few milliseconds. The
formulas are those of the `dxsim.sim.capacity` docstring; `tests/test_capacity.py` checks them
against a hand computation and against a brute-force re-evaluation of every cell.

The pass updates the running sums in place: for each cell it removes the cell's previous
contribution and adds the new one. A month visits only the cells whose supply changed (flagged per
cell and per block of 64 cells by `add_site_supply`), in ascending order, with their inputs
prefetched some cells ahead: they are scattered over arrays larger than the cache, and the CPU alone
keeps too few of a cell's loads in flight (the incremental pass is ~3x faster with the prefetch).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from dxsim.radio.coverage import prefetch

BIN_MBPS = 0.25  # throughput histogram: 0.25 Mbps bins (bin 0 holds 0 to 0.25 Mbps) ...
N_BINS = 8_000  # ... up to 2 Gbps; the last bin also holds anything faster
STATE_FIELDS = ("served5", "short5", "mbb_cov", "mbb_served", "w5", "w4", "thr")
GROUP_FIELDS = STATE_FIELDS[:6]  # summed per area (the first columns of `state`)
BLOCK_SHIFT = 6  # touched cells are also flagged per block of 2**6 = 64 cells (evaluate_cells scans only those)
AHEAD = 16  # prefetch distance of the incremental passes, in cells (or footprint pairs); see coverage.prefetch
AHEAD_SITES = 4  # ... and in sites, for the footprint pairs of the sites to come


def n_blocks(n_cells: int) -> int:
    """Number of 64-cell blocks covering n_cells."""
    return (n_cells + (1 << BLOCK_SHIFT) - 1) >> BLOCK_SHIFT


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
def _cell(c, pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4, served_rate, u, dev5, users):
    """Cell c's STATE_FIELDS (a tuple of 7) and the throughput bins of its 5G and its 4G users.

    Returns values, never writes a scratch array: a per-cell `new` array made the whole pass ~4x slower.
    """
    own5 = op_share[0] * op0[c] + op_share[1] * op1[c] + op_share[2] * op2[c]  # inside their own operator's 5G
    s50 = s5[c, 0]
    share5, _, carried5, med5 = _layer(s50, s5[c, 1], s5[c, 2], u * dev5 * own5, served_rate)
    d4 = max(u * cov4[c] - carried5, 0.0)
    share4, load4, _, med4 = _layer(s4[c, 0], s4[c, 1], s4[c, 2], d4, served_rate)
    mbb_cov = pop[c] * _popcount(mask4[c] | mask5[c]) / k
    served5 = cov5[c] * share5
    w5 = users * dev5 * own5 * share5
    w4 = max(users * mbb_cov - w5, 0.0)
    # the 5G users on 5G are the carried ones (the rest went to 4G); no 5G supply: fully loaded, as _layer says
    load5 = carried5 / s50 if s50 > 0.0 else 1.0
    t5 = med5 * (1.0 - load5)
    t4 = med4 * (1.0 - load4)
    new = (served5, cov5[c] - served5, mbb_cov, served5 + min(max(mbb_cov - served5, 0.0), cov4[c]) * share4,
           w5, w4, w5 * t5 + w4 * t4)
    return new, _bin(t5), _bin(t4)


@njit(cache=True)
def evaluate_cells(touched, touched_blocks, work, pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4,
                   served_rate, u, dev5, users, state, bins, group, group_sum, hist):
    """Recompute the cells flagged in `touched` (bool per cell), in ascending order, and clear their flags;
    update `state` (cells x fields), `bins` (cells x 2), `group_sum`, `hist` in place.

    touched_blocks[b] flags that some cell of b*64 .. b*64+63 is touched, so only those blocks are scanned
    (no pass over every cell each month); `work` (int64, one per cell) receives the cells' indices, so their
    inputs can be prefetched some cells ahead. op0..op2: people covered by each operator's own 5G per cell,
    op_share (3) their subscriber shares. s5, s4: (cells, 3) supply: Mbps, capacity-weighted p5 sum,
    capacity-weighted median sum. state is (cells, fields) and bins (cells, 2), so one cell's values sit together.
    Returns the change of the sum of data users x busy-hour throughput.
    """
    n = pop.size
    m = 0
    for b in range(touched_blocks.size):
        if not touched_blocks[b]:
            continue
        touched_blocks[b] = False
        for c in range(b << BLOCK_SHIFT, min((b + 1) << BLOCK_SHIFT, n)):
            if touched[c]:
                touched[c] = False
                work[m] = c
                m += 1
    d_thr = 0.0
    for j in range(m):
        if j + AHEAD < m:
            q = work[j + AHEAD]
            prefetch(pop, q)
            prefetch(cov5, q)
            prefetch(op0, q)
            prefetch(op1, q)
            prefetch(op2, q)
            prefetch(cov4, q)
            prefetch(mask5, q)
            prefetch(mask4, q)
            prefetch(s5, q)
            prefetch(s4, q)
            prefetch(state, q)
            prefetch(bins, q)
            prefetch(group, q)
        c = work[j]
        new, b5, b4 = _cell(c, pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4,
                            served_rate, u, dev5, users)
        g = group[c]
        group_sum[0, g] += new[0] - state[c, 0]
        group_sum[1, g] += new[1] - state[c, 1]
        group_sum[2, g] += new[2] - state[c, 2]
        group_sum[3, g] += new[3] - state[c, 3]
        group_sum[4, g] += new[4] - state[c, 4]
        group_sum[5, g] += new[5] - state[c, 5]
        hist[bins[c, 0]] -= state[c, 4]
        hist[bins[c, 1]] -= state[c, 5]
        hist[b5] += new[4]
        hist[b4] += new[5]
        bins[c, 0] = b5
        bins[c, 1] = b4
        d_thr += new[6] - state[c, 6]
        _store(state, c, new)
    return d_thr


@njit(cache=True, inline="always")
def _store(state, c, new):
    """state[c, :] = new (the tuple of 7 from `_cell`)."""
    state[c, 0] = new[0]
    state[c, 1] = new[1]
    state[c, 2] = new[2]
    state[c, 3] = new[3]
    state[c, 4] = new[4]
    state[c, 5] = new[5]
    state[c, 6] = new[6]


@njit(cache=True)
def evaluate_all(pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4, served_rate, u, dev5, users,
                 state, bins, group, group_sum, hist):
    """Every cell from scratch (a year's demand step): the sums are rebuilt, the old values never read.
    Returns the sum of data users x busy-hour throughput."""
    group_sum[:, :] = 0.0
    hist[:] = 0.0
    thr = 0.0
    for c in range(pop.size):
        new, b5, b4 = _cell(c, pop, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, s5, s4,
                            served_rate, u, dev5, users)
        g = group[c]
        group_sum[0, g] += new[0]
        group_sum[1, g] += new[1]
        group_sum[2, g] += new[2]
        group_sum[3, g] += new[3]
        group_sum[4, g] += new[4]
        group_sum[5, g] += new[5]
        hist[b5] += new[4]
        hist[b4] += new[5]
        bins[c, 0] = b5
        bins[c, 1] = b4
        thr += new[6]
        _store(state, c, new)
    return thr


@njit(cache=True)
def add_site_supply(indptr, fp_cells, shares, capacity, p5, median, sites, rows, touched, touched_blocks):
    """rows[cell] += (C x share, C x share x p5, C x share x median) over the given sites' footprint pairs;
    flags each cell it changes in `touched` and its block of 64 cells in `touched_blocks` (see evaluate_cells)."""
    n_sites = sites.size
    for i in range(n_sites):
        if i + 2 * AHEAD_SITES < n_sites:
            prefetch(indptr, sites[i + 2 * AHEAD_SITES])
        if i + AHEAD_SITES < n_sites:
            ahead = indptr[sites[i + AHEAD_SITES]]
            prefetch(fp_cells, ahead)
            prefetch(shares, ahead)
        s = sites[i]
        start, end = indptr[s], indptr[s + 1]
        for j in range(start, min(start + AHEAD, end)):
            prefetch(rows, fp_cells[j])
        cap, cap_p5, cap_med = capacity[s], p5[s], median[s]
        for j in range(start, end):
            if j + AHEAD < end:
                prefetch(rows, fp_cells[j + AHEAD])
            c = fp_cells[j]
            m = shares[j] * cap
            rows[c, 0] += m
            rows[c, 1] += m * cap_p5
            rows[c, 2] += m * cap_med
            touched[c] = True
            touched_blocks[c >> BLOCK_SHIFT] = True
