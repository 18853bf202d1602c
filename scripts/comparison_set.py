"""Comparison training sets of the distilled set's size: the distilled frames themselves (retrained from scratch
like the others), a random subset, or farthest-point sampling on mean AEVs; all from the MOMT frames outside
the held-out block."""

import logging

import numpy as np

from nnpdistill import dataset, logs
from nnpdistill.select.active import holdout
from nnpdistill.select.baselines import farthest_point, mean_aevs, random_subset
from nnpdistill.nnp.model import AEVSettings
from nnpdistill.seeds import derive_seed
from nnpdistill.nnp.nnp_data import Data

stream = logs.to_file(snakemake.log[0])
method = snakemake.wildcards.method
momt = dataset.read(snakemake.input.momt)
distilled = dataset.read(snakemake.input.distilled)
held = holdout(len(momt), snakemake.params.holdout_fraction)
pool = np.setdiff1d(np.arange(len(momt)), held)
size = len(distilled)
if method == "distilled":
    chosen = distilled.extras["source_index"]
elif method == "random":
    chosen = pool[random_subset(len(pool), size, derive_seed(snakemake.params.seed, "baseline", method))]
else:
    aev = AEVSettings(**snakemake.params.aev)
    symbols = momt.symbols
    data = Data(momt.subset(pool), symbols, aev, progress=stream, source=snakemake.input.momt)
    features = mean_aevs(aev.computer(len(symbols)), data)
    chosen = np.sort(pool[farthest_point(features, size)])
if np.intersect1d(chosen, held).size:
    raise RuntimeError(f"{method}: the selection overlaps the held-out frames")
data_set = momt.subset(chosen)
data_set.extras["source_index"] = np.asarray(chosen)
data_set.attrs.update(training_set=f"{snakemake.wildcards.system}_{method}", source=snakemake.input.momt,
                      method=method)
dataset.write(snakemake.output[0], data_set)
logging.info("%s: %d frames of %d (pool %d, held out %d)", method, len(chosen), len(momt), len(pool),
             len(momt) - len(pool))
