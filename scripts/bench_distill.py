"""Benchmark: the grid-reduction cascade of Table S3 on 20,000 frames, against a brute-force reference.

The hash-grid reduction (nnpdistill.select.distill) and a brute-force walk (each frame compared with every kept frame,
numpy-vectorised) run in one process on the same (O, H) values; both must select the same frames.
Usage: python scripts/bench_distill.py [--data results/ni108/momt.h5] [--delta-h 0.25]
Without the file, a random walk of 20,000 (O, H) points stands in.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from nnpdistill import dataset
from nnpdistill.select.distill import cascade

LEVELS = [0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 3.0]


def brute_cascade(o, h, delta_os, delta_h):
    index = np.arange(len(o))
    kept_counts = []
    for delta_o in sorted(delta_os):
        keep = np.zeros(len(index), dtype=bool)
        kept_o, kept_h = np.empty(len(index)), np.empty(len(index))
        n = 0
        for i, k in enumerate(index):
            if not np.any((np.abs(kept_o[:n] - o[k]) <= delta_o) & (np.abs(kept_h[:n] - h[k]) <= delta_h)):
                keep[i] = True
                kept_o[n], kept_h[n] = o[k], h[k]
                n += 1
        index = index[keep]
        kept_counts.append(len(index))
    return kept_counts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("results/ni108/momt.h5"))
    parser.add_argument("--delta-h", type=float, default=0.25)
    args = parser.parse_args()
    if args.data.exists():
        data = dataset.read(args.data)
        o, h, source = data.extras["O"], data.extras["H"], str(args.data)
    else:
        rng = np.random.default_rng(0)
        o = np.abs(np.cumsum(rng.normal(0, 2.0, 20000))) % 100.0
        h = -470.0 + np.cumsum(rng.normal(0, 1.5, 20000)) % 90.0
        source = "a random walk (no MOMT data found)"
    start = time.perf_counter()
    levels = cascade(o, h, LEVELS, args.delta_h)
    fast = time.perf_counter() - start
    start = time.perf_counter()
    reference = brute_cascade(o, h, LEVELS, args.delta_h)
    brute = time.perf_counter() - start
    counts = [len(lv.kept) for lv in levels]
    assert counts == reference, (counts, reference)
    print(f"{len(o)} frames of {source}, delta_h {args.delta_h} eV, 7 levels: selected {counts}")
    print(f"  hash grid: {fast:.2f} s   brute force: {brute:.2f} s   ratio {brute / fast:.1f}x (same frames)")


if __name__ == "__main__":
    main()
