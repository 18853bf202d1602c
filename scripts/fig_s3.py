"""Fig. S3: (H, O) time series of whole MOMT runs."""

import numpy as np

from nnpdistill import figures, logs

logs.to_file(snakemake.log[0])
records = {}
for system, path in zip(snakemake.params.systems, snakemake.input):
    with np.load(path) as data:
        records[system] = {key: data[key] for key in data.files}
figures.momt_timeseries(records, snakemake.output[0])
