"""Guards against mutants a hand-made mutation run left alive (issue 16, "Tests that would catch real bugs").

Each test checks the code against something computed independently of it: the 38.901 / link-budget formulas
written out by hand, a brute-force FIFO queue, IT load x PUE x hours, the escaped text a browser would read,
the file system after a failed write, and the reported capex against a sum over the built sites of the
replication's own state. One section per mutant:

1. UMi NLOS user-height term -0.3 (hUT - 1.5) (dxsim.radio.pathloss), tested at hUT != 1.5 m;
2. cable loss in the uplink budget (dxsim.radio.link_budget);
3. independent named random streams, and rollout lead times drawn from their own stream (dxsim.rng);
4. the monthly rotation of the operator that orders first (dxsim.sim.rollout);
5. data-centre facility energy = IT load x PUE (dxsim.sim.compute.datacentres);
6. drawn multi-GPU job arrivals never jump the FIFO queue (dxsim.sim.compute.kernel.replay);
7. names escaped in the GPU tooltip and the village commune/province popup of the written map.html;
8. atomic single-file writes clean up after a failure (dxsim.results.writer.atomic_file);
9. reported 5G capex (written tables) = sum over the sites built of their drawn per-site capex.
"""

from __future__ import annotations

import datetime as dt
import errno
import heapq
import html
import json
import math
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import simpy

try:  # the random streams moved to a bottom layer during the issue-16 refactor
    from dxsim.rng import stream
except ImportError:  # pragma: no cover - the older home
    from dxsim.sim.rng import stream

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"


# =========================================================================== 1. UMi NLOS user height
def _umi_nlos_by_hand(d3d_m: float, fc_ghz: float, h_bs_m: float, h_ut_m: float) -> float:
    """TR 38.901 Table 7.4.1-1 UMi-Street Canyon NLOS, written out independently of dxsim.radio."""
    d2d = math.sqrt(d3d_m**2 - (h_bs_m - h_ut_m) ** 2)
    dbp = 4.0 * (h_bs_m - 1.0) * (h_ut_m - 1.0) * fc_ghz * 1e9 / 3.0e8  # hE = 1 m
    if d2d <= dbp:
        pl_los = 32.4 + 21.0 * math.log10(d3d_m) + 20.0 * math.log10(fc_ghz)
    else:
        pl_los = (
            32.4
            + 40.0 * math.log10(d3d_m)
            + 20.0 * math.log10(fc_ghz)
            - 9.5 * math.log10(dbp**2 + (h_bs_m - h_ut_m) ** 2)
        )
    pl_nlos = 35.3 * math.log10(d3d_m) + 22.4 + 21.3 * math.log10(fc_ghz) - 0.3 * (h_ut_m - 1.5)
    return max(pl_los, pl_nlos)


def test_umi_nlos_user_height_term_at_other_heights() -> None:
    from dxsim.radio import pathloss_db, pathloss_umi_db

    # hUT = 11.5 m, d3D = 200 m, 3.5 GHz, hBS 10 m: d2D = sqrt(200^2 - 1.5^2) = 199.994 m, d'BP = 4*9*10.5*11.667
    # = 4410 m -> PL1 = 32.4 + 21*2.301030 + 10.88136 = 91.60300; PL'NLOS = 35.3*2.301030 + 22.4 + 11.58865
    # - 0.3*(11.5 - 1.5) = 81.22636 + 22.4 + 11.58865 - 3.0 = 112.21501 dB  (without the height term: 115.21501)
    assert pathloss_umi_db(200.0, 3.5, h_ut_m=11.5) == pytest.approx(112.21501, abs=1e-4)
    for h_ut in (1.5, 4.0, 8.0, 11.5, 17.0, 22.5):
        for d3d in (60.0, 200.0, 900.0):
            want = _umi_nlos_by_hand(d3d, 3.5, 10.0, h_ut)
            assert pathloss_umi_db(d3d, 3.5, h_ut_m=h_ut) == pytest.approx(want, abs=1e-9), (h_ut, d3d)
    # the dispatcher (ground distance) the coverage engine uses: the same formula
    d2d = 300.0
    want = _umi_nlos_by_hand(math.hypot(d2d, 10.0 - 6.0), 2.6, 10.0, 6.0)
    assert pathloss_db("umi", d2d, 2.6, 10.0, 6.0, mode="nlos") == pytest.approx(want, abs=1e-9)
    # at a fixed slant distance where the NLOS branch binds (PL_LOS ~ 111.6 < PL'NLOS ~ 138.1 dB at 900 m),
    # PL'NLOS depends on hUT only through -0.3 (hUT - 1.5): 5 m higher is exactly 1.5 dB less
    a = pathloss_umi_db(900.0, 3.5, h_ut_m=2.0)
    b = pathloss_umi_db(900.0, 3.5, h_ut_m=7.0)
    assert a - b == pytest.approx(0.3 * (7.0 - 2.0), abs=1e-9)


# =========================================================================== 2. uplink cable loss
def _budget(**kw: Any):
    from dxsim.radio import LinkBudget

    args: dict[str, Any] = {
        "tx_power_dbm": 46.0,
        "bandwidth_mhz": 20.0,
        "tx_antenna_gain_dbi": 17.0,
        "rx_antenna_gain_dbi": 0.0,
        "cable_loss_db": 2.5,
        "noise_figure_db": 7.0,
        "required_sinr_db": -3.0,
        "interference_margin_db": 3.0,
        "penetration_loss_db": 10.0,
        "body_loss_db": 3.0,
        "shadow_margin_db": 5.0,
        "h_bs_m": 25.0,
        "h_ut_m": 1.5,
        "fc_mhz": 1800.0,
        "scenario": "uma",
        "los_mode": "nlos",
        "ue_tx_power_dbm": 23.0,
        "ul_bandwidth_mhz": 1.44,
        "bs_noise_figure_db": 2.5,
        "ul_required_sinr_db": 0.5,
        "ul_interference_margin_db": 1.0,
    }
    args.update(kw)
    return LinkBudget(**args)


def test_uplink_budget_subtracts_the_cable_loss() -> None:
    from dxsim.radio import max_path_loss_dl_db, max_path_loss_ul_db

    b = _budget()
    # UL by hand: N = -174 + 10 log10(1.44e6) + 2.5 = -174 + 61.583625 + 2.5 = -109.916375; S = N + 0.5
    # MAPL_ul = 23 + 0 - (-109.416375) + 17 - 2.5 (cable) - 10 - 3 - 5 - 1 = 127.916375 dB
    ul = 23.0 + 0.0 - (-174.0 + 10 * math.log10(1.44e6) + 2.5 + 0.5) + 17.0 - 2.5 - 10.0 - 3.0 - 5.0 - 1.0
    assert ul == pytest.approx(127.916375, abs=1e-6)
    assert max_path_loss_ul_db(b) == pytest.approx(ul, abs=1e-9)
    # dB for dB: every extra dB of feeder loss costs one dB of uplink (and downlink) MAPL
    for cable in (0.0, 1.0, 4.0, 6.0):
        c = _budget(cable_loss_db=cable)
        assert max_path_loss_ul_db(c) == pytest.approx(ul + 2.5 - cable, abs=1e-9), cable
        dl = 46.0 + 17.0 - cable - (-174.0 + 10 * math.log10(20e6) + 7.0 - 3.0) + 0.0 - 10.0 - 3.0 - 5.0 - 3.0
        assert max_path_loss_dl_db(c) == pytest.approx(dl, abs=1e-9), cable


# =========================================================================== 3. random streams
STREAM_NAMES = (
    "rollout.permit",
    "rollout.lead_time",
    "rollout.team_days",
    "villages.permit",
    "villages.lead_time",
    "compute.gpus.lead_time",
    "compute.gpus.export_licence",
)


def test_named_streams_are_reproducible_and_independent() -> None:
    n = 50_000
    draws = {name: stream(2025, 3, name).standard_normal(n) for name in STREAM_NAMES}
    for name in STREAM_NAMES:  # same (seed, replication, name): the same numbers
        np.testing.assert_array_equal(stream(2025, 3, name).standard_normal(n), draws[name])
    # another seed or replication: other numbers
    assert not np.array_equal(stream(2026, 3, "rollout.permit").standard_normal(n), draws["rollout.permit"])
    assert not np.array_equal(stream(2025, 4, "rollout.permit").standard_normal(n), draws["rollout.permit"])
    # different names: different and uncorrelated (|r| of independent normals ~ N(0, 1/n): 5 sigma bound)
    bound = 5.0 / math.sqrt(n)
    names = list(STREAM_NAMES)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not np.array_equal(draws[a], draws[b]), (a, b)
            r = float(np.corrcoef(draws[a], draws[b])[0, 1])
            assert abs(r) < bound, (a, b, r)
    # and each stream is itself standard normal (mean 0, sd 1 within 5 standard errors)
    for name, z in draws.items():
        assert abs(z.mean()) < 5 / math.sqrt(n) and abs(z.std() - 1.0) < 5 / math.sqrt(2 * n), name


# --- the rollout: a small hand-made plan and scenario (as tests/test_rollout.py builds them)
def _delay(p50: float, p90: float) -> dict:
    return {"p50_days": p50, "p90_days": p90}


def _rollout_scenario(operators: dict | None = None, **over: Any):
    from dxsim.scenario.schema import Scenario

    d: dict[str, Any] = {
        "name": "guards",
        "horizon": {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)},
        "operators": operators
        or {
            "viettel": {
                "start_share_5g_pct": 100.0,
                "annual_new_5g_sites": {2026: 500_000},
                "capex_budget_vnd_bn": {2026: 1_000_000.0},
            }
        },
        "crews": {"north": {"teams": 10}},
        "seasons": {},
        "works": {
            "upgrade_permit": _delay(0, 0),
            "new_site_permit": _delay(0, 0),
            "upgrade_team_days": _delay(2, 2),
            "new_site_team_days": _delay(2, 2),
        },
        "supply": {"deliveries_per_month": 1_000_000, "lead_time": _delay(0, 0)},
        "subsidy": {"equipment_share_pct": 0.0},
        "start_state": {"pipeline_build_rate_5g_per_month": 0.0},
    }
    d.update(over)
    return Scenario.model_validate(d)


def _plan(n: int, operator: np.ndarray | None = None):
    from dxsim.sim.rollout import PlanArrays

    return PlanArrays(
        is_new=np.arange(n) % 3 == 0,
        region_idx=np.zeros(n, dtype=np.int64),
        province_idx=np.zeros(n, dtype=np.int64),
        operator=None if operator is None else np.asarray(operator, dtype=np.int8),
    )


def _rollout(sc, plan, cls=None, seed: int = 11, replication: int = 0):
    from dxsim.sim.calendar import Clock
    from dxsim.sim.finance import Ledger
    from dxsim.sim.rollout import Rollout

    clock = Clock(sc.horizon.start_date, sc.horizon.end_date)
    env = simpy.Environment()

    def budget_for(owner: str, year: int) -> float:
        op = sc.operators.get(owner)
        return op.value_for_year(op.capex_budget_vnd_bn, year) if op else 0.0

    ro = (cls or Rollout)(env, sc, plan, 0, clock, seed, replication, Ledger(budget_for))
    return ro, env, clock


def test_rollout_lead_times_do_not_reuse_the_permit_draws() -> None:
    """Permit, lead-time and crew-work draws of a site are independent (each from its own named stream):
    log(days) is affine in each site's normal draw, so the draws' correlation is that of the log-delays."""
    sc = _rollout_scenario(
        works={
            "upgrade_permit": _delay(30, 90),
            "new_site_permit": _delay(60, 200),
            "upgrade_team_days": _delay(2, 5),
            "new_site_team_days": _delay(6, 15),
        },
        supply={"deliveries_per_month": 1_000_000, "lead_time": _delay(45, 120)},
    )
    n = 30_000
    plan = _plan(n)
    ro, _, _ = _rollout(sc, plan)
    bound = 5.0 / math.sqrt(n / 3)
    for kind in (plan.is_new, ~plan.is_new):  # one (p50, sigma) per kind: log-delays are affine in the draws
        logs = {k: np.log(getattr(ro, k)[kind]) for k in ("permit_days", "lead_days", "team_days")}
        for a, b in (("permit_days", "lead_days"), ("permit_days", "team_days"), ("lead_days", "team_days")):
            r = float(np.corrcoef(logs[a], logs[b])[0, 1])
            assert abs(r) < bound, (a, b, r)
    # the lead times follow their own log-normal: median 45 days, 90th percentile 120 days
    assert np.median(ro.lead_days) == pytest.approx(45.0, rel=0.03)
    assert np.quantile(ro.lead_days, 0.9) == pytest.approx(120.0, rel=0.05)
    # same seed, same draws (common random numbers); another replication, other draws
    again, _, _ = _rollout(sc, plan)
    other, _, _ = _rollout(sc, plan, replication=1)
    np.testing.assert_array_equal(again.lead_days, ro.lead_days)
    assert not np.array_equal(other.lead_days, ro.lead_days)


def test_village_lead_times_do_not_reuse_the_permit_draws() -> None:
    """The village programme's per-village permit, kit lead-time, line-work and site-work draws are independent."""
    from dxsim.scenario.schema import Scenario
    from dxsim.sim.calendar import Clock
    from dxsim.sim.finance import Ledger
    from dxsim.sim.villages.process import VillageInputs, VillageProgramme

    start = dt.date(2026, 1, 1)
    sc = Scenario.model_validate(
        {
            "name": "guards",
            "horizon": {"start_date": start, "end_date": dt.date(2027, 12, 31)},
            "supply": {"lead_time": _delay(20, 60)},
            "villages": {
                "programme": {
                    "budget_vnd_bn": {2026: 1000.0},
                    "permit": _delay(30, 90),
                    "work_p90_over_p50": 2.0,
                    "crews": {"north": {"utility_teams": 1, "operator_teams": 1}},
                }
            },
        }
    )
    n = 20_000
    v = VillageInputs(
        village_id=np.array([f"V{i}" for i in range(n)]),
        region_idx=np.zeros(n, dtype=int),
        population=np.full(n, 300.0),
        feasible=np.ones(n, dtype=bool),
        grid_power=np.ones(n, dtype=bool),
        utility_team_days=np.full(n, 10.0),
        operator_team_days=np.full(n, 5.0),
        equipment_lead_days=np.full(n, 20.0),
        capex_vnd_bn=np.full(n, 2.0),
    )
    vp = VillageProgramme(
        simpy.Environment(),
        sc,
        v,
        Clock(start, sc.horizon.end_date),
        11,
        0,
        Ledger(lambda owner, year: 1000.0),
    )
    logs = {k: np.log(getattr(vp, k)) for k in ("permit_days", "lead_days", "utility_days", "operator_days")}
    assert all(np.ptp(x) > 0.5 for x in logs.values())  # every delay is drawn (not a fixed value)
    bound = 5.0 / math.sqrt(n)
    keys = list(logs)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            r = float(np.corrcoef(logs[a], logs[b])[0, 1])
            assert abs(r) < bound, (a, b, r)


# =========================================================================== 4. who orders first
def test_the_operator_ordering_first_rotates_every_month() -> None:
    from dxsim.scenario.schema import OPERATORS
    from dxsim.sim.rollout import Rollout

    calls: list[tuple[float, str]] = []

    class Spy(Rollout):
        def _order(self, name, plan_day, months_left, day, this_month=1.0):  # type: ignore[no-untyped-def]
            calls.append((float(day), name))
            return super()._order(name, plan_day, months_left, day, this_month)

    ops = {
        o: {
            "start_share_5g_pct": 100.0 / 3,
            "annual_new_5g_sites": {2026: 1200},
            "capex_budget_vnd_bn": {2026: 1_000_000.0},
        }
        for o in OPERATORS
    }
    sc = _rollout_scenario(operators=ops)
    n = 6000
    ro, env, clock = _rollout(sc, _plan(n, np.arange(n) % len(OPERATORS)), cls=Spy)
    ro.start()
    env.run(until=clock.horizon_days + 1)
    days = sorted({d for d, _ in calls})
    assert len(days) == 12  # one planning round per month of 2026
    names = [o for o in OPERATORS if o in sc.operators]
    for i, day in enumerate(days):
        got = [name for d, name in calls if d == day]
        k = i % len(names)
        assert got == names[k:] + names[:k], (i, day, got)
    # over the year each operator ordered first equally often
    firsts = [next(name for d, name in calls if d == day) for day in days]
    assert {o: firsts.count(o) for o in names} == dict.fromkeys(names, 12 // len(names))


# =========================================================================== 5. facility energy x PUE
def test_facility_energy_and_opex_include_the_pue() -> None:
    from dxsim.geo.datacentres import PROJECTS_FILE, projects
    from dxsim.scenario.sections.compute_dc import DataCentres
    from dxsim.sim.calendar import Clock
    from dxsim.sim.compute.datacentres import DataCentreModel, make_fleet

    csv_ids = sorted(set(pl.read_csv(PROJECTS_FILE, infer_schema=False)["project_id"].to_list()))
    p = DataCentres.model_validate(
        {
            "exclude_projects": csv_ids,
            "extra_projects": [],
            "base_utilisation_pct": 50.0,
            "public_investment_vnd_bn": {},
        }
    )
    table = pl.DataFrame(
        {
            "dc_id": ["A", "B", "C"],
            "gso34": ["01", "79", "48"],
            "region3": ["north", "south", "central"],
            "cooling": ["legacy_air", "modern_air", "liquid"],
            "start_it_mw": [10.0, 24.0, 6.0],
            "start_racks": [1500.0, 3600.0, 150.0],
        }
    )
    pue = {"A": 1.9, "B": 1.45, "C": 1.2}  # facility / IT power, set here (not the scenario's classes)
    table = table.with_columns(pl.col("dc_id").replace_strict(pue, return_dtype=pl.Float64).alias("pue"))
    start, end = (
        dt.date(2026, 1, 1),
        dt.date(2026, 7, 1),
    )  # no 1 January inside: the ordinary load is constant
    clock = Clock(start, end)
    env = simpy.Environment()
    fleet = make_fleet(table, p)
    gpu_mw = np.array([0.0, 3.0, 2.5])  # GPUs running there (IT MW), as the GPU model places them
    fleet.gpu_it_mw = gpu_mw.copy()
    m = DataCentreModel(env, p, table, projects(p), fleet, clock, 1, 0)
    m.start()
    env.run(until=clock.horizon_days + 1)
    assert m.phases_commissioned == []  # nothing new: the load is what the table says all along
    it_mw = np.array([10.0, 24.0, 6.0]) * 0.50 + gpu_mw  # ordinary load (50 % of IT) + GPUs
    facility_mw = float((it_mw * np.array([1.9, 1.45, 1.2])).sum())  # 5 x 1.9 + 15 x 1.45 + 5.5 x 1.2
    assert facility_mw == pytest.approx(9.5 + 21.75 + 6.6)  # = 37.85 MW (IT load alone: 25.5 MW)
    hours = (end - start).days * 24.0
    assert m.energy_mwh_cum == pytest.approx(facility_mw * hours, rel=1e-12)
    assert m.opex_vnd_bn_cum == pytest.approx(
        facility_mw * hours * 1000.0 * p.power_price_vnd_per_kwh / 1e9, rel=1e-12
    )
    assert m.facility_load_mw() == pytest.approx(facility_mw)


# =========================================================================== 6. FIFO for drawn multi-GPU jobs
def _fifo_by_hand(
    day: np.ndarray, gpus: np.ndarray, dur: np.ndarray, c: int, horizon: float
) -> list[tuple[float, float]]:
    """Brute-force FIFO with head-of-line blocking on c GPUs: (start day, wait) of every job, in start order.

    An end at the instant of an arrival is handled first; ends at equal times by start order; jobs larger than
    the pool are rejected."""
    idle, seq = c, 0
    queue: deque[int] = deque()
    running: list[tuple[float, int, int]] = []
    starts: list[tuple[float, float]] = []

    def start(t: float, j: int) -> None:
        nonlocal idle, seq
        idle -= int(gpus[j])
        seq += 1
        heapq.heappush(running, (t + float(dur[j]), seq, j))
        starts.append((t, t - float(day[j])))

    i, n = 0, day.size
    while True:
        ta = float(day[i]) if i < n else math.inf
        te = running[0][0] if running else math.inf
        if te <= ta:
            if te > horizon:
                break
            _, _, j = heapq.heappop(running)
            idle += int(gpus[j])
            while queue and idle >= gpus[queue[0]]:
                start(te, queue.popleft())
            continue
        if ta > horizon:
            break
        j, i = i, i + 1
        if gpus[j] > c:
            continue
        if not queue and idle >= gpus[j]:
            start(ta, j)
        else:
            queue.append(j)
    return starts


def test_drawn_multi_gpu_jobs_never_jump_the_fifo_queue() -> None:
    from dxsim.scenario.sections.compute_gpus import AiDemand as AiDemandSection
    from dxsim.sim.calendar import Clock
    from dxsim.sim.compute.demand import AiDemand, GpuPool

    # 16 GPUs; 8-GPU training jobs block the head while 2- and 4-GPU jobs arrive behind them (load ~0.9)
    classes = {
        "inference": {"gpus_per_job": 2, "arrivals_per_day_at_start": 2.0, "exponential_mean_days": 1.0},
        "finetune": {"gpus_per_job": 4, "arrivals_per_day_at_start": 0.8, "exponential_mean_days": 1.5},
        "training": {"gpus_per_job": 8, "arrivals_per_day_at_start": 0.4, "exponential_mean_days": 2.0},
    }
    sec = AiDemandSection.model_validate(
        {"classes": classes, "growth_pct_per_year": 0.0, "warm_start": False}
    )
    start = dt.date(2026, 1, 1)
    clock = Clock(start, start + dt.timedelta(days=400))
    env = simpy.Environment()
    pool = GpuPool(env)
    pool.add(16)
    dem = AiDemand(env, sec, pool, clock, seed=20251031, replication=0)
    env.run(until=clock.horizon_days)
    got = dem.started_wait_days
    a = dem.arrivals
    assert set(np.unique(a.gpus).tolist()) == {2, 4, 8} and a.day.size > 1000
    want = _fifo_by_hand(a.day, a.gpus, a.duration, 16, clock.horizon_days)
    assert len(got) == len(want) > 1000
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=0, atol=1e-9)
    # FIFO: jobs start in the order they arrived (arrival = start - wait is non-decreasing in start order)
    arrival = np.array([s - w for s, w in got])
    assert np.all(np.diff(arrival) >= -1e-9)
    assert sum(w > 0 for _, w in got) > 100  # a real queue formed


# =========================================================================== 7. escaping in the written map
HOSTILE = "A & B &amp; C <script>window.__pwned=1</script> \"q\" 'r' <img src=x onerror=alert(1)>"


class _Fragment(HTMLParser):
    """Tags and text of an HTML fragment as a browser parses it (character references decoded)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def _page_data(page: str, name: str) -> Any:
    """The JSON a map.html script assigns to `var NAME = ...;` (one line), decoded."""
    m = re.search(rf"^var {name} = (.*);$", page, flags=re.M)
    assert m, f"{name} not in map.html"
    return json.loads(m.group(1))


def test_written_map_escapes_names_in_gpu_tooltip_and_village_popup(tmp_path: Path) -> None:
    from dxsim.maps import build as map_build

    run = tmp_path / "run"
    run.mkdir()
    square = [[[105.0, 21.0], [106.0, 21.0], [106.0, 22.0], [105.0, 22.0], [105.0, 21.0]]]
    (run / "provinces.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": square},
                        "properties": {"gso34": "01", "name34": "Hà Nội", "name_ascii": "Ha Noi"},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    pl.DataFrame(
        {
            "village_id": ["V1"],
            "name": ["Bản A"],
            "lat": [21.5],
            "lon": [105.5],
            "commune": [f"commune {HOSTILE}"],
            "province": [f"province {HOSTILE}"],
            "status": ["connected"],
            "synthetic": [False],
        }
    ).write_parquet(run / "villages.parquet")
    pl.DataFrame(
        {
            "dc_id": ["X1"],
            "name": [f"dc {HOSTILE}"],
            "operator": [f"op {HOSTILE}"],
            "lat": [21.2],
            "lon": [105.8],
            "gpus_end": [128.0],
            "it_mw_end": [5.0],
            "status": ["operational"],
        }
    ).write_parquet(run / "datacentres.parquet")
    target = map_build.build_map(run, layers=["villages", "datacentres", "gpus"])
    page = target.read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    (gpu,) = _page_data(page, "DX_GPUS")
    for key in ("t", "p"):  # tooltip and popup, as Leaflet puts them in the page (innerHTML)
        frag = _Fragment(gpu[key])
        assert "script" not in frag.tags and "img" not in frag.tags, key
        assert f"dc {HOSTILE}" in frag.text, key
    assert _Fragment(gpu["t"]).text.startswith(f"dc {HOSTILE} — ")
    assert html.escape(f"dc {HOSTILE}", quote=True) in gpu["t"]
    (village,) = _page_data(page, "DX_VILLAGES")
    frag = _Fragment(village["p"])
    assert "script" not in frag.tags and "img" not in frag.tags
    assert f"commune {HOSTILE}, province {HOSTILE}" in frag.text
    assert html.escape(f"province {HOSTILE}", quote=True) in village["p"]
    assert html.escape(f"commune {HOSTILE}", quote=True) in village["p"]


# =========================================================================== 8. atomic single-file writes
def _debris(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != name)


@pytest.mark.parametrize("failure", ["exception", "disk_full"])
def test_failed_file_write_keeps_the_previous_file_and_leaves_no_debris(tmp_path: Path, failure: str) -> None:
    from dxsim.results import writer

    target = tmp_path / "runs.csv"
    writer.atomic_text(target, "old,complete\n1,2\n")
    assert _debris(tmp_path, target.name) == []
    seen_mid_write: list[str] = []

    def half_then_fail(p: Path) -> None:
        with open(p, "w", encoding="utf-8") as f:
            f.write("new,half")
            f.flush()
            seen_mid_write.append(target.read_text(encoding="utf-8"))  # what a reader sees meanwhile
        if failure == "disk_full":
            raise OSError(errno.ENOSPC, "No space left on device", str(p))
        raise RuntimeError("boom mid-write")

    with pytest.raises(Exception):  # noqa: B017 - a RuntimeError or dxsim's one-line OutputError
        writer.atomic_file(target, half_then_fail)
    assert seen_mid_write == ["old,complete\n1,2\n"]  # never half a file, even during the write
    assert target.read_text(encoding="utf-8") == "old,complete\n1,2\n"
    assert _debris(tmp_path, target.name) == []  # no temporary file left behind
    # and a successful write replaces the whole file, again without debris
    writer.atomic_text(target, "new,complete\n3,4\n")
    assert target.read_text(encoding="utf-8") == "new,complete\n3,4\n"
    assert _debris(tmp_path, target.name) == []


# =========================================================================== 9. reported capex vs built sites
def test_written_capex_equals_the_drawn_capex_of_the_sites_built(tmp_path: Path) -> None:
    """A short baseline (one replication) written to disk: the 5G capex in metrics.parquet, metrics.csv and the
    summary's KPI equals the sum over the sites that came on air in the horizon of their capex in the
    replication's state, which is the replication's drawn unit cost of their kind (plus any surge premium)."""
    import dxsim.sim.model as model
    from dxsim.runner import run_scenario
    from dxsim.sim.uncertainty import draw_scenario

    rollouts: list = []
    base = model.Rollout

    class Kept(base):  # type: ignore[misc, valid-type]
        def __init__(self, *a: Any, **k: Any) -> None:
            super().__init__(*a, **k)
            rollouts.append(self)

    scenario = tmp_path / "short.toml"
    scenario.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "short"\n[horizon]\nend_date = 2026-06-30\n',
        encoding="utf-8",
    )
    out_dir = tmp_path / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model, "Rollout", Kept)
        out = run_scenario(scenario, out_dir=out_dir, reps=1, workers=1, with_map=False, with_report=False)
    assert len(rollouts) == 1
    ro = rollouts[0]
    st, plan = ro.state, ro.plan
    horizon = float((out.scenario.horizon.end_date - out.scenario.horizon.start_date).days)
    built = (st.on_air_day >= 0) & (st.on_air_day <= horizon)
    assert built.sum() > 100 and plan.is_new[built].any() and (~plan.is_new[built]).any()
    # each site's capex: the replication's drawn unit cost of its kind, from the scenario's cost fields
    drawn_scenario = draw_scenario(out.scenario, int(out.summary["seed"]), 0)
    drawn = drawn_scenario.costs
    unit_new = drawn.new_site_equipment_vnd_bn + drawn.new_site_civil_vnd_bn
    unit_up = drawn.upgrade_equipment_vnd_bn + drawn.upgrade_works_vnd_bn
    # the premium is drawn per replication too (uncertainty.ranges surge.premium_vnd_bn_per_site)
    assert st.surge.any()  # replication 0 races for Resolution 193 in this horizon
    premium = np.where(st.surge, drawn_scenario.surge.premium_vnd_bn_per_site, 0.0)
    np.testing.assert_allclose(
        st.capex_vnd_bn, np.where(plan.is_new, unit_new, unit_up) + premium, rtol=1e-12
    )
    want = float(st.capex_vnd_bn[built].sum())
    # the written site table lists the same sites as added, kind by kind
    sites = pl.read_parquet(out_dir / "sites_5g.parquet").filter(~pl.col("existing_at_start"))
    n_new = int((sites["kind"] == "new").sum())
    assert (sites.height, n_new) == (int(built.sum()), int((built & plan.is_new).sum()))
    assert want == pytest.approx(
        n_new * unit_new + (sites.height - n_new) * unit_up + float(premium[built].sum()), rel=1e-9
    )
    # what the written tables report
    for table in (
        pl.read_parquet(out_dir / "metrics.parquet"),
        pl.read_csv(out_dir / "metrics.csv", try_parse_dates=True),
    ):
        rep0 = table.filter(pl.col("replication") == 0)
        nat = rep0.filter((pl.col("area") == "VN") & (pl.col("metric") == "capex_vnd_bn"))
        prov = rep0.filter((pl.col("area") != "VN") & (pl.col("metric") == "capex_vnd_bn"))
        cum = rep0.filter((pl.col("area") == "VN") & (pl.col("metric") == "capex_cum_vnd_bn")).sort("date")
        assert float(nat["value"].sum()) == pytest.approx(want, rel=1e-9)
        assert float(prov["value"].sum()) == pytest.approx(want, rel=1e-9)
        assert float(cum["value"][-1]) == pytest.approx(want, rel=1e-9)
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    kpi = summary["kpis"]["capex_total_vnd_bn"]
    kpi = kpi["0"] if isinstance(kpi, dict) and "0" in kpi else kpi
    assert float(kpi) == pytest.approx(want, rel=1e-9, abs=1e-6)
