"""Atomic uncertainty of an ensemble (Supplementary Note 4): the spread of each atom's energy across members.

The atomic UQ of an atom is the standard deviation (eV, over the members) of its energy. The threshold is
mu + k sigma of the atomic UQ over a reference population of atoms (k = 4 in the paper; which population the
paper used is not said, so it is the caller's choice: the candidates being scored, or the current training
set). A frame is uncertain when any of its atoms lies above the threshold.
"""

import numpy as np
import torch

from ..nnp.descriptors import aev_with_derivatives
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


def atomic_uncertainty(energies):
    """Standard deviation over members (axis 0) of per-atom energies: (frames, atoms), eV."""
    return np.asarray(energies).std(axis=0)


def threshold(reference_uq, k=4.0):
    """mu + k sigma of a population of atomic UQ values (any shape), with mu and sigma."""
    values = np.asarray(reference_uq, dtype=float).ravel()
    mu, sigma = float(values.mean()), float(values.std())
    return mu + k * sigma, mu, sigma


def uncertain_frames(uq, limit):
    """Indices of the frames (rows of uq) with any atom above limit."""
    return np.flatnonzero(np.asarray(uq).max(axis=1) > limit)
