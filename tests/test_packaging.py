"""The rule environment (envs/nnpdistill.yaml, for --sdm conda) pins what pyproject.toml pins."""

import re
import tomllib

import yaml

from tests.conftest import REPO

DRIVER_ONLY = {"snakemake", "snakemake-executor-plugin-slurm"}  # run Snakemake itself, not its jobs


def _split(requirement):
    """(name, version spec) of 'name>=1.0', 'name==1.0' or conda's 'name=1.0'."""
    name, spec = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", requirement.split("#")[0].strip()).groups()
    return name.lower(), spec.replace(" ", "")


def test_rule_environment_pins_every_runtime_dependency_alike():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = dict(_split(r) for r in project if _split(r)[0] not in DRIVER_ONLY)
    env = yaml.safe_load((REPO / "envs" / "nnpdistill.yaml").read_text())["dependencies"]
    conda = [d for d in env if isinstance(d, str)]
    pip = next(d["pip"] for d in env if isinstance(d, dict))
    have = dict(_split(r) for r in conda + pip)
    assert {name: have.get(name) for name in wanted} == wanted


def test_hartree_conversion_is_torchanis():
    from torchani.units import HARTREE_TO_EV as torchani_value

    from nnpdistill.units import HARTREE_TO_EV

    assert HARTREE_TO_EV == torchani_value
