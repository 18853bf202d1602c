"""Partial runs and reruns: named stages, and what an edit of one setting or a deleted model schedules (dry runs)."""

import re
import shutil

import pytest

from tests.workflow_helpers import config_from, snakemake

SAMPLING = {"potential", "npt", "momt", "momt_thermo"}


def scheduled(result):
    """{rule: job count} from the 'Job stats' table of a dry run; {} when nothing is to be done."""
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return {}
    table = text.split("Job stats:", 1)[1].split("total", 1)[0]
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)\s*$", table, flags=re.M)}


@pytest.mark.parametrize("target, expected, excluded", [
    ("sample", {"npt", "momt", "momt_thermo"}, {"train_member", "distill_grid"}),
    ("distill", {"momt", "distill_grid"}, {"npt", "train_member"}),
    ("train", {"npt", "momt", "train_member", "ensemble"}, {"distill_grid", "al_select"}),
    # evaluate relaxes the trained NNPs too, so it needs their training, but none of the sampling figures.
    ("evaluate", {"relax_reference", "relax_nnp", "relaxation_table", "translated_set", "training_speed", "elastic"},
     {"fig_s1a", "fig_s3", "momt_maps"}),
    ("report", {"write_report", "fig_s1a", "fig_s2", "self_energy_table", "distill_grid", "al_select", "relax_nnp"},
     {"momt_maps"}),
])
def test_named_stages_schedule_their_part_only(tmp_path, target, expected, excluded):
    jobs = scheduled(snakemake(tmp_path, config_from("test.yaml", tmp_path), target, "--dry-run"))
    assert expected <= set(jobs) and not excluded & set(jobs), jobs


def test_until_stops_after_the_named_rule(tmp_path):
    jobs = scheduled(snakemake(tmp_path, config_from("test.yaml", tmp_path), "--until", "momt", "--dry-run"))
    assert set(jobs) == {"potential", "momt"}, jobs


@pytest.mark.slow
def test_finished_run_has_nothing_to_do(test_run, tmp_path):
    assert scheduled(snakemake(test_run, config_from("test.yaml", tmp_path), "--dry-run")) == {}


@pytest.mark.slow
def test_editing_a_training_setting_reruns_training_and_after_not_sampling(test_run, tmp_path):
    def more_epochs(config):
        config["train"]["epochs"] = 3

    jobs = scheduled(snakemake(test_run, config_from("test.yaml", tmp_path, more_epochs), "--dry-run"))
    assert {"train_member", "ensemble", "self_energy_table", "fig_s2"} <= set(jobs), jobs
    # Training sets are cut from the sampled data, not trained on: they stay too.
    assert not (SAMPLING | {"training_set", "distill_grid", "fig_s1a", "fig_s1b", "fig_s3"}) & set(jobs), jobs


@pytest.mark.slow
def test_editing_a_momt_setting_reruns_everything_downstream_of_momt(test_run, tmp_path):
    def longer_learning(config):
        config["momt"]["learning"]["max_steps"] = 25000

    jobs = scheduled(snakemake(test_run, config_from("test.yaml", tmp_path, longer_learning), "--dry-run"))
    downstream = {"momt", "momt_thermo", "training_set", "train_member", "ensemble", "self_energy_table",
                  "distill_grid", "al_start", "al_select", "al_summary", "fig_s1b", "fig_s3", "fig_s2"}
    assert downstream <= set(jobs), jobs
    assert not {"potential", "npt", "fig_s1a", "relax_reference"} & set(jobs), jobs
    assert jobs["momt"] == 1 and jobs["training_set"] == 1  # the MOMT set; the NPT ones stay


@pytest.mark.slow
def test_deleting_one_member_reruns_that_member_then_what_uses_it(test_run, tmp_path):
    run = shutil.copytree(test_run, tmp_path / "run", symlinks=True)
    member = "results/train/ni32_fcc/member1/model.pt"
    (run / member).unlink()
    config = config_from("test.yaml", tmp_path)
    # Snakemake does not remake a missing file whose users are up to date; asked for, only that member runs.
    result = snakemake(run, config, member, "--dry-run")
    assert scheduled(result) == {"train_member": 1} and "wildcards: set=ni32_fcc, member=1" in result.stdout
    assert snakemake(run, config, member).returncode == 0
    # Then the retrained member is newer than its ensemble: that ensemble and what uses it follow.
    jobs = scheduled(snakemake(run, config, "--dry-run"))
    assert jobs == {"ensemble": 1, "self_energy_table": 1, "fig_s2": 1, "write_report": 1, "all": 1}, jobs


def _code_copy(tmp_path):
    """The workflow, scripts and package copied, so a test can edit the code without touching the checkout."""
    from tests.conftest import REPO

    copy = tmp_path / "repo"
    for folder in ("workflow", "scripts", "nnpdistill", "config", "envs", "docs"):
        shutil.copytree(REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    return copy


def _dry_run_with(copy, test_run, tmp_path):
    import subprocess
    import sys

    command = [sys.executable, "-m", "snakemake", "--snakefile", str(copy / "workflow" / "Snakefile"), "--directory",
               str(test_run), "--configfile", str(config_from("test.yaml", tmp_path)), "--cores", "1", "--dry-run"]
    return scheduled(subprocess.run(command, capture_output=True, text=True, cwd=test_run))


@pytest.mark.slow
def test_editing_package_code_reruns_the_jobs_that_run_it(test_run, tmp_path):
    copy = _code_copy(tmp_path)
    # The copy is the code that made the run; only the report, whose inputs include a page of the copy's docs/ by
    # absolute path, sees a new input path.
    assert set(_dry_run_with(copy, test_run, tmp_path)) <= {"write_report", "all"}
    cases = [  # module, jobs that must rerun, jobs that must not
        ("nnp/train.py", {"train_member", "ensemble", "fig_s2", "relax_nnp"},
         SAMPLING | {"training_set", "distill_grid", "fig_s1a", "fig_s3"}),
        ("figures.py", {"fig_s1a", "fig_s3", "momt_maps", "write_report"},
         SAMPLING - {"momt_thermo"} | {"train_member", "training_set", "distill_grid", "relax_nnp"}),
        ("sample/order.py", {"npt", "momt", "train_member"}, set()),
    ]
    for module, expected, excluded in cases:
        path = copy / "nnpdistill" / module
        original = path.read_text()
        path.write_text(original + "\n_EDITED = 1\n")
        jobs = _dry_run_with(copy, test_run, tmp_path)
        path.write_text(original)
        assert expected <= set(jobs) and not excluded & set(jobs), (module, jobs)


def test_code_fingerprint_ignores_comments_and_docstrings_and_follows_imports(tmp_path):
    from nnpdistill import codehash
    from tests.conftest import REPO

    script = tmp_path / "script.py"
    script.write_text("from nnpdistill.nnp.train import TrainSettings\nx = 1\n")
    before = codehash.fingerprint(script)
    assert {"nnp.train", "nnp.model", "units"} <= set(codehash.modules_of(script))
    assert "sample.order" not in codehash.modules_of(REPO / "scripts" / "train_member.py")
    script.write_text('"""A docstring."""\n# a comment\nfrom nnpdistill.nnp.train import TrainSettings  # why\n\nx = 1\n')
    assert codehash.fingerprint(script) == before
    script.write_text("from nnpdistill.nnp.train import TrainSettings\nx = 2\n")
    assert codehash.fingerprint(script) != before
