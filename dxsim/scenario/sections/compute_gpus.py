"""Scenario sections `compute.gpus` and `compute.demand`: GPU procurement and AI demand (issue 4).

`compute.gpus` lists GPU purchase orders beyond the start fleet (`geodata/gpu_fleet_2025.csv`):
each order is delivered after a log-normal lead time (per model, `geodata/gpu_catalogue.csv`),
stretched by a supply shock when its order date falls in the shock window, and is then placed
into data centres with free IT power (or stranded until power is commissioned).

`compute.demand` describes AI work queued on the powered GPUs: three job classes arriving as a
Poisson stream whose rate grows every year; jobs are served first come, first served.

Seed facts (../shared/seed_facts.md, 2g): fewer than 2,000 high-performance GPUs nationally
(000:81); Viettel deploying ~6,000 high-performance GPUs in 11 AI data centres with NVIDIA
(000:75; planned / in progress, caveat 3); at least a 15x expansion called for (000:101).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from dxsim.i18n import gettext as _
from dxsim.gpu_catalogue import catalogue_models, province_codes
from dxsim.scenario.constants import item_field
from dxsim.scenario.fields import DelayDays, StrictModel, param

_ASSUME = "dxsim assumption (no public Vietnamese figure)"
_DEMAND_ASSUME = (
    "dxsim assumption, sized so that the start pool (~1,800 powered GPUs) is busy but not saturated: "
    "offered load ~1,100 GPUs (~60%) at the start (see dxsim/sim/compute/demand.py)"
)
ORDER_DATE_MIN = dt.date(2020, 1, 1)
ORDER_DATE_MAX = dt.date(2100, 12, 31)
_VIETTEL_SRC = (
    "MoST report 000:75 (seed G5): Viettel deploying 11 AI data centres with ~6,000 high-performance GPUs "
    "with NVIDIA (planned / in progress: not in the <2,000 of 000:81)"
)


LogNormalDays = DelayDays  # the shared delay model (fields.py)


class GpuOrder(StrictModel):
    """A purchase order of GPUs of one model by one organisation."""

    organisation: str = Field(description="Buyer (for reporting).", min_length=1, max_length=200)
    model: str = Field(
        description="GPU model: a `model` of geodata/gpu_catalogue.csv.", min_length=1, max_length=40
    )
    gpus: int = Field(
        description="GPUs ordered (> 0).",
        ge=1,
        le=1_000_000,
        json_schema_extra={"x-unit": "GPUs", "x-source": "planner input"},
    )
    order_date: dt.date = Field(description="Date the order is placed; the lead time runs from it.")
    dc_hint: str | None = Field(
        None,
        description="Where they should go: a data-centre id or a gso34 province code "
        "(e.g. '01' Ha Noi, '79' Ho Chi Minh City); other data centres take what does not fit, until the hint has "
        "room: they then move there, before later deliveries are placed.",
        max_length=100,
    )
    public_share_pct: float = param(
        0.0,
        unit="% of the order's capex",
        ge=0,
        le=100,
        description="Share of the order's capex the state pays (a national programme's GPUs, a PPP): public money, "
        "in public_cost_total_vnd_bn beside the state's data centres, paid as the capex is, on delivery. 0: the "
        "organisation pays it all.",
        source="planner input (0: a company's own purchase)",
    )
    source: str = Field("", description="Where the order comes from.", max_length=2000)

    @field_validator("model")
    @classmethod
    def _known_model(cls, v: str) -> str:
        """The catalogue's name of the model, written in any case or with a hyphen or spaces ("b200", "B-200": the
        catalogue's B200); an unknown one is refused with the nearest name when one is close ("H20O": H200)."""
        models = catalogue_models()
        if v in models:
            return v
        canonical = {re.sub(r"[\s-]", "", m).upper(): m for m in models}
        hit = canonical.get(re.sub(r"[\s-]", "", str(v)).upper())
        if hit is not None:
            return hit
        near = difflib.get_close_matches(str(v).upper(), list(models), n=1, cutoff=0.6)
        raise ValueError(
            _("unknown GPU model {model}; allowed: {models}").format(model=repr(v), models=", ".join(models))
            + ("; " + _("did you mean {name}?").format(name=repr(near[0])) if near else "")
        )

    @field_validator("order_date")
    @classmethod
    def _date_range(cls, v: dt.date) -> dt.date:
        if not ORDER_DATE_MIN <= v <= ORDER_DATE_MAX:
            raise ValueError(
                _("order_date {date} out of range {low}..{high}").format(
                    date=v, low=ORDER_DATE_MIN, high=ORDER_DATE_MAX
                )
            )
        return v

    @field_validator("dc_hint")
    @classmethod
    def _hint(cls, v: str | None) -> str | None:
        if v is None or v.strip() == "":
            return None
        v = v.strip()
        if v.isdigit():
            codes = province_codes()
            if v not in codes:
                raise ValueError(
                    _("dc_hint {code} is not a gso34 province code; allowed: {codes}").format(
                        code=repr(v), codes=", ".join(codes)
                    )
                )
        return v


def _default_orders() -> list[GpuOrder]:
    # Viettel's ~6,000 (000:75) in three tranches; tranche sizes, dates and the model (B200) are
    # dxsim assumptions: (1) the first NVIDIA DGX B200 system, in service at Viettel Hoa Lac on
    # 2026-02-06 (thanhnien.vn, dantri.com.vn): 1.5 EFLOPS FP8 / 72 PFLOPS FP8 per DGX B200 ~ 21
    # systems = 168 GPUs; (2) the Tan Phu Trung hyperscale DC, Ho Chi Minh City (140 MW design,
    # phase 1 Q1 2026; vietnamnews.vn 2025-04-23); (3) the An Khanh DC, Ha Noi (phase 1 Q2 2026;
    # vir.com.vn 2025-08-20).
    return [
        GpuOrder(
            organisation="Viettel",
            model="B200",
            gpus=168,
            order_date=dt.date(2025, 11, 1),
            dc_hint="01",
            source="000:75; first DGX B200 system in service at Viettel Hoa Lac 2026-02-06 (thanhnien.vn)",
        ),
        GpuOrder(
            organisation="Viettel",
            model="B200",
            gpus=2832,
            order_date=dt.date(2026, 3, 1),
            dc_hint="79",
            source="000:75; for Tan Phu Trung DC, HCMC (phase 1 Q1 2026, vietnamnews.vn); tranche assumed",
        ),
        GpuOrder(
            organisation="Viettel",
            model="B200",
            gpus=3000,
            order_date=dt.date(2026, 9, 1),
            dc_hint="01",
            source="000:75; for An Khanh DC, Ha Noi (phase 1 Q2 2026, vir.com.vn); tranche assumed",
        ),
    ]


class SupplyShock(StrictModel):
    """A procurement shock (export licensing, vendor allocation) applied to orders placed in a window."""

    window_start: dt.date = param(
        dt.date(2026, 1, 1),
        unit="ISO date",
        description="First order date affected by the shock.",
        source="dxsim convention (the baseline shock has no effect: multiplier 1, no licence delay)",
    )
    window_end: dt.date = param(
        dt.date(2026, 12, 31),
        unit="ISO date",
        description="Last order date affected by the shock (>= window_start).",
        source="dxsim convention",
    )
    lead_time_multiplier: float = param(
        1.0,
        unit="x catalogue lead time",
        ge=0.1,
        le=20.0,
        description="Lead times of orders placed in the window are multiplied by this.",
        source="baseline: no shock. For a stress test: H100 server lead times were 36-52 weeks in late 2023 "
        "vs 8-12 weeks in 2024 (Omdia via tomshardware.com; TSMC via learnallfix.com), i.e. up to ~4x",
    )
    export_licence_delay: LogNormalDays = Field(
        default_factory=lambda: LogNormalDays(p50_days=0.0, p90_days=0.0),
        description="Extra delay (US export licence) added to orders placed in the window.",
        json_schema_extra={
            "x-unit": "days",
            "x-source": "baseline: none (licences granted, e.g. FPT's 127 HGX H100 in Dec 2024, Business Times). "
            "The Jan-2025 AI diffusion rule put Vietnam in tier 2 (country caps, licences above ~1,700 GPUs); "
            "it was rescinded on 2025-05-13 before taking effect (steptoe.com; 6699global.com)",
        },
    )

    import_cap_gpus_per_year: int | None = param(
        None,
        unit="high-performance GPUs per calendar year",
        ge=0,
        le=10_000_000,
        description="At most this many high-performance GPUs delivered in each calendar year from window_start's "
        "year to window_end's (by delivery date, every order, in the window or not): an order beyond the year's "
        "allowance is delivered in part, the rest when the next year's opens, first come first served. Not set: no "
        "cap.",
        source="baseline: none. For a stress test: the Jan-2025 AI diffusion rule capped tier-2 countries, Vietnam "
        "among them, at ~50,000 advanced GPUs over 2025-2027 (~17,000 a year); rescinded 2025-05-13 before taking "
        "effect (steptoe.com)",
    )

    @model_validator(mode="after")
    def _window(self) -> SupplyShock:
        if self.window_end < self.window_start:
            raise ValueError(
                _("window_end ({end}) must be on or after window_start ({start})").format(
                    end=self.window_end, start=self.window_start
                )
            )
        return self

    def applies(self, order_date: dt.date) -> bool:
        return self.window_start <= order_date <= self.window_end

    def capped(self, year: int) -> bool:
        """Whether deliveries in calendar `year` fall under the import cap."""
        return (
            self.import_cap_gpus_per_year is not None
            and self.window_start.year <= year <= self.window_end.year
        )


class Gpus(StrictModel):
    """GPU purchases beyond the start fleet, supply shocks and GPU life."""

    orders: list[GpuOrder] = Field(
        default_factory=_default_orders,
        description="Purchase orders (organisation, model, gpus, order_date, dc_hint, source).",
        json_schema_extra={
            "x-unit": "GPUs per order",
            "x-source": _VIETTEL_SRC + "; three tranches of B200 (first "
            "DGX B200 in service at Viettel Hoa Lac 2026-02-06, thanhnien.vn; then the Tan Phu Trung "
            "HCMC and An Khanh Ha Noi DCs): sizes, dates and model are dxsim assumptions",
        },
    )
    extra_orders: list[GpuOrder] = Field(
        default_factory=list,
        description="Orders added by an option on top of `orders` (an option file lists only what it adds; "
        "lists replace on extends, so restating `orders` is not needed).",
        json_schema_extra={"x-unit": "GPUs per order", "x-source": "planner input"},
    )

    @property
    def all_orders(self) -> list[GpuOrder]:
        """`orders` then `extra_orders`, in that order (`order_field` names an item of it as the file does)."""
        return [*self.orders, *self.extra_orders]

    def order_field(self, i: int) -> str:
        """Where item i of `all_orders` is written, relative to compute.gpus ("orders[3]", "extra_orders[1]"; counted
        from 1 in its own list, as every message counts list items: messages.item_field).

        Why: messages said "orders[3]" for the first of an option's `extra_orders`, a list index into
        `all_orders` that is in no file."""
        n = len(self.orders)
        return item_field("orders", i) if i < n else item_field("extra_orders", i - n)

    supply_shock: SupplyShock = Field(default_factory=SupplyShock, description="Procurement shock window.")
    life_years: float = param(
        5.0,
        unit="years",
        ge=1.0,
        le=15.0,
        description="GPUs are retired this long after delivery (start fleet: after its as_of date) and their IT "
        "power is freed; stranded GPUs reaching that age are written off.",
        source="typical 4-6 year depreciation of data-centre GPU servers (dxsim assumption)",
    )
    system_capex_factor: float = param(
        1.65,
        unit="x GPU unit price",
        ge=1.0,
        le=4.0,
        description="Capex of a GPU as deployed, as a multiple of its unit price in geodata/gpu_catalogue.csv: the "
        "server around it (CPUs, memory, network cards, local storage, chassis) and its share of the cluster fabric "
        "(switches, cables, optics). The data-centre building and power are data-centre capex "
        "(compute.datacentres.capex_usd_m_per_mw), not this.",
        source="H100 clusters: USD 47k-52k of capex per H100 with its node and InfiniBand fabric (node USD 310k "
        "per 8 GPUs from a Thinkmate quote, 64-port 400 Gb/s switch USD 36k; substack.tech-talk-cto.com 'H100 "
        "Freakonomics', prices of Aug 2024) against the catalogue's USD 30k per H100: 1.57-1.72, midpoint taken. "
        "Without the fabric, SemiAnalysis's DGX H100 sale price of ~USD 270k per 8 GPUs (via Epoch AI, "
        "github.com/epoch-research/training-cost-trends) is 1.13x",
    )
    retrofit_usd_m_per_mw: float = param(
        2.0,
        unit="USD million per MW of IT load",
        ge=0.0,
        le=20.0,
        description="Capex of retrofitting a data-centre hall for GPU servers denser than its racks are built for "
        "(rear-door heat exchangers or direct liquid cooling: pipework, coolant distribution units, containment), "
        "per MW of the IT load of the GPUs placed there over the hall's rack density (gpus_over_rack_density); "
        "booked as data-centre capex when they are placed (the start fleet's halls are as they are). 0 = free, as "
        "the model had it. The retrofit's time is not modelled.",
        source="STL Partners, 'The retrofitting roadmap: an evolution of liquid cooling' (press release 2026-05-28, "
        "stlpartners.com/press/liquid-cooling-retrofits-can-cost-roughly-80-less): around USD 2 million per MW for "
        "a liquid-cooling retrofit, against over USD 11 million per MW for new liquid-cooled capacity",
    )
    usd_vnd: float = param(
        25_520.0,
        unit="VND per USD",
        ge=1_000.0,
        le=100_000.0,
        description="Exchange rate converting GPU prices (USD) to VND.",
        source="MIC report 003:68: 'ty gia 25.520 dong/USD' (geodata/national_facts.csv usd_vnd_2024)",
    )

    def validate_horizon(self, start: dt.date, end: dt.date) -> list[tuple[str, dt.date, str]]:
        """Problems with order dates against the horizon: (field path, value, message) triples (empty = fine).

        An order after the horizon end simply never delivers within the run (so a shortened
        horizon keeps the default orders valid); one more than 3 years before the start belongs in
        the start fleet.
        """
        out = []
        earliest = start - dt.timedelta(days=3 * 365)
        del end
        for i, o in enumerate(self.all_orders):
            if o.order_date < earliest:
                out.append(
                    (
                        f"{self.order_field(i)}.order_date",
                        o.order_date,
                        _(
                            "is more than 3 years before the start ({start}): put it in the start fleet"
                        ).format(start=start),
                    )
                )
        return out


# ---------------------------------------------------------------------------- AI demand


class JobClass(StrictModel):
    """One class of AI jobs: size, arrival rate at the start date, and duration."""

    gpus_per_job: int = param(
        8,
        unit="GPUs per job",
        ge=1,
        le=100_000,
        description="GPUs a job holds while it runs (one job may stand for a batch of small jobs).",
        source=_DEMAND_ASSUME,
    )
    arrivals_per_day_at_start: float = param(
        1.0,
        unit="jobs per day",
        ge=0.0,
        le=500.0,
        description="Poisson arrival rate on the start date (it then grows by growth_pct_per_year).",
        source=_DEMAND_ASSUME,
    )
    duration: LogNormalDays = Field(
        default_factory=lambda: LogNormalDays(p50_days=1.0, p90_days=3.0),
        description="Run time once started (log-normal).",
        json_schema_extra={"x-unit": "days", "x-source": _DEMAND_ASSUME},
    )
    exponential_mean_days: float | None = param(
        None,
        unit="days",
        ge=0.001,
        le=3650.0,
        description="If set, run times are exponential with this mean instead of the log-normal `duration` "
        "(for queueing checks, e.g. against Erlang C).",
        source="dxsim convention (unset: log-normal durations)",
    )

    def mean_duration_days(self) -> float:
        if self.exponential_mean_days is not None:
            return self.exponential_mean_days
        return self.duration.mean_days

    def offered_gpus(self) -> float:
        """Mean GPUs busy with this class at the start rate (Little's law, no queueing)."""
        return self.arrivals_per_day_at_start * self.gpus_per_job * self.mean_duration_days()


class JobClasses(StrictModel):
    """The three job classes (fixed)."""

    inference: JobClass = Field(
        default_factory=lambda: JobClass(
            gpus_per_job=16,
            arrivals_per_day_at_start=0.5,
            duration=LogNormalDays(p50_days=30.0, p90_days=90.0),
        ),
        description="Inference deployments: a model served on two 8-GPU servers for weeks to months.",
    )
    finetune: JobClass = Field(
        default_factory=lambda: JobClass(
            gpus_per_job=64, arrivals_per_day_at_start=1.5, duration=LogNormalDays(p50_days=1.5, p90_days=5.0)
        ),
        description="Fine-tuning runs, in batches of ~8 single-server (8-GPU) jobs, lasting a day or a few.",
    )
    training: JobClass = Field(
        default_factory=lambda: JobClass(
            gpus_per_job=128,
            arrivals_per_day_at_start=0.2,
            duration=LogNormalDays(p50_days=14.0, p90_days=45.0),
        ),
        description="Pre-training / large training runs on 16 servers for weeks.",
    )

    def items(self) -> list[tuple[str, JobClass]]:
        return [("inference", self.inference), ("finetune", self.finetune), ("training", self.training)]


class AiDemand(StrictModel):
    """AI jobs queued on the powered GPU pool."""

    enabled: bool = param(
        True,
        unit="-",
        description="Simulate AI jobs on the GPU pool (false: GPUs are installed but no demand).",
        source="dxsim convention",
    )
    classes: JobClasses = Field(default_factory=JobClasses, description="Job classes.")
    warm_start: bool = param(
        True,
        unit="-",
        description="Start with the jobs that would be running on the start date in steady state (Poisson number "
        "per class, residual run times), so the pool is busy from day 0; false: the pool starts idle.",
        source="dxsim convention",
    )
    growth_pct_per_year: float = param(
        40.0,
        unit="% per year",
        ge=-50.0,
        le=500.0,
        description="Growth of every class's arrival rate (compounded; monthly piecewise-constant rates).",
        source="dxsim assumption: the seed calls for at least a 15x GPU expansion (000:101) with no date; "
        "40%/yr gives ~5x in 5 years (~15x in 8)",
    )
    queue_discipline: Literal["fifo"] = param(
        "fifo",
        unit="-",
        description="Order in which waiting jobs get GPUs: first come, first served (a large job at the head "
        "waits for enough GPUs and holds back smaller jobs behind it; no backfilling).",
        source="dxsim convention (SimPy Container get queue)",
    )

    def offered_gpus_at_start(self) -> float:
        return sum(c.offered_gpus() for _name, c in self.classes.items())
