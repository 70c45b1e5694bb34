"""Scenario section `villages.options`: how a remote village can be connected, what it costs, who chooses.

Each village without grid power and mobile signal (seed 000:302: 117 in late 2025) gets a macro
site powered either by a 22 kV grid extension (built by the utility's line crews) or by an
off-grid solar + battery (+ diesel) system, and a backhaul: fibre, a microwave relay chain or LEO
satellite terminals. `dxsim.sim.villages.options` sizes and costs every (power x backhaul)
combination; the `policy` picks one per village (least NPV, a fixed technology, or grid first).

Money is in VND bn; where the source quotes USD the field is in USD and converted with
`usd_vnd`. Tables keyed by terrain class or region are small sub-tables, so a planner may
override one key (`[villages.options.grid.cost_vnd_bn_per_km] mountainous = 1.5`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from dxsim.i18n import gettext as _
from dxsim.scenario.fields import KeyedTable, StrictModel, param

TERRAINS = ("flat", "hilly", "mountainous")
REGIONS6 = (
    "northern_mountains",
    "red_river_delta",
    "central_coast",
    "central_highlands",
    "southeast",
    "mekong_delta",
)
POWER_OPTIONS = ("grid_extension", "offgrid_solar")
BACKHAUL_OPTIONS = ("fibre", "microwave", "leo")

PowerOption = Literal["grid_extension", "offgrid_solar"]
BackhaulOption = Literal["fibre", "microwave", "leo"]

ASSUME = "dxsim assumption (no public Vietnamese figure; seed_facts.md open question 3)"
USD = "converted with usd_vnd"
QUANG_TRI_2025 = (
    "Quảng Trị 2025: 17 villages 6-20 km from the MV grid; 7 got grid lines, 10 (incl. Dốc Mây, ~20 km) "
    "generators + temporary LV (plo.vn and vietnamnet.vn 2025-12-08; thanhnien.vn 2026-02-26)"
)
CAT_TRIA_2016 = (
    "Cát/Trỉa villages (Quảng Trị, ADB rural-grid project, energised 2016-12-23): ~14 bn VND for 12.43 km "
    "of 22 kV line through mountain forest + 5.1 km LV + 2 x 25 kVA transformers, ~9 months of works "
    "(evn.com.vn; xanhx.vn)"
)


# --------------------------------------------------------------------------- grid extension


class GridCostPerKm(KeyedTable):
    """Capex of one km of 22 kV overhead line, by terrain class."""

    flat: float = param(
        0.5,
        unit="VND bn per line km",
        ge=0,
        le=20,
        description="Flat terrain (road access, standard poles).",
        source="Sơn La rural-grid programme (EVN NPC, 2013-15): 557.8 bn VND for >540 km of 35/22 kV + 875 km LV + "
        "218 transformers (~0.6 bn VND per MV km all-in; vietnamplus.vn); flat/hilly split is a dxsim assumption",
    )
    hilly: float = param(
        0.8,
        unit="VND bn per line km",
        ge=0,
        le=20,
        description="Hilly terrain.",
        source="interpolated between the flat and mountainous values (dxsim assumption)",
    )
    mountainous: float = param(
        1.2,
        unit="VND bn per line km",
        ge=0,
        le=20,
        description="Mountainous terrain (steep forest, materials carried by hand or boat).",
        source=CAT_TRIA_2016 + ": ~1.1 bn VND per MV km all-in, +~10% to 2025 prices",
    )


class RouteFactor(KeyedTable):
    """Line (or cable) km per straight-line km: lines follow valleys, trails and ridges."""

    flat: float = param(
        1.2,
        unit="line km per straight-line km",
        ge=1,
        le=3,
        description="Flat terrain.",
        source=ASSUME + "; lines follow roads",
    )
    hilly: float = param(
        1.3, unit="line km per straight-line km", ge=1, le=3, description="Hilly terrain.", source=ASSUME
    )
    mountainous: float = param(
        1.4,
        unit="line km per straight-line km",
        ge=1,
        le=3,
        description="Mountainous terrain.",
        source=ASSUME + "; lines follow valleys and trails",
    )


class GridTeamDaysPerKm(KeyedTable):
    """Utility line-crew days per km of 22 kV line (survey, clearing, poles, stringing)."""

    flat: float = param(
        5.0, unit="team-days per line km", ge=0, le=365, description="Flat terrain.", source=ASSUME
    )
    hilly: float = param(
        10.0, unit="team-days per line km", ge=0, le=365, description="Hilly terrain.", source=ASSUME
    )
    mountainous: float = param(
        20.0,
        unit="team-days per line km",
        ge=0,
        le=365,
        description="Mountainous terrain.",
        source=CAT_TRIA_2016 + ": ~270 days for 12.43 km, i.e. ~20 crew-days per km for one crew",
    )


class GridExtension(StrictModel):
    """Extend the 22 kV medium-voltage grid to the village site (EVN's line crews build it)."""

    cost_vnd_bn_per_km: GridCostPerKm = Field(
        default_factory=GridCostPerKm, description="Line capex per km by terrain class."
    )
    route_factor: RouteFactor = Field(
        default_factory=RouteFactor,
        description="Route km per straight-line km by terrain class (also used for fibre routes).",
    )
    team_days_per_km: GridTeamDaysPerKm = Field(
        default_factory=GridTeamDaysPerKm, description="Line-crew days per line km by terrain class."
    )
    connection_capex_vnd_bn: float = param(
        0.3,
        unit="VND bn per village",
        ge=0,
        le=20,
        description="Pole-mounted 22/0.4 kV transformer, protection and the LV drop to the site.",
        source=CAT_TRIA_2016 + " (two 25 kVA transformers); dxsim assumption",
    )
    connection_team_days: float = param(
        5.0,
        unit="team-days per village",
        ge=0,
        le=365,
        description="Line-crew days to set the transformer and energise the line.",
        source=ASSUME,
    )
    max_line_km: float = param(
        15.0,
        unit="line km",
        ge=0,
        le=500,
        description="Longest line the utility will build to one village; longer is infeasible.",
        source=QUANG_TRI_2025,
    )
    site_share_of_line_cost_pct: float = param(
        100.0,
        unit="% of line + connection capex",
        ge=0,
        le=100,
        description="Share of the line's capex charged to the village connection (lower it when the line is "
        "part of EVN's rural electrification and also powers the households).",
        source="dxsim convention (the whole line is charged unless the planner says otherwise)",
    )
    tariff_vnd_per_kwh: float = param(
        2_900.0,
        unit="VND per kWh",
        ge=0,
        le=20_000,
        description="Grid electricity price paid by the site.",
        source="approximate EVN business tariff at 6-22 kV, normal hours, 2025 (dxsim assumption; check the "
        "current MoIT tariff decision)",
    )
    line_om_pct_per_year: float = param(
        1.5,
        unit="% of line capex per year",
        ge=0,
        le=20,
        description="Line operation and maintenance (clearing, repairs) per year.",
        source=ASSUME + "; distribution O&M is usually 1-2% of capex per year",
    )
    kit_lead_p50_days: float = param(
        60.0,
        unit="days",
        ge=0,
        le=3650,
        description="Median lead time of the line materials (conductor, poles, transformer).",
        source=ASSUME,
    )


# --------------------------------------------------------------------------- macro site


class MacroSite(StrictModel):
    """The 4G/5G macro site in the village, whatever powers and connects it."""

    capex_vnd_bn: float = param(
        2.0,
        unit="VND bn per site",
        ge=0,
        le=100,
        description="Tower, shelter, civil works and a 4G radio, excluding power and backhaul.",
        source="costs.new_site_civil_vnd_bn (2.3 bn VND, ~USD 90k new macro build incl. power and backhaul, "
        "Oughton et al. 2019 pysim5g) less power and backhaul, plus a 4G radio; dxsim assumption",
    )
    opex_vnd_bn_per_year: float = param(
        0.05,
        unit="VND bn per site per year",
        ge=0,
        le=10,
        description="Maintenance visits, spares and security of a remote site.",
        source=ASSUME,
    )
    load_kw: float = param(
        1.5,
        unit="kW (average)",
        ge=0.05,
        le=20,
        description="Average electrical load of the site (radio, transmission, fans; no air conditioning).",
        source="rural single-band macro: ~1-1.5 kW average; a remote 350-subscriber BTS peaks at 750 W (Acharya & "
        "Dutta 2013, Guelph Eng. J. 5); a typical multi-band US macro ~4 kW (DatacenterDynamics 2022)",
    )
    team_days: float = param(
        20.0,
        unit="team-days per site",
        ge=0,
        le=365,
        description="Operator team-days to build the site (foundation, tower, radio) at a remote village.",
        source="works.new_site_team_days p50 (12) + ~60% for access by trail (dxsim assumption)",
    )
    kit_lead_p50_days: float = param(
        45.0,
        unit="days",
        ge=0,
        le=3650,
        description="Median lead time of the site kit (tower, radio).",
        source="as supply.lead_time.p50_days (dxsim assumption, seed_facts.md open question 5)",
    )


# --------------------------------------------------------------------------- off-grid power


class RegionGhi(KeyedTable):
    """Long-term mean global horizontal irradiation (kWh/m2/day = peak-sun-hours) by region."""

    northern_mountains: float = param(
        3.8,
        unit="kWh/m2/day",
        ge=1,
        le=8,
        description="Northern midlands and mountains (north-west sunnier, north-east cloudier).",
        source="within Vietnam's 12-19 MJ/m2/day (3.3-5.3 kWh/m2/day) north-to-south range (Nguyen The Bao, "
        "HCMUT, 'Feasibility of solar hot water systems in Vietnam'); regions after the 6-cluster satellite "
        "regionalisation (JAMC 60:391, 2021); replace with Global Solar Atlas (World Bank/Solargis) point values",
    )
    red_river_delta: float = param(
        3.6,
        unit="kWh/m2/day",
        ge=1,
        le=8,
        description="Red River Delta.",
        source="as northern_mountains (Hanoi ~12-13 MJ/m2/day)",
    )
    central_coast: float = param(
        4.6,
        unit="kWh/m2/day",
        ge=1,
        le=8,
        description="North and south central coast.",
        source="as northern_mountains (Da Nang between the northern and southern values)",
    )
    central_highlands: float = param(
        5.0,
        unit="kWh/m2/day",
        ge=1,
        le=8,
        description="Central Highlands.",
        source="as northern_mountains (upper end of the range)",
    )
    southeast: float = param(
        4.7,
        unit="kWh/m2/day",
        ge=1,
        le=8,
        description="Southeast.",
        source="HCMC 1,581 kWh/m2/year = 4.3 kWh/m2/day (vietnamnet 2017); Global Solar Atlas ~4.8-5 (dxsim reading)",
    )
    mekong_delta: float = param(
        4.6,
        unit="kWh/m2/day",
        ge=1,
        le=8,
        description="Mekong Delta.",
        source="as southeast",
    )


class RegionWorstMonthRatio(KeyedTable):
    """Mean GHI of the darkest month as a share of the annual mean, by region."""

    northern_mountains: float = param(
        0.55,
        unit="share of annual mean GHI",
        ge=0.1,
        le=1,
        description="Northern mountains (winter drizzle and fog, Jan-Mar).",
        source="East Asian winter monsoon cuts northern winter irradiation sharply (JAMC 60:391, 2021); ~10 sunless "
        "days in Hanoi and the northern mountains in Feb 2024 (SGGP); value a dxsim assumption",
    )
    red_river_delta: float = param(
        0.5,
        unit="share of annual mean GHI",
        ge=0.1,
        le=1,
        description="Red River Delta.",
        source="as northern_mountains",
    )
    central_coast: float = param(
        0.6,
        unit="share of annual mean GHI",
        ge=0.1,
        le=1,
        description="Central coast (Sep-Dec rains).",
        source=ASSUME,
    )
    central_highlands: float = param(
        0.75,
        unit="share of annual mean GHI",
        ge=0.1,
        le=1,
        description="Central Highlands (May-Oct rains).",
        source="as southeast",
    )
    southeast: float = param(
        0.76,
        unit="share of annual mean GHI",
        ge=0.1,
        le=1,
        description="Southeast.",
        source="HCMC: lowest month 3.3 kWh/m2/day (July) vs 4.3 annual mean (vietnamnet 2017)",
    )
    mekong_delta: float = param(
        0.76,
        unit="share of annual mean GHI",
        ge=0.1,
        le=1,
        description="Mekong Delta.",
        source="as southeast",
    )


class OffGridPower(StrictModel):
    """Solar PV + battery at the site, optionally backed by a diesel genset.

    Sizing (see `dxsim.sim.villages.options.size_offgrid`): daily energy E = load x 24 h;
    PV kWp = E x solar share / (GHI x derate); battery kWh = E x days_autonomy / (DoD x efficiency).
    Without a genset the PV is sized on the darkest month's GHI and covers everything.
    """

    ghi_kwh_m2_day: RegionGhi = Field(
        default_factory=RegionGhi,
        description="Annual mean GHI by region (a village column ghi_kwh_m2_day overrides it).",
    )
    worst_month_ghi_ratio: RegionWorstMonthRatio = Field(
        default_factory=RegionWorstMonthRatio,
        description="Darkest month's GHI / annual mean by region (sizes PV when there is no genset).",
    )
    pv_derate: float = param(
        0.75,
        unit="kWh delivered per kWh at STC (performance ratio)",
        ge=0.3,
        le=1,
        description="PV performance ratio: temperature, soiling, wiring, controller losses.",
        source="NREL PVWatts default system losses 14% plus ~8-10% cell-temperature loss in the tropics (dxsim reading)",
    )
    days_autonomy: float = param(
        2.0,
        unit="days",
        ge=0,
        le=10,
        description="Days the battery alone carries the full load.",
        source="off-grid telecom practice 2-3 days (Acharya & Dutta 2013 size the bank on days of autonomy at DoD 0.8); "
        "2 days when a genset backs up (dxsim assumption)",
    )
    battery_dod: float = param(
        0.8,
        unit="share of nameplate kWh",
        ge=0.1,
        le=1,
        description="Usable depth of discharge of the battery.",
        source="Acharya & Dutta 2013 (DoD 0.8); LFP cells",
    )
    battery_round_trip_efficiency: float = param(
        0.9,
        unit="share",
        ge=0.5,
        le=1,
        description="Battery round-trip efficiency (charge x discharge).",
        source="NREL ATB 2023 utility-scale Li-ion 85%; small LFP telecom packs ~90-95% (dxsim reading)",
    )
    pv_cost_usd_per_kwp: float = param(
        1_200.0,
        unit="USD per kWp (" + USD + ")",
        ge=0,
        le=20_000,
        description="Installed PV: modules, mounts, MPPT controllers and transport to a roadless site.",
        source="IRENA Renewable Power Generation Costs 2022: utility-scale PV USD 876/kW; small remote systems "
        "taken at ~1,200 (dxsim assumption)",
    )
    battery_cost_usd_per_kwh: float = param(
        400.0,
        unit="USD per kWh nameplate (" + USD + ")",
        ge=0,
        le=5_000,
        description="Installed Li-ion (LFP) battery incl. BMS and enclosure.",
        source="NREL Cost Projections for Utility-Scale Battery Storage 2023 (NREL/TP-6A40-85332): USD 326/kWh mid "
        "projection for 2030, higher today; small telecom packs ~400 (dxsim assumption)",
    )
    battery_replacement_years: float = param(
        8.0,
        unit="years",
        ge=1,
        le=40,
        description="Battery life: the bank is bought again every this many years within the horizon.",
        source="LFP cycled daily in a hot shelter; NREL ATB assumes 15 years for utility-scale at lower cycling "
        "(dxsim assumption)",
    )
    om_pct_per_year: float = param(
        2.0,
        unit="% of PV + battery capex per year",
        ge=0,
        le=50,
        description="O&M of the PV and battery plant (cleaning, inspections, spares).",
        source=ASSUME + "; NREL ATB PV O&M ~1-2% of capex per year",
    )
    diesel_enabled: bool = param(
        True,
        unit="-",
        description="A diesel genset backs up the PV (hybrid); if false, PV and battery carry the site alone.",
        source="88% of off-grid and bad-grid towers in LMICs still ran on diesel in 2020 (GSMA, Renewable Energy "
        "for Mobile Towers); Quảng Trị powers 10 remote villages by generator (see grid.max_line_km)",
    )
    solar_fraction_pct: float = param(
        90.0,
        unit="% of annual energy",
        ge=0,
        le=100,
        description="With a genset: share of the site's annual energy the PV is sized to supply; the genset "
        "supplies the rest.",
        source="hybrid telecom sites are designed for high solar fractions (GSMA 2020); dxsim assumption",
    )
    genset_capex_vnd_bn: float = param(
        0.1,
        unit="VND bn per site",
        ge=0,
        le=10,
        description="Diesel genset (5-8 kVA), tank and transfer switch, installed.",
        source=ASSUME + " (~USD 4k)",
    )
    genset_om_vnd_bn_per_year: float = param(
        0.02,
        unit="VND bn per site per year",
        ge=0,
        le=10,
        description="Genset servicing (oil, filters, overhauls).",
        source=ASSUME,
    )
    diesel_l_per_kwh: float = param(
        0.35,
        unit="litres per kWh",
        ge=0.1,
        le=2,
        description="Genset specific fuel consumption at its typical load.",
        source="0.3-0.4 L/kWh at 50% load, 0.25-0.35 at 75% (waltpower.com diesel fuel consumption table)",
    )
    diesel_price_vnd_per_l: float = param(
        24_000.0,
        unit="VND per litre delivered",
        ge=0,
        le=200_000,
        description="Diesel delivered to the site.",
        source="pump price 19,030 VND/L (2 Oct 2025, vnexpress.net) + ~25% for hauling to roadless villages "
        "(dxsim assumption)",
    )
    team_days: float = param(
        5.0,
        unit="team-days per site",
        ge=0,
        le=365,
        description="Operator team-days to install the PV, battery and genset.",
        source=ASSUME,
    )
    kit_lead_p50_days: float = param(
        60.0,
        unit="days",
        ge=0,
        le=3650,
        description="Median lead time of the PV/battery kit.",
        source=ASSUME,
    )


# --------------------------------------------------------------------------- backhaul


class FibreCostPerKm(KeyedTable):
    """Fibre capex per route km (aerial ADSS on poles or buried), by terrain class."""

    flat: float = param(
        15_850.0,
        unit="USD per route km (" + USD + ")",
        ge=0,
        le=500_000,
        description="Flat terrain.",
        source="Analysys Mason 2011 (Capacity Media, 'Rural fibre costs 26% of urban fibre'): rural fibre in "
        "emerging markets USD 15,850/km",
    )
    hilly: float = param(
        20_000.0,
        unit="USD per route km (" + USD + ")",
        ge=0,
        le=500_000,
        description="Hilly terrain.",
        source="flat value + ~25% (dxsim assumption)",
    )
    mountainous: float = param(
        25_000.0,
        unit="USD per route km (" + USD + ")",
        ge=0,
        le=500_000,
        description="Mountainous terrain.",
        source="flat value + ~60% (dxsim assumption)",
    )


class HopKm(KeyedTable):
    """Longest microwave hop with line of sight, by terrain class."""

    flat: float = param(
        20.0,
        unit="km per hop",
        ge=0.5,
        le=100,
        description="Flat terrain.",
        source="6-13 GHz links reach tens of km (up to 100+) with a clear path (pingdo.net, Terrestrial Microwave "
        "Backhaul); dxsim assumption",
    )
    hilly: float = param(10.0, unit="km per hop", ge=0.5, le=100, description="Hilly terrain.", source=ASSUME)
    mountainous: float = param(
        6.0,
        unit="km per hop",
        ge=0.5,
        le=100,
        description="Mountainous terrain (ridges block the path; relays on ridges).",
        source=ASSUME,
    )


class Backhaul(StrictModel):
    """Backhaul from the village site to the nearest existing site (site_distance_km)."""

    fibre_cost_usd_per_km: FibreCostPerKm = Field(
        default_factory=FibreCostPerKm, description="Fibre capex per route km by terrain class."
    )
    fibre_max_km: float = param(
        20.0,
        unit="route km",
        ge=0,
        le=500,
        description="Longest fibre route built to one village; longer is infeasible.",
        source=ASSUME,
    )
    fibre_team_days_per_km: float = param(
        3.0,
        unit="team-days per route km",
        ge=0,
        le=365,
        description="Operator team-days per km of fibre (poles or trench, splicing).",
        source=ASSUME,
    )
    fibre_opex_vnd_bn_per_km_year: float = param(
        0.005,
        unit="VND bn per route km per year",
        ge=0,
        le=1,
        description="Fibre maintenance and cut repairs.",
        source=ASSUME,
    )
    fibre_capacity_mbps: float = param(
        1_000.0,
        unit="Mbps",
        ge=1,
        le=1_000_000,
        description="Capacity of the fibre link (one GbE port).",
        source=ASSUME,
    )
    fibre_kit_lead_p50_days: float = param(
        30.0, unit="days", ge=0, le=3650, description="Median lead time of cable and optics.", source=ASSUME
    )
    microwave_hop_km: HopKm = Field(
        default_factory=HopKm, description="Microwave hop length by terrain class."
    )
    microwave_link_usd_per_hop: float = param(
        40_000.0,
        unit="USD per hop (" + USD + ")",
        ge=0,
        le=1_000_000,
        description="Radio pair, antennas and installation of one point-to-point hop.",
        source="Analysys Mason 2011 (Capacity Media): a 150 Mbps PTP microwave backhaul link ~USD 40,000",
    )
    microwave_relay_vnd_bn: float = param(
        0.6,
        unit="VND bn per relay",
        ge=0,
        le=20,
        description="Each intermediate relay: a small mast and solar kit on a ridge.",
        source=ASSUME,
    )
    microwave_max_hops: int = param(
        4,
        unit="hops",
        ge=1,
        le=20,
        description="Most hops in one relay chain; needing more is infeasible (each relay is a point of failure).",
        source=ASSUME,
    )
    microwave_capacity_mbps: float = param(
        500.0,
        unit="Mbps",
        ge=1,
        le=100_000,
        description="Capacity of the relay chain (one 56 MHz channel at 6-13 GHz, high-order QAM).",
        source=ASSUME + "; long-haul bands carry narrow 28/56 MHz channels (pingdo.net)",
    )
    microwave_opex_vnd_bn_per_hop_year: float = param(
        0.03,
        unit="VND bn per hop per year",
        ge=0,
        le=5,
        description="Spectrum fee and maintenance per hop.",
        source=ASSUME,
    )
    microwave_team_days_per_hop: float = param(
        4.0,
        unit="team-days per hop",
        ge=0,
        le=365,
        description="Operator team-days per hop (incl. its relay).",
        source=ASSUME,
    )
    microwave_kit_lead_p50_days: float = param(
        60.0, unit="days", ge=0, le=3650, description="Median lead time of the radios.", source=ASSUME
    )
    leo_licensed: bool = param(
        True,
        unit="-",
        description="LEO satellite backhaul may be used (false: LEO options are infeasible).",
        source="Decision 659/QĐ-TTg (23/3/2025) under Resolution 193/2025/QH15: 5-year Starlink pilot incl. "
        "'private leased lines for mobile base stations', at most 600,000 subscribers, ending by 1/1/2031 "
        "(vneconomy.vn; en.sggp.org.vn)",
    )
    leo_licensed_until: dt.date | None = param(
        dt.date(2031, 1, 1),
        unit="ISO date (a far date such as 2100-01-01: no end)",
        description="The day LEO backhaul stops being licensed. A village on LEO then moves to its cheapest other "
        "feasible backhaul, and the LEO option's NPV counts that move (its capex then, and its opex after, instead "
        "of LEO's); a village with no other feasible backhaul keeps LEO as if the licence were extended. On or "
        "before the run's start, LEO is not an option.",
        source="Decision 659/QĐ-TTg (23/3/2025): the Starlink pilot ends by 1/1/2031 (vneconomy.vn; "
        "en.sggp.org.vn); what follows it is not decided",
    )
    leo_terminal_capex_usd: float = param(
        2_500.0,
        unit="USD per terminal (" + USD + ")",
        ge=0,
        le=100_000,
        description="Enterprise LEO terminal with mount, power supply and installation.",
        source="standard Starlink kit 349-599 USD (thanhnien.vn, baophutho.vn 2026-02); enterprise kit + install "
        "taken at ~2,500 (dxsim assumption)",
    )
    leo_opex_usd_per_terminal_month: float = param(
        250.0,
        unit="USD per terminal per month (" + USD + ")",
        ge=0,
        le=20_000,
        description="Service plan per terminal.",
        source="residential plans 80-110 USD/month (baophutho.vn 2026-02; CNBC 2022); business/backhaul plans "
        "taken at ~250 (dxsim assumption)",
    )
    leo_capacity_mbps_per_terminal: float = param(
        100.0,
        unit="Mbps down per terminal",
        ge=1,
        le=10_000,
        description="Busy-hour downlink throughput of one terminal.",
        source="Ookla: Starlink US median download 62-91 Mbps (2022); 150-190 Mbps in the 2023 Vietnam trial "
        "(e.vnexpress.net)",
    )
    leo_max_terminals: int = param(
        4,
        unit="terminals per site",
        ge=1,
        le=50,
        description="Most terminals bonded at one site.",
        source=ASSUME,
    )
    leo_team_days: float = param(
        1.0,
        unit="team-days per site",
        ge=0,
        le=365,
        description="Operator team-days to install the terminals.",
        source=ASSUME,
    )
    leo_kit_lead_p50_days: float = param(
        30.0, unit="days", ge=0, le=3650, description="Median lead time of the terminals.", source=ASSUME
    )


# --------------------------------------------------------------------------- demand and policy


class Demand(StrictModel):
    """Busy-hour demand of a village: the 'served' test of a backhaul."""

    busy_hour_users_pct_of_population: float = param(
        10.0,
        unit="% of population",
        ge=0.1,
        le=100,
        description="People using mobile data at the same time in the busy hour.",
        source="~90% of mobile subscribers use smartphones (seed 004:260: 89.6%); ~1 in 10 people active at once "
        "in the busy hour (dxsim assumption)",
    )
    required_mbps_per_user: float = param(
        2.0,
        unit="Mbps per busy-hour user",
        ge=0.01,
        le=1_000,
        description="Backhaul capacity each busy-hour user needs for the village to count as served. Fixed over the "
        "horizon: a village's demand does not follow `capacity.traffic_growth_pct_per_year` (the 1 km cells' "
        "does), so a link that carries it at the start carries it to the end.",
        source="dxsim assumption: enough for video calls and e-government services",
    )
    capacity_short_is_feasible: bool = param(
        False,
        unit="-",
        description="If false, a backhaul that cannot give every busy-hour user the required Mbps is infeasible; "
        "if true, it is feasible but reported as not served (served = false).",
        source="dxsim convention",
    )


class Policy(StrictModel):
    """How one option is chosen per village."""

    rule: Literal["least_cost", "fixed", "grid_first"] = param(
        "grid_first",
        unit="-",
        description="'least_cost': the feasible option with the least NPV; 'fixed': fixed_power + fixed_backhaul "
        "everywhere (infeasible villages are reported, not connected); 'grid_first': the grid where its line is "
        "feasible (cheapest backhaul), else the least-NPV off-grid option.",
        source="current policy: EVN to supply grid power and operators to build BTS for the 117 villages "
        "(2025-07 directive, villages/vn_deadzone_counts_timeline.csv); Quảng Trị 2025: lines where within reach, "
        "generators elsewhere",
    )
    fixed_power: PowerOption | None = param(
        None,
        unit="-",
        description="Power option used by rule = 'fixed' (grid_extension or offgrid_solar).",
        source="planner input",
    )
    fixed_backhaul: BackhaulOption | None = param(
        None,
        unit="-",
        description="Backhaul used by rule = 'fixed' (fibre, microwave or leo).",
        source="planner input",
    )
    horizon_years: int = param(
        10,
        unit="years",
        ge=1,
        le=40,
        description="Years of opex (and battery replacements) counted in the NPV; no residual value is credited.",
        source="typical life of site electronics; the LEO pilot runs to 2031 (Decision 659/QĐ-TTg)",
    )
    discount_rate_pct: float = param(
        9.0,
        unit="% per year (real)",
        ge=0,
        le=30,
        description="Discount rate of the NPV.",
        source="ADB Guidelines for the Economic Analysis of Projects (2017): 9% minimum EIRR (6% for "
        "poverty-targeting and social projects); development banks historically used 10-12% (Fed FEDS note 2014)",
    )

    @model_validator(mode="after")
    def _fixed_needs_both(self) -> Policy:
        if self.rule == "fixed" and (self.fixed_power is None or self.fixed_backhaul is None):
            missing = [n for n in ("fixed_power", "fixed_backhaul") if getattr(self, n) is None]
            raise ValueError(
                _(
                    "rule = 'fixed': needs both fixed_power and fixed_backhaul; missing {missing} (fixed_power: "
                    "{powers}; fixed_backhaul: {backhauls})"
                ).format(
                    missing=", ".join(missing),
                    powers=", ".join(POWER_OPTIONS),
                    backhauls=", ".join(BACKHAUL_OPTIONS),
                )
            )
        return self


class VillageOptions(StrictModel):
    """Connection options for villages without power and signal, their costs, and the choice policy."""

    usd_vnd: float = param(
        25_520.0,
        unit="VND per USD",
        ge=1_000,
        le=200_000,
        description="Exchange rate for the fields quoted in USD.",
        source="MIC 2024 report exchange rate, 25,520 VND/USD (seed 003:68)",
    )
    capex_overrun_factor: float = param(
        1.0,
        unit="x the estimated capex",
        ge=0.5,
        le=3.0,
        description="What a village's works actually cost, as a multiple of the estimate its option was chosen on "
        "(the choice, its reasons and the village table's estimate use the estimate; budgets, public money, the "
        "capex KPIs and the table's cost_vnd_bn pay the actual). 1: as estimated. Drawn per replication by its "
        "uncertainty range, so village costs carry a band.",
        source="1 = the estimate; its range (uncertainty.ranges) is a dxsim assumption after Sovacool, Gilbert & "
        "Nugent (2014, Energy Research & Social Science 3:152-160): of 401 electricity projects in 57 countries, "
        "costs were underestimated in three of four, with small and modular works the least at risk",
    )
    grid: GridExtension = Field(default_factory=GridExtension, description="22 kV grid extension.")
    site: MacroSite = Field(default_factory=MacroSite, description="The village macro site.")
    offgrid: OffGridPower = Field(
        default_factory=OffGridPower, description="Off-grid solar + battery (+ diesel)."
    )
    backhaul: Backhaul = Field(default_factory=Backhaul, description="Fibre, microwave and LEO backhaul.")
    demand: Demand = Field(default_factory=Demand, description="Busy-hour demand (the 'served' test).")
    policy: Policy = Field(default_factory=Policy, description="How an option is chosen per village.")

    @model_validator(mode="after")
    def _fixed_backhaul_allowed(self) -> VillageOptions:
        if (
            self.policy.rule == "fixed"
            and self.policy.fixed_backhaul == "leo"
            and not self.backhaul.leo_licensed
        ):
            raise ValueError(
                _(
                    "policy.fixed_backhaul = 'leo': LEO is not licensed (backhaul.leo_licensed = false); license "
                    "LEO or fix another backhaul"
                )
            )
        return self
