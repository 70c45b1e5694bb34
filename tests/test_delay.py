"""The one delay model (dxsim.delay): hand-computed quantiles, scalar = array, and its users go through it."""

from __future__ import annotations

import ast
import math
import pathlib
from statistics import NormalDist

import numpy as np
import pytest

from dxsim.delay import Z90, lognormal_days, sigma_from_p90
from dxsim.scenario.fields import DelayDays

DXSIM = pathlib.Path(__file__).resolve().parents[1] / "dxsim"


def test_z90_is_the_normal_90th_percentile() -> None:
    assert Z90 == pytest.approx(NormalDist().inv_cdf(0.9), abs=1e-15)


def test_quantiles_by_hand() -> None:
    # p50 = 10 d, p90 = 30 d: sigma = ln 3 / z90; z = 0 gives the median, z = z90 the p90, z = -z90 the p10
    sigma = sigma_from_p90(10.0, 30.0)
    assert sigma == pytest.approx(math.log(3.0) / 1.2815515655446004, rel=1e-15)
    assert lognormal_days(10.0, sigma, 0.0) == 10.0
    assert lognormal_days(10.0, sigma, Z90) == pytest.approx(30.0, rel=1e-12)
    assert lognormal_days(10.0, sigma, -Z90) == pytest.approx(10.0 / 3.0, rel=1e-12)
    assert sigma_from_p90(0.0, 5.0) == 0.0  # no median: no spread, and a zero delay
    assert lognormal_days(0.0, 0.0, 1.7) == 0.0


def test_sampled_quantiles_match() -> None:
    z = np.random.default_rng(7).standard_normal(200_000)
    d = DelayDays(p50_days=45, p90_days=90).draws(z)
    assert np.quantile(d, 0.5) == pytest.approx(45.0, rel=0.01)
    assert np.quantile(d, 0.9) == pytest.approx(90.0, rel=0.01)
    assert d.mean() == pytest.approx(DelayDays(p50_days=45, p90_days=90).mean_days, rel=0.01)


def test_scalar_equals_array_element() -> None:
    z = np.random.default_rng(1).standard_normal(50)
    d = DelayDays(p50_days=14, p90_days=45)
    arr = d.draws(z)
    assert [d.draw(float(x)) for x in z] == pytest.approx(list(arr), rel=1e-15)
    per_site = lognormal_days(np.array([14.0, 120.0]), np.array([d.sigma, 0.5]), np.array([0.3, -1.0]))
    assert per_site[1] == 120.0 * math.exp(-0.5)


def test_no_module_writes_its_own_lognormal() -> None:
    """Nobody outside dxsim.delay defines the z90 constant or a p50 x exp(sigma x z) of its own."""
    offenders = []
    for f in DXSIM.rglob("*.py"):
        if f.name == "delay.py":
            continue
        text = f.read_text(encoding="utf-8")
        if "1.28155" in text:
            offenders.append(f"{f.name}: z90 literal")
        for node in ast.walk(ast.parse(text)):
            # p50 * exp(sigma * z): a product whose right side is exp(...) of a product naming sigma
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "exp"
                and node.args
                and "sigma" in ast.unparse(node.args[0])
                and "**" not in ast.unparse(node.args[0])
            ):
                offenders.append(f"{f.relative_to(DXSIM)}:{node.lineno}")
    assert offenders == []
