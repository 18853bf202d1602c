"""Reweight the frozen-bias MOMT production to canonical averages near T0; estimate the melting temperature."""

import logging

import numpy as np

from nnpdistill import dataset, figures, logs, tables
from nnpdistill.reweight import melting_temperature, thermo_table

logs.to_file(snakemake.log[0])
data = dataset.read(snakemake.input[0])
T0 = snakemake.params.system["temperature_K"]
low, high = snakemake.params.reweight["t_range"]
temperatures = np.linspace(low * T0, high * T0, snakemake.params.reweight["points"])
table = thermo_table(data.extras["H"], data.extras["bias"], data.extras["O"], data.n_atoms, temperatures, T0,
                     snakemake.params.crystal_order_fraction)
melting = melting_temperature(table)
table["melting_estimate_K"] = np.nan if melting is None else melting
tables.write_csv(table, snakemake.output.csv)
figures.momt_thermo(table, snakemake.output.png, snakemake.wildcards.system, melting)
logging.info("\n%s", table.to_string())
logging.info("melting estimate (crystal fraction 1/2): %s", "none in range" if melting is None else f"{melting:.0f} K")
