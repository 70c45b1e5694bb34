"""Honest uncertainty (issue 11): every uncertain assumption has a range, drawn per replication.

- zero-width ranges reproduce the single-value run (uncertainty disabled) exactly, metric by metric;
- draws differ between replications and are identical across options (common random numbers);
- each distribution stays within its factors and has the mean its formula says (brute force);
- the P10-P90 band of 5G stations is much wider with the default ranges than with seed noise alone;
- bad ranges are one-line errors with exit 2 from `dxsim validate`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import BASELINE, dxsim_cmd, one_line_error

from dxsim.rng import stream
from dxsim.scenario import load_scenario
from dxsim.scenario.docs import uncertainty_markdown
from dxsim.scenario.schema import Horizon, Scenario
from dxsim.scenario.sections.uncertainty import (
    DEFAULT_RANGES,
    Range,
    Uncertainty,
    concrete_ranges,
    per_replication,
)
from dxsim.sim.uncertainty import draw_factors, draw_scenario

SEED = 20251031


def _with_ranges(sc: Scenario, ranges: dict[str, dict], enabled: bool = True) -> Scenario:
    """A validated copy of sc whose uncertainty section is exactly `ranges`."""
    data = sc.model_dump()
    data["uncertainty"] = {"enabled": enabled, "ranges": ranges}
    return Scenario.model_validate(data)


def _zero_width(sc: Scenario) -> Scenario:
    return _with_ranges(
        sc,
        {
            k: {**r.model_dump(), "low_factor": 1.0, "high_factor": 1.0}
            for k, r in sc.uncertainty.ranges.items()
        },
    )


def _disabled(sc: Scenario) -> Scenario:
    return _with_ranges(sc, {k: r.model_dump() for k, r in sc.uncertainty.ranges.items()}, enabled=False)


# --------------------------------------------------------------------------- distributions (no model run)


@pytest.mark.parametrize("dist", ["uniform", "triangular", "loguniform"])
def test_factor_stays_within_bounds_and_has_the_formula_mean(dist: str) -> None:
    lo, hi = 0.6, 1.8
    r = Range(low_factor=lo, high_factor=hi, distribution=dist, source="test")
    u = stream(1, 0, "test").random(200_000)
    f = np.array([r.factor(float(x)) for x in u])
    assert f.min() >= lo and f.max() <= hi
    assert f.min() < lo + 0.01 and f.max() > hi - 0.01  # the whole range is reached
    expected = {
        "uniform": (lo + hi) / 2,
        "triangular": (lo + 1.0 + hi) / 3,
        "loguniform": (hi - lo) / math.log(hi / lo),
    }[dist]
    assert abs(f.mean() - expected) < 0.005, (f.mean(), expected)
    if dist == "triangular":  # the mode is the scenario's value: the CDF at 1 is (1 - lo) / (hi - lo)
        assert abs((f < 1.0).mean() - (1 - lo) / (hi - lo)) < 0.005
    if dist == "loguniform":  # as likely below the geometric mean as above it
        assert abs((f < math.sqrt(lo * hi)).mean() - 0.5) < 0.005


def test_zero_width_factor_is_exactly_one() -> None:
    for dist in ("uniform", "triangular", "loguniform"):
        r = Range(low_factor=1.0, high_factor=1.0, distribution=dist, source="test")
        assert {r.factor(u) for u in (0.0, 0.3, 0.999999)} == {1.0}


def test_draws_over_replications_respect_the_ranges_and_clamp_to_the_field() -> None:
    sc = _with_ranges(
        Scenario(name="t"),
        {
            "supply.deliveries_per_month": {"low_factor": 0.5, "high_factor": 1.5, "source": "t"},
            "compute.datacentres.go_probability_pct.under_construction": {
                "low_factor": 0.9,
                "high_factor": 1.2,
                "source": "t",
            },
            "crews.*.teams": {
                "low_factor": 0.5,
                "high_factor": 2.0,
                "distribution": "loguniform",
                "source": "t",
            },
        },
    )
    base_uc = sc.compute.datacentres.go_probability_pct.under_construction
    deliveries = []
    for rep in range(300):
        f = draw_factors(sc, SEED, rep)
        assert set(f) == {
            "supply.deliveries_per_month",
            "compute.datacentres.go_probability_pct.under_construction",
            "crews.north.teams",
            "crews.central.teams",
            "crews.south.teams",
        }
        d = draw_scenario(sc, SEED, rep)
        assert 0.5 <= f["supply.deliveries_per_month"] <= 1.5
        assert d.supply.deliveries_per_month == round(
            sc.supply.deliveries_per_month * f["supply.deliveries_per_month"]
        )
        deliveries.append(f["supply.deliveries_per_month"])
        g = f["compute.datacentres.go_probability_pct.under_construction"]
        assert d.compute.datacentres.go_probability_pct.under_construction == pytest.approx(
            min(base_uc * g, 100.0)
        )
        for region in ("north", "central", "south"):
            teams = d.crews[region].teams
            assert isinstance(teams, int) and teams == round(
                sc.crews[region].teams * f[f"crews.{region}.teams"]
            )
        # each concrete path has its own draw
        assert len({f["crews.north.teams"], f["crews.central.teams"], f["crews.south.teams"]}) == 3
    assert abs(np.mean(deliveries) - 1.0) < 0.04  # uniform 0.5..1.5 over 300 draws: sd of the mean ~0.017
    clamped = sum(
        base_uc * draw_factors(sc, SEED, r)["compute.datacentres.go_probability_pct.under_construction"] > 100
        for r in range(300)
    )
    assert clamped > 0  # the clamp was exercised


def test_a_delay_scales_p50_and_p90_together() -> None:
    sc = _with_ranges(
        Scenario(name="t"), {"works.new_site_permit": {"low_factor": 0.5, "high_factor": 2.0, "source": "t"}}
    )
    for rep in range(20):
        f = draw_factors(sc, SEED, rep)["works.new_site_permit"]
        d = draw_scenario(sc, SEED, rep).works.new_site_permit
        assert d.p50_days == pytest.approx(120.0 * f) and d.p90_days == pytest.approx(300.0 * f)
        assert d.sigma == pytest.approx(sc.works.new_site_permit.sigma)  # the spread (p90/p50) is kept


def test_draws_differ_between_replications_and_are_common_across_options() -> None:
    base = Scenario(name="base")
    # an option that moves base values (and adds a range of its own) keeps the same draws on shared paths
    option = base.model_copy(
        update={
            "supply": base.supply.model_copy(update={"deliveries_per_month": 4000}),
            "works": base.works.model_copy(
                update={
                    "new_site_permit": base.works.new_site_permit.model_copy(
                        update={"p50_days": 60.0, "p90_days": 200.0}
                    )
                }
            ),
        }
    )
    option = _with_ranges(
        option,
        {
            **{k: r.model_dump() for k, r in base.uncertainty.ranges.items()},
            "crews.*.teams": {"low_factor": 0.8, "high_factor": 1.2, "source": "t"},
        },
    )
    seen = []
    for rep in range(5):
        fb, fo = draw_factors(base, SEED, rep), draw_factors(option, SEED, rep)
        shared = set(fb) & set(fo)
        assert shared == set(fb) and len(shared) >= 20
        assert all(fb[p] == fo[p] for p in shared)  # the same factor, to the bit
        db, do = draw_scenario(base, SEED, rep), draw_scenario(option, SEED, rep)
        assert db.works.new_site_permit.p50_days / 120.0 == pytest.approx(
            do.works.new_site_permit.p50_days / 60.0
        )
        assert db.supply.deliveries_per_month / 12_000 == pytest.approx(
            do.supply.deliveries_per_month / 4000, abs=2e-4
        )
        seen.append(fb)
    for p in seen[0]:  # every path draws a new value in each replication
        assert len({f[p] for f in seen}) == 5, p
    assert draw_factors(base, SEED + 1, 0) != seen[0]  # and with each seed


def test_zero_width_or_disabled_returns_the_scenario_itself() -> None:
    sc = Scenario(name="t")
    for other in (_zero_width(sc), _disabled(sc)):
        for rep in range(3):
            assert draw_factors(other, SEED, rep) == {}
            assert draw_scenario(other, SEED, rep) is other
    assert draw_scenario(sc, SEED, 0) != sc  # the defaults do change something


# --------------------------------------------------------------------------- schema


def test_every_default_range_names_a_per_replication_value_with_a_source() -> None:
    sc = Scenario(name="t")
    concrete = concrete_ranges(sc, sc.uncertainty.ranges)
    keys = {k for k, _ in concrete.values()}
    assert keys == {p for p, *_ in DEFAULT_RANGES}  # every default expands to at least one value
    for path, (_, r) in concrete.items():
        assert per_replication(path)
        assert 0 < r.low_factor <= 1 <= r.high_factor and r.low_factor < r.high_factor, path
        assert r.source.strip(), path
    for must in (
        "works.new_site_permit",
        "supply.lead_time",
        "works.new_site_team_days",
        "seasons.north.rainy_productivity_pct",
        "costs.new_site_civil_vnd_bn",
        "villages.programme.permit",
        "compute.datacentres.go_probability_pct.announced",
        "compute.demand.growth_pct_per_year",
        "business_case.take_up_pct",
    ):
        assert must in concrete, must
    table = uncertainty_markdown()
    assert all(f"`{p}`" in table for p, *_ in DEFAULT_RANGES)


def test_a_planner_wildcard_replaces_the_defaults_it_covers() -> None:
    u = Uncertainty.model_validate(
        {
            "ranges": {
                **{
                    p: {"low_factor": lo, "high_factor": hi, "distribution": d, "source": s}
                    for p, lo, hi, d, s in DEFAULT_RANGES
                },
                "works.*": {"low_factor": 0.9, "high_factor": 1.1, "source": "mine"},
            }
        }
    )
    assert "works.new_site_permit" not in u.ranges and "works.*" in u.ranges
    sc = Scenario(name="t", uncertainty=u)
    c = concrete_ranges(sc, sc.uncertainty.ranges)
    assert c["works.new_site_permit"][1].source == "mine"
    # an explicit path beats a wildcard
    sc2 = _with_ranges(
        sc,
        {
            "works.*": {"low_factor": 0.9, "high_factor": 1.1, "source": "mine"},
            "works.upgrade_permit": {"low_factor": 0.5, "high_factor": 1.0, "source": "exact"},
        },
    )
    assert concrete_ranges(sc2, sc2.uncertainty.ranges)["works.upgrade_permit"][1].source == "exact"


# --------------------------------------------------------------------------- CLI errors


BAD = [
    (
        '"works.new_site_permt"',
        'low_factor = 0.7\nsource = "s"',
        ["works.new_site_permt", "did you mean", "works.new_site_permit"],
    ),
    (
        '"radio.coverage_subsamples_per_axis"',
        'low_factor = 0.7\nsource = "s"',
        ["radio.coverage_subsamples_per_axis", "once per scenario"],
    ),
    ('"works.new_site_permit.p50_days"', 'low_factor = 0.7\nsource = "s"', ["p50_days", "delay"]),
    ('"works.new_site_permit"', "low_factor = 1.2", ["low_factor", "1.2", "between 0.01 and 1"]),
    ('"works.new_site_permit"', "high_factor = 0.5", ["high_factor", "0.5", "between 1 and 100"]),
    ('"works.new_site_permit"', 'distribution = "normal"', ["distribution", "normal", "loguniform"]),
    ('"crews.*.teams"', "low_factor = 0.5", ["crews.*.teams", "source", "field required"]),
    ('"seasons.*.rainy_months"', 'source = "s"', ["rainy_months", "a list"]),
    ('"works"', 'source = "s"', ["works", "a table"]),
    ('"seasons.nort.rainy_productivity_pct"', 'source = "s"', ["nort", "did you mean", "seasons.north"]),
]


@pytest.mark.parametrize(("key", "body", "parts"), BAD, ids=[b[0].strip('"') + "/" + b[1][:12] for b in BAD])
def test_bad_ranges_are_one_line_errors(tmp_path: Path, key: str, body: str, parts: list[str]) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(
        f'name = "bad"\nextends = "{BASELINE.as_posix()}"\n\n[uncertainty.ranges.{key}]\n{body}\n',
        encoding="utf-8",
    )
    r = dxsim_cmd("validate", str(f))
    assert r.returncode == 2, r.stdout + r.stderr
    one_line_error(r.stderr, r.stdout, str(f), *parts)


def test_a_good_override_validates_and_zeroes_a_default(tmp_path: Path) -> None:
    f = tmp_path / "ok.toml"
    f.write_text(
        f'name = "ok"\nextends = "{BASELINE.as_posix()}"\n\n'
        '[uncertainty.ranges."works.new_site_permit"]\nlow_factor = 1\nhigh_factor = 1\n\n'
        '[uncertainty.ranges."crews.*.teams"]\nlow_factor = 0.8\nhigh_factor = 1.25\n'
        'distribution = "loguniform"\nsource = "contract crews"\n',
        encoding="utf-8",
    )
    r = dxsim_cmd("validate", str(f))
    assert r.returncode == 0, r.stderr
    sc = load_scenario(f)
    r0 = sc.uncertainty.ranges["works.new_site_permit"]
    assert (r0.low_factor, r0.high_factor) == (1.0, 1.0) and r0.source.startswith("dxsim assumption")
    f0 = draw_factors(sc, SEED, 0)
    assert "works.new_site_permit" not in f0 and {"crews.north.teams", "works.upgrade_permit"} <= set(f0)


# --------------------------------------------------------------------------- model runs (short horizon)


@pytest.fixture(scope="module")
def world():
    from dxsim.geo import load_country
    from dxsim.sim.world import prepare_world

    sc = load_scenario(BASELINE)
    w = prepare_world(sc, load_country(), scenario_dir=BASELINE.parent)
    short = w.scenario.model_copy(
        update={"horizon": Horizon(start_date=sc.horizon.start_date, end_date=dt.date(2025, 12, 31))}
    )
    return dataclasses.replace(w, scenario=short)


def _run(world, sc: Scenario, rep: int) -> pl.DataFrame:
    from dxsim.sim.model import run_replication

    return run_replication(dataclasses.replace(world, scenario=sc), rep).metrics


def test_zero_width_run_equals_the_disabled_run_metric_by_metric(world) -> None:
    sc = world.scenario
    for rep in (0, 3):
        zero, off = _run(world, _zero_width(sc), rep), _run(world, _disabled(sc), rep)
        assert zero.height > 1000
        assert zero.equals(off)  # every date, area, metric and value, exactly
    assert not _run(world, sc, 0).equals(
        _run(world, _disabled(sc), 0)
    )  # the comparison can tell a difference


def _p10_p90_pct(world, sc: Scenario, reps: int) -> float:
    vals = []
    for rep in range(reps):
        m = _run(world, sc, rep)
        v = m.filter(
            (pl.col("area") == "VN")
            & (pl.col("metric") == "stations_5g")
            & (pl.col("date") == dt.date(2025, 12, 31))
        )["value"]
        vals.append(float(v[0]))
    p10, p50, p90 = np.percentile(vals, [10, 50, 90])
    return 100.0 * (p90 - p10) / p50


def test_default_uncertainty_widens_the_band_of_5g_stations(world) -> None:
    on = _p10_p90_pct(world, world.scenario, 8)
    off = _p10_p90_pct(world, _disabled(world.scenario), 8)
    assert on > 3 * off and on > 1.0, (on, off)


def test_uncertainty_path_names_use_no_reserved_characters() -> None:
    for p, *_ in DEFAULT_RANGES:
        assert re.fullmatch(r"(\*|[A-Za-z0-9_]+)(\.(\*|[A-Za-z0-9_]+))*", p), p


def test_village_works_cost_the_estimate_times_the_drawn_overrun(world) -> None:
    """Village capex had no band (P10 = P50 = P90 = 2,128.37 bn: finance trial): each replication now pays its drawn
    `villages.options.capex_overrun_factor` x the estimate the options were chosen on; the choices, work and lead
    times stay those of the estimate, and a factor of 1 leaves the world's inputs as they are (the same object)."""
    from dxsim.sim.uncertainty import village_inputs

    vw = world.villages
    sc = world.scenario
    assert village_inputs(vw, sc, sc) is vw.inputs
    factors = [draw_scenario(sc, sc.seed, r).villages.options.capex_overrun_factor for r in range(6)]
    rng = sc.uncertainty.ranges["villages.options.capex_overrun_factor"]
    assert all(rng.low_factor <= f <= rng.high_factor for f in factors) and len(set(factors)) == 6
    drawn = draw_scenario(sc, sc.seed, 0)
    got = village_inputs(vw, sc, drawn)
    np.testing.assert_allclose(got.capex_vnd_bn, vw.inputs.capex_vnd_bn * factors[0], rtol=1e-12)
    np.testing.assert_array_equal(got.feasible, vw.inputs.feasible)
    # each replication pays its own factor on the villages its sites put on air (the metric the KPIs sum)
    from dxsim.sim.model import run_replication

    horizon = float((sc.horizon.end_date - sc.horizon.start_date).days)
    for r in range(3):
        res = run_replication(world, r)
        np.testing.assert_allclose(res.village_capex_vnd_bn, vw.inputs.capex_vnd_bn * factors[r], rtol=1e-12)
        on_air = ~np.isnan(res.village_connected_day) & (res.village_connected_day <= horizon)
        nat = res.metrics.filter(pl.col("area") == "VN")
        paid = float(nat.filter(pl.col("metric") == "village_capex_vnd_bn")["value"].sum())
        surge = float(nat.filter(pl.col("metric") == "village_surge_capex_vnd_bn")["value"].sum())
        assert on_air.any()
        assert paid - surge == pytest.approx(
            float(vw.inputs.capex_vnd_bn[on_air].sum()) * factors[r], rel=1e-9
        )
