import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

from nnpdistill import dataset
from nnpdistill.dataset import Dataset, DatasetError


def make(frames=4, atoms=5, seed=0):
    rng = np.random.default_rng(seed)
    cells = np.array([np.diag(rng.uniform(6.0, 7.0, 3)) for _ in range(frames)])
    return Dataset(
        species=np.full(atoms, 28),
        positions=rng.uniform(0.0, 6.0, (frames, atoms, 3)),
        cells=cells,
        energy=rng.normal(-100.0, 1.0, frames),
        forces=rng.normal(0.0, 1.0, (frames, atoms, 3)),
        extras={
            "O": rng.uniform(0.0, 30.0, frames),
            "H": rng.normal(-100.0, 1.0, frames),
            "volume": np.linalg.det(cells),
            "temperature": rng.uniform(1900.0, 2100.0, frames),
            "pressure": rng.normal(0.0, 1000.0, frames),
            "step": np.arange(frames) * 100,
        },
        attrs={"seed": 3, "potential_sha256": "ab" * 32, "settings": {"n_frames": frames}},
    )


def assert_same(a, b, atol=1e-12):
    np.testing.assert_array_equal(a.species, b.species)
    for name in dataset.LABELS:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12, atol=atol)
    assert set(a.extras) == set(b.extras)
    for name in a.extras:
        np.testing.assert_allclose(a.extras[name], b.extras[name], rtol=1e-12)


def test_hdf5_round_trip_keeps_arrays_and_attributes(tmp_path):
    original = make()
    dataset.write(tmp_path / "d.h5", original)
    back = dataset.read(tmp_path / "d.h5")
    assert_same(original, back)
    assert back.attrs == original.attrs
    with h5py.File(tmp_path / "d.h5") as h5:
        assert '"forces": "eV/Angstrom"' in h5.attrs["units"]


def test_same_data_gives_byte_identical_files(tmp_path):
    dataset.write(tmp_path / "a.h5", make())
    dataset.write(tmp_path / "b.h5", make())
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()


def test_extxyz_round_trip_through_the_command_line(tmp_path):
    original = make()
    dataset.write(tmp_path / "d.h5", original)
    run = [sys.executable, "-m", "nnpdistill"]
    subprocess.run([*run, "export", str(tmp_path / "d.h5"), str(tmp_path / "d.extxyz")], check=True)
    subprocess.run([*run, "import", str(tmp_path / "d.extxyz"), str(tmp_path / "back.h5")], check=True)
    # ASE writes per-atom columns of extxyz with 8 decimals.
    assert_same(original, dataset.read(tmp_path / "back.h5"), atol=5e-9)


def test_truncated_file_names_it(tmp_path):
    path = tmp_path / "npt_fcc.h5"
    dataset.write(path, make(frames=50, atoms=20))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="npt_fcc.h5"):
        dataset.read(path)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(DatasetError, match="absent.h5.*does not exist"):
        dataset.read(tmp_path / "absent.h5")


def test_inconsistent_shape_names_the_dataset(tmp_path):
    path = tmp_path / "d.h5"
    dataset.write(path, make())
    with h5py.File(path, "a") as h5:
        del h5["energy"]
        h5["energy"] = np.zeros(3)
    with pytest.raises(DatasetError, match=r"d.h5: dataset 'energy' has shape \(3,\), expected \(4,\)"):
        dataset.read(path)


def test_nan_force_names_the_frame(tmp_path):
    path = tmp_path / "d.h5"
    dataset.write(path, make())
    with h5py.File(path, "a") as h5:
        h5["forces"][2, 1, 0] = np.nan
    with pytest.raises(DatasetError, match="d.h5: dataset 'forces' is not finite .* in frame 2"):
        dataset.read(path)


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "d.h5"
    dataset.write(path, make())
    before = path.read_bytes()
    bad = make()
    bad.energy[1] = np.inf
    with pytest.raises(DatasetError, match="frame 1"):
        dataset.write(path, bad)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["d.h5"]


def test_extxyz_without_forces_names_the_frame(tmp_path):
    from ase.build import bulk
    from ase.io import write

    frames = [bulk("Ni", "fcc", a=3.52, cubic=True) for _ in range(2)]
    write(tmp_path / "x.extxyz", frames)
    with pytest.raises(DatasetError, match="x.extxyz: frame 0 has no energy or forces"):
        dataset.import_extxyz(tmp_path / "x.extxyz", tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()


def test_subset_and_concatenate():
    data = make(frames=6)
    joined = dataset.concatenate([data.subset(np.arange(3)), data.subset(np.arange(3, 6))])
    assert_same(data, joined)


def test_symbols_are_the_elements_present_in_order_of_atomic_number():
    data = make()
    assert data.symbols == ("Ni",)
    data.species = np.array([41, 28, 41, 13, 28])  # Nb, Ni, Nb, Al, Ni
    assert data.symbols == ("Al", "Ni", "Nb")


def _write_raw(path, data):
    """Write data without the writer's checks: a file as a user or another tool might leave it."""
    with h5py.File(path, "w") as h5:
        h5["species"] = data.species
        for name in dataset.LABELS:
            h5[name] = getattr(data, name)
        for key, value in data.attrs.items():
            h5.attrs[key] = value if isinstance(value, str) else json.dumps(value)


def test_species_contradicting_the_element_attribute_are_refused_by_reader_and_command_line(tmp_path):
    bad = make(atoms=8)
    bad.species = bad.species.copy()
    bad.species[5] = 79
    bad.attrs = {"element": "Ni", "system": "ni32"}
    _write_raw(tmp_path / "npt_fcc.h5", bad)
    with pytest.raises(DatasetError, match=r"npt_fcc.h5 \(its attribute 'element'\): expected only Ni atoms, "
                                           r"but atom 5 is Au"):
        dataset.read(tmp_path / "npt_fcc.h5")
    for command in (["info", str(tmp_path / "npt_fcc.h5")],
                    ["export", str(tmp_path / "npt_fcc.h5"), str(tmp_path / "out.extxyz")]):
        result = subprocess.run([sys.executable, "-m", "nnpdistill", *command], capture_output=True, text=True)
        assert result.returncode == 2 and "atom 5 is Au" in result.stderr, result.stderr
    assert not (tmp_path / "out.extxyz").exists()
    with pytest.raises(DatasetError, match="expected only Ni atoms"):
        dataset.write(tmp_path / "again.h5", bad)


def test_reading_for_a_system_checks_the_species_of_a_file_without_attributes(tmp_path):
    data = make(atoms=6)
    data.attrs = {}
    data.species = np.array([28, 28, 28, 13, 13, 28])
    dataset.write(tmp_path / "mixed.h5", data)  # a valid file in itself: no element attribute to contradict
    with pytest.raises(DatasetError, match=r"mixed.h5 \(read as its system's element\): expected only Ni atoms, "
                                           r"but 2 atoms are \(the first: atom 3\) Al"):
        dataset.read(tmp_path / "mixed.h5", element="Ni")
    assert len(dataset.read(tmp_path / "mixed.h5")) == 4


def test_extxyz_frame_without_lattice_is_refused_at_import_naming_the_frame(tmp_path):
    from ase.build import bulk
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write

    frames = [bulk("Ni", "fcc", a=3.52, cubic=True) for _ in range(3)]
    frames[2].pbc = False
    frames[2].cell[:] = 0.0
    for atoms in frames:
        atoms.calc = SinglePointCalculator(atoms, energy=-17.8, forces=np.zeros((4, 3)))
    write(tmp_path / "x.extxyz", frames)
    assert "Lattice" not in (tmp_path / "x.extxyz").read_text().splitlines()[-5]
    result = subprocess.run([sys.executable, "-m", "nnpdistill", "import", str(tmp_path / "x.extxyz"),
                             str(tmp_path / "x.h5")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "x.extxyz: frame 2 is not periodic in three dimensions" in result.stderr, result.stderr
    assert not (tmp_path / "x.h5").exists()


def test_reader_refuses_a_singular_cell_naming_the_frame(tmp_path):
    data = make(frames=5)
    data.cells = data.cells.copy()
    data.cells[3] = 0.0
    _write_raw(tmp_path / "flat.h5", data)
    with pytest.raises(DatasetError, match=r"flat.h5: frame 3 has no periodic cell \(volume 0 A\^3\)"):
        dataset.read(tmp_path / "flat.h5")
