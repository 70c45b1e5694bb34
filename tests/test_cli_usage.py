"""Usage mistakes on the real command line are one line and exit 2, like every other bad input."""

from __future__ import annotations

import pytest
from conftest import dxsim_cmd


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "scenarios/baseline.toml", "--reps", "0"], "--reps"),
        (["run", "--bogus"], "--bogus"),
        (["nope"], "nope"),
        (["runn"], "no such command 'runn' (did you mean 'run'?)"),
        # a command planners guess is answered with the one that does it (a trial typed `dxsim params`)
        (["params"], "no such command 'params': `dxsim schema --markdown` lists every scenario field"),
        (["check", "x.toml"], "`dxsim validate FILE`"),
        (["run"], "scenario"),
        (["compare", "scenarios/baseline.toml", "--seed", "abc"], "--seed"),
        # click raises this one without the subcommand's context
        (["run", "scenarios/baseline.toml", "--no-map=false"], "dxsim run: Option '--no-map'"),
    ],
)
def test_usage_error_is_one_line(args: list[str], needle: str) -> None:
    r = dxsim_cmd(*args)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert needle in lines[0] and "--help" in lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["run", "scenarios/baseline.toml", "--reps", "0"],
            "giá trị không hợp lệ cho --reps: phải ít nhất là 1",
        ),
        (
            ["run", "scenarios/baseline.toml", "--reps", "x"],
            "giá trị không hợp lệ cho --reps: không phải số nguyên",
        ),
        (["run"], "thiếu đối số 'scenario'"),
        (["backtest", "scenarios/baseline.toml"], "thiếu tùy chọn '--from'"),
        (["run", "scenarios/baseline.toml", "--bogus"], "không có tùy chọn --bogus"),
        (["run", "scenarios/baseline.toml", "--seed", "-3"], "quá nhỏ đối với trường `seed` của kịch bản"),
        (["params"], "không có lệnh 'params': `dxsim schema --markdown` liệt kê"),
    ],
)
def test_usage_errors_in_vietnamese(args: list[str], words: str) -> None:
    """click's own usage errors, said again in the language in use (dxsim.cli.usage_words)."""
    r = dxsim_cmd(*args, "--lang", "vi")
    line = r.stderr.strip()
    assert r.returncode == 2 and len(line.splitlines()) == 1, r.stderr
    assert line.startswith("lỗi: ") and words in line, line


def test_version_and_help() -> None:
    from dxsim import __version__

    r = dxsim_cmd("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"dxsim {__version__}"
    r = dxsim_cmd("run", "--help")
    assert r.returncode == 0 and "--out" in r.stdout


def test_python_dash_m_dxsim_is_the_command() -> None:
    """`python -m dxsim` runs the `dxsim` command (two reviewers reached for it and got "No module named
    dxsim.__main__"), with its exit codes: a usage mistake is one line and exit 2 there too."""
    import subprocess
    import sys

    from dxsim import __version__

    r = subprocess.run(
        [sys.executable, "-m", "dxsim", "--version"], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0 and r.stdout.strip() == f"dxsim {__version__}", r.stderr
    r = subprocess.run([sys.executable, "-m", "dxsim", "nope"], capture_output=True, text=True, check=False)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "nope" in r.stderr, r.stderr


def test_debug_shows_the_traceback_only_when_asked() -> None:
    r = dxsim_cmd("map", "/nonexistent-folder")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = dxsim_cmd("--debug", "map", "/nonexistent-folder")
    assert r.returncode == 2 and "Traceback" in r.stderr


@pytest.mark.parametrize("command", [[], ["run"], ["compare"], ["map"]])
def test_flags_show_no_value_type_in_help(command: list[str]) -> None:
    """A flag takes no value (`--no-map=false` is refused), so help shows none (typer 0.29 showed `<bool>`)."""
    r = dxsim_cmd(*command, "--help", env={"COLUMNS": "120"})
    assert r.returncode == 0, r.stderr
    assert "--help" in r.stdout and "<bool>" not in r.stdout


def test_map_help_lists_every_layer() -> None:
    from dxsim.maps.layers import LAYERS

    r = dxsim_cmd("map", "--help", env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    listed = r.stdout.split("(default: all):", 1)[1].split(".", 1)[0].replace("│", " ")
    assert [n.strip() for n in " ".join(listed.split()).split(",")] == list(LAYERS)


def test_compare_of_one_scenario_names_the_file_and_the_count() -> None:
    r = dxsim_cmd("compare", "scenarios/baseline.toml")
    assert r.returncode == 2, r.stderr
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "scenarios/baseline.toml" in line and "1 given" in line and "two or more" in line
