"""Atomic uncertainty of an ensemble (Supplementary Note 4): the spread of each atom's energy across members.

The atomic UQ of an atom is the standard deviation (eV, over the members) of its energy. The threshold is
mu + k sigma of the atomic UQ over a reference population of atoms (k = 4 in the paper; which population the
paper used is not said, so it is the caller's choice: the candidates being scored, or the current training
set). A frame is uncertain when any of its atoms lies above the threshold.

Whether an uncertainty is worth thresholding at all is measured by `calibration`: the rank correlation between
a frame's uncertainty and its true error, which the oracle's labels of the sampled frames give for free.
"""

import numpy as np
import torch

from ..nnp.descriptors import aev_with_derivatives
from ..nnp.nnp_data import predict
from ..units import HARTREE_TO_EV


@torch.no_grad()
def atomic_energies(models, data, frames=None, batch_size=64):
    """Per-atom energies (eV) of frames of nnpdistill.nnp.nnp_data.Data for each model: (members, frames, atoms)."""
    frames = np.arange(data.n_frames) if frames is None else np.asarray(frames)
    out = np.empty((len(models), len(frames), int(data.n_atoms.max())))
    for start in range(0, len(frames), batch_size):
        chunk = frames[start:start + batch_size]
        blocks, positions, _, _ = data.batch(chunk)
        aev, _ = aev_with_derivatives(models[0].aev, blocks, positions)
        for m, model in enumerate(models):
            energies = model.atomic_energies_from_aev(blocks, aev).double().numpy() * HARTREE_TO_EV
            out[m, start:start + len(chunk)] = energies.reshape(len(chunk), -1)
    return out


def atomic_uncertainty(energies, center=False):
    """Standard deviation over members (axis 0) of per-atom energies: (frames, atoms), eV. Atomic energies are
    not observables: a member may carry a constant offset per atom that its total energies never see through the
    fit, yet that inflates the spread everywhere. center removes each member's mean deviation from the ensemble
    mean over the atoms given before the spread is taken."""
    energies = np.asarray(energies, dtype=float)
    if center:
        energies = energies - (energies - energies.mean(axis=0)).mean(axis=(1, 2), keepdims=True)
    return energies.std(axis=0)


def atomic_force_uncertainty(forces):
    """Committee force spread of each atom, sqrt(mean over members of |F - mean F|^2) (eV/A): (frames, atoms),
    zero-padded to the largest frame. forces: [members][frames] arrays of (atoms, 3), as member_predictions."""
    per_frame = [np.sqrt(((np.stack(f) - np.mean(f, axis=0)) ** 2).sum(axis=-1).mean(axis=0)) for f in zip(*forces)]
    out = np.zeros((len(per_frame), max((len(f) for f in per_frame), default=0)))
    for row, values in zip(out, per_frame):
        row[:len(values)] = values
    return out


def threshold(reference_uq, k=4.0):
    """mu + k sigma of a population of atomic UQ values (any shape), with mu and sigma."""
    values = np.asarray(reference_uq, dtype=float).ravel()
    mu, sigma = float(values.mean()), float(values.std())
    return mu + k * sigma, mu, sigma


def uncertain_frames(uq, limit):
    """Indices of the frames (rows of uq) with any atom above limit."""
    return np.flatnonzero(np.asarray(uq).max(axis=1) > limit)


def member_predictions(models, data, frames):
    """Energies (members, frames; eV) and forces ([members][frames] arrays of (atoms, 3); eV/A) of each member."""
    energies, forces = zip(*(predict(model, data, frames) for model in models))
    return np.asarray(energies), forces


def force_uncertainty(forces):
    """Committee force spread of each frame (eV/A), DP-GEN's max force deviation: the largest atom's of
    atomic_force_uncertainty."""
    return atomic_force_uncertainty(forces).max(axis=1)


def rank_correlation(a, b):
    """Spearman's rank correlation of two samples (ties share their mean rank); nan when fewer than 3 values or
    either sample is constant."""
    from scipy.stats import spearmanr

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def calibration(models, data, frames, energy_uq, others=None):
    """How well the uncertainties rank the true errors on frames of nnpdistill.nnp.nnp_data.Data (labelled by
    the oracle that sampled them): Spearman correlations of each frame's atomic-energy UQ (energy_uq, its
    largest atom's, eV) and of its committee force spread with the ensemble mean's energy error per atom and
    force MAE, and the means of those errors (meV/atom, meV/A). others: more per-frame uncertainties by name
    (e.g. maxvol), each rank-correlated with both errors as rho_<name>_force_error and rho_<name>_energy_error."""
    frames = np.asarray(frames)
    energies, forces = member_predictions(models, data, frames)
    energy_error = np.abs(energies.mean(axis=0) - data.energy[frames] * HARTREE_TO_EV) / data.n_atoms[frames]
    force_error = np.array([np.abs(np.mean(per_frame, axis=0) - reference * HARTREE_TO_EV).mean()
                            for per_frame, reference in zip(zip(*forces), data.forces[frames])])
    force_uq = force_uncertainty(forces)
    extra = {}
    for name, values in (others or {}).items():
        extra[f"rho_{name}_force_error"] = rank_correlation(values, force_error)
        extra[f"rho_{name}_energy_error"] = rank_correlation(values, energy_error)
    return {**extra, "frames_scored": len(frames),
            "rho_energy_uq_force_error": rank_correlation(energy_uq, force_error),
            "rho_energy_uq_energy_error": rank_correlation(energy_uq, energy_error),
            "rho_force_uq_force_error": rank_correlation(force_uq, force_error),
            "rho_force_uq_energy_error": rank_correlation(force_uq, energy_error),
            "energy_error_meV_atom": 1000.0 * float(energy_error.mean()),
            "force_error_meV_A": 1000.0 * float(force_error.mean())}
