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


def test_the_readme_s_error_examples_are_what_the_tool_says(tmp_path: Path) -> None:
    """The README's examples of a bad-input line had gone stale ("crewz: unknown key" where the tool says
    "crewz = 3: unknown key ... (allowed: ...)"; README trial, 2026-12-07). Each example, up to its "...", is what
    loading such a file says, after the file's own path."""
    import pytest

    from dxsim.errors import DxsimInputError
    from dxsim.scenario import load_scenario

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("```\nerror: scenarios/x.toml: crewz") :]
    examples = [line for line in block.split("```")[1].splitlines() if line.startswith("error: ")]
    base = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    bodies = {
        "crewz": "crewz = 3\n",
        "horizon.end_date": "[horizon]\nend_date = 2024-01-01\n",
        "villages.campaigns[2]": '[[villages.campaigns]]\nname = "a"\ndeadline = 2026-06-30\nvillages = "all"\n'
        '[[villages.campaigns]]\nname = "b"\ndeadline = "2026-13-01"\nvillages = "all"\n',
    }
    assert len(examples) == len(bodies), examples
    for line in examples:
        said_part = line.removeprefix("error: scenarios/x.toml: ").split("...")[0].rstrip(" (")
        key = next(k for k in bodies if said_part.startswith(k))
        f = tmp_path / "x.toml"
        f.write_text(f'extends = "{base.as_posix()}"\nname = "x"\n' + bodies[key], encoding="utf-8")
        with pytest.raises(DxsimInputError) as err:
            load_scenario(f)
        said = next(x for x in err.value.lines() if key in x)
        assert said.removeprefix(f"{f}: ").startswith(said_part), (line, said)
