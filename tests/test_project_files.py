"""Project files a user and a packager look for: a licence and a changelog that covers the current version."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import dxsim

REPO = Path(__file__).resolve().parent.parent


def test_changelog_has_a_section_for_the_current_version() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
    assert dxsim.__version__ in versions, (
        f"CHANGELOG.md has no '## [{dxsim.__version__}] - YYYY-MM-DD' section (dxsim/_version.py); found {versions}"
    )
    assert versions[0] == "Unreleased", "CHANGELOG.md should start with an '## [Unreleased]' section"
    released = [v for v in versions if v != "Unreleased"]
    key = [tuple(int(p) for p in v.split(".")) for v in released]
    assert key == sorted(key, reverse=True), f"CHANGELOG.md versions should be newest first: {released}"
    dated = re.search(
        rf"^## \[{re.escape(dxsim.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.MULTILINE
    )
    assert dated, (
        f"the {dxsim.__version__} section needs an ISO date: '## [{dxsim.__version__}] - YYYY-MM-DD'"
    )


def test_license_is_mit_and_declared_for_the_packages() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2025-2026 the dxsim authors" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert "LICENSE" in project["license-files"]  # sdist and wheel (dist-info/licenses/LICENSE)
