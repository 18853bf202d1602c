"""MOMT melting estimates of every system (with their block-bootstrap intervals) against direct coexistence."""

import json
import logging

import pandas as pd

from nnpdistill import logs, tables

logs.to_file(snakemake.log[0])
coexistence = {}
for path in snakemake.input.coexistence:
    with open(path) as f:
        row = json.load(f)
    coexistence[row["element"]] = row
rows = []
for name, system in snakemake.params.systems.items():
    if system["element"] not in coexistence:
        continue
    thermo = pd.read_csv(f"results/{name}/momt_thermo.csv").iloc[0]
    ref = coexistence[system["element"]]
    rows.append({"system": name, "element": system["element"], "atoms": 4 * system["fcc_cells"] ** 3,
                 "momt_melting_K": thermo.melting_estimate_K, "momt_low_K": thermo.get("melting_low_K"),
                 "momt_high_K": thermo.get("melting_high_K"),
                 "coexistence_K": ref["melting_K"], "coexistence_low_K": ref["low_K"],
                 "coexistence_high_K": ref["high_K"], "coexistence_atoms": ref["atoms"],
                 "momt_minus_coexistence_K": thermo.melting_estimate_K - ref["melting_K"]})
table = pd.DataFrame(rows)
tables.write_csv(table, snakemake.output[0])
logging.info("\n%s", table.to_string())
