"""Run the real workflow with snakemake's command line in a scratch folder."""

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


def snakemake(workdir, configfile, *args, cores=2):
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "workflow" / "Snakefile"),
               "--directory", str(workdir), "--configfile", str(configfile), "--cores", str(cores), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir)
