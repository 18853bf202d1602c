"""Fig. S1b: energy vs time of the frozen-bias MOMT production."""

import logging

from nnpdistill import dataset, figures, logs
from nnpdistill.sample.order import crystalline

logs.to_file(snakemake.log[0])
data = dataset.read(snakemake.input[0])
figures.momt_energy(data, snakemake.output[0], snakemake.params.crystallinity_fraction)
crystal = crystalline(data.extras["crystallinity"], data.n_atoms, snakemake.params.crystallinity_fraction).mean()
logging.info("%s: %d frames, %.1f %% crystalline -> %s", snakemake.input[0], len(data), 100 * crystal,
             snakemake.output[0])
