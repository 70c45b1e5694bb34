"""Scenario schema introspection: the JSON Schema and the README parameter table.

Both are generated from the pydantic models in :mod:`dxsim.scenario.schema`, so the
documentation cannot drift from what the loader enforces. The same walk over the models
(:func:`shape_at`, :func:`leaf_fields`) gives the loader the unit and range of a field
when it explains an error to a planner.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from dxsim.i18n import N_, pgettext
from dxsim.i18n import gettext as _
from dxsim.scenario.schema import OPERATORS, REGIONS, Scenario
from dxsim.scenario.sections.uncertainty import DEFAULT_RANGES, PATH_PATTERN

SCHEMA_ID = "https://dxsim.local/schema/scenario.json"

# Placeholder names for the keys of dict-valued fields (shown as `operators.<operator>.…`).
_KEY_NAMES: dict[tuple[Any, ...], str] = {tuple(OPERATORS): "operator", tuple(REGIONS): "region"}


@dataclass(frozen=True)
class Shape:
    """What a value at one place in a scenario file must look like."""

    kind: str  # "model" | "dict" | "list" | "scalar"
    py_type: Any = None  # scalar type (int, float, str, dt.date, bool) or the model class
    key: Shape | None = None  # dict keys
    item: Shape | None = None  # dict values / list items
    options: tuple[Any, ...] = ()  # Literal / enum choices
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    lt: float | None = None
    pattern: str | None = None
    max_length: int | None = None
    nullable: bool = False

    @property
    def is_number(self) -> bool:
        return self.kind == "scalar" and self.py_type in (int, float)

    @property
    def model_fields(self) -> dict[str, FieldInfo]:
        return self.py_type.model_fields if self.kind == "model" else {}


@dataclass(frozen=True)
class Located:
    """A field found by path: its shape plus the unit/source/description that apply to it."""

    shape: Shape
    unit: str | None = None
    source: str | None = None
    description: str = ""
    key_name: str = "key"  # placeholder name when this is a dict key


@dataclass(frozen=True)
class LeafDoc:
    """One documented leaf parameter (a row of the README table)."""

    path: str  # dotted, with <placeholders> for dict keys
    shape: Shape
    unit: str | None
    source: str | None
    description: str
    default: str
    required: bool = False
    key_shapes: tuple[tuple[str, Shape], ...] = field(default=())


def _constraints(metadata: typing.Iterable[Any]) -> dict[str, Any]:
    """Collect ge/le/gt/lt/pattern/max_length from pydantic or annotated-types metadata."""
    out: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, FieldInfo):
            out.update(_constraints(m.metadata))
            continue
        for attr in ("ge", "le", "gt", "lt", "pattern", "max_length"):
            v = getattr(m, attr, None)
            if v is not None:
                out[attr] = v
    return out


def shape_of(
    annotation: Any, metadata: typing.Iterable[Any] = (), extra: dict[str, Any] | None = None
) -> Shape:
    """Reduce a type annotation (plus Field metadata) to a :class:`Shape`."""
    cons = _constraints(metadata)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        inner = shape_of(base, meta, extra)
        return _with(inner, cons)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = shape_of(args[0], metadata, extra) if len(args) == 1 else Shape("scalar", object)
        return _with(inner, {"nullable": True})
    if origin is typing.Literal:
        opts = typing.get_args(annotation)
        return Shape("scalar", type(opts[0]), options=tuple(opts), **cons)
    if origin is dict:
        k, v = typing.get_args(annotation)
        return Shape("dict", dict, key=shape_of(k), item=shape_of(v))
    if origin is list:
        (v,) = typing.get_args(annotation)
        return Shape("list", list, item=shape_of(v), **cons)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Shape("model", annotation)
    opts = tuple((extra or {}).get("enum", ()))
    return Shape("scalar", annotation, options=opts, **cons)


def _with(shape: Shape, changes: dict[str, Any]) -> Shape:
    if not changes:
        return shape
    d = {k: getattr(shape, k) for k in shape.__dataclass_fields__}
    d.update(changes)
    return Shape(**d)


def _field_shape(info: FieldInfo) -> Shape:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return shape_of(info.annotation, info.metadata, extra)


def _field_extra(info: FieldInfo) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


def key_name(shape: Shape) -> str:
    """Placeholder for a dict's keys: operator, region, year, key."""
    if shape.options in _KEY_NAMES:
        return _KEY_NAMES[shape.options]
    if shape.py_type is int and shape.ge is not None and shape.ge >= 1900:
        return "year"
    if shape.pattern == PATH_PATTERN:
        return "path"
    return "key"


def key_word(kname: str) -> str:
    """A dict key's placeholder word (:func:`key_name`: operator, region, year, path, key) in the language in use:
    an error read "region không xác định" in a Vietnamese run."""
    return {
        "operator": pgettext("key", "operator"),
        "region": pgettext("key", "region"),
        "year": pgettext("key", "year"),
        "path": pgettext("key", "path"),
        "key": pgettext("key", "key"),
    }.get(kname, kname)


ROOT = Located(Shape("model", Scenario))


def shape_at(loc: typing.Sequence[Any]) -> tuple[Located | None, Located | None]:
    """Follow a pydantic error location from the root: (parent, target); None where it leaves the schema.

    Unit and source are inherited from the nearest enclosing field that declares them
    (e.g. `works.upgrade_permit.p50_days` is in days, `works.upgrade_team_days.p50_days`
    in team-days).
    """
    parent: Located | None = None
    cur: Located | None = ROOT
    for part in loc:
        if cur is None:
            return parent, None
        parent, cur = cur, step(cur, part)
    return parent, cur


def step(cur: Located, part: Any) -> Located | None:
    s = cur.shape
    if s.kind == "model":
        info = s.model_fields.get(part) if isinstance(part, str) else None
        if info is None:
            return None
        ex = _field_extra(info)
        shape = _field_shape(info)
        # a part of a composite takes its unit (p50 of a delay in days), but text, dates and switches do not: the
        # model of a GPU order is not in "GPUs per order"
        inherited = cur.unit if shape.is_number or shape.kind in ("model", "dict", "list") else None
        return Located(
            shape,
            unit=ex.get("x-unit", inherited),
            source=ex.get("x-source", cur.source),
            description=info.description or "",
        )
    if s.kind == "dict":
        assert s.key is not None and s.item is not None  # shape_of sets both for a dict
        if part == "[key]":
            return Located(s.key, description=cur.description, key_name=key_name(s.key))
        return Located(s.item, unit=cur.unit, source=cur.source, description=cur.description)
    if s.kind == "list" and isinstance(part, int):
        assert s.item is not None  # shape_of sets it for a list
        # a table in a list has fields of its own units: the list's unit counts its items ("projects")
        unit = None if s.item.kind == "model" else cur.unit
        return Located(s.item, unit=unit, source=cur.source, description=cur.description)
    return None


@functools.lru_cache(maxsize=1)
def defaults_json() -> dict[str, Any]:
    """Defaults of every field, JSON-style (str keys, ISO dates); `name` is left out (required)."""
    d = Scenario.model_validate({"name": "defaults"}).model_dump(mode="json")
    d.pop("name")
    return d


# --------------------------------------------------------------------------- leaves


def leaf_fields() -> list[LeafDoc]:
    """Every leaf parameter of the scenario, in model order."""
    out: list[LeafDoc] = []
    _walk(ROOT, (), (), out)
    return out


def _walk(
    cur: Located, path: tuple[str, ...], keys: tuple[tuple[str, Shape], ...], out: list[LeafDoc]
) -> None:
    s = cur.shape
    if s.kind == "model":
        for name, info in s.model_fields.items():
            child = step(cur, name)
            assert child is not None
            if "x-unit" not in _field_extra(info) and cur.unit and cur.description:
                # a part of a documented composite (e.g. p50 of a delay): say what it is part of
                desc = f"{cur.description} {child.description}".strip()
                child = Located(child.shape, child.unit, child.source, desc)
            if child.shape.kind in ("model", "dict"):
                _walk(child, path + (name,), keys, out)
            else:
                out.append(_leaf(child, path + (name,), keys))
        return
    if s.kind == "dict":
        assert s.key is not None and s.item is not None
        kname = key_name(s.key)
        item = Located(s.item, cur.unit, cur.source, cur.description)
        p = path + (f"<{kname}>",)
        k = keys + ((kname, s.key),)
        if s.item.kind in ("model", "dict"):
            _walk(item, p, k, out)
        else:
            out.append(_leaf(item, p, k))
        return
    out.append(_leaf(cur, path, keys))


def list_item_fields(leaf: LeafDoc) -> list[LeafDoc]:
    """The fields of each item of a list of tables (`villages.campaigns[].deadline`, `supports[].per_site_vnd_bn`),
    with the item's own defaults ("(required)" where it has none). Why: the reference listed `villages.campaigns` and
    `supports` as "list of tables" only, and the campaign's own description pointed to fields it never showed."""
    s = leaf.shape
    if s.kind != "list" or s.item is None or s.item.kind != "model":
        return []
    items: list[LeafDoc] = []
    # the list's unit counts its items ("projects"), so the items' fields do not inherit it (their own, see `step`)
    _walk(Located(s.item, None, leaf.source, ""), (leaf.path + "[]",), leaf.key_shapes, items)
    model = s.item.py_type
    out = []
    for item in items:
        below = item.path[len(leaf.path) + 3 :].split(".")  # the item's own dotted path, after "<list>[]."
        out.append(dataclasses.replace(item, default=_item_default(model, below), required=False))
        out += list_item_fields(item)  # a list inside an item (a project's phases)
    return out


def _item_default(model: type[BaseModel], parts: list[str]) -> str:
    """The default of a list item's field (dotted `parts` below the item), as the reference shows defaults."""
    info = model.model_fields.get(parts[0])
    if info is None or info.is_required():
        return "(required)"
    value: Any = info.get_default(call_default_factory=True)
    for part in parts[1:]:
        if isinstance(value, BaseModel):
            value = getattr(value, part, None)
        else:  # a per-key table (`<region>`): its defaults are the item's own table
            return _fmt(to_jsonable_python(value))
    return _fmt(to_jsonable_python(value))


def _leaf(cur: Located, path: tuple[str, ...], keys: tuple[tuple[str, Shape], ...]) -> LeafDoc:
    return LeafDoc(
        path=".".join(path),
        shape=cur.shape,
        unit=cur.unit,
        source=cur.source,
        description=cur.description,
        default=_default_text(path) or "(required)",
        required=not _matches(defaults_json(), path, ()),
        key_shapes=keys,
    )


def _default_text(path: tuple[str, ...]) -> str:
    """Render the default of a (possibly templated) path from the defaults dump."""
    if path[:2] == ("uncertainty", "ranges"):
        return "per path: see Uncertain assumptions"  # one table of its own (uncertainty_markdown)
    if path and path[-1].startswith("<"):
        # a per-key table: show each table, labelled by the outer keys
        tables = _matches(defaults_json(), path[:-1], ())
        parts = []
        for label, table in tables:
            body = (
                ", ".join(f"{k}: {_fmt(v)}" for k, v in table.items())
                if isinstance(table, dict)
                else _fmt(table)
            )
            parts.append(f"{label}: {{{body}}}" if label else f"{{{body}}}")
        return "; ".join(parts)
    found = _matches(defaults_json(), path, ())
    if not found:
        return ""
    values = {_fmt(v) for _, v in found}
    if len(values) == 1:
        return values.pop()
    return "; ".join(f"{label}: {_fmt(v)}" for label, v in found)


def _matches(d: Any, path: tuple[str, ...], label: tuple[str, ...]) -> list[tuple[str, Any]]:
    if not path:
        return [("/".join(label), d)]
    head, rest = path[0], path[1:]
    if not isinstance(d, dict):
        return []
    if head.startswith("<"):
        out: list[tuple[str, Any]] = []
        for k, v in d.items():
            out.extend(_matches(v, rest, label + (str(k),)))
        return out
    return _matches(d[head], rest, label) if head in d else []


def _fmt(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, str):
        return v if v else '""'
    return str(v)


# --------------------------------------------------------------------------- wording


def number(x: float) -> str:
    """A bound as a planner would write it (no trailing .0)."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _shape_words() -> dict[str, str]:
    """The words of type_text and range_text in the language in use (their `translated=True` form)."""
    return {
        "a table": pgettext("type", "a table"),
        "table": pgettext("type", "table"),
        "a list of {inner}s": pgettext("type", "a list of {inner}s"),
        "list of {inner}s": pgettext("type", "list of {inner}s"),
        "an integer": pgettext("type", "an integer"),
        "integer": pgettext("type", "integer"),
        "a number": pgettext("type", "a number"),
        "number": pgettext("type", "number"),
        "an ISO date like 2026-01-31": pgettext("type", "an ISO date like 2026-01-31"),
        "date": pgettext("type", "date"),
        "true or false": pgettext("type", "true or false"),
        "true/false": pgettext("type", "true/false"),
        "text": pgettext("type", "text"),
        "a value": pgettext("type", "a value"),
        "value": pgettext("type", "value"),
        "one of {options}": pgettext("range", "one of {options}"),
        "between {low} and {high}": pgettext("range", "between {low} and {high}"),
        "more than {n}": pgettext("range", "more than {n}"),
        "at least {n}": pgettext("range", "at least {n}"),
        "less than {n}": pgettext("range", "less than {n}"),
        "at most {n}": pgettext("range", "at most {n}"),
        "{low} and {high}": pgettext("range", "{low} and {high}"),
        "at most {n} characters": pgettext("range", "at most {n} characters"),
        "matching {pattern}": pgettext("range", "matching {pattern}"),
        "{key} {range}; value {value}": pgettext("range", "{key} {range}; value {value}"),
    }


def unit_text(unit: str, *, translated: bool = False) -> str:
    """A field's unit; translated: in the language in use (the catalogue's "unit" entries; one not there as written).

    Why: `dxsim validate --lang vi` said "một số từ 0 đến 50 VND bn per station", the unit left in English."""
    return pgettext("unit", unit) if translated and unit else unit


def _worded(template: str, translated: bool, **values: Any) -> str:
    """`template` (English) filled in; translated: in the language in use (the loader's messages stay English)."""
    return (_shape_words()[template] if translated else template).format(**values)


def type_text(shape: Shape, article: bool = True, *, translated: bool = False) -> str:
    """'an integer', 'a number', 'an ISO date like 2026-01-31', ..."""
    if shape.kind == "list":
        inner = (
            type_text(shape.item, article=False, translated=translated)
            if shape.item
            else _worded("value", translated)
        )
        return _worded("a list of {inner}s" if article else "list of {inner}s", translated, inner=inner)
    t = shape.py_type
    if shape.kind in ("model", "dict"):
        word = "a table" if article else "table"
    elif t is int:
        word = "an integer" if article else "integer"
    elif t is float:
        word = "a number" if article else "number"
    elif t is dt.date:
        word = "an ISO date like 2026-01-31" if article else "date"
    elif t is bool:
        word = "true or false" if article else "true/false"
    elif t is str:
        word = "text"
    else:
        word = "a value" if article else "value"
    return _worded(word, translated)


def range_text(shape: Shape, *, translated: bool = False) -> str:
    """The allowed range/choices of a scalar: 'between 0 and 100', 'one of 700, 900', ''."""

    def say(template: str, **values: Any) -> str:
        return _worded(template, translated, **values)

    if shape.kind == "list" and shape.item is not None:
        return range_text(shape.item, translated=translated)
    if shape.options:
        return say(
            "one of {options}",
            options=", ".join(number(o) if isinstance(o, (int, float)) else str(o) for o in shape.options),
        )
    lo = shape.ge if shape.ge is not None else shape.gt
    hi = shape.le if shape.le is not None else shape.lt
    if lo is not None and hi is not None:
        if shape.gt is None and shape.lt is None:
            return say("between {low} and {high}", low=number(lo), high=number(hi))
        lo_w = say("more than {n}" if shape.gt is not None else "at least {n}", n=number(lo))
        hi_w = say("less than {n}" if shape.lt is not None else "at most {n}", n=number(hi))
        return say("{low} and {high}", low=lo_w, high=hi_w)
    if lo is not None:
        return say("more than {n}" if shape.gt is not None else "at least {n}", n=number(lo))
    if hi is not None:
        return say("less than {n}" if shape.lt is not None else "at most {n}", n=number(hi))
    if shape.max_length is not None:
        return say("at most {n} characters", n=shape.max_length)
    if shape.pattern is not None:
        return say("matching {pattern}", pattern=shape.pattern)
    return ""


# --------------------------------------------------------------------------- outputs


def json_schema() -> dict[str, Any]:
    """The scenario file's JSON Schema (for `dxsim schema` and editor validation)."""
    schema = Scenario.model_json_schema()
    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
    }
    out.update(_tables_may_be_partial(schema))
    out["title"] = "dxsim scenario"
    out["description"] = (
        "A dxsim planning scenario (TOML). Omitted fields take the defaults shown; "
        "`extends` names a parent scenario file whose values this file overrides. "
        "A table may give only some of its keys (the rest come from the parent or the defaults); "
        "only `name` and the items of lists (which replace whole) must be complete."
    )
    props = dict(out.get("properties", {}))
    props["extends"] = {
        "type": "string",
        "title": "Extends",
        "description": "Parent scenario file, relative to this file's folder; tables merge key by key, other values replace.",
    }
    out["properties"] = props
    return out


def _tables_may_be_partial(schema: dict[str, Any]) -> dict[str, Any]:
    """The models' schema with `required` dropped wherever the loader merges a table.

    The loader lays every file over its parent (`extends`) and the defaults, table by table, so
    `[radio.band_5g_mhz] rural = 700` is a whole scenario although pydantic requires all three bands
    of that model. Kept: the top-level `name` (never inherited) and the items of lists, which replace
    whole. A model used in both places gets a second definition `<Model>Partial`; unused ones go.
    """
    defs: dict[str, Any] = schema.get("$defs", {})
    out_defs = dict(defs)
    partial_name: dict[str, str] = {}

    def partial_ref(name: str) -> str:
        if name not in partial_name:
            partial_name[name] = name  # models do not nest recursively; this only guards a cycle
            body = relax(defs[name])
            if body != defs[name]:
                partial_name[name] = f"{name}Partial"
                out_defs[partial_name[name]] = body
        return partial_name[name]

    def relax(node: Any) -> Any:
        if isinstance(node, list):
            return [relax(n) for n in node]
        if not isinstance(node, dict):
            return node
        res: dict[str, Any] = {}
        for k, v in node.items():
            if k == "required":
                continue
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                res[k] = "#/$defs/" + partial_ref(v.rsplit("/", 1)[1])
            elif k == "properties":
                res[k] = {name: relax(sub) for name, sub in v.items()}
            elif k in ("additionalProperties", "anyOf", "oneOf", "allOf"):
                res[k] = relax(v)
            else:  # items (lists replace whole), defaults, enums, ranges: unchanged
                res[k] = v
        return res

    out = dict(schema)
    out["properties"] = {name: relax(sub) for name, sub in schema.get("properties", {}).items()}
    used: set[str] = set()
    todo = [out["properties"]]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref.rsplit("/", 1)[1] not in used:
                used.add(ref.rsplit("/", 1)[1])
                todo.append(out_defs[ref.rsplit("/", 1)[1]])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    # a model needed only in its partial form keeps its own name
    rename = {f"{n}Partial": n for n in defs if f"{n}Partial" in used and n not in used}

    def renamed(node: Any) -> Any:
        if isinstance(node, list):
            return [renamed(n) for n in node]
        if not isinstance(node, dict):
            return node
        res = {k: renamed(v) for k, v in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref.rsplit("/", 1)[1] in rename:
            res["$ref"] = "#/$defs/" + rename[ref.rsplit("/", 1)[1]]
        return res

    out["properties"] = renamed(out["properties"])
    if out_defs:
        out["$defs"] = {rename.get(n, n): renamed(body) for n, body in out_defs.items() if n in used}
    return out


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


# the defaults schema_markdown shows in words (the others are TOML values)
_WORDED_DEFAULTS = (N_("(required)"), N_("per path: see Uncertain assumptions"))


def schema_markdown() -> str:
    """A Markdown table of every leaf parameter: path, type, unit, default, range, description, source.

    Headings, types, units and ranges in the language in use (the README's table is English); paths, TOML
    defaults and the field descriptions as the schema writes them.
    """
    heads = (_("Field"), _("Type"), _("Unit"), _("Default"), _("Range"), _("Description"), _("Source"))
    rows = [
        "| " + " | ".join(heads) + " |",
        "|---|---|---|---|---|---|---|",
    ]
    for leaf in [f for top in leaf_fields() for f in (top, *list_item_fields(top))]:
        rng = range_text(leaf.shape, translated=True)
        for kname, kshape in leaf.key_shapes:
            krange = range_text(kshape, translated=True)
            if krange and kshape.py_type is int:
                rng = (
                    _worded("{key} {range}; value {value}", True, key=kname, range=krange, value=rng)
                    if rng
                    else f"{kname} {krange}"
                )
        rows.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{leaf.path}`",
                    type_text(leaf.shape, article=False, translated=True),
                    unit_text(leaf.unit or "", translated=True),
                    _(leaf.default) if leaf.default in _WORDED_DEFAULTS else leaf.default,
                    rng,
                    leaf.description,
                    leaf.source or "",
                )
            )
            + " |"
        )
    return "\n".join(rows) + "\n"


def uncertainty_markdown() -> str:
    """The built-in ranges of the uncertain assumptions: path, range, distribution, source."""
    rows = [
        "| "
        + " | ".join((_("Path"), _("Range (x the scenario's value)"), _("Distribution"), _("Source")))
        + " |",
        "|---|---|---|---|",
    ]
    for path, lo, hi, dist, source in sorted(DEFAULT_RANGES):
        rows.append(
            "| "
            + " | ".join(_cell(x) for x in (f"`{path}`", f"{number(lo)} - {number(hi)}", dist, source))
            + " |"
        )
    return "\n".join(rows) + "\n"
