"""A learning-curve training set: `size` frames of the MOMT pool (every frame but the held-out block) chosen by
`method`: random (one draw per seed), fps (farthest-point sampling on mean AEVs), grid (the (O, H) grid
reduction alone at the delta_o giving that size), active (the distilled set), sequential (the last round of the
sequential-mode chain), paper (the last round of the paper's chain), pool (the round of the pool-mode chain with
that size) or full (the whole pool). size: a number of frames, "distilled" (the distilled set's size), "sequential"
or "paper" (that chain's) or "pool"."""

import logging

import numpy as np

from nnpdistill import dataset, logs
from nnpdistill.select.active import holdout
from nnpdistill.select.baselines import farthest_point_frames, grid_subset, random_subset
from nnpdistill.select.distill import width_scale
from nnpdistill.nnp.model import AEVSettings
from nnpdistill.seeds import derive_seed

stream = logs.to_file(snakemake.log[0])
method, size, draw = snakemake.wildcards.method, snakemake.wildcards.size, int(snakemake.wildcards.draw)
momt = dataset.read(snakemake.input.momt)
held = holdout(len(momt), snakemake.params.holdout_fraction)
pool = np.setdiff1d(np.arange(len(momt)), held)
distilled = dataset.read(snakemake.input.distilled) if snakemake.input.get("distilled") else None
chain = dataset.read(snakemake.input.chain) if snakemake.input.get("chain") else None
named = {"pool": pool, "distilled": distilled, "sequential": chain, "paper": chain}
n = len(named[size]) if size in named else int(size)
if n > len(pool):
    raise ValueError(f"benchmark.sizes: {n} frames asked of a pool of {len(pool)} ({snakemake.input.momt})")
seed = derive_seed(snakemake.params.seed, "learning curve", method, size, draw)
extra = {}
if method == "random":
    chosen = pool[random_subset(len(pool), n, seed)]
elif method == "fps":
    first = 0 if draw == 0 else int(np.random.default_rng(seed).integers(len(pool)))
    chosen = farthest_point_frames(momt, pool, n, AEVSettings(**snakemake.params.aev), first, stream,
                                   snakemake.input.momt)
elif method == "grid":
    delta_h = snakemake.params.delta_h_eV * width_scale(momt.n_atoms, snakemake.params.reference_atoms)
    kept, delta_o = grid_subset(momt.extras["O"][pool], momt.extras["H"][pool], n, delta_h)
    chosen, extra = pool[kept], {"delta_o": delta_o}
elif method == "active":
    chosen = np.sort(distilled.extras["source_index"])
    if len(chosen) != n:  # a number: the size the main chain's pool mode promised
        raise ValueError(f"{snakemake.input.distilled} holds {len(chosen)} frames, not {n}: active.mode pool adds "
                         "active.budget frames a round only while the pool has that many left")
elif method in ("sequential", "paper", "pool"):  # a chain's round of this size
    chosen = np.sort(chain.extras["source_index"])
    if len(chosen) != n:
        raise ValueError(f"{snakemake.input.chain} holds {len(chosen)} frames, not {n}: a pool-mode round adds "
                         "benchmark.pool.budget frames only while the pool has that many left")
else:
    chosen = pool
if np.intersect1d(chosen, held).size:
    raise RuntimeError(f"{method}: the selection overlaps the held-out frames")
data_set = momt.subset(chosen)
data_set.extras["source_index"] = np.asarray(chosen)
data_set.attrs.update(training_set=f"{snakemake.wildcards.system}_lc_{method}_{size}_d{draw}", source=snakemake.input.momt, method=method,
                      size_label=size, draw=draw, **extra)
dataset.write(snakemake.output[0], data_set)
logging.info("%s %s draw %d: %d frames of a pool of %d %s", method, size, draw, len(chosen), len(pool), extra)
