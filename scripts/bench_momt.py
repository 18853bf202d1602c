"""Benchmark: MOMT dynamics against plain NPT, Ni 108 (NiNb.eam.fs, 2,000 K, 1 bar, 1 fs, one core).

In one process and for the same number of steps: plain NPT, MOMT while learning (deposits every 5 steps) through
the Python callback and through the C++ plugin fix (momt.engine: plugin, the default), and MOMT with the bias
frozen (the production setting) through both; learning through the callback with the plugin's C++ order
parameter was the plugin engine's learning until the deposits moved into the fix. Every mode runs in chunks of 100 steps, as production does between
frames. Prints us/step, the ratio to plain NPT and the wall time 2 ns would take.
Usage: python scripts/bench_momt.py [--steps 20000] [--order first_shell]
"""

import argparse
import time
from pathlib import Path

from nnpdistill.sample.lammps_driver import Simulation
from nnpdistill.sample.momt_dynamics import MOMT, FrozenMOMT, LearningMOMT
from nnpdistill.potential import Potential
from nnpdistill.sample.structures import crystal
from nnpdistill.sample.wang_landau import WangLandauBias, Window

REPO = Path(__file__).resolve().parent.parent
NI108 = Window(-540.0, -410.0, 60, -5.0, 108.0, 100)


ENGINES = {"plain": None, "learning": MOMT, "learning_compiled": MOMT, "learning_plugin": LearningMOMT,
           "frozen": MOMT, "plugin": FrozenMOMT}


def timed(potential, steps, mode, bias, kind):
    with Simulation(crystal("Ni", "fcc", 3), potential) as sim:
        engine = ENGINES[mode]
        options = {"compiled": True} if mode == "learning_compiled" else {}
        momt = engine(sim, bias, 3, 1.0, kind, **options) if engine else None
        sim.set_timestep(1.0)
        sim.set_velocities(2000.0, 12345)
        sim.use_npt(2000.0, 1.0, 100.0, 1000.0)
        sim.run(2000)
        if mode.startswith("learning"):
            momt.learn(0.5, 5)
        start = time.perf_counter()
        if mode == "learning_plugin":
            momt.advance(steps)  # the fix's coefficients come back to Python once, as per check_every chunk
        else:
            for _ in range(steps // 100):
                sim.lmp.command("run 100 pre no post no")
        elapsed = time.perf_counter() - start
        if momt is not None:
            momt.check()
        return elapsed / steps * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--order", default="first_shell", help="order parameter kind (config: order_parameter)")
    args = parser.parse_args()
    if args.steps <= 0 or args.steps % 100:
        parser.error("--steps must be a positive multiple of 100")
    potential = Potential(REPO / "resources/potentials/NiNb.eam.fs")
    bias = WangLandauBias(NI108, 2000.0, 1500.0, 4000.0, kernel_bins=(3.0, 3.0))
    plain = timed(potential, args.steps, "plain", None, args.order)
    plugin_learning = timed(potential, args.steps, "learning_plugin", WangLandauBias(
        NI108, 2000.0, 1500.0, 4000.0, kernel_bins=(3.0, 3.0)), args.order)
    compiled = timed(potential, args.steps, "learning_compiled", WangLandauBias(
        NI108, 2000.0, 1500.0, 4000.0, kernel_bins=(3.0, 3.0)), args.order)
    learning = timed(potential, args.steps, "learning", bias, args.order)  # also leaves a non-zero bias to freeze
    frozen = timed(potential, args.steps, "frozen", bias, args.order)
    plugin = timed(potential, args.steps, "plugin", bias, args.order)
    print(f"Ni 108, NPT 2000 K / 1 bar, 1 fs, one core, O: {args.order}, {args.steps} steps each")
    rows = (("plain NPT", plain), ("MOMT learning (Python)", learning),
            ("MOMT learning (Python, C++ O)", compiled), ("MOMT learning (plugin)", plugin_learning),
            ("MOMT frozen (Python)", frozen), ("MOMT frozen (plugin)", plugin))
    for name, us in rows:
        print(f"  {name:29s} {us:7.1f} us/step  {us / plain:5.2f} x plain   2 ns: {us * 2e6 / 1e6 / 60:5.1f} min")


if __name__ == "__main__":
    main()
