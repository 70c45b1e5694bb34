"""Assemble the self-contained report.html (inline CSS, charts as data: URIs, no scripts, no URLs).

Every string that comes from a file goes through `esc` (html.escape, quotes included).
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from urllib.parse import quote

import polars as pl

from dxsim._version import __version__
from dxsim.results.writer import GENERATOR_MARK, atomic_page
from dxsim.report.charts import Chart, build_charts
from dxsim.report.fmt import (GROUPS, YEAR_END_COLUMNS, YEAR_END_RE, fmt_date, fmt_number, fmt_range,
                              fmt_value, kpi_base_keys, kpi_group, kpi_label, option_label)
from dxsim.report.load import RunData, as_float, load_run

BAND = "P10–P90"


def esc(v) -> str:
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
th { background: #eef1f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.group th { background: #dfe7f1; font-size: 14px; }
code, .key { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 11.5px; color: var(--muted); }
.small { font-size: 12px; color: var(--muted); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 8px 0; font-size: 14px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-word; }
figure { margin: 16px 0 20px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; }
.status-pass { background: #d8f0dc; color: #1e6b2d; }
.status-fail { background: #f8d7d5; color: #9b1c14; }
.status-info { background: #e6e9ee; color: #4a5260; }
.status-other { background: #fff0c2; color: #7a5a00; }
table.calibration td:first-child { width: 28%; }
.yes { color: #9b1c14; font-weight: 600; }
details { margin: 8px 0 14px; }
summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); }
"""


# ---------------------------------------------------------------- pieces

def _kpi_cells(kpis: dict, key: str, kind: str, bands: bool) -> str:
    cells = f'<td class="num">{esc(fmt_value(kpis.get(key), kind))}</td>'
    if bands:
        if f"{key}_p10" in kpis or f"{key}_p90" in kpis:
            cells += f'<td class="num">{esc(fmt_range(kpis.get(f"{key}_p10"), kpis.get(f"{key}_p90"), kind))}</td>'
        else:
            cells += '<td class="num">–</td>'
    return cells


def kpi_section(run: RunData) -> str:
    kpis = run.summary.get("kpis") or {}
    bands = run.n_reps > 1
    keys = kpi_base_keys(kpis)
    head = "<tr><th>KPI</th><th class=\"num\">" + ("P50" if bands else "value") + "</th>"
    head += f'<th class="num">{BAND}</th>' if bands else ""
    head += "<th>key</th></tr>"
    ncol = 4 if bands else 3
    rows: list[str] = []
    year_end = [k for k in keys if YEAR_END_RE.match(k)]
    for group, title in GROUPS.items():
        gkeys = [k for k in keys if kpi_group(k) == group and k not in year_end]
        if not gkeys:
            continue
        rows.append(f'<tr class="group"><th colspan="{ncol}">{esc(title)}</th></tr>')
        for k in gkeys:
            label, kind = kpi_label(k)
            rows.append(f'<tr data-kpi="{esc(k)}"><td>{esc(label)}</td>{_kpi_cells(kpis, k, kind, bands)}'
                        f'<td><code>{esc(k)}</code></td></tr>')
    if bands:
        intro = (f"P50 across {run.n_reps} replications, and the {BAND} range (empirical quantiles; a date never "
                 "reached in some replications ranks last, so its P90 can read 'not reached').")
    else:
        intro = "One replication: single values (run with --reps > 1 for quantiles)."
    out = [f'<p class="small">{esc(intro)} Months are shown as YYYY-MM; "not reached" = not within the horizon.</p>',
           f'<table class="kpis"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>']
    if year_end:
        out.append(_year_end_table(kpis, year_end, bands))
    return "\n".join(out)


def _year_end_table(kpis: dict, keys: list[str], bands: bool) -> str:
    by_period: dict[str, dict[str, str]] = {}
    for k in keys:
        m = YEAR_END_RE.match(k)
        by_period.setdefault(f"{m.group(2)}-{m.group(3)}", {})[m.group(1)] = k
    metrics = [m for m in YEAR_END_COLUMNS if any(m in v for v in by_period.values())]
    head = "<tr><th>month end</th>" + "".join(
        f'<th class="num">{esc(YEAR_END_COLUMNS[m][0])}</th>' for m in metrics) + "</tr>"
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
        rows.append(f"<tr><td>{esc(period)}</td>{''.join(cells)}</tr>")
    note = (f"P50, with the {BAND} range below." if bands else "One replication.")
    return (f'<h3>5G trajectory at each year end</h3><p class="small">{esc(note)} Keys: '
            f'<code>stations_5g_YYYY_MM</code>, <code>pop_covered_5g_pct_YYYY_MM</code>, '
            f'<code>capex_cum_vnd_bn_YYYY_MM</code>.</p>'
            f'<table class="trajectory"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>')


def figure(c: Chart) -> str:
    return (f'<figure id="chart-{esc(c.key)}"><img src="{c.data_uri}" alt="{esc(c.alt)}" '
            f'width="{_png_size(c.png)[0]}" height="{_png_size(c.png)[1]}">'
            f"<figcaption>{esc(c.caption)}</figcaption></figure>")


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _status_badge(status: str) -> str:
    s = (status or "").strip().lower()
    cls = s if s in ("pass", "fail", "info") else "other"
    return f'<span class="status status-{cls}">{esc(status or "–")}</span>'


def calibration_section(run: RunData) -> str:
    rows = run.calibration
    if rows is None:
        return '<p class="small">No calibration.csv in this run directory.</p>'
    if not rows:
        return '<p class="small">calibration.csv has no rows.</p>'
    counts: dict[str, int] = {}
    body = []
    for r in rows:
        status = r.get("status", "")
        counts[status] = counts.get(status, 0) + 1
        upper = str(r.get("upper_bound", "")).strip().lower() in ("true", "1", "yes")
        rep = as_float(r.get("reported"))
        tol = as_float(r.get("tolerance"))
        rep_txt = ("< " if upper else "") + fmt_number(rep) if math.isfinite(rep) else "–"
        tol_txt = "≤ reported" if upper and not math.isfinite(tol) else (
            "±" + fmt_number(tol) if math.isfinite(tol) else "–")
        body.append(
            f"<tr><td>{esc(r.get('figure', ''))}</td><td class=\"num\">{esc(rep_txt)}</td>"
            f"<td class=\"num\">{esc(fmt_number(as_float(r.get('model'))))}</td><td class=\"num\">{esc(tol_txt)}</td>"
            f"<td>{esc(r.get('unit', ''))}</td><td>{_status_badge(status)}</td>"
            f"<td class=\"small\">{esc(r.get('source', ''))}</td></tr>")
    summary = ", ".join(f"{n} {esc(s or '–')}" for s, n in sorted(counts.items()))
    return (f'<p class="small">Model beside every reported figure, with its tolerance ({summary}). '
            '"pass" = within tolerance; "info" = shown for context, not a target.</p>'
            '<table class="calibration"><thead><tr><th>figure</th><th class="num">reported</th>'
            '<th class="num">model</th><th class="num">tolerance</th><th>unit</th><th>status</th><th>source</th>'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _col(df: pl.DataFrame, name: str, default=None) -> list:
    return df[name].to_list() if name in df.columns else [default] * df.height


def villages_section(run: RunData) -> str:
    v = run.villages
    if v is None:
        return '<p class="small">No villages.parquet: the village programme is not modelled in this run.</p>'
    if v.height == 0:
        return '<p class="small">villages.parquet has no rows.</p>'
    status = [s or "–" for s in _col(v, "status", "–")]
    options = [option_label(p, b) for p, b in zip(_col(v, "power"), _col(v, "backhaul"))]
    pop = [x or 0 for x in _col(v, "population", 0)]
    capex = [x if x is not None and math.isfinite(x) else 0.0 for x in _col(v, "capex_vnd_bn", 0.0)]
    line_km = _col(v, "grid_line_km", None)
    statuses = sorted(set(status), key=lambda s: (s != "connected", s))
    opts = sorted(set(options), key=lambda o: -options.count(o))
    head = ("<tr><th>option (power + backhaul)</th><th class=\"num\">villages</th>"
            + "".join(f'<th class="num">{esc(s)}</th>' for s in statuses)
            + '<th class="num">people</th><th class="num">option capex (VND bn)</th>'
              '<th class="num">mean grid line (km)</th></tr>')
    rows = []
    for o in opts:
        idx = [i for i, x in enumerate(options) if x == o]
        km = [line_km[i] for i in idx if line_km[i] is not None and math.isfinite(line_km[i]) and line_km[i] > 0]
        rows.append(
            f"<tr><td>{esc(o)}</td><td class=\"num\">{len(idx)}</td>"
            + "".join(f'<td class="num">{sum(1 for i in idx if status[i] == s)}</td>' for s in statuses)
            + f'<td class="num">{sum(pop[i] for i in idx):,.0f}</td>'
              f'<td class="num">{esc(fmt_value(sum(capex[i] for i in idx), "money"))}</td>'
              f'<td class="num">{esc(fmt_number(sum(km) / len(km), 1) if km else "–")}</td></tr>')
    rows.append(
        f'<tr><th>all villages</th><th class="num">{v.height}</th>'
        + "".join(f'<th class="num">{status.count(s)}</th>' for s in statuses)
        + f'<th class="num">{sum(pop):,.0f}</th><th class="num">{esc(fmt_value(sum(capex), "money"))}</th><th></th></tr>')
    synth = sum(1 for s in _col(v, "synthetic", False) if s)
    parts = [f'<p class="small">{v.height} villages ({synth} synthetic){_subset_note(v)}. Status is replication 0 '
             'at the end of the horizon; the option is the policy\'s choice per village (villages.parquet).</p>',
             f'<table class="villages-summary"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>']
    parts.append(_named_villages(v))
    return "\n".join(parts)


def _subset_note(v: pl.DataFrame) -> str:
    """', the coverage holes: N without grid power at the start, M with grid power but no or patchy signal'
    ('' for a table without the has_grid_power column: a run before the national layer)."""
    if "has_grid_power" not in v.columns:
        return ""
    with_power = sum(1 for x in v["has_grid_power"].to_list() if x)
    return (f": the coverage holes, {v.height - with_power} without grid power at the start (the no-power subset) "
            f"and {with_power} with grid power but no or patchy signal")


def _named_villages(v: pl.DataFrame) -> str:
    names = _col(v, "name", "")
    idx = [i for i, n in enumerate(names) if n]
    if not idx:
        return ""
    has_q = "connected_date_p50" in v.columns
    cols = {c: _col(v, c) for c in ("village_id", "province", "commune", "population", "power", "backhaul",
                                     "status", "connected_date", "connected_date_p10", "connected_date_p50",
                                     "connected_date_p90", "reason")}
    head = ("<tr><th>village</th><th>province</th><th>commune</th><th class=\"num\">people</th><th>option</th>"
            "<th>status</th><th class=\"num\">connected (rep. 0)</th>"
            + (f'<th class="num">connected P50 ({BAND})</th>' if has_q else "") + "<th>why this option</th></tr>")
    rows = []
    for i in idx:
        q = ""
        if has_q:
            q = (f'<td class="num">{esc(fmt_date(cols["connected_date_p50"][i]))}<br><span class="small">'
                 f'{esc(fmt_date(cols["connected_date_p10"][i]))} – {esc(fmt_date(cols["connected_date_p90"][i]))}'
                 "</span></td>")
        pop = cols["population"][i]
        rows.append(
            f'<tr><td>{esc(names[i])} <span class="key">{esc(cols["village_id"][i] or "")}</span></td>'
            f'<td>{esc(cols["province"][i] or "")}</td><td>{esc(cols["commune"][i] or "")}</td>'
            f'<td class="num">{esc(fmt_number(pop) if pop is not None else "–")}</td>'
            f'<td>{esc(option_label(cols["power"][i], cols["backhaul"][i]))}</td>'
            f'<td>{esc(cols["status"][i] or "–")}</td><td class="num">{esc(fmt_date(cols["connected_date"][i]))}</td>'
            f'{q}<td class="small">{esc(cols["reason"][i] or "")}</td></tr>')
    return (f"<details><summary>Named villages ({len(idx)}): option, status and connection date</summary>"
            f'<table class="named-villages"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></details>')


def dc_province_rows(run: RunData) -> list[tuple[str, float, float, float, float, int, int]]:
    """(province, IT MW start, IT MW end, facility MW end, GPUs end, sites operating at end, sites) by province."""
    d = run.datacentres
    if d is None or d.height == 0 or "province" not in d.columns:
        return []
    def num(c):
        return pl.col(c).fill_nan(0.0).fill_null(0.0) if c in d.columns else pl.lit(0.0)
    g = (d.with_columns(pl.col("province").fill_null("–"))
         .group_by("province")
         .agg(num("start_it_mw").sum().alias("start"), num("it_mw_end").sum().alias("end"),
              num("facility_power_mw_end").sum().alias("fac"), num("gpus_end").sum().alias("gpus"),
              (num("it_mw_end") > 0).sum().alias("operating"), pl.len().alias("n"))
         .sort(["end", "province"], descending=[True, False]))
    return [(r["province"], r["start"], r["end"], r["fac"], r["gpus"], int(r["operating"]), int(r["n"]))
            for r in g.iter_rows(named=True)]


def datacentres_section(run: RunData, prov: list) -> str:
    d = run.datacentres
    if d is None:
        return '<p class="small">No datacentres.parquet: data centres are not modelled in this run.</p>'
    if not prov:
        return '<p class="small">datacentres.parquet has no rows.</p>'
    head = ('<tr><th>province</th><th class="num">IT MW, start</th><th class="num">IT MW, end</th>'
            '<th class="num">facility MW, end</th><th class="num">GPUs, end</th>'
            '<th class="num">sites in service, end</th><th class="num">sites and projects</th></tr>')
    rows = [f'<tr><td>{esc(p)}</td><td class="num">{esc(fmt_value(s, "mw"))}</td>'
            f'<td class="num">{esc(fmt_value(e, "mw"))}</td><td class="num">{esc(fmt_value(f, "mw"))}</td>'
            f'<td class="num">{g:,.0f}</td><td class="num">{o}</td><td class="num">{n}</td></tr>'
            for p, s, e, f, g, o, n in prov]
    tot = [sum(r[i] for r in prov) for i in range(1, 7)]
    rows.append(f'<tr><th>all</th><th class="num">{esc(fmt_value(tot[0], "mw"))}</th>'
                f'<th class="num">{esc(fmt_value(tot[1], "mw"))}</th><th class="num">{esc(fmt_value(tot[2], "mw"))}</th>'
                f'<th class="num">{tot[3]:,.0f}</th><th class="num">{int(tot[4])}</th><th class="num">{int(tot[5])}</th></tr>')
    synth = sum(1 for s in _col(d, "synthetic", False) if s)
    out = [f'<p class="small">Replication 0\'s end state from datacentres.parquet ({d.height} sites and projects, '
           f'{synth} synthetic); the KPI table above gives the P50 across replications.</p>',
           f'<table class="dc-provinces"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>']
    out.append(_projects(d))
    return "\n".join(out)


def _projects(d: pl.DataFrame) -> str:
    if "kind" in d.columns:
        p = d.filter(pl.col("kind").is_in(["project", "state"]))
    elif "status" in d.columns:
        p = d.filter(pl.col("status") != "operational")
    else:
        return ""
    if p.height == 0:
        return ""
    c = {k: _col(p, k) for k in ("name", "operator", "province", "status", "cooling", "it_mw_design", "it_mw_end",
                                  "went_ahead", "phases_commissioned", "first_phase_date", "last_phase_date",
                                  "source")}
    rows = []
    for i in range(p.height):
        went = c["went_ahead"][i]
        rows.append(
            f'<tr><td>{esc(c["name"][i] or "")}</td><td>{esc(c["operator"][i] or "")}</td>'
            f'<td>{esc(c["province"][i] or "")}</td><td>{esc((c["status"][i] or "").replace("_", " "))}</td>'
            f'<td>{esc((c["cooling"][i] or "").replace("_", " "))}</td>'
            f'<td class="num">{esc(fmt_value(c["it_mw_design"][i], "mw"))}</td>'
            f'<td>{"yes" if went else ("no" if went is not None else "–")}</td>'
            f'<td class="num">{esc(fmt_number(c["phases_commissioned"][i]))}</td>'
            f'<td class="num">{esc(fmt_date(c["first_phase_date"][i]))}</td>'
            f'<td class="num">{esc(fmt_value(c["it_mw_end"][i], "mw"))}</td>'
            f'<td class="small">{esc(c["source"][i] or "")}</td></tr>')
    return ("<details><summary>Projects in the pipeline "
            f"({p.height}): went ahead, phases commissioned, MW at the end (replication 0)</summary>"
            '<table class="dc-projects"><thead><tr><th>project</th><th>operator</th><th>province</th><th>status</th>'
            '<th>cooling</th><th class="num">design IT MW</th><th>went ahead</th><th class="num">phases</th>'
            '<th class="num">first phase</th><th class="num">IT MW, end</th><th>source</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></details>')


def _synthetic_notice(run: RunData) -> str:
    srcs = run.summary.get("data_sources") or []
    synth = [s.get("name", "") for s in srcs if isinstance(s, dict) and s.get("synthetic")]
    extra = []
    if run.villages is not None and "synthetic" in run.villages.columns:
        extra.append(f"{sum(1 for x in run.villages['synthetic'].to_list() if x)} of {run.villages.height} villages")
    if run.datacentres is not None and "synthetic" in run.datacentres.columns:
        extra.append(f"{sum(1 for x in run.datacentres['synthetic'].to_list() if x)} of "
                     f"{run.datacentres.height} data centres")
    items = "".join(f"<li>{esc(n)}</li>" for n in synth)
    parts = ['<div class="notice" role="note"><strong>Synthetic data — model projections, not observations.</strong> ']
    if synth:
        parts.append("Parts of the input are <strong>synthetic</strong> (generated by a seeded procedure, not "
                     f"observed):<ul>{items}</ul>")
    if extra:
        parts.append(f"Synthetic in this run: {esc('; '.join(extra))}. ")
    parts.append("Individual synthetic sites, villages and data centres are placeholders, not real locations; "
                 "read national and provincial totals, and compare scenarios run with the same seed.</div>")
    return "".join(parts)


def provenance_section(run: RunData) -> str:
    s = run.summary
    h = s.get("horizon") or {}
    horizon = f"{h.get('start_date', '?')} to {h.get('end_date', '?')}" if isinstance(h, dict) else str(h)
    items = [("scenario", s.get("scenario")), ("scenario file", s.get("scenario_file")),
             ("scenario SHA-256 (merged)", s.get("scenario_sha256")), ("seed", s.get("seed")),
             ("replications", s.get("reps")), ("horizon", horizon), ("dxsim version", s.get("dxsim_version"))]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{'<code>' + esc(v) + '</code>' if k.startswith('scenario SHA') else esc(v)}</dd>"
                 for k, v in items if v is not None)
    desc = ""
    if run.description:
        desc = (f'<p><strong>Description</strong> <span class="small">(from {esc(run.description_from)} as it is now; '
                f'the run used the file with the SHA-256 above)</span>: {esc(run.description)}</p>')
    return f'<dl class="meta">{dl}</dl>{desc}'


def sources_section(run: RunData) -> str:
    srcs = [x for x in (run.summary.get("data_sources") or []) if isinstance(x, dict)]
    if not srcs:
        return '<p class="small">summary.json lists no data sources.</p>'
    synth = '<span class="yes">synthetic</span>'
    rows = "".join(
        f"<tr><td>{esc(x.get('name', ''))}</td><td>{esc(x.get('licence', ''))}</td>"
        f"<td>{synth if x.get('synthetic') else 'no'}</td></tr>" for x in srcs)
    return ('<table class="sources"><thead><tr><th>data source</th><th>licence</th><th>synthetic</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def map_section(run: RunData, out: Path) -> str:
    if not run.has_map:
        return ('<p class="small">No map.html in this run directory (run without <code>--no-map</code> '
                'to get one).</p>')
    rel = os.path.relpath((run.result_dir / "map.html").resolve(), out.resolve().parent)
    href = "/".join(rel.split(os.sep))
    return (f'<p><a href="{esc(quote(href))}">Open the interactive map</a> '
            '<span class="small">(map.html in the same run directory; works offline)</span></p>')


# ---------------------------------------------------------------- page

def render(run: RunData, out: Path, folder_name: str | None = None) -> str:
    s = run.summary
    name = s.get("scenario") or run.result_dir.name
    prov = dc_province_rows(run)
    charts = build_charts(run, [(p, a, b) for p, a, b, *_ in prov] or None)
    by_section: dict[str, list[Chart]] = {}
    for c in charts:
        by_section.setdefault(c.section, []).append(c)

    def figs(section: str) -> str:
        return "\n".join(figure(c) for c in by_section.get(section, []))

    reps_txt = f"{run.n_reps} replications" if run.n_reps > 1 else "1 replication"
    nav = "".join(f'<a href="#{a}">{esc(t)}</a>' for a, t in (
        ("provenance", "Scenario"), ("kpis", "KPIs"), ("rollout", "5G"), ("villages", "Villages"),
        ("compute", "Data centres and GPUs"), ("calibration", "Calibration"), ("sources", "Data sources"),
        ("map", "Map")))
    body = f"""
<main>
<header>
<h1>dxsim report: {esc(name)}</h1>
<p class="lead">Vietnam digital-infrastructure projection · seed {esc(s.get("seed"))} · {esc(reps_txt)} ·
dxsim {esc(s.get("dxsim_version"))}</p>
<nav>{nav}</nav>
</header>
{_synthetic_notice(run)}
<section id="provenance"><h2>Scenario and provenance</h2>{provenance_section(run)}</section>
<section id="kpis"><h2>Key results</h2>{kpi_section(run)}</section>
<section id="rollout"><h2>5G rollout</h2>{figs("5g") or '<p class="small">No 5G metrics in this run.</p>'}</section>
<section id="villages"><h2>Remote villages</h2>{figs("villages")}{villages_section(run)}</section>
<section id="compute"><h2>Data centres and GPUs</h2>{figs("compute")}{datacentres_section(run, prov)}</section>
<section id="calibration"><h2>Calibration</h2>{calibration_section(run)}</section>
<section id="sources"><h2>Data sources and licences</h2>{sources_section(run)}</section>
<section id="map"><h2>Map</h2>{map_section(run, out)}</section>
<footer>Built by <code>dxsim.report</code> from the files of run directory <code>{esc(folder_name or run.result_dir.name)}</code>
only: {", ".join(f"{esc(n)} ({b:,} bytes, sha256 {esc(h)}…)" for n, b, h in run.files)}.
Self-contained: no scripts, fonts or network requests.</footer>
</main>"""
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta {GENERATOR_MARK} {esc(__version__)}">\n'
            f"<title>dxsim report: {esc(name)}</title>\n<style>{CSS}</style>\n</head>\n<body>{body}\n</body>\n</html>\n")


def build_report(result_dir: Path, out: Path | None = None, folder_name: str | None = None) -> Path:
    """Write a self-contained `report.html` for a run's output directory; returns its path.

    Reads only the run's files (summary.json, metrics.parquet, calibration.csv, villages.parquet,
    datacentres.parquet, map.html). `out` defaults to `<result_dir>/report.html`; it is written to a
    temporary file in the same directory and renamed into place, so a reader never sees half a report.
    `folder_name` is the name the folder will have once it is in place (the runner builds the report
    in a hidden temporary folder). Raises DxsimInputError when the directory is not a run output.
    """
    result_dir = Path(result_dir)
    target = Path(out) if out is not None else result_dir / "report.html"
    run = load_run(result_dir)
    text = render(run, target, folder_name)
    atomic_page(target, text)
    out = target
    return out
