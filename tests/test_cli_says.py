"""What `dxsim` says beside its tables: after ^C (only a sweep, which saves each run as it ends, promises that a
re-run resumes), and when a run starts off a reported figure."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest
import typer
from conftest import REPO, dxsim_cmd, one_line_error

from dxsim.cli import main
from dxsim.execution.pool import SweepInterrupted


def said_after(
    e: KeyboardInterrupt, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setattr(
        main.signal, "signal", lambda *a: None
    )  # the handler ignores further ^C in the real process
    with pytest.raises(typer.Exit) as ended:
        main._finish_interrupted(e)
    assert ended.value.exit_code == 130
    return capsys.readouterr().err


def test_run_and_compare_batches_do_not_promise_a_resume(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # no folder this command wrote: an earlier in-process command's list (another test's) must not leak in
    monkeypatch.setattr(main, "WRITTEN", [])
    said = said_after(SweepInterrupted(4, 8), capsys, monkeypatch)  # replications on the pool: nothing saved
    assert "resume" not in said and "kept" not in said
    assert "nothing was written" in said


def test_an_interrupt_after_a_folder_was_swapped_in_does_not_deny_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """^C while the KPI table printed: the new folder was already in place, yet the run said "nothing was written"."""
    monkeypatch.setattr(main, "WRITTEN", [Path("outputs/a"), Path("outputs/b")])
    said = said_after(KeyboardInterrupt(), capsys, monkeypatch)
    assert "outputs/a/, outputs/b/ had been written in full" in said and "nothing was written," not in said
    monkeypatch.setattr(main, "WRITTEN", [])
    assert "nothing was written" in said_after(KeyboardInterrupt(), capsys, monkeypatch)


def test_a_sweep_says_where_its_finished_runs_are(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    said = said_after(SweepInterrupted(4, 8, "outputs/sweeps/s/runs"), capsys, monkeypatch)
    assert "resume" in said and "outputs/sweeps/s/runs" in said
    # one line however long the folder (it was hard-wrapped at 160 characters in a log), the counts grouped as
    # everywhere else ("2,000", not "2000")
    far = "/tmp/" + "deep/" * 40 + "runs"
    said = said_after(SweepInterrupted(0, 2000, far), capsys, monkeypatch)
    assert said.count("\n") == 1 and "after 0 of 2,000 runs" in said and far in said


def test_a_run_whose_start_is_off_a_reported_figure_says_so() -> None:
    """A start off the reports (as rural-700mhz's was, at 41.55% against 39.52%, before radio.band_5g_start_mhz)."""
    calib = pl.DataFrame(
        {
            "figure": ["5G population coverage with 16,737 stations (2025-10)", "Data centres, end-2024"],
            "reported": [39.52, 45.0],
            "model": [41.549772, 45.0],
            "tolerance": [1.5, 0.0],
            "status": ["FAIL", "pass"],
        }
    )
    lines = main.start_off_reported(calib)
    assert len(lines) == 1
    assert "16,737 stations" in lines[0] and "41.55" in lines[0] and "39.52" in lines[0]
    assert main.start_off_reported(calib.filter(pl.col("status") == "pass")) == []
    # a count stays a count, the figure is said in the run's language, and a village file is named among the causes
    # (a Vietnamese run read "Villages without grid power ... : mô hình 105,00, báo cáo 117,00": provincial trial)
    from dxsim.i18n import in_language

    villages = pl.DataFrame(
        {
            "figure": ["Villages without grid power and mobile signal at the start (2025-10)"],
            "reported": [117.0],
            "model": [105.0],
            "tolerance": [0.0],
            "status": ["FAIL"],
        }
    )
    [line] = main.start_off_reported(villages)
    assert "model 105, reported 117 (tolerance 0)" in line and "village file" in line
    with in_language("vi"):
        [line] = main.start_off_reported(villages)
    assert "mô hình 105, báo cáo 117" in line and "Villages without" not in line, line


@pytest.mark.parametrize(
    ("start", "stations", "warned"), [("2025-05-31", 11_591, False), ("2025-10-31", 20_000, True)]
)
def test_the_share_of_4g_row_is_held_to_its_own_month(
    start: str, stations: int, warned: bool, tmp_path: Path
) -> None:
    """A run started in May from May's reported 11,591 stations was warned "the start is off a reported figure: 5G
    stations as a share of 4G stations (2025-10): model 9.70, reported 14" (backtest audit): the row set May's count
    beside October's share. It reads the start's count only when the start is October's, else October's count over
    the 4G layer; an October start off the reported count is still warned."""
    sc = tmp_path / "s.toml"
    sc.write_text(
        f'extends = "{(REPO / "scenarios" / "baseline.toml").as_posix()}"\nname = "s"\n'
        f"[horizon]\nstart_date = {start}\n[start_state]\nstations_5g = {stations}\nobserved_on = {start}\n",
        encoding="utf-8",
    )
    r = dxsim_cmd("run", str(sc), "--reps", "1", "--no-map", "--no-report", "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    row = pl.read_csv(tmp_path / "o" / "calibration.csv").filter(pl.col("figure").str.contains("share of 4G"))
    assert row.height == 1
    said = " ".join(r.stdout.split())  # the terminal wraps at its width (COLUMNS)
    assert ("off a reported figure: 5G stations as a share of 4G stations" in said) is warned, r.stdout
    assert (row["status"][0] == "FAIL") is warned and (
        row["model"][0] == pytest.approx(14.0, abs=0.05)
    ) is not warned


def test_a_missing_scenario_file_is_named_in_vietnamese(tmp_path: Path) -> None:
    """The loader's own messages (file not found, malformed TOML) were English under --lang vi."""
    r = dxsim_cmd("--lang", "vi", "run", str(tmp_path / "nope.toml"))
    assert r.returncode == 2
    assert "không tìm thấy tệp kịch bản" in one_line_error(r.stderr, r.stdout, "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[crews\n', encoding="utf-8")
    r = dxsim_cmd("--lang", "vi", "validate", str(bad))
    assert r.returncode == 2
    assert "TOML sai cú pháp tại dòng 2" in one_line_error(r.stderr, r.stdout, "bad.toml")


def test_validate_checks_every_file_and_names_each_bad_one(tmp_path: Path) -> None:
    bad = tmp_path / "subs.toml"
    bad.write_text(
        f'extends = "{(REPO / "scenarios" / "baseline.toml").as_posix()}"\nname = "subs"\n'
        "[operators.viettel]\nsubscriber_share_pct = 90\n",
        encoding="utf-8",
    )
    r = dxsim_cmd(
        "validate", str(bad), str(REPO / "scenarios" / "baseline.toml"), str(tmp_path / "nope.toml")
    )
    assert r.returncode == 2
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 2 and "Traceback" not in r.stderr
    assert "subs.toml" in errors[0] and "subscriber_share_pct" in errors[0]
    assert "nope.toml" in errors[1] and "not found" in errors[1]
    assert "baseline.toml: ok (baseline)" in r.stdout  # the good file between them was still checked


def test_an_unknown_dxsim_lang_is_bad_input_not_silent_english() -> None:
    r = dxsim_cmd("validate", str(REPO / "scenarios" / "baseline.toml"), env={"DXSIM_LANG": "vn"})
    assert r.returncode == 2
    assert "vi (Tiếng Việt) or en" in one_line_error(
        r.stderr, r.stdout, "DXSIM_LANG", "'vn'", "unknown language"
    )
    r = dxsim_cmd("validate", str(REPO / "scenarios" / "baseline.toml"), env={"DXSIM_LANG": "vi_VN.UTF-8"})
    assert r.returncode == 0 and "hợp lệ" in r.stdout


def test_a_country_code_typed_for_the_language_gets_a_hint() -> None:
    """`--lang vn` (Việt Nam's country code, the likeliest slip for vi) said only "unknown language" (provincial GIS
    trial); it now suggests 'vi', as misspelt scenario keys get a suggestion, and a word it cannot place gets none."""
    base = str(REPO / "scenarios" / "baseline.toml")
    for value, hint in (
        ("vn", "did you mean 'vi'?"),
        ("Vietnamese", "did you mean 'vi'?"),
        ("english", "'en'"),
    ):
        r = dxsim_cmd("--lang", value, "validate", base)
        assert r.returncode == 2 and hint in one_line_error(r.stderr, r.stdout, "--lang", repr(value))
    r = dxsim_cmd("--lang", "xx", "validate", base)
    assert r.returncode == 2 and "did you mean" not in r.stderr


def test_the_run_table_shows_support_earned_but_due_after_the_horizon() -> None:
    """A [[supports]] with the default window_end (the horizon's last day) is paid after the run: its 2,000 bn showed
    only in summary.json, and the run's table said "5G support paid ... 0". The row is shown when above 0 (in any
    replication), and left out when no programme earned anything due after the horizon."""
    from rich.console import Console

    def shown(kpis: dict[str, float], reps: int = 1) -> str:
        summary = {
            "scenario": "s",
            "seed": 1,
            "reps": reps,
            "horizon": {"end_date": "2030-12-31"},
            "kpis": kpis,
        }
        con = Console(width=200, record=True)
        con.print(main.kpi_table(summary))
        return con.export_text()

    label = "5G support earned but paid after the horizon (VND bn)"
    out = shown({"subsidy_paid_total_vnd_bn": 0.0, "support_accrued_unpaid_vnd_bn": 2000.0})
    line = next(ln for ln in out.splitlines() if label in ln)
    assert "2,000" in line
    assert label not in shown({"subsidy_paid_total_vnd_bn": 500.0, "support_accrued_unpaid_vnd_bn": 0.0})
    # with replications: earned in the P90 replication only still shows (P50 0)
    banded = {"support_accrued_unpaid_vnd_bn": 0.0, "support_accrued_unpaid_vnd_bn_p90": 300.0}
    assert label in shown(banded, reps=3)


def test_an_interrupt_inside_a_compiled_kernel_is_an_interrupt_not_a_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """^C 5 s into `dxsim run` landed in a numba kernel, which re-raises it as "SystemError: CPUDispatcher(...) returned
    a result with an exception set" (the KeyboardInterrupt its cause): the run said "failed: SystemError" and exited
    1, not 130. Here a real compiled function is interrupted the same way, from a Python callback it calls."""
    from numba import njit, objmode

    def interrupt() -> None:
        raise KeyboardInterrupt

    @njit
    def kernel() -> int:
        with objmode():
            interrupt()
        return 1

    with pytest.raises(BaseException) as raised:
        kernel()
    assert main.interrupt_behind(raised.value) is not None  # whatever numba wraps it in
    monkeypatch.setattr(main.signal, "signal", lambda *a: None)
    wrapped = SystemError("CPUDispatcher(<function place>) returned a result with an exception set")
    wrapped.__cause__ = KeyboardInterrupt()

    def body() -> int:
        raise wrapped

    with pytest.raises(typer.Exit) as ended:
        main._guard(body)
    assert ended.value.exit_code == 130
    said = capsys.readouterr().err
    assert "interrupted" in said and "SystemError" not in said
    assert main.interrupt_behind(ValueError("bad")) is None


def test_a_run_tells_a_log_where_its_world_came_from_and_how_far_it_is(cli_baseline: Path) -> None:
    """Piped to a log, `dxsim run` said nothing: not whether the prepared world was read from the store or built,
    nor how far the replications were. It now says a few plain lines: the world and its time, the replications
    done, each output stage; no rich markup, no "None"."""
    lines = (cli_baseline.parent / "stderr.txt").read_text(encoding="utf-8").splitlines()
    assert lines, "a log heard nothing of the run"
    assert all(ln.startswith("baseline.toml: ") for ln in lines), lines
    world = lines[0].removeprefix("baseline.toml: ")
    assert world.startswith(("prepared world from the cache (", "prepared world built")), lines
    assert "2 of 2 replications done (" in "\n".join(lines), lines
    said = [ln.removeprefix("baseline.toml: ") for ln in lines]
    assert {"calibration", "writing outputs", "map", "report"} <= set(said), lines
    assert len(lines) <= 12 and "None" not in "\n".join(lines), lines  # a few lines, not the preparing stages


def test_a_run_in_a_log_says_its_world_was_read_from_the_store(tmp_path: Path) -> None:
    """A second run of one scenario reads the stored world: the log says so (it was built, or it was read, and
    nothing in the log told which)."""
    from conftest import BASELINE

    args = ["run", str(BASELINE), "--reps", "1", "--no-map", "--no-report"]
    assert dxsim_cmd(*args, "--out", str(tmp_path / "a")).returncode == 0
    r = dxsim_cmd(*args, "--out", str(tmp_path / "b"))
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines[0].startswith("baseline.toml: prepared world from the cache ("), lines
    assert lines[1].startswith("baseline.toml: 1 of 1 replications done ("), lines


def test_the_terminal_display_shows_no_none_and_its_clock_runs_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In a terminal a step without a size showed "0/None", and once the replications' count was full the task was
    finished, so the elapsed clock stopped while calibration, tables, map and report were written."""
    import io
    import time

    from rich.console import Console

    con = Console(file=io.StringIO(), force_terminal=True, width=120)
    monkeypatch.setattr(main, "err", con)

    def shown(d: main.StepDisplay) -> str:
        with con.capture() as cap:
            con.print(d.progress.get_renderable())
        return cap.get()

    with main.StepDisplay("baseline.toml: preparing") as d:
        assert "None" not in shown(d) and "/" not in shown(d)
        d.step("baseline.toml: site layer")
        assert "None" not in shown(d)
        d.count(3, 8, "baseline.toml: replications")
        assert "3/8" in shown(d)
        d.count(8, 8)
        d.step("baseline.toml: report")
        task = d.progress.tasks[0]
        assert not task.finished  # a finished task's clock stands still
        before = task.elapsed
        time.sleep(0.05)
        assert task.elapsed is not None and before is not None and task.elapsed > before
        assert "8/8" not in shown(d) and "None" not in shown(d)


def test_a_tty_run_shows_no_none(tmp_path: Path) -> None:
    """`dxsim run` in a terminal (through `script`): no "0/None" while preparing, and the replications' count."""
    import re
    import shutil
    import subprocess
    import sys

    from conftest import BASELINE

    if shutil.which("script") is None:
        pytest.skip("no `script` to give the command a terminal")
    cmd = f"{sys.executable} -m dxsim.cli.main run {BASELINE} --reps 2 --no-map --no-report --out {tmp_path / 'o'}"
    r = subprocess.run(
        ["script", "-qc", cmd, "/dev/null"], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", r.stdout)
    assert r.returncode == 0 and "baseline.toml: replications" in text, text[-2000:]
    assert not re.search(r"\d/None", text), [
        text[m.start() - 80 : m.end()] for m in re.finditer("None", text)
    ]
    assert re.search(r"[012]/2", text)  # the replications' count (the last may be replaced before a refresh)


def test_a_log_hears_of_many_replications_at_most_once_per_5_percent(monkeypatch: pytest.MonkeyPatch) -> None:
    """--reps 1000 to a log: at most one count line per 5% (20 and the last), however quick the replications."""
    import io

    from rich.console import Console

    sink = io.StringIO()
    monkeypatch.setattr(main, "err", Console(file=sink, force_terminal=False, width=200))
    monkeypatch.setattr(main, "RUN_LOG_EVERY_S", 0.0)
    log = main.RunLog("big.toml: ")
    log.stage("geodata")  # preparing stages: only the last, the world line, is said (after replication 0)
    log.stage("prepared world from the cache (0.2 s)")
    log(0, 1000)
    assert sink.getvalue() == ""  # held until replication 0 is done
    for done in range(1, 1001):
        log(done, 1000)
    lines = sink.getvalue().splitlines()
    assert lines[0] == "big.toml: prepared world from the cache (0.2 s)", lines
    counts = [ln for ln in lines if "replications done" in ln]
    assert len(counts) == 20 and counts[-1].startswith("big.toml: 1,000 of 1,000 replications done"), counts


def test_a_compare_in_a_log_says_how_far_it_is_and_where_each_world_came_from(tmp_path: Path) -> None:
    """Piped, `dxsim compare` was silent for 30 s, and where each scenario's prepared world came from was only in
    compare.json. A log now hears the replications done (as `run` says them) and, per scenario, its world: the two
    scenarios share one world here (push-5g changes only simulation fields), so the second is already in memory."""
    from conftest import BASELINE

    r = dxsim_cmd("compare", str(BASELINE), str(BASELINE.parent / "push-5g.toml"), "--reps", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines[-3].startswith("compare: 2 of 2 replications done ("), lines  # all scenarios' together
    assert lines[-2].startswith("compare: baseline: prepared world "), lines
    assert lines[-1].startswith("compare: push-5g: prepared world already in memory ("), lines
    assert all("None" not in ln for ln in lines)


def validated(path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """Write a scenario file, `dxsim validate` it, and return what it said (it must be valid)."""
    path.write_text(text, encoding="utf-8")
    r = dxsim_cmd("validate", str(path))
    assert r.returncode == 0, r.stderr
    return r


def test_validate_notes_a_list_that_replaces_the_parent_s(tmp_path: Path) -> None:
    """A file extending ai-compute with one `[[compute.gpus.extra_orders]]` dropped the parent's three orders (22,000
    GPUs) without a word (AI-compute trial): lists replace on extends, and validate now says so, as a note."""
    f = tmp_path / "one.toml"
    r = validated(
        f,
        f'extends = "{(REPO / "scenarios" / "ai-compute.toml").as_posix()}"\nname = "one"\n'
        '[[compute.gpus.extra_orders]]\norganisation = "M"\nmodel = "B200"\ngpus = 10\norder_date = 2026-06-01\n',
    )
    notes = [ln for ln in " ".join(r.stdout.split()).split(str(f)) if "note:" in ln]
    assert len(notes) == 1 and "compute.gpus.extra_orders lists 1 in place of the 3 that" in notes[0], (
        r.stdout
    )
    assert "ai-compute.toml" in notes[0]
    # a file that sets no list its parent set gets no such note
    r = dxsim_cmd("validate", str(REPO / "scenarios" / "ai-compute.toml"))
    assert r.returncode == 0 and "in place of" not in r.stdout


def test_validate_notes_a_commitment_that_changes_nothing(tmp_path: Path) -> None:
    """A commitment the operators can never act on got "ok" and a run identical to the one without it (operator
    trial): validate notes it (surges off; a programme for new sites only, which a surge of 4G upgrades cannot
    serve; a name given twice), for the operators the file commits, not for Viettel's default commitment."""
    base = (REPO / "scenarios" / "baseline.toml").as_posix()
    r = validated(
        tmp_path / "off.toml",
        f'extends = "{base}"\nname = "off"\n[surge]\nenabled = false\n'
        '[operators.vnpt]\ncommitted_to = ["resolution_193", "resolution_193"]\n',
    )
    notes = [ln for ln in r.stdout.splitlines() if ": note: operators." in ln]
    assert len(notes) == 2, r.stdout  # VNPT's two; none for Viettel's default commitment
    assert "operators.vnpt.committed_to names 'resolution_193': operators never surge" in notes[0]
    assert "surge.enabled = false" in notes[0] and "the commitment changes nothing" in notes[0]
    assert notes[1].endswith("operators.vnpt.committed_to names 'resolution_193' twice; once is enough")
    r = validated(
        tmp_path / "new.toml",
        f'extends = "{base}"\nname = "new"\n[[supports]]\nname = "newsites"\nper_site_vnd_bn = 1.0\n'
        'site_kind = "new"\nmin_stations_per_operator = 100\nwindow_start = 2026-01-01\nwindow_end = 2026-12-31\n'
        'fund_vnd_bn = 100\n[operators.vnpt]\ncommitted_to = ["newsites"]\n',
    )
    assert "operators.vnpt.committed_to names 'newsites': the programme pays only new sites" in r.stdout
    # a commitment that can act gets no note
    r = validated(
        tmp_path / "fine.toml",
        f'extends = "{base}"\nname = "fine"\n[operators.vnpt]\ncommitted_to = ["resolution_193"]\n',
    )
    assert "committed_to" not in r.stdout, r.stdout
