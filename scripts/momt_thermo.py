"""Reweight the frozen-bias MOMT production to canonical averages near T0; estimate the melting temperature.

Frames are classed as crystalline by their orientation-free crystallinity (stored with each MOMT frame), not
by O: O misses crystals that regrew in another orientation, which MOMT runs do produce. Intervals (95 %) come from
a bootstrap over blocks of consecutive frames; effective_frames says how many frames carry each temperature.
Where the system has plain NPT runs at T0 (fcc, liquid), each phase's reweighted <H> at T0 is checked against them,
within each run's own crystallinity range (reweight.phase_check says why). A sample of the crystalline frames is
quenched: those that do not fall back to the perfect lattice regrew with defects (nnpdistill.sample.inherent).
"""

import logging

import numpy as np

from nnpdistill import dataset, figures, logs, tables
from nnpdistill.potential import Potential
from nnpdistill.sample.inherent import intact_columns, production_check
from nnpdistill.sample.order import crystalline, phase_crossings
from nnpdistill.sample.reweight import (block_bootstrap, check_against_npt, check_columns, effective_frames_if_flat,
                                        latent_heat, melting_temperature, thermo_table)
from nnpdistill.sample.wang_landau import Window

logs.to_file(snakemake.log[0])
data = dataset.read(snakemake.input.momt)
system = snakemake.params.system
T0 = system["temperature_K"]
crystal = crystalline(data.extras["crystallinity"], data.n_atoms, snakemake.params.crystallinity_fraction)
by_o = crystalline(data.extras["O"], data.n_atoms, snakemake.params.crystal_order_fraction)
logging.info("crystalline frames: %.1f %% by crystallinity, %.1f %% by O; %d frames crystalline with a low O",
             100 * crystal.mean(), 100 * by_o.mean(), int((crystal & ~by_o).sum()))
changes = phase_crossings(data.extras["crystallinity"], data.n_atoms, snakemake.params.crystallinity_fraction)
logging.info("melting/freezing changes by crystallinity along the production: %d", changes)
low, high = snakemake.params.reweight["t_range"]
temperatures = np.linspace(low * T0, high * T0, snakemake.params.reweight["points"])
r = snakemake.params.reweight
table = thermo_table(data.extras["H"], data.extras["bias"], crystal, data.n_atoms, temperatures, T0)
intervals, spread = block_bootstrap(data.extras["H"], data.extras["bias"], crystal, data.n_atoms, temperatures, T0,
                                    r["blocks"], r["resamples"], seed=snakemake.params.seed)
table = table.merge(intervals, on="T_K")
bins = Window.from_config(system["momt"]).labels(data.extras["H"], data.extras["O"])
table["effective_frames_if_flat"] = effective_frames_if_flat(data.extras["H"], data.extras["bias"], bins,
                                                             temperatures, T0)
melting = melting_temperature(table)
table["melting_estimate_K"] = np.nan if melting is None else melting
table["melting_low_K"], table["melting_high_K"] = spread["low_K"], spread["high_K"]
table["melting_share_of_resamples"] = spread["share_with_crossing"]
table["latent_heat_at_melting_eV"] = latent_heat(table, melting)  # the cell's, for melting.csv's size comparison
if hasattr(snakemake.input, "fcc"):
    fcc, liquid = dataset.read(snakemake.input.fcc), dataset.read(snakemake.input.liquid)
    check = check_against_npt(data, fcc, liquid, system["fcc_cells"], snakemake.params.crystallinity_fraction, T0,
                              resolution_kT=r["check_resolution_kT0"])
    for column, value in check_columns(check).items():
        table[column] = value
    meaning = {"consistent": "consistent",
               "unresolved": f"unresolved: the error exceeds momt.reweight.check_resolution_kT0 "
                             f"({r['check_resolution_kT0']}), too few effective frames to tell a defective crystal "
                             f"or a far liquid from the canonical one",
               "not consistent": "NOT consistent, the production did not sample this phase near its canonical "
                                 "enthalpy; the crystal fraction and melting estimate are not to be trusted",
               "no frames": "NOT consistent: no production frame in this basin"}
    for phase, row in check.items():
        logging.log(logging.INFO if row["consistent"] else logging.WARNING,
                    "%s basin (crystallinity %.0f-%.0f atoms, the plain NPT run's): %d production frames (%.1f "
                    "effective at T0), <H> %+.1f kT0 from the NPT run's (standard error %.1f): %s", phase,
                    *row["basin"], row["frames"], row["effective_frames"], row["gap_kT"], row["error_kT"],
                    meaning[row["verdict"]])
if r["quench_frames"]:
    pot = snakemake.params.potential
    potential = Potential(snakemake.input.potential, pot["pair_style"], pot["sha256"])
    intact = production_check(data, crystal, system["element"], system["fcc_cells"], potential, r["quench_frames"],
                              snakemake.params.seed,
                              progress=lambda k, n: logging.info("quenched %d of %d crystalline frames", k, n))
    for column, value in intact_columns(intact).items():
        table[column] = value
    if not intact["frames"]:
        logging.warning("inherent structures: no crystalline frame to quench")
    else:
        share_ok = intact["intact_high"] >= 0.5
        logging.log(logging.INFO if share_ok else logging.WARNING,
                    "inherent structures: %d of %d crystalline frames quench to the perfect FCC lattice (95 %% "
                    "interval %.0f-%.0f %%); energies above it (eV): %s; atoms in FCC / HCP environments after the "
                    "quench (median): %.0f / %.0f %%%s", intact["intact"], intact["frames"],
                    100 * intact["intact_low"], 100 * intact["intact_high"],
                    " ".join(f"{e:.2f}" for e in intact["excess_eV"]), 100 * np.median(intact["fcc_share"]),
                    100 * np.median(intact["hcp_share"]),
                    "" if share_ok else "; most of the production's crystals regrew with defects, so its crystal is "
                    "not the intact one and the melting estimate is that of a defective crystal")
# The production as a whole, for the report: how often it crossed and how it shared its frames between phases.
table["frames"], table["phase_changes"], table["crystalline_share"] = len(data), changes, crystal.mean()
tables.write_csv(table, snakemake.output.csv)
figures.momt_thermo(table, snakemake.output.png, snakemake.wildcards.system, melting)
logging.info("\n%s", table.to_string())
at_t0 = table.iloc[int(np.argmin(np.abs(table.T_K - T0)))]
logging.info("effective frames at T0: %.0f of %d; %.0f if the production were flat over the (H, O) bins it "
             "visited", at_t0.effective_frames, len(data), at_t0.effective_frames_if_flat)
logging.info("melting estimate (crystal fraction 1/2): %s; 95 %% block-bootstrap interval [%.0f, %.0f] K, %.0f %% of "
             "resamples cross in range", "none in range" if melting is None else f"{melting:.0f} K", spread["low_K"],
             spread["high_K"], 100 * spread["share_with_crossing"])
