"""GPU catalogue, start fleet, procurement, placement into data-centre power, stranding, retirement.

Expected values are computed by hand in the comments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
import simpy
from pydantic import ValidationError

from dxsim.delay import lognormal_days, shifted_lognormal_days, sigma_from_p90
from dxsim.errors import DxsimInputError
from dxsim.gpu_catalogue import (
    CATALOGUE_COLUMNS,
    FleetEntry,
    GpuCatalogue,
    GpuSpec,
    high_performance_gpus,
    load_catalogue,
    load_start_fleet,
)
from dxsim.scenario.sections.compute_gpus import AiDemand as AiDemandSection
from dxsim.scenario.sections.compute_gpus import Gpus
from dxsim.sim.calendar import Clock
from dxsim.sim.compute.capacity import DCFleet
from dxsim.sim.compute.demand import GpuPool
from dxsim.sim.compute.gpus import GpuModel

START = dt.date(2026, 1, 1)  # a month start
END = dt.date(2030, 12, 31)
CODES = ["01", "48", "79"]  # province index -> gso34 code for the test fleets


@pytest.fixture(scope="module")
def cat() -> GpuCatalogue:
    return load_catalogue()


def test_catalogue(cat: GpuCatalogue) -> None:
    assert {"A100", "H100", "H200", "B200", "A30"} <= set(cat.models)
    for s in cat.values():
        assert s.source and s.lead_time_p90_days >= s.lead_time_p50_days > 0 and s.server_overhead >= 1
    assert not cat["A30"].high_performance and cat["H100"].high_performance


def test_catalogue_arithmetic(cat: GpuCatalogue) -> None:
    # IT kW per GPU = TDP x overhead: H100 0.700 x 1.8214 = 1.27498 kW; 8 of them ~ a DGX H100's 10.2 kW
    assert cat["H100"].it_kw_per_gpu == pytest.approx(1.27498, abs=1e-9)
    assert 8 * cat["H100"].it_kw_per_gpu == pytest.approx(10.2, abs=0.01)
    assert 8 * cat["B200"].it_kw_per_gpu == pytest.approx(14.3, abs=0.01)  # 1.000 x 1.7875 x 8
    assert 8 * cat["A100"].it_kw_per_gpu == pytest.approx(6.5, abs=0.01)  # 0.400 x 2.0313 x 8
    # A100-equivalents: BF16 dense TFLOPS / 312
    assert cat["A100"].a100_equivalent == 1.0
    assert cat["B200"].a100_equivalent == pytest.approx(2250 / 312)  # 7.2115
    counts = {"H100": 1000, "B200": 100, "A100": 10}
    # PFLOPS = (1000 x 989 + 100 x 2250 + 10 x 312) / 1000 = 989 + 225 + 3.12
    assert cat.pflops_bf16(counts) == pytest.approx(1217.12)
    # A100-eq = 1000 x 989/312 + 100 x 2250/312 + 10 = 3169.872 + 721.154 + 10
    assert cat.a100_equivalents(counts) == pytest.approx(3901.026, abs=1e-3)
    # IT MW = (1000 x 1.27498 + 100 x 1.7875 + 10 x 0.81252) / 1000
    assert cat.it_mw(counts) == pytest.approx((1274.98 + 178.75 + 8.1252) / 1000)


def test_start_fleet_under_2000_high_performance(cat: GpuCatalogue) -> None:
    fleet = load_start_fleet(catalogue=cat)
    hp = high_performance_gpus(fleet, cat)
    assert hp == 1656 and hp < 2000  # seed 000:81: "under 2,000"
    by = lambda org, model: sum(e.gpus for e in fleet if e.organisation == org and e.model == model)
    assert by("FPT", "H100") == 1056 and by("FPT", "A100") == 40 and by("FPT", "A30") == 170  # 000:122
    assert by("VinAI", "A100") == 160  # 000:71: 20 DGX A100 x 8
    assert not any("Viettel" == e.organisation for e in fleet)  # Viettel's ~6,000 are orders (000:75)
    assert all(e.source for e in fleet)


def test_baseline_orders_are_viettels_6000() -> None:
    g = Gpus()
    assert sum(o.gpus for o in g.orders) == 6000
    assert {o.organisation for o in g.orders} == {"Viettel"}
    assert all("000:75" in o.source for o in g.orders)


# ---------------------------------------------------------------------------- helpers


def spec(
    model: str = "H100",
    tdp_w: float = 700.0,
    overhead: float = 1.27 / 0.7,
    p50: float = 0.0,
    p90: float = 0.0,
    price: float = 30_000.0,
    tflops: float = 989.0,
) -> GpuSpec:
    return GpuSpec(model, tdp_w, tflops, price, p50, p90, overhead)


def dcfleet(it_mw=(1.0,), base=None, provinces=None) -> DCFleet:
    n = len(it_mw)
    return DCFleet(
        np.array([f"dc{i}" for i in range(n)]),
        np.array(provinces or [0] * n),
        np.full(n, 1.4),
        np.array(it_mw, dtype=float),
        np.full(n, 100.0),
        np.array(base if base is not None else [0.0] * n, dtype=float),
    )


def gpus_cfg(orders=(), life_years=5.0, shock=None) -> Gpus:
    d = {"orders": list(orders), "life_years": life_years}
    if shock:
        d["supply_shock"] = shock
    return Gpus.model_validate(d)


def order(n=1000, model="H100", when=START, hint=None, org="X") -> dict:
    return {"organisation": org, "model": model, "gpus": n, "order_date": when, "dc_hint": hint}


def model(cfg, catalogue, fleet, start_fleet=(), pool=None, seed=1, rep=0, env=None):
    env = env or simpy.Environment()
    gm = GpuModel(
        env,
        cfg,
        catalogue,
        list(start_fleet),
        fleet,
        Clock(START, END),
        seed,
        rep,
        pool=pool,
        province_codes=CODES,
    )
    return env, gm


def entry(n=1000, model="H100", as_of=START, hint="") -> FleetEntry:
    return FleetEntry("S", model, n, hint, as_of, "test")


# ---------------------------------------------------------------------------- placement and stranding


def test_stranded_when_power_is_short_then_placed_when_commissioned() -> None:
    cat = GpuCatalogue([spec()])
    fleet = dcfleet([1.0])
    env, gm = model(gpus_cfg([order(1000)]), cat, fleet)
    env.run(until=1.0)
    # 1 MW free / 1.27 kW per GPU = 787.4 -> 787 placed, 213 stranded
    assert gm.installed_by_model["H100"] == 787 and gm.stranded_by_model["H100"] == 213
    assert fleet.gpus.sum() == 787 and fleet.gpu_it_mw[0] == pytest.approx(787 * 1.27 / 1000)

    # +0.3 MW commissioned on day 40: free 1000 - 999.49 + 300 = 300.51 kW -> 236 fit >= 213
    def commission():
        yield env.timeout(40)
        fleet.commission(0, 0.3, 10)

    env.process(commission())
    env.run(until=58.0)  # the retry runs at month starts: Feb 1 = day 31 (before), Mar 1 = day 59
    assert gm.stranded_by_model["H100"] == 213
    env.run(until=60.0)
    assert gm.installed_by_model["H100"] == 1000 and gm.stranded_by_model["H100"] == 0
    assert fleet.gpu_it_mw[0] == pytest.approx(1000 * 1.27 / 1000)
    kinds = [e[1] for e in gm.events]
    assert kinds.count("stranded") == 1 and "placed_from_stranded" in kinds


def test_gpus_over_their_hall_s_rack_density_are_counted_by_hand() -> None:
    """Two data centres of 10 MW: dc0 with 1,500 racks (6.67 kW a rack, an air-cooled hall), dc1 with 250 (40 kW).
    1,000 GPUs of a 14.3 kW 8-GPU server (1.7875 kW each, DGX B200) hinted to dc0 need 1.7875 MW: all go there, and
    all 1,000 run in racks built for less than their server (6.67 < 14.3). 1,000 of a 6.5 kW server (0.8125 kW, DGX
    A100) in dc0 do not count (6.5 < 6.67); the same B200 hinted to dc1 do not either (14.3 < 40)."""

    def fleet() -> DCFleet:
        return DCFleet(
            np.array(["dc0", "dc1"]),
            np.array([0, 1]),
            np.full(2, 1.4),
            np.array([10.0, 10.0]),
            np.array([1500.0, 250.0]),
            np.zeros(2),
        )

    b200 = spec("B200", tdp_w=1000.0, overhead=1.7875)
    a100 = spec("A100", tdp_w=400.0, overhead=0.8125 / 0.4)
    cat = GpuCatalogue([b200, a100])
    assert fleet().design_kw_per_rack() == pytest.approx([10_000 / 1500, 40.0])
    for model_name, hint, over in (("B200", "dc0", 1000), ("A100", "dc0", 0), ("B200", "dc1", 0)):
        f = fleet()
        env, gm = model(gpus_cfg([order(1000, model=model_name, hint=hint)]), cat, f)
        env.run(until=1.0)
        assert gm.installed_by_model[model_name] == 1000
        assert f.gpus[int(hint[-1])] == 1000
        assert gm.gpus_over_rack_density == over, (model_name, hint)
        # their hall's retrofit: 1,000 x 1.7875 kW = 1.7875 MW at USD 2 m a MW and 25,520 VND a USD = 91.2344 bn VND
        # (data-centre capex, not the GPUs'); none where they fit the racks
        assert gm.retrofit_capex_vnd_bn_cum == pytest.approx(over * 1.7875 / 1000 * 2.0 * 25_520 / 1000)
    # the start fleet's halls are as they are: the same GPUs in dc0 at the start pay no retrofit
    f = fleet()
    env, gm = model(gpus_cfg(), cat, f, start_fleet=[entry(1000, model="B200", hint="dc0")])
    env.run(until=1.0)
    assert gm.gpus_over_rack_density == 1000 and gm.retrofit_capex_vnd_bn_cum == 0.0


def test_gpus_placed_outside_their_hint_move_there_when_it_opens_before_later_orders() -> None:
    """The state's GPUs arrived before the state hall opened, stayed in other halls for good, and enterprises' later
    GPUs filled the state hall (data-centre trial). By hand: dc0 (the hint) has 0 MW, dc1 2.6 MW; 1,000 H100 (1.27 MW)
    hinted to dc0 go to dc1 (1.33 MW left). dc0 commissions 2 MW on day 40. An unhinted order of 1,000 on day 45 would
    take dc0 (2.0 MW free, the most), leaving the hinted ones out for good; now the hinted 1,000 move first (dc0 0.73
    MW left, dc1 2.6), and the new 1,000 go to dc1."""
    cat = GpuCatalogue([spec()])
    fleet = dcfleet([0.0, 2.6])
    day45 = START + dt.timedelta(days=45)
    cfg = gpus_cfg([order(1000, hint="dc0", org="State"), order(1000, when=day45, org="Firm")])
    env, gm = model(cfg, cat, fleet)
    env.run(until=1.0)
    assert list(fleet.gpus) == [0.0, 1000.0]

    def commission():
        yield env.timeout(40)
        fleet.commission(0, 2.0, 100)

    env.process(commission())
    env.run(until=46.0)
    state = next(lot for lot in gm.lots if lot.organisation == "State")
    firm = next(lot for lot in gm.lots if lot.organisation == "Firm")
    assert list(state.per_dc) == [1000.0, 0.0] and list(firm.per_dc) == [0.0, 1000.0]
    assert list(fleet.gpus) == [1000.0, 1000.0]
    assert fleet.gpu_it_mw == pytest.approx([1.27, 1.27])
    assert [e[1] for e in gm.events].count("moved_to_hint") == 1


def test_shipped_h100_at_1_275_kw(cat: GpuCatalogue) -> None:
    fleet = dcfleet([1.0])
    env, gm = model(gpus_cfg(), cat, fleet, start_fleet=[entry(1000)])
    env.run(until=0.5)
    # 1000 kW / 1.27498 kW = 784.3 -> 784 placed, 216 stranded (start fleet, time 0)
    assert gm.installed_by_model["H100"] == 784 and gm.stranded_by_model["H100"] == 216
    assert [e[1] for e in gm.events] == ["start_placed", "stranded"]


def test_hint_first_then_anywhere() -> None:
    cat = GpuCatalogue([spec()])
    fleet = dcfleet([1.0, 0.5, 2.0], provinces=[0, 1, 2])  # dc0 in '01', dc1 in '48', dc2 in '79'
    env, gm = model(gpus_cfg([order(600, hint="48")]), cat, fleet)
    env.run(until=1.0)
    # dc1 (0.5 MW) takes floor(500/1.27) = 393; the other 207 go to the largest free: dc2
    assert fleet.gpus.tolist() == [0.0, 393.0, 207.0]
    fleet2 = dcfleet([1.0, 0.5, 2.0], provinces=[0, 1, 2])
    env, gm = model(gpus_cfg([order(100, hint="dc0")]), cat, fleet2)
    env.run(until=1.0)
    assert fleet2.gpus.tolist() == [100.0, 0.0, 0.0]


def test_high_performance_gpus_go_to_the_ai_halls_first() -> None:
    """Within the hint's data centres and then anywhere, the AI (liquid-cooled) halls take high-performance GPUs
    first: every GPU of ai-compute went to air-cooled halls while the AI halls stood empty (AI-compute trial)."""
    cat = GpuCatalogue([spec()])  # 1.27 kW a GPU: 1 MW holds floor(1000 / 1.27) = 787
    fleet = dcfleet([1.0, 0.5, 2.0, 0.5], provinces=[0, 0, 2, 2])  # dc0, dc1 in '01'; dc2, dc3 in '79'
    fleet.ai_hall = np.array([False, True, False, True])
    env, gm = model(gpus_cfg([order(600, hint="01")]), cat, fleet)
    env.run(until=1.0)
    # '01': its AI hall dc1 (0.5 MW) takes floor(500 / 1.27) = 393, its air hall dc0 the other 207
    assert fleet.gpus.tolist() == [207.0, 393.0, 0.0, 0.0]
    fleet = dcfleet([1.0, 0.5, 2.0, 0.5], provinces=[0, 0, 2, 2])
    fleet.ai_hall = np.array([False, True, False, True])
    env, gm = model(gpus_cfg([order(1000)]), cat, fleet)
    env.run(until=1.0)
    # no hint: both AI halls fill first (393 each), the last 214 go to the largest free air hall, dc2
    assert fleet.gpus.tolist() == [0.0, 393.0, 214.0, 393.0]
    # a GPU that is not high-performance is placed by free power alone
    low = GpuCatalogue([dataclasses.replace(spec(), high_performance=False)])
    fleet = dcfleet([1.0, 0.5, 2.0, 0.5], provinces=[0, 0, 2, 2])
    fleet.ai_hall = np.array([False, True, False, True])
    env, gm = model(gpus_cfg([order(100)]), low, fleet)
    env.run(until=1.0)
    assert fleet.gpus.tolist() == [0.0, 0.0, 100.0, 0.0]


def test_powered_gpus_join_the_pool_and_leave_on_retirement() -> None:
    cat = GpuCatalogue([spec()])
    env = simpy.Environment()
    pool = GpuPool(env)
    fleet = dcfleet([1.0])
    # in service 4 years before the start with a 5-year life: retires on day -1461 + 1826.25 = 365.25
    env, gm = model(
        gpus_cfg([order(500, when=START + dt.timedelta(days=100))]),
        cat,
        fleet,
        start_fleet=[entry(700, as_of=START - dt.timedelta(days=1461))],
        pool=pool,
        env=env,
    )
    assert pool.max_gpus_ever == 1200
    env.run(until=0.5)
    assert pool.installed == 700 and pool.idle == 700
    env.run(until=101.0)
    # 787 fit: 700 + 87 placed, 413 stranded
    assert gm.installed_by_model["H100"] == 787 and gm.stranded_gpus == 413 and pool.installed == 787
    env.run(until=365.0)
    assert gm.installed_by_model["H100"] == 787
    env.run(until=366.0)
    # the 700 retire and free their power; the stranded 413 are placed at the next month start (day 396)
    assert gm.installed_by_model["H100"] == 87 and gm.retired_by_model["H100"] == 700 and pool.installed == 87
    assert fleet.gpu_it_mw[0] == pytest.approx(87 * 1.27 / 1000)
    env.run(until=397.0)
    assert gm.installed_by_model["H100"] == 500 and gm.stranded_gpus == 0 and pool.installed == 500


def test_the_largest_cluster_is_one_owner_at_one_data_centre() -> None:
    """A training run needs one cluster: the national sum of A100-equivalents (owners and cities added up) said a
    25,000-A100 run fitted when no single owner had half of it anywhere. Hand-computed with an H100 at 989 dense
    TFLOPS = 989 / 312 A100s."""
    cat = GpuCatalogue([spec()])
    fleet = dcfleet([2.0, 2.0], provinces=[0, 2])  # dc0 in '01', dc1 in '79': 1,574 H100s fit in each
    orders = [
        order(1000, hint="dc0", org="A"),
        order(500, hint="dc1", org="A"),
        order(800, hint="dc0", org="B"),
    ]
    env, gm = model(gpus_cfg(orders, life_years=1.0), cat, fleet)
    env.run(until=1.0)
    assert fleet.gpus.tolist() == [1000.0 + 574.0, 500.0 + 226.0]  # B's 800: 574 fit at dc0, 226 go to dc1
    a100 = 989.0 / 312.0
    assert gm.a100_equivalents == pytest.approx(2300 * a100)  # the national sum
    # A at dc0 (1,000) is the largest: not A's 1,500 over two cities, not dc0's 1,574 of two owners
    assert gm.largest_cluster_a100_equivalents() == pytest.approx(1000 * a100)
    env.run(until=367.0)  # every lot retired after its one-year life
    assert gm.largest_cluster_a100_equivalents() == 0.0 and gm.a100_equivalents == 0.0


def test_retirement_and_write_off() -> None:
    cat = GpuCatalogue([spec()])
    fleet = dcfleet([0.0])  # no power at all: everything is stranded
    env, gm = model(
        gpus_cfg([order(10)], life_years=1.0),
        cat,
        fleet,
        start_fleet=[entry(5, as_of=START - dt.timedelta(days=400))],
    )
    env.run(until=1.0)
    # the start entry is past its 1-year life (400 > 365.25 days): never placed
    assert gm.retired_by_model["H100"] == 5 and gm.stranded_by_model["H100"] == 10
    env.run(
        until=366.0
    )  # written off at the first month start after delivery + 365.25 days (day 365 = 2027-01-01: not yet)
    assert gm.stranded_by_model["H100"] == 10
    env.run(until=397.0)  # 2027-02-01 = day 396
    assert gm.stranded_by_model["H100"] == 0 and gm.written_off_by_model["H100"] == 10


# ---------------------------------------------------------------------------- orders, lead times, shocks


def test_gpu_capex_is_the_unit_price_times_the_system_factor() -> None:
    """A GPU's capex was its card price alone (USD 30k per H100), where a deployed H100 with its server and its share
    of the InfiniBand fabric costs USD 47k-52k. compute.gpus.system_capex_factor scales the price: 1 gives the card
    alone, 2 doubles it; the delivery dates do not move."""
    cat = GpuCatalogue([spec(p50=100.0, p90=100.0, price=30_000.0)])
    got = {}
    for factor in (1.0, 2.0):
        cfg = gpus_cfg([order(8)]).model_copy(update={"system_capex_factor": factor})
        env, gm = model(cfg, cat, dcfleet([10.0]))
        env.run(until=100.1)
        got[factor] = (gm.capex_vnd_bn_cum, [d.delivery_day for d in gm.order_draws])
    # 8 x USD 30,000 x 25,520 VND/USD = 6.1248 bn VND for the cards
    assert got[1.0][0] == pytest.approx(6.1248) and got[2.0][0] == pytest.approx(2 * 6.1248)
    assert got[1.0][1] == got[2.0][1] == [100.0]
    with pytest.raises(ValueError):
        Gpus.model_validate({"system_capex_factor": 0.5})  # below the card's own price


def test_lead_time_shock_and_export_delay_arithmetic() -> None:
    cat = GpuCatalogue([spec(p50=100.0, p90=100.0, price=30_000.0)])  # p90 = p50: deterministic lead time
    shock = {
        "window_start": START + dt.timedelta(days=5),
        "window_end": START + dt.timedelta(days=60),
        "lead_time_multiplier": 1.5,
        "export_licence_delay": {"p50_days": 30, "p90_days": 30},
    }
    cfg = gpus_cfg(
        [
            order(10, when=START + dt.timedelta(days=10)),  # in the window: 10 + 100 x 1.5 + 30 = 190
            order(20, when=START + dt.timedelta(days=2)),
        ],  # before it: 2 + 100 = 102
        shock=shock,
    )
    env, gm = model(cfg, cat, dcfleet([10.0]))
    d0, d1 = gm.order_draws
    assert (d0.shocked, d0.lead_days, d0.export_delay_days, d0.delivery_day) == (True, 150.0, 30.0, 190.0)
    assert (d1.shocked, d1.lead_days, d1.export_delay_days, d1.delivery_day) == (False, 100.0, 0.0, 102.0)
    env.run(until=101.9)
    assert gm.installed_gpus == 0 and gm.capex_vnd_bn_cum == 0.0
    env.run(until=102.1)
    # 20 x USD 30,000 x 1.65 (server and fabric, the default system_capex_factor) x 25,520 VND/USD = 25.2648 bn VND
    assert gm.installed_gpus == 20 and gm.capex_vnd_bn_cum == pytest.approx(25.2648)
    env.run(until=190.1)
    assert gm.installed_gpus == 30 and gm.capex_vnd_bn_cum == pytest.approx(25.2648 + 12.6324)
    delivered = [(e[0], e[4]) for e in gm.events if e[1] == "delivered"]
    assert delivered == [(102.0, 20), (190.0, 10)]


def test_gpus_on_order_are_committed_until_delivered() -> None:
    """Capex is paid on delivery; what is ordered and not yet delivered is committed (`on_order_vnd_bn`), so a
    delivery that slips past the horizon leaves the capex but not the commitment (an import shock read as a saving)."""
    cat = GpuCatalogue([spec(p50=100.0, p90=100.0, price=30_000.0)])  # deterministic 100-day lead time
    cfg = gpus_cfg(
        [order(10, when=START + dt.timedelta(days=10)), order(20, when=START - dt.timedelta(days=30))]
    )
    env, gm = model(cfg, cat, dcfleet([10.0]))
    # one GPU: USD 30,000 x 1.65 x 25,520 VND/USD = 1.26324 bn VND
    one = 30_000 * 1.65 * 25_520 / 1e9
    # the order placed before the start (delivered on day 70) is committed from the start; the other from day 10
    assert gm.on_order_vnd_bn(0.0) == pytest.approx(20 * one)
    assert gm.on_order_vnd_bn(10.0) == pytest.approx(30 * one)
    env.run(until=70.1)  # the first delivered: paid, no longer on order
    assert gm.capex_vnd_bn_cum == pytest.approx(20 * one) and gm.on_order_vnd_bn(70.1) == pytest.approx(
        10 * one
    )
    env.run(until=110.1)  # the second delivered (10 + 100)
    assert gm.capex_vnd_bn_cum == pytest.approx(30 * one) and gm.on_order_vnd_bn(110.1) == 0.0


def test_the_state_pays_its_share_of_an_order_on_delivery() -> None:
    """A national programme's GPUs were no public money: an order's public_share_pct of its capex is the state's."""
    cat = GpuCatalogue([spec(p50=100.0, p90=100.0, price=30_000.0)])
    state = {**order(10), "public_share_pct": 40.0}
    env, gm = model(gpus_cfg([state, order(20)]), cat, dcfleet([10.0]))
    env.run(until=99.9)
    assert gm.public_capex_vnd_bn_cum == 0.0  # paid on delivery
    env.run(until=100.1)
    one = 30_000 * 1.65 * 25_520 / 1e9  # a GPU as deployed, bn VND
    assert gm.capex_vnd_bn_cum == pytest.approx(30 * one)
    assert gm.public_capex_vnd_bn_cum == pytest.approx(0.4 * 10 * one)


def test_an_import_cap_delivers_the_year_s_allowance_and_holds_the_rest_for_the_next() -> None:
    """compute.gpus.supply_shock.import_cap_gpus_per_year (a tier-2 country cap): an order beyond the year's
    allowance is delivered in part, the rest on 1 January, first come first served; capex follows the deliveries."""
    cat = GpuCatalogue(
        [spec(p50=100.0, p90=100.0, price=30_000.0)]
    )  # H100-class: high-performance; 100-day lead
    shock = {"window_start": START, "window_end": dt.date(2027, 12, 31), "import_cap_gpus_per_year": 25}
    cfg = gpus_cfg(
        [order(20), order(20, when=START + dt.timedelta(days=20)), order(40, when=dt.date(2027, 10, 1))],
        shock=shock,
    )
    env, gm = model(cfg, cat, dcfleet([10.0]))
    env.run(until=200.0)
    one = 30_000 * 1.65 * 25_520 / 1e9
    # day 100: the first 20 of 2026's 25; day 120: 5 of the second order, 15 held for 2027
    assert [(e[0], e[4]) for e in gm.events if e[1] == "delivered"] == [(100.0, 20), (120.0, 5)]
    assert gm.held_by_cap == 15 and gm.capex_vnd_bn_cum == pytest.approx(25 * one)
    assert gm.on_order_vnd_bn(200.0) == pytest.approx(15 * one)  # committed, not delivered
    env.run(until=366.0)  # 2027-01-01 is day 365: the 15 from 2027's allowance, 10 of it left
    assert gm.held_by_cap == 0 and gm.installed_gpus == 40
    # the third order arrives 2028-01-09 (2027-10-01 + 100 days): 2028 lies outside the cap's years, so all 40 come
    env.run(until=float((dt.date(2028, 1, 10) - START).days))
    assert gm.installed_gpus == 80 and gm.capex_vnd_bn_cum == pytest.approx(80 * one)


def test_the_import_cap_holds_only_high_performance_gpus() -> None:
    low = dataclasses.replace(spec(model="A30", p50=50.0, p90=50.0, tflops=165.0), high_performance=False)
    cat = GpuCatalogue([low])  # below A100 class (the catalogue's high_performance column)
    cfg = gpus_cfg([order(100, model="A30")], shock={"window_start": START, "import_cap_gpus_per_year": 0})
    env, gm = model(cfg, cat, dcfleet([10.0]))
    env.run(until=51.0)
    assert gm.installed_gpus == 100 and gm.held_by_cap == 0


def test_lognormal_lead_time_median(cat: GpuCatalogue) -> None:
    cfg = gpus_cfg([order(8, model="B200", when=START)] * 400)
    _, gm = model(cfg, cat, dcfleet([1.0]))
    leads = np.array([d.lead_days for d in gm.order_draws])
    p50, p90 = cat["B200"].lead_time_p50_days, cat["B200"].lead_time_p90_days
    assert np.median(leads) == pytest.approx(p50, rel=0.1)
    assert np.quantile(leads, 0.9) == pytest.approx(p90, rel=0.15)


def test_no_order_is_in_service_before_the_catalogue_minimum(cat: GpuCatalogue) -> None:
    """The shifted log-normal: 2,000 draws never below lead_time_min_days, p50 and p90 still the catalogue's; one
    draw checked by hand (floor + (p50 - floor) exp(sigma z), sigma = ln((p90 - floor)/(p50 - floor)) / z90)."""
    spec = cat["B200"]
    floor = spec.lead_time_min_days
    assert 0 < floor < spec.lead_time_p50_days
    cfg = gpus_cfg([order(8, model="B200", when=START)] * 2000)
    _, gm = model(cfg, cat, dcfleet([1.0]))
    leads = np.array([d.lead_days for d in gm.order_draws])
    assert leads.min() >= floor
    assert np.median(leads) == pytest.approx(spec.lead_time_p50_days, rel=0.05)
    assert np.quantile(leads, 0.9) == pytest.approx(spec.lead_time_p90_days, rel=0.08)
    z = -3.0  # the draw that gave a 24,000-GPU order 14 days without the floor
    sigma = (
        math.log((spec.lead_time_p90_days - floor) / (spec.lead_time_p50_days - floor)) / 1.2815515655446004
    )
    by_hand = floor + (spec.lead_time_p50_days - floor) * math.exp(sigma * z)
    assert shifted_lognormal_days(
        spec.lead_time_p50_days,
        sigma_from_p90(spec.lead_time_p50_days, spec.lead_time_p90_days, floor),
        z,
        floor,
    ) == pytest.approx(by_hand, rel=1e-12)
    unshifted = lognormal_days(
        spec.lead_time_p50_days, sigma_from_p90(spec.lead_time_p50_days, spec.lead_time_p90_days), z
    )
    assert unshifted < floor < by_hand  # the lower tail is squeezed above the floor, not cut at it


def test_determinism(cat: GpuCatalogue) -> None:
    def run(rep):
        env, gm = model(
            Gpus(),
            cat,
            dcfleet([5.0, 30.0], provinces=[0, 2]),
            start_fleet=load_start_fleet(catalogue=cat),
            rep=rep,
        )
        env.run(until=900)
        return [d.delivery_day for d in gm.order_draws], gm.events, gm.installed_by_model, gm.capex_vnd_bn_cum

    a, b, c = run(0), run(0), run(1)
    assert a == b
    assert a[0] != c[0]


# ---------------------------------------------------------------------------- bad input


def test_bad_orders_raise_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="model") as e:
        gpus_cfg([order(model="H900")])
    assert "unknown GPU model 'H900'" in str(e.value)
    with pytest.raises(ValidationError, match="gpus"):
        gpus_cfg([order(n=0)])
    with pytest.raises(ValidationError, match="order_date"):
        gpus_cfg([order(when=dt.date(2019, 12, 31))])
    with pytest.raises(ValidationError, match="dc_hint"):
        gpus_cfg([order(hint="99")])
    with pytest.raises(ValidationError, match="window_end"):
        gpus_cfg(shock={"window_start": dt.date(2027, 1, 1), "window_end": dt.date(2026, 1, 1)})
    cat = GpuCatalogue([spec()])
    # an order after the horizon end is valid (a shortened horizon keeps the defaults valid); it just never delivers
    env, late = model(
        gpus_cfg([order(model="H100", when=dt.date(2031, 1, 1))]), GpuCatalogue([spec()]), dcfleet()
    )
    env.run(until=Clock(START, END).horizon_days + 1)
    assert late.installed_gpus == 0 and late.stranded_gpus == 0
    with pytest.raises(DxsimInputError, match=r"compute\.gpus\.orders\[1\]\.order_date = '2020-01-01'") as e:
        model(gpus_cfg([order(model="H100", when=dt.date(2020, 1, 1))]), cat, dcfleet())
    assert "\n" not in str(e.value)
    with pytest.raises(
        DxsimInputError, match=r"orders\[1\]\.model"
    ):  # valid in the shipped catalogue, not in this one
        model(gpus_cfg([order(model="B200")]), cat, dcfleet())
    with pytest.raises(DxsimInputError, match="not a data-centre id or a province code") as e:
        model(gpus_cfg([order(hint="dc7")]), cat, dcfleet())
    assert "dc0" in str(e.value) and "01, 48, 79" in str(
        e.value
    )  # what is allowed: the fleet's ids, the codes


def test_an_option_s_extra_order_is_named_as_its_file_writes_it() -> None:
    """A bad item of `extra_orders` is named by its own list and index, not by its place in `orders` + `extra_orders`:
    with 2 default orders, the second extra order is extra_orders[2] (it was "orders[3]", in no file)."""
    cat = GpuCatalogue([spec()])
    defaults = [order(n=10), order(n=20)]
    extra = [order(n=30), order(n=40, hint="dc7")]
    cfg = Gpus.model_validate({"orders": defaults, "extra_orders": extra})
    assert [cfg.order_field(i) for i in range(4)] == [
        "orders[1]",
        "orders[2]",
        "extra_orders[1]",
        "extra_orders[2]",
    ]
    with pytest.raises(DxsimInputError) as e:
        model(cfg, cat, dcfleet())
    assert e.value.field == "compute.gpus.extra_orders[2].dc_hint" and e.value.value == "dc7"
    early = Gpus.model_validate({"orders": defaults, "extra_orders": [order(when=dt.date(2021, 6, 1))]})
    [(path, value, _msg)] = early.validate_horizon(dt.date(2025, 10, 31), dt.date(2030, 12, 31))
    assert (path, value) == ("extra_orders[1].order_date", dt.date(2021, 6, 1))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n", encoding="utf-8")
    return path


def test_bad_catalogue_and_fleet_files(tmp_path: Path) -> None:
    cols = list(CATALOGUE_COLUMNS)
    good = ["H100", "700", "989", "30000", "90", "270", "1.82", "src"]
    no_overhead = [c for c in cols if c != "server_overhead"]
    with pytest.raises(DxsimInputError, match="missing column 'server_overhead'") as e:
        load_catalogue(_write(tmp_path / "c1.csv", no_overhead, [good[:6] + good[7:]]))
    assert "c1.csv" in str(e.value) and "\n" not in str(e.value)
    bad = good.copy()
    bad[1] = "seven hundred"
    with pytest.raises(DxsimInputError, match="row 1, column tdp_w"):
        load_catalogue(_write(tmp_path / "c2.csv", cols, [bad]))
    bad = good.copy()
    bad[5] = "30"
    with pytest.raises(DxsimInputError, match="row 2, column lead_time_p90_days"):
        load_catalogue(_write(tmp_path / "c3.csv", cols, [good, ["B200"] + bad[1:]]))
    cat = load_catalogue(_write(tmp_path / "c4.csv", cols, [good]))
    assert cat["H100"].lead_time_min_days == 0  # the column is optional: no floor
    with pytest.raises(
        DxsimInputError, match="row 1, column lead_time_min_days.*must be < lead_time_p50_days"
    ) as e:
        load_catalogue(_write(tmp_path / "c5.csv", [*cols, "lead_time_min_days"], [[*good, "90"]]))
    assert "c5.csv" in str(e.value)
    fcols = ["organisation", "model", "gpus", "dc_hint", "as_of", "source"]
    with pytest.raises(DxsimInputError, match="row 1, column model.*unknown GPU model"):
        load_start_fleet(_write(tmp_path / "f1.csv", fcols, [["X", "A100", "8", "", "2025-01-01", "s"]]), cat)
    with pytest.raises(DxsimInputError, match="row 1, column gpus"):
        load_start_fleet(_write(tmp_path / "f2.csv", fcols, [["X", "H100", "0", "", "2025-01-01", "s"]]), cat)
    with pytest.raises(DxsimInputError, match="row 1, column as_of"):
        load_start_fleet(_write(tmp_path / "f3.csv", fcols, [["X", "H100", "8", "", "2025", "s"]]), cat)
    with pytest.raises(DxsimInputError, match="missing column 'as_of'"):
        load_start_fleet(_write(tmp_path / "f4.csv", fcols[:4], [["X", "H100", "8", ""]]), cat)


def test_demand_defaults_busy_but_not_saturated(cat: GpuCatalogue) -> None:
    start_gpus = sum(e.gpus for e in load_start_fleet(catalogue=cat))
    util = AiDemandSection().offered_gpus_at_start() / start_gpus
    assert 0.45 < util < 0.75  # ~1,113 of 1,826 GPUs: ~61%
