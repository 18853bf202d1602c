"""Learning curves of selection methods: names of the training sets, and the statistics of their scores.

A learning-curve set is named <system>_lc_<method>_<size>_d<draw>: method random, fps, grid, active (the
distilled set: active learning in the main run's mode), sequential (active learning in sequential mode, a chain
of its own), paper (the paper's active learning on the distillation cascade, a chain of its own), pool (active
learning from a few farthest-point frames, a fixed budget a round) or full; size a number of frames, "distilled"
(the distilled set's size), "sequential" and "paper" (those chains' final sizes) or "pool" (every frame outside the
held-out block); draw the repeat of a random selection or of the pool chain (0 for the deterministic ones). Every
set trains the same way (train settings, benchmark.members members). Scores are per member and test frame
(scripts/lc_score.py); the units of an interval are (draw, member) pairs, so it covers the spread of both
selections and trainings.
"""

import re

import pandas as pd

from .stats import mean_ci, paired_difference_ci

NAME = re.compile(r"(?P<system>.+)_lc_(?P<method>[a-z]+)_(?P<size_label>\d+|distilled|sequential|paper|pool)_d(?P<draw>\d+)")
ALL_UNSEEN = "unseen (all)"
PROPERTIES = {  # column of the properties table: its label in the summary
    "sum_abs_dlb_A": "Σ|Δl_b| (Å)",
    "E_error_spread_meV_atom": "E-error spread (meV/atom)",
    "d_dE_bcc_fcc_meV_atom": "|Δ(E_bcc − E_fcc)| (meV/atom)",
    "d_dE_hcp_fcc_meV_atom": "|Δ(E_hcp − E_fcc)| (meV/atom)",
    "d_E_vac_eV": "|ΔE_vac| (eV)",
    "d_a0_A": "|Δa0| (Å)",
    "rel_B_pct": "|ΔB| (%)",
    "rel_C11_pct": "|ΔC11| (%)",
    "rel_C12_pct": "|ΔC12| (%)",
    "rel_C44_pct": "|ΔC44| (%)",
}


def set_name(system, method, size, draw):
    return f"{system}_lc_{method}_{size}_d{draw}"


def set_names(system, methods, sizes, draws, pool_start=None, pool_draws=1, fps_draws=1, distilled_size=None):
    """Every training set of a benchmark: random at each size (and the distilled size) in `draws` draws; fps
    likewise in `fps_draws` (from different first frames); grid at each size (and the distilled size) once; active
    at the distilled size; sequential and paper at their own sizes, with random draws (and for paper fps draws) of
    that size to compare with; pool at each size above its chain's start (pool_start frames), once per chain
    (pool_draws); full on the whole pool. The distilled size is there only to compare the active set with, so
    only when methods include active; when it is known beforehand (distilled_size: the main chain in pool mode) it
    is that number, one size among the others, rather than "distilled"."""
    sizes = [str(s) for s in sizes]
    distilled = ["distilled"] if "active" in methods else []
    if distilled and distilled_size:
        distilled = [] if str(distilled_size) in sizes else [str(distilled_size)]
    paper = ["paper"] if "paper" in methods else []
    random_sizes = [*sizes, *distilled, *paper] + (["sequential"] if "sequential" in methods else [])
    out = []
    for method in methods:
        if method == "random":
            out += [set_name(system, method, s, d) for s in random_sizes for d in range(draws)]
        elif method == "fps":
            out += [set_name(system, method, s, d) for s in [*sizes, *distilled, *paper] for d in range(fps_draws)]
        elif method == "grid":
            out += [set_name(system, method, s, 0) for s in [*sizes, *distilled]]
        elif method == "active":
            out.append(set_name(system, method, distilled_size or "distilled", 0))
        elif method in ("sequential", "paper"):
            out.append(set_name(system, method, method, 0))
        elif method == "pool":
            # at the start size the chain's set is the fps set itself
            out += [set_name(system, method, s, d) for s in sizes if int(s) > (pool_start or 0)
                    for d in range(pool_draws)]
        elif method == "full":
            out.append(set_name(system, method, "pool", 0))
        else:
            raise ValueError(f"benchmark.methods: unknown method '{method}'")
    return out


def label_sets(names):
    """A table of the sets: training_set, system, method, size_label, draw."""
    rows = []
    for name in names:
        match = NAME.fullmatch(name)
        if not match:
            raise ValueError(f"'{name}' is not a learning-curve set name (<system>_lc_<method>_<size>_d<draw>)")
        rows.append({"training_set": name, **match.groupdict()})
    table = pd.DataFrame(rows)
    table["draw"] = table["draw"].astype(int)
    return table


def _units(scores, sets):
    """Mean errors per (set, member, test set), the unseen sets' mean added as test set ALL_UNSEEN."""
    per = scores.groupby(["training_set", "training_frames", "member", "test_set"], as_index=False)[
        ["energy_abs_meV_atom", "force_mae_meV_A"]].mean()
    unseen = per[per.test_set != "momt_heldout"].groupby(
        ["training_set", "training_frames", "member"], as_index=False)[["energy_abs_meV_atom", "force_mae_meV_A"]].mean()
    unseen["test_set"] = ALL_UNSEEN
    return pd.concat([per, unseen], ignore_index=True).merge(sets, on="training_set")


def curves(scores, sets, level=0.95, resamples=2000, seed=0):
    """One row per method, size and test set: mean training frames, and the mean with its interval of the
    energy (meV/atom) and force (meV/A) MAE over the (draw, member) units."""
    rows = []
    for (method, size, test), group in _units(scores, sets).groupby(["method", "size_label", "test_set"]):
        row = {"method": method, "size_label": size, "test_set": test,
               "training_frames": float(group.training_frames.mean()), "units": len(group),
               "draws": group.draw.nunique()}
        for column, short in (("energy_abs_meV_atom", "energy_mae_meV_atom"), ("force_mae_meV_A", "force_mae_meV_A")):
            mean, low, high = mean_ci(group[column], level, resamples, seed)
            row.update({short: mean, f"{short}_low": low, f"{short}_high": high})
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["test_set", "method", "training_frames"], ignore_index=True)


def property_summary(props, sets, level=0.95, resamples=2000, seed=0):
    """One row per method, size and property: the mean absolute error over members (and draws) with its
    interval; energy_order_right as the share of members with the right order."""
    table = props.merge(sets, left_on="model", right_on="training_set")
    rows = []
    for (method, size), group in table.groupby(["method", "size_label"]):
        for column, label in [*PROPERTIES.items(), ("energy_order_right", "energy order right (share)")]:
            values = group[column].astype(float)
            values = values if column == "energy_order_right" else values.abs()
            mean, low, high = mean_ci(values, level, resamples, seed)
            rows.append({"method": method, "size_label": size, "property": column, "label": label, "mean": mean,
                         "low": low, "high": high, "members": len(values)})
    return pd.DataFrame(rows)


def _per_frame(scores, sets, method, size, test):
    """Per-frame errors of one method and size: a table indexed by (test_set, frame), one column per (draw,
    member) unit and error, in frame order."""
    table = scores.merge(sets, on="training_set")
    table = table[(table.method == method) & (table.size_label == size)]
    if test == ALL_UNSEEN:
        table = table[table.test_set != "momt_heldout"]
    else:
        table = table[table.test_set == test]
    return table.pivot_table(index=["test_set", "frame"], columns=["draw", "member"],
                             values=["energy_abs_meV_atom", "force_mae_meV_A"], aggfunc="mean")


def paired(scores, sets, level=0.95, resamples=2000, seed=0, baseline="random", skip=()):
    """Each method (but those in skip) against the baseline at the same size label, on the same test frames: the
    mean difference (method - baseline) of per-frame errors, its interval (frames and both sides' (draw, member)
    units resampled), and the difference relative to the baseline (%)."""
    rows = []
    tests = [*sorted(scores.test_set.unique()), ALL_UNSEEN]
    for size in sorted(sets.size_label.unique()):
        methods = set(sets[sets.size_label == size].method)
        if baseline not in methods:
            continue
        for method in sorted(methods - {baseline} - set(skip)):
            for test in tests:
                a = _per_frame(scores, sets, method, size, test)
                b = _per_frame(scores, sets, baseline, size, test)
                if a.empty or b.empty:
                    continue
                row = {"method": method, "baseline": baseline, "size_label": size, "test_set": test,
                       "frames": len(a), "units": a["force_mae_meV_A"].shape[1],
                       "baseline_units": b["force_mae_meV_A"].shape[1]}
                for column in ("energy_abs_meV_atom", "force_mae_meV_A"):
                    errors_b = b[column].to_numpy().T
                    diff, low, high, share = paired_difference_ci(a[column].to_numpy().T, errors_b, level,
                                                                  resamples, seed)
                    row.update({f"{column}_diff": diff, f"{column}_low": low, f"{column}_high": high,
                                f"{column}_baseline": float(errors_b.mean()),
                                f"{column}_rel_pct": 100.0 * diff / float(errors_b.mean())})
                rows.append(row)
    return pd.DataFrame(rows)


def fmt_interval(mean, low, high, digits=1):
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _verdict(curve, pairs, method, size, what, pct, baseline="random"):
    """One sentence: the method's force MAE over the unseen sets against the baseline's at the same size, or
    None."""
    at = pairs[(pairs.size_label == size) & (pairs.method == method) & (pairs.test_set == ALL_UNSEEN) &
               (pairs.baseline == baseline)]
    if at.empty:
        return None
    row = at.iloc[0]
    frames = curve[(curve.method == method) & (curve.size_label == size) &
                   (curve.test_set == ALL_UNSEEN)].training_frames.iloc[0]
    verdict = ("lower" if row.force_mae_meV_A_high < 0 else "higher" if row.force_mae_meV_A_low > 0 else
               "not different (the interval contains 0)")
    other = {"random": "a random subset's", "fps": "farthest-point sampling's"}.get(baseline, f"{baseline}'s")
    return (f"At equal size ({frames:.0f} frames), {what}'s force MAE over the unseen sets is {verdict} than "
            f"{other}: difference "
            f"{fmt_interval(row.force_mae_meV_A_diff, row.force_mae_meV_A_low, row.force_mae_meV_A_high)} meV/Å "
            f"({row.force_mae_meV_A_rel_pct:+.0f} % of {baseline}'s {row.force_mae_meV_A_baseline:.1f} meV/Å; "
            f"paired bootstrap over test frames and models, {pct} % interval); energy difference "
            f"{fmt_interval(row.energy_abs_meV_atom_diff, row.energy_abs_meV_atom_low, row.energy_abs_meV_atom_high, 2)} "
            f"meV/atom.")


DLB_COLUMNS = ("dlb_A", "dlb_low", "dlb_high", "baseline_dlb_A", "baseline_dlb_low", "baseline_dlb_high",
               "dlb_change_pct")
SELECTIONS = {"pool": "pool-mode active learning", "active": "the distilled set", "sequential": "sequential mode",
              "paper": "the paper's active learning"}


def target(curve, prop, pairs, better_by=0.20, full_within=0.10):
    """Issue 15's target for each active-learning set that has random or fps beside it at its size: its force MAE
    over the unseen sets and its Table S6 sum |dl_b| at least `better_by` under the better baseline's (for each
    measure, the baseline with the lower mean), with the intervals of the means apart, and its force MAE within
    `full_within` of the full pool's. One row per set; NaN where a measure is missing."""
    unseen = curve[curve.test_set == ALL_UNSEEN].set_index(["method", "size_label"])
    dlb = prop[prop.property == "sum_abs_dlb_A"].set_index(["method", "size_label"])
    full = unseen.loc[("full", "pool")].force_mae_meV_A if ("full", "pool") in unseen.index else float("nan")
    rows = []
    for method, size in unseen.index:
        baselines = [b for b in ("random", "fps") if (b, size) in unseen.index]
        if method not in SELECTIONS or not baselines:
            continue
        sel = unseen.loc[(method, size)]
        best = min(baselines, key=lambda b: unseen.loc[(b, size)].force_mae_meV_A)
        base = unseen.loc[(best, size)]
        pair = pairs[(pairs.method == method) & (pairs.baseline == best) & (pairs.size_label == size) &
                     (pairs.test_set == ALL_UNSEEN)]
        change = float(pair.force_mae_meV_A_rel_pct.iloc[0]) if len(pair) else float("nan")
        row = {"method": method, "size_label": size, "frames": sel.training_frames, "force_mae_meV_A": sel.force_mae_meV_A,
               "force_low": sel.force_mae_meV_A_low, "force_high": sel.force_mae_meV_A_high, "force_baseline": best,
               "baseline_force_mae_meV_A": base.force_mae_meV_A, "baseline_force_low": base.force_mae_meV_A_low,
               "baseline_force_high": base.force_mae_meV_A_high, "force_change_pct": change,
               "force_apart": bool(sel.force_mae_meV_A_high < base.force_mae_meV_A_low)}
        row["force_met"] = bool(change <= -100 * better_by and row["force_apart"])
        dlb_bases = [b for b in baselines if (b, size) in dlb.index]
        if (method, size) in dlb.index and dlb_bases:
            d_sel = dlb.loc[(method, size)]
            d_best = min(dlb_bases, key=lambda b: dlb.loc[(b, size)]["mean"])
            d_base = dlb.loc[(d_best, size)]
            row.update(dlb_A=d_sel["mean"], dlb_low=d_sel.low, dlb_high=d_sel.high, dlb_baseline=d_best,
                       baseline_dlb_A=d_base["mean"], baseline_dlb_low=d_base.low, baseline_dlb_high=d_base.high,
                       dlb_change_pct=100 * (d_sel["mean"] / d_base["mean"] - 1) if d_base["mean"] else float("nan"),
                       dlb_apart=bool(d_sel.high < d_base.low))
            row["dlb_met"] = bool(row["dlb_change_pct"] <= -100 * better_by and row["dlb_apart"])
        else:  # no geometry to judge: the columns stay, empty
            row.update({key: float("nan") for key in DLB_COLUMNS}, dlb_baseline="", dlb_apart=False, dlb_met=False)
        row["full_force_mae_meV_A"] = full
        row["full_ratio"] = sel.force_mae_meV_A / full
        row["full_met"] = bool(row["full_ratio"] <= 1 + full_within)
        row["met"] = row["force_met"] and row["dlb_met"] and row["full_met"]
        rows.append(row)
    return pd.DataFrame(rows)


def _target_lines(table, pct, better_by, full_within):
    """Markdown: the target in words, whether any set meets it, and the table behind."""
    if table.empty:
        return []
    goal = (f"at least {100 * better_by:.0f} % under the better of random and farthest-point at equal size on the "
            f"unseen force MAE and on Table S6's Σ|Δl_b|, {pct} % intervals apart, and within "
            f"{100 * full_within:.0f} % of the full pool's unseen force MAE")
    met = table[table.met]
    verdict = ("Met by " + ", ".join(f"{SELECTIONS[m]} at {f:.0f} frames" for m, f in zip(met.method, met.frames))
               if len(met) else "**Not met by any selection benchmarked.**")
    lines = ["#### Against the target", "", f"Target: {goal}. {verdict}"]
    full = table.full_force_mae_meV_A.iloc[0]
    if full == full:  # the full pool was benchmarked: how far under it the target lies
        need = [(1 - better_by) * b / full - 1 for b in table.baseline_force_mae_meV_A]
        lines[-1] += (f" The full pool's unseen force MAE is {full:.1f} meV/Å; {100 * better_by:.0f} % under the "
                      f"better baseline is {100 * min(need):+.0f} to {100 * max(need):+.0f} % of it at these sizes.")
    else:
        lines[-1] += " The full pool was not benchmarked (benchmark.methods), so no set can meet its part."

    def cell(mean, low, high, digits=1):
        return fmt_interval(mean, low, high, digits) if mean == mean else ""

    view = pd.DataFrame({
        "set": [f"{m} {s}" for m, s in zip(table.method, table.size_label)],
        "frames": table.frames.round().astype(int),
        "force (meV/Å)": [cell(*v) for v in zip(table.force_mae_meV_A, table.force_low, table.force_high)],
        "better baseline": [f"{b} " + cell(*v) for b, *v in zip(table.force_baseline, table.baseline_force_mae_meV_A,
                                                                table.baseline_force_low, table.baseline_force_high)],
        "change (paired)": [f"{c:+.0f} %" for c in table.force_change_pct],
        "Σ\\|Δl_b\\| (Å)": [cell(*v, digits=3) for v in zip(table.dlb_A, table.dlb_low, table.dlb_high)],
        "vs its better baseline": [f"{c:+.0f} %" if c == c else "" for c in table.dlb_change_pct],
        "/ full pool": [f"{r:.2f}" if r == r else "" for r in table.full_ratio],
        "met": ["yes" if m else "no" for m in table.met],
    })
    return lines + ["", view.to_markdown(index=False), ""]


def answer(curve, prop, pairs, reference, md, system, level=0.95, better_by=0.20, full_within=0.10):
    """Markdown: the one-sentence answer at the distilled size (and at the sequential chain's), then the tables
    behind it."""
    pct = int(round(100 * level))
    question = ("Does the distilled set beat random and farthest-point sampling?" if (curve.method == "active").any()
                else "Does a selection beat random and farthest-point sampling?")
    lines = [f"### {question} ({system})", ""]
    pool_sizes = sorted(pairs[pairs.method == "pool"].size_label.unique(), key=int) if not pairs.empty else []
    active_size = next(iter(curve[curve.method == "active"].size_label), "distilled")
    sentences = [_verdict(curve, pairs, method, size, what, pct, baseline) for method, size, what, baseline in (
        *[("active", active_size, "the distilled (active-learning) set", b) for b in ("random", "fps")],
        ("sequential", "sequential", "the sequential-mode active-learning set", "random"),
        *[("paper", "paper", "the paper's active-learning set (its cascade and rules)", b) for b in ("random", "fps")],
        *[("pool", size, "the pool-mode active-learning set", baseline) for size in pool_sizes
          for baseline in ("random", "fps")])]
    lines += [s for s in sentences if s] or [
        "The benchmark has no active-learning set at the distilled size (benchmark.methods)."]
    lines += [""] + _target_lines(target(curve, prop, pairs, better_by, full_within), pct, better_by, full_within)
    lines += ["", f"Force MAE (meV/Å), mean [{pct} % interval] over draws and members, by test set:", ""]
    table = curve.assign(cell=[fmt_interval(m, lo, hi) for m, lo, hi in zip(
        curve.force_mae_meV_A, curve.force_mae_meV_A_low, curve.force_mae_meV_A_high)])
    table["set"] = table.method + " " + table.size_label + " (" + table.training_frames.round().astype(int).astype(
        str) + ")"
    lines += [table.pivot(index="set", columns="test_set", values="cell").to_markdown(), ""]
    lines += [f"Paired differences against a baseline at equal size (method − baseline), force MAE (meV/Å), all "
              f"unseen sets and held-out MOMT:", ""]
    if not pairs.empty:
        view = pairs[pairs.test_set.isin([ALL_UNSEEN, "momt_heldout"])]
        view = view.assign(force=[fmt_interval(d, lo, hi) for d, lo, hi in zip(
            view.force_mae_meV_A_diff, view.force_mae_meV_A_low, view.force_mae_meV_A_high)])
        lines += [view[["method", "baseline", "size_label", "test_set", "force", "force_mae_meV_A_rel_pct"]].to_markdown(
            index=False, floatfmt=".1f"), ""]
    lines += [f"Properties: mean absolute error against the EAM over members [{pct} % interval]:", ""]
    cells = prop.assign(cell=[fmt_interval(m, lo, hi, 3) for m, lo, hi in zip(prop["mean"], prop.low, prop.high)])
    cells["set"] = cells.method + " " + cells.size_label
    lines += [cells.pivot(index="set", columns="label", values="cell").to_markdown(), ""]
    ref = reference.iloc[0]
    lines += [f"EAM reference: a0 {ref.a0_A:.4f} Å, B {ref.B_GPa:.0f} GPa, C11/C12/C44 {ref.C11_GPa:.0f}/"
              f"{ref.C12_GPa:.0f}/{ref.C44_GPa:.0f} GPa, E_bcc − E_fcc {ref.dE_bcc_fcc_meV_atom:.1f} and E_hcp − "
              f"E_fcc {ref.dE_hcp_fcc_meV_atom:.1f} meV/atom, E_vac {ref.E_vac_eV:.3f} eV.", ""]
    if md is not None and not md.empty:
        columns = [c for c in ("model", "start", "temperature_K", "time_ps", "failed_at_ps", "reason",
                               "min_distance_A", "rdf_l1_A") if c in md]
        lines += ["MD stability (best member; failure: a distance under 1.9 Å or an energy jump), g(r) distance "
                  "∫|g − g_EAM| dr (Å):", "", md[columns].to_markdown(index=False, floatfmt=".3g"), ""]
    return "\n".join(lines) + "\n"
