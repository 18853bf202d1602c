"""results/report.md: every table and figure of the run, with the paper's numbers beside ours.

The report is assembled from files the workflow wrote; it computes nothing new, so what it shows is what the
tables hold. Sections whose inputs the config did not ask for are left out.
"""

from pathlib import Path

import pandas as pd

from .paper import TABLE_S3_SELECTED, TABLE_S4_HARTREE, TABLE_S5_HARTREE

S4_LABELS = {"fcc": "FCC", "liquid": "liquid", "momt": "MOMT"}


def table_md(table, digits=4):
    """A DataFrame as a GitHub markdown table (numbers to `digits` significant figures)."""
    return table.to_markdown(index=False, floatfmt=f".{digits}g")


def figure_md(path, caption, base):
    return f"![{caption}]({Path(path).relative_to(base)})\n\n*{caption}*\n"


def _settings(config):
    rows = [{"system": name, "atoms": 4 * s["fcc_cells"] ** 3, "T (K)": s["temperature_K"], "P (bar)": s["pressure_bar"],
             "H (eV) (bins)": f"{s['momt']['h_range_eV'][0]} ~ {s['momt']['h_range_eV'][1]} ({s['momt']['h_bins']})",
             "O (bins)": f"{s['momt']['o_range'][0]} ~ {s['momt']['o_range'][1]} ({s['momt']['o_bins']})",
             "O": s["momt"].get("order_parameter", "eq2")}
            for name, s in config["systems"].items() if name in config["momt"]["systems"]]
    return ("## Table S1: MOMT settings used\n\nO: eq2 is the paper's eq. 2; shell, peak, first_shell and orientations "
            "are the variants of docs/momt-phases.md that also see crystals in other orientations; their windows "
            "differ from the paper's.\n\n"
            + table_md(pd.DataFrame(rows)) + "\n")


def _table_s3(paths):
    out = ["## Table S3: the ΔO cascade\n"]
    for path in paths:
        table = pd.read_csv(path)
        system = Path(path).parent.parent.name
        if system == "ni108":
            table["paper_selected"] = [TABLE_S3_SELECTED.get(d) for d in table["delta_o"]]
        out.append(f"**{system}** ({table['total'].iloc[0]} frames; the paper: 20,001 frames of Ni 108)\n\n"
                   + table_md(table) + "\n")
    return "\n".join(out)


def _self_energies(s4, s5):
    out = ["## Tables S4 and S5: self-energies (Hartree; L1 fit on each member's training split)\n"]
    if s4:
        table = pd.read_csv(s4)
        table["paper_Ha"] = [TABLE_S4_HARTREE.get(S4_LABELS.get(name.rsplit("_", 1)[-1], ""))
                             for name in table["training_set"]]
        out.append("Table S4 (Ni 108, by data source)\n\n" + table_md(table, 10) + "\n")
    if s5:
        table = pd.read_csv(s5)
        table["paper_Ha"] = [TABLE_S5_HARTREE.get(e) for e in table["element"]]
        out.append("Table S5 (by element; Nb from the translated data)\n\n" + table_md(table, 10) + "\n")
    return "\n".join(out)


def _comparison(path):
    table = pd.read_csv(path)
    means = table.groupby(["training_set", "training_frames", "test_set"], sort=False)[
        ["energy_mae_meV_atom", "force_mae_meV_A"]].mean().reset_index()
    wide = means.pivot_table(index=["training_set", "training_frames"], columns="test_set", sort=False,
                             values=["energy_mae_meV_atom", "force_mae_meV_A"])
    wide.columns = [f"{test} {'E (meV/atom)' if q.startswith('energy') else 'F (meV/Å)'}" for q, test in wide.columns]
    return table_md(wide.reset_index()) + "\n"


def _phase_gaps(row):
    """The reweighted phases' <H> at T0 against plain NPT runs within their basins, with the production's frames there,
    as momt_thermo.csv's columns give them."""
    if pd.isna(row.get("phases_consistent")):  # a missing column reads as None
        return "not checked (no NPT runs)"
    gaps = ", ".join(f"{phase} {row[f'{phase}_H_gap_kT0']:+.0f} ± {row[f'{phase}_H_gap_error_kT0']:.0f} "
                     f"({row.get(f'{phase}_basin_frames', float('nan')):.0f} frames)"
                     for phase in ("crystal", "liquid"))
    verdict = row.get("phases_check")  # tables from before the resolution carry only the bool
    if not isinstance(verdict, str):
        verdict = "consistent" if bool(row["phases_consistent"]) else "not consistent"
    return f"{gaps}: {verdict if verdict == 'consistent' else f'**{verdict}**'}"


def _intact(row):
    """How many of the quenched crystalline frames fell back to the perfect lattice, with the 95 % interval."""
    if pd.isna(row.get("crystal_quenched_frames")) or not row["crystal_quenched_frames"]:
        return "not checked"
    n = int(row["crystal_quenched_frames"])
    return (f"{int(row['crystal_intact_frames'])} of {n} [{100 * row['crystal_intact_low']:.0f}, "
            f"{100 * row['crystal_intact_high']:.0f} %]; median {row['crystal_quench_excess_median_eV']:.1f} eV above")


def _momt_phases(paths, config, melting):
    """One row per MOMT system: its crossings, effective frames at T0 and melting estimate; coexistence beside."""
    rows = []
    for path in paths:
        name = Path(path).parent.name
        table = pd.read_csv(path)
        system = config["systems"][name]
        at_t0 = table.iloc[(table.T_K - system["temperature_K"]).abs().argmin()]
        first = table.iloc[0]
        interval = ("none in range" if pd.isna(first.melting_estimate_K) else
                    f"{first.melting_estimate_K:.0f} [{first.melting_low_K:.0f}, {first.melting_high_K:.0f}]")
        rows.append({"system": name, "order parameter": system["momt"].get("order_parameter", "eq2"),
                     "frames": first.get("frames"), "crystal <-> liquid changes": first.get("phase_changes"),
                     "crystalline share": first.get("crystalline_share"),
                     "effective frames at T0": at_t0.effective_frames,
                     "the same if flat": at_t0.get("effective_frames_if_flat"), "T_m (K), 95 % interval": interval,
                     "<H> of each phase at T0 against plain NPT (kT0)": _phase_gaps(first),
                     "crystals intact when quenched": _intact(first)})
    text = ("## MOMT: phases, reweighting and melting\n\nChanges are counted by the orientation-free crystallinity "
            "(hysteresis classifier); effective frames are those of the reweighting to T0, beside those a production "
            "spread evenly over the same (H, O) bins would give; T_m is where the "
            "reweighted crystal fraction crosses 1/2, with a 95 % block-bootstrap interval. Where the system has plain "
            "NPT runs at T0, each phase's reweighted <H> is set against theirs, both within the crystallinity range the "
            "NPT run spans (its basin; the production's frames there in brackets): a gap of many standard errors, or "
            "no frame in the basin, means the production never sampled that phase near its canonical enthalpy, and "
            "its T_m is not to be trusted. A sample of the crystalline frames is quenched at 0 bar: an intact crystal "
            "falls back to the perfect lattice's energy, a crystal that regrew with defects stays above it (median "
            "excess given); a production whose crystals are mostly defective reweights a defective crystal.\n\n"
            + table_md(pd.DataFrame(rows), 3) + "\n")
    if melting:
        text += ("\nDirect solid-liquid coexistence with the same EAM (`snakemake melting`) against the MOMT "
                 "estimates:\n\n" + table_md(pd.read_csv(melting), 4) + "\n")
    return text


def _relaxation(path, title):
    table = pd.read_csv(path)
    keep = ["source", "row"] + [c for c in table.columns if c.endswith(("_bond_length_A", "_energy_eV_atom"))] + [
        "sum_abs_bond_length_error_A", "energy_error_spread_meV_atom", "energy_order", "order_matches_reference"]
    keep += [c for c in ["relaxation"] if c in table and table[c].notna().any()]  # only when a relaxation failed
    return f"## {title}\n\n" + table_md(table[keep], 5) + "\n"


def _selection(active):
    """One paragraph: which selection made the distilled set, and whether it is the paper's."""
    if active["mode"] == "pool":
        how = (f"Pool mode (beyond the paper): {active['start_frames']} farthest-point frames of the MOMT pool, then "
               f"{active['rounds']} rounds each scoring {active['candidates'] or 'all'} unchosen frames by the "
               f"{active['uncertainty']} uncertainty and adding {active['budget']}.")
    else:
        how = f"{active['mode'].capitalize()} mode by the {active['uncertainty']} uncertainty."
    paper = active["mode"] == "cascade" and active["uncertainty"] == "energy"
    return how + (" This is the paper's selection (Note 4)." if paper else " This is not the paper's selection "
                  "(Note 4's cascade by the atomic-energy spread), which `make benchmark` trains beside it.") + (
        " Whether a selection beats random and farthest-point sampling at equal size is the benchmark's question: "
        "its answer is in this report once `make benchmark` has run.")


def build(config, inputs, base):
    """The report's markdown. inputs: {name: path or list of paths} of the files to show; base: the folder the
    report is written to (figure links are relative to it)."""
    get = inputs.get
    parts = ["# nnp-distill report\n",
             "Every number below was computed by this run of the workflow; the paper's printed values stand beside "
             "them in `paper` columns or rows. Units: eV, Å, K, bar; Hartree for self-energies.\n",
             _settings(config)]
    figures = [("fig_s1a", "Fig. S1a: energy of NPT runs from FCC and liquid starts"),
               ("fig_s1b", "Fig. S1b: energy of the MOMT run"), ("fig_s3", "Fig. S3: MOMT order parameter and enthalpy")]
    parts.append("## Sampling\n\n" + "".join(figure_md(get(k), c, base) for k, c in figures if get(k)))
    if get("momt_thermo"):
        parts.append(_momt_phases(get("momt_thermo"), config, get("melting")))
        if get("melting_figure"):
            parts.append(figure_md(get("melting_figure"), "MOMT melting estimates against 1/N, coexistence as a "
                                   "band", base))
    if get("table_s3"):
        parts.append(_table_s3(get("table_s3")))
    for path in get("rounds", []):
        parts.append(f"## Active learning: {Path(path).parent.parent.name}\n\n{_selection(config['active'])}\n\n"
                     + table_md(pd.read_csv(path)) + "\n")
    for path in get("active_figures", []):
        parts.append(figure_md(path, "Distilled frames on (O, H) and training-set size per round", base))
    for path, figure in zip(get("comparison", []), get("comparison_figures", [])):
        parts.append(f"## Does distillation work? ({Path(path).parent.parent.name})\n\nMean over members of the "
                     "MAE on data no training set saw (NPT runs, the held-out MOMT block); the selections share "
                     "the distilled set's size.\n\n" + _comparison(path) + figure_md(figure, "MAE against "
                     "training-set size on unseen data", base))
    parts.append(_self_energies(get("table_s4"), get("table_s5")))
    if get("fig_s2"):
        parts.append("## Fig. S2: models trained on FCC, liquid and MOMT data\n\n"
                     + figure_md(get("fig_s2"), "Fig. S2: MAE on own and unseen data", base))
    if get("relax_reference"):
        parts.append("## EAM reference relaxations\n\n" + table_md(pd.read_csv(get("relax_reference")), 5) + "\n")
    if get("protocol"):
        parts.append(Path(get("protocol")).read_text())
    if get("table_s6"):
        parts.append(_relaxation(get("table_s6"), "Table S6: Ni relaxed with the EAM and the NNPs"))
    if get("table_s7"):
        parts.append(_relaxation(get("table_s7"), "Table S7: Nb relaxed with the EAM and the NNP of translated data"))
    if get("elastic"):
        table = pd.read_csv(get("elastic"))
        columns = ["model", "element", "structure", "volume_per_atom_A3", "energy_per_atom_eV", "bulk_modulus_GPa",
                   "c11_GPa", "c12_GPa", "c44_GPa"]
        parts.append("## Beyond the paper: equation of state and elastic constants\n\nBest member of each NNP "
                     "against the EAM, from energies of strained relaxed crystals (nnpdistill/evaluate/elastic.py).\n\n"
                     + table_md(table[columns]) + "\n")
        if get("equations_of_state"):
            parts.append(figure_md(get("equations_of_state"), "E/atom against V/atom near each relaxed crystal",
                                   base))
    if get("training_speed"):
        parts.append("## Training speed (Note 5)\n\n" + table_md(pd.read_csv(get("training_speed"))) + "\n")
    for summary, figure in zip(get("benchmark", []), get("benchmark_figures", [])):
        # Written by `snakemake benchmark` (scripts/lc_summary.py); shown once it exists.
        parts.append("## Benchmark: learning curves on unseen data\n\n" + Path(summary).read_text().replace(
            "### ", "#### ", 1) + figure_md(figure, "Force MAE against training-set size, per test set", base))
    return "\n".join(parts)
