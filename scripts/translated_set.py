"""Supplementary Note 6: the distilled frames of one element scaled to another by the ratio of their relaxed BCC
bond lengths (EAM reference) and labelled with the other element's EAM, as a training set."""

import json
import logging

import numpy as np
from ase.data import atomic_numbers

from nnpdistill import dataset, logs
from nnpdistill.evaluate.oracle import EAMOracle
from nnpdistill.potential import Potential
from nnpdistill.evaluate.relax import bond_length_ratio, scale_frames

stream = logs.to_file(snakemake.log[0])
spec = snakemake.params.translated
rows = {}
for path in (snakemake.input.source_bcc, snakemake.input.target_bcc):
    with open(path) as handle:
        row = json.load(handle)
    rows[row["element"]] = row["bond_length_A"]
ratio = bond_length_ratio(rows[spec["element"]], rows[spec["from_element"]])
source = dataset.read(snakemake.input.distilled)
if set(source.species.tolist()) != {atomic_numbers[spec["from_element"]]}:
    raise ValueError(f"{snakemake.input.distilled}: expected only {spec['from_element']} atoms to translate")
positions, cells = scale_frames(source.positions, source.cells, ratio)
frames = dataset.Dataset(species=np.full(source.n_atoms, atomic_numbers[spec["element"]]), positions=positions,
                         cells=cells, energy=source.energy, forces=source.forces,
                         extras={k: v for k, v in source.extras.items() if k in ("source_index", "al_round")})
oracle = EAMOracle(Potential(snakemake.input.potential, snakemake.params.pair_style))
labelled = oracle.label(frames, progress=stream)
labelled.attrs.update(training_set=spec["set"], source=snakemake.input.distilled, scale=ratio,
                      element=spec["element"], from_element=spec["from_element"])
dataset.write(snakemake.output[0], labelled)
logging.info("%d frames of %s scaled by %.5f (%s / %s BCC bond length) and labelled with the %s EAM: "
             "E/atom %.3f .. %.3f eV", len(labelled), snakemake.input.distilled, ratio, spec["element"],
             spec["from_element"], spec["element"], labelled.energy.min() / labelled.n_atoms,
             labelled.energy.max() / labelled.n_atoms)
