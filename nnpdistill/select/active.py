"""Active learning rounds (Supplementary Note 4): which frames are candidates in each round, and which join.

Cascade mode (Table S3): start from the frames the coarsest level kept; round 1 offers the frames deleted at the
coarsest level, and each later round those deleted at the next finer level. Sequential mode (Note 4.1): split
the frames into consecutive chunks; start from the first chunk, and each later chunk is a round's candidates.
Pool mode (beyond the paper, for small sets): start from a few farthest-point frames; every round's candidates
are pool frames not yet chosen (a seeded sample of them), and the round adds a fixed budget.
In a round, the candidates are scored with the current ensemble (nnpdistill.select.uncertainty) and those with any
atom above mu + k sigma join the training set.
"""

from dataclasses import dataclass

import numpy as np
import torch

from ..nnp.descriptors import aev_with_derivatives
from .baselines import farthest_point
from .maxvol import grades_by_frame
from .uncertainty import (atomic_energies, atomic_force_uncertainty, atomic_uncertainty, member_predictions, threshold,
                          uncertain_frames)

POPULATIONS = ("candidates", "training", "absolute")
UNCERTAINTIES = ("energy", "force", "maxvol")
DIVERSITIES = ("none", "fps")


def cascade_plan(levels):
    """(initial training frames, [(label, candidate frames) per round]) from nnpdistill.select.distill.cascade levels
    (finest first): rounds go from the coarsest level's deletions to the finest's."""
    rounds = [(f"delta_o={lv.delta_o:g}", np.sort(lv.deleted)) for lv in reversed(levels)]
    return np.sort(levels[-1].kept), rounds


def sequential_plan(n_frames, n_chunks):
    """(first chunk, [(label, chunk) for the later chunks]) of n_frames consecutive frames."""
    if not 2 <= n_chunks <= n_frames:
        raise ValueError(f"need 2 <= n_chunks <= n_frames, got {n_chunks} chunks of {n_frames} frames")
    chunks = np.array_split(np.arange(n_frames), n_chunks)
    return chunks[0], [(f"chunk={k}", chunk) for k, chunk in enumerate(chunks[1:], start=1)]


@dataclass(frozen=True)
class Rules:
    """How a round picks its frames (the active section of the config; units: eV for the atomic-energy spread,
    eV/A for the committee force spread)."""
    uncertainty: str = "energy"  # energy: the paper's atomic-energy spread; force: the committee force spread;
    # maxvol: the first member's extrapolation grade against the training atoms (nnpdistill.select.maxvol), unitless
    center_members: bool = False  # remove each member's atomic-energy offset before the spread
    population: str = "candidates"  # whose atoms set mu and sigma (candidates, training), or an absolute threshold
    k_sigma: float = 4.0
    threshold: float = 0.0  # the threshold of population: absolute
    trust_high: float = 0.0  # frames with an atom above it are not added (DP-GEN's trust window); 0: no bound
    diversity: str = "none"  # fps: farthest-point sampling on the uncertain atoms' mean AEV, up to budget
    budget: int = 0  # frames a round adds at most; 0: no cap
    coverage: float = 0.0  # share of a round's additions each class (crystal, liquid) is guaranteed
    fill: bool = False  # under a budget, fewer frames over the threshold are topped up by the most uncertain others

    @classmethod
    def from_config(cls, active):
        rules = cls(**{f: active[f] for f in cls.__dataclass_fields__ if f in active})
        for name, allowed in (("uncertainty", UNCERTAINTIES), ("population", POPULATIONS),
                              ("diversity", DIVERSITIES)):
            if getattr(rules, name) not in allowed:
                raise ValueError(f"active.{name} must be one of {allowed}, got {getattr(rules, name)!r}")
        if not 0.0 <= rules.coverage <= 0.5:
            raise ValueError(f"active.coverage must be in [0, 0.5], got {rules.coverage}")
        if rules.population == "absolute" and rules.threshold <= 0:
            raise ValueError("active.threshold must be > 0 with active.population: absolute")
        return rules


@dataclass
class Selection:
    candidates: int
    mu: float  # eV or eV/A (Rules.uncertainty), mean atomic UQ of the reference population
    sigma: float
    threshold: float  # mu + k sigma, or the absolute threshold
    added: np.ndarray  # frame indices (into the data) that join the training set
    max_uq: np.ndarray  # the largest atomic UQ of each candidate
    over_threshold: int = 0  # candidates over the threshold (and under trust_high), before the budget


def atomic_uq(models, data, frames, rules, training=None):
    """(frames, atoms) atomic uncertainties of frames of Data by rules.uncertainty; maxvol grades them against
    the training frames (indices into the same Data)."""
    if rules.uncertainty == "maxvol":
        if training is None or len(training) == 0:
            raise ValueError("active.uncertainty: maxvol grades frames against the training set, and none was given")
        return grades_by_frame(models[0], data, training, frames)
    if rules.uncertainty == "force":
        return atomic_force_uncertainty(member_predictions(models, data, frames)[1])
    return atomic_uncertainty(atomic_energies(models, data, frames), center=rules.center_members)


def select(models, data, candidates, training, k=4.0, population="candidates", rules=None, classes=None):
    """Score the candidate frames of nnpdistill.nnp.nnp_data.Data with an ensemble; population names the atoms whose
    UQ sets mu and sigma: the candidates themselves or the current training frames (rules, when given, hold
    these and the other choices of Rules). classes (one label per candidate, e.g. crystal or not) are needed by
    rules.coverage."""
    rules = rules or Rules(k_sigma=k, population=population)
    if rules.population not in POPULATIONS:
        raise ValueError(f"population must be one of {POPULATIONS}, got {rules.population!r}")
    candidates = np.asarray(candidates)
    if len(candidates) == 0:
        return Selection(0, np.nan, np.nan, np.nan, candidates, np.zeros(0))
    uq = atomic_uq(models, data, candidates, rules, training)
    if rules.population == "absolute":
        limit, mu, sigma = rules.threshold, np.nan, np.nan
    else:
        reference = uq if rules.population == "candidates" else atomic_uq(models, data, training, rules, training)
        limit, mu, sigma = threshold(reference, rules.k_sigma)
    over = uncertain_frames(uq, limit)
    if rules.trust_high > 0:
        over = over[uq[over].max(axis=1) <= rules.trust_high]
    chosen = over
    if rules.fill and rules.budget and len(over) < rules.budget:
        rest = np.setdiff1d(np.arange(len(candidates)), over)
        rest = rest[np.argsort(-uq[rest].max(axis=1), kind="stable")][:rules.budget - len(over)]
        chosen = np.sort(np.concatenate([over, rest]))
    elif rules.budget and len(over) > rules.budget:
        if rules.diversity == "fps":
            features = uncertain_atom_features(models[0].aev, data, candidates[over], uq[over], limit)
            first = int(np.argmax(uq[over].max(axis=1)))  # the most uncertain frame leads
            chosen = np.sort(over[farthest_point(features, rules.budget, first)])
        else:  # the most uncertain frames
            chosen = np.sort(over[np.argsort(-uq[over].max(axis=1), kind="stable")[:rules.budget]])
    if rules.coverage > 0:
        chosen = covered(chosen, uq.max(axis=1), np.asarray(classes), rules.coverage, rules.budget)
    return Selection(len(candidates), mu, sigma, limit, candidates[chosen], uq.max(axis=1), len(over))


def covered(chosen, score, classes, share, budget=0):
    """chosen (indices into score and classes), amended so that every class holds at least ceil(share * size)
    of them (or all of its frames, if fewer): each short class gives its most uncertain frames not yet chosen,
    even under the threshold; under a budget they take the places of the least uncertain frames of the classes
    with more than their share. Without the guarantee a round adds only where the uncertainty is largest (the
    liquid, high enthalpies), and a crystal basin keeps little more than its start frames."""
    chosen = list(np.asarray(chosen, dtype=int))
    size = budget if budget else len(chosen)
    if size == 0:
        return np.asarray(chosen, dtype=int)
    need = int(np.ceil(share * size))
    for label in np.unique(classes):
        members = np.flatnonzero(classes == label)
        have = [i for i in chosen if classes[i] == label]
        short = min(need, len(members)) - len(have)
        if short <= 0:
            continue
        extra = [i for i in members[np.argsort(-score[members], kind="stable")] if i not in set(chosen)][:short]
        if budget:  # free places from the least uncertain frames of classes above their share
            counts = {c: sum(classes[i] == c for i in chosen) for c in np.unique(classes)}
            excess = len(chosen) + len(extra) - budget
            for i in sorted(chosen, key=lambda i: score[i]):
                if excess <= 0:
                    break
                if classes[i] != label and counts[classes[i]] > need:
                    chosen.remove(i)
                    counts[classes[i]] -= 1
                    excess -= 1
            extra = extra[:budget - len(chosen)]
        chosen += extra
    return np.sort(np.asarray(chosen, dtype=int))


@torch.no_grad()
def uncertain_atom_features(aev_computer, data, frames, uq, limit, batch_size=64):
    """Each frame's AEV averaged over its atoms above limit (its most uncertain atom when none is): what the
    members disagree on, as a vector (frames, AEV length). uq: (frames, atoms), rows in the order of frames."""
    out = []
    for start in range(0, len(frames), batch_size):
        chunk = np.asarray(frames[start:start + batch_size])
        blocks, positions, _, _ = data.batch(chunk)
        aev, _ = aev_with_derivatives(aev_computer, blocks, positions)
        aev = aev.double().numpy()
        offsets = np.concatenate([[0], np.cumsum(data.n_atoms[chunk])])
        for row, (lo, hi) in enumerate(zip(offsets[:-1], offsets[1:])):
            atom_uq = uq[start + row, :hi - lo]
            mask = atom_uq > limit
            mask = mask if mask.any() else atom_uq == atom_uq.max()
            out.append(aev[lo:hi][mask].mean(axis=0))
    return np.asarray(out)


def read_levels(cascade_file):
    """The levels of a cascade index file (scripts/distill_grid.py), finest first."""
    import h5py

    from .distill import Level

    with h5py.File(cascade_file, "r") as index:
        names = sorted(index, key=lambda name: int(name.split("_")[1]))
        return [Level(float(index[n].attrs["delta_o"]), index[n]["kept"][:], index[n]["deleted"][:],
                      int(index[n].attrs["total"])) for n in names]


def pool_candidates(pool, chosen, size, seed):
    """A round's candidates in pool mode: the pool frames not chosen yet, or a seeded sample of `size` of them
    (sorted; 0: all). A sample keeps a round's scoring cheap on a large pool, and every round samples anew."""
    left = np.setdiff1d(pool, chosen)
    if size and len(left) > size:
        left = np.sort(np.random.default_rng(seed).choice(left, size, replace=False))
    return left


def holdout(n_frames, fraction):
    """The last fraction of n_frames consecutive frames, kept out of every training pool to score on. A block at
    the end, not a scatter of frames: neighbouring frames of a trajectory are alike, so a scattered test set
    would have near-copies in training."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"holdout fraction must be in [0, 1), got {fraction}")
    return np.arange(n_frames - int(round(fraction * n_frames)), n_frames)


def training_pool(n_frames, fraction):
    """Every frame outside the held-out block (holdout): what any selection may choose from."""
    return np.setdiff1d(np.arange(n_frames), holdout(n_frames, fraction))


def load_plan(mode, chunks, cascade_file, n_frames, holdout_fraction=0.0):
    """(start frames, rounds) of the cascade mode (from its index file) or of the sequential mode, without the
    held-out frames (holdout)."""
    held = holdout(n_frames, holdout_fraction)
    if mode == "sequential":
        return sequential_plan(n_frames - len(held), chunks)
    start, rounds = cascade_plan(read_levels(cascade_file))
    return (np.setdiff1d(start, held), [(label, np.setdiff1d(frames, held)) for label, frames in rounds])
