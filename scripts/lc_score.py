"""Per-frame errors of every member of a learning-curve ensemble on the unseen sets and the held-out MOMT block:
energy |dE|/N (meV/atom) and the frame's mean force-component |dF| (meV/A), for means, intervals and the paired
bootstrap of the summary."""

import logging

import numpy as np
import pandas as pd

from nnpdistill import dataset, logs, tables
from nnpdistill.select.active import holdout
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.nnp.nnp_data import Data, predict

logs.to_file(snakemake.log[0])
momt = dataset.read(snakemake.input.momt)
held = momt.subset(holdout(len(momt), snakemake.params.holdout_fraction))
count = snakemake.params.test_frames
tests = {"momt_heldout": held.subset(dataset.evenly_spaced(len(held), count))}
tests.update({name: dataset.read(path) for name, path in zip(snakemake.params.unseen_names, snakemake.input.unseen)})
ensemble = Ensemble.load(snakemake.input.ensemble)
aev, symbols = ensemble.aev, ensemble.symbols
n_train = len(dataset.read(snakemake.input.data))
frames = []
for name, test in tests.items():
    data = Data(test, symbols, aev, source=name)
    for member in ensemble.members:
        energy, forces = predict(member.model(), data)
        e_err = np.abs(energy - test.energy) / test.n_atoms * 1000.0
        f_err = np.array([np.abs(f - ref).mean() for f, ref in zip(forces, test.forces)]) * 1000.0
        frames.append(pd.DataFrame({"training_set": snakemake.wildcards.set, "training_frames": n_train,
                                    "member": member.number, "test_set": name, "frame": np.arange(len(test)),
                                    "energy_abs_meV_atom": e_err, "force_mae_meV_A": f_err}))
        logging.info("%s member %d: energy %.2f meV/atom, force %.1f meV/A", name, member.number, e_err.mean(),
                     f_err.mean())
tables.write_csv(pd.concat(frames, ignore_index=True), snakemake.output[0])
