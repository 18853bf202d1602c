"""A training set: frames taken evenly spaced over a sampled dataset (Supplementary Note 2)."""

import logging

from nnpdistill import dataset, logs

logs.to_file(snakemake.log[0])
source = dataset.read(snakemake.input[0], element=snakemake.params.element)
spec = snakemake.params.spec
n = spec.get("frames", len(source))
if n > len(source):
    raise ValueError(f"train.sets.{snakemake.wildcards.set}.frames: asks for {n} frames, "
                     f"{snakemake.input[0]} holds {len(source)}")
index = dataset.evenly_spaced(len(source), n)
data = source.subset(index)
data.extras["source_index"] = index
data.attrs.update(training_set=snakemake.wildcards.set, source=snakemake.input[0])
dataset.write(snakemake.output[0], data)
logging.info("%d of %d frames of %s, every %.1f", len(index), len(source), snakemake.input[0],
             len(source) / len(index))
