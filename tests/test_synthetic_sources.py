"""Every synthetic part of a run is declared as a synthetic data source, in each file a planner reads it from.

The session's `dxsim run` folder (conftest `cli_baseline`): summary.json's `data_sources`, the report's
synthetic notice and sources table, and the workbook's About sheet. Which parts are synthetic is read
independently from the entity tables' own `synthetic` columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

DC_SOURCE = "dxsim.geo.datacentres"


@pytest.fixture(scope="module")
def run_dir(cli_baseline: Path) -> Path:
    return cli_baseline


def _synthetic_rows(run_dir: Path, table: str) -> int:
    return int(pl.read_parquet(run_dir / table)["synthetic"].sum())


def test_synthetic_data_centres_are_a_declared_source(run_dir: Path) -> None:
    """41 of 62 data centres were generated, yet summary.json listed no synthetic data-centre source."""
    assert _synthetic_rows(run_dir, "datacentres.parquet") > 0  # the premise: the run has generated ones
    sources = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["data_sources"]
    dc = [s for s in sources if DC_SOURCE in s["name"] and s["synthetic"]]
    assert len(dc) == 1, sources
    assert dc[0]["licence"] == "CC0 (generated)"


def test_report_and_workbook_list_the_synthetic_data_centres(run_dir: Path) -> None:
    """The report's notice (and sources table) and the workbook's About sheet carry the source as synthetic."""
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    notice = page.split('<div class="notice" role="note">', 1)[1].split("</div>", 1)[0]
    assert DC_SOURCE in notice
    sources_table = page.split('<table class="sources">', 1)[1].split("</table>", 1)[0]
    assert DC_SOURCE in sources_table

    wb = openpyxl.load_workbook(run_dir / "results.xlsx", read_only=True)
    try:
        rows = [tuple(c.value for c in r) for r in wb["About"].iter_rows()]
    finally:
        wb.close()
    flagged = [r for r in rows if isinstance(r[0], str) and DC_SOURCE in r[0]]
    assert flagged and all(r[2] is True for r in flagged), flagged


def test_every_synthetic_entity_table_has_a_synthetic_source(run_dir: Path) -> None:
    """Villages and data centres alike: generated rows in a table imply a synthetic source naming its module."""
    sources = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["data_sources"]
    synthetic_names = " ".join(s["name"] for s in sources if s["synthetic"])
    for table, module in (("villages.parquet", "dxsim.geo.villages"), ("datacentres.parquet", DC_SOURCE)):
        if _synthetic_rows(run_dir, table):
            assert module in synthetic_names, (table, synthetic_names)


def test_the_generated_villages_source_counts_them_by_subset(run_dir: Path) -> None:
    """The report said "485 with grid power but no or patchy signal" and no source held that figure: the generated
    villages' source now gives their counts, which must be the villages table's own (synthetic rows by subset)."""
    villages = pl.read_parquet(run_dir / "villages.parquet").filter(pl.col("synthetic"))
    without = villages.filter(pl.col("subset") == "no_power").height
    with_power = villages.filter(pl.col("subset") == "with_power").height
    assert without > 0 and with_power > 0  # the premise: the baseline generates both subsets
    sources = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["data_sources"]
    row = [  # the generated villages' row (the reported ones' drawn population has its own)
        s
        for s in sources
        if "dxsim.geo.villages" in s["name"] and s["synthetic"] and "population_syn" not in s["name"]
    ]
    assert len(row) == 1, sources
    name = row[0]["name"]
    assert name.startswith(f"{without + with_power:,} remote villages beyond the named ones"), name
    assert f"{without:,} without grid power and signal" in name and f"{with_power:,} with grid power" in name
    assert "n_with_power" in name and "province_surveys" in name  # where the counts come from


def test_the_reported_villages_drawn_population_is_a_declared_source(run_dir: Path) -> None:
    """The 25 reported villages read "synthetic: False" beside a drawn population (trust audit): no source counts
    their people. villages.parquet flags it per row (`population_synthetic`), and summary.json, the report's notice
    and the workbook's About sheet declare it as a synthetic source with the table's own count."""
    v = pl.read_parquet(run_dir / "villages.parquet")
    reported = v.filter(~pl.col("synthetic") & pl.col("population_synthetic"))
    assert reported.height == 25
    sources = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["data_sources"]
    row = [s for s in sources if "population_synthetic" in s["name"]]
    assert len(row) == 1 and row[0]["synthetic"], sources
    assert row[0]["name"].startswith(
        f"the population and households of the {reported.height} reported villages"
    )
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    notice = page.split('<div class="notice" role="note">', 1)[1].split("</div>", 1)[0]
    assert "population_synthetic" in notice
    wb = openpyxl.load_workbook(run_dir / "results.xlsx", read_only=True)
    try:
        rows = [tuple(c.value for c in r) for r in wb["About"].iter_rows()]
    finally:
        wb.close()
    assert [r[2] for r in rows if isinstance(r[0], str) and "population_synthetic" in r[0]] == [True]


def test_the_gpu_start_fleet_and_its_assumed_rows_are_a_listed_source(run_dir: Path) -> None:
    """The start fleet of 1,656 GPUs holds 400 unnamed ones assumed by dxsim, and its fact table was in no list of
    sources (trust audit). summary.json now lists every fact table, with the rows that hold an assumption."""
    sources = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["data_sources"]
    gpu = [s for s in sources if "gpu_fleet_2025.csv" in s["name"]]
    assert len(gpu) == 1 and not gpu[0]["synthetic"]
    assert "rows hold a dxsim assumption" in gpu[0]["name"]


def test_the_terminal_says_what_is_synthetic(run_dir: Path) -> None:
    """`dxsim run` printed "synthetic" nowhere beside 89,058 generated 5G sites (provincial planner trial): its
    stdout now counts the generated villages, 5G sites and data centres, each counted here from the tables."""
    said = (run_dir.parent / "stdout.txt").read_text(encoding="utf-8")
    line = next((ln for ln in said.splitlines() if ln.startswith("Synthetic in this run")), None)
    assert line is not None, said[-2000:]
    text = " ".join(said.split())  # the line may be wrapped to the terminal's width
    villages = pl.read_parquet(run_dir / "villages.parquet")
    dcs = pl.read_parquet(run_dir / "datacentres.parquet")
    sites = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["sites_5g_end"]
    assert f"{_synthetic_rows(run_dir, 'villages.parquet'):,} of {villages.height:,} villages" in text
    assert f"{sites['synthetic']:,} of the {sites['total']:,} 5G sites on air at the end" in text
    assert f"{_synthetic_rows(run_dir, 'datacentres.parquet'):,} of {dcs.height:,} data centres" in text
