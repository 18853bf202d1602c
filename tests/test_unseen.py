"""Unseen test sets and the properties scored on them: real LAMMPS, checked against direct LAMMPS computations."""

import math

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from ase.neighborlist import neighbor_list

from nnpdistill.sample.lammps_driver import Simulation
from nnpdistill.evaluate.oracle import EAMCalculator
from nnpdistill.evaluate.properties import MDCheck, md_stability, properties, vacancy_formation_energy
from nnpdistill.evaluate.relax import relax_eam, start
from nnpdistill.sample.structures import crystal
from nnpdistill.evaluate.unseen import SETS, MDSettings, UnseenSetError, make, twinned_fcc

TINY = MDSettings(n_frames=4, equilibrate_steps=200, sample_every=20)


def fresh_single_point(frames, k, potential):
    """Energy and forces of frame k from a LAMMPS instance made for it alone."""
    atoms = Atoms(numbers=frames.species, positions=frames.positions[k], cell=frames.cells[k], pbc=True)
    with Simulation(atoms, potential) as sim:
        return sim.single_point()


@pytest.mark.parametrize("name", ["fcc_strained", "vacancy_1000K", "slab111", "twin", "bcc"])
def test_each_unseen_set_is_labelled_like_a_fresh_lammps_single_point(name, potential):
    frames = make(name, "Ni", potential, seed=3, md=TINY)
    assert len(frames) == 4 and frames.attrs["unseen_set"] == name
    for k in range(len(frames)):
        energy, forces = fresh_single_point(frames, k, potential)
        assert frames.energy[k] == pytest.approx(energy, abs=1e-8)
        np.testing.assert_allclose(frames.forces[k], forces, atol=1e-8)
    assert np.ptp(frames.energy) > 1e-4  # the frames differ
    if name == "fcc_strained":  # tilted, strained cells, each its own strain
        assert np.abs(frames.cells[:, [1, 2, 2], [0, 0, 1]]).max() > 0.01
        assert len(set(np.round(np.linalg.det(frames.cells), 3))) == 4
    if name == "vacancy_1000K":
        assert frames.n_atoms == 107


def test_every_set_spans_its_temperatures_and_the_same_seed_gives_the_same_set(potential):
    bcc = make("bcc", "Ni", potential, seed=3, md=MDSettings(n_frames=8, equilibrate_steps=100, sample_every=10))
    assert sorted(set(bcc.extras["temperature"])) == list(SETS["bcc"].temperatures_K)
    again = make("bcc", "Ni", potential, seed=3, md=MDSettings(n_frames=8, equilibrate_steps=100, sample_every=10))
    np.testing.assert_array_equal(bcc.positions, again.positions)
    with pytest.raises(UnseenSetError, match="unknown unseen set 'bc'"):
        make("bc", "Ni", potential, seed=3)


def test_twinned_cell_is_close_packed_with_two_mirror_boundaries():
    atoms = twinned_fcc("Ni", 3.52)
    assert neighbor_list("d", atoms, 2.6).size == 12 * len(atoms)  # every atom keeps 12 nearest neighbours
    # FCC and twin boundaries differ in the third shell: an FCC crystal has 24 neighbours at a*sqrt(3/2).
    perfect = crystal("Ni", "fcc", 2, bond_length=3.52 / math.sqrt(2))
    third = lambda a: neighbor_list("d", a, 4.4).size - neighbor_list("d", a, 4.2).size  # noqa: E731
    assert third(perfect) == 24 * len(perfect) and third(atoms) < 24 * len(atoms)


def test_eam_properties_through_the_ase_path_equal_direct_lammps(potential):
    values = properties(EAMCalculator(potential), "Ni")
    direct = {s: relax_eam(start("Ni", s), potential, structure=s) for s in ("fcc", "bcc", "hcp")}
    assert values["failed"] == ""
    assert values["dE_bcc_fcc_meV_atom"] == pytest.approx(
        1000 * (direct["bcc"].energy_per_atom_eV - direct["fcc"].energy_per_atom_eV), abs=1e-6)
    assert values["lb_hcp_A"] == pytest.approx(direct["hcp"].bond_length_A, abs=1e-6)
    # The vacancy by LAMMPS alone: the perfect crystal at the relaxed lattice, then CG at fixed box.
    a0 = direct["fcc"].atoms.cell.lengths()[0] / 2
    perfect = crystal("Ni", "fcc", 3, bond_length=a0 / math.sqrt(2))
    with Simulation(perfect, potential) as sim:
        e_perfect, _ = sim.single_point()
    defect = perfect.copy()
    del defect[0]
    with Simulation(defect, potential) as sim:
        e_defect = sim.minimize(0.0, 1e-10, 10000, 100000).energy
    assert values["E_vac_eV"] == pytest.approx(e_defect - 107 / 108 * e_perfect, abs=1e-6)
    assert 1.0 < values["E_vac_eV"] < 2.5
    assert values["C11_GPa"] > values["C12_GPa"] > 0 and values["a0_A"] == pytest.approx(a0)


class Attractive(Calculator):
    """A model with an attractive bug: pairs closer than 3 A attract as -c/r with no repulsion, so a crystal
    collapses; its energy falls without bound."""

    implemented_properties = ["energy", "forces"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        i, d, vec = neighbor_list("idD", self.atoms, 3.0)
        pull = (2.0 / d**3)[:, None] * vec  # -dE/dr_i of E = -2/r, pointing to the neighbour
        self.results = {"energy": -float((1.0 / d).sum()),
                        "forces": np.array([np.bincount(i, weights=pull[:, k], minlength=len(self.atoms))
                                            for k in range(3)]).T}


def test_md_stability_flags_a_collapsing_model_and_passes_the_eam(potential):
    atoms = crystal("Ni", "fcc", 2, bond_length=2.49)
    check = MDCheck(temperature_K=1500.0, time_ps=0.2, sample_every=10)
    failure, reason, _, _, closest = md_stability(Attractive(), atoms, check, seed=1)
    assert failure is not None and failure < 0.2 and reason, (failure, reason, closest)
    failure, reason, r, g, closest = md_stability(EAMCalculator(potential), atoms, check, seed=1)
    assert failure is None and reason == "" and closest > 1.9
    assert r[np.argmax(g)] == pytest.approx(2.49, abs=0.15)  # the first peak at the bond length


def test_vacancy_energy_needs_its_relaxation(potential):
    calculator = EAMCalculator(potential)
    relaxed, failed = vacancy_formation_energy(calculator, "Ni", 3.516, cells=2)
    assert not failed and 1.0 < relaxed < 2.5
