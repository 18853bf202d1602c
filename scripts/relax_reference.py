"""Tables S6 / S7, reference rows: one crystal relaxed under the EAM potential with LAMMPS (Supplementary Note 3)."""

import json
import logging

from ase.io import write

from nnpdistill import logs
from nnpdistill.atomic import replacing
from nnpdistill.potential import Potential
from nnpdistill.evaluate.relax import Protocol, relax_eam, start

logs.to_file(snakemake.log["main"])
element, structure = snakemake.wildcards.element, snakemake.wildcards.structure
protocol = Protocol(**snakemake.params.relax)
atoms = start(element, structure, snakemake.params.repeat, c_over_a=snakemake.params.c_over_a)
potential = Potential(snakemake.input.potential, snakemake.params.pair_style)
logging.info("%s %s, %d atoms, %s", element, structure, len(atoms), protocol)
relaxed = relax_eam(atoms, potential, protocol, structure=structure, log_file=snakemake.log["lammps"])
row = relaxed.row()
if not row["converged"]:
    logging.warning("the minimisation stopped before its force tolerance: %s", row)
with replacing(snakemake.output.structure) as tmp:
    write(tmp, relaxed.atoms, format="extxyz")
with replacing(snakemake.output.row) as tmp:
    with open(tmp, "w") as out:
        json.dump(row, out, indent=1)
logging.info("l_b %.4f A, E %.5f eV/atom, P %.2g bar", row["bond_length_A"], row["energy_per_atom_eV"],
             row["pressure_bar"])
