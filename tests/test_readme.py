"""The README's generated sections match the code, and it documents every command."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dxsim.results.metrics import METRICS

REPO = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("update_readme", REPO / "tools" / "update_readme.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_sections_are_current():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert _tool().render(text) == text, "README is stale: run `python tools/update_readme.py`"


def test_readme_documents_commands_metrics_and_setup():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for cmd in (
        "dxsim run",
        "dxsim validate",
        "dxsim schema",
        "dxsim data",
        "dxsim calibration",
        "make demo",
        "make test",
    ):
        assert cmd in text, cmd
    for name in METRICS:
        assert f"`{name}`" in text, name
