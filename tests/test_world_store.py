"""The prepared-world store (dxsim.sim.world_store): identical replications, keys that change with every
input that shapes a world, and files that are rebuilt rather than trusted when anything is off."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from dxsim.geo import load_country
from dxsim.scenario import load_scenario
from dxsim.sim import world_store as ws
from dxsim.sim.model import run_replication

REPO = Path(__file__).resolve().parent.parent
SCEN = REPO / "scenarios"


@pytest.fixture(scope="module")
def country():  # type: ignore[no-untyped-def]
    return load_country()


@pytest.fixture(scope="module")
def baseline():  # type: ignore[no-untyped-def]
    return load_scenario(SCEN / "baseline.toml")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, country, baseline):  # type: ignore[no-untyped-def]
    """A private store holding the baseline's world: (folder, world as built, world as loaded back)."""
    folder = tmp_path_factory.mktemp("worlds")
    mp = pytest.MonkeyPatch()
    mp.setattr(ws, "store_dir", lambda: folder)
    built = ws.load_or_prepare_world(baseline, country, SCEN)
    assert not ws.LAST.hit and ws.LAST.written_bytes > 0
    loaded = ws.load_or_prepare_world(baseline, country, SCEN)
    assert ws.LAST.hit
    mp.undo()
    yield folder, built, loaded
    shutil.rmtree(
        folder
    )  # ~280 MB a world: not kept past this module (tmp_path_retention_policy keeps fixtures)


def test_cached_world_runs_identical_replications(store) -> None:  # type: ignore[no-untyped-def]
    folder, built, loaded = store
    assert [p.suffix for p in folder.iterdir()] == [".world"]  # one file, no temporary left behind
    for rep in (0, 1):
        a, b = run_replication(built, rep), run_replication(loaded, rep)
        assert a.metrics.equals(b.metrics)
        assert np.array_equal(a.on_air_day, b.on_air_day, equal_nan=True)
        assert np.array_equal(a.pop_covered_5g_cell_end, b.pop_covered_5g_cell_end)
    assert loaded.country is built.country  # the geodata is the process's own, not a copy in the file


def test_sim_only_sections_share_a_world_and_world_fields_do_not(baseline, country) -> None:  # type: ignore[no-untyped-def]
    key = ws.store_key(baseline, SCEN, country)
    more_crews = baseline.model_copy(update={"name": "x", "replications": 7})
    assert ws.store_key(more_crews, SCEN, country) == key
    radio = baseline.radio.model_copy(update={"coverage_subsamples_per_axis": 3})
    assert ws.store_key(baseline.model_copy(update={"radio": radio}), SCEN, country) != key
    sites = baseline.sites.model_copy(update={"synthetic_seed": baseline.sites.synthetic_seed + 1})
    assert ws.store_key(baseline.model_copy(update={"sites": sites}), SCEN, country) != key
    # the run's seed draws the replications only; each synthetic layer has its own (a run with --seed kept the
    # data-centre layer of the file's seed, and its scenario.resolved.toml, run again, drew another)
    assert ws.store_key(baseline.model_copy(update={"seed": baseline.seed + 1}), SCEN, country) == key
    dc = baseline.compute.datacentres.model_copy(update={"synthetic_seed": 7})
    compute = baseline.compute.model_copy(update={"datacentres": dc})
    assert ws.store_key(baseline.model_copy(update={"compute": compute}), SCEN, country) != key
    # the operators' subscriber shares say whose 5G a user may use: they shape the capacity world
    ops = dict(baseline.operators)
    name = next(iter(ops))
    ops[name] = ops[name].model_copy(update={"subscriber_share_pct": ops[name].subscriber_share_pct + 1})
    assert ws.store_key(baseline.model_copy(update={"operators": ops}), SCEN, country) != key
    # a 5G carrier's bandwidth or layers set the sites' capacities, which the world holds
    for field, value in (("nr_bandwidth_mhz", {"700": 20.0}), ("nr_mimo_layers", {"3500": 8})):
        cap = baseline.capacity.model_copy(update={field: value})
        assert ws.store_key(baseline.model_copy(update={"capacity": cap}), SCEN, country) != key


def test_state_dc_money_is_a_simulation_lever(store, baseline, country) -> None:  # type: ignore[no-untyped-def]
    """Public data-centre money shares the world (an optimiser varies it per candidate), and a world
    carried over to another amount runs exactly as one built for it, its state row sized anew."""
    from dxsim.sim.world import prepare_world

    _folder, built, _loaded = store
    dc = baseline.compute.datacentres
    money = {**dc.public_investment_vnd_bn, 2026: 9000.0, 2027: 4000.0}
    other = baseline.model_copy(
        update={
            "compute": baseline.compute.model_copy(
                update={"datacentres": dc.model_copy(update={"public_investment_vnd_bn": money})}
            )
        }
    )
    assert ws.store_key(other, SCEN, country) == ws.store_key(baseline, SCEN, country)
    fresh = prepare_world(other, country, scenario_dir=SCEN)
    carried = ws.with_scenario(built, other)
    assert carried.compute.dc_table.equals(fresh.compute.dc_table)
    assert not carried.compute.dc_table.equals(built.compute.dc_table)  # the state row did change
    a, b = run_replication(fresh, 0), run_replication(carried, 0)
    assert a.metrics.equals(b.metrics)


def test_capacity_demand_is_a_simulation_lever(store, baseline, country) -> None:  # type: ignore[no-untyped-def]
    """Demand and the served rate share the world (editing them used to rebuild it: ~9.5 s instead of ~3 s a
    run), the interference that sets the site capacities does not, and a world carried over to another demand
    runs exactly as one built for it."""
    from dxsim.scenario.sections.capacity import Capacity
    from dxsim.sim.world import prepare_world

    # every field is decided: it shapes the world (in the key) or only the replication (CAPACITY_SIM_ONLY)
    world_shaping = {"enabled", "neighbour_load_pct", "nr_bandwidth_mhz", "nr_mimo_layers"}  # site capacities
    assert set(Capacity.model_fields) == set(ws.CAPACITY_SIM_ONLY) | world_shaping
    key = ws.store_key(baseline, SCEN, country)
    cap = baseline.capacity
    other = baseline.model_copy(
        update={
            "capacity": cap.model_copy(
                update={
                    "served_rate_mbps": 40.0,
                    "traffic_gb_per_user_month": 25.0,
                    "device_5g_share_pct": 5.0,
                }
            )
        }
    )
    assert ws.store_key(other, SCEN, country) == key
    louder = cap.model_copy(update={"neighbour_load_pct": cap.neighbour_load_pct / 2})
    assert ws.store_key(baseline.model_copy(update={"capacity": louder}), SCEN, country) != key
    _folder, built, _loaded = store
    carried = ws.with_scenario(built, other)
    assert carried.capacity.params == other.capacity and built.capacity.params == cap
    fresh = prepare_world(other, country, scenario_dir=SCEN)
    a, b = run_replication(fresh, 0), run_replication(carried, 0)
    assert a.metrics.equals(b.metrics)
    assert not a.metrics.equals(run_replication(built, 0).metrics)  # the demand did change the run


def test_a_named_file_changes_the_key_by_its_contents(tmp_path: Path, baseline, country) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sites.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    sc = baseline.model_copy(update={"sites": baseline.sites.model_copy(update={"file": "sites.csv"})})
    k1 = ws.store_key(sc, tmp_path, country)
    (tmp_path / "sites.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    assert ws.store_key(sc, tmp_path, country) != k1
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "sites.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    assert ws.store_key(sc, moved, country) == ws.store_key(sc, tmp_path, country)  # contents, not the folder


def test_the_language_does_not_change_the_key(baseline, country) -> None:  # type: ignore[no-untyped-def]
    """One world for every language: a `--lang vi` run after an English one prepared and stored a second 0.3 GB
    world (~9 s), only because the villages' reasons were written in the language in use."""
    from dxsim.i18n import in_language

    with in_language("en"):
        en = ws.store_key(baseline, SCEN, country)
    with in_language("vi"):
        assert ws.store_key(baseline, SCEN, country) == en


def test_the_world_holds_the_villages_reasons_in_every_language(store) -> None:  # type: ignore[no-untyped-def]
    """The stored world gives each village's reason in the language asked for, as prepared under that language."""
    from dxsim.i18n import in_language
    from dxsim.sim.villages.options import choose_options, choose_signal_only, evaluate_options

    _, built, loaded = store
    vw = loaded.villages
    en, vi = vw.table_in("en"), vw.table_in("vi")
    assert "reason_vi" not in en.columns and "reason_vi" not in vi.columns
    assert en.drop("reason").equals(vi.drop("reason"))  # only the text differs
    assert en["reason"].equals(built.villages.table["reason"])
    # the Vietnamese reasons are those the option chooser writes under Vietnamese, village by village
    layer = vw.table.select(built.villages.table.columns[: vw.table.columns.index("rule")])
    sc = built.scenario
    with in_language("vi"):
        ev = evaluate_options(layer, sc.villages.options, sc.horizon.start_date)
        want = choose_signal_only(
            ev,
            choose_options(ev, sc.villages.options),
            layer.filter("has_grid_power")["village_id"].to_list(),
        )
    got = dict(zip(vi["village_id"].to_list(), vi["reason"].to_list(), strict=True))
    assert got == dict(zip(want["village_id"].to_list(), want["reason"].to_list(), strict=True))
    assert all(
        a != b for a, b in zip(en["reason"].to_list(), vi["reason"].to_list(), strict=True)
    )  # translated


def test_data_changes_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseline, country) -> None:  # type: ignore[no-untyped-def]
    key = ws.store_key(baseline, SCEN, country)
    # the geodata cache was built from other raw inputs
    other = dataclasses.replace(country, manifest={**country.manifest, "inputs_sha256": "0" * 64})
    assert ws.store_key(baseline, SCEN, other) != key
    # a raw file read outside the geodata cache changed (its size or time stamp)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dc.csv").write_text("x\n", encoding="utf-8")
    monkeypatch.setenv("DXSIM_RAW_DATA", str(raw))
    k_raw = ws.store_key(baseline, SCEN, country)
    (raw / "dc.csv").write_text("xy\n", encoding="utf-8")
    assert ws.store_key(baseline, SCEN, country) != k_raw
    # a fact table changed
    facts = tmp_path / "facts"
    facts.mkdir()
    for table in ws.facts_dir().glob(
        "*.csv"
    ):  # the tables alone: the checkout's geodata/ also holds the cache
        shutil.copy2(table, facts / table.name)
    monkeypatch.setattr(ws, "facts_dir", lambda: facts)
    k_facts = ws.store_key(baseline, SCEN, country)
    table = sorted(facts.glob("*.csv"))[0]
    table.write_text(table.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert ws.store_key(baseline, SCEN, country) != k_facts


def test_code_changes_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseline, country) -> None:  # type: ignore[no-untyped-def]
    pkg = tmp_path / "dxsim"
    shutil.copytree(ws.PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__", "_facts"))
    before = ws.source_digest(pkg)
    assert before == ws.code_fingerprint()  # the copy is the code this process runs
    mod = pkg / "sim" / "rollout.py"
    mod.write_text(mod.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    assert ws.source_digest(pkg) != before
    key = ws.store_key(baseline, SCEN, country)
    monkeypatch.setattr(ws, "code_fingerprint", lambda: ws.source_digest(pkg))
    assert ws.store_key(baseline, SCEN, country) != key


def _damaged(src: Path, dst: Path, how: str) -> Path:
    data = bytearray(src.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0x01  # one bit inside the arrays
    elif how == "truncate":
        data = data[: len(data) - 4096]
    elif how == "magic":
        data[:4] = b"NOPE"
    elif how == "empty":
        data = bytearray()
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("how", ["flip", "truncate", "magic", "empty"])
def test_a_damaged_file_is_refused(store, tmp_path: Path, how: str, country) -> None:  # type: ignore[no-untyped-def]
    folder, _, _ = store
    src = next(folder.glob("*.world"))
    with pytest.raises(ws.CorruptWorld):
        ws.read_world(_damaged(src, tmp_path / "x.world", how), country)


def test_a_damaged_store_entry_is_rebuilt_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store, baseline, country
) -> None:  # type: ignore[no-untyped-def]
    folder, built, _ = store
    src = next(folder.glob("*.world"))
    mine = tmp_path / "worlds"
    mine.mkdir()
    _damaged(src, mine / src.name, "flip")
    monkeypatch.setattr(ws, "store_dir", lambda: mine)
    said: list[str] = []
    world = ws.load_or_prepare_world(baseline, country, SCEN, progress=said.append)
    assert ws.LAST.rebuilt_corrupt and not ws.LAST.hit and ws.LAST.written_bytes > 0
    # the last line, the one a run's log keeps, says why it was built (it said "prepared world built (8.6 s)")
    assert (
        said[-1].startswith("prepared world rebuilt: the stored one was unusable, ")
        and "checksum" in said[-1]
    )
    assert ws.read_world(mine / src.name, country) is not None  # the rebuilt file is whole again
    assert run_replication(world, 0).metrics.equals(run_replication(built, 0).metrics)


def test_a_read_only_store_is_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store, baseline, country
) -> None:  # type: ignore[no-untyped-def]
    """A world already in a read-only store failed the run ("Read-only file system", exit 1): touching it for the
    LRU order raised, the world was called unusable, and unlinking it raised again. It is read, not touched."""
    folder, built, _ = store
    src = next(folder.glob("*.world"))
    mine = tmp_path / "worlds"
    mine.mkdir()
    shutil.copy2(src, mine / src.name)
    monkeypatch.setattr(ws, "store_dir", lambda: mine)

    def read_only(*_args: object, **_kw: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(ws.os, "utime", read_only)
    monkeypatch.setattr(ws.Path, "unlink", read_only)
    world = ws.load_or_prepare_world(baseline, country, SCEN)
    assert ws.LAST.hit and not ws.LAST.rebuilt_corrupt
    assert (mine / src.name).read_bytes() == src.read_bytes()
    assert run_replication(world, 0).metrics.equals(run_replication(built, 0).metrics)


def test_eviction_keeps_the_newest_and_only_touches_its_own_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k in range(4):
        p = tmp_path / f"{k}.world"
        p.write_bytes(b"x" * 1000)
        os.utime(p, (1000 + k, 1000 + k))
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    dead = tmp_path / ".9.world.tmp-999999999"  # a writer that was killed (no such process)
    dead.write_bytes(b"x")
    live = tmp_path / f".8.world.tmp-{os.getpid()}"  # a writer still running
    live.write_bytes(b"x")
    monkeypatch.setenv("DXSIM_WORLD_CACHE_MB", "0.0025")  # 2,500 bytes: two files fit
    removed = ws.evict(tmp_path)
    assert sorted(p.name for p in removed) == [".9.world.tmp-999999999", "0.world", "1.world"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["2.world", "3.world", "notes.txt", live.name]
    )


def test_a_stored_world_that_pushes_others_out_says_how_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseline
) -> None:  # type: ignore[no-untyped-def]
    """DXSIM_WORLD_CACHE_MB=0 kept only the newest world and removed the others without a word, so the next run of
    another scenario built its world again unexplained. The world line says what storing removed."""
    for k in range(2):
        (tmp_path / f"old{k}.world").write_bytes(b"x" * 1000)
    monkeypatch.setattr(ws, "store_dir", lambda: tmp_path)
    # whatever the host's free disk (below MIN_FREE_BYTES nothing is stored)
    monkeypatch.setattr(ws, "MIN_FREE_BYTES", 0)
    monkeypatch.setattr(ws, "store_key", lambda *_a: "new")
    monkeypatch.setattr(ws, "prepare_world", lambda *_a, **_k: "a world")
    monkeypatch.setattr(ws, "dump_world", lambda _w, path: path.write_bytes(b"y" * 10))
    monkeypatch.setenv("DXSIM_WORLD_CACHE_MB", "0")
    said: list[str] = []
    assert ws.load_or_prepare_world(baseline, None, SCEN, progress=said.append) == "a world"  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.world"]
    assert ws.LAST.evicted == 2
    assert "storing it removed 2 least recently used (DXSIM_WORLD_CACHE_MB = 0)" in said[-1]
    monkeypatch.setattr(
        ws, "store_key", lambda *_a: "newer"
    )  # the budget allows it: nothing removed, not said
    monkeypatch.setenv("DXSIM_WORLD_CACHE_MB", "1")
    ws.load_or_prepare_world(baseline, None, SCEN, progress=said.append)  # type: ignore[arg-type]
    assert ws.LAST.evicted == 0 and "removed" not in said[-1] and "none stored" in said[-1]


def test_store_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DXSIM_WORLD_CACHE", "0")
    assert ws.store_dir() is None
    assert "not stored" in ws.store_summary()
    monkeypatch.setenv("DXSIM_WORLD_CACHE", "1")
    assert ws.store_dir() is not None


def test_the_data_centre_layer_follows_its_own_seed_not_the_run_s(baseline, country) -> None:  # type: ignore[no-untyped-def]
    """A trial ran `--seed 1`, then its scenario.resolved.toml (seed = 1): 46 of 62 data-centre rows moved. The
    synthetic placement now draws from compute.datacentres.synthetic_seed, so the run's seed leaves it alone and
    its own seed moves it."""
    from dxsim.geo.datacentres import start_fleet
    from dxsim.sim.world import build_layers

    dc = baseline.compute.datacentres
    run_seed_1 = baseline.model_copy(update={"seed": 1})
    layer = build_layers(run_seed_1, country, SCEN, lambda _m: None).dc_table
    start = baseline.horizon.start_date
    assert layer.equals(start_fleet(None, dc, dc.synthetic_seed, start_date=start, country=country))
    assert not layer.equals(
        start_fleet(None, dc, 1, start_date=start, country=country)
    )  # the seed does move it


def test_a_world_that_cannot_be_stored_is_said_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store, baseline, country
) -> None:  # type: ignore[no-untyped-def]
    """The run's one line of preparing said "none stored for these inputs yet" though the world was not stored
    (a disk under the 2 GB dxsim keeps free, a read-only or full one), so every later run rebuilt it unexplained."""
    _, built, _ = store
    monkeypatch.setattr(ws, "store_dir", lambda: tmp_path / "worlds")
    monkeypatch.setattr(ws, "prepare_world", lambda *_a, **_k: built)
    monkeypatch.setattr(ws, "MIN_FREE_BYTES", 10**18)
    ws.load_or_prepare_world(baseline, country, SCEN)
    line = ws.world_line()
    assert not ws.LAST.hit and ws.LAST.written_bytes == 0 and not list((tmp_path / "worlds").iterdir())
    assert line.startswith("prepared world built, not stored (") and "GB free on the disk of" in line
    assert "the next run builds it again" in line
    monkeypatch.setattr(ws, "MIN_FREE_BYTES", 0)

    def full(*_a: object, **_k: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ws, "dump_world", full)
    ws.load_or_prepare_world(baseline, country, SCEN)
    assert f"not stored ({tmp_path / 'worlds'}: No space left on device)" in ws.world_line()
    monkeypatch.undo()
    ws.LAST.__init__()  # type: ignore[misc]
    assert "not stored" not in ws.world_line()
