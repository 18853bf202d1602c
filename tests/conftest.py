import fcntl
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("TORCHANI_NO_WARN_EXTENSIONS", "1")

REPO = Path(__file__).resolve().parent.parent
POTENTIAL_FILE = REPO / "resources" / "potentials" / "NiNb.eam.fs"
POTENTIAL_SHA256 = "d561e4abf1dd09ce479e6dce0911e5f0bd73669967545579ab04b1c263ed6a17"


def pytest_collection_modifyitems(items):
    """The module that first needs the shared test run (test_benchmark, the longest) goes first, so the run starts
    at once; the other modules that need it go last, so a second pytest-xdist worker spends the run's minutes on
    tests that do not wait for it. Make test passes --no-loadscope-reorder so that xdist keeps this order."""
    def module(item):
        return getattr(getattr(item, "module", None), "__name__", "")

    needs = [module(item) for item in items if "test_run" in item.fixturenames]
    if needs:
        items.sort(key=lambda item: 0 if module(item) == needs[0] else 2 if module(item) in needs else 1)


@pytest.fixture
def potential():
    from nnpdistill.potential import Potential

    return Potential(POTENTIAL_FILE, "eam/fs", POTENTIAL_SHA256)


@pytest.fixture(scope="session")
def test_run(tmp_path_factory):
    """config/test.yaml run once, uninterrupted, for every test module that reads or compares with it. Its
    result digests are taken at once, before any test reruns parts of it with other settings (dry runs only: a
    test that runs jobs copies it first).

    Under pytest-xdist (make test: -n 2 --dist loadfile) every worker has its own session, so the run lives in the
    folder the workers' base folders share: the first worker to need it runs it under a file lock, the others wait
    for it and read its digests."""
    from tests.workflow_helpers import config_from, result_digests, snakemake

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    workdir, digests, failed = shared / "test_run", shared / "test_run.digests.json", shared / "test_run.failed"
    with open(shared / "test_run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if failed.exists():
            pytest.fail(f"the shared test run failed in another worker:\n{failed.read_text()}")
        if not digests.exists():
            workdir.mkdir()
            result = snakemake(workdir, config_from("test.yaml", workdir))
            if result.returncode != 0:
                failed.write_text(result.stderr[-6000:])
            assert result.returncode == 0, result.stderr
            digests.write_text(json.dumps(result_digests(workdir)))
    RUN_DIGESTS[workdir] = json.loads(digests.read_text())
    return workdir


RUN_DIGESTS = {}  # test_run's folder -> its result digests when it finished


@pytest.fixture(scope="session")
def test_run_digests(test_run):
    return RUN_DIGESTS[test_run]
