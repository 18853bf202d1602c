"""Equation of state and cubic elastic constants of a relaxed crystal, from energies alone.

Energies come from an oracle (nnpdistill.evaluate.oracle: the EAM through LAMMPS, or any ASE calculator such as an NNP),
so reference and NNPs go through the same code. Strains are homogeneous; FCC and BCC conventional cells hold
one atom per lattice point, so no internal relaxation is needed. With V the volume and E(strain):
    uniaxial e_xx = d:             E(d) + E(-d) - 2 E0 = V C11 d^2
    biaxial e_xx = e_yy = d:       E(d) + E(-d) - 2 E0 = 2 V (C11 + C12) d^2
    simple shear y += g z:         E(g) + E(-g) - 2 E0 = V C44 g^2
(the shear's rotation part leaves the energy unchanged). The equation of state is ASE's Birch-Murnaghan fit over
+-1 % linear strain: wider ranges bias B0 for EAM metals (Ni: 175 GPa from +-3 %, 185 from the curvature).
Units: eV, Angstrom^3; moduli in GPa.
"""

from dataclasses import dataclass

import numpy as np
from ase.eos import EquationOfState
from ase.units import GPa

from ..dataset import Dataset


@dataclass
class Elastic:
    volume_per_atom_A3: float  # EOS minimum
    energy_per_atom_eV: float
    bulk_modulus_GPa: float
    c11_GPa: float
    c12_GPa: float
    c44_GPa: float
    eos_volumes_A3: np.ndarray  # per atom
    eos_energies_eV: np.ndarray  # per atom


def _deformations(eos_strains, delta):
    """(label, deformation gradient) of every configuration evaluated."""
    out = [(f"eos {s:+.4f}", np.eye(3) * (1.0 + s)) for s in eos_strains]
    for sign in (1.0, -1.0):
        d = sign * delta
        out.append((f"xx {d:+.4f}", np.diag([1.0 + d, 1.0, 1.0])))
        out.append((f"xxyy {d:+.4f}", np.diag([1.0 + d, 1.0 + d, 1.0])))
        shear = np.eye(3)
        shear[1, 2] = d  # y' = y + d z: c gains a y component (a LAMMPS yz tilt)
        out.append((f"yz {d:+.4f}", shear))
    return out


EOS_STRAINS = np.linspace(-0.01, 0.01, 7)


def undefined(eos_points=len(EOS_STRAINS)):
    """Every value NaN: for a crystal whose relaxation collapsed (nnpdistill.evaluate.relax), which has no state to strain."""
    return Elastic(*(float("nan"),) * 6, np.full(eos_points, np.nan), np.full(eos_points, np.nan))


def strained_frames(atoms, eos_strains=EOS_STRAINS, delta=0.005):
    """The crystal under every strain of the method, as a Dataset (labels zero) plus the labels in order."""
    deformations = _deformations(eos_strains, delta)
    cell = np.asarray(atoms.cell)
    positions = np.array([atoms.positions @ f.T for _, f in deformations])
    cells = np.array([cell @ f.T for _, f in deformations])
    frames = Dataset(species=atoms.numbers, positions=positions, cells=cells, energy=np.zeros(len(cells)),
                     forces=np.zeros_like(positions))
    return frames, [label for label, _ in deformations]


def analyse(atoms, energies, labels, delta=0.005):
    """Elastic from the energies (eV) of strained_frames' configurations."""
    n = len(atoms)
    volume = atoms.get_volume()
    by = dict(zip(labels, energies))
    eos = [(label, e) for label, e in by.items() if label.startswith("eos")]
    strains = np.array([float(label.split()[1]) for label, _ in eos])
    volumes = volume * (1.0 + strains) ** 3 / n
    per_atom = np.array([e for _, e in eos]) / n
    try:
        v0, e0, b = EquationOfState(volumes, per_atom, eos="birchmurnaghan").fit()
    except (RuntimeError, ValueError):  # no minimum inside the strain range (an untrained model, say): no EOS
        v0, e0, b = (float("nan"),) * 3
    if not volumes.min() <= v0 <= volumes.max():  # a fit may also return a minimum far outside the strains
        v0, e0, b = (float("nan"),) * 3
    e_zero = by["eos +0.0000"]

    def curvature(kind):
        return (by[f"{kind} {delta:+.4f}"] + by[f"{kind} {-delta:+.4f}"] - 2.0 * e_zero) / (volume * delta**2)

    c11 = curvature("xx")
    c12 = curvature("xxyy") / 2.0 - c11
    c44 = curvature("yz")
    return Elastic(v0, e0, b / GPa, c11 / GPa, c12 / GPa, c44 / GPa, volumes, per_atom)
