"""Scenario section `villages.layer`: where the villages without power and signal are, and who lives there.

No open list of the 117 villages exists (seed 000:302). The layer keeps the 25 villages named in
the news (raw `villages/vn_named_deadzone_villages_sample.csv`) and generates the rest by the
seeded procedure of `dxsim/geo/villages.py`; a planner's own file (`file`) replaces both.
Every threshold of that procedure is a field here, with its unit, range and source.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from dxsim.i18n import gettext as _
from dxsim.scenario.fields import StrictModel, param
from dxsim.province_names import province_named
from dxsim.scenario.sections.compute_dc import GSO34_CODES, NAME_NOT_CODE

REGION6 = (
    "northern_mountains",
    "red_river_delta",
    "central_coast",
    "central_highlands",
    "southeast",
    "mekong_delta",
)
Region6 = Literal[
    "northern_mountains", "red_river_delta", "central_coast", "central_highlands", "southeast", "mekong_delta"
]

_ASSUME = "dxsim assumption (no public figure; seed_facts.md open question 3)"
_CENSUS_HH = (
    "GSO 2019 Population and Housing Census: 3.5 persons per household nationally (26.9 M households, "
    "96.2 M people; Xinhua 2019-07-11 on the GSO release). No per-region 2019 figure was found, so every "
    "region uses the national value; GSO's VHLSS 2018 ranks the Central Highlands and the northern "
    "mountains highest (consosukien.vn 2020-05-05), so these are likely under-estimates there"
)


def _hh(region: str) -> Any:
    """The field of one region's household size (a pydantic Field, as `param` returns)."""
    return param(
        3.5,
        unit="persons per household",
        ge=1,
        le=20,
        description=f"Household size, {region}.",
        source=_CENSUS_HH,
    )


class HouseholdSizes(StrictModel):
    """Persons per household in each GSO socio-economic region (households = population / this)."""

    northern_mountains: float = _hh("northern midlands and mountains")
    red_river_delta: float = _hh("Red River Delta")
    central_coast: float = _hh("north central and central coast")
    central_highlands: float = _hh("Central Highlands")
    southeast: float = _hh("Southeast")
    mekong_delta: float = _hh("Mekong River Delta")


_TIMELINE = (
    "villages/vn_deadzone_counts_timeline.csv and geodata/observations.csv: 761 villages with no or patchy "
    "signal in 2024-10 (637 with grid power, 124 without); 238 with power still uncovered in 2025-07 "
    "(news.daisan.vn)"
)
_TQ = (
    "baotuyenquang.com.vn 2026-01 (villages/vn_deadzone_counts_timeline.csv): Tuyên Quang has 273 villages with no "
    "(91) or patchy (182) signal, 18 of them without grid power"
)


_QT = (
    "plo.vn 2025-12-08 (villages/vn_deadzone_counts_timeline.csv row 2025-12): Quảng Trị's power company was "
    "taking the grid to 17 villages (thôn, bản) in Thượng Trạch and Trường Sơn communes that lacked both power and "
    "mobile signal"
)


class ProvinceSurvey(StrictModel):
    """A province's own count of coverage holes, with or without grid power (replaces the national list's share
    there). Give at least one of the two counts; a count left empty is drawn as for any other province."""

    gso34: str = param("08", unit="GSO code", description="Province (2-digit gso34 code).", source=_TQ)
    villages_with_power: int | None = param(
        None,
        unit="villages",
        ge=0,
        le=10_000,
        description="Villages with grid power and no or patchy signal in the province (empty: not surveyed). A "
        "survey dated after a campaign's deadline counts what the campaign left: a campaign that selects a subset "
        "(with_power, all) and is due before `as_of` leaves these villages out; one that names the province takes "
        "them.",
        source=_TQ + ": 273 - 18 without power = 255",
    )
    villages_without_power: int | None = param(
        None,
        unit="villages",
        ge=0,
        le=10_000,
        description="Villages without grid power and mobile signal in the province (empty: not surveyed). They are "
        "part of `n_villages`: the province's named villages count towards it and the rest of its count is "
        "synthetic, drawn in the province; the other provinces share what is left.",
        source=_TQ + "; " + _QT,
    )
    as_of: dt.date = param(
        dt.date(2026, 1, 31), unit="ISO date", description="Date of the survey.", source=_TQ
    )
    source: str = param(_TQ, unit="-", description="Where the figure comes from.", source="planner input")

    @model_validator(mode="after")
    def _code(self) -> ProvinceSurvey:
        if self.villages_with_power is None and self.villages_without_power is None:
            raise ValueError(
                _(
                    "province survey {code}: give villages_with_power, villages_without_power or both (the counts "
                    "the survey reports)"
                ).format(code=repr(self.gso34))
            )
        if not (len(self.gso34) == 2 and self.gso34.isdigit()):
            named = province_named(self.gso34)
            if (
                named is not None
            ):  # "Tuyen Quang" for 08: the code to write, as a campaign's villages are told
                raise ValueError("gso34 " + _(NAME_NOT_CODE).format(code=named[0], name=named[1]))
            raise ValueError(
                _("gso34 must be a 2-digit province code, got {code}").format(code=repr(self.gso34))
            )
        if self.gso34 not in GSO34_CODES:  # caught here, so `dxsim validate` says it too, not only a run
            raise ValueError(
                _("gso34 {code} is not one of the 34 province codes ({codes})").format(
                    code=repr(self.gso34), codes=", ".join(GSO34_CODES)
                )
            )
        return self


def _default_surveys() -> list[ProvinceSurvey]:
    """Tuyên Quang's 2026-01 survey (both counts) and Quảng Trị's 2025-12 count of villages without power and signal.

    Both are dated after the start (2025-10-31): a floor for it, since holes close, they do not open."""
    return [
        ProvinceSurvey(gso34="08", villages_with_power=255, villages_without_power=18),
        ProvinceSurvey(gso34="44", villages_without_power=17, as_of=dt.date(2025, 12, 31), source=_QT),
    ]


class VillageLayer(StrictModel):
    """The village layer: named villages, the seeded synthetic rest, or a planner's file."""

    n_villages: int = param(
        117,
        unit="villages",
        ge=0,
        le=10_000,
        description="Villages without grid power and mobile signal at the start (named + synthetic). The 25 named "
        "villages are always kept (if fewer are asked for, the first n of the named list); the rest are "
        "synthetic. At least the villages without power that `province_surveys` count (35 with the default "
        "surveys): the national count includes them. Ignored when `file` replaces the whole layer.",
        source="MoST report 000:302 (~Oct/Nov 2025): 117 villages without electricity and mobile signal; "
        "117 'dead-zone villages with no national-grid power' in 2025-07 (villages/vn_deadzone_counts_timeline.csv)",
    )
    include_with_power: bool = param(
        True,
        unit="-",
        description="National coverage-hole layer: add the villages that have grid power but no or patchy signal "
        "(signal track only) to the villages without power. false = only the villages without power.",
        source=_TIMELINE + "; eliminating coverage holes is a 2026 task (seed 001:664)",
    )
    n_with_power: int | None = param(
        None,
        unit="villages",
        ge=0,
        le=20_000,
        description="Villages with grid power and no or patchy signal at the start, outside the provinces of "
        "`province_surveys`. Empty = derived from the reported national timeline at the start date "
        "(geodata/observations.csv, metric villages_coverage_holes_with_power, kind observed: linear "
        "between reports, the last report held after it): 238 at 2025-10-31. Each province survey "
        "then replaces the share of this count the placement weights give its province.",
        source=_TIMELINE
        + "; no national report after 2025-07 says the 238 were covered (the 2025-09 deadline was a "
        "target), and Tuyên Quang alone still counted 255 such villages in 2026-01",
    )
    province_surveys: list[ProvinceSurvey] = Field(
        default_factory=_default_surveys,
        description="Provinces with their own count of coverage holes: the province gets exactly that many "
        "villages with power and no or patchy signal, and exactly that many without power and signal, where the "
        "survey gives the count (a count dated after the start is a floor for the start: holes close, they do not "
        "open). Default: Tuyên Quang 255 with and 18 without power (2026-01), Quảng Trị 17 without (2025-12).",
        json_schema_extra={"x-unit": "villages per province", "x-source": _TQ + "; " + _QT},
    )
    with_power_min_spacing_km: float = param(
        2.0,
        unit="km",
        ge=0,
        le=50,
        description="Minimum distance between a generated village with grid power and any village placed before it.",
        source="dxsim assumption: Tuyên Quang's 273 holes among 3,802 villages on ~13,800 km2 (~3.6 km2 per village)",
    )
    patchy_share_pct: float = param(
        66.7,
        unit="% of villages",
        ge=0,
        le=100,
        description="Share of generated villages with grid power whose signal is patchy (lõm sóng) rather than "
        "absent (trắng sóng), drawn per village (seeded); a village without grid power has none (the 117 lack "
        "electricity and mobile signal); named villages keep their reported status.",
        source=_TQ + ": 182 / 273 = 66.7% patchy, the only split reported",
    )
    file: str | None = param(
        None,
        unit="path (relative to the scenario file)",
        description="A planner's village CSV or GeoJSON (Point features) replacing the named + synthetic layer (all "
        "of it, or its villages in the file's provinces: `file_replaces`): "
        "columns name, lon, lat, gso34, population (optional village_id, households, commune, has_grid_power "
        "true/false or có/không (default false), signal none/patchy or trắng sóng/lõm sóng (default none)).",
        source="planner data; default is the named + seeded synthetic layer (dxsim/geo/villages.py)",
    )
    file_replaces: Literal["country", "provinces"] = param(
        "country",
        unit="-",
        description="What `file` replaces: 'country', the whole layer (the run has only the file's villages); "
        "'provinces', the layer's villages in the provinces the file lists, the rest of the country keeping the "
        "named + synthetic layer. Why: the layer carves the 4G sites covering a village without signal (and the 5G "
        "upgrades planned on them), so a province's own list in place of the national layer moved national 5G "
        "results too.",
        source="planner input; provincial planner trial (3 Điện Biên villages in place of 602: +774 5G stations)",
    )
    synthetic_seed: int = param(
        20251031,
        unit="-",
        ge=0,
        le=2**32 - 1,
        description="Seed of the village placement and populations (the layer, not the run).",
        source="dxsim convention",
    )
    min_spacing_km: float = param(
        3.0,
        unit="km",
        ge=0,
        le=50,
        description="Minimum distance between two generated villages (named ones included); distinct villages "
        "of a mountain commune are rarely closer.",
        source=_ASSUME
        + "; 92 km2 Việt Lâm commune holds 4 named villages (villages/vn_named_deadzone_villages_sample.csv)",
    )
    candidate_regions6: list[Region6] = param(
        ["northern_mountains", "central_coast", "central_highlands"],
        unit="GSO regions",
        description="Regions where synthetic villages may lie: the northern mountains and the Trường Sơn range "
        "(the central coast provinces' western mountains, selected by `candidate_min_elevation_m`, "
        "and the Central Highlands).",
        source="seed 002:3301-3303 (236 of 266 uncovered villages in 'especially disadvantaged' areas); the named "
        "villages lie in Tuyên Quang (northern mountains) and western Quảng Trị (Trường Sơn)",
    )
    candidate_min_elevation_m: float = param(
        300.0,
        unit="m",
        ge=0,
        le=3000,
        description="Synthetic villages only in cells at least this high (ETOPO5, 9 km smoothed): keeps the "
        "mountains and drops the coastal and delta plains of the candidate regions.",
        source=_ASSUME
        + "; the central coastal plain lies below ~100 m, the Trường Sơn foothills rise above 300 m (ETOPO5)",
    )
    candidate_max_density_per_km2: float = param(
        50.0,
        unit="persons per km2",
        ge=0,
        le=100_000,
        description="Synthetic villages only in sparsely populated cells (WorldPop density below this).",
        source=_ASSUME,
    )
    candidate_min_cell_pop: float = param(
        20.0,
        unit="persons",
        ge=0,
        le=100_000,
        description="...and in cells with at least this many people (somebody lives there).",
        source=_ASSUME,
    )
    candidate_min_relief_percentile: float = param(
        50.0,
        unit="percentile",
        ge=0,
        le=100,
        description="Synthetic villages only in cells whose relief (3x3 ETOPO5 range) is at or above this "
        "percentile of the populated cells of the candidate regions above the minimum elevation.",
        source=_ASSUME,
    )
    candidate_min_grid_distance_km: float = param(
        3.0,
        unit="km",
        ge=0,
        le=100,
        description="Synthetic villages only in cells at least this far from the grid proxy (see grid_density_per_km2).",
        source="plo.vn / vietnamnet.vn 2025-12-08: the Quảng Trị villages lie 6-20 km from the medium-voltage grid",
    )
    grid_density_per_km2: float = param(
        150.0,
        unit="persons per km2",
        ge=0,
        le=100_000,
        description="Grid proxy: a village's grid distance is the straight line to the nearest 'electrified "
        "settlement' = a populated cell at least this dense (outside the village's own catchment) or a "
        "commune/ward centre (Xã, Phường; not the island special zones).",
        source="EVN: national grid to all commune centres (Thượng Trạch's centre connected 2024-02-06, vietnamnet.vn "
        "2025-11-07); with this threshold the Quảng Trị villages come out 6-20 km away, as reported (plo.vn 2025-12-08)",
    )
    grid_commune_centres: bool = param(
        True,
        unit="-",
        description="Count commune/ward centres as electrified in the grid proxy.",
        source="as grid_density_per_km2",
    )
    population_p50: float = param(
        250.0,
        unit="persons",
        ge=1,
        le=100_000,
        description="Median population of a village (log-normal with population_p90), drawn per village and capped "
        "at the WorldPop population of its catchment.",
        source="assumption consistent with reported remote villages: 2 Quảng Trị villages Trỉa and Cát had 144 "
        "households (~250 people each, xanhx.vn); Thượng Trạch commune has 3,615 people (vietnamnet.vn "
        "2025-11-07) in at least 13 bản named in that article and vietnamnet.vn 2025-12-08 (<= ~280 per bản)",
    )
    population_p90: float = param(
        600.0,
        unit="persons",
        ge=1,
        le=100_000,
        description="90th-percentile population of a village, at least population_p50 (equal: every village gets "
        "the median before the cap).",
        source="assumption; Bụt Việt (Quảng Trị) had 133 households / 713 people (xanhx.vn)",
    )
    population_catchment_cells: int = param(
        1,
        unit="cells (1 km) each side",
        ge=0,
        le=5,
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
        150.0,
        unit="m",
        ge=0,
        le=5000,
        description="terrain_class 'flat' below this relief (3x3 ETOPO5 range, ~27 km window), 'hilly' below "
        "terrain_hilly_max_relief_m, else 'mountainous'.",
        source=_ASSUME
        + "; delta cells have relief < 60 m, northern-mountain cells a median of 267 m (ETOPO5)",
    )
    terrain_hilly_max_relief_m: float = param(
        500.0,
        unit="m",
        ge=0,
        le=5000,
        description="terrain_class 'hilly' below this relief, 'mountainous' at or above it (a value below "
        "terrain_flat_max_relief_m leaves no 'hilly' class).",
        source=_ASSUME,
    )
    province_tolerance_km: float = param(
        2.0,
        unit="km",
        ge=0,
        le=50,
        description="A planner's village may lie this close to its province (gso34) without being in it "
        "(province borders are approximate).",
        source="dxsim convention (ODV province polygons on a 1 km grid)",
    )

    @model_validator(mode="after")
    def _one_survey_per_province(self) -> VillageLayer:
        codes = [s.gso34 for s in self.province_surveys]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(
                _("province_surveys: province {code} is listed twice; give one survey per province").format(
                    code=dup[0]
                )
            )
        surveyed = sum(s.villages_without_power or 0 for s in self.province_surveys)
        if self.file is None and surveyed > self.n_villages:  # caught here, so `dxsim validate` says it too
            raise ValueError(
                _(
                    "n_villages ({n}) is fewer than the province surveys' villages_without_power ({surveyed}); the "
                    "national count includes them"
                ).format(n=self.n_villages, surveyed=surveyed)
            )
        # as every other p50/p90 pair: a swapped pair is a mistake
        if self.population_p90 < self.population_p50:
            raise ValueError(
                _("population_p90 ({p90}) must be >= population_p50 ({p50})").format(
                    p90=self.population_p90, p50=self.population_p50
                )
            )
        return self
