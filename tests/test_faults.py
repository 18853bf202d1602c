"""Faults: the workflow killed with SIGKILL and started again, broken intermediate files, a live run's lock."""

import json
import os
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from tests.workflow_helpers import (PARTIAL_TARGETS, config_from, partial_differing, result_digests, snakemake,
                                    snakemake_command)


def kill_when(workdir, configfile, ready, *targets, timeout=900):
    """Start the workflow (its targets); once ready() holds, SIGKILL snakemake and every job process (its whole
    session). Returns False when the run ended before that."""
    with open(workdir / "killed-run.log", "ab") as log:
        process = subprocess.Popen(snakemake_command(workdir, configfile, *targets), cwd=workdir, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if ready():
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.05)
        return False
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_killed_during_momt_and_training_the_same_command_finishes_with_the_same_results(tmp_path, test_run_digests):
    config = config_from("test.yaml", tmp_path)
    momt_state = tmp_path / "results/ni32/momt_work/state.npz"
    momt_log = tmp_path / "results/logs/momt/ni32.log"

    def momt_learning():  # MOMT's first checkpoint of its learning period is on disk: the rest is to resume
        try:
            with np.load(momt_state, allow_pickle=False) as data:
                return json.loads(str(data["state"]))["period"] == "learn"
        except (OSError, KeyError, ValueError):  # not written yet
            return False

    # Sampling, training and distillation (what the kills hit; the evaluation after them is the full run's)
    assert kill_when(tmp_path, config, momt_learning, *PARTIAL_TARGETS), "the run ended before MOMT was under way"
    assert not (tmp_path / "results/ni32/momt.h5").exists()
    killed = []

    def training():  # a member past its first epoch (checkpointed) and not finished
        for log in tmp_path.glob("results/logs/train/*_member*.log"):
            name, member = log.stem.rsplit("_member", 1)
            done = tmp_path / f"results/train/{name}/member{member}/model.pt"
            if "epoch 1:" in log.read_text() and not done.exists():
                killed.append(log)
                return True
        return False

    assert kill_when(tmp_path, config, training, *PARTIAL_TARGETS), \
        "the run ended before any member had finished an epoch"
    # The MOMT job after the first kill resumed; it may have run in the second run or (when that was killed before
    # MOMT started, or after it had cleaned up but before Snakemake saw it finish) in the third. Each run rewrites
    # the log, so it is read after both.
    momt_logs = [momt_log.read_text()]

    result = snakemake(tmp_path, config, *PARTIAL_TARGETS)  # the same command as the killed runs
    assert result.returncode == 0, result.stderr[-4000:]
    momt_logs.append(momt_log.read_text())
    assert any("resuming MOMT from step" in text for text in momt_logs), momt_logs
    assert not any("starting over" in text for text in momt_logs)
    assert "resumed from epoch" in killed[0].read_text()
    assert not partial_differing(test_run_digests, result_digests(tmp_path))


def _finished_copy(test_run, tmp_path):
    return shutil.copytree(test_run, tmp_path / "run", symlinks=True)


@pytest.mark.slow
def test_truncated_dataset_is_named_and_nothing_else_is_touched(test_run, tmp_path):
    run = _finished_copy(test_run, tmp_path)
    source = run / "results/ni32/npt_fcc.h5"
    source.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    momt = (run / "results/ni32/momt.h5").read_bytes()
    result = snakemake(run, config_from("test.yaml", tmp_path), "results/train/ni32_fcc/data.h5")
    assert result.returncode != 0
    assert "results/ni32/npt_fcc.h5: cannot read HDF5 dataset file (truncated or corrupt?)" in result.stdout + result.stderr
    assert (run / "results/ni32/momt.h5").read_bytes() == momt
    assert not (run / "results/train/ni32_fcc/data.h5").exists()  # no half-written output


@pytest.mark.slow
def test_frame_with_nan_forces_is_named(test_run, tmp_path):
    run = _finished_copy(test_run, tmp_path)
    with h5py.File(run / "results/ni32/npt_liquid.h5", "r+") as h5:
        h5["forces"][3, 5, 1] = np.nan
    result = snakemake(run, config_from("test.yaml", tmp_path), "results/train/ni32_liquid/data.h5")
    assert result.returncode != 0
    assert "results/ni32/npt_liquid.h5" in result.stdout + result.stderr
    assert "frame 3" in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("keep_attribute, culprit", [
    (True, "results/ni32/npt_fcc.h5 (its attribute 'element'): expected only Ni atoms, but atom 5 is Au"),
    (False, "results/ni32/npt_fcc.h5 (read as its system's element): expected only Ni atoms, but atom 5 is Au"),
])
def test_species_other_than_the_systems_element_are_named(test_run, tmp_path, keep_attribute, culprit):
    run = _finished_copy(test_run, tmp_path)
    with h5py.File(run / "results/ni32/npt_fcc.h5", "r+") as h5:
        h5["species"][5] = 79
        if not keep_attribute:
            del h5.attrs["element"]
    momt = (run / "results/ni32/momt.h5").read_bytes()
    result = snakemake(run, config_from("test.yaml", tmp_path), "results/train/ni32_fcc/data.h5")
    assert result.returncode != 0
    assert culprit in result.stdout + result.stderr
    assert (run / "results/ni32/momt.h5").read_bytes() == momt
    assert not (run / "results/train/ni32_fcc/data.h5").exists()


def test_locks_of_a_live_run_are_kept_and_those_of_a_dead_one_removed(tmp_path):
    from nnpdistill import runlock

    locks = tmp_path / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.output.lock").write_text("results/x\n")
    holder = subprocess.Popen(["python3", "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print(flush=True); time.sleep(60)",
                               str(tmp_path / ".snakemake" / "nnpdistill.flock")], stdout=subprocess.PIPE)
    try:
        holder.stdout.readline()  # it holds the lock now: a run is alive
        assert runlock.clear_stale_locks(tmp_path) == [] and (locks / "0.output.lock").exists()
    finally:
        holder.kill()
        holder.wait()
    try:
        assert runlock.clear_stale_locks(tmp_path) == [locks / "0.output.lock"]  # its holder died
        assert not any(locks.iterdir())
    finally:
        runlock._held.pop().close()
