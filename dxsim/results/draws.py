"""Each replication's draws of the uncertain assumptions, as a table (`uncertainty_draws.csv` in a run folder).

Why: a run with `[uncertainty]` draws a factor per assumption and replication (dxsim.sim.uncertainty), and none was
written anywhere: a replication with 32.7% of people capacity-short beside two at 2-3% could not be traced to the
traffic growth it drew (operator trial). The factors are those the replications used, recomputed from (seed,
replication) by the same function, so the table costs no model time.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.uncertainty import concrete_ranges
from dxsim.sim.uncertainty import draw_factors

DRAWS_FILE = "uncertainty_draws.csv"
DRAW_COLUMNS = {"replication": pl.Int32, "path": pl.Utf8, "range": pl.Utf8, "factor": pl.Float64}


def draws_table(scenario: Scenario, seed: int, replications: Iterable[int]) -> pl.DataFrame | None:
    """One row per (replication, drawn path): the `uncertainty.ranges` key that covers the path and the factor the
    replication multiplied the scenario's value by (a delay: its p50 and p90 together). None when the scenario draws
    nothing (uncertainty off, or no range wider than zero)."""
    unc = scenario.uncertainty
    if not unc.enabled:
        return None
    keys = {path: key for path, (key, _r) in concrete_ranges(scenario, unc.ranges).items()}
    rows = [
        (rep, path, keys.get(path, path), factor)
        for rep in replications
        for path, factor in draw_factors(scenario, seed, rep).items()
    ]
    if not rows:
        return None
    return pl.DataFrame(rows, schema=DRAW_COLUMNS, orient="row")
