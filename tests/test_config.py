"""Bad settings stop the workflow at start-up with one clear message, before any job runs."""

import os
import re
import subprocess

import pytest
import yaml

from tests.conftest import POTENTIAL_FILE
from tests.workflow_helpers import config_from, snakemake


def misspelled_key(config):
    config["npt"]["relax_step"] = config["npt"].pop("relax_steps")


def negative_temperature(config):
    config["systems"]["ni32"]["temperature_K"] = -300.0


def wrong_type(config):
    config["npt"]["n_frames"] = "twenty"


def unknown_system(config):
    config["npt"]["systems"] = ["ni33"]


def empty_o_range(config):
    config["systems"]["ni32"]["momt"]["o_range"] = [40.0, -5.0]


def temperature_outside_band(config):
    config["systems"]["ni32"]["momt"]["t_min_K"] = 2500.0


def melting_compare_without_coexistence(config):
    config["melting"] = {"elements": {"Al": {"potential": "ninb", "guess_K": 930.0}}, "compare": ["ni32", "ni64"]}


def momt_system_without_window(config):
    del config["systems"]["ni32"]["momt"]


def missing_potential(config):
    config["potentials"]["ninb"]["path"] = "/nonexistent/NiNb.eam.fs"


def wrong_sha256(config):
    config["potentials"]["ninb"]["sha256"] = "0" * 64


def training_set_of_unsampled_phase(config):
    config["npt"]["phases"] = ["fcc"]


def table_of_unknown_set(config):
    config["tables"]["s4_sets"] = ["ni32_fcc", "ni32_gas"]


def wrong_training_source(config):
    config["train"]["sets"]["ni32_fcc"]["source"] = "npt_bcc"


def evaluate_unknown_potential(config):
    config["evaluate"]["elements"]["Nb"] = "nb_eam"


def evaluation_of_unknown_set(config):
    config["evaluate"]["models"]["full"]["set"] = "ni32_gas"


def one_member_with_active_learning(config):
    config["train"]["ensemble_size"] = 1


def one_member_rounds_by_energy_spread(config):
    config["active"]["members"] = 1


def pool_mode_without_budget(config):
    config["active"]["mode"] = "pool"


def absolute_threshold_of_zero(config):
    config["active"]["population"] = "absolute"


def diversity_without_budget(config):
    config["active"]["diversity"] = "fps"


def pool_size_out_of_reach(config):
    config["benchmark"]["pool"] = {"start_frames": 4, "budget": 3}  # 8 = 4 + 4/3 budgets


def one_member_pool_chain(config):  # test.yaml's benchmark has a pool chain
    config["benchmark"]["pool"] = {"start_frames": 4, "budget": 4, "members": 1}


def one_member_paper_chain(config):
    config["benchmark"]["paper"] = {"members": 1}  # test.yaml's benchmark has the paper's chain


def delta_o_not_increasing(config):
    config["distill"]["delta_o"] = [0.02, 0.1, 0.05]


def cluster_typo(config):
    config["cluster"] = {"partitoin": "short"}


def evaluate_unknown_structure(config):
    config["evaluate"]["structures"] = ["fcc", "dhcp"]


@pytest.mark.parametrize("edit, message", [
    (evaluate_unknown_structure, r"setting 'evaluate.structures.1': 'dhcp' is not one of"),
    (wrong_training_source, r"setting 'train.sets.ni32_fcc.source': 'npt_bcc' is not one of"),
    (misspelled_key, r"setting 'npt': Additional properties are not allowed \('relax_step' was unexpected\)"),
    (negative_temperature, r"setting 'systems.ni32.temperature_K': -300.0 is less than or equal to the minimum of 0"),
    (wrong_type, r"setting 'npt.n_frames': 'twenty' is not of type 'integer'"),
    (unknown_system, r"npt.systems: 'ni33' is not a key of systems"),
    (cluster_typo, r"setting 'cluster': Additional properties are not allowed \('partitoin' was unexpected\)"),
    (wrong_sha256, r"potentials.ninb.sha256: potential file '.*NiNb.eam.fs' has sha256 d561e4ab\w{56}, "
                   r"but the config expects 0{64}"),
])
def test_bad_setting_fails_before_any_job(tmp_path, edit, message):
    """Schema errors, and one of each kind of check beyond it, from the command line."""
    result = snakemake(tmp_path, config_from("test.yaml", tmp_path, edit))
    assert result.returncode != 0
    assert re.search(message, result.stderr), result.stderr
    assert not (tmp_path / "results").exists()


def twin_start_of_a_box_it_does_not_fit(config):
    config["npt"]["phases"] = ["fcc", "twin", "liquid"]  # the test config's NPT system is ni32, 2 x 2 x 2


@pytest.mark.parametrize("edit, message", [
    (twin_start_of_a_box_it_does_not_fit, r"npt.phases: twin needs fcc_cells a multiple of 3; systems.ni32.fcc_cells "
                                          r"is 2"),
    (training_set_of_unsampled_phase, r"train.sets.ni32_liquid.source: npt_liquid of 'ni32' is not sampled"),
    (table_of_unknown_set, r"tables.s4_sets: 'ni32_gas' is neither a key of train.sets nor a set the workflow derives"),
    (evaluation_of_unknown_set, r"evaluate.models.full.set: 'ni32_gas' is neither a key of train.sets nor a set"),
    (evaluate_unknown_potential, r"evaluate.elements.Nb: 'nb_eam' is not a key of potentials"),
    (one_member_with_active_learning, r"train.ensemble_size: active learning \(active.systems: \['ni32'\]\) picks "
                                      r"frames by the spread of an ensemble's predictions \(active.uncertainty: "
                                      r"energy\), which one member cannot"),
    (one_member_rounds_by_energy_spread, r"active.members: active learning \(active.systems: \['ni32'\]\) picks "
                                         r"frames by the spread .*\(active.uncertainty: energy\)"),
    (pool_mode_without_budget, r"active.budget: active.mode: pool adds a fixed number of frames a round"),
    (absolute_threshold_of_zero, r"active.threshold: active.population: absolute needs a threshold > 0"),
    (diversity_without_budget, r"active.budget: active.diversity: fps chooses among the uncertain frames"),
    (pool_size_out_of_reach, r"benchmark.sizes: \[8\] cannot be reached by the pool chain, which holds "
                             r"benchmark.pool.start_frames \(4\) plus a whole number of benchmark.pool.budget \(3\)"),
    (one_member_pool_chain, r"benchmark.pool.members: 1 member has no spread to score by; the energy uncertainty "
                            r"needs 2 or more \(only maxvol works with one\)"),
    (one_member_paper_chain, r"benchmark.paper.members: 1 member \(0: train.ensemble_size\) has no spread to score "
                             r"by; the energy uncertainty needs 2 or more"),
    (delta_o_not_increasing, r"distill.delta_o: the widths must increase \(finest first\), got \[0.02, 0.1, 0.05\]"),
    (empty_o_range, r"systems.ni32.momt.o_range: empty range \[40.0, -5.0\]"),
    (temperature_outside_band, r"systems.ni32.momt: need t_min_K < temperature_K < t_max_K, got 2500.0 < 2000.0"),
    (melting_compare_without_coexistence, r"melting.compare: ni32's element Ni has no coexistence run"),
    (melting_compare_without_coexistence, r"melting.compare: 'ni64' is not a key of systems"),
    (momt_system_without_window, r"momt.systems: system 'ni32' has no momt window \(systems.ni32.momt\)"),
    (missing_potential, r"potentials.ninb.path: potential file '/nonexistent/NiNb.eam.fs' does not exist"),
])
def test_config_checks_name_the_setting(tmp_path, edit, message):
    """The checks beyond the schema, as the plain function the workflow calls at start-up."""
    from snakemake.utils import validate

    from nnpdistill.config_checks import problems
    from tests.conftest import REPO

    config = yaml.safe_load(config_from("test.yaml", tmp_path, edit).read_text())
    validate(config, REPO / "config" / "schema.yaml")  # fills in the defaults, as the workflow does
    found = problems(config)
    assert any(re.search(message, line) for line in found), found


def test_config_checks_pass_the_shipped_configs():
    from snakemake.utils import validate

    from nnpdistill.config_checks import problems
    from tests.conftest import REPO

    for name in ("config.yaml", "test.yaml", "paper.yaml"):
        config = yaml.safe_load((REPO / "config" / name).read_text())
        validate(config, REPO / "config" / "schema.yaml")
        assert problems(config, base_dir=REPO) == [], name


def test_potential_rule_checks_the_hash_of_a_changed_file(tmp_path):
    """A file that changes after start-up is caught by the potential rule, naming the file and both hashes."""
    from nnpdistill.potential import PotentialError, install, sha256_of

    copy = tmp_path / "NiNb.eam.fs"
    copy.write_bytes(POTENTIAL_FILE.read_bytes() + b"\n")
    spec = {"path": str(copy), "sha256": sha256_of(POTENTIAL_FILE)}
    with pytest.raises(PotentialError, match=f"'{copy}' has sha256 {sha256_of(copy)}, but the config expects "
                                             f"{sha256_of(POTENTIAL_FILE)}"):
        install(spec, tmp_path / "out.eam", setting="potentials.ninb")
    assert not (tmp_path / "out.eam").exists()


def test_potential_is_downloaded_from_its_url_when_missing(tmp_path):
    from nnpdistill.potential import install, sha256_of

    spec = {"path": str(tmp_path / "absent.eam.fs"), "url": POTENTIAL_FILE.as_uri(), "sha256": sha256_of(POTENTIAL_FILE)}
    install(spec, tmp_path / "out.eam")
    assert (tmp_path / "out.eam").read_bytes() == POTENTIAL_FILE.read_bytes()


def test_unwritable_results_folder_fails_before_any_job(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "finished.csv").write_text("kept\n")
    if os.geteuid() == 0:  # root writes through permissions: a read-only mount is what stops it
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(results)], capture_output=True)
        if mount.returncode != 0:
            pytest.skip(f"running as root and cannot mount a read-only folder: {mount.stderr.decode()}")
    else:
        results.chmod(0o555)
    try:
        result = snakemake(tmp_path, config_from("test.yaml", tmp_path))
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(results)], check=True)
        else:
            results.chmod(0o755)
    assert result.returncode != 0
    assert re.search(rf"The results folder '{re.escape(str(results))}' is not writable", result.stderr), result.stderr
    assert "Select jobs to execute" not in result.stdout + result.stderr
    assert (results / "finished.csv").read_text() == "kept\n"


def test_repeated_key_in_a_config_file_is_named_before_any_job(tmp_path):
    good = config_from("test.yaml", tmp_path)
    text = good.read_text()
    bad = tmp_path / "repeated.yaml"
    bad.write_text(text + "seed: 8\n")
    result = snakemake(tmp_path, bad)
    assert result.returncode != 0
    line = len(text.splitlines()) + 1
    assert re.search(rf"config file .*repeated.yaml: key 'seed' appears twice in one mapping \(lines \d+ and {line}\)",
                     result.stderr), result.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("content, kind", [("- ni32\n- ni108\n", "a list"), ("2000\n", "a int"), ("", "empty")])
def test_config_file_that_is_no_mapping_is_named_by_make_run(tmp_path, content, kind):
    """Snakemake refuses such a file before the workflow's code runs, naming none; `make run` checks first."""
    from tests.conftest import REPO

    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    result = subprocess.run(["make", "--no-print-directory", "run", f"CONFIG={bad}"], cwd=REPO, capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert f"config file {bad}: its top level must be a mapping of settings" in result.stderr, result.stderr
    assert f"but it is {kind}" in result.stderr
    assert "snakemake" not in result.stdout.split("check-config")[-1]  # it stopped before Snakemake


def test_a_one_member_pool_chain_grades_by_maxvol(tmp_path):
    from snakemake.utils import validate

    from nnpdistill.config_checks import problems
    from tests.conftest import REPO

    def edit(config):
        one_member_pool_chain(config)
        config["benchmark"]["pool"]["uncertainty"] = "maxvol"

    config = yaml.safe_load(config_from("test.yaml", tmp_path, edit).read_text())
    validate(config, REPO / "config" / "schema.yaml")
    assert not [line for line in problems(config) if "benchmark.pool" in line]


def test_one_member_rounds_grade_by_maxvol(tmp_path):
    from snakemake.utils import validate

    from nnpdistill.config_checks import problems
    from tests.conftest import REPO

    def edit(config):
        config["active"].update(members=1, uncertainty="maxvol")

    config = yaml.safe_load(config_from("test.yaml", tmp_path, edit).read_text())
    validate(config, REPO / "config" / "schema.yaml")
    assert not [line for line in problems(config) if "members" in line or "ensemble_size" in line]
