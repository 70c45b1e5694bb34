"""How many worker processes a run of replications starts: arithmetic only, no imports of the model.

Why its own module: the cost estimate that every `dxsim run` makes before any work (`dxsim.runner_budget`) needs the
pool's size, and importing it from the pool (`dxsim.execution.pool`, which loads the runner, numba and polars) made a
refused scenario wait ~1 s for modules it never used.
"""

from __future__ import annotations

import os

POOL_MIN_REPLICATIONS = 8
"""With `workers` unset, replications go to a pool only from this many on: a pool worker first spends ~2-3 s on
imports and loading the world from the store, about two replications' time (bench/RESULTS.md)."""


def replication_workers(workers: int | None, n_replications: int) -> int:
    """Worker processes for `n_replications` more replications (0: in this process)."""
    if workers is not None:
        return 0 if workers <= 1 else int(workers)
    return (os.cpu_count() or 1) if n_replications >= POOL_MIN_REPLICATIONS else 0


def pool_size(workers: int | None, replications: int) -> int:
    """Worker processes a run of `replications` starts: replication 0 runs in the calling process, the rest on
    :func:`replication_workers` workers, at most one per replication (0: none). For the cost estimate."""
    rest = replications - 1
    if rest <= 0:
        return 0
    n = replication_workers(workers, rest)
    return min(n, rest) if n > 0 else 0
