"""ASE calculator of a trained NNP or ensemble: energy, forces, stress (eV, eV/Angstrom, eV/Angstrom^3), per-atom
energies and, for an ensemble, their spread across members (the atomic uncertainty of active learning).

A model file is a member's model.pt (results/train/<set>/member<k>/) or an ensemble.pt (results/train/<set>/);
an ensemble's energy, forces and stress are the means over its members. Periodic cells only.
"""

import numpy as np
import torch
from ase.calculators.calculator import Calculator, all_changes

from .ensemble import Ensemble
from ..units import HARTREE_TO_EV
from .neighbors import flat_batch


class NNPCalculator(Calculator):
    """ASE calculator over one or more NNPs (the members of an ensemble)."""

    implemented_properties = ["energy", "free_energy", "forces", "stress", "energies", "energies_std"]

    def __init__(self, models, dtype=torch.float64, **kwargs):
        super().__init__(**kwargs)
        self.models = [m.to(dtype).eval() for m in models]
        self.dtype = dtype
        symbols = {m.symbols for m in self.models}
        if len(symbols) != 1:
            raise ValueError(f"ensemble members disagree on their elements: {sorted(symbols)}")
        self.symbols = list(self.models[0].symbols)
        self.aev = self.models[0].settings.aev

    @classmethod
    def from_file(cls, path, dtype=torch.float64, **kwargs):
        """Over every member of a model.pt or ensemble.pt."""
        return cls(Ensemble.load(path).models(dtype), dtype=dtype, **kwargs)

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        atoms = self.atoms
        if not atoms.pbc.all():
            raise ValueError("NNPCalculator needs a cell periodic along all three axes")
        unknown = sorted(set(atoms.get_chemical_symbols()) - set(self.symbols))
        if unknown:
            raise ValueError(f"elements {unknown} are not among the model's {self.symbols}")
        positions = atoms.get_positions()
        cell = atoms.cell.array
        species = np.array([[self.symbols.index(s) for s in atoms.get_chemical_symbols()]])
        batch = flat_batch(positions[None], cell[None], species, self.aev.radial_cutoff, self.aev.angular_cutoff,
                           self.dtype)
        energies, forces, stresses, atomic = [], [], [], []
        for model in self.models:
            e, f, s, a = self._one(model, batch, positions, atoms.get_volume())
            energies.append(e), forces.append(f), stresses.append(s), atomic.append(a)
        atomic = np.array(atomic)
        stress = np.mean(stresses, axis=0)
        self.results = {
            "energy": float(np.mean(energies)),
            "free_energy": float(np.mean(energies)),
            "forces": np.mean(forces, axis=0),
            "stress": stress[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]],  # Voigt: xx yy zz yz xz xy
            "energies": atomic.mean(axis=0),
            "energies_std": atomic.std(axis=0),
        }

    def _one(self, model, batch, positions, volume):
        """Energy (eV), forces (eV/A), stress (3x3, eV/A^3 = dE/d strain / V) and atomic energies of one model."""
        strain = torch.zeros(3, 3, dtype=self.dtype, requires_grad=True)
        deform = torch.eye(3, dtype=self.dtype) + strain
        pos = torch.tensor(positions, dtype=self.dtype, requires_grad=True)
        strained = type(batch)(**{**vars(batch), "shifts": batch.shifts @ deform})
        atomic = model.atomic_energies(strained, pos @ deform)
        energy = atomic.sum()
        d_pos, d_strain = torch.autograd.grad(energy, [pos, strain])
        stress = 0.5 * (d_strain + d_strain.T) / volume
        to_ev = HARTREE_TO_EV
        return (float(energy.detach()) * to_ev, -d_pos.numpy() * to_ev, stress.detach().numpy() * to_ev,
                atomic.detach().numpy() * to_ev)
