"""Sensitivity indices with confidence intervals, and the assumptions that most move each KPI.

Per KPI (Y = the run KPI, i.e. the mean over the run's replications):

- sobol: first-order `S1` and total `ST` (and `S2` pairs with second_order), bootstrap CIs
  (`SALib.analyze.sobol`); drivers ranked by ST (share of the KPI's variance a parameter is
  involved in).
- morris: `mu_star` (mean absolute elementary effect, in the KPI's unit) with bootstrap CI, `mu`,
  `sigma` (`SALib.analyze.morris`); drivers ranked by mu_star.
- lhs: Spearman rank correlation `rho` with a bootstrap percentile CI, and (from 16 runs on)
  RBD-FAST first-order `S1` with bootstrap CI (`SALib.analyze.rbd_fast`); drivers ranked by |rho|
  (robust at small N; S1 also catches non-monotonic effects, read it beside rho).

Indices table (long): kpi, parameter, index, value, conf (half-width of the CI as SALib reports
it), ci_low, ci_high, p_value (rho only: the permutation test of rho = 0, which decides "n.s.": the
bootstrap interval is far too narrow at a handful of runs). A KPI that does not vary across runs gets no indices ("constant"); a KPI
with undefined runs (e.g. a date never reached within the horizon) gets none either, with the
count in the note: extend the horizon or choose another KPI.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict, cast

import numpy as np
import polars as pl

from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.i18n import language
from dxsim.results.summary import decimal_year_to_date
from dxsim.results.kpi_labels import is_year_kpi
from dxsim.scenario.constants import END_DATE_LATEST
from dxsim.sweep.spec import SweepSpec, delay_cautions, shown_g

MAIN_INDEX = {"sobol": "ST", "morris": "mu_star", "lhs": "rho", "grid": "rho"}
INERT_NOTE = N_(
    "Moved no KPI in any run (each run that changed one of them alone equals its base run): {parameters}. Within "
    "the sweep's ranges they do not bind, or nothing in this scenario reads them."
)
# a KPI whose runs differ by at most this share of its largest value is constant: runs that sum the same values in
# another order differ in the last digits (113259.55329786762 vs ...765), and ranking drivers of that is noise
FLOAT_NOISE = 1e-9
RBD_FAST_MIN_RUNS = 16
RBD_FAST_MAX_HARMONICS = 10  # SALib's default M
RBD_FAST_RUNS_PER_HARMONIC = 16


def rbd_fast_harmonics(n_runs: int) -> int:
    """RBD-FAST's M (harmonics summed) for n_runs: n_runs // 16, from 1 to 10.

    Why: SALib's bootstrap draws half the runs, whose periodogram has n/4 + 1 frequencies; with M near n/4 the
    harmonics are all of them, so every resample gives S1 = 1 and the interval is 0. At 30 runs M was 7 (then
    (n - 1) // 4): every S1 read "± 0", a parameter with no effect at all read S1 0.141, another -0.276 (search
    audit). M = n // 16 keeps the harmonics to a quarter of a resample's frequencies and the bias correction's
    2M/n (Tissot & Prieur 2012) at 1/8 or less."""
    return max(1, min(RBD_FAST_MAX_HARMONICS, n_runs // RBD_FAST_RUNS_PER_HARMONIC))


INDEX_SCHEMA = {
    "kpi": pl.Utf8,
    "parameter": pl.Utf8,
    "index": pl.Utf8,
    "value": pl.Float64,
    "conf": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
}
DRIVER_SCHEMA = {
    "kpi": pl.Utf8,
    "rank": pl.Int64,
    "parameter": pl.Utf8,
    "index": pl.Utf8,
    "value": pl.Float64,
    "conf": pl.Float64,
    "ci_low": pl.Float64,  # the interval of the index (rho: percentile bootstrap, not symmetric; else value ± conf)
    "ci_high": pl.Float64,
    "distinct_from_zero": pl.Boolean,
    "note": pl.Utf8,
}


class IndexRow(TypedDict):
    """One row of the indices table (INDEX_SCHEMA); None where SALib gave no finite number."""

    kpi: str
    parameter: str
    index: str
    value: float | None
    conf: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: NotRequired[float | None]  # rho only: the permutation test of rho = 0 (spearman_p_value)


class DriverRow(TypedDict):
    """One row of the drivers table (DRIVER_SCHEMA); a KPI without indices has one row with a note."""

    kpi: str
    rank: int | None
    parameter: str | None
    index: str
    value: float | None
    conf: float | None
    ci_low: float | None
    ci_high: float | None
    distinct_from_zero: bool | None
    note: str


@dataclass
class Analysis:
    indices: pl.DataFrame
    drivers: pl.DataFrame
    notes: dict[str, str]  # kpi -> why it has no indices (constant / undefined runs)
    # kpi -> (lowest, highest) over the runs, for the KPIs with indices: a ranking of drivers says nothing of how
    # much the KPI moves, and a planner must see that 0.05% of a KPI is not worth the ranking's attention
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    # kpi -> mean over the runs: what "x% of the mean" divides by (the midpoint of the range is not the mean of
    # skewed runs: 32,270 to 121,039 read "115.80% of the mean" when the mean was 69,743, so 127.28%)
    means: dict[str, float] = field(default_factory=dict)
    # parameters that moved no KPI in any run (sobol: every run with the parameter changed equals its base run)
    inert: list[str] = field(default_factory=list)


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _rows(
    kpi: str, names: list[str], index: str, vals: Iterable[Any], confs: Iterable[Any] | None
) -> list[IndexRow]:
    out: list[IndexRow] = []
    for n, v_raw, c_raw in zip(names, vals, confs if confs is not None else [None] * len(names)):
        v, c = _f(v_raw), _f(c_raw)
        out.append(
            {
                "kpi": kpi,
                "parameter": n,
                "index": index,
                "value": v,
                "conf": c,
                "ci_low": None if v is None or c is None else v - c,
                "ci_high": None if v is None or c is None else v + c,
            }
        )
    return out


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(spearmanr(x, y).statistic)


PERMUTATIONS = (
    9_999  # resamples of the test of rho = 0; every permutation when there are fewer (up to 7 runs)
)


def spearman_p_value(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """Two-sided permutation test of Spearman's rho = 0 (`scipy.stats.permutation_test`, pairings): exact up to 7
    runs, else 9,999 seeded resamples; NaN when x or y does not vary.

    Why not the bootstrap interval: at a handful of runs it excluded 0 for every parameter of a 4-run sweep (rho
    ±0.775, interval 0.775..1) although 4 runs allow no rank correlation to differ from 0 at 95% (the exact test's
    smallest p is 2/24 = 0.083); a KPI that moved in one run alone made every parameter a "driver"."""
    from scipy.stats import permutation_test, rankdata

    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    ry = rankdata(y)
    ry = ry - ry.mean()
    ry_norm = float(np.sqrt((ry * ry).sum()))

    def rho(rx: np.ndarray, axis: int = -1) -> np.ndarray:
        rx = rx - rx.mean(axis=axis, keepdims=True)
        return cast(np.ndarray, (rx * ry).sum(axis=axis) / (np.sqrt((rx * rx).sum(axis=axis)) * ry_norm))

    res = permutation_test(
        (rankdata(x),),
        rho,
        permutation_type="pairings",
        vectorized=True,
        n_resamples=PERMUTATIONS,
        alternative="two-sided",
        rng=np.random.default_rng(seed),
    )
    return float(res.pvalue)


def _spearman_rows(spec: SweepSpec, kpi: str, X: np.ndarray, Y: np.ndarray) -> list[IndexRow]:
    """rho per parameter with its percentile bootstrap interval. A resample in which the KPI (or the parameter)
    does not vary shows no rank association: it counts as rho = 0. Why: dropping those resamples kept only the ones
    that drew the few runs where the KPI moved, so a lever that mattered in one run of six read rho 0.655 with an
    interval of 0.661..0.949, above its own estimate and clear of 0, beside a permutation p of 0.33."""
    rng = np.random.default_rng(spec.seed)
    n = Y.size
    alpha = (1 - spec.conf_level) / 2
    out: list[IndexRow] = []
    for j, p in enumerate(spec.parameters):
        rho = _spearman(X[:, j], Y)
        boots = []
        for _draw in range(spec.bootstrap):
            idx = rng.integers(0, n, n)
            boots.append(_spearman(X[idx, j], Y[idx]))
        b = np.nan_to_num(np.array(boots, dtype=float), nan=0.0) if math.isfinite(rho) else np.zeros(0)
        lo, hi = (float(np.quantile(b, alpha)), float(np.quantile(b, 1 - alpha))) if b.size else (None, None)
        out.append(
            {
                "kpi": kpi,
                "parameter": p.path,
                "index": "rho",
                "value": _f(rho),
                "conf": None if lo is None or hi is None else (hi - lo) / 2,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": _f(spearman_p_value(X[:, j], Y, spec.seed + j)),
            }
        )
    return out


def indices_for(spec: SweepSpec, kpi: str, X: np.ndarray, Y: np.ndarray) -> list[IndexRow]:
    problem = spec.problem
    names = problem["names"]
    kw = {"num_resamples": spec.bootstrap, "conf_level": spec.conf_level, "seed": spec.seed}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if spec.method == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(problem, Y, calc_second_order=spec.second_order, **kw)
            rows = _rows(kpi, names, "S1", si["S1"], si["S1_conf"]) + _rows(
                kpi, names, "ST", si["ST"], si["ST_conf"]
            )
            if spec.second_order:
                d = len(names)
                for a in range(d):
                    for b in range(a + 1, d):
                        rows += _rows(
                            kpi, [f"{names[a]} x {names[b]}"], "S2", [si["S2"][a, b]], [si["S2_conf"][a, b]]
                        )
            return rows
        if spec.method == "morris":
            from SALib.analyze import morris

            si = morris.analyze(problem, X, Y, num_levels=spec.morris_levels, **kw)
            return (
                _rows(kpi, names, "mu_star", si["mu_star"], si["mu_star_conf"])
                + _rows(kpi, names, "mu", si["mu"], None)
                + _rows(kpi, names, "sigma", si["sigma"], None)
            )
        rows = _spearman_rows(spec, kpi, X, Y)
        if spec.method == "lhs" and Y.size >= RBD_FAST_MIN_RUNS:
            from SALib.analyze import rbd_fast

            try:
                si = rbd_fast.analyze(problem, X, Y, M=rbd_fast_harmonics(Y.size), **kw)
            except (ZeroDivisionError, ValueError, FloatingPointError):  # degenerate bootstrap resamples
                si = None
            if si is not None:
                # a bootstrap spread of exactly 0 is a degenerate one (every resample alike), not certainty: none
                conf = [None if c is not None and float(c) == 0.0 else c for c in si["S1_conf"]]
                rows += _rows(kpi, names, "S1", si["S1"], conf)
        return rows


# year KPIs that date a national level's first month end at a threshold (dxsim.results.summary), with the stem of
# that level's year-end KPIs (`<stem>_<yyyy>_<mm>` in every run record) and the threshold
YEAR_KPI_LEVELS = {
    "year_5g_pop_90pct": ("pop_covered_5g_pct", 90.0),
    "year_5g_pop_99pct": ("pop_covered_5g_pct", 99.0),
    "year_5g_served_90pct": ("pop_5g_served_pct", 90.0),
    "year_5g_served_99pct": ("pop_5g_served_pct", 99.0),
}
# a level that rises less than this a year at the horizon's end (percentage points) is flat: no horizon reaches more
FLAT_POINTS_PER_YEAR = 0.1


def _span(values: np.ndarray, decimals: int) -> str:
    """The values' range, rounded ("81.0-84.6"), or the one value when they round alike."""
    lo, hi = shown_g(round(float(values.min()), decimals)), shown_g(round(float(values.max()), decimals))
    return lo if lo == hi else f"{lo}–{hi}"


def reach_advice(
    kpi: str, last: np.ndarray, before: np.ndarray, tags: tuple[str, str], years: float, end: dt.date
) -> str | None:
    """What to do about year KPI `kpi` undefined in some runs, judged run by run from its level at the horizon's last
    two year ends (`last`, `before`: each of those runs' mean over its replications; `tags`: those year ends, `years`
    apart; `end`: the horizon's last day). Runs whose level is flat (under FLAT_POINTS_PER_YEAR a year) would not reach
    the threshold with any horizon; for runs still rising, their last year's pace gives a lower bound on the years
    beyond the horizon (growth slows as coverage nears its ceiling), or says it lies past the latest horizon dxsim runs
    (END_DATE_LATEST). None for a KPI it cannot judge (no level known, or none recorded).

    Why: a sweep whose runs all stalled at 80-85% coverage from 2027 advised "extend the horizon" for the 90% date
    (search-workflow trial); the first form of this advice averaged stalled and rising runs into one pace, said
    "about 139 years" past a horizon that cannot pass 2045, and read a level-off as a straight line (new-user trial,
    2026-12-07)."""
    stem, threshold = YEAR_KPI_LEVELS.get(kpi, ("", math.nan))
    if (
        not stem
        or last.size == 0
        or not (np.isfinite(last).all() and np.isfinite(before).all())
        or years <= 0
    ):
        return None
    rise = (last - before) / years  # points a year at the end, run by run
    flat = rise < FLAT_POINTS_PER_YEAR
    level_kpi = f"{stem}_{tags[1]}"
    n = last.size
    said = []
    if flat.any():
        said.append(
            _(
                "{k} of the {n} stall at {level}% ({level_kpi}, a change under {flat} points a year at the end): no "
                "horizon reaches {threshold}% there"
            ).format(
                k=int(flat.sum()),
                n=n,
                level=_span(last[flat], 1),
                level_kpi=level_kpi,
                flat=shown_g(FLAT_POINTS_PER_YEAR),
                threshold=shown_g(threshold),
            )
        )
    rising = ~flat
    extend = False  # some run reaches the threshold within the latest horizon at its last year's pace
    if rising.any():
        nearest = float(np.min(np.maximum(threshold - last[rising], 0.0) / rise[rising]))
        room = (END_DATE_LATEST - end).days / 365.25  # years a longer horizon can add
        fields = {
            "k": int(rising.sum()),
            "n": n,
            "rise": _span(rise[rising], 2),
            "level": _span(last[rising], 1),
            "threshold": shown_g(threshold),
        }
        extend = nearest <= room
        said.append(
            _(
                "{k} of the {n} still rise {rise} points a year from {level}%: at that pace {threshold}% is at least "
                "{more} years beyond the horizon, likely more as growth slows"
            ).format(**fields, more=F.plain(nearest, 1))  # "1.0 years", not "1 years"
            if extend
            else _(
                "{k} of the {n} still rise {rise} points a year from {level}%: at that pace {threshold}% lies beyond "
                "{latest}, the latest horizon"
            ).format(**fields, latest=END_DATE_LATEST.isoformat())
        )
    return _("of those runs, {parts}; {then}").format(
        parts="; ".join(said),
        then=(
            _("extend the horizon, choose levers that move it, or another KPI")
            if extend
            else _("choose levers that move it, or another KPI such as {level_kpi}").format(
                level_kpi=level_kpi
            )
        ),
    )


def analyse(
    spec: SweepSpec, X: np.ndarray, Y: dict[str, np.ndarray], advice: dict[str, str] | None = None
) -> Analysis:
    """Indices and top drivers for every KPI of the spec (`Y[kpi]` in design order). `advice`: for a KPI undefined
    in some runs, what to do (`reach_advice`), in place of "extend the horizon or choose another KPI"."""
    rows: list[IndexRow] = []
    notes: dict[str, str] = {}
    ranges: dict[str, tuple[float, float]] = {}
    means: dict[str, float] = {}
    main = MAIN_INDEX[spec.method]
    drivers: list[DriverRow] = []
    for kpi in spec.kpis:
        y = np.asarray(Y[kpi], dtype=float)
        bad = int((~np.isfinite(y)).sum())
        if bad and (advice or {}).get(kpi):
            notes[kpi] = _(
                "undefined in {bad} of {n} runs (a date not reached within the horizon): no indices; {advice}"
            ).format(bad=bad, n=y.size, advice=(advice or {})[kpi])
        elif bad:
            notes[kpi] = _(
                "undefined in {bad} of {n} runs (e.g. a date not reached within the horizon): "
                "no indices; extend the horizon or choose another KPI"
            ).format(bad=bad, n=y.size)
        elif np.ptp(y) <= FLOAT_NOISE * float(np.abs(y).max()):  # equal but for rounding in the last digits
            notes[kpi] = _("constant ({value}) across all runs: no parameter moves it").format(
                value=shown_g(y[0])
            )
        if kpi in notes:
            drivers.append(
                {
                    "kpi": kpi,
                    "rank": None,
                    "parameter": None,
                    "index": main,
                    "value": None,
                    "conf": None,
                    "ci_low": None,
                    "ci_high": None,
                    "distinct_from_zero": None,
                    "note": notes[kpi],
                }
            )
            continue
        try:
            k_rows = indices_for(spec, kpi, X, y)
        except (ZeroDivisionError, ValueError, FloatingPointError, IndexError) as exc:
            notes[kpi] = _(
                "{method} indices could not be computed from {n} runs ({reason}); add samples"
            ).format(method=spec.method, n=y.size, reason=exc)
            drivers.append(
                {
                    "kpi": kpi,
                    "rank": None,
                    "parameter": None,
                    "index": main,
                    "value": None,
                    "conf": None,
                    "ci_low": None,
                    "ci_high": None,
                    "distinct_from_zero": None,
                    "note": notes[kpi],
                }
            )
            continue
        rows += k_rows
        ranges[kpi] = (float(y.min()), float(y.max()))
        means[kpi] = float(y.mean())
        ranked = sorted(
            (r for r in k_rows if r["index"] == main and r["value"] is not None),
            key=lambda r: abs(cast(float, r["value"])),  # None filtered out just above
            reverse=True,
        )
        for rank, r in enumerate(ranked[: spec.top], start=1):
            if (
                r["index"] == "rho"
            ):  # the permutation test: the bootstrap interval is far too narrow at few runs
                pv = r.get("p_value")
                distinct = pv is not None and pv < 1 - spec.conf_level
            else:
                distinct = (r["ci_low"] is not None and r["ci_low"] > 0) or (
                    r["ci_high"] is not None and r["ci_high"] < 0
                )
            drivers.append(
                {
                    "kpi": kpi,
                    "rank": rank,
                    "parameter": r["parameter"],
                    "index": main,
                    "value": r["value"],
                    "conf": r["conf"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                    "distinct_from_zero": distinct,
                    "note": "",
                }
            )
    return Analysis(
        pl.DataFrame(rows, schema=INDEX_SCHEMA),
        pl.DataFrame(drivers, schema=DRIVER_SCHEMA),
        notes,
        ranges,
        means,
        inert_parameters(spec, Y),
    )


def inert_parameters(spec: SweepSpec, Y: dict[str, np.ndarray]) -> list[str]:
    """The parameters that moved no KPI at all: in a Sobol design each base run A has a run AB_i with parameter i
    alone taken from B, and with the same random numbers in every run, AB_i equals A exactly (but for float noise)
    when parameter i moves nothing (a KPI undefined in both runs, a date never reached, counts as equal). [] for
    other methods (no such pairs).

    Why: a parameter with no effect gets indices of about 0 with wide CIs at small N, read as "n.s.", not as
    "changed nothing"; the example's village budget for 2026 moved no village KPI, and nothing said so."""
    if spec.method != "sobol" or not Y:
        return []
    d = len(spec.parameters)
    group = 2 * d + 2 if spec.second_order else d + 2  # A, AB_1..AB_d, (BA_1..BA_d), B per base sample
    out = []
    for i, p in enumerate(spec.parameters):
        same = True
        for y in Y.values():
            y = np.asarray(y, dtype=float)
            if y.size % group:
                return []
            rows = y.reshape(-1, group)
            a, ab = rows[:, 0], rows[:, 1 + i]
            # undefined in both (a date never reached) is the same; in one of them it is a change
            both_nan = np.isnan(a) & np.isnan(ab)
            close = np.abs(ab - a) <= FLOAT_NOISE * np.maximum(np.abs(a), 1.0)
            if not np.all(both_nan | close):
                same = False
                break
        if same:
            out.append(p.path)
    return out


def interval_text(index: str, conf: float | None, low: float | None, high: float | None) -> str:
    """The uncertainty after an index: " [-0.965 to 0]" for rho, whose percentile bootstrap interval is not symmetric
    about it, " ± 0.12" for the others (SALib's half-widths); "" when there is none.

    Why: a rho of -0.48 read "± 0.483" where its interval ran from -0.965 to 0 (provincial planner trial)."""
    if index == "rho":
        if low is None or high is None:
            return ""
        return " [" + _("{low} to {high}").format(low=index_text(low), high=index_text(high)) + "]"
    return f" ± {index_text(conf)}" if conf is not None else ""


def index_text(v: float | None) -> str:
    """An index as drivers.md shows it, with the language's marks (English as f"{v:,.0f}" / f"{v:.3g}" / f"{v:,.2f}")."""
    if v is None:
        return "-"
    # round-off of an exact 0 (a CI of 1.11e-16) shown as 0, and of an exact 1 (a rho interval's 0.9999999999999998)
    # as 1.00 beside its rho of 1.00, not "1"
    v = 0.0 if abs(v) < FLOAT_NOISE else round(v, 12)
    a = abs(v)
    if language() == "en":
        return f"{v:,.0f}" if a >= 1000 else (f"{v:.3g}" if a < 1 else f"{v:,.2f}")
    return F.number(v, 0) if a >= 1000 else (shown_g(v, 3) if a < 1 else F.number(v, 2))


def spread_text(lo_hi: tuple[float, float] | None, kpi: str = "", mean: float | None = None) -> str:
    """' (113,201 to 113,259 across the runs: 0.05% of the mean)': how much there is to explain.

    The two ends get as many decimals as it takes to tell them apart (up to 6): "93.22 to 93.22 ... 0.00%" hid
    that a KPI ranked by a large index moved by 0.0007 points in all. A date KPI (a decimal year) is shown as
    months, "2028-12 to 2031-01 across the runs" (it read "2,028 to 2,031 ..., 0.13% of the mean"). `mean`: the
    KPI's mean over the runs, what the share divides by (default: the midpoint of the range, right only for
    symmetric runs)."""
    if lo_hi is None:
        return ""
    lo, hi = lo_hi
    if is_year_kpi(kpi) and 1900 <= lo <= hi <= 2200:  # a decimal year (anything else is shown as a number)
        first, last = decimal_year_to_date(lo), decimal_year_to_date(hi)
        return (
            " (" + _("{low} to {high} across the runs").format(low=F.month(first), high=F.month(last)) + ")"
        )
    mean = 0.5 * (lo + hi) if mean is None else mean
    low, high = index_text(lo), index_text(hi)
    if low == high and lo != hi and max(abs(lo), abs(hi)) < 1e6:
        d = next((d for d in range(3, 7) if round(lo, d) != round(hi, d)), 6)
        low, high = F.number(lo, d), F.number(hi, d)
    pct = 100 * (hi - lo) / abs(mean) if mean != 0 else 0.0
    shown = (
        F.percent(pct, 2) if pct >= 0.01 or pct == 0 else shown_g(pct, 2) + "%"
    )  # not "0.00%" for 0.00075%
    rel = _(", {pct} of the mean").format(pct=shown) if mean != 0 else ""
    return " (" + _("{low} to {high} across the runs").format(low=low, high=high) + rel + ")"


def drivers_markdown(spec: SweepSpec, an: Analysis, n_runs: int) -> str:
    """'Which assumptions most move each KPI', one line per KPI, plus the full ranking table."""
    main = MAIN_INDEX[spec.method]
    what = {
        "ST": _("total-order Sobol index ST (share of the KPI's variance the parameter is involved in)"),
        "mu_star": _("Morris mu* (mean absolute elementary effect over the range, in the KPI's unit)"),
        "rho": _(
            "|Spearman rank correlation| rho (sign: direction of the effect); S1 = RBD-FAST first-order index"
        )
        if (an.indices["index"] == "S1").any()  # RBD-FAST needs an LHS of RBD_FAST_MIN_RUNS runs or more
        else _("|Spearman rank correlation| rho (sign: direction of the effect)"),
    }[main]
    lines = [
        "# " + _("Sweep {name}: what moves each KPI").format(name=spec.name),
        "",
        (
            _(
                "{method}, N = {samples}, {runs} runs x {reps} replication(s), seed {seed}; base `{base}`. Ranked by "
                "{what}; [low to high] is the {conf} percentile interval ({bootstrap} bootstrap resamples), not "
                "symmetric about rho. A driver whose rho a permutation test cannot tell from 0 at that level (exact up "
                "to 7 runs) is marked (n.s.)."
            )
            if main == "rho"
            else _(
                "{method}, N = {samples}, {runs} runs x {reps} replication(s), seed {seed}; base `{base}`. Ranked by "
                "{what}; ± is the {conf} confidence half-width ({bootstrap} bootstrap resamples). A driver whose "
                "interval reaches 0 is marked (n.s.)."
            )
        ).format(
            method=spec.method,
            samples=F.plain(spec.samples),
            runs=F.plain(n_runs),
            reps=spec.reps_per_run,
            seed=spec.seed,
            base=spec.base,
            what=what,
            conf=F.percent(100 * spec.conf_level, 0),
            bootstrap=F.plain(spec.bootstrap),
        ),
        "",
    ]
    if (
        spec.reps_per_run > 1
    ):  # said only in the code before (operator trial): a sweep's 68,695.5 beside run's P50
        lines += [
            _(
                "Each run's KPI is the mean of its {reps} replications, where `dxsim run` and `dxsim compare` show "
                "their P50: the indices are computed on means."
            ).format(reps=spec.reps_per_run),
            "",
        ]
    for caution in delay_cautions(spec):
        lines += [caution, ""]
    if an.inert:
        lines += [_(INERT_NOTE).format(parameters=", ".join(f"`{p}`" for p in an.inert)), ""]
    for kpi in spec.kpis:
        sub = an.drivers.filter(pl.col("kpi") == kpi)
        if kpi in an.notes:
            lines.append(f"- **{kpi}**: {an.notes[kpi]}")
            continue
        parts = [
            f"`{r['parameter']}` ({main} {index_text(r['value'])}"
            + interval_text(main, r["conf"], r["ci_low"], r["ci_high"])
            + ("" if r["distinct_from_zero"] else ", " + _("n.s."))
            + ")"
            for r in sub.iter_rows(named=True)
        ]
        lines.append(
            f"- **{kpi}**{spread_text(an.ranges.get(kpi), kpi, an.means.get(kpi))}: " + ", ".join(parts)
        )
    idx_names = sorted(set(an.indices["index"].to_list()))
    if not idx_names:
        return "\n".join(lines) + "\n"
    lines += [
        "",
        "| {kpi} | {parameter} | ".format(kpi=_("KPI"), parameter=_("parameter"))
        + " | ".join(idx_names)
        + " |",
    ]
    lines.append("|---|---|" + "---:|" * len(idx_names))
    for kpi in spec.kpis:
        for p in spec.parameters:
            sub = an.indices.filter((pl.col("kpi") == kpi) & (pl.col("parameter") == p.path))
            if sub.height == 0:
                continue
            cells = []
            for ix in idx_names:
                r = sub.filter(pl.col("index") == ix)
                if r.height == 0:
                    cells.append("")
                    continue
                cells.append(
                    index_text(r["value"][0])
                    + interval_text(ix, r["conf"][0], r["ci_low"][0], r["ci_high"][0])
                )
            lines.append(f"| {kpi} | `{p.path}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
