"""Scenario loader: every planner mistake is one clear DxsimInputError line; extends deep-merges."""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dxsim.errors import DxsimInputError
from dxsim.scenario import (
    Scenario,
    json_schema,
    load_scenario,
    load_scenario_dict,
    scenario_sha256,
)
from dxsim.scenario.docs import Shape, leaf_fields, shape_at
from dxsim.scenario.loader import grouped_literals
from dxsim.scenario.resolved import extends_chain, resolved_toml
from dxsim.scenario.sections.uncertainty import DEFAULT_RANGES, PATH_PATTERN


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> DxsimInputError:
    with pytest.raises(DxsimInputError) as info:
        load_scenario(path)
    err = info.value
    msg = str(err)
    assert msg.splitlines() == [msg], msg
    return err


def assert_names(err: DxsimInputError, *parts: str) -> None:
    msg = str(err)
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"


# --------------------------------------------------------------------------- bad input classes


def test_missing_file_names_path(tmp_path: Path) -> None:
    err = error_of(tmp_path / "nope.toml")
    assert_names(err, "nope.toml", "not found")


def test_malformed_toml_gives_line_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, "bad.toml", 'name = "x"\nseed = 5\ncrews = {north = {teams = }}\n')
    err = error_of(p)
    assert_names(err, str(p), "malformed TOML", "line 3", "column", "Invalid value")
    assert "(crews = {north = {teams = }})" in str(err)  # the line itself, as written


def test_a_month_13_date_is_said_to_be_no_calendar_date(tmp_path: Path) -> None:
    """tomllib reports "Expected newline or end of document"; the planner is told the date does not exist."""
    p = write(tmp_path, "bad.toml", 'name = "x"\n[horizon]\nend_date = 2030-13-01\n')
    err = error_of(p)
    assert_names(err, str(p), "line 3", "(end_date = 2030-13-01)", "2030-13-01 is not a calendar date")
    assert "Expected newline" not in str(err)
    ok = write(tmp_path, "ok.toml", 'name = "x"\nseed = \n[horizon]\nend_date = 2030-12-31\n')
    assert "is not a calendar date" not in str(error_of(ok))  # a real date on a broken line is not blamed
    quoted = write(tmp_path, "quoted.toml", 'name = "x"\n[horizon]\nend_date = "2030-02-30"\n')
    err = str(error_of(quoted))  # a string: pydantic called it "wrong type: not an ISO date"
    assert (
        "horizon.end_date" in err and "2030-02-30 is not a calendar date" in err and "wrong type" not in err
    )


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "latin1.toml"
    p.write_bytes('name = "Đà Nẵng"'.encode("utf-16"))
    assert_names(error_of(p), str(p), "UTF-8")


def test_wrong_type(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[crews.north]\nteams = "many"\n')
    err = error_of(p)
    assert_names(err, str(p), "crews.north.teams", "'many'", "an integer between 0 and 20000 teams")
    assert err.field == "crews.north.teams"


def test_quoted_number_is_rejected(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[supply]\ndeliveries_per_month = "500"\n')
    assert_names(error_of(p), "supply.deliveries_per_month", "'500'", "without quotes", "site kits per month")


@pytest.mark.parametrize(
    ("quoted", "plain", "underscored"),
    [
        ("1.500", "1500", "1_500"),
        ("1,500", "1500", "1_500"),
        ("12.697,5", "12697.5", "12_697.5"),
        ("123,456.5", "123456.5", "123_456.5"),
        ("1 500", "1500", "1_500"),
    ],
)
def test_a_quoted_number_with_thousands_marks_gets_the_plain_number(
    tmp_path: Path, quoted: str, plain: str, underscored: str
) -> None:
    """A Vietnamese planner writes 1.500 for 1,500 bn VND; "write it without quotes" made it 1.500, which TOML reads as
    1.5 and the scenario accepted (a 1,000x error). The message names the number meant, with no separator."""
    p = write(tmp_path, "s.toml", f'name = "x"\n[operators.viettel.capex_budget_vnd_bn]\n2026 = "{quoted}"\n')
    err = error_of(p)
    assert_names(
        err,
        "operators.viettel.capex_budget_vnd_bn.2026",
        f"write {plain} without quotes",
        f"(or {underscored})",
    )
    fixed = write(
        tmp_path, "t.toml", f'name = "x"\n[operators.viettel.capex_budget_vnd_bn]\n2026 = {underscored}\n'
    )
    assert load_scenario(fixed).operators["viettel"].capex_budget_vnd_bn[2026] == float(plain)


@pytest.mark.parametrize(
    ("literal", "meant"),
    [("1.500", 1500), ("12.697", 12697), ("100.000", 100000)],
)
def test_an_unquoted_number_grouped_like_1_500_is_refused_where_the_thousands_are_allowed(
    tmp_path: Path, literal: str, meant: int
) -> None:
    """Unquoted, 1.500 is TOML's 1.5, so a Vietnamese planner's one thousand five hundred bn VND validated as 1.5 bn.
    Where the grouped reading is an allowed value the file is refused, naming both readings; writing either one
    plainly loads."""
    p = write(tmp_path, "s.toml", f'name = "x"\n[operators.viettel.capex_budget_vnd_bn]\n2026 = {literal}\n')
    err = error_of(p)
    value = float(literal)
    assert_names(
        err,
        str(p),
        "operators.viettel.capex_budget_vnd_bn.2026",
        f"{literal} is read as {value:g}",
        f"write {meant} or ",
        f"to keep {value:g}",
    )
    keep = f"{value:g}" if value == int(value * 10) / 10 else f"{value:g}0"  # 1.5, but 12.6970
    assert f"or {keep} to keep" in str(err)
    assert err.field == "operators.viettel.capex_budget_vnd_bn.2026"
    for plain, expect in ((str(meant), float(meant)), (keep, value), (f"{literal}0", value)):
        ok = write(
            tmp_path, "ok.toml", f'name = "x"\n[operators.viettel.capex_budget_vnd_bn]\n2026 = {plain}\n'
        )
        assert load_scenario(ok).operators["viettel"].capex_budget_vnd_bn[2026] == expect


def test_a_count_grouped_like_16_737_is_not_offered_its_decimal_reading(tmp_path: Path) -> None:
    """A station count cannot keep 16.737: the hint offered "or 16.7370 to keep 16.737", which the file then refused
    as not a whole number (new-user trial); a count is told only the thousands reading."""
    p = write(tmp_path, "s.toml", 'name = "x"\n[start_state]\nstations_5g = 16.737\n')
    err = error_of(p)
    assert_names(err, str(p), "start_state.stations_5g", "16.737 is read as 16.737", "write 16737 or 16_737")
    assert "to keep" not in str(err)


def test_a_three_decimal_number_is_kept_where_its_thousands_reading_is_not_allowed(tmp_path: Path) -> None:
    """A share or a coordinate with three decimals (0.125, 21.028) is not taken for a grouped number: 21,028 is no
    latitude and 12,500 no percentage. Numbers in strings and comments are not read."""
    p = write(
        tmp_path,
        "s.toml",
        'name = "x"\ndescription = "budget 1.500 bn, as the report writes it"\n'
        "[capacity]\nneighbour_load_pct = 12.500  # 1.500 in a comment\n",
    )
    assert load_scenario(p).capacity.neighbour_load_pct == 12.5
    assert grouped_literals('a = "1.500"\nb = 2 # 3.000\nc = [4.000, 0.125, 1.2345, 5.000e3]\n') == {
        4.0: "4.000"
    }


def test_dxsim_writes_a_three_decimal_number_so_that_it_loads_back(tmp_path: Path) -> None:
    """The resolved scenario (and an optimised plan, written the same way) must load back as it is: 1.125 would be
    refused as "looks like 1,125", so it is written 1.1250."""
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.viettel.capex_budget_vnd_bn]\n2026 = 1.1250\n')
    sc = load_scenario(p)
    text = resolved_toml(sc, extends_chain(p))
    assert "2026 = 1.1250" in text
    out = tmp_path / "back" / "scenario.resolved.toml"
    out.parent.mkdir()
    out.write_text(text, encoding="utf-8")
    assert load_scenario(out) == sc


@pytest.mark.parametrize("value", ['"yes"', '"true"', '"no"', '"1"', '"off"', "1", "0"])
def test_a_switch_takes_true_or_false_only(tmp_path: Path, value: str) -> None:
    """pydantic's lax mode read "yes", "off", "1" or 0 as a boolean: a quoted "no" could turn a switch silently."""
    p = write(tmp_path, "s.toml", f'name = "x"\n[villages.programme]\ngrid_works_in_rainy_season = {value}\n')
    err = error_of(p)
    assert_names(err, str(p), "villages.programme.grid_works_in_rainy_season", "true or false")
    ok = write(tmp_path, "ok.toml", 'name = "x"\n[villages.programme]\ngrid_works_in_rainy_season = true\n')
    assert load_scenario(ok).villages.programme.grid_works_in_rainy_season is True


def test_wrong_type_date(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[horizon]\nend_date = "next year"\n')
    assert_names(error_of(p), str(p), "horizon.end_date", "'next year'", "an ISO date like 2026-01-31")


def test_a_day_first_date_is_told_its_iso_form_once(tmp_path: Path) -> None:
    """deadline = "30/06/2026" (how dates are written in Vietnam) read "wrong type: not an ISO date like 2026-01-31
    (allowed: an ISO date like 2026-01-31)", and a second error followed for deadline_at_launch, a field the file
    never wrote (provincial GIS trial). One error now, at deadline, with the date's ISO form and the type said once."""
    body = '[[villages.campaigns]]\nname = "x"\nlaunched = 2026-01-01\ndeadline = "30/06/2026"\nvillages = ["08"]\n'
    p = write(tmp_path, "s.toml", f'name = "x"\n{body}')
    err = error_of(p)
    assert_names(err, "villages.campaigns[1].deadline", "'30/06/2026'", "write it as 2026-06-30")
    (line,) = err.lines()  # the one problem of the file
    assert line.count("ISO date like") == 1 and "deadline_at_launch" not in line


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ('"2028/06/30"', "2028-06-30"),  # year first with slashes
        ('"06/30/2028"', "2028-06-30"),  # month first: the only reading that is a date
        ('"05/06/2028"', "2028-06-05"),  # both readings are dates: day first, as Vietnam writes them
        ("2028-6-30", "2028-06-30"),  # unquoted: TOML cannot read it at all
        ("30/06/2028", "2028-06-30"),
    ],
)
def test_a_date_in_another_form_is_told_its_toml_form(tmp_path: Path, written: str, iso: str) -> None:
    """end_date = 2028-6-30 and 30/06/2028 (unquoted) gave only "malformed TOML ... Expected newline or end of
    document", and "2028/06/30" only "not an ISO date" (new-user trial, 2026-12-07): each is now told the date to
    write."""
    p = write(tmp_path, "s.toml", f'name = "x"\n[horizon]\nend_date = {written}\n')
    err = error_of(p)
    assert f"write it as {iso} (year-month-day, without quotes)" in str(err), str(err)
    assert str(p) in str(err) and ("horizon.end_date" in str(err) or "end_date = " in str(err))


def test_a_text_that_is_no_date_is_offered_none(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[horizon]\nend_date = "13/13/2028"\n')
    assert "write it as" not in str(error_of(p))


def test_negative_value(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[crews.north]\nteams = -5\n')
    err = error_of(p)
    assert_names(err, str(p), "crews.north.teams = -5", "too small", "between 0 and 20000 teams")
    assert err.value == -5


def test_out_of_range_value(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[costs]\nupgrade_works_vnd_bn = 500\n')
    assert_names(
        error_of(p),
        str(p),
        "costs.upgrade_works_vnd_bn = 500",
        "too large",
        "between 0 and 50 VND bn per site",
    )


def test_out_of_range_per_year_value(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.viettel.capex_budget_vnd_bn]\n2026 = -3\n')
    err = error_of(p)
    assert err.field == "operators.viettel.capex_budget_vnd_bn.2026"
    assert_names(err, str(p), "= -3", "between 0 and 1000000 VND bn per calendar year")


def test_bad_year_key(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.vnpt.annual_new_5g_sites]\n1999 = 3\n')
    assert_names(
        error_of(p),
        str(p),
        "operators.vnpt.annual_new_5g_sites.1999",
        "not a valid year",
        "between 2020 and 2100",
    )


def test_unknown_key_did_you_mean(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[crewz.north]\nteams = 5\n')
    err = error_of(p)
    assert_names(err, str(p), "crewz", "unknown key 'crewz'; did you mean 'crews'?", "seasons")
    p = write(tmp_path, "t.toml", 'name = "x"\n[crews.north]\nteamz = 5\n')
    err = error_of(p)
    assert err.field == "crews.north.teamz"
    assert_names(err, "= 5", "did you mean 'teams'?", "allowed: teams")


def test_the_retired_window_share_points_to_the_count_that_replaced_it(tmp_path: Path) -> None:
    """start_state.start_sites_in_window_pct (a share) gave way to stations_5g_at_window_start (a count) on
    2026-12-07: a scenario written before is refused in one line that names the new key and says it is a count, not
    a share ("did you mean" pointed the share at the count, where 60 passes as 60 stations)."""
    p = write(tmp_path, "s.toml", 'name = "x"\n[start_state]\nstart_sites_in_window_pct = 60\n')
    err = error_of(p)
    assert err.field == "start_state.start_sites_in_window_pct"
    assert_names(
        err, "= 60", "replaced on 2026-12-07 by start_state.stations_5g_at_window_start", "not a share"
    )
    assert "did you mean" not in str(err)


def test_unknown_key_without_close_match_lists_keys(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[horizon]\nbananas = 1\n')
    err = error_of(p)
    assert "did you mean" not in str(err)
    assert_names(err, "horizon.bananas", "unknown key 'bananas'", "allowed: start_date, end_date")


def test_unknown_operator(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.viettell]\nstart_share_5g_pct = 55\n')
    err = error_of(p)
    assert_names(
        err,
        str(p),
        "operators.viettell",
        "unknown operator 'viettell'; did you mean 'viettel'?",
        "viettel, vnpt, mobifone",
    )


def test_unsupported_band(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[radio.band_5g_mhz]\nrural = 800\n')
    assert_names(error_of(p), "radio.band_5g_mhz.rural = 800", "one of 700, 2600, 3500 MHz")


def test_extends_cycle_two_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\nname = "a"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\nname = "b"\n')
    err = error_of(a)
    assert_names(err, "b.toml", "extends = 'a.toml'", "a.toml -> b.toml -> a.toml", "cycle")
    assert err.field == "extends"


def test_extends_cycle_self(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", 'extends = "a.toml"\nname = "a"\n')
    assert_names(error_of(a), str(a), "a.toml -> a.toml", "cycle")


def test_extends_missing_parent(tmp_path: Path) -> None:
    c = write(tmp_path, "opts/c.toml", 'extends = "../base/baseline.toml"\nname = "c"\n')
    err = error_of(c)
    looked = (tmp_path / "base" / "baseline.toml").resolve()
    assert_names(err, str(c), "extends = '../base/baseline.toml'", "not found", str(looked))


def test_extends_must_be_string(tmp_path: Path) -> None:
    c = write(tmp_path, "c.toml", 'extends = ["a.toml"]\nname = "c"\n')
    assert_names(error_of(c), str(c), "extends = ['a.toml']", "baseline.toml")


def test_dates_out_of_order(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", 'name = "base"\n[horizon]\nstart_date = 2025-10-31\n')
    c = write(tmp_path, "c.toml", 'extends = "base.toml"\nname = "c"\n[horizon]\nend_date = 2025-01-01\n')
    err = error_of(c)
    assert err.field == "horizon.end_date"
    assert_names(err, str(c), "horizon.end_date = '2025-01-01'", "must be after start_date (2025-10-31)")


def test_p90_below_p50(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[works.new_site_permit]\np50_days = 100\np90_days = 50\n')
    assert_names(error_of(p), str(p), "works.new_site_permit.p90_days = 50", "must be >= p50_days (100.0)")


def test_a_rule_broken_by_an_inherited_value_says_where_that_value_comes_from(tmp_path: Path) -> None:
    """p50 raised in this file above the p90 it did not set: the message said only `p90_days = 90`."""
    p = write(tmp_path, "s.toml", 'name = "x"\n[works.new_site_permit]\np50_days = 1000\n')
    err = error_of(p)
    assert err.file == str(p) and err.field == "works.new_site_permit.p90_days"
    assert "must be >= p50_days (1000.0) (the default: no file sets it; set it too)" in err.one_line()
    parent = write(
        tmp_path, "parent.toml", 'name = "p"\n[works.new_site_permit]\np50_days = 10\np90_days = 50\n'
    )
    child = write(
        tmp_path,
        "child.toml",
        'extends = "parent.toml"\nname = "c"\n[works.new_site_permit]\np50_days = 100\n',
    )
    err = error_of(child)
    assert err.file == str(child)
    assert f"(set in {parent}, which this file extends; set it here too)" in err.one_line()


def test_shares_must_sum_to_100(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.viettel]\nstart_share_5g_pct = 50\n')
    assert_names(error_of(p), str(p), "operators.*.start_share_5g_pct", "must sum to 100, got 95")


def test_subscriber_shares_add_up_to_at_most_100(tmp_path: Path) -> None:
    """55/30/15 by default; the three may hold less than 100 (other operators exist), never more."""
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.viettel]\nsubscriber_share_pct = 90\n')
    assert_names(error_of(p), str(p), "operators.*.subscriber_share_pct", "add up to 135; at most 100")
    ok = write(tmp_path, "ok.toml", 'name = "x"\n[operators.viettel]\nsubscriber_share_pct = 45\n')
    assert load_scenario(ok).operators["viettel"].subscriber_share_pct == 45


@pytest.mark.parametrize(
    "section,key,allowed",
    [
        ("crews.south", "teams", "an integer between 0 and 20000 teams"),
        ("costs", "new_site_civil_vnd_bn", "a number between 0 and 100"),
    ],
)
def test_bool_for_number(tmp_path: Path, section: str, key: str, allowed: str) -> None:
    p = write(tmp_path, "s.toml", f'name = "x"\n[{section}]\n{key} = true\n')
    err = error_of(p)
    assert_names(
        err, str(p), f"{section}.{key} = true", "true/false is not a number", allowed
    )  # as TOML says


def test_nan_rejected(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.vnpt.capex_budget_vnd_bn]\n2026 = nan\n')
    assert_names(error_of(p), "operators.vnpt.capex_budget_vnd_bn.2026", "not a finite number")


def test_missing_name(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", "seed = 3\n")
    assert_names(error_of(p), str(p), "name: field required")


def test_name_not_inherited(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", 'name = "baseline"\n')
    c = write(tmp_path, "c.toml", 'extends = "base.toml"\nseed = 3\n')
    assert_names(error_of(c), str(c), "name: field required")


def test_error_names_the_file_that_set_the_value(tmp_path: Path) -> None:
    base = write(tmp_path, "base.toml", 'name = "base"\n[crews.north]\nteams = -1\n')
    c = write(tmp_path, "c.toml", 'extends = "base.toml"\nname = "c"\n[crews.south]\nteams = 10\n')
    err = error_of(c)
    assert err.file == str(base)
    assert_names(err, "crews.north.teams = -1")


# --------------------------------------------------------------------------- extends + defaults


def test_child_year_override_keeps_other_years_and_operators(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.viettel.annual_new_5g_sites]\n2026 = 20000\n')
    sc = load_scenario(p)
    default = Scenario(name="d")
    assert sc.operators["viettel"].annual_new_5g_sites == {
        **default.operators["viettel"].annual_new_5g_sites,
        2026: 20000,
    }
    assert sc.operators["vnpt"] == default.operators["vnpt"]
    assert set(sc.operators) == {"viettel", "vnpt", "mobifone"}
    raw = load_scenario_dict(p)
    table = raw["operators"]["viettel"]["annual_new_5g_sites"]
    assert sorted(table) == ["2025", "2026", "2027", "2028", "2029", "2030"]  # no duplicate 2026
    assert table["2026"] == 20000


def test_year_keys_spelled_differently_do_not_duplicate(tmp_path: Path) -> None:
    p = write(tmp_path, "s.toml", 'name = "x"\n[operators.viettel.annual_new_5g_sites]\n"02026" = 1\n')
    sc = load_scenario(p)
    assert sc.operators["viettel"].annual_new_5g_sites[2026] == 1
    assert list(load_scenario_dict(p)["operators"]["viettel"]["annual_new_5g_sites"]).count("2026") == 1


def test_child_overrides_one_nested_value_siblings_kept(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.toml",
        'name = "base"\nseed = 7\n[crews.north]\nteams = 100\n[crews.south]\nteams = 200\n'
        "[seasons.north]\nrainy_months = [6, 7]\nrainy_productivity_pct = 50\n",
    )
    c = write(
        tmp_path,
        "c.toml",
        'extends = "base.toml"\nname = "c"\n[crews.north]\nteams = 150\n[seasons.north]\nrainy_months = [8]\n',
    )
    sc = load_scenario(c)
    assert sc.name == "c" and sc.seed == 7
    assert sc.crews["north"].teams == 150 and sc.crews["south"].teams == 200
    assert sc.crews["central"].teams == Scenario(name="d").crews["central"].teams
    assert sc.seasons["north"].rainy_months == [8]  # lists replace
    assert sc.seasons["north"].rainy_productivity_pct == 50
    assert "extends" not in load_scenario_dict(c)
    assert load_scenario_dict(c, with_defaults=False) == {
        "name": "c",
        "seed": 7,
        "crews": {"north": {"teams": 150}, "south": {"teams": 200}},
        "seasons": {"north": {"rainy_months": [8], "rainy_productivity_pct": 50}},
    }


def test_three_level_chain(tmp_path: Path) -> None:
    write(
        tmp_path,
        "common/root.toml",
        'name = "root"\nseed = 1\nreplications = 5\n[costs]\nupgrade_works_vnd_bn = 0.5\n',
    )
    write(
        tmp_path,
        "mid/mid.toml",
        'extends = "../common/root.toml"\nname = "mid"\nseed = 2\n[costs]\nnew_site_civil_vnd_bn = 3.0\n',
    )
    leaf = write(
        tmp_path,
        "leaf.toml",
        'extends = "mid/mid.toml"\nname = "leaf"\n[costs]\nupgrade_works_vnd_bn = 0.4\n',
    )
    sc = load_scenario(leaf)
    assert (sc.name, sc.seed, sc.replications) == ("leaf", 2, 5)
    assert sc.costs.upgrade_works_vnd_bn == 0.4
    assert sc.costs.new_site_civil_vnd_bn == 3.0
    assert sc.costs.upgrade_equipment_vnd_bn == Scenario(name="d").costs.upgrade_equipment_vnd_bn


def test_dates_native_or_iso_string(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", 'name = "x"\n[horizon]\nend_date = 2029-06-30\n')
    b = write(tmp_path, "b.toml", 'name = "x"\n[horizon]\nend_date = "2029-06-30"\n')
    assert load_scenario(a).horizon.end_date == load_scenario(b).horizon.end_date == dt.date(2029, 6, 30)
    assert scenario_sha256(a) == scenario_sha256(b)


def test_hash_same_meaning_same_hash(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", 'name = "opt"\n[crews.north]\nteams = 100\n')
    a = write(
        tmp_path, "a.toml", 'extends = "base.toml"\nname = "opt"\n[costs]\nupgrade_works_vnd_bn = 0.3\n'
    )
    b = write(
        tmp_path,
        "b.toml",
        'name = "opt"  # same, flat\n[costs]\nupgrade_works_vnd_bn = 3e-1\n[crews]\nnorth.teams = 100.0\n',
    )
    c = write(tmp_path, "c.toml", 'name = "opt"\n[crews.north]\nteams = 101\n')
    assert scenario_sha256(a) == scenario_sha256(b)
    assert scenario_sha256(a) != scenario_sha256(c)
    assert len(scenario_sha256(a)) == 64


def test_json_schema_has_id_and_extends() -> None:
    schema = json_schema()
    assert schema["$id"] and schema["title"]
    assert "extends" in schema["properties"] and "name" in schema["required"]


# --------------------------------------------------------------------------- property tests

NUMERIC_LEAVES = [
    leaf
    for leaf in leaf_fields()
    if leaf.shape.is_number or (leaf.shape.kind == "list" and leaf.shape.item.is_number)
]
_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_KEY = st.from_regex(r"[a-z][a-z0-9_]{0,14}", fullmatch=True)


def _key_strategy(shape: Shape) -> st.SearchStrategy[str]:
    if shape.options:
        return st.sampled_from([str(o) for o in shape.options])
    if shape.pattern == PATH_PATTERN:  # uncertainty.ranges: a key must name an uncertain value
        return st.sampled_from(sorted(p for p, *_ in DEFAULT_RANGES))
    return st.integers(int(shape.ge), int(shape.le)).map(str)


@st.composite
def concrete_leaf(draw: Any, leaves: list = NUMERIC_LEAVES) -> tuple[Any, tuple[str, ...]]:
    leaf = draw(st.sampled_from(leaves))
    keys = iter(leaf.key_shapes)
    path = []
    for part in leaf.path.split("."):
        if part.startswith("<"):
            _, shape = next(keys)
            path.append(draw(_key_strategy(shape)))
        else:
            path.append(part)
    return leaf, tuple(path)


def _in_range(shape: Shape, path: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    if len(path) == 3 and path[:2] in (("radio", "band_5g_mhz"), ("radio", "band_4g_mhz")):
        from dxsim.radio.radii import supported_bands  # bands with a link budget for the technology

        return st.sampled_from(supported_bands(path[1][5:7]))
    if shape.options:
        return st.sampled_from(list(shape.options))
    if shape.py_type is int:
        return st.integers(int(shape.ge), int(shape.le))
    hi = shape.le
    if len(path) == 3 and path[:2] == (
        "capacity",
        "nr_bandwidth_mhz",
    ):  # no wider than its band (test_capacity)
        from dxsim.radio.capacity import DL_BAND_WIDTH_MHZ

        hi = min(hi, DL_BAND_WIDTH_MHZ[int(path[2])])
    # a float TOML writes as 1.625 reads to a Vietnamese planner as 1625, and the loader refuses it when 1625 is in
    # range too, asking for 1625 or 1.6250 (loader._check_number): not a valid override as written
    return st.floats(shape.ge, hi, allow_nan=False, allow_infinity=False).filter(
        lambda v: not re.fullmatch(r"-?\d{1,3}\.\d{3}", repr(v))
    )


def _out_of_range(shape: Shape) -> st.SearchStrategy[Any]:
    if shape.options:
        return st.integers(-10, 10_000).filter(lambda v: v not in shape.options)
    lo, hi = shape.ge, shape.le
    if shape.py_type is int:
        return st.integers(max_value=int(lo) - 1) | st.integers(min_value=int(hi) + 1)
    return st.floats(max_value=lo, exclude_max=True, allow_nan=False, allow_infinity=False) | st.floats(
        min_value=hi, exclude_min=True, allow_nan=False, allow_infinity=False
    )


def _nest(path: tuple[str, ...], value: Any, doc: dict | None = None) -> dict:
    doc = {} if doc is None else doc
    node = doc
    for p in path[:-1]:
        node = node.setdefault(p, {})
    node[path[-1]] = value
    return doc


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        if isinstance(obj, dict):
            obj = obj[int(p)] if p.isdigit() and int(p) in obj else obj[p]
        else:
            obj = getattr(obj, p)
    return obj


def _write_doc(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / f"h{uuid.uuid4().hex[:8]}.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def _keep_consistent(doc: dict, path: tuple[str, ...], value: Any) -> None:
    """Cross-field rules (shares sum to 100, subscriber shares to at most 100, p90 >= p50, 5G <= 3 x 4G, 5G device
    share <= its ceiling, the national village count >= the province surveys' villages) around the drawn value."""
    last = path[-1]
    if last == "subscriber_share_pct":  # the other operators take what is left, at most their default
        for other in ("viettel", "vnpt", "mobifone"):
            if other != path[1]:
                _nest(("operators", other, last), (100 - value) / 2, doc)
    elif last == "start_share_5g_pct":
        for other in ("viettel", "vnpt", "mobifone"):
            if other != path[1]:
                _nest(("operators", other, last), (100 - value) / 2, doc)
    elif last == "p50_days":
        _nest(path[:-1] + ("p90_days",), 3650, doc)
    elif last == "p90_days":
        _nest(path[:-1] + ("p50_days",), 0, doc)
    elif last == "stations_5g":
        _nest(("start_state", "stations_4g"), 500_000, doc)
    elif last == "stations_4g":
        _nest(("start_state", "stations_5g"), 0, doc)
    elif last == "device_5g_share_max_pct":  # the 5G device share may not exceed its ceiling
        _nest(path[:-1] + ("device_5g_share_pct",), 0, doc)
    elif last == "device_5g_share_pct":
        _nest(path[:-1] + ("device_5g_share_max_pct",), 100, doc)
    elif last == "population_p50":  # a village population's p90 may not be below its p50
        _nest(path[:-1] + ("population_p90",), 100_000, doc)
    elif last == "population_p90":
        _nest(path[:-1] + ("population_p50",), 1, doc)
    elif path == (
        "villages",
        "layer",
        "n_villages",
    ):  # the national count includes the province surveys' villages
        _nest(("villages", "layer", "province_surveys"), [], doc)


@_SETTINGS
@given(data=st.data())
def test_property_valid_numeric_overrides_round_trip(tmp_path: Path, data: Any) -> None:
    leaf, path = data.draw(concrete_leaf())
    if leaf.shape.kind == "list":  # each item once (a repeated rainy month is refused), read back in order
        value = data.draw(st.lists(_in_range(leaf.shape.item), max_size=12, unique=True))
        expected: Any = sorted(value)
    else:
        value = data.draw(_in_range(leaf.shape, path))
        expected = value
    doc = _nest(path, value, {"name": "prop"})
    _keep_consistent(doc, path, value)
    sc = load_scenario(_write_doc(tmp_path, doc))
    got = _get(sc, path)
    assert got == expected


def _bad_value(data: Any, leaf: Any) -> Any:
    """Out of range, or of the wrong type (text, true/false, a date, a table, NaN, inf)."""
    shape = leaf.shape.item if leaf.shape.kind == "list" else leaf.shape
    wrong_type = st.one_of(
        st.text(max_size=10),
        st.booleans(),
        st.dates(),
        st.dictionaries(_KEY, st.integers(), min_size=1, max_size=2),
        st.just(math.nan),
        st.just(math.inf),
    )
    bad = data.draw(st.one_of(_out_of_range(shape), wrong_type))
    if leaf.shape.kind == "list":  # a bad item, or a non-list
        return data.draw(st.sampled_from([[bad], [1, bad], bad]))
    return bad


@_SETTINGS
@given(data=st.data())
def test_property_bad_values_give_one_line_naming_the_field(tmp_path: Path, data: Any) -> None:
    leaf, path = data.draw(concrete_leaf())
    bad = _bad_value(data, leaf)
    doc = _nest(path, bad, {"name": "prop"})
    with pytest.raises(DxsimInputError) as info:
        load_scenario(_write_doc(tmp_path, doc))
    msg = str(info.value)
    assert msg.splitlines() == [msg]
    assert ".".join(path) in msg.replace('"', ""), (msg, path)  # a key with dots is quoted


def _model_locations() -> list[tuple[str, ...]]:
    """Template paths of every table that has fixed keys (root, horizon, crews.<region>, ...)."""
    seen: dict[tuple[str, ...], None] = {(): None}
    for leaf in leaf_fields():
        parts = tuple(leaf.path.split("."))
        for i in range(1, len(parts)):
            seen.setdefault(parts[:i], None)
    return list(seen)


_SAMPLE_KEY = {
    "<operator>": "vnpt",
    "<region>": "central",
    "<year>": "2027",
    "<path>": "works.new_site_permit",
}


@_SETTINGS
@given(loc=st.sampled_from(_model_locations()), key=_KEY, value=st.integers(0, 5) | st.text(max_size=5))
def test_property_unknown_keys_are_named(tmp_path: Path, loc: tuple[str, ...], key: str, value: Any) -> None:
    concrete = tuple(_SAMPLE_KEY.get(p, p) for p in loc)
    _, target = shape_at(concrete)
    assume(target is not None and target.shape.kind == "model")
    assume(key not in target.shape.model_fields and key != "extends")
    doc = _nest(concrete + (key,), value, {"name": "prop"})
    with pytest.raises(DxsimInputError) as info:
        load_scenario(_write_doc(tmp_path, doc))
    msg = str(info.value)
    assert msg.splitlines() == [msg]
    assert info.value.field.replace('"', "") == ".".join(concrete + (key,))  # a key with dots is quoted
    assert f"unknown key {key!r}" in msg


def _load_or_input_error(path: Path) -> None:
    try:
        load_scenario(path)
    except DxsimInputError as err:
        msg = str(err)
        assert msg.splitlines() == [msg]


@_SETTINGS
@given(blob=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_property_random_files_only_raise_input_errors(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_bytes(blob)
    _load_or_input_error(path)


_VOCAB = sorted(
    {p for leaf in leaf_fields() for p in leaf.path.split(".") if not p.startswith("<")}
    | {"viettel", "vnpt", "mobifone", "north", "central", "south", "2026", "1999", "extends"}
)
_SCALARS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=8),
    st.dates(),
    st.datetimes(),
    st.times(),
)
_TOML_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_VOCAB) | _KEY, inner, max_size=4)
    ),
    max_leaves=12,
)


@_SETTINGS
@given(doc=st.dictionaries(st.sampled_from(_VOCAB), _TOML_VALUES, max_size=5), name=st.booleans())
def test_property_random_toml_documents_only_raise_input_errors(
    tmp_path: Path, doc: dict, name: bool
) -> None:
    if name:
        doc["name"] = "fuzz"
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        assume(False)
    path = tmp_path / "doc.toml"
    path.write_text(text, encoding="utf-8")
    _load_or_input_error(path)


def test_swapped_village_population_quantiles_and_repeated_rainy_months_are_refused(tmp_path: Path) -> None:
    """Both passed silently (p90 < p50 was read as p50; [5, 5, 5] as [5]) where every other p50/p90 pair and list
    is refused."""
    p = write(
        tmp_path, "p.toml", 'name = "x"\n[villages.layer]\npopulation_p50 = 600\npopulation_p90 = 100\n'
    )
    assert_names(
        error_of(p), str(p), "villages.layer.population_p90 = 100", "must be >= population_p50 (600.0)"
    )
    m = write(tmp_path, "m.toml", 'name = "x"\n[seasons.north]\nrainy_months = [5, 5, 6]\n')
    assert_names(error_of(m), str(m), "seasons.north.rainy_months", "month 5 is listed twice")
    ok = write(tmp_path, "ok.toml", 'name = "x"\n[seasons.north]\nrainy_months = [10, 5]\n')
    assert load_scenario(ok).seasons["north"].rainy_months == [5, 10]


def test_a_rule_inside_a_list_item_or_across_operators_does_not_say_no_file_sets_it(tmp_path: Path) -> None:
    """`(the default: no file sets it; set it too)` was added to a campaign's deadline and to the operators' shares,
    both set in the file."""
    c = write(
        tmp_path,
        "c.toml",
        'name = "x"\n[[villages.campaigns]]\nname = "c"\nlaunched = 2026-06-01\ndeadline = 2026-01-01\n',
    )
    err = error_of(c)
    assert_names(err, "villages.campaigns[1].deadline = '2026-01-01'", "must be after launched")
    assert "no file sets it" not in str(err)
    s = write(tmp_path, "s.toml", 'name = "x"\n[operators.viettel]\nsubscriber_share_pct = 90\n')
    err = error_of(s)
    assert_names(err, "subscriber_share_pct", "add up to")
    assert "no file sets it" not in str(err)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("model", '"GB300"', "unknown GPU model 'GB300'; allowed: A100"),
        ("dc_hint", '"99"', "dc_hint '99' is not a gso34 province code; allowed: 01"),
    ],
)
def test_a_gpu_order_rule_says_what_is_allowed_once_without_the_list_s_unit(
    tmp_path: Path, field: str, value: str, said: str
) -> None:
    """The rule lists the allowed values itself; the order list's unit ("GPUs per order") is not a text field's."""
    order = {
        "organisation": '"X"',
        "model": '"B200"',
        "gpus": "8",
        "order_date": "2027-01-15",
        "source": '"t"',
    }
    order[field] = value
    body = "\n".join(f"{k} = {v}" for k, v in order.items())
    p = write(tmp_path, "o.toml", f'name = "x"\n[[compute.gpus.extra_orders]]\n{body}\n')
    err = str(error_of(p))
    assert said in err and err.count("allowed") == 1 and "GPUs per order" not in err


def test_an_extra_gpu_order_before_the_start_is_named_as_written(tmp_path: Path) -> None:
    """An option's first extra order placed 4 years before the start: the error names extra_orders[1].order_date and
    its value, in the option's file. It said `compute.gpus."orders[3]"."order_date:"`, a place in no file (the
    baseline's 3 orders come first), and "(the default: no file sets it; set it too)"."""
    base = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    start = dt.date(2025, 10, 31)  # the baseline's start
    early = start - dt.timedelta(days=4 * 365)
    path = write(
        tmp_path,
        "early.toml",
        f'extends = "{base.as_posix()}"\nname = "early"\n'
        "[[compute.gpus.extra_orders]]\n"
        f'organisation = "X"\nmodel = "H100"\ngpus = 10\norder_date = {early.isoformat()}\n',
    )
    err = error_of(path)
    assert err.file == str(path) and err.field == "compute.gpus.extra_orders[1].order_date"
    assert err.value == early.isoformat()
    assert_names(err, f"before the start ({start})")
    assert "gpus.orders" not in str(err) and "default" not in str(err)  # not the index into all_orders


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ('"9-12"', "write it as a list: [9, 10, 11, 12]"),
        ('"9, 10, 11"', "write it as a list: [9, 10, 11]"),
        ("9", "write it as a list: [9]"),
        ('"rainy"', None),  # no numbers in it: no list to copy
    ],
)
def test_one_value_for_a_list_of_numbers_is_given_the_list_it_meant(
    tmp_path: Path, value: str, hint: str | None
) -> None:
    """`rainy_months = "9-12"` was told to write ["9-12"], which is then refused as not a number (new-user trial,
    2026-12-07): a list of numbers is offered the numbers the text names, or no list at all."""
    from dxsim.errors import DxsimInputError
    from dxsim.scenario import load_scenario

    f = tmp_path / "s.toml"
    f.write_text(f'name = "s"\n[seasons.central]\nrainy_months = {value}\n', encoding="utf-8")
    with pytest.raises(DxsimInputError) as err:
        load_scenario(f)
    said = str(err.value)
    assert "seasons.central.rainy_months" in said and "not a list of integers" in said, said
    if hint is None:
        assert "write it as a list" not in said, said
    else:
        assert hint in said, said


def test_start_shares_that_do_not_sum_to_100_are_listed_and_a_fraction_is_named(tmp_path: Path) -> None:
    """start_share_5g_pct = 0.55 (a fraction for 55%) said only "must sum to 100, got 45.55" (new-user trial,
    2026-12-07): each operator's share is listed and the fraction named with the percent to write."""
    from dxsim.scenario import load_scenario

    f = tmp_path / "s.toml"
    f.write_text('name = "s"\n[operators.viettel]\nstart_share_5g_pct = 0.55\n', encoding="utf-8")
    with pytest.raises(DxsimInputError) as err:
        load_scenario(f)
    said = str(err.value)
    assert "must sum to 100, got 45.55 (viettel 0.55, vnpt 30, mobifone 15)" in said, said
    assert "viettel's 0.55 is 0.55%: write 55 for 55%" in said, said
    f.write_text('name = "s"\n[operators.viettel]\nstart_share_5g_pct = 60\n', encoding="utf-8")
    with pytest.raises(DxsimInputError) as err:
        load_scenario(f)
    assert "got 105 (viettel 60, vnpt 30, mobifone 15)" in str(err.value) and "write" not in str(err.value)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            '[[villages.layer.province_surveys]]\ngso34 = "Tuyen Quang"\nvillages_without_power = 5\n'
            "as_of = 2026-01-31\n",
            "villages.layer.province_surveys[1].gso34 = 'Tuyen Quang': a province's name, not its code; write '08' "
            "(Tuyên Quang)",
        ),
        (
            '[compute.datacentres]\npublic_dc_gso34 = "Ha Noi"\n',
            "compute.datacentres.public_dc_gso34 = 'Ha Noi': a province's name, not its code; write '01' (Hà Nội)",
        ),
        (
            '[compute.datacentres]\npublic_dc_gso34 = "HCMC"\n',
            "public_dc_gso34 = 'HCMC': a province's name, not its code; write '79' (Hồ Chí Minh)",
        ),
    ],
)
def test_a_province_s_name_in_a_code_field_of_the_scenario_is_told_its_code(
    tmp_path: Path, body: str, said: str
) -> None:
    """A survey's gso34 = "Tuyen Quang" said only "must be a 2-digit province code", where a campaign's villages are
    told the code of a province they name (new-user trial, 2026-12-07). Codes from the fact table province_regions.csv,
    names as dxsim.province_names reads them."""
    from dxsim.scenario import load_scenario

    f = tmp_path / "s.toml"
    f.write_text('name = "s"\n' + body, encoding="utf-8")
    with pytest.raises(DxsimInputError) as err:
        load_scenario(f)
    assert said in str(err.value), str(err.value)


@pytest.mark.parametrize(
    "section, key, typed, near",
    [
        ("sites", "file_replaces", "province", "provinces"),
        ("radio", "coverage_definition", "outdor", "outdoor"),
        ("radio", "coverage_definition", "sky", None),
    ],
)
def test_a_misspelt_choice_is_told_the_near_one(
    tmp_path: Path, section: str, key: str, typed: str, near: str | None
) -> None:
    """A choice one letter off ("province" for "provinces") names the allowed one it is near, and only then."""
    f = tmp_path / "s.toml"
    f.write_text(f'name = "s"\n[{section}]\n{key} = "{typed}"\n', encoding="utf-8")
    with pytest.raises(DxsimInputError) as ei:
        load_scenario(f)
    line = ei.value.one_line()
    assert f"{section}.{key} = '{typed}'" in line
    assert ("did you mean" in line) == (near is not None)
    if near:
        assert f"did you mean '{near}'?" in line
