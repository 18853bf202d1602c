"""Labelling oracles: one LAMMPS instance re-boxed per frame gives the labels of a fresh instance per frame."""

import numpy as np
import pytest
from ase.calculators.emt import EMT

from nnpdistill.dataset import Dataset
from nnpdistill.sample.lammps_driver import Simulation
from nnpdistill.evaluate.oracle import ASEOracle, EAMOracle
from nnpdistill.evaluate.relax import scale_frames
from nnpdistill.sample.structures import crystal


def frames_of(element, scales, seed=0):
    rng = np.random.default_rng(seed)
    atoms = crystal(element, "fcc", 2)
    positions = np.array([atoms.positions * s + rng.normal(0, 0.1, atoms.positions.shape) for s in scales])
    cells = np.array([np.array(atoms.cell) * s for s in scales])
    return Dataset(species=atoms.numbers, positions=positions, cells=cells, energy=np.zeros(len(scales)),
                   forces=np.zeros_like(positions), extras={"O": np.arange(len(scales), dtype=float)})


def fresh_single_point(frames, k, potential):
    """Energy and forces of frame k from a LAMMPS instance made for it alone."""
    atoms = crystal("Ni", "fcc", 2)
    atoms.set_cell(frames.cells[k])
    atoms.positions = frames.positions[k]
    with Simulation(atoms, potential) as sim:
        return sim.single_point()


def test_eam_oracle_equals_a_fresh_lammps_per_frame(potential):
    frames = frames_of("Ni", [0.97, 1.0, 1.04])
    labelled = EAMOracle(potential).label(frames)
    for k in range(len(frames)):
        energy, forces = fresh_single_point(frames, k, potential)
        assert labelled.energy[k] == pytest.approx(energy, abs=1e-9)
        np.testing.assert_allclose(labelled.forces[k], forces, atol=1e-9)
    assert len(set(np.round(labelled.energy, 6))) == 3  # the box really changed between frames
    np.testing.assert_array_equal(labelled.extras["O"], frames.extras["O"])


def test_translated_frames_take_the_new_element_and_scale():
    frames = frames_of("Ni", [1.0, 1.02])
    positions, cells = scale_frames(frames.positions, frames.cells, 1.2)
    scaled = Dataset(species=np.full(frames.n_atoms, 28), positions=positions, cells=cells,
                     energy=frames.energy, forces=frames.forces)
    calc_labels = ASEOracle(EMT()).label(scaled)
    assert np.all(np.isfinite(calc_labels.energy)) and calc_labels.energy[0] != calc_labels.energy[1]
    np.testing.assert_allclose(np.linalg.det(cells), np.linalg.det(frames.cells) * 1.2**3)


def test_elastic_constants_of_eam_fcc_ni_from_energies(potential):
    """The Ni-Nb EAM's FCC Ni: B = (C11 + 2 C12) / 3 must agree with the equation of state's bulk modulus."""
    from nnpdistill.evaluate.elastic import analyse, strained_frames
    from nnpdistill.evaluate.relax import relax_eam, start

    relaxed = relax_eam(start("Ni", "fcc"), potential).atoms
    frames, labels = strained_frames(relaxed)
    energies = EAMOracle(potential).label(frames).energy
    result = analyse(relaxed, energies, labels)
    assert result.volume_per_atom_A3 == pytest.approx(relaxed.get_volume() / len(relaxed), rel=1e-3)
    assert (result.c11_GPa + 2 * result.c12_GPa) / 3 == pytest.approx(result.bulk_modulus_GPa, rel=0.02)
    assert result.c11_GPa > result.c12_GPa > 0 and result.c44_GPa > 0  # a mechanically stable cubic crystal
    assert 100 < result.bulk_modulus_GPa < 300  # Ni: about 180 GPa


def test_eam_oracle_mixes_tilted_and_orthogonal_boxes(potential):
    frames = frames_of("Ni", [1.0, 1.0, 1.02])
    frames.cells[1, 2, 1] = 0.3  # a yz tilt: c leans along y
    labelled = EAMOracle(potential).label(frames)
    for k in range(len(frames)):
        assert labelled.energy[k] == pytest.approx(fresh_single_point(frames, k, potential)[0], abs=1e-9)


def test_equation_of_state_without_a_minimum_gives_nan_not_an_error():
    from nnpdistill.evaluate.elastic import analyse, strained_frames

    atoms = crystal("Ni", "fcc", 2)
    frames, labels = strained_frames(atoms)
    volumes = np.abs(np.linalg.det(frames.cells))
    result = analyse(atoms, -10.0 * volumes, labels)  # energy falling with volume: no minimum
    assert np.isnan(result.bulk_modulus_GPa) and np.isfinite(result.c11_GPa)


def test_eam_oracle_names_an_element_its_potential_does_not_describe(potential):
    atoms = crystal("Ni", "fcc", 2)
    species = atoms.numbers.copy()
    species[3] = 79
    frames = Dataset(species, atoms.positions[None], np.asarray(atoms.cell)[None], np.zeros(1), np.zeros((1, 32, 3)))
    with pytest.raises(ValueError, match=r"the frames hold Au, which the EAM file .*NiNb.eam.fs does not describe "
                                         r"\(it has Ni, Nb\)"):
        EAMOracle(potential).label(frames)
