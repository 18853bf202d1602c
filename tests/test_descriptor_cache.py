"""Descriptors kept between epochs: the same losses, forces and gradients as computing them per batch."""

import numpy as np
import torch

from nnpdistill import dataset
from nnpdistill.nnp.descriptor_cache import CachedBatch
from nnpdistill.nnp.descriptors import energies_and_forces
from nnpdistill.nnp.model import NNP, AEVSettings, ModelSettings
from nnpdistill.nnp.neighbors import Blocks
from nnpdistill.sample.structures import crystal
from nnpdistill.nnp.nnp_data import Data
from nnpdistill.nnp.train import Trainer, TrainSettings, loss_terms

SYMBOLS = ("Ni", "Nb")


def binary_frames(n_frames, seed=0):
    """Ni-Nb frames at densities from compressed to expanded, so rows differ in width from frame to frame."""
    rng = np.random.default_rng(seed)
    atoms = crystal("Ni", "fcc", 2)
    atoms.numbers[::3] = 41
    scales = np.linspace(0.88, 1.12, n_frames)
    positions = (atoms.positions[None] * scales[:, None, None] + rng.normal(0.0, 0.15, (n_frames, len(atoms), 3)))
    return dataset.Dataset(
        species=atoms.numbers.astype(np.int64), positions=positions,
        cells=np.array(atoms.cell)[None] * scales[:, None, None],
        energy=-4.4 * len(atoms) + rng.normal(0.0, 0.5, n_frames), forces=rng.normal(0.0, 0.5, (n_frames, len(atoms), 3)))


def test_cached_batches_give_the_same_loss_forces_and_gradients():
    data = Data(binary_frames(10), SYMBOLS, AEVSettings())
    torch.manual_seed(0)
    model = NNP(ModelSettings(SYMBOLS, hidden=(16, 8)))
    order = [7, 0, 9, 3, 4]  # mixed densities, not in storage order
    plain = data.batch(order)
    assert isinstance(plain[0], Blocks)
    estimate, built = data.cache_descriptors(model.aev, 1e9)
    assert built and abs(data.cache.nbytes() - estimate) < 0.02 * estimate
    cached = data.batch(order)
    assert isinstance(cached[0], CachedBatch)
    widths = {data.cache.frames[k]["neighbor"].shape[1] for k in range(10)}
    assert len(widths) > 1  # the test needs frames of different widths to check the padding
    results = []
    for batch in (plain, cached):
        loss, sums = loss_terms(model, *batch, 0.1)
        energy, forces = energies_and_forces(model, batch[0], batch[1], create_graph=False)
        grads = torch.autograd.grad(loss, list(model.parameters()))
        results.append((loss.detach(), energy.detach(), forces.detach(), grads))
    for a, b in zip(results[0][:3], results[1][:3]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(results[0][3], results[1][3]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6 * float(b.abs().max()))
    assert float(results[0][2].abs().max()) > 1e-4


def test_cache_over_budget_is_not_built_and_batches_are_computed():
    data = Data(binary_frames(4), SYMBOLS, AEVSettings())
    model = NNP(ModelSettings(SYMBOLS, hidden=(16, 8)))
    estimate, built = data.cache_descriptors(model.aev, 1000.0)
    assert not built and estimate > 1000.0 and data.cache is None
    assert isinstance(data.batch([0, 1])[0], Blocks)


def test_training_with_and_without_the_cache_reaches_the_same_weights(tmp_path):
    frames = binary_frames(12, seed=3)
    models = []
    for k, cache_gb in enumerate((0.0, 1.0)):
        data = Data(frames, SYMBOLS, AEVSettings())
        settings = TrainSettings(epochs=2, batch_size=4, cache_gb=cache_gb)
        trainer = Trainer(data, SYMBOLS, settings, 5, tmp_path / str(k), model_settings=ModelSettings(SYMBOLS, hidden=(16, 8)))
        models.append(trainer.run())
        assert (data.cache is not None) == (cache_gb > 0)
    for a, b in zip(models[0].state_dict().values(), models[1].state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
