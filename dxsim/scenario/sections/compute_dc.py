"""Scenario section `compute.datacentres`: data-centre capacity, its pipeline and what limits it.

The start fleet (end-2024: 45 data centres, 182 MW, 27,370 racks; seed 000:67) and the announced
projects (`geodata/dc_projects.csv`) are data; this section holds the levers:

- efficiency: PUE by cooling class plus a tropical-climate uplift (facility MW = IT MW x PUE);
- the ordinary (non-AI) IT load already in the fleet and its yearly growth;
- rack densities (kW per rack) used to fill racks <-> MW where a source gives only one;
- the project pipeline: go probability by status, planning/permits, grid interconnection,
  construction and commissioning delays (p50/p90, log-normal);
- the grid: spare capacity (facility MW) per region that new DC phases consume, and dated
  reinforcements that add to it (a phase waits until its region has room);
- money: capex per MW IT (USD, converted with `usd_vnd`), the electricity price (opex), state
  money for state data centres (`public_investment_vnd_bn`) and the PPP share of project capex the
  state carries (`ppp_share_pct`);
- planner additions: `extra_projects` (validated) and `exclude_projects`.

What the two public levers do (dxsim.sim.compute.datacentres):

- `public_investment_vnd_bn[year]` buys a state data-centre phase at the start of that year:
  IT MW = budget / capex per MW (cooling `public_dc_cooling`), built at a state site in
  `public_dc_gso34`; it always goes ahead and goes through planning, interconnection, the grid
  headroom queue, construction and commissioning like any project.
- `ppp_share_pct` (s) is the share of an *announced* project's capex the state carries. It lowers
  the operator's hurdle: the go probability p becomes p + (1 - p) x s/100 (s = 100 makes every
  announced project go), and the state's part of the capex is reported separately. Projects
  already under construction are financed and unaffected.

Sub-tables keyed by class or region are fixed models (one field per key), so a planner may
override one key (`[compute.datacentres.pue] liquid = 1.1`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from dxsim.i18n import N_
from dxsim.i18n import gettext as _
from dxsim.province_names import province_named
from dxsim.scenario.constants import item_field
from dxsim.scenario.fields import DelayDays, KeyedTable, StrictModel, VndBnPerYear, Year, param

DC_REGIONS = ("north", "central", "south")
COOLING_CLASSES = ("legacy_air", "modern_air", "liquid")
RACK_CLASSES = ("standard", "high_density", "ai")
DC_STATUSES = ("announced", "under_construction")
# The 34 post-July-2025 provinces (GSO codes; geodata/province_regions.csv).
# a province's name where its code belongs: the code to write ("Ha Noi" -> '01' (Hà Nội); new-user trial, 2026-12-07)
NAME_NOT_CODE = N_("a province's name, not its code; write '{code}' ({name})")
GSO34_CODES = (
    "01",
    "04",
    "08",
    "11",
    "12",
    "14",
    "15",
    "19",
    "20",
    "22",
    "24",
    "25",
    "31",
    "33",
    "37",
    "38",
    "40",
    "42",
    "44",
    "46",
    "48",
    "51",
    "52",
    "56",
    "66",
    "68",
    "75",
    "79",
    "80",
    "82",
    "86",
    "91",
    "92",
    "96",
)
DATE_MIN = dt.date(2020, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)

Cooling = Literal["legacy_air", "modern_air", "liquid"]
RackClass = Literal["standard", "high_density", "ai"]
DcRegion = Literal["north", "central", "south"]

ASSUME = "dxsim assumption (no public Vietnamese figure; seed_facts.md open question {q})"
UPTIME_2024 = (
    "Uptime Institute Global Data Center Survey 2024: average annual PUE 1.56 at respondents' largest "
    "data centre (1.55-1.59 since 2020; 1.58 in 2023)"
)
CW_2025_COST = (
    "Cushman & Wakefield, Asia Pacific Data Centre Construction Cost Guide 2025 (vietnamnews.vn "
    "2025-02-21): mid-spec construction USD 6.9 M per MW in Viet Nam; C&W 2025-07 (cushmanwakefield.com, "
    "Viet Nam news 2025-07-11): development cost incl. land ~USD 7.1 M per MW"
)
SEED_000_67 = "MoST report 000:67 (end-2024: 45 DCs, 182 MW, 27,370 racks)"


Delay = DelayDays  # the shared delay model (fields.py)
# the default median construction time of a phase: the announced target dates are read as set expecting it, so a
# phase not yet started breaks ground this long before its target, and one under way at the start has target x
# (p50 / this) left, in a scenario that builds faster or slower
CONSTRUCTION_P50_DAYS = 365.0


def _delay(p50: float, p90: float, desc: str, source: str, unit: str = "days") -> Any:
    return Field(
        default_factory=lambda: Delay(p50_days=p50, p90_days=p90),
        description=desc,
        json_schema_extra={"x-unit": unit, "x-source": source},
    )


# --------------------------------------------------------------------------- small tables


class PueByCooling(KeyedTable):
    """Power usage effectiveness (facility power / IT power) by cooling class, before the climate uplift."""

    legacy_air: float = param(
        1.56,
        unit="ratio",
        ge=1.0,
        le=3.0,
        description="Installed base: room air cooling (the end-2024 fleet, synthetic sites).",
        source=UPTIME_2024,
    )
    modern_air: float = param(
        1.35,
        unit="ratio",
        ge=1.0,
        le=3.0,
        description="New large air / hybrid-cooled builds (hot/cold aisle containment, efficient chillers).",
        source="Uptime Institute 2024 survey (cloudnews.tech summary): new and larger facilities reach PUE 1.3 or better; "
        "Viettel Tân Phú Trung targets PUE < 1.4 (capacitymedia.com 2025-04-24)",
    )
    liquid: float = param(
        1.15,
        unit="ratio",
        ge=1.0,
        le=3.0,
        description="Direct-to-chip / immersion liquid cooling (AI halls).",
        source="liquid-cooled deployments report PUE ~1.1-1.2 (Uptime benchmarks: hyperscale 1.1-1.2; vendor and "
        "industry reports, e.g. globalheadofdatacenterenergy.news 2026)",
    )


class KwPerRack(KeyedTable):
    """IT kW per rack by class: converts racks <-> IT MW where a source gives only one of them."""

    standard: float = param(
        6.65,
        unit="kW IT per rack",
        ge=0.5,
        le=300,
        description="Existing enterprise/colocation halls (national average).",
        source="seed-derived national average 182,000 kW / 27,370 racks = 6.65 kW (seed_facts.md 2l; "
        + SEED_000_67
        + ")",
    )
    high_density: float = param(
        14.0,
        unit="kW IT per rack",
        ge=0.5,
        le=300,
        description="New hyperscale/cloud halls.",
        source="Viettel Tân Phú Trung: 140 MW over ~10,000 racks (vietnamnews.vn 2025-04-23)",
    )
    ai: float = param(
        40.0,
        unit="kW IT per rack",
        ge=0.5,
        le=300,
        description="Liquid-cooled AI/GPU halls.",
        source="4 x NVIDIA DGX H100 (10.2 kW each) per rack; Viettel's top racks reach 60 kW (vietnamnews.vn "
        "2025-04-23); C&W: AI racks 30-60 kW (theinvestor.vn 2024-03-17)",
    )


class CapexPerMw(KeyedTable):
    """Construction capex per MW of IT capacity, by cooling class (land included), in USD."""

    legacy_air: float = param(
        7.1,
        unit="USD million per MW IT",
        ge=0,
        le=100,
        description="Air-cooled build (only used if a planner adds such a project).",
        source=CW_2025_COST,
    )
    modern_air: float = param(
        7.1,
        unit="USD million per MW IT",
        ge=0,
        le=100,
        description="New air / hybrid-cooled build.",
        source=CW_2025_COST,
    )
    liquid: float = param(
        7.8,
        unit="USD million per MW IT",
        ge=0,
        le=100,
        description="Liquid-cooled AI build (+~10%).",
        source=CW_2025_COST
        + "; Turner & Townsend Data Centre Construction Cost Index 2025-26: 7-10% premium for AI "
        "(liquid-cooled) data centres",
    )


class GoProbability(KeyedTable):
    """Probability that a project in the pipeline goes ahead at all (one draw per project and replication)."""

    announced: float = param(
        50.0,
        unit="%",
        ge=0,
        le=100,
        description="Announced / MoU / approved-in-principle projects (construction not started).",
        source=ASSUME.format(q=13)
        + "; many announced DC projects face legal and power hurdles (itpc.gov.vn 2025-07 on "
        "the G42/FPT proposal; seed 000:105, 000:117)",
    )
    under_construction: float = param(
        95.0,
        unit="%",
        ge=0,
        le=100,
        description="Projects whose construction has started.",
        source=ASSUME.format(q=13),
    )


class RegionMw(KeyedTable):
    """Spare grid capacity at the start date for new data-centre phases (facility MW), per operator region."""

    north: float = param(
        250.0,
        unit="MW (facility)",
        ge=0,
        le=100_000,
        description="Northern region (Hà Nội ...).",
        source=ASSUME.format(q=14)
        + "; power supply is a stated DC bottleneck (seed 000:105); the 500 kV circuit-3 "
        "line to the north was energised in 2024-08",
    )
    central: float = param(
        100.0,
        unit="MW (facility)",
        ge=0,
        le=100_000,
        description="Central region (Đà Nẵng ...).",
        source=ASSUME.format(q=14)
        + "; sized so that the projects under construction fit and the announced ones "
        "compete for the rest (the grid binds when most announced projects go ahead)",
    )
    south: float = param(
        350.0,
        unit="MW (facility)",
        ge=0,
        le=100_000,
        description="Southern region (HCMC incl. Bình Dương ...).",
        source=ASSUME.format(q=14)
        + "; C&W: limited power supply in HCMC pushes new DCs to Bình Dương/Đồng Nai "
        "(vir.com.vn 2023-02)",
    )


class GridReinforcement(StrictModel):
    """Grid capacity added to a region's headroom on a date (a new substation, line or plant)."""

    region: DcRegion = Field(description="Operator region (north, central, south).")
    mw: float = Field(
        description="Facility MW added to the region's headroom.",
        gt=0,
        le=100_000,
        json_schema_extra={
            "x-unit": "facility MW",
            "x-source": "planner input (the default list: see compute.datacentres.grid.reinforcements)",
        },
    )
    date: dt.date = Field(
        description="Date the capacity becomes available.",
        json_schema_extra={
            "x-unit": "ISO date",
            "x-source": "planner input (the default list: see compute.datacentres.grid.reinforcements)",
        },
    )

    @field_validator("date")
    @classmethod
    def _in_range(cls, v: dt.date) -> dt.date:
        if not DATE_MIN <= v <= DATE_MAX:
            raise ValueError(
                _("date {date} out of range {low}..{high}").format(date=v, low=DATE_MIN, high=DATE_MAX)
            )
        return v


def _default_reinforcements() -> list[GridReinforcement]:
    return [
        GridReinforcement(region="north", mw=250.0, date=dt.date(2028, 1, 1)),
        GridReinforcement(region="central", mw=100.0, date=dt.date(2028, 1, 1)),
        GridReinforcement(region="south", mw=350.0, date=dt.date(2028, 1, 1)),
    ]


class Grid(StrictModel):
    """Grid interconnection: the utility's lead time and the spare capacity new DC phases consume."""

    interconnect: Delay = _delay(
        180.0,
        540.0,
        "Grid connection lead time after planning approval (substation/line works not overlapped with construction).",
        "C&W APAC DC Construction Cost Guide 2025: new power connections take 18-36 months in many markets; dxsim "
        "counts the part not overlapped by construction (assumption, seed_facts.md open question 14)",
    )
    headroom_mw: RegionMw = Field(
        default_factory=RegionMw,
        description="Spare grid capacity per region at the start date (facility MW).",
    )
    reinforcements: list[GridReinforcement] = Field(
        default_factory=_default_reinforcements,
        description="Capacity added to a region's headroom on a date: a list of {region, mw, date}.",
        json_schema_extra={
            "x-unit": "facility MW on a date",
            "x-source": ASSUME.format(q=14) + "; transmission expansion under the revised Power "
            "Development Plan VIII (Decision 768/QĐ-TTg, 2025-04) - sizes and dates are dxsim's",
        },
    )
    allocation: Literal["first_fit", "first_come"] = param(
        "first_fit",
        unit="-",
        description="How a region's headroom is given to the phases waiting for it: 'first_fit' (in the order they "
        "asked, any phase that fits, so a smaller later phase may pass a large one that does not fit) or "
        "'first_come' (a queue: no phase passes one that asked earlier). First fit uses the headroom fully, but more "
        "or earlier headroom can change which phases take it, so a large phase may wait longer; in a queue more "
        "headroom never delays a phase. Earlier headroom can in either, since a project's next phase asks once the "
        "one before it is built: a project let in sooner may ask before another project's phase.",
        source="dxsim assumption (no public rule for Vietnamese data-centre grid connections; seed_facts.md open "
        "question 14); first come is the rule of most utilities' interconnection queues",
    )


class Delays(StrictModel):
    """Delays of the project pipeline (log-normal, p50/p90)."""

    permits: Delay = _delay(
        240.0,
        540.0,
        "Planning, investment approval, land and construction permit, from the start date (announced projects only).",
        "CMC Hyperscale DC (SHTP): investment policy approved 2025-03, investor approved 2025-06/07, construction "
        "from Q2 2026 (vietnam.vn; vietnamnews.vn 2025-07-14); p90 is a dxsim assumption",
    )
    construction: Delay = _delay(
        CONSTRUCTION_P50_DAYS,
        540.0,
        "Construction of one phase (shell, power, cooling, fit-out). Announced target dates are read as set "
        "expecting the default median (365 days): a phase not yet started breaks ground 365 days before its target "
        "(the announcer's plan), and the first phase of a project under construction is under way at the start "
        "with its days to target x (p50 / 365) left, so a faster build opens either sooner and a slower one later.",
        "CMC Hyperscale DC phase I: Q2 2026 -> Q2 2027; FPT's 10,000 m2 HCMC DC: groundbreaking 2020-05, "
        "completion planned Q1 2021 (vietnamnet.vn 2020-05-06); p90 is a dxsim assumption",
    )
    commissioning: Delay = _delay(
        30.0,
        90.0,
        "Integrated testing and commissioning of a built phase before it carries load.",
        ASSUME.format(q=13),
    )


class AreaWeights(KeyedTable):
    """Shares of the end-2024 data centres by area, used to place the SYNTHETIC sites (by count)."""

    hanoi: float = param(
        35.0,
        unit="% of DCs",
        ge=0,
        le=100,
        description="Hà Nội (north).",
        source="MIC Authority of Telecommunications, 2023-06: of 27 operational DCs 35% north, 46% south, 19% "
        "central (vir.com.vn); concentration in Hà Nội, HCMC, Đà Nẵng (seed 000:103)",
    )
    hcmc: float = param(
        36.0,
        unit="% of DCs",
        ge=0,
        le=100,
        description="HCMC (pre-2025 city).",
        source="MIC 2023-06: 46% south (vir.com.vn); HCMC holds ~48-50% of capacity (C&W 2023-02); the southern "
        "share is split HCMC 36 / Bình Dương 10 (dxsim assumption)",
    )
    binh_duong: float = param(
        10.0,
        unit="% of DCs",
        ge=0,
        le=100,
        description="Bình Dương area (now part of HCMC, gso34 79).",
        source="Viettel runs DCs in Bình Dương (sggp.org.vn 2025-04-24); C&W: new southern DCs move to Bình "
        "Dương/Đồng Nai (vir.com.vn 2023-02); split is a dxsim assumption",
    )
    da_nang: float = param(
        19.0,
        unit="% of DCs",
        ge=0,
        le=100,
        description="Đà Nẵng (pre-2025 city; central).",
        source="MIC 2023-06: 19% of DCs in the central region (vir.com.vn)",
    )


# --------------------------------------------------------------------------- planner projects


class PhaseSpec(StrictModel):
    """One phase of a planner-added project."""

    it_mw: float = Field(
        description="IT capacity of the phase (MW), > 0.",
        gt=0,
        le=5_000,
        json_schema_extra={"x-unit": "MW IT", "x-source": "planner input"},
    )
    racks: float | None = Field(
        None,
        description="Racks of the phase (default: it_mw / kW per rack of the cooling class); > 0: a phase of IT MW "
        "with no racks has no power density (racks = 0 on 50 MW was accepted, data-centre trial).",
        gt=0,
        le=1_000_000,
        json_schema_extra={"x-unit": "racks", "x-source": "planner input"},
    )
    target_date: dt.date = Field(
        description="Planned commissioning date of the phase.",
        json_schema_extra={"x-unit": "ISO date", "x-source": "planner input"},
    )

    @field_validator("target_date")
    @classmethod
    def _in_range(cls, v: dt.date) -> dt.date:
        if not DATE_MIN <= v <= DATE_MAX:
            raise ValueError(
                _("target_date {date} out of range {low}..{high}").format(date=v, low=DATE_MIN, high=DATE_MAX)
            )
        return v


class ProjectSpec(StrictModel):
    """A data-centre project a planner adds to the pipeline."""

    project_id: str = Field(
        description="Unique id (letters, digits, - and _).", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"
    )
    name: str = Field("", description="Display name.", max_length=200)
    operator: str = Field(description="Operator / investor.", min_length=1, max_length=100)
    gso34: str = Field(description="Post-2025 GSO province code (one of the 34).")
    status: Literal["announced", "under_construction"] = Field("announced", description="Pipeline status.")
    cooling: Cooling = Field(
        "modern_air", description="Cooling class (sets PUE, capex and the rack density default)."
    )
    lon: float | None = Field(
        None,
        description="Longitude (default: a seeded urban ward of the province).",
        ge=102,
        le=118,
        json_schema_extra={"x-unit": "degrees east (WGS 84)", "x-source": "planner input"},
    )
    lat: float | None = Field(
        None,
        description="Latitude (default: a seeded urban ward of the province).",
        ge=8,
        le=24,
        json_schema_extra={"x-unit": "degrees north (WGS 84)", "x-source": "planner input"},
    )
    phases: list[PhaseSpec] = Field(description="Phases in date order (at least one).", min_length=1)
    go_probability_pct: float | None = Field(
        None,
        description="This project's own chance of going ahead (100 = committed: it always does); empty = "
        "compute.datacentres.go_probability_pct of its status (with ppp_share_pct for an announced one). Why: a "
        "planner's committed 80 MW project did not go ahead in a replication, and only a 100% PPP share, which "
        "moves every announced project, could make it certain (data-centre trial).",
        ge=0,
        le=100,
        json_schema_extra={"x-unit": "%", "x-source": "planner input"},
    )

    @field_validator("gso34")
    @classmethod
    def _province(cls, v: str) -> str:
        v = str(v).strip()
        if len(v) == 1 and v.isdigit():
            v = "0" + v
        named = province_named(v) if v not in GSO34_CODES else None
        if named is not None:  # "Ha Noi" for 01: the code to write
            raise ValueError(_(NAME_NOT_CODE).format(code=named[0], name=named[1]))
        if v not in GSO34_CODES:
            raise ValueError(
                _("gso34 {code} is not one of the 34 province codes ({codes})").format(
                    code=repr(v), codes=", ".join(GSO34_CODES)
                )
            )
        return v

    @model_validator(mode="after")
    def _ordered(self) -> ProjectSpec:
        if (self.lon is None) != (self.lat is None):
            raise ValueError(_("give both lon and lat, or neither"))
        for k in range(1, len(self.phases)):
            a, b = self.phases[k - 1].target_date, self.phases[k].target_date
            if b < a:
                raise ValueError(
                    _(
                        "phases: target_date of phase {later} ({b}) is before phase {earlier}'s ({a}); list phases "
                        "in date order"
                    ).format(later=k + 1, b=b, earlier=k, a=a)
                )
        return self


# --------------------------------------------------------------------------- the section


class DataCentres(StrictModel):
    """Data-centre fleet, pipeline, grid limits and money."""

    pue: PueByCooling = Field(default_factory=PueByCooling, description="PUE by cooling class.")
    tropical_pue_uplift: float = param(
        0.10,
        unit="PUE points",
        ge=0,
        le=1,
        description="Added to every class's PUE for Viet Nam's hot, humid climate (little free cooling).",
        source="Uptime Institute regional PUE (2020: 1.46 Europe to 1.79 Africa/Middle East; 2025 update: APAC "
        "excl. China above the global average; climate is the main factor); size is a dxsim assumption",
    )
    base_utilisation_pct: float = param(
        65.0,
        unit="% of IT capacity in service",
        ge=0,
        le=100,
        description="Ordinary (non-AI) IT load already carried by the capacity in service at the start (GPUs can only use the rest).",
        source=ASSUME.format(q=13)
        + "; CMC Tân Thuận was 30% pre-leased at opening (theinvestor.vn 2023-02), mature sites fuller",
    )
    base_growth_pct_per_year: float = param(
        15.0,
        unit="% per year",
        ge=0,
        le=200,
        description="Yearly growth of the ordinary IT load (applied each 1 January; capped by the capacity not used by GPUs).",
        source="Vietnamese DC market CAGR ~15% to 2026 (ResearchAndMarkets via nhandan.vn 2023)",
    )
    kw_per_rack: KwPerRack = Field(default_factory=KwPerRack, description="IT kW per rack by class.")
    go_probability_pct: GoProbability = Field(
        default_factory=GoProbability, description="Probability a pipeline project goes ahead, by status."
    )
    delays: Delays = Field(default_factory=Delays, description="Pipeline delays (p50/p90).")
    grid: Grid = Field(default_factory=Grid, description="Grid interconnection and regional headroom.")
    capex_usd_m_per_mw: CapexPerMw = Field(
        default_factory=CapexPerMw, description="Capex per MW IT by cooling class."
    )
    usd_vnd: float = param(
        25_520.0,
        unit="VND per USD",
        ge=1_000,
        le=100_000,
        description="Exchange rate converting USD capex to VND.",
        source="MIC report 003:68 ('tỷ giá 25.520 đồng/USD', 2024)",
    )
    power_price_vnd_per_kwh: float = param(
        2_900.0,
        unit="VND per kWh",
        ge=0,
        le=20_000,
        description="Electricity price paid by data centres (facility energy -> opex).",
        source="MoIT Decision 1279/QĐ-BCT (2025-05-09): average retail price 2,204.07 VND/kWh; business customers pay "
        "above average - ~2,900 at 22 kV normal hours (dxsim assumption, as villages.options.grid.tariff_vnd_per_kwh)",
    )
    synthetic_seed: int = param(
        20251031,
        unit="-",
        ge=0,
        le=2**32 - 1,
        description="Seed of the synthetic data-centre placement (the sites of the start fleet beyond the published "
        "ones, and announced projects without a published site): the layer, not the run, as sites.synthetic_seed. "
        "Why apart from `seed`: a run with --seed kept the layer of the file's seed while its scenario.resolved.toml, "
        "run again, drew another one.",
        source="dxsim convention",
    )
    public_investment_vnd_bn: dict[Year, VndBnPerYear] = param(
        {},
        unit="VND bn per calendar year",
        description="State money for state data centres: each year's amount buys a phase of IT MW = amount / capex per MW, "
        "started on 1 January (or the start date) and built like any project (always goes ahead); years not listed: 0.",
        source=ASSUME.format(q=15) + ": no public budget for further national data centres is published",
    )
    public_dc_gso34: str = param(
        "01",
        unit="GSO code",
        description="Province of the state data-centre site that public investment builds.",
        source="National Data Centre No. 1 is at Hòa Lạc, Hà Nội (seed 000:118)",
    )
    public_dc_cooling: Cooling = param(
        "liquid",
        unit="-",
        description="Cooling class of state data-centre phases.",
        source="dxsim assumption (new state DCs host AI workloads)",
    )
    ppp_share_pct: float = param(
        0.0,
        unit="% of project capex",
        ge=0,
        le=100,
        description="Share of an announced project's capex the state carries under PPP; the go probability p becomes "
        "p + (1 - p) x share/100.",
        source=ASSUME.format(q=21) + ": no PPP scheme for data centres is enacted (current policy = 0)",
    )
    extra_projects: list[ProjectSpec] = Field(
        default_factory=list,
        description="Projects added to the pipeline: a list of {project_id, operator, gso34, status, cooling, phases: "
        "[{it_mw, racks, target_date}]}.",
        json_schema_extra={"x-unit": "projects", "x-source": "planner input"},
    )
    exclude_projects: list[str] = Field(
        default_factory=list,
        description="Project ids of geodata/dc_projects.csv to drop (e.g. to avoid double counting the unnamed "
        "hyperscale projects HS-1..HS-4).",
        json_schema_extra={"x-unit": "project ids", "x-source": "planner input"},
    )
    synthetic_area_weights: AreaWeights = Field(
        default_factory=AreaWeights,
        description="Where the synthetic end-2024 data centres are (shares by count).",
    )

    @field_validator("public_dc_gso34")
    @classmethod
    def _public_province(cls, v: str) -> str:
        named = province_named(v) if v not in GSO34_CODES else None
        if named is not None:
            raise ValueError(_(NAME_NOT_CODE).format(code=named[0], name=named[1]))
        if v not in GSO34_CODES:
            raise ValueError(
                _("public_dc_gso34 {code} is not one of the 34 province codes; allowed: {codes}").format(
                    code=repr(v), codes=", ".join(GSO34_CODES)
                )
            )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> DataCentres:
        ids = [p.project_id for p in self.extra_projects]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(
                _(
                    "extra_projects: project_id {ids} is given twice; each project once, under its own id"
                ).format(ids=", ".join(repr(i) for i in dup))
            )
        if sum(self.synthetic_area_weights.as_dict().values()) <= 0:
            raise ValueError(_("synthetic_area_weights: at least one weight must be > 0"))
        return self

    def validate_horizon(self, start: dt.date) -> list[tuple[str, dt.date, str]]:
        """Problems of the planner's projects against the start: (field path, value, message) triples (empty = fine).

        An announced project's first target on or before the start is refused as well. A project under construction at the start is due at its first phase's target date, and its capex is the share
        of the build still to do; a target before the start left nothing to do, so a 50 MW liquid-cooled project
        opened 21 days after the start at no capex (data-centre trial). Such a project is finished (then it belongs
        in the start fleet) or late (then its expected date is what the run needs)."""
        out = []
        for i, proj in enumerate(self.extra_projects):
            first = proj.phases[0].target_date
            if proj.status == "announced" and first <= start:
                # it opened at its planning and permit delays after the start, as a project dated years ahead did:
                # the date said nothing (data-centre trial)
                out.append(
                    (
                        f"{item_field('extra_projects', i)}.{item_field('phases', 0)}.target_date",
                        first,
                        _(
                            "is on or before the start ({start}) for an announced project; give the date it is now "
                            "expected to open (after the start)"
                        ).format(start=start),
                    )
                )
            if proj.status == "under_construction" and first <= start:
                out.append(
                    (
                        f"{item_field('extra_projects', i)}.{item_field('phases', 0)}.target_date",
                        first,
                        _(
                            "is on or before the start ({start}) for a project under construction; give the date it "
                            "is now expected to open (after the start), or, if it is open, put it in the start fleet "
                            "(geodata/dc_sites.csv) instead"
                        ).format(start=start),
                    )
                )
        return out

    # ------------------------------------------------------------------ helpers
    def pue_for(self, cooling: str) -> float:
        """PUE of a cooling class including the tropical uplift."""
        return self.pue.lookup(cooling) + self.tropical_pue_uplift

    def capex_vnd_bn_per_mw(self, cooling: str) -> float:
        """Capex per MW IT in VND bn (USD million x VND/USD / 1000)."""
        return self.capex_usd_m_per_mw.lookup(cooling) * self.usd_vnd / 1000.0

    def go_probability(self, status: str, ppp: bool = True) -> float:
        """Go probability (0..1) of a project of this status, PPP included for announced projects."""
        p = self.go_probability_pct.lookup(status) / 100.0
        if ppp and status == "announced":
            p = p + (1.0 - p) * self.ppp_share_pct / 100.0
        return min(max(p, 0.0), 1.0)

    def public_budget(self, year: int) -> float:
        """Public DC investment of a year (listed years only; 0 otherwise)."""
        return float(self.public_investment_vnd_bn.get(year, 0.0))
