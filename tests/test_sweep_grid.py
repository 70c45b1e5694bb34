"""method = "grid": the values a planner chose, every combination run (dxsim.sweep).

Why: a provincial planner asking "what if the village budget were 250, 500 or 1,000 bn" could only get Latin-hypercube
budgets such as 809.6476857296142. Checked: the design is the full product in file order, runs.csv holds exactly
those values, the indices are Spearman's rho of them (recomputed with scipy), and each bad grid is one line.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import BASELINE

from dxsim.errors import DxsimInputError
from dxsim.sweep import run_sweep
from dxsim.sweep.sampling import design
from dxsim.sweep.spec import check_size, load_sweep, n_runs

GRID = """
[[parameters]]
path = "supply.deliveries_per_month"
values = [3000, 1000, 6000]

[[parameters]]
path = "crews.north.teams"
values = [60, 400]
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("gridbase")
    p = d / "short.toml"
    p.write_text(
        f'extends = "{BASELINE}"\nname = "short"\n[horizon]\nend_date = 2026-06-30\n', encoding="utf-8"
    )
    return p


def grid_file(d: Path, base: Path, params: str = GRID, extra: str = "") -> Path:
    p = d / "g.toml"
    p.write_text(
        f'base = "{base}"\nmethod = "grid"\nseed = 11\nkpis = ["pop_covered_5g_pct_2026_06", "capex_total_vnd_bn"]\n'
        f"{extra}\n{params}",
        encoding="utf-8",
    )
    return p


def test_the_grid_is_every_combination_in_file_order(tmp_path: Path, base: Path) -> None:
    spec = load_sweep(grid_file(tmp_path, base))
    assert n_runs(spec) == 6 == check_size(spec) and spec.samples == 6
    want = list(itertools.product([3000, 1000, 6000], [60, 400]))  # the last parameter fastest
    assert [tuple(v.values()) for v in design(spec).values] == want
    assert [p.low for p in spec.parameters] == [1000, 60] and [p.high for p in spec.parameters] == [6000, 400]


def test_a_grid_sweep_runs_the_chosen_values_and_ranks_them_by_rho(tmp_path: Path, base: Path) -> None:
    from scipy.stats import spearmanr

    res = run_sweep(grid_file(tmp_path, base), out_dir=tmp_path / "o", workers=0)
    runs = pl.read_csv(tmp_path / "o" / "runs.csv")
    assert list(zip(runs["supply.deliveries_per_month"], runs["crews.north.teams"], strict=True)) == list(
        itertools.product([3000, 1000, 6000], [60, 400])
    )
    idx = pl.read_csv(tmp_path / "o" / "indices.csv")
    assert set(idx["index"].to_list()) == {"rho"}  # no RBD-FAST: a grid is not a space-filling sample
    kpi = "capex_total_vnd_bn"
    for p in ("supply.deliveries_per_month", "crews.north.teams"):
        got = idx.filter((pl.col("kpi") == kpi) & (pl.col("parameter") == p))["value"].item()
        x, y = runs[p].to_numpy(), runs[kpi].to_numpy()
        want = spearmanr(x, y).statistic if np.ptp(y) > 0 else None
        assert (got is None and want is None) or got == pytest.approx(want, abs=1e-12), (p, got, want)
    md = (tmp_path / "o" / "drivers.md").read_text(encoding="utf-8")
    assert "grid, N = 6, 6 runs" in md and "S1 = RBD-FAST" not in md  # no S1 defined where none is given
    assert res.runs.height == 6


@pytest.mark.parametrize(
    ("params", "extra", "words"),
    [
        ('[[parameters]]\npath = "crews.north.teams"\nvalues = [60]\n', "", ("values", "at least two")),
        (
            '[[parameters]]\npath = "crews.north.teams"\nvalues = [60, 60.5]\n',
            "",
            ("values[2] = 60.5", "whole number"),
        ),
        (
            '[[parameters]]\npath = "crews.north.teams"\nvalues = [60, 60]\n',
            "",
            ("values[2] = 60", "listed twice"),
        ),
        (
            '[[parameters]]\npath = "crews.north.teams"\nvalues = [60, -5]\n',
            "",
            ("values[2] = -5", "out of range", "between 0 and 20000"),
        ),
        ('[[parameters]]\npath = "crews.north.teams"\nlow = 1\nhigh = 9\n', "", ("low", "not a range")),
        (GRID, "samples = 8", ("samples", "every combination")),
    ],
)
def test_a_bad_grid_is_one_line(
    tmp_path: Path, base: Path, params: str, extra: str, words: tuple[str, ...]
) -> None:
    f = grid_file(tmp_path, base, params, extra)
    with pytest.raises(DxsimInputError) as e:
        load_sweep(f)
    msg = str(e.value)
    assert msg.splitlines() == [msg] and str(f) in msg
    for w in words:
        assert w in msg, (w, msg)


def test_values_belong_to_a_grid_only(tmp_path: Path, base: Path) -> None:
    p = tmp_path / "l.toml"
    p.write_text(
        f'base = "{base}"\nmethod = "lhs"\nsamples = 4\nkpis = ["capex_total_vnd_bn"]\n'
        '[[parameters]]\npath = "crews.north.teams"\nvalues = [60, 400]\n',
        encoding="utf-8",
    )
    with pytest.raises(DxsimInputError, match=r"values = \[\.\.\.\] is for method = 'grid'"):
        load_sweep(p)
