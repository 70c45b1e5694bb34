"""The fully resolved scenario: every value a run used, and what differs between two scenarios.

An option file states only what it changes; a colleague handed an output folder must still see
that the run used 900 northern teams. :func:`resolved_toml` writes every field after `extends` and
the defaults as TOML, headed by the chain of files it came from, and the text loads back with
:func:`dxsim.scenario.load_scenario` to an equal scenario (file paths are written absolute so the
file loads from any folder). :func:`scenario_diff` lists the leaves where two scenarios differ, for
`dxsim show --vs` and `dxsim compare`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import tomli_w

from dxsim._version import __version__
from dxsim.i18n import gettext as _
from dxsim.scenario.envelope import apply_envelope
from dxsim.scenario.loader import _RELATIVE_FILES, grouped_literals, scenario_chain
from dxsim.scenario.messages import dotted
from dxsim.scenario.schema import Scenario


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _Missing:
    """A key one side has and the other lacks (e.g. a year only one scenario's table names)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


# --------------------------------------------------------------------------- chain


def extends_chain(path: str | os.PathLike[str]) -> list[Path]:
    """The files a scenario came from, base first: the loader's own `extends` walk, not a second one."""
    return scenario_chain(path)


# --------------------------------------------------------------------------- plain values


def _plain(value: Any) -> Any:
    """A model_dump value as TOML-ready Python: string keys, lists, dates kept as dates."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def scenario_values(scenario: Scenario, scenario_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Every field of the scenario as plain Python; with `scenario_dir`, data-file paths made absolute.

    The loader stores `sites.file` and `villages.layer.file` relative to the loaded file's folder,
    which means nothing once the values leave that folder.
    """
    data: dict[str, Any] = _plain(scenario.model_dump(mode="python"))
    if scenario_dir is not None:
        base = os.path.realpath(os.fspath(scenario_dir))
        for keys, _what, _allowed in _RELATIVE_FILES:
            node: Any = data
            for k in keys[:-1]:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, dict) and isinstance(node.get(keys[-1]), str):
                node[keys[-1]] = os.path.normpath(os.path.join(base, node[keys[-1]]))
    return data


# --------------------------------------------------------------------------- TOML


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)  # TOML takes the letters


def _toml_value(value: Any) -> str:
    """One TOML value, lists inline (the scenario files write short lists on one line)."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ "
            + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None)
            + " }"
        )
    text: str = tomli_w.dumps({"x": value}).partition(" = ")[2].rstrip("\n")
    # 1.125 would load back as "looks like 1,125" (loader.grouped_literals refuses it where 1125 is allowed): the same
    # number with a fourth decimal, 1.1250, is unambiguous
    return text + "0" if isinstance(value, float) and grouped_literals(text) else text


def toml_text(doc: dict[str, Any]) -> str:
    """A scenario document as TOML text, as the resolved scenario writes it (lists inline, sub-tables after the
    keys, numbers that load back as written)."""
    lines: list[str] = []
    _emit(doc, (), lines)
    return "\n".join(lines).strip("\n") + "\n"


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit(node: dict[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    """Key/value lines of one table (unset fields as comments), then its sub-tables and table arrays."""
    for k, v in node.items():
        if v is None:
            lines.append("# {key} = {unset}".format(key=_key(k), unset=_("(not set)")))
        elif not isinstance(v, dict) and not _is_table_array(v):
            lines.append(f"{_key(k)} = {_toml_value(v)}")
    for k, v in node.items():
        sub = path + (k,)
        header = ".".join(_key(p) for p in sub)
        if isinstance(v, dict):
            lines += ["", f"[{header}]"]
            _emit(v, sub, lines)
        elif _is_table_array(v):
            for item in v:
                lines += ["", f"[[{header}]]"]
                _emit(item, sub, lines)


def _comment(text: str) -> str:
    """Text safe inside a TOML comment (no line breaks or control characters; letters as they are)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def resolved_toml(scenario: Scenario, chain: list[Path]) -> str:
    """The fully resolved scenario as TOML: header (chain, dxsim version), then every field.

    `chain`: the scenario's files, base first (:func:`extends_chain`); its last file's folder is
    the one the scenario's data-file paths are relative to, and they are written absolute.
    """
    top_dir = Path(chain[-1]).parent if chain else Path.cwd()
    data = scenario_values(scenario, top_dir)
    head = _(
        "Resolved scenario {name}: every field after `extends` and the defaults,\nwritten by dxsim {version}. "
        "It loads back as it is (data-file paths are absolute).\nMade from (base first):"
    ).format(name=_comment(scenario.name), version=__version__)
    lines = [f"# {line}" for line in head.split("\n")]
    lines += [f"#   {_comment(os.fspath(p))}" for p in chain] or ["#   " + _("(no file)")]
    folded = envelope_changes(scenario)
    if folded:  # what the run reads in place of the envelope: the values below are the file's, not the run's
        lines.append("#")
        lines += [
            f"# {line}" for line in _("The run folds the budget envelope into these values:").split("\n")
        ]
        lines += [
            "#   "
            + " ".join(f"{field}: {format_value(a)} -> {format_value(b)}".split())  # one comment line each
            for field, a, b in folded
        ]
    lines.append("")
    _emit(data, (), lines)
    return "\n".join(lines).rstrip("\n") + "\n"


def envelope_changes(scenario: Scenario) -> list[tuple[str, Any, Any]]:
    """(field, the scenario's value, the value the run uses) for each field the budget envelope sets when a run folds
    it into the programmes (:func:`dxsim.scenario.envelope.apply_envelope`); empty without an envelope.

    Why: scenario.resolved.toml, "every value the run used", showed Resolution 193's 2025 window and 12,697 bn fund
    for an option whose envelope had extended both (finance trial)."""
    folded = apply_envelope(scenario)
    if folded is scenario:
        return []
    return [d for d in scenario_diff(scenario, folded) if d[0] != "budget.enabled"]


# --------------------------------------------------------------------------- differences


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return False
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def scenario_diff(
    a: Scenario,
    b: Scenario,
    *,
    a_dir: str | os.PathLike[str] | None = None,
    b_dir: str | os.PathLike[str] | None = None,
) -> list[tuple[str, Any, Any]]:
    """(dotted path, value in a, value in b) for every leaf that differs, in schema order.

    A key only one side has (a year in a per-year table) gives :data:`MISSING` on the other side, next to its
    table's other entries. Two lists of tables are compared item by item, so a changed campaign deadline is one
    row, not the whole `villages.campaigns` list cut off in a column; an item only one side has is one row. Items
    with a name (campaigns, support programmes: `name`; data-centre projects: `project_id`) are matched by it (path
    part: the name, `villages.campaigns.tq_2026.deadline`), and the list itself is a row when both have the same
    items in another order; others (GPU orders, grid reinforcements) by position (path part: the index). With `a_dir`/`b_dir` (each scenario file's folder) data-file
    paths are compared as absolute paths, so the same file named from two folders is not a difference.
    """
    out: list[tuple[str, Any, Any]] = []
    _diff(scenario_values(a, a_dir), scenario_values(b, b_dir), (), out)
    return out


def disabled_by(scenario: Scenario, field: str) -> str | None:
    """The switch (`budget.enabled`) of the nearest part that holds `field` and is off in `scenario`, or None: the model
    does not read a field of a part that is off. Why: an option that set the envelope's yearly totals with
    `budget.enabled = false` validated "ok", and compare said its change "moved nothing", not that it was ignored."""
    node: Any = scenario
    parts = field.split(".")
    for i, part in enumerate(parts[:-1]):
        enabled = getattr(node, "enabled", None)
        if enabled is False and i > 0:
            return ".".join([*parts[:i], "enabled"])
        node = getattr(node, part, None) if not isinstance(node, (list, dict)) else None
        if node is None:
            return None
    if getattr(node, "enabled", None) is False and parts[-1] != "enabled":
        return ".".join([*parts[:-1], "enabled"])
    return None


def unread_fields(scenario: Scenario) -> list[tuple[str, str]]:
    """(field, switch) for each field the scenario sets away from its default inside a part that is off
    (:func:`disabled_by`): what `dxsim validate` notes."""
    defaults = type(scenario).model_validate({"name": scenario.name})
    return [(f, off) for f, _a, _b in scenario_diff(defaults, scenario) if (off := disabled_by(scenario, f))]


def _diff(va: Any, vb: Any, path: tuple[str | int, ...], out: list[tuple[str, Any, Any]]) -> None:
    if isinstance(va, dict) and isinstance(vb, dict):
        for k in [*va, *(k for k in vb if k not in va)]:
            _diff(va.get(k, MISSING), vb.get(k, MISSING), path + (str(k),), out)
    elif _tables(va) and _tables(vb):
        key = _identity(va, vb)
        if key is None:  # items without a name of their own (GPU orders, grid reinforcements): by position
            for i in range(max(len(va), len(vb))):
                _diff(
                    va[i] if i < len(va) else MISSING,
                    vb[i] if i < len(vb) else MISSING,
                    path + (i,),  # dotted counts it from 1: extra_orders[1]
                    out,
                )
            return
        a_by, b_by = {item[key]: item for item in va}, {item[key]: item for item in vb}
        shared_a, shared_b = [n for n in a_by if n in b_by], [n for n in b_by if n in a_by]
        if (
            shared_a != shared_b
        ):  # the same items in another order: the order itself is a setting (a village goes to
            out.append((dotted(path), shared_a, shared_b))  # the first listed campaign that claims it)
        for name in [*b_by, *(n for n in a_by if n not in b_by)]:
            _diff(a_by.get(name, MISSING), b_by.get(name, MISSING), path + (name,), out)
    elif not _same(va, vb):
        out.append((dotted(path), va, vb))


def _tables(value: Any) -> bool:
    """A non-empty list of tables (compared item by item)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


# the field that names an item of a list of tables (a campaign, a support programme, a data-centre project)
IDENTITY_FIELDS = ("name", "project_id")


def _identity(va: list[dict[str, Any]], vb: list[dict[str, Any]]) -> str | None:
    """The field that names every item of both lists, uniquely within each, or None. Why: items matched by position
    made a campaign added in front of the defaults read as both defaults' deadlines and launches changed."""
    for key in IDENTITY_FIELDS:
        names = [[item.get(key) for item in items] for items in (va, vb)]
        if all(isinstance(n, str) and n for ns in names for n in ns) and all(
            len(set(ns)) == len(ns) for ns in names
        ):
            return key
    return None


def format_value(value: Any) -> str:
    """A value as a scenario file would state it (dates ISO, lists and tables inline); an absent or unset one in the
    language in use (`show --vs` and compare printed "(no entry)" in a Vietnamese run)."""
    if value is MISSING:
        return _("(no entry)")
    if value is None:
        return _("(not set)")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dt.date, int, float)):
        return value.isoformat() if isinstance(value, dt.date) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(str(k))} = {format_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def jsonable(value: Any) -> Any:
    """A diff value for JSON: dates ISO, an absent key or unset field as null."""
    if value is MISSING or value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value
