"""The planner's own files a scenario names (sites, villages), checked as a run will read them.

Why one function: `dxsim validate` said "ok" to a village file whose point lay in another province, and a run of
two scenarios wrote the first one's folder before the second one's file was refused. `dxsim validate` and the
pre-flight of `dxsim run` both call this, so "ok" means the run accepts the files too.
"""

from __future__ import annotations

import difflib

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError, RawDataError
from dxsim.geo.build import name_ascii
from dxsim.geo.country import OUTLINE_TOLERANCE_KM, Country, load_country
from dxsim.geo.datacentres import projects, start_fleet
from dxsim.geo.projection import to_projected
from dxsim.geo.sites import ENV_NAMES
from dxsim.geo.site_file import (
    in_country,
    on_air_by,
    site_provinces,
    read_site_csv,
    separator_note,
    start_5g_stations,
)
from dxsim.geo.village_file import PRE_2025_CODE, merged_into, read_village_file
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.paths import raw_data_dir
from dxsim.radio.radii import radius_m
from dxsim.scenario.constants import item_field
from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.compute_dc import ProjectSpec
from dxsim.scenario.sections.operators import Support


class CountryOnce:
    """The country, loaded at the first call that needs it; None without a data cache (then the points are checked
    for their ranges only, and a run, which builds the cache, checks the rest)."""

    def __init__(self) -> None:
        self._country: Country | None = None
        self._tried = False

    def __call__(self) -> Country | None:
        if not self._tried:
            self._tried = True
            try:
                self._country = load_country(build_if_missing=False)
            except RawDataError:
                self._country = None
        return self._country


@dataclass
class PlannerFiles:
    """The planner's files a scenario names, as read and checked (None: the scenario names none)."""

    sites: pl.DataFrame | None = None
    villages: pl.DataFrame | None = None
    # a file read as a decimal-comma spreadsheet's (site_file.separator_note), said before a run
    separator_notes: list[str] = field(default_factory=list)


def check_planner_files(scenario: Scenario, scenario_path: Path, country: CountryOnce) -> PlannerFiles:
    """Read the site and village files `scenario` names (relative names start at its folder) with every check a
    run makes; every problem of every file in one DxsimInputError (the first, the rest in its `more`), so validate
    lists them all. Why: validate listed a site file's problems and said nothing of the village file's until they
    were fixed (provincial planner trial)."""

    def named(f: str) -> Path:
        return Path(f) if Path(f).is_absolute() else scenario_path.parent / f

    found: list[DxsimInputError] = []
    files = PlannerFiles()

    def attempt(check: Callable[[], object]) -> Any:
        try:
            return check()
        except DxsimInputError as e:
            e.file = e.file or str(scenario_path)
            found.append(e)
            return None

    if scenario.sites.file:
        site_file = named(scenario.sites.file)
        files.sites = attempt(
            lambda: read_site_csv(site_file, latest_on_air=scenario.horizon.end_date, country=country())
        )
        if files.sites is not None:
            files.separator_notes.append(separator_note("sites.file", site_file) or "")
    if scenario.villages is not None and scenario.villages.layer.file:
        village_file = named(scenario.villages.layer.file)
        tolerance = scenario.villages.layer.province_tolerance_km  # as the run checks it
        files.villages = attempt(lambda: read_village_file(village_file, country(), tolerance_km=tolerance))
        if files.villages is not None and village_file.suffix.lower() not in (".geojson", ".json"):
            files.separator_notes.append(separator_note("villages.layer.file", village_file) or "")
    files.separator_notes = [n for n in files.separator_notes if n]
    known = country() if any(p.provinces for p in scenario.supports) else None
    if known is not None:  # without a data cache the run checks them
        attempt(lambda: check_support_provinces(scenario.supports, known.province_codes, known))
    if scenario.compute.enabled:  # the project table a run builds: exclude_projects and extra_projects' ids
        attempt(lambda: _check_projects(scenario, scenario_path, country))
    if found:
        raise found[0].joined(found[1:])
    return files


NAMES_SHOWN = 6  # provinces named in a note, then "and N more"
# what a site file leaves unread (sites.file_replaces = "country"): start_state's station counts size the synthetic
# layer only
SITE_FILE_UNREAD = ("start_state.stations_4g", "start_state.stations_5g")


def _province_list(country: Country, codes: Sequence[str]) -> str:
    shown = ", ".join(f"{country.province_name(c)} ({c})" for c in codes[:NAMES_SHOWN])
    if len(codes) > NAMES_SHOWN:
        shown += ", " + _("and {n} more").format(n=len(codes) - NAMES_SHOWN)
    return shown


def _spread(country: Country, n: int, codes: Sequence[str]) -> dict[str, object]:
    """A note's {n} rows in {k} of the {total} provinces ({names})."""
    return {
        "n": n,
        "k": len(codes),
        "total": len(country.province_codes),
        "names": _province_list(country, codes),
    }


def planner_file_notes(scenario: Scenario, files: PlannerFiles, country: Country | None) -> list[str]:
    """What a planner's files replace, said before a run (notes, never errors).

    Why: a provincial planner's site file of 9 sites in two provinces replaced the whole country's site layer (4G
    coverage at the start 0.03%), and a village file replacing its provinces dropped Tuyên Quang's own survey of 273
    villages for the 1 village it listed there; `validate` said "ok" to both (provincial planner trial)."""
    notes = list(files.separator_notes)
    in_provinces = scenario.sites.file_replaces == "provinces"
    if files.sites is not None and not in_provinces:
        start = scenario.horizon.start_date
        n_file, n_set = start_5g_stations(files.sites, start), scenario.start_state.stations_5g
        if n_file != n_set:
            # why: a file of 10,000 start stations ran beside start_state's reported 16,737 unsaid, and the run's
            # warning "5G population coverage with 16,737 stations: model 23.98" read as the file's network
            notes.append(
                _(
                    "note: 5G stations on air by {date} in sites.file, the run's start network: {n}; "
                    "start_state.stations_5g = {m} sizes only the synthetic layer and is not used. From the start "
                    "the run still completes the sites ordered before it (start_state.pipeline_build_rate_5g_per_month, "
                    "{rate} a month) and the operators' plans continue past the file's planned rows with synthetic "
                    "candidates, anywhere in the country. The calibration rows of 5G coverage with a reported station "
                    "count take the plan's first sites: the file's, then synthetic candidates."
                ).format(
                    n=F.number(n_file),
                    date=start.isoformat(),
                    m=F.number(n_set),
                    rate=F.number(scenario.start_state.pipeline_build_rate_5g_per_month),
                )
            )
    if files.sites is not None:
        # what a date after the start means (the file's dates of 5G stations were taken for their on-air dates, and
        # planned 4G rows for stations on air: planner-data trial, 2026-12-07)
        later = files.sites.filter(~on_air_by(scenario.horizon.start_date))
        n5 = later.filter(pl.col("technology") == "5g").height
        n4 = later.height - n5
        dated = later.filter((pl.col("technology") == "5g") & pl.col("on_air_date").is_not_null()).height
        if n5 and scenario.sites.planned_dates == "hold" and dated:
            notes.append(
                _(
                    "note: sites.file's {dated} 5G rows dated after {date} are held to their dates "
                    '(sites.planned_dates = "hold"): each is ordered in the month its date less its median '
                    "order-to-air days falls in, whatever its business case, so it goes on air near its date when "
                    "permits, kits and crews allow; its {undated} undated 5G rows are the first the operators build "
                    "(sites_5g.parquet gives each its on-air date in the run)"
                ).format(
                    dated=F.number(dated),
                    undated=F.number(n5 - dated),
                    date=scenario.horizon.start_date.isoformat(),
                )
            )
        elif n5:
            notes.append(
                _(
                    "note: sites.file's {n} 5G rows dated after {date} or undated are the first the operators build, "
                    "in their date order, as fast as the rollout allows: their dates order the build and hold no "
                    "station back (sites_5g.parquet gives each its on-air date in the run)"
                ).format(n=F.number(n5), date=scenario.horizon.start_date.isoformat())
                + (
                    _('; sites.planned_dates = "hold" holds each dated row to its date')
                    if dated and scenario.sites.planned_dates == "order"
                    else ""
                )
            )
        if n4:
            notes.append(
                _(
                    "note: sites.file's {n} 4G rows dated after {date} or undated are in the 4G layer from the start: "
                    "the model builds no 4G, so they count as on air (leave them out for the 4G network of the start)"
                ).format(n=F.number(n4), date=scenario.horizon.start_date.isoformat())
            )
    if country is None:
        return notes
    if files.sites is not None and files.sites.height:
        at = site_provinces(country, files.sites["lon"].to_numpy(), files.sites["lat"].to_numpy())
        codes = sorted(set(at.tolist()))
        rest = [c for c in country.province_codes if c not in codes]
        if in_provinces:
            notes += [
                _thin_province_note(country, files.sites.filter(pl.Series(at == code)), code) or ""
                for code in codes
            ]
            notes = [n for n in notes if n]
        if rest and in_provinces:
            notes.append(
                _(
                    "note: sites.file's {n} sites stand in {k} of the {total} provinces ({names}) and replace the "
                    "synthetic layer's sites there; the other {rest} provinces keep the synthetic 4G sites and 5G start "
                    "network (start_state.stations_5g = {m} sizes it, the file's {n5} 5G stations on air by {date} "
                    "stand in for the synthetic ones of its provinces)"
                ).format(
                    **_spread(country, files.sites.height, codes),
                    rest=len(rest),
                    m=F.number(scenario.start_state.stations_5g),
                    n5=F.number(start_5g_stations(files.sites, scenario.horizon.start_date)),
                    date=scenario.horizon.start_date.isoformat(),
                )
            )
        elif rest:
            notes.append(
                _(
                    "note: sites.file's {n} sites stand in {k} of the {total} provinces ({names}), and the file replaces "
                    "the whole country's site layer: the other {rest} provinces start with no 4G or 5G site (the "
                    "operators' plans then build synthetic 5G sites there). List every province's sites, write "
                    'file_replaces = "provinces" to keep the synthetic layer elsewhere, or leave sites.file empty for '
                    "the national layer."
                ).format(**_spread(country, files.sites.height, codes), rest=len(rest))
            )
    v = scenario.villages
    if files.villages is not None and v is not None and v.layer.file_replaces == "country":
        codes = sorted(set(files.villages["gso34"].to_list()))
        notes.append(
            _(
                "note: villages.layer.file replaces the whole village layer (the national coverage holes and the "
                "provinces' own surveys) with its {n} villages in {k} of the {total} provinces ({names}); "
                'file_replaces = "provinces" keeps the other provinces\' villages'
            ).format(**_spread(country, files.villages.height, codes))
        )
    if files.villages is not None and v is not None and v.layer.file_replaces == "provinces":
        counts = dict(files.villages.group_by("gso34").len().iter_rows())
        surveys = {sv.gso34: sv for sv in v.layer.province_surveys}
        parts = []
        for code in sorted(counts):
            part = _("{province} ({code}): {n} of the file").format(
                province=country.province_name(code), code=code, n=counts[code]
            )
            sv = surveys.get(code)
            if sv is not None:
                # every village the default layer has there goes, the national list's too: "in place of the 17 of
                # its own survey" was said where 27 went (17 surveyed, 10 of the national list; trial 2026-12-07)
                surveyed = (sv.villages_with_power or 0) + (sv.villages_without_power or 0)
                part += " " + _(
                    "in place of all the default layer's villages there (its own survey of {date} counts {m})"
                ).format(m=surveyed, date=sv.as_of.isoformat())
            parts.append(part)
        notes.append(
            _(
                "note: villages.layer.file replaces the default layer's villages of the provinces it lists: {parts}"
            ).format(parts="; ".join(parts))
        )
    if files.villages is not None and v is not None:
        notes += _campaigns_under_way(scenario, files.villages)
    return notes


# a province whose file 4G sites reach fewer of its people than this at the start is said to be thin: nationally 4G
# reaches 99.8% (seed 000:95; the synthetic layer 99.69%), so a province's full list reaches ~95% or more
THIN_4G_SHARE = 0.90


def _thin_province_note(country: Country, sites: pl.DataFrame, code: str) -> str | None:
    """A warning when a file that replaces its provinces' sites (`sites.file_replaces = "provinces"`) holds too few 4G
    sites in province `code` (`sites`: the file's rows there, `site_provinces`) to be its whole network: the share of
    its people within a 4G site's radius at the start (cell centres; radius by band and the site's environment).
    Why: one stray Hà Nội row replaced Hà Nội's ~8,000 synthetic sites (its 4G coverage 43%), and a partial list of
    152 Điện Biên sites its 910 (47%), with a note only (provincial planner trial)."""
    from scipy.spatial import cKDTree

    mine = sites.filter(pl.col("technology") == "4g")
    k = country.province_codes.index(code)
    cells = np.flatnonzero(country.cell_province_idx == k)
    pop = country.cell_pop[cells]
    share = 0.0
    if mine.height and pop.sum() > 0:
        lon, lat = mine["lon"].to_numpy(), mine["lat"].to_numpy()
        cell = country.cell_at(lon, lat)
        env = np.where(cell >= 0, country.cells["density_class"].to_numpy()[np.maximum(cell, 0)], 2)
        radius = np.array(
            [radius_m("4g", int(b), ENV_NAMES[e]) for b, e in zip(mine["band_mhz"].to_list(), env)]
        )
        x, y = to_projected(lon, lat)
        hit = cKDTree(country.cell_xy_m[cells]).query_ball_point(np.c_[x, y], r=radius)
        covered = np.zeros(cells.size, dtype=bool)
        for h in hit:
            covered[h] = True
        share = float(pop[covered].sum() / pop.sum())
    if share >= THIN_4G_SHARE:
        return None
    return _(
        "warning: sites.file's 4G sites in {province} ({code}), {n} of them, reach {pct}% of its people: "
        "the file replaces all the synthetic layer's sites there, so the province starts with these only (4G reaches "
        "99.8% of people nationally, seed 000:95). List all its sites, or leave its rows out to keep the synthetic "
        "layer there"
    ).format(
        n=F.number(mine.height), province=country.province_name(code), code=code, pct=F.number(100 * share, 1)
    )


def _campaigns_under_way(scenario: Scenario, villages: pl.DataFrame) -> list[str]:
    """A note per campaign under way at the start (in_progress_at_start) that takes villages of a planner's file: they
    are credited the works done since its launch. Why: a file's villages without power or signal "today" were in works
    from July, one energised on the start day, and nothing said so (provincial trial)."""
    v = scenario.villages
    assert v is not None  # the caller's
    start = scenario.horizon.start_date
    powered = villages["has_grid_power"].cast(pl.Boolean) if "has_grid_power" in villages.columns else None
    out = []
    for c in v.campaigns:
        if not c.in_progress_at_start or c.launched >= start:
            continue
        if c.villages == "no_power" and powered is not None:
            n = int((~powered).sum())
        elif c.villages == "with_power" and powered is not None:
            n = int(powered.sum())
        elif c.villages == "all" or powered is None:
            n = villages.height
        else:  # a list of provinces or ids: the run resolves it
            continue
        if n:
            out.append(
                _(
                    "note: {n} of villages.layer.file's villages fall in campaign {name}, under way since {launched}: "
                    "their works are credited the time since then (in_progress_at_start), so some have power or "
                    "signal soon after the start; in_progress_at_start = false in that campaign starts them at the "
                    "start, if the file's villages had no works begun"
                ).format(n=F.number(n), name=c.name, launched=F.date(c.launched))
            )
    return out


def _check_projects(scenario: Scenario, scenario_path: Path, country: CountryOnce) -> None:
    """The data-centre projects a run builds, and the GPU orders placed by a data centre's id."""
    projects(scenario.compute.datacentres)
    placed = [
        p for p in scenario.compute.datacentres.extra_projects if p.lon is not None and p.lat is not None
    ]
    here = country() if placed else None
    if here is not None:  # without a data cache the run checks them
        check_project_places(placed, here, scenario_path)
    known = country() if any(_named_hint(o.dc_hint) for o in scenario.compute.gpus.all_orders) else None
    if known is not None:  # an order placed by a data centre's id: only the run's table knows them (~50 ms)
        dcs = scenario.compute.datacentres
        table = start_fleet(
            raw_data_dir(),
            dcs,
            dcs.synthetic_seed,
            start_date=scenario.horizon.start_date,
            country=known,
        )
        check_gpu_hints(scenario, table["dc_id"].to_list(), known)


def check_project_places(projects: Sequence[ProjectSpec], country: Country, scenario_path: Path) -> None:
    """Each extra data-centre project given a lon/lat stands in Viet Nam (`in_country`, as a site file's masts) and in
    its gso34 province: the province there (`Country.province_at`), or within OUTLINE_TOLERANCE_KM of the gso34
    province's outline (a campus on a shared border). Why: a project at Hồ Chí Minh City's coordinates with gso34 01
    was accepted, and took Hà Nội's grid, climate and region while the map drew it in the south (planner-data trial)."""
    placed = [(i, p) for i, p in enumerate(projects) if p.lon is not None and p.lat is not None]
    if not placed:
        return
    lon = np.array([float(cast(float, p.lon)) for _i, p in placed])
    lat = np.array([float(cast(float, p.lat)) for _i, p in placed])
    inside = in_country(country, lon, lat)
    at = country.province_at(lon, lat)
    for k, (i, p) in enumerate(placed):
        where = item_field("compute.datacentres.extra_projects", i)
        if not inside[k]:
            raise DxsimInputError(
                _("the project lies outside Viet Nam"),
                file=scenario_path,
                field=where + ".lon, lat",
                value=f"{lon[k]:.5f} {lat[k]:.5f}",
                allowed=_("a point in Viet Nam or within {km} km of its border").format(
                    km=F.number(OUTLINE_TOLERANCE_KM, 0)
                ),
            )
        if at[k] == p.gso34 or country.near_province(p.gso34, lon[k : k + 1], lat[k : k + 1])[0]:
            continue
        raise DxsimInputError(
            _("the project's lon, lat lie in another province"),
            file=scenario_path,
            field=where + ".gso34",
            value=p.gso34,
            allowed=_(
                "{actual} ({name}), the province at lon {lon}, lat {lat}, or a point within {km} km of province {gso34}"
            ).format(
                actual=at[k],
                name=country.province_name(str(at[k])),
                lon=F.number(float(lon[k]), 5),
                lat=F.number(float(lat[k]), 5),
                km=F.number(OUTLINE_TOLERANCE_KM, 0),
                gso34=p.gso34,
            ),
        )


def _named_hint(hint: str | None) -> bool:
    """A GPU order's dc_hint that is not a number (the schema checks the province codes)."""
    return bool(hint) and not str(hint).strip().isdigit()


def check_gpu_hints(scenario: Scenario, dc_ids: Sequence[str], country: Country) -> None:
    """Every GPU order's dc_hint is a dc_id of the data-centre table or a gso34 province code; a province's name
    is answered with its code. Why: `dxsim validate` said "ok" to dc_hint = "Hà Nội", which the run refused, and
    the run's message did not say which code to write. Both call this (the run when it prepares its world)."""
    ids = set(dc_ids)
    gpus = scenario.compute.gpus
    for i, order in enumerate(gpus.all_orders):
        hint = (order.dc_hint or "").strip()
        if not hint or hint in ids or hint in country.province_codes:
            continue
        field = f"compute.gpus.{gpus.order_field(i)}.dc_hint"
        named = country.province_by_name(hint)
        if named is not None:
            raise DxsimInputError(
                _("a province's name, not its code"),
                field=field,
                value=hint,
                allowed=_("its gso34 code, '{code}' ({name}), or a dc_id of the data-centre table").format(
                    code=named[0], name=named[1]
                ),
            )
        raise unknown_dc_hint(hint, field, dc_ids, country.province_codes)


def unknown_dc_hint(
    hint: str, field: str, dc_ids: Sequence[str], province_codes: Sequence[str]
) -> DxsimInputError:
    """The one-line error for a dc_hint that is neither a data centre's id nor a province's code."""
    return DxsimInputError(
        _("not a data-centre id or a province code"),
        field=field,
        value=hint,
        allowed=_(
            "a dc_id of the data-centre table ({examples}, ...: the dc_id column of datacentres.parquet) or "
            "a gso34 province code ({codes})"
        ).format(examples=", ".join(list(dc_ids)[:3]), codes=", ".join(province_codes)),
    )


def _two_digits(item: str, codes: Sequence[str]) -> str | None:
    """The code `item` means when it lost its leading zero ("4" for 04, Cao Bằng), else None."""
    padded = item.strip().zfill(2)
    return padded if item.strip().isdigit() and padded != item and padded in codes else None


def check_support_provinces(
    supports: Sequence[Support], province_codes: Sequence[str], country: Country | None = None
) -> None:
    """Every province a support programme names is a 2025 gso34 code; with `country`, a province's name or a
    pre-2025 code is answered with the code to write (as a campaign's villages are)."""
    known = set(province_codes)
    for i, p in enumerate(supports):
        for j, code in enumerate(p.provinces):
            if code in known:
                continue
            field, allowed = (
                item_field(item_field("supports", i) + ".provinces", j),  # supports[1].provinces[2]
                _("2-digit gso34 codes of the 34 provinces (01, 04, 08, ...)"),
            )
            named = country.province_by_name(code) if country is not None else None
            if named is not None:
                raise DxsimInputError(
                    _("a province's name, not its code"),
                    field=field,
                    value=code,
                    allowed=_("its gso34 code, '{code}' ({name})").format(code=named[0], name=named[1]),
                )
            former = country.former_province(code) if country is not None else None
            if former is not None:
                raise DxsimInputError(
                    _(PRE_2025_CODE), field=field, value=code, allowed=merged_into(code, *former)
                )
            padded = _two_digits(code, province_codes)
            if padded is not None:
                allowed = _("the code with two digits, '{code}'").format(code=padded) + (
                    f" ({country.province_name(padded)})" if country is not None else ""
                )
            raise DxsimInputError(_("unknown province code"), field=field, value=code, allowed=allowed)


def province_codes_named(items: Sequence[str], country: Country, field: str) -> list[str]:
    """The gso34 codes of `items` (codes, pre-2025 codes or province names, as `province_by_name` reads them), in
    order, once each; anything else is refused naming `field`. A pre-2025 code or name gives the 2025 province it is
    part of (`merged_name_notes` says so): `--province 02` was refused while `--province "Hà Giang"` showed Tuyên
    Quang (provincial trial)."""
    out: list[str] = []
    for item in items:
        code = item if item in country.province_codes else None
        if code is None and (named := country.province_by_name(item)) is not None:
            code = named[0]
        if code is None:
            code = _two_digits(item, country.province_codes)
        if code is None and (merged := country.former_province(item)) is not None:
            code = merged[1]
        if code is None:
            # the nearest name (ASCII folded, as a planner types it: "Tuyen Quan" -> Tuyên Quang; GIS trial), a
            # pre-2025 one too, which is read as its 2025 province: "Hà Giangg" was offered An Giang, not Hà Giang
            # (provincial planner trial)
            folded = {
                name_ascii(n).casefold(): n
                for n in [
                    *country.province_mapping["name63"].to_list(),
                    *country.provinces["name34"].to_list(),
                ]
            }
            near = difflib.get_close_matches(name_ascii(item).casefold(), list(folded), n=1, cutoff=0.8)
            hint = "; " + _("did you mean {name}?").format(name=repr(folded[near[0]])) if near else ""
            raise DxsimInputError(
                _("unknown province") + hint,
                field=field,
                value=item,
                allowed=_(
                    "a gso34 code of the 34 provinces (01, 04, 08, ...), a pre-2025 one, or a province's name"
                ),
            )
        if code not in out:
            out.append(code)
    return out


def merged_name_notes(items: Sequence[str], country: Country) -> list[str]:
    """A line per item of `items` that names a province by its pre-2025 name (Hà Giang), saying which 2025 province
    the figures shown are: `--province "Hà Giang"` printed Tuyên Quang's year ends without a word (provincial trial)."""
    lines = []
    for item in items:
        merged = country.merged_by_name(item) if item not in country.province_codes else None
        former = country.former_province(item) if merged is None else None
        if former is not None:  # 02, Hà Giang's code until the merger
            # 10, the former Lào Cai, in today's Lào Cai (15): "10 (Lào Cai) is part of Lào Cai (15)" (provincial trial)
            name = _("the former {name}").format(name=former[0]) if former[0] == former[2] else former[0]
            item, merged = f"{item} ({name})", (former[1], former[2])
        if merged is not None:
            lines.append(
                _(
                    "note: {name} is part of {name34} ({code}) since the 2025 merger (Resolution 202/2025/QH15): "
                    "the figures shown are {name34}'s"
                ).format(name=item, name34=merged[1], code=merged[0])
            )
    return lines


def needs_village_layer(scenario: Scenario) -> bool:
    """Whether the scenario names villages by id or province (campaign selectors, the priority list), or lists a
    campaign whose subset ("all", "no_power", "with_power") campaigns before it may take whole: only the built layer
    can tell whether they exist, or whether a campaign is left with none (the run refuses it). A village file that
    replaces its provinces' villages only is merged into the layer, which refuses an id the rest of it uses: only the
    build can tell (validate said "ok" and the run failed after other work; trial of the session's changes). A site
    file too: the villages must fit where its sites leave no coverage, and only the build places them (a national
    site file left 85 of Tuyên Quang's 255 surveyed villages room; validate said "ok", the run failed: trial)."""
    v = scenario.villages
    if v is None or not v.enabled:
        return False
    if scenario.sites.file:
        return True
    if bool(v.programme.priority_list) or any(not isinstance(c.villages, str) for c in v.campaigns):
        return True
    if v.layer.file and v.layer.file_replaces == "provinces":
        return True
    for k, c in enumerate(v.campaigns):
        before = {str(e.villages) for e in v.campaigns[:k]}
        if (
            "all" in before
            or c.villages in before
            or (c.villages == "all" and {"no_power", "with_power"} <= before)
        ):
            return True
    return False


def check_campaign_villages(
    items: Sequence[str], k: int, villages: pl.DataFrame, country: Country | None = None
) -> None:
    """Each item of campaign k's `villages` is a village id or the gso34 code of a province with villages; with
    `country`, a pre-2025 province code is named as such, with the 2025 province it is part of."""
    ids = villages["village_id"].cast(pl.Utf8).to_list()
    known_ids, known_gso = set(ids), set(villages["gso34"].cast(pl.Utf8).to_list())
    for j, item in enumerate(items):
        field = item_field(
            item_field("villages.campaigns", k) + ".villages", j
        )  # villages.campaigns[3].villages[2]
        former = country.former_province(item) if country is not None and item not in known_ids else None
        if former is not None:
            raise DxsimInputError(
                _(PRE_2025_CODE),
                field=field,
                value=item,
                allowed=merged_into(item, *former),
            )
        named = country.province_by_name(item) if country is not None and item not in known_ids else None
        if named is not None:
            raise DxsimInputError(
                _("a province's name, not its code"),
                field=field,
                value=item,
                allowed=(
                    _("its gso34 code, '{code}' ({name})")
                    if named[0] in known_gso
                    else _("another province: '{code}' ({name}) has no villages in the layer")
                ).format(code=named[0], name=named[1]),
            )
        padded = _two_digits(item, sorted(known_gso)) if item not in known_ids else None
        if padded is not None:
            raise DxsimInputError(
                _("unknown village id or province code"),
                field=field,
                value=item,
                allowed=_("the code with two digits, '{code}'").format(code=padded)
                + (f" ({country.province_name(padded)})" if country is not None else ""),
            )
        in_country = country is not None and item in country.province_codes
        if item not in known_ids and item not in known_gso and country is not None and in_country:
            raise DxsimInputError(
                _("{name} ({code}) has no villages in the layer").format(
                    name=country.province_name(item), code=item
                ),
                field=field,
                value=item,
                allowed=_("a province with villages ({codes}, ...), or village ids").format(
                    codes=", ".join(sorted(known_gso)[:6])
                ),
            )
        if item not in known_ids and item not in known_gso:
            raise DxsimInputError(
                _("unknown village id or province without villages"),
                field=field,
                value=item,
                allowed=_(
                    "'no_power', 'with_power', 'all', or village ids (e.g. {ids}; a run lists them all in "
                    "villages.parquet) and 2-digit gso34 codes of provinces with villages ({codes}, ...)"
                ).format(ids=", ".join(ids[:3]), codes=", ".join(sorted(known_gso)[:6])),
            )


def check_village_ids(scenario: Scenario, villages: pl.DataFrame, country: Country | None = None) -> None:
    """Every village a campaign or the priority list names is in the layer `villages` (one row per village).

    Why: an unknown id in `priority_list` was accepted by `validate` and `run` alike, and changed nothing."""
    for k, c in enumerate(scenario.villages.campaigns):
        if not isinstance(c.villages, str):
            check_campaign_villages(c.villages, k, villages, country)
    ids = villages["village_id"].cast(pl.Utf8).to_list()
    known = set(ids)
    for i, vid in enumerate(scenario.villages.programme.priority_list):
        if vid not in known:
            raise DxsimInputError(
                _("unknown village id"),
                field=item_field("villages.programme.priority_list", i),
                value=vid,
                # the run writes villages.parquet (and villages.geojson, results.xlsx); there is no villages.csv
                allowed=_(
                    "ids of the village layer (e.g. {ids}; a run lists them all in villages.parquet)"
                ).format(ids=", ".join(ids[:3])),
            )
