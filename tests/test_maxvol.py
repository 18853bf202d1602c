"""D-optimality (MaxVol) extrapolation grades: the active set, the grades, and a round that uses them."""

import itertools

import numpy as np
import pytest

from nnpdistill.select.active import Rules, select
from nnpdistill.select.maxvol import ActiveSet, grades_by_frame, hidden_features, maxvol
from tests.test_active import tiny_ensemble_and_frames


def test_maxvol_rows_bound_every_row_and_take_the_largest_volume():
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(12, 3))
    rows = maxvol(matrix, tolerance=1.0 + 1e-9)
    coefficients = matrix @ np.linalg.inv(matrix[rows])
    assert np.abs(coefficients).max() <= 1.0 + 1e-9  # the defining property: no row outside the active rows' box
    best = max(abs(np.linalg.det(matrix[list(s)])) for s in itertools.combinations(range(12), 3))
    assert abs(np.linalg.det(matrix[rows])) >= best / 3 ** 1.5  # a local maximum is within m^(m/2) of the best
    # A scaled copy of a row has the larger volume and replaces it.
    plain = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 0.0], [0.0, 0.5]])
    assert maxvol(plain).tolist() == [1, 2]
    with pytest.raises(ValueError, match="rank deficient"):
        maxvol(np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]))
    with pytest.raises(ValueError, match="at least as many rows"):
        maxvol(np.ones((1, 2)))


def test_training_atoms_grade_at_most_one_and_an_outside_point_above():
    rng = np.random.default_rng(5)
    features = rng.normal(size=(200, 4))
    species = np.zeros(200, dtype=int)
    active = ActiveSet(features, species, tolerance=1.0 + 1e-9)
    assert active.grades(features, species).max() <= 1.0 + 1e-9
    far = 3.0 * features[np.argmax(np.abs(features).sum(axis=1))][None]
    assert active.grades(far, np.zeros(1, dtype=int))[0] > 1.0
    assert np.isinf(active.grades(features[:1], np.ones(1, dtype=int))[0])  # an element never trained on


def test_maxvol_grades_single_out_the_squeezed_frames_with_one_model():
    """Trained on the plain rattled frames only, one network's grades put the squeezed frames (2, 7 and its copy
    8) above every plain frame not in training, and above 1."""
    members, data = tiny_ensemble_and_frames()
    training = np.array([0, 1, 3, 4, 5, 6])
    candidates = np.array([2, 7, 8, 9, 10, 11])
    features, species = hidden_features(members[0], data, training)
    assert features.shape == (6 * 32, 8 + 1) and np.all(features[:, -1] == 1.0) and np.all(species == 0)
    grades = grades_by_frame(members[0], data, training, candidates).max(axis=1)
    assert min(grades[:3]) > max(grades[3:]) and min(grades[:3]) > 1.0
    assert grades[0] == pytest.approx(grades[2])  # 8 is a copy of 2
    picked = select(members[:1], data, candidates, training,
                    rules=Rules(uncertainty="maxvol", population="absolute", threshold=1.0, budget=3))
    assert picked.added.tolist() == [2, 7, 8]
    with pytest.raises(ValueError, match="maxvol grades frames against the training set"):
        select(members[:1], data, candidates, None, rules=Rules(uncertainty="maxvol", population="candidates"))
