"""Served vs covered (issue 12) in what a user opens: map layer, report charts, workbook labels, GeoPackage columns.

One real `dxsim run` (module fixture) of a baseline variant whose capacity is tight enough to show every state:
a 240 Mbps served rate (5G squares go capacity-short) and 20 Mbps per busy-hour village user with capacity-short
links feasible (villages go capacity-short). Every check opens the files that command wrote and compares them
with values computed here, independently, from the run's own tables (grid_5km.parquet, metrics.parquet,
villages.parquet).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl
import pyogrio
import pytest
from conftest import BASELINE, dxsim_cmd, one_line_error, without_digests

from dxsim.errors import DxsimInputError
from dxsim.maps import build_map
from dxsim.report import build_report

SERVED_RATE_MBPS = 240.0  # n78 edge rate 278 Mbps (neighbours 50% loaded): short above 14% load (1 - 240/278)
SCENARIO = f"""
extends = "{BASELINE.as_posix()}"
name = "served-test"

[capacity]
served_rate_mbps = {SERVED_RATE_MBPS}

[villages.options.demand]
required_mbps_per_user = 20.0
capacity_short_is_feasible = true
"""
GRID_NEW = (
    "pop_5g_served_end",
    "pop_5g_capacity_short_end",
    "pop_mbb_served_end",
    "pop_mbb_capacity_short_end",
)
STATES_5G = ("pop_5g_served_pct", "pop_5g_capacity_short_pct", "pop_5g_uncovered_pct")
STATES_MBB = ("pop_mbb_served_pct", "pop_mbb_capacity_short_pct", "pop_mbb_uncovered_pct")
CAPACITY_SHORT_COLOUR = "#c51b7d"
COVERAGE_BINS = [
    10,
    25,
    40,
    55,
    70,
    85,
    95,
    99,
]  # the coverage ramp's class bounds (lower bounds of classes 1..8)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("served")
    scen = base / "served-test.toml"
    scen.write_text(SCENARIO, encoding="utf-8")
    out = base / "out"
    r = dxsim_cmd("run", str(scen), "--reps", "1", "--out", str(out), env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def map_html(run_dir: Path) -> str:
    return (run_dir / "map.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def grid(run_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(run_dir / "grid_5km.parquet")


@pytest.fixture(scope="module")
def metrics(run_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(run_dir / "metrics.parquet")


def shared_var(html: str, name: str) -> object:
    """The JSON literal the map page assigns to `var NAME = ...;` (one line of the data script)."""
    m = re.search(rf"^var {name} = (.*);$", html, re.M)
    assert m, f"var {name} not in the page"
    return json.loads(m.group(1))


def as_in_js(html: str) -> str:
    """The page with the JSON string escapes of `js_json` undone (`<`, `>`, `"` as the browser's JS reads them)."""
    return html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')


def overlay_labels(html: str) -> list[str]:
    block = re.search(
        r"_layers = \{\s*base_layers\s*:\s*\{.*?\},\s*overlays\s*:\s*\{(.*?)\}", html, re.S
    ).group(1)
    return re.findall(r'"([^"]+)"\s*:\s*feature_group_', block)


# --------------------------------------------------------------------------- the run's own tables
def test_grid_states_fit_in_the_population(grid):
    for c in GRID_NEW:
        assert c in grid.columns
        assert (grid[c] >= 0).all()
    pop = grid["pop"].to_numpy()
    for served, short in (GRID_NEW[:2], GRID_NEW[2:]):
        assert np.all(grid[served].to_numpy() + grid[short].to_numpy() <= pop * (1 + 1e-9) + 1e-6)
    # this scenario has both kinds of squares the layer is about
    assert (grid["pop_5g_capacity_short_end"] > 0).sum() > 100 and (
        grid["pop_5g_served_end"] > 0
    ).sum() > 1000


# --------------------------------------------------------------------------- map
def test_map_has_the_layer_and_its_legend_words(map_html):
    labels = overlay_labels(map_html)
    assert "Served vs covered (5G, end), 5 km squares" in labels
    assert [x for x in labels if x.startswith("5G served by province ")] == [
        "5G served by province 2030-12-31 (end)"
    ]
    for words in (
        "Served vs covered (5G, end), per 5 km square",
        "mostly uncovered",
        "served (capacity-short &lt; 1%",
        "partly capacity-short (1–10% of people)",
        "capacity-short 10–50% of people",
        "mostly capacity-short (≥ 50% of people)",
        "Population where 5G serves (a place measure), %, by province",
        f"an edge user still gets {SERVED_RATE_MBPS:g} Mbps at the busy hour",
        "uncovered = outside 5G coverage",
    ):
        assert words in map_html, words


def test_map_square_numbers_equal_the_grid_table(map_html, grid):
    g = shared_var(map_html, "DX_GRID")
    d = shared_var(map_html, "DX_SERVED5G")
    assert g["cols"][8:] == ["pop", "covered_5g", "served_5g", "capacity_short_5g"]
    rows = g["rows"]
    # independently: the populated squares in table order, persons rounded half-to-even one by one
    pop, served, short = (
        grid[c].to_list() for c in ("pop", "pop_5g_served_end", "pop_5g_capacity_short_end")
    )
    lon, lat = grid["lon"].to_list(), grid["lat"].to_list()
    idx = [i for i, p in enumerate(pop) if p >= 0.5]
    assert len(rows) == len(idx) == len(d["k"])
    for row, i in zip(rows, idx):
        p_r = round(pop[i])
        s_r = min(round(max(served[i], 0.0)), p_r)
        c_r = min(round(max(short[i], 0.0)), p_r - s_r)
        assert row[8] == p_r and row[10] == s_r and row[11] == c_r, i
        assert row[10] + row[11] <= row[8]
        # the drawn square is this table row: its corners surround the row's centre
        assert abs(sum(row[1:8:2]) / 4 - lon[i]) < 0.01 and abs(sum(row[0:8:2]) / 4 - lat[i]) < 0.01
    # totals agree with the table to within the rounding of each square
    assert abs(sum(r[10] for r in rows) - sum(served[i] for i in idx)) <= 0.5 * len(rows)
    assert abs(sum(r[11] for r in rows) - sum(short[i] for i in idx)) <= 0.5 * len(rows)


def test_map_square_classes(map_html, grid):
    d = shared_var(map_html, "DX_SERVED5G")
    assert len(d["colours"]) == len(d["names"]) == 5 and len(set(d["colours"])) == 5
    pop, served, short = (
        grid[c].to_list() for c in ("pop", "pop_5g_served_end", "pop_5g_capacity_short_end")
    )
    want = []
    for p, s, c in zip(pop, served, short):
        if p < 0.5:
            continue
        u = max(p - s - c, 0.0)
        if u >= s and u >= c:
            want.append(0)
        else:
            share = c / p
            want.append(1 if share < 0.01 else 2 if share < 0.10 else 3 if share < 0.50 else 4)
    assert d["k"] == want
    assert {0, 1, 2, 3} <= set(want)  # this run shows uncovered, served and capacity-short squares
    assert "capacity-short" in d["labels"][1] and "uncovered" in d["labels"][2] and "served" in d["labels"][0]


def test_map_province_shares_equal_the_metrics(map_html, metrics):
    d = shared_var(map_html, "DX_SERVED_PROV")
    rep0 = metrics.filter((pl.col("replication") == metrics["replication"].min()) & (pl.col("area") != "VN"))
    last = rep0["date"].max()
    wide = rep0.filter((pl.col("date") == last) & pl.col("metric").is_in(STATES_5G)).pivot(
        on="metric", index="area", values="value"
    )
    assert wide.height == 34 and set(d["t"]) == set(wide["area"].to_list())
    for r in wide.iter_rows(named=True):
        s, c, u = (r[m] for m in STATES_5G)
        assert s + c + u == pytest.approx(100.0, abs=1e-6)
        tip = d["t"][r["area"]]
        assert f"5G served {s:,.1f}% · capacity-short {c:,.1f}% · uncovered {u:,.1f}%" in tip
        pop = d["p"][r["area"]]
        assert f"<td>served by 5G</td><td>{s:,.1f}%</td>" in pop and last.isoformat() in pop
        assert f"<td>covered but capacity-short</td><td>{c:,.1f}%</td>" in pop
        klass = sum(1 for b in COVERAGE_BINS if s >= b)
        assert d["c"][r["area"]] == shared_colour(map_html, klass)
    # the coverage layer's popups at each date carry the same three lines
    cov_last = shared_var(map_html, "DX_COV6")["p"]
    some = wide.row(0, named=True)
    assert f"<td>served by 5G</td><td>{some['pop_5g_served_pct']:,.1f}%</td>" in cov_last[some["area"]]


def shared_colour(html: str, klass: int) -> str:
    """Colour `klass` of the coverage ramp, as drawn in the legend (the boxes in order)."""
    ramp = re.search(
        r'data-family="served_5g_prov".*?<div class="dx-ramp">(.*?)</div>', as_in_js(html), re.S
    ).group(1)
    return re.findall(r"background:(#[0-9a-f]{6})", ramp)[klass]


def test_map_capacity_short_villages(map_html, run_dir):
    v = pl.read_parquet(run_dir / "villages.parquet")
    n_short = int((v["status"] == "capacity-short").sum())
    assert n_short > 0 and n_short == int((~v["served"]).sum())
    legend = re.search(r'<div data-family="villages">(.*?)</div></div>', as_in_js(map_html), re.S)
    assert (
        legend
        and "capacity-short (on air, but the link cannot carry the busy-hour demand)" in legend.group(1)
    )
    assert f"background:{CAPACITY_SHORT_COLOUR}" in legend.group(1)
    rows = shared_var(map_html, "DX_VILLAGES")
    fills = [r["s"]["fillColor"] for r in rows]
    assert fills.count(CAPACITY_SHORT_COLOUR) == n_short
    assert fills.count("#1a9850") == int((v["status"] == "connected").sum())
    short_pops = [r["p"] for r in rows if r["s"]["fillColor"] == CAPACITY_SHORT_COLOUR]
    assert all("<td>link carries its demand</td><td>no (" in p for p in short_pops)


def test_capacity_short_villages_have_signal_not_a_connected_date(map_html, run_dir):
    """A capacity-short village has signal, not service: no connected date in the table, the map or the KPI that
    dates the last connection (a 5 Mbps LEO link for every village, none served, read "connected 6 months
    sooner" in compare)."""
    v = pl.read_parquet(run_dir / "villages.parquet")
    short = (v["status"] == "capacity-short").to_numpy()
    connected = (v["status"] == "connected").to_numpy()
    assert short.any() and connected.any()
    assert v["connected_date"].is_null().to_numpy()[short].all()
    assert not v["signal_date"].is_null().to_numpy()[short | connected].any()
    assert (v["connected_date"] == v["signal_date"]).to_numpy()[connected].all()
    assert int(v.filter(pl.col("status") == "connected")["people_connected"].sum()) == int(
        v.filter(pl.col("status") == "connected")["population"].sum()
    )
    # the map's popups: the signal date, and no connected date, for each capacity-short village
    pops = {r["p"]: r["s"]["fillColor"] for r in shared_var(map_html, "DX_VILLAGES")}
    short_pops = [p for p, fill in pops.items() if fill == CAPACITY_SHORT_COLOUR]
    assert len(short_pops) == int(short.sum())
    assert all("<td>connected</td><td>–</td>" in p for p in short_pops)
    assert all(re.search(r"<td>signal on</td><td>[^–<]+</td>", p) for p in short_pops)
    # some feasible village is never connected: the last connection is not within the horizon
    kpis = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["kpis"]
    assert bool((v["feasible"].to_numpy() & short).any())
    assert kpis["year_last_village_connected"] is None


# --------------------------------------------------------------------------- report
def test_report_has_the_served_charts_in_the_5g_section(run_dir, metrics):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    rollout = re.search(r'<section id="rollout">(.*?)</section>', html, re.S).group(1)
    order = re.findall(r'<figure id="chart-([a-z0-9_]+)"', rollout)
    i = order.index("pop_covered_5g_pct")
    assert order[i + 1 : i + 4] == ["served_5g", "served_mbb", "user_throughput"]
    for key, title in (
        ("served_5g", "Served, capacity-short, uncovered (5G)"),
        ("served_mbb", "Served, capacity-short, uncovered (4G or better)"),
        ("user_throughput", "Busy-hour user throughput"),
    ):
        fig = re.search(
            rf'<figure id="chart-{key}"><img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]*)"'
            rf".*?<figcaption>(.*?)</figcaption>",
            rollout,
            re.S,
        )
        assert fig and fig.group(1).startswith(title), key
    cap = re.search(r'id="chart-served_5g">.*?<figcaption>(.*?)</figcaption>', rollout, re.S).group(1)
    assert f"Served = covered, and an edge user still gets {SERVED_RATE_MBPS:g} Mbps at the busy hour" in cap
    # the caption's end values are the national metrics of the last month (one replication)
    nat = metrics.filter(pl.col("area") == "VN")
    last = nat["date"].max()
    end = {r["metric"]: r["value"] for r in nat.filter(pl.col("date") == last).iter_rows(named=True)}
    # in tenths that add up to 100.0 as the stack does: by hand, each share's whole tenths, and the tenths left over
    # to the largest remainders (each rounded alone could read 99.9 or 100.1)
    shares = [end[m] for m in ("pop_5g_served_pct", "pop_5g_capacity_short_pct", "pop_5g_uncovered_pct")]
    whole = [int(np.floor(10 * v)) for v in shares]
    for k in sorted(range(3), key=lambda j: -(10 * shares[j] - whole[j]))[
        : round(10 * sum(shares)) - sum(whole)
    ]:
        whole[k] += 1
    served, short, unc = (w / 10 for w in whole)
    assert (
        f"At {last.isoformat()}: served {served:.1f}%; covered but capacity-short {short:.1f}%; uncovered {unc:.1f}%."
        in cap
    )
    assert sum(end[m] for m in STATES_MBB) == pytest.approx(100.0, abs=1e-6)
    alt = re.search(r'id="chart-user_throughput"><img [^>]*alt="([^"]*)"', rollout).group(1)
    assert "Mbps" in alt


# --------------------------------------------------------------------------- workbook
def test_workbook_labels_the_new_metrics(run_dir, metrics):
    wb = openpyxl.load_workbook(run_dir / "results.xlsx", read_only=True)
    ws = wb["Provinces by year"]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    for label in (
        "Population where 5G serves (a place measure, %)",
        "Population in 5G coverage but capacity-short (%)",
        "Population not covered by 5G (%)",
        "Population served by 4G or better (%)",
        "Population in 4G/5G coverage but capacity-short (%)",
        "Population not covered by 4G or 5G (%)",
        "Villages on air but capacity-short",
    ):
        assert label in head, label
    assert not [h for h in head if isinstance(h, str) and h.startswith(("pop_5g_", "pop_mbb_"))]
    # one replication: the sheet's value for Hà Nội (01) at the last year end is the metric itself
    last = metrics["date"].max()
    want = metrics.filter(
        (pl.col("area") == "01")
        & (pl.col("date") == last)
        & (pl.col("metric") == "pop_5g_capacity_short_pct")
    )["value"].item()
    row = next(r for r in rows[1:] if r[0] == "01" and r[2].date() == last)
    assert row[head.index("Population in 5G coverage but capacity-short (%)")] == pytest.approx(
        want, rel=1e-12
    )
    vs = list(wb["Villages"].iter_rows(values_only=True))
    vhead = list(vs[0])
    assert "Served (link carries busy-hour demand)" in vhead and "Mbps per busy-hour user" in vhead
    v = pl.read_parquet(run_dir / "villages.parquet")
    assert [r[vhead.index("Served (link carries busy-hour demand)")] for r in vs[1:]] == v["served"].to_list()
    assert [r[vhead.index("Status")] for r in vs[1:]].count("capacity-short") == int((~v["served"]).sum())
    wb.close()


# --------------------------------------------------------------------------- GeoPackage / GeoParquet
def test_gpkg_and_geoparquet_carry_the_new_grid_columns(run_dir, grid):
    info = pyogrio.read_info(run_dir / "results.gpkg", layer="grid_5km")
    assert set(GRID_NEW) <= set(info["fields"])
    gdf = pyogrio.read_dataframe(
        run_dir / "results.gpkg", layer="grid_5km", columns=["lon", "lat", *GRID_NEW]
    )
    assert len(gdf) == grid.height
    for c in GRID_NEW:
        np.testing.assert_allclose(gdf[c].to_numpy(), grid[c].to_numpy(), rtol=1e-12, atol=0)
    pq = pl.read_parquet(run_dir / "grid_5km.geo.parquet", columns=list(GRID_NEW))  # GeoParquet: same values
    for c in GRID_NEW:
        np.testing.assert_allclose(pq[c].to_numpy(), grid[c].to_numpy(), rtol=1e-12, atol=0)
    prov = pyogrio.read_info(run_dir / "results.gpkg", layer="provinces")["fields"]
    for m in (*STATES_5G, *STATES_MBB):
        assert f"{m}_2030" in prov, m


# --------------------------------------------------------------------------- a run without the capacity model
def _without_capacity(run_dir: Path, dest: Path) -> Path:
    """A copy of the run as a run with `[capacity] enabled = false` writes it: no new metrics or columns."""
    shutil.copytree(run_dir, dest)
    without_digests(dest)  # its files are edited here on purpose
    new_metrics = {
        *STATES_5G,
        *STATES_MBB,
        "user_throughput_mbps_p50",
        "user_throughput_mbps_mean",
        "traffic_pb_per_month",
        "pop_5g_served",
        "pop_mbb_served",
        "villages_capacity_short",
        "village_pop_capacity_short",
    }
    m = pl.read_parquet(dest / "metrics.parquet")
    m.filter(~pl.col("metric").is_in(list(new_metrics))).write_parquet(dest / "metrics.parquet")
    g = pl.read_parquet(dest / "grid_5km.parquet")
    g.drop(list(GRID_NEW)).write_parquet(dest / "grid_5km.parquet")
    v = pl.read_parquet(dest / "villages.parquet")
    v.drop("served").with_columns(pl.col("status").replace("capacity-short", "connected")).write_parquet(
        dest / "villages.parquet"
    )
    (dest / "villages.geojson").unlink()
    resolved = (dest / "scenario.resolved.toml").read_text(encoding="utf-8")
    (dest / "scenario.resolved.toml").write_text(
        resolved.replace("[capacity]\nenabled = true", "[capacity]\nenabled = false"), encoding="utf-8"
    )
    return dest


def test_everything_new_is_absent_without_capacity(run_dir, tmp_path):
    d = _without_capacity(run_dir, tmp_path / "nocap")
    html = build_map(d).read_text(encoding="utf-8")
    labels = overlay_labels(html)
    assert not [x for x in labels if "erved" in x]
    assert "var DX_SERVED5G " not in html and "var DX_SERVED_PROV " not in html
    assert "Not drawn" not in html  # simply absent, not reported as missing
    assert "capacity-short" not in html and "served by 5G" not in html
    g = shared_var(html, "DX_GRID")
    assert g["cols"][-1] == "covered_5g" and all(len(r) == 10 for r in g["rows"])
    with pytest.raises(DxsimInputError, match="served_5g.*capacity"):
        build_map(d, layers=["served_5g"], out=tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()
    report = build_report(d).read_text(encoding="utf-8")
    assert "chart-pop_covered_5g_pct" in report
    assert not re.search(r"chart-(served_5g|served_mbb|user_throughput)", report)
    r = dxsim_cmd("map", str(d), "--layers", "served_5g", "--out", str(tmp_path / "y.html"))
    assert r.returncode == 2
    one_line_error(r.stderr, r.stdout, "served_5g", "capacity")
