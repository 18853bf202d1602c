"""Fig. S3: (H, O) time series of whole MOMT runs."""

import logging

import numpy as np

from nnpdistill import figures, logs

logs.to_file(snakemake.log[0])
records = {}
for system, path in zip(snakemake.params.systems, snakemake.input):
    with np.load(path) as data:
        records[system] = {key: data[key] for key in data.files}
    logging.info("%s: %d trace points from %s", system, len(records[system]["trace"]), path)
figures.momt_timeseries(records, snakemake.output[0])
