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
