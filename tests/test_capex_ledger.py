"""Reported capex against the ledger and against unit costs x counts.

Every money figure a planner reads (metrics `capex_vnd_bn`, `capex_cum_vnd_bn`, `village_capex_vnd_bn`,
`compute_capex_vnd_bn`, `subsidy_paid_vnd_bn`; KPIs `capex_total_vnd_bn`, `village_capex_total_vnd_bn`,
`compute_capex_total_vnd_bn`, `subsidy_paid_total_vnd_bn`) must equal

1. the model's own books: the ledger (dxsim/sim/finance.py: commitments by owner and year, subsidies
   received), the data-centre phase log and the GPU deliveries, and
2. a recomputation from the scenario's unit costs and counts taken from the run's entity tables:
   5G sites added by kind (sites_5g) x the scenario's per-site cost fields, the chosen option cost of
   each connected village (villages table), IT MW x capex per MW of the cooling class, GPUs delivered x
   catalogue price (geodata/gpu_catalogue.csv), eligible stations x equipment cost x support share.

The model is observed, not changed: the test wraps the Ledger / Rollout / VillageProgramme classes
and `run_replication` to keep the objects of each replication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import dxsim.runner as runner
import dxsim.sim.model as model
from dxsim.runner import RunOutput, run_scenario
from dxsim.scenario.schema import OPERATORS

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
CATALOGUE = REPO / "geodata" / "gpu_catalogue.csv"
REL = 1e-9  # sums of the same numbers in another order
KPI_ABS = 1e-6  # KPIs are rounded to 6 decimals


@dataclass
class Books:
    """The model objects of replication 0, kept while the run goes."""

    ledgers: list = field(default_factory=list)
    rollouts: list = field(default_factory=list)
    programmes: list = field(default_factory=list)
    results: list = field(default_factory=list)


def run_with_books(path: Path) -> tuple[RunOutput, Books]:
    books = Books()
    ledger_cls, rollout_cls, programme_cls = model.Ledger, model.Rollout, model.VillageProgramme
    run_rep = runner.run_replication

    def ledger(*a, **k):
        obj = ledger_cls(*a, **k)
        books.ledgers.append(obj)
        return obj

    class Rollout(rollout_cls):
        def __init__(self, *a, **k) -> None:
            super().__init__(*a, **k)
            books.rollouts.append(self)

    class Programme(programme_cls):
        def __init__(self, *a, **k) -> None:
            super().__init__(*a, **k)
            books.programmes.append(self)

    def replication(*a, **k):
        res = run_rep(*a, **k)
        books.results.append(res)
        return res

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model, "Ledger", ledger)
        mp.setattr(model, "Rollout", Rollout)
        mp.setattr(model, "VillageProgramme", Programme)
        mp.setattr(runner, "run_replication", replication)
        out = run_scenario(path, reps=1, write=False)
    assert len(books.ledgers) == len(books.rollouts) == len(books.results) == 1
    return out, books


@pytest.fixture(scope="module")
def baseline() -> tuple[RunOutput, Books]:
    return run_with_books(BASELINE)


@pytest.fixture(scope="module")
def subsidised(tmp_path_factory) -> tuple[RunOutput, Books]:
    """Baseline with Resolution 193 support paid inside a short horizon, capped by a small fund."""
    d = tmp_path_factory.mktemp("capex")
    path = d / "subsidised.toml"
    path.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "subsidised"\n'
        "[horizon]\nend_date = 2027-06-30\n"
        "[subsidy]\nmin_stations_per_operator = 0\nwindow_end = 2026-06-30\nfund_vnd_bn = 1000.0\n",
        encoding="utf-8")
    return run_with_books(path)


# --------------------------------------------------------------------------- helpers
def national(out: RunOutput, metric: str) -> pl.DataFrame:
    return out.metrics.filter((pl.col("area") == "VN") & (pl.col("metric") == metric)).sort("date")


def total(out: RunOutput, metric: str) -> float:
    return float(national(out, metric)["value"].sum())


def horizon_days(out: RunOutput) -> float:
    h = out.scenario.horizon
    return float((h.end_date - h.start_date).days)


def unit_capex(out: RunOutput) -> dict[str, float]:
    """Per-site capex by kind straight from the scenario's cost fields (not Costs.capex_vnd_bn)."""
    c = out.scenario.costs
    return {"upgrade": c.upgrade_equipment_vnd_bn + c.upgrade_works_vnd_bn,
            "new": c.new_site_equipment_vnd_bn + c.new_site_civil_vnd_bn}


def listed_or_last(table: dict[int, float], year: int) -> float:
    """A year's value in a scenario table: listed, else the last listed earlier year, else 0."""
    earlier = [y for y in table if y <= year]
    return float(table[max(earlier)]) if earlier else 0.0


def year_of(out: RunOutput, day: np.ndarray) -> np.ndarray:
    start = np.datetime64(out.scenario.horizon.start_date, "D")
    return (start + np.floor(day).astype("timedelta64[D]")).astype("datetime64[Y]").astype(int) + 1970


def assert_close(got: float, want: float, what: str, abs_tol: float = 1e-6) -> None:
    assert got == pytest.approx(want, rel=REL, abs=abs_tol), f"{what}: reported {got!r}, expected {want!r}"


# --------------------------------------------------------------------------- 5G
def test_5g_capex_equals_sites_added_times_unit_cost(baseline):
    out, _ = baseline
    unit = unit_capex(out)
    added = out.sites.filter(~pl.col("existing_at_start")).group_by("kind").len()
    n = dict(zip(added["kind"].to_list(), added["len"].to_list()))
    assert set(n) == {"upgrade", "new"} and min(n.values()) > 1000  # both kinds are built in the baseline
    want = n["upgrade"] * unit["upgrade"] + n["new"] * unit["new"]
    kpis = out.summary["kpis"]
    assert_close(kpis["capex_total_vnd_bn"], want, "KPI capex_total_vnd_bn", KPI_ABS)
    assert_close(total(out, "capex_vnd_bn"), want, "sum of monthly capex_vnd_bn")
    assert_close(float(national(out, "capex_cum_vnd_bn")["value"][-1]), want, "capex_cum_vnd_bn at the end")
    prov = out.metrics.filter((pl.col("area") != "VN") & (pl.col("metric") == "capex_vnd_bn"))
    assert_close(float(prov["value"].sum()), want, "sum over provinces of capex_vnd_bn")
    # the cumulative series is the running sum of the monthly one
    monthly = national(out, "capex_vnd_bn")["value"].to_numpy()
    assert np.allclose(np.cumsum(monthly), national(out, "capex_cum_vnd_bn")["value"].to_numpy(), rtol=REL)


def test_5g_capex_by_year_and_the_ledger(baseline):
    out, books = baseline
    ledger, st, plan = books.ledgers[0], books.rollouts[0].state, books.rollouts[0].plan
    unit = unit_capex(out)
    site_cost = np.where(plan.is_new, unit["new"], unit["upgrade"])
    h = horizon_days(out)
    ordered = ~np.isnan(st.order_day)
    on_air = st.on_air_day >= 0  # NaN compares False; start sites are -1
    in_horizon = on_air & (st.on_air_day <= h)
    # the sites the sites_5g table lists as added are the ones on air in the horizon, kind by kind
    added = out.sites.filter(~pl.col("existing_at_start"))
    assert added.height == int(in_horizon.sum())
    assert (added["kind"] == "new").sum() == int((in_horizon & plan.is_new).sum())
    # ledger: what each operator committed in a year = the sites it ordered that year x unit cost
    order_year = year_of(out, np.nan_to_num(st.order_day))
    for k, op in enumerate(OPERATORS):
        years = {y for (o, y) in ledger.committed if o == op}
        for y in years:
            mine = ordered & (st.operator == k) & (order_year == y)
            assert_close(ledger.committed[(op, y)], float(site_cost[mine].sum()), f"ledger {op} {y}")
            budget = listed_or_last(out.scenario.operators[op].capex_budget_vnd_bn, y)
            assert ledger.committed[(op, y)] <= budget + ledger.received[(op, y)] + 1e-6, (op, y)
    committed = sum(v for (o, _), v in ledger.committed.items() if o in OPERATORS)
    pending = ordered & ~in_horizon  # ordered, not on air by the end: committed but never reported
    assert_close(total(out, "capex_vnd_bn"), committed - float(site_cost[pending].sum()),
                 "reported 5G capex vs ledger commitments minus sites not on air")
    # recognised when on air: each year's reported capex = that year's new sites x unit cost, where a
    # month's metrics are read at the start of its last day (sites on air by then, as the Monitor does)
    nat = national(out, "capex_vnd_bn")
    start = out.scenario.horizon.start_date
    prev = -np.inf
    for d in [x for x in nat["date"].to_list() if x.month == 12]:
        day = float((d - start).days)
        mine = on_air & (st.on_air_day > prev) & (st.on_air_day <= day)
        got = float(nat.filter(pl.col("date").dt.year() == d.year)["value"].sum())
        assert_close(got, float(site_cost[mine].sum()), f"5G capex reported in {d.year}")
        prev = day


# --------------------------------------------------------------------------- villages
def test_village_capex_equals_chosen_options_and_the_ledger(baseline):
    out, books = baseline
    v, ledger = out.villages, books.ledgers[0]
    assert v is not None and v.height > 0
    # the chosen option's capex is its parts: power + signal site + backhaul
    parts = (v["power_capex_vnd_bn"] + v["signal_capex_vnd_bn"] + v["backhaul_capex_vnd_bn"]).to_numpy()
    feasible = v["feasible"].to_numpy()
    assert np.allclose(v["capex_vnd_bn"].to_numpy()[feasible], parts[feasible], rtol=REL)
    connected = (v["status"] == "connected").to_numpy()
    assert connected.sum() > 0
    want = float(parts[connected].sum())
    assert_close(out.summary["kpis"]["village_capex_total_vnd_bn"], want, "KPI village_capex_total_vnd_bn", KPI_ABS)
    assert_close(total(out, "village_capex_vnd_bn"), want, "sum of monthly village_capex_vnd_bn")
    prov = out.metrics.filter((pl.col("area") != "VN") & (pl.col("metric") == "village_capex_vnd_bn"))
    assert_close(float(prov["value"].sum()), want, "sum over provinces of village_capex_vnd_bn")
    # ledger: the programme commits a village's cost in the year works start, within that year's budget
    started = v["started_date"].to_list()
    cost = v["capex_vnd_bn"].fill_null(0.0).to_numpy()
    prog = out.scenario.villages.programme
    years = {y for (o, y) in ledger.committed if o == "villages"}
    assert years
    for y in years:
        mine = np.array([s is not None and s.year == y for s in started])
        assert_close(ledger.committed[("villages", y)], float(cost[mine].sum()), f"village ledger {y}")
        assert ledger.committed[("villages", y)] <= listed_or_last(prog.budget_vnd_bn, y) + 1e-6, y
    in_works = np.array([s is not None for s in started]) & ~connected
    committed = sum(val for (o, _), val in ledger.committed.items() if o == "villages")
    assert_close(committed - float(cost[in_works].sum()), want, "village ledger minus villages still in works")


# --------------------------------------------------------------------------- compute
def test_compute_capex_equals_phase_log_and_gpu_deliveries(baseline):
    out, books = baseline
    cr = books.results[0].compute
    assert cr is not None
    h = horizon_days(out)
    dc = out.scenario.compute.datacentres
    usd_m_per_mw = dc.capex_usd_m_per_mw.model_dump()
    # data centres: every phase that started construction in the horizon, IT MW x capex per MW of its cooling
    dc_capex = 0.0
    n_full = 0
    for plan in cr.dcs.plans:
        mw = {ph.number: ph.it_mw for ph in plan.phases}
        per_mw = usd_m_per_mw[plan.cooling] * dc.usd_vnd / 1000.0
        for rec in plan.log:
            if rec["construction_start"] > h:
                continue
            full = mw[rec["phase"]] * per_mw
            if rec["construction_start"] > 1e-6:  # started in the run: the whole phase
                assert_close(rec["capex_vnd_bn"], full, f"{plan.project_id} phase {rec['phase']}")
                n_full += 1
            else:  # under way on day 0: only the remaining share
                assert 0.0 < rec["capex_vnd_bn"] <= full * (1 + REL), (plan.project_id, rec)
            dc_capex += rec["capex_vnd_bn"]
    assert n_full > 0
    # GPUs: each delivery in the horizon x catalogue unit price x exchange rate
    cat = pl.read_csv(CATALOGUE)
    price = dict(zip(cat["model"].to_list(), cat["unit_price_usd"].to_list()))
    usd_vnd = out.scenario.compute.gpus.usd_vnd
    delivered = [(day, m, n) for (day, kind, _org, m, n, _d) in cr.gpus.events if kind == "delivered" and day <= h]
    assert delivered
    gpu_capex = sum(n * price[m] * usd_vnd / 1e9 for _, m, n in delivered)
    want = dc_capex + gpu_capex
    assert_close(out.summary["kpis"]["compute_capex_total_vnd_bn"], want, "KPI compute_capex_total_vnd_bn", KPI_ABS)
    assert_close(total(out, "compute_capex_vnd_bn"), want, "sum of monthly compute_capex_vnd_bn")
    # the models' own running totals (no phase or delivery fell after the last month end in this run)
    late = [r for p in cr.dcs.plans for r in p.log if r["construction_start"] > h]
    late += [e for e in cr.gpus.events if e[1] == "delivered" and e[0] > h]
    if not late:
        assert_close(cr.dcs.capex_vnd_bn_cum + cr.gpus.capex_vnd_bn_cum, want, "DC + GPU running totals")


# --------------------------------------------------------------------------- Resolution 193 support
def eligible_support(out: RunOutput, books: Books) -> dict[str, float]:
    """Support per operator before the fund cap: eligible stations x equipment cost x support share.

    Eligible: built in the run and on air from window_start up to the start of window_end (the model's
    reading, see test_subsidy_counts_the_last_day_of_the_window), plus the share of the operator's
    start-date stations assumed accepted in the window. Only operators above the station threshold.
    """
    sc = out.scenario
    st = books.rollouts[0].state
    is_new = books.rollouts[0].plan.is_new
    start = sc.horizon.start_date
    ws, we = float((sc.subsidy.window_start - start).days), float((sc.subsidy.window_end - start).days)
    equip = np.where(is_new, sc.costs.new_site_equipment_vnd_bn, sc.costs.upgrade_equipment_vnd_bn)
    share_start = sc.start_state.start_sites_in_window_pct / 100.0
    out_ = {}
    for k, op in enumerate(OPERATORS):
        mine = st.operator == k
        built = mine & (st.on_air_day >= max(ws, 0.0)) & (st.on_air_day <= we)
        n_start = int((mine & (st.on_air_day < 0)).sum())
        if int(built.sum()) + round(n_start * share_start) < sc.subsidy.min_stations_per_operator:
            continue
        money = float(equip[built].sum()) + n_start * share_start * sc.costs.upgrade_equipment_vnd_bn
        out_[op] = money * sc.subsidy.equipment_share_pct / 100.0
    return out_


def test_subsidy_equals_ledger_and_eligible_equipment(subsidised):
    out, books = subsidised
    ledger = books.ledgers[0]
    sc = out.scenario
    uncapped = eligible_support(out, books)
    assert set(uncapped) == set(OPERATORS)
    scale = min(1.0, sc.subsidy.fund_vnd_bn / sum(uncapped.values()))
    assert scale < 1.0  # the fixture's small fund binds: the cap is exercised
    pay_year = (sc.subsidy.window_end + dt.timedelta(days=1)).year
    for op, amount in uncapped.items():
        assert_close(ledger.received[(op, pay_year)], amount * scale, f"support received by {op}")
    received = sum(ledger.received.values())
    assert_close(received, sc.subsidy.fund_vnd_bn, "support paid = the fund (cap binds)")
    assert_close(out.summary["kpis"]["subsidy_paid_total_vnd_bn"], received, "KPI subsidy_paid_total_vnd_bn", KPI_ABS)
    paid = national(out, "subsidy_paid_vnd_bn")
    assert_close(float(paid["value"].sum()), received, "sum of monthly subsidy_paid_vnd_bn")
    assert paid.filter(pl.col("value") > 0).height == 1  # paid once
    # the support tops up the operators' budgets: commitments stay within budget + support
    for (op, y), c in ledger.committed.items():
        if op in OPERATORS:
            budget = listed_or_last(sc.operators[op].capex_budget_vnd_bn, y)
            assert c <= budget + ledger.received[(op, y)] + 1e-6, (op, y)
    # and the 5G capex of this run still reconciles with its sites
    unit = unit_capex(out)
    added = out.sites.filter(~pl.col("existing_at_start"))
    n_new = int((added["kind"] == "new").sum())
    assert_close(out.summary["kpis"]["capex_total_vnd_bn"],
                 n_new * unit["new"] + (added.height - n_new) * unit["upgrade"], "KPI capex_total_vnd_bn", KPI_ABS)


def test_baseline_pays_no_support(baseline):
    """As enacted no operator reaches 20,000 stations accepted in 2025, so nothing is paid (and reported)."""
    out, books = baseline
    assert eligible_support(out, books) == {}
    assert sum(books.ledgers[0].received.values()) == 0.0
    assert out.summary["kpis"]["subsidy_paid_total_vnd_bn"] == 0.0 and total(out, "subsidy_paid_vnd_bn") == 0.0


@pytest.mark.xfail(strict=True, reason="Rollout.subsidy_payment counts stations on air up to 00:00 of window_end, "
                   "so stations accepted during window_end itself get no support (schema: 'stations accepted after "
                   "this date do not count')")
def test_subsidy_counts_the_last_day_of_the_window(subsidised):
    out, books = subsidised
    st = books.rollouts[0].state
    sc = out.scenario
    we = float((sc.subsidy.window_end - sc.horizon.start_date).days)
    last_day = (st.on_air_day > we) & (st.on_air_day < we + 1)
    assert last_day.sum() > 0  # stations are accepted on window_end in this run
    before = eligible_support(out, books)
    is_new = books.rollouts[0].plan.is_new
    equip = np.where(is_new, sc.costs.new_site_equipment_vnd_bn, sc.costs.upgrade_equipment_vnd_bn)
    extra = sum(float(equip[last_day & (st.operator == k)].sum()) * sc.subsidy.equipment_share_pct / 100.0
                for k in range(len(OPERATORS)))
    want_uncapped = sum(before.values()) + extra
    scale = min(1.0, sc.subsidy.fund_vnd_bn / want_uncapped)
    pay_year = (sc.subsidy.window_end + dt.timedelta(days=1)).year
    k = OPERATORS.index("viettel")
    want = (before["viettel"] + float(equip[last_day & (st.operator == k)].sum())
            * sc.subsidy.equipment_share_pct / 100.0) * scale
    assert books.ledgers[0].received[("viettel", pay_year)] == pytest.approx(want, rel=1e-9)


@pytest.mark.xfail(strict=True, reason="the payment event runs at 00:00 of window_end, before that day's month-end "
                   "record, so the metric shows the support in window_end's month while the ledger books it in the "
                   "year of the day after (window_end 31 Dec: reported in December, booked in the next year)")
def test_subsidy_is_reported_in_the_month_it_is_paid(subsidised):
    out, books = subsidised
    sc = out.scenario
    pay = sc.subsidy.window_end + dt.timedelta(days=1)
    assert any(y == pay.year and v > 0 for (_, y), v in books.ledgers[0].received.items())
    months = national(out, "subsidy_paid_vnd_bn").filter(pl.col("value") > 0)["date"].to_list()
    assert [(d.year, d.month) for d in months] == [(pay.year, pay.month)]
