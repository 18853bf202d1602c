"""Benchmark: one training epoch, TorchANI's documented loop against this project's trainer, same model and data.

(a) TorchANI's documented force-training loop: per batch, AEVs from TorchANI's AEVComputer with its own
    neighbour list (one frame at a time: with a cell, its all-pairs list silently zeroes the AEVs of every frame
    after the first of a batch), energies from the networks, forces by autograd with create_graph, loss eq. 3.
(b) nnpdistill.nnp.train: neighbour lists found once per frame, each atom's neighbours in one padded row, AEV
    derivatives contracted analytically (nnpdistill.nnp.descriptors), so only the atomic networks see a double
    backward; the AEVs and derivative pieces kept between epochs (nnpdistill.nnp.descriptor_cache) when they fit
    --cache-gb, as the trainer does. Both one-time costs (neighbour lists, cache) are printed apart, and the
    ratio is given for a later epoch, for the first epoch with the cache built, and without the cache.
Both start from the same weights; the first batch's loss of each is printed and must agree. Both take an AdamW
step per batch of 64. Prints s/epoch and the ratios, then the s/epoch of (b) for 3,500 frames x 32 atoms and
20,000 x 108 atoms, measured over --estimate-batches batches of rattled FCC frames and scaled to a full epoch
(cached when the whole set's cache would fit --cache-gb).
Usage: python scripts/bench_train.py [--data FILE.h5] [--frames 512] [--device cpu|cuda] [--threads 1] [--cache-gb 4]
Without --data, 512 frames of Ni 108 NPT at 2,000 K are sampled with LAMMPS first.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nnpdistill import dataset# noqa: E402
from nnpdistill.nnp.model import NNP, AEVSettings, ModelSettings  # noqa: E402
from nnpdistill.units import HARTREE_TO_EV  # noqa: E402
from nnpdistill.nnp.nnp_data import Data  # noqa: E402
from nnpdistill.nnp.train import fit_self_energies, loss_terms  # noqa: E402


def sample_frames(n_frames):
    from nnpdistill.sample.npt import NPTSettings, sample
    from nnpdistill.potential import Potential

    settings = NPTSettings(temperature_K=2000.0, pressure_bar=1.0, timestep_fs=1.0, relax_steps=2000,
                           n_frames=n_frames, sample_every=100, tdamp_fs=100.0, pdamp_fs=1000.0,
                           melt_temperature_K=3500.0, melt_steps=0, cool_steps=0)
    return sample("Ni", 3, "fcc", Potential(REPO / "resources/potentials/NiNb.eam.fs"), settings, seed=7)


def model_for(data, device):
    torch.manual_seed(0)
    model = NNP(ModelSettings(("Ni",)))
    model.self_energies.copy_(torch.from_numpy(fit_self_energies(data.counts, data.energy)))
    return model.to(device)


def documented_epoch(model, data, device, batch_size=64, force_weight=0.1):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    pbc = torch.tensor([True, True, True], device=device)
    first = None
    start = time.perf_counter()
    for begin in range(0, data.n_frames, batch_size):
        frames = range(begin, min(begin + batch_size, data.n_frames))
        energy_loss, force_loss = 0.0, 0.0
        for k in frames:
            species = torch.from_numpy(data.species[k]).to(device).unsqueeze(0)
            coords = torch.tensor(data.positions[k], dtype=torch.float32, device=device).unsqueeze(0)
            coords.requires_grad_(True)
            cell = torch.tensor(data.cells[k], dtype=torch.float32, device=device)
            aev = model.aev(species, coords, cell, pbc)[0]
            atomic = model.networks[0](aev).squeeze(-1) + model.self_energies[0].float()
            energy = atomic.sum()
            forces = -torch.autograd.grad(energy, coords, create_graph=True)[0][0]
            n = float(data.n_atoms[k])
            ref_e = torch.tensor(data.energy[k], dtype=torch.float32, device=device)
            ref_f = torch.tensor(data.forces[k], dtype=torch.float32, device=device)
            energy_loss = energy_loss + (energy - ref_e) ** 2 / n**0.5
            force_loss = force_loss + ((forces - ref_f) ** 2).sum() / n
        loss = (energy_loss + force_weight * force_loss) / len(frames)
        if first is None:
            first = float(loss.detach())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, first


def fast_epoch(model, data, device, batch_size=64, force_weight=0.1, max_batches=None):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    first, done = None, 0
    start = time.perf_counter()
    for begin in range(0, data.n_frames, batch_size):
        batch = data.batch(np.arange(begin, min(begin + batch_size, data.n_frames)), device=device)
        loss, _ = loss_terms(model, *batch, force_weight)
        if first is None:
            first = float(loss.detach())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        done += 1
        if max_batches and done >= max_batches:
            break
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, first, done


def rattled(n_cells, n_frames, volume_per_atom):
    from nnpdistill.sample.structures import crystal

    atoms = crystal("Ni", "fcc", n_cells)
    atoms.set_cell(atoms.cell * (volume_per_atom * len(atoms) / atoms.get_volume()) ** (1 / 3), scale_atoms=True)
    rng = np.random.default_rng(3)
    positions = atoms.positions + rng.normal(0.0, 0.15, (n_frames, len(atoms), 3))
    return dataset.Dataset(species=atoms.numbers.astype(np.int64), positions=positions,
                           cells=np.repeat(np.array(atoms.cell)[None], n_frames, axis=0),
                           energy=np.full(n_frames, -4.4 * len(atoms)), forces=np.zeros((n_frames, len(atoms), 3)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--frames", type=int, default=512)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--estimate-batches", type=int, default=10)
    parser.add_argument("--cache-gb", type=float, default=4.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {args.threads} thread(s)"

    frames = dataset.read(args.data) if args.data else sample_frames(args.frames)
    frames = frames.subset(np.arange(min(args.frames, len(frames))))
    start = time.perf_counter()
    data = Data(frames, ("Ni",), AEVSettings())
    graphs = time.perf_counter() - start
    print(f"{len(frames)} frames x {frames.n_atoms} atoms, batch 64, float32, {name}")
    print(f"  neighbour lists, once per frame: {graphs:.1f} s ({graphs / len(frames) * 1e3:.1f} ms/frame)")

    documented, first_a = documented_epoch(model_for(data, device), data, device)
    uncached, first_b, _ = fast_epoch(model_for(data, device), data, device)
    model = model_for(data, device)
    start = time.perf_counter()
    estimate, built = data.cache_descriptors(model.aev, args.cache_gb * 1e9, device)
    cache_s = time.perf_counter() - start
    fast, first_c, _ = fast_epoch(model, data, device)
    print(f"  descriptor cache, once per training run: {cache_s:.1f} s, {estimate / 1e9:.2f} GB "
          f"({'built' if built else 'over --cache-gb, not built'})")
    print(f"  (a) TorchANI documented loop:  {documented:7.2f} s/epoch   first-batch loss {first_a:.8e} Ha^2")
    print(f"  (b) nnpdistill, no cache:      {uncached:7.2f} s/epoch   first-batch loss {first_b:.8e} Ha^2")
    print(f"  (b) nnpdistill, cached:        {fast:7.2f} s/epoch   first-batch loss {first_c:.8e} Ha^2")
    print(f"  speed-up (a)/(b): {documented / fast:.1f}x from the second epoch on, "
          f"{documented / (fast + cache_s):.1f}x in the first (cache built), {documented / uncached:.1f}x without "
          f"the cache; first-batch losses differ by {abs(first_a - first_b) / abs(first_a):.1e} and "
          f"{abs(first_a - first_c) / abs(first_a):.1e} (relative)")

    volume = float(np.mean(np.abs(np.linalg.det(frames.cells)))) / frames.n_atoms
    for n_cells, n_frames in ((2, 3500), (3, 20000)):
        big = rattled(n_cells, min(n_frames, 64 * args.estimate_batches), volume)
        big_data = Data(big, ("Ni",), AEVSettings())
        # Cached only if the full set's cache would fit: scale the sample's estimate to n_frames.
        whole = big_data.descriptor_bytes() * n_frames / len(big)
        model = model_for(big_data, device)
        if whole <= args.cache_gb * 1e9:
            big_data.cache_descriptors(model.aev, whole, device)
        seconds, _, batches = fast_epoch(model, big_data, device)
        per_epoch = seconds / batches * np.ceil(0.8 * n_frames / 64)
        print(f"  (b) {n_frames} frames x {big.n_atoms} atoms (80 % trained): {per_epoch:6.1f} s/epoch, "
              f"{'cached' if big_data.cache is not None else 'not cached'} ({whole / 1e9:.1f} GB), from "
              f"{batches} batches of rattled FCC at the data's density (paper, one GPU: "
              f"{'2.1' if n_cells == 2 else '41'} s/epoch)")
    print(f"  (energies in Hartree inside the model; 1 Ha = {HARTREE_TO_EV} eV)")


if __name__ == "__main__":
    main()
