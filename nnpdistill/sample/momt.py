"""MOMT sampling protocol (Supplementary Note 1.2): equilibrate, learn the Wang-Landau bias, then produce frames.

One run goes through three periods, each resumable:
- equilibrate: plain NPT of the FCC start at T0, P0 (the bias attached but zero);
- learn: Wang-Landau deposits of kT0 * ln f every deposit_every steps; every check_every steps, ln f is
  multiplied by ln_f_factor when the reachable part of the (H, O) histogram is flat, or when a stage has lasted
  stage_max_steps (a schedule, 0 for none), seen stage_min_crossings crystal/liquid changes and, with
  stage_phase_quantile, gone back to both ends of each phase's H range (stage_spans_phases), and follows 1/t
  once one_over_t allows it; learning stops at ln_f_final or after max_steps;
- produce: the bias frozen, a frame every sample_every steps (unbiased EAM energy and forces as labels).

engine "plugin" runs every period through the C++ fix momt/bias, with its Wang-Landau deposits in C++ while
learning; engine "python" runs everything through the Python callback. Both give the same forces and deposits;
their trajectories part after a few thousand steps as any two MD runs whose rounding differs.

A production that misses a phase can be retried (run's min_phase_changes and retries): learning goes on from its
last state, and a new production replaces it. While a retry is left and the production is still short of
min_phase_changes, a walker that has stayed in one phase for max_dwell_fraction of the production's length
(checked at each checkpoint) cuts it short for its retry, instead of after the rest of a production that has shown
it is stuck.

Checkpoints (every checkpoint_every steps, and at each change of period) write, into a work folder, the frames
taken since the last one (frames.<first index>.npz), the LAMMPS restart file and the Python state (bias,
histograms, ln f history, trace), each atomically and in that order, so a kill at any moment loses at most the
work since the last checkpoint and never leaves a half-written file in use. Every run, resumed or
not, reloads LAMMPS from the checkpoint it just wrote, so an interrupted run continues exactly as an
uninterrupted one would.
"""

import json
import logging
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from ase.data import atomic_numbers
from scipy.ndimage import gaussian_filter
from tqdm import tqdm

from ..atomic import replacing
from ..dataset import Dataset
from .lammps_driver import Simulation
from .momt_dynamics import MOMT, FrozenMOMT, LearningMOMT
from ..seeds import derive_seed
from .order import PhaseTracker, crystalline, crystallinity, order_parameter, phase_crossings
from .structures import crystal
from .wang_landau import WangLandauBias, Window

log = logging.getLogger(__name__)

TRACE_COLUMNS = ("step", "H", "O", "U", "bias", "factor", "crystallinity")
# Retry k's learning starts at RETRY_LN_F**k x ln_f_final: enough to fill the trap the production sat in (a
# relearned Ni 108 seed crossed 121 times after one retry, docs/momt-phases.md), little enough to keep the learned
# bias; a later retry starts higher, since the walker has just shown that the milder relearning left a trap.
RETRY_LN_F = 4.0
FRAME_EXTRAS = ("O", "H", "bias", "factor", "volume", "temperature", "step")


def retry_ln_f(k, ln_f_final):
    """ln f at which the k-th retry (1, 2, ...) starts learning again."""
    return RETRY_LN_F ** k * ln_f_final


@dataclass(frozen=True)
class LearningSchedule:
    ln_f_initial: float
    ln_f_final: float
    ln_f_factor: float
    flatness: float
    min_count: int
    deposit_every: int
    check_every: int
    max_steps: int
    one_over_t: bool
    stage_max_steps: int = 0
    stage_min_crossings: int = 0
    stage_phase_quantile: float = 0.0


def stage_spans_phases(h, crystallinity, in_stage, n_atoms, fraction, quantile):
    """Whether a Wang-Landau stage has gone back to both ends of each phase's H range.

    h, crystallinity: the learning's trace rows so far (eV, atoms); in_stage: which rows belong to this stage.
    A phase's ends are the quantile and 1 - quantile of its H over the whole learning; the stage must reach, in
    that phase, H at or below the first and at or above the second. A stage that skips the cold crystal lets ln f
    shrink before the deposits there are balanced, and the frozen bias then keeps the walker out of it. Rows
    between the classifier's thresholds (order.PhaseTracker) count for neither phase; a phase the learning has
    not seen is not required. quantile 0 (off) always passes.
    """
    if quantile <= 0:
        return True
    h, crystallinity, in_stage = (np.asarray(a) for a in (h, crystallinity, in_stage))
    tracker = PhaseTracker(n_atoms, fraction)  # its thresholds, not the hysteresis: rows are taken one by one
    for phase in (crystallinity > tracker.high, crystallinity < tracker.low):
        if not phase.any():
            continue
        low_end, high_end = np.quantile(h[phase], [quantile, 1.0 - quantile])
        mine = h[phase & in_stage]
        if not mine.size or mine.min() > low_end or mine.max() < high_end:
            return False
    return True


def stage_summary(h, crystallinity, n_atoms, fraction):
    """Where a Wang-Landau stage kept the walker, for the learning log: its H 1/50/99 % (eV) and crystalline share.

    A stage that sat in one region for its whole length (a cold crystal, say) leaves an excess of bias there that
    later, smaller stages do not remove, and the frozen bias then keeps the production out of that region
    (docs/momt-phases.md); this line shows it as it happens."""
    h = np.asarray(h, dtype=float)
    if not h.size:
        return "no trace rows"
    low, mid, high = np.percentile(h, [1, 50, 99])
    share = float(np.mean(np.asarray(crystallinity) > PhaseTracker(n_atoms, fraction).high))
    return f"H 1/50/99 % {low:.1f} / {mid:.1f} / {high:.1f} eV, {100 * share:.0f} % of rows crystalline"


@dataclass(frozen=True)
class MOMTSettings:
    temperature_K: float
    pressure_bar: float
    t_min_K: float
    t_max_K: float
    window: Window
    kernel_bins: tuple
    timestep_fs: float
    tdamp_fs: float
    pdamp_fs: float
    equilibrate_steps: int
    learning: LearningSchedule
    n_frames: int
    sample_every: int
    checkpoint_every: int
    trace_every: int
    crystallinity_fraction: float = 0.5  # the phase classifier (order.PhaseTracker) of the stage counter
    engine: str = "plugin"
    order_parameter: str = "eq2"  # one of nnpdistill.sample.order.KINDS
    max_dwell_fraction: float = 0.0  # a production stuck in one phase this share of its length is cut (0: never)
    t0_share: float = 0.0  # the share of the production sent to T0's canonical bins (MOMTRun._tilt)

    @classmethod
    def from_config(cls, system, momt, crystallinity_fraction):
        """The settings of a system's config entry (with its momt window) and the config's momt section."""
        win = system["momt"]
        return cls(
            temperature_K=system["temperature_K"],
            pressure_bar=system["pressure_bar"],
            t_min_K=win["t_min_K"],
            t_max_K=win["t_max_K"],
            window=Window.from_config(win),
            kernel_bins=tuple(momt["kernel_bins"]),
            timestep_fs=momt["timestep_fs"],
            tdamp_fs=momt["tdamp_fs"],
            pdamp_fs=momt["pdamp_fs"],
            equilibrate_steps=momt["equilibrate_steps"],
            learning=LearningSchedule(**momt["learning"]),
            n_frames=momt["production"]["n_frames"],
            sample_every=momt["production"]["sample_every"],
            checkpoint_every=momt["checkpoint_every"],
            trace_every=momt["trace_every"],
            crystallinity_fraction=crystallinity_fraction,
            engine=momt["engine"],
            order_parameter=win.get("order_parameter", "eq2"),
            max_dwell_fraction=momt["production"].get("max_dwell_fraction", 0.0),
            t0_share=momt["production"].get("t0_share", 0.0),
        )


def settings_from_identity(settings):
    """The MOMTSettings of a checkpoint's identity["settings"] (MOMTRun._identity's asdict, read back)."""
    settings = dict(settings)
    settings.update(window=Window(**settings["window"]), learning=LearningSchedule(**settings["learning"]),
                    kernel_bins=tuple(settings["kernel_bins"]))
    return MOMTSettings(**settings)


def read_frame_chunks(folder, firsts=None):
    """The production frames a run's work folder holds, as {name: array} concatenated in order: the chunks
    frames.<first>.npz named by firsts (a state's "chunks"), or every one there, by first frame. None if none."""
    folder = Path(folder)
    if firsts is None:
        firsts = sorted(int(f.name.split(".")[1]) for f in folder.glob("frames.*.npz"))
    chunks = []
    for first in firsts:
        with np.load(folder / f"frames.{first}.npz") as data:
            chunks.append({name: data[name] for name in data.files})
    return {name: np.concatenate([c[name] for c in chunks]) for name in chunks[0]} if chunks else None


class MOMTError(RuntimeError):
    """The MOMT run failed (callback error, lost atoms, inconsistent checkpoint)."""


class MOMTRun:
    """A resumable MOMT run of an n_cells^3 FCC supercell of element, with its state kept in workdir."""

    def __init__(self, element, n_cells, potential, settings, seed, workdir, log_file=None, progress=None):
        self.element, self.n_cells, self.potential = element, n_cells, potential
        self.s = settings
        self.seed = seed
        self.workdir = Path(workdir)
        self.log_file = log_file
        self.progress = progress
        self.bias = WangLandauBias(settings.window, settings.temperature_K, settings.t_min_K, settings.t_max_K,
                                   kernel_bins=settings.kernel_bins)
        self.state = None
        self.sim = None
        self.momt = None
        self.pending = []  # frames taken since the last checkpoint
        self.visits = np.zeros_like(self.bias.histogram)  # production visits of the (H, O) grid
        self.tilt = np.zeros_like(self.bias.coeffs)  # the production's change of the learned bias (t0_share)
        self.trace = []  # (step, H, O, U, bias, factor, crystallinity) rows, every trace_every steps
        self.n_atoms = None  # the LAMMPS system's, once _open has built it
        self._traced = 0  # rows of the engine's trace already moved into self.trace

    # --- state on disk -----------------------------------------------------------------------------------
    @property
    def state_file(self):
        return self.workdir / "state.npz"

    def _fresh_state(self):
        return {
            "period": "equilibrate", "step": 0, "ln_f": self.s.learning.ln_f_initial, "one_over_t_mode": False,
            "deposits": 0, "learn_start": None, "stage_start": None, "produce_start": None, "frames": 0,
            "chunks": [], "restart": None, "factor_min": None, "factor_max": None, "history": [],
            "stage_changes": 0, "phase_now": None,
            "identity": self._identity(),
        }

    def _identity(self):
        settings = asdict(self.s)
        if not settings["t0_share"]:  # so checkpoints made before the setting existed still resume
            del settings["t0_share"]
        return _jsonable({"settings": settings, "seed": self.seed, "element": self.element, "n_cells": self.n_cells})

    def _load(self):
        """Load the checkpoint; False (and nothing loaded) if it was made by another configuration."""
        with np.load(self.state_file, allow_pickle=False) as data:
            state = json.loads(str(data["state"]))
            if "phase" in state:  # checkpoints written before the protocol's parts were called periods
                state["period"] = state.pop("phase")
            if state["identity"] != self._identity():
                return False
            self.bias.load_state({"coeffs": data["coeffs"], "histogram": data["histogram"]})
            self.visits = data["visits"].copy()
            self.tilt = data["tilt"].copy() if "tilt" in data.files else np.zeros_like(self.bias.coeffs)
            self.trace = [tuple(row) for row in data["trace"]]
        self.state = state
        return True

    def _save(self):
        with replacing(self.state_file) as tmp:
            np.savez(tmp, state=json.dumps(self.state), coeffs=self.bias.coeffs, histogram=self.bias.histogram,
                     visits=self.visits, tilt=self.tilt,
                     trace=np.array(self.trace, dtype=float).reshape(-1, len(TRACE_COLUMNS)))

    def _write_pending(self):
        """Write the frames taken since the last checkpoint to their own file (atomic), named by first index."""
        if not self.pending:
            return
        first = self.state["frames"]
        with replacing(self.workdir / f"frames.{first}.npz") as tmp:
            np.savez(tmp, **{name: np.array([frame[name] for frame in self.pending]) for name in self.pending[0]})
        self.state["chunks"].append(first)
        self.state["frames"] += len(self.pending)
        self.pending = []

    def checkpoint(self):
        """Write frames, restart file and state (in that order), then reload LAMMPS from the restart file."""
        self._sync_from_dynamics()
        self._write_pending()
        step = int(self.sim.lmp.get_thermo("step"))
        restart = f"restart.{step}.lmp"
        self.sim.write_restart(self.workdir / restart)
        old = self.state["restart"]
        self.state.update(step=step, restart=restart)
        self._save()
        if old and old != restart and (self.workdir / old).exists():
            (self.workdir / old).unlink()
        self._open()

    # --- LAMMPS ------------------------------------------------------------------------------------------
    def _open(self):
        """(Re)build LAMMPS and the MOMT fix from the state's restart file (or from the FCC start)."""
        if self.sim is not None:
            self.sim.close()
        s = self.s
        if self.state["restart"] is None:
            self.sim = Simulation(crystal(self.element, "fcc", self.n_cells), self.potential, log_file=self.log_file)
            self.sim.set_velocities(s.temperature_K, derive_seed(self.seed, "momt", self.element, self.n_cells))
        else:
            self.sim = Simulation.from_restart(self.workdir / self.state["restart"], [self.element], self.potential,
                                               log_file=self.log_file)
        self.n_atoms = self.sim.n_atoms
        self.sim.set_timestep(s.timestep_fs)
        if s.engine not in ("plugin", "python"):
            raise ValueError(f"momt.engine must be 'plugin' or 'python', got {s.engine!r}")
        if s.engine == "plugin":
            engine = LearningMOMT if self.state["period"] == "learn" else FrozenMOMT
            self.momt = engine(self.sim, self.bias, self.n_cells, s.pressure_bar, s.order_parameter)
        else:
            self.momt = MOMT(self.sim, self.bias, self.n_cells, s.pressure_bar, s.order_parameter)
        self.sim.use_npt(s.temperature_K, s.pressure_bar, s.tdamp_fs, s.pdamp_fs)
        # Set-up step, frozen and untraced: this step was already traced and deposited before the checkpoint.
        self.sim.lmp.command("run 0")
        self.momt.trace_every = s.trace_every
        self.momt.capture_every = s.sample_every
        self._traced = 0
        if self.state["period"] == "learn":
            self.momt.learn(self.state["ln_f"], s.learning.deposit_every)

    def _sync_from_dynamics(self):
        m = self.momt
        self.trace.extend(m.trace)
        m.trace = []
        self._traced = 0
        lo, hi = self.state["factor_min"], self.state["factor_max"]
        if np.isfinite(m.factor_min):
            self.state["factor_min"] = m.factor_min if lo is None else min(lo, m.factor_min)
            self.state["factor_max"] = m.factor_max if hi is None else max(hi, m.factor_max)

    def _advance(self, steps):
        """Run steps MD steps; a callback failure or a LAMMPS error stops the run with the step named."""
        try:
            self.momt.advance(steps)
        except Exception as err:
            raise MOMTError(f"MOMT stopped near step {self.momt.last.get('step')}: {err}") from err

    # --- periods -----------------------------------------------------------------------------------------
    def run(self, min_phase_changes=0, retries=0):
        """Run (or resume) to the end; returns the production Dataset.

        A production with fewer than min_phase_changes crystal <-> liquid changes (the trace's crystallinity) is
        thrown away and learning goes on from its last state at ln f = RETRY_LN_F**k x ln_f_final for the k-th
        retry, then a new production, at most `retries` times; the caller checks the last production."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.state_file.exists() and self._load():
            log.info("resuming MOMT from step %d (%s, %d frames)", self.state["step"], self.state["period"],
                     self.state["frames"])
        else:
            if self.state_file.exists():
                log.warning("%s holds a checkpoint of another configuration; starting over", self.workdir)
                shutil.rmtree(self.workdir)
                self.workdir.mkdir(parents=True)
            self.state = self._fresh_state()
        self._open()
        while True:
            if self.state["period"] == "equilibrate":
                self._equilibrate()
            if self.state["period"] == "learn":
                self._learn()
            if self.state["period"] == "produce":
                self._produce(min_phase_changes if self.state.get("retries", 0) < retries else 0)
            if not self._retry(min_phase_changes, retries):
                break
        self.sim.close()
        return self.dataset()

    def _production_trace(self):
        trace = np.array(self.trace, dtype=float).reshape(-1, len(TRACE_COLUMNS))
        return trace[trace[:, 0] > self.state["produce_start"]]

    def production_changes(self):
        """Crystal <-> liquid changes of the current production, by the trace's crystallinity."""
        return phase_crossings(self._production_trace()[:, 6], self.n_atoms, self.s.crystallinity_fraction)

    def production_dwell(self):
        """MD steps the current production has spent in its present phase: since its last crystal <-> liquid
        change, or since it began if it has made none (the trace as of the last checkpoint)."""
        rows = self._production_trace()
        tracker = PhaseTracker(self.n_atoms, self.s.crystallinity_fraction)
        since = self.state["produce_start"]
        for step, value in rows[:, [0, 6]]:
            if tracker.update([value]):
                since = step
        now = rows[-1, 0] if len(rows) else since
        return int(now - since)

    def _retry(self, min_phase_changes, retries):
        """After a production that missed a phase, go back to learning (True) if a retry is left."""
        st = self.state
        if st["period"] != "done" or not min_phase_changes or st.get("retries", 0) >= retries:
            return False
        changes = self.production_changes()
        if changes >= min_phase_changes and not st.get("cut_short"):
            return False
        step = int(self.sim.lmp.get_thermo("step"))
        ln_f = retry_ln_f(st.get("retries", 0) + 1, self.s.learning.ln_f_final)
        why = (f"was cut short, stuck in one phase for {self.production_dwell()} steps" if st.get("cut_short") else
               f"made {changes} crystal <-> liquid changes, fewer than {min_phase_changes}")
        log.warning("production %s: retry %d of %d, learning again from step %d at ln f = %.3g, then a new "
                    "production", why, st.get("retries", 0) + 1, retries, step, ln_f)
        old_chunks = list(st["chunks"])
        st.update(period="learn", ln_f=ln_f, one_over_t_mode=False, learn_start=step, stage_start=step,
                  produce_start=None, frames=0, chunks=[], stage_changes=0, phase_now=None,
                  retries=st.get("retries", 0) + 1, cut_short=False)
        self.bias.histogram[...] = 0
        self.bias.load_state({"coeffs": self.bias.coeffs - self.tilt, "histogram": self.bias.histogram})
        self.tilt = np.zeros_like(self.tilt)  # learning goes on from the learned bias, not the tilted one
        self.checkpoint()  # the state no longer names the old frames: only then are they removed
        for first in old_chunks:
            (self.workdir / f"frames.{first}.npz").unlink(missing_ok=True)
        return True

    def _equilibrate(self):
        self._advance(self.s.equilibrate_steps)
        step = int(self.sim.lmp.get_thermo("step"))
        self.state.update(period="learn", learn_start=step, stage_start=step)
        log.info("equilibrated %d steps of plain NPT; learning starts", self.s.equilibrate_steps)
        self.checkpoint()

    def _checkpoint_if_due(self):
        """Checkpoint when checkpoint_every steps have passed since the last checkpoint (state["step"])."""
        if int(self.sim.lmp.get_thermo("step")) - self.state["step"] >= self.s.checkpoint_every:
            self.checkpoint()
            return True
        return False

    def _learn(self):
        sched = self.s.learning
        while True:
            step = int(self.sim.lmp.get_thermo("step"))
            learned = step - self.state["learn_start"]
            if self.state["ln_f"] < sched.ln_f_final or learned >= sched.max_steps:
                break
            chunk = min(sched.check_every - step % sched.check_every, sched.max_steps - learned)
            histogram_before = self.bias.histogram.copy()
            self._advance(chunk)
            new_visits = self.bias.histogram - histogram_before
            self.visits += new_visits
            self.state["deposits"] += int(new_visits.sum())
            self._update_ln_f(step + chunk)
            self._checkpoint_if_due()
        reason = "ln f reached ln_f_final" if self.state["ln_f"] < sched.ln_f_final else "max_steps reached"
        log.info("learning ends after %d steps: %s (ln f = %.3g)", learned, reason, self.state["ln_f"])
        self._tilt()
        self.state.update(period="produce", produce_start=int(self.sim.lmp.get_thermo("step")))
        self.checkpoint()

    def _tilt(self):
        """Send t0_share of the production to T0's canonical bins (WangLandauBias.tilt_toward). Where those bins
        are is read from the last quarter of the learning, its trace rows reweighted to T0 by the bias they were
        sampled under, and smoothed over a bin: the learned bias alone places T0's weight in the wrong phase by
        tens of kT0 in most runs (docs/momt-phases.md), the walker's own visits do not."""
        if not self.s.t0_share:
            return
        rows = self._learning_rows()
        end = rows[-1, 0] if len(rows) else self.state["learn_start"]
        rows = rows[rows[:, 0] > end - 0.25 * (end - self.state["learn_start"])]
        reachable = self.visits >= self.s.learning.min_count
        win = self.bias.window
        log_w = rows[:, 4] / self.bias.kT
        w = np.exp(log_w - log_w.max()) if len(rows) else log_w
        weights = np.bincount(win.labels(rows[:, 1], rows[:, 2]), weights=w, minlength=win.n_h * win.n_o)
        weights = np.where(reachable, gaussian_filter(weights.reshape(win.n_h, win.n_o), 1.0, mode="constant"), 0.0)
        if not weights.sum() > 0:
            log.warning("production bias not tilted: no trace row of the learning's last quarter in a reachable bin")
            return
        self.tilt = self.bias.tilt_toward(weights, self.s.t0_share, int(reachable.sum()))
        crystal = crystalline(rows[:, 6], self.n_atoms, self.s.crystallinity_fraction)
        log.info("production bias tilted toward T0 (momt.production.t0_share %g): T0's weight from the learning's "
                 "last %d trace rows (%.1f effective), %.0f %% of it crystalline; the bias drops by up to %.2f eV",
                 self.s.t0_share, len(rows), w.sum() ** 2 / np.sum(w**2), 100 * w[crystal].sum() / w.sum(),
                 -self.tilt.min())

    def _update_ln_f(self, step):
        sched, st = self.s.learning, self.state
        tracker = PhaseTracker(self.n_atoms, self.s.crystallinity_fraction, st["phase_now"])
        st["stage_changes"] += tracker.update([row[6] for row in self.momt.trace[self._traced:]])
        st["phase_now"] = tracker.phase
        self._traced = len(self.momt.trace)
        visited = int((self.visits > 0).sum())
        flat = self.bias.is_flat(sched.flatness, sched.min_count, self.visits)
        # 1/t with t in deposits per bin; a deposit spreads over about 2 pi sigma_H sigma_O bins of the grid.
        kernel_area = 2.0 * np.pi * self.s.kernel_bins[0] * self.s.kernel_bins[1]
        inverse_t = visited / (max(st["deposits"], 1) * kernel_area)
        spans = self._stage_spans_phases()
        if st["one_over_t_mode"]:
            st["ln_f"] = inverse_t
        elif flat or (sched.stage_max_steps and step - st["stage_start"] >= sched.stage_max_steps
                      and st["stage_changes"] >= sched.stage_min_crossings and spans):
            log.info("stage at ln f %.4g ends after %d steps: %s", st["ln_f"], step - st["stage_start"],
                     self._stage_summary())
            st["ln_f"] *= sched.ln_f_factor
            st["stage_start"] = step
            st["stage_changes"] = 0
            self.bias.histogram[...] = 0
            if sched.one_over_t and st["ln_f"] < inverse_t:
                st["one_over_t_mode"] = True
                st["ln_f"] = inverse_t
        self.momt.learn(st["ln_f"], sched.deposit_every)
        lo, hi = self.momt.factor_min, self.momt.factor_max
        st["history"].append([step, st["ln_f"], visited, bool(flat), st["one_over_t_mode"]])
        ends = "" if sched.stage_phase_quantile <= 0 else ", phase ends " + ("reached" if spans else "not reached")
        log.info("step %d: ln f %.4g%s, %d bins visited, flat %s, %d phase changes this stage%s, "
                 "1 + d dH/dH in [%.3f, %.3f], O %.1f, H %.1f eV, %s", step, st["ln_f"],
                 " (1/t)" if st["one_over_t_mode"] else "", visited, flat, st["stage_changes"], ends, lo, hi,
                 self.momt.last["O"], self.momt.last["H"], st["phase_now"])

    def _learning_rows(self):
        rows = np.array(self.trace + list(self.momt.trace), dtype=float).reshape(-1, len(TRACE_COLUMNS))
        return rows[rows[:, 0] > self.state["learn_start"]]

    def _stage_summary(self):
        rows = self._learning_rows()
        rows = rows[rows[:, 0] > self.state["stage_start"]]
        return stage_summary(rows[:, 1], rows[:, 6], self.n_atoms, self.s.crystallinity_fraction)

    def _stage_spans_phases(self):
        q = self.s.learning.stage_phase_quantile
        if q <= 0:
            return True
        rows = self._learning_rows()
        return stage_spans_phases(rows[:, 1], rows[:, 6], rows[:, 0] > self.state["stage_start"], self.n_atoms,
                                  self.s.crystallinity_fraction, q)

    def _produce(self, min_phase_changes=0):
        """The frozen-bias production. While it is short of min_phase_changes (0: no retry left), a walker that has
        stayed in one phase for max_dwell_fraction of its length cuts it short: it would be retried anyway. One
        that has made its changes runs to its end, whatever it does later."""
        s = self.s
        self.momt.freeze()
        done = self.state["frames"] + len(self.pending)
        max_dwell = s.max_dwell_fraction * s.n_frames * s.sample_every if min_phase_changes else 0
        bar = tqdm(total=s.n_frames, initial=done, file=self.progress, disable=self.progress is None,
                   mininterval=10.0, desc="MOMT production", unit="frame")
        # Checked at checkpoints only (and on resuming from one), so a resumed run cuts where it would have.
        checked = True
        while done < s.n_frames:
            dwell = self.production_dwell() if checked and max_dwell else 0
            if dwell and dwell >= max_dwell and self.production_changes() < min_phase_changes:
                log.warning("production stuck in one phase for %d steps (momt.production.max_dwell_fraction %g of "
                            "%d): cut short after %d frames", dwell, s.max_dwell_fraction,
                            s.n_frames * s.sample_every, done)
                self.state["cut_short"] = True
                break
            step = int(self.sim.lmp.get_thermo("step"))
            self._advance(s.sample_every - step % s.sample_every)
            self.pending.append(self._frame())
            done += 1
            bar.update(1)
            checked = self._checkpoint_if_due()
        bar.close()
        self.state["period"] = "done"
        self.checkpoint()

    def _frame(self):
        last = self.momt.last
        step = int(self.sim.lmp.get_thermo("step"))
        if last["step"] != step or self.momt.eam_forces is None:
            raise MOMTError(f"no captured EAM forces for step {step}")
        return {
            "positions": self.sim.positions(), "cells": self.sim.cell(), "energy": last["U"],
            "forces": self.momt.eam_forces, "O": last["O"], "H": last["H"], "bias": last["bias"],
            "factor": last["factor"], "volume": last["volume"], "temperature": self.sim.thermo("temp"),
            "step": step,
        }

    # --- results -----------------------------------------------------------------------------------------
    def dataset(self):
        """The production frames written so far, as a Dataset."""
        arrays = read_frame_chunks(self.workdir, self.state["chunks"])
        if arrays is None or len(arrays["energy"]) != self.state["frames"]:
            raise MOMTError(f"{self.workdir}: frame files do not hold the {self.state['frames']} frames of the state")
        extras = {k: arrays[k] for k in FRAME_EXTRAS}
        extras["crystallinity"] = crystallinity(arrays["positions"], arrays["cells"], self.n_cells)
        # The paper's O (eq. 2) whatever O the bias used: Table S3's grid is drawn on it.
        extras["O_eq2"] = np.concatenate([
            order_parameter(arrays["positions"][part], arrays["cells"][part], self.n_cells, gradient=False)[0]
            for part in np.array_split(np.arange(len(arrays["energy"])), max(1, len(arrays["energy"]) // 1000))])
        return Dataset(
            species=np.full(arrays["positions"].shape[1], atomic_numbers[self.element], dtype=np.int64),
            positions=arrays["positions"], cells=arrays["cells"], energy=arrays["energy"],
            forces=arrays["forces"], extras=extras,
            attrs={"ensemble": "momt", "element": self.element, "n_cells": self.n_cells, "seed": self.seed,
                   "timestep_fs": self.s.timestep_fs, "temperature_K": self.s.temperature_K,
                   "pressure_bar": self.s.pressure_bar, "learn_start": self.state["learn_start"],
                   "produce_start": self.state["produce_start"], "retries": self.state.get("retries", 0)},
        )

    def bias_record(self):
        """Everything about the learned bias, for momt_bias.npz."""
        w = self.s.window
        return {
            **{k: v for k, v in self.bias.state().items()},
            "visits": self.visits,
            "ln_f_history": np.array(self.state["history"], dtype=float).reshape(-1, 5),
            "ln_f_history_columns": np.array(["step", "ln_f", "visited_bins", "flat", "one_over_t"]),
            "trace": np.array(self.trace, dtype=float).reshape(-1, len(TRACE_COLUMNS)),
            "trace_columns": np.array(TRACE_COLUMNS),
            "h_edges_eV": np.linspace(w.h_min, w.h_max, w.n_h + 1),
            "o_edges": np.linspace(w.o_min, w.o_max, w.n_o + 1),
            "temperature_K": self.s.temperature_K, "pressure_bar": self.s.pressure_bar,
            "timestep_fs": self.s.timestep_fs,
            "factor_range": np.array([self.state["factor_min"], self.state["factor_max"]], dtype=float),
            "factor_band": np.array(self.bias.factor_range()),
            "learn_start": self.state["learn_start"], "produce_start": self.state["produce_start"],
        }


def _jsonable(value):
    return json.loads(json.dumps(value, default=lambda o: asdict(o) if hasattr(o, "__dataclass_fields__") else o))
