"""Coverage engine vs independent brute-force geometry on small grids."""

from __future__ import annotations

import numpy as np
import pytest

from dxsim.radio.coverage import CoverageGrid, GridSpec

RES = 1.0 / 120.0


def small_grid(n_rows=12, n_cols=15, seed=0, holes=True, subsamples=4):
    """A flat test grid: cells 900 m x 920 m, some cells unpopulated (absent)."""
    rng = np.random.default_rng(seed)
    rr, cc = np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    keep = rng.random(rr.size) > (0.2 if holes else 0.0)
    rr, cc = rr[keep], cc[keep]
    w, h = 900.0, 920.0
    x = (cc + 0.5) * w
    y = -(rr + 0.5) * h
    pop = rng.integers(1, 5000, rr.size).astype(float)
    group = (cc >= n_cols // 2).astype(int)
    spec = GridSpec(lon0=100.0, lat0=20.0, res_deg=RES, n_rows=n_rows, n_cols=n_cols)
    g = CoverageGrid(
        spec, rr, cc, x, y, np.full(rr.size, w), np.full(rr.size, h), pop, group, 2, subsamples=subsamples
    )
    return g, rng


def random_sites(g, rng, n, r_lo, r_hi):
    """Sites anywhere in the grid's extent, with their raster row/col."""
    sx = rng.uniform(0, g.grid.n_cols * 900.0, n)
    sy = -rng.uniform(0, g.grid.n_rows * 920.0, n)
    row = np.floor(-sy / 920.0).astype(int)
    col = np.floor(sx / 900.0).astype(int)
    r = rng.uniform(r_lo, r_hi, n)
    return row, col, sx, sy, r


def brute_share_same_points(g, sx, sy, r):
    """Per-cell covered share using the engine's own n x n points, by plain Python loops."""
    n = g.n
    out = np.zeros(g.x.size)
    for i in range(g.x.size):
        hits = 0
        for a in range(n):
            for b in range(n):
                px = g.x[i] + ((b + 0.5) / n - 0.5) * g.w[i]
                py = g.y[i] + ((a + 0.5) / n - 0.5) * g.h[i]
                if np.any((px - sx) ** 2 + (py - sy) ** 2 <= r**2):
                    hits += 1
        out[i] = hits / (n * n)
    return out


def brute_share_fine(g, sx, sy, r, m=60):
    """Per-cell covered area share by fine m x m sampling (an independent estimate of the true area)."""
    f = (np.arange(m) + 0.5) / m - 0.5
    fx, fy = np.meshgrid(f, f)
    out = np.zeros(g.x.size)
    for i in range(g.x.size):
        px = g.x[i] + fx.ravel() * g.w[i]
        py = g.y[i] + fy.ravel() * g.h[i]
        d2 = (px[:, None] - sx[None, :]) ** 2 + (py[:, None] - sy[None, :]) ** 2
        out[i] = np.mean((d2 <= r[None, :] ** 2).any(axis=1))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_bruteforce_on_same_points_exactly(seed):
    g, rng = small_grid(seed=seed)
    row, col, sx, sy, r = random_sites(g, rng, 25, 200, 2500)
    g.add_sites(row, col, sx, sy, r)
    expected = brute_share_same_points(g, sx, sy, r)
    np.testing.assert_array_equal(g.covered_share, expected)
    np.testing.assert_allclose(g.covered_pop_total(), float((expected * g.pop).sum()), rtol=1e-12)


def test_close_to_true_area_with_fine_sampling():
    g, rng = small_grid(seed=7, subsamples=8)
    row, col, sx, sy, r = random_sites(g, rng, 30, 300, 1500)
    g.add_sites(row, col, sx, sy, r)
    truth = brute_share_fine(g, sx, sy, r)
    # aggregate population coverage within 1.5% of the fine-sampled truth
    model = g.covered_pop_total() / g.pop.sum()
    ref = float((truth * g.pop).sum() / g.pop.sum())
    assert abs(model - ref) < 0.015, (model, ref)
    # and no single cell off by more than the coarse-quadrature bound (a few points of 64)
    assert np.max(np.abs(g.covered_share - truth)) < 0.2


def test_incremental_equals_recompute_and_groups_sum():
    g1, rng = small_grid(seed=11)
    row, col, sx, sy, r = random_sites(g1, rng, 60, 100, 1200)
    g2 = g1.copy()
    for chunk in np.array_split(np.arange(60), 7):  # month by month
        g1.add_sites(row[chunk], col[chunk], sx[chunk], sy[chunk], r[chunk])
    g2.add_sites(row, col, sx, sy, r)  # all at once
    np.testing.assert_array_equal(g1.mask, g2.mask)
    np.testing.assert_allclose(g1.covered_pop_group, g2.covered_pop_group, rtol=1e-12)
    np.testing.assert_allclose(g1.covered_pop_group.sum(), (g1.covered_share * g1.pop).sum(), rtol=1e-12)
    for k in range(2):
        sel = g1.group == k
        np.testing.assert_allclose(
            g1.covered_pop_group[k], (g1.covered_share * g1.pop)[sel].sum(), rtol=1e-12
        )


def test_single_site_large_radius_covers_whole_cells_and_nothing_outside():
    g, _ = small_grid(holes=False)
    c = g.x.size // 2
    row, col = g.rows[c], g.cols[c]
    g.add_sites([row], [col], [g.x[c]], [g.y[c]], [1500.0])
    share = g.covered_share
    d = np.hypot(g.x - g.x[c], g.y - g.y[c])
    assert np.all(share[d + g.half_diag <= 1500] == 1.0)
    assert np.all(share[d - g.half_diag > 1500] == 0.0)


def test_marginal_pop_equals_actual_gain():
    g, rng = small_grid(seed=5)
    row, col, sx, sy, r = random_sites(g, rng, 20, 300, 1500)
    g.add_sites(row[:10], col[:10], sx[:10], sy[:10], r[:10])
    before = g.covered_pop_total()
    gains = g.marginal_pop(row[10:], col[10:], sx[10:], sy[10:], r[10:])
    for j in range(10, 20):  # each candidate alone, on a copy
        h = g.copy()
        h.add_sites(row[j : j + 1], col[j : j + 1], sx[j : j + 1], sy[j : j + 1], r[j : j + 1])
        assert h.covered_pop_total() - before == pytest.approx(gains[j - 10], rel=1e-9, abs=1e-9)
    assert g.covered_pop_total() == before  # marginal_pop does not switch anything on


def test_adding_sites_never_reduces_coverage():
    g, rng = small_grid(seed=9)
    last = 0.0
    for _ in range(8):
        row, col, sx, sy, r = random_sites(g, rng, 5, 100, 900)
        g.add_sites(row, col, sx, sy, r)
        now = g.covered_pop_total()
        assert now >= last
        last = now
    assert last <= g.pop.sum() + 1e-9


def test_precomputed_footprints_give_the_same_coverage_as_direct_updates():
    g1, rng = small_grid(seed=21)
    row, col, sx, sy, r = random_sites(g1, rng, 40, 150, 2000)
    g2 = g1.copy()
    fp = g2.footprints(row, col, sx, sy, r)
    for chunk in np.array_split(rng.permutation(40), 6):
        g1.add_sites(row[chunk], col[chunk], sx[chunk], sy[chunk], r[chunk])
        g2.add_footprints(fp, chunk)
        np.testing.assert_array_equal(g1.mask, g2.mask)
        np.testing.assert_allclose(g1.covered_pop_group, g2.covered_pop_group, rtol=1e-12)
    assert g2.add_footprints(fp, np.arange(40)).size == 0  # nothing new the second time
