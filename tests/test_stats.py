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


def test_benchmark_sets_hold_the_distilled_size_only_beside_the_active_set_and_the_paper_chain_at_its_size():
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
    # a distilled size known beforehand (pool mode) is one size among the others, not a duplicate of it
    assert set_names("ni32", ["random", "active"], [25, 100], 1, distilled_size=100) == [
        "ni32_lc_random_25_d0", "ni32_lc_random_100_d0", "ni32_lc_active_100_d0"]
    assert set_names("ni32", ["fps", "active"], [25], 1, distilled_size=100) == [
        "ni32_lc_fps_25_d0", "ni32_lc_fps_100_d0", "ni32_lc_active_100_d0"]
    # the paper's chain at its own size, with random and fps draws of that size
    assert set_names("ni32", ["random", "fps", "paper"], [25], 2) == [
        "ni32_lc_random_25_d0", "ni32_lc_random_25_d1", "ni32_lc_random_paper_d0", "ni32_lc_random_paper_d1",
        "ni32_lc_fps_25_d0", "ni32_lc_fps_paper_d0", "ni32_lc_paper_paper_d0"]


def _curve_row(method, size, mean, low, high, frames):
    return {"method": method, "size_label": size, "test_set": "unseen (all)", "training_frames": frames,
            "force_mae_meV_A": mean, "force_mae_meV_A_low": low, "force_mae_meV_A_high": high}


def test_target_needs_the_gain_apart_intervals_and_the_full_pool_on_both_measures():
    """pool 100 is 25 % under the better baseline (fps, not random) with intervals apart on force and sum |dl_b|,
    and within 10 % of the full pool: met. pool 200 has the gain but touching intervals; pool 300 is apart but
    only 10 % better; active is good on force but not on geometry."""
    import pandas as pd

    from nnpdistill.evaluate.learning_curve import _target_lines, target

    curve = pd.DataFrame([
        _curve_row("full", "pool", 7.0, 6.8, 7.2, 1000),
        _curve_row("random", "100", 12.0, 11.0, 13.0, 100), _curve_row("fps", "100", 10.0, 9.5, 10.5, 100),
        _curve_row("pool", "100", 7.5, 7.0, 8.0, 100),
        _curve_row("random", "200", 11.0, 10.0, 12.0, 200), _curve_row("fps", "200", 10.0, 8.0, 12.0, 200),
        _curve_row("pool", "200", 7.5, 6.0, 8.0, 200),
        _curve_row("random", "300", 10.0, 9.8, 10.2, 300), _curve_row("pool", "300", 9.0, 8.9, 9.1, 300),
        _curve_row("random", "distilled", 10.0, 9.8, 10.2, 500), _curve_row("active", "distilled", 7.0, 6.9, 7.1, 500),
        {**_curve_row("pool", "100", 1.0, 1.0, 1.0, 100), "test_set": "momt_heldout"},
    ])
    dlb = [("random", "100", 0.05), ("fps", "100", 0.02), ("pool", "100", 0.01), ("random", "200", 0.05),
           ("fps", "200", 0.02), ("pool", "200", 0.01), ("random", "300", 0.05), ("pool", "300", 0.01),
           ("random", "distilled", 0.02), ("active", "distilled", 0.03)]
    prop = pd.DataFrame([{"method": m, "size_label": s, "property": "sum_abs_dlb_A", "mean": v, "low": 0.9 * v,
                          "high": 1.1 * v} for m, s, v in dlb])
    pairs = pd.DataFrame([{"method": m, "baseline": b, "size_label": s, "test_set": "unseen (all)",
                           "force_mae_meV_A_rel_pct": pct} for m, b, s, pct in (
        ("pool", "fps", "100", -25.0), ("pool", "random", "100", -37.5), ("pool", "fps", "200", -25.0),
        ("pool", "random", "300", -10.0), ("active", "random", "distilled", -30.0))])
    table = target(curve, prop, pairs).set_index(["method", "size_label"])
    assert table.loc[("pool", "100")].force_baseline == "fps" and table.loc[("pool", "100")].met
    assert table.loc[("pool", "100")].full_ratio == pytest.approx(7.5 / 7.0)
    assert not table.loc[("pool", "200")].force_apart and not table.loc[("pool", "200")].met
    assert table.loc[("pool", "300")].force_apart and not table.loc[("pool", "300")].force_met
    active = table.loc[("active", "distilled")]
    assert active.force_met and active.full_met and not active.dlb_met and not active.met
    text = "\n".join(_target_lines(target(curve, prop, pairs), 95, 0.2, 0.1))
    assert "Met by pool-mode active learning at 100 frames" in text and "200" not in text.split("\n")[2]
    slower = curve.assign(force_mae_meV_A=curve.force_mae_meV_A.where(curve.method != "full", 6.0))
    assert not target(slower, prop, pairs).set_index(["method", "size_label"]).loc[("pool", "100")].met  # 7.5 > 1.1 x 6
    no_full = target(curve[curve.method != "full"], prop, pairs)
    assert not no_full.met.any()
    assert "full pool was not benchmarked" in "\n".join(_target_lines(no_full, 95, 0.2, 0.1))
