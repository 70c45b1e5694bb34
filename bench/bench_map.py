"""Benchmark 4: the offline map of the national baseline — file size and time to draw in Chromium.

Budgets (design): `map.html` <= 10 MB; Chromium draws the default view (province choropleth,
117 villages, data centres) within 3 s of navigation start (median of 3 fresh pages). The page is
opened from `file://` with every other request aborted, as a planner would open it offline.

    .venv/bin/python bench/bench_map.py [--repeats 3] [--result-dir DIR]

Without --result-dir the baseline is run once (reps 1, untimed) into a temporary directory.
The browser is Debian's chromium (/usr/bin/chromium) driven by Playwright; it is not pinned to one
core (a browser uses several threads), so the load average is recorded next to the numbers.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import _common as C

BUDGET_MB = 10.0
BUDGET_DRAW_S = 3.0
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SECTION = "map"

# "drawn": the choropleth's province paths and every village marker are in the DOM, then two
# animation frames have passed (the browser has painted them)
DRAWN_JS = """(n) => document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length >= 34
                  && document.querySelectorAll('path.dx-village').length >= n"""
PAINT_JS = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  r({drawn: performance.now(), load: nav.loadEventEnd, dcl: nav.domContentLoadedEventEnd,
     resources: performance.getEntriesByType('resource').map(e => e.name)});
})))"""


def _register_section() -> None:
    """_common.update_results only knows the sections in SECTION_ORDER; add this one (last)."""
    if SECTION not in C.SECTION_ORDER:
        C.SECTION_ORDER = (*C.SECTION_ORDER, SECTION)


def draw_times(path: Path, n_villages: int, repeats: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            for _ in range(repeats + 1):  # the first page warms the browser process up (not counted)
                ctx = browser.new_context(viewport={"width": 1400, "height": 950})
                page = ctx.new_page()
                errors, blocked = [], []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.on(
                    "console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None
                )

                def route(r, blocked=blocked):
                    if r.request.url.startswith(("file:", "data:")):
                        r.continue_()
                    else:
                        blocked.append(r.request.url)
                        r.abort()

                page.route("**/*", route)
                page.goto(path.resolve().as_uri(), wait_until="load", timeout=60_000)
                page.wait_for_function(DRAWN_JS, arg=n_villages, timeout=60_000, polling="raf")
                m = page.evaluate(PAINT_JS)
                # turning on the four 5 km-square overlays (canvas, ~14k squares and ~14k circles each)
                t0 = page.evaluate("() => performance.now()")
                for label in ("People not covered", "People covered", "5G sites per", "4G sites per"):
                    page.locator(".leaflet-control-layers-overlays label", has_text=label).click()
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                m["grid_on_s"] = (page.evaluate("() => performance.now()") - t0) / 1000.0
                m["errors"], m["blocked"] = errors, blocked
                out.append(m)
                ctx.close()
        finally:
            browser.close()
    return out[1:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="fresh pages timed (median)")
    ap.add_argument(
        "--result-dir", type=Path, help="an existing `dxsim run` output directory of the baseline"
    )
    args = ap.parse_args()
    _register_section()
    load = C.load_avg()

    from dxsim.maps import build_map

    tmp = None
    if args.result_dir:
        rdir = args.result_dir
        workload = f"the output directory `{rdir}`"
    else:
        from dxsim.runner import run_scenario

        tmp = Path(tempfile.mkdtemp(prefix="bench-map-"))
        rdir = tmp / "baseline"
        t_run, _ = C.timed(lambda: run_scenario(C.BASELINE, out_dir=rdir, reps=1))
        workload = f"`scenarios/baseline.toml`, one replication (run once, untimed: {t_run:.0f} s)"
    try:
        out = rdir / "map.html"
        t_build, _ = C.repeat(lambda: build_map(rdir, out=out), args.repeats)
        html = out.read_text(encoding="utf-8")
        size = out.stat().st_size
        parts = {
            name: len(body.encode("utf-8"))
            for name, body in re.findall(r"var (DX_[A-Z0-9]+) = (.*?);\n", html)
        }
        from dxsim.maps.assets import leaflet_css, leaflet_js

        parts_s = ", ".join(
            [f"Leaflet JS+CSS {(len(leaflet_js()) + len(leaflet_css())) / 1e6:.2f}"]
            + [
                f"{k} {v / 1e6:.2f}"
                for k, v in sorted(parts.items(), key=lambda kv: -kv[1])
                if v > 20_000 and not k.startswith("DX_COV")
            ]
            + [
                f"coverage dates (DX_COV*) {sum(v for k, v in parts.items() if k.startswith('DX_COV')) / 1e6:.2f}"
            ]
        )
        import polars as pl

        n_vil = (
            pl.read_parquet(rdir / "villages.parquet").height if (rdir / "villages.parquet").exists() else 0
        )
        n_sq = pl.read_parquet(rdir / "grid_5km.parquet").height
        ok_size = size <= BUDGET_MB * 1e6
        print(f"build_map: {C.fmt_times(t_build)}; map.html {size / 1e6:.2f} MB ({parts_s})")

        if CHROMIUM.exists():
            runs = draw_times(out, n_vil, args.repeats)
            drawn = [r["drawn"] / 1000.0 for r in runs]
            loaded = [r["load"] / 1000.0 for r in runs]
            dcl = [r["dcl"] / 1000.0 for r in runs]
            grid_on = [r["grid_on_s"] for r in runs]
            errors = sorted({e for r in runs for e in r["errors"]})
            blocked = sorted({u for r in runs for u in r["blocked"]})
            remote = sorted({u for r in runs for u in r["resources"] if not u.startswith(("file:", "data:"))})
            ok_draw = C.med(drawn) <= BUDGET_DRAW_S and not errors and not blocked and not remote
            draw_row = f"| navigation start → default view drawn and painted | {C.fmt_times(drawn)} | <= {BUDGET_DRAW_S:.0f} s | {C.verdict(ok_draw)} |"
            info_rows = [
                f"| navigation start → `DOMContentLoaded` end | {C.fmt_times(dcl)} | - | info |",
                f"| navigation start → `load` end | {C.fmt_times(loaded)} | - | info |",
                f"| turning on the four 5 km-square overlays (canvas) until painted | {C.fmt_times(grid_on)} | - | info |",
                f"| console/page errors; requests other than file:/data: | {len(errors)}; {len(blocked) + len(remote)} | 0; 0 | {C.verdict(not errors and not blocked and not remote)} |",
            ]
            print(
                f"drawn: {C.fmt_times(drawn)}  budget {BUDGET_DRAW_S} s -> {'PASS' if ok_draw else 'FAIL'}; "
                f"load {C.fmt_times(loaded)}; grid overlays on {C.fmt_times(grid_on)}; errors {errors}; "
                f"blocked {blocked + remote}"
            )
        else:
            ok_draw = False
            drawn = [float("nan")]
            draw_row = f"| navigation start → default view drawn | not measured: {CHROMIUM} missing | <= {BUDGET_DRAW_S:.0f} s | **FAIL** |"
            info_rows = []
            print(f"{CHROMIUM} missing: draw time not measured")

        lines = [
            "## 4. Offline map (`dxsim.maps.build_map`) of the national baseline",
            "",
            f"Command (from the repository root): `{C.command_line()}`  ",
            f"Run {C.now()}; not pinned (Chromium is multi-threaded); load average at start {load}.  ",
            C.host_line(),
            "",
            (
                f"Workload: {workload}; `map.html` with all six layers (7 coverage dates × 34 provinces, "
                f"{n_sq:,} 5 km squares for density and sites, {n_vil} villages, data centres, GPU clusters); "
                f"Chromium {CHROMIUM} headless via Playwright, 1400×950 viewport, a fresh context per page, "
                f'network blocked except file:/data:, {args.repeats} timed pages after one warm-up. "Drawn" = the '
                "34 choropleth paths and every village marker are in the DOM (polled each animation frame), then "
                "two more animation frames (painted); times are `performance.now()` from navigation start."
            ),
            "",
            "| measure | result | budget | status |",
            "|---|---|---|---|",
            f"| `map.html` size | {size / 1e6:.2f} MB ({size:,} bytes) | <= {BUDGET_MB:.0f} MB | {C.verdict(ok_size)} |",
            draw_row,
            *info_rows,
            f"| `build_map` (read outputs, render, atomic write) | {C.fmt_times(t_build)} | - | info |",
            "",
            f"Size by part (MB): {parts_s}; the rest is markup, legend and the DX runtime.",
        ]
        C.update_results(SECTION, "\n".join(lines))
        ok = ok_size and ok_draw
        print(
            f"RESULT map: {'PASS' if ok else 'FAIL'} (map.html {size / 1e6:.2f} / {BUDGET_MB:.0f} MB, "
            f"drawn {C.med(drawn):.2f} / {BUDGET_DRAW_S:.0f} s)"
        )
        return 0
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
