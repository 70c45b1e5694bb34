"""Sweep files and sweep runs that users made to break dxsim (issue 10): unreadable numbers, names
that cannot be folder names, sweeps too big to plan, damaged or edited run files, and pool workers
left running after the main process is killed.

Driven through the CLI (`dxsim sweep`, typer's CliRunner in this process; the orphan test starts
the installed command as a real process). The base ends 2026-12-31 and sweeps vary a
simulation-only parameter, so the world is prepared once per process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import psutil
import pytest
from conftest import one_line_error
from typer.testing import CliRunner

from dxsim.cli.main import app
from dxsim.errors import DxsimInputError
from dxsim.execution.pool import LocalPool
from dxsim.results.writer import (
    atomic_dir,
    atomic_files,
    changed_since_written,
    claim_output_dir,
    file_sha256,
    read_manifest,
    remove_own_output,
)
from dxsim.sweep import spec as spec_mod
from dxsim.sweep.spec import load_sweep

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
PARAM = '[[parameters]]\npath = "supply.deliveries_per_month"\nlow = 500\nhigh = 3000\n'
KPIS = '["capex_total_vnd_bn", "pop_covered_5g_pct_2026_12"]'


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("faultbase") / "short.toml"
    p.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "short"\n[horizon]\nend_date = 2026-12-31\n',
        encoding="utf-8",
    )
    return p


def sweep_toml(
    dir_: Path,
    base: Path,
    *,
    name: str = "s.toml",
    samples: str = "3",
    seed: str = "11",
    extra: str = "",
    low: str = "500",
    reps: int = 1,
    method: str = "lhs",
) -> Path:
    p = dir_ / name
    p.write_text(
        f'base = "{base.as_posix()}"\nmethod = "{method}"\nsamples = {samples}\nseed = {seed}\n'
        f"reps_per_run = {reps}\nkpis = {KPIS}\n{extra}\n" + PARAM.replace("low = 500", f"low = {low}"),
        encoding="utf-8",
    )
    return p


def sweep_cli(*args: str):
    return CliRunner().invoke(app, ["sweep", *args])


def fails(res, *parts: str) -> str:
    """Exit 2, one line on stderr naming every part, no traceback."""
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr, res.exception)
    return one_line_error(res.stderr, res.stdout, *parts)


# --------------------------------------------------------------------------- bad sweep files

BIG = "1" + "0" * 5000  # 5,001 digits: beyond Python's int-string limit (4,300)


@pytest.mark.parametrize("where", ["samples", "seed", "low", "extra"])
def test_a_5000_digit_integer_anywhere(tmp_path, base, where):
    kw = {"extra": f"bootstrap = {BIG}"} if where == "extra" else {where: BIG}
    f = sweep_toml(tmp_path, base, **kw)
    line_no = next(i for i, ln in enumerate(f.read_text().splitlines(), 1) if BIG in ln)
    out = tmp_path / "o"
    fails(
        sweep_cli(str(f), "--workers", "0", "--out", str(out)),
        str(f),
        f"line {line_no}",
        "5,001 digits",
        "at most 4,300 digits",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "name, shown",
    [
        ("a" * 300, "(300 characters)"),
        ("a\\u0000b", "'a\\x00b'"),
        ("../up", "'../up'"),
        ("a" * 65, "a" * 65),
        (".hidden", "'.hidden'"),
    ],
)
def test_names_must_be_folder_names(tmp_path, base, name, shown):
    f = sweep_toml(tmp_path, base, extra=f'name = "{name}"')
    out = tmp_path / "o"
    fails(sweep_cli(str(f), "--workers", "0", "--out", str(out)), str(f), "name = ", shown, "1-64 characters")
    assert not out.exists()


def test_default_name_from_the_file_stem(tmp_path, base):
    f = sweep_toml(tmp_path, base, name="my sweep.toml")
    fails(
        sweep_cli(str(f), "--workers", "0", "--out", str(tmp_path / "o")), "name = 'my sweep'", "add name = "
    )
    ok = "a" * 64
    assert load_sweep(sweep_toml(tmp_path, base, extra=f'name = "{ok}"')).name == ok
    assert load_sweep(sweep_toml(tmp_path, base, name="plain-1.toml")).name == "plain-1"


def test_a_million_samples_is_refused_before_sampling(tmp_path, base, monkeypatch):
    def no_sampling(_spec):
        raise AssertionError("sampled before the size was checked")

    monkeypatch.setattr("dxsim.sweep.sampling.sample", no_sampling)
    f = sweep_toml(tmp_path, base, samples="1000000")
    out = tmp_path / "o"
    for extra in ([], ["--yes"]):  # a hard cap: --yes does not lift it
        line = fails(
            sweep_cli(str(f), "--workers", "2", "--out", str(out), *extra),
            str(f),
            "samples = 1000000",
            "1,000,000 runs",
            f"at most {spec_mod.MAX_RUNS:,} runs",
        )
        assert f"about {1_000_000 * 0.5 / 86400:,.0f} days" in line
    assert not out.exists()


@pytest.mark.parametrize(
    "method, samples, reps, runs",
    [("lhs", 6000, 1, 6000), ("lhs", 2000, 3, 2000), ("sobol", 2048, 1, 2048 * 3)],
)
def test_a_long_sweep_needs_yes(tmp_path, base, monkeypatch, method, samples, reps, runs):
    def sampled(_spec):
        raise DxsimInputError("sampling reached (test stop)")

    monkeypatch.setattr("dxsim.sweep.sampling.sample", sampled)
    f = sweep_toml(tmp_path, base, samples=str(samples), reps=reps, method=method)
    out = tmp_path / "o"
    reps_total = runs * reps
    assert reps_total > spec_mod.CONFIRM_REPLICATIONS
    line = fails(
        sweep_cli(str(f), "--workers", "2", "--out", str(out)),
        str(f),
        f"{runs:,} runs",
        f"{reps_total:,} replications",
        "--yes",
    )
    minutes = reps_total * 0.5 / 60
    assert (
        f"about {minutes:.0f} min of compute" in line and f"about {minutes / 2:.0f} min on 2 workers" in line
    )
    assert not out.exists()
    # confirmed, it goes on to sample (stopped here by the test)
    fails(sweep_cli(str(f), "--workers", "2", "--out", str(out), "--yes"), "sampling reached (test stop)")


def test_a_small_sweep_needs_no_confirmation(tmp_path, base):
    ok = sweep_toml(tmp_path, base, samples=str(spec_mod.CONFIRM_REPLICATIONS))
    spec = load_sweep(ok)
    assert spec_mod.check_size(spec, yes=False) == spec_mod.CONFIRM_REPLICATIONS
    over = load_sweep(sweep_toml(tmp_path, base, samples=str(spec_mod.CONFIRM_REPLICATIONS + 1)))
    with pytest.raises(DxsimInputError, match="needs confirmation"):
        spec_mod.check_size(over, yes=False)


# --------------------------------------------------------------------------- run files


def canonical_sha256(rec: dict) -> str:
    body = {k: v for k, v in rec.items() if k != "sha256"}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()


@pytest.fixture(scope="module")
def finished(tmp_path_factory, base) -> tuple[Path, Path, bytes]:
    """A finished 3-run sweep: (sweep file, output folder, runs.csv bytes)."""
    d = tmp_path_factory.mktemp("finished")
    f = sweep_toml(d, base)
    out = d / "o"
    res = sweep_cli(str(f), "--workers", "0", "--out", str(out))
    assert res.exit_code == 0, (res.stderr, res.exception)
    return f, out, (out / "runs.csv").read_bytes()


def copy_out(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_each_run_file_carries_its_hash(finished):
    _, out, _ = finished
    files = sorted((out / "runs").glob("*.json"))
    assert len(files) == 3
    for p in files:
        rec = json.loads(p.read_text(encoding="utf-8"))
        assert rec["sha256"] == canonical_sha256(rec)


@pytest.mark.parametrize(
    "damage, expect",
    [
        (lambda text: text[: len(text) // 2], "unreadable"),  # truncated JSON
        (lambda text: "", "unreadable"),
        (lambda text: "null\n", "the file holds null"),
        (lambda text: '{"run_id": "x"}\n', "no sha256 checksum"),
    ],
    ids=["truncated", "empty", "null", "foreign"],
)
def test_a_damaged_run_file_is_run_again(tmp_path, finished, damage, expect):
    f, src, table = finished
    out = copy_out(src, tmp_path / "o")
    victim = sorted((out / "runs").glob("*.json"))[1]
    victim.write_text(damage(victim.read_text(encoding="utf-8")), encoding="utf-8")
    res = sweep_cli(str(f), "--workers", "0", "--out", str(out))
    assert res.exit_code == 0, (res.stderr, res.exception)
    # the run file's warning (the base's uncertainty draws get cautions of their own, about the parameters and the
    # few draws a run reads)
    warnings = [
        ln
        for ln in res.stderr.splitlines()
        if ln.startswith("warning:") and "is swept and" not in ln and "every run uses the same" not in ln
    ]
    assert len(warnings) == 1 and str(victim) in warnings[0] and expect in warnings[0], res.stderr
    assert "run 1 is executed again" in warnings[0]
    assert "1 run executed, 2 reused" in res.stdout
    rec = json.loads(victim.read_text(encoding="utf-8"))  # replaced by a good record
    assert rec["sha256"] == canonical_sha256(rec) and rec["run"] == 1
    assert (out / "runs.csv").read_bytes() == table


def test_an_edited_run_file_is_not_trusted(tmp_path, finished):
    f, src, table = finished
    out = copy_out(src, tmp_path / "o")
    victim = sorted((out / "runs").glob("*.json"))[0]
    rec = json.loads(victim.read_text(encoding="utf-8"))
    true_capex = rec["kpis"]["0"]["capex_total_vnd_bn"]
    rec["kpis"]["0"]["capex_total_vnd_bn"] = 2 * true_capex  # valid JSON, old hash
    victim.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    res = sweep_cli(str(f), "--workers", "0", "--out", str(out))
    assert res.exit_code == 0, (res.stderr, res.exception)
    assert str(victim) in res.stderr and "does not match its sha256 checksum" in res.stderr
    runs = pl.read_csv(out / "runs.csv")
    assert runs.filter(pl.col("run") == 0)["capex_total_vnd_bn"][0] == pytest.approx(true_capex, rel=1e-12)
    assert (out / "runs.csv").read_bytes() == table


def test_a_run_file_that_is_a_folder(tmp_path, finished):
    f, src, _ = finished
    out = copy_out(src, tmp_path / "o")
    victim = sorted((out / "runs").glob("*.json"))[2]
    victim.unlink()
    victim.mkdir()
    fails(
        sweep_cli(str(f), "--workers", "0", "--out", str(out)),
        str(victim),
        "not a regular file",
        "delete or move it",
    )


# --------------------------------------------------------------------------- orphan workers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_pool_workers_die_with_their_parent():
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from dxsim.execution.pool import _init_worker, parent_death_signal

    assert parent_death_signal() == 0  # this process: none set
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"), initializer=_init_worker) as ex:
        assert ex.submit(parent_death_signal).result(timeout=120) == int(signal.SIGKILL)


def _blocked_signals() -> set[int]:
    return {int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, set())}


def test_a_ctrl_c_reaches_the_caller_not_the_starting_workers():
    """^C to the terminal's process group while the pool's workers started printed each worker's KeyboardInterrupt
    traceback (spawn was importing dxsim): workers start with SIGINT blocked; the caller's mask is as before."""
    before = _blocked_signals()
    with LocalPool(1) as pool:
        worker_mask = pool.executor().submit(_blocked_signals).result(timeout=120)
    assert int(signal.SIGINT) in worker_mask
    assert _blocked_signals() == before and int(signal.SIGINT) not in before


def test_a_ctrl_c_while_the_tasks_are_queued_stops_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """^C while a 4,900-run sweep queued its runs (before any finished) printed "interrupted", then never exited: the
    queued runs sat outside the code that stops the pool, and the interpreter's exit waited for all of them, the
    workers at full CPU. By hand: the interrupt lands at the third task queued; the batch raises SweepInterrupted
    with nothing done, and the pool's workers are gone at once."""
    from concurrent.futures import ProcessPoolExecutor

    from dxsim.execution.pool import SweepInterrupted, run_tasks

    queued: list[int] = []
    real = ProcessPoolExecutor.submit
    workers: list[psutil.Process] = []

    def submit(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if fn is os.getpid:  # LocalPool starting its workers
            return real(self, fn, *args, **kwargs)
        workers[:] = [psutil.Process(p.pid) for p in self._processes.values()]
        queued.append(1)
        if len(queued) == 3:
            raise KeyboardInterrupt
        return real(self, fn, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    t0 = time.monotonic()
    with pytest.raises(SweepInterrupted) as info:
        run_tasks(list(range(4900)), lambda _rec: None, workers=1, fn=time.sleep)
    assert (info.value.done, info.value.total) == (0, 4900) and len(queued) == 3
    assert workers and not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    assert time.monotonic() - t0 < 60


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_no_child_outlives_a_killed_sweep(tmp_path, base):
    """SIGKILL `dxsim sweep --workers 2` while its workers run: every descendant is gone within 10 s."""
    f = sweep_toml(tmp_path, base, samples="40")
    env = dict(os.environ)
    env.setdefault("DXSIM_RAW_DATA", str(REPO.parent / "shared" / "geodata"))
    log = (tmp_path / "stderr.txt").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dxsim"),
            "sweep",
            str(f),
            "--workers",
            "2",
            "--out",
            str(tmp_path / "o"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    main = psutil.Process(proc.pid)
    family: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(
                    f"the sweep ended (exit {proc.returncode}) before its workers were seen: {log.read()}"
                )
            try:
                for c in main.children(recursive=True):
                    family.setdefault(c.pid, c)
                workers = [
                    c
                    for c in family.values()
                    if c.is_running()
                    and "spawn_main" in " ".join(c.cmdline())
                    and c.memory_info().rss > 150e6
                ]  # past start-up: the initializer has run
            except psutil.NoSuchProcess:
                continue
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the two pool workers did not start")
        for c in main.children(recursive=True):  # everything alive at the moment of the kill
            family.setdefault(c.pid, c)
        commands = []
        for c in family.values():
            try:
                commands.append(" ".join(c.cmdline()))
            except psutil.NoSuchProcess:
                pass
        assert any("resource_tracker" in c for c in commands), commands  # it must go too
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()

    def alive() -> list[psutil.Process]:
        out = []
        for c in family.values():
            try:
                if c.is_running() and c.status() != psutil.STATUS_ZOMBIE:
                    out.append(c)
            except psutil.NoSuchProcess:
                pass
        return out

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    left = alive()
    for c in left:  # do not leave them behind for the next test
        c.kill()
    assert not left, [(c.pid, c.cmdline()[-2:]) for c in left]


def test_a_long_sweep_tells_a_log_how_far_it_is(tmp_path, base, monkeypatch) -> None:
    """stderr not a terminal (a log): a sweep longer than LOG_EVERY_S prints "N of M runs done" lines; the
    3-run sweep of this module, shorter than the default 30 s, prints none (a fault stays the one line)."""
    import dxsim.cli.main as cli

    f = sweep_toml(tmp_path, base, samples="4")
    quiet = sweep_cli(str(f), "--workers", "0", "--out", str(tmp_path / "quiet"))
    assert quiet.exit_code == 0 and "runs done" not in quiet.stderr, quiet.stderr
    monkeypatch.setattr(cli, "LOG_EVERY_S", 0.0)  # as if every run took longer than the interval
    loud = sweep_cli(str(f), "--workers", "0", "--out", str(tmp_path / "loud"))
    assert loud.exit_code == 0, loud.stderr
    lines = [ln for ln in loud.stderr.splitlines() if "runs done" in ln]
    assert [ln.split(" (")[0] for ln in lines] == [f"{n} of 4 runs done" for n in (1, 2, 3)], loud.stderr


def test_a_long_run_of_many_replications_tells_a_log_how_far_it_is(tmp_path, base, monkeypatch) -> None:
    """`dxsim run --reps 5000` on a slow host printed nothing for ten minutes to a log; it prints
    "N of M replications done": the last always, the others at most every RUN_LOG_EVERY_S (and one per 5%)."""
    import dxsim.cli.main as cli

    def run(out: str):
        return CliRunner().invoke(
            app, ["run", str(base), "--reps", "3", "--no-map", "--no-report", "--out", out]
        )

    def counts(res) -> list[str]:
        return [
            ln.split(": ", 1)[1].split(" (")[0] for ln in res.stderr.splitlines() if "replications done" in ln
        ]

    monkeypatch.setattr(
        cli, "RUN_LOG_EVERY_S", 3600.0
    )  # a run quicker than the interval: only the last count
    quiet = run(str(tmp_path / "quiet"))
    assert quiet.exit_code == 0 and counts(quiet) == ["3 of 3 replications done"], quiet.stderr
    monkeypatch.setattr(cli, "RUN_LOG_EVERY_S", 0.0)  # as if every replication took longer than the interval
    loud = run(str(tmp_path / "loud"))
    assert loud.exit_code == 0, loud.stderr
    assert counts(loud) == [f"{n} of 3 replications done" for n in (1, 2, 3)], loud.stderr


def test_a_sweep_table_the_user_edited_is_theirs(tmp_path, finished):
    """Run folders kept a user's edit (digests in the manifest); sweep folders did not: a re-sweep overwrote an edited
    drivers.md and `make clean` deleted it. The sweep's tables now carry their digests too."""
    f, src, table = finished
    manifest = json.loads((src / ".dxsim-output.json").read_text(encoding="utf-8"))
    assert set(manifest["sha256"]) >= {"runs.csv", "drivers.md", "sweep.json"}
    out = copy_out(src, tmp_path / "o")
    (out / "drivers.md").write_text("my notes\n", encoding="utf-8")
    res = sweep_cli(str(f), "--workers", "0", "--out", str(out))
    assert res.exit_code == 2 and "drivers.md" in res.stderr and "changed after dxsim wrote it" in res.stderr
    assert (out / "drivers.md").read_text(encoding="utf-8") == "my notes\n"
    assert remove_own_output(out) and out.is_dir()  # `make clean` keeps it
    assert remove_own_output(copy_out(src, tmp_path / "clean")) == []  # an unedited copy is dxsim's to remove


def test_an_interrupt_while_the_tables_are_written_keeps_the_previous_set(tmp_path):
    """An interrupted re-sweep left runs.csv of 16 runs beside a sweep.json of 12: the set is written as one."""
    folder = claim_output_dir(tmp_path / "s", kind="sweep")
    atomic_files(
        folder, {"a.csv": lambda p: p.write_text("old a"), "b.json": lambda p: p.write_text("old b")}
    )

    def interrupted(p: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_files(folder, {"a.csv": lambda p: p.write_text("new a"), "b.json": interrupted})
    assert (folder / "a.csv").read_text() == "old a" and (folder / "b.json").read_text() == "old b"
    assert sorted(p.name for p in folder.iterdir()) == [".dxsim-output.json", "a.csv", "b.json"]  # no debris
    assert changed_since_written(folder) == []


def test_a_set_with_a_folder_and_a_subfolder_file_is_swapped_in_whole(tmp_path):
    """An optimisation's set holds compare/ (a folder `atomic_dir` writes) and pareto/plan-01.toml: the old folder is
    replaced whole, only after every entry is written, its files' digests are recorded under its name, and `finish`
    runs once the set is in place."""
    folder = claim_output_dir(tmp_path / "o", kind="optimise")

    def compare_dir(text: str) -> Callable[[Path], None]:
        def fill(p: Path) -> None:
            atomic_dir(p, lambda d: (d / "compare.csv").write_text(text), kind="compare")

        return fill

    atomic_files(folder, {"compare": compare_dir("old"), "pareto/plan-01.toml": lambda p: p.write_text("p1")})
    (folder / "compare" / "stale.csv").write_text("an earlier file")
    with pytest.raises(KeyboardInterrupt):
        atomic_files(
            folder,
            {"compare": compare_dir("new"), "b.md": lambda p: (_ for _ in ()).throw(KeyboardInterrupt())},
        )
    assert (folder / "compare" / "stale.csv").exists() and (
        folder / "compare" / "compare.csv"
    ).read_text() == "old"
    finished: list[bool] = []
    atomic_files(
        folder, {"compare": compare_dir("new")}, finish=lambda: finished.append((folder / "compare").is_dir())
    )
    assert finished == [True]
    assert sorted(p.name for p in (folder / "compare").iterdir()) == [".dxsim-output.json", "compare.csv"]
    assert (folder / "compare" / "compare.csv").read_text() == "new"
    assert (folder / "pareto" / "plan-01.toml").read_text() == "p1"
    digests = read_manifest(folder)["sha256"]
    assert digests["compare/compare.csv"] == file_sha256(folder / "compare" / "compare.csv")
    assert "compare/.dxsim-output.json" not in digests and "pareto/plan-01.toml" in digests
    assert not [p for p in folder.rglob(".*") if p.name != ".dxsim-output.json"]  # no debris


def test_a_folder_filled_again_says_when_dxsim_last_wrote_it(tmp_path):
    """A sweep or optimisation folder written again: its manifest's `written_utc` is the later write's time, not the
    first search's (it said the first search's after any number of re-runs)."""
    folder = claim_output_dir(tmp_path / "o", kind="optimise")
    atomic_files(folder, {"a.md": lambda p: p.write_text("one")})
    m = read_manifest(folder)
    m["written_utc"] = "2001-01-01T00:00:00+00:00"  # as if the first search ran long ago
    (folder / ".dxsim-output.json").write_text(json.dumps(m))
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    atomic_files(folder, {"a.md": lambda p: p.write_text("two")})
    after = dt.datetime.now(dt.UTC)
    assert before <= dt.datetime.fromisoformat(read_manifest(folder)["written_utc"]) <= after


@pytest.mark.parametrize(
    ("command", "file", "what", "tool"),
    [
        ("validate", "scenarios/optimise/envelope-split.toml", "is an optimisation file", "`dxsim optimise`"),
        ("run", "scenarios/optimise/envelope-split.toml", "is an optimisation file", "`dxsim optimise`"),
        ("show", "scenarios/sweeps/example.toml", "is a sweep file", "`dxsim sweep`"),
    ],
)
def test_an_optimisation_or_sweep_file_given_as_a_scenario_is_named_as_such(
    command: str, file: str, what: str, tool: str
) -> None:
    """`dxsim validate scenarios/optimise/envelope-split.toml` said "unknown key 'base'", "unknown key 'reps'; did
    you mean 'crews'?" and a line for each other key (optimise trial)."""
    path = Path(__file__).resolve().parent.parent / file
    res = CliRunner().invoke(app, [command, str(path)])
    line = one_line_error(res.stderr, res.stdout, path.name, what, "not a scenario file", tool)
    assert res.exit_code == 2 and "unknown key" not in line


@pytest.mark.parametrize(
    ("command", "what"), [("sweep", "not a sweep file"), ("optimise", "not an optimisation file")]
)
def test_a_scenario_file_given_to_sweep_or_optimise_is_named_as_such(command: str, what: str) -> None:
    """`dxsim optimise scenarios/baseline.toml` said "unknown key 'description'"."""
    scenario = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    res = CliRunner().invoke(app, [command, str(scenario)])
    line = one_line_error(res.stderr, res.stdout, "baseline.toml", "is a scenario file", what, "`base`")
    assert res.exit_code == 2 and "unknown key" not in line


@pytest.mark.parametrize(
    ("command", "given", "what"),
    [
        ("sweep", "scenarios/optimise/envelope-split.toml", "`dxsim optimise`"),
        ("optimise", "scenarios/sweeps/example.toml", "`dxsim sweep`"),
    ],
)
def test_a_sweep_or_optimisation_file_given_to_the_other_command_is_named_as_such(
    command: str, given: str, what: str
) -> None:
    """`dxsim sweep` of an optimisation file said "unknown key 'reps'"; `dxsim optimise` of a sweep file said
    "unknown key 'method'"."""
    path = Path(__file__).resolve().parent.parent / given
    res = CliRunner().invoke(app, [command, str(path)])
    line = one_line_error(res.stderr, res.stdout, path.name, "not a", what)
    assert res.exit_code == 2 and "unknown key" not in line


def test_a_sweep_file_with_a_mistyped_key_is_still_told_about_the_key(tmp_path: Path) -> None:
    """A sweep file that also has a key of an optimisation file (`reps` for `reps_per_run`) is still a sweep file."""
    example = Path(__file__).resolve().parent.parent / "scenarios" / "sweeps" / "example.toml"
    text = example.read_text(encoding="utf-8").replace("reps_per_run = 1", "reps = 1")
    text = text.replace(
        'base = "../baseline.toml"', f'base = "{(example.parent.parent / "baseline.toml").as_posix()}"'
    )
    f = tmp_path / "s.toml"
    f.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["sweep", str(f)])
    line = one_line_error(res.stderr, res.stdout, "s.toml", "unknown key 'reps'")
    assert res.exit_code == 2 and "optimisation file" not in line


def test_the_keys_that_tell_a_sweep_file_from_an_optimisation_file_are_the_specs_own() -> None:
    """refuse_other_tool_file tells the two kinds apart by the keys only one of them has; the optimisation spec reads
    its own keys from the same list, so a key added to either file kind moves the sets with it."""
    from dxsim.optimise.spec import TOP_KEYS as OPTIMISE_KEYS
    from dxsim.sweep.spec import OPTIMISE_ONLY_KEYS, SWEEP_ONLY_KEYS
    from dxsim.sweep.spec import TOP_KEYS as SWEEP_KEYS

    assert {"method", "samples", "reps_per_run", "parameters"} <= SWEEP_ONLY_KEYS
    assert {"reps", "max_evals", "variables", "objectives"} <= OPTIMISE_ONLY_KEYS
    assert SWEEP_ONLY_KEYS == set(SWEEP_KEYS) - set(OPTIMISE_KEYS)
    assert OPTIMISE_ONLY_KEYS == set(OPTIMISE_KEYS) - set(SWEEP_KEYS)
    assert not {"base", "name", "seed"} & (SWEEP_ONLY_KEYS | OPTIMISE_ONLY_KEYS)  # both kinds have them


PERMIT = "villages.programme.permit"


def test_a_delay_median_swept_alone_is_flagged_with_its_tail_by_hand(tmp_path: Path, base: Path) -> None:
    """Sweeping a delay's p50 with its p90 fixed widens the spread as the median falls; the note gives the 99th
    percentiles at the range's ends, here by hand from the log-normal's own definition (not dxsim.delay)."""
    from statistics import NormalDist

    from dxsim.sweep.spec import delay_cautions

    extra = f'[[parameters]]\npath = "{PERMIT}.p50_days"\nlow = 15\nhigh = 140\n'
    spec = load_sweep(sweep_toml(tmp_path, base, extra=extra))
    (note,) = delay_cautions(spec)
    z90, z99 = NormalDist().inv_cdf(0.9), NormalDist().inv_cdf(0.99)
    p90 = spec.base_scenario.villages.programme.permit.p90_days
    assert p90 == 150.0  # the baseline's permit delay

    def p99(p50: float) -> float:  # ln X ~ N(ln p50, sigma), sigma from the 90th percentile
        return math.exp(math.log(p50) + z99 * (math.log(p90) - math.log(p50)) / z90)

    assert p99(15) > p99(140)  # the lower median has the slower stragglers
    assert f"`{PERMIT}.p50_days` is swept with `{PERMIT}.p90_days` fixed at 150 days" in note
    assert f"99th percentile {p99(15):,.0f} days at 15, {p99(140):,.0f} at 140" in note
    # both ends of the delay swept, or none of its median: nothing to say
    both = extra + f'[[parameters]]\npath = "{PERMIT}.p90_days"\nlow = 150\nhigh = 300\n'
    assert delay_cautions(load_sweep(sweep_toml(tmp_path, base, name="b.toml", extra=both))) == []
    assert delay_cautions(load_sweep(sweep_toml(tmp_path, base, name="c.toml"))) == []


def test_the_sweep_command_warns_of_a_lone_delay_median_and_drivers_md_keeps_it(tmp_path: Path) -> None:
    short = tmp_path / "short.toml"
    short.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "short"\n[horizon]\nend_date = 2025-12-31\n',
        encoding="utf-8",
    )
    f = tmp_path / "s.toml"
    f.write_text(
        f'base = "{short.as_posix()}"\nmethod = "lhs"\nsamples = 2\nseed = 3\nreps_per_run = 1\n'
        'kpis = ["villages_connected_end"]\n'
        f'[[parameters]]\npath = "{PERMIT}.p50_days"\nlow = 15\nhigh = 140\n',
        encoding="utf-8",
    )
    res = sweep_cli(str(f), "--workers", "0", "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, (res.stdout, res.stderr)
    said = " ".join(res.stderr.split())
    assert f"warning: `{PERMIT}.p50_days` is swept with `{PERMIT}.p90_days` fixed at 150 days" in said
    md = (tmp_path / "out" / "drivers.md").read_text(encoding="utf-8")
    assert f"`{PERMIT}.p50_days` is swept with `{PERMIT}.p90_days` fixed at 150 days" in md


def test_a_swept_value_the_uncertainty_also_draws_is_flagged(tmp_path: Path, base: Path) -> None:
    """A sweep kept the [uncertainty] draws on top of the swept values, unsaid, so discover's thresholds read
    nominal values times a hidden draw (operator trial). Kits a month (the default PARAM) are drawn x0.75 to x1.25,
    and a permit delay's median is drawn with its delay; a path no range covers, or draws turned off, get no note."""
    from dxsim.sweep.spec import uncertainty_cautions

    extra = f'[[parameters]]\npath = "{PERMIT}.p50_days"\nlow = 15\nhigh = 140\n'
    spec = load_sweep(sweep_toml(tmp_path, base, extra=extra))
    ranges = spec.base_scenario.uncertainty.ranges
    kits = ranges["supply.deliveries_per_month"]
    notes = uncertainty_cautions(spec)
    assert [n.split("`")[1] for n in notes] == [f"{PERMIT}.p50_days", "supply.deliveries_per_month"]
    assert f"x{kits.low_factor:.2f} to x{kits.high_factor:.2f} of the swept value" in notes[1]
    crews = '[[parameters]]\npath = "crews.north.teams"\nlow = 100\nhigh = 200\n'
    off = tmp_path / "off.toml"
    off.write_text(base.read_text(encoding="utf-8") + "[uncertainty]\nenabled = false\n", encoding="utf-8")
    assert uncertainty_cautions(load_sweep(sweep_toml(tmp_path, off, name="o.toml"))) == []
    only_crews = sweep_toml(tmp_path, base, name="c.toml", extra=crews)
    assert [n.split("`")[1] for n in uncertainty_cautions(load_sweep(only_crews))] == [
        "supply.deliveries_per_month"
    ]


def test_a_sweep_of_few_replications_per_run_says_it_reads_few_draws(tmp_path: Path, base: Path) -> None:
    """With the base's uncertain assumptions drawn, every run of a sweep uses the same replications of the same seed:
    with reps_per_run = 1 its levers are compared on one draw (a seed-7 sweep read the baseline's stall at that draw
    as the levers' doing: search-workflow trial). Five replications a run, or draws turned off, get no note."""
    from dxsim.sweep.spec import FEW_DRAWS, draw_cautions

    one = draw_cautions(load_sweep(sweep_toml(tmp_path, base, seed="7")))
    assert (
        len(one) == 1
        and "the same 1 replication of seed 7" in one[0]
        and f"reps_per_run = {FEW_DRAWS}" in one[0]
    )
    two = draw_cautions(load_sweep(sweep_toml(tmp_path, base, name="t.toml", reps=2)))
    assert len(two) == 1 and "the same 2 replications of seed 11" in two[0]
    assert draw_cautions(load_sweep(sweep_toml(tmp_path, base, name="f.toml", reps=FEW_DRAWS))) == []
    off = tmp_path / "off.toml"
    off.write_text(base.read_text(encoding="utf-8") + "[uncertainty]\nenabled = false\n", encoding="utf-8")
    assert draw_cautions(load_sweep(sweep_toml(tmp_path, off, name="o.toml"))) == []


def test_a_swept_range_that_looks_like_a_unit_slip_is_noted(tmp_path: Path, base: Path) -> None:
    """0.1 to 0.4 on a field in percent sweeps 0.1%-0.4% (validate notes the same value in a scenario; the sweep ran
    without a word: search-workflow trial); a yearly budget swept at 1/700 of the base's value is noted too. A range
    in the field's own unit is not."""
    from dxsim.sweep.spec import unit_cautions

    extra = (
        '[[parameters]]\npath = "subsidy.equipment_share_pct"\nlow = 0.1\nhigh = 0.4\n\n'
        '[[parameters]]\npath = "operators.viettel.capex_budget_vnd_bn.2026"\nlow = 20\nhigh = 30\n\n'
        '[[parameters]]\npath = "crews.north.teams"\nlow = 400\nhigh = 600\n'
    )
    notes = unit_cautions(load_sweep(sweep_toml(tmp_path, base, extra=extra)))
    assert len(notes) == 2, notes
    assert notes[0].startswith("`subsidy.equipment_share_pct` is swept from 0.1 to 0.4")
    assert "0.4 means 0.4%, not 40%" in notes[0]
    assert notes[1].startswith("`operators.viettel.capex_budget_vnd_bn.2026` is swept from 20 to 30")
    assert "check it is in VND bn" in notes[1]
    fine = '[[parameters]]\npath = "subsidy.equipment_share_pct"\nlow = 10\nhigh = 40\n'
    assert unit_cautions(load_sweep(sweep_toml(tmp_path, base, name="f.toml", extra=fine))) == []
