"""Reweighting of a frozen-bias MOMT production to canonical (NPT) averages at temperatures near T0.

Frames were sampled with weight exp(-(H + dH) / kT0); at temperature T each frame counts with
w = exp(-H / kT + (H + dH) / kT0). H = U + P0*V (eV), dH the frozen bias (eV). A plain NPT run is the special
case dH = 0 at T = T0, where every weight is 1.
"""

import numpy as np
import pandas as pd

from ..units import K_B_EV


def log_weights(H, bias, temperature_K, reference_K):
    """Log of the (unnormalised) canonical weights at temperature_K of frames sampled at reference_K."""
    H, bias = np.asarray(H, dtype=float), np.asarray(bias, dtype=float)
    return -H / (K_B_EV * temperature_K) + (H + bias) / (K_B_EV * reference_K)


def thermo_table(H, bias, crystal, n_atoms, temperatures_K, reference_K):
    """Canonical averages at each temperature: <H> (eV), Cp (eV/K and kB per atom), crystal fraction.

    crystal: per frame, whether it is crystalline. Cp = (<H^2> - <H>^2) / (kB T^2) is the potential-enthalpy
    part of the heat capacity. effective_frames is Kish's (sum w)^2 / sum w^2: where it is small, few frames
    carry the average and it is not to be trusted.
    """
    H = np.asarray(H, dtype=float)
    crystal = np.asarray(crystal, dtype=bool)
    rows = []
    for T in temperatures_K:
        logw = log_weights(H, bias, T, reference_K)
        w = np.exp(logw - logw.max())
        w /= w.sum()
        mean = float(w @ H)
        var = float(w @ (H - mean) ** 2)
        cp = var / (K_B_EV * T**2)
        rows.append({
            "T_K": float(T), "H_mean_eV": mean, "H_std_eV": var**0.5, "Cp_eV_per_K": cp,
            "Cp_kB_per_atom": cp / K_B_EV / n_atoms, "crystal_fraction": float(w @ crystal),
            "effective_frames": float(1.0 / (w @ w)),
        })
    return pd.DataFrame(rows)


def melting_temperature(table):
    """Temperature (K) where the crystal fraction crosses 1/2, linearly interpolated; None without a crossing."""
    T, x = table["T_K"].to_numpy(), table["crystal_fraction"].to_numpy() - 0.5
    for i in range(len(T) - 1):
        if x[i] == 0.0:
            return float(T[i])
        if x[i] * x[i + 1] < 0.0:
            return float(T[i] + (T[i + 1] - T[i]) * x[i] / (x[i] - x[i + 1]))
    return None
