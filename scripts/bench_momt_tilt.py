"""Benchmark: does tilting the production's bias toward T0 (momt.production.t0_share) raise the effective frames at
T0, and what does it cost in crystal <-> liquid changes?

Takes finished runs of bench_momt_phases.py (<run>/momt with state.npz and its restart file), and for each share
given runs a new production from the run's learned bias and last configuration: the same bias tilted by
WangLandauBias.tilt_toward (T0's weight read from the learning's last quarter, or with --weights-from-npt from
plain NPT runs at T0), nothing learned again. So each row
pairs with the run's own production (share 0), from the same bias. Rows as bench_momt_phases.py's (changes,
effective frames at T0, melting estimate, NPT check, quenched crystals). Each production keeps its folder in
<workdir>/<run>_t<share>/ and resumes from it.
Usage: python scripts/bench_momt_tilt.py RUN [RUN ...] [--shares 0.1] [--weights-from-npt H5 ...] [--config FILE]
                                        [--npt results] [--jobs 2] [--workdir results/benchmarks/momt_tilt]
                                        [--out results/benchmarks/momt_tilt.csv]
"""

import argparse
import json
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench_momt_phases import REPO, config_with_defaults, run_log, summary, system_potential, write_table


def settings_of(state):
    """The MOMTSettings a checkpoint (its state.npz) was made with."""
    from nnpdistill.sample.momt import settings_from_identity

    return settings_from_identity(json.loads(str(state["state"]))["identity"]["settings"])


def prepare(source, dest, run):
    """Copy the finished run's checkpoint into dest as a learning that has just ended, under run's identity."""
    with np.load(source / "state.npz") as data:
        arrays = {k: data[k] for k in data.files}
    state = json.loads(str(arrays["state"]))
    if state["period"] != "done":
        raise ValueError(f"{source}: the run has not finished (period {state['period']})")
    dest.mkdir(parents=True)
    shutil.copy(source / state["restart"], dest / state["restart"])
    learning = arrays["trace"][:, 0] <= state["produce_start"]  # the trace a workflow run has when learning ends
    state.update(period="learn", ln_f=0.0, frames=0, chunks=[], produce_start=None, cut_short=False,
                 identity=run._identity())
    arrays.update(state=json.dumps(state), tilt=np.zeros_like(arrays["coeffs"]), trace=arrays["trace"][learning])
    np.savez(dest / "state.npz", **arrays)


def npt_tilted_run(weights):
    """A MOMTRun whose production tilt takes T0's weight per bin from `weights` (plain NPT runs at T0,
    bench_momt_flatten.npt_weights) rather than from the learning's last quarter, over every bin the learning
    visited at all (the intact crystal at T0 can sit in bins visited fewer than min_count times)."""
    from nnpdistill.sample.momt import MOMTRun, log

    class NPTTiltedRun(MOMTRun):
        def _tilt(self):
            if not self.s.t0_share:
                return
            visited = self.visits > 0
            self.tilt = self.bias.tilt_toward(np.where(visited, weights, 0.0), self.s.t0_share, int(visited.sum()))
            log.info("production bias tilted toward T0 (share %g) by plain NPT runs' weights over %d visited bins; "
                     "the bias drops by up to %.2f eV", self.s.t0_share, visited.sum(), -self.tilt.min())

    return NPTTiltedRun


def one_production(args):
    run_folder, share, config_path, workdir, npt, weight_runs = args
    from nnpdistill.sample.momt import MOMTRun

    config = config_with_defaults(config_path)
    source = Path(run_folder) / "momt"
    with np.load(source / "state.npz") as state:
        learned = settings_of(state)
    prefix, _, seed = Path(run_folder).name.rpartition("_")  # <system>_<order parameter>_<seed>
    name = prefix[:-len(learned.order_parameter) - 1]
    settings = replace(learned, t0_share=share)
    system = config["systems"][name]
    potential = system_potential(config, name)
    work = Path(workdir) / f"{Path(run_folder).name}_t{share:g}{'_npt' if weight_runs else ''}"
    if weight_runs:
        from bench_momt_flatten import npt_weights

        MOMTRun = npt_tilted_run(npt_weights(weight_runs, learned.window, system["fcc_cells"],
                                             learned.order_parameter))
    run = MOMTRun(system["element"], system["fcc_cells"], potential, settings, seed=int(seed), workdir=work / "momt")
    if not (work / "momt" / "state.npz").exists():
        prepare(source, work / "momt", run)
    start = time.perf_counter()
    with run_log(work / "run.log"):
        data = run.run(min_phase_changes=0, retries=0)
    row = summary(name, int(seed), config, settings, data, np.array(run.trace), run.state["learn_start"],
                  run.state["produce_start"], time.perf_counter() - start, npt, potential)
    return {"run": Path(run_folder).name, "t0_share": share, "t0_weights": "npt" if weight_runs else "learning",
            **row}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="finished run folders of bench_momt_phases.py")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.1])
    parser.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    parser.add_argument("--npt", metavar="RESULTS", default=None,
                        help="a results folder with <system>/npt_fcc.h5 and npt_liquid.h5 at T0")
    parser.add_argument("--weights-from-npt", nargs="+", metavar="H5", default=None,
                        help="T0's weights from these plain NPT runs at T0 (each one state, equal shares)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "results" / "benchmarks" / "momt_tilt.csv"))
    parser.add_argument("--workdir", default=str(REPO / "results" / "benchmarks" / "momt_tilt"))
    args = parser.parse_args()
    jobs = [(run, share, args.config, args.workdir, args.npt, args.weights_from_npt)
            for run in args.runs for share in args.shares]
    with ProcessPoolExecutor(args.jobs) as pool:
        write_table(list(pool.map(one_production, jobs)), args.out)


if __name__ == "__main__":
    main()
