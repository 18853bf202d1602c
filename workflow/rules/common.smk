# Config validation, start-up checks and small input functions; no science here.
import os
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

REPO = Path(workflow.basedir).parent

# This checkout's nnpdistill is imported here and by every job, whatever environment runs it
# (the project's .venv, --sdm conda, a SLURM node), so the code that runs is the code in the repository.
sys.path.insert(0, str(REPO))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))


envvars:
    "PYTHONPATH",


from nnpdistill import config_checks



def _validate_config():
    """Snakemake's schema validation (it fills in defaults), with the failing setting named on one line."""
    try:
        validate(config, REPO / "config" / "schema.yaml")
    except WorkflowError as err:
        cause = err.__context__  # the jsonschema ValidationError that snakemake wrapped
        if not hasattr(cause, "absolute_path"):
            raise
        setting = ".".join(str(p) for p in cause.absolute_path) or "(top level)"
        raise WorkflowError(f"Invalid configuration: setting '{setting}': {cause.message}") from None


def _check_config_files():
    """Every --configfile is a mapping without repeated keys (PyYAML keeps the last of two silently). Snakemake
    itself refuses a file that is no mapping before this runs, naming no file: `make run` checks that first."""
    from nnpdistill.configfile import ConfigFileError, check

    try:
        check(workflow.overwrite_configfiles or [])
    except ConfigFileError as err:
        raise WorkflowError(str(err)) from None


_check_config_files()
_validate_config()


def al_rounds():
    return config_checks.al_rounds(config)


def comparison_methods():
    return config_checks.comparison_methods(config)


def _check_config():
    errors = config_checks.problems(config)
    if errors:
        raise WorkflowError("Invalid configuration:\n  " + "\n  ".join(errors))


_check_config()


def _check_results_writable(folder="results"):
    """An unwritable results folder fails now, not after the first long job; a probe file is the only test
    that also holds for root and read-only file systems."""
    path = Path(folder)
    try:
        if path.exists():
            (path / ".write-probe").touch()
            (path / ".write-probe").unlink()
        else:  # leave nothing behind: a lint or a failing start makes no results folder
            path.mkdir()
            path.rmdir()
    except OSError as err:
        raise WorkflowError(f"The results folder '{path.absolute()}' is not writable: {err.strerror}") from None


if workflow.is_main_process and not workflow.dryrun:
    _check_results_writable()


# On a cluster --cores caps every job's threads at that number (the login node's, with profiles/default's
# `cores: all`), silently: say so.
if workflow.is_main_process and not workflow.local_exec and workflow.resource_settings.cores:
    print(f"Warning: --cores {workflow.resource_settings.cores} caps the threads of every cluster job; use "
          "--workflow-profile workflow/profiles/slurm (it replaces profiles/default) and no --cores.", file=sys.stderr)


# A run killed by kill -9 leaves Snakemake's lock files; with this, the same command simply runs again
# (nnpdistill/runlock.py says why that is safe). Jobs (SLURM job steps) parse this file too: only the top-level
# process may judge the locks.
if workflow.is_main_process:
    from nnpdistill.runlock import clear_stale_locks

    for _lock in clear_stale_locks():
        print(f"Removed a stale lock of a killed run: {_lock}", file=sys.stderr)


def add_code_params():
    """Each script's jobs get the param `code`, a fingerprint of the script and of the nnpdistill modules it
    imports (nnpdistill/codehash.py), so Snakemake's params trigger reruns a job when the code it runs
    changes, and not when a comment does. The profiles leave out Snakemake's `code` trigger, which watches the
    script's text only."""
    from nnpdistill.codehash import fingerprint

    for step in workflow.rules:
        if step.script:
            step.set_params(code=fingerprint(Path(step.snakefile).parent / step.script))


def system(wildcards):
    return config["systems"][wildcards.system]


def element_of(system_name):
    """The element of a system: the only species its datasets may hold."""
    return config["systems"][system_name]["element"]


def potential_file(wildcards):
    return f"results/potentials/{system(wildcards)['potential']}.eam"



def potential_source(wildcards):
    path = config["potentials"][wildcards.potential]["path"]
    return path if os.path.exists(path) else []


def settings_without(section, *names):
    """A config section as a job's params, less the keys that do not change that job's output (which systems
    run, settings of later stages), so that editing those does not rerun it."""
    return {key: value for key, value in config[section].items() if key not in names}


def rule_resources(name):
    return config["resources"][name]


def job_resources(name):
    """A rule's resources from the config, so that local runs and cluster profiles read one place: memory and
    wall time, GPUs only where asked (a local run needs no GPU resource), and the SLURM partition and account
    of the cluster section where set (the SLURM executor reads slurm_partition and slurm_account)."""
    spec = rule_resources(name)
    resources = {"mem_mb": spec["mem_mb"], "runtime": spec["runtime"]}
    if spec["gpus"]:
        resources["gpu"] = spec["gpus"]
    cluster = config["cluster"]
    for key in ("partition", "account"):
        if cluster[key]:
            resources[f"slurm_{key}"] = cluster[key]
    if spec["gpus"] and cluster["gpu_partition"]:
        resources["slurm_partition"] = cluster["gpu_partition"]
    return resources


def training_set(wildcards):
    return config["train"]["sets"][wildcards.set]


def _choice(names):
    """A wildcard constraint matching exactly these names (and nothing when there are none)."""
    return "|".join(re.escape(n) for n in names) or "(?!)"


def al_round(name):
    """(system, round, chain) when a training-set name is an active-learning round, else None: chain "al" is the
    main run's (<system>_al<r>, active.mode), "alseq", "alcas" and "alpool" the benchmark's sequential-mode, paper
    and pool-mode chains (<system>_alseq<r>, <system>_alcas<r>; <system>_alpool<r>, and <system>_alpool_d<k>_<r>
    for its further draws)."""
    match = re.fullmatch(r"(.+)_(al|alseq|alcas|alpool|alpool_d\d+_)(\d+)", name)
    if not match:
        return None
    system, chain = match.group(1), match.group(2)
    systems = config["active"]["systems"] if chain == "al" else (
        config["benchmark"]["systems"] if chain in benchmark_chains() else [])
    return (system, int(match.group(3)), chain) if system in systems else None


def pool_chain(draw):
    """The pool-mode chain of one draw (benchmark.pool.draws): <system>_alpool<r> for the first, as before
    draws existed, <system>_alpool_d<k>_<r> for the others."""
    return "alpool" if int(draw) == 0 else f"alpool_d{int(draw)}_"


def is_pool_chain(chain):
    return chain == "alpool" or chain.startswith("alpool_d")


def chain_draw(chain):
    return int(chain[len("alpool_d"):-1]) if chain.startswith("alpool_d") else 0


def benchmark_chains():
    """The benchmark's own active-learning chains that benchmark.methods asks for (the pool chain once a draw)."""
    chains = ["alseq"] if "sequential" in config["benchmark"]["methods"] else []
    chains += ["alcas"] if "paper" in config["benchmark"]["methods"] else []
    if "pool" in config["benchmark"]["methods"]:
        chains += [pool_chain(d) for d in range(config["benchmark"]["pool"]["draws"])]
    return chains


def sequential_rounds():
    return config["active"]["chunks"] - 1


def chain_rounds(chain):
    """Rounds after the start of a benchmark chain: pool mode reaches the largest benchmark size."""
    if chain == "alseq":
        return sequential_rounds()
    if chain == "alcas":
        return len(config["distill"]["delta_o"])
    pool = config["benchmark"]["pool"]
    return max(0, (max(config["benchmark"]["sizes"]) - pool["start_frames"]) // pool["budget"])


POOL_ONLY = ("start_frames", "rounds", "candidates")
PAPER_TRAINING = ("epochs", "warm_start", "members")  # benchmark.paper's keys that are no selection rule


def active_rules():
    """The active section as the selection jobs' params: less the keys that change no selection (training, later
    stages) and, outside pool mode, pool mode's own, so that editing them reruns nothing."""
    pool_keys = () if config["active"]["mode"] == "pool" else POOL_ONLY
    return settings_without("active", "systems", "epochs", "steps", "final_steps", "warm_start", "baselines",
                            "test_frames", "members", *pool_keys)


def main_active():
    """The main chain's selection settings; in pool mode each round is filled to its budget, as the benchmark's
    pool chain's are."""
    active = active_rules()
    if active["mode"] == "pool":
        active["fill"] = True
    return active


def pool_mode_params(**params):
    """Params only the main chain's pool mode reads: none in the other modes, so that their jobs' params (and
    Snakemake's params trigger) stay as they were."""
    return params if config["active"]["mode"] == "pool" else {}


def chain_active(chain):
    """The active settings of a benchmark chain: the main chain's, in its mode (pool: benchmark.pool's start,
    budget, candidates, diversity and uncertainty, if given, each round filled to its budget)."""
    active = dict({k: v for k, v in active_rules().items() if k not in POOL_ONLY},
                  mode="pool" if is_pool_chain(chain) else "sequential")
    if chain == "alcas":  # the paper's rules on its cascade, whatever the main chain's
        paper = config["benchmark"]["paper"]
        active.update({k: v for k, v in paper.items() if k not in PAPER_TRAINING}, mode="cascade")
    if is_pool_chain(chain):
        pool = config["benchmark"]["pool"]
        active.update(start_frames=pool["start_frames"], budget=pool["budget"], candidates=pool["candidates"],
                      diversity=pool["diversity"], fill=True)
        if pool.get("uncertainty"):
            active["uncertainty"] = pool["uncertainty"]
    return active


def chain_inputs(wildcards):
    inputs = {"momt": f"results/{wildcards.system}/momt.h5"}
    if wildcards.chain in ("alseq", "alcas"):
        inputs["cascade"] = f"results/{wildcards.system}/distill/cascade.h5"
    return inputs


def pool_round(size):
    """The pool-mode chain's round that holds `size` frames."""
    pool = config["benchmark"]["pool"]
    return (int(size) - pool["start_frames"]) // pool["budget"]


def member_settings(wildcards):
    """The train settings of a member; rounds after an active-learning start train active.epochs."""
    # cache_gb and checkpoint_seconds change memory use and checkpoints, not results: the job reads them from
    # the config, and they are no params.
    settings = {k: v for k, v in config["train"].items() if k not in ("sets", "cache_gb", "checkpoint_seconds")}
    found = al_round(wildcards.set)
    if found and is_pool_chain(found[2]):  # the pool chain's rounds: a step budget of their own
        settings["steps"] = config["benchmark"]["pool"]["steps"]
    elif found and found[2] == "alcas":  # the paper's: train.epochs, then benchmark.paper.epochs a round
        if found[1] > 0:
            settings["epochs"] = config["benchmark"]["paper"]["epochs"]
    elif found and config["active"]["steps"]:  # every round's members get as many updates, whatever its size
        settings["steps"] = config["active"]["steps"]
    elif found and found[1] > 0:
        settings["epochs"] = config["active"]["epochs"]
    elif final_steps() and wildcards.set in chain_products():
        settings["steps"] = final_steps()  # a pool-mode set of 100 frames is 5 steps an epoch
    if lc_system(wildcards.set):  # learning curves: a step budget, the same for every size
        full = "_lc_full_" in wildcards.set
        settings["steps"] = config["benchmark"]["full_steps" if full else "steps"]
    return settings


def final_steps():
    """Optimizer steps of the sets trained from the distilled set: active.final_steps, else active.steps."""
    return config["active"]["final_steps"] or config["active"]["steps"]


def chain_products():
    """The sets trained from the main chain's distilled set: its comparison sets and the translated set."""
    translated = config["evaluate"].get("translated") or {}
    return config_checks.comparison_sets(config) | ({translated["set"]} if translated else set())


def warm_start(name):
    """Whether a set's members start from the previous round's: active.warm_start for the active-learning chains,
    never for the pool chain, whose rounds each train benchmark.pool.steps from scratch."""
    found = al_round(name)
    if found and found[2] == "alcas":
        return config["benchmark"]["paper"]["warm_start"]
    return bool(found) and not is_pool_chain(found[2]) and config["active"]["warm_start"]


def member_inputs(wildcards):
    inputs = {"data": f"results/train/{wildcards.set}/data.h5"}
    found = al_round(wildcards.set)
    if found and found[1] > 0:
        system, r, chain = found
        inputs["previous"] = f"results/train/{system}_{chain}{r - 1}/member{wildcards.member}/model.pt"
    return inputs


def training_source(wildcards):
    spec = training_set(wildcards)
    return f"results/{spec['system']}/{spec['source']}.h5"


# Scheduling (Snakemake's priority: the order jobs start in, never their results). On a few cores the run ends
# when the active-learning chain does, round after round, and then the ensembles of its distilled set; they go
# first, and the larger MOMT runs start early, since the Ni 108 and Al 108 sets wait for them. Before all of them
# starts the MOMT run of the training-speed comparison's full set: the longest job (15-30 min on a core), with
# the longest job after the chain waiting for it.
PRIORITY_FIRST, PRIORITY_ACTIVE, PRIORITY_AFTER_ACTIVE, PRIORITY_LONG = 40, 30, 20, 10


def momt_priority(system_name):
    if system_name == config["evaluate"].get("speed", {}).get("full"):
        return PRIORITY_FIRST
    return system_priority(system_name)


def system_priority(system_name):
    if system_name in config["active"]["systems"]:
        return PRIORITY_ACTIVE
    return PRIORITY_LONG if config["systems"][system_name]["fcc_cells"] >= 3 else 0


def set_priority(name):
    if al_round(name):
        return PRIORITY_ACTIVE
    return PRIORITY_AFTER_ACTIVE if name in chain_products() else 0


def members(name=None):
    """Member numbers of a training set's ensemble: benchmark.members for learning-curve sets."""
    if name and lc_system(name):
        return range(config["benchmark"]["members"])
    found = al_round(name) if name else None
    if found and is_pool_chain(found[2]):
        return range(config["benchmark"]["pool"]["members"])
    if found and found[2] == "alcas" and config["benchmark"]["paper"]["members"]:
        return range(config["benchmark"]["paper"]["members"])
    if found and found[2] == "al" and config["active"]["members"]:
        return range(config["active"]["members"])
    return range(config["train"]["ensemble_size"])


def ensemble_outputs():
    return expand("results/train/{set}/ensemble.pt", set=config["train"]["sets"])


def active_outputs():
    systems = config["active"]["systems"]
    return expand("results/{system}/active/rounds.csv", system=systems) + expand(
        "results/figures/active_rounds_{system}.png", system=systems) + expand(
        "results/{system}/compare/comparison.csv", system=systems)


def comparison_phases(system):
    """The NPT phases sampled for a system: unseen test data of the comparison."""
    return config["npt"]["phases"] if system in config["npt"]["systems"] else []


def comparison_npt(system):
    return [f"results/{system}/npt_{phase}.h5" for phase in comparison_phases(system)]


def melting_systems():
    """The MOMT systems compared with coexistence: melting.compare, or the momt.systems of its elements."""
    if "compare" in config["melting"]:
        return list(config["melting"]["compare"])
    return [s for s in config["momt"]["systems"] if config["systems"][s]["element"] in config["melting"]["elements"]]


# Keys of the melting section that say what a coexistence run is compared with, not how it runs: kept out of its
# params, so that adding a system to compare or a published value does not rerun half an hour of NPH.
MELTING_COMPARISON_KEYS = ("elements", "compare", "published_K", "published_source")


def melting_spec(element):
    """The coexistence settings of an element: melting's common settings and the element's own."""
    spec = config["melting"]
    merged = {**spec, **spec["elements"][element]}
    return {k: v for k, v in merged.items() if k not in MELTING_COMPARISON_KEYS}


def melting_published():
    """{element: (published melting point in K, its source)} of the melting.elements that name one."""
    return {element: (spec["published_K"], spec.get("published_source", ""))
            for element, spec in config["melting"]["elements"].items() if "published_K" in spec}


def npt_outputs():
    return expand("results/{system}/npt_{phase}.h5", system=config["npt"]["systems"], phase=config["npt"]["phases"])


def momt_npt_check(wildcards):
    """The plain NPT runs at T0 that momt_thermo checks each reweighted phase against: the system's fcc and liquid
    runs, where npt.systems makes them (none otherwise)."""
    n = config["npt"]
    if wildcards.system in n["systems"] and {"fcc", "liquid"} <= set(n["phases"]):
        return {phase: f"results/{wildcards.system}/npt_{phase}.h5" for phase in ("fcc", "liquid")}
    return {}


def momt_outputs():
    return expand("results/{system}/momt.h5", system=config["momt"]["systems"]) + expand(
        "results/{system}/momt_bias.npz", system=config["momt"]["systems"]
    )


def potential_spec(wildcards):
    return config["potentials"][system(wildcards)["potential"]]


def reference_relaxations():
    """The one-row JSON of each EAM reference relaxation (Tables S6, S7)."""
    evaluate = config["evaluate"]
    return expand("results/evaluate/reference/{element}_{structure}.json", element=evaluate["elements"],
                  structure=evaluate["structures"])


def table_element(table):
    """The element of Table S6 or S7: that of its models (Ni for S6, Nb for S7 unless configured otherwise)."""
    models = config["evaluate"]["tables"].get(table, [])
    elements = {config["evaluate"]["models"][m]["element"] for m in models}
    return elements.pop() if len(elements) == 1 else {"s6": "Ni", "s7": "Nb"}[table]


def translated_potential():
    """(file, pair_style) of the EAM that labels the translated data."""
    key = config["evaluate"]["elements"][config["evaluate"]["translated"]["element"]]
    return f"results/potentials/{key}.eam", config["potentials"][key]["pair_style"]


def evaluation_outputs():
    """Tables S6 / S7 with the models they list, and the training-speed table when configured."""
    evaluate = config["evaluate"]
    out = [f"results/tables/table_{t}.csv" for t in ("s6", "s7") if evaluate["tables"].get(t)]
    if evaluate.get("speed"):
        out.append("results/tables/training_speed.csv")
    if evaluate["elastic"] and evaluate["models"]:
        out += ["results/tables/elastic.csv", "results/figures/equations_of_state.png"]
    return out


def elastic_outputs():
    """One table per model and element: the EAM reference of each element an NNP is evaluated for, and the NNPs."""
    models = config["evaluate"]["models"]
    elements = sorted({spec["element"] for spec in models.values()})
    return [f"results/evaluate/elastic/reference_{e}.csv" for e in elements] + [
        f"results/evaluate/elastic/{name}_{spec['element']}.csv" for name, spec in models.items()]


def elastic_inputs(wildcards):
    structures = config["evaluate"]["elastic"]
    if wildcards.model == "reference":
        key = config["evaluate"]["elements"][wildcards.element]
        return {"potential": f"results/potentials/{key}.eam",
                "structures": [f"results/evaluate/reference/{wildcards.element}_{s}.extxyz" for s in structures]}
    spec = config["evaluate"]["models"][wildcards.model]
    return {"ensemble": f"results/train/{spec['set']}/ensemble.pt",
            "structures": [f"results/evaluate/{wildcards.model}/{s}_best.extxyz" for s in structures]}


def report_inputs(wildcards):
    """What results/report.md shows: the files the config asks for, by section name (nnpdistill.report.build)."""
    active, evaluate = config["active"]["systems"], config["evaluate"]
    inputs = {
        "fig_s1a": "results/figures/fig_s1a_npt_energy.png",
        "fig_s1b": "results/figures/fig_s1b_momt_energy.png",
        "fig_s3": "results/figures/fig_s3_momt_timeseries.png",
        "table_s3": expand("results/{system}/distill/table_s3.csv", system=config["distill"]["systems"]),
        "rounds": expand("results/{system}/active/rounds.csv", system=active),
        "active_figures": expand("results/figures/active_rounds_{system}.png", system=active),
        "comparison": expand("results/{system}/compare/comparison.csv", system=active),
        "comparison_figures": expand("results/figures/distillation_comparison_{system}.png", system=active),
        "relax_reference": "results/tables/relax_reference.csv",
        "protocol": str(REPO / "docs" / "relaxation-protocol.md"),
        "momt_thermo": expand("results/{system}/momt_thermo.csv", system=config["momt"]["systems"]),
    }
    for table in ("s4", "s5"):
        if config["tables"][f"{table}_sets"]:
            inputs[f"table_{table}"] = f"results/tables/table_{table}_self_energies.csv"
    if config["figures"]["s2_sets"]:
        inputs["fig_s2"] = "results/figures/fig_s2_mae.png"
    for path in evaluation_outputs():
        inputs[Path(path).stem] = path
    # Coexistence (`snakemake melting`, about 10 min of a core per element) is its own target: the report shows
    # its table once one exists. The benchmark likewise (`snakemake benchmark`, about as long again as the main
    # run): the report shows its summary once one exists, and reruns when it appears or changes.
    if os.path.exists("results/tables/melting.csv"):
        inputs["melting"] = "results/tables/melting.csv"
        inputs["melting_figure"] = "results/figures/melting.png"
    done = [s for s in config["benchmark"]["systems"] if os.path.exists(f"results/benchmark/{s}/summary.md")]
    if done:
        inputs["benchmark"] = [f"results/benchmark/{s}/summary.md" for s in done]
        inputs["benchmark_figures"] = [f"results/figures/learning_curves_{s}.png" for s in done]
    return inputs


# --- benchmark (workflow/rules/benchmark.smk) ------------------------------------------------------------------
def lc_sets(system):
    from nnpdistill.evaluate.learning_curve import set_names

    b = config["benchmark"]
    return set_names(system, b["methods"], b["sizes"], b["random_draws"], b["pool"]["start_frames"],
                     b["pool"]["draws"], b["fps_draws"], main_chain_size())


def main_chain_size():
    """The distilled set's size when the config fixes it (pool mode), else None."""
    active = config["active"]
    return active["start_frames"] + active["rounds"] * active["budget"] if active["mode"] == "pool" else None


def lc_system(name):
    """The system of a learning-curve set name, or None."""
    match = re.fullmatch(r"(.+)_lc_[a-z]+_(?:\d+|distilled|sequential|paper|pool)_d\d+", name)
    return match.group(1) if match and match.group(1) in config["benchmark"]["systems"] else None


def lc_method(name):
    return re.fullmatch(r".+_lc_([a-z]+)_[^_]+_d\d+", name).group(1)


def lc_element(name):
    return config["systems"][lc_system(name)]["element"]


def lc_set_inputs(wildcards):
    inputs = {"momt": f"results/{wildcards.system}/momt.h5"}
    if wildcards.method == "active" or wildcards.size == "distilled":
        inputs["distilled"] = f"results/{wildcards.system}/active/distilled.h5"
    if wildcards.method == "sequential" or wildcards.size == "sequential":
        inputs["chain"] = f"results/train/{wildcards.system}_alseq{sequential_rounds()}/data.h5"
    elif wildcards.method == "paper" or wildcards.size == "paper":
        inputs["chain"] = f"results/train/{wildcards.system}_alcas{chain_rounds('alcas')}/data.h5"
    elif wildcards.method == "pool":
        chain = pool_chain(wildcards.draw)
        inputs["chain"] = f"results/train/{wildcards.system}_{chain}{pool_round(wildcards.size)}/data.h5"
    return inputs


def unseen_files(element):
    return expand("results/unseen/{element}/{name}.h5", element=element, name=config["benchmark"]["unseen_sets"])


def lc_md_sets(system):
    """The sets whose best member runs the MD check (benchmark.md.sizes), and the EAM reference."""
    which = config["benchmark"]["md"]["sizes"]
    if which == "none":
        return []
    names = lc_sets(system)
    if which == "largest":
        largest = str(max(config["benchmark"]["sizes"]))
        names = [n for n in names if f"_{largest}_d0" in n or lc_method(n) in ("active", "sequential", "paper", "full")]
    return ["reference"] + names


def lc_md_inputs(wildcards):
    element = config["systems"][wildcards.system]["element"]
    inputs = {"liquid": f"results/unseen/{element}/liquid_3000K.h5"}
    if wildcards.set == "reference":
        inputs["potential"] = f"results/potentials/{config['systems'][wildcards.system]['potential']}.eam"
    else:
        inputs["ensemble"] = f"results/train/{wildcards.set}/ensemble.pt"
        inputs["reference"] = f"results/benchmark/{wildcards.system}/md/reference.csv"
    return inputs


def lc_fcc_bond(system):
    """The FCC start of the MD check: ASE's reference bond length of the element (Ni 2.49 A; the EAM's 2.486)."""
    from nnpdistill.sample.structures import nearest_neighbour_distance

    return nearest_neighbour_distance(config["systems"][system]["element"])
