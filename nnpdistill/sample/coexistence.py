"""Melting point by direct solid-liquid coexistence, independent of MOMT (LAMMPS, EAM).

An FCC slab elongated along z is equilibrated at a guess temperature (NPT); its upper half is melted at a high
temperature while the lower half is held still; the two halves are brought to the guess temperature, and the
whole cell then runs NPH with each box length under its own barostat (aniso). With no thermostat the enthalpy
is conserved: while both phases remain, the interface moves until latent heat brings the temperature to the
melting point, where it stays. The solid share is tracked by adaptive-free common neighbour analysis (FCC and
HCP atoms, so stacking faults count as solid), relative to the share of the equilibrated crystal; the interface
position is the solid slab's thickness, share x box length along z (Angstrom).
Temperatures in K, pressure in bar, times in fs, lengths in Angstrom.
"""

from dataclasses import dataclass

import numpy as np

from .lammps_driver import Simulation
from .structures import crystal


@dataclass(frozen=True)
class CoexistenceSettings:
    cells: tuple = (6, 6, 12)  # FCC conventional cells along x, y, z (the interface normal)
    guess_K: float = 1700.0  # start temperature: near the melting point, so that both phases survive
    melt_K: float = 3500.0  # the upper half melts at this temperature
    pressure_bar: float = 1.0
    timestep_fs: float = 2.0
    tdamp_fs: float = 100.0
    pdamp_fs: float = 1000.0
    equilibrate_steps: int = 5000
    melt_steps: int = 5000
    settle_steps: int = 2500
    nph_steps: int = 50000
    sample_every: int = 250
    bond_length_A: float = 0.0  # 0: the element's reference

    @classmethod
    def from_config(cls, spec):
        values = dict(spec)
        values["cells"] = tuple(values["cells"])
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


class CoexistenceError(RuntimeError):
    """The cell ended in one phase: the guess was too far from the melting point."""


def _cna_cutoff(sim, cells_x):
    """Between the first and second neighbour shells of FCC: 0.8536 a (LAMMPS' compute cna/atom)."""
    return 0.8536 * sim.cell()[0, 0] / cells_x


def _solid_share(sim, reference):
    """FCC + HCP share of the atoms by CNA, relative to the equilibrated crystal's share."""
    sim.lmp.command("run 0 post no")
    kinds = np.asarray(sim.lmp.numpy.extract_compute("coex_cna", 1, 1))[:sim.n_atoms]
    return float(np.isin(kinds, (1, 2)).mean()) / reference


def run(element, potential, settings, seed, log_file=None, progress=None):
    """Coexistence MD; returns a dict of arrays per sample (time_ps, temperature_K, solid_share, interface_A,
    pressure_bar, lz_A) and the settings' summary values."""
    s = settings
    bond = s.bond_length_A or None
    atoms = crystal(element, "fcc", s.cells, bond_length=bond)
    samples = []
    with Simulation(atoms, potential, log_file=log_file) as sim:
        lmp = sim.lmp
        sim.set_timestep(s.timestep_fs)
        sim.set_velocities(s.guess_K, seed)
        lmp.command(f"fix ensemble all npt temp {s.guess_K} {s.guess_K} {s.tdamp_fs / 1000} "
                    f"aniso {s.pressure_bar} {s.pressure_bar} {s.pdamp_fs / 1000}")
        lmp.command(f"run {s.equilibrate_steps}")
        lmp.command(f"compute coex_cna all cna/atom {_cna_cutoff(sim, s.cells[0])}")
        shares = []
        for _ in range(10):  # one snapshot's share is noisy near the melting point
            lmp.command(f"run {max(s.sample_every // 2, 1)} pre no post no")
            shares.append(_solid_share(sim, 1.0))
        reference = float(np.mean(shares))
        lz = sim.cell()[2, 2]
        lmp.commands_list([
            "unfix ensemble",
            f"region upper block INF INF INF INF {0.5 * lz} INF units box",
            "group upper region upper",
            "group lower subtract all upper",
            "velocity lower set 0.0 0.0 0.0",
            "fix hold lower setforce 0.0 0.0 0.0",
            f"fix melt upper nvt temp {s.melt_K} {s.melt_K} {s.tdamp_fs / 1000}",
            f"run {s.melt_steps}",
            "unfix melt",
            "unfix hold",
            f"velocity all create {s.guess_K} {seed + 1} mom yes rot yes dist gaussian",
            f"fix ensemble all npt temp {s.guess_K} {s.guess_K} {s.tdamp_fs / 1000} "
            f"aniso {s.pressure_bar} {s.pressure_bar} {s.pdamp_fs / 1000}",
            f"run {s.settle_steps}",
            "unfix ensemble",
            f"fix ensemble all nph aniso {s.pressure_bar} {s.pressure_bar} {s.pdamp_fs / 1000}",
            "run 0",
        ])
        for k in range(s.nph_steps // s.sample_every):
            lmp.command(f"run {s.sample_every} pre no post no")
            share = _solid_share(sim, reference)
            lz = sim.cell()[2, 2]
            samples.append(((k + 1) * s.sample_every * s.timestep_fs / 1000.0, sim.thermo("temp"), share,
                            share * lz, sim.thermo("press"), lz))
            if progress is not None and (k + 1) % 20 == 0:
                progress.write(f"coexistence {element}: {samples[-1][0]:.1f} ps, T {samples[-1][1]:.0f} K, "
                               f"solid {share:.2f}\n")
    names = ("time_ps", "temperature_K", "solid_share", "interface_A", "pressure_bar", "lz_A")
    out = {name: np.array([row[i] for row in samples]) for i, name in enumerate(names)}
    out["crystal_cna_share"] = reference
    return out


def melting_point(trace, discard=0.5, blocks=5, bounds=(0.1, 0.9)):
    """Melting temperature (K) from an NPH coexistence trace: the mean temperature after the first `discard`
    of the samples, with a 95 % interval over `blocks` consecutive blocks (t distribution). Raises
    CoexistenceError when the solid share left `bounds` in that part: one phase took the cell over."""
    from scipy import stats

    keep = slice(int(len(trace["time_ps"]) * discard), None)
    temperature, share = trace["temperature_K"][keep], trace["solid_share"][keep]
    if len(temperature) < blocks:
        raise CoexistenceError(f"{len(temperature)} samples after the discarded part, fewer than {blocks} blocks")
    if share.min() < bounds[0] or share.max() > bounds[1]:
        phase = "melted" if share.min() < bounds[0] else "froze"
        raise CoexistenceError(f"the cell {phase} (solid share {share.min():.2f} to {share.max():.2f}); move the "
                               "guess temperature towards the other phase")
    means = np.array([b.mean() for b in np.array_split(temperature, blocks)])
    half = stats.t.ppf(0.975, blocks - 1) * means.std(ddof=1) / np.sqrt(blocks)
    return float(temperature.mean()), float(temperature.mean() - half), float(temperature.mean() + half)
