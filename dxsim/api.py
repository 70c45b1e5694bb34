"""Python API for notebooks: run a scenario and get its tables as polars frames.

    import dxsim
    res = dxsim.run("scenarios/baseline.toml", reps=2, seed=1)
    res.kpis["capex_total_vnd_bn"]           # P50 over replications (and _p10 / _p90)
    res.metrics                              # polars DataFrame: replication x month end x area x metric
    res.write("outputs/baseline-nb")         # the same folder `dxsim run --out` writes

The same engine as `dxsim run` (:func:`dxsim.runner.simulate` and :func:`dxsim.runner.write_run`);
bad input raises the CLI's one-line :class:`dxsim.errors.DxsimInputError`.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.workers import pool_size
from dxsim.i18n import gettext as _
from dxsim.runner import Simulated, simulate, write_run
from dxsim.runner_budget import estimate, refuse_over_budget
from dxsim.scenario import Scenario, load_scenario, load_scenario_data, scenario_folder
from dxsim.scenario.constants import EXTENDS
from dxsim.scenario.loader import check_override
from dxsim.scenario.resolved import extends_chain

ScenarioInput = str | os.PathLike[str] | Mapping[str, Any] | Scenario


@dataclass(frozen=True)
class RunResult:
    """One scenario run held in memory: the tables `dxsim run` writes, before anything is written."""

    sim: Simulated = field(repr=False)

    @property
    def scenario(self) -> Scenario:
        """The validated scenario that ran (after `extends` and defaults), with the `seed` and `reps` it ran with: a
        copy, as scenario.resolved.toml records it (it was the caller's object, with its own seed)."""
        ran = {"seed": self.sim.summary["seed"], "replications": self.sim.summary["reps"]}
        return self.sim.scenario.model_copy(update=ran, deep=True)

    @property
    def summary(self) -> dict[str, Any]:
        """What summary.json holds: scenario, seed, reps, version, horizon, data sources, KPIs."""
        return self.sim.summary

    @property
    def kpis(self) -> dict[str, float | None]:
        """KPI name -> P50 over replications; with reps > 1 also `<name>_p10` / `<name>_p90`."""
        kpis: dict[str, float | None] = self.sim.summary["kpis"]  # set by dxsim.results.summary.summarise
        return kpis

    @property
    def metrics(self) -> pl.DataFrame:
        """Monthly metrics: one row per replication, month end, area and metric."""
        return self.sim.metrics

    @property
    def sites(self) -> pl.DataFrame:
        """5G sites on air by the end of the horizon (replication 0)."""
        return self.sim.sites

    @property
    def villages(self) -> pl.DataFrame | None:
        """Remote villages with their option and dates (replication 0), or None without a village layer."""
        return self.sim.villages

    @property
    def datacentres(self) -> pl.DataFrame | None:
        """Data centres at the end of the horizon (replication 0), or None without the compute module."""
        return self.sim.datacentres

    @property
    def calibration(self) -> pl.DataFrame:
        """Model beside each reported figure, with tolerance and status."""
        return self.sim.calibration

    def write(
        self,
        out_dir: str | os.PathLike[str],
        *,
        with_map: bool = True,
        with_report: bool = True,
        provinces: Sequence[str] = (),
    ) -> Path:
        """Write the folder `dxsim run --out out_dir` writes (atomically); returns its path. `provinces`: gso34 codes
        (e.g. "08") the report shows at every year end, as `dxsim run --province` does."""
        # None or 5 from a notebook: one line, not a TypeError
        if not isinstance(out_dir, (str, os.PathLike)):
            raise DxsimInputError(
                "not a folder path",
                field="out_dir",
                value=repr(out_dir),
                allowed="a path (str or pathlib.Path)",
            )
        if isinstance(provinces, str):  # write(..., provinces="08"): one code, not the characters "0" and "8"
            provinces = (provinces,)
        return write_run(
            self.sim,
            Path(out_dir),
            with_map=with_map,
            with_report=with_report,
            field="out_dir",
            provinces=provinces,
        )

    def __repr__(self) -> str:
        s = self.sim.summary
        return (
            f"RunResult(scenario={s['scenario']!r}, seed={s['seed']}, reps={s['reps']}, "
            f"kpis={len(self.kpis)})"
        )


def run(
    scenario: ScenarioInput,
    *,
    reps: int | None = None,
    seed: int | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] | None = None,
    yes: bool = False,
    workers: int = 0,
) -> RunResult:
    """Run a scenario in memory, as `dxsim run` does, and return its tables.

    `scenario` is a path to a .toml file, a dict with the fields of a scenario file (it may
    `extends` a file) or a :class:`Scenario`. `reps` and `seed` override the scenario's. For a
    dict or a Scenario, `extends` and file fields (`sites.file`, ...) are relative to `base_dir`
    (default: the current folder, or for a Scenario from `load_scenario` its file's folder); a file's are
    relative to its own folder. A Scenario is validated again as a whole (a field changed after loading is held
    to every rule a file is). A job estimated over
    the budget of `dxsim.runner_budget` raises DxsimInputError with the estimate unless `yes=True`.
    `workers`: local worker processes for the replications, as `dxsim run --workers` (same results);
    default 0, in this process: pool workers re-import the calling script, so a script that asks for
    them must keep its top-level code under ``if __name__ == "__main__":``.
    """
    workers = _workers(workers)
    sc, scenario_dir, scenario_file = _resolve(scenario, base_dir)
    # the same range checks as `--seed` / `--reps` on the command line
    n_reps = None if reps is None else check_override("replications", reps, option="reps")
    n_seed = None if seed is None else check_override("seed", seed, option="seed")
    # a costly job is stated before it starts, as on the command line (`yes=True` runs it anyway)
    n = sc.replications if n_reps is None else n_reps
    refuse_over_budget(
        estimate([sc], [n], keeps_metrics=True, replications_alive=2, pool_workers=pool_size(workers, n)),
        yes=yes,
        option="reps",
        value=n,
        switches=("yes=True", "workers"),
    )
    sim = simulate(
        sc,
        scenario_dir=scenario_dir,
        scenario_file=scenario_file,
        chain=_chain(scenario, scenario_file, scenario_dir),
        seed=n_seed,
        reps=n_reps,
        progress=progress,
        workers=workers,
    )
    return RunResult(sim)


def _chain(scenario: ScenarioInput, scenario_file: Path | None, folder: Path) -> list[Path]:
    """The files the scenario came from, base first, for scenario.resolved.toml (as `dxsim run` records them): a
    file's `extends` chain, or the chain of the file a dict `extends` (the dict itself is no file)."""
    if scenario_file is not None:
        return extends_chain(scenario_file)
    base = scenario.get(EXTENDS) if isinstance(scenario, Mapping) else None
    return extends_chain(folder / base) if isinstance(base, str) else []


def _workers(value: object) -> int:
    """`workers` as `dxsim run --workers` takes it: a whole number >= 0 (numpy integers too)."""
    try:
        n = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        n = -1
    if isinstance(value, bool) or n < 0:
        raise DxsimInputError(
            _("not a number of worker processes"),
            field="workers",
            value=value if isinstance(value, (int, float, str)) else repr(value),
            allowed=_("0 (replications in this process) or a whole number of worker processes"),
        )
    return n


def _resolve(
    scenario: ScenarioInput, base_dir: str | os.PathLike[str] | None
) -> tuple[Scenario, Path, Path | None]:
    """(validated scenario, folder its relative file names start from, its file or None)."""
    if isinstance(scenario, (str, os.PathLike)):
        if base_dir is not None:
            raise DxsimInputError(
                _("only for a dict or a Scenario: a file's names are relative to its own folder"),
                field="base_dir",
                value=str(base_dir),
                allowed=_("None with a scenario file"),
            )
        path = Path(scenario)
        return load_scenario(path), path.parent, path
    if isinstance(scenario, Scenario):
        own = scenario_folder(scenario)
        folder = Path(base_dir) if base_dir is not None else own if own is not None else Path.cwd()
        # validated again as a whole, into a copy: a field changed after loading was checked alone (operator shares
        # summing to 140 ran), and the result's scenario was the caller's object, changed by later edits
        return (
            load_scenario_data(scenario.model_dump(mode="json", warnings=False), base_dir=folder),
            folder,
            None,
        )
    folder = Path(base_dir) if base_dir is not None else Path.cwd()
    if isinstance(scenario, Mapping):
        return load_scenario_data(scenario, base_dir=folder), folder, None
    raise DxsimInputError(
        _("not a scenario (a {kind})").format(kind=type(scenario).__name__),
        field="scenario",
        value=scenario if isinstance(scenario, int | float | bool) or scenario is None else None,
        allowed=_("a path to a .toml file, a dict of scenario fields or a dxsim.Scenario"),
    )
