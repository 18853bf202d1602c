"""Confidence intervals for the benchmark: percentile bootstrap of a mean, and a paired bootstrap of the
difference between two models scored on the same test frames.

Every resampling takes a numpy Generator built from a seed, so the same inputs and seed give the same interval.
"""

import numpy as np


def mean_ci(values, level=0.95, resamples=2000, seed=0):
    """(mean, low, high): the percentile-bootstrap interval of the mean of independent values (e.g. one score
    per training draw or member). One value gives an interval of zero width at it; none gives NaNs."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return (np.nan, np.nan, np.nan)
    if len(values) == 1:
        return (float(values[0]),) * 3
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (resamples, len(values)))].mean(axis=1)
    tail = 100.0 * (1.0 - level) / 2.0
    return float(values.mean()), float(np.percentile(means, tail)), float(np.percentile(means, 100.0 - tail))


def paired_difference_ci(a, b, level=0.95, resamples=2000, seed=0):
    """(mean of a - b, low, high, share of resamples with a - b < 0) over the same test frames: a and b are
    per-frame errors (frames,) of two models; frames are resampled together, so what the two share (a hard
    frame) cancels."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired errors need the same frames, got {a.shape} and {b.shape}")
    difference = a - b
    rng = np.random.default_rng(seed)
    means = difference[rng.integers(0, len(difference), (resamples, len(difference)))].mean(axis=1)
    tail = 100.0 * (1.0 - level) / 2.0
    return (float(difference.mean()), float(np.percentile(means, tail)), float(np.percentile(means, 100.0 - tail)),
            float((means < 0).mean()))
