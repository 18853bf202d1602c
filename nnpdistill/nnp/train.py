"""Training of one ensemble member (Supplementary Note 2, eq. 3): loss, split, self-energies, checkpoints.

Losses, energies in Hartree and forces in Hartree/Angstrom (TorchANI's units; the ratio of the two terms is the
same in eV):
- "paper" (eq. 3): mean over frames of (E_NNP - E_ref)^2 / sqrt(N) + alpha * mean over frames of |dF|^2 / N,
  |dF|^2 summed over the frame's atoms and components. Per atom this is N^1.5 (de)^2 + 3 alpha <dF_c^2>: the
  energy term grows with the cell (N = 108: about 19x the force term at 5 meV/atom and 70 meV/A, alpha 0.1).
- "balanced": mean over frames of (dE / N)^2 + alpha * mean over frames of <dF_c^2>, <.> the mean over the
  frame's force components: the energy error per atom and a force component's error on the same footing, so
  alpha = 1 weighs 1 meV/atom like 1 meV/A whatever the cell size.
Errors are reported as MAEs in meV/atom (energy per atom) and meV/Angstrom (force components).
Budget: settings.epochs, or settings.steps optimizer steps (epochs from the training-split size), which gives sets
of every size the same number of updates (the benchmark's learning curves).
Learning rate: "plateau" halves it when the validation loss stalls (ReduceLROnPlateau); "cosine" and
"exponential" set it every optimizer step from the start value to min_learning_rate, reached at the last step of
the last epoch, after optional linear warm-up epochs. Early stopping ends training once the validation force MAE
has not improved for early_stop_patience epochs; the weights kept are the best-validation-loss ones either way.
Self-energies: per element, the values that minimise the mean absolute error (L1 norm, as Table S4's caption
says) of E_ref - sum over atoms of E_self on the member's training split: for one element, the median of E/N.
Reproducibility: the split, the initial weights and the batch order come from the member's seed; on the CPU the
same seed, data and thread count give the same weights, bit for bit. On a GPU, index_add's atomic adds make the
last bits vary between runs.
"""

import csv
import io
import logging
import math
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch

from ..atomic import replacing
from .descriptors import energies_and_forces
from .model import NNP, ModelSettings
from ..units import HARTREE_TO_EV

log = logging.getLogger(__name__)

HISTORY_COLUMNS = ("epoch", "train_loss", "valid_loss", "train_energy_mae_meV_atom", "train_force_mae_meV_A",
                   "valid_energy_mae_meV_atom", "valid_force_mae_meV_A", "learning_rate", "seconds")


class TrainingError(RuntimeError):
    """Training diverged or its inputs are unusable."""


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 300
    steps: int = 0  # optimizer steps to train for; when > 0 it sets the epochs from the training-split size
    batch_size: int = 64
    validation_fraction: float = 0.2
    loss: str = "paper"  # "paper" (eq. 3) or "balanced"
    force_weight: float = 0.1  # alpha of either loss
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    schedule: str = "plateau"  # "plateau", "cosine" or "exponential"
    warmup_epochs: int = 0  # cosine and exponential: linear warm-up from 0
    lr_factor: float = 0.5  # plateau: factor when the validation loss stalls
    lr_patience: int = 10
    min_learning_rate: float = 1e-6  # the floor of every schedule
    early_stop_patience: int = 0  # epochs without a better validation force MAE before stopping; 0: never
    threads: int = 1
    device: str = "cpu"
    cache_gb: float = 4.0  # memory for AEVs and their derivatives kept between epochs (0: recompute per batch)
    # Seconds between checkpoints (0: every epoch). A small set's epoch is a few steps, and a checkpoint after each
    # made its 9,000-step training several times slower than the steps themselves.
    checkpoint_seconds: float = 0.0

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise TrainingError(f"train.loss: '{self.loss}' is none of {LOSSES}")
        if self.schedule not in SCHEDULES:
            raise TrainingError(f"train.schedule: '{self.schedule}' is none of {SCHEDULES}")

    @classmethod
    def from_config(cls, train, threads=1, device="cpu", **changes):
        """The settings of a config's train section (defaults filled by the schema); device 'auto' picks CUDA
        when torch sees it. changes override single settings (epochs, say)."""
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        names = {f.name for f in fields(cls)} - {"threads", "device"}
        return cls(**{**{k: train[k] for k in names if k in train}, **changes}, threads=threads, device=device)


LOSSES = ("paper", "balanced")
SCHEDULES = ("plateau", "cosine", "exponential")


def epochs_for(settings, n_train):
    """The epochs a member trains: settings.epochs, or when settings.steps > 0 the epochs that make about that
    many optimizer steps over n_train training frames (at least 1), so every set size gets as many updates."""
    if settings.steps <= 0:
        return settings.epochs
    return max(1, round(settings.steps / math.ceil(n_train / settings.batch_size)))


def learning_rate(settings, step, steps_per_epoch, epochs=None):
    """The learning rate of optimizer step `step` (0-based, over all epochs) of a cosine or exponential schedule
    over `epochs` (default settings.epochs)."""
    total = (epochs or settings.epochs) * steps_per_epoch
    warmup = settings.warmup_epochs * steps_per_epoch
    top, floor = settings.learning_rate, min(settings.min_learning_rate, settings.learning_rate)
    if step < warmup:
        return top * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(total - warmup - 1, 1))
    if settings.schedule == "cosine":
        return floor + (top - floor) * 0.5 * (1.0 + math.cos(math.pi * t))
    if floor <= 0.0:
        raise TrainingError("train.min_learning_rate must be above 0 for the exponential schedule")
    return top * (floor / top) ** t


def fit_self_energies(counts, energy, iterations=200):
    """Per-element self-energies minimising sum |E - counts @ e| (L1). counts (frames, elements)."""
    counts = np.asarray(counts, dtype=float)
    energy = np.asarray(energy, dtype=float)
    used = counts.sum(axis=0) > 0
    result = np.zeros(counts.shape[1])
    if used.sum() == 1:
        e = int(np.flatnonzero(used)[0])
        result[e] = np.median(energy / counts[:, e])
        return result
    # Iteratively reweighted least squares for the L1 fit, started from the L2 fit.
    x = np.linalg.lstsq(counts[:, used], energy, rcond=None)[0]
    for _ in range(iterations):
        weight = 1.0 / np.maximum(np.abs(energy - counts[:, used] @ x), 1e-8)
        sw = np.sqrt(weight)
        x = np.linalg.lstsq(counts[:, used] * sw[:, None], energy * sw, rcond=None)[0]
    result[used] = x
    return result


def split(n_frames, validation_fraction, seed):
    """Shuffled (train, validation) frame indices, 80/20 by default, from seed."""
    order = np.random.default_rng(seed).permutation(n_frames)
    n_valid = max(1, int(round(validation_fraction * n_frames)))
    if n_valid >= n_frames:
        raise TrainingError(f"{n_frames} frames are too few to split off a validation set")
    return np.sort(order[n_valid:]), np.sort(order[:n_valid])


def loss_value(d_energy, per_frame_force, n_atoms, force_weight, form="paper"):
    """The loss of a batch from its energy errors dE (frames,), the sums of squared force errors over each
    frame's components (frames,) and the atom counts (frames,); see the module's docstring."""
    if form == "paper":
        return (d_energy**2 / n_atoms.sqrt()).mean() + force_weight * (per_frame_force / n_atoms).mean()
    if form == "balanced":
        return ((d_energy / n_atoms) ** 2).mean() + force_weight * (per_frame_force / (3.0 * n_atoms)).mean()
    raise TrainingError(f"train.loss: '{form}' is none of {LOSSES}")


def loss_terms(model, batch, positions, energy, forces, force_weight, create_graph=True, form="paper"):
    """The loss of one batch, with the pieces of the MAEs: returns (loss, sums) where sums holds the frame count,
    sum over frames of |dE|/N (Hartree), sum of |dF| over components (Hartree/A) and the component count."""
    predicted, predicted_forces = energies_and_forces(model, batch, positions, create_graph=create_graph)
    n = batch.n_atoms.to(predicted.dtype)
    d_energy = predicted - energy
    d_forces = predicted_forces - forces
    per_frame_force = torch.zeros_like(predicted).index_add(0, batch.frame_of_atom, (d_forces**2).sum(dim=1))
    loss = loss_value(d_energy, per_frame_force, n, force_weight, form)
    sums = {
        "frames": len(n),
        "energy_abs_per_atom": float((d_energy.detach().abs() / n).sum()),
        "force_abs": float(d_forces.detach().abs().sum()),
        "force_components": d_forces.numel(),
    }
    return loss, sums


def _maes(sums):
    energy = sums["energy_abs_per_atom"] / max(sums["frames"], 1) * HARTREE_TO_EV * 1000.0
    force = sums["force_abs"] / max(sums["force_components"], 1) * HARTREE_TO_EV * 1000.0
    return energy, force


def _add(total, sums):
    for key, value in sums.items():
        total[key] = total.get(key, 0) + value
    return total


class Trainer:
    """Train one member on Data; checkpoint (atomic) after an epoch (settings.checkpoint_seconds apart at most
    once, and after the last) in workdir, resume from it.

    symbols: the model's elements. seed: the member's seed (split, weights, batch order).
    """

    def __init__(self, data, symbols, settings, seed, workdir, model_settings=None, init_state=None):
        self.data = data
        self.s = settings
        self.seed = int(seed)
        self.workdir = Path(workdir)
        self.train_idx, self.valid_idx = split(data.n_frames, settings.validation_fraction, self.seed)
        torch.manual_seed(self.seed)
        self.model = NNP(model_settings or ModelSettings(tuple(symbols)))
        self.warm = init_state is not None
        if self.warm:  # warm start: weights and self-energies of an earlier model (a previous round's member)
            self.model.load_state_dict(init_state)
        else:
            self_energies = fit_self_energies(data.counts[self.train_idx], data.energy[self.train_idx])
            self.model.self_energies.copy_(torch.from_numpy(self_energies))
        self.device = torch.device(settings.device)
        self.model.to(self.device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=settings.learning_rate,
                                           weight_decay=settings.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.optimizer, factor=settings.lr_factor, patience=settings.lr_patience,
            min_lr=settings.min_learning_rate) if settings.schedule == "plateau" else None
        self.steps_per_epoch = math.ceil(len(self.train_idx) / settings.batch_size)
        self.epochs = epochs_for(settings, len(self.train_idx))
        if settings.schedule != "plateau" and settings.warmup_epochs >= self.epochs:
            raise TrainingError(f"train.warmup_epochs ({settings.warmup_epochs}) must be below the {self.epochs} "
                                "epochs this member trains")
        self.epoch = 0
        self.history = []
        self.best = {"valid_loss": math.inf, "epoch": 0, "state": None}
        self.best_force = {"mae": math.inf, "epoch": 0}  # early stopping's reference
        self.stopped_early = False

    @property
    def checkpoint_file(self):
        return self.workdir / "checkpoint.pt"

    def _identity(self):
        # memory and checkpoint frequency only: same results
        settings = {k: v for k, v in asdict(self.s).items() if k not in ("cache_gb", "checkpoint_seconds")}
        return {"settings": settings, "seed": self.seed, "frames": self.data.n_frames,
                "model": self.model.settings.to_dict(), "warm": self.warm}

    def save(self):
        record = {"identity": self._identity(), "epoch": self.epoch, "model": self.model.state_dict(),
                  "optimizer": self.optimizer.state_dict(),
                  "scheduler": self.scheduler.state_dict() if self.scheduler else None,
                  "history": self.history, "best": self.best, "best_force": self.best_force,
                  "stopped_early": self.stopped_early}
        self.workdir.mkdir(parents=True, exist_ok=True)
        with replacing(self.checkpoint_file) as tmp:
            torch.save(record, tmp)
        self.saved_epoch, self.saved_at = self.epoch, time.monotonic()

    def resume(self):
        """Load the checkpoint if it exists and belongs to this run; returns the epoch reached."""
        if not self.checkpoint_file.exists():
            return 0
        record = torch.load(self.checkpoint_file, weights_only=False, map_location=self.device)
        if record["identity"] != self._identity():
            log.warning("%s belongs to another training run; starting over", self.checkpoint_file)
            return 0
        self.model.load_state_dict(record["model"])
        self.optimizer.load_state_dict(record["optimizer"])
        if self.scheduler:
            self.scheduler.load_state_dict(record["scheduler"])
        self.epoch, self.history, self.best = record["epoch"], record["history"], record["best"]
        self.best_force, self.stopped_early = record["best_force"], record["stopped_early"]
        log.info("resumed from epoch %d", self.epoch)
        return self.epoch

    def _batches(self, frames, shuffle_seed=None):
        frames = np.array(frames)
        if shuffle_seed is not None:
            frames = np.random.default_rng(shuffle_seed).permutation(frames)
        for start in range(0, len(frames), self.s.batch_size):
            yield frames[start:start + self.s.batch_size]

    def evaluate(self, frames):
        """(mean loss over frames, energy MAE meV/atom, force MAE meV/A) with the current weights."""
        total, loss_sum = {}, 0.0
        for chunk in self._batches(frames):
            loss, sums = loss_terms(self.model, *self.data.batch(chunk, device=self.device), self.s.force_weight,
                                    create_graph=False, form=self.s.loss)
            loss_sum += float(loss.detach()) * len(chunk)
            _add(total, sums)
        return (loss_sum / len(frames), *_maes(total))

    def train_epoch(self):
        self.model.train()
        total, loss_sum = {}, 0.0
        epoch = self.epoch + 1
        for number, chunk in enumerate(self._batches(self.train_idx, shuffle_seed=self.seed * 100003 + epoch)):
            if self.scheduler is None:
                rate = learning_rate(self.s, self.epoch * self.steps_per_epoch + number, self.steps_per_epoch,
                                     self.epochs)
                for group in self.optimizer.param_groups:
                    group["lr"] = rate
            loss, sums = loss_terms(self.model, *self.data.batch(chunk, device=self.device), self.s.force_weight,
                                    form=self.s.loss)
            if not torch.isfinite(loss):
                raise TrainingError(f"loss is {float(loss.detach())} at epoch {epoch}, batch {number}; the last "
                                    f"good weights are in {self.checkpoint_file} (epoch {self.saved_epoch})")
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            loss_sum += float(loss.detach()) * len(chunk)
            _add(total, sums)
        return (loss_sum / len(self.train_idx), *_maes(total))

    def run(self, progress=None):
        """Train self.epochs epochs (resuming if a checkpoint exists); returns the best-validation model (CPU)."""
        torch.set_num_threads(self.s.threads)
        estimate, built = self.data.cache_descriptors(self.model.aev, self.s.cache_gb * 1e9, self.device, progress)
        log.info("descriptor cache: %.2f GB %s", estimate / 1e9,
                 "kept between epochs" if built else f"is over train.cache_gb = {self.s.cache_gb}; computed per batch")
        self.saved_epoch, self.saved_at = self.resume(), time.monotonic()
        if self.saved_epoch == 0:
            self.save()  # epoch 0: the initial weights are the last good ones until an epoch completes
        while self.epoch < self.epochs and not self.stopped_early:
            start = time.perf_counter()
            train_loss, train_e, train_f = self.train_epoch()
            rate = self.optimizer.param_groups[0]["lr"]  # the rate of the epoch's last step
            valid_loss, valid_e, valid_f = self.evaluate(self.valid_idx)
            self.epoch += 1
            if self.scheduler:
                self.scheduler.step(valid_loss)
            row = [self.epoch, train_loss, valid_loss, train_e, train_f, valid_e, valid_f, rate,
                   time.perf_counter() - start]
            self.history.append(row)
            if valid_loss < self.best["valid_loss"]:
                self.best = {"valid_loss": valid_loss, "epoch": self.epoch,
                             "state": {k: v.clone() for k, v in self.model.state_dict().items()}}
            if valid_f < self.best_force["mae"]:
                self.best_force = {"mae": valid_f, "epoch": self.epoch}
            patience = self.s.early_stop_patience
            if patience and self.epoch - self.best_force["epoch"] >= patience:
                self.stopped_early = True
                log.info("early stop at epoch %d: no better validation force MAE than %.2f meV/A (epoch %d) for "
                         "%d epochs", self.epoch, self.best_force["mae"], self.best_force["epoch"], patience)
            done = self.epoch >= self.epochs or self.stopped_early
            if done or time.monotonic() - self.saved_at >= self.s.checkpoint_seconds:
                self.save()
            message = (f"epoch {self.epoch}: loss {train_loss:.3e} / {valid_loss:.3e}, energy MAE {train_e:.2f} / "
                       f"{valid_e:.2f} meV/atom, force MAE {train_f:.1f} / {valid_f:.1f} meV/A, {row[-1]:.1f} s")
            log.info(message)
            if progress is not None:
                print(message, file=progress, flush=True)
        best = NNP(self.model.settings)
        best.load_state_dict(self.best["state"] if self.best["state"] is not None else self.model.state_dict())
        return best.cpu()

    def record(self, best):
        """What a member's model.pt holds: the best-validation model, its split, seed and history."""
        columns = {name: i for i, name in enumerate(HISTORY_COLUMNS)}
        row = self.history[self.best["epoch"] - 1] if self.best["epoch"] else None
        metrics = {name: row[i] for name, i in columns.items()} if row else {}
        return {**best.checkpoint(), "seed": self.seed, "best_epoch": self.best["epoch"], "metrics": metrics,
                "epochs_run": self.epoch, "stopped_early": self.stopped_early,
                "train_frames": self.train_idx.tolist(), "valid_frames": self.valid_idx.tolist(),
                "settings_train": asdict(self.s)}

    def history_csv(self):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HISTORY_COLUMNS)
        writer.writerows(self.history)
        return out.getvalue()
