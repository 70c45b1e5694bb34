"""The data-centre table: the fleet in service at the start and every project row (docs/compute_contract.md).

End-2024, Viet Nam had 45 data centres (32 commercial, 13 internal) with 182 MW and 27,370 racks
(MoST report, seed 000:67). No open list of them exists, so the table is:

Sourced sites (raw `infra/vn_data_centres_sample.csv`, 10 rows, source URL per row)
    Completed by the fact table ``geodata/dc_sites.csv`` (one row per raw row: dc_id, province,
    status, opening date, the MW or racks the raw row lacks, the rack-density class used to fill
    the other, cooling class, and the basis of every assumption). Fill rule: IT MW = racks x
    ``kw_per_rack[kw_class]`` / 1000, racks = IT MW x 1000 / ``kw_per_rack[kw_class]`` (rounded).
    Raw values win over the fact table. National Data Centre No. 1 (~1,300 racks, no MW published,
    seed 000:118) gets 1,300 x 6.65 kW = 8.6 MW (national average; an assumption). The raw "FPT
    HCMC data center (2020 build)" is taken to be FPT Fornix HCM02 (same park, floor area and
    racks; 24 MW, seed 000:120), opened in 2025. Sites opened in 2025 before the scenario start
    (NDC No. 1 on 2025-08-18, Fornix HCM02) are in service at the start but not in the end-2024
    totals; ``opened`` keeps the date (:func:`fleet_totals`).

Synthetic sites (``synthetic=True``, source "dxsim.geo.datacentres (seeded)")
    As many as needed to reach exactly 45 sites, 182 MW IT and 27,370 racks in service on
    2024-12-31 (``geodata/dc_fleet_facts.csv``). By operator: Viettel's fleet was 87 MW / 11,500
    racks in 15 DCs (2024-04 / 2025-04), so 14 synthetic Viettel sites carry 87 - 30 = 57 MW and
    11,500 - 2,500 = 9,000 racks (Hòa Lạc is sourced); VNPT had 8 IDCs, CMC 3, FPT 2 besides the
    new HCMC one; the remaining commercial sites are "other commercial" and 13 are internal (bank /
    government) data centres. The non-Viettel synthetic sites share what is left of 182 MW and
    27,370 racks in proportion to seeded log-normal weights (sigma 0.8; internal sites half
    weight); racks are rounded by largest remainder so the totals are exact. Areas: the synthetic
    sites are spread by count so that all 45 match ``synthetic_area_weights`` (MIC 2023: 35%
    north, 46% south, 19% central; the south split HCMC 36 / Bình Dương 10), net of the sourced
    sites; every Viettel area (Hà Nội, Đà Nẵng, HCMC, Bình Dương) gets at least one Viettel site.
    Each site sits at the centroid of a seeded urban ward (``ward_type == "Phường"``) of its area:
    Hà Nội (gso34 01), pre-2025 HCMC (gso34 79, ward codes 26734-27682), Bình Dương (79, ward
    codes 25741-25990), pre-2025 Đà Nẵng (48, ward codes 20194-20332). Cooling: legacy air.
    Opening date: 2024-12-31 (in service by end-2024; the real date is unknown).

Project rows (``geodata/dc_projects.csv`` via :func:`projects`, plus ``extra_projects``)
    One row per project (phases summed in ``it_mw_design``/``racks_design``), with 0 MW in
    service at the start so the DC model can commission phases into the shared fleet. Projects of
    the raw sample keep its row and location; others are placed at their ``lon/lat``, their
    ``ward_code``, or a seeded urban ward of their ``area`` (sites not published: an assumption,
    said in ``location_precision``). A state row (``STATE-PUBLIC``) receives the phases bought by
    ``public_investment_vnd_bn``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError, RawDataError
from dxsim.i18n import gettext as _
from dxsim.geo import raw
from dxsim.geo.country import Country, load_country
from dxsim.paths import fact_table
from dxsim.rng import stream
from dxsim.rounding import largest_remainder
from dxsim.scenario.constants import item_field
from dxsim.scenario.sections.compute_dc import DataCentres

SAMPLE_KEY = "data_centres_sample"
SITE_FACTS = fact_table("dc_sites.csv")
FLEET_FACTS = fact_table("dc_fleet_facts.csv")
PROJECTS_FILE = fact_table("dc_projects.csv")
REGIONS_FILE = fact_table("province_regions.csv")
SYNTHETIC_SOURCE = "dxsim.geo.datacentres (seeded)"
STATE_DC_ID = "STATE-PUBLIC"
SYNTHETIC_ID_PREFIX = "SYN-"  # the synthetic data centres' ids: SYN-01, SYN-02, ...
CALIBRATION_DATE = dt.date(2024, 12, 31)  # the end-2024 fleet (seed 000:67)
DEFAULT_START = dt.date(2025, 10, 31)

# Column -> dtype of the data-centre table (docs/compute_contract.md + a few extras at the end).
COLUMNS: dict[str, Any] = {
    "dc_id": pl.Utf8,
    "name": pl.Utf8,
    "operator": pl.Utf8,
    "gso34": pl.Utf8,
    "province": pl.Utf8,
    "lon": pl.Float64,
    "lat": pl.Float64,
    "status": pl.Utf8,
    "it_mw_design": pl.Float64,
    "racks_design": pl.Float64,
    "cooling": pl.Utf8,
    "pue": pl.Float64,
    "start_it_mw": pl.Float64,
    "start_racks": pl.Float64,
    "opened": pl.Date,
    "synthetic": pl.Boolean,
    "source": pl.Utf8,
    # extras
    "region3": pl.Utf8,
    "kind": pl.Utf8,
    "area": pl.Utf8,
    "ward_code": pl.Utf8,
    "location_precision": pl.Utf8,
}
PROJECT_COLUMNS: dict[str, Any] = {
    "project_id": pl.Utf8,
    "name": pl.Utf8,
    "operator": pl.Utf8,
    "gso34": pl.Utf8,
    "region3": pl.Utf8,
    "site": pl.Utf8,
    "status": pl.Utf8,
    "phase": pl.Int64,
    "it_mw": pl.Float64,
    "racks": pl.Float64,
    "target_date": pl.Date,
    "cooling": pl.Utf8,
    "area": pl.Utf8,
    "ward_code": pl.Utf8,
    "lon": pl.Float64,
    "lat": pl.Float64,
    "source": pl.Utf8,
    "note": pl.Utf8,
    "extra": pl.Boolean,
    "go_probability_pct": pl.Float64,  # a planner's own (extra_projects); null: the status's
}

# Areas where data centres are (gso34, inclusive ward-code range of the pre-2025 city or None).
AREAS: dict[str, tuple[str, tuple[int, int] | None]] = {
    "hanoi": ("01", None),
    "hcmc": ("79", (26734, 27682)),
    "binh_duong": ("79", (25741, 25990)),
    "da_nang": ("48", (20194, 20332)),
}
VIETTEL_AREAS = ("hanoi", "da_nang", "hcmc", "binh_duong")  # sggp.org.vn 2025-04-24
COOLING_RACK_CLASS = {"legacy_air": "standard", "modern_air": "high_density", "liquid": "ai"}
SIZE_SIGMA = 0.8  # log-normal spread of synthetic site sizes
INTERNAL_WEIGHT = 0.5  # internal (in-house) DCs are smaller than commercial ones (assumption)
SAMPLE_REQUIRED = [
    "name",
    "operator",
    "site",
    "status",
    "capacity_mw",
    "racks",
    "source",
    "lat",
    "lon",
    "location_precision",
]


# --------------------------------------------------------------------------- small fact tables


def _read_fact_csv(path: Path, required: list[str]) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise RawDataError(f"fact table {path} is unreadable ({exc})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise RawDataError(f"fact table {path} lacks column(s) {missing}")
    return df


@lru_cache(maxsize=1)
def province_regions() -> dict[str, str]:
    """gso34 -> operator region (north/central/south), from geodata/province_regions.csv."""
    df = _read_fact_csv(REGIONS_FILE, ["gso34", "region3"])
    return dict(zip(df["gso34"].to_list(), df["region3"].to_list(), strict=True))


@lru_cache(maxsize=1)
def fleet_facts() -> dict[str, float]:
    """The national and operator fleet facts (geodata/dc_fleet_facts.csv), key -> value."""
    df = _read_fact_csv(FLEET_FACTS, ["key", "value", "source"])
    return {k: float(v) for k, v in zip(df["key"].to_list(), df["value"].to_list(), strict=True)}


def _f(v: Any) -> float | None:
    if v is None:
        return None
    s = str(v).strip()
    return float(s) if s else None


def _date(v: Any) -> dt.date | None:
    s = str(v).strip() if v is not None else ""
    return dt.date.fromisoformat(s) if s else None


# --------------------------------------------------------------------------- projects


def projects(params: DataCentres) -> pl.DataFrame:
    """Announced / under-construction projects, one row per phase (geodata/dc_projects.csv + extra_projects).

    ``exclude_projects`` are dropped; racks left blank are filled as it_mw x 1000 / kW per rack of
    the cooling class's rack class (modern air -> high density, liquid -> AI).
    """
    df = _read_fact_csv(
        PROJECTS_FILE, [c for c in PROJECT_COLUMNS if c not in ("region3", "extra", "go_probability_pct")]
    )
    regions = province_regions()
    rows: list[dict[str, Any]] = []
    for r in df.iter_rows(named=True):
        rows.append(
            {
                "project_id": r["project_id"],
                "name": r["name"],
                "operator": r["operator"],
                "gso34": r["gso34"],
                "site": r["site"],
                "status": r["status"],
                "phase": int(r["phase"]),
                "it_mw": _f(r["it_mw"]),
                "racks": _f(r["racks"]),
                "target_date": _date(r["target_date"]),
                "cooling": r["cooling"],
                "area": r["area"] or "",
                "ward_code": r["ward_code"] or "",
                "lon": _f(r["lon"]),
                "lat": _f(r["lat"]),
                "source": r["source"],
                "note": r["note"] or "",
                "extra": False,
                "go_probability_pct": None,
            }
        )
    known = {r["project_id"] for r in rows}
    # an existing data centre's id: the project took its row over, the 30 MW Viettel IDC Hòa Lạc became a 5 MW
    # announcement and the project vanished, without a word (planner-data trial, 2026-12-07)
    existing = set(_read_fact_csv(SITE_FACTS, ["dc_id"])["dc_id"].to_list())
    for k, p in enumerate(params.extra_projects):
        where = item_field("compute.datacentres.extra_projects", k) + ".project_id"
        if p.project_id.upper().startswith(SYNTHETIC_ID_PREFIX):
            # a synthetic data centre's id: datacentres.parquet held two rows of SYN-05 (data-centre trial)
            raise DxsimInputError(
                _("project_id starts with {prefix}, the ids dxsim gives its synthetic data centres").format(
                    prefix=SYNTHETIC_ID_PREFIX
                ),
                field=where,
                value=p.project_id,
                allowed=_("a project_id that does not start with {prefix}").format(
                    prefix=SYNTHETIC_ID_PREFIX
                ),
            )
        if p.project_id in existing:
            raise DxsimInputError(
                _("project_id is an existing data centre's dc_id in geodata/{file}").format(
                    file=SITE_FACTS.name
                ),
                field=where,
                value=p.project_id,
                allowed=_("a new project_id (an existing data centre is not a project: its id is taken)"),
            )
        if p.project_id in known:
            raise DxsimInputError(
                _("project_id already exists in geodata/{file}").format(file=PROJECTS_FILE.name),
                field=where,
                value=p.project_id,
                allowed=_(
                    "a new project_id (to change a listed project, exclude it with exclude_projects and add it "
                    "under another id)"
                ),
            )
        for k, ph in enumerate(p.phases, start=1):
            rows.append(
                {
                    "project_id": p.project_id,
                    "name": p.name or p.project_id,
                    "operator": p.operator,
                    "gso34": p.gso34,
                    "site": "planner input",
                    "status": p.status,
                    "phase": k,
                    "it_mw": float(ph.it_mw),
                    "racks": None if ph.racks is None else float(ph.racks),
                    "target_date": ph.target_date,
                    "cooling": p.cooling,
                    "area": "",
                    "ward_code": "",
                    "lon": p.lon,
                    "lat": p.lat,
                    "source": "scenario extra_projects",
                    "note": "",
                    "extra": True,
                    "go_probability_pct": p.go_probability_pct,
                }
            )
    excluded = set(params.exclude_projects)
    ids = sorted({r["project_id"] for r in rows})
    unknown = sorted(excluded - set(ids))
    if unknown:
        raise DxsimInputError(
            "unknown project id",
            field="compute.datacentres.exclude_projects",
            value=", ".join(unknown),
            allowed=f"a project_id of geodata/{PROJECTS_FILE.name} or of extra_projects ({', '.join(ids[:6])}, ...)",
        )
    rows = [r for r in rows if r["project_id"] not in excluded]
    for r in rows:
        if r["it_mw"] is None or r["it_mw"] <= 0:
            raise RawDataError(
                f"{PROJECTS_FILE}: project {r['project_id']} phase {r['phase']} needs it_mw > 0"
            )
        if r["target_date"] is None:
            raise RawDataError(
                f"{PROJECTS_FILE}: project {r['project_id']} phase {r['phase']} needs a target_date"
            )
        if r["racks"] is None:
            kw = params.kw_per_rack.lookup(COOLING_RACK_CLASS[r["cooling"]])
            r["racks"] = float(round(r["it_mw"] * 1000.0 / kw))
        r["region3"] = regions[r["gso34"]]
    out = pl.DataFrame(rows, schema=PROJECT_COLUMNS) if rows else pl.DataFrame(schema=PROJECT_COLUMNS)
    return out.select(list(PROJECT_COLUMNS)).sort(["project_id", "phase"], maintain_order=True)


def project_mw_by_year(proj: pl.DataFrame) -> pl.DataFrame:
    """IT MW each year if every phase is commissioned on its target date (a reference, not a forecast)."""
    return (
        proj.with_columns(pl.col("target_date").dt.year().alias("year"))
        .group_by("year")
        .agg(pl.col("it_mw").sum(), pl.col("racks").sum())
        .sort("year")
    )


# --------------------------------------------------------------------------- placement


def area_wards(communes: pl.DataFrame, area: str) -> pl.DataFrame:
    """Urban wards (Phường) of an area; for a bare gso34 code, the province's wards."""
    if area in AREAS:
        code, rng = AREAS[area]
    else:
        code, rng = area, None
    w = communes.filter((pl.col("gso34") == code) & (pl.col("ward_type") == "Phường"))
    if rng is not None:
        n = w["ward_code"].cast(pl.Int64)
        w = w.filter((n >= rng[0]) & (n <= rng[1]))
    if w.height == 0:  # no urban ward: any commune of the province
        w = communes.filter(pl.col("gso34") == code)
    if w.height == 0:
        raise DxsimInputError(f"no commune found for area/province '{area}'")
    return w.sort("ward_code")


def _pick_ward(
    wards: pl.DataFrame, rng: np.random.Generator, taken: set[str] | None = None
) -> dict[str, Any]:
    codes = wards["ward_code"].to_list()
    free = [i for i, c in enumerate(codes) if taken is None or c not in taken] or list(range(len(codes)))
    i = free[int(rng.integers(len(free)))]
    row = wards.row(i, named=True)
    if taken is not None:
        taken.add(row["ward_code"])
    return row


# --------------------------------------------------------------------------- sourced sites


def _sourced_sites(raw_dir: Path | str | None, params: DataCentres) -> list[dict[str, Any]]:
    sample = raw.read_csv(
        SAMPLE_KEY, raw_dir, required=SAMPLE_REQUIRED, numeric=["capacity_mw", "racks", "lat", "lon"]
    )
    facts = _read_fact_csv(
        SITE_FACTS,
        [
            "raw_name",
            "dc_id",
            "gso34",
            "status",
            "opened",
            "it_mw",
            "racks",
            "kw_class",
            "cooling",
            "basis",
            "source",
        ],
    )
    by_name = {r["raw_name"]: r for r in facts.iter_rows(named=True)}
    missing = [n for n in sample["name"].to_list() if n not in by_name]
    if missing:
        raise RawDataError(
            f"raw file {SAMPLE_KEY} has site(s) {missing} without a row in {SITE_FACTS}; add them there"
        )
    rows = []
    for s in sample.iter_rows(named=True):
        f = by_name[s["name"]]
        kw = params.kw_per_rack.lookup(f["kw_class"])
        mw = s["capacity_mw"] if s["capacity_mw"] is not None else _f(f["it_mw"])
        racks = s["racks"] if s["racks"] is not None else _f(f["racks"])
        if mw is None and racks is not None:
            mw = racks * kw / 1000.0
        if racks is None and mw is not None:
            racks = float(round(mw * 1000.0 / kw))
        lon_fact, lat_fact = _f(f.get("lon")), _f(f.get("lat"))
        lon = lon_fact if lon_fact is not None else s["lon"]
        lat = lat_fact if lat_fact is not None else s["lat"]
        rows.append(
            {
                "dc_id": f["dc_id"],
                "name": f.get("name") or s["name"],
                "operator": s["operator"],
                "gso34": f["gso34"],
                "lon": float(lon),
                "lat": float(lat),
                "status": f["status"],
                "it_mw_design": float(mw or 0.0),
                "racks_design": float(racks or 0.0),
                "cooling": f["cooling"],
                "opened": _date(f["opened"]),
                "synthetic": False,
                "source": f"{s['source']} | {f['basis']}",
                "kind": "commercial"
                if f["status"] == "operational" and f["dc_id"] != "NDC1"
                else ("internal" if f["dc_id"] == "NDC1" else "project"),
                "area": "",
                "ward_code": "",
                "location_precision": f.get("location_precision") or s["location_precision"],
            }
        )
    return rows


# --------------------------------------------------------------------------- synthetic sites


def _synthetic_sites(
    sourced: list[dict[str, Any]], params: DataCentres, communes: pl.DataFrame, seed: int
) -> list[dict[str, Any]]:
    ff = fleet_facts()
    n_total, mw_total, racks_total = int(ff["dc_count_2024"]), ff["dc_it_mw_2024"], int(ff["dc_racks_2024"])
    n_commercial = int(ff["dc_commercial_2024"])
    in_2024 = [r for r in sourced if r["opened"] is not None and r["opened"] <= CALIBRATION_DATE]
    n_syn = n_total - len(in_2024)
    mw_left = mw_total - sum(r["it_mw_design"] for r in in_2024)
    racks_left = racks_total - int(round(sum(r["racks_design"] for r in in_2024)))

    def sourced_of(op: str) -> list[dict[str, Any]]:
        return [r for r in in_2024 if r["operator"].lower().startswith(op)]

    vt = sourced_of("viettel")
    vt_n = int(ff["viettel_sites_2024"]) - len(vt)
    vt_mw = ff["viettel_mw_2024"] - sum(r["it_mw_design"] for r in vt)
    vt_racks = int(ff["viettel_racks_2024"]) - int(round(sum(r["racks_design"] for r in vt)))
    groups = [
        ("Viettel", vt_n, "commercial"),
        ("VNPT", int(ff["vnpt_sites_2024"]) - len(sourced_of("vnpt")), "commercial"),
        ("CMC", int(ff["cmc_sites_2024"]) - len(sourced_of("cmc")), "commercial"),
        (
            "FPT",
            int(ff["fpt_sites_2024"]) - len([r for r in in_2024 if r["operator"].startswith("FPT")]),
            "commercial",
        ),
    ]
    n_named_commercial = sum(n for _, n, _ in groups) + len([r for r in in_2024 if r["kind"] == "commercial"])
    groups.append(
        ("other commercial (NTT, VNG, MobiFone, ...)", n_commercial - n_named_commercial, "commercial")
    )
    groups.append(
        (
            "internal (banks, ministries)",
            n_total - n_commercial - len([r for r in in_2024 if r["kind"] == "internal"]),
            "internal",
        )
    )
    if any(n < 0 for _, n, _ in groups) or sum(n for _, n, _ in groups) != n_syn:
        raise RawDataError(
            "data-centre fleet facts are inconsistent with the sourced sites (geodata/dc_fleet_facts.csv)"
        )
    other_mw = mw_left - vt_mw
    other_racks = racks_left - vt_racks
    if vt_mw <= 0 or other_mw <= 0 or vt_racks <= 0 or other_racks <= 0:
        raise DxsimInputError(
            f"sourced sites leave no capacity for the synthetic ones (Viettel {vt_mw:.1f} MW, others {other_mw:.1f} MW): "
            "kw_per_rack too high?",
            field="compute.datacentres.kw_per_rack",
        )

    rng = stream(seed, 0, "geo.datacentres.synthetic")
    operator = [g for g, n, _ in groups for _ in range(n)]
    kind = [k for _, n, k in groups for _ in range(n)]
    is_vt = np.array([o == "Viettel" for o in operator])
    # sizes: log-normal weights, Viettel and the rest each scaled to their totals
    w = np.exp(SIZE_SIGMA * rng.standard_normal(n_syn)) * np.where(
        np.array(kind) == "internal", INTERNAL_WEIGHT, 1.0
    )
    mw = np.zeros(n_syn)
    racks = np.zeros(n_syn, dtype=np.int64)
    for mask, tot_mw, tot_racks in ((is_vt, vt_mw, vt_racks), (~is_vt, other_mw, other_racks)):
        ww = w[mask]
        mw[mask] = tot_mw * ww / ww.sum()
        racks[mask] = largest_remainder(tot_racks, ww)
    # areas: count quotas over all 45, net of the sourced sites
    weights = params.synthetic_area_weights.as_dict()
    wsum = sum(weights.values())
    sourced_area = dict.fromkeys(AREAS, 0)
    for r in in_2024:
        sourced_area[_area_of(r, communes)] += 1
    need = np.array([max(weights[a] / wsum * n_total - sourced_area[a], 0.0) for a in AREAS])
    quota = dict(zip(AREAS, largest_remainder(n_syn, need).tolist(), strict=True))
    areas: list[str | None] = [None] * n_syn
    vt_idx = [i for i in range(n_syn) if is_vt[i]]
    for i, a in zip(vt_idx, [a for a in VIETTEL_AREAS if quota[a] > 0], strict=False):
        areas[i] = a
        quota[a] -= 1
    pool = [a for a in AREAS for _ in range(quota[a])]
    rng.shuffle(pool)
    it = iter(pool)
    area_of_site = [a if a is not None else next(it) for a in areas]
    taken: dict[str, set[str]] = {a: set() for a in AREAS}
    rows = []
    for i in range(n_syn):
        a = area_of_site[i]
        ward = _pick_ward(area_wards(communes, a), rng, taken[a])
        rows.append(
            {
                "dc_id": f"{SYNTHETIC_ID_PREFIX}{i + 1:02d}",
                "name": f"Synthetic DC {i + 1} ({operator[i]})",
                "operator": operator[i],
                "gso34": AREAS[a][0],
                "lon": float(ward["lon"]),
                "lat": float(ward["lat"]),
                "status": "operational",
                "it_mw_design": float(mw[i]),
                "racks_design": float(racks[i]),
                "cooling": "legacy_air",
                "opened": CALIBRATION_DATE,
                "synthetic": True,
                "source": SYNTHETIC_SOURCE,
                "kind": kind[i],
                "area": a,
                "ward_code": ward["ward_code"],
                "location_precision": f"seeded urban ward '{ward['ward']}' ({ward['ward_code']}) of {a} (synthetic)",
            }
        )
    return rows


def _area_of(row: dict[str, Any], communes: pl.DataFrame) -> str:
    """Area of a sourced site: its province, and for gso34 79 the nearer of HCMC / Bình Dương wards."""
    if row["gso34"] == "01":
        return "hanoi"
    if row["gso34"] == "48":
        return "da_nang"
    if row["gso34"] == "79":
        best, dmin = "hcmc", np.inf
        for a in ("hcmc", "binh_duong"):
            w = area_wards(communes, a)
            d = np.min((w["lon"].to_numpy() - row["lon"]) ** 2 + (w["lat"].to_numpy() - row["lat"]) ** 2)
            if d < dmin:
                best, dmin = a, d
        return best
    gso34: str = row["gso34"]
    return gso34


# --------------------------------------------------------------------------- the table


def state_design(params: DataCentres) -> tuple[float, float]:
    """(IT MW, racks) the state programme's `public_investment_vnd_bn` buys: its row's design size."""
    mw = sum(params.public_budget(y) for y in params.public_investment_vnd_bn) / max(
        params.capex_vnd_bn_per_mw(params.public_dc_cooling), 1e-9
    )
    kw = params.kw_per_rack.lookup(COOLING_RACK_CLASS[params.public_dc_cooling])
    return float(mw), float(round(mw * 1000.0 / kw))


def with_state_design(table: pl.DataFrame, params: DataCentres) -> pl.DataFrame:
    """The fleet table with the state row sized by `params` (the money is a simulation lever, not a world input)."""
    mw, racks = state_design(params)
    is_state = pl.col("dc_id") == STATE_DC_ID
    return table.with_columns(
        pl.when(is_state).then(pl.lit(mw)).otherwise(pl.col("it_mw_design")).alias("it_mw_design"),
        pl.when(is_state).then(pl.lit(racks)).otherwise(pl.col("racks_design")).alias("racks_design"),
    )


def start_fleet(
    raw_dir: Path | str | None,
    params: DataCentres,
    seed: int,
    *,
    start_date: dt.date = DEFAULT_START,
    country: Country | None = None,
) -> pl.DataFrame:
    """The data-centre table (one row per DC or project) with what is in service on `start_date`.

    `country` (a :class:`dxsim.geo.country.Country`) supplies the communes and province names; it
    is loaded from the cache when not given.
    """
    if country is None:
        country = load_country(Path(raw_dir) if raw_dir is not None else None)
    communes = country.communes
    names = dict(
        zip(country.provinces["gso34"].to_list(), country.provinces["name34"].to_list(), strict=True)
    )
    regions = province_regions()

    sourced = _sourced_sites(raw_dir, params)
    synthetic = _synthetic_sites(sourced, params, communes, seed)
    proj = projects(params)
    by_id = {r["dc_id"]: r for r in sourced}
    project_rows = []
    for pid, ph in proj.group_by("project_id", maintain_order=True):
        pid = pid[0]
        first = ph.row(0, named=True)
        design_mw, design_racks = float(ph["it_mw"].sum()), float(ph["racks"].sum())
        if (
            pid in by_id and first["extra"]
        ):  # `projects` refuses a planner's id of a data centre: never taken over
            raise DxsimInputError(
                _("project_id is an existing data centre's dc_id"),
                field="compute.datacentres.extra_projects",
                value=pid,
                allowed=_("a new project_id (an existing data centre is not a project: its id is taken)"),
            )
        if pid in by_id:  # a project of the raw sample: its row, the phases' totals
            r = by_id[pid]
            r["it_mw_design"], r["racks_design"] = design_mw, design_racks
            r["status"], r["cooling"] = first["status"], first["cooling"]
            continue
        prng = stream(seed, 0, f"geo.datacentres.place.{pid}")
        if first["lon"] is not None and first["lat"] is not None:
            lon, lat, ward_code = first["lon"], first["lat"], first["ward_code"]
            where = "coordinates given" if first["extra"] else f"site '{first['site']}'"
        elif first["ward_code"]:
            w = communes.filter(pl.col("ward_code") == first["ward_code"])
            if w.height == 0:
                raise RawDataError(f"{PROJECTS_FILE}: project {pid}: unknown ward_code {first['ward_code']}")
            lon, lat, ward_code = w["lon"][0], w["lat"][0], first["ward_code"]
            where = f"ward '{w['ward'][0]}' ({ward_code}) centroid"
        else:
            area = first["area"] or first["gso34"]
            ward = _pick_ward(area_wards(communes, area), prng)
            lon, lat, ward_code = ward["lon"], ward["lat"], ward["ward_code"]
            where = (
                f"seeded urban ward '{ward['ward']}' ({ward_code}) of {area}: site not published (assumption)"
            )
        project_rows.append(
            {
                "dc_id": pid,
                "name": first["name"],
                "operator": first["operator"],
                "gso34": first["gso34"],
                "lon": float(lon),
                "lat": float(lat),
                "status": first["status"],
                "it_mw_design": design_mw,
                "racks_design": design_racks,
                "cooling": first["cooling"],
                "opened": None,
                "synthetic": False,
                "source": first["source"],
                "kind": "project",
                "area": first["area"],
                "ward_code": ward_code,
                "location_precision": where,
            }
        )
    # the state programme's row (public_investment_vnd_bn)
    srng = stream(seed, 0, "geo.datacentres.place.state")
    code = params.public_dc_gso34
    if code == "01":
        lon, lat, ward_code, where = (
            105.514,
            21.0119,
            "09988",
            "Hòa Lạc (09988), beside National Data Centre No. 1",
        )
    else:
        ward = _pick_ward(area_wards(communes, code), srng)
        lon, lat, ward_code = ward["lon"], ward["lat"], ward["ward_code"]
        where = f"seeded urban ward '{ward['ward']}' ({ward_code})"
    public_mw, public_racks = state_design(params)
    state = [
        {
            "dc_id": STATE_DC_ID,
            "name": "State data-centre programme (public investment)",
            "operator": "State",
            "gso34": code,
            "lon": float(lon),
            "lat": float(lat),
            "status": "announced",
            "it_mw_design": public_mw,
            "racks_design": public_racks,
            "cooling": params.public_dc_cooling,
            "opened": None,
            "synthetic": False,
            "source": "scenario compute.datacentres.public_investment_vnd_bn",
            "kind": "state",
            "area": "",
            "ward_code": ward_code,
            "location_precision": where,
        }
    ]

    rows = sourced + synthetic + project_rows + state
    for r in rows:
        in_service = r["opened"] is not None and r["opened"] <= start_date and r["status"] == "operational"
        r["start_it_mw"] = r["it_mw_design"] if in_service else 0.0
        r["start_racks"] = r["racks_design"] if in_service else 0.0
        r["pue"] = params.pue_for(r["cooling"])
        r["province"] = names.get(r["gso34"], "")
        r["region3"] = regions[r["gso34"]]
        if not r["area"]:
            r["area"] = _area_of(r, communes) if r["gso34"] in ("01", "48", "79") else r["gso34"]
    return pl.DataFrame(rows, schema=COLUMNS).select(list(COLUMNS))


def fleet_totals(dc_table: pl.DataFrame, on: dt.date = CALIBRATION_DATE) -> dict[str, float]:
    """Sites, IT MW and racks in service on a date on or before the scenario start (by `opened`)."""
    t = dc_table.filter(
        pl.col("opened").is_not_null() & (pl.col("opened") <= on) & (pl.col("start_it_mw") > 0)
    )
    return {
        "sites": float(t.height),
        "it_mw": float(t["start_it_mw"].sum()),
        "racks": float(t["start_racks"].sum()),
    }
