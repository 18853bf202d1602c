"""The workflow itself: lint, dry runs of every shipped config, and the test config end to end."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nnpdistill import dataset
from tests.conftest import REPO
from tests.workflow_helpers import config_from, snakemake


def test_lint_is_clean():
    result = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


@pytest.mark.parametrize("name", ["config.yaml", "paper.yaml", "test.yaml"])
def test_dry_run_of_each_config(tmp_path, name):
    result = snakemake(tmp_path, config_from(name, tmp_path), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "npt" in result.stdout and "fig_s1a" in result.stdout


def test_default_config_is_picked_up_without_configfile():
    result = subprocess.run([sys.executable, "-m", "snakemake", "--dry-run", "--cores", "1", "--forceall"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "results/ni108/npt_fcc.h5" in result.stdout


@pytest.fixture(scope="module")
def test_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run")
    result = snakemake(workdir, config_from("test.yaml", workdir))
    assert result.returncode == 0, result.stderr
    return workdir


@pytest.mark.slow
def test_npt_datasets_hold_both_phases(test_run):
    fcc = dataset.read(test_run / "results/ni32/npt_fcc.h5")
    liquid = dataset.read(test_run / "results/ni32/npt_liquid.h5")
    for data in (fcc, liquid):
        assert len(data) == 20 and data.n_atoms == 32
        assert data.attrs["potential_sha256"].startswith("d561e4ab")
        np.testing.assert_array_equal(np.diff(data.extras["step"]), 50)
    assert fcc.extras["O"].min() > 10.0 > 5.0 > liquid.extras["O"].max()
    assert fcc.energy.mean() < liquid.energy.mean()
    summary = pd.read_csv(test_run / "results/figures/fig_s1a_npt_summary.csv")
    assert not summary["changed_phase"].any()
    assert (test_run / "results/figures/fig_s1a_npt_energy.png").stat().st_size > 10_000


@pytest.mark.slow
def test_every_job_wrote_a_log_and_a_benchmark(test_run):
    for stage, names in {"npt": ["ni32_fcc", "ni32_liquid"], "potential": ["ninb"], "figures": ["fig_s1a"]}.items():
        for name in names:
            assert (test_run / f"results/logs/{stage}/{name}.log").stat().st_size > 0
            assert (test_run / f"results/benchmarks/{stage}/{name}.tsv").exists()


@pytest.mark.slow
def test_same_config_gives_byte_identical_datasets(test_run, tmp_path):
    result = snakemake(tmp_path, config_from("test.yaml", tmp_path), "results/ni32/npt_liquid.h5")
    assert result.returncode == 0, result.stderr
    again = (tmp_path / "results/ni32/npt_liquid.h5").read_bytes()
    assert again == (test_run / "results/ni32/npt_liquid.h5").read_bytes()
