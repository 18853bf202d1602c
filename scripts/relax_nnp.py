"""Tables S6 / S7, NNP rows: one crystal relaxed with a trained ensemble's best member (lowest validation force
MAE, as the paper picks) and with the ensemble mean, from the reference's start and under its protocol."""

import json
import logging

from ase.io import write

from nnpdistill import logs
from nnpdistill.atomic import replacing
from nnpdistill.nnp.calculator import NNPCalculator
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.evaluate.relax import Protocol, relax_ase, start

logs.to_file(snakemake.log[0])
element, structure = snakemake.params.element, snakemake.wildcards.structure
protocol = Protocol(**snakemake.params.relax)
ensemble = Ensemble.load(snakemake.input.ensemble)
best = ensemble.best
models = {"best member": [best.model()], "ensemble mean": ensemble.models()}
atoms = start(element, structure, snakemake.params.repeat, c_over_a=snakemake.params.c_over_a)
rows = []
for (kind, nets), path in zip(models.items(), (snakemake.output.best, snakemake.output.mean)):
    relaxed = relax_ase(atoms, NNPCalculator(nets), protocol, structure=structure)
    row = relaxed.row()
    row.update(model=snakemake.wildcards.model, training_set=snakemake.params.set, kind=kind,
               member=best.number if kind == "best member" else None)
    if not row["converged"]:
        logging.warning("%s: the relaxation stopped before its tolerances: %s", kind, row)
    with replacing(path) as tmp:
        write(tmp, relaxed.atoms, format="extxyz")
    rows.append(row)
    logging.info("%s %s, %s (member %s): l_b %.4f A, E %.5f eV/atom", element, structure, kind, row["member"],
                 row["bond_length_A"], row["energy_per_atom_eV"])
with replacing(snakemake.output.rows) as tmp:
    with open(tmp, "w") as out:
        json.dump(rows, out, indent=1)
