"""Seeds of single tasks derived from the config's one seed, so every random choice follows from the config."""

import zlib

import numpy as np


def derive_seed(seed, *labels):
    """A LAMMPS-valid seed (1..2^31-1) for one task, from the config's seed and the task's labels."""
    words = [int(seed) & 0xFFFFFFFF] + [zlib.crc32(str(label).encode()) for label in labels]
    return int(np.random.SeedSequence(words).generate_state(1)[0] % (2**31 - 2)) + 1
