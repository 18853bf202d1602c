"""Inherent structures: quench sampled frames to their local energy minimum, to tell an intact crystal from one that
regrew with defects.

A MOMT production's crystals regrow from its liquid. In a small periodic box most orientations do not fit, and the
crystal that grows can keep vacancies, interstitials or a strained, misfitting lattice. Such a crystal reads as
crystalline to the order parameter (its Bragg spots are bright) and sits a few eV above the intact crystal, so the
(H, O) bias cannot tell it apart, while a reweighting to T0 takes it for the crystal. Quenching removes the thermal
motion: an intact crystal falls back to the perfect lattice's energy, a defective one stays above it by its defects'
formation energy (a Ni Frenkel pair: about 5 eV). Energies eV, lengths Angstrom.
"""

from dataclasses import dataclass

import numpy as np
from ase import Atoms

from .lammps_driver import Simulation
from .structures import crystal

# A vacancy in Ni or Al costs 0.7-1.6 eV; a thermal crystal quenches to the lattice within a few meV.
INTACT_TOLERANCE_EV = 0.5
FCC, HCP = 1, 2  # LAMMPS compute cna/atom's kinds


@dataclass(frozen=True)
class Quench:
    """A frame quenched at zero pressure: its energy (eV) and the shares of its atoms in FCC and in HCP environments
    (CNA; HCP atoms in an FCC crystal are stacking faults or twin planes)."""

    energy_eV: float
    fcc_share: float
    hcp_share: float


def quench(atoms, potential, ftol_eV_per_A=1.0e-5, max_iterations=5000):
    """The inherent structure of atoms: CG with the three box lengths relaxed to 0 bar (a misfitting crystal may
    strain the box), then at that box; returns its Quench."""
    with Simulation(atoms, potential) as sim:
        sim.minimize(0.0, ftol_eV_per_A, max_iterations, 10 * max_iterations, box_relax="aniso 0.0")
        frame = sim.minimize(0.0, ftol_eV_per_A, max_iterations, 10 * max_iterations)
        # Between FCC's first and second neighbour shells (0.8536 a), a taken from the atomic volume.
        a = (4.0 * frame.volume / len(atoms)) ** (1.0 / 3.0)
        sim.lmp.commands_list([f"compute inherent_cna all cna/atom {0.8536 * a!r}", "run 0 post no"])
        kinds = np.asarray(sim.lmp.numpy.extract_compute("inherent_cna", 1, 1))[:len(atoms)]
        return Quench(frame.energy, float((kinds == FCC).mean()), float((kinds == HCP).mean()))


def perfect_energy(element, fcc_cells, potential):
    """Energy (eV) of the perfect FCC crystal of fcc_cells^3 conventional cells, relaxed at 0 bar."""
    return quench(crystal(element, "fcc", fcc_cells), potential).energy_eV


def wilson_interval(successes, trials, z=1.96):
    """95 % Wilson score interval of a proportion; (nan, nan) for no trials."""
    if trials == 0:
        return float("nan"), float("nan")
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return float(centre - half), float(centre + half)


def intact_check(positions, cells, element, fcc_cells, potential, frames, seed, tolerance_eV=INTACT_TOLERANCE_EV,
                 progress=None):
    """Quench `frames` of the given crystal frames (drawn without replacement, seeded) and say how many are the
    intact crystal: within tolerance_eV of the perfect lattice's energy.

    positions: (n, atoms, 3) Angstrom; cells: (n, 3, 3) in LAMMPS form (the stored MOMT frames are).
    Returns a dict: frames (quenched), intact (count), intact_share with its 95 % interval (intact_low,
    intact_high), excess_eV (each quenched frame's energy above the perfect lattice, in draw order), fcc_share and
    hcp_share (each one's share of FCC and HCP atoms by CNA), and indices (the frames drawn).
    """
    if len(positions) == 0:
        return {"frames": 0, "intact": 0, "intact_share": float("nan"), "intact_low": float("nan"),
                "intact_high": float("nan"), "excess_eV": np.zeros(0), "fcc_share": np.zeros(0),
                "hcp_share": np.zeros(0), "indices": np.zeros(0, int)}
    indices = np.sort(np.random.default_rng(seed).choice(len(positions), min(frames, len(positions)), replace=False))
    reference = perfect_energy(element, fcc_cells, potential)
    quenched = []
    for k, i in enumerate(indices):
        atoms = Atoms(f"{element}{positions.shape[1]}", positions=positions[i], cell=cells[i], pbc=True)
        quenched.append(quench(atoms, potential))
        if progress:
            progress(k + 1, len(indices))
    excess = np.array([q.energy_eV - reference for q in quenched])
    intact = int((excess < tolerance_eV).sum())
    low, high = wilson_interval(intact, len(indices))
    return {"frames": len(indices), "intact": intact, "intact_share": intact / len(indices), "intact_low": low,
            "intact_high": high, "excess_eV": excess, "fcc_share": np.array([q.fcc_share for q in quenched]),
            "hcp_share": np.array([q.hcp_share for q in quenched]), "indices": indices}


def production_check(data, crystal, element, fcc_cells, potential, frames, seed, progress=None):
    """intact_check of the frames a MOMT production (a Dataset) has in its crystalline class (the boolean crystal)."""
    return intact_check(data.positions[crystal], data.cells[crystal], element, fcc_cells, potential, frames, seed,
                        progress=progress)


def intact_columns(check):
    """An intact_check's result as the columns momt_thermo.csv and the MOMT benchmark carry."""
    def median(values):
        return float(np.median(values)) if len(values) else float("nan")

    return {"crystal_quenched_frames": check["frames"], "crystal_intact_frames": check["intact"],
            "crystal_intact_share": check["intact_share"],
            "crystal_intact_low": check["intact_low"], "crystal_intact_high": check["intact_high"],
            "crystal_quench_excess_median_eV": median(check["excess_eV"]),
            "crystal_quench_fcc_share_median": median(check["fcc_share"]),
            "crystal_quench_hcp_share_median": median(check["hcp_share"])}
