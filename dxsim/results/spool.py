"""Replications' metrics tables on disk as they finish, so a run's memory does not grow with replications.

A replication's metrics table is ~1.7 MB in memory (60k rows to 2030) and ~0.1 MB as Parquet.
Keeping every one until the end made `--reps 1000` need ~2.3 GB. The runner instead writes each
table here as its replication finishes (pool workers write their own), keeps only the national rows
it needs for the KPIs, and streams the parts into ``metrics.parquet`` at the end, in replication
order (so the file is the same as if all tables had been concatenated in memory).

The folder is a fresh ``dxsim-spool-<pid>-*`` in the system's temporary directory. It is removed
when the spool is closed or garbage-collected, or at interpreter exit; one left by a killed process
is removed by the next spool created on the machine (its process is gone).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import weakref
from pathlib import Path

import polars as pl

from dxsim.errors import OutputError, says_disk_full
from dxsim.i18n import gettext as _
from dxsim.pids import pid_alive

PREFIX = "dxsim-spool-"
_NAME = re.compile(rf"^{PREFIX}(?P<pid>\d+)-")
_PART = "rep-{:07d}.parquet"


def remove_stale(parent: Path | None = None) -> list[Path]:
    """Spool folders of processes that no longer exist (killed runs), removed; returns them."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    gone = []
    for p in base.glob(f"{PREFIX}*"):
        m = _NAME.match(p.name)
        if m and p.is_dir() and not pid_alive(int(m["pid"])):
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p)
    return gone


class MetricsSpool:
    """A folder of one Parquet part per replication."""

    def __init__(self, folder: Path, *, owner: bool = False) -> None:
        self.folder = Path(folder)
        # the creating process removes the folder; a pool worker that only writes parts does not
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.folder), True) if owner else None

    @classmethod
    def create(cls, parent: Path | None = None) -> MetricsSpool:
        remove_stale(parent)
        return cls(Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent)), owner=True)

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
