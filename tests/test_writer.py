"""The one writer: never destroys what dxsim did not write; atomic under exceptions, full disks and kills.

Faults are injected for real: exceptions inside the fill, a tiny tmpfs (disk full) and a read-only
mount (both need root, as CI has; skipped elsewhere), and SIGKILL / SIGTERM of real processes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import BASELINE, REPO, dxsim_cmd, one_line_error

from dxsim.errors import DxsimInputError, OutputError
from dxsim import runner
from dxsim.results import writer
from dxsim.results.writer import MANIFEST, atomic_dir, check_output_dir, claim_output_dir, clean_debris


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) with the sha256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def debris(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def fill_with(text: str):
    def fill(tmp: Path) -> None:
        (tmp / "a.txt").write_text(text)
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.txt").write_text(text * 2)

    return fill


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    atomic_dir(out, fill_with("old"))
    return out


# --------------------------------------------------------------------------- ownership rules


def test_a_users_folder_is_refused_and_untouched(tmp_path: Path) -> None:
    user = tmp_path / "work"
    user.mkdir()
    (user / "budget-2026.xlsx").write_bytes(b"PK\x03\x04 not really excel")
    (user / "notes.txt").write_text("mine")
    (user / "sub").mkdir()
    (user / "sub" / "deep.txt").write_text("also mine")
    before = snapshot(user)
    with pytest.raises(DxsimInputError, match="did not write"):
        atomic_dir(user, fill_with("new"))
    assert snapshot(user) == before
    assert debris(tmp_path) == []


def test_a_file_is_never_turned_into_a_folder(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("precious")
    with pytest.raises(DxsimInputError, match="not a folder"):
        atomic_dir(f, fill_with("new"))
    with pytest.raises(DxsimInputError, match="is a file"):
        atomic_dir(f / "below", fill_with("new"))
    assert f.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_current_folder_and_its_parents_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = tmp_path / "x" / "y"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    for target in (Path("."), Path(".."), tmp_path):
        with pytest.raises(DxsimInputError, match="current folder"):
            check_output_dir(target)


def test_empty_folder_and_own_folder_are_replaced(tmp_path: Path, previous: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    atomic_dir(empty, fill_with("x"))
    assert (empty / "a.txt").read_text() == "x"
    atomic_dir(previous, fill_with("new"))
    assert (previous / "a.txt").read_text() == "new"
    m = json.loads((previous / MANIFEST).read_text())
    assert m["writer"] == "dxsim" and m["folder"] == "out" and m["files"] == ["a.txt", "sub/b.txt"]
    assert debris(tmp_path) == []


def test_a_file_of_the_old_output_the_new_one_lacks_does_not_survive(previous: Path) -> None:
    atomic_dir(previous, lambda tmp: (tmp / "a.txt").write_text("only this"))
    assert sorted(p.name for p in previous.iterdir()) == [
        MANIFEST,
        "a.txt",
    ]  # sub/b.txt of the old run is gone


def test_legacy_run_folder_is_recognised_but_not_with_a_user_file(tmp_path: Path) -> None:
    legacy = tmp_path / "baseline"
    legacy.mkdir()
    (legacy / "summary.json").write_text(json.dumps({"dxsim_version": "0.1.0", "kpis": {}}))
    (legacy / "metrics.csv").write_text("a\n1\n")
    assert writer.is_dxsim_folder(legacy)
    (legacy / "my-notes.txt").write_text("mine")
    assert not writer.is_dxsim_folder(legacy)


def test_pages_overwrite_only_dxsim_files(tmp_path: Path) -> None:
    mine = tmp_path / "index.html"
    mine.write_text("<html>my page</html>")
    with pytest.raises(DxsimInputError, match="not a page dxsim wrote"):
        writer.atomic_page(mine, "<html>dxsim</html>")
    assert mine.read_text() == "<html>my page</html>"
    ours = tmp_path / "map.html"
    writer.atomic_page(ours, f'<html><meta {writer.GENERATOR_MARK} 0.2.0"></html>')
    writer.atomic_page(ours, f'<html><meta {writer.GENERATOR_MARK} 0.2.0">v2</html>')
    assert "v2" in ours.read_text()


def test_a_folder_inside_a_folder_dxsim_replaces_whole_is_refused(tmp_path: Path) -> None:
    """`dxsim run --out outputs/rep2/sub` wrote a run inside a run; replacing outputs/rep2 was then refused (it "now
    also holds sub"), and would otherwise have taken sub with it (new-user trial). A target inside a run's (or a
    compare's) folder is refused before any work, naming the outer folder; inside a sweep's folder (filled file by
    file, never replaced whole) or a user's folder it is allowed, so the refusal could fail."""
    run = atomic_dir(tmp_path / "rep2", lambda t: (t / "summary.json").write_text("{}"), kind="run")
    compared = atomic_dir(tmp_path / "cmp", lambda t: (t / "compare.csv").write_text("x"), kind="compare")
    for outer in (run, compared):
        with pytest.raises(DxsimInputError) as e:
            check_output_dir(outer / "deeper" / "sub", kind="run")
        assert f"is inside {outer}, an output folder dxsim replaces whole" in str(e.value)
        assert str(tmp_path / "sub") in str(e.value)  # the folder to use instead
    sweep = claim_output_dir(tmp_path / "sweep", kind="sweep")
    user = tmp_path / "user"
    user.mkdir()
    assert check_output_dir(sweep / "x", kind="run") == sweep / "x"
    assert check_output_dir(user / "x", kind="run") == user / "x"
    # as the user meets it: one line, exit 2, nothing written, and the outer folder stays replaceable
    r = dxsim_cmd("run", str(BASELINE), "--reps", "1", "--no-map", "--no-report", "--out", str(run / "sub"))
    assert r.returncode == 2
    one_line_error(r.stderr, r.stdout, str(run / "sub"), "replaces whole")
    assert sorted(p.name for p in run.iterdir()) == [MANIFEST, "summary.json"]
    assert check_output_dir(run, kind="run") == run


def test_claimed_folder_is_marked_and_a_users_folder_is_not_claimed(tmp_path: Path) -> None:
    sweep = claim_output_dir(tmp_path / "sweeps" / "s1", kind="sweep")
    assert json.loads((sweep / MANIFEST).read_text())["kind"] == "sweep"
    (sweep / "runs").mkdir()
    assert claim_output_dir(sweep, kind="sweep") == sweep  # resuming: its own folder
    user = tmp_path / "user"
    user.mkdir()
    (user / "x.txt").write_text("x")
    with pytest.raises(DxsimInputError):
        claim_output_dir(user, kind="sweep")
    assert not (user / MANIFEST).exists()


# --------------------------------------------------------------------------- injected failures


def test_exception_mid_fill_leaves_previous_intact_and_no_debris(previous: Path) -> None:
    before = snapshot(previous)

    def boom(tmp: Path) -> None:
        (tmp / "a.txt").write_text("half")
        raise RuntimeError("injected")

    with pytest.raises(RuntimeError, match="injected"):
        atomic_dir(previous, boom)
    assert snapshot(previous) == before
    assert debris(previous.parent) == []


def test_disk_full_is_a_fault_with_previous_intact(previous: Path) -> None:
    before = snapshot(previous)

    def full(tmp: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp / "metrics.parquet"))

    with pytest.raises(
        OutputError, match="failed \\(no space left on device\\); the previous output, if any, is intact"
    ):
        atomic_dir(previous, full)
    assert snapshot(previous) == before
    assert debris(previous.parent) == []


def test_swap_without_renameat2_still_atomic(previous: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    atomic_dir(previous, fill_with("two renames"))
    assert (previous / "a.txt").read_text() == "two renames"
    assert debris(previous.parent) == []


@pytest.fixture
def tiny_mount(tmp_path: Path) -> Iterator[Path]:
    """A real 300 KB tmpfs (needs root and mount rights; skipped without them)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_mount_point_as_out_is_refused_up_front(tiny_mount: Path) -> None:
    """An empty mounted folder (a USB stick) cannot be renamed over: refused before the work, a folder inside works."""
    with pytest.raises(DxsimInputError, match="is a mount point") as e:
        check_output_dir(tiny_mount)
    assert str(tiny_mount / "NAME") in str(e.value)
    assert list(tiny_mount.iterdir()) == []
    atomic_dir(tiny_mount / "run", fill_with("x"))
    assert (tiny_mount / "run" / "a.txt").read_text() == "x"


def test_real_disk_full_previous_intact(tiny_mount: Path) -> None:
    out = tiny_mount / "out"
    atomic_dir(out, fill_with("old"))
    before = snapshot(out)

    def big(tmp: Path) -> None:
        (tmp / "big.bin").write_bytes(os.urandom(1 << 20))

    with pytest.raises(OutputError, match="no space left on device"):
        atomic_dir(out, big)
    assert snapshot(out) == before
    assert debris(tiny_mount) == []


def test_read_only_target_is_bad_input_via_cli(tiny_mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_mount)], check=True)
    r = dxsim_cmd("calibration", str(BASELINE), "--out", str(tiny_mount / "cal"))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert str(tiny_mount / "cal") in lines[0] and "writable" in lines[0]


# --------------------------------------------------------------------------- kills

KILL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from dxsim.results import writer
    out, mode = Path(sys.argv[1]), sys.argv[2]
    def fill(tmp):
        (tmp / "a.txt").write_text("new")
        if mode == "fill":
            print("ready", flush=True); time.sleep(60)
    if mode == "between":  # the two-rename fallback, killed between its renames
        writer._exchange = lambda a, b: False
        real = os.rename
        def rename(a, b):
            real(a, b)
            if str(b).endswith(f".old-{os.getpid()}"):
                print("ready", flush=True); time.sleep(60)
        writer.os.rename = rename
    if mode == "after-swap":  # killed after the swap, before the old copy is removed
        real_exchange = writer._exchange
        def exchange(a, b):
            done = real_exchange(a, b)
            print("ready", flush=True); time.sleep(60)
            return done
        writer._exchange = exchange
    writer.atomic_dir(out, fill)
""")


@pytest.mark.parametrize("mode", ["fill", "between", "after-swap"])
def test_sigkill_at_any_moment_keeps_an_output_and_next_write_cleans(previous: Path, mode: str) -> None:
    before = snapshot(previous)
    p = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(previous), mode], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    parent = previous.parent
    if mode == "after-swap":
        assert (previous / "a.txt").read_text() == "new"  # the swap happened: the new output is in place
    elif mode == "fill":
        assert snapshot(previous) == before
    else:
        assert not previous.exists()  # between the renames: only the hidden copy holds the old output
    assert debris(parent)  # the kill left something behind ...
    clean_debris(previous)  # ... which the next write to the same place clears first
    assert debris(parent) == []
    if mode != "after-swap":
        assert snapshot(previous) == before  # the previous output, restored when needed
    atomic_dir(previous, fill_with("later"))
    assert (previous / "a.txt").read_text() == "later"


@pytest.mark.parametrize("mode", ["fill", "between"])
def test_a_write_elsewhere_clears_a_killed_runs_unfinished_folder(previous: Path, mode: str) -> None:
    """SIGKILL while writing `previous`; then a write to a sibling output. The unfinished folder goes; a hidden
    copy that alone holds the previous output (killed between the renames) stays, for a write there to restore;
    a user's files of the same pattern stay."""
    before = snapshot(previous)
    p = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(previous), mode], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    parent = previous.parent
    left = debris(parent)
    assert left
    users_dir, users_file = parent / ".c.tmp-999999999", parent / ".d.tmp-999999999"
    users_dir.mkdir()
    (users_dir / "notes.txt").write_text("mine")
    users_file.write_text("mine")
    atomic_dir(parent / "sibling", fill_with("other"))  # cleans what killed runs left beside it first
    remaining = [d for d in debris(parent) if d not in (users_dir.name, users_file.name)]
    if mode == "fill":
        assert remaining == [] and snapshot(previous) == before
    else:  # the .old copy is the only copy of the previous output: kept until `previous` is written
        assert remaining and all(".old-" in d for d in remaining) and not previous.exists()
        clean_debris(previous)
        assert snapshot(previous) == before
    assert (users_dir / "notes.txt").read_text() == "mine" and users_file.read_text() == "mine"


def test_debris_of_a_live_process_or_a_user_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = tmp_path / f".out.tmp-{os.getpid()}"
    live.mkdir()
    (live / writer.TMP_MARK).touch()
    users = tmp_path / ".out.tmp-999999999"
    users.mkdir()
    (users / "thesis.tex").write_text("not dxsim's")
    clean_debris(out)
    assert live.exists() and (users / "thesis.tex").exists()


# (signal, moment): a fixed delay lands in world preparation or the replications; the others wait for
# the hidden folder, its first table and its map to appear
INTERRUPTS = [
    (signal.SIGINT, 5.0),
    (signal.SIGTERM, ""),
    (signal.SIGINT, "summary.json"),
    (signal.SIGTERM, "map.html"),
]


def test_sigint_and_sigterm_during_a_cli_run_keep_previous_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "run"
    r = dxsim_cmd("run", str(BASELINE), "--reps", "1", "--out", str(out), "--no-map", "--no-report")
    assert r.returncode == 0, r.stderr
    before = snapshot(out)
    env = {**os.environ, "DXSIM_RAW_DATA": str((REPO.parent / "shared" / "geodata").resolve())}
    for sig, moment in INTERRUPTS:
        p = subprocess.Popen(
            [sys.executable, "-m", "dxsim.cli.main", "run", str(BASELINE), "--reps", "3", "--out", str(out)],
            cwd=REPO,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        if isinstance(moment, float):
            time.sleep(moment)
        else:
            wait_for = tmp_path / f".run.tmp-{p.pid}" / moment
            deadline = time.monotonic() + 180
            while not wait_for.exists() and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.01)
            assert wait_for.exists(), f"the run never reached {moment}"
        p.send_signal(sig)
        _, stderr = p.communicate(timeout=120)
        assert p.returncode == 130, (sig, moment, stderr)
        assert "Traceback" not in stderr and "interrupted" in stderr
        assert snapshot(out) == before, (sig, moment)
        assert debris(tmp_path) == [], (sig, moment)


def test_legacy_sweep_folder_is_recognised(tmp_path: Path) -> None:
    sweep = tmp_path / "s"
    (sweep / "runs").mkdir(parents=True)
    (sweep / "runs" / "r1.json").write_text("{}")
    assert writer.is_dxsim_folder(sweep)  # an interrupted 0.1 sweep: runs/ only
    (sweep / "sweep.json").write_text(json.dumps({"dxsim_version": "0.1.0"}))
    assert writer.is_dxsim_folder(sweep)
    (sweep / "thesis.docx").write_text("mine")
    assert not writer.is_dxsim_folder(sweep)


def test_sweep_refuses_a_users_folder_before_any_run(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    r = dxsim_cmd(
        "sweep", str(REPO / "scenarios" / "sweeps" / "example.toml"), "--out", str(user), "--workers", "0"
    )
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "did not write" in r.stderr
    assert sorted(p.name for p in user.iterdir()) == ["notes.txt"]


def test_a_file_added_to_a_dxsim_folder_makes_it_the_users(previous: Path) -> None:
    (previous / "notes.txt").write_text("mine")
    (previous / "mydir").mkdir()
    before = snapshot(previous)
    with pytest.raises(DxsimInputError, match="notes.txt"):
        atomic_dir(previous, fill_with("new"))
    assert snapshot(previous) == before


def test_kinds_do_not_mix(previous: Path) -> None:
    with pytest.raises(DxsimInputError, match="not a sweep folder"):
        claim_output_dir(previous, kind="sweep")
    with pytest.raises(DxsimInputError, match="not a compare folder"):
        atomic_dir(previous, fill_with("x"), kind="compare")
    assert not (previous / "runs").exists()


def test_pages_never_replace_a_users_file_in_a_dxsim_folder(previous: Path, tmp_path: Path) -> None:
    (previous / "notes.txt").write_text("mine")
    with pytest.raises(DxsimInputError, match="not a page dxsim wrote"):
        writer.atomic_page(previous / "notes.txt", "<html>")
    with pytest.raises(DxsimInputError, match="not a page dxsim wrote"):
        writer.atomic_page(previous / "a.txt", "<html>")  # dxsim's table, but not a page
    assert (previous / "notes.txt").read_text() == "mine" and (previous / "a.txt").read_text() == "old"
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(DxsimInputError, match="is a file, not a folder"):
        writer.atomic_page(blocker / "map.html", "<html>")


def test_a_page_added_later_is_listed_so_the_folder_stays_replaceable(previous: Path) -> None:
    writer.atomic_page(previous / "map.html", f'<html><meta {writer.GENERATOR_MARK} 0.2.0"></html>')
    assert "map.html" in json.loads((previous / MANIFEST).read_text())["files"]
    atomic_dir(previous, fill_with("again"))
    assert (previous / "a.txt").read_text() == "again" and not (previous / "map.html").exists()


def test_a_full_disk_in_a_librarys_words_is_a_fault(previous: Path) -> None:
    before = snapshot(previous)

    def full(tmp: Path) -> None:
        raise RuntimeError("parquet: underlying IO error: No space left on device (os error 28)")

    with pytest.raises(OutputError, match="no space left"):
        atomic_dir(previous, full)
    assert snapshot(previous) == before and debris(previous.parent) == []


def test_a_full_disk_a_library_does_not_name_is_said_too(
    previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GDAL said only "sqlite3_exec(ROLLBACK) failed: cannot rollback - no transaction is active" when a GeoPackage
    filled the disk; free space is looked at before the clean-up frees it."""
    before = snapshot(previous)
    free = {"bytes": 10 << 30}
    monkeypatch.setattr(
        writer.shutil,
        "disk_usage",
        lambda _p: SimpleNamespace(free=free["bytes"]),
    )

    def gpkg(tmp: Path) -> None:
        free["bytes"] = 100_000  # the write filled the disk
        raise RuntimeError(
            "DataLayerError: sqlite3_exec(ROLLBACK) failed: cannot rollback - no transaction is active"
        )

    with pytest.raises(OutputError, match="no space left"):
        atomic_dir(previous, gpkg)
    assert snapshot(previous) == before and debris(previous.parent) == []
    free["bytes"] = 10 << 30  # plenty of space: the library's own words stay a fault of their own

    def other(tmp: Path) -> None:
        raise RuntimeError("DataLayerError: something else")

    with pytest.raises(RuntimeError, match="something else"):
        atomic_dir(previous, other)


def test_two_scenarios_of_one_name_are_refused_before_running(tmp_path: Path) -> None:
    r = dxsim_cmd("run", str(BASELINE), str(BASELINE), "--out", str(tmp_path / "m"))
    assert r.returncode == 2 and "same folder" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m").exists()


def test_a_later_scenario_s_folder_is_refused_before_the_first_runs(tmp_path: Path) -> None:
    """Each scenario's folder is checked before any runs: the second's must not fail after the first's minutes."""
    out = tmp_path / "m"
    (out / "rural-700mhz").mkdir(parents=True)
    (out / "rural-700mhz" / "notes.txt").write_text("mine")
    r = dxsim_cmd("run", str(BASELINE), str(REPO / "scenarios" / "rural-700mhz.toml"), "--out", str(out))
    assert r.returncode == 2, r.stderr
    one_line_error(r.stderr, r.stdout, "rural-700mhz", "did not write")
    assert sorted(p.name for p in out.iterdir()) == ["rural-700mhz"]  # the baseline never ran
    assert (out / "rural-700mhz" / "notes.txt").read_text() == "mine"


def test_run_into_a_folder_of_another_kind_is_refused_before_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A compare folder as a run's --out: refused up front (it was found only at the write, after the replications)."""
    cmp = atomic_dir(tmp_path / "cmp", fill_with("x"), kind="compare")

    def work_started(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started its work")

    monkeypatch.setattr(runner, "simulate", work_started)
    monkeypatch.setattr(runner.Sidecar, "start", work_started)
    with pytest.raises(DxsimInputError, match="is a dxsim compare folder, not a run folder"):
        runner.run_scenario(BASELINE, out_dir=cmp)
    assert (cmp / "a.txt").read_text() == "x"


def test_a_swallowed_interrupt_still_stops_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt Python swallowed (KeyboardInterrupt raised inside a GC or weakref callback is only printed)
    is still on record: the folder is not swapped in, the previous output stays, nothing is left behind."""
    out = tmp_path / "run"
    writer.atomic_dir(out, lambda d: (d / "a.txt").write_text("old"))
    monkeypatch.setitem(writer._STOP, "asked", False)

    def fill(d: Path) -> None:
        (d / "a.txt").write_text("new")
        writer.ask_stop()  # the signal arrived while filling, and its exception went nowhere

    with pytest.raises(KeyboardInterrupt):
        writer.atomic_dir(out, fill)
    assert (out / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_an_output_folder_in_a_symlink_loop_is_one_line(tmp_path: Path) -> None:
    """`--out` through a symlink loop: resolving it fails (OSError, or RuntimeError on older Pythons, which has no
    strerror); either way the planner gets the one-line refusal naming the path, never an AttributeError."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(DxsimInputError) as e:
        check_output_dir(a / "out")
    line = e.value.one_line()
    assert "cannot resolve the path" in line and str(a) in line and "\n" not in line


def test_calibration_refuses_a_users_folder_before_any_work(tmp_path: Path) -> None:
    """The refusal comes first: no table printed, no claim that a file was written."""
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    r = dxsim_cmd("calibration", "--out", str(user))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "did not write" in r.stderr
    assert r.stdout == ""  # neither the tables nor "sources and full table: ..."
    assert sorted(p.name for p in user.iterdir()) == ["notes.txt"]


def test_a_location_where_no_folder_can_be_made_is_bad_input(tmp_path: Path) -> None:
    """/proc takes no new folder (ENOENT): a wrong --out (exit 2), not a fault of dxsim (exit 1)."""
    if not Path("/proc/self").is_dir():  # pragma: no cover - Linux has /proc
        pytest.skip("no /proc here")
    with pytest.raises(DxsimInputError, match="cannot write there"):
        atomic_dir(Path("/proc/dxsim_test_out"), fill_with("x"))
    # a full disk while the temporary folder is made stays a fault
    err = writer._os_error(OSError(errno.ENOSPC, "No space left on device"), tmp_path, where_unusable=True)
    assert isinstance(err, OutputError)


def test_an_unwritable_place_is_refused_by_the_early_check_and_left_as_it_was() -> None:
    """check_output_dir (what commands call before their work) tries the place itself: /proc takes no folder."""
    if not Path("/proc/self").is_dir():  # pragma: no cover - Linux has /proc
        pytest.skip("no /proc here")
    with pytest.raises(DxsimInputError, match="cannot write there"):
        check_output_dir(Path("/proc/dxsim_test_out/run"))
    assert not Path("/proc/dxsim_test_out").exists()


def test_the_early_check_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "new" / "run"
    assert check_output_dir(out) == out
    assert list(tmp_path.iterdir()) == []  # neither the probe nor the missing parent


def test_an_empty_folder_left_by_a_killed_probe_is_debris(tmp_path: Path) -> None:
    out = tmp_path / "out"
    probe = tmp_path / ".out.tmp-999999999"  # no such process
    probe.mkdir()
    clean_debris(out)
    assert not probe.exists()


def test_a_folder_holding_only_dead_temporaries_is_debris_and_a_user_file_keeps_it(tmp_path: Path) -> None:
    """An interrupted run left `.out.tmp-PID/` holding only `.results.gpkg.tmp-PID-journal` (no mark), and every
    later write to `out` kept it. A folder of only dead dxsim temporaries goes; one with anything else stays."""
    out = tmp_path / "out"
    dead = 999999999  # no such process
    debris = tmp_path / f".out.tmp-{dead}"
    debris.mkdir()
    (debris / f".results.gpkg.tmp-{dead + 1}-journal").write_bytes(b"x")
    (debris / f".metrics.csv.tmp-{dead}").write_bytes(b"x")
    kept = tmp_path / f".out.old-{dead}"
    kept.mkdir()
    (kept / f".results.gpkg.tmp-{dead}-journal").write_bytes(b"x")
    (kept / "notes.txt").write_text("mine")  # a file the user put there
    alive = tmp_path / f".out.tmp-{dead + 2}"
    alive.mkdir()
    (alive / f".results.gpkg.tmp-{os.getpid()}").write_bytes(b"x")  # a live writer's file
    clean_debris(out)
    assert not debris.exists()
    assert (kept / "notes.txt").read_text() == "mine"
    assert (alive / f".results.gpkg.tmp-{os.getpid()}").exists()


def test_the_geopackage_is_written_with_its_journal_in_memory_and_the_settings_are_restored(
    tmp_path: Path,
) -> None:
    """SQLite keeps its rollback journal in memory (a killed helper left a `-journal` file in the run's folder; with
    no journal at all a full disk left a damaged file, test_disk_full) and does no fsync while each layer is
    written, and GDAL's own settings are as they were after."""
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import Point

    from dxsim.results import gis

    names = ("OGR_SQLITE_SYNCHRONOUS", "OGR_SQLITE_JOURNAL")
    before = {k: pyogrio.get_gdal_config_option(k) for k in names}
    during: list[dict[str, object]] = []
    layer = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[Point(105, 21), Point(106, 10)], crs="EPSG:4326")

    class Watch(gpd.GeoDataFrame):  # type: ignore[misc]
        def to_file(self, path: Path, **kw: object) -> None:
            during.append({k: pyogrio.get_gdal_config_option(k) for k in names})
            super().to_file(path, **kw)

    gis._write_gpkg({"one": Watch(layer), "two": Watch(layer)}, tmp_path / "x.gpkg")
    assert during == [{"OGR_SQLITE_SYNCHRONOUS": False, "OGR_SQLITE_JOURNAL": "MEMORY"}] * 2, (
        during
    )  # OFF -> False
    assert {k: pyogrio.get_gdal_config_option(k) for k in names} == before
    assert pyogrio.list_layers(tmp_path / "x.gpkg")[:, 0].tolist() == ["one", "two"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.gpkg"]


def test_run_refuses_an_unwritable_out_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, a run into /proc prepared the world and ran every replication, then failed at the write."""
    if not Path("/proc/self").is_dir():  # pragma: no cover - Linux has /proc
        pytest.skip("no /proc here")

    def work_started(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started its work")

    monkeypatch.setattr(runner, "simulate", work_started)
    monkeypatch.setattr(runner.Sidecar, "start", work_started)
    with pytest.raises(DxsimInputError, match="cannot write there"):
        runner.run_scenario(BASELINE, out_dir=Path("/proc/dxsim_test_out"))
    r = dxsim_cmd("run", str(BASELINE), "--out", "/proc/dxsim_test_out")  # what the user sees
    assert r.returncode == 2, r.stderr
    assert "writable folder" in one_line_error(r.stderr, r.stdout, "--out", "/proc/dxsim_test_out")


def test_a_dxsim_folder_of_another_kind_is_named_plainly(previous: Path) -> None:
    with pytest.raises(DxsimInputError, match=r"is a dxsim run folder, not a calibration folder"):
        check_output_dir(previous, kind="calibration")


def test_a_file_the_user_edited_in_a_dxsim_folder_is_not_replaced(tmp_path: Path) -> None:
    """Appending a note to scenario.resolved.toml of a run folder, then running again, lost the note: the manifest
    listed names only. It keeps each file's SHA-256 as written; a changed file makes the folder the user's too."""
    out = tmp_path / "run"

    def fill(d: Path) -> None:
        (d / "scenario.resolved.toml").write_text('name = "x"\n', encoding="utf-8")
        (d / "sub").mkdir()
        (d / "sub" / "t.csv").write_text("a\n1\n", encoding="utf-8")

    atomic_dir(out, fill)
    m = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert m["sha256"]["sub/t.csv"] == hashlib.sha256(b"a\n1\n").hexdigest()  # by hand
    atomic_dir(out, fill)  # unchanged: replaced as before
    (out / "scenario.resolved.toml").write_text('name = "x"\n# my note\n', encoding="utf-8")
    with pytest.raises(DxsimInputError) as info:
        atomic_dir(out, fill)
    assert "scenario.resolved.toml changed after dxsim wrote it" in str(info.value) and "\n" not in str(
        info.value
    )
    assert "# my note" in (out / "scenario.resolved.toml").read_text(encoding="utf-8")  # kept
    assert writer.files_not_listed(out) == ["scenario.resolved.toml (changed after dxsim wrote it)"]
    # a page dxsim itself rewrites later (dxsim map / dxsim report) stays dxsim's
    (out / "scenario.resolved.toml").write_text('name = "x"\n', encoding="utf-8")  # the user undoes the edit
    writer.atomic_page(out / "map.html", "<!-- " + writer.GENERATOR_MARK + " -->\n<p>new</p>\n")
    assert writer.changed_since_written(out) == []
    atomic_dir(out, fill)


def test_file_digests_are_memoised_only_while_the_file_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run checks its folder three times; each check hashed every file again. file_sha256 now remembers a
    settled file's digest by (device, inode, size, mtime, ctime); any write changes the ctime, so an edit, even one
    of the same size with the mtime set back, is hashed afresh. A file changed within the last few seconds is never
    remembered (a second write in the same timestamp tick would keep its key)."""
    f = tmp_path / "t.csv"
    f.write_bytes(b"a\n1\n")
    hashed: list[str] = []
    real = hashlib.file_digest

    def counting(fileobj: object, digest: str) -> object:
        hashed.append(digest)
        return real(fileobj, digest)  # type: ignore[arg-type]

    monkeypatch.setattr(writer.hashlib, "file_digest", counting)
    # just written: not settled, so hashed every time
    assert writer.file_sha256(f) == writer.file_sha256(f) == hashlib.sha256(b"a\n1\n").hexdigest()
    assert len(hashed) == 2
    # seen 10 s later (settled): hashed once, then remembered
    later = time.time_ns() + 10_000_000_000
    monkeypatch.setattr(writer.time, "time_ns", lambda: later)
    writer.file_sha256(f)
    writer.file_sha256(f)
    assert len(hashed) == 3
    # an edit of the same size with the old mtime put back: the ctime moved, so it is hashed again
    old = f.stat()
    time.sleep(0.05)  # past the file system's timestamp tick
    f.write_bytes(b"a\n2\n")
    os.utime(f, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert f.stat().st_size == old.st_size and f.stat().st_mtime_ns == old.st_mtime_ns
    assert writer.file_sha256(f) == hashlib.sha256(b"a\n2\n").hexdigest()
    assert len(hashed) == 4
    # the memo is bounded (a long-lived process hashes many folders): at the bound it starts again
    monkeypatch.setattr(writer, "_DIGESTS", {})
    monkeypatch.setattr(writer, "_MAX_DIGESTS", 2)
    for i in range(5):
        g = tmp_path / f"g{i}.csv"
        g.write_bytes(b"x" * i)
        writer.file_sha256(g)
        assert 1 <= len(writer._DIGESTS) <= 2


def test_a_map_page_is_not_replaced_by_a_report_nor_the_other_way_round(tmp_path: Path) -> None:
    """`dxsim report RUN --out RUN/map.html` replaced the map with a report: both are dxsim pages. Each page now says
    which it is; a page of the same kind, or of an earlier dxsim (no kind), is replaced as before."""
    mark = f'<meta {writer.GENERATOR_MARK} 0.3.0">\n'

    def page(kind: str | None) -> str:
        meta = f'<meta name="{writer.PAGE_KIND_META}" content="{kind}">\n' if kind else ""
        return f"<!DOCTYPE html>\n<html><head>{mark}{meta}</head><body>{kind}</body></html>\n"

    target = tmp_path / "map.html"
    writer.atomic_page(target, page("map"))
    assert writer.page_kind(target.read_bytes()) == "map"
    with pytest.raises(DxsimInputError) as info:
        writer.atomic_page(target, page("report"))
    assert "is a dxsim map page; a report does not replace it" in str(info.value)
    assert "<body>map</body>" in target.read_text(encoding="utf-8")  # kept
    writer.atomic_page(target, page("map"))  # the same kind: replaced
    target.write_text(page(None), encoding="utf-8")  # a page of an earlier dxsim
    writer.atomic_page(target, page("report"))
    assert writer.page_kind(target.read_bytes()) == "report"


@pytest.mark.parametrize("char", ["\t", "\n", "\x7f"])
def test_an_out_path_with_a_control_character_is_refused_up_front(tmp_path: Path, char: str) -> None:
    """`--out "nul<TAB>tab"` ran the whole simulation, then failed with "provinces.geojson: unreadable GeoJSON":
    GDAL drops control characters from a path. Refused before any work, naming the character; nothing is made."""
    target = tmp_path / f"a{char}b"
    with pytest.raises(DxsimInputError, match="control character") as e:
        check_output_dir(target)
    assert repr(char) in str(e.value) and e.value.field == "--out"
    assert list(tmp_path.iterdir()) == []
    check_output_dir(tmp_path / "a b")  # a space is printable


def test_an_interrupt_inside_a_callback_prints_no_traceback(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGTERM that lands in a weakref callback (an import's module lock) printed "Exception ignored in ...
    Traceback" above the one-line "interrupted" (the test above, once, in a fresh clone's CI). The CLI's
    unraisable hook drops an interrupt (already recorded by the signal handler) and prints anything else."""
    import gc
    import weakref

    from dxsim.cli import main as cli_main

    monkeypatch.setattr(sys, "unraisablehook", cli_main._interrupt_in_callback)

    class Thing:
        pass

    def interrupted(_ref: object) -> None:
        raise KeyboardInterrupt("signal 15")

    def broken(_ref: object) -> None:
        raise ValueError("a real fault")

    a = Thing()
    ref_a = weakref.ref(a, interrupted)
    del a
    gc.collect()
    assert ref_a() is None and capfd.readouterr().err == ""
    b = Thing()
    ref_b = weakref.ref(b, broken)
    del b
    gc.collect()
    assert ref_b() is None and "ValueError: a real fault" in capfd.readouterr().err


@pytest.mark.parametrize("kind", ["optimise", "sweep"])
def test_a_killed_writer_s_temporary_inside_a_claimed_folder_is_cleared_by_the_next_write(
    tmp_path: Path, kind: str
) -> None:
    """A `dxsim optimise` killed while comparing its best plan left `.best-check.toml.tmp-PID` in its folder, and every
    later run was refused ("is a dxsim folder that now also holds ..."; analyst trial, 2026-12-07). A dead writer's
    temporary file is dxsim's: the folder is accepted and the next claim removes it. A live writer's temporary file,
    a temporary-looking folder and a user's file still make it refused."""
    out = claim_output_dir(tmp_path / "o", kind=kind)
    dead = [out / ".best-check.toml.tmp-999999999", out / ".history.csv.tmp-999999999-journal"]
    for p in dead:
        p.write_text("half", encoding="utf-8")
    live = out / f".runs.csv.tmp-{os.getpid()}"  # this process is alive: another write under way there
    live.write_text("now", encoding="utf-8")
    with pytest.raises(DxsimInputError, match=rf"\.runs\.csv\.tmp-{os.getpid()}"):
        check_output_dir(out, kind=kind)
    live.unlink()
    users_dir = out / ".mine.tmp-999999999"
    users_dir.mkdir()
    (users_dir / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DxsimInputError, match=r"\.mine\.tmp-999999999"):  # a folder dxsim never writes there
        check_output_dir(out, kind=kind)
    shutil.rmtree(users_dir)
    assert check_output_dir(out, kind=kind) == out
    claim_output_dir(out, kind=kind)
    assert not any(p.exists() for p in dead)
    (out / "my-notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DxsimInputError, match="my-notes.txt"):
        check_output_dir(out, kind=kind)
