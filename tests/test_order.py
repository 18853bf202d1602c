import numpy as np
import pytest

from nnpdistill.sample.order import order_parameter, order_parameter_box
from nnpdistill.sample.structures import crystal, fcc_twin_box


@pytest.mark.parametrize("n", [1, 2, 3])
def test_perfect_fcc_gives_number_of_atoms(n):
    atoms = crystal("Ni", "fcc", n)
    value, _ = order_parameter(atoms.positions, atoms.cell, n)
    assert value == pytest.approx(len(atoms), rel=1e-12)


def test_rescaled_cell_keeps_perfect_crystal_at_n():
    atoms = crystal("Ni", "fcc", 2)
    atoms.set_cell(atoms.cell * [1.07, 0.96, 1.02], scale_atoms=True)
    value, _ = order_parameter(atoms.positions, atoms.cell, 2)
    assert value == pytest.approx(len(atoms), rel=1e-12)


def test_translation_invariance():
    rng = np.random.default_rng(0)
    atoms = crystal("Ni", "fcc", 2)
    positions = atoms.positions + rng.normal(0.0, 0.3, atoms.positions.shape)
    shifted = positions + np.array([0.37, -1.9, 5.3])
    assert order_parameter(shifted, atoms.cell, 2)[0] == pytest.approx(order_parameter(positions, atoms.cell, 2)[0],
                                                                        rel=1e-12)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    atoms = crystal("Ni", "fcc", 2)
    positions = atoms.positions + rng.normal(0.0, 0.25, atoms.positions.shape)
    _, grad = order_parameter(positions, atoms.cell, 2)
    h = 1e-6
    numeric = np.zeros_like(positions)
    for index in np.ndindex(positions.shape):
        plus, minus = positions.copy(), positions.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (order_parameter(plus, atoms.cell, 2, gradient=False)[0]
                          - order_parameter(minus, atoms.cell, 2, gradient=False)[0]) / (2 * h)
    assert np.abs(grad).max() > 1.0  # a displaced crystal has a real gradient to compare
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_uncorrelated_positions_give_about_one():
    rng = np.random.default_rng(2)
    cell = np.eye(3) * 10.56
    positions = rng.uniform(0.0, 10.56, size=(400, 108, 3))
    values, _ = order_parameter(positions, np.broadcast_to(cell, (400, 3, 3)), 3, gradient=False)
    # For uniform positions each |S_g|^2/N is exponentially distributed with mean 1 - 1/N.
    assert values.mean() == pytest.approx(1.0, abs=0.1)


def test_batch_equals_frame_by_frame():
    rng = np.random.default_rng(3)
    atoms = crystal("Ni", "fcc", 2)
    positions = atoms.positions + rng.normal(0.0, 0.4, (5, *atoms.positions.shape))
    cells = np.array([np.asarray(atoms.cell) * s for s in (1.0, 1.01, 0.99, 1.02, 0.98)])
    values, grads = order_parameter(positions, cells, 2)
    for i in range(5):
        value, grad = order_parameter(positions[i], cells[i], 2)
        assert values[i] == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(grads[i], grad, rtol=1e-10, atol=1e-12)


def test_wrong_cell_shape_is_refused():
    with pytest.raises(ValueError, match="cell shape"):
        order_parameter(np.zeros((4, 3)), np.eye(2), 1)


def test_box_fast_path_equals_general_function():
    rng = np.random.default_rng(4)
    lengths = np.array([10.5, 10.7, 10.4])
    positions = rng.uniform(-1.0, 11.0, (108, 3))
    value, grad = order_parameter(positions, np.diag(lengths), 3)
    fast_value, fast_grad = order_parameter_box(positions, lengths, 3)
    assert fast_value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(fast_grad, grad, rtol=1e-10, atol=1e-12)


def test_crystallinity_sees_order_that_o_misses():
    from nnpdistill.sample.order import crystallinity

    atoms = crystal("Ni", "fcc", 2)
    edge = atoms.cell[0, 0]
    rng = np.random.default_rng(6)
    # Atoms on lattice planes normal to the box vector (3, 1, 1), a first-shell vector that is not an FCC {111}
    # vector of the start: ordered, but in another orientation than the one O looks along.
    hkl = np.array([3.0, 1.0, 1.0])
    layered = rng.uniform(0.0, edge, (32, 3))
    phase = layered @ hkl / edge
    layered += np.outer(np.round(phase) - phase, hkl) * edge / (hkl @ hkl)
    liquid = rng.uniform(0.0, edge, (50, 32, 3))
    cells = np.broadcast_to(np.asarray(atoms.cell), (50, 3, 3))
    assert crystallinity(atoms.positions[None], atoms.cell[None], 2)[0] == pytest.approx(32.0)
    assert crystallinity(layered[None], atoms.cell[None], 2)[0] == pytest.approx(32.0)
    assert order_parameter(layered, atoms.cell, 2)[0] < 8.0
    assert crystallinity(liquid, cells, 2).mean() < 8.0


def twin_orientation(n=3, a=3.52):
    """A perfect FCC crystal in its Sigma-3 twin orientation, filling an n x n x n cubic box: (positions, cell)."""
    atoms = fcc_twin_box("Ni", n, a)
    return atoms.positions, np.array(atoms.cell)


def test_twin_box_is_a_perfect_periodic_fcc_crystal_and_only_where_it_fits():
    from ase.neighborlist import neighbor_list

    atoms = fcc_twin_box("Ni", 3, 3.52)
    first, distance = neighbor_list("id", atoms, 3.0)
    assert len(atoms) == 108 and np.allclose(distance, 3.52 / np.sqrt(2))
    assert (np.bincount(first, minlength=108) == 12).all()  # 12 nearest neighbours across every face
    with pytest.raises(ValueError, match="multiple of 3"):
        fcc_twin_box("Ni", 2)


def test_shell_gives_number_of_atoms_for_the_start_and_its_twin_where_eq2_sees_a_quarter():
    from nnpdistill.sample.order import shell_vectors

    assert [len(shell_vectors(n)) for n in (1, 2, 3, 4)] == [4, 4, 16, 4]  # n = 3: (3,3,3) and (5,1,1) families
    start = crystal("Ni", "fcc", 3)
    twin, cell = twin_orientation()
    assert len(twin) == 108
    assert order_parameter(start.positions, start.cell, 3, kind="shell")[0] == pytest.approx(108.0, rel=1e-12)
    assert order_parameter(twin, cell, 3, kind="shell")[0] == pytest.approx(108.0, rel=1e-12)
    assert order_parameter(twin, cell, 3)[0] == pytest.approx(27.0, rel=1e-12)  # one {111} vector survives


def test_shell_of_uncorrelated_positions_gives_its_pairs_over_four():
    rng = np.random.default_rng(7)
    positions = rng.uniform(0.0, 10.56, size=(400, 108, 3))
    cells = np.broadcast_to(np.eye(3) * 10.56, (400, 3, 3))
    values, _ = order_parameter(positions, cells, 3, gradient=False, kind="shell")
    assert values.mean() == pytest.approx(4.0, abs=0.15)  # 16 pairs / 4


@pytest.mark.parametrize("kind", ["shell", "peak", "first_shell", "orientations"])
def test_shell_kinds_are_translation_invariant_and_their_gradient_matches_finite_differences(kind):
    rng = np.random.default_rng(8)
    atoms = crystal("Ni", "fcc", 3)
    positions = atoms.positions + rng.normal(0.0, 0.25, atoms.positions.shape)
    value, grad = order_parameter(positions, atoms.cell, 3, kind=kind)
    shifted = order_parameter(positions + np.array([0.37, -1.9, 5.3]), atoms.cell, 3, kind=kind)[0]
    assert shifted == pytest.approx(value, rel=1e-12)
    h, numeric = 1e-6, np.zeros_like(positions)
    for index in np.ndindex(positions.shape):
        plus, minus = positions.copy(), positions.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (order_parameter(plus, atoms.cell, 3, False, kind)[0]
                          - order_parameter(minus, atoms.cell, 3, False, kind)[0]) / (2 * h)
    assert np.abs(grad).max() > 1.0
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)
    fast_value, fast_grad = order_parameter_box(positions, np.diag(atoms.cell), 3, kind=kind)
    assert fast_value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(fast_grad, grad, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="kind must be one of"):
        order_parameter(positions, atoms.cell, 3, kind="max")


def test_peak_follows_the_brightest_spot_where_the_shell_sum_sees_a_quarter():
    """peak: N + ln(4)/b for the start and its twin; about N for a crystal whose only ordered family is one set of
    {111} planes (atoms moved at random within their planes), which the shell sum reads near N/4; about 4.5 for
    uncorrelated atoms (invariance and gradient: the test above, parametrised over the shell kinds)."""
    from nnpdistill.sample.order import PEAK_SHARPNESS

    start = crystal("Ni", "fcc", 3)
    twin, cell = twin_orientation()
    perfect = 108.0 + np.log(4.0) / PEAK_SHARPNESS
    assert order_parameter(start.positions, start.cell, 3, kind="peak")[0] == pytest.approx(perfect, rel=1e-9)
    assert order_parameter(twin, cell, 3, kind="peak")[0] == pytest.approx(perfect, rel=1e-9)
    rng = np.random.default_rng(9)
    normal = np.ones(3) / np.sqrt(3.0)
    moves = rng.normal(0.0, 3.0, start.positions.shape)
    layered = start.positions + moves - np.outer(moves @ normal, normal)  # within the (111) planes only
    assert order_parameter(layered, start.cell, 3, kind="peak")[0] > 105.0
    assert order_parameter(layered, start.cell, 3, kind="shell")[0] < 35.0
    values, _ = order_parameter(rng.uniform(0.0, 10.56, size=(400, 108, 3)),
                                np.broadcast_to(np.eye(3) * 10.56, (400, 3, 3)), 3, gradient=False, kind="peak")
    assert values.mean() == pytest.approx(4.5, abs=0.2)


def test_first_shell_is_the_crystallinity_made_smooth():
    """first_shell runs over the crystallinity's vectors, so it lies between their largest |S|^2/N and that plus
    ln(vectors); N + ln 4 for the start and its twin; about N for a crystal ordered along a first-shell vector
    that is no {111} vector of the start, which peak misses; about 7.7 for uncorrelated atoms."""
    from nnpdistill.sample.order import crystallinity, first_shell_vectors

    assert [len(first_shell_vectors(n)) for n in (1, 2, 3)] == [4, 79, 265]
    start = crystal("Ni", "fcc", 3)
    twin, cell = twin_orientation()
    rng = np.random.default_rng(10)
    edge = cell[0, 0]
    hkl = np.array([5.0, 2.0, 1.0])  # |h|^2 = 30: in the first shell, on neither the (3,3,3) nor the (5,1,1) family
    layered = rng.uniform(0.0, edge, (108, 3))
    phase = layered @ hkl / edge
    layered += np.outer(np.round(phase) - phase, hkl) * edge / (hkl @ hkl)
    frames = [(start.positions, np.asarray(start.cell)), (twin, cell), (layered, cell)]
    frames += [(rng.uniform(0.0, edge, (108, 3)), cell) for _ in range(300)]
    values = np.array([order_parameter(p, c, 3, gradient=False, kind="first_shell")[0] for p, c in frames])
    top = crystallinity(np.array([p for p, _ in frames]), np.array([c for _, c in frames]), 3)
    assert np.all(values >= top - 1e-9) and np.all(values <= top + np.log(265.0) + 1e-9)
    assert values[0] == pytest.approx(108.0 + np.log(4.0), rel=1e-9)
    assert values[1] == pytest.approx(108.0 + np.log(4.0), rel=1e-9)
    assert values[2] > 105.0 and order_parameter(layered, cell, 3, gradient=False, kind="peak")[0] < 12.0
    assert values[3:].mean() == pytest.approx(7.7, abs=0.3)


def test_orientations_read_the_start_and_each_twin_as_n_and_a_twin_boundary_less():
    """orientations: eq. 2 for every FCC orientation of the box (n = 3: the start and its four Sigma-3 twins, each
    sharing one {111} vector with it), smoothly maximised: N for the start and its twin where eq. 2 sees N/4; a
    cell of two grains, start and twin, well below N; about 2.7 for uncorrelated atoms; eq. 2 itself where the
    start is the only orientation (n = 2)."""
    from nnpdistill.sample.order import orientation_families

    families = orientation_families(3)
    assert [len(orientation_families(n)) for n in (1, 2, 3, 4)] == [1, 1, 5, 1]
    assert np.all(np.abs(np.einsum("fgi,fhi->fgh", families, families)) == np.where(np.eye(4, dtype=bool), 27, 9))
    start = crystal("Ni", "fcc", 3)
    twin, cell = twin_orientation()
    assert order_parameter(start.positions, start.cell, 3, kind="orientations")[0] == pytest.approx(108.0, rel=1e-12)
    assert order_parameter(twin, cell, 3, kind="orientations")[0] == pytest.approx(108.0, rel=1e-12)
    assert order_parameter(twin, cell, 3)[0] == pytest.approx(27.0, rel=1e-12)
    # two grains: the start below the (111) plane through the box centre, the twin above (crowded where they meet)
    height = lambda p: p @ np.ones(3) / np.sqrt(3.0)
    middle = height(np.diag(cell)) / 2.0
    half = np.concatenate([start.positions[height(start.positions) < middle], twin[height(twin) >= middle]])
    mixed = order_parameter(half, cell, 3, gradient=False, kind="orientations")[0]
    assert 0.2 < mixed / len(half) < 0.7
    rng = np.random.default_rng(11)
    values, _ = order_parameter(rng.uniform(0.0, 10.56, size=(400, 108, 3)),
                                np.broadcast_to(np.eye(3) * 10.56, (400, 3, 3)), 3, gradient=False, kind="orientations")
    assert values.mean() == pytest.approx(2.7, abs=0.1)
    small = crystal("Ni", "fcc", 2)
    small.positions += rng.normal(0.0, 0.3, small.positions.shape)
    assert order_parameter(small.positions, small.cell, 2, kind="orientations")[0] == pytest.approx(
        order_parameter(small.positions, small.cell, 2)[0], rel=1e-12)


def test_one_classifier_keeps_a_twin_crystalline_and_counts_only_melting():
    """The Sigma-3 twin reads O = N/4 by eq. 2, around the old thresholds, but is as crystalline as its start;
    a series that flips between the orientations counts no change, one through a liquid counts two."""
    from nnpdistill.sample.order import PhaseTracker, crystalline, crystallinity, crystallinity_box, phase_crossings

    twin, cell = twin_orientation()
    start = crystal("Ni", "fcc", 3)
    rng = np.random.default_rng(9)
    liquid = rng.uniform(0.0, cell[0, 0], (108, 3))
    values = [crystallinity(p[None], c[None], 3)[0] for p, c in ((start.positions, start.cell), (twin, cell),
                                                                 (liquid, cell))]
    assert values[0] == pytest.approx(108.0) and values[1] == pytest.approx(108.0) and values[2] < 0.25 * 108
    assert crystallinity_box(twin, np.diag(cell), 3) == pytest.approx(values[1], rel=1e-12)
    assert crystalline(values, 108, 0.5).tolist() == [True, True, False]
    assert phase_crossings([values[0], values[1], values[0], values[1]], 108, 0.5) == 0
    assert phase_crossings([values[0], values[2], values[1]], 108, 0.5) == 2
    tracker = PhaseTracker(108, 0.5)
    assert tracker.update([100.0, 40.0, 30.0]) == 0 and tracker.phase == "crystal"  # 40, 30: inside the band
    assert tracker.update([20.0, 40.0]) == 1 and tracker.phase == "liquid"
