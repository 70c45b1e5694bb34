"""Hostile text in every user-supplied name, end to end: `dxsim run` -> the run's own map.html and
report.html opened in headless Chromium. No script may run and every probe must read literally.

User text that reaches the pages: the scenario description (report), a planner village file's name,
village_id and commune (map popups/tooltips, report table), a planner data-centre project's name and
operator (map DC and GPU popups/tooltips, report table). The scenario name must match
`[A-Za-z0-9][A-Za-z0-9_.-]*` (it becomes a folder name), so a probe there is a one-line input error.
GPU orders' `organisation`/`source` are carried as probes too, but no page shows them today; a planner
site file has no free-text column (operator, technology, band and dates are validated values).
"""

from __future__ import annotations

import csv
import html
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
import tomli_w

from dxsim.maps.layers import MapContext, _village_rows, build_gpus

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"

P_SCRIPT = "<script>window.__pwned=1</script>"
P_IMG = '"><img src=x onerror="window.__pwned=1">'
P_QUOTES = "'single' \"double\" &amp;"
PROBE = f"{P_SCRIPT} {P_IMG} {P_QUOTES}"  # 98 characters: fits the 100 allowed for a DC operator
TEXT = {  # field -> the text put there (a tag in front tells the fields apart on the page)
    "description": f"description {PROBE}",
    "village_name": f"village {PROBE}",
    "village_commune": f"commune {PROBE}",
    "village_id": f"id {PROBE}",
    "dc_name": f"dc {PROBE}",
    "dc_operator": PROBE,
    "gpu_organisation": f"org {PROBE}",
    "gpu_source": f"source {PROBE}",
}
# commune centroids of Tuyên Quang (gso34 08) from the raw named-village file: remote, in the province
VILLAGE_POINTS = [(105.41, 23.1802), (105.481, 23.1162), (105.44, 22.6431)]
VIETNAMESE = "Bản Nà Nôm – thôn Đắk Ưởng"


# --------------------------------------------------------------------------- the run
def dxsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`dxsim ...` as a planner runs it (same interpreter, so a test of a changed checkout runs that checkout)."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "dxsim.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def write_inputs(d: Path, name: str) -> Path:
    with open(d / "villages.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["village_id", "name", "lon", "lat", "gso34", "population", "households", "commune"])
        (lon0, lat0), (lon1, lat1), (lon2, lat2) = VILLAGE_POINTS
        w.writerow(["V1", TEXT["village_name"], lon0, lat0, "08", 300, "", TEXT["village_commune"]])
        w.writerow([TEXT["village_id"], "", lon1, lat1, "08", 250, "", ""])
        w.writerow(["V3", VIETNAMESE, lon2, lat2, "08", 200, "", ""])
    scenario = {
        "extends": BASELINE.as_posix(),
        "name": name,
        "description": TEXT["description"],
        "horizon": {"end_date": "2027-06-30"},
        "villages": {"layer": {"file": "villages.csv"}},
        "compute": {
            "datacentres": {
                "go_probability_pct": {"under_construction": 100.0},
                "extra_projects": [
                    {
                        "project_id": "PROBE-DC",
                        "name": TEXT["dc_name"],
                        "operator": TEXT["dc_operator"],
                        "gso34": "01",
                        "status": "under_construction",
                        "cooling": "liquid",
                        "phases": [{"it_mw": 20.0, "target_date": "2026-01-15"}],
                    }
                ],
            },
            "gpus": {
                "extra_orders": [
                    {
                        "organisation": TEXT["gpu_organisation"],
                        "model": "H100",
                        "gpus": 400,
                        "order_date": "2026-06-01",
                        "dc_hint": "PROBE-DC",
                        "source": TEXT["gpu_source"],
                    }
                ]
            },
        },
    }
    path = d / "scenario.toml"
    path.write_text(tomli_w.dumps(scenario), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("escaping")
    path = write_inputs(d, "probe-run")
    res = dxsim("run", str(path), "--out", str(d / "out"), "--reps", "1", cwd=d)
    assert res.returncode == 0, res.stderr
    return d / "out"


def test_probe_as_scenario_name_is_a_one_line_error(tmp_path):
    path = write_inputs(tmp_path, PROBE)
    for args in (("validate", str(path)), ("run", str(path), "--reps", "1")):
        res = dxsim(*args, cwd=tmp_path)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
        assert "name" in lines[0] and str(path.name) in lines[0], lines[0]
    assert not (tmp_path / "outputs").exists()  # nothing was written


def test_the_run_carries_the_probes(run_dir):
    """Preconditions of the browser checks: the probes are in the run's tables, the DC hosts GPUs."""
    v = pl.read_parquet(run_dir / "villages.parquet")
    assert set(v["village_id"]) == {"V1", TEXT["village_id"], "V3"}
    v1 = v.filter(pl.col("village_id") == "V1").row(0, named=True)
    assert v1["name"] == TEXT["village_name"] and v1["commune"] == TEXT["village_commune"]
    dc = pl.read_parquet(run_dir / "datacentres.parquet").filter(pl.col("name") == TEXT["dc_name"])
    assert dc.height == 1 and dc["operator"][0] == TEXT["dc_operator"]
    assert dc["gpus_end"][0] > 0, "the probe data centre hosts no GPUs: the GPU layer would not show its name"


# --------------------------------------------------------------------------- the browser


class Page:
    """A page with the network blocked; dialogs, page errors and console errors are kept."""

    def __init__(self, browser, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 950})
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        pg = self.page
        pg.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        pg.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        pg.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        pg.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
        )
        pg.goto(path.resolve().as_uri(), wait_until="load")

    def pwned(self) -> str:
        return self.page.evaluate("() => typeof window.__pwned")

    def close(self) -> None:
        self.page.close()


# Every popup and tooltip of the villages, data-centre and GPU layers, inserted into the document as
# Leaflet inserts them (innerHTML); returns their family, kind, HTML and text.
SHOW_ALL = """() => {
  const out = [], box = document.createElement('div');
  box.id = 'dx-probe';
  document.body.appendChild(box);
  for (const g of DX.groups) {
    if (!['villages', 'datacentres', 'gpus'].includes(g._dxFamily)) continue;
    const layers = [];
    g.eachLayer(l => l.eachLayer ? l.eachLayer(x => layers.push(x)) : layers.push(l));
    for (const x of layers) {
      for (const [kind, c] of [['popup', x.getPopup && x.getPopup()], ['tooltip', x.getTooltip && x.getTooltip()]]) {
        if (!c) continue;
        const div = document.createElement('div');
        box.appendChild(div);
        div.innerHTML = c.getContent();
        out.push({family: g._dxFamily, kind: kind, text: div.textContent});
      }
    }
  }
  return out;
}"""


def _texts(shown: list[dict], family: str, kind: str) -> list[str]:
    return [s["text"] for s in shown if s["family"] == family and s["kind"] == kind]


def test_map_shows_every_name_literally_and_runs_nothing(browser, run_dir):
    map_file = run_dir / "map.html"
    assert map_file.is_file()
    pg = Page(browser, map_file)
    page = pg.page
    try:
        page.wait_for_selector("path.dx-village", state="attached", timeout=15_000)
        header = page.locator(".dx-header").inner_text()
        assert "Not drawn" not in header, header  # built after villages.parquet and datacentres.parquet
        shown = page.evaluate(SHOW_ALL)
        page.wait_for_timeout(500)  # time for an injected onerror handler to fire
        assert pg.pwned() == "undefined" and pg.dialogs == []
        assert page.locator("#dx-probe img, #dx-probe script, #dx-probe iframe").count() == 0
        # villages: name and commune in the popup, id when there is no name, name in the tooltip
        pops = _texts(shown, "villages", "popup")
        assert len(pops) == 3
        v1 = next(t for t in pops if TEXT["village_name"] in t)
        assert TEXT["village_commune"] in v1
        assert any(TEXT["village_id"] in t for t in pops)
        assert any(VIETNAMESE in t for t in pops)
        tips = _texts(shown, "villages", "tooltip")
        assert any(t.startswith(TEXT["village_name"]) for t in tips)
        assert any(t.startswith(TEXT["village_id"]) for t in tips)
        # data centres and GPU clusters: name (popup + tooltip) and operator (popup)
        for family in ("datacentres", "gpus"):
            pops = [t for t in _texts(shown, family, "popup") if TEXT["dc_name"] in t]
            assert len(pops) == 1, family
            assert f"operator{TEXT['dc_operator']}" in pops[0], (
                family
            )  # the table cell holds the probe as text
            tips = [t for t in _texts(shown, family, "tooltip") if t.startswith(TEXT["dc_name"] + " — ")]
            assert len(tips) == 1, family
        page.evaluate("() => document.getElementById('dx-probe').remove()")
        # and through Leaflet itself: open the probe GPU cluster's popup and tooltip on the map
        page.evaluate(
            """(name) => {
          const g = DX.groups.find(g => g._dxFamily === 'gpus');
          const layers = [];
          g.eachLayer(l => l.eachLayer ? l.eachLayer(x => layers.push(x)) : layers.push(l));
          const x = layers.find(x => x.getPopup() && x.getPopup().getContent().includes(name));
          x.openTooltip(); x.openPopup();
        }""",
            html.escape(TEXT["dc_name"]),
        )
        page.wait_for_selector(".leaflet-popup-content .dx-pop", timeout=5000)
        assert TEXT["dc_name"] in page.locator(".leaflet-popup-content").inner_text()
        assert any(
            t.startswith(TEXT["dc_name"]) for t in page.locator(".leaflet-tooltip").all_text_contents()
        )
        page.wait_for_timeout(300)
        assert pg.pwned() == "undefined" and pg.dialogs == [] and pg.errors == []
        assert page.locator("img, iframe").count() == 0
    finally:
        pg.close()


def test_report_shows_every_name_literally_and_runs_nothing(browser, run_dir):
    report = run_dir / "report.html"
    assert report.is_file()
    pg = Page(browser, report)
    page = pg.page
    try:
        page.wait_for_timeout(300)
        assert pg.pwned() == "undefined" and pg.dialogs == []
        # no element came from the data: the report has no scripts and only data: chart images
        assert page.locator("script, iframe").count() == 0
        srcs = page.eval_on_selector_all("img", "l => l.map(i => i.getAttribute('src'))")
        assert srcs and all(s.startswith("data:image/") for s in srcs)
        text = page.evaluate("() => document.body.textContent")
        for field in ("description", "village_name", "village_commune", "dc_name", "dc_operator"):
            assert TEXT[field] in text, field
        assert VIETNAMESE in text
        cells = page.eval_on_selector_all("td", "l => l.map(td => td.textContent)")
        assert TEXT["dc_operator"] in cells and TEXT["village_commune"] in cells
    finally:
        pg.close()


# --------------------------------------------------------------------------- esc() at the source
class _Fragment(HTMLParser):
    """Tags and text of an HTML fragment, as a browser would parse it."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text += data


def test_village_popup_escapes_commune_and_province():
    """A province name is escaped like a commune (provinces come from geodata, so only this checks it)."""
    df = pl.DataFrame(
        {
            "village_id": ["V1"],
            "name": ["Bản A"],
            "lat": [22.6],
            "lon": [105.4],
            "commune": [TEXT["village_commune"]],
            "province": [f"province {PROBE}"],
            "status": ["connected"],
            "synthetic": [False],
        }
    )
    row = _village_rows(df)[0]
    frag = _Fragment(row["p"])
    assert "script" not in frag.tags and "img" not in frag.tags
    assert f"{TEXT['village_commune']}, province {PROBE}" in frag.text
    assert html.escape(f"province {PROBE}", quote=True) in row["p"]


def test_gpu_tooltip_and_popup_escape_the_name():
    dcs = pl.DataFrame(
        {
            "dc_id": ["X1"],
            "name": [TEXT["dc_name"]],
            "operator": [TEXT["dc_operator"]],
            "lat": [21.0],
            "lon": [105.8],
            "gpus_end": [128.0],
            "status": ["operational"],
        }
    )
    ctx = MapContext(out=SimpleNamespace(datacentres=dcs), show=True)
    build_gpus(ctx)
    (row,) = json.loads(ctx.shared["DX_GPUS"])
    for key in ("t", "p"):
        frag = _Fragment(row[key])
        assert "script" not in frag.tags and "img" not in frag.tags, key
        assert TEXT["dc_name"] in frag.text, key
    assert _Fragment(row["t"]).text == f"{TEXT['dc_name']} — 128 GPUs"
    assert f"operator{TEXT['dc_operator']}" in _Fragment(row["p"]).text
