"""Heat maps of the MOMT learning histogram and of the learned bias."""

import logging

import numpy as np

from nnpdistill import figures, logs

logs.to_file(snakemake.log[0])
with np.load(snakemake.input[0]) as data:
    record = {key: data[key] for key in data.files}
figures.momt_maps(record, snakemake.wildcards.system, snakemake.output[0])
logging.info("%d bins visited while learning; bias from %.3g to %.3g eV -> %s", (record["visits"] > 0).sum(),
             record["coeffs"].min(), record["coeffs"].max(), snakemake.output[0])
