"""A site file that replaces only its own provinces (`sites.file_replaces = "provinces"`).

A provincial planner's file of one province replaced the whole country's site layer: the other provinces started with
no 4G or 5G site. With `file_replaces = "provinces"` the synthetic layer stays outside the file's provinces. The check
is independent of the merge's code: a file that holds exactly the synthetic layer's sites of one province must give
back the national synthetic layer, site for site and person for person (up to the CSV's decimal degrees).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dxsim.errors import DxsimInputError
from dxsim.geo import load_country
from dxsim.geo.planner_files import planner_file_notes, check_planner_files
from dxsim.geo.site_file import site_provinces
from dxsim.geo.sites import SiteLayer
from dxsim.geo.villages import carve_site_layer
from dxsim.scenario import load_scenario
from dxsim.scenario.schema import Scenario
from dxsim.sim.world import World, build_layers, check_villages_named, prepare_world

REPO = Path(__file__).resolve().parent.parent
PROVINCE = "11"  # Điện Biên: rural, hundreds of 4G sites and a few 5G stations at the start
ENVS = ("urban", "suburban", "rural")


def _in(sites: pl.DataFrame, code: str) -> pl.Series:
    """The sites standing in province `code`: inside its outline, as a planner's site is placed (a border province's
    1 km cells reach over the line)."""
    return pl.Series(
        load_country().outline_province_at(sites["lon"].to_numpy(), sites["lat"].to_numpy()) == code
    )


def _province_file(layer: SiteLayer, sc: Scenario, code: str, path: Path) -> tuple[int, int]:
    """The synthetic layer's 4G sites (undated) and 5G start network (dated before the start) of one province, as a
    planner's site CSV with each site's own band. Returns (4G rows, 5G rows)."""
    s4 = layer.sites_4g.filter(_in(layer.sites_4g, code))
    on = layer.plan_5g.head(layer.n_5g_start)
    on = on.filter(_in(on, code))
    rows = [
        {
            "lon": r["lon"],
            "lat": r["lat"],
            "operator": r["operator"],
            "technology": tech,
            "band_mhz": getattr(bands, ENVS[r["env"]]),
            "on_air_date": date,
        }
        for tech, table, bands, date in (
            ("4g", s4, sc.radio.band_4g_mhz, ""),
            ("5g", on, sc.radio.band_5g_start_mhz, "2025-06-01"),
        )
        for r in table.iter_rows(named=True)
    ]
    pl.DataFrame(rows).write_csv(path)
    return s4.height, on.height


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, World, tuple[int, int]]:
    d = tmp_path_factory.mktemp("provinces")
    # without villages: they carve the layer around their draws, which a planner's sites change
    (d / "base.toml").write_text(
        f'extends = "{REPO / "scenarios" / "baseline.toml"}"\nname = "b"\n[villages]\nenabled = false\n'
    )
    country = load_country()
    base = prepare_world(load_scenario(d / "base.toml"), country, d)
    counts = _province_file(base.layer, base.scenario, PROVINCE, d / "province.csv")
    (d / "merged.toml").write_text(
        'extends = "base.toml"\nname = "m"\n[sites]\nfile = "province.csv"\nfile_replaces = "provinces"\n'
    )
    merged = prepare_world(load_scenario(d / "merged.toml"), country, d)
    return base, merged, counts


def _covered_pct(world: World) -> float:
    cov = world.cov5g_start
    return 100.0 * cov.covered_pop_total() / float(cov.pop.sum())


def test_a_file_of_one_province_s_synthetic_sites_gives_back_the_national_layer(
    worlds: tuple[World, World, tuple[int, int]],
) -> None:
    base, merged, (n4, n5) = worlds
    assert n4 > 100 and n5 > 0  # the check needs a province with sites of both kinds
    b, m = base.layer, merged.layer
    assert m.n_5g_start == b.n_5g_start == base.scenario.start_state.stations_5g
    assert m.sites_4g.height == b.sites_4g.height
    assert m.params["n_4g"] == n4 and m.params["n_4g_kept"] == b.sites_4g.height - n4
    assert m.params["n_5g_start_kept"] == b.n_5g_start - n5 and m.params["province_codes"] == [PROVINCE]
    # outside the province, the same 4G sites (by id) and the same start stations (by place and operator)
    out_b = b.sites_4g.filter(~_in(b.sites_4g, PROVINCE))["site_id"].sort().to_list()
    kept = m.sites_4g.filter(pl.col("synthetic"))
    assert kept["site_id"].sort().to_list() == out_b
    key = ["x_m", "y_m", "operator"]
    start_b = b.plan_5g.head(b.n_5g_start)
    start_b = start_b.filter(~_in(start_b, PROVINCE)).select(key).sort(key)
    start_m = m.plan_5g.head(m.n_5g_start).filter(pl.col("synthetic")).select(key).sort(key)
    assert start_m.equals(start_b)
    # the file's sites stand where the synthetic ones stood (the CSV keeps ~1e-15 degrees), and cover the same people
    assert kept.height + n4 == m.sites_4g.height
    assert _covered_pct(merged) == pytest.approx(_covered_pct(base), abs=1e-3)
    assert merged.cov4g.covered_pop_total() == pytest.approx(base.cov4g.covered_pop_total(), rel=1e-5)


def test_no_site_is_planned_twice(worlds: tuple[World, World, tuple[int, int]]) -> None:
    plan = worlds[1].layer.plan_5g
    ups = plan.filter(pl.col("kind") == "upgrade")
    # a synthetic upgrade names its 4G host; a file's 5G row (built like an upgrade) has none (-1)
    hosts = ups.filter(pl.col("host_site_id") >= 0)["host_site_id"]
    assert hosts.n_unique() == hosts.len()
    assert plan.select("x_m", "y_m", "operator").is_duplicated().sum() == 0
    assert (plan["rank"].to_numpy() == np.arange(plan.height)).all()


def test_a_whole_country_file_of_one_province_leaves_the_rest_without_sites(
    worlds: tuple[World, World, tuple[int, int]], tmp_path: Path
) -> None:
    """The contrast the option exists for: the same file under the default `file_replaces = "country"`."""
    base, merged, _ = worlds
    csv = tmp_path / "province.csv"
    _province_file(base.layer, base.scenario, PROVINCE, csv)
    (tmp_path / "country.toml").write_text(
        f'extends = "{REPO / "scenarios" / "baseline.toml"}"\nname = "c"\n[villages]\nenabled = false\n'
        f'[sites]\nfile = "{csv}"\n'
    )
    whole = prepare_world(load_scenario(tmp_path / "country.toml"), load_country(), tmp_path)
    assert whole.layer.sites_4g.height == worlds[2][0]
    assert whole.cov4g.covered_pop_total() < 0.05 * merged.cov4g.covered_pop_total()


def test_validate_says_what_the_file_replaces(
    worlds: tuple[World, World, tuple[int, int]], tmp_path: Path
) -> None:
    base, _, (n4, n5) = worlds
    csv = tmp_path / "province.csv"
    _province_file(base.layer, base.scenario, PROVINCE, csv)
    country = load_country()
    notes = {}
    for mode in ("country", "provinces"):
        toml = tmp_path / f"{mode}.toml"
        toml.write_text(
            f'extends = "{REPO / "scenarios" / "baseline.toml"}"\nname = "x"\n'
            f'[sites]\nfile = "province.csv"\nfile_replaces = "{mode}"\n'
        )
        sc = load_scenario(toml)
        files = check_planner_files(sc, toml, lambda: country)
        notes[mode] = " ".join(planner_file_notes(sc, files, country))
    assert "replaces the whole country's site layer" in notes["country"]
    assert 'file_replaces = "provinces"' in notes["country"]
    said = notes["provinces"]
    assert "replace the synthetic layer's sites there" in said and "Điện Biên (11)" in said
    assert f"the file's {n5} 5G stations on air" in said and "16,737" in said
    # start_state.stations_5g sizes the rest of the country here: not said to be unused
    assert "is not used" not in said and "whole country" not in said
    # the province's whole synthetic network reaches ~all its people: no warning
    assert "warning" not in said
    # one stray row in Hà Nội replaces Hà Nội's whole network: warned, naming it and how few people it reaches
    stray = tmp_path / "stray.csv"
    stray.write_text(csv.read_text() + "105.8342,21.0278,viettel,4g,1800,\n")
    toml = tmp_path / "stray.toml"
    toml.write_text(
        f'extends = "{REPO / "scenarios" / "baseline.toml"}"\nname = "x"\n'
        '[sites]\nfile = "stray.csv"\nfile_replaces = "provinces"\n'
    )
    sc = load_scenario(toml)
    said = planner_file_notes(sc, check_planner_files(sc, toml, lambda: country), country)
    warned = [n for n in said if n.startswith("warning:")]
    assert len(warned) == 1 and "4G sites in Hà Nội (01), 1 of them, reach" in warned[0], said
    pct = float(warned[0].split("reach ")[1].split("%")[0])
    assert 0.0 < pct < 10.0  # one site's disc over the capital's ~8 million people


def _layer(synthetic_4g: list[bool], xy_4g: list[tuple[float, float]]) -> SiteLayer:
    s4 = pl.DataFrame(
        {
            "x_m": [p[0] for p in xy_4g],
            "y_m": [p[1] for p in xy_4g],
            "lon": [105.0] * len(xy_4g),
            "lat": [21.0] * len(xy_4g),
            "radius_m": [1000.0] * len(xy_4g),
            "site_id": list(range(len(xy_4g))),
            "role": ["coverage"] * len(xy_4g),
            "synthetic": synthetic_4g,
        }
    )
    plan = pl.DataFrame(
        {
            "x_m": [9e6],
            "y_m": [9e6],
            "radius_m": [500.0],
            "kind": ["new"],
            "host_site_id": [-1],
            "rank": [0],
            "synthetic": [True],
        }
    )
    return SiteLayer(s4, plan, 1, False, {"file": "province.csv", "file_replaces": "provinces"})


def _villages(xy: list[tuple[float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "village_id": [f"V{i}" for i in range(len(xy))],
            "name": [f"v{i}" for i in range(len(xy))],
            "lon": [105.0] * len(xy),
            "lat": [21.0] * len(xy),
            "x_m": [p[0] for p in xy],
            "y_m": [p[1] for p in xy],
            "signal_status": ["none"] * len(xy),
            "source": ["planner file v.csv"] * len(xy),
        }
    )


def test_villages_carve_the_synthetic_sites_and_refuse_to_sit_under_the_planner_s() -> None:
    # site 0 synthetic at the origin, site 1 the planner's 10 km away; each village 300 m from one of them
    layer = _layer([True, False], [(0.0, 0.0), (10_000.0, 0.0)])
    carved, report = carve_site_layer(layer, _villages([(300.0, 0.0)]))
    assert report["sites_4g_removed"] == 1
    assert carved.sites_4g["site_id"].to_list() == [1]  # the planner's site stays
    with pytest.raises(DxsimInputError) as e:
        carve_site_layer(layer, _villages([(10_300.0, 0.0)]))
    said = str(e.value)
    # the village by its name, id and own file; the site by its place, in the site file
    assert "'v0' (V0, file v.csv) at" in said and "within the coverage radius of the 4G site" in said
    assert "province.csv" in said


def test_the_other_provinces_keep_their_villages(tmp_path: Path) -> None:
    """The village layer is drawn against the synthetic sites, as without the file: a province's file (here its own
    synthetic sites, minus most of its 4G) moved villages in from its neighbours (Điện Biên 22 -> 91, Lào Cai 49 ->
    35: provincial planner trial). Now only the file's province may lose generated villages its sites reach."""
    country = load_country()
    (tmp_path / "base.toml").write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\nname = "b"\n')
    # the layers alone (sites, villages): coverage and capacity are not looked at
    base_sc = load_scenario(tmp_path / "base.toml")
    base = build_layers(base_sc, country, tmp_path, lambda _s: None, dcs=False)
    csv = tmp_path / "province.csv"
    _province_file(base.sites, base_sc, PROVINCE, csv)
    rows = csv.read_text().splitlines()
    four = [r for r in rows[1:] if ",4g," in r]
    csv.write_text(
        "\n".join([rows[0], *four[::5], *(r for r in rows[1:] if ",5g," in r)]) + "\n"
    )  # a fifth of its 4G
    (tmp_path / "merged.toml").write_text(
        'extends = "base.toml"\nname = "m"\n[sites]\nfile = "province.csv"\nfile_replaces = "provinces"\n'
    )
    merged = build_layers(
        load_scenario(tmp_path / "merged.toml"), country, tmp_path, lambda _s: None, dcs=False
    )
    assert base.villages is not None and merged.villages is not None
    key = ["village_id", "gso34", "lon", "lat", "population", "subset", "signal_status"]
    b, m = base.villages.villages.select(key), merged.villages.villages.select(key)
    others = pl.col("gso34") != PROVINCE
    assert m.filter(others).sort("village_id").equals(b.filter(others).sort("village_id"))
    mine = set(m.filter(~others)["village_id"].to_list())
    assert mine <= set(b.filter(~others)["village_id"].to_list())
    # no carved synthetic 4G site is put back in the file's province: its 4G is the file's
    k = country.province_codes.index(PROVINCE)
    placed = merged.sites.sites_4g.filter(pl.col("synthetic") & (pl.col("province_idx") == k))
    kept = base.sites.sites_4g.filter(~_in(base.sites.sites_4g, PROVINCE) & (pl.col("province_idx") == k))
    assert placed.height <= kept.height  # only border sites of neighbours whose 1 km cell is the province's


def test_a_few_masts_just_over_the_border_do_not_bring_in_the_next_province() -> None:
    """Masts a few hundred metres outside Điện Biên's outline (in Sơn La) are the file's spill over its border: the
    file replaces Điện Biên only (they had made it replace all of Sơn La's sites: provincial planner trial). A stray
    row far from the file's province is its own province (and is warned of)."""
    import shapely

    country = load_country()
    outline = country._outline_tree.geometries[country.province_codes.index(PROVINCE)]
    ring = np.asarray(shapely.get_coordinates(outline.boundary))[::25]
    spill = []
    for lon, lat in ring:
        for dx, dy in ((0.003, 0), (-0.003, 0), (0, 0.003), (0, -0.003)):
            p = np.array([lon + dx]), np.array([lat + dy])
            if country.outline_province_at(*p)[0] == "14" and country.near_province(PROVINCE, *p)[0]:
                spill.append((p[0][0], p[1][0]))
    assert len(spill) >= 3
    inside = shapely.get_coordinates(outline.representative_point())[0]
    lon = np.array([inside[0]] * 10 + [x for x, _ in spill[:3]] + [105.8342])
    lat = np.array([inside[1]] * 10 + [y for _, y in spill[:3]] + [21.0278])
    assert sorted(set(country.outline_province_at(lon, lat).tolist())) == ["01", PROVINCE, "14"]
    got = site_provinces(country, lon, lat)
    assert got[:13].tolist() == [PROVINCE] * 13 and got[13] == "01"


def test_validate_says_how_many_villages_a_village_file_stands_in_for(tmp_path: Path) -> None:
    """One Lai Châu row of a village file that replaces its provinces' villages stood in for all of Lai Châu's, said
    only as "Lai Châu (12): 1 of the file". The note gives the default layer's count there, as the baseline builds it."""
    country = load_country()
    base = load_scenario(REPO / "scenarios" / "baseline.toml")
    layers = build_layers(base, country, REPO / "scenarios", lambda _s: None, dcs=False)
    assert layers.villages is not None
    default_12 = layers.villages.villages.filter(pl.col("gso34") == "12").height
    assert default_12 > 1
    (tmp_path / "v.csv").write_text(
        "name,lon,lat,gso34,population\nBản Một,103.15,22.40,12,150\n", encoding="utf-8"
    )
    toml = tmp_path / "v.toml"
    toml.write_text(
        f'extends = "{REPO / "scenarios" / "baseline.toml"}"\nname = "v"\n'
        '[villages.layer]\nfile = "v.csv"\nfile_replaces = "provinces"\n',
        encoding="utf-8",
    )
    notes = check_villages_named(load_scenario(toml), country, toml)
    assert notes == [
        f"note: villages.layer.file stands in for the default layer's {default_12} villages in Lai Châu (12) with 1"
    ]
