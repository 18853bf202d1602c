"""Wang-Landau bias dH(H, O) of the MOMT ensemble (eq. 1): a smooth surface learned on an (H, O) grid.

The bias (eV) is a bicubic uniform B-spline over the window [H_min, H_max] x [O_min, O_max] with n_h x n_o
intervals; its coefficients sit on the (n_h + 1) x (n_o + 1) grid nodes and are mirrored across the edges, so
that both partial derivatives vanish on the window's border. Outside the window:
- in O, the bias is constant plus a quadratic wall k_O * (distance)^2;
- in H, the slope d(dH)/dH ramps smoothly from 0 to its bound over wall_width_eV (T_eff -> T_min above the
  window, T_max below), a wall that stays inside the effective-temperature band.

Effective temperature band: the factor 1 + d(dH)/dH = T0 / T_eff multiplies the EAM forces. The derivative of
a B-spline lies in the convex hull of its coefficient differences, so bounding every difference along H to
[T0/T_max - 1, T0/T_min - 1] bounds the factor to [T0/T_max, T0/T_min] everywhere, by construction. After each
Wang-Landau deposit the coefficients are raised (never lowered) just enough to keep those bounds.
"""

from dataclasses import dataclass

import numpy as np

from ..units import K_B_EV


def _basis(t):
    """Cubic uniform B-spline weights and their derivatives (per unit t) for t in [0, 1]."""
    t2, t3 = t * t, t * t * t
    w = np.array([(1 - t) ** 3, 3 * t3 - 6 * t2 + 4, -3 * t3 + 3 * t2 + 3 * t + 1, t3]) / 6.0
    dw = np.array([-3 * (1 - t) ** 2, 9 * t2 - 12 * t, -9 * t2 + 6 * t + 3, 3 * t2]) / 6.0
    return w, dw


def _ramp(u):
    """Smoothstep r(u) (0 at u <= 0, 1 at u >= 1) and its integral R(u) from 0."""
    if u <= 0.0:
        return 0.0, 0.0
    if u >= 1.0:
        return 1.0, 0.5 + (u - 1.0)
    return 3 * u**2 - 2 * u**3, u**3 - 0.5 * u**4


def _mirrored(nodes, n):
    """Grid node indices 0..n of nodes one step outside, reflected as np.pad(mode="reflect") does."""
    return np.abs(n - np.abs(n - nodes))


def _kernel_at(nodes, span, values):
    """A kernel's values (given on the nodes of span) at nodes, zero outside span."""
    inside = (nodes >= span.start) & (nodes < span.stop)
    return np.where(inside, values[np.clip(nodes - span.start, 0, len(values) - 1)], 0.0)


def tilt_drop(weights, share, spread_bins, kT):
    """The change of a flat run's bias (eV, <= 0, per bin) that sends about `share` of its frames to the bins
    `weights` name, in proportion to them: kT ln(1 + share / (1 - share) x pi_b x spread_bins), negated, with pi the
    weights normalised and spread_bins the bins the flat run spreads over (WangLandauBias.tilt_toward)."""
    weights = np.asarray(weights, dtype=float)
    return -kT * np.log1p(share / (1.0 - share) * weights / weights.sum() * spread_bins)


@dataclass(frozen=True)
class Window:
    """The (H, O) window of Table S1: H in eV, O dimensionless, with n_h x n_o bins."""

    h_min: float
    h_max: float
    n_h: int
    o_min: float
    o_max: float
    n_o: int

    def __post_init__(self):
        if not (self.h_max > self.h_min and self.o_max > self.o_min):
            raise ValueError(f"empty (H, O) window: H {self.h_min}..{self.h_max}, O {self.o_min}..{self.o_max}")
        if self.n_h < 2 or self.n_o < 2:
            raise ValueError(f"the (H, O) window needs at least 2 bins per axis, got {self.n_h} x {self.n_o}")

    @property
    def dh(self):
        return (self.h_max - self.h_min) / self.n_h

    @property
    def do(self):
        return (self.o_max - self.o_min) / self.n_o

    @classmethod
    def from_config(cls, momt):
        """The window of a system's config `momt` entry."""
        return cls(*momt["h_range_eV"], momt["h_bins"], *momt["o_range"], momt["o_bins"])

    def labels(self, H, O):
        """Flat bin index i * n_o + j of each (H, O), points outside the window counted in the nearest edge bin."""
        i = np.clip(np.floor((np.asarray(H) - self.h_min) / self.dh), 0, self.n_h - 1)
        j = np.clip(np.floor((np.asarray(O) - self.o_min) / self.do), 0, self.n_o - 1)
        return (i * self.n_o + j).astype(np.int64)

    def bin(self, H, O):
        """(i, j) of the bin holding (H, O), or None outside the window."""
        i = int(np.floor((H - self.h_min) / self.dh))
        j = int(np.floor((O - self.o_min) / self.do))
        return (i, j) if 0 <= i < self.n_h and 0 <= j < self.n_o else None


class WangLandauBias:
    """dH(H, O) in eV with its derivatives, Wang-Landau deposits and a histogram of visits.

    temperature_K: T0. t_min_K, t_max_K: the band of effective temperatures (t_min_K < T0 < t_max_K).
    kernel_bins: widths (sigma, in bins along H and O) of the Gaussian each deposit spreads over the grid nodes.
    """

    def __init__(self, window, temperature_K, t_min_K, t_max_K, kernel_bins=(2.0, 2.0), wall_width_eV=None,
                 o_wall_eV=1.0):
        if not t_min_K < temperature_K < t_max_K:
            raise ValueError(f"need T_min < T0 < T_max, got {t_min_K} K, {temperature_K} K, {t_max_K} K")
        self.window = window
        self.kT = K_B_EV * temperature_K
        self.kernel_bins = tuple(float(b) for b in kernel_bins)
        self.slope_min = temperature_K / t_max_K - 1.0
        self.slope_max = temperature_K / t_min_K - 1.0
        self.wall_width = wall_width_eV if wall_width_eV is not None else 2.0 * window.dh
        self.o_wall = o_wall_eV
        self.coeffs = np.zeros((window.n_h + 1, window.n_o + 1))
        self.histogram = np.zeros((window.n_h, window.n_o), dtype=np.int64)
        self._padded_cache = None

    # --- evaluation ------------------------------------------------------------------------------------------
    def padded_coefficients(self):
        """Coefficients with the mirrored ring around them, (n_h + 3, n_o + 3), cached until the next deposit."""
        if self._padded_cache is None:
            self._padded_cache = np.pad(self.coeffs, 1, mode="reflect")
        return self._padded_cache

    def _locate(self, H, O):
        """The grid cell (k, m) of (H, O), clamped to the window, and the B-spline weights along H and O."""
        win = self.window
        sh = min(max((H - win.h_min) / win.dh, 0.0), float(win.n_h))
        so = min(max((O - win.o_min) / win.do, 0.0), float(win.n_o))
        k, m = min(int(sh), win.n_h - 1), min(int(so), win.n_o - 1)
        return k, m, _basis(sh - k), _basis(so - m)

    def evaluate(self, H, O):
        """(dH, d dH/dH, d dH/dO) at (H, O): eV, dimensionless, eV."""
        win = self.window
        k, m, (wh, dwh), (wo, dwo) = self._locate(H, O)
        block = self.padded_coefficients()[k:k + 4, m:m + 4]
        along_o = block @ wo
        value = wh @ along_o
        d_h = (dwh @ along_o) / win.dh
        d_o = (wh @ block @ dwo) / win.do
        inside_h = win.h_min <= H <= win.h_max
        inside_o = win.o_min <= O <= win.o_max
        if not inside_o:
            # Derivatives in O vanish on the border: constant continuation plus a quadratic wall.
            dist = O - win.o_max if O > win.o_max else O - win.o_min
            value += self.o_wall * dist**2
            d_o = 2.0 * self.o_wall * dist
        if not inside_h:
            # Derivatives in H vanish on the border: the slope ramps to the band's edge over wall_width.
            above = H > win.h_max
            dist = H - win.h_max if above else win.h_min - H
            bound = self.slope_max if above else self.slope_min
            r, integral = _ramp(dist / self.wall_width)
            value += (1.0 if above else -1.0) * bound * self.wall_width * integral
            d_h = bound * r
        return float(value), float(d_h), float(d_o)

    def factor_range(self):
        """The band [T0/T_max, T0/T_min] that 1 + d dH/dH is kept in."""
        return 1.0 + self.slope_min, 1.0 + self.slope_max

    # --- learning --------------------------------------------------------------------------------------------
    def deposit(self, H, O, ln_f):
        """Raise the bias at (H, O) by kT0 * ln_f (a Gaussian over the grid nodes), count the visit, and raise
        the neighbourhood as needed to keep the slope band."""
        win = self.window
        b = win.bin(H, O)
        if b is not None:
            self.histogram[b] += 1
        if not (win.h_min <= H <= win.h_max and win.o_min <= O <= win.o_max):
            return
        # A Gaussian on the grid nodes, cut at 3 sigma; rows one node wider so the edge differences are checked.
        sh, so = self.kernel_bins
        i_c, j_c = (H - win.h_min) / win.dh, (O - win.o_min) / win.do
        rows = slice(max(int(np.floor(i_c - 3 * sh)) - 1, 0), min(int(np.ceil(i_c + 3 * sh)) + 2, win.n_h + 1))
        cols = slice(max(int(np.floor(j_c - 3 * so)), 0), min(int(np.ceil(j_c + 3 * so)) + 1, win.n_o + 1))
        from_centre = np.arange(rows.start, rows.stop) - i_c
        gh = np.where(np.abs(from_centre) > 3 * sh + 1e-12, 0.0, np.exp(-0.5 * (from_centre / sh) ** 2))
        go = np.exp(-0.5 * ((np.arange(cols.start, cols.stop) - j_c) / so) ** 2)
        kernel = np.outer(gh, go)
        # Scale it so the interpolated bias at (H, O) rises by exactly kT0 * ln f: the B-spline at (H, O) reads the
        # 4 x 4 nodes around it, mirrored across the window's edge as in padded_coefficients.
        k, m, (wh, _), (wo, _) = self._locate(H, O)
        near_h = _kernel_at(_mirrored(np.arange(k - 1, k + 3), win.n_h), rows, gh)
        near_o = _kernel_at(_mirrored(np.arange(m - 1, m + 3), win.n_o), cols, go)
        at_point = (wh @ near_h) * (wo @ near_o)
        delta = (self.kT * ln_f / at_point) * kernel
        self.coeffs[rows, cols] += delta
        self._project(cols)
        self._padded_cache = None

    def _project(self, cols):
        """Raise coefficients (never lower them) until every H-difference of these columns is inside the band.

        A Wang-Landau bump steeper than the band becomes a mesa whose flanks have the band's slopes, so the
        bias still grows by the full deposit while 1 + d dH/dH stays in [T0/T_max, T0/T_min].
        """
        c = self.coeffs[:, cols]
        lower, upper = self._difference_bounds()
        # Upward pass: c[i] >= c[i-1] + lower[i-1], as a running maximum of c[i] - L[i].
        offset = np.concatenate([[0.0], np.cumsum(lower)])[:, None]
        c = np.maximum.accumulate(c - offset, axis=0) + offset
        # Downward pass: c[i-1] >= c[i] - upper[i-1].
        offset = np.concatenate([[0.0], np.cumsum(upper[::-1])])[:, None]
        c = (np.maximum.accumulate(c[::-1] + offset, axis=0) - offset)[::-1]
        self.coeffs[:, cols] = c

    def _difference_bounds(self):
        """Bounds (eV) on c[i+1] - c[i] along H; the first and last are mirrored, so -d must also fit."""
        n, dh = self.window.n_h, self.window.dh
        lower = np.full(n, self.slope_min * dh)
        upper = np.full(n, self.slope_max * dh)
        for i in (0, n - 1):
            lower[i] = max(self.slope_min, -self.slope_max) * dh
            upper[i] = min(self.slope_max, -self.slope_min) * dh
        return lower, upper

    def is_flat(self, flatness, min_count, visits=None):
        """Whether the visits since the last reset are flat over the reachable bins.

        Reachable: bins visited at least min_count times over the whole learning (visits; the histogram itself
        when not given). Flat: every reachable bin holds at least flatness * their mean in the histogram, and at
        least one visit (so flatness 0 is the 1/t method's criterion: every reachable bin visited again).
        """
        visits = self.histogram if visits is None else visits
        reachable = visits >= min_count
        if not reachable.any():
            return False
        counts = self.histogram[reachable]
        return bool(counts.min() >= max(1.0, flatness * counts.mean()))

    # --- production ------------------------------------------------------------------------------------------
    def bin_values(self):
        """dH (eV) at the centre of every (H, O) bin, (n_h, n_o)."""
        n_h, n_o = self.window.n_h, self.window.n_o
        w, _ = _basis(0.5)  # every centre sits halfway through its cell: evaluate()'s weights, all at once
        padded = self.padded_coefficients()
        return sum(w[i] * w[j] * padded[i:i + n_h, j:j + n_o] for i in range(4) for j in range(4))

    def tilt_toward(self, weights, share, spread_bins, iterations=20):
        """Lower the bias where `weights` (n_h, n_o; T0's canonical weight of each bin) lie, so that about `share`
        of a frozen-bias run's frames land there rather than all being spread as the learned bias spreads them;
        returns the change of the coefficients (eV).

        Why: a flat histogram spreads the frames over the whole band of effective temperatures, and reweighting to
        T0 then rests on the few bins T0's canonical ensemble occupies (about 20 of 2,000 for Ni 108), so 20,000
        flat frames give at most about 150 effective frames at T0. A target (1 - share) flat + share x weights gives
        at least share x frames if the weights are right (docs/momt-phases.md). For a learned bias that spreads a
        run flat over spread_bins bins (n: those the learning reached), that asks for a drop of
        kT0 ln(1 + share / (1 - share) x pi_b x n) in bin b (pi: the weights normalised). The drop is spread to the
        grid's nodes (mean of the bins around each node) and what the B-spline does not give back is handed on
        again, `iterations` times, keeping the slope band.
        The reweighting is exact for any frozen bias; only its variance changes."""
        if not 0.0 <= share < 1.0:
            raise ValueError(f"momt.production.t0_share must be in [0, 1), got {share}")
        weights = np.asarray(weights, dtype=float)
        before = self.coeffs.copy()
        if share == 0.0 or not weights.sum() > 0:
            return np.zeros_like(before)
        drop = tilt_drop(weights, share, spread_bins, self.kT)
        values = self.bin_values()
        for _ in range(iterations):  # the B-spline smooths what the nodes get: hand them the rest again
            edged = np.pad(drop - (self.bin_values() - values), 1, mode="edge")
            self.coeffs += 0.25 * (edged[:-1, :-1] + edged[1:, :-1] + edged[:-1, 1:] + edged[1:, 1:])
            self._project(slice(0, self.window.n_o + 1))
            self._padded_cache = None
        return self.coeffs - before

    # --- state -----------------------------------------------------------------------------------------------
    def state(self):
        win = self.window
        return {
            "coeffs": self.coeffs.copy(),
            "histogram": self.histogram.copy(),
            "window": np.array([win.h_min, win.h_max, win.n_h, win.o_min, win.o_max, win.n_o], dtype=float),
            "kT_eV": self.kT,
            "slope_band": np.array([self.slope_min, self.slope_max]),
            "wall": np.array([self.wall_width, self.o_wall]),
        }

    def load_state(self, state):
        self.coeffs[...] = state["coeffs"]
        self.histogram[...] = state["histogram"]
        self._padded_cache = None
