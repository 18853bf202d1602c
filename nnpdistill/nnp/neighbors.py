"""Neighbour lists of periodic frames, in the two layouts the model uses.

- `Batch` (pairs and triples as flat lists, TorchANI 2.9's `torchani.neighbors` conventions: a pair (i0, i1)
  has the difference vector r[i0] - r[i1] + shift; triples from `neighbors_to_triples`). Used by the autograd
  path of the model (the ASE calculator) and as the reference in tests.
- `Blocks` (each atom's neighbours in a padded row, the training layout): atom a's row holds every neighbour b
  within the radial cutoff with the vector r_b - r_a + shift, and the slots of those within the angular cutoff.
  Row-wise data turns the AEV and its derivatives into batched matrix products (nnpdistill.nnp.descriptors).
A frame's positions never change during training, so its lists are found once (`FrameLists.build`) and a
batch only gathers them.
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


# --- flat layout (TorchANI's) -----------------------------------------------------------------------------
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


def flat_batch(positions, cells, species, radial_cutoff, angular_cutoff, dtype=torch.float32):
    """Batch of frames given as positions (F, N, 3), cells (F, 3, 3), element indices (F, N)."""
    parts = {"pairs": [], "shifts": []}
    start = 0
    for pos, cell in zip(positions, cells):
        pairs, shifts = frame_pairs(pos, cell, radial_cutoff)
        parts["pairs"].append(pairs + start)
        parts["shifts"].append(shifts @ cell)
        start += len(pos)
    flat = np.concatenate(positions)
    pairs, shifts = np.concatenate(parts["pairs"], axis=1), np.concatenate(parts["shifts"])
    distance = np.linalg.norm(flat[pairs[0]] - flat[pairs[1]] + shifts, axis=1)
    angular = np.flatnonzero(distance <= angular_cutoff)
    ang_pairs = torch.from_numpy(np.ascontiguousarray(pairs[:, angular], dtype=np.int64))
    triples = neighbors_to_triples(Neighbors(ang_pairs, torch.zeros(len(angular)), torch.zeros(len(angular), 3)))
    n_atoms = np.array([len(p) for p in positions])
    return Batch(
        species=torch.from_numpy(np.concatenate(species)).long(),
        frame_of_atom=torch.from_numpy(np.repeat(np.arange(len(n_atoms)), n_atoms)),
        n_atoms=torch.from_numpy(n_atoms), pairs=torch.from_numpy(pairs).long(),
        shifts=torch.from_numpy(shifts).to(dtype), angular=torch.from_numpy(angular).long(),
        central=triples.central_idxs, side=triples.side_idxs, sign=triples.diff_signs,
    )


# --- blocked layout (training) ----------------------------------------------------------------------------
@dataclass
class FrameLists:
    """Every frame's directed neighbour list, sorted by centre atom, concatenated (offsets per frame).

    neighbor (E,) int16: neighbour atom (local to the frame); shift (E, 3) int8: image shift; angular (E,) bool:
    within the angular cutoff; counts (sum of atoms,) int16: neighbours of each atom, in frame order.
    """

    neighbor: np.ndarray
    shift: np.ndarray
    angular: np.ndarray
    counts: np.ndarray
    entry_offsets: np.ndarray
    atom_offsets: np.ndarray

    @classmethod
    def build(cls, positions, cells, radial_cutoff, angular_cutoff, progress=None):
        """positions (frames, atoms, 3) and cells (frames, 3, 3) in Angstrom."""
        parts = {name: [] for name in ("neighbor", "shift", "angular", "counts")}
        entries, atoms = [0], [0]
        for k in tqdm(range(len(positions)), disable=progress is None, file=progress, mininterval=10.0,
                      desc="neighbour lists", unit="frame"):
            pos, cell = np.asarray(positions[k], dtype=float), np.asarray(cells[k], dtype=float)
            if len(pos) > np.iinfo(np.int16).max:
                raise ValueError(f"frame {k} has {len(pos)} atoms; neighbour lists hold at most 32767")
            pairs, shifts = frame_pairs(pos, cell, radial_cutoff)
            # Both directions: centre i1 sees i0 at r[i0] - r[i1] + S, centre i0 sees i1 with -S.
            center = np.concatenate([pairs[1], pairs[0]])
            neighbor = np.concatenate([pairs[0], pairs[1]])
            shift = np.concatenate([shifts, -shifts])
            order = np.argsort(center, kind="stable")
            center, neighbor, shift = center[order], neighbor[order], shift[order]
            distance = np.linalg.norm(pos[neighbor] - pos[center] + shift @ cell, axis=1)
            parts["neighbor"].append(neighbor.astype(np.int16))
            parts["shift"].append(shift)
            parts["angular"].append(distance <= angular_cutoff)
            parts["counts"].append(np.bincount(center, minlength=len(pos)).astype(np.int16))
            entries.append(len(neighbor))
            atoms.append(len(pos))
        return cls(np.concatenate(parts["neighbor"]), np.concatenate(parts["shift"]),
                   np.concatenate(parts["angular"]), np.concatenate(parts["counts"]),
                   np.cumsum(entries), np.cumsum(atoms))


@dataclass
class Blocks:
    """A batch in the blocked layout: atom a's neighbours fill row a (padded, mask False beyond its count)."""

    species: torch.Tensor  # (A,)
    frame_of_atom: torch.Tensor  # (A,)
    n_atoms: torch.Tensor  # (F,)
    neighbor: torch.Tensor  # (A, K) atom index into the batch (the atom itself in padding)
    shift: torch.Tensor  # (A, K, 3) Angstrom
    mask: torch.Tensor  # (A, K)
    angular_slot: torch.Tensor  # (A, J) columns of the row within the angular cutoff (0 in padding)
    angular_mask: torch.Tensor  # (A, J)

    def to(self, device):
        return Blocks(**{k: v.to(device) for k, v in vars(self).items()})


def gather_blocks(lists, frames, species, cells, dtype=torch.float32):
    """Blocks of the given frame indices; species (frames, atoms) element indices, cells (frames, 3, 3)."""
    frames = np.asarray(frames)
    n_atoms = np.diff(lists.atom_offsets)[frames]
    atom_base = np.concatenate([[0], np.cumsum(n_atoms)[:-1]])
    pieces = {name: [] for name in ("neighbor", "shift", "angular", "counts", "frame")}
    for b, k in enumerate(frames):
        e0, e1 = lists.entry_offsets[k], lists.entry_offsets[k + 1]
        pieces["neighbor"].append(lists.neighbor[e0:e1].astype(np.int64) + atom_base[b])
        pieces["shift"].append(lists.shift[e0:e1] @ cells[k])
        pieces["angular"].append(lists.angular[e0:e1])
        pieces["counts"].append(lists.counts[lists.atom_offsets[k]:lists.atom_offsets[k + 1]].astype(np.int64))
        pieces["frame"].append(np.full(n_atoms[b], b))
    neighbor, shift = np.concatenate(pieces["neighbor"]), np.concatenate(pieces["shift"])
    angular, counts = np.concatenate(pieces["angular"]), np.concatenate(pieces["counts"])
    n = len(counts)
    center = np.repeat(np.arange(n), counts)
    column = np.arange(len(center)) - np.repeat(np.cumsum(counts) - counts, counts)
    width = int(counts.max()) if n else 0
    nb = np.repeat(np.arange(n)[:, None], width, axis=1)
    nb[center, column] = neighbor
    sh = np.zeros((n, width, 3))
    sh[center, column] = shift
    mask = np.zeros((n, width), dtype=bool)
    mask[center, column] = True
    # Angular neighbours: their columns in the row, packed to the left of a second padded block.
    a_center, a_column = center[angular], column[angular]
    a_counts = np.bincount(a_center, minlength=n)
    a_pos = np.arange(len(a_center)) - np.repeat(np.cumsum(a_counts) - a_counts, a_counts)
    a_width = max(int(a_counts.max()) if n else 0, 2)
    slot = np.zeros((n, a_width), dtype=np.int64)
    slot[a_center, a_pos] = a_column
    a_mask = np.zeros((n, a_width), dtype=bool)
    a_mask[a_center, a_pos] = True
    return Blocks(
        species=torch.from_numpy(np.concatenate([species[k][: n_atoms[b]] for b, k in enumerate(frames)])).long(),
        frame_of_atom=torch.from_numpy(np.concatenate(pieces["frame"])), n_atoms=torch.from_numpy(n_atoms),
        neighbor=torch.from_numpy(nb), shift=torch.from_numpy(sh).to(dtype), mask=torch.from_numpy(mask),
        angular_slot=torch.from_numpy(slot), angular_mask=torch.from_numpy(a_mask),
    )
