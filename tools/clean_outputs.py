"""`make clean`: delete the output folders dxsim wrote under outputs/, and only those.

A folder is deleted only when it carries dxsim's manifest and everything in it is listed there
(`dxsim.results.writer.files_not_listed`); a folder holding a file the user added is kept whole
and named, with the first files that are not dxsim's. Other folders are searched for dxsim folders
inside them (outputs/sweeps/NAME, outputs/optimise/NAME, ...) and never deleted themselves.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dxsim.results.writer import is_dxsim_folder, remove_own_output


def clean(root: Path) -> tuple[list[Path], list[tuple[Path, list[str]]]]:
    """(removed folders, kept folders with what is not dxsim's in them) under `root`."""
    removed: list[Path] = []
    kept: list[tuple[Path, list[str]]] = []
    if not root.is_dir():
        return removed, kept
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.is_symlink():
            continue
        if is_dxsim_folder(child):
            foreign = remove_own_output(child)
            if foreign:
                kept.append((child, foreign))
            else:
                removed.append(child)
        else:
            more_removed, more_kept = clean(child)
            removed += more_removed
            kept += more_kept
    return removed, kept


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path("outputs")
    removed, kept = clean(root)
    for folder in removed:
        print(f"removed {folder}/")
    for folder, foreign in kept:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        print(f"kept {folder}/: it also holds files dxsim did not write ({shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
