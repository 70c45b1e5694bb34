"""The village layer (issue 3) on the real data: named + synthetic villages, attributes, carving of
the site layer, determinism, and a planner's village file (bad files are one-line input errors)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxsim.i18n import set_language
from dxsim.errors import DxsimInputError
from dxsim.geo import load_country, raw
from dxsim.geo.village_file import read_village_file
from dxsim.geo.villages import COLUMNS, NAMED_KEY, SYNTHETIC_SOURCE, _pick_spaced, build_village_layer
from dxsim.paths import GEODATA_DIR
from dxsim.radio.coverage import CoverageGrid
from dxsim.radio.radii import radii_m
from dxsim.scenario import load_scenario
from dxsim.scenario.sections.villages_layer import VillageLayer
from dxsim.sim.world import cell_arrays, load_site_layer

REPO = Path(__file__).resolve().parent.parent
PARAMS = VillageLayer(
    include_with_power=False
)  # the no-power subset; the national layer: test_villages_national.py


@pytest.fixture(scope="module")
def base():
    """Country, cells and the synthetic site layer of the baseline scenario (built once)."""
    country = load_country()
    sc = load_scenario(REPO / "scenarios" / "baseline.toml")
    cells = cell_arrays(country)
    r4 = radii_m("4g", sc.radio.band_4g_mhz, sc.radio.coverage_definition)
    r5 = radii_m("5g", sc.radio.band_5g_mhz, sc.radio.coverage_definition)
    layer = load_site_layer(sc, country, cells, r4, r5)
    return country, cells, layer


@pytest.fixture(scope="module")
def built(base):
    country, cells, layer = base
    return build_village_layer(country, cells, layer, PARAMS)


def coverage_pct(cells, s4: pl.DataFrame) -> float:
    g = CoverageGrid(
        cells.grid,
        cells.rows,
        cells.cols,
        cells.x_m,
        cells.y_m,
        cells.width_m,
        cells.height_m,
        cells.pop,
        cells.province_idx,
        cells.n_provinces,
        4,
    )
    g.add_sites(
        s4["row"].to_numpy(),
        s4["col"].to_numpy(),
        s4["x_m"].to_numpy(),
        s4["y_m"].to_numpy(),
        s4["radius_m"].to_numpy().astype(np.float64),
    )
    return 100.0 * g.covered_pop_total() / float(cells.pop.sum())


def min_margin_m(vx, vy, sx, sy, sr) -> float:
    """Brute force: min over (village, site) of distance - radius (> 0: no site covers a village)."""
    best = np.inf
    for x, y in zip(vx, vy):
        best = min(best, float((np.hypot(sx - x, sy - y) - sr).min()))
    return best


# --------------------------------------------------------------------------- the default layer


def test_rows_columns_and_ids(built):
    v = built.villages
    assert v.height == PARAMS.n_villages == 117
    assert v.columns == list(COLUMNS)
    assert all(v.schema[k] == d for k, d in COLUMNS.items())
    assert v["village_id"].n_unique() == v.height
    # every column is filled but survey_as_of, which only a surveyed province's villages with grid power have
    assert v.drop("survey_as_of").null_count().sum_horizontal().item() == 0
    assert v["survey_as_of"].null_count() == v.filter(~pl.col("has_grid_power")).height == v.height
    assert set(v["terrain_class"]) <= {"flat", "hilly", "mountainous"}
    assert (v["cell_id"] >= 0).all()


def test_named_villages_present_with_names_and_provinces(built):
    src = raw.read_csv("deadzone_villages_sample", required=["village", "gso34", "source"])
    named = built.villages.filter(~pl.col("synthetic"))
    assert named.height == src.height == 25
    # no source counts their people: their population and households are seeded draws, flagged as every generated
    # village's are (trust audit: "synthetic: False" beside a drawn population of 301)
    assert "population" not in src.columns and built.villages["population_synthetic"].all()
    assert named["name"].to_list() == src["village"].to_list()
    assert named["gso34"].to_list() == src["gso34"].to_list()
    assert named["source"].to_list() == src["source"].to_list()
    assert named["village_id"].to_list() == [f"N{i:03d}" for i in range(1, 26)]
    by_prov = dict(named.group_by("province").len().iter_rows())
    assert by_prov == {"Tuyên Quang": 18, "Quảng Trị": 7}
    # the ambiguous Quảng Trị communes are resolved by geodata/village_communes.csv
    facts = pl.read_csv(GEODATA_DIR / "village_communes.csv", infer_schema=False)
    want = dict(zip(facts["village"], "Xã " + facts["commune_2025"]))
    qt = named.filter(pl.col("gso34") == "44")
    assert all(want[n] == c for n, c in qt.select("name", "commune").iter_rows())
    assert all("vietnamnet.vn" in p for p in qt["location_precision"])
    # given communes are kept
    tq = named.filter(pl.col("gso34") == "08")
    assert tq["ward_code"].to_list() == src.filter(pl.col("gso34") == "08")["commune_code"].to_list()
    # Quảng Trị villages are reported 6-20 km from the MV grid: the proxy should be in that range, roughly
    g = qt["grid_distance_km"].to_numpy()
    assert 3.0 <= g.min() and g.max() <= 25.0 and np.median(g) >= 6.0


def test_synthetic_villages_flagged_and_in_the_mountains(built, base):
    country = base[0]
    syn = built.villages.filter(pl.col("synthetic"))
    assert syn.height == 117 - 25
    assert syn["village_id"].to_list() == [f"S{i:03d}" for i in range(1, 93)]
    assert (syn["name"] == "").all() and (syn["source"] == SYNTHETIC_SOURCE).all()
    assert set(syn["region6"]) <= set(PARAMS.candidate_regions6)
    assert (syn["elevation_m"] >= PARAMS.candidate_min_elevation_m).all()
    c = country.cells
    cid = syn["cell_id"].to_numpy()
    assert (c["density_per_km2"].to_numpy()[cid] < PARAMS.candidate_max_density_per_km2).all()
    assert (c["gso34"].to_numpy()[cid] == syn["gso34"].to_numpy()).all()
    assert (syn["grid_distance_km"] > 2.0).all()


def test_no_remaining_site_covers_a_village(built):
    v, layer = built.villages, built.site_layer
    vx, vy = v["x_m"].to_numpy(), v["y_m"].to_numpy()
    s4 = layer.sites_4g
    assert min_margin_m(vx, vy, s4["x_m"].to_numpy(), s4["y_m"].to_numpy(), s4["radius_m"].to_numpy()) > 0
    p = layer.plan_5g.head(layer.n_5g_start)
    assert p.height == layer.n_5g_start
    assert min_margin_m(vx, vy, p["x_m"].to_numpy(), p["y_m"].to_numpy(), p["radius_m"].to_numpy()) > 0
    assert np.allclose(
        v["site_distance_km"].to_numpy() * 1000.0,
        [np.hypot(s4["x_m"].to_numpy() - x, s4["y_m"].to_numpy() - y).min() for x, y in zip(vx, vy)],
    )
    assert layer.plan_5g["rank"].to_list() == list(range(layer.plan_5g.height))


def test_carving_keeps_4g_coverage(built, base):
    cells, layer = base[1], base[2]
    rep = built.report
    new4 = built.site_layer.sites_4g
    # the removed sites are re-placed elsewhere: the layer keeps the reported station count
    assert rep["sites_4g_removed"] > 0 and new4.height == layer.sites_4g.height
    assert new4["site_id"].is_unique().all()
    orig_max = int(layer.sites_4g["site_id"].max())
    kept = new4.filter(pl.col("site_id") <= orig_max)
    replaced = new4.filter(pl.col("site_id") > orig_max)
    assert kept.height + replaced.height == new4.height and replaced.height == rep["sites_4g_removed"]
    assert (replaced["role"] == "capacity").all() and replaced["synthetic"].all()
    before = coverage_pct(cells, layer.sites_4g)
    after_removal = coverage_pct(cells, kept)
    after = coverage_pct(cells, new4)
    assert abs(after - 99.8) <= 0.5
    assert after_removal <= before and after >= after_removal
    lost_pct = 100.0 * rep["pop_4g_lost"] / float(cells.pop.sum())
    assert abs((before - after_removal) - lost_pct) < 1e-6
    # removed upgrades are gone from the 5G plan; no start site had to go
    host = built.site_layer.plan_5g.filter(pl.col("kind") == "upgrade")["host_site_id"].to_numpy()
    assert np.isin(host, built.site_layer.sites_4g["site_id"].to_numpy()).all()
    assert rep["plan_5g_start_dropped"] == 0


def test_spacing_population_households(built, base):
    v = built.villages
    xy = v.select("x_m", "y_m").to_numpy()
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(d, np.inf)
    assert d.min() >= 1000.0 * PARAMS.min_spacing_km
    pop, hh = v["population"].to_numpy(), v["households"].to_numpy()
    assert (pop >= 1).all() and (hh >= 1).all()
    size = np.array([getattr(PARAMS.household_size_by_region6, r) for r in v["region6"]])
    assert np.all(np.abs(hh - pop / size) <= 0.5 + 1e-9)
    # never more than the WorldPop population of the village's 3x3 catchment
    cells = base[1]
    raster = {}
    for r, c, p in zip(cells.rows, cells.cols, cells.pop):
        raster[(int(r), int(c))] = p
    for r, c, p in v.select("row", "col", "population").iter_rows():
        cap = sum(raster.get((r + dr, c + dc), 0.0) for dr in (-1, 0, 1) for dc in (-1, 0, 1))
        assert p <= cap + 0.5
    assert 100 <= np.median(pop) <= 400


def test_deterministic_for_the_seed(built, base):
    country, cells, layer = base
    again = build_village_layer(country, cells, layer, PARAMS)
    assert again.villages.equals(built.villages)
    assert again.site_layer.sites_4g.height == built.site_layer.sites_4g.height
    other = build_village_layer(country, cells, layer, PARAMS, seed=7)
    s1 = built.villages.filter(pl.col("synthetic")).select("lon", "lat")
    s2 = other.villages.filter(pl.col("synthetic")).select("lon", "lat")
    assert not s1.equals(s2)
    assert other.villages.filter(~pl.col("synthetic"))["name"].equals(
        built.villages.filter(~pl.col("synthetic"))["name"]
    )


def test_ambiguous_commune_drawn_without_the_fact_table(base, monkeypatch, tmp_path):
    """Without geodata/village_communes.csv, 'Thượng Trạch or Trường Sơn' is a seeded draw of the two."""
    import dxsim.geo.villages as vmod

    country, cells, layer = base
    monkeypatch.setattr(vmod, "COMMUNE_FACTS", tmp_path / "none.csv")
    res = build_village_layer(
        country, cells, layer, PARAMS.model_copy(update={"n_villages": 30, "province_surveys": []})
    )
    v = res.villages
    assert v.height == 30 and int((~v["synthetic"]).sum()) == 25
    qt = v.filter(pl.col("gso34") == "44")
    assert set(qt["commune"]) <= {"Xã Thượng Trạch", "Xã Trường Sơn"} and qt.height == 7
    assert all("drawn (seeded)" in p for p in qt["location_precision"])
    small = build_village_layer(
        country, cells, layer, PARAMS.model_copy(update={"n_villages": 10, "province_surveys": []})
    )
    assert small.villages.height == 10 and not small.villages["synthetic"].any()


# --------------------------------------------------------------------------- planner's files

HEADER = "village_id,name,lon,lat,gso34,population,households,commune"


def write(tmp: Path, lines: list[str], name: str = "villages.csv") -> Path:
    p = tmp / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def good_lines(built):
    """Three valid planner villages: points of synthetic villages (remote, outside all sites)."""
    syn = built.villages.filter(pl.col("synthetic")).head(3)
    lines = [HEADER]
    for i, r in enumerate(syn.iter_rows(named=True)):
        hh = "40" if i == 0 else ""
        lines.append(f"V{i + 1},Bản {i + 1},{r['lon']:.6f},{r['lat']:.6f},{r['gso34']},{150 + i},{hh},")
    return lines


def test_planner_village_file_replaces_the_layer(built, base, good_lines, tmp_path):
    country, cells, layer = base
    path = write(tmp_path, good_lines)
    params = PARAMS.model_copy(update={"file": path.name})
    res = build_village_layer(country, cells, layer, params, scenario_dir=tmp_path)
    v = res.villages
    assert v.height == 3 and v.columns == list(COLUMNS)
    assert v["village_id"].to_list() == ["V1", "V2", "V3"]
    assert v["population"].to_list() == [150, 151, 152]
    assert v["households"].to_list()[0] == 40 and v["households"][1] == round(151 / 3.5)
    assert not v["synthetic"].any() and (v["location_precision"] == "planner file").all()
    assert not v["population_synthetic"].any()  # the planner file's own people
    assert (v["commune"] != "").all() and (v["grid_distance_km"] > 0).all()
    s4 = res.site_layer.sites_4g
    assert (
        min_margin_m(
            v["x_m"].to_numpy(),
            v["y_m"].to_numpy(),
            s4["x_m"].to_numpy(),
            s4["y_m"].to_numpy(),
            s4["radius_m"].to_numpy(),
        )
        > 0
    )
    # the same villages as GeoJSON Point features
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(a), float(b)]},
            "properties": {"name": n, "gso34": g, "population": int(p)},
        }
        for _, n, a, b, g, p, _, _ in (ln.split(",") for ln in good_lines[1:])
    ]
    gj = tmp_path / "villages.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    res2 = build_village_layer(country, cells, layer, PARAMS.model_copy(update={"file": str(gj)}))
    assert res2.villages["village_id"].to_list() == ["P001", "P002", "P003"]
    assert np.allclose(res2.villages["x_m"].to_numpy(), v["x_m"].to_numpy())


@pytest.mark.parametrize(
    "edit, field, allowed",
    [
        (lambda ls: [ls[0].replace(",population", ",pop")] + ls[1:], "header", "population"),
        (
            lambda ls: ls[:1] + [ls[1].replace(ls[1].split(",")[2], "abc", 1)] + ls[2:],
            "row 2, column lon",
            "a number",
        ),
        (
            lambda ls: ls[:2] + [",".join(ls[2].split(",")[:5] + ["0"] + ls[2].split(",")[6:])] + ls[3:],
            "row 3, column population",
            "at least 1",
        ),
        (
            lambda ls: ls[:1] + [ls[1].replace(ls[1].split(",")[3], "35.0", 1)] + ls[2:],
            "row 2, column lat",
            "Vietnam",
        ),
        (
            lambda ls: ls[:1] + [ls[1].replace(ls[1].split(",")[2], "95.0", 1)] + ls[2:],
            "row 2, column lon",
            "Vietnam",
        ),
        (lambda ls: ls + ["V9,Hà Nội village,105.85,21.03,79,200,,"], "row 5, column gso34", "01 (Hà Nội)"),
        (lambda ls: ls + ["V9,x,105.85,21.03,99,200,,"], "row 5, column gso34", "2-digit province code"),
        (lambda ls: ls + [ls[1]], "row 5, column village_id", "unique id"),
    ],
    ids=[
        "missing-column",
        "non-numeric",
        "population-0",
        "lat-outside",
        "lon-outside",
        "other-province",
        "unknown-province",
        "duplicate-id",
    ],
)
def test_bad_village_files(base, good_lines, tmp_path, edit, field, allowed):
    country = base[0]
    p = write(tmp_path, edit(list(good_lines)))
    with pytest.raises(DxsimInputError) as ei:
        read_village_file(p, country)
    msg = ei.value.one_line()
    assert str(p) in msg and field in msg and allowed in msg, msg
    assert "\n" not in msg


def test_missing_village_file(base, tmp_path):
    country, cells, layer = base
    with pytest.raises(DxsimInputError, match="village file not found"):
        read_village_file(tmp_path / "nope.csv")
    with pytest.raises(DxsimInputError, match="nope.csv"):
        build_village_layer(
            country, cells, layer, PARAMS.model_copy(update={"file": "nope.csv"}), scenario_dir=tmp_path
        )


def test_border_tolerance(base, tmp_path):
    """A point within 2 km of its stated province passes; the same point with a far province fails."""
    from scipy.spatial import cKDTree

    country = base[0]
    c = country.cells.filter(pl.col("gso34").is_in(["01", "24"]))
    xy = c.select("x_m", "y_m").to_numpy()
    g = c["gso34"].to_numpy()
    a = np.flatnonzero(g == "01")
    d, j = cKDTree(xy[g == "24"]).query(xy[a])
    i = a[np.argmin(d)]  # a Hà Nội cell next to Bắc Ninh
    lon, lat = c["lon"][int(i)], c["lat"][int(i)]
    ok = write(tmp_path, [HEADER, f"B1,b,{lon:.6f},{lat:.6f},24,100,,"], "border.csv")
    assert read_village_file(ok, country)["gso34"].to_list() == ["24"]
    bad = write(tmp_path, [HEADER, f"B1,b,{lon:.6f},{lat:.6f},96,100,,"], "far.csv")
    with pytest.raises(DxsimInputError, match="row 2, column gso34"):
        read_village_file(bad, country)


def test_planner_sites_are_not_carved(base, built, tmp_path):
    """With a planner's site file, a village without signal inside a site's disc is an input error naming both; a
    village with a patchy signal may stand there."""
    country, cells, layer = base
    # every site the planner's (a site file's rows are flagged so, row by row: sites.file_replaces = "provinces"
    # leaves synthetic ones beside them)
    mine = pl.lit(False).alias("synthetic")
    planner = dataclasses.replace(
        layer,
        synthetic=False,
        params={"file": "my_sites.csv"},
        sites_4g=layer.sites_4g.with_columns(mine),
        plan_5g=layer.plan_5g.with_columns(mine),
    )
    s = layer.sites_4g.filter((pl.col("role") == "coverage") & (pl.col("cell_id") >= 0)).row(0, named=True)
    gso = country.province_codes[int(s["province_idx"])]
    p = write(tmp_path, [HEADER, f"X1,Bản X,{s['lon']:.6f},{s['lat']:.6f},{gso},120,,"], "x.csv")
    with pytest.raises(DxsimInputError) as ei:
        build_village_layer(country, cells, planner, PARAMS.model_copy(update={"file": str(p)}))
    msg = ei.value.one_line()
    assert (
        "my_sites.csv" in msg
        and "Bản X" in msg
        and f"within the coverage radius of the 4G site at {s['lon']:.5f},{s['lat']:.5f}" in msg
        and "(allowed: a village without coverage" in msg
    )
    set_language(
        "vi"
    )  # in the run's language (it was English under --lang vi; planner-data trial, 2026-12-07)
    try:
        with pytest.raises(DxsimInputError) as ei:
            build_village_layer(country, cells, planner, PARAMS.model_copy(update={"file": str(p)}))
        assert "nằm trong bán kính phủ sóng của trạm 4G" in ei.value.one_line(), ei.value.one_line()
    finally:
        set_language(None)
    # a patchy village may stand inside a mast's radius (the mast reaches it in part): it was refused, and so was every
    # such village of a planner's real files (planner-data trial)
    patchy = write(
        tmp_path, [HEADER + ",signal", f"X1,Bản X,{s['lon']:.6f},{s['lat']:.6f},{gso},120,,,patchy"], "p.csv"
    )
    res = build_village_layer(country, cells, planner, PARAMS.model_copy(update={"file": str(patchy)}))
    assert res.site_layer is planner and res.villages["signal_status"].to_list() == ["patchy"]
    # the default (named + synthetic) layer avoids a planner's sites where it can, else names the conflict
    try:
        res = build_village_layer(country, cells, planner, PARAMS)
    except DxsimInputError as exc:
        assert (
            "within the coverage radius of the" in exc.one_line()
            or "outside the coverage of the planner's sites" in exc.one_line()
        )
    else:
        assert res.site_layer is planner and res.report["sites_4g_removed"] == 0


def test_scenario_resolves_the_village_file(tmp_path, good_lines):
    sub = tmp_path / "data"
    sub.mkdir()
    write(sub, good_lines)
    (tmp_path / "s.toml").write_text(
        'name = "v"\n[villages.layer]\nfile = "data/villages.csv"\n', encoding="utf-8"
    )
    sc = load_scenario(tmp_path / "s.toml")
    assert Path(sc.villages.layer.file) == Path("data/villages.csv")
    (tmp_path / "bad.toml").write_text('name = "v"\n[villages.layer]\nfile = "nope.csv"\n', encoding="utf-8")
    with pytest.raises(DxsimInputError) as ei:
        load_scenario(tmp_path / "bad.toml")
    msg = ei.value.one_line()
    assert "villages.layer.file" in msg and "village file not found" in msg


@pytest.mark.parametrize(
    ("cut", "said"),
    [
        (
            lambda text: text.split("\n", 1)[0][:150] + "\n",
            "has a header and no rows",
        ),  # `head -c 150`, newline kept
        (lambda text: text.split("\n", 1)[0][:150], "has a header and no rows"),
        (
            lambda text: text[: text.index("\n", text.index("\n") + 1) + 12],
            "ends in a line of",
        ),  # a row cut short
    ],
    ids=["header-only", "cut-header", "cut-row"],
)
def test_a_truncated_raw_csv_is_refused_not_read_as_fewer_rows(tmp_path: Path, cut, said) -> None:
    """The 25 named villages cut to their header were read as none and replaced by synthetic villages, silently."""
    key = NAMED_KEY
    rel = raw.RAW_FILES[key].path
    src = raw.require(key)
    text = src.read_text(encoding="utf-8")
    (tmp_path / rel).parent.mkdir(parents=True)
    (tmp_path / rel).write_text(text, encoding="utf-8")
    assert raw.read_csv(key, tmp_path, required=["village"]).height == 25  # the intact copy reads
    (tmp_path / rel).write_text(cut(text), encoding="utf-8")
    with pytest.raises(raw.RawDataError, match=said) as e:
        raw.read_csv(key, tmp_path, required=["village"])
    assert str(tmp_path / rel) in str(e.value) and "truncated" in str(e.value)


def _pick_spaced_by_striking(
    rng: np.random.Generator,
    w: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    placed_xy: np.ndarray,
    spacing_m: float,
    n: int,
) -> np.ndarray:
    """The spaced draw as first written (the reference): after each pick, strike every candidate near it."""
    u = rng.random(w.size)
    with np.errstate(divide="ignore"):
        keys = np.where(w > 0, np.log(np.maximum(u, 1e-300)) / np.where(w > 0, w, 1.0), -np.inf)
    order = np.argsort(-keys, kind="stable")
    alive = w[order] > 0
    ox, oy = px[order], py[order]
    if placed_xy.size and spacing_m > 0:
        for qx, qy in placed_xy:
            alive &= np.hypot(ox - qx, oy - qy) >= spacing_m
    picks: list[int] = []
    for _ in range(n):
        if not alive.any():
            break
        j = int(np.argmax(alive))
        picks.append(j)
        alive[j] = False
        if spacing_m > 0:
            alive &= np.hypot(ox - ox[j], oy - oy[j]) >= spacing_m
    return order[np.asarray(picks, dtype=np.int64)]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 400),
    st.integers(0, 30),
    st.sampled_from([0.0, 500.0, 2000.0, 6000.0]),
    st.integers(0, 120),
)
def test_the_spaced_draw_equals_striking_near_candidates_after_each_pick(
    seed: int, n_candidates: int, n_placed: int, spacing_m: float, n: int
) -> None:
    """The compiled walk (`_pick_spaced`) picks the same villages, in the same order, as the reference that strikes
    every candidate near each pick from the whole list, on random candidates (some of weight 0, some at the same
    point) and placed villages in a 50 km square."""
    gen = np.random.default_rng(seed)
    px = np.round(gen.uniform(0, 50_000, n_candidates), -2)  # rounded: ties and exact spacings occur
    py = np.round(gen.uniform(0, 50_000, n_candidates), -2)
    w = np.where(gen.random(n_candidates) < 0.2, 0.0, gen.uniform(0.1, 5.0, n_candidates))
    placed = np.round(gen.uniform(0, 50_000, (n_placed, 2)), -2)
    got = _pick_spaced(np.random.default_rng(seed), w, px, py, placed, spacing_m, n)
    want = _pick_spaced_by_striking(np.random.default_rng(seed), w, px, py, placed, spacing_m, n)
    assert got.tolist() == want.tolist()
    assert len(got) <= n and all(w[got] > 0)


def test_a_semicolon_village_file_s_bad_value_is_quoted_as_written(tmp_path):
    """A vi-VN spreadsheet's village file is read with decimal commas; a refused value is quoted as the planner wrote
    it: a population of 1.200,5 (a fraction of a person) was said as '1200.5'."""
    lines = [
        HEADER.replace(",", ";"),
        "D1;Bản A;103,02;21,38;11;1.200;;",
        "D2;Bản B;103,05;21,40;11;1.200,5;;",
    ]
    with pytest.raises(DxsimInputError) as ei:
        read_village_file(write(tmp_path, lines, "v.csv"))
    msg = ei.value.one_line()
    assert "row 3, column population = '1.200,5'" in msg and "1200.5" not in msg
    ok = read_village_file(write(tmp_path, lines[:2], "ok.csv"))
    assert ok["population"].to_list() == [1200] and ok["lon"].to_list() == [103.02]
