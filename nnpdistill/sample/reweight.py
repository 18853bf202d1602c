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
    """Canonical averages at each temperature: <H> (eV), Cp (eV/K and kB per atom), crystal fraction, and <H> of
    each phase's frames alone (H_crystal_eV, H_liquid_eV; NaN where a phase has no frame).

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
            "H_crystal_eV": _phase_mean(w, H, crystal), "H_liquid_eV": _phase_mean(w, H, ~crystal),
        })
    return pd.DataFrame(rows)


def _phase_mean(w, H, mask):
    return float(w[mask] @ H[mask] / w[mask].sum()) if mask.any() and w[mask].sum() > 0 else float("nan")


def latent_heat(table, temperature_K):
    """<H>_liquid - <H>_crystal (eV, the whole cell) at temperature_K, interpolated in a thermo_table; NaN
    outside its range or where a phase is missing."""
    gap = (table["H_liquid_eV"] - table["H_crystal_eV"]).to_numpy()
    T = table["T_K"].to_numpy()
    if temperature_K is None or not T[0] <= temperature_K <= T[-1]:
        return float("nan")
    return float(np.interp(temperature_K, T, gap))


def basin_offset_kT(latent_heat_eV, cell_melting_K, bulk_melting_K):
    """The free energy (units of kT at the cell's melting point) by which a periodic cell disfavours its crystal
    against its liquid, relative to the bulk, that moves the cell's melting point from bulk_melting_K to
    cell_melting_K.

    Near melting the bulk crystal-liquid free energy of the cell's atoms is G_c - G_l = L (T - T_m) / T_m, with
    L its latent heat (eV); where the cell's two phases are equally likely, L (T_m - T_N) / T_m = c k T_N. An
    offset c that does not grow with the cell puts T_m - T_N = c k T_N T_m / L, falling as 1/N; c < 0: the cell
    favours its crystal (superheating)."""
    return latent_heat_eV * (bulk_melting_K - cell_melting_K) / (bulk_melting_K * K_B_EV * cell_melting_K)


def effective_frames_if_flat(H, bias, bins, temperatures_K, reference_K):
    """The effective frames at each temperature of a production spread evenly over the same visited bins.

    bins: each frame's (H, O) bin (any integer label). With p_b the reweighted probability of bin b and B the bins
    visited, a production with N / B frames in every bin, each of weight p_b / (N / B), has Kish's
    N / (B sum_b p_b^2) effective frames: the most a flat histogram over that region gives. effective_frames far
    below it means the production was not flat; this ceiling itself low means the region is too wide for the
    frames, however well the bias is learned.
    """
    labels, index = np.unique(np.asarray(bins), return_inverse=True)
    out = []
    for T in temperatures_K:
        logw = log_weights(H, bias, T, reference_K)
        w = np.exp(logw - logw.max())
        p = np.bincount(index, weights=w / w.sum(), minlength=len(labels))
        out.append(len(index) / (len(labels) * float(p @ p)))
    return np.array(out)


def effective_frames_under_correction(H, bias, correction_eV, temperature_K, reference_K):
    """Kish's effective frames at temperature_K that a production as long as this one would give had its bias been
    dH + correction, estimated from this production's frames by importance weights.

    correction_eV: the change of the bias at each frame (eV). The corrected production samples p' = p exp(-c) / Z
    with c = correction / kT0, so with w the frames' weights at temperature_K (log_weights), Kish's ratio under p' is
    E[w]^2 / (E[exp(-c)] E[w^2 exp(c)]), each expectation over this production's frames. Zero correction gives
    this production's own effective frames. The estimate rests on the frames it has: a region the production never
    visited, the corrected one would not visit either, in this estimate.
    """
    logw = log_weights(H, bias, temperature_K, reference_K)
    logw = logw - logw.max()
    c = np.asarray(correction_eV, dtype=float) / (K_B_EV * reference_K)
    mean_w = np.mean(np.exp(logw))
    return float(len(logw) * mean_w**2 / (np.mean(np.exp(-c)) * np.mean(np.exp(2 * logw + c))))


def flattening_correction(counts, reachable, reference_K, smooth_bins=2.0, cap_kT=2.0):
    """The change of the bias (eV, per (H, O) bin) that would flatten a frozen-bias production whose histogram is
    counts: kT0 ln(n_b / mean n) over the reachable bins, raising the bias where the walker went too often.

    counts: the production's frames per bin (n_h, n_o); reachable: the bins the learning visited (bool, same
    shape), the region that should be flat. The histogram is smoothed over smooth_bins (Gaussian sigma, bins,
    normalised over the reachable bins only) and the correction clipped to +/- cap_kT; unreachable bins keep
    their bias."""
    from scipy.ndimage import gaussian_filter

    reachable = np.asarray(reachable, dtype=bool)
    counts = np.where(reachable, np.asarray(counts, dtype=float), 0.0)
    density = gaussian_filter(counts, smooth_bins, mode="nearest")
    share = gaussian_filter(reachable.astype(float), smooth_bins, mode="nearest")
    density = np.where(share > 0, density / np.maximum(share, 1e-12), 0.0)
    mean = density[reachable].mean()
    ratio = np.log(np.maximum(density, 1e-300) / mean)
    return np.where(reachable, np.clip(ratio, -cap_kT, cap_kT), 0.0) * K_B_EV * reference_K


def melting_temperature(table):
    """Temperature (K) where the crystal fraction crosses 1/2, linearly interpolated; None without a crossing."""
    T, x = table["T_K"].to_numpy(), table["crystal_fraction"].to_numpy() - 0.5
    for i in range(len(T) - 1):
        if x[i] == 0.0:
            return float(T[i])
        if x[i] * x[i + 1] < 0.0:
            return float(T[i] + (T[i + 1] - T[i]) * x[i] / (x[i] - x[i + 1]))
    return None


def _block_sums(H, bias, crystal, temperatures_K, reference_K, blocks):
    """Per temperature and block of consecutive frames: sums of w, w H, w H^2, w crystal, with one shift of the
    log weights per temperature (shape (4, temperatures, blocks))."""
    H, crystal = np.asarray(H, dtype=float), np.asarray(crystal, dtype=float)
    block_of = np.minimum((np.arange(len(H)) * blocks) // len(H), blocks - 1)
    out = np.zeros((4, len(temperatures_K), blocks))
    for t, T in enumerate(temperatures_K):
        logw = log_weights(H, bias, T, reference_K)
        w = np.exp(logw - logw.max())
        for k, values in enumerate((w, w * H, w * H * H, w * crystal)):
            out[k, t] = np.bincount(block_of, weights=values, minlength=blocks)
    return out


def block_bootstrap(H, bias, crystal, n_atoms, temperatures_K, reference_K, blocks=20, resamples=1000,
                    level=0.95, seed=0):
    """Intervals of the reweighted <H> (eV), Cp (kB per atom), crystal fraction and melting temperature (K) by
    resampling whole blocks of consecutive frames with replacement: the production is a time series, and
    neighbouring frames are not independent. Returns (table with <column>_low/_high per temperature, melting
    dict with low_K, high_K and the share of resamples whose crystal fraction crosses 1/2 in range)."""
    sums = _block_sums(H, bias, crystal, temperatures_K, reference_K, blocks)
    rng = np.random.default_rng(seed)
    counts = np.stack([np.bincount(rng.integers(blocks, size=blocks), minlength=blocks) for _ in range(resamples)])
    w, wh, whh, wc = (counts @ s.T for s in sums)  # (resamples, temperatures)
    mean = wh / w
    cp = (whh / w - mean**2) / (K_B_EV * np.asarray(temperatures_K) ** 2) / K_B_EV / n_atoms
    fraction = wc / w
    tail = 50.0 * (1.0 - level)
    table = pd.DataFrame({"T_K": np.asarray(temperatures_K, dtype=float)})
    for name, values in (("H_mean_eV", mean), ("Cp_kB_per_atom", cp), ("crystal_fraction", fraction)):
        table[f"{name}_low"], table[f"{name}_high"] = np.percentile(values, [tail, 100.0 - tail], axis=0)
    melts = [melting_temperature(pd.DataFrame({"T_K": table.T_K, "crystal_fraction": f})) for f in fraction]
    found = np.array([m for m in melts if m is not None])
    low, high = np.percentile(found, [tail, 100.0 - tail]) if len(found) else (np.nan, np.nan)
    return table, {"low_K": float(low), "high_K": float(high), "share_with_crossing": len(found) / resamples}


def phase_check(H, bias, order, temperature_K, reference_K, npt_crystal, npt_liquid, sigmas=3.0, tail=0.01,
                resolution_kT=None):
    """Each phase's reweighted <H> at temperature_K against a plain NPT run of that phase in the same cell and at that
    temperature, both taken within the run's own basin: the frames whose crystallinity (order, atoms) lies between
    the run's tail and 1 - tail quantiles of it. A production that never sampled a phase near its canonical enthalpy
    reweights it from a far tail, and its crystal fraction and melting estimate mean nothing however narrow their
    intervals.

    Why within the basin, not the whole phase: above the cell's melting point the crystal is metastable, and the
    frames the classifier still calls crystalline (its hysteresis keeps partly melted cells crystalline down to half
    its threshold) can carry most of that class's canonical weight, far above the intact crystal's enthalpy (Ni 108's
    default production does: docs/momt-phases.md). A plain NPT run from FCC never leaves the intact crystal's basin,
    so it is the canonical ensemble restricted to that basin; a production in equilibrium with its bias, reweighted
    and restricted the same way, must agree with it at any T.

    Why a resolution: a gap within sigmas errors says nothing when the error itself is large. A crystal that
    regrew with a defect sits a few eV above the intact one (docs/momt-phases.md: 3-16 eV for 108 atoms, 17 kT and
    more at 2,000 K), so a check whose error exceeds resolution_kT cannot tell it from the intact crystal.

    npt_crystal, npt_liquid: (H, crystallinity) arrays of each run's frames of its own phase (eV, atoms). Returns
    {phase: {gap_kT, error_kT, verdict, consistent, frames, effective_frames, basin}} for "crystal" and "liquid":
    gap = reweighted - NPT mean in the basin (units of kT), error its standard error from Kish's effective frames and
    the NPT frames (both taken as independent, so a lower bound); verdict "not consistent" where |gap| > sigmas x
    error, else "unresolved" where error > resolution_kT (None: no limit), else "consistent" (the bool consistent);
    "no frames" where the production has none in the basin (NaN gap); frames and effective_frames the production's
    in the basin."""
    H, order = np.asarray(H, dtype=float), np.asarray(order, dtype=float)
    kT = K_B_EV * temperature_K
    logw = log_weights(H, bias, temperature_K, reference_K)
    w = np.exp(logw - logw.max())
    out = {}
    for phase, (ref_H, ref_order) in (("crystal", npt_crystal), ("liquid", npt_liquid)):
        ref_H, ref_order = np.asarray(ref_H, dtype=float), np.asarray(ref_order, dtype=float)
        row = {"gap_kT": float("nan"), "error_kT": float("nan"), "verdict": "no frames", "consistent": False,
               "frames": 0, "effective_frames": 0.0, "basin": (float("nan"), float("nan"))}
        out[phase] = row
        if not len(ref_H):
            continue
        lo, hi = np.quantile(ref_order, [tail, 1.0 - tail])
        row["basin"] = (float(lo), float(hi))
        mask = (order >= lo) & (order <= hi)
        ref = ref_H[(ref_order >= lo) & (ref_order <= hi)]
        row["frames"] = int(mask.sum())
        if not mask.any() or w[mask].sum() == 0:
            continue
        p = w[mask] / w[mask].sum()
        mean = float(p @ H[mask])
        variance = float(p @ (H[mask] - mean) ** 2)
        error = np.sqrt(variance * float(p @ p) + ref.var() / len(ref))  # Kish: 1/n_eff = sum p^2
        gap = mean - ref.mean()
        if abs(gap) > sigmas * error:
            verdict = "not consistent"
        elif resolution_kT is not None and error > resolution_kT * kT:
            verdict = "unresolved"
        else:
            verdict = "consistent"
        row.update(gap_kT=gap / kT, error_kT=error / kT, verdict=verdict, consistent=verdict == "consistent",
                   effective_frames=float(1.0 / (p @ p)))
    return out


def check_against_npt(data, fcc, liquid, n_cells, fraction, temperature_K, sigmas=3.0, resolution_kT=None):
    """phase_check of a MOMT production (a Dataset with H, bias and crystallinity extras) against the plain NPT
    runs of the same cell at temperature_K (Datasets from an FCC and a liquid start): each run gives its frames of
    its own phase, since a small cell's liquid shows a bright Bragg spot now and then, and those frames' crystallinity
    bounds the phase's basin."""
    from .order import crystalline, crystallinity

    refs = []
    for run, want in ((fcc, True), (liquid, False)):
        order = crystallinity(run.positions, run.cells, n_cells)
        keep = crystalline(order, run.n_atoms, fraction) == want
        refs.append((run.extras["H"][keep], order[keep]))
    return phase_check(data.extras["H"], data.extras["bias"], data.extras["crystallinity"], temperature_K,
                       temperature_K, *refs, sigmas=sigmas, resolution_kT=resolution_kT)


def check_columns(check):
    """A phase_check's result as the columns momt_thermo.csv and the MOMT benchmark carry: per phase the gap and its
    error (kT0), the production's frames and effective frames in the basin and the verdict, then phases_check (any
    phase's failure first: "not consistent", "no frames", "unresolved", else "consistent") and phases_consistent
    (every phase consistent)."""
    row = {}
    for phase, c in check.items():
        row.update({f"{phase}_H_gap_kT0": c["gap_kT"], f"{phase}_H_gap_error_kT0": c["error_kT"],
                    f"{phase}_basin_frames": c["frames"], f"{phase}_basin_effective_frames": c["effective_frames"],
                    f"{phase}_check": c["verdict"]})
    verdicts = [c["verdict"] for c in check.values()]
    row["phases_check"] = next((v for v in ("not consistent", "no frames", "unresolved") if v in verdicts),
                               "consistent")
    row["phases_consistent"] = row["phases_check"] == "consistent"
    return row
