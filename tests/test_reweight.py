import numpy as np
import pytest

from nnpdistill.sample.reweight import melting_temperature, thermo_table
from nnpdistill.units import K_B_EV


def test_plain_npt_reweighted_to_its_own_temperature_gives_plain_averages():
    rng = np.random.default_rng(0)
    H = rng.normal(-490.0, 3.0, 500)
    O = np.where(rng.random(500) < 0.3, 75.0, 2.0)
    table = thermo_table(H, np.zeros_like(H), O > 32.4, 108, [2000.0], 2000.0)
    row = table.iloc[0]
    assert row["H_mean_eV"] == pytest.approx(H.mean(), rel=1e-12)
    assert row["H_std_eV"] == pytest.approx(H.std(), rel=1e-10)
    assert row["crystal_fraction"] == pytest.approx((O > 32.4).mean())
    assert row["effective_frames"] == pytest.approx(500.0)
    assert row["Cp_eV_per_K"] == pytest.approx(H.var() / (K_B_EV * 2000.0**2), rel=1e-10)


def test_reweighting_recovers_another_temperature_of_a_known_ensemble():
    # Density of states g(H) ~ exp(H / (k * 3000 K)) on [-10, 0] eV: canonical P(H) at T is exp(H b) with
    # b = 1/(k*3000) - 1/(kT). Sample it exactly at T0 = 2000 K and reweight to 2200 K.
    rng = np.random.default_rng(1)

    def sample(T, n):
        b = 1 / (K_B_EV * 3000.0) - 1 / (K_B_EV * T)
        u = rng.random(n)
        return np.log(np.exp(-10 * b) + u * (1 - np.exp(-10 * b))) / b

    H = sample(2000.0, 200_000)
    table = thermo_table(H, np.zeros_like(H), np.zeros(len(H), dtype=bool), 1, [2200.0], 2000.0)
    assert table.iloc[0]["H_mean_eV"] == pytest.approx(sample(2200.0, 200_000).mean(), abs=0.01)


def test_melting_temperature_interpolates_the_half_crossing():
    import pandas as pd

    table = pd.DataFrame({"T_K": [1600.0, 1700.0, 1800.0], "crystal_fraction": [0.9, 0.6, 0.2]})
    assert melting_temperature(table) == pytest.approx(1725.0)
    assert melting_temperature(table.iloc[:2]) is None


def test_block_bootstrap_of_a_plain_npt_run_covers_its_own_averages():
    """A plain NPT series (bias 0) reweighted to its own temperature: the intervals hold the plain averages,
    and correlated frames (an AR(1) series) give a wider interval than the same values shuffled."""
    from nnpdistill.sample.reweight import block_bootstrap

    rng = np.random.default_rng(3)
    n, phi = 20_000, 0.99
    noise = rng.normal(0.0, 3.0 * np.sqrt(1 - phi**2), n)
    H = np.empty(n)
    H[0] = -490.0
    for i in range(1, n):
        H[i] = -490.0 + phi * (H[i - 1] + 490.0) + noise[i]
    crystal = H < -490.0
    table, melting = block_bootstrap(H, np.zeros(n), crystal, 108, [2000.0], 2000.0, seed=1)
    row = table.iloc[0]
    assert row.H_mean_eV_low <= H.mean() <= row.H_mean_eV_high
    assert row.crystal_fraction_low <= crystal.mean() <= row.crystal_fraction_high
    plain = thermo_table(H, np.zeros(n), crystal, 108, [2000.0], 2000.0).iloc[0]
    assert row.Cp_kB_per_atom_low <= plain.Cp_kB_per_atom <= row.Cp_kB_per_atom_high
    shuffled, _ = block_bootstrap(rng.permutation(H), np.zeros(n), crystal, 108, [2000.0], 2000.0, seed=1)
    assert row.H_mean_eV_high - row.H_mean_eV_low > 3 * (shuffled.H_mean_eV_high[0] - shuffled.H_mean_eV_low[0])
    assert melting["share_with_crossing"] == 0.0 and np.isnan(melting["low_K"])


def test_block_bootstrap_brackets_a_melting_crossing():
    from nnpdistill.sample.reweight import block_bootstrap

    # Two phases in equal numbers at T0 = 2000 K, in alternating blocks, crystal at H = -500 eV and liquid at
    # -480 eV: the crystal fraction is 1/2 at T0, above it below T0 (lower H gains weight) and under it above.
    H = np.tile(np.repeat([-500.0, -480.0], 500), 10) + np.random.default_rng(4).normal(0, 0.5, 10_000)
    crystal = H < -490.0
    temperatures = np.linspace(1900.0, 2100.0, 21)
    bias = np.zeros_like(H)
    table, melting = block_bootstrap(H, bias, crystal, 108, temperatures, 2000.0, seed=2)
    point = melting_temperature(thermo_table(H, bias, crystal, 108, temperatures, 2000.0))
    assert melting["share_with_crossing"] > 0.9
    assert point == pytest.approx(2000.0, abs=1.0)
    assert melting["low_K"] <= point <= melting["high_K"] and melting["high_K"] - melting["low_K"] < 100.0


def test_effective_frames_if_flat_is_the_kish_count_of_an_even_spread():
    """Two bins of equal canonical weight: a production with 9 frames in one and 1 in the other has Kish's
    1 / (9 (1/18)^2 + (1/2)^2) = 3.6 effective frames; spread evenly it would have all 10."""
    from nnpdistill.sample.reweight import K_B_EV, effective_frames_if_flat

    T0 = 1000.0
    # at T = T0 each frame's weight is exp(bias / kT0): 1/18 for the nine, 1/2 for the one
    bias = K_B_EV * T0 * np.log(np.array([1 / 18] * 9 + [1 / 2]))
    H = np.zeros(10)
    table = thermo_table(H, bias, np.zeros(10, dtype=bool), 1, [T0], T0)
    assert table.effective_frames.iloc[0] == pytest.approx(3.6)
    bins = np.array([7] * 9 + [3])
    assert effective_frames_if_flat(H, bias, bins, [T0], T0) == pytest.approx([10.0])
    # even spread already: the ceiling is the Kish count
    even = np.zeros(10)
    assert effective_frames_if_flat(H, even, np.arange(10) % 2, [T0], T0) == pytest.approx([10.0])
    one_bin_holds_all = np.where(np.arange(10) < 5, 0.0, -50.0)
    assert effective_frames_if_flat(H, one_bin_holds_all, np.arange(10) // 5, [T0], T0) == pytest.approx([5.0])


def test_effective_frames_under_a_corrected_bias_match_the_exact_count_of_the_corrected_sampling():
    """Three bins sampled with p = (0.7, 0.2, 0.1), canonical weights q = (0.2, 0.3, 0.5) at T0: the bias makes each
    frame weigh q_b / p_b. A corrected bias samples p' ~ p exp(-c); its Kish ratio is exactly 1 / sum q^2 / p'."""
    from nnpdistill.sample.reweight import effective_frames_under_correction

    T0, kT = 1000.0, K_B_EV * 1000.0
    p, q = np.array([0.7, 0.2, 0.1]), np.array([0.2, 0.3, 0.5])
    frames = np.random.default_rng(3).choice(3, size=400_000, p=p)
    H, bias = np.zeros(len(frames)), kT * np.log(q / p)[frames]
    own = thermo_table(H, bias, np.zeros(len(frames), dtype=bool), 1, [T0], T0).effective_frames.iloc[0]
    assert effective_frames_under_correction(H, bias, np.zeros(len(frames)), T0, T0) == pytest.approx(own)
    assert own == pytest.approx(len(frames) / np.sum(q**2 / p), rel=0.01)
    for c in ([1.0, -0.5, -1.5], [-2.0, 0.0, 2.0]):
        c = np.array(c)
        corrected = p * np.exp(-c) / np.sum(p * np.exp(-c))
        exact = len(frames) / np.sum(q**2 / corrected)
        assert effective_frames_under_correction(H, bias, kT * c[frames], T0, T0) == pytest.approx(exact, rel=0.01)


def test_flattening_correction_from_the_exact_histogram_gives_the_flat_ceiling():
    """Counts in proportion to where the production went: the correction kT0 ln(n / mean) makes the corrected
    sampling even over the reachable bins, so its effective frames reach effective_frames_if_flat; an unreachable
    bin keeps its bias, and the cap bounds the change."""
    from nnpdistill.sample.reweight import (effective_frames_if_flat, effective_frames_under_correction,
                                            flattening_correction)

    T0, kT = 1000.0, K_B_EV * 1000.0
    p, q = np.array([0.6, 0.3, 0.1]), np.array([0.2, 0.3, 0.5])  # bins (0, 0), (0, 1), (1, 0) of a 2 x 2 grid
    frames = np.random.default_rng(4).choice(3, size=300_000, p=p)
    H, bias = np.zeros(len(frames)), kT * np.log(q / p)[frames]
    cells = np.array([[0, 0], [0, 1], [1, 0]])
    counts = np.zeros((2, 2))
    np.add.at(counts, tuple(cells[frames].T), 1.0)
    reachable = np.array([[True, True], [True, False]])
    correction = flattening_correction(counts, reachable, T0, smooth_bins=0.0, cap_kT=10.0)
    assert correction[1, 1] == 0.0
    np.testing.assert_allclose(correction[reachable] / kT, np.log(p / p.mean()), atol=0.02)
    ceiling = effective_frames_if_flat(H, bias, frames, [T0], T0)[0]
    predicted = effective_frames_under_correction(H, bias, correction[tuple(cells[frames].T)], T0, T0)
    assert predicted == pytest.approx(ceiling, rel=0.01)
    capped = flattening_correction(counts, reachable, T0, smooth_bins=0.0, cap_kT=0.5)
    assert np.abs(capped).max() == pytest.approx(0.5 * kT)


def test_phase_enthalpies_and_latent_heat_of_a_two_phase_series():
    """Crystal frames near -500 eV and liquid ones near -480 eV, no bias: each phase's <H> is its own frames'
    mean at T0, the latent heat their difference, NaN outside the table or with one phase missing."""
    from nnpdistill.sample.reweight import latent_heat

    rng = np.random.default_rng(3)
    crystal = rng.random(2000) < 0.4
    H = np.where(crystal, rng.normal(-500.0, 2.0, 2000), rng.normal(-480.0, 2.0, 2000))
    table = thermo_table(H, np.zeros_like(H), crystal, 108, [1900.0, 2000.0, 2100.0], 2000.0)
    row = table.iloc[1]
    assert row["H_crystal_eV"] == pytest.approx(H[crystal].mean(), rel=1e-12)
    assert row["H_liquid_eV"] == pytest.approx(H[~crystal].mean(), rel=1e-12)
    assert latent_heat(table, 2000.0) == pytest.approx(H[~crystal].mean() - H[crystal].mean(), rel=1e-12)
    assert np.isnan(latent_heat(table, 2500.0)) and np.isnan(latent_heat(table, None))
    liquid_only = thermo_table(H, np.zeros_like(H), np.zeros(2000, dtype=bool), 108, [2000.0], 2000.0)
    assert np.isnan(liquid_only.iloc[0]["H_crystal_eV"]) and np.isnan(latent_heat(liquid_only, 2000.0))


def test_basin_offset_is_zero_at_the_bulk_melting_point_and_signed_by_the_shift():
    from nnpdistill.sample.reweight import basin_offset_kT

    L, Tm = 18.0, 1939.0  # eV for 108 atoms, K
    assert basin_offset_kT(L, Tm, Tm) == 0.0
    below = basin_offset_kT(L, 1789.0, Tm)
    assert below == pytest.approx(L * 150.0 / (Tm * K_B_EV * 1789.0))  # about 9 kT against the cell's crystal
    assert basin_offset_kT(L, 2100.0, Tm) < 0  # superheated cell: the crystal favoured
    # The same offset in a cell 256/108 times larger (latent heat likewise) shifts T_N less, about as 1/N
    big = 256 / 108 * L
    shift = lambda TN: basin_offset_kT(big, TN, Tm) - below  # noqa: E731
    lo, hi = 1789.0, Tm
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if shift(mid) > 0 else (lo, mid)
    assert Tm - lo == pytest.approx(150.0 * 108 / 256, rel=0.1)


def test_phase_check_passes_a_fair_sample_and_fails_a_production_that_missed_the_canonical_crystal():
    from nnpdistill.sample.reweight import check_columns, phase_check

    rng = np.random.default_rng(4)
    kT = K_B_EV * 2000.0
    crystal_run = (rng.normal(-493.0, 3.0, 1000), rng.normal(80.0, 3.0, 1000))  # H (eV), crystallinity (atoms)
    liquid_run = (rng.normal(-473.0, 3.0, 1000), np.abs(rng.normal(12.0, 4.0, 1000)))
    fair = np.concatenate([rng.normal(-493.0, 3.0, 400), rng.normal(-473.0, 3.0, 400)])
    order = np.concatenate([rng.normal(80.0, 3.0, 400), np.abs(rng.normal(12.0, 4.0, 400))])
    check = phase_check(fair, np.zeros(800), order, 2000.0, 2000.0, crystal_run, liquid_run)
    assert check["crystal"]["consistent"] and check["liquid"]["consistent"]
    assert abs(check["crystal"]["gap_kT"]) < 3 * check["crystal"]["error_kT"]
    assert 380 <= check["crystal"]["frames"] <= 400
    assert check["crystal"]["effective_frames"] == pytest.approx(check["crystal"]["frames"])
    lo, hi = check["crystal"]["basin"]
    assert 70.0 < lo < 76.0 and 84.0 < hi < 90.0
    # Crystal frames only from a superheated tail 10 eV up (58 kT at 2000 K): the liquid still passes
    skewed = np.where(np.arange(800) < 400, fair + 10.0, fair)
    check = phase_check(skewed, np.zeros(800), order, 2000.0, 2000.0, crystal_run, liquid_run)
    assert not check["crystal"]["consistent"] and check["liquid"]["consistent"]
    assert check["crystal"]["gap_kT"] == pytest.approx(10.0 / kT, abs=0.5 / kT)
    # No frame in the intact crystal's basin: nothing to check, and that is a failure
    none = phase_check(fair, np.zeros(800), np.where(order > 50.0, 60.0, order), 2000.0, 2000.0, crystal_run,
                       liquid_run)
    assert np.isnan(none["crystal"]["gap_kT"]) and not none["crystal"]["consistent"] and none["crystal"]["frames"] == 0
    columns = check_columns(none)
    names = ("H_gap_kT0", "H_gap_error_kT0", "basin_frames", "basin_effective_frames", "check")
    assert list(columns) == [f"{p}_{c}" for p in ("crystal", "liquid") for c in names] + ["phases_check",
                                                                                          "phases_consistent"]
    assert columns["crystal_basin_frames"] == 0 and columns["liquid_basin_frames"] == none["liquid"]["frames"] > 350
    assert columns["crystal_check"] == columns["phases_check"] == "no frames" and not columns["phases_consistent"]
    assert columns["liquid_check"] == "consistent"


def test_phase_check_calls_a_gap_within_a_large_error_unresolved_not_consistent():
    from nnpdistill.sample.reweight import check_columns, phase_check

    rng = np.random.default_rng(5)
    kT = K_B_EV * 2000.0
    crystal_run = (rng.normal(-493.0, 3.0, 1000), rng.normal(80.0, 3.0, 1000))
    liquid_run = (rng.normal(-473.0, 3.0, 1000), np.abs(rng.normal(12.0, 4.0, 1000)))
    # 6 crystal frames 1 eV (6 kT) above the NPT crystal on average, spread 3.9 eV: an error of about 9 kT, so the
    # gap passes 3 errors, but a defect of 3 eV (17 kT) would pass too: unresolved at 6 kT
    crystal = -492.0 + np.array([-6.0, -3.0, -1.0, 1.0, 3.0, 6.0])
    H = np.concatenate([crystal, rng.normal(-473.0, 3.0, 400)])
    order = np.concatenate([np.full(6, 80.0), np.abs(rng.normal(12.0, 4.0, 400))])
    loose = phase_check(H, np.zeros_like(H), order, 2000.0, 2000.0, crystal_run, liquid_run)["crystal"]
    assert 8.0 < loose["error_kT"] < 11.0 and loose["gap_kT"] == pytest.approx(1.0 / kT, abs=0.3 / kT)
    assert loose["verdict"] == "consistent" and loose["consistent"]
    check = phase_check(H, np.zeros_like(H), order, 2000.0, 2000.0, crystal_run, liquid_run, resolution_kT=6.0)
    assert check["crystal"]["verdict"] == "unresolved" and not check["crystal"]["consistent"]
    assert check["crystal"]["gap_kT"] == loose["gap_kT"] and check["liquid"]["verdict"] == "consistent"
    columns = check_columns(check)
    assert columns["phases_check"] == "unresolved" and not columns["phases_consistent"]
    # a gap beyond 3 errors fails whatever the resolution: its size resolves it
    far = phase_check(H + np.where(order > 50.0, 10.0, 0.0), np.zeros_like(H), order, 2000.0, 2000.0, crystal_run,
                      liquid_run, resolution_kT=6.0)
    assert far["crystal"]["verdict"] == "not consistent" and check_columns(far)["phases_check"] == "not consistent"



def test_phase_check_compares_the_intact_crystal_not_partly_melted_cells_the_classifier_calls_crystalline():
    """Above a cell's melting point, partly melted cells (crystallinity between the classifier's two thresholds, so
    still crystalline by its hysteresis) outweigh the intact crystal in that class: the class's mean enthalpy then
    lies far above the NPT crystal's though the sampling is right. Within the NPT run's basin the two agree."""
    from nnpdistill.sample.reweight import phase_check, thermo_table

    rng = np.random.default_rng(5)
    crystal_run = (rng.normal(-493.0, 3.0, 1000), rng.normal(80.0, 3.0, 1000))
    liquid_run = (rng.normal(-473.0, 3.0, 1000), np.abs(rng.normal(12.0, 4.0, 1000)))
    H = np.concatenate([rng.normal(-493.0, 3.0, 300), rng.normal(-483.0, 3.0, 600), rng.normal(-473.0, 3.0, 400)])
    order = np.concatenate([rng.normal(80.0, 3.0, 300), rng.normal(40.0, 5.0, 600), np.abs(rng.normal(12.0, 4.0, 400))])
    classed_crystal = np.arange(len(H)) < 900
    whole_class = thermo_table(H, np.zeros_like(H), classed_crystal, 108, [2000.0], 2000.0).H_crystal_eV.iloc[0]
    assert whole_class - crystal_run[0].mean() > 5.0  # the class's mean: 30 kT0 off, with right sampling
    check = phase_check(H, np.zeros_like(H), order, 2000.0, 2000.0, crystal_run, liquid_run)
    assert check["crystal"]["consistent"] and check["liquid"]["consistent"]
    assert check["crystal"]["frames"] < 310
