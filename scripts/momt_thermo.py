"""Reweight the frozen-bias MOMT production to canonical averages near T0; estimate the melting temperature.

Frames are classed as crystalline by their orientation-free crystallinity (stored with each MOMT frame), not
by O: O misses crystals that regrew in another orientation, which MOMT runs do produce.
"""

import logging

import numpy as np

from nnpdistill import dataset, figures, logs, tables
from nnpdistill.sample.momt import phase_crossings
from nnpdistill.sample.order import crystalline
from nnpdistill.sample.reweight import melting_temperature, thermo_table

logs.to_file(snakemake.log[0])
data = dataset.read(snakemake.input[0])
system = snakemake.params.system
T0 = system["temperature_K"]
crystal = crystalline(data.extras["crystallinity"], data.n_atoms, snakemake.params.crystallinity_fraction)
by_o = crystalline(data.extras["O"], data.n_atoms, snakemake.params.crystal_order_fraction)
logging.info("crystalline frames: %.1f %% by crystallinity, %.1f %% by O; %d frames crystalline with a low O",
             100 * crystal.mean(), 100 * by_o.mean(), int((crystal & ~by_o).sum()))
logging.info("melting/freezing changes by crystallinity along the production: %d",
             phase_crossings(data.extras["crystallinity"], data.n_atoms, snakemake.params.crystallinity_fraction))
low, high = snakemake.params.reweight["t_range"]
temperatures = np.linspace(low * T0, high * T0, snakemake.params.reweight["points"])
table = thermo_table(data.extras["H"], data.extras["bias"], crystal, data.n_atoms, temperatures, T0)
melting = melting_temperature(table)
table["melting_estimate_K"] = np.nan if melting is None else melting
tables.write_csv(table, snakemake.output.csv)
figures.momt_thermo(table, snakemake.output.png, snakemake.wildcards.system, melting)
logging.info("\n%s", table.to_string())
logging.info("melting estimate (crystal fraction 1/2): %s", "none in range" if melting is None else f"{melting:.0f} K")
