"""Baseline selections: random subset and farthest-point sampling on mean AEVs."""

import numpy as np
import pytest

from nnpdistill.select.baselines import farthest_point, mean_aevs, random_subset
from nnpdistill.nnp.model import NNP, AEVSettings, ModelSettings
from nnpdistill.nnp.nnp_data import Data
from tests.test_train import rattled_frames


def test_random_subset_is_reproducible_and_within_range():
    a, b = random_subset(100, 10, seed=3), random_subset(100, 10, seed=3)
    assert np.array_equal(a, b) and len(set(a.tolist())) == 10 and a.max() < 100
    assert not np.array_equal(a, random_subset(100, 10, seed=4))
    with pytest.raises(ValueError, match="size"):
        random_subset(5, 6, seed=0)


def test_farthest_point_picks_the_corners_of_a_square_first():
    points = np.array([[0, 0], [0.1, 0], [1, 1], [0, 1], [1, 0], [0.5, 0.5]], dtype=float)
    assert farthest_point(points, 4).tolist() == [0, 2, 3, 4]


def test_mean_aevs_tell_compressed_from_expanded_frames():
    frames = rattled_frames(4, seed=1)
    frames.positions[2] *= 0.97
    frames.cells[2] *= 0.97
    data = Data(frames, ("Ni",), AEVSettings())
    features = mean_aevs(NNP(ModelSettings(("Ni",))).aev, data)
    assert features.shape == (4, 55)
    assert farthest_point(features, 2)[1] == 2  # the compressed frame lies farthest from frame 0


def test_grid_subset_hits_the_size_and_keeps_frames_apart_in_o_and_h():
    from nnpdistill.select.baselines import grid_subset

    rng = np.random.default_rng(0)
    o, h = rng.uniform(0, 30, 3000), rng.uniform(-150, -130, 3000)
    for size in (200, 400, 800):
        kept, delta_o = grid_subset(o, h, size, delta_h=0.25)
        assert abs(len(kept) - size) <= size // 50
        # no two kept frames within delta_o and delta_h of each other
        close = (np.abs(o[kept, None] - o[kept]) <= delta_o) & (np.abs(h[kept, None] - h[kept]) <= 0.25)
        assert close.sum() == len(kept)
    # H spans 80 cells of delta_h: however wide delta_o, about 40 frames stay; the closest count is returned.
    kept, _ = grid_subset(o, h, 10, delta_h=0.25)
    assert 30 < len(kept) < 90
