"""Calibrate the H width of the grid reduction: the delta_h (eV) whose cascade counts come closest to Table S3.

Table S3 (the paper, 20,001 Ni 108 MOMT frames) selects 17,900 / 15,516 / 12,640 / 9,377 / 6,234 / 4,139 / 1,506
frames at delta_O = 0.02 ... 3.0. Prints the counts of each candidate and the best (least squares of log ratios).
Usage: python scripts/calibrate_delta_h.py [results/ni108/momt.h5] [--candidates 0.1 0.2 0.3 ...]
"""

import argparse

import numpy as np

from nnpdistill import dataset
from nnpdistill.distill import calibrate_delta_h

LEVELS = [0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 3.0]
PAPER_SELECTED = [17900, 15516, 12640, 9377, 6234, 4139, 1506]


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
