"""Golden snapshot of the baseline trajectory: regenerate it, or check a run against it.

Usage:
    python tools/update_golden.py            # run the baseline, (re)write tests/golden/baseline.json
    python tools/update_golden.py --check    # run the baseline, print the differences, exit 1 if any

`make golden` runs the first form. The snapshot changes only on purpose: regenerate it, then review
`git diff tests/golden/baseline.json` (every row is one line, so the diff reads metric by metric).
tests/test_golden.py imports this module (snapshot + compare) so the test and the tool agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "scenarios" / "baseline.toml"
GOLDEN = REPO / "tests" / "golden" / "baseline.json"
SEED = 20251031  # fixed here (not read from the scenario) so a seed edit in baseline.toml shows as a diff
REPS = 3  # three replications keep the run near 10 s and still exercise the P10/P50/P90 KPIs
REGENERATE = "if the change is intended, run `make golden` and review the diff of tests/golden/baseline.json"

# Tolerances by kind of value. The run is deterministic for (seed, replication): on one machine every
# value repeats bit for bit, so the allowances below only absorb harmless drift between machines or
# library versions (summation order in numpy/polars, last-bit float differences), never a model change.
TOLERANCES: dict[str, dict[str, Any]] = {
    "count": {
        "abs": 0.0,
        "rel": 0.0,
        "why": "stations, villages and GPUs are whole numbers decided by seeded draws: any change is a "
        "behaviour change, so they must match exactly",
    },
    "float": {
        "abs": 1e-9,
        "rel": 1e-6,
        "why": "money, MW and coverage shares are sums of floats; float drift across numpy/polars versions "
        "or CPUs is ~1e-12 relative, so 1e-6 relative (plus 1e-9 absolute for values that are 0) "
        "absorbs it, while one 5G site more or less moves capex by ~1e-5 relative and still fails",
    },
    "date": {
        "abs": 0.0,
        "rel": 0.0,
        "why": "the month end at which a threshold is first reached is a date: exact",
    },
    "text": {"abs": 0.0, "rel": 0.0, "why": "identity of the run (scenario hash, seed, replications): exact"},
}

# metric in the snapshot -> (metric in metrics.parquet, kind, cumulate monthly values)
YEAR_END_METRICS: dict[str, tuple[str, str, bool]] = {
    "stations_5g": ("stations_5g", "count", False),
    "pop_covered_5g_pct": ("pop_covered_5g_pct", "float", False),
    "pop_covered_4g_pct": ("pop_covered_4g_pct", "float", False),
    "capex_5g_cum_vnd_bn": ("capex_cum_vnd_bn", "float", False),
    "subsidy_paid_cum_vnd_bn": ("subsidy_paid_vnd_bn", "float", True),
    "village_capex_cum_vnd_bn": ("village_capex_vnd_bn", "float", True),
    "compute_capex_cum_vnd_bn": ("compute_capex_vnd_bn", "float", True),
    "villages_connected": ("villages_connected", "count", False),
    "dc_it_capacity_mw": ("dc_it_capacity_mw", "float", False),
    "gpus_installed": ("gpus_installed", "count", False),
}
COVERAGE_THRESHOLDS_PCT = (90, 99)
# summary.json KPIs (P50, P10, P90 over the replications) a planner reads
SUMMARY_KPIS: dict[str, str] = {
    "year_5g_pop_90pct": "float",
    "year_5g_pop_99pct": "float",
    "capex_total_vnd_bn": "float",
    "subsidy_paid_total_vnd_bn": "float",
    "village_capex_total_vnd_bn": "float",
    "compute_capex_total_vnd_bn": "float",
    "villages_connected_end": "count",
    "dc_it_capacity_mw_end": "float",
    "gpus_installed_end": "count",
}


def _value(kind: str, v: Any) -> Any:
    """JSON value of a kind: counts as int, floats as float, None for 'not reached'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if kind == "count":
        return int(round(float(v)))
    if kind == "float":
        return float(v)
    return v


def _row(metric: str, at: str, rep: int | str, kind: str, value: Any) -> dict[str, Any]:
    tol = TOLERANCES[kind]
    return {
        "metric": metric,
        "at": at,
        "rep": rep,
        "kind": kind,
        "value": _value(kind, value),
        "tolerance": {"abs": tol["abs"], "rel": tol["rel"]},
    }


def year_ends(dates: list[dt.date]) -> list[dt.date]:
    """Each December month end, and the horizon end when it is not one (as the KPIs do)."""
    out = [d for d in dates if d.month == 12]
    return out + ([dates[-1]] if dates and dates[-1].month != 12 else [])


def trajectory_rows(metrics: pl.DataFrame) -> list[dict[str, Any]]:
    """Per replication and year end: the YEAR_END_METRICS; per replication: dates reaching 90% / 99% 5G."""
    nat = metrics.filter(pl.col("area") == "VN")
    dates = sorted(nat["date"].unique().to_list())
    ends = year_ends(dates)
    rows = []
    for rep in sorted(nat["replication"].unique().to_list()):
        mine = nat.filter(pl.col("replication") == rep)
        for name, (metric, kind, cumulate) in YEAR_END_METRICS.items():
            series = mine.filter(pl.col("metric") == metric).sort("date")
            if cumulate:
                series = series.with_columns(pl.col("value").cum_sum())
            by_date = dict(zip(series["date"].to_list(), series["value"].to_list()))
            for d in ends:
                rows.append(_row(name, d.isoformat(), int(rep), kind, by_date.get(d)))
        cov = mine.filter(pl.col("metric") == "pop_covered_5g_pct").sort("date")
        for pct in COVERAGE_THRESHOLDS_PCT:
            hit = cov.filter(pl.col("value") >= pct)["date"]
            rows.append(
                _row(
                    f"date_5g_pop_{pct}pct",
                    "first month end",
                    int(rep),
                    "date",
                    hit[0].isoformat() if hit.len() else "not reached",
                )
            )
    return rows


def summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    kpis = summary["kpis"]
    rows = []
    for name, kind in SUMMARY_KPIS.items():
        for stat, key in (("P50", name), ("P10", f"{name}_p10"), ("P90", f"{name}_p90")):
            rows.append(_row(name, "summary.json kpis", stat, kind, kpis.get(key)))
    return rows


def snapshot(reps: int = REPS, seed: int = SEED) -> dict[str, Any]:
    """Run the baseline (no files written) and return the snapshot."""
    from dxsim.runner import run_scenario

    res = run_scenario(SCENARIO, seed=seed, reps=reps, write=False)
    sha = res.summary["scenario_sha256"]  # what the run itself reports (merged, defaulted scenario)
    identity = [
        _row("scenario_sha256", "scenario", "-", "text", sha),
        _row("seed", "run", "-", "text", seed),
        _row("reps", "run", "-", "text", reps),
    ]
    return {
        "about": "Golden snapshot of the baseline trajectory (tests/test_golden.py). Regenerate only on purpose "
        "with `make golden` (python tools/update_golden.py) and review the diff of this file.",
        "scenario_file": SCENARIO.relative_to(REPO).as_posix(),
        "scenario_sha256": sha,
        "dxsim_version": res.summary["dxsim_version"],
        "seed": seed,
        "reps": reps,
        "tolerances": TOLERANCES,
        "rule": "a value passes when |now - golden| <= abs + rel x |golden|; dates and text must be equal",
        "values": identity + trajectory_rows(res.metrics) + summary_rows(res.summary),
    }


def render(snap: dict[str, Any]) -> str:
    """JSON text with one value row per line, so a regenerated file diffs row by row."""
    head = {k: v for k, v in snap.items() if k != "values"}
    text = json.dumps({**head, "values": "@ROWS@"}, indent=2, ensure_ascii=False)
    rows = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in snap["values"])
    return text.replace('"@ROWS@"', "[\n" + rows + "\n  ]") + "\n"


@dataclass
class Diff:
    metric: str
    at: str
    rep: str
    golden: Any
    now: Any
    tolerance: str


def _within(golden: Any, now: Any, kind: str, tol: dict[str, float]) -> bool:
    if golden is None or now is None or kind in ("date", "text"):
        return golden == now
    return abs(float(now) - float(golden)) <= tol["abs"] + tol["rel"] * abs(float(golden))


def _tol_text(kind: str, tol: dict[str, float]) -> str:
    if kind in ("date", "text") or (tol["abs"] == 0 and tol["rel"] == 0):
        return "exact"
    return f"rel {tol['rel']:g} + abs {tol['abs']:g}"


def compare(golden: dict[str, Any], now: dict[str, Any]) -> list[Diff]:
    """Rows whose value moved beyond the golden row's tolerance, and rows only on one side."""
    key = lambda r: (r["metric"], r["at"], str(r["rep"]))
    old = {key(r): r for r in golden["values"]}
    new = {key(r): r for r in now["values"]}
    out = []
    for k, g in old.items():
        n = new.get(k)
        if n is None:
            out.append(Diff(*k, g["value"], "(missing)", _tol_text(g["kind"], g["tolerance"])))
        elif not _within(g["value"], n["value"], g["kind"], g["tolerance"]):
            out.append(Diff(*k, g["value"], n["value"], _tol_text(g["kind"], g["tolerance"])))
    out += [Diff(*k, "(absent)", n["value"], "-") for k, n in new.items() if k not in old]
    return out


def format_diffs(diffs: list[Diff], golden: dict[str, Any], now: dict[str, Any]) -> str:
    """A readable table of the differences and what to do about them."""
    head = ("metric", "at", "rep", "golden", "now", "tolerance")
    cells = [head] + [(d.metric, d.at, d.rep, _fmt(d.golden), _fmt(d.now), d.tolerance) for d in diffs]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(head))).rstrip() for c in cells]
    versions = (
        f"golden: dxsim {golden.get('dxsim_version')}, scenario sha256 {golden.get('scenario_sha256', '')[:12]}"
        f"; now: dxsim {now.get('dxsim_version')}, scenario sha256 {now.get('scenario_sha256', '')[:12]}"
    )
    return (
        f"{len(diffs)} value(s) of the baseline differ from {GOLDEN.relative_to(REPO).as_posix()} "
        f"({versions}):\n" + "\n".join(lines) + f"\n{REGENERATE}"
    )


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the snapshot instead of rewriting it")
    args = ap.parse_args(argv)
    from dxsim.errors import DxsimInputError

    try:
        snap = snapshot()
    except DxsimInputError as e:
        print(f"error: {e.one_line()}", file=sys.stderr)
        return 2
    if args.check:
        if not GOLDEN.is_file():
            print(f"error: {GOLDEN} not found; run `make golden` to create it", file=sys.stderr)
            return 1
        golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
        diffs = compare(golden, snap)
        if diffs:
            print(format_diffs(diffs, golden, snap))
            return 1
        print(f"{GOLDEN.relative_to(REPO)}: {len(snap['values'])} values match")
        return 0
    from dxsim.results.writer import atomic_text

    before = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.is_file() else None
    atomic_text(GOLDEN, render(snap))
    what = f"{len(compare(before, snap))} changed beyond tolerance" if before is not None else "new file"
    print(
        f"wrote {GOLDEN.relative_to(REPO)} ({len(snap['values'])} values, {what}); "
        "review it with `git diff tests/golden/baseline.json`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
