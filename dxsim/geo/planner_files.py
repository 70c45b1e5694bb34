"""The planner's own files a scenario names (sites, villages), checked as a run will read them.

Why one function: `dxsim validate` said "ok" to a village file whose point lay in another province, and a run of
two scenarios wrote the first one's folder before the second one's file was refused. `dxsim validate` and the
pre-flight of `dxsim run` both call this, so "ok" means the run accepts the files too.
"""

from __future__ import annotations

from pathlib import Path

from dxsim.errors import RawDataError
from dxsim.geo.country import Country, load_country
from dxsim.geo.site_file import read_site_csv
from dxsim.geo.village_file import read_village_file
from dxsim.scenario.schema import Scenario


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


def check_planner_files(scenario: Scenario, scenario_path: Path, country: CountryOnce) -> None:
    """Read the site and village files `scenario` names (relative names start at its folder) with every check a
    run makes; the first problem is a one-line DxsimInputError."""

    def named(f: str) -> Path:
        return Path(f) if Path(f).is_absolute() else scenario_path.parent / f

    if scenario.sites.file:
        read_site_csv(named(scenario.sites.file), latest_on_air=scenario.horizon.end_date, country=country())
    if scenario.villages is not None and scenario.villages.layer.file:
        read_village_file(named(scenario.villages.layer.file), country())
