"""Static village inputs of a scenario: the layer, the chosen options, the arrays the process needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from dxsim.geo.country import Country
from dxsim.geo.sites import CellArrays, SiteLayer
from dxsim.geo.villages import build_village_layer
from dxsim.scenario.schema import REGIONS, Scenario
from dxsim.sim.villages.options import choose_options, evaluate_options
from dxsim.sim.villages.process import GRID, VillageInputs


@dataclass
class VillageWorld:
    """The villages of one scenario, with their chosen connection option."""

    table: pl.DataFrame  # layer columns + chosen option columns (one row per village)
    options: pl.DataFrame  # every evaluated option (for reports)
    inputs: VillageInputs
    province_idx: np.ndarray
    row: np.ndarray
    col: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    radius_4g_m: np.ndarray  # coverage of the village's new 4G site


def prepare_villages(scenario: Scenario, country: Country, cells: CellArrays, layer: SiteLayer,
                     radius_4g_m: dict[str, float], scenario_dir: Path | None = None
                     ) -> tuple[VillageWorld | None, SiteLayer]:
    """Build the village layer (which may carve the site layer), evaluate and choose options."""
    vs = scenario.villages
    if not vs.enabled:
        return None, layer
    res = build_village_layer(country, cells, layer, vs.layer, scenario_dir=scenario_dir)
    villages = res.villages
    evaluated = evaluate_options(villages, vs.options)
    chosen = choose_options(evaluated, vs.options)
    table = villages.join(chosen, on="village_id", how="left")
    codes = np.asarray(country.province_codes)
    prov = np.searchsorted(codes, table["gso34"].to_numpy().astype(codes.dtype))
    feasible = table["feasible"].fill_null(False).to_numpy()

    def col(name: str) -> np.ndarray:
        return table[name].fill_null(0.0).to_numpy().astype(np.float64)

    inputs = VillageInputs(
        village_id=table["village_id"].to_numpy().astype(str),
        region_idx=np.array([REGIONS.index(r) for r in table["region3"].to_list()], dtype=np.int64),
        population=col("population"),
        feasible=feasible,
        grid_power=(table["power"].fill_null("") == GRID).to_numpy(),
        utility_team_days=col("utility_team_days"),
        operator_team_days=col("operator_team_days"),
        equipment_lead_days=col("equipment_lead_days"),
        capex_vnd_bn=col("capex_vnd_bn"),
    )
    world = VillageWorld(
        table=table, options=evaluated, inputs=inputs, province_idx=prov.astype(np.int64),
        row=table["row"].to_numpy().astype(np.int64), col=table["col"].to_numpy().astype(np.int64),
        x_m=table["x_m"].to_numpy(), y_m=table["y_m"].to_numpy(),
        radius_4g_m=np.full(table.height, float(radius_4g_m["rural"])),
    )
    return world, res.site_layer
