"""How operators decide: the business case of a site, support programmes, and hurrying for them.

Each operator orders 5G sites month by month from its own ranked plan (dxsim.geo.sites). It
paces itself on its announced plan (a soft target), orders only sites whose business case is
positive (support included), within its capex budget, and, when a support programme with a
station threshold and deadline is within reach and worth more than the cost of hurrying, it
surges toward the deadline (dxsim.sim.operators). No Vietnamese operator financials are public
(seed_facts.md open question 6), so the business-case figures are documented assumptions with
wide uncertainty ranges.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import model_validator

from dxsim.i18n import gettext as _
from dxsim.scenario.fields import StrictModel, param

FINANCIALS = "dxsim assumption (no operator financials in the seeds, seed_facts.md open question 6)"
USD_VND = "25,520 VND/USD (seed 003:68)"


class BusinessCase(StrictModel):
    """The value of a 5G site to the operator that builds it (the same rule for every operator)."""

    arpu_vnd_k_per_month: float = param(
        85.0,
        unit="thousand VND per subscriber per month",
        ge=0,
        le=2_000,
        description="Average revenue per mobile subscriber.",
        source=FINANCIALS + f"; ~USD 3.3 a month at {USD_VND}, the order of published Vietnamese mobile ARPU",
    )
    take_up_pct: float = param(
        25.0,
        unit="% of the operator's newly served subscribers",
        ge=0,
        le=100,
        description="Share of the operator's subscribers newly served by a site whose revenue the site wins or keeps "
        "(5G take-up among people with a 5G phone, plus churn avoided).",
        source=FINANCIALS
        + "; 89.4% of subscribers use smartphones (seed 003:36), a minority of them 5G-capable in 2025",
    )
    payback_years: float = param(
        5.0,
        unit="years",
        ge=0.5,
        le=20,
        description="Period over which a site must earn back its capex and opex (no discounting).",
        source=FINANCIALS + "; typical radio-access payback horizon",
    )
    opex_vnd_bn_per_site_year: float = param(
        0.12,
        unit="VND bn per site per year",
        ge=0,
        le=10,
        description="Extra running cost of a 5G site (power, rent, maintenance).",
        source=FINANCIALS
        + f"; ~USD 4,700 a year at {USD_VND} (Oughton et al. 2019, pysim5g, opex ~10% of capex a year)",
    )

    accepted_loss_vnd_bn_per_site: float = param(
        2.0,
        unit="VND bn per site",
        ge=0,
        le=50,
        description="Loss (capex + opex over the payback period, less revenue) an operator accepts on a site of its "
        "announced plan: state-owned operators build toward national coverage targets beyond what pays. Sites losing "
        "more are skipped; beyond its announced pace an operator orders only sites that pay.",
        source="dxsim assumption, revealed by history: the state-owned operators took 4G to 99.8% of the population "
        "(infra/vn_telecom_dc_stats.csv; seed 000:95 gives mobile 99.8% without its basis) though rural sites cannot "
        "pay at this ARPU; 2.0 bn covers the whole loss of an upgrade (1.3 bn capex + 0.6 bn opex) but not of a remote new site (3.3 + 0.6 bn)",
    )


RESOLUTION_193_NAME = (
    "resolution_193"  # the programme the `subsidy` section becomes (dxsim.sim.support.programmes)
)


class Support(StrictModel):
    """A support programme for 5G stations: per site, per equipment cost or per person covered.

    An operator receives it for its stations accepted within the window when it has at least
    `min_stations_per_operator` of them there (0 = no threshold); the fund caps the total. Support
    enters the business case of each site the operator can get on air within the window (for a
    threshold programme, once the operator expects to reach the threshold); a threshold within reach
    may trigger a surge (the fast path upgrades the operator's own 4G sites, so a programme for new
    sites only never triggers one).
    """

    name: str = param(
        "support",
        unit="-",
        description="Short name (metrics and reports).",
        source="planner input",
        pattern=r"^[a-z0-9_]{1,40}$",
    )
    per_site_vnd_bn: float = param(
        0.0,
        unit="VND bn per station",
        ge=0,
        le=50,
        description="Fixed support per eligible station.",
        source="planner input",
    )
    equipment_share_pct: float = param(
        0.0,
        unit="% of the station's equipment cost",
        ge=0,
        le=100,
        description="Support per eligible station as a share of its equipment cost.",
        source="planner input",
    )
    per_person_covered_vnd_k: float = param(
        0.0,
        unit="thousand VND per person newly covered",
        ge=0,
        le=10_000,
        description="Support per person a station newly covers (the operator's plan records it).",
        source="planner input",
    )
    site_kind: Literal["all", "new", "upgrade"] = param(
        "all",
        unit="-",
        description="Which stations are eligible: all, new sites only, or upgrades of 4G sites only.",
        source="planner input",
    )
    provinces: list[str] = param(
        [],
        unit="gso34 codes",
        description='Provinces whose stations the programme supports (2-digit gso34 codes, e.g. ["11"] for Điện '
        "Biên: a province's own money); empty: the whole country. The threshold and the fund count only the "
        "stations there, start stations included.",
        source="planner input",
    )
    min_stations_per_operator: int = param(
        0,
        unit="stations",
        ge=0,
        le=500_000,
        description="Threshold: an operator qualifies only with at least this many stations accepted in the window.",
        source="planner input",
    )
    window_start: dt.date = param(
        dt.date(2025, 1, 1),
        unit="ISO date",
        description="Stations accepted on or after this date count.",
        source="planner input",
    )
    window_end: dt.date = param(
        dt.date(2030, 12, 31),
        unit="ISO date",
        description="Stations accepted after this date do not count; support is paid after it.",
        source="planner input",
    )
    fund_vnd_bn: float = param(
        1_000_000.0,
        unit="VND bn",
        ge=0,
        le=1_000_000,
        description="Cap on the programme's total payments (shared pro rata when claims exceed it); operators "
        "weigh the share of their claims they expect it to pay when they decide.",
        source="planner input",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Support:
        if self.per_site_vnd_bn <= 0 and self.equipment_share_pct <= 0 and self.per_person_covered_vnd_k <= 0:
            # Why: such a programme paid nothing and compare blamed unmet thresholds and surges out of reach
            raise ValueError(
                _(
                    "the programme {name} pays nothing per station: per_site_vnd_bn, equipment_share_pct and "
                    "per_person_covered_vnd_k are all 0; set at least one above 0"
                ).format(name=repr(self.name))
            )
        if self.window_end < self.window_start:
            raise ValueError(
                _("window_end ({end}) must not be before window_start ({start})").format(
                    end=self.window_end, start=self.window_start
                )
            )
        # which codes exist is the geodata's to say (dxsim.geo.planner_files.check_support_provinces)
        twice = sorted({c for c in self.provinces if self.provinces.count(c) > 1})
        if twice:
            raise ValueError(_("provinces lists {code} twice").format(code=repr(twice[0])))
        return self


class Surge(StrictModel):
    """How an operator hurries toward a support deadline, and what hurrying costs."""

    enabled: bool = param(
        True,
        unit="-",
        description="Operators may surge for a threshold programme within reach.",
        source="Viettel and VNPT together planned >= 20,000 5G BTS in 2025 to receive Resolution 193 support "
        "(seed 004:269-281)",
    )
    stock_months_of_supply: float = param(
        2.0,
        unit="months of national kit deliveries",
        ge=0,
        le=24,
        description="Site kits the operators hold in stock, ordered ahead (a surge draws on them, first come first "
        "served, with no factory lead time).",
        source="dxsim assumption (no public figure): an operator preparing a surge stocks up over the preceding "
        "months; two months of deliveries ~ the 90-day p90 kit lead time (supply.lead_time)",
    )
    commitment_tender_days: float = param(
        90.0,
        unit="days",
        ge=0,
        le=365,
        description="An operator committed to a threshold programme (operators.<name>.committed_to) tenders for the "
        "kits its commitment still needs when the programme's window opens; they arrive this long after the opening "
        "plus one draw of the vendors' lead time (supply.lead_time), and are held for its surge, beside the shared "
        "stock (stock_months_of_supply). A run from a later start holds what the commitment still needs then: the "
        "threshold less the stations it counts.",
        source="the operators, via MoST's May 2025 5G briefing: equipment tendering takes about three months "
        "(60shomnay.vn 2025-05, 'quá trình đấu thầu thiết bị kéo dài khoảng 3 tháng'); checked against Viettel: its "
        "first kits for the 2025 plan were imported in August 2025 (thanhnien.vn 2025-09-19), and 19/2 + 90 days "
        "+ the 45-90-day lead time gives 20/7-18/8",
    )
    stock_dispatch_days: float = param(
        7.0,
        unit="days",
        ge=0,
        le=90,
        description="From a surge order to the kit on site when it comes from stock.",
        source="dxsim assumption (domestic logistics)",
    )
    contract_teams_pct: float = param(
        50.0,
        unit="% of the region's teams",
        ge=0,
        le=500,
        description="Contract crews an operator hires for a surge, added to each region's teams until the deadline.",
        source="dxsim assumption (installation subcontractors; no public figure)",
    )
    contract_mobilisation_days: float = param(
        14.0,
        unit="days",
        ge=0,
        le=180,
        description="Time to bring contract crews on site.",
        source="dxsim assumption",
    )
    premium_vnd_bn_per_site: float = param(
        0.15,
        unit="VND bn per surge station",
        ge=0,
        le=10,
        description="Extra cost of a surge station: contract-crew premium, express logistics and holding stock.",
        source="dxsim assumption (~USD 6,000, ~10% of an upgrade's capex, " + USD_VND + ")",
    )
    safety_margin_days: float = param(
        0.0,
        unit="days",
        ge=0,
        le=180,
        description="How long before its last chance an operator begins a surge, on top of planning on the 90th "
        "percentile of the fast path (permit, kit from stock, contract crews, work).",
        source="dxsim assumption: the p90 fast path is the operator's safety already",
    )
