"""Option comparison (dxsim.compare) and the budget envelope (dxsim.scenario.envelope).

Short horizons (to 2026-12-31) keep it quick: the three compared scenarios share one prepared
world (a renamed copy and push-5g differ from the base only in simulation-only sections).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import tomllib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
from pydantic import Field, ValidationError

from dxsim.compare import (
    _cell,
    compare_scenarios,
    fmt_value,
    incremental_ratio,
    campaign_rows,
    kpi_rows,
    support_programme_rows,
    quantile,
    markdown,
    paired_deltas,
    rich_table,
    rich_tables,
    split_medians,
    split_note,
    write_compare,
)
from dxsim.errors import DxsimInputError
from dxsim.execution import state_dc_investment_vnd_bn
from dxsim.results.writer import MANIFEST
from dxsim.scenario import Scenario, load_scenario, load_scenario_dict
from dxsim.scenario.sections.budget import BudgetEnvelope, EnvelopeShares
from dxsim.scenario.envelope import ENVELOPE_SUPPORT_NAME, apply_envelope, envelope_allocation

REPO = Path(__file__).resolve().parent.parent
SCEN = REPO / "scenarios"
END = "2027-12-31"  # 90% of the population is reached in 2027: date KPIs have values


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cmp")
    base = _write(
        d / "short.toml",
        f'extends = "{SCEN / "baseline.toml"}"\nname = "short"\n[horizon]\nend_date = {END}\n',
    )
    # identical content, different name (and a different file)
    copy = _write(
        d / "copy.toml",
        f'extends = "{SCEN / "baseline.toml"}"\nname = "short-copy"\n[horizon]\nend_date = {END}\n',
    )
    push = _write(
        d / "push.toml", f'extends = "{SCEN / "push-5g.toml"}"\nname = "push"\n[horizon]\nend_date = {END}\n'
    )
    return {"short": base, "copy": copy, "push": push}


@pytest.fixture(scope="module")
def result(files):
    return compare_scenarios([files["short"], files["copy"], files["push"]], reps=3)


# --------------------------------------------------------------------------- common random numbers


def test_identical_copy_has_exactly_zero_deltas(result):
    t = result.table
    assert "delta_short-copy" in t.columns
    kinds = result.kinds
    for row in t.iter_rows(named=True):
        d = row["delta_short-copy"]
        if kinds[row["kpi"]] == "incremental":
            assert d is None
            continue
        assert d == 0.0, (row["kpi"], d)  # exactly zero, dates never reached included
        assert row["short"] == row["short-copy"] or (row["short"] is None and row["short-copy"] is None), row[
            "kpi"
        ]
    reps = result.replications.filter(pl.col("scenario") == "short-copy")
    assert reps["delta"].drop_nulls().abs().max() == 0.0
    q = result.quantiles.filter(pl.col("scenario") == "short-copy")
    for c in ("delta_p10", "delta_p50", "delta_p90"):
        assert q[c].drop_nulls().abs().max() == 0.0


def test_same_seed_and_replication_indices_everywhere(result):
    assert result.seed == load_scenario(REPO / "scenarios" / "baseline.toml").seed
    for name in result.scenarios:
        reps = sorted(
            result.replications.filter(pl.col("scenario") == name)["replication"].unique().to_list()
        )
        assert reps == [0, 1, 2]
    # the copy and push-5g reused the base's prepared world (same world key)
    assert [r.timing["world_cached"] for r in result.runs][1:] == [True, True]


def test_quantiles_ordered(result):
    # an incremental ratio's P50 is a ratio of P50s and its band the spread of per-replication ratios (ratio_band)
    values = [k for k, kind in result.kinds.items() if kind != "incremental"]
    q = result.quantiles.filter(
        pl.col("p10").is_not_null() & pl.col("p90").is_not_null() & pl.col("kpi").is_in(values)
    )
    assert q.height > 20
    assert (q["p10"] <= q["p50"]).all() and (q["p50"] <= q["p90"]).all()
    d = result.quantiles.filter(pl.col("delta_p10").is_not_null() & pl.col("delta_p90").is_not_null())
    assert (d["delta_p10"] <= d["delta_p50"]).all() and (d["delta_p50"] <= d["delta_p90"]).all()
    # a date not reached in some replications ranks last: P90 is "not reached" (null), P10 may be a date
    assert result.row("year_5g_pop_99pct")["short"] is None


def test_option_effect_is_visible(result):
    """push-5g (more crews, higher 2026-2027 targets and budgets, Resolution 193 extended to end-2026 at a 10,000
    threshold) covers more people by the end of 2027 (the horizon here), for more capex and more support: a positive
    cost per additional person. Not earlier: its later deadline calls off Viettel's 2025 race, which the baseline
    runs in 2 of these 3 replications, so at the end of 2026 it is level with the baseline (README, "Comparing
    options")."""
    assert result.row("pop_covered_5g_pct_2027_12")["delta_push"] > 1.0
    assert result.row("capex_total_vnd_bn")["delta_push"] > 0
    assert result.row("subsidy_paid_total_vnd_bn")["delta_push"] > 0
    assert result.row("incr_5g_vnd_m_per_additional_person")["push"] > 0
    assert (
        result.row("incr_5g_vnd_m_per_additional_person")["short"] is None
    )  # baseline: no incremental ratio
    # how soon, not only how many: calling off the 2025 race leaves push 27 points behind at the end of 2025 (paired
    # replications), so it gives fewer person-months of 5G service over the horizon although it ends ahead, and the
    # row per person-month says "adds less, costs more" where the end counts above read a price per person
    q = result.quantiles.filter(pl.col("scenario") == "push")
    d = dict(zip(q["kpi"].to_list(), q["delta_p50"].to_list(), strict=True))
    assert d["pop_covered_5g_pct_2025_12"] < -10 and d["pop_covered_5g_pct_2027_12"] > 0
    assert d["pop_5g_served_person_months"] < 0 and d["pop_5g_covered_person_months"] < 0
    assert result.row("incr_5g_vnd_k_per_additional_person_month_served")["push"] is None
    assert (
        result.verdicts[("incr_5g_vnd_k_per_additional_person_month_served", "push")]
        == "adds less, costs more"
    )


# --------------------------------------------------------------------------- outputs


def test_csv_and_markdown_shape(result, tmp_path):
    written = write_compare(result, tmp_path / "out")
    names = {p.name for p in written}
    assert {
        "compare.csv",
        "compare.md",
        "compare_quantiles.csv",
        "compare_replications.csv",
        "compare.json",
    } <= names
    # no temp files left, only dxsim's manifest marks the folder as its own
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == [MANIFEST]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    user = tmp_path / "mine"
    user.mkdir()
    (user / "compare.csv").write_text("my own table")
    with pytest.raises(DxsimInputError, match="did not write"):
        write_compare(result, user)
    assert (user / "compare.csv").read_text() == "my own table"
    csv = pl.read_csv(tmp_path / "out" / "compare.csv")
    assert csv.columns == [
        "kpi",
        "label",
        "unit",
        "short",
        "short-copy",
        "push",
        "delta_short-copy",
        "delta_push",
        "note",
    ]
    assert csv["kpi"].n_unique() == csv.height  # one row per KPI
    expected = [
        k
        for k, *_ in kpi_rows(["2025_12", "2026_12", "2027_12"], "2027_12")
        + support_programme_rows(result.runs)
        + campaign_rows(result.runs)
    ]
    assert csv["kpi"].to_list() == expected
    # why an option's incremental ratio is empty is in the row's note, as the terminal and compare.md say it
    incr = csv.filter(pl.col("kpi") == "incr_5g_vnd_m_per_additional_person").row(0, named=True)
    assert (
        incr["short-copy"] is None and incr["note"] == "short-copy: same cost and end total"
    )  # the identical copy adds nothing
    for r in csv.iter_rows(named=True):
        neither = (
            r["unit"].startswith("date") and r["short"] is None
        )  # a date the baseline's P50 never reaches
        # a Δ whose replications split says so (split_medians has its own test); a verdict or "neither" says more
        split = {s: sm for s in result.options if (sm := split_medians(result, r["kpi"], s)) is not None}
        want = "; ".join(
            f"{s}: {result.verdicts[(r['kpi'], s)]}"
            if (r["kpi"], s) in result.verdicts
            else f"{s}: neither reaches it"
            if neither and r[s] is None
            else f"{s}: " + split_note(result.reps, *split[s])
            for s in result.options
            if (r["kpi"], s) in result.verdicts or (neither and r[s] is None) or s in split
        )
        assert (r["note"] or "") == want, r["kpi"]
    for kpi in (
        "pop_covered_5g_pct_2026_12",
        "year_5g_pop_90pct",
        "year_5g_pop_99pct",
        "year_last_village_connected",
        "dc_it_capacity_mw_2027_12",
        "gpus_installed_2027_12",
        "year_dc_1gw",
        "year_gpus_15x_start",
        "capex_all_programmes_total_vnd_bn",
        "capex_per_added_person_covered_vnd_m",
        "village_capex_per_village_connected_vnd_bn",
        "compute_capex_per_added_pflops_vnd_bn",
    ):
        assert kpi in expected, kpi
    md = (tmp_path / "out" / "compare.md").read_text(encoding="utf-8")
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| KPI | unit | short (baseline) | short-copy | push | Δ short-copy | Δ push |")
    assert len(rows) == 1 + csv.height  # header + one line per KPI
    assert all(r.count(" | ") == rows[0].count(" | ") for r in rows)
    date_row = next(r for r in rows if r.startswith("| Month 5G covers 90% of the population |"))
    assert date_row.split(" | ")[1] == "month" and "decimal year" not in md  # shown as months, said so
    assert markdown(result) == md
    reps = pl.read_csv(tmp_path / "out" / "compare_replications.csv", infer_schema=False)  # dates and numbers
    assert reps.columns == ["kpi", "scenario", "replication", "value", "delta"]


def _leaves(d, path=()):
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _leaves(v, path + (str(k),))
    else:
        yield path, d


def _attr(obj, path):
    for p in path:
        obj = (
            obj[int(p) if isinstance(obj, dict) and p.isdigit() else p]
            if isinstance(obj, dict)
            else getattr(obj, p)
        )
    return obj


def _as_file_states(v) -> str:
    """A value written as the option file writes it, computed here, not with dxsim's formatter."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def test_markdown_lists_what_push_5g_changes(result, tmp_path):
    """compare.md names every field push-5g.toml sets, with the baseline's value and push-5g's."""
    raw = tomllib.loads((SCEN / "push-5g.toml").read_text(encoding="utf-8"))
    base = load_scenario(SCEN / "baseline.toml")
    stated = {p: v for p, v in _leaves(raw) if p[0] not in ("extends", "name", "description")}
    assert len(stated) >= 10
    expected = {
        ".".join(p): f"- `{'.'.join(p)}`: `{_as_file_states(_attr(base, p))}` → `{_as_file_states(v)}`"
        for p, v in stated.items()
        if _attr(base, p) != v
    }
    assert "crews.north.teams" in expected and "subsidy.window_end" in expected
    write_compare(result, tmp_path)
    md = (tmp_path / "compare.md").read_text(encoding="utf-8")
    head, _, _table = md.partition("## KPIs")
    section = head.split("**push**", 1)[1]
    bullets = [ln for ln in section.splitlines() if ln.startswith("- ")]
    assert sorted(bullets) == sorted(expected.values())
    assert (
        "**short-copy**" in head
        and "no field differs" in head.split("**short-copy**", 1)[1].split("**push**")[0]
    )
    assert md.index("## What each option changes") < md.index("| KPI |")  # above the KPI table
    # one source: the CompareResult carries them, compare.json repeats them
    assert {p for p, _a, _b in result.differences["push"]} == set(expected)
    meta = json.loads((tmp_path / "compare.json").read_text(encoding="utf-8"))
    by_field = {d["field"]: d for d in meta["differences"]["push"]}
    assert by_field["subsidy.window_end"] == {
        "field": "subsidy.window_end",
        "baseline": "2025-12-31",
        "option": raw["subsidy"]["window_end"].isoformat(),
        "not_read_as_off": None,  # the field's part is on
    }
    assert meta["differences"]["short-copy"] == []


def test_csv_dates_are_iso_and_deltas_whole_days(result, tmp_path):
    from dxsim.results.summary import _decimal_year

    write_compare(result, tmp_path)
    csv = pl.read_csv(tmp_path / "compare.csv", infer_schema_length=0)  # every cell as written
    kinds = result.kinds
    dates_seen = neither_seen = one_side_seen = 0
    reps = pl.read_csv(tmp_path / "compare_replications.csv", infer_schema_length=0)
    for row in csv.iter_rows(named=True):
        mem = result.row(row["kpi"])
        for s in result.scenarios:
            cell, v = row[s], mem[s]
            if kinds[row["kpi"]] == "date":
                assert row["unit"].startswith("date")
                if v is None:
                    assert cell is None
                    continue
                d = dt.date.fromisoformat(cell)
                assert len(cell) == 10 and _decimal_year(d) == pytest.approx(v, abs=1e-9), (
                    row["kpi"],
                    s,
                    cell,
                    v,
                )
                dates_seen += 1
            elif v is None:
                assert cell is None
            else:
                assert float(cell) == v, (row["kpi"], s)  # other cells: the same number, full precision
        if kinds[row["kpi"]] == "date":
            # delta: P50 of the paired day differences, recomputed from the per-replication dates
            rr = reps.filter(pl.col("kpi") == row["kpi"])
            for opt in result.options:
                if (
                    row[opt] is None and row[result.baseline] is None
                ):  # neither P50 reaches it: no delta, a note
                    assert row[f"delta_{opt}"] is None and f"{opt}: neither reaches it" in row["note"]
                    neither_seen += 1
                    continue
                o = dict(rr.filter(pl.col("scenario") == opt).select("replication", "value").iter_rows())
                b = dict(
                    rr.filter(pl.col("scenario") == result.baseline)
                    .select("replication", "value")
                    .iter_rows()
                )
                diffs = []
                for r in sorted(b):
                    if o[r] is None and b[r] is None:
                        diffs.append(0)
                    elif o[r] is None or b[r] is None:
                        diffs = None
                        break
                    else:
                        diffs.append((dt.date.fromisoformat(o[r]) - dt.date.fromisoformat(b[r])).days)
                cell = row[f"delta_{opt}"]
                if diffs is None:
                    assert cell is None
                    # a blank delta where only one side reaches the date says which (it read as missing data)
                    if (row[opt] is None) != (row[result.baseline] is None):
                        which = (
                            "never reached; the baseline does"
                            if row[opt] is None
                            else "reached; the baseline never does"
                        )
                        assert f"{opt}: {which}" in row["note"], (row["kpi"], row["note"])
                        one_side_seen += 1
                else:
                    assert int(cell) == sorted(diffs)[(len(diffs) - 1) // 2], (row["kpi"], opt)
    assert dates_seen >= 3
    assert neither_seen >= 1  # 99% by END: neither reaches it
    q = pl.read_csv(tmp_path / "compare_quantiles.csv", infer_schema_length=0)
    for r in q.filter(pl.col("kpi") == "year_5g_pop_90pct").iter_rows(named=True):
        for c in ("p10", "p50", "p90"):
            if r[c] is not None:
                assert dt.date.fromisoformat(r[c]).year >= 2025
    assert (
        reps.filter(pl.col("kpi") == "year_5g_pop_90pct")["value"]
        .drop_nulls()
        .map_elements(dt.date.fromisoformat, return_dtype=pl.Date)
        .len()
        > 0
    )


def test_rich_differences_render(result):
    from rich.console import Console

    from dxsim.compare import rich_differences

    con = Console(width=220, record=True)
    con.print(rich_differences(result))
    text = con.export_text()
    assert "crews.north.teams" in text and "no field differs" in text


def test_decimal_year_to_date_inverts_the_summary_convention():
    from dxsim.results.summary import _decimal_year, decimal_year_to_date

    d = dt.date(2024, 1, 1)
    while d < dt.date(2032, 1, 1):  # leap and common years, every day
        assert decimal_year_to_date(_decimal_year(d)) == d
        d += dt.timedelta(days=1)
    assert decimal_year_to_date(math.nan) is None and decimal_year_to_date(None) is None
    assert fmt_value(_decimal_year(dt.date(2028, 3, 1)), "decimal year") == "2028-03"  # not February


def test_numbers_carry_the_precision_they_have() -> None:
    """Counts without decimals, a zero as "0" (not "0.00", read as a rounded small number; never "-0"), shares with
    two decimals, and a small value to three significant digits."""
    assert fmt_value(0.0, "villages") == "0" and fmt_value(-0.0, "VND bn", signed=True) == "0"
    assert fmt_value(602.0, "villages") == "602" and fmt_value(2.0, "villages", signed=True) == "+2"
    assert fmt_value(0.004, "VND bn") == "0.004" and fmt_value(1.305, "VND m") == "1.30"
    assert fmt_value(-23_063.4, "VND bn", signed=True) == "-23,063" and fmt_value(664.61, "MW") == "664.6"
    # a value printed with its range shares the range's precision: no "+0.000285" beside "-0.19"
    assert fmt_value(0.000285, "%", signed=True, scale=0.19) == "+0.00"
    assert fmt_value(-0.09, "%", signed=True, scale=0.19) == "-0.09"
    assert fmt_value(9.84, "%", scale=10.2) == "9.8" and fmt_value(9.84, "%") == "9.84"
    assert (
        fmt_value(0.000285, "VND bn", signed=True, scale=0.0004) == "+0.000285"
    )  # all tiny: significant digits
    # a throughput is read to hundredths of a Mbps: float rounding (-3.26e-8 beside +0.000493) is not a move
    assert fmt_value(-3.26e-8, "Mbps", signed=True, scale=0.000493) == "-0.00"
    assert fmt_value(0.000493, "Mbps", signed=True, scale=0.000493) == "+0.00"
    # a share of people is never shown below a hundredth of a point: noise read as an effect otherwise
    assert fmt_value(-0.0000492, "%", signed=True, scale=0.00264) == "-0.00"


def test_compare_csv_says_which_side_reaches_a_date_the_other_never_does(tmp_path):
    """Ending 2027-03, the baseline reaches 90% (2026-12, with Viettel's 2025 race) and the same scenario without
    surges does not (its 90% comes in 2027-08): compare.csv's delta has no number, and its note said nothing either
    (the helper read it as missing data); the terminal said "reached; the baseline never does". Both directions, from
    the files compare wrote."""
    end = "2027-03-31"
    short = _write(
        tmp_path / "b.toml",
        f'extends = "{SCEN / "baseline.toml"}"\nname = "b"\n[horizon]\nend_date = {end}\n',
    )
    slow = _write(
        tmp_path / "p.toml",
        f'extends = "{SCEN / "baseline.toml"}"\nname = "p"\n[horizon]\nend_date = {end}\n[surge]\nenabled = false\n',
    )
    for order, opt, which in (
        ([slow, short], "b", "reached; the baseline never does"),
        ([short, slow], "p", "never reached; the baseline does"),
    ):
        res = compare_scenarios(order, reps=1)
        out = tmp_path / f"out-{opt}"
        write_compare(res, out)
        csv = pl.read_csv(out / "compare.csv", infer_schema_length=0)
        row = csv.filter(pl.col("kpi") == "year_5g_pop_90pct").row(0, named=True)
        assert (row["b"] is not None) and row["p"] is None, (
            row
        )  # the race reaches it, the run without does not
        assert row[f"delta_{opt}"] is None and row["note"] == f"{opt}: {which}", row
        assert _cell(res, "year_5g_pop_90pct", "decimal year", "date", opt, True) == which


def test_a_date_one_side_never_reaches_says_which_not_n_a() -> None:
    """The 99% date: the baseline never reaches it, the option does (rural-700mhz, 2027-12); and the reverse."""
    from dxsim.compare import CompareResult, _cell

    nan = math.nan
    q = pl.DataFrame(
        {
            "kpi": ["year_5g_pop_99pct"] * 3,
            "scenario": ["base", "fast", "slow"],
            "p10": [nan, 2027.9, nan],
            "p50": [nan, 2027.95, nan],
            "p90": [nan, 2028.0, nan],
            "delta_p10": [None, nan, nan],
            "delta_p50": [None, nan, nan],
            "delta_p90": [None, nan, nan],
        }
    )
    r = CompareResult(pl.DataFrame(), q, pl.DataFrame(), ["base", "fast", "slow"], "base", 1, 2, [])
    assert (
        _cell(r, "year_5g_pop_99pct", "decimal year", "date", "fast", True)
        == "reached; the baseline never does"
    )
    assert _cell(r, "year_5g_pop_99pct", "decimal year", "date", "slow", True) == "neither reaches it"
    # paired, two dates never reached differ by 0: still not "0 mo" (it would read as the same date)
    r.quantiles = q.with_columns(delta_p10=pl.Series([None, nan, 0.0]), delta_p50=pl.Series([None, nan, 0.0]))
    assert _cell(r, "year_5g_pop_99pct", "decimal year", "date", "slow", True) == "neither reaches it"
    r.quantiles = q.with_columns(p50=pl.Series([2027.5, nan, nan]))
    assert (
        _cell(r, "year_5g_pop_99pct", "decimal year", "date", "slow", True)
        == "never reached; the baseline does"
    )


def test_a_delta_and_its_range_share_one_precision() -> None:
    """rural-700mhz's 2025 served share: the P90 delta +0.000285 printed as "+0.00", beside -0.09 and -0.19."""
    from dxsim.compare import CompareResult, _cell

    q = pl.DataFrame(
        {
            "kpi": ["pop_5g_served_pct_2025"] * 2,
            "scenario": ["base", "opt"],
            "p10": [44.3, 44.1],
            "p50": [45.4, 45.3],
            "p90": [45.8, 45.8],
            "delta_p10": [None, -0.19],
            "delta_p50": [None, -0.09],
            "delta_p90": [None, 0.000285],
        }
    )
    r = CompareResult(pl.DataFrame(), q, pl.DataFrame(), ["base", "opt"], "base", 1, 4, [])
    assert _cell(r, "pop_5g_served_pct_2025", "%", "pct", "opt", True) == "-0.09 (-0.19 to +0.00)"
    assert _cell(r, "pop_5g_served_pct_2025", "%", "pct", "opt", False) == "45.3 (44.1–45.8)"


def test_a_lever_that_moved_its_outcome_is_never_called_not_binding() -> None:
    """Faster village permits: permits held 9% of the baseline's village-days (power bound), yet the last village
    came 5 months earlier in every replication. compare says so ("on the critical path"), not "did not bind"."""
    from dxsim.compare import CompareResult, outcome_moved

    def result(d10: float, d50: float, d90: float) -> CompareResult:
        q = pl.DataFrame(
            {
                "kpi": ["year_last_village_connected"] * 2,
                "scenario": ["base", "fast"],
                "p10": [2028.0, 2027.6],
                "p50": [2028.3, 2027.9],
                "p90": [2028.9, 2028.1],
                "delta_p10": [None, d10],
                "delta_p50": [None, d50],
                "delta_p90": [None, d90],
            }
        )
        table = pl.DataFrame(
            {
                "kpi": ["year_last_village_connected"],
                "label": ["Date the last feasible village is connected"],
                "unit": ["decimal year"],
            }
        )
        return CompareResult(table, q, pl.DataFrame(), ["base", "fast"], "base", 1, 3, [])

    months = 1 / 12
    moved = outcome_moved(result(-9.4 * months, -5 * months, -1.9 * months), "fast", "villages")
    assert moved == "date the last feasible village is connected moved -5.0 mo"
    assert (
        outcome_moved(result(-9.4 * months, -5 * months, 1.0 * months), "fast", "villages") is None
    )  # mixed
    assert (
        outcome_moved(result(-0.2 * months, -0.3 * months, -0.1 * months), "fast", "villages") is None
    )  # small
    assert outcome_moved(result(-1.0, -0.5, -0.2), "fast", "5g") is None  # another programme's outcome
    from dxsim.compare import outcome_unmoved

    assert outcome_unmoved(result(0.0, 0.0, 0.0), "fast", "villages")  # exactly the baseline's in every run
    assert not outcome_unmoved(result(0.0, 0.0, 0.01), "fast", "villages")
    assert not outcome_unmoved(
        result(0.0, 0.0, 0.0), "fast", "dc"
    )  # no outcome of that programme in the table


def test_a_band_that_moved_where_the_p50_did_not_is_said() -> None:
    """Doubled upgrade permits read "not binding ... permits did not bind" while one replication of three lost
    Viettel's whole surge and the 90% month's P90 moved +9 months (lever trial). outcome_tail names the largest move at
    the band's edge where the P50 moved nothing; none where the P50 moved (outcome_moved speaks) or nothing did."""
    from dxsim.compare import CompareResult, outcome_tail

    def result(d10: float, d50: float, d90: float) -> CompareResult:
        q = pl.DataFrame(
            {
                "kpi": ["year_5g_pop_90pct", "stations_5g_2025_12"],
                "scenario": ["x2"] * 2,
                "p10": [2026.9, 20_000.0],
                "p50": [2026.9, 33_000.0],
                "p90": [2027.7, 33_200.0],
                "delta_p10": [d10, -13_062.0],
                "delta_p50": [d50, 0.0],
                "delta_p90": [d90, 0.0],
            }
        )
        table = pl.DataFrame(
            {
                "kpi": ["year_5g_pop_90pct", "stations_5g_2025_12"],
                "label": ["Month 5G covers 90% of the population", "5G stations on air, 2025-12 end"],
                "unit": ["decimal year", "stations"],
            }
        )
        return CompareResult(table, q, pl.DataFrame(), ["base", "x2"], "base", 1, 3, [])

    said = outcome_tail(result(0.0, 0.0, 0.75), "x2", "5g")
    assert said == (
        "month 5G covers 90% of the population moved +9.0 mo in some replications (P10 to P90: 0 mo to +9.0 mo)"
    ), said
    assert outcome_tail(result(0.0, 0.5, 0.75), "x2", "5g") is None  # the P50 moved: outcome_moved says it
    assert outcome_tail(result(0.0, 0.0, 0.0), "x2", "5g") is None  # nothing moved
    assert outcome_tail(result(0.0, 0.0, 0.75), "x2", "villages") is None  # another programme's outcomes


def test_an_outcome_that_moved_against_its_change_is_said_to_be_the_wrong_way_round() -> None:
    """Shorter upgrade permits cost 845 stations at end-2026 and read "on the critical path" (lever trial): the
    operators' last chance to surge moved with them. A tightened resource with a better outcome, or an eased one with
    a worse, is "timing", and says so; an eased one with a better outcome stays "critical"."""
    from dxsim.results.bottlenecks import _eases, _tightens

    shorter = [("works.upgrade_permit.p50_days", 14.0, 7.0)]
    longer = [("works.upgrade_permit.p50_days", 14.0, 28.0)]
    more = [("crews.north.teams", 450, 900)]
    assert _eases(shorter) and not _tightens(shorter)
    assert _tightens(longer) and not _eases(longer)
    assert _eases(more) and not _eases([("budget.share_pct.villages", 20.0, 30.0)])


def test_a_village_lever_names_the_capex_it_moved_beside_its_outcome() -> None:
    """Utility crews at 0 read "the limit once cut ... moved -1 village-months" while the campaigns' generator bridges
    ran on for +558 bn VND (lever trial). A village capex move of 5% of the baseline's or more, the same sign across
    the band, is named; a smaller one, a mixed band or another programme's is not. By hand: +556.3 of 2,660."""
    from dxsim.compare import CompareResult, cost_move

    def result(d10: float, d50: float, d90: float) -> CompareResult:
        q = pl.DataFrame(
            {
                "kpi": ["village_capex_total_vnd_bn"] * 2,
                "scenario": ["base", "cut"],
                "p50": [2660.0, 2660.0 + d50],
                "delta_p10": [None, d10],
                "delta_p50": [None, d50],
                "delta_p90": [None, d90],
            }
        )
        table = pl.DataFrame(
            {"kpi": ["village_capex_total_vnd_bn"], "label": ["Village capex"], "unit": ["VND bn"]}
        )
        return CompareResult(table, q, pl.DataFrame(), ["base", "cut"], "base", 1, 3, [])

    assert (
        cost_move(result(540.0, 556.3, 580.0), "cut", "villages")
        == "village capex (all payers) moved +556.3 bn VND"
    )
    assert cost_move(result(100.0, 120.0, 140.0), "cut", "villages") is None  # 4.5% of 2,660: below 5%
    assert cost_move(result(-10.0, 556.3, 580.0), "cut", "villages") is None  # the band changes sign
    assert cost_move(result(540.0, 556.3, 580.0), "cut", "5g") is None


def test_a_village_lever_that_moved_only_the_people_served_says_so() -> None:
    """Doubling the LEO terminals' capacity connected no village sooner and moved people served by 4G or better
    +0.12 points at end-2030 in every replication (+0.12 to +0.13); compare said "the option moved no village
    outcome" (lever audit). The villages' outcome line names the service move; with none, there is no line."""
    from dxsim.compare import CompareResult, outcome_moved, outcome_unmoved

    def result(served: tuple[float, float, float]) -> CompareResult:
        kpis = ["villages_connected_end", "pop_mbb_served_pct_2030_12"]
        q = pl.DataFrame(
            {
                "kpi": kpis * 2,
                "scenario": ["base", "base", "leo", "leo"],
                "p10": [602.0, 97.9, 602.0, 98.0],
                "p50": [602.0, 98.0, 602.0, 98.1],
                "p90": [602.0, 98.1, 602.0, 98.2],
                "delta_p10": [None, None, 0.0, served[0]],
                "delta_p50": [None, None, 0.0, served[1]],
                "delta_p90": [None, None, 0.0, served[2]],
            }
        )
        table = pl.DataFrame(
            {
                "kpi": kpis,
                "label": ["Villages connected at the end", "Population served by 4G or better, 2030-12"],
                "unit": ["villages", "%"],
            }
        )
        return CompareResult(table, q, pl.DataFrame(), ["base", "leo"], "base", 1, 3, [])

    moved = outcome_moved(result((0.12, 0.12, 0.13)), "leo", "villages")
    assert moved is not None and moved.startswith("no village was connected sooner, but ")
    assert moved.endswith(
        "served by 4G or better, 2030-12 moved +0.12 points: a village's link also carries its people's busy-hour traffic"
    )
    assert outcome_moved(result((0.0, 0.0, 0.0)), "leo", "villages") is None
    assert outcome_unmoved(result((0.0, 0.0, 0.0)), "leo", "villages")
    assert (
        outcome_moved(result((-0.01, 0.12, 0.13)), "leo", "villages") is None
    )  # the band crosses 0: no move


def test_villages_connected_sooner_is_a_move_though_the_end_count_is_the_same() -> None:
    """Doubled village line crews connected 16-22 more villages by end-2026 in every replication, every village by
    the end either way: compare judged villages by the last village's date and the end count only, and said "line
    crews did not bind". The year-end counts are outcomes too (OUTCOMES["villages"])."""
    from dxsim.compare import CompareResult, outcome_moved

    kpis = ["villages_connected_2026_12", "villages_connected_end"]
    q = pl.DataFrame(
        {
            "kpi": kpis * 2,
            "scenario": ["base", "base", "fast", "fast"],
            "p10": [480.0, 602.0, 496.0, 602.0],
            "p50": [500.0, 602.0, 522.0, 602.0],
            "p90": [520.0, 602.0, 540.0, 602.0],
            "delta_p10": [None, None, 16.0, 0.0],
            "delta_p50": [None, None, 22.0, 0.0],
            "delta_p90": [None, None, 22.0, 0.0],
        }
    )
    table = pl.DataFrame(
        {
            "kpi": kpis,
            "label": ["Villages connected (served), 2026-12 end", "Villages connected (served) by the end"],
            "unit": ["villages", "villages"],
        }
    )
    res = CompareResult(table, q, pl.DataFrame(), ["base", "fast"], "base", 1, 3, [])
    assert (
        outcome_moved(res, "fast", "villages")
        == "villages connected (served), 2026-12 end moved +22 villages"
    )
    # the same with only the end count: nothing moved
    end_only = CompareResult(table[1:], q, pl.DataFrame(), ["base", "fast"], "base", 1, 3, [])
    assert outcome_moved(end_only, "fast", "villages") is None
    # of one outcome's year ends, the largest move is named, not the first (state DC money: +15 MW, then +45 MW)
    mw = ["dc_it_capacity_mw_2027_12", "dc_it_capacity_mw_2030_12"]
    dq = pl.DataFrame(
        {
            "kpi": mw,
            "scenario": ["more", "more"],
            "p10": [300.0, 700.0],
            "p50": [310.0, 715.0],
            "p90": [320.0, 730.0],
            "delta_p10": [15.1, 30.1],
            "delta_p50": [15.1, 45.2],
            "delta_p90": [15.1, 60.3],
        }
    )
    dt_ = pl.DataFrame({"kpi": mw, "label": ["DC, 2027-12", "DC, 2030-12"], "unit": ["MW", "MW"]})
    res = CompareResult(dt_, dq, pl.DataFrame(), ["base", "more"], "base", 1, 3, [])
    assert outcome_moved(res, "more", "dc") == "DC, 2030-12 moved +45.2 MW"


def test_an_outcome_worse_at_some_year_ends_names_both_moves_and_is_flagged() -> None:
    """Accepting a larger loss per site moved 5G coverage -0.28 points at end-2026 and +0.09 at end-2030; the line
    named only the larger, worse move beside "the change relieved a binding limit" (operator trial). Both are named,
    in year order, and `outcome_worse` says the outcome is worse somewhere; a move one way only is named alone."""
    from dxsim.compare import CompareResult, outcome_moved, outcome_worse

    kpis = ["pop_covered_5g_pct_2026_12", "pop_covered_5g_pct_2028_12", "pop_covered_5g_pct_2030_12"]

    def res(d: list[float]) -> CompareResult:
        q = pl.DataFrame(
            {
                "kpi": kpis,
                "scenario": ["opt"] * 3,
                "p10": [50.0] * 3,
                "p50": [50.0] * 3,
                "p90": [50.0] * 3,
                "delta_p10": d,
                "delta_p50": d,
                "delta_p90": d,
            }
        )
        t = pl.DataFrame(
            {"kpi": kpis, "label": ["Cov, 2026-12", "Cov, 2028-12", "Cov, 2030-12"], "unit": ["%"] * 3}
        )
        return CompareResult(t, q, pl.DataFrame(), ["base", "opt"], "base", 1, 3, [])

    mixed = res([-0.28, -0.10, 0.09])
    assert (
        outcome_moved(mixed, "opt", "5g")
        == "cov, 2026-12 moved -0.28 points, and cov, 2030-12 moved +0.09 points"
    )
    assert outcome_worse(mixed, "opt", "5g")
    better = res([0.0, 0.10, 0.30])
    assert outcome_moved(better, "opt", "5g") == "cov, 2030-12 moved +0.30 points" and not outcome_worse(
        better, "opt", "5g"
    )
    assert outcome_worse(res([-0.3, -0.2, 0.0]), "opt", "5g")


def test_a_5g_move_of_coverage_names_the_served_move_and_the_densification_beside_it() -> None:
    """The rural 700 MHz band: the 90% coverage date 10 months earlier, 5G served -21.6 points at the end, and the
    operators' capacity moves far fewer. compare named only the first; all three now, in that order. The plan moves
    are named only when they moved by a tenth of the baseline's or more (a 1-site wobble says nothing)."""
    from dxsim.compare import CompareResult, outcome_moved

    months = 1 / 12
    kpis = ["year_5g_pop_90pct", "pop_5g_served_pct_2030_12", "stations_5g_built_for_capacity_end"]

    def res(d_fwd: float) -> CompareResult:
        q = pl.DataFrame(
            {
                "kpi": kpis,
                "scenario": ["r700"] * 3,
                "p10": [2026.9, 74.0, 38_000.0],
                "p50": [2027.0, 74.3, 38_398.0],
                "p90": [2027.1, 74.6, 76_000.0],
                "delta_p10": [-11 * months, -21.9, d_fwd * 1.06],
                "delta_p50": [-10 * months, -21.6, d_fwd],
                "delta_p90": [-9 * months, -21.2, d_fwd * 0.78],
            }
        )
        table = pl.DataFrame(
            {
                "kpi": kpis,
                "label": [
                    "Month 5G covers 90%",
                    "Population where 5G serves, 2030-12 end",
                    "5G stations built for capacity",
                ],
                "unit": ["decimal year", "%", "stations"],
                "base": [2027.75, 95.9, 40_000.0],
            }
        )
        return CompareResult(table, q, pl.DataFrame(), ["base", "r700"], "base", 1, 3, [])

    assert outcome_moved(res(-30_000.0), "r700", "5g") == (
        "month 5G covers 90% moved -10.0 mo; population where 5G serves, 2030-12 end moved -21.6 points; "
        "5G stations built for capacity moved -30,000 stations"
    )
    # 3,000 of 40,000 is under a tenth: not named
    assert outcome_moved(res(-3_000.0), "r700", "5g") == (
        "month 5G covers 90% moved -10.0 mo; population where 5G serves, 2030-12 end moved -21.6 points"
    )


def test_year_end_village_and_data_centre_rows_read_the_run(result):
    """The year-end rows added for the path are the runs' own month-end values: the last year end (the horizon's
    end, 2027-12-31) equals the end KPIs, per scenario and quantile."""
    q = result.quantiles
    for name in result.scenarios:
        for year_end, end in (
            ("villages_connected_2027_12", "villages_connected_end"),
            ("villages_without_power_2027_12", "villages_without_power_end"),
            ("dc_it_capacity_mw_2027_12", "dc_it_capacity_mw_end"),
        ):
            a = q.filter((pl.col("scenario") == name) & (pl.col("kpi") == year_end))
            b = q.filter((pl.col("scenario") == name) & (pl.col("kpi") == end))
            if b.height == 0:  # the end KPI is not a table row: read it from the replications
                ends = sorted(
                    float(v[end]) for v in next(r for r in result.runs if r.name == name).kpis.values()
                )
                assert a["p50"][0] == quantile(ends, 0.5), (name, year_end)
            else:
                assert a["p50"][0] == b["p50"][0], (name, year_end)
    kpis = result.table["kpi"].to_list()
    assert [k for k in kpis if k.startswith("dc_it_capacity_mw_")] == [
        f"dc_it_capacity_mw_{t}" for t in ("2025_12", "2026_12", "2027_12")
    ]
    assert [k for k in kpis if k.startswith("villages_connected_20")] == [
        f"villages_connected_{t}" for t in ("2025_12", "2026_12", "2027_12")
    ]
    assert [k for k in kpis if k.startswith("villages_without_power_20")] == [
        f"villages_without_power_{t}" for t in ("2025_12", "2026_12", "2027_12")
    ]


def test_compare_shows_the_5g_capex_to_date_at_each_year_end(result):
    """An operator asking "per VND by 2028" read "same cost and end total" for every pace: the end totals converge.
    Each year end's capex to date is a row, the P50 of the runs' own `capex_cum_vnd_bn_<year>_12`, rising year by
    year and ending at the horizon's 5G capex."""
    rows = {
        r["kpi"]: r for r in result.table.iter_rows(named=True) if r["kpi"].startswith("capex_cum_vnd_bn_")
    }
    assert list(rows) == [f"capex_cum_vnd_bn_{t}" for t in ("2025_12", "2026_12", "2027_12")]
    for name in result.scenarios:
        assert [r[name] for r in rows.values()] == sorted(r[name] for r in rows.values())
        run = next(r for r in result.runs if r.name == name)
        for kpi, row in rows.items():
            values = sorted(v[kpi] for v in run.kpis.values())
            assert row[name] == values[(len(values) - 1) // 2] and row["unit"] == "VND bn", (kpi, name)
        # the last year end is the horizon's end here: its capex to date is the horizon's 5G capex
        ends = sorted(v["capex_total_vnd_bn"] for v in run.kpis.values())
        assert rows["capex_cum_vnd_bn_2027_12"][name] == pytest.approx(ends[(len(ends) - 1) // 2])


def test_both_capacity_short_shares_are_rows_and_read_the_runs(result):
    """4G-or-better capacity-short people had no row (only 5G's): each row's P50 is the P50 of the scenario's own
    replications' end values."""
    for kpi in ("pop_5g_capacity_short_pct_end", "pop_mbb_capacity_short_pct_end"):
        for name in result.scenarios:
            row = result.quantiles.filter((pl.col("scenario") == name) & (pl.col("kpi") == kpi))
            assert row.height == 1, (name, kpi)
            ends = sorted(float(v[kpi]) for v in next(r for r in result.runs if r.name == name).kpis.values())
            assert row["p50"][0] == quantile(ends, 0.5), (name, kpi)
    assert "pop_mbb_capacity_short_pct_end" in result.table["kpi"].to_list()


def test_village_campaigns_the_utility_and_operators_pay_are_not_public_money(result):
    """The default campaigns are paid by the utility and the operators (funded_by_programme_budget = false): their
    works are village capex but not public money, as an operator's 5G capex is not. Before, public money counted all
    village capex, beside a compare note that the programme budget pays for no village. The programme budget pays
    for the villages in no campaign only: Tuyên Quang's surveyed villages with grid power (the survey, 2026-01,
    counts what the with-power campaign left), so it commits something, and less than all village capex."""
    base = next(r for r in result.runs if r.name == "short")
    for rep, k in base.kpis.items():
        assert k["village_capex_total_vnd_bn"] > 0, rep
        assert 0 < k["village_programme_committed_total_vnd_bn"] < k["village_capex_total_vnd_bn"], rep
        by_hand = (
            k["subsidy_paid_total_vnd_bn"]
            + k["support_accrued_unpaid_vnd_bn"]
            + k["village_programme_committed_total_vnd_bn"]
            + k["dc_ppp_state_capex_total_vnd_bn"]
            + state_dc_investment_vnd_bn(load_scenario(result.runs[0].path))
        )
        assert k["public_cost_total_vnd_bn"] == pytest.approx(by_hand), rep


def test_compare_shows_the_5g_stations_at_each_year_end(result):
    """Stations are the plans' unit (68,457 by end-2025) and what the why-lines count, yet no compare row had
    them. Each year end's row is the P50 over replications of the runs' own `stations_5g_<year>_12`, and push
    (more sites ordered in 2026 and 2027) has more on air at the end of 2027."""
    t = result.table
    rows = {r["kpi"]: r for r in t.iter_rows(named=True) if r["kpi"].startswith("stations_5g_")}
    assert {"stations_5g_2025_12", "stations_5g_2026_12", "stations_5g_2027_12"} <= set(rows)
    for kpi, row in rows.items():
        assert row["unit"] == "stations"
        for run in result.runs:
            values = sorted(v[kpi] for v in run.kpis.values())
            assert row[run.name] == values[(len(values) - 1) // 2], (kpi, run.name)  # the empirical median
    assert rows["stations_5g_2027_12"]["delta_push"] > 1000


def test_rich_table_renders(result):
    from rich.console import Console

    con = Console(width=220, record=True)
    con.print(rich_table(result))
    text = con.export_text()
    assert "Δ push" in text and "short-copy" in text and "not reached" in text
    # the Δ is the P50 of the paired differences, not the difference of the P50s beside it: the table says so
    assert "Δ is the P50 of the paired difference option − baseline per replication" in text


def test_a_narrow_terminal_gets_one_table_per_option(result):
    """Five scenarios in one table at 160 characters folded each KPI label over four lines. When the baseline, every
    option and every Δ do not fit, each option gets its own table (baseline, option, Δ) with the same cells."""
    from rich.console import Console

    assert len(result.options) == 2
    wide = rich_tables(result, 220)
    assert len(wide) == 1 and len(wide[0].columns) == 1 + 1 + 2 * 2
    narrow = rich_tables(result, 100)
    assert len(narrow) == 2
    full = wide[0]
    for opt, table in zip(result.options, narrow):
        headers = [str(c.header) for c in table.columns]
        assert headers[2:] == [opt, f"Δ {opt}"] and headers[1].startswith(result.baseline), headers
        # the same cells as the full table's baseline, option and Δ columns, row for row
        at = {str(c.header): i for i, c in enumerate(full.columns)}
        for mine, theirs in zip(
            table.columns, [full.columns[0], full.columns[1], *(full.columns[at[h]] for h in headers[2:])]
        ):
            assert list(mine.cells) == list(theirs.cells)
    con = Console(width=100, record=True)
    for table in narrow:
        con.print(table)
    assert "Δ push" in con.export_text()


def test_baseline_choice_and_errors(files):
    res = compare_scenarios([files["short"], files["push"]], reps=1, baseline="push")
    assert res.baseline == "push"
    assert res.table.columns[-1] == "delta_short"
    assert res.row("pop_covered_5g_pct_2027_12")["delta_short"] < 0  # push is ahead by the end of 2027
    with pytest.raises(DxsimInputError) as info:
        compare_scenarios([files["short"], files["push"]], reps=1, baseline="nope")
    assert "--baseline" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(DxsimInputError) as info:
        compare_scenarios([files["short"], files["short"]], reps=1)
    assert "distinct" in str(info.value) and "\n" not in str(info.value)


def test_options_with_another_horizon_are_refused_before_any_run(files, tmp_path):
    """The rows are the baseline's dates: a longer option's later years went unshown while its totals "over the
    horizon" were set against the baseline's shorter ones."""
    longer = _write(
        tmp_path / "longer.toml",
        f'extends = "{SCEN / "baseline.toml"}"\nname = "longer"\n[horizon]\nend_date = 2027-06-30\n',
    )
    with pytest.raises(DxsimInputError) as info:
        compare_scenarios([files["short"], longer], reps=1)
    said = str(info.value)
    assert "longer.toml" in said and "horizon.end_date" in said and "2027-06-30" in said
    assert f"allowed: {END}" in said and "\n" not in said


def test_compare_json_says_where_each_world_came_from(files, tmp_path):
    """compare.json said `"world_reused": false` of a world read from the store in 0.3 s: the field means reused in
    memory from an earlier scenario of the same compare. `world_source` now says built, store or memory."""
    from dxsim.execution import process_world_cache
    from dxsim.sim import world_store

    if world_store.store_dir() is None:
        pytest.skip("the store of prepared worlds is off (DXSIM_WORLD_CACHE=0)")
    compare_scenarios([files["short"]], reps=1)  # its world is in the store now (built, or read)
    process_world_cache().clear()  # as in a new process: nothing in memory
    write_compare(compare_scenarios([files["short"], files["copy"]], reps=1), tmp_path / "out")
    meta = json.loads((tmp_path / "out" / "compare.json").read_text(encoding="utf-8"))
    by_name = {s["name"]: s for s in meta["scenarios"]}
    assert by_name["short"]["world_source"] == "store" and by_name["short"]["world_reused"] is False
    # the copy shares the base's world (same world-shaping fields): in memory, with no time spent on it
    assert by_name["short-copy"]["world_source"] == "memory" and by_name["short-copy"]["world_reused"] is True
    assert by_name["short-copy"]["prepare_s"] == 0.0


def test_reused_world_equals_fresh_world(files):
    """A world cache hit (simulation-only change) gives the same results as preparing afresh."""
    from dxsim.execution import WorldCache, effective_scenario
    from dxsim.geo import load_country
    from dxsim.sim.model import run_replication
    from dxsim.sim.world import prepare_world

    base = load_scenario(files["short"])
    other = effective_scenario(
        base.model_copy(update={"supply": base.supply.model_copy(update={"deliveries_per_month": 1500})})
    )
    cache = WorldCache(maxsize=1)
    cache.get(effective_scenario(base), files["short"].parent)
    reused, hit, _ = cache.get(other, files["short"].parent)
    assert hit
    fresh = prepare_world(other, load_country(), scenario_dir=files["short"].parent)
    a, b = run_replication(reused, 1), run_replication(fresh, 1)
    assert a.metrics.equals(b.metrics)
    assert np.array_equal(a.on_air_day, b.on_air_day, equal_nan=True)


# --------------------------------------------------------------------------- budget envelope


class _WithBudget(Scenario):
    """The root Scenario as the lead will wire it: plus `budget`."""

    budget: BudgetEnvelope = Field(default_factory=BudgetEnvelope)


def _env(**shares) -> BudgetEnvelope:
    return BudgetEnvelope(
        enabled=True, total_vnd_bn={2026: 1000.0, 2027: 2000.0}, share_pct=EnvelopeShares(**shares)
    )


def test_envelope_split_explicit():
    sc = load_scenario(SCEN / "baseline.toml")
    env = _env(five_g_subsidy=50, villages=20, compute_public=30)
    out = apply_envelope(sc, env)
    assert out is not sc
    assert sc.subsidy.fund_vnd_bn == 12_697.0  # input untouched
    prog = out.villages.programme
    assert prog.budget_vnd_bn[2026] == 200.0 and prog.budget_vnd_bn[2027] == 400.0
    assert prog.budget_for(2025) == 300.0  # before the envelope: the scenario's own value
    assert prog.budget_for(2028) == sc.villages.programme.budget_for(
        2028
    )  # after: the scenario's rule, not 400
    assert prog.budget_for(2030) == sc.villages.programme.budget_for(2030)
    dc = out.compute.datacentres
    assert dc.public_investment_vnd_bn == {2026: 300.0, 2027: 600.0}
    # Resolution 193 stays as enacted; the 5G money is a programme of its own on its terms
    assert out.subsidy == sc.subsidy
    (prog5,) = [p for p in out.supports if p.name == ENVELOPE_SUPPORT_NAME]
    assert prog5.fund_vnd_bn == pytest.approx(500.0 + 1000.0)  # 50% of 1,000 and of 2,000
    assert (prog5.window_start, prog5.window_end) == (dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    assert prog5.equipment_share_pct == sc.subsidy.equipment_share_pct == 15.0
    assert prog5.min_stations_per_operator == sc.subsidy.min_stations_per_operator
    alloc = envelope_allocation(env)
    assert sum(sum(v.values()) for v in alloc.values()) == pytest.approx(3000.0)


def test_envelope_disabled_or_absent_is_identity():
    sc = load_scenario(SCEN / "baseline.toml")
    assert apply_envelope(sc) is sc
    assert apply_envelope(sc, BudgetEnvelope()) is sc


def test_envelope_without_5g_share_keeps_the_window():
    sc = load_scenario(SCEN / "baseline.toml")
    out = apply_envelope(sc, _env(five_g_subsidy=0, villages=50, compute_public=50))
    assert out.subsidy == sc.subsidy


def test_envelope_validation():
    with pytest.raises(ValidationError, match="sum to 100"):
        BudgetEnvelope(
            enabled=True,
            total_vnd_bn={2026: 100.0},
            share_pct=EnvelopeShares(five_g_subsidy=50, villages=20, compute_public=20),
        )
    # a disabled envelope is inert: its shares are not checked
    assert not BudgetEnvelope(
        share_pct=EnvelopeShares(five_g_subsidy=50, villages=20, compute_public=20)
    ).enabled
    with pytest.raises(ValidationError, match="at least one year"):
        BudgetEnvelope(enabled=True)
    with pytest.raises(ValidationError):
        BudgetEnvelope(enabled=True, total_vnd_bn={2026: -5.0})
    with pytest.raises(ValidationError):
        BudgetEnvelope(enabled=True, total_vnd_bn={2026: 5.0}, surprise=1)


def test_balanced_option_validates_with_budget_field_and_folds_idempotently():
    merged = load_scenario_dict(SCEN / "balanced.toml")
    merged.pop("extends", None)
    sc = _WithBudget.model_validate(merged)
    assert sc.budget.enabled and sc.budget.total_vnd_bn == dict.fromkeys(range(2026, 2030), 6000.0)
    out = apply_envelope(sc)
    assert isinstance(out, _WithBudget)
    assert out.budget.enabled is False  # folded
    assert out.villages.programme.budget_vnd_bn[2027] == pytest.approx(600.0)
    assert out.compute.datacentres.public_investment_vnd_bn[2029] == pytest.approx(3000.0)
    assert out.subsidy == sc.subsidy  # as enacted: 12,697 bn, 2025 window
    (prog5,) = [p for p in out.supports if p.name == ENVELOPE_SUPPORT_NAME]
    assert prog5.fund_vnd_bn == pytest.approx(4 * 2400.0)
    assert prog5.window_end == dt.date(2029, 12, 31)
    assert apply_envelope(out) is out  # applying again is a no-op
    assert out.villages.programme.budget_for(2030) == pytest.approx(
        300.0
    )  # the baseline's own rule after 2029


@pytest.mark.skipif(
    "budget" not in Scenario.model_fields, reason="the lead has not yet added `budget` to Scenario"
)
def test_balanced_loads_once_wired():
    sc = load_scenario(SCEN / "balanced.toml")
    assert sc.budget.enabled
    out = apply_envelope(sc)
    assert out.subsidy.fund_vnd_bn == 12_697.0
    assert math.isclose(sum(p.fund_vnd_bn for p in out.supports if p.name == ENVELOPE_SUPPORT_NAME), 9_600.0)


def test_envelope_5g_money_buys_at_most_itself():
    """1 bn of envelope 5G money extended Resolution 193's window to 2030 and opened its 12,697 bn fund: ~10,750 bn of
    support for 1 bn (finance trial). Now the money of years after the enacted window is a fund of its own; a year
    the enacted window covers tops up the enacted fund, with the window unchanged."""
    sc = load_scenario(SCEN / "baseline.toml")
    one = BudgetEnvelope(
        enabled=True,
        total_vnd_bn={2030: 1.0},
        share_pct=EnvelopeShares(five_g_subsidy=100, villages=0, compute_public=0),
    )
    out = apply_envelope(sc, one)
    assert out.subsidy == sc.subsidy
    assert [(p.name, p.fund_vnd_bn, p.window_start, p.window_end) for p in out.supports] == [
        (ENVELOPE_SUPPORT_NAME, 1.0, dt.date(2030, 1, 1), dt.date(2030, 12, 31))
    ]
    both = BudgetEnvelope(
        enabled=True,
        total_vnd_bn={2025: 100.0, 2027: 200.0},
        share_pct=EnvelopeShares(five_g_subsidy=100, villages=0, compute_public=0),
    )
    out = apply_envelope(sc, both)
    assert out.subsidy.fund_vnd_bn == 12_697.0 + 100.0 and out.subsidy.window_end == sc.subsidy.window_end
    (prog5,) = out.supports
    assert (prog5.fund_vnd_bn, prog5.window_start) == (200.0, dt.date(2027, 1, 1))  # 2026 had no 5G money


def test_world_key_ignores_simulation_only_sections():
    from dxsim.sim.world_store import world_key

    sc = load_scenario(SCEN / "baseline.toml")
    renamed = sc.model_copy(
        update={"name": "x", "supply": sc.supply.model_copy(update={"deliveries_per_month": 1})}
    )
    assert world_key(sc, SCEN) == world_key(renamed, SCEN)
    seeded = sc.model_copy(update={"seed": 1})  # the run's seed draws replications, not a layer
    assert world_key(sc, SCEN) == world_key(seeded, SCEN)
    dearer = sc.model_copy(update={"costs": sc.costs.model_copy(update={"new_site_civil_vnd_bn": 3.0})})
    assert world_key(sc, SCEN) != world_key(dearer, SCEN)


def test_incremental_ratio_has_no_number_where_the_option_dominates_or_adds_nothing() -> None:
    """Cost-effectiveness convention: a negative ratio is not a price. Hand cases, VND bn and persons -> VND m."""
    assert incremental_ratio(200.0, 1e5, 1e3) == (
        pytest.approx(2.0),
        "",
    )  # 200 bn for 100,000 people: 2 m each
    assert incremental_ratio(0.0, 1e5, 1e3) == (0.0, "")  # more people at no extra cost
    val, why = incremental_ratio(-50.0, 1e5, 1e3)  # cheaper and more people: dominates
    assert val is None and why == "costs less and adds more"
    assert incremental_ratio(50.0, -1e5, 1e3) == (None, "adds less, costs more")  # dominated
    assert incremental_ratio(12_000.0, 0.0, 1e3) == (
        None,
        "adds no more, costs more",
    )  # balanced's compute row
    assert incremental_ratio(0.0, -1e5, 1e3) == (None, "adds less")
    assert incremental_ratio(-50.0, 0.0, 1e3) == (None, "adds no more, costs less")
    # rural-700mhz: a quarter fewer people served for less capex reads as a trade-off, not "the same for less"
    assert incremental_ratio(-16_000.0, -2.4e7, 1e3) == (None, "adds less, costs less")
    assert incremental_ratio(0.0, 0.0, 1e3) == (
        None,
        "same cost and end total",
    )  # not "no change": dates may move
    assert incremental_ratio(None, 1e5, 1e3) == (None, "")
    # under a ten-thousandth of the baseline's own benefit or cost gets no ratio: 200 fewer of 57 million people
    # newly covered is said as under 0.01% less, not as "adds less" (6,000 fewer is); a provincial programme's 2,400
    # more is under 0.01% more, not "adds no more" (new-user trial, 2026-12-07)
    assert incremental_ratio(-30.0, -200.0, 1e3, 94_772.0, 5.7e7) == (
        None,
        "adds under 0.01% less, costs less",
    )
    assert incremental_ratio(-30.0, -6_000.0, 1e3, 94_772.0, 5.7e7) == (None, "adds less, costs less")
    assert incremental_ratio(300.0, 2_400.0, 1e3, 94_772.0, 5.7e7) == (
        None,
        "adds under 0.01% more, costs more",
    )
    assert incremental_ratio(5.0, 2_400.0, 1e3, 94_772.0, 5.7e7) == (None, "adds under 0.01% more")
    assert incremental_ratio(5.0, 0.0, 1e3, 94_772.0, 5.7e7) == (None, "same cost and end total")
    assert incremental_ratio(300.0, 6_000.0, 1e3, 94_772.0, 5.7e7) == (pytest.approx(50.0), "")


def test_deltas_of_float_noise_are_zero_and_real_ones_are_kept() -> None:
    base = {0: 99.87654321, 1: 50.0}
    option = {0: 99.87654321 - 1.42e-14, 1: 50.0 + 8.39e-4}  # a summation-order difference; a real effect
    d = paired_deltas(option, base)
    assert d[0] == 0.0
    assert d[1] == pytest.approx(8.39e-4, rel=1e-9)


def test_each_campaign_is_compared(result):
    """What a deadline surge bought (villages done by the deadline, the month the last one had signal, its cost)
    was in summary.json only; compare showed no campaign."""
    kpis = result.table["kpi"].to_list()
    done = "campaign_no_power_2025_11_villages_done_by_deadline"
    assert done in kpis and "campaign_with_power_2025_09_year_done" in kpis
    assert "campaign_no_power_2025_11_surge_capex_total_vnd_bn" in kpis
    row = result.table.filter(pl.col("kpi") == done).row(0, named=True)
    short = next(r for r in result.runs if r.name == "short")
    vals = sorted(v[done] for v in short.kpis.values())
    assert row["short"] == vals[len(vals) // 2]  # P50 of 3 replications, nearest rank: the middle one
    assert 0 <= row["short"] <= 117 and row["unit"] == "villages"
    # in scope and left at the deadline beside done: in each replication done + left = in scope (117)
    scope, left = (done.replace("done_by_deadline", s) for s in ("in_scope", "left_at_deadline"))
    assert kpis.index(scope) < kpis.index(done) < kpis.index(left)
    for v in short.kpis.values():
        assert v[done] + v[left] == v[scope] == 117
    assert result.table.filter(pl.col("kpi") == scope)["short"][0] == 117


def test_a_campaign_row_label_does_not_repeat_its_unit() -> None:
    """compare prints "label (unit)": the surge capex row read "surge capex (VND bn) (VND bn)"."""
    run = SimpleNamespace(
        kpis={
            0: {
                "campaign_no_power_2025_11_villages_done_by_deadline": 3,
                "campaign_no_power_2025_11_year_done": 2028.9,
                "campaign_no_power_2025_11_surge_capex_total_vnd_bn": 0.0,
            }
        }
    )
    rows = campaign_rows([run])  # type: ignore[list-item]
    assert [r[0] for r in rows] == [
        "campaign_no_power_2025_11_villages_done_by_deadline",
        "campaign_no_power_2025_11_year_done",
        "campaign_no_power_2025_11_surge_capex_total_vnd_bn",
    ]  # rows only for the KPIs the runs have
    for _kpi, label, unit, _kind in rows:
        assert f"({unit})" not in label, label
    assert rows[2][1] == "Campaign no_power_2025_11: surge capex"


def test_a_campaign_only_the_option_declares_is_absent_from_the_baseline_not_never_done() -> None:
    """A Tuyên Quang campaign (villages = ["08"]) in the option only: the baseline has no such KPI, yet its cell read
    "not reached" and the delta "reached; the baseline never does". A campaign the baseline declares and never
    finishes (the KPI is there, null) still reads "not reached"."""
    from dxsim.compare import ScenarioRun, _cell, _tabulate

    done, late = "campaign_tq_year_done", "campaign_late_year_done"
    base = ScenarioRun("base", Path("base.toml"), "", {r: {late: None} for r in range(3)})
    opt = ScenarioRun(
        "opt", Path("opt.toml"), "", {r: {done: 2027.5 + 0.1 * r, late: 2028.0 + 0.1 * r} for r in range(3)}
    )
    result = _tabulate([base, opt], 0, 1, 3, [], None)
    unit = "decimal year"
    assert _cell(result, done, unit, "date", "base", False) == "-"
    assert _cell(result, done, unit, "date", "opt", True) == "n/a"
    assert _cell(result, done, unit, "date", "opt", False).startswith("2027-")
    assert _cell(result, late, unit, "date", "base", False) == "not reached"
    assert _cell(result, late, unit, "date", "opt", True) == "reached; the baseline never does"
    # compare.csv: no delta where one of the two has no such KPI (it read 0.0, "no change"), and a note says why
    from dxsim.compare import csv_frames

    rows = {r["kpi"]: r for r in csv_frames(result)["compare.csv"].iter_rows(named=True)}
    assert rows[done]["delta_opt"] is None and rows[done]["base"] is None
    assert rows[done]["note"] == "opt: not a KPI of both scenarios (a campaign only one of them declares)"
    assert rows[late]["note"] == "opt: reached; the baseline never does"


def test_support_earned_after_the_horizon_counts_in_the_support_cost_per_person() -> None:
    """A programme whose window closes on the horizon's last day (the default window_end) is paid after it: 0 paid,
    2,000 bn earned (support_accrued_unpaid_vnd_bn). The public-money row counted the 2,000 bn, but the row "extra
    support per additional person covered" read paid support only and said 0. By hand: 2,000 bn more for 25,000
    more people = 2,000e9 / 25,000 VND = 80 VND m per person; a paid 500 bn beside it makes 2,500 bn, 100 m."""
    from dxsim.compare import ScenarioRun, _tabulate

    kpi = "incr_support_vnd_m_per_additional_person"
    people = "pop_covered_5g_end_persons"
    base_k = {"subsidy_paid_total_vnd_bn": 0.0, "support_accrued_unpaid_vnd_bn": 0.0, people: 56_000_000.0}
    base = ScenarioRun("base", Path("base.toml"), "", {r: dict(base_k) for r in range(3)})
    accrued = {**base_k, "support_accrued_unpaid_vnd_bn": 2000.0, people: 56_025_000.0}
    opt = ScenarioRun("opt", Path("opt.toml"), "", {r: dict(accrued) for r in range(3)})
    both = ScenarioRun(
        "both", Path("both.toml"), "", {r: {**accrued, "subsidy_paid_total_vnd_bn": 500.0} for r in range(3)}
    )
    row = _tabulate([base, opt, both], 0, 1, 3, [], None).row(kpi)
    assert row["opt"] == pytest.approx(2000e9 / 25_000 / 1e6)
    assert row["both"] == pytest.approx(2500e9 / 25_000 / 1e6)


def test_incremental_ratio_band_is_the_spread_of_each_replication_s_own_ratio() -> None:
    """By hand, three replications of an option adding 100, 200, 400 bn of 5G capex for 10,000, 20,000, 20,000 more
    people covered: per replication 10, 10, 20 VND m per person; P10 and P90 (inverted_cdf over 3) are 10 and 20; the
    point is P50 of the extra cost over P50 of the extra benefit, 200 bn / 20,000 = 10. One replication that adds
    nothing leaves no band (its ratio does not exist), and the point stays; compare.md shows the band in brackets."""
    from dxsim.compare import ScenarioRun, _cell, _tabulate

    kpi = "incr_5g_vnd_m_per_additional_person"
    cost, people = "capex_total_vnd_bn", "pop_covered_5g_end_persons"
    base = ScenarioRun("base", Path("b.toml"), "", {r: {cost: 1000.0, people: 5e6} for r in range(3)})
    extra = [(100.0, 10_000.0), (200.0, 20_000.0), (400.0, 20_000.0)]
    opt = ScenarioRun(
        "opt", Path("o.toml"), "", {r: {cost: 1000.0 + c, people: 5e6 + b} for r, (c, b) in enumerate(extra)}
    )
    result = _tabulate([base, opt], 0, 1, 3, [], None)
    q = result.quantiles.filter((pl.col("kpi") == kpi) & (pl.col("scenario") == "opt")).row(0, named=True)
    assert (q["p10"], q["p50"], q["p90"]) == (pytest.approx(10.0), pytest.approx(10.0), pytest.approx(20.0))
    assert _cell(result, kpi, "VND m per person", "incremental", "opt", False) == "10 (10–20)"
    none = ScenarioRun(
        "none", Path("n.toml"), "", {**opt.kpis, 2: {cost: 1400.0, people: 5e6}}
    )  # replication 2 adds no one
    q = (
        _tabulate([base, none], 0, 1, 3, [], None)
        .quantiles.filter((pl.col("kpi") == kpi) & (pl.col("scenario") == "none"))
        .row(0, named=True)
    )
    assert q["p10"] is None and q["p90"] is None and q["p50"] == pytest.approx(200e9 / 10_000 / 1e6)


def test_5g_capex_counts_as_committed_so_the_same_sites_sooner_cost_nothing_more() -> None:
    """An option that brings the baseline's sites on air sooner moves capex from "ordered, not on air by the end" into
    the capex booked on air: 18,000 kits a month read 647 bn VND dearer with its sites on order 647 bn fewer (new-user
    trial). By hand: 1,000 + 200 on order against 1,200 + 0 is no extra cost, for 10,000 more people and 5 million
    more person-months: 0 per person and per person-month, no verdict; 300 bn more committed for 10,000 people is
    30 VND m per person (300e9 / 10,000 / 1e6), and per 5 million person-months 60 VND k (300e9 / 5e6 / 1e3)."""
    from dxsim.compare import ScenarioRun, _tabulate

    def kpis(on_air: float, on_order: float, people: float, months: float) -> dict[str, float]:
        return {
            "capex_total_vnd_bn": on_air,
            "capex_5g_on_order_end_vnd_bn": on_order,
            "pop_covered_5g_end_persons": people,
            "pop_5g_served_person_months": months,
        }

    base = ScenarioRun("base", Path("b.toml"), "", {r: kpis(1000.0, 200.0, 5e6, 1e9) for r in range(3)})
    sooner = ScenarioRun(
        "sooner", Path("s.toml"), "", {r: kpis(1200.0, 0.0, 5.01e6, 1.005e9) for r in range(3)}
    )
    more = ScenarioRun(
        "more", Path("m.toml"), "", {r: kpis(1300.0, 200.0, 5.01e6, 1.005e9) for r in range(3)}
    )
    result = _tabulate([base, sooner, more], 0, 1, 3, [], None)
    for kpi, scale in (
        ("incr_5g_vnd_m_per_additional_person", 300e9 / 10_000 / 1e6),
        ("incr_5g_vnd_k_per_additional_person_month_served", 300e9 / 5e6 / 1e3),
    ):
        assert result.row(kpi)["sooner"] == 0.0 and (kpi, "sooner") not in result.verdicts
        assert result.row(kpi)["more"] == pytest.approx(scale)


def test_an_option_that_redefines_served_is_judged_by_the_people_served_at_the_end() -> None:
    """A served rate of 25 Mbps lowers the option's own start: its people "added" read +33.1 M against the baseline's
    -4.05 M, and the extra 5G capex per extra person served by 4G or better read 0.0, a free gain, for 58% of people
    served at the end against 92% (operator RAN trial). The ratio weighs the people served at the end: by hand
    58.3% and 92.3% of 100 M are 58.3 M and 92.3 M, 34 M fewer: "adds less", at the same capex."""
    from dxsim.compare import ScenarioRun, _tabulate

    kpi = "incr_5g_vnd_m_per_additional_person_served_mbb"

    def kpis(start: float, end: float) -> dict[str, float]:
        return {
            "capex_total_vnd_bn": 80_000.0,
            "pop_mbb_served_added_persons": end - start,
            "pop_mbb_served_end_persons": end,
        }

    base = ScenarioRun("base", Path("b.toml"), "", {r: kpis(96.35e6, 92.3e6) for r in range(2)})
    rate25 = ScenarioRun("rate25", Path("r.toml"), "", {r: kpis(25.2e6, 58.3e6) for r in range(2)})
    result = _tabulate([base, rate25], 0, 1, 2, [], None)
    assert result.row(kpi)["rate25"] is None
    assert result.verdicts[(kpi, "rate25")] == "adds less"


def test_a_campaign_whose_villages_an_option_took_has_no_delta_but_says_why() -> None:
    """A Tuyên Quang campaign listed before the 2025 campaigns takes their Tuyên Quang villages: with_power_2025_09
    goes from 485 to 230 in scope, and its "villages left at the deadline" 115 -> 98 read as the option's effect
    (provincial trial). A campaign row whose scope differs has no delta; the cell and compare.csv's note give both
    scopes. The scope row itself keeps its delta (-255), and a campaign whose scope is the same keeps all of them."""
    from dxsim.compare import ScenarioRun, _cell, _tabulate, csv_frames

    def kpis(scope: float, left: float, other_left: float) -> dict[str, float]:
        return {
            "campaign_wp_villages_in_scope": scope,
            "campaign_wp_villages_left_at_deadline": left,
            "campaign_np_villages_in_scope": 117.0,
            "campaign_np_villages_left_at_deadline": other_left,
        }

    base = ScenarioRun("base", Path("b.toml"), "", {r: kpis(485.0, 115.0, 10.0) for r in range(3)})
    opt = ScenarioRun("opt", Path("o.toml"), "", {r: kpis(230.0, 98.0, 8.0) for r in range(3)})
    result = _tabulate([base, opt], 0, 1, 3, [], None)
    left = "campaign_wp_villages_left_at_deadline"
    cell = _cell(result, left, "villages", "value", "opt", True)
    assert cell == "its villages differ (485 -> 230 in scope): not the same campaign to compare"
    assert _cell(result, "campaign_wp_villages_in_scope", "villages", "value", "opt", True) == "-255"
    assert _cell(result, "campaign_np_villages_left_at_deadline", "villages", "value", "opt", True) == "-2"
    rows = {r["kpi"]: r for r in csv_frames(result)["compare.csv"].iter_rows(named=True)}
    assert rows[left]["delta_opt"] is None and "485 -> 230 in scope" in rows[left]["note"]
    assert float(rows["campaign_np_villages_left_at_deadline"]["delta_opt"]) == -2.0


def test_a_campaign_counted_at_another_deadline_than_the_baseline_s_has_no_delta_but_says_why() -> None:
    """Two options declare a Tuyên Quang campaign due 2027-12-31 and 2026-06-30; the baseline has none and is counted
    at the first's deadline (254 of 273 with signal by then). The second's own 124 by its earlier deadline read as a
    Δ of -130, where against the baseline at its own deadline (109) it gains +15 (lever audit). The second option's
    deadline rows have no Δ and say why, in the terminal and in compare.csv; its scope row and the first option's
    rows keep their numbers."""
    from dxsim.compare import ScenarioRun, _cell, _tabulate, csv_frames, split_medians

    done = "campaign_tq_villages_done_by_deadline"

    def kpis(done_by_deadline: float) -> dict[str, float]:
        return {"campaign_tq_villages_in_scope": 273.0, done: done_by_deadline}

    late, early = dt.date(2027, 12, 31), dt.date(2026, 6, 30)
    base = ScenarioRun(
        "base",
        Path("b.toml"),
        "",
        {r: kpis(254.0 + r) for r in range(3)},
        campaigns=(),  # declares none: counted on the first option's campaign (campaign_probes)
        campaign_deadlines={"tq": late},
    )
    opt_late = ScenarioRun(
        "late",
        Path("l.toml"),
        "",
        {r: kpis(255.0 + r) for r in range(3)},
        campaigns=("tq",),
        campaign_deadlines={"tq": late},
    )
    opt_early = ScenarioRun(
        "early",
        Path("e.toml"),
        "",
        {r: kpis(124.0 + 3 * r) for r in range(3)},
        campaigns=("tq",),
        campaign_deadlines={"tq": early},
    )
    result = _tabulate([base, opt_late, opt_early], 0, 1, 3, [], None)
    assert _cell(result, done, "villages", "value", "late", True) == "+1"
    cell = _cell(result, done, "villages", "value", "early", True)
    assert cell == (
        "counted at another deadline (2027-12-31 in the baseline, 2026-06-30 here): not the same count to compare; "
        "compare this option with the baseline alone"
    )
    assert _cell(result, "campaign_tq_villages_in_scope", "villages", "value", "early", True) == "0"
    assert split_medians(result, done, "early") is None  # no † on a row without a Δ
    rows = {r["kpi"]: r for r in csv_frames(result)["compare.csv"].iter_rows(named=True)}
    assert (
        rows[done]["delta_early"] is None
        and "2027-12-31 in the baseline, 2026-06-30 here" in rows[done]["note"]
    )
    assert float(rows[done]["delta_late"]) == 1.0
    # a baseline that declares the campaign itself, with the later deadline: a re-run alone would count the same, so
    # the note points to the row that compares the two campaigns whatever their deadlines
    own = ScenarioRun("base", base.path, "", base.kpis, campaigns=("tq",), campaign_deadlines={"tq": late})
    cell = _cell(_tabulate([own, opt_early], 0, 1, 3, [], None), done, "villages", "value", "early", True)
    assert cell.endswith("not the same count to compare; the month its last village has signal compares them")


def test_a_deadline_that_moved_nothing_says_what_a_deadline_does() -> None:
    """A campaign due 2026-06-30 in place of 2027-12-31 connected the same villages on the same days, and compare said
    only "moved nothing" (lever audit). For deadline fields alone the line says that a deadline orders and judges the
    villages and speeds none; beside another field it says only that nothing moved."""
    from dxsim.results.bottlenecks import direct_lever_lines

    due = ("villages.campaigns.tq.deadline", "2027-12-31", "2026-06-30")
    launched = ("villages.campaigns.tq.launched", "2025-10-31", "2025-07-01")
    lines = direct_lever_lines([due], str, lambda _p: None, lambda p: p == "villages")
    assert [k for k, _t in lines] == ["unmoved"]
    assert lines[0][1].endswith(
        "the option moved no village outcome: a deadline orders the campaigns' villages (the earliest deadline "
        "first) and is when the campaign is judged; it speeds none of them up: the campaign's surge teams, temporary "
        "power or portable BTS would"
    )
    lines = direct_lever_lines([due, launched], str, lambda _p: None, lambda p: p == "villages")
    assert [t.endswith("the option moved no village outcome") for _k, t in lines] == [True]


def test_campaign_probes_count_a_campaign_at_the_baseline_s_deadline_when_it_declares_one(
    tmp_path: Path,
) -> None:
    """The baseline (second file) declares tq due 2026-06-30, the first option tq due 2027-12-31, and a third file
    none: the third is counted at the baseline's deadline (the first file's came first and was used), so its Δ is
    against the same count; each scenario's deadlines are its own campaigns' and the probes'."""
    from dxsim.compare import campaign_deadlines, campaign_probes
    from dxsim.scenario import load_scenario

    def campaign(due: str) -> str:
        return f'[[villages.campaigns]]\nname = "tq"\nlaunched = 2025-11-01\ndeadline = {due}\nvillages = ["08"]\n'

    head = f'extends = "{SCEN / "baseline.toml"}"\n'
    files = [
        _write(tmp_path / "late.toml", head + 'name = "late"\n' + campaign("2027-12-31")),
        _write(tmp_path / "base.toml", head + 'name = "base"\n' + campaign("2026-06-30")),
        _write(tmp_path / "none.toml", head + 'name = "none"\n'),
    ]
    scenarios = [load_scenario(f) for f in files]
    probes = campaign_probes(scenarios, baseline=1)
    # a campaign list replaces the baseline's on `extends`: the first two count the 2025 campaigns of the third
    default = ["with_power_2025_09", "no_power_2025_11"]
    assert [[p.name for p in ps] for ps in probes] == [default, default, ["tq"]]
    due = [campaign_deadlines(sc, ps)["tq"] for sc, ps in zip(scenarios, probes)]
    assert due == [dt.date(2027, 12, 31), dt.date(2026, 6, 30), dt.date(2026, 6, 30)]
    assert "no_power_2025_11" in campaign_deadlines(scenarios[2], probes[2])  # its own campaigns too


def test_a_campaign_only_the_option_declares_is_counted_on_the_same_villages_in_the_baseline(
    tmp_path: Path,
) -> None:
    """A Tuyên Quang campaign (its 273 villages, deadline 2026-06-30) only the option declares showed "-" in the
    baseline column, and the planner counted by hand the baseline's villages still without signal at that deadline
    (provincial trial). compare counts the same villages in the baseline: by hand, replication 0 of the baseline run
    through the API, its Tuyên Quang villages (gso34 08) without signal on day (2026-06-30 - start); the cell says it
    is no campaign there, and the option's delta is the campaign's effect (with 10 line crews and 20 site teams more
    in the north and gensets, fewer villages are left at the deadline)."""
    from dxsim.compare import _cell, csv_frames
    from dxsim.geo import load_country
    from dxsim.sim.model import run_replication
    from dxsim.sim.world import prepare_world

    option = _write(
        tmp_path / "tq.toml",
        f'extends = "{SCEN / "baseline.toml"}"\nname = "tq"\n[horizon]\nend_date = {END}\n'
        '[[villages.campaigns]]\nname = "tq_2026"\nlaunched = 2026-01-01\ndeadline = 2026-06-30\nvillages = ["08"]\n'
        'funded_by_programme_budget = false\ntemporary_power = "genset"\n'
        "[villages.campaigns.extra_utility_teams]\nnorth = 10\n[villages.campaigns.extra_operator_teams]\nnorth = 20\n"
        '[[villages.campaigns]]\nname = "with_power_2025_09"\nlaunched = 2025-07-01\ndeadline = 2025-09-30\n'
        'villages = "with_power"\nfunded_by_programme_budget = false\n'
        '[[villages.campaigns]]\nname = "no_power_2025_11"\nlaunched = 2025-07-01\ndeadline = 2025-11-30\n'
        'villages = "no_power"\nfunded_by_programme_budget = false\n',
    )
    base = _write(
        tmp_path / "base.toml",
        f'extends = "{SCEN / "baseline.toml"}"\nname = "base"\n[horizon]\nend_date = {END}\n',
    )
    result = compare_scenarios([base, option], reps=1)
    left = "campaign_tq_2026_villages_left_at_deadline"
    sc = load_scenario(base)
    world = prepare_world(sc, load_country())
    res = run_replication(world, 0, seed=sc.seed)
    tq = (world.villages.table["gso34"] == "08").to_numpy()
    day = (dt.date(2026, 6, 30) - sc.horizon.start_date).days
    signal = np.nan_to_num(res.village_signal_day, nan=np.inf)
    assert result.row("campaign_tq_2026_villages_in_scope")["base"] == tq.sum() == 273
    assert result.row(left)["base"] == float((tq & (signal > day)).sum())
    assert result.row(left)["base"] + result.row("campaign_tq_2026_villages_done_by_deadline")["base"] == 273
    assert result.row(left)["delta_tq"] < 0  # the campaign leaves fewer without signal at its deadline
    assert _cell(result, left, "villages", "value", "base", False).endswith("[same villages, no campaign]")
    assert "[" not in _cell(result, left, "villages", "value", "tq", False)
    # and the terminal shows the mark: rich read it as an unknown style tag and dropped it (provincial planner trial)
    from rich.console import Console

    console = Console(width=400, record=True, file=io.StringIO())
    console.print(rich_table(result))
    shown = next(
        ln
        for ln in console.export_text().splitlines()
        if "Campaign tq_2026: villages without signal at the deadline" in ln
    )
    assert "[same villages, no campaign]" in shown, shown
    rows = {r["kpi"]: r for r in csv_frames(result)["compare.csv"].iter_rows(named=True)}
    assert rows[left]["note"].startswith("base: no such campaign: its villages counted at its deadline")


def test_what_an_option_changes_says_when_a_field_is_not_read() -> None:
    """An option that sets the envelope's totals with the envelope off: "What each option changes" says the model
    does not read them (compare.ignored, from scenario.resolved.disabled_by), in the Markdown and the terminal."""
    from dxsim.compare import CompareResult, differences_markdown, rich_differences

    res = CompareResult(pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), ["base", "off"], "base", 1, 3, [])
    res.differences = {"off": [("budget.total_vnd_bn.2026", None, 20000), ("crews.north.teams", 450, 900)]}
    res.ignored = {"off": {"budget.total_vnd_bn.2026": "budget.enabled"}}
    md = "\n".join(differences_markdown(res))
    assert "- `budget.total_vnd_bn.2026`: `(not set)` → `20000` (not read: `budget.enabled` = false)" in md
    assert "- `crews.north.teams`: `450` → `900`\n" in md + "\n"
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(rich_differences(res))
    text = console.export_text()
    assert "20000 (not read: budget.enabled = false)" in text and "900 (not read" not in text


def test_public_money_moved_only_in_some_replications_names_the_purse_by_its_mean() -> None:
    """Support paid in 2 of 3 replications of the option and 1 of the baseline's: each side's P50 of the support is
    2,000 bn, unmoved, while the total's P50 moves. The line named "the state's own data-centre investment", 0
    everywhere (operator trial); it now names 5G support by its mean, (0 + 2,000 + 2,400) / 3 = 1,466.7 against
    (0 + 0 + 2,000) / 3 = 666.7, hand-computed."""
    from dxsim.compare import CompareResult, ScenarioRun, public_money_line

    support = {"base": (0.0, 0.0, 2000.0), "opt": (0.0, 2000.0, 2400.0)}
    runs = [
        ScenarioRun(
            n,
            SCEN / "baseline.toml",
            "",
            {
                r: {"subsidy_paid_total_vnd_bn": v, "public_cost_total_vnd_bn": v + 10.0}
                for r, v in enumerate(vals)
            },
        )
        for n, vals in support.items()
    ]
    q = pl.DataFrame(
        {
            "kpi": ["public_cost_total_vnd_bn"] * 2 + ["subsidy_paid_total_vnd_bn"] * 2,
            "scenario": ["base", "opt"] * 2,
            "p50": [
                10.0,
                2010.0,
                2000.0,
                2000.0,
            ],  # the total as its replications give it; the support's own P50s
        }
    )
    res = CompareResult(pl.DataFrame(), q, pl.DataFrame(), ["base", "opt"], "base", 1, 3, runs)
    line = public_money_line(res, runs[1])
    assert line is not None and "data-centre" not in line
    assert line == (
        "public money +2,000.0 bn VND (P50 of the paired differences, as in the table): 5G support: mean over the "
        "replications 666.7 -> 1,466.7 bn (its P50 unmoved)"
    )


def test_a_move_of_public_money_names_its_purse_and_a_later_campaign_s_villages(tmp_path: Path) -> None:
    """An operator-paid province campaign launched after the start raised public money by 17.7 bn with no word: its
    villages were ordinary programme villages until the launch, and the programme's budget started some at the
    start. compare's why names the purse that moved and, when it is the village programme's, the later campaign."""
    from dxsim.compare import CompareResult, ScenarioRun, public_money_line

    def scenario(funded: str) -> Path:
        return _write(
            tmp_path / f"opc-{funded}.toml",
            f'extends = "{SCEN / "baseline.toml"}"\nname = "opc"\n'
            '[[villages.campaigns]]\nname = "tq_2026"\nlaunched = 2026-03-01\ndeadline = 2026-12-31\n'
            f'villages = ["08"]\nfunded_by_programme_budget = {funded}\n',
        )

    def result(total: tuple[float, float], programme: tuple[float, float], path: Path) -> CompareResult:
        kpis = [
            "public_cost_total_vnd_bn",
            "village_programme_committed_total_vnd_bn",
            "subsidy_paid_total_vnd_bn",
        ]
        values = {kpis[0]: total, kpis[1]: programme, kpis[2]: (5.0, 5.0)}
        q = pl.DataFrame(
            {
                "kpi": [k for k in kpis for _ in (0, 1)],
                "scenario": ["base", "opc"] * len(kpis),
                "p50": [v for k in kpis for v in values[k]],
            }
        )
        runs = [ScenarioRun("base", SCEN / "baseline.toml", "", {}), ScenarioRun("opc", path, "", {})]
        return CompareResult(pl.DataFrame(), q, pl.DataFrame(), ["base", "opc"], "base", 1, 4, runs)

    paid = scenario("false")
    line = public_money_line(
        result((5.0, 22.7), (0.0, 17.7), paid), result((5.0, 22.7), (0.0, 17.7), paid).runs[1]
    )
    assert line is not None
    assert line.startswith(
        "public money +17.7 bn VND (P50 of the paired differences, as in the table): the village programme's budget "
        "0.0 -> 17.7 bn (P50s)"
    )
    assert "5G support" not in line  # it did not move
    assert "tq_2026 2026-03-01" in line and "the programme's until its launch" in line  # ISO, as in English
    # the programme pays the campaign too, but the money at the start is for villages it began before the launch (a
    # trial read 24 bn committed on the start date as the campaign's cost): said as well
    funded = scenario("true")
    r = result((5.0, 22.7), (0.0, 17.7), funded)
    assert "tq_2026 2026-03-01" in (public_money_line(r, r.runs[1]) or "")
    # the table's delta, the P50 of the paired differences, where compare has it: with 3 replications the P50s' difference
    # (+17.7 here) and the paired P50 (+30.7) differ, and the line had said the one beside the table's other
    r = result((5.0, 22.7), (0.0, 17.7), paid)
    r.quantiles = r.quantiles.with_columns(
        delta_p50=pl.when((pl.col("kpi") == "public_cost_total_vnd_bn") & (pl.col("scenario") == "opc"))
        .then(30.7)
        .otherwise(None)
    )
    assert (public_money_line(r, r.runs[1]) or "").startswith("public money +30.7 bn VND (P50 of the paired")
    r = result((5.0, 5.02), (0.0, 0.02), paid)  # below MONEY_MOVE_VND_BN: no line
    assert public_money_line(r, r.runs[1]) is None


def test_province_rows_add_up_to_the_national_rows(files) -> None:
    """compare --province: a provincial planner's own rows. Asked for all 34 provinces (by code, and one by its name,
    which is read as its code), their 5G stations and villages connected at each year end add up to the national rows
    of the same replication, exactly, and their 5G capex to the national capex over the horizon; an identical copy of
    the baseline moves none of them."""
    from dxsim.geo import load_country

    country = load_country()
    codes = country.province_codes
    asked = ["Điện Biên" if c == "11" else c for c in codes]
    res = compare_scenarios([files["short"], files["copy"]], reps=1, provinces=asked)
    reps = res.replications.filter(pl.col("scenario") == "short")
    value = dict(zip(reps["kpi"].to_list(), reps["value"].to_list(), strict=True))
    tags = [k.removeprefix("stations_5g_") for k in value if re.fullmatch(r"stations_5g_\d{4}_\d{2}", k)]
    assert tags == ["2025_12", "2026_12", "2027_12"]
    for t in tags:
        for metric in ("stations_5g", "villages_connected"):
            assert sum(value[f"{metric}_{c}_{t}"] for c in codes) == value[f"{metric}_{t}"], (metric, t)
    assert sum(value[f"capex_total_vnd_bn_{c}"] for c in codes) == pytest.approx(value["capex_total_vnd_bn"])
    # the layer's villages by province: 117 without power (seed H7) + 485 with power but no signal (238 nationally,
    # Tuyên Quang's own survey of 255 in place of its share), each synthetic one counted as such
    assert sum(value[f"villages_in_layer_{c}"] for c in codes) == 117 + 485
    assert all(0 <= value[f"villages_synthetic_{c}"] <= value[f"villages_in_layer_{c}"] for c in codes)
    assert value["villages_synthetic_11"] == value["villages_in_layer_11"] > 0  # Điện Biên's are all drawn
    # the villages the programme's budget started: only those in no campaign, Tuyên Quang's surveyed ones (both
    # default campaigns are paid outside the budget), so a budget lever can move no other province's rows
    started = {c: value[f"villages_started_by_programme_{c}_{tags[-1]}"] for c in codes}
    assert 0 < started["08"] <= 255 and all(v == 0 for c, v in started.items() if c != "08"), started
    labels = dict(zip(res.table["kpi"].to_list(), res.table["label"].to_list(), strict=True))
    assert labels["stations_5g_11_2027_12"].startswith("Điện Biên (11): 5G stations on air, 2027-12")
    copy = res.quantiles.filter((pl.col("scenario") == "short-copy") & pl.col("kpi").str.contains(r"_11_"))
    assert copy.height > 0 and copy["delta_p50"].drop_nulls().abs().max() == 0.0
    with pytest.raises(DxsimInputError, match=r"--province = 'Atlantis': unknown province"):
        compare_scenarios([files["short"], files["copy"]], reps=1, provinces=["Atlantis"])


def test_a_provincial_support_gets_its_province_rows_and_says_where_the_stations_moved(
    files, tmp_path
) -> None:
    """A Sơn La programme (2.0 bn a new site, fund 300 bn) compared without --province: its province's rows are added,
    and, as the operators' targets are national, the option has fewer stations at some year end: the support line
    splits that change into Sơn La and elsewhere, the Sơn La part being the paired mean of the province rows then."""
    opt = _write(
        tmp_path / "sonla.toml",
        f'extends = "{files["short"]}"\nname = "sonla"\n[[supports]]\nname = "son_la"\nper_site_vnd_bn = 2.0\n'
        'site_kind = "new"\nprovinces = ["14"]\nfund_vnd_bn = 300\nwindow_start = 2026-01-01\n'
        "window_end = 2027-12-31\n",
    )
    from dxsim.compare import bottleneck_lines

    res = compare_scenarios([files["short"], opt], reps=2)
    assert "stations_5g_14_2027_12" in res.table["kpi"].to_list()
    # each programme's own money adds up to the national support, paid and earned, in every replication
    for run in res.runs:
        for kpis in run.kpis.values():
            own = sum(v for k, v in kpis.items() if re.fullmatch(r"support_[a-z0-9_]+_total_vnd_bn", k))
            assert own == pytest.approx(
                kpis["subsidy_paid_total_vnd_bn"] + kpis["support_accrued_unpaid_vnd_bn"]
            )
    assert res.runs[0].kpis[0]["support_son_la_total_vnd_bn"] == 0.0  # the baseline has no such programme
    assert res.runs[1].kpis[0]["support_son_la_total_vnd_bn"] > 0
    money = next(t for t in bottleneck_lines(res) if "public money" in t)
    assert "(son_la 0.0 -> " in money
    line = next(t for t in bottleneck_lines(res) if "support (mean over replications)" in t)
    m = re.search(
        r"yet ([+-][\d,]+) stations on air at (\S+) \(([+-][\d,]+) in Sơn La, ([+-][\d,]+) elsewhere\)", line
    )
    assert m is not None, line  # the operators' national targets: fewer stations elsewhere, at some year end
    total, there, elsewhere = (int(g.replace(",", "")) for g in (m.group(1), m.group(3), m.group(4)))
    assert there + elsewhere == total and there > 0
    year, month, day = m.group(2).split("-")
    runs = {r.name: r for r in res.runs}
    key = f"stations_5g_14_{year}_{month}"
    mean = float(np.mean([runs["sonla"].kpis[r][key] - runs["short"].kpis[r][key] for r in (0, 1)]))
    assert there == round(mean)


def test_a_provincial_programme_s_bad_code_is_its_file_s_error(files, tmp_path) -> None:
    """compare adds the rows of the provinces a programme pays in; a name there is the option file's mistake (not
    --province's), said before any replication runs, with the code to write."""
    bad = _write(
        tmp_path / "bad.toml",
        f'extends = "{files["short"]}"\nname = "bad"\n[[supports]]\nname = "p"\nper_site_vnd_bn = 1.0\n'
        'provinces = ["Sơn La"]\n',
    )
    with pytest.raises(DxsimInputError) as e:
        compare_scenarios([files["short"], bad], reps=1)
    line = e.value.one_line()
    assert "bad.toml" in line and "supports[1].provinces[1] = 'Sơn La'" in line and "'14' (Sơn La)" in line
    assert "--province" not in line


def test_few_replications_are_said_under_the_tables(result, tmp_path):
    """With 3 replications, a P50 is the middle one and a P10 the lowest: compare said nothing of it, where run did
    (provincial trial: "603 (603–812)" at --reps 2). compare.md and the terminal table now carry run's caution."""
    from rich.console import Console

    write_compare(result, tmp_path)
    md = (tmp_path / "compare.md").read_text(encoding="utf-8")
    head = md.split("## KPIs", 1)[0]
    caution = "with 3 replications P50 may equal P10"
    assert caution in " ".join(head.split())
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(rich_table(result))
    assert caution in " ".join(console.export_text().split())


def test_a_delta_whose_two_p50s_tell_another_story_is_marked() -> None:
    """Điện Biên's 5G stations at end-2030: 880 in the baseline and 884 with a late support window (P50s), the Δ
    beside them +218 (the replications split into low and high outcomes); a planner reading the columns concluded the
    support did nothing (provincial planner trial). Such a Δ is marked, and compare.csv's note gives both numbers; a
    Δ near the difference of the P50s, or a split smaller than a tenth of the baseline's spread, is not."""
    from dxsim.compare import SPLIT_MARK, CompareResult, _cell, split_medians

    def result(opt50: float, d50: float) -> CompareResult:
        q = pl.DataFrame(
            {
                "kpi": ["stations_5g_11_2030_12"] * 2,
                "scenario": ["base", "opt"],
                "p10": [603.0, 640.0],
                "p50": [880.0, opt50],
                "p90": [1308.0, 1350.0],
                "delta_p10": [None, 0.0],
                "delta_p50": [None, d50],
                "delta_p90": [None, 420.0],
            }
        )
        return CompareResult(pl.DataFrame(), q, pl.DataFrame(), ["base", "opt"], "base", 1, 5, [])

    split = result(884.0, 218.0)
    assert split_medians(split, "stations_5g_11_2030_12", "opt") == (4.0, 218.0)
    assert _cell(split, "stations_5g_11_2030_12", "stations", "count", "opt", True).endswith(" " + SPLIT_MARK)
    assert split_medians(result(1080.0, 218.0), "stations_5g_11_2030_12", "opt") is None  # +200 vs +218
    assert split_medians(result(881.0, -1.0), "stations_5g_11_2030_12", "opt") is None  # opposite, but noise
    assert split_medians(result(880.0, -150.0), "stations_5g_11_2030_12", "opt") == (0.0, -150.0)
    assert SPLIT_MARK not in _cell(
        result(1080.0, 218.0), "stations_5g_11_2030_12", "stations", "count", "opt", True
    )


@pytest.mark.parametrize("reps", [3, 9, 10])
def test_split_mark_claims_groups_only_with_replications_enough(reps: int) -> None:
    """With 3 replications each P50 is one run's own value, so a Δ far from the difference of the P50s is what few
    runs give; the † text said "the replications split into groups" there (trial). Below FEW_REPS it says why the
    two differ instead; from FEW_REPS on it names the groups; both tell the planner to read the Δ."""
    from dxsim.compare import split_caption
    from dxsim.results.kpi_labels import FEW_REPS

    caption, note = split_caption(reps), split_note(reps, 4.0, 218.0)
    assert "read the Δ" in caption and "+4" in note and "+218" in note
    assert ("split into groups" in caption) == note.startswith("the replications split") == (reps >= FEW_REPS)
    assert (f"with {reps} replications" in caption) == (reps < FEW_REPS)


def test_a_nationwide_programme_beside_a_provincial_one_has_no_there(tmp_path: Path) -> None:
    """One programme paying in Điện Biên and Tuyên Quang and one paying everywhere: the support line said the stations
    displaced fell "+203 in Điện Biên, Tuyên Quang, -3,621 elsewhere" (trial of the session's changes). The stations
    a nationwide programme displaces fall anywhere, so such an option has no "there"; an option whose programmes all
    pay in named provinces keeps it."""
    from dxsim.compare import ScenarioRun, _stations_inside

    def option(name: str, second: str) -> ScenarioRun:
        path = _write(
            tmp_path / f"{name}.toml",
            f'extends = "{SCEN / "baseline.toml"}"\nname = "{name}"\n'
            '[[supports]]\nname = "a"\nper_site_vnd_bn = 1.0\nprovinces = ["11", "08"]\n'
            f'[[supports]]\nname = "b"\nper_site_vnd_bn = 1.0\n{second}',
        )
        return ScenarioRun(
            name, path, "", {0: {"stations_5g_11_2026_12": 5.0, "stations_5g_08_2026_12": 7.0}}
        )

    base = ScenarioRun(
        "base",
        SCEN / "baseline.toml",
        "",
        {0: {"stations_5g_11_2026_12": 4.0, "stations_5g_08_2026_12": 5.0}},
    )
    assert _stations_inside(option("mixed", ""), base) is None
    inside = _stations_inside(option("provincial", 'provinces = ["12"]\n'), base)
    assert (
        inside is None or inside(dt.date(2026, 12, 31)) is None
    )  # no rows for 12: not said rather than half said
    both = _stations_inside(option("both", 'provinces = ["11"]\n'), base)
    assert both is not None and both(dt.date(2026, 12, 31)) == ("Điện Biên, Tuyên Quang", 3.0)


def test_a_province_row_keeps_its_capital_inside_a_why_line() -> None:
    """compare's why-lines wrote "and điện Biên (11): villages connected ..." (trial of the session's changes): a
    label is lower-cased inside a sentence, but a province's name is a name."""
    from dxsim.compare import _move_phrase

    assert _move_phrase(
        3.0, {"label": "Điện Biên (11): villages connected, 2026-12", "unit": "villages"}
    ).startswith("Điện Biên (11): villages connected")
    assert _move_phrase(-2.0, {"label": "Month 5G covers 90% of the population", "unit": "date"}).startswith(
        "month 5G"
    )


def test_fields_of_a_part_the_baseline_has_off_are_not_judged_as_levers(files, tmp_path):
    """An option turning the budget envelope on with a 10% village share: compare said "relieved:
    budget.share_pct.villages 20 → 10: budget bound in the village programme in baseline", though the baseline's 20
    is the default of a section it has off and never reads (README trial, 2026-12-07). Such fields are listed as
    what the option changes, but no lever line judges them."""
    option = _write(
        tmp_path / "env.toml",
        f'extends = "{files["short"]}"\nname = "env"\n[budget]\nenabled = true\n'
        "[budget.total_vnd_bn]\n2026 = 6000\n2027 = 6000\n"
        "[budget.share_pct]\nfive_g_subsidy = 40\nvillages = 10\ncompute_public = 50\n",
    )
    res = compare_scenarios([files["short"], option], reps=1)
    changed = {f for f, _a, _b in res.differences["env"]}
    assert "budget.share_pct.villages" in changed and "budget.share_pct.villages" in res.switched_on["env"]
    assert "budget.enabled" not in res.switched_on["env"]  # the switch itself is a change of the baseline's
    lines = res.bottlenecks.filter(pl.col("scenario") == "env")
    judged = lines.filter(
        pl.col("kind").is_in(["note", "critical", "cut", "timing", "relieved", "tightened", "unmoved"])
    )
    assert not [t for t in judged["text"] if "budget." in t], judged
    # what the envelope's money moved is still said (a line of what changed, not a verdict on a resource)
    assert any(t.startswith("budget.total_vnd_bn") and "moved" in t for t in lines["text"]), lines[
        "text"
    ].to_list()


def test_data_centre_capex_is_weighed_against_the_mw_it_adds() -> None:
    """A PPP share that bought 258 MW read "adds no more, costs more" on the PFLOPS and people-served rows only, and
    a grid shortfall that lost 350 MW "costs less" (data-centre trial). The data centres' capex (the compute capex
    less the GPUs') per MW of IT capacity at the end, by hand: 2,240 bn more for 10 MW more is 224 bn per MW; 350 MW
    fewer for 50,000 bn less "adds less, costs less"; GPUs alone move no MW: "adds no more, costs more"."""
    from dxsim.compare import ScenarioRun, _tabulate

    kpi = "incr_dc_vnd_bn_per_additional_mw"
    dc, mw = "dc_capex_total_vnd_bn", "dc_it_capacity_mw_end"
    base_k = {dc: 95_000.0, mw: 664.6}
    base = ScenarioRun("base", Path("b.toml"), "", {r: dict(base_k) for r in range(3)})
    ppp = ScenarioRun("ppp", Path("p.toml"), "", {r: {dc: 97_240.0, mw: 674.6} for r in range(3)})
    tight = ScenarioRun("tight", Path("t.toml"), "", {r: {dc: 45_000.0, mw: 314.6} for r in range(3)})
    gpus = ScenarioRun("gpus", Path("g.toml"), "", {r: {dc: 95_500.0, mw: 664.6} for r in range(3)})
    result = _tabulate([base, ppp, tight, gpus], 0, 1, 3, [], None)
    row = result.row(kpi)
    assert row["ppp"] == pytest.approx(2240.0 / 10.0)
    assert row["tight"] is None and row["gpus"] is None
    assert result.verdicts[(kpi, "tight")] == "adds less, costs less"
    assert result.verdicts[(kpi, "gpus")] == "adds no more, costs more"


def test_the_grid_allocation_rule_is_a_direct_lever_not_a_relieved_resource() -> None:
    """compare called `grid.allocation` first_fit -> first_come "relieved a binding limit, but the outcome is worse"
    (provincial trial): it is a rule for who gets the headroom, not more of it. It is no resource of any held cause
    (the headroom and the reinforcements are), and its line says what it moved, as the other direct levers do."""
    from dxsim.results.bottlenecks import direct_lever_lines, resource_causes

    rule = ("compute.datacentres.grid.allocation", "first_fit", "first_come")
    assert resource_causes(rule[0]) == []
    assert {c for _p, _r, c in resource_causes("compute.datacentres.grid.headroom_mw.north")} == {
        "grid_headroom"
    }
    assert {c for _p, _r, c in resource_causes("compute.datacentres.grid.reinforcements")} == {
        "grid_headroom"
    }
    lines = direct_lever_lines(
        [rule], str, lambda p: "IT capacity -10 MW" if p == "dc" else None, lambda _p: False
    )
    assert [k for k, _t in lines] == ["effect"] and "IT capacity -10 MW" in lines[0][1], lines


def test_compare_shows_the_served_shares_by_density_class() -> None:
    """The six end KPIs by density class were in run, summary.json and the workbook but not in compare, which keeps
    its own row list (re-trial of the session's changes): every one is a compare row, in the % unit."""
    from dxsim.results.kpi_labels import SERVED_BY_CLASS_KPIS

    rows = {kpi: (label, unit) for kpi, label, unit, _kind in kpi_rows(["2030_12"], None)}
    assert len(SERVED_BY_CLASS_KPIS) == 6
    for kpi in SERVED_BY_CLASS_KPIS:
        label, unit = rows[kpi]
        assert unit == "%" and "cells: people" in label, (kpi, label)
    assert (
        rows["pop_5g_served_pct_suburban_end"][0]
        == "Town (suburban) cells: people where 5G serves at the end"
    )
