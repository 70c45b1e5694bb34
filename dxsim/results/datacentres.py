"""Data-centre entity table: every data centre and project, with its state at the horizon end.

Replication 0's end state: commissioned IT MW and racks, GPUs hosted, facility power, the dates
of its first and last commissioned phase in the run, and whether it went ahead.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from dxsim.sim.calendar import counted_date

if TYPE_CHECKING:  # only the annotation: the table is built after the run
    from dxsim.sim.compute.setup import ComputeRun


def datacentre_table(dc_table: pl.DataFrame, run: ComputeRun, start: dt.date) -> pl.DataFrame:
    """`run` is the replication's ComputeRun (fleet + data-centre model)."""
    f, dcs = run.fleet, run.dcs
    first_day: dict[str, float] = {}
    last_day: dict[str, float] = {}
    phases: dict[str, int] = {}
    for day, dc_id, _mw, _racks in dcs.phases_commissioned:
        first_day.setdefault(dc_id, day)
        last_day[dc_id] = day
        phases[dc_id] = phases.get(dc_id, 0) + 1
    ids = [str(d) for d in f.dc_id]

    def to_date(d: float | None) -> dt.date | None:
        """The date from which `dc_it_capacity_mw` counts the phase (`calendar.counted_date`): rounded down, a phase
        commissioned during 31 Dec was dated 31 Dec yet not in that month end's metric."""
        return counted_date(start, d)

    not_go = set(dcs.not_go)
    # a go/no-go belongs to a project, and to the state programme only when it has money: the existing sites and a
    # state programme of 0 MW read "went ahead: yes" (null: no decision to take)
    kinds = dc_table["kind"].to_list() if "kind" in dc_table.columns else ["project"] * len(ids)
    design = dc_table["it_mw_design"].to_list() if "it_mw_design" in dc_table.columns else [1.0] * len(ids)
    went = [
        (i not in not_go) if k == "project" or (k == "state" and (d or 0.0) > 0) else None
        for i, k, d in zip(ids, kinds, design, strict=True)
    ]
    return dc_table.with_columns(
        pl.Series("it_mw_end", f.it_mw),
        pl.Series("racks_end", f.racks),
        pl.Series("facility_power_mw_end", f.facility_power_mw()),
        pl.Series("gpus_end", f.gpus),
        pl.Series("gpu_it_mw_end", f.gpu_it_mw),
        pl.Series("phases_commissioned", [phases.get(i, 0) for i in ids]),
        pl.Series("first_phase_date", [to_date(first_day.get(i)) for i in ids], dtype=pl.Date),
        pl.Series("last_phase_date", [to_date(last_day.get(i)) for i in ids], dtype=pl.Date),
        pl.Series("went_ahead", went, dtype=pl.Boolean),
    )
