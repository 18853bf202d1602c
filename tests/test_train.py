"""NNP model, fast force training, loss, self-energies, checkpoints and the ASE calculator (real TorchANI parts)."""

import math
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from nnpdistill import dataset
from nnpdistill.nnp.calculator import NNPCalculator
from nnpdistill.nnp.ensemble import Ensemble, ModelFileError
from nnpdistill.nnp.descriptors import energies_and_forces
from nnpdistill.nnp.model import NNP, AEVSettings, ModelSettings
from nnpdistill.units import HARTREE_TO_EV
from nnpdistill.nnp.neighbors import flat_batch, frame_pairs
from nnpdistill.sample.structures import crystal
from nnpdistill.nnp.nnp_data import Data
from nnpdistill.nnp.train import Trainer, TrainingError, TrainSettings, fit_self_energies, learning_rate, loss_terms
from tests.conftest import REPO

SMALL = ModelSettings(("Ni",), hidden=(16, 8))


def rattled_frames(n_frames, n_cells=2, seed=0):
    """Hot-looking Ni frames with made-up but smooth labels (energies eV, forces eV/A)."""
    rng = np.random.default_rng(seed)
    atoms = crystal("Ni", "fcc", n_cells)
    positions = atoms.positions + rng.normal(0.0, 0.12, (n_frames, len(atoms), 3))
    return dataset.Dataset(
        species=atoms.numbers.astype(np.int64), positions=positions,
        cells=np.repeat(np.array(atoms.cell)[None], n_frames, axis=0),
        energy=-4.4 * len(atoms) + rng.normal(0.0, 0.5, n_frames),
        forces=rng.normal(0.0, 0.5, (n_frames, len(atoms), 3)))


def test_network_and_aev_sizes_follow_table_s2():
    model = NNP(ModelSettings(("Ni",)))
    shifts = AEVSettings().radial_shifts()
    assert len(shifts) == 23 and shifts[0] == 0.8 and shifts[-1] < 6.9 < shifts[-1] + 0.26875
    assert model.aev.out_dim == 55 and model.n_parameters() == 86785
    assert isinstance(model.networks[0].activation, torch.nn.GELU)


def test_pairs_find_every_image_of_a_cell_narrower_than_twice_the_cutoff():
    from ase.neighborlist import neighbor_list

    atoms = crystal("Ni", "fcc", 2)
    atoms.rattle(0.2, seed=4)
    assert atoms.cell.lengths().max() < 2 * 6.9
    pairs, shifts = frame_pairs(atoms.positions, np.array(atoms.cell), 6.9)
    mine = {(int(a), int(b), tuple(s)) for a, b, s in zip(pairs[0], pairs[1], shifts.tolist())}
    both = mine | {(b, a, tuple(-v for v in s)) for a, b, s in mine}
    i, j, s = neighbor_list("ijS", atoms, 6.9)
    assert len(mine) == len(i) // 2 and both == {(int(b), int(a), tuple(v)) for a, b, v in zip(i, j, s.tolist())}


def test_small_periodic_cell_equals_the_same_crystal_in_a_doubled_cell():
    """32 atoms in a 7 A box with a 6.9 A cutoff: energy, forces and stress must see every periodic image."""
    torch.manual_seed(1)
    calc = NNPCalculator([NNP(ModelSettings(("Ni",)))])
    small = crystal("Ni", "fcc", 2)
    small.rattle(0.1, seed=2)
    big = small.repeat((2, 2, 2))
    small.calc, big.calc = calc, NNPCalculator(calc.models)
    assert big.get_potential_energy() == pytest.approx(8 * small.get_potential_energy(), rel=1e-12, abs=1e-9)
    np.testing.assert_allclose(big.get_forces()[:32], small.get_forces(), atol=1e-10)
    np.testing.assert_allclose(big.get_stress(), small.get_stress(), atol=1e-10)
    assert np.abs(small.get_forces()).max() > 1e-3


def test_aev_equals_torchani_aevcomputer():
    model = NNP(ModelSettings(("Ni",))).double()
    atoms = crystal("Ni", "fcc", 2)
    atoms.rattle(0.15, seed=6)
    batch = flat_batch(atoms.positions[None], np.array(atoms.cell)[None], np.zeros((1, 32), dtype=int), 6.9, 3.5,
                       torch.float64)
    ours = model.aevs(batch, torch.tensor(atoms.positions))
    reference = model.aev(torch.zeros(1, 32, dtype=torch.long), torch.tensor(atoms.positions)[None],
                          torch.tensor(np.array(atoms.cell)), torch.tensor([True, True, True]))[0]
    np.testing.assert_allclose(ours.numpy(), reference.numpy(), atol=1e-12)
    assert ours.abs().max() > 1.0


def test_analytic_force_path_equals_autograd_in_values_and_weight_gradients():
    torch.manual_seed(2)
    model = NNP(ModelSettings(("Ni",))).double()
    data = Data(rattled_frames(3), ("Ni",), AEVSettings())
    blocks, positions, energy, forces = data.batch([0, 1, 2], dtype=torch.float64)
    fast_e, fast_f = energies_and_forces(model, blocks, positions)
    x = positions.clone().requires_grad_(True)
    slow_e = model(data.flat_batch([0, 1, 2], dtype=torch.float64), x)
    slow_f = -torch.autograd.grad(slow_e.sum(), x, create_graph=True)[0]
    np.testing.assert_allclose(fast_e.detach(), slow_e.detach(), rtol=1e-13)
    np.testing.assert_allclose(fast_f.detach(), slow_f.detach(), atol=1e-13)
    grads = [torch.autograd.grad(((f - forces) ** 2).sum() + ((e - energy) ** 2).sum(), list(model.parameters()))
             for e, f in ((fast_e, fast_f), (slow_e, slow_f))]
    for a, b in zip(*grads):
        # The fast path leaves out radial terms below 3e-13 of the largest (descriptors.BAND).
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * float(b.abs().max()))


def two_frame_losses(force_weight, form):
    """The loss of two frames from loss_terms, with the model's energies and forces by autograd (Hartree,
    Hartree/A) and the references, for hand computations."""
    torch.manual_seed(3)
    model = NNP(SMALL).double()
    frames = rattled_frames(2, seed=5)
    data = Data(frames, ("Ni",), AEVSettings())
    batch = data.batch([0, 1], dtype=torch.float64)
    loss, sums = loss_terms(model, *batch, force_weight=force_weight, form=form)
    x = batch[1].clone().requires_grad_(True)
    e = model(data.flat_batch([0, 1], dtype=torch.float64), x)
    f = -torch.autograd.grad(e.sum(), x)[0]
    e, f = e.detach().numpy(), f.detach().numpy().reshape(2, 32, 3)
    return float(loss.detach()), sums, e, f, frames.energy / HARTREE_TO_EV, frames.forces / HARTREE_TO_EV


def test_loss_matches_a_hand_computation_on_two_frames():
    loss, sums, e, f, e_ref, f_ref = two_frame_losses(0.1, "paper")
    by_hand = sum((e[k] - e_ref[k]) ** 2 / math.sqrt(32) + 0.1 * ((f[k] - f_ref[k]) ** 2).sum() / 32
                  for k in range(2)) / 2
    assert loss == pytest.approx(by_hand, rel=1e-12)
    assert sums["energy_abs_per_atom"] == pytest.approx(np.abs(e - e_ref).sum() / 32, rel=1e-12)


def test_balanced_loss_matches_a_hand_computation_on_two_frames():
    """Energy error per atom and force-component error on the same footing, alpha = 3."""
    loss, _, e, f, e_ref, f_ref = two_frame_losses(3.0, "balanced")
    by_hand = np.mean([((e[k] - e_ref[k]) / 32) ** 2 + 3.0 * np.mean((f[k] - f_ref[k]) ** 2) for k in range(2)])
    assert loss == pytest.approx(by_hand, rel=1e-12)
    assert two_frame_losses(3.0, "paper")[0] != pytest.approx(by_hand, rel=1e-3)


@pytest.mark.parametrize("schedule", ["cosine", "exponential"])
def test_decaying_schedule_warms_up_and_reaches_its_floor_at_the_last_epoch(tmp_path, schedule):
    settings = small_settings(epochs=6, schedule=schedule, warmup_epochs=1, learning_rate=2e-3,
                              min_learning_rate=1e-5)
    rates = [learning_rate(settings, step, 4) for step in range(24)]
    assert rates[:4] == pytest.approx([5e-4, 1e-3, 1.5e-3, 2e-3])
    assert all(a >= b for a, b in zip(rates[3:], rates[4:])) and rates[-1] == pytest.approx(1e-5)
    data = Data(rattled_frames(20), ("Ni",), AEVSettings())  # 16 training frames, batch 4: 4 steps an epoch
    trainer = Trainer(data, ("Ni",), settings, 3, tmp_path, model_settings=SMALL)
    trainer.run()
    lr = [row[7] for row in trainer.history]
    assert len(lr) == 6 and lr[-1] == pytest.approx(1e-5) and lr[0] == pytest.approx(rates[3])


def test_early_stopping_ends_on_the_validation_force_mae_and_keeps_the_best_weights(tmp_path):
    data = Data(rattled_frames(20), ("Ni",), AEVSettings())
    # Random labels: the validation force MAE stops improving early; a rate this high makes it worse.
    settings = small_settings(epochs=200, early_stop_patience=3, learning_rate=0.05, lr_patience=100)
    trainer = Trainer(data, ("Ni",), settings, 4, tmp_path, model_settings=SMALL)
    best = trainer.run()
    forces = [row[6] for row in trainer.history]
    best_force_epoch = int(np.argmin(forces)) + 1
    assert trainer.stopped_early and len(forces) == best_force_epoch + 3 < 200
    losses = [row[2] for row in trainer.history]
    kept = trainer.record(best)
    assert kept["best_epoch"] == int(np.argmin(losses)) + 1 and kept["stopped_early"]
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=False)["best"]["state"]
    assert all(torch.equal(best.state_dict()[k], state[k]) for k in state)
    trainer.model.load_state_dict(best.state_dict())
    assert trainer.evaluate(trainer.valid_idx)[0] == pytest.approx(min(losses), rel=1e-5)


def test_unknown_loss_or_schedule_names_the_setting():
    with pytest.raises(TrainingError, match=r"train\.loss: 'mse'"):
        TrainSettings(loss="mse")
    with pytest.raises(TrainingError, match=r"train\.schedule: 'step'"):
        TrainSettings(schedule="step")
    settings = TrainSettings.from_config({"epochs": 7, "loss": "balanced", "force_weight": 1.0, "sets": {}}, 2,
                                         "cpu", cache_gb=0.5)
    assert (settings.epochs, settings.loss, settings.force_weight, settings.threads, settings.cache_gb) == (
        7, "balanced", 1.0, 2, 0.5)


def test_self_energies_minimise_the_absolute_error():
    counts = np.array([[32]] * 5)
    energy = np.array([-1.0, -2.0, -3.0, -4.0, -100.0]) * 32
    assert fit_self_energies(counts, energy)[0] == pytest.approx(-3.0)  # the median, not the mean (-22)
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 40, (200, 2))
    energy = counts @ np.array([-4.5, -3.4])
    energy[:20] += 50.0  # outliers pull an L2 fit, not an L1 fit
    np.testing.assert_allclose(fit_self_energies(counts, energy), [-4.5, -3.4], atol=1e-5)


def small_settings(**changes):
    return TrainSettings(**{"epochs": 3, "batch_size": 4, "lr_patience": 2, **changes})


def test_same_seed_gives_the_same_weights_and_members_differ(tmp_path):
    data = Data(rattled_frames(20), ("Ni",), AEVSettings())
    runs = [Trainer(data, ("Ni",), small_settings(), seed, tmp_path / str(k), model_settings=SMALL).run()
            for k, seed in enumerate((11, 11, 12))]
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values()):
        assert torch.equal(a, b)
    assert not torch.equal(runs[0].networks[0].final_layer.weight, runs[2].networks[0].final_layer.weight)
    splits = [Trainer(data, ("Ni",), small_settings(), s, tmp_path / "x", model_settings=SMALL).train_idx
              for s in (11, 12)]
    assert len(splits[0]) == 16 and not np.array_equal(splits[0], splits[1])


def test_nan_label_is_refused_naming_the_file_and_frame(tmp_path):
    frames = rattled_frames(6)
    frames.forces[4, 7, 1] = np.nan
    with pytest.raises(dataset.DatasetError, match=r"train\.h5.*frame 4"):
        Data(frames, ("Ni",), AEVSettings(), source="train.h5")


def test_diverging_loss_stops_naming_epoch_and_batch_and_keeps_the_last_good_weights(tmp_path):
    data = Data(rattled_frames(20), ("Ni",), AEVSettings())
    trainer = Trainer(data, ("Ni",), small_settings(epochs=50, learning_rate=1e12, lr_patience=100), 5, tmp_path,
                      model_settings=SMALL)
    with pytest.raises(TrainingError, match=r"at epoch (\d+), batch (\d+)") as error:
        trainer.run()
    epoch = int(error.value.args[0].split("epoch ")[1].split(",")[0])
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert saved["epoch"] == epoch - 1
    assert all(torch.isfinite(v).all() for v in saved["model"].values())


def test_killed_training_resumes_to_the_same_weights(tmp_path):
    """SIGKILL after the second epoch's checkpoint; the resumed run ends with an uninterrupted run's weights."""
    script = tmp_path / "train.py"
    script.write_text(f"""
import sys, torch
sys.path.insert(0, {str(REPO)!r})
from tests.test_train import Data, Trainer, AEVSettings, SMALL, rattled_frames, small_settings
data = Data(rattled_frames(24), ("Ni",), AEVSettings())
model = Trainer(data, ("Ni",), small_settings(epochs=12), 9, sys.argv[1], model_settings=SMALL).run()
torch.save(model.state_dict(), sys.argv[2])
""")
    killed, straight = tmp_path / "killed", tmp_path / "straight"
    process = subprocess.Popen([sys.executable, str(script), str(killed), str(tmp_path / "k.pt")], cwd=REPO)
    import time

    deadline = time.monotonic() + 120
    while True:
        try:
            if torch.load(killed / "checkpoint.pt", weights_only=False)["epoch"] >= 2:
                break
        except (OSError, RuntimeError, EOFError, KeyError):
            pass
        assert process.poll() is None and time.monotonic() < deadline, "training ended before it was killed"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "k.pt").exists()
    for workdir, out in ((killed, "k.pt"), (straight, "s.pt")):
        subprocess.run([sys.executable, str(script), str(workdir), str(tmp_path / out)], cwd=REPO, check=True)
    a, b = torch.load(tmp_path / "k.pt"), torch.load(tmp_path / "s.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_ensemble_calculator_gives_stress_by_finite_differences_and_atomic_spread(tmp_path):
    torch.manual_seed(7)
    members = [NNP(SMALL) for _ in range(3)]
    path = tmp_path / "ensemble.pt"
    torch.save({"members": [m.checkpoint() for m in members]}, path)
    calc = NNPCalculator.from_file(path)
    assert len(Ensemble.load(path).members) == 3
    atoms = crystal("Ni", "fcc", 2)
    atoms.rattle(0.1, seed=8)
    atoms.calc = calc
    stress = atoms.get_stress(voigt=False)
    energies = atoms.get_potential_energies()
    spread = calc.get_property("energies_std", atoms)
    assert energies.sum() == pytest.approx(atoms.get_potential_energy(), rel=1e-12)
    assert spread.shape == (32,) and (spread > 0).all()
    h = 1e-5
    for i, j in ((0, 0), (1, 2), (2, 2)):
        values = []
        for sign in (1, -1):
            strained = atoms.copy()
            deform = np.eye(3)
            deform[i, j] += sign * h
            strained.set_cell(atoms.cell @ deform, scale_atoms=True)
            strained.calc = calc
            values.append(strained.get_potential_energy())
        numeric = (values[0] - values[1]) / (2 * h) / atoms.get_volume()
        assert stress[i, j] == pytest.approx(numeric, abs=1e-7)


def test_a_step_budget_sets_the_epochs_from_the_set_size(tmp_path):
    from nnpdistill.nnp.train import epochs_for

    settings = small_settings(steps=40, schedule="cosine", min_learning_rate=1e-5)
    assert epochs_for(settings, 16) == 10 and epochs_for(settings, 160) == 1 and epochs_for(settings, 17) == 8
    data = Data(rattled_frames(20), ("Ni",), AEVSettings())  # 16 training frames, batch 4
    trainer = Trainer(data, ("Ni",), settings, 3, tmp_path, model_settings=SMALL)
    trainer.run()
    assert len(trainer.history) == 10 and trainer.history[-1][7] == pytest.approx(1e-5)


def test_ensemble_file_answers_members_best_and_self_energies_and_names_a_file_that_is_no_model(tmp_path):
    torch.manual_seed(3)
    records = []
    for k, mae in enumerate((40.0, 25.0, 31.0)):
        records.append({**NNP(SMALL).checkpoint(), "member": k, "metrics": {"valid_force_mae_meV_A": mae}})
    torch.save({"training_set": "ni32_x", "members": records}, tmp_path / "ensemble.pt")
    torch.save(records[2], tmp_path / "model.pt")
    ensemble = Ensemble.load(tmp_path / "ensemble.pt")
    assert ensemble.training_set == "ni32_x" and ensemble.symbols == SMALL.symbols
    assert ensemble.best.number == 1 and ensemble.aev == SMALL.aev
    assert ensemble.self_energies().shape == (3, len(SMALL.symbols))
    single = Ensemble.load(tmp_path / "model.pt")
    assert [m.number for m in single.members] == [2]
    assert torch.equal(single.members[0].model().self_energies, ensemble.members[2].model().self_energies)
    torch.save({"weights": [1, 2]}, tmp_path / "other.pt")
    (tmp_path / "text.pt").write_text("not a checkpoint")
    for name in ("other.pt", "text.pt", "absent.pt"):
        with pytest.raises(ModelFileError, match=str(tmp_path / name)):
            Ensemble.load(tmp_path / name)


def test_checkpoint_seconds_spaces_the_checkpoints_without_changing_the_result(tmp_path, monkeypatch):
    """A small set's epoch is a few steps: checkpoints train.checkpoint_seconds apart (and after the last epoch)
    instead of after each, and the same weights come out."""
    data = Data(rattled_frames(20), ("Ni",), AEVSettings())
    saves, weights = {}, {}
    original = Trainer.save

    def counting(self):
        saves[self.s.checkpoint_seconds] = saves.get(self.s.checkpoint_seconds, 0) + 1
        original(self)

    monkeypatch.setattr(Trainer, "save", counting)
    for seconds in (0.0, 3600.0):
        workdir = tmp_path / str(seconds)
        trainer = Trainer(data, ("Ni",), small_settings(epochs=6, checkpoint_seconds=seconds), 3, workdir,
                          model_settings=SMALL)
        weights[seconds] = trainer.run().state_dict()
        assert torch.load(workdir / "checkpoint.pt", weights_only=False)["epoch"] == 6
    assert saves == {0.0: 7, 3600.0: 2}  # epoch 0 and every epoch, or epoch 0 and the last
    assert all(torch.equal(weights[0.0][k], weights[3600.0][k]) for k in weights[0.0])
