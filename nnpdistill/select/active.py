"""Active learning rounds (Supplementary Note 4): which frames are candidates in each round, and which join.

Cascade mode (Table S3): start from the frames the coarsest level kept; round 1 offers the frames deleted at the
coarsest level, and each later round those deleted at the next finer level. Sequential mode (Note 4.1): split
the frames into consecutive chunks; start from the first chunk, and each later chunk is a round's candidates.
In a round, the candidates are scored with the current ensemble (nnpdistill.select.uncertainty) and those with any
atom above mu + k sigma join the training set.
"""

from dataclasses import dataclass

import numpy as np

from .uncertainty import atomic_energies, atomic_uncertainty, threshold, uncertain_frames

POPULATIONS = ("candidates", "training")


def cascade_plan(levels):
    """(initial training frames, [(label, candidate frames) per round]) from nnpdistill.select.distill.cascade levels
    (finest first): rounds go from the coarsest level's deletions to the finest's."""
    rounds = [(f"delta_o={lv.delta_o:g}", np.sort(lv.deleted)) for lv in reversed(levels)]
    return np.sort(levels[-1].kept), rounds


def sequential_plan(n_frames, n_chunks):
    """(first chunk, [(label, chunk) for the later chunks]) of n_frames consecutive frames."""
    if not 2 <= n_chunks <= n_frames:
        raise ValueError(f"need 2 <= n_chunks <= n_frames, got {n_chunks} chunks of {n_frames} frames")
    chunks = np.array_split(np.arange(n_frames), n_chunks)
    return chunks[0], [(f"chunk={k}", chunk) for k, chunk in enumerate(chunks[1:], start=1)]


@dataclass
class Selection:
    candidates: int
    mu: float  # eV, mean atomic UQ of the reference population
    sigma: float  # eV
    threshold: float  # eV, mu + k sigma
    added: np.ndarray  # frame indices (into the data) that join the training set
    max_uq: np.ndarray  # eV, the largest atomic UQ of each candidate


def select(models, data, candidates, training, k=4.0, population="candidates"):
    """Score the candidate frames of nnpdistill.nnp.nnp_data.Data with an ensemble; population names the atoms whose
    UQ sets mu and sigma: the candidates themselves or the current training frames."""
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {POPULATIONS}, got {population!r}")
    candidates = np.asarray(candidates)
    if len(candidates) == 0:
        return Selection(0, np.nan, np.nan, np.nan, candidates, np.zeros(0))
    uq = atomic_uncertainty(atomic_energies(models, data, candidates))
    reference = uq if population == "candidates" else atomic_uncertainty(atomic_energies(models, data, training))
    limit, mu, sigma = threshold(reference, k)
    return Selection(len(candidates), mu, sigma, limit, candidates[uncertain_frames(uq, limit)], uq.max(axis=1))


def read_levels(cascade_file):
    """The levels of a cascade index file (scripts/distill_grid.py), finest first."""
    import h5py

    from .distill import Level

    with h5py.File(cascade_file, "r") as index:
        names = sorted(index, key=lambda name: int(name.split("_")[1]))
        return [Level(float(index[n].attrs["delta_o"]), index[n]["kept"][:], index[n]["deleted"][:],
                      int(index[n].attrs["total"])) for n in names]


def holdout(n_frames, fraction):
    """The last fraction of n_frames consecutive frames, kept out of every training pool to score on. A block at
    the end, not a scatter of frames: neighbouring frames of a trajectory are alike, so a scattered test set
    would have near-copies in training."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"holdout fraction must be in [0, 1), got {fraction}")
    return np.arange(n_frames - int(round(fraction * n_frames)), n_frames)


def load_plan(mode, chunks, cascade_file, n_frames, holdout_fraction=0.0):
    """(start frames, rounds) of the cascade mode (from its index file) or of the sequential mode, without the
    held-out frames (holdout)."""
    held = holdout(n_frames, holdout_fraction)
    if mode == "sequential":
        return sequential_plan(n_frames - len(held), chunks)
    start, rounds = cascade_plan(read_levels(cascade_file))
    return (np.setdiff1d(start, held), [(label, np.setdiff1d(frames, held)) for label, frames in rounds])
