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
