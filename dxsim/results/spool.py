"""Replications' metrics tables on disk as they finish, so a run's memory does not grow with replications.

A replication's metrics table is ~1.7 MB in memory (60k rows to 2030) and ~0.1 MB as Parquet.
Keeping every one until the end made `--reps 1000` need ~2.3 GB. The runner instead writes each
table here as its replication finishes (pool workers write their own), keeps only the national rows
it needs for the KPIs, and streams the parts into ``metrics.parquet`` at the end, in replication
order (so the file is the same as if all tables had been concatenated in memory).

The folder is a fresh ``dxsim-spool-<pid>-*`` in the system's temporary directory. It is removed
when the spool is closed or garbage-collected, or at interpreter exit; one left by a killed process
is removed by the next spool created on the machine. Its creator holds an exclusive lock on the folder's
``.owner.lock`` for the spool's life, and the kernel drops it when the process dies, however it dies: a
spool is stale when its lock can be taken. Why not the PID in its name alone: the system's temporary
directory can be shared by containers that do not see each other's processes, and a run there deleted
another container's live spool, whose PID it could not see (new-user trial, 2026-12-07).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import time
import weakref
from pathlib import Path

import polars as pl

from dxsim.errors import OutputError, says_disk_full
from dxsim.i18n import gettext as _
from dxsim.pids import pid_alive

PREFIX = "dxsim-spool-"
_NAME = re.compile(rf"^\.?{PREFIX}(?P<pid>\d+)-")  # with a dot: one being created (MetricsSpool.create)
_PART = "rep-{:07d}.parquet"


LOCK = ".owner.lock"
LEGACY_STALE_S = 24 * 3600.0  # a spool without a lock (an older dxsim's) must also be untouched this long


def _lock(path: Path) -> int | None:
    """An open descriptor of `path` holding its exclusive lock, or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def remove_stale(parent: Path | None = None) -> list[Path]:
    """Spool folders whose creator is gone (killed runs), removed; returns them.

    A folder with a lock file is stale when its lock can be taken (its creator died, in whatever container). One
    without (an older dxsim's) is stale when no process of its PID is seen here and it has not changed for
    LEGACY_STALE_S: a process this one cannot see may still be writing it."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    gone = []
    for p in [*base.glob(f"{PREFIX}*"), *base.glob(f".{PREFIX}*")]:
        m = _NAME.match(p.name)
        if not m or not p.is_dir():
            continue
        lock = p / LOCK
        try:
            if lock.exists():
                fd = _lock(lock)
                if fd is None:
                    continue  # its creator is alive
                try:
                    shutil.rmtree(p, ignore_errors=True)
                finally:
                    os.close(fd)
            elif pid_alive(int(m["pid"])) or time.time() - p.stat().st_mtime < LEGACY_STALE_S:
                continue
            else:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            continue  # removed meanwhile by another cleaner, or not ours to read
        gone.append(p)
    return gone


def _remove_owned(folder: str, lock_fd: int | None) -> None:
    """Remove a spool folder this process made, then release its lock."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        if lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(lock_fd)


class MetricsSpool:
    """A folder of one Parquet part per replication."""

    def __init__(self, folder: Path, *, owner: bool = False, lock_fd: int | None = None) -> None:
        self.folder = Path(folder)
        # the creating process removes the folder (then lets its lock go); a pool worker that only writes parts does not
        self._finalizer = weakref.finalize(self, _remove_owned, str(self.folder), lock_fd) if owner else None

    @classmethod
    def create(cls, parent: Path | None = None) -> MetricsSpool:
        """A fresh spool folder, locked before it gets its spool name: a cleaner never sees it unlocked."""
        remove_stale(parent)
        base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
        staging = Path(tempfile.mkdtemp(prefix=f".{PREFIX}{os.getpid()}-", dir=base))
        fd = _lock(staging / LOCK)
        assert fd is not None, "a folder just made is nobody else's"
        folder = base / staging.name[1:]
        os.rename(staging, folder)
        return cls(folder, owner=True, lock_fd=fd)

    def part(self, replication: int) -> Path:
        return self.folder / _PART.format(int(replication))

    def write(self, replication: int, frame: pl.DataFrame) -> None:
        """One replication's table; written under a temporary name and renamed, so a part is whole or absent."""
        dst = self.part(replication)
        tmp = dst.with_name(f".{dst.name}.tmp-{os.getpid()}")
        try:
            frame.write_parquet(tmp)
            os.replace(tmp, dst)
        except Exception as e:
            full = says_disk_full(e)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            if not full:
                raise
            # polars said "ComputeError: ... os error 28" of a folder the user never named (disk-full trial)
            raise OutputError(
                _(
                    "writing the replications' metrics to {folder} failed (no space left on device): free space "
                    "there, or set TMPDIR to a folder on a disk with room"
                ).format(folder=self.folder)
            ) from None

    def parts(self) -> list[Path]:
        return sorted(self.folder.glob("rep-*.parquet"))

    def lazy(self) -> pl.LazyFrame:
        """All parts in replication order (the parts' names sort by replication)."""
        return pl.scan_parquet(self.parts())

    def collect(self) -> pl.DataFrame:
        return self.lazy().collect()

    def sink(self, path: Path) -> None:
        """Stream the parts into one Parquet file at `path`, in replication order, without loading them all."""
        self.lazy().sink_parquet(path, maintain_order=True)

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
