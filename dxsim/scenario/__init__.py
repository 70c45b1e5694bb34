"""Scenario files: schema, loading (with `extends`), hashing and generated documentation."""

from dxsim.scenario.docs import json_schema, schema_markdown
from dxsim.scenario.loader import (
    canonical_json,
    load_scenario,
    load_scenario_data,
    load_scenario_dict,
    scenario_folder,
    scenario_sha256,
)
from dxsim.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "canonical_json",
    "json_schema",
    "load_scenario",
    "load_scenario_data",
    "load_scenario_dict",
    "scenario_folder",
    "scenario_sha256",
    "schema_markdown",
]
