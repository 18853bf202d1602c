"""`snakemake benchmark` on the test config, on a copy of the shared test run: unseen sets, learning-curve sets of
every method, their training, scores, properties, MD checks and the summary with its intervals."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

from nnpdistill import dataset
from nnpdistill.nnp.model import AEVSettings
from nnpdistill.select.active import holdout
from nnpdistill.select.baselines import farthest_point_frames
from tests.workflow_helpers import config_from, snakemake


@pytest.fixture(scope="module")
def bench_run(test_run, tmp_path_factory):
    """The benchmark on a copy of the shared run (times and Snakemake's records kept), so the shared run stays a
    finished run of the default target: a benchmark summary would give its report a new input."""
    folder = tmp_path_factory.mktemp("bench") / "run"
    shutil.copytree(test_run, folder, symlinks=True)
    result = snakemake(folder, config_from("test.yaml", folder), "benchmark")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def learning_curve_sets(bench_run):
    """The MOMT pool, its held-out block and {learning-curve set: its frames' indices in the pool}."""
    momt = dataset.read(bench_run / "results/ni32/momt.h5")
    held = holdout(len(momt), 0.1)
    sets = {path.parent.name: dataset.read(path).extras["source_index"]
            for path in sorted((bench_run / "results/train").glob("ni32_lc_*/data.h5"))}
    return momt, held, sets


@pytest.mark.slow
def test_learning_curve_sets_follow_their_method_and_avoid_the_held_out_block(bench_run):
    momt, held, sets = learning_curve_sets(bench_run)
    for name, index in sets.items():
        assert not np.intersect1d(index, held).size, name
        data = dataset.read(bench_run / "results/train" / name / "data.h5")
        np.testing.assert_array_equal(data.positions, momt.positions[index])
    distilled = dataset.read(bench_run / "results/ni32/active/distilled.h5")
    assert len(sets["ni32_lc_random_8_d0"]) == len(sets["ni32_lc_fps_8_d0"]) == 8
    assert not np.array_equal(sets["ni32_lc_random_8_d0"], sets["ni32_lc_random_8_d1"])
    assert not np.array_equal(sets["ni32_lc_fps_8_d0"], sets["ni32_lc_fps_8_d1"])  # another first frame
    assert len(sets["ni32_lc_random_distilled_d1"]) == len(distilled)
    np.testing.assert_array_equal(sets["ni32_lc_active_distilled_d0"], np.sort(distilled.extras["source_index"]))
    assert len(sets["ni32_lc_full_pool_d0"]) == len(momt) - len(held)


# Three tests on one module fixture: pytest-xdist queues no other file behind the benchmark while it runs.
@pytest.mark.slow
def test_benchmark_chains_follow_their_mode_and_settings(bench_run):
    momt, held, sets = learning_curve_sets(bench_run)
    # sequential mode: the first of 3 chunks of the pool, then each later chunk's uncertain frames
    chain = [dataset.read(bench_run / f"results/train/ni32_alseq{r}/data.h5") for r in range(3)]
    first_chunk = np.arange(-(-(len(momt) - len(held)) // 3))
    np.testing.assert_array_equal(chain[0].extras["source_index"], first_chunk)
    for r in (1, 2):
        assert set(chain[r - 1].extras["source_index"]) <= set(chain[r].extras["source_index"])
        assert (bench_run / f"results/benchmark/ni32/alseq/round{r}.json").exists()
    np.testing.assert_array_equal(sets["ni32_lc_sequential_sequential_d0"], np.sort(chain[2].extras["source_index"]))
    assert len(sets["ni32_lc_random_sequential_d1"]) == len(chain[2])
    assert len(list((bench_run / "results/train/ni32_alseq1").glob("member*/model.pt"))) == 2  # train.ensemble_size
    assert len(list((bench_run / "results/train/ni32_lc_random_8_d0").glob("member*/model.pt"))) == 1  # members
    # pool mode: round 0 is the fps set of 4 frames, each round adds 2 others, and the set of 8 is round 2
    pool = [dataset.read(bench_run / f"results/train/ni32_alpool{r}/data.h5").extras["source_index"] for r in range(3)]
    pool_frames = np.setdiff1d(np.arange(len(momt)), held)
    np.testing.assert_array_equal(pool[0], farthest_point_frames(momt, pool_frames, 4, AEVSettings()))
    assert [len(p) for p in pool] == [4, 6, 8] and set(pool[0]) < set(pool[1]) < set(pool[2])
    assert not np.intersect1d(pool[2], held).size
    np.testing.assert_array_equal(sets["ni32_lc_pool_8_d0"], np.sort(pool[2]))
    assert len(list((bench_run / "results/train/ni32_alpool1").glob("member*/model.pt"))) == 1  # benchmark.pool
    pool_round = json.loads((bench_run / "results/benchmark/ni32/alpool/round1.json").read_text())
    assert pool_round["uncertainty"] == "maxvol grade" and pool_round["added"] == 2  # benchmark.pool.uncertainty
    # the second draw (benchmark.pool.draws): the same fps start, its own rounds and set
    second = [dataset.read(bench_run / f"results/train/ni32_alpool_d1_{r}/data.h5").extras["source_index"]
              for r in range(3)]
    np.testing.assert_array_equal(second[0], pool[0])
    assert [len(p) for p in second] == [4, 6, 8] and set(second[0]) < set(second[2])
    np.testing.assert_array_equal(sets["ni32_lc_pool_8_d1"], np.sort(second[2]))
    assert (bench_run / "results/benchmark/ni32/alpool_d1_/round2.json").exists()
    # the paper's chain (benchmark.paper): the main chain's cascade start, its rounds by benchmark.paper's rules and
    # training, whatever the active section says
    cascade = [dataset.read(bench_run / f"results/train/ni32_{c}0/data.h5").extras["source_index"]
               for c in ("al", "alcas")]
    np.testing.assert_array_equal(*cascade)
    paper_round = json.loads((bench_run / "results/benchmark/ni32/alcas/round1.json").read_text())
    assert paper_round["uncertainty"] == "force (eV/A)" and paper_round["candidates_from"].startswith("delta_o")
    member = torch.load(bench_run / "results/train/ni32_alcas1/member1/model.pt", weights_only=False)
    assert member["settings_train"]["epochs"] == 1 and member["settings_train"]["steps"] == 0
    assert len(list((bench_run / "results/train/ni32_alcas1").glob("member*/model.pt"))) == 2
    last = dataset.read(bench_run / "results/train/ni32_alcas3/data.h5")
    np.testing.assert_array_equal(sets["ni32_lc_paper_paper_d0"], np.sort(last.extras["source_index"]))
    assert len(sets["ni32_lc_random_paper_d1"]) == len(sets["ni32_lc_fps_paper_d1"]) == len(last)


@pytest.mark.slow
def test_benchmark_tables_carry_intervals_over_draws_and_members(bench_run):
    folder = bench_run / "results/benchmark/ni32"
    curve = pd.read_csv(folder / "learning_curves.csv")
    tests = {"fcc_300K", "vacancy_1000K", "liquid_3000K", "slab111", "momt_heldout", "unseen (all)"}
    assert set(curve.test_set) == tests
    assert set(curve.method) == {"random", "fps", "grid", "active", "sequential", "paper", "pool", "full"}
    random = curve[(curve.method == "random") & (curve.size_label == "8")]
    assert (random.units == 2).all() and (random.draws == 2).all()  # 2 draws x 1 member
    assert (curve[curve.method == "pool"].draws == 2).all()  # benchmark.pool.draws chains
    assert (curve.force_mae_meV_A_low <= curve.force_mae_meV_A).all()
    assert (curve.force_mae_meV_A <= curve.force_mae_meV_A_high).all()
    paired = pd.read_csv(folder / "paired.csv")
    row = paired[(paired.method == "active") & (paired.test_set == "unseen (all)")].iloc[0]
    assert {("pool", "random"), ("pool", "fps"), ("active", "fps")} <= set(zip(paired.method, paired.baseline))
    assert row.force_mae_meV_A_low <= row.force_mae_meV_A_diff <= row.force_mae_meV_A_high
    props = pd.read_csv(folder / "properties.csv")
    assert {"sum_abs_dlb_A", "d_E_vac_eV", "rel_C44_pct", "energy_order_right"} <= set(props.property)
    members = pd.read_csv(folder / "properties/ni32_lc_full_pool_d0.csv")
    assert len(members) == 1 and np.isfinite(members.lb_fcc_A).all()  # Table S6 relaxations of its member
    reference = pd.read_csv(bench_run / "results/benchmark/reference_Ni.csv").iloc[0]
    assert reference.lb_fcc_A == pytest.approx(2.4864, abs=1e-3) and 1.5 < reference.E_vac_eV < 2.5
    md = pd.read_csv(folder / "md/reference.csv")
    assert list(md.start) == ["fcc", "liquid"] and md.failed_at_ps.isna().all()
    summary = (folder / "summary.md").read_text()
    assert "At equal size" in summary and "paired bootstrap" in summary and "sequential-mode" in summary
    assert "pool-mode active-learning set's force MAE over the unseen sets" in summary
    assert "than farthest-point sampling's" in summary and "the paper's active-learning set" in summary
    target = pd.read_csv(folder / "target.csv")  # every active-learning set with a baseline at its size
    assert {("pool", 8), ("active", "distilled"), ("paper", "paper")} <= set(zip(target.method, target.size_label.map(
        lambda s: int(s) if str(s).isdigit() else s)))
    assert "#### Against the target" in summary and np.isfinite(target.full_ratio).all()
    assert (bench_run / "results/figures/learning_curves_ni32.png").stat().st_size > 10_000
    again = snakemake(bench_run, config_from("test.yaml", bench_run), "benchmark", "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr
