"""An unseen test set (nnpdistill.evaluate.unseen): short EAM MD of a structure no sampling stage visits, labelled by
the EAM oracle. Nothing selects, trains or tunes on it."""

import logging

from nnpdistill import dataset, logs
from nnpdistill.potential import Potential
from nnpdistill.evaluate.unseen import MDSettings, make

logs.to_file(snakemake.log.main)
name, element = snakemake.wildcards.name, snakemake.wildcards.element
potential = Potential(snakemake.input.potential, snakemake.params.pair_style)
md = MDSettings(**snakemake.params.md)
frames = make(name, element, potential, snakemake.params.seed, md, log_file=snakemake.log.lammps)
frames.attrs["potential"] = snakemake.input.potential
dataset.write(snakemake.output[0], frames)
e = frames.energy / frames.n_atoms
logging.info("%s %s: %d frames of %d atoms, E %.4f..%.4f eV/atom, temperatures %s K", element, name, len(frames),
             frames.n_atoms, e.min(), e.max(), sorted(set(frames.extras["temperature"].tolist())))
