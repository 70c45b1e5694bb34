"""What `dxsim` says beside its tables: after ^C (only a sweep, which saves each run as it ends, promises that a
re-run resumes), and when a run starts off a reported figure."""

from __future__ import annotations

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
