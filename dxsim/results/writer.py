"""Atomic writing of a run's output directory.

Everything is written into a hidden temporary sibling directory first and renamed into place
at the end, so a failed or interrupted run never leaves a half-written `outputs/<name>/`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any
from collections.abc import Callable

import polars as pl


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_table(dir_: Path, stem: str, df: pl.DataFrame, csv: bool = True) -> None:
    df.write_parquet(dir_ / f"{stem}.parquet")
    if csv:
        df.write_csv(dir_ / f"{stem}.csv")


def atomic_file(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` on a hidden sibling, then rename it over `path` (readers never see half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_file(path, lambda p: p.write_text(text, encoding="utf-8", newline="\n"))


def atomic_dir(out_dir: Path, fill: Callable[[Path], None]) -> Path:
    """Call `fill(tmp_dir)` then atomically replace `out_dir` with it."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        fill(tmp)
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out_dir.exists():
            old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return out_dir
