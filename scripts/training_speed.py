"""Supplementary Note 5: seconds per epoch (training plus validation) of the same model, batch size and trainer on
the full MOMT data and on the distilled set, the mean over the first epochs, and their ratio, with the device."""

import logging
import tempfile
import time

import pandas as pd
import torch

from nnpdistill import dataset, logs, tables
from nnpdistill.nnp.model import ModelSettings
from nnpdistill.seeds import derive_seed
from nnpdistill.paper import TRAINING_SPEED_S_PER_EPOCH
from nnpdistill.nnp.nnp_data import Data
from nnpdistill.nnp.train import Trainer, TrainSettings

stream = logs.to_file(snakemake.log[0])
cfg = snakemake.params.train
device = TrainSettings.from_config(cfg, snakemake.threads, cfg["device"]).device  # "auto" resolved
name = torch.cuda.get_device_name(0) if device == "cuda" else f"CPU, {snakemake.threads} thread(s)"
rows = []
for label, path, epochs in (("full", snakemake.input.full, snakemake.params.full_epochs),
                            ("distilled", snakemake.input.distilled, snakemake.params.epochs)):
    frames = dataset.read(path)
    symbols = frames.symbols
    model = ModelSettings.from_config(cfg, symbols)
    start = time.perf_counter()
    data = Data(frames, symbols, model.aev, progress=stream, source=path)
    lists_s = time.perf_counter() - start
    settings = TrainSettings.from_config(cfg, snakemake.threads, device, epochs=epochs, early_stop_patience=0)
    with tempfile.TemporaryDirectory() as workdir:
        trainer = Trainer(data, symbols, settings, derive_seed(snakemake.params.seed, "speed", label), workdir,
                          model_settings=model)
        trainer.run(progress=stream)
    seconds = [row[-1] for row in trainer.history]
    rows.append({"data": label, "file": path, "frames": len(frames), "atoms_per_frame": frames.n_atoms,
                 "epochs_timed": epochs, "seconds_per_epoch": sum(seconds) / len(seconds),
                 "first_epoch_s": seconds[0], "neighbour_lists_s": lists_s,
                 "descriptors_cached": data.cache is not None, "batch_size": cfg["batch_size"], "device": name})
    logging.info("%s: %s", label, rows[-1])
table = pd.DataFrame(rows)
table["speed_up"] = table["seconds_per_epoch"].iloc[0] / table["seconds_per_epoch"]
table["paper_seconds_per_epoch"] = list(TRAINING_SPEED_S_PER_EPOCH.values())
table["paper_device"] = "one NVIDIA GPU"
tables.write_csv(table, snakemake.output[0])
logging.info("\n%s", table.to_string())
