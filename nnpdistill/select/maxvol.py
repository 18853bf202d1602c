"""D-optimality extrapolation grades (MaxVol) on a network's last hidden layer: an uncertainty of one model.

An atom's energy is linear in its last hidden layer's activations (and 1, the final bias). The training atoms'
rows of that feature matrix span what the fit has seen; MaxVol picks the m rows (m features) whose square
submatrix has the largest |det|, the active set. An atom's extrapolation grade is then max_j |(x A^-1)_j|, the
largest coefficient of its row written in the active rows: at most 1 for every training atom, above 1 for an
atom outside the polytope the active set spans (Podryabinkin and Shapeev's MTP active learning). A frame's grade
is its largest atom's. No ensemble is needed, so a round can train one member.
"""

import numpy as np
import scipy.linalg
import torch

from ..nnp.descriptors import aev_with_derivatives


@torch.no_grad()
def hidden_features(model, data, frames, batch_size=64):
    """(atoms of the frames, last hidden width + 1) float64: each atom's last hidden layer activations and a 1,
    frame by frame in the order of frames, and the species index of each row. Rows of frames are consecutive."""
    rows, species = [], []
    for start in range(0, len(frames), batch_size):
        chunk = np.asarray(frames[start:start + batch_size])
        blocks, positions, _, _ = data.batch(chunk)
        aev, _ = aev_with_derivatives(model.aev, blocks, positions)
        rows.append(model.last_hidden_from_aev(blocks, aev).double().numpy())
        species.append(blocks.species.numpy())
    features = np.concatenate(rows)
    return np.hstack([features, np.ones((len(features), 1))]), np.concatenate(species)


def maxvol(matrix, tolerance=1.01, max_swaps=None):
    """Indices of rows of matrix (n, m; n >= m) whose square submatrix has a locally maximal |det|: no row of
    matrix has a coefficient above tolerance in those rows. Start from QR with column pivoting of matrix.T (a
    well-conditioned set), then swap in the row with the largest coefficient while it exceeds tolerance."""
    matrix = np.asarray(matrix, dtype=float)
    n, m = matrix.shape
    if n < m:
        raise ValueError(f"maxvol needs at least as many rows as columns, got {n} rows of {m}")
    _, r, pivots = scipy.linalg.qr(matrix.T, mode="economic", pivoting=True)
    if abs(r[-1, -1]) < 1e-12 * abs(r[0, 0]):
        raise ValueError("maxvol: the feature rows are rank deficient (dead or duplicate neurons); "
                         "their span cannot be bounded")
    rows = pivots[:m].copy()
    coefficients = np.linalg.solve(matrix[rows].T, matrix.T).T  # (n, m): each row in the active rows
    for _ in range(max_swaps or 10 * m):
        i, j = np.unravel_index(np.argmax(np.abs(coefficients)), coefficients.shape)
        if abs(coefficients[i, j]) <= tolerance:
            break
        # Replacing active row j by row i multiplies |det| by |c_ij|; the coefficients follow by a rank-1 update.
        column = coefficients[:, j].copy()
        row = coefficients[i].copy()
        row[j] -= 1.0
        coefficients -= np.outer(column / coefficients[i, j], row)
        rows[j] = i
    return np.sort(rows)


class ActiveSet:
    """The active rows of the training atoms' features, one set per species; grades(features, species) gives
    each atom's extrapolation grade against its species' set."""

    def __init__(self, features, species, tolerance=1.01):
        self.inverse = {}
        for e in np.unique(species):
            rows = features[species == e]
            self.inverse[int(e)] = np.linalg.inv(rows[maxvol(rows, tolerance)])

    def grades(self, features, species):
        out = np.full(len(features), np.inf)  # an element the training set lacks is outside everything
        for e, inverse in self.inverse.items():
            where = species == e
            out[where] = np.abs(features[where] @ inverse).max(axis=1)
        return out


def grades_by_frame(model, data, training, frames, tolerance=1.01):
    """(frames, atoms) extrapolation grades of the atoms of frames against the active set of the training frames
    (both indices into nnpdistill.nnp.nnp_data.Data), zero-padded to the largest frame."""
    active = ActiveSet(*hidden_features(model, data, training), tolerance)
    grades = active.grades(*hidden_features(model, data, frames))
    sizes = data.n_atoms[np.asarray(frames)]
    out = np.zeros((len(sizes), int(sizes.max()) if len(sizes) else 0))
    for row, (lo, hi) in zip(out, zip(np.cumsum(sizes) - sizes, np.cumsum(sizes))):
        row[:hi - lo] = grades[lo:hi]
    return out
