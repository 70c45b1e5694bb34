"""Scenario section `villages.layer`: where the villages without power and signal are, and who lives there.

No open list of the 117 villages exists (seed 000:302). The layer keeps the 25 villages named in
the news (raw `villages/vn_named_deadzone_villages_sample.csv`) and generates the rest by the
seeded procedure of `dxsim/geo/villages.py`; a planner's own file (`file`) replaces both.
Every threshold of that procedure is a field here, with its unit, range and source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dxsim.scenario.fields import StrictModel, param

REGION6 = ("northern_mountains", "red_river_delta", "central_coast", "central_highlands", "southeast",
           "mekong_delta")
Region6 = Literal["northern_mountains", "red_river_delta", "central_coast", "central_highlands", "southeast",
                  "mekong_delta"]

_ASSUME = "dxsim assumption (no public figure; seed_facts.md open question 3)"
_CENSUS_HH = ("GSO 2019 Population and Housing Census: 3.5 persons per household nationally (26.9 M households, "
              "96.2 M people; Xinhua 2019-07-11 on the GSO release). No per-region 2019 figure was found, so every "
              "region uses the national value; GSO's VHLSS 2018 ranks the Central Highlands and the northern "
              "mountains highest (consosukien.vn 2020-05-05), so these are likely under-estimates there")


def _hh(region: str) -> float:
    return param(3.5, unit="persons per household", ge=1, le=20, description=f"Household size, {region}.",
                 source=_CENSUS_HH)


class HouseholdSizes(StrictModel):
    """Persons per household in each GSO socio-economic region (households = population / this)."""

    northern_mountains: float = _hh("northern midlands and mountains")
    red_river_delta: float = _hh("Red River Delta")
    central_coast: float = _hh("north central and central coast")
    central_highlands: float = _hh("Central Highlands")
    southeast: float = _hh("Southeast")
    mekong_delta: float = _hh("Mekong River Delta")


class VillageLayer(StrictModel):
    """The village layer: named villages, the seeded synthetic rest, or a planner's file."""

    n_villages: int = param(
        117, unit="villages", ge=0, le=10_000,
        description="Villages without grid power and mobile signal at the start (named + synthetic). The 25 named "
                    "villages are always kept (if fewer are asked for, the first n of the named list); the rest are "
                    "synthetic. Ignored when `file` is given.",
        source="MoST report 000:302 (~Oct/Nov 2025): 117 villages without electricity and mobile signal; "
               "117 'dead-zone villages with no national-grid power' in 2025-07 (villages/vn_deadzone_counts_timeline.csv)",
    )
    file: str | None = param(
        None, unit="path (relative to the scenario file)",
        description="A planner's village CSV or GeoJSON (Point features) replacing the named + synthetic layer: "
                    "columns name, lon, lat, gso34, population (optional village_id, households, commune).",
        source="planner data; default is the named + seeded synthetic layer (dxsim/geo/villages.py)",
    )
    synthetic_seed: int = param(
        20251031, unit="integer seed", ge=0, le=2**32 - 1,
        description="Seed of the village placement and populations (the layer, not the run).",
        source="dxsim convention",
    )
    min_spacing_km: float = param(
        3.0, unit="km", ge=0, le=50,
        description="Minimum distance between two generated villages (named ones included); distinct villages "
                    "of a mountain commune are rarely closer.",
        source=_ASSUME + "; 92 km2 Việt Lâm commune holds 4 named villages (villages/vn_named_deadzone_villages_sample.csv)",
    )
    candidate_regions6: list[Region6] = param(
        ["northern_mountains", "central_coast", "central_highlands"], unit="GSO regions",
        description="Regions where synthetic villages may lie: the northern mountains and the Trường Sơn range "
                    "(the central coast provinces' western mountains, selected by `candidate_min_elevation_m`, "
                    "and the Central Highlands).",
        source="seed 002:3301-3303 (236 of 266 uncovered villages in 'especially disadvantaged' areas); the named "
               "villages lie in Tuyên Quang (northern mountains) and western Quảng Trị (Trường Sơn)",
    )
    candidate_min_elevation_m: float = param(
        300.0, unit="m", ge=0, le=3000,
        description="Synthetic villages only in cells at least this high (ETOPO5, 9 km smoothed): keeps the "
                    "mountains and drops the coastal and delta plains of the candidate regions.",
        source=_ASSUME + "; the central coastal plain lies below ~100 m, the Trường Sơn foothills rise above 300 m (ETOPO5)",
    )
    candidate_max_density_per_km2: float = param(
        50.0, unit="persons per km2", ge=0, le=100_000,
        description="Synthetic villages only in sparsely populated cells (WorldPop density below this).",
        source=_ASSUME,
    )
    candidate_min_cell_pop: float = param(
        20.0, unit="persons", ge=0, le=100_000,
        description="...and in cells with at least this many people (somebody lives there).",
        source=_ASSUME,
    )
    candidate_min_relief_percentile: float = param(
        50.0, unit="percentile", ge=0, le=100,
        description="Synthetic villages only in cells whose relief (3x3 ETOPO5 range) is at or above this "
                    "percentile of the populated cells of the candidate regions above the minimum elevation.",
        source=_ASSUME,
    )
    candidate_min_grid_distance_km: float = param(
        3.0, unit="km", ge=0, le=100,
        description="Synthetic villages only in cells at least this far from the grid proxy (see grid_density_per_km2).",
        source="plo.vn / vietnamnet.vn 2025-12-08: the Quảng Trị villages lie 6-20 km from the medium-voltage grid",
    )
    grid_density_per_km2: float = param(
        150.0, unit="persons per km2", ge=0, le=100_000,
        description="Grid proxy: a village's grid distance is the straight line to the nearest 'electrified "
                    "settlement' = a populated cell at least this dense (outside the village's own catchment) or a "
                    "commune/ward centre (Xã, Phường; not the island special zones).",
        source="EVN: national grid to all commune centres (Thượng Trạch's centre connected 2024-02-06, vietnamnet.vn "
               "2025-11-07); with this threshold the Quảng Trị villages come out 6-20 km away, as reported (plo.vn 2025-12-08)",
    )
    grid_commune_centres: bool = param(
        True, unit="-",
        description="Count commune/ward centres as electrified in the grid proxy.",
        source="as grid_density_per_km2",
    )
    population_p50: float = param(
        250.0, unit="persons", ge=1, le=100_000,
        description="Median population of a village (log-normal with population_p90), drawn per village and capped "
                    "at the WorldPop population of its catchment.",
        source="assumption consistent with reported remote villages: 2 Quảng Trị villages Trỉa and Cát had 144 "
               "households (~250 people each, xanhx.vn); Thượng Trạch commune has 3,615 people (vietnamnet.vn "
               "2025-11-07) in at least 13 bản named in that article and vietnamnet.vn 2025-12-08 (<= ~280 per bản)",
    )
    population_p90: float = param(
        600.0, unit="persons", ge=1, le=100_000,
        description="90th-percentile population of a village (a value below population_p50 counts as "
                    "population_p50: every village then gets the median before the cap).",
        source="assumption; Bụt Việt (Quảng Trị) had 133 households / 713 people (xanhx.vn)",
    )
    population_catchment_cells: int = param(
        1, unit="cells (1 km) each side", ge=0, le=5,
        description="A village's population never exceeds the WorldPop population of the (2k+1) x (2k+1) cells "
                    "around it (k = this; 0 = its own cell). WorldPop spreads a remote village of a few hundred "
                    "people over several 1 km cells of < 50 people each, so k = 0 would cap most villages at ~30.",
        source=_ASSUME + "; 1 keeps catchments of villages min_spacing_km apart nearly disjoint",
    )
    household_size_by_region6: HouseholdSizes = Field(
        default_factory=HouseholdSizes,
        description="Household size per GSO region: households = population / this.",
        json_schema_extra={"x-unit": "persons per household", "x-source": _CENSUS_HH},
    )
    terrain_flat_max_relief_m: float = param(
        150.0, unit="m", ge=0, le=5000,
        description="terrain_class 'flat' below this relief (3x3 ETOPO5 range, ~27 km window), 'hilly' below "
                    "terrain_hilly_max_relief_m, else 'mountainous'.",
        source=_ASSUME + "; delta cells have relief < 60 m, northern-mountain cells a median of 267 m (ETOPO5)",
    )
    terrain_hilly_max_relief_m: float = param(
        500.0, unit="m", ge=0, le=5000,
        description="terrain_class 'hilly' below this relief, 'mountainous' at or above it (a value below "
                    "terrain_flat_max_relief_m leaves no 'hilly' class).",
        source=_ASSUME,
    )
    province_tolerance_km: float = param(
        2.0, unit="km", ge=0, le=50,
        description="A planner's village may lie this close to its province (gso34) without being in it "
                    "(province borders are approximate).",
        source="dxsim convention (ODV province polygons on a 1 km grid)",
    )
