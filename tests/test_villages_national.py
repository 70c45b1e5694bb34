"""The national coverage-hole layer: the villages without power (117) plus the villages with grid
power and no or patchy signal, counted from the reported timeline and the province surveys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dxsim.errors import DxsimInputError
from dxsim.geo import load_country
from dxsim.geo.village_file import read_village_file
from dxsim.geo.villages import build_village_layer, with_power_count
from dxsim.radio.radii import radii_m
from dxsim.scenario import load_scenario
from dxsim.scenario.sections.villages_layer import VillageLayer
from dxsim.sim.world import cell_arrays, load_site_layer

REPO = Path(__file__).resolve().parent.parent
START = dt.date(2025, 10, 31)


@pytest.fixture(scope="module")
def base():
    country = load_country()
    sc = load_scenario(REPO / "scenarios" / "baseline.toml")
    cells = cell_arrays(country)
    r4 = radii_m("4g", sc.radio.band_4g_mhz, sc.radio.coverage_definition)
    r5 = radii_m("5g", sc.radio.band_5g_mhz, sc.radio.coverage_definition)
    return country, cells, load_site_layer(sc, country, cells, r4, r5)


@pytest.fixture(scope="module")
def national(base):
    country, cells, layer = base
    return build_village_layer(country, cells, layer, VillageLayer(), start_date=START)


def test_with_power_count_follows_the_reported_timeline():
    obs = pl.DataFrame(
        {
            "date": [dt.date(2024, 10, 31), dt.date(2025, 7, 31), dt.date(2025, 9, 30)],
            "area": ["VN"] * 3,
            "metric": ["villages_coverage_holes_with_power"] * 3,
            "kind": ["observed", "observed", "target"],
            "value": [637.0, 238.0, 0.0],
        }
    )
    assert with_power_count(dt.date(2025, 10, 31), obs)[0] == 238  # last report held; the target is no fact
    # 2025-05-31 is 212 of the 273 days from 2024-10-31 to 2025-07-31: 637 - 399 x 212/273 = 327.15
    assert with_power_count(dt.date(2025, 5, 31), obs)[0] == 327
    assert with_power_count(dt.date(2024, 1, 1), obs)[0] == 637
    # the shipped observations table gives the same
    assert with_power_count(START)[0] == 238


def test_national_layer_counts_and_subsets(national, base):
    v, rep = national.villages, national.report
    no_power = v.filter(~pl.col("has_grid_power"))
    with_power = v.filter(pl.col("has_grid_power"))
    assert no_power.height == 117
    assert (no_power["subset"] == "no_power").all() and (with_power["subset"] == "with_power").all()
    # Tuyên Quang (08) gets exactly its surveyed 255 villages with power; the national 238 is scaled by
    # the weight share outside the surveyed provinces
    assert with_power.filter(pl.col("gso34") == "08").height == 255
    share = rep["with_power_share_of_weight_in_surveyed_provinces"]
    assert 0.0 < share < 1.0
    outside = with_power.filter(pl.col("gso34") != "08").height
    assert outside == round(238 * (1.0 - share)) == rep["with_power_outside_surveys"]
    assert v.height == 117 + 255 + outside
    assert with_power["synthetic"].all() and with_power["village_id"].str.starts_with("W").all()
    assert (with_power["grid_distance_km"] == 0.0).all()
    assert set(v["signal_status"].unique()) == {"none", "patchy"}
    # the 117 are "without electricity and mobile signal" (seed H7): no generated one is patchy (5 of Điện Biên's 8
    # were); a named village keeps the status its source reports (Tuyên Quang's list has lõm sóng ones)
    assert (no_power.filter(pl.col("synthetic"))["signal_status"] == "none").all()
    generated = with_power.filter(pl.col("synthetic") & (pl.col("gso34") != "08"))
    patchy = (generated["signal_status"] == "patchy").mean()  # drawn at patchy_share_pct = 66.7%
    assert abs(patchy - 0.667) < 3 * (0.667 * 0.333 / generated.height) ** 0.5
    # named Tuyên Quang villages keep their reported status: 4 trắng sóng, 14 lõm sóng
    named_tq = v.filter(~pl.col("synthetic") & (pl.col("gso34") == "08"))
    assert named_tq.group_by("signal_status").len().sort("signal_status").rows() == [
        ("none", 4),
        ("patchy", 14),
    ]


def test_the_no_power_subset_is_unchanged_and_spacing_holds(national, base):
    country, cells, layer = base
    only = build_village_layer(country, cells, layer, VillageLayer(include_with_power=False))
    cols = ["village_id", "lon", "lat", "population", "grid_distance_km"]
    assert national.villages.head(117).select(cols).equals(only.villages.select(cols))
    v = national.villages
    x, y = v["x_m"].to_numpy(), v["y_m"].to_numpy()
    wp = v["has_grid_power"].to_numpy()
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    np.fill_diagonal(d, np.inf)
    assert d[wp].min() >= 2000.0 - 1e-6  # with_power_min_spacing_km from every other village


def test_no_remaining_site_covers_a_village_of_the_national_layer(national):
    s4 = national.site_layer.sites_4g
    sx, sy, sr = s4["x_m"].to_numpy(), s4["y_m"].to_numpy(), s4["radius_m"].to_numpy()
    v = national.villages
    for x, y in zip(v["x_m"].to_numpy(), v["y_m"].to_numpy()):
        assert (np.hypot(sx - x, sy - y) - sr).min() > 0


def test_every_village_lies_inside_its_own_province_as_published(national, base):
    """Two Tuyên Quang villages stood 1.0 and 1.7 km inside China and two more in the neighbouring province, so a QGIS
    join by location counted 271 of the province's 273 (provincial GIS trial). Every village of the national layer
    lies inside its own province's outline as the outputs publish it (the provinces layer of results.gpkg), tested
    with shapely on that outline."""
    import shapely

    country, _cells, _layer = base
    outline = dict(
        zip(
            country.provinces["gso34"].to_list(),
            shapely.from_wkb(country.provinces["geometry_wkb"].to_list()),
        )
    )
    v = national.villages
    lon, lat, gso = v["lon"].to_numpy(), v["lat"].to_numpy(), v["gso34"].to_list()
    outside = [
        (vid, g)
        for vid, g, x, y in zip(v["village_id"].to_list(), gso, lon, lat)
        if not outline[g].contains(shapely.Point(x, y))
    ]
    assert v.height == 602 and outside == []


def test_explicit_count_and_bad_survey(base):
    country, cells, layer = base
    res = build_village_layer(country, cells, layer, VillageLayer(n_with_power=0, province_surveys=[]))
    assert res.villages.height == 117 and not res.villages["has_grid_power"].any()
    # an unknown province is refused with the scenario (so `dxsim validate` says it, not only a run)
    with pytest.raises(ValueError, match="'99' is not one of the 34 province codes"):
        VillageLayer(province_surveys=[{"gso34": "99", "villages_with_power": 5}])
    with pytest.raises(ValueError, match="listed twice"):
        VillageLayer(
            province_surveys=[
                {"gso34": "08", "villages_with_power": 1},
                {"gso34": "08", "villages_with_power": 2},
            ]
        )
    with pytest.raises(ValueError, match="give villages_with_power, villages_without_power or both"):
        VillageLayer(province_surveys=[{"gso34": "08"}])
    # the surveyed provinces' villages without power are part of the national count
    with pytest.raises(
        ValueError,
        match=r"n_villages \(30\) is fewer than the province surveys' villages_without_power \(35\)",
    ):
        VillageLayer(n_villages=30)


def test_surveyed_provinces_get_their_count_of_villages_without_power(national):
    """Tuyên Quang 18 (all named) and Quảng Trị 17 (7 named + 10 synthetic drawn there); the other provinces share
    117 - 35 = 82, none of them drawn in the two surveyed provinces."""
    no_power = national.villages.filter(~pl.col("has_grid_power"))
    per = dict(no_power.group_by("gso34").len().iter_rows())
    assert per["08"] == 18 and per["44"] == 17
    assert sum(per.values()) == 117
    qt = no_power.filter(pl.col("gso34") == "44")
    assert int((~qt["synthetic"]).sum()) == 7 and int(qt["synthetic"].sum()) == 10
    assert int(no_power.filter(~pl.col("gso34").is_in(["08", "44"]))["synthetic"].sum()) == 82


def test_a_survey_without_a_no_power_count_leaves_the_province_to_the_draw(base):
    """Only the with-power count surveyed: the no-power villages are drawn by the weights alone, as before the
    surveys counted them (Quảng Trị then gets what its weight gives, Tuyên Quang its named 18 and any drawn there)."""
    country, cells, layer = base
    res = build_village_layer(
        country,
        cells,
        layer,
        VillageLayer(
            include_with_power=False, province_surveys=[{"gso34": "08", "villages_with_power": 255}]
        ),
    )
    no_power = res.villages
    assert no_power.height == 117
    drawn = no_power.filter(pl.col("synthetic"))
    assert drawn.height == 92 and drawn["gso34"].n_unique() > 2  # drawn over every candidate province


def test_planner_file_marks_villages_with_power(tmp_path):
    p = tmp_path / "v.csv"
    p.write_text(
        "name,lon,lat,gso34,population,has_grid_power,signal\n"
        "A,105.0,22.8,08,100,true,patchy\nB,105.1,22.9,08,120,,\n",
        encoding="utf-8",
    )
    df = read_village_file(p)
    assert df["has_grid_power"].to_list() == [True, False]
    assert df["signal"].to_list() == ["patchy", "none"]
    p.write_text(
        "name,lon,lat,gso34,population,has_grid_power\nA,105.0,22.8,08,100,maybe\n", encoding="utf-8"
    )
    with pytest.raises(DxsimInputError, match=r"row 2, column has_grid_power.*maybe.*true or false"):
        read_village_file(p)


def test_a_province_file_replaces_only_its_provinces_villages(base, national, tmp_path):
    """`villages.layer.file_replaces = "provinces"`: three Điện Biên villages replace the layer's Điện Biên ones and
    the rest of the country keeps the national layer, village for village (built here apart, with the same seed). With
    the default, "country", the file is the whole layer, as before; an id of the file that the layer uses elsewhere is
    refused in one line. Why: the file in place of the whole layer moved national 5G results (+774 stations; the layer
    carves the 4G sites covering its villages), which a provincial planner does not expect."""
    country, cells, layer = base
    p = tmp_path / "db.csv"
    p.write_text(
        "village_id,name,lon,lat,gso34,population,has_grid_power,signal\n"
        "DB01,Bản Huổi Lụ,103.10,21.75,11,320,false,none\n"
        "DB02,Bản Pa Thơm,102.95,21.30,11,210,true,patchy\n"
        "DB03,Bản Nậm Khăn,103.25,21.95,11,180,false,none\n",
        encoding="utf-8",
    )
    params = VillageLayer(file=str(p), file_replaces="provinces")
    res = build_village_layer(country, cells, layer, params, start_date=START)
    whole = national.villages
    kept = whole.filter(pl.col("gso34") != "11")
    assert whole.filter(pl.col("gso34") == "11").height > 3  # the national layer has other Điện Biên villages
    got = res.villages
    assert sorted(got.filter(pl.col("gso34") == "11")["village_id"].to_list()) == ["DB01", "DB02", "DB03"]
    assert got.height == kept.height + 3
    cols = [
        c for c in got.columns if c not in ("site_distance_km",)
    ]  # carving differs where the villages differ
    assert got.filter(pl.col("gso34") != "11").select(cols).equals(kept.select(cols))
    assert "in its provinces" in res.report["source"]
    only = build_village_layer(country, cells, layer, VillageLayer(file=str(p)), start_date=START)
    assert only.villages["village_id"].to_list() == ["DB01", "DB02", "DB03"]
    clash = tmp_path / "clash.csv"
    clash.write_text(
        p.read_text(encoding="utf-8").replace("DB02", str(kept["village_id"][0])), encoding="utf-8"
    )
    with pytest.raises(DxsimInputError, match=r"is also one of the layer's in another province"):
        build_village_layer(
            country, cells, layer, params.model_copy(update={"file": str(clash)}), start_date=START
        )
