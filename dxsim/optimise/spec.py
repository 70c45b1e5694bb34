"""OPT.toml: decision variables, objectives and quantile constraints over a base scenario.

Format (paths relative to the optimisation file)::

    base = "../balanced.toml"     # the scenario every candidate starts from (may itself `extends`)
    name = "envelope-split"       # optional; default: the file's stem; outputs go to outputs/optimise/<name>/
    seed = 20251031               # simulation seed of every candidate (common random numbers) and the sampler's
    reps = 8                      # replications per candidate; objectives and constraints are statistics over them
    max_evals = 48                # candidates in all (`dxsim optimise --max-evals N` overrides)
    batch = 4                     # candidates proposed together and run in parallel (the result does not
                                  #   depend on --workers, only on batch)
    sampler = "auto"              # "tpe" | "nsga2" | "auto" (TPE for one objective, NSGA-II for several)
    validate_reps = 32            # the best plan is re-run on fresh seeds to check its constraints (0: skip)
    local_rounds = 10             # one objective: from the search's best plan, the most rounds of a local search on
                                  #   the levers' grid: probe every one-step move, follow the best that is better and
                                  #   feasible while it pays (dxsim/optimise/polish.py; 0: none)

    [[variables]]                 # one number at a dotted path of the scenario (as in a sweep, an item of a
    path = "subsidy.equipment_share_pct"  # list of named tables by its name: supports.rural_new.per_site_vnd_bn;
                                  #   the plan files then hold that whole list, the base's items with the levers set)
    low = 10
    high = 60
    step = 5                      # optional grid step (integer fields: step 1 unless given)

    [[shares]]                    # numbers that must add up to `total` (default 100)
    paths = ["budget.share_pct.five_g_subsidy", "budget.share_pct.villages", "budget.share_pct.compute_public"]
    low = [0, 5, 0]               # optional per-path bounds (default: the fields' own range)
    high = [100, 100, 60]
    step = 5                      # optional: every share a multiple of step

    [[objectives]]
    kpi = "public_cost_total_vnd_bn"
    direction = "minimise"        # "minimise" | "maximise"
    stat = "mean"                 # "mean" or a quantile over the replications, "P10" .. "P90"

    [[constraints]]               # a KPI's statistic over the replications against a bound
    kpi = "pop_5g_served_pct"
    at = 2027-12-31               # optional: a year end of the horizon; picks pop_5g_served_pct_2027_12
    stat = "P10"
    op = ">="                     # ">=" | "<="
    value = 90

    constraints = ["villages_unconnected_end P90 <= 0"]   # the same as one-line strings (also allowed)

Statistics: "mean" is the mean over the candidate's replications; "Pq" is the empirical q-th
percentile (an observed value, :func:`dxsim.compare.quantile`; a KPI never reached in a
replication ranks last). A `year_*` KPI never reached within the horizon is counted as the year
after the horizon's end (it is censored there, so "earliest year" objectives can still rank
candidates that miss the target). Every problem is ONE `DxsimInputError` line naming the file,
the key, the value and what is allowed: an unknown path (with a suggestion), bounds outside the
field's range, shares whose bounds cannot add up to the total, an unknown KPI, a bad statistic.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dxsim.errors import DxsimInputError
from dxsim.execution import kpi_names
from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.optimise.shares import split
from dxsim.scenario import load_scenario, load_scenario_dict
from dxsim.scenario.constants import item_field
from dxsim.scenario.loader import _validate, field_bounds
from dxsim.sweep.spec import (
    NAME_ALLOWED,
    NAME_PATTERN,
    Parameter,
    _check_range,
    _err,
    _int,
    _number,
    base_path,
    override,
    read_toml,
    OPTIMISE_TOP_KEYS,
    refuse_other_tool_file,
    range_unit_slips,
    refuse_scenario_file,
    resolve_path,
)

TOP_KEYS = OPTIMISE_TOP_KEYS
VARIABLE_KEYS = ("path", "low", "high", "step")
SHARE_KEYS = ("paths", "low", "high", "step", "total")
OBJECTIVE_KEYS = ("kpi", "at", "direction", "stat")
CONSTRAINT_KEYS = ("kpi", "at", "stat", "op", "value")
SAMPLERS = ("auto", "tpe", "nsga2")
# the local search from the search's best plan probes its neighbours at most this many times (dxsim.optimise.polish):
# the shipped example's best was beaten by 4 of its 10 one-step probes, each a plan the search had stopped short of
LOCAL_ROUNDS = 10
MAX_LOCAL_ROUNDS = 100
DIRECTIONS = {"minimise": "minimize", "minimize": "minimize", "maximise": "maximize", "maximize": "maximize"}
OPS = (">=", "<=")
STAT_ALLOWED = N_('"mean" or a percentile "P1" .. "P99" (e.g. "P10": 90% of replications at or above it)')
MAX_EVALS = 5_000
MAX_REPS = 1_000
EXAMPLE = "scenarios/optimise/envelope-split.toml"
CONSTRAINT_PATTERN = re.compile(
    r"^\s*(?P<kpi>[A-Za-z0-9_]+)(?:\s+at\s+(?P<at>\d{4}-\d{2}-\d{2}))?\s*,?\s*(?P<stat>mean|[Pp][0-9.]+)?\s*"
    r"(?P<op>>=|<=)\s*(?P<value>[-+]?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Variable:
    """One decision variable: a number at a dotted path, within [low, high], optionally on a grid."""

    param: Parameter
    step: float | None

    @property
    def path(self) -> str:
        return self.param.path


@dataclass(frozen=True)
class ShareGroup:
    """Numbers at several paths that must add up to `total` (e.g. an envelope split in percent)."""

    name: str
    params: tuple[Parameter, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    step: float | None
    total: float


@dataclass(frozen=True)
class Statistic:
    """A KPI summarised over a candidate's replications: the mean or an empirical percentile."""

    kpi: str
    stat: str  # "mean" or "P10" ..

    @property
    def label(self) -> str:
        return f"{self.kpi} {self.stat}"


@dataclass(frozen=True)
class Objective:
    of: Statistic
    direction: str  # optuna's "minimize" / "maximize"


@dataclass(frozen=True)
class Constraint:
    of: Statistic
    op: str  # ">=" or "<="
    value: float

    @property
    def label(self) -> str:
        return f"{self.of.label} {self.op} {self.value:g}"

    def violation(self, x: float) -> float:
        """How far the statistic is on the wrong side of the bound (<= 0: met)."""
        return self.value - x if self.op == ">=" else x - self.value


@dataclass
class OptSpec:
    file: Path
    base: Path
    name: str
    seed: int
    reps: int
    max_evals: int
    batch: int
    sampler: str
    validate_reps: int
    local_rounds: int
    variables: list[Variable]
    shares: list[ShareGroup]
    objectives: list[Objective]
    constraints: list[Constraint]
    base_merged: dict[str, Any] = field(default_factory=dict, repr=False)
    base_scenario: Any = field(default=None, repr=False)

    @property
    def parameters(self) -> list[Parameter]:
        """Every decided path (variables, then each share group's paths)."""
        return [v.param for v in self.variables] + [p for g in self.shares for p in g.params]

    @property
    def sampler_name(self) -> str:
        if self.sampler != "auto":
            return self.sampler
        return "tpe" if len(self.objectives) == 1 else "nsga2"


# what a user writes for a key of another name (a sweep file's `reps_per_run`, or `replications`)
SAID_FOR = {"replications": "reps", "reps_per_run": "reps"}


def _keys(file: Path, table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for k in table:
        if k not in allowed:
            said = SAID_FOR.get(k)
            close = [said] if said in allowed else difflib.get_close_matches(k, allowed, n=1, cutoff=0.6)
            msg = _("unknown key {key}").format(key=repr(k)) + (
                "; " + _("did you mean {name}?").format(name=repr(close[0])) if close else ""
            )
            raise _err(file, msg, f"{where}.{k}" if where else k, allowed=", ".join(allowed))


def _tables(file: Path, raw: dict[str, Any], key: str, required: bool) -> list[dict[str, Any]]:
    v = raw.get(key, [])
    if not isinstance(v, list) or not all(isinstance(t, dict) for t in v):
        raise _err(file, _("not a list of tables"), key, allowed=_("[[{key}]] tables").format(key=key))
    if required and not v:
        raise _err(file, _("field required"), key, allowed=_("at least one [[{key}]] table").format(key=key))
    return v


def _path_param(file: Path, key: str, path: Any, low: float, high: float, base: Any) -> Parameter:
    at = resolve_path(file, key + ".path", path, base)
    _check_range(file, key, ".".join(at.parts), low, high, at.leaf)
    return at.parameter(low, high)


def _step(file: Path, t: dict[str, Any], key: str, width: float, integer: bool) -> float | None:
    if "step" not in t:
        return 1.0 if integer else None
    step = _number(file, t["step"], f"{key}.step")
    if step <= 0 or step > width:
        raise _err(
            file,
            _("step out of range"),
            f"{key}.step",
            t["step"],
            _("a positive number up to high - low = {width}").format(width=format(width, "g")),
        )
    if integer and not float(step).is_integer():
        raise _err(
            file, _("an integer field needs an integer step"), f"{key}.step", t["step"], _("a whole number")
        )
    return step


def _variables(file: Path, raw: dict[str, Any], base: Any) -> list[Variable]:
    out: list[Variable] = []
    for i, t in enumerate(_tables(file, raw, "variables", False)):
        key = item_field("variables", i)
        _keys(file, t, VARIABLE_KEYS, key)
        for k in ("path", "low", "high"):
            if k not in t:
                raise _err(
                    file, _("field required"), f"{key}.{k}", allowed=_("path, low and high (step optional)")
                )
        low, high = _number(file, t["low"], f"{key}.low"), _number(file, t["high"], f"{key}.high")
        p = _path_param(file, key, t["path"], low, high, base)
        if p.integer and not (low.is_integer() and high.is_integer()):
            raise _err(
                file, _("an integer field needs whole-number bounds"), key, p.path, _("integer low and high")
            )
        step = _step(file, t, key, high - low, p.integer)
        n_steps = (high - low) / step if step else 0.0
        # optuna would cut the range to a multiple of step, with a raw warning, and run
        if step and abs(n_steps - round(n_steps)) > 1e-9:
            raise _err(
                file,
                _("high - low = {width} is not a multiple of step").format(width=format(high - low, "g")),
                f"{key}.step",
                t["step"],
                _("a step dividing high - low, or bounds {low} .. {high}").format(
                    low=format(low, "g"), high=format(low + math.floor(n_steps) * step, "g")
                ),
            )
        out.append(Variable(p, step))
    return out


def _bounds_list(
    file: Path, t: dict[str, Any], key: str, name: str, n: int, default: list[float]
) -> list[float]:
    if name not in t:
        return default
    v = t[name]
    if not isinstance(v, list) or len(v) != n:
        raise _err(
            file,
            _("needs one {name} per path").format(name=name),
            f"{key}.{name}",
            v,
            _("a list of {n} numbers").format(n=n),
        )
    return [_number(file, x, item_field(f"{key}.{name}", j)) for j, x in enumerate(v)]


def _shares(file: Path, raw: dict[str, Any], base: Any) -> list[ShareGroup]:
    out: list[ShareGroup] = []
    for i, t in enumerate(_tables(file, raw, "shares", False)):
        key = item_field("shares", i)
        _keys(file, t, SHARE_KEYS, key)
        paths = t.get("paths")
        if not isinstance(paths, list) or len(paths) < 2:
            raise _err(
                file,
                _("field required") if paths is None else _("needs at least two paths"),
                f"{key}.paths",
                paths,
                _("a list of two or more dotted paths whose values add up to `total`"),
            )
        total = _number(file, t.get("total", 100.0), f"{key}.total")
        if total <= 0:
            raise _err(
                file,
                _("must be positive"),
                f"{key}.total",
                t.get("total"),
                _("a positive number (default 100)"),
            )
        n = len(paths)
        lows = _bounds_list(file, t, key, "low", n, [0.0] * n)
        highs = _bounds_list(file, t, key, "high", n, [total] * n)
        params = []
        for j, (path, lo, hi) in enumerate(zip(paths, lows, highs)):
            params.append(_path_param(file, item_field(f"{key}.paths", j), path, lo, hi, base))
        if sum(lows) > total + 1e-9 or sum(highs) < total - 1e-9:
            raise _err(
                file,
                _("the shares cannot add up to {total}: lows sum to {lows}, highs to {highs}").format(
                    total=format(total, "g"), lows=format(sum(lows), "g"), highs=format(sum(highs), "g")
                ),
                key,
                paths,
                _("bounds with sum(low) <= {total} <= sum(high)").format(total=format(total, "g")),
            )
        step = _step(file, t, key, total, False)
        if step is not None and any(not (x / step).is_integer() for x in [total, *lows, *highs]):
            raise _err(
                file,
                _("total and every bound must be multiples of step"),
                f"{key}.step",
                t.get("step"),
                _("a step dividing {total} and each low/high").format(total=format(total, "g")),
            )
        out.append(ShareGroup(f"shares{i}", tuple(params), tuple(lows), tuple(highs), step, total))
    return out


def _year_end_tag(file: Path, key: str, at: Any, horizon: Any) -> str:
    if isinstance(at, str):
        try:
            at = dt.date.fromisoformat(at)
        except ValueError:
            at = None
    if not isinstance(at, dt.date) or isinstance(at, dt.datetime):
        raise _err(file, _("not a date"), key, at, _("a date like 2027-12-31"))
    ends = {dt.date(y, 12, 31) for y in range(horizon.start_date.year, horizon.end_date.year + 1)} | {
        horizon.end_date
    }
    if at not in ends or not horizon.start_date <= at <= horizon.end_date:
        shown = ", ".join(
            str(d) for d in sorted(e for e in ends if horizon.start_date <= e <= horizon.end_date)
        )
        raise _err(file, _("KPIs are reported at year ends of the horizon"), key, str(at), shown)
    return f"{at.year}_{at.month:02d}"


def _statistic(
    file: Path, t: dict[str, Any], key: str, known: list[str], horizon: Any, default_stat: str
) -> Statistic:
    kpi = t.get("kpi")
    if not isinstance(kpi, str) or not kpi:
        raise _err(
            file,
            _("field required") if kpi is None else _("not a KPI name"),
            f"{key}.kpi",
            kpi,
            _('a KPI name of summary.json, e.g. "pop_5g_served_pct_2027_12"'),
        )
    if "at" in t:
        kpi = f"{kpi}_{_year_end_tag(file, key + '.at', t['at'], horizon)}"
    if kpi not in known:
        close = difflib.get_close_matches(kpi, known, n=1, cutoff=0.6)
        msg = (
            _("unknown KPI {kpi}; did you mean {name}? (for the base's horizon {start}..{end})")
            if close
            else _("unknown KPI {kpi} (for the base's horizon {start}..{end})")
        )
        raise _err(
            file,
            msg.format(
                kpi=repr(kpi),
                name=repr(close[0]) if close else "",
                start=horizon.start_date,
                end=horizon.end_date,
            ),
            f"{key}.kpi",
            allowed=_("a KPI key of a run's summary.json (its `kpis`) or public_cost_total_vnd_bn"),
        )
    stat = t.get("stat", default_stat)
    if not isinstance(stat, str) or not (stat == "mean" or re.fullmatch(r"P([1-9]|[1-9][0-9])", stat)):
        raise _err(file, _("not a statistic"), f"{key}.stat", stat, _(STAT_ALLOWED))
    return Statistic(kpi, stat)


def _objectives(file: Path, raw: dict[str, Any], known: list[str], horizon: Any) -> list[Objective]:
    out = []
    for i, t in enumerate(_tables(file, raw, "objectives", True)):
        key = item_field("objectives", i)
        _keys(file, t, OBJECTIVE_KEYS, key)
        d = t.get("direction")
        if d not in DIRECTIONS:
            raise _err(
                file,
                _("field required") if d is None else _("unknown direction"),
                f"{key}.direction",
                d,
                _("minimise or maximise"),
            )
        out.append(Objective(_statistic(file, t, key, known, horizon, "mean"), DIRECTIONS[d]))
    labels = [o.of.label for o in out]
    if len(set(labels)) != len(labels):
        raise _err(file, _("the same objective twice"), "objectives", allowed=_("each KPI statistic once"))
    return out


def _constraint_table(file: Path, t: Any, key: str) -> dict[str, Any]:
    if isinstance(t, str):
        m = CONSTRAINT_PATTERN.match(t)
        if not m:
            raise _err(
                file,
                _("not a constraint"),
                key,
                t,
                _(
                    '"KPI [at YYYY-MM-DD][,] [mean|Pq] >=|<= NUMBER", e.g. "pop_5g_served_pct at 2027-12-31, '
                    'P10 >= 90"'
                ),
            )
        d: dict[str, Any] = {"kpi": m["kpi"], "op": m["op"], "value": float(m["value"].replace("_", ""))}
        if m["at"]:
            d["at"] = m["at"]
        if m["stat"]:
            d["stat"] = m["stat"]
        return d
    if not isinstance(t, dict):
        raise _err(
            file, _("not a table or a string"), key, allowed=_("[[constraints]] tables or one-line strings")
        )
    return t


def _constraints(file: Path, raw: dict[str, Any], known: list[str], horizon: Any) -> list[Constraint]:
    v = raw.get("constraints", [])
    if not isinstance(v, list):
        raise _err(
            file,
            _("not a list"),
            "constraints",
            allowed=_("[[constraints]] tables or a list of one-line strings"),
        )
    out = []
    for i, t in enumerate(v):
        key = item_field("constraints", i)
        t = _constraint_table(file, t, key)
        _keys(file, t, CONSTRAINT_KEYS, key)
        op = t.get("op")
        if op not in OPS:
            raise _err(
                file,
                _("field required") if op is None else _("unknown comparison"),
                f"{key}.op",
                op,
                _(">= or <="),
            )
        if "value" not in t:
            raise _err(file, _("field required"), f"{key}.value", allowed=_("a number (the bound)"))
        stat = _statistic(file, t, key, known, horizon, "mean")
        value = _number(file, t["value"], f"{key}.value")
        if _is_share_pct(stat.kpi) and not 0.0 <= value <= 100.0:  # never met (or always), a typo: say so now
            raise _err(
                file,
                _("out of range for {kpi}, a share in %").format(kpi=stat.kpi),
                f"{key}.value",
                value,
                _("a number between 0 and 100"),
            )
        _check_year_bound(file, f"{key}.value", stat.kpi, op, value, horizon)
        out.append(Constraint(stat, op, value))
    return out


def _check_year_bound(file: Path, key: str, kpi: str, op: str, value: float, horizon: Any) -> None:
    """Refuse a bound on a `year_*` KPI that does not tell plans apart: the KPI's values lie from the start date's
    decimal year to the value a date not reached counts as (`censored_value`, the horizon's end plus a year), so `<=`
    a year before the start, or `>=` a year after that value, holds for no plan, and `<=` that value or later, or `>=`
    the start or earlier, holds for every plan, one that never reaches the level included.

    Why: "year_5g_pop_90pct P90 <= 2024" ran its whole search to "no candidate met every constraint", and "<= 2029"
    on a horizon to 2027 was met by every plan of a base whose coverage stayed at 76%: a date not reached counts as
    2028.997 (search-workflow trials, 2026-12-07)."""
    if not kpi.startswith("year_"):
        return
    start = horizon.start_date
    jan1 = dt.date(start.year, 1, 1)
    # the start as a decimal year, as summary.json dates its year KPIs
    first = start.year + (start - jan1).days / (dt.date(start.year + 1, 1, 1) - jan1).days
    never = censored_value(kpi, math.nan, horizon.end_date)
    lo, hi = F.plain(first, 3), F.plain(never, 3)  # decimal years, as summary.json holds them
    if (op == "<=" and value >= never) or (op == ">=" and value <= first):
        message = _(
            "this bound on {kpi} is met by every plan, one that never reaches it included: a date the horizon does "
            "not reach counts as {never}"
        ).format(kpi=kpi, never=hi)
    elif (op == "<=" and value < first) or (op == ">=" and value > never):
        message = _(
            "no plan can meet this bound on {kpi}: its values lie from the start ({first}) to {never} (a date "
            "the horizon does not reach counts as {never})"
        ).format(kpi=kpi, first=lo, never=hi)
    else:
        return
    raise _err(
        file,
        message,
        key,
        value,
        _("a year from {first} to before {never}").format(first=lo, never=hi),
    )


def unit_cautions(spec: OptSpec) -> list[str]:
    """A note for each lever whose range looks like a unit slip against its field and the base scenario's value, as
    the sweep's ranges get (`dxsim.sweep.spec.range_unit_slips`): 0.1 to 0.4 on a field in percent searches
    0.1%-0.4%. Why: the sweep said so and the optimiser did not (search-workflow trial, 2026-12-07)."""
    return range_unit_slips(
        spec.parameters,
        spec.base_scenario,
        _("`{path}` is searched from {low} to {high} ({unit}); at {end} = {value}: {hint}"),
    )


def _is_share_pct(kpi: str) -> bool:
    """A KPI that is a share of 100 (pop_5g_served_pct_2028_12, ..._pct_end), not a year (year_5g_pop_90pct)."""
    return not kpi.startswith("year_") and ("_pct_" in kpi or kpi.endswith("_pct"))


def load_optimise(path: str | os.PathLike[str], max_evals: int | None = None) -> OptSpec:
    """Read and validate an OPT.toml (its base scenario, every path, bound, KPI and statistic)."""
    file = Path(path)
    raw = read_toml(file, "optimisation", EXAMPLE)
    refuse_scenario_file(file, raw, "optimisation", "scenarios/optimise/envelope-split.toml")
    refuse_other_tool_file(file, raw, "optimisation")
    _keys(file, raw, TOP_KEYS, "")
    base = base_path(file, raw, "optimisation")
    name = raw.get("name", file.stem)
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        raise _err(file, _("not a valid folder name"), "name", name, _(NAME_ALLOWED))
    seed = _int(file, raw, "seed", 20251031, *field_bounds("seed"))
    reps = _int(file, raw, "reps", 8, 1, MAX_REPS)
    evals = _int(file, raw, "max_evals", 48, 1, MAX_EVALS)
    if max_evals is not None:
        if not 1 <= max_evals <= MAX_EVALS:  # the command line's option, not the file's: no file named
            raise DxsimInputError(
                _("out of range"),
                field="--max-evals",
                value=max_evals,
                allowed=_("an integer between 1 and {high}").format(high=F.number(MAX_EVALS, 0)),
            )
        evals = int(max_evals)
    batch = _int(file, raw, "batch", 4, 1, 256)
    validate_reps = _int(file, raw, "validate_reps", 32, 0, MAX_REPS)
    local_rounds = _int(file, raw, "local_rounds", LOCAL_ROUNDS, 0, MAX_LOCAL_ROUNDS)
    sampler = raw.get("sampler", "auto")
    if sampler not in SAMPLERS:
        raise _err(file, _("unknown sampler"), "sampler", sampler, ", ".join(SAMPLERS))

    base_sc = load_scenario(base)
    merged = load_scenario_dict(base)
    merged.pop("extends", None)
    known = kpi_names(base_sc)
    horizon = base_sc.horizon
    variables = _variables(file, raw, base_sc)
    shares = _shares(file, raw, base_sc)
    if not variables and not shares:
        raise _err(
            file,
            _("nothing to decide"),
            "variables",
            allowed=_("at least one [[variables]] or [[shares]] table"),
        )
    paths = [v.path for v in variables] + [p.path for g in shares for p in g.params]
    dup = next((p for p in paths if paths.count(p) > 1), None)
    if dup is not None:
        raise _err(file, _("the same path is decided twice"), "variables", dup, _("each path once"))
    objectives = _objectives(file, raw, known, horizon)
    constraints = _constraints(file, raw, known, horizon)
    _check_centre(file, merged, variables, shares)
    return OptSpec(
        file=file,
        base=base,
        name=name,
        seed=seed,
        reps=reps,
        max_evals=evals,
        batch=batch,
        sampler=sampler,
        validate_reps=validate_reps,
        local_rounds=local_rounds,
        variables=variables,
        shares=shares,
        objectives=objectives,
        constraints=constraints,
        base_merged=merged,
        base_scenario=base_sc,
    )


def _check_centre(
    file: Path, merged: dict[str, Any], variables: list[Variable], shares: list[ShareGroup]
) -> None:
    """Refuse a file no candidate of which can run: the plan at the middle of every lever (each share group split
    evenly within its bounds) must be a valid scenario. Why: a share group that leaves out a share its rule sums
    (two of the envelope's three shares) failed every candidate at run time ("must sum to 100, got 140") and the
    search ran to its end, exit 0."""
    values: dict[str, float] = {}
    for v in variables:
        lo, mid = v.param.low, (v.param.low + v.param.high) / 2
        x = (
            lo + round((mid - lo) / v.step) * v.step if v.step else mid
        )  # on the lever's grid, as candidates are
        values[v.path] = float(round(x)) if v.param.integer else x
    for g in shares:
        even = split([1.0] * len(g.params), g.low, g.high, g.total, g.step)
        values |= {p.path: x for p, x in zip(g.params, even, strict=True)}
    params = [v.param for v in variables] + [p for g in shares for p in g.params]
    try:
        _validate(override(merged, values, params), {}, str(file))
    except DxsimInputError as exc:
        raise _err(
            file,
            _(
                "the plan at the middle of every lever is not a valid scenario ({reason}), so no candidate can run"
            ).format(reason=DxsimInputError(exc.message, field=exc.field, value=exc.value).one_line()),
            "shares" if shares else "variables",
            allowed=_(
                "levers whose values make a valid scenario (a share group lists every share its rule adds up)"
            ),
        ) from None


def censored_value(kpi: str, value: float, horizon_end: dt.date) -> float:
    """A `year_*` KPI never reached (NaN) counts as the year after the horizon's end; others unchanged."""
    if kpi.startswith("year_") and not math.isfinite(value):
        return horizon_end.year + 1.0 + (horizon_end.timetuple().tm_yday - 1) / 365.0
    return value
