"""Frames ready for a network: labels in TorchANI's Hartree units, element indices, neighbour structures and, when
memory allows, cached descriptors; and a model's predictions and errors on them (eV, eV/Angstrom; MAEs in
meV/atom and meV/Angstrom). Training, active learning, the baselines, scoring and figures all use it."""

import numpy as np
import torch

from .descriptor_cache import DescriptorCache, estimate_bytes
from .descriptors import energies_and_forces
from .neighbors import FrameLists, flat_batch, gather_blocks
from ..units import HARTREE_TO_EV


class DataError(ValueError):
    """Frames that do not fit the model (elements, AEV settings)."""


class Data:
    """Frames ready for training: Hartree units, element indices and precomputed neighbour structures."""

    def __init__(self, dataset, symbols, aev, progress=None, source="dataset"):
        from ase.data import chemical_symbols

        dataset.check(source)
        names = [chemical_symbols[z] for z in dataset.species]
        unknown = sorted(set(names) - set(symbols))
        if unknown:
            raise DataError(f"{source}: elements {unknown} are not among the model's {list(symbols)}")
        self.n_frames = len(dataset)
        self.species = np.tile([symbols.index(s) for s in names], (self.n_frames, 1))
        self.n_atoms = np.full(self.n_frames, dataset.n_atoms)
        self.positions = dataset.positions
        self.cells = dataset.cells
        self.energy = dataset.energy / HARTREE_TO_EV  # Hartree
        self.forces = dataset.forces / HARTREE_TO_EV  # Hartree/Angstrom
        self.counts = np.stack([(self.species == e).sum(axis=1) for e in range(len(symbols))], axis=1)
        self.aev = aev
        self.lists = FrameLists.build(dataset.positions, dataset.cells, aev.radial_cutoff, aev.angular_cutoff,
                                      progress)
        self.cache = None

    def descriptor_bytes(self):
        """Memory (bytes) the descriptor cache of these frames takes in float32."""
        computer = self.aev.computer(len(self.counts[0]))
        angular_terms = len(computer.angular.shifts) + len(computer.angular.sections)
        return estimate_bytes(self.lists, len(computer.radial.shifts), angular_terms,
                              computer.radial_len + computer.angular_len)

    def cache_descriptors(self, aev_computer, max_bytes, device="cpu", progress=None):
        """Keep every frame's AEV and its derivative pieces (nnpdistill.nnp.descriptor_cache) for later batches of
        float32 on device, if the estimate fits max_bytes; returns the estimate (bytes) and whether it was built."""
        computer = self.aev.computer(len(self.counts[0]))
        if any(not torch.equal(a.cpu(), b.cpu()) for a, b in zip(computer.buffers(), aev_computer.buffers())):
            raise DataError("the model's AEV settings differ from the data's; cannot cache descriptors")
        estimate = self.descriptor_bytes()
        if self.cache is not None and self.cache.device == torch.device(device):
            return estimate, True
        if estimate > max_bytes:
            self.cache = None
            return estimate, False
        self.cache = DescriptorCache(computer, self.lists, self.species, self.positions, self.cells,
                                     device=device, progress=progress)
        return estimate, True

    def batch(self, frames, dtype=torch.float32, device="cpu"):
        """(Blocks, positions, reference energies, reference forces) of the given frames, atoms flattened.
        With a descriptor cache of that dtype, a CachedBatch takes the place of Blocks."""
        frames = np.asarray(frames)
        cached = self.cache is not None and self.cache.dtype == dtype
        blocks = self.cache.batch(frames) if cached else gather_blocks(self.lists, frames, self.species, self.cells,
                                                                       dtype)
        positions = torch.from_numpy(np.concatenate(self.positions[frames])).to(dtype)
        energy = torch.from_numpy(self.energy[frames]).to(dtype)
        forces = torch.from_numpy(np.concatenate(self.forces[frames])).to(dtype)
        if str(device) != "cpu":
            blocks = blocks.to(device)
            positions, energy, forces = positions.to(device), energy.to(device), forces.to(device)
        return blocks, positions, energy, forces

    def flat_batch(self, frames, dtype=torch.float32):
        """The same frames in TorchANI's flat layout (nnpdistill.nnp.neighbors.Batch), for the autograd path."""
        frames = np.asarray(frames)
        return flat_batch(self.positions[frames], self.cells[frames], self.species[frames], self.aev.radial_cutoff,
                          self.aev.angular_cutoff, dtype)


def predict(model, data, frames=None, batch_size=64):
    """Energies (eV) and forces (eV/Angstrom) of frames of Data, in float32 as trained."""
    frames = np.arange(data.n_frames) if frames is None else np.asarray(frames)
    energies, forces = [], []
    for start in range(0, len(frames), batch_size):
        batch, positions, _, _ = data.batch(frames[start:start + batch_size])
        energy, force = energies_and_forces(model, batch, positions, create_graph=False)
        energies.append(energy.detach().double().numpy() * HARTREE_TO_EV)
        forces.append(force.detach().double().numpy() * HARTREE_TO_EV)
    n = data.n_atoms[frames]
    return np.concatenate(energies), np.split(np.concatenate(forces), np.cumsum(n)[:-1])


def maes(model, data, frames=None):
    """(energy MAE in meV/atom, force MAE in meV/Angstrom per component) of a model on frames of Data."""
    frames = np.arange(data.n_frames) if frames is None else np.asarray(frames)
    energy, forces = predict(model, data, frames)
    ref_e, ref_f = data.energy[frames] * HARTREE_TO_EV, data.forces[frames] * HARTREE_TO_EV
    e = np.mean(np.abs(energy - ref_e) / data.n_atoms[frames]) * 1000.0
    f = np.mean(np.abs(np.concatenate(forces) - np.concatenate(ref_f))) * 1000.0
    return float(e), float(f)
