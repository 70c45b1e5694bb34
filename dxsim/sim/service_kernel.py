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
A cell's own values (state, bins, supply, area, people) sit in one 128-byte record (R_STATE), so a
scattered cell costs two cache lines for them instead of ~7, and the loops keep one base pointer for them.

Float results depend on the order of the additions: every sum here adds in ascending cell order (or site
order, for the supply), exactly as the numpy/numba forms these kernels replaced; the golden test checks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic
from numpy.typing import NDArray

from dxsim.jit import njit
from dxsim.radio.coverage import popcount, prefetch

# The busy-hour throughput histograms, one of the data users on 5G and one of those on 4G (their medians are
# `user_throughput_mbps_p50_5g` / `_4g`, the median of both together `user_throughput_mbps_p50`): bins equally
# spaced in log(rate), BIN_STEPS to each doubling, so each is 0.2% of its rate wide, from 2**BIN_LOW_EXP Mbps (~0.5 kbps) to
# 2**BIN_HIGH_EXP (~2 Gbps); bin 0 holds slower rates (0 included), the last bin faster ones. Why not linear:
# 0.25 Mbps bins put every user of an overloaded network in bin 0 and gave a median of ~0.125 Mbps (interpolated)
# beside a mean of 0.023; near zero a user's rate falls with the load, so the bins must shrink with the rate.
BIN_STEPS = 512  # = 2**_STEP_BITS
BIN_LOW_EXP = -11
BIN_HIGH_EXP = 11
BIN_LOW_MBPS = 2.0**BIN_LOW_EXP
BIN_HIGH_MBPS = 2.0**BIN_HIGH_EXP
N_BINS = 2 + (BIN_HIGH_EXP - BIN_LOW_EXP) * BIN_STEPS
STATE_FIELDS = ("served5", "short5", "mbb_cov", "mbb_served", "w5", "w4", "thr")
GROUP_FIELDS = STATE_FIELDS[:6]  # summed per area (the first columns of `state`)
BLOCK_SHIFT = (
    6  # touched cells are also flagged per block of 2**6 = 64 cells (evaluate_cells scans only those)
)
AHEAD = (
    16  # prefetch distance of the incremental passes, in cells (or footprint pairs); see coverage.prefetch
)
AHEAD_SITES = 4  # ... and in sites, for the footprint pairs of the sites to come
LEAD_SITES = 2  # add_site_supply prefetches the supply rows of the cells of the site this many sites ahead
# A cell's record (float64 slots, one row of a C-contiguous (cells, R_SLOTS) array whose rows start on 64-byte
# boundaries, see capacity.cell_records): its STATE_FIELDS, its two throughput bins as one exact code
# (b5 << BIN_CODE_SHIFT | b4), its 5G and 4G supply (Mbps, capacity-weighted p5 sum, capacity-weighted median sum),
# its area and its people. 16 slots = 128 bytes = two cache lines: a month's scattered cells cost 2 misses for all
# of it, and the kernels address everything from one base pointer (the separate arrays cost ~10 registers).
R_STATE, R_BINS, R_S5, R_S4, R_GROUP, R_POP, R_SLOTS = 0, 7, 8, 11, 14, 15, 16
BIN_CODE_SHIFT = 14  # 2**14 > N_BINS
BIN_CODE_MASK = (1 << BIN_CODE_SHIFT) - 1
# array types of the kernels' signatures (for type checkers; numba types the arguments it is called with)
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]
Flags = NDArray[np.bool_]
CellState = tuple[float, float, float, float, float, float, float]  # STATE_FIELDS of one cell


def n_blocks(n_cells: int) -> int:
    """Number of 64-cell blocks covering n_cells."""
    return (n_cells + (1 << BLOCK_SHIFT) - 1) >> BLOCK_SHIFT


_MANTISSA_BITS = 52  # of a float64
_STEP_BITS = 9  # 2**9 = BIN_STEPS
_BIN_OFFSET = (1023 + BIN_LOW_EXP) << _STEP_BITS  # the biased exponent of 2**BIN_LOW_EXP, in steps

if TYPE_CHECKING:

    def float_bits(x: float) -> int:
        """The IEEE 754 bits of a float64 as an int64; see the intrinsic below."""
else:

    @intrinsic
    def float_bits(typingctx, x):
        """The IEEE 754 bits of a float64 as an int64 (a register move): the binary exponent and leading mantissa
        bits of a rate are its log-spaced histogram bin. math.frexp with range tests gave the same bins and made the
        yearly all-cells pass 27% slower (7.0 to 8.9 ms); this cast, without branches, costs it ~5%."""
        if not isinstance(x, types.Float) or x.bitwidth != 64:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))

        return types.int64(x), codegen


@njit(cache=True, inline="always")
def _bin(t: float) -> int:
    """The histogram bin of a rate t (Mbps): see BIN_STEPS. A positive float64 is 2**E x (1 + f): its bits shifted
    right by 52 - 9 are E (biased) followed by the top 9 bits of f, i.e. the octave and the step inside it. Rates
    below 2**BIN_LOW_EXP (0 included; a negative one's sign bit makes its bits negative) fall below bin 1 and are
    clamped into bin 0, faster ones into the last. No branch: with a third of the rates 0 (no 5G), a test of t
    mispredicts; binning 800,000 such rates took 3.3 ms with the tests and 0.8 ms clamped, as the linear bins did."""
    b = 1 + (float_bits(t) >> (_MANTISSA_BITS - _STEP_BITS)) - _BIN_OFFSET
    return min(max(b, 0), N_BINS - 1)


def bin_range_mbps(b: int) -> tuple[float, float]:
    """(lower edge, width) of histogram bin b in Mbps; the last bin's width is 0 (it holds every faster rate)."""
    if b <= 0:
        return 0.0, BIN_LOW_MBPS
    if b >= N_BINS - 1:
        return BIN_HIGH_MBPS, 0.0
    octave, step = divmod(b - 1, BIN_STEPS)
    base = 2.0 ** (BIN_LOW_EXP + octave)
    return base * (1.0 + step / BIN_STEPS), base / BIN_STEPS


@njit(cache=True, inline="always", error_model="numpy")
def _layer(
    mbps: float, p5_sum: float, median_sum: float, demand: float, served_rate: float
) -> tuple[float, float, float, float]:
    """(served share of the demand, offered load capped at 1, carried Mbps, median unloaded rate) of one layer."""
    if mbps <= 0.0:
        return (0.0, 1.0, 0.0, 0.0)
    edge = p5_sum / mbps
    load_max = 0.0 if edge <= 0.0 else min(max(1.0 - served_rate / edge, 0.0), 1.0)
    carried = min(demand, load_max * mbps)
    share = carried / demand if demand > 0.0 else (1.0 if load_max > 0.0 else 0.0)
    return (share, min(demand / mbps, 1.0), carried, median_sum / mbps)


@njit(cache=True, inline="always", error_model="numpy")
def _cell(
    c: int,
    rec: F64,
    cov5: F64,
    op0: F64,
    op1: F64,
    op2: F64,
    op_share: F64,
    cov4: F64,
    mask5: U64,
    mask4: U64,
    k: float,
    served_rate: float,
    u: float,
    dev5: float,
    users: float,
) -> tuple[CellState, int, int]:
    """Cell c's STATE_FIELDS (a tuple of 7) and the throughput bins of its 5G and its 4G users.

    Returns values, never writes a scratch array: a per-cell `new` array made the whole pass ~4x slower.
    """
    own5 = (
        op_share[0] * op0[c] + op_share[1] * op1[c] + op_share[2] * op2[c]
    )  # inside their own operator's 5G
    s50 = rec[c, R_S5]
    share5, _, carried5, med5 = _layer(s50, rec[c, R_S5 + 1], rec[c, R_S5 + 2], u * dev5 * own5, served_rate)
    d4 = max(u * cov4[c] - carried5, 0.0)
    share4, load4, _, med4 = _layer(rec[c, R_S4], rec[c, R_S4 + 1], rec[c, R_S4 + 2], d4, served_rate)
    mbb_cov = rec[c, R_POP] * popcount(mask4[c] | mask5[c]) / k
    served5 = cov5[c] * share5
    # people whose traffic 5G carries: the 5G-device users inside their own operator's 5G, at its carried share;
    # everyone else in coverage (no 5G device, another operator's 5G, 5G overflow) is on 4G
    on5 = dev5 * own5 * share5
    w5 = users * dev5 * own5 * share5
    w4 = max(users * mbb_cov - w5, 0.0)
    # the 5G users on 5G are the carried ones (the rest went to 4G); no 5G supply: fully loaded, as _layer says
    load5 = carried5 / s50 if s50 > 0.0 else 1.0
    t5 = med5 * (1.0 - load5)
    t4 = med4 * (1.0 - load4)
    new = (
        served5,
        cov5[c] - served5,
        mbb_cov,
        on5 + min(max(mbb_cov - on5, 0.0), cov4[c]) * share4,
        w5,
        w4,
        w5 * t5 + w4 * t4,
    )
    return new, _bin(t5), _bin(t4)


@njit(cache=True, error_model="numpy")  # no zero-division checks: every division is guarded
def evaluate_cells(
    touched: Flags,
    touched_blocks: Flags,
    work: I64,
    rec: F64,
    cov5: F64,
    op0: F64,
    op1: F64,
    op2: F64,
    op_share: F64,
    cov4: F64,
    mask5: U64,
    mask4: U64,
    k: float,
    served_rate: float,
    u: float,
    dev5: float,
    users: float,
    group_sum: F64,
    hist: F64,
) -> float:
    """Recompute the cells flagged in `touched` (bool per cell), in ascending order, and clear their flags;
    update the cells' records `rec` (cells x R_SLOTS, see R_STATE), `group_sum` and `hist` in place (`hist`: 2 x
    N_BINS, the data users on 5G by their throughput bin, then those on 4G).

    touched_blocks[b] flags that some cell of b*64 .. b*64+63 is touched, so only those blocks are scanned
    (no pass over every cell each month); `work` (int64, one per cell) receives the cells' indices, so their
    inputs can be prefetched some cells ahead. op0..op2: people covered by each operator's own 5G per cell,
    op_share (3) their subscriber shares. Returns the change of the sum of data users x busy-hour throughput.
    """
    n = rec.shape[0]
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
            prefetch(cov5, q)
            prefetch(op0, q)
            prefetch(op1, q)
            prefetch(op2, q)
            prefetch(cov4, q)
            prefetch(mask5, q)
            prefetch(mask4, q)
            prefetch(rec, q)  # the record's two cache lines
            prefetch(rec[q], R_S5)
        c = work[j]
        new, b5, b4 = _cell(
            c, rec, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, served_rate, u, dev5, users
        )
        g = int(rec[c, R_GROUP])
        group_sum[0, g] += new[0] - rec[c, 0]
        group_sum[1, g] += new[1] - rec[c, 1]
        group_sum[2, g] += new[2] - rec[c, 2]
        group_sum[3, g] += new[3] - rec[c, 3]
        group_sum[4, g] += new[4] - rec[c, 4]
        group_sum[5, g] += new[5] - rec[c, 5]
        code = int(rec[c, R_BINS])
        hist[0, code >> BIN_CODE_SHIFT] -= rec[c, 4]
        hist[1, code & BIN_CODE_MASK] -= rec[c, 5]
        hist[0, b5] += new[4]
        hist[1, b4] += new[5]
        d_thr += new[6] - rec[c, 6]
        _store(rec, c, new, b5, b4)
    return d_thr


@njit(cache=True, inline="always")
def _store(rec: F64, c: int, new: CellState, b5: int, b4: int) -> None:
    """The cell's STATE_FIELDS (the tuple of 7 from `_cell`) and its bins into its record."""
    rec[c, 0] = new[0]
    rec[c, 1] = new[1]
    rec[c, 2] = new[2]
    rec[c, 3] = new[3]
    rec[c, 4] = new[4]
    rec[c, 5] = new[5]
    rec[c, 6] = new[6]
    rec[c, R_BINS] = float((b5 << BIN_CODE_SHIFT) | b4)


@njit(cache=True, error_model="numpy")  # no zero-division checks: every division is guarded
def evaluate_all(
    rec: F64,
    cov5: F64,
    op0: F64,
    op1: F64,
    op2: F64,
    op_share: F64,
    cov4: F64,
    mask5: U64,
    mask4: U64,
    k: float,
    served_rate: float,
    u: float,
    dev5: float,
    users: float,
    group_sum: F64,
    hist: F64,
) -> float:
    """Every cell from scratch (a year's demand step): the sums are rebuilt, the old values never read.
    Returns the sum of data users x busy-hour throughput."""
    group_sum[:, :] = 0.0
    hist[:, :] = 0.0
    thr = 0.0
    for c in range(rec.shape[0]):
        new, b5, b4 = _cell(
            c, rec, cov5, op0, op1, op2, op_share, cov4, mask5, mask4, k, served_rate, u, dev5, users
        )
        g = int(rec[c, R_GROUP])
        group_sum[0, g] += new[0]
        group_sum[1, g] += new[1]
        group_sum[2, g] += new[2]
        group_sum[3, g] += new[3]
        group_sum[4, g] += new[4]
        group_sum[5, g] += new[5]
        hist[0, b5] += new[4]
        hist[1, b4] += new[5]
        thr += new[6]
        _store(rec, c, new, b5, b4)
    return thr


@njit(cache=True)
def add_site_supply(
    indptr: I64,
    fp_cells: NDArray[np.int32],
    shares: F64,
    capacity: F64,
    p5: F64,
    median: F64,
    sites: I64,
    rows: F64,
    touched: Flags,
    touched_blocks: Flags,
) -> None:
    """rows[cell] += (C x share, C x share x p5, C x share x median) over the given sites' footprint pairs;
    flags each cell it changes in `touched` and its block of 64 cells in `touched_blocks` (see evaluate_cells).

    Prefetch pipeline (a site has ~15 pairs, so prefetching within a site left each site waiting for its cells):
    the site index, then the site's pairs and capacities, then the rows of its cells, each some sites ahead."""
    n_sites = sites.size
    for i in range(min(LEAD_SITES, n_sites)):
        s = sites[i]
        for j in range(indptr[s], indptr[s + 1]):
            prefetch(rows, fp_cells[j])
    for i in range(n_sites):
        if i + 2 * AHEAD_SITES < n_sites:
            prefetch(indptr, sites[i + 2 * AHEAD_SITES])
        if i + AHEAD_SITES < n_sites:
            ahead_site = sites[i + AHEAD_SITES]
            ahead = indptr[ahead_site]
            prefetch(fp_cells, ahead)
            prefetch(shares, ahead)
            prefetch(capacity, ahead_site)
            prefetch(p5, ahead_site)
            prefetch(median, ahead_site)
        if i + LEAD_SITES < n_sites:
            lead = sites[i + LEAD_SITES]
            for j in range(indptr[lead], indptr[lead + 1]):
                prefetch(rows, fp_cells[j])
        s = sites[i]
        cap, cap_p5, cap_med = capacity[s], p5[s], median[s]
        for j in range(indptr[s], indptr[s + 1]):
            c = fp_cells[j]
            m = shares[j] * cap
            rows[c, 0] += m
            rows[c, 1] += m * cap_p5
            rows[c, 2] += m * cap_med
            touched[c] = True
            touched_blocks[c >> BLOCK_SHIFT] = True


@njit(cache=True)
def short_people(
    sites: I64,
    plan_cell: I64,
    rate_p5: F64,
    capacity: F64,
    served_rate: float,
    person_mbps: float,
    state: F64,
    out: F64,
    short_out: F64,
) -> None:
    """out[i] = the capacity-short people (short5 + mbb_cov - mbb_served, at least 0) in the cell site sites[i] stands
    in, at most as many as the site itself can serve at the served rate: the load its edge rate allows
    (1 - served_rate / rate_p5, `_layer`) x its capacity, over one person's busy-hour demand `person_mbps`. 0 where it
    stands in no populated cell (-1) or its edge rate is not above the served rate. short_out[i] = those people
    uncapped (0 outside a populated cell): a site short_out >= 1 and out < 1 is one the replanning passes by.

    Why the cap: a 700 MHz site whose edge rate (10.016 Mbps) sat 0.16% above a 10 Mbps served rate can carry
    0.11 Mbps at that rate, about one person's 2030 demand, yet counted every short person of its cell, and ~10,000
    such sites were brought forward "for capacity" (radio audit, 2026-12-06).

    One pass over the window instead of ~8 numpy gathers and temporaries of its length (~20,000 sites, yearly);
    the arithmetic is that of the numpy form, NaN kept as np.maximum keeps it. The sites' cells are scattered:
    their plan entries are prefetched 2 x AHEAD sites ahead, their cells' state AHEAD sites ahead."""
    n = sites.size
    for i in range(n):
        if i + 2 * AHEAD < n:
            prefetch(plan_cell, sites[i + 2 * AHEAD])
            prefetch(rate_p5, sites[i + 2 * AHEAD])
        if i + AHEAD < n:
            ahead = plan_cell[sites[i + AHEAD]]
            if ahead >= 0:
                prefetch(state, ahead)
        s = sites[i]
        c = plan_cell[s]
        if c < 0:
            out[i] = 0.0
            short_out[i] = 0.0
            continue
        short = state[c, 1] + state[c, 2] - state[c, 3]
        short = short if (short >= 0.0 or short != short) else 0.0
        short_out[i] = short
        if not rate_p5[s] > served_rate:
            out[i] = 0.0
            continue
        out[i] = (
            min(short, (1.0 - served_rate / rate_p5[s]) * capacity[s] / person_mbps)
            if person_mbps > 0.0
            else short
        )


@njit(cache=True, inline="always", error_model="numpy")
def _carries_one(mbps: float, p5_sum: float, served_rate: float, person_mbps: float) -> bool:
    """Whether a layer of `mbps` capacity and capacity-weighted edge sum `p5_sum` carries one person's demand at the
    served rate (see edge_held_short)."""
    if not mbps > 0.0:
        return False
    edge = p5_sum / mbps
    return edge > served_rate and (1.0 - served_rate / edge) * mbps >= person_mbps


@njit(cache=True)
def edge_held_short(rec: F64, served_rate: float, person_mbps: float) -> tuple[float, float]:
    """(5G, 4G-or-better) capacity-short people summed over the cells whose layer cannot carry one person's busy-hour
    demand `person_mbps` at the served rate: the load its edge rate (p5 sum / capacity) allows, 1 - served_rate /
    edge (`_layer`), times the cell's capacity of that layer, is below it (always so for an edge rate not above
    the served rate, or no capacity). 5G by the 5G supply, 4G-or-better by the 4G.

    Why not the edge rate alone: an edge rate 0.16% above the served rate carries almost nothing at that rate, and
    the run then said "more capacity where the traffic is would relieve them" (radio audit, 2026-12-06).

    One sequential pass over the records, in ascending cell order; the numpy form read the 52 MB of records in five
    strided passes with two full-length temporaries (~17 ms, once a run; this is ~2 ms)."""
    short5_sum, short_mbb_sum = 0.0, 0.0
    for c in range(rec.shape[0]):
        short5 = rec[c, R_STATE + 1]
        if short5 != 0.0 and not _carries_one(rec[c, R_S5], rec[c, R_S5 + 1], served_rate, person_mbps):
            short5_sum += short5
        short_mbb = rec[c, R_STATE + 2] - rec[c, R_STATE + 3]
        if short_mbb != 0.0 and not _carries_one(rec[c, R_S4], rec[c, R_S4 + 1], served_rate, person_mbps):
            short_mbb_sum += short_mbb
    return short5_sum, short_mbb_sum


@njit(cache=True)
def init_records(rec: F64, s5: F64, s4: F64, group: I64, pop: F64) -> None:
    """Fill the cell records (see R_STATE) in one sequential pass: state and bins 0, the start 5G supply s5 and
    the 4G supply s4 (cells x 3 each), the area and the people. (numpy's strided column copies took ~3x longer.)"""
    for c in range(rec.shape[0]):
        for f in range(R_S5):
            rec[c, f] = 0.0
        for f in range(3):
            rec[c, R_S5 + f] = s5[c, f]
            rec[c, R_S4 + f] = s4[c, f]
        rec[c, R_GROUP] = group[c]
        rec[c, R_POP] = pop[c]


@njit(cache=True)
def median_bin(hist: F64, half: float) -> tuple[int, float]:
    """(b, cumsum below b): b = np.searchsorted(np.cumsum(hist), half), bit for bit as numpy does it (the sequential
    running sum, then its binary search with NaN ordered last), without numpy's temporaries (national(), monthly)."""
    n = hist.size
    cum = np.empty(n)
    if n > 0:
        cum[0] = hist[0]
    for i in range(1, n):
        cum[i] = cum[i - 1] + hist[i]
    lo, hi = 0, n
    while lo < hi:
        mid = lo + ((hi - lo) >> 1)
        v = cum[mid]
        if v < half or (half != half and v == v):
            lo = mid + 1
        else:
            hi = mid
    return lo, (cum[lo - 1] if lo > 0 else 0.0)


@njit(cache=True)
def stabilise_ties(key: F64, order: I64) -> I64:
    """Sort `order` ascending within each run of equal key[order] (in place), and return it.

    Why: a fast unstable argsort (numpy's default) followed by this equals np.argsort(key, kind="stable") exactly
    (both are then ordered by key, ties by index) at ~1/5 of the cost (yearly, on ~5,000-9,000 sites per operator)."""
    n = order.size
    i = 0
    while i < n:
        j = i + 1
        while j < n and key[order[j]] == key[order[i]]:
            j += 1
        if j - i > 1:
            order[i:j] = np.sort(order[i:j])
        i = j
    return order
