import numpy as np
import pytest

from nnpdistill.sample.lammps_driver import Simulation
from nnpdistill.sample.structures import crystal


def test_perfect_fcc_ni_energy_and_zero_forces(potential):
    # The potential's README: relaxed FCC Ni gives -4.8763 eV/atom; at ASE's 3.52 A lattice it is within 1 meV.
    with Simulation(crystal("Ni", "fcc", 2), potential) as sim:
        energy, forces = sim.single_point()
    assert energy / 32 == pytest.approx(-4.876, abs=2e-3)
    assert np.abs(forces).max() < 1e-10


@pytest.fixture(scope="module")
def npt_run():
    from nnpdistill.potential import Potential
    from tests.conftest import POTENTIAL_FILE

    sim = Simulation(crystal("Ni", "fcc", 2), Potential(POTENTIAL_FILE))
    sim.set_timestep(1.0)
    sim.set_velocities(2000.0, 4242)
    sim.use_npt(2000.0, 1.0, 100.0, 1000.0)
    sim.run(1000)
    frames, conserved = [], []
    for frame in sim.stream(20, 50):
        frames.append(frame)
        conserved.append(sim.thermo("econserve"))
    momentum = sim.velocities().sum(axis=0)
    sim.close()
    return frames, np.array(conserved), momentum


def test_npt_conserves_its_extended_energy_and_momentum(npt_run):
    frames, conserved, momentum = npt_run
    energy = np.array([f.energy for f in frames])
    volume = np.array([f.volume for f in frames])
    # The box and the energy really move, while the Nose-Hoover/MTK conserved quantity stays put.
    assert energy.std() > 0.5 and volume.std() > 1.0
    assert np.ptp(conserved) < 0.02 * energy.std()
    assert np.abs(momentum).max() < 1e-9


def test_streamed_frames_match_a_fresh_single_point(npt_run, potential):
    from ase import Atoms

    frames, _, _ = npt_run
    for frame in (frames[0], frames[-1]):
        atoms = Atoms("Ni32", positions=frame.positions, cell=frame.cell, pbc=True)
        with Simulation(atoms, potential) as fresh:
            energy, forces = fresh.single_point()
        assert energy == pytest.approx(frame.energy, abs=1e-9)
        np.testing.assert_allclose(forces, frame.forces, atol=1e-9)
        assert frame.volume == pytest.approx(np.linalg.det(frame.cell), rel=1e-12)


def test_frames_are_wrapped_into_the_cell(npt_run):
    frames, _, _ = npt_run
    for frame in frames:
        fractional = np.linalg.solve(frame.cell.T, frame.positions.T).T
        assert fractional.min() >= 0.0 and fractional.max() < 1.0


def test_nve_conserves_total_energy(potential):
    with Simulation(crystal("Ni", "fcc", 2), potential) as sim:
        sim.set_timestep(1.0)
        sim.set_velocities(1500.0, 99)
        sim.use_nve()
        total = [sim.thermo("etotal") for _ in sim.stream(20, 50)]
    assert np.ptp(total) < 5e-3


def test_same_seed_same_trajectory(potential):
    def last_positions(seed):
        with Simulation(crystal("Ni", "fcc", 2), potential) as sim:
            sim.set_timestep(1.0)
            sim.set_velocities(2000.0, seed)
            sim.use_npt(2000.0, 1.0, 100.0, 1000.0)
            return list(sim.stream(2, 100))[-1].positions

    np.testing.assert_array_equal(last_positions(5), last_positions(5))
    assert not np.allclose(last_positions(5), last_positions(6))


def test_triclinic_cell_needs_lammps_orientation(potential):
    atoms = crystal("Ni", "fcc", 1)
    atoms.rotate(30, "z", rotate_cell=True)
    with pytest.raises(ValueError, match="LAMMPS form"):
        Simulation(atoms, potential)


def test_liquid_start_that_does_not_melt_is_refused(potential):
    from nnpdistill.sample import npt

    settings = npt.NPTSettings(temperature_K=2000.0, pressure_bar=1.0, timestep_fs=1.0, relax_steps=0, n_frames=1,
                               sample_every=1, tdamp_fs=100.0, pdamp_fs=1000.0, melt_temperature_K=3500.0,
                               melt_steps=10, cool_steps=0)
    with pytest.raises(npt.MeltError, match="npt.melt_steps = 10 steps at npt.melt_temperature_K = 3500.0 K"):
        npt.sample("Ni", 2, "liquid", potential, settings, seed=1)


def test_twin_start_samples_a_crystal_that_eq2_reads_as_a_quarter_and_the_summary_keeps_crystalline(potential):
    from nnpdistill.sample import npt

    settings = npt.NPTSettings(temperature_K=1000.0, pressure_bar=1.0, timestep_fs=1.0, relax_steps=200, n_frames=5,
                               sample_every=20, tdamp_fs=100.0, pdamp_fs=1000.0, melt_temperature_K=3500.0,
                               melt_steps=0, cool_steps=0)
    data = npt.sample("Ni", 3, "twin", potential, settings, seed=1)
    assert data.attrs["start_phase"] == "twin" and len(data) == 5
    assert (data.extras["O"] < 0.35 * 108).all()  # eq. 2 sees one {111} vector of four
    summary = npt.phase_summary(data, 0.5)
    assert summary["crystal_frame_fraction"] == 1.0 and not summary["changed_phase"]
    with pytest.raises(ValueError, match="multiple of 3"):
        npt.sample("Ni", 2, "twin", potential, settings, seed=1)
