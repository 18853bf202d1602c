"""The workflow itself: lint, dry runs of every shipped config, and the test config end to end."""

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

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
    for rule in ("npt", "momt", "momt_thermo", "fig_s1a", "fig_s1b", "fig_s3", "momt_maps"):
        assert rule in result.stdout


def test_default_config_is_picked_up_without_configfile():
    result = subprocess.run([sys.executable, "-m", "snakemake", "--dry-run", "--cores", "1", "--forceall"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "results/ni108/npt_fcc.h5" in result.stdout


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
    expected = {"npt": ["ni32_fcc", "ni32_liquid"], "potential": ["ninb"], "momt": ["ni32"], "momt_thermo": ["ni32"],
                "figures": ["fig_s1a", "fig_s1b", "fig_s3", "momt_bias_ni32", "fig_s2"],
                "train": ["ni32_momt_data", "ni32_momt_member0", "ni32_momt_member1", "ni32_momt_ensemble"],
                "tables": ["table_s4", "table_s5"], "distill": ["ni32_grid"],
                "active": ["ni32_al0", "ni32_al1", "ni32_al3", "ni32_summary"]}
    for stage, names in expected.items():
        for name in names:
            assert (test_run / f"results/logs/{stage}/{name}.log").stat().st_size > 0
            assert (test_run / f"results/benchmarks/{stage}/{name}.tsv").exists()


@pytest.mark.slow
def test_same_config_gives_byte_identical_datasets(test_run, tmp_path):
    result = snakemake(tmp_path, config_from("test.yaml", tmp_path), "results/ni32/npt_liquid.h5")
    assert result.returncode == 0, result.stderr
    again = (tmp_path / "results/ni32/npt_liquid.h5").read_bytes()
    assert again == (test_run / "results/ni32/npt_liquid.h5").read_bytes()


@pytest.mark.slow
def test_momt_walker_crosses_between_crystal_and_liquid(test_run):
    from nnpdistill.sample.order import phase_crossings

    with np.load(test_run / "results/ni32/momt_bias.npz") as record:
        trace, learn_start = record["trace"], int(record["learn_start"])
        low, high = record["factor_range"]
        band = record["factor_band"]
    learning = trace[trace[:, 0] >= learn_start]
    assert phase_crossings(learning[:, 6], 32, 0.5) >= 2
    assert band[0] - 1e-9 <= low < high <= band[1] + 1e-9


@pytest.mark.slow
def test_momt_frames_carry_unbiased_eam_labels(test_run, potential):
    from ase import Atoms

    from nnpdistill.sample.lammps_driver import Simulation

    data = dataset.read(test_run / "results/ni32/momt.h5")
    assert len(data) == 200 and np.ptp(data.extras["factor"]) > 0.0
    for i in (0, len(data) - 1):
        atoms = Atoms("Ni32", positions=data.positions[i], cell=data.cells[i], pbc=True)
        with Simulation(atoms, potential) as fresh:
            energy, forces = fresh.single_point()
        assert energy == pytest.approx(data.energy[i], abs=1e-9)
        np.testing.assert_allclose(forces, data.forces[i], atol=1e-9)


@pytest.mark.slow
def test_reweighting_a_plain_npt_run_to_its_own_temperature(test_run):
    from nnpdistill.sample.reweight import thermo_table

    data = dataset.read(test_run / "results/ni32/npt_liquid.h5")
    H = data.extras["H"]
    row = thermo_table(H, np.zeros_like(H), data.extras["O"] > 9.6, 32, [2000.0], 2000.0).iloc[0]
    assert row["H_mean_eV"] == pytest.approx(H.mean(), rel=1e-12)
    assert row["H_std_eV"] == pytest.approx(H.std(), rel=1e-9)
    table = pd.read_csv(test_run / "results/ni32/momt_thermo.csv")
    assert list(table["T_K"]) == [1800.0, 1900.0, 2000.0, 2100.0, 2200.0]
    momt = dataset.read(test_run / "results/ni32/momt.h5")
    assert (table["frames"] == len(momt)).all()
    assert (table["phase_changes"] == momt.attrs["production_phase_changes"]).all()
    assert 0.0 <= table["crystalline_share"].iloc[0] <= 1.0
    assert (table["effective_frames_if_flat"] > 0).all() and (table["effective_frames_if_flat"] <= len(momt)).all()
    # ni32 has plain NPT runs at T0: each reweighted phase was checked against them (what passes depends on the
    # tiny test run's sampling; the columns and their agreement with the verdict are fixed)
    for phase in ("crystal", "liquid"):
        gap, error = table[f"{phase}_H_gap_kT0"].iloc[0], table[f"{phase}_H_gap_error_kT0"].iloc[0]
        assert np.isnan(gap) or error > 0
        frames = table[f"{phase}_basin_frames"].iloc[0]
        assert 0 <= frames <= len(momt) and (frames > 0 or np.isnan(gap))
    verdict = all(abs(table[f"{p}_H_gap_kT0"].iloc[0]) <= 3 * table[f"{p}_H_gap_error_kT0"].iloc[0]
                  and table[f"{p}_H_gap_error_kT0"].iloc[0] <= 6.0 for p in ("crystal", "liquid"))  # the schema's
    assert bool(table["phases_consistent"].iloc[0]) == verdict == (table["phases_check"].iloc[0] == "consistent")
    # test.yaml quenches 4 crystalline frames (if the tiny production has that many): an intact share in [0, 1]
    # with an interval around it, the count agreeing with the share
    quenched = table["crystal_quenched_frames"].iloc[0]
    assert quenched == min(4, int(round(table["crystalline_share"].iloc[0] * len(momt))))
    share, low, high = (table[f"crystal_intact_{k}"].iloc[0] for k in ("share", "low", "high"))
    assert 0 <= low <= share <= high <= 1 and table["crystal_intact_frames"].iloc[0] == round(share * quenched)
    # the paper's O, which Table S3's grid uses, is the bias's O here (eq. 2), recomputed from the frames
    np.testing.assert_allclose(momt.extras["O_eq2"], momt.extras["O"], rtol=1e-8, atol=1e-8)


@pytest.mark.slow
def test_ensembles_load_as_ase_calculators_with_their_tables_and_fig_s2(test_run):
    import torch

    from nnpdistill.nnp.calculator import NNPCalculator
    from nnpdistill.sample.structures import crystal

    s4 = pd.read_csv(test_run / "results/tables/table_s4_self_energies.csv")
    assert list(s4["training_set"]) == ["ni32_fcc", "ni32_liquid", "ni32_momt"] and (s4["element"] == "Ni").all()
    # eV per atom of hot crystal and liquid Ni: the liquid's self-energy lies above the crystal's
    fcc, liquid = s4["self_energy_eV"].iloc[0], s4["self_energy_eV"].iloc[1]
    assert -4.8 < fcc < liquid < -4.2
    assert s4["self_energy_eV"].to_numpy() == pytest.approx(s4["self_energy_Ha"].to_numpy() * 27.211386, rel=1e-6)
    for name in ("ni32_fcc", "ni32_liquid", "ni32_momt"):
        history = pd.read_csv(test_run / f"results/train/{name}/member1/history.csv")
        epochs = yaml.safe_load((REPO / "config/test.yaml").read_text())["train"]["epochs"]
        assert list(history["epoch"]) == list(range(1, epochs + 1)) and np.isfinite(history["valid_loss"]).all()
        assert not (test_run / f"results/train/{name}/member1/work").exists()
    record = torch.load(test_run / "results/train/ni32_momt/ensemble.pt", weights_only=False)
    assert [m["member"] for m in record["members"]] == [0, 1]
    assert set(record["members"][0]["train_frames"]).isdisjoint(record["members"][0]["valid_frames"])
    atoms = crystal("Ni", "fcc", 2)
    atoms.calc = NNPCalculator.from_file(test_run / "results/train/ni32_momt/ensemble.pt")
    # A few epochs of a tiny network: only the order of magnitude (the self-energy dominates) is meaningful.
    assert -10.0 < atoms.get_potential_energy() / len(atoms) < 0.0
    assert np.isfinite(atoms.get_forces()).all() and np.isfinite(atoms.get_stress()).all()
    assert atoms.calc.get_property("energies_std", atoms).shape == (32,)
    mae = pd.read_csv(test_run / "results/figures/fig_s2_mae.csv")
    assert set(mae["split"]) == {"train", "valid", "unseen"} and len(mae) == 3 * 2 * 4
    assert (test_run / "results/figures/fig_s2_mae.png").stat().st_size > 10_000


@pytest.mark.slow
def test_distillation_cascade_table_and_index(test_run):
    import h5py

    table = pd.read_csv(test_run / "results/ni32/distill/table_s3.csv")
    assert list(table["delta_o"]) == [0.05, 0.4, 3.0]  # config/test.yaml: three levels, three rounds
    assert table["total"].iloc[0] == 200 and (table["total"] == table["selected"] + table["deleted"]).all()
    assert (table["total"].iloc[1:].to_numpy() == table["selected"].iloc[:-1].to_numpy()).all()
    with h5py.File(test_run / "results/ni32/distill/cascade.h5") as index:
        last = len(table) - 1
        kept = index[f"level_{last}/kept"][:]
        deleted = [index[f"level_{k}/deleted"][:] for k in range(len(table))]
    assert len(kept) == table["selected"].iloc[-1]
    assert sorted(np.concatenate(deleted + [kept]).tolist()) == list(range(200))


@pytest.mark.slow
def test_active_learning_rounds_chain_and_record_each_frames_origin(test_run):
    rounds = pd.read_csv(test_run / "results/ni32/active/rounds.csv")
    assert list(rounds["round"]) == list(range(4))
    assert list(rounds["candidates_from"])[1:] == [f"delta_o={d:g}" for d in (3.0, 0.4, 0.05)]
    sizes = rounds["training_size"].to_numpy()
    assert (sizes[1:] == sizes[:-1] + rounds["added"].to_numpy()[1:]).all()
    # A round stops early (keeping the same members) exactly when the one before it added nothing.
    added, stopped = rounds["added"].to_numpy(), rounds["stopped_early"].to_numpy()
    assert not stopped[:2].any() and list(stopped[2:]) == list(added[1:-1] == 0)
    distilled = dataset.read(test_run / "results/ni32/active/distilled.h5")
    assert len(distilled) == sizes[-1]
    momt = dataset.read(test_run / "results/ni32/momt.h5")
    np.testing.assert_array_equal(distilled.positions, momt.positions[distilled.extras["source_index"]])
    assert set(distilled.extras["al_round"].tolist()) <= set(range(4))
    assert (test_run / "results/ni32/active/distilled.extxyz").stat().st_size > 0
    assert (test_run / "results/figures/active_rounds_ni32.png").stat().st_size > 10_000


def test_comparison_scores_distilled_and_baselines_on_unseen_data(test_run):
    table = pd.read_csv(test_run / "results/ni32/compare/comparison.csv")
    comparison = table[table["kind"] == "comparison"]
    assert set(comparison["training_set"]) == {"distilled", "random", "fps"}
    assert set(table["test_set"]) == {"momt_heldout", "npt_fcc", "npt_liquid"}
    assert comparison["training_frames"].nunique() == 1  # every selection has the distilled set's size
    assert set(table[table["kind"] == "active learning"]["training_set"]) == {f"round {r}" for r in range(4)}
    assert (table[["energy_mae_meV_atom", "force_mae_meV_A"]] > 0).all().all()
    momt = dataset.read(test_run / "results/ni32/momt.h5")
    held = set(range(len(momt) - round(0.1 * len(momt)), len(momt)))
    for name in ("distilled", "random", "fps", "al3"):
        used = dataset.read(test_run / f"results/train/ni32_{name}/data.h5").extras["source_index"]
        assert not held & set(used.tolist()), name
    assert (test_run / "results/figures/distillation_comparison_ni32.png").stat().st_size > 10_000


def test_sequential_mode_rounds_take_consecutive_chunks(test_run, tmp_path):
    """Sequential mode, with the selection options that are not the paper's: committee force spread, a budget
    filled by farthest-point sampling, rejected candidates offered again, no early stop, a step budget for every
    round, a share of each round for each class."""
    def sequential(config):
        config["active"].update(mode="sequential", chunks=3, uncertainty="force", diversity="fps", budget=3,
                                k_sigma=1.0, rescore_rejected=True, stop_when_empty=False, steps=12,
                                coverage=0.3)

    # A copy (with Snakemake's records), so that the shared test run keeps the test config's results.
    test_run = shutil.copytree(test_run, tmp_path / "run", symlinks=True)
    result = snakemake(test_run, config_from("test.yaml", tmp_path, sequential), "results/ni32/active/rounds.csv")
    assert result.returncode == 0, result.stderr
    rounds = pd.read_csv(test_run / "results/ni32/active/rounds.csv")
    assert list(rounds["candidates_from"])[1:] == ["chunk=1", "chunk=2"]
    momt = dataset.read(test_run / "results/ni32/momt.h5")
    pool = len(momt) - round(0.1 * len(momt))
    chunks = np.array_split(np.arange(pool), 3)
    assert rounds["candidates"].iloc[1] == len(chunks[1]) and rounds["training_size"].iloc[0] == len(chunks[0])
    assert (rounds["uncertainty"].iloc[1:] == "force (eV/A)").all()
    added = rounds["added"].to_numpy()[1:]
    assert (added <= 3).all() and (added <= rounds["over_threshold"].to_numpy()[1:]).all() and added.sum() > 0
    # Round 2 scores chunk 2 and the frames of chunk 1 that round 1 left out.
    assert rounds["candidates"].iloc[2] == len(chunks[2]) + len(chunks[1]) - added[0]
    assert np.isfinite(rounds["rho_force_uq_force_error"].iloc[1:]).all()
    # active.steps: every round's members train about 12 optimizer steps, the epochs following from the size.
    settings = yaml.safe_load((REPO / "config" / "test.yaml").read_text())["train"]
    for r, size in enumerate(rounds["training_size"]):
        history = pd.read_csv(test_run / f"results/train/ni32_al{r}/member0/history.csv")
        n_train = size - int(round(settings.get("validation_fraction", 0.2) * size))  # the schema default
        per_epoch = -(-n_train // settings["batch_size"])
        assert len(history) == max(1, round(12 / per_epoch)), (r, size, len(history))
    distilled = dataset.read(test_run / "results/ni32/active/distilled.h5")
    start = distilled.extras["source_index"][distilled.extras["al_round"] == 0]
    np.testing.assert_array_equal(start, chunks[0])
    # active.coverage: round 1 adds a frame of each class its candidates (chunk 1) hold.
    crystal = momt.extras["crystallinity"] > 0.5 * momt.n_atoms  # crystallinity_fraction's default
    added_1 = distilled.extras["source_index"][distilled.extras["al_round"] == 1]
    assert set(crystal[added_1].tolist()) == set(crystal[chunks[1]].tolist())


def test_pool_mode_main_chain_grows_a_farthest_point_start_by_a_budget_a_round(test_run, tmp_path):
    """active.mode: pool in the main run: round 0 is the farthest-point set of start_frames pool frames; each of
    active.rounds rounds scores `candidates` unchosen pool frames with one maxvol-graded member trained from
    scratch and adds exactly `budget` of them; the held-out block stays out."""
    from snakemake.utils import validate

    from nnpdistill.nnp.model import AEVSettings
    from nnpdistill.select.active import training_pool
    from nnpdistill.select.baselines import farthest_point_frames

    def pool(config):
        config["active"].update(mode="pool", start_frames=4, rounds=2, budget=2, candidates=20, members=1,
                                uncertainty="maxvol", diversity="fps", warm_start=False, steps=20, final_steps=30)

    test_run = shutil.copytree(test_run, tmp_path / "run", symlinks=True)
    config = config_from("test.yaml", tmp_path, pool)
    result = snakemake(test_run, config, "results/ni32/active/rounds.csv", "results/train/ni32_distilled/ensemble.pt")
    assert result.returncode == 0, result.stderr
    # active.steps trains the rounds, active.final_steps the distilled set retrained (train.ensemble_size members)
    for name, n, steps in (("ni32_al1", 1, 20), ("ni32_distilled", 2, 30)):
        assert list(pd.read_csv(test_run / f"results/train/{name}/ensemble.csv").member) == list(range(n))
        for k in range(n):
            record = torch.load(test_run / f"results/train/{name}/member{k}/model.pt", weights_only=False)
            assert record["settings_train"]["steps"] == steps
    rounds = pd.read_csv(test_run / "results/ni32/active/rounds.csv")
    assert list(rounds.training_size) == [4, 6, 8] and list(rounds.added.iloc[1:]) == [2, 2]
    assert (rounds.candidates_from.iloc[1:] == "pool").all() and (rounds.candidates.iloc[1:] == 20).all()
    assert (rounds.uncertainty.iloc[1:] == "maxvol grade").all()
    for r in range(3):  # one member a round (active.members)
        assert list(pd.read_csv(test_run / f"results/train/ni32_al{r}/ensemble.csv").member) == [0]
    momt = dataset.read(test_run / "results/ni32/momt.h5")
    distilled = dataset.read(test_run / "results/ni32/active/distilled.h5")
    chosen = distilled.extras["source_index"]
    assert len(set(chosen.tolist())) == 8 and set(chosen.tolist()) <= set(training_pool(len(momt), 0.1).tolist())
    settings = yaml.safe_load(config.read_text())
    validate(settings, REPO / "config" / "schema.yaml")  # fills in the schema's defaults
    aev = AEVSettings(**settings["train"]["aev"])
    start = farthest_point_frames(momt, training_pool(len(momt), 0.1), 4, aev)
    np.testing.assert_array_equal(np.sort(chosen[distilled.extras["al_round"] == 0]), np.sort(start))
    again = snakemake(test_run, config, "results/ni32/active/rounds.csv", "results/train/ni32_distilled/ensemble.pt",
                      "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_evaluation_tables_translated_data_and_training_speed(test_run):
    reference = pd.read_csv(test_run / "results/tables/relax_reference.csv").set_index(["element", "structure"])
    s6 = pd.read_csv(test_run / "results/tables/table_s6.csv")
    ours = s6[s6["source"] == "this workflow"].set_index("row")
    assert ours.loc["Reference (EAM)", "fcc_bond_length_A"] == pytest.approx(reference.loc[("Ni", "fcc"),
                                                                                           "bond_length_A"])
    assert {"NNP (full: ni32_momt), best member", "NNP (distilled: ni32_distilled), ensemble mean"} <= set(ours.index)
    assert np.isfinite(ours[["fcc_energy_eV_atom", "bcc_energy_eV_atom", "hcp_energy_eV_atom"]]).all().all()
    s7 = pd.read_csv(test_run / "results/tables/table_s7.csv")
    assert "NNP (translated: nb32_translated), best member" in set(s7["row"])
    # The translated data: the distilled Ni frames, stretched by the Nb/Ni BCC bond-length ratio, Nb EAM labels.
    nb = dataset.read(test_run / "results/train/nb32_translated/data.h5")
    ni = dataset.read(test_run / "results/ni32/active/distilled.h5")
    ratio = reference.loc[("Nb", "bcc"), "bond_length_A"] / reference.loc[("Ni", "bcc"), "bond_length_A"]
    np.testing.assert_allclose(nb.positions, ni.positions * ratio)
    assert set(nb.species.tolist()) == {41} and (nb.energy / nb.n_atoms).mean() < -6.0  # Nb binds at ~-7.3 eV
    s5 = pd.read_csv(test_run / "results/tables/table_s5_self_energies.csv")
    assert "Nb" in set(s5["element"])
    speed = pd.read_csv(test_run / "results/tables/training_speed.csv").set_index("data")
    assert speed.loc["full", "frames"] > speed.loc["distilled", "frames"]
    # The full data's epoch is timed on evenly spaced frames (speed.full_frames) and scaled to all of them.
    assert speed.loc["full", "frames_timed"] == 40 < speed.loc["full", "frames"]
    assert speed.loc["distilled", "frames_timed"] == speed.loc["distilled", "frames"]
    assert (speed["seconds_per_epoch"] > 0).all() and speed.loc["full", "speed_up"] == pytest.approx(1.0)


def test_elastic_constants_and_the_written_report(test_run):
    elastic = pd.read_csv(test_run / "results/tables/elastic.csv")
    reference = elastic[elastic["model"] == "reference"].set_index(["element", "structure"])
    assert set(reference.index) == {("Ni", "fcc"), ("Ni", "bcc"), ("Nb", "fcc"), ("Nb", "bcc")}
    fcc = reference.loc[("Ni", "fcc")]
    assert (fcc["c11_GPa"] + 2 * fcc["c12_GPa"]) / 3 == pytest.approx(fcc["bulk_modulus_GPa"], rel=0.03)
    assert {"full", "distilled", "translated"} <= set(elastic["model"])
    report = (test_run / "results/report.md").read_text()
    for heading in ("Table S1", "Table S3", "Table S4", "Table S6", "Table S7", "Training speed",
                    "elastic constants", "Does distillation work?", "MOMT: phases, reweighting and melting"):
        assert heading in report, heading
    assert "NNP (Distilled Data)" in report  # the paper's Table S6 rows stand beside ours
    assert "Cascade mode by the energy uncertainty. This is the paper's selection (Note 4)." in report
    for link in ("figures/fig_s2_mae.png", "figures/equations_of_state.png"):
        assert f"]({link})" in report and (test_run / "results" / link).exists()
