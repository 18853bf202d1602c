"""Conventional NPT sampling (Supplementary Note 1.1) from a crystal or a liquid start.

Protocol: build the FCC crystal; for a liquid start, melt it at melt_temperature_K (checked: O must fall below
crystal_order_fraction * atoms) and cool it to T0 over cool_steps; relax at T0, P0 for relax_steps; then store
a frame every sample_every steps for n_frames frames.
Each frame carries the EAM energy and forces, the order parameter O (eq. 2) and H = U + P0*V.
"""

from dataclasses import dataclass, fields

import numpy as np
from ase.data import atomic_numbers
from tqdm import tqdm

from ..dataset import Dataset
from .lammps_driver import Simulation
from .order import crystalline, crystallinity, order_parameter
from ..seeds import derive_seed
from .structures import crystal, fcc_twin_box
from ..units import BAR_TO_EV_PER_A3


@dataclass(frozen=True)
class NPTSettings:
    temperature_K: float
    pressure_bar: float
    timestep_fs: float
    relax_steps: int
    n_frames: int
    sample_every: int
    tdamp_fs: float
    pdamp_fs: float
    melt_temperature_K: float
    melt_steps: int
    cool_steps: int
    crystal_order_fraction: float = 0.3

    @classmethod
    def from_config(cls, system, npt, crystal_order_fraction):
        """The settings of a system's config entry (T0, P0) and the config's npt section."""
        names = {f.name for f in fields(cls)} - {"temperature_K", "pressure_bar", "crystal_order_fraction"}
        return cls(temperature_K=system["temperature_K"], pressure_bar=system["pressure_bar"],
                   crystal_order_fraction=crystal_order_fraction, **{k: npt[k] for k in names})


class MeltError(RuntimeError):
    """The liquid start was still crystalline after melting."""


PHASES = ("fcc", "twin", "liquid")


def potential_enthalpy(energy_eV, volume_A3, pressure_bar):
    """H = U + P0*V in eV."""
    return np.asarray(energy_eV) + pressure_bar * BAR_TO_EV_PER_A3 * np.asarray(volume_A3)


def sample(element, n_cells, phase, potential, settings, seed, log_file=None, progress=None):
    """Run one NPT sampling of an n_cells^3 FCC supercell of element; returns a Dataset.

    phase: 'fcc' (crystal start), 'twin' (the same crystal in the box's Sigma-3 twin orientation, a state a MOMT
    run regrows in; n_cells a multiple of 3) or 'liquid' (melted first, then brought to T0).
    progress: a file-like object for the tqdm bar, or None for none.
    """
    if phase not in PHASES:
        raise ValueError(f"unknown start phase '{phase}' (expected one of {', '.join(PHASES)})")
    s = settings
    start = fcc_twin_box(element, n_cells) if phase == "twin" else crystal(element, "fcc", n_cells)
    with Simulation(start, potential, log_file=log_file) as sim:
        sim.set_timestep(s.timestep_fs)
        if phase == "liquid":
            sim.set_velocities(s.melt_temperature_K, derive_seed(seed, element, n_cells, phase))
            sim.use_npt(s.melt_temperature_K, s.pressure_bar, s.tdamp_fs, s.pdamp_fs)
            sim.run(s.melt_steps)
            O, _ = order_parameter(sim.positions(), sim.cell(), n_cells, gradient=False)
            if crystalline(O, sim.n_atoms, s.crystal_order_fraction):
                raise MeltError(
                    f"the liquid start of {element} is still crystalline (O = {O:.1f} for {sim.n_atoms} atoms) after "
                    f"npt.melt_steps = {s.melt_steps} steps at npt.melt_temperature_K = {s.melt_temperature_K} K; "
                    "raise either setting"
                )
            sim.use_npt(s.melt_temperature_K, s.pressure_bar, s.tdamp_fs, s.pdamp_fs,
                        final_temperature_K=s.temperature_K)
            sim.run(s.cool_steps)
        else:
            sim.set_velocities(s.temperature_K, derive_seed(seed, element, n_cells, phase))
        sim.use_npt(s.temperature_K, s.pressure_bar, s.tdamp_fs, s.pdamp_fs)
        sim.run(s.relax_steps)
        frames = list(tqdm(sim.stream(s.n_frames, s.sample_every), total=s.n_frames, file=progress,
                           disable=progress is None, mininterval=5.0, desc=f"NPT {phase}", unit="frame"))
        species = np.full(sim.n_atoms, atomic_numbers[element], dtype=np.int64)

    positions = np.array([f.positions for f in frames])
    cells = np.array([f.cell for f in frames])
    energy = np.array([f.energy for f in frames])
    volume = np.array([f.volume for f in frames])
    O, _ = order_parameter(positions, cells, n_cells, gradient=False)
    return Dataset(
        species=species,
        positions=positions,
        cells=cells,
        energy=energy,
        forces=np.array([f.forces for f in frames]),
        extras={
            "O": O,
            "H": potential_enthalpy(energy, volume, s.pressure_bar),
            "volume": volume,
            "temperature": np.array([f.temperature for f in frames]),
            "pressure": np.array([f.pressure for f in frames]),
            "step": np.array([f.step for f in frames], dtype=np.int64),
        },
        attrs={"ensemble": "npt", "start_phase": phase, "element": element, "n_cells": n_cells, "seed": seed},
    )


def phase_summary(data, crystal_order_fraction):
    """Per-run statistics and whether any frame left its start phase (crystal: O > fraction * atoms; for the twin
    start, whose eq. 2 O is about a quarter of the atoms, the orientation-free crystallinity over that fraction)."""
    O, H = data.extras["O"], data.extras["H"]
    start_is_crystal = data.attrs["start_phase"] in ("fcc", "twin")
    if data.attrs["start_phase"] == "twin":
        order = crystallinity(data.positions, data.cells, int(data.attrs["n_cells"]))
    else:
        order = O
    crystal = crystalline(order, data.n_atoms, crystal_order_fraction)
    return {
        "frames": len(data),
        "energy_mean_eV": float(data.energy.mean()),
        "energy_std_eV": float(data.energy.std()),
        "H_mean_eV": float(H.mean()),
        "O_mean": float(O.mean()),
        "O_std": float(O.std()),
        "O_min": float(O.min()),
        "O_max": float(O.max()),
        "crystal_frame_fraction": float(crystal.mean()),
        "changed_phase": bool((crystal != start_is_crystal).any()),
    }
