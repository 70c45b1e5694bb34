"""The village legend's power options against the villages the map draws, in the map `dxsim run` wrote.

The least-cost option (scenarios/villages-least-cost.toml) without the villages that have grid power has, by
construction, no village on the grid already; the baseline uses every option. Which options are in use is read from
each run's villages.parquet. (The least-cost run itself once took no grid extension, but that follows the data: one
village 1.3 km from the grid took it once each province's people followed the census.)
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from conftest import dxsim_cmd

REPO = Path(__file__).resolve().parent.parent
LEAST_COST = REPO / "scenarios" / "villages-least-cost.toml"
# villages.parquet `power` -> the legend's words for it (English)
POWER_WORDS = {
    "grid_extension": "grid extension (22 kV line)",
    "offgrid_solar": "off-grid solar",
    "existing_grid": "grid power already (signal only)",
}


@pytest.fixture(scope="module")
def least_cost_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dxsim run` of the least-cost option without the villages that have grid power (`--no-report`): the folder as
    the command wrote it."""
    tmp = tmp_path_factory.mktemp("least-cost")
    scenario = tmp / "no-with-power.toml"
    scenario.write_text(
        f'extends = "{LEAST_COST.as_posix()}"\nname = "no-with-power"\n'
        "[villages.layer]\ninclude_with_power = false\n",
        encoding="utf-8",
    )
    out = tmp / "villages-least-cost"
    r = dxsim_cmd("run", str(scenario), "--no-report", "--out", str(out), env={"DXSIM_LANG": "en"})
    assert r.returncode == 0, r.stderr
    return out


def _legend_power_rows(browser, map_path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Power option words -> the whole legend row, as the browser shows the villages legend."""
    page = browser.new_page()
    try:
        page.goto(map_path.resolve().as_uri(), wait_until="load")
        rows = page.locator('[data-family="villages"] .dx-row').all_inner_texts()
    finally:
        page.close()
    out = {}
    for words in POWER_WORDS.values():
        hits = [r.strip() for r in rows if r.strip().startswith(words)]
        assert len(hits) == 1, (words, rows)
        out[words] = hits[0]
    return out


@pytest.mark.parametrize("which", ["least_cost", "baseline"])
def test_power_options_no_village_took_say_none(browser, which, least_cost_dir, cli_baseline) -> None:  # type: ignore[no-untyped-def]
    run_dir = least_cost_dir if which == "least_cost" else cli_baseline
    used = set(pl.read_parquet(run_dir / "villages.parquet")["power"].drop_nulls().to_list())
    if which == "least_cost":
        assert "existing_grid" not in used and used  # the premise: an option absent from this run's map
    else:
        assert used == set(POWER_WORDS)
    rows = _legend_power_rows(browser, run_dir / "map.html")
    for key, words in POWER_WORDS.items():
        assert rows[words].endswith("(none)") == (key not in used), rows[words]
