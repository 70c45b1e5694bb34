"""A lever that helps never makes its own programme's outcome worse, replication by replication (issue: answers that
respond to the levers planners pull).

The national baseline against options that only speed something up, on common random numbers: the same seed and
replication draw the same randomness, so an option's 5G stations at every month end are at least the baseline's in
every replication. Each option once went the wrong way (lever audit, 2026-12-07): halved kit lead times planned the
orders back with the faster time and moved each year's first round a month later (up to 250 fewer stations from
January to June); halved new-site permits did the same (42 fewer).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from conftest import BASELINE

from dxsim.api import run

REPS = 3


def _stations(scenario: Any) -> pl.DataFrame:
    res = run(scenario, reps=REPS, base_dir=None if isinstance(scenario, type(BASELINE)) else BASELINE.parent)
    return res.metrics.filter((pl.col("area") == "VN") & (pl.col("metric") == "stations_5g")).select(
        "date", "replication", "value"
    )


@pytest.fixture(scope="module")
def baseline() -> pl.DataFrame:
    return _stations(BASELINE)


@pytest.mark.parametrize(
    "faster",
    [
        {"supply": {"lead_time": {"p50_days": 22, "p90_days": 45}}},
        {"works": {"new_site_permit": {"p50_days": 60, "p90_days": 150}}},
    ],
    ids=["kit-lead-time-halved", "new-site-permit-halved"],
)
def test_a_faster_chain_never_has_fewer_5g_stations(baseline: pl.DataFrame, faster: dict[str, Any]) -> None:
    option = _stations({"extends": BASELINE.name, "name": "faster", **faster})
    both = baseline.join(option, on=["date", "replication"], suffix="_option")
    assert both.height == baseline.height > 0
    worse = both.filter(pl.col("value_option") < pl.col("value"))
    assert worse.is_empty(), worse.head(5)
    assert (both["value_option"] > both["value"]).any()  # and it helps somewhere
