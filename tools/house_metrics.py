"""The house's health in numbers (issue 16): package cycles, function-level imports, long modules, mypy errors.

Run from the repository root: `.venv/bin/python tools/house_metrics.py [--path DIR] [--no-mypy]`.
`--path` measures another checkout (e.g. a `git worktree` of an older commit) with this tool.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

LONG_MODULE_LINES = 400


def package_edges(pkg: Path) -> dict[str, set[str]]:
    """Top-level subpackage -> the subpackages it imports (any import, inside functions too)."""
    edges: dict[str, set[str]] = {}
    for f in pkg.rglob("*.py"):
        parts = f.relative_to(pkg).with_suffix("").parts
        src = parts[0] if len(parts) > 1 or parts[0] != "__init__" else "__init__"
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for n in names:
                bits = n.split(".")
                if (
                    bits[0] == "dxsim"
                    and len(bits) > 1
                    and (pkg / bits[1]).with_suffix(".py").exists()
                    or bits[0] == "dxsim"
                    and len(bits) > 1
                    and (pkg / bits[1]).is_dir()
                ):
                    if bits[1] != src:
                        edges.setdefault(src, set()).add(bits[1])
    return edges


def cycle_pairs(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs of packages that reach each other (each pair once)."""

    def reach(a: str) -> set[str]:
        seen: set[str] = set()
        todo = [a]
        while todo:
            for b in edges.get(todo.pop(), ()):
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return seen

    r = {a: reach(a) for a in edges}
    return sorted({tuple(sorted((a, b))) for a in r for b in r[a] if a != b and a in r.get(b, set())})  # type: ignore[misc]


def function_level_imports(pkg: Path) -> tuple[int, int]:
    """(all imports inside functions, those of dxsim modules)."""
    total = own = 0
    for f in pkg.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        total += 1
                        mod = sub.module if isinstance(sub, ast.ImportFrom) else sub.names[0].name
                        own += bool(mod and mod.startswith("dxsim"))
    return total, own


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--path", default=".", help="checkout to measure (default: this one)")
    ap.add_argument("--no-mypy", action="store_true", help="skip the mypy count (~1 min)")
    args = ap.parse_args()
    root = Path(args.path).resolve()
    pkg = root / "dxsim"
    edges = package_edges(pkg)
    pairs = cycle_pairs(edges)
    total, own = function_level_imports(pkg)
    long = sorted(
        (n, str(f.relative_to(root)))
        for f in pkg.rglob("*.py")
        if (n := len(f.read_text(encoding="utf-8").splitlines())) > LONG_MODULE_LINES
    )
    print(f"package pairs in an import cycle: {len(pairs)} {pairs if pairs else ''}")
    print(f"function-level imports: {total} ({own} of dxsim modules)")
    print(f"modules over {LONG_MODULE_LINES} lines: {len(long)}")
    for n, f in reversed(long):
        print(f"  {n:5d} {f}")
    if not args.no_mypy:
        out = subprocess.run(
            [sys.executable, "-m", "mypy", "dxsim", "--ignore-missing-imports", "--no-incremental"],
            cwd=root,
            capture_output=True,
            text=True,
        )
        m = re.search(r"Found (\d+) errors?", out.stdout)
        print(f"mypy errors (default level, whole package): {m.group(1) if m else 0}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
