"""Each operator builds its own network; population coverage is the people covered by at least one.

Checked by brute force on a small area: every sample point of every population cell of the
smallest province is tested against every 5G site on air at the end of a short run, operator by
operator; the union must equal the model's per-cell covered population (the grid the Monitor
keeps), and the networks must overlap (the union is less than the sum of the operators').
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from dxsim.geo.country import load_country
from dxsim.scenario.loader import load_scenario
from dxsim.scenario.schema import OPERATORS
from dxsim.sim.model import ReplicationResult, run_replication
from dxsim.sim.world import World, prepare_world


@pytest.fixture(scope="module")
def short_run() -> tuple[World, ReplicationResult]:
    sc = load_scenario("scenarios/baseline.toml")
    sc.horizon.end_date = dt.date(2026, 6, 30)
    sc.villages.enabled = False
    sc.compute.enabled = False
    world = prepare_world(sc, load_country())
    return world, run_replication(world, 0)


def brute_force_covered(world: World, cells: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Covered population of each cell: the share of its n x n sample points within reach of any site."""
    c = world.cells
    n = world.scenario.radio.coverage_subsamples_per_axis
    frac = (np.arange(n) + 0.5) / n - 0.5
    fx, fy = (a.ravel() for a in np.meshgrid(frac, frac))
    px = c.x_m[cells][:, None] + fx[None, :] * c.width_m[cells][:, None]
    py = c.y_m[cells][:, None] + fy[None, :] * c.height_m[cells][:, None]
    sx, sy, r = world.plan_x[sites], world.plan_y[sites], world.plan_radius_m[sites]
    hit = np.zeros(px.shape, dtype=bool)
    for i in range(sites.size):  # brute force: every point against every site
        hit |= (px - sx[i]) ** 2 + (py - sy[i]) ** 2 <= r[i] ** 2
    return c.pop[cells] * hit.mean(axis=1)


def test_union_coverage_equals_brute_force_on_a_small_area(short_run):
    world, res = short_run
    c = world.cells
    counts = np.bincount(c.province_idx, minlength=c.n_provinces)
    prov = int(np.argmin(np.where(counts > 0, counts, np.iinfo(np.int64).max)))
    cells = np.flatnonzero(c.province_idx == prov)
    horizon = float((world.scenario.horizon.end_date - world.scenario.horizon.start_date).days)
    on = ~np.isnan(res.on_air_day) & (res.on_air_day <= horizon)
    # sites that can reach the province: within the largest radius + a cell diagonal of its box
    reach = float(world.plan_radius_m.max()) + 2000.0
    near = (
        (world.plan_x >= c.x_m[cells].min() - reach)
        & (world.plan_x <= c.x_m[cells].max() + reach)
        & (world.plan_y >= c.y_m[cells].min() - reach)
        & (world.plan_y <= c.y_m[cells].max() + reach)
    )
    per_op = [
        brute_force_covered(world, cells, np.flatnonzero(on & near & (res.operator == k)))
        for k in range(len(OPERATORS))
    ]
    union = brute_force_covered(world, cells, np.flatnonzero(on & near))
    np.testing.assert_allclose(res.pop_covered_5g_cell_end[cells], union, rtol=1e-9, atol=1e-6)
    stacked = np.vstack(per_op)
    assert np.all(union >= stacked.max(axis=0) - 1e-9) and np.all(union <= stacked.sum(axis=0) + 1e-9)
    assert union.sum() < stacked.sum(axis=0).sum()  # the networks overlap (in towns)


def test_national_union_lies_between_the_largest_network_and_the_sum(short_run):
    _, res = short_run
    nat = res.metrics.filter(pl.col("area") == "VN")
    last = nat["date"].max()
    at = {r["metric"]: r["value"] for r in nat.filter(pl.col("date") == last).iter_rows(named=True)}
    ops = [at[f"pop_covered_5g_pct_{o}"] for o in OPERATORS]
    assert max(ops) <= at["pop_covered_5g_pct"] < sum(ops)
    # and each operator's stations are its own: they add up to the national count
    assert sum(at[f"stations_5g_{o}"] for o in OPERATORS) == at["stations_5g"]
