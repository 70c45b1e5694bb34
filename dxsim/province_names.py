"""The 34 provinces' names, and a province's name as planners type it, folded to one key.

Why one module below the scenario layer: a scenario's own checks (a province survey's or a data-centre project's
gso34) and geo's (a campaign's villages, planner files, `--province`) read a name the same way. "Tuyen Quang" in a
survey's gso34 was told only "must be a 2-digit province code", where a campaign was told its code (new-user
trial, 2026-12-07). Pre-2025 names (Hà Giang) need the raw merger table: `dxsim.geo.country.Country` adds them.
"""

from __future__ import annotations

import csv
import functools
import unicodedata

from dxsim.paths import fact_table

_PREFIXES = ("thanhpho", "tinh", "tp.", "tp")  # "Thành phố", "Tỉnh", "TP." as planners write them
_SUFFIXES = ("city", "province")  # English: "Ho Chi Minh City", "Lao Cai Province"
# the short names planners write for Ho Chi Minh City (key -> the key of its name): "TP HCM", "TP.HCM", "HCMC", Sài Gòn
_ALIASES = {"hcm": "hochiminh", "hcmc": "hochiminh", "saigon": "hochiminh"}


def name_key(text: str) -> str:
    """A province name without diacritics, case, spaces, hyphens, an administrative prefix or an English suffix
    ("Tỉnh Điện Biên" -> "dienbien", "Ho Chi Minh City" and "TP HCM" -> "hochiminh"). Why the suffix and the short
    names: "Hanoi" was read and "Ho Chi Minh City", "TP HCM" and "HCMC" were refused (new-user trial, 2026-12-07)."""
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    key = "".join(ch for ch in bare if not unicodedata.combining(ch)).lower()
    key = "".join(ch for ch in key if ch.isalnum() or ch == ".")
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :].lstrip(".")
            break
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    return _ALIASES.get(key, key)


@functools.cache
def names34() -> dict[str, str]:
    """gso34 -> name34 of the 34 provinces, from the fact table `province_regions.csv`."""
    with fact_table("province_regions.csv").open(encoding="utf-8", newline="") as f:
        return {row["gso34"]: row["name34"] for row in csv.DictReader(f)}


def province_named(text: str) -> tuple[str, str] | None:
    """(gso34, name34) of the 2025 province `text` names (with or without diacritics, prefix or English suffix), or
    None when it names none of the 34."""
    key = name_key(text)
    return next(((code, name) for code, name in names34().items() if name_key(name) == key), None)
