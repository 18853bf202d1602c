"""Structure-factor order parameter O of the paper's eq. 2, with its analytic gradient.

O = 1/(N_g N_A) * sum_g |sum_i exp(i g.r_i)|^2 over the shortest reciprocal vectors g of an n x n x n FCC
supercell. O equals N_A for a perfect FCC crystal and is about 1 for uncorrelated positions.

The shell variant (kind="shell") sums over every reciprocal vector of the box as long as the FCC {111} ones,
2 pi h / edge with |h|^2 = 3 n^2 (for n = 3 the (3,3,3) and the (5,1,1) families: 16 +- pairs), with the same
normalisation 1/(4 N_A). Any FCC orientation commensurate with the box puts its four {111} Bragg peaks on that
shell, so O = N_A for the starting crystal and for a twin of it alike; uncorrelated positions give
(pairs in the shell) / 4, i.e. 4 for n = 3 (1 where the shell holds only the {111} vectors: n = 1, 2, 4).

The phases are taken from fractional coordinates, g.r = 2*pi*n*(h.s) with h in {+-1}^3 and s = r @ cell^-1,
so O follows a cell that is rescaled (or sheared) with the atoms and, at fixed fractional coordinates, does not
depend on the box. Only 4 of the 8 vectors are summed: g and -g give the same |S|^2, so the mean is unchanged.
The peak variant (kind="peak") takes a smooth maximum over the same shell instead of the sum:
O = (1/b) ln sum_g exp(b |S(g)|^2 / N_A), b = PEAK_SHARPNESS. Its value follows the brightest Bragg spot, so a
crystal keeps O near N_A when only one family of its close-packed planes lies on the shell (a crystal turned
about that plane normal or faulted across it, which the shell sum reads as N_A / 4); a perfect crystal gives
N_A + ln(4)/b, uncorrelated atoms about the largest of (pairs in the shell) exponential variables of mean 1
(about 4.5 for n = 3, 2.7 for n = 2 and 4).
The first_shell variant (kind="first_shell") takes the same smooth maximum over every box vector within 0.85-1.15
of the {111} length (first_shell_vectors: 265 pairs for n = 3, 79 for n = 2), the set `crystallinity` maximises
over, so it is that classifier made smooth: a crystal in any orientation the box admits reads about N_A (N_A +
ln 4 when perfect; FCC {200} spots lie at 1.155, outside), a strained one too, and the bias cannot push the
walker into a crystal it does not see. Uncorrelated atoms read about 7.7 (n = 3; 6.3 for n = 2); Ni 108 at
2,000 K: liquid 10-40 (median 15), crystal 70-90.
The orientations variant (kind="orientations") is eq. 2 taken for every FCC orientation that fits the box, with
a smooth maximum over them: O = (1/b) ln sum_f exp(b O_f), O_f = 1/(4 N_A) sum of |S(g)|^2 over orientation f's
four {111} vectors (orientation_families: the quadruples of shell vectors at |cos| = 1/3 to each other, i.e. the
body diagonals of a cube). For n = 3 these are the start and its four Sigma-3 twins (each shares one {111}
vector with the start), so a perfect crystal in any of them reads N_A (the others add e^(-3 b N_A / 4)), as
the start does with eq. 2, while a crystal whose Bragg spots are spread over several orientations or off the
shell (a twin boundary, a strained or defective grain) reads less. Where the start is the only orientation (n = 1, 2, 4) it is
eq. 2 itself. Uncorrelated atoms read about 2.7 for n = 3.

Positions are in Angstrom; the gradient is in 1/Angstrom.
"""

from functools import lru_cache
from itertools import combinations

import numpy as np

# One of each +-h pair of the FCC {111} reciprocal vectors, in units of 2*pi*n / cell edge.
FCC_111 = np.array([[1, 1, 1], [1, 1, -1], [1, -1, 1], [-1, 1, 1]], dtype=float)
KINDS = ("eq2", "shell", "peak", "first_shell", "orientations")
PEAK_KINDS = ("peak", "first_shell")  # smooth maxima over single vectors; orientations over quadruples
PEAK_SHARPNESS = 1.0  # b of the peak kind, per unit of |S|^2 / N: sharp next to the crystal's O ~ N


def _half_lattice(reach):
    """Integer vectors with components in [-reach, reach], one of each +-pair (first nonzero component > 0)."""
    grid = np.array(np.meshgrid(*[np.arange(-reach, reach + 1)] * 3, indexing="ij")).reshape(3, -1).T
    first_nonzero = np.array([next((c for c in v if c), 0) for v in grid])
    return grid[first_nonzero > 0]


@lru_cache(maxsize=16)
def shell_vectors(n):
    """Integer h, one of each +-pair (first nonzero component positive), with |h|^2 = 3 n^2: the box's
    reciprocal vectors 2 pi h / edge as long as an n x n x n FCC supercell's {111} ones. Cached: the MD
    callback asks for them every step."""
    grid = _half_lattice(int(np.ceil(n * np.sqrt(3.0))))
    vectors = grid[(grid**2).sum(axis=1) == 3 * n * n].astype(float)
    vectors.flags.writeable = False
    return vectors


@lru_cache(maxsize=16)
def orientation_families(n):
    """The FCC orientations that fit an n x n x n box, as their {111} reciprocal vectors: an array (orientations,
    4, 3) of integer h (one of each +-pair), every quadruple of |h|^2 = 3 n^2 shell vectors whose pairwise
    |h.h'| are n^2 (|cos| = 1/3: a cube's body diagonals), in lexicographic order of their shell indices."""
    shell = shell_vectors(n)
    close = np.abs(shell @ shell.T) == n * n
    families = [quad for quad in combinations(range(len(shell)), 4)
                if all(close[i, j] for i, j in combinations(quad, 2))]
    vectors = shell[np.array(families)]
    vectors.flags.writeable = False
    return vectors


def wave_numbers(n, kind="eq2"):
    """The h vectors (in units of 2 pi / cell edge) that O runs over: eq. 2's n * {111}, the whole |h|^2 = 3 n^2
    shell, the first shell of `crystallinity`, or each fitting orientation's four {111} vectors in turn (a vector
    shared by two orientations appears twice)."""
    if kind not in KINDS:
        raise ValueError(f"order parameter kind must be one of {KINDS}, got {kind!r}")
    if kind == "first_shell":
        return first_shell_vectors(n)
    if kind == "orientations":
        return orientation_families(n).reshape(-1, 3)
    return n * FCC_111 if kind == "eq2" else shell_vectors(n)


def _combine(intensity, n_atoms, kind):
    """O from |S(g)|^2 (..., g) and the weights dO/d|S(g)|^2 of each wave vector."""
    norm = 1.0 / (len(FCC_111) * n_atoms)  # 1/(4 N): N for a commensurate FCC crystal
    if kind == "orientations":
        each = norm * intensity.reshape(*intensity.shape[:-1], -1, len(FCC_111)).sum(axis=-1)
        value, share = _smooth_max(each)
        return value, norm * np.repeat(share, len(FCC_111), axis=-1)
    if kind not in PEAK_KINDS:
        return norm * intensity.sum(axis=-1), np.full_like(intensity, norm)
    value, share = _smooth_max(intensity / n_atoms)
    return value, share / n_atoms


def _smooth_max(values):
    """(1/b) ln sum exp(b values) over the last axis, and its derivative with respect to each value."""
    scaled = PEAK_SHARPNESS * values
    top = scaled.max(axis=-1, keepdims=True)
    soft = np.exp(scaled - top)
    total = soft.sum(axis=-1, keepdims=True)
    return (top[..., 0] + np.log(total[..., 0])) / PEAK_SHARPNESS, soft / total


def order_parameter(positions, cell, n, gradient=True, kind="eq2"):
    """Order parameter O and dO/dpositions for one frame or a batch.

    positions: (atoms, 3) or (frames, atoms, 3), Angstrom.
    cell: (3, 3) or (frames, 3, 3), lattice vectors as rows, Angstrom.
    n: FCC conventional cells along each edge of the cell (the lattice constant is edge / n).
    kind: eq2 (the paper's four {111} vectors), shell (every box vector of their length, summed), peak (their
    smooth maximum), first_shell (the smooth maximum over the first shell) or orientations (eq. 2 for every FCC
    orientation that fits the box, smoothly maximised).
    Returns O with shape () or (frames,), and dO/dr with the shape of positions (None if gradient is False).
    """
    positions = np.asarray(positions, dtype=float)
    cell = np.asarray(cell, dtype=float)
    single = positions.ndim == 2
    if single:
        positions, cell = positions[None], cell[None]
    if positions.ndim != 3 or positions.shape[-1] != 3:
        raise ValueError(f"positions must have shape (atoms, 3) or (frames, atoms, 3), got {positions.shape}")
    if cell.shape != (positions.shape[0], 3, 3):
        raise ValueError(f"cell shape {cell.shape} does not match positions {positions.shape}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    n_atoms = positions.shape[1]

    # Wave vectors k[f, g, :] such that phase = r . k; column j of inv(cell) maps r to fractional coordinate j.
    k = 2.0 * np.pi * np.einsum("fij,gj->fgi", np.linalg.inv(cell), wave_numbers(n, kind))
    phase = np.einsum("fai,fgi->fga", positions, k)
    cos, sin = np.cos(phase), np.sin(phase)
    c_sum, s_sum = cos.sum(axis=2), sin.sum(axis=2)
    value, norm = _combine(c_sum**2 + s_sum**2, n_atoms, kind)

    grad = None
    if gradient:
        # d|S|^2/dr_a = 2 k (S_sin cos(phase_a) - S_cos sin(phase_a))
        weight = norm[:, :, None] * (s_sum[:, :, None] * cos - c_sum[:, :, None] * sin)
        grad = 2.0 * np.einsum("fga,fgi->fai", weight, k)
    if single:
        return value[0], (grad[0] if grad is not None else None)
    return value, grad


def order_parameter_box(positions, lengths, n, kind="eq2"):
    """Fast path of order_parameter for one frame in an orthogonal box of edge lengths (Angstrom).

    For the MD callback, where it runs every step: same value and gradient as order_parameter.
    """
    k = wave_numbers(n, kind).T * ((2.0 * np.pi) / np.asarray(lengths, dtype=float))[:, None]  # columns: waves
    waves = np.exp(1j * (positions @ k))
    s = waves.sum(axis=0)
    value, norm = _combine(s.real**2 + s.imag**2, len(positions), kind)
    # d|S|^2/dr_a = -2 k Im(exp(i k.r_a) conj(S))
    grad = -2.0 * ((waves * (norm * s).conj()).imag @ k.T)
    return float(value), grad


@lru_cache(maxsize=16)
def first_shell_vectors(n, shell=(0.85, 1.15)):
    """Integer (h, k, l), one of each +-pair, of the box's reciprocal vectors 2 pi (h, k, l) / edge whose length
    lies within shell times that of the FCC {111} vectors of an n x n x n supercell (|hkl| = n sqrt 3)."""
    grid = _half_lattice(int(np.ceil(shell[1] * n * np.sqrt(3.0))))
    length = np.linalg.norm(grid, axis=1) / (n * np.sqrt(3.0))
    vectors = grid[(length > shell[0]) & (length < shell[1])].astype(float)
    vectors.flags.writeable = False  # cached: shared by every caller
    return vectors


def crystallinity(positions, cells, n, shell=(0.85, 1.15), batch=200):
    """Orientation-free companion of O: max over the box's reciprocal vectors near the first peak of |S(k)|^2 / N.

    O of eq. 2 looks only along the {111} vectors of the starting FCC orientation, so a crystal that regrew in
    another orientation (commensurate with the periodic box) has a low O. This takes the brightest Bragg spot
    in the whole first shell instead: about N for any perfect crystal, a few for a liquid.
    positions (frames, atoms, 3) and cells (frames, 3, 3) in Angstrom.
    """
    positions, cells = np.asarray(positions, dtype=float), np.asarray(cells, dtype=float)
    hkl = first_shell_vectors(n, shell)
    out = np.empty(len(positions))
    for start in range(0, len(positions), batch):
        part = slice(start, start + batch)
        fractional = np.linalg.solve(np.swapaxes(cells[part], 1, 2), np.swapaxes(positions[part], 1, 2))
        waves = np.exp(2j * np.pi * np.einsum("kj,fja->fka", hkl, fractional)).sum(axis=2)
        out[part] = (waves.real**2 + waves.imag**2).max(axis=1) / positions.shape[1]
    return out


def crystallinity_box(positions, lengths, n, shell=(0.85, 1.15)):
    """crystallinity of one frame in an orthogonal box of edge lengths (Angstrom), for the MD trace."""
    fractional = np.asarray(positions, dtype=float) / np.asarray(lengths, dtype=float)
    waves = np.exp(2j * np.pi * (fractional @ first_shell_vectors(n, shell).T)).sum(axis=0)
    return float((waves.real**2 + waves.imag**2).max()) / len(fractional)


def crystalline(values, n_atoms, fraction):
    """Which frames count as crystal: an order value (the crystallinity; O of eq. 2 for the NPT starts) above
    fraction * atoms."""
    return np.asarray(values) > fraction * n_atoms


class PhaseTracker:
    """Crystal/liquid state along a time series of crystallinity, the package's one phase classifier for
    counting changes: crystal above fraction * N, liquid below half of that, in between the last phase (the
    hysteresis keeps noise near a threshold from counting). The crystallinity is orientation-free, so a crystal
    flipping between twin orientations, which O of eq. 2 reads as melting, is no change."""

    def __init__(self, n_atoms, fraction, phase=None):
        self.high = fraction * n_atoms
        self.low = 0.5 * self.high
        self.phase = phase

    def update(self, values):
        """Follow the values in order; returns how many phase changes they completed."""
        changes = 0
        for value in np.asarray(values, dtype=float).ravel():
            now = "crystal" if value > self.high else "liquid" if value < self.low else self.phase
            if self.phase is not None and now != self.phase:
                changes += 1
            self.phase = now
        return changes


def phase_crossings(values, n_atoms, fraction):
    """Number of completed crystal <-> liquid changes along a time series of crystallinity (PhaseTracker)."""
    return PhaseTracker(n_atoms, fraction).update(values)
