"""Tables S6 (Ni) and S7 (Nb): the EAM reference and each NNP row (best member and ensemble mean), errors against
the reference, the paper's summary figures, and the paper's printed rows beneath."""

import json
import logging

from nnpdistill import logs, tables
from nnpdistill.paper import RELAXATION_ROWS

logs.to_file(snakemake.log[0])
structures = snakemake.params.structures
rows, failures = {"Reference (EAM)": {}}, {}


def add(label, row):
    rows.setdefault(label, {})[row["structure"]] = (row["bond_length_A"], row["energy_per_atom_eV"])
    if not row["converged"]:
        failures.setdefault(label, {})[row["structure"]] = "collapsed" if row.get("collapsed") else "not converged"


for path in snakemake.input.reference:
    with open(path) as handle:
        add("Reference (EAM)", json.load(handle))
for path in snakemake.input.nnp:
    with open(path) as handle:
        for row in json.load(handle):
            add(f"NNP ({row['model']}: {row['training_set']}), {row['kind']}", row)
table = tables.relaxation_table(rows, structures, RELAXATION_ROWS, snakemake.params.element, failures)
tables.write_csv(table, snakemake.output[0], float_format="%.6g")
logging.info("\n%s", table.to_string())
