"""Trained models on disk: a member's model.pt or a training set's ensemble.pt, read once and asked for what the
scripts need (the networks, elements, AEV settings, self-energies, the best member).

A member record (what train.Trainer.record() returns and model.pt holds) carries "member", "seed", "settings"
(the model's), "state" (its weights and self-energies, Hartree), "metrics", "best_epoch", "train_frames" and
"valid_frames"; an ensemble.pt holds {"training_set": name, "members": [records]}.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .model import NNP, AEVSettings

MEMBER_KEYS = ("settings", "state")  # what a network needs; trained members also carry member, metrics, ...


class ModelFileError(ValueError):
    """A file that is not a model.pt or ensemble.pt of this project."""


@dataclass(frozen=True)
class Member:
    record: dict

    @property
    def number(self):
        return int(self.record.get("member", 0))

    @property
    def metrics(self):
        return self.record.get("metrics", {})

    @property
    def valid_force_mae(self):
        """Validation force MAE (meV/Angstrom); inf when the member has none."""
        return float(self.metrics.get("valid_force_mae_meV_A", float("inf")))

    @property
    def self_energies(self):
        """Per-element self-energies, Hartree, in the order of the ensemble's symbols."""
        return self.record["state"]["self_energies"].detach().cpu().numpy()

    def model(self, dtype=None):
        """The member's network, in eval mode, in dtype (None: as trained, float32)."""
        model = NNP.from_checkpoint(self.record)
        return (model if dtype is None else model.to(dtype)).eval()


@dataclass(frozen=True)
class Ensemble:
    path: Path
    training_set: str
    members: tuple

    @classmethod
    def load(cls, path):
        """An ensemble.pt, or a model.pt as an ensemble of one; ModelFileError naming path otherwise."""
        path = Path(path)
        try:
            record = torch.load(path, map_location="cpu", weights_only=False)
        except FileNotFoundError:
            raise ModelFileError(f"{path}: model file does not exist") from None
        except Exception as err:  # noqa: BLE001 - torch raises many kinds on a file that is no checkpoint
            raise ModelFileError(f"{path}: not a model file of this project (torch.load failed: {err})") from None
        records = record.get("members") if isinstance(record, dict) else None
        if records is None and isinstance(record, dict) and all(k in record for k in MEMBER_KEYS):
            records = [record]
        if not records or not all(isinstance(r, dict) and all(k in r for k in MEMBER_KEYS) for r in records):
            raise ModelFileError(f"{path}: not a model.pt or ensemble.pt of this project (no member records with "
                                 f"{', '.join(MEMBER_KEYS)})")
        symbols = {tuple(r["settings"]["symbols"]) for r in records}
        if len(symbols) != 1:
            raise ModelFileError(f"{path}: its members disagree on their elements: {sorted(symbols)}")
        training_set = record.get("training_set", "") if "members" in record else ""
        return cls(path, training_set, tuple(Member(r) for r in records))

    @property
    def symbols(self):
        return tuple(self.members[0].record["settings"]["symbols"])

    @property
    def aev(self):
        return AEVSettings(**self.members[0].record["settings"]["aev"])

    @property
    def best(self):
        """The member with the lowest validation force MAE: the one the paper relaxes crystals with."""
        return min(self.members, key=lambda m: m.valid_force_mae)

    def models(self, dtype=None):
        return [m.model(dtype) for m in self.members]

    def self_energies(self):
        """(members, elements) self-energies, Hartree."""
        return np.array([m.self_energies for m in self.members])
