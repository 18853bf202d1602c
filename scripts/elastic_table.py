"""Beyond the paper: the elastic constants of every model beside the EAM's, and the E-V curves."""

import logging

import pandas as pd

from nnpdistill import figures, logs, tables

logs.to_file(snakemake.log[0])
table = pd.concat([pd.read_csv(p) for p in snakemake.input], ignore_index=True)
tables.write_csv(table, snakemake.output.csv, float_format="%.8g")
figures.equations_of_state(table, snakemake.output.png)
columns = ["model", "element", "structure", "volume_per_atom_A3", "bulk_modulus_GPa", "c11_GPa", "c12_GPa", "c44_GPa"]
logging.info("\n%s", table[columns].to_string())
