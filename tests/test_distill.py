"""Grid reduction and the distillation cascade of Table S3, on hand-made (O, H) values and against brute force."""

import numpy as np
import pytest

from nnpdistill.select.distill import calibrate_delta_h, cascade, reduce


def brute_force(o, h, delta_o, delta_h):
    keep = np.zeros(len(o), dtype=bool)
    for i in range(len(o)):
        kept = np.flatnonzero(keep[:i])
        keep[i] = not np.any((np.abs(o[kept] - o[i]) <= delta_o) & (np.abs(h[kept] - h[i]) <= delta_h))
    return keep


def test_reduction_on_hand_made_values():
    o = np.array([0.0, 0.01, 0.05, 0.03, 0.02, 0.0])
    h = np.array([0.0, 0.0, 0.0, 1.0, 0.4, 0.6])
    # 1 lies near 0; 2 is 0.05 away in O; 3 is 1 eV away in H; 4 is exactly 0.02 (an edge counts as near) and
    # 0.4 eV from 0; 5 is 0.6 eV from 0 and 0.03 in O from 3.
    np.testing.assert_array_equal(reduce(o, h, 0.02, 0.5), [True, False, True, True, False, True])
    assert reduce(o, h, 1.0, 10.0).tolist() == [True] + [False] * 5
    assert reduce(o, h, 1e-6, 1e-6).all()


def test_the_walk_order_decides_which_frame_of_a_close_pair_is_kept():
    o, h = np.array([0.0, 0.015]), np.array([0.0, 0.0])
    assert reduce(o, h, 0.02, 1.0).tolist() == [True, False]
    assert reduce(o[::-1], h[::-1], 0.02, 1.0).tolist() == [True, False]


@pytest.mark.parametrize("delta_o, delta_h", [(0.05, 0.3), (0.4, 0.1), (3.0, 2.0)])
def test_reduction_equals_brute_force_on_a_random_walk(delta_o, delta_h):
    rng = np.random.default_rng(1)
    o = np.cumsum(rng.normal(0, 0.5, 3000)) % 40.0
    h = np.cumsum(rng.normal(0, 0.4, 3000))
    np.testing.assert_array_equal(reduce(o, h, delta_o, delta_h), brute_force(o, h, delta_o, delta_h))


def test_cascade_totals_chain_and_partition_the_frames():
    rng = np.random.default_rng(2)
    o, h = rng.uniform(0, 30, 5000), rng.uniform(-10, 10, 5000)
    levels = cascade(o, h, [3.0, 0.02, 0.4, 0.1], 0.3)  # any order in; finest first out
    assert [lv.delta_o for lv in levels] == [0.02, 0.1, 0.4, 3.0]
    assert levels[0].total == 5000
    for before, after in zip(levels, levels[1:]):
        assert after.total == len(before.kept)
    for lv in levels:
        assert lv.total == len(lv.kept) + len(lv.deleted)
    every = np.concatenate([lv.deleted for lv in levels] + [levels[-1].kept])
    assert sorted(every.tolist()) == list(range(5000))
    again = cascade(o, h, [0.02, 0.1, 0.4, 3.0], 0.3)
    assert all(np.array_equal(a.kept, b.kept) for a, b in zip(levels, again))


def test_calibration_picks_the_width_that_reproduces_known_counts():
    rng = np.random.default_rng(3)
    o, h = rng.uniform(0, 30, 3000), rng.uniform(-10, 10, 3000)
    target = [len(lv.kept) for lv in cascade(o, h, [0.1, 1.0], 0.7)]
    best, counts = calibrate_delta_h(o, h, [0.1, 1.0], target, [0.2, 0.7, 2.0])
    assert best == 0.7 and counts[0.7] == target


def test_bad_widths_are_refused():
    with pytest.raises(ValueError, match="positive"):
        reduce([0.0], [0.0], 0.0, 1.0)


def test_intensive_widths_thin_a_cell_and_its_doubled_copy_alike():
    """O and H are extensive: a cell twice as large has twice the O and H of the same states. Widths scaled by
    the atom count (distill.reference_atoms) keep the same frames of both; absolute widths do not."""
    from nnpdistill.select.distill import width_scale

    rng = np.random.default_rng(3)
    o, h = rng.uniform(0.0, 30.0, 2000), rng.uniform(-150.0, -140.0, 2000)  # a 32-atom cell's O and H (eV)
    delta_os, delta_h = [0.2, 0.7, 3.0], 0.25
    small, large = 32, 64

    def kept(o, h, n_atoms, reference):
        scale = width_scale(n_atoms, reference)
        return [lv.kept.tolist() for lv in cascade(o, h, [d * scale for d in delta_os], delta_h * scale)]

    assert kept(o, h, small, 108) == kept(2 * o, 2 * h, large, 108)
    assert kept(o, h, small, 0) != kept(2 * o, 2 * h, large, 0)
    assert width_scale(108, 108) == 1.0 and width_scale(32, 0) == 1.0 and width_scale(32, 108) == 32 / 108
    with pytest.raises(ValueError, match="reference_atoms"):
        width_scale(32, -1)
