"""Oracles that label configurations with reference energies and forces (eV, eV/Angstrom).

An oracle takes a Dataset and returns a copy whose energy and forces are its own. The EAM oracle keeps one
LAMMPS instance and replaces box and positions frame by frame, so labelling thousands of small frames costs
little more than the force evaluations; any ASE calculator (DFT codes included) serves through ASEOracle.
"""

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from ase.data import chemical_symbols
from tqdm import tqdm

from ..dataset import Dataset
from ..sample.lammps_driver import Simulation
from ..units import BAR_TO_EV_PER_A3


def _relabelled(frames, energy, forces):
    return Dataset(species=frames.species, positions=frames.positions, cells=frames.cells, energy=np.asarray(energy),
                   forces=np.asarray(forces), extras=dict(frames.extras), attrs=dict(frames.attrs))


def _atoms(frames, k):
    return Atoms(numbers=frames.species, positions=frames.positions[k], cell=frames.cells[k], pbc=True)


class EAMOracle:
    """An EAM potential (nnpdistill.potential.Potential) through LAMMPS."""

    def __init__(self, potential, log_file=None):
        self.potential = potential
        self.log_file = log_file

    def label(self, frames, progress=None):
        known = self.potential.elements
        missing = sorted({chemical_symbols[z] for z in frames.species} - set(known or ()))
        if known is not None and missing:
            raise ValueError(f"the frames hold {', '.join(missing)}, which the EAM file {self.potential.path} does not "
                             f"describe (it has {', '.join(known)})")
        energy, forces = np.empty(len(frames)), np.empty_like(frames.positions)
        # LAMMPS fixes a box as orthogonal or tilted when it is made: make it from a tilted frame if there is one.
        tilts = np.abs(frames.cells[:, [1, 2, 2], [0, 0, 1]]).sum(axis=1) > 1e-10
        simulation = Simulation(_atoms(frames, int(np.argmax(tilts))), self.potential, self.log_file) \
            if len(frames) else None
        try:
            for k in tqdm(range(len(frames)), disable=progress is None, file=progress, mininterval=10.0,
                          desc="EAM labels", unit="frame"):
                simulation.set_cell(frames.cells[k])
                simulation.set_positions(frames.positions[k])
                energy[k], forces[k] = simulation.single_point()
                if not np.all(np.isfinite(forces[k])) or not np.isfinite(energy[k]):
                    names = sorted({chemical_symbols[z] for z in frames.species})
                    raise ValueError(f"frame {k}: the EAM gave non-finite labels for {names}")
        finally:
            if simulation is not None:
                simulation.close()
        return _relabelled(frames, energy, forces)


class ASEOracle:
    """Any ASE calculator; one call per frame."""

    def __init__(self, calculator):
        self.calculator = calculator

    def label(self, frames, progress=None):
        energy, forces = np.empty(len(frames)), np.empty_like(frames.positions)
        for k in tqdm(range(len(frames)), disable=progress is None, file=progress, mininterval=10.0,
                      desc="labels", unit="frame"):
            atoms = _atoms(frames, k)
            atoms.calc = self.calculator
            energy[k], forces[k] = atoms.get_potential_energy(), atoms.get_forces()
        return _relabelled(frames, energy, forces)


class EAMCalculator(Calculator):
    """The EAM through LAMMPS as an ASE calculator (energy eV, forces eV/A, stress eV/A^3), so the reference goes
    through the same ASE code (relaxations, MD, properties) as an NNP. One LAMMPS instance per atom count and
    cell kind (orthogonal or tilted), reused while they stay the same."""

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, potential, log_file=None, **kwargs):
        super().__init__(**kwargs)
        self.potential = potential
        self.log_file = log_file
        self._simulation, self._key = None, None

    def _sim(self, atoms):
        cell = np.asarray(atoms.cell)
        if np.abs(cell[[0, 0, 1], [1, 2, 2]]).max() > 1e-10:
            raise ValueError("EAMCalculator: the cell must have a along x and b in the xy plane (LAMMPS form); "
                             "rotate it first (ase.cell.Cell.standard_form)")
        key = (tuple(atoms.numbers), bool(np.abs(cell[[1, 2, 2], [0, 0, 1]]).sum() > 1e-10))
        if key != self._key:
            self.close()
            self._simulation, self._key = Simulation(atoms, self.potential, self.log_file), key
        return self._simulation

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        sim = self._sim(self.atoms)
        sim.set_cell(np.asarray(self.atoms.cell))
        sim.set_positions(self.atoms.positions)
        energy, forces = sim.single_point()
        # LAMMPS's pressure tensor (bar) with no velocities is the virial's; ASE's stress is its negative.
        pressure = np.array([sim.thermo(k) for k in ("pxx", "pyy", "pzz", "pyz", "pxz", "pxy")])
        self.results = {"energy": energy, "free_energy": energy, "forces": forces,
                        "stress": -pressure * BAR_TO_EV_PER_A3}

    def close(self):
        if self._simulation is not None:
            self._simulation.close()
            self._simulation, self._key = None, None
