"""Supplementary Note 5: seconds per epoch (training plus validation) of the same model, batch size and trainer on
the full MOMT data and on the distilled set, the mean over the first epochs, and their ratio, with the device.

full_frames: time the full data's epochs on that many evenly spaced frames and scale by frames / full_frames (an
epoch's cost is linear in its frames: same batch size, same frame size); the descriptor budget is scaled alike, so
the sample keeps its descriptors between epochs only if the whole data would."""

import logging
import tempfile
import time

import numpy as np
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
    n_frames, scale = len(frames), 1.0
    sample = snakemake.params.full_frames if label == "full" else None
    if sample and sample < n_frames:
        frames = frames.subset(np.linspace(0, n_frames - 1, sample).round().astype(int))
        scale = n_frames / sample
    symbols = frames.symbols
    model = ModelSettings.from_config(cfg, symbols)
    start = time.perf_counter()
    data = Data(frames, symbols, model.aev, progress=stream, source=path)
    lists_s = time.perf_counter() - start
    settings = TrainSettings.from_config(cfg, snakemake.threads, device, epochs=epochs, early_stop_patience=0,
                                         cache_gb=cfg["cache_gb"] / scale)
    with tempfile.TemporaryDirectory() as workdir:
        trainer = Trainer(data, symbols, settings, derive_seed(snakemake.params.seed, "speed", label), workdir,
                          model_settings=model)
        trainer.run(progress=stream)
    seconds = [row[-1] for row in trainer.history]
    rows.append({"data": label, "file": path, "frames": n_frames, "frames_timed": len(frames),
                 "atoms_per_frame": frames.n_atoms, "epochs_timed": epochs,
                 "seconds_per_epoch": scale * sum(seconds) / len(seconds), "first_epoch_s": scale * seconds[0],
                 "neighbour_lists_s": scale * lists_s,
                 "descriptors_cached": data.cache is not None, "batch_size": cfg["batch_size"], "device": name})
    logging.info("%s: %s", label, rows[-1])
table = pd.DataFrame(rows)
table["speed_up"] = table["seconds_per_epoch"].iloc[0] / table["seconds_per_epoch"]
table["paper_seconds_per_epoch"] = list(TRAINING_SPEED_S_PER_EPOCH.values())
table["paper_device"] = "one NVIDIA GPU"
tables.write_csv(table, snakemake.output[0])
logging.info("\n%s", table.to_string())
