"""Baseline selections to compare distillation with, at the same final size: a random subset, and farthest-point
sampling on each frame's mean AEV (a cheap structural fingerprint)."""

import numpy as np
import torch

from ..nnp.descriptors import aev_with_derivatives


def random_subset(n_frames, size, seed):
    """size frame indices drawn without replacement from n_frames, sorted; the same seed gives the same subset."""
    if not 0 < size <= n_frames:
        raise ValueError(f"need 0 < size <= n_frames, got {size} of {n_frames}")
    return np.sort(np.random.default_rng(seed).choice(n_frames, size, replace=False))


@torch.no_grad()
def mean_aevs(aev_computer, data, batch_size=64):
    """Each frame's AEV averaged over its atoms: (frames, AEV length), for nnpdistill.nnp.nnp_data.Data."""
    out = []
    for start in range(0, data.n_frames, batch_size):
        frames = np.arange(start, min(start + batch_size, data.n_frames))
        blocks, positions, _, _ = data.batch(frames)
        aev, _ = aev_with_derivatives(aev_computer, blocks, positions)
        sums = aev.new_zeros(len(frames), aev.shape[1]).index_add(0, blocks.frame_of_atom, aev)
        out.append((sums / blocks.n_atoms.unsqueeze(1).to(aev.dtype)).double().numpy())
    return np.concatenate(out)


def farthest_point(features, size, first=0):
    """Greedy farthest-point sampling in Euclidean feature space, from frame `first`; ties go to the lowest
    index. Returns the selected indices in the order they were picked."""
    features = np.asarray(features, dtype=float)
    if not 0 < size <= len(features):
        raise ValueError(f"need 0 < size <= frames, got {size} of {len(features)}")
    picked = [int(first)]
    distance = np.linalg.norm(features - features[first], axis=1)
    for _ in range(size - 1):
        nxt = int(np.argmax(distance))
        picked.append(nxt)
        distance = np.minimum(distance, np.linalg.norm(features - features[nxt], axis=1))
    return np.array(picked)


def grid_subset(o, h, size, delta_h, iterations=40):
    """The (O, H) grid reduction alone (nnpdistill.select.distill.reduce, walk order = frame order) at the delta_o
    whose kept count comes closest to size: returns (kept frame indices, delta_o). delta_h in eV. The count falls
    as delta_o grows (not strictly: the walk order matters), so delta_o is bisected on a log scale."""
    from .distill import reduce

    o, h = np.asarray(o, dtype=float), np.asarray(h, dtype=float)
    if not 0 < size <= len(o):
        raise ValueError(f"need 0 < size <= frames, got {size} of {len(o)}")
    low, high = 1e-6, max(float(np.ptp(o)), 1e-6) * 2.0
    best = None
    for _ in range(iterations):
        delta_o = float(np.sqrt(low * high))
        kept = np.flatnonzero(reduce(o, h, delta_o, delta_h))
        if best is None or abs(len(kept) - size) < abs(len(best[0]) - size):
            best = (kept, delta_o)
        if len(kept) == size:
            break
        low, high = (delta_o, high) if len(kept) > size else (low, delta_o)
    return best


def farthest_point_frames(dataset, frames, size, aev, first=0, progress=None, source=None):
    """size frames of a nnpdistill.dataset Dataset, among `frames`, by farthest-point sampling on their mean AEVs
    (nnpdistill.nnp.model.AEVSettings aev), from frames[first]; sorted."""
    from ..nnp.nnp_data import Data  # the descriptor machinery is needed only here

    frames = np.asarray(frames)
    data = Data(dataset.subset(frames), dataset.symbols, aev, progress=progress, source=source)
    features = mean_aevs(aev.computer(len(dataset.symbols)), data)
    return np.sort(frames[farthest_point(features, size, first)])
