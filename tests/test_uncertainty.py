"""Atomic uncertainty of an ensemble and the mu + 4 sigma threshold, on made-up and real (tiny) ensembles."""

import numpy as np
import pytest
import torch

from nnpdistill.nnp.model import NNP, AEVSettings, ModelSettings
from nnpdistill.nnp.nnp_data import Data
from nnpdistill.nnp.nnp_data import predict
from nnpdistill.select.uncertainty import (atomic_energies, atomic_uncertainty, calibration, force_uncertainty,
                                           rank_correlation, threshold, uncertain_frames)
from nnpdistill.units import HARTREE_TO_EV
from tests.test_train import rattled_frames


def test_threshold_and_selection_on_a_made_up_ensemble():
    # 3 members, 5 frames of 4 atoms: all agree except frame 3's atom 2 (spread 0.3 eV) and frame 1 (0.01 eV).
    energies = np.zeros((3, 5, 4))
    energies[:, 3, 2] = [-0.3, 0.0, 0.3]
    energies[:, 1, :] = [[-0.01], [0.0], [0.01]]
    uq = atomic_uncertainty(energies)
    assert uq[3, 2] == np.std([-0.3, 0.0, 0.3]) and uq[0].max() == 0.0
    limit, mu, sigma = threshold(uq, k=4.0)
    assert mu == uq.mean() and sigma == uq.std() and limit == mu + 4 * sigma
    assert uncertain_frames(uq, limit).tolist() == [3]


def test_the_reference_population_decides_the_threshold():
    """Scored against the candidates themselves, a pool that is uniformly uncertain selects nothing; against
    a confident training set, the same pool is selected whole."""
    rng = np.random.default_rng(0)
    training_uq = rng.normal(0.010, 0.002, (50, 32)).clip(0)
    candidate_uq = rng.normal(0.050, 0.002, (20, 32)).clip(0)
    by_pool, _, _ = threshold(candidate_uq)
    by_training, _, _ = threshold(training_uq)
    assert len(uncertain_frames(candidate_uq, by_pool)) == 0
    assert len(uncertain_frames(candidate_uq, by_training)) == 20


def test_atomic_spread_of_real_models():
    """Real models: the spread is per atom, zero for identical members, and finite for different ones."""
    torch.manual_seed(0)
    members = [NNP(ModelSettings(("Ni",), hidden=(16, 8))) for _ in range(3)]
    data = Data(rattled_frames(4), ("Ni",), AEVSettings())
    same = atomic_energies([members[0], members[0]], data)
    assert same.shape == (2, 4, 32) and atomic_uncertainty(same).max() == 0.0
    spread = atomic_uncertainty(atomic_energies(members, data))
    assert spread.shape == (4, 32) and (spread > 0).all()
    # Per-atom energies sum to the frame energy of each member.
    energy, _ = predict(members[1], data)
    np.testing.assert_allclose(atomic_energies(members, data)[1].sum(axis=1), energy, rtol=1e-6)


def test_rank_correlation_of_a_hand_example():
    # ranks 1 2 3 4 against 1 3 2 4: sum of squared rank differences 2, rho = 1 - 6 * 2 / (4 * 15) = 0.8
    assert rank_correlation([0.1, 0.2, 0.3, 0.4], [5.0, 7.0, 6.0, 9.0]) == pytest.approx(0.8)
    assert rank_correlation([1, 2, 3], [3, 2, 1]) == -1.0
    assert np.isnan(rank_correlation([1, 1, 1], [1, 2, 3])) and np.isnan(rank_correlation([1, 2], [1, 2]))


def test_force_spread_is_the_largest_atomic_deviation():
    # 2 members, 2 frames of 2 atoms; frame 0: atom 1 is +-1 eV/A in x, frame 1: members agree
    a = [np.array([[0.0, 0, 0], [1.0, 0, 0]]), np.zeros((2, 3))]
    b = [np.array([[0.0, 0, 0], [-1.0, 0, 0]]), np.zeros((2, 3))]
    np.testing.assert_allclose(force_uncertainty([a, b]), [1.0, 0.0])


def test_calibration_of_real_models_against_their_own_errors():
    """Labels set to one member's own predictions: that member has no error, so the ensemble mean's errors
    are half the spread between the two members, and both uncertainties rank them perfectly."""
    torch.manual_seed(1)
    members = [NNP(ModelSettings(("Ni",), hidden=(16, 8))) for _ in range(2)]
    frames = rattled_frames(6)
    data = Data(frames, ("Ni",), AEVSettings())
    energy, forces = predict(members[0], data)
    data.energy = energy / HARTREE_TO_EV
    for frame, force in enumerate(forces):
        data.forces[frame] = force / HARTREE_TO_EV
    uq = atomic_uncertainty(atomic_energies(members, data)).max(axis=1)
    result = calibration(members, data, np.arange(6), uq)
    assert result["frames_scored"] == 6
    assert result["rho_force_uq_force_error"] > 0.9
    other, _ = predict(members[1], data)
    assert result["energy_error_meV_atom"] == pytest.approx(np.mean(np.abs(energy - other) / 2 / 32) * 1000.0)


def test_centering_removes_a_member_offset():
    """A member whose atomic energies all carry +0.2 eV has the same total-energy differences as without it; its
    spread is an artefact that centering takes away."""
    rng = np.random.default_rng(1)
    energies = rng.normal(0.0, 0.01, (4, 6, 8))
    shifted = energies.copy()
    shifted[2] += 0.2
    assert atomic_uncertainty(shifted).mean() > 5 * atomic_uncertainty(energies).mean()
    assert np.allclose(atomic_uncertainty(shifted, center=True), atomic_uncertainty(energies, center=True))
