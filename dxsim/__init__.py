"""dxsim: planning simulator for Vietnam's national digital infrastructure.

The model core (scenario, geo, radio, sim, results) never imports the CLI,
maps or report; those read result tables only.
"""

from dxsim._version import __version__

__all__ = ["__version__"]
