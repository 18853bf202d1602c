"""Train one ensemble member (Supplementary Note 2, eq. 3): its own split and seed, checkpoints as it goes
(train.checkpoint_seconds)."""

import logging
import shutil

import torch

from nnpdistill import dataset, logs
from nnpdistill.atomic import replacing
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.nnp.model import ModelSettings
from nnpdistill.seeds import derive_seed
from nnpdistill.nnp.nnp_data import Data
from nnpdistill.nnp.train import HISTORY_COLUMNS, Trainer, TrainSettings

stream = logs.to_file(snakemake.log[0])
cfg = snakemake.params.train
member = int(snakemake.wildcards.member)
seed = derive_seed(snakemake.params.seed, "train", snakemake.wildcards.set, member)
# Memory and checkpoint frequency change no result, so they are read from the config and are no params.
settings = TrainSettings.from_config(cfg, snakemake.threads, cfg["device"],
                                     cache_gb=snakemake.config["train"]["cache_gb"],
                                     checkpoint_seconds=snakemake.config["train"]["checkpoint_seconds"])
device = settings.device
data_set = dataset.read(snakemake.input.data)
previous = snakemake.input.get("previous")
if previous and not data_set.attrs.get("added_last_round", 1):
    # An active-learning round that added no frame: its members are the previous round's.
    record = dict(Ensemble.load(previous).members[0].record)
    record.update(training_set=snakemake.wildcards.set, data=snakemake.input.data, copied_from=previous)
    with replacing(snakemake.output.model) as tmp:
        torch.save(record, tmp)
    with replacing(snakemake.output.history) as tmp:
        with open(tmp, "w") as out:
            out.write(",".join(HISTORY_COLUMNS) + "\n")
    logging.info("no frame was added in this round: member copied from %s", previous)
    raise SystemExit(0)
symbols = data_set.symbols
model_settings = ModelSettings.from_config(cfg, symbols)
logging.info("member %d of %s: seed %d, %s, %d frames, %s", member, snakemake.wildcards.set, seed, device,
             len(data_set), settings)
data = Data(data_set, symbols, model_settings.aev, progress=stream, source=snakemake.input.data)
init = None
if previous and snakemake.params.warm_start:
    init = Ensemble.load(previous).members[0].record["state"]
    logging.info("warm start from %s", previous)
trainer = Trainer(data, symbols, settings, seed, snakemake.params.workdir, model_settings=model_settings,
                  init_state=init)
logging.info("%d parameters; self-energies %s Ha", trainer.model.n_parameters(),
             trainer.model.self_energies.tolist())
best = trainer.run()
record = trainer.record(best)
record.update(member=member, training_set=snakemake.wildcards.set, data=snakemake.input.data)
with replacing(snakemake.output.model) as tmp:
    torch.save(record, tmp)
with replacing(snakemake.output.history) as tmp:
    with open(tmp, "w") as out:
        out.write(trainer.history_csv())
logging.info("best epoch %d: %s", record["best_epoch"], record["metrics"])
shutil.rmtree(snakemake.params.workdir, ignore_errors=True)
