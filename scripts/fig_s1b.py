"""Fig. S1b: energy vs time of the frozen-bias MOMT production."""

from nnpdistill import dataset, figures, logs

logs.to_file(snakemake.log[0])
figures.momt_energy(dataset.read(snakemake.input[0]), snakemake.output[0], snakemake.params.crystal_order_fraction)
