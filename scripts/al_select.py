"""Active learning, round r: score the round's candidates with round r-1's ensemble, add the uncertain frames, and
measure how well the uncertainties rank the candidates' true errors (the MOMT frames carry the oracle's labels)."""

import json
import logging
from dataclasses import replace

import numpy as np
import torch

from nnpdistill import dataset, logs
from nnpdistill.select.active import Rules, atomic_uq, load_plan, pool_candidates, select, training_pool
from nnpdistill.seeds import derive_seed
from nnpdistill.select.uncertainty import calibration
from nnpdistill.atomic import replacing
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.nnp.nnp_data import Data
from nnpdistill.sample.order import crystalline

logs.to_file(snakemake.log[0])
active = snakemake.params.active
r = int(snakemake.wildcards.round)
momt = dataset.read(snakemake.input.momt)
previous = dataset.read(snakemake.input.data)
rules = Rules.from_config(active)
if active["mode"] == "pool":  # the pool frames not chosen yet, a fresh sample of them each round
    pool = training_pool(len(momt), active["holdout_fraction"])
    label = "pool"
    draw = snakemake.params.get("draw", 0)
    pool_labels = (f"draw {draw}",) if draw else ()  # the first draw's samples as before draws existed
    candidates = pool_candidates(pool, previous.extras["source_index"], active["candidates"],
                                 derive_seed(snakemake.params.seed, "pool candidates", *pool_labels, r))
else:
    _, rounds = load_plan(active["mode"], active["chunks"], snakemake.input.cascade, len(momt),
                          active["holdout_fraction"])
    label, candidates = rounds[r - 1]
if active["rescore_rejected"] and active["mode"] != "pool":  # every earlier round's candidates that did not join are offered again
    offered = np.unique(np.concatenate([frames for _, frames in rounds[:r]]))
    candidates = np.setdiff1d(offered, previous.extras["source_index"])
# mu, sigma and the threshold are in the uncertainty's unit: eV (energy) or eV/A (force), as the column says.
row = {"round": r, "candidates_from": label, "candidates": len(candidates),
       "uncertainty": {"energy": "energy (eV)", "force": "force (eV/A)", "maxvol": "maxvol grade"}[rules.uncertainty], "mu_eV": None,
       "sigma_eV": None, "threshold_eV": None, "over_threshold": 0, "added": 0, "stopped_early": False}
if r > 1 and active["stop_when_empty"] and previous.attrs.get("added_last_round", 1) == 0:
    row["stopped_early"] = True
    added = np.zeros(0, dtype=np.int64)
    logging.info("round %d: the previous round added nothing; active learning has stopped", r)
else:
    models = Ensemble.load(snakemake.input.ensemble).models(torch.float32)
    classes = None
    if rules.coverage:
        if "crystallinity" not in momt.extras:
            raise ValueError(f"active.coverage: {snakemake.input.momt} has no 'crystallinity' per frame to class by")
        classes = crystalline(momt.extras["crystallinity"][candidates], momt.n_atoms,
                              snakemake.params.crystallinity_fraction)
    symbols, aev = models[0].symbols, models[0].settings.aev
    if rules.population != "training" and rules.uncertainty != "maxvol":
        scored = Data(momt.subset(candidates), symbols, aev, source=snakemake.input.momt)
        picked = select(models, scored, np.arange(len(candidates)), None, rules=rules, classes=classes)
    else:
        # One Data holds candidates and training frames, so both are scored by the same code path (and maxvol's
        # active set is built from the training frames' features).
        scored = Data(dataset.concatenate([momt.subset(candidates), previous]), symbols, aev)
        picked = select(models, scored, np.arange(len(candidates)), np.arange(len(candidates), scored.n_frames),
                        rules=rules, classes=classes)
    added = candidates[picked.added]
    row.update(mu_eV=picked.mu, sigma_eV=picked.sigma, threshold_eV=picked.threshold,
               over_threshold=picked.over_threshold, added=len(added))
    if active["calibration_frames"]:
        sample = dataset.evenly_spaced(len(candidates), active["calibration_frames"])
        energy_uq = (picked.max_uq[sample] if rules.uncertainty == "energy" else
                     atomic_uq(models, scored, sample, replace(rules, uncertainty="energy")).max(axis=1))
        others = {"maxvol": picked.max_uq[sample]} if rules.uncertainty == "maxvol" else None
        row.update(calibration(models, scored, sample, energy_uq, others))
    if len(added) == 0:
        logging.info("round %d added nothing%s", r, ": the rounds after it stop early" * active["stop_when_empty"])
new = momt.subset(added)
new.extras["source_index"] = added
new.extras["al_round"] = np.full(len(added), r, dtype=np.int64)
data = dataset.concatenate([previous, new]) if len(added) else previous
data.attrs.update(previous.attrs)
data.attrs.update(training_set=f"{snakemake.wildcards.system}_{snakemake.params.chain}{r}", round=r,
                  added_last_round=len(added))
row["training_size"] = len(data)
dataset.write(snakemake.output.data, data)
with replacing(snakemake.output.row) as tmp:
    with open(tmp, "w") as out:
        json.dump(row, out, indent=1)
logging.info("round %d (%s): %s", r, label, row)
