"""Every scenario parameter is documented: a unit, a range and a cited default.

The parameter table is regenerated from the models and checked against an independent
walk of the models, so a new field cannot be added without showing up in the docs, and
a numeric field without unit, range or source fails here.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from dxsim.scenario import Scenario, json_schema, schema_markdown

# How dict-valued fields are shown in the docs (see dxsim.scenario.docs).
PLACEHOLDER = {
    "operators": "<operator>",
    "crews": "<region>",
    "seasons": "<region>",
    "ranges": "<path>",
    "extra_utility_teams": "<region>",  # a campaign's surge teams
    "extra_operator_teams": "<region>",
    "nr_bandwidth_mhz": "<key>",  # a 5G band (MHz)
    "nr_mimo_layers": "<key>",
}
COLUMNS = ["Field", "Type", "Unit", "Default", "Range", "Description", "Source"]


def _unwrap(ann: Any) -> Any:
    """Strip Annotated[...] and Optional[...]."""
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(args) != 1:
                return ann
            ann = args[0]
        else:
            return ann


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def model_leaves(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """(dotted path, leaf annotation) for every leaf of the model, walked independently of docs.py; a list of tables
    is a leaf, and so is each field of its items (`villages.campaigns[].deadline`)."""
    for name, info in model.model_fields.items():
        ann = _unwrap(info.annotation)
        path = prefix + (name,)
        if typing.get_origin(ann) is list and _is_model(_unwrap(typing.get_args(ann)[0])):
            yield ".".join(path), ann
            yield from model_leaves(_unwrap(typing.get_args(ann)[0]), path[:-1] + (name + "[]",))
        elif _is_model(ann):
            yield from model_leaves(ann, path)
        elif typing.get_origin(ann) is dict:
            key, value = (_unwrap(a) for a in typing.get_args(ann))
            ph = PLACEHOLDER.get(name) or ("<year>" if key is int else None)
            assert ph, f"no docs placeholder convention for the keys of {'.'.join(path)}"
            if _is_model(value):
                yield from model_leaves(value, path + (ph,))
            else:
                yield ".".join(path + (ph,)), value
        else:
            yield ".".join(path), ann


def _is_numeric(ann: Any) -> bool:
    if typing.get_origin(ann) is list:
        return _is_numeric(_unwrap(typing.get_args(ann)[0]))
    return ann in (int, float)


def parse_table(markdown: str) -> dict[str, dict[str, str]]:
    lines = markdown.strip().splitlines()
    header = [c.strip() for c in re.split(r"(?<!\\)\|", lines[0])[1:-1]]
    assert header == COLUMNS
    rows: dict[str, dict[str, str]] = {}
    for line in lines[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == len(COLUMNS), line
        row = dict(zip(COLUMNS, cells))
        path = row["Field"].strip("`")
        assert path not in rows, f"{path} listed twice"
        rows[path] = row
    return rows


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, str]]:
    return parse_table(schema_markdown())


LEAVES = dict(model_leaves(Scenario))
NUMERIC = sorted(p for p, ann in LEAVES.items() if _is_numeric(ann))


def test_table_lists_every_leaf_field_and_nothing_else(table: dict[str, dict[str, str]]) -> None:
    assert set(table) == set(LEAVES)
    assert len(NUMERIC) > 20


def test_table_is_deterministic() -> None:
    assert schema_markdown() == schema_markdown()


@pytest.mark.parametrize("path", NUMERIC)
def test_numeric_leaf_has_unit_range_default_and_source(table: dict[str, dict[str, str]], path: str) -> None:
    row = table[path]
    assert row["Unit"], f"{path}: no unit (x-unit)"
    assert row["Range"], f"{path}: no range (ge/le or allowed values)"
    assert row["Source"], f"{path}: no source for the default (x-source)"
    # a list item's own required field (an order's GPUs, a reinforcement's MW) has none: the item must state it
    if not ("[]" in path and row["Default"] == "(required)"):
        assert row["Default"] and row["Default"] != "(required)", f"{path}: no default"
    assert row["Description"], f"{path}: no description"


@pytest.mark.parametrize("path", [p for p in NUMERIC if "[]" in p])
def test_list_item_field_has_its_own_unit_not_the_lists(table: dict[str, dict[str, str]], path: str) -> None:
    """A list's unit counts its items ("projects"); its items' fields (a project's longitude, a phase's MW) read
    "projects" when they took it over."""
    list_path = path[: path.rindex("[]")]
    assert table[path]["Unit"] != table[list_path]["Unit"], f"{path}: the unit of {list_path}"


def test_only_name_is_required(table: dict[str, dict[str, str]]) -> None:
    """Of the scenario's own fields only `name`; a list item's field is required where its table needs it (a GPU
    order's model and count), and the reference says so."""
    assert [p for p, row in table.items() if row["Default"] == "(required)" and "[]" not in p] == ["name"]
    items = {p: row for p, row in table.items() if "[]" in p}
    assert items["villages.campaigns[].deadline"]["Default"] == "2025-11-30"
    assert items["compute.gpus.orders[].gpus"]["Default"] == "(required)"
    assert items["supports[].per_site_vnd_bn"]["Default"] == "0"


def _schema_nodes(node: Any, where: str = "$") -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        yield where, node
        for k, v in node.items():
            yield from _schema_nodes(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _schema_nodes(v, f"{where}[{i}]")


def test_json_schema_numbers_have_ranges_and_units_have_sources() -> None:
    schema = json_schema()
    json.dumps(schema)  # serialisable for `dxsim schema`
    assert schema["$id"] and schema["title"]
    for where, node in _schema_nodes(schema):
        if node.get("type") in ("integer", "number"):
            has_lo = "minimum" in node or "exclusiveMinimum" in node
            has_hi = "maximum" in node or "exclusiveMaximum" in node
            assert "enum" in node or (has_lo and has_hi), f"{where}: number without a range"
        if "x-unit" in node or "x-source" in node:
            assert node.get("x-unit") and node.get("x-source"), f"{where}: unit without source or vice versa"
            assert node.get("description"), f"{where}: no description"
