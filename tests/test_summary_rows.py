"""`NationalRows` (the KPIs' index of a metrics table) against polars filters, the form it replaced."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from dxsim.results.summary import NationalRows, _decimal_year
from dxsim.sim.recorder import empty_metrics


def table() -> pl.DataFrame:
    """Two replications, months out of order, one metric never reaching 50 in replication 1."""
    rng = np.random.default_rng(7)
    rows = []
    months = [dt.date(2026, 3, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 4, 30)]
    for rep in (1, 0):
        for d in months:
            for metric in ("cov", "other"):
                v = {0: {1: 10.0, 2: 49.0, 3: 50.0, 4: 80.0}, 1: {1: 5.0, 2: 20.0, 3: 30.0, 4: 40.0}}[rep][
                    d.month
                ]
                rows.append((d, rep, "VN", metric, v if metric == "cov" else float(rng.random())))
    return pl.DataFrame(rows, schema=empty_metrics().schema, orient="row")  # the recorder's columns


def test_at_equals_a_polars_filter() -> None:
    nat = table()
    rows = NationalRows(nat)
    for metric in ("cov", "other", "absent"):
        for d in nat["date"].unique().to_list() + [dt.date(2030, 1, 31)]:
            sub = nat.filter((pl.col("date") == d) & (pl.col("metric") == metric))
            assert rows.at(metric, d) == dict(zip(sub["replication"].to_list(), sub["value"].to_list()))
    assert rows.has("cov") and not rows.has("absent")


def test_first_date_reaching_by_hand() -> None:
    rows = NationalRows(table())
    got = rows.first_date_reaching("cov", 50.0)
    assert got[0] == _decimal_year(dt.date(2026, 3, 31))  # 10, 49, then 50 in March (rows out of order)
    assert math.isnan(got[1])  # never above 40
    assert set(got) == {0, 1}
    assert rows.first_date_reaching("absent", 1.0) == {}
