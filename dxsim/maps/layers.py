"""The map's layers: a registry of builders, each reading only the run's output files.

A builder takes a :class:`MapContext` and returns a :class:`LayerOut`: one or more overlays
(each becomes one entry of the layer control) and a legend section. Overlays carry a small JS
body run with `map` (the Leaflet map) and `g` (the overlay's `L.featureGroup`) in scope; bulky
data go in once as JSON (`ctx.share`) and are turned into Leaflet layers by the `DX` runtime
(`assets.RUNTIME_JS`). Every text that comes from a file is escaped with :func:`assets.esc`
before it reaches a popup, tooltip or legend.

Words go through gettext (`_`, `N_` for the constants) and numbers and dates through `dxsim.i18n.formats` in
Vietnamese; English keeps the exact text it always had (Python's own number formatting, ISO dates).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import polars as pl

from dxsim.i18n import N_, language
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.maps.assets import esc, js_json
from dxsim.maps.data import GRID_SERVED_5G, SERVED_5G_METRICS, RunOutputs, coverage_dates
from dxsim.results.bottlenecks import cause_noun
from dxsim.results.value_labels import BACKHAUL
from dxsim.results.value_labels import VILLAGE_STATUS as VILLAGE_STATUS_LABEL


# --------------------------------------------------------------------------- structures
@dataclass
class Overlay:
    label: str  # text in the layer control (plain text, no user data)
    family: str  # key of the legend section shown while this overlay is on
    show: bool  # on when the page opens
    js: str  # body run with `map`, `g` in scope
    exclusive: str | None = None  # overlays sharing a key are mutually exclusive (a date selector)
    legend_label: str | None = None  # shown in the legend title while on (default: none)


@dataclass
class LayerOut:
    overlays: list[Overlay]
    legend: str  # HTML of the legend section (escaped where it shows data)
    notes: list[str] = field(default_factory=list)


@dataclass
class MapContext:
    out: RunOutputs
    show: bool  # the layer's default visibility (or True when explicitly requested)
    shared: dict[str, str] = field(default_factory=dict)  # JS variable -> JSON literal, emitted once

    def share(self, name: str, obj: Any) -> str:
        if name not in self.shared:
            self.shared[name] = js_json(obj)
        return name

    @property
    def reps(self) -> int:
        """The run's replications (1 when summary.json does not say)."""
        n = self.out.summary.get("reps")
        return n if isinstance(n, int) and n > 0 else 1

    @property
    def province_basis(self) -> str:
        """What a province's figure on the map is: the P50 over the replications, as the workbook and results.gpkg
        give it (RunOutputs.province_metrics), or the one run."""
        if self.reps > 1:
            return _("each province: the P50 of {n} runs, as in the workbook and results.gpkg").format(
                n=self.reps
            )
        return _("the run's one replication")


@dataclass(frozen=True)
class LayerSpec:
    name: str
    title: str
    default_on: bool
    needs: tuple[str, ...]  # keys of data.FILES
    build: Callable[[MapContext], LayerOut]
    # why the run cannot have this layer although its files exist (None: it can), e.g. capacity not modelled
    unavailable: Callable[[RunOutputs], str | None] | None = None


# --------------------------------------------------------------------------- helpers
def _en() -> bool:
    """English keeps the page's historical text byte for byte (Python formatting, ISO dates)."""
    return language() == "en"


def _num(v: Any, nd: int = 0, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    s = f"{float(v):,.{nd}f}" if _en() else F.number(float(v), nd)
    return f"{s} {unit}".rstrip() if unit else s


def _pct(v: Any, nd: int = 1) -> str:
    """A value already in percent: 39.5% / 39,5%."""
    return f"{_num(v, nd)}%"


def count_text(n: int) -> str:
    """A whole count inside a sentence: English as it always was (no grouping), Vietnamese grouped (1.234)."""
    return str(n) if _en() else F.number(n)


def _g(v: float, group: bool = False) -> str:
    """A short number without trailing zeros (a rate, a class bound, a square's size): 2.5 / 2,5; 1,500 / 1.500."""
    if _en():
        return f"{v:,g}" if group else f"{v:g}"
    text = f"{v:g}"
    nd = 0 if "e" in text or "." not in text else len(text.split(".")[1])
    return F.number(v, nd)


def _day(d: dt.date) -> str:
    """A day in a popup or legend: 2025-12-31 (English, as always) / 31/12/2025."""
    return d.isoformat()[:10] if _en() else F.date(d)


def _month(d: dt.date) -> str:
    """A month-end date naming a coverage date: 2025-12-31 (English, as always) / tháng 12/2025."""
    return d.isoformat()[:10] if _en() else F.month(d)


def _date(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, (dt.date, dt.datetime)):
        return _day(v if not isinstance(v, dt.datetime) else v.date())
    return esc(v)


def _yes(v: Any) -> str:
    return _("yes") if bool(v) else _("no")


def _table(rows: list[tuple[str, str]]) -> str:
    """rows of (label, value-HTML); values must already be escaped."""
    return "<table>" + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _swatches(
    title: str, items: list[tuple[str, str]], family: str, active: bool = False, note: str = ""
) -> str:
    """A legend section of colour boxes; `note` is plain text shown below them."""
    rows = "".join(
        f'<div class="dx-row"><span class="dx-sw" style="background:{c}"></span>{esc(t)}</div>'
        for c, t in items
    )
    act = ' <span class="dx-active"></span>' if active else ""
    tail = f'<div class="dx-note">{esc(note)}</div>' if note else ""
    return f'<div data-family="{family}"><h4>{esc(title)}{act}</h4>{rows}{tail}</div>'


def _ramp(title: str, colours: list[str], bins: Sequence[float], family: str, active: bool = False) -> str:
    """A compact horizontal colour ramp: boxes, with the class bounds between them."""
    act = ' <span class="dx-active"></span>' if active else ""
    boxes = "".join(f'<span class="dx-rc" style="background:{c}"></span>' for c in colours)
    ticks = "".join(f'<span class="dx-rt">{_g(b, group=True)}</span>' for b in bins)
    return (
        f'<div data-family="{family}"><h4>{esc(title)}{act}</h4><div class="dx-ramp">{boxes}</div>'
        f'<div class="dx-ticks" style="padding:0 {50 / len(colours):.2f}%">{ticks}</div></div>'
    )


def _style(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def _r(x: float, nd: int) -> float:
    return round(float(x), nd)


def _ll(r: dict[str, Any]) -> list[float] | None:
    """[lat, lon] rounded to 5 decimals (~1 m), or None when missing / not a number."""
    try:
        lat, lon = float(r.get("lat")), float(r.get("lon"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return [round(lat, 5), round(lon, 5)]


# --------------------------------------------------------------------------- 1. 5G coverage by province
COVERAGE_BINS = [10, 25, 40, 55, 70, 85, 95, 99]
COVERAGE_COLOURS = [
    "#ffffd9",
    "#edf8b1",
    "#c7e9b4",
    "#7fcdbb",
    "#41b6c4",
    "#1d91c0",
    "#225ea8",
    "#253494",
    "#081d58",
]


# the date selector's entries (one per coverage_dates tag); {date} is a month end (tháng 12/2025 in Vietnamese)
COVERAGE_LABEL = {
    "start": N_("5G coverage {date} (start)"),
    "end": N_("5G coverage {date} (end)"),
    "": N_("5G coverage {date}"),
}


def _served_lines(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """Popup rows of a province's 5G served / capacity-short / uncovered shares (none without capacity)."""
    vals = [rec.get(m) for m in SERVED_5G_METRICS]
    if any(v is None or not math.isfinite(v) for v in vals):
        return []
    return [(_(lab), _pct(v, 1)) for lab, v in zip(SERVED_STATE_LABELS, vals, strict=True)]


def build_coverage(ctx: MapContext) -> LayerOut:
    out = ctx.out
    prov = ctx.share("DX_PROV", out.provinces)
    pm = out.province_metrics
    names = {
        f["properties"]["code"]: (f["properties"]["name34"], f["properties"]["name_ascii"])
        for f in out.provinces["features"]
    }
    chosen = coverage_dates(pm["date"].to_list())
    overlays = []
    for i, (d, tag) in enumerate(chosen):
        day = pm.filter(pl.col("date") == d)
        colours, tips, pops = {}, {}, {}
        for rec in day.iter_rows(named=True):
            code = str(rec["area"])
            pct, st = rec.get("pop_covered_5g_pct"), rec.get("stations_5g")
            n34, nasc = names.get(code, (code, ""))
            name_html = f"<b>{esc(n34)}</b>" + (
                f' <span class="dx-ascii">({esc(nasc)})</span>' if nasc else ""
            )
            if pct is not None and math.isfinite(pct):
                colours[code] = COVERAGE_COLOURS[int(np.searchsorted(COVERAGE_BINS, pct, side="right"))]
            tips[code] = f"{name_html}<br>" + _("5G coverage {pct}").format(pct=_pct(pct, 1))
            pops[code] = (
                f'<div class="dx-pop">{name_html}'
                + _table(
                    [
                        (_("date"), _day(d)),
                        (_("5G population coverage"), f"<b>{_pct(pct, 1)}</b>"),
                        *_served_lines(rec),
                        (_("5G stations"), _num(st)),
                        (_("province code"), esc(code)),
                    ]
                )
                + '<div class="dx-ascii">'
                + esc(ctx.province_basis)
                + "</div></div>"
            )
        label = _(COVERAGE_LABEL[tag]).format(date=_month(d))
        data = ctx.share(f"DX_COV{i}", {"c": colours, "t": tips, "p": pops})
        overlays.append(
            Overlay(
                label=label,
                family="coverage_5g",
                show=ctx.show and i == len(chosen) - 1,
                js=f"DX.choropleth(map, g, {prov}, {data});",
                exclusive="coverage_5g",
                legend_label=_month(d),
            )
        )
    legend = _ramp(
        _("5G population coverage, %, by province,"),
        COVERAGE_COLOURS,
        COVERAGE_BINS,
        "coverage_5g",
        active=True,
    )
    # a province read off the map is the P50 the workbook and results.gpkg give (it was replication 0: two numbers
    # for one province in a memo, provincial trial)
    if ctx.reps > 1:
        legend = legend[: -len("</div>")] + f'<div class="dx-note">{esc(ctx.province_basis)}</div></div>'
    return LayerOut(overlays, legend)


# --------------------------------------------------------------------------- 2. population density
COVERED_BINS = [10, 50, 150, 500, 1500]
COVERED_COLOURS = ["#f0f9e8", "#ccebc5", "#a8ddb5", "#7bccc4", "#43a2ca", "#0868ac"]
UNCOVERED_BINS = [1, 5, 20, 50, 200]
UNCOVERED_COLOURS = ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"]


GRID_COLS = ["lat0", "lon0", "lat1", "lon1", "lat2", "lon2", "lat3", "lon3", "pop", "covered_5g"]
GRID_SERVED_COLS = ["served_5g", "capacity_short_5g"]


def grid_keep(ctx: MapContext) -> np.ndarray:
    """Indices (into grid_5km.parquet) of the squares the map draws: populated (>= 0.5 persons), finite corners."""
    pop = np.nan_to_num(ctx.out.grid["pop"].to_numpy())
    return np.flatnonzero((pop >= 0.5) & np.isfinite(ctx.out.grid_corners()).all(axis=(1, 2)))


def served_persons(
    pop: np.ndarray, served: np.ndarray, short: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whole persons (pop, served, capacity-short) as the map shows them: each rounded half-to-even, served
    within [0, pop], capacity-short cut so that served + capacity-short never exceeds pop (the rest is
    uncovered). NaN counts as 0."""
    pop_r = np.rint(np.nan_to_num(pop))
    served_r = np.minimum(np.rint(np.clip(np.nan_to_num(served), 0, None)), pop_r)
    short_r = np.minimum(np.rint(np.clip(np.nan_to_num(short), 0, None)), pop_r - served_r)
    return pop_r, served_r, short_r


def _grid_rows(ctx: MapContext) -> str:
    """Shared JSON of the populated 5 km squares: corners (4-decimal lat/lon), pop, covered at end, and, when the
    run modelled capacity, the persons served by 5G and covered but capacity-short at the end (`cols`)."""
    if "DX_GRID" in ctx.shared:
        return "DX_GRID"
    g = ctx.out.grid
    corners = np.round(ctx.out.grid_corners(), 4)
    pop = g["pop"].to_numpy()
    pop = np.nan_to_num(pop)
    cov = (
        np.nan_to_num(g["pop_covered_5g_end"].to_numpy())
        if "pop_covered_5g_end" in g.columns
        else np.zeros(g.height)
    )
    keep = grid_keep(ctx)  # skip empty squares
    rows = [
        [*corners[i].ravel().tolist(), round(float(pop[i])), round(float(np.clip(cov[i], 0, pop[i])))]
        for i in keep
    ]
    cols = list(GRID_COLS)
    if ctx.out.has_served_grid():
        _pop, served, short = served_persons(
            pop, g[GRID_SERVED_5G[0]].to_numpy(), g[GRID_SERVED_5G[1]].to_numpy()
        )
        for row, i in zip(rows, keep, strict=True):
            row += [int(served[i]), int(short[i])]
        cols += GRID_SERVED_COLS
    size = float(g["size_km"][0]) if "size_km" in g.columns and g.height else 5.0
    return ctx.share(
        "DX_GRID",
        {
            "rows": rows,
            "cols": cols,
            "area": size * size,
            "label": _("{size} km square").format(size=_g(size)),
        },
    )


def build_density(ctx: MapContext) -> LayerOut:
    grid = _grid_rows(ctx)
    overlays = [
        Overlay(
            _("People not covered by 5G at the end (per km²)"),
            "density_unc",
            ctx.show,
            f"DX.squares(map, g, {grid}, 'unc', {js_json(UNCOVERED_BINS)}, {js_json(UNCOVERED_COLOURS)}, {grid}.area);",
        ),
        Overlay(
            _("People covered by 5G at the end (per km²)"),
            "density_cov",
            False,
            f"DX.squares(map, g, {grid}, 'cov', {js_json(COVERED_BINS)}, {js_json(COVERED_COLOURS)}, {grid}.area);",
        ),
    ]
    legend = _ramp(
        _("People not covered by 5G per km² (5 km squares, end)"),
        UNCOVERED_COLOURS,
        UNCOVERED_BINS,
        "density_unc",
    ) + _ramp(
        _("People covered by 5G per km² (5 km squares, end)"), COVERED_COLOURS, COVERED_BINS, "density_cov"
    )
    return LayerOut(overlays, legend)


# --------------------------------------------------------------------------- 2b. served vs covered (issue 12)
# Three states of a person at the horizon end: served (5G covers them and an edge user still gets the scenario's
# served rate at the busy hour), covered but capacity-short, uncovered. A square is grey when most of its people
# are uncovered; otherwise its colour is the capacity-short share of its people (most squares are mostly served,
# so the share shows where coverage is not service).
SERVED_STATE_LABELS = (
    N_("served by 5G"),
    N_("covered but capacity-short"),
    N_("not covered by 5G (uncovered)"),
)
SERVED_CLASSES = [  # (legend words, colour); index = class of a square
    (N_("mostly uncovered (most people outside 5G coverage)"), "#a6a6a6"),
    (N_("served (capacity-short < 1% of people)"), "#1a9850"),
    (N_("partly capacity-short (1–10% of people)"), "#fee08b"),
    (N_("capacity-short 10–50% of people"), "#f46d43"),
    (N_("mostly capacity-short (≥ 50% of people)"), "#a50026"),
]
SHORT_SHARE_BINS = [0.01, 0.10, 0.50]  # lower bounds of classes 2, 3, 4 (share of the square's people)


def served_classes(pop: np.ndarray, served: np.ndarray, short: np.ndarray) -> np.ndarray:
    """Class (index of SERVED_CLASSES) of each square from its persons: 0 when uncovered people are at least as
    many as the served and the capacity-short ones, else 1 + the capacity-short share's bin."""
    pop = np.nan_to_num(pop)
    served, short = np.clip(np.nan_to_num(served), 0, None), np.clip(np.nan_to_num(short), 0, None)
    unc = np.clip(pop - served - short, 0, None)
    share = np.divide(short, pop, out=np.zeros_like(pop, dtype=float), where=pop > 0)
    k = 1 + np.searchsorted(SHORT_SHARE_BINS, share, side="right")
    return np.where((unc >= served) & (unc >= short), 0, k).astype(int)


def _rate_text(out: RunOutputs) -> str:
    rate = out.served_rate_mbps
    return f"{_g(rate)} Mbps" if rate is not None else _("the scenario's served rate")


def served_unavailable(out: RunOutputs) -> str | None:
    """Why the run has no served layer: capacity not modelled (no split in the grid nor in the metrics)."""
    if out.has_served_grid():
        return None
    pm = out.province_metrics
    if pm.height and pm[SERVED_5G_METRICS[0]].drop_nulls().len():
        return None
    return _(
        "the run has no served / capacity-short outputs (scenario [capacity] enabled = false, or a run "
        "made before the capacity model)"
    )


# JS body of the squares overlay (runs with `map`, `g`, the shared grid and classes in scope); lazy like DX.squares
_SERVED_SQUARES_JS = """
var grid = %(grid)s, d = %(data)s, area = grid.area, fmt = DX.fmt;
if (!map.getPane('dxServed')) { map.createPane('dxServed').style.zIndex = 411; }
var r = L.canvas({pane: 'dxServed', padding: 0.3});
function row(k, v) { return '<tr><td>' + k + '</td><td>' + v + '</td></tr>'; }
function fill() {
  for (var i = 0; i < grid.rows.length; i++) {
    var q = grid.rows[i];
    var poly = L.polygon([[q[0], q[1]], [q[2], q[3]], [q[4], q[5]], [q[6], q[7]]],
      {renderer: r, stroke: false, fillColor: d.colours[d.k[i]], fillOpacity: 0.8});
    poly._dx = q; poly._dxk = d.k[i]; g.addLayer(poly);
  }
  g.on('click', function (e) {
    var q = e.layer._dx; if (!q) return;
    var p = q[8], s = q[10], c = q[11], u = p - s - c;
    function pct(x) { return fmt(p > 0 ? 100 * x / p : 0, 1) + '%%'; }
    L.popup().setLatLng(e.latlng).setContent(
      '<div class="dx-pop"><b>' + d.head + '</b><table>' +
      row(DX.tr('population'), DX.tr('persons', {n: fmt(p)})) +
      row(d.labels[0], fmt(s) + ' (' + pct(s) + ')') +
      row(d.labels[1], fmt(c) + ' (' + pct(c) + ')') +
      row(d.labels[2], fmt(u) + ' (' + pct(u) + ')') +
      row(DX.tr('class'), d.names[e.layer._dxk]) +
      '</table><div class="dx-ascii">' + d.note + '</div></div>').openOn(map);
  });
}
if (map.hasLayer(g)) fill(); else g.once('add', fill);
"""


def build_served(ctx: MapContext) -> LayerOut:
    out = ctx.out
    rate = _rate_text(out)
    definition = _(
        "served = covered by 5G and an edge user still gets {rate} at the busy hour; capacity-short = "
        "covered, but the cells cannot give that rate"
    ).format(rate=rate)
    rep0 = _("replication 0 of the run")
    overlays: list[Overlay] = []
    legend = ""
    # per province, at the last date with the shares: a choropleth of the served share (the coverage ramp)
    pm = out.province_metrics.filter(pl.col(SERVED_5G_METRICS[0]).is_not_null())
    if pm.height:
        last = cast(dt.date, pm["date"].max())  # a pl.Date column with rows (province_metrics casts it)
        names = {
            f["properties"]["code"]: (f["properties"]["name34"], f["properties"]["name_ascii"])
            for f in out.provinces["features"]
        }
        colours, tips, pops = {}, {}, {}
        for rec in pm.filter(pl.col("date") == last).iter_rows(named=True):
            code = str(rec["area"])
            served, short, unc = (rec.get(m) for m in SERVED_5G_METRICS)
            n34, nasc = names.get(code, (code, ""))
            name_html = f"<b>{esc(n34)}</b>" + (
                f' <span class="dx-ascii">({esc(nasc)})</span>' if nasc else ""
            )
            if served is not None and math.isfinite(served):
                colours[code] = COVERAGE_COLOURS[int(np.searchsorted(COVERAGE_BINS, served, side="right"))]
            shares = _("5G served {served} · capacity-short {short} · uncovered {unc}").format(
                served=_pct(served, 1), short=_pct(short, 1), unc=_pct(unc, 1)
            )
            tips[code] = f"{name_html}<br>{shares}"
            pops[code] = (
                f'<div class="dx-pop">{name_html}'
                + _table(
                    [
                        (_("date"), _day(last)),
                        *_served_lines(rec),
                        (_("5G population coverage"), _pct(rec.get("pop_covered_5g_pct"), 1)),
                        (_("province code"), esc(code)),
                    ]
                )
                + f'<div class="dx-ascii">{esc(definition)}; {esc(ctx.province_basis)}</div></div>'
            )
        prov = ctx.share("DX_PROV", out.provinces)
        data = ctx.share("DX_SERVED_PROV", {"c": colours, "t": tips, "p": pops})
        overlays.append(
            Overlay(
                _("5G served by province {date} (end)").format(date=_month(last)),
                "served_5g_prov",
                ctx.show,
                f"DX.choropleth(map, g, {prov}, {data});",
                exclusive="coverage_5g",
                legend_label=_month(last),
            )
        )
        legend += _ramp(
            _("Population where 5G serves (a place measure), %, by province"),
            COVERAGE_COLOURS,
            COVERAGE_BINS,
            "served_5g_prov",
            active=True,
        )
    # per 5 km square at the end: the three states
    if out.has_served_grid():
        grid = _grid_rows(ctx)
        g = out.grid
        keep = grid_keep(ctx)
        k = served_classes(
            g["pop"].to_numpy()[keep],
            g[GRID_SERVED_5G[0]].to_numpy()[keep],
            g[GRID_SERVED_5G[1]].to_numpy()[keep],
        )
        size = float(g["size_km"][0]) if "size_km" in g.columns and g.height else 5.0
        data = ctx.share(
            "DX_SERVED5G",
            {
                "k": k.tolist(),
                "colours": [c for _t, c in SERVED_CLASSES],
                "names": [esc(_(t)) for t, _c in SERVED_CLASSES],
                "labels": [esc(_(t)) for t in SERVED_STATE_LABELS],
                "note": esc(f"{definition}; {rep0}"),
                "head": esc(
                    _("{square}, 5G at the end").format(square=_("{size} km square").format(size=_g(size)))
                ),
            },
        )
        overlays.append(
            Overlay(
                _("Served vs covered (5G, end), 5 km squares"),
                "served_5g",
                ctx.show,
                _SERVED_SQUARES_JS % {"grid": grid, "data": data},
            )
        )
        legend += _swatches(
            _("Served vs covered (5G, end), per 5 km square"),
            [(c, _(t)) for t, c in SERVED_CLASSES],
            "served_5g",
            note=_(
                "{definition}; uncovered = outside 5G coverage. Click a square for persons and % "
                "in each state."
            ).format(definition=definition),
        )
    return LayerOut(overlays, legend)


# --------------------------------------------------------------------------- 3. sites per square
SITE_COLOURS = {"5g": "#6a3d9a", "4g": "#1b9e77"}
SITE_MAX_PX = 14.0


def build_sites(ctx: MapContext) -> LayerOut:
    g = ctx.out.grid
    n5 = np.nan_to_num(g["sites_5g_end"].to_numpy()) if "sites_5g_end" in g.columns else np.zeros(g.height)
    n4 = np.nan_to_num(g["sites_4g"].to_numpy()) if "sites_4g" in g.columns else np.zeros(g.height)
    lat, lon = g["lat"].to_numpy(), g["lon"].to_numpy()
    keep = np.flatnonzero(((n5 > 0) | (n4 > 0)) & np.isfinite(lat) & np.isfinite(lon))
    rows = [[_r(lat[i], 4), _r(lon[i], 4), int(n5[i]), int(n4[i])] for i in keep]
    size = float(g["size_km"][0]) if "size_km" in g.columns and g.height else 5.0
    data = ctx.share("DX_SITES", {"rows": rows, "label": _("{size} km square").format(size=_g(size))})
    top = max(float(n5.max(initial=1)), float(n4.max(initial=1)), 1.0)
    k = round((SITE_MAX_PX - 1.2) / math.sqrt(top), 4)
    overlays = [
        Overlay(
            _("5G sites per 5 km square (end)"),
            "sites",
            ctx.show,
            f"DX.counts(map, g, {data}, 2, {js_json(SITE_COLOURS['5g'])}, {k}, '5G');",
        ),
        Overlay(
            _("4G sites per 5 km square"),
            "sites",
            False,
            f"DX.counts(map, g, {data}, 3, {js_json(SITE_COLOURS['4g'])}, {k}, '4G');",
        ),
    ]
    examples = [n for n in (1, 10, 100, 1000) if n <= top * 1.5] or [1]
    dots = "".join(
        f'<div class="dx-row dx-size"><span class="dx-dot" style="width:{2 * (1.2 + k * math.sqrt(n)):.0f}px;'
        f'height:{2 * (1.2 + k * math.sqrt(n)):.0f}px;background:#999"></span>'
        + (_("{n} sites") if n > 1 else _("{n} site")).format(n=_num(n))
        + "</div>"
        for n in examples
    )
    title = esc(_("Sites per {size} km square (area ∝ count)").format(size=_g(size)))
    five_end, note = esc(_("5G (end)")), esc(_("synthetic site layer unless a site file was used"))
    legend = (
        f'<div data-family="sites"><h4>{title}</h4>'
        f'<div class="dx-row"><span class="dx-sw" style="background:{SITE_COLOURS["5g"]}"></span>{five_end}</div>'
        f'<div class="dx-row"><span class="dx-sw" style="background:{SITE_COLOURS["4g"]}"></span>4G</div>'
        f'{dots}<div class="dx-note">{note}</div></div>'
    )
    return LayerOut(overlays, legend)


# --------------------------------------------------------------------------- 4. villages
# The layer is the national coverage holes (no or patchy signal): the no-power subset (no grid power at the
# start; the reported "villages without electricity and signal") and the villages with grid power. The subset
# shows as a thick outline (the power option) at full opacity, class `dx-no-power`; villages with grid power
# have a thin outline and a lighter fill.
VILLAGE_LABEL = N_("Coverage-hole villages")
SUBSET_LABEL = {
    True: N_("no grid power at the start (no-power subset)"),
    False: N_("grid power at the start; no or patchy signal"),
}
VILLAGE_STATUS = {
    "connected": "#1a9850",
    "capacity-short": "#c51b7d",
    "in works": "#fdae61",
    "not started": "#d73027",
    "no feasible option": "#7f7f7f",
}
# legend words beside a status (capacity-short: on air, but not counted as connected; issue 12)
VILLAGE_STATUS_NOTE = {"capacity-short": N_("on air, but the link cannot carry the busy-hour demand")}
# villages.parquet's signal_status values at the start
SIGNAL_TEXT = {"none": N_("signal: none"), "patchy": N_("signal: patchy")}
VILLAGE_POWER = {
    "grid_extension": (N_("grid extension (22 kV line)"), {"color": "#08306b", "weight": 2.0}),
    "offgrid_solar": (N_("off-grid solar"), {"color": "#a63603", "weight": 2.5, "dashArray": "3 2"}),
    "existing_grid": (N_("grid power already (signal only)"), {"color": "#6baed6", "weight": 1.0}),
}
POWER_OTHER = (N_("other / none"), {"color": "#000000", "weight": 1.0, "dashArray": "1 2"})


def _status_text(status: str) -> str:
    """A village status as the page shows it (escaped): translated when known, else as written in the file."""
    return esc(_(VILLAGE_STATUS_LABEL[status]) if status in VILLAGE_STATUS_LABEL else status)


def no_power_subset(r: dict[str, Any]) -> bool:
    """Whether a village row is in the no-power subset: `has_grid_power`, else `subset`; a table with neither
    (a run before the national layer) held only villages without power."""
    if r.get("has_grid_power") is not None:
        return not bool(r["has_grid_power"])
    if r.get("subset") is not None:
        return bool(r["subset"] == "no_power")
    return True


def _village_synthetic_text(r: dict[str, Any]) -> str:
    """The popup's "synthetic" row: a generated village says so; a reported one whose point dxsim placed in its
    commune (`location_precision` "commune ...") says that too, since "synthetic: no" read as surveyed coordinates."""
    if r.get("synthetic"):
        return _yes(True) + " " + esc(_("(generated village)"))
    placed = str(r.get("location_precision") or "").startswith("commune")
    text = _yes(False) + (
        " " + esc(_("(a reported village; dxsim placed its point in its commune)")) if placed else ""
    )
    # its people are a seeded draw: no source counts them (population_synthetic)
    return text + (
        " " + esc(_("its population is drawn (synthetic)")) if r.get("population_synthetic") else ""
    )


def _village_rows(df: pl.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for r in df.iter_rows(named=True):
        ll = _ll(r)
        if ll is None:
            continue
        vid, name = r.get("village_id") or "", (r.get("name") or "").strip()
        no_name = esc(_("synthetic id, no name"))
        title = (
            f'<b>{esc(name)}</b> <span class="dx-ascii">({esc(vid)})</span>'
            if name
            else f'<b>{esc(vid)}</b> <span class="dx-ascii">({no_name})</span>'
        )
        status = r.get("status") or ""
        power, backhaul = r.get("power"), r.get("backhaul")
        p_label, p_style = VILLAGE_POWER.get(power or "", POWER_OTHER)  # "" is no key: as None
        p_text = esc(_(p_label)) if power in VILLAGE_POWER else esc(power or "–")
        b_text = esc(_(BACKHAUL[backhaul]) if backhaul in BACKHAUL else (backhaul or "–"))
        conn = _date(r.get("connected_date"))
        if r.get("connected_date_p50") is not None:
            conn += " " + _("(P10–P50–P90 over replications: {p10} – {p50} – {p90})").format(
                p10=_date(r.get("connected_date_p10")),
                p50=_date(r.get("connected_date_p50")),
                p90=_date(r.get("connected_date_p90")),
            )
        pop, hh = r.get("population"), r.get("households")
        cost = r.get("cost_vnd_bn") if r.get("cost_vnd_bn") is not None else r.get("capex_vnd_bn")
        place = ", ".join(esc(x) for x in (r.get("commune"), r.get("province")) if x)
        no_power = no_power_subset(r)
        signal = r.get("signal_status")
        served_row = []
        if r.get("served") is not None:
            per_user, cap = r.get("busy_hour_mbps_per_user"), r.get("backhaul_capacity_mbps")
            link = (
                " "
                + _("({cap} link, {per_user} per busy-hour user)").format(
                    cap=_num(cap, 0, "Mbps"), per_user=_num(per_user, 1, "Mbps")
                )
                if per_user is not None or cap is not None
                else ""
            )
            # not "served": on the 5G layers that means a user at a cell's edge gets the served rate at the busy hour,
            # and "served: yes" sat beside 3.3 Mbps per user here (report reader trial)
            served_row = [(_("link carries its demand"), _yes(r.get("served")) + link)]
        signal_text = (
            esc(_(SIGNAL_TEXT[signal]))
            if signal in SIGNAL_TEXT
            else esc(_("signal: {status}").format(status=signal))
        )
        table = _table(
            [
                (_("place"), place or "–"),
                (_("subset"), esc(_(SUBSET_LABEL[no_power])) + (f"; {signal_text}" if signal else "")),
                (_("campaign"), esc(r.get("campaign") or "–")),
                (
                    _("population"),
                    _num(pop) + (" " + _("({n} households)").format(n=_num(hh)) if hh is not None else ""),
                ),
                (_("option"), _("{power} + {backhaul} backhaul").format(power=p_text, backhaul=b_text)),
                (
                    _("status"),
                    f'<b style="color:{VILLAGE_STATUS.get(status, "#333")}">{_status_text(status or "–")}</b>',
                ),
                *served_row,
                (_("power on"), _power_text(r)),
                # a capacity-short village has signal and no connected date (dxsim.results.villages)
                *([(_("signal on"), _date(r.get("signal_date")))] if "signal_date" in r else []),
                (_("connected"), conn),
                # what a planner asks of a late village (provincial planner trial: the popup had dates, not this)
                *([(_("held longest by"), _held_text(r))] if "held_longest_by" in r else []),
                (_("cost"), _num(cost, 2, _("bn VND"))),
                (_("reason"), esc(r.get("reason") or "–")),
                (_("synthetic"), _village_synthetic_text(r)),
            ]
        )
        radius = 4.0 + math.sqrt(max(float(pop or 0), 0.0)) / 6.0
        style = _style(
            radius=round(min(radius, 11.0), 1),
            fillColor=VILLAGE_STATUS.get(status, "#bbbbbb"),
            fillOpacity=0.9 if no_power else 0.55,
            opacity=1.0,
            className="dx-village dx-no-power" if no_power else "dx-village",
            **p_style,
        )
        rows.append(
            {
                "ll": ll,
                "s": style,
                "p": f'<div class="dx-pop">{title}{table}</div>',
                "t": esc(name or vid) + f" — {_status_text(status)}",
            }
        )
    return rows


def build_villages(ctx: MapContext) -> LayerOut:
    df = ctx.out.villages
    rows = _village_rows(df)
    data = ctx.share("DX_VILLAGES", rows)
    n = len(rows)
    n_syn = int(df["synthetic"].sum()) if "synthetic" in df.columns else 0
    n_np = sum(no_power_subset(r) for r in df.iter_rows(named=True))
    overlays = [
        Overlay(
            _("Coverage-hole villages ({n})").format(n=count_text(n)),
            "villages",
            ctx.show,
            f"DX.points(map, g, {data}, 'dxVillages', 640);",
        )
    ]
    present = set(df["status"].drop_nulls().to_list()) if "status" in df.columns else set()
    # capacity-short exists only where the run held village links against demand (a `served` column)
    shown = [s for s in VILLAGE_STATUS if s != "capacity-short" or "served" in df.columns or s in present]
    status_rows = "".join(
        f'<div class="dx-row"><span class="dx-dot" style="width:11px;height:11px;background:{VILLAGE_STATUS[s]};'
        f'border:1px solid #555"></span>{_status_text(s)}'
        + (f" ({esc(_(VILLAGE_STATUS_NOTE[s]))})" if s in VILLAGE_STATUS_NOTE else "")
        + ("" if s in present else " " + esc(_("(none)")))
        + "</div>"
        for s in shown
    )
    # an option no village took says so, as an absent status does (the least-cost rule connects none by grid
    # extension, yet its outline stood in the legend like the options on the map)
    chosen = set(df["power"].drop_nulls().to_list()) if "power" in df.columns else set(VILLAGE_POWER)
    power_rows = "".join(
        f'<div class="dx-row"><span class="dx-dot" style="width:12px;height:12px;background:#eee;'
        f'border:2px {"dashed" if "dashArray" in st else "solid"} {st["color"]}"></span>{esc(_(lab))}'
        + ("" if key in chosen else " " + esc(_("(none)")))
        + "</div>"
        for key, (lab, st) in VILLAGE_POWER.items()
    )
    note = _(
        "{n} villages with no or patchy signal: {n_np} without grid power at the start (thick outline), "
        "{n_gp} with grid power (thin outline, lighter fill); {n_syn} synthetic (generated)"
    ).format(
        n=count_text(df.height),
        n_np=count_text(n_np),
        n_gp=count_text(df.height - n_np),
        n_syn=count_text(n_syn),
    )
    # the fill is the run's end state whatever coverage date the map shows: all 602 villages read "connected" beside
    # the start's coverage (report reader trial)
    title = esc(
        _(
            "Coverage-hole villages (fill: status at the end of the run, whichever coverage date is shown; "
            "outline: power)"
        )
    )
    legend = (
        f'<div data-family="villages"><h4>{title}</h4>{status_rows}{power_rows}'
        f'<div class="dx-note">{esc(note)}</div></div>'
    )
    return LayerOut(overlays, legend)


# --------------------------------------------------------------------------- 5. data centres, 6. GPUs
DC_STATUS = {"operational": "#2171b5", "under_construction": "#fd8d3c", "announced": "#9e9ac8"}
DC_LABEL = {
    "operational": N_("operational"),
    "under_construction": N_("under construction"),
    "announced": N_("announced"),
}
GPU_COLOUR = "#dd3497"


def _dc_radius(mw: float) -> float:
    return round(3.0 + 2.0 * math.sqrt(max(mw, 0.0)), 1)


def _gpu_radius(n: float) -> float:
    return round(3.0 + math.sqrt(max(n, 0.0)) / 5.0, 1)


def _power_text(r: dict[str, Any]) -> str:
    """The day power came, and by what when the utility's generator bridge came before the grid line: "2025-12-12 (the
    utility's generator bridge; grid line 2027-02-14)". Why: a village connected on 2027-02-05 read "power on
    2025-12-12" with no word that the line was energised after it (re-trial)."""
    power, bridge = r.get("power_date"), r.get("power_bridge_date")
    if power is None or bridge is None or power != bridge:
        return _date(power)
    grid = r.get("grid_date")
    said = (
        _("the utility's generator bridge; grid line {date}").format(date=_date(grid))
        if grid is not None
        else _("the utility's generator bridge")
    )
    return f"{_date(power)} ({esc(said)})"


def _held_text(r: dict[str, Any]) -> str:
    """ "permits, 734 days": the cause that held the village longest over the horizon and how long (replication 0's
    villages table), "–" when nothing held it."""
    cause = r.get("held_longest_by") or ""
    if not cause:
        return "–"
    days = r.get("held_longest_days")
    name = cause_noun(cause)
    text = name if days is None else _("{cause}, {days} days").format(cause=name, days=_num(days))
    return esc(text)


def _dc_popup(r: dict[str, Any], extra: str = "") -> str:
    went = r.get("went_ahead")
    st = r.get("status")
    status = _(DC_LABEL[st]) if st in DC_LABEL else (st or "–")
    status_html = esc(status) + (
        "" if went is None else " — " + esc(_("went ahead") if went else _("did not go ahead (rep. 0)"))
    )
    return (
        '<div class="dx-pop">'
        + extra
        + f"<b>{esc(r.get('name') or r.get('dc_id') or '–')}</b>"
        + _table(
            [
                (_("operator"), esc(r.get("operator") or "–")),
                (_("province"), esc(r.get("province") or r.get("gso34") or "–")),
                (_("status"), status_html),
                (
                    _("IT MW start → end"),
                    f"{_num(r.get('start_it_mw'), 1)} → <b>{_num(r.get('it_mw_end'), 1)}</b> "
                    + _("(design {mw})").format(mw=_num(r.get("it_mw_design"), 1)),
                ),
                (_("racks start → end"), f"{_num(r.get('start_racks'))} → {_num(r.get('racks_end'))}"),
                (_("GPUs (end)"), _num(r.get("gpus_end"))),
                ("PUE", _num(r.get("pue"), 2)),
                (_("facility MW (end)"), _num(r.get("facility_power_mw_end"), 1)),
                (
                    _("synthetic"),
                    _yes(r.get("synthetic"))
                    + (" " + _("(generated to reach reported totals)") if r.get("synthetic") else ""),
                ),
            ]
        )
        + "</div>"
    )


def _finite(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return 0.0
    return f if math.isfinite(f) else 0.0


def build_datacentres(ctx: MapContext) -> LayerOut:
    df = (
        ctx.out.datacentres.sort("it_mw_end", descending=True, nulls_last=True)
        if "it_mw_end" in ctx.out.datacentres.columns
        else ctx.out.datacentres
    )
    rows = []
    for r in df.iter_rows(named=True):
        ll = _ll(r)
        if ll is None:
            continue
        mw = _finite(r.get("it_mw_end"))
        went = r.get("went_ahead")
        colour = DC_STATUS.get(r.get("status") or "", "#636363")  # "" is no key: as None
        hollow = mw <= 0 or went is False
        style = _style(
            radius=_dc_radius(mw),
            color="#08306b" if not hollow else colour,
            weight=1.2,
            fillColor=colour,
            fillOpacity=0.15 if hollow else 0.75,
            opacity=0.9,
            dashArray="2 2" if hollow else None,
            className="dx-dc",
        )
        rows.append(
            {
                "ll": ll,
                "s": style,
                "p": _dc_popup(r),
                "t": f"{esc(r.get('name') or r.get('dc_id'))} — {_num(mw, 1)} MW",
            }
        )
    data = ctx.share("DX_DCS", rows)
    label = _("Data centres, IT MW at the end ({n})").format(n=count_text(len(rows)))
    overlays = [Overlay(label, "datacentres", ctx.show, f"DX.points(map, g, {data}, 'dxDcs', 620);")]
    n_syn = int(df["synthetic"].sum()) if "synthetic" in df.columns else 0
    status_rows = "".join(
        f'<div class="dx-row"><span class="dx-dot" style="width:11px;height:11px;background:{c};'
        f'border:1px solid #08306b"></span>{esc(_(DC_LABEL[s]))}</div>'
        for s, c in DC_STATUS.items()
    )
    sizes = "".join(
        f'<div class="dx-row dx-size"><span class="dx-dot" style="width:{2 * _dc_radius(m):.0f}px;'
        f'height:{2 * _dc_radius(m):.0f}px;border:1px solid #08306b"></span>{m} MW</div>'
        for m in (10, 50)
    )
    # the fill is datacentres.parquet `status`, the status at the start, while size and hollowness are the end:
    # a project that went ahead (Viettel Tân Phú Trung, 140 MW at the end) read as still "under construction"
    title = esc(_("Data centres (fill: status at the start; size: IT MW at the end)"))
    hollow_txt = esc(_("no capacity at the end / did not go ahead"))
    note = esc(_("{syn} of {n} synthetic (generated)").format(syn=count_text(n_syn), n=count_text(df.height)))
    legend = (
        f'<div data-family="datacentres"><h4>{title}</h4>{status_rows}'
        '<div class="dx-row"><span class="dx-dot" style="width:11px;height:11px;border:1px dashed #888">'
        f'</span>{hollow_txt}</div>{sizes}<div class="dx-note">{note}</div></div>'
    )
    return LayerOut(overlays, legend)


def build_gpus(ctx: MapContext) -> LayerOut:
    df = ctx.out.datacentres
    if "gpus_end" not in df.columns:
        df = df.with_columns(pl.lit(0.0).alias("gpus_end"))
    df = df.filter(pl.col("gpus_end").fill_null(0) > 0).sort("gpus_end", descending=True)
    rows = []
    for r in df.iter_rows(named=True):
        ll = _ll(r)
        if ll is None:
            continue
        n = _finite(r.get("gpus_end"))
        style = _style(
            radius=_gpu_radius(n),
            color="#49006a",
            weight=1.5,
            fillColor=GPU_COLOUR,
            fillOpacity=0.8,
            className="dx-gpu",
        )
        cluster, end = esc(_("GPU cluster: {n} GPUs").format(n=_num(n))), esc(_("(end)"))
        head = f'<div style="color:{GPU_COLOUR}"><b>{cluster}</b> {end}</div>'
        rows.append(
            {
                "ll": ll,
                "s": style,
                "p": _dc_popup(r, head),
                "t": f"{esc(r.get('name') or r.get('dc_id'))} — " + esc(_("{n} GPUs").format(n=_num(n))),
            }
        )
    data = ctx.share("DX_GPUS", rows)
    label = _("GPU clusters, GPUs at the end ({n})").format(n=count_text(len(rows)))
    overlays = [Overlay(label, "gpus", ctx.show, f"DX.points(map, g, {data}, 'dxGpus', 660);")]
    sizes = "".join(
        f'<div class="dx-row dx-size"><span class="dx-dot" style="width:{2 * _gpu_radius(n):.0f}px;'
        f'height:{2 * _gpu_radius(n):.0f}px;background:{GPU_COLOUR};border:1px solid #49006a"></span>'
        + esc(_("{n} GPUs").format(n=_num(n)))
        + "</div>"
        for n in (1000, 5000)
    )
    title = esc(_("GPU clusters (data centres with GPUs at the end)"))
    none = '<div class="dx-note">' + esc(_("none in this run")) + "</div>"
    legend = f'<div data-family="gpus"><h4>{title}</h4>{sizes}' + (none if not rows else "") + "</div>"
    return LayerOut(overlays, legend)


# --------------------------------------------------------------------------- the registry
LAYERS: dict[str, LayerSpec] = {
    s.name: s
    for s in (
        LayerSpec(
            "coverage_5g",
            "5G population coverage by province (one overlay per date)",
            True,
            ("metrics", "provinces"),
            build_coverage,
        ),
        LayerSpec(
            "served_5g",
            "Served vs covered (5G, end): served / capacity-short / uncovered per 5 km square "
            "and per province",
            False,
            ("metrics", "provinces", "grid"),
            build_served,
            served_unavailable,
        ),
        LayerSpec(
            "density",
            "Population covered / not covered by 5G per km² (5 km squares)",
            False,
            ("grid",),
            build_density,
        ),
        LayerSpec("sites", "5G and 4G sites per 5 km square", False, ("grid",), build_sites),
        LayerSpec(
            "villages",
            "Coverage-hole villages (no or patchy signal), with and without grid power",
            True,
            ("villages",),
            build_villages,
        ),
        LayerSpec("datacentres", "Data centres sized by IT MW", True, ("datacentres",), build_datacentres),
        LayerSpec("gpus", "GPU clusters sized by GPUs", True, ("datacentres",), build_gpus),
    )
}
