import numpy as np
import pytest

from nnpdistill.units import K_B_EV
from nnpdistill.sample.wang_landau import WangLandauBias, Window, tilt_drop

WINDOW = Window(-165.0, -125.0, 60, -5.0, 40.0, 110)


def learned_bias(deposits=4000, seed=0, ln_f=1.0):
    bias = WangLandauBias(WINDOW, 2000.0, 1000.0, 4000.0)
    rng = np.random.default_rng(seed)
    for _ in range(deposits):
        bias.deposit(rng.normal(-146.0, 4.0), rng.uniform(0.0, 30.0), ln_f)
    return bias


def test_force_factor_stays_in_the_band_everywhere():
    bias = learned_bias()
    factors = [1.0 + bias.evaluate(H, O)[1] for H in np.linspace(-175.0, -115.0, 241)
               for O in np.linspace(-10.0, 48.0, 59)]
    low, high = bias.factor_range()
    assert (low, high) == pytest.approx((0.5, 2.0))
    assert min(factors) >= low - 1e-12 and max(factors) <= high + 1e-12
    assert min(factors) < 0.55 and max(factors) > 1.9  # the learning really pushed against both bounds


@pytest.mark.parametrize("H, O", [(-150.3, 10.2), (-146.0, 0.3), (-124.0, 20.0), (-168.0, 3.0), (-140.0, -6.0),
                                  (-140.0, 41.5), (-120.0, 45.0)])
def test_derivatives_match_finite_differences_inside_and_outside_the_window(H, O):
    bias = learned_bias(deposits=1500)
    _, d_h, d_o = bias.evaluate(H, O)
    h = 1e-6
    assert d_h == pytest.approx((bias.evaluate(H + h, O)[0] - bias.evaluate(H - h, O)[0]) / (2 * h), abs=1e-6)
    assert d_o == pytest.approx((bias.evaluate(H, O + h)[0] - bias.evaluate(H, O - h)[0]) / (2 * h), abs=1e-6)


def test_deposit_raises_the_bias_at_the_point_by_at_least_kT_ln_f():
    bias = WangLandauBias(WINDOW, 2000.0, 1000.0, 4000.0)
    before = bias.evaluate(-146.2, 21.7)[0]
    bias.deposit(-146.2, 21.7, 0.01)
    assert bias.evaluate(-146.2, 21.7)[0] - before == pytest.approx(0.01 * K_B_EV * 2000.0, rel=1e-9)
    assert bias.histogram.sum() == 1 and bias.histogram[WINDOW.bin(-146.2, 21.7)] == 1
    assert (bias.coeffs >= 0.0).all()


@pytest.mark.parametrize("H, O", [(-146.2, 21.7), (-165.0, -5.0), (-125.0, 40.0), (-164.8, 39.9), (-125.3, -4.6),
                                  (-140.0, 0.0), (-155.0, 39.95)])
def test_a_small_deposit_raises_the_bias_by_exactly_kT_ln_f_also_at_the_window_edges(H, O):
    # Small enough that the slope band never binds, so the rise is the scaled kernel alone (mirrored at the edges).
    bias = learned_bias(deposits=50, ln_f=1e-4)
    before = bias.evaluate(H, O)[0]
    bias.deposit(H, O, 1e-4)
    assert bias.evaluate(H, O)[0] - before == pytest.approx(1e-4 * K_B_EV * 2000.0, rel=1e-9)


def test_outside_the_window_walls_push_back():
    bias = WangLandauBias(WINDOW, 2000.0, 1000.0, 4000.0)
    assert bias.evaluate(-110.0, 10.0)[1] == pytest.approx(1.0)   # above H_max: T_eff -> T_min
    assert bias.evaluate(-180.0, 10.0)[1] == pytest.approx(-0.5)  # below H_min: T_eff -> T_max
    assert bias.evaluate(-150.0, 45.0)[2] > 0 > bias.evaluate(-150.0, -8.0)[2]


def test_flatness_is_judged_on_reachable_bins():
    bias = WangLandauBias(WINDOW, 2000.0, 1000.0, 4000.0)
    visits = np.zeros_like(bias.histogram)
    visits[10:20, 30:40] = 50
    visits[0, 0] = 2  # seen, but not reachable yet at min_count 5
    bias.histogram[10:20, 30:40] = 10
    assert bias.is_flat(0.5, 5, visits)
    bias.histogram[12, 33] = 1
    assert not bias.is_flat(0.5, 5, visits) and bias.is_flat(0.0, 5, visits)
    bias.histogram[12, 33] = 0
    assert not bias.is_flat(0.0, 5, visits)


def test_bad_windows_and_bands_are_refused():
    with pytest.raises(ValueError, match="empty"):
        Window(-125.0, -165.0, 60, -5.0, 40.0, 110)
    with pytest.raises(ValueError, match="T_min < T0 < T_max"):
        WangLandauBias(WINDOW, 2000.0, 2500.0, 4000.0)


def test_window_labels_are_the_bins_inside_and_the_nearest_edge_bin_outside():
    window = Window.from_config({"h_range_eV": [-10.0, 10.0], "h_bins": 4, "o_range": [0.0, 3.0], "o_bins": 3})
    H = np.array([-9.0, 9.9, 0.1, -50.0, 50.0])
    O = np.array([0.5, 2.5, 1.5, -1.0, 9.0])
    inside = [window.bin(h, o) for h, o in zip(H[:3], O[:3])]
    assert window.labels(H, O).tolist() == [i * 3 + j for i, j in inside] + [0, 3 * 3 + 2]


def test_tilt_drop_turns_a_flat_run_into_a_share_of_t0_weights_and_the_rest_flat():
    kT = K_B_EV * 2000.0
    weights = np.random.default_rng(3).random((6, 8)) ** 4  # uneven, unnormalised
    for share in (0.1, 0.5):
        drop = tilt_drop(weights, share, weights.size, kT)
        assert (drop <= 0).all()
        tilted = np.exp(-drop / kT) / np.exp(-drop / kT).sum()  # a flat run's frames under the lowered bias
        np.testing.assert_allclose(tilted, (1 - share) / weights.size + share * weights / weights.sum())


def test_tilting_toward_t0_sends_a_share_to_its_canonical_bins_and_keeps_the_band():
    bias = learned_bias()
    reachable = bias.histogram >= 5
    before = bias.bin_values()
    # T0's canonical weights as a bias flat over the reachable bins implies them: exp(dH / kT0) (it cancels Omega)
    pi = np.where(reachable, np.exp((before - before[reachable].max()) / bias.kT), 0.0)
    pi /= pi.sum()
    untouched = learned_bias()
    assert not untouched.tilt_toward(pi, 0.0, reachable.sum()).any()
    change = bias.tilt_toward(pi, 0.3, reachable.sum())
    np.testing.assert_allclose(change, bias.coeffs - untouched.coeffs)
    # a run flat under the learned bias samples the reachable bins alike; under the tilted one in proportion to
    # exp(-(drop) / kT0): its effective frames at T0 per frame (Kish)
    tilted = np.where(reachable, np.exp(-(bias.bin_values() - before) / bias.kT), 0.0)
    tilted /= tilted.sum()
    kish_flat = 1.0 / (reachable.sum() * np.sum(pi**2))
    kish = 1.0 / np.sum(pi[pi > 0] ** 2 / tilted[pi > 0])
    assert kish_flat < 0.02 and kish > 0.2  # asked: 0.3; the band and the B-spline keep a little of it
    low, high = bias.factor_range()
    factors = [1.0 + bias.evaluate(H, O)[1] for H in np.linspace(-175.0, -115.0, 121)
               for O in np.linspace(-10.0, 48.0, 30)]
    assert min(factors) >= low - 1e-12 and max(factors) <= high + 1e-12
    with pytest.raises(ValueError, match="t0_share"):
        bias.tilt_toward(pi, 1.0, reachable.sum())


def test_bin_values_are_the_bias_at_each_bins_centre():
    bias = learned_bias(deposits=500)
    values = bias.bin_values()
    centre = lambda k, m: (WINDOW.h_min + (k + 0.5) * WINDOW.dh, WINDOW.o_min + (m + 0.5) * WINDOW.do)  # noqa: E731
    for k, m in [(0, 0), (59, 109), (30, 40), (12, 77)]:
        assert values[k, m] == pytest.approx(bias.evaluate(*centre(k, m))[0], abs=1e-12)
