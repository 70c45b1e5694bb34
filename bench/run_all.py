"""Run every dxsim benchmark in turn (`make bench`); each updates its section of bench/RESULTS.md.

    .venv/bin/python bench/run_all.py [--only replication coverage scaling] [--strict]

Exit status: 1 if a benchmark crashed, or (with --strict) if a budget failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
BENCHES = ("replication", "coverage", "scaling", "map", "sweep", "outputs", "everyday", "optimise")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=BENCHES, default=list(BENCHES))
    ap.add_argument("--strict", action="store_true", help="exit 1 when a budget fails")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("DXSIM_RAW_DATA", str((REPO.parent / "shared" / "geodata").resolve()))
    summary, crashed, failed = [], False, False
    for name in args.only:
        script = BENCH_DIR / f"bench_{name}.py"
        print(f"=== {script.relative_to(REPO)}", flush=True)
        t0 = time.perf_counter()
        p = subprocess.Popen(
            [sys.executable, str(script)], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        result = None
        assert p.stdout is not None
        for line in p.stdout:
            print(line, end="", flush=True)
            if line.startswith("RESULT "):
                result = line.strip()[len("RESULT ") :]
        rc = p.wait()
        took = time.perf_counter() - t0
        if rc != 0 or result is None:
            crashed = True
            result = f"{name}: CRASHED (exit {rc})"
        failed |= ": FAIL" in result
        summary.append(f"{result}  [{took:.0f} s]")
    print("\n=== summary (details in bench/RESULTS.md)")
    for s in summary:
        print(s)
    return 1 if crashed or (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
