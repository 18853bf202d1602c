"""Sweep of training settings (loss form, alpha, schedule, epochs) on one Ni 32 set (issue: converged training).

Not a rule: a developer's tool whose table lives in docs/training-sweep.md. Every run trains one member with the
same split seed on the same frames (evenly spaced over the MOMT pool, i.e. all but the held-out last fraction)
and is scored on the validation split, on the held-out MOMT block, and by the relaxed FCC/BCC/HCP crystals
(Table S6) and FCC's C11/C12/C44 against the EAM's, both through the project's own relaxation and strain code.

    python scripts/sweep_training.py --momt results/ni32/momt.h5 --out docs/training-sweep.csv --jobs 2
"""

import argparse
import itertools
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GRIDS = {
    # loss form x alpha at one schedule and budget, then schedules and budgets around the winner (--fixed).
    "loss": [dict(loss=loss, force_weight=alpha, schedule="cosine", epochs=60)
             for loss, alpha in itertools.product(("paper", "balanced"), (0.1, 1.0, 3.0))],
    "schedule": [dict(schedule=schedule, epochs=epochs)
                 for schedule, epochs in (("plateau", 60), ("exponential", 60), ("cosine", 30), ("cosine", 120))],
}


def run_one(args):
    import torch

    from nnpdistill import dataset
    from nnpdistill.nnp.calculator import NNPCalculator
    from nnpdistill.nnp.model import AEVSettings, ModelSettings
    from nnpdistill.potential import Potential
    from nnpdistill.evaluate.oracle import EAMCalculator
    from nnpdistill.evaluate.properties import errors, properties
    from nnpdistill.nnp.nnp_data import Data, maes
    from nnpdistill.nnp.train import Trainer, TrainSettings

    settings_changes, momt_path, n_frames, holdout, test_frames, seed = args
    torch.set_num_threads(1)
    source = dataset.read(momt_path)
    pool_end = int(round(len(source) * (1 - holdout)))
    train = source.subset(dataset.evenly_spaced(pool_end, n_frames))
    test = source.subset(pool_end + dataset.evenly_spaced(len(source) - pool_end, test_frames))
    symbols = train.symbols
    model_settings = ModelSettings(symbols=symbols, aev=AEVSettings())
    data = Data(train, symbols, model_settings.aev)
    test_data = Data(test, symbols, model_settings.aev)
    base = dict(epochs=100, batch_size=16, loss="paper", force_weight=0.1, schedule="plateau", learning_rate=1e-3,
                min_learning_rate=1e-5, lr_patience=10, early_stop_patience=0)
    settings = TrainSettings(**{**base, **settings_changes}, threads=1)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        trainer = Trainer(data, symbols, settings, seed, workdir, model_settings=model_settings)
        best = trainer.run()
    seconds = time.perf_counter() - start
    row = {**settings_changes, "train_frames": len(trainer.train_idx), "train_s": round(seconds, 1),
           "best_epoch": trainer.best["epoch"], "epochs_run": trainer.epoch}
    metrics = dict(zip(("valid_energy_mae_meV_atom", "valid_force_mae_meV_A"),
                       trainer.history[trainer.best["epoch"] - 1][5:7]))
    row.update(metrics)
    row["heldout_energy_mae_meV_atom"], row["heldout_force_mae_meV_A"] = maes(best, test_data)
    reference = properties(EAMCalculator(Potential(REPO / "resources/potentials/NiNb.eam.fs")), "Ni")
    values = properties(NNPCalculator([best]), "Ni")
    row.update(values)
    row.update(errors(values, reference))
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--momt", default=str(REPO / "results/ni32/momt.h5"))
    parser.add_argument("--frames", type=int, default=1800)
    parser.add_argument("--holdout", type=float, default=0.1)
    parser.add_argument("--test-frames", type=int, default=500)
    parser.add_argument("--grid", choices=sorted(GRIDS), default="loss")
    parser.add_argument("--fixed", default="", help="settings every run of the grid shares, e.g. loss=balanced,"
                                                    "force_weight=1")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--out", default=str(REPO / "docs/training-sweep.csv"))
    args = parser.parse_args()
    fixed = {}
    for item in filter(None, args.fixed.split(",")):
        key, value = item.split("=")
        fixed[key] = value if not value.replace(".", "").replace("e-", "").isdigit() else float(value) \
            if "." in value or "e" in value else int(value)
    runs = [({**fixed, **changes}, args.momt, args.frames, args.holdout, args.test_frames, args.seed)
            for changes in GRIDS[args.grid]]
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for row in pool.map(run_one, runs):
            rows.append(row)
            print(row, flush=True)
    table = pd.DataFrame(rows)
    out = Path(args.out)
    if out.exists():
        table = pd.concat([pd.read_csv(out), table], ignore_index=True)
    table.to_csv(out, index=False, float_format="%.5g")
    print(table.to_string())


if __name__ == "__main__":
    main()
