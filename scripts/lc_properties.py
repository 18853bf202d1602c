"""Properties of the EAM reference or of every member of a learning-curve ensemble (nnpdistill.evaluate.properties):
Table S6's relaxed crystals, E_bcc - E_fcc, E_hcp - E_fcc, a0, the vacancy formation energy, B and C11/C12/C44,
all through the same ASE code; for members, also their errors against the reference's row."""

import logging

import pandas as pd

from nnpdistill import logs, tables
from nnpdistill.nnp.calculator import NNPCalculator
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.evaluate.oracle import EAMCalculator
from nnpdistill.potential import Potential
from nnpdistill.evaluate.properties import errors, properties
from nnpdistill.evaluate.relax import Protocol

logs.to_file(snakemake.log[0])
protocol = Protocol(**snakemake.params.relax)
element = snakemake.params.element
rows = []
if snakemake.input.get("potential"):
    calculator = EAMCalculator(Potential(snakemake.input.potential, snakemake.params.pair_style))
    rows.append({"model": "EAM", "member": None, **properties(calculator, element, protocol)})
    calculator.close()
else:
    reference = pd.read_csv(snakemake.input.reference).iloc[0].to_dict()
    for member in Ensemble.load(snakemake.input.ensemble).members:
        values = properties(NNPCalculator([member.model()]), element, protocol)
        row = {"model": snakemake.wildcards.set, "member": member.number,
               "valid_force_mae_meV_A": member.metrics.get("valid_force_mae_meV_A"), **values}
        row.update(errors(values, reference))
        rows.append(row)
        logging.info("member %d: %s", member.number, {k: v for k, v in row.items() if not k.startswith("d_")})
tables.write_csv(pd.DataFrame(rows), snakemake.output[0], float_format="%.8g")
