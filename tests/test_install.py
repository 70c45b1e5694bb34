"""`pip install .` works without the checkout: a wheel built from the sources, installed into a fresh
folder, runs `dxsim` from a folder outside the repository with the fact tables it carries itself.

The wheel is built offline from a copy of the sources (pip builds in the source tree, and other
people may be editing this one), with the project's own setuptools (`--no-build-isolation`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

from dxsim.geo.raw import RAW_FILES
from dxsim.paths import GEODATA_DIR, cache_dir, facts_dir, raw_data_dir

REPO = Path(__file__).resolve().parent.parent
VERSION = re.search(r'__version__ = "([^"]+)"', (REPO / "dxsim" / "_version.py").read_text()).group(1)
FACT_FILES = sorted(p.name for p in (REPO / "geodata").iterdir() if p.suffix in (".csv", ".md"))


def _run(
    cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dxsim-<version>-py3-none-any.whl built from a copy of the checkout's sources."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "dxsim", src / "dxsim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "geodata", src / "geodata", ignore=shutil.ignore_patterns("cache"))
    # a stand-in geodata cache: it must stay out of the wheel
    (src / "geodata" / "cache" / "geo-0123456789abcdef").mkdir(parents=True)
    (src / "geodata" / "cache" / "geo-0123456789abcdef" / "cells.csv").write_text("x\n1\n")
    out = root / "dist"
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    r = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        cwd=root,
        env=env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    wheels = list(out.glob("dxsim-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The wheel installed into an empty folder; dependencies come from this venv."""
    root = tmp_path_factory.mktemp("installed")
    site = root / "site"
    r = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        cwd=root,
        env={**os.environ, "PIP_NO_INDEX": "1"},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    elsewhere = root / "elsewhere"  # the working folder: not the repository
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DXSIM_", "XDG_"))}
    env.update({"PYTHONPATH": str(site), "COLUMNS": "200", "NO_COLOR": "1"})
    return {"site": site, "cwd": elsewhere, "env": env, "dxsim": site / "bin" / "dxsim", "root": root}


def test_wheel_ships_fact_tables_and_every_package_but_not_the_cache(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for name in FACT_FILES:
            assert z.read(f"dxsim/_facts/{name}") == (REPO / "geodata" / name).read_bytes(), name
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = z.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "national_facts.csv" in FACT_FILES and "SOURCES.md" in FACT_FILES
    assert not [n for n in names if "cache" in n.split("/")[:-1] or n.startswith("geodata")]
    packages = {p.parent.relative_to(REPO).as_posix() for p in (REPO / "dxsim").rglob("__init__.py")}
    assert "dxsim/sim/compute" in packages
    for pkg in packages:
        assert f"{pkg}/__init__.py" in names, pkg
    assert re.search(rf"^Version: {re.escape(VERSION)}$", meta, re.M), meta[:300]
    assert "dxsim = dxsim.cli.main:console_main" in entry_points


def test_installed_package_runs_outside_the_checkout(installed: dict, tmp_path: Path) -> None:
    env = dict(installed["env"])
    cache = tmp_path / "cache"  # a copy of this checkout's cache: same raw files and fact tables, same digest
    built = sorted(cache_dir().glob("geo-*"))
    if built:
        shutil.copytree(built[-1], cache / built[-1].name)
    env.update({"DXSIM_RAW_DATA": str(raw_data_dir()), "DXSIM_CACHE": str(cache)})
    cwd = installed["cwd"]

    probe = _run(
        [
            sys.executable,
            "-c",
            "import json, dxsim, dxsim.paths as p; print(json.dumps("
            "[dxsim.__file__, str(p.facts_dir()), p.checkout_root() is None, dxsim.__version__]))",
        ],
        cwd=cwd,
        env=env,
    )
    assert probe.returncode == 0, probe.stderr
    file, facts, outside, version = json.loads(probe.stdout)
    assert Path(file).parent == installed["site"] / "dxsim"
    assert Path(facts) == installed["site"] / "dxsim" / "_facts" and outside
    # PEP 561: users' type checkers read the hints
    assert (installed["site"] / "dxsim" / "py.typed").is_file()
    assert version == VERSION

    r = _run([str(installed["dxsim"]), "--version"], cwd=cwd, env=env)
    assert r.returncode == 0 and r.stdout.strip() == f"dxsim {VERSION}", r.stdout + r.stderr

    r = _run(
        [str(installed["dxsim"]), "validate", str(REPO / "scenarios" / "baseline.toml")], cwd=cwd, env=env
    )
    assert r.returncode == 0, r.stderr
    assert "ok (baseline)" in r.stdout

    tiny = cwd / "tiny.toml"
    tiny.write_text(
        f'extends = "{(REPO / "scenarios" / "baseline.toml").as_posix()}"\nname = "tiny-install"\n'
        "replications = 1\n[horizon]\nend_date = 2026-01-31\n",
        encoding="utf-8",
    )
    r = _run(
        [str(installed["dxsim"]), "run", "tiny.toml", "--no-map", "--no-report", "--out", "out"],
        cwd=cwd,
        env=env,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    summary = json.loads((cwd / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == "tiny-install" and summary["dxsim_version"] == VERSION
    assert summary["horizon"]["end_date"] == "2026-01-31"
    dates = pl.read_parquet(cwd / "out" / "metrics.parquet")["date"]
    assert str(dates.max()) == "2026-01-31"
    if built:  # the packaged fact tables hash like the checkout's: the copied cache was reused, not rebuilt
        assert [p.name for p in cache.glob("geo-*")] == [built[-1].name]


def test_installed_package_defaults_to_user_folders_and_says_where_to_get_raw_data(installed: dict) -> None:
    env = dict(installed["env"])
    root = installed["root"]
    env.update({"XDG_CACHE_HOME": str(root / "xdg-cache"), "XDG_DATA_HOME": str(root / "xdg-data")})
    probe = _run(
        [sys.executable, "-c", "import dxsim.paths as p; print(p.raw_data_dir()); print(p.cache_dir())"],
        cwd=installed["cwd"],
        env=env,
    )
    assert probe.returncode == 0, probe.stderr
    raw, cache = probe.stdout.splitlines()
    assert Path(raw) == (root / "xdg-data" / "dxsim" / "geodata").resolve()
    assert Path(cache) == (root / "xdg-cache" / "dxsim").resolve()

    r = _run([str(installed["dxsim"]), "data"], cwd=installed["cwd"], env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "DXSIM_RAW_DATA" in r.stderr and raw in r.stderr
    for spec in RAW_FILES.values():  # each file with its licence and where to get it, URLs whole
        assert f"{spec.path}  [MISSING; " in r.stdout and spec.licence in r.stdout, spec.path
        assert spec.download and f"    {spec.download}\n" in r.stdout, spec.key
    layout = r.stdout.split("Folder layout:\n", 1)[1].splitlines()
    for spec in RAW_FILES.values():  # every file under its folder
        folder, name = spec.path.split("/")
        at = layout.index(f"  {folder}/")
        assert (
            f"    {name}"
            in layout[
                at + 1 : next(
                    (i for i in range(at + 1, len(layout)) if not layout[i].startswith("    ")), len(layout)
                )
            ]
        ), spec.path


def test_model_reads_fact_tables_through_one_function() -> None:
    # in the checkout (editable install) the fact tables are geodata/ itself
    assert facts_dir() == GEODATA_DIR
    offenders = [
        str(p.relative_to(REPO))
        for p in (REPO / "dxsim").rglob("*.py")
        if p.name != "paths.py" and "GEODATA_DIR" in p.read_text(encoding="utf-8")
    ]
    assert offenders == [], f"read fact tables with dxsim.paths.fact_table(), not GEODATA_DIR: {offenders}"
