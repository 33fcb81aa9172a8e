"""Named random streams (numpy SeedSequence) so that comparisons use common random numbers.

Every source of randomness draws from its own stream, named after what it belongs to
("weather:almaty:0", "delay:il-76md@ivanovo#07", "road:kg-withdraw-road"). A stream depends only
on the run's seed and its name: two scenarios run with the same seed meet the same weather at the
same airfield and the same breakdowns on the same aircraft, and adding an airfield or a tail does
not change the draws of the others. Nothing is seeded globally.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np


@functools.lru_cache(maxsize=4096)
def _name_key(name: str) -> int:
    """The stream name's 64-bit key (cached: a batch's replications name the same streams, one per tail)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def stream(seed: int, name: str) -> np.random.Generator:
    """The Generator for one named source of randomness in a run with this seed."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=(_name_key(name),))))


def replication_seed(base_seed: int, index: int) -> int:
    """The seed of replication `index` of a batch: depends on (base seed, index) only, never on workers."""
    state = np.random.SeedSequence(entropy=base_seed, spawn_key=(index,)).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))  # fits a signed 64-bit scenario seed
