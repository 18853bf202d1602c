"""NPT sampling of one system from one start phase (Supplementary Note 1.1)."""

import logging
import time

from nnpdistill import dataset, logs
from nnpdistill.sample import npt
from nnpdistill.potential import Potential

log = logs.to_file(snakemake.log["main"])
system, settings = snakemake.params.system, snakemake.params.npt
phase = snakemake.wildcards.phase
npt_settings = npt.NPTSettings.from_config(system, settings, snakemake.params.crystal_order_fraction)
spec = snakemake.params.potential
potential = Potential(snakemake.input.potential, spec["pair_style"], spec["sha256"])
logging.info("NPT %s from %s: %s", snakemake.wildcards.system, phase, npt_settings)
start = time.perf_counter()
data = npt.sample(system["element"], system["fcc_cells"], phase, potential, npt_settings,
                  seed=snakemake.params.seed, log_file=snakemake.log["lammps"], progress=log)
data.attrs.update(system=snakemake.wildcards.system, potential_sha256=potential.sha256, settings=settings,
                  timestep_fs=settings["timestep_fs"], temperature_K=system["temperature_K"],
                  pressure_bar=system["pressure_bar"])
dataset.write(snakemake.output[0], data)
logging.info("%d frames, O %.2f +- %.2f, H %.2f +- %.2f eV, %.1f s", len(data), data.extras["O"].mean(),
             data.extras["O"].std(), data.extras["H"].mean(), data.extras["H"].std(), time.perf_counter() - start)
