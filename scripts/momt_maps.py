"""Heat maps of the MOMT learning histogram and of the learned bias."""

import numpy as np

from nnpdistill import figures, logs

logs.to_file(snakemake.log[0])
with np.load(snakemake.input[0]) as data:
    record = {key: data[key] for key in data.files}
figures.momt_maps(record, snakemake.wildcards.system, snakemake.output[0])
