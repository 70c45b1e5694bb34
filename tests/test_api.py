"""The Python API (`dxsim.run`): the README example runs as written, its tables agree with its KPIs,
`write()` gives the folder `dxsim run` gives, and bad input is the CLI's one-line error."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import dxsim
from dxsim.api import _chain
from dxsim.errors import DxsimInputError
from dxsim.scenario import canonical_json, load_scenario_data
from dxsim.scenario.loader import check_override
from dxsim.scenario.resolved import extends_chain

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"


def readme_example() -> str:
    """The first ```python block of the README's "Python API" section, verbatim."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    m = re.search(r"```python\n(.*?)```", section, re.S)
    assert m, "README: no python example in the Python API section"
    return m.group(1)


def test_readme_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # "From the repository root": a folder with the repository's scenarios/, so outputs/ lands in tmp_path
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(readme_example(), "README.md (Python API)", "exec"), ns)
    res, folder = ns["res"], ns["folder"]
    printed = capsys.readouterr().out

    # the dict overrode one value and inherited the rest from baseline.toml
    base = dxsim.load_scenario(BASELINE)
    assert res.scenario.crews["north"].teams == 600
    assert res.scenario.crews["central"].teams == base.crews["central"].teams
    assert res.scenario.horizon.end_date.isoformat() == "2026-06-30"
    assert res.summary["seed"] == 1 and res.summary["reps"] == 2
    assert sorted(res.metrics["replication"].unique().to_list()) == [0, 1]

    # the KPIs are the quantiles of the metrics table over replications (P10/P90 of two = min/max)
    vals = sorted(
        res.metrics.filter(
            pl.col("area") == "VN", pl.col("metric") == "stations_5g", pl.col("date") == pl.date(2026, 6, 30)
        )["value"].to_list()
    )
    assert len(vals) == 2
    k = res.kpis
    assert (k["stations_5g_2026_06_p10"], k["stations_5g_2026_06_p90"]) == (vals[0], vals[1])
    assert k["stations_5g_2026_06"] in vals
    assert printed.splitlines()[0].split() == [
        repr(k[f"stations_5g_2026_06{s}"]) for s in ("", "_p10", "_p90")
    ]
    assert "2026-06-30" in printed
    # the example's P50 of a metric is dxsim's rule (an observed value, numpy's inverted_cdf), as it says
    cov = res.metrics.filter(pl.col("area") == "VN", pl.col("metric") == "pop_covered_5g_pct")
    shown = cov.group_by("date").agg(pl.col("value").quantile(0.5, interpolation="lower")).sort("date")
    for date, value in shown.iter_rows():
        per_rep = cov.filter(pl.col("date") == date)["value"].to_numpy()
        assert value == float(np.quantile(per_rep, 0.5, method="inverted_cdf")), date

    # write(): the run's folder, with map and report, holding exactly these tables
    assert folder == tmp_path / "outputs" / "north-600-teams"  # not a shipped scenario's folder
    for name in ("summary.json", "metrics.parquet", "sites_5g.parquet", "map.html", "report.html"):
        assert (folder / name).is_file(), name
    assert json.loads((folder / "summary.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(res.summary)
    )
    assert pl.read_parquet(folder / "metrics.parquet").equals(res.metrics)
    assert pl.read_parquet(folder / "sites_5g.parquet").equals(res.sites)
    assert res.villages is not None and res.datacentres is not None
    assert pl.read_parquet(folder / "villages.parquet").equals(res.villages)


def test_write_gives_the_folder_dxsim_run_gives(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.toml"
    tiny.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "tiny-api"\nreplications = 1\n'
        "[horizon]\nend_date = 2026-01-31\n",
        encoding="utf-8",
    )
    res = dxsim.run(dxsim.load_scenario(tiny), seed=5, base_dir=tmp_path)  # a Scenario object
    api = res.write(tmp_path / "api", with_map=False, with_report=False)
    cli = tmp_path / "cli"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "dxsim.cli.main",
            "run",
            str(tiny),
            "--seed",
            "5",
            "--out",
            str(cli),
            "--no-map",
            "--no-report",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stderr

    assert sorted(p.name for p in api.iterdir()) == sorted(p.name for p in cli.iterdir())
    a = json.loads((api / "summary.json").read_text(encoding="utf-8"))
    c = json.loads((cli / "summary.json").read_text(encoding="utf-8"))
    assert a.pop("scenario_file") is None and c.pop("scenario_file") == str(tiny)  # no file behind an object
    assert a == c
    for table in sorted(p.name for p in cli.glob("*.parquet")):
        assert pl.read_parquet(api / table).equals(pl.read_parquet(cli / table)), table
    # a folder of the user's is refused, in the API's own words (its argument, not the CLI's --out)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DxsimInputError) as exc:
        res.write(mine, with_map=False, with_report=False)
    assert f"out_dir = '{mine}'" in str(exc.value) and "--out" not in str(exc.value)
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    ("call", "parts"),
    [
        (
            lambda: dxsim.run({"name": "x", "crews": {"north": {"teem": 3}}}),
            ("crews.north.teem", "did you mean 'teams'"),
        ),
        (
            lambda: dxsim.run({"extends": "no-such.toml", "name": "x"}, base_dir=REPO),
            ("extends", "no-such.toml"),
        ),
        (lambda: dxsim.run(str(REPO / "scenarios" / "no-such.toml")), ("no-such.toml", "not found")),
        (lambda: dxsim.run(BASELINE, base_dir=REPO), ("base_dir",)),
        (lambda: dxsim.run(42), ("scenario = 42", "not a scenario (a int)")),  # the value, not only its type
        (lambda: dxsim.run(BASELINE, reps=0), ("reps", "between 1 and 100000")),
        (lambda: dxsim.run(BASELINE, reps=2.5), ("reps",)),
        (lambda: dxsim.run(BASELINE, reps=True), ("reps",)),
        (lambda: dxsim.run(BASELINE, seed=-1), ("seed", "between 0 and 4294967295")),
        (lambda: dxsim.run(BASELINE, seed=2**32), ("seed",)),
        (lambda: dxsim.run(BASELINE, seed=np.int64(-1)), ("seed = -1", "between 0 and 4294967295")),
        (lambda: dxsim.load_scenario(None), ("scenario = 'None'", "a path to a .toml scenario file")),
        (lambda: dxsim.load_scenario(5), ("scenario = 5", "not a scenario file")),
        (lambda: dxsim.run(BASELINE, workers=-1), ("workers = -1", "not a number of worker processes")),
        (lambda: dxsim.run(BASELINE, workers="abc"), ("workers = 'abc'", "whole number of worker")),
        (lambda: dxsim.run(BASELINE, workers=1.5), ("workers = 1.5",)),
    ],
)
def test_bad_input_is_a_one_line_error_before_any_work(call, parts) -> None:
    with pytest.raises(DxsimInputError) as exc:
        call()
    line = str(exc.value)
    assert "\n" not in line
    for part in parts:
        assert part in line, (part, line)


def test_numpy_integers_and_dicts_are_what_a_notebook_passes() -> None:
    """`seed=np.int64(1)` said "seed = 1: not allowed ... (allowed: an integer ...)"; load_scenario(dict) raised
    a TypeError."""
    assert check_override("seed", np.int64(7), option="seed") == 7
    assert type(check_override("replications", np.int32(3), option="reps")) is int
    assert dxsim.load_scenario({"name": "x", "seed": 5}).seed == 5


def test_write_refuses_what_is_no_path() -> None:
    res = object.__new__(dxsim.RunResult)  # write checks its argument before it reads the run
    for bad in (None, 5):
        with pytest.raises(DxsimInputError) as exc:
            res.write(bad)  # type: ignore[arg-type]
        assert "out_dir" in str(exc.value) and "\n" not in str(exc.value)


def test_dict_input_means_what_the_same_file_means() -> None:
    text = (REPO / "scenarios" / "rural-700mhz.toml").read_text(encoding="utf-8")
    as_dict = load_scenario_data(tomllib.loads(text), base_dir=REPO / "scenarios")
    assert canonical_json(as_dict) == canonical_json(
        dxsim.load_scenario(REPO / "scenarios" / "rural-700mhz.toml")
    )
    # years may be Python ints, as a notebook writes them; the other years stay the defaults
    sc = load_scenario_data({"name": "x", "operators": {"vnpt": {"annual_new_5g_sites": {2026: 123}}}})
    base = dxsim.load_scenario(BASELINE).operators["vnpt"].annual_new_5g_sites
    assert sc.operators["vnpt"].annual_new_5g_sites == {**base, 2026: 123}


def test_import_is_light_and_exports_the_api() -> None:
    code = (
        "import sys, dxsim; print(sorted(m for m in ('dxsim.scenario', 'dxsim.api', 'polars', 'pydantic') "
        "if m in sys.modules)); print(dxsim.run.__module__, dxsim.Scenario.__name__, dxsim.load_scenario.__name__, "
        "dxsim.DxsimInputError.__module__)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["[]", "dxsim.api Scenario load_scenario dxsim.errors"]
    assert {"run", "Scenario", "load_scenario", "DxsimInputError", "__version__"} <= set(dxsim.__all__)


def test_a_costly_job_is_refused_with_its_estimate_as_on_the_command_line() -> None:
    with pytest.raises(DxsimInputError, match=r"estimated about .* h and .* GB") as refused:
        dxsim.run(REPO / "scenarios" / "baseline.toml", reps=100_000)
    # in the API's own words: it has `yes=True` and `workers`, no --yes or --workers (Python API trial)
    said = str(refused.value)
    assert "add yes=True to run it anyway" in said and "fewer workers" in said and "--" not in said


def test_a_run_from_the_api_records_the_files_it_came_from() -> None:
    """scenario.resolved.toml of `dxsim.run(path)` said "Made from: (no file)"; a dict that `extends` a file recorded
    that file nowhere."""
    chain = extends_chain(BASELINE)
    assert chain and _chain(str(BASELINE), BASELINE, BASELINE.parent) == chain
    assert _chain({"extends": "scenarios/baseline.toml", "name": "x"}, None, REPO) == chain
    assert _chain({"name": "x"}, None, REPO) == []


def test_an_edited_scenario_is_validated_again_as_a_whole() -> None:
    """A field changed after loading was checked alone: operator shares summing to 140 ran (and the run's own
    scenario.resolved.toml was then refused by `dxsim validate`), and a seed of "abc" failed inside the run with
    int()'s message (Python API trial). `run` now validates a Scenario as a file is, before any work."""
    sc = dxsim.load_scenario(BASELINE)
    sc.operators["viettel"].start_share_5g_pct = 95.0
    with pytest.raises(DxsimInputError) as shares:
        dxsim.run(sc, reps=1)
    assert "start_share_5g_pct" in str(shares.value) and "100" in str(shares.value)
    assert "\n" not in str(shares.value)
    with pytest.raises(DxsimInputError) as seed:
        dxsim.run(dxsim.load_scenario(BASELINE).model_copy(update={"seed": "abc"}), reps=1)
    assert "seed" in str(seed.value) and "abc" in str(seed.value)


def test_a_loaded_scenario_keeps_its_folder_and_the_result_its_own_copy(tmp_path: Path) -> None:
    """`run(load_scenario(path))` looked for the scenario's relative files in the current folder (a file of the same
    name there would have been taken), and `RunResult.scenario` was the caller's object: its seed, not the run's, and
    any later edit (Python API trial)."""
    from dxsim.api import _resolve

    sub = tmp_path / "plans"
    sub.mkdir()
    (sub / "s.toml").write_text(f'extends = "{BASELINE.as_posix()}"\nname = "s"\n', encoding="utf-8")
    assert _resolve(dxsim.load_scenario(sub / "s.toml"), None)[1] == sub
    assert _resolve(load_scenario_data({"name": "d"}, base_dir=sub), None)[1] == sub
    assert _resolve(dxsim.load_scenario(sub / "s.toml"), tmp_path)[1] == tmp_path  # base_dir still wins
    sc = dxsim.load_scenario(BASELINE)
    res = dxsim.run(sc, reps=1, seed=7)
    assert (
        (res.scenario.seed, res.scenario.replications) == (7, 1) == (res.summary["seed"], res.summary["reps"])
    )
    sc.crews["north"].teams = 999
    assert res.scenario.crews["north"].teams == dxsim.load_scenario(BASELINE).crews["north"].teams != 999
