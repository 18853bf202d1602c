"""Beyond the paper: equation of state and cubic elastic constants (C11, C12, C44) of the relaxed FCC and BCC
crystals, for the EAM reference (LAMMPS) or an NNP's best member (ASE), through the same strained frames."""

import logging

import pandas as pd
from ase.io import read

from nnpdistill import logs, tables
from nnpdistill.nnp.calculator import NNPCalculator
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.evaluate.elastic import analyse, strained_frames, undefined
from nnpdistill.evaluate.oracle import ASEOracle, EAMOracle
from nnpdistill.potential import Potential

logs.to_file(snakemake.log[0])
model, element = snakemake.wildcards.model, snakemake.wildcards.element
if model == "reference":
    oracle = EAMOracle(Potential(snakemake.input.potential, snakemake.params.pair_style))
else:
    oracle = ASEOracle(NNPCalculator([Ensemble.load(snakemake.input.ensemble).best.model()]))
rows = []
for structure, path in zip(snakemake.params.structures, snakemake.input.structures):
    atoms = read(path)
    if atoms.info.get("collapsed"):
        logging.warning("%s %s %s: its relaxation collapsed (%s); no elastic constants", model, element, structure, path)
        result = undefined()
    else:
        frames, labels = strained_frames(atoms)
        result = analyse(atoms, oracle.label(frames).energy, labels)
    row = {"model": model, "element": element, "structure": structure,
           **{k: v for k, v in vars(result).items() if not k.startswith("eos_")}}
    row.update({f"eos_volume_{k}": v for k, v in enumerate(result.eos_volumes_A3)})
    row.update({f"eos_energy_{k}": v for k, v in enumerate(result.eos_energies_eV)})
    rows.append(row)
    logging.info("%s %s %s: B %.1f GPa, C11 %.1f, C12 %.1f, C44 %.1f", model, element, structure,
                 result.bulk_modulus_GPa, result.c11_GPa, result.c12_GPa, result.c44_GPa)
tables.write_csv(pd.DataFrame(rows), snakemake.output[0], float_format="%.8g")
