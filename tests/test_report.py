"""The offline HTML report (`dxsim.report.build_report`) built from real run directories.

Two module-scoped runs of the baseline (reps = 2 and reps = 1, ~15-20 s each) feed every test. The
report must read only the run directory, be self-contained (no URL but data: and relative links), show
every KPI and calibration row, draw bands only with replications, and escape every string from files.
The browser tests open the report from disk in Debian's chromium through Playwright with all network
blocked, and save a full-page screenshot to outputs/test-screenshots/report.png.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import CHROMIUM, without_digests

from dxsim.errors import DxsimInputError
from dxsim.report import build_report, charts
from dxsim.report.load import Series
from dxsim.results.writer import MANIFEST
from dxsim.runner import run_scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SCREENSHOTS = REPO / "outputs" / "test-screenshots"
MAX_BYTES = 3_000_000
# 5G stations, 5G coverage, villages, DC IT MW, GPUs, GPU utilisation, AI jobs waiting, DC MW by province
BASE_CHARTS = 8
HELD_PREFIXES = (
    "rollout_held_pct_",
    "villages_held_pct_",
    "dc_held_pct_",
)  # a "what held it back" chart each
TIME_CHARTS = (
    7  # the ones with a P10-P90 band when reps > 1 (+1, the throughput chart, with capacity metrics)
)
BAND = "P10–P90"
PROBE = "<script>window.__pwned=1</script>"


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory, cli_baseline: Path) -> dict[int, Path]:
    """Two baseline runs: the session's `dxsim run --reps 2` (conftest) and one replication run here."""
    one = tmp_path_factory.mktemp("report") / "baseline-r1"
    run_scenario(BASELINE, out_dir=one, reps=1)
    return {2: cli_baseline, 1: one}


@pytest.fixture(scope="module")
def reports(run_dirs, tmp_path_factory) -> dict[int, Path]:
    """The report.html each run wrote itself; each is also rebuilt elsewhere here, to catch font warnings."""
    for d in run_dirs.values():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            build_report(d, tmp_path_factory.mktemp("glyphs") / "report.html")
        glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
        assert not glyphs, glyphs  # Vietnamese text in the charts has its glyphs (DejaVu Sans)
    return {reps: d / "report.html" for reps, d in run_dirs.items()}


def expected_charts(run_dir: Path) -> int:
    """The base charts, one bottleneck chart per programme whose held-back shares the run recorded, and the three
    served-vs-covered charts (5G, 4G-or-better, throughput) when the run has capacity metrics."""
    names = pl.read_parquet(run_dir / "metrics.parquet", columns=["metric"])["metric"].unique().to_list()
    served = 3 if "pop_5g_served_pct" in names else 0
    return BASE_CHARTS + served + sum(any(n.startswith(p) for n in names) for p in HELD_PREFIXES)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def summary_of(d: Path) -> dict:
    return json.loads((d / "summary.json").read_text(encoding="utf-8"))


def kpi_element(page: str, key: str) -> str:
    """The table row or cell carrying data-kpi="key"."""
    m = re.search(rf'<tr data-kpi="{re.escape(key)}">(.*?)</tr>', page, re.S)
    if m is None:
        m = re.search(rf'<td[^>]*data-kpi="{re.escape(key)}"[^>]*>(.*?)</td>', page, re.S)
    assert m is not None, f"KPI {key} not in the report"
    return m.group(1)


def year_month(v: float) -> str:
    """Independent decoding of summary.json's decimal years (first day of year + fraction of its days)."""
    y = int(v)
    days = (dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days
    d = dt.date(y, 1, 1) + dt.timedelta(days=round((v - y) * days))
    return f"{d.year}-{d.month:02d}"


# ---------------------------------------------------------------- content


@pytest.mark.parametrize("reps", [2, 1])
def test_report_written_self_contained_and_small(run_dirs, reports, reps):
    out = reports[reps]
    assert out == run_dirs[reps] / "report.html"
    page = read(out)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert out.stat().st_size < MAX_BYTES
    assert [p.name for p in run_dirs[reps].iterdir() if p.name.startswith(".")] == [
        MANIFEST
    ]  # no temp file left
    assert "<script" not in page.lower() and "<link" not in page.lower() and "@import" not in page
    assert "<iframe" not in page.lower() and "@font-face" not in page
    # Vietnamese text from the files, as UTF-8
    assert "Hồ Chí Minh" in page and "Tuyên Quang" in page
    # provenance
    s = summary_of(run_dirs[reps])
    for v in (
        s["scenario"],
        s["scenario_sha256"],
        str(s["seed"]),
        s["dxsim_version"],
        s["horizon"]["start_date"],
        s["horizon"]["end_date"],
        s["scenario_file"],
    ):
        assert html.escape(v) in page
    for src in s["data_sources"]:
        assert html.escape(src["name"]) in page and html.escape(src["licence"]) in page
    assert "Synthetic data" in page and "4G/5G site layer" in page
    assert "Current policy: announced operator 5G plans" in page  # description read from the scenario file


@pytest.mark.parametrize("reps", [2, 1])
def test_no_external_urls(reports, reps):
    page = read(reports[reps])
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)["\']', page, re.I)
    refs += re.findall(r"url\(\s*['\"]?([^'\")]*)", page, re.I)
    assert refs
    for ref in refs:
        if ref.startswith("data:"):
            assert ref.startswith("data:image/png;base64,")
            continue
        assert not re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I) and not ref.startswith("//"), ref


@pytest.mark.parametrize("reps", [2, 1])
def test_every_kpi_appears_with_units(run_dirs, reports, reps):
    page = read(reports[reps])
    kpis = summary_of(run_dirs[reps])["kpis"]
    base = [k for k in kpis if not re.search(r"_p(10|90)$", k)]
    assert len(base) > 40
    for key in base:
        el = kpi_element(page, key)
        v = kpis[key]
        is_year = key.startswith("year_") or bool(re.match(r"^campaign_.+_year_done$", key))  # decimal years
        if is_year:
            assert (year_month(v) if v is not None else "not reached") in el, (key, el)
        elif v is not None and abs(v) >= 1000:
            assert f"{v:,.0f}" in el, (key, el)
        if reps > 1:
            assert " – " in el, (key, el)  # the P10–P90 range
            for q in ("_p10", "_p90"):
                qv = kpis[key + q]
                if is_year:
                    assert (year_month(qv) if qv is not None else "not reached") in el, (key + q, el)
        else:
            assert " – " not in el, (key, el)
    # decimal years as YYYY-MM, never raw decimals
    v90 = kpis["year_5g_pop_90pct"]
    assert v90 is not None and year_month(v90) in kpi_element(page, "year_5g_pop_90pct")
    assert f"{v90:.2f}" not in page and f"{v90:.1f}" not in page
    # grouped 5G / villages / compute
    for group in ("5G rollout", "Remote villages", "Data centres and GPUs"):
        assert f'<tr class="group"><th colspan="{4 if reps > 1 else 3}">{group}</th></tr>' in page


@pytest.mark.parametrize("reps", [2, 1])
def test_the_page_opens_on_the_headline_figures(run_dirs, reports, reps):
    """An advisor could not brief a minister from the first screen: it held the synthetic-data notice and checksums,
    the headlines spread through ~100 KPI rows (report reader trial). "At a glance" now comes first: the first and
    last year end's 5G stations and coverage, the 90% month, villages, data centres, GPUs and money, each with the
    same values (P50 and range) as its row in the full KPI table."""
    page = read(reports[reps])
    kpis = summary_of(run_dirs[reps])["kpis"]
    start = page.index('<section id="glance">')
    assert start < page.index('<section id="provenance">') < page.index('<section id="kpis">')
    glance = page[start : page.index("</section>", start)]
    keys = re.findall(r'<tr data-kpi="([^"]+)">', glance)
    ends = sorted(k for k in kpis if re.fullmatch(r"stations_5g_\d{4}_12", k))
    assert keys[:4] == [
        e.replace("stations_5g", m)
        for e in (ends[0], ends[-1])
        for m in ("stations_5g", "pop_covered_5g_pct")
    ]
    assert {
        "year_5g_pop_90pct",
        "villages_connected_end",
        "dc_it_capacity_mw_end",
        "public_cost_total_vnd_bn",
    } <= set(keys)
    table = page[page.index('<section id="kpis">') :]
    for key in keys:
        mine = re.findall(r'<td class="num">(.*?)</td>', kpi_element(glance, key))
        full = kpi_element(table, key)  # its row in the KPI table, or its cell in the year-end table
        assert mine and all(v.split("<br>")[0] in full for v in mine), (key, mine, full)
    assert (" – " in glance) is (reps > 1)
    if (
        reps > 1
    ):  # how many replications the band holds, as the page says it (2 of 2: both ends are replications)
        assert f": {reps} of the {reps} replications fall inside it" in html.unescape(glance)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 11, 20, 37, 100])
def test_the_replications_inside_the_band_by_brute_force(n):
    """The glance sentence's count against numpy's own inverted_cdf P10/P90 of n distinct values: "eight in ten"
    stood beside 10 replications, where 9 fall inside (operator trial)."""
    from dxsim.report.html import replications_inside_band

    values = np.random.default_rng(n).permutation(n).astype(float)
    lo, hi = (np.quantile(values, p, method="inverted_cdf") for p in (0.1, 0.9))
    assert replications_inside_band(n) == int(((values >= lo) & (values <= hi)).sum())


def test_the_data_centre_province_table_says_where_its_one_run_sits(run_dirs, reports):
    """The province table is replication 0's end state: its total read as the result beside a different P50 (818 MW
    against 670 MW; report reader trial). The note under it now gives that total, the P50 and the range."""
    page = read(reports[2])
    kpis = summary_of(run_dirs[2])["kpis"]
    said = re.search(
        r"Its total, ([\d,]+) MW of IT capacity at the end, is one possible outcome: the P50 is ([\d,]+) MW",
        page,
    )
    assert said, "no note on the one run"
    total = (
        pl.read_parquet(run_dirs[2] / "datacentres.parquet")["it_mw_end"].fill_nan(0.0).fill_null(0.0).sum()
    )
    assert said.group(1) == f"{total:,.0f}" and said.group(2) == f"{kpis['dc_it_capacity_mw_end']:,.0f}"
    assert "Its total" not in read(reports[1])  # one replication: the table is the run


def test_the_report_says_what_is_uncertain(run_dirs, reports):
    """The report's only word on its P10–P90 ranges was "runs with other draws" (report reader trial): it now lists
    every input the replications drew, with the lowest and highest factor drawn (uncertainty_draws.csv), by hand."""
    page = read(reports[2])
    draws = pl.read_csv(run_dirs[2] / "uncertainty_draws.csv")
    section = page[page.index("What is uncertain") : page.index("</table>", page.index("What is uncertain"))]
    rows = dict(re.findall(r'<tr><td><code>([^<]+)</code></td><td class="num">([^<]+)</td></tr>', section))
    assert set(rows) == set(draws["path"].unique().to_list()) and len(rows) >= 10
    for path, factors in draws.group_by("path").agg(pl.col("factor")).iter_rows():
        assert rows[path] == f"×{min(factors):.2f} to ×{max(factors):.2f}", (path, rows[path])
    assert "What is uncertain" not in read(reports[1])  # one replication: no range to explain


@pytest.mark.parametrize("reps", [2, 1])
def test_calibration_rows_all_appear_with_status(run_dirs, reports, reps):
    page = read(reports[reps])
    rows = pl.read_csv(run_dirs[reps] / "calibration.csv", infer_schema=False).to_dicts()
    assert rows
    table = re.search(r'<table class="calibration">(.*?)</table>', page, re.S).group(1)
    body = re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S)
    assert len(body) == len(rows)
    for tr, row in zip(body, rows):
        assert html.escape(row["figure"]) in tr
        assert html.escape(row["source"]) in tr
        assert f'class="status status-{row["status"]}">{row["status"]}</span>' in tr


@pytest.mark.parametrize("reps", [2, 1])
def test_chart_count_and_bands(run_dirs, reports, reps):
    page = read(reports[reps])
    imgs = re.findall(r"<img\b[^>]*>", page)
    assert len(imgs) == expected_charts(run_dirs[reps])
    alts = [html.unescape(re.search(r'alt="([^"]*)"', i).group(1)) for i in imgs]
    names = (
        pl.read_parquet(run_dirs[reps] / "metrics.parquet", columns=["metric"])["metric"].unique().to_list()
    )
    time_charts = TIME_CHARTS + ("user_throughput_mbps_p50" in names)
    if reps > 1:
        assert sum(f"{BAND} band across 2 replications" in a for a in alts) == time_charts
        assert BAND in page
    else:
        assert BAND not in page  # no band, no P10–P90 column, no band legend
        assert sum("One replication: no uncertainty band" in a for a in alts) == time_charts
    for title in (
        "5G stations on air",
        "5G population coverage",
        "Remote villages connected and unconnected",
        "Data-centre IT capacity",
        "High-performance GPUs powered",
        "GPU utilisation",
        "AI jobs waiting for GPUs",
        "Data-centre IT capacity by province",
    ):
        assert any(a.startswith(title) for a in alts), title


def test_villages_and_datacentre_summaries(run_dirs, reports):
    page = read(reports[2])
    v = pl.read_parquet(run_dirs[2] / "villages.parquet")
    table = re.search(r'<table class="villages-summary">(.*?)</table>', page, re.S).group(1)
    total = re.search(r"<tr><th>all villages</th><th class=\"num\">(\d+)</th>", table)
    assert int(total.group(1)) == v.height
    for status, n in v.group_by("status").len().iter_rows():
        assert f'<th class="num">{html.escape(status)}</th>' in table
        assert f'<th class="num">{n}</th>' in table
    assert "grid extension + LEO satellite" in table
    d = pl.read_parquet(run_dirs[2] / "datacentres.parquet")
    dc = re.search(r'<table class="dc-provinces">(.*?)</table>', page, re.S).group(1)
    for prov, mw in d.group_by("province").agg(pl.col("it_mw_end").sum()).iter_rows():
        row = re.search(rf"<tr><td>{re.escape(html.escape(prov))}</td>(.*?)</tr>", dc, re.S).group(1)
        assert (f"{mw:,.0f}" if mw >= 100 else f"{mw:,.1f}") in row


def _numbers(cell: str) -> list[float]:
    """The numbers of a province cell ("1,020 → 4,512" or one number) as floats."""
    return [float(x.replace(",", "")) for x in re.findall(r"-?[\d,]+(?:\.\d+)?", html.unescape(cell))]


@pytest.mark.parametrize("reps", [2, 1])
def test_provinces_section_is_each_province_p50_at_start_and_end(run_dirs, reports, reps):
    """The report's Provinces section, as the run wrote it: every province of provinces.geojson once, its 5G stations
    and coverage at the first and last month ends equal to the lower median over replications recomputed here from
    metrics.parquet, its people without 5G = people x (100 - that coverage) / 100, most people without 5G first;
    the last row is the country's own P50."""
    page = read(reports[reps])
    section = re.search(r'<section id="provinces">(.*?)</section>', page, re.S).group(1)
    rows = re.findall(r'<tr data-area="([^"]+)">(.*?)</tr>', section, re.S)
    feats = json.loads((run_dirs[reps] / "provinces.geojson").read_text(encoding="utf-8"))["features"]
    people = {f["properties"]["gso34"]: f["properties"]["pop"] for f in feats}
    assert sorted(a for a, _r in rows) == sorted(people)
    m = pl.read_parquet(run_dirs[reps] / "metrics.parquet")
    first, last = m["date"].min(), m["date"].max()
    heads = [html.unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", section.split("</thead>")[0])]
    col = {h: i for i, h in enumerate(heads)}

    def lower_median(area: str, metric: str, day: dt.date) -> float:
        vals = sorted(
            m.filter((pl.col("area") == area) & (pl.col("metric") == metric) & (pl.col("date") == day))[
                "value"
            ]
        )
        assert len(vals) == reps
        return vals[(len(vals) - 1) // 2]

    without = []
    for area, row in rows:
        cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)  # people, without 5G, then the metrics
        station_cell = cells[col["5G stations"] - 1]
        ends = sorted(
            m.filter(
                (pl.col("area") == area) & (pl.col("metric") == "stations_5g") & (pl.col("date") == last)
            )["value"]
        )
        if ends[0] != ends[-1]:  # two replications: the end's P10-P90 is their lowest and highest (ECDF)
            assert f'<span class="small">{ends[0]:,.0f}–{ends[-1]:,.0f}</span>' in station_cell, area
        else:
            assert "<span" not in station_cell, area
        station_cell = station_cell.split("<br>")[0]
        stations = _numbers(station_cell)
        want = [lower_median(area, "stations_5g", first), lower_median(area, "stations_5g", last)]
        assert stations == (want if want[0] != want[1] else want[:1]), area
        cover = _numbers(cells[col["5G coverage %"] - 1].split("<br>")[0])
        want_cover = [lower_median(area, "pop_covered_5g_pct", d) for d in (first, last)]
        assert cover[-1] == pytest.approx(want_cover[1], abs=0.051), area
        assert cover[0] == pytest.approx(want_cover[0], abs=0.051), area
        assert _numbers(cells[0]) == [people[area]]
        gap = _numbers(cells[1])[0]
        assert gap == pytest.approx(people[area] * (100.0 - want_cover[1]) / 100.0, abs=0.51), area
        without.append(gap)
    assert without == sorted(without, reverse=True)  # the biggest gaps first
    country = re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", section.split("<tbody>")[1], re.S)[-1]
    assert html.unescape(country[0]) == "Việt Nam"
    cells = re.findall(r'<th class="num">(.*?)</th>', country[1], re.S)
    assert _numbers(cells[col["5G stations"] - 1]) == [
        lower_median("VN", "stations_5g", first),
        lower_median("VN", "stations_5g", last),
    ]
    assert "→" in section and ("P50 over 2 replications" in section) == (reps == 2)
    # 5G served is one column with coverage exactly when they are equal in every province at both dates
    same = all(
        lower_median(a, "pop_5g_served_pct", d) == lower_median(a, "pop_covered_5g_pct", d)
        for a in people
        for d in (first, last)
    )
    assert ("5G served %" in heads) != same
    assert ("5G served equals 5G coverage in every province" in section) == same
    assert "<code>dxsim run SCENARIO --province NAME</code>" in section  # a command, not text in backticks


def test_map_link_only_when_map_exists(run_dirs, reports, tmp_path):
    nomap = tmp_path / "nomap"
    shutil.copytree(run_dirs[2], nomap)
    (nomap / "map.html").unlink(missing_ok=True)  # runs write a map by default; take it away
    page = read(build_report(nomap))
    assert 'href="map.html"' not in page and "No map.html" in page
    d = tmp_path / "withmap"
    shutil.copytree(run_dirs[1], d)
    (d / "map.html").write_text("<!DOCTYPE html><title>map</title>", encoding="utf-8")
    page = read(build_report(d))
    assert '<a href="map.html">' in page
    # a report written elsewhere links back to the run's map by a relative path
    other = build_report(d, tmp_path / "elsewhere" / "r.html")
    assert '<a href="../withmap/map.html">' in read(other)


def test_escaping_probe(run_dirs, tmp_path):
    d = tmp_path / "probe"
    shutil.copytree(run_dirs[2], d)
    without_digests(d)
    s = summary_of(d)
    s["scenario"] = PROBE
    s["scenario_file"] = "/nonexistent/" + PROBE + ".toml"  # description unavailable: no failure
    s["data_sources"][0]["name"] = PROBE
    (d / "summary.json").write_text(json.dumps(s), encoding="utf-8")
    v = pl.read_parquet(d / "villages.parquet")
    v = v.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(PROBE)).otherwise(pl.col("name")).alias("name")
    )
    v.write_parquet(d / "villages.parquet")
    dcs = pl.read_parquet(d / "datacentres.parquet").with_columns(pl.lit(PROBE).alias("province"))
    dcs.write_parquet(d / "datacentres.parquet")
    cal = pl.read_csv(d / "calibration.csv", infer_schema=False)
    cal.with_columns(pl.lit(PROBE).alias("figure"), pl.lit(PROBE).alias("label")).write_csv(
        d / "calibration.csv"
    )
    page = read(build_report(d))
    assert PROBE not in page and "<script" not in page.lower()
    escaped = html.escape(PROBE)
    assert f"<title>dxsim report: {escaped}</title>" in page
    assert page.count(escaped) >= 5  # title, heading, provenance, village, data source, calibration, DC
    assert f"<td>{escaped} " in page  # the village name


def test_missing_optional_files_and_bad_dirs(run_dirs, tmp_path):
    d = tmp_path / "bare"
    shutil.copytree(run_dirs[1], d)
    for name in ("calibration.csv", "villages.parquet", "datacentres.parquet"):
        (d / name).unlink()
    page = read(build_report(d))
    assert "No calibration.csv" in page and "No villages.parquet" in page and "No datacentres.parquet" in page
    assert len(re.findall(r"<img\b", page)) == expected_charts(d) - 1  # no DC-by-province bars
    with pytest.raises(DxsimInputError, match="summary.json"):
        build_report(tmp_path)
    with pytest.raises(DxsimInputError):
        build_report(tmp_path / "missing")
    assert not (tmp_path / "report.html").exists()


def test_atomic_replace_and_custom_out(run_dirs, tmp_path):
    d = tmp_path / "atomic"
    shutil.copytree(run_dirs[1], d, ignore=shutil.ignore_patterns("report.html"))
    out = tmp_path / "sub" / "my-report.html"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    with pytest.raises(DxsimInputError, match="not a page dxsim wrote"):
        build_report(d, out)  # a user's own file is never overwritten
    assert read(out) == "old"
    out.unlink()
    assert build_report(d, out) == out
    first = read(out)
    assert first.startswith("<!DOCTYPE html>")
    assert build_report(d, out) == out  # dxsim's own page is replaced
    assert read(out) == first
    assert sorted(p.name for p in out.parent.iterdir()) == ["my-report.html"]
    assert not (d / "report.html").exists()


def test_report_reads_no_model_internals(run_dirs):
    code = (
        "import sys; from pathlib import Path; from dxsim.report import build_report; "
        f"build_report(Path({str(run_dirs[1])!r})); "
        "bad = sorted(m for m in sys.modules if m.split('.')[:2] in (['dxsim','sim'], ['dxsim','geo'], "
        "['dxsim','radio'], ['dxsim','runner'])); print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    for f in (REPO / "dxsim" / "report").glob("*.py"):
        src = f.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+dxsim\.(sim|geo|radio|runner)\b", src, re.M), f


# ---------------------------------------------------------------- real browser

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
)


def open_offline(browser, path: Path, viewport=(1200, 900)):
    """Open a file with every non-file/data request blocked; returns (page, problems dict)."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    problems: dict[str, list] = {"console": [], "pageerror": [], "failed": [], "blocked": [], "requests": []}

    def gate(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            problems["blocked"].append(url)
            route.abort()

    page.route("**/*", gate)
    page.on(
        "console", lambda m: problems["console"].append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems["pageerror"].append(str(e)))
    page.on("requestfailed", lambda r: problems["failed"].append(r.url))
    page.on("request", lambda r: problems["requests"].append(r.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, problems


def assert_clean(page, problems, n_images: int) -> None:
    assert problems["console"] == [] and problems["pageerror"] == [], problems
    assert problems["failed"] == [] and problems["blocked"] == [], problems
    assert all(u.startswith(("file:", "data:")) for u in problems["requests"]), problems["requests"]
    imgs = page.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
    )
    assert len(imgs) == n_images
    assert all(c and w > 0 and h > 0 for c, w, h in imgs), imgs
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # every table fits its column, folded sections opened too: the 5G trajectory table ran 90 px past the page at
    # 1280 px (headers kept on one line) and the data-centre projects table 97 px (an unbreakable source URL)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('table')).map(t => [t.className, t.scrollWidth, "
        "t.parentElement.clientWidth]).filter(x => x[1] > x[2] + 1)"
    )
    assert wide == [], wide


@needs_chromium
@pytest.mark.parametrize("reps", [2, 1])
def test_browser_renders_offline(browser, run_dirs, reports, reps):
    page, problems = open_offline(browser, reports[reps])
    try:
        assert_clean(page, problems, expected_charts(run_dirs[reps]))
        assert page.title() == "dxsim report: baseline"
        assert "Hồ Chí Minh" in page.inner_text("body")
        if reps == 2:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
            assert (SCREENSHOTS / "report.png").stat().st_size > 50_000
    finally:
        page.close()


@needs_chromium
def test_browser_escaping_probe(browser, run_dirs, tmp_path):
    d = tmp_path / "probe-browser"
    shutil.copytree(run_dirs[2], d)
    without_digests(d)
    s = summary_of(d)
    s["scenario"] = PROBE
    (d / "summary.json").write_text(json.dumps(s), encoding="utf-8")
    v = pl.read_parquet(d / "villages.parquet").with_columns(pl.lit(PROBE).alias("name"))
    v.write_parquet(d / "villages.parquet")
    page, problems = open_offline(browser, build_report(d))
    try:
        assert_clean(page, problems, expected_charts(d))
        assert page.title() == f"dxsim report: {PROBE}"  # shown as text
        assert page.evaluate("document.querySelectorAll('script').length") == 0
    finally:
        page.close()


def test_quantile_band_matches_kpis(run_dirs, reports):
    """The chart band uses the KPI quantile (inverted CDF): at the last year end, P10/P90 of stations_5g
    across replications equal summary.json's stations_5g_<end>_p10/_p90."""
    from dxsim.report.load import load_run

    run = load_run(run_dirs[2])
    s = run.series["stations_5g"]
    kpis = summary_of(run_dirs[2])["kpis"]
    end = run.summary["horizon"]["end_date"]
    key = f"stations_5g_{end[:4]}_{end[5:7]}"
    i = [d.isoformat() for d in s.dates].index(end)
    assert math.isclose(s.p10[i], kpis[key + "_p10"]) and math.isclose(s.p90[i], kpis[key + "_p90"])
    assert math.isclose(s.p50[i], kpis[key])


STACK_POINT = re.compile(
    r"At (\d{4}-\d\d-\d\d): served ([\d.]+)%; covered but capacity-short ([\d.]+)%; uncovered ([\d.]+)%\."
)


def stacked_points(page: str, key: str) -> dict[dt.date, tuple[float, float, float]]:
    """The served / capacity-short / uncovered shares the stacked chart `key`'s alt text reads out, by date."""
    alt = html.unescape(re.search(rf'<figure id="chart-{key}"><img [^>]*alt="([^"]*)"', page).group(1))
    return {
        dt.date.fromisoformat(d): (float(a), float(b), float(c)) for d, a, b, c in STACK_POINT.findall(alt)
    }


@pytest.mark.parametrize(("key", "prefix"), [("served_5g", "pop_5g"), ("served_mbb", "pop_mbb")])
def test_stacked_states_add_up_to_100_at_every_date(run_dirs, reports, key, prefix):
    """`dxsim run --reps 4` drew the served / capacity-short / uncovered stack from each state's own P50, so it
    read 90.9 + 7.6 + 0.0 = 98.5% at 2030 with a white band under 100%. The stack is the mean over replications:
    at every date the report's alt text reads out (the start, each year end, the end), the three add up to 100.0
    exactly (tenths by largest remainder: each rounded alone read 99.9 or 100.1), and each is the mean of the run's
    own metrics there to within a tenth."""
    page = read(reports[2])
    figure = re.search(rf'<figure id="chart-{key}">.*?</figure>', page, re.S).group(0)
    assert "mean over 2 replications" in html.unescape(figure)  # alt text (and the legend's title)
    assert "mean over the 2 replications" in html.unescape(figure)  # caption
    points = stacked_points(page, key)
    nat = pl.read_parquet(run_dirs[2] / "metrics.parquet").filter(pl.col("area") == "VN")
    states = [f"{prefix}_{s}" for s in ("served_pct", "capacity_short_pct", "uncovered_pct")]
    dates = sorted(nat.filter(pl.col("metric") == states[0])["date"].unique().to_list())
    year_ends = [d for d in dates if (d.month, d.day) == (12, 31)]
    assert set(points) == {dates[0], *year_ends, dates[-1]} and len(year_ends) >= 5
    off = {d: shares for d, shares in points.items() if round(10 * sum(shares)) != 1000}
    assert not off, off
    old_sums = []
    for d, shares in points.items():
        at = nat.filter(pl.col("date") == d)
        by_rep = [at.filter(pl.col("metric") == m).sort("replication")["value"].to_numpy() for m in states]
        assert all(len(v) == 2 for v in by_rep)
        for shown, values in zip(shares, by_rep):
            assert shown == pytest.approx(values.mean(), abs=0.1 + 1e-9)
        old_sums.append(sum(float(np.quantile(v, 0.5, method="inverted_cdf")) for v in by_rep))
    # the per-state P50 the chart used to draw does not add up here: this run shows the defect
    assert max(abs(s - 100.0) for s in old_sums) > 0.5, old_sums


def test_stacked_states_of_one_replication_are_its_values(reports):
    """With one replication the mean is the replication's value: nothing to say about replications but that."""
    page = read(reports[1])
    for key in ("served_5g", "served_mbb"):
        figure = html.unescape(re.search(rf'<figure id="chart-{key}">.*?</figure>', page, re.S).group(0))
        assert "(1 replication)" in figure and "mean over" not in figure
        assert "One replication: the three add up to 100%." in figure
        assert all(round(10 * sum(v)) == 1000 for v in stacked_points(page, key).values())


@pytest.mark.parametrize(("value", "top"), [(0.0, 1.0), (3.0, None)])
def test_an_all_zero_count_chart_has_a_0_to_1_axis(
    monkeypatch: pytest.MonkeyPatch, value: float, top
) -> None:
    """The "AI jobs waiting" chart of a run with no queue labelled its y ticks "0.1, 0.0, 0.0, 0.0, 0.0, 0"."""
    seen: list[tuple[float, float]] = []
    monkeypatch.setattr(charts, "_png", lambda fig: seen.append(fig.axes[0].get_ylim()) or b"png")
    dates = [dt.date(2026, m, 28) for m in range(1, 7)]
    vals = np.full(6, value)
    s = Series(dates, vals, vals, vals, 1)
    charts._time_chart("k", "compute", "t", "jobs", [(s, "#000", "jobs")], ylim=(0, None))
    assert seen[0][0] == 0 and (seen[0][1] == top if top is not None else seen[0][1] > value)


def test_date_ticks_are_the_date_locators_own_and_follow_the_view() -> None:
    """The charts' date locators compute their ticks once per view (constrained layout asks ~45 times a figure):
    the ticks must be the wrapped locator's for every view, and a new view must give new ticks."""
    import matplotlib.dates as mdates

    from dxsim.report.charts import _date_axis, _new_axes

    fig, ax = _new_axes()
    _date_axis(ax)
    days = [dt.date(2025, 10, 31) + dt.timedelta(days=30 * i) for i in range(64)]
    ax.plot(days, list(range(64)))  # type: ignore[arg-type]
    fig.canvas.draw()
    seen: list[list[dt.date]] = []
    for lo, hi in [
        (dt.date(2025, 10, 31), dt.date(2030, 12, 31)),
        (dt.date(2026, 3, 1), dt.date(2027, 2, 1)),
    ]:
        ax.set_xlim(lo, hi)  # type: ignore[arg-type]
        fig.canvas.draw()
        year = mdates.YearLocator()  # type: ignore[no-untyped-call]
        year.set_axis(ax.xaxis)
        assert list(ax.xaxis.get_major_locator()()) == list(year())
        month = mdates.MonthLocator(bymonth=(4, 7, 10))  # type: ignore[no-untyped-call]
        month.set_axis(ax.xaxis)
        assert list(ax.xaxis.get_minor_locator()()) == list(month())
        firsts = [mdates.num2date(t).date() for t in ax.xaxis.get_major_locator()()]
        seen.append(firsts)
        assert [d for d in firsts if lo <= d <= hi] == [
            dt.date(y, 1, 1) for y in range(lo.year + 1, hi.year + 1)
        ]
    assert seen[0] != seen[1]  # the second view's own ticks, not the first's kept


def test_plans_and_targets_beside_the_model_read_the_run(run_dirs, reports):
    """The report the run wrote sets the end-2025 plan (68,457 stations, 90%) and the 2026 Viettel addition beside
    the run's own metrics, computed here independently from metrics.parquet: the value on the plan's date, the
    first month end that meets it, and the change over 2026 (not the level at its end)."""
    d = run_dirs[1]
    page = read(reports[1])
    m = pl.read_parquet(d / "metrics.parquet").filter(pl.col("area") == "VN")

    def path(metric: str) -> list[tuple[dt.date, float]]:
        rows = m.filter(pl.col("metric") == metric).sort("date")
        return list(zip(rows["date"].to_list(), rows["value"].to_list()))

    m = m.filter(pl.col("replication") == 0)
    # with the plans, the figures reported after the start (">35,000" stations, "about 90%" at end-2025)
    start = html.escape("Plans, targets and later reports beside the model")
    assert start in page
    table = page[page.index(start) : page.index("</table>", page.index(start))]
    rows = {
        (cells[0], cells[1]): cells
        for cells in (
            [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        )
        if cells
    }
    end25 = dt.date(2025, 12, 31)
    for label, kind, metric, planned, text in (
        ("5G stations", "forecast", "stations_5g", 68_457, "68,457"),
        ("5G stations", "lower bound", "stations_5g", 35_000, "35,000"),
        ("5G population coverage (%)", "forecast", "pop_covered_5g_pct", 90.0, "90"),
        ("5G population coverage (%)", "observed", "pop_covered_5g_pct", 90.0, "90"),
    ):
        series = path(metric)
        then = dict(series)[end25]
        first = next((day for day, v in series if v >= planned), None)
        row = rows[(label, kind)]
        assert row[2] == "2025-12-31"  # ISO in an English report, as its other dates
        assert row[3] == text
        assert row[4] == (f"{then:,.0f}" if metric == "stations_5g" else f"{then:.1f}")
        assert row[5] == (f"{first.year}-{first.month:02d}" if first else "not reached")
    viettel = dict(path("stations_5g_viettel"))
    added = viettel[dt.date(2026, 12, 31)] - viettel[end25]
    assert rows[("5G stations Viettel adds in the year", "forecast")][4] == f"{added:,.0f}"
    # the run starts in October 2025: the 2025 addition of Viettel and VNPT has no model figure
    assert rows[("5G stations Viettel and VNPT add in the year", "forecast")][4] == "partial year"
    # the start month's figures (16,737 stations, 39.52%) are the start state, not listed
    assert not any(r[1] == "observed" and r[2] <= "2025-10-31" for r in rows.values())


def test_plans_of_a_run_of_several_replications_are_their_p50_with_the_band(run_dirs, reports):
    """With two replications the plans table gives the P50 over both (the lower of the two, an observed value, as
    the KPIs have it) with P10 - P90 (lower - higher) beneath, and the month the P50 reaches the plan; replication
    0 alone stood for the run, the high end of the data-centre MW in the baseline. Computed here from the
    metrics.parquet the run wrote; the 2030 data-centre row equals summary.json's end-of-run KPI."""
    d = run_dirs[2]
    page = read(reports[2])
    m = pl.read_parquet(d / "metrics.parquet").filter(pl.col("area") == "VN")
    start = html.escape("Plans, targets and later reports beside the model")
    table = page[page.index(start) : page.index("</table>", page.index(start))]
    assert (
        "P50 over the run&#x27;s 2 replications" in page[page.index(start) - 2000 : page.index(start) + 2000]
    )
    rows = {
        html.unescape(re.sub(r"<[^>]+>", "", cells[0])): cells
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        )
        if cells and re.sub(r"<[^>]+>", "", cells[1]) == "forecast"
    }
    end25 = dt.date(2025, 12, 31)
    for label, metric, planned in (
        ("5G stations", "stations_5g", 68_457),
        ("5G population coverage (%)", "pop_covered_5g_pct", 90.0),
    ):
        # one decimal for a share, none when it rounds to a whole number there (45.04 -> "45"), as the page says
        fmt = (
            (lambda v: f"{v:,.0f}")
            if metric == "stations_5g"
            else (lambda v: f"{v:.0f}" if round(v, 1) == round(v) else f"{v:.1f}")
        )
        then, firsts = [], []
        for rep in (0, 1):
            path = m.filter((pl.col("metric") == metric) & (pl.col("replication") == rep)).sort("date")
            then.append(dict(zip(path["date"].to_list(), path["value"].to_list()))[end25])
            firsts.append(next((day for day, v in zip(path["date"], path["value"]) if v >= planned), None))
        model = html.unescape(re.sub(r"(<[^>]+>)+", "|", rows[label][4]))
        assert model == f"{fmt(min(then))}|{fmt(min(then))} – {fmt(max(then))}|", model
        reached = html.unescape(re.sub(r"(<[^>]+>)+", "|", rows[label][5]))
        month = lambda day: f"{day.year}-{day.month:02d}" if day else "not reached"
        never_last = sorted(firsts, key=lambda day: day or dt.date.max)
        assert reached == f"{month(never_last[0])}|{month(never_last[0])} – {month(never_last[1])}|", reached
    kpis = json.loads((d / "summary.json").read_text())["kpis"]
    dc = (
        pl.read_parquet(d / "plans.parquet")
        .filter(pl.col("metric") == "dc_it_capacity_mw")
        .row(0, named=True)
    )
    assert (dc["model"], dc["model_p10"], dc["model_p90"]) == pytest.approx(
        (kpis["dc_it_capacity_mw_end"], kpis["dc_it_capacity_mw_end_p10"], kpis["dc_it_capacity_mw_end_p90"])
    )
    assert dc["replications"] == 2


def test_a_plan_below_the_start_is_reached_going_down() -> None:
    """Villages left without power and signal: 117 at the start, target 0; reached at the first month end at 0. A
    plan dated before the run has no model value then, and a run without villages gets no row for it."""
    from dxsim.calibration import plan_frame

    days = [dt.date(2025, 10, 31), dt.date(2025, 11, 30), dt.date(2025, 12, 31)]
    metrics = pl.DataFrame(
        {
            "date": days,
            "replication": [0, 0, 0],
            "area": ["VN"] * 3,
            "metric": ["villages_unconnected"] * 3,
            "value": [117.0, 4.0, 0.0],
        }
    )
    obs = pl.DataFrame(
        {
            "date": [dt.date(2025, 11, 30), dt.date(2024, 6, 30), dt.date(2030, 12, 31)],
            "area": ["VN", "VN", "VN"],
            "metric": ["villages_unconnected", "villages_unconnected", "dc_it_capacity_mw"],
            "kind": ["target", "target", "target"],
            "value": [0.0, 0.0, 870.0],
            "source": ["timeline", "earlier", "dc"],
        }
    )
    early, late = plan_frame(metrics, obs).iter_rows(named=True)
    assert (late["model"], late["reached"]) == (4.0, dt.date(2025, 12, 31))
    assert (early["model"], early["reached"]) == (None, dt.date(2025, 12, 31))


def test_figures_reported_after_the_start_stand_beside_the_plans() -> None:
    """plans.csv holds, besides forecasts and targets, the national figures reported after the run's start month
    (observed, floors, ceilings), each once; those of the start month or before are the start state or history (the
    calibration and the backtest hold them). The baseline's end-2025 ">35,000 stations" and "about 90%" were in no
    run output (search-workflow trial)."""
    from dxsim.calibration import plan_frame

    days = [dt.date(2025, 10, 31), dt.date(2025, 11, 30), dt.date(2025, 12, 31)]
    metrics = pl.DataFrame(
        {
            "date": days,
            "replication": [0, 0, 0],
            "area": ["VN"] * 3,
            "metric": ["stations_5g"] * 3,
            "value": [16737.0, 27000.0, 33000.0],
        }
    )
    obs = pl.DataFrame(
        {
            "date": [
                dt.date(2025, 10, 31),  # the start month: the start state, not listed
                dt.date(2025, 12, 31),
                dt.date(2025, 12, 31),  # the same figure from a second source: listed once
                dt.date(2025, 12, 31),
                dt.date(2025, 12, 15),  # another area: not national
            ],
            "area": ["VN", "VN", "VN", "VN", "01"],
            "metric": ["stations_5g"] * 5,
            "kind": ["observed", "lower_bound", "lower_bound", "forecast", "observed"],
            "value": [16737.0, 35000.0, 35000.0, 68457.0, 900.0],
            "source": ["start", "dantri", "other paper", "000:56", "province"],
        }
    )
    rows = plan_frame(metrics, obs).sort("kind").to_dicts()
    assert [(r["kind"], r["planned"], r["model"], r["source"]) for r in rows] == [
        ("forecast", 68457.0, 33000.0, "000:56"),
        ("lower_bound", 35000.0, 33000.0, "dantri"),
    ]
    assert rows[1]["reached"] is None  # not reached within the run


def test_support_paid_says_why_from_the_operators_decisions(run_dirs, reports):
    """The report says, per operator, in how many replications Resolution 193 paid it and each replication's deciding
    move, counted here again from the support_decisions.csv the run wrote. Until 2026-12-06 it gave replication 0's
    reasons beside the P50 paid ("2,438 bn paid ... Viettel: not worth it")."""
    d = run_dirs[1]
    page = html.unescape(re.sub(r"<[^>]+>", " ", read(reports[1])))
    page = re.sub(r"\s+", " ", page)
    dec = pl.read_csv(d / "support_decisions.csv", try_parse_dates=True)
    n = dec["replication"].n_unique()
    assert dec.height > 0 and "Support programmes" in page
    names = {"viettel": "Viettel", "vnpt": "VNPT", "mobifone": "MobiFone"}
    labels = {
        "out_of_reach_plan": "out of reach: too few of its 4G sites left to upgrade, the sites a surge builds"
    }
    for op in dec["operator"].unique().to_list():
        mine = dec.filter(pl.col("operator") == op)
        k = mine.filter(pl.col("decision") == "paid").height
        said = re.search(
            rf"resolution_193, {names[op]}: paid in (\d+) of (\d+) replications?[^;]*; decided: ((?:[^;()]+ \(\d+\)(?:; )?)+)",
            page,
        )
        assert said, op
        assert (int(said.group(1)), int(said.group(2))) == (k, n)
        first = (
            mine.filter(~pl.col("decision").is_in(["wait", "paid"]))
            .sort("date")
            .group_by("replication")
            .agg(pl.col("decision").first())
        )
        assert sum(int(c) for c in re.findall(r"\((\d+)\)", said.group(3))) == first.height
        for decision, count in first["decision"].value_counts().iter_rows():
            if decision in labels:
                assert f"{labels[decision]} ({count})" in said.group(3)


def test_data_centre_note_speaks_of_replications_only_when_there_are_several(reports):
    """A one-replication run's data-centre note said "the KPI table above gives the P50 across replications"."""
    one, two = read(reports[1]), read(reports[2])
    assert (
        "The run&#x27;s end state from datacentres.parquet" in one and "P50 across replications." not in one
    )
    assert "Replication 0&#x27;s end state from datacentres.parquet" in two


def test_the_start_data_centre_mw_is_reconciled_with_the_end_2024_fleet(run_dirs, reports):
    """215 MW at the start beside the reported 182 MW (end-2024) was unexplained: the report splits the start into
    what was in service by 2024-12-31 and the sites opened since, read here independently from datacentres.parquet."""
    d = pl.read_parquet(run_dirs[1] / "datacentres.parquet").filter(pl.col("start_it_mw") > 0)
    page = html.unescape(read(reports[1]))
    before = d.filter(pl.col("opened").is_null() | (pl.col("opened") <= dt.date(2024, 12, 31)))
    after = d.filter(pl.col("opened") > dt.date(2024, 12, 31))
    assert after.height > 0
    want = (
        f"IT MW at the start: {d['start_it_mw'].sum():,.1f} MW = {before['start_it_mw'].sum():,.1f} MW in service by "
        f"the end of 2024 ({before.height} sites;"
    )
    assert want in page, want
    for r in after.iter_rows(named=True):
        assert f"{r['name']} {r['start_it_mw']:,.1f} MW ({r['opened'].isoformat()})" in page


def test_map_and_report_word_a_folder_that_is_no_run_alike(tmp_path):
    """`dxsim map` said "not a dxsim result folder: it holds none of ..." and `dxsim report` "summary.json is missing:
    not a run output directory" of the same empty folder; a missing folder read "result" in one, "run output" in the
    other. Both now say the same, one line and exit 2 (the report names the file it needs)."""
    from conftest import dxsim_cmd, one_line_error

    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, tmp_path / "missing"):
        lines = []
        for cmd in ("map", "report"):
            r = dxsim_cmd(cmd, str(folder))
            assert r.returncode == 2, (cmd, r.stderr)
            lines.append(one_line_error(r.stderr, r.stdout, str(folder)))
        said = [line.split(": ", 2)[2] for line in lines]  # after "error: <folder>: "
        if folder == empty:
            assert all(s.startswith("not a dxsim result folder: ") for s in said), said
            assert all("default outputs/<name>/" in s for s in said), said
        else:
            assert said[0] == said[1] == "not a result directory (run `dxsim run` first)", said


def test_report_and_map_refuse_a_run_folder_whose_files_were_edited(
    cli_baseline: Path, tmp_path: Path
) -> None:
    """`dxsim report` on a folder whose summary.json was edited (5G capex 78,562 -> 58,562) published the edited
    figure beside the run's own yearly table and recorded the page's digest in the manifest as dxsim's (state-audit
    trial). Both page commands now refuse in one line, naming the file, and leave the folder as it was."""
    import shutil

    from conftest import dxsim_cmd, one_line_error

    folder = tmp_path / "run"
    shutil.copytree(cli_baseline, folder)
    summary = folder / "summary.json"
    data = json.loads(summary.read_text(encoding="utf-8"))
    data["kpis"]["capex_total_vnd_bn"] = 58_561.8
    summary.write_text(json.dumps(data), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    for command in ("report", "map"):
        r = dxsim_cmd(command, str(folder))
        assert r.returncode == 2, (command, r.stdout, r.stderr)
        line = one_line_error(r.stderr, r.stdout, f"{folder / 'summary.json'}: changed after dxsim wrote it")
        assert "restore them, or run the scenario again into a new folder (`dxsim run SCENARIO --out" in line
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    # restored, the folder is the run's again: the report is rebuilt
    shutil.copy2(cli_baseline / "summary.json", summary)
    r = dxsim_cmd("report", str(folder))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("reps", [2, 1])
def test_the_synthetic_notice_counts_the_5g_sites_at_synthetic_places(run_dirs, reports, reps):
    """The notice counted synthetic villages and data centres, not the 5G sites: with a site file the plans go on at
    seeded candidates and a planner could not tell how many of the end's sites those were (trial). Counted here from
    the sites_5g.parquet the run wrote."""
    page = read(reports[reps])
    sites = pl.read_parquet(run_dirs[reps] / "sites_5g.parquet", columns=["synthetic"])
    n, total = int(sites["synthetic"].sum()), sites.height
    assert n > 0  # the baseline's layer is the seeded synthetic one
    notice = re.search(r'<div class="notice" role="note">(.*?)</div>', page, re.S).group(1)
    assert f"{n:,} of the {total:,} 5G sites on air at the end (replication 0)" in notice
    assert summary_of(run_dirs[reps])["sites_5g_end"] == {"total": total, "synthetic": n}
