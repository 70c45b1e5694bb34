"""The 5G rollout's sections: radio bands, operators, crews, seasons, works, supply, costs, support and site rules.

Citations use the seed short-ids of ../shared/seed_facts.md (e.g. "000:56" = MoST report 000, line 56).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from dxsim.i18n import gettext as _
from dxsim.radio.radii import supported_bands
from dxsim.scenario.constants import (
    ASSUMPTION,
)
from dxsim.scenario.fields import DelayDays, Month, SitesPerYear, StrictModel, VndBnPerYear, Year, param


class EnvBands(StrictModel):
    """Carrier frequency used for coverage in each environment; the bands allowed are those with a link budget for
    the technology (`BANDS`, from dxsim.radio: the schema lists them, so an editor offers only what a run accepts).

    Why per technology: the schema offered every band to both (700 to 3500), and `rural = 1800` for 5G was then
    refused by another check (operator RAN trial)."""

    BANDS: ClassVar[tuple[int, ...]] = ()
    TECH: ClassVar[str] = ""

    @field_validator("urban", "suburban", "rural", check_fields=False)
    @classmethod
    def _supported(cls, v: int) -> int:
        if v not in cls.BANDS:
            hint = (
                _("; 3500 stands for the 2024 auction's 3,700-3,900 MHz blocks")
                if cls.TECH == "5G" and 3300 <= v <= 4200
                else ""
            )  # the allowed bands follow from the field's enum (scenario.messages)
            raise ValueError(
                _("band {band} MHz has no {tech} link budget").format(band=v, tech=cls.TECH) + hint
            )
        return v


def _band_field(env: str, bands: tuple[int, ...]) -> Any:
    return Field(description=f"Band in {env} cells (MHz).", json_schema_extra={"enum": list(bands)})


class Bands5G(EnvBands):
    """5G coverage band per environment (MHz): one of the 5G link budgets (dxsim.radio.link_budget)."""

    TECH: ClassVar[str] = "5G"
    BANDS: ClassVar[tuple[int, ...]] = supported_bands("5g")
    urban: int = _band_field("urban", supported_bands("5g"))
    suburban: int = _band_field("suburban", supported_bands("5g"))
    rural: int = _band_field("rural", supported_bands("5g"))


class Bands4G(EnvBands):
    """4G coverage band per environment (MHz): one of the 4G link budgets (dxsim.radio.link_budget)."""

    TECH: ClassVar[str] = "4G"
    BANDS: ClassVar[tuple[int, ...]] = supported_bands("4g")
    urban: int = _band_field("urban", supported_bands("4g"))
    suburban: int = _band_field("suburban", supported_bands("4g"))
    rural: int = _band_field("rural", supported_bands("4g"))


class Radio(StrictModel):
    """Coverage engine settings: which band covers which environment."""

    band_5g_mhz: Bands5G = Field(
        default_factory=lambda: Bands5G(urban=3500, suburban=3500, rural=3500),
        description="5G coverage band per environment (MHz). 3500 is the mid-band TDD layer: the 2024 auction's "
        "C2/C3 blocks are 3700-3900 MHz, modelled at the nominal 3.5 GHz (at 3.8 GHz the 38.901 path loss is 0.7 dB "
        "higher and the outdoor radius ~4% smaller); 2600 is the auction's B1 block (2500-2600 MHz); 700 is a "
        "rural option with no reported assignment.",
        json_schema_extra={
            "x-unit": "MHz",
            "x-source": "seed 003:38 (B1 2500-2600, C2 3700-3800, C3 3800-3900 MHz); 700 MHz: dxsim assumption "
            "(seed_facts.md open question 8)",
        },
    )
    band_5g_start_mhz: Bands5G = Field(
        default_factory=lambda: Bands5G(urban=3500, suburban=3500, rural=3500),
        description="Band of the 5G stations on air at the start (the reported network), per environment (MHz). "
        "band_5g_mhz applies to the sites built during the run; when they differ, the operators re-plan their "
        "remaining sites for band_5g_mhz around the start network.",
        json_schema_extra={
            "x-unit": "MHz",
            "x-source": "seed 003:38: Vietnam's 5G launched on the mid-band blocks auctioned in 2024 (C2 3700-3800, "
            "C3 3800-3900 MHz), modelled as band 3500 (nominal 3.5 GHz)",
        },
    )
    band_4g_mhz: Bands4G = Field(
        default_factory=lambda: Bands4G(urban=1800, suburban=1800, rural=900),
        description="4G coverage band per environment (MHz).",
        json_schema_extra={
            "x-unit": "MHz",
            "x-source": "LTE B3 1800 MHz capacity layer, B8 900 MHz rural coverage layer (operator practice; assumption)",
        },
    )
    coverage_definition: Literal["outdoor", "indoor"] = param(
        "outdoor",
        unit="-",
        description="'outdoor': a person is covered when the outdoor signal at their location meets the edge budget (ITU population-coverage convention); 'indoor' adds the 38.901 O2I building penetration loss.",
        source="ITU ICT Indicators Handbook: population covered by a mobile network = inhabitants within range of an (outdoor) signal",
    )
    coverage_subsamples_per_axis: int = param(
        4,
        unit="points per cell axis",
        ge=1,
        le=8,
        description="Each 1 km population cell is tested at n x n points; covered share = share of points within a site's radius.",
        source="dxsim numerical setting (tests/test_coverage.py bounds the quadrature error)",
    )


class Operator(StrictModel):
    """A mobile network operator: its 5G build targets and budget."""

    start_share_5g_pct: float = param(
        33.3,
        unit="% of start 5G stations",
        ge=0,
        le=100,
        description="Share of the start-date 5G stations owned by this operator (also how the operators' plans "
        "interleave in the national order of the synthetic layer).",
        source=ASSUMPTION.format(q=5),
    )
    subscriber_share_pct: float = param(
        33.3,
        unit="% of mobile subscribers",
        ge=0,
        le=100,
        description="The operator's share of the people its sites cover who are its subscribers (business case).",
        source=ASSUMPTION.format(q=5) + "; ~55/30/15 (Viettel/VNPT/MobiFone) subscriber shares",
    )
    annual_new_5g_sites: dict[Year, SitesPerYear] = param(
        {},
        unit="stations per calendar year",
        description="New 5G stations the operator announces for each year: a soft target it paces its orders on (it "
        "skips sites with a negative business case and may surge beyond it for support). Years after the last listed "
        "repeat its value; in the start year only the part of the year after start_date counts (pro rata). What it "
        "counts: see target_counts.",
        # the defaults are reported plans where there are any (trust audit: the source said "no public figure" beside
        # Viettel's reported 15,000 for 2026)
        source="2025: seed 004:880, Viettel and VNPT 'at least 20,000 5G BTS in 2025', split 13,000 / 7,000 by "
        "subscriber share (a dxsim reading), MobiFone ~3,500 by its share; 2026: Viettel's reported plan of +15,000 "
        "(infra/vn_telecom_dc_stats.csv, vietnamnet 2025-12), VNPT and MobiFone by share; later years: "
        + ASSUMPTION.format(q=17),
    )
    target_counts: Literal["on_air", "orders"] = param(
        "on_air",
        unit="-",
        description="What annual_new_5g_sites and capex_budget_vnd_bn count. 'on_air': stations brought on air in "
        "the calendar year. The operator orders them one expected order-to-air time ahead: the p50 permit or kit "
        "lead time, whichever is longer, plus the crew's p50 days, averaged over the next month of sites it would "
        "order (those whose business case passes): ~47 days for upgrades, ~132 for new sites at the defaults. So a "
        "year's orders run from about mid-November of the year before (for upgrades) to one such time before its "
        "end, and that year's budget pays them; a year whose orders are not complete when that time grows is "
        "completed first. The sites in flight at the start (start_state's pipeline) count toward the year their "
        "order day plus that time falls in. 'orders': sites ordered in the calendar year, paid from that year's "
        "budget. Either way, in the start year only the part after start_date counts (pro rata).",
        source="seed 004:880: Viettel and VNPT 'dự kiến triển khai tối thiểu 20.000 trạm BTS 5G trong năm 2025' "
        "(deploy at least 20,000 5G BTS in 2025); Viettel's 2026 plan '+15,000 5G sites' "
        "(infra/vn_telecom_dc_stats.csv, vietnamnet 2025-12): stations deployed in the year, not orders",
    )
    capex_budget_vnd_bn: dict[Year, VndBnPerYear] = param(
        {},
        unit="VND bn per calendar year",
        description="5G radio-access capex the operator can commit each year (years after the last listed repeat its "
        "value), for the stations of that year (target_counts); in the start year only the part of the year after "
        "start_date counts (pro rata: 2/12 of it from 2025-10-31), phased evenly over the months left.",
        source=ASSUMPTION.format(q=6)
        + ". 2026-2027 are sized to the targets at ~1.47 bn VND a station. 2025's 9,000 / 6,000 / 1,500 bn date from "
        "when Viettel's 2025 target was 6,000: they pay for about half the 2025 targets, so in 2025 the budgets, not "
        "the targets, set the pace (budget-bound in ~80% of operator-months from a May start). The backtest's one "
        "scored 5G figure (16,737 stations in 2025-10) rests on them: 2025 budgets sized to the targets give "
        "19,600-21,300 stations then, half of them 14,100-15,100, both outside the band (`dxsim backtest --from "
        "2025-05-31`; backtest audit, 2026-12-06). Not fitted, but the assumption that figure tests.",
    )

    committed_to: list[str] = param(
        [],
        unit="support programme names",
        description="Support programmes whose station threshold the operator has committed to the Government to "
        "reach ('resolution_193' for the `subsidy` section, else a supports[].name). A committed operator finances a "
        "surge toward that threshold as an investment of its own, outside capex_budget_vnd_bn (which paces its "
        "ordinary build), and it tenders for the kits the commitment still needs when the window opens, held for its "
        "surge beside the shared stock (surge.commitment_tender_days): at its last chance it surges when its plan, "
        "those kits and the crews can reach the threshold, whatever the surge premium against the support (a task "
        "the Government sets and checks, not a bet on the support; surge section). An operator that has not "
        "committed surges only within what is left of the year's budget, and only when the support pays for "
        "hurrying. Its surge capex is still spent, in the ledger and every "
        "capex figure.",
        source="Viettel: its commitment to the Government to bring at least 20,000 5G stations on air in Decree 88's "
        "window (19/2-31/12/2025), the plan it made in 2025 before the run starts: seed 004:269-281 (03/2025, "
        "Viettel and VNPT plan at least 20,000 for the support); 'kế hoạch cam kết với Chính phủ' and 'Viettel là "
        "một trong các đơn vị cam kết thực hiện mục tiêu này' (cafef.vn 2025-12-09); MoST's check of 22/12/2025 "
        "found Viettel had 'completed the task' (vnexpress.net 2025-12-25). VNPT and MobiFone: none "
        "(dxsim reads 004:880's 20,000 as Viettel's and VNPT's together, VNPT's share 7,000, below the threshold; "
        "planner lever)",
    )

    @field_validator("annual_new_5g_sites", "capex_budget_vnd_bn")
    @classmethod
    def _years(cls, v: dict[int, float]) -> dict[int, float]:
        for year, value in v.items():
            if not 2020 <= year <= 2100:
                raise ValueError(_("year {year} out of range 2020..2100").format(year=year))
            if value < 0:
                raise ValueError(
                    _("value for {year} must be >= 0, got {value}").format(year=year, value=value)
                )
        return dict(sorted(v.items()))

    def value_for_year(self, table: Mapping[int, float], year: int) -> float:
        """Value for a year: listed, else the last listed earlier year, else 0."""
        if year in table:
            return table[year]
        earlier = [y for y in table if y <= year]
        return table[max(earlier)] if earlier else 0.0


def _default_operators() -> dict[Literal["viettel", "vnpt", "mobifone"], Operator]:
    # 2025: Viettel and VNPT planned at least 20,000 5G BTS in 2025 (seed 004:269-281), split 55:30 by
    # their shares (13,000 / 7,000); MobiFone scaled by share (15/85 x 20,000 ~ 3,500). 2026: Viettel's own
    # plan is +15,000 5G sites (infra/vn_telecom_dc_stats.csv, vietnamnet 2025-12); VNPT and MobiFone are
    # scaled by mobile-subscriber share (assumption: ~55/30/15). Later years: assumption (open question 17).
    return {
        "viettel": Operator(
            start_share_5g_pct=55.0,
            subscriber_share_pct=55.0,
            annual_new_5g_sites={2025: 13000, 2026: 15000, 2027: 12000, 2028: 10000, 2029: 8000, 2030: 6000},
            capex_budget_vnd_bn={2025: 9000, 2026: 22000, 2027: 20000},
            committed_to=["resolution_193"],
        ),
        "vnpt": Operator(
            start_share_5g_pct=30.0,
            subscriber_share_pct=30.0,
            annual_new_5g_sites={2025: 7000, 2026: 8000, 2027: 6500, 2028: 5500, 2029: 4500, 2030: 3500},
            capex_budget_vnd_bn={2025: 6000, 2026: 12000, 2027: 11000},
        ),
        "mobifone": Operator(
            start_share_5g_pct=15.0,
            subscriber_share_pct=15.0,
            annual_new_5g_sites={2025: 3500, 2026: 4000, 2027: 3500, 2028: 3000, 2029: 2500, 2030: 2000},
            capex_budget_vnd_bn={2025: 1500, 2026: 6000, 2027: 5500},
        ),
    }


class Crews(StrictModel):
    """Installation teams in one operator region (shared by the operators as contractors)."""

    teams: int = param(
        500,
        unit="teams",
        ge=0,
        le=20_000,
        description="Installation teams working in parallel in the region. Paid per site, inside the site capex "
        "(costs.upgrade_works_vnd_bn, costs.new_site_civil_vnd_bn), as operators pay contractors per job: an idle "
        "team costs nothing here, so more teams carry no standing cost.",
        source=ASSUMPTION.format(q=5)
        + "; for scale, Viettel's 2017 4G build: 1,500 three-person teams installed 36,000 stations in about six "
        "months, ~1,000 a day at its peak (english.mic.gov.vn 2017-03-29, 'Viettel's unprecedented lightning fast "
        "4G roll-out')",
    )


def _default_crews() -> dict[Literal["north", "central", "south"], Crews]:
    # split roughly by population: north 37%, central 26%, south 37% (cells.parquet, 2024)
    return {"north": Crews(teams=450), "central": Crews(teams=300), "south": Crews(teams=450)}


class Season(StrictModel):
    """Rainy-season slowdown in one region."""

    rainy_months: list[Month] = param(
        [5, 6, 7, 8, 9, 10],
        unit="calendar months (1-12)",
        description="Months of the rainy season, when crews work slower.",
        source="World Bank Climate Change Knowledge Portal, Vietnam climatology: north and south rainy May-Oct; central coast Sep-Dec",
    )
    rainy_productivity_pct: float = param(
        70.0,
        unit="% of dry-season output",
        ge=1,
        le=100,
        description="Crew output in rainy months as a share of dry-season output.",
        source=ASSUMPTION.format(q=5),
    )

    @field_validator("rainy_months")
    @classmethod
    def _months(cls, v: list[int]) -> list[int]:
        bad = [m for m in v if not 1 <= m <= 12]
        if bad:
            raise ValueError(_("months must be 1..12, got {bad}").format(bad=bad))
        twice = sorted({m for m in v if v.count(m) > 1})
        if twice:  # [5, 5, 5, ...] is a typing slip, not a longer season
            raise ValueError(
                _("month {month} is listed twice; list each rainy month once").format(month=twice[0])
            )
        return sorted(v)


def _default_seasons() -> dict[Literal["north", "central", "south"], Season]:
    return {
        "north": Season(rainy_months=[5, 6, 7, 8, 9, 10], rainy_productivity_pct=70.0),
        "central": Season(rainy_months=[9, 10, 11, 12], rainy_productivity_pct=60.0),
        "south": Season(rainy_months=[5, 6, 7, 8, 9, 10, 11], rainy_productivity_pct=75.0),
    }


class Works(StrictModel):
    """Time each kind of 5G site takes: permits / site acquisition, and crew work on site."""

    upgrade_permit: DelayDays = Field(
        default_factory=lambda: DelayDays(p50_days=14, p90_days=45),
        description="Approval delay for adding 5G to an existing 4G site (days).",
        json_schema_extra={"x-unit": "days", "x-source": ASSUMPTION.format(q=5)},
    )
    new_site_permit: DelayDays = Field(
        default_factory=lambda: DelayDays(p50_days=120, p90_days=300),
        description="Site acquisition + construction permit delay for a new site (days).",
        json_schema_extra={"x-unit": "days", "x-source": ASSUMPTION.format(q=5)},
    )
    upgrade_team_days: DelayDays = Field(
        default_factory=lambda: DelayDays(p50_days=2, p90_days=4),
        description="Crew-days on site to install and commission 5G on an existing site.",
        json_schema_extra={"x-unit": "team-days", "x-source": ASSUMPTION.format(q=5)},
    )
    new_site_team_days: DelayDays = Field(
        default_factory=lambda: DelayDays(p50_days=12, p90_days=25),
        description="Crew-days to build a new site (foundation, tower, power, radio).",
        json_schema_extra={"x-unit": "team-days", "x-source": ASSUMPTION.format(q=5)},
    )


class Supply(StrictModel):
    """5G radio equipment (AAU + baseband) supply to all operators."""

    deliveries_per_month: int = param(
        12_000,
        unit="site kits per month",
        ge=0,
        le=1_000_000,
        description="Site equipment kits the vendors can deliver nationally per month. The operators hold no more kits "
        "on order than this delivers over lead_time's P90 (or a month, if that is shorter): the rest of their pace "
        "waits, held by kit deliveries.",
        source=ASSUMPTION.format(q=5)
        + "; must allow the 2025 push (Viettel and VNPT together at least 20,000 5G sites, seed 004:269-281)",
    )
    lead_time: DelayDays = Field(
        default_factory=lambda: DelayDays(p50_days=45, p90_days=90),
        description="Order-to-delivery lead time of a site kit (days).",
        json_schema_extra={"x-unit": "days", "x-source": ASSUMPTION.format(q=5)},
    )


class Costs(StrictModel):
    """Capex per 5G site. No Vietnamese figure is public (seed_facts open question 6)."""

    upgrade_equipment_vnd_bn: float = param(
        1.0,
        unit="VND bn per site",
        ge=0,
        le=50,
        description="Radio equipment (64T64R AAU + baseband) to add 5G to a site.",
        source="~USD 40k per 3-sector massive-MIMO site (Oughton et al. 2019, pysim5g cost table), at 25,520 VND/USD (seed 003:68)",
    )
    upgrade_works_vnd_bn: float = param(
        0.3,
        unit="VND bn per site",
        ge=0,
        le=50,
        description="Installation, power and transmission upgrades at an existing site.",
        source="Oughton et al. 2019 (pysim5g) site upgrade works, converted at 25,520 VND/USD",
    )
    new_site_equipment_vnd_bn: float = param(
        1.0,
        unit="VND bn per site",
        ge=0,
        le=50,
        description="Radio equipment for a new 5G site.",
        source="as upgrade_equipment_vnd_bn",
    )
    new_site_civil_vnd_bn: float = param(
        2.3,
        unit="VND bn per site",
        ge=0,
        le=100,
        description="Tower/rooftop, land, power, backhaul and civil works for a new site.",
        source="~USD 90k new macro build (Oughton et al. 2019, pysim5g), at 25,520 VND/USD",
    )

    def capex_vnd_bn(self, is_new: bool) -> float:
        if is_new:
            return self.new_site_equipment_vnd_bn + self.new_site_civil_vnd_bn
        return self.upgrade_equipment_vnd_bn + self.upgrade_works_vnd_bn

    def equipment_vnd_bn(self, is_new: bool) -> float:
        return self.new_site_equipment_vnd_bn if is_new else self.upgrade_equipment_vnd_bn


class Subsidy(StrictModel):
    """State support for fast 5G build-out (Resolution 193/2025/QH15 Art. 11; Decree 88/2025/NĐ-CP)."""

    equipment_share_pct: float = param(
        15.0,
        unit="% of equipment cost per station",
        ge=0,
        le=100,
        description="Support per eligible station as a share of its equipment cost.",
        source="Decree 88/2025/NĐ-CP (13/4/2025) detailing Resolution 193/2025/QH15 Art. 11: 15% of average 5G equipment cost per station",
    )
    window_start: dt.date = param(
        dt.date(2025, 2, 19),
        unit="ISO date",
        description="Stations accepted on or after this date count.",
        source="Decree 88/2025/NĐ-CP: stations accepted 19/2/2025 - 31/12/2025",
    )
    window_end: dt.date = param(
        dt.date(2025, 12, 31),
        unit="ISO date",
        description="Stations accepted after this date do not count; support is paid after it.",
        source="Decree 88/2025/NĐ-CP",
    )
    min_stations_per_operator: int = param(
        20_000,
        unit="stations",
        ge=0,
        le=500_000,
        description="An operator qualifies only if at least this many of its 5G stations were accepted (came on air) "
        "inside the window, window_start to window_end: those of the start network beyond the "
        "start_state.stations_5g_at_window_start on air when it opened, and those the run brings on air in it.",
        source="Decree 88/2025/NĐ-CP: each operator at least 20,000 5G stations nationwide, accepted 19/2/2025 - "
        "31/12/2025 (baochinhphu.vn, 2025-04-14: https://baochinhphu.vn/chi-dao-dieu-hanh-cua-chinh-phu-thu-tuong-chinh-phu-ngay-14-4-2025-1-102250414195840622.htm); seed 004:269-281 reports "
        "Viettel and VNPT together planning at least 20,000 in 2025",
    )
    fund_vnd_bn: float = param(
        12_697.0,
        unit="VND bn",
        ge=0,
        le=1_000_000,
        description="Cap on total support (the 2024 spectrum auction proceeds).",
        source="Decree 88/2025/NĐ-CP: total support at most the proceeds of the 2024 spectrum auctions (pbgdpl.gov.vn: "
        "https://pbgdpl.gov.vn/Pages/chi-tiet-tin.aspx?ItemID=5116&l=HoatdongPBGDPLotrun), 12,697 bn VND (seed 003:34)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Subsidy:
        if self.window_end < self.window_start:
            raise ValueError(
                _("window_end ({end}) must not be before window_start ({start})").format(
                    end=self.window_end, start=self.window_start
                )
            )
        return self


class Sites(StrictModel):
    """Where the site layer comes from."""

    file: str | None = param(
        None,
        unit="path (relative to the scenario file)",
        description="A planner's site CSV (columns lon, lat, operator, technology, band_mhz, on_air_date) replacing the synthetic layer (all of it, or its sites in the file's provinces: `file_replaces`).",
        source="planner data; default is the seeded synthetic layer (dxsim/geo/sites.py)",
    )
    file_replaces: Literal["country", "provinces"] = param(
        "country",
        unit="-",
        description="What `file` replaces: 'country', the whole site layer (the run has only the file's 4G and 5G "
        "sites, and synthetic 5G candidates); 'provinces', the synthetic layer's sites in the provinces where the "
        "file's sites stand, the rest of the country keeping its synthetic 4G sites and start network "
        "(start_state.stations_5g sizes it); a site is in the province whose outline holds it, and the villages are "
        "drawn against the synthetic layer, so the other provinces keep theirs. Either way the operators' plans are "
        "ranked again over the layer. Why: a "
        "province's own site list in place of the national layer left the other provinces without a 4G or 5G site "
        "at the start.",
        source="planner input; provincial planner trial (9 sites in two provinces: 4G coverage at the start 0.03%)",
    )
    planned_dates: Literal["order", "hold"] = param(
        "order",
        unit="-",
        description="What the dates of `file`'s planned 5G rows (dated after the start) mean: 'order', they only "
        "order the build (those rows are the first the operators build, as fast as the rollout allows, whatever "
        "their date); 'hold', a row waits outside its operator's queue and is ordered in the month round in which "
        "its date less the median order-to-air days of its kind falls (the longer of the permit and the kit lead "
        "time, then the crew's days), whatever its business case (the planner has decided it), so it goes on air by "
        "its date when permits, kits and crews allow, and later otherwise. Undated rows are built first either way. "
        "Why: a "
        "province's sites planned for 2029 went on air in 2026 (provincial planner trial).",
        source="planner input; provincial planner trial (a file's rows dated 2029-06-30 on air by 2026-02)",
    )
    people_per_5g_site_dense: float = param(
        2055.0,
        unit="persons per 5G site",
        ge=0,
        le=100_000,
        description="Synthetic layer: in cells dense enough, the first 5G sites are capacity-driven, one per this many people (network-wide, shared between the operators by the 4G sites each has there), densest cells first; then each operator's coverage greedy takes over.",
        source="fitted so the first 16,737 sites of the operators' merged plans cover 39.52% (seed 000:56; 2,150 before operators had their own overlapping plans, 2,080 before each province's people followed its 2019 census share); checked out-of-sample on 11,591 -> ~26% (vietnamnews 2025-05); see `dxsim calibration`",
    )
    min_people_per_4g_coverage_site: float = param(
        300.0,
        unit="persons",
        ge=0,
        le=100_000,
        description="Synthetic layer: a point of the rural 4G coverage lattice becomes a 4G site when at least this many people live within its rural 4G radius (operators do not build for empty mountains); the rest of the 4G stations go where people live.",
        source="dxsim assumption (no public Vietnamese site list, seed_facts.md open question 5); checked by the 4G population coverage it gives: 99.69% modelled beside the 99.8% reported (`dxsim calibration`)",
    )
    demand_phase_order: Literal["national_density", "province_balanced"] = param(
        "national_density",
        unit="-",
        description="Synthetic layer: order of the capacity-driven phase. 'national_density' serves the densest cells nationwide first; 'province_balanced' advances every province in step with its population.",
        source="national_density matches the 2024 provincial-capital coverage better (73% vs 60% of city-ward population at 25.5% national; reported 93.34%, seed 003:34)",
    )
    synthetic_seed: int = param(
        20251031,
        unit="-",
        ge=0,
        le=2**32 - 1,
        description="Seed of the synthetic site placement (the layer, not the run).",
        source="dxsim convention",
    )
