"""Relaxed crystals (Supplementary Notes 3 and 6): the LAMMPS reference path, the ASE path and Note 6's helpers."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.eam import EAM
from ase.io import read, write

from nnpdistill.nnp.calculator import NNPCalculator
from nnpdistill.sample.lammps_driver import Simulation
from nnpdistill.nnp.model import NNP, ModelSettings
from nnpdistill.evaluate.relax import (Protocol, bond_length_ratio, relax_ase, relax_eam, scale_frames, shortest_bond, start,
                              translate)
from nnpdistill.sample.structures import crystal
from tests.conftest import POTENTIAL_FILE


def eam_lattice_scan(potential, lattice_constants):
    """E/atom (eV) of perfect 32-atom FCC Ni at each lattice constant (Angstrom), by LAMMPS single points."""
    energies = []
    for a in lattice_constants:
        with Simulation(crystal("Ni", "fcc", 2, bond_length=a / math.sqrt(2.0)), potential) as sim:
            energies.append(sim.single_point()[0] / 32)
    return np.array(energies)


def test_eam_fcc_ni_relaxes_to_the_minimum_of_an_energy_scan(potential):
    # Independent of the minimiser: a cubic fit of E(a) near the minimum.
    a = np.linspace(3.49, 3.54, 11)
    fit = np.polynomial.Polynomial.fit(a, eam_lattice_scan(potential, a), 3)
    roots = fit.deriv().roots()
    a_min = float(roots[(roots > 3.49) & (roots < 3.54)].real[0])
    relaxed = relax_eam(start("Ni", "fcc"), potential, Protocol(), structure="fcc")
    assert relaxed.converged and len(relaxed.atoms) == 32
    np.testing.assert_allclose(relaxed.atoms.cell.lengths(), 2 * a_min, atol=2e-4)
    assert relaxed.bond_length_A == pytest.approx(a_min / math.sqrt(2.0), abs=1e-4)
    assert relaxed.energy_per_atom_eV == pytest.approx(fit(a_min), abs=1e-6)
    # Table S6, Reference (EAM), Ni-FCC: 2.49 A, -4.876 eV/atom.
    assert round(relaxed.bond_length_A, 2) == 2.49 and round(relaxed.energy_per_atom_eV, 3) == -4.876
    assert abs(relaxed.pressure_bar) < 1e-3


def test_ase_path_matches_lammps_under_the_same_eam(potential):
    """ASE's own EAM calculator on the same file: both paths must land on the same crystal, box shape included."""
    calc = EAM(potential=str(POTENTIAL_FILE), form="fs")
    for structure, mode in (("fcc", "iso"), ("hcp", "iso"), ("hcp", "aniso")):
        protocol = Protocol(box_relax=mode)
        atoms = start("Ni", structure)
        lammps = relax_eam(atoms, potential, protocol)
        ase = relax_ase(atoms, calc, protocol)
        assert ase.converged and lammps.converged and not ase.collapsed
        np.testing.assert_allclose(ase.atoms.cell.lengths(), lammps.atoms.cell.lengths(), atol=1e-5)
        assert ase.bond_length_A == pytest.approx(lammps.bond_length_A, abs=1e-6)
        assert ase.energy_per_atom_eV == pytest.approx(lammps.energy_per_atom_eV, abs=1e-8)


def test_iso_keeps_the_hcp_shape_and_aniso_relaxes_it(potential):
    ideal = math.sqrt(8.0 / 3.0)
    iso = relax_eam(start("Ni", "hcp"), potential, Protocol(box_relax="iso"))
    aniso = relax_eam(start("Ni", "hcp"), potential, Protocol(box_relax="aniso"))
    # Orthorhombic 3 x 2 x 2 cells: c/a = (c_box / 2) / (a_box / 3).
    for relaxed, expected in ((iso, ideal), (aniso, None)):
        a_box, _, c_box = relaxed.atoms.cell.lengths()
        c_over_a = (c_box / 2) / (a_box / 3)
        if expected:
            assert c_over_a == pytest.approx(expected, abs=1e-9)
        else:
            assert abs(c_over_a - ideal) > 0.01
    assert aniso.energy_per_atom_eV < iso.energy_per_atom_eV
    # The paper's HCP reference rows (2.44 A, -4.847 eV) are met by an iso relaxation at c/a = sqrt(3).
    paper = relax_eam(start("Ni", "hcp", c_over_a=math.sqrt(3.0)), potential, Protocol(box_relax="iso"))
    assert round(paper.bond_length_A, 2) == 2.44 and round(paper.energy_per_atom_eV, 3) == -4.847


def test_pure_nb_crystal_uses_the_nb_part_of_the_ninb_file(potential):
    relaxed = relax_eam(start("Nb", "bcc"), potential, Protocol(), structure="bcc")
    assert len(relaxed.atoms) == 54
    # Table S7, Reference (EAM), Nb-BCC: 2.86 A, -7.347 eV/atom.
    assert round(relaxed.bond_length_A, 2) == 2.86 and round(relaxed.energy_per_atom_eV, 3) == -7.347


def test_untrained_nnp_relaxes_to_a_minimum_of_its_own_energy():
    torch.manual_seed(1)
    calc = NNPCalculator([NNP(ModelSettings(("Ni",), hidden=(16, 8)))])
    atoms = start("Ni", "fcc")
    atoms.rattle(0.02, seed=3)  # so that the atoms, not only the box, have to move
    protocol = Protocol(box_relax="iso", fmax_eV_per_A=1e-4, stress_tol_bar=0.01)
    relaxed = relax_ase(atoms, calc, protocol, structure="fcc")
    assert relaxed.converged and relaxed.max_force_eV_per_A < 1e-4 and abs(relaxed.pressure_bar) < 0.01
    lengths = relaxed.atoms.cell.lengths()
    assert np.ptp(lengths) < 1e-8 and abs(lengths[0] - atoms.cell.lengths()[0]) > 0.05  # the box moved, stays cubic
    # A minimum in volume: the energy rises on either side of the relaxed cell.
    energies = []
    for factor in (0.998, 1.0, 1.002):
        scaled = translate(relaxed.atoms, factor)
        scaled.calc = calc
        energies.append(scaled.get_potential_energy() / len(scaled))
    assert energies[1] == pytest.approx(relaxed.energy_per_atom_eV, abs=1e-10)
    assert energies[0] > energies[1] < energies[2]
    assert relaxed.bond_length_A == pytest.approx(np.linalg.norm(lengths) / math.sqrt(3) / 2 / math.sqrt(2), abs=1e-4)


class Shrinking(Calculator):
    """E = k V (eV): a constant tension and no force on the atoms, so a box relaxation shrinks the cell forever."""

    implemented_properties = ["energy", "forces", "stress"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        k = 0.01  # eV/A^3
        self.results = {"energy": k * self.atoms.get_volume(), "forces": np.zeros((len(self.atoms), 3)),
                        "stress": np.array([k, k, k, 0.0, 0.0, 0.0])}


def test_a_collapsing_box_relaxation_stops_unconverged_and_says_so(tmp_path):
    atoms = start("Ni", "fcc")
    relaxed = relax_ase(atoms, Shrinking(), Protocol(min_volume_ratio=0.5, max_steps=500), structure="fcc")
    ratio = relaxed.atoms.get_volume() / atoms.get_volume()
    assert relaxed.collapsed and not relaxed.converged and 0.1 < ratio < 0.5  # stopped soon after the threshold
    row = relaxed.row()
    assert row["collapsed"] and not row["converged"]
    write(tmp_path / "c.extxyz", relaxed.atoms, format="extxyz")
    assert read(tmp_path / "c.extxyz").info["collapsed"]  # what the elastic step reads back
    # A lower threshold lets it go further: the stop is the guard, not the optimizer.
    deeper = relax_ase(atoms, Shrinking(), Protocol(min_volume_ratio=0.1, max_steps=500))
    assert deeper.collapsed and deeper.atoms.get_volume() < relaxed.atoms.get_volume()


def test_bond_length_ratio_and_translation_on_hand_values():
    assert bond_length_ratio(2.86, 2.41) == pytest.approx(1.186722, abs=1e-6)
    with pytest.raises(ValueError, match="bond lengths must be positive"):
        bond_length_ratio(2.86, 0.0)
    positions = np.array([[[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]])
    cells = np.array([np.diag([4.0, 5.0, 6.0])])
    new_positions, new_cells = scale_frames(positions, cells, 1.5)
    np.testing.assert_allclose(new_positions[0, 1], [1.5, 3.0, 4.5])
    np.testing.assert_allclose(new_cells[0], np.diag([6.0, 7.5, 9.0]))
    ni = crystal("Ni", "bcc", 2, bond_length=2.41)
    ni.rattle(0.02, seed=1)
    nb = translate(ni, 2.86 / 2.41, element="Nb")
    assert set(nb.get_chemical_symbols()) == {"Nb"} and set(ni.get_chemical_symbols()) == {"Ni"}
    np.testing.assert_allclose(nb.get_scaled_positions(), ni.get_scaled_positions(), atol=1e-12)
    np.testing.assert_allclose(nb.get_all_distances(mic=True), ni.get_all_distances(mic=True) * 2.86 / 2.41,
                               atol=1e-12)


def test_shortest_bond_counts_periodic_images():
    # One atom per cell: every bond is to an image; the 8 A cell needs the search radius to grow.
    assert shortest_bond(Atoms("Ni", cell=[2.5, 3.0, 4.0], pbc=True)) == pytest.approx(2.5)
    assert shortest_bond(Atoms("Ni", cell=[8.0, 9.0, 10.0], pbc=True)) == pytest.approx(8.0)
    assert shortest_bond(start("Ni", "hcp", bond_length=2.5)) == pytest.approx(2.5)


def test_table_sizes_and_unknown_settings_are_clear_errors():
    assert [len(start("Ni", s)) for s in ("fcc", "bcc", "hcp")] == [32, 54, 48]
    with pytest.raises(ValueError, match="unknown crystal structure 'diamond' \\(expected one of fcc, bcc, hcp\\)"):
        start("Ni", "diamond")
    with pytest.raises(ValueError, match="unknown box_relax 'tri'"):
        Protocol(box_relax="tri")
    with pytest.raises(ValueError, match="unknown optimizer 'LBFGS'"):
        Protocol(optimizer="LBFGS")


@pytest.mark.slow
def test_the_workflow_writes_the_reference_rows(test_run):
    table = pd.read_csv(test_run / "results/tables/relax_reference.csv").set_index(["element", "structure"])
    assert len(table) == 6 and table["converged"].all()
    # FCC and BCC of both elements reproduce Tables S6/S7's printed reference digits.
    for key in [("Ni", "fcc"), ("Ni", "bcc"), ("Nb", "fcc"), ("Nb", "bcc")]:
        row = table.loc[key]
        assert round(row["bond_length_A"], 2) == row["paper_bond_length_A"], key
        assert round(row["energy_per_atom_eV"], 3) == row["paper_energy_per_atom_eV"], key
    row = json.loads((test_run / "results/evaluate/reference/Ni_hcp.json").read_text())
    atoms = read(test_run / "results/evaluate/reference/Ni_hcp.extxyz")
    assert len(atoms) == row["n_atoms"] == 48
    assert atoms.get_potential_energy() / 48 == pytest.approx(row["energy_per_atom_eV"], abs=1e-9)
    for name in ("reference_Ni_hcp.log", "reference_Ni_hcp.lammps.log", "relax_reference_table.log"):
        assert (test_run / "results/logs/evaluate" / name).stat().st_size > 0
    assert (test_run / "results/benchmarks/evaluate/reference_Nb_bcc.tsv").exists()


def test_relaxation_table_from_fixed_rows():
    from nnpdistill.paper import RELAXATION_ROWS
    from nnpdistill.tables import relaxation_table

    rows = {"Reference (EAM)": {"fcc": (2.49, -4.876), "bcc": (2.41, -4.833), "hcp": (2.44, -4.847)},
            "NNP": {"fcc": (2.46, -4.896), "bcc": (2.45, -4.803), "hcp": (2.43, -4.848)}}
    table = relaxation_table(rows, ["fcc", "bcc", "hcp"], RELAXATION_ROWS, "Ni", {"NNP": {"bcc": "collapsed"}})
    ours = table[table["source"] == "this workflow"].set_index("row")
    assert ours["relaxation"].tolist() == ["", "bcc collapsed"]
    nnp = ours.loc["NNP"]
    assert nnp["fcc_bond_length_error_A"] == pytest.approx(-0.03)
    assert nnp["bcc_energy_error_meV_atom"] == pytest.approx(30.0)
    # The paper's summary for its full-data model: 0.08 A summed l_b error, 50 meV/atom energy-error spread.
    assert nnp["sum_abs_bond_length_error_A"] == pytest.approx(0.08)
    assert nnp["energy_error_spread_meV_atom"] == pytest.approx(50.0)
    assert ours.loc["Reference (EAM)", "energy_order"] == "fcc < hcp < bcc"
    assert bool(nnp["order_matches_reference"])
    printed = table[table["source"] == "paper"].set_index("row")
    assert set(printed.index) == {"Reference (EAM)", "NNP (Full Data)", "NNP (Distilled Data)"}
    assert printed.loc["NNP (Distilled Data)", "sum_abs_bond_length_error_A"] == pytest.approx(0.03)
    swapped = dict(rows, NNP={"fcc": (2.46, -4.80), "bcc": (2.45, -4.90), "hcp": (2.43, -4.848)})
    table = relaxation_table(swapped, ["fcc", "bcc", "hcp"])
    assert not bool(table.set_index("row").loc["NNP", "order_matches_reference"])
