"""Inherent structures: a thermal crystal quenches to the perfect lattice, one with a defect stays above it."""

import numpy as np
import pytest

from nnpdistill.sample.inherent import INTACT_TOLERANCE_EV, intact_check, intact_columns, wilson_interval
from nnpdistill.sample.structures import crystal


def _frenkel_pair(atoms):
    """Atom 0 moved to the octahedral site farthest from its own: a vacancy and an interstitial ~1.5 a apart."""
    a = atoms.cell[0, 0] / 3
    defective = atoms.copy()
    defective.positions[0] = [1.5 * a, 1.5 * a, 1.5 * a]  # cube centre of the middle cell: octahedral
    return defective


def test_a_thermal_crystal_is_intact_and_a_frenkel_pair_is_not(potential):
    fcc = crystal("Ni", "fcc", 3)
    rng = np.random.default_rng(3)
    hot = np.stack([fcc.positions + rng.normal(0, 0.12, fcc.positions.shape) for _ in range(2)])
    frames = np.concatenate([hot, _frenkel_pair(fcc).positions[None]])
    cells = np.repeat(np.asarray(fcc.cell)[None], 3, axis=0) * np.array([1.0, 1.01, 1.0])[:, None, None]
    check = intact_check(frames, cells, "Ni", 3, potential, frames=3, seed=0)
    assert check["frames"] == 3 and list(check["indices"]) == [0, 1, 2]
    excess = check["excess_eV"]
    assert np.all(np.abs(excess[:2]) < 1e-3) and np.all(check["fcc_share"][:2] == 1.0)
    assert np.all(check["hcp_share"] == 0.0)
    assert excess[2] > INTACT_TOLERANCE_EV and check["fcc_share"][2] < 1.0
    assert check["intact"] == 2 and check["intact_share"] == pytest.approx(2 / 3)
    columns = intact_columns(check)
    assert columns["crystal_intact_frames"] == 2 and columns["crystal_quenched_frames"] == 3
    assert columns["crystal_intact_low"] < 2 / 3 < columns["crystal_intact_high"]


def test_the_frames_quenched_are_a_seeded_draw(potential):
    fcc = crystal("Ni", "fcc", 2)
    frames = np.repeat(fcc.positions[None], 6, axis=0)
    cells = np.repeat(np.asarray(fcc.cell)[None], 6, axis=0)
    first = intact_check(frames, cells, "Ni", 2, potential, frames=2, seed=5)["indices"]
    again = intact_check(frames, cells, "Ni", 2, potential, 2, 5)["indices"]
    assert len(set(first)) == 2 and list(first) == list(again)
    empty = intact_check(frames[:0], cells[:0], "Ni", 2, potential, frames=2, seed=5)
    assert empty["frames"] == 0 and np.isnan(empty["intact_share"])


def test_wilson_interval():
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    low, high = wilson_interval(0, 8)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.3244, abs=1e-4)
    assert np.isnan(wilson_interval(0, 0)[0])
