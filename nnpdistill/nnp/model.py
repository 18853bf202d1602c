"""The ANI-type NNP of Supplementary Note 2 and Table S2, built from TorchANI 2.9's parts.

- AEV: ANI-2x's radial and angular terms (cosine cutoff), except that the radial cutoff is 6.9 Angstrom with
  more Gaussian centres: ANI-2x's start (0.8 Angstrom), width (eta 19.7) and spacing (0.26875 Angstrom), shifts
  up to the new cutoff (23 for 6.9 Angstrom; 55 AEV values for one element).
- One MLP per element, AEV -> 224 -> 192 -> 160 -> 1 with GELU between layers (86,785 parameters for one element).
- Energies in Hartree inside the model (TorchANI's unit): E = sum over atoms of (network + self-energy).
  Forces in Hartree/Angstrom. nnpdistill.nnp.calculator converts to eV at the boundary.
The AEV is computed from precomputed neighbour structures (nnpdistill.nnp.neighbors) with TorchANI's own term
modules, so it equals TorchANI's AEVComputer output (tested).
"""

import math
from dataclasses import asdict, dataclass, field

import torch
from torchani.aev import AEVComputer, ANIAngular, ANIRadial
from torchani.nn import AtomicNetwork

__all__ = ["AEVSettings", "NNP"]


@dataclass(frozen=True)
class AEVSettings:
    """AEV hyper-parameters (Angstrom); defaults: ANI-2x with a 6.9 Angstrom radial cutoff."""

    radial_start: float = 0.8
    radial_cutoff: float = 6.9
    radial_eta: float = 19.7
    radial_spacing: float = 0.26875
    angular_start: float = 0.8
    angular_cutoff: float = 3.5
    angular_eta: float = 12.5
    angular_zeta: float = 14.1
    angular_shifts: int = 8
    angular_sections: int = 4

    def radial_shifts(self):
        """Gaussian centres start + k * spacing below the cutoff (ANI-2x: 16 up to 5.1 Angstrom)."""
        n = math.ceil((self.radial_cutoff - self.radial_start) / self.radial_spacing - 1e-9)
        return [self.radial_start + k * self.radial_spacing for k in range(n)]

    def computer(self, n_species):
        """TorchANI's AEVComputer with these settings (all-pairs neighbour list, one frame at a time)."""
        radial = ANIRadial(self.radial_eta, self.radial_shifts(), self.radial_cutoff, cutoff_fn="cosine")
        angular = ANIAngular.cover_linearly(
            start=self.angular_start, cutoff=self.angular_cutoff, eta=self.angular_eta, zeta=self.angular_zeta,
            num_shifts=self.angular_shifts, num_sections=self.angular_sections, cutoff_fn="cosine")
        return AEVComputer(radial=radial, angular=angular, num_species=n_species, cutoff_fn="cosine")


@dataclass(frozen=True)
class ModelSettings:
    symbols: tuple
    aev: AEVSettings = field(default_factory=AEVSettings)
    hidden: tuple = (224, 192, 160)

    def to_dict(self):
        return {"symbols": list(self.symbols), "aev": asdict(self.aev), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, d):
        return cls(symbols=tuple(d["symbols"]), aev=AEVSettings(**d["aev"]), hidden=tuple(d["hidden"]))

    @classmethod
    def from_config(cls, train, symbols):
        """The network of a config's train section (aev, hidden) for the elements symbols."""
        return cls(symbols=tuple(symbols), aev=AEVSettings(**train["aev"]), hidden=tuple(train["hidden"]))


class NNP(torch.nn.Module):
    """Energies (Hartree) of batches of frames (nnpdistill.nnp.neighbors.Batch) from positions (Angstrom)."""

    def __init__(self, settings):
        super().__init__()
        self.settings = settings
        self.aev = settings.aev.computer(len(settings.symbols))
        dims = [self.aev.out_dim, *settings.hidden, 1]
        self.networks = torch.nn.ModuleList(AtomicNetwork(dims, activation="gelu", bias=True)
                                            for _ in settings.symbols)
        self.register_buffer("self_energies", torch.zeros(len(settings.symbols), dtype=torch.float64))

    @property
    def symbols(self):
        return self.settings.symbols

    def aevs(self, batch, positions):
        """(atoms, AEV length) from positions (atoms, 3), with TorchANI's term modules and collection."""
        species = batch.species.unsqueeze(0)
        diff = positions.index_select(0, batch.pairs[0]) - positions.index_select(0, batch.pairs[1]) + batch.shifts
        distance = diff.norm(2, -1)
        radial = self.aev._collect_radial(species, batch.pairs, self.aev.radial(distance))
        ang_diff = diff.index_select(0, batch.angular)
        ang_distance = distance.index_select(0, batch.angular)
        side = batch.side.reshape(-1)
        tri_vectors = ang_diff.index_select(0, side).view(2, -1, 3) * batch.sign.view(2, -1, 1)
        tri_distances = ang_distance.index_select(0, side).view(2, -1)
        terms = self.aev.angular(tri_distances, tri_vectors)
        angular = self.aev._collect_angular(species, batch.pairs.index_select(1, batch.angular), batch.central,
                                            batch.side, batch.sign, terms)
        return torch.cat([radial, angular], dim=-1)[0]

    def atomic_energies(self, batch, positions):
        """Energy of each atom (Hartree), self-energy included."""
        return self.atomic_energies_from_aev(batch, self.aevs(batch, positions))

    def atomic_energies_from_aev(self, batch, features):
        if len(self.networks) == 1:
            out = self.networks[0](features).squeeze(-1)
        else:
            out = features.new_zeros(len(features))
            for e, net in enumerate(self.networks):
                where = (batch.species == e).nonzero().squeeze(-1)
                out = out.index_put((where,), net(features.index_select(0, where)).squeeze(-1))
        return out + self.self_energies.to(out.dtype).index_select(0, batch.species)

    def last_hidden_from_aev(self, batch, features):
        """Each atom's last hidden layer activations (its element network's final-layer input): (atoms, width)."""
        out = features.new_zeros((len(features), self.settings.hidden[-1]))
        for e, net in enumerate(self.networks):
            where = (batch.species == e).nonzero().squeeze(-1)
            x = features.index_select(0, where)
            for layer in net.layers:
                x = net.activation(layer(x))
            out = out.index_put((where,), x)
        return out

    def forward(self, batch, positions):
        """Frame energies (Hartree), shape (frames,)."""
        atomic = self.atomic_energies(batch, positions)
        return atomic.new_zeros(len(batch.n_atoms)).index_add(0, batch.frame_of_atom, atomic)

    def n_parameters(self):
        return sum(p.numel() for p in self.parameters())

    # --- files -------------------------------------------------------------------------------------------
    def checkpoint(self):
        return {"settings": self.settings.to_dict(), "state": self.state_dict()}

    @classmethod
    def from_checkpoint(cls, record):
        model = cls(ModelSettings.from_dict(record["settings"]))
        model.load_state_dict(record["state"])
        return model
