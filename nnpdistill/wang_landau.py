"""Wang-Landau bias dH(H, O) of the MOMT ensemble (eq. 1): a smooth surface learned on an (H, O) grid.

The bias (eV) is a bicubic uniform B-spline over the window [H_min, H_max] x [O_min, O_max] with n_h x n_o
intervals; its coefficients sit on the (n_h + 1) x (n_o + 1) grid nodes and are mirrored across the edges, so
that both partial derivatives vanish on the window's border. Outside the window:
- in O, the bias is constant plus a quadratic wall k_O * (distance)^2;
- in H, the slope d(dH)/dH ramps smoothly from 0 to its bound over wall_width_eV (T_eff -> T_min above the
  window, T_max below), a wall that stays inside the effective-temperature band.

Effective temperature band: the factor 1 + d(dH)/dH = T0 / T_eff multiplies the EAM forces. The derivative of
a B-spline lies in the convex hull of its coefficient differences, so bounding every difference along H to
[T0/T_max - 1, T0/T_min - 1] bounds the factor to [T0/T_max, T0/T_min] everywhere, by construction. Each
Wang-Landau deposit is scaled down just enough to keep those bounds.
"""

from dataclasses import dataclass

import numpy as np

K_B_EV = 8.617333262e-5  # Boltzmann constant, eV/K


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

    def bin(self, H, O):
        """(i, j) of the bin holding (H, O), or None outside the window."""
        i = int(np.floor((H - self.h_min) / self.dh))
        j = int(np.floor((O - self.o_min) / self.do))
        return (i, j) if 0 <= i < self.n_h and 0 <= j < self.n_o else None


class WangLandauBias:
    """dH(H, O) in eV with its derivatives, Wang-Landau deposits and a histogram of visits.

    temperature_K: T0. t_min_K, t_max_K: the band of effective temperatures (t_min_K < T0 < t_max_K).
    """

    def __init__(self, window, temperature_K, t_min_K, t_max_K, wall_width_eV=None, o_wall_eV=1.0):
        if not t_min_K < temperature_K < t_max_K:
            raise ValueError(f"need T_min < T0 < T_max, got {t_min_K} K, {temperature_K} K, {t_max_K} K")
        self.window = window
        self.kT = K_B_EV * temperature_K
        self.slope_min = temperature_K / t_max_K - 1.0
        self.slope_max = temperature_K / t_min_K - 1.0
        self.wall_width = wall_width_eV if wall_width_eV is not None else 2.0 * window.dh
        self.o_wall = o_wall_eV
        self.coeffs = np.zeros((window.n_h + 1, window.n_o + 1))
        self.histogram = np.zeros((window.n_h, window.n_o), dtype=np.int64)

    # --- evaluation ------------------------------------------------------------------------------------------
    def _local(self, x, x_min, delta, n):
        """Cell index, the 4 free-coefficient indices (mirrored at the edges), weights and derivative weights."""
        s = min(max((x - x_min) / delta, 0.0), float(n))
        k = min(int(s), n - 1)
        w, dw = _basis(s - k)
        idx = np.abs(np.arange(k - 1, k + 3))
        idx = np.where(idx > n, 2 * n - idx, idx)
        return idx, w, dw / delta

    def evaluate(self, H, O):
        """(dH, d dH/dH, d dH/dO) at (H, O): eV, dimensionless, eV."""
        win = self.window
        ih, wh, dwh = self._local(H, win.h_min, win.dh, win.n_h)
        io, wo, dwo = self._local(O, win.o_min, win.do, win.n_o)
        block = self.coeffs[np.ix_(ih, io)]
        value = wh @ block @ wo
        d_h = dwh @ block @ wo
        d_o = wh @ block @ dwo
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
        """Raise the bias at (H, O) by kT0 * ln_f, scaled down if needed to keep the slope band; count the visit.

        Returns the fraction of the full deposit that was applied (1.0 unless the band limited it).
        """
        win = self.window
        b = win.bin(H, O)
        if b is not None:
            self.histogram[b] += 1
        if not (win.h_min <= H <= win.h_max and win.o_min <= O <= win.o_max):
            return 0.0
        ih, wh, _ = self._local(H, win.h_min, win.dh, win.n_h)
        io, wo, _ = self._local(O, win.o_min, win.do, win.n_o)
        # Weights on free coefficients (mirrored ones fold back onto their images).
        u = np.zeros((win.n_h + 1, win.n_o + 1))
        np.add.at(u, np.ix_(ih, io), np.outer(wh, wo))
        rows = slice(max(ih.min() - 1, 0), min(ih.max() + 2, win.n_h + 1))
        cols = sorted(set(io.tolist()))
        du = u[rows][:, cols]
        delta = self.kT * ln_f / float((du**2).sum()) * du
        scale = self._allowed_scale(self.coeffs[rows][:, cols], delta, rows.start)
        self.coeffs[rows, cols] += scale * delta
        return scale

    def _allowed_scale(self, block, delta, row_start):
        """Largest t in [0, 1] keeping every H-difference of block + t * delta inside the slope band."""
        n = self.window.n_h
        lo, hi = self.slope_min * self.window.dh, self.slope_max * self.window.dh
        d = np.diff(block, axis=0)
        dd = np.diff(delta, axis=0)
        lower = np.full(d.shape, lo)
        upper = np.full(d.shape, hi)
        # The first and last differences are mirrored with opposite sign, so they also need -d in the band.
        for local, global_index in enumerate(range(row_start, row_start + d.shape[0])):
            if global_index in (0, n - 1):
                lower[local] = max(lo, -hi)
                upper[local] = min(hi, -lo)
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(dd > 0, (upper - d) / dd, np.inf)
            down = np.where(dd < 0, (lower - d) / dd, np.inf)
        return max(min(1.0, float(np.min(up)), float(np.min(down))), 0.0)

    def is_flat(self, flatness, min_count):
        """Flatness of the visits since the last reset, judged on the bins visited at all (reachable ones)."""
        visited = self.histogram[self.histogram > 0]
        if visited.size == 0 or visited.min() < min_count:
            return False
        return visited.min() >= flatness * visited.mean()

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
