"""What held a province's villages, the line `run --province` and the report give (dxsim.results.villages).

Why: the national village line named lead time and permits, while the budget held 58 of Tuyên Quang's 273 villages,
the last of them 427 days (provincial planner trial). Counted here by hand from a small table; the line a real
`run --province` printed is held to the villages table it wrote in tests/test_run_outputs.py.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dxsim.results.villages import province_held_line


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
    import json
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
