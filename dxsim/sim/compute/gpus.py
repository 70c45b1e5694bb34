"""GPU fleet: start fleet, procurement orders, placement into data-centre power, stranding, retirement.

One :class:`GpuModel` per replication. At time 0 it places the start fleet
(`geodata/gpu_fleet_2025.csv`) into the shared :class:`DCFleet`; each purchase order of the
scenario (`compute.gpus.orders`) is a SimPy process: a log-normal lead time (catalogue p50/p90
of the model; x the supply-shock multiplier and + an export-licence delay when the order date
falls in the shock window) -> delivery (paid: capex) -> placement where IT power is free. GPUs
that do not fit are *stranded*: bought and delivered but not running. A monthly retry places
stranded GPUs (first delivered, first placed) as the data-centre model commissions capacity
or retirements free power. GPUs retire `life_years` after delivery (start fleet: after its
`as_of` date) and free their power; stranded GPUs that reach that age without power are
written off.

Placement: a hint (an order's or a fleet row's `dc_hint`: a data-centre id, or a gso34 province
code) is tried first, largest free capacity first; the rest goes anywhere (DCFleet.place_gpus).
Powered GPUs join the AI pool (:class:`dxsim.sim.compute.demand.GpuPool`), retired ones leave
it (idle first).

Construct it after the data-centre model (so capacity in service at the start exists), and
after the pool; the start fleet is placed by a process at time 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from dxsim.delay import shifted_lognormal_days, sigma_from_p90
from dxsim.errors import DxsimInputError
from dxsim.geo.planner_files import unknown_dc_hint
from dxsim.gpu_catalogue import FleetEntry, GpuCatalogue
from dxsim.rng import stream
from dxsim.scenario.sections.compute_gpus import GpuOrder, Gpus
from dxsim.sim.calendar import Clock
from dxsim.sim.compute.capacity import GPUS_PER_SERVER, DCFleet
from dxsim.sim.compute.demand import GpuPool

DAYS_PER_YEAR = 365.25


@dataclass
class _Lot:
    """GPUs of one model placed together; they retire together."""

    organisation: str
    model: str
    per_dc: np.ndarray
    in_service_day: float
    retire_day: float
    retired: bool = False
    hint: str = (
        ""  # where they should go (an order's dc_hint): placed elsewhere, they move there when it has room
    )

    @property
    def n(self) -> int:
        return int(round(self.per_dc.sum()))


@dataclass
class _Stranded:
    """Delivered GPUs waiting for power."""

    organisation: str
    model: str
    n: int
    hint: str
    delivered_day: float
    writeoff_day: float


@dataclass
class OrderDraw:
    """The drawn timing of one order (days from the start)."""

    order_day: float
    lead_days: float
    export_delay_days: float
    shocked: bool
    delivery_day: float = field(init=False)

    def __post_init__(self) -> None:
        self.delivery_day = self.order_day + self.lead_days + self.export_delay_days


def _section(scenario: object) -> Gpus:
    if isinstance(scenario, Gpus):
        return scenario
    compute = getattr(scenario, "compute", None)
    gpus = getattr(compute, "gpus", None) if compute is not None else None
    if isinstance(gpus, Gpus):
        return gpus
    raise TypeError("GpuModel needs a Scenario with compute.gpus or a Gpus section")


class GpuModel:
    """GPUs of one replication: installed, stranded, ordered; placed into a DCFleet."""

    FIELD = "compute.gpus"

    def __init__(
        self,
        env: simpy.Environment,
        scenario: object,
        catalogue: GpuCatalogue,
        start_fleet: Sequence[FleetEntry],
        fleet: DCFleet,
        clock: Clock,
        seed: int,
        replication: int,
        *,
        pool: GpuPool | None = None,
        province_codes: Sequence[str] | None = None,
    ) -> None:
        self.env, self.cat, self.fleet, self.clock = env, catalogue, fleet, clock
        self.cfg = _section(scenario)
        self.start_fleet = list(start_fleet)
        self.pool = pool
        self.province_codes = list(province_codes) if province_codes is not None else None
        self.life_days = self.cfg.life_years * DAYS_PER_YEAR
        self._check_inputs()

        self.installed_by_model: dict[str, int] = dict.fromkeys(self.cat.models, 0)
        self.stranded_by_model: dict[str, int] = dict.fromkeys(self.cat.models, 0)
        self.delivered_by_model: dict[str, int] = dict.fromkeys(self.cat.models, 0)
        self.retired_by_model: dict[str, int] = dict.fromkeys(self.cat.models, 0)
        self.written_off_by_model: dict[str, int] = dict.fromkeys(self.cat.models, 0)
        self.capex_vnd_bn_cum = 0.0
        self.public_capex_vnd_bn_cum = 0.0  # of it, the state's (each order's public_share_pct)
        # halls retrofitted for servers denser than their racks (data-centre capex, not the GPUs': _retrofit)
        self.retrofit_capex_vnd_bn_cum = 0.0
        self.delivered_of_order = [0] * len(self.cfg.all_orders)
        self._cap_left: dict[int, int] = {}  # year -> high-performance GPUs the import cap still lets through
        self.held_by_cap = 0  # GPUs delivered late by the import cap, waiting for the next year's allowance
        self.events: list[
            tuple[float, str, str, str, int, str]
        ] = []  # (day, kind, organisation, model, gpus, detail)
        self.lots: list[_Lot] = []
        self.stranded: list[_Stranded] = []
        self.order_draws = self._draw_orders(seed, replication)
        if pool is not None:
            pool.max_gpus_ever = sum(e.gpus for e in self.start_fleet) + sum(
                o.gpus for o in self.cfg.all_orders
            )

        env.process(self._start())
        for i, o in enumerate(self.cfg.all_orders):
            env.process(self._order(i, o, self.order_draws[i]))
        env.process(self._monthly_retry())

    # ------------------------------------------------------------------ inputs
    def _check_inputs(self) -> None:
        for i, o in enumerate(self.cfg.all_orders):
            where = f"{self.FIELD}.{self.cfg.order_field(i)}"
            self.cat.spec(o.model, field=f"{where}.model", file=self.cat.file)
            if o.gpus <= 0:
                raise DxsimInputError("must be > 0", field=f"{where}.gpus", value=o.gpus)
            self._hint_mask(o.dc_hint or "", f"{where}.dc_hint")
        for path, value, msg in self.cfg.validate_horizon(self.clock.start, self.clock.end):
            raise DxsimInputError(msg, field=f"{self.FIELD}.{path}", value=value.isoformat())
        for j, e in enumerate(self.start_fleet):
            self.cat.spec(e.model, field=f"start fleet row {j + 1}, column model")
            if e.gpus <= 0:
                raise DxsimInputError(
                    "must be > 0", field=f"start fleet row {j + 1}, column gpus", value=e.gpus
                )
            self._hint_mask(e.dc_hint, f"start fleet row {j + 1}, column dc_hint")

    def _hint_mask(self, hint: str, where: str = "dc_hint") -> np.ndarray | None:
        """Data centres matching a hint (dc id, else province code); None for no hint."""
        if not hint:
            return None
        ids = np.asarray(self.fleet.dc_id).astype(str)
        mask: np.ndarray = ids == hint
        if mask.any():
            return mask
        if self.province_codes is not None:
            if hint in self.province_codes:
                code_of_dc = np.asarray(self.province_codes, dtype=object)[
                    np.asarray(self.fleet.province_idx, dtype=int)
                ]
                in_province: np.ndarray = code_of_dc == hint
                return in_province
            raise unknown_dc_hint(hint, where, [str(d) for d in ids], self.province_codes)
        return np.zeros(self.fleet.n, dtype=bool)  # no province table given: the hint cannot be resolved

    def _draw_orders(self, seed: int, replication: int) -> list[OrderDraw]:
        n = len(self.cfg.all_orders)
        z_lead = stream(seed, replication, "compute.gpus.lead_time").standard_normal(n)
        z_lic = stream(seed, replication, "compute.gpus.export_licence").standard_normal(n)
        shock = self.cfg.supply_shock
        lic = shock.export_licence_delay
        out = []
        for i, o in enumerate(self.cfg.all_orders):
            spec = self.cat[o.model]
            floor = spec.lead_time_min_days
            lead = shifted_lognormal_days(
                spec.lead_time_p50_days,
                sigma_from_p90(spec.lead_time_p50_days, spec.lead_time_p90_days, floor),
                float(z_lead[i]),
                floor,
            )
            shocked = shock.applies(o.order_date)
            delay = 0.0
            if shocked:
                lead *= shock.lead_time_multiplier
                delay = lic.draw(float(z_lic[i]))
            out.append(OrderDraw(self.clock.day(o.order_date), lead, delay, shocked))
        return out

    # ------------------------------------------------------------------ money
    def unit_capex_vnd_bn(self, model: str) -> float:
        """One GPU's capex, paid on delivery: the GPU as deployed, its server and share of the cluster fabric
        (`system_capex_factor`), not the card alone."""
        return self.cat[model].unit_price_usd * self.cfg.system_capex_factor * self.cfg.usd_vnd / 1e9

    def on_order_vnd_bn(self, day: float) -> float:
        """Capex of the GPUs ordered by `day` and not delivered yet (committed, paid on delivery); read at the
        current time (`day` = now: the deliveries so far are those up to `day`).

        Why: capex is booked on delivery, so an import shock that pushes deliveries past the horizon took their
        cost out of the run's capex, and compare read the shock as a saving (AI-compute trial)."""
        return sum(
            (o.gpus - self.delivered_of_order[i]) * self.unit_capex_vnd_bn(o.model)
            for i, (o, d) in enumerate(zip(self.cfg.all_orders, self.order_draws, strict=True))
            if d.order_day <= day
        )

    # ------------------------------------------------------------------ placement
    def _place(self, model: str, n: int, hint: str) -> np.ndarray:
        """GPUs placed per data centre: the hint's data centres first, then anywhere; high-performance GPUs within
        each in the AI halls first (liquid-cooled, built for their rack density: compute.datacentres.kw_per_rack.ai),
        then the other halls. Why: every GPU of ai-compute went to air-cooled halls, and the state's AI data centre,
        paid under the same programme, got none (AI-compute trial)."""
        kw = self.cat[model].it_kw_per_gpu
        mask = self._hint_mask(hint) if hint else None
        areas = ([mask] if mask is not None and mask.any() else []) + [None]
        ai = self.fleet.ai_hall if self.cat[model].high_performance and self.fleet.ai_hall.any() else None
        placed = np.zeros(self.fleet.n)
        for area in areas:
            for halls in ([ai if area is None else area & ai] if ai is not None else []) + [area]:
                rest = n - int(round(placed.sum()))
                if rest > 0 and (halls is None or halls.any()):
                    placed += self.fleet.place_gpus(rest, kw, halls)
        return placed

    def _power_on(
        self,
        organisation: str,
        model: str,
        per_dc: np.ndarray,
        in_service_day: float,
        retire_day: float,
        kind: str,
        hint: str = "",
    ) -> int:
        n = int(round(per_dc.sum()))
        if n <= 0:
            return 0
        lot = _Lot(organisation, model, per_dc, in_service_day, retire_day, hint=hint)
        if kind != "start_placed":  # the start fleet's halls are as they are
            self._retrofit(model, per_dc)
        self.lots.append(lot)
        self.installed_by_model[model] += n
        if self.pool is not None:
            self.pool.add(n)
        self.events.append((float(self.env.now), kind, organisation, model, n, ""))
        self.env.process(self._retire(lot))
        return n

    def over_density_mw(self, model: str, per_dc: np.ndarray) -> float:
        """IT MW of `per_dc` GPUs of `model` in data centres whose racks are built for less than their server draws
        (see gpus_over_rack_density)."""
        server_kw = GPUS_PER_SERVER * self.cat[model].it_kw_per_gpu
        over = self.fleet.design_kw_per_rack() < server_kw
        return float(per_dc[over].sum()) * self.cat[model].it_kw_per_gpu / 1000.0

    def _retrofit(self, model: str, per_dc: np.ndarray) -> None:
        """Book the retrofit of the halls that take GPUs over their rack density: compute.gpus.retrofit_usd_m_per_mw
        per MW of those GPUs' IT load. Why: placement counts power only, so the cheapest path to 15x GPUs put them in
        6.65 kW air-cooled halls at no cost, and racks and cooling never bound nor cost anything (data-centre
        trial)."""
        mw = self.over_density_mw(model, per_dc)
        self.retrofit_capex_vnd_bn_cum += mw * self.cfg.retrofit_usd_m_per_mw * self.cfg.usd_vnd / 1000.0

    def _strand(
        self, organisation: str, model: str, n: int, hint: str, delivered_day: float, writeoff_day: float
    ) -> None:
        if n <= 0:
            return
        self.stranded.append(_Stranded(organisation, model, n, hint, delivered_day, writeoff_day))
        self.stranded_by_model[model] += n
        self.events.append((float(self.env.now), "stranded", organisation, model, n, hint))

    # ------------------------------------------------------------------ processes
    def _start(self) -> Generator[simpy.Event, Any, None]:
        now = float(self.env.now)
        for e in self.start_fleet:
            in_service = self.clock.day(e.as_of)
            retire = in_service + self.life_days
            if retire <= now:
                self.retired_by_model[e.model] += e.gpus
                self.events.append((now, "retired_before_start", e.organisation, e.model, e.gpus, ""))
                continue
            per_dc = self._place(e.model, e.gpus, e.dc_hint)
            placed = self._power_on(
                e.organisation, e.model, per_dc, in_service, retire, "start_placed", e.dc_hint
            )
            self._strand(e.organisation, e.model, e.gpus - placed, e.dc_hint, in_service, retire)
        return
        yield  # pragma: no cover  (a generator: runs at time 0 as a SimPy process)

    def _order(self, i: int, o: GpuOrder, d: OrderDraw) -> Generator[simpy.Event, Any, None]:
        env = self.env
        self.events.append(
            (
                max(d.order_day, 0.0),
                "ordered",
                o.organisation,
                o.model,
                o.gpus,
                f"delivery day {d.delivery_day:.1f}" + (" (shock)" if d.shocked else ""),
            )
        )
        wait = d.delivery_day - float(env.now)
        if wait > 0:
            yield env.timeout(wait)
        left = o.gpus
        while True:  # once, unless an import cap holds part of the order for the next year's allowance
            now = float(env.now)
            n = self._allowance(o.model, left, now)
            if n > 0:
                self._deliver(i, o, n, now)
                left -= n
            if left <= 0:
                return
            self.held_by_cap += left
            yield env.timeout(self.clock.day(dt.date(self.clock.year_of(now) + 1, 1, 1)) - now)
            self.held_by_cap -= left

    def _allowance(self, model: str, n: int, day: float) -> int:
        """GPUs of `n` the import cap lets through on `day` (all when no cap holds that year or the model is not
        high-performance); takes them from the year's allowance."""
        shock = self.cfg.supply_shock
        year = self.clock.year_of(day)
        cap = shock.import_cap_gpus_per_year
        if cap is None or not shock.capped(year) or not self.cat[model].high_performance:
            return n
        left = self._cap_left.setdefault(year, cap)
        take = min(n, left)
        self._cap_left[year] = left - take
        return take

    def _deliver(self, i: int, o: GpuOrder, n: int, now: float) -> None:
        """`n` GPUs of order `i` delivered (paid) and placed where IT power is free, the rest stranded."""
        self.delivered_by_model[o.model] += n
        self.delivered_of_order[i] += n
        capex = n * self.unit_capex_vnd_bn(o.model)
        self.capex_vnd_bn_cum += capex
        self.public_capex_vnd_bn_cum += capex * o.public_share_pct / 100.0
        self.events.append((now, "delivered", o.organisation, o.model, n, ""))
        hint = o.dc_hint or ""
        self.move_to_hints()  # GPUs waiting elsewhere for their hinted data centre go first
        per_dc = self._place(o.model, n, hint)
        placed = self._power_on(o.organisation, o.model, per_dc, now, now + self.life_days, "placed", hint)
        self._strand(o.organisation, o.model, n - placed, hint, now, now + self.life_days)

    def _retire(self, lot: _Lot) -> Generator[simpy.Event, Any, None]:
        wait = lot.retire_day - float(self.env.now)
        if wait > 0:
            yield self.env.timeout(wait)
        n = lot.n
        self.fleet.remove_gpus(lot.per_dc, self.cat[lot.model].it_kw_per_gpu)
        self.installed_by_model[lot.model] -= n
        self.retired_by_model[lot.model] += n
        lot.retired = True
        if self.pool is not None:
            self.pool.retire(n)
        self.events.append((float(self.env.now), "retired", lot.organisation, lot.model, n, ""))

    def move_to_hints(self) -> int:
        """Move running GPUs placed outside their hint (no room there when they came) into it, where it now has free
        IT power, first placed first; returns the GPUs moved. Runs each month and before each delivery is placed,
        so a hall that opens is first the GPUs' that were meant for it.

        Why: the state's 24,000 B200 arrived before the state's AI hall opened and stayed in Viettel's halls for good,
        while enterprises' later H200 filled the state hall (data-centre trial)."""
        moved = 0
        for lot in self.lots:
            if lot.retired or not lot.hint:
                continue
            mask = self._hint_mask(lot.hint)
            if mask is None or not mask.any():
                continue
            away = np.where(mask, 0.0, lot.per_dc)
            n_away = int(round(away.sum()))
            if n_away <= 0:
                continue
            kw = self.cat[lot.model].it_kw_per_gpu
            ai = (
                self.fleet.ai_hall
                if self.cat[lot.model].high_performance and self.fleet.ai_hall.any()
                else None
            )
            into = np.zeros(self.fleet.n)
            for halls in ([mask & ai] if ai is not None else []) + [mask]:
                rest = n_away - int(round(into.sum()))
                if rest > 0 and halls.any():
                    into += self.fleet.place_gpus(rest, kw, halls)
            n_in = int(round(into.sum()))
            if n_in <= 0:
                continue
            # take them from the other data centres in table order (place_gpus has already added them in the hint)
            left, out = float(n_in), np.zeros(self.fleet.n)
            for i in np.flatnonzero(away > 0):
                take = min(float(away[i]), left)
                out[i], left = take, left - take
                if left <= 0:
                    break
            self.fleet.remove_gpus(out, kw)
            self._retrofit(lot.model, into)
            lot.per_dc = lot.per_dc - out + into
            moved += n_in
            self.events.append(
                (float(self.env.now), "moved_to_hint", lot.organisation, lot.model, n_in, lot.hint)
            )
        return moved

    def retry_stranded(self) -> int:
        """Write off stranded GPUs past their life, then place the rest in delivery order. Returns GPUs placed."""
        now = float(self.env.now)
        total = 0
        keep: list[_Stranded] = []
        for s in self.stranded:
            if s.writeoff_day <= now:
                self.stranded_by_model[s.model] -= s.n
                self.written_off_by_model[s.model] += s.n
                self.events.append((now, "written_off", s.organisation, s.model, s.n, ""))
                continue
            per_dc = self._place(s.model, s.n, s.hint)
            placed = self._power_on(
                s.organisation, s.model, per_dc, now, s.writeoff_day, "placed_from_stranded", s.hint
            )
            if placed:
                self.stranded_by_model[s.model] -= placed
                s.n -= placed
                total += placed
            if s.n > 0:
                keep.append(s)
        self.stranded = keep
        return total

    def _monthly_retry(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        while True:
            nxt = self.clock.next_month_start(float(env.now))
            if nxt > self.clock.horizon_days:
                return
            yield env.timeout(nxt - float(env.now))
            self.move_to_hints()
            if self.stranded:
                self.retry_stranded()

    # ------------------------------------------------------------------ metrics (contract)
    @property
    def installed_gpus(self) -> int:
        return sum(self.installed_by_model.values())

    @property
    def stranded_gpus(self) -> int:
        return sum(self.stranded_by_model.values())

    @property
    def gpus_over_rack_density(self) -> int:
        """Running GPUs whose server (GPUS_PER_SERVER of them) draws more IT kW than a rack of their data centre is
        built for (its commissioned IT kW per rack): placement counts power only, so a hall of 6.65 kW racks took
        DGX B200 servers of 14.3 kW; such a hall is retrofitted (rear-door or liquid cooling) at
        compute.gpus.retrofit_usd_m_per_mw (`_retrofit`). Why counted: 15x the GPUs "fitted" the existing halls by
        construction (data-centre trial)."""
        density = self.fleet.design_kw_per_rack()
        n = 0.0
        for lot in self.lots:
            if not lot.retired:
                server_kw = GPUS_PER_SERVER * self.cat[lot.model].it_kw_per_gpu
                n += float(lot.per_dc[density < server_kw].sum())
        return int(round(n))

    @property
    def pflops_bf16(self) -> float:
        """Installed dense BF16 PFLOPS."""
        return self.cat.pflops_bf16(self.installed_by_model)

    @property
    def a100_equivalents(self) -> float:
        """Installed dense BF16 throughput in A100s (312 TFLOPS each)."""
        return self.cat.a100_equivalents(self.installed_by_model)

    def largest_cluster_a100_equivalents(self) -> float:
        """The most A100-equivalents one organisation has running at one data centre (the lots not retired).

        Why: a training run needs one interconnected cluster; the national total adds GPUs of different owners in
        different cities (a 25,000-A100 run does not fit in 3,000 in Ha Noi plus 2,800 in Ho Chi Minh City)."""
        clusters: dict[str, np.ndarray] = {}
        for lot in self.lots:
            if not lot.retired:
                eq = lot.per_dc * self.cat[lot.model].a100_equivalent
                have = clusters.get(lot.organisation)
                clusters[lot.organisation] = eq if have is None else have + eq
        return max((float(c.max()) for c in clusters.values() if c.size), default=0.0)

    @property
    def high_performance_installed(self) -> int:
        return sum(n for m, n in self.installed_by_model.items() if self.cat[m].high_performance)

    @property
    def gpu_it_mw(self) -> float:
        return self.cat.it_mw(self.installed_by_model)
