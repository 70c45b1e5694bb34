"""Sensitivity sweeps (dxsim.sweep): SWEEP.toml validation, sampling, resume, local pool vs Dask.

The base ends 2026-12-31 and the sweeps vary simulation-only parameters, so every worker
prepares the world once; the Dask test starts a 2-process LocalCluster (~30-60 s).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dxsim.errors import DxsimInputError
from dxsim.execution import kpi_names, replication_kpis
from dxsim.scenario import load_scenario
from dxsim.sweep import SweepInterrupted, load_sweep, plan_sweep, run_sweep
from dxsim.sweep.analysis import analyse, drivers_markdown, reach_advice
from dxsim.sweep.spec import n_runs, validate_run

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
KPIS = '["pop_covered_5g_pct_2026_12", "capex_total_vnd_bn", "year_5g_pop_99pct", "villages_connected_end"]'
PARAMS = """
[[parameters]]
path = "supply.deliveries_per_month"
low = 500
high = 3000

[[parameters]]
path = "crews.north.teams"
low = 20
high = 300
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sweepbase")
    p = d / "short.toml"
    p.write_text(
        f'extends = "{BASELINE}"\nname = "short"\n[horizon]\nend_date = 2026-12-31\n', encoding="utf-8"
    )
    return p


def sweep_file(
    dir_: Path,
    base: Path,
    name: str = "s.toml",
    *,
    method: str = "lhs",
    samples: int = 5,
    kpis: str = KPIS,
    params: str = PARAMS,
    extra: str = "",
) -> Path:
    p = dir_ / name
    p.write_text(
        f'base = "{base}"\nmethod = "{method}"\nsamples = {samples}\nseed = 11\nkpis = {kpis}\n{extra}\n{params}',
        encoding="utf-8",
    )
    return p


def one_line_error(path: Path) -> str:
    with pytest.raises(DxsimInputError) as info:
        plan_sweep(path)
    msg = str(info.value)
    assert msg.splitlines() == [msg], msg
    assert str(path) in msg, msg  # names the sweep file
    return msg


# --------------------------------------------------------------------------- bad sweep files


@pytest.mark.parametrize(
    "case, change, expect",
    [
        (
            "unknown path",
            ("supply.deliveries_per_month", "supply.deliveries_per_mnth"),
            [
                "parameters[1].path",
                "unknown key 'deliveries_per_mnth'",
                "did you mean 'deliveries_per_month'",
            ],
        ),
        (
            "unknown section",
            ("crews.north.teams", "crew.north.teams"),
            ["parameters[2].path", "unknown key 'crew'"],
        ),
        (
            "unknown dict key",
            ("crews.north.teams", "crews.west.teams"),
            ["unknown region 'west'", "north, central, south"],
        ),
        ("not a number", ("crews.north.teams", "horizon.end_date"), ["parameters[2]", "not a number"]),
        ("a table", ("crews.north.teams", "supply.lead_time"), ["parameters[2]", "is a table"]),
        (
            "low > high",
            ("low = 500\nhigh = 3000", "low = 3000\nhigh = 500"),
            ["parameters[1]", "low (3000) must be below high (500)"],
        ),
        (
            "out of range",
            ("low = 20\nhigh = 300", "low = 20\nhigh = 30000"),
            ["parameters[2]", "high = 30000 is outside the field's range", "between 0 and 20000"],
        ),
        ("reserved", ("crews.north.teams", "seed"), ["cannot be swept"]),
    ],
)
def test_bad_parameters(tmp_path, base, case, change, expect):
    old, new = change
    assert old in PARAMS, case
    msg = one_line_error(sweep_file(tmp_path, base, params=PARAMS.replace(old, new, 1)))
    for part in expect:
        assert part in msg, (case, msg)


def test_bad_method_kpi_and_keys(tmp_path, base):
    msg = one_line_error(sweep_file(tmp_path, base, method="sobel"))
    assert "method = 'sobel'" in msg and "sobol, morris, lhs" in msg
    msg = one_line_error(
        sweep_file(tmp_path, base, kpis='["pop_covered_5g_pct_2027_12"]')
    )  # beyond the horizon
    assert "kpis[1]" in msg and "unknown KPI 'pop_covered_5g_pct_2027_12'" in msg
    msg = one_line_error(sweep_file(tmp_path, base, kpis='["capex_totl_vnd_bn"]'))
    assert "did you mean 'capex_total_vnd_bn'" in msg
    msg = one_line_error(sweep_file(tmp_path, base, extra="sampels = 3"))
    assert "unknown key 'sampels'" in msg
    # the word a user writes for the key, not close in spelling (search-workflow trial)
    msg = one_line_error(sweep_file(tmp_path, base, extra="replications = 3"))
    assert "unknown key 'replications'; did you mean 'reps_per_run'?" in msg
    msg = one_line_error(sweep_file(tmp_path, base, samples=0))
    assert "samples" in msg
    dup = PARAMS + '\n[[parameters]]\npath = "supply.deliveries_per_month"\nlow = 1\nhigh = 2\n'
    assert "swept twice" in one_line_error(sweep_file(tmp_path, base, params=dup))
    missing = tmp_path / "nobase.toml"
    missing.write_text(
        f'base = "nope.toml"\nmethod = "lhs"\nsamples = 2\nkpis = {KPIS}\n{PARAMS}', encoding="utf-8"
    )
    assert "base scenario not found" in one_line_error(missing)


def test_sampled_scenario_validated_like_a_scenario_file(tmp_path, base):
    # p50 above the base's p90 (300 days) in some runs: the cross-field rule of the schema applies per run
    params = '[[parameters]]\npath = "works.new_site_permit.p50_days"\nlow = 100\nhigh = 600\n'
    msg = one_line_error(sweep_file(tmp_path, base, params=params, samples=8))
    assert "(run " in msg and "works.new_site_permit" in msg and "p90_days" in msg


TWO_SUPPORTS = """
[[supports]]
name = "upgrades"
per_site_vnd_bn = 0.5
site_kind = "upgrade"

[[supports]]
name = "rural_new"
per_site_vnd_bn = 1.5
site_kind = "new"
fund_vnd_bn = 2000
"""


def test_an_item_of_a_list_of_named_tables_is_swept_by_its_name(tmp_path, base):
    # Why: no [[supports]] programme nor village campaign could be swept ("supports is a list; nothing below it can
    # be swept"), though a support's pay per station is the lever a ministry pulls
    b = tmp_path / "two.toml"
    b.write_text(f'extends = "{base}"\nname = "two"\n{TWO_SUPPORTS}', encoding="utf-8")
    params = (
        '[[parameters]]\npath = "supports.rural_new.per_site_vnd_bn"\nlow = 0.5\nhigh = 3.0\n'
        '[[parameters]]\npath = "villages.campaigns.no_power_2025_11.mobilisation.p50_days"\nlow = 10\nhigh = 50\n'
    )
    spec, _design, tasks = plan_sweep(sweep_file(tmp_path, b, params=params, samples=4))
    assert [p.path for p in spec.parameters] == [
        "supports.rural_new.per_site_vnd_bn",
        "villages.campaigns.no_power_2025_11.mobilisation.p50_days",
    ]
    assert spec.parameters[0].address == ("supports", 1, "per_site_vnd_bn")
    base_sc = load_scenario(b)
    camp = next(i for i, c in enumerate(base_sc.villages.campaigns) if c.name == "no_power_2025_11")
    for i, t in enumerate(tasks):
        sc = validate_run(spec, i, t.params)
        assert sc.supports[1].per_site_vnd_bn == t.params["supports.rural_new.per_site_vnd_bn"]
        assert sc.supports[0] == base_sc.supports[0]  # the other programme untouched
        assert (
            sc.supports[1].fund_vnd_bn == 2000 and sc.supports[1].site_kind == "new"
        )  # and the rest of its own
        got = sc.villages.campaigns[camp].mobilisation.p50_days
        assert got == t.params["villages.campaigns.no_power_2025_11.mobilisation.p50_days"]
        assert [c.name for c in sc.villages.campaigns] == [c.name for c in base_sc.villages.campaigns]
    values = sorted(t.params["supports.rural_new.per_site_vnd_bn"] for t in tasks)
    assert (
        values[0] >= 0.5 and values[-1] <= 3.0 and len(set(values)) == 4
    )  # a Latin hypercube: one per stratum


def test_an_item_is_swept_by_its_place_as_messages_write_it(tmp_path, base):
    """`supports[2].x`, the second [[supports]] table counted from 1 as validation errors name it, is the item named
    in the base (rural_new): the same parameter, under its name, as `supports.rural_new.x`."""
    b = tmp_path / "two.toml"
    b.write_text(f'extends = "{base}"\nname = "two"\n{TWO_SUPPORTS}', encoding="utf-8")
    by_place = '[[parameters]]\npath = "supports[2].per_site_vnd_bn"\nlow = 0.5\nhigh = 3.0\n'
    by_name = by_place.replace("supports[2]", "supports.rural_new")
    placed, _d, tasks_p = plan_sweep(sweep_file(tmp_path, b, params=by_place))
    named, _d, tasks_n = plan_sweep(sweep_file(tmp_path, b, params=by_name))
    assert placed.parameters == named.parameters and placed.parameters[0].address == (
        "supports",
        1,
        "per_site_vnd_bn",
    )
    assert [t.params for t in tasks_p] == [t.params for t in tasks_n]


@pytest.mark.parametrize(
    "path, expect",
    [
        (
            "supports.rural_neww.per_site_vnd_bn",
            [
                "no item named 'rural_neww' in supports of the base scenario",
                "did you mean 'rural_new'",
                "upgrades",
            ],
        ),
        (
            "villages.campaigns.none_such.mobilisation.p50_days",
            ["no item named 'none_such'", "no_power_2025_11"],
        ),
        ("seasons.north.rainy_months.0", ["rainy_months is a list whose items have no name"]),
        ("supports.rural_new.site_kind", ["not a number"]),
        (
            "supports[3].per_site_vnd_bn",
            ["supports of the base scenario has 2 items", "upgrades, rural_new", "from 1"],
        ),
        # a place that is no count from 1: said so, not "unknown key 'supports[0]'" (trial of the session's changes)
        (
            "supports[0].per_site_vnd_bn",
            ["'[0]' is no place in the list supports: its items are counted from 1"],
        ),
        ("supports[-1].per_site_vnd_bn", ["'[-1]' is no place", "supports[1] for the first item"]),
        ("supports[x].per_site_vnd_bn", ["'[x]' is no place"]),
    ],
)
def test_a_bad_path_into_a_list_of_named_tables_is_one_line(tmp_path, base, path, expect):
    b = tmp_path / "two.toml"
    b.write_text(f'extends = "{base}"\nname = "two"\n{TWO_SUPPORTS}', encoding="utf-8")
    msg = one_line_error(
        sweep_file(tmp_path, b, params=f'[[parameters]]\npath = "{path}"\nlow = 1\nhigh = 2\n')
    )
    for part in expect:
        assert part in msg, msg


def test_a_base_without_the_list_says_it_lists_none(tmp_path, base):
    params = '[[parameters]]\npath = "supports.rural_new.per_site_vnd_bn"\nlow = 1\nhigh = 2\n'
    msg = one_line_error(sweep_file(tmp_path, base, params=params))
    assert "no item named 'rural_new' in supports" in msg and "it lists none" in msg


# --------------------------------------------------------------------------- design and analysis


def test_design_sizes(tmp_path, base):
    for method, samples, expected in (("sobol", 4, 4 * (2 + 2)), ("morris", 3, 3 * (2 + 1)), ("lhs", 7, 7)):
        spec, des, tasks = plan_sweep(sweep_file(tmp_path, base, method=method, samples=samples))
        assert len(tasks) == n_runs(spec) == expected == des.X.shape[0]
        assert all(isinstance(t.params["crews.north.teams"], int) for t in tasks)  # integer field: rounded
        assert len({t.run_id for t in tasks}) == len(tasks)
    spec2, _, tasks2 = plan_sweep(sweep_file(tmp_path, base, method="lhs", samples=7))
    assert [t.run_id for t in tasks2] == [
        t.run_id for t in tasks
    ]  # same spec -> same runs (resume finds them)


def test_a_sweep_over_the_hour_asks_before_it_starts(tmp_path, base, monkeypatch):
    """A sweep of a field that shapes the world over 4,900 runs printed "about 9.0 h" and started, storing a 230 MB
    world every few seconds (analyst trial, 2026-12-07). By hand with the estimate's coefficients: n runs of one
    replication each preparing its own world take n x (0.5 + 6.1) s, on 2 workers half that; over 3,600 s it is
    refused before any folder is made, naming the time and --yes. Runs already done (their files in runs/) are not
    counted, and the same runs sharing one world are under the hour."""
    from dxsim.runner_budget import BUDGET_SECONDS, SECONDS_PER_WORLD
    from dxsim.sweep.spec import SECONDS_PER_REPLICATION, check_time

    spec = load_sweep(sweep_file(tmp_path, base))
    each = SECONDS_PER_REPLICATION + SECONDS_PER_WORLD
    fits = int(
        2 * BUDGET_SECONDS / each
    )  # the most runs of their own world that 2 workers finish in the hour
    check_time(spec, [f"w{i}" for i in range(fits)], 2)
    with pytest.raises(DxsimInputError) as err:
        check_time(spec, [f"w{i}" for i in range(fits + 2)], 2)
    said = str(err.value)
    assert "longer than the 60 min a sweep starts without confirmation" in said and "--yes" in said, said
    check_time(spec, ["one"] * (fits + 2), 2)  # one world: 2 preparations, the rest replications only
    world = '[[parameters]]\npath = "sites.people_per_5g_site_dense"\nlow = 1500\nhigh = 2500\n'
    # the command's own path, with the budget lowered to a minute so that a few runs exceed it
    monkeypatch.setattr("dxsim.sweep.spec.BUDGET_SECONDS", 60.0)
    big = sweep_file(tmp_path, base, name="big.toml", samples=int(2 * 60 / each) + 2, params=world)
    out = tmp_path / "out"
    with pytest.raises(DxsimInputError, match="longer than the 60 s a sweep starts"):
        run_sweep(big, out_dir=out, workers=2)
    assert not out.exists()
    # 40 workers hold 40 prepared worlds (0.6 GB each): 24 GB, over the 16 GB `dxsim run --workers 40` is refused at
    with pytest.raises(DxsimInputError) as err:
        run_sweep(sweep_file(tmp_path, base, name="wide.toml", samples=40), out_dir=out, workers=40)
    said = str(err.value)
    assert said.startswith("--workers = 40: ") and "24.0 GB" in said and "at most 26 workers" in said, said
    assert not out.exists()


@pytest.mark.parametrize("method, index", [("sobol", "ST"), ("morris", "mu_star"), ("lhs", "rho")])
def test_analysis_names_the_driver(tmp_path, base, method, index):
    spec, des, _ = plan_sweep(
        sweep_file(
            tmp_path,
            base,
            method=method,
            samples=64 if method != "morris" else 20,
            kpis='["capex_total_vnd_bn", "villages_connected_end"]',
        )
    )
    x = (des.X - des.X.min(axis=0)) / np.ptp(des.X, axis=0)
    y = {"capex_total_vnd_bn": 5.0 * x[:, 0] + 0.2 * x[:, 1], "villages_connected_end": np.full(len(x), 60.0)}
    an = analyse(spec, des.X, y)
    top = an.drivers.filter(pl.col("kpi") == "capex_total_vnd_bn").sort("rank")
    assert top["parameter"][0] == "supply.deliveries_per_month" and top["index"][0] == index
    assert "constant" in an.notes["villages_connected_end"]
    ix = an.indices.filter((pl.col("kpi") == "capex_total_vnd_bn") & (pl.col("index") == index))
    assert ix.height == 2 and ix["conf"].null_count() == 0
    assert (ix["ci_low"] <= ix["value"]).all() and (ix["value"] <= ix["ci_high"]).all()


def test_an_exact_zero_confidence_half_width_is_shown_as_0_not_round_off(tmp_path, base):
    """A KPI strictly increasing in one parameter: every bootstrap resample has rho = 1, so the half-width is 0;
    drivers.md showed its round-off ("rho 1.00 ± 1.11e-16") where the terminal showed "± 0"; rho's interval is now
    given by its ends (interval_text), each shown without round-off."""
    spec, des, _ = plan_sweep(
        sweep_file(tmp_path, base, method="lhs", samples=8, kpis='["capex_total_vnd_bn"]')
    )
    y = 1000.0 + 10.0 * des.X[:, 0]
    an = analyse(spec, des.X, {"capex_total_vnd_bn": y})
    md = drivers_markdown(spec, an, len(y))
    line = next(ln for ln in md.splitlines() if ln.startswith("- **capex_total_vnd_bn**"))
    assert "`supply.deliveries_per_month` (rho 1.00 [1.00 to 1.00])" in line
    assert "e-1" not in md


def test_the_spread_is_a_share_of_the_runs_mean_not_of_the_midpoint_of_their_range(tmp_path, base):
    """ "x% of the mean" divides the range by the mean over the runs: skewed runs (most low, one high) have a mean
    far below the midpoint of their range, and the midpoint read 200% where the mean gives 400%."""
    spec, des, _ = plan_sweep(
        sweep_file(tmp_path, base, method="lhs", samples=8, kpis='["capex_total_vnd_bn"]')
    )
    y = np.array([1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 9000.0])  # mean 2,000, range 8,000
    order = np.argsort(np.argsort(des.X[:, 0]))  # rank of each run in the first parameter: a non-constant KPI
    an = analyse(spec, des.X, {"capex_total_vnd_bn": y[order]})
    by_hand = 100 * (9000.0 - 1000.0) / 2000.0  # 400%
    md = drivers_markdown(spec, an, len(y))
    line = next(ln for ln in md.splitlines() if ln.startswith("- **capex_total_vnd_bn**"))
    assert f"1,000 to 9,000 across the runs, {by_hand:.2f}% of the mean" in line
    from dxsim.sweep import SweepResult, drivers_table

    res = SweepResult(
        spec,
        pl.DataFrame({"capex_total_vnd_bn": y[order]}),
        pl.DataFrame(),
        an.indices,
        an.drivers,
        an.notes,
        tmp_path,
        0,
        0,
        None,
    )
    from rich.console import Console

    con = Console(width=400, record=True)
    con.print(drivers_table(res))
    shown = con.export_text()
    assert f"{by_hand:.2f}% of the mean" in shown
    # the terminal shows each index as drivers.md does ("1e+05 ± 2e+04" there beside "100,450 ± 20,363"; trial), and
    # rho with its percentile interval's ends, which need not be symmetric about it (provincial planner trial)
    from dxsim.sweep.analysis import index_text

    for r in an.drivers.iter_rows(named=True):
        assert r["index"] == "rho" and r["ci_low"] <= r["value"] <= r["ci_high"]
        text = f"{index_text(r['value'])} [{index_text(r['ci_low'])} to {index_text(r['ci_high'])}]"
        assert text in shown and text in md, (text, shown)
        assert "e+" not in text and "±" not in shown


def test_a_kpi_equal_but_for_rounding_is_constant_and_a_narrow_one_shows_its_spread(tmp_path, base):
    """Runs that add the same values in another order differ in the last digits: no drivers for that noise. A KPI
    that moves by 0.05% keeps its drivers, and drivers.md says how little there is to explain."""
    spec, des, _ = plan_sweep(
        sweep_file(
            tmp_path, base, method="lhs", samples=16, kpis='["capex_total_vnd_bn", "villages_connected_end"]'
        )
    )
    x = (des.X - des.X.min(axis=0)) / np.ptp(des.X, axis=0)
    noise = 113259.55329786762 + np.where(np.arange(len(x)) % 2 == 0, 0.0, 3e-12)
    narrow = 113201.0 + 58.0 * x[:, 0]  # 113,201 .. 113,259: 0.05% of the mean
    an = analyse(spec, des.X, {"capex_total_vnd_bn": narrow, "villages_connected_end": noise})
    assert "constant" in an.notes["villages_connected_end"]
    assert an.ranges["capex_total_vnd_bn"] == (narrow.min(), narrow.max())
    md = drivers_markdown(spec, an, len(x))
    line = next(ln for ln in md.splitlines() if ln.startswith("- **capex_total_vnd_bn**"))
    assert "113,201 to 113,259 across the runs, 0.05% of the mean" in line
    # a KPI that moves by 0.0007 points: its ends told apart, and the share not rounded to 0.00%
    from dxsim.sweep.analysis import spread_text

    assert spread_text((93.2217, 93.2224)) == " (93.2217 to 93.2224 across the runs, 0.00075% of the mean)"
    # a date KPI in months, not "2,028 to 2,031 ..., 0.13% of the mean": 2028.93 is day 340 of 2028 (6 December)
    assert (
        spread_text((2028.93, 2031.0), "year_last_village_connected")
        == " (2028-12 to 2031-01 across the runs)"
    )
    assert "supply.deliveries_per_month" in line


def test_kpi_names_match_what_a_replication_reports(base):
    from dxsim.execution import effective_scenario, process_world_cache
    from dxsim.scenario import load_scenario
    from dxsim.sim.model import run_replication

    sc = effective_scenario(load_scenario(base))
    world, _, _ = process_world_cache().get(sc, base.parent)
    k = replication_kpis(world, run_replication(world, 0), 0)
    assert set(k) == set(kpi_names(sc))
    summary_like = {
        "pop_covered_5g_pct_2026_12",
        "year_5g_pop_90pct",
        "year_last_village_connected",
        "dc_it_capacity_mw_end",
        "gpus_installed_end",
        "year_dc_1gw",
        "year_gpus_15x_start",
    }
    assert summary_like <= set(k)


# --------------------------------------------------------------------------- running, resume


def test_resume_after_interruption(tmp_path, base):
    sf = sweep_file(tmp_path, base, samples=5)
    full = run_sweep(sf, out_dir=tmp_path / "full", workers=0)
    assert full.executed == 5 and full.reused == 0

    seen: list[int] = []

    def stop_after_two(rec, done, total):
        seen.append(rec["run"])
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted) as info:
        run_sweep(sf, out_dir=tmp_path / "part", workers=0, on_run=stop_after_two)
    assert info.value.done == 2 and info.value.total == 5
    kept = sorted(p.name for p in (tmp_path / "part" / "runs").glob("*.json"))
    assert len(kept) == 2
    assert not (tmp_path / "part" / "runs.csv").exists()  # no final table from a partial sweep
    assert not [p for p in (tmp_path / "part" / "runs").iterdir() if p.name.startswith(".")]

    ran: list[int] = []
    resumed = run_sweep(sf, out_dir=tmp_path / "part", workers=0, on_run=lambda r, d, t: ran.append(r["run"]))
    assert resumed.reused == 2 and resumed.executed == 3
    assert sorted(ran + seen[:2]) == [0, 1, 2, 3, 4] and not set(ran) & set(seen[:2])
    assert resumed.runs.equals(full.runs)
    written = pl.read_csv(tmp_path / "part" / "runs.csv")
    assert written.equals(pl.read_csv(tmp_path / "full" / "runs.csv"))
    # an integer field as the integers the runs used (345, not 345.0; analyst trial, 2026-12-07)
    assert written.schema["crews.north.teams"] == pl.Int64
    assert written["crews.north.teams"].to_list() == [
        t.params["crews.north.teams"] for t in plan_sweep(sf)[2]
    ]
    assert resumed.indices.equals(full.indices)

    again = run_sweep(sf, out_dir=tmp_path / "part", workers=0)  # everything done: nothing runs
    assert again.executed == 0 and again.reused == 5
    meta = json.loads((tmp_path / "part" / "sweep.json").read_text())
    assert meta["runs"] == 5 and meta["reused"] == 5


def test_an_interrupt_after_the_runs_says_they_are_kept(tmp_path, base, monkeypatch):
    """^C while the sweep analyses and writes its tables (every run file saved): the same "finished runs kept"
    interrupt as during the runs (it said "nothing was written"), no table half-written, and a re-run reuses all."""
    import dxsim.sweep as sweep_mod

    sf = sweep_file(tmp_path, base, samples=3)

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(sweep_mod, "analyse", interrupted)
        with pytest.raises(SweepInterrupted) as info:
            run_sweep(sf, out_dir=tmp_path / "o", workers=0)
    assert (info.value.done, info.value.total) == (3, 3) and info.value.where == str(tmp_path / "o" / "runs")
    assert (
        len(list((tmp_path / "o" / "runs").glob("*.json"))) == 3
        and not (tmp_path / "o" / "runs.csv").exists()
    )
    again = run_sweep(sf, out_dir=tmp_path / "o", workers=0)
    assert again.reused == 3 and again.executed == 0 and (tmp_path / "o" / "runs.csv").is_file()


def test_outputs(tmp_path, base):
    res = run_sweep(sweep_file(tmp_path, base, samples=4), out_dir=tmp_path / "o", workers=0)
    out = tmp_path / "o"
    for name in (
        "runs.csv",
        "runs.parquet",
        "replications.parquet",
        "indices.csv",
        "drivers.csv",
        "drivers.md",
        "sweep.json",
    ):
        assert (out / name).is_file(), name
    runs = pl.read_csv(out / "runs.csv")
    assert runs.columns[:4] == ["run", "run_id", "supply.deliveries_per_month", "crews.north.teams"]
    assert runs.height == 4 and runs["run"].to_list() == [0, 1, 2, 3]
    reps = pl.read_parquet(out / "replications.parquet")
    assert set(reps["replication"].to_list()) == {0}
    assert "year_5g_pop_99pct" in res.notes  # never reached by 2026: no indices, said so
    # a date KPI also as its month (2028.2377 read as nothing to a provincial planner): empty where never reached, and
    # a reached one by hand: 2028 has 366 days, 0.2377049 x 366 = 87 days after 1 January = 28 March
    assert (
        runs["year_5g_pop_99pct_month"].null_count() == runs.height == runs["year_5g_pop_99pct"].null_count()
    )
    assert "capex_total_vnd_bn_month" not in runs.columns
    from dxsim.sweep import _month_of

    assert (
        _month_of(2028.2377049180327) == "2028-03"
        and _month_of(2027.999) == "2027-12"
        and _month_of(None) is None
    )
    md = (out / "drivers.md").read_text()
    assert "pop_covered_5g_pct_2026_12" in md and "supply.deliveries_per_month" in md
    # rho is of the values the runs used (crews' teams are whole), recomputed here from runs.csv with scipy: from
    # the sampled values it read 0.0643 where runs.csv gives 0.0685 (search audit)
    from scipy.stats import spearmanr

    idx = pl.read_csv(out / "indices.csv").filter(pl.col("index") == "rho")
    kpi = "capex_total_vnd_bn"
    for p in ("supply.deliveries_per_month", "crews.north.teams"):
        row = idx.filter((pl.col("kpi") == kpi) & (pl.col("parameter") == p))
        want = spearmanr(runs[p].to_numpy(), runs[kpi].to_numpy()).statistic
        assert row["value"][0] == pytest.approx(want, abs=1e-12), p
    assert (runs["crews.north.teams"] == runs["crews.north.teams"].round(0)).all()


def test_local_pool_and_dask_cluster_give_identical_results(tmp_path, base):
    distributed = pytest.importorskip("distributed")
    sf = sweep_file(tmp_path, base, samples=4)
    inproc = run_sweep(sf, out_dir=tmp_path / "inproc", workers=0)
    pool = run_sweep(sf, out_dir=tmp_path / "pool", workers=2)
    assert pool.stats.executor == "process-pool" and pool.stats.workers == 2
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        dask = run_sweep(sf, out_dir=tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert dask.stats.executor == "dask" and dask.executed == 4
    assert pool.runs.equals(inproc.runs)
    assert dask.runs.equals(pool.runs)
    assert dask.replications.equals(pool.replications)
    assert dask.indices.equals(pool.indices)
    workers = {
        json.loads(p.read_text())["timing"]["worker"] for p in (tmp_path / "dask" / "runs").glob("*.json")
    }
    assert len(workers) >= 1


def test_unreachable_scheduler_is_an_input_error(tmp_path, base, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("dxsim.execution.pool.DASK_CONNECT_TIMEOUT", "2s")
    sf = sweep_file(tmp_path, base, samples=2)
    with pytest.raises(DxsimInputError) as info:
        run_sweep(sf, out_dir=tmp_path / "x", scheduler="tcp://127.0.0.1:1")
    assert "--scheduler" in str(info.value)


def test_example_sweep_file_is_valid():
    spec = load_sweep(REPO / "scenarios" / "sweeps" / "example.toml")
    assert spec.method == "sobol" and spec.base.name == "baseline.toml"
    assert {"pop_covered_5g_pct_2027_12", "villages_connected_end", "capex_total_vnd_bn"} <= set(spec.kpis)


def test_the_support_pay_example_sweeps_its_base_programme_by_name():
    spec = load_sweep(REPO / "scenarios" / "sweeps" / "support-pay.toml")
    assert spec.base.name == "new-site-support.toml"
    names = [s.name for s in spec.base_scenario.supports]
    for p in spec.parameters:
        assert p.parts[:2] == ("supports", "new_sites") and p.address[1] == names.index("new_sites")


def test_a_parameter_that_moved_no_kpi_is_named() -> None:
    """The example's village budget for 2026 moved no KPI and nothing said so (indices of ~0 read "n.s."). In a Sobol
    design, parameter i moved nothing when every run AB_i (i alone from B) equals its base run A: checked on a KPI
    built by hand that reads parameters 0, 1, 2 and 4 and not 3, then one that reads 3 as well."""
    from dxsim.sweep.analysis import analyse, drivers_markdown, inert_parameters
    from dxsim.sweep.sampling import sample

    spec = load_sweep(REPO / "scenarios" / "sweeps" / "example.toml")
    X = np.asarray(sample(spec), dtype=float)
    assert X.shape == (spec.samples * (len(spec.parameters) + 2), len(spec.parameters))
    y = X[:, 0] + 2 * X[:, 1] + X[:, 2] ** 2 + X[:, 4]
    Y = dict.fromkeys(spec.kpis, y)
    assert inert_parameters(spec, Y) == [spec.parameters[3].path]
    an = analyse(spec, X, Y)
    assert an.inert == [spec.parameters[3].path]
    assert f"`{spec.parameters[3].path}`. Within the sweep's ranges" in drivers_markdown(spec, an, X.shape[0])
    Y[spec.kpis[0]] = y + 1e-3 * X[:, 3]  # one KPI reads it a little: it moved something
    assert inert_parameters(spec, Y) == []
    # a date never reached: undefined in a base run and in all its AB runs is no change; in one of them it is
    group = len(spec.parameters) + 2
    never = dict.fromkeys(spec.kpis, np.where(np.arange(y.size) // group == 0, np.nan, y))
    assert inert_parameters(spec, never) == [spec.parameters[3].path]
    one = dict.fromkeys(
        spec.kpis, np.where(np.arange(y.size) == 1 + 3, np.nan, y)
    )  # AB_3 of the first base run
    assert inert_parameters(spec, one) == []


def test_a_data_centre_project_is_addressed_by_its_project_id_not_its_display_name(tmp_path, base):
    """extra_projects carry a free display `name` (may be empty, repeated or hold dots) and a unique `project_id`:
    a path names the project by its id."""
    from dxsim.sweep.spec import resolve_path

    b = tmp_path / "dc.toml"
    b.write_text(
        f'extends = "{base}"\nname = "dc"\n'
        '[[compute.datacentres.extra_projects]]\nproject_id = "NEW-1"\nname = "Khu A. giai đoạn 1"\noperator = "x"\n'
        'gso34 = "01"\ncooling = "liquid"\nlon = 105.8\nlat = 21.0\nphases = [{ it_mw = 10, target_date = 2028-01-01 }]\n',
        encoding="utf-8",
    )
    sc = load_scenario(b)
    at = resolve_path(b, "p", "compute.datacentres.extra_projects.NEW-1.lon", sc)
    assert at.keys == ("compute", "datacentres", "extra_projects", 0, "lon")
    with pytest.raises(DxsimInputError, match="no item named 'Khu A'.*one of NEW-1"):
        resolve_path(b, "p", "compute.datacentres.extra_projects.Khu A.lon", sc)
    with pytest.raises(DxsimInputError, match="phases is a list whose items have no name"):
        resolve_path(b, "p", "compute.datacentres.extra_projects.NEW-1.phases.0.it_mw", sc)


def test_a_rho_interval_holds_its_estimate_when_the_kpi_moved_in_one_run() -> None:
    """A crews sweep of 6 runs whose KPI moved in one run (the lever binds only below a threshold) read rho 0.655
    with a bootstrap interval of 0.661..0.949: resamples that missed that run have no rho and were dropped, so the
    interval kept only the resamples that drew it. They count as rho = 0 now: the interval holds the estimate and
    reaches 0, as the permutation test (p well above 0.05) says."""
    from types import SimpleNamespace

    from dxsim.sweep.analysis import _spearman_rows

    x = np.array([20.0, 95.0, 170.0, 250.0, 330.0, 440.0])
    y = np.array([3.0, 0.0, 0.0, 0.0, 0.0, 0.0])  # the lowest crew count alone moved the date
    spec = SimpleNamespace(
        seed=7, conf_level=0.95, bootstrap=1000, parameters=[SimpleNamespace(path="crews.north.teams")]
    )
    (row,) = _spearman_rows(spec, "kpi", x[:, None], y)  # type: ignore[arg-type]
    # by hand: y's ranks are 6 and five ties at 3; x's 1..6, so rho = -7.5 / sqrt(17.5 * 7.5) = -0.6547
    assert row["value"] == pytest.approx(-7.5 / math.sqrt(17.5 * 7.5), abs=1e-9)
    assert row["ci_low"] <= row["value"] <= row["ci_high"]
    assert row["ci_high"] >= 0.0  # a third of the resamples miss the one run that moved: 0 is inside
    assert row["p_value"] > 0.05


def test_a_driver_is_distinct_from_zero_only_when_a_permutation_test_says_so(tmp_path, base):
    """A 4-run LHS sweep whose villages KPI moved in one run alone (601 against 602) listed every parameter as a
    driver, rho ±0.775 with a bootstrap interval of 0.775..1 and no "n.s.": at 4 runs no rank correlation can be
    told from 0 at 95%, since the exact permutation test's smallest p is 2/4! = 0.083. The test now decides "n.s."
    (exact up to 7 runs), and indices.csv carries its p_value."""
    from dxsim.sweep.analysis import spearman_p_value

    # exact p-values, by hand: a perfect rank correlation is 1 of n! orderings, or its reverse
    assert spearman_p_value(np.arange(4.0), np.arange(4.0), 0) == pytest.approx(2 / 24)
    assert spearman_p_value(np.arange(5.0), np.arange(5.0), 0) == pytest.approx(2 / 120)
    assert math.isnan(spearman_p_value(np.arange(4.0), np.ones(4), 0))  # a KPI that does not move
    spec, des, _ = plan_sweep(
        sweep_file(tmp_path, base, method="lhs", samples=4, kpis='["villages_connected_end"]')
    )
    lone = int(np.argmin(des.X[:, 0]))
    y = np.full(4, 602.0)
    y[lone] = 601.0  # moved in one run: the one lowest in the first parameter
    an = analyse(spec, des.X, {"villages_connected_end": y})
    drivers = an.drivers.filter(pl.col("rank").is_not_null())
    assert drivers.height > 0 and not drivers["distinct_from_zero"].any()
    rho = an.indices.filter(pl.col("index") == "rho")
    assert rho["p_value"].min() >= 2 / 24 - 1e-12  # no 4-run rho is significant
    line = next(
        ln
        for ln in drivers_markdown(spec, an, 4).splitlines()
        if ln.startswith("- **villages_connected_end**")
    )
    assert line.count("n.s.") == drivers.height  # every listed driver marked
    # 40 runs with a clear monotone effect of the first parameter: distinct; the others are not
    spec40, des40, _ = plan_sweep(
        sweep_file(tmp_path, base, "s40.toml", method="lhs", samples=40, kpis='["capex_total_vnd_bn"]')
    )
    y40 = 1000.0 + 10.0 * des40.X[:, 0]
    an40 = analyse(spec40, des40.X, {"capex_total_vnd_bn": y40})
    top = an40.drivers.filter(pl.col("rank") == 1).row(0, named=True)
    assert top["parameter"] == spec40.parameters[0].path and top["distinct_from_zero"] is True
    p_first = an40.indices.filter(
        (pl.col("index") == "rho") & (pl.col("parameter") == spec40.parameters[0].path)
    )["p_value"][0]
    # no resample of 40 runs reaches rho = 1: the observed one counts alone on each side, 2 x 1 / (9,999 + 1)
    assert p_first == pytest.approx(2 / 10_000)


def test_checking_a_large_sweep_s_scenarios_says_how_far_it_is(tmp_path, base, monkeypatch):
    """A 4,900-run sweep checked its sampled scenarios for ~16 s without a word before any run started. The check
    says how far it is every CHECK_SAY_EVERY runs (here 2 of 5 runs); a small sweep says nothing."""
    from dxsim.sweep import sampling

    sf = sweep_file(tmp_path, base, samples=5)
    monkeypatch.setattr(sampling, "CHECK_SAY_EVERY", 2)
    said: list[str] = []
    _spec, _des, tasks = plan_sweep(sf, progress=said.append)
    assert said == [f"checking the sampled scenarios: {i} of {len(tasks)}" for i in range(0, len(tasks), 2)]
    monkeypatch.setattr(sampling, "CHECK_SAY_EVERY", 500)
    quiet: list[str] = []
    plan_sweep(sf, progress=quiet.append)
    assert quiet == []


def test_an_item_of_a_list_without_names_is_swept_by_its_place(tmp_path):
    """`compute.gpus.extra_orders[2].gpus` is what `show --vs` and compare print for ai-compute's second extra order;
    a sweep refused it ("a list whose items have no name; nothing below it can be swept"; trial of the session's
    changes). It now sweeps that order's GPUs and no other field, and a place beyond the list is one line."""
    base = REPO / "scenarios" / "ai-compute.toml"
    params = '[[parameters]]\npath = "compute.gpus.extra_orders[2].gpus"\nlow = 4000\nhigh = 12000\n'
    spec, _design, tasks = plan_sweep(sweep_file(tmp_path, base, params=params, samples=4))
    (p,) = spec.parameters
    assert p.path == "compute.gpus.extra_orders[2].gpus" and p.address == (
        "compute",
        "gpus",
        "extra_orders",
        1,
        "gpus",
    )
    base_sc = load_scenario(base)
    for i, t in enumerate(tasks):
        sc = validate_run(spec, i, t.params)
        orders = sc.compute.gpus.extra_orders
        assert orders[1].gpus == t.params[p.path] and 4000 <= orders[1].gpus <= 12000
        assert (
            orders[0] == base_sc.compute.gpus.extra_orders[0]
            and orders[2] == base_sc.compute.gpus.extra_orders[2]
        )
    beyond = params.replace("extra_orders[2]", "extra_orders[4]")
    msg = one_line_error(sweep_file(tmp_path, base, name="b.toml", params=beyond))
    assert (
        "compute.gpus.extra_orders of the base scenario has 3 items" in msg and "a place from 1 to 3" in msg
    )


def test_rbd_fast_intervals_are_not_degenerate_at_a_few_dozen_runs(tmp_path: Path) -> None:
    """30 LHS runs of a KPI that is 3 x the first parameter plus a little noise, the other two irrelevant. With M = 7
    harmonics (the old (n - 1) // 4) SALib's half-size bootstrap resamples have only 8 frequencies, every resample
    gives S1 = 1 and every interval read "± 0" (search audit: an irrelevant parameter read S1 0.141 ± 0). Now M is
    30 // 16 = 1: every interval is positive, the driver's S1 is high, the irrelevant ones' low; a zero spread would
    be shown as none, never as "± 0"."""
    from SALib.analyze import rbd_fast
    from SALib.sample import latin

    from dxsim.sweep.analysis import indices_for, rbd_fast_harmonics
    from dxsim.sweep.spec import load_sweep

    params = "".join(
        f'[[parameters]]\npath = "{p}"\nlow = 0\nhigh = 100\n'
        for p in ("supply.deliveries_per_month", "crews.north.teams", "crews.south.teams")
    )
    f = tmp_path / "s.toml"
    f.write_text(
        f'base = "{(REPO / "scenarios" / "baseline.toml").as_posix()}"\nmethod = "lhs"\nsamples = 30\nseed = 3\n'
        f'kpis = ["capex_total_vnd_bn"]\n{params}',
        encoding="utf-8",
    )
    spec = load_sweep(f)
    x = latin.sample(spec.problem, 30, seed=3)
    y = 3 * x[:, 0] + np.random.default_rng(3).normal(0, 1, 30)
    assert rbd_fast_harmonics(30) == 1 and rbd_fast_harmonics(160) == 10 and rbd_fast_harmonics(10_000) == 10
    old = rbd_fast.analyze(spec.problem, x, y, M=7, num_resamples=50, seed=3)
    assert all(c == 0 for c in old["S1_conf"])  # the degenerate interval this replaces
    s1 = {r["parameter"]: r for r in indices_for(spec, "k", x, y) if r["index"] == "S1"}
    assert all(r["conf"] is not None and r["conf"] > 0 for r in s1.values())
    assert s1["supply.deliveries_per_month"]["value"] > 0.8
    assert max(s1["crews.north.teams"]["value"], s1["crews.south.teams"]["value"]) < 0.3


def test_an_lhs_sweep_s_rho_reads_the_whole_numbers_the_runs_used(tmp_path, base):
    """Teams swept over 1 .. 4 in 8 runs: the runs use whole teams, so several share a value (ties), and the rank
    correlation of the sampled fractions differs from that of the values in runs.csv (0.0643 against 0.0685 in the
    search audit). indices.csv's rho is scipy's Spearman of runs.csv's columns."""
    from scipy.stats import spearmanr

    params = '[[parameters]]\npath = "crews.north.teams"\nlow = 1\nhigh = 4\n'
    run_sweep(
        sweep_file(tmp_path, base, samples=8, params=params, kpis='["capex_total_vnd_bn"]'),
        out_dir=tmp_path / "o",
        workers=0,
    )
    runs = pl.read_csv(tmp_path / "o" / "runs.csv")
    teams = runs["crews.north.teams"].to_numpy()
    assert len(set(teams.tolist())) < len(teams)  # ties: what rounding changes
    rho = pl.read_csv(tmp_path / "o" / "indices.csv").filter(pl.col("index") == "rho")["value"][0]
    assert rho == pytest.approx(spearmanr(teams, runs["capex_total_vnd_bn"].to_numpy()).statistic, abs=1e-12)


def test_the_estimate_counts_the_worlds_the_runs_prepare(tmp_path, base):
    """A 30-run sweep was estimated at 7.5 s on 2 workers and took 37 s, 42 s of it preparing worlds (search audit).
    By hand: 30 runs x 1 replication x 0.5 s, plus each worker preparing each world it runs once: one shared world
    on 2 workers is 2 preparations; 3 worlds of 1, 1 and 28 runs on 2 workers are 1 + 1 + 2 = 4."""
    from dxsim.runner_budget import SECONDS_PER_WORLD
    from dxsim.sweep.spec import SECONDS_PER_REPLICATION, estimate_text, load_sweep, world_preparations

    assert world_preparations(["a"] * 30, 2) == 2 and world_preparations(["a", "b", *["c"] * 28], 2) == 4
    assert world_preparations(["a", "b"], None) == 2  # in this process: one worker
    spec = load_sweep(sweep_file(tmp_path, base, samples=30))
    one = estimate_text(spec, 30, 2, ["a"] * 30)
    cpu = 30 * SECONDS_PER_REPLICATION + 2 * SECONDS_PER_WORLD
    from dxsim.i18n import formats as F

    assert f"about {F.duration(cpu)} of compute" in one and f"about {F.duration(cpu / 2)} on 2 workers" in one
    assert "world preparation included" in one and "distinct prepared worlds" not in one
    many = estimate_text(spec, 30, 2, [str(i) for i in range(30)])
    assert f"about {F.duration(30 * SECONDS_PER_REPLICATION + 30 * SECONDS_PER_WORLD)} of compute" in many
    assert "(30 distinct prepared worlds: a swept parameter shapes the world" in many


@pytest.mark.parametrize(
    ("method", "extra", "expect"),
    [
        ("lhs", "second_order = true", "second_order = true: applies to method = 'sobol' only"),
        ("sobol", "morris_levels = 6", "morris_levels = 6: applies to method = 'morris' only"),
    ],
)
def test_a_key_of_another_method_is_refused(tmp_path, base, method, extra, expect):
    """`second_order = true` with `method = "lhs"` was silently ignored (analyst trial, 2026-12-07)."""
    msg = one_line_error(sweep_file(tmp_path, base, method=method, extra=extra))
    assert expect in msg and "this sweep's method is" in msg, msg
    plan_sweep(sweep_file(tmp_path, base, name="ok.toml", method="lhs", extra="second_order = false"))


def test_a_date_no_horizon_reaches_is_not_advised_a_longer_horizon() -> None:
    """A 90% date undefined in runs judged run by run (the sweep said "extend the horizon" of runs stalled at 80-85%,
    search-workflow trial; then averaged stalled and rising runs into one pace and said "about 139 years", new-user
    trial). By hand, a horizon to 2030-12-31: a run at 85.0 -> 85.0 and one at 85.05 -> 85.1 stall (under 0.1 points
    a year); runs at 70 -> 80 and 76 -> 84 rise 10 and 8 points a year, the nearer needs (90 - 84) / 8 = 0.75 years
    at its pace, and a run rising 0.2 a year from 81 needs 45 years, past 2045."""
    tags, end = ("2029_12", "2030_12"), dt.date(2030, 12, 31)
    flat = reach_advice("year_5g_pop_90pct", np.array([85.0, 85.1]), np.array([85.0, 85.05]), tags, 1.0, end)
    assert flat == (
        "of those runs, 2 of the 2 stall at 85–85.1% (pop_covered_5g_pct_2030_12, a change under 0.1 points a year at "
        "the end): no horizon reaches 90% there; choose levers that move it, or another KPI such as "
        "pop_covered_5g_pct_2030_12"
    )
    mixed = reach_advice(
        "year_5g_pop_90pct",
        np.array([85.0, 80.0, 84.0]),
        np.array([85.0, 70.0, 76.0]),
        tags,
        1.0,
        end,
    )
    assert mixed == (
        "of those runs, 1 of the 3 stall at 85% (pop_covered_5g_pct_2030_12, a change under 0.1 points a year at the "
        "end): no horizon reaches 90% there; 2 of the 3 still rise 8–10 points a year from 80–84%: at that pace 90% "
        "is at least 0.8 years beyond the horizon, likely more as growth slows; extend the horizon, choose levers "
        "that move it, or another KPI"
    )
    slow = reach_advice("year_5g_served_90pct", np.array([81.0]), np.array([80.8]), tags, 1.0, end)
    assert slow == (
        "of those runs, 1 of the 1 still rise 0.2 points a year from 81%: at that pace 90% lies beyond 2045-12-31, "
        "the latest horizon; choose levers that move it, or another KPI such as pop_5g_served_pct_2030_12"
    )
    # a date whose level dxsim does not know, or levels not recorded: no advice (the general note stays)
    assert (
        reach_advice("year_all_villages_connected", np.array([1.0]), np.array([0.0]), tags, 1.0, end) is None
    )
    assert reach_advice("year_5g_pop_90pct", np.array([np.nan]), np.array([80.0]), tags, 1.0, end) is None


def test_a_run_s_kpi_is_the_mean_of_its_replications_and_drivers_md_says_so(tmp_path, base):
    """runs.csv's KPI of a run is the mean of that run's rows of replications.parquet (recomputed here), where run
    and compare show a P50; drivers.md says so with more than one replication a run (it was said only in the code:
    operator trial), and not with one."""
    out = tmp_path / "two"
    with pytest.warns(UserWarning):  # the swept delivery rate is drawn too, and 2 draws are few: both said
        run_sweep(sweep_file(tmp_path, base, samples=3, extra="reps_per_run = 2"), out_dir=out, workers=0)
    runs = pl.read_csv(out / "runs.csv")
    reps = pl.read_parquet(out / "replications.parquet")
    kpi = "capex_total_vnd_bn"
    mine = reps.filter(pl.col("kpi") == kpi)
    means = mine.group_by("run").agg(pl.col("value").mean()).sort("run")
    assert mine.height == 2 * runs.height and sorted(set(mine["replication"].to_list())) == [0, 1]
    np.testing.assert_allclose(runs.sort("run")[kpi].to_numpy(), means["value"].to_numpy(), rtol=1e-12)
    said = "Each run's KPI is the mean of its 2 replications"
    assert said in (out / "drivers.md").read_text(encoding="utf-8")
    one = tmp_path / "one"
    with pytest.warns(UserWarning):
        run_sweep(sweep_file(tmp_path, base, "s1.toml", samples=3), out_dir=one, workers=0)
    assert "Each run's KPI is the mean" not in (one / "drivers.md").read_text(encoding="utf-8")
