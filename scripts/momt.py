"""MOMT sampling of one system (Supplementary Note 1.2): resumable learning and production."""

import logging
import shutil
import time

import numpy as np

from nnpdistill import dataset, logs
from nnpdistill.atomic import replacing
from nnpdistill.sample.momt import MOMTRun, MOMTSettings
from nnpdistill.sample.order import crystalline, phase_crossings
from nnpdistill.potential import Potential

stream = logs.to_file(snakemake.log["main"])
system, cfg = snakemake.params.system, snakemake.params.momt
settings = MOMTSettings.from_config(system, cfg, snakemake.params.crystallinity_fraction)
spec = snakemake.params.potential
potential = Potential(snakemake.input.potential, spec["pair_style"], spec["sha256"])
start = time.perf_counter()
run = MOMTRun(system["element"], system["fcc_cells"], potential, settings, seed=snakemake.params.seed,
              workdir=snakemake.params.workdir, log_file=snakemake.log["lammps"], progress=stream)
data = run.run(cfg["min_phase_changes"], cfg["retries"])
crossings = phase_crossings(data.extras["crystallinity"], data.n_atoms, settings.crystallinity_fraction)
if crossings < cfg["min_phase_changes"]:
    share = float(crystalline(data.extras["crystallinity"], data.n_atoms, settings.crystallinity_fraction).mean())
    raise RuntimeError(
        f"{snakemake.wildcards.system}: the MOMT production made {crossings} crystal <-> liquid changes, fewer than "
        f"momt.min_phase_changes ({cfg['min_phase_changes']}) after {run.state.get('retries', 0)} retries "
        f"(momt.retries); crystalline share {share:.3f}, H up to "
        f"{data.extras['H'].max():.1f} eV. A run that misses a phase is no dataset: widen the window "
        f"(systems.{snakemake.wildcards.system}.momt), learn longer (momt.learning) or use "
        "another systems.<name>.momt.order_parameter (docs/momt-phases.md). The checkpoint in the work folder is kept.")
data.attrs.update(system=snakemake.wildcards.system, potential_sha256=potential.sha256, settings=cfg,
                  window=system["momt"], production_phase_changes=crossings)
dataset.write(snakemake.output.dataset, data)
with replacing(snakemake.output.bias) as tmp:
    np.savez(tmp, **run.bias_record())
shutil.rmtree(snakemake.params.workdir)
logging.info("production: %d crystal <-> liquid changes (by crystallinity, orientation-free) in %d frames",
             crossings, len(data))
logging.info("%d frames; 1 + d dH/dH stayed in [%.3f, %.3f] (band %s); %.1f s", len(data),
             run.state["factor_min"], run.state["factor_max"], run.bias.factor_range(), time.perf_counter() - start)
