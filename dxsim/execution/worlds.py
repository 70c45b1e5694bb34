"""The prepared worlds of one process: the geodata loaded once, worlds by world key (LRU), the scenario as simulated.

A task whose world key is cached reuses the world with its own scenario swapped in
(:func:`dxsim.sim.world_store.with_scenario`); see :mod:`dxsim.execution`.
"""

from __future__ import annotations

import collections
import os
import time
from collections.abc import Callable
from typing import Any

from dxsim.geo import load_country
from dxsim.scenario.envelope import apply_envelope
from dxsim.sim import world_store
from dxsim.sim.world_store import load_or_prepare_world, with_scenario, world_key

WORLD_CACHE_SIZE = 2
# where a task's world came from (WorldCache.source, compare.json's `world_source`): held in this process's memory
# from an earlier task, read from the store of prepared worlds (DXSIM_CACHE/worlds), or built from the geodata
WORLD_SOURCES = ("memory", "store", "built")


def effective_scenario(scenario: Any, seed: int | None = None) -> Any:
    """The scenario as simulated: budget envelope folded in, and the common seed set."""
    sc = apply_envelope(scenario)
    if seed is not None and sc.seed != int(seed):
        sc = sc.model_copy(update={"seed": int(seed)})
    return sc


_COUNTRY: Any = None


def country() -> Any:
    """The geodata, loaded once per process."""
    global _COUNTRY
    if _COUNTRY is None:
        _COUNTRY = load_country()
    return _COUNTRY


class WorldCache:
    """Prepared worlds by world key (LRU); a hit swaps the task's scenario into the cached world."""

    def __init__(self, maxsize: int = WORLD_CACHE_SIZE) -> None:
        self.maxsize = max(1, int(maxsize))
        self._worlds: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self.hits = 0
        self.misses = 0
        self.source = ""  # the last get's world: one of WORLD_SOURCES ("" before any)

    def get(
        self,
        scenario: Any,
        scenario_dir: str | os.PathLike[str] | None,
        progress: Callable[[str], None] | None = None,
    ) -> tuple[Any, bool, float]:
        """(world for `scenario`, cache hit?, seconds spent preparing); `self.source` says where it came from."""
        key = world_key(scenario, scenario_dir)
        if key in self._worlds:
            self._worlds.move_to_end(key)
            self.hits += 1
            self.source = "memory"
            return with_scenario(self._worlds[key], scenario), True, 0.0
        self.misses += 1
        t0 = time.perf_counter()
        while len(self._worlds) >= self.maxsize:  # free the memory before building the next world
            self._worlds.popitem(last=False)
        world = load_or_prepare_world(scenario, country(), scenario_dir, progress=progress)
        # a miss here may still be a world read from the store in a fraction of a second, not built
        self.source = "store" if world_store.LAST.hit else "built"
        self._worlds[key] = world
        return world, False, time.perf_counter() - t0

    def clear(self) -> None:
        self._worlds.clear()


_WORLDS = WorldCache()


def process_world_cache() -> WorldCache:
    """This process's world cache (shared by compare and in-process sweeps)."""
    return _WORLDS
