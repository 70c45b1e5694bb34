"""The folder `dxsim run` itself writes: complete, consistent, and its pages built from its final tables.

Opens the files the command wrote (the session's `cli_baseline`), never a copy rebuilt afterwards.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import polars as pl
import pytest

from dxsim.maps import LAYERS
from dxsim.results.writer import MANIFEST


def test_every_file_is_listed_in_the_manifest(cli_baseline: Path) -> None:
    m = json.loads((cli_baseline / MANIFEST).read_text(encoding="utf-8"))
    on_disk = sorted(
        str(p.relative_to(cli_baseline))
        for p in cli_baseline.rglob("*")
        if p.is_file() and p.name != MANIFEST
    )
    assert m["writer"] == "dxsim" and m["kind"] == "run" and m["folder"] == cli_baseline.name
    assert m["files"] == on_disk
    for name in (
        "summary.json",
        "metrics.parquet",
        "metrics.csv",
        "villages.parquet",
        "datacentres.parquet",
        "map.html",
        "report.html",
    ):
        assert name in on_disk


def test_the_runs_own_map_draws_every_layer(cli_baseline: Path) -> None:
    html = (cli_baseline / "map.html").read_text(encoding="utf-8")
    assert "Not drawn" not in html
    families = set(re.findall(r'DX\.group\(g, "([a-z_0-9]+)"', html))
    for name in LAYERS:
        # each layer has its overlay(s) (a missing input would have dropped the layer)
        assert any(f == name or f.startswith(name + "_") for f in families), (name, families)
    n_villages = pl.read_parquet(cli_baseline / "villages.parquet").height
    assert n_villages > 0
    # one marker per village in the villages overlay's data
    first_name = pl.read_parquet(cli_baseline / "villages.parquet")["name"][0]
    assert first_name.encode("ascii", "xmlcharrefreplace").decode() in html or first_name in html


def test_the_runs_own_report_has_every_section_filled(cli_baseline: Path) -> None:
    html = (cli_baseline / "report.html").read_text(encoding="utf-8")
    assert "not modelled in this run" not in html
    assert "No map.html" not in html
    villages = pl.read_parquet(cli_baseline / "villages.parquet")
    connected = (
        int(villages["connected_date"].is_not_null().sum()) if "connected_date" in villages.columns else None
    )
    for section in ("provenance", "kpis", "rollout", "villages", "compute", "calibration", "sources"):
        m = re.search(rf'<section id="{section}">(.*?)</section>', html, re.S)
        assert m and len(m.group(1)) > 200, section
    assert '<a href="map.html">Open the interactive map</a>' in html
    assert connected is None or connected > 0
    footer = re.search(r"<footer>(.*?)</footer>", html, re.S)
    assert footer is not None
    assert f"<code>{cli_baseline.name}</code>" in footer.group(1)
    assert ".tmp-" not in html
    # the footer lists the tables the report was built from, villages and data centres included
    for name in ("villages.parquet", "datacentres.parquet", "summary.json"):
        assert name in footer.group(1)


def test_summary_matches_the_metrics_it_sits_beside(cli_baseline: Path) -> None:
    summary = json.loads((cli_baseline / "summary.json").read_text(encoding="utf-8"))
    metrics = pl.read_parquet(cli_baseline / "metrics.parquet")
    end = summary["horizon"]["end_date"]
    assert summary["reps"] == 2 and sorted(metrics["replication"].unique().to_list()) == [0, 1]
    last = metrics.filter(
        (pl.col("metric") == "stations_5g")
        & (pl.col("area") == "VN")
        & (pl.col("date") == pl.col("date").max())
    )
    tag = end[:7].replace("-", "_")
    # P50 is an observed value (the inverted-CDF quantile): with two replications, the lower one
    assert summary["kpis"][f"stations_5g_{tag}"] == float(last["value"].min())
    assert summary["kpis"][f"stations_5g_{tag}_p90"] == float(last["value"].max())


def test_support_decisions_say_why_support_bought_nothing(cli_baseline: Path) -> None:
    """support_decisions.csv (the file `dxsim run` wrote): every operator's decisions on the Resolution 193
    deadline, with the documented columns; none surged unless surge stations appear in the metrics."""
    from dxsim.results.decisions import DECISION_COLUMNS

    d = pl.read_csv(cli_baseline / "support_decisions.csv", try_parse_dates=True)
    assert d.columns == list(DECISION_COLUMNS)
    assert set(d["operator"]) == {"viettel", "vnpt", "mobifone"} and set(d["programme"]) == {"resolution_193"}
    allowed = {
        "surge",
        "wait",
        "qualifies",
        "too_late",
        "not_worth",
        "out_of_reach_plan",
        "out_of_reach_equipment",
        "out_of_reach_crews",
        "out_of_reach_budget",
        "paid",
        "short",
    }
    assert set(d["decision"]) <= allowed
    # the outcome: a paid row per operator paid, with at least the threshold of stations counted; what the rows say
    # was paid is what the metrics say the programme paid, replication by replication
    paid = d.filter(pl.col("decision") == "paid")
    assert (paid["stations_counted"] >= 20_000).all() and (paid["support_paid_vnd_bn"] > 0).all()
    assert (d.filter(pl.col("decision") != "paid")["support_paid_vnd_bn"] == 0).all()
    m_paid = (
        pl.read_parquet(cli_baseline / "metrics.parquet")
        .filter((pl.col("area") == "VN") & (pl.col("metric") == "subsidy_paid_vnd_bn"))
        .group_by("replication")
        .agg(pl.col("value").sum())
    )
    by_rep = dict(paid.group_by("replication").agg(pl.col("support_paid_vnd_bn").sum()).iter_rows())
    for rep, total in m_paid.iter_rows():
        assert total == pytest.approx(by_rep.get(rep, 0.0), abs=1e-6)
    # every operator-replication ends with a final verdict once the deadline is past
    last = d.sort("date").group_by("replication", "operator").agg(pl.col("decision").last())
    assert set(last["decision"]) <= allowed - {"wait"}
    m = pl.read_parquet(cli_baseline / "metrics.parquet").filter(
        (pl.col("area") == "VN") & pl.col("metric").str.starts_with("surge_stations_")
    )
    surged = d.filter(pl.col("decision") == "surge")
    assert float(m["value"].sum()) == float(surged["stations_ordered"].sum())
    assert (surged["stations_ordered"] >= surged["stations_needed"]).all()
    assert (d.filter(pl.col("decision") != "surge")["stations_ordered"] == 0).all()
    # stations are whole: those counted (start stations accepted in the window, built, projected) and those needed
    # to reach the 20,000 threshold add up to it exactly
    assert (d["stations_counted"] == d["stations_counted"].round(0)).all()
    short = d.filter(pl.col("stations_counted") < 20_000)
    assert short.height > 0 and ((short["stations_needed"] + short["stations_counted"]) == 20_000).all()


def test_run_prints_who_was_paid_support_in_how_many_replications(cli_baseline: Path) -> None:
    """`dxsim run` says, per programme and operator, in how many replications it was paid and what it decided, counted
    here again from the support_decisions.csv the command wrote (a planner had to join two files to learn that
    Viettel qualified in 4 of 10: operator trial)."""
    stdout = (cli_baseline.parent / "stdout.txt").read_text(encoding="utf-8")
    d = pl.read_csv(cli_baseline / "support_decisions.csv", try_parse_dates=True)
    n = d["replication"].n_unique()
    assert "Support programmes (support_decisions.csv):" in stdout
    names = {"viettel": "Viettel", "vnpt": "VNPT", "mobifone": "MobiFone"}
    for op, name in names.items():
        mine = d.filter(pl.col("operator") == op)
        k = mine.filter(pl.col("decision") == "paid").height
        line = next(ln for ln in stdout.splitlines() if ln.strip().startswith(f"resolution_193, {name}: "))
        assert f"paid in {k} of {n} replications" in line
        # what was paid: one amount, or the range over the replications paid (one amount is no range: "3,092–3,092")
        paid = sorted(mine.filter(pl.col("decision") == "paid")["support_paid_vnd_bn"].to_list())
        shown = re.search(r"replications? \(([\d,.]+)(?:–([\d,.]+))? VND bn( each)?\)", line)
        if k == 0:
            assert shown is None, line
        else:  # a range only for several replications paid different amounts
            assert shown is not None and (shown.group(2) is None) == (k == 1 or shown.group(3) is not None), (
                line
            )
            low = float(shown.group(1).replace(",", ""))
            high = float((shown.group(2) or shown.group(1)).replace(",", ""))
            assert low == pytest.approx(paid[0], abs=1.0) and high == pytest.approx(paid[-1], abs=1.0), line
        # each replication's deciding move: its first decision that is neither wait nor paid
        first = (
            mine.filter(~pl.col("decision").is_in(["wait", "paid", "short"]))
            .sort("date")
            .group_by("replication")
            .agg(pl.col("decision").first())
        )
        said = line.split("decided: ", 1)[1]
        assert said.count("(") == first["decision"].n_unique()
        assert sum(int(c) for c in re.findall(r"\((\d+)\)", said)) == first.height


def test_run_prints_what_held_each_programme_back(cli_baseline: Path) -> None:
    """`dxsim run` ends with one line per region/programme, the same lines the written metrics give."""
    from dxsim.results.bottlenecks import bottleneck_filter, operator_order_bound_pct, summary_lines

    shown = (cli_baseline.parent / "stdout.txt").read_text(encoding="utf-8")
    metrics = pl.read_parquet(cli_baseline / "metrics.parquet")
    # each operator's order limits are read apart (aggregated), not among the bottleneck rows
    assert (
        metrics.filter(bottleneck_filter())["metric"].str.starts_with("orders_budget_bound_pct_").sum() == 0
    )
    lines = summary_lines(metrics.filter(bottleneck_filter()), by_operator=operator_order_bound_pct(metrics))
    assert lines == summary_lines(metrics)  # the same lines from the whole table
    # three 5G regions, the orders line, the country's villages, one line per default campaign, data centres, the
    # GPUs in halls built for less than their servers draw (Viettel's DGX B200, 14.3 kW a server, in halls of ~14 kW
    # racks and less), then what holds each layer's capacity-short people, when some are
    service = [t for t in lines if t.startswith(("5G served: ", "4G-or-better served: "))]
    assert lines[len(lines) - len(service) :] == service
    assert len(lines) - len(service) == 9 and lines[0].startswith("north: crews idle ")
    assert (
        lines[7].startswith("data centres: ")
        and lines[8].startswith("GPUs: up to ")
        and "retrofitted" in lines[8]
    )
    assert lines[3].startswith(
        "5G orders: budgets cut the operators' orders in "
    )  # after the three 5G regions
    assert lines[4].startswith("villages: ") and all(t.startswith("campaign ") for t in lines[5:7])
    assert "What held it back" in shown and all(f"  {line}" in shown for line in lines)


def test_each_operator_s_order_limits_add_up_to_the_pooled_ones(cli_baseline: Path) -> None:
    """The orders line pooled the operators ("targets") while VNPT's own budget stopped it (operator trial). Each
    operator's monthly flags (0 or 100) are written; in every month their mean over the operators that ordered is
    the pooled share, and the printed line gives each operator's mean over its months, by hand."""
    m = pl.read_parquet(cli_baseline / "metrics.parquet").filter(pl.col("area") == "VN")
    shown = (cli_baseline.parent / "stdout.txt").read_text(encoding="utf-8")
    for cause, pooled in (("budget", "orders_budget_bound_pct"), ("targets", "orders_pace_bound_pct")):
        ops = m.filter(pl.col("metric").str.starts_with(pooled + "_"))
        assert set(ops["value"].unique().to_list()) <= {0.0, 100.0} and ops.height > 0
        mean = ops.group_by("date", "replication").agg(pl.col("value").mean().alias("ops"))
        both = mean.join(m.filter(pl.col("metric") == pooled), on=["date", "replication"])
        assert both.height == mean.height and (both["ops"] - both["value"]).abs().max() < 1e-9
        for op, name in (("viettel", "Viettel"), ("vnpt", "VNPT"), ("mobifone", "MobiFone")):
            pct = ops.filter(pl.col("metric") == f"{pooled}_{op}")["value"].mean()
            said = re.search(rf"{name}: budget (\d+)%, targets (\d+)% of its months", shown)
            assert said is not None, shown
            assert int(said.group(1 if cause == "budget" else 2)) == round(pct), (op, cause)


def test_the_draws_file_holds_the_values_each_replication_used(cli_baseline: Path) -> None:
    """A replication 10x more capacity-short than the others could not be traced to what it drew: no draw was
    written (operator trial). uncertainty_draws.csv, as the run wrote it: one row per replication and drawn path,
    and each scalar's factor times the resolved scenario's value is the value the replication ran with."""
    from dxsim.scenario import load_scenario
    from dxsim.sim.uncertainty import draw_scenario

    draws = pl.read_csv(cli_baseline / "uncertainty_draws.csv")
    summary = json.loads((cli_baseline / "summary.json").read_text(encoding="utf-8"))
    assert sorted(draws["replication"].unique().to_list()) == list(range(summary["reps"]))
    sc = load_scenario(cli_baseline / "scenario.resolved.toml")
    checked = 0
    for rep in range(summary["reps"]):
        drawn = draw_scenario(sc, summary["seed"], rep).model_dump()
        base = sc.model_dump()
        for r in draws.filter(pl.col("replication") == rep).iter_rows(named=True):
            got, want = drawn, base
            for part in r["path"].split("."):
                key = part if part in want else int(part)  # a year's key is a number in the dump
                got, want = got[key], want[key]
            if isinstance(want, float):
                assert got == pytest.approx(want * r["factor"]), r
                checked += 1
    assert checked >= 2 * 5  # several scalars in each replication
    assert set(draws["factor"].to_list()) != {1.0}


def test_run_prints_the_new_kpis_with_the_summary_s_values(cli_baseline: Path) -> None:
    """The terminal's tables show how soon villages are served and the stations built for capacity, each row with
    summary.json's P50 as the terminal formats it (they were in summary.json and the workbook only)."""
    from dxsim.cli.main import _fmt
    from dxsim.results.kpi_labels import kpi_label

    shown = (cli_baseline.parent / "stdout.txt").read_text(encoding="utf-8")
    kpis = json.loads((cli_baseline / "summary.json").read_text(encoding="utf-8"))["kpis"]
    for key in (
        "village_months_connected",
        "village_person_months_connected",
        "stations_5g_built_for_capacity_end",
        "pop_5g_covered_person_months",
        "pop_5g_served_person_months",
    ):
        row = next(line for line in shown.splitlines() if kpi_label(key)[0][:40] in line)
        assert _fmt(kpis[key], key) in row, (key, row)


def test_run_with_few_replications_says_what_its_percentiles_are(cli_baseline: Path) -> None:
    """--reps 2: P50 is one of the two values and P10 the lower (nearest rank); the KPI table says so."""
    shown = " ".join((cli_baseline.parent / "stdout.txt").read_text(encoding="utf-8").split())
    assert (
        "P10/P50/P90 are replications' own values (nearest rank): with 2 replications P50 may equal P10"
        in shown
    )
    assert "an odd --reps keeps such pairs exact" in shown  # 2 is even: see the next test


def test_the_even_replications_caution_says_what_the_p50s_do() -> None:
    """With an even number of replications a campaign's villages with and without signal (15 and 6 of 24 with 2;
    provincial planner trial) need not add up in their P50s: the P50 (polars' lower quantile, as the run's tables take
    it) of a and of 24 - a are the lower middles of each, two different replications. With an odd number they add up
    exactly, as the caution says; it is given for even counts only."""
    from dxsim.results.kpi_labels import FEW_REPS, few_reps_caution

    def p50(values: list[float]) -> float:
        return float(pl.Series(values).quantile(0.5, interpolation="lower"))

    even, odd = [15.0, 18.0], [15.0, 18.0, 16.0]
    assert p50(even) + p50([24 - v for v in even]) == 15 + 6 != 24
    assert p50(odd) + p50([24 - v for v in odd]) == 24
    for reps in range(2, FEW_REPS):
        assert ("odd --reps" in few_reps_caution(reps)) == (reps % 2 == 0), reps


def test_run_prints_a_province_at_each_year_end(tmp_path: Path) -> None:
    """A provincial analyst filtered the workbook for her one-page summary: `run --province` prints the province at
    each year end. By hand from the metrics.parquet the command wrote (2 replications: the P50 is the lower of the
    two, an observed value): Tuyên Quang's (08) 5G stations and villages connected at the end of 2026 and 2030; a name
    typed without its diacritics is found ("Tuyen Quang"), and a misspelt one is refused with the nearest name. The
    address of the run's map opened on the province is printed too. The report the command wrote shows the same
    years at the top of its provinces section, with a link that opens the map there; `dxsim report --province`
    rebuilds it for another province, a pre-2025 name giving its 2025 one."""
    from conftest import BASELINE, dxsim_cmd, one_line_error

    out = tmp_path / "run"
    r = dxsim_cmd(
        "run",
        str(BASELINE),
        "--reps",
        "2",
        "--province",
        "Tuyen Quang",
        "--out",
        str(out),
        env={"COLUMNS": "250"},
    )
    assert r.returncode == 0, r.stderr
    block = r.stdout[r.stdout.index("baseline: Tuyên Quang (08), year ends (P50 over 2 replications)") :]
    rows = {
        m.group(1): [c.strip() for c in m.group(2).split("│")]
        for m in re.finditer(r"│ (\d{4}-12)\s+│(.*?)│\n", block)
    }
    m = pl.read_parquet(out / "metrics.parquet").filter(pl.col("area") == "08")
    # 5G served equal to 5G coverage at every year end (the lower of two replications, each): one column, and a note
    ends = m.filter(pl.col("date").dt.month() == 12).group_by("date", "metric").agg(pl.col("value").min())
    shares = {
        k: ends.filter(pl.col("metric") == k).sort("date")["value"].to_list()
        for k in ("pop_5g_served_pct", "pop_covered_5g_pct")
    }
    same = shares["pop_5g_served_pct"] == shares["pop_covered_5g_pct"]
    page = (out / "report.html").read_text(encoding="utf-8")
    note = "5G served equals 5G coverage at every year end here"
    assert (note in " ".join(block.split()), note in page) == (same, same)
    village_col = 3 if same else 4  # stations, coverage, (served,) 4G-or-better served, villages connected
    for year in ("2026", "2030"):
        at = m.filter(pl.col("date") == pl.lit(f"{year}-12-31").str.to_date())
        stations = at.filter(pl.col("metric") == "stations_5g")["value"].min()
        villages = at.filter(pl.col("metric") == "villages_connected")["value"].min()
        cells = rows[f"{year}-12"]
        assert cells[0] == f"{stations:,.0f}" and cells[village_col] == f"{villages:,.0f}", (year, cells)
        # the report's table of the province, the same cells
        table = page[page.index('<table class="province-years" data-area="08">') :].split("</table>")[0]
        html_row = re.search(rf"<tr><td>{year}-12</td>(.*?)</tr>", table)
        assert html_row is not None, year
        html_cells = re.findall(r'<td class="num">([^<]*)</td>', html_row.group(1))
        assert html_cells[0] == f"{stations:,.0f}" and html_cells[village_col] == f"{villages:,.0f}", (
            year,
            html_cells,
        )
    # with P50s from several replications the table says its cells need not add up along a run's path
    assert "Each cell is its own P50 over the replications" in " ".join(block.split())
    # and where the run's map opens on the province (tests/test_map.py opens such an address in a browser)
    assert f"map of Tuyên Quang: {(out / 'map.html').resolve().as_uri()}#08" in " ".join(r.stdout.split())
    assert (out / "map.html").is_file()
    assert '<h3 id="province-08">Tuyên Quang (08), year ends (P50 over 2 replications)</h3>' in page
    # its 4G-or-better served share, first and last year end (the lower of two replications): a fall is explained
    mbb = [
        m.filter((pl.col("metric") == "pop_mbb_served_pct") & (pl.col("date") == pl.lit(d).str.to_date()))[
            "value"
        ].min()
        for d in ("2025-12-31", "2030-12-31")
    ]
    said = (
        "4G-or-better served falls from" in " ".join(block.split()),
        "4G-or-better served falls from" in page,
    )
    assert said == ((mbb[1] < mbb[0] - 0.05),) * 2, (mbb, said)
    assert '<a href="map.html#08">Open the map on Tuyên Quang</a>' in page
    # what held its villages longest (tests/test_province_villages_line.py): the counts of the villages table the
    # command wrote (replication 0), in the terminal and in the province's section of the report
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("Tuyên Quang: what held its"))
    v = pl.read_parquet(out / "villages.parquet").filter(pl.col("gso34") == "08")
    assert f"what held its {v.height:,} villages longest" in line
    causes = line.split("`held_longest_by`): ", 1)[1].split("; ", 1)[0]
    got = {c.rsplit(" ", 1)[0]: int(c.rsplit(" ", 1)[1].replace(",", "")) for c in causes.split(", ")}
    assert sum(got.values()) == v.filter(pl.col("held_longest_by").fill_null("") != "").height
    assert got.get("budget", 0) == v.filter(pl.col("held_longest_by") == "budget").height
    assert html.escape(line) in page
    # rebuilt for the former Hà Giang (02, now part of Tuyên Quang) and Điện Biên (11); the run's own years again
    rebuilt = dxsim_cmd("report", str(out), "--province", "Hà Giang", "--province", "11")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Hà Giang is part of Tuyên Quang (08)" in " ".join(rebuilt.stdout.split())
    page = (out / "report.html").read_text(encoding="utf-8")
    assert (
        page.index('id="province-08"')
        < page.index('id="province-11"')
        < page.index('<table class="provinces"')
    )
    # the page says why Hà Giang gives Tuyên Quang (as the terminal did, and provinces.geojson's `former` holds)
    assert "Since the 2025 merger (Resolution 202/2025/QH15) Tuyên Quang includes Hà Giang (02)." in page
    bad = dxsim_cmd("run", str(BASELINE), "--province", "Tuyen Quan", "--out", str(tmp_path / "no"))
    assert "did you mean 'Tuyên Quang'?" in one_line_error(
        bad.stderr, bad.stdout, "--province", "'Tuyen Quan'"
    )
    assert bad.returncode == 2 and not (tmp_path / "no").exists()


def test_a_funded_campaign_says_which_of_its_villages_were_in_works_before_the_start(tmp_path: Path) -> None:
    """A Điện Biên campaign paid from the programme budget, listed first, claims the province's villages, most of them
    in works since mid-2025 under the 2025 campaigns; its public money (three villages and its crews) read as the
    price of all 24 (provincial planner trial). `run` says how many were in works at the start and their cost, which
    is not in the run's public money: by hand from the villages.parquet the command wrote (replication 0)."""
    import datetime as dt

    from conftest import BASELINE, dxsim_cmd

    sc = tmp_path / "db.toml"
    sc.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "db"\n'
        '[[villages.campaigns]]\nname = "dienbien_2026"\nlaunched = 2025-10-31\ndeadline = 2026-12-31\n'
        'villages = ["11"]\nfunded_by_programme_budget = true\nin_progress_at_start = false\n'
        '[[villages.campaigns]]\nname = "with_power_2025_09"\nlaunched = 2025-07-01\ndeadline = 2025-09-30\n'
        'deadline_at_launch = 2025-09-30\nvillages = "with_power"\nfunded_by_programme_budget = false\n'
        "in_progress_at_start = true\n"
        '[[villages.campaigns]]\nname = "no_power_2025_11"\nlaunched = 2025-07-01\ndeadline = 2025-11-30\n'
        'deadline_at_launch = 2025-11-30\nvillages = "no_power"\nfunded_by_programme_budget = false\n'
        "in_progress_at_start = true\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    r = dxsim_cmd(
        "run", str(sc), "--reps", "1", "--no-map", "--no-report", "--out", str(out), env={"COLUMNS": "250"}
    )
    assert r.returncode == 0, r.stderr
    v = pl.read_parquet(out / "villages.parquet").filter(pl.col("campaign") == "dienbien_2026")
    # in works at the start under a campaign the utility and operators pay (paid_by "outside"), by hand: begun by
    # the start (a day's part reads as the start's date); those begun after it are the programme's (public money)
    before = v.filter(pl.col("paid_by") == "outside")
    assert 0 < before.height < v.height
    assert (before["started_date"] <= dt.date(2025, 10, 31)).all()
    assert set(v.filter(pl.col("started_date") > dt.date(2025, 10, 31))["paid_by"].to_list()) <= {"programme"}
    said = " ".join(r.stdout.split())
    assert (
        f"campaign dienbien_2026: {before.height} of its {v.height} villages were in works at the start, begun "
        f"before it: their cost ({before['cost_vnd_bn'].sum():,.1f} bn VND, replication 0)"
    ) in said
    # the 2025 campaigns the utility and operators pay (most of their villages in works too) get no such line
    assert said.count("were in works at the start") == 1
