"""dxsim: planning simulator for Vietnam's national digital infrastructure.

The model core (scenario, geo, radio, sim, results) never imports the CLI,
maps or report; those read result tables only.

Python API (see README "Python API"): ``dxsim.run(scenario, reps=..., seed=...)`` returns a
:class:`dxsim.api.RunResult`; ``dxsim.load_scenario`` and ``dxsim.Scenario`` are the scenario
loader and model; ``dxsim.DxsimInputError`` is what bad input raises. They load on first use, so
``import dxsim`` (and every CLI start) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dxsim._version import __version__

if TYPE_CHECKING:
    from dxsim.api import RunResult, run
    from dxsim.errors import DxsimInputError
    from dxsim.scenario import Scenario, load_scenario

__all__ = ["DxsimInputError", "RunResult", "Scenario", "__version__", "load_scenario", "run"]

_LAZY = {
    "run": "dxsim.api",
    "RunResult": "dxsim.api",
    "Scenario": "dxsim.scenario",
    "load_scenario": "dxsim.scenario",
    # what bad input raises (file, field, value, allowed): `except dxsim.DxsimInputError` without reaching into
    # dxsim.errors, which was an AttributeError until something had imported it (Python API trial)
    "DxsimInputError": "dxsim.errors",
}


def __getattr__(name: str) -> Any:
    """The API names, imported when first used (PEP 562)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dxsim' has no attribute {name!r}")
