"""Fig. S2: models trained on FCC, liquid and MOMT data of equal size; MAE on their own and on the unseen sets.

Every member is scored with its best-validation weights: on its own training and validation frames, and on all
frames of the other sets. Bars: mean and standard deviation over members.
"""

import logging

import numpy as np
import pandas as pd

from nnpdistill import dataset, figures, logs, tables
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.nnp.nnp_data import Data, maes

logs.to_file(snakemake.log[0])
sets = snakemake.params.sets
ensembles = {s: Ensemble.load(p) for s, p in zip(sets, snakemake.input.ensembles)}
aev, symbols = ensembles[sets[0]].aev, ensembles[sets[0]].symbols
data = {s: Data(dataset.read(p), symbols, aev, source=p) for s, p in zip(sets, snakemake.input.data)}


rows = []
for model_set in sets:
    for member in ensembles[model_set].members:
        model = member.model()
        splits = {"train": np.array(member.record["train_frames"]), "valid": np.array(member.record["valid_frames"])}
        for split, frames in splits.items():
            rows.append((model_set, member.number, model_set, split, *maes(model, data[model_set], frames)))
        for other in sets:
            if other != model_set:
                frames = np.arange(data[other].n_frames)
                rows.append((model_set, member.number, other, "unseen", *maes(model, data[other], frames)))
table = pd.DataFrame(rows, columns=["model_set", "member", "data_set", "split", "energy_mae_meV_atom",
                                    "force_mae_meV_A"])
tables.write_csv(table, snakemake.output.csv)
figures.training_mae(table, snakemake.output.png)
summary = table.groupby(["model_set", "data_set", "split"], sort=False)[["energy_mae_meV_atom", "force_mae_meV_A"]]
logging.info("\n%s", summary.mean().to_string())
