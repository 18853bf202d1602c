"""Benchmark: microseconds per MD step of the NPT sampling (Ni, NiNb.eam.fs, 2,000 K, 1 bar, one core).

Compares, in one process, plain `run` against the streamed sampling that stores a frame (positions, forces,
energy, cell) every `every` steps, and times the order parameter of the stored frames.
Usage: python scripts/bench_npt.py [--cells 3] [--steps 20000] [--every 100]
"""

import argparse
import time
from pathlib import Path

import numpy as np

from nnpdistill.sample.lammps_driver import Simulation
from nnpdistill.sample.order import order_parameter
from nnpdistill.potential import Potential
from nnpdistill.sample.structures import crystal

REPO = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=3, help="n of the n x n x n FCC cell (3: 108 atoms)")
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--every", type=int, default=100)
    args = parser.parse_args()
    potential = Potential(REPO / "resources/potentials/NiNb.eam.fs")
    with Simulation(crystal("Ni", "fcc", args.cells), potential) as sim:
        sim.set_timestep(1.0)
        sim.set_velocities(2000.0, 12345)
        sim.use_npt(2000.0, 1.0, 100.0, 1000.0)
        sim.run(5000)  # leave the perfect lattice before timing
        start = time.perf_counter()
        sim.run(args.steps)
        plain = (time.perf_counter() - start) / args.steps * 1e6
        start = time.perf_counter()
        frames = list(sim.stream(args.steps // args.every, args.every))
        streamed = (time.perf_counter() - start) / args.steps * 1e6
        n_atoms = sim.n_atoms
    positions = np.array([f.positions for f in frames])
    cells = np.array([f.cell for f in frames])
    start = time.perf_counter()
    order_parameter(positions, cells, args.cells, gradient=False)
    order_us = (time.perf_counter() - start) / len(frames) * 1e6
    print(f"Ni {n_atoms} atoms, NPT 2000 K / 1 bar, 1 fs, one core, {args.steps} steps each")
    print(f"  plain run:                   {plain:8.1f} us/step")
    print(f"  streamed, frame every {args.every:4d}:  {streamed:8.1f} us/step  ({streamed / plain:.3f} x plain)")
    print(f"  order parameter per frame:   {order_us:8.1f} us")


if __name__ == "__main__":
    main()
