"""Served vs covered in real runs: the states add up, 700 MHz is capacity-short in towns, thin links leave villages
capacity-short (issue 12). The baseline checks read the files the `dxsim run` command wrote."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dxsim.geo.country import load_country
from dxsim.scenario.loader import load_scenario
from dxsim.sim.model import run_replication
from dxsim.sim.world import prepare_world

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"


def test_three_states_add_up_to_100_everywhere_in_the_run(cli_baseline: Path) -> None:
    m = pl.read_parquet(cli_baseline / "metrics.parquet")
    for layer in ("5g", "mbb"):
        names = [f"pop_{layer}_served_pct", f"pop_{layer}_capacity_short_pct", f"pop_{layer}_uncovered_pct"]
        wide = m.filter(pl.col("metric").is_in(names)).pivot(
            on="metric", index=["date", "replication", "area"], values="value"
        )
        assert wide.height > 30 * 60  # every province and month
        total = wide.select(pl.sum_horizontal(names)).to_series().to_numpy()
        np.testing.assert_allclose(total, 100.0, atol=1e-6)
        assert (wide.select(names).to_numpy() >= -1e-9).all()
    # ... and within each density class (national rows)
    for layer in ("5g", "mbb"):
        for cls in ("urban", "suburban", "rural"):
            names = [f"pop_{layer}_{st}_pct_{cls}" for st in ("served", "capacity_short", "uncovered")]
            wide = m.filter(pl.col("metric").is_in(names)).pivot(
                on="metric", index=["date", "replication", "area"], values="value"
            )
            assert wide.height > 60 and set(wide["area"].to_list()) == {"VN"}
            np.testing.assert_allclose(
                wide.select(pl.sum_horizontal(names)).to_series().to_numpy(), 100.0, atol=1e-6
            )
    # 5G uncovered is exactly what coverage leaves out
    cov = m.filter(pl.col("metric") == "pop_covered_5g_pct").rename({"value": "cov"})
    unc = m.filter(pl.col("metric") == "pop_5g_uncovered_pct").rename({"value": "unc"})
    j = cov.join(unc, on=["date", "replication", "area"])
    np.testing.assert_allclose(j["cov"] + j["unc"], 100.0, atol=1e-6)


def test_sites_brought_forward_count_once_and_bound_the_stations_built_for_capacity(
    cli_baseline: Path,
) -> None:
    """A trial read 227,046 "sites brought forward" beside 88,056 stations: every yearly move was counted, and a site
    not yet ordered a year later moves again. Each plan site now counts once (in the year first moved), and the
    stations built of them are a stock that never falls, within the stations built in the run and within the sites
    moved, in every replication (summary.json's KPIs are these paths' ends)."""
    m = pl.read_parquet(cli_baseline / "metrics.parquet").filter(pl.col("area") == "VN")
    kpis = json.loads((cli_baseline / "summary.json").read_text(encoding="utf-8"))["kpis"]
    for rep in m["replication"].unique().to_list():
        r = m.filter(pl.col("replication") == rep).sort("date")
        series = {
            n: r.filter(pl.col("metric") == n)["value"].to_numpy()
            for n in ("sites_brought_forward_for_capacity", "stations_5g_built_for_capacity", "stations_5g")
        }
        moved = np.cumsum(series["sites_brought_forward_for_capacity"])
        built = series["stations_5g_built_for_capacity"]
        assert (np.diff(built) >= 0).all() and built[-1] > 0
        assert (built <= moved).all()  # built of the sites moved so far
        assert (
            built <= series["stations_5g"] - series["stations_5g"][0]
        ).all()  # ... and of those built in the run
        assert moved[-1] < 202_653  # each plan site at most once (the baseline's plan)
    ends = sorted(
        float(v)
        for v in m.filter(pl.col("metric") == "stations_5g_built_for_capacity")
        .group_by("replication")
        .agg(pl.col("value").sort_by("date").last())["value"]
    )
    assert kpis["stations_5g_built_for_capacity_end"] == pytest.approx(
        float(np.quantile(ends, 0.5, method="inverted_cdf"))
    )


def test_village_months_are_the_connected_villages_summed_over_the_month_ends(cli_baseline: Path) -> None:
    """How soon, not only how many: village_months_connected and village_person_months_connected are the month-end
    counts of the run's own metrics summed per replication over the month ends after the start (P50 in summary.json),
    and a village connected earlier adds to them: recomputed from villages.parquet's connected dates of replication 0,
    month end by month end."""
    m = pl.read_parquet(cli_baseline / "metrics.parquet").filter(pl.col("area") == "VN")
    m = m.filter(
        pl.col("date") > m["date"].min()
    )  # the start's row is the state before the horizon's first month
    kpis = json.loads((cli_baseline / "summary.json").read_text(encoding="utf-8"))["kpis"]
    for kpi, metric in (
        ("village_months_connected", "villages_connected"),
        ("village_person_months_connected", "village_pop_connected"),
    ):
        sums = (
            m.filter(pl.col("metric") == metric).group_by("replication").agg(pl.col("value").sum())["value"]
        )
        assert kpis[kpi] == pytest.approx(float(np.quantile(sums.to_numpy(), 0.5, method="inverted_cdf")))
    ends = sorted(m["date"].unique().to_list())
    villages = pl.read_parquet(cli_baseline / "villages.parquet")
    connected = [d for d in villages["connected_date"].to_list() if d is not None]
    by_hand = sum(sum(1 for d in connected if d <= end) for end in ends)
    rep0 = m.filter((pl.col("metric") == "villages_connected") & (pl.col("replication") == 0))["value"].sum()
    assert by_hand == rep0 > 0


def test_5g_person_months_are_the_people_covered_and_served_summed_over_the_month_ends(
    cli_baseline: Path,
) -> None:
    """How soon, not only how many, for 5G as for villages: pop_5g_covered_person_months and
    pop_5g_served_person_months are the national month-end people of the run's own metrics summed per replication over
    the month ends after the start (P50 in summary.json; the start's people, covered before the horizon's first month,
    are not one of its months); the covered people at each month end are also the provinces' own, summed."""
    m = pl.read_parquet(cli_baseline / "metrics.parquet")
    start = m["date"].min()
    nat = m.filter((pl.col("area") == "VN") & (pl.col("date") > start))
    kpis = json.loads((cli_baseline / "summary.json").read_text(encoding="utf-8"))["kpis"]
    for kpi, metric in (
        ("pop_5g_covered_person_months", "pop_covered_5g"),
        ("pop_5g_served_person_months", "pop_5g_served"),
    ):
        sums = nat.filter(pl.col("metric") == metric).group_by("replication").agg(pl.col("value").sum())
        assert sums.height == 2 and (sums["value"] > 0).all()
        assert kpis[kpi] == pytest.approx(
            float(np.quantile(sums["value"].to_numpy(), 0.5, method="inverted_cdf"))
        )
        at_start = m.filter(
            (pl.col("area") == "VN") & (pl.col("metric") == metric) & (pl.col("date") == start)
        )
        assert (at_start["value"] > 0).all()  # leaving the start out changes the KPI: the test can tell
    cov = m.filter((pl.col("metric") == "pop_covered_5g") & (pl.col("replication") == 0))
    by_province = float(cov.filter(pl.col("area") != "VN")["value"].sum())
    assert float(cov.filter(pl.col("area") == "VN")["value"].sum()) == pytest.approx(by_province, rel=1e-9)


def test_calibration_lists_reported_speeds_beside_model_throughput(cli_baseline: Path) -> None:
    cal = pl.read_csv(cli_baseline / "calibration.csv")
    rows = cal.filter(pl.col("figure").str.contains("Median mobile download speed"))
    assert rows.height == 4  # two reports (02/2025, 2025) x (busy-hour median, mean)
    assert sorted(rows["reported"].unique().to_list()) == [144.5, 159.57]
    assert (rows["status"] == "info").all() and rows["figure"].str.contains("definitions differ").all()
    assert (rows["model"] > 5).all() and (rows["model"] < 500).all()


def _run(path: Path, end: dt.date, **changes: object):
    sc = load_scenario(path)
    sc = sc.model_copy(update={"horizon": sc.horizon.model_copy(update={"end_date": end}), **changes})
    world = prepare_world(sc, load_country(), scenario_dir=path.parent)
    return world, run_replication(world, 0)


def test_rural_700mhz_leaves_more_town_people_capacity_short_than_the_baseline_by_2028() -> None:
    """700 MHz's big rural cells reach towns but carry little: more people in towns (the suburban density class) are
    in 5G coverage yet capacity-short by the end of 2028, although 700 MHz covers more people."""
    end = dt.date(2028, 12, 31)
    out = {}
    for name in ("baseline", "rural-700mhz"):
        world, res = _run(SCENARIOS / f"{name}.toml", end)
        towns = world.cells.env == 1
        short = res.service_cell_end["short5"]
        nat = res.metrics.filter((pl.col("area") == "VN") & (pl.col("date") == end))
        val = dict(zip(nat["metric"].to_list(), nat["value"].to_list(), strict=True))
        out[name] = (float(short[towns].sum()), val)
        # the metrics by density class are the cells' own states summed by class, and add up to the national share
        for e, cls in enumerate(("urban", "suburban", "rural")):
            in_cls = world.cells.env == e
            assert val[f"pop_5g_capacity_short_{cls}"] == pytest.approx(
                float(short[in_cls].sum()), rel=1e-9, abs=1e-3
            )
        total_short = sum(val[f"pop_5g_capacity_short_{c}"] for c in ("urban", "suburban", "rural"))
        pop = float(world.cells.pop.sum())
        assert total_short == pytest.approx(val["pop_5g_capacity_short_pct"] * pop / 100.0, rel=1e-9)
        mbb_short = sum(val[f"pop_mbb_capacity_short_{c}"] for c in ("urban", "suburban", "rural"))
        assert mbb_short == pytest.approx(val["pop_mbb_capacity_short_pct"] * pop / 100.0, rel=1e-9)
        # each class's shares are its cells' end states over its own people, summed here from the cells
        cells = res.service_cell_end
        for e, cls in enumerate(("urban", "suburban", "rural")):
            in_cls = world.cells.env == e
            people = float(world.cells.pop[in_cls].sum())
            assert val[f"pop_5g_served_pct_{cls}"] == pytest.approx(
                100.0 * float(cells["served5"][in_cls].sum()) / people, rel=1e-9
            )
            assert val[f"pop_5g_capacity_short_pct_{cls}"] == pytest.approx(
                100.0 * float(short[in_cls].sum()) / people, rel=1e-9, abs=1e-9
            )
    base, r700 = out["baseline"], out["rural-700mhz"]
    assert (
        r700[1]["pop_5g_served_pct_suburban"] < base[1]["pop_5g_served_pct_suburban"] - 1.0
    )  # towns served less
    assert r700[0] > base[0] + 1e6  # over a million more town people short
    assert r700[1]["pop_5g_capacity_short_suburban"] > base[1]["pop_5g_capacity_short_suburban"] + 1e6
    assert r700[1]["pop_covered_5g_pct"] > base[1]["pop_covered_5g_pct"]  # covered more ...
    assert r700[1]["pop_5g_served_pct"] < base[1]["pop_5g_served_pct"]  # ... served fewer


def test_tight_leo_capacity_makes_villages_capacity_short_not_connected() -> None:
    """Every village on one LEO terminal of 5 Mbps with short links accepted: on air, but not connected."""
    sc = load_scenario(SCENARIOS / "baseline.toml")
    opts = sc.villages.options.model_copy(deep=True)
    opts.policy.fixed_power, opts.policy.fixed_backhaul = "offgrid_solar", "leo"
    opts.policy.rule = "fixed"
    opts.backhaul.leo_capacity_mbps_per_terminal = 5.0
    opts.backhaul.leo_max_terminals = 1
    opts.demand.capacity_short_is_feasible = True
    villages = sc.villages.model_copy(update={"options": opts})
    world, res = _run(
        SCENARIOS / "baseline.toml",
        dt.date(2029, 12, 31),
        villages=villages,
        compute=sc.compute.model_copy(update={"enabled": False}),
    )
    table = world.villages.table
    need = (
        np.maximum(table["population"].to_numpy() * opts.demand.busy_hour_users_pct_of_population / 100, 1)
        * opts.demand.required_mbps_per_user
    )
    expect_short = need > 5.0 + 1e-9  # one 5 Mbps terminal cannot give each busy-hour user the required Mbps
    assert expect_short.sum() > 100
    np.testing.assert_array_equal(~table["served"].to_numpy(), expect_short)
    on_air = ~np.isnan(res.village_connected_day) & (
        res.village_connected_day <= (dt.date(2029, 12, 31) - sc.horizon.start_date).days
    )
    nat = res.metrics.filter(pl.col("area") == "VN")
    last = nat["date"].max()
    val = dict(
        zip(
            nat.filter(pl.col("date") == last)["metric"].to_list(),
            nat.filter(pl.col("date") == last)["value"].to_list(),
            strict=True,
        )
    )
    assert val["villages_capacity_short"] == pytest.approx(float((on_air & expect_short).sum()))
    assert val["villages_connected"] == pytest.approx(float((on_air & ~expect_short).sum()))
    assert (
        val["villages_connected"] + val["villages_capacity_short"] + val["villages_without_signal"]
        == table.height
    )


def test_end_cells_are_the_run_s_last_state_and_leaving_them_out_changes_nothing() -> None:
    """The per-cell end state (the maps' source) agrees with the month's national metrics and with 5G coverage;
    a replication run without it (a run's further replications) records the same metrics, row for row."""
    end = dt.date(2026, 6, 30)
    world, res = _run(SCENARIOS / "baseline.toml", end)
    sv = res.service_cell_end
    assert sv is not None and res.pop_covered_5g_cell_end is not None
    # served + short = 5G-covered people in every cell, and the national sums are the recorded metrics
    np.testing.assert_allclose(
        sv["served5"] + sv["short5"], res.pop_covered_5g_cell_end, rtol=1e-12, atol=1e-9
    )
    nat = res.metrics.filter((pl.col("area") == "VN") & (pl.col("date") == end))
    val = dict(zip(nat["metric"].to_list(), nat["value"].to_list(), strict=True))
    assert val["pop_5g_served"] > 0
    np.testing.assert_allclose(sv["served5"].sum(), val["pop_5g_served"], rtol=1e-9)
    np.testing.assert_allclose(sv["mbb_served"].sum(), val["pop_mbb_served"], rtol=1e-9)
    lean = run_replication(world, 0, end_cells=False)
    assert lean.service_cell_end is None and lean.pop_covered_5g_cell_end is None
    assert lean.pop_covered_4g_cell_end is None
    assert lean.metrics.equals(res.metrics)
    assert np.array_equal(lean.on_air_day, res.on_air_day, equal_nan=True)
