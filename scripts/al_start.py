"""Active learning, round 0: the start set (the coarsest level's selection, or the first chunk)."""

import logging

from nnpdistill import dataset, logs
from nnpdistill.select.active import load_plan

logs.to_file(snakemake.log[0])
active = snakemake.params.active
momt = dataset.read(snakemake.input.momt)
start, rounds = load_plan(active["mode"], active["chunks"], snakemake.input.cascade, len(momt),
                              active["holdout_fraction"])
data = momt.subset(start)
data.extras["source_index"] = start
data.extras["al_round"] = start * 0
data.attrs.update(training_set=f"{snakemake.wildcards.system}_{snakemake.params.chain}0", source=snakemake.input.momt, round=0,
                  added_last_round=len(start), mode=active["mode"])
dataset.write(snakemake.output[0], data)
logging.info("%s mode: %d start frames; %d rounds to come with %s candidates", active["mode"], len(start),
             len(rounds), [len(c) for _, c in rounds])
