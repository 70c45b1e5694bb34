"""Allowed values that look like a unit slip get a note in `dxsim validate` and `dxsim run` (never an error).

Why: `device_5g_share_pct = 0.3` (meant: 30%) and a data centre's headroom in GW (0.25 for 250 MW) validated "ok"
and ran, and every number after them was off by the slip's factor."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, dxsim_cmd

from dxsim.scenario import load_scenario
from dxsim.scenario.unit_slips import SCALE_FACTOR, check_value, unit_slips

BASE = (REPO / "scenarios" / "baseline.toml").as_posix()


def scenario_file(tmp_path: Path, body: str, name: str = "slips") -> Path:
    f = tmp_path / f"{name}.toml"
    f.write_text(f'extends = "{BASE}"\nname = "{name}"\n{body}', encoding="utf-8")
    return f


def test_the_shipped_scenarios_have_no_slip() -> None:
    """The heuristics do not cry wolf at the project's own scenarios (each sets dozens of values away from defaults)."""
    files = sorted((REPO / "scenarios").glob("*.toml"))
    assert len(files) >= 9
    for f in files:
        assert unit_slips(load_scenario(f)) == [], f


def test_a_fraction_in_a_percent_field(tmp_path: Path) -> None:
    sc = load_scenario(
        scenario_file(tmp_path, "[capacity]\ndevice_5g_share_pct = 0.3\nserved_rate_mbps = 12\n")
    )
    slips = unit_slips(sc)
    assert [s.field for s in slips] == ["capacity.device_5g_share_pct"]  # 12 Mbps is a plain change
    assert slips[0].value == 0.3 and "%" in slips[0].unit
    assert "0.3 means 0.3%, not 30%" in slips[0].hint and "write 30" in slips[0].hint
    # the same field written as a percent is no slip, and neither is a whole 1 or 0
    for v in (30.0, 1.0, 0.0):
        assert check_value("f", "device_5g_share_pct", v, "% of data users", 29.0) is None


@pytest.mark.parametrize(
    ("value", "default", "flagged"),
    [
        (0.25, 250.0, True),  # GW for MW: 1/1000
        (2.5, 250.0, True),  # exactly 1/100
        (2.51, 250.0, False),  # just inside
        (25_000.0, 250.0, True),  # 100x
        (24_999.0, 250.0, False),
        (-3.0, 0.0, False),  # no default to compare with
        (0.0, 250.0, False),  # switching a thing off is no slip
    ],
)
def test_a_value_a_hundred_times_away_from_its_default(value: float, default: float, flagged: bool) -> None:
    slip = check_value("compute.x_mw", "x_mw", value, "MW (facility)", default)
    assert (slip is not None) is flagged
    if slip is not None:
        ratio = value / default
        assert abs(ratio) >= SCALE_FACTOR or abs(ratio) <= 1 / SCALE_FACTOR
        assert "check it is in MW (facility)" in slip.hint


def test_year_tables_and_no_limit_defaults(tmp_path: Path) -> None:
    """A year the default table does not list is held against the last listed year before it (tables repeat their
    last value); a default at the field's upper bound means "no limit", so a real fund far below it is normal."""
    sc = load_scenario(
        scenario_file(
            tmp_path,
            "[villages.programme.budget_vnd_bn]\n2026 = 500000\n2028 = 2\n2029 = 250\n"
            "[compute.datacentres.grid.headroom_mw]\nnorth = 0.25\n",
        )
    )
    got = {s.field: s.hint for s in unit_slips(sc)}
    assert set(got) == {
        "villages.programme.budget_vnd_bn.2026",
        "villages.programme.budget_vnd_bn.2028",
        "compute.datacentres.grid.headroom_mw.north",
    }
    assert got["villages.programme.budget_vnd_bn.2026"].startswith("1000 times its default 500")
    assert got["villages.programme.budget_vnd_bn.2028"].startswith("1/150 of its default 300")  # 2027's 300
    assert got["compute.datacentres.grid.headroom_mw.north"].startswith("1/1000 of its default 250")
    # a whole default is shown whole: stations_5g's 16,737 read "16700" at 3 significant digits (new-user trial)
    slips = unit_slips(load_scenario(scenario_file(tmp_path, "[start_state]\nstations_5g = 20\n")))
    assert [s.hint for s in slips] == ["1/837 of its default 16,737: check it is in stations"]
    # new-site-support's programmes cap their fund at 3,000 bn against the schema's 1,000,000 ("no limit")
    assert unit_slips(load_scenario(REPO / "scenarios" / "new-site-support.toml")) == []


def test_validate_and_run_print_the_note(tmp_path: Path) -> None:
    f = scenario_file(
        tmp_path, "[villages.programme.budget_vnd_bn]\n2028 = 2\n[budget]\ntotal_vnd_bn = { 2027 = 5 }\n"
    )
    r = dxsim_cmd("validate", str(f))
    assert r.returncode == 0, r.stderr
    line = f"{f}: note: villages.programme.budget_vnd_bn.2028 = 2 (VND bn per calendar year): 1/150 of its default 300"
    assert line in " ".join(r.stdout.split()), r.stdout
    out = tmp_path / "out"
    r = dxsim_cmd("run", str(f), "--reps", "1", "--no-map", "--no-report", "--out", str(out))
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stdout.split())
    before = said.index("5G")  # the run's tables: a note before them comes while ^C still helps
    assert line in said and said.index(line) < before
    # the run also says what validate says of a field in a part that is off (finance trial: run was silent)
    off = f"{f}: note: budget.total_vnd_bn.2027 is set, but budget.enabled = false, so the model does not read it"
    assert off in said and said.index(off) < before
    assert (out / "summary.json").is_file()  # a note, not a refusal


def test_validate_notes_what_the_horizon_does_not_reach(tmp_path: Path) -> None:
    """An envelope line typed 2035, a GPU order after the horizon, state data-centre money for 2040 and a campaign due
    after it validated "ok" (finance, data-centre and provincial trials); a list that replaced a default list (one province survey for the two sourced ones: 602
    villages became 369) did too. validate now notes each, and still says ok (exit 0)."""
    f = scenario_file(
        tmp_path,
        "[budget]\nenabled = true\ntotal_vnd_bn = { 2030 = 10, 2035 = 5000 }\n"
        '[[compute.gpus.extra_orders]]\norganisation = "M"\nmodel = "B200"\ngpus = 10\norder_date = 2031-06-01\n'
        '[[compute.gpus.extra_orders]]\norganisation = "M"\nmodel = "H100"\ngpus = 100\norder_date = 2024-01-15\n'
        "[compute.datacentres.public_investment_vnd_bn]\n2040 = 5000\n"
        '[[villages.campaigns]]\nname = "db"\nlaunched = 2026-01-01\ndeadline = 2035-06-30\n'
        '[[villages.layer.province_surveys]]\ngso34 = "11"\nvillages_with_power = 20\nas_of = 2025-06-30\n'
        'source = "a survey"\n',
    )
    r = dxsim_cmd("validate", str(f), env={"COLUMNS": "400"})  # no wrapped "ok" line
    assert r.returncode == 0, r.stderr
    lines = [" ".join(ln.split()) for ln in r.stdout.replace(f"\n{f}:", f"\n\0{f}:").split("\0")]
    assert lines[0] == f"{f}: ok (slips)"
    said = {ln.split(": note: ", 1)[1] if ": note: " in ln else ln for ln in lines[1:]}
    expected = {
        "budget.total_vnd_bn.2035 = 5000: the year lies outside the horizon (2025-10-31 to 2030-12-31): the run "
        "spends none of it (a 5G support window after the horizon pays after it)",
        "compute.gpus.extra_orders[1].order_date = 2031-06-01: after the horizon's end 2030-12-31: the run never "
        "receives these 10 GPUs",
        # an order before the start joined the start fleet, and the 15x month's base, without a word (trial)
        "compute.gpus.extra_orders[2].order_date = 2024-01-15: before the start 2025-10-31: those of these 100 GPUs "
        "delivered by the start are part of the start fleet, and of the base of the KPIs measured against it (the "
        "month the fleet reaches 15x)",
        "compute.datacentres.public_investment_vnd_bn.2040 = 5000: the year lies outside the horizon (2025-10-31 to "
        "2030-12-31): the run commits none of it",
        "villages.campaigns lists 1 in place of the 2 of the defaults (a list replaces the default list; `dxsim show` "
        "prints them: list them all to keep them); not listed: with_power_2025_09, no_power_2025_11",
        "villages.layer.province_surveys lists 1 in place of the 2 of the defaults (a list replaces the default list; "
        "`dxsim show` prints them: list them all to keep them)",
        f"{f}: warning: campaign db: deadline 2035-06-30 is after the horizon's end 2030-12-31: the run cannot say "
        "whether it is met or how many villages are left at it (set horizon.end_date on or after it)",
    }
    assert said == expected, said  # 2030, inside the horizon, is no note
    # the shipped scenarios get none of these notes (`dxsim validate` prints "ok" only)
    r = dxsim_cmd("validate", *[str(p) for p in sorted((REPO / "scenarios").glob("*.toml"))])
    assert r.returncode == 0 and "note:" not in r.stdout and "warning:" not in r.stdout, r.stdout


def test_a_seed_or_another_unitless_value_is_no_slip(tmp_path: Path) -> None:
    """ "seed = 42 (-): 1/482000 of its default 20300000: check it is in -" (state-audit trial): a field without a
    unit has no unit to slip; only the percent rule reads such a field's name."""
    sc = load_scenario(scenario_file(tmp_path, "seed = 42\n[villages.layer]\nsynthetic_seed = 7\n"))
    assert unit_slips(sc) == []
    assert check_value("seed", "seed", 42, "-", 20_251_031) is None


def test_a_run_s_own_resolved_file_validates_without_notes(cli_baseline: Path) -> None:
    """validate on the scenario.resolved.toml a run wrote noted "lists 2 in place of the 2 of the defaults" four
    times (state-audit trial): a restated list that keeps every item (by name, or written another way) is no
    replacement."""
    f = cli_baseline / "scenario.resolved.toml"
    r = dxsim_cmd("validate", str(f), env={"COLUMNS": "400"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{f}: ok (baseline)", r.stdout
