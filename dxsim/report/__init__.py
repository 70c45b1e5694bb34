"""Offline HTML report of a run: `build_report(result_dir)` -> `<result_dir>/report.html`.

The report is a view of a run's output directory only (summary.json, metrics.parquet, calibration.csv,
villages.parquet, datacentres.parquet, map.html): it never imports the model (dxsim.sim, dxsim.geo,
dxsim.radio). The page is self-contained: inline CSS, charts as PNG data: URIs, no scripts, no URLs.
"""

from __future__ import annotations

from dxsim.report.html import build_report

__all__ = ["build_report"]
