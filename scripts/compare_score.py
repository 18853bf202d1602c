"""Distillation against its baselines: every member of each comparison ensemble (and of each active-learning
round) scored on data none of them trained on: the NPT FCC and liquid runs and the held-out MOMT block.
Table rows: one per member and test set; the figure shows means over members against training-set size."""

import logging

import pandas as pd

from nnpdistill import dataset, figures, logs, tables
from nnpdistill.select.active import holdout
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.nnp.nnp_data import Data, maes

logs.to_file(snakemake.log[0])
count = snakemake.params.test_frames
momt = dataset.read(snakemake.input.momt, element=snakemake.params.element)
tests = {"momt_heldout": momt.subset(holdout(len(momt), snakemake.params.holdout_fraction))}
for name, path in zip(snakemake.params.npt_names, snakemake.input.npt):
    tests[name] = dataset.read(path, element=snakemake.params.element)
tests = {name: d.subset(dataset.evenly_spaced(len(d), count)) for name, d in tests.items() if len(d)}

entries = [(m, "comparison", e, d) for m, e, d in zip(snakemake.params.methods, snakemake.input.ensembles,
                                                        snakemake.input.data)]
entries += [(f"round {r}", "active learning", e, d)
            for r, (e, d) in enumerate(zip(snakemake.input.round_ensembles, snakemake.input.round_data))]
first = Ensemble.load(entries[0][2])
aev, symbols = first.aev, first.symbols
test_data = {name: Data(d, symbols, aev, source=name) for name, d in tests.items()}
rows = []
for label, kind, ensemble_file, data_file in entries:
    size = len(dataset.read(data_file))
    for member in Ensemble.load(ensemble_file).members:
        model = member.model()
        for name, data in test_data.items():
            rows.append((label, kind, size, member.number, name, *maes(model, data)))
        logging.info("%s member %d scored", label, member.number)
table = pd.DataFrame(rows, columns=["training_set", "kind", "training_frames", "member", "test_set",
                                    "energy_mae_meV_atom", "force_mae_meV_A"])
tables.write_csv(table, snakemake.output.csv)
figures.distillation_comparison(table, snakemake.output.png, snakemake.wildcards.system)
summary = table.groupby(["training_set", "training_frames", "test_set"], sort=False)[
    ["energy_mae_meV_atom", "force_mae_meV_A"]].agg(["mean", "std"])
logging.info("test frames per set: %s\n%s", {k: len(v) for k, v in tests.items()}, summary.to_string())
