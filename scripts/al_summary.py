"""Active learning, summary: rounds.csv and the distilled dataset (HDF5 and extxyz) with each frame's origin."""

import json
import logging

import pandas as pd

from nnpdistill import dataset, logs, tables

logs.to_file(snakemake.log[0])
momt = dataset.read(snakemake.input.momt)
final = dataset.read(snakemake.input.data)
rows = [{"round": 0, "candidates_from": "start", "candidates": None, "mu_eV": None, "sigma_eV": None,
         "threshold_eV": None, "added": int((final.extras["al_round"] == 0).sum()), "stopped_early": False,
         "training_size": int((final.extras["al_round"] == 0).sum())}]
for path in snakemake.input.rows:
    with open(path) as handle:
        rows.append(json.load(handle))
table = pd.DataFrame(rows)
for column in ("valid_energy_mae_meV_atom", "valid_force_mae_meV_A"):
    table[column] = [pd.read_csv(p)[column].mean() if column in pd.read_csv(p) else None
                     for p in snakemake.input.summaries]
tables.write_csv(table, snakemake.output.rounds)
final.attrs.update(distilled_from=snakemake.input.momt)
dataset.write(snakemake.output.distilled, final)
dataset.export_extxyz(snakemake.output.distilled, snakemake.output.extxyz)
logging.info("%d of %d frames distilled\n%s", len(final), len(momt), table.to_string(index=False))
