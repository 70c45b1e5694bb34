"""Each replication draws its own values of the uncertain assumptions (scenario section `uncertainty`).

For every concrete path of `scenario.uncertainty.ranges` (sorted), one uniform draw u from the
stream `uncertainty.<path>` of (seed, replication) gives a factor through the range's
distribution; the value at the path is multiplied by it (a delay: p50 and p90 together; an integer
is rounded; the result is kept within the field's range). Streams are named per path, so two
options see the same factor for the same (seed, replication, path) (common random numbers), and
adding a range does not move any other draw. A range of zero width, or `enabled = false`, leaves
the scenario object itself unchanged: the run is then exactly the single-value run.

The villages' work and lead times are computed from `villages.options` once per scenario (with
the option chosen per village); :func:`village_inputs` recomputes them per replication from the
drawn options, keeping each village's chosen option and its costs.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from dxsim.errors import DxsimInputError
from dxsim.rng import stream
from dxsim.scenario.fields import DelayDays
from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.network_5g import Supply, Works
from dxsim.sim.rollout import PipelineHistory
from dxsim.scenario.sections.uncertainty import bounds_of, concrete_ranges
from dxsim.sim.villages.options import option_work
from dxsim.sim.villages.process import VillageInputs
from dxsim.sim.villages.setup import VillageWorld

# What village_inputs recomputes per replication from the drawn options (capex: the estimate x the drawn overrun).
_VILLAGE_WORK = ("utility_team_days", "operator_team_days", "equipment_lead_days")


def draw_factors(scenario: Scenario, seed: int, replication: int) -> dict[str, float]:
    """Factor per concrete path for this replication ({} when uncertainty is off; zero-width ranges skipped)."""
    unc = scenario.uncertainty
    if not unc.enabled:
        return {}
    out: dict[str, float] = {}
    for path, (_key, r) in concrete_ranges(scenario, unc.ranges).items():
        if r.low_factor == r.high_factor:
            if r.low_factor != 1.0:  # pragma: no cover - the schema keeps low <= 1 <= high
                out[path] = r.low_factor
            continue
        u = float(stream(seed, replication, f"uncertainty.{path}").random())
        out[path] = r.factor(u)
    return out


def pipeline_history(factors: dict[str, float]) -> PipelineHistory:
    """The schema's default (cited) 5G permit, work and lead times, scaled by this replication's draws of their
    uncertainty (`draw_factors`, the same factors the scenario's own values get).

    Why: the sites in flight at the start were ordered before it, so which of them are still in flight is history,
    not the option's doing. Drawn from each option's own times, kit lead times of 20/40 days left 1,146 sites in
    flight against the baseline's 1,984, so shorter lead times gave fewer stations at end-2025, and the supply-shock
    option (120/270 days) started with 5,129 in flight and built 2,419 in its first two months (modelling audit)."""
    works, lead = Works(), Supply().lead_time

    def scaled(value: DelayDays, path: str) -> DelayDays:
        f = factors.get(path, 1.0)
        return value if f == 1.0 else DelayDays.model_validate(_scaled(value, None, [], f))

    return PipelineHistory(
        works=Works(
            **{name: scaled(getattr(works, name), f"works.{name}") for name in type(works).model_fields}
        ),
        lead_time=scaled(lead, "supply.lead_time"),
    )


def draw_scenario(
    scenario: Scenario, seed: int, replication: int, factors: dict[str, float] | None = None
) -> Scenario:
    """The scenario with this replication's values of its uncertain assumptions (validated copy).

    Returns `scenario` itself when nothing changes (uncertainty off, or every factor 1). `factors`: the replication's
    `draw_factors`, when the caller has them already.
    """
    drawn = draw_factors(scenario, seed, replication) if factors is None else factors
    factors = {p: f for p, f in drawn.items() if f != 1.0}
    if not factors:
        return scenario
    data = scenario.model_dump()
    for path, f in factors.items():
        _scale(scenario, data, path, f)
    try:
        return type(scenario).model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        shown = ", ".join(f"{p} x{f:.3g}" for p, f in factors.items())
        raise DxsimInputError(
            f"the values drawn for replication {replication} are not a valid scenario ({err.get('msg', '')})",
            field=where or "uncertainty.ranges",
            allowed=f"ranges whose values stay valid (drawn: {shown})",
        ) from None


def _scale(scenario: BaseModel, data: dict[str, Any], path: str, f: float) -> None:
    """Multiply the value at `path` in `data` (the scenario's dump) by f, within the field's range."""
    parts = path.split(".")
    node: Any = scenario
    d: Any = data
    ann: Any = None
    meta: list[Any] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, BaseModel):
            info = type(node).model_fields[part]
            ann, meta = info.annotation, list(info.metadata)
            child = getattr(node, part)
            key: Any = part
        else:  # a dict: its value type is the dict annotation's second argument
            key = next(k for k in node if str(k) == part)
            child = node[key]
            ann, meta = _dict_value(ann), []
        if last:
            d[key] = _scaled(child, ann, meta, f)
            return
        node, d = child, d[key]


def _dict_value(ann: Any) -> Any:
    while typing.get_origin(ann) in (typing.Annotated, typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        ann = args[0]
    key_value = typing.get_args(ann)
    return key_value[1] if len(key_value) == 2 else None


def _scaled(value: Any, ann: Any, meta: list[Any], f: float) -> Any:
    if isinstance(value, DelayDays):
        fields = type(value).model_fields
        out = {}
        for name in ("p50_days", "p90_days"):
            lo, hi, _ = bounds_of(fields[name].annotation, fields[name].metadata)
            out[name] = min(max(getattr(value, name) * f, lo), hi)
        return {**value.model_dump(), **out}
    lo, hi, is_int = bounds_of(ann, meta)
    x = min(max(value * f, lo), hi)
    if is_int or isinstance(value, int):
        x = int(round(x))
        x = int(min(max(x, np.ceil(lo) if np.isfinite(lo) else x), np.floor(hi) if np.isfinite(hi) else x))
    return x


def village_inputs(vw: VillageWorld, world_scenario: Scenario, scenario: Scenario) -> VillageInputs:
    """The villages' work and lead times under this replication's `villages.options` (same chosen options), and
    their capex at its `capex_overrun_factor` (the options were chosen on the estimate, the world's)."""
    factor = scenario.villages.options.capex_overrun_factor
    if scenario.villages.options == world_scenario.villages.options:
        return _at_cost(vw.inputs, factor)
    table = vw.table
    work = option_work(table, scenario.villages.options)  # the values evaluate_options gives, per option
    power = table["power"].to_numpy()
    backhaul = table["backhaul"].to_numpy()
    new = {
        c: np.array(getattr(vw.inputs, c), dtype=np.float64) for c in _VILLAGE_WORK
    }  # no option: as planned
    for (p, k), cols in work.items():
        mine = (power == p) & (backhaul == k)
        for c in _VILLAGE_WORK:
            new[c][mine] = cols[c][mine]
    return _at_cost(
        dataclasses.replace(
            vw.inputs,
            utility_team_days=new["utility_team_days"],
            operator_team_days=new["operator_team_days"],
            equipment_lead_days=new["equipment_lead_days"],
        ),
        factor,
    )


def _at_cost(inputs: VillageInputs, overrun: float) -> VillageInputs:
    """The inputs with each village's capex at `overrun` x its estimate (the same object at 1)."""
    if overrun == 1.0:
        return inputs
    return dataclasses.replace(
        inputs, capex_vnd_bn=np.asarray(inputs.capex_vnd_bn, dtype=np.float64) * overrun
    )
