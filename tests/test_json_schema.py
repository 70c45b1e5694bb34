"""The JSON Schema of `dxsim schema` accepts what the loader accepts (partial tables, `extends`) and
rejects what it rejects (unknown keys, out-of-range values, incomplete list items), checked with the
`jsonschema` library against every shipped scenario and against the loader itself."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dxsim.errors import DxsimInputError
from dxsim.scenario import Scenario, json_schema, load_scenario_data
from dxsim.scenario.docs import defaults_json

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml"))


def _iso(value: Any) -> Any:
    """TOML values as the JSON an editor validates: dates as ISO strings."""
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_shipped_scenario_is_valid(path: Path, validator: jsonschema.Draft202012Validator) -> None:
    data = _iso(tomllib.loads(path.read_text(encoding="utf-8")))
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_rural_700mhz_is_a_partial_table_with_extends(validator: jsonschema.Draft202012Validator) -> None:
    """The case that failed before: a file extending baseline and giving one of three bands."""
    data = _iso(tomllib.loads((REPO / "scenarios" / "rural-700mhz.toml").read_text(encoding="utf-8")))
    assert "extends" in data
    bands = data["radio"]["band_5g_mhz"]
    assert set(bands) < set(
        Scenario.model_fields["radio"].annotation.model_fields["band_5g_mhz"].annotation.model_fields
    )
    assert validator.is_valid(data)


# Documents with what the loader says about them; the schema must agree on every one.
CASES: dict[str, tuple[dict[str, Any], bool]] = {
    "partial table with extends": (
        {"extends": "baseline.toml", "name": "a", "radio": {"band_5g_mhz": {"rural": 700}}},
        True,
    ),
    "partial table without extends": ({"name": "a", "works": {"new_site_permit": {"p90_days": 400}}}, True),
    "only a name": ({"name": "a"}, True),
    "name missing": ({"extends": "baseline.toml", "crews": {"north": {"teams": 5}}}, False),
    "unknown top-level key": ({"name": "a", "crewz": {}}, False),
    "unknown nested key": ({"name": "a", "radio": {"band_5g_mhz": {"rurl": 700}}}, False),
    "band not allowed": ({"name": "a", "radio": {"band_5g_mhz": {"rural": 701}}}, False),
    "negative teams": ({"name": "a", "crews": {"south": {"teams": -3}}}, False),
    "teams above range": ({"name": "a", "crews": {"south": {"teams": 20001}}}, False),
    "text for a number": ({"name": "a", "crews": {"south": {"teams": "5"}}}, False),
    "incomplete list item": ({"name": "a", "compute": {"gpus": {"orders": [{"model": "B200"}]}}}, False),
    "complete list item": (
        {
            "name": "a",
            "compute": {
                "gpus": {
                    "orders": [{"organisation": "x", "model": "B200", "gpus": 8, "order_date": "2026-03-01"}]
                }
            },
        },
        True,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_schema_agrees_with_the_loader(case: str, validator: jsonschema.Draft202012Validator) -> None:
    doc, expected = CASES[case]
    try:
        load_scenario_data(doc, base_dir=REPO / "scenarios")
        loader_ok = True
    except DxsimInputError:
        loader_ok = False
    assert loader_ok is expected, f"loader: {case}"
    assert validator.is_valid(doc) is expected, (
        f"schema: {case}: {[e.message for e in validator.iter_errors(doc)]}"
    )


def _required_outside_lists(node: Any, defs: dict[str, Any], default: Any, path: str, out: list) -> None:
    """(path, default there) for every object the models require keys of, outside list items."""
    if isinstance(node, dict) and "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[1]]
        if target.get("required"):
            out.append((path, default))
        _required_outside_lists(target, defs, default, path, out)
        return
    if not isinstance(node, dict):
        return
    for sub in node.get("anyOf", []) + node.get("allOf", []):
        _required_outside_lists(sub, defs, default, path, out)
    for key, sub in node.get("properties", {}).items():
        _required_outside_lists(
            sub,
            defs,
            default.get(key) if isinstance(default, dict) else None,
            f"{path}.{key}".lstrip("."),
            out,
        )
    if isinstance(node.get("additionalProperties"), dict):
        _required_outside_lists(node["additionalProperties"], defs, None, f"{path}.<key>", out)


def test_relaxed_tables_always_have_a_table_to_merge_into() -> None:
    """Why dropping `required` outside lists is right: every such table has a default table, which the
    loader merges the file's keys into. A new model field breaking this fails here, not in an editor."""
    raw = Scenario.model_json_schema()
    found: list[tuple[str, Any]] = []
    _required_outside_lists(raw, raw.get("$defs", {}), defaults_json(), "", found)
    assert found, "the models no longer require keys anywhere: this test checks nothing"
    assert [p for p, d in found if not isinstance(d, dict)] == []


def test_cli_schema_is_the_same_schema() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "dxsim.cli.main", "schema"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == json.loads(json.dumps(json_schema(), default=str))
