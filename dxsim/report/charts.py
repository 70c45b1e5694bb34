"""Static charts for the report: matplotlib (Agg, no pyplot, no global state) -> PNG -> base64.

Each chart shows the P50 across replications as a line and, with more than one replication, the
P10–P90 band (quantiles across replications at each month end). Text is DejaVu Sans (matplotlib's
bundled default), which has the Vietnamese glyphs used in province and site names. Titles, axes, legends,
captions and alt text are in the language in use (dxsim.i18n; the helper process that draws part of the charts
inherits DXSIM_LANG), numbers through dxsim.i18n.formats.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, Locator
from matplotlib.typing import RcKeyType

from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.report.fmt import fmt_date, num
from dxsim.report.load import RunData, Series
from dxsim.rounding import largest_remainder
from dxsim.results.bottlenecks import (
    NATIONAL,
    PROGRAMMES,
    REGION_LABEL,
    cause_noun,
    cause_order,
    mean_shares_by_date,
    region_summary,
    stranded_line,
)

DPI = 100
SIZE = (10.2, 3.7)  # inches -> 1020 x 370 px, the width of the page's content column
BLUE, ORANGE, GREEN, RED, GREY, PURPLE = "#1f5fa8", "#d9730d", "#2e8540", "#b3261e", "#6b6b6b", "#6a3d9a"
BAND_LABEL = "P10–P90"

_RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.5,
    "legend.framealpha": 0.9,
    "text.usetex": False,
    "svg.hashsalt": "dxsim",
}


@dataclass
class Chart:
    """One rendered chart: a title, alt text and caption for the HTML, and the PNG bytes."""

    key: str
    section: str  # "5g", "villages", "compute"
    title: str
    alt: str
    caption: str
    png: bytes

    def fields(self) -> tuple[str, str, str, str, str, bytes]:
        """Plain values, to pass a chart between processes without importing this module to read it."""
        return (self.key, self.section, self.title, self.alt, self.caption, self.png)

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


ChartJob = Callable[[], Chart]  # draws one chart


def mpl_text(s: str) -> str:
    """Text from files for matplotlib: '$' would start mathtext, so escape it."""
    return str(s).replace("$", r"\$")


def _thousands(x: float, _pos: int | None = None) -> str:
    x = float(x)
    return num(x, 0) if abs(x) >= 10 or x == 0 else num(x, 1)


def _short(v: float) -> str:
    """A rate such as 10 or 2.5 (as '{:g}' writes it) in the language's number format."""
    v = float(v)
    return num(v, 0 if v == round(v) else (1 if v == round(v, 1) else 2))


INSIDE_LEGEND_MAX = 4  # legend entries a time chart keeps inside its axes; more go under them
LEGEND_ROW_IN = 0.2  # inches a legend row under the axes adds to the figure's height


def _new_axes() -> tuple[Figure, Axes]:
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    return fig, ax


class _SameViewTicks(Locator):
    """A date locator that computes its ticks once per view interval.

    Why: constrained layout measures every axis ~45 times while it places a figure, and each time a date locator
    expands its dateutil rule again (~1.4 ms): a sixth of the report's chart time. Within one figure the view
    does not change while it is laid out and drawn, so the ticks are the ones the wrapped locator gives."""

    def __init__(self, inner: Locator) -> None:
        self.inner = inner
        self._view: tuple[float, float] | None = None
        self._ticks: Sequence[float] = ()

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def __call__(self) -> Sequence[float]:
        assert self.axis is not None  # set by Axis.set_major_locator / set_minor_locator
        view = tuple(self.axis.get_view_interval())
        if view != self._view:
            self._view, self._ticks = (view[0], view[1]), self.inner()
        return self._ticks

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        return self.inner.tick_values(vmin, vmax)

    def nonsingular(self, v0: float, v1: float) -> tuple[float, float]:
        return self.inner.nonsingular(v0, v1)

    def view_limits(self, vmin: float, vmax: float) -> tuple[float, float]:
        return self.inner.view_limits(vmin, vmax)


def _year_ticks(ax: Axes, base: int = 1) -> None:
    """Major ticks on 1 January every `base` years (labelled with the year)."""
    # matplotlib.dates ships no type annotations (no .pyi), hence the ignores
    ax.xaxis.set_major_locator(_SameViewTicks(mdates.YearLocator(base=base)))  # type: ignore[no-untyped-call]


def _date_axis(ax: Axes) -> None:
    _year_ticks(ax)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))  # type: ignore[no-untyped-call]
    ax.xaxis.set_minor_locator(_SameViewTicks(mdates.MonthLocator(bymonth=(4, 7, 10))))  # type: ignore[no-untyped-call]
    ax.set_xlabel(_("month end"))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))


def _plot(ax: Axes, s: Series, color: str, label: str) -> None:
    """P50 line, plus the P10–P90 band when there is more than one replication."""
    # matplotlib's stubs type x as ArrayLike, but it takes dates (its unit converters): hence the ignores
    if s.n_reps > 1:
        ax.fill_between(
            s.dates,  # type: ignore[arg-type]
            s.p10,
            s.p90,
            color=color,
            alpha=0.22,
            linewidth=0,
            label=_("{label}: {band} ({n} replications)").format(
                label=label, band=BAND_LABEL, n=num(s.n_reps)
            ),
        )
        ax.plot(s.dates, s.p50, color=color, linewidth=2, label=f"{label}: P50")  # type: ignore[arg-type]
    else:
        ax.plot(
            s.dates,  # type: ignore[arg-type]
            s.p50,
            color=color,
            linewidth=2,
            label=_("{label} (1 replication)").format(label=label),
        )


def _ref_line(ax: Axes, y: float, text: str, color: str = GREY) -> None:
    ax.axhline(y, color=color, linestyle="--", linewidth=1.2, label=text)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    return buf.getvalue()


def _band_note(n_reps: int) -> str:
    if n_reps > 1:
        return _(
            "Line: P50; shaded: {band} band across {n} replications (empirical quantiles at each month end, as "
            "in the KPI table: each is an observed replication)."
        ).format(band=BAND_LABEL, n=num(n_reps))
    return _("One replication: no uncertainty band (run with --reps > 1 for one).")


def _peak(s: Series) -> float:
    """The largest value a series draws (its P50 line and P90 band edge); 0 for an empty or all-NaN series."""
    vals = np.concatenate([np.asarray(s.p50, dtype=float), np.asarray(s.p90, dtype=float)])
    vals = vals[np.isfinite(vals)]
    return float(vals.max()) if vals.size else 0.0


def _time_chart(
    key: str,
    section: str,
    title: str,
    ylabel: str,
    lines: list[tuple[Series, str, str]],
    refs: Sequence[tuple[float, str, str]] = (),
    ylim: tuple[float | None, float | None] | None = None,
    caption: str = "",
) -> Chart:
    with matplotlib.rc_context(_RC):
        fig, ax = _new_axes()
        for s, color, label in lines:
            _plot(ax, s, color, label)
        for y, text, color in refs:
            _ref_line(ax, y, text, color)
        ax.set_title(title, loc="left")
        ax.set_ylabel(ylabel)
        _date_axis(ax)
        if ylim:
            ax.set_ylim(*ylim)
            if ylim[1] is None and ax.get_ylim()[1] <= 1.0 and not any(_peak(s) > 0 for s, _c, _l in lines):
                ax.set_ylim(ylim[0], 1.0)  # all zero: 0 to 1, not ticks "0.0, 0.0, 0.1" of a hair-thin range
        handles, labels = ax.get_legend_handles_labels()
        if len(labels) > INSIDE_LEGEND_MAX:
            # under the axes, the figure taller by its rows: the villages' 8 entries inside covered the lines that
            # run along 0 after 2027 (README trial, 2026-12-07), and no corner of that chart is empty
            fig.set_size_inches(SIZE[0], SIZE[1] + LEGEND_ROW_IN * len(labels))
            fig.legend(handles, labels, loc="outside lower left")
        else:
            ax.legend(loc="best")
        png = _png(fig)
    n = max(s.n_reps for s, _, _ in lines)
    alt = _("{title} ({unit}) by month end.").format(title=title, unit=ylabel) + " " + _band_note(n)
    return Chart(key, section, title, alt, (caption + " " + _band_note(n)).strip(), png)


# served / capacity-short / uncovered (issue 12): metric suffixes, legend words and colours, bottom to top
SERVED_STATES = (
    ("served_pct", N_("served"), GREEN),
    ("capacity_short_pct", N_("covered but capacity-short"), ORANGE),
    ("uncovered_pct", N_("uncovered"), "#b8b8b8"),
)


def served_definition(rate_mbps: float | None) -> str:
    """One sentence: what 'served' means in this run."""
    rate = (
        _("{rate} Mbps").format(rate=_short(rate_mbps))
        if rate_mbps is not None
        else _("the scenario's served rate (capacity.served_rate_mbps)")
    )
    return _(
        "Served = covered, and an edge user still gets {rate} at the busy hour; capacity-short = covered, but the "
        "cells cannot give that rate at the busy hour; uncovered = outside coverage."
    ).format(rate=rate)


def _state_means(parts: Sequence[tuple[Series, str, str]], dates: Sequence[dt.date]) -> list[np.ndarray]:
    """Each state's mean over replications at `dates` (the first series' dates: the three are written together).

    Why the mean and not the P50: each state's P50 is taken on its own, possibly from another replication, so the
    P50s of served, capacity-short and uncovered need not add up to 100 (98.5% at 2030 in the baseline at 4
    replications, a white band under the top of the stack). Means of shares that add up to 100 in each replication
    add up to 100; with one replication the mean is that replication's value, as the P50 is."""
    ys = []
    for s, _label, _c in parts:
        # every series of load_run has its means; falling back to the P50s would bring the defect back
        if s.mean is None:
            raise ValueError("a stacked chart needs each series' mean over replications (Series.mean)")
        by_date = dict(zip(s.dates, s.mean))
        ys.append(np.array([float(by_date.get(d, np.nan)) for d in dates]))
    return ys


def _shown_dates(dates: Sequence[dt.date]) -> list[int]:
    """The positions of the dates the alt text reads out: the first, each year end and the last month end.

    Why: a reader who cannot see the chart gets its course, not only where it ends."""
    last = len(dates) - 1
    return [i for i, d in enumerate(dates) if i in (0, last) or (d.month, d.day) == (12, 31)]


def _shares_at(parts: Sequence[tuple[Series, str, str]], ys: Sequence[np.ndarray], i: int) -> str:
    """The stack at date position `i`, as "served 90.4%; covered but capacity-short 9.5%; uncovered 0.1%": tenths
    by largest remainder, so the three read 100.0% as the stack does (each rounded alone gave 99.9 or 100.1)."""
    shares = np.array([float(y[i]) for y in ys])
    if np.isfinite(shares).all() and shares.sum() > 0:
        tenths = largest_remainder(round(10.0 * float(shares.sum())), shares) / 10.0
    else:  # a missing month: each as it is (F.percent shows a NaN as missing)
        tenths = np.round(shares, 1)
    return "; ".join(f"{label} {F.percent(float(t), 1)}" for (_s, label, _c), t in zip(parts, tenths))


def _stacked_states(key: str, title: str, prefix: str, series: dict[str, Series], caption: str) -> Chart:
    """Stacked areas of the three national shares (mean over replications at each month end: they add up to 100)."""
    parts = [(series[f"{prefix}_{suffix}"], _(label), color) for suffix, label, color in SERVED_STATES]
    n = max(s.n_reps for s, _, _ in parts)
    dates = parts[0][0].dates
    ys = _state_means(parts, dates)
    how = _("mean over {n} replications").format(n=num(n)) if n > 1 else _("1 replication")
    with matplotlib.rc_context(_RC):
        fig, ax = _new_axes()
        base = np.zeros(len(dates))
        for (_s, label, color), y in zip(parts, ys):
            top = base + np.nan_to_num(y)
            ax.fill_between(
                dates,  # type: ignore[arg-type]  # dates: see _plot
                base,
                top,
                color=color,
                alpha=0.9,
                linewidth=0,
                label=label,
            )
            base = top
        ax.set_ylim(0, 100)
        ax.set_title(title, loc="left")
        ax.set_ylabel(_("% of population"))
        _date_axis(ax)
        handles, labels = ax.get_legend_handles_labels()
        # top to bottom, as stacked; the title says which statistic the bands are
        fig.legend(handles[::-1], labels[::-1], loc="outside right upper", title=how)
        png = _png(fig)
    end = fmt_date(dates[-1]) if len(dates) and hasattr(dates[-1], "isoformat") else _("the end")
    last = _shares_at(parts, ys, len(dates) - 1) if len(dates) else _("no dates")
    points = [
        _("At {end}: {last}.").format(end=fmt_date(dates[i]), last=_shares_at(parts, ys, i))
        for i in _shown_dates(dates)
    ]
    alt = " ".join(
        [_("{title}: stacked shares of the population by month end ({how}).").format(title=title, how=how)]
        + points
    )
    band = (
        _(
            "Each band is its share's mean over the {n} replications, so the three add up to 100% as in each "
            "replication (each share's own P50, as in the KPI table, need not)."
        ).format(n=num(n))
        if n > 1
        else _("One replication: the three add up to 100%.")
    )
    at_end = _("At {end}: {last}.").format(end=end, last=last)
    return Chart(key, "5g", title, alt, f"{caption} {at_end} {band}", png)


def served_chart_jobs(run: RunData) -> list[ChartJob]:
    """The served / capacity-short / uncovered charts and the busy-hour throughput (none without capacity), each still to be drawn."""
    s = run.series
    out: list[ChartJob] = []
    definition = served_definition(run.served_rate_mbps)
    if all(f"pop_5g_{suffix}" in s for suffix, _, _ in SERVED_STATES):
        out.append(
            partial(
                _stacked_states,
                "served_5g",
                _("Served, capacity-short, uncovered (5G)"),
                "pop_5g",
                s,
                definition
                + " "
                + _(
                    "Shares of the national population by 5G (metrics pop_5g_served_pct, "
                    "pop_5g_capacity_short_pct, pop_5g_uncovered_pct). A place measure: everyone where 5G serves "
                    "counts, with or without a 5G device; whether each person's own traffic is carried is the "
                    "4G-or-better chart below, so this share can be the larger."
                ),
            )
        )
    if all(f"pop_mbb_{suffix}" in s for suffix, _, _ in SERVED_STATES):
        out.append(
            partial(
                _stacked_states,
                "served_mbb",
                _("Served, capacity-short, uncovered (4G or better)"),
                "pop_mbb",
                s,
                _(
                    "The same three states for mobile broadband on 4G or 5G, each person on their own device: a 5G "
                    "user outside 5G capacity falls back to 4G where 4G has room, and everyone without a 5G device is "
                    "on 4G (metrics pop_mbb_served_pct, pop_mbb_capacity_short_pct, "
                    "pop_mbb_uncovered_pct). 4G capacity stays as at the start plus the village programme's sites "
                    "(no LTE carriers or other 4G sites are added), so with traffic growing the served share is a "
                    "lower bound."
                ),
            )
        )
    if "user_throughput_mbps_p50" in s:
        lines = [(s["user_throughput_mbps_p50"], BLUE, _("median user"))]
        if "user_throughput_mbps_mean" in s:
            lines.append((s["user_throughput_mbps_mean"], PURPLE, _("mean user")))
        # each layer's own median: the median of all jumps between the two groups as 5G devices pass half
        for metric, color, label in (
            ("user_throughput_mbps_p50_5g", GREEN, _("median user on 5G")),
            ("user_throughput_mbps_p50_4g", ORANGE, _("median user on 4G")),
        ):
            if metric in s:
                lines.append((s[metric], color, label))
        refs = (
            [
                (
                    run.served_rate_mbps,
                    _("served rate at the cell edge ({rate} Mbps)").format(rate=_short(run.served_rate_mbps)),
                    GREY,
                )
            ]
            if run.served_rate_mbps is not None
            else []
        )
        out.append(
            partial(
                _time_chart,
                "user_throughput",
                "5g",
                _("Busy-hour user throughput"),
                "Mbps",
                lines,
                refs=refs,
                ylim=(0, None),
                caption=_(
                    "Download throughput of a data user at the busy hour on the layer it uses (metric "
                    "user_throughput_mbps_p50: the median over users; user_throughput_mbps_mean: the mean; "
                    "user_throughput_mbps_p50_5g and _4g: the median of the users on each layer, which move with "
                    "its load, while the median of all jumps between the two groups as 5G devices pass half). Not "
                    "the measure of a speed-test median, whose tests run at any hour of the day."
                ),
            )
        )
    return out


def _bar_dc_provinces(rows: list[tuple[str, float, float]]) -> Chart:
    """Horizontal bars: IT MW at the start and at the end by province (replication 0)."""
    title = _("Data-centre IT capacity by province")
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(SIZE[0], max(2.2, 0.8 + 0.42 * len(rows))), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        names = [mpl_text(r[0]) for r in rows]
        ax.barh(y + 0.2, [r[1] for r in rows], height=0.38, color="#9bb8da", label=_("start"))
        ax.barh(y - 0.2, [r[2] for r in rows], height=0.38, color=BLUE, label=_("end of horizon"))
        for yi, r in zip(y, rows):
            ax.text(r[2], yi - 0.2, " " + num(r[2], 0), va="center", fontsize=8.5)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel(_("IT capacity (MW)"))
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.grid(axis="y", visible=False)
        ax.set_title(_("{title} (replication 0)").format(title=title), loc="left")
        ax.legend(loc="lower right")
        ax.set_xlim(0, max([r[2] for r in rows] + [r[1] for r in rows] + [1.0]) * 1.12)
        png = _png(fig)
    listed = "; ".join(f"{r[0]} {num(r[1], 0)} → {num(r[2], 0)} MW" for r in rows)
    alt = _(
        "{title} (MW of IT load) at the start and at the end of the horizon, replication 0: {list}."
    ).format(title=title, list=listed)
    return Chart(
        "dc_provinces",
        "compute",
        title,
        alt,
        _(
            "Commissioned IT capacity at the start and the end of replication 0, by province "
            "(datacentres.parquet)."
        ),
        png,
    )


CAUSE_COLORS = {  # per programme, distinct within each chart
    "5g": {
        "targets": GREY,
        "budget": ORANGE,
        "permits": PURPLE,
        "equipment": RED,
        "deliveries": "#f1a7a7",  # light red: the other half of the kit's wait
        "crews": BLUE,
        "plan": "#9bb8da",
    },
    "villages": {
        "power": ORANGE,
        "backhaul": GREEN,
        "line_crews": BLUE,
        "site_teams": "#6baed6",
        "budget": "#e3b23c",
        "season": "#9bb8da",
    },
    "dc": {"grid_connection": RED, "grid_headroom": "#f1a7a7", "permits": PURPLE, "construction": GREY},
}
EXTRA_COLORS = ("#8c564b", "#e377c2", "#17becf", "#bcbd22")  # causes a model adds beyond the listed ones
# programme -> (chart key, report section, title)
HELD_CHARTS = {
    "5g": ("held_5g", "5g", N_("What held the 5G rollout back, by region")),
    "villages": ("held_villages", "villages", N_("What held the village programme back")),
    "dc": ("held_dc", "compute", N_("What held data-centre capacity back")),
}


def _held_chart(programme: str, stacked: pl.DataFrame, lines: list[str]) -> Chart:
    """Stacked shares (%) of held-back work by cause over time: one panel per region of the programme."""
    prog = PROGRAMMES[programme]
    key, section, title = HELD_CHARTS[programme]
    title = _(title)
    unit = _(prog.unit)
    regions = [r for r in prog.regions if r in set(stacked["region"].to_list())]
    causes = cause_order(programme, stacked["cause"].unique().to_list())
    extra = iter(EXTRA_COLORS * len(causes))
    colors = {c: CAUSE_COLORS[programme].get(c) or next(extra) for c in causes}
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(SIZE[0], SIZE[1] + 0.4), dpi=DPI, layout="constrained")
        axes = fig.subplots(1, len(regions), sharey=True, squeeze=False)[0]
        for ax, region in zip(axes, regions):
            df = stacked.filter(pl.col("region") == region)
            dates = sorted(set(df["date"].to_list()))
            ys = []
            for cause in causes:
                by_date = dict(zip(*df.filter(pl.col("cause") == cause).select("date", "share_pct")))
                ys.append([float(by_date.get(d, 0.0)) for d in dates])
            # a month end's shares describe the month that ends there: steps drawn back to the previous date
            base = np.zeros(len(dates))
            for cause, y in zip(causes, ys):
                top = base + np.asarray(y)
                ax.fill_between(
                    dates,
                    base,
                    top,
                    step="pre",
                    color=colors[cause],
                    alpha=0.85,
                    linewidth=0,
                    label=cause_noun(cause),
                )
                base = top
            ax.set_ylim(0, 100)
            ax.set_title(title if region == NATIONAL else _(REGION_LABEL.get(region, region)), loc="left")
            _date_axis(ax)
            _year_ticks(ax, base=1 if len(regions) == 1 else 2)
        axes[0].set_ylabel(_("% of {unit}").format(unit=unit))
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside right upper")
        if len(regions) > 1:
            fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
        png = _png(fig)
    why = "; ".join(lines)
    caption = _(
        "Share of {unit} by what held them back, each month (mean over the replications in which anything "
        "was held back that month; no colour = nothing held back). Over the horizon: {why}."
    ).format(unit=unit, why=why)
    alt = _("{title}: stacked shares (%) of {unit} by cause ({causes}) by month end. {why}.").format(
        title=title, unit=unit, causes=", ".join(cause_noun(c) for c in causes), why=why
    )
    return Chart(key, section, title, alt, caption, png)


def held_chart_jobs(run: RunData) -> list[ChartJob]:
    """One stacked-shares chart per programme whose held-back metrics the run has (none for older runs), each still to be drawn."""
    if run.bottlenecks is None:
        return []
    stacked = mean_shares_by_date(run.bottlenecks)
    summary = region_summary(run.bottlenecks)
    out: list[ChartJob] = []
    for programme in HELD_CHARTS:
        part = stacked.filter(pl.col("programme") == programme)
        if part.height:
            lines = summary.filter(pl.col("programme") == programme)[
                "line"
            ].to_list()  # in the language in use
            out.append(partial(_held_chart, programme, part, lines))
    return out


def build_charts(run: RunData, dc_province_rows: list[tuple[str, float, float]] | None = None) -> list[Chart]:
    """Every chart the run's files allow (a missing metric skips its chart)."""
    return [job() for job in chart_jobs(run, dc_province_rows)]


def chart_jobs(
    run: RunData, dc_province_rows: list[tuple[str, float, float]] | None = None
) -> list[ChartJob]:
    """:func:`build_charts` as a list of charts still to be drawn, in page order: each job draws one chart
    from `run` alone, so two processes can share them (dxsim.output_helper) and give the same page."""
    s = run.series
    charts: list[ChartJob] = []
    if "stations_5g" in s:
        charts.append(
            partial(
                _time_chart,
                "stations_5g",
                "5g",
                _("5G stations on air"),
                _("stations"),
                [(s["stations_5g"], BLUE, _("5G stations"))],
                ylim=(0, None),
                caption=_("5G base stations on air at each month end, national (metric stations_5g)."),
            )
        )
    if "pop_covered_5g_pct" in s:
        charts.append(
            partial(
                _time_chart,
                "pop_covered_5g_pct",
                "5g",
                _("5G population coverage"),
                _("% of population"),
                [(s["pop_covered_5g_pct"], GREEN, _("5G coverage"))],
                refs=[(90.0, _("90% of population"), GREY)],
                ylim=(0, 100),
                caption=_("Share of the population within outdoor 5G coverage (metric pop_covered_5g_pct)."),
            )
        )
    charts += served_chart_jobs(run)
    vlines = [
        (s[m], c, lab)
        for m, c, lab in (
            (
                "villages_connected",
                GREEN,
                _("connected: signal and enough capacity (all coverage-hole villages)"),
            ),
            ("villages_capacity_short", PURPLE, _("on air but capacity-short")),
            ("villages_without_signal", ORANGE, _("without signal (all coverage-hole villages)")),
            ("villages_unconnected", RED, _("without power and signal (no-power subset)")),
        )
        if m in s
    ]
    if vlines:
        charts.append(
            partial(
                _time_chart,
                "villages",
                "villages",
                _("Remote villages connected and unconnected"),
                _("villages"),
                vlines,
                ylim=(0, None),
                caption=_(
                    "The coverage-hole villages (no or patchy signal at the start, with and without grid power): "
                    "those connected (signal, and a link that carries the busy-hour demand), those on air but "
                    "capacity-short and those still without signal (metrics villages_connected, "
                    "villages_capacity_short, villages_without_signal), and of the no-power subset - the reported "
                    "'villages without electricity and mobile signal' - those still without signal (metric "
                    "villages_unconnected)."
                ),
            )
        )
    if "dc_it_capacity_mw" in s:
        charts.append(
            partial(
                _time_chart,
                "dc_it_capacity_mw",
                "compute",
                _("Data-centre IT capacity"),
                _("IT capacity (MW)"),
                [(s["dc_it_capacity_mw"], BLUE, _("commissioned IT capacity"))],
                refs=[
                    (1000.0, "1 GW", ORANGE),
                    (1400.0, _("Singapore, {gw} GW").format(gw=num(1.4, 1)), PURPLE),
                ],
                ylim=(0, None),
                caption=_(
                    "Commissioned data-centre IT capacity, national (metric dc_it_capacity_mw), against the 1 GW "
                    "mark and Singapore's ~{gw} GW."
                ).format(gw=num(1.4, 1)),
            )
        )
    if "gpus_installed_high_performance" in s:
        g = s["gpus_installed_high_performance"]
        start = float(g.p50[0]) if len(g.p50) else float("nan")
        lines = [(g, BLUE, _("high-performance GPUs powered"))]
        if "gpus_stranded" in s and np.nanmax(s["gpus_stranded"].p90, initial=0.0) > 0:
            lines.append((s["gpus_stranded"], RED, _("GPUs stranded (no power)")))
        refs = (
            [(15.0 * start, _("15× start ({n} GPUs)").format(n=num(15.0 * start, 0)), ORANGE)]
            if np.isfinite(start)
            else []
        )
        charts.append(
            partial(
                _time_chart,
                "gpus",
                "compute",
                _("High-performance GPUs powered"),
                _("GPUs"),
                lines,
                refs=refs,
                ylim=(0, None),
                caption=_(
                    "GPUs of A100 class and above powered and running in a data centre "
                    "(metric gpus_installed_high_performance), against 15 times the start fleet. GPUs leave the "
                    "count when they retire (compute.gpus.life_years after delivery), so the line can fall."
                )
                + (
                    f" {stranded}."
                    if run.bottlenecks is not None and (stranded := stranded_line(run.bottlenecks))
                    else ""
                ),
            )
        )
    if "gpu_utilization_pct" in s and len(s["gpu_utilization_pct"].dates) > 1:
        # a monthly average: the start date closes no month (it reads 0), so the line starts at the first month end
        u = s["gpu_utilization_pct"]
        u = Series(
            u.dates[1:], u.p10[1:], u.p50[1:], u.p90[1:], u.n_reps, None if u.mean is None else u.mean[1:]
        )
        charts.append(
            partial(
                _time_chart,
                "gpu_utilization_pct",
                "compute",
                _("GPU utilisation"),
                _("% of GPU-days busy"),
                [(u, PURPLE, _("GPU utilisation"))],
                ylim=(0, 105),
                caption=_(
                    "Busy GPU-days over GPU-days available in each month (metric gpu_utilization_pct; from the "
                    "first month end: the start date closes no month)."
                ),
            )
        )
    if "ai_jobs_waiting" in s:
        charts.append(
            partial(
                _time_chart,
                "ai_jobs_waiting",
                "compute",
                _("AI jobs waiting for GPUs"),
                _("jobs queued at month end"),
                [(s["ai_jobs_waiting"], ORANGE, _("AI jobs waiting"))],
                ylim=(0, None),
                caption=_(
                    "AI jobs queued for GPUs at each month end (metric ai_jobs_waiting). A pool of thousands of GPUs "
                    "starts a job at once until it is nearly full (many servers share the load, as in Erlang C), so "
                    "the queue can stay empty at a high utilisation."
                ),
            )
        )
    if dc_province_rows:
        charts.append(partial(_bar_dc_provinces, dc_province_rows))
    charts += held_chart_jobs(run)
    return charts
