"""Scenario section `capacity`: busy-hour demand and the rate that makes a covered person *served*.

Coverage says a signal reaches a person; a planner buys service. Each month the model holds the
busy-hour traffic of the people in every 1 km cell against the capacity of the sites covering it
(`dxsim.radio.capacity` per site, `dxsim.sim.capacity` per cell) and reports three states that add
up to 100: **served** (the cell's capacity gives an active user at the cell edge at least
`served_rate_mbps` at the busy hour), **covered but capacity-short**, and **uncovered**.

Demand per person (Mbps at the busy hour)::

    data_users_pct / 100 x traffic_gb_per_user_month(year) x 8,000 Mbit/GB / (30.44 x 24 x 3,600 s)
                         x busy_hour_to_average_ratio

with the monthly traffic growing from `traffic_base_year` at `traffic_growth_before_start_pct_per_year` up to the
year the run starts, then at `traffic_growth_pct_per_year` (the lever). The share of
users with a 5G device (`device_5g_share_pct(year)`) puts its traffic on 5G where their operator's 5G
covers them; everything else, and 5G traffic the 5G cells cannot carry at the served rate, falls
back to 4G.

TOML::

    [capacity]
    served_rate_mbps = 10
    traffic_gb_per_user_month = 20
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from pydantic import Field, field_validator, model_validator

from dxsim.i18n import gettext as _
from dxsim.radio.capacity import CARRIERS, DL_BAND_WIDTH_MHZ
from dxsim.scenario.fields import StrictModel, param

CarrierMhz = Annotated[float, Field(ge=1.4, le=400)]  # LTE's narrowest carrier .. NR FR1's widest
MimoLayers = Annotated[int, Field(ge=1, le=8)]  # TS 38.306: at most 8 DL layers to one UE
# the 5G bands with a link budget (dxsim.radio.radii.supported_bands("5g"), checked by a test), as TOML writes keys
Band5G = Literal["700", "2600", "3500"]

# the mean month of a 365.25-day year (the Gregorian 30.436875 days are 0.002% less)
SECONDS_PER_MONTH = 30.4375 * 24 * 3600
MBIT_PER_GB = 8_000.0

_ASSUME = "dxsim assumption: {why}"


class Capacity(StrictModel):
    """Busy-hour demand per person and the minimum rate that defines 'served' (see module docstring)."""

    enabled: bool = param(
        True,
        unit="-",
        description="Hold demand against capacity (false: no served / capacity-short metrics, as before issue 12).",
        source="dxsim convention",
    )
    served_rate_mbps: float = param(
        10.0,
        unit="Mbps per active user at the cell edge, busy hour",
        ge=0.1,
        le=1_000,
        description="A covered person is served when an active user at the cell edge (the 5th percentile of the "
        "cell's rates) still gets this download rate at the busy hour; below it the cell is capacity-short. It also "
        "steers the build: each year the operators bring forward the planned sites that stand in capacity-short "
        "cells, so a higher rate moves sites (and coverage dates), not only who counts as served.",
        source="UN Office of the Tech Envoy / ITU universal meaningful connectivity aspiration for 2030: broadband "
        "connections faster than 10 Mbit/s (blog.ciriontechnologies.com, 'What's needed to provide worldwide "
        "connectivity by 2030'); the 5G link budgets' DL edge target is also 10 Mbps (China Telecom 3D-UMa budget)",
    )
    data_users_pct_of_population: float = param(
        65.0,
        unit="% of population",
        ge=1,
        le=150,
        description="People who use mobile data on a smartphone (one primary device each).",
        source="85% of adults have a smartphone (seed M27, 002:112-116) x ~77% of Vietnamese aged 15+ (GSO age "
        "structure, approx.); 89.6% of subscriptions are smartphones (seed M26)",
    )
    traffic_gb_per_user_month: float = param(
        17.0,
        unit="GB per data user per month, in traffic_base_year",
        ge=0.1,
        le=1_000,
        description="Mobile data a smartphone user moves in a month in the base year.",
        source="Ericsson Mobility Report (June 2019, via ZDNet 2019-06-24): South East Asia and Oceania data per "
        "smartphone rising from 3.6 GB (2018) to 17 GB per month by 2024, a 2019 forecast (no measured Vietnamese "
        "figure is reported; the uncertainty draws -30%/+40% around it)",
    )
    traffic_base_year: int = param(
        2024,
        unit="year",
        ge=2015,
        le=2100,
        description="Year of traffic_gb_per_user_month.",
        source="as traffic_gb_per_user_month",
    )
    traffic_growth_pct_per_year: float = param(
        20.0,
        unit="% per year",
        ge=-50,
        le=200,
        description="Growth of the monthly traffic per user, compounded per calendar year, from the year after the "
        "run's start: the lever. The years up to the start grow at traffic_growth_before_start_pct_per_year, so a "
        "faster growth here leaves the start year's demand as it is.",
        source="Ericsson Mobility Report (June 2025): mobile network data traffic still growing ~20% a year; SEA&O "
        "2018-2024 forecast CAGR 29% (ZDNet 2019)",
    )
    traffic_growth_before_start_pct_per_year: float = param(
        20.0,
        unit="% per year",
        ge=-50,
        le=200,
        description="Growth of the monthly traffic per user from traffic_base_year to the calendar year the run "
        "starts in: history, the same for every option of a comparison (its uncertainty is the level's, "
        "traffic_gb_per_user_month). Why apart: with one rate, a faster growth raised the start year's demand too "
        "(2025: 23.8 GB a month at 40%/yr against 20.4 at 20%) and an option read as a change of today's traffic.",
        source="Ericsson Mobility Report (June 2025): mobile network data traffic still growing ~20% a year",
    )
    busy_hour_to_average_ratio: float = param(
        1.72,
        unit="times the average hour's traffic",
        ge=1,
        le=5,
        description="How much more traffic the busiest hour carries than the average hour of the day.",
        source="Cisco VNI Usage Study 2010 (blogs.cisco.com): peak-hour Internet traffic 72% above the average hour "
        "(ratio 1.59 -> 1.72)",
    )
    device_5g_share_pct: float = param(
        20.0,
        unit="% of data users, in device_base_year",
        ge=0,
        le=100,
        description="Share of data users with a 5G device (their traffic goes to 5G where their operator covers "
        "them).",
        source=_ASSUME.format(
            why="Ericsson Mobility Report (June 2025): 5G one third of subscriptions worldwide "
            "in 2025; Vietnam's 5G launched commercially in late 2024, so lower"
        ),
    )
    device_base_year: int = param(
        2025,
        unit="year",
        ge=2015,
        le=2100,
        description="Year of device_5g_share_pct.",
        source="as device_5g_share_pct",
    )
    device_5g_share_growth_pp_per_year: float = param(
        10.0,
        unit="percentage points per year",
        ge=0,
        le=50,
        description="Yearly rise of the 5G device share (capped at device_5g_share_max_pct).",
        source=_ASSUME.format(why="handset replacement every 3-4 years with most new handsets 5G-capable"),
    )
    device_5g_share_max_pct: float = param(
        90.0,
        unit="% of data users",
        ge=0,
        le=100,
        description="Ceiling of the 5G device share.",
        source=_ASSUME.format(why="a tail of older and feature-phone users"),
    )
    neighbour_load_pct: float = param(
        50.0,
        unit="% of neighbour resources transmitting at the busy hour",
        ge=0,
        le=100,
        description="Load of the neighbouring cells that sets the interference in the SINR across a cell "
        "(dxsim.radio.capacity).",
        source="ITU-R M.2412 full-buffer evaluations use 100% (the worst case); 50% is a loaded busy hour "
        "(dxsim assumption)",
    )

    nr_bandwidth_mhz: dict[Band5G, CarrierMhz] = param(
        {},
        unit="MHz",
        description="Per 5G band (the key, in MHz): the downlink carrier bandwidth where the planner's differs "
        "from dxsim.radio.capacity's (3500 and 2600: 100 MHz, one 2024 auction block; 700: 2x10 MHz FDD), e.g. "
        "700 = 20 in [capacity.nr_bandwidth_mhz] for 2x20 MHz. It sets the capacity and edge rate of that band's "
        "sites (the noise grows with it too), not their coverage radius: more spectrum as a lever. At most the "
        "band's downlink width (700: 45 MHz, 2600: 194 MHz; TS 38.101-1 Table 5.2-1).",
        source="the defaults' sources: dxsim.radio.capacity CARRIERS (n78/n41: the 2024 auction's blocks, seed "
        "003:38; n28: dxsim assumption, no 700 MHz assignment reported); a value here is the planner's",
    )
    nr_mimo_layers: dict[Band5G, MimoLayers] = param(
        {},
        unit="layers",
        description="Per 5G band (the key, in MHz): the spatial (MIMO) layers to a typical handset, where the "
        "planner's differ from dxsim.radio.capacity's (3500 and 2600: 4, a 64T64R array to a 4Rx handset, no "
        "MU-MIMO counted; 700: 2, 2T2R).",
        source="TS 38.306 UE capabilities; the defaults' sources in dxsim.radio.capacity CARRIERS",
    )

    @field_validator("nr_bandwidth_mhz", "nr_mimo_layers", mode="before")
    @classmethod
    def _band_keys(cls, v: Any) -> Any:
        """Keys as TOML writes them: the Python API's {700: 20} reads as TOML's 700 = 20."""
        return {str(k): x for k, x in v.items()} if isinstance(v, dict) else v

    def nr_carrier(self, band_mhz: int) -> tuple[float, int]:
        """(bandwidth MHz, MIMO layers) of a 5G band's carrier: the scenario's, else dxsim.radio.capacity's."""
        default = CARRIERS[f"5g/{int(band_mhz)}"]
        band = cast(Band5G, str(int(band_mhz)))  # a band without an entry gets the default
        return (
            float(self.nr_bandwidth_mhz.get(band, default.bandwidth_mhz)),
            int(self.nr_mimo_layers.get(band, default.layers)),
        )

    @model_validator(mode="after")
    def _carrier_inside_its_band(self) -> Capacity:
        """A carrier no wider than its 3GPP band (the field's own range, 1.4-400 MHz, let n28 take 400 MHz)."""
        for band, mhz in self.nr_bandwidth_mhz.items():
            width = DL_BAND_WIDTH_MHZ[int(band)]
            if mhz > width:
                raise ValueError(
                    _(
                        "nr_bandwidth_mhz.{band} = {mhz}: wider than the band's downlink, {width} MHz (TS 38.101-1 "
                        "Table 5.2-1); allowed: 1.4 to {width} MHz"
                    ).format(band=band, mhz=f"{mhz:g}", width=f"{width:g}")
                )
        return self

    @model_validator(mode="after")
    def _share_below_ceiling(self) -> Capacity:
        if self.device_5g_share_pct > self.device_5g_share_max_pct:
            raise ValueError(
                _(
                    "device_5g_share_pct must not exceed device_5g_share_max_pct = {ceiling}; raise the ceiling or "
                    "lower the share"
                ).format(ceiling=f"{self.device_5g_share_max_pct:g}")
            )
        return self

    # ------------------------------------------------------------------ derived per year
    def device_5g_share(self, year: int) -> float:
        """Share (0..1) of data users with a 5G device in a calendar year."""
        pct = self.device_5g_share_pct + self.device_5g_share_growth_pp_per_year * (
            year - self.device_base_year
        )
        return min(max(pct, 0.0), self.device_5g_share_max_pct) / 100.0

    def traffic_gb_month(self, year: int, start_year: int) -> float:
        """Monthly traffic per data user (GB) in a calendar year of a run that starts in `start_year`: from the base
        year at the growth before the start up to the start year, then at the scenario's growth."""
        before = 1.0 + self.traffic_growth_before_start_pct_per_year / 100.0
        after = 1.0 + self.traffic_growth_pct_per_year / 100.0
        return (
            self.traffic_gb_per_user_month
            * before ** (min(year, start_year) - self.traffic_base_year)
            * after ** max(year - start_year, 0)
        )

    def busy_hour_mbps_per_person(self, year: int, start_year: int) -> float:
        """Busy-hour demand (Mbps) per person of the population (data users and non-users together)."""
        avg = self.traffic_gb_month(year, start_year) * MBIT_PER_GB / SECONDS_PER_MONTH
        return self.data_users_pct_of_population / 100.0 * avg * self.busy_hour_to_average_ratio
