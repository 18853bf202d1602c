"""Active learning, round 0: the start set (the coarsest level's selection, the first chunk, or in pool mode
farthest-point frames of the pool)."""

import logging

from nnpdistill import dataset, logs
from nnpdistill.nnp.model import AEVSettings
from nnpdistill.select.active import load_plan, training_pool
from nnpdistill.select.baselines import farthest_point_frames

stream = logs.to_file(snakemake.log[0])
active = snakemake.params.active
momt = dataset.read(snakemake.input.momt)
if active["mode"] == "pool":
    pool = training_pool(len(momt), active["holdout_fraction"])
    # The learning curves' fps set of this size, so that round 0 is a baseline and each round adds to it.
    start = farthest_point_frames(momt, pool, active["start_frames"], AEVSettings(**snakemake.params.aev),
                                  progress=stream, source=snakemake.input.momt)
    rounds = [("pool", None)] * snakemake.params.rounds
else:
    start, rounds = load_plan(active["mode"], active["chunks"], snakemake.input.cascade, len(momt),
                              active["holdout_fraction"])
data = momt.subset(start)
data.extras["source_index"] = start
data.extras["al_round"] = start * 0
data.attrs.update(training_set=f"{snakemake.wildcards.system}_{snakemake.params.chain}0", source=snakemake.input.momt, round=0,
                  added_last_round=len(start), mode=active["mode"])
dataset.write(snakemake.output[0], data)
logging.info("%s mode: %d start frames; %d rounds to come with %s candidates", active["mode"], len(start),
             len(rounds), [len(c) if c is not None else active["candidates"] for _, c in rounds])
