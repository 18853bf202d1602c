"""Periodic crystal starts (FCC, BCC, HCP) built with ASE, sized by cells and bond length (Angstrom)."""

import math

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
