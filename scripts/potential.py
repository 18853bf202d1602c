"""Verify the configured potential file (sha256) and put a copy where the simulations read it."""

import logging

from nnpdistill import logs
from nnpdistill.potential import install

logs.to_file(snakemake.log[0])
spec = snakemake.params.spec
name = snakemake.wildcards.potential
install(spec, snakemake.output[0], setting=f"potentials.{name}")
logging.info("potential %s: %s verified (sha256 %s)", name, spec["path"], spec["sha256"])
