"""Incremental population coverage on the 1 km population grid.

Each populated cell is sampled at n x n points (a bitmask of up to 64 bits). A point is
covered when it lies within the coverage radius of at least one site. Adding sites only
ever sets bits, so an update touches just the cells inside the new sites' discs: a month
of new 5G sites costs O(new sites x cells per disc), not O(all sites x all cells).

Candidate cells of a site are found through the raster itself (row/col windows into a
dense lookup table), in one compiled pass over the sites' windows: no KD-tree lists.
Switching sites on is compiled (numba): one pass ORs their precomputed (cell, bits) pairs into
the mask and flags the changed cells, a second visits only those cells, in ascending order, to
update their covered population and the area sums.
Cells are treated as axis-aligned rectangles of their true metric width/height around their
projected centre (UTM grid convergence, < 2 degrees over Vietnam, is ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numpy.typing import NDArray

from dxsim.jit import njit

_CHUNK_PAIRS = 400_000  # sites x window cells per `_window_pairs` call: bounds its buffers (5 x 8 bytes each)
_BLOCK_SHIFT = 6  # changed cells are also flagged per block of 64 cells, so a month scans only those blocks
MAX_LAYERS = 8  # layers updated together (`add_footprints_layers`): one flag bit each in a uint8 per cell
AHEAD_CELLS = 16  # prefetch distance (cells, pairs) of the compiled updates; see `prefetch`
AHEAD_SITES = (
    2  # ... and in sites, for the sites to come: their first cells' masks, their pairs one step earlier
)


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
    def from_cells(
        cls,
        rows: np.ndarray,
        cols: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        res_deg: float = 1.0 / 120.0,
    ) -> GridSpec:
        """Recover the raster origin from any cell's centre and indices."""
        lon0 = float(np.median(lon - (cols + 0.5) * res_deg))
        lat0 = float(np.median(lat + (rows + 0.5) * res_deg))
        return cls(lon0, lat0, res_deg, int(rows.max()) + 1, int(cols.max()) + 1)

    def rowcol(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row = np.floor((self.lat0 - np.asarray(lat)) / self.res_deg).astype(np.int64)
        col = np.floor((np.asarray(lon) - self.lon0) / self.res_deg).astype(np.int64)
        return row, col


def cell_lookup(grid: GridSpec, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The raster (n_rows x n_cols, int64) holding each populated cell's index at its (row, col), -1 elsewhere.

    Why shared: a world holds five coverage grids on the same cells (5G at the start, 4G, 5G per operator); each
    built its own 12.5 MB copy, 62 MB of a 281 MB prepared world on disk."""
    out = np.full((grid.n_rows, grid.n_cols), -1, dtype=np.int64)
    out[rows, cols] = np.arange(rows.size)
    return out


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
        lookup: np.ndarray | None = None,
    ) -> None:
        """`lookup`: the raster's cell index (`cell_lookup(grid, rows, cols)`), shared by grids on the same cells."""
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
        self._lookup = cell_lookup(grid, self.rows, self.cols) if lookup is None else lookup
        if self._lookup.shape != (grid.n_rows, grid.n_cols):
            raise ValueError(
                f"lookup of shape {self._lookup.shape} for a {grid.n_rows} x {grid.n_cols} raster"
            )
        self._min_w = float(self.w.min())
        self._min_h = float(self.h.min())
        self.mask = np.zeros(self.rows.size, dtype=np.uint64)
        self.covered_pop_cell = np.zeros(self.rows.size, dtype=np.float64)
        self.covered_pop_group = np.zeros(self.n_groups, dtype=np.float64)
        self._new_scratch()

    def _new_scratch(self) -> None:
        """Per-cell flags of the cells an update changed (bit l: layer l) and per-block flags; always left clear."""
        self._changed = np.zeros(self.rows.size, dtype=np.uint8)
        self._changed_blocks = np.zeros(
            (self.rows.size + (1 << _BLOCK_SHIFT) - 1) >> _BLOCK_SHIFT, dtype=bool
        )

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
        new.covered_pop_cell = self.covered_pop_cell.copy()
        new.covered_pop_group = self.covered_pop_group.copy()
        new._new_scratch()
        return new

    # ------------------------------------------------------------------ updates
    def add_sites(
        self,
        site_row: np.ndarray,
        site_col: np.ndarray,
        site_x_m: np.ndarray,
        site_y_m: np.ndarray,
        radius_m: np.ndarray,
    ) -> np.ndarray:
        """Switch sites on; returns the indices of cells whose coverage changed (ascending)."""
        sx = np.asarray(site_x_m, dtype=np.float64)
        if sx.size == 0:
            return np.zeros(0, dtype=np.int64)
        _, cells, bits = self.site_cell_bits(site_row, site_col, sx, site_y_m, radius_m)
        # all pairs as the footprint of one pseudo-site
        one = Footprints(np.array([0, cells.size], dtype=np.int64), cells.astype(np.int32), bits)
        return self.add_footprints(one, np.zeros(1, dtype=np.int64))

    def footprints(
        self,
        site_row: np.ndarray,
        site_col: np.ndarray,
        site_x_m: np.ndarray,
        site_y_m: np.ndarray,
        radius_m: np.ndarray,
    ) -> Footprints:
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
        """Switch on the given sites (indices into `fp`); same result as `add_sites`. Returns the cells whose
        coverage changed (ascending)."""
        sites = np.asarray(sites, dtype=np.int64)
        return self._add(fp, sites, np.zeros(sites.size, dtype=np.int64), [self], False)

    def add_footprints_layers(
        self, layers: list[CoverageGrid], fp: Footprints, sites: np.ndarray, layer_of_site: np.ndarray
    ) -> np.ndarray:
        """Switch on each site in its own layer (`layers[layer_of_site[i]]`, e.g. each operator's network; sites
        of no listed layer are skipped) and keep this grid the union of the layers (the people covered by at least
        one) on the cells they changed. Returns those cells (ascending).

        Two compiled passes (OR the pairs; settle the changed cells), with the same result as `add_footprints` on
        each layer and then, on the cells they changed, this grid's mask ORed with theirs and its covered population
        recomputed. The layers must share this grid's cells, population, areas and sample points (copies of
        grids built alike); their covered population is computed from this grid's.
        """
        if not 1 <= len(layers) <= MAX_LAYERS:
            raise ValueError(f"1..{MAX_LAYERS} layers")
        if any(g.mask.size != self.mask.size or g.k != self.k or g.n_groups != self.n_groups for g in layers):
            raise ValueError("layers must be grids on the same cells, areas and sample points")
        sites = np.asarray(sites, dtype=np.int64)
        layer = np.asarray(layer_of_site, dtype=np.int64)
        if layer.shape != sites.shape:
            raise ValueError("one layer per site")
        return self._add(fp, sites, layer, layers, True)

    def _add(
        self,
        fp: Footprints,
        sites: np.ndarray,
        layer: np.ndarray,
        layers: list[CoverageGrid],
        with_union: bool,
    ) -> np.ndarray:
        """OR the sites' bits into their layers, then settle the changed cells' covered population (see the kernels)."""
        if sites.size == 0:
            return np.zeros(0, dtype=np.int64)
        if sites.min() < 0 or sites.max() >= fp.indptr.size - 1:  # the kernel does not check its indices
            raise IndexError(f"site index outside 0..{fp.indptr.size - 2}")
        masks = tuple(g.mask for g in layers)
        n_changed = _or_footprints(
            fp.indptr, fp.cells, fp.bits, sites, layer, masks, self._changed, self._changed_blocks
        )
        if n_changed == 0:
            return np.zeros(0, dtype=np.int64)
        return _settle_changed(
            self._changed,
            self._changed_blocks,
            n_changed,
            masks,
            tuple(g.covered_pop_cell for g in layers),
            tuple(g.covered_pop_group for g in layers),
            self.mask,
            self.covered_pop_cell,
            self.covered_pop_group,
            with_union,
            self.pop,
            self.group,
            float(self.k),
        )

    def marginal_pop(
        self,
        site_row: np.ndarray,
        site_col: np.ndarray,
        site_x_m: np.ndarray,
        site_y_m: np.ndarray,
        radius_m: np.ndarray,
    ) -> np.ndarray:
        """People each site alone would add to the current coverage (sites not switched on)."""
        sx = np.asarray(site_x_m, dtype=np.float64)
        site, cells, bits = self.site_cell_bits(site_row, site_col, sx, site_y_m, radius_m)
        new_bits = bits & ~self.mask[cells]
        gain = self.pop[cells] * (np.bitwise_count(new_bits).astype(np.float64) / self.k)
        return np.bincount(site, weights=gain, minlength=sx.size)

    def site_cell_bits(
        self,
        site_row: np.ndarray,
        site_col: np.ndarray,
        site_x_m: np.ndarray,
        site_y_m: np.ndarray,
        radius_m: np.ndarray | float,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.uint64]]:
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
        out_s: list[NDArray[np.int64]] = [np.zeros(0, np.int64)]
        out_c: list[NDArray[np.int64]] = [np.zeros(0, np.int64)]
        out_b: list[NDArray[np.uint64]] = [np.zeros(0, np.uint64)]
        for k_val in np.unique(key):  # one broadcast per window size (a handful of radii)
            sel = np.flatnonzero(key == k_val)
            s, c, b = self._pairs_for_window(
                row[sel], col[sel], sx[sel], sy[sel], r[sel], int(kr[sel[0]]), int(kc[sel[0]])
            )
            out_s.append(sel[s])
            out_c.append(c)
            out_b.append(b)
        return np.concatenate(out_s), np.concatenate(out_c), np.concatenate(out_b)

    def _pairs_for_window(
        self,
        row: NDArray[np.int64],
        col: NDArray[np.int64],
        sx: NDArray[np.float64],
        sy: NDArray[np.float64],
        r: NDArray[np.float64],
        kr: int,
        kc: int,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.uint64]]:
        """(site, cell, bits) for every cell of the (2kr+1)x(2kc+1) raster window around each site, `_window_pairs`
        over chunks of sites (each chunk's output is bounded by its sites x window cells)."""
        dr_2d, dc_2d = np.meshgrid(np.arange(-kr, kr + 1), np.arange(-kc, kc + 1), indexing="ij")
        dr, dc = dr_2d.ravel(), dc_2d.ravel()
        out_s: list[NDArray[np.int64]] = []
        out_c: list[NDArray[np.int64]] = []
        out_b: list[NDArray[np.uint64]] = []
        step = max(1, _CHUNK_PAIRS // dr.size)
        for s0 in range(0, row.size, step):
            s, c, b = _window_pairs(
                row,
                col,
                sx,
                sy,
                r,
                s0,
                min(row.size, s0 + step),
                dr,
                dc,
                self._lookup,
                self.x,
                self.y,
                self.w,
                self.h,
                self.half_diag,
                self._fx,
                self._fy,
                self._weights,
                self.full_mask,
            )
            out_s.append(s)
            out_c.append(c)
            out_b.append(b)
        if not out_c:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint64)
        return np.concatenate(out_s), np.concatenate(out_c), np.concatenate(out_b)


@njit(cache=True, prepare_only=True)
def _window_pairs(
    row: NDArray[np.int64],
    col: NDArray[np.int64],
    sx: NDArray[np.float64],
    sy: NDArray[np.float64],
    r: NDArray[np.float64],
    s0: int,
    s1: int,
    dr: NDArray[np.int64],
    dc: NDArray[np.int64],
    lookup: NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    w: NDArray[np.float64],
    h: NDArray[np.float64],
    half_diag: NDArray[np.float64],
    fx: NDArray[np.float64],
    fy: NDArray[np.float64],
    weights: NDArray[np.uint64],
    full_mask: np.uint64,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.uint64]]:
    """(site, cell, covered-point bits) of sites s0..s1-1 over the raster window (dr, dc) around each: a cell whose
    disc test is certain (its centre within the radius less its half diagonal) gets every point; one the disc only
    crosses gets the points within the radius (kept if any). Full pairs first, then partial ones, each in site then
    window order: the order of the numpy form this replaced, so float sums over the pairs (`marginal_pop`) and the
    synthetic layer's ranking are unchanged.

    Why compiled: the numpy form broadcast every site's window into temporaries, 4 of a world's 6.5 s of preparation
    (every process that prepares a world, and the geodata cache's ranking); this is one pass without them."""
    n_rows, n_cols = lookup.shape
    n_win = dr.size
    cap = (s1 - s0) * n_win
    full_s = np.empty(cap, np.int64)
    full_c = np.empty(cap, np.int64)
    part_s = np.empty(cap, np.int64)
    part_c = np.empty(cap, np.int64)
    part_b = np.empty(cap, np.uint64)
    n_full = 0
    n_part = 0
    for i in range(s0, s1):
        rad = r[i]
        rad2 = rad * rad
        for j in range(n_win):
            rr = row[i] + dr[j]
            cc = col[i] + dc[j]
            if rr < 0 or rr >= n_rows or cc < 0 or cc >= n_cols:
                continue
            cell = lookup[rr, cc]
            if cell < 0:
                continue
            dx = x[cell] - sx[i]
            dy = y[cell] - sy[i]
            d = np.hypot(dx, dy)
            hd = half_diag[cell]
            if d + hd <= rad:
                full_s[n_full] = i
                full_c[n_full] = cell
                n_full += 1
            elif d - hd <= rad:
                bits = np.uint64(0)
                for k in range(fx.size):
                    px = dx + fx[k] * w[cell]
                    py = dy + fy[k] * h[cell]
                    if px * px + py * py <= rad2:
                        bits |= weights[k]
                if bits != 0:
                    part_s[n_part] = i
                    part_c[n_part] = cell
                    part_b[n_part] = bits
                    n_part += 1
    n = n_full + n_part
    out_s = np.empty(n, np.int64)
    out_c = np.empty(n, np.int64)
    out_b = np.empty(n, np.uint64)
    out_s[:n_full] = full_s[:n_full]
    out_c[:n_full] = full_c[:n_full]
    out_b[:n_full] = full_mask
    out_s[n_full:] = part_s[:n_part]
    out_c[n_full:] = part_c[:n_part]
    out_b[n_full:] = part_b[:n_part]
    return out_s, out_c, out_b


# ---------------------------------------------------------------------------------------------- compiled updates
if TYPE_CHECKING:
    # numba's stub types an intrinsic's call with its typing function's parameters (typingctx first) and a
    # Never result; compiled code calls it as prefetch(arr, idx). Type checkers see that signature instead.
    def prefetch(arr: NDArray[Any], idx: SupportsIndex) -> None:
        """Prefetch hint for arr[idx]; see the intrinsic below."""
else:

    @intrinsic
    def prefetch(typingctx, arr, idx):
        """Ask the CPU to start loading arr[idx] (for a 2-D array: the start of row idx) into the cache; nothing else.

        Why: the month's cells are scattered over arrays far larger than the cache, and a cell's work is long
        enough that the CPU itself keeps only a few of its loads in flight; issued some cells ahead, the loads
        overlap (about 3x faster updates). A hint only: a bad address is not dereferenced.
        Note: numba's cache does not see edits here from the kernels of other modules that call it (clear their cache).
        """
        if not isinstance(arr, types.Array) or not isinstance(idx, types.Integer):
            return None

        def codegen(context, builder, signature, args):
            aryty, idxty = signature.args
            ary = context.make_array(aryty)(context, builder, args[0])
            zero = context.get_constant(types.intp, 0)
            inds = [context.cast(builder, args[1], idxty, types.intp)] + [zero] * (aryty.ndim - 1)
            ptr = cgutils.get_item_pointer2(
                context,
                builder,
                ary.data,
                cgutils.unpack_tuple(builder, ary.shape),
                cgutils.unpack_tuple(builder, ary.strides),
                aryty.layout,
                inds,
            )
            i8p = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0"
            )
            # read, keep in all cache levels, data cache
            builder.call(
                fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)]
            )
            return context.get_dummy_value()

        return types.void(arr, idx), codegen


@njit(cache=True, inline="always")
def popcount(x: np.uint64) -> int:
    """Set bits of a 64-bit word (SWAR, constant time); as np.bitwise_count."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, inline="always")
def _prefetch_site(
    indptr: NDArray[np.int64],
    fp_cells: NDArray[np.int32],
    site: int,
    lay: int,
    masks: tuple[NDArray[np.uint64], ...],
    changed: NDArray[np.uint8],
) -> None:
    """Ask for the mask words and change flags of the first AHEAD_CELLS cells of a site's footprint in its layer."""
    if lay < 0 or lay >= len(masks):
        return
    start, end = indptr[site], indptr[site + 1]
    for j in range(start, min(start + AHEAD_CELLS, end)):
        prefetch(masks[lay], fp_cells[j])
        prefetch(changed, fp_cells[j])


@njit(cache=True)
def _or_footprints(
    indptr: NDArray[np.int64],
    fp_cells: NDArray[np.int32],
    fp_bits: NDArray[np.uint64],
    sites: NDArray[np.int64],
    layer: NDArray[np.int64],
    masks: tuple[NDArray[np.uint64], ...],
    changed: NDArray[np.uint8],
    changed_blocks: NDArray[np.bool_],
) -> int:
    """OR site sites[i]'s footprint bits into masks[layer[i]] (a site of no listed layer is skipped).

    A cell whose mask in layer l changes gets bit l in `changed` and its 64-cell block a flag in `changed_blocks`.
    Returns the number of cells newly flagged (both arrays are clear on entry).
    """
    n_changed = 0
    n_sites = sites.size
    n_layers = len(masks)
    for i in range(
        -AHEAD_SITES, 0
    ):  # the first sites' first cells (the loop asks for those of site i + AHEAD_SITES)
        if i + AHEAD_SITES < n_sites:
            _prefetch_site(indptr, fp_cells, sites[i + AHEAD_SITES], layer[i + AHEAD_SITES], masks, changed)
    for i in range(n_sites):
        if i + 3 * AHEAD_SITES < n_sites:
            prefetch(indptr, sites[i + 3 * AHEAD_SITES])
        if i + 2 * AHEAD_SITES < n_sites:
            ahead = indptr[sites[i + 2 * AHEAD_SITES]]
            prefetch(fp_cells, ahead)
            prefetch(fp_bits, ahead)
        if (
            i + AHEAD_SITES < n_sites
        ):  # a site's first cells a few sites ahead: most sites have fewer than AHEAD_CELLS
            _prefetch_site(indptr, fp_cells, sites[i + AHEAD_SITES], layer[i + AHEAD_SITES], masks, changed)
        lay = layer[i]
        if lay < 0 or lay >= n_layers:
            continue
        mask = masks[lay]
        bit = np.uint8(1 << lay)
        start, end = indptr[sites[i]], indptr[sites[i] + 1]
        for j in range(start, end):
            if j + AHEAD_CELLS < end:
                prefetch(mask, fp_cells[j + AHEAD_CELLS])
            c = fp_cells[j]
            old = mask[c]
            new = old | fp_bits[j]
            if new != old:
                mask[c] = new
                if changed[c] == 0:
                    n_changed += 1
                    changed_blocks[c >> _BLOCK_SHIFT] = True
                changed[c] |= bit
    return n_changed


@njit(cache=True)
def _settle_changed(
    changed: NDArray[np.uint8],
    changed_blocks: NDArray[np.bool_],
    n_changed: int,
    masks: tuple[NDArray[np.uint64], ...],
    pop_cell: tuple[NDArray[np.float64], ...],
    pop_group: tuple[NDArray[np.float64], ...],
    union_mask: NDArray[np.uint64],
    union_pop_cell: NDArray[np.float64],
    union_pop_group: NDArray[np.float64],
    with_union: bool,
    pop: NDArray[np.float64],
    group: NDArray[np.int64],
    k: float,
) -> NDArray[np.int64]:
    """Covered population of the flagged cells, in ascending cell order, clearing the flags; returns those cells.

    Per layer l, each cell with bit l: covered = pop x (covered points / k), and the change is summed per area
    (group) in ascending cell order before it is added to pop_group[l], as np.bincount(group, weights=change)
    would. With `with_union`, the union grid's mask of every flagged cell becomes its own | every layer's, and its
    covered population and area sums are updated the same way.
    """
    n_layers = len(masks)
    n_groups = union_pop_group.size
    out = np.empty(n_changed, dtype=np.int64)
    bits = np.empty(n_changed, dtype=np.uint8)
    m = 0
    n = changed.size
    for b in range(changed_blocks.size):  # the flagged cells, ascending
        if not changed_blocks[b]:
            continue
        changed_blocks[b] = False
        for c in range(b << _BLOCK_SHIFT, min((b + 1) << _BLOCK_SHIFT, n)):
            if changed[c] != 0:
                out[m] = c
                bits[m] = changed[c]
                changed[c] = 0
                m += 1
    delta = np.zeros((n_layers + 1, n_groups))
    for i in range(m):
        if i + AHEAD_CELLS < m:
            q = out[i + AHEAD_CELLS]
            prefetch(pop, q)
            prefetch(group, q)
            for lay in range(n_layers):
                prefetch(masks[lay], q)
                prefetch(pop_cell[lay], q)
            prefetch(union_mask, q)
            prefetch(union_pop_cell, q)
        c = out[i]
        f = bits[i]
        g = group[c]
        for lay in range(n_layers):
            if f & (1 << lay):
                cov = pop[c] * (popcount(masks[lay][c]) / k)
                delta[lay, g] += cov - pop_cell[lay][c]
                pop_cell[lay][c] = cov
        if with_union:
            u = union_mask[c]
            for lay in range(n_layers):
                u |= masks[lay][c]
            union_mask[c] = u
            cov = pop[c] * (popcount(u) / k)
            delta[n_layers, g] += cov - union_pop_cell[c]
            union_pop_cell[c] = cov
    for lay in range(n_layers):
        pg = pop_group[lay]
        for g in range(n_groups):
            pg[g] += delta[lay, g]
    if with_union:
        for g in range(n_groups):
            union_pop_group[g] += delta[n_layers, g]
    return out
