"""The wording of scenario errors: one pydantic validation error -> one planner-readable line.

Every mistake a planner can make comes back as one :class:`DxsimInputError` naming the file that set the
value (through the merge's provenance), the dotted field, the value as written, and what is allowed
(type, range, step, or the allowed keys with a suggestion), in the chosen language. Reading and
merging the files is :mod:`dxsim.scenario.loader`'s job.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from typing import Any

from dxsim.errors import DxsimInputError
from dxsim.i18n import N_
from dxsim.i18n import gettext as _
from dxsim.i18n import pgettext
from dxsim.scenario.constants import EXTENDS, item_field
from dxsim.scenario.docs import Located, key_name, key_word, range_text, shape_at, type_text, unit_text

FRIENDLY_ALLOWED = {  # translated where used
    "name": N_(
        "a short name of letters a-z or A-Z without accents, digits, '_', '.' or '-' (up to 64 characters, starting "
        "with a letter or digit; it names the output folder)"
    ),
    "villages.campaigns.villages": N_(
        "'no_power', 'with_power', 'all', or a list of village ids and/or 2-digit gso34 province codes"
    ),
    # not the regex (^[a-z0-9_]{1,40}$ was shown; provincial planner trial)
    "supports.name": N_(
        "1 to 40 characters: lower-case letters a-z without accents, digits or '_' (e.g. dien_bien_sites)"
    ),
    "compute.datacentres.extra_projects.project_id": N_(
        "1 to 40 characters: letters without accents, digits, '-' or '_', starting with a letter or digit (e.g. NEW-1)"
    ),
}
# keys a release removed, by dotted path: what replaced them (translated where used). Why: "did you mean" pointed the
# retired share (start_sites_in_window_pct = 60) at the count that replaced it, where 60 passes as 60 stations
RETIRED_KEYS = {
    "start_state.start_sites_in_window_pct": N_(
        "it was replaced on 2026-12-07 by start_state.stations_5g_at_window_start, the count of 5G stations on air "
        "when subsidy.window_start opened (10,928 on 2025-02-19 by default), not a share: only the start stations "
        "above it count toward the threshold"
    ),
}
# pydantic names the member of a union a value failed ("literal['no_power','with_power','all']", "list[str]") as if
# it were a key; the planner wrote none, so it is dropped from the field
_UNION_MEMBER = re.compile(r"[a-z][a-z-]*\[.*\]")
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_*-]+")


def translate(
    err: Any, merged: dict[str, Any], prov: dict[tuple[str, ...], str], top: str
) -> DxsimInputError:
    """One pydantic error -> one planner-readable DxsimInputError."""
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and _UNION_MEMBER.fullmatch(p)))
    kind = err.get("type", "")
    inp = err.get("input")
    ctx = err.get("ctx") or {}
    is_key = bool(loc) and loc[-1] == "[key]"
    path = tuple(str(p) if not isinstance(p, int) else p for p in (loc[:-1] if is_key else loc))
    # a bad dict key is reported as (..., key, '[key]'): the key's shape belongs to the dict above it
    parent, target = shape_at(loc[:-2] + ("[key]",) if is_key else loc)
    list_index = None
    field = dotted(path)  # an item of a list is named with its place: "supports[1].provinces[2]"
    if path and isinstance(path[-1], int):  # an item of a list: its rules and shape are the list's
        list_index = path[-1]
        path = path[:-1]
    file = _file_for(path, prov, top)

    if kind == "missing":
        return DxsimInputError(
            _("field required"), file=file, field=field, allowed=allowed_text(target, path)
        )

    if kind == "extra_forbidden":
        key = str(loc[-1])
        keys = list(parent.shape.model_fields) if parent is not None else []
        if len(loc) == 1:
            keys.append(EXTENDS)
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
        hint = ""
        if field in RETIRED_KEYS:
            hint = "; " + _(RETIRED_KEYS[field])
        elif close:
            hint = "; " + _("did you mean {name}?").format(name=repr(close[0]))
        msg = _("unknown key {key}").format(key=repr(key)) + hint
        return DxsimInputError(msg, file=file, field=field, value=show_value(inp), allowed=", ".join(keys))

    if is_key and target is not None:
        kname = target.key_name
        key = str(inp)
        if target.shape.options:
            opts = [str(o) for o in target.shape.options]
            close = difflib.get_close_matches(key, opts, n=1, cutoff=0.6)
            msg = _("unknown {kind} {key}").format(kind=key_word(kname), key=repr(key)) + (
                "; " + _("did you mean {name}?").format(name=repr(close[0])) if close else ""
            )
            return DxsimInputError(msg, file=file, field=field, allowed=", ".join(opts))
        return DxsimInputError(
            _("{key} is not a valid {kind}").format(key=repr(key), kind=key_word(kname)),
            file=file,
            field=field,
            allowed=_("a {kind} {range}")
            .format(kind=key_word(kname), range=range_text(target.shape, translated=True))
            .strip(),
        )

    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error") or err.get("msg", ""))
        text = re.sub(r"^(Value error|Assertion failed),\s*", "", text)
        if target is not None and target.shape.kind == "model":
            found = (
                _split_field(text, target, path, merged)
                if list_index is None
                else _split_item_field(text, target, path, list_index, merged)
            )
            if found is not None:
                fpath, value, rest = found
                # a rule between two fields (p90 >= p50): the one named may not be the one this file changed
                src = _set_by(prov, merged, tuple(str(x) for x in fpath), top)
                if src is None:
                    origin = _(" (the default: no file sets it; set it too)")
                elif src != top:
                    origin = _(" (set in {file}, which this file extends; set it here too)").format(file=src)
                else:
                    origin = ""
                return DxsimInputError(
                    clean(rest) + origin,
                    file=top,  # the file being loaded is the one to change
                    field=dotted(fpath),
                    value=show_value(value),
                )
            return DxsimInputError(clean(text), file=file, field=field or None)
        said = "allowed:" in text or _("allowed") + ":" in text  # the rule already lists what is allowed
        allowed = None if said else allowed_text(target, path)
        # text refused by a rule of its own: "(allowed: text)" after the rule's message (which lists the 34 province
        # codes) says nothing the value is not already (AI-compute trial)
        if (
            isinstance(inp, str)
            and target is not None
            and allowed == type_text(target.shape, translated=True)
        ):
            allowed = None
        return DxsimInputError(clean(text), file=file, field=field, value=show_value(inp), allowed=allowed)

    number = isinstance(inp, (int, float)) and not isinstance(inp, bool)
    if kind.startswith("date_") and isinstance(inp, str) and _not_a_calendar_day(inp):
        msg = _("{text} is not a calendar date (YYYY-MM-DD, month 01-12, a day the month has)").format(
            text=inp
        )
    elif kind.startswith("date_") and number:  # pydantic reads a number as seconds since 1970 (a time of day)
        msg = _("wrong type: not {what}").format(
            what=type_text(target.shape, translated=True) if target else _("the expected type")
        )
    elif kind in MESSAGES:
        msg = _(MESSAGES[kind])
    elif kind.endswith(("_type", "_parsing")) or kind.startswith(("date_", "datetime_")):
        msg = _("wrong type: not {what}").format(
            what=type_text(target.shape, translated=True) if target else _("the expected type")
        )
    else:
        msg = re.sub(r"^Input should be\s*", "should be ", err.get("msg", "invalid value"))
    if kind == "float_type" and isinstance(inp, int) and not isinstance(inp, bool):
        msg = _("number too large")
    # the two shapes a planner gets wrong most: a code as a number (provinces = [14]), one value for a list
    if kind == "string_type" and number:
        msg += "; " + _("write it in quotes: {text}").format(text=json.dumps(str(inp)))
    if kind == "list_type" and (listed := _as_list(inp, target)) is not None:
        msg += "; " + _("write it as a list: {text}").format(text=listed)
    if kind == "literal_error" and isinstance(inp, str):  # file_replaces = "province": the near one, by name
        close = difflib.get_close_matches(inp, re.findall(r"'([^']*)'", str(ctx.get("expected", ""))), n=1)
        if close:
            msg += "; " + _("did you mean {name}?").format(name=repr(close[0]))
    if kind == "string_too_long" and isinstance(inp, str):
        msg = _("too long ({n} characters)").format(n=len(inp))
    if kind.startswith("date_") and isinstance(inp, str) and (iso := iso_date_of(inp)) is not None:
        msg += "; " + _("write it as {text} (year-month-day, without quotes)").format(text=iso)
    allowed = ctx.get("allowed") or allowed_text(target, path)  # a custom error may say what is allowed
    if allowed and allowed in msg:  # "wrong type: not an ISO date like ... (allowed: an ISO date like ...)"
        allowed = None
    return DxsimInputError(clean(msg), file=file, field=field or None, value=show_value(inp), allowed=allowed)


_WHOLE_RANGE = re.compile(r"^\s*(\d{1,4})\s*(?:-|–|\.\.)\s*(\d{1,4})\s*$")


def _as_list(inp: Any, target: Located | None) -> str | None:
    """The list a single value given for a list field was likely meant as, or None when there is none to offer.

    Why: `rainy_months = "9-12"` was told to write ["9-12"], which is then refused as not a number (new-user trial,
    2026-12-07). For a list of numbers, a text is read as its numbers: "9-12" as [9, 10, 11, 12], "9, 10" as
    [9, 10]; a text that is no numbers gets no list to copy."""
    if isinstance(inp, bool) or not isinstance(inp, (str, int, float)):
        return None
    item = target.shape.item if target is not None and target.shape.kind == "list" else None
    if not isinstance(inp, str):
        return f"[{inp}]"
    if item is None or not item.is_number:
        return "[" + json.dumps(inp, ensure_ascii=False) + "]"
    if (m := _WHOLE_RANGE.match(inp)) is not None and int(m[1]) <= int(m[2]) and int(m[2]) - int(m[1]) < 100:
        return "[" + ", ".join(str(v) for v in range(int(m[1]), int(m[2]) + 1)) + "]"
    parts = [p.strip() for p in re.split(r"[,;\s]+", inp.strip()) if p.strip()]
    if parts and all(re.fullmatch(r"-?\d+(\.\d+)?", p) for p in parts):
        return "[" + ", ".join(parts) + "]"
    return None


def iso_date_of(text: str) -> str | None:
    """The ISO form (YYYY-MM-DD) of a date written another way, or None when it is no date.

    Day first (30/06/2026, 30-06-2026, 30.6.2026: how dates are written in Vietnam), year first with other marks or
    one-digit parts (2026/06/30, 2026-6-30), and month first when only that reading is a date (06/30/2026). Why: a
    provincial analyst wrote deadline = "30/06/2026" and was told only that it is not an ISO date; "2028/06/30" and an
    unquoted 2028-6-30 still were (new-user trial, 2026-12-07)."""
    m = re.fullmatch(r"\s*(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})\s*", text)
    if m is None:
        return None
    a, b, c = (int(g) for g in m.groups())
    if len(m.group(1)) == 4:
        readings = [(a, b, c)]
    elif len(m.group(3)) == 4:
        readings = [(c, b, a), (c, a, b)]  # day first, then month first
    else:
        return None
    for year, month, day in readings:
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


MESSAGES = {  # translated where used (gettext)
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


def _not_a_calendar_day(text: str) -> bool:
    """A YYYY-MM-DD that names no day (2030-02-30, 2030-13-01): a date in the right form, not a wrong type."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        return False
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return True
    return False


def _split_field(
    text: str, target: Located, path: tuple[Any, ...], merged: dict[str, Any]
) -> tuple[tuple[Any, ...], Any, str] | None:
    """A section-level rule like "end_date (…) must be after start_date (…)": point at end_date."""
    token, _sep, rest = text.partition(" ")
    parts = parse_field(token)
    if not rest or parts[0] not in target.shape.model_fields:
        return None
    fpath = tuple(path) + parts
    value = None
    if "*" not in parts:
        node: Any = merged
        for p in fpath:
            # an item of a list of tables ("extra_orders[1].order_date", villages.campaigns[1].mobilisation): an int
            if isinstance(node, list) and isinstance(p, int):
                node = node[p] if p < len(node) else None
            else:
                node = node.get(p) if isinstance(node, dict) else None
        value = node
        rest = re.sub(r"^(\([^)]*\)|=\s*[^:]*:)\s*", "", rest)  # the value is shown separately
    return fpath, value, rest


def _split_item_field(
    text: str, target: Located, path: tuple[Any, ...], index: int | None, merged: dict[str, Any]
) -> tuple[tuple[Any, ...], Any, str] | None:
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
    return (*path, index, token), value, rest


def _file_for(path: tuple[Any, ...], prov: dict[tuple[str, ...], str], top: str) -> str:
    """The file of the chain that (last) set this value; the loaded file if it came from defaults."""
    p = tuple(str(x) for x in path)
    while p:
        if p in prov:
            return prov[p]
        p = p[:-1]
    return top


# --------------------------------------------------------------------------- wording


def allowed_text(target: Located | None, path: tuple[Any, ...] = ()) -> str | None:
    """'an integer between 0 and 20000 teams', 'a table with keys …', 'an ISO date like 2026-01-31'."""
    dotted = ".".join(str(p) for p in path if not isinstance(p, int))  # a list item's field as the list's
    if dotted in FRIENDLY_ALLOWED:
        return _(FRIENDLY_ALLOWED[dotted])
    if target is None:
        return None
    s = target.shape
    unit = (
        unit_text(target.unit, translated=True) if target.unit not in ("-", "", None) else None
    )  # "-": unitless, nothing to say

    def rng(shape: Any) -> str:
        return range_text(shape, translated=True)

    if s.kind == "model":
        return _("a table with keys {keys}").format(keys=", ".join(s.model_fields))
    if s.kind == "dict" and s.key is not None and s.item is not None:
        kname = key_name(s.key)
        if s.key.options:
            return _("a table with one entry per {key} ({options})").format(
                key=kname, options=", ".join(map(str, s.key.options))
            )
        inner = allowed_text(Located(s.item, unit), ())
        return (
            _("a table of {key} = value ({key} {range}; value {inner})")
            .format(key=kname, range=rng(s.key), inner=inner)
            .replace("  ", " ")
        )
    if s.kind == "list" and s.item is not None:
        inner = " ".join(x for x in (rng(s.item), unit if s.item.is_number else None) if x)
        what = pgettext("type", "a list of {inner}s").format(
            inner=type_text(s.item, article=False, translated=True)
        )
        return what + (_(", each {inner}").format(inner=inner) if inner else "")
    if s.options:
        return " ".join(x for x in (rng(s), unit if s.is_number else None) if x)
    if s.is_number:
        return " ".join(x for x in (type_text(s, translated=True), rng(s), unit) if x)
    if s.py_type is str:
        text = pgettext("type", "text") + (f" ({rng(s)})" if rng(s) else "")  # "văn bản" (it read "text")
        return f"{text}: {unit}" if unit else text
    return type_text(s, translated=True)


_ITEM = re.compile(r"(.*)\[([1-9][0-9]*)\]")


def parse_field(field: str) -> tuple[str | int, ...]:
    """The path of a field as :func:`dotted` writes it (keys without dots): "extra_orders[2].order_date" is
    ("extra_orders", 1, "order_date"), list items back to 0-based ints. Model rules name their field this way."""
    out: list[str | int] = []
    for part in field.split("."):
        items: list[int] = []
        while (m := _ITEM.fullmatch(part)) is not None:
            part, n = m.group(1), int(m.group(2))
            items.insert(0, n - 1)
        out.extend([part, *items] if part else items)
    return tuple(out)


def dotted(path: tuple[Any, ...]) -> str:
    """A field path as errors, `show --vs` and `compare` write it: dotted, odd keys in TOML's quotes, their letters as
    typed ("extra_utility_teams.\"Tây Bắc\"", not "T\\u00e2y B\\u1eafc"), list items counted from 1 (item_field)."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out = item_field(out, p)
            continue
        key = str(p) if _SIMPLE_KEY.fullmatch(str(p)) else json.dumps(str(p), ensure_ascii=False)
        out = f"{out}.{key}" if out else key
    return out


def clean(text: Any) -> str:
    return _LINE_BREAKS.sub(" ", str(text))


class Shown:
    """A value abbreviated for display: its repr is the text shown to the planner."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shown) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def show_value(value: Any) -> Any:
    """The offending value, made short and printable (TOML dates as ISO strings)."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return Shown(f"<an integer of about {int(value.bit_length() * 0.30103) + 1} digits>")
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return Shown("<a value too large to show>")
    if len(text) > 80:
        return Shown(clean(text[:77]) + "...")
    return value


def _set_by(
    prov: dict[tuple[str, ...], str], merged: dict[str, Any], path: tuple[str, ...], top: str
) -> str | None:
    """The file that sets `path`; None: only defaults set it (say "set it too").

    A field of a list item (a campaign's deadline) has no provenance of its own: the file that sets the list sets it.
    A rule across keys (`operators.*.subscriber_share_pct`) names no one field: it is the loaded file's to fix."""
    if "*" in path:
        return top
    if path in prov:
        return prov[path]
    for n in range(len(path) - 1, 0, -1):
        if path[:n] in prov:
            value: Any = merged
            for key in path[:n]:
                value = value.get(key) if isinstance(value, dict) else None
            # a table the file sets around a field it does not set: the field is the default's
            return prov[path[:n]] if isinstance(value, list) else None
    return None
