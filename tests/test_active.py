"""Active-learning plans (cascade and sequential) and one scoring round with a real (tiny) ensemble."""

import numpy as np
import pytest
import torch

from nnpdistill.select.active import cascade_plan, select, sequential_plan
from nnpdistill.select.distill import cascade
from nnpdistill.nnp.model import NNP, AEVSettings, ModelSettings
from nnpdistill.nnp.nnp_data import Data
from tests.test_train import rattled_frames


def test_cascade_plan_goes_from_the_coarsest_deletions_to_the_finest():
    rng = np.random.default_rng(0)
    levels = cascade(rng.uniform(0, 30, 2000), rng.uniform(-5, 5, 2000), [0.02, 0.4, 3.0], 0.3)
    start, rounds = cascade_plan(levels)
    assert np.array_equal(start, np.sort(levels[-1].kept))
    assert [label for label, _ in rounds] == ["delta_o=3", "delta_o=0.4", "delta_o=0.02"]
    assert np.array_equal(rounds[0][1], np.sort(levels[-1].deleted))
    every = np.concatenate([start] + [frames for _, frames in rounds])
    assert sorted(every.tolist()) == list(range(2000))


def test_sequential_plan_splits_consecutive_chunks():
    start, rounds = sequential_plan(20000, 10)
    assert np.array_equal(start, np.arange(2000)) and len(rounds) == 9
    assert rounds[0][0] == "chunk=1" and np.array_equal(rounds[-1][1], np.arange(18000, 20000))
    with pytest.raises(ValueError, match="n_chunks"):
        sequential_plan(5, 1)


def test_a_round_adds_the_frames_the_members_disagree_on():
    """Independently initialised members disagree most on an environment unlike the others: the frame with one
    squeezed atom pair stands out against the candidates' own population and is the one added."""
    torch.manual_seed(0)
    members = [NNP(ModelSettings(("Ni",), hidden=(16, 8))) for _ in range(3)]
    frames = rattled_frames(12, seed=4)
    frames.positions[7, 5] = frames.positions[7, 6] + np.array([1.2, 0.0, 0.0])  # 1.2 A apart: far from the rest
    data = Data(frames, ("Ni",), AEVSettings())
    picked = select(members, data, np.arange(12), training=np.arange(0), k=4.0)
    assert picked.candidates == 12 and picked.threshold == pytest.approx(picked.mu + 4 * picked.sigma)
    assert picked.added.tolist() == [7]
    assert picked.max_uq[7] == picked.max_uq.max()
    # Against a training population of the same kind of frames (without the squeezed pair), the same frame joins.
    by_training = select(members, data, np.array([7, 8]), training=np.arange(7), k=4.0, population="training")
    assert 7 in by_training.added.tolist()
    with pytest.raises(ValueError, match="population"):
        select(members, data, [0], [1], population="everything")
