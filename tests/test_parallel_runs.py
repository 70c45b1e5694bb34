"""Replications on the local pool give the same files as in one process, and the metrics spool leaves nothing.

`dxsim run --workers N` and `dxsim compare --workers N` (dxsim.runner.run_more_replications,
dxsim.compare.compare_scenarios) send replications to pool workers that load the prepared world from
the store; a replication depends only on (world, seed, index), so every table must be equal row for row.
"""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from conftest import BASELINE, REPO, dxsim_cmd

from dxsim.execution import chunks, replication_workers
from dxsim.results import spool as spool_mod

SAME_FILES = ("metrics.csv", "support_decisions.csv", "calibration.csv", "scenario.resolved.toml")
SAME_TABLES = (
    "metrics.parquet",
    "villages.parquet",
    "sites_5g.parquet",
    "grid_5km.parquet",
    "datacentres.parquet",
)


@pytest.fixture(scope="module")
def serial_and_pooled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("parallel")
    (root / "tmp").mkdir()  # the runs' own temporary folder (TMPDIR): their spools go there
    for name, workers in (("serial", "0"), ("pooled", "2")):
        r = dxsim_cmd(
            "run",
            str(BASELINE),
            "--reps",
            "3",
            "--workers",
            workers,
            "--no-map",
            "--no-report",
            "--out",
            str(root / name),
            env={"TMPDIR": str(root / "tmp")},
        )
        assert r.returncode == 0, r.stderr
    return root / "serial", root / "pooled"


def test_pooled_run_writes_the_same_tables_as_a_serial_run(serial_and_pooled: tuple[Path, Path]) -> None:
    a, b = serial_and_pooled
    for name in SAME_TABLES:
        ta, tb = pl.read_parquet(a / name), pl.read_parquet(b / name)
        assert ta.equals(tb), name
    assert pl.read_parquet(a / "metrics.parquet")["replication"].unique().sort().to_list() == [0, 1, 2]
    for name in SAME_FILES:
        assert filecmp.cmp(a / name, b / name, shallow=False), name
    ka = json.loads((a / "summary.json").read_text(encoding="utf-8"))["kpis"]
    kb = json.loads((b / "summary.json").read_text(encoding="utf-8"))["kpis"]
    assert ka == kb and "pop_covered_5g_pct_2030_12_p10" in ka


def test_pooled_compare_equals_serial(tmp_path: Path) -> None:
    outs = {}
    for workers in ("0", "2"):
        out = tmp_path / f"w{workers}"
        r = dxsim_cmd(
            "compare",
            str(BASELINE),
            str(REPO / "scenarios" / "more-crews.toml"),
            "--reps",
            "2",
            "--workers",
            workers,
            "--out",
            str(out),
        )
        assert r.returncode == 0, r.stderr
        outs[workers] = out
    assert filecmp.cmp(outs["0"] / "compare.csv", outs["2"] / "compare.csv", shallow=False)
    assert pl.read_csv(outs["0"] / "compare.csv").height > 20


def test_worker_choice_and_chunks() -> None:
    assert replication_workers(0, 100) == 0 and replication_workers(1, 100) == 0
    assert replication_workers(3, 2) == 3
    assert replication_workers(None, 2) == 0  # below the pool threshold: one process
    assert replication_workers(None, 100) == (os.cpu_count() or 1)
    idx = list(range(1, 1000))
    parts = chunks(idx, 2)
    assert [i for c in parts for i in c] == idx  # every replication once, in order
    assert max(len(c) for c in parts) <= 25 and len(parts) >= 8


def test_spool_is_removed_and_stale_spools_are_cleaned(tmp_path: Path) -> None:
    sp = spool_mod.MetricsSpool.create(tmp_path)
    sp.write(1, pl.DataFrame({"replication": [1], "value": [1.0]}))
    sp.write(0, pl.DataFrame({"replication": [0], "value": [2.0]}))
    assert sp.collect()["replication"].to_list() == [0, 1]  # replication order, not write order
    sp.close()
    assert not sp.folder.exists()
    # a run killed mid-way: its lock was let go when it died (taken and released here)
    dead = spool_mod.MetricsSpool.create(tmp_path)
    assert dead._finalizer is not None
    _obj, _remove, (_folder, lock_fd), _kw = dead._finalizer.detach()  # as if killed: nothing removed at exit
    os.close(lock_fd)  # ... and its lock let go, as the kernel does when a process dies
    live = spool_mod.MetricsSpool.create(tmp_path)  # this process's, alive: its lock is held
    mine = tmp_path / "dxsim-spool-notes"  # not a spool name: never touched
    mine.mkdir()
    # an older dxsim's spool (no lock file) of a PID not seen here: removed only once untouched for a day
    old_fresh = tmp_path / f"{spool_mod.PREFIX}999999999-abc"
    old_fresh.mkdir()
    old_stale = tmp_path / f"{spool_mod.PREFIX}999999998-abc"
    old_stale.mkdir()
    day_ago = time.time() - spool_mod.LEGACY_STALE_S - 60
    os.utime(old_stale, (day_ago, day_ago))
    gone = spool_mod.remove_stale(tmp_path)
    assert old_stale in gone and old_fresh not in gone and live.folder not in gone
    assert live.folder.exists() and mine.exists() and old_fresh.exists() and not old_stale.exists()
    live.close()
    assert not live.folder.exists()


def test_a_spool_of_a_process_this_one_cannot_see_is_kept_while_its_lock_is_held(tmp_path: Path) -> None:
    """The system's temporary folder can be shared by containers that do not see each other's processes: a spool
    named after a PID not seen here (999999999) whose lock another live process holds is another run's, and stays;
    once that process has exited (its lock gone with it) the spool is stale and removed. Before the lock, the PID
    alone decided, and a run removed a live spool of another container (new-user trial)."""
    spool = tmp_path / f"{spool_mod.PREFIX}999999999-elsewhere"
    spool.mkdir()
    (spool / "rep-0000000.parquet").write_bytes(b"part")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(spool / spool_mod.LOCK)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\nsys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert spool_mod.remove_stale(tmp_path) == []
        assert (spool / "rep-0000000.parquet").exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert spool_mod.remove_stale(tmp_path) == [spool] and not spool.exists()


def test_a_run_leaves_no_spool_behind(serial_and_pooled: tuple[Path, Path]) -> None:
    tmp = serial_and_pooled[0].parent / "tmp"
    assert list(tmp.iterdir()) == []  # both runs (and the pool's workers) removed what they spooled


class Payload:
    """Something a finished task's record carries, to follow with a weak reference (a record of `dxsim run --reps`
    carries its replications' national rows)."""


def payload_record(task: int) -> dict[str, object]:
    """A task of run_tasks (module level: pool workers import it by name)."""
    return {"payload": Payload(), "task": task, "timing": {"task_s": 0.01, "prepare_s": 0.0}}


@pytest.mark.parametrize("workers", [0, 2])
def test_a_batch_keeps_no_finished_record(workers: int) -> None:
    """run_tasks hands each record to on_result and then lets it go: keeping every record (and every finished future)
    to the end held ~0.4 MB a replication of a 1,000-replication run. No earlier record is alive while one is
    handled."""
    import gc
    import weakref

    from dxsim.execution import run_tasks

    refs: list[weakref.ref[Payload]] = []
    alive: list[int] = []

    def on_result(rec: dict[str, object]) -> None:
        gc.collect()
        alive.append(sum(r() is not None for r in refs))
        payload = rec["payload"]
        assert isinstance(payload, Payload)
        refs.append(weakref.ref(payload))

    stats = run_tasks(list(range(8)), on_result, workers=workers, fn=payload_record)
    assert stats.tasks == 8 and len(alive) == 8 and stats.busy_s == pytest.approx(0.08)
    assert max(alive) == 0, alive
