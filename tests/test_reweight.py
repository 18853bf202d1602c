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
