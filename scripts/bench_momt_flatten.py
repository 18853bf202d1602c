"""Benchmark: would a frozen-bias flattening pass raise a MOMT production's effective frames at T0?

The pass would run the frozen bias for a while, raise the bias by kT0 ln(n / mean n) of that run's (H, O)
histogram (reweight.flattening_correction) and then produce. This script estimates its effect on productions that
exist, without new MD: the first --fraction of each production plays the pass, and the rest is reweighted to T0
three ways, each scaled to the whole production's length: as it is, under the corrected bias (importance weights,
reweight.effective_frames_under_correction), and the ceiling of a production flat over the bins it visited. It
also says where the whole production's weight at T0 sits (the bins holding 90 % of it and their frames).

With --shares, the rest is also reweighted as if the production had been tilted toward T0
(momt.production.t0_share; wang_landau.tilt_drop) by those shares, with T0's weight per bin read two ways: from
the first part's frames reweighted to T0 (a two-part production: flat, then tilted by what the first part found),
and, with --npt, from plain NPT runs at T0 (each run's frames one state, crystal or liquid, the runs given equal
shares; --cells and --order say how to compute their O).

A production is a results/<system> folder (momt.h5, momt_bias.npz) or a run folder of bench_momt_phases.py
(<run>/momt with frames.*.npz and state.npz).
Usage: python scripts/bench_momt_flatten.py RUN [RUN ...] [--fraction 0.5] [--smooth 2] [--cap 2]
                                         [--min-count 20] [--shares 0.05 0.1 0.2] [--npt FCC.h5 LIQUID.h5 ...]
                                         [--cells 3] [--order eq2] [--out flatten.csv]
"""

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd


def production(path):
    """(H, O, bias per frame, learning visits, Window, T0 in K) of a production folder."""
    from nnpdistill import dataset
    from nnpdistill.sample.momt import read_frame_chunks, settings_from_identity
    from nnpdistill.sample.wang_landau import Window

    path = Path(path)
    if (path / "momt.h5").exists():
        data = dataset.read(path / "momt.h5")
        record = np.load(path / "momt_bias.npz")
        h_min, h_max, n_h, o_min, o_max, n_o = record["window"]
        window = Window(h_min, h_max, int(n_h), o_min, o_max, int(n_o))
        extras = data.extras
        return (extras["H"], extras["O"], extras["bias"], record["visits"], window,
                float(record["temperature_K"]))
    folder = path / "momt" if (path / "momt").is_dir() else path
    state = np.load(folder / "state.npz")
    settings = settings_from_identity(json.loads(str(state["state"]))["identity"]["settings"])
    frames = read_frame_chunks(folder)
    return frames["H"], frames["O"], frames["bias"], state["visits"], settings.window, settings.temperature_K


def npt_weights(files, window, n_cells, kind):
    """T0's weight per (H, O) bin from plain NPT runs at T0, each run's frames one state with an equal share,
    smoothed over a bin."""
    from scipy.ndimage import gaussian_filter

    from nnpdistill import dataset
    from nnpdistill.sample.order import order_parameter

    total = np.zeros((window.n_h, window.n_o))
    for path in files:
        run = dataset.read(path)
        # npt.sample stores eq. 2's O; any other kind is computed from the frames
        O = run.extras["O"] if kind == "eq2" else order_parameter(run.positions, run.cells, n_cells, gradient=False,
                                                                  kind=kind)[0]
        counts = np.bincount(window.labels(run.extras["H"], O), minlength=total.size).reshape(total.shape)
        total += counts / counts.sum()
    return gaussian_filter(total, 1.0)


def tilt_estimates(H, bias, window, T0, labels, first, reachable, shares, npt_pi):
    """{column: effective frames at T0 of the rest, scaled to the whole production} had the rest been tilted by
    each share toward T0's weight as the first part's frames give it (pass) and as the NPT runs give it (npt)."""
    from scipy.ndimage import gaussian_filter

    from nnpdistill.sample.reweight import effective_frames_under_correction, log_weights
    from nnpdistill.sample.wang_landau import tilt_drop
    from nnpdistill.units import K_B_EV

    logw = log_weights(H[:first], bias[:first], T0, T0)
    found = np.bincount(labels[:first], weights=np.exp(logw - logw.max()), minlength=window.n_h * window.n_o)
    weights = {"pass": gaussian_filter(found.reshape(window.n_h, window.n_o), 1.0)}
    if npt_pi is not None:
        weights["npt"] = npt_pi
    scale, out = len(H) / (len(H) - first), {}
    for name, pi in weights.items():
        for share in shares:
            drop = tilt_drop(np.where(reachable, pi, 0.0), share, reachable.sum(), K_B_EV * T0)
            out[f"tilt_{name}_{share:g}_scaled"] = scale * effective_frames_under_correction(
                H[first:], bias[first:], drop.ravel()[labels[first:]], T0, T0)
    return out


def t0_weight_bins(H, bias, labels, visits, T0, min_count):
    """Where the whole production's weight at T0 sits: the fewest bins holding 90 % of it, the frames in them, the
    effective frames had the weights been even within each bin, and the share in bins the learning visited fewer
    than min_count times."""
    from nnpdistill.sample.reweight import log_weights

    logw = log_weights(H, bias, T0, T0)
    w = np.exp(logw - logw.max())
    total = np.bincount(labels, weights=w, minlength=visits.size)
    frames = np.bincount(labels, minlength=visits.size)
    order = np.argsort(total)[::-1]
    top = order[:np.searchsorted(np.cumsum(total[order]), 0.9 * total.sum()) + 1]
    held = frames > 0
    return {"T0_bins_90pct": len(top), "T0_bins_90pct_frames": int(frames[top].sum()),
            "effective_at_T0_even_within_bins": total.sum() ** 2 / np.sum(total[held] ** 2 / frames[held]),
            "T0_weight_in_bins_under_min_count": total[visits.ravel() < min_count].sum() / total.sum()}


def estimate(path, fraction, smooth_bins, cap_kT, min_count, shares=(), npt=None, n_cells=3, kind="eq2"):
    from nnpdistill.sample.reweight import (effective_frames_if_flat, effective_frames_under_correction,
                                            flattening_correction, thermo_table)

    H, O, bias, visits, window, T0 = production(path)
    n, first = len(H), int(round(fraction * len(H)))
    labels = window.labels(H, O)
    counts = np.bincount(labels[:first], minlength=window.n_h * window.n_o).reshape(window.n_h, window.n_o)
    correction = flattening_correction(counts, visits >= min_count, T0, smooth_bins, cap_kT).ravel()[labels[first:]]
    rest = slice(first, None)
    scale = n / (n - first)
    own = thermo_table(H[rest], bias[rest], np.zeros(n - first, dtype=bool), 1, [T0], T0).effective_frames.iloc[0]
    return {
        "production": str(path), "frames": n, "pass_frames": first, "smooth_bins": smooth_bins, "cap_kT0": cap_kT,
        "effective_at_T0_whole": thermo_table(H, bias, np.zeros(n, dtype=bool), 1, [T0], T0).effective_frames.iloc[0],
        "effective_at_T0_rest_scaled": own * scale,
        "effective_at_T0_corrected_scaled": scale * effective_frames_under_correction(H[rest], bias[rest], correction,
                                                                                      T0, T0),
        "flat_ceiling": effective_frames_if_flat(H, bias, labels, [T0], T0)[0],
        **t0_weight_bins(H, bias, labels, visits, T0, min_count),
        **(tilt_estimates(H, bias, window, T0, labels, first, visits >= min_count, shares,
                          npt_weights(npt, window, n_cells, kind) if npt else None) if shares else {}),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--fraction", type=float, default=0.5)
    parser.add_argument("--smooth", type=float, nargs="+", default=[2.0])
    parser.add_argument("--cap", type=float, nargs="+", default=[2.0])
    parser.add_argument("--min-count", type=int, default=20, help="learning visits that make a bin reachable")
    parser.add_argument("--shares", type=float, nargs="*", default=[], help="tilts toward T0 to estimate")
    parser.add_argument("--npt", nargs="+", metavar="H5", help="plain NPT runs at T0, each one state (equal shares)")
    parser.add_argument("--cells", type=int, default=3, help="FCC cells along an edge (for the NPT runs' O)")
    parser.add_argument("--order", default="eq2", help="the order parameter of the productions")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    rows = [estimate(run, args.fraction, smooth, cap, args.min_count, args.shares, args.npt, args.cells, args.order)
            for run in args.runs for smooth in args.smooth for cap in args.cap]
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.round(1).to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
