"""Inlined Leaflet, the map's own JavaScript runtime, and the escaping helpers.

Everything the page needs travels inside `map.html`: Leaflet's JS and CSS are read from the
`xstatic-leaflet` package (no CDN), the layer-control images become `data:` URIs, and the default
marker-icon rule is dropped (the map draws only vector markers, never Leaflet's PNG icons).
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from dxsim.i18n import gettext as _
from dxsim.i18n import language


# --------------------------------------------------------------------------- escaping
def esc(value: Any) -> str:
    """HTML-escape any text that comes from a file (names, operators, reasons) for a popup/tooltip."""
    return html.escape("" if value is None else str(value), quote=True)


_JS_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def js_json(obj: Any) -> str:
    """Compact JSON safe to place inside a `<script>` element.

    `<` and `>` only occur inside JSON strings, where `\\u003c` / `\\u003e` mean the same characters,
    so no `</script>` or `<!--` can ever end or confuse the script element whatever the data holds
    (`&` is inert in a script element and stays, so escaped HTML such as `&lt;img` reads as is).
    UTF-8 stays readable (ensure_ascii=False).
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>\u2028\u2029]", lambda m: _JS_UNSAFE[m.group(0)], text)


# --------------------------------------------------------------------------- Leaflet
def leaflet_dir() -> Path:
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """leaflet.js as shipped, minus its `sourceMappingURL` comment (nothing is fetched)."""
    src = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    src = re.sub(r"^//# sourceMappingURL=.*$", "", src, flags=re.M).rstrip() + "\n"
    if re.search(r"</script|<!--", src, flags=re.I):  # pragma: no cover - guards a future Leaflet
        raise RuntimeError("leaflet.js cannot be inlined safely in a <script> element")
    return src


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """leaflet.css with the layer-control images as data: URIs and no default marker-icon rule."""
    d = leaflet_dir()
    css = (d / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # comments (one holds a bug-tracker URL)
    css = re.sub(r"\.leaflet-default-icon-path\s*\{[^}]*\}", "", css)
    css = re.sub(r"behavior:\s*url\(#default#VML\);", "", css)  # old-IE VML only
    css = re.sub(
        r"url\(images/([A-Za-z0-9_.-]+\.png)\)", lambda m: f"url({_data_uri(d / 'images' / m.group(1))})", css
    )
    left = re.findall(r"url\(\s*['\"]?(?!data:)([^)'\"]*)", css)
    if left:  # pragma: no cover - guards a future Leaflet
        raise RuntimeError(f"leaflet.css still references {left}")
    return css


# --------------------------------------------------------------------------- page style and runtime
PAGE_CSS = """
html, body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; }
/* the header is as tall as its lines (the runtime moves the map below it): at 1024 px the synthetic-data warning
   wrapped to a third line that a fixed 34 px cut off; past a quarter of the screen it scrolls */
.dx-header { position: absolute; top: 0; left: 0; right: 0; min-height: 34px; max-height: 25vh; box-sizing: border-box;
  padding: 4px 10px; font-size: 12.5px; line-height: 13px; background: #1f2d3d; color: #f4f4f4;
  overflow-y: auto; z-index: 1100; }
.dx-header b { color: #fff; }
.dx-header .dx-synth { color: #ffd479; }
.leaflet-container { background: #dbe6ee; font-size: 12px; }
.dx-legend { background: rgba(255,255,255,0.94); padding: 6px 8px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 11px; line-height: 14px; max-width: 230px;
  max-height: min(60vh, calc(100vh - 210px)); overflow-y: auto; }
.dx-legend h4 { margin: 5px 0 2px; font-size: 11.5px; }
.dx-legend h4:first-child { margin-top: 0; }
/* a swatch beside the first line of its label (a three-line Vietnamese label had it on the second); a size circle
   beside the middle of its label */
.dx-legend .dx-row { display: flex; align-items: flex-start; gap: 5px; }
.dx-legend .dx-row > .dx-sw, .dx-legend .dx-row > .dx-dot { margin-top: 2px; }
.dx-legend .dx-row.dx-size { align-items: center; }
.dx-legend .dx-row.dx-size > .dx-dot { margin-top: 0; }
.dx-legend .dx-sw { display: inline-block; width: 14px; height: 10px; border: 1px solid #777; flex: none; }
.dx-legend .dx-dot { display: inline-block; border-radius: 50%; flex: none; box-sizing: border-box; }
.dx-legend .dx-ramp { display: flex; margin-top: 2px; }
.dx-legend .dx-rc { flex: 1; height: 11px; border-top: 1px solid #999; border-bottom: 1px solid #999; }
.dx-legend .dx-ticks { display: flex; font-size: 10px; color: #333; }
.dx-legend .dx-rt { flex: 1; text-align: center; }
.dx-legend .dx-note { color: #555; font-size: 10.5px; }
/* a legend taller than its box scrolls: its foot says so while more lies below (at 800 x 600 it ended mid-section
   with nothing to tell that the data centres' sizes and the GPU clusters followed) */
.dx-legend .dx-more-hint { display: none; position: sticky; bottom: -6px; margin: 0 -8px -6px; padding: 10px 8px 3px;
  text-align: center; font-size: 10.5px; color: #333; pointer-events: none;
  background: linear-gradient(rgba(255,255,255,0), rgba(255,255,255,0.97) 50%); }
.dx-legend.dx-more .dx-more-hint { display: block; }
.leaflet-control-layers { font-size: 12px; max-height: 62vh; overflow-y: auto; }
/* the attribution keeps to the right half: across the whole width (two lines at 1024 px) it covered the legend's
   foot and the scale bar */
.leaflet-control-attribution { font-size: 10.5px; line-height: 12px; max-width: 55vw; }
.leaflet-control-layers label { margin: 1px 0; }
.dx-pop { font-size: 12px; line-height: 16px; max-width: 320px; }
.dx-pop table { border-collapse: collapse; }
.dx-pop td { padding: 0 6px 0 0; vertical-align: top; }
.dx-pop td:first-child { color: #555; white-space: nowrap; }
.dx-ascii { color: #666; }
.dx-picker { background: #fff; padding: 3px 5px; font-size: 12px; }
.dx-picker select { margin-left: 4px; font-size: 12px; max-width: 190px; }
.dx-picker-note { margin-top: 3px; max-width: 230px; color: #8a1c1c; font-size: 11px; line-height: 13px; }
.leaflet-tooltip.dx-place { background: none; border: none; box-shadow: none; padding: 0; color: #4a4a4a;
  font-size: 11px; font-style: italic; white-space: nowrap; text-shadow: 0 0 2px #fff; }
.leaflet-tooltip.dx-place::before { display: none; }
/* a phone: the header scrolls (its second line, the synthetic-data warning, was cut off), and the legend and the
   layer control share the height instead of overlapping */
@media (max-width: 600px) {
  .dx-header { font-size: 10.5px; line-height: 11px; overflow-y: auto; }
  .dx-legend { max-width: 170px; max-height: 30vh; font-size: 10px; }
  .leaflet-control-layers { max-height: 34vh; font-size: 11px; }
  .leaflet-control-attribution { font-size: 8.5px; line-height: 10px; max-width: 45vw; } /* beside the legend */
}
"""

# BCP 47 tag of each language for the page's `lang` and the runtime's number formatting (Intl)
LOCALE_TAGS = {"en": "en-US", "vi": "vi-VN"}


def runtime_text() -> dict[str, str]:
    """The words the runtime writes into popups built on click (5 km squares, sites), in the language in use.

    Placeholders ({n}) are filled in JS by `DX.tr` with numbers DX.fmt formats in the page's locale, so the
    words and the numbers of a popup follow the same language as the rest of the page.
    """
    return {
        "population": _("population"),
        "per_km2": _("{n} per km²"),
        "covered_end": _("covered by 5G (end)"),
        "not_covered": _("not covered"),
        "sites_5g": _("{n} 5G sites on air at the end"),
        "sites_4g": _("{n} 4G sites"),
        "persons": _("{n} persons"),
        "class": _("class"),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "close_popup": _("Close popup"),
        "province_pick": _("Province"),
        "all_provinces": _("All of Viet Nam"),
        "legend_more": _("scroll for more"),
        "no_province": _("no province is named “{name}” in the address: the whole country is shown"),
    }


def runtime_setup() -> str:
    """JS that gives the runtime its locale and words (placed in the page before any layer is drawn)."""
    return f"DX.setup({js_json(LOCALE_TAGS[language()])}, {js_json(runtime_text())});"


# The runtime is plain ES5 so any browser runs it; it holds no data (data come as JSON literals) and no words:
# `DX.setup(locale, words)` (runtime_setup) gives it the page's language.
RUNTIME_JS = r"""
var DX = (function () {
  var groups = [], locale = 'en-US', T = {};
  function setup(loc, words) { locale = loc; T = words; }
  // T[key] with each {name} replaced by args[name] (already formatted text)
  function tr(key, args) {
    var s = T[key] === undefined ? key : T[key];
    for (var k in args) if (args.hasOwnProperty(k)) s = s.split('{' + k + '}').join(args[k]);
    return s;
  }
  function fmt(n, d) {
    if (n === null || n === undefined || isNaN(n)) return '\u2013';
    d = d || 0;
    return Number(n).toLocaleString(locale, {minimumFractionDigits: d, maximumFractionDigits: d});
  }
  // bins are the lower bounds of classes 1..n; class 0 is below bins[0]
  function cls(v, bins) { var k = 0; while (k < bins.length && v >= bins[k]) k++; return k; }
  function group(g, family, label, exclusive) {
    g._dxFamily = family; g._dxLabel = label; g._dxExclusive = exclusive || null; groups.push(g); return g;
  }
  // fill(): builds the group's layers once, the first time the group is on the map
  function lazy(map, g, fill) {
    var done = false;
    function go() { if (!done) { done = true; fill(); } }
    if (map.hasLayer(g)) go(); else g.once('add', go);
  }
  function pane(map, name, z) {
    if (!map.getPane(name)) { map.createPane(name).style.zIndex = z; }
    return name;
  }
  function fitHeader(map) {  // the map starts below the header, however many lines the header wrapped to
    var header = document.querySelector('.dx-header');
    if (!header) return;
    function fit() {
      var c = map.getContainer(), h = header.offsetHeight;
      if (Math.abs(c.getBoundingClientRect().top - h) > 0.5) {
        c.style.setProperty('top', h + 'px', 'important');
        map.invalidateSize();
      }
    }
    fit();
    window.addEventListener('resize', fit);
  }
  function init(map, legendHtml, bounds, focus) {
    fitHeader(map);
    var legend = L.control({position: 'bottomleft'});
    legend.onAdd = function () {
      var div = L.DomUtil.create('div', 'dx-legend');
      div.innerHTML = legendHtml;
      var hint = L.DomUtil.create('div', 'dx-more-hint', div);
      hint.setAttribute('aria-hidden', 'true');
      hint.textContent = '\u25BE ' + (T.legend_more || '');
      L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
      div.addEventListener('scroll', moreBelow);
      return div;
    };
    // the foot hint while part of the legend lies below its box (dx-more)
    function moreBelow() {
      var d = legend.getContainer();
      if (d) d.classList.toggle('dx-more', d.scrollTop + d.clientHeight < d.scrollHeight - 4);
    }
    legend.addTo(map);
    window.addEventListener('resize', moreBelow);
    if (map.zoomControl) {  // Leaflet's own button titles, in the page's language
      var zc = map.zoomControl.getContainer();
      [['.leaflet-control-zoom-in', 'zoom_in'], ['.leaflet-control-zoom-out', 'zoom_out']].forEach(function (b) {
        var el = zc.querySelector(b[0]);
        if (el && T[b[1]]) { el.title = T[b[1]]; el.setAttribute('aria-label', T[b[1]]); }
      });
    }
    map.on('popupopen', function (e) {  // Leaflet names its popups' close button in English
      var b = e.popup.getElement() && e.popup.getElement().querySelector('.leaflet-popup-close-button');
      if (b && T.close_popup) { b.title = T.close_popup; b.setAttribute('aria-label', T.close_popup); }
    });
    function update() {
      var on = {}, title = {};
      groups.forEach(function (g) {
        if (map.hasLayer(g)) { on[g._dxFamily] = true; title[g._dxFamily] = g._dxLabel; }
      });
      var secs = legend.getContainer().querySelectorAll('[data-family]');
      for (var i = 0; i < secs.length; i++) {
        var f = secs[i].getAttribute('data-family');
        secs[i].style.display = on[f] ? '' : 'none';
        var t = secs[i].querySelector('.dx-active');
        if (t) t.textContent = title[f] ? '(' + title[f] + ')' : '';
      }
      moreBelow();
    }
    map.on('overlayadd', function (e) {
      var x = e.layer._dxExclusive;
      // deferred: the layer control ignores layer changes while it handles its own click
      setTimeout(function () {
        if (x) groups.forEach(function (g) {
          if (g !== e.layer && g._dxExclusive === x && map.hasLayer(g)) map.removeLayer(g);
        });
        update();
      }, 0);
    });
    map.on('overlayremove', function () { setTimeout(update, 0); });
    update();
    // not animated: an animated zoom still running would end on its own target, over a province picked meanwhile
    if (bounds) map.fitBounds(bounds, {padding: [4, 4], animate: false});
    picker(map, bounds, focus);
  }
  // the provinces of the basemap, for the province picker: [{code, name, ascii, layer}], by name
  var provinces = [];
  function base(map, prov) {
    var p = pane(map, 'dxBase', 300);
    return L.geoJSON(prov, {
      pane: p,
      style: {color: '#8d8d8d', weight: 0.7, fillColor: '#f6f3ec', fillOpacity: 1},
      onEachFeature: function (f, l) {
        l.bindTooltip(f.properties.tip, {sticky: true});
        // the pre-2025 provinces merged into it under another code ("Hà Giang (02); ..."): #02 and #Hà Giang open it
        var former = String(f.properties.former || '').split('; ').map(function (s) {
          var m = s.match(/^(.*) \((\d+)\)$/); return m ? {name: m[1], code: m[2]} : null;
        }).filter(Boolean);
        provinces.push({code: f.properties.code, name: f.properties.name34, ascii: f.properties.name_ascii || '',
          former: former, feature: f});
      }
    }).addTo(map);
  }
  // a province as typed after '#' in the address: its gso34 code, or its name with or without the diacritics
  function fold(s) {
    s = String(s);
    return (s.normalize ? s.normalize('NFD') : s).replace(/[\u0300-\u036f]/g, '').replace(/[\u0111\u0110]/g, 'd')
      .toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  }
  function findProvince(text) {
    if (/^\d$/.test(text)) text = '0' + text;  // a code without its leading zero: 8 for 08, as the command reads it
    var t = fold(text);
    if (!t) return null;
    for (var i = 0; i < provinces.length; i++) {
      var p = provinces[i];
      if (p.code === text || fold(p.code) === t || fold(p.name) === t || (p.ascii && fold(p.ascii) === t)) return p;
    }
    for (var j = 0; j < provinces.length; j++) {  // then a pre-2025 province, by its code or name: its 2025 one
      var q = provinces[j];
      for (var k = 0; k < q.former.length; k++) {
        if (q.former[k].code === text || fold(q.former[k].name) === t) return q;
      }
    }
    return null;
  }
  // the province picker (top left): zooms to a province and outlines it above every overlay; the address's '#08'
  // or '#Tuyên Quang' picks one (a link to a province's view), `dxsim map --province` gives the page's default
  function picker(map, bounds, focus) {
    if (!provinces.length) return;
    var outline = null, sel, note;
    var box = L.control({position: 'topleft'});
    box.onAdd = function () {
      var div = L.DomUtil.create('div', 'dx-picker leaflet-bar');
      var label = L.DomUtil.create('label', '', div);
      label.textContent = T.province_pick || 'Province';
      sel = L.DomUtil.create('select', '', label);
      sel.setAttribute('aria-label', T.province_pick || 'Province');
      var all = document.createElement('option');
      all.value = ''; all.textContent = T.all_provinces || 'All'; sel.appendChild(all);
      provinces.slice().sort(function (a, b) { return a.name.localeCompare(b.name, locale); })
        .forEach(function (p) {
          var o = document.createElement('option');
          o.value = p.code; o.textContent = p.name + ' (' + p.code + ')'; sel.appendChild(o);
        });
      // an address that names no province says so (it showed the whole country without a word: provincial trial)
      note = L.DomUtil.create('div', 'dx-picker-note', div);
      note.setAttribute('role', 'status');
      note.hidden = true;
      L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
      L.DomEvent.on(sel, 'change', function () { show(findProvince(sel.value), true); });
      return div;
    };
    box.addTo(map);
    function show(p, remember) {
      note.hidden = true;
      if (outline) { map.removeLayer(outline); outline = null; }
      if (p) {
        outline = L.geoJSON(p.feature, {pane: pane(map, 'dxFocus', 440), interactive: false,
          style: {color: '#111111', weight: 2.5, fill: false}}).addTo(map);
        map.fitBounds(outline.getBounds(), clear(map));
      } else if (bounds) {
        map.fitBounds(bounds, {padding: [4, 4], animate: false});
      }
      sel.value = p ? p.code : '';
      map.getContainer().setAttribute('data-dx-province', p ? p.code : '');
      if (remember && window.history && history.replaceState) {
        history.replaceState(null, '', p ? '#' + p.code : location.pathname + location.search);
      }
    }
    // the province beside the panels, not under them: the legend (bottom left) and the layer control (top right)
    // pad the view, together at most 60% of the map's width (a phone's panels nearly fill it)
    function clear(map) {
      var c = map.getContainer(), w = c.clientWidth;
      var lg = c.querySelector('.dx-legend'), lc = c.querySelector('.leaflet-control-layers');
      var left = lg ? lg.offsetWidth + 12 : 12, right = lc ? lc.offsetWidth + 12 : 12;
      var k = Math.min(1, 0.6 * w / (left + right));
      // not animated: the view is the province's at once (a zoom animation's frames are views of neither)
      return {paddingTopLeft: [left * k, 12], paddingBottomRight: [right * k, 12], animate: false};
    }
    function hashText() { return decodeURIComponent(location.hash.replace(/^#/, '')); }
    function fromHash() {
      var h = hashText();
      return h ? findProvince(h) : null;
    }
    function sayUnknown() {  // after show(), which hides the note
      var h = hashText();
      if (h && !findProvince(h)) {
        note.textContent = (T.no_province || '{name}?').replace('{name}', h);
        note.hidden = false;
      }
    }
    var start = fromHash() || (focus ? findProvince(focus) : null);
    if (start) show(start, false);
    sayUnknown();
    window.addEventListener('hashchange', function () { show(fromHash(), false); sayUnknown(); });
  }
  function places(map, items) {  // fixed place names on the basemap: [lat, lon, escaped text] (no marker)
    var p = pane(map, 'dxPlaces', 430);
    items.forEach(function (t) {
      map.openTooltip(L.tooltip({permanent: true, direction: 'right', className: 'dx-place', pane: p,
        interactive: false}).setLatLng([t[0], t[1]]).setContent(t[2]));
    });
  }
  function choropleth(map, g, prov, d) {
    L.geoJSON(prov, {
      style: function (f) {
        var c = d.c[f.properties.code];
        return {color: '#a3a3a3', weight: 0.8, fillColor: c || '#cccccc', fillOpacity: c ? 0.85 : 0.4};
      },
      onEachFeature: function (f, l) {
        var k = f.properties.code;
        if (d.t[k]) l.bindTooltip(d.t[k], {sticky: true});
        if (d.p[k]) l.bindPopup(d.p[k]);
      }
    }).addTo(g);
  }
  // 5 km squares: rows [lat0,lon0,lat1,lon1,lat2,lon2,lat3,lon3,pop,covered]; which = 'cov' | 'unc'
  function squares(map, g, grid, which, bins, pal, area) {
    var r = L.canvas({pane: pane(map, 'dxGrid', 410), padding: 0.3});
    lazy(map, g, function () {
      var rows = grid.rows;
      for (var i = 0; i < rows.length; i++) {
        var q = rows[i], v = which === 'cov' ? q[9] : q[8] - q[9];
        if (!(v >= 0.5)) continue;
        var c = pal[cls(v / area, bins)];
        var poly = L.polygon([[q[0], q[1]], [q[2], q[3]], [q[4], q[5]], [q[6], q[7]]],
          {renderer: r, stroke: false, fillColor: c, fillOpacity: 0.78});
        poly._dx = q; g.addLayer(poly);
      }
      g.on('click', function (e) {
        var q = e.layer._dx; if (!q) return;
        var pct = q[8] > 0 ? 100 * q[9] / q[8] : 0;
        L.popup().setLatLng(e.latlng).setContent(
          '<div class="dx-pop"><b>' + grid.label + '</b><table>' +
          '<tr><td>' + tr('population') + '</td><td>' + fmt(q[8]) + ' (' + tr('per_km2', {n: fmt(q[8] / area)}) + ')</td></tr>' +
          '<tr><td>' + tr('covered_end') + '</td><td>' + fmt(q[9]) + ' (' + fmt(pct, 1) + '%)</td></tr>' +
          '<tr><td>' + tr('not_covered') + '</td><td>' + fmt(q[8] - q[9]) + ' (' + tr('per_km2', {n: fmt((q[8] - q[9]) / area, 1)}) + ')</td></tr>' +
          '</table></div>').openOn(map);
      });
    });
  }
  // sites per square: rows [lat,lon,n5,n4]; col = 2 (5G) or 3 (4G)
  function counts(map, g, sites, col, color, k, what) {
    var r = L.canvas({pane: pane(map, 'dxSites', 420), padding: 0.3});
    lazy(map, g, function () {
      var rows = sites.rows.filter(function (q) { return q[col] > 0; });
      rows.sort(function (a, b) { return b[col] - a[col]; });
      for (var i = 0; i < rows.length; i++) {
        var q = rows[i];
        var m = L.circleMarker([q[0], q[1]], {renderer: r, radius: 1.2 + k * Math.sqrt(q[col]),
          stroke: true, weight: 0.5, color: '#ffffff', opacity: 0.6, fillColor: color, fillOpacity: 0.55});
        m._dx = q; g.addLayer(m);
      }
      g.on('click', function (e) {
        var q = e.layer._dx; if (!q) return;
        L.popup().setLatLng(e.latlng).setContent('<div class="dx-pop"><b>' + sites.label + '</b><br>' +
          tr('sites_5g', {n: fmt(q[2])}) + '<br>' + tr('sites_4g', {n: fmt(q[3])}) + '</div>').openOn(map);
      });
    });
  }
  // points: rows {ll:[lat,lon], s:{style}, p: popup html, t: tooltip html}
  function points(map, g, rows, paneName, z) {
    var p = pane(map, paneName, z);
    for (var i = 0; i < rows.length; i++) {
      var o = rows[i], s = o.s; s.pane = p;
      var m = L.circleMarker(o.ll, s);
      if (o.p) m.bindPopup(o.p, {maxWidth: 340});
      if (o.t) m.bindTooltip(o.t);
      g.addLayer(m);
    }
  }
  return {setup: setup, tr: tr, fmt: fmt, cls: cls, group: group, init: init, base: base, places: places,
          choropleth: choropleth,
          squares: squares, counts: counts, points: points, groups: groups};
})();
"""
