"""config/test.yaml through the SLURM profile on a real one-node SLURM (tests/slurm_cluster.py), against a local run:
its sampling, training and distillation stages (workflow_helpers.PARTIAL_TARGETS), to keep the suite short.

Skipped, with the reason, where SLURM cannot start (no root or apt-get for the packages, a daemon that dies).
"""

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.slurm_cluster import Cluster, Unavailable
from tests.workflow_helpers import PARTIAL_TARGETS, config_from, partial_differing, result_digests, snakemake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    # Not under pytest's tmp folder: that is private to root, and munged runs as user munge.
    scratch = Path(tempfile.mkdtemp(prefix="nnpdistill-slurm-"))
    try:
        started = Cluster(scratch).start()
    except Unavailable as err:
        print(f"\nSLURM test cluster unavailable: {err}")
        shutil.rmtree(scratch, ignore_errors=True)
        pytest.skip(f"SLURM cannot start on this machine: {err}")
    yield started
    started.stop()
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("slurm")

    def on_test_cluster(config):
        config["cluster"] = {"partition": cluster.partition, "account": cluster.account}

    result = snakemake(workdir, config_from("test.yaml", workdir, on_test_cluster), *PARTIAL_TARGETS,
                       "--workflow-profile", str(REPO / "workflow" / "profiles" / "slurm"),
                       # The profile's pace suits a real site; this cluster answers at once.
                       "--slurm-init-seconds-before-status-checks", "2", env=cluster.env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return workdir, result.stdout + result.stderr


def test_every_job_went_through_sbatch_and_completed(cluster, slurm_run):
    _, log = slurm_run
    jobs = re.findall(r"^rule (\w+):", log, flags=re.M)  # localrules (targets such as all) print 'localrule'
    slurm_ids = re.findall(r"has been submitted with SLURM jobid (\d+)", log)
    assert jobs and len(slurm_ids) == len(jobs) == len(set(slurm_ids))
    rows = cluster.run("sacct", "-X", "-n", "-P", "-o", "JobID,State,Partition,Account", "-j",
                       ",".join(slurm_ids)).stdout.split()
    states = {row.split("|")[0]: row.split("|")[1:] for row in rows}
    assert set(states) == set(slurm_ids)
    assert all(s == ["COMPLETED", cluster.partition, cluster.account] for s in states.values()), states
    print(f"\n{len(slurm_ids)} jobs of {len(set(jobs))} rules through sbatch, all COMPLETED in sacct")


def test_outputs_equal_those_of_a_local_run(slurm_run, test_run_digests):
    workdir, _ = slurm_run
    digests = result_digests(workdir)
    assert len(digests) > 10
    assert not partial_differing(test_run_digests, digests)
