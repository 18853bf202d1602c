"""Figures of the paper's Supplementary Information, drawn with matplotlib (Agg, no display needed)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .atomic import replacing  # noqa: E402
from .sample.order import crystalline  # noqa: E402


def save(fig, path):
    """Save a figure atomically (temporary file, then rename)."""
    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def sampling_time_ps(data):
    """Time (ps) of each frame since the first stored frame of its run."""
    step = data.extras["step"]
    return (step - step[0]) * data.attrs["timestep_fs"] / 1000.0


def npt_energy(runs, path):
    """Fig. S1a: potential energy and order parameter vs time for each NPT run.

    runs: {(system, phase): Dataset}; one column per system.
    """
    systems = list(dict.fromkeys(system for system, _ in runs))
    fig, axes = plt.subplots(2, len(systems), figsize=(5.5 * len(systems), 6), sharex="col", squeeze=False)
    for column, system in enumerate(systems):
        energy_ax, order_ax = axes[:, column]
        for (name, phase), data in runs.items():
            if name != system:
                continue
            t = sampling_time_ps(data)
            energy_ax.plot(t, data.energy, lw=0.8, label=f"{phase} start")
            order_ax.plot(t, data.extras["O"], lw=0.8, label=f"{phase} start")
        energy_ax.set_title(f"{system}: NPT at {data.attrs['temperature_K']:g} K, {data.attrs['pressure_bar']:g} bar")
        energy_ax.set_ylabel("potential energy E (eV)")
        order_ax.set_ylabel("order parameter O")
        order_ax.set_xlabel("time (ps)")
        order_ax.set_ylim(bottom=min(0.0, np.nanmin([d.extras["O"].min() for d in runs.values()])))
        energy_ax.legend()
    save(fig, path)


def momt_energy(data, path, crystallinity_fraction):
    """Fig. S1b: potential energy and O vs time of the frozen-bias MOMT production, coloured by phase
    (crystalline: orientation-free crystallinity above crystallinity_fraction * atoms)."""
    t = sampling_time_ps(data)
    crystal = crystalline(data.extras["crystallinity"], data.n_atoms, crystallinity_fraction)
    fig, (energy_ax, order_ax) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    energy_ax.plot(t, data.energy, lw=0.4, color="0.6")
    energy_ax.scatter(t[crystal], data.energy[crystal], s=1.5, color="tab:blue", label="crystalline")
    energy_ax.scatter(t[~crystal], data.energy[~crystal], s=1.5, color="tab:orange", label="liquid or disordered")
    energy_ax.set_ylabel("potential energy E (eV)")
    energy_ax.set_title(f"{data.attrs['system']}: MOMT at {data.attrs['temperature_K']:g} K, "
                        f"{data.attrs['pressure_bar']:g} bar (frozen bias)")
    energy_ax.legend(markerscale=5)
    kind = data.attrs.get("window", {}).get("order_parameter", "eq2")
    order_ax.plot(t, data.extras["O"], lw=0.5, label="O (eq. 2)" if kind == "eq2" else f"O of the bias ({kind})")
    order_ax.plot(t, data.extras["crystallinity"], lw=0.5, alpha=0.7, label="crystallinity (any orientation)")
    order_ax.set_ylabel("order")
    order_ax.legend(loc="upper right")
    order_ax.set_xlabel("time (ps)")
    save(fig, path)


def momt_timeseries(records, path):
    """Fig. S3: H and O vs time of whole MOMT runs (learning and production) for several systems.

    records: {system: contents of momt_bias.npz}.
    """
    fig, axes = plt.subplots(2, len(records), figsize=(6 * len(records), 6), squeeze=False)
    for column, (system, rec) in enumerate(records.items()):
        trace = rec["trace"]
        dt_ps = float(rec["timestep_fs"]) / 1000.0
        t = trace[:, 0] * dt_ps
        for ax, col, label in ((axes[0, column], 1, "H = U + P0 V (eV)"), (axes[1, column], 2, "O")):
            ax.plot(t, trace[:, col], lw=0.3)
            ax.axvline(float(rec["produce_start"]) * dt_ps, color="k", ls="--", lw=0.8)
            ax.set_ylabel(label)
        axes[0, column].set_title(f"{system} at {float(rec['temperature_K']):g} K (dashed: bias frozen)")
        axes[1, column].set_xlabel("time (ps)")
    save(fig, path)


def momt_maps(rec, system, path):
    """The (H, O) visits during learning and the learned bias, as heat maps."""
    h_edges, o_edges = rec["h_edges_eV"], rec["o_edges"]
    extent = [o_edges[0], o_edges[-1], h_edges[0], h_edges[-1]]
    fig, (visits_ax, bias_ax) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    visits = np.ma.masked_equal(rec["visits"], 0)
    image = visits_ax.imshow(visits, origin="lower", aspect="auto", extent=extent, cmap="viridis")
    fig.colorbar(image, ax=visits_ax, label="visits while learning")
    coeffs = rec["coeffs"]
    image = bias_ax.imshow(coeffs, origin="lower", aspect="auto", extent=extent, cmap="magma")
    fig.colorbar(image, ax=bias_ax, label="bias dH (eV, grid nodes)")
    for ax in (visits_ax, bias_ax):
        ax.set_xlabel("O")
        ax.set_ylabel("H (eV)")
    visits_ax.set_title(f"{system}: histogram")
    bias_ax.set_title(f"{system}: learned bias")
    save(fig, path)


def momt_thermo(table, path, system, melting_K=None):
    """Reweighted <H>, Cp and crystal fraction vs temperature."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, column in zip(axes, ("H_mean_eV", "Cp_kB_per_atom", "crystal_fraction")):
        ax.plot(table["T_K"], table[column])
        if f"{column}_low" in table:  # the block-bootstrap 95 % interval
            ax.fill_between(table["T_K"], table[f"{column}_low"], table[f"{column}_high"], alpha=0.3, lw=0)
    axes[0].set_ylabel("<H> (eV)")
    axes[1].set_ylabel("Cp (kB per atom, potential part)")
    axes[2].set_ylabel("crystal fraction")
    axes[2].set_ylim(-0.02, 1.02)
    if melting_K is not None:
        for ax in axes:
            ax.axvline(melting_K, color="k", ls="--", lw=0.8)
        axes[2].set_title(f"equal phases at {melting_K:.0f} K")
    for ax in axes:
        ax.set_xlabel("T (K)")
    fig.suptitle(f"{system}: reweighted MOMT production")
    save(fig, path)


def melting_sizes(table, path):
    """MOMT melting estimates against cell size (x = 1/N) per element, with the coexistence value as a band and
    the published value for the potential, where the config names one, as a dashed line.

    table: melting.csv rows (element, atoms, momt_melting_K, momt_low_K, momt_high_K, coexistence_K, ...,
    optionally published_K and published_source)."""
    elements = list(dict.fromkeys(table["element"]))
    fig, axes = plt.subplots(1, max(len(elements), 1), figsize=(5 * max(len(elements), 1), 3.8), squeeze=False)
    for ax, element in zip(axes[0], elements):
        rows = table[table["element"] == element].sort_values("atoms")
        ref = rows.iloc[0]
        ax.axhspan(ref["coexistence_low_K"], ref["coexistence_high_K"], color="0.8", lw=0,
                   label=f"coexistence, {int(ref['coexistence_atoms'])} atoms")
        ax.axhline(ref["coexistence_K"], color="0.4", lw=0.8)
        published, source = float(ref.get("published_K", np.nan)), ref.get("published_source")
        if np.isfinite(published):
            ax.axhline(published, color="tab:red", lw=1.0, ls="--",
                       label=f"published: {source}" if isinstance(source, str) and source else "published")
        x = 1.0 / rows["atoms"]
        low = (rows["momt_melting_K"] - rows["momt_low_K"]).clip(lower=0)
        high = (rows["momt_high_K"] - rows["momt_melting_K"]).clip(lower=0)
        ax.errorbar(x, rows["momt_melting_K"], yerr=[low.fillna(0), high.fillna(0)], fmt="o", capsize=3,
                    label="MOMT, reweighted (95 %)")
        for xi, (_, row) in zip(x, rows.iterrows()):
            ax.annotate(row["system"], (xi, row["momt_melting_K"]), textcoords="offset points", xytext=(5, 5))
        ax.set_xlim(0, 1.15 * x.max() if len(x) else 1)
        ax.set_xlabel("1 / atoms")
        ax.set_ylabel("melting temperature (K)")
        ax.set_title(element)
        ax.legend(fontsize=8)
    fig.suptitle("MOMT melting estimate by cell size against solid-liquid coexistence")
    save(fig, path)


def training_mae(table, path):
    """Fig. S2: (a) train/validation MAE of each training set's models, (b) their MAE on the other (unseen) sets.

    table: rows of model_set, member, data_set, split (train, valid, unseen), energy_mae_meV_atom,
    force_mae_meV_A; bars are means over members with their standard deviation.
    """
    sets = list(dict.fromkeys(table["model_set"]))
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), squeeze=False)
    width = 0.8 / max(len(sets), 2)
    for row, (column, unit) in enumerate((("energy_mae_meV_atom", "energy MAE (meV/atom)"),
                                          ("force_mae_meV_A", "force MAE (meV/Å)"))):
        own = table[table["split"] != "unseen"]
        stats = own.groupby(["model_set", "split"], sort=False)[column].agg(["mean", "std"])
        ax = axes[row, 0]
        for k, split in enumerate(("train", "valid")):
            means = [stats.loc[(s, split), "mean"] for s in sets]
            errors = [stats.loc[(s, split), "std"] for s in sets]
            ax.bar(np.arange(len(sets)) + (k - 0.5) * 0.35, means, 0.35, yerr=errors, capsize=3, label=split)
        ax.set_xticks(np.arange(len(sets)), sets)
        ax.set_ylabel(unit)
        ax.legend()
        ax.set_title("(a) own data: training / validation" if row == 0 else "")
        unseen = table[table["split"] == "unseen"]
        stats = unseen.groupby(["model_set", "data_set"], sort=False)[column].agg(["mean", "std"])
        ax = axes[row, 1]
        for k, model_set in enumerate(sets):
            others = [s for s in sets if s != model_set]
            x = np.array([sets.index(s) for s in others]) + (k - (len(sets) - 1) / 2) * width
            ax.bar(x, [stats.loc[(model_set, s), "mean"] for s in others], width,
                   yerr=[stats.loc[(model_set, s), "std"] for s in others], capsize=3, label=f"model: {model_set}")
        ax.set_xticks(np.arange(len(sets)), [f"data: {s}" for s in sets])
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        ax.set_title("(b) other data (unseen)" if row == 0 else "")
    fig.tight_layout()
    save(fig, path)


def active_rounds(full, distilled, rounds, path, system):
    """O-H map of all MOMT frames with the start set and each round's additions, and training size per round.

    full, distilled: Datasets (distilled carries source_index and al_round); rounds: the rounds.csv table.
    """
    fig, (map_ax, size_ax) = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    map_ax.scatter(full.extras["O"], full.extras["H"], s=1, c="0.8", label=f"all {len(full)} frames")
    rounds_of = distilled.extras["al_round"]
    start = rounds_of == 0
    map_ax.scatter(distilled.extras["O"][start], distilled.extras["H"][start], s=3, c="tab:blue",
                   label=f"start ({start.sum()})")
    added = ~start
    if added.any():
        points = map_ax.scatter(distilled.extras["O"][added], distilled.extras["H"][added], s=10, marker="x",
                                c=rounds_of[added], cmap="autumn", label=f"added ({added.sum()})")
        fig.colorbar(points, ax=map_ax, label="round added")
    map_ax.set_xlabel("O")
    map_ax.set_ylabel("H (eV)")
    map_ax.set_title(f"{system}: distilled frames on (O, H)")
    map_ax.legend(markerscale=3, fontsize=8)
    size_ax.plot(rounds["round"], rounds["training_size"], "o-")
    size_ax.set_xlabel("round")
    size_ax.set_ylabel("training-set size (frames)")
    size_ax.set_title("training set per active-learning round")
    save(fig, path)


def distillation_comparison(table, path, system):
    """Energy and force MAE on unseen data against training-set size: the active-learning rounds as a line, the
    comparison sets (distilled retrained, random, farthest-point) as points at the final size; one column per
    test set, means over members with their standard deviation.

    table: rows of training_set, kind, training_frames, member, test_set, energy_mae_meV_atom, force_mae_meV_A.
    """
    test_sets = list(dict.fromkeys(table["test_set"]))
    fig, axes = plt.subplots(2, len(test_sets), figsize=(4.2 * len(test_sets), 7), squeeze=False,
                             constrained_layout=True)
    stats = table.groupby(["training_set", "kind", "training_frames", "test_set"], sort=False)[
        ["energy_mae_meV_atom", "force_mae_meV_A"]].agg(["mean", "std"]).reset_index()
    for row, (column, unit) in enumerate((("energy_mae_meV_atom", "energy MAE (meV/atom)"),
                                          ("force_mae_meV_A", "force MAE (meV/Å)"))):
        for col, test_set in enumerate(test_sets):
            ax = axes[row, col]
            here = stats[stats["test_set"] == test_set]
            rounds = here[here["kind"] == "active learning"]
            if len(rounds):
                ax.errorbar(rounds["training_frames"], rounds[(column, "mean")], rounds[(column, "std")],
                            marker="o", ms=3, capsize=2, color="0.5", label="active-learning rounds")
            for _, point in here[here["kind"] == "comparison"].iterrows():
                ax.errorbar(point["training_frames"], point[(column, "mean")], point[(column, "std")], marker="s",
                            capsize=3, ls="none", label=point["training_set"].iloc[0] if hasattr(
                                point["training_set"], "iloc") else point["training_set"])
            ax.set_xlabel("training-set size (frames)")
            ax.set_ylabel(unit)
            ax.set_title(f"{system}, unseen: {test_set}" if row == 0 else "")
            ax.legend(fontsize=7)
    save(fig, path)


def equations_of_state(table, path):
    """E/atom against V/atom near each relaxed crystal: the EAM reference and each NNP, one panel per element and
    structure. table: rows of nnpdistill.evaluate.elastic results with eos_volume_k / eos_energy_k columns."""
    panels = list(dict.fromkeys(zip(table["element"], table["structure"])))
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.6), squeeze=False, constrained_layout=True)
    volumes = sorted(c for c in table.columns if c.startswith("eos_volume_"))
    energies = sorted(c for c in table.columns if c.startswith("eos_energy_"))
    for ax, (element, structure) in zip(axes[0], panels):
        for _, row in table[(table["element"] == element) & (table["structure"] == structure)].iterrows():
            style = "k-o" if row["model"] == "reference" else "--s"
            ax.plot(row[volumes].to_numpy(float), row[energies].to_numpy(float), style, ms=3,
                    label=f"{row['model']} (B {row['bulk_modulus_GPa']:.0f} GPa)")
        ax.set_xlabel("volume (Å³/atom)")
        ax.set_ylabel("energy (eV/atom)")
        ax.set_title(f"{element} {structure.upper()}")
        ax.legend(fontsize=7)
    save(fig, path)


def learning_curves(curve, path, system):
    """Force MAE against training-set size, one panel per test set, one line per selection method, with the
    intervals of nnpdistill.evaluate.learning_curve.curves as error bars; log-log axes."""
    tests = list(dict.fromkeys(curve["test_set"]))
    columns = min(4, len(tests))
    rows = -(-len(tests) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 3.0 * rows), squeeze=False,
                             constrained_layout=True)
    for ax, test in zip(axes.flat, tests):
        here = curve[curve["test_set"] == test]
        for method, points in here.groupby("method"):
            points = points.sort_values("training_frames")
            errors = [points["force_mae_meV_A"] - points["force_mae_meV_A_low"],
                      points["force_mae_meV_A_high"] - points["force_mae_meV_A"]]
            ax.errorbar(points["training_frames"], points["force_mae_meV_A"], errors, marker="o", ms=3, capsize=2,
                        ls="-" if len(points) > 1 else "none", label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(test, fontsize=9)
        ax.set_xlabel("training frames")
        ax.set_ylabel("force MAE (meV/Å)")
    for ax in axes.flat[len(tests):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"{system}: learning curves on unseen data (95 % intervals over draws and members)")
    save(fig, path)
