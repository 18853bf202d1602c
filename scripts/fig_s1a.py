"""Fig. S1a: energy vs time of the NPT runs, and a per-run summary that says whether any run changed phase."""

import logging

import pandas as pd

from nnpdistill import dataset, figures, logs, tables
from nnpdistill.sample import npt

logs.to_file(snakemake.log[0])
runs = {}
for path in snakemake.input:
    data = dataset.read(path)
    runs[(data.attrs["system"], data.attrs["start_phase"])] = data
rows = [
    {"system": system, "start_phase": phase, **npt.phase_summary(data, snakemake.params.crystal_order_fraction)}
    for (system, phase), data in runs.items()
]
table = pd.DataFrame(rows)
figures.npt_energy(runs, snakemake.output.png)
tables.write_csv(table, snakemake.output.csv)
logging.info("\n%s", table.to_string())
for row in rows:
    if row["changed_phase"]:
        logging.warning("%s from %s changed phase during sampling", row["system"], row["start_phase"])
