"""The `dxsim` process ends without the interpreter's tear-down (dxsim.cli.leave), but only after what matters of it:
atexit handlers and weakref finalizers have run, output is flushed, and the exit status is the one sys.exit gives.
Each case is a separate Python process, since `leave` ends the process it runs in."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("code", "status"), [("None", 0), ("0", 0), ("3", 3), ("130", 130), ("'bad'", 1)])
def test_status_handlers_and_flush(tmp_path: Path, code: str, status: int) -> None:
    done = tmp_path / "handler-ran"
    folder = tmp_path / "finalized"
    folder.mkdir()
    p = run_python(
        f"""
        import atexit, pathlib, shutil, sys, weakref
        from dxsim.cli.leave import leave
        atexit.register(lambda: pathlib.Path({str(done)!r}).write_text("yes"))
        class Spool: pass
        keep = Spool()
        weakref.finalize(keep, shutil.rmtree, {str(folder)!r})  # as dxsim.results.spool does
        sys.stdout.write("x" * 100_000)  # buffered: must reach the pipe
        leave({code})
        """,
        tmp_path,
    )
    assert p.returncode == status, p.stderr
    assert done.read_text() == "yes"
    assert not folder.exists()  # the finalizer ran at exit
    assert p.stdout == "x" * 100_000
    assert ("bad" in p.stderr) == (code == "'bad'")


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    """A non-daemon thread still working: the ordinary exit is taken, which waits for it."""
    out = tmp_path / "thread-finished"
    p = run_python(
        f"""
        import pathlib, threading, time
        from dxsim.cli.leave import leave, others_running
        def work():
            time.sleep(0.5)
            pathlib.Path({str(out)!r}).write_text("done")
        threading.Thread(target=work).start()
        assert others_running()
        leave(4)
        """,
        tmp_path,
    )
    assert p.returncode == 4, p.stderr
    assert out.read_text() == "done"


def test_console_script_exit_codes(tmp_path: Path) -> None:
    """Through `python -m dxsim.cli.main` (console_main): help is 0, a bad scenario file is 2 with one line."""
    ok = subprocess.run(
        [sys.executable, "-m", "dxsim.cli.main", "--help"], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0 and "run" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "dxsim.cli.main", "validate", str(tmp_path / "missing.toml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "missing.toml" in bad.stderr


@pytest.mark.parametrize("args", [["--help"], ["schema"], ["show", "scenarios/baseline.toml"]])
def test_a_reader_that_stops_reading_is_not_a_failure(args: list[str]) -> None:
    """`dxsim ... | head`: the reader closes the pipe before dxsim has written; the command still ends with its own
    status (0) and says nothing on stderr. (rich's default exited 1 silently; a plain write said `failed`.)"""
    repo = Path(__file__).resolve().parent.parent
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read: the first write fails with EPIPE
    try:
        p = subprocess.run(
            [sys.executable, "-c", "from dxsim.cli.main import console_main; console_main()", *args],
            cwd=repo,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
