"""Where raw data, the build cache and outputs live.

Raw third-party geodata stays outside the repository; `DXSIM_RAW_DATA` points at it
(the Makefile sets it to ../shared/geodata). The compact cache is git-ignored.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
GEODATA_DIR = REPO_ROOT / "geodata"


def raw_data_dir() -> Path:
    """Raw geodata directory: $DXSIM_RAW_DATA, else ../shared/geodata beside the checkout."""
    env = os.environ.get("DXSIM_RAW_DATA")
    if env:
        return Path(env).expanduser().resolve()
    return (REPO_ROOT.parent / "shared" / "geodata").resolve()


def cache_dir() -> Path:
    """Build cache directory: $DXSIM_CACHE, else geodata/cache in the checkout."""
    env = os.environ.get("DXSIM_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    return GEODATA_DIR / "cache"


def outputs_dir() -> Path:
    """Default parent directory for run outputs."""
    return REPO_ROOT / "outputs"
