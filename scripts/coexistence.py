"""Melting point of one element by direct solid-liquid coexistence (NPH), independent of MOMT."""

import json
import logging
import time

import pandas as pd

from nnpdistill import logs, tables
from nnpdistill.atomic import replacing
from nnpdistill.potential import Potential
from nnpdistill.sample.coexistence import CoexistenceSettings, melting_point, run

stream = logs.to_file(snakemake.log["main"])
element, spec = snakemake.wildcards.element, snakemake.params.settings
settings = CoexistenceSettings.from_config(spec)
pot = snakemake.params.potential
potential = Potential(snakemake.input.potential, pot["pair_style"], pot["sha256"])
logging.info("coexistence of %s: %s", element, settings)
start = time.perf_counter()
trace = run(element, potential, settings, snakemake.params.seed, log_file=snakemake.log["lammps"], progress=stream)
reference = trace.pop("crystal_cna_share")
tables.write_csv(pd.DataFrame(trace), snakemake.output.trace)
mean, low, high = melting_point(trace)  # raises, naming the phase that took over, when one did
summary = {"element": element, "melting_K": mean, "low_K": low, "high_K": high, "atoms": 4 * int(
    settings.cells[0] * settings.cells[1] * settings.cells[2]), "nph_ps": settings.nph_steps * settings.timestep_fs / 1000,
           "guess_K": settings.guess_K, "crystal_cna_share": reference, "wall_s": time.perf_counter() - start}
with replacing(snakemake.output.summary) as tmp:
    with open(tmp, "w") as out:
        json.dump(summary, out, indent=1)
logging.info("%s melts at %.0f K [%.0f, %.0f] (coexistence, 95 %% over blocks of the second half)", element, mean,
             low, high)
