"""Physical properties of any ASE calculator (an NNP, or the EAM through nnpdistill.evaluate.oracle.EAMCalculator), all
through the same code, and their errors against a reference's.

- Relaxed FCC (32 atoms), BCC (54) and HCP (48) as in Table S6 (nnpdistill.evaluate.relax): bond length l_b (Angstrom),
  energy per atom (eV), E_bcc - E_fcc and E_hcp - E_fcc (meV/atom), the FCC lattice constant a0 (Angstrom).
- Vacancy formation energy (eV): a relaxed 108-atom FCC cell, one atom removed, the atoms relaxed at fixed box:
  E_f = E(N-1) - (N-1)/N E(N).
- Bulk modulus and C11, C12, C44 of relaxed FCC (GPa), nnpdistill.evaluate.elastic.
- MD stability: Langevin NVT with the calculator from a crystal or a liquid; the time (ps) until the smallest
  interatomic distance falls below min_distance_A or the potential energy runs away, and the radial distribution
  function for comparison with the reference's.
"""

import math
from dataclasses import dataclass

import numpy as np
from ase import units
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.neighborlist import neighbor_list

from .elastic import analyse, strained_frames
from .oracle import ASEOracle
from .relax import Protocol, relax_ase, start
from ..sample.structures import crystal

STRUCTURES = ("fcc", "bcc", "hcp")


def _relax(calculator, atoms, protocol, structure):
    relaxed = relax_ase(atoms, calculator, protocol, structure=structure)
    return relaxed, (not relaxed.converged) or relaxed.collapsed


def properties(calculator, element, protocol=Protocol(), c_over_a=None):
    """The properties of the module's docstring, as a flat dict; `failed` lists relaxations that did not
    converge or collapsed (their values are kept, but say little)."""
    out, failed, relaxed = {}, [], {}
    for structure in STRUCTURES:
        atoms = start(element, structure, c_over_a=c_over_a if structure == "hcp" else None)
        relaxed[structure], bad = _relax(calculator, atoms, protocol, structure)
        out[f"lb_{structure}_A"] = relaxed[structure].bond_length_A
        out[f"E_{structure}_eV_atom"] = relaxed[structure].energy_per_atom_eV
        if bad:
            failed.append(structure)
    for structure in ("bcc", "hcp"):
        out[f"dE_{structure}_fcc_meV_atom"] = 1000.0 * (out[f"E_{structure}_eV_atom"] - out["E_fcc_eV_atom"])
    fcc = relaxed["fcc"].atoms
    out["a0_A"] = float(fcc.cell.lengths()[0]) / 2.0  # the 2 x 2 x 2 conventional cell
    if "fcc" in failed:
        out.update(B_GPa=math.nan, C11_GPa=math.nan, C12_GPa=math.nan, C44_GPa=math.nan, E_vac_eV=math.nan)
    else:
        frames, labels = strained_frames(fcc)
        elastic = analyse(fcc, ASEOracle(calculator).label(frames).energy, labels)
        out.update(B_GPa=elastic.bulk_modulus_GPa, C11_GPa=elastic.c11_GPa, C12_GPa=elastic.c12_GPa,
                   C44_GPa=elastic.c44_GPa)
        out["E_vac_eV"], vacancy_failed = vacancy_formation_energy(calculator, element, out["a0_A"], protocol)
        if vacancy_failed:
            failed.append("vacancy")
    out["failed"] = " ".join(failed)
    return out


def vacancy_formation_energy(calculator, element, a0_A, protocol=Protocol(), cells=3):
    """E_f (eV) of one vacancy in a cells^3 FCC crystal at lattice constant a0_A (the calculator's relaxed one),
    atoms relaxed at fixed box; and whether that relaxation failed."""
    perfect = crystal(element, "fcc", cells, bond_length=a0_A / math.sqrt(2.0))
    perfect.calc = calculator
    e_perfect = perfect.get_potential_energy()
    defect = perfect.copy()
    del defect[0]
    fixed = Protocol(**{**vars(protocol), "box_relax": "fixed"})
    relaxed = relax_ase(defect, calculator, fixed, structure="vacancy")
    n = len(perfect)
    return relaxed.energy_per_atom_eV * (n - 1) - (n - 1) / n * e_perfect, not relaxed.converged


def errors(values, reference):
    """Errors of a properties() dict against the reference's: differences (model - reference) with the same
    names prefixed d_, relative errors (%) of the moduli, Table S6's sum of |dl_b| (Angstrom) and E-error spread
    (meV/atom, max - min of the three E/atom errors), and whether the energy order of the three crystals is right."""
    out = {}
    for key, value in values.items():
        if key != "failed":
            out[f"d_{key}"] = value - reference[key]
    for key in ("B_GPa", "C11_GPa", "C12_GPa", "C44_GPa"):
        out[f"rel_{key[:-4]}_pct"] = 100.0 * (values[key] - reference[key]) / reference[key]
    out["sum_abs_dlb_A"] = sum(abs(out[f"d_lb_{s}_A"]) for s in STRUCTURES)
    e_errors = [1000.0 * out[f"d_E_{s}_eV_atom"] for s in STRUCTURES]
    out["E_error_spread_meV_atom"] = max(e_errors) - min(e_errors)
    order = list(np.argsort([values[f"E_{s}_eV_atom"] for s in STRUCTURES]))
    out["energy_order_right"] = order == list(np.argsort([reference[f"E_{s}_eV_atom"] for s in STRUCTURES]))
    return out


@dataclass(frozen=True)
class MDCheck:
    temperature_K: float
    time_ps: float
    timestep_fs: float = 1.0
    friction_per_fs: float = 0.01
    min_distance_A: float = 1.9
    max_energy_rise_eV_atom: float = 1.0  # |change| of the potential energy per atom from the start: a blow-up
    sample_every: int = 20
    rdf_max_A: float = 6.0
    rdf_bins: int = 90


def radial_distribution(frames, r_max, bins):
    """g(r) averaged over frames (ase.Atoms, periodic), on bins from 0 to r_max (Angstrom): (centres, g)."""
    edges = np.linspace(0.0, r_max, bins + 1)
    counts = np.zeros(bins)
    density = 0.0
    for atoms in frames:
        counts += np.histogram(neighbor_list("d", atoms, r_max), bins=edges)[0] / len(atoms)
        density += len(atoms) / atoms.get_volume()
    shell = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    g = counts / len(frames) / (shell * density / len(frames))
    return 0.5 * (edges[1:] + edges[:-1]), g


def md_stability(calculator, atoms, check, seed):
    """Langevin NVT of a copy of atoms; returns (time to failure in ps or None when it survived, the reason,
    g(r) centres, g(r) of the frames before any failure, the smallest distance seen in Angstrom)."""
    atoms = atoms.copy()
    atoms.calc = calculator
    rng = np.random.default_rng(seed)
    MaxwellBoltzmannDistribution(atoms, temperature_K=check.temperature_K, rng=rng)
    Stationary(atoms)
    dynamics = Langevin(atoms, check.timestep_fs * units.fs, temperature_K=check.temperature_K,
                        friction=check.friction_per_fs / units.fs, rng=rng, fixcm=False)
    steps = int(round(check.time_ps * 1000.0 / check.timestep_fs))
    e0 = atoms.get_potential_energy() / len(atoms)
    frames, failure, reason, closest = [], None, "", math.inf
    for step in range(0, steps, check.sample_every):
        dynamics.run(check.sample_every)
        d = neighbor_list("d", atoms, check.min_distance_A + 1.0)
        closest = min(closest, float(d.min()) if len(d) else math.inf)
        energy = atoms.get_potential_energy() / len(atoms)
        if closest < check.min_distance_A:
            reason = f"distance {closest:.2f} A"
        elif not math.isfinite(energy) or abs(energy - e0) > check.max_energy_rise_eV_atom:
            reason = f"energy {energy - e0:+.2f} eV/atom"
        if reason:
            failure = (step + check.sample_every) * check.timestep_fs / 1000.0
            break
        frames.append(atoms.copy())
    if not frames:
        return failure, reason, None, None, closest
    r, g = radial_distribution(frames, check.rdf_max_A, check.rdf_bins)
    return failure, reason, r, g, closest
