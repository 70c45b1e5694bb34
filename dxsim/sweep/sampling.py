"""Sample designs (SALib) and the run tasks built from them.

- ``sobol``: Saltelli/Sobol' sequence (`SALib.sample.sobol`, scrambled, seeded), N x (D + 2) runs
  (N x (2D + 2) with second-order indices); analysed by `SALib.analyze.sobol`.
- ``morris``: N elementary-effect trajectories on a `morris_levels` grid (`SALib.sample.morris`),
  N x (D + 1) runs; analysed by `SALib.analyze.morris`.
- ``lhs``: N Latin-hypercube points (`SALib.sample.latin`); analysed by RBD-FAST first-order
  indices (`SALib.analyze.rbd_fast`) and Spearman rank correlations.
- ``grid``: every combination of the values each parameter lists (full factorial, in file order, the last
  parameter fastest); analysed by Spearman rank correlations (RBD-FAST needs a space-filling sample).

The design (the unrounded points, what SALib analyses) is a function of the spec alone (method,
N, parameters, seed), so a re-run rebuilds exactly the same runs and finds their files.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dxsim._version import __version__
from dxsim.execution import RunTask, effective_scenario
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.scenario.loader import canonical_json
from dxsim.sim.world_store import world_key
from dxsim.sweep.spec import SweepSpec, validate_run


@dataclass
class Design:
    X: np.ndarray  # (runs, D) design points as SALib produced them
    values: list[dict[str, float | int]]  # per run: path -> value used (integers rounded)

    def used(self, spec: SweepSpec) -> np.ndarray:
        """(runs, D) the values the runs used (integer parameters rounded), in the spec's parameter order."""
        return np.array(
            [[float(v[p.path]) for p in spec.parameters] for v in self.values], dtype=float
        ).reshape(len(self.values), len(spec.parameters))


def sample(spec: SweepSpec) -> np.ndarray:
    problem = spec.problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns when N is not a power of 2
        if spec.method == "sobol":
            from SALib.sample import sobol

            points: np.ndarray = sobol.sample(
                problem, spec.samples, calc_second_order=spec.second_order, scramble=True, seed=spec.seed
            )
            return points
        if spec.method == "morris":
            from SALib.sample import morris

            points = morris.sample(problem, spec.samples, num_levels=spec.morris_levels, seed=spec.seed)
            return points
        if spec.method == "grid":  # every combination, the last parameter's values varying fastest
            return np.array(list(itertools.product(*(p.values for p in spec.parameters))), dtype=float)
        from SALib.sample import latin

        points = latin.sample(problem, spec.samples, seed=spec.seed)
        return points


def design(spec: SweepSpec) -> Design:
    X = np.asarray(sample(spec), dtype=float)
    values = [{p.path: p.cast(float(x)) for p, x in zip(spec.parameters, row)} for row in X]
    return Design(X, values)


CHECK_SAY_EVERY = (
    500  # runs between two progress messages while the sampled scenarios are checked (~3 ms a run)
)


def build_tasks(
    spec: SweepSpec, des: Design | None = None, progress: Callable[[str], None] | None = None
) -> tuple[Design, list[RunTask]]:
    """Validate every sampled scenario and make one RunTask per run.

    `progress`: told how many are checked every CHECK_SAY_EVERY runs (4,900 runs took ~16 s without a word).

    run_id = "<run index, 5 digits>-<12 hex of sha256(scenario JSON, seed, reps, base folder)>": a file
    left by another sweep (or an edited one) never matches a run it does not describe.
    """
    des = des or design(spec)
    folder = str(spec.base.resolve().parent)
    tasks: list[RunTask] = []
    say = progress or (lambda _m: None)
    n = len(des.values)
    for i, vals in enumerate(des.values):
        if i % CHECK_SAY_EVERY == 0 and n > CHECK_SAY_EVERY:
            say(_("checking the sampled scenarios: {done} of {n}").format(done=F.number(i), n=F.number(n)))
        sc = validate_run(spec, i, vals)
        text = canonical_json(sc)
        h = hashlib.sha256(json.dumps([text, spec.seed, spec.reps_per_run, folder, __version__]).encode())
        tasks.append(
            RunTask(
                run_id=f"{i:05d}-{h.hexdigest()[:12]}",
                run=i,
                params=dict(vals),
                scenario=json.loads(text),
                scenario_dir=folder,
                seed=spec.seed,
                reps=spec.reps_per_run,
                world_key=world_key(effective_scenario(sc), folder),
            )
        )
    return des, tasks
