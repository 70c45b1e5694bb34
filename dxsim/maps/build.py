"""Assemble `map.html`: an offline, self-contained Leaflet page drawn from a run's output directory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, TypeVar, cast

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from dxsim._version import __version__
from dxsim.errors import DxsimInputError
from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.i18n import language
from dxsim.maps.assets import PAGE_CSS, RUNTIME_JS, esc, js_json, leaflet_css, leaflet_js, runtime_setup
from dxsim.maps.data import FILES, RunOutputs, province_code
from dxsim.maps.layers import LAYERS, LayerOut, MapContext, Overlay, count_text, no_power_subset
from dxsim.results.writer import GENERATOR_MARK, PAGE_KIND_META, atomic_page, check_run_unchanged

MAP_FILE = "map.html"
HEADER_PX = 34
# Vietnamese sentences run ~25% longer: the header's disclosure takes a third line (13 px each) at laptop widths
HEADER_PX_LONG = 47


class _Raw(Element):
    """Text placed as is (never parsed as a template: the inlined Leaflet may hold `{{`)."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "DxRaw"
        self.text = text


class _Script(MacroElement):
    """A piece of JS placed in the page's script section, in tree order."""

    _template = Template("{% macro script(this, kwargs) %}\n{{ this.code }}\n{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement.__init__ is unannotated
        self._name = "DxScript"
        self.code = code

    def render(self, **kwargs: Any) -> str:
        """Place the code in the page's script section as it is (a MacroElement's render returns nothing to insert).

        Why: MacroElement.render wraps the macro's output in an `Element(text)`, whose constructor compiles that text
        as a jinja2 template: the map's data (~3 MB of JSON) went through jinja's lexer, ~0.25 s of every map, and a
        `{{` in a name would have been read as a template expression. The text placed is the one the macro gives
        (a newline, the code; the template's last newline is dropped as jinja drops it)."""
        figure = self.get_root()
        assert isinstance(figure, Figure), "a _Script renders inside the map's Figure"
        figure.script.add_child(_Raw("\n" + self.code), name=self.get_name())
        return ""


def _select(layers: list[str] | None) -> list[str]:
    if layers is None:
        return list(LAYERS)
    names = [s.strip() for s in layers if s and s.strip()]
    bad = [n for n in names if n not in LAYERS]
    if bad:
        raise DxsimInputError(
            _("unknown map layer {name}").format(name=repr(bad[0])),
            field="layers",
            value=",".join(names),
            allowed=", ".join(LAYERS),
        )
    return [n for n in LAYERS if n in names]  # registry order, duplicates dropped


def _day(value: object) -> str:
    """A horizon date of summary.json as the page shows it: as written (ISO) in English, 31/12/2025 in Vietnamese."""
    if language() != "en" and isinstance(value, str):
        try:
            return esc(F.date(dt.date.fromisoformat(value)))
        except ValueError:
            pass
    return esc(value)


def _header(out: RunOutputs, notes: list[str]) -> str:
    s = out.summary
    hz = s.get("horizon") or {}
    reps = s.get("reps")
    reps_text = esc(count_text(reps) if isinstance(reps, int) else (reps if reps is not None else "?"))
    bits = [
        _("<b>dxsim map</b> · scenario <b>{scenario}</b>").format(
            scenario=esc(s.get("scenario", out.dir.name))
        ),
        _("seed {seed}").format(seed=esc(s.get("seed", "?"))),
        (_("{n} replication") if reps == 1 else _("{n} replications")).format(n=reps_text)
        + (
            " " + _("(provinces: P50; squares, sites and villages: replication 0)")
            if isinstance(reps, int) and reps > 1
            else ""
        ),
        f"{_day(hz.get('start_date', '?'))} → {_day(hz.get('end_date', '?'))}",
    ]
    synth = [
        esc(d.get("name")) for d in s.get("data_sources", []) if isinstance(d, dict) and d.get("synthetic")
    ]
    counts = []
    if out.has("villages"):
        v = out.villages
        if "synthetic" in v.columns:
            no_power = [no_power_subset(r) for r in v.iter_rows(named=True)]
            syn = v["synthetic"].to_list()
            n_np, syn_np = sum(no_power), sum(1 for x, n in zip(syn, no_power, strict=True) if x and n)
            counts.append(
                _("{syn} of {n} coverage-hole villages ({syn_np} of the {n_np} without grid power)").format(
                    syn=count_text(sum(1 for x in syn if x)),
                    n=count_text(v.height),
                    syn_np=count_text(syn_np),
                    n_np=count_text(n_np),
                )
            )
            if (
                "population_synthetic" in v.columns
            ):  # the reported villages' people: drawn, no source counts them
                drawn = sum(
                    1 for x, d in zip(syn, v["population_synthetic"].to_list(), strict=True) if d and not x
                )
                if drawn:
                    counts.append(
                        _("the population of the {n} reported villages").format(n=count_text(drawn))
                    )
    if out.has("datacentres"):
        d = out.datacentres
        if "synthetic" in d.columns:
            counts.append(
                _("{syn} of {n} data centres").format(
                    syn=count_text(int(d["synthetic"].sum())), n=count_text(d.height)
                )
            )
    if out.sites_synthetic:
        # beside a planner's site file, the generated part only (sites_5g.parquet flags each site)
        counts.insert(
            0,
            _("the 4G/5G site layer beyond the planner's sites")
            if out.sites_planner
            else _("the 4G/5G site layer"),
        )
    disclosure = (
        '<span class="dx-synth">'
        + _("Partly <b>synthetic</b> data (generated, not observed): {what}.").format(
            what="; ".join(counts or synth or [_("see summary.json data_sources")])
        )
        + "</span>"
    )
    line2 = (
        _("Model projection, not a survey.")
        + " "
        + disclosure
        + (" " + _("Not drawn: {layers}.").format(layers=esc("; ".join(notes))) if notes else "")
    )
    title_attr = esc(
        _("Synthetic data sources: {names}").format(
            names="; ".join(
                d.get("name", "")
                for d in s.get("data_sources", [])
                if isinstance(d, dict) and d.get("synthetic")
            )
        )
    )
    return f'<div class="dx-header" title="{title_attr}">' + " · ".join(bits) + "<br>" + line2 + "</div>"


def _title(out: RunOutputs) -> str:
    s = out.summary
    reps = s.get("reps", "?")
    runs = (_("{n} replication") if reps == 1 else _("{n} replications")).format(n=reps)
    return esc(
        _("dxsim map — {scenario} (seed {seed}, {runs}, synthetic data included)").format(
            scenario=s.get("scenario", out.dir.name), seed=s.get("seed", "?"), runs=runs
        )
    )


_E = TypeVar("_E", bound=Element)


class _Ids:
    """Counter ids for the elements the page names (branca's are random), so that the same inputs
    give the same file; set before any `get_name()` is used in generated code."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, el: _E) -> _E:
        el._id = f"{self.n:03d}"
        self.n += 1
        return el


def render_map(result_dir: Path, layers: list[str] | None = None, province: str | None = None) -> str:
    """The HTML text of the map (see build_map)."""
    out = RunOutputs(Path(result_dir))
    names = _select(layers)
    explicit = layers is not None
    notes: list[str] = []
    shared: dict[str, str] = {}
    built: list[tuple[str, LayerOut]] = []
    if not out.has("provinces"):
        raise DxsimInputError(
            _("missing {name} (the map's basemap; written by `dxsim run`)").format(name=FILES["provinces"]),
            file=out.path("provinces"),
        )
    base_prov = dict(out.provinces)
    # the basemap's tooltip: bilingual name (escaped)
    base_prov = {
        "type": "FeatureCollection",
        "features": [
            {
                **f,
                "properties": {
                    **f["properties"],
                    "tip": f"<b>{esc(f['properties']['name34'])}</b>"
                    + (f" ({esc(f['properties']['name_ascii'])})" if f["properties"]["name_ascii"] else ""),
                },
            }
            for f in base_prov["features"]
        ],
    }
    shared["DX_PROV"] = js_json(base_prov)
    focus = province_code(out, province) if province is not None else None
    for name in names:
        spec = LAYERS[name]
        missing = [FILES[k] for k in spec.needs if not out.has(k)]
        if missing:
            if explicit:
                raise DxsimInputError(
                    _("layer {name} needs {files}, not in the result directory").format(
                        name=repr(name), files=", ".join(missing)
                    ),
                    file=out.dir,
                    field="layers",
                    value=name,
                )
            notes.append(_("{layer} ({files} missing)").format(layer=name, files=", ".join(missing)))
            continue
        why = spec.unavailable(out) if spec.unavailable is not None else None
        if why:  # e.g. the served layer of a run without the capacity model: simply absent unless asked for
            if explicit:
                raise DxsimInputError(
                    _("layer {name} cannot be drawn: {why}").format(name=repr(name), why=why),
                    file=out.dir,
                    field="layers",
                    value=name,
                )
            continue
        ctx = MapContext(out=out, show=True if explicit else spec.default_on, shared=shared)
        built.append((name, spec.build(ctx)))

    fig = Figure(title=_title(out))
    grid_bounds = None
    if out.has("grid") and out.grid.height:
        g = out.grid
        # numeric columns of a non-empty table: min/max are numbers (polars types them as any literal)
        grid_bounds = [
            [float(cast(float, g["lat"].min())), float(cast(float, g["lon"].min()))],
            [float(cast(float, g["lat"].max())), float(cast(float, g["lon"].max()))],
        ]
    bounds = grid_bounds or out.bounds() or [[8.3, 102.1], [23.4, 109.5]]
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    ids = _Ids()
    m = ids(
        folium.Map(
            location=center, zoom_start=6, tiles=None, min_zoom=4, max_zoom=14, zoom_snap=0.25, zoom_delta=0.5
        )
    )
    m.default_js = []  # no CDN: Leaflet is inlined below; nothing else (jQuery, Bootstrap, ...) is used
    m.default_css = []
    fig.add_child(m)
    mname = m.get_name()
    header_px = HEADER_PX if language() == "en" else HEADER_PX_LONG
    fig.header.add_child(
        _Raw(
            '<meta charset="utf-8">\n'
            f'<meta {GENERATOR_MARK} {esc(__version__)}">\n'
            f'<meta name="{PAGE_KIND_META}" content="map">\n'
            f"<style>{leaflet_css()}</style>\n<style>{PAGE_CSS}\n"
            + ("" if header_px == HEADER_PX else f".dx-header {{ min-height: {header_px}px; }}\n")
            + f".folium-map {{ position: absolute !important; top: {header_px}px !important; bottom: 0; left: 0; right: 0;"
            " height: auto !important; width: 100% !important; }</style>\n"
            f"<script>{leaflet_js()}</script>\n<script>{RUNTIME_JS}</script>"
        ),
        name="dx_assets",
        index=0,
    )
    fig.html.add_child(_Raw(_header(out, notes)), name="dx_header", index=0)

    # data once, then the always-on basemap, then one feature group per overlay
    m.add_child(
        _Script("\n".join([runtime_setup(), *(f"var {k} = {v};" for k, v in shared.items())])), name="dx_data"
    )
    m.add_child(
        _Script(
            f"{mname}.attributionControl.setPrefix('Leaflet');\n"
            f"{mname}.attributionControl.addAttribution({js_json(esc(_attribution(out)))});\n"
            f"L.control.scale({{imperial: false}}).addTo({mname});\n"
            f"DX.base({mname}, DX_PROV);\n"
            f"DX.places({mname}, {js_json([[lat, lon, esc(_(name))] for lat, lon, name in ARCHIPELAGOS])});"
        ),
        name="dx_base",
    )
    legends = []
    for _name, lo in built:
        legends.append(lo.legend)
        for ov in lo.overlays:
            _add_overlay(m, ov, ids)
    ids(folium.LayerControl(collapsed=False, position="topright")).add_to(m)
    legend_html = "".join(legends) or '<div class="dx-note">' + esc(_("provinces only")) + "</div>"
    m.add_child(
        _Script(f"DX.init({mname}, {js_json(legend_html)}, {js_json(bounds)}, {js_json(focus)});"),
        name="dx_init",
    )
    return _with_lang(fig.render())


def _with_lang(page: str) -> str:
    """The page's `<html>` with the language of its text (screen readers, hyphenation, the browser's fonts), English
    too: a bare `<html>` leaves the language to the reader's browser, whose Vietnamese voice then reads the English
    map (report.html has always said `lang="en"`)."""
    return page.replace("<html>", f'<html lang="{esc(language())}">', 1)


# The two archipelagos the province boundaries draw (Hoàng Sa in Đà Nẵng, Trường Sa in Khánh Hòa), named on the
# basemap as Vietnam's maps name them: the map drew them unnamed (provincial GIS trial). (lat, lon): the
# archipelagos' usual reference points, 16°30'N 112°00'E and 10°00'N 114°20'E (en.wikipedia.org, Paracel Islands and
# Spratly Islands).
ARCHIPELAGOS = (
    (16.5, 112.0, N_("Hoàng Sa archipelago (Viet Nam)")),
    (10.0, 114.333, N_("Trường Sa archipelago (Viet Nam)")),
)


def _attribution(out: RunOutputs) -> str:
    return _(
        "Boundaries: Open Development Vietnam (CC BY-SA 4.0); population: WorldPop (CC BY 4.0); "
        "sites and some villages / data centres: synthetic (dxsim)"
    )


def _add_overlay(m: folium.Map, ov: Overlay, ids: _Ids) -> None:
    fg = ids(folium.FeatureGroup(name=esc(ov.label), show=ov.show, overlay=True, control=True))
    m.add_child(fg)
    code = (
        f"(function (map, g) {{\nDX.group(g, {js_json(ov.family)}, {js_json(ov.legend_label or '')}, "
        f"{js_json(ov.exclusive)});\n{ov.js}\n}})({m.get_name()}, {fg.get_name()});"
    )
    fg.add_child(_Script(code))


def build_map(
    result_dir: Path, layers: list[str] | None = None, out: Path | None = None, province: str | None = None
) -> Path:
    """Write the offline map of a run's output directory and return its path.

    result_dir: a directory written by `dxsim run` (reads only its files).
    layers: names from `LAYERS` (None = all, each at its default visibility; a list = only those,
        all shown; the 5G coverage layer shows its latest date). Unknown names raise DxsimInputError.
    out: the file to write (default `result_dir/map.html`); written atomically (temp file + rename).
    province: the province the page opens on, zoomed to and outlined (its gso34 code or its name, with or
        without diacritics; the page's province picker and an address ending `#08` change it); None = the country.
    """
    result_dir = Path(result_dir)
    check_run_unchanged(result_dir)
    text = render_map(result_dir, layers, province)
    target = Path(out) if out is not None else result_dir / MAP_FILE
    # named as the user gave it: a read-only run folder was called "--out", which had not been given
    atomic_page(target, text, "--out" if out is not None else "result_dir")
    return target
