"""Gather the members of one training set into an ensemble file, with a per-member summary table."""

import logging

import pandas as pd
import torch

from nnpdistill import logs, tables
from nnpdistill.atomic import replacing
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.units import HARTREE_TO_EV

logs.to_file(snakemake.log[0])
members = [Ensemble.load(path).members[0].record for path in snakemake.input.models]
with replacing(snakemake.output.ensemble) as tmp:
    torch.save({"training_set": snakemake.wildcards.set, "members": members}, tmp)
rows = []
for m in members:
    row = {"member": m["member"], "seed": m["seed"], "best_epoch": m["best_epoch"], **m["metrics"]}
    for symbol, value in zip(m["settings"]["symbols"], m["state"]["self_energies"].tolist()):
        row[f"self_energy_{symbol}_Ha"] = value
        row[f"self_energy_{symbol}_eV"] = value * HARTREE_TO_EV
    rows.append(row)
table = pd.DataFrame(rows)
tables.write_csv(table, snakemake.output.summary, float_format="%.10g")
logging.info("%s\n%s", snakemake.wildcards.set, table.to_string())
