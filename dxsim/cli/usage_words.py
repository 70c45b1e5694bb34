"""Typer's (click's) own usage errors in the language in use.

Why: click words its errors in English with the standard library's gettext, outside dxsim's catalogue, so a
Vietnamese command line answered "lỗi: dxsim run: Missing argument 'scenario'." The few shapes a planner meets
(a missing argument or option, an unknown option, a value of the wrong kind or out of range) are matched here
and said again through dxsim's catalogue; any other message is kept as click wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dxsim.i18n import gettext as _

_VALUE_REASONS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^Input should be greater than or equal to (?P<n>\S+)$"),
        lambda m: _("should be at least {n}").format(n=m["n"]),
    ),
    (
        re.compile(r"^Input should be less than or equal to (?P<n>\S+)$"),
        lambda m: _("should be at most {n}").format(n=m["n"]),
    ),
    (re.compile(r"^Input should be a valid integer.*$"), lambda m: _("not a whole number")),
    (re.compile(r"^Input should be a valid number.*$"), lambda m: _("not a number")),
]

_SHAPES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^Invalid value for '(?P<opt>[^']+)': (?P<why>.*)$", re.S),
        lambda m: _("invalid value for {option}: {reason}").format(option=m["opt"], reason=_reason(m["why"])),
    ),
    (
        re.compile(r"^No such option: (?P<opt>\S+)(?: \(Possible options: (?P<close>[^)]*)\))?$"),
        lambda m: (
            _("no such option: {option}").format(option=m["opt"])
            + (" (" + _("did you mean {name}?").format(name=m["close"]) + ")" if m["close"] else "")
        ),
    ),
    (
        re.compile(r"^Missing argument '(?P<arg>[^']+)'\.?$"),
        lambda m: _("missing argument {name}").format(name=repr(m["arg"])),
    ),
    (
        re.compile(r"^Missing option '(?P<opt>[^']+)'\.?$"),
        lambda m: _("missing option {option}").format(option=repr(m["opt"])),
    ),
    (
        re.compile(r"^No such command '(?P<cmd>[^']+)'\.(?: Did you mean '(?P<close>[^']+)'\?)?$"),
        lambda m: (
            _("no such command {name}").format(name=repr(m["cmd"]))
            + (
                " (" + _("did you mean {name}?").format(name=repr(m["close"])) + ")"
                if m["close"]
                else _guess(m["cmd"])
            )
        ),
    ),
    (
        re.compile(r"^Got unexpected extra arguments? \((?P<args>.*)\)$"),
        lambda m: _("unexpected extra argument(s): {args}").format(args=m["args"]),
    ),
]


# commands planners guess that dxsim names otherwise (a trial typed `dxsim params` and got no hint)
_GUESSES = {
    **dict.fromkeys(("params", "param", "parameters", "fields", "options", "defaults"), "schema"),
    **dict.fromkeys(("check", "lint", "verify"), "validate"),
    **dict.fromkeys(("diff", "resolve", "print"), "show"),
}
_GUESS_SAYS = {
    "schema": "`dxsim schema --markdown` lists every scenario field with its unit, range, default and source",
    "validate": "`dxsim validate FILE` checks a scenario and the files it names",
    "show": "`dxsim show FILE` prints every value a scenario resolves to; `--vs OTHER` its differences",
}


def _guess(command: str) -> str:
    """': `dxsim schema --markdown` lists every ...' for a command planners guess, else ''."""
    hint = _GUESSES.get(command.strip().lower())
    return ": " + _(_GUESS_SAYS[hint]) if hint else ""


def _reason(text: str) -> str:
    for pattern, say in _VALUE_REASONS:
        m = pattern.match(text.strip())
        if m:
            return say(m)
    return text


def usage_message(text: str) -> str:
    """click's usage error `text` in the language in use (as written when its shape is not one of ours)."""
    for pattern, say in _SHAPES:
        m = pattern.match(text.strip())
        if m:
            return say(m)
    return text
