"""Calibrate the H width of the grid reduction: the delta_h (eV) whose cascade counts come closest to Table S3.

Table S3 (the paper, 20,001 Ni 108 MOMT frames; nnpdistill.paper.TABLE_S3_SELECTED) gives the frames selected
at each delta_O. Prints the counts of each candidate and the best (least squares of log ratios).
Usage: python scripts/calibrate_delta_h.py [results/ni108/momt.h5] [--candidates 0.1 0.2 0.3 ...]
"""

import argparse

import numpy as np

from nnpdistill import dataset
from nnpdistill.select.distill import calibrate_delta_h
from nnpdistill.paper import TABLE_S3_SELECTED

LEVELS = sorted(TABLE_S3_SELECTED)
PAPER_SELECTED = [TABLE_S3_SELECTED[level] for level in LEVELS]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", default="results/ni108/momt.h5")
    parser.add_argument("--candidates", type=float, nargs="+",
                        default=[0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.7, 1.0])
    args = parser.parse_args()
    data = dataset.read(args.data)
    best, counts = calibrate_delta_h(data.extras["O"], data.extras["H"], LEVELS, PAPER_SELECTED, args.candidates)
    print(f"{args.data}: {len(data)} frames; paper (20,001 frames): {PAPER_SELECTED}")
    for delta_h, selected in counts.items():
        score = float(np.sum((np.log(selected) - np.log(PAPER_SELECTED)) ** 2))
        print(f"  delta_h {delta_h:5.2f} eV: {selected}  misfit {score:.3f}{'  <- best' if delta_h == best else ''}")


if __name__ == "__main__":
    main()
