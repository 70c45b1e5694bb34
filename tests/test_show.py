"""`dxsim show` and the resolved scenario (dxsim.scenario.resolved).

Every value a run used must be visible: the resolved TOML states every field of the schema, loads
back to an equal scenario, and `--vs` lists exactly the fields that differ. The expectations are
computed here independently: by walking the Scenario model's own fields, and by flattening
`model_dump()` of the two loaded scenarios.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import dxsim_cmd
from pydantic import BaseModel

from dxsim.scenario import load_scenario
from dxsim.scenario.resolved import (
    MISSING,
    extends_chain,
    format_value,
    resolved_toml,
    scenario_diff,
    scenario_values,
)

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SCEN = REPO / "scenarios"
SHIPPED = sorted(SCEN.glob("*.toml"))


# --------------------------------------------------------------------------- independent helpers


def model_leaves(obj: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Leaves of a scenario found by walking the model's declared fields (not model_dump)."""
    if isinstance(obj, BaseModel):
        out: dict[tuple[str, ...], Any] = {}
        for name in type(obj).model_fields:
            out.update(model_leaves(getattr(obj, name), path + (name,)))
        return out
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out.update(model_leaves(v, path + (str(k),)))
        return out
    return {path: obj}


def as_toml_data(value: Any) -> Any:
    """A leaf as tomllib reads it back: models as tables without unset fields, tuples as lists."""
    if isinstance(value, BaseModel):
        return {
            k: as_toml_data(getattr(value, k))
            for k in type(value).model_fields
            if getattr(value, k) is not None
        }
    if isinstance(value, (list, tuple)):
        return [as_toml_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): as_toml_data(v) for k, v in value.items() if v is not None}
    return value


def flatten(d: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(d, dict):
        out: dict[tuple[str, ...], Any] = {}
        for k, v in d.items():
            out.update(flatten(v, path + (str(k),)))
        return out
    return {path: d}


def unset_comments(text: str) -> set[tuple[str, ...]]:
    """Paths of the `# key = (not set)` lines, from the table header above each."""
    table: tuple[str, ...] = ()
    out = set()
    for line in text.splitlines():
        if line.startswith("[") and not line.startswith("[["):
            table = tuple(line.strip("[]").split("."))
        elif line.startswith("[["):
            table = tuple(line.strip("[]").split("."))
        elif line.startswith("# ") and line.endswith(" = (not set)"):
            out.add(table + (line[2 : -len(" = (not set)")],))
    return out


def table_fields(stdout: str) -> list[str]:
    """First-column cells of the rich table `dxsim show --vs` prints."""
    fields = []
    for line in stdout.splitlines():
        if line.startswith("│"):
            cell = line.split("│")[1].strip()
            if cell and cell != "field":
                fields.append(cell)
    return fields


# --------------------------------------------------------------------------- dxsim show


def test_show_states_every_field_of_the_schema():
    path = SCEN / "rural-700mhz.toml"
    r = dxsim_cmd("show", str(path))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    sc = load_scenario(path)
    leaves = model_leaves(sc)
    assert len(leaves) > 150  # the walk reached the nested sections
    parsed = flatten(tomllib.loads(r.stdout))
    unset = unset_comments(r.stdout)
    for p, v in leaves.items():
        if v is None:
            assert p in unset, p
        else:
            assert p in parsed, p
            assert parsed[p] == as_toml_data(v), p
    assert set(parsed) == {p for p, v in leaves.items() if v is not None}  # nothing beyond the schema
    assert parsed[("radio", "band_5g_mhz", "rural")] == 700  # what the option file states
    assert parsed[("crews", "north", "teams")] == load_scenario(SCEN / "baseline.toml").crews["north"].teams
    # the chain it came from, base first, in the header
    head = [ln for ln in r.stdout.splitlines() if ln.startswith("#   ")]
    assert head == [f"#   {SCEN.resolve() / 'baseline.toml'}", f"#   {path.resolve()}"]


@pytest.mark.parametrize("option", ["rural-700mhz", "push-5g"])
def test_show_vs_lists_exactly_the_leaves_that_differ(option):
    path, base = SCEN / f"{option}.toml", SCEN / "baseline.toml"
    r = dxsim_cmd("show", str(path), "--vs", str(base), env={"COLUMNS": "240", "NO_COLOR": "1"})
    assert r.returncode == 0, r.stderr
    a = flatten(load_scenario(base).model_dump())
    b = flatten(load_scenario(path).model_dump())
    expected = {".".join(p) for p in set(a) | set(b) if a.get(p, MISSING) != b.get(p, MISSING)}
    assert "name" in expected and len(expected) >= 3
    assert sorted(table_fields(r.stdout)) == sorted(expected)
    # and the values: the option's crews or band, as the option file states them
    if option == "push-5g":
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        teams = raw["crews"]["north"]["teams"]
        line = next(ln for ln in r.stdout.splitlines() if ln.startswith("│ crews.north.teams "))
        assert line.split("│")[2].strip() == str(load_scenario(base).crews["north"].teams)
        assert line.split("│")[3].strip() == str(teams)


def test_show_vs_itself_says_no_differences():
    path = SCEN / "baseline.toml"
    r = dxsim_cmd("show", str(path), "--vs", str(path))
    assert r.returncode == 0, r.stderr
    assert "no differences" in r.stdout
    assert not table_fields(r.stdout)


def test_show_bad_files_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[crews.north]\nteams = "many"\n', encoding="utf-8")
    for args, parts in (
        (("show", str(tmp_path / "missing.toml")), ("missing.toml", "not found")),
        (("show", str(bad)), ("bad.toml", "crews.north.teams")),
        (("show", str(SCEN / "baseline.toml"), "--vs", str(bad)), ("bad.toml", "crews.north.teams")),
    ):
        r = dxsim_cmd(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "Traceback" not in r.stderr + r.stdout
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        for part in parts:
            assert part in lines[0], (part, lines[0])


# --------------------------------------------------------------------------- resolved TOML


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_resolved_toml_round_trips(path, tmp_path):
    sc = load_scenario(path)
    text = resolved_toml(sc, extends_chain(path))
    out = tmp_path / "run" / "scenario.resolved.toml"
    out.parent.mkdir()
    out.write_text(text, encoding="utf-8")
    back = load_scenario(out)
    assert back == sc
    assert "extends" not in tomllib.loads(text)  # fully resolved: stands alone


def test_show_prints_the_resolved_toml():
    path = SCEN / "push-5g.toml"
    r = dxsim_cmd("show", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stdout == resolved_toml(load_scenario(path), extends_chain(path))


def test_extends_chain_base_first(tmp_path):
    (tmp_path / "deep").mkdir()
    root = tmp_path / "deep" / "root.toml"
    root.write_text(
        f'extends = "{SCEN / "baseline.toml"}"\nname = "root"\n[crews.north]\nteams = 900\n', encoding="utf-8"
    )
    mid = tmp_path / "mid.toml"
    mid.write_text('extends = "deep/root.toml"\nname = "mid"\n[crews.south]\nteams = 500\n', encoding="utf-8")
    top = tmp_path / "top.toml"
    top.write_text('extends = "mid.toml"\nname = "top"\n', encoding="utf-8")
    chain = extends_chain(top)
    assert chain == [(SCEN / "baseline.toml").resolve(), root.resolve(), mid.resolve(), top.resolve()]
    text = resolved_toml(load_scenario(top), chain)
    assert [ln[4:] for ln in text.splitlines() if ln.startswith("#   ")] == [str(p) for p in chain]
    data = tomllib.loads(text)
    assert data["crews"]["north"]["teams"] == 900  # inherited two levels up: visible in the folder
    assert data["crews"]["south"]["teams"] == 500


def test_data_file_paths_load_back_from_another_folder(tmp_path):
    src = tmp_path / "planner"
    (src / "data").mkdir(parents=True)
    (src / "data" / "sites.csv").write_text(
        "lon,lat,operator,technology,band_mhz,on_air_date\n", encoding="utf-8"
    )
    (src / "data" / "villages.csv").write_text("name,lon,lat,gso34,population\n", encoding="utf-8")
    scen = src / "mine.toml"
    scen.write_text(
        f'extends = "{SCEN / "baseline.toml"}"\nname = "mine"\n[sites]\nfile = "data/sites.csv"\n'
        '[villages.layer]\nfile = "data/villages.csv"\n',
        encoding="utf-8",
    )
    sc = load_scenario(scen)
    assert sc.sites.file == os.path.join("data", "sites.csv")
    out = tmp_path / "elsewhere" / "run" / "scenario.resolved.toml"
    out.parent.mkdir(parents=True)
    out.write_text(resolved_toml(sc, extends_chain(scen)), encoding="utf-8")
    back = load_scenario(out)
    # the same files, named from the new folder
    assert (out.parent / back.sites.file).resolve() == (src / "data" / "sites.csv").resolve()
    assert (out.parent / back.villages.layer.file).resolve() == (src / "data" / "villages.csv").resolve()
    assert scenario_values(back, out.parent) == scenario_values(sc, src)
    assert scenario_diff(sc, back, a_dir=src, b_dir=out.parent) == []
    # without the folders, the two relative spellings differ
    assert {p for p, _a, _b in scenario_diff(sc, back)} == {"sites.file", "villages.layer.file"}


# --------------------------------------------------------------------------- scenario_diff


def test_scenario_diff_values_and_absent_keys():
    base = load_scenario(SCEN / "baseline.toml")
    ai = load_scenario(SCEN / "ai-compute.toml")
    diffs = {p: (a, b) for p, a, b in scenario_diff(base, ai)}
    raw = tomllib.loads((SCEN / "ai-compute.toml").read_text(encoding="utf-8"))
    invest = raw["compute"]["datacentres"]["public_investment_vnd_bn"]
    for year, amount in invest.items():
        a, b = diffs[f"compute.datacentres.public_investment_vnd_bn.{year}"]
        assert b == amount
        if year not in {str(k) for k in base.compute.datacentres.public_investment_vnd_bn}:
            assert a is MISSING and format_value(a) == "(no entry)"
    a, b = diffs["compute.datacentres.ppp_share_pct"]
    assert b == raw["compute"]["datacentres"]["ppp_share_pct"]
    assert a == base.compute.datacentres.ppp_share_pct
    assert len(diffs["compute.gpus.extra_orders"][1]) == len(raw["compute"]["gpus"]["extra_orders"])
    assert scenario_diff(base, base) == []


def test_format_value_reads_like_the_file():
    assert format_value(dt.date(2026, 12, 31)) == "2026-12-31"
    assert format_value(675.0) == "675"
    assert format_value(0.25) == "0.25"
    assert format_value([5, 6]) == "[5, 6]"
    assert format_value(None) == "(not set)"
    assert format_value(True) == "true"
    assert format_value("a|b") == '"a|b"'


def test_an_absent_or_unset_value_is_said_in_the_language_in_use():
    """`show --vs --lang vi` and a Vietnamese compare printed "(no entry)" and "(not set)" in English."""
    from dxsim.i18n import set_language
    from dxsim.scenario.resolved import MISSING

    set_language("vi")
    try:
        assert (format_value(MISSING), format_value(None)) == ("(không có mục)", "(chưa đặt)")
        assert format_value(675.0) == "675"  # values stay as the file states them
    finally:
        set_language("en")
    assert (format_value(MISSING), format_value(None)) == ("(no entry)", "(not set)")


def test_a_changed_campaign_is_its_changed_fields_not_the_whole_list():
    """compare's "what changes" showed the whole villages.campaigns list, cut off in its column."""
    base = load_scenario(SCEN / "baseline.toml")
    camps = [c.model_dump() for c in base.villages.campaigns]
    camps[1]["deadline"] = dt.date(2026, 6, 30)
    camps[1]["extra_utility_teams"] = {"north": 20}
    opt = load_scenario({"name": "o", "villages": {"campaigns": camps}})
    diffs = {p: (a, b) for p, a, b in scenario_diff(base, opt) if p.startswith("villages.campaigns")}
    second = f"villages.campaigns.{camps[1]['name']}"  # a campaign is named by its name
    assert set(diffs) == {f"{second}.deadline", f"{second}.extra_utility_teams.north"}
    assert diffs[f"{second}.deadline"][1] == dt.date(2026, 6, 30)
    north = diffs[f"{second}.extra_utility_teams.north"]
    assert north == (MISSING, 20)  # the default has no entry
    # an item only one side has is one row; a list that was empty is one row too
    fewer = load_scenario({"name": "f", "villages": {"campaigns": camps[:1]}})
    rows = [p for p, _a, _b in scenario_diff(base, fewer) if p.startswith("villages.campaigns")]
    assert rows == [second]
    ai = load_scenario(SCEN / "ai-compute.toml")
    assert [p for p, _a, _b in scenario_diff(base, ai) if p.startswith("compute.gpus.extra_orders")] == [
        "compute.gpus.extra_orders"
    ]


def test_a_campaign_added_in_front_is_one_row_and_a_reordering_is_said():
    """A Tuyên Quang campaign listed first (the first listed campaign claims a village) read as both default
    campaigns' deadlines and launches changed ("villages.campaigns[2].deadline 2025-11-30 -> 2025-09-30"): items
    were matched by position. Named items are matched by name; the same items in another order are one row of
    the list itself, since the order decides which campaign claims a village."""
    base = load_scenario(SCEN / "baseline.toml")
    camps = [c.model_dump() for c in base.villages.campaigns]
    tq = {**camps[0], "name": "tq_2026", "villages": ["08"], "deadline": dt.date(2026, 12, 31)}
    front = load_scenario({"name": "front", "villages": {"campaigns": [tq, *camps]}})
    rows = [(p, a, b) for p, a, b in scenario_diff(base, front) if p.startswith("villages.campaigns")]
    assert [p for p, _a, _b in rows] == ["villages.campaigns.tq_2026"]
    assert rows[0][1] is MISSING and rows[0][2]["villages"] == ["08"]
    swapped = load_scenario({"name": "swap", "villages": {"campaigns": camps[::-1]}})
    names = [c["name"] for c in camps]
    assert [(p, a, b) for p, a, b in scenario_diff(base, swapped) if p.startswith("villages")] == [
        ("villages.campaigns", names, names[::-1])
    ]
    # items with no name of their own stay matched by position: the base's GPU orders without their first
    orders = [o.model_dump() for o in base.compute.gpus.orders]
    assert len(orders) >= 2
    fewer = load_scenario({"name": "f", "compute": {"gpus": {"orders": orders[1:]}}})
    paths = [p for p, _a, _b in scenario_diff(base, fewer) if p.startswith("compute.gpus.orders")]
    assert f"compute.gpus.orders[{len(orders)}]" in paths and "compute.gpus.orders[1].gpus" in paths


def test_a_field_of_a_part_that_is_off_is_not_read(tmp_path: Path) -> None:
    """The envelope's yearly totals with `budget.enabled = false` validated "ok" and compare said they "moved
    nothing": `disabled_by` names the switch of the nearest part that is off, `validate` notes each such field (exit
    0, no error), and the switch itself or a field of a part that is on is never flagged."""
    from dxsim.scenario.resolved import disabled_by, unread_fields

    off = load_scenario(
        {
            "name": "off",
            "budget": {"enabled": False, "total_vnd_bn": {2026: 20_000}},
            "capacity": {"enabled": False},
        }
    )
    assert disabled_by(off, "budget.total_vnd_bn.2026") == "budget.enabled"
    assert disabled_by(off, "capacity.served_rate_mbps") == "capacity.enabled"
    assert disabled_by(off, "budget.enabled") is None and disabled_by(off, "capacity.enabled") is None
    assert disabled_by(off, "crews.north.teams") is None  # no switch above it
    on = load_scenario({"name": "on", "budget": {"enabled": True, "total_vnd_bn": {2026: 20_000}}})
    assert disabled_by(on, "budget.total_vnd_bn.2026") is None
    # a nested switch (the AI job demand, compute.demand.enabled) inside a part that is on
    jobs = load_scenario({"name": "g", "compute": {"demand": {"enabled": False, "warm_start": False}}})
    assert disabled_by(jobs, "compute.demand.warm_start") == "compute.demand.enabled"
    assert disabled_by(jobs, "compute.gpus.life_years") is None
    assert ("budget.total_vnd_bn.2026", "budget.enabled") in unread_fields(off)
    assert unread_fields(on) == [] and unread_fields(load_scenario(BASELINE)) == []

    f = tmp_path / "envelope-off.toml"
    f.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "envelope-off"\n[budget]\nenabled = false\n'
        "[budget.total_vnd_bn]\n2026 = 20000\n",
        encoding="utf-8",
    )
    r = dxsim_cmd("validate", str(f), env={"COLUMNS": "400"})  # a long temporary path on one line
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert f"{f}: ok (envelope-off)" in r.stdout
    assert f"{f}: note: budget.total_vnd_bn.2026 is set, but budget.enabled = false" in r.stdout


def test_resolved_toml_says_what_the_envelope_becomes(tmp_path):
    """An option with a budget envelope: the resolved file a run writes names each value the envelope sets in the
    run (the 5G money's support programme, the yearly village and data-centre money), beside the file's own values
    (finance trial: it showed Resolution 193 as if the run used it unchanged)."""
    out = tmp_path / "run"
    f = tmp_path / "env.toml"
    f.write_text(
        f'extends = "{(SCEN / "baseline.toml").as_posix()}"\nname = "env"\n[budget]\nenabled = true\n'
        "total_vnd_bn = { 2027 = 1000 }\n[budget.share_pct]\nfive_g_subsidy = 30\nvillages = 20\ncompute_public = 50\n",
        encoding="utf-8",
    )
    r = dxsim_cmd("run", str(f), "--reps", "1", "--no-map", "--no-report", "--out", str(out))
    assert r.returncode == 0, r.stderr
    text = (out / "scenario.resolved.toml").read_text(encoding="utf-8")
    head = text.split("\n\n", 1)[0]
    assert "# The run folds the budget envelope into these values:" in head
    folded = [ln for ln in head.splitlines() if ln.startswith("#   ") and " -> " in ln]
    assert (
        "#   villages.programme.budget_vnd_bn.2027: 300 -> 200" in folded
    )  # 20% of 1,000 over the baseline's 300
    assert "#   compute.datacentres.public_investment_vnd_bn.2027: (no entry) -> 500" in folded
    support = [ln for ln in folded if ln.startswith("#   supports:")]
    assert (
        len(support) == 1
        and 'name = "budget_envelope_5g"' in support[0]
        and "fund_vnd_bn = 300" in support[0]
    )
    assert "window_start = 2027-01-01, window_end = 2027-12-31" in support[0]
    # the run's own total of public money (it had none: finance trial), by hand from its parts in the same summary
    k = json.loads((out / "summary.json").read_text(encoding="utf-8"))["kpis"]
    parts = (
        k["subsidy_paid_total_vnd_bn"]
        + k["support_accrued_unpaid_vnd_bn"]
        + k["village_programme_committed_total_vnd_bn"]
        + k["dc_state_investment_total_vnd_bn"]
        + k["dc_ppp_state_capex_total_vnd_bn"]
        + k["gpu_public_capex_total_vnd_bn"]
    )
    assert (
        k["dc_state_investment_total_vnd_bn"] == 500.0
    )  # the envelope's state DC money: 50% of 1,000 bn in 2027
    assert k["public_cost_total_vnd_bn"] == pytest.approx(parts) and parts >= 500.0
    back = tomllib.loads(text)  # still loads: the folded values are comments
    assert back["subsidy"]["fund_vnd_bn"] == 12_697 and back["supports"] == []
    # and a file without an envelope gets no such block
    assert "folds the budget envelope" not in resolved_toml(
        load_scenario(SCEN / "push-5g.toml"), extends_chain(SCEN / "push-5g.toml")
    )
