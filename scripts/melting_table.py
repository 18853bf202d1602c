"""MOMT melting estimates of every system (with their block-bootstrap intervals) against direct coexistence,
as a table and a figure by cell size."""

import json
import logging

import pandas as pd

from nnpdistill import figures, logs, tables
from nnpdistill.sample.reweight import basin_offset_kT

logs.to_file(snakemake.log[0])
coexistence = {}
for path in snakemake.input.coexistence:
    with open(path) as f:
        row = json.load(f)
    coexistence[row["element"]] = row
rows = []
# params.systems and input.momt are both in melting_systems() order
for (name, system), path in zip(snakemake.params.systems.items(), snakemake.input.momt):
    thermo = pd.read_csv(path).iloc[0]
    ref = coexistence[system["element"]]
    heat = float(thermo.get("latent_heat_at_melting_eV", float("nan")))  # NaN in tables from before the column
    atoms = 4 * system["fcc_cells"] ** 3
    published_K, source = snakemake.params.published.get(system["element"], (float("nan"), ""))
    rows.append({"system": name, "element": system["element"], "atoms": atoms,
                 "momt_melting_K": thermo.melting_estimate_K, "momt_low_K": thermo.get("melting_low_K"),
                 "momt_high_K": thermo.get("melting_high_K"),
                 "coexistence_K": ref["melting_K"], "coexistence_low_K": ref["low_K"],
                 "coexistence_high_K": ref["high_K"], "coexistence_atoms": ref["atoms"],
                 "momt_minus_coexistence_K": thermo.melting_estimate_K - ref["melting_K"],
                 "latent_heat_eV_per_atom": heat / atoms,
                 "basin_offset_kT": basin_offset_kT(heat, thermo.melting_estimate_K, ref["melting_K"]),
                 "phases_check": thermo.get("phases_check"),  # momt_thermo's NPT check; none: unchecked
                 "phases_consistent": thermo.get("phases_consistent"),
                 "published_K": published_K, "published_source": source,
                 "coexistence_minus_published_K": ref["melting_K"] - published_K})
table = pd.DataFrame(rows)
tables.write_csv(table, snakemake.output.table)
figures.melting_sizes(table, snakemake.output.png)
logging.info("\n%s", table.to_string())
