"""Assemble the self-contained report.html (inline CSS, charts as data: URIs, no scripts, no URLs).

Every string that comes from a file goes through `esc` (html.escape, quotes included). Every text of the page
is English in the code, wrapped in `_()` and shown in the language in use (dxsim.i18n; `dxsim run --lang vi`
or DXSIM_LANG=vi), with numbers and dates through dxsim.i18n.formats; the seed reports are cited by title
(dxsim.i18n.citations), the full reference kept as the cell's tooltip.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import polars as pl

from dxsim._version import __version__
from dxsim.i18n import N_, language, pgettext
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.i18n.citations import citation
from dxsim.report.charts import Chart, ChartJob, build_charts, chart_jobs
from dxsim.report.fmt import fmt_date, fmt_number, fmt_range, fmt_value, num, option_label
from dxsim.report.load import PROVINCE_LEVELS, RunData, as_float, load_run
from dxsim.results.kpi_labels import (
    CELLS_OWN_P50,
    GROUPS,
    PROVINCE_COLUMNS,
    YEAR_END_COLUMNS,
    YEAR_END_RE,
    kpi_base_keys,
    kpi_group,
    kpi_label,
)
from dxsim.results.value_labels import (
    BY_CONSTRUCTION_NOTE,
    CALIBRATION_STATUS,
    LATER_KINDS,
    PLAN_LABELS,
    COOLING,
    DC_STATUS,
    VILLAGE_STATUS,
    label_of,
    unit_label,
)
from dxsim.results.decisions import support_outcome_lines
from dxsim.results.village_bridges import bridged_villages_lines
from dxsim.results.synthetic import synthetic_counts
from dxsim.results.village_lines import province_held_line
from dxsim.results.run_files import (
    NATIONAL_NAME,
    province_former,
    province_year_table,
    province_years,
    scan_metrics,
)
from dxsim.results.writer import GENERATOR_MARK, PAGE_KIND_META, atomic_page, check_run_unchanged

BAND = "P10–P90"


def small(text: str) -> str:
    """A note paragraph (the text is escaped)."""
    return f'<p class="small">{esc(text)}</p>'


def cell_row(tag: str, texts: tuple[str, ...], num: tuple[int, ...] = ()) -> str:
    """Header or data cells of `texts` (escaped); the indices in `num` right-aligned as numbers.

    Why: the texts are `_()` calls outside f-strings, where the message extractor (pybabel) sees them."""
    return "".join(
        f'<{tag} class="num">{esc(t)}</{tag}>' if i in num else f"<{tag}>{esc(t)}</{tag}>"
        for i, t in enumerate(texts)
    )


def source_cell(source: object) -> str:
    """A source column's cell: the plain citation, the full reference (file id and line) as its tooltip."""
    src = "" if source is None else str(source)
    return f'<td class="small" title="{esc(src)}">{esc(citation(src))}</td>'


def _cited_cell(text: object, tag: str) -> str:
    """A cell whose text may cite a seed report: the plain citation, the reference as its tooltip if it differs."""
    raw = "" if text is None else str(text)
    cited = citation(raw)
    title = f' title="{esc(raw)}"' if cited != raw else ""
    return f"<{tag}{title}>{esc(cited)}</{tag}>"


def esc(v: object) -> str:
    return html.escape("" if v is None else str(v), quote=True)


CSS = """
:root { --ink:#1d2430; --muted:#5b6472; --line:#d9dee5; --bg:#f6f7f9; --accent:#1f5fa8; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.45 "DejaVu Sans", "Segoe UI", "Noto Sans", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background:#fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
h3 { font-size: 16px; margin: 22px 0 8px; }
p.lead { color: var(--muted); margin: 0 0 14px; }
.notice { border-left: 6px solid #c77700; background: #fff4e0; padding: 10px 14px; margin: 14px 0; }
.notice strong { color: #8a4b00; }
nav { font-size: 14px; margin: 10px 0 4px; }
nav a { margin-right: 14px; color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
td a, td code, td.small { overflow-wrap: anywhere; } /* long source URLs wrap inside their cell, not past the page */
th { background: #eef1f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; } /* numbers stay whole; headers wrap, so a wide table fits the page */
table.province-years td:first-child { white-space: nowrap; } /* a year end (2026-12) is one word */
tr.group th { background: #dfe7f1; font-size: 14px; }
code, .key { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 11.5px; color: var(--muted); }
.small { font-size: 12px; color: var(--muted); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 8px 0; font-size: 14px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-word; }
figure { margin: 16px 0 20px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
.status { display: inline-block; white-space: nowrap; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; }
.status-pass { background: #d8f0dc; color: #1e6b2d; }
.status-fail { background: #f8d7d5; color: #9b1c14; }
.status-info, .status-fitted, .status-input { background: #e6e9ee; color: #4a5260; }
.status-other { background: #fff0c2; color: #7a5a00; }
table.calibration td:first-child { width: 28%; }
table.trajectory td:first-child { white-space: nowrap; }
.yes { color: #9b1c14; font-weight: 600; }
details { margin: 8px 0 14px; }
summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); }
"""


# ---------------------------------------------------------------- pieces


def _kpi_cells(kpis: dict[str, Any], key: str, kind: str, bands: bool) -> str:
    cells = f'<td class="num">{esc(fmt_value(kpis.get(key), kind))}</td>'
    if bands:
        if f"{key}_p10" in kpis or f"{key}_p90" in kpis:
            cells += (
                f'<td class="num">{esc(fmt_range(kpis.get(f"{key}_p10"), kpis.get(f"{key}_p90"), kind))}</td>'
            )
        else:
            cells += '<td class="num">–</td>'
    return cells


def kpi_section(run: RunData) -> str:
    kpis = run.summary.get("kpis") or {}
    bands = run.n_reps > 1
    keys = kpi_base_keys(kpis)
    head = (
        "<tr>"
        + cell_row(
            "th",
            (_("KPI"), "P50" if bands else _("value")) + ((BAND,) if bands else ()) + (_("key"),),
            num=(1, 2) if bands else (1,),
        )
        + "</tr>"
    )
    ncol = 4 if bands else 3
    rows: list[str] = []
    year_end = [k for k in keys if YEAR_END_RE.match(k)]
    for group, title in GROUPS.items():
        gkeys = [k for k in keys if kpi_group(k) == group and k not in year_end]
        if not gkeys:
            continue
        group_title = _(title)
        rows.append(f'<tr class="group"><th colspan="{ncol}">{esc(group_title)}</th></tr>')
        for k in gkeys:
            label, kind = kpi_label(k)
            rows.append(
                f'<tr data-kpi="{esc(k)}"><td>{esc(label)}</td>{_kpi_cells(kpis, k, kind, bands)}'
                f"<td><code>{esc(k)}</code></td></tr>"
            )
    if bands:
        intro = _(
            "P50 across {n} replications, and the {band} range (empirical quantiles; a date never reached in "
            "some replications ranks last, so its P90 can read 'not reached')."
        ).format(n=run.n_reps, band=BAND)
        intro += " " + _(
            "Each KPI's P50 is taken on its own, so parts need not add up to their whole (served + capacity-short "
            "vs covered): each replication's do."
        )
    else:
        intro = _("One replication: single values (run with --reps > 1 for quantiles).")
    months = _('Months are shown as YYYY-MM; "not reached" = not within the horizon.')
    out = [
        f'<p class="small">{esc(intro)} {esc(months)}</p>',
        f'<table class="kpis"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>',
    ]
    if year_end:
        out.append(_year_end_table(kpis, year_end, bands))
    return "\n".join(out)


# the headline figures a reader briefs from, in this order (those the run has): the first and last year end's 5G,
# the month 90% is covered, 5G served, villages, data centres, GPUs and money. Why: the page opened on the
# synthetic-data notice and checksums, with the headlines spread through a table of ~100 rows (report reader trial)
GLANCE_KEYS = (
    "year_5g_pop_90pct",
    "pop_5g_served_pct_end",
    "villages_connected_end",
    "year_last_village_connected",
    "dc_it_capacity_mw_end",
    "gpus_installed_end",
    "capex_total_vnd_bn",
    "public_cost_total_vnd_bn",
)


def glance_section(run: RunData) -> str:
    """ "At a glance": the headline KPIs (GLANCE_KEYS, after the first and last year end's 5G stations and coverage),
    each its P50 and, with several replications, its P10–P90 range, in a few rows at the top of the page."""
    kpis = run.summary.get("kpis") or {}
    ends = sorted(
        {
            (int(m.group(2)), int(m.group(3)))
            for k in kpis
            if (m := YEAR_END_RE.match(k)) and not k.endswith(("_p10", "_p90"))
        }
    )
    five_g = [
        f"{metric}_{y}_{mo:02d}"
        for y, mo in ([ends[0], ends[-1]] if len(ends) > 1 else ends)
        for metric in ("stations_5g", "pop_covered_5g_pct")
    ]
    keys = [k for k in (*five_g, *GLANCE_KEYS) if k in kpis]
    if not keys:
        return ""
    bands = run.n_reps > 1
    rows = "".join(
        f'<tr data-kpi="{esc(k)}"><td>{esc(kpi_label(k)[0])}</td>{_kpi_cells(kpis, k, kpi_label(k)[1], bands)}</tr>'
        for k in keys
    )
    how = (
        _(
            "The middle (P50) of {n} replications, and the range {band}: {inside} of the {n} replications fall inside "
            "it (its ends are replications' own values). Each replication draws the uncertain inputs (costs, delays, "
            "demand) anew; the key results below have every figure, and the sections after them how each came about."
        ).format(n=run.n_reps, band=BAND, inside=replications_inside_band(run.n_reps))
        if bands
        else _("One replication: one possible outcome, not a median; run with --reps 10 or more for a range.")
    )
    head = cell_row(
        "th", (_("figure"), "P50" if bands else _("value")) + ((BAND,) if bands else ()), num=(1, 2)
    )
    return (
        f'<section id="glance"><h2>{esc(_("At a glance"))}</h2><p class="small">{esc(how)}</p>'
        f'<table class="kpis"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>'
    )


def uncertainty_section(run: RunData) -> str:
    """What varies between the replications: each uncertain input and the factors its replications drew
    (uncertainty_draws.csv). Why: the report's only word on the P10–P90 ranges was "runs with other draws", and a
    reader could not tell which inputs vary (report reader trial)."""
    d = run.draws
    if d is None or d.height == 0 or run.n_reps <= 1 or not {"path", "factor"} <= set(d.columns):
        return ""
    g = (
        d.group_by("path")
        .agg(pl.col("factor").min().alias("lo"), pl.col("factor").max().alias("hi"))
        .sort("path")
    )
    rows = "".join(
        f'<tr><td><code>{esc(p)}</code></td><td class="num">'
        f"{esc(_('×{lo} to ×{hi}').format(lo=F.number(lo, 2), hi=F.number(hi, 2)))}</td></tr>"
        for p, lo, hi in g.iter_rows()
    )
    intro = _(
        "The {band} ranges above come from these {n} inputs: each replication multiplies the scenario's value of "
        "each by a factor drawn from its range (the scenario's [uncertainty] section; a delay's median and 90th "
        "percentile together). The factors its {reps} replications drew are below, each replication's in "
        "uncertainty_draws.csv. Which of them drives a result: `dxsim sweep` over it, then `dxsim discover`."
    ).format(band=BAND, n=num(g.height), reps=num(run.n_reps))
    head = cell_row("th", (_("uncertain input"), _("factors drawn")), num=(1,))
    return (
        f'<h3>{esc(_("What is uncertain"))}</h3><p class="small">{esc(intro)}</p>'
        f'<table class="kpis"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def _year_end_table(kpis: dict[str, Any], keys: list[str], bands: bool) -> str:
    by_period: dict[dt.date, dict[str, str]] = {}
    for key in keys:
        match = YEAR_END_RE.match(key)
        assert match is not None  # the caller passes the keys YEAR_END_RE matches
        by_period.setdefault(dt.date(int(match.group(2)), int(match.group(3)), 1), {})[match.group(1)] = key
    metrics = [m for m in YEAR_END_COLUMNS if any(m in v for v in by_period.values())]
    head = (
        "<tr>"
        + cell_row(
            "th",
            (_("month end"), *[_(YEAR_END_COLUMNS[m][0]) for m in metrics]),
            num=tuple(range(1, len(metrics) + 1)),
        )
        + "</tr>"
    )
    rows = []
    for period in sorted(by_period):
        cells = []
        for m in metrics:
            k = by_period[period].get(m)
            if k is None:
                cells.append('<td class="num">–</td>')
                continue
            kind = YEAR_END_COLUMNS[m][1]
            txt = esc(fmt_value(kpis.get(k), kind))
            if bands and (f"{k}_p10" in kpis or f"{k}_p90" in kpis):
                txt += f'<br><span class="small">{esc(fmt_range(kpis.get(k + "_p10"), kpis.get(k + "_p90"), kind))}</span>'
            cells.append(f'<td class="num" data-kpi="{esc(k)}" title="{esc(k)}">{txt}</td>')
        rows.append(f"<tr><td>{esc(F.month(period))}</td>{''.join(cells)}</tr>")
    note = _("P50, with the {band} range below.").format(band=BAND) if bands else _("One replication.")
    h3, keys_txt = _("5G trajectory at each year end"), _("Keys:")
    return (
        f'<h3>{esc(h3)}</h3><p class="small">{esc(note)} {esc(keys_txt)} '
        f"<code>stations_5g_YYYY_MM</code>, <code>pop_covered_5g_pct_YYYY_MM</code>, "
        f"<code>capex_cum_vnd_bn_YYYY_MM</code>.</p>"
        f'<table class="trajectory"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
    )


def figure(c: Chart) -> str:
    return (
        f'<figure id="chart-{esc(c.key)}"><img src="{c.data_uri}" alt="{esc(c.alt)}" '
        f'width="{_png_size(c.png)[0]}" height="{_png_size(c.png)[1]}">'
        f"<figcaption>{esc(c.caption)}</figcaption></figure>"
    )


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _status_badge(status: str) -> str:
    s = (status or "").strip().lower()
    cls = s if s in CALIBRATION_STATUS else "other"
    return f'<span class="status status-{cls}">{esc(label_of(CALIBRATION_STATUS, s) if s in CALIBRATION_STATUS else (status or "–"))}</span>'


# the terms a planner meets in this report, with what they mean here (translated where shown)
REPORT_TERMS = (
    (
        N_("covered"),
        N_("a 5G (or 4G) signal reaches the person outdoors, by the 3GPP TR 38.901 link budget of the site"),
    ),
    (
        N_("served / capacity-short"),
        N_(
            "covered, and the cells' capacity still gives a user at the cell edge the scenario's served rate at the "
            "busy hour / covered, but not that rate"
        ),
    ),
    (N_("edge user"), N_("the 5th percentile of a cell's user rates (ITU-R M.2410's cell-edge user)")),
    (N_("busy hour"), N_("the day's busiest hour, whose traffic is a multiple of the average hour's")),
    (
        N_("P10 / P50 / P90"),
        N_("the 10th, 50th and 90th percentiles over the replications (runs with other draws)"),
    ),
    (
        N_("held site-days"),
        N_(
            "days sites waited, by cause (permits, kit, crews ...); likewise village-days and data-centre MW-days"
        ),
    ),
    (
        N_("surge"),
        N_("an operator ordering extra stations at a premium to reach a support threshold by its deadline"),
    ),
    (
        N_("Resolution 193"),
        N_(
            "National Assembly Resolution 193/2025/QH15: support for the 5G stations built within the window of the "
            "run's `subsidy` section (2025 by default)"
        ),
    ),
    (N_("NPV"), N_("net present value of a site's cash flows, the operators' business case for building it")),
    (
        N_("LEO"),
        N_(
            "low-earth-orbit satellite link that carries a village site's traffic where no fibre or microwave"
        ),
    ),
    (N_("IT MW / PUE"), N_("power for the servers of a data centre / facility power over IT power")),
    (N_("PPP"), N_("public-private partnership: the state's share of a data-centre project's capex")),
    (
        N_("BF16 PFLOPS / A100 equivalent"),
        N_(
            "dense 16-bit floating-point throughput, 10^15 operations a second / GPUs counted by that throughput"
        ),
    ),
)


def glossary() -> str:
    """A closed list of the report's terms (why: a reviewer met LEO, PFLOPS, PPP, "edge user" and "held site-days"
    with no word of what they mean)."""
    items = "".join(f"<dt>{esc(_(term))}</dt><dd>{esc(_(meaning))}</dd>" for term, meaning in REPORT_TERMS)
    return f'<details class="small"><summary>{esc(_("Terms used in this report"))}</summary><dl>{items}</dl></details>'


def plans_section(run: RunData) -> str:
    """The reported national plans and targets beside the model (plans.parquet, dxsim.calibration.plan_frame); ""
    when the run has none."""
    if run.plans is None or run.plans.height == 0:
        return ""
    body = []
    # P10-P90 under each P50 when the run has several replications (older plans.parquet files: replication 0 only)
    n_reps = int(cast(int, run.plans["replications"].max())) if "replications" in run.plans.columns else 1
    bands = n_reps > 1

    def month(day: dt.date | None) -> str:
        return F.month(day) if day is not None else _("not reached")

    for r in run.plans.iter_rows(named=True):
        kind = pgettext("kind", r["kind"]).replace(
            "_", " "
        )  # "lower bound" in English, as the vi catalogue has it
        decimals = 1 if r["metric"].endswith("_pct") else 0
        flow = "_added_" in r["metric"]  # a yearly addition: no month it is "reached"
        model = esc(
            fmt_number(r["model"], decimals)
            if r["model"] is not None
            else (_("partial year") if flow else _("outside the run"))
        )
        reached = esc("–" if flow else month(r["reached"]))
        if bands and r["model"] is not None:
            lo, hi = fmt_number(r["model_p10"], decimals), fmt_number(r["model_p90"], decimals)
            model += f'<br><span class="small">{esc(f"{lo} – {hi}")}</span>'
        if bands and not flow:
            band = f"{month(r['reached_p10'])} – {month(r['reached_p90'])}"
            reached += f'<br><span class="small">{esc(band)}</span>'
        body.append(
            f"<tr><td>{esc(label_of(PLAN_LABELS, r['metric']))}</td><td>{esc(kind)}</td>"
            f'<td>{esc(fmt_date(r["date"]))}</td><td class="num">{esc(fmt_number(r["planned"], decimals))}</td>'
            f'<td class="num">{model}</td><td>{reached}</td>{source_cell(r["source"])}</tr>'
        )
    cols = cell_row(
        "th",
        (
            _("plan or target"),
            _("kind"),
            _("by"),
            _("planned"),
            _("model then"),
            _("model reaches it"),
            _("source"),
        ),
        num=(3, 4),
    )
    intro = (
        _(
            "The plans and targets the reports set (geodata/observations.csv, kind forecast or target) beside the "
            "model: the P50 over the run's {n} replications of its value on the plan's date and of the month it "
            "reaches the planned value, with P10 – P90 below each. A yearly addition is the change over that calendar "
            "year; a year the run covers only in part has none. The calibration table below holds replication 0 "
            "beside the figures already reported."
        ).format(n=n_reps)
        if bands
        else _(
            "The plans and targets the reports set (geodata/observations.csv, kind forecast or target) beside the "
            "model: its value on the plan's date and the month it reaches the planned value, in the run's one "
            "replication. A yearly addition is the change over that calendar year; a year the run covers only in part "
            "has none. The calibration table below holds the model beside the figures already reported."
        )
    )
    title = _("Plans and targets beside the model")
    if run.plans["kind"].is_in(list(LATER_KINDS)).any():  # figures reported after the start are listed too
        title = _("Plans, targets and later reports beside the model")
        intro += " " + _(
            "With them, the national figures reported after the run's start (kind observed, lower bound or upper "
            "bound; 'planned' is then the reported value) beside the model at their dates: where the run starts off "
            "what was reported later. `dxsim backtest` judges them."
        )
    return (
        f'<h3>{esc(title)}</h3><p class="small">{esc(intro)}</p>'
        f'<table class="plans"><thead><tr>{cols}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def replications_inside_band(n: int) -> int:
    """How many of n replications lie inside P10-P90 when each is the empirical ('inverted_cdf') quantile, the sorted
    values' ceil(p n)-th, and no two are equal: ceil(0.9 n) - ceil(0.1 n) + 1 (9 of 10, 17 of 20). Why: the report
    said "eight in ten" beside 10 replications, where 9 fall inside (operator trial)."""
    return math.ceil(0.9 * n - 1e-9) - math.ceil(0.1 * n - 1e-9) + 1


def support_section(run: RunData) -> str:
    """Why 5G support paid what it did: for each programme and operator, in how many replications it was paid and
    what each replication's deciding move was (support_decisions.csv, dxsim.results.decisions.support_outcome_lines).
    Why: the section gave the P50 paid beside replication 0's reasons alone, "2,438 bn paid ... Viettel: not worth
    it", when Viettel was paid in 4 of 10 replications (operator trial)."""
    d = run.decisions
    if d is None or d.height == 0:
        return ""
    paid = (run.summary.get("kpis") or {}).get("subsidy_paid_total_vnd_bn")
    items = "".join(f"<li>{esc(line)}</li>" for line in support_outcome_lines(d))
    n = d["replication"].n_unique()
    intro = (
        _(
            "5G support paid: {paid} VND bn (P50 over the replications). Who was paid, in how many of the {n} "
            "replications, and each operator's deciding move on each programme with a station threshold (its last "
            "chance to surge, or the day it qualified anyway; support_decisions.csv):"
        )
        if n > 1
        else _(
            "5G support paid: {paid} VND bn in the run's one replication. Who was paid, and each operator's deciding "
            "move on each programme with a station threshold (its last chance to surge, or the day it qualified "
            "anyway; support_decisions.csv):"
        )
    ).format(paid=fmt_number(paid, 1), n=n)
    return f'<h3>{esc(_("Support programmes"))}</h3><p class="small">{esc(intro)}</p><ul class="small">{items}</ul>'


def calibration_section(run: RunData) -> str:
    rows = run.calibration
    if rows is None:
        return small(_("No calibration.csv in this run directory."))
    if not rows:
        return small(_("calibration.csv has no rows."))
    counts: dict[str, int] = {}
    body, constructed, tolerances = [], [], []
    for r in rows:
        status = r.get("status", "")
        counts[status] = counts.get(status, 0) + 1
        if r.get("tolerance_basis"):
            tolerances.append(
                f"<li>{esc(r.get(f'label_{language()}') or r.get('figure', ''))}: {esc(_(r['tolerance_basis']))}</li>"
            )
        if status in ("fitted", "input") and r.get("basis_note"):  # met by construction: say what set it
            constructed.append(
                f"<li>{esc(r.get(f'label_{language()}') or r.get('figure', ''))}: {esc(_(r['basis_note']))}</li>"
            )
        upper = str(r.get("upper_bound", "")).strip().lower() in ("true", "1", "yes")
        rep = as_float(r.get("reported"))
        tol = as_float(r.get("tolerance"))
        rep_txt = ("< " if upper else "") + fmt_number(rep) if math.isfinite(rep) else "–"
        tol_txt = (
            _("≤ reported")
            if upper and not math.isfinite(tol)
            else ("±" + fmt_number(tol) if math.isfinite(tol) else "–")
        )
        body.append(
            f'<tr><td>{esc(r.get(f"label_{language()}") or r.get("figure", ""))}</td><td class="num">{esc(rep_txt)}</td>'
            f'<td class="num">{esc(fmt_number(as_float(r.get("model"))))}</td><td class="num">{esc(tol_txt)}</td>'
            f"<td>{esc(unit_label(r.get('unit', '')))}</td><td>{_status_badge(status)}</td>"
            f"{source_cell(r.get('source', ''))}</tr>"
        )
    summary = ", ".join(
        f"{n} {label_of(CALIBRATION_STATUS, s) if s in CALIBRATION_STATUS else (s or '–')}"
        for s, n in sorted(counts.items())
    )
    intro = _(
        'Model beside every reported figure, with its tolerance ({counts}). "pass" = within tolerance; '
        '"info" = shown for context, not a target.'
    ).format(counts=summary)
    intro += " " + _(
        "The model column is replication 0; the KPI tables above give the P50 over the replications."
    )
    cols = cell_row(
        "th",
        (_("figure"), _("reported"), _("model"), _("tolerance"), _("unit"), _("status"), _("source")),
        num=(1, 2, 3),
    )
    note = (
        f'<p class="small">{esc(_(BY_CONSTRUCTION_NOTE))}</p><ul class="small">{"".join(constructed)}</ul>'
        if constructed
        else ""
    )
    if tolerances:
        note += f'<p class="small">{esc(_("Why each tolerance:"))}</p><ul class="small">{"".join(tolerances)}</ul>'

    return (
        f'<p class="small">{esc(intro)}</p>'
        f'<table class="calibration"><thead><tr>{cols}'
        f"</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"
    )


def _col(df: pl.DataFrame, name: str, default: object = None) -> list[Any]:
    return df[name].to_list() if name in df.columns else [default] * df.height


def villages_section(run: RunData) -> str:
    v = run.villages
    if v is None:
        return small(_("No villages.parquet: the village programme is not modelled in this run."))
    if v.height == 0:
        return small(_("villages.parquet has no rows."))
    status = [s or "–" for s in _col(v, "status", "–")]
    options = [option_label(p, b) for p, b in zip(_col(v, "power"), _col(v, "backhaul"))]
    pop = [x or 0 for x in _col(v, "population", 0)]
    capex = [x if x is not None and math.isfinite(x) else 0.0 for x in _col(v, "capex_vnd_bn", 0.0)]
    line_km = _col(v, "grid_line_km", None)
    statuses = sorted(set(status), key=lambda s: (s != "connected", s))
    # most villages first, ties by label: a set's order follows the string hash, which differs per process, and the
    # page `dxsim report` rebuilt then differed from the run's in the order of two one-village options
    opts = sorted(set(options), key=lambda o: (-options.count(o), o))
    texts = (
        _("option (power + backhaul)"),
        _("villages"),
        *[label_of(VILLAGE_STATUS, s) for s in statuses],
        _("people"),
        _("option capex (VND bn)"),
        _("mean grid line (km)"),
    )
    head = "<tr>" + cell_row("th", texts, num=tuple(range(1, len(texts)))) + "</tr>"
    rows = []
    for o in opts:
        idx = [i for i, x in enumerate(options) if x == o]
        km = [
            line_km[i] for i in idx if line_km[i] is not None and math.isfinite(line_km[i]) and line_km[i] > 0
        ]
        rows.append(
            f'<tr><td>{esc(o)}</td><td class="num">{num(len(idx))}</td>'
            + "".join(f'<td class="num">{num(sum(1 for i in idx if status[i] == s))}</td>' for s in statuses)
            + f'<td class="num">{num(sum(pop[i] for i in idx))}</td>'
            f'<td class="num">{esc(fmt_value(sum(capex[i] for i in idx), "money"))}</td>'
            f'<td class="num">{esc(fmt_number(sum(km) / len(km), 1) if km else "–")}</td></tr>'
        )
    rows.append(
        "<tr>"
        + cell_row("th", (_("all villages"),))
        + f'<th class="num">{num(v.height)}</th>'
        + "".join(f'<th class="num">{num(status.count(s))}</th>' for s in statuses)
        + f'<th class="num">{num(sum(pop))}</th><th class="num">{esc(fmt_value(sum(capex), "money"))}</th><th></th></tr>'
    )
    synth = sum(1 for s in _col(v, "synthetic", False) if s)
    status_note = _(
        "Status is replication 0 at the end of the horizon; the option is the policy's choice per "
        "village (villages.parquet)."
    )
    parts = [
        f'<p class="small">{esc(_subset_note(v, synth))} {esc(status_note)}</p>',
        f'<table class="villages-summary"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>',
        *(f'<p class="small">{esc(line)}</p>' for line in bridged_villages_lines(v)),
    ]
    parts.append(_named_villages(v))
    return "\n".join(parts)


def _subset_note(v: pl.DataFrame, synth: int) -> str:
    """'N villages (S synthetic): the coverage holes, A without grid power at the start, B with grid power but no
    or patchy signal.' (without the split for a table without the has_grid_power column: a run before the
    national layer)."""
    if "has_grid_power" not in v.columns:
        return _("{n} villages ({synth} synthetic).").format(n=num(v.height), synth=num(synth))
    with_power = sum(1 for x in v["has_grid_power"].to_list() if x)
    return _(
        "{n} villages ({synth} synthetic): the coverage holes, {no_power} without grid power at the start "
        "(the no-power subset) and {with_power} with grid power but no or patchy signal."
    ).format(
        n=num(v.height), synth=num(synth), no_power=num(v.height - with_power), with_power=num(with_power)
    )


def _named_villages(v: pl.DataFrame) -> str:
    names = _col(v, "name", "")
    idx = [i for i, n in enumerate(names) if n]
    if not idx:
        return ""
    has_q = "connected_date_p50" in v.columns
    cols = {
        c: _col(v, c)
        for c in (
            "village_id",
            "province",
            "commune",
            "population",
            "power",
            "backhaul",
            "status",
            "connected_date",
            "connected_date_p10",
            "connected_date_p50",
            "connected_date_p90",
            "reason",
        )
    }
    texts = (
        _("village"),
        _("province"),
        _("commune"),
        _("people"),
        _("option"),
        _("status"),
        _("connected (rep. 0)"),
        *([_("connected P50 ({band})").format(band=BAND)] if has_q else []),
        _("why this option"),
    )
    head = "<tr>" + cell_row("th", texts, num=(3, 6, 7) if has_q else (3, 6)) + "</tr>"
    rows = []
    for i in idx:
        q = ""
        if has_q:
            q = (
                f'<td class="num">{esc(fmt_date(cols["connected_date_p50"][i]))}<br><span class="small">'
                f"{esc(fmt_date(cols['connected_date_p10'][i]))} – {esc(fmt_date(cols['connected_date_p90'][i]))}"
                "</span></td>"
            )
        pop = cols["population"][i]
        rows.append(
            f'<tr><td>{esc(names[i])} <span class="key">{esc(cols["village_id"][i] or "")}</span></td>'
            f"<td>{esc(cols['province'][i] or '')}</td><td>{esc(cols['commune'][i] or '')}</td>"
            f'<td class="num">{esc(fmt_number(pop) if pop is not None else "–")}</td>'
            f"<td>{esc(option_label(cols['power'][i], cols['backhaul'][i]))}</td>"
            f'<td>{esc(label_of(VILLAGE_STATUS, cols["status"][i]) or "–")}</td><td class="num">{esc(fmt_date(cols["connected_date"][i]))}</td>'
            f'{q}<td class="small">{esc(cols["reason"][i] or "")}</td></tr>'
        )
    summary = _("Named villages ({n}): option, status and connection date").format(n=num(len(idx)))
    return (
        f"<details><summary>{esc(summary)}</summary>"
        f'<table class="named-villages"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></details>'
    )


def _start_to_end(start: float | None, end: float | None, decimals: int) -> str:
    """'start → end' of a province's column (one value when both are equal, '–' for a missing one)."""
    a, b = (F.MISSING if v is None or math.isnan(v) else num(v, decimals) for v in (start, end))
    return b if a == b else f"{a} → {b}"


def province_years_section(run: RunData, out: Path, codes: Sequence[str]) -> str:
    """Each province asked for (`dxsim run --province`, `dxsim report --province`) at every year end: the P50s the
    terminal table of `run --province`, the workbook's "Provinces by year" and results.gpkg give it, and the link that
    opens the run's map on it.

    Why: `run --province 10` printed the province's years in the terminal only; the report, the page that is passed
    around, showed it among 34 provinces at the start and the end (provincial trial)."""
    if not codes:
        return ""
    names = run.provinces.names if run.provinces is not None else {}
    former = province_former(run.result_dir) if (run.result_dir / "provinces.geojson").is_file() else {}
    years = province_year_table(scan_metrics(run.result_dir))
    how = _("P50 over {n} replications").format(n=num(run.n_reps)) if run.n_reps > 1 else _("one run")
    parts: list[str] = []
    for code in codes:
        name = names.get(code, code)
        title = _("{province} ({code}), year ends ({how})").format(province=name, code=code, how=how)
        parts.append(f'<h3 id="province-{esc(code)}">{esc(title)}</h3>')
        # asked for as Hà Giang, shown as Tuyên Quang: the page says why (provincial trial)
        if former.get(code):
            parts.append(
                small(
                    _("Since the 2025 merger (Resolution 202/2025/QH15) {name34} includes {former}.").format(
                        name34=name, former=former[code]
                    )
                )
            )
        view = province_years(years, code)
        if view is None:
            parts.append(small(_("This run has no rows for province {code}.").format(code=code)))
            continue
        cols = view.columns
        head = (
            "<tr>"
            + cell_row(
                "th", (_("year end"), *[_(h) for _m, h, _d in cols]), num=tuple(range(1, len(cols) + 1))
            )
            + "</tr>"
        )
        rows = [
            "<tr>"
            + cell_row(
                "td",
                (F.month(r["date"]), *(F.number(r.get(m), d) for m, _h, d in cols)),
                num=tuple(range(1, len(cols) + 1)),
            )
            + "</tr>"
            for r in view.wide.iter_rows(named=True)
        ]
        parts.append(
            f'<table class="province-years" data-area="{esc(code)}"><thead>{head}</thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        parts += [small(note) for note in view.notes]
        if run.n_reps > 1:
            parts.append(small(_(CELLS_OWN_P50)))
        held = province_held_line(run.villages, code, name) if run.villages is not None else None
        if held:  # what held its villages, as `run --province` says it
            parts.append(small(held))
        if run.has_map:
            rel = os.path.relpath((run.result_dir / "map.html").resolve(), out.resolve().parent)
            href = "/".join(rel.split(os.sep)) + "#" + code
            parts.append(
                f'<p><a href="{esc(quote(href, safe="/#"))}">{esc(_("Open the map on {province}").format(province=name))}</a></p>'
            )
    return "".join(parts)


def provinces_section(run: RunData) -> str:
    """Every province at the start and at the end, most people without 5G at the end first, and the country below.

    Why: a provincial planner found the province only in the workbook, the GeoPackage and the map; the report, the
    page that is passed around, had no province in it (provincial trial)."""
    p = run.provinces
    if p is None:
        return small(_("No per-province metrics in this run (metrics.parquet has no province rows)."))
    values = {(a, d, m): v for a, d, m, v in p.p50.iter_rows()}

    def at(area: str, metric: str, day: dt.date) -> float | None:
        return values.get((area, day, metric))

    areas = sorted({a for a, _d, _m in values})
    notes: list[str] = []
    # 5G served is 5G coverage wherever no one is 5G capacity-short (the baseline): one column says it, and a note
    same_5g = all(
        at(a, "pop_5g_served_pct", d) == at(a, "pop_covered_5g_pct", d)
        for a in areas
        for d in (p.start, p.end)
    )
    if same_5g and any(m == "pop_5g_served_pct" for _a, _d, m in values):
        notes.append(
            _(
                "5G served equals 5G coverage in every province: no one covered by 5G is capacity-short, so one column."
            )
        )
    cols = [
        (m, h, d)
        for m, h, d in PROVINCE_COLUMNS
        if m in PROVINCE_LEVELS
        and any(k == m for _a, _d, k in values)
        and not (same_5g and m == "pop_5g_served_pct")
    ]
    mbb_falls = [
        a
        for a in areas
        if (mbb0 := at(a, "pop_mbb_served_pct", p.start)) is not None
        and (mbb1 := at(a, "pop_mbb_served_pct", p.end)) is not None
        and mbb1 < mbb0 - 0.05
    ]
    if mbb_falls:
        notes.append(
            _(
                "4G-or-better served falls in {n} provinces: busy-hour demand grows and the people on 4G (no 5G "
                "device, or outside their own operator's 5G) share a 4G layer the model holds as at the start (no 4G "
                "carriers are added, and no 4G sites but the remote villages' own)."
            ).format(n=num(len(mbb_falls)))
        )

    def without_5g(area: str) -> float:
        share = at(area, "pop_5g_uncovered_pct", p.end)
        return p.people.get(area, math.nan) * share / 100.0 if share is not None else math.nan

    areas.sort(
        key=lambda a: (-without_5g(a) if not math.isnan(without_5g(a)) else math.inf, p.names.get(a, a))
    )
    numeric = tuple(range(1, len(cols) + 3))
    head = (
        "<tr>"
        + cell_row(
            "th",
            (_("province"), _("people"), _("people without 5G, end"), *[_(h) for _m, h, _d in cols]),
            num=numeric,
        )
        + "</tr>"
    )

    def cell(a: str, m: str, d: int) -> str:
        text = esc(_start_to_end(at(a, m, p.start), at(a, m, p.end), d))
        band = p.band_end.get((a, m))
        if band is not None and band[0] != band[1]:  # the end's P10-P90, as the KPI table shows a KPI's
            text += f'<br><span class="small">{esc(num(band[0], d))}–{esc(num(band[1], d))}</span>'
        return f'<td class="num">{text}</td>'

    rows = [
        f'<tr data-area="{esc(a)}"><td>{esc(p.names.get(a, a))} <span class="key">{esc(a)}</span></td>'
        f'<td class="num">{esc(num(p.people.get(a)))}</td><td class="num">{esc(num(without_5g(a)))}</td>'
        + "".join(cell(a, m, d) for m, _h, d in cols)
        + "</tr>"
        for a in areas
    ]
    people = sum(v for v in p.people.values() if not math.isnan(v))
    cover = run.series.get("pop_covered_5g_pct")
    national_without = people * (100.0 - float(cover.p50[-1])) / 100.0 if cover is not None else math.nan
    national = []
    for m, _h, d in cols:
        series = run.series.get(m)
        first, last = (float(series.p50[0]), float(series.p50[-1])) if series is not None else (None, None)
        national.append(_start_to_end(first, last, d))
    rows.append(
        "<tr>"
        + cell_row("th", (NATIONAL_NAME, num(people), num(national_without), *national), num=numeric)
        + "</tr>"
    )
    how = (
        _(
            "The P50 over {n} replications, each cell taken on its own, as the workbook's Provinces by year sheet "
            "(from the first year end) and results.gpkg's provinces layer give them, with the end's {band} range "
            "below; the last row is the country's own P50, not the sum of the rows."
        ).format(n=num(run.n_reps), band=BAND)
        if run.n_reps > 1
        else _("The run's one replication; the last row is the country.")
    )
    lead = _(
        "Each province at the start ({start}) and at the end ({end}) of the run, as start → end; the provinces with "
        "the most people outside 5G coverage at the end come first."
    ).format(start=F.month(p.start), end=F.month(p.end))
    people_note = _(
        "People: the run's population grid, WorldPop 2020 at 1 km with each province scaled to its 2019 census share "
        "of the GSO 2024 total (101.3 million); the shares leave out the growth since 2019."
    )
    before, _mark, after = _(
        "Every year end: the workbook's Provinces by year sheet, or {command} for one province; the map colours them."
    ).partition("{command}")
    more = f"{esc(before)}<code>dxsim run SCENARIO --province NAME</code>{esc(after)}"
    return (
        f'<p class="small">{esc(lead)} {esc(how)} {more}</p>'
        f'<table class="provinces"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
        + "".join(small(n) for n in [*notes, people_note])
    )


def dc_province_rows(run: RunData) -> list[tuple[str, float, float, float, float, int, int]]:
    """(province, IT MW start, IT MW end, facility MW end, GPUs end, sites operating at end, sites) by province."""
    d = run.datacentres
    if d is None or d.height == 0 or "province" not in d.columns:
        return []

    def num(c: str) -> pl.Expr:
        return pl.col(c).fill_nan(0.0).fill_null(0.0) if c in d.columns else pl.lit(0.0)

    g = (
        d.with_columns(pl.col("province").fill_null("–"))
        .group_by("province")
        .agg(
            num("start_it_mw").sum().alias("start"),
            num("it_mw_end").sum().alias("end"),
            num("facility_power_mw_end").sum().alias("fac"),
            num("gpus_end").sum().alias("gpus"),
            (num("it_mw_end") > 0).sum().alias("operating"),
            pl.len().alias("n"),
        )
        .sort(["end", "province"], descending=[True, False])
    )
    return [
        (r["province"], r["start"], r["end"], r["fac"], r["gpus"], int(r["operating"]), int(r["n"]))
        for r in g.iter_rows(named=True)
    ]


def datacentres_section(run: RunData, prov: list[tuple[str, float, float, float, float, int, int]]) -> str:
    d = run.datacentres
    if d is None:
        return small(_("No datacentres.parquet: data centres are not modelled in this run."))
    if not prov:
        return small(_("datacentres.parquet has no rows."))
    head = (
        "<tr>"
        + cell_row(
            "th",
            (
                _("province"),
                _("IT MW, start"),
                _("IT MW, end"),
                _("facility MW, end"),
                _("GPUs, end"),
                _("sites in service, end"),
                _("sites and projects"),
            ),
            num=(1, 2, 3, 4, 5, 6),
        )
        + "</tr>"
    )
    rows = [
        f'<tr><td>{esc(p)}</td><td class="num">{esc(fmt_value(s, "mw"))}</td>'
        f'<td class="num">{esc(fmt_value(e, "mw"))}</td><td class="num">{esc(fmt_value(f, "mw"))}</td>'
        f'<td class="num">{num(g)}</td><td class="num">{num(o)}</td><td class="num">{num(n)}</td></tr>'
        for p, s, e, f, g, o, n in prov
    ]
    tot = [sum(cast(float, r[i]) for r in prov) for i in range(1, 7)]  # the numeric columns
    rows.append(
        "<tr>" + cell_row("th", (_("all"),)) + f'<th class="num">{esc(fmt_value(tot[0], "mw"))}</th>'
        f'<th class="num">{esc(fmt_value(tot[1], "mw"))}</th><th class="num">{esc(fmt_value(tot[2], "mw"))}</th>'
        f'<th class="num">{num(tot[3])}</th><th class="num">{num(int(tot[4]))}</th>'
        f'<th class="num">{num(int(tot[5]))}</th></tr>'
    )
    synth = sum(1 for s in _col(d, "synthetic", False) if s)
    note = (
        _(
            "Replication 0's end state from datacentres.parquet ({n} sites and projects, {synth} synthetic); the KPI "
            "table above gives the P50 across replications."
        )
        if run.n_reps > 1
        else _("The run's end state from datacentres.parquet ({n} sites and projects, {synth} synthetic).")
    ).format(n=num(d.height), synth=num(synth))
    kpis = run.summary.get("kpis") or {}
    p50 = kpis.get("dc_it_capacity_mw_end")
    if run.n_reps > 1 and p50 is not None:
        # where this one run sits: its 818 MW in the table and the charts read as the result beside a P50 of 670 MW
        # (report reader trial)
        note += " " + _(
            "Its total, {total} MW of IT capacity at the end, is one possible outcome: the P50 is {p50} MW, the "
            "{band} range {range} MW."
        ).format(
            total=fmt_value(tot[1], "mw"),
            p50=fmt_value(p50, "mw"),
            band=BAND,
            range=fmt_range(
                kpis.get("dc_it_capacity_mw_end_p10"), kpis.get("dc_it_capacity_mw_end_p90"), "mw"
            ),
        )
    out = [
        f'<p class="small">{esc(note)}</p>',
        f'<table class="dc-provinces"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>',
    ]
    start = _start_fleet_note(d)
    if start:
        out.append(f'<p class="small">{esc(start)}</p>')
    out.append(_projects(d))
    return "\n".join(out)


def _start_fleet_note(d: pl.DataFrame) -> str:
    """The start IT MW reconciled with the end-2024 fleet the reports give: what was in service by 2024-12-31, and the
    sites opened after it up to the start, by name. Why: the report showed 215 MW at the start beside the reported
    182 MW (45 data centres, end-2024) and no word of the 33 MW opened in 2025."""
    if not {"opened", "start_it_mw", "name"} <= set(d.columns):
        return ""
    live = d.filter(pl.col("start_it_mw") > 0)
    end_2024 = dt.date(2024, 12, 31)
    before = live.filter(pl.col("opened").is_null() | (pl.col("opened") <= end_2024))
    after = live.filter(pl.col("opened") > end_2024).sort("opened")
    if after.height == 0:
        return ""
    names = "; ".join(
        f"{r['name']} {fmt_value(r['start_it_mw'], 'mw')} MW ({F.date(r['opened'])})"
        for r in after.iter_rows(named=True)
    )
    return _(
        "IT MW at the start: {start} MW = {base} MW in service by the end of 2024 ({n} sites; the reports' end-2024 "
        "fleet, completed with synthetic sites to its totals) + {added} MW opened since: {names}."
    ).format(
        start=num(float(live["start_it_mw"].sum()), 1),  # one decimal each, so the parts add up as shown
        base=num(float(before["start_it_mw"].sum()), 1),
        n=num(before.height),
        added=num(float(after["start_it_mw"].sum()), 1),
        names=names,
    )


def _projects(d: pl.DataFrame) -> str:
    if "kind" in d.columns:
        p = d.filter(pl.col("kind").is_in(["project", "state"]))
    elif "status" in d.columns:
        p = d.filter(pl.col("status") != "operational")
    else:
        return ""
    if p.height == 0:
        return ""
    c = {
        k: _col(p, k)
        for k in (
            "name",
            "operator",
            "province",
            "status",
            "cooling",
            "it_mw_design",
            "it_mw_end",
            "went_ahead",
            "phases_commissioned",
            "first_phase_date",
            "last_phase_date",
            "source",
        )
    }
    rows = []
    for i in range(p.height):
        went = c["went_ahead"][i]
        rows.append(
            f"<tr><td>{esc(c['name'][i] or '')}</td><td>{esc(c['operator'][i] or '')}</td>"
            f"<td>{esc(c['province'][i] or '')}</td><td>{esc(label_of(DC_STATUS, c['status'][i]))}</td>"
            f"<td>{esc(label_of(COOLING, c['cooling'][i]))}</td>"
            f'<td class="num">{esc(fmt_value(c["it_mw_design"][i], "mw"))}</td>'
            + cell_row("td", (_("yes") if went else (_("no") if went is not None else "–"),))
            + f'<td class="num">{esc(fmt_number(c["phases_commissioned"][i]))}</td>'
            f'<td class="num">{esc(fmt_date(c["first_phase_date"][i]))}</td>'
            f'<td class="num">{esc(fmt_value(c["it_mw_end"][i], "mw"))}</td>'
            f"{source_cell(c['source'][i])}</tr>"
        )
    summary = _(
        "Projects in the pipeline ({n}): went ahead, phases commissioned, MW at the end (replication 0)"
    ).format(n=num(p.height))
    cols = cell_row(
        "th",
        (
            _("project"),
            _("operator"),
            _("province"),
            _("status"),
            _("cooling"),
            _("design IT MW"),
            _("went ahead"),
            _("phases"),
            _("first phase"),
            _("IT MW, end"),
            _("source"),
        ),
        num=(5, 7, 8, 9),
    )
    return (
        f"<details><summary>{esc(summary)}</summary>"
        f'<table class="dc-projects"><thead><tr>{cols}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _synthetic_notice(run: RunData) -> str:
    srcs = run.summary.get("data_sources") or []
    synth = [s.get("name", "") for s in srcs if isinstance(s, dict) and s.get("synthetic")]
    extra = synthetic_counts(run.summary, run.villages, run.datacentres)
    items = "".join(f"<li>{esc(n)}</li>" for n in synth)
    headline = _("Synthetic data — model projections, not observations.")
    parts = [f'<div class="notice" role="note"><strong>{esc(headline)}</strong> ']
    if synth:
        # the sentence's one bold word: split on a marker the translation keeps
        before, _mark, after = _(
            "Parts of the input are *synthetic* (generated by a seeded procedure, not observed):"
        ).partition("*")
        word, _mark, after = after.partition("*")
        parts.append(f"{esc(before)}<strong>{esc(word)}</strong>{esc(after)}<ul>{items}</ul>")
    if extra:
        parts.append(esc(_("Synthetic in this run: {list}.").format(list="; ".join(extra))) + " ")
    parts.append(
        esc(
            _(
                "Individual synthetic sites, villages and data centres are placeholders, not real locations; "
                "read national and provincial totals, and compare scenarios run with the same seed."
            )
        )
        + "</div>"
    )
    return "".join(parts)


def provenance_section(run: RunData) -> str:
    s = run.summary
    h = s.get("horizon") or {}
    horizon = (
        _("{start} to {end}").format(start=_day(h.get("start_date", "?")), end=_day(h.get("end_date", "?")))
        if isinstance(h, dict)
        else str(h)
    )
    items = [
        (_("scenario"), s.get("scenario"), False),
        (_("scenario file"), s.get("scenario_file"), False),
        (_("scenario SHA-256 (merged)"), s.get("scenario_sha256"), True),
        (_("seed"), s.get("seed"), False),
        (_("replications"), s.get("reps"), False),
        (_("horizon"), horizon, False),
        (_("dxsim version"), s.get("dxsim_version"), False),
        (_("dxsim code SHA-256"), s.get("dxsim_code_sha256"), True),
    ]
    dl = "".join(
        f"<dt>{esc(k)}</dt><dd>{'<code>' + esc(v) + '</code>' if code else esc(v)}</dd>"
        for k, v, code in items
        if v is not None
    )
    desc = ""
    if run.description:
        where = _("(from {file} as it is now; the run used the file with the SHA-256 above)").format(
            file=run.description_from
        )
        desc = (
            "<p>" + cell_row("strong", (_("Description"),)) + f' <span class="small">{esc(where)}</span>: '
            f"{esc(run.description)}</p>"
        )
    return f'<dl class="meta">{dl}</dl>{desc}'


def _day(v: object) -> str:
    """An ISO day from summary.json ('2025-12-31') in the language's form; anything else as written."""
    try:
        return fmt_date(dt.date.fromisoformat(str(v)))
    except ValueError:
        return str(v)


def sources_section(run: RunData) -> str:
    srcs = [x for x in (run.summary.get("data_sources") or []) if isinstance(x, dict)]
    if not srcs:
        return small(_("summary.json lists no data sources."))
    synthetic, no = _("synthetic"), _("no")
    synth = f'<span class="yes">{esc(synthetic)}</span>'
    rows = "".join(
        f"<tr>{_cited_cell(x.get('name', ''), 'td')}<td>{esc(x.get('licence', ''))}</td>"
        f"<td>{synth if x.get('synthetic') else esc(no)}</td></tr>"
        for x in srcs
    )
    head = cell_row("th", (_("data source"), _("licence"), synthetic))
    return f'<table class="sources"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def map_section(run: RunData, out: Path) -> str:
    if not run.has_map:
        before, _mark, after = _(
            "No map.html in this run directory (run without {option} to get one)."
        ).partition("{option}")
        return f'<p class="small">{esc(before)}<code>--no-map</code>{esc(after)}</p>'
    rel = os.path.relpath((run.result_dir / "map.html").resolve(), out.resolve().parent)
    href = "/".join(rel.split(os.sep))
    link, where = _("Open the interactive map"), _("(map.html in the same run directory; works offline)")
    return f'<p><a href="{esc(quote(href))}">{esc(link)}</a> <span class="small">{esc(where)}</span></p>'


# ---------------------------------------------------------------- page


def report_chart_jobs(run: RunData) -> list[ChartJob]:
    """The report's charts, still to be drawn, in page order (:func:`dxsim.report.charts.chart_jobs`)."""
    return chart_jobs(run, [(p, a, b) for p, a, b, *_ in dc_province_rows(run)] or None)


def render(
    run: RunData,
    out: Path,
    folder_name: str | None = None,
    charts: list[Chart] | None = None,
    provinces: Sequence[str] = (),
) -> str:
    """The page. `charts`: the report's charts already drawn (in page order), e.g. shared with a helper process.
    `provinces`: gso34 codes shown at every year end at the top of the provinces section."""
    s = run.summary
    name = s.get("scenario") or run.result_dir.name
    prov = dc_province_rows(run)
    if charts is None:
        charts = build_charts(run, [(p, a, b) for p, a, b, *_ in prov] or None)
    by_section: dict[str, list[Chart]] = {}
    for c in charts:
        by_section.setdefault(c.section, []).append(c)

    def figs(section: str) -> str:
        return "\n".join(figure(c) for c in by_section.get(section, []))

    reps_txt = _("{n} replications").format(n=num(run.n_reps)) if run.n_reps > 1 else _("1 replication")
    nav = "".join(
        f'<a href="#{a}">{esc(t)}</a>'
        for a, t in (
            ("provenance", _("Scenario")),
            ("kpis", _("KPIs")),
            ("rollout", "5G"),
            ("provinces", _("Provinces")),
            ("villages", _("Villages")),
            ("compute", _("Data centres and GPUs")),
            ("calibration", _("Calibration")),
            ("sources", _("Data sources")),
            ("map", _("Map")),
        )
    )
    title = _("dxsim report: {name}").format(name=name)
    lead = _("Vietnam digital-infrastructure projection · seed {seed} · {reps} · dxsim {version}").format(
        seed=s.get("seed"), reps=reps_txt, version=s.get("dxsim_version")
    )
    files = ", ".join(
        _("{name} ({size} bytes, sha256 {sha}…)").format(name=n, size=num(b), sha=h) for n, b, h in run.files
    )
    before, _mark, after = _(
        "Built by {module} from the files of run directory {folder} only: {files}."
    ).partition("{module}")
    mid, _mark, after = after.partition("{folder}")
    after = after.format(files=files)
    footer = (
        f"{esc(before)}<code>dxsim.report</code>{esc(mid)}<code>{esc(folder_name or run.result_dir.name)}"
        f"</code>{esc(after)}\n" + esc(_("Self-contained: no scripts, fonts or network requests."))
    )
    no_5g = small(_("No 5G metrics in this run."))
    h2 = {
        k: esc(t)
        for k, t in (
            ("provenance", _("Scenario and provenance")),
            ("kpis", _("Key results")),
            ("rollout", _("5G rollout")),
            ("provinces", _("Provinces")),
            ("villages", _("Remote villages")),
            ("compute", _("Data centres and GPUs")),
            ("calibration", _("Calibration")),
            ("sources", _("Data sources and licences")),
            ("map", _("Map")),
        )
    }
    body = f"""
<main>
<header>
<h1>{esc(title)}</h1>
<p class="lead">{esc(lead)}</p>
<nav>{nav}</nav>
</header>
{glance_section(run)}
{_synthetic_notice(run)}
<section id="provenance"><h2>{h2["provenance"]}</h2>{provenance_section(run)}{glossary()}</section>
<section id="kpis"><h2>{h2["kpis"]}</h2>{plans_section(run)}{kpi_section(run)}{uncertainty_section(run)}</section>
<section id="rollout"><h2>{h2["rollout"]}</h2>{figs("5g") or no_5g}{support_section(run)}</section>
<section id="provinces"><h2>{h2["provinces"]}</h2>{province_years_section(run, out, provinces)}{provinces_section(run)}</section>
<section id="villages"><h2>{h2["villages"]}</h2>{figs("villages")}{villages_section(run)}</section>
<section id="compute"><h2>{h2["compute"]}</h2>{figs("compute")}{datacentres_section(run, prov)}</section>
<section id="calibration"><h2>{h2["calibration"]}</h2>{calibration_section(run)}</section>
<section id="sources"><h2>{h2["sources"]}</h2>{sources_section(run)}</section>
<section id="map"><h2>{h2["map"]}</h2>{map_section(run, out)}</section>
<footer>{footer}</footer>
</main>"""
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return (
        f'<!DOCTYPE html>\n<html lang="{language()}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta {GENERATOR_MARK} {esc(__version__)}">\n'
        f'<meta name="{PAGE_KIND_META}" content="report">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>{body}\n</body>\n</html>\n"
    )


def build_report(
    result_dir: Path,
    out: Path | None = None,
    folder_name: str | None = None,
    charts: list[Chart] | None = None,
    provinces: Sequence[str] = (),
) -> Path:
    """Write a self-contained `report.html` for a run's output directory; returns its path.

    Reads only the run's files (summary.json, metrics.parquet, calibration.csv, villages.parquet,
    datacentres.parquet, map.html). `out` defaults to `<result_dir>/report.html`; it is written to a
    temporary file in the same directory and renamed into place, so a reader never sees half a report.
    `folder_name` is the name the folder will have once it is in place (the runner builds the report
    in a hidden temporary folder). `charts`: drawn beforehand (:func:`report_chart_jobs`, as the runner does
    with a helper process); drawn here when None. `provinces`: gso34 codes shown at every year end (`--province`).
    Raises DxsimInputError when the directory is not a run output.
    """
    result_dir = Path(result_dir)
    target = Path(out) if out is not None else result_dir / "report.html"
    check_run_unchanged(result_dir)
    run = load_run(result_dir)
    text = render(run, target, folder_name, charts, provinces)
    atomic_page(target, text, "--out" if out is not None else "result_dir")
    out = target
    return out
