"""Planner site and village files that users made to break dxsim (issue 10): each is one line on
stderr naming the file and the column/row, exit 2, and nothing written.

Driven through the CLI (`dxsim run` on a scenario naming the file, typer's CliRunner in this
process so the geodata is loaded once), plus direct reads for what must still be accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import types
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from conftest import one_line_error
from typer.testing import CliRunner

from dxsim.cli.main import app
from dxsim.errors import MAX_LISTED_PROBLEMS, DxsimInputError
from dxsim.geo import site_file
from dxsim.geo import village_file as villages
from dxsim.geo.site_file import read_site_csv
from dxsim.geo.village_file import read_village_file

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SITE_HEADER = "lon,lat,operator,technology,band_mhz,on_air_date"
SITES = [
    SITE_HEADER,
    "105.85,21.03,viettel,4g,1800,2019-01-01",
    "106.70,10.78,vnpt,4g,1800,2019-01-01",
    "105.85,21.03,viettel,5g,3500,2025-05-01",
]
VILLAGE_HEADER = "name,lon,lat,gso34,population"
VILLAGES = [VILLAGE_HEADER, "Bản A,105.20,21.90,08,150", "Bản B,105.25,21.95,08,220"]  # in Tuyên Quang (08)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def scenario(
    tmp: Path, *, sites: str | None = None, villages_file: str | None = None, end_date: str | None = None
) -> Path:
    text = f'extends = "{BASELINE.as_posix()}"\nname = "bad-files"\n'
    if end_date:
        text += f"[horizon]\nend_date = {end_date}\n"
    if sites:
        text += f'[sites]\nfile = "{sites}"\n'
    if villages_file:
        text += f'[villages.layer]\nfile = "{villages_file}"\n'
    p = tmp / "scenario.toml"
    p.write_text(text, encoding="utf-8")
    return p


def run_fails(tmp: Path, toml: Path, *parts: str) -> str:
    """`dxsim run` exits 2 with one line naming every part, no traceback, and writes nothing."""
    out = tmp / "out"
    before = sorted(p.name for p in tmp.iterdir())
    res = CliRunner().invoke(app, ["run", str(toml), "--no-map", "--no-report", "--out", str(out)])
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr, res.exception)
    line = one_line_error(res.stderr, res.stdout, *parts)
    assert not out.exists()
    assert sorted(p.name for p in tmp.iterdir()) == before  # no temporary folder left either
    return line


# --------------------------------------------------------------------------- site files


@pytest.mark.parametrize(
    "lines, parts",
    [
        (
            [SITE_HEADER + ",LON"] + [r + ",1" for r in SITES[1:]],
            ["header", "'lon' and 'LON'", "differ only by case"],
        ),
        (
            ["Lon,lat,operator,technology,band_mhz,on_air_date,LON"] + [r + ",1" for r in SITES[1:]],
            ["'Lon' and 'LON'", "columns 1 and 7"],
        ),
        (
            ["name," + SITE_HEADER + ",Name"] + [f"s{i}," + r + ",x" for i, r in enumerate(SITES[1:])],
            ["'name' and 'Name'", "differ only by case"],
        ),
        (
            ["name," + SITE_HEADER + ",name"] + [f"s{i}," + r + ",x" for i, r in enumerate(SITES[1:])],
            ["column 'name' is given twice", "columns 1 and 8"],
        ),
        (
            SITES[:2] + ["106.70,10.78,vnpt,4g,1800.9,2019-01-01"] + SITES[3:],
            ["row 3, column band_mhz = '1800.9'", "a whole number of MHz", "700, 900, 1800, 2100, 2600"],
        ),
        (SITES + [SITES[2]], ["rows 3 and 5", "row 5 repeats row 3", "each site once"]),
        (
            SITES[:1] + ["105.85,21.03,viettel,4g,1800,0001-01-01"] + SITES[2:],
            ["row 2, column on_air_date = '0001-01-01'", "1990-01-01..2030-12-31"],
        ),
        (
            SITES[:3] + ["105.85,21.03,viettel,5g,3500,9999-12-31"],
            ["row 4, column on_air_date = '9999-12-31'", "1990-01-01..2030-12-31"],
        ),
        (
            SITES[:3] + ["105.85,21.03,viettel,5g,3500,2015-06-01"],
            ["row 4, column on_air_date = '2015-06-01'", "for 5g: 2019-01-01..2030-12-31", "is 4g"],
        ),
    ],
    ids=[
        "lon-LON",
        "Lon-LON",
        "name-Name",
        "name-name",
        "band-1800.9",
        "identical-rows",
        "date-0001",
        "date-9999",
        "5g-before-5g",
    ],
)
def test_bad_site_files(tmp_path, lines, parts):
    f = write(tmp_path / "sites.csv", lines)
    run_fails(tmp_path, scenario(tmp_path, sites="sites.csv"), str(f), *parts)


def test_site_dates_end_at_the_scenarios_end_date(tmp_path):
    write(tmp_path / "sites.csv", SITES[:3] + ["105.85,21.03,viettel,5g,3500,2027-01-01"])
    run_fails(
        tmp_path,
        scenario(tmp_path, sites="sites.csv", end_date="2026-12-31"),
        "row 4, column on_air_date = '2027-01-01'",
        "1990-01-01..2026-12-31",
    )
    # the bounds themselves are accepted, and read as dates
    f = write(
        tmp_path / "ok.csv",
        SITES[:3] + ["105.85,21.03,viettel,5g,3500,2026-12-31", "105.86,21.03,viettel,4g,1800,1990-01-01"],
    )
    df = read_site_csv(f, latest_on_air=dt.date(2026, 12, 31))
    assert [str(d) for d in df["on_air_date"].to_list()[-2:]] == ["2026-12-31", "1990-01-01"]


def test_what_stays_accepted_in_a_site_file(tmp_path):
    # 1800.0 is 1800; the same point with another technology or band is not a duplicate;
    # header names keep matching whatever their case, with ignored extra columns
    lines = [
        "LON,Lat,Operator,technology,BAND_MHZ,on_air_date,name",
        "105.85,21.03,viettel,4g,1800.0,2019-01-01,a",
        "105.85,21.03,viettel,5g,3500,2025-05-01,a",
        "105.85,21.03,viettel,4g,900,2019-01-01,a",
    ]
    df = read_site_csv(write(tmp_path / "ok.csv", lines))
    assert df["band_mhz"].to_list() == [1800, 3500, 900]
    assert df.columns == list(site_file.REQUIRED_COLUMNS)


class _PolarsWithoutReadCsv:
    """polars, except that loading a whole CSV fails the test (the row cap must come first)."""

    def __getattr__(self, name: str) -> object:
        if name == "read_csv":
            raise AssertionError("the whole file was loaded before the row count was checked")
        return getattr(pl, name)


def _no_full_load(module: types.ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "pl", _PolarsWithoutReadCsv())


def test_site_row_cap_is_checked_before_loading(tmp_path, monkeypatch):
    n = site_file.MAX_SITE_ROWS + 1
    rows = [
        f"{105 + (i % 1000) / 2000:.4f},{21 + (i // 1000) / 2000:.4f},viettel,4g,1800,2019-01-01"
        for i in range(n)
    ]
    f = write(tmp_path / "sites.csv", [SITE_HEADER] + rows)
    _no_full_load(site_file, monkeypatch)
    run_fails(
        tmp_path,
        scenario(tmp_path, sites="sites.csv"),
        str(f),
        "more than 300,000 site rows",
        "at most 300,000 site rows",
    )


def test_site_row_cap_boundary(tmp_path, monkeypatch):
    monkeypatch.setattr(site_file, "MAX_SITE_ROWS", 3)
    assert read_site_csv(write(tmp_path / "three.csv", SITES)).height == 3
    with pytest.raises(DxsimInputError, match="more than 3 site rows"):
        read_site_csv(write(tmp_path / "four.csv", SITES + ["105.9,21.1,vnpt,4g,1800,2019-01-01"]))


# --------------------------------------------------------------------------- village files


def feature(name: str, lon: float, lat: float, props: object) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def good_props(name: str, population: int = 150) -> dict:
    return {"name": name, "gso34": "08", "population": population}


@pytest.mark.parametrize(
    "lines, parts",
    [
        (
            [VILLAGE_HEADER + ",Name"] + [r + ",x" for r in VILLAGES[1:]],
            ["header", "'name' and 'Name'", "differ only by case"],
        ),
        (
            [VILLAGE_HEADER + ",name"] + [r + ",x" for r in VILLAGES[1:]],
            ["column 'name' is given twice", "columns 1 and 6"],
        ),
        (VILLAGES + [VILLAGES[1]], ["row 2 and row 4", "each village once"]),
        (
            VILLAGES[:1] + ["Bản A,104.10,22.30,08,1e308"],
            ["row 2, column population = '1e308'", "at most 100,000"],
        ),
        (
            VILLAGES[:1] + ["Bản A,104.10,22.30,08,100001"],
            ["row 2, column population = '100001'", "at least 1"],
        ),
        (
            VILLAGES[:1] + ["Bản A,104.10,22.30,08,150.5"],
            ["row 2, column population = '150.5'", "a whole number"],
        ),
        (
            [VILLAGE_HEADER + ",households", "Bản A,104.10,22.30,08,150,151"],
            ["row 2, column households = '151'", "at most 150"],
        ),
        (
            [line.replace(",", "|") for line in VILLAGES],
            ["header = 'name|lon", "separated by vertical bars, not commas", "CSV UTF-8 (Comma delimited)"],
        ),
    ],
    ids=[
        "name-Name",
        "name-name",
        "identical-rows",
        "population-1e308",
        "population-over-cap",
        "population-fraction",
        "households-over-population",
        "bar-separated",
    ],
)
def test_bad_village_csv(tmp_path, lines, parts):
    f = write(tmp_path / "villages.csv", lines)
    run_fails(tmp_path, scenario(tmp_path, villages_file="villages.csv"), str(f), *parts)


@pytest.mark.parametrize(
    "features, parts",
    [
        (
            [feature("a", 104.1, 22.3, good_props("A")), feature("b", 104.2, 22.4, ["B", "08", 150])],
            ["feature 2, properties", "JSON list", "a JSON object"],
        ),
        (
            [feature("a", 104.1, 22.3, {**good_props("A"), "NAME": "x"})],
            ["feature 1, properties", "'name' and 'NAME'", "differ only by case"],
        ),
        (
            [feature("a", 104.1, 22.3, good_props("A", 10**400))],
            ["feature 1, column population", "at most 100,000"],
        ),
        (
            # in Tuyên Quang (08), so the two rows pass the province check a run now makes too
            [feature("a", 105.2, 21.9, good_props("A")), feature("a", 105.2, 21.9, good_props("A"))],
            ["feature 1 and feature 2", "each village once"],
        ),
    ],
    ids=["properties-list", "name-NAME", "population-huge", "identical-features"],
)
def test_bad_village_geojson(tmp_path, features, parts):
    f = tmp_path / "villages.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    run_fails(tmp_path, scenario(tmp_path, villages_file="villages.geojson"), str(f), *parts)


def test_geojson_key_given_twice(tmp_path):
    f = tmp_path / "villages.geojson"
    f.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", '
        '"coordinates": [104.1, 22.3]}, "properties": {"name": "A", "gso34": "08", "population": 150, '
        '"name": "B"}}]}',
        encoding="utf-8",
    )
    run_fails(
        tmp_path,
        scenario(tmp_path, villages_file="villages.geojson"),
        str(f),
        "feature 1, properties",
        "key 'name' is given twice",
    )


def test_what_stays_accepted_in_a_village_file(tmp_path):
    lines = [
        "Name,LON,lat,gso34,Population,households",
        "Bản A,104.10,22.30,8,100000,100000",
        "Bản A,104.10,22.30,08,150.0,",
    ]  # same place, other population: not identical
    df = read_village_file(write(tmp_path / "ok.csv", lines))
    assert df["population"].to_list() == [100_000, 150]
    assert df["households"].to_list() == [100_000, 0]
    assert df["gso34"].to_list() == ["08", "08"]
    gj = tmp_path / "ok.geojson"
    gj.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    feature("a", 104.1, 22.3, None)
                    | {"properties": {"NAME": "A", "gso34": "08", "population": 1}}
                ],
            }
        ),
        encoding="utf-8",
    )
    assert read_village_file(gj)["name"].to_list() == ["A"]


def test_village_row_cap_csv(tmp_path, monkeypatch):
    n = villages.MAX_VILLAGE_ROWS + 1
    f = write(tmp_path / "villages.csv", [VILLAGE_HEADER] + [f"v{i},104.1,22.3,08,100" for i in range(n)])
    run_fails(
        tmp_path, scenario(tmp_path, villages_file="villages.csv"), str(f), "more than 20,000 village rows"
    )
    _no_full_load(villages, monkeypatch)
    with pytest.raises(DxsimInputError, match="more than 20,000 village rows"):
        read_village_file(f)


def test_village_row_cap_geojson(tmp_path):
    n = villages.MAX_VILLAGE_ROWS + 1
    feats = ",".join(json.dumps(feature("v", 104.1, 22.3, good_props(f"v{i}"))) for i in range(n))
    f = tmp_path / "villages.geojson"
    # cut short at the end: had the file been parsed, the error would be "not readable GeoJSON"
    f.write_text('{"type": "FeatureCollection", "features": [' + feats, encoding="utf-8")
    msg = run_fails(
        tmp_path,
        scenario(tmp_path, villages_file="villages.geojson"),
        str(f),
        "too many villages",
        "at most 20,000 villages",
    )
    assert f"{n:,}" in msg


def test_village_geojson_size_cap(tmp_path, monkeypatch):
    f = tmp_path / "villages.geojson"
    f.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature("a", 104.1, 22.3, good_props("A"))]}),
        encoding="utf-8",
    )
    assert read_village_file(f).height == 1
    monkeypatch.setattr(villages, "MAX_GEOJSON_BYTES", f.stat().st_size - 1)
    with pytest.raises(DxsimInputError, match="GeoJSON file of"):
        read_village_file(f)


def test_village_row_cap_boundary(tmp_path, monkeypatch):
    monkeypatch.setattr(villages, "MAX_VILLAGE_ROWS", 2)
    assert read_village_file(write(tmp_path / "two.csv", VILLAGES)).height == 2
    with pytest.raises(DxsimInputError, match="more than 2 village rows"):
        read_village_file(write(tmp_path / "three.csv", VILLAGES + ["Bản C,104.3,22.5,08,90"]))


def test_installed_command_reports_a_bad_site_file(tmp_path):
    """The same contract through the installed entry point (a real process)."""
    import os
    import subprocess
    import sys

    write(tmp_path / "sites.csv", [SITE_HEADER + ",LON"] + [r + ",1" for r in SITES[1:]])
    toml = scenario(tmp_path, sites="sites.csv")
    env = dict(os.environ)
    env.setdefault("DXSIM_RAW_DATA", str(REPO.parent / "shared" / "geodata"))
    res = subprocess.run(
        [
            str(Path(sys.executable).parent / "dxsim"),
            "run",
            str(toml),
            "--no-map",
            "--no-report",
            "--out",
            str(tmp_path / "out"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.splitlines()) == 1, res.stderr
    assert str(tmp_path / "sites.csv") in res.stderr and "'lon' and 'LON'" in res.stderr
    assert not (tmp_path / "out").exists()


def test_a_site_on_any_populated_cell_is_in_viet_nam_and_one_at_sea_or_in_laos_is_not(tmp_path: Path) -> None:
    """The 1:10m outline leaves out islands where 1,043 populated cells and ~204,000 people live (Cô Tô, Vân Đồn, Lý
    Sơn, the islands off Phú Quốc), and a file of dxsim's own synthetic sites was refused 38 of them (Python API
    trial). Every populated cell's centre is now in the country; the open sea and Laos are still not."""
    from dxsim.geo import load_country

    country = load_country()
    cells = country.cells.select("lon", "lat")
    site_file.check_in_country(tmp_path / "s.csv", cells, country)  # raises for any centre refused
    away = pl.DataFrame({"lon": [110.50, 102.60], "lat": [12.00, 19.90]})  # South China Sea, Laos
    with pytest.raises(DxsimInputError) as refused:
        site_file.check_in_country(tmp_path / "s.csv", away, country)
    said = "\n".join(refused.value.lines())
    assert "110.50000 12.00000" in said and "102.60000 19.90000" in said


@pytest.mark.parametrize(
    ("kind", "lines", "needle"),
    [
        ("sites", [SITE_HEADER, *SITES[1:], SITES[1]], "repeats row 2"),
        ("sites", [SITE_HEADER, "105.85,21.03,viettel,4g,1800.9,2019-01-01"], "1800.9"),
        ("villages", [VILLAGE_HEADER, "Bản A,104.10,22.30,08,1e308"], "population"),
        # the checks a run makes against the country: "ok" from validate was followed by a refused run
        ("sites", [SITE_HEADER, *SITES[1:], "102.60,19.90,viettel,5g,3500,"], "outside Viet Nam"),  # in Laos
        ("villages", [VILLAGE_HEADER, "Bản A,106.70,10.78,01,150"], "another province"),  # HCMC coded Ha Noi
    ],
)
def test_validate_checks_the_planner_files_a_scenario_names(
    tmp_path: Path, kind: str, lines: list[str], needle: str
) -> None:
    f = write(tmp_path / ("bad.csv"), lines)
    sc = scenario(tmp_path, **({"sites": f.name} if kind == "sites" else {"villages_file": f.name}))
    res = CliRunner().invoke(app, ["validate", str(sc)])
    assert res.exit_code == 2, (res.stdout, res.stderr)
    one_line_error(res.stderr, res.stdout, "bad.csv", needle)


def validate_text(tmp: Path, text: str) -> Any:
    """`dxsim validate` of a scenario file `s.toml` holding `text`: exits 2; returns the CliRunner result."""
    toml = tmp / "s.toml"
    toml.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(toml)])
    assert res.exit_code == 2, res.stdout
    return res


def validate_fails(tmp: Path, **files: str) -> tuple[Path, list[str]]:
    """`dxsim validate` of a scenario naming the given planner files (scenario()'s keywords) exits 2, without a
    traceback; returns the scenario and its stderr lines (a problem each)."""
    sc = scenario(tmp, **files)
    res = CliRunner().invoke(app, ["validate", str(sc)])
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr + res.stdout
    return sc, res.stderr.splitlines()


def test_validate_lists_every_bad_row_of_a_site_file_in_row_order(tmp_path: Path) -> None:
    """A planner fixed a site file one row per `dxsim validate`: it stopped at the first bad row. Now validate lists
    each bad row, the country check's among them, in the file's order; a run says the first and counts the rest."""
    lines = [
        *SITES,
        "105.85,21.03,vietel,4g,1800,2019-01-01",  # row 5: operator
        "102.60,19.90,viettel,5g,3500,",  # row 6: in Laos (the country check, after the loop)
        "106.70,10.78,vnpt,4g,1801,2019-01-01",  # row 7: band
        SITES[1],  # row 8: repeats row 2
        "106.70,10.78,vnpt,4g,1800,2019-13-01",  # row 9: date
    ]
    write(tmp_path / "bad.csv", lines)
    sc, got = validate_fails(tmp_path, sites="bad.csv")
    want = [
        "row 5, column operator",
        "row 6, columns lon, lat",
        "row 7, column band_mhz",
        "rows 2 and 8",
        "row 9",
    ]
    assert len(got) == len(want), got
    for line, part in zip(got, want):
        assert "bad.csv" in line and part in line, (part, line)
    line = run_fails(tmp_path, sc, "bad.csv", "row 5, column operator")
    assert "[4 more problems in this file: `dxsim validate` lists each one]" in line


def test_validate_lists_every_bad_village_and_counts_past_the_listed_ones(tmp_path: Path) -> None:
    """Village rows alike, the province check's included; past MAX_LISTED_PROBLEMS rows a last line counts the rest."""
    lines = [
        VILLAGE_HEADER,
        "Bản A,105.20,21.90,08,150",
        "Bản B,105.20,21.90,99,150",  # row 3: no province 99
        "Bản C,106.70,10.78,08,150",  # row 4: in Ho Chi Minh City, coded Tuyên Quang
        "Bản D,abc,21.90,08,150",  # row 5: lon
    ]
    write(tmp_path / "v.csv", lines)
    sc, got = validate_fails(tmp_path, villages_file="v.csv")
    assert [("row 3" in g, "row 4" in g, "row 5" in g) for g in got] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ], got
    assert "another province" in got[1]
    n_bad = MAX_LISTED_PROBLEMS + 7
    write(tmp_path / "v.csv", [VILLAGE_HEADER] + [f"Bản {i},105.20,21.90,08,0" for i in range(n_bad)])
    sc, got = validate_fails(tmp_path, villages_file="v.csv")
    assert len(got) == MAX_LISTED_PROBLEMS + 1, got
    assert all("column population = '0'" in g for g in got[:-1])
    assert got[-1].endswith("7 more problems are not listed: fix those above and validate again"), got[-1]
    line = run_fails(tmp_path, sc, "v.csv", "row 2, column population = '0'")
    assert line.endswith(
        f"[{n_bad - 1} more problems in this file: `dxsim validate` lists the first {MAX_LISTED_PROBLEMS}]"
    )


def test_validate_lists_the_site_and_village_files_problems_together_and_a_run_counts_them_all(
    tmp_path: Path,
) -> None:
    """validate listed a site file's problems and nothing of the village file's until they were fixed, and a run
    counted only the site file's: now both files, and the village file's province check counted by the run too."""
    write(tmp_path / "s.csv", [*SITES, "105.85,21.03,vietel,4g,1800,2019-01-01"])  # row 5: operator
    write(
        tmp_path / "v.csv",
        [
            VILLAGE_HEADER,
            "Bản A,106.70,10.78,08,150",  # row 2: Ho Chi Minh City coded Tuyên Quang
            "Bản B,105.20,21.90,08,zero",  # row 3: population
        ],
    )
    sc, got = validate_fails(tmp_path, sites="s.csv", villages_file="v.csv")
    assert [("s.csv" in g, "v.csv" in g) for g in got] == [(True, False), (False, True), (False, True)], got
    assert "row 5, column operator" in got[0] and "another province" in got[1] and "population" in got[2]
    line = run_fails(tmp_path, sc, "s.csv", "row 5, column operator")
    assert line.endswith("[2 more problems in these files: `dxsim validate` lists each one]"), line


def test_a_file_in_a_vietnamese_code_page_names_its_line_and_how_to_save_it(tmp_path: Path) -> None:
    """A village file saved in Windows-1258 said "not UTF-8 text (byte 32 of a chunk: ...)": no line, no way out
    (provincial trial). The line of its first non-UTF-8 byte is found by hand here: the header and row 2 are ASCII."""
    f = tmp_path / "v.csv"
    rows = [
        VILLAGE_HEADER,
        "Ban A,105.20,21.90,08,150",
        unicodedata.normalize("NFD", "Bản B,105.25,21.95,08,220"),
    ]
    f.write_bytes(("\n".join(rows) + "\n").encode("cp1258"))  # cp1258 writes the tone mark as its own byte
    with pytest.raises(DxsimInputError) as e:
        read_village_file(f)
    line = str(e.value)
    assert "line 3 holds a byte that is not UTF-8" in line and "CSV UTF-8" in line and "Windows-1258" in line


def test_a_site_file_s_slips_are_named() -> None:
    """Swapped lon/lat, a day-first, month-first or Excel-number date and the bands: the allowed part says what was
    meant."""
    from dxsim.geo.site_file import day_first_hint, swapped_hint

    assert swapped_hint(21.03, 105.8) == "; lon and lat swapped? lon 105.8 and lat 21.03 would be in Vietnam"
    assert swapped_hint(105.8, 21.03) == "" and swapped_hint(200.0, 21.0) == ""
    assert day_first_hint("30/09/2025") == "; 30/09/2025 reads as day/month/year: write 2025-09-30"
    assert day_first_hint("31/02/2025") == "" and day_first_hint("2025-09-30") == ""
    # a US spreadsheet's month first, where the first number cannot be the day; both readable: day first, as Vietnam
    assert day_first_hint("12/31/2019") == "; 12/31/2019 reads as month/day/year: write 2019-12-31"
    assert day_first_hint("03/04/2025") == "; 03/04/2025 reads as day/month/year: write 2025-04-03"
    # Excel's serial day numbers (epoch 1899-12-30): 45658 is 2025-01-01, as Excel shows it; 4 or 6 digits are not dates
    assert (
        day_first_hint("45658")
        == "; 45658 looks like an Excel date number (2025-01-01): format the column as yyyy-mm-dd"
    )
    assert day_first_hint("2019") == "" and day_first_hint("201912") == ""


def test_a_village_file_that_replaces_the_country_is_noted_and_its_swapped_point_named(
    tmp_path: Path,
) -> None:
    """A one-village file replaced the 602 villages of the layer with only a calibration warning to say so, and a
    village's swapped lon/lat got no hint, where a site's did (trial of the session's changes)."""
    write(tmp_path / "v.csv", [VILLAGE_HEADER, "Bản A,105.20,21.90,08,150"])
    res = CliRunner().invoke(app, ["validate", str(scenario(tmp_path, villages_file="v.csv"))])
    assert res.exit_code == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert (
        "replaces the whole village layer" in text
        and "1 villages in 1 of the 34 provinces (Tuyên Quang (08))" in text
    )
    write(tmp_path / "v.csv", [VILLAGE_HEADER, "Bản A,21.90,105.20,08,150"])
    _sc, got = validate_fails(tmp_path, villages_file="v.csv")
    assert "lon and lat swapped? lon 105.2 and lat 21.9 would be in Vietnam" in got[0], got


def test_validate_notes_what_a_planner_s_files_replace(tmp_path: Path) -> None:
    """A site file of two provinces replaced the whole country's site layer, and a village file replacing its provinces
    dropped Tuyên Quang's own survey for the one village it listed: validate said "ok" to both (provincial trial)."""
    write(tmp_path / "s.csv", SITES)  # Hà Nội and Hồ Chí Minh City
    write(tmp_path / "v.csv", [VILLAGE_HEADER, "Bản A,105.20,21.90,08,150"])
    sc = scenario(tmp_path, sites="s.csv", villages_file="v.csv")
    sc.write_text(sc.read_text(encoding="utf-8") + 'file_replaces = "provinces"\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(sc)])
    assert res.exit_code == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "3 sites stand in 2 of the 34 provinces (Hà Nội (01), Hồ Chí Minh (79))" in text
    assert "the other 32 provinces start with no 4G or 5G site" in text
    assert (
        "Tuyên Quang (08): 1 of the file in place of all the default layer's villages there (its own survey of "
        "2026-01-31 counts 273)" in text
    )


def test_validate_passes_good_planner_files(tmp_path: Path) -> None:
    sites = write(tmp_path / "sites.csv", SITES)
    vill = write(tmp_path / "villages.csv", VILLAGES)
    sc = scenario(tmp_path, sites=sites.name, villages_file=vill.name)
    res = CliRunner().invoke(app, ["validate", str(sc)])
    assert res.exit_code == 0, res.stderr


def test_a_run_of_several_scenarios_checks_every_planner_file_before_the_first_run(tmp_path: Path) -> None:
    """`dxsim run good.toml bad.toml` wrote good's folder, then refused bad's village file."""
    good = tmp_path / "good.toml"
    good.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "good"\n', encoding="utf-8")
    write(tmp_path / "v.csv", [VILLAGE_HEADER, "Bản A,106.70,10.78,01,150"])  # Ho Chi Minh City coded Ha Noi
    bad = scenario(tmp_path, villages_file="v.csv")
    res = CliRunner().invoke(app, ["run", str(good), str(bad), "--out", str(tmp_path / "out"), "--no-map"])
    assert res.exit_code == 2, (res.stdout, res.stderr)
    one_line_error(res.stderr, res.stdout, "v.csv", "another province")
    assert not (tmp_path / "out").exists()  # nothing written, the good run included


def test_a_pre_2025_province_code_names_the_province_it_merged_into(tmp_path: Path) -> None:
    """A planner from Hà Giang writes 02, its code until the 2025 merger: the village file and a campaign's list were
    refused with the 34 codes only. Each of the 63 codes that is no longer one of the 34 names its 2025 province, as
    the raw 63 -> 34 mapping (Resolution 202/2025/QH15) read here with csv says; a code still in use passes."""
    import csv

    from dxsim.geo.country import load_country
    from dxsim.geo.planner_files import check_campaign_villages
    from dxsim.paths import raw_data_dir

    with open(raw_data_dir() / "boundaries" / "province_mapping_63_to_34.csv", encoding="utf-8") as f:
        mapping = list(csv.DictReader(f))
    current = {r["gso34"] for r in mapping}
    former = [r for r in mapping if r["gso63"] not in current]
    assert len(current) == 34 and {"02", "10"} <= {r["gso63"] for r in former}  # Hà Giang, Lào Cai's old code
    country = load_country()
    for r in former:
        path = write(
            tmp_path / f"v{r['gso63']}.csv", [VILLAGE_HEADER, f"Bản A,105.20,21.90,{r['gso63']},150"]
        )
        with pytest.raises(DxsimInputError) as e:
            read_village_file(path, country)
        line = str(e.value)
        for part in (
            path.name,
            "gso34",
            f"'{r['gso63']}'",
            "pre-2025",
            f"{r['gso34']} ({r['name34']})",
            r["name63"],
        ):
            assert part in line, (part, line)
    table = pl.DataFrame({"village_id": ["N001"], "gso34": ["08"]})
    with pytest.raises(DxsimInputError) as e:
        check_campaign_villages(["02"], 0, table, country)
    assert "08 (Tuyên Quang)" in str(e.value) and "Hà Giang" in str(e.value)
    check_campaign_villages(["08", "N001"], 0, table, country)  # current code and id: accepted
    assert read_village_file(write(tmp_path / "ok.csv", VILLAGES), country).height == 2


def test_a_province_named_in_a_campaign_is_told_its_code() -> None:
    """villages = ["Điện Biên"] was refused with "04, 08, 11, 12, ...": a planner does not know 11 is Điện Biên. A name
    of the 34 (or of the 63 before the 2025 merger), with or without diacritics, case or "Tỉnh", names its code; a
    province without villages is said to have none; village ids and codes pass as before."""
    from dxsim.geo.country import load_country
    from dxsim.geo.planner_files import check_campaign_villages, province_codes_named

    country = load_country()
    for text in ("Điện Biên", "dien bien", "Tỉnh Điện Biên", "ĐIỆN BIÊN", "Dien-Bien"):
        assert country.province_by_name(text) == ("11", "Điện Biên"), text
    assert country.province_by_name("Hà Giang") == ("08", "Tuyên Quang")  # a pre-2025 name: its 2025 province
    assert country.province_by_name("Thành phố Hà Nội") == ("01", "Hà Nội")
    assert country.province_by_name("Atlantis") is None and country.province_by_name("11") is None
    # the English and short names of the two cities (Hanoi was read, Ho Chi Minh City refused; trial 2026-12-07)
    hcm = country.province_by_name("Hồ Chí Minh")
    assert hcm is not None and hcm[1] == "Hồ Chí Minh"
    for text in ("Ho Chi Minh City", "TP HCM", "TP.HCM", "HCMC", "Sài Gòn", "Thành phố Hồ Chí Minh"):
        assert country.province_by_name(text) == hcm, text
    assert country.province_by_name("Hanoi") == country.province_by_name("Hanoi City") == ("01", "Hà Nội")
    assert country.province_by_name("Lao Cai Province") == country.province_by_name("Lào Cai")
    assert country.province_by_name("City") is None and country.province_by_name("HCM Province Zoo") is None
    # a pre-2025 code without its leading zero, as 8 is read as 08 (`--province 2` was refused, 02 read)
    assert country.former_province("2") == country.former_province("02") == ("Hà Giang", "08", "Tuyên Quang")
    assert country.former_province("8") is None and country.former_province("6") == (
        "Bắc Kạn",
        "19",
        "Thái Nguyên",
    )
    assert province_codes_named(["2", "HCMC", "8"], country, "--province") == ["08", hcm[0]]
    table = pl.DataFrame({"village_id": ["N001", "N002"], "gso34": ["11", "08"]})
    with pytest.raises(DxsimInputError) as e:
        check_campaign_villages(["11", "Điện Biên"], 2, table, country)
    line = str(e.value)
    assert (
        "villages.campaigns[3].villages" in line and "province's name" in line and "'11' (Điện Biên)" in line
    )
    with pytest.raises(DxsimInputError) as e:
        check_campaign_villages(["Hà Nội"], 0, table, country)
    assert "'01' (Hà Nội) has no villages" in str(e.value)
    with pytest.raises(DxsimInputError) as e:  # its code: named, with the provinces that have villages
        check_campaign_villages(["01"], 0, table, country)
    assert "Hà Nội (01) has no villages in the layer" in str(e.value) and "(08, 11, ...)" in str(e.value)
    with pytest.raises(DxsimInputError) as e:  # a code that lost its leading zero
        check_campaign_villages(["8"], 0, table, country)
    assert "the code with two digits, '08' (Tuyên Quang)" in str(e.value)
    check_campaign_villages(["11", "N002"], 0, table, country)


def test_a_support_programme_s_provinces_are_checked_and_a_name_gets_its_code(tmp_path: Path) -> None:
    """supports.provinces takes 2025 gso34 codes: `validate` (and a run, before its world) answers a province's name
    with its code, a pre-2025 code with the province it merged into, anything else with the codes allowed."""
    cases = {
        "Điện Biên": ("a province's name, not its code", "'11' (Điện Biên)"),
        "02": ("pre-2025", "08 (Tuyên Quang)"),
        "99": ("unknown province code", "2-digit gso34 codes"),
        "4": ("unknown province code", "the code with two digits, '04' (Cao Bằng)"),
    }
    for value, parts in cases.items():
        res = validate_text(
            tmp_path,
            f'name = "s"\n[[supports]]\nname = "p"\nper_site_vnd_bn = 1.0\nprovinces = ["11", "{value}"]\n',
        )
        one_line_error(res.stderr, res.stdout, "s.toml", "supports[1].provinces", f"'{value}'", *parts)
    # the shapes a planner gets wrong: the code twice, as a number, one code for the list
    for value, parts in (
        ('["11", "11"]', ("supports[1].provinces", "lists '11' twice")),
        ("[14]", ("supports[1].provinces[1] = 14", 'write it in quotes: "14"')),
        ('"14"', ("supports[1].provinces = '14'", 'write it as a list: ["14"]')),
    ):
        res = validate_text(
            tmp_path, f'name = "s"\n[[supports]]\nname = "p"\nper_site_vnd_bn = 1.0\nprovinces = {value}\n'
        )
        one_line_error(res.stderr, res.stdout, "s.toml", *parts)


@pytest.mark.parametrize(("lang", "row_word"), [("en", "row"), ("vi", "dòng")])
def test_a_village_row_with_more_fields_than_the_header_names_the_row(
    lang: str, row_word: str, tmp_path: Path
) -> None:
    """A trailing comma on one row gave "not a readable CSV (found more fields than defined in 'Schema')": no row,
    and English under --lang vi. The row (as a spreadsheet counts it) and both counts are now named."""
    header = "village_id,name,lon,lat,gso34,population,households,commune,has_grid_power,signal"
    rows = [
        "LC01,Bản Pá Kéo,102.952336,22.405957,12,253,70,Mường Tè,false,none",
        "LC02,Bản Nậm Củm,102.464514,22.585242,12,127,35,Mường Tè,false,none,",
    ]
    (tmp_path / "v.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    sc = tmp_path / "v.toml"
    sc.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "v"\n[villages.layer]\nfile = "v.csv"\n', encoding="utf-8"
    )
    bad_row = 1 + 1 + next(i for i, r in enumerate(rows) if r.endswith(","))  # header is row 1
    n_header, n_bad = header.count(",") + 1, rows[bad_row - 2].count(",") + 1
    env = {**os.environ, "DXSIM_RAW_DATA": str(REPO.parent / "shared" / "geodata"), "COLUMNS": "200"}
    res = subprocess.run(
        [str(REPO / ".venv" / "bin" / "dxsim"), "--lang", lang, "validate", str(sc)],
        cwd=REPO,
        env={**env, **{k: v for k, v in os.environ.items() if k == "DXSIM_RAW_DATA"}},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 2, res.stderr
    line = one_line_error(res.stderr, res.stdout, "v.csv", f"{row_word} {bad_row}", str(n_bad), str(n_header))
    assert "Schema" not in line


@pytest.mark.parametrize("kind", ["sites", "villages"])
def test_a_row_with_fewer_fields_than_the_header_is_refused_naming_the_row(kind: str, tmp_path: Path) -> None:
    """A row missing a field was read with the missing values empty: a village row that left out its commune
    (`Bản C,105.3,22.0,08,90` under a header that ends in `commune`) was taken, and a row missing a field in the
    middle had its later values read into the wrong columns. Such a row is refused like a row with too many fields,
    naming the row as a spreadsheet counts it, both counts and the row itself; a blank line is still skipped."""
    header = SITE_HEADER if kind == "sites" else VILLAGE_HEADER + ",commune"
    good = SITES[1] if kind == "sites" else "Bản A,105.20,21.90,08,150,Xã A"
    short = ",".join(good.split(",")[:-1])  # the last field left out
    path = write(tmp_path / f"{kind}.csv", [header, good, "", short])
    n_header = header.count(",") + 1
    with pytest.raises(DxsimInputError) as e:
        site_file.csv_header(path, max_rows=100, row_word="rows")
    line = str(e.value)
    assert "\n" not in line and f"{kind}.csv" in line
    assert f"row 4 = '{short}'" in line  # header row 1, good row 2, blank row 3 (skipped, not refused)
    assert f"{n_header - 1} fields, but the header has {n_header} columns" in line
    assert "(a,,c)" in line
    # the same file with the field given (even empty) is read
    full = write(tmp_path / f"{kind}_ok.csv", [header, good, "", short + ","])
    assert len(site_file.csv_header(full, max_rows=100, row_word="rows")) == n_header


def test_a_short_row_is_quoted_shortened() -> None:
    """The row is quoted in the message: a long one is cut to 60 characters, with an ellipsis."""
    assert site_file._shortened("a" * 60) == "a" * 60
    assert site_file._shortened("a" * 61) == "a" * 59 + "…"


def test_a_province_named_by_its_pre_2025_name_is_said_to_be_part_of_its_2025_one() -> None:
    """`--province "Hà Giang"` printed Tuyên Quang's year ends without a word (provincial planner trial). Every
    pre-2025 province whose name is not its 2025 province's gets a note naming the 2025 province and code, read here
    from the raw merger table itself (province_mapping_63_to_34.csv); a 2025 name, with or without diacritics or
    "Tỉnh", or a code gets none."""
    import csv

    from dxsim.geo import load_country
    from dxsim.geo.planner_files import merged_name_notes
    from dxsim.paths import raw_data_dir

    country = load_country()
    with open(raw_data_dir() / "boundaries" / "province_mapping_63_to_34.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    merged = [r for r in rows if r["name63"] != r["name34"]]
    # 29 provinces merged into others, and Thừa Thiên Huế renamed Huế
    assert len(rows) == 63 and len(merged) == 63 - 34 + 1
    for r in merged:
        (line,) = merged_name_notes([r["name63"]], country)
        assert line.startswith(
            f"note: {r['name63']} is part of {r['name34']} ({r['gso34']}) since the 2025 merger"
        )
    assert (
        merged_name_notes(["Tuyên Quang", "tuyen quang", "Tỉnh Tuyên Quang", "08", "Hà Nội"], country) == []
    )


def test_a_pre_2025_code_is_read_as_its_2025_province_like_its_name() -> None:
    """`--province 02` exited 2 while `--province "Hà Giang"` showed Tuyên Quang with a note (provincial trial): every
    pre-2025 code of the raw merger table now gives its 2025 province, with the same note naming the old province."""
    import csv

    from dxsim.geo import load_country
    from dxsim.geo.planner_files import merged_name_notes, province_codes_named
    from dxsim.paths import raw_data_dir

    country = load_country()
    with open(raw_data_dir() / "boundaries" / "province_mapping_63_to_34.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["gso63"] not in country.province_codes]
    assert rows  # codes that are no 2025 code
    for r in rows:
        assert province_codes_named([r["gso63"]], country, "--province") == [r["gso34"]]
        (line,) = merged_name_notes([r["gso63"]], country)
        # a province that gave its name to the merged one is "the former" one: "10 (Lào Cai) is part of Lào Cai (15)"
        # read as a riddle (provincial trial)
        old = f"the former {r['name63']}" if r["name63"] == r["name34"] else r["name63"]
        assert line.startswith(f"note: {r['gso63']} ({old}) is part of {r['name34']} ({r['gso34']})"), line
    assert province_codes_named(["02", "Hà Giang", "08"], country, "--province") == ["08"]
    with pytest.raises(DxsimInputError, match="unknown province"):
        province_codes_named(["99"], country, "--province")
    # a misspelt pre-2025 name is offered that name (which gives its 2025 province), not another 2025 province's:
    # "Hà Giangg" was offered An Giang (provincial planner trial); a misspelt 2025 name still gets its own
    for typed, offered in (("Hà Giangg", "Hà Giang"), ("Ha Giag", "Hà Giang"), ("Tuyen Quan", "Tuyên Quang")):
        with pytest.raises(DxsimInputError) as e:
            province_codes_named([typed], country, "--province")
        assert f"did you mean {offered!r}?" in str(e.value), (typed, str(e.value))


def test_validate_refuses_a_province_village_file_whose_id_the_layer_uses(tmp_path: Path) -> None:
    """`villages.layer.file_replaces = "provinces"` merges the file into the layer, which refuses an id the rest of it
    uses; `validate` said "ok" and the run failed after other work (trial of the session's changes). validate now
    builds the layer for such a file: one line naming the file, the id and what to use."""
    from conftest import BASELINE

    (tmp_path / "v.csv").write_text(
        "village_id,name,lon,lat,gso34,population\nDB01,A,103.10,21.75,11,320\nN001,B,102.95,21.30,11,210\n",
        encoding="utf-8",
    )
    res = validate_text(
        tmp_path,
        f'extends = "{BASELINE.as_posix()}"\nname = "s"\n[villages.layer]\nfile = "v.csv"\nfile_replaces = "provinces"\n',
    )
    one_line_error(
        res.stderr, res.stdout, "v.csv", "village_id = 'N001'", "also one of the layer's", "e.g. DB01"
    )
    (tmp_path / "v.csv").write_text(
        "village_id,name,lon,lat,gso34,population\nDB01,A,103.10,21.75,11,320\nDB02,B,102.95,21.30,11,210\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(app, ["validate", str(tmp_path / "s.toml")]).exit_code == 0


def test_file_replaces_without_a_file_is_noted(tmp_path: Path) -> None:
    """`villages.layer.file_replaces = "provinces"` without `file` validated "ok" silently (trial of the session's
    changes): validate notes that the model does not read it; with the default it notes nothing."""
    from conftest import BASELINE

    toml = tmp_path / "s.toml"
    toml.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "s"\n[villages.layer]\nfile_replaces = "provinces"\n',
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["validate", str(toml)])
    assert res.exit_code == 0
    said = " ".join(res.stdout.split())
    assert (
        "note: villages.layer.file_replaces is set, but villages.layer.file is not, so the model does not read"
        in said
    )
    toml.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "s"\n', encoding="utf-8")
    assert "note:" not in CliRunner().invoke(app, ["validate", str(toml)]).stdout


def test_a_site_file_s_start_network_beside_start_state_is_noted(tmp_path: Path) -> None:
    """A site file of 10,000 start stations ran beside start_state's reported 16,737 unsaid, and the run's warning
    "5G population coverage with 16,737 stations: model 23.98" read as the file's network (new-user trial). The note
    counts the file's 5G rows on air by the start date (2025-05-01 is; the undated and later rows are not) and names
    the start_state value it leaves unused; a file that agrees with start_state gets no such note."""
    rows = [
        *SITES,
        "105.86,21.04,viettel,5g,3500,2025-10-31",
        "105.87,21.05,vnpt,5g,3500,",
        "105.88,21.06,vnpt,5g,3500,2026-03-01",
    ]
    write(tmp_path / "s.csv", rows)
    sc = scenario(tmp_path, sites="s.csv")
    res = CliRunner().invoke(app, ["validate", str(sc)])
    assert res.exit_code == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "5G stations on air by 2025-10-31 in sites.file, the run's start network: 2;" in text, text
    assert "start_state.stations_5g = 16,737 sizes only the synthetic layer and is not used" in text, text
    # what still builds from the start: the warm start's rate (the baseline's) and synthetic candidates
    assert "(start_state.pipeline_build_rate_5g_per_month, 1,029 a month)" in text, text
    assert (
        "the other 32 provinces start with no 4G or 5G site (the operators' plans then build synthetic"
        in text
    )
    # what the later and undated rows' dates mean (they were taken as on-air dates; planner-data trial, 2026-12-07):
    # by hand, the 2 later or undated 5G rows, and no 4G row after the start
    assert (
        "sites.file's 2 5G rows dated after 2025-10-31 or undated are the first the operators build" in text
    )
    assert "4G rows dated after" not in text
    sc.write_text(sc.read_text(encoding="utf-8") + "[start_state]\nstations_5g = 2\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(sc)])
    assert res.exit_code == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "start network" not in text
    write(tmp_path / "s.csv", [*rows, "105.89,21.07,vnpt,4g,1800,2027-06-01", "105.90,21.08,vnpt,4g,1800,"])
    text = " ".join(CliRunner().invoke(app, ["validate", str(sc)]).stdout.split())
    assert (
        "sites.file's 2 4G rows dated after 2025-10-31 or undated are in the 4G layer from the start" in text
    )
    # start_state's count is unread with a site file: setting it to the file's is not a unit slip (it was noted
    # "1/8370 of its default 16700")
    assert "stations_5g = 2 (stations)" not in text, text


def test_a_comma_inside_a_number_is_named_as_such(tmp_path: Path) -> None:
    """A village row with decimal commas (lon 106,62) was told "row 2 = 'none': 8 fields, but the header has 7
    columns", quoting an unrelated value (new-user trial, 2026-12-07). The first number split at a comma is named with
    both readings; a row with a trailing comma keeps the old words."""
    from dxsim.geo.site_file import csv_header

    header = "village_id,name,lon,lat,gso34,population,signal"
    bad = tmp_path / "v.csv"
    bad.write_text(f"{header}\nQT1,Bản A,106,62,16.62,44,120,none\n", encoding="utf-8")
    with pytest.raises(DxsimInputError) as err:
        csv_header(bad, max_rows=10, row_word="village rows")
    said = str(err.value)
    assert "row 2" in said and "8 fields, but the header has 7 columns" in said, said
    assert (
        "a comma inside a number? 106,62: write 106.62 for a decimal, 10662 for a thousands separator" in said
    )
    trailing = tmp_path / "t.csv"
    trailing.write_text(f"{header}\nQT1,Bản A,106.62,16.62,44,120,none,\n", encoding="utf-8")
    with pytest.raises(DxsimInputError) as err:
        csv_header(trailing, max_rows=10, row_word="village rows")
    assert "comma inside a number" not in str(err.value) and "no comma at the end" in str(err.value)


def test_a_province_name_in_a_village_file_s_code_column_is_told_its_code(tmp_path: Path) -> None:
    """gso34 = "Quang Tri" in a village file listed the 34 codes without saying which is Quảng Trị, where a
    campaign's villages = ["Điện Biên"] is told its code (new-user trial, 2026-12-07)."""
    from dxsim.geo.country import load_country

    country = load_country()
    bad = write(tmp_path / "v.csv", [VILLAGE_HEADER, "Bản A,105.20,21.90,Tuyen Quang,150"])
    with pytest.raises(DxsimInputError) as err:
        read_village_file(bad, country)
    said = str(err.value)
    assert "row 2, column gso34 = 'Tuyen Quang': a province's name, not its code" in said, said
    assert "its gso34 code, '08' (Tuyên Quang)" in said, said
    with pytest.raises(DxsimInputError) as err:  # no province at all: the codes, as before
        read_village_file(
            write(tmp_path / "w.csv", [VILLAGE_HEADER, "Bản A,105.20,21.90,Atlantis,150"]), country
        )
    assert "a 2-digit province code (01, 04" in str(err.value)


def test_a_spreadsheet_export_s_unnamed_columns_and_empty_end_rows_are_read(tmp_path: Path) -> None:
    """A file ending in ",,,,,," rows was refused row by row ("row 27, column lon: invalid value"), and a header
    ending in two unnamed columns as "column '' is given twice" (planner-data trial, 2026-12-07). Both are what a
    spreadsheet export adds: the sites and villages read as without them. An empty row inside the file is still a
    row of the file (refused as before, by its own number)."""
    sites = [SITES[0] + ",,", *(r + ",," for r in SITES[1:]), ",,,,,,,", ",,,,,,,", ""]
    got = read_site_csv(write(tmp_path / "s.csv", sites))
    assert got.height == len(SITES) - 1
    assert got.equals(read_site_csv(write(tmp_path / "plain.csv", SITES)))
    villages = [*VILLAGES, ",,,,", ""]
    assert read_village_file(write(tmp_path / "v.csv", villages)).height == len(VILLAGES) - 1
    inside = [SITES[0], SITES[1], ",,,,,", "x,21.0,viettel,4g,1800,2019-01-01"]
    with pytest.raises(DxsimInputError) as err:
        read_site_csv(write(tmp_path / "i.csv", inside))
    assert "row 3, column lon" in str(err.value), str(err.value)


def test_a_village_in_laos_or_at_sea_is_refused_as_a_site_is(tmp_path: Path) -> None:
    """A village 60 km inside Laos and one 40 km off Huế took the nearest cell's province and validated "ok"
    (planner-data trial, 2026-12-07), where a site file refuses such points. Each is named once, by its row (not also
    as in a wrong province); a village in Viet Nam beside them is read."""
    from dxsim.geo.country import load_country

    rows = [VILLAGE_HEADER, "Laos,101.95,21.30,11,200", "Sea off Hue,107.9,16.9,46,100", VILLAGES[1]]
    with pytest.raises(DxsimInputError) as err:
        read_village_file(write(tmp_path / "v.csv", rows), load_country())
    lines = err.value.lines()
    assert len(lines) == 2, lines
    assert "row 2, columns lon, lat = '101.95000 21.30000': the village lies outside Viet Nam" in lines[0]
    assert "row 3, columns lon, lat" in lines[1] and "outside Viet Nam" in lines[1]
    assert read_village_file(write(tmp_path / "ok.csv", VILLAGES), load_country()).height == 2


def test_a_village_without_an_id_gets_one_no_row_of_the_file_names(tmp_path: Path) -> None:
    """A row without an id got P<row>, and "P003" clashed with another row's own P003: the message quoted a value the
    row did not hold (planner-data trial, 2026-12-07). Rows without an id now get the next P-number no row names."""
    header = "village_id,name,lon,lat,gso34,population"
    rows = [
        header,
        "P001,Bản A,105.20,21.90,08,150",
        ",Bản B,105.25,21.95,08,220",
        "P002,Bản C,105.21,21.91,08,120",
        ",Bản D,105.22,21.92,08,130",
    ]
    got = read_village_file(write(tmp_path / "v.csv", rows))
    ids = got["village_id"].to_list()
    assert len(set(ids)) == 4 and ids[0] == "P001" and ids[2] == "P002", ids
    assert ids[1] not in ("P001", "P002") and ids[3] not in ("P001", "P002", ids[1]), ids
    plain = read_village_file(
        write(tmp_path / "p.csv", ["name,lon,lat,gso34,population", *(r.split(",", 1)[1] for r in rows[1:])])
    )
    assert plain["village_id"].to_list() == [
        "P001",
        "P002",
        "P003",
        "P004",
    ]  # as before, when no row names one


def test_validate_lists_every_feature_without_a_point_and_the_rest_of_the_file(tmp_path: Path) -> None:
    """A GeoJSON export with features left unplaced (geometry null) stopped at the first of them, so the planner
    fixed one feature per validate (planner-data trial): each is now listed by its feature number, with the other
    features' problems, in feature order."""
    features = [
        feature("a", 105.2, 21.9, good_props("A")),
        {"type": "Feature", "geometry": None, "properties": good_props("B")},
        feature("c", 105.25, 21.95, good_props("C", 0)),  # feature 3: population
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[105, 21], [106, 22]]},
            "properties": {},
        },
    ]
    f = tmp_path / "v.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    _sc, got = validate_fails(tmp_path, villages_file="v.geojson")
    assert len(got) == 3, got
    assert "feature 2, column geometry = 'null'" in got[0] and "a Point geometry" in got[0]
    assert "feature 3, column population = '0'" in got[1]
    assert "feature 4, column geometry = 'LineString'" in got[2]


def test_a_survey_s_vietnamese_words_for_power_and_signal_are_read(tmp_path: Path) -> None:
    """A provincial survey writes "có"/"không" for grid power and "trắng sóng"/"lõm sóng" for the signal, as the
    reports do; they were refused ("true or false", "none or patchy"). Any case, with or without diacritics."""
    lines = [
        VILLAGE_HEADER + ",has_grid_power,signal",
        "Bản A,105.20,21.90,08,150,Có,Lõm sóng",
        "Bản B,105.21,21.91,08,150,không,trắng sóng",
        "Bản C,105.22,21.92,08,150,khong co,LOM SONG",
        "Bản D,105.23,21.93,08,150,TRUE,none",
        "Bản E,105.24,21.94,08,150,,",
    ]
    df = read_village_file(write(tmp_path / "v.csv", lines))
    assert df["has_grid_power"].to_list() == [True, False, False, True, False]
    assert df["signal"].to_list() == ["patchy", "none", "patchy", "none", "none"]
    bad = write(
        tmp_path / "b.csv",
        [lines[0], "Bản A,105.20,21.90,08,150,có điện,", "Bản B,105.21,21.91,08,150,,mất sóng"],
    )
    with pytest.raises(DxsimInputError) as ei:
        read_village_file(bad)
    assert "column has_grid_power = 'có điện'" in ei.value.one_line() and "có/không" in ei.value.one_line()
    assert "column signal = 'mất sóng'" in ei.value.more[0].one_line()


def test_validate_refuses_a_site_file_that_leaves_the_surveyed_villages_no_room(tmp_path: Path) -> None:
    """A national site file covered Tuyên Quang so densely that its 255 surveyed villages with grid power found 85
    uncovered places: validate said "ok" and the run failed after the layer build (planner-data trial). validate
    now builds the village layer for a site file, and says what the run says, with the file named. The file here:
    4G masts on a 3 km grid over every populated cell of Tuyên Quang (08), each reaching 2.8 km or more, plus one
    in Hà Nội."""
    from dxsim.geo import load_country

    country = load_country()
    lon, lat = np.meshgrid(np.arange(104.25, 105.65, 0.028), np.arange(21.45, 23.45, 0.027))
    lon, lat = lon.ravel(), lat.ravel()
    keep = (country.cell_at(lon, lat) >= 0) & (country.province_at(lon, lat) == "08")
    rows = [SITE_HEADER, "105.85,21.03,viettel,4g,1800,2019-01-01"]
    rows += [f"{x:.4f},{y:.4f},viettel,4g,1800,2019-01-01" for x, y in zip(lon[keep], lat[keep])]
    write(tmp_path / "s.csv", rows)
    sc, got = validate_fails(tmp_path, sites="s.csv")
    assert len(got) == 1, got
    assert str(sc) in got[0] and "villages.layer" in got[0], got
    assert "villages with grid power in province 08 fit outside the coverage of the planner's sites" in got[0]
    run_fails(tmp_path, sc, str(sc), "villages.layer", "fit outside the coverage of the planner's sites")


def test_a_village_file_in_campaigns_under_way_is_noted(tmp_path: Path) -> None:
    """A provincial planner's villages "without power or signal today" joined the national campaigns under way since
    July, were credited the works since then, and one was energised on the start day, unsaid (provincial trial).
    validate counts the file's villages per campaign under way at the start, by the campaign's villages (no_power:
    the 2 without grid power; with_power: the 1 with), and says none once the campaigns start at the start."""
    from conftest import BASELINE

    villages = tmp_path / "v.csv"
    villages.write_text(
        "village_id,name,lon,lat,gso34,population,has_grid_power,signal\n"
        "DB01,Bản Huổi Lụ,103.10,21.75,11,320,false,none\n"
        "DB02,Bản Pa Thơm,102.95,21.30,11,210,true,patchy\n"
        "DB03,Bản Nậm Khăn,103.25,21.95,11,180,false,none\n",
        encoding="utf-8",
    )
    body = f'extends = "{BASELINE.as_posix()}"\nname = "s"\n[villages.layer]\nfile = "v.csv"\nfile_replaces = "provinces"\n'
    toml = tmp_path / "s.toml"
    toml.write_text(body, encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(toml)])
    assert res.exit_code == 0, res.stdout
    said = " ".join(res.stdout.split())
    assert (
        "note: 2 of villages.layer.file's villages fall in campaign no_power_2025_11, under way since 2025-07-01"
        in said
    )
    assert (
        "note: 1 of villages.layer.file's villages fall in campaign with_power_2025_09, under way since"
        in said
    )
    # the campaigns restated without works before the start: nothing to say
    from dxsim.scenario import load_scenario

    campaigns = load_scenario(BASELINE).villages.campaigns
    toml.write_text(
        body
        + "".join(
            f'[[villages.campaigns]]\nname = "{c.name}"\nlaunched = {c.launched}\ndeadline = {c.deadline}\n'
            f'villages = "{c.villages}"\nin_progress_at_start = false\n'
            for c in campaigns
        ),
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["validate", str(toml)])
    assert res.exit_code == 0, res.stdout
    assert "fall in campaign" not in res.stdout
