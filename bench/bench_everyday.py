"""Benchmark 7: the everyday command as a planner feels it, whole processes (issue 13).

Measures, each as a fresh `dxsim run` process of the national baseline (1 replication), wall time by
hyperfine-style repeats (median):

- a second `dxsim run --no-map --no-report` of an unchanged scenario (prepared world from the store), budget <= 3 s;
- a default run with map and report, budget <= 6 s;
- the same first run with the world store off (`DXSIM_WORLD_CACHE=0`): what the store saves;
- where the time goes in one warm run (progress messages time-stamped in the process);
- `run_replication` CPU time to 2030 and to 2040 (in one process, pinned to CPU 0), budget: 2040 <= 2x 2030;
- `dxsim run --reps N` peak RSS (child `ru_maxrss`), budget <= 1.5 GB for N = 1000 (`--reps-memory N`);
- with `--against REV`: the second plain run of another commit (a git worktree of REV, same .venv), in pairs
  interleaved with this tree's, so that both see the same host. Why: this shared host's speed drifts by up to
  2x within hours (bench/RESULTS.md history), so a change is judged by the paired difference, not by two runs of
  the benchmark hours apart.

    .venv/bin/python bench/bench_everyday.py [--repeats 3] [--reps-memory 0] [--against REV --pairs 8]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as C

BUDGET_PLAIN_S = 3.0
BUDGET_FULL_S = 6.0
BUDGET_RSS_GB = 1.5
BUDGET_HORIZON_RATIO = 2.0  # a replication to 2040 at most twice one to 2030

HORIZON = r"""
import sys, time, json, statistics, pathlib
from dxsim.scenario import load_scenario
from dxsim.geo import load_country
from dxsim.sim.world_store import load_or_prepare_world
from dxsim.sim.model import run_replication
country = load_country()
out = {}
for path in sys.argv[2:]:
    sc = load_scenario(path)
    world = load_or_prepare_world(sc, country, pathlib.Path(path).parent)
    run_replication(world, 0)  # compiled kernels loaded, caches warm
    cpu = []
    for rep in range(int(sys.argv[1])):
        t = time.process_time(); run_replication(world, rep); cpu.append(time.process_time() - t)
    out[path] = cpu
print(json.dumps(out))
"""

PHASES = r"""
import sys, time, json
T0 = time.perf_counter()
from dxsim.runner import run_scenario
marks = [("imports", time.perf_counter() - T0)]
last = [time.perf_counter()]
def say(m):
    now = time.perf_counter(); marks.append((m, now - last[0])); last[0] = now
run_scenario(sys.argv[1], out_dir=sys.argv[2], reps=1, progress=say, with_map=True, with_report=True)
say("end")
print(json.dumps(marks))
"""


def dxsim_run(args: list[str], env: dict[str, str], repo: Path = C.REPO) -> float:
    """Wall time of one `dxsim run ARGS` process, run in `repo` with that tree's dxsim package."""
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "dxsim.cli.main", "run", *args],
        env=env if repo == C.REPO else {**env, "PYTHONPATH": str(repo)},
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"dxsim run in {repo} failed: {r.stderr.strip()}")
    return dt


def plain_run(repo: Path, out: Path, env: dict[str, str]) -> float:
    """Wall time of one `dxsim run --no-map --no-report` of the baseline with the dxsim package of `repo`."""
    return dxsim_run(
        ["scenarios/baseline.toml", "--reps", "1", "--no-map", "--no-report", "--out", str(out)], env, repo
    )


def against(rev: str, pairs: int, tmp: Path, env: dict[str, str]) -> tuple[list[float], list[float], str]:
    """(REV's times, this tree's times, REV's short hash): `pairs` second plain runs each, interleaved."""
    tree = tmp / "against"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), rev], cwd=C.REPO, check=True, capture_output=True
    )
    atexit.register(
        subprocess.run, ["git", "worktree", "remove", "--force", str(tree)], cwd=C.REPO, capture_output=True
    )
    short = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=C.REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    plain_run(tree, tmp / "against-warm", env)  # REV's own data cache and prepared world
    old, new = [], []
    for _ in range(pairs):
        old.append(plain_run(tree, tmp / "against-old", env))
        new.append(plain_run(C.REPO, tmp / "against-new", env))
    return old, new, short


PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(r.stderr[-2000:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(r.returncode)\n"
)


def peak_rss_mb(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, peak RSS MB over the process and its pool workers) of one dxsim run.

    Measured in a fresh wrapper process whose only child is this run: this process's own RUSAGE_CHILDREN also holds
    every earlier child of the benchmark (the 2040-horizon process, the runs with map and report), so its maximum
    could be theirs, not the run's."""
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, sys.executable, "-m", "dxsim.cli.main", "run", *args],
        env=env,
        cwd=C.REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if r.returncode != 0:
        raise SystemExit(f"dxsim run failed: {r.stderr.strip()}")
    return time.perf_counter() - t0, int(r.stdout.strip().splitlines()[-1]) / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--reps-memory", type=int, default=0, help="also run `--reps N --no-map --no-report` for peak RSS"
    )
    ap.add_argument("--against", help="also time another commit's second plain run, interleaved (git rev)")
    ap.add_argument("--pairs", type=int, default=8, help="interleaved pairs for --against")
    args = ap.parse_args()
    env = {**os.environ, "COLUMNS": "120"}
    load0 = C.load_avg()
    tmp = Path(tempfile.mkdtemp(prefix="dxsim-bench-everyday-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # ~3.6 GB with --reps-memory 1000
    base = str(C.BASELINE)
    dxsim_run(
        [base, "--reps", "1", "--no-map", "--no-report", "--out", str(tmp / "warm")], env
    )  # store the world
    plain = [
        dxsim_run([base, "--reps", "1", "--no-map", "--no-report", "--out", str(tmp / "plain")], env)
        for _ in range(args.repeats)
    ]
    full = [dxsim_run([base, "--reps", "1", "--out", str(tmp / "full")], env) for _ in range(args.repeats)]
    cold = [
        dxsim_run(
            [base, "--reps", "1", "--no-map", "--no-report", "--out", str(tmp / "cold")],
            {**env, "DXSIM_WORLD_CACHE": "0"},
        )
        for _ in range(max(1, args.repeats // 2))
    ]
    r = subprocess.run(
        [sys.executable, "-c", PHASES, base, str(tmp / "phases")],
        env=env,
        cwd=C.REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    marks = json.loads(r.stdout.strip().splitlines()[-1])
    long = tmp / "baseline-2040.toml"
    long.write_text(
        f'name = "baseline-2040"\nextends = "{C.BASELINE}"\n\n[horizon]\nend_date = "2040-12-31"\n',
        encoding="utf-8",
    )
    r = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", HORIZON, str(args.repeats + 2), base, str(long)],
        env=env,
        cwd=C.REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = json.loads(r.stdout.strip().splitlines()[-1])
    t30, t40 = C.med(cpu[base]), C.med(cpu[str(long)])
    rows = [
        (
            "second `dxsim run --no-map --no-report` (world from the store), whole process",
            C.fmt_times(plain),
            f"<= {BUDGET_PLAIN_S:g} s",
            C.verdict(C.med(plain) <= BUDGET_PLAIN_S),
        ),
        (
            "default `dxsim run` with map and report (world from the store), whole process",
            C.fmt_times(full),
            f"<= {BUDGET_FULL_S:g} s",
            C.verdict(C.med(full) <= BUDGET_FULL_S),
        ),
        (
            "the same `--no-map --no-report` run with the store off (`DXSIM_WORLD_CACHE=0`)",
            C.fmt_times(cold),
            "-",
            "info",
        ),
        ("`run_replication` CPU time, baseline to 2030 (1 core)", C.fmt_times(cpu[base]), "-", "info"),
        (
            "`run_replication` CPU time, the baseline to 2040-12-31 (1 core)",
            C.fmt_times(cpu[str(long)]),
            "-",
            "info",
        ),
        (
            "2040 horizon / 2030 horizon",
            f"{t40 / t30:.2f}x",
            f"<= {BUDGET_HORIZON_RATIO:g}x",
            C.verdict(t40 / t30 <= BUDGET_HORIZON_RATIO),
        ),
    ]
    if args.reps_memory:
        wall, rss = peak_rss_mb(
            [
                base,
                "--reps",
                str(args.reps_memory),
                "--no-map",
                "--no-report",
                "--yes",
                "--out",
                str(tmp / "many"),
            ],
            env,
        )
        rows.append(
            (
                f"`dxsim run --reps {args.reps_memory} --no-map --no-report` peak RSS (largest process)",
                f"{rss:,.0f} MB ({rss / 1024:.2f} GB), wall {wall:,.0f} s",
                f"<= {BUDGET_RSS_GB:g} GB",
                C.verdict(rss / 1024 <= BUDGET_RSS_GB),
            )
        )
    if args.against:
        old, new, short = against(args.against, args.pairs, tmp, env)
        diffs = [o - n for o, n in zip(old, new, strict=True)]
        rows += [
            (f"second plain run at {short} (interleaved with this tree's)", C.fmt_times(old), "-", "info"),
            ("second plain run at this tree (interleaved)", C.fmt_times(new), "-", "info"),
            (
                f"paired difference {short} minus this tree (> 0: this tree is faster)",
                f"median {C.med(diffs):+.3f} s ({sum(d > 0 for d in diffs)} of {len(diffs)} pairs faster)",
                "-",
                "info",
            ),
        ]
    table = "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows)
    # progress messages may name folders of this machine: shown relative to the repository
    phases = " · ".join(f"{name.replace(str(C.REPO) + '/', '')} {sec:.2f} s" for name, sec in marks)
    body = f"""## 7. The everyday command, whole processes (issue 13)

Command (from the repository root): `{C.command_line()}`.
Run {C.now()}; unpinned (the run may use both cores), load average at start {load0}.

{C.host_line()}

Each row is a fresh `python -m dxsim.cli.main run scenarios/baseline.toml --reps 1 ...` process, timed from
start to exit, after one run that stored the prepared world.

| measure | result | budget | status |
|---|---|---|---|
{table}

Where the time goes in one warm default run (time before each progress message, in the process): {phases}.
"""
    C.update_results("everyday", body)
    print(body)
    print("RESULT " + json.dumps({"plain_s": C.med(plain), "full_s": C.med(full)}))


if __name__ == "__main__":
    main()
