"""The one writer of dxsim's output files and folders: atomic, and never destroying what dxsim did not write.

Rules (README "Outputs are safe"):

- An output folder written by dxsim carries a manifest, :data:`MANIFEST` (what wrote it, when, which
  files). dxsim replaces a folder only when it is absent, empty or carries that manifest; any other
  target is refused with one line (exit 2) and nothing is touched.
- A folder is filled in a hidden sibling ``.NAME.tmp-PID`` and swapped into place in one step
  (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames with recovery, below). Readers see
  the old folder or the new one, never half of one.
- A kill (even SIGKILL) at any moment leaves the previous output intact. The hidden siblings a
  killed process leaves behind are marked (:data:`TMP_MARK`) and removed, or restored when they
  hold the only copy of the previous output, by the next write to the same place.
- A single file (``map.html`` given ``--out``) is replaced only when it is absent, lies in a dxsim
  output folder, or is itself a dxsim page (it carries :data:`GENERATOR_MARK`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only annotations: `dxsim --help` and the CLI's start do not load polars
    import polars as pl

from dxsim._version import __version__
from dxsim.errors import DxsimInputError, OutputError, says_disk_full
from dxsim.i18n import gettext as _
from dxsim.i18n import language
from dxsim.pids import pid_alive

MANIFEST = ".dxsim-output.json"
TMP_MARK = ".dxsim-partial"
GENERATOR_MARK = 'name="generator" content="dxsim'
# which page it is: `--out` for a map does not replace a report page, nor the other way round
PAGE_KIND_META = "dxsim-page"
_PAGE_KIND = re.compile(rb'<meta name="dxsim-page" content="(\w+)">')
_HIDDEN = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)$")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100

# The date written inside the workbook (its "created" property) and the GeoPackage (each layer's `last_change`):
# 1980-01-01 00:00 UTC, the date XlsxWriter already gives the workbook's zip members. Why not the clock: with it,
# two runs of one scenario and seed wrote different bytes, so a planner could not check by their hashes that a
# re-run gave the same files. When dxsim wrote a folder is in its manifest (`written_utc`).
FILE_STAMP = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_table(dir_: Path, stem: str, df: pl.DataFrame, csv: bool = True) -> None:
    df.write_parquet(dir_ / f"{stem}.parquet")
    if csv:
        df.write_csv(dir_ / f"{stem}.csv")


# --------------------------------------------------------------------------- ownership


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a dxsim output folder, or None when the folder is not dxsim's."""
    try:
        obj = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) and obj.get("writer") == "dxsim" else None


# What runs of dxsim 0.1 wrote (before manifests): such a folder is recognised as dxsim's own.
_LEGACY_RUN_FILES = frozenset(
    {
        "summary.json",
        "metrics.parquet",
        "metrics.csv",
        "sites_5g.parquet",
        "grid_5km.parquet",
        "calibration.csv",
        "provinces.geojson",
        "map.html",
        "report.html",
        "datacentres.parquet",
        "villages.parquet",
        "villages.geojson",
        "calibration.md",
    }
)


# ... and what its sweeps wrote (resumable: `runs/` holds one JSON file per finished run).
_LEGACY_SWEEP_FILES = frozenset(
    {
        "sweep.json",
        "runs",
        "runs.csv",
        "runs.parquet",
        "replications.parquet",
        "indices.csv",
        "drivers.csv",
        "drivers.md",
    }
)


def _is_legacy_output(folder: Path) -> bool:
    """A folder of dxsim 0.1: its summary.json / sweep.json names a dxsim version and it holds nothing else."""
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    for meta, known in (("summary.json", _LEGACY_RUN_FILES), ("sweep.json", _LEGACY_SWEEP_FILES)):
        if names and names <= known and (meta in names or (meta == "sweep.json" and names == {"runs"})):
            if meta not in names:
                return _only_run_records(folder / "runs")
            try:
                obj = json.loads((folder / meta).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return False
            return isinstance(obj, dict) and "dxsim_version" in obj
    return False


def _only_run_records(runs: Path) -> bool:
    """An interrupted 0.1 sweep: a `runs/` folder of run files only."""
    try:
        return runs.is_dir() and all(p.suffix == ".json" and p.is_file() for p in runs.iterdir())
    except OSError:
        return False


def not_a_run_reason(folder: Path) -> str | None:
    """Why a folder dxsim wrote for another command (compare, sweep, backtest, ...) is not a run's folder, naming that
    command; None for a run's folder or one dxsim did not write. Why: `dxsim report` and `dxsim map` on a backtest
    folder, which holds a report.html, answered "not a dxsim result folder" (new-user trial)."""
    kind = (read_manifest(folder) or {}).get("kind")
    if not isinstance(kind, str) or kind == "run":
        return None
    return _("a folder dxsim wrote for `dxsim {command}`, not a run's folder").format(command=kind)


def is_dxsim_folder(folder: Path) -> bool:
    """Written by dxsim: carries the manifest, or is a run or sweep folder of dxsim 0.1 holding only its files."""
    return read_manifest(folder) is not None or _is_legacy_output(Path(folder))


def _page_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(4096)
    except OSError:
        return b""


def _is_dxsim_page(path: Path) -> bool:
    """A page dxsim wrote: it carries the generator mark (a user's file beside it does not)."""
    return GENERATOR_MARK.encode() in _page_head(path)


def page_kind(head: bytes | str) -> str | None:
    """ "map" or "report" from a dxsim page's PAGE_KIND_META (None: a page of an earlier dxsim, or no page)."""
    raw = head.encode() if isinstance(head, str) else head
    m = _PAGE_KIND.search(raw[:4096])
    return m.group(1).decode() if m else None


def _refuse(target: Path, why: str, field: str, allowed: str) -> DxsimInputError:
    return DxsimInputError(why, field=field, value=str(target), allowed=allowed)


def _foreign_entries(folder: Path) -> list[str]:
    """What a dxsim folder holds that dxsim did not put there (a user's notes)."""
    m = read_manifest(folder)
    if m is None:  # a 0.1 folder: recognised by holding only 0.1's files
        return []
    if m.get("kind") == "sweep":
        known = set(_LEGACY_SWEEP_FILES)
    else:
        known = {str(f).split("/", 1)[0] for f in m.get("files", [])}
    try:
        names = [p.name for p in folder.iterdir() if not _dead_temporary(p)]
    except OSError:
        return []
    return sorted(n for n in names if n not in known and n != MANIFEST)


def _dead_temporary(path: Path) -> bool:
    """A temporary file of a dxsim process that is gone (`.X.tmp-PID`, SQLite's side files beside one), left inside
    a folder dxsim fills file by file. Why: a killed `dxsim optimise` left `.best-check.toml.tmp-PID` in its folder,
    which then "also holds" it: every later run was refused, and the README promises the next write removes it."""
    m = _TMP_FILE.match(path.name)
    return m is not None and path.is_file() and not path.is_symlink() and not pid_alive(int(m["pid"]))


def files_not_listed(folder: Path) -> list[str]:
    """Every file (relative path) inside a dxsim folder that dxsim did not put there, however deep: [] when all of it
    is dxsim's. Stricter than `_foreign_entries` (top-level names), for deleting: a user's file inside a subfolder
    dxsim wrote counts too. A folder filled file by file (sweep, optimise) lists top-level names; a swapped-in
    folder lists every file."""
    m = read_manifest(folder)
    if m is None:
        return [] if _is_legacy_output(folder) else ["(no dxsim manifest)"]
    listed = {str(f) for f in m.get("files", [])}
    claimed = m.get("kind") in ("sweep", "optimise")
    known_tops = (set(_LEGACY_SWEEP_FILES) if m.get("kind") == "sweep" else set()) | listed
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(folder).as_posix()
        if rel == MANIFEST or rel in listed or (claimed and rel.split("/", 1)[0] in known_tops):
            continue
        out.append(rel)
    return out + [f"{rel} (changed after dxsim wrote it)" for rel in changed_since_written(folder)]


def remove_own_output(folder: Path) -> list[str]:
    """Delete a dxsim output folder only if everything in it is dxsim's; else leave it whole and return what is not."""
    foreign = files_not_listed(folder)
    if not foreign:
        shutil.rmtree(folder)
    return foreign


CLAIMED_KINDS = frozenset({"sweep", "optimise"})
"""Output kinds whose folder dxsim fills file by file (`claim_output_dir`) and never replaces whole: folders of their
own may sit inside (a sweep's runs/, a search's compare/)."""


def _replaced_whole_outer(target: Path) -> Path | None:
    """The nearest folder above `target` that dxsim wrote and replaces whole (a run, compare, backtest, ...), if any.

    Why: `dxsim run --out outputs/rep2/sub` wrote a run inside a run; replacing outputs/rep2 later was refused, since
    it "now also holds sub", and would otherwise have deleted sub with it (new-user trial)."""
    for parent in target.parents:
        if is_dxsim_folder(parent):
            # a dxsim 0.1 folder (no manifest) is a run's, or a sweep's when it holds sweep.json or runs/
            legacy = "sweep" if (parent / "sweep.json").exists() or (parent / "runs").is_dir() else "run"
            kind = (read_manifest(parent) or {}).get("kind", legacy)
            return None if kind in CLAIMED_KINDS else parent
    return None


def check_output_dir(out_dir: Path, field: str = "--out", kind: str | None = None) -> Path:
    """Refuse a target dxsim may not replace or cannot write; return it absolute. Leaves nothing behind.

    A dxsim folder is replaced only while it holds nothing but what its manifest lists (a file a
    user added makes it theirs too), and only by output of the same kind (`kind`, when given).
    """
    target = Path(out_dir).expanduser().absolute()
    allowed = _("a new folder, an empty folder, or a folder dxsim wrote earlier")
    control = next((c for c in str(target) if ord(c) < 32 or ord(c) == 127), None)
    if control is not None:  # GDAL drops them from a path: the GIS layers failed after the whole run
        raise _refuse(
            target,
            _("holds a control character ({char}), which GIS tools drop from a path").format(
                char=repr(control)
            ),
            field,
            _("a path of printable characters"),
        )
    cwd = Path.cwd().resolve()
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop on older Pythons (no strerror)
        reason = (e.strerror if isinstance(e, OSError) else None) or e
        raise _refuse(
            target, _("cannot resolve the path ({reason})").format(reason=reason), field, allowed
        ) from None
    if resolved == cwd or resolved in cwd.parents:
        raise _refuse(
            target,
            _("is the current folder or one of its parents; dxsim will not replace it"),
            field,
            _("a subfolder, e.g. --out outputs/NAME"),
        )
    for parent in resolved.parents:
        if parent.exists() and not parent.is_dir():
            raise _refuse(target, _("{parent} is a file, not a folder").format(parent=parent), field, allowed)
    outer = _replaced_whole_outer(resolved)
    if outer is not None:
        raise _refuse(
            target,
            _(
                "is inside {outer}, an output folder dxsim replaces whole: replacing it would delete this folder, "
                "and this folder would stop it being replaced"
            ).format(outer=outer),
            field,
            _("a folder outside it, e.g. {example}").format(example=outer.parent / target.name),
        )
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise _refuse(target, _("exists and is not a folder; dxsim will not replace it"), field, allowed)
    # a mount point (a USB stick): renaming a finished folder over it fails (EBUSY), after all the work
    if target.is_dir() and os.path.ismount(target):
        raise _refuse(
            target,
            _("is a mount point; dxsim swaps in a finished folder by renaming, which a mount point refuses"),
            field,
            _("a folder inside it, e.g. {example}").format(example=target / "NAME"),
        )
    if target.is_dir() and not is_dxsim_folder(target):
        try:
            nonempty = any(target.iterdir())
        except OSError as e:
            raise _refuse(
                target, _("cannot be read ({reason})").format(reason=e.strerror), field, allowed
            ) from None
        if nonempty:
            raise _refuse(
                target,
                _("holds files dxsim did not write; dxsim replaces only its own output folders"),
                field,
                _("{allowed}; choose another {field}").format(allowed=allowed, field=field),
            )
    elif target.is_dir():
        found = (read_manifest(target) or {}).get("kind")
        if kind is not None and found is not None and found != kind:
            raise _refuse(
                target,
                _("is a dxsim {found} folder, not a {kind} folder; dxsim will not replace it").format(
                    found=found, kind=kind
                ),
                field,
                _("another {field} for the {kind}").format(field=field, kind=kind),
            )
        foreign = _foreign_entries(target)
        if foreign:
            entries = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise _refuse(
                target,
                _("is a dxsim folder that now also holds {entries}; dxsim will not replace it").format(
                    entries=entries
                ),
                field,
                _("move those out of it, or choose another {field}").format(field=field),
            )
        changed = changed_since_written(target)  # a user's edit of a file dxsim wrote makes the file theirs
        if changed:
            entries = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
            raise _refuse(
                target,
                _(
                    "is a dxsim folder whose {entries} changed after dxsim wrote it; dxsim will not replace it"
                ).format(entries=entries),
                field,
                _(
                    "copy your changes elsewhere and delete the changed files, or choose another {field}"
                ).format(field=field),
            )
    _probe_writable(target, field)
    return target


def _probe_writable(target: Path, field: str = "--out") -> None:
    """Make and remove, where `atomic_dir` will make its temporary folder, an empty folder of the same name, so a
    place dxsim cannot write (read-only, no permission, /proc) is refused before the work, not after it.

    `os.access` is no substitute: it says yes to root everywhere except on read-only file systems. An interrupt
    between the two calls waits for the second; killed (SIGKILL) between them, the empty folder is debris the next
    write to the target removes (`clean_debris`)."""
    place = next(p for p in target.parents if p.exists())  # atomic_dir makes the missing parents here
    probe = place / f".{target.name}.tmp-{os.getpid()}"
    if probe.exists():  # an atomic_dir of this process is under way: the place is writable
        return
    failed: list[OSError] = []

    def attempt() -> None:  # made and removed in one step: ^C / SIGTERM between the two left it as debris
        try:
            probe.mkdir(exist_ok=True)
        except OSError as e:
            failed.append(e)
            return
        with contextlib.suppress(OSError):
            probe.rmdir()

    _to_the_end(attempt)
    if failed:
        raise _os_error(failed[0], target, where_unusable=True, field=field) from None


def check_output_file(path: Path, field: str = "--out", kind: str | None = None) -> Path:
    """Refuse to overwrite a file that is not dxsim's (a user's own page or document), or a dxsim page of another
    `kind` ("map" / "report")."""
    target = Path(path).expanduser().absolute()
    for parent in target.parents:
        if parent.exists() and not parent.is_dir():
            raise _refuse(
                target,
                _("{parent} is a file, not a folder").format(parent=parent),
                field,
                _("a file path whose parents are folders"),
            )
    if target.is_dir():
        raise _refuse(
            target, _("is a folder; give a file name"), field, _("a new file or a file dxsim wrote")
        )
    if target.exists() and not _is_dxsim_page(target):
        raise _refuse(
            target,
            _("exists and is not a page dxsim wrote (a map or a report); it will not be overwritten"),
            field,
            _("a new file, or a page dxsim wrote earlier"),
        )
    found = page_kind(_page_head(target)) if target.exists() else None
    if kind is not None and found is not None and found != kind:
        raise _refuse(
            target,
            _("is a dxsim {found} page; a {kind} does not replace it").format(found=found, kind=kind),
            field,
            _("another file name for the {kind}, e.g. {kind}.html").format(kind=kind),
        )
    return target


def _utc_now() -> str:
    """Now, as a manifest's `written_utc` says it (ISO 8601, whole seconds, UTC)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def manifest(
    kind: str, folder_name: str, files: list[str] | None = None, sha256: dict[str, str] | None = None
) -> dict[str, Any]:
    """The manifest; `sha256`: each file's digest as written, so a file a user edited afterwards is theirs too.
    `language`: the language its texts were written in (a later `dxsim report DIR` or `map DIR` keeps it)."""
    return {
        "writer": "dxsim",
        "dxsim_version": __version__,
        "kind": kind,
        "folder": folder_name,
        "language": language(),
        "written_utc": _utc_now(),
        "files": files or [],
        **({"sha256": sha256} if sha256 is not None else {}),
    }


# file identity and change times -> sha256 (see file_sha256)
_DIGESTS: dict[tuple[int, int, int, int, int], str] = {}
# a file last changed this long ago is memoised: any later write gets a later change time, even on FAT (2 s ticks)
_SETTLED_NS = 3_000_000_000
_MAX_DIGESTS = 100_000  # ~20 MB at most


def file_sha256(path: Path) -> str:
    """The file's SHA-256, memoised for this process by (device, inode, size, mtime, ctime).

    Why: a run checks its output folder three times (on the command line, when writing starts, and just before
    the swap), and each check hashed every file again (~0.1 s each for a 32 MB run folder). Any write to a file
    changes its ctime, which no user tool can set back, so a key that still matches is the same bytes. Only files
    whose ctime is settled (:data:`_SETTLED_NS` old) are memoised: a write within the same timestamp tick as the
    last one would leave the key as it was."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        known = _DIGESTS.get(key)
        if known is not None:
            return known
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    if time.time_ns() - max(st.st_ctime_ns, st.st_mtime_ns) > _SETTLED_NS or _in_own_tmp(Path(path)):
        if len(_DIGESTS) >= _MAX_DIGESTS:  # a long-lived process (the Python API, a sweep's workers)
            _DIGESTS.clear()
        _DIGESTS[key] = digest
    return digest


def _in_own_tmp(path: Path) -> bool:
    """Whether `path` lies in a folder this process is filling (:func:`atomic_dir`): nobody else writes there."""
    return any(tmp in path.parents for tmp, _old, _target in _UNDER_WAY)


def hash_finished_files(folder: Path) -> None:
    """Hash the finished files of a folder this process is filling now, so that the manifest's digests at the end
    cost nothing for them: for a process that would otherwise wait on its helper (runner.write_views_shared).
    Files still being written carry hidden temporary names (atomic_file); a file changed afterwards has another
    key and is hashed again."""
    for p in Path(folder).rglob("*"):
        if not p.name.startswith(".") and p.is_file():
            with contextlib.suppress(OSError):
                file_sha256(p)


PAGES = ("report.html", "map.html")  # what `dxsim report` and `dxsim map` rebuild from a run's other files


def check_run_unchanged(folder: Path) -> None:
    """Refuse to build a page from a run folder whose files (other than the pages) changed after dxsim wrote them.

    Why: `dxsim report` on a folder whose summary.json was edited published the edited figure beside the run's own
    yearly table, and recorded the new page's digest in the manifest as dxsim's (state-audit trial); `dxsim run`
    already refused that folder."""
    changed = [rel for rel in changed_since_written(folder) if rel not in PAGES]
    if changed:
        more = " " + _("(and {n} more files)").format(n=len(changed) - 1) if len(changed) > 1 else ""
        raise DxsimInputError(
            _(
                "changed after dxsim wrote it{more}: a page built from it would show figures the run did not "
                "produce"
            ).format(more=more),
            file=Path(folder) / changed[0],
            allowed=_(
                "the run's own files: restore them, or run the scenario again into a new folder (`dxsim run "
                "SCENARIO --out NEW_DIR`)"
            ),
        )


def changed_since_written(folder: Path) -> list[str]:
    """The files of a dxsim folder whose content differs from what dxsim wrote (its manifest's digests); [] for
    folders without digests (filled file by file: sweeps, optimise; or written by an earlier dxsim)."""
    m = read_manifest(folder) or {}
    digests = m.get("sha256")
    if not isinstance(digests, dict):
        return []
    out = []
    for rel, digest in sorted(digests.items()):
        path = Path(folder) / rel
        try:
            if path.is_file() and file_sha256(path) != digest:
                out.append(rel)
        except OSError:
            out.append(rel)
    return out


# --------------------------------------------------------------------------- debris


def _remove(path: Path) -> None:
    """Remove a file or folder of dxsim's if present; never raises (it runs while handling errors)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        with contextlib.suppress(OSError):
            path.unlink()


# a temporary file of atomic_file, or a side file SQLite keeps beside one (a GeoPackage being written)
_TMP_FILE = re.compile(r"^\..+\.tmp-(?P<pid>\d+)(?:-journal|-wal|-shm)?$")


def _only_debris(path: Path) -> bool:
    """A folder that holds nothing, or only temporary files of dead dxsim processes (`.X.tmp-PID`, with SQLite's
    `-journal` beside one): removing it loses nothing. Why: an interrupted run once left a folder holding only
    `.results.gpkg.tmp-PID-journal`, without the mark, and every later write to that place kept it."""
    try:
        for entry in path.iterdir():
            m = _TMP_FILE.match(entry.name)
            if not m or not entry.is_file() or pid_alive(int(m["pid"])):
                return False
    except OSError:
        return False
    return True


def clean_debris(target: Path) -> None:
    """Remove what killed dxsim processes left beside `target`; restore its previous folder if only a copy remains.

    Only hidden siblings named ``.NAME.tmp-PID`` / ``.NAME.old-PID`` of a dead PID are touched, and of
    folders only those dxsim marked (:data:`TMP_MARK`), that carry its manifest, or that are empty (a probe of
    `check_output_dir`) or hold only temporary files of dead dxsim processes: removing those loses nothing.

    A killed run's folders for *another* output in the same place go too (a run killed while writing
    `outputs/a` left `.a.tmp-PID` until something wrote `outputs/a` again): its unfinished `.tmp` folders
    marked as dxsim's, and an `.old` copy whose output is in place. Files and unmarked folders of another name
    are never touched.
    """
    parent = target.parent
    if not parent.is_dir():
        return
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for p in entries:
        m = _HIDDEN.match(p.name)
        if not m or pid_alive(int(m["pid"])):
            continue
        if m["name"] != target.name:
            other = parent / m["name"]
            marked = p.is_dir() and ((p / TMP_MARK).exists() or is_dxsim_folder(p))
            if marked and (m["kind"] == "tmp" or other.exists()):
                _remove(p)
            continue
        if p.is_dir():
            # empty: a killed probe; only dead temporaries: a folder whose removal raced its helper's last write
            ours = (p / TMP_MARK).exists() or is_dxsim_folder(p) or _only_debris(p)
            if not ours:
                continue
            if m["kind"] == "old" and not target.exists() and is_dxsim_folder(p):
                os.rename(p, target)  # killed between the two renames: the previous output comes back
                continue
        _remove(p)


# --------------------------------------------------------------------------- atomic writes


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _os_error(e: OSError, target: Path, where_unusable: bool = False, field: str = "--out") -> Exception:
    """A write failure as one line: bad location (exit 2) or a fault such as a full disk (exit 1).

    `where_unusable`: the failure came while making the temporary folder beside the target, before anything was
    written, so unless the disk is full or failing, the location is what is wrong (e.g. /proc: ENOENT)."""
    where = e.filename or target
    faults = (errno.ENOSPC, errno.EIO, errno.EDQUOT)
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS) or (where_unusable and e.errno not in faults):
        return DxsimInputError(
            _("cannot write there ({reason})").format(reason=e.strerror),
            field=field,
            value=str(target),
            allowed=_("a writable folder"),
        )
    if e.errno in (errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG):
        return DxsimInputError(
            _("not a usable output path ({reason})").format(reason=e.strerror),
            field=field,
            value=str(where),
            allowed=_("a folder path whose parents are folders"),
        )
    return OutputError(
        _("writing {where} failed ({reason}); the previous output, if any, is intact").format(
            where=where, reason=e.strerror or e
        )
    )


# OS errors that say the output place is unusable (`_os_error` makes them bad input), not that the disk is full
_WHERE_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG)


def disk_full_error(where: Path | str) -> OutputError:
    """The one line for a write that filled its disk, whichever library said so and in whatever words."""
    return OutputError(
        _("writing {where} failed (no space left on device); the previous output, if any, is intact").format(
            where=where
        )
    )


def _write_fault(e: Exception, target: Path, field: str = "--out") -> Exception:
    """What a failed write into `target` is to its caller, decided before its temporary file or folder is removed
    (removing it frees the space that shows the disk was full).

    A full disk is said as such whatever said it: polars ("ComputeError: ... os error 28"), GDAL ("cannot rollback -
    no transaction is active", when SQLite's journal could not grow) or the OS (disk-full trial, 2026-12-06: the
    GeoPackage's and the sweep's writers gave library messages). Other OS errors are `_os_error`'s; anything else
    (dxsim's own errors, a bug) is the caller's to raise as it is."""
    if isinstance(e, DxsimInputError | OutputError):
        return e
    if isinstance(e, OSError) and e.errno in _WHERE_ERRNOS:  # the place is wrong, however full its disk
        return _os_error(e, target, field=field)
    if says_disk_full(e) or _nearly_full(target.parent):
        return disk_full_error(target)
    if isinstance(e, OSError):
        return _os_error(e, target, field=field)
    return e


# (tmp, old, target) of every folder swap under way in this process: what `discard_partial` undoes
_UNDER_WAY: set[tuple[Path, Path, Path]] = set()


# under 4 MB free after a failed write: the disk filled up, whatever the library said
NEARLY_FULL_BYTES = 4 << 20


def _nearly_full(folder: Path) -> bool:
    """Whether the disk of `folder` is (nearly) full. GDAL, when SQLite's journal could not grow, said only
    "sqlite3_exec(ROLLBACK) failed: cannot rollback - no transaction is active"."""
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def discard_partial() -> None:
    """Undo every folder write of this process still under way (called by the CLI after ^C/TERM/a failure).

    The in-place clean-up of `atomic_dir` can itself be cut short by a second interrupt (native code
    such as polars may deliver one signal twice); this runs once the interrupts have been raised.
    """
    for job in list(_UNDER_WAY):
        _to_the_end(functools.partial(_restore, *job))
        _UNDER_WAY.discard(job)


def _to_the_end(cleanup: Callable[[], None]) -> None:
    """Run a clean-up to its end even if ^C / SIGTERM arrives meanwhile (it is re-raised afterwards).

    A library busy in native code (polars writing parquet) can deliver one interrupt twice; the
    second must not cut the removal of a temporary folder short.
    """
    pending: KeyboardInterrupt | None = None
    while True:
        try:
            cleanup()
            break
        except KeyboardInterrupt as e:
            pending = e
    if pending is not None:
        raise pending


def _restore(tmp: Path, old: Path, out_dir: Path) -> None:
    """After a failure: drop the new folder; put the previous one back if it was moved aside."""
    _remove(tmp)
    if old.exists() and not out_dir.exists():
        os.rename(old, out_dir)


_STOP = {"asked": False}


def ask_stop() -> None:
    """Record an interrupt (the CLI's SIGINT/SIGTERM handler), so no output is committed after it.

    Python raises KeyboardInterrupt at the next bytecode; when that lands inside a garbage-collector or
    weakref callback, the interpreter prints "Exception ignored" and carries on, and the run would finish
    and replace the previous output as if nothing had happened. The flag survives that.
    """
    _STOP["asked"] = True


def check_stop() -> None:
    """Raise KeyboardInterrupt if an interrupt was recorded (see :func:`ask_stop`)."""
    if _STOP["asked"]:
        raise KeyboardInterrupt("interrupted")


def atomic_dir(out_dir: Path, fill: Callable[[Path], None], kind: str = "run") -> Path:
    """Call `fill(tmp_dir)`, add the manifest, then swap the folder into `out_dir` in one step.

    Refuses (before any work) a target dxsim may not replace; on any failure or interrupt the temporary
    folder is removed and `out_dir` is left as it was.
    """
    out_dir = check_output_dir(out_dir, kind=kind)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    job = (tmp, old, out_dir)
    # listed before the folder exists: an interrupt right after its mkdir must not leave it behind
    _UNDER_WAY.add(job)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_debris(out_dir)
        _remove(tmp)
        tmp.mkdir()
        (tmp / TMP_MARK).touch()
    except OSError as e:
        _remove(tmp)
        _UNDER_WAY.discard(job)
        raise _os_error(e, out_dir, where_unusable=True) from None
    try:
        fill(tmp)
        check_stop()  # an interrupt swallowed during `fill` must not let the folder in
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() and p.name != TMP_MARK)
        digests = {f: file_sha256(tmp / f) for f in files}
        write_json(tmp / MANIFEST, manifest(kind, out_dir.name, files, digests))
        (tmp / TMP_MARK).unlink()
        os.chmod(tmp, 0o755)
        if not out_dir.exists():
            os.rename(tmp, out_dir)
        elif _exchange(tmp, out_dir):
            _to_the_end(lambda: _remove(tmp))  # now holds the previous output
        else:
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            _to_the_end(lambda: _remove(old))
    except Exception as e:
        # polars / GDAL say a full disk in their own words, or not at all: look before the clean-up frees space
        fault = _write_fault(e, out_dir)
        _to_the_end(lambda: _restore(tmp, old, out_dir))
        _UNDER_WAY.discard(job)
        if isinstance(fault, OutputError) and str(tmp) in str(fault):
            # a file's writer named the hidden folder: the user knows the folder by the name they gave
            raise OutputError(str(fault).replace(str(tmp), str(out_dir))) from None
        if fault is e:
            raise
        raise fault from None
    except BaseException:
        # if a second interrupt cuts this short, the job stays listed for `discard_partial`
        _to_the_end(lambda: _restore(tmp, old, out_dir))
        _UNDER_WAY.discard(job)
        raise
    _UNDER_WAY.discard(job)
    return out_dir


def claim_output_dir(out_dir: Path, kind: str, files: list[str] | None = None) -> Path:
    """Create (or reuse) a folder that dxsim fills file by file (a resumable sweep), marked as dxsim's.

    `files`: the names dxsim may put there (recorded in the manifest; anything else is a user's). `kind` is one of
    CLAIMED_KINDS.
    """
    assert kind in CLAIMED_KINDS, f"{kind} folders are replaced whole (atomic_dir), not claimed"
    out_dir = check_output_dir(out_dir, kind=kind)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if not is_dxsim_folder(out_dir):
            atomic_text(out_dir / MANIFEST, json.dumps(manifest(kind, out_dir.name, files), indent=2) + "\n")
        for p in out_dir.iterdir():  # what killed writers left at its top (check_output_dir let them pass)
            if _dead_temporary(p):
                _remove(p)
    except OSError as e:
        raise _os_error(e, out_dir) from None
    return out_dir


def atomic_file(path: Path, write: Callable[[Path], object], field: str = "--out") -> Path:
    """Call `write(tmp)` on a hidden sibling, then rename it over `path` (readers never see half a file).
    `field`: how an unusable place is named to the user (the option or argument that chose it)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_debris(path)
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except Exception as e:
        fault = _write_fault(e, path, field)  # before the temporary file is removed
        if fault is e:
            raise
        raise fault from None
    finally:
        _remove(tmp)
    return path


def _remove_all(paths: list[Path]) -> None:
    for p in paths:
        _remove(p)


def record_digests(folder: Path, digests: dict[str, str]) -> None:
    """Add files' digests (relative path -> sha256, as dxsim wrote them) to a dxsim folder's manifest, and make its
    `written_utc` this write's time: a sweep or optimisation folder filled again said when its first search began."""
    m = read_manifest(folder)
    if m is not None:
        known = m.get("sha256")
        m["sha256"] = {**(known if isinstance(known, dict) else {}), **digests}
        m["written_utc"] = _utc_now()
        atomic_text(Path(folder) / MANIFEST, json.dumps(m, indent=2) + "\n")


def _name_folder(folder: Path, name: str) -> None:
    """A folder written under a temporary name: its manifest names the folder it becomes (it said ".compare.tmp-796")."""
    m = read_manifest(folder)
    if m is not None and m.get("folder") != name:
        m["folder"] = name
        write_json(folder / MANIFEST, m)


def forget_missing_digests(folder: Path) -> None:
    """Drop from a dxsim folder's manifest the digests of files no longer there (removed as an earlier run's
    leftovers), so the manifest lists what the folder holds."""
    m = read_manifest(folder)
    known = m.get("sha256") if m is not None else None
    if m is None or not isinstance(known, dict):
        return
    kept = {rel: d for rel, d in known.items() if (Path(folder) / rel).is_file()}
    if kept != known:
        m["sha256"] = kept
        atomic_text(Path(folder) / MANIFEST, json.dumps(m, indent=2) + "\n")


def atomic_files(
    folder: Path, writers: dict[str, Callable[[Path], object]], finish: Callable[[], None] | None = None
) -> list[Path]:
    """Write a set of files into a dxsim folder filled file by file (sweep, optimise) as one set, and record their
    digests in its manifest, so a file a user edits afterwards is theirs (see `changed_since_written`).

    Every entry is written to a hidden sibling first; only when all are whole are they moved into place, in one
    step that an interrupt cannot cut short (it is re-raised after). An interrupted re-sweep left runs.csv of 16
    runs beside a sweep.json of 12. A name may hold a subfolder (`pareto/plan-01.toml`), and a writer may make a
    folder instead of a file (an optimisation's `compare/`, written by `atomic_dir`): it is swapped in whole, its
    files' digests recorded under its name. Why one set: a search killed while its check ran left the new best plan
    beside the comparison and summary of the previous one. `finish` runs in the same uninterruptible step, after
    the set is in place (an optimisation removes there what the earlier search wrote and this one did not)."""
    folder = Path(folder)
    done: dict[str, Path] = {}
    try:
        for name, write in writers.items():
            target = folder / name
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            done[name] = tmp
            target.parent.mkdir(parents=True, exist_ok=True)
            clean_debris(target)
            write(tmp)
            if tmp.is_dir():
                _name_folder(tmp, target.name)
            os.chmod(tmp, 0o755 if tmp.is_dir() else 0o644)
        check_stop()
    except Exception as e:
        fault = _write_fault(e, folder)  # before the temporary files are removed
        _to_the_end(functools.partial(_remove_all, list(done.values())))
        if fault is e:
            raise
        raise fault from None
    except BaseException:
        _to_the_end(functools.partial(_remove_all, list(done.values())))
        raise
    digests: dict[str, str] = {}
    for name, tmp in done.items():
        if tmp.is_dir():
            for f in sorted(tmp.rglob("*")):
                if f.is_file() and f.name != MANIFEST:
                    digests[f"{name}/{f.relative_to(tmp).as_posix()}"] = file_sha256(f)
        else:
            digests[name] = file_sha256(tmp)

    def commit() -> None:
        for name, tmp in done.items():
            target = folder / name
            if not tmp.exists():
                continue
            if tmp.is_dir() and target.is_dir() and not target.is_symlink():
                old = target.with_name(f".{target.name}.old-{os.getpid()}")
                if _exchange(tmp, target):
                    _remove(tmp)  # now holds the previous folder
                else:
                    os.rename(target, old)
                    os.rename(tmp, target)
                    _remove(old)
            else:
                os.replace(tmp, target)
        record_digests(folder, digests)
        if finish is not None:
            finish()

    try:
        _to_the_end(commit)
    except OSError as e:
        raise _os_error(e, folder) from None
    return [folder / name for name in writers]


def atomic_text(path: Path, text: str, field: str = "--out") -> Path:
    """Write UTF-8 text atomically."""
    return atomic_file(path, lambda p: p.write_text(text, encoding="utf-8", newline="\n"), field)


def atomic_page(path: Path, text: str, field: str = "--out") -> Path:
    """Write a dxsim page (map/report) over nothing but an earlier dxsim page; list it in its folder's manifest.
    `field`: what chose the path (`--out`, or the run folder's argument when the page goes into it)."""
    target = atomic_text(check_output_file(path, field, kind=page_kind(text)), text, field)
    m = read_manifest(target.parent)
    if m is not None:
        m["files"] = sorted({*m.get("files", []), target.name})
        if isinstance(m.get("sha256"), dict):  # the page dxsim wrote now, not the one it replaced
            m["sha256"][target.name] = file_sha256(target)
        atomic_text(target.parent / MANIFEST, json.dumps(m, indent=2, ensure_ascii=False) + "\n")
    return target
