"""Unseen test sets: structures no sampling stage visits, made by short EAM MD and labelled by the oracle.

Every set is a Dataset of one cell (fixed atoms), frames from MD of that cell at the set's temperatures (K),
then labelled afresh by an oracle (nnpdistill.evaluate.oracle), so the same code could label them with DFT. Nothing is
selected, trained or tuned on them: they only score models.

Crystals take the EAM's relaxed lattice (nnpdistill.evaluate.relax.relax_eam at 0 K). The FCC bulk, vacancy and liquid
run NPT at the system's pressure; the metastable BCC and HCP, the twinned cell and the slabs run NVT at their
relaxed (or built) cell, so the structure stays what its name says for the few picoseconds sampled.
The strained set takes FCC 300 K frames and applies a homogeneous symmetric strain with components drawn
uniformly in [-max_strain, max_strain], then rotates the cell to LAMMPS's form (a along x, b in xy).
"""

import math
from dataclasses import dataclass

import numpy as np
from ase.build import fcc100, fcc111
from ase.data import atomic_numbers

from ..dataset import Dataset
from ..sample.lammps_driver import Simulation
from ..sample.order import crystalline, order_parameter
from ..sample.structures import crystal
from ..seeds import derive_seed
from .oracle import EAMOracle
from .relax import relax_eam, start


@dataclass(frozen=True)
class SetSpec:
    structure: str  # fcc, bcc, hcp, vacancy, twin, slab100, slab111, liquid
    temperatures_K: tuple
    ensemble: str  # npt or nvt
    max_strain: float = 0.0
    melt_K: float = 0.0  # liquids: melt at this temperature before cooling to the set's


SETS = {
    "fcc_300K": SetSpec("fcc", (300.0,), "npt"),
    "fcc_1000K": SetSpec("fcc", (1000.0,), "npt"),
    "bcc": SetSpec("bcc", (300.0, 533.0, 767.0, 1000.0), "nvt"),
    "hcp": SetSpec("hcp", (300.0, 533.0, 767.0, 1000.0), "nvt"),
    "vacancy_1000K": SetSpec("vacancy", (1000.0,), "npt"),
    "fcc_strained": SetSpec("fcc", (300.0,), "npt", max_strain=0.06),
    "liquid_3000K": SetSpec("liquid", (3000.0,), "npt", melt_K=4000.0),
    "twin": SetSpec("twin", (300.0, 1000.0), "nvt"),
    "slab100": SetSpec("slab100", (300.0, 1000.0), "nvt"),
    "slab111": SetSpec("slab111", (300.0, 1000.0), "nvt"),
}


@dataclass(frozen=True)
class MDSettings:
    n_frames: int = 60  # per set, split evenly over its temperatures
    equilibrate_steps: int = 2000
    melt_steps: int = 5000  # liquids: steps at the melt temperature, ramping down to the set's
    sample_every: int = 50
    timestep_fs: float = 1.0
    tdamp_fs: float = 100.0
    pdamp_fs: float = 1000.0
    pressure_bar: float = 1.0
    vacuum_A: float = 8.0  # each side of a slab: the slab and its image are 2 x vacuum apart, over the 6.9 A cutoff


class UnseenSetError(RuntimeError):
    """A test set could not be made as specified."""


def fcc_lattice(element, potential):
    """The EAM's relaxed FCC lattice constant (Angstrom)."""
    relaxed = relax_eam(start(element, "fcc", (1, 1, 1)), potential, structure="fcc")
    return float(relaxed.atoms.cell.lengths()[0])


def twinned_fcc(element, a, layers=12, size=(2, 2)):
    """An orthogonal periodic cell of (111) layers stacked ABCABC then CBACBA: two Sigma-3 twin boundaries."""
    atoms = fcc111(element, size=(*size, layers), a=a, orthogonal=True, periodic=True)
    z = atoms.positions[:, 2]
    levels = np.round(z / (a / math.sqrt(3.0))).astype(int) % layers
    # Lateral offsets of the A, B and C positions, from the first three layers as built (ABC...).
    offsets = [atoms.positions[levels == k][0, :2] - atoms.positions[levels == 0][0, :2] for k in range(3)]
    # Forward (A->B->C) up to the middle layer, then mirrored about it: ...ABC|BAC..., and about layer 0 again
    # across the periodic boundary.
    half = layers // 2
    stacking = [k % 3 if k < half else (2 * half - 2 - k) % 3 for k in range(layers)]
    for layer in range(layers):
        mask = levels == layer
        atoms.positions[mask, :2] += offsets[stacking[layer]] - offsets[layer % 3]
    atoms.wrap()
    return atoms


def slab(element, a, facet, vacuum_A, layers=6):
    """An FCC (100) or (111) slab, periodic in plane, with vacuum_A on each side along z (orthogonal cell)."""
    build = {"100": fcc100, "111": fcc111}[facet]
    kwargs = {"orthogonal": True} if facet == "111" else {}
    atoms = build(element, size=(3, 3, layers) if facet == "100" else (2, 2, layers), a=a, vacuum=vacuum_A,
                  **kwargs)
    atoms.pbc = True
    return atoms


def structure(spec, element, potential, md):
    """The starting cell of a set."""
    a = fcc_lattice(element, potential)
    d = a / math.sqrt(2.0)
    if spec.structure == "fcc":
        return crystal(element, "fcc", 2, bond_length=d)
    if spec.structure in ("bcc", "hcp"):
        return relax_eam(start(element, spec.structure), potential, structure=spec.structure).atoms
    if spec.structure == "vacancy":
        atoms = crystal(element, "fcc", 3, bond_length=d)
        del atoms[0]
        return atoms
    if spec.structure == "liquid":
        return crystal(element, "fcc", 3, bond_length=d)
    if spec.structure == "twin":
        return twinned_fcc(element, a)
    if spec.structure.startswith("slab"):
        return slab(element, a, spec.structure[4:], md.vacuum_A)
    raise UnseenSetError(f"unknown structure '{spec.structure}'")


def _md_frames(atoms, spec, temperature, potential, md, seed, n_frames, log_file):
    with Simulation(atoms, potential, log_file=log_file) as sim:
        sim.set_timestep(md.timestep_fs)
        if spec.melt_K:
            sim.set_velocities(spec.melt_K, seed)
            sim.use_npt(spec.melt_K, md.pressure_bar, md.tdamp_fs, md.pdamp_fs, final_temperature_K=temperature)
            sim.run(md.melt_steps)
        else:
            sim.set_velocities(temperature, seed)
        if spec.ensemble == "npt":
            sim.use_npt(temperature, md.pressure_bar, md.tdamp_fs, md.pdamp_fs)
        else:
            sim.use_nvt(temperature, md.tdamp_fs)
        sim.run(md.equilibrate_steps)
        frames = list(sim.stream(n_frames, md.sample_every))
    return (np.array([f.positions for f in frames]), np.array([f.cell for f in frames]),
            np.array([f.temperature for f in frames]))


def strain_frames(positions, cells, max_strain, rng):
    """Each frame under its own homogeneous symmetric strain (components uniform in +-max_strain), rotated so
    the cell is in LAMMPS's lower-triangular form; energies and forces do not depend on that rotation."""
    from ase.cell import Cell

    out_p, out_c, strains = [], [], []
    for r, cell in zip(positions, cells):
        e = rng.uniform(-max_strain, max_strain, 6)
        strain = np.array([[e[0], e[5], e[4]], [e[5], e[1], e[3]], [e[4], e[3], e[2]]])
        deform = np.eye(3) + strain
        strained = Cell(cell @ deform.T)
        standard, rotation = strained.standard_form()  # standard @ rotation = strained
        out_c.append(np.array(standard))
        out_p.append(r @ deform.T @ rotation.T)
        strains.append(np.abs(e).max())
    return np.array(out_p), np.array(out_c), np.array(strains)


def make(name, element, potential, seed, md=MDSettings(), oracle=None, log_file=None):
    """The unseen set `name` (a key of SETS) for element under potential, labelled by oracle (default: the
    same EAM through LAMMPS). Frames from the set's temperatures in order; extras: target temperature (K)."""
    if name not in SETS:
        raise UnseenSetError(f"unknown unseen set '{name}' (expected one of {', '.join(SETS)})")
    spec = SETS[name]
    atoms = structure(spec, element, potential, md)
    per_t = np.diff(np.linspace(0, md.n_frames, len(spec.temperatures_K) + 1).round().astype(int))
    parts = []
    for temperature, count in zip(spec.temperatures_K, per_t):
        positions, cells, _ = _md_frames(atoms, spec, temperature, potential, md,
                                         derive_seed(seed, "unseen", name, element, temperature), int(count),
                                         log_file)
        parts.append((positions, cells, np.full(len(positions), temperature)))
    positions = np.concatenate([p for p, _, _ in parts])
    cells = np.concatenate([c for _, c, _ in parts])
    temperature = np.concatenate([t for _, _, t in parts])
    attrs = {"unseen_set": name, "element": element, "structure": spec.structure, "seed": int(seed),
             "ensemble": spec.ensemble}
    if spec.max_strain:
        rng = np.random.default_rng(derive_seed(seed, "unseen strain", name, element))
        positions, cells, _ = strain_frames(positions, cells, spec.max_strain, rng)
        attrs["max_strain"] = spec.max_strain
    species = np.full(len(atoms), atomic_numbers[element], dtype=np.int64)
    frames = Dataset(species=species, positions=positions, cells=cells, energy=np.zeros(len(positions)),
                     forces=np.zeros_like(positions), extras={"temperature": temperature}, attrs=attrs)
    if spec.structure == "liquid":
        n_cells = round(len(atoms) ** (1 / 3) / 4 ** (1 / 3))
        O, _ = order_parameter(positions, cells, n_cells, gradient=False)
        crystal = crystalline(O, len(atoms), 0.3)
        if crystal.any():
            raise UnseenSetError(f"{name}: {int(crystal.sum())} frames are still crystalline "
                                 f"(O up to {O.max():.1f} for {len(atoms)} atoms) after {md.melt_steps} melt steps at "
                                 f"{spec.melt_K:g} K; raise benchmark.unseen.melt_steps")
    return (oracle or EAMOracle(potential, log_file=log_file)).label(frames)
