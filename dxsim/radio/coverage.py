"""Incremental population coverage on the 1 km population grid.

Each populated cell is sampled at n x n points (a bitmask of up to 64 bits). A point is
covered when it lies within the coverage radius of at least one site. Adding sites only
ever sets bits, so an update touches just the cells inside the new sites' discs: a month
of new 5G sites costs O(new sites x cells per disc), not O(all sites x all cells).

Candidate cells of a site are found through the raster itself (row/col windows into a
dense lookup table), so the hot path is pure numpy: no KD-tree lists, no loops over sites.
Cells are treated as axis-aligned rectangles of their true metric width/height around their
projected centre (UTM grid convergence, < 2 degrees over Vietnam, is ignored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_CHUNK_PAIRS = 400_000  # bound temporary memory: pairs x points x 4 bytes


@dataclass(frozen=True)
class Footprints:
    """Per-site covered points in CSR form: site i covers cells[indptr[i]:indptr[i+1]] with bits."""

    indptr: np.ndarray
    cells: np.ndarray
    bits: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.indptr.nbytes + self.cells.nbytes + self.bits.nbytes)


@dataclass(frozen=True)
class GridSpec:
    """Regular lon/lat raster the cells live on (the WorldPop 30 arc-second grid)."""

    lon0: float  # west edge of column 0 (degrees)
    lat0: float  # north edge of row 0 (degrees)
    res_deg: float
    n_rows: int
    n_cols: int

    @classmethod
    def from_cells(cls, rows: np.ndarray, cols: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                   res_deg: float = 1.0 / 120.0) -> GridSpec:
        """Recover the raster origin from any cell's centre and indices."""
        lon0 = float(np.median(lon - (cols + 0.5) * res_deg))
        lat0 = float(np.median(lat + (rows + 0.5) * res_deg))
        return cls(lon0, lat0, res_deg, int(rows.max()) + 1, int(cols.max()) + 1)

    def rowcol(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row = np.floor((self.lat0 - np.asarray(lat)) / self.res_deg).astype(np.int64)
        col = np.floor((np.asarray(lon) - self.lon0) / self.res_deg).astype(np.int64)
        return row, col


class CoverageGrid:
    """Covered share of every population cell, for one technology layer.

    Parameters are plain arrays so the engine can be tested on any small synthetic grid.
    `group` assigns each cell to a reporting area (e.g. a province index).
    """

    def __init__(
        self,
        grid: GridSpec,
        rows: np.ndarray,
        cols: np.ndarray,
        x_m: np.ndarray,
        y_m: np.ndarray,
        width_m: np.ndarray,
        height_m: np.ndarray,
        pop: np.ndarray,
        group: np.ndarray,
        n_groups: int,
        subsamples: int = 4,
    ) -> None:
        if not 1 <= subsamples <= 8:
            raise ValueError("subsamples must be 1..8 (n*n points must fit a 64-bit mask)")
        self.grid = grid
        self.rows = np.asarray(rows, dtype=np.int64)
        self.cols = np.asarray(cols, dtype=np.int64)
        self.x = np.asarray(x_m, dtype=np.float64)
        self.y = np.asarray(y_m, dtype=np.float64)
        self.w = np.asarray(width_m, dtype=np.float64)
        self.h = np.asarray(height_m, dtype=np.float64)
        self.pop = np.asarray(pop, dtype=np.float64)
        self.group = np.asarray(group, dtype=np.int64)
        self.n_groups = int(n_groups)
        self.n = subsamples
        self.k = subsamples * subsamples
        frac = (np.arange(subsamples) + 0.5) / subsamples - 0.5
        fx, fy = np.meshgrid(frac, frac)
        self._fx = fx.ravel()  # point offsets as a fraction of the cell width/height
        self._fy = fy.ravel()
        self._weights = (np.uint64(1) << np.arange(self.k, dtype=np.uint64)).astype(np.uint64)
        self.full_mask = np.uint64((1 << self.k) - 1) if self.k < 64 else np.uint64(0xFFFFFFFFFFFFFFFF)
        self.half_diag = 0.5 * np.hypot(self.w, self.h)
        self._lookup = np.full((grid.n_rows, grid.n_cols), -1, dtype=np.int64)
        self._lookup[self.rows, self.cols] = np.arange(self.rows.size)
        self._min_w = float(self.w.min())
        self._min_h = float(self.h.min())
        self.mask = np.zeros(self.rows.size, dtype=np.uint64)
        self._touched = np.zeros(self.rows.size, dtype=bool)
        self.covered_pop_cell = np.zeros(self.rows.size, dtype=np.float64)
        self.covered_pop_group = np.zeros(self.n_groups, dtype=np.float64)

    # ------------------------------------------------------------------ queries
    @property
    def covered_share(self) -> np.ndarray:
        """Share (0..1) of each cell's area that is covered."""
        return np.bitwise_count(self.mask).astype(np.float64) / self.k

    def cell_index(self, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Index of the populated cell at each raster (row, col); -1 outside the raster or where no one lives."""
        row, col = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64)
        inside = (row >= 0) & (row < self.grid.n_rows) & (col >= 0) & (col < self.grid.n_cols)
        out = np.full(row.shape, -1, dtype=np.int64)
        out[inside] = self._lookup[row[inside], col[inside]]
        return out

    def covered_pop_total(self) -> float:
        return float(self.covered_pop_group.sum())

    def copy(self) -> CoverageGrid:
        """Independent copy sharing the static arrays (for replications from a common start)."""
        new = object.__new__(CoverageGrid)
        new.__dict__.update(self.__dict__)
        new.mask = self.mask.copy()
        new._touched = np.zeros(self.mask.size, dtype=bool)
        new.covered_pop_cell = self.covered_pop_cell.copy()
        new.covered_pop_group = self.covered_pop_group.copy()
        return new

    # ------------------------------------------------------------------ updates
    def add_sites(self, site_row: np.ndarray, site_col: np.ndarray, site_x_m: np.ndarray,
                  site_y_m: np.ndarray, radius_m: np.ndarray) -> np.ndarray:
        """Switch sites on; returns the indices of cells whose coverage changed."""
        sx = np.asarray(site_x_m, dtype=np.float64)
        if sx.size == 0:
            return np.zeros(0, dtype=np.int64)
        _, cells, bits = self.site_cell_bits(site_row, site_col, sx, site_y_m, radius_m)
        return self._or_bits(cells, bits)

    def footprints(self, site_row: np.ndarray, site_col: np.ndarray, site_x_m: np.ndarray,
                   site_y_m: np.ndarray, radius_m: np.ndarray) -> Footprints:
        """Precompute each site's (cell, bits) pairs once, for sites switched on later.

        Site geometry never changes during a run, so a rollout that switches on sites month by
        month only needs to gather and OR these pairs (see `add_footprints`).
        """
        sx = np.asarray(site_x_m, dtype=np.float64)
        s, c, b = self.site_cell_bits(site_row, site_col, sx, site_y_m, radius_m)
        order = np.argsort(s, kind="stable")
        s, c, b = s[order], c[order], b[order]
        indptr = np.zeros(sx.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(s, minlength=sx.size), out=indptr[1:])
        return Footprints(indptr, c.astype(np.int32), b)

    def add_footprints(self, fp: Footprints, sites: np.ndarray) -> np.ndarray:
        """Switch on the given sites (indices into `fp`); same result as `add_sites`."""
        sites = np.asarray(sites, dtype=np.int64)
        if sites.size == 0:
            return np.zeros(0, dtype=np.int64)
        starts = fp.indptr[sites]
        lens = fp.indptr[sites + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        offs = np.repeat(starts - np.r_[0, np.cumsum(lens)[:-1]], lens) + np.arange(total)
        return self._or_bits(fp.cells[offs].astype(np.int64), fp.bits[offs])

    def _or_bits(self, cells: np.ndarray, bits: np.ndarray) -> np.ndarray:
        """OR point bits into cells and update covered population; returns changed cells."""
        if cells.size == 0:
            return cells
        # touched cells without sorting: a flag per cell (linear in pairs, no argsort)
        self._touched[cells] = True
        ucells = np.flatnonzero(self._touched)
        self._touched[ucells] = False
        old = self.mask[ucells]
        np.bitwise_or.at(self.mask, cells, bits)
        new_mask = self.mask[ucells]
        changed = new_mask != old
        ucells, new_mask = ucells[changed], new_mask[changed]
        self._update_pop(ucells, new_mask)
        return ucells

    def _update_pop(self, ucells: np.ndarray, new_mask: np.ndarray) -> None:
        """Covered population of cells whose point masks are now `new_mask` (unique cells)."""
        new_pop = self.pop[ucells] * (np.bitwise_count(new_mask).astype(np.float64) / self.k)
        delta = new_pop - self.covered_pop_cell[ucells]
        self.covered_pop_cell[ucells] = new_pop
        self.covered_pop_group += np.bincount(self.group[ucells], weights=delta, minlength=self.n_groups)

    def union_of(self, grids: list[CoverageGrid], cells: np.ndarray) -> None:
        """Make these cells' points the union of the same cells in `grids` (layers on the same cells), e.g.
        the people covered by at least one operator from each operator's own grid; adding only ever sets bits."""
        if len(cells) == 0:
            return
        self._touched[np.asarray(cells, dtype=np.int64)] = True  # unique without sorting, as _or_bits
        cells = np.flatnonzero(self._touched)
        self._touched[cells] = False
        mask = grids[0].mask[cells].copy()
        for g in grids[1:]:
            mask |= g.mask[cells]
        mask |= self.mask[cells]
        self.mask[cells] = mask
        self._update_pop(cells, mask)

    def marginal_pop(self, site_row: np.ndarray, site_col: np.ndarray, site_x_m: np.ndarray,
                     site_y_m: np.ndarray, radius_m: np.ndarray) -> np.ndarray:
        """People each site alone would add to the current coverage (sites not switched on)."""
        sx = np.asarray(site_x_m, dtype=np.float64)
        site, cells, bits = self.site_cell_bits(site_row, site_col, sx, site_y_m, radius_m)
        new_bits = bits & ~self.mask[cells]
        gain = self.pop[cells] * (np.bitwise_count(new_bits).astype(np.float64) / self.k)
        return np.bincount(site, weights=gain, minlength=sx.size)

    def site_cell_bits(self, site_row, site_col, site_x_m, site_y_m, radius_m):
        """All (site, cell, covered-point bits) pairs for the given sites."""
        row = np.asarray(site_row, dtype=np.int64)
        col = np.asarray(site_col, dtype=np.int64)
        sx = np.asarray(site_x_m, dtype=np.float64)
        sy = np.asarray(site_y_m, dtype=np.float64)
        r = np.broadcast_to(np.asarray(radius_m, dtype=np.float64), sx.shape)
        reach = r + float(self.half_diag.max())
        kr = np.ceil(reach / self._min_h).astype(np.int64)
        kc = np.ceil(reach / self._min_w).astype(np.int64)
        key = kr * 100_000 + kc
        out_s, out_c, out_b = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0, np.uint64)]
        for k_val in np.unique(key):  # one broadcast per window size (a handful of radii)
            sel = np.flatnonzero(key == k_val)
            s, c, b = self._pairs_for_window(row[sel], col[sel], sx[sel], sy[sel], r[sel],
                                             int(kr[sel[0]]), int(kc[sel[0]]))
            out_s.append(sel[s])
            out_c.append(c)
            out_b.append(b)
        return np.concatenate(out_s), np.concatenate(out_c), np.concatenate(out_b)

    def _pairs_for_window(self, row, col, sx, sy, r, kr, kc):
        """(cell, bits) for every cell of the (2kr+1)x(2kc+1) raster window around each site."""
        dr, dc = np.meshgrid(np.arange(-kr, kr + 1), np.arange(-kc, kc + 1), indexing="ij")
        dr, dc = dr.ravel(), dc.ravel()
        out_s, out_c, out_b = [], [], []
        per_site = dr.size
        step = max(1, _CHUNK_PAIRS // per_site)
        for s0 in range(0, row.size, step):
            s1 = min(row.size, s0 + step)
            rr = row[s0:s1, None] + dr[None, :]
            cc = col[s0:s1, None] + dc[None, :]
            inside = (rr >= 0) & (rr < self.grid.n_rows) & (cc >= 0) & (cc < self.grid.n_cols)
            cell = np.full(rr.shape, -1, dtype=np.int64)
            cell[inside] = self._lookup[rr[inside], cc[inside]]
            si, ci = np.nonzero(cell >= 0)
            si = si + s0
            cell = cell[cell >= 0]
            if cell.size == 0:
                continue
            dx = self.x[cell] - sx[si]
            dy = self.y[cell] - sy[si]
            d = np.hypot(dx, dy)
            rad = r[si]
            hd = self.half_diag[cell]
            full = d + hd <= rad
            partial = (~full) & (d - hd <= rad)
            if full.any():
                out_s.append(si[full])
                out_c.append(cell[full])
                out_b.append(np.full(int(full.sum()), self.full_mask, dtype=np.uint64))
            if partial.any():
                pc = cell[partial]
                px = dx[partial][:, None] + self._fx[None, :] * self.w[pc][:, None]
                py = dy[partial][:, None] + self._fy[None, :] * self.h[pc][:, None]
                hit = (px * px + py * py) <= (rad[partial] ** 2)[:, None]
                bits = (hit.astype(np.uint64) * self._weights[None, :]).sum(axis=1, dtype=np.uint64)
                keep = bits != 0
                out_s.append(si[partial][keep])
                out_c.append(pc[keep])
                out_b.append(bits[keep])
        if not out_c:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint64)
        return np.concatenate(out_s), np.concatenate(out_c), np.concatenate(out_b)
