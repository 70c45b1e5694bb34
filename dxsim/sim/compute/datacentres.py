"""Data-centre projects as a SimPy model: from announcement to IT MW in service in the shared DCFleet.

One process per project (``projects`` table: one row per phase, dxsim.geo.datacentres.projects):

1. go / no-go: one uniform draw against the go probability of its status (announced projects:
   p + (1 - p) x PPP share). A project that is not "go" never starts.
2. announced projects: planning / permits (log-normal delay), then the grid interconnection lead
   time (log-normal). Projects under construction have both already.
3. each phase in turn: not before its planned construction start (target date minus the default
   median construction time, ``CONSTRUCTION_P50_DAYS``, the one the announcer expected: on time when
   nothing slips, sooner in a scenario that builds faster), and not before the previous phase's
   construction ends; then it waits until its region's grid headroom can take phase IT MW x PUE
   (facility MW), which it consumes (`grid.allocation`: first fit, a smaller later phase may pass a big one that
   does not fit, or first come, a queue); then construction (log-normal; a phase already under way at the start is
   credited the planned time elapsed before day 0); then commissioning (log-normal, in parallel
   with the next phase's construction) and ``fleet.commission(i, it_mw, racks)``.

Capex (IT MW x capex per MW of the cooling class, VND bn) is committed when a phase's
construction starts (a phase already under way at the start counts only its remaining share);
the state's part (PPP share for announced projects, all of it for state projects) is also kept
apart, and the PPP part alone (``capex_ppp_state_vnd_bn_cum``: public money the public-investment budget
does not hold). Public investment (``public_investment_vnd_bn``) starts a state project on 1 January of
each listed year (or day 0 for the start year): one phase of budget / capex-per-MW IT MW at the
``STATE-PUBLIC`` row, always "go", as soon as possible. Grid reinforcements add to a region's
headroom on their date. Every 1 January the ordinary IT load grows (``fleet.grow_base_load``);
what no longer fits where it is moves to data centres with free IT capacity, in proportion to it
(``base_unmet_mw`` keeps what fits nowhere). Opex: facility energy (IT load x PUE) times the
power price, accumulated month by month. Operational sites whose reported opening date falls
after the start date (e.g. a start before 2025-08-18) open on that date (no capex, no grid wait).

What held capacity back (metrics ``dc_held_pct_<cause>``, :meth:`DataCentreModel.held_pct`): a
phase is *due* from its planned date onwards, i.e. its target date plus the median commissioning time
(what the pipeline delivers when nothing slips; a phase with no target date, such as a state phase,
is due from the moment its project starts). From then until it is in service, each day of the
phase's IT MW is one MW-day *held back*, booked along its critical path to the stage that made it late:
the stage the phase was in one planned build earlier (default median construction + median commissioning days before;
a phase with no target date: the stage it is in). A phase whose permits ran 260 days past its planned
construction start, then waited 90 days for its grid connection and was built on time, is held 350
days: 260 to permits and 90 to the grid connection (booked by the stage it was in at the time, construction,
"construction" had all 350). Before the project's first stage (already late at the start) the
stage it was in at the start counts. Causes:

- ``permits``: the project's planning and permits;
- ``grid_connection``: the project's grid-interconnection lead time (substation and line);
- ``grid_headroom``: the phase waiting for its region's grid headroom (own phase or an earlier phase of
  the same project). Told apart because their levers differ: more headroom
  (`grid.headroom_mw`, `grid.reinforcements`) does nothing for a connection still being built;
- ``construction``: an earlier phase still being built, or the phase itself being built or
  commissioned.

A phase waiting for its planned construction start is on schedule (not due yet); a project that is
not "go" holds nothing (it is abandoned, not delayed). Per month, each cause's share is its MW-days
over all MW-days held back in the month (in %; they add up to 100, or are all 0 when nothing was
held back).

Random numbers: per project and purpose, ``dxsim.rng.stream(seed, replication,
"dc.<purpose>.<project_id>")``, so adding a project does not move another's draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import simpy

from dxsim.geo.datacentres import COOLING_RACK_CLASS, STATE_DC_ID
from dxsim.rng import stream
from dxsim.scenario.sections.compute_dc import CONSTRUCTION_P50_DAYS, DC_REGIONS, GSO34_CODES, DataCentres
from dxsim.sim.calendar import Clock
from dxsim.sim.compute.capacity import DCFleet

EPS = 1e-9
HELD_CAUSES = ("grid_connection", "grid_headroom", "permits", "construction")  # metrics dc_held_pct_<cause>
# stage of a phase -> the cause it is booked to while the phase is due (None: not held back)
STAGE_CAUSE: dict[str, str | None] = {
    "permits": "permits",
    "interconnect": "grid_connection",
    "headroom": "grid_headroom",
    "construction": "construction",
    "commissioning": "construction",
    "scheduled": None,
    "in_service": None,
}


def dc_params(scenario: Any) -> DataCentres:
    """The DataCentres section: given directly, or at scenario.compute.datacentres (or .data_centres / .dc)."""
    if isinstance(scenario, DataCentres):
        return scenario
    for holder in (getattr(scenario, "compute", None), scenario):
        if holder is None:
            continue
        for name in ("datacentres", "data_centres", "dc"):
            v = getattr(holder, name, None)
            if isinstance(v, DataCentres):
                return v
    raise TypeError("no DataCentres section found (expected scenario.compute.datacentres)")


def make_fleet(
    dc_table: pl.DataFrame, params: DataCentres, province_codes: list[str] | None = None
) -> DCFleet:
    """The shared DCFleet at the start: capacity in service, its PUE, and the ordinary IT load it carries.

    `province_codes` is the sorted gso34 list of the country (``Country.province_codes``).
    """
    codes = np.asarray(sorted(province_codes) if province_codes is not None else sorted(GSO34_CODES))
    idx = np.searchsorted(codes, dc_table["gso34"].to_numpy().astype(codes.dtype))
    start_mw = dc_table["start_it_mw"].to_numpy().astype(np.float64)
    return DCFleet(
        dc_id=dc_table["dc_id"].to_numpy(),
        province_idx=idx.astype(np.int64),
        pue=dc_table["pue"].to_numpy().astype(np.float64),
        it_mw=start_mw,
        racks=dc_table["start_racks"].to_numpy().astype(np.float64),
        base_it_mw=start_mw * params.base_utilisation_pct / 100.0,
        ai_hall=(dc_table["cooling"] == "liquid").to_numpy(),
    )


class GridHeadroom:
    """Spare grid capacity (facility MW) per region; requests are served in the order they came, first fit (any that
    fits) or first come (none passes an earlier one: `queue`)."""

    def __init__(self, env: simpy.Environment, initial: dict[str, float], queue: bool = False) -> None:
        self.env = env
        self.level = {r: float(initial.get(r, 0.0)) for r in DC_REGIONS}
        self.queue = queue
        self._waiting: dict[str, list[tuple[simpy.Event, float]]] = {r: [] for r in DC_REGIONS}

    def request(self, region: str, mw: float) -> simpy.Event:
        ev = self.env.event()
        self._waiting[region].append((ev, float(mw)))
        self._grant(region)
        return ev

    def add(self, region: str, mw: float) -> None:
        self.level[region] += float(mw)
        self._grant(region)

    def _grant(self, region: str) -> None:
        still: list[tuple[simpy.Event, float]] = []
        for ev, mw in self._waiting[region]:
            if not (self.queue and still) and self.level[region] + EPS >= mw:
                self.level[region] -= mw
                ev.succeed(mw)
            else:
                still.append((ev, mw))
        self._waiting[region] = still


@dataclass
class Phase:
    number: int
    it_mw: float
    racks: float
    target_day: float | None  # None: as soon as possible


@dataclass
class Plan:
    project_id: str
    dc_id: str
    status: str  # announced | under_construction | state
    cooling: str
    phases: list[Phase]
    state_share: float = 0.0
    log: list[dict[str, Any]] = field(default_factory=list)
    go_pct: float | None = None  # the project's own chance of going ahead (%); None: its status's


class DataCentreModel:
    """Processes of the data-centre pipeline for one replication (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Any,
        dc_table: pl.DataFrame,
        projects: pl.DataFrame,
        fleet: DCFleet,
        clock: Clock,
        seed: int,
        replication: int,
    ) -> None:
        self.env, self.fleet, self.clock = env, fleet, clock
        self.seed, self.replication = int(seed), int(replication)
        self.p = p = dc_params(scenario)
        self.index = {str(d): i for i, d in enumerate(fleet.dc_id)}
        table_region = dict(zip(dc_table["dc_id"].to_list(), dc_table["region3"].to_list(), strict=True))
        self.region = {d: table_region[d] for d in self.index}
        self.grid = GridHeadroom(
            env,
            {r: p.grid.headroom_mw.lookup(r) for r in DC_REGIONS},
            queue=p.grid.allocation == "first_come",
        )
        # what the Monitor reads
        self.phases_commissioned: list[tuple[float, str, float, float]] = []  # (day, dc_id, it_mw, racks)
        self.capex_vnd_bn_cum = 0.0
        self.capex_state_vnd_bn_cum = 0.0
        # the state's PPP share of announced projects' capex: public money beside the public_investment budget
        self.capex_ppp_state_vnd_bn_cum = 0.0
        self.opex_vnd_bn_cum = 0.0
        self.energy_mwh_cum = 0.0
        self._opex_from, self._opex_load_mw = 0.0, 0.0  # the month being accumulated: its start and held load
        self.base_unmet_mw = 0.0
        self.not_go: list[str] = []
        # (project id, phase) -> facility MW: by project, since every year's state plan builds at one data centre
        # (STATE_DC_ID) and two of them waiting at once shared a (dc_id, phase) key and crashed the run (lever audit)
        self.waiting_for_grid: dict[tuple[str, int], float] = {}
        self.events: list[tuple[float, str, str]] = []  # (day, dc_id, what)
        # per phase (project_id, phase number): IT MW, day due, and its stage log [(from day, stage)]
        self.phase_mw: dict[tuple[str, int], float] = {}
        self.phase_due_day: dict[tuple[str, int], float] = {}
        self.phase_shift_days: dict[tuple[str, int], float] = {}
        self.stage_log: dict[tuple[str, int], list[tuple[float, str]]] = {}
        self.plans = self._plans(projects)
        self._openings = self._scheduled_openings(dc_table)

    # ------------------------------------------------------------------ set-up
    def _day(self, d: dt.date | None) -> float | None:
        return None if d is None else self.clock.day(d)

    def _plans(self, projects: pl.DataFrame) -> list[Plan]:
        plans = []
        ppp = self.p.ppp_share_pct / 100.0
        for (pid,), ph in projects.sort(["project_id", "phase"]).group_by("project_id", maintain_order=True):
            if pid not in self.index:
                raise KeyError(f"project {pid} has no row in the data-centre table / fleet")
            first = ph.row(0, named=True)
            phases = [
                Phase(int(r["phase"]), float(r["it_mw"]), float(r["racks"]), self._day(r["target_date"]))
                for r in ph.iter_rows(named=True)
            ]
            status = first["status"]
            plans.append(
                Plan(
                    pid,
                    pid,
                    status,
                    first["cooling"],
                    phases,
                    state_share=ppp if status == "announced" else 0.0,
                    go_pct=first.get("go_probability_pct"),
                )
            )
        return plans

    def _scheduled_openings(self, dc_table: pl.DataFrame) -> list[tuple[float, int, float, float]]:
        """Operational sites that open after the start date (a start before 2025-08-18 has NDC No. 1 to come)."""
        need = {"opened", "status", "it_mw_design", "racks_design", "start_it_mw"}
        if not need <= set(dc_table.columns):
            return []
        out = []
        for r in dc_table.iter_rows(named=True):
            if r["status"] == "operational" and r["opened"] is not None and r["start_it_mw"] == 0:
                day = self.clock.day(r["opened"])
                if 0 < day <= self.clock.horizon_days and r["dc_id"] in self.index:
                    out.append(
                        (day, self.index[r["dc_id"]], float(r["it_mw_design"]), float(r["racks_design"]))
                    )
        return out

    def _open(self, day: float, i: int, it_mw: float, racks: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(day)
        self.fleet.commission(i, it_mw, racks)
        self.fleet.base_it_mw[i] += it_mw * self.p.base_utilisation_pct / 100.0
        self.phases_commissioned.append((self.env.now, str(self.fleet.dc_id[i]), it_mw, racks))
        self.events.append((self.env.now, str(self.fleet.dc_id[i]), "opened (reported opening date)"))

    def _state_plans(self) -> list[tuple[float, Plan]]:
        out = []
        per_mw = self.p.capex_vnd_bn_per_mw(self.p.public_dc_cooling)
        kw = self.p.kw_per_rack.lookup(COOLING_RACK_CLASS[self.p.public_dc_cooling])
        for year in sorted(self.p.public_investment_vnd_bn):
            budget = self.p.public_budget(year)
            day = self.clock.day(dt.date(year, 1, 1))
            if budget <= 0 or per_mw <= 0 or year < self.clock.start.year or day > self.clock.horizon_days:
                continue
            mw = budget / per_mw
            plan = Plan(
                f"STATE-{year}",
                STATE_DC_ID,
                "state",
                self.p.public_dc_cooling,
                [Phase(1, mw, float(round(mw * 1000.0 / kw)), None)],
                state_share=1.0,
            )
            out.append((max(day, 0.0), plan))
        return out

    def start(self) -> None:
        for plan in self.plans:
            self.env.process(self.project(plan))
        if STATE_DC_ID in self.index:
            for day, plan in self._state_plans():
                self.plans.append(plan)
                self.env.process(self.project(plan, delay=day))
        for day, i, mw, racks in self._openings:
            self.env.process(self._open(day, i, mw, racks))
        for r in self.p.grid.reinforcements:
            self.env.process(self._reinforce(r.region, r.mw, max(self.clock.day(r.date), 0.0)))
        self.env.process(self._base_growth())
        self.env.process(self._opex())

    # ------------------------------------------------------------------ processes
    def _z(self, purpose: str, pid: str, n: int = 1) -> np.ndarray:
        return stream(self.seed, self.replication, f"dc.{purpose}.{pid}").standard_normal(n)

    def project(self, plan: Plan, delay: float = 0.0) -> Generator[simpy.Event, Any, None]:
        env, p = self.env, self.p
        if delay > 0:
            yield env.timeout(delay)
        pid = plan.project_id
        if plan.status != "state":
            u = stream(self.seed, self.replication, f"dc.go.{pid}").random()
            go = p.go_probability(plan.status) if plan.go_pct is None else plan.go_pct / 100.0
            if u >= go:
                self.not_go.append(pid)
                self.events.append((env.now, plan.dc_id, f"{pid}: not go"))
                return
        commissioning_p50 = p.delays.commissioning.p50_days
        for ph in plan.phases:
            key = (pid, ph.number)
            self.phase_mw[key] = ph.it_mw
            self.phase_due_day[key] = env.now if ph.target_day is None else ph.target_day + commissioning_p50
            # planned time from construction start to service (the announcer's: the default median build, see
            # CONSTRUCTION_P50_DAYS): a day held at t traces back to the stage of t - this
            self.phase_shift_days[key] = (
                0.0 if ph.target_day is None else CONSTRUCTION_P50_DAYS + commissioning_p50
            )
            self.stage_log[key] = []
        if plan.status != "under_construction":
            self._stage(plan, 0, "permits")
            yield env.timeout(p.delays.permits.draw(float(self._z("permit", pid)[0])))
            self.events.append((env.now, plan.dc_id, f"{pid}: permits"))
            self._stage(plan, 0, "interconnect")
            yield env.timeout(p.grid.interconnect.draw(float(self._z("interconnect", pid)[0])))
            self.events.append((env.now, plan.dc_id, f"{pid}: grid connection"))
        i = self.index[plan.dc_id]
        region = self.region[plan.dc_id]
        pue = float(self.fleet.pue[i])
        cons_z = self._z("construction", pid, len(plan.phases))
        comm_z = self._z("commissioning", pid, len(plan.phases))
        per_mw = p.capex_vnd_bn_per_mw(plan.cooling)
        build_p50 = p.delays.construction.p50_days
        for k, ph in enumerate(plan.phases):
            cons = p.delays.construction.draw(float(cons_z[k]))
            # the first phase of a project under construction is under way at the start: it is never "scheduled"
            # later (a faster build once pushed its start into the future and opened it later)
            under_way = plan.status == "under_construction" and k == 0 and ph.target_day is not None
            # ground is broken when the announcer planned, one default median build before the target: the
            # scenario's median says how long the build takes, not when it starts (planning back from the target
            # with it made a faster build open on the target all the same, and only reshuffled the grid headroom:
            # lever audit, 2026-12-07)
            planned_start = (
                0.0
                if under_way
                else (ph.target_day - CONSTRUCTION_P50_DAYS)
                if ph.target_day is not None
                else -np.inf
            )
            if planned_start > env.now:
                self._stage(plan, k, "scheduled")
                yield env.timeout(planned_start - env.now)
            need = ph.it_mw * pue
            key = (plan.project_id, ph.number)
            self.waiting_for_grid[key] = need
            self._stage(plan, k, "headroom")
            yield self.grid.request(region, need)
            del self.waiting_for_grid[key]
            self._stage(plan, k, "construction")
            t = env.now
            if under_way and t <= EPS and ph.target_day is not None:
                # due at its target with the default build time; what is left scales with this scenario's median
                # against the default (CONSTRUCTION_P50_DAYS), with the draw's spread about it
                left = ph.target_day * build_p50 / CONSTRUCTION_P50_DAYS
                end = max(left - build_p50 + cons, t)
            else:
                end = t + cons
            share = min(1.0, (end - t) / cons) if cons > 0 else 1.0
            capex = ph.it_mw * per_mw * share
            self.capex_vnd_bn_cum += capex
            self.capex_state_vnd_bn_cum += capex * plan.state_share
            if plan.status == "announced":
                self.capex_ppp_state_vnd_bn_cum += capex * plan.state_share
            plan.log.append(
                {
                    "phase": ph.number,
                    "construction_start": t,
                    "construction_end": end,
                    "facility_mw": need,
                    "capex_vnd_bn": capex,
                }
            )
            self.events.append((t, plan.dc_id, f"{pid}: phase {ph.number} construction"))
            yield env.timeout(end - t)
            self._stage(plan, k, "commissioning", only=True)
            env.process(self._commission(plan, i, ph, p.delays.commissioning.draw(float(comm_z[k]))))

    def _commission(self, plan: Plan, i: int, ph: Phase, days: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(days)
        self.fleet.commission(i, ph.it_mw, ph.racks)
        self.stage_log[(plan.project_id, ph.number)].append((float(self.env.now), "in_service"))
        self.phases_commissioned.append((self.env.now, plan.dc_id, ph.it_mw, ph.racks))
        self.events.append((self.env.now, plan.dc_id, f"{plan.project_id}: phase {ph.number} commissioned"))
        for rec in plan.log:
            if rec["phase"] == ph.number:
                rec["commissioned"] = self.env.now

    def _stage(self, plan: Plan, k: int, stage: str, only: bool = False) -> None:
        """Phase k (and, unless `only`, every later phase, which waits behind it) enters `stage` now."""
        phases = plan.phases[k : k + 1] if only else plan.phases[k:]
        for ph in phases:
            self.stage_log[(plan.project_id, ph.number)].append((float(self.env.now), stage))

    def _reinforce(self, region: str, mw: float, day: float) -> Generator[simpy.Event, Any, None]:
        if day > 0:
            yield self.env.timeout(day)
        self.grid.add(region, mw)
        self.events.append((self.env.now, region, f"grid +{mw:g} MW"))

    def _base_growth(self) -> Generator[simpy.Event, Any, None]:
        factor = 1.0 + self.p.base_growth_pct_per_year / 100.0
        year = self.clock.start.year + 1
        while True:
            day = self.clock.day(dt.date(year, 1, 1))
            if day > self.clock.horizon_days:
                return
            yield self.env.timeout(day - self.env.now)
            self.grow_base(factor)
            year += 1

    def grow_base(self, factor: float) -> None:
        """Ordinary IT load x factor nationally: in place where it fits, the rest where IT capacity is free; what fits
        nowhere is kept as unmet demand, which grows with the rest (it is demand: it was carried flat, so a year of
        no room understated the next year's)."""
        f = self.fleet
        want = (float(f.base_it_mw.sum()) + self.base_unmet_mw) * factor
        f.grow_base_load(factor)
        spill = want - float(f.base_it_mw.sum())
        free = np.maximum(f.it_mw - f.base_it_mw - f.gpu_it_mw, 0.0)
        if spill > EPS and free.sum() > EPS:
            put = free * min(1.0, spill / free.sum())
            f.base_it_mw = f.base_it_mw + put
            spill -= float(put.sum())
        self.base_unmet_mw = max(spill, 0.0)

    def _opex(self) -> Generator[simpy.Event, Any, None]:
        price = self.p.power_price_vnd_per_kwh
        while self.env.now < self.clock.horizon_days - EPS:
            now = self.env.now
            nxt = min(self.clock.next_month_start(now), self.clock.horizon_days)
            load = self.facility_load_mw()
            self._opex_from, self._opex_load_mw = now, load
            yield self.env.timeout(nxt - now)
            mwh = load * (nxt - now) * 24.0
            self.energy_mwh_cum += mwh
            self.opex_vnd_bn_cum += mwh * 1000.0 * price / 1e9
        self._opex_load_mw = 0.0

    def energy_mwh_until(self, day: float) -> float:
        """Facility energy drawn from the start to `day` (MWh), as `_opex` accumulates it: each month at the load of
        its first day, the current month pro rata (metrics dc_energy_mwh, dc_electricity_opex_vnd_bn)."""
        return self.energy_mwh_cum + self._opex_load_mw * max(day - self._opex_from, 0.0) * 24.0

    # ------------------------------------------------------------------ read-outs
    def facility_load_mw(self) -> float:
        """Facility power drawn now: (ordinary + GPU IT load) x PUE, summed over data centres."""
        return float((self.fleet.it_load_mw() * self.fleet.pue).sum())

    def headroom_mw(self) -> dict[str, float]:
        """Spare grid capacity left per region (facility MW)."""
        return dict(self.grid.level)

    def held_mw_days(self, t0: float, t1: float) -> dict[str, float]:
        """MW-days held back in the window [t0, t1] (sim days), by cause (see the module docstring).

        A phase is held from its due day until it is in service. Held day t is booked to the stage the phase was in
        at t - shift (shift = default median construction + median commissioning days, the plan from construction start to
        service; 0 without a target date): the stage that made the output due at t late. Before the log's first day
        (a project already late at the start), the stage it was in at the start."""
        out = dict.fromkeys(HELD_CAUSES, 0.0)
        for key, log in self.stage_log.items():
            lo = max(t0, self.phase_due_day[key])
            if lo >= t1 or not log:
                continue
            since_last, stage_last = log[-1]
            hi = min(t1, since_last) if stage_last == "in_service" else t1
            if hi <= lo:
                # in service since before the window (the log is in time order): nothing held; a monthly loop over
                # every phase's whole log, long after the phases were built, was most of this
                continue
            mw, shift = self.phase_mw[key], self.phase_shift_days[key]
            first = max(
                j for j, (since, _) in enumerate(log) if since == log[0][0]
            )  # the stage at the log's start
            for j in range(first, len(log)):
                since, stage = log[j]
                cause = STAGE_CAUSE[stage]
                until = log[j + 1][0] if j + 1 < len(log) else np.inf
                a, b = max((-np.inf if j == first else since) + shift, lo), min(until + shift, hi)
                if cause is not None and b > a:
                    out[cause] += mw * (b - a)
        return out

    def held_pct(self, t0: float, t1: float) -> dict[str, float]:
        """``dc_held_pct_<cause>``: each cause's share (%) of the MW-days held back in [t0, t1]; all 0 if none."""
        mw_days = self.held_mw_days(t0, t1)
        total = sum(mw_days.values())
        return {f"dc_held_pct_{c}": (100.0 * v / total if total > EPS else 0.0) for c, v in mw_days.items()}
