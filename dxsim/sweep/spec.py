"""SWEEP.toml: parameter ranges over a base scenario, validated against the scenario schema.

Format (paths relative to the sweep file)::

    base = "../baseline.toml"        # the scenario every run starts from (may itself `extends`)
    name = "supply-and-crews"        # optional; default: the file's stem; outputs go to outputs/sweeps/<name>/
                                     # (a folder name: letters, digits, '_', '.', '-', at most 64, see NAME_PATTERN)
    method = "sobol"                 # "sobol" | "morris" | "lhs" | "grid"
    samples = 16                     # N (see below for the number of runs; not for grid)
    seed = 20251031                  # sampling, bootstrap AND simulation seed of every run (common random numbers)
    reps_per_run = 1                 # replications per run (KPI of a run = mean over its replications)
    kpis = ["pop_covered_5g_pct_2027_12", "year_last_village_connected", "dc_it_capacity_mw_end"]

    # optional analysis settings
    second_order = false             # sobol: also second-order indices (runs N x (2D + 2) instead of N x (D + 2))
    morris_levels = 4                # morris: grid levels (even)
    bootstrap = 100                  # resamples for the confidence intervals
    conf_level = 0.95                # of the confidence intervals
    top = 3                          # drivers named per KPI

    [[parameters]]
    path = "supply.deliveries_per_month"   # dotted path into the scenario (dict keys too: crews.north.teams,
    low = 4000                             #   operators.viettel.annual_new_5g_sites.2026; an item of a list of
    high = 20000                           #   named tables by its name: supports.rural_new.per_site_vnd_bn,
                                           #   villages.campaigns.no_power_2025_11.mobilisation.p50_days)

    # method = "grid": each parameter lists the values to run instead of low/high, and every combination runs
    # [[parameters]]
    # path = "villages.programme.budget_vnd_bn.2026"
    # values = [250, 500, 1000]

Runs: sobol N x (D + 2) (N x (2D + 2) with second_order; N a power of 2 is best), morris N
trajectories x (D + 1), lhs N (D = number of parameters), grid the product of the parameters' numbers of values
(analysed by Spearman's rho and its permutation test, as lhs; a planner asking "what if the budget were 250, 500
or 1,000 bn" got Latin-hypercube budgets such as 809.6476857296142, provincial planner trial). Size limits, checked before anything is
sampled: at most :data:`MAX_RUNS` (20,000) runs (planning holds every run's validated scenario,
~50 KB each); above :data:`CONFIRM_REPLICATIONS` (5,000) runs x reps_per_run replications (~40 min
of compute at ~0.5 s each on one core) a sweep starts only when confirmed (`dxsim sweep --yes`,
`run_sweep(..., yes=True)`); the refusal states the estimated time. The file itself is at most
:data:`MAX_FILE_BYTES` (1 MB) and its integers at most 4,300 digits (Python's limit).

Validation (each problem is ONE `DxsimInputError` line naming the sweep file, the key and what is
allowed): unknown or missing keys, `method` not one of the three, `samples`/`reps_per_run` not a
positive integer, an empty `kpis`/`parameters` list, a KPI the model does not report for the base
scenario's horizon, a `path` that is not a numeric field of the scenario schema (unknown section,
key or dict key, a table, a list whose items have no name, a name the base scenario's list does not hold, a date
or text), `low >= high`, `low`/`high` outside the
field's own range (from the schema, e.g. 0..1,000,000 kits per month), the same path twice. Each
sampled scenario is then built as an override of the base's merged dict and validated through the
same pydantic model as a scenario file, so cross-field rules (e.g. p90_days >= p50_days) are
checked for every run before anything is simulated. Integer fields take the rounded sample.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import os
import re
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dxsim.delay import Z99, quantile_days
from dxsim.errors import DxsimInputError
from dxsim.execution import kpi_names
from dxsim.i18n import N_, language, ngettext, pgettext
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.scenario import load_scenario, load_scenario_dict
from dxsim.scenario.docs import ROOT, key_name, key_word, step, unit_text
from dxsim.scenario.loader import _validate, field_bounds, toml_error_text
from dxsim.scenario.constants import item_field
from dxsim.scenario.messages import allowed_text, parse_field
from dxsim.scenario.sections.uncertainty import concrete_ranges
from dxsim.scenario.unit_slips import check_value
from dxsim.runner_budget import BUDGET_SECONDS, SECONDS_PER_WORLD

METHODS = ("sobol", "morris", "lhs", "grid")
TOP_KEYS = (
    "base",
    "name",
    "method",
    "samples",
    "seed",
    "reps_per_run",
    "kpis",
    "parameters",
    "second_order",
    "morris_levels",
    "bootstrap",
    "conf_level",
    "top",
)
PARAM_KEYS = ("path", "low", "high")
GRID_PARAM_KEYS = ("path", "values")  # method = "grid": the values a planner chose, every combination run
MAX_GRID_VALUES = 1000  # values of one parameter of a grid
RESERVED_PATHS = {"seed": N_("the sweep's own `seed` sets it"), "replications": N_("use `reps_per_run`")}
MAX_SAMPLES = 1_000_000
MAX_RUNS = 20_000  # runs of one sweep, whatever --yes says (~50 KB of validated scenario each while planning)
# what a user writes for a key of another name (`replications` got no "did you mean": search-workflow trial)
SAID_FOR = {"replications": "reps_per_run", "reps": "reps_per_run"}
CONFIRM_REPLICATIONS = 5_000  # runs x reps_per_run above which a sweep needs --yes (~40 min on one core)
SECONDS_PER_REPLICATION = 0.5  # national baseline to 2030 on one core (bench/RESULTS.md: ~0.45 s)
MAX_FILE_BYTES = 1_000_000  # a sweep file is a few hundred bytes; anything near this is not one
# the sweep's name is a folder name (outputs/sweeps/<name>/): the scenario name's pattern
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
NAME_ALLOWED = N_("1-64 characters: letters, digits, '_', '.' or '-', starting with a letter or digit")


@dataclass(frozen=True)
class Parameter:
    """A swept (or optimised) field: its dotted path as written, its range, and where it sits in the scenario.

    `parts` is the path split at its dots; `keys` is the same address into the scenario's dict, with the
    position (an int) in place of the name of an item of a list of named tables (`supports.rural.per_site_vnd_bn`
    -> ("supports", 0, "per_site_vnd_bn")), so overriding never searches a list again."""

    path: str
    low: float
    high: float
    integer: bool
    parts: tuple[str, ...]
    unit: str | None = None
    keys: tuple[str | int, ...] = ()
    # method = "grid": the chosen values, in the file's order (low, high: their ends)
    values: tuple[float, ...] = ()

    @property
    def address(self) -> tuple[str | int, ...]:
        """Where the value goes in the scenario's dict (`keys`, or `parts` when the path crosses no list)."""
        return self.keys or self.parts

    def cast(self, x: float) -> float | int:
        return int(round(x)) if self.integer else float(x)


@dataclass
class SweepSpec:
    file: Path
    base: Path
    name: str
    method: str
    samples: int
    seed: int
    reps_per_run: int
    kpis: list[str]
    parameters: list[Parameter]
    second_order: bool = False
    morris_levels: int = 4
    bootstrap: int = 100
    conf_level: float = 0.95
    top: int = 3
    base_merged: dict[str, Any] = field(default_factory=dict, repr=False)
    base_scenario: Any = field(default=None, repr=False)

    @property
    def problem(self) -> dict[str, Any]:
        """SALib problem definition."""
        return {
            "num_vars": len(self.parameters),
            "names": [p.path for p in self.parameters],
            "bounds": [[p.low, p.high] for p in self.parameters],
        }


def _num(v: float) -> str:
    return f"{int(v):d}" if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"


def shown_g(v: float, digits: int = 6) -> str:
    """f"{v:.{digits}g}" with the language's decimal mark (English: exactly that; exponents as Python writes them)."""
    text = f"{v:.{digits}g}"
    if language() == "en" or "e" in text or "n" in text:
        return text
    return F.plain(v, len(text.split(".")[1]) if "." in text else 0)


def _kind(kind: str) -> str:
    """'sweep' / 'optimisation' (the kind of file) in the language in use."""
    return {"sweep": pgettext("file", "sweep"), "optimisation": pgettext("file", "optimisation")}.get(
        kind, kind
    )


def _err(
    file: Path | str, msg: str, key: str | None = None, value: Any = None, allowed: str | None = None
) -> DxsimInputError:
    return DxsimInputError(msg, file=str(file), field=key, value=value, allowed=allowed)


def _int(file: Path, d: dict[str, Any], key: str, default: int | None, lo: int, hi: int) -> int:
    v = d.get(key, default)
    if v is None:
        raise _err(
            file,
            _("field required"),
            key,
            allowed=_("an integer between {low} and {high}").format(low=lo, high=hi),
        )
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise _err(
            file,
            _("not an integer in range"),
            key,
            v,
            _("an integer between {low} and {high}").format(low=lo, high=hi),
        )
    return int(v)


def _number(file: Path, v: Any, key: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise _err(file, _("not a number"), key, v, _("a finite number"))
    return float(v)


# --------------------------------------------------------------------------- parameter paths


@dataclass(frozen=True)
class Resolved:
    """A dotted path checked against the scenario schema (and the base scenario, for named list items)."""

    parts: tuple[str, ...]  # the path's parts as written (years normalised: "02026" -> "2026")
    keys: tuple[str | int, ...]  # the address into the scenario's dict: list items by position
    leaf: Any  # the field's Located (shape, unit, range)
    integer: bool
    unit: str | None

    def parameter(self, low: float, high: float) -> Parameter:
        # a place is written as messages write it: compute.gpus.extra_orders[2].gpus, not extra_orders.[2].gpus
        path = ".".join(self.parts).replace(".[", "[")
        return Parameter(path, low, high, self.integer, self.parts, self.unit, self.keys)


# the field that names an item of a list of tables in a path: the first of these its tables have
ITEM_KEYS = ("project_id", "name")


def _item_key(shape: Any) -> str | None:
    """The field an item of this list of tables is addressed by (`[[supports]]`, `[[villages.campaigns]]`: its
    `name`; `compute.datacentres.extra_projects`: its `project_id`, `name` there being a free display name), or
    None for a list whose items carry neither."""
    item = shape.item
    if item is None or item.kind != "model":
        return None
    return next((k for k in ITEM_KEYS if k in item.model_fields), None)


def _item_id(item: Any) -> str | None:
    """An item's name as a path gives it: its first ITEM_KEYS field."""
    field = next((k for k in ITEM_KEYS if hasattr(item, k)), None)
    return None if field is None else str(getattr(item, field))


def _item_names(base: Any, keys: tuple[str | int, ...]) -> list[str]:
    """The names (`_item_id`) of the items of the list at `keys` in the validated base scenario."""
    obj = base
    for k in keys:
        obj = (
            obj[k] if isinstance(k, int) else (obj.get(k) if isinstance(obj, dict) else getattr(obj, k, None))
        )
        if obj is None:
            return []
    return [_item_id(item) or "" for item in obj]


def resolve_path(file: Path, key: str, path: Any, base: Any = None) -> Resolved:
    """Walk a dotted path through the scenario schema. An item of a list of named tables is addressed by its name
    (`supports.rural.per_site_vnd_bn`); which names exist is read from `base`, the validated base scenario."""
    if not isinstance(path, str) or not path.strip():
        raise _err(
            file,
            _("not a dotted path"),
            key,
            path,
            _("a dotted path into the scenario, e.g. supply.deliveries_per_month"),
        )
    # an item of a list by its name (`supports.rural.x`) or by its place as messages write it (`supports[1].x`)
    written = parse_field(".".join(p.strip() for p in path.strip().split(".")))
    parts = tuple(p if isinstance(p, str) else f"[{p + 1}]" for p in written)
    if parts[0] in RESERVED_PATHS and len(parts) == 1:
        raise _err(
            file, _("cannot be swept ({reason})").format(reason=_(RESERVED_PATHS[parts[0]])), key, path
        )
    cur = ROOT
    keys: tuple[str | int, ...] = ()
    for i, part in enumerate(parts):
        s = cur.shape
        here = ".".join(parts[:i]).replace(".[", "[") or _("the scenario")
        item: int | None = None
        if s.kind == "model":
            bracket = re.fullmatch(r"([^\[\]]+)\[(.*)\]", part)
            if part not in s.model_fields and bracket is not None and bracket.group(1) in s.model_fields:
                # supports[0], supports[-1], supports[x]: a place that is no count from 1 (parse_field read none)
                raise _err(
                    file,
                    _("{place} is no place in the list {name}: its items are counted from 1").format(
                        place=repr("[" + bracket.group(2) + "]"), name=bracket.group(1)
                    ),
                    key,
                    path,
                    _("{name}[1] for the first item, or the item's name").format(name=bracket.group(1)),
                )
            if part not in s.model_fields:
                close = difflib.get_close_matches(part, list(s.model_fields), n=1, cutoff=0.6)
                hint = "; " + _("did you mean {name}?").format(name=repr(close[0])) if close else ""
                raise _err(
                    file,
                    _("unknown key {key} in {where}").format(key=repr(part), where=here) + hint,
                    key,
                    path,
                    _("one of {options}").format(options=", ".join(s.model_fields)),
                )
        elif s.kind == "dict":
            ks = s.key
            assert ks is not None  # a dict shape always has a key shape (docs.shape_of)
            kname = key_name(ks)
            if ks.options:
                if part not in [str(o) for o in ks.options]:
                    raise _err(
                        file,
                        _("unknown {kind} {key} in {where}").format(
                            kind=key_word(kname), key=repr(part), where=here
                        ),
                        key,
                        path,
                        ", ".join(str(o) for o in ks.options),
                    )
            elif ks.py_type is int:
                try:
                    k = int(part)
                except ValueError:
                    k = None
                lo, hi = ks.ge if ks.ge is not None else -math.inf, ks.le if ks.le is not None else math.inf
                if k is None or not lo <= k <= hi:
                    raise _err(
                        file,
                        _("{key} is not a valid {kind} in {where}").format(
                            key=repr(part), kind=key_word(kname), where=here
                        ),
                        key,
                        path,
                        _("a {kind} between {low} and {high}").format(
                            kind=key_word(kname), low=f"{lo:g}", high=f"{hi:g}"
                        ),
                    )
                h = getattr(base, "horizon", None)
                if kname == "year" and h is not None and not h.start_date.year <= k <= h.end_date.year:
                    # the model reads no year outside the horizon: an optimiser lever there searched a value that
                    # changed nothing, and showed it on its Pareto front (operator trial)
                    raise _err(
                        file,
                        _(
                            "year {year} lies outside the base scenario's horizon ({start} to {end}): no run reads it"
                        ).format(year=k, start=h.start_date, end=h.end_date),
                        key,
                        path,
                        _("a year from {low} to {high}").format(low=h.start_date.year, high=h.end_date.year),
                    )
                parts = parts[:i] + (str(k),) + parts[i + 1 :]
        elif s.kind == "list" and _item_key(s) is not None and base is not None:
            names = _item_names(base, keys)
            place = written[i]
            if isinstance(place, int):  # supports[2]: the second item, named as the base names it
                if place >= len(names):
                    raise _err(
                        file,
                        (
                            _("{where} of the base scenario has 1 item")
                            if len(names) == 1
                            else _("{where} of the base scenario has {n} items")
                        ).format(where=here, n=len(names)),
                        key,
                        path,
                        _("an item's name ({options}) or its place, from 1").format(options=", ".join(names)),
                    )
                part = names[place]
                parts = parts[:i] + (part,) + parts[i + 1 :]
            if part not in names:
                close = difflib.get_close_matches(part, names, n=1, cutoff=0.6)
                hint = "; " + _("did you mean {name}?").format(name=repr(close[0])) if close else ""
                raise _err(
                    file,
                    _("no item named {name} in {where} of the base scenario").format(
                        name=repr(part), where=here
                    )
                    + hint,
                    key,
                    path,
                    _("one of {options}").format(options=", ".join(names))
                    if names
                    else _("a name of an item the base scenario lists there (it lists none)"),
                )
            if names.count(part) > 1:
                raise _err(
                    file,
                    _("{where} of the base scenario has two items named {name}").format(
                        where=here, name=repr(part)
                    ),
                    key,
                    path,
                    _("give each item its own name in the base scenario"),
                )
            item = names.index(part)
        elif s.kind == "list" and base is not None and isinstance(written[i], int):
            # an item of a list without names by its place, as show --vs and compare write it (extra_orders[2].gpus)
            place, n_items = int(written[i]), len(_item_names(base, keys))
            if place >= n_items:
                raise _err(
                    file,
                    (
                        _("{where} of the base scenario has 1 item")
                        if n_items == 1
                        else _("{where} of the base scenario has {n} items")
                    ).format(where=here, n=n_items),
                    key,
                    path,
                    _("a place from 1 to {n}").format(n=n_items) if n_items else _("a list the base fills"),
                )
            item = place
        else:
            msg = (
                _("{where} is a list whose items have no name; nothing below it can be swept")
                if s.kind == "list"
                else _("{where} is a single value; nothing below it can be swept")
            )
            raise _err(file, msg.format(where=here), key, path, _("a dotted path to a numeric field"))
        nxt = step(cur, part if item is None else item)
        if nxt is None:  # pragma: no cover - step mirrors the checks above
            raise _err(file, _("unknown key {key} in {where}").format(key=repr(part), where=here), key, path)
        cur = nxt
        keys += (parts[i] if item is None else item,)
    s = cur.shape
    if not s.is_number or s.options:
        msg = {
            "model": _("{path} is a table"),
            "dict": _("{path} is a table"),
            "list": _("{path} is a list"),
        }.get(s.kind, _("{path} is not a number"))
        allowed = (
            _("a numeric field (integer or number); add a key below it")
            if s.kind in ("model", "dict")
            else _("a numeric field (integer or number); sweeps vary numbers only")
        )
        raise _err(file, msg.format(path=path), key, path, allowed)
    return Resolved(parts, keys, cur, s.py_type is int, cur.unit)


def _range_text(leaf: Any) -> str:
    return allowed_text(leaf) or _("within the field's range")


def _outside(leaf: Any, v: float) -> bool:
    """Whether v is outside the schema field's own range."""
    s = leaf.shape
    return (
        (s.ge is not None and v < s.ge)
        or (s.gt is not None and v <= s.gt)
        or (s.le is not None and v > s.le)
        or (s.lt is not None and v >= s.lt)
    )


def _check_range(file: Path, key: str, path: str, low: float, high: float, leaf: Any) -> None:
    if low >= high:
        raise _err(
            file,
            _("low ({low}) must be below high ({high})").format(low=_num(low), high=_num(high)),
            key,
            path,
            "low < high",
        )
    for name, v in (("low", low), ("high", high)):
        if _outside(leaf, v):
            raise _err(
                file,
                _("{name} = {value} is outside the field's range").format(name=name, value=_num(v)),
                key,
                path,
                _range_text(leaf),
            )


def _grid_values(file: Path, key: str, path: str, raw: Any, leaf: Any, integer: bool) -> tuple[float, ...]:
    """A grid parameter's `values`: at least two distinct numbers inside the field's range, whole for a whole
    field; one line naming the first that is not."""
    field = f"{key}.values"
    if not isinstance(raw, list) or len(raw) < 2:
        raise _err(
            file,
            _("not a list of at least two numbers"),
            field,
            raw,
            _("e.g. values = [250, 500, 1000]: every combination of the parameters' values runs"),
        )
    if len(raw) > MAX_GRID_VALUES:
        raise _err(
            file,
            _("{n} values").format(n=F.number(len(raw))),
            field,
            allowed=_('at most {n} values; use method = "lhs" for a range').format(
                n=F.number(MAX_GRID_VALUES)
            ),
        )
    out: list[float] = []
    for i, v in enumerate(raw):
        x = _number(file, v, item_field(field, i))
        if integer and not float(x).is_integer():
            raise _err(
                file,
                _("not a whole number"),
                item_field(field, i),
                v,
                _("whole numbers: {path} is counted in units").format(path=path),
            )
        if _outside(leaf, x):
            raise _err(file, _("out of range"), item_field(field, i), v, _range_text(leaf))
        if x in out:
            raise _err(file, _("listed twice"), item_field(field, i), v, _("each value once"))
        out.append(float(x))
    return tuple(out)


# --------------------------------------------------------------------------- loading


def refuse_scenario_file(file: Path, raw: dict[str, Any], kind: str, example: str) -> None:
    """A scenario file given where a sweep or optimisation file belongs: say so, not "unknown key 'description'".

    It is told by what it has and such a file has not: no `base`, and a key only a scenario has."""
    only_scenario = set(ROOT.shape.model_fields) - {"name", "seed"}
    if "base" not in raw and (only_scenario | {"extends"}) & set(raw):
        what = _("an optimisation file") if kind == "optimisation" else _("a sweep file")
        raise _err(
            file,
            _("is a scenario file, not {what} (which names its scenario in `base`)").format(what=what),
            allowed=_("{what}, e.g. {example}").format(what=what, example=example),
        )


# The top-level keys of an optimisation file (dxsim.optimise.spec reads them from here: it builds on this module,
# which cannot import it); the keys only one kind of file has tell a file given to the other command.
OPTIMISE_TOP_KEYS = (
    "base",
    "name",
    "seed",
    "reps",
    "max_evals",
    "batch",
    "sampler",
    "validate_reps",
    "local_rounds",
    "variables",
    "shares",
    "objectives",
    "constraints",
)
SWEEP_ONLY_KEYS = frozenset(TOP_KEYS) - frozenset(OPTIMISE_TOP_KEYS)
OPTIMISE_ONLY_KEYS = frozenset(OPTIMISE_TOP_KEYS) - frozenset(TOP_KEYS)


def refuse_other_tool_file(file: Path, raw: dict[str, Any], kind: str) -> None:
    """An optimisation file given to `dxsim sweep` (or a sweep file to `dxsim optimise`): say so and name the
    command that reads it, not "unknown key 'reps'" / "unknown key 'method'".

    It is told by keys only the other kind of file has, and none only this kind has (so a sweep file with one
    mistyped key is still told about that key)."""
    own, other = (
        (OPTIMISE_ONLY_KEYS, SWEEP_ONLY_KEYS)
        if kind == "optimisation"
        else (SWEEP_ONLY_KEYS, OPTIMISE_ONLY_KEYS)
    )
    if own & set(raw) or not other & set(raw):
        return
    if kind == "optimisation":
        msg = _("is a sweep file, not an optimisation file; run it with `dxsim sweep`")
        allowed = _("{what}, e.g. {example}").format(
            what=_("an optimisation file"), example="scenarios/optimise/envelope-split.toml"
        )
    else:
        msg = _("is an optimisation file, not a sweep file; run it with `dxsim optimise`")
        allowed = _("{what}, e.g. {example}").format(
            what=_("a sweep file"), example="scenarios/sweeps/example.toml"
        )
    raise _err(file, msg, allowed=allowed)


def _value_at(scenario: Any, path: str) -> Any:
    """The resolved value at a dotted path of a validated scenario (None where the path does not lead to one)."""
    obj = scenario
    for part in path.split("."):
        if isinstance(obj, dict):
            obj = obj.get(part, obj.get(int(part)) if part.isdigit() else None)
        elif isinstance(obj, list):  # a list of named tables: its item by name (resolve_path's ITEM_KEYS)
            obj = next((item for item in obj if _item_id(item) == part), None)
        else:
            obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def uncertainty_cautions(spec: SweepSpec) -> list[str]:
    """A note for each swept path that the base scenario's `[uncertainty]` also draws in every replication.

    Why: the draw multiplies the swept value, so a threshold `discover` reports ("accepted loss below 1.57") and a
    sensitivity read the nominal value, not the one the run used, and nothing said so (operator trial)."""
    sc = spec.base_scenario
    unc = getattr(sc, "uncertainty", None)
    if unc is None or not unc.enabled:
        return []
    drawn = concrete_ranges(sc, unc.ranges)
    out = []
    for p in spec.parameters:
        parts = p.path.split(
            "."
        )  # the path or a table above it (a delay is drawn as one: p50 and p90 together)
        hit = next((drawn[q] for i in range(len(parts), 0, -1) if (q := ".".join(parts[:i])) in drawn), None)
        if hit is None or hit[1].low_factor == hit[1].high_factor == 1.0:
            continue
        out.append(
            _(
                "`{path}` is swept and also drawn in every replication (uncertainty.ranges {key}: x{low} to x{high} of "
                "the swept value): the thresholds and sensitivities read the swept, nominal value. Set "
                "uncertainty.enabled = false in the base, or drop that range, to sweep the value alone."
            ).format(
                path=p.path,
                key=repr(hit[0]),
                low=F.number(hit[1].low_factor, 2),
                high=F.number(hit[1].high_factor, 2),
            )
        )
    return out


def unit_cautions(spec: SweepSpec) -> list[str]:
    """A note for each swept range whose ends look like a unit slip against its field and the base scenario's value
    (`dxsim.scenario.unit_slips.check_value`, what `dxsim validate` notes in a scenario): 0.1 to 0.4 on a field in
    percent sweeps 0.1%-0.4%, not 10-40%. Why: validate noted `equipment_share_pct = 0.3`, and a sweep of the same
    field from 0.1 to 0.4 ran without a word (search-workflow trial, 2026-12-07)."""
    return range_unit_slips(
        spec.parameters,
        spec.base_scenario,
        _("`{path}` is swept from {low} to {high} ({unit}); at {end} = {value}: {hint}"),
    )


def range_unit_slips(params: list[Parameter], base_scenario: Any, line: str) -> list[str]:
    """`line` (a translated template of path, low, high, unit, end, value and hint) for each range of `params` one of
    whose ends looks like a unit slip against its field and the base scenario's value; the high end is said first.
    Shared by the sweep's ranges and the optimiser's levers."""
    out = []
    for p in params:
        if p.unit is None:
            continue
        base = _value_at(base_scenario, p.path)
        name = next(
            (part for part in reversed(p.parts) if not part.isdigit()), p.path
        )  # a year key: its table
        for end, value in (("high", p.high), ("low", p.low)):
            slip = check_value(p.path, name, value, p.unit, base)
            if slip is not None:
                out.append(
                    line.format(
                        path=p.path,
                        low=shown_g(p.low),
                        high=shown_g(p.high),
                        unit=unit_text(p.unit, translated=True),
                        end=end,
                        value=shown_g(value),
                        hint=slip.hint,
                    )
                )
                break
    return out


FEW_DRAWS = 5  # replications per run under which a sweep with uncertain assumptions is said to read few draws


def draw_cautions(spec: SweepSpec) -> list[str]:
    """A note when the base scenario draws its uncertain assumptions and each run has fewer than FEW_DRAWS
    replications: every run uses the same replications of the same seed (common random numbers), so the sweep
    compares its levers on those few draws of the assumptions only.

    Why: a 24-run sweep with reps_per_run = 1 and seed 7 read 80-85% coverage at end-2026 in every run, and said
    the 90% date was "undefined in 24 of 24 runs ... extend the horizon": at that one draw the baseline itself stalls
    at 86.8% from 2027; with another seed the same sweep read 81-91% (search-workflow trial, 2026-12-07)."""
    sc = spec.base_scenario
    unc = getattr(sc, "uncertainty", None)
    if unc is None or not unc.enabled or spec.reps_per_run >= FEW_DRAWS:
        return []
    drawn = concrete_ranges(sc, unc.ranges)
    if all(r.low_factor == r.high_factor == 1.0 for _key, r in drawn.values()):
        return []
    return [
        ngettext(
            "every run uses the same {k} replication of seed {seed}, i.e. the same {k} draw of the base scenario's "
            "uncertain assumptions (uncertainty.ranges; common random numbers): the levers are compared on that "
            "draw alone, and the KPIs may not hold at others. reps_per_run = {few} or more averages each run over "
            "as many draws ({few}x the time), or another seed shows another draw.",
            "every run uses the same {k} replications of seed {seed}, i.e. the same {k} draws of the base "
            "scenario's uncertain assumptions (uncertainty.ranges; common random numbers): the levers are compared "
            "on those draws alone, and the KPIs may not hold at others. reps_per_run = {few} or more averages each "
            "run over as many draws, or another seed shows others.",
            spec.reps_per_run,
        ).format(k=spec.reps_per_run, seed=spec.seed, few=FEW_DRAWS)
    ]


def delay_cautions(spec: SweepSpec) -> list[str]:
    """A note for each delay whose median (`...p50_days`) is swept while its 90th percentile stays fixed.

    Why: a delay is a log-normal fixed by its p50 and p90 (dxsim.delay), so with p90 fixed a lower median widens the
    spread and the slowest draws get slower: the 99th percentile is p90^1.82 / p50^0.82. A KPI set by the last of
    many draws (the last village connected) can then rise as the median falls, which reads as a wrong sign."""
    swept = {p.path for p in spec.parameters}
    out = []
    for p in spec.parameters:
        if not p.path.endswith("p50_days"):
            continue
        sibling = p.path[: -len("p50_days")] + "p90_days"
        p90 = _value_at(spec.base_scenario, sibling)
        if sibling in swept or not isinstance(p90, (int, float)) or p.low <= 0:
            continue
        out.append(
            _(
                "`{path}` is swept with `{sibling}` fixed at {p90} days: a lower median widens the spread, so the "
                "slowest draws get slower (99th percentile {slow_low} days at {low}, {slow_high} at {high}); a KPI "
                "set by the last of many delays may rise as the median falls. Sweep `{sibling}` too to move the "
                "whole delay."
            ).format(
                path=p.path,
                sibling=sibling,
                p90=F.number(float(p90), 0),
                low=F.number(p.low, 0),
                high=F.number(p.high, 0),
                slow_low=F.number(quantile_days(p.low, float(p90), Z99), 0),
                slow_high=F.number(quantile_days(p.high, float(p90), Z99), 0),
            )
        )
    return out


def load_sweep(path: str | os.PathLike[str]) -> SweepSpec:
    """Read and validate a SWEEP.toml (including its base scenario and the KPI names)."""
    file = Path(path)
    raw = read_toml(file)
    refuse_scenario_file(file, raw, "sweep", "scenarios/sweeps/example.toml")
    refuse_other_tool_file(file, raw, "sweep")
    for k in raw:
        if k not in TOP_KEYS:
            close = (
                [SAID_FOR[k]] if k in SAID_FOR else difflib.get_close_matches(k, TOP_KEYS, n=1, cutoff=0.6)
            )
            raise _err(
                file,
                _("unknown key {key}").format(key=repr(k))
                + ("; " + _("did you mean {name}?").format(name=repr(close[0])) if close else ""),
                k,
                allowed=", ".join(TOP_KEYS),
            )
    base = base_path(file, raw, "sweep")
    method = raw.get("method")
    if method not in METHODS:
        raise _err(
            file,
            _("field required") if method is None else _("unknown method"),
            "method",
            method,
            ", ".join(METHODS),
        )
    name = raw.get("name", file.stem)
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        shown = (
            name[:80] + _("... ({n} characters)").format(n=len(name))
            if isinstance(name, str) and len(name) > 80
            else name
        )
        what = (
            _("not a valid folder name")
            if "name" in raw
            else _(
                "the file's name is the sweep's name by default, and it is not a valid folder name; add name = \"...\""
            )
        )
        raise _err(file, what, "name", shown, _(NAME_ALLOWED))
    if method == "grid" and "samples" in raw:  # the values are the design: a sample count would do nothing
        raise _err(
            file,
            _("applies to method = sobol, morris or lhs only, and this sweep's method is 'grid'"),
            "samples",
            raw["samples"],
            _("remove it: a grid runs every combination of its parameters' values"),
        )
    samples = _int(file, raw, "samples", None, 1, MAX_SAMPLES) if method != "grid" else 0
    seed = _int(file, raw, "seed", 20251031, *field_bounds("seed"))
    reps = _int(file, raw, "reps_per_run", 1, *field_bounds("replications"))
    levels = _int(file, raw, "morris_levels", 4, 2, 100)
    if levels % 2:
        raise _err(file, _("must be even"), "morris_levels", levels, _("an even integer >= 2"))
    bootstrap = _int(file, raw, "bootstrap", 100, 10, 100_000)
    top = _int(file, raw, "top", 3, 1, 1000)
    second = raw.get("second_order", False)
    if not isinstance(second, bool):
        raise _err(file, _("not true/false"), "second_order", second, _("true or false"))
    # a key of another method's design did nothing, without a word (analyst trial, 2026-12-07)
    for key, owner in (("second_order", "sobol"), ("morris_levels", "morris")):
        if key in raw and method != owner and raw[key] not in (False,):
            raise _err(
                file,
                _("applies to method = {owner} only, and this sweep's method is {method}").format(
                    owner=repr(owner), method=repr(method)
                ),
                key,
                raw[key],
                _("remove it, or set method = {owner}").format(owner=repr(owner)),
            )
    conf = raw.get("conf_level", 0.95)
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0.5 <= conf < 1:
        raise _err(
            file,
            _("out of range"),
            "conf_level",
            conf,
            _("a number between {low} and {high} (exclusive)").format(low=shown_g(0.5), high=1),
        )

    base_sc = load_scenario(base)  # base errors name the base file itself
    merged = load_scenario_dict(base)
    merged.pop("extends", None)

    kpis = raw.get("kpis")
    if not isinstance(kpis, list) or not kpis or not all(isinstance(k, str) for k in kpis):
        raise _err(
            file,
            _("field required") if kpis is None else _("not a non-empty list of KPI names"),
            "kpis",
            None if kpis is None else kpis,
            _('a list of KPI names from summary.json, e.g. ["capex_total_vnd_bn"]'),
        )
    known = kpi_names(base_sc)
    for i, k in enumerate(kpis):
        if k not in known:
            close = difflib.get_close_matches(k, known, n=1, cutoff=0.6)
            msg = (
                _("unknown KPI {kpi}; did you mean {name}? (for the base's horizon {start}..{end})")
                if close
                else _("unknown KPI {kpi} (for the base's horizon {start}..{end})")
            )
            raise _err(
                file,
                msg.format(
                    kpi=repr(k),
                    name=repr(close[0]) if close else "",
                    start=base_sc.horizon.start_date,
                    end=base_sc.horizon.end_date,
                ),
                item_field("kpis", i),
                allowed=_(
                    "a KPI key of a run's summary.json (its `kpis`; `dxsim run` of the base scenario lists them)"
                ),
            )
    if len(set(kpis)) != len(kpis):
        dup = next(k for k in kpis if kpis.count(k) > 1)
        raise _err(
            file, _("KPI {kpi} listed twice").format(kpi=repr(dup)), "kpis", allowed=_("each KPI once")
        )

    plist = raw.get("parameters")
    if not isinstance(plist, list) or not plist:
        raise _err(
            file,
            _("field required") if plist is None else _("not a list of tables"),
            "parameters",
            allowed=_("[[parameters]] tables with path, low, high"),
        )
    params: list[Parameter] = []
    for i, p in enumerate(plist):
        key = item_field("parameters", i)
        if not isinstance(p, dict):
            raise _err(file, _("not a table"), key, allowed="{ path = ..., low = ..., high = ... }")
        keys = GRID_PARAM_KEYS if method == "grid" else PARAM_KEYS
        for k in p:
            if k not in keys:
                raise _err(
                    file,
                    _("unknown key {key}").format(key=repr(k))
                    + (
                        "; " + _("method = 'grid' takes the values to run, not a range")
                        if method == "grid" and k in ("low", "high")
                        else "; " + _("values = [...] is for method = 'grid'")
                        if k == "values"
                        else ""
                    ),
                    f"{key}.{k}",
                    allowed=", ".join(keys),
                )
        for k in keys:
            if k not in p:
                raise _err(
                    file,
                    _("field required"),
                    f"{key}.{k}",
                    allowed=_("path and values") if method == "grid" else _("path, low and high"),
                )
        at = resolve_path(file, f"{key}.path", p["path"], base_sc)
        if method == "grid":
            values = _grid_values(file, key, p["path"], p["values"], at.leaf, at.integer)
            param = dataclasses.replace(at.parameter(min(values), max(values)), values=values)
        else:
            low, high = _number(file, p["low"], f"{key}.low"), _number(file, p["high"], f"{key}.high")
            _check_range(file, key, p["path"], low, high, at.leaf)
            param = at.parameter(low, high)
        if any(q.path == param.path for q in params):
            raise _err(
                file, _("the same path is swept twice"), f"{key}.path", param.path, _("each path once")
            )
        params.append(param)

    if method == "grid":  # its N is its number of combinations (drivers.md's "N = 6, 6 runs")
        samples = math.prod(len(p.values) for p in params)
    spec = SweepSpec(
        file=file,
        base=base,
        name=name,
        method=method,
        samples=samples,
        seed=seed,
        reps_per_run=reps,
        kpis=list(kpis),
        parameters=params,
        second_order=second,
        morris_levels=levels,
        bootstrap=bootstrap,
        conf_level=float(conf),
        top=top,
        base_merged=merged,
        base_scenario=base_sc,
    )
    check_size(spec, yes=True)  # the hard cap; the confirmation is the caller's (plan_sweep)
    return spec


def base_path(file: Path, raw: dict[str, Any], kind: str) -> Path:
    """The `base` scenario a sweep or optimisation file names, relative to that file; one line if unusable."""
    base_v = raw.get("base")
    if not isinstance(base_v, str) or not base_v:
        raise _err(
            file,
            _("field required") if base_v is None else _("not a path"),
            "base",
            base_v,
            _("the path of the base scenario, relative to the {kind} file").format(kind=_kind(kind)),
        )
    base = (file.parent / base_v) if not os.path.isabs(base_v) else Path(base_v)
    allowed = _("a path to an existing scenario .toml, relative to the {kind} file").format(kind=_kind(kind))
    try:
        found = base.is_file()
    except (OSError, ValueError) as exc:  # name too long, NUL byte
        raise _err(
            file,
            _("not a usable path ({reason})").format(reason=getattr(exc, "strerror", None) or exc),
            "base",
            base_v[:200],
            allowed,
        ) from None
    if not found:
        raise _err(
            file,
            _("base scenario not found (looked for {path})").format(path=os.path.abspath(base)),
            "base",
            base_v,
            allowed,
        )
    return base


def read_toml(
    file: Path, kind: str = "sweep", example: str = "scenarios/sweeps/example.toml"
) -> dict[str, Any]:
    """A sweep (or optimisation) file's TOML; every way it can be unreadable is one line naming the file."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _err(
                file,
                _("{size} bytes: not a {kind} file").format(size=F.number(size), kind=_kind(kind)),
                allowed=_("at most {n} bytes").format(n=F.number(MAX_FILE_BYTES)),
            )
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _err(
            file,
            _("{kind} file not found (looked for {path})").format(
                kind=_kind(kind), path=os.path.abspath(file)
            ),
            allowed=_("a path to an existing .toml file"),
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise _err(
            file, _("cannot read the file ({reason})").format(reason=getattr(exc, "strerror", None) or exc)
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _err(
            file,
            toml_error_text(exc, text),
            allowed=_("TOML syntax, see https://toml.io"),
        ) from None
    except ValueError:  # an integer beyond Python's int-string limit (not a TOMLDecodeError)
        limit = sys.get_int_max_str_digits() or 4300  # Python's int-string limit (default 4,300 digits)
        m = re.search(rf"[0-9][0-9_]{{{limit},}}", text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        digits = len(m.group().replace("_", "")) if m else None
        msg = (
            _("a number too long to read at line {line} ({digits} digits)").format(
                line=line, digits=F.number(digits)
            )
            if m
            else _("a number too long to read")
        )
        raise _err(
            file,
            msg,
            allowed=_("integers of at most {limit} digits (samples at most {samples})").format(
                limit=F.number(limit), samples=F.number(MAX_SAMPLES)
            ),
        ) from None
    except RecursionError:
        raise _err(
            file,
            _("arrays or tables nested too deeply"),
            allowed=_("TOML as in {example}").format(example=example),
        ) from None


def world_preparations(worlds: Sequence[str], workers: int | None) -> int:
    """How many times the runs' prepared worlds (`worlds`: each run's world key) are prepared: each worker prepares
    each world it runs once, so a world shared by k runs is prepared min(k, workers) times."""
    per_world: dict[str, int] = {}
    for w in worlds:
        per_world[w] = per_world.get(w, 0) + 1
    return sum(min(k, max(workers or 1, 1)) for k in per_world.values())


def estimate_text(
    spec: SweepSpec, runs: int, workers: int | None = None, worlds: Sequence[str] | None = None
) -> str:
    """'N runs x R replication(s), about T of compute at ~0.5 s per replication (about U on W workers)', with the
    worlds' preparation when the runs' world keys (`worlds`) are known.

    Why the worlds: a 30-run sweep was estimated at 7.5 s on 2 workers and took 37 s, 42 s of it preparing worlds;
    one sweeping a data-centre field that shapes the world (a new world every run) read "about 3.0 s" and took 63 s
    (search audit)."""
    reps = runs * spec.reps_per_run
    cpu_s = reps * SECONDS_PER_REPLICATION
    if worlds:
        distinct = len(set(worlds))
        cpu_s += world_preparations(worlds, workers) * SECONDS_PER_WORLD
        text = _estimate_core(spec, runs, reps, cpu_s, workers)
        shaped = (
            " "
            + _(
                "({n} distinct prepared worlds: a swept parameter shapes the world, so runs prepare their own, "
                "~{each} s each)"
            ).format(n=F.number(distinct), each=shown_g(SECONDS_PER_WORLD))
            if distinct > 1
            else ""
        )
        return (
            text
            + ", "
            + _(
                "world preparation included (up to ~{each} s per worker and world, less when it is stored)"
            ).format(each=shown_g(SECONDS_PER_WORLD))
            + shaped
        )
    return _estimate_core(spec, runs, reps, cpu_s, workers)


def _estimate_core(spec: SweepSpec, runs: int, reps: int, cpu_s: float, workers: int | None) -> str:
    values = {
        "runs": F.number(runs),
        "per": F.number(spec.reps_per_run),
        "reps": F.number(reps),
        "duration": F.duration(cpu_s),
        "each": shown_g(SECONDS_PER_REPLICATION),
    }
    if workers and workers > 1:
        return _(
            "{runs} runs x {per} replication(s) = {reps} replications, about {duration} of compute at ~{each} s "
            "per replication (about {wall} on {workers} workers)"
        ).format(**values, wall=F.duration(cpu_s / workers), workers=workers)
    return _(
        "{runs} runs x {per} replication(s) = {reps} replications, about {duration} of compute at ~{each} s "
        "per replication"
    ).format(**values)


def n_runs(spec: SweepSpec) -> int:
    """Runs of the spec's design (SALib's sizes), known before any sample is drawn."""
    d = len(spec.parameters)
    if spec.method == "sobol":
        return spec.samples * ((2 * d + 2) if spec.second_order else (d + 2))
    if spec.method == "morris":
        return spec.samples * (d + 1)
    if spec.method == "grid":
        return math.prod(len(p.values) for p in spec.parameters)
    return spec.samples


def check_size(spec: SweepSpec, *, yes: bool = False, workers: int | None = None) -> int:
    """The number of runs, refused above MAX_RUNS, and above CONFIRM_REPLICATIONS unless `yes`.

    Computed from the spec alone, before any sample is drawn or scenario built (a sweep of a
    million samples used to fill 3 GB before its first run).
    """
    runs = n_runs(spec)
    d = len(spec.parameters)
    per = {
        "lhs": _("{method}: {samples} samples"),
        "grid": _("{method}: every combination of the parameters' values"),
        "morris": _("{method}: {samples} samples x ({d} parameters + 1)"),
        "sobol": _("{method}: {samples} samples x (2 x {d} parameters + 2)")
        if spec.second_order
        else _("{method}: {samples} samples x ({d} parameters + 2)"),
    }
    what = per[spec.method].format(method=spec.method, samples=F.number(spec.samples), d=d)
    if runs > MAX_RUNS:
        raise _err(
            spec.file,
            _("{estimate}: too many runs for one sweep ({what})").format(
                estimate=estimate_text(spec, runs, workers), what=what
            ),
            "parameters" if spec.method == "grid" else "samples",
            None if spec.method == "grid" else spec.samples,
            (
                _("at most {n} runs; fewer values or fewer parameters")
                if spec.method == "grid"
                else _("at most {n} runs; lower samples or split the parameters")
            ).format(n=F.number(MAX_RUNS)),
        )
    if not yes and runs * spec.reps_per_run > CONFIRM_REPLICATIONS:
        raise _err(
            spec.file,
            _("{estimate}; more than {limit} replications needs confirmation").format(
                estimate=estimate_text(spec, runs, workers), limit=F.number(CONFIRM_REPLICATIONS)
            ),
            "samples",
            spec.samples,
            _("add --yes to start it anyway, or lower samples / reps_per_run"),
        )
    return runs


def check_time(spec: SweepSpec, worlds: Sequence[str], workers: int | None) -> None:
    """Refuse runs (`worlds`: each run's world key) whose estimated time on `workers` local workers, replications and
    prepared worlds, is over :data:`dxsim.runner_budget.BUDGET_SECONDS`: `--yes` starts them.

    Why: a sweep of a field that shapes the world over 4,900 runs printed "about 9.0 h" and started, storing a 230 MB
    world every few seconds (analyst trial, 2026-12-07), where `dxsim run` refuses a job over the hour."""
    runs = len(worlds)
    cpu_s = (
        runs * spec.reps_per_run * SECONDS_PER_REPLICATION
        + world_preparations(worlds, workers) * SECONDS_PER_WORLD
    )
    if cpu_s / max(workers or 1, 1) > BUDGET_SECONDS:
        raise _err(
            spec.file,
            _("{estimate}: longer than the {budget} a sweep starts without confirmation").format(
                estimate=estimate_text(spec, runs, workers, list(worlds)), budget=F.duration(BUDGET_SECONDS)
            ),
            "samples",
            spec.samples,
            _(
                "add --yes to start it anyway, or lower samples / reps_per_run, or sweep fewer fields that shape the world"
            ),
        )


# --------------------------------------------------------------------------- sampled scenarios


def override(
    merged: dict[str, Any], values: dict[str, float | int], params: list[Parameter]
) -> dict[str, Any]:
    """A deep copy of the base's merged dict with each parameter's value set at its path."""
    d = copy.deepcopy(merged)
    for p in params:
        node: Any = d
        for part in p.address[:-1]:
            if isinstance(part, int):  # an item of a list of named tables: resolve_path checked it is there
                node = node[part]
                continue
            nxt = node.get(part)
            if not isinstance(nxt, dict | list):
                nxt = {}
                node[part] = nxt
            node = nxt
        node[p.address[-1]] = values[p.path]
    return d


def validate_run(spec: SweepSpec, run: int, values: dict[str, float | int]) -> Any:
    """The run's scenario, validated like a scenario file (one-line error naming the sweep file and run)."""
    d = override(spec.base_merged, values, spec.parameters)
    d["seed"] = spec.seed
    shown = ", ".join(f"{k}={_num(v)}" for k, v in values.items())
    return _validate(d, {}, _("{file} (run {run}: {values})").format(file=spec.file, run=run, values=shown))
