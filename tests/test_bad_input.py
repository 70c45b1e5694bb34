"""What users did to break dxsim (issue 10): out-of-range seeds, a start state placed in 2015, a
horizon to 2055, 100,000 replications, a FIFO or /dev/zero as the scenario file, 10,000-deep TOML,
a truncated geodata cache and damaged result folders.

Each must end cleanly: exit 2 (bad input) with ONE line on stderr naming the file or option, the
value and what is allowed or what to do, no traceback and nothing written; a damaged cache is
rebuilt and the run succeeds. The CLI is run as a user runs it (a subprocess of the installed
`dxsim`); the allowed ranges are read from the schema, not repeated here, and the estimates are
checked against the benchmark figures and the drawn AI jobs, not against the estimator's formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import simpy
from conftest import one_line_error as conftest_one_line

from dxsim.errors import DxsimInputError
from dxsim.geo.planner_files import check_village_ids, needs_village_layer
from dxsim.scenario import json_schema, load_scenario
from dxsim.scenario import schema as schema_mod
from dxsim.scenario.docs import defaults_json
from dxsim.scenario.loader import MAX_NESTING, MAX_SCENARIO_BYTES
from dxsim.sim.calendar import Clock
from dxsim.sim.compute import demand as demand_mod

REPO = Path(__file__).resolve().parent.parent
DXSIM = Path(sys.executable).parent / "dxsim"
BASELINE = REPO / "scenarios" / "baseline.toml"
PUSH = REPO / "scenarios" / "push-5g.toml"
REPO_CACHE = REPO / "geodata" / "cache"


def dxsim(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    e = dict(os.environ)
    e.setdefault("DXSIM_RAW_DATA", str(REPO.parent / "shared" / "geodata"))
    e.update({"COLUMNS": "200", "NO_COLOR": "1"})
    e.update(env or {})
    return subprocess.run(
        [str(DXSIM), *args], cwd=REPO, env=e, capture_output=True, text=True, timeout=timeout, check=False
    )


def one_line_error(res: subprocess.CompletedProcess[str], *parts: str) -> str:
    """Exit 2, exactly one line on stderr, no traceback, and every part named in it."""
    assert res.returncode == 2, (res.returncode, res.stdout[-2000:], res.stderr[-2000:])
    return conftest_one_line(res.stderr, res.stdout, *parts)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- 1. --seed / --reps


SEED_MAX = json_schema()["properties"]["seed"]["maximum"]
SEED_MIN = json_schema()["properties"]["seed"]["minimum"]
REPS_MAX = json_schema()["properties"]["replications"]["maximum"]


@pytest.mark.parametrize("seed", [-1, 2**32, 2**64 + 1])
@pytest.mark.parametrize("command", ["run", "compare"])
def test_seed_outside_the_schema_range_is_refused(seed: int, command: str, tmp_path: Path) -> None:
    assert (SEED_MIN, SEED_MAX) == (0, 2**32 - 1)  # the range a scenario file's `seed` is held to
    files = [str(BASELINE)] + ([str(PUSH)] if command == "compare" else [])
    out = tmp_path / "out"
    res = dxsim(command, *files, "--seed", str(seed), "--out", str(out))
    line = one_line_error(res, "--seed", str(seed), f"{SEED_MAX}")
    assert ("too small" if seed < SEED_MIN else "too large") in line
    assert not out.exists()


def _imported(stderr: str) -> set[str]:
    """The modules a `python -X importtime` process imported, from its stderr."""
    return {ln.rsplit("|", 1)[1].strip() for ln in stderr.splitlines() if ln.startswith("import time:")}


@pytest.mark.parametrize("command", ["run", "compare", "validate"])
def test_a_refused_scenario_loads_no_model_module(command: str, tmp_path: Path) -> None:
    """A scenario refused for a bad field is refused by the scenario layer alone: the model's modules (numba, polars,
    the simulation) took ~1 s of every such refusal before they were imported only once the files are known good
    (`dxsim validate` still took 0.9 s where `run` took 0.5, 2026-12-07). The same command with good files but a
    refused output folder (validate: good files) gets past the scenario checks and imports them, so the import check
    could fail."""
    bad = write(
        tmp_path / "bad.toml",
        f'name = "bad"\nextends = "{BASELINE}"\n[sites]\npeople_per_5g_site_dense = -4\n',
    )
    files = [str(bad)] if command != "compare" else [str(bad), str(BASELINE)]
    timed = {"PYTHONPROFILEIMPORTTIME": "1"}  # = python -X importtime: each import's line on stderr
    res = dxsim(command, *files, env=timed)
    assert res.returncode == 2, res.stderr[-2000:]
    refusal = [ln for ln in res.stderr.splitlines() if not ln.startswith("import time:")]
    assert len(refusal) == 1 and "sites.people_per_5g_site_dense = -4" in refusal[0], refusal
    heavy = {"numba", "polars", "dxsim.sim", "dxsim.runner", "dxsim.geo"}
    assert not heavy & _imported(res.stderr)
    if (
        command == "validate"
    ):  # good files: their planner files and villages are checked with the model's modules
        res = dxsim(command, str(BASELINE), env=timed)
        assert res.returncode == 0, res.stderr[-2000:]
        assert {"numba", "polars"} <= _imported(res.stderr)
        return
    # good files, a user's folder as --out: refused after the scenario checks, with the model's modules loaded
    mine = tmp_path / "mine"
    mine.mkdir()
    write(mine / "notes.txt", "mine")
    files = [str(BASELINE)] if command == "run" else [str(BASELINE), str(PUSH)]
    res = dxsim(command, *files, "--out", str(mine), env=timed)
    assert res.returncode == 2, res.stderr[-2000:]
    assert {"numba", "polars"} <= _imported(res.stderr)
    assert (mine / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("case", ["seed", "reps", "field", "folder"])
def test_a_refused_run_starts_no_helper_process(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output helper (a second Python process, ~0.4 CPU s of imports) starts only once the input is known good:
    a refused run must not pay for it. Counted in this process (typer's CliRunner), where `Sidecar.start` is seen."""
    from typer.testing import CliRunner

    from dxsim.cli.main import app
    from dxsim.output_helper import Sidecar

    started: list[tuple[str, ...]] = []
    monkeypatch.setattr(Sidecar, "start", classmethod(lambda cls, work=("gis",): started.append(work)))
    out = tmp_path / "out"
    args = {
        "seed": [str(BASELINE), "--seed", "-1"],
        "reps": [str(BASELINE), "--reps", str(REPS_MAX + 1)],
        "field": [str(write(tmp_path / "bad.toml", f'extends = "{BASELINE}"\nseed = -3\n'))],
        "folder": [str(BASELINE)],
    }[case]
    if case == "folder":  # a user's folder that is no run of dxsim's
        out.mkdir()
        write(out / "notes.txt", "mine")
    res = CliRunner().invoke(app, ["run", *args, "--out", str(out)])
    assert res.exit_code == 2, (res.stdout, res.stderr, res.exception)
    assert started == []
    # the same call with good input starts it, so the count above could fail
    res = CliRunner().invoke(
        app, ["run", str(BASELINE), "--reps", "1", "--no-map", "--no-report", "--out", str(tmp_path / "ok")]
    )
    assert res.exit_code == 0, (res.stdout, res.stderr, res.exception)
    assert started[:1] == [("gis",)]  # --no-map --no-report: the GIS layers only (output_helper.sidecar_work)


def test_seed_at_the_top_of_the_range_passes_the_seed_check(tmp_path: Path) -> None:
    # refused for its cost, not its seed: the seed check ran first and let 2^32 - 1 through
    res = dxsim(
        "run", str(BASELINE), "--seed", str(SEED_MAX), "--reps", str(REPS_MAX), "--out", str(tmp_path / "o")
    )
    line = one_line_error(res, "--reps", "add --yes")
    assert "--seed" not in line


def test_reps_beyond_the_schema_is_refused(tmp_path: Path) -> None:
    res = dxsim("run", str(BASELINE), "--reps", str(REPS_MAX + 1), "--out", str(tmp_path / "o"))
    one_line_error(res, "--reps", str(REPS_MAX + 1), "too large", f"{REPS_MAX}")


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_sweep_seed_outside_the_schema_range_is_refused(seed: int, tmp_path: Path) -> None:
    sweep = write(
        tmp_path / "sw.toml",
        f'base = "{BASELINE}"\nmethod = "lhs"\nsamples = 4\nseed = {seed}\n'
        'kpis = ["capex_total_vnd_bn"]\n[[parameters]]\n'
        'path = "crews.north.teams"\nlow = 200\nhigh = 700\n',
    )
    out = tmp_path / "out"
    one_line_error(
        dxsim("sweep", str(sweep), "--out", str(out), "--workers", "0"),
        "sw.toml",
        "seed",
        str(seed),
        f"{SEED_MAX}",
    )
    assert not out.exists()


# --------------------------------------------------------------------------- 4. costly jobs


def _estimate_from(line: str) -> tuple[float, float]:
    """(hours, GB) stated in a refusal line."""
    m = re.search(r"estimated about ([\d.,]+) (s|min|h) and ([\d.,]+) (MB|GB)", line)
    assert m, line
    t = float(m.group(1).replace(",", "")) * {"s": 1 / 3600, "min": 1 / 60, "h": 1.0}[m.group(2)]
    size = float(m.group(3).replace(",", "")) * (1.0 if m.group(4) == "GB" else 1e-3)
    return t, size


def test_100000_replications_are_estimated_and_refused(tmp_path: Path) -> None:
    out = tmp_path / "o"
    res = dxsim("run", str(BASELINE), "--reps", "100000", "--out", str(out))
    line = one_line_error(res, "--reps", "100000", "add --yes to run it anyway", "over the budget")
    hours, gb = _estimate_from(line)
    # bench/RESULTS.md section 1: 0.489 s per replication to 2030 -> 13.6 h; within a factor of two
    assert 0.5 * 13.6 < hours < 2 * 13.6
    # the whole metrics tables go to disk as replications finish (dxsim.results.spool); what stays in memory
    # is each replication's national rows: 113 metrics x 59 month ends x ~40 bytes ~ 0.27 MB, 100,000 of them
    # ~27 GB, over the 16 GB budget
    assert 16 < gb < 60
    assert not out.exists()


def test_replications_from_the_file_are_estimated_too(tmp_path: Path) -> None:
    sc = write(tmp_path / "many.toml", f'extends = "{BASELINE}"\nname = "many"\nreplications = {REPS_MAX}\n')
    res = dxsim("run", str(sc), "--out", str(tmp_path / "o"))
    one_line_error(res, "many.toml", "replications", str(REPS_MAX), "add --yes")


def test_compare_counts_reps_times_scenarios_and_yes_overrides(tmp_path: Path) -> None:
    res = dxsim("compare", str(BASELINE), str(PUSH), "--reps", "5000")
    line = one_line_error(res, "--reps", "5000", "10,000 replication(s)", "add --yes")
    hours, _ = _estimate_from(line)
    assert 0.5 * 10_000 * 0.489 / 3600 < hours < 2 * 10_000 * 0.489 / 3600
    # with --yes the estimate no longer stops it: the next check (a folder dxsim did not write) does
    foreign = tmp_path / "mine"
    foreign.mkdir()
    write(foreign / "notes.txt", "my own file")
    res = dxsim("compare", str(BASELINE), str(PUSH), "--reps", "5000", "--yes", "--out", str(foreign))
    line = one_line_error(res, "--out")
    assert "--yes" not in line and "estimated" not in line
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "my own file"


def test_expected_ai_jobs_match_the_drawn_jobs() -> None:
    """The estimator's job count against the jobs the demand model actually draws (independent)."""
    from dxsim.runner_budget import expected_ai_jobs

    base = load_scenario(BASELINE)
    for end in (dt.date(2030, 12, 31), dt.date(2040, 12, 31)):
        sc = base.model_copy(
            update={"horizon": schema_mod.Horizon(start_date=base.horizon.start_date, end_date=end)}
        )
        env = simpy.Environment()
        pool = demand_mod.GpuPool(env)
        dem = demand_mod.AiDemand(env, sc, pool, Clock(sc.horizon.start_date, end), sc.seed, 0)
        drawn = dem.arrivals.day.size + len(dem.in_progress)
        expected = expected_ai_jobs(sc)
        # Poisson noise (4 sd) plus 1% for the monthly piecewise-constant rates the model uses
        assert abs(drawn - expected) < 4 * math.sqrt(expected) + 0.01 * expected, (end, drawn, expected)
    assert (
        expected > 30 * 11_000
    )  # 2040 draws over thirty times the jobs of 2030: what grows with the horizon


def test_estimate_grows_with_reps_and_horizon_and_budget_edges() -> None:
    from dxsim import runner_budget as rb

    base = load_scenario(BASELINE)
    longer = base.model_copy(
        update={
            "horizon": schema_mod.Horizon(start_date=base.horizon.start_date, end_date=dt.date(2045, 12, 31))
        }
    )
    one, many = rb.estimate([base], [1]), rb.estimate([base], [1000])
    assert many.seconds > one.seconds and many.peak_bytes > one.peak_bytes
    assert rb.estimate([longer], [1]).seconds > one.seconds
    # one replication to 2030: the bench's 0.489 s plus preparation, and the bench's 585 MB peak, within 2x
    assert 0.489 < one.seconds < 2 * (0.489 + 2.4 + 3.6)
    assert 0.5 * 585e6 < one.peak_bytes < 2 * 585e6
    assert not one.over_budget
    rb.refuse_over_budget(one, yes=False)  # within budget: no error
    big = rb.estimate([base], [100_000])
    assert big.over_budget
    rb.refuse_over_budget(big, yes=True)  # confirmed: no error
    with pytest.raises(DxsimInputError, match="add --yes"):
        rb.refuse_over_budget(big, yes=False)


def test_worker_processes_count_in_the_memory_estimate(tmp_path: Path) -> None:
    """`--workers 1000` started up to one process per replication, each with a prepared world, without a word. Each
    worker process now adds a world and a replication to the estimate's peak (by hand: n x WORLD_BYTES plus its
    share of the AI jobs), replication 0 runs in the calling process, and 100 workers for 100 replications are
    refused with the estimate while 2 run."""
    from dxsim import runner_budget as rb
    from dxsim.workers import pool_size

    base = load_scenario(BASELINE)
    alone, pooled = rb.estimate([base], [100]), rb.estimate([base], [100], pool_workers=10)
    jobs = min(100, 2) * rb.expected_ai_jobs(base) * rb.BYTES_PER_AI_JOB
    assert pooled.peak_bytes - alone.peak_bytes == pytest.approx(10 * (rb.WORLD_BYTES + jobs / 2))
    assert pool_size(100, 100) == 99 and pool_size(2, 100) == 2 and pool_size(None, 1) == 0
    assert pool_size(1, 100) == 0 and pool_size(0, 100) == 0  # in this process
    out = tmp_path / "o"
    res = dxsim("run", str(BASELINE), "--reps", "100", "--workers", "100", "--out", str(out))
    one_line_error(res, "--reps", "100", "over the budget", "fewer --workers")
    assert not out.exists()
    assert not rb.estimate([base], [100], pool_workers=pool_size(2, 100)).over_budget


# --------------------------------------------------------------------------- 2./3. horizon


def test_start_date_before_the_start_state_is_refused(tmp_path: Path) -> None:
    sc = write(tmp_path / "s2015.toml", 'name = "s2015"\n[horizon]\nstart_date = 2015-01-01\n')
    line = one_line_error(
        dxsim("validate", str(sc)),
        "s2015.toml",
        "horizon.start_date",
        "2015-01-01",
        str(schema_mod.START_DATE_EARLIEST),
        str(schema_mod.START_DATE_LATEST),
    )
    assert "start state" in line and schema_mod.START_STATE_REPORTED in line


def test_a_number_for_a_date_is_the_wrong_type_not_a_time_of_day(tmp_path: Path) -> None:
    """pydantic reads 20251031 as seconds since 1970; the planner wrote a date without dashes."""
    sc = write(tmp_path / "n.toml", 'name = "n"\n[horizon]\nstart_date = 20251031\n')
    line = one_line_error(
        dxsim("validate", str(sc)), "n.toml", "horizon.start_date", "20251031", "2026-01-31"
    )
    assert "wrong type" in line and "time of day" not in line


def test_start_date_long_after_the_start_state_is_refused(tmp_path: Path) -> None:
    late = schema_mod.START_DATE_LATEST + dt.timedelta(days=1)
    sc = write(tmp_path / "late.toml", f'name = "late"\n[horizon]\nstart_date = {late}\n')
    one_line_error(dxsim("validate", str(sc)), "late.toml", "horizon.start_date", str(late), "after")


def test_end_date_2055_is_refused(tmp_path: Path) -> None:
    sc = write(tmp_path / "y2055.toml", 'name = "y2055"\n[horizon]\nend_date = 2055-10-30\n')
    one_line_error(
        dxsim("validate", str(sc)),
        "y2055.toml",
        "horizon.end_date",
        "2055-10-30",
        str(schema_mod.END_DATE_LATEST),
    )


def test_horizon_edges_are_allowed(tmp_path: Path) -> None:
    # the default start lies in the window; the window's own edges and the latest end validate
    assert schema_mod.START_DATE_EARLIEST <= defaults_start() <= schema_mod.START_DATE_LATEST
    assert schema_mod.START_DATE_EARLIEST <= dt.date(
        2025, 10, 31
    )  # 16,737 stations "by October 2025" (000:56)
    files = []
    for i, (start, end) in enumerate(
        [
            (schema_mod.START_DATE_EARLIEST, dt.date(2030, 12, 31)),
            (schema_mod.START_DATE_LATEST, schema_mod.END_DATE_LATEST),
        ]
    ):
        files.append(
            str(
                write(
                    tmp_path / f"edge{i}.toml",
                    f'name = "edge{i}"\n[horizon]\nstart_date = {start}\nend_date = {end}\n',
                )
            )
        )
    res = dxsim("validate", *files)
    assert res.returncode == 0, res.stderr
    over = write(
        tmp_path / "over.toml",
        f'name = "over"\n[horizon]\nend_date = {schema_mod.END_DATE_LATEST + dt.timedelta(days=1)}\n',
    )
    one_line_error(dxsim("validate", str(over)), "over.toml", "horizon.end_date")


def defaults_start() -> dt.date:
    return dt.date.fromisoformat(defaults_json()["horizon"]["start_date"])


def test_arrivals_in_chunks_replay_exactly_as_all_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawn AI jobs are held as Python tuples a chunk at a time; the replay must not change."""
    from dxsim.scenario.sections.compute_gpus import AiDemand as Section

    sec = Section.model_validate(
        {
            "classes": {
                "inference": {"gpus_per_job": 4, "arrivals_per_day_at_start": 3.0},
                "finetune": {"gpus_per_job": 8, "arrivals_per_day_at_start": 2.0},
                "training": {"gpus_per_job": 64, "arrivals_per_day_at_start": 0.05},
            },
            "growth_pct_per_year": 60.0,
            "warm_start": True,
        }
    )
    start = dt.date(2025, 10, 31)

    def replay(chunk: int) -> tuple:
        monkeypatch.setattr(demand_mod, "ARRIVAL_CHUNK", chunk)
        env = simpy.Environment()
        pool = demand_mod.GpuPool(env)
        pool.add(200)
        clock = Clock(start, dt.date(2028, 12, 31))
        dem = demand_mod.AiDemand(env, sec, pool, clock, 7, 3)
        longest = 0
        for day in np.linspace(1.0, clock.horizon_days - 1.0, 50):  # read the pool as the Monitor does
            env.run(until=float(day))
            _ = pool.busy_gpu_days
            longest = max(longest, len(dem._arr))
        env.run(until=clock.horizon_days)
        return (
            dem.started_wait_days.copy(),
            dem.completed,
            dem.waiting_jobs,
            pool.busy_gpu_days,
            dem.arrived,
            longest,
            dem.arrivals.day.size,
            len(dem.in_progress),
        )

    small, whole = replay(97), replay(10**9)
    assert small[:5] == whole[:5]
    assert small[6] > 20 * 97  # enough jobs for many chunks
    assert small[5] <= max(97, small[7])  # never more than a chunk (or the warm-start jobs) as tuples
    assert whole[5] >= whole[6]  # all at once: every drawn job was a tuple


# --------------------------------------------------------------------------- 5. the scenario file itself


def test_fifo_as_scenario_file_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    one_line_error(dxsim("validate", str(fifo), timeout=60), "pipe.toml", "named pipe")
    parent = write(tmp_path / "child.toml", 'extends = "pipe.toml"\nname = "child"\n')
    one_line_error(dxsim("validate", str(parent), timeout=60), "child.toml", "extends", "pipe.toml")


def test_dev_zero_as_scenario_file(tmp_path: Path) -> None:
    one_line_error(dxsim("validate", "/dev/zero", timeout=60), "/dev/zero", "character device")


def test_scenario_file_over_the_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    comment = "# " + "x" * 98 + "\n"
    big.write_text('name = "big"\n' + comment * (MAX_SCENARIO_BYTES // len(comment) + 10), encoding="utf-8")
    assert big.stat().st_size > MAX_SCENARIO_BYTES
    one_line_error(dxsim("validate", str(big)), "big.toml", "too large", f"{MAX_SCENARIO_BYTES:,}")


@pytest.mark.parametrize("shape", ["array", "inline", "header", "dotted"])
def test_10000_deep_nesting_is_one_line(shape: str, tmp_path: Path) -> None:
    n = 10_000
    text = {
        "array": 'name = "deep"\na = ' + "[" * n + "]" * n + "\n",
        "inline": 'name = "deep"\na = ' + "{b = " * n + "1" + "}" * n + "\n",
        "header": 'name = "deep"\n[compute.' + ".".join(["k"] * n) + "]\nv = 1\n",
        "dotted": 'name = "deep"\nseasons.north.' + ".".join(["k"] * n) + " = 1\n",
    }[shape]
    one_line_error(dxsim("validate", str(write(tmp_path / "deep.toml", text))), "deep.toml", "nested")


def test_nesting_cap_leaves_room_for_every_scenario_field() -> None:
    def depth(node: object) -> int:
        if isinstance(node, dict):
            return 1 + max((depth(v) for v in node.values()), default=0)
        if isinstance(node, list):
            return 1 + max((depth(v) for v in node), default=0)
        return 0

    deepest = max(
        depth(defaults_json()),
        depth(load_scenario(REPO / "scenarios" / "ai-compute.toml").model_dump(mode="json")),
    )
    assert deepest < MAX_NESTING


# --------------------------------------------------------------------------- 6. damaged geodata cache


SHORT = 'extends = "{base}"\nname = "short"\n[horizon]\nend_date = 2025-12-31\n'


@pytest.fixture(scope="module")
def cache_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private copy of the geodata cache (built into it when the checkout has none), removed after the module:
    the runs store their ~280 MB worlds in it."""
    root = tmp_path_factory.mktemp("cache")
    src = sorted(REPO_CACHE.glob("geo-*/plan5g-*.parquet"))
    if src:
        shutil.copytree(src[0].parent, root / src[0].parent.name)
    yield root
    shutil.rmtree(root)


@pytest.fixture(scope="module")
def truncated_plan_run(
    cache_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict[Path, pl.DataFrame]]:
    """A short run on a cache whose plan5g file was cut in half: (cache dir, result folder, intact plans by file)."""
    work = tmp_path_factory.mktemp("trunc")
    sc = write(work / "short.toml", SHORT.format(base=BASELINE))
    env = {"DXSIM_CACHE": str(cache_copy)}
    plans = sorted(cache_copy.glob("geo-*/plan5g-*.parquet"))
    if not plans:  # no cache to copy: build one first
        first = dxsim(
            "run", str(sc), "--no-map", "--no-report", "--out", str(work / "first"), env=env, timeout=900
        )
        assert first.returncode == 0, first.stderr
        plans = sorted(cache_copy.glob("geo-*/plan5g-*.parquet"))
    # damage every cached plan (the cache may hold plans of other settings too): the one the run needs is rebuilt
    intact = {p: pl.read_parquet(p) for p in plans}
    for plan in plans:
        os.truncate(plan, plan.stat().st_size // 2)
        with pytest.raises(Exception):  # noqa: B017 - really damaged: polars cannot read it
            pl.read_parquet(plan)
    out = work / "run"
    res = dxsim("run", str(sc), "--no-map", "--no-report", "--out", str(out), env=env, timeout=900)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    return cache_copy, out, intact


def test_truncated_plan5g_is_rebuilt(truncated_plan_run: tuple[Path, Path, pl.DataFrame]) -> None:
    cache, out, intact = truncated_plan_run
    readable = []
    for plan in sorted(cache.glob("geo-*/plan5g-*.parquet")):
        try:
            readable.append((plan, pl.read_parquet(plan)))
        except Exception:  # a damaged plan of other settings, not used by this run
            continue
    assert len(readable) == 1  # the run's own plan was rebuilt (readable again) ...
    plan, rebuilt = readable[0]
    assert rebuilt.equals(intact[plan])  # ... and is the same ranked plan as before the damage
    assert (out / "summary.json").is_file() and (out / "metrics.parquet").is_file()
    assert not list(plan.parent.glob(".*tmp*"))  # no temporary files left behind


def test_truncated_geo_table_is_rebuilt(
    truncated_plan_run: tuple[Path, Path, pl.DataFrame], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(truncated_plan_run[0], cache)  # its own copy: the rebuild replaces the whole folder
    cells = sorted(cache.glob("geo-*/cells.parquet"))[0]
    intact = pl.read_parquet(cells)
    os.truncate(cells, cells.stat().st_size // 3)
    res = dxsim("data", "--build", env={"DXSIM_CACHE": str(cache)}, timeout=900)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    rebuilt = sorted(cache.glob("geo-*/cells.parquet"))
    assert len(rebuilt) == 1 and pl.read_parquet(rebuilt[0]).equals(intact)
    # the cache in words (it was the summary's Python dict: "{'path': ..., 'built': True, ...}")
    said = res.stdout
    assert f"Geodata cache: {rebuilt[0].parent}\n" in said and "'built'" not in said, said
    assert f"{intact.height:,} populated 1 km cells, 34 provinces" in said, said


# --------------------------------------------------------------------------- 7. damaged result folders


def _truncate(p: Path) -> None:
    os.truncate(p, p.stat().st_size // 2)


DAMAGE = {
    # name: (file, how, commands that must refuse it)
    "truncated_metrics": ("metrics.parquet", _truncate, ("map", "report")),
    "truncated_grid": ("grid_5km.parquet", _truncate, ("map",)),
    "truncated_villages": ("villages.parquet", _truncate, ("map", "report")),
    "invalid_summary": (
        "summary.json",
        lambda p: p.write_text('{"scenario": ', encoding="utf-8"),
        ("map", "report"),
    ),
    "summary_not_an_object": (
        "summary.json",
        lambda p: p.write_text("[1, 2]", encoding="utf-8"),
        ("map", "report"),
    ),
    "provinces_not_geojson": ("provinces.geojson", lambda p: p.write_text("[]", encoding="utf-8"), ("map",)),
    "metrics_of_another_tool": (
        "metrics.parquet",
        lambda p: pl.DataFrame({"a": [1]}).write_parquet(p),
        ("map", "report"),
    ),
    "calibration_not_text": ("calibration.csv", lambda p: p.write_bytes(b"\xff\xfe\x00garbage"), ("report",)),
    "missing_metrics": ("metrics.parquet", lambda p: p.unlink(), ("report",)),  # the map says "Not drawn"
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_result_folder(
    case: str, truncated_plan_run: tuple[Path, Path, pl.DataFrame], tmp_path: Path
) -> None:
    name, damage, commands = DAMAGE[case]
    folder = tmp_path / case
    shutil.copytree(truncated_plan_run[1], folder)
    assert (folder / name).is_file()
    damage(folder / name)
    for command in commands:
        res = dxsim(command, str(folder))
        one_line_error(res, f"{case}/{name}", "dxsim run")
        assert not (folder / f"{command}.html").exists()


@pytest.mark.parametrize("command", ["map", "report"])
def test_folder_that_is_not_a_result_folder(command: str, tmp_path: Path) -> None:
    folder = tmp_path / "holiday-photos"
    folder.mkdir()
    write(folder / "notes.txt", "not dxsim's")
    one_line_error(dxsim(command, str(folder)), "holiday-photos", "dxsim run")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_rule_inside_a_list_item_names_the_field(tmp_path: Path) -> None:
    """[[supports]] with its window backwards: one line naming the item's field (supports[1].window_end, the first
    table counted from 1 as every message counts list items) and its value."""
    sc = write(
        tmp_path / "sup.toml",
        'name = "sup"\n[[supports]]\nname = "rural"\nper_site_vnd_bn = 2.0\n'
        "window_start = 2027-01-01\nwindow_end = 2026-12-31\n",
    )
    line = one_line_error(
        dxsim("validate", str(sc)),
        "sup.toml",
        "supports[1].window_end = '2026-12-31'",
        "must not be before window_start",
    )
    assert "{" not in line  # not the whole table's repr


def test_two_support_programmes_with_one_name_are_refused(tmp_path: Path) -> None:
    sc = write(
        tmp_path / "dup.toml",
        'name = "dup"\n[[supports]]\nname = "rural"\nper_site_vnd_bn = 1.0\n'
        '[[supports]]\nname = "rural"\nper_site_vnd_bn = 2.0\n',
    )
    one_line_error(dxsim("validate", str(sc)), "dup.toml", "supports", "'rural'", "used twice")


def test_a_support_programme_named_like_resolution_193_is_refused(tmp_path: Path) -> None:
    """The `subsidy` section runs as the programme 'resolution_193' and claims are kept by name: a [[supports]] of
    that name replaced its claims (Res. 193 then paid its whole 12,697 bn fund at 1 bn per station instead of
    1,947 bn at 15% of equipment). It is refused in one line instead."""
    sc = write(
        tmp_path / "res.toml",
        'name = "res"\n[[supports]]\nname = "resolution_193"\nper_site_vnd_bn = 1.0\n',
    )
    one_line_error(dxsim("validate", str(sc)), "res.toml", "supports", "'resolution_193'", "subsidy")
    ok = write(
        tmp_path / "ok.toml",
        'name = "ok"\n[[supports]]\nname = "resolution_193_topup"\nper_site_vnd_bn = 1.0\n',
    )
    assert dxsim("validate", str(ok)).returncode == 0


def test_a_support_programme_that_pays_nothing_per_station_is_refused(tmp_path: Path) -> None:
    """A [[supports]] with no amount (per site, equipment share and per person all 0) paid 0, and compare said no
    operator reached a threshold. Refused in one line; any one amount above 0 is accepted."""
    sc = write(tmp_path / "zero.toml", 'name = "zero"\n[[supports]]\nname = "nothing"\nfund_vnd_bn = 5000\n')
    one_line_error(
        dxsim("validate", str(sc)), "zero.toml", "supports", "'nothing'", "per_site_vnd_bn", "above 0"
    )
    for field in ("per_site_vnd_bn", "equipment_share_pct", "per_person_covered_vnd_k"):
        ok = write(tmp_path / f"{field}.toml", f'name = "ok"\n[[supports]]\nname = "some"\n{field} = 0.5\n')
        assert dxsim("validate", str(ok)).returncode == 0, field


def test_a_campaign_naming_an_unknown_village_names_the_file(tmp_path: Path) -> None:
    """Village ids are known once the layer is built: `dxsim run` refuses them in one line, with the file."""
    sc = write(
        tmp_path / "camp.toml",
        'name = "camp"\n[horizon]\nend_date = 2026-03-31\n[[villages.campaigns]]\n'
        'name = "mine"\ndeadline = 2026-06-30\nvillages = ["nonexistent-village"]\n',
    )
    res = dxsim("run", str(sc), "--out", str(tmp_path / "out"), "--no-map", "--no-report")
    one_line_error(res, "camp.toml", "villages.campaigns", "nonexistent-village", "unknown village id")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("DXSIM_CACHE", "FILE", "is not a folder"),  # was "failed: ...: File exists", exit 1
        ("DXSIM_WORLD_CACHE_MB", "abc", "not a size in MB"),  # was ignored for the default
        ("DXSIM_WORLD_CACHE_MB", "-5", "not a size in MB"),
        ("DXSIM_WORLD_CACHE", "maybe", "not a switch"),  # was read as on
    ],
)
def test_a_bad_environment_variable_is_named_before_the_work(
    name: str, value: str, said: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from dxsim.paths import cache_dir
    from dxsim.sim.world_store import _budget_bytes, store_dir

    if value == "FILE":
        value = str(tmp_path / "a-file")
        Path(value).write_text("x", encoding="utf-8")
    monkeypatch.setenv(name, value)
    with pytest.raises(DxsimInputError) as info:
        cache_dir()
        store_dir()
        _budget_bytes()
    err = info.value
    assert err.field == name and err.value == value and said in str(err) and err.file is None
    assert "\n" not in str(err)


@pytest.mark.parametrize(
    ("body", "field", "value"),
    [
        (
            '[[villages.campaigns]]\nname = "x"\ndeadline = 2026-06-30\nvillages = ["99"]\n',
            "villages.campaigns[1].villages",
            "'99'",
        ),
        (
            '[villages.programme]\npriority = "list"\npriority_list = ["N001", "NOPE-1"]\n',
            "villages.programme.priority_list[2]",
            "'NOPE-1'",
        ),
    ],
)
def test_validate_refuses_villages_the_layer_does_not_have(
    body: str, field: str, value: str, tmp_path: Path
) -> None:
    """`validate` said "ok" to a campaign of province "99" (which `run` refused) and to a priority list naming no
    village (which both accepted, changing nothing): it now builds the village layer when a file names villages."""
    sc = write(tmp_path / "v.toml", f'extends = "{BASELINE.as_posix()}"\nname = "v"\n{body}')
    line = one_line_error(dxsim("validate", str(sc)), "v.toml", field, value)
    assert "N001" in line  # says what the layer's ids look like


def test_an_unknown_priority_id_is_refused_when_the_world_comes_from_the_store(tmp_path: Path) -> None:
    """The priority list is no part of the prepared world's key: a run whose world came from the store took a
    misspelt id and said nothing, and compare refused it only after the first file's replications (village officer
    trial). Each command now refuses it with one line naming the file, before any replication."""
    sc = write(
        tmp_path / "v.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "v"\n'
        '[villages.programme]\npriority = "list"\npriority_list = ["N001", "NOPE-1"]\n',
    )
    stored = dxsim(
        "run", str(BASELINE), "--reps", "1", "--no-map", "--no-report", "--out", str(tmp_path / "b")
    )
    assert stored.returncode == 0, (
        stored.stderr
    )  # the baseline's world is in the store: v.toml's run reuses it
    for args in (
        ["run", str(sc), "--reps", "1", "--no-map", "--no-report"],
        ["run", str(BASELINE), str(sc), "--reps", "1", "--no-map", "--no-report"],
        ["compare", str(BASELINE), str(sc), "--reps", "1"],
    ):
        out = tmp_path / "out"
        line = one_line_error(dxsim(*args, "--out", str(out)), "v.toml", "priority_list[2]", "'NOPE-1'")
        assert "unknown village id" in line, args
        assert not out.exists(), args


@pytest.mark.parametrize(
    ("body", "field", "value", "hint"),
    [
        ('[compute.datacentres]\nexclude_projects = ["NOPE-1"]\n', "exclude_projects", "'NOPE-1'", "HS-1"),
        (
            '[[compute.datacentres.extra_projects]]\nproject_id = "HS-1"\noperator = "x"\ngso34 = "01"\n'
            'status = "announced"\ncooling = "liquid"\nphases = [{ it_mw = 10, target_date = 2028-01-01 }]\n',
            "extra_projects[1].project_id",
            "'HS-1'",
            "a new project_id",
        ),
        # a synthetic data centre's id: datacentres.parquet held two rows of SYN-05 (data-centre trial)
        (
            '[[compute.datacentres.extra_projects]]\nproject_id = "SYN-05"\noperator = "x"\ngso34 = "01"\n'
            "phases = [{ it_mw = 10, target_date = 2028-01-01 }]\n",
            "extra_projects[1].project_id",
            "'SYN-05'",
            "does not start with SYN-",
        ),
        # an announced project dated before the start opened at its delays after it, as one dated years ahead did
        (
            '[[compute.datacentres.extra_projects]]\nproject_id = "OLD-1"\noperator = "x"\ngso34 = "01"\n'
            "phases = [{ it_mw = 10, target_date = 2024-06-30 }]\n",
            "extra_projects[1].phases[1].target_date",
            "2024-06-30",
            "expected to open (after the start)",
        ),
        (
            "".join(
                '[[compute.datacentres.extra_projects]]\nproject_id = "NEW-1"\noperator = "x"\ngso34 = "01"\n'
                "phases = [{ it_mw = 10, target_date = 2028-01-01 }]\n"
                for _ in range(2)
            ),
            "",
            "",
            "project_id 'NEW-1' is given twice",
        ),
    ],
)
def test_validate_refuses_data_centre_projects_a_run_refuses(
    body: str, field: str, value: str, hint: str, tmp_path: Path
) -> None:
    """`validate` said "ok" to an unknown id in exclude_projects and to an extra project reusing a listed id, which
    `run` refused: it now builds the project table (geodata/dc_projects.csv, no raw data) as a run does."""
    sc = write(tmp_path / "d.toml", f'extends = "{BASELINE.as_posix()}"\nname = "d"\n{body}')
    where = f"compute.datacentres.{field}" if field else "compute.datacentres: extra_projects"
    line = one_line_error(dxsim("validate", str(sc)), "d.toml", where, value)
    assert hint in line


@pytest.mark.parametrize(
    ("lon", "lat", "field", "value", "says"),
    [
        # Hồ Chí Minh City's centre (District 1) written with Hà Nội's code
        (106.70, 10.78, "extra_projects[2].gso34", "'01'", "79 (Hồ Chí Minh), the province at lon 106.70000"),
        # Laos, inside the old lon/lat bounds of the field (102..118, 8..24)
        (103.0, 14.0, "extra_projects[2].lon, lat", "'103.00000 14.00000'", "outside Viet Nam"),
    ],
)
def test_a_project_placed_outside_its_province_is_refused(
    lon: float, lat: float, field: str, value: str, says: str, tmp_path: Path
) -> None:
    """A project given HCMC's lon/lat with gso34 01 was accepted (planner-data trial): it took Hà Nội's grid and
    region, while the map drew it in the south. validate and run refuse it, naming the province its point is in;
    the first project, in its own province (Hòa Lạc, Hà Nội), passes, and no folder is written."""
    body = "".join(
        f'[[compute.datacentres.extra_projects]]\nproject_id = "P{k}"\noperator = "x"\ngso34 = "01"\n'
        f"lon = {x}\nlat = {y}\nphases = [{{ it_mw = 10, target_date = 2028-01-01 }}]\n"
        for k, (x, y) in enumerate([(105.52, 21.01), (lon, lat)])
    )
    sc = write(tmp_path / "p.toml", f'extends = "{BASELINE.as_posix()}"\nname = "p"\n{body}')
    for args in (("validate", str(sc)), ("run", str(sc), "--out", str(tmp_path / "out"))):
        line = one_line_error(dxsim(*args), "p.toml", f"compute.datacentres.{field}", value)
        assert says in line, args
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_project_under_construction_due_before_the_start_is_refused(lang: str, tmp_path: Path) -> None:
    """A 50 MW liquid-cooled project "under construction" with a target date of 2024-01-01 opened 21 days after the
    start at no capex (the share of the build left was 0; data-centre trial). validate and run refuse it, naming
    the field, the value and the two ways out (the expected date, or the start fleet); a date after the start runs."""
    body = (
        '[[compute.datacentres.extra_projects]]\nproject_id = "LQ-50"\noperator = "x"\ngso34 = "01"\n'
        'status = "under_construction"\ncooling = "liquid"\nphases = [{{ it_mw = 50, target_date = {d} }}]\n'
    )
    sc = write(
        tmp_path / "u.toml", f'extends = "{BASELINE.as_posix()}"\nname = "u"\n{body.format(d="2024-01-01")}'
    )
    for cmd in ("validate", "run"):
        line = one_line_error(
            dxsim("--lang", lang, cmd, str(sc), *(["--out", str(tmp_path / "o")] if cmd == "run" else [])),
            "u.toml",
            "compute.datacentres.extra_projects[1].phases[1].target_date",
            "2024-01-01",
        )
        assert "2025-10-31" in line and "dc_sites.csv" in line
    assert not (tmp_path / "o").exists()
    ok = write(
        tmp_path / "k.toml", f'extends = "{BASELINE.as_posix()}"\nname = "k"\n{body.format(d="2026-06-30")}'
    )
    assert dxsim("validate", str(ok)).returncode == 0


@pytest.mark.parametrize(
    ("section", "band", "allowed"),
    [("band_5g_mhz", 1800, "700, 2600, 3500"), ("band_4g_mhz", 3500, "700, 900, 1800, 2100, 2600")],
)
def test_a_band_without_a_link_budget_is_refused_and_the_schema_offers_only_those_with_one(
    section: str, band: int, allowed: str, tmp_path: Path
) -> None:
    """The schema listed every band (700 to 3500) for 5G and 4G alike, and `rural = 1800` for 5G was then refused by
    another check whose message repeated the list (operator RAN trial): each technology's schema enum is now the
    bands of its link budgets, and the one-line error names them once."""
    from dxsim.radio.radii import supported_bands
    from dxsim.scenario.schema import Scenario

    tech = section.split("_")[1]
    props = Scenario.model_json_schema()["$defs"]["Bands5G" if tech == "5g" else "Bands4G"]["properties"]
    assert {env: props[env]["enum"] for env in ("urban", "suburban", "rural")} == dict.fromkeys(
        ("urban", "suburban", "rural"), list(supported_bands(tech))
    )
    sc = write(
        tmp_path / "b.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "b"\n[radio.{section}]\nrural = {band}\n',
    )
    line = one_line_error(dxsim("validate", str(sc)), "b.toml", f"radio.{section}.rural", str(band))
    assert line.count(allowed) == 1, line


def test_a_gpu_model_in_another_case_is_the_catalogue_s_and_a_near_miss_is_named(tmp_path: Path) -> None:
    """model = "b200" was refused as unknown beside the catalogue's B200 (data-centre trial): any case, a hyphen or
    spaces now name the catalogue's model (the resolved scenario says B200); "H20O" is refused with "did you mean
    'H200'?"; a phase of 50 MW with racks = 0 is refused (no power density)."""
    from dxsim.scenario import load_scenario

    order = '[[compute.gpus.extra_orders]]\norganisation = "M"\nmodel = "{m}"\ngpus = 10\norder_date = 2026-06-01\n'
    ok = write(
        tmp_path / "b.toml", f'extends = "{BASELINE.as_posix()}"\nname = "b"\n{order.format(m="b-200")}'
    )
    assert load_scenario(ok).compute.gpus.extra_orders[0].model == "B200"
    bad = write(
        tmp_path / "h.toml", f'extends = "{BASELINE.as_posix()}"\nname = "h"\n{order.format(m="H20O")}'
    )
    line = one_line_error(
        dxsim("validate", str(bad)), "h.toml", "compute.gpus.extra_orders[1].model", "'H20O'"
    )
    assert "did you mean 'H200'?" in line
    racks = write(
        tmp_path / "r.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "r"\n[[compute.datacentres.extra_projects]]\nproject_id = "R"\n'
        'operator = "x"\ngso34 = "01"\nstatus = "announced"\ncooling = "liquid"\n'
        "phases = [{ it_mw = 50, racks = 0, target_date = 2028-01-01 }]\n",
    )
    one_line_error(
        dxsim("validate", str(racks)), "r.toml", "compute.datacentres.extra_projects[1].phases[1].racks", "0"
    )


ORDER = '[[compute.gpus.extra_orders]]\norganisation = "Ministry"\nmodel = "B200"\ngpus = 1000\norder_date = 2026-06-01\n'


@pytest.mark.parametrize(
    ("hint", "says"),
    [
        ("Hà Nội", "its gso34 code, '01' (Hà Nội)"),
        ("tp ho chi minh", "its gso34 code, '79' (Hồ Chí Minh)"),
        ("NOPE-DC", "a dc_id of the data-centre table (NDC1"),
    ],
)
def test_validate_and_run_refuse_a_gpu_order_placed_by_name(hint: str, says: str, tmp_path: Path) -> None:
    """`validate` said "ok" to dc_hint = "Hà Nội" and the run refused it without the code to write (trial): both
    now refuse it, the same line, a province's name answered with its code."""
    sc = write(
        tmp_path / "g.toml", f'extends = "{BASELINE.as_posix()}"\nname = "g"\n{ORDER}dc_hint = "{hint}"\n'
    )
    field = "compute.gpus.extra_orders[1].dc_hint"
    lines = [
        one_line_error(dxsim(*args), "g.toml", field, hint)
        for args in (
            ("validate", str(sc)),
            ("run", str(sc), "--no-map", "--no-report", "--out", str(tmp_path / "o")),
        )
    ]
    assert lines[0] == lines[1] and says in lines[0]
    assert not (tmp_path / "o").exists()  # nothing written


def test_validate_accepts_a_gpu_order_placed_in_a_data_centre(tmp_path: Path) -> None:
    sc = write(
        tmp_path / "g.toml", f'extends = "{BASELINE.as_posix()}"\nname = "g"\n{ORDER}dc_hint = "VT-HL"\n'
    )
    r = dxsim("validate", str(sc))
    assert r.returncode == 0 and "ok (g)" in r.stdout, r.stderr


def test_the_line_counts_the_file_s_other_problems(tmp_path: Path) -> None:
    """Only the first invalid field of a file was said, so a trial fixed one and met the next (e6): the line counts
    the others, still one line."""
    sc = write(
        tmp_path / "m.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "m"\n[crews.north]\nteams = -5\n'
        "[compute.datacentres]\nppp_share_pct = 150\n",
    )
    line = one_line_error(
        dxsim("run", str(sc), "--out", str(tmp_path / "o")), "m.toml", "crews.north.teams", "-5"
    )
    assert line.endswith("[1 more problem in this file: `dxsim validate` lists each one]")
    # validate lists each problem, a line each, and none of them counts the others (provincial trial: validate said
    # "`dxsim validate` lists it once this one is fixed" to a planner who had just run it)
    r = dxsim("validate", str(sc))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 2, r.stderr
    assert "crews.north.teams = -5" in lines[0] and "compute.datacentres.ppp_share_pct = 150" in lines[1]
    assert all(ln.startswith(f"error: {sc}: ") and "more problem" not in ln for ln in lines)
    sc.write_text(sc.read_text(encoding="utf-8") + "base_utilisation_pct = -1\n", encoding="utf-8")
    line = one_line_error(dxsim("run", str(sc), "--out", str(tmp_path / "o")), "m.toml", "crews.north.teams")
    assert "[2 more problems in this file" in line and not (tmp_path / "o").exists()
    fixed = write(
        tmp_path / "one.toml", f'extends = "{BASELINE.as_posix()}"\nname = "one"\n[crews.north]\nteams = -5\n'
    )
    assert "more problem" not in one_line_error(
        dxsim("validate", str(fixed)), "one.toml", "crews.north.teams"
    )


@pytest.mark.parametrize(("lang", "type_word"), [("en", "text"), ("vi", "văn bản")])
def test_text_refused_by_its_own_rule_is_not_told_it_may_be_text(
    lang: str, type_word: str, tmp_path: Path
) -> None:
    """A province code refused with the 34 codes listed ended "(allowed: text)" (AI-compute trial)."""
    sc = write(
        tmp_path / "g.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "g"\n[[compute.datacentres.extra_projects]]\nproject_id = "N-1"\n'
        'operator = "x"\ngso34 = "99"\nstatus = "announced"\ncooling = "liquid"\n'
        "phases = [{ it_mw = 10, target_date = 2028-01-01 }]\n",
    )
    line = one_line_error(
        dxsim("--lang", lang, "validate", str(sc)),
        "g.toml",
        "compute.datacentres.extra_projects[1].gso34",
        "'99'",
    )
    assert "01, 04, 08" in line and f"{type_word})" not in line


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_priority_list_under_another_rule_is_refused(lang: str, tmp_path: Path) -> None:
    """priority_list was read only with priority = "list": set under population_first it changed nothing, silently."""
    sc = write(
        tmp_path / "p.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "p"\n[villages.programme]\npriority_list = ["N001"]\n',
    )
    line = one_line_error(dxsim("--lang", lang, "validate", str(sc)), "p.toml", "villages.programme")
    assert "priority_list" in line and "'population_first'" in line and 'priority = "list"' in line
    if lang == "vi":
        assert "ignores it" not in line and "bỏ qua" in line, line


def test_priority_list_ids_are_checked_against_the_layer() -> None:
    table = pl.DataFrame({"village_id": ["N001", "S001"], "gso34": ["08", "44"]})
    ok = load_scenario(
        {"name": "v", "villages": {"programme": {"priority": "list", "priority_list": ["S001"]}}}
    )
    assert needs_village_layer(ok) and not needs_village_layer(load_scenario({"name": "d"}))
    check_village_ids(ok, table)
    bad = load_scenario(
        {"name": "v", "villages": {"programme": {"priority": "list", "priority_list": ["S001", "X"]}}}
    )
    with pytest.raises(DxsimInputError, match=r"priority_list\[2\] = 'X': unknown village id"):
        check_village_ids(bad, table)


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_campaign_mobilisation_p90_below_p50_is_one_line(lang: str, tmp_path: Path) -> None:
    """A campaign's mobilisation with p90_days < p50_days failed with "AttributeError: 'int' object has no
    attribute 'isdigit'" (exit 1): the rule sits in a table inside an item of a list of tables."""
    sc = write(
        tmp_path / "m.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "m"\n[[villages.campaigns]]\nname = "x"\n'
        "mobilisation = { p50_days = 60, p90_days = 30 }\n",
    )
    line = one_line_error(
        dxsim("--lang", lang, "validate", str(sc)),
        "m.toml",
        "villages.campaigns[1].mobilisation.p90_days",
        "30",
    )
    assert "60" in line  # the p50 it must not be below


@pytest.mark.parametrize(("lang", "said"), [("en", "not one of the allowed values"), ("vi", "không")])
def test_a_misspelt_campaign_subset_names_the_field_and_the_subsets(
    lang: str, said: str, tmp_path: Path
) -> None:
    """villages = "nopower" said `villages.campaigns[1].villages."literal['no_power','with_power','all']"`: pydantic's
    union-member tag in the field, and no allowed values. The field is the planner's key; the subsets are listed."""
    sc = write(
        tmp_path / "s.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "s"\n[[villages.campaigns]]\nname = "x"\nvillages = "nopower"\n',
    )
    line = one_line_error(dxsim("--lang", lang, "validate", str(sc)), "s.toml", "'nopower'", said)
    assert "villages.campaigns[1].villages =" in line and "literal[" not in line
    for subset in ("no_power", "with_power", "all", "gso34"):
        assert subset in line.split("=", 1)[1], line


@pytest.mark.parametrize(
    ("body", "vi_said"),
    [
        (
            '[[villages.campaigns]]\nname = "x"\ndeadline = 2026-06-30\nvillages = ["99"]\n',
            "không có thôn, bản",
        ),
        ('[villages.programme]\npriority = "list"\npriority_list = ["NOPE-1"]\n', "mã thôn, bản không có"),
    ],
)
def test_unknown_villages_in_a_scenario_are_refused_in_vietnamese(
    body: str, vi_said: str, tmp_path: Path
) -> None:
    """Under --lang vi, a campaign or priority list naming villages the layer does not have was refused in English
    ("unknown village id or province without villages", "allowed: ... or village ids (e.g. ...)"), and the priority
    list's hint sent the planner to villages.csv, a file no run writes (the run writes villages.parquet)."""
    sc = write(tmp_path / "v.toml", f'extends = "{BASELINE.as_posix()}"\nname = "v"\n{body}')
    line = one_line_error(dxsim("--lang", "vi", "validate", str(sc)), "v.toml", vi_said, "N001")
    said = line.split("v.toml:", 1)[1]  # the temporary path holds the test's name
    assert "unknown" not in said and "village ids" not in said and "ids of the village layer" not in said
    en = one_line_error(dxsim("validate", str(sc)), "v.toml")
    assert "villages.csv" not in en and "villages.parquet" in en


@pytest.mark.parametrize(
    "written, shown",
    [
        ("true", "capacity.served_rate_mbps = true: true/false is not a number"),
        ("[1, false]", "capacity.served_rate_mbps = [1, false]:"),
        ('{ a = true, "b c" = "x" }', "capacity.served_rate_mbps = { a = true, 'b c' = 'x' }:"),
        ('"fast"', "capacity.served_rate_mbps = 'fast':"),
    ],
    ids=["bool", "list", "table", "string"],
)
def test_a_wrong_value_is_shown_as_toml_writes_it(tmp_path: Path, written: str, shown: str) -> None:
    """`dxsim validate` on a file that extends the baseline and sets `served_rate_mbps = true` said "= True" (Python's
    repr) of a file that says `true`; lists and tables showed as Python too. The value is shown as TOML writes it."""
    from conftest import dxsim_cmd  # this checkout's dxsim (python -m), as a user runs it

    f = write(
        tmp_path / "mine.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "mine"\n[capacity]\nserved_rate_mbps = {written}\n',
    )
    res = dxsim_cmd("validate", str(f))
    assert res.returncode == 2, (res.stdout, res.stderr)
    line = conftest_one_line(res.stderr, res.stdout, str(f), shown)
    assert "True" not in line and "False" not in line


def test_a_cache_folder_that_cannot_be_made_is_named_before_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DXSIM_CACHE=/proc/x built the geodata tables for seconds, then failed "/proc/x: No such file or directory",
    exit 1. The folder is made first; failing, the variable is named as bad input and nothing is built."""
    import dxsim.geo.build as build

    def never(*_a: object, **_k: object) -> None:
        raise AssertionError("built before the cache folder was checked")

    monkeypatch.setattr(build, "_build_tables", never)
    monkeypatch.setenv("DXSIM_CACHE", "/proc/x")
    with pytest.raises(DxsimInputError) as info:
        build.build_cache()
    err = info.value
    assert (
        err.field == "DXSIM_CACHE" and err.value == "/proc/x" and "cannot create the cache folder" in str(err)
    )


@pytest.mark.parametrize(
    ("value", "on"), [("1", True), ("yes", True), ("0", False), ("off", False), ("", False)]
)
def test_dxsim_debug_0_is_off(value: str, on: bool) -> None:
    """DXSIM_DEBUG=0 showed tracebacks: any non-empty value was read as on."""
    from dxsim.cli.main import debug_from_env

    assert debug_from_env(value) is on


def test_a_vietnamese_key_in_an_error_keeps_its_letters(tmp_path: Path) -> None:
    """A planner wrote the region as "Tây Bắc": the error named the field `extra_utility_teams."T\\u00e2y B\\u1eafc"`.
    The key is written as it was typed, in TOML's quotes."""
    sc = write(
        tmp_path / "vn.toml",
        'name = "vn"\n[[villages.campaigns]]\nname = "tb"\nvillages = ["11"]\nlaunched = 2026-01-01\n'
        'deadline = 2026-12-31\nextra_utility_teams = { "Tây Bắc" = 2 }\n',
    )
    line = one_line_error(dxsim("validate", str(sc)), "vn.toml", 'extra_utility_teams."Tây Bắc"', "Tây Bắc")
    assert "\\u" not in line


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("0,3", "0,3 has a decimal comma, which TOML cannot read: write 0.3"),
        ("1,200", "write 1.2 for a decimal or 1_200 for a whole number"),
    ],
)
def test_a_comma_in_a_number_is_named_as_such(value: str, says: str, tmp_path: Path) -> None:
    """`per_site_vnd_bn = 0,3` (a Vietnamese decimal) said only "Expected newline or end of document"."""
    sc = write(tmp_path / "c.toml", f'name = "c"\n[[supports]]\nname = "a"\nper_site_vnd_bn = {value}\n')
    one_line_error(dxsim("validate", str(sc)), "c.toml", "line 4", f"per_site_vnd_bn = {value}", says)


def test_a_file_that_does_not_load_is_refused_in_its_own_language(tmp_path: Path) -> None:
    """A file saying `language = "vi"` had its TOML syntax and its missing parent said in English (its language is
    read from the file's top level when the file does not load); one that says nothing stays English."""
    broken = write(
        tmp_path / "b.toml", 'name = "b"\nlanguage = "vi"\n[[supports]]\nname = "a"\nper_site_vnd_bn = 0,3\n'
    )
    line = one_line_error(dxsim("validate", str(broken)), "b.toml", "0,3")
    assert line.startswith("lỗi:") and "dấu phẩy thập phân" in line
    orphan = write(tmp_path / "o.toml", 'language = "vi"\nname = "o"\nextends = "nope.toml"\n')
    assert one_line_error(dxsim("validate", str(orphan)), "o.toml", "nope.toml").startswith("lỗi:")
    plain = write(tmp_path / "p.toml", 'name = "p"\n[x]\nlanguage = "vi"\nbad = 0,3\n')  # not the top level
    assert one_line_error(dxsim("validate", str(plain)), "p.toml").startswith("error:")


def test_a_parent_not_found_suggests_the_file_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`extends = "baseline.toml"` in my/x.toml, run from the checkout: the parent is ../scenarios/baseline.toml."""
    from dxsim.scenario.loader import _parent_nearby

    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.toml").write_text('name = "baseline"\n', encoding="utf-8")
    (tmp_path / "my").mkdir()
    monkeypatch.chdir(tmp_path)
    assert _parent_nearby("baseline.toml", tmp_path / "my") == "../scenarios/baseline.toml"
    assert _parent_nearby("scenarios/baseline.toml", tmp_path / "my") == "../scenarios/baseline.toml"
    assert _parent_nearby("nothing.toml", tmp_path / "my") is None
    (tmp_path / "my" / "bad" / "sub").mkdir(parents=True)  # deeper in the project: still relative
    assert (
        _parent_nearby("baseline.toml", tmp_path / "my" / "bad" / "sub") == "../../../scenarios/baseline.toml"
    )
    far = write(
        tmp_path / "my" / "x.toml", 'name = "x"\nextends = "baseline.toml"\n'
    )  # the CLI runs in the repo
    one_line_error(dxsim("validate", str(far)), "x.toml", f'did you mean "{BASELINE.resolve().as_posix()}"?')


def test_validate_refuses_a_campaign_the_run_would_leave_without_villages(tmp_path: Path) -> None:
    """A province's campaign listed after the two default ones (which take every village) was "ok" in validate and
    refused by run. validate now builds the village layer when a campaign may be taken whole (ids or provinces, or a
    subset earlier campaigns cover) and says the run's line; subsets that cannot overlap need no layer."""

    def campaigns(*items: tuple[str, str]) -> Path:
        body = 'name = "c"\n' + "".join(
            f'[[villages.campaigns]]\nname = "{n}"\nvillages = {v}\nlaunched = 2026-01-01\ndeadline = 2026-12-31\n'
            for n, v in items
        )
        return write(tmp_path / f"c{len(list(tmp_path.iterdir()))}.toml", body)

    late = campaigns(("wp", '"with_power"'), ("np", '"no_power"'), ("tq", '["08"]'))
    one_line_error(
        dxsim("validate", str(late)), late.name, "villages.campaigns[3]", "'tq'", "claimed by campaigns"
    )
    assert needs_village_layer(load_scenario(late))
    covered = campaigns(("a", '"all"'), ("np", '"no_power"'))
    one_line_error(
        dxsim("validate", str(covered)),
        "villages.campaigns[2]",
        "'np'",
        "claimed by campaigns listed before it (a)",
    )
    apart = campaigns(("wp", '"with_power"'), ("np", '"no_power"'))
    assert not needs_village_layer(load_scenario(apart))  # disjoint subsets: no layer, validate stays ~1 s
    assert needs_village_layer(
        load_scenario(campaigns(("wp", '"with_power"'), ("np", '"no_power"'), ("a", '"all"')))
    )
    res = dxsim("validate", str(apart))
    assert res.returncode == 0 and "ok (c)" in res.stdout


def test_a_programme_name_that_is_not_a_short_name_is_told_in_words(tmp_path: Path) -> None:
    """`[[supports]] name = "Điện Biên"` was answered with the regex `^[a-z0-9_]{1,40}$` (provincial planner trial):
    the allowed form is said in words, with an example that passes the rule itself."""
    import re

    from dxsim.scenario.sections.operators import Support

    sc = write(
        tmp_path / "s.toml",
        f'extends = "{BASELINE.as_posix()}"\nname = "s"\n[[supports]]\nname = "Điện Biên"\nper_site_vnd_bn = 1.0\n',
    )
    line = one_line_error(
        dxsim("validate", str(sc)), "s.toml", "supports[1].name = 'Điện Biên'", "without accents"
    )
    assert "^[" not in line
    example = re.search(r"e\.g\. ([a-z0-9_]+)", line)
    assert (
        example is not None and Support(name=example.group(1), per_site_vnd_bn=1.0).name == "dien_bien_sites"
    )


@pytest.mark.parametrize("command", ["report", "map"])
def test_report_and_map_on_another_commands_folder_name_that_command(command: str, tmp_path: Path) -> None:
    """`dxsim report` and `dxsim map` on a backtest, compare or sweep folder said "not a dxsim result folder",
    although dxsim wrote it (new-user trial): they now say which command wrote it. A folder dxsim did not write keeps
    the old words, so the check could fail."""
    from dxsim.results.writer import claim_output_dir

    swept = claim_output_dir(tmp_path / "sweep-out", kind="sweep")  # the manifest a sweep folder starts with
    res = dxsim(command, str(swept), "--out", str(tmp_path / "page.html"))
    line = one_line_error(res, str(swept))
    assert "a folder dxsim wrote for `dxsim sweep`, not a run's folder" in line
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    line = one_line_error(dxsim(command, str(mine), "--out", str(tmp_path / "page.html")), str(mine))
    assert "not a dxsim result folder" in line
    assert not (tmp_path / "page.html").exists() and (mine / "notes.txt").read_text() == "mine"
