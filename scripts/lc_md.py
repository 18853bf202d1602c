"""MD stability (nnpdistill.evaluate.properties.md_stability) of the EAM reference or of an ensemble's best member (lowest
validation force MAE): FCC at fcc_K and the liquid at liquid_K (from the unseen liquid set's last frame); time
to failure and g(r), with the g(r) distance to the EAM's for members."""

import logging

import numpy as np
import pandas as pd

from nnpdistill import dataset, logs, tables
from nnpdistill.nnp.calculator import NNPCalculator
from nnpdistill.nnp.ensemble import Ensemble
from nnpdistill.seeds import derive_seed
from nnpdistill.evaluate.oracle import EAMCalculator
from nnpdistill.potential import Potential
from nnpdistill.evaluate.properties import MDCheck, md_stability
from nnpdistill.sample.structures import crystal

logs.to_file(snakemake.log[0])
p = snakemake.params.md
liquid = dataset.to_atoms(dataset.read(snakemake.input.liquid))[-1]
starts = {"fcc": (crystal(snakemake.params.element, "fcc", 3, bond_length=snakemake.params.bond_length_A),
                  p["fcc_K"]), "liquid": (liquid, p["liquid_K"])}
if snakemake.input.get("potential"):
    calculator, label = EAMCalculator(Potential(snakemake.input.potential, snakemake.params.pair_style)), "EAM"
    reference = None
else:
    calculator = NNPCalculator([Ensemble.load(snakemake.input.ensemble).best.model()])
    label = snakemake.wildcards.set
    reference = pd.read_csv(snakemake.input.reference)
rows, rdfs = [], {}
for kind, (atoms, temperature) in starts.items():
    check = MDCheck(temperature_K=temperature, time_ps=p["time_ps"], timestep_fs=p["timestep_fs"])
    failure, reason, r, g, closest = md_stability(calculator, atoms, check, derive_seed(snakemake.params.seed, kind))
    row = {"model": label, "start": kind, "temperature_K": temperature, "time_ps": p["time_ps"],
           "failed_at_ps": failure, "reason": reason, "min_distance_A": closest}
    if g is not None:
        row.update({f"g_{k}": v for k, v in enumerate(g)})
        if reference is not None:
            ref = reference[reference.start == kind].iloc[0]
            g_ref = np.array([ref[f"g_{k}"] for k in range(len(g))])
            row["rdf_l1_A"] = float(np.sum(np.abs(g - g_ref)) * (r[1] - r[0]))  # integral of |g - g_EAM| dr
    rows.append(row)
    logging.info("%s %s at %.0f K: %s", label, kind, temperature,
                 f"failed at {failure} ps ({reason})" if failure else f"stable for {p['time_ps']} ps")
tables.write_csv(pd.DataFrame(rows), snakemake.output[0])
