"""Who is served, not only who is covered: busy-hour demand held against site capacity per 1 km cell.

Each site's capacity (`dxsim.radio.capacity`, Mbps) is spread over the people of its footprint
(the same per-site (cell, points) footprints the coverage engine switches on): cell c gets
``C_s x a_sc pop_c / P_s`` of site s, where a_sc is the share of c the site covers and P_s the
people the site covers. Overlapping sites add. Demand follows the people too, so a site alone gives
every cell it covers the load ``demand of its people / C_s``, which is the processor-sharing load of
that site. This allocation is static per site, so a month only touches the cells of the sites
switched on in it (and every cell once a year, when demand steps up).

Per cell, with u the busy-hour Mbps per person (`Capacity.busy_hour_mbps_per_person`, in the run's start year's
terms: the scenario's growth applies after it)::

    D5  = u x device_5g_share x sum_k share_k x covered_5g_k      (5G users inside their operator's 5G)
    rho_max = 1 - served_rate / edge_rate                          (edge_rate: capacity-weighted p5 rate)
    carried5 = min(D5, rho_max x S5);  served share of 5G-covered people = carried5 / D5
    D4  = u x covered_4g - carried5                                (the rest, and 5G overflow, on 4G)
    served share of the other covered people = min(D4, rho_max4 x S4) / D4

Two measures of served. 5G served, covered_5g x (carried5 / D5), is a place measure like coverage: everyone in
the cell's 5G coverage counts, with or without a 5G device, when its 5G cells carry their 5G-device users.
4G-or-better served counts people whose traffic is carried: the 5G-device users their own operator's 5G carries
(on5 = device_5g_share x covered_own_5g x carried5 / D5), then everyone else in coverage at the 4G served share::

    mbb_served = on5 + min(max(covered_any - on5, 0), covered_4g) x served share of 4G

so where 4G is overloaded, people without a 5G device inside served 5G coverage are 5G-served (the place) but
not 4G-or-better served (their traffic is on that 4G).

A user's busy-hour flow throughput is median_rate x (1 - load) (M/G/1-PS), with the 5G load the carried
5G demand (users beyond it moved to 4G) and the 4G load the offered 4G demand (capped at 1); the national medians
(of all data users, of those on 5G, of those on 4G) are taken from two histograms, one per layer (bins 0.2% of the
rate wide), kept up to date cell by cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dxsim.radio.capacity import layer_capacity
from dxsim.radio.coverage import CoverageGrid, Footprints
from dxsim.scenario.sections.capacity import Capacity
from dxsim.sim.service_kernel import (
    F64,
    GROUP_FIELDS,
    N_BINS,
    R_S4,
    R_S5,
    R_SLOTS,
    R_STATE,
    STATE_FIELDS,
    U64,
    add_site_supply,
    bin_range_mbps,
    edge_held_short,
    evaluate_all,
    evaluate_cells,
    init_records,
    median_bin,
    n_blocks,
    short_people,
    stabilise_ties,
)

ENVS = ("urban", "suburban", "rural")


@dataclass(frozen=True)
class SiteCapacity:
    """Per-site capacity (Mbps) and unloaded edge (p5) and median rates of a set of sites."""

    capacity_mbps: np.ndarray
    rate_p5_mbps: np.ndarray
    rate_median_mbps: np.ndarray


def site_capacity(
    technology: str,
    band_mhz: np.ndarray,
    env_idx: np.ndarray,
    neighbour_load: float,
    cap_mbps: np.ndarray | None = None,
    nr_carrier: Callable[[int], tuple[float, int]] | None = None,
) -> SiteCapacity:
    """Capacity of each site from its own band in its environment (`layer_capacity`, once per band and
    environment), optionally capped (a backhaul). `nr_carrier`: a 5G band's (bandwidth MHz, layers), the
    scenario's (`Capacity.nr_carrier`); None: the bands' defaults."""
    env_idx = np.asarray(env_idx, dtype=np.int64)
    band = np.asarray(band_mhz, dtype=np.int64)
    cap, p5, med = np.zeros(band.size), np.zeros(band.size), np.zeros(band.size)
    pairs = np.unique(np.stack([band, env_idx]), axis=1) if band.size else np.zeros((2, 0), dtype=np.int64)
    for b, e in pairs.T:
        nr = nr_carrier(int(b)) if technology == "5g" and nr_carrier is not None else None
        t = layer_capacity(technology, int(b), ENVS[int(e)], neighbour_load, nr=nr)
        at = (band == b) & (env_idx == e)
        cap[at], p5[at], med[at] = t.site_capacity_mbps, t.rate_p5_mbps, t.rate_median_mbps
    if cap_mbps is not None:  # a site behind a thin link carries at most the link, and no user gets more
        cap = np.minimum(cap, cap_mbps)
        p5, med = np.minimum(p5, cap_mbps), np.minimum(med, cap_mbps)
    return SiteCapacity(cap, p5, med)


def env_bands(bands: dict[str, int], env_idx: np.ndarray) -> np.ndarray:
    """Each site's band when it takes its environment's band (`radio.band_*_mhz`: {urban, suburban, rural})."""
    return np.array([int(bands[e]) for e in ENVS], dtype=np.int64)[np.asarray(env_idx, dtype=np.int64)]


def footprint_shares(fp: Footprints, pop: np.ndarray, k: int) -> np.ndarray:
    """Per (site, cell) pair: the share a_sc pop_c / P_s of the site's capacity that goes to the cell."""
    people = pop[fp.cells] * (np.bitwise_count(fp.bits).astype(np.float64) / k)
    site = np.repeat(np.arange(fp.indptr.size - 1), np.diff(fp.indptr))
    total = np.bincount(site, weights=people, minlength=fp.indptr.size - 1)
    return np.where(total[site] > 0, people / np.maximum(total[site], 1e-12), 0.0).astype(np.float32)


@dataclass
class Supply:
    """Per cell (rows): capacity reaching it (Mbps), and the capacity-weighted sums of the sites' edge (p5)
    and median rates (columns 0, 1, 2), so the cell's edge rate is column 1 / column 0."""

    rows: np.ndarray  # (cells, 3)

    @classmethod
    def empty(cls, n: int) -> Supply:
        return cls(np.zeros((n, 3)))

    def copy(self) -> Supply:
        return Supply(self.rows.copy())

    @property
    def mbps(self) -> np.ndarray:
        return self.rows[:, 0]

    def add(
        self,
        fp: Footprints,
        shares: np.ndarray,
        cap: SiteCapacity,
        sites: np.ndarray,
        touched: np.ndarray | None = None,
        touched_blocks: np.ndarray | None = None,
    ) -> None:
        """Add the given sites' capacity to the cells they cover, flagging those cells in `touched` (bool per cell)
        and their blocks of 64 cells in `touched_blocks` (see `service_kernel.evaluate_cells`)."""
        n = self.rows.shape[0]
        if touched is None:
            touched = np.zeros(n, dtype=bool)
        if touched_blocks is None:
            touched_blocks = np.zeros(n_blocks(n), dtype=bool)
        add_site_supply(
            fp.indptr,
            fp.cells,
            shares,
            cap.capacity_mbps,
            cap.rate_p5_mbps,
            cap.rate_median_mbps,
            np.asarray(sites, dtype=np.int64),
            self.rows,
            touched,
            touched_blocks,
        )


@dataclass
class CapacityWorld:
    """Static inputs of the served/short model for one scenario (built once, shared by replications)."""

    params: Capacity
    shares5: np.ndarray  # per pair of the 5G plan footprints
    cap5: SiteCapacity  # per plan site
    supply4: Supply  # the existing 4G sites (static)
    operator_share: np.ndarray  # subscriber shares (sum 1), in OPERATORS order
    village_shares: np.ndarray | None = None  # per pair of the village sites' 4G footprints
    village_cap: SiteCapacity | None = None
    supply5_start: Supply | None = None  # the 5G sites on air at the start
    plan_cell: np.ndarray | None = None  # the populated cell each 5G plan site stands in (-1: none)
    plan_band_mhz: np.ndarray | None = (
        None  # each 5G plan site's band (MHz), the one its capacity is computed for
    )
    # (urban, rural) median user rate (Mbps) of an idle cell of the run's 4G layer (`radio.band_4g_mhz`), which the
    # calibration's speed-test note quotes; built here, with the world, so a run from the stored world does not build
    # link budgets (and import scipy.optimize) again for two numbers
    idle_4g_median_mbps: tuple[float, float] = (float("nan"), float("nan"))


def histogram_median(hist: np.ndarray) -> float:
    """Median of a weighted throughput histogram (service_kernel.BIN_STEPS bins), interpolated linearly inside the
    median bin; 0 when empty."""
    total = float(hist.sum())
    if total <= 0:
        return 0.0
    b, below = median_bin(hist, 0.5 * total)  # np.searchsorted(np.cumsum(hist), 0.5 * total), compiled
    inside = (0.5 * total - below) / float(hist[b]) if hist[b] > 0 else 0.5
    lower, width = bin_range_mbps(int(b))
    return lower + width * min(max(inside, 0.0), 1.0)


def layer_median(hist: np.ndarray) -> float:
    """histogram_median of one layer's users; NaN when the layer has none (not a throughput of 0)."""
    return histogram_median(hist) if float(hist.sum()) > 0 else float("nan")


def cell_records(n: int) -> np.ndarray:
    """(n, R_SLOTS) float64, uninitialised (see service_kernel.init_records), C-contiguous, whose rows start on
    64-byte boundaries: each cell's record (see service_kernel.R_STATE) is exactly two cache lines.

    Why: a month re-evaluates some 15,000 cells scattered over the country; with state, bins, supply, area and
    people in separate arrays each cell cost ~7 cache misses for them, in one record it costs 2."""
    raw = np.empty(n * R_SLOTS + 8)
    skip = (-raw.ctypes.data % 64) // 8
    return raw[skip : skip + n * R_SLOTS].reshape(n, R_SLOTS)


class CellService:
    """Served / capacity-short / uncovered people per cell and area, kept up to date month by month.

    ``cov5`` is the 5G union grid (any operator), ``cov5_op`` each operator's own 5G grid (or None),
    ``cov4`` the 4G grid. All are read, never changed.
    """

    def __init__(
        self,
        cw: CapacityWorld,
        pop: np.ndarray,
        group: np.ndarray,
        n_groups: int,
        k: int,
        cov5: CoverageGrid,
        cov5_op: list[CoverageGrid] | None,
        cov4: CoverageGrid,
        params: Capacity | None = None,
        env: np.ndarray | None = None,
        *,
        start_year: int,
    ) -> None:
        # demand and the served rate: the replication's own (uncertainty draws them); site capacities are the world's
        self.cw, self.p = cw, (params if params is not None else cw.params)
        self.start_year = (
            start_year  # the run's: demand grows at the history's rate up to it, then the scenario's
        )
        self.pop, self.group, self.n_groups, self.k = pop, group, n_groups, k
        # each cell is summed in its area x density class (ENVS; `env` per cell, default all urban): the areas for the
        # maps, the classes for where capacity is short (towns under 700 MHz's big cells, villages on thin links)
        env_idx = np.zeros(pop.size, dtype=np.int64) if env is None else np.asarray(env, dtype=np.int64)
        area_env = np.asarray(group, dtype=np.int64) * len(ENVS) + env_idx
        self.pop_total = float(pop.sum())  # summed once: national() runs every month
        # each density class's people, the denominators of its served / short / uncovered shares
        self.pop_env = np.bincount(env_idx, weights=np.asarray(pop, dtype=np.float64), minlength=len(ENVS))
        self.cov5, self.cov5_op, self.cov4 = cov5, cov5_op, cov4
        n = pop.size
        # one 128-byte record per cell (see cell_records): state, bins, 5G and 4G supply, area and people
        self._rec = rec = cell_records(n)
        s5_start = cw.supply5_start.rows if cw.supply5_start is not None else np.zeros((n, 3))
        init_records(
            rec,
            s5_start,
            cw.supply4.rows,
            area_env,
            np.asarray(pop, dtype=np.float64),
        )
        self.state = rec[
            :, R_STATE : R_STATE + len(STATE_FIELDS)
        ]  # per cell (views), see service_kernel.STATE_FIELDS
        self._s5 = Supply(rec[:, R_S5 : R_S5 + 3])
        self._s4 = Supply(rec[:, R_S4 : R_S4 + 3])
        self.year: int | None = None
        self.u = 0.0  # busy-hour Mbps per person
        self.dev5 = 0.0
        self.group_sum = np.zeros((len(GROUP_FIELDS), n_groups * len(ENVS)))  # by area x density class
        # data users by busy-hour throughput bin: row 0 those on 5G, row 1 those on 4G. Why two: the users are two
        # groups (tens and hundreds of Mbps), so the median of all jumps between them as 5G devices pass half; each
        # group's own median moves with its layer's load
        self.hist_busy = np.zeros((2, N_BINS))
        self.thr_sum = 0.0  # sum over cells of data users x busy-hour throughput (for the mean)
        self._touched = np.zeros(n, dtype=bool)  # cells whose supply changed since the last update
        self._touched_blocks = np.zeros(n_blocks(n), dtype=bool)  # ... and their blocks of 64 cells
        self._work = np.empty(n, dtype=np.int64)  # scratch of evaluate_cells (the touched cells' indices)
        if cov5_op is not None and len(cov5_op) == 3:  # 5G users use their own operator's 5G
            self._op_cov5: tuple[F64, F64, F64] = (
                cov5_op[0].covered_pop_cell,
                cov5_op[1].covered_pop_cell,
                cov5_op[2].covered_pop_cell,
            )
            self._op_share = np.asarray(cw.operator_share, dtype=np.float64)
        else:
            self._op_cov5 = (cov5.covered_pop_cell, cov5.covered_pop_cell, cov5.covered_pop_cell)
            self._op_share = np.array([1.0, 0.0, 0.0])

    @property
    def s5(self) -> Supply:
        """The 5G supply per cell (rows are views of the cell records)."""
        return self._s5

    @s5.setter
    def s5(self, supply: Supply) -> None:
        self._s5.rows[:] = supply.rows  # the supply lives in the cell records: assigning copies it in

    @property
    def s4(self) -> Supply:
        """The 4G supply per cell (rows are views of the cell records)."""
        return self._s4

    @s4.setter
    def s4(self, supply: Supply) -> None:
        self._s4.rows[:] = supply.rows

    @property
    def cell(self) -> dict[str, np.ndarray]:
        """Per-cell state by name (views)."""
        return {name: self.state[:, f] for f, name in enumerate(STATE_FIELDS)}

    def end_state(self) -> dict[str, np.ndarray]:
        """Copies of the per-cell people counts served5, short5, mbb_cov and mbb_served (the map's end state).

        One contiguous copy of those four leading record fields, then views of it: copying each strided column
        apart read the 52 MB of records four times (~15 ms; this is ~5 ms)."""
        names = STATE_FIELDS[:4]  # served5, short5, mbb_cov, mbb_served
        block = np.ascontiguousarray(self.state[:, : len(names)])
        return {name: block[:, f] for f, name in enumerate(names)}

    # ------------------------------------------------------------------ supply changes
    def add_5g(self, fp: Footprints, sites: np.ndarray) -> None:
        """5G sites switched on: their capacity reaches their cells (re-evaluated at the next update)."""
        self.s5.add(fp, self.cw.shares5, self.cw.cap5, sites, self._touched, self._touched_blocks)

    def add_village_4g(self, fp: Footprints, villages: np.ndarray) -> None:
        """Village 4G sites switched on (capacity capped by their backhaul)."""
        if self.cw.village_shares is not None and self.cw.village_cap is not None:
            self.s4.add(
                fp, self.cw.village_shares, self.cw.village_cap, villages, self._touched, self._touched_blocks
            )

    def short_people_at(self, sites: np.ndarray) -> np.ndarray:
        """Capacity-short people (5G and 4G-or-better) in the cell each 5G plan site stands in, at most as many as the
        site can serve at the served rate this year (`service_kernel.short_people`); 0 for a site whose edge rate is
        not above the served rate (it could not serve them)."""
        return self._relief(np.asarray(sites, dtype=np.int64))[0]

    def _relief(self, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the people each site relieves, as short_people_at; the short people of its cell, uncapped)."""
        out, short = np.empty(sites.size), np.empty(sites.size)
        assert self.cw.plan_cell is not None, "prepare_capacity sets plan_cell"
        short_people(
            sites,
            self.cw.plan_cell,
            self.cw.cap5.rate_p5_mbps,
            self.cw.cap5.capacity_mbps,
            float(self.p.served_rate_mbps),
            self.u,
            self.state,
            out,
            short,
        )  # short5 + (mbb_cov - mbb_served) of each site's cell, capped by what the site serves
        return out, short

    def replan_sites(self, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the given 5G plan sites standing in a cell with at least one capacity-short person they relieve, most
        relieved first, ties in the given order; those standing in such a cell yet relieving less than one person).

        The second are the sites the replanning passes by: under rural-700mhz a 700 MHz site's ~0.11 Mbps at the
        served rate is less than one person's busy-hour demand, so a faster demand moved the brought-forward count
        and no line said why the others were left (operator capacity trial). One pass of the kernel for both."""
        sites = np.asarray(sites, dtype=np.int64)
        relief, short = self._relief(sites)
        need = relief >= 1.0
        key = -relief[need]
        pick = sites[need][
            stabilise_ties(key, np.argsort(key))
        ]  # = np.argsort(key, kind="stable"), ~5x faster
        return pick, sites[(short >= 1.0) & ~need]

    def short_sites_first(self, sites: np.ndarray) -> np.ndarray:
        """The sites `replan_sites` brings forward, most relieved first."""
        return self.replan_sites(sites)[0]

    def too_thin(self, sites: np.ndarray) -> np.ndarray:
        """The sites `replan_sites` passes by: in a cell with a capacity-short person, relieving less than one."""
        return self.replan_sites(sites)[1]

    # ------------------------------------------------------------------ evaluation
    def update(self, year: int) -> None:
        """Re-evaluate the cells whose supply changed since the last update (the footprints of the sites switched
        on, which hold every cell whose coverage changed), or every cell when the year (demand) changed."""
        if year != self.year:
            self.year = year
            self.u = self.p.busy_hour_mbps_per_person(year, self.start_year)
            self.dev5 = self.p.device_5g_share(year)
            self._touched[:] = False
            self._touched_blocks[:] = False
            self.thr_sum = evaluate_all(self._rec, *self._inputs(), self.group_sum, self.hist_busy)
            return
        # each changed cell once, in memory order (the kernel scans only the flagged blocks and clears the flags)
        self.thr_sum += evaluate_cells(
            self._touched,
            self._touched_blocks,
            self._work,
            self._rec,
            *self._inputs(),
            self.group_sum,
            self.hist_busy,
        )

    def _inputs(self) -> tuple[F64, F64, F64, F64, F64, F64, U64, U64, float, float, float, float, float]:
        """The per-cell inputs and the year's parameters of the compiled pass (service_kernel)."""
        return (
            self.cov5.covered_pop_cell,
            *self._op_cov5,
            self._op_share,
            self.cov4.covered_pop_cell,
            self.cov5.mask,
            self.cov4.mask,
            float(self.k),
            float(self.p.served_rate_mbps),
            float(self.u),
            float(self.dev5),
            self.p.data_users_pct_of_population / 100.0,
        )

    # ------------------------------------------------------------------ results
    def _sums(self) -> np.ndarray:
        """GROUP_FIELDS x areas x density classes (a view of `group_sum`)."""
        return self.group_sum.reshape(len(GROUP_FIELDS), self.n_groups, len(ENVS))

    def national(self) -> dict[str, float]:
        """The month's national served/short/uncovered shares (%), throughput and traffic, and the capacity-short
        people by density class (persons)."""
        total = self.pop_total
        gs = {name: float(self.group_sum[f].sum()) for f, name in enumerate(GROUP_FIELDS)}
        by_env = self._sums().sum(axis=1)  # fields x classes
        f = {name: i for i, name in enumerate(GROUP_FIELDS)}
        short_env = {
            **{f"pop_5g_capacity_short_{e}": float(by_env[f["short5"], i]) for i, e in enumerate(ENVS)},
            **{
                f"pop_mbb_capacity_short_{e}": float(by_env[f["mbb_cov"], i] - by_env[f["mbb_served"], i])
                for i, e in enumerate(ENVS)
            },
        }
        cov5 = self.cov5.covered_pop_total()
        users = gs["w5"] + gs["w4"]
        by_class = self.by_density_class(by_env, f)
        gb = self.p.traffic_gb_month(self.year or self.start_year, self.start_year)
        return {
            "pop_5g_served": gs["served5"],
            "pop_5g_served_pct": 100.0 * gs["served5"] / total,
            "pop_5g_capacity_short_pct": 100.0 * gs["short5"] / total,
            "pop_5g_uncovered_pct": 100.0 * (total - cov5) / total,
            "pop_mbb_served": gs["mbb_served"],
            "pop_mbb_served_pct": 100.0 * gs["mbb_served"] / total,
            "pop_mbb_capacity_short_pct": 100.0 * (gs["mbb_cov"] - gs["mbb_served"]) / total,
            "pop_mbb_uncovered_pct": 100.0 * (total - gs["mbb_cov"]) / total,
            "user_throughput_mbps_p50": histogram_median(self.hist_busy.sum(axis=0)),
            "user_throughput_mbps_p50_5g": layer_median(self.hist_busy[0]),
            "user_throughput_mbps_p50_4g": layer_median(self.hist_busy[1]),
            "user_throughput_mbps_mean": self.thr_sum / users if users > 0 else 0.0,
            "traffic_pb_per_month": users * gb / 1e6,
            "busy_hour_demand_mbps_per_person": self.u,
            "device_5g_share_pct": 100.0 * self.dev5,
            **short_env,
            **by_class,
        }

    def by_density_class(self, by_env: np.ndarray, f: dict[str, int]) -> dict[str, float]:
        """The three states (% of the class's people) per density class, 5G and 4G-or-better: towns under 700 MHz's
        big cells are a suburban question, which the national shares averaged away (operator capacity trial). The
        5G-covered people of a cell are its served plus its short (service_kernel), so uncovered is the rest."""
        out: dict[str, float] = {}
        for i, e in enumerate(ENVS):
            den = float(self.pop_env[i])
            if den <= 0:
                continue  # no people of that class (a toy world): no share
            served5, short5 = float(by_env[f["served5"], i]), float(by_env[f["short5"], i])
            cov, served = float(by_env[f["mbb_cov"], i]), float(by_env[f["mbb_served"], i])
            out |= {
                f"pop_5g_served_pct_{e}": 100.0 * served5 / den,
                f"pop_5g_capacity_short_pct_{e}": 100.0 * short5 / den,
                f"pop_5g_uncovered_pct_{e}": 100.0 * (den - served5 - short5) / den,
                f"pop_mbb_served_pct_{e}": 100.0 * served / den,
                f"pop_mbb_capacity_short_pct_{e}": 100.0 * (cov - served) / den,
                f"pop_mbb_uncovered_pct_{e}": 100.0 * (den - cov) / den,
            }
        return out

    def edge_limited_short(self) -> dict[str, float]:
        """The capacity-short shares (% of population) in cells whose layer's edge rate leaves it unable to carry one
        person's busy-hour demand at the served rate (`service_kernel.edge_held_short`; at or below the served rate
        `_layer` carries nothing), so only another band relieves them; the rest of the capacity-short are held by
        the busy-hour load. 5G by the 5G layer's edge, 4G-or-better by the 4G layer's (what the people not on 5G
        use).

        Why: a served rate of 25 Mbps left 93% of people short on 4G (the 4G edge rate is ~21 Mbps) and no output
        said why; the run's why-lines read these (once, at the last month end)."""
        short5, short_mbb = edge_held_short(self._rec, float(self.p.served_rate_mbps), self.u)
        total = self.pop_total
        return {
            "pop_5g_capacity_short_edge_pct": 100.0 * short5 / total,
            "pop_mbb_capacity_short_edge_pct": 100.0 * short_mbb / total,
        }

    def slowest_band_edge(self, on_air: np.ndarray) -> dict[str, float]:
        """The replication's served rate, and the 5G band on air whose sites' median unloaded edge (p5) rate is the
        lowest, with that rate (Mbps): what the why-line puts beside the edge-held capacity-short people.

        Why: a 700 MHz edge rate of 10.016 Mbps against a 10 Mbps served rate left 24% of people short, and the line
        said "not above the served rate, or too close to it" without either number (operator capacity trial).
        `on_air`: bool per 5G plan site."""
        assert self.cw.plan_band_mhz is not None, "prepare_capacity sets plan_band_mhz"
        out = {"served_rate_mbps": float(self.p.served_rate_mbps)}
        bands = self.cw.plan_band_mhz[on_air]
        rates = self.cw.cap5.rate_p5_mbps[on_air]
        medians = {int(b): float(np.median(rates[bands == b])) for b in np.unique(bands)}
        if medians:
            band = min(medians, key=lambda b: (medians[b], b))
            out |= {
                "edge_rate_5g_slowest_band_mhz": float(band),
                "edge_rate_5g_slowest_band_mbps": medians[band],
            }
        return out

    def by_group(self, group_pop: np.ndarray, cov5_group: np.ndarray) -> dict[str, np.ndarray]:
        """The same three states per area (%), each adding up to 100."""
        den = np.maximum(group_pop, 1.0)
        by_area = self._sums().sum(axis=2)
        gs = {name: by_area[f] for f, name in enumerate(GROUP_FIELDS)}
        return {
            "pop_5g_served_pct": 100.0 * gs["served5"] / den,
            "pop_5g_capacity_short_pct": 100.0 * gs["short5"] / den,
            "pop_5g_uncovered_pct": 100.0 * (group_pop - cov5_group) / den,
            "pop_mbb_served_pct": 100.0 * gs["mbb_served"] / den,
            "pop_mbb_capacity_short_pct": 100.0 * (gs["mbb_cov"] - gs["mbb_served"]) / den,
            "pop_mbb_uncovered_pct": 100.0 * (group_pop - gs["mbb_cov"]) / den,
        }


def prepare_capacity(
    params: Capacity,
    band_4g: dict[str, int],
    pop: np.ndarray,
    k: int,
    plan_fp: Footprints,
    plan_env: np.ndarray,
    plan_band: np.ndarray,
    plan_cell: np.ndarray,
    n_5g_start: int,
    sites4_fp: Footprints,
    sites4_env: np.ndarray,
    sites4_band: np.ndarray,
    operator_share: np.ndarray,
    village_fp: Footprints | None = None,
    village_backhaul_mbps: np.ndarray | None = None,
) -> CapacityWorld:
    """Per-site capacities and footprint shares; the existing 4G sites' supply per cell (static).

    `plan_band` / `sites4_band`: each 5G plan site's and 4G site's band (MHz), the one its coverage radius was drawn
    with (a site file's own band, the start network's band, or the environment's band of the run); `band_4g`: the
    villages' new 4G sites take its rural band."""
    load = params.neighbour_load_pct / 100.0
    cap4 = site_capacity("4g", sites4_band, sites4_env, load)
    supply4 = Supply.empty(pop.size)
    supply4.add(sites4_fp, footprint_shares(sites4_fp, pop, k), cap4, np.arange(sites4_fp.indptr.size - 1))
    share = np.asarray(operator_share, dtype=np.float64)
    cw = CapacityWorld(
        params,
        footprint_shares(plan_fp, pop, k),
        site_capacity("5g", plan_band, plan_env, load, nr_carrier=params.nr_carrier),
        supply4,
        share / share.sum() if share.sum() > 0 else share,
    )
    cw.idle_4g_median_mbps = (
        layer_capacity("4g", int(band_4g["urban"]), "urban", load).rate_median_mbps,
        layer_capacity("4g", int(band_4g["rural"]), "rural", load).rate_median_mbps,
    )
    cw.plan_cell = np.asarray(plan_cell, dtype=np.int64)
    cw.plan_band_mhz = np.asarray(plan_band, dtype=np.int64)
    cw.supply5_start = Supply.empty(pop.size)
    cw.supply5_start.add(plan_fp, cw.shares5, cw.cap5, np.arange(n_5g_start))
    if village_fp is not None and village_backhaul_mbps is not None:
        n_v = village_fp.indptr.size - 1
        rural = np.full(n_v, ENVS.index("rural"))
        cw.village_shares = footprint_shares(village_fp, pop, k)
        cw.village_cap = site_capacity(
            "4g",
            env_bands(band_4g, rural),
            rural,
            load,
            cap_mbps=np.nan_to_num(np.asarray(village_backhaul_mbps, dtype=np.float64)),
        )
    return cw
