"""AEVs and their derivative pieces kept between epochs.

A training frame's positions never change, so its AEV G and the pieces of dG/dr that the force contraction needs
(nnpdistill.nnp.descriptors.ForceMap) are the same in every epoch. Computing them is over half the cost of a training
step on the CPU; kept in memory, an epoch after the first only gathers them. The price is memory, about 20 kB
per atom in float32 for a metal at the paper's cutoffs, so the cache is built only when its estimate fits a
budget (`estimate_bytes`).

Each frame's pieces are stored trimmed to the frame's own widest row (neighbours K, angular neighbours J,
triples J (J - 1) / 2) and padded to the batch's widest when a batch is gathered. Padding is inert: zero
derivatives, cutoff products and vectors, unit distances.
"""

from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from .descriptors import BAND, ForceMap, aev_with_derivatives, triple_sides
from .neighbors import gather_blocks

# ForceMap fields laid out per triple (A, M, ...); scatter1/2 are built per batch.
_BY_TRIPLE = ("pair_species", "radial_part", "radial_part_deriv", "angle_part", "angle_part_deriv", "f", "f_d1",
              "f_d2", "v1", "v2", "d1", "d2", "cos")
_FILL = {"d1": 1.0, "d2": 1.0}  # padded triples keep a nonzero distance: the contraction divides by it
_COMPACT = {"neighbor": torch.int16, "radial_index": torch.int16, "slot": torch.int16, "pair_species": torch.int8}


def estimate_bytes(lists, n_radial, n_angular_terms, aev_length, itemsize=4):
    """Memory (bytes) a cache of every frame of nnpdistill.nnp.neighbors.FrameLists would take; n_angular_terms:
    radial shifts plus angle sections of the angular AEV."""
    band = min(BAND, n_radial)
    total = 0
    atom_of_entry = np.repeat(np.arange(len(lists.counts)), lists.counts.astype(np.int64))
    angular_per_atom = np.bincount(atom_of_entry[lists.angular], minlength=len(lists.counts))
    for k in range(len(lists.atom_offsets) - 1):
        a0, a1 = lists.atom_offsets[k], lists.atom_offsets[k + 1]
        n = a1 - a0
        width = int(lists.counts[a0:a1].max(initial=0))
        slots = max(int(angular_per_atom[a0:a1].max(initial=0)), 2)
        triples = slots * (slots - 1) // 2
        floats = aev_length + width * (3 + band) + triples * (12 + 2 * n_angular_terms)
        ints = width * (1 + band) + slots
        total += n * (floats * itemsize + ints * 2 + triples)
    return total


@dataclass
class CachedBatch:
    """A batch whose features are already computed: what nnpdistill.nnp.descriptors.energies_and_forces needs."""

    species: torch.Tensor
    frame_of_atom: torch.Tensor
    n_atoms: torch.Tensor
    aev: torch.Tensor
    force_map: ForceMap

    def to(self, device):
        fm = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in vars(self.force_map).items()}
        return CachedBatch(self.species.to(device), self.frame_of_atom.to(device), self.n_atoms.to(device),
                           self.aev.to(device), ForceMap(**fm))


class DescriptorCache:
    """Per-frame AEVs and ForceMap pieces of frames given as FrameLists, species, positions and cells."""

    def __init__(self, aev_computer, lists, species, positions, cells, dtype=torch.float32, device="cpu",
                 chunk=64, progress=None):
        self.n_species = aev_computer.num_species
        self.n_radial = len(aev_computer.radial.shifts)
        self.dtype = dtype
        self.device = torch.device(device)
        self.frames = []
        self.band = min(BAND, self.n_radial)
        n_frames = len(lists.atom_offsets) - 1
        aev_computer = aev_computer.to(self.device)
        for begin in tqdm(range(0, n_frames, chunk), disable=progress is None, file=progress, mininterval=10.0,
                          desc="descriptor cache", unit="batch"):
            frames = np.arange(begin, min(begin + chunk, n_frames))
            blocks = gather_blocks(lists, frames, species, cells, dtype).to(self.device)
            pos = torch.from_numpy(np.concatenate(positions[frames])).to(dtype).to(self.device)
            aev, fm = aev_with_derivatives(aev_computer, blocks, pos)
            radial_index = fm.radial_index.view(fm.radial_deriv.shape)
            starts = np.concatenate([[0], np.cumsum(blocks.n_atoms.cpu().numpy())])
            for b in range(len(frames)):
                a0, a1 = int(starts[b]), int(starts[b + 1])
                width = int(blocks.mask[a0:a1].sum(dim=1).max())
                slots = max(int(blocks.angular_mask[a0:a1].sum(dim=1).max()), 2)
                triples = slots * (slots - 1) // 2
                item = {"aev": aev[a0:a1], "species": blocks.species[a0:a1]}
                item["neighbor"] = fm.neighbor[a0:a1, :width] - a0
                item["unit"] = fm.unit[a0:a1, :width]
                item["radial_index"] = radial_index[a0:a1, :, :width]
                item["radial_deriv"] = fm.radial_deriv[a0:a1, :, :width]
                item["slot"] = fm.slot[a0:a1, :slots]
                for name in _BY_TRIPLE:
                    item[name] = getattr(fm, name)[a0:a1, :triples]
                self.frames.append({k: v.to(_COMPACT.get(k, v.dtype)).clone() for k, v in item.items()})

    def nbytes(self):
        return sum(v.numel() * v.element_size() for item in self.frames for v in item.values())

    def batch(self, frames):
        """CachedBatch of the given frame indices, atoms flattened in that order."""
        items = [self.frames[k] for k in frames]
        n_atoms = torch.tensor([len(item["aev"]) for item in items])
        starts = np.concatenate([[0], np.cumsum(n_atoms.numpy())])
        width = max(item["neighbor"].shape[1] for item in items)
        slots = max(item["slot"].shape[1] for item in items)
        triples = slots * (slots - 1) // 2
        n = int(starts[-1])
        device = self.device

        def assemble(name, dims, dtype=None):
            first = items[0][name]
            out = torch.full((n, *dims, *first.shape[1 + len(dims):]), _FILL.get(name, 0),
                             dtype=dtype or first.dtype, device=device)
            for b, item in enumerate(items):
                value = item[name]
                index = (slice(int(starts[b]), int(starts[b + 1])),) + tuple(slice(0, s) for s in value.shape[1:])
                out[index] = value
            return out

        neighbor = assemble("neighbor", (width,), torch.int64)
        neighbor += torch.from_numpy(starts[:-1]).to(device).repeat_interleave(n_atoms.to(device)).unsqueeze(1)
        fields = {
            "neighbor": neighbor,
            "unit": assemble("unit", (width,)),
            "radial_index": assemble("radial_index", (self.band, width), torch.int64).view(n, -1),
            "radial_deriv": assemble("radial_deriv", (self.band, width)),
            "slot": assemble("slot", (slots,), torch.int64),
            "pair_species": assemble("pair_species", (triples,), torch.int64),
        }
        for name in _BY_TRIPLE[1:]:
            fields[name] = assemble(name, (triples,))
        first, second = triple_sides(slots, device)
        columns = torch.arange(slots, device=device).unsqueeze(1)
        force_map = ForceMap(n_radial=self.n_radial, n_species=self.n_species,
                             scatter1=(columns == first).to(self.dtype), scatter2=(columns == second).to(self.dtype),
                             **fields)
        return CachedBatch(species=assemble("species", ()), n_atoms=n_atoms.to(device),
                           frame_of_atom=torch.arange(len(items), device=device).repeat_interleave(n_atoms.to(device)),
                           aev=assemble("aev", ()), force_map=force_map)
