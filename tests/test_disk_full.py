"""A full disk, whichever library meets it, is one line and leaves the previous output as it was.

From a trial on small tmpfs disks (2026-12-06): a run exited 0 with a GeoPackage of 1 of its 5 layers in place of a
good one; polars and GDAL said a full disk in their own words ("ComputeError: ... os error 28", "cannot rollback -
no transaction is active"), which reached the user as such; a full site-layer cache failed a run; a full TMPDIR left
XlsxWriter's temporary files behind. Each case is forced here where it happens, so the tests do not depend on a
disk of the right size.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import dxsim.results.gis as gis
import dxsim.results.writer as writer
from dxsim.errors import OutputError, says_disk_full
from dxsim.geo.sites import _write_cached_layer
from dxsim.results.excel import write_workbook
from dxsim.results.spool import LOCK, MetricsSpool

POLARS_FULL = "parquet: File out of specification: underlying IO error: No space left on device (os error 28)"
GDAL_ROLLBACK = "sqlite3_exec(ROLLBACK) failed: cannot rollback - no transaction is active"


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _compute_error(*_a: object, **_k: object) -> None:
    raise pl.exceptions.ComputeError(POLARS_FULL)


def test_the_libraries_words_for_a_full_disk_are_recognised() -> None:
    assert says_disk_full(pl.exceptions.ComputeError(POLARS_FULL))
    assert says_disk_full(OSError(28, "No space left on device"))
    assert says_disk_full(RuntimeError("database or disk is full"))
    assert not says_disk_full(RuntimeError(GDAL_ROLLBACK))  # said only by the free space: see below
    assert not says_disk_full(ValueError("os error 2"))


def test_a_geopackage_missing_a_layer_is_never_renamed_into_a_run(
    cli_baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GDAL, on a full disk, returned from writing `sites_5g` without an error and the next layer's write made a new
    file of `grid_5km` alone. The file written is read back before it may replace the run's."""
    run = tmp_path / "run"
    shutil.copytree(cli_baseline, run)
    before = _digests(run)
    write_layers = gis._write_layers

    def last_layer_only(layers: dict, path: Path, descriptions: dict[str, str]) -> None:  # type: ignore[type-arg]
        name = list(layers)[-1]
        write_layers({name: layers[name]}, path, descriptions)

    monkeypatch.setattr(gis, "_write_layers", last_layer_only)
    monkeypatch.setattr(writer, "_nearly_full", lambda _folder: False)
    with pytest.raises(OutputError) as e:
        gis.write_gis(run)
    line = str(e.value)
    assert "results.gpkg failed (the GeoPackage written holds layers grid_5km" in line and "\n" not in line
    assert "provinces" in line and "the previous output, if any, is intact" in line
    assert _digests(run) == before  # results.gpkg untouched, no temporary file left
    # on a (nearly) full disk the same is said as a full disk
    monkeypatch.setattr(writer, "_nearly_full", lambda _folder: True)
    with pytest.raises(OutputError, match=r"results\.gpkg failed \(no space left on device\)"):
        gis.write_gis(run)
    assert _digests(run) == before
    # the check itself passes the whole file
    monkeypatch.setattr(gis, "_write_layers", write_layers)
    gis.write_gis(run)
    layers = gis.gis_layers(run)
    gis.check_gpkg(run / gis.GPKG_NAME, {n: len(g) for n, g in layers.items()})
    with pytest.raises(OSError, match="not provinces 1"):
        gis.check_gpkg(run / gis.GPKG_NAME, {"provinces": 1})


def test_a_library_s_disk_full_error_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "t.parquet"
    target.write_bytes(b"previous")
    frame = pl.DataFrame({"a": [1, 2]})
    monkeypatch.setattr(pl.DataFrame, "write_parquet", _compute_error)
    with pytest.raises(OutputError) as e:
        writer.atomic_file(target, frame.write_parquet)
    assert str(e.value) == (
        f"writing {target} failed (no space left on device); the previous output, if any, is intact"
    )
    assert target.read_bytes() == b"previous" and sorted(os.listdir(tmp_path)) == ["t.parquet"]
    # a set of files (sweep): the same line, none of the set renamed in
    with pytest.raises(OutputError, match="no space left on device"):
        writer.atomic_files(
            tmp_path, {"a.csv": lambda p: p.write_text("x"), "b.parquet": frame.write_parquet}
        )
    assert sorted(os.listdir(tmp_path)) == ["t.parquet"]


def test_gdal_s_words_are_a_full_disk_when_the_disk_is_full_before_the_clean_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GDAL's "cannot rollback" names no full disk; the free space was looked at after the temporary GeoPackage was
    removed, when the disk had room again. It is now looked at before (the temporary file still exists)."""
    target = tmp_path / "results.gpkg"
    seen: list[bool] = []

    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half a database")
        raise RuntimeError(GDAL_ROLLBACK)

    def nearly_full(folder: Path) -> bool:
        seen.append(any(p.name.startswith(".results.gpkg.tmp-") for p in folder.iterdir()))
        return seen[-1]  # full while the temporary file holds the space

    monkeypatch.setattr(writer, "_nearly_full", nearly_full)
    with pytest.raises(OutputError, match="no space left on device"):
        writer.atomic_file(target, write)
    assert seen == [True] and not list(tmp_path.iterdir())
    # a bug is not called a full disk
    monkeypatch.setattr(writer, "_nearly_full", lambda _f: False)
    with pytest.raises(RuntimeError, match="cannot rollback"):
        writer.atomic_file(target, write)


def test_a_full_tmpdir_under_the_metrics_spool_names_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = MetricsSpool.create(tmp_path)
    monkeypatch.setattr(pl.DataFrame, "write_parquet", _compute_error)
    with pytest.raises(OutputError) as e:
        spool.write(0, pl.DataFrame({"a": [1]}))
    assert "set TMPDIR to a folder on a disk with room" in str(e.value) and str(spool.folder) in str(e.value)
    assert spool.parts() == [] and [p.name for p in spool.folder.iterdir()] == [
        LOCK
    ]  # no part, whole or half


def test_a_full_cache_disk_only_skips_the_site_layer_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full DXSIM_CACHE failed a run ("ComputeError: ... os error 28"): the cache is only ever a speed-up."""
    monkeypatch.setattr(pl.DataFrame, "write_parquet", _compute_error)
    df = pl.DataFrame({"a": np.arange(3)})
    _write_cached_layer(tmp_path / "layers", ((df, tmp_path / "layers" / "sites.parquet"),))
    assert list((tmp_path / "layers").iterdir()) == []
    monkeypatch.setattr(pl.DataFrame, "write_parquet", lambda *_a, **_k: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # a bug still surfaces
        _write_cached_layer(tmp_path / "layers", ((df, tmp_path / "layers" / "sites.parquet"),))


def test_the_workbook_needs_no_temporary_files(
    cli_baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XlsxWriter assembled the workbook from temporary files in TMPDIR, and a full TMPDIR left 6-7 of them behind.
    It now assembles it in memory: with no temporary file to be had, the workbook is still written."""
    run = tmp_path / "run"
    shutil.copytree(cli_baseline, run)

    def no_temporary_files(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    for name in ("mkstemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, no_temporary_files)
    (run / "results.xlsx").unlink()
    write_workbook(run)
    assert (run / "results.xlsx").read_bytes()[:2] == b"PK"
    assert (run / "results.xlsx").read_bytes() == (cli_baseline / "results.xlsx").read_bytes()


def test_a_full_cache_disk_under_the_geodata_build_names_dxsim_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty DXSIM_CACHE on a 5 MB disk failed with polars' "ComputeError: ... os error 28", naming neither the
    cache nor what to do; the build's temporary folder is removed."""
    from dxsim.geo.build import build_cache

    monkeypatch.setattr(pl.DataFrame, "write_parquet", _compute_error)
    with pytest.raises(OutputError) as e:
        build_cache(cache_dir=tmp_path / "cache")
    assert str(e.value) == (
        f"writing the geodata cache in {tmp_path / 'cache'} failed (no space left on device): free space there, "
        "or set DXSIM_CACHE to a folder on a disk with room"
    )
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_page_into_a_read_only_run_folder_names_the_folder_not_out(
    cli_baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dxsim map RUN` on a read-only RUN said "--out = 'RUN/map.html': cannot write there", though no --out was
    given (disk-full trial)."""
    import errno

    from dxsim.errors import DxsimInputError
    from dxsim.maps import build_map
    from dxsim.report import build_report

    run = tmp_path / "run"
    shutil.copytree(cli_baseline, run)

    def read_only(*_a: object, **_k: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(writer, "clean_debris", read_only)
    for build in (build_map, build_report):
        with pytest.raises(DxsimInputError) as e:
            build(run)
        assert e.value.one_line().startswith("result_dir = "), e.value.one_line()
        assert "cannot write there (Read-only file system)" in e.value.one_line()
        with pytest.raises(DxsimInputError) as e:
            build(run, out=tmp_path / "elsewhere.html")
        assert e.value.one_line().startswith("--out = ")


def test_gdal_s_rollback_words_with_too_little_room_for_the_layer_are_a_full_disk(
    cli_baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite rolls a layer's transaction back by itself on a full disk, which frees the pages again; GDAL then says
    only "cannot rollback - no transaction is active", and the writer's look found room (2 runs of 5 on a 20 MB
    disk). A layer that would not fit in the room left is a full disk; with room to spare the words stay GDAL's."""
    from collections import namedtuple

    import geopandas as gpd

    run = tmp_path / "run"
    shutil.copytree(cli_baseline, run)
    before = _digests(run)

    def rolled_back(self: object, *_a: object, **_k: object) -> None:
        raise RuntimeError(
            "Error while writing batch to OGR layer: sqlite3_exec(ROLLBACK) failed: " + GDAL_ROLLBACK
        )

    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", rolled_back)
    monkeypatch.setattr(writer, "_nearly_full", lambda _folder: False)  # the free space is back
    layers = gis.gis_layers(run)
    room = 2 * gis._layer_bytes(layers["provinces"])  # the first layer written
    monkeypatch.setattr(gis.shutil, "disk_usage", lambda _p: Usage(10**9, 10**9 - room + 1, room - 1))
    with pytest.raises(OutputError, match=r"results\.gpkg failed \(no space left on device\)"):
        gis.write_gis(run)
    monkeypatch.setattr(gis.shutil, "disk_usage", lambda _p: Usage(10**9, 10**9 - room, room))
    with pytest.raises(RuntimeError, match="cannot rollback"):
        gis.write_gis(run)
    assert _digests(run) == before
