"""Where fact tables, raw data, the build cache and outputs live.

Raw third-party geodata stays outside the repository; `DXSIM_RAW_DATA` points at it
(the Makefile sets it to ../shared/geodata). The compact cache is git-ignored.

dxsim runs from a source checkout (editable install, `make demo`) or as an installed
package (`pip install .`). The fact tables are the checkout's `geodata/*.csv` in the first
case and package data (`dxsim/_facts/`, mapped from `geodata/` by setup.py) in the second;
:func:`fact_table` is the one way the model finds them. Defaults that only make sense beside
a checkout (`../shared/geodata`, `geodata/cache`) fall back to per-user folders otherwise.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
from pathlib import Path

from dxsim.errors import DxsimInputError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
# The checkout's fact-table folder, for tests and tools that check the repository's files.
# The model reads fact tables through fact_table(), which also works for an installed package.
GEODATA_DIR = REPO_ROOT / "geodata"
# the resolved scenario a run writes into its folder (dxsim.scenario.resolved); here so the command line can read a
# run folder's language without loading the scenario layer
RESOLVED_NAME = "scenario.resolved.toml"
FACTS_SUBDIR = "_facts"  # package-data folder of the fact tables in a built wheel


def checkout_root() -> Path | None:
    """The source checkout dxsim is imported from, or None for an installed package."""
    if (REPO_ROOT / "pyproject.toml").is_file() and (GEODATA_DIR / "SOURCES.md").is_file():
        return REPO_ROOT
    return None


@functools.cache
def facts_dir() -> Path:
    """Folder holding the fact tables: the installed package's data, else the checkout's geodata/."""
    packaged = importlib.resources.files("dxsim") / FACTS_SUBDIR
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return GEODATA_DIR


def fact_table(name: str) -> Path:
    """Path of one fact table (e.g. "national_facts.csv"); callers report a missing file themselves."""
    return facts_dir() / name


def _xdg(var: str, fallback: tuple[str, ...]) -> Path:
    base = os.environ.get(var)
    return Path(base).expanduser() if base else Path.home().joinpath(*fallback)


def raw_data_dir() -> Path:
    """Raw geodata directory: $DXSIM_RAW_DATA; else ../shared/geodata beside a checkout;
    else (installed package) $XDG_DATA_HOME/dxsim/geodata, i.e. ~/.local/share/dxsim/geodata."""
    env = os.environ.get("DXSIM_RAW_DATA")
    if env:
        return Path(env).expanduser().resolve()
    root = checkout_root()
    if root is not None:
        return (root.parent / "shared" / "geodata").resolve()
    return (_xdg("XDG_DATA_HOME", (".local", "share")) / "dxsim" / "geodata").resolve()


def cache_dir() -> Path:
    """Build cache directory: $DXSIM_CACHE; else geodata/cache in a checkout; else (installed
    package, whose folder may be read-only) $XDG_CACHE_HOME/dxsim, i.e. ~/.cache/dxsim."""
    env = os.environ.get("DXSIM_CACHE")
    if env:
        path = Path(env).expanduser().resolve()
        if path.exists() and not path.is_dir():  # said here, not as "File exists" from a later mkdir (exit 1)
            raise DxsimInputError(
                "is not a folder",
                field="DXSIM_CACHE",
                value=env,
                allowed="a folder dxsim may create and write (or unset DXSIM_CACHE for the default)",
            )
        return path
    root = checkout_root()
    if root is not None:
        return root / "geodata" / "cache"
    return (_xdg("XDG_CACHE_HOME", (".cache",)) / "dxsim").resolve()
