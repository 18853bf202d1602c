import os
from pathlib import Path

import pytest

os.environ.setdefault("TORCHANI_NO_WARN_EXTENSIONS", "1")

REPO = Path(__file__).resolve().parent.parent
POTENTIAL_FILE = REPO / "resources" / "potentials" / "NiNb.eam.fs"
POTENTIAL_SHA256 = "d561e4abf1dd09ce479e6dce0911e5f0bd73669967545579ab04b1c263ed6a17"


@pytest.fixture
def potential():
    from nnpdistill.potential import Potential

    return Potential(POTENTIAL_FILE, "eam/fs", POTENTIAL_SHA256)


@pytest.fixture(scope="session")
def test_run(tmp_path_factory):
    """config/test.yaml run once, uninterrupted, for every test module that reads or compares with it. Its
    result digests are taken at once, before any test reruns parts of it with other settings."""
    from tests.workflow_helpers import config_from, result_digests, snakemake

    workdir = tmp_path_factory.mktemp("run")
    result = snakemake(workdir, config_from("test.yaml", workdir))
    assert result.returncode == 0, result.stderr
    RUN_DIGESTS[workdir] = result_digests(workdir)
    return workdir


RUN_DIGESTS = {}  # test_run's folder -> its result digests when it finished


@pytest.fixture(scope="session")
def test_run_digests(test_run):
    return RUN_DIGESTS[test_run]
