"""Active-learning plans (cascade and sequential) and one scoring round with a real (tiny) ensemble."""

import numpy as np
import pytest
import torch

from nnpdistill.select.active import Rules, cascade_plan, pool_candidates, select, sequential_plan
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


def tiny_ensemble_and_frames():
    """3 independently initialised members and 12 rattled frames; frame 2 has a squeezed pair (1.5 A), frame 8 is
    a copy of it, and frame 7 has a squeezed pair elsewhere and of another length (1.2 A)."""
    torch.manual_seed(0)
    members = [NNP(ModelSettings(("Ni",), hidden=(16, 8))) for _ in range(3)]
    frames = rattled_frames(12, seed=4)
    frames.positions[7, 5] = frames.positions[7, 6] + np.array([1.2, 0.0, 0.0])
    frames.positions[2, 20] = frames.positions[2, 21] + np.array([0.0, 1.5, 0.0])
    frames.positions[8] = frames.positions[2]
    return members, Data(frames, ("Ni",), AEVSettings())


@pytest.mark.parametrize("uncertainty", ["energy", "force"])
def test_both_uncertainties_single_out_the_squeezed_frames(uncertainty):
    members, data = tiny_ensemble_and_frames()
    rules = dict(uncertainty=uncertainty, population="absolute", threshold=1e-9)
    picked = select(members, data, np.arange(12), None, rules=Rules(budget=3, **rules))
    assert picked.added.tolist() == [2, 7, 8]
    assert picked.max_uq[2] == pytest.approx(picked.max_uq[8])
    one = select(members, data, np.arange(12), None, rules=Rules(budget=1, **rules))
    assert one.added.tolist() == [int(np.argmax(picked.max_uq))]


def test_diversity_keeps_one_of_two_duplicates():
    """Under a budget of 2 the two most uncertain frames are the duplicates 2 and 8; farthest-point sampling on
    the uncertain atoms' AEVs takes one of them and the other squeezed frame, 7, instead."""
    members, data = tiny_ensemble_and_frames()
    rules = dict(k_sigma=2.0, budget=2)
    top = select(members, data, np.arange(12), None, rules=Rules(**rules))
    assert top.over_threshold == 3 and top.added.tolist() == [2, 8]
    diverse = select(members, data, np.arange(12), None, rules=Rules(diversity="fps", **rules))
    assert diverse.added.tolist() in ([2, 7], [7, 8])


def test_trust_window_drops_frames_above_its_top():
    members, data = tiny_ensemble_and_frames()
    scores = select(members, data, np.arange(12), None, rules=Rules(population="absolute", threshold=1e-9)).max_uq
    assert scores[2] > scores[7] > np.delete(scores, [2, 7, 8]).max()
    kept = select(members, data, np.arange(12), None,
                  rules=Rules(population="absolute", threshold=1e-9, trust_high=(scores[2] + scores[7]) / 2))
    assert kept.added.tolist() == [i for i in range(12) if i not in (2, 8)]


def test_the_training_population_threshold_moves_with_the_training_set():
    members, data = tiny_ensemble_and_frames()
    calm = select(members, data, np.array([7]), np.array([0, 1, 3, 4]), population="training")
    with_outliers = select(members, data, np.array([7]), np.array([0, 1, 3, 4, 2, 8]), population="training")
    assert with_outliers.threshold > calm.threshold and with_outliers.mu > calm.mu
    assert calm.added.tolist() == [7]


def test_rules_from_config_name_a_bad_setting():
    assert Rules.from_config({"uncertainty": "force", "mode": "cascade"}).uncertainty == "force"
    with pytest.raises(ValueError, match="active.diversity"):
        Rules.from_config({"diversity": "kmeans"})
    with pytest.raises(ValueError, match="active.threshold"):
        Rules.from_config({"population": "absolute"})


def test_coverage_guarantees_each_class_its_share():
    """Ten candidates, the liquid ones (class 0) the most uncertain: a round of budget 4 takes the four most
    uncertain liquids, unless a share of 0.25 is guaranteed, which swaps the least uncertain liquid for the most
    uncertain crystal, even under the threshold."""
    from nnpdistill.select.active import covered

    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.05, 0.04, 0.30, 0.02, 0.01])
    classes = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    assert covered([0, 1, 2, 3], score, classes, 0.0, budget=4).tolist() == [0, 1, 2, 3]
    assert covered([0, 1, 2, 3], score, classes, 0.25, budget=4).tolist() == [0, 1, 2, 7]
    assert covered([0, 1, 2, 3], score, classes, 0.5, budget=4).tolist() == [0, 1, 5, 7]
    # Without a budget the guaranteed frames are added on top; a class with too few frames gives what it has.
    assert covered([0, 1, 2, 3], score, classes, 0.25).tolist() == [0, 1, 2, 3, 7]
    assert covered([0, 1], score, np.array([0] * 9 + [1]), 0.5).tolist() == [0, 1, 9]
    with pytest.raises(ValueError, match="active.coverage"):
        Rules.from_config({"coverage": 0.7})


def test_fill_tops_a_round_up_to_its_budget_with_the_most_uncertain_frames():
    """k_sigma 2 leaves 3 frames over the threshold; with fill a budget of 5 adds them and the next two most
    uncertain, without fill only the 3."""
    members, data = tiny_ensemble_and_frames()
    plain = select(members, data, np.arange(12), None, rules=Rules(k_sigma=2.0, budget=5))
    filled = select(members, data, np.arange(12), None, rules=Rules(k_sigma=2.0, budget=5, fill=True))
    assert plain.added.tolist() == [2, 7, 8] and filled.over_threshold == 3
    order = np.argsort(-filled.max_uq, kind="stable")
    assert filled.added.tolist() == sorted(order[:5].tolist()) and set(plain.added) < set(filled.added)


def test_pool_candidates_leave_out_the_chosen_frames_and_sample_by_seed():
    pool = np.arange(10, 110)
    chosen = np.array([10, 50, 51, 200])
    every = pool_candidates(pool, chosen, 0, seed=1)
    assert len(every) == 97 and not np.intersect1d(every, chosen).size
    some = pool_candidates(pool, chosen, 20, seed=1)
    assert len(some) == 20 and set(some) <= set(every) and np.all(np.diff(some) > 0)
    np.testing.assert_array_equal(some, pool_candidates(pool, chosen, 20, seed=1))
    assert not np.array_equal(some, pool_candidates(pool, chosen, 20, seed=2))
