"""Compare pool-chain variants run in separate benchmark folders, on the same test frames.

Each folder is a finished `snakemake benchmark` with its own benchmark.pool settings (say, one grading by
maxvol, one by the committee force spread); their random and farthest-point sets come from the first folder.
A variant's pool sets are renamed to its label, so one table holds every selection, with the benchmark's
intervals (over draws and members) and paired differences (frames and models resampled).

    python scripts/bench_selection.py --system ni32 --run maxvol=/path/a --run force=/path/b [--out table.md]
"""

import argparse
import re
from pathlib import Path

import pandas as pd

from nnpdistill.evaluate.learning_curve import ALL_UNSEEN, curves, fmt_interval, label_sets, paired, property_summary


def variant_tables(folder, system, label, keep_baselines):
    """Scores and properties of one folder's sets: its pool sets renamed <label>, random/fps/... kept only for
    the first folder."""
    tables = []
    for kind in ("scores", "properties"):
        frames = []
        for path in sorted((Path(folder) / f"results/benchmark/{system}/{kind}").glob(f"{system}_lc_*.csv")):
            name = path.stem
            method = re.fullmatch(r".+_lc_([a-z]+)_.+", name).group(1)
            if method != "pool" and not keep_baselines:
                continue
            table = pd.read_csv(path)
            if method == "pool":
                renamed = name.replace("_lc_pool_", f"_lc_{label}_")
                column = "training_set" if kind == "scores" else "model"
                table[column] = table[column].replace(name, renamed)
            frames.append(table)
        if not frames:
            raise FileNotFoundError(f"{folder}: no results/benchmark/{system}/{kind}/{system}_lc_*.csv")
        tables.append(pd.concat(frames, ignore_index=True))
    return tables


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--system", default="ni32")
    parser.add_argument("--run", action="append", required=True, metavar="LABEL=FOLDER",
                        help="a variant's label (lower-case letters) and its benchmark folder; the first gives the baselines")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--out", help="also write the tables here (markdown)")
    args = parser.parse_args()
    scores, props = [], []
    for i, run in enumerate(args.run):
        label, folder = run.split("=", 1)
        if not re.fullmatch(r"[a-z]+", label) or label in ("random", "fps", "grid", "active", "full"):
            raise SystemExit(f"--run {run}: the label must be lower-case letters and not a benchmark method")
        s, p = variant_tables(folder, args.system, label, keep_baselines=i == 0)
        scores.append(s)
        props.append(p)
    scores, props = pd.concat(scores, ignore_index=True), pd.concat(props, ignore_index=True)
    sets = label_sets(sorted(scores.training_set.unique()))
    curve = curves(scores, sets, resamples=args.resamples, seed=args.seed)
    pairs = pd.concat([paired(scores, sets, resamples=args.resamples, seed=args.seed),
                       paired(scores, sets, resamples=args.resamples, seed=args.seed, baseline="fps",
                              skip=("random",))], ignore_index=True)
    prop = property_summary(props, sets, resamples=args.resamples, seed=args.seed)

    view = curve[curve.test_set.isin([ALL_UNSEEN, "momt_heldout"])]
    view = view.assign(force=[fmt_interval(*r) for r in view[["force_mae_meV_A", "force_mae_meV_A_low",
                                                      "force_mae_meV_A_high"]].to_numpy()])
    lines = ["Force MAE (meV/Å), mean [95 %] over draws and members:", "",
             view.pivot(index=["method", "size_label"], columns="test_set", values="force").to_markdown(), ""]
    dlb = prop[prop.property == "sum_abs_dlb_A"]
    lines += ["Σ|Δl_b| (Å), mean [95 %] over members:", "",
              dlb.assign(value=[fmt_interval(*r, digits=3) for r in dlb[["mean", "low", "high"]].to_numpy()])[
                  ["method", "size_label", "value", "members"]].to_markdown(index=False), ""]
    both = pairs[pairs.test_set.isin([ALL_UNSEEN, "momt_heldout"])]
    both = both.assign(force=[fmt_interval(*r) for r in both[["force_mae_meV_A_diff", "force_mae_meV_A_low",
                                                      "force_mae_meV_A_high"]].to_numpy()])
    lines += ["Paired differences (method − baseline), force MAE (meV/Å), frames and models resampled:", "",
              both[["method", "baseline", "size_label", "test_set", "units", "baseline_units", "force",
                    "force_mae_meV_A_rel_pct"]].to_markdown(index=False, floatfmt=".1f"), ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
