"""Datasets of labelled frames: one HDF5 file each, written atomically; extxyz export and import through ASE.

Layout of a file (frames F, atoms N, all frames of one composition):
  positions (F, N, 3) Angstrom   cells (F, 3, 3) Angstrom, lattice vectors as rows   species (N,) atomic numbers
  energy (F,) eV                 forces (F, N, 3) eV/Angstrom
  per-frame extras (F,): O (eq. 2), H = U + P0*V (eV), volume (Angstrom^3), temperature (K), pressure (bar), step,
  and for MOMT runs O of the bias's kind (O_eq2: eq. 2's beside it), the bias dH (eV), the force factor
  1 + d dH/dH (= T0/T_eff) and the orientation-free crystallinity (nnpdistill.sample.order.crystallinity); for
  subsets, source_index (frame index in the source) and, in active learning, al_round (the round that added the
  frame)
Attributes: units (JSON), and whatever made the data (potential sha256, seed, config values) as JSON strings.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from .atomic import replacing

UNITS = {
    "positions": "Angstrom",
    "cells": "Angstrom",
    "energy": "eV",
    "forces": "eV/Angstrom",
    "O": "1",
    "O_eq2": "1",
    "H": "eV",
    "volume": "Angstrom^3",
    "temperature": "K",
    "pressure": "bar",
    "step": "MD step",
    "bias": "eV",
    "factor": "1",
    "crystallinity": "1",
    "source_index": "frame index in the source dataset",
    "al_round": "active-learning round that added the frame",
}
LABELS = ("positions", "cells", "energy", "forces")
EXTRAS = ("O", "O_eq2", "H", "volume", "temperature", "pressure", "step", "bias", "factor", "crystallinity",
          "source_index", "al_round")
INTEGER_EXTRAS = ("step", "source_index", "al_round")


MIN_CELL_VOLUME_A3 = 1.0  # below this a cell is singular or missing (an extxyz frame without a Lattice)


class DatasetError(ValueError):
    """A dataset file is missing, truncated, inconsistent or holds non-finite labels."""


@dataclass
class Dataset:
    species: np.ndarray
    positions: np.ndarray
    cells: np.ndarray
    energy: np.ndarray
    forces: np.ndarray
    extras: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.positions)

    @property
    def n_atoms(self):
        return len(self.species)

    @property
    def symbols(self):
        """The elements present, in order of atomic number: the element order of a model trained on the frames."""
        from ase.data import chemical_symbols

        return tuple(chemical_symbols[z] for z in sorted(set(self.species.tolist())))

    def subset(self, index):
        """The frames at index (an integer array or a boolean mask), attributes kept."""
        return Dataset(
            self.species,
            self.positions[index],
            self.cells[index],
            self.energy[index],
            self.forces[index],
            {k: v[index] for k, v in self.extras.items()},
            dict(self.attrs),
        )

    def check(self, source="dataset"):
        """Raise DatasetError naming source and the offending array or frame."""
        f, n = len(self.positions), len(self.species)
        expected = {"positions": (f, n, 3), "cells": (f, 3, 3), "energy": (f,), "forces": (f, n, 3)}
        expected.update({k: (f,) for k in self.extras})
        for name, shape in expected.items():
            actual = np.shape(self._array(name))
            if actual != shape:
                raise DatasetError(f"{source}: dataset '{name}' has shape {actual}, expected {shape}")
        volumes = np.abs(np.linalg.det(np.asarray(self.cells, dtype=float))) if f else np.zeros(0)
        flat = np.flatnonzero(~(volumes > MIN_CELL_VOLUME_A3))
        if len(flat):
            raise DatasetError(f"{source}: frame {flat[0]} has no periodic cell (volume {volumes[flat[0]]:.3g} A^3)"
                               + (f", nor {len(flat) - 1} more" if len(flat) > 1 else "")
                               + "; every frame needs three lattice vectors")
        self.check_element(self.attrs.get("element"), f"{source} (its attribute 'element')")
        for name in LABELS:
            values = self._array(name)
            bad = ~np.isfinite(values.reshape(f, -1)).all(axis=1)
            if bad.any():
                frames = np.flatnonzero(bad)
                raise DatasetError(
                    f"{source}: dataset '{name}' is not finite (NaN or inf) in frame {frames[0]}"
                    + (f" and {len(frames) - 1} more" if len(frames) > 1 else "")
                )
        return self

    def check_element(self, element, source="dataset"):
        """Raise DatasetError unless every atom is of element (a symbol; None checks nothing)."""
        if element is None:
            return self
        from ase.data import atomic_numbers, chemical_symbols

        if element not in atomic_numbers:
            raise DatasetError(f"{source}: unknown element {element!r}")
        other = np.flatnonzero(np.asarray(self.species) != atomic_numbers[element])
        if len(other):
            found = sorted({chemical_symbols[z] for z in np.asarray(self.species)[other]})
            which = f"atom {other[0]} is" if len(other) == 1 else f"{len(other)} atoms are (the first: atom {other[0]})"
            raise DatasetError(f"{source}: expected only {element} atoms, but {which} {', '.join(found)}")
        return self

    def _array(self, name):
        return getattr(self, name) if name in LABELS else self.extras[name]


def evenly_spaced(n_total, n):
    """Indices of min(n, n_total) frames spread evenly over n_total, first and last included."""
    return np.unique(np.linspace(0, n_total - 1, min(n, n_total)).round().astype(np.int64))


def concatenate(datasets):
    """Frames of several datasets of the same species, in order; attributes of the first."""
    first = datasets[0]
    for other in datasets[1:]:
        if not np.array_equal(other.species, first.species):
            raise DatasetError("cannot concatenate datasets with different species")
    keys = set.intersection(*(set(d.extras) for d in datasets))
    return Dataset(
        first.species,
        *(np.concatenate([getattr(d, name) for d in datasets]) for name in LABELS),
        extras={k: np.concatenate([d.extras[k] for d in datasets]) for k in sorted(keys)},
        attrs=dict(first.attrs),
    )


def write(path, dataset):
    """Write dataset to path atomically: a temporary file in the same folder, renamed when complete."""
    dataset.check(source=str(path))
    # Fixed creation settings and no timestamps, so the same data gives byte-identical files.
    with replacing(path) as tmp:
        with h5py.File(tmp, "w", track_order=True) as h5:
            h5.create_dataset("species", data=np.asarray(dataset.species, dtype=np.int64), track_times=False)
            for name in LABELS:
                h5.create_dataset(name, data=np.asarray(getattr(dataset, name), dtype=np.float64),
                                  track_times=False)
            for name, values in dataset.extras.items():
                dtype = np.int64 if name in INTEGER_EXTRAS else np.float64
                h5.create_dataset(name, data=np.asarray(values, dtype=dtype), track_times=False)
            h5.attrs["units"] = json.dumps({k: v for k, v in UNITS.items() if k in h5})
            for key, value in dataset.attrs.items():
                h5.attrs[key] = value if isinstance(value, str) else json.dumps(value)
    return path


def read(path, check=True, element=None):
    """Read a dataset; a missing, truncated or inconsistent file raises DatasetError naming it, as does one holding
    atoms other than element (a symbol: the element of the system the file is read for)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: dataset file does not exist")
    try:
        with h5py.File(path, "r") as h5:
            missing = [k for k in ("species", *LABELS) if k not in h5]
            if missing:
                raise DatasetError(f"{path}: missing dataset(s) {', '.join(missing)}")
            arrays = {k: h5[k][()] for k in ("species", *LABELS)}
            extras = {k: h5[k][()] for k in EXTRAS if k in h5}
            attrs = {k: _decode(v) for k, v in h5.attrs.items() if k != "units"}
    except DatasetError:
        raise
    except (OSError, KeyError, ValueError) as err:
        raise DatasetError(f"{path}: cannot read HDF5 dataset file (truncated or corrupt?): {err}") from err
    dataset = Dataset(arrays["species"], *(arrays[k] for k in LABELS), extras=extras, attrs=attrs)
    if not check:
        return dataset
    dataset.check(source=str(path))
    return dataset.check_element(element, f"{path} (read as its system's element)")


def _decode(value):
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value.item() if isinstance(value, np.generic) else value


def to_atoms(dataset):
    """One ase.Atoms per frame with a SinglePointCalculator holding energy and forces, extras in atoms.info."""
    from ase import Atoms
    from ase.calculators.singlepoint import SinglePointCalculator

    frames = []
    for i in range(len(dataset)):
        atoms = Atoms(numbers=dataset.species, positions=dataset.positions[i], cell=dataset.cells[i], pbc=True)
        atoms.info.update({k: v[i].item() for k, v in dataset.extras.items()})
        atoms.calc = SinglePointCalculator(atoms, energy=float(dataset.energy[i]), forces=dataset.forces[i])
        frames.append(atoms)
    return frames


def from_atoms(frames, source="frames", attrs=None):
    """A Dataset from ase.Atoms frames carrying energy and forces; extras are taken from atoms.info."""
    if not frames:
        raise DatasetError(f"{source}: no frames")
    species = frames[0].numbers
    for i, atoms in enumerate(frames):
        if not np.array_equal(atoms.numbers, species):
            raise DatasetError(f"{source}: frame {i} has other species or atom order than frame 0")
        if not atoms.pbc.all() or atoms.cell.rank < 3:
            raise DatasetError(f"{source}: frame {i} is not periodic in three dimensions (pbc {atoms.pbc.tolist()}, "
                               f"{atoms.cell.rank} lattice vectors; extxyz needs a Lattice=\"...\" entry)")
        if atoms.calc is None or "energy" not in atoms.calc.results or "forces" not in atoms.calc.results:
            raise DatasetError(f"{source}: frame {i} has no energy or forces")
    extras = {k: np.array([a.info[k] for a in frames]) for k in EXTRAS if all(k in a.info for a in frames)}
    dataset = Dataset(
        np.array(species, dtype=np.int64),
        np.array([a.positions for a in frames]),
        np.array([np.asarray(a.cell) for a in frames]),
        np.array([a.calc.results["energy"] for a in frames], dtype=float),
        np.array([a.calc.results["forces"] for a in frames], dtype=float),
        extras=extras,
        attrs=dict(attrs or {}),
    )
    return dataset.check(source=source)


def export_extxyz(h5_path, xyz_path):
    """Write every frame as extxyz (ASE keeps 8 decimals of positions and forces); returns the frame count."""
    from ase.io import write as ase_write

    frames = to_atoms(read(h5_path))
    with replacing(xyz_path) as tmp:
        ase_write(tmp, frames, format="extxyz")
    return len(frames)


def import_extxyz(xyz_path, h5_path):
    """Read extxyz frames carrying energy and forces into an HDF5 dataset; returns the frame count."""
    from ase.io import read as ase_read

    try:
        frames = ase_read(xyz_path, index=":", format="extxyz")
    except Exception as err:
        raise DatasetError(f"{xyz_path}: cannot read extxyz: {err}") from err
    dataset = from_atoms(frames, source=str(xyz_path), attrs={"imported_from": str(xyz_path)})
    write(h5_path, dataset)
    return len(dataset)
