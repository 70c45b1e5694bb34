"""End to end on the REAL data: the baseline scenario through `dxsim.runner.run_scenario`.

One module-scoped run (2 replications) feeds most tests; the determinism tests add one run
with the same seed and one with another seed. Outputs go to pytest temp directories.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dxsim.geo import load_country
from dxsim.results.metrics import (
    CAMPAIGN_METRICS,
    METRICS,
    SUPPORT_PROGRAMME_METRICS,
    campaign_metric_key,
    support_programme_metric,
)
from dxsim.runner import run_scenario
from dxsim.scenario import load_scenario, scenario_sha256
from dxsim.sim.calendar import month_end, month_ends
from dxsim.sim.world import prepare_world

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
OUTPUT_FILES = ("summary.json", "metrics.parquet", "metrics.csv", "sites_5g.parquet")
# DESIGN section 3: summary.json keys
DESIGN_KEYS = {"scenario", "scenario_sha256", "seed", "reps", "dxsim_version", "data_sources", "kpis"}
# extra keys the runner adds, accepted explicitly (anything else is a schema change to review)
EXTRA_KEYS = {"scenario_file", "horizon", "dxsim_code_sha256", "sites_5g_end"}
# metrics the model reports per province as well as nationally (others are VN only)
SUMMED_BY_PROVINCE = (
    "stations_5g",
    "stations_5g_added",
    "pop_covered_5g",
    "pop_covered_4g",
    "capex_vnd_bn",
    "stations_4g",
)


@pytest.fixture(scope="module")
def baseline(cli_baseline):
    """(sites table of replication 0, folder) of the session's `dxsim run --reps 2` (conftest); tests only read it."""
    return pl.read_parquet(cli_baseline / "sites_5g.parquet"), cli_baseline


@pytest.fixture(scope="module")
def metrics(baseline) -> pl.DataFrame:
    _, out = baseline
    return pl.read_parquet(out / "metrics.parquet")


@pytest.fixture(scope="module")
def summary(baseline) -> dict:
    _, out = baseline
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def province_codes() -> list[str]:
    return list(load_country().province_codes)


def national(metrics: pl.DataFrame, metric: str, rep: int = 0) -> np.ndarray:
    sel = (pl.col("area") == "VN") & (pl.col("metric") == metric) & (pl.col("replication") == rep)
    return metrics.filter(sel).sort("date")["value"].to_numpy()


# --------------------------------------------------------------------------- files and summary


def test_output_files_exist(baseline):
    _, out = baseline
    for name in OUTPUT_FILES:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    # the atomic writer leaves no temporary siblings behind (conftest keeps the command's stdout and stderr beside it)
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, "stdout.txt", "stderr.txt"])


def test_summary_keys(summary):
    keys = set(summary)
    assert DESIGN_KEYS <= keys, DESIGN_KEYS - keys
    assert keys - DESIGN_KEYS <= EXTRA_KEYS, keys - DESIGN_KEYS - EXTRA_KEYS


def test_summary_values(summary, baseline):
    sc = load_scenario(BASELINE)
    assert summary["scenario"] == "baseline" == sc.name
    assert re.fullmatch(r"[0-9a-f]{64}", summary["scenario_sha256"])
    # the scenario as run (`--reps 2` applied): its resolved file hashes alike, the file without the override not
    # (state-audit trial: runs of one file with other seeds shared a hash, and the resolved file of one did not)
    _, out = baseline
    assert summary["scenario_sha256"] == scenario_sha256(out / "scenario.resolved.toml")
    assert summary["scenario_sha256"] != scenario_sha256(BASELINE) and sc.replications != 2
    assert re.fullmatch(r"[0-9a-f]{64}", summary["dxsim_code_sha256"])
    assert summary["seed"] == sc.seed
    assert summary["reps"] == 2
    import dxsim

    assert summary["dxsim_version"] == dxsim.__version__
    assert summary["horizon"] == {"start_date": "2025-10-31", "end_date": "2030-12-31"}
    assert isinstance(summary["kpis"], dict) and summary["kpis"]
    for k, v in summary["kpis"].items():
        assert v is None or isinstance(v, (int, float)), k


def test_summary_data_sources(summary):
    src = summary["data_sources"]
    assert isinstance(src, list) and src
    for d in src:
        assert set(d) == {"name", "licence", "synthetic"}, d
        assert isinstance(d["name"], str) and d["name"]
        assert isinstance(d["licence"], str) and d["licence"]
        assert isinstance(d["synthetic"], bool)
    assert any(d["synthetic"] for d in src), "the synthetic site layer must be declared"
    assert any(not d["synthetic"] for d in src)
    assert len({d["name"] for d in src}) == len(src)


def test_kpi_percentiles_are_ordered(summary):
    k = summary["kpis"]
    with_pct = [name for name in k if f"{name}_p10" in k and f"{name}_p90" in k]
    assert len(with_pct) >= 10
    for name in with_pct:
        lo, mid, hi = k[f"{name}_p10"], k[name], k[f"{name}_p90"]
        if None in (lo, mid, hi):  # "never reached" ranks last
            assert hi is None or (lo is not None and mid is not None), name
            continue
        assert lo <= mid <= hi, (name, lo, mid, hi)


def test_kpis_match_metrics(summary, metrics):
    k = summary["kpis"]
    end = [national(metrics, "stations_5g", r)[-1] for r in (0, 1)]
    assert min(end) <= k["stations_5g_2030_12"] <= max(end)
    cov4 = national(metrics, "pop_covered_4g_pct")[0]
    assert k["pop_covered_4g_pct"] == pytest.approx(cov4, abs=1e-5)


# --------------------------------------------------------------------------- metrics table


def test_metrics_columns_and_types(metrics):
    assert metrics.columns == ["date", "replication", "area", "metric", "value"]
    assert metrics.schema["date"] == pl.Date
    assert metrics.schema["replication"].is_integer()
    assert metrics.schema["area"] == pl.Utf8 and metrics.schema["metric"] == pl.Utf8
    assert metrics.schema["value"] == pl.Float64
    assert sorted(metrics["replication"].unique().to_list()) == [0, 1]
    assert metrics["value"].is_finite().all()


def test_metrics_dates_are_month_ends(metrics):
    dates = sorted(metrics["date"].unique().to_list())
    assert all(d == month_end(d) for d in dates)
    assert dates == month_ends(dt.date(2025, 10, 31), dt.date(2030, 12, 31))
    assert dates[0] == dt.date(2025, 10, 31) and dates[-1] == dt.date(2030, 12, 31)


def test_metrics_areas(metrics, province_codes):
    assert len(province_codes) == 34 == len(set(province_codes))
    assert all(re.fullmatch(r"[0-9]{2}", c) for c in province_codes)
    areas = set(metrics["area"].unique().to_list())
    assert areas == {"VN", *province_codes}


CAMPAIGN_MONTHLY = (
    "villages_left",
    "surge_capex_vnd_bn",
    *(
        f"held_pct_{c}"
        for c in ("budget", "permits", "line_crews", "site_teams", "power", "season", "backhaul")
    ),
)
CAMPAIGN_ONCE = (
    "villages_in_scope",
    "villages_done_by_deadline",
    "villages_left_at_deadline",
    "villages_without_power_at_deadline",
    "deadline_met",
)


def test_metric_names_are_the_documented_ones(metrics):
    campaigns = load_scenario(BASELINE).villages.campaigns
    assert campaigns  # the two 2025 campaigns by default
    names = set(metrics["metric"].unique().to_list())
    # each support programme's own money: Resolution 193 (the baseline's only programme), by the documented pattern
    programmes = {m for m in names if support_programme_metric(m) is not None}
    assert programmes == {f"support_resolution_193_{x}" for x in ("paid_cum_vnd_bn", "accrued_vnd_bn")}
    assert {f"support_<name>_{support_programme_metric(m)[1]}" for m in programmes} == set(
        SUPPORT_PROGRAMME_METRICS
    )
    names -= programmes
    fixed = {m for m in names if not m.startswith("campaign_")}
    assert fixed == set(METRICS)
    # per campaign: every documented pattern, with the campaign's name (the deadlines lie within the horizon)
    assert set(CAMPAIGN_METRICS) == {f"campaign_<name>_{x}" for x in CAMPAIGN_MONTHLY + CAMPAIGN_ONCE}
    # a deadline before the start (with_power_2025_09) is not judged: only its scope is written once
    start = load_scenario(BASELINE).horizon.start_date
    assert any(c.deadline < start for c in campaigns) and any(c.deadline > start for c in campaigns)
    assert names - fixed == {
        f"campaign_{c.name}_{x}"
        for c in campaigns
        for x in CAMPAIGN_MONTHLY + (CAMPAIGN_ONCE if c.deadline >= start else CAMPAIGN_ONCE[:1])
    }
    assert all(
        campaign_metric_key(f"campaign_{c.name}_{x}") == f"campaign_<name>_{x}"
        for c in campaigns
        for x in CAMPAIGN_MONTHLY + CAMPAIGN_ONCE
    )
    # every (date, replication, VN) carries every metric exactly once, except the median AI wait,
    # which has no row in a month when no job started, and the once-only campaign rows
    nat = metrics.filter(pl.col("area") == "VN")
    counts = nat.group_by("date", "replication", "metric").len()
    assert counts["len"].max() == 1
    periods = nat.select("date", "replication").unique().height
    at_the_end = {
        "pop_5g_capacity_short_edge_pct",
        "pop_mbb_capacity_short_edge_pct",
        "served_rate_mbps",
        "edge_rate_5g_slowest_band_mhz",
        "edge_rate_5g_slowest_band_mbps",
    }  # the last month end only
    monthly = (set(METRICS) - {"ai_job_wait_days_p50"} - at_the_end) | {
        f"campaign_{c.name}_{x}" for c in campaigns for x in CAMPAIGN_MONTHLY
    }
    every_month = counts.filter(pl.col("metric").is_in(list(monthly)))
    assert every_month.height == len(monthly) * periods
    last = counts.filter(pl.col("metric").is_in(list(at_the_end)))
    assert last["date"].unique().to_list() == [max(nat["date"].to_list())]
    assert last.height == len(at_the_end) * nat["replication"].n_unique()
    assert 0 < counts.filter(pl.col("metric") == "ai_job_wait_days_p50").height <= periods
    # once-only rows: one per replication, at the first month end on or after the deadline (the start if earlier)
    ends = sorted(nat["date"].unique().to_list())
    reps = sorted(nat["replication"].unique().to_list())
    for c in campaigns:
        due = ends[0] if c.deadline < ends[0] else next(d for d in ends if d >= c.deadline)
        for x in CAMPAIGN_ONCE if c.deadline >= start else CAMPAIGN_ONCE[:1]:
            rows = nat.filter(pl.col("metric") == f"campaign_{c.name}_{x}").sort("replication")
            assert rows["replication"].to_list() == reps and set(rows["date"].to_list()) == {due}, (c.name, x)


def test_metrics_csv_matches_parquet(baseline, metrics):
    _, out = baseline
    csv = pl.read_csv(out / "metrics.csv", try_parse_dates=True)  # default settings: codes must stay text
    assert set(csv.columns) == set(metrics.columns) | {"area_name"}
    assert csv.height == metrics.height
    keys = ["date", "replication", "area", "metric"]
    joined = metrics.join(
        csv.with_columns(pl.col("date").cast(pl.Date), pl.col("replication").cast(pl.Int32)),
        on=keys,
        how="inner",
        suffix="_csv",
    )
    assert joined.height == metrics.height  # every row found under the same text code ("01" stays "01")
    np.testing.assert_allclose(joined["value_csv"].to_numpy(), joined["value"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("metric", SUMMED_BY_PROVINCE)
def test_province_sums_equal_national(metrics, metric):
    m = metrics.filter(pl.col("metric") == metric)
    prov = (
        m.filter(pl.col("area") != "VN")
        .group_by("date", "replication")
        .agg(pl.col("value").sum().alias("prov"), pl.len().alias("n"))
    )
    nat = m.filter(pl.col("area") == "VN").select("date", "replication", pl.col("value").alias("vn"))
    j = nat.join(prov, on=["date", "replication"], how="full", coalesce=True)
    assert j.height == nat.height == prov.height > 0
    assert (j["n"] == 34).all()
    np.testing.assert_allclose(j["prov"].to_numpy(), j["vn"].to_numpy(), rtol=1e-9, atol=1e-6)


def test_percentages_consistent_with_counts(metrics, province_codes):
    """pop_covered_5g_pct = 100 x pop_covered_5g / population, same population in every month."""
    nat = metrics.filter(pl.col("area") == "VN")
    for rep in (0, 1):
        pop = national(metrics, "pop_covered_5g", rep)
        pct = national(metrics, "pop_covered_5g_pct", rep)
        total = pop / (pct / 100.0)
        np.testing.assert_allclose(total, total[0], rtol=1e-9)
        assert 90e6 < total[0] < 110e6  # Vietnam, ~100 million people
        assert np.all((pct >= 0) & (pct <= 100))
    shares = pl.col("metric").str.ends_with("_pct") & ~pl.col("metric").str.starts_with("crew")
    assert nat.filter(shares)["value"].max() <= 100


@pytest.mark.parametrize("rep", [0, 1])
def test_coverage_never_decreases(metrics, rep):
    pop = national(metrics, "pop_covered_5g", rep)
    assert np.all(np.diff(pop) >= -1e-6)
    prov = metrics.filter(
        (pl.col("metric") == "pop_covered_5g") & (pl.col("area") != "VN") & (pl.col("replication") == rep)
    ).sort("area", "date")
    for _, grp in prov.group_by("area"):
        assert np.all(np.diff(grp.sort("date")["value"].to_numpy()) >= -1e-6)
    # 4G grows only through the village programme: it rises exactly in months when villages connect
    cov4 = national(metrics, "pop_covered_4g", rep)
    conn = national(metrics, "villages_connected", rep)
    rises = np.diff(cov4) > 1e-6
    assert np.all(np.diff(cov4) >= -1e-6)
    assert np.all(np.diff(conn)[rises] > 0)
    assert cov4[-1] > cov4[0] if conn[-1] > conn[0] else cov4[-1] == cov4[0]


@pytest.mark.parametrize("rep", [0, 1])
def test_station_accounting(metrics, rep):
    total = national(metrics, "stations_5g", rep)
    added = national(metrics, "stations_5g_added", rep)
    assert total[0] >= 16_737
    assert np.all(np.diff(total) >= 0)
    np.testing.assert_array_equal(np.diff(total), added[1:])
    ops = sum(national(metrics, f"stations_5g_{o}", rep) for o in ("viettel", "vnpt", "mobifone"))
    np.testing.assert_array_equal(ops, total)
    kinds = national(metrics, "stations_5g_upgrades_cum", rep) + national(
        metrics, "stations_5g_new_sites_cum", rep
    )
    np.testing.assert_array_equal(kinds, total)
    capex = national(metrics, "capex_vnd_bn", rep)
    np.testing.assert_allclose(np.cumsum(capex), national(metrics, "capex_cum_vnd_bn", rep), rtol=1e-9)
    assert np.all(capex >= 0)
    for m in (
        "sites_in_permitting",
        "sites_awaiting_equipment",
        "sites_awaiting_crew",
        "subsidy_paid_vnd_bn",
    ):
        assert np.all(national(metrics, m, rep) >= 0), m
    for region in ("north", "central", "south"):
        u = national(metrics, f"crew_utilization_pct_{region}", rep)
        assert np.all(u >= 0), region


def test_replications_differ(metrics):
    assert not np.array_equal(national(metrics, "stations_5g", 0), national(metrics, "stations_5g", 1))


# --------------------------------------------------------------------------- sites table


def test_sites_table_is_replication_0_at_the_end(baseline, metrics):
    _, out = baseline
    sites = pl.read_parquet(out / "sites_5g.parquet")
    final0 = national(metrics, "stations_5g", 0)[-1]
    assert sites.height == int(final0)
    assert sites["existing_at_start"].sum() == 16_737
    assert sites["on_air_date"].min() >= dt.date(2025, 10, 31)
    assert sites["on_air_date"].max() <= dt.date(2030, 12, 31)
    assert sites["rank"].n_unique() == sites.height
    # per-province counts agree with the province metric at the last month
    last = metrics.filter(
        (pl.col("metric") == "stations_5g")
        & (pl.col("replication") == 0)
        & (pl.col("area") != "VN")
        & (pl.col("date") == dt.date(2030, 12, 31))
    )
    by_prov = dict(zip(last["area"].to_list(), last["value"].to_list()))
    counts = dict(sites.group_by("gso34").len().iter_rows())
    assert {k: v for k, v in by_prov.items() if v} == {k: float(v) for k, v in counts.items()}


# --------------------------------------------------------------------------- determinism


def test_same_seed_identical_metrics(baseline, metrics, tmp_path):
    _, out = baseline
    again = tmp_path / "again"
    run_scenario(BASELINE, out_dir=again, reps=2)
    other = pl.read_parquet(again / "metrics.parquet")
    assert other.equals(metrics)
    assert pl.read_parquet(again / "sites_5g.parquet").equals(pl.read_parquet(out / "sites_5g.parquet"))
    a = json.loads((again / "summary.json").read_text())
    b = json.loads((out / "summary.json").read_text())
    a.pop("scenario_file", None), b.pop("scenario_file", None)
    assert a == b


def test_different_seed_different_metrics(metrics, tmp_path):
    out = tmp_path / "seeded"
    res = run_scenario(BASELINE, out_dir=out, reps=2, seed=12345)
    other = pl.read_parquet(out / "metrics.parquet")
    assert res.summary["seed"] == 12345
    assert other.shape == metrics.shape
    assert not other.equals(metrics)
    # the start state is the same; only the rollout differs
    first = dt.date(2025, 10, 31)

    def start(df: pl.DataFrame) -> pl.DataFrame:
        sel = (pl.col("date") == first) & (pl.col("metric") == "pop_covered_5g")
        return df.filter(sel).sort("replication", "area")

    assert start(other).equals(start(metrics))


# --------------------------------------------------------------------------- villages


@pytest.fixture(scope="module")
def villages(baseline) -> pl.DataFrame:
    _, out = baseline
    return pl.read_parquet(out / "villages.parquet")


@pytest.fixture(scope="module")
def layer() -> pl.DataFrame:
    """The baseline world's own village layer (what the run must report, every row)."""
    return prepare_world(load_scenario(BASELINE), load_country(), scenario_dir=BASELINE.parent).villages.table


def test_one_row_per_village_none_dropped(villages, metrics, layer):
    assert villages.height == layer.height and villages["village_id"].is_unique().all()
    assert villages["village_id"].to_list() == layer["village_id"].to_list()
    assert villages["has_grid_power"].to_list() == layer["has_grid_power"].to_list()
    # the national coverage-hole layer: the no-power subset (the reported 117 without electricity and signal,
    # seed 000:302, the scenario's n_villages) and the villages with grid power but no or patchy signal
    no_power = ~villages["has_grid_power"]
    assert int(no_power.sum()) == load_scenario(BASELINE).villages.layer.n_villages == 117
    assert 0 < int((~no_power).sum()) == villages.height - 117
    assert villages["subset"].to_list() == ["no_power" if n else "with_power" for n in no_power.to_list()]

    def at_start(metric: str) -> float:
        sel = (pl.col("area") == "VN") & (pl.col("metric") == metric) & (pl.col("replication") == 0)
        return metrics.filter(sel).sort("date")["value"][0]

    assert at_start("villages_unconnected") == int(no_power.sum())  # the no-power subset only
    assert at_start("villages_without_signal") == villages.height  # the whole layer
    assert at_start("villages_connected") == 0
    assert set(villages["status"].unique()) <= {"connected", "in works", "not started", "no feasible option"}
    assert villages.filter(~pl.col("feasible"))["status"].eq("no feasible option").all()


def test_people_connected_match_the_layer_and_the_metrics(villages, metrics):
    end = metrics.filter((pl.col("replication") == 0) & (pl.col("metric") == "village_pop_connected"))
    last = end["date"].max()
    vn = end.filter((pl.col("area") == "VN") & (pl.col("date") == last))["value"][0]
    provinces = end.filter((pl.col("area") != "VN") & (pl.col("date") == last))["value"].sum()
    connected = villages.filter(pl.col("status") == "connected")
    assert vn == pytest.approx(float(connected["population"].sum()))
    assert provinces == pytest.approx(vn)
    assert villages["people_connected"].sum() == connected["population"].sum()
    assert villages["people_connected"].sum() <= villages["population"].sum()


def test_village_dates_are_consistent(villages):
    c = villages.filter(pl.col("status") == "connected")
    assert (c["connected_date"] >= c["power_date"]).all()
    # a village without grid power gets it from its works; one with grid power has it from the start, whenever its
    # works begin (Tuyên Quang's surveyed villages are in no campaign: the programme starts them after the start)
    off_grid = c.filter(~pl.col("has_grid_power"))
    assert off_grid.height > 0 and (off_grid["power_date"] >= off_grid["started_date"]).all()
    on_grid = c.filter(pl.col("has_grid_power"))
    assert on_grid.height > 0 and (on_grid["power_date"] == on_grid["power_date"].min()).all()
    assert (on_grid["started_date"] > on_grid["power_date"]).any()
    assert c["reason"].str.len_chars().min() > 10
    # the baseline's campaigns have no temporary power: no village is on a kit, and a village whose grid line was
    # energised got its power from it or, earlier, from the utility's bridge (power_bridge, on by default):
    # power_date is the earliest of the line, the bridge and a kit
    assert villages["temporary_power"].dtype == pl.Boolean and not villages["temporary_power"].any()
    lines = villages.filter(pl.col("grid_date").is_not_null())
    assert lines.height > 0 and set(lines["power"].unique().to_list()) == {"grid_extension"}
    first = pl.min_horizontal("grid_date", "power_bridge_date")
    assert (lines["power_date"] == lines.select(first).to_series()).all()
    bridged = villages.filter(pl.col("power_bridge_date").is_not_null())
    assert bridged.height > 0 and (bridged["power_date"] == bridged["power_bridge_date"]).all()
    assert (bridged["campaign"] == "no_power_2025_11").all() and not bridged["has_grid_power"].any()
    later_line = bridged.filter(pl.col("grid_date").is_not_null())
    assert (later_line["grid_date"] > later_line["power_bridge_date"]).all()


def test_the_bridges_the_run_reports_are_the_table_s_and_their_cost_the_campaign_s_surge(
    baseline, villages, metrics
):
    """The baseline's no-power campaign declares no surge measure, so its surge capex (replication 0, every month) is
    its generator bridges alone: the village table's `power_bridge_cost_vnd_bn` summed over its villages. The line
    `dxsim run` printed and report.html shows counts the table's bridged villages and that cost."""
    _, out = baseline
    name = "no_power_2025_11"
    camp = villages.filter(pl.col("campaign") == name)
    bridged = camp.filter(pl.col("power_bridge_date").is_not_null())
    assert (
        bridged.height > 0
        and (camp.filter(pl.col("power_bridge_date").is_null())["power_bridge_cost_vnd_bn"] == 0).all()
    )
    surge = metrics.filter(
        (pl.col("replication") == 0)
        & (pl.col("area") == "VN")
        & (pl.col("metric") == f"campaign_{name}_surge_capex_vnd_bn")
    )["value"].sum()
    assert float(camp["power_bridge_cost_vnd_bn"].sum()) == pytest.approx(surge, rel=1e-9)
    said = f"the utility powered {bridged.height} of its {camp.height} villages with a generator bridge"
    stdout = (out.parent / "stdout.txt").read_text(encoding="utf-8")
    assert said in " ".join(stdout.split())
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    assert said in page and f"{float(camp['power_bridge_cost_vnd_bn'].sum()):,.1f} bn VND" in page
    # when, from the table: one month is said as one ("from 6/2026 to 6/2026": provincial trial)
    first, last = (
        f"{d.year}-{d.month:02d}"
        for d in (bridged["power_bridge_date"].min(), bridged["power_bridge_date"].max())
    )
    when = f"in {first}" if first == last else f"from {first} to {last}"
    assert f"(power_bridge), {when}:" in " ".join(stdout.split())


def test_villages_geojson_matches_the_table(baseline, villages):
    _, out = baseline
    gj = json.loads((out / "villages.geojson").read_text(encoding="utf-8"))
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == villages.height
    f0 = gj["features"][0]
    assert f0["geometry"]["type"] == "Point"
    ids = [f["properties"]["village_id"] for f in gj["features"]]
    assert ids == villages["village_id"].to_list()
    assert all(isinstance(f["properties"]["synthetic"], bool) for f in gj["features"])


def test_village_kpis(summary, villages):
    k = summary["kpis"]
    assert k["villages_unconnected_start"] == 117
    assert k["villages_no_feasible_option"] == float((~villages["feasible"]).sum())
    for name in ("year_last_village_connected", "village_capex_total_vnd_bn"):
        lo, mid, hi = k.get(f"{name}_p10"), k.get(name), k.get(f"{name}_p90")
        if None not in (lo, mid, hi):
            assert lo <= mid <= hi


# --------------------------------------------------------------------------- compute


def test_compute_province_sums_equal_national(metrics):
    for name in ("dc_it_capacity_mw", "dc_facility_power_mw", "racks", "gpus_installed"):
        sub = metrics.filter((pl.col("metric") == name) & (pl.col("replication") == 0))
        vn = sub.filter(pl.col("area") == "VN").sort("date")["value"].to_numpy()
        prov = sub.filter(pl.col("area") != "VN").group_by("date").agg(pl.col("value").sum()).sort("date")
        np.testing.assert_allclose(prov["value"].to_numpy(), vn, rtol=1e-9, atol=1e-9)


def test_facility_power_is_it_capacity_times_pue(baseline, metrics):
    _, out = baseline
    dcs = pl.read_parquet(out / "datacentres.parquet")
    np.testing.assert_allclose(
        dcs["facility_power_mw_end"].to_numpy(), dcs["it_mw_end"].to_numpy() * dcs["pue"].to_numpy()
    )
    last = metrics.filter(
        (pl.col("area") == "VN") & (pl.col("replication") == 0) & (pl.col("metric") == "dc_it_capacity_mw")
    )
    assert dcs["it_mw_end"].sum() == pytest.approx(last.sort("date")["value"][-1])
    assert (dcs["gpu_it_mw_end"] <= dcs["it_mw_end"] + 1e-9).all()  # GPUs only where there is power


def test_went_ahead_is_a_project_s_decision_only(baseline):
    """The pipeline table read "State data-centre programme, 0.0 MW, went ahead: yes", and every existing site went
    ahead too. A go/no-go is a project's (and the state programme's when it has money); the rest are null."""
    _, out = baseline
    dcs = pl.read_parquet(out / "datacentres.parquet")
    projects = dcs.filter(pl.col("kind") == "project")
    assert projects.height > 0 and projects["went_ahead"].null_count() == 0
    assert (
        dcs.filter(pl.col("kind").is_in(["commercial", "internal"]))["went_ahead"].null_count()
        == dcs.filter(pl.col("kind").is_in(["commercial", "internal"])).height
    )
    state = dcs.filter(pl.col("kind") == "state")
    for r in state.iter_rows(named=True):
        assert (r["went_ahead"] is None) == (r["it_mw_design"] <= 0)


def test_compute_kpis_are_ordered(summary):
    k = summary["kpis"]
    assert k["gpus_installed_start"] <= 2000
    for name in ("dc_it_capacity_mw_end", "gpus_installed_end", "compute_capex_total_vnd_bn"):
        if f"{name}_p10" in k:
            assert k[f"{name}_p10"] <= k[name] <= k[f"{name}_p90"]
    assert k["dc_it_capacity_mw_end"] >= k["dc_it_capacity_mw_start"]


def test_gpus_are_stranded_when_data_centres_have_no_free_power(tmp_path):
    """No spare IT power anywhere (ordinary load fills every DC, no projects go ahead): delivered GPUs strand."""
    from dxsim.geo import load_country
    from dxsim.scenario import load_scenario
    from dxsim.sim.model import run_replication
    from dxsim.sim.world import prepare_world

    (tmp_path / "full.toml").write_text(
        f'extends = "{BASELINE.resolve().as_posix()}"\nname = "full"\n'
        "[horizon]\nend_date = 2027-06-30\n"
        "[villages]\nenabled = false\n"
        "[compute.datacentres]\nbase_utilisation_pct = 100\n[compute.datacentres.go_probability_pct]\nannounced = 0\nunder_construction = 0\n",
        encoding="utf-8",
    )
    sc = load_scenario(tmp_path / "full.toml")
    world = prepare_world(sc, load_country())
    res = run_replication(world, 0)
    nat = res.metrics.filter(pl.col("area") == "VN")
    stranded = nat.filter(pl.col("metric") == "gpus_stranded").sort("date")["value"].to_numpy()
    installed = nat.filter(pl.col("metric") == "gpus_installed").sort("date")["value"].to_numpy()
    start_fleet = sum(e.gpus for e in world.compute.start_gpus)
    ordered = sum(o.gpus for o in sc.compute.gpus.all_orders if o.order_date <= sc.horizon.end_date)
    assert np.all(installed == 0)  # no data centre has a free watt: nothing runs
    assert stranded[0] > 0 and stranded.max() <= start_fleet + ordered
    assert stranded[-1] > stranded[0]  # deliveries during the run strand too


def test_jobs_larger_than_any_fleet_are_counted_not_silently_dropped(tmp_path, metrics):
    """A training class of 100,000 GPUs per job can never run (the start fleet plus every order is ~8,000): its
    jobs are turned away, and the metric says how many; the baseline's classes all fit (0)."""
    from dxsim.geo import load_country
    from dxsim.scenario import load_scenario
    from dxsim.sim.model import run_replication
    from dxsim.sim.world import prepare_world

    (tmp_path / "huge.toml").write_text(
        f'extends = "{BASELINE.resolve().as_posix()}"\nname = "huge"\n'
        "[horizon]\nend_date = 2026-06-30\n[villages]\nenabled = false\n"
        "[compute.demand.classes.training]\ngpus_per_job = 100000\n",
        encoding="utf-8",
    )
    sc = load_scenario(tmp_path / "huge.toml")
    res = run_replication(prepare_world(sc, load_country()), 0)
    got = (
        res.metrics.filter(pl.col("metric") == "ai_jobs_rejected_too_big_cum")
        .sort("date")["value"]
        .to_numpy()
    )
    # ~0.2 a day from the start: a few dozen in eight months, never fewer as months pass
    assert got[-1] > 10 and np.all(np.diff(got) >= 0)
    base = metrics.filter(pl.col("metric") == "ai_jobs_rejected_too_big_cum")["value"]
    assert base.len() > 0 and base.max() == 0


def test_datacentre_energy_and_electricity_cost(metrics):
    """Energy drawn in a month is at most the facility power of the capacity then in service times the month's hours
    (load <= capacity), and its cost is the energy times the baseline's power price (VND 2,900 per kWh)."""
    sc = load_scenario(BASELINE)
    dates = (
        metrics.filter(
            (pl.col("metric") == "dc_energy_mwh") & (pl.col("area") == "VN") & (pl.col("replication") == 0)
        )
        .sort("date")["date"]
        .to_list()
    )
    energy = national(metrics, "dc_energy_mwh")
    power = national(metrics, "dc_facility_power_mw")  # at full IT load, at each month end
    cost = national(metrics, "dc_electricity_opex_vnd_bn")
    start = sc.horizon.start_date
    days = np.diff([(d - start).days for d in [start, *dates]])
    assert len(energy) == len(dates) > 12
    assert (
        dates[0] == start and energy[0] == 0.0
    )  # the first month end is the start day itself: no time passed
    assert (energy[1:] > 0).all()
    capacity_mwh = np.maximum(power, np.r_[power[0], power[:-1]]) * days * 24.0
    assert (energy <= capacity_mwh * (1 + 1e-9)).all()
    assert energy.sum() > 0.2 * capacity_mwh.sum()  # 182 MW of data centres are not idle
    price = sc.compute.datacentres.power_price_vnd_per_kwh
    assert cost == pytest.approx(energy * 1000.0 * price / 1e9, rel=1e-12)


def test_each_site_says_its_band_and_capacity(baseline):
    """A capacity engineer could not check the model's site capacity from any output. sites_5g.parquet (and the
    GeoPackage layer written from it) now carry each site's band, capacity and unloaded cell-edge rate: the baseline's
    n78 sites hold the link-budget capacity of their environment (test_capacity checks it by hand) and the edge rate
    is below the capacity of the three sectors."""
    import pyogrio

    from dxsim.radio.capacity import layer_capacity

    sites, out = baseline
    assert {"band_mhz", "capacity_mbps", "edge_rate_mbps"} <= set(sites.columns)
    n78 = sites.filter(pl.col("band_mhz") == 3500)
    assert n78.height > 0.9 * sites.height
    by_env = {
        round(layer_capacity("5g", 3500, e, 0.5).site_capacity_mbps, 6)
        for e in ("urban", "suburban", "rural")
    }
    assert set(n78["capacity_mbps"].round(6).unique().to_list()) <= by_env
    assert (sites["edge_rate_mbps"] < sites["capacity_mbps"]).all() and (sites["edge_rate_mbps"] > 0).all()
    layer = pyogrio.read_info(out / "results.gpkg", layer="sites_5g")
    assert {"band_mhz", "capacity_mbps", "edge_rate_mbps"} <= set(layer["fields"])
