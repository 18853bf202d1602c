"""Tables S4 / S5: the fitted self-energy of each training set's element(s), in Hartree and eV.

Each member fits its own (the L1-optimal value on its training split); the table gives their mean and range.
"""

import logging

import pandas as pd

from nnpdistill import logs, tables
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.units import HARTREE_TO_EV

logs.to_file(snakemake.log[0])
rows = []
for path in snakemake.input:
    ensemble = Ensemble.load(path)
    values = ensemble.self_energies()
    for k, symbol in enumerate(ensemble.symbols):
        rows.append({"training_set": ensemble.training_set, "element": symbol,
                     "self_energy_Ha": values[:, k].mean(), "self_energy_eV": values[:, k].mean() * HARTREE_TO_EV,
                     "member_min_Ha": values[:, k].min(), "member_max_Ha": values[:, k].max(),
                     "members": len(values)})
table = pd.DataFrame(rows)
tables.write_csv(table, snakemake.output[0], float_format="%.10g")
logging.info("\n%s", table.to_string())
