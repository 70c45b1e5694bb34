"""What held a province's villages, the line `run --province` and the report give (dxsim.results.villages).

Why: the national village line named lead time and permits, while the budget held 58 of Tuyên Quang's 273 villages,
the last of them 427 days (provincial planner trial). Counted here by hand from a small table; the line a real
`run --province` printed is held to the villages table it wrote in tests/test_run_outputs.py.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import polars as pl

from dxsim.results.village_lines import province_held_line


def _table(rows: list[tuple[str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"gso34": [g for g, _c in rows], "held_longest_by": [c for _g, c in rows]},
        schema={"gso34": pl.String, "held_longest_by": pl.String},
    )


def test_the_causes_are_counted_per_village_most_first_and_the_budget_explained() -> None:
    t = _table(
        [("08", "budget"), ("08", "permits"), ("08", "budget"), ("08", None), ("08", ""), ("11", "permits")]
        + [("08", "backhaul")] * 3
    )
    line = province_held_line(t, "08", "Tuyên Quang")
    assert line is not None
    # 8 villages of 08; 6 held: backhaul 3, budget 2, permits 1; the two never held are in the total only
    assert line.startswith("Tuyên Quang: what held its 8 villages longest")
    assert (
        line.index("site and backhaul lead time and works 3")
        < line.index("budget 2")
        < line.index("permits 1")
    )
    assert "budget: not started while the year's village programme budget was used up" in line
    assert (
        "the start year's is pro rata to the months left" in line
    )  # 2025's 300 bn was 49 bn from 2025-10-31
    # another province: its own villages only, no budget clause without a budget-held village
    other = province_held_line(t, "11", "Điện Biên")
    assert other is not None and "its 1 villages" in other and "permits 1" in other and "budget" not in other
    assert province_held_line(t, "01", "Hà Nội") is None  # none in the layer
    assert province_held_line(_table([("08", None)]), "08", "Tuyên Quang") == (
        "Tuyên Quang: nothing held its 1 villages back (replication 0)"
    )


def test_the_map_popup_says_what_held_each_village_longest(cli_baseline: Path) -> None:
    """The map's village popups had dates but not what held a late village (provincial planner trial): each popup of
    the map `dxsim run` wrote has the cause and days of its village's row in villages.parquet."""
    import re

    from dxsim.results.bottlenecks import CAUSE_NOUN

    page = (cli_baseline / "map.html").read_text(encoding="utf-8")
    m = re.search(r"^var DX_VILLAGES = (.*);$", page, re.M)
    assert m is not None
    pops = [r["p"] for r in json.loads(m.group(1))]
    v = pl.read_parquet(cli_baseline / "villages.parquet")
    assert len(pops) == v.height
    held = v.filter(pl.col("held_longest_by").fill_null("") != "")
    assert held.height > 0
    texts = []
    for p in pops:
        cell = re.search(r"<td>held longest by</td><td>([^<]*)</td>", p)
        assert cell is not None, p[:300]
        texts.append(cell.group(1))
    for r in held.iter_rows(named=True):
        want = f"{CAUSE_NOUN[r['held_longest_by']]}, {r['held_longest_days']:,.0f} days"
        assert want in texts, want
    assert texts.count("–") == v.height - held.height


def test_the_last_village_and_what_held_it_longest() -> None:
    """The village the 'last village connected' KPI dates, and its cause (a synthetic one says so); feasible villages
    never connected are counted by cause (the lowest id of 33 said "permits" where 21 waited for the budget,
    re-trial); an infeasible one is not the programme's last."""
    import datetime as dt

    from dxsim.results.village_lines import last_village_line

    t = pl.DataFrame(
        {
            "village_id": ["A", "B", "C", "D", "E"],
            "province": ["Tuyên Quang", "Lai Châu", "Điện Biên", "Lai Châu", "Tuyên Quang"],
            "synthetic": [True, False, True, False, True],
            "feasible": [True, True, True, False, True],
            "connected_date": [
                dt.date(2027, 3, 1),
                dt.date(2028, 5, 9),
                dt.date(2026, 1, 2),
                None,
                dt.date(2026, 5, 1),
            ],
            "held_longest_by": ["budget", "permits", None, None, "budget"],
            "held_longest_days": [427.0, 734.4, None, None, 62.0],
        }
    )
    assert last_village_line(t) == (
        "villages: the last connected, B (Lai Châu) in 2028-05, was held longest by permits (734 days) (replication 0)"
    )
    late = t.with_columns(
        pl.when(pl.col("village_id").is_in(["A", "B", "E"]))
        .then(None)
        .otherwise(pl.col("connected_date"))
        .alias("connected_date")
    )
    assert last_village_line(late) == (
        "villages: 3 feasible not connected within the horizon (replication 0), held longest by budget 2, permits 1"
    )
    calm = t.filter(pl.col("village_id") == "C")
    assert last_village_line(calm) == (
        "villages: the last connected, C (Điện Biên, synthetic) in 2026-01, was never held back (replication 0)"
    )
    assert last_village_line(t.filter(pl.col("village_id") == "D")) is None  # no feasible village


def test_run_prints_the_last_village_line_of_the_table_it_wrote(cli_baseline: Path) -> None:
    """`dxsim run`'s output holds the line for the villages.parquet it wrote (replication 0)."""
    from dxsim.results.village_lines import last_village_line

    v = pl.read_parquet(cli_baseline / "villages.parquet")
    line = last_village_line(v)
    assert line is not None
    said = (cli_baseline.parent / "stdout.txt").read_text(encoding="utf-8")
    assert line in said.splitlines()


def test_the_map_popup_says_when_the_bridge_gave_power_before_the_grid_line(cli_baseline: Path) -> None:
    """N001 read "power on 2025-12-12" beside "connected 2027-02-05", its grid line energised on 2027-02-14 (re-trial):
    a village powered first by the utility's generator bridge says so, with its grid line's date."""
    import re

    page = (cli_baseline / "map.html").read_text(encoding="utf-8")
    m = re.search(r"^var DX_VILLAGES = (.*);$", page, re.M)
    assert m is not None
    powers = [
        re.search(r"<td>power on</td><td>([^<]*)</td>", r["p"]).group(1)  # type: ignore[union-attr]
        for r in json.loads(m.group(1))
    ]
    v = pl.read_parquet(cli_baseline / "villages.parquet")
    bridged = v.filter(
        pl.col("power_bridge_date").is_not_null() & (pl.col("power_date") == pl.col("power_bridge_date"))
    )
    assert bridged.height > 0  # the premise: the baseline's no-power campaign bridges villages
    for r in bridged.iter_rows(named=True):
        grid = f"; grid line {r['grid_date']:%Y-%m-%d}" if r["grid_date"] is not None else ""
        bridge = html.escape("the utility's generator bridge")
        want = f"{r['power_date']:%Y-%m-%d} ({bridge}{grid})"
        assert want in powers, (r["village_id"], want)
    assert sum("generator bridge" in p for p in powers) == bridged.height
