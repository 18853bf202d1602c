"""Bootstrap intervals against known distributions."""

import numpy as np
import pytest

from nnpdistill.evaluate.stats import mean_ci, paired_difference_ci


def test_mean_interval_covers_the_true_mean_at_about_its_level():
    rng = np.random.default_rng(1)
    covered, widths = 0, []
    for k in range(200):
        sample = rng.normal(10.0, 2.0, 30)
        mean, low, high = mean_ci(sample, resamples=1000, seed=k)
        covered += low <= 10.0 <= high
        widths.append(high - low)
        assert low < mean < high
    assert 0.88 <= covered / 200 <= 0.99
    # The normal-theory width 2 * 1.96 * sigma / sqrt(n) = 1.43; the bootstrap's is close and a bit narrower.
    assert np.mean(widths) == pytest.approx(2 * 1.96 * 2.0 / np.sqrt(30), rel=0.12)


def test_mean_interval_of_one_value_and_of_none():
    assert mean_ci([3.0]) == (3.0, 3.0, 3.0)
    assert all(np.isnan(mean_ci([np.nan])))


def test_paired_bootstrap_finds_a_small_shift_hidden_under_shared_frame_difficulty():
    rng = np.random.default_rng(2)
    hardness = rng.lognormal(3.0, 1.0, 400)  # frame-to-frame spread far above the shift
    a = hardness * 0.95 + rng.normal(0, 0.5, 400)
    b = hardness + rng.normal(0, 0.5, 400)
    diff, low, high, share = paired_difference_ci(a, b, seed=3)
    assert high < 0 and share == 1.0 and low < diff < high
    # Unpaired intervals of the two means overlap: pairing is what resolves the difference.
    ma, la, ha = mean_ci(a, seed=3)
    mb, lb, hb = mean_ci(b, seed=3)
    assert ha > lb
    _, low, high, _ = paired_difference_ci(b, b + rng.normal(0, 0.5, 400), seed=4)
    assert low < 0 < high
    with pytest.raises(ValueError, match="same frames"):
        paired_difference_ci(a, b[:10])


def test_paired_interval_widens_with_the_spread_between_draws():
    rng = np.random.default_rng(5)
    hardness = rng.lognormal(3.0, 1.0, 400)
    b = hardness + rng.normal(0, 0.5, 400)
    steady = np.stack([hardness * 0.95 + rng.normal(0, 0.5, 400) for _ in range(3)])
    # draws whose offsets (-3, 0, +3) swamp the mean shift of -1: one draw's luck is no verdict
    spread = steady + np.array([-3.0, 0.0, 3.0])[:, None]
    diff, low, high, _ = paired_difference_ci(steady, b, seed=6)
    assert high < 0 and diff == pytest.approx(steady.mean() - b.mean())
    diff_spread, low_spread, high_spread, _ = paired_difference_ci(spread, b, seed=6)
    assert diff_spread == pytest.approx(diff)
    assert high_spread - low_spread > 3 * (high - low) and low_spread < diff < high_spread
    # one unit a side is the frames-only bootstrap, resample for resample
    _, low_one, high_one, _ = paired_difference_ci(steady[0], b, resamples=500, seed=6)
    frames = np.random.default_rng(6).integers(0, 400, (500, 400))
    means = (steady[0] - b)[frames].mean(axis=1)
    assert (low_one, high_one) == pytest.approx((np.percentile(means, 2.5), np.percentile(means, 97.5)))


def test_learning_curve_units_are_draw_member_pairs_and_unseen_sets_are_averaged():
    """2 draws x 2 members of one random size: 4 units; 'unseen (all)' is each unit's mean over the unseen sets
    (the held-out MOMT block left out), and the curve's mean is the mean of the units."""
    import pandas as pd

    from nnpdistill.evaluate.learning_curve import ALL_UNSEEN, curves, label_sets

    names = ["ni32_lc_random_8_d0", "ni32_lc_random_8_d1"]
    rows = []
    for d, name in enumerate(names):
        for member in (0, 1):
            for test, base in (("fcc_300K", 10.0), ("liquid_3000K", 30.0), ("momt_heldout", 1000.0)):
                for frame in range(3):  # per-frame errors; the unit's error is their mean
                    rows.append({"training_set": name, "training_frames": 8, "member": member, "test_set": test,
                                 "energy_abs_meV_atom": 1.0, "force_mae_meV_A": base + 4 * d + member + frame})
    table = curves(pd.DataFrame(rows), label_sets(names), resamples=200)
    unseen = table[table.test_set == ALL_UNSEEN].iloc[0]
    assert unseen.units == 4 and unseen.draws == 2
    # units: (10 + 30) / 2 + 1 (mean frame) + 4 d + member, for d, member in {0, 1}^2
    assert unseen.force_mae_meV_A == pytest.approx(np.mean([21 + 4 * d + m for d in (0, 1) for m in (0, 1)]))
    assert unseen.force_mae_meV_A_low < unseen.force_mae_meV_A < unseen.force_mae_meV_A_high
    held = table[table.test_set == "momt_heldout"].iloc[0]
    assert held.force_mae_meV_A == pytest.approx(1000 + 1 + 2 + 0.5)


def test_benchmark_sets_hold_the_distilled_size_only_beside_the_active_set():
    from nnpdistill.evaluate.learning_curve import set_names

    with_active = set_names("ni32", ["random", "fps", "active"], [100], 2)
    assert {"ni32_lc_random_distilled_d1", "ni32_lc_fps_distilled_d0", "ni32_lc_active_distilled_d0"} <= set(with_active)
    assert set_names("ni32", ["random", "fps", "pool"], [25, 100], 2, pool_start=25) == [
        "ni32_lc_random_25_d0", "ni32_lc_random_25_d1", "ni32_lc_random_100_d0", "ni32_lc_random_100_d1",
        "ni32_lc_fps_25_d0", "ni32_lc_fps_100_d0", "ni32_lc_pool_100_d0"]
    assert set_names("ni32", ["pool"], [25, 50, 75], 1, pool_start=25, pool_draws=2) == [
        "ni32_lc_pool_50_d0", "ni32_lc_pool_50_d1", "ni32_lc_pool_75_d0", "ni32_lc_pool_75_d1"]
    assert set_names("ni32", ["fps", "grid"], [50], 3, fps_draws=2) == [
        "ni32_lc_fps_50_d0", "ni32_lc_fps_50_d1", "ni32_lc_grid_50_d0"]
