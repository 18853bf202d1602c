"""Periodic crystal starts (FCC, BCC, HCP) built with ASE, sized by cells and bond length (Angstrom)."""

import math

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.data import atomic_numbers, reference_states


def nearest_neighbour_distance(element):
    """ASE's nearest-neighbour distance (Angstrom) of the element's reference crystal, a start for relaxations."""
    state = reference_states[atomic_numbers[element]]
    a = state["a"]
    structure = state["symmetry"]
    if structure == "fcc":
        return a / math.sqrt(2.0)
    if structure == "bcc":
        return a * math.sqrt(3.0) / 2.0
    if structure == "hcp":
        return a
    raise ValueError(f"no nearest-neighbour distance for {element} in its reference structure '{structure}'")


def crystal(element, structure, repeat, bond_length=None, c_over_a=None):
    """A periodic orthogonal crystal of one element.

    structure: 'fcc' (4 atoms per conventional cell), 'bcc' (2) or 'hcp' (4 per orthorhombic cell).
    repeat: an int n for n x n x n cells, or three ints.
    bond_length: in-plane distance a for HCP, else the shortest interatomic distance, in Angstrom; defaults to
        the element's reference crystal.
    c_over_a: HCP's c/a; None for the ideal sqrt(8/3).
    """
    if isinstance(repeat, int):
        repeat = (repeat, repeat, repeat)
    d = bond_length or nearest_neighbour_distance(element)
    if structure == "fcc":
        atoms = bulk(element, "fcc", a=d * math.sqrt(2.0), cubic=True)
    elif structure == "bcc":
        atoms = bulk(element, "bcc", a=2.0 * d / math.sqrt(3.0), cubic=True)
    elif structure == "hcp":
        atoms = bulk(element, "hcp", a=d, c=d * (c_over_a or math.sqrt(8.0 / 3.0)), orthorhombic=True)
    else:
        raise ValueError(f"unknown crystal structure '{structure}' (expected fcc, bcc or hcp)")
    return atoms.repeat(tuple(repeat))


def fcc_twin_box(element, n, lattice_A=None):
    """The FCC crystal of an n x n x n cubic box turned 180 degrees about [111] (its Sigma-3 twin orientation), as
    Atoms in the same box: a crystal a MOMT run can regrow in, equal in energy to the box's own orientation. The
    turn maps the box vector n a x to n a (-1, 2, 2) / 3, a lattice vector only where n is a multiple of 3
    (ValueError otherwise). lattice_A: the cubic lattice constant; defaults to the element's reference crystal."""
    if n % 3:
        raise ValueError(f"the twin orientation of FCC fits an n x n x n box only for n a multiple of 3, not {n}")
    a = lattice_A or nearest_neighbour_distance(element) * math.sqrt(2.0)
    basis = np.array([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])
    span = np.arange(-3 * n, 3 * n + 1)
    cells = np.array(np.meshgrid(span, span, span, indexing="ij")).reshape(3, -1).T
    points = (cells[:, None, :] + basis[None]).reshape(-1, 3) * a
    turn = (2.0 / 3.0) * np.ones((3, 3)) - np.eye(3)  # 180 degrees about [111]
    turned = points @ turn.T + 0.013 * a  # off the box faces, so each site is counted once
    inside = turned[np.all((turned >= 0) & (turned < n * a), axis=1)]
    return Atoms(f"{element}{len(inside)}", positions=inside, cell=np.eye(3) * n * a, pbc=True)
