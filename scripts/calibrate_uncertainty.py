"""Uncertainty against true error, per active-learning round, for a finished chain (not a rule: a developer's
tool; runs made since `active.calibration_frames` exists write the same columns to rounds.csv themselves).

For round r, up to --frames of its candidates (evenly spaced) are scored by round r-1's ensemble; Spearman's rho
of their atomic-energy and committee-force uncertainties against the ensemble mean's true errors (the MOMT
frames carry the oracle's labels) are printed as a table (docs/active-learning.md).

    python scripts/calibrate_uncertainty.py --results results --system ni32
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default="results", help="a run's results folder")
    parser.add_argument("--system", default="ni32")
    parser.add_argument("--mode", default="cascade", choices=("cascade", "sequential"))
    parser.add_argument("--chunks", type=int, default=10, help="active.chunks of the run (sequential mode)")
    parser.add_argument("--holdout", type=float, default=0.1, help="active.holdout_fraction of the run")
    parser.add_argument("--frames", type=int, default=1000, help="candidates scored per round")
    args = parser.parse_args()

    import torch

    from nnpdistill import dataset
    from nnpdistill.nnp.ensemble import Ensemble
    from nnpdistill.nnp.nnp_data import Data
    from nnpdistill.select.active import load_plan
    from nnpdistill.select.uncertainty import atomic_energies, atomic_uncertainty, calibration

    torch.set_num_threads(1)
    results = Path(args.results)
    momt = dataset.read(results / args.system / "momt.h5")
    _, rounds = load_plan(args.mode, args.chunks, results / args.system / "distill" / "cascade.h5", len(momt),
                          args.holdout)
    rows = []
    for r, (label, candidates) in enumerate(rounds, start=1):
        ensemble = results / "train" / f"{args.system}_al{r - 1}" / "ensemble.pt"
        if not ensemble.exists():
            break
        models = Ensemble.load(ensemble).models(torch.float32)
        sample = candidates[dataset.evenly_spaced(len(candidates), args.frames)]
        data = Data(momt.subset(sample), models[0].symbols, models[0].settings.aev)
        energy_uq = atomic_uncertainty(atomic_energies(models, data)).max(axis=1)
        row = {"round": r, "candidates_from": label, "candidates": len(candidates)}
        row.update(calibration(models, data, range(len(sample)), energy_uq))
        rows.append(row)
        print(row, flush=True)
    print(pd.DataFrame(rows).round(3).to_markdown(index=False))


if __name__ == "__main__":
    main()
