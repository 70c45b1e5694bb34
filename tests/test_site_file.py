"""A planner's site CSV replaces the synthetic layer; bad files are clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dxsim.calibration import calibration_rows
from dxsim.errors import DxsimInputError
from dxsim.geo import load_country
from dxsim.geo.site_file import hosts_of, read_site_csv, separator_note
from dxsim.radio.capacity import layer_capacity
from dxsim.radio.radii import radius_m
from dxsim.scenario import load_scenario
from dxsim.sim.model import run_replication
from dxsim.runner import sites_table
from dxsim.sim.world import prepare_world

REPO = Path(__file__).resolve().parent.parent
GOOD = [
    "lon,lat,operator,technology,band_mhz,on_air_date",
    "105.85,21.03,viettel,4g,1800,2019-01-01",
    "106.70,10.78,vnpt,4g,1800,2019-01-01",
    "105.85,21.03,viettel,5g,3500,2025-05-01",
]


def write(tmp: Path, lines: list[str], name: str = "sites.csv") -> Path:
    p = tmp / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_reads_a_good_file(tmp_path):
    df = read_site_csv(write(tmp_path, GOOD))
    assert df.height == 3
    assert df["technology"].to_list() == ["4g", "4g", "5g"]


@pytest.mark.parametrize(
    "lines, field, allowed",
    [
        (["lon,lat,operator,technology,band_mhz", "105,21,viettel,4g,1800"], "header", "on_air_date"),
        ([GOOD[0], "95.0,21.0,viettel,4g,1800,2019-01-01"], "row 2, column lon", "Vietnam"),
        ([GOOD[0], "105.8,35.0,viettel,4g,1800,2019-01-01"], "row 2, column lat", "Vietnam"),
        ([GOOD[0], "105.8,21.0,gmobile,4g,1800,2019-01-01"], "row 2, column operator", "viettel"),
        ([GOOD[0], "105.8,21.0,viettel,6g,1800,2019-01-01"], "row 2, column technology", "4g or 5g"),
        ([GOOD[0], "105.8,21.0,viettel,4g,3500,2019-01-01"], "row 2, column band_mhz", "1800"),
        ([GOOD[0], "105.8,21.0,viettel,4g,1800,31/12/2019"], "row 2, column on_air_date", "ISO date"),
        ([GOOD[0], "abc,21.0,viettel,4g,1800,2019-01-01"], "row 2, column lon", "a number"),
        ([GOOD[0], GOOD[3]], "technology", "at least one 4G"),
        # a separator no spreadsheet writes: said as such, not as 6 missing columns
        ([line.replace(",", "|") for line in GOOD], "header = 'lon|lat|operator", "comma-separated"),
    ],
)
def test_bad_files_name_file_row_column_and_allowed(tmp_path, lines, field, allowed):
    p = write(tmp_path, lines)
    with pytest.raises(DxsimInputError) as ei:
        read_site_csv(p)
    msg = ei.value.one_line()
    assert str(p) in msg and field in msg and allowed in msg
    assert "\n" not in msg
    assert ("separated by vertical bars" in msg) == ("|" in lines[0])


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_decimal_comma_spreadsheet_s_file_is_read_as_it_means(tmp_path, sep):
    """Excel in the vi-VN locale saves its "CSV" with semicolons (text with tabs), numbers with decimal commas and
    '.' thousands groups; such a file was refused, to be saved again as "CSV UTF-8 (Comma delimited)" (provincial
    trial). It reads as the comma file it stands for: 105,85 is 105.85, 1.800 is 1800 and 01/05/2025 is 1 May 2025.
    Words are kept as written, and a number written with a decimal point stays as written."""
    local = [
        sep.join(["lon", "lat", "operator", "technology", "band_mhz", "on_air_date"]),
        sep.join(["105,85", "21,03", "viettel", "4g", "1.800", "2019-01-01"]),
        sep.join(["106,70", "10.78", "vnpt", "4g", "1800", "2019-01-01"]),
        sep.join(["105,85", "21,03", "viettel", "5g", "3.500", "01/05/2025"]),  # day first: 1 May
    ]
    assert read_site_csv(write(tmp_path, local, "local.csv")).equals(read_site_csv(write(tmp_path, GOOD)))
    # a date that is no day stays as written, and is refused as such
    no_day = [*local[:3], sep.join(["105,85", "21,03", "viettel", "5g", "3.500", "31/02/2025"])]
    with pytest.raises(DxsimInputError) as ei:
        read_site_csv(write(tmp_path, no_day, "no_day.csv"))
    assert "row 4, column on_air_date = '31/02/2025'" in ei.value.one_line()
    # a value with a comma and no separator of its kind is still one value ("3,5" is a decimal: 3.5 MHz, refused),
    # quoted as written (it said '3.5', and '1200.5' for 1.200,5)
    bad = [*local[:3], sep.join(["105,85", "21,03", "viettel", "5g", "3,5", "2025-05-01"])]
    with pytest.raises(DxsimInputError) as ei:
        read_site_csv(write(tmp_path, bad, "bad.csv"))
    assert "row 4, column band_mhz = '3,5'" in ei.value.one_line()
    far = [*local[:3], sep.join(["1.200,5", "21,03", "viettel", "5g", "3.500", "2025-05-01"])]
    with pytest.raises(DxsimInputError) as ei:
        read_site_csv(write(tmp_path, far, "far.csv"))
    assert "row 4, column lon = '1.200,5'" in ei.value.one_line()


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_semicolon_file_of_decimal_points_is_read_with_decimal_points(tmp_path, sep):
    """A ';' file with no decimal comma anywhere writes its decimals with points: "21.035" is 21.035, not 21,035
    (it was read as thousands groups and refused as a latitude out of range, while "105.8" in the same file stayed
    105.8), and the note says how the numbers were read."""
    dots = [line.replace(",", sep) for line in GOOD]
    dots[1] = sep.join(["105.850", "21.030", "viettel", "4g", "1800", "01/01/2019"])  # dates still day first
    got = read_site_csv(write(tmp_path, dots, "dots.csv"))
    assert got.equals(read_site_csv(write(tmp_path, GOOD)))
    note = separator_note("sites.file", tmp_path / "dots.csv")
    assert note is not None and "a '.' is a decimal point" in note and "15/03/2025 is 2025-03-15" in note
    commas = [line.replace(",", sep) for line in GOOD]
    commas[1] = sep.join(["105,85", "21,03", "viettel", "4g", "1.800", "2019-01-01"])
    note = separator_note("sites.file", write(tmp_path, commas, "commas.csv"))
    assert note is not None and "decimal commas and '.' thousands groups" in note


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(DxsimInputError, match="not found"):
        read_site_csv(tmp_path / "nope.csv")


@pytest.fixture(scope="module")
def planner_world(tmp_path_factory):
    """A planner file: 400 4G sites around Hà Nội, 30 5G on air (3.5 GHz), 20 planned 5G (undated, 700 MHz)."""
    tmp = tmp_path_factory.mktemp("planner")
    rng = np.random.default_rng(1)
    n4, n5, n5p = 400, 30, 20
    lon = 105.85 + rng.uniform(-0.25, 0.25, n4)
    lat = 21.03 + rng.uniform(-0.2, 0.2, n4)
    rows = [GOOD[0]]
    rows += [f"{a:.5f},{b:.5f},viettel,4g,1800,2018-06-01" for a, b in zip(lon, lat)]
    rows += [f"{a:.5f},{b:.5f},vnpt,5g,3500,2025-03-01" for a, b in zip(lon[:n5], lat[:n5])]
    rows += [f"{a:.5f},{b:.5f},mobifone,5g,700," for a, b in zip(lon[n5 : n5 + n5p], lat[n5 : n5 + n5p])]
    write(tmp, rows)
    (tmp / "planner.toml").write_text(
        f'extends = "{(REPO / "scenarios" / "baseline.toml").as_posix()}"\nname = "planner"\n'
        '[sites]\nfile = "sites.csv"\n',
        encoding="utf-8",
    )
    sc = load_scenario(tmp / "planner.toml")
    world = prepare_world(sc, load_country(), scenario_dir=tmp)
    return world, (lon, lat, n4, n5, n5p)


def test_planner_sites_replace_the_synthetic_layer(planner_world):
    world, (lon, lat, n4, n5, n5p) = planner_world
    assert world.layer.sites_4g.height == n4
    assert not world.layer.sites_4g["synthetic"].any()
    assert world.layer.n_5g_start == n5
    plan = world.layer.plan_5g
    # the planner's 5G rows come first (existing, then planned), then synthetic candidates
    assert not plan["synthetic"][: n5 + n5p].any()
    assert plan["synthetic"][n5 + n5p :].all()
    np.testing.assert_allclose(plan["lon"][: n5 + n5p].to_numpy(), lon[: n5 + n5p], atol=1e-5)


def test_planner_4g_coverage_matches_direct_computation(planner_world):
    world, (lon, lat, n4, *_) = planner_world
    s4 = world.layer.sites_4g
    env = ("urban", "suburban", "rural")
    r = np.array([radius_m("4g", 1800, env[e]) for e in s4["env"].to_numpy()])
    g = world.cells.coverage_grid(world.scenario.radio.coverage_subsamples_per_axis)
    g.add_sites(s4["row"].to_numpy(), s4["col"].to_numpy(), s4["x_m"].to_numpy(), s4["y_m"].to_numpy(), r)
    assert world.cov4g.covered_pop_total() == pytest.approx(g.covered_pop_total(), rel=1e-12)
    # 400 sites around one city cover far less than the national population
    assert 0 < g.covered_pop_total() / world.cells.pop.sum() < 0.2


def test_planner_sites_get_the_capacity_of_their_own_band(planner_world):
    """A site's capacity follows the band its coverage was drawn with: the file's, not the environment's default
    (the planned 700 MHz sites stand in cells whose default 5G band is 3.5 GHz)."""
    world, (_, _, _, n5, n5p) = planner_world
    assert world.capacity is not None
    plan, cap = world.layer.plan_5g, world.capacity.cap5
    env = ("urban", "suburban", "rural")
    for i, band in ((0, 3500), (n5 - 1, 3500), (n5, 700), (n5 + n5p - 1, 700)):
        e = env[int(plan["env"][i])]
        assert cap.capacity_mbps[i] == layer_capacity("5g", band, e, 0.5).site_capacity_mbps, (i, band)
        assert plan["radius_m"][i] == pytest.approx(radius_m("5g", band, e))
    synthetic = n5 + n5p  # the first synthetic candidate takes the run's band of its environment
    e = env[int(plan["env"][synthetic])]
    assert cap.capacity_mbps[synthetic] == layer_capacity("5g", 3500, e, 0.5).site_capacity_mbps


def test_planner_run_starts_from_their_5g_sites(planner_world):
    world, (_, _, _, n5, n5p) = planner_world
    res = run_replication(world, 0)
    # sites_5g keeps the file's own date of its start network (it said the start date, 2025-10-31, new-user trial);
    # the stations the run builds are dated by the run
    table = sites_table(world, res.on_air_day, res.operator)
    start = table.filter(pl.col("existing_at_start"))
    assert start.height == n5 and set(start["on_air_date"].to_list()) == {dt.date(2025, 3, 1)}
    built = table.filter(~pl.col("existing_at_start"))
    assert built.height > 0 and built["on_air_date"].min() > world.scenario.horizon.start_date
    first = res.metrics.filter((pl.col("area") == "VN") & (pl.col("metric") == "stations_5g")).sort("date")
    assert first["value"][0] >= n5
    assert np.all(res.on_air_day[:n5] < 0)  # on air before the start


def test_the_start_share_of_4g_row_counts_the_file_s_start_stations(planner_world):
    """The row divided start_state.stations_5g (the reported 16,737) by the file's 4G sites, which a site file leaves
    unused: 16,737 / 400 showed 4,184% for a file of 30 start stations in 400 4G sites (new-user trial)."""
    world, (_, _, n4, n5, _) = planner_world
    res = run_replication(world, 0)
    row = next(
        r for r in calibration_rows(world, res) if str(r.figure).startswith("5G stations as a share of 4G")
    )
    assert row.model == pytest.approx(100.0 * n5 / n4)  # 7.5%
    # the file's count, not one the model set from the share: a check of the file (it said "start_state.stations_4g
    # is set to ..." beside the file's 4G sites, planner-data trial), failed here (7.5% against 14% +- 0.5)
    assert row.basis == "check" and row.basis_note == "" and row.status == "FAIL"


# the island districts: Trường Sa (Khánh Hòa, 56) and Hoàng Sa (Đà Nẵng, 48); neither has a cell of the population
# grid nor a part of the 1:10m country outline
ISLANDS = [
    ("Trường Sa Lớn", 111.9204, 8.6458, "56"),
    ("Song Tử Tây", 114.3311, 11.4292, "56"),
    ("Phú Lâm", 112.335, 16.834, "48"),
]


def test_island_district_sites_are_read_and_placed_in_their_province(tmp_path):
    """A mast on Trường Sa was refused as outside Viet Nam (lon over 109.8) and, past that, would have served the
    nearest populated cell's province (Lâm Đồng). Checked against the raw province outlines, read apart."""
    import geopandas as gpd
    import shapely

    from dxsim.geo.site_file import _placed
    from dxsim.paths import raw_data_dir
    from dxsim.sim.world import cell_arrays, region_of_province

    country = load_country()
    rows = [GOOD[0], GOOD[1]] + [f"{lon},{lat},viettel,4g,1800,2019-01-01" for _n, lon, lat, _c in ISLANDS]
    df = read_site_csv(write(tmp_path, rows), country=country)
    assert df.height == 1 + len(ISLANDS)
    isl = df.filter(pl.col("lon") > 110)
    assert (
        country.cell_at(isl["lon"].to_numpy(), isl["lat"].to_numpy()) == -1
    ).all()  # no population cell there
    want = [c for *_x, c in ISLANDS]
    assert country.province_at(isl["lon"].to_numpy(), isl["lat"].to_numpy()).tolist() == want
    raw = gpd.read_file(raw_data_dir() / "boundaries" / "vn_provinces34_odv_dissolved.geojson")
    for _n, lon, lat, code in ISLANDS:
        nearest = int(np.argmin(shapely.distance(raw.geometry.values, shapely.Point(lon, lat))))
        assert raw["gso34"].iloc[nearest] == code
    placed = _placed(cell_arrays(country), isl, region_of_province(country), "4g", country)
    assert [country.province_codes[i] for i in placed["province_idx"].to_list()] == want
    # a point on a populated cell keeps its cell's province
    assert country.province_at(np.array([105.85]), np.array([21.03])).tolist() == ["01"]


@pytest.mark.parametrize(
    "lon, lat, allowed",
    [(113.0, 12.0, "within 5 km of its border"), (118.0, 10.0, "101.8..117.3"), (110.0, 6.0, "6.6..23.7")],
)
def test_open_sea_and_out_of_box_points_are_still_refused(tmp_path, lon, lat, allowed):
    """The wider box holds the archipelagos; a point in open sea between them is still outside Viet Nam."""
    p = write(tmp_path, [GOOD[0], GOOD[1], f"{lon},{lat},viettel,4g,1800,2019-01-01"])
    with pytest.raises(DxsimInputError) as ei:
        read_site_csv(p, country=load_country())
    assert allowed in ei.value.one_line() and "row 3" in ei.value.one_line()


def test_a_planned_5g_row_on_no_mast_of_its_operator_is_a_new_site(planner_world):
    """The file's 5G rows stand on Viettel's 4G masts but are VNPT's and MobiFone's, who have no mast there: they are
    new sites (new-site capex, permits and works), not upgrades, as every file row had been."""
    world, (_lon, _lat, _n4, n5, n5p) = planner_world
    plan = world.layer.plan_5g
    mine = plan.filter(~pl.col("synthetic"))
    assert mine.height == n5 + n5p and set(mine["kind"].to_list()) == {"new"}


def test_a_5g_row_within_30_m_of_its_operator_s_4g_mast_is_that_mast_s_upgrade():
    """hosts_of by hand: the same operator's mast within SAME_MAST_M (30 m) hosts the row; farther, or another
    operator's, does not."""
    s4 = pl.DataFrame(
        {"x_m": [0.0, 1000.0], "y_m": [0.0, 0.0], "operator": ["viettel", "vnpt"], "site_id": [7, 8]}
    )
    p5 = pl.DataFrame(
        {
            "x_m": [0.0, 29.0, 31.0, 1000.0, 1010.0],
            "y_m": [0.0, 0.0, 0.0, 0.0, 0.0],
            "operator": ["viettel", "viettel", "viettel", "mobifone", "vnpt"],
        }
    )
    hosts, on_mast = hosts_of(p5, s4)
    assert hosts.tolist() == [7, 8]
    assert on_mast.tolist() == [True, True, False, False, True]


def test_a_decimal_comma_in_a_comma_file_and_a_utf16_file_are_told_what_to_write(tmp_path):
    """A comma-separated file quoting "103,03534" is told the number with a decimal point; Excel's "Unicode Text"
    (UTF-16, with its byte-order mark) is named as such, not as a Vietnamese code page."""
    quoted = [GOOD[0], '"105,85",21.03,viettel,4g,1800,2019-01-01']
    with pytest.raises(DxsimInputError) as ei:
        read_site_csv(write(tmp_path, quoted, "quoted.csv"))
    assert "column lon = '105,85'" in ei.value.one_line()
    assert "(allowed: a number with a decimal point, 105.85)" in ei.value.one_line()
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes("\n".join(line.replace(",", "\t") for line in GOOD).encode("utf-16"))
    with pytest.raises(DxsimInputError) as ei:
        read_site_csv(utf16)
    assert "UTF-16 text (Excel's 'Unicode Text'), not UTF-8" in ei.value.one_line()
