"""The one place the dxsim version is written (pyproject reads it; so do outputs and `dxsim --version`)."""

__version__ = "0.3.0"
