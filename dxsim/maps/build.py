"""Assemble `map.html`: an offline, self-contained Leaflet page drawn from a run's output directory."""

from __future__ import annotations

from pathlib import Path

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from dxsim.errors import DxsimInputError
from dxsim._version import __version__
from dxsim.results.writer import GENERATOR_MARK, atomic_page
from dxsim.maps.assets import PAGE_CSS, RUNTIME_JS, esc, js_json, leaflet_css, leaflet_js
from dxsim.maps.data import FILES, RunOutputs
from dxsim.maps.layers import LAYERS, LayerOut, MapContext, Overlay, no_power_subset

MAP_FILE = "map.html"
HEADER_PX = 34


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
        super().__init__()
        self._name = "DxScript"
        self.code = code


def _select(layers: list[str] | None) -> list[str]:
    if layers is None:
        return list(LAYERS)
    names = [s.strip() for s in layers if s and s.strip()]
    bad = [n for n in names if n not in LAYERS]
    if bad:
        raise DxsimInputError(f"unknown map layer {bad[0]!r}", field="layers", value=",".join(names),
                              allowed=", ".join(LAYERS))
    return [n for n in LAYERS if n in names]  # registry order, duplicates dropped


def _header(out: RunOutputs, notes: list[str]) -> str:
    s = out.summary
    hz = s.get("horizon") or {}
    reps = s.get("reps")
    bits = [f"<b>dxsim map</b> · scenario <b>{esc(s.get('scenario', out.dir.name))}</b>",
            f"seed {esc(s.get('seed', '?'))}",
            f"{esc(reps if reps is not None else '?')} replication{'s' if reps != 1 else ''}"
            + (" (map shows replication 0)" if isinstance(reps, int) and reps > 1 else ""),
            f"{esc(hz.get('start_date', '?'))} → {esc(hz.get('end_date', '?'))}"]
    synth = [esc(d.get("name")) for d in s.get("data_sources", []) if isinstance(d, dict) and d.get("synthetic")]
    counts = []
    if out.has("villages"):
        v = out.villages
        if "synthetic" in v.columns:
            no_power = [no_power_subset(r) for r in v.iter_rows(named=True)]
            syn = v["synthetic"].to_list()
            n_np, syn_np = sum(no_power), sum(1 for x, n in zip(syn, no_power, strict=True) if x and n)
            counts.append(f"{sum(1 for x in syn if x)} of {v.height} coverage-hole villages "
                          f"({syn_np} of the {n_np} without grid power)")
    if out.has("datacentres"):
        d = out.datacentres
        if "synthetic" in d.columns:
            counts.append(f"{int(d['synthetic'].sum())} of {d.height} data centres")
    if out.sites_synthetic:
        counts.insert(0, "the 4G/5G site layer")
    disclosure = ("<span class=\"dx-synth\">Partly <b>synthetic</b> data (generated, not observed): "
                  + "; ".join(counts or synth or ["see summary.json data_sources"]) + ".</span>")
    line2 = ("Model projection, not a survey. " + disclosure
             + (" Not drawn: " + esc("; ".join(notes)) + "." if notes else ""))
    title_attr = esc("Synthetic data sources: " + "; ".join(d.get("name", "") for d in s.get("data_sources", [])
                                                              if isinstance(d, dict) and d.get("synthetic")))
    return (f'<div class="dx-header" title="{title_attr}">' + " · ".join(bits) + "<br>" + line2 + "</div>")


def _title(out: RunOutputs) -> str:
    s = out.summary
    return esc(f"dxsim map — {s.get('scenario', out.dir.name)} (seed {s.get('seed', '?')}, "
               f"{s.get('reps', '?')} reps, synthetic data included)")


class _Ids:
    """Counter ids for the elements the page names (branca's are random), so that the same inputs
    give the same file; set before any `get_name()` is used in generated code."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, el: Element) -> Element:
        el._id = f"{self.n:03d}"
        self.n += 1
        return el


def render_map(result_dir: Path, layers: list[str] | None = None) -> str:
    """The HTML text of the map (see build_map)."""
    out = RunOutputs(Path(result_dir))
    names = _select(layers)
    explicit = layers is not None
    notes: list[str] = []
    shared: dict[str, str] = {}
    built: list[tuple[str, LayerOut]] = []
    if not out.has("provinces"):
        raise DxsimInputError(f"missing {FILES['provinces']} (the map's basemap; written by `dxsim run`)",
                              file=out.path("provinces"))
    base_prov = dict(out.provinces)
    # the basemap's tooltip: bilingual name (escaped)
    base_prov = {"type": "FeatureCollection", "features": [
        {**f, "properties": {**f["properties"], "tip": f"<b>{esc(f['properties']['name34'])}</b>"
                             + (f" ({esc(f['properties']['name_ascii'])})" if f["properties"]["name_ascii"] else "")}}
        for f in base_prov["features"]]}
    shared["DX_PROV"] = js_json(base_prov)
    for name in names:
        spec = LAYERS[name]
        missing = [FILES[k] for k in spec.needs if not out.has(k)]
        if missing:
            if explicit:
                raise DxsimInputError(f"layer {name!r} needs {', '.join(missing)}, not in the result directory",
                                      file=out.dir, field="layers", value=name)
            notes.append(f"{name} ({', '.join(missing)} missing)")
            continue
        why = spec.unavailable(out) if spec.unavailable is not None else None
        if why:  # e.g. the served layer of a run without the capacity model: simply absent unless asked for
            if explicit:
                raise DxsimInputError(f"layer {name!r} cannot be drawn: {why}", file=out.dir, field="layers",
                                      value=name)
            continue
        ctx = MapContext(out=out, show=True if explicit else spec.default_on, shared=shared)
        built.append((name, spec.build(ctx)))

    fig = Figure(title=_title(out))
    grid_bounds = None
    if out.has("grid") and out.grid.height:
        g = out.grid
        grid_bounds = [[float(g["lat"].min()), float(g["lon"].min())], [float(g["lat"].max()), float(g["lon"].max())]]
    bounds = grid_bounds or out.bounds() or [[8.3, 102.1], [23.4, 109.5]]
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    ids = _Ids()
    m = ids(folium.Map(location=center, zoom_start=6, tiles=None, min_zoom=4, max_zoom=14,
                        zoom_snap=0.25, zoom_delta=0.5))
    m.default_js = []   # no CDN: Leaflet is inlined below; nothing else (jQuery, Bootstrap, ...) is used
    m.default_css = []
    fig.add_child(m)
    mname = m.get_name()
    fig.header.add_child(_Raw(
        '<meta charset="utf-8">\n'
        f'<meta {GENERATOR_MARK} {esc(__version__)}">\n'
        f"<style>{leaflet_css()}</style>\n<style>{PAGE_CSS}\n"
        f".folium-map {{ position: absolute !important; top: {HEADER_PX}px !important; bottom: 0; left: 0; right: 0;"
        " height: auto !important; width: 100% !important; }</style>\n"
        f"<script>{leaflet_js()}</script>\n<script>{RUNTIME_JS}</script>"), name="dx_assets", index=0)
    fig.html.add_child(_Raw(_header(out, notes)), name="dx_header", index=0)

    # data once, then the always-on basemap, then one feature group per overlay
    m.add_child(_Script("\n".join(f"var {k} = {v};" for k, v in shared.items())), name="dx_data")
    m.add_child(_Script(
        f"{mname}.attributionControl.setPrefix('Leaflet');\n"
        f"{mname}.attributionControl.addAttribution({js_json(esc(_attribution(out)))});\n"
        f"L.control.scale({{imperial: false}}).addTo({mname});\n"
        f"DX.base({mname}, DX_PROV);"), name="dx_base")
    legends = []
    for _name, lo in built:
        legends.append(lo.legend)
        for ov in lo.overlays:
            _add_overlay(m, ov, ids)
    ids(folium.LayerControl(collapsed=False, position="topright")).add_to(m)
    legend_html = "".join(legends) or '<div class="dx-note">provinces only</div>'
    m.add_child(_Script(f"DX.init({mname}, {js_json(legend_html)}, {js_json(bounds)});"), name="dx_init")
    return fig.render()


def _attribution(out: RunOutputs) -> str:
    return ("Boundaries: Open Development Vietnam (CC BY-SA 4.0); population: WorldPop (CC BY 4.0); "
            "sites and some villages / data centres: synthetic (dxsim)")


def _add_overlay(m: folium.Map, ov: Overlay, ids: _Ids) -> None:
    fg = ids(folium.FeatureGroup(name=esc(ov.label), show=ov.show, overlay=True, control=True))
    m.add_child(fg)
    code = (f"(function (map, g) {{\nDX.group(g, {js_json(ov.family)}, {js_json(ov.legend_label or '')}, "
            f"{js_json(ov.exclusive)});\n{ov.js}\n}})({m.get_name()}, {fg.get_name()});")
    fg.add_child(_Script(code))


def build_map(result_dir: Path, layers: list[str] | None = None, out: Path | None = None) -> Path:
    """Write the offline map of a run's output directory and return its path.

    result_dir: a directory written by `dxsim run` (reads only its files).
    layers: names from `LAYERS` (None = all, each at its default visibility; a list = only those,
        all shown; the 5G coverage layer shows its latest date). Unknown names raise DxsimInputError.
    out: the file to write (default `result_dir/map.html`); written atomically (temp file + rename).
    """
    result_dir = Path(result_dir)
    text = render_map(result_dir, layers)
    target = Path(out) if out is not None else result_dir / MAP_FILE
    atomic_page(target, text)
    return target
