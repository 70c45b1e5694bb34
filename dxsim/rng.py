"""One seeded random-number tree per run.

Every stochastic element draws from its own named stream derived from (seed, replication,
stream name). Two scenarios run with the same seed therefore see the same permit delays,
lead times and crew times for the same site rank (common random numbers), so a difference
between options comes from the options, not the noise.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """Independent, reproducible generator for one named purpose in one replication."""
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), int(replication), zlib.crc32(name.encode())])
    )
