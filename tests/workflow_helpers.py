"""Run the real workflow with snakemake's command line in a scratch folder."""

import hashlib
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO


def config_from(name, tmp_path, edit=None):
    """Copy config/<name> into tmp_path with an absolute potential path, apply edit(config), return its path."""
    config = yaml.safe_load((REPO / "config" / name).read_text())
    for spec in config["potentials"].values():
        spec["path"] = str(REPO / spec["path"])
    if edit:
        edit(config)
    path = Path(tmp_path) / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake_command(workdir, configfile, *args, cores=2):
    return [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "workflow" / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(configfile), "--cores", str(cores), *args]


def snakemake(workdir, configfile, *args, cores=2, env=None):
    return subprocess.run(snakemake_command(workdir, configfile, *args, cores=cores), capture_output=True,
                          text=True, cwd=workdir, env=env)


# What "the same results" means: the datasets byte for byte, and the tables (CSV) of every stage. Not the
# models (torch.save records nothing run-specific, but a table of their errors is the check that matters), logs,
# benchmarks or figures (PNG metadata), which hold times.
RESULT_PATTERNS = ["results/**/*.h5", "results/tables/*.csv", "results/*/distill/*.csv", "results/*/active/*.csv",
                   "results/*/compare/*.csv", "results/*/momt_thermo.csv", "results/train/*/ensemble.csv",
                   "results/figures/*.csv"]


# Wall times (ensemble.csv, training_speed.csv): the only values that may differ between runs.
TIMING_COLUMNS = ["seconds", "seconds_per_epoch", "first_epoch_s", "neighbour_lists_s", "speed_up"]


def _table_bytes(path):
    import pandas as pd

    table = pd.read_csv(path)
    return table.drop(columns=[c for c in TIMING_COLUMNS if c in table]).to_csv(index=False).encode()


def result_digests(workdir):
    """{relative path: sha256} of the datasets a run wrote (as bytes) and its tables (less timing columns)."""
    workdir = Path(workdir)
    paths = sorted({p for pattern in RESULT_PATTERNS for p in workdir.glob(pattern)})
    return {str(p.relative_to(workdir)): hashlib.sha256(_table_bytes(p) if p.suffix == ".csv" else p.read_bytes())
            .hexdigest() for p in paths}


def differing(reference, other):
    """The paths whose digests differ or that only one side has."""
    return sorted(k for k in reference.keys() | other.keys() if reference.get(k) != other.get(k))


# The stages the SLURM run makes: sampling, training and distillation, about a fifth of the test config's jobs
# (the whole DAG through this one-node cluster takes over 7 minutes); what it makes is compared with the full local
# run's files of the same names.
PARTIAL_TARGETS = ("train", "distill")


def partial_differing(reference, partial):
    """differing() over the files a partial run made, which must include its datasets and ensembles."""
    assert any(k.endswith("momt.h5") for k in partial) and any(k.endswith("ensemble.csv") for k in partial)
    return differing({k: v for k, v in reference.items() if k in partial}, partial)
