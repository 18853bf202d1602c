"""Confidence intervals for the benchmark: percentile bootstrap of a mean, and a paired bootstrap of the
difference between two selections scored on the same test frames (frames and each side's models resampled).

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
    per-frame errors of two selections, (frames,) for one model or (units, frames) for several (draws x
    members). Frames are resampled together, so what the two share (a hard frame) cancels; the units of each
    side are resampled too, so the interval also covers the spread between draws and trainings."""
    a, b = np.atleast_2d(np.asarray(a, dtype=float)), np.atleast_2d(np.asarray(b, dtype=float))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"paired errors need the same frames, got {a.shape[1]} and {b.shape[1]} frames")
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, a.shape[1], (resamples, a.shape[1]))

    def side(x):  # per resample: the mean over resampled units, at the resampled frames
        units = rng.integers(0, x.shape[0], (resamples, x.shape[0]))
        weights = np.stack([np.bincount(u, minlength=x.shape[0]) for u in units]) / x.shape[0]
        return np.take_along_axis(weights @ x, frames, axis=1).mean(axis=1)

    means = side(a) - side(b)
    tail = 100.0 * (1.0 - level) / 2.0
    difference = float(a.mean() - b.mean())
    return (difference, float(np.percentile(means, tail)), float(np.percentile(means, 100.0 - tail)),
            float((means < 0).mean()))
