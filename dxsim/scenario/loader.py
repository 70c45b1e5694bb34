"""Load scenario TOML files into a validated :class:`Scenario`.

A scenario file may `extends = "baseline.toml"` another; the chain is deep-merged
(tables key by key, everything else replaces) and then laid over the model defaults,
so an option file only states what it changes. Every mistake a planner can make comes
back as one :class:`DxsimInputError` line naming the file, the dotted field, the value
and what is allowed — never a pydantic dump or a traceback.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
import operator
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from dxsim.errors import DxsimInputError
from dxsim.i18n import N_
from dxsim.i18n import gettext as _
from dxsim.scenario.constants import EXTENDS
from dxsim.scenario.docs import (
    ROOT,
    Located,
    defaults_json,
    key_name,
    shape_at,
    step,
)
from dxsim.scenario.messages import (
    FRIENDLY_ALLOWED,
    MESSAGES,
    allowed_text,
    clean,
    dotted,
    iso_date_of,
    show_value,
    translate,
)
from dxsim.scenario.schema import Scenario

MAX_CHAIN = 64
# A scenario file is a few kB (the shipped ones are under 10 kB); 1 MB leaves room for long
# descriptions and tables while refusing a data file, a log or /dev/zero given by mistake.
MAX_SCENARIO_BYTES = 1_000_000
# Tables and arrays nest at most 6 levels in a valid scenario (e.g. compute.gpus.orders[i].order_date);
# anything deeper is a mistake, and 10,000 levels would exhaust the interpreter's recursion limit.
MAX_NESTING = 16

_INT_KEY = re.compile(r"[+-]?[0-9]{1,18}")
_TOML_WHERE = re.compile(r"\s*\(at (line (\d+), column (\d+)|end of document)\)\s*$")


# --------------------------------------------------------------------------- public API


def load_scenario(path: str | os.PathLike[str] | Mapping[str, Any]) -> Scenario:
    """Read a scenario file (following `extends`), apply defaults and validate it; a dict of a scenario's fields is
    validated as a file in the current folder would be (`load_scenario_data`)."""
    if isinstance(path, Mapping):
        return load_scenario_data(path)
    if not isinstance(path, (str, os.PathLike)):  # a notebook's None or 5: one line, not a TypeError
        raise DxsimInputError(
            "not a scenario file",
            field="scenario",
            value=repr(path) if path is None else show_value(path),
            allowed="a path to a .toml scenario file, or a dict of a scenario's fields",
        )
    merged, prov, top = _load(path)
    sc = _validate(merged, prov, top)
    sc._folder = Path(path).parent
    return sc


def scenario_folder(sc: Scenario) -> Path | None:
    """The folder a scenario's relative file names start from: its file's folder (load_scenario), the `base_dir` of
    a dict (load_scenario_data), None for one built otherwise. Why: the Python API ran `load_scenario(path)` with
    its site file looked for in the current folder, where a file of the same name would have been taken."""
    return sc._folder


def load_scenario_dict(path: str | os.PathLike[str], *, with_defaults: bool = True) -> dict[str, Any]:
    """The merged input dict, before validation (for provenance records).

    With `with_defaults=False` only what the file chain itself states is returned.
    """
    merged, _prov, _shown = _load(path, with_defaults=with_defaults)
    return merged


@dataclass(frozen=True)
class ReplacedList:
    """A list a scenario file set in place of the one its parent file set (lists replace on `extends`)."""

    field: str  # dotted
    parent_file: str  # the file that set the list replaced
    parent_items: int
    items: int
    # the names of the replaced list's items the new one does not list (items with a name)
    dropped: tuple[str, ...] = ()


DEFAULTS_SHOWN = "<defaults>"  # ReplacedList.parent_file of a list that replaces a default list


def replaced_lists(path: str | os.PathLike[str]) -> list[ReplacedList]:
    """The lists of a scenario's chain that replace a list a parent file set, or a non-empty default list
    (`parent_file` DEFAULTS_SHOWN). Why: a file that extends ai-compute and adds one `[[compute.gpus.extra_orders]]`
    silently dropped the parent's three orders (22,000 GPUs), and one `[[villages.layer.province_surveys]]` dropped
    the two sourced surveys (602 villages became 369): documented ("lists replace"), but `validate` said nothing
    (AI-compute and provincial trials)."""
    out: list[ReplacedList] = []
    _load(path, with_defaults=True, replaced_out=out)
    return out


def scenario_chain(path: str | os.PathLike[str]) -> list[Path]:
    """The files a scenario is made of (real paths, root ancestor first, the file itself last).

    The same `extends` walk as :func:`load_scenario`, so the chain shown is the chain loaded.
    """
    chain: list[Path] = []
    _load(path, with_defaults=False, chain_out=chain)
    return chain


def load_scenario_data(
    data: Mapping[str, Any], *, base_dir: str | os.PathLike[str] = ".", shown: str = "<scenario dict>"
) -> Scenario:
    """Validate an in-memory scenario (e.g. a notebook's dict) exactly as a file in `base_dir` would be.

    `extends` and the file fields (`sites.file`, `villages.layer.file`) are relative to `base_dir`;
    mistakes come back as the same one-line errors, with `shown` in place of a file name.
    """
    if not isinstance(data, Mapping):
        raise DxsimInputError(
            "a scenario must be a table of fields",
            file=shown,
            value=show_value(data),
            allowed="a dict like {'name': 'my-option', 'extends': 'baseline.toml', 'crews': {...}}",
        )
    _check_nesting(data, shown)  # before any recursive walk: a cyclic or 10,000-deep dict is one line
    here = Path(base_dir) / "scenario.toml"  # where a file holding `data` would be
    raw = _prepare(_str_keys(data, shown, ()), ROOT, (), shown)
    _resolve_site_file(raw, here, shown, here)
    parent = raw.pop(EXTENDS, None)
    if parent is None:
        merged: dict[str, Any] = copy.deepcopy(defaults_json())
        prov: dict[tuple[str, ...], str] = {}
    else:
        parent_path = _parent_file(parent, here.parent, shown)
        merged, prov, _shown = _load(parent_path)
        # the chain's file fields are relative to the parent file; make them relative to base_dir
        for keys, _what, _allowed in _RELATIVE_FILES:
            node: Any = merged
            for k in keys[:-1]:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, dict) and isinstance(node.get(keys[-1]), str):
                src = os.path.join(os.path.dirname(_real(parent_path)), node[keys[-1]])
                node[keys[-1]] = os.path.relpath(src, os.path.dirname(_real(here)))
    _require_name(raw, shown)
    _merge(merged, raw, prov, shown, ())
    sc = _validate(merged, prov, shown)
    sc._folder = Path(base_dir)
    return sc


def _str_keys(node: Any, shown: str, path: tuple[str, ...]) -> Any:
    """A Python value as TOML would give it: str keys (years may be ints), lists for tuples."""
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise DxsimInputError(
                    "keys must be text",
                    file=shown,
                    field=dotted(path) or None,
                    value=show_value(k),
                    allowed="text keys like 'crews' (years may be integers)",
                )
            if str(k) in out:
                raise DxsimInputError(
                    f"key {str(k)!r} is given twice", file=shown, field=dotted(path) or None
                )
            out[str(k)] = _str_keys(v, shown, path + (str(k),))
        return out
    if isinstance(node, (list, tuple)):
        return [_str_keys(v, shown, path) for v in node]
    return node


def canonical_json(scenario: Scenario) -> str:
    """Canonical JSON of a validated scenario: sorted keys, ISO dates, no whitespace."""
    return json.dumps(
        scenario.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def scenario_sha256(path: str | os.PathLike[str]) -> str:
    """Hash of what the scenario means, so two files stating the same scenario hash alike.

    It hashes the fully merged, defaulted and validated values (not the file bytes), so
    comments, key order, `extends` vs. copy-paste, quoting styles, 15000 vs 15000.0 for a
    number field and TOML dates vs ISO strings do not change it.
    """
    return hashlib.sha256(canonical_json(load_scenario(path)).encode("utf-8")).hexdigest()


def check_override(field: str, value: Any, *, option: str) -> Any:
    """A command-line value replacing a top-level scenario field (`--seed`, `--reps`), held to that field's range.

    The range is the schema's own (not a copy), so an override cannot pass what a scenario file could
    not, e.g. `--seed -1`, which numpy would only refuse deep inside the first replication.
    """
    if not isinstance(value, bool) and hasattr(value, "__index__"):  # numpy's int64 is an integer too
        value = operator.index(value)
    info = Scenario.model_fields[field]
    field_type: Any = Annotated[(info.annotation, *info.metadata)]  # built at run time: no static type form
    adapter: TypeAdapter[Any] = TypeAdapter(field_type)
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError as exc:
        kind = exc.errors(include_url=False)[0].get("type", "")
        _parent, target = shape_at((field,))
        shown = value if isinstance(value, int) and abs(value) < 10**40 else show_value(value)
        raise DxsimInputError(
            _("{problem} for the scenario's `{field}`").format(
                problem=_(MESSAGES[kind]) if kind in MESSAGES else _("not allowed"), field=field
            ),
            field=option,
            value=shown,
            allowed=allowed_text(target, (field,)),
        ) from None


def field_bounds(field: str) -> tuple[int, int]:
    """(lowest, highest) value the schema allows for a top-level integer field such as `seed`."""
    _parent, target = shape_at((field,))
    assert target is not None and target.shape.ge is not None and target.shape.le is not None, field
    return int(target.shape.ge), int(target.shape.le)


# --------------------------------------------------------------------------- reading


_DATE_LIKE = re.compile(r"=\s*(\d{4}-\d{2}-\d{2})\b")
_OTHER_DATE = re.compile(r"=\s*(\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4})\s*(?:#.*)?$")


def _not_a_date(line: str) -> str | None:
    """tomllib reads 2030-13-01, 2028-6-30 and 30/06/2028 as broken statements; say it is not a calendar date, or
    which TOML date it was written for."""
    m = _DATE_LIKE.search(line)
    if m is not None:
        try:
            dt.date.fromisoformat(m.group(1))
        except ValueError:
            return _("{text} is not a calendar date (YYYY-MM-DD, month 01-12, a day the month has)").format(
                text=m.group(1)
            )
        return None
    m = _OTHER_DATE.search(line)
    if m is not None and (iso := iso_date_of(m.group(1))) is not None:
        return _("{text} is not a TOML date: write it as {iso} (year-month-day, without quotes)").format(
            text=m.group(1), iso=iso
        )
    return None


# `key = 0,3`: a decimal comma (Vietnamese writes 0,3 for 0.3), which TOML cannot read
_DECIMAL_COMMA = re.compile(r"=\s*([+-]?\d+),(\d+)\s*(?:#.*)?$")


def _decimal_comma(line: str) -> str | None:
    """tomllib says "Expected newline or end of document" of `share = 0,3`; say it is a comma in a number. Three
    digits after it may be a thousands comma (1,200) as well: both readings are named."""
    m = _DECIMAL_COMMA.search(line)
    if m is None:
        return None
    whole, tail = m.group(1), m.group(2)
    if len(tail) == 3:  # the decimal without the zeros that would read as a thousands mark again (1.200)
        return _(
            "{text} has a comma in a number, which TOML cannot read: write {decimal} for a decimal or {whole} "
            "for a whole number"
        ).format(
            text=f"{whole},{tail}", decimal=f"{whole}.{tail.rstrip('0') or '0'}", whole=f"{whole}_{tail}"
        )
    return _("{text} has a decimal comma, which TOML cannot read: write {decimal}").format(
        text=f"{whole},{tail}", decimal=f"{whole}.{tail}"
    )


def toml_error_text(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """ "malformed TOML at line L, column C (the line): reason", a broken date said as such (every TOML dxsim reads)."""
    msg = str(exc)
    m = _TOML_WHERE.search(msg)
    where = ""
    if m:
        msg = msg[: m.start()]
        where = (
            _(" at line {line}, column {column}").format(line=m.group(2), column=m.group(3))
            if m.group(2)
            else _(" at the end of the file")
        )
        lines = text.splitlines()
        line = lines[int(m.group(2)) - 1] if m.group(2) and int(m.group(2)) <= len(lines) else ""
        if line.strip():  # the line itself: a planner finds it faster than by its number
            where += f" ({clean(line.strip())[:80]})"
            msg = _not_a_date(line) or _decimal_comma(line) or msg
    return _("malformed TOML{where}: {reason}").format(where=where, reason=clean(msg))


def _read_toml(path: Path, shown: str) -> tuple[dict[str, Any], dict[float, str]]:
    """The parsed file, and its unquoted numbers that look thousands-grouped (:func:`grouped_literals`)."""
    try:
        data = _read_capped(path, shown)
    except FileNotFoundError:
        raise DxsimInputError(
            _("scenario file not found (looked for {path})").format(path=_abs(path)),
            file=shown,
            allowed=_("a path to an existing .toml file"),
        ) from None
    except IsADirectoryError:
        raise DxsimInputError(
            _("is a folder, not a scenario file"), file=shown, allowed=_("a path to a .toml file")
        ) from None
    except (OSError, ValueError) as exc:
        raise DxsimInputError(
            f"cannot read the file ({clean(getattr(exc, 'strerror', None) or exc)})", file=shown
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DxsimInputError(
            _("not UTF-8 text (bad byte at position {position})").format(position=exc.start),
            file=shown,
            allowed=_("a UTF-8 encoded TOML file"),
        ) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DxsimInputError(
            toml_error_text(exc, text),
            file=shown,
            allowed=_("TOML syntax, see https://toml.io"),
        ) from None
    except (
        ValueError,
        RecursionError,
        MemoryError,
    ) as exc:  # e.g. integers with >4300 digits, absurd nesting
        what = (
            N_("arrays or tables nested too deeply")
            if isinstance(exc, RecursionError)
            else N_("a value that cannot be read (e.g. a number with thousands of digits)")
        )
        raise DxsimInputError(
            _("malformed TOML: {reason}").format(reason=_(what)),
            file=shown,
            allowed=_("TOML syntax, see https://toml.io"),
        ) from None
    _check_nesting(parsed, shown)
    return parsed, grouped_literals(text)


# an unquoted number whose only point sits before three digits (1.500, 12.697): TOML reads a decimal point there
_QUOTED = re.compile(r"'''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"", re.DOTALL)
_GROUPED_LITERAL = re.compile(r"(?<![\w.+-])([1-9][0-9]{0,2}\.[0-9]{3})(?![\w.])")


def grouped_literals(text: str) -> dict[float, str]:
    """Value -> literal of the unquoted numbers written like 1.500 (one to three digits, a point, three digits), with
    strings and comments left out. Why: a Vietnamese planner writes one thousand five hundred as 1.500, which TOML
    reads as 1.5, a 1,000x error that validates; :func:`_check_number` refuses it where 1500 would be allowed."""
    bare = _QUOTED.sub('""', text)
    bare = re.sub(r"#[^\n]*", "", bare)
    return {float(m): m for m in _GROUPED_LITERAL.findall(bare)}


_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _read_capped(path: Path, shown: str) -> bytes:
    """The bytes of a regular file of at most MAX_SCENARIO_BYTES.

    Opened without blocking and checked on the open descriptor, so a FIFO cannot hang the
    loader and /dev/zero cannot fill the memory; OSError is left to the caller.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
            raise DxsimInputError(
                f"is {kind}, not a scenario file", file=shown, allowed="a regular .toml file"
            )
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_SCENARIO_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_SCENARIO_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_SCENARIO_BYTES:
            raise DxsimInputError(
                f"file too large ({os.fstat(fd).st_size:,} bytes) for a scenario file",
                file=shown,
                allowed=f"a .toml scenario file of at most {MAX_SCENARIO_BYTES:,} bytes",
            )
        return b"".join(chunks)
    finally:
        os.close(fd)


def _check_nesting(data: Any, shown: str) -> None:
    """Refuse tables/arrays nested deeper than MAX_NESTING (walked without recursion)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_NESTING:
            shown_path = ".".join(str(p) for p in path[:4]) + "..."
            raise DxsimInputError(
                f"tables or arrays nested more than {MAX_NESTING} levels deep",
                file=shown,
                field=shown_path,
                allowed=f"at most {MAX_NESTING} levels (a valid scenario nests at most 6)",
            )
        if isinstance(node, Mapping):
            stack.extend((v, path + (k,)) for k, v in node.items() if isinstance(v, (Mapping, list, tuple)))
        elif isinstance(node, (list, tuple)):
            stack.extend(
                (v, path + (i,)) for i, v in enumerate(node) if isinstance(v, (Mapping, list, tuple))
            )


def _abs(path: Path) -> str:
    try:
        return os.path.abspath(path)
    except (OSError, ValueError):
        return str(path)


def _real(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.normpath(str(path))


def _load(
    path: str | os.PathLike[str],
    *,
    with_defaults: bool = True,
    chain_out: list[Path] | None = None,
    replaced_out: list[ReplacedList] | None = None,
) -> tuple[dict[str, Any], dict[tuple[str, ...], str], str]:
    """Read the file chain, merge it, lay it over the defaults.

    Returns (merged dict, provenance: dotted path -> file that last set something there, top file).
    `chain_out`, if given, receives the real paths of the chain's files, root ancestor first; `replaced_out` the lists
    a file replaced that a parent file set (see `replaced_lists`).
    """
    top_path = Path(path)
    top_shown = str(path)
    top_dir = os.path.dirname(_real(top_path))

    chain: list[tuple[str, dict[str, Any]]] = []  # (shown name, raw dict), child first
    seen: list[tuple[str, str]] = []  # (real path, shown) in the order visited
    cur_path, cur_shown, via = top_path, top_shown, None  # via: (child shown, extends value)
    while True:
        real = _real(cur_path)
        if any(r == real for r, _ in seen):
            start = next(i for i, (r, _) in enumerate(seen) if r == real)
            names = [_short(r, top_dir) for r, _ in seen[start:]] + [_short(real, top_dir)]
            assert via is not None
            raise DxsimInputError(
                "extends makes a cycle: " + " -> ".join(names),
                file=via[0],
                field=EXTENDS,
                value=via[1],
                allowed="a chain of parent files that never comes back to a file already in it",
            )
        if len(seen) >= MAX_CHAIN:
            raise DxsimInputError(
                f"extends chain longer than {MAX_CHAIN} files",
                file=cur_shown,
                field=EXTENDS,
                allowed=f"at most {MAX_CHAIN} files in a chain",
            )
        seen.append((real, cur_shown))
        if chain_out is not None:
            chain_out.insert(0, Path(real))
        raw, grouped = _read_toml(cur_path, cur_shown)
        _refuse_search_file(raw, cur_shown)
        raw = _prepare(raw, ROOT, (), cur_shown, grouped)
        _resolve_site_file(raw, cur_path, cur_shown, top_path)
        parent = raw.pop(EXTENDS, None)
        chain.append((cur_shown, raw))
        if parent is None:
            break
        next_path = _parent_file(parent, cur_path.parent, cur_shown)
        via = (cur_shown, parent)
        cur_shown = os.path.normpath(os.path.join(os.path.dirname(cur_shown), parent))
        cur_path = next_path

    _require_name(chain[0][1], top_shown)

    merged: dict[str, Any] = copy.deepcopy(defaults_json()) if with_defaults else {}
    prov: dict[tuple[str, ...], str] = {}
    for shown, raw in reversed(chain):  # root ancestor first, the loaded file last
        _merge(merged, raw, prov, shown, (), replaced_out)
    return merged, prov, top_shown


# keys an optimisation file / a sweep file has and a scenario file has not (dxsim.sweep.spec lists them all: it
# builds on this module, which cannot import it)
_OPTIMISE_KEYS = frozenset(
    {"variables", "shares", "objectives", "constraints", "max_evals", "validate_reps", "local_rounds"}
)
_SWEEP_KEYS = frozenset({"parameters", "method", "samples", "kpis"})


def _refuse_search_file(raw: dict[str, Any], shown: str) -> None:
    """An optimisation or sweep file given where a scenario belongs (`dxsim run`, `validate`, `show`, `compare`):
    say what it is and which command reads it, not "unknown key 'base'" and one more line per key (a trial of
    `dxsim validate scenarios/optimise/envelope-split.toml`). Told by `base`, which no scenario has, beside a key
    only such a file has."""
    if "base" not in raw or EXTENDS in raw:
        return
    if _OPTIMISE_KEYS & set(raw):
        msg = _("is an optimisation file, not a scenario file; run it with `dxsim optimise`")
    elif _SWEEP_KEYS & set(raw):
        msg = _("is a sweep file, not a scenario file; run it with `dxsim sweep`")
    else:
        return
    raise DxsimInputError(
        msg,
        file=shown,
        allowed=_("{what}, e.g. {example}").format(
            what=_("a scenario file"), example="scenarios/baseline.toml"
        ),
    )


# Scenario fields naming a data file, relative to the scenario file that names them:
# (dotted path, what it is, allowed text).
_RELATIVE_FILES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("sites", "file"),
        "site file",
        "a CSV file (lon, lat, operator, technology, band_mhz, on_air_date), relative to this scenario file's folder",
    ),
    (
        ("villages", "layer", "file"),
        "village file",
        "a CSV or GeoJSON file (name, lon, lat, gso34, population), relative to this scenario file's folder",
    ),
)


def _parent_file(parent: Any, folder: Path, shown: str) -> Path:
    """The parent file an `extends` value names, relative to `folder`; errors name the file `shown`."""
    if not isinstance(parent, str) or not parent.strip():
        raise DxsimInputError(
            _("must be the path of a parent scenario file, in quotes"),
            file=shown,
            field=EXTENDS,
            value=show_value(parent),
            allowed='a path like "baseline.toml", relative to this file\'s folder',
        )
    path = folder / parent
    if not _is_file(path):
        said = _("parent scenario not found (looked for {path})").format(path=_abs(path))
        near = _parent_nearby(parent, folder)
        if near is not None:
            said += "; " + _("did you mean {name}?").format(name=f'"{near}"')
        raise DxsimInputError(
            said,
            file=shown,
            field=EXTENDS,
            value=parent,
            allowed=_("a path to an existing .toml file, relative to this file's folder"),
        )
    return path


def _parent_nearby(parent: str, folder: Path) -> str | None:
    """The `extends` value that names the file a planner most likely meant: the same path from the current folder, or
    a file of that name in its `scenarios/` (`extends = "baseline.toml"` in my/x.toml, run from the checkout, means
    "../scenarios/baseline.toml"), relative to `folder` when that lies in the current folder, else whole; None when
    neither exists."""
    for candidate in (Path.cwd() / parent, Path.cwd() / "scenarios" / Path(parent).name):
        if _is_file(candidate):
            target, here, top = candidate.resolve(), folder.resolve(), Path.cwd().resolve()
            # relative within the project the command runs in (it stays right when the folder is shared or moved);
            # whole when the scenario file lies outside it
            if here.is_relative_to(top):
                return Path(os.path.relpath(target, here)).as_posix()
            return target.as_posix()
    return None


def _require_name(raw: dict[str, Any], shown: str) -> None:
    if "name" not in raw:
        raise DxsimInputError(
            _("field required"),
            file=shown,
            field="name",
            allowed=_(FRIENDLY_ALLOWED["name"])
            + "; "
            + _("every scenario file needs its own, it is not inherited through extends"),
        )


def _resolve_site_file(raw: dict[str, Any], cur_path: Path, cur_shown: str, top_path: Path) -> None:
    """`sites.file` and `villages.layer.file` are relative to the file that names them; store them
    relative to the loaded file.

    Relative to the top file (not absolute) so that the scenario hash is the same in any clone.
    """
    for keys, what, allowed in _RELATIVE_FILES:
        node: Any = raw
        for k in keys[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        name = keys[-1]
        if not isinstance(node, dict) or not isinstance(node.get(name), str) or not node[name].strip():
            continue
        target = cur_path.parent / node[name]
        if not _is_file(target):
            raise DxsimInputError(
                f"{what} not found (looked for {_abs(target)})",
                file=cur_shown,
                field=".".join(keys),
                value=node[name],
                allowed=allowed,
            )
        node[name] = os.path.relpath(os.path.realpath(target), os.path.dirname(_real(top_path)))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _short(real: str, top_dir: str) -> str:
    try:
        return os.path.relpath(real, top_dir)
    except ValueError:  # other drive on Windows
        return real


def _merge(
    base: dict[str, Any],
    over: dict[str, Any],
    prov: dict[tuple[str, ...], str],
    file: str,
    path: tuple[str, ...],
    replaced: list[ReplacedList] | None = None,
) -> None:
    """Deep merge `over` into `base`: tables merge key by key, other values replace. A list that replaces one a
    parent file set is recorded in `replaced`."""
    for k, v in over.items():
        p = path + (k,)
        old = base.get(k)
        if (
            replaced is not None
            and isinstance(v, list)
            and isinstance(old, list)
            and old
            and not _keeps_all(old, v)
        ):
            # a parent file's list, or (no file set it) the defaults' list
            kept = {item.get("name") for item in v if isinstance(item, dict)}
            dropped = tuple(
                str(item["name"])
                for item in old
                if isinstance(item, dict) and item.get("name") not in (None, *kept)
            )
            replaced.append(ReplacedList(".".join(p), prov.get(p, DEFAULTS_SHOWN), len(old), len(v), dropped))
        prov[p] = file
        if isinstance(v, dict) and isinstance(old, dict):
            _merge(base[k], v, prov, file, p, replaced)
        else:
            base[k] = copy.deepcopy(v)
            if isinstance(v, dict):
                _mark(v, prov, file, p)


_ITEM_IDENTITY = ("name", "project_id", "gso34")  # what names an item of a list of tables


def _keeps_all(old: list[Any], new: list[Any]) -> bool:
    """Whether a list in place of `old` keeps every item of it: by name when both are lists of named tables (a
    resolved file restates the default campaigns with every field written out, and validate noted "lists 2 in place
    of the 2 of the defaults"), else as equal lists."""
    for key in _ITEM_IDENTITY:
        if all(isinstance(x, dict) and key in x for x in (*old, *new)):
            return {str(x[key]) for x in old} <= {str(x[key]) for x in new}
    kept = [_plain_value(x) for x in new]
    return all(_plain_value(x) in kept for x in old)


def _plain_value(x: Any) -> Any:
    """A TOML or JSON value in one form (dates as ISO text, numbers as floats), so a restated item equals its
    original whichever way it was written."""
    if isinstance(x, dict):
        return tuple(sorted((str(k), _plain_value(v)) for k, v in x.items()))
    if isinstance(x, (list, tuple)):
        return tuple(_plain_value(v) for v in x)
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    return x


def _mark(d: dict[str, Any], prov: dict[tuple[str, ...], str], file: str, path: tuple[str, ...]) -> None:
    for k, v in d.items():
        prov[path + (k,)] = file
        if isinstance(v, dict):
            _mark(v, prov, file, path + (k,))


# --------------------------------------------------------------------------- per-file checks


def _prepare(
    node: Any, cur: Located, path: tuple[str, ...], file: str, grouped: Mapping[float, str] | None = None
) -> Any:
    """Normalise year keys ("02026" -> "2026") and reject what pydantic's lax mode would let through.

    Pydantic would accept `true` as 1 and "500" as 500 for numeric fields, and NaN/inf
    pass a range check only by accident; a planner who wrote those made a mistake. `grouped`: the file's numbers
    written like 1.500 (:func:`grouped_literals`).
    """
    grouped = grouped or {}
    s = cur.shape
    if s.kind == "model":
        if isinstance(node, dict):
            for k, v in node.items():
                if not path and k == EXTENDS:
                    continue
                child = step(cur, k)
                if child is not None:
                    node[k] = _prepare(v, child, path + (k,), file, grouped)
        return node
    if s.kind == "dict":
        if not isinstance(node, dict):
            return node
        assert s.key is not None and s.item is not None
        item = Located(s.item, cur.unit, cur.source, cur.description)
        out: dict[str, Any] = {}
        for k, v in node.items():
            nk = k
            if s.key.py_type is int and isinstance(k, str) and _INT_KEY.fullmatch(k.strip()):
                nk = str(int(k.strip()))
                if nk in out:
                    kname = key_name(s.key)
                    raise DxsimInputError(
                        f"{kname} {nk} is given twice",
                        file=file,
                        field=dotted(path + (k,)),
                        allowed=f"each {kname} once",
                    )
            out[nk] = _prepare(v, item, path + (nk,), file, grouped)
        return out
    if s.kind == "list":
        if isinstance(node, list) and s.item is not None:
            item = Located(s.item, cur.unit, cur.source, cur.description)
            for i, v in enumerate(node):
                _check_number(v, item, path, file, index=i, grouped_numbers=grouped)
        return node
    _check_number(node, cur, path, file, grouped_numbers=grouped)
    return node


def _check_number(
    value: Any,
    cur: Located,
    path: tuple[str, ...],
    file: str,
    index: int | None = None,
    grouped_numbers: Mapping[float, str] | None = None,
) -> None:
    if not cur.shape.is_number:
        return
    msg = None
    if isinstance(value, bool):
        msg = _("true/false is not a number")
    elif isinstance(value, str):
        grouped = _thousands_grouped(value)
        if grouped is not None:
            msg = _(
                "a number in quotes is text, and '.' or ',' between groups of three digits is not a thousands mark in "
                "a scenario file (1.500 unquoted is 1.5); write {plain} without quotes or separators (or {underscored})"
            ).format(plain=grouped, underscored=_underscored(grouped))
        else:
            msg = (
                _("a number in quotes is text; write it without quotes")
                if _looks_numeric(value)
                else _("not a number")
            )
    elif isinstance(value, float) and not math.isfinite(value):
        msg = _("not a finite number")
    elif isinstance(value, float) and grouped_numbers and value in grouped_numbers:
        literal = grouped_numbers[value]
        thousands = int(literal.replace(".", ""))
        if _in_range(thousands, cur) and cur.shape.py_type is int:  # a count cannot keep the fraction
            msg = _(
                "{literal} is read as {value} (in TOML '.' is the decimal point, not a thousands mark): write {plain} "
                "or {underscored}"
            ).format(
                literal=literal, value=f"{value:g}", plain=thousands, underscored=_underscored(str(thousands))
            )
        elif _in_range(thousands, cur):
            msg = _(
                "{literal} is read as {value} (in TOML '.' is the decimal point, not a thousands mark): write {plain} "
                "or {underscored} for {plain}, or {decimal} to keep {value}"
            ).format(
                literal=literal,
                value=f"{value:g}",
                decimal=_unambiguous(value),
                plain=thousands,
                underscored=_underscored(str(thousands)),
            )
    if msg:
        raise DxsimInputError(
            msg,
            file=file,
            # a list's item is named with its place: "supports[1].provinces[2]"
            field=dotted(path if index is None else (*path, index)),
            value=show_value(value),
            allowed=allowed_text(cur, path),
        )


# a number with its thousands grouped, Vietnamese style (1.500 / 12.697,5) or English style (1,500 / 12,697.5)
_GROUPED_VI = re.compile(r"^\s*-?\d{1,3}(?:\.\d{3})+(?:,\d+)?\s*$")
_GROUPED_EN = re.compile(r"^\s*-?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*$")
_GROUPED_SPACE = re.compile(r"^\s*-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?\s*$")  # 1 500 (SI, French)


def _thousands_grouped(text: str) -> str | None:
    """The plain number a quoted value with thousands marks stands for ("1.500" -> "1500", "12,697.5" -> "12697.5"),
    or None. Why: "write it without quotes" turned "1.500" (1,500 bn VND, as a Vietnamese planner writes it) into
    1.500, which TOML reads as 1.5: a 1,000x error that validated."""
    if _GROUPED_VI.match(text):
        whole, _sep, frac = text.strip().partition(",")
        return whole.replace(".", "") + (f".{frac}" if frac else "")
    if _GROUPED_EN.match(text):
        return text.strip().replace(",", "")
    if _GROUPED_SPACE.match(text):
        return re.sub(r"[ \u00a0\u202f]", "", text.strip()).replace(",", ".")
    return None


def _unambiguous(value: float) -> str:
    """The shortest way to write a decimal that no reader takes for a grouped number: 1.5, or 12.6970 for 12.697."""
    text = f"{value:g}"
    return text + "0" if grouped_literals(text) else text


def _in_range(x: float, cur: Located) -> bool:
    """Whether x passes the field's bounds (a field without bounds takes any number)."""
    s = cur.shape
    return not (
        (s.ge is not None and x < s.ge)
        or (s.gt is not None and x <= s.gt)
        or (s.le is not None and x > s.le)
        or (s.lt is not None and x >= s.lt)
    )


def _underscored(plain: str) -> str:
    """1500 -> 1_500 (TOML's own digit separator)."""
    whole, dot, frac = plain.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = [digits[max(i - 3, 0) : i] for i in range(len(digits), 0, -3)][::-1]
    return sign + "_".join(groups) + dot + frac


def _looks_numeric(text: str) -> bool:
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- validation


def _unused_fixed_option(sc: Scenario, prov: dict[tuple[str, ...], str], top: str) -> None:
    """Refuse villages.options.policy.fixed_power / fixed_backhaul under a rule other than 'fixed': they are read by
    that rule only, so `fixed_backhaul = "leo"` with the default grid_first was accepted and every village of a Lai
    Châu file still took microwave. Checked on loading only: code may set them before it sets the rule."""
    v = sc.villages
    if v is None or v.options.policy.rule == "fixed":
        return
    for name in ("fixed_power", "fixed_backhaul"):
        value = getattr(v.options.policy, name)
        if value is not None:
            path = ("villages", "options", "policy", name)
            raise DxsimInputError(
                _(
                    "used only by rule = 'fixed', and the rule is {rule!r}: the option would be ignored"
                ).format(rule=v.options.policy.rule),
                file=prov.get(path, top),
                field=".".join(path),
                value=str(value),
                allowed=_("rule = 'fixed' beside it, or no {name}").format(name=name),
            )


def _validate(merged: dict[str, Any], prov: dict[tuple[str, ...], str], top: str) -> Scenario:
    try:
        sc = Scenario.model_validate(merged)
        _unused_fixed_option(sc, prov, top)
        return sc
    except ValidationError as exc:
        errors = [translate(e, merged, prov, top) for e in exc.errors(include_url=False)]
        # one problem per field: a value that fits no member of a union type gets an error per member
        by_field: dict[tuple[str | None, str | None], DxsimInputError] = {}
        for e in errors:
            by_field.setdefault((e.file, e.field), e)
        errors = list(by_field.values())
        first = errors[0]
        first.more = errors[1:]  # counted on its line
        raise first from None
