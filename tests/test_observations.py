"""geodata/observations.csv: every row validates, every quote is on its cited line and gives the value.

The seed reports (../shared/seeds/) and the curated raw files (../shared/geodata/) are read here
directly, independently of the reader, and Vietnamese numbers are converted by the test's own rules.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from dxsim.errors import DxsimInputError
from dxsim.geo.observations import read_observations
from dxsim.scenario.docs import json_schema

REPO = Path(__file__).resolve().parent.parent
CSV_PATH = REPO / "geodata" / "observations.csv"
SEEDS = REPO.parent / "shared" / "seeds"
RAW = REPO.parent / "shared" / "geodata"
SEED_CITE = re.compile(r"^(\d{3}):(\d+)(?:-(\d+))?\s")
RAW_CITE = re.compile(r"^([a-z]+/[A-Za-z0-9_.-]+\.csv) row (.+?) \(")
# Model metrics a backtest must find under their README names.
CORE_METRICS = {
    "stations_5g",
    "pop_covered_5g_pct",
    "pop_covered_4g_pct",
    "villages_unconnected",
    "dc_it_capacity_mw",
    "racks",
    "gpus_installed_high_performance",
}


def rows() -> list[dict[str, str]]:
    with open(CSV_PATH, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def norm(text: str) -> str:
    """NFC (the seeds mix composed and combining accents), no markdown bold, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).replace("**", "").split())


def _numbers(text: str, *, vietnamese: bool) -> list[float]:
    """Every number of a quote. Vietnamese: '.' groups thousands, ',' is the decimal mark; a '.'
    not followed by exactly three digits is a decimal point (the slide's '16.7k', '39.52%').
    English (curated CSVs): ',' groups thousands, '.' is the decimal point. A 'k' suffix is x1000.
    Network generations (5G, 4G) and model names (H100, A30) are names, not numbers."""
    text = re.sub(r"\b[2-5]G\b", " ", unicodedata.normalize("NFC", text))
    out = []
    for digits, k in re.findall(r"(?<!\w)(\d+(?:[.,]\d+)*)(k?)", text):
        if vietnamese:
            whole, _, frac = digits.partition(",")
            groups = whole.split(".")
            if len(groups) > 1 and not all(len(g) == 3 for g in groups[1:]):
                number = float(whole)  # English decimal point
            else:
                number = float("".join(groups) + ("." + frac if frac else ""))
        else:
            number = float(digits.replace(",", ""))
        out.append(number * (1000 if k else 1))
    return out


def test_number_conversion() -> None:
    """The conversion itself, on cases whose answer is known."""
    assert _numbers("cả nước đã có 16.737 trạm 5G", vietnamese=True) == [16737]
    assert _numbers("phủ sóng 39,52% dân số", vietnamese=True) == [39.52]
    assert _numbers("16.7k Trạm 5G", vietnamese=True) == [16700]
    assert _numbers("3.949.469 tỷ đồng", vietnamese=True) == [3949469]
    assert _numbers("Thêm 01 tuyến; 40 card GPU A100", vietnamese=True) == [1, 40]
    assert _numbers("11,591 (~26% population; = 7.72%", vietnamese=False) == [11591, 26, 7.72]


def test_every_row_validates() -> None:
    df = read_observations()
    raw = rows()
    assert df.height == len(raw) > 50
    assert df["area"].to_list() == [r["area"] for r in raw]  # codes stay text ("08", not 8)
    assert df["value"].to_list() == [float(r["value"]) for r in raw]
    assert set(df["kind"]) <= {"observed", "target", "forecast", "upper_bound", "lower_bound", "restated"}
    assert (df["tolerance"] >= 0).all()


def test_covers_what_issue_11_asks() -> None:
    """The figures the issue names are there, with their reported values."""
    df = read_observations()

    def has(date: str, area: str, metric: str, value: float, kind: str = "observed") -> bool:
        sub = df.filter(
            (df["date"].cast(str) == date)
            & (df["area"] == area)
            & (df["metric"] == metric)
            & (df["kind"] == kind)
        )
        return any(math.isclose(v, value) for v in sub["value"])

    assert has("2025-10-31", "VN", "stations_5g", 16737)
    assert has("2025-05-31", "VN", "stations_5g", 11591)
    assert has("2024-12-31", "VN", "pop_covered_5g_pct", 25.5)
    assert has("2024-12-31", "provincial_capitals", "pop_covered_5g_pct", 93.34)
    assert has("2025-12-31", "VN", "stations_5g", 68457, "forecast")
    assert has("2025-12-31", "VN", "pop_covered_5g_pct", 90, "forecast")
    assert has("2022-09-30", "VN", "villages_coverage_holes", 266)
    assert has("2024-10-31", "VN", "villages_coverage_holes", 761)
    assert has("2024-10-31", "VN", "villages_coverage_holes_with_power", 637)
    assert has("2024-10-31", "VN", "villages_coverage_holes_without_power", 124)
    assert has("2025-10-31", "VN", "villages_unconnected", 117)
    assert has("2026-01-31", "08", "villages_coverage_holes", 273)
    assert has("2025-11-30", "VN", "villages_unconnected", 0, "target")
    assert has("2024-12-31", "VN", "dc_count", 45)
    assert has("2024-12-31", "VN", "dc_it_capacity_mw", 182)
    assert has("2024-12-31", "VN", "racks", 27370)
    assert has("2025-10-31", "VN", "gpus_installed_high_performance", 2000, "upper_bound")
    assert has("2025-10-31", "VN", "mobile_download_mbps_median", 159.57)
    assert has("2025-02-28", "VN", "mobile_download_mbps_median", 144.50)


def test_figures_reported_after_the_seeds_cite_their_dated_pages() -> None:
    """The end-2025 figures published after the seeds (MoST's year-end conference, January 2026; Viettel) are there
    to score the model against, each citing its page with the publisher and date: >35,000 stations (a floor), ~90%
    population coverage, Viettel's ~30,000 stations and its 20,758 in Resolution 193's window; VNPT's commitment of
    55-60% of the population on its own 5G in 2026, and Phú Thọ's nearly 1,000 stations at the end of 2025 (a floor)."""
    df = read_observations()
    later = df.filter(pl.col("source").str.starts_with("https://"))
    got = {(str(r["date"]), r["metric"], r["value"], r["kind"]) for r in later.iter_rows(named=True)}
    assert {
        ("2025-12-31", "stations_5g", 35000.0, "lower_bound"),
        ("2025-12-31", "pop_covered_5g_pct", 90.0, "observed"),
        ("2025-12-31", "stations_5g_viettel", 30000.0, "observed"),
        ("2025-12-10", "stations_5g_in_window_viettel", 20758.0, "observed"),
        ("2026-12-31", "pop_covered_5g_pct_vnpt", 57.5, "target"),
        ("2025-12-31", "stations_5g", 1000.0, "lower_bound"),
    } <= got
    assert all(re.search(r" \([^()]+ 20\d\d-\d\d-\d\d\)$", s) for s in later["source"])


def test_calibration_facts_are_observations() -> None:
    """Every calibration figure of national_facts.csv cited to a seed or shared file is a row, same value."""
    values = {float(r["value"]) for r in rows()}
    not_here = {
        "national_population_base": "an input (GSO press release), not a reported infrastructure figure",
        "singapore_dc_gw": "Singapore's capacity, not an area of Viet Nam",
    }
    with open(REPO / "geodata" / "national_facts.csv", encoding="utf-8", newline="") as f:
        facts = list(csv.DictReader(f))
    checked = 0
    for fact in facts:
        if fact["key"] in not_here:
            continue
        assert float(fact["value"]) in values, fact["key"]
        checked += 1
    assert checked >= 15


def _seed_lines(file_id: str) -> list[str]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed reports not found in {SEEDS}")
    (path,) = SEEDS.glob(f"{file_id}_*.txt")
    return path.read_text(encoding="utf-8").split("\n")


def test_seed_quotes_are_on_the_cited_lines_and_give_the_value() -> None:
    seed_rows = [r for r in rows() if SEED_CITE.match(r["source"])]
    assert len(seed_rows) > 60
    for r in seed_rows:
        file_id, first, last = SEED_CITE.match(r["source"]).groups()
        lines = _seed_lines(file_id)[int(first) - 1 : int(last or first)]
        assert norm(r["quote"]) in norm(" ".join(lines)), (r["source"], r["quote"])
        numbers = _numbers(r["quote"], vietnamese=True)
        value = float(r["value"])
        assert numbers, r["quote"]
        assert all(math.isclose(n, value) for n in numbers), (r["quote"], numbers, value)


def _schema_sources() -> list[str]:
    """Every x-source of the scenario schema (the sources the reference and `dxsim schema` show)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("x-source"), str):
                found.append(node["x-source"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json_schema())
    return sorted(set(found))


SCHEMA_SEED_CITE = re.compile(r"seeds? (\d{3}):(\d+)(?:-(\d+))?(?::\s*([^);]*))?")
_DATES = re.compile(r"\b(19|20)\d\d(-\d\d(-\d\d)?)?\b")


def test_schema_sources_give_numbers_their_cited_seed_lines_state() -> None:
    """A default's source that states a number and cites a seed line for it ("89.4% of subscribers use smartphones
    (seed 003:36)", "... (seed 004:260: 89.6%)") cites a line that gives it. Why: three sources cited a neighbouring
    line (000:58 for the 99.8% of 000:95, 003:40 for the 89.4% of 003:36). Years and dates are left out: they
    date the figure. A clause with no number (a report's name) is not checked."""
    checked = 0
    for source in _schema_sources():
        for m in SCHEMA_SEED_CITE.finditer(source):
            file_id, first, last, after = m.groups()
            clause = after or source[: m.start()].split(";")[-1].rsplit(", seed", 1)[0]
            stated = _numbers(_DATES.sub(" ", clause), vietnamese=False)
            if not stated:
                continue
            lines = " ".join(_seed_lines(file_id)[int(first) - 1 : int(last or first)])
            given = _numbers(norm(lines), vietnamese=True)
            assert any(math.isclose(n, g) for n in stated for g in given), (
                m.group(0),
                clause.strip(),
                stated,
            )
            checked += 1
    assert checked >= 15


def test_geodata_quotes_are_in_the_cited_row_and_give_the_value() -> None:
    if not RAW.is_dir():
        pytest.skip(f"shared geodata not found in {RAW}")
    raw_rows = [r for r in rows() if not SEED_CITE.match(r["source"])]
    assert len(raw_rows) > 20
    for r in raw_rows:
        page = r["source"].startswith("https://")  # a dated public page: its Vietnamese quote gives the value
        if not page:
            m = RAW_CITE.match(r["source"])
            assert m, r["source"]
            path, key = m.groups()
            lines = [norm(line) for line in (RAW / path).read_text(encoding="utf-8").splitlines()]
            assert any(key in line and norm(r["quote"]) in line for line in lines), (path, key, r["quote"])
        numbers = _numbers(r["quote"], vietnamese=page)
        value = float(r["value"])
        if value == 0:  # a deadline: "cover these by Sept" - nothing left
            assert r["kind"] == "target" and not numbers, r
        elif re.search(
            r"\d\s*[-–]\s*\d", r["quote"]
        ):  # a range "55-60%": its midpoint, half the range either side
            low, high = numbers
            assert math.isclose(value, (low + high) / 2) and math.isclose(
                float(r["tolerance"]), (high - low) / 2
            ), r
        else:
            assert numbers and all(math.isclose(n, value) for n in numbers), (r["quote"], numbers, value)


def _readme_metrics() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- BEGIN metrics -->")[1].split("<!-- END metrics -->")[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", table, flags=re.M))


def test_model_metric_names_are_spelled_as_in_the_readme() -> None:
    readme = _readme_metrics()
    assert len(readme) > 30
    used = {r["metric"] for r in rows()}
    assert CORE_METRICS <= readme and CORE_METRICS <= used
    for metric in used - readme:  # a new name must not be a near-miss of a model metric
        squashed = metric.replace("_", "")
        assert squashed not in {m.replace("_", "") for m in readme}, metric
        assert not difflib.get_close_matches(metric, readme, n=1, cutoff=0.9), metric


GOOD = {
    "date": "2025-10-31",
    "date_precision": "month",
    "area": "08",
    "metric": "stations_5g",
    "value": "120",
    "unit": "stations",
    "kind": "observed",
    "tolerance": "0",
    "tolerance_basis": "exact count",
    "source": "000:56 MoST report",
    "quote": "120 trạm",
    "note": "",
}


def _write(tmp_path: Path, **change: str) -> Path:
    row = {**GOOD, **change}
    path = tmp_path / "mine.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        w.writeheader()
        w.writerow(GOOD)
        w.writerow(row)
    return path


def test_planner_file_is_read(tmp_path: Path) -> None:
    df = read_observations(
        _write(
            tmp_path,
            source="villages/vn_deadzone_counts_timeline.csv row 2024-10",
            date="2024-12-31",
            date_precision="year",
            area="provincial_capitals",
        )
    )
    assert df.height == 2
    assert df["area"].to_list() == ["08", "provincial_capitals"]
    assert str(df["date"][1]) == "2024-12-31"


@pytest.mark.parametrize(
    ("field", "bad", "allowed"),
    [
        ("date", "2025-13-01", "YYYY-MM-DD"),
        ("date", "2025-10-15", "2025-10-31"),  # month precision wants the month's last day
        ("date_precision", "week", "day, month, year"),
        ("area", "99", "gso34"),
        ("area", "8", "gso34"),  # codes are two-character text
        ("value", "nan", "finite"),
        ("value", "16.737,5", "finite number"),
        ("tolerance", "-1", ">= 0"),
        ("kind", "estimate", "observed, target, forecast, upper_bound, lower_bound, restated"),
        ("source", "https://example.org/news", "seed file id"),
        ("source", "https://example.org/news (example.org)", "publisher and date"),  # a page without its date
        ("source", "http://example.org/news (example.org 2026-01-22)", "https address"),
        ("source", "0:56 report", "seed file id"),
        ("quote", "  ", "non-empty"),
    ],
)
def test_bad_row_is_refused_with_one_line(tmp_path: Path, field: str, bad: str, allowed: str) -> None:
    path = _write(tmp_path, **{field: bad})
    with pytest.raises(DxsimInputError) as info:
        read_observations(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert str(path) in msg and "row 2" in msg and field in msg and allowed in msg
    if bad.strip():
        assert repr(bad) in msg
    assert info.value.field == field


def test_bad_file_is_refused_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.csv"
    with pytest.raises(DxsimInputError, match="not found"):
        read_observations(missing)
    no_quote = tmp_path / "no_quote.csv"
    no_quote.write_text(",".join(k for k in GOOD if k != "quote") + "\n", encoding="utf-8")
    with pytest.raises(DxsimInputError) as info:
        read_observations(no_quote)
    assert "quote" in str(info.value) and "missing" in str(info.value) and "\n" not in str(info.value)
