"""Prepared worlds on disk: build once (~5 s), load in a fraction of a second in every later process.

`prepare_world` turns a scenario and the geodata into the static arrays every replication reads
(site layer, footprints, start coverage, site capacity). It is deterministic, so its result can be
kept. :func:`load_or_prepare_world` keeps it in ``<cache_dir>/worlds/<key>.world``, where the key is
a hash of everything that shapes a world:

- the scenario without the sections that only steer the simulation (:data:`SIM_ONLY`), and the
  *contents* of the files it names (a planner's site or village layer);
- the data: the geodata cache's input hash, the fact tables' contents and the size and time stamp of
  every raw file under ``DXSIM_RAW_DATA`` (some are read outside the geodata cache);
- the code: the text of every dxsim module, and the Python, numpy and polars versions.

Change any of them and the key changes, so a stale world is never used. The file is written once,
atomically (temporary file + rename; no fsync, since the check below catches a file a crash left
short), and carries its length and a 64-bit XXH3 hash of its body; a file that is
short, altered or unreadable is discarded and rebuilt, never trusted. (XXH3 rather than zlib's CRC-32: checking
the ~0.28 GB body took 0.08-0.14 s of every run with CRC-32 and ~0.015 s with XXH3, which detects the same flips.) Arrays are stored as raw
buffers and mapped copy-on-write on load (pickle protocol 5 out-of-band buffers), so loading costs
about the time to read the file and several processes share the pages. The folder keeps at most
``DXSIM_WORLD_CACHE_MB`` (default 3000 MB) of worlds, least recently used first out;
``DXSIM_WORLD_CACHE=0`` turns the store off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import mmap
import os
import pickle
import platform
import re
import shutil
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xxhash
import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.geo.country import Country
from dxsim.i18n import formats as F

from dxsim.geo.datacentres import with_state_design
from dxsim.geo.planner_files import check_village_ids
from dxsim.i18n import gettext as _
from dxsim.paths import PACKAGE_DIR, cache_dir, facts_dir, raw_data_dir
from dxsim.pids import pid_alive
from dxsim.scenario.schema import Scenario
from dxsim.scenario.envelope import apply_envelope
from dxsim.sim.world import World, prepare_world

Progress = Callable[[str], None]

# Sections that only steer the simulation, not the prepared world. Two operator fields shape the world
# and are kept apart from the rest of `operators` (see `world_key`).
CAPACITY_SIM_ONLY = (
    "served_rate_mbps",
    "data_users_pct_of_population",
    "traffic_gb_per_user_month",
    "traffic_base_year",
    "traffic_growth_pct_per_year",
    "traffic_growth_before_start_pct_per_year",
    "busy_hour_to_average_ratio",
    "device_5g_share_pct",
    "device_base_year",
    "device_5g_share_growth_pp_per_year",
    "device_5g_share_max_pct",
)
SIM_ONLY: tuple[tuple[str, ...], ...] = (
    ("name",),
    ("description",),
    ("language",),
    ("replications",),
    (
        "seed",
    ),  # the replications' draws; the synthetic layers have seeds of their own (sites., compute.datacentres.)
    ("operators",),
    ("crews",),
    ("seasons",),
    ("works",),
    ("supply",),
    ("subsidy",),
    ("supports",),
    ("business_case",),
    ("surge",),
    ("villages", "programme"),
    (
        "villages",
        "options",
        "capex_overrun_factor",
    ),  # the actual cost, paid in the replication; the choice uses the estimate
    ("compute", "gpus"),
    ("compute", "demand"),
    ("budget",),
    ("compute", "datacentres", "public_investment_vnd_bn"),
    # demand and the served rate are held against the world's site capacities in the replication; of `capacity`,
    # only `enabled`, `neighbour_load_pct` (the interference in the capacities) and the 5G carriers shape the world
    *(("capacity", name) for name in CAPACITY_SIM_ONLY),
)
OPERATOR_WORLD_FIELDS = ("start_share_5g_pct", "subscriber_share_pct")  # of `operators`, what world_key keeps


def shapes_world(path: str) -> bool:
    """Whether a scenario field (dotted path, e.g. `sites.people_per_5g_site_dense`) is among what the prepared world
    is keyed by (:func:`world_key`): a search that varies it prepares a world for each value it tries."""
    parts = tuple(path.split("."))
    if parts[:1] == ("operators",):
        return len(parts) >= 3 and parts[2] in OPERATOR_WORLD_FIELDS
    return not any(parts[: len(p)] == p for p in SIM_ONLY)


FORMAT = b"DXSIM-WORLD-v2\x00\x00"  # 16 bytes; bump when the file layout changes (v2: XXH3-64, was CRC-32)
_HEADER = struct.Struct(
    "<16sQQQQQ"
)  # magic, meta offset, meta length, table offset, body length, XXH3-64 of the body
_ALIGN_BYTES = 64
SUFFIX = ".world"
DEFAULT_BUDGET_MB = 3000.0
MIN_FREE_BYTES = 2_000_000_000  # a world file is ~0.23 GB; never fill the disk for a cache


# --------------------------------------------------------------------------- the key


def named_files(scenario: Scenario, scenario_dir: str | os.PathLike[str] | None) -> list[Path]:
    """The planner's files a scenario names (site layer, village layer), resolved against its folder."""
    out = []
    for value in (scenario.sites.file, scenario.villages.layer.file):
        if value:
            p = Path(value).expanduser()
            if not p.is_absolute() and scenario_dir is not None:
                p = Path(scenario_dir) / p
            out.append(p)
    return out


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"  # prepare_world reports it with the scenario's field


def world_key(scenario: Scenario, scenario_dir: str | os.PathLike[str] | None) -> str:
    """Hash of what the scenario contributes to `prepare_world`: its world-shaping fields and named files."""
    data = scenario.model_dump(mode="json")
    # of `operators`, the start shares (how the plans interleave) and subscriber shares (whose 5G a user may use)
    data["_operator_world_fields"] = {
        name: [op.get(f) for f in OPERATOR_WORLD_FIELDS] for name, op in (data.get("operators") or {}).items()
    }
    for path in SIM_ONLY:
        node = data
        for part in path[:-1]:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(path[-1], None)
    data["_named_files"] = [_file_digest(p) for p in named_files(scenario, scenario_dir)]
    # not the language: the world holds the villages' reasons in every language (VillageWorld.table_in)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_digest(package_dir: Path) -> str:
    """Hash of the text of every module under `package_dir`, and the library versions pickles depend on."""
    h = hashlib.sha256(FORMAT)
    for p in sorted(package_dir.rglob("*.py")):
        h.update(str(p.relative_to(package_dir)).encode())
        h.update(p.read_bytes())
    h.update(f"{platform.python_version()}|{np.__version__}|{pl.__version__}".encode())
    return h.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """:func:`source_digest` of the dxsim package this process runs (once per process, ~10 ms)."""
    return source_digest(PACKAGE_DIR)


def data_fingerprint(country: Country) -> str:
    """Hash of the data a world is built from: geodata cache inputs, fact tables, raw files (size, mtime)."""
    h = hashlib.sha256(str(country.manifest.get("inputs_sha256", "")).encode())
    facts = facts_dir()
    for p in sorted(facts.glob("*.csv")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    raw = raw_data_dir()
    if raw.is_dir():
        for p in sorted(raw.rglob("*")):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.relative_to(raw)}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()


def store_key(scenario: Scenario, scenario_dir: str | os.PathLike[str] | None, country: Country) -> str:
    """The file name stem of a prepared world: scenario, named files, data and code."""
    parts = (world_key(scenario, scenario_dir), data_fingerprint(country), code_fingerprint())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- the file


class CorruptWorld(ValueError):
    """A world file that is short, altered or unreadable."""


def _pad(n: int) -> int:
    return (-n) % _ALIGN_BYTES


def dump_world(world: World, path: Path) -> int:
    """Write `world` (without its Country, which loads in ~0.1 s anyway) to `path` atomically; returns bytes."""
    buffers: list[pickle.PickleBuffer] = []
    meta_io = io.BytesIO()
    p = pickle.Pickler(meta_io, protocol=5, buffer_callback=buffers.append)
    p.persistent_id = lambda obj: "country" if obj is world.country else None  # type: ignore[method-assign]
    p.dump(world)
    meta = meta_io.getvalue()
    views = [b.raw() for b in buffers]
    table = np.zeros((len(views), 2), dtype=np.int64)
    pos = _HEADER.size + len(meta)
    pos += _pad(pos)
    for i, v in enumerate(views):
        table[i] = (pos, v.nbytes)
        pos += v.nbytes + _pad(v.nbytes)
    table_off = pos
    total = table_off + table.nbytes
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(b"\0" * _HEADER.size)
            body_hash = xxhash.xxh3_64()

            def put(b: Any) -> None:
                f.write(b)
                body_hash.update(b)

            put(meta)
            put(b"\0" * _pad(_HEADER.size + len(meta)))
            for v in views:
                put(v)
                put(b"\0" * _pad(v.nbytes))
            put(table.tobytes())
            f.seek(0)
            f.write(
                _HEADER.pack(
                    FORMAT, _HEADER.size, len(meta), table_off, total - _HEADER.size, body_hash.intdigest()
                )
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return total


def read_world(path: Path, country: Country) -> World:
    """The world in `path`, its arrays mapped copy-on-write; :class:`CorruptWorld` if anything is off."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < _HEADER.size:
            raise CorruptWorld(f"{path}: {size} bytes, shorter than the header")
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    view = memoryview(mm)
    magic, meta_off, meta_len, table_off, body_len, body_hash = _HEADER.unpack_from(view, 0)
    if magic != FORMAT or _HEADER.size + body_len != size or not meta_off + meta_len <= table_off <= size:
        raise CorruptWorld(f"{path}: not a complete dxsim world file of this version")
    if xxhash.xxh3_64_intdigest(view[_HEADER.size :]) != body_hash:
        raise CorruptWorld(f"{path}: checksum mismatch")
    table = np.frombuffer(view[table_off:], dtype=np.int64).reshape(-1, 2)
    bufs = [view[int(o) : int(o) + int(n)] for o, n in table]
    u = pickle.Unpickler(io.BytesIO(view[meta_off : meta_off + meta_len]), buffers=bufs)
    u.persistent_load = lambda pid: country if pid == "country" else None  # type: ignore[method-assign]
    try:
        world = u.load()
    except Exception as exc:  # any unpickling failure means the file is not what we wrote
        raise CorruptWorld(f"{path}: unreadable ({type(exc).__name__})") from exc
    if not isinstance(world, World):
        raise CorruptWorld(f"{path}: holds {type(world).__name__}, not a World")
    return world


# --------------------------------------------------------------------------- the store


def store_dir() -> Path | None:
    """``<cache_dir>/worlds``, or None when the store is off (``DXSIM_WORLD_CACHE=0``)."""
    raw = os.environ.get("DXSIM_WORLD_CACHE", "1")
    switch = raw.strip().lower()
    if switch in ("0", "off", "no", "false"):
        return None
    if switch not in ("", "1", "on", "yes", "true"):  # "maybe" was read as on, without a word
        raise DxsimInputError(
            "not a switch",
            field="DXSIM_WORLD_CACHE",
            value=raw,
            allowed="1, on, yes, true or 0, off, no, false",
        )
    return cache_dir() / "worlds"


def _budget_bytes() -> float:
    """DXSIM_WORLD_CACHE_MB in bytes; a value that is no size is refused (it was ignored for the default)."""
    raw = os.environ.get("DXSIM_WORLD_CACHE_MB")
    if raw is None or not raw.strip():
        return DEFAULT_BUDGET_MB * 1e6
    try:
        mb = float(raw)
    except ValueError:
        mb = float("nan")
    if not (mb >= 0 and mb < float("inf")):
        raise DxsimInputError(
            "not a size in MB",
            field="DXSIM_WORLD_CACHE_MB",
            value=raw,
            allowed=f"a number of MB >= 0 (default {DEFAULT_BUDGET_MB:g})",
        )
    return mb * 1e6


_TMP = re.compile(r"^\.(?P<name>.+\.world)\.tmp-(?P<pid>\d+)$")


def evict(folder: Path, keep: Path | None = None) -> list[Path]:
    """Delete dxsim's own files beyond need: the least recently used ``*.world`` past the size budget, and
    temporary files of writers that were killed (their process is gone)."""
    removed = []
    for p in folder.iterdir():
        m = _TMP.match(p.name)
        if m and not pid_alive(int(m["pid"])):
            p.unlink(missing_ok=True)
            removed.append(p)
    files = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    total = 0
    for p in files:
        total += p.stat().st_size
        if total > _budget_bytes() and p != keep:
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def store_summary() -> str:
    """One line for `dxsim data`: where prepared worlds are kept, how many and how much of the budget."""
    folder = store_dir()
    if folder is None:
        return "prepared worlds: not stored (DXSIM_WORLD_CACHE=0)"
    files = list(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    size = sum(p.stat().st_size for p in files)
    return (
        f"prepared worlds: {len(files)} in {folder} ({size / 1e9:.2f} GB of at most {_budget_bytes() / 1e9:.1f} GB, "
        "DXSIM_WORLD_CACHE_MB)"
    )


@dataclasses.dataclass
class StoreStats:
    """What the last :func:`load_or_prepare_world` call in this process did: for tests and benchmarks, and for what
    a run and compare say of the world (`hit`: read from the store, not built; `seconds`: the call's time)."""

    key: str = ""
    hit: bool = False
    rebuilt_corrupt: bool = False
    unusable: str = (
        ""  # why a stored world was not used (a corrupt or unreadable file), "" when none was found
    )
    store_off: bool = False
    written_bytes: int = 0
    evicted: int = 0  # stored worlds the new one pushed out (least recently used, past DXSIM_WORLD_CACHE_MB)
    not_stored: str = ""  # why a built world was not stored (a full or read-only disk), "" when it was
    seconds: float = 0.0


LAST = StoreStats()


def with_scenario(world: World, scenario: Scenario) -> World:
    """A world built from a scenario equal in every world-shaping field, carrying `scenario` for the rest.

    The sim-only inputs the world shows are the state data-centre money: its fleet row's design size
    (:func:`dxsim.geo.datacentres.with_state_design`) is recomputed from the scenario as simulated; and the
    capacity parameters the world keeps beside its site capacities (demand and the served rate), which become
    the scenario's.
    """
    sc = apply_envelope(scenario)
    if world.villages is not None and sc.villages is not None and sc.villages.enabled:
        # the villages a scenario names outside the world's key (the programme's priority list) are checked on the
        # layer here, as building the world checks them: a run from the store took an unknown id and said nothing
        check_village_ids(sc, world.villages.table)
    compute = world.compute
    if compute is not None and sc.compute.enabled:
        compute = dataclasses.replace(
            compute, dc_table=with_state_design(compute.dc_table, sc.compute.datacentres)
        )
    capacity = world.capacity
    if capacity is not None:
        capacity = dataclasses.replace(capacity, params=sc.capacity)
    return dataclasses.replace(world, scenario=sc, compute=compute, capacity=capacity)


def load_or_prepare_world(
    scenario: Scenario,
    country: Country,
    scenario_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> World:
    """The prepared world of `scenario`: from the store if an identical one is there, else built and stored.

    The last progress line says how the world came and how long that took ("prepared world from the cache
    (0.3 s)"): a run's log keeps that one line of the preparing stages."""
    t0 = time.perf_counter()
    # reset first: with the store off, LAST kept the previous call's `hit` and a built world read as loaded
    LAST.__init__()  # type: ignore[misc]
    world = _load_or_prepare(scenario, country, scenario_dir, progress)
    LAST.seconds = time.perf_counter() - t0
    if progress is not None:
        progress(world_line())
    return world


def world_line() -> str:
    """How the last world came, why it was built and in what time: the one line a run's log keeps of preparing.

    Why the reason: a damaged stored world said "cached world unusable (...)" only in a passing progress line, which
    a log replaces by the last one, "prepared world built (8.6 s)"."""
    took = F.duration(LAST.seconds)
    if LAST.hit:
        return _("prepared world from the cache ({elapsed})").format(elapsed=took)
    if LAST.unusable:
        return _("prepared world rebuilt: the stored one was unusable, {reason} ({elapsed})").format(
            reason=LAST.unusable, elapsed=took
        )
    if LAST.store_off:
        return _("prepared world built, the store is off (DXSIM_WORLD_CACHE=0) ({elapsed})").format(
            elapsed=took
        )
    if LAST.not_stored:  # "none stored yet" read as if it now were (disk-full trial, 2026-12-06)
        return _(
            "prepared world built, not stored ({reason}): the next run builds it again ({elapsed})"
        ).format(reason=LAST.not_stored, elapsed=took)
    if LAST.evicted:  # why the next run of another scenario builds its world again
        return _(
            "prepared world built: none stored for these inputs yet; storing it removed {n} least recently used "
            "(DXSIM_WORLD_CACHE_MB = {mb}) ({elapsed})"
        ).format(n=F.number(LAST.evicted), mb=F.number(_budget_bytes() / 1e6), elapsed=took)
    return _("prepared world built: none stored for these inputs yet ({elapsed})").format(elapsed=took)


def _load_or_prepare(
    scenario: Scenario,
    country: Country,
    scenario_dir: str | os.PathLike[str] | None,
    progress: Progress | None,
) -> World:
    """:func:`load_or_prepare_world` without its timing: each return below is one way the world came."""
    say = progress or (lambda _m: None)
    folder = store_dir()
    if folder is not None:
        _budget_bytes()  # a bad DXSIM_WORLD_CACHE_MB is said before the work, not after the world is built
    sdir = Path(scenario_dir) if scenario_dir is not None else None
    if folder is None:
        LAST.store_off = True
        return prepare_world(scenario, country, scenario_dir=sdir, progress=progress)
    key = store_key(scenario, scenario_dir, country)
    path = folder / f"{key}{SUFFIX}"
    LAST.key = key
    if path.is_file():
        try:
            world = read_world(path, country)
        except (CorruptWorld, OSError) as exc:
            say(_("cached world unusable ({reason}); rebuilding it").format(reason=exc))
            LAST.rebuilt_corrupt = True
            LAST.unusable = str(exc)
            with contextlib.suppress(OSError):  # a read-only store keeps it; the rebuilt world is not stored
                path.unlink(missing_ok=True)
        else:
            with contextlib.suppress(
                OSError
            ):  # a read-only store (shared, or on a read-only disk) is still read
                os.utime(path)  # least recently used goes first
                evict(folder, keep=path)  # also clears a killed writer's temporary file
            LAST.hit = True
            return with_scenario(world, scenario)
    world = prepare_world(scenario, country, scenario_dir=sdir, progress=progress)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
        if free > MIN_FREE_BYTES:
            say(_("storing the prepared world"))
            LAST.written_bytes = dump_world(world, path)
            LAST.evicted = sum(p.name.endswith(SUFFIX) for p in evict(folder, keep=path))
        else:
            LAST.not_stored = _(
                "{free} GB free on the disk of {folder}, under the {floor} GB dxsim keeps free"
            ).format(free=F.number(free / 1e9, 1), folder=folder, floor=F.number(MIN_FREE_BYTES / 1e9, 1))
    except OSError as exc:  # a read-only or full disk only costs the next run the preparation
        LAST.not_stored = f"{folder}: {exc.strerror or exc}"
    return world
