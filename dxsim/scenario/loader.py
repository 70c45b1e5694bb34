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
import difflib
import hashlib
import json
import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from dxsim.errors import DxsimInputError
from dxsim.i18n import N_
from dxsim.i18n import gettext as _
from dxsim.scenario.docs import (
    ROOT,
    Located,
    defaults_json,
    key_name,
    range_text,
    shape_at,
    step,
    type_text,
)
from dxsim.scenario.schema import Scenario

EXTENDS = "extends"
MAX_CHAIN = 64
# A scenario file is a few kB (the shipped ones are under 10 kB); 1 MB leaves room for long
# descriptions and tables while refusing a data file, a log or /dev/zero given by mistake.
MAX_SCENARIO_BYTES = 1_000_000
# Tables and arrays nest at most 6 levels in a valid scenario (e.g. compute.gpus.orders[i].order_date);
# anything deeper is a mistake, and 10,000 levels would exhaust the interpreter's recursion limit.
MAX_NESTING = 16

_INT_KEY = re.compile(r"[+-]?[0-9]{1,18}")
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_*-]+")
_TOML_WHERE = re.compile(r"\s*\(at (line (\d+), column (\d+)|end of document)\)\s*$")
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
_FRIENDLY_ALLOWED = {
    "name": "a short name of letters, digits, '_', '.' or '-' (up to 64 characters, "
    "starting with a letter or digit)",
}


# --------------------------------------------------------------------------- public API


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario file (following `extends`), apply defaults and validate it."""
    merged, prov, top = _load(path)
    return _validate(merged, prov, top)


def load_scenario_dict(path: str | os.PathLike[str], *, with_defaults: bool = True) -> dict[str, Any]:
    """The merged input dict, before validation (for provenance records).

    With `with_defaults=False` only what the file chain itself states is returned.
    """
    merged, _prov, _shown = _load(path, with_defaults=with_defaults)
    return merged


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
            value=_show(data),
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
    return _validate(merged, prov, shown)


def _str_keys(node: Any, shown: str, path: tuple[str, ...]) -> Any:
    """A Python value as TOML would give it: str keys (years may be ints), lists for tuples."""
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise DxsimInputError(
                    "keys must be text", file=shown, field=_dotted(path) or None, value=_show(k),
                    allowed="text keys like 'crews' (years may be integers)",
                )
            if str(k) in out:
                raise DxsimInputError(f"key {str(k)!r} is given twice", file=shown, field=_dotted(path) or None)
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
    info = Scenario.model_fields[field]
    adapter: TypeAdapter[Any] = TypeAdapter(Annotated[(info.annotation, *info.metadata)])  # type: ignore[valid-type]
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError as exc:
        kind = exc.errors(include_url=False)[0].get("type", "")
        _parent, target = shape_at((field,))
        shown = value if isinstance(value, int) and abs(value) < 10**40 else _show(value)
        raise DxsimInputError(
            f"{_MESSAGES.get(kind, 'not allowed')} for the scenario's `{field}`",
            field=option,
            value=shown,
            allowed=_allowed(target, (field,)),
        ) from None


def field_bounds(field: str) -> tuple[int, int]:
    """(lowest, highest) value the schema allows for a top-level integer field such as `seed`."""
    _parent, target = shape_at((field,))
    assert target is not None and target.shape.ge is not None and target.shape.le is not None, field
    return int(target.shape.ge), int(target.shape.le)


# --------------------------------------------------------------------------- reading


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        data = _read_capped(path, shown)
    except FileNotFoundError:
        raise DxsimInputError(
            f"scenario file not found (looked for {_abs(path)})",
            file=shown,
            allowed="a path to an existing .toml file",
        ) from None
    except IsADirectoryError:
        raise DxsimInputError(
            "is a folder, not a scenario file", file=shown, allowed="a path to a .toml file"
        ) from None
    except (OSError, ValueError) as exc:
        raise DxsimInputError(
            f"cannot read the file ({_clean(getattr(exc, 'strerror', None) or exc)})", file=shown
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DxsimInputError(
            f"not UTF-8 text (bad byte at position {exc.start})",
            file=shown,
            allowed="a UTF-8 encoded TOML file",
        ) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_WHERE.search(msg)
        where = ""
        if m:
            msg = msg[: m.start()]
            where = f" at line {m.group(2)}, column {m.group(3)}" if m.group(2) else " at the end of the file"
        raise DxsimInputError(
            f"malformed TOML{where}: {_clean(msg)}", file=shown, allowed="TOML syntax, see https://toml.io"
        ) from None
    except (
        ValueError,
        RecursionError,
        MemoryError,
    ) as exc:  # e.g. integers with >4300 digits, absurd nesting
        what = (
            "arrays or tables nested too deeply"
            if isinstance(exc, RecursionError)
            else "a value that cannot be read (e.g. a number with thousands of digits)"
        )
        raise DxsimInputError(
            f"malformed TOML: {what}", file=shown, allowed="TOML syntax, see https://toml.io"
        ) from None
    _check_nesting(parsed, shown)
    return parsed


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
            stack.extend((v, path + (i,)) for i, v in enumerate(node) if isinstance(v, (Mapping, list, tuple)))


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
    path: str | os.PathLike[str], *, with_defaults: bool = True, chain_out: list[Path] | None = None
) -> tuple[dict[str, Any], dict[tuple[str, ...], str], str]:
    """Read the file chain, merge it, lay it over the defaults.

    Returns (merged dict, provenance: dotted path -> file that last set something there, top file).
    `chain_out`, if given, receives the real paths of the chain's files, root ancestor first.
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
        raw = _read_toml(cur_path, cur_shown)
        raw = _prepare(raw, ROOT, (), cur_shown)
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
        _merge(merged, raw, prov, shown, ())
    return merged, prov, top_shown


# Scenario fields naming a data file, relative to the scenario file that names them:
# (dotted path, what it is, allowed text).
_RELATIVE_FILES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("sites", "file"), "site file",
     "a CSV file (lon, lat, operator, technology, band_mhz, on_air_date), relative to this scenario file's folder"),
    (("villages", "layer", "file"), "village file",
     "a CSV or GeoJSON file (name, lon, lat, gso34, population), relative to this scenario file's folder"),
)


def _parent_file(parent: Any, folder: Path, shown: str) -> Path:
    """The parent file an `extends` value names, relative to `folder`; errors name the file `shown`."""
    if not isinstance(parent, str) or not parent.strip():
        raise DxsimInputError(
            "must be the path of a parent scenario file, in quotes",
            file=shown,
            field=EXTENDS,
            value=_show(parent),
            allowed='a path like "baseline.toml", relative to this file\'s folder',
        )
    path = folder / parent
    if not _is_file(path):
        raise DxsimInputError(
            f"parent scenario not found (looked for {_abs(path)})",
            file=shown,
            field=EXTENDS,
            value=parent,
            allowed="a path to an existing .toml file, relative to this file's folder",
        )
    return path


def _require_name(raw: dict[str, Any], shown: str) -> None:
    if "name" not in raw:
        raise DxsimInputError(
            "field required",
            file=shown,
            field="name",
            allowed=_FRIENDLY_ALLOWED["name"]
            + "; every scenario file needs its own, it is not inherited through extends",
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
) -> None:
    """Deep merge `over` into `base`: tables merge key by key, other values replace."""
    for k, v in over.items():
        p = path + (k,)
        prov[p] = file
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v, prov, file, p)
        else:
            base[k] = copy.deepcopy(v)
            if isinstance(v, dict):
                _mark(v, prov, file, p)


def _mark(d: dict[str, Any], prov: dict[tuple[str, ...], str], file: str, path: tuple[str, ...]) -> None:
    for k, v in d.items():
        prov[path + (k,)] = file
        if isinstance(v, dict):
            _mark(v, prov, file, path + (k,))


# --------------------------------------------------------------------------- per-file checks


def _prepare(node: Any, cur: Located, path: tuple[str, ...], file: str) -> Any:
    """Normalise year keys ("02026" -> "2026") and reject what pydantic's lax mode would let through.

    Pydantic would accept `true` as 1 and "500" as 500 for numeric fields, and NaN/inf
    pass a range check only by accident; a planner who wrote those made a mistake.
    """
    s = cur.shape
    if s.kind == "model":
        if isinstance(node, dict):
            for k, v in node.items():
                if not path and k == EXTENDS:
                    continue
                child = step(cur, k)
                if child is not None:
                    node[k] = _prepare(v, child, path + (k,), file)
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
                        field=_dotted(path + (k,)),
                        allowed=f"each {kname} once",
                    )
            out[nk] = _prepare(v, item, path + (nk,), file)
        return out
    if s.kind == "list":
        if isinstance(node, list) and s.item is not None:
            item = Located(s.item, cur.unit, cur.source, cur.description)
            for i, v in enumerate(node):
                _check_number(v, item, path, file, index=i)
        return node
    _check_number(node, cur, path, file)
    return node


def _check_number(
    value: Any, cur: Located, path: tuple[str, ...], file: str, index: int | None = None
) -> None:
    if not cur.shape.is_number:
        return
    where = f" (item {index + 1} of the list)" if index is not None else ""
    msg = None
    if isinstance(value, bool):
        msg = "true/false is not a number"
    elif isinstance(value, str):
        msg = (
            "a number in quotes is text; write it without quotes" if _looks_numeric(value) else "not a number"
        )
    elif isinstance(value, float) and not math.isfinite(value):
        msg = "not a finite number"
    if msg:
        raise DxsimInputError(
            msg + where, file=file, field=_dotted(path), value=_show(value), allowed=_allowed(cur, path)
        )


def _looks_numeric(text: str) -> bool:
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- validation


def _validate(merged: dict[str, Any], prov: dict[tuple[str, ...], str], top: str) -> Scenario:
    try:
        return Scenario.model_validate(merged)
    except ValidationError as exc:
        errors = [_translate(e, merged, prov, top) for e in exc.errors(include_url=False)]
        first = errors[0]
        first.more = errors[1:]  # type: ignore[attr-defined]  # the CLI may list them, one per line
        raise first from None


def _translate(
    err: Any, merged: dict[str, Any], prov: dict[tuple[str, ...], str], top: str
) -> DxsimInputError:
    """One pydantic error -> one planner-readable DxsimInputError."""
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    inp = err.get("input")
    ctx = err.get("ctx") or {}
    is_key = bool(loc) and loc[-1] == "[key]"
    path = tuple(str(p) if not isinstance(p, int) else p for p in (loc[:-1] if is_key else loc))
    # a bad dict key is reported as (..., key, '[key]'): the key's shape belongs to the dict above it
    parent, target = shape_at(loc[:-2] + ("[key]",) if is_key else loc)
    list_index = None
    if path and isinstance(path[-1], int):  # an item of a list: report the list
        list_index = path[-1]
        path = tuple(p for p in path if not isinstance(p, int))
    where = f" (item {list_index + 1} of the list)" if list_index is not None else ""
    file = _file_for(path, prov, top)
    field = _dotted(path)

    if kind == "missing":
        return DxsimInputError(_("field required"), file=file, field=field, allowed=_allowed(target, path))

    if kind == "extra_forbidden":
        key = str(loc[-1])
        keys = list(parent.shape.model_fields) if parent is not None else []
        if len(loc) == 1:
            keys.append(EXTENDS)
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
        msg = _("unknown key {key}").format(key=repr(key)) + (
            "; " + _("did you mean {name}?").format(name=repr(close[0])) if close else "")
        return DxsimInputError(msg, file=file, field=field, value=_show(inp), allowed=", ".join(keys))

    if is_key and target is not None:
        kname = target.key_name
        key = str(inp)
        if target.shape.options:
            opts = [str(o) for o in target.shape.options]
            close = difflib.get_close_matches(key, opts, n=1, cutoff=0.6)
            msg = f"unknown {kname} {key!r}" + (f"; did you mean {close[0]!r}?" if close else "")
            return DxsimInputError(msg, file=file, field=field, allowed=", ".join(opts))
        rng = range_text(target.shape)
        return DxsimInputError(
            f"{key!r} is not a valid {kname}", file=file, field=field, allowed=f"a {kname} {rng}".strip()
        )

    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error") or err.get("msg", ""))
        text = re.sub(r"^(Value error|Assertion failed),\s*", "", text)
        if target is not None and target.shape.kind == "model":
            found = _split_field(text, target, path, merged) if not where else _split_item_field(
                text, target, path, list_index, merged)
            if found is not None:
                fpath, value, rest = found
                return DxsimInputError(
                    _clean(rest) + where, file=_file_for(fpath, prov, top), field=_dotted(fpath), value=_show(value)
                )
            return DxsimInputError(_clean(text), file=file, field=field or None)
        return DxsimInputError(
            _clean(text) + where, file=file, field=field, value=_show(inp), allowed=_allowed(target, path)
        )

    msg = _(_MESSAGES[kind]) if kind in _MESSAGES else None
    if msg is None:
        if kind.endswith(("_type", "_parsing")) or kind.startswith(("date_", "datetime_")):
            msg = _("wrong type: not {what}").format(what=type_text(target.shape) if target else _("the expected type"))
        else:
            msg = re.sub(r"^Input should be\s*", "should be ", err.get("msg", "invalid value"))
    if kind == "float_type" and isinstance(inp, int) and not isinstance(inp, bool):
        msg = "number too large"
    if kind == "string_too_long" and isinstance(inp, str):
        msg = f"too long ({len(inp)} characters)"
    return DxsimInputError(
        _clean(msg) + where, file=file, field=field or None, value=_show(inp),
        allowed=ctx.get("allowed") or _allowed(target, path),  # a custom error may say what is allowed
    )


_MESSAGES = {  # translated where used (gettext)
    "greater_than_equal": N_("too small"),
    "greater_than": N_("too small"),
    "less_than_equal": N_("too large"),
    "less_than": N_("too large"),
    "finite_number": N_("not a finite number"),
    "int_from_float": N_("not a whole number"),
    "int_parsing_size": N_("number too large"),
    "string_pattern_mismatch": N_("not in the required form"),
    "literal_error": N_("not one of the allowed values"),
    "date_from_datetime_inexact": N_("has a time of day; give a date only"),
    "date_future": N_("must be in the future"),
    "date_past": N_("must be in the past"),
}


def _split_field(
    text: str, target: Located, path: tuple[Any, ...], merged: dict[str, Any]
) -> tuple[tuple[str, ...], Any, str] | None:
    """A section-level rule like "end_date (…) must be after start_date (…)": point at end_date."""
    token, _sep, rest = text.partition(" ")
    parts = tuple(token.split("."))
    if not rest or parts[0] not in target.shape.model_fields:
        return None
    fpath = tuple(path) + parts
    value = None
    if "*" not in parts:
        node: Any = merged
        for p in fpath:
            node = node.get(p) if isinstance(node, dict) else None
        value = node
        rest = re.sub(r"^(\([^)]*\)|=\s*[^:]*:)\s*", "", rest)  # the value is shown separately
    return fpath, value, rest


def _split_item_field(
    text: str, target: Located, path: tuple[Any, ...], index: int | None, merged: dict[str, Any]
) -> tuple[tuple[str, ...], Any, str] | None:
    """A rule of one item of a list of tables ("window_end (…) must not be before …"): point at its field."""
    token, _sep, rest = text.partition(" ")
    if not rest or "." in token or token not in target.shape.model_fields or index is None:
        return None
    node: Any = merged
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    item = node[index] if isinstance(node, list) and index < len(node) else None
    value = item.get(token) if isinstance(item, dict) else None
    rest = re.sub(r"^(\([^)]*\)|=\s*[^:]*:)\s*", "", rest)
    return tuple(path) + (token,), value, rest


def _file_for(path: tuple[Any, ...], prov: dict[tuple[str, ...], str], top: str) -> str:
    """The file of the chain that (last) set this value; the loaded file if it came from defaults."""
    p = tuple(str(x) for x in path)
    while p:
        if p in prov:
            return prov[p]
        p = p[:-1]
    return top


# --------------------------------------------------------------------------- wording


def _allowed(target: Located | None, path: tuple[Any, ...] = ()) -> str | None:
    """'an integer between 0 and 20000 teams', 'a table with keys …', 'an ISO date like 2026-01-31'."""
    dotted = ".".join(str(p) for p in path)
    if dotted in _FRIENDLY_ALLOWED:
        return _FRIENDLY_ALLOWED[dotted]
    if target is None:
        return None
    s = target.shape
    unit = target.unit
    if s.kind == "model":
        return "a table with keys " + ", ".join(s.model_fields)
    if s.kind == "dict" and s.key is not None and s.item is not None:
        kname = key_name(s.key)
        if s.key.options:
            return f"a table with one entry per {kname} (" + ", ".join(map(str, s.key.options)) + ")"
        inner = _allowed(Located(s.item, unit), ())
        krange = range_text(s.key)
        return f"a table of {kname} = value ({kname} {krange}; value {inner})".replace("  ", " ")
    if s.kind == "list" and s.item is not None:
        inner = " ".join(x for x in (range_text(s.item), unit if s.item.is_number else None) if x)
        return f"a list of {type_text(s.item, article=False)}s" + (f", each {inner}" if inner else "")
    if s.options:
        return " ".join(x for x in (range_text(s), unit if s.is_number else None) if x)
    if s.is_number:
        return " ".join(x for x in (type_text(s), range_text(s), unit) if x)
    if s.py_type is str:
        text = "text" + (f" ({range_text(s)})" if range_text(s) else "")
        return f"{text}: {unit}" if unit else text
    return type_text(s)


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(
        str(p) if isinstance(p, int) or _SIMPLE_KEY.fullmatch(str(p)) else json.dumps(str(p)) for p in path
    )


def _clean(text: Any) -> str:
    return _LINE_BREAKS.sub(" ", str(text))


class _Shown:
    """A value abbreviated for display: its repr is the text shown to the planner."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Shown) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _show(value: Any) -> Any:
    """The offending value, made short and printable (TOML dates as ISO strings)."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return _Shown(f"<an integer of about {int(value.bit_length() * 0.30103) + 1} digits>")
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return _Shown("<a value too large to show>")
    if len(text) > 80:
        return _Shown(_clean(text[:77]) + "...")
    return value
