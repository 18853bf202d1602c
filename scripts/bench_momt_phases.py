"""Benchmark: does MOMT cross between crystal and liquid, for every seed? (issue: MOMT for every system)

Runs the default config's MOMT (learning, then the frozen-bias production) of each system for several seeds,
one process per run, with the order parameter of the config or the one given, and reports per run: crystal <->
liquid changes in the production and during learning (the one classifier: orientation-free crystallinity with
hysteresis, crystallinity_fraction), the crystalline share of the frames, the highest H, the effective frames at
T0 and the reweighted melting estimate with its 95 % block-bootstrap interval. Writes a CSV.
Each run keeps its checkpoints and log in <workdir>/<system>_<order parameter>_<seed>/, so a stopped benchmark
resumes where it was and its progress can be followed (run.log).
Usage: python scripts/bench_momt_phases.py [--systems ni108 al108] [--seeds 3] [--first-seed 20232]
                                          [--order-parameter peak] [--from-results results]
                                          [--jobs 2] [--out results/benchmarks/momt_phases.csv]
                                          [--workdir results/benchmarks/momt_phases]
"""

import argparse
import contextlib
import logging
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parent.parent


def config_with_defaults(path):
    from snakemake.utils import validate

    config = yaml.safe_load(Path(path).read_text())
    validate(config, REPO / "config" / "schema.yaml")
    return config


def system_potential(config, name):
    """The checked Potential of config's system `name`."""
    from nnpdistill.potential import Potential

    spec = config["potentials"][config["systems"][name]["potential"]]
    return Potential(REPO / spec["path"], spec["pair_style"], spec["sha256"])


@contextlib.contextmanager
def run_log(path):
    """Log INFO and above to path while the block runs: one file per run, since pool workers run several in turn."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


def one_run(args):
    name, seed, kind, config_path, workdir, npt = args
    from nnpdistill.sample.momt import MOMTRun, MOMTSettings

    config = config_with_defaults(config_path)
    system = dict(config["systems"][name])
    if kind:
        system["momt"] = dict(system["momt"], order_parameter=kind)
    fraction = config["crystallinity_fraction"]
    settings = MOMTSettings.from_config(system, config["momt"], fraction)
    potential = system_potential(config, name)
    work = Path(workdir) / f"{name}_{settings.order_parameter}_{seed}"
    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    run = MOMTRun(system["element"], system["fcc_cells"], potential, settings, seed=seed, workdir=work / "momt")
    with run_log(work / "run.log"):
        data = run.run(config["momt"]["min_phase_changes"], config["momt"]["retries"])
    return summary(name, seed, config, settings, data, np.array(run.trace), run.state["learn_start"],
                   run.state["produce_start"], time.perf_counter() - start, npt, potential)


def npt_columns(name, config, data, npt):
    """Each phase's reweighted <H> at T0 against the plain NPT runs in npt/<name>/ (momt_thermo's check); none
    where that folder lacks them."""
    from nnpdistill import dataset
    from nnpdistill.sample.reweight import check_against_npt, check_columns

    if not npt:
        return {}
    files = [Path(npt) / name / f"npt_{phase}.h5" for phase in ("fcc", "liquid")]
    if not all(f.exists() for f in files):
        return {}
    system = config["systems"][name]
    check = check_against_npt(data, *(dataset.read(f) for f in files), system["fcc_cells"],
                              config["crystallinity_fraction"], system["temperature_K"],
                              resolution_kT=config["momt"]["reweight"].get("check_resolution_kT0"))
    return check_columns(check)


def summary(name, seed, config, settings, data, trace, learn_start, produce_start, wall_s, npt=None, potential=None):
    """The benchmark's row for one finished run: its production dataset and trace (momt_bias.npz's), its phases
    against plain NPT where npt (a results folder) holds the system's runs, and its quenched crystals
    (momt.reweight.quench_frames of them, by the run's seed) where a potential is given."""
    from nnpdistill.sample.inherent import intact_columns, production_check
    from nnpdistill.sample.order import crystalline, phase_crossings
    from nnpdistill.sample.reweight import (block_bootstrap, effective_frames_if_flat, latent_heat, melting_temperature,
                                            thermo_table)

    system = config["systems"][name]
    fraction = config["crystallinity_fraction"]
    learning = trace[(trace[:, 0] >= learn_start) & (trace[:, 0] < produce_start)]
    T0 = system["temperature_K"]
    crystal = crystalline(data.extras["crystallinity"], data.n_atoms, fraction)
    r = config["momt"]["reweight"]
    temperatures = np.linspace(r["t_range"][0] * T0, r["t_range"][1] * T0, r["points"])
    table = thermo_table(data.extras["H"], data.extras["bias"], crystal, data.n_atoms, temperatures, T0)
    _, spread = block_bootstrap(data.extras["H"], data.extras["bias"], crystal, data.n_atoms, temperatures, T0,
                                r["blocks"], r["resamples"], seed=seed)
    melting = melting_temperature(table)
    bins = settings.window.labels(data.extras["H"], data.extras["O"])
    return {
        "system": name, "seed": seed, "order_parameter": settings.order_parameter,
        "production_changes": phase_crossings(data.extras["crystallinity"], data.n_atoms, fraction),
        "learning_changes": phase_crossings(learning[:, 6], data.n_atoms, fraction),
        "crystal_share": float(crystal.mean()), "H_max_eV": float(data.extras["H"].max()),
        "effective_frames_T0": float(table.effective_frames.iloc[int(np.argmin(np.abs(temperatures - T0)))]),
        "effective_frames_T0_if_flat": float(effective_frames_if_flat(data.extras["H"], data.extras["bias"], bins,
                                                                      [T0], T0)[0]),
        "learning_steps": produce_start - learn_start, "retries": int(data.attrs.get("retries", 0)),
        "melting_K": np.nan if melting is None else melting, "melting_low_K": spread["low_K"],
        "melting_high_K": spread["high_K"], "latent_heat_eV_per_atom": latent_heat(table, melting) / data.n_atoms,
        "frames": len(data), "wall_s": wall_s, **npt_columns(name, config, data, npt),
        **(intact_columns(production_check(data, crystal, system["element"], system["fcc_cells"], potential,
                                           r["quench_frames"], seed))
           if potential is not None and r["quench_frames"] else {}),
    }


def failed_row(run, error):
    """A run that raised (e.g. a production short of momt.min_phase_changes after its retries) is a row too: the
    every-seed targets count it."""
    name, seed = run[0], run[1]
    return {"system": name, "seed": seed, "error": f"{type(error).__name__}: {error}"}


def from_results(name, config, results):
    """The row of a system that a workflow run (its config's seed) already sampled: results/<name>/momt.h5 and
    momt_bias.npz; wall_s from its job benchmark."""
    from nnpdistill import dataset
    from nnpdistill.sample.momt import MOMTSettings

    settings = MOMTSettings.from_config(config["systems"][name], config["momt"], config["crystallinity_fraction"])
    data = dataset.read(Path(results) / name / "momt.h5")
    with np.load(Path(results) / name / "momt_bias.npz") as bias:
        trace, learn_start, produce_start = bias["trace"], int(bias["learn_start"]), int(bias["produce_start"])
    timing = Path(results) / "benchmarks" / "momt" / f"{name}.tsv"
    wall = float(pd.read_csv(timing, sep="\t")["s"].iloc[0]) if timing.exists() else np.nan
    return summary(name, config["seed"], config, settings, data, trace, learn_start, produce_start, wall, results,
                   system_potential(config, name))


def main():
    from nnpdistill.sample.order import KINDS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    parser.add_argument("--systems", nargs="+", default=["ni108", "al108"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=None,
                        help="seed of the first run (default: the config's, that of `make run`)")
    parser.add_argument("--order-parameter", choices=KINDS, default=None,
                        help="override systems.<name>.momt.order_parameter")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--from-results", metavar="RESULTS", default=None,
                        help="no runs: the rows of a finished workflow's results folder (its config's seed)")
    parser.add_argument("--npt", metavar="RESULTS", default=None,
                        help="a results folder with <system>/npt_fcc.h5 and npt_liquid.h5 at T0: check each run's "
                             "reweighted phases against them")
    parser.add_argument("--out", default=str(REPO / "results" / "benchmarks" / "momt_phases.csv"))
    parser.add_argument("--workdir", default=str(REPO / "results" / "benchmarks" / "momt_phases"))
    args = parser.parse_args()
    config = config_with_defaults(args.config)
    if args.from_results:
        rows = [from_results(name, config, args.from_results) for name in args.systems]
    else:
        base = config["seed"] if args.first_seed is None else args.first_seed
        runs = [(name, base + k, args.order_parameter, args.config, args.workdir, args.npt)
                for k in range(args.seeds) for name in args.systems]
        with ProcessPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(one_run, run) for run in runs]
        errors = [f.exception() for f in futures]
        rows = [failed_row(run, e) if e else f.result() for run, f, e in zip(runs, futures, errors)]
    write_table(rows, args.out)


def write_table(rows, out):
    """The benchmark's rows as a CSV at out, and printed."""
    table = pd.DataFrame(rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))


if __name__ == "__main__":
    main()
