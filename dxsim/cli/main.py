"""`dxsim` command line: a thin face over the model core.

Exit codes: 0 ok; 1 model/target failure (e.g. calibration outside tolerance); 2 bad input,
reported as one line naming file, field, value and what is allowed. Never a traceback for
a user's mistake.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import math
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console, RenderableType
from rich.markup import escape as rich_escape
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.progress_bar import ProgressBar
from rich.table import Table

# typer carries its own copy of click; its usage errors are these classes (typer.Abort is public)
from typer._click.core import Command
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from dxsim._version import __version__
from dxsim.cli.usage_words import usage_message
from dxsim.cli.leave import leave
from dxsim.errors import DxsimInputError, ModelFailure, OutputError
from dxsim.i18n import ENV as LANG_ENV
from dxsim.paths import RESOLVED_NAME
from dxsim.province_names import names34
from dxsim.i18n import (
    LANG_ALLOWED,
    LANGS,
    N_,
    UnknownLanguage,
    check_language,
    language,
    ngettext,
    pgettext,
    set_language,
    unknown_language_message,
)
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.results.kpi_labels import (
    CAMPAIGN_RE,
    CELLS_OWN_P50,
    SERVED_BY_CLASS_KPIS,
    few_reps_caution,
    is_year_kpi,
    kpi_label,
)
from dxsim.results.value_labels import BY_CONSTRUCTION_NOTE, unit_label
from dxsim.results.writer import MANIFEST, ask_stop, check_output_dir, discard_partial, read_manifest

if TYPE_CHECKING:  # loaded where used: `dxsim --help` imports neither
    import polars as pl

    from dxsim.geo.planner_files import CountryOnce

    from dxsim.output_helper import Sidecar
    from dxsim.results.run_files import ProvinceYears

# Every help text is an English msgid (N_): typer reads them at import, before main() knows --lang, and
# localise_help translates the command tree main() builds once the language is set.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help=N_("dxsim: plan Vietnam's 5G rollout, remote villages and compute from scenario files."),
)
# Piped to a file or a log, rich would wrap tables at 80 columns (compare tables have a column per
# scenario); use 160 there unless COLUMNS says otherwise. A terminal keeps its own width.
_PIPE_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
out = Console(width=_PIPE_WIDTH)
err = Console(stderr=True)
# options several commands share, declared once (typer only reads them)
SCHEDULER_OPTION = typer.Option(
    None,
    "--scheduler",
    help=N_("Dask scheduler address (needs dxsim[cluster]): the replications run on the cluster."),
)
REPLICATION_WORKERS_OPTION = typer.Option(
    None,
    "--workers",
    min=0,
    help=N_(
        "Local worker processes for the replications (default: CPU count from 8 replications on, else in this process; 0 or 1 = in this process). Results are the same either way."
    ),
)
YES_OPTION = typer.Option(
    False,
    "--yes",
    help=N_("Run even when the estimated time or memory is over the budget (the refusal states both)."),
)


# what `dxsim run` has checked before any work: the --province areas (code, name), the --seed and --reps
# overrides, and each scenario file's output folder
RunChecks = tuple[list[tuple[str, str]], int | None, int | None, dict[Path, Path]]


def debug_from_env(value: str | None) -> bool:
    """DXSIM_DEBUG as a switch: 0, false, no, off or empty is off (DXSIM_DEBUG=0 used to turn tracebacks on)."""
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


_DEBUG = {"on": debug_from_env(os.environ.get("DXSIM_DEBUG"))}


def _print_version(value: bool) -> None:
    """`--version`: handled while the options are parsed (is_eager), so no command is needed."""
    if value:
        out.print(f"dxsim {__version__}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _options(
    debug: bool = typer.Option(
        False, "--debug", help=N_("On an error, show the Python traceback too (or set DXSIM_DEBUG=1).")
    ),
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        expose_value=False,
        help=N_("Print the dxsim version and exit."),
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        help=N_(
            "Language of what dxsim prints and writes: vi (Tiếng Việt) "
            "or en (default: DXSIM_LANG, else the first scenario file's `language`, else en). Accepted after any "
            "command too."
        ),
    ),
) -> None:
    """The options before the command (main() has already taken --lang out; this one is for the help)."""
    _DEBUG["on"] = _DEBUG["on"] or debug


# typer's own headings of a help page (module constants of typer.rich_utils, read when the page is drawn)
_TYPER_HELP_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "DEFAULT_STRING": N_("[default: {}]"),  # typer's format string: its placeholder stays positional
}
HELP_OPTION_TEXT = N_(
    "Show this message and exit."
)  # click's own --help option: in the catalogue for localise_help


def localise_help(group: Command) -> Command:
    """`group` (the click command tree typer built from `app`) with every help text in the language in use.

    typer evaluates each `help=` when this module is imported, before main() has read `--lang`, so the texts are
    English msgids (marked with N_) translated here, after set_language. Under rich markup they are escaped, so
    brackets such as "dxsim[cluster]" show as written. Also sets typer's panel titles (Options, Arguments, ...).
    """
    from typer._click.core import Context

    rich = getattr(group, "rich_markup_mode", None) == "rich"

    def shown(text: str) -> str:
        return rich_escape(_(text)) if rich else _(text)

    def walk(cmd: Command, parent: Context | None) -> None:
        ctx = Context(cmd, info_name=cmd.name, parent=parent)
        if cmd.help:
            cmd.help = shown(cmd.help)
        for p in cmd.get_params(ctx):  # with the --help option click adds
            text = getattr(p, "help", None)  # options and typer's arguments have one
            if text:
                p.help = shown(text)  # type: ignore[attr-defined]
            if getattr(p, "is_flag", False) and p.metavar is None:
                p.metavar = ""  # a flag takes no value: typer 0.29 would show `<bool>` beside it
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub, ctx)

    walk(group, None)
    if language() != "en":  # English keeps typer's own texts
        from typer import rich_utils

        for name, text in _TYPER_HELP_TEXTS.items():
            if hasattr(rich_utils, name):
                setattr(rich_utils, name, _(text))
    return group


def _say_error(prefix: str, text: str) -> None:
    err.print(
        f"[bold red]{rich_escape(_(prefix))}:[/] " + rich_escape(" ".join(str(text).split())),
        highlight=False,
        soft_wrap=True,
    )


def take_lang(argv: list[str]) -> tuple[list[str], str | None]:
    """`--lang X` / `--lang=X` taken out of the arguments wherever it stands (before or after the command)."""
    rest: list[str] = []
    lang = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest += argv[i:]
            break
        if a == "--lang":
            if i + 1 >= len(argv):
                raise DxsimInputError(_("needs a value"), field="--lang", allowed=LANG_ALLOWED)
            lang, i = argv[i + 1], i + 2
            continue
        if a.startswith("--lang="):
            lang, i = a.split("=", 1)[1], i + 1
            continue
        rest.append(a)
        i += 1
    return rest, lang


def scenario_language(args: list[str]) -> str | None:
    """The `language` the first scenario file among the arguments sets (through its extends chain), if any.

    Only the first file: compare's baseline decides, not an option (an option's `language = "vi"` turned a whole
    English comparison Vietnamese). Only a default, read before the command runs: a file that is not a scenario, or
    not a valid one, says nothing here (the command itself reports what is wrong with it).

    With no scenario file, a folder dxsim wrote among the arguments (`dxsim report DIR`, `dxsim map DIR`) gives the
    language it was written in: a Vietnamese run's report was rebuilt in English, in place of its own."""
    first = next((a for a in args if a.endswith(".toml") and Path(a).is_file()), None)
    if first is None:
        return next((lang for a in args if (lang := _folder_language(Path(a))) is not None), None)
    from dxsim.scenario import load_scenario_dict  # the scenario layer, only when a .toml is named

    try:
        data = load_scenario_dict(first, with_defaults=False)
    except (DxsimInputError, OSError, ValueError):
        # its error should still be in its language: a file that says `language = "vi"` got its TOML syntax, its
        # "1.200" and its missing parent said in English, its other faults in Vietnamese
        return _top_level_language(Path(first))
    return str(data["language"]) if data.get("language") in LANGS else None


def _folder_language(folder: Path) -> str | None:
    """The language a folder dxsim wrote was written in: its manifest's, or (a folder of an older dxsim) its resolved
    scenario's `language`. None for anything else."""
    if not (folder / MANIFEST).is_file():
        return None
    said = (read_manifest(folder) or {}).get("language")
    if said in LANGS:
        return str(said)
    return _top_level_language(folder / RESOLVED_NAME) if (folder / RESOLVED_NAME).is_file() else None


_LANGUAGE_LINE = re.compile(r"""^\s*language\s*=\s*["'](\w+)["']\s*(?:#.*)?$""")


def _top_level_language(path: Path) -> str | None:
    """The `language = "..."` line of a file's top level (before its first table), read as text: for a file that does
    not load. None when there is none, or it names no language dxsim has."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as f:
            head = f.read(1 << 16)
    except OSError:
        return None
    for line in head.splitlines():
        if line.lstrip().startswith("["):
            return None
        m = _LANGUAGE_LINE.match(line)
        if m is not None:
            return m.group(1) if m.group(1) in LANGS else None
    return None


def _fault_line(e: BaseException) -> str:
    """An unexpected failure as one line: what failed and where, never a traceback."""
    if isinstance(e, OSError):
        where = f"{e.filename}: " if e.filename else ""
        text = f"{where}{e.strerror or e}"
        if e.errno == errno.ENOSPC:
            text = _("{reason} (disk full: free space or choose another --out)").format(reason=text)
        return text
    if isinstance(e, RecursionError):
        return _("input nested too deeply to process")
    if isinstance(e, MemoryError):
        return _(
            "out of memory (the job is too large for this machine; reduce --reps, the horizon or the input)"
        )
    return f"{type(e).__name__}: {e}"


def _guard(fn: Callable[[], int | None]) -> None:
    """Run a command body. Bad input: one line + exit 2; any other failure: one line + exit 1; ^C/TERM: 130."""
    try:
        code = fn() or 0
    except typer.Exit:
        raise
    except KeyboardInterrupt as e:
        _finish_interrupted(e)
    except Exception as e:
        interrupt = interrupt_behind(e)
        if interrupt is not None:
            _finish_interrupted(interrupt)
        _finish_failed(e)
    raise typer.Exit(code)


def interrupt_behind(e: BaseException) -> KeyboardInterrupt | None:
    """The ^C or TERM an exception stands for, if any (its cause or context chain).

    Why: a signal that lands while a compiled (numba) kernel runs is re-raised when the kernel returns as
    "SystemError: CPUDispatcher(...) returned a result with an exception set", with the KeyboardInterrupt as its
    cause; ^C 5 s into `dxsim run` then said "failed: SystemError ..." and exited 1 instead of 130."""
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, KeyboardInterrupt):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def _finish_interrupted(e: KeyboardInterrupt) -> None:
    # a second ^C must not cut the clean-up short: undo the half-written folder first
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    discard_partial()
    # only a sweep raises it, and a sweep has loaded its module: no import while cleaning up after ^C
    sweep = sys.modules.get("dxsim.execution.pool")
    optimise = sys.modules.get("dxsim.optimise")
    # only a sweep saves its runs as they end (`where`); run and compare batches keep nothing
    if sweep is not None and isinstance(e, sweep.SweepInterrupted) and e.where is not None:
        err.print(
            _(
                "interrupted: the finished runs are kept; run the same command again to resume ({reason})"
            ).format(reason=e),
            highlight=False,
            markup=False,
            soft_wrap=True,  # one line in a log (a path may be long)
        )
    elif optimise is not None and isinstance(e, optimise.OptimiseInterrupted):
        err.print(_("interrupted: {reason}").format(reason=e), highlight=False, markup=False, soft_wrap=True)
    elif WRITTEN:  # a folder swapped in before the interrupt is whole and in place: not "nothing was written"
        err.print(
            _(
                "interrupted; {folders} had been written in full and replaced the earlier output, nothing else was "
                "written"
            ).format(folders=", ".join(f"{f}/" for f in WRITTEN)),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    else:
        err.print(_("interrupted; nothing was written, earlier outputs are unchanged"))
    _debug_traceback()
    raise typer.Exit(130) from None


# result folders this command has swapped in (what an interrupt after them must not deny); `run` clears it
WRITTEN: list[Path] = []


def _finish_failed(e: Exception) -> None:
    discard_partial()
    if isinstance(e, DxsimInputError):
        _say_error("error", e.one_line())
        code = 2
    elif isinstance(e, (ModelFailure, OutputError)):
        _say_error("failed", str(e))
        code = 1
    else:  # the last line of defence: one line, never a traceback
        _say_error(
            "failed",
            _fault_line(e)
            if _DEBUG["on"]
            else _("{reason} (run with --debug for details)").format(reason=_fault_line(e)),
        )
        code = 1
    _debug_traceback()
    raise typer.Exit(code) from None


def _debug_traceback() -> None:
    if _DEBUG["on"]:
        traceback.print_exc(file=sys.stderr)


def _terminate(signum: int, _frame: object) -> None:
    """^C and SIGTERM: the same clean-up, the previous outputs left intact. The request is also recorded
    (results.writer.ask_stop), so an interrupt Python swallows in a callback still stops the commit."""
    ask_stop()
    raise KeyboardInterrupt(f"signal {signum}")


def _interrupt_in_callback(unraisable: Any) -> None:
    """sys.unraisablehook: an interrupt that lands in a weakref or garbage-collector callback (an import's module
    lock, say) is recorded already (`_terminate` calls ask_stop, and the run stops at its next check), so it is not
    printed; anything else is, as Python would. Why: a SIGTERM during an import printed "Exception ignored in ...
    Traceback" above dxsim's one-line "interrupted" (fresh-clone CI, 2026-12-06)."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        return
    sys.__unraisablehook__(unraisable)


def _fmt(v: float | None, key: str = "") -> str:
    """Numbers as a planner reads them, in the language in use: counts without decimals, decimal years as months."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return _("not reached") if is_year_kpi(key) else "-"
    if is_year_kpi(key):  # year_* and a campaign's year_done
        from dxsim.results.summary import decimal_year_to_date

        d = decimal_year_to_date(float(v))
        return F.month(d) if d is not None else _("not reached")
    if isinstance(v, float) and (v.is_integer() or abs(v) >= 1e4):
        return F.number(v, 0)
    if isinstance(v, float):
        return F.number(v, 2)
    return str(v)


def status_label(status: str) -> str:
    """A status word of the calibration, observation and backtest tables as shown; the files keep the English."""
    return {
        "pass": pgettext("status", "pass"),
        "FAIL": pgettext("status", "FAIL"),
        "info": pgettext("status", "info"),
        "input": pgettext("status", "input"),
        "fitted": pgettext("status", "fitted"),
        "start": pgettext("status", "start"),
        "n/a": pgettext("status", "n/a"),
        "before start": pgettext("status", "before start"),
        "after end": pgettext("status", "after end"),
        "partial year": pgettext("status", "partial year"),
        "other definition": pgettext("status", "other definition"),
        "no counterpart": pgettext("status", "no counterpart"),
    }.get(status, status)


def area_label(area: str) -> str:
    """A reported figure's area as shown: a province's code with its name ("25 Phú Thọ"), else as written (VN). Why:
    the backtest's row "25 stations_5g" named no province (provincial trial)."""
    name = names34().get(area)
    return f"{area} {name}" if name else area


def kind_label(kind: str) -> str:
    """The kind of a reported figure (observations.csv `kind`) as shown; the files keep the English word."""
    return {
        "observed": pgettext("kind", "observed"),
        "upper_bound": pgettext("kind", "upper_bound"),
        "lower_bound": pgettext("kind", "lower_bound"),
        "forecast": pgettext("kind", "forecast"),
        "target": pgettext("kind", "target"),
        "restated": pgettext("kind", "restated"),
    }.get(kind, kind)


def _failed_figure(r: dict[str, Any]) -> str:
    """A backtest row outside the model, as the failure line names it: the band for an observed figure; the P50 for
    a bound, which the backtest judges by it ("35,000 (P10-P90 ...)" read as a band the figure lay outside)."""
    from dxsim.backtest import fmt_shown  # the backtest command's own modules, loaded only when it runs
    from dxsim.calibration import shown_day

    said = {
        "date": shown_day(r["date"]),
        "area": r["area"],
        "metric": r["metric"],
        "value": fmt_shown(r["observed"]),
    }
    if r["kind"] in ("upper_bound", "lower_bound"):
        return _("{date} {area} {metric} {kind} {value} (P50 {p50})").format(
            kind=kind_label(r["kind"]), p50=fmt_shown(r["p50"]), **said
        )
    return _("{date} {area} {metric} {value} (P10-P90 {low}-{high})").format(
        low=fmt_shown(r["p10"]), high=fmt_shown(r["p90"]), **said
    )


def _shown(text: str) -> str:
    """A calibration figure's name in the language in use (calibration.Figure.shown; plain text as it is)."""
    return getattr(text, "shown", text)


def _yes_no(v: bool | None) -> str:
    return "" if v is None else (_("yes") if v else _("no"))


LOG_EVERY_S = 30.0  # a long job's progress line in a log (stderr not a terminal), at most this often


RUN_LOG_EVERY_S = (
    2.0  # a run's replication count in a log, at most this often (and once per RUN_LOG_STEPS-th)
)
RUN_LOG_STEPS = 20  # ... at most one line per 5% of the replications, however many there are


# how a compare's log names where a scenario's prepared world came from (dxsim.execution.worlds.WORLD_SOURCES)
WORLD_SOURCE_WORDS = {"memory": N_("already in memory"), "store": N_("from the cache"), "built": N_("built")}


class ProgressLog:
    """A long job's progress line in a log (stderr not a terminal) every LOG_EVERY_S; from a short job nothing, so a
    fault there stays the one line on stderr. `text` (N_-marked): "{done} of {total} ... ({elapsed})"."""

    def __init__(self, text: str, prefix: str = "") -> None:
        self.text = text
        self.prefix = prefix  # e.g. "baseline.toml: ", which of several files a line is about
        self.started = self.said = time.monotonic()

    def due(self, done: int, total: int, now: float) -> bool:
        """Whether `done` of `total` deserves a line now (a sweep: every LOG_EVERY_S while unfinished)."""
        return now - self.said >= LOG_EVERY_S and 0 < done < total

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not err.is_terminal and self.due(done, total, now):
            self.said = now
            self.line(
                _(self.text).format(
                    done=F.number(done), total=F.number(total), elapsed=F.duration(now - self.started)
                )
            )

    def line(self, text: str) -> None:
        """One plain line on stderr (no markup: file names may hold brackets)."""
        err.print(self.prefix + text, highlight=False, markup=False, soft_wrap=True)


class RunLog(ProgressLog):
    """`dxsim run` in a log (stderr not a terminal), a few plain lines a run: where its prepared world came from and
    how long that took, the replications done (at most one line per RUN_LOG_STEPS-th and RUN_LOG_EVERY_S, and the
    last), then each output stage. A log heard nothing of a run, not even whether its world was built or read from
    the store. The world line is the last preparing stage the run says (the world store's "prepared world from the
    cache (0.3 s)" or "... built (...)"); it waits until replication 0 is done: a value only the world or the
    simulation can check fails before then, and that fault stays the one line on stderr."""

    def __init__(self, prefix: str) -> None:
        super().__init__(N_("{done} of {total} replications done ({elapsed})"), prefix)
        self.held: list[str] = []  # the line said once replication 0 is done: the last preparing stage
        self.step = 0  # the last count's RUN_LOG_STEPS-th said
        self.running = False  # the replications have started: stages after them are said

    def due(self, done: int, total: int, now: float) -> bool:
        """A count at a new RUN_LOG_STEPS-th, RUN_LOG_EVERY_S after the last line; the last count always."""
        step = done * RUN_LOG_STEPS // max(total, 1)
        if done < 1 or step <= self.step or (done < total and now - self.said < RUN_LOG_EVERY_S):
            return False
        self.step = step
        return True

    def __call__(self, done: int, total: int) -> None:
        if done == 0:
            self.running = True  # the world is prepared: replication 0 starts
            return
        if not err.is_terminal:
            for text in self.held:  # replication 0 ran: the world checked out
                self.line(text)
        self.held.clear()
        super().__call__(done, total)

    def stage(self, text: str) -> None:
        """An output stage after the replications (calibration, tables, map, report); of the preparing stages only
        the last, the world line that sums them up, is held (see the class)."""
        if not self.running:
            self.held = [text]
        elif not err.is_terminal:
            self.line(text)


class StepBar(ProgressColumn):
    """The bar of the step in hand, from the task's fields: filled to `done` of `of` for a step of known size (the
    replications), a pulse for one without (preparing, writing). The task's own total stays None: rich's count
    showed "0/None" for such a step, and a finished count stopped the elapsed clock while the outputs were written."""

    def render(self, task: Task) -> RenderableType:
        of = task.fields.get("of")
        return ProgressBar(
            total=of,
            completed=task.fields.get("done", 0),
            width=40,
            pulse=of is None,
            animation_time=task.get_time(),
        )


class StepDisplay:
    """One command's progress in a terminal: spinner, step name, bar, count ("3/8", only when the step has a size)
    and the time since the command started, running until it ends. Off when stderr is not a terminal: rich would
    leave a blank line there, and an error must stay the one line on stderr (a log has ProgressLog)."""

    def __init__(self, first: str) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            StepBar(),
            TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self.task = self.progress.add_task(first, total=None, done=0, of=None, count="")

    def __enter__(self) -> StepDisplay:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def describe(self, text: str) -> None:
        """A new step name; the bar and count stay."""
        self.progress.update(self.task, description=text)

    def step(self, text: str) -> None:
        """A new step of unknown size: its name, a pulsing bar and no count."""
        self.progress.update(self.task, description=text, done=0, of=None, count="")

    def count(self, done: int, total: int, text: str | None = None) -> None:
        """`done` of `total` (and a new step name if given)."""
        fields: dict[str, Any] = {"done": done, "of": total, "count": f"{F.number(done)}/{F.number(total)}"}
        if text is not None:
            fields["description"] = text
        self.progress.update(self.task, **fields)


# the rows of the terminal tables, by KPI key; each is labelled as the report and the workbook label it
# (dxsim.results.kpi_labels), so the terminal cannot say "GPUs installed at start" where they say "High-performance
# GPUs installed at the start" ("{end}": the horizon's last year end)
# Support earned under programmes whose window closes on the horizon's last day or later (the default window_end of
# a [[supports]]): paid after the run, so "support paid" read 0 beside 2,000 bn earned, shown in summary.json only
ACCRUED_ROW = "support_accrued_unpaid_vnd_bn"
KPI_ROWS = [
    "stations_5g_{end}",
    "pop_covered_5g_pct_{end}",
    "pop_covered_4g_pct",
    "year_5g_pop_90pct",
    "year_5g_pop_99pct",
    "capex_total_vnd_bn",
    "capex_5g_on_order_end_vnd_bn",
    "subsidy_paid_total_vnd_bn",
    "support_accrued_unpaid_vnd_bn",  # ACCRUED_ROW, shown when above 0
    "public_cost_total_vnd_bn",
    "capex_per_added_person_covered_vnd_m",
    "new_sites_share_of_added_pct",
    "pop_5g_covered_person_months",  # how soon, not only how many (as the villages')
    "pop_5g_served_pct_end",
    "pop_5g_capacity_short_pct_end",
    "pop_mbb_served_pct_end",
    "pop_mbb_capacity_short_pct_end",
    *SERVED_BY_CLASS_KPIS,
    "user_throughput_mbps_p50_end",
    "user_throughput_mbps_p50_5g_end",
    "user_throughput_mbps_p50_4g_end",
    "user_throughput_mbps_mean_end",
    "capex_per_added_person_served_5g_vnd_m",
    "pop_5g_served_person_months",
    "stations_5g_built_for_capacity_end",
]


VILLAGE_ROWS = [
    "villages_unconnected_start",
    "villages_connected_end",
    "villages_capacity_short_end",
    "villages_no_feasible_option",
    "year_last_village_connected",
    "village_pop_connected_end",
    "village_capex_total_vnd_bn",
    "village_cost_per_person_connected_vnd_m",
    "village_months_connected",  # how soon, not only how many
    "village_person_months_connected",
]


COMPUTE_ROWS = [
    "dc_it_capacity_mw_start",
    "dc_it_capacity_mw_end",
    "dc_facility_power_mw_end",
    "dc_power_draw_mw_end",
    "gpu_it_mw_end",
    "year_dc_1gw",
    "year_dc_1_4gw_singapore",
    "gpus_installed_start",
    "gpus_installed_end",
    "gpus_stranded_end",
    "gpus_stranded_peak",
    "gpu_months_stranded",
    "gpu_months_held_by_import_cap",
    "gpus_over_rack_density_peak",
    "dc_ordinary_load_unmet_mw_peak",
    "year_gpus_15x_start",
    "year_gpt4_scale_run_fits",
    "gpu_pflops_bf16_end",
    "gpu_utilization_pct_final_year",
    "ai_jobs_waiting_end",
    "compute_capex_total_vnd_bn",
    "gpu_capex_total_vnd_bn",
    "dc_capex_total_vnd_bn",
    "gpu_public_capex_total_vnd_bn",
    "gpu_capex_on_order_end_vnd_bn",
]


def compute_table(summary: dict[str, Any]) -> Table | None:
    if "dc_it_capacity_mw_end" not in summary["kpis"]:
        return None
    return _table(
        _("{scenario}: data centres and GPUs").format(scenario=summary["scenario"]), COMPUTE_ROWS, summary
    )


def _table(title: str, rows: list[str], summary: dict[str, Any]) -> Table:
    k = summary["kpis"]
    reps = summary["reps"] > 1
    t = Table(title=title)
    _value_columns(t, summary)
    for key in rows:
        row = [kpi_label(key)[0], _fmt(k.get(key), key)]
        if reps:
            row += [_fmt(k.get(f"{key}_p10"), key), _fmt(k.get(f"{key}_p90"), key)]
        t.add_row(*row)
    return t


CAMPAIGN_ROWS = (
    "villages_in_scope",
    "villages_done_by_deadline",
    "villages_without_power_at_deadline",
    "deadline_met",
    "year_done",
    "surge_capex_total_vnd_bn",
)


def campaign_rows(summary: dict[str, Any]) -> list[str]:
    """Each campaign's KPIs (in scope, done by its deadline, met, last village, surge capex), campaigns in order.

    Why: what a deadline surge bought (101 of 117 villages by the deadline instead of 53) was in summary.json
    only; the terminal and compare showed no campaign at all."""
    keys = list(summary["kpis"])
    names = list(dict.fromkeys(m.group(1) for k in keys if (m := CAMPAIGN_RE.match(k))))
    return [
        f"campaign_{n}_{s}" for n in names for s in CAMPAIGN_ROWS if f"campaign_{n}_{s}" in summary["kpis"]
    ]


def village_table(summary: dict[str, Any]) -> Table | None:
    if "villages_connected_end" not in summary["kpis"]:
        return None
    return _table(
        _("{scenario}: remote villages (dates as months; 'not reached' = not within the horizon)").format(
            scenario=summary["scenario"]
        ),
        [*VILLAGE_ROWS, *campaign_rows(summary)],
        summary,
    )


def province_table(years: ProvinceYears | None, code: str, name: str, summary: dict[str, Any]) -> Table:
    """One province at each year end (`run --province`): the P50s the workbook and results.gpkg give it, with its
    villages in the layer. Why: a provincial analyst had to filter the workbook for a one-page summary; `compare` had
    the province rows and `run` had none (provincial trials)."""
    how = _("P50 over {n} replications").format(n=summary["reps"]) if summary["reps"] > 1 else _("one run")
    captions = (
        [
            # the workbook's About sheet says it too: 873 stations at end-2029 after 680 at end-2028 read as 193 added,
            # and the workbook's own added column said 131 (provincial trial)
            _(CELLS_OWN_P50)
        ]
        if summary["reps"] > 1
        else []
    )
    t = Table(
        title=_("{scenario}: {province} ({code}), year ends ({how})").format(
            scenario=summary["scenario"], province=name, code=code, how=how
        ),
        caption=" ".join(captions + (years.notes if years is not None else [])) or None,
    )
    t.add_column(_("year end"))
    if years is None:  # no rows for it in this run
        return t
    for _m, header, _d in years.columns:
        t.add_column(_(header), justify="right")
    for r in years.wide.iter_rows(named=True):
        t.add_row(F.month(r["date"]), *(F.number(r.get(m), d) for m, _h, d in years.columns))
    return t  # the KPI table above says once what few replications mean


def kpi_table(summary: dict[str, Any]) -> Table:
    k = summary["kpis"]
    end = summary["horizon"]["end_date"][:7].replace("-", "_")
    t = Table(
        title=_("{scenario}: KPIs (seed {seed}, {reps} replication(s))").format(
            scenario=summary["scenario"], seed=summary["seed"], reps=summary["reps"]
        )
    )
    _value_columns(t, summary)
    for key in KPI_ROWS:
        key = key.format(end=end)
        if key not in k and any(w in key for w in ("served", "capacity_short", "throughput", "for_capacity")):
            continue  # capacity.enabled = false
        if key == ACCRUED_ROW and not any(
            (k.get(q) or 0.0) > 0 for q in (key, f"{key}_p10", f"{key}_p90")
        ):  # no programme earned support due after the horizon
            continue
        row = [kpi_label(key)[0], _fmt(k.get(key), key)]
        if summary["reps"] > 1:
            row += [_fmt(k.get(f"{key}_p10"), key), _fmt(k.get(f"{key}_p90"), key)]
        t.add_row(*row)
    # yearly trajectory
    years = sorted(
        {key.split("_")[-2] for key in k if key.startswith("stations_5g_") and key.endswith("_12")}
    )
    for y in years:
        t.add_row(
            "  " + _("{month}: 5G stations / coverage %").format(month=F.month(dt.date(int(y), 12, 1))),
            f"{_fmt(k.get(f'stations_5g_{y}_12'))} / {_fmt(k.get(f'pop_covered_5g_pct_{y}_12'))}",
            *([""] * (2 if summary["reps"] > 1 else 0)),
        )
    # few replications: the percentiles are some of them, not a smooth band
    t.caption = few_reps_caution(summary["reps"]) or None
    return t


def _value_columns(t: Table, summary: dict[str, Any]) -> None:
    """The KPI column, then P50 (P10, P90) with several replications, or the one replication's value."""
    t.add_column(_("KPI"))
    if summary["reps"] > 1:
        for name in ("P50", "P10", "P90"):
            t.add_column(name, justify="right")
    else:
        t.add_column(_("one run"), justify="right")


@app.command(
    help=N_(
        "Run scenario(s) and write outputs/<name>/ (summary, metrics, entity tables, map.html, report.html)."
    )
)
def run(
    scenario: list[Path] = typer.Argument(..., help=N_("Scenario TOML file(s).")),
    out_dir: Path | None = typer.Option(
        None,
        "--out",
        help=N_(
            "Output directory (default outputs/<name>/, the scenario's name; with several scenarios, a parent "
            "directory holding a folder per scenario file, named after the file)."
        ),
    ),
    seed: int | None = typer.Option(None, "--seed", help=N_("Override the scenario's seed.")),
    reps: int | None = typer.Option(
        None, "--reps", min=1, help=N_("Number of replications (default: the scenario's `replications`).")
    ),
    no_map: bool = typer.Option(
        False, "--no-map", help=N_("Skip map.html (faster; `dxsim map` can build it later).")
    ),
    no_report: bool = typer.Option(
        False, "--no-report", help=N_("Skip report.html (`dxsim report` can build it later).")
    ),
    workers: int | None = REPLICATION_WORKERS_OPTION,
    scheduler: str | None = SCHEDULER_OPTION,
    province: list[str] = typer.Option(
        [],
        "--province",
        help=N_(
            "Also print this province at each year end: its 5G stations, coverage, served shares and villages, the "
            'P50s the workbook and results.gpkg give it (a gso34 code or a name, e.g. 08 or "Tuyên Quang"; a pre-2025 '
            "code or name gives its 2025 province; repeat for several), and the address that opens the run's map on it; "
            "report.html shows it at the top of its provinces section."
        ),
    ),
    yes: bool = YES_OPTION,
) -> None:

    def body() -> int:
        from dxsim.output_helper import Sidecar, sidecar_work

        checked = check_all()
        # the helper that writes part of each output folder starts once the input is known good (a refused run
        # must not pay for a second process's imports): it loads its modules (geopandas, matplotlib, folium) on
        # the other core while this process loads the model and runs the replications
        sidecar = Sidecar.start(sidecar_work(not no_map, not no_report))
        try:
            return run_all(checked, sidecar)
        except BaseException:
            if sidecar is not None:
                sidecar.kill()
            raise
        finally:
            if sidecar is not None:
                sidecar.close()

    def check_all() -> RunChecks:
        """Every check of the command line, the scenarios, their folders and planner files, before any work:
        (the --province areas, the --seed and --reps overrides, each scenario's output folder)."""
        # only the scenario layer until every file is known good: a refused scenario must not wait ~1 s for the
        # model's modules (numba, polars) it never uses
        from dxsim.runner_budget import check_run
        from dxsim.scenario import load_scenario
        from dxsim.scenario.loader import check_override
        from dxsim.workers import pool_size

        WRITTEN.clear()  # this command's folders only (a test may run several in one process)
        # overrides are held to the scenario schema's ranges, and a costly job is stated before it starts
        areas: list[tuple[str, str]] = []
        if province:  # a province's name gets its code before minutes of work
            from dxsim.geo import load_country
            from dxsim.geo.planner_files import merged_name_notes, province_codes_named

            vietnam = load_country()
            areas = [
                (c, vietnam.province_name(c)) for c in province_codes_named(province, vietnam, "--province")
            ]
            for line in merged_name_notes(province, vietnam):
                out.print(line, highlight=False, markup=False, soft_wrap=True)
        run_seed = None if seed is None else check_override("seed", seed, option="--seed")
        run_reps = None if reps is None else check_override("replications", reps, option="--reps")
        check_run(scenario, run_reps, yes=yes, pool_workers=lambda n: pool_size(workers, n))
        from dxsim.geo.planner_files import (
            CountryOnce,
            check_planner_files,
            needs_village_layer,
            planner_file_notes,
        )
        from dxsim.runner import default_run_dir
        from dxsim.sim.world import check_villages_named

        # where each scenario goes, decided up front: two runs must never write the same folder
        targets: dict[Path, Path] = {}
        for path in scenario:
            target = (
                (out_dir if len(scenario) == 1 else out_dir / path.stem)
                if out_dir is not None
                else default_run_dir(load_scenario(path))
            )
            if target in targets.values():
                first = next(p for p, t in targets.items() if t == target)
                raise DxsimInputError(
                    _("would write the same folder {folder} as {other}").format(folder=target, other=first),
                    file=path,
                    field="name",
                    allowed=_("scenarios with different names (or file names with --out)"),
                )
            targets[path] = target
        # every folder and every planner file before the first run: a later one must not fail after the first's
        # minutes, with the first's folder written
        for target in targets.values():
            check_output_dir(target, kind="run")
        # ... and a planner's file in full, so the first line counts every problem validate lists (a run read the
        # site file first and counted only its problems; provincial planner trial)
        country = CountryOnce()
        for path in scenario:
            sc = load_scenario(path)
            own_files = sc.sites.file or (sc.villages is not None and sc.villages.layer.file)
            own_places = sc.compute.enabled and any(
                p.lon is not None for p in sc.compute.datacentres.extra_projects
            )
            if len(scenario) > 1 or own_files or own_places:
                files = check_planner_files(sc, path, country)
                for line in planner_file_notes(sc, files, country()):
                    out.print(f"{path}: {line}", highlight=False, markup=False, soft_wrap=True)
            # the villages a later file names, before the first file's run (one file is checked as its world is made)
            known = country() if len(scenario) > 1 and needs_village_layer(sc) else None
            if known is not None:
                for line in check_villages_named(sc, known, path):
                    out.print(f"{path}: {line}", highlight=False, markup=False, soft_wrap=True)
        # allowed, but a likely slip (0.3 in a percent field, a year typed 2035): said before the run starts
        for path in scenario:
            for line in scenario_notes(path, load_scenario(path)):
                out.print(line, highlight=False, markup=False, soft_wrap=True)
        return areas, run_seed, run_reps, targets

    def run_all(checked: RunChecks, sidecar: Sidecar | None) -> int:
        from dxsim.runner import run_scenario

        areas, run_seed, run_reps, targets = checked
        for path in scenario:
            target = targets[path]
            # no progress display when stderr is not a terminal: rich would leave a blank line there,
            # and an error must stay the one line on stderr
            # in a terminal the display; in a log (stderr not a terminal) a few plain lines (RunLog)
            with StepDisplay(_("{file}: preparing").format(file=path.name)) as shown:
                log = RunLog(f"{path.name}: ")

                def say(msg: str, shown: StepDisplay = shown, path: Path = path, log: RunLog = log) -> None:
                    shown.step(f"{path.name}: {msg}")
                    log.stage(msg)

                def on_rep(
                    done: int, total: int, shown: StepDisplay = shown, path: Path = path, log: RunLog = log
                ) -> None:
                    shown.count(done, total, f"{path.name}: " + _("replications"))
                    # a log hears from --reps 5000 on a slow host (it heard nothing for 10 min)
                    log(done, total)

                res = run_scenario(
                    path,
                    out_dir=target,
                    seed=run_seed,
                    reps=run_reps,
                    progress=say,
                    on_replication=on_rep,
                    with_map=not no_map,
                    with_report=not no_report,
                    workers=workers,
                    scheduler=scheduler,
                    sidecar=sidecar,
                    provinces=[code for code, _name in areas],
                )
            if res.out_dir is not None:
                WRITTEN.append(res.out_dir)
            out.print(kpi_table(res.summary))
            for extra in (village_table(res.summary), compute_table(res.summary)):
                if extra is not None:
                    out.print(extra)
            import polars as pl  # loaded when a run has finished, not for `dxsim --help`

            if areas:
                from dxsim.results.run_files import province_year_table, province_years, scan_metrics
                from dxsim.results.village_lines import province_held_line

                assert res.out_dir is not None
                years = province_year_table(scan_metrics(res.out_dir))
                village_rows = (
                    pl.read_parquet(v) if (v := res.out_dir / "villages.parquet").exists() else None
                )
                for code, name in areas:
                    out.print(province_table(province_years(years, code), code, name, res.summary))
                    held = province_held_line(village_rows, code, name) if village_rows is not None else None
                    if held:
                        out.print(held, highlight=False, markup=False, soft_wrap=True)
                    if (
                        not no_map
                    ):  # the run's map opens on the province at this address (its province picker)
                        link = (res.out_dir / "map.html").resolve().as_uri() + "#" + code
                        out.print(
                            _("map of {province}: {link}").format(province=name, link=link), highlight=False
                        )
            from dxsim.results.bottlenecks import bottleneck_filter, operator_order_bound_pct, summary_lines
            from dxsim.results.synthetic import synthetic_line
            from dxsim.results.village_lines import last_village_line
            from dxsim.results.village_bridges import bridged_villages_lines
            from dxsim.results.villages import (
                funded_in_works_lines,
                infeasible_villages_line,
                programme_villages_line,
            )
            from dxsim.scenario.horizon_notes import campaigns_past_horizon

            assert res.out_dir is not None  # run_scenario writes by default
            synthetic = synthetic_line(
                res.summary,
                pl.read_parquet(v) if (v := res.out_dir / "villages.parquet").exists() else None,
                pl.read_parquet(d) if (d := res.out_dir / "datacentres.parquet").exists() else None,
            )
            if synthetic:
                out.print(synthetic, highlight=False, markup=False, soft_wrap=True)
            for line in start_off_reported(pl.read_csv(res.out_dir / "calibration.csv")):
                out.print(line)
            if res.scenario.villages is not None and res.scenario.villages.enabled:
                for line in campaigns_past_horizon(
                    res.scenario.villages.campaigns,
                    res.scenario.horizon.end_date,
                    res.scenario.horizon.start_date,
                ):
                    out.print(line, highlight=False, markup=False, soft_wrap=True)
                if (res.out_dir / "villages.parquet").exists():
                    funded = [c.name for c in res.scenario.villages.campaigns if c.funded_by_programme_budget]
                    table = pl.read_parquet(res.out_dir / "villages.parquet")
                    lines = funded_in_works_lines(table, funded) + bridged_villages_lines(table)
                    said = [
                        programme_villages_line(table),
                        infeasible_villages_line(table),
                        last_village_line(table),
                    ]
                    for line in [*lines, *(s for s in said if s)]:
                        out.print(line, highlight=False, markup=False, soft_wrap=True)
            scan = pl.scan_parquet(res.out_dir / "metrics.parquet")
            why = summary_lines(
                scan.filter(bottleneck_filter()).collect(), by_operator=operator_order_bound_pct(scan)
            )
            if why:  # read from the table the run wrote, like the report
                out.print(
                    _(
                        "What held it back (share of held work; `dxsim compare` says whether a changed resource "
                        "binds):"
                    )
                )
                for line in why:  # one line each, as written (a log or grep must find a whole line)
                    out.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
            decisions_csv = res.out_dir / "support_decisions.csv"
            if decisions_csv.exists():
                from dxsim.results.decisions import read_decisions, support_outcome_lines

                support = support_outcome_lines(read_decisions(decisions_csv))
                if support:
                    out.print(_("Support programmes (support_decisions.csv):"))
                    for line in support:
                        out.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
            out.print(_("wrote {folder}/").format(folder=res.out_dir))
        return 0

    _guard(body)


def scenario_notes(path: Path, sc: Any) -> list[str]:
    """What `dxsim validate` and `dxsim run` note of a valid scenario (notes, never errors): values that look like a
    unit slip, dated inputs the horizon does not reach, and fields set in a part that is off."""
    from dxsim.scenario.commitment_notes import idle_commitments
    from dxsim.scenario import load_scenario_dict
    from dxsim.scenario.horizon_notes import unreached_inputs
    from dxsim.scenario.resolved import unread_fields
    from dxsim.scenario.start_notes import window_count_notes
    from dxsim.sim.support import outside_horizon
    from dxsim.geo.planner_files import SITE_FILE_UNREAD
    from dxsim.scenario.unit_slips import slip_line, unit_slips

    # a site file sets the start network, so start_state's counts size nothing (planner_file_notes says so): a value
    # set to match the file (stations_5g = 2) was noted as "1/8,370 of its default" (new-user trial)
    unread = SITE_FILE_UNREAD if sc.sites.file and sc.sites.file_replaces == "country" else ()
    notes = [slip_line(str(path), slip) for slip in unit_slips(sc) if slip.field not in unread]
    notes += [_("{file}: note: {text}").format(file=path, text=t) for t in unreached_inputs(sc)]
    notes += [_("{file}: note: {text}").format(file=path, text=t) for t in window_count_notes(sc)]
    notes += [  # a window that closed before the start, or opens after the end: said only by compare before
        _("{file}: note: {text}").format(
            file=path,
            text=_(
                "{name} pays nothing: its window ({first} to {last}) lies outside the run, so no station accepted in "
                "the run counts for it"
            ).format(name=name, first=F.date(first), last=F.date(last)),
        )
        for name, first, last in outside_horizon(sc)
    ]
    stated = load_scenario_dict(path, with_defaults=False).get("operators") or {}
    committing = [op for op, table in stated.items() if isinstance(table, dict) and "committed_to" in table]
    notes += [_("{file}: note: {text}").format(file=path, text=t) for t in idle_commitments(sc, committing)]
    notes += [
        _("{file}: note: {field} is set, but {switch} = false, so the model does not read it").format(
            file=path, field=field, switch=off
        )
        for field, off in unread_fields(sc)  # set, but in a part that is off
    ]
    layer = sc.villages.layer
    if (
        layer.file_replaces != "country" and not layer.file
    ):  # validated "ok" silently (trial of the session's changes)
        notes.append(
            _("{file}: note: {field} is set, but {other} is not, so the model does not read it").format(
                file=path, field="villages.layer.file_replaces", other="villages.layer.file"
            )
        )
    return notes


def start_off_reported(calibration: Any) -> list[str]:
    """A warning per calibration check the run fails (calibration.csv as the run wrote it): a scenario whose radio
    bands, site plan or start state move the network on air at the start away from the reported figures starts
    from a different place than the options it is compared with, and its gains include that head start."""
    lines = []
    for row in calibration.filter(calibration["status"] == "FAIL").iter_rows(named=True):
        values = (row["model"], row["reported"], row["tolerance"])
        # a count as a count (105 villages, not 105,00), and the figure in the run's language: calibration.csv keeps
        # the English name, and a Vietnamese run's warning quoted it (provincial trial)
        decimals = 0 if all(float(v).is_integer() for v in values) else 2
        lines.append(
            _(
                "warning: the start is off a reported figure: {figure}: model {model}, reported {reported} "
                "(tolerance {tolerance}). What shapes the network and the villages at the start (radio bands, the "
                "site plan, start_state, a planner's site or village file) changes it too, so gains against other "
                "options include this difference (calibration.csv)."
            ).format(
                figure=_(row["figure"]),
                model=F.number(values[0], decimals),
                reported=F.number(values[1], decimals),
                tolerance=F.number(values[2], decimals),
            )
        )
    return lines


@app.command(help=N_("Check scenario files, and the planner files they name, without running them."))
def validate(scenario: list[Path] = typer.Argument(..., help=N_("Scenario TOML file(s)."))) -> None:

    def body() -> int:
        from dxsim.scenario import load_scenario
        from dxsim.scenario.loader import DEFAULTS_SHOWN, replaced_lists
        from dxsim.scenario.horizon_notes import campaigns_past_horizon

        bad = 0
        country: CountryOnce | None = (
            None  # loaded once, for the first file that names a site or village file
        )
        for path in scenario:  # every file, a line each: one bad file does not hide the next one's problem
            try:
                sc = load_scenario(path)
                # the files and villages a valid scenario names are checked by the model's modules (numba, polars:
                # ~0.45 s): a file refused for its own fields does not wait for them, as `dxsim run` does not
                from dxsim.geo.planner_files import (
                    CountryOnce,
                    check_planner_files,
                    needs_village_layer,
                    planner_file_notes,
                )
                from dxsim.sim.world import check_villages_named

                if country is None:
                    country = CountryOnce()
                # the checks a run makes: "ok" means the run accepts them
                files = check_planner_files(sc, path, country)
                # villages named by id, or a campaign after others that may take all its villages: only the built
                # layer knows (~2 s); a list the run refused ("all of them claimed by campaigns listed before it")
                # was "ok" here
                known = country() if needs_village_layer(sc) else None
                village_notes: list[str] = []
                if known is not None:  # without a data cache the run checks them
                    village_notes = check_villages_named(sc, known, path)
            except DxsimInputError as e:
                for line in e.lines():  # every problem of the file, a line each
                    _say_error("error", line)
                bad += 1
                continue
            out.print(_("{file}: ok ({name})").format(file=path, name=sc.name))
            # a list in place of the parent's or the defaults' (lists replace): a note
            for r in replaced_lists(path):
                text = (
                    _(
                        "{file}: note: {field} lists {n} in place of the {m} of the defaults (a list replaces the "
                        "default list; `dxsim show` prints them: list them all to keep them)"
                    )
                    if r.parent_file == DEFAULTS_SHOWN
                    else _(
                        "{file}: note: {field} lists {n} in place of the {m} that {parent} lists (on extends a list "
                        "replaces the parent's; list them all to keep them)"
                    )
                )
                line = text.format(
                    file=path, field=r.field, n=r.items, m=r.parent_items, parent=r.parent_file
                )
                if r.dropped:  # the parent's items the run loses, by name ("2 in place of the 2" named none)
                    line += "; " + _("not listed: {names}").format(names=", ".join(r.dropped))
                out.print(
                    line,
                    highlight=False,
                    soft_wrap=True,
                    markup=False,
                )
            notes = scenario_notes(path, sc) + [
                f"{path}: {n}" for n in planner_file_notes(sc, files, country()) + village_notes
            ]
            if sc.villages.enabled:  # the run says these after its tables, where the villages' dates are
                notes += [
                    f"{path}: {w}"
                    for w in campaigns_past_horizon(
                        sc.villages.campaigns, sc.horizon.end_date, sc.horizon.start_date
                    )
                ]
            for line in notes:
                out.print(line, highlight=False, markup=False, soft_wrap=True)
        return 2 if bad else 0

    _guard(body)


@app.command(
    help=N_(
        "Print every value a scenario resolves to (after extends and defaults), or its differences from another."
    )
)
def show(
    scenario: Path = typer.Argument(..., help=N_("Scenario TOML file.")),
    vs: Path | None = typer.Option(
        None, "--vs", help=N_("Another scenario: print only the fields that differ from it.")
    ),
) -> None:

    def body() -> int:
        from rich.text import Text

        from dxsim.scenario import load_scenario
        from dxsim.scenario.resolved import extends_chain, format_value, resolved_toml, scenario_diff

        sc = load_scenario(scenario)
        if vs is None:
            _write_out(resolved_toml(sc, extends_chain(scenario)))
            return 0
        other = load_scenario(vs)
        diffs = scenario_diff(other, sc, a_dir=vs.parent, b_dir=scenario.parent)
        if not diffs:
            out.print(
                Text(_("no differences between {scenario} and {other}").format(scenario=scenario, other=vs))
            )
            return 0
        t = Table(
            title=Text(
                _("{scenario} vs {other}: {n} field(s) differ").format(
                    scenario=scenario, other=vs, n=F.number(len(diffs))
                )
            )
        )
        for c in (_("field"), str(vs), str(scenario)):
            t.add_column(Text(c), overflow="fold")
        for path, a, b in diffs:
            t.add_row(Text(path), Text(format_value(a)), Text(format_value(b)))
        out.print(t)
        return 0

    _guard(body)


@app.command(help=N_("Print the scenario JSON Schema (for editors) or the field table."))
def schema(
    markdown: bool = typer.Option(
        False, "--markdown", help=N_("A Markdown table of every field instead of JSON Schema.")
    ),
) -> None:

    def body() -> int:
        from dxsim.scenario import json_schema, schema_markdown

        if markdown:
            _write_out(schema_markdown())
        else:
            _write_out(json.dumps(json_schema(), indent=2, ensure_ascii=False, default=str) + "\n")
        return 0

    _guard(body)


@app.command(help=N_("Show the geodata in use: sources, licences, synthetic parts, cache."))
def data(
    build: bool = typer.Option(False, "--build", help=N_("Build (or refresh) the geodata cache first.")),
) -> None:

    def body() -> int:
        from dxsim.errors import RawDataError
        from dxsim.geo import load_country
        from dxsim.geo.info import (
            cache_lines,
            cache_summary,
            data_sources,
            missing_raw_files,
            raw_layout,
            raw_needed_for,
        )
        from dxsim.geo.raw import RAW_FILES
        from dxsim.paths import raw_data_dir

        missing = missing_raw_files()
        if missing:  # say where to get each file before anything else fails on it; URLs kept whole
            lines = [
                _(
                    "Raw geodata: {folder} lacks files a run needs (set DXSIM_RAW_DATA to the folder holding "
                    "them). Each file, what needs it, its licence and where to get it:"
                ).format(folder=raw_data_dir()),
                "",
            ]
            for s in RAW_FILES.values():
                state = _("present") if (raw_data_dir() / s.path).is_file() else _("MISSING")
                lines += [
                    _("{file}  [{state}; needed for: {needed}; licence: {licence}]").format(
                        file=s.path, state=state, needed=raw_needed_for(s), licence=s.licence
                    ),
                    f"    {s.download}",
                ]
            lines += ["", _("Folder layout:"), raw_layout()]
            out.print("\n".join(lines), highlight=False, markup=False, soft_wrap=True)
            raise RawDataError(
                _(
                    "{n} raw file(s) a run needs are missing from {folder} (first: {first}); get them as "
                    "listed above (README: Getting the raw geodata) or set DXSIM_RAW_DATA to the folder "
                    "holding them"
                ).format(n=len(missing), folder=raw_data_dir(), first=missing[0])
            )
        if build:
            with err.status(_("building geodata cache")):
                load_country(progress=lambda m: None)
        t = Table(title=_("Geodata (raw directory: {folder})").format(folder=raw_data_dir()))
        for c in (
            _("name"),
            _("file"),
            _("licence"),
            _("synthetic"),
            _("used by the model"),
            pgettext("column", "present"),
        ):
            # a path is folded, not cut ("boundaries/province_mapping_63_to…" could not be read in a log; trial)
            t.add_column(c, overflow="fold")
        for d in data_sources():
            used = (
                _("yes")
                if d.get("in_cache") or d["synthetic"] or d.get("used_by")
                else _("reference / later modules")
            )
            t.add_row(
                d["name"],
                str(d.get("file", "")),
                d["licence"],
                _yes_no(bool(d["synthetic"])),
                used,
                _("yes") if d.get("present", True) else _("MISSING"),
            )
        out.print(t)
        try:
            out.print("\n".join(cache_lines(cache_summary())), highlight=False, markup=False, soft_wrap=True)
        except DxsimInputError as e:
            out.print(_("cache: not built ({reason}); run `dxsim data --build`").format(reason=e.message))
        from dxsim.sim.world_store import store_summary

        out.print(store_summary(), highlight=False, markup=False)
        return 0

    _guard(body)


OBSERVATIONS_NOTE = N_(
    "Model = replication 0 at the month end of the figure's date. Shown for judgement (status "
    "info): a figure's tolerance is the report's precision, not a model tolerance; a figure of the start month is "
    "the run's start state (status start: stations are an input, coverage is fitted to them within the calibration "
    "table's tolerance); figures dated before the start are judged by `dxsim backtest --from DATE`."
)


def _observations_table(obs_rows: pl.DataFrame, name: str) -> Table:
    """The reported figures with a model counterpart beside the model; the others counted in the caption."""
    from dxsim.calibration import shown_day, shown_number, source_ref

    shown = obs_rows.filter(obs_rows["status"] != "no counterpart")
    n_none = obs_rows.height - shown.height
    t = Table(
        title=_("Reported figures (geodata/observations.csv) beside the model ({scenario})").format(
            scenario=name
        ),
        caption=_(
            "{n} of {total} reported figures have no model counterpart (fixed-line speeds, fibre, spectrum, "
            "per-company figures, ...): listed in calibration_observations.csv."
        ).format(n=F.number(n_none), total=F.number(obs_rows.height))
        + " "
        + _(OBSERVATIONS_NOTE),
    )
    for c in (
        _("date"),
        _("area"),
        _("metric"),
        _("kind"),
        _(
            "reported ± its precision"
        ),  # not the calibration table's tolerance: a pass there can be a "no" here
        _("model"),
        _("matches to that precision"),
        _("status"),
        _("source"),
    ):
        t.add_column(c, overflow="fold")
    for r in shown.iter_rows(named=True):
        t.add_row(
            shown_day(r["date"]),
            area_label(r["area"]),
            r["metric"],
            kind_label(r["kind"]),
            f"{_fmt(r['reported'])} ± {shown_number(r['tolerance'])}",
            _fmt(r["model"]),
            _yes_no(r["within_tolerance"]),
            status_label(r["status"]),
            source_ref(r["source"]),
        )
    return t


@app.command(
    help=N_("Model beside every reported figure, with tolerance; exit 1 if any point is outside it.")
)
def calibration(
    scenario: Path = typer.Argument(
        Path("scenarios/baseline.toml"), help=N_("Scenario whose site layer and radio settings are checked.")
    ),
    out_dir: Path = typer.Option(
        Path("outputs/calibration"), "--out", help=N_("Where calibration.csv/.md are written.")
    ),
) -> None:

    def body() -> int:

        from dxsim.calibration import (
            by_construction,
            calibrate,
            calibration_frame,
            shown_day,
            shown_number,
            tolerance_notes,
        )
        from dxsim.results.writer import atomic_dir
        from dxsim.scenario import load_scenario

        sc = load_scenario(scenario)
        check_output_dir(out_dir, kind="calibration")  # refuse a folder dxsim may not replace before the work
        with err.status(_("calibrating")):
            rows, obs_rows = calibrate(sc, scenario.parent)
        t = Table(title=_("Calibration: model vs reported ({scenario})").format(scenario=sc.name))
        # the unit beside the numbers: "196,850 vs 49,500" was USD per GPU only in calibration.csv
        for c in (_("figure"), _("reported"), _("model"), _("unit"), _("tolerance"), _("status")):
            t.add_column(c, overflow="fold")
        for r in rows:
            tol = (
                _("≤ reported")
                if r.upper_bound
                else ("±" + _fmt(r.tolerance) if r.tolerance is not None else "-")
            )
            reported = ("< " if r.upper_bound else "") + _fmt(r.reported)  # "fewer than 2,000", as reported
            t.add_row(
                _shown(r.figure), reported, _fmt(r.model), unit_label(r.unit), tol, status_label(r.status)
            )
        out.print(t)
        constructed = [f"{figure}: {why}" for figure, why in by_construction(rows)]
        for line in [_(BY_CONSTRUCTION_NOTE), *constructed] if constructed else []:
            out.print(line, highlight=False, markup=False)
        # why a scored row's tolerance is what it is, under the table and not only in calibration.md: a "pass"
        # at a tolerance wider than the report's own precision read as a match (backtest audit)
        scored_why = tolerance_notes([r for r in rows if r.status in ("pass", "FAIL")])
        for line in (
            [_("Why each tolerance:"), *(f"{fig}: {why}" for fig, why in scored_why)] if scored_why else []
        ):
            out.print(line, highlight=False, markup=False, soft_wrap=True)
        out.print(_observations_table(obs_rows, sc.name))
        df = calibration_frame(rows)

        def fill(tmp: Path) -> None:
            df.write_csv(tmp / "calibration.csv")

            # calibration.md is read by people: in the language in use (calibration.csv keeps English and ISO)
            def md_row(cells: tuple[object, ...]) -> str:
                return "| " + " | ".join(str(c) for c in cells) + " |"

            lines = [
                md_row(
                    (
                        _("figure"),
                        _("reported"),
                        _("model"),
                        _("unit"),
                        _("tolerance"),
                        _("status"),
                        _("source"),
                    )
                ),
                "|---|---|---|---|---|---|---|",
            ]
            for r in rows:
                tol = (
                    _("<= reported")
                    if r.upper_bound
                    else ("±" + shown_number(r.tolerance) if r.tolerance is not None else "-")
                )
                lines.append(
                    md_row(
                        (
                            _shown(r.figure),
                            ("< " if r.upper_bound else "") + _fmt(r.reported),
                            _fmt(r.model),
                            unit_label(r.unit),
                            tol,
                            status_label(r.status),
                            # the seed line (000:56) is the reference a reader can look up; the path to the
                            # maintainers' copy of the seed files is not
                            re.sub(r"\s*\(\.\./shared/seeds/[^)]*\)", "", r.source),
                        )
                    )
                )
            if constructed:
                lines += ["", _(BY_CONSTRUCTION_NOTE), "", *[f"- {c}" for c in constructed]]
            why_tol = tolerance_notes(rows)
            if why_tol:
                lines += ["", _("Why each tolerance:"), "", *[f"- {fig}: {why}" for fig, why in why_tol]]
            lines += [
                "",
                "## "
                + _("Every reported figure of geodata/observations.csv beside the model (replication 0)"),
                "",
                _(OBSERVATIONS_NOTE),
                "",
                md_row(
                    (
                        _("date"),
                        _("area"),
                        _("metric"),
                        _("kind"),
                        _("reported ± its precision"),
                        _("model"),
                        _("matches to that precision"),
                        _("status"),
                        _("source"),
                    )
                ),
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for o in obs_rows.iter_rows(named=True):
                lines.append(
                    md_row(
                        (
                            shown_day(o["date"]),
                            o["area"],
                            o["metric"],
                            kind_label(o["kind"]),
                            f"{_fmt(o['reported'])} ± {shown_number(o['tolerance'])}",
                            _fmt(o["model"]),
                            _yes_no(o["within_tolerance"]),
                            status_label(o["status"]),
                            o["source"].replace("|", "/"),
                        )
                    )
                )
            (tmp / "calibration.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
            obs_rows.write_csv(tmp / "calibration_observations.csv")

        atomic_dir(out_dir, fill, kind="calibration")
        out.print(_("sources and full table: {path}").format(path=f"{out_dir}/calibration.md"))
        failed = [r for r in rows if r.status == "FAIL"]
        if failed:
            raise ModelFailure(
                _("{n} calibration point(s) outside tolerance: {figures}").format(
                    n=len(failed), figures="; ".join(_shown(r.figure) for r in failed)
                )
            )
        return 0

    _guard(body)


def _start_value(v: object) -> str:
    """A backtest start-state value as shown: numbers and ISO days in the language's form (English: as written)."""
    from dxsim.calibration import shown_day

    if isinstance(v, bool) or language() == "en":
        return str(v)
    if isinstance(v, int):
        return F.number(v)
    if isinstance(v, float):
        return F.number(v, 1)
    try:
        return shown_day(dt.date.fromisoformat(str(v)))
    except ValueError:
        return str(v)


@app.command(
    help=N_(
        "Start from an earlier observed state and score the projection against every later reported figure."
    )
)
def backtest(
    scenario: Path = typer.Argument(..., help=N_("Scenario TOML file run from the earlier observed state.")),
    from_date: str = typer.Option(
        ..., "--from", help=N_("Start date YYYY-MM-DD with an observed 5G station count (e.g. 2025-05-31).")
    ),
    reps: int = typer.Option(20, "--reps", min=1, help=N_("Replications (the P10-P90 band).")),
    seed: int | None = typer.Option(None, "--seed", help=N_("Override the scenario's seed.")),
    out_dir: Path | None = typer.Option(
        None, "--out", help=N_("Output directory (default outputs/backtest-<name>-<DATE>/).")
    ),
    workers: int | None = REPLICATION_WORKERS_OPTION,
    scheduler: str | None = SCHEDULER_OPTION,
    yes: bool = YES_OPTION,
) -> None:

    def body() -> int:
        from dxsim.backtest import backtest as run_backtest
        from dxsim.backtest import (
            NOTE_YEAR_ONLY,
            PASS_RULES,
            default_out_dir,
            fmt_shown,
            parse_from_date,
            write_backtest,
        )
        from dxsim.calibration import shown_day, source_ref
        from dxsim.scenario import load_scenario
        from dxsim.scenario.loader import check_override

        day = parse_from_date(from_date)
        bt_reps = check_override("replications", reps, option="--reps")
        bt_seed = None if seed is None else check_override("seed", seed, option="--seed")
        target = out_dir if out_dir is not None else default_out_dir(load_scenario(scenario).name, day)
        check_output_dir(target, kind="backtest")  # refuse a folder dxsim may not replace before the work
        with StepDisplay(_("backtest")) as shown:
            res = run_backtest(
                scenario,
                day,
                bt_reps,
                bt_seed,
                yes=yes,
                workers=workers,
                scheduler=scheduler,
                progress=lambda m: shown.describe(_("backtest: {step}").format(step=m)),
                on_replication=shown.count,
            )
        st = Table(
            title=_("Start state at {date} (scenario {scenario})").format(
                date=shown_day(day), scenario=res.scenario
            )
        )
        for c in (_("field"), _("value"), _("how")):
            st.add_column(c, overflow="fold")
        for s in res.start:
            st.add_row(s.field, _start_value(s.value), rich_escape(s.shown or s.how))
        out.print(st)
        for k in res.kept_shown or res.kept:
            out.print(f"  - {k}", highlight=False, markup=False)
        t = Table(
            title=_("Backtest from {date}: reported vs model ({reps} replication(s), seed {seed})").format(
                date=shown_day(day), reps=res.reps, seed=res.seed
            )
        )
        for c, right in (
            (_("date"), False),
            (_("area"), False),
            (_("metric"), False),
            (_("kind"), False),
            (_("reported ± tol"), False),
            ("P10", True),
            ("P50", True),
            ("P90", True),
            (_("status"), False),
            (_("source"), False),
        ):
            t.add_column(c, overflow="fold", justify="right" if right else "left")
        for r in res.table.iter_rows(named=True):
            t.add_row(
                str(r["date"].year) if r["note"] == NOTE_YEAR_ONLY else shown_day(r["date"]),  # "in 2025"
                area_label(r["area"]),
                r["metric"],
                kind_label(r["kind"]),
                f"{fmt_shown(r['observed'])} ± {fmt_shown(r['tolerance'])}",
                fmt_shown(r["p10"]),
                fmt_shown(r["p50"]),
                fmt_shown(r["p90"]),
                status_label(r["status"]),
                source_ref(r["source"]),
            )
        out.print(t)
        out.print(
            res.scored_text()
            + "; "
            + _("{later} later figure(s) without a model counterpart not listed").format(
                later=F.number(res.later_without_counterpart)
            ),
            highlight=False,
        )
        out.print(_(PASS_RULES), highlight=False)
        for line in res.why_lines():
            out.print(f"  - {line}", highlight=False, markup=False)
        if res.few_reps_text():
            out.print(res.few_reps_text(), highlight=False)
        if (res.table["note"] == NOTE_YEAR_ONLY).any():
            out.print(
                _("A date shown as a year: the band pools the model's month ends of that year."),
                highlight=False,
            )
        written = write_backtest(res, target)
        out.print(_("wrote {folder}/").format(folder=written), highlight=False)
        if res.failures.height:
            raise ModelFailure(
                _("{n} reported figure(s) outside the model's band: {figures}").format(
                    n=res.failures.height,
                    figures="; ".join(_failed_figure(r) for r in res.failures.iter_rows(named=True)),
                )
            )
        return 0

    _guard(body)


@app.command(
    help=N_(
        "Compare options side by side: KPIs (P50, P10-P90) and deltas against the baseline, common random numbers."
    )
)
def compare(
    scenario: list[Path] = typer.Argument(..., help=N_("Scenario TOML files (two or more).")),
    reps: int | None = typer.Option(
        None, "--reps", min=1, help=N_("Replications per scenario (default: the baseline's).")
    ),
    baseline: str | None = typer.Option(
        None, "--baseline", help=N_("Baseline: a path, file stem or scenario name (default: the first).")
    ),
    seed: int | None = typer.Option(
        None, "--seed", help=N_("Seed for every scenario (default: the baseline's); common random numbers.")
    ),
    out_dir: Path | None = typer.Option(
        None,
        "--out",
        help=N_(
            "Also write the comparison here: compare.csv and compare.md, with compare.json, compare_quantiles.csv, "
            "compare_replications.csv and bottlenecks.csv."
        ),
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=0,
        help=N_(
            "Local worker processes (default: CPU count from 8 replications in all, else in this process; 0 or 1 = in this process). The table is the same either way."
        ),
    ),
    province: list[str] = typer.Option(
        [],
        "--province",
        help=N_(
            "Also compare this province: its stations, coverage, served shares and villages at each year end, and "
            'its 5G and village capex (a gso34 code or a name, e.g. 11 or "Điện Biên"; a pre-2025 code or name gives '
            "its 2025 province; repeat for several)."
        ),
    ),
    scheduler: str | None = SCHEDULER_OPTION,
    yes: bool = YES_OPTION,
) -> None:

    def body() -> int:
        from dxsim.scenario import load_scenario
        from dxsim.scenario.loader import check_override

        if len(scenario) < 2:
            raise DxsimInputError(
                _("needs at least two scenario files; {n} given").format(n=len(scenario)),
                field="SCENARIO",
                value=" ".join(str(p) for p in scenario),
                allowed=_("two or more .toml files"),
            )
        cmp_seed = None if seed is None else check_override("seed", seed, option="--seed")
        cmp_reps = None if reps is None else check_override("replications", reps, option="--reps")
        for path in scenario:  # each file validated before the model's modules load (~1 s a refusal waited)
            load_scenario(path)
        from dxsim.compare import (
            bottleneck_lines,
            check_compare,
            compare_scenarios,
            rich_differences,
            rich_tables,
            write_compare,
        )

        check_compare(scenario, cmp_reps, baseline, yes=yes, workers=workers)
        if province:  # a province's name gets its code before minutes of work
            from dxsim.geo import load_country
            from dxsim.geo.planner_files import merged_name_notes, province_codes_named

            province_codes_named(province, load_country(), "--province")
            for line in merged_name_notes(province, load_country()):
                out.print(line, highlight=False, markup=False, soft_wrap=True)
        if out_dir is not None:
            # refuse a folder dxsim may not replace before minutes of work
            check_output_dir(out_dir, kind="compare")
        with StepDisplay(_("comparing")) as shown:
            # a log heard nothing of a 30 s compare: the replications done, as `run` says them (RunLog's pace), of all
            # the scenarios together, named as compare's (a bare "3 of 4 replications done" read as a scenario's)
            log = RunLog("compare: ")

            def on_rep(done: int, total: int) -> None:
                shown.count(done, total)
                log(done, total)

            res = compare_scenarios(
                scenario,
                reps=cmp_reps,
                baseline=baseline,
                seed=cmp_seed,
                progress=shown.describe,
                on_replication=on_rep,
                workers=workers,
                scheduler=scheduler,
                provinces=province,
            )
        if not err.is_terminal:  # where each scenario's world came from (compare.json has it too)
            for run in res.runs:
                log.line(
                    _("{name}: prepared world {source} ({elapsed})").format(
                        name=run.name,
                        source=_(WORLD_SOURCE_WORDS.get(run.timing.get("world_source", ""), "built")),
                        elapsed=F.duration(float(run.timing.get("prepare_s", 0.0))),
                    )
                )
        out.print(rich_differences(res))
        for table in rich_tables(res, out.width):
            out.print(table)
        for line in bottleneck_lines(res):
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        if out_dir is not None:
            for p in write_compare(res, out_dir):
                out.print(_("wrote {path}").format(path=p))
        return 0

    _guard(body)


@app.command(
    help=N_(
        "Sensitivity sweep (Latin hypercube, Morris or Sobol via SALib) or a grid of chosen values; resumable: re-run "
        "to continue."
    )
)
def sweep(
    sweep_file: Path = typer.Argument(
        ..., help=N_("A sweep TOML file (base scenario, method, samples, parameters, KPIs).")
    ),
    out_dir: Path | None = typer.Option(
        None, "--out", help=N_("Output directory (default outputs/sweeps/<name>/).")
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=0, help=N_("Local worker processes (default: CPU count; 0 = in this process).")
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help=N_("Dask scheduler address (needs dxsim[cluster]); runs the same sweep on the cluster."),
    ),
    yes: bool = typer.Option(
        False,
        "--yes",
        help=N_("Start a sweep of more than 5,000 replications (refused otherwise, with its time estimate)."),
    ),
) -> None:

    def body() -> int:
        from dxsim.sweep import INERT_NOTE, drivers_table, run_sweep

        with StepDisplay(_("sweep")) as shown:
            log = ProgressLog(N_("{done} of {total} runs done ({elapsed})"))

            def on_run(rec: Any, done: int, total: int) -> None:
                shown.count(done, total)
                log(done, total)

            def stage(
                text: str,
            ) -> None:  # a log hears the stages too ("checking the sampled scenarios: 500 of ...")
                shown.describe(text)
                if not err.is_terminal:
                    log.line(text)

            res = run_sweep(
                sweep_file,
                out_dir=out_dir,
                workers=workers,
                scheduler=scheduler,
                yes=yes,
                progress=stage,
                on_run=on_run,
                warn=lambda m: err.print(
                    _("warning: {message}").format(message=m), highlight=False, markup=False, soft_wrap=True
                ),
            )
        out.print(drivers_table(res))
        if res.inert:
            out.print(
                _(INERT_NOTE).format(parameters=", ".join(res.inert)),
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        out.print(
            ngettext(
                "{executed} run executed, {reused} reused from an earlier attempt; wrote {folder}/",
                "{executed} runs executed, {reused} reused from an earlier attempt; wrote {folder}/",
                res.executed,
            ).format(executed=F.number(res.executed), reused=F.number(res.reused), folder=res.out_dir),
            highlight=False,
        )
        return 0

    _guard(body)


@app.command(
    help=N_("Find the best plan under uncertainty (Optuna TPE / NSGA-II); resumable: re-run to continue.")
)
def optimise(
    opt_file: Path = typer.Argument(
        ..., help=N_("An optimisation TOML file (base scenario, variables, objectives, constraints).")
    ),
    out_dir: Path | None = typer.Option(
        None, "--out", help=N_("Output directory (default outputs/optimise/<name>/).")
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=0, help=N_("Local worker processes (default: CPU count; 0 = in this process).")
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help=N_("Dask scheduler address (needs dxsim[cluster]).")
    ),
    max_evals: int | None = typer.Option(
        None,
        "--max-evals",
        min=1,
        help=N_("Candidates to evaluate (overrides the file's max_evals; for quick checks)."),
    ),
    yes: bool = typer.Option(
        False,
        "--yes",
        help=N_("Start a job of more than 5,000 replications (refused otherwise, with its time estimate)."),
    ),
    no_check: bool = typer.Option(
        False,
        "--no-check",
        help=N_("Skip the best plan's re-run on fresh seeds and its comparison with the base."),
    ),
) -> None:

    def body() -> int:
        from dxsim.optimise import run_optimise
        from dxsim.optimise.outputs import unmet_out_of_sample

        with StepDisplay(_("optimise")) as shown:

            def say(m: str) -> None:
                shown.describe(m)
                if not err.is_terminal:
                    err.print(m, highlight=False, markup=False, soft_wrap=True)

            res = run_optimise(
                opt_file,
                out_dir=out_dir,
                workers=workers,
                scheduler=scheduler,
                max_evals=max_evals,
                yes=yes,
                check=not no_check,
                progress=say,
                warn=lambda m: err.print(
                    _("warning: {message}").format(message=m), highlight=False, markup=False, soft_wrap=True
                ),
            )
        out.print((res.out_dir / "optimise.md").read_text(encoding="utf-8"), markup=False, highlight=False)
        out.print(
            _("{now} candidates evaluated, {reused} reused from an earlier attempt; wrote {folder}/").format(
                now=res.evaluated_now, reused=res.reused, folder=res.out_dir
            ),
            highlight=False,
        )
        # no plan meeting every target is a target failure, as in calibration and backtest: exit 1 (optimise.md
        # says which constraint no candidate met); scripts can tell it from a plan found
        if not res.feasible_found:
            return 1
        # nor is a plan that misses its targets on fresh seeds: the search's replications flattered it
        missed = unmet_out_of_sample(res.out_dir)
        if missed:
            out.print(
                _(
                    "warning: the best plan misses {k} of its {n} constraints on fresh seeds ({names}; "
                    "validation.csv): {reps} replication(s) per candidate flattered it; raise `reps` in {file}"
                ).format(
                    k=len(missed),
                    n=len(res.spec.constraints),
                    names=", ".join(missed),
                    reps=res.spec.reps,
                    file=opt_file,
                ),
                highlight=False,
                markup=False,
            )
            return 1
        return 0

    _guard(body)


@app.command(help=N_("Scenario discovery (PRIM): the ranges of swept assumptions under which a plan fails."))
def discover(
    sweep_out: Path = typer.Argument(
        ..., help=N_("A finished sweep's output folder (outputs/sweeps/<name>/), of at least 20 runs.")
    ),
    kpi: str = typer.Option(
        ..., "--kpi", help=N_("The KPI that decides failure (a column of the sweep's runs.csv).")
    ),
    fails: str = typer.Option(..., "--fails", help=N_('When a run fails, e.g. "< 90" or ">= 2029".')),
    undefined: str | None = typer.Option(
        None,
        "--undefined",
        help=N_("How runs without a value count: fail, pass or drop (needed only when there are such runs)."),
    ),
    threshold: float = typer.Option(
        0.8, "--threshold", help=N_("Least density of a box: the share of its runs that fail.")
    ),
    mass_min: float = typer.Option(0.05, "--mass-min", help=N_("Least share of all runs a box keeps.")),
    peel_alpha: float = typer.Option(0.05, "--peel-alpha", help=N_("Share of runs peeled per PRIM step.")),
    max_boxes: int = typer.Option(3, "--max-boxes", min=1, max=20, help=N_("Most boxes to find.")),
    out_dir: Path | None = typer.Option(
        None, "--out", help=N_("Output folder (default outputs/discover/<sweep>-<kpi>/).")
    ),
) -> None:

    def body() -> int:
        from dxsim.discover import markdown, run_discover

        d = run_discover(
            sweep_out,
            kpi,
            fails,
            out_dir=out_dir,
            undefined=undefined,
            threshold=threshold,
            peel_alpha=peel_alpha,
            mass_min=mass_min,
            max_boxes=max_boxes,
        )
        out.print(
            markdown(d, d.sweep_name or sweep_out.name), markup=False, highlight=False
        )  # as discover.md
        out.print(_("wrote {folder}/").format(folder=d.out_dir), highlight=False)
        return 0

    _guard(body)


@app.command("map", help=N_("(Re)build map.html from a results directory (offline: no CDN, no tile server)."))
def map_cmd(
    result_dir: Path = typer.Argument(..., help=N_("A run's output directory (outputs/<name>/).")),
    layers: str | None = typer.Option(
        None,
        "--layers",
        help=N_(
            "Comma-separated layers (default: all): coverage_5g, served_5g, density, sites, villages, datacentres, gpus."
        ),
    ),
    out_path: Path | None = typer.Option(
        None, "--out", help=N_("Where to write (default RESULT_DIR/map.html).")
    ),
    province: str | None = typer.Option(
        None,
        "--province",
        help=N_(
            "Open the map on this province, zoomed to it and outlined (a gso34 code or a name; a pre-2025 code or "
            "name gives its 2025 province); the page's province picker, or an address ending #08, changes it."
        ),
    ),
) -> None:

    def body() -> int:
        from dxsim.maps import LAYERS, build_map

        names = [s.strip() for s in layers.split(",") if s.strip()] if layers else None
        unknown = [n for n in names or [] if n not in LAYERS]
        if unknown:
            raise DxsimInputError(
                _("unknown layer"), field="--layers", value=",".join(unknown), allowed=", ".join(LAYERS)
            )
        code = province
        if province is not None:  # a pre-2025 code or name is read as run and compare read it
            code = _province_from_reference(province)
        out.print(_("wrote {path}").format(path=build_map(result_dir, names, out_path, code)))
        return 0

    _guard(body)


def _province_from_reference(text: str) -> str:
    """`--province` of `dxsim map` as `run` and `compare` read it, with the 63-to-34 province table of the geodata cache
    (a pre-2025 code or name gives its 2025 province, with a note): `dxsim map --province "Hà Giang"` suggested An
    Giang, at the other end of the country (new-user trial). Without an up-to-date cache (a result folder read on
    another machine) the text goes to the map as given, which knows the run's 34 provinces by code and name."""
    from dxsim.errors import RawDataError
    from dxsim.geo import load_country
    from dxsim.geo.planner_files import merged_name_notes, province_codes_named

    try:
        vietnam = load_country(build_if_missing=False)
    except (RawDataError, DxsimInputError, OSError):
        return text
    code = province_codes_named([text], vietnam, "--province")[0]
    for line in merged_name_notes([text], vietnam):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    return code


@app.command(help=N_("(Re)build report.html from a results directory (offline, self-contained)."))
def report(
    result_dir: Path = typer.Argument(..., help=N_("A run's output directory (outputs/<name>/).")),
    out_path: Path | None = typer.Option(
        None, "--out", help=N_("Where to write (default RESULT_DIR/report.html).")
    ),
    province: list[str] = typer.Option(
        [],
        "--province",
        help=N_(
            "Also show this province at each year end, at the top of the report's provinces section (a gso34 code or "
            "a name; a pre-2025 code or name gives its 2025 province; repeat for several), as `run --province` does."
        ),
    ),
) -> None:

    def body() -> int:
        from dxsim.report import build_report

        codes = [_province_from_reference(p) for p in province]
        out.print(_("wrote {path}").format(path=build_report(result_dir, out_path, provinces=codes)))
        return 0

    _guard(body)


def _drop_output_on_closed_pipe(console: Console) -> None:
    """A reader that stopped reading (`dxsim run ... | head`) is not a failure of the command: the rest of the
    output goes to /dev/null, the command finishes its work and exits with its own status.

    rich's default (Console.on_broken_pipe) exits 1 at once and silently, so a run whose folder was written
    reported a failure. Set on the class, for the process the `dxsim` command owns: Typer's help console too."""
    console.quiet = True
    # a console on something without a file descriptor (a test's buffer): quiet is all there is to do
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, console.file.fileno())
        os.close(devnull)


def _write_out(text: str) -> None:
    """A command's whole text output on stdout, as is (no console markup); a reader that stops reading drops the
    rest, as on the consoles (`_drop_output_on_closed_pipe`)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_output_on_closed_pipe(out)


def main() -> None:
    """Entry point: click's usage errors become one line too (exit 2), like every other bad input."""
    Console.on_broken_pipe = _drop_output_on_closed_pipe  # type: ignore[method-assign, assignment]
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    sys.unraisablehook = _interrupt_in_callback
    try:
        sys.argv[1:], lang = take_lang(sys.argv[1:])
        env_lang = os.environ.get(LANG_ENV, "").strip()
        if lang is None and env_lang:  # a typo there (DXSIM_LANG=vn) would silently give English
            try:
                check_language(env_lang)
            except UnknownLanguage:
                raise DxsimInputError(
                    unknown_language_message(env_lang), field=LANG_ENV, value=env_lang, allowed=LANG_ALLOWED
                ) from None
        if lang is None and not os.environ.get(
            LANG_ENV
        ):  # --lang, then DXSIM_LANG, then the scenario's `language`
            lang = scenario_language(sys.argv[1:])
        set_language(lang, children=True)
    except UnknownLanguage as e:
        _say_error(
            "error",
            DxsimInputError(
                unknown_language_message(str(e)), field="--lang", value=str(e), allowed=LANG_ALLOWED
            ).one_line(),
        )
        sys.exit(2)
    except DxsimInputError as e:
        _say_error("error", e.one_line())
        sys.exit(2)
    # the command tree is built here, after set_language, so its help texts can be translated
    tree = localise_help(typer.main.get_command(app))
    try:
        code = tree(standalone_mode=False)
    except NoArgsIsHelpError as e:
        err.print(e.format_message())
        sys.exit(0)
    except UsageError as e:
        # click raises some parse errors (a flag given a value) without the subcommand's context: name it from argv
        sub = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
        known = sub in getattr(tree, "commands", {})
        cmd = e.ctx.command_path if e.ctx is not None else ("dxsim " + str(sub) if known else "dxsim")
        _say_error(
            "error",
            _("{command}: {message} (see `{command} --help`)").format(
                command=cmd, message=usage_message(e.format_message())
            ),
        )
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err.print(_("interrupted; nothing was written, earlier outputs are unchanged"))
        sys.exit(130)
    except ClickException as e:
        _say_error("error", e.format_message())
        sys.exit(e.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def console_main() -> None:
    """The `dxsim` command: :func:`main`, then out without the interpreter's tear-down (dxsim.cli.leave)."""
    try:
        main()
    except SystemExit as e:
        leave(e.code)
    leave(0)


if __name__ == "__main__":
    console_main()
