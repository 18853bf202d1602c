"""Structural optimisation of FCC, BCC and HCP crystals (Supplementary Notes 3 and 6, Tables S6 and S7).

The EAM reference is relaxed by LAMMPS, an NNP (or any ASE calculator) by ASE, under one protocol with the same
degrees of freedom. Units: eV, Angstrom, bar (stress tolerances), eV/Angstrom (forces).
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.filters import FrechetCellFilter
from ase.neighborlist import neighbor_list
from ase.optimize import BFGS, FIRE

from ..sample.lammps_driver import Simulation
from ..sample.structures import crystal
from ..units import BAR_TO_EV_PER_A3

# The cell counts of Tables S6 and S7: FCC 32 atoms, BCC 54, HCP 48 (4-atom orthorhombic cells, the near-cubic
# 3 x 2 x 2 arrangement: 7.3 x 8.5 x 8.0 Angstrom for Ni).
REPEATS = {"fcc": (2, 2, 2), "bcc": (3, 3, 3), "hcp": (3, 2, 2)}
BOX_RELAX_MODES = ("iso", "aniso", "fixed")
OPTIMIZERS = {"FIRE": FIRE, "BFGS": BFGS}


@dataclass(frozen=True)
class Protocol:
    """How a crystal is relaxed: a box relaxation to pressure_bar, then a final minimisation at fixed box.

    box_relax: 'iso' (one length scale, shape kept: HCP keeps its ideal c/a), 'aniso' (the three box lengths
        independently, angles kept), or 'fixed' (atoms only).
    pressure_bar: target pressure (bar) of the box relaxation.
    LAMMPS (the EAM reference; `fix box/relax <mode> <pressure_bar>` + `minimize`, the authors' interface):
        etol: relative energy change (unitless) stopping `minimize`; 0 leaves the force criterion alone.
        ftol_eV_per_A: 2-norm of the global force vector (eV/Angstrom, box terms included) stopping `minimize`.
        max_iterations, max_evaluations: `minimize`'s iteration and force-evaluation limits.
    ASE (any calculator; FrechetCellFilter + optimizer):
        fmax_eV_per_A: largest atomic force (eV/Angstrom) at convergence.
        stress_tol_bar: largest stress residual (bar) at convergence: of the pressure for 'iso' (the only stress
            an iso box can relax), of each diagonal component for 'aniso'.
        optimizer: 'FIRE' or 'BFGS'; max_steps: its step limit per stage.
        min_volume_ratio: the box relaxation stops, unconverged and marked collapsed, once the volume falls
            below this fraction of the start's. A model far outside its training data can pull a crystal
            together without bound; its neighbour count, and so the cost of every step, grows with the density.
    """

    box_relax: str = "iso"
    pressure_bar: float = 0.0
    etol: float = 0.0
    ftol_eV_per_A: float = 1.0e-8
    max_iterations: int = 10000
    max_evaluations: int = 100000
    fmax_eV_per_A: float = 1.0e-5
    stress_tol_bar: float = 0.01
    optimizer: str = "BFGS"
    max_steps: int = 2000
    min_volume_ratio: float = 0.5

    def __post_init__(self):
        if self.box_relax not in BOX_RELAX_MODES:
            raise ValueError(f"unknown box_relax '{self.box_relax}' (expected one of {', '.join(BOX_RELAX_MODES)})")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer '{self.optimizer}' (expected one of {', '.join(OPTIMIZERS)})")


@dataclass
class Relaxed:
    """A relaxed crystal: energies eV, lengths Angstrom, pressure bar, forces eV/Angstrom.

    converged: LAMMPS: the final force vector's 2-norm is within ftol; ASE: both stages reached fmax within
    max_steps and the final stress residual is within stress_tol_bar.
    collapsed: the ASE box relaxation stopped because the volume fell below Protocol.min_volume_ratio.
    """

    atoms: Atoms
    structure: str
    energy_per_atom_eV: float
    bond_length_A: float
    pressure_bar: float
    max_force_eV_per_A: float
    converged: bool
    collapsed: bool = False

    def row(self):
        """One table row (no structure object): element, structure, atoms, l_b, E/atom, cell, pressure."""
        a, b, c = (float(x) for x in self.atoms.cell.lengths())
        return {
            "element": self.atoms.get_chemical_symbols()[0],
            "structure": self.structure,
            "n_atoms": len(self.atoms),
            "bond_length_A": float(self.bond_length_A),
            "energy_per_atom_eV": float(self.energy_per_atom_eV),
            "volume_per_atom_A3": float(self.atoms.get_volume()) / len(self.atoms),
            "cell_a_A": a, "cell_b_A": b, "cell_c_A": c,
            "pressure_bar": float(self.pressure_bar),
            "max_force_eV_per_A": float(self.max_force_eV_per_A),
            "converged": bool(self.converged),
            "collapsed": bool(self.collapsed),
        }


def start(element, structure, repeat=None, bond_length=None, c_over_a=None):
    """The ideal crystal a relaxation starts from: Table S6's cell sizes unless repeat is given.

    c_over_a: HCP's c/a (None: ideal sqrt(8/3)); an 'iso' box relaxation keeps it.
    """
    if structure not in REPEATS:
        raise ValueError(f"unknown crystal structure '{structure}' (expected one of {', '.join(REPEATS)})")
    return crystal(element, structure, tuple(repeat or REPEATS[structure]), bond_length, c_over_a)


def shortest_bond(atoms):
    """The shortest interatomic distance (Angstrom), periodic images included."""
    # The search radius grows until a pair is found; it starts near typical metallic bonds to stay cheap.
    cutoff = 3.5
    while True:
        distances = neighbor_list("d", atoms, cutoff)
        if len(distances):
            return float(distances.min())
        cutoff *= 2.0


def _box_relax_args(protocol):
    if protocol.box_relax == "fixed":
        return None
    return f"{protocol.box_relax} {protocol.pressure_bar!r}"


def relax_eam(atoms, potential, protocol=Protocol(), structure="", log_file=None):
    """Relax atoms under an EAM potential with LAMMPS: `fix box/relax` + CG `minimize`, then CG at fixed box.

    atoms: an ase.Atoms whose cell has a along x and b in the xy plane (the crystals of start() do).
    potential: nnpdistill.potential.Potential; the pair_coeff maps the atoms' elements (Nb for pure Nb).
    """
    tolerances = (protocol.etol, protocol.ftol_eV_per_A, protocol.max_iterations, protocol.max_evaluations)
    with Simulation(atoms, potential, log_file=log_file) as sim:
        box = _box_relax_args(protocol)
        frame = sim.minimize(*tolerances, box_relax=box)
        # The box relaxation's objective includes the box terms; a last minimisation at the final box brings the
        # atomic forces alone to the tolerance (the authors' protocol).
        if box:
            frame = sim.minimize(*tolerances)
        force_norm = float(np.linalg.norm(frame.forces))
    relaxed = Atoms(atoms.get_chemical_symbols(), positions=frame.positions, cell=frame.cell, pbc=True)
    relaxed.calc = SinglePointCalculator(relaxed, energy=frame.energy, forces=frame.forces)
    return Relaxed(
        atoms=relaxed, structure=structure, energy_per_atom_eV=frame.energy / len(relaxed),
        bond_length_A=shortest_bond(relaxed), pressure_bar=frame.pressure,
        max_force_eV_per_A=float(np.linalg.norm(frame.forces, axis=1).max()),
        converged=force_norm <= protocol.ftol_eV_per_A,
    )


def _cell_filter(atoms, protocol):
    pressure = protocol.pressure_bar * BAR_TO_EV_PER_A3
    if protocol.box_relax == "iso":
        return FrechetCellFilter(atoms, hydrostatic_strain=True, scalar_pressure=pressure)
    # aniso: the three diagonal strains, no shear (LAMMPS's `box/relax aniso` on an orthogonal box).
    return FrechetCellFilter(atoms, mask=[1, 1, 1, 0, 0, 0], scalar_pressure=pressure)


def _stress_residual_bar(stress, protocol):
    """How far the relaxable part of a Voigt stress (eV/Angstrom^3) is from the target pressure, in bar."""
    diagonal = -np.asarray(stress[:3]) / BAR_TO_EV_PER_A3 - protocol.pressure_bar  # pressures along x, y, z
    return abs(diagonal.mean()) if protocol.box_relax == "iso" else float(np.abs(diagonal).max())


def relax_ase(atoms, calculator, protocol=Protocol(), structure="", log_file=None):
    """Relax a copy of atoms with an ASE calculator under the degrees of freedom of relax_eam.

    The cell stage converges forces to fmax_eV_per_A and stress to stress_tol_bar; the final stage relaxes the
    atoms at fixed cell to fmax_eV_per_A. The calculator must give stress (eV/Angstrom^3) unless box_relax is
    'fixed'.
    """
    with warnings.catch_warnings():
        # FrechetCellFilter's matrix logarithm of a near-identity deformation warns of a ~1e-13 error at every
        # step; it would bury the log.
        warnings.filterwarnings("ignore", message="logm result may be inaccurate", category=RuntimeWarning)
        return _relax_ase(atoms, calculator, protocol, structure, log_file)


def _relax_ase(atoms, calculator, protocol, structure, log_file):
    atoms = atoms.copy()
    atoms.calc = calculator
    optimizer = OPTIMIZERS[protocol.optimizer]
    logfile = str(log_file) if log_file else None
    converged, collapsed = True, False
    if protocol.box_relax != "fixed":
        box = _cell_filter(atoms, protocol)
        # The filter's cell "forces" are virial / len(atoms) (eV); the optimizer's single fmax covers both, so it
        # is lowered until it also implies the stress tolerance (at the start volume: checked again at the end).
        fmax = min(protocol.fmax_eV_per_A,
                   protocol.stress_tol_bar * BAR_TO_EV_PER_A3 * atoms.get_volume() / len(atoms))
        smallest = protocol.min_volume_ratio * atoms.get_volume()
        for converged in optimizer(box, logfile=logfile).irun(fmax=fmax, steps=protocol.max_steps):
            if atoms.get_volume() < smallest:
                converged, collapsed = False, True
                break
    if not collapsed:
        converged &= bool(optimizer(atoms, logfile=logfile).run(fmax=protocol.fmax_eV_per_A,
                                                                 steps=protocol.max_steps))
    energy = atoms.get_potential_energy()
    forces = atoms.get_forces()
    stress = atoms.get_stress() if protocol.box_relax != "fixed" else None
    if stress is not None:
        converged &= _stress_residual_bar(stress, protocol) <= protocol.stress_tol_bar
    relaxed = atoms.copy()
    relaxed.info["collapsed"] = collapsed  # kept by extxyz, for the steps that read the structure back
    relaxed.calc = SinglePointCalculator(relaxed, energy=energy, forces=forces, stress=stress)
    pressure = math.nan if stress is None else -float(np.mean(stress[:3])) / BAR_TO_EV_PER_A3
    return Relaxed(
        atoms=relaxed, structure=structure, energy_per_atom_eV=energy / len(relaxed),
        bond_length_A=shortest_bond(relaxed), pressure_bar=pressure,
        max_force_eV_per_A=float(np.linalg.norm(forces, axis=1).max()), converged=bool(converged),
        collapsed=collapsed,
    )


# --- translated data (Supplementary Note 6) -------------------------------------------------------------------
def bond_length_ratio(target, source):
    """l_b(target) / l_b(source) of two relaxed crystals (Relaxed or bond lengths in Angstrom).

    Note 6: Nb's to Ni's relaxed BCC bond length, 2.86 / 2.41 ~ 1.1867, scales Ni data to Nb.
    """
    lengths = [x.bond_length_A if isinstance(x, Relaxed) else float(x) for x in (target, source)]
    if not all(math.isfinite(x) and x > 0.0 for x in lengths):
        raise ValueError(f"bond lengths must be positive, got {lengths[0]} and {lengths[1]}")
    return lengths[0] / lengths[1]


def scale_frames(positions, cells, ratio):
    """Positions (..., n, 3) and cells (..., 3, 3), Angstrom, stretched uniformly by ratio: every distance
    scales by ratio and fractional coordinates stay as they were."""
    return np.asarray(positions) * ratio, np.asarray(cells) * ratio


def translate(atoms, ratio, element=None):
    """A copy of atoms with positions and cell scaled by ratio, and every atom made `element` if given."""
    positions, cell = scale_frames(atoms.get_positions(), np.asarray(atoms.cell), ratio)
    symbols = [element] * len(atoms) if element else atoms.get_chemical_symbols()
    return Atoms(symbols, positions=positions, cell=cell, pbc=atoms.pbc)
