"""Neighbour pairs and angular triples of each frame, computed once and gathered into training batches.

A frame's positions never change during training, so its pairs within the radial cutoff (with their periodic
image shifts) and the triples of the angular term are fixed: they are found once per frame here (ASE's
all pairs over every periodic image the cutoff reaches, vectorised) and a batch only gathers them. The index
conventions are TorchANI 2.9's (`torchani.neighbors`): a pair (i0, i1) has the difference vector
r[i0] - r[i1] + shift, and triples come from `torchani.neighbors.neighbors_to_triples`.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torchani.neighbors import Neighbors, neighbors_to_triples
from tqdm import tqdm


def frame_pairs(positions, cell, cutoff):
    """Half list of the pairs within cutoff (Angstrom) of one periodic frame: (i0, i1) and integer image shifts S,
    so that r[i0] - r[i1] + S @ cell is the pair's difference vector. Every image is found, also in cells
    narrower than twice the cutoff; each (i, j, S) / (j, i, -S) couple appears once."""
    positions = np.asarray(positions, dtype=float)
    cell = np.asarray(cell, dtype=float)
    width = 1.0 / np.linalg.norm(np.linalg.inv(cell).T, axis=1)  # distances between opposite faces
    reach = np.ceil(cutoff / width).astype(int)
    shifts = np.array(np.meshgrid(*[np.arange(-r, r + 1) for r in reach], indexing="ij")).reshape(3, -1).T
    # Keep half of the shifts (S > 0 in lexicographic order) and S = 0 with i < j.
    first = np.array([next((c for c in v if c), 0) for v in shifts])
    shifts = shifts[first >= 0]
    diff = positions[None, :, :] - positions[:, None, :]  # [i, j] = r_j - r_i
    i_all, j_all, s_all = [], [], []
    for shift in shifts:
        distance = np.linalg.norm(diff + shift @ cell, axis=2)
        within = distance <= cutoff
        if not shift.any():
            within &= np.triu(np.ones_like(within), k=1)
        i, j = np.nonzero(within)
        i_all.append(i)
        j_all.append(j)
        s_all.append(np.broadcast_to(shift, (len(i), 3)))
    i, j, shift = np.concatenate(i_all), np.concatenate(j_all), np.concatenate(s_all)
    return np.stack([j, i]).astype(np.int32), shift.astype(np.int8)


@dataclass
class Graphs:
    """Pairs and triples of many frames, concatenated; offsets[k] is where frame k starts in each array.

    pairs (2, P) and shifts (P, 3): atom indices local to the frame, integer image shifts;
    angular (Q,): positions (local to the frame's pairs) of the pairs within the angular cutoff;
    central (T,), side (2, T), sign (2, T): triples, with side indexing the frame's angular pairs.
    """

    n_atoms: np.ndarray
    pairs: np.ndarray
    shifts: np.ndarray
    angular: np.ndarray
    central: np.ndarray
    side: np.ndarray
    sign: np.ndarray
    pair_offsets: np.ndarray
    angular_offsets: np.ndarray
    triple_offsets: np.ndarray

    @classmethod
    def build(cls, positions, cells, radial_cutoff, angular_cutoff, progress=None):
        """positions (frames, atoms, 3) and cells (frames, 3, 3) in Angstrom."""
        parts = {name: [] for name in ("pairs", "shifts", "angular", "central", "side", "sign")}
        counts = {name: [0] for name in ("pair", "angular", "triple")}
        frames = range(len(positions))
        for k in tqdm(frames, disable=progress is None, file=progress, mininterval=10.0, desc="neighbour lists",
                      unit="frame"):
            pairs, shifts = frame_pairs(positions[k], cells[k], radial_cutoff)
            diff = positions[k][pairs[0]] - positions[k][pairs[1]] + shifts @ cells[k]
            distance = np.linalg.norm(diff, axis=1)
            angular = np.flatnonzero(distance <= angular_cutoff).astype(np.int32)
            ang_pairs = torch.from_numpy(np.ascontiguousarray(pairs[:, angular], dtype=np.int64))
            zeros = torch.zeros(len(angular))
            triples = neighbors_to_triples(Neighbors(ang_pairs, zeros, torch.zeros(len(angular), 3)))
            parts["pairs"].append(pairs)
            parts["shifts"].append(shifts)
            parts["angular"].append(angular)
            parts["central"].append(triples.central_idxs.numpy().astype(np.int32))
            parts["side"].append(triples.side_idxs.numpy().astype(np.int32))
            parts["sign"].append(triples.diff_signs.numpy().astype(np.int8))
            counts["pair"].append(pairs.shape[1])
            counts["angular"].append(len(angular))
            counts["triple"].append(len(triples.central_idxs))
        return cls(
            n_atoms=np.array([len(p) for p in positions], dtype=np.int64),
            pairs=np.concatenate(parts["pairs"], axis=1), shifts=np.concatenate(parts["shifts"]),
            angular=np.concatenate(parts["angular"]), central=np.concatenate(parts["central"]),
            side=np.concatenate(parts["side"], axis=1), sign=np.concatenate(parts["sign"], axis=1),
            pair_offsets=np.cumsum(counts["pair"]), angular_offsets=np.cumsum(counts["angular"]),
            triple_offsets=np.cumsum(counts["triple"]),
        )


@dataclass
class Batch:
    """Frames flattened into one set of atoms (no padding); energies sum atoms by frame_of_atom."""

    species: torch.Tensor  # (A,) element index of each atom
    frame_of_atom: torch.Tensor  # (A,)
    n_atoms: torch.Tensor  # (F,)
    pairs: torch.Tensor  # (2, P) atom indices into the batch
    shifts: torch.Tensor  # (P, 3) image shifts, Angstrom
    angular: torch.Tensor  # (Q,) indices into pairs
    central: torch.Tensor  # (T,) atom indices into the batch
    side: torch.Tensor  # (2, T) indices into angular
    sign: torch.Tensor  # (2, T)


def gather(graphs, frames, species, cells, dtype=torch.float32):
    """The Batch of the given frame indices. species (frames, atoms) element indices; cells (frames, 3, 3)."""
    frames = np.asarray(frames)
    n_atoms = graphs.n_atoms[frames]
    atom_start = np.concatenate([[0], np.cumsum(n_atoms)[:-1]])
    pieces = {name: [] for name in ("pairs", "shifts", "angular", "central", "side", "sign", "species", "frame")}
    angular_start = 0
    pair_start = 0
    for b, k in enumerate(frames):
        p0, p1 = graphs.pair_offsets[k], graphs.pair_offsets[k + 1]
        q0, q1 = graphs.angular_offsets[k], graphs.angular_offsets[k + 1]
        t0, t1 = graphs.triple_offsets[k], graphs.triple_offsets[k + 1]
        pieces["pairs"].append(graphs.pairs[:, p0:p1] + atom_start[b])
        pieces["shifts"].append(graphs.shifts[p0:p1] @ cells[k])
        pieces["angular"].append(graphs.angular[q0:q1] + pair_start)
        pieces["central"].append(graphs.central[t0:t1] + atom_start[b])
        pieces["side"].append(graphs.side[:, t0:t1] + angular_start)
        pieces["sign"].append(graphs.sign[:, t0:t1])
        pieces["species"].append(species[k][: n_atoms[b]])
        pieces["frame"].append(np.full(n_atoms[b], b))
        pair_start += p1 - p0
        angular_start += q1 - q0

    def cat(name, axis=0):
        return torch.from_numpy(np.ascontiguousarray(np.concatenate(pieces[name], axis=axis)))

    return Batch(
        species=cat("species").long(), frame_of_atom=cat("frame").long(), n_atoms=torch.from_numpy(n_atoms),
        pairs=cat("pairs", 1).long(), shifts=cat("shifts").to(dtype), angular=cat("angular").long(),
        central=cat("central").long(), side=cat("side", 1).long(), sign=cat("sign", 1).to(torch.int8),
    )
