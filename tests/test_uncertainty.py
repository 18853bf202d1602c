"""Atomic uncertainty of an ensemble and the mu + 4 sigma threshold, on made-up and real (tiny) ensembles."""

import numpy as np
import torch

from nnpdistill.nnp.model import NNP, AEVSettings, ModelSettings
from nnpdistill.nnp.nnp_data import Data
from nnpdistill.select.uncertainty import atomic_energies, atomic_uncertainty, threshold, uncertain_frames
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
    from nnpdistill.nnp.nnp_data import predict

    energy, _ = predict(members[1], data)
    np.testing.assert_allclose(atomic_energies(members, data)[1].sum(axis=1), energy, rtol=1e-6)
