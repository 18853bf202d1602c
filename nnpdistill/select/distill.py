"""Distillation by grid reduction (Supplementary Note 4, Table S3): thin MOMT frames on the (O, H) plane.

reduce(): walking the frames in order (time order for a trajectory), a frame is dropped when a frame already
kept lies within delta_o in O and within delta_h in H (both inclusive); otherwise it is kept. The first frame is
always kept, and the result depends only on the order and the two widths. The search uses a hash grid of
cells delta_o x delta_h, so each frame looks at the kept frames of 3 x 3 cells only.
cascade(): the levels of Table S3, finest first, each applied to the frames kept by the level before.
"""

from dataclasses import dataclass

import numpy as np


def reduce(o, h, delta_o, delta_h):
    """Boolean mask of the frames kept, for order parameters o and enthalpies h (eV) in walk order."""
    o, h = np.asarray(o, dtype=float), np.asarray(h, dtype=float)
    if o.shape != h.shape or o.ndim != 1:
        raise ValueError(f"o and h must be 1-D arrays of the same length, got {o.shape} and {h.shape}")
    if not (delta_o > 0 and delta_h > 0):
        raise ValueError(f"delta_o and delta_h must be positive, got {delta_o} and {delta_h}")
    cell_o = np.floor(o / delta_o).astype(np.int64)
    cell_h = np.floor(h / delta_h).astype(np.int64)
    kept_in = {}
    keep = np.zeros(len(o), dtype=bool)
    for i in range(len(o)):
        ci, cj, oi, hi = cell_o[i], cell_h[i], o[i], h[i]
        near = False
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for k in kept_in.get((ci + di, cj + dj), ()):
                    if abs(o[k] - oi) <= delta_o and abs(h[k] - hi) <= delta_h:
                        near = True
                        break
                if near:
                    break
            if near:
                break
        if not near:
            keep[i] = True
            kept_in.setdefault((ci, cj), []).append(i)
    return keep


@dataclass
class Level:
    delta_o: float
    kept: np.ndarray  # frame indices (into the full data) kept at this level
    deleted: np.ndarray  # frame indices deleted at this level
    total: int  # frames this level started from (the previous level's kept)


def cascade(o, h, delta_os, delta_h):
    """The levels of Table S3 for increasing delta_o, each on the frames the previous one kept."""
    o, h = np.asarray(o, dtype=float), np.asarray(h, dtype=float)
    index = np.arange(len(o))
    levels = []
    for delta_o in sorted(delta_os):
        keep = reduce(o[index], h[index], delta_o, delta_h)
        levels.append(Level(float(delta_o), index[keep], index[~keep], len(index)))
        index = index[keep]
    return levels


def width_scale(n_atoms, reference_atoms=0):
    """The factor on the configured widths for a cell of n_atoms: 1 when reference_atoms is 0 (the widths are
    absolute, as Table S3's for Ni 108), else n_atoms / reference_atoms. O (eq. 2) and H both grow with the
    number of atoms, so scaled widths thin cells of any size alike per atom."""
    if reference_atoms < 0 or n_atoms <= 0:
        raise ValueError(f"need n_atoms > 0 and reference_atoms >= 0, got {n_atoms} and {reference_atoms}")
    return 1.0 if reference_atoms == 0 else n_atoms / reference_atoms


def calibrate_delta_h(o, h, delta_os, target_selected, candidates):
    """The candidate delta_h (eV) whose cascade counts come closest to target_selected (least squares of the
    log ratios); returns (best, {candidate: selected counts})."""
    target = np.log(np.asarray(target_selected, dtype=float))
    counts, scores = {}, {}
    for delta_h in candidates:
        selected = [len(level.kept) for level in cascade(o, h, delta_os, delta_h)]
        counts[float(delta_h)] = selected
        scores[float(delta_h)] = float(np.sum((np.log(selected) - target) ** 2))
    return min(scores, key=scores.get), counts
