"""Checks of a whole configuration (after the schema has filled in its defaults) that the schema cannot express:
references between sections, sampled data behind every training set, settings that only make sense together.
problems() returns one line per problem, each naming its setting; the workflow stops on any before a job runs.
"""

from .potential import check_config as check_potentials


def al_rounds(config):
    """Rounds after the start: one per cascade level, one per chunk after the first, or active.rounds (pool)."""
    active = config["active"]
    if active["mode"] == "pool":
        return active["rounds"]
    return len(config["distill"]["delta_o"]) if active["mode"] == "cascade" else active["chunks"] - 1


def comparison_methods(config):
    """Training sets of the comparison: the distilled frames retrained from scratch, then the baselines."""
    return ["distilled"] + list(config["active"]["baselines"])


def _check_training(config):
    errors = []
    sets = config["train"]["sets"]
    for name, spec in sets.items():
        where = f"train.sets.{name}"
        if spec["system"] not in config["systems"]:
            errors.append(f"{where}.system: '{spec['system']}' is not a key of systems")
        elif spec["source"] == "momt" and spec["system"] not in config["momt"]["systems"]:
            errors.append(f"{where}.source: momt data of '{spec['system']}' is not sampled (momt.systems)")
        elif spec["source"] != "momt" and (spec["system"] not in config["npt"]["systems"]
                                           or spec["source"][4:] not in config["npt"]["phases"]):
            errors.append(f"{where}.source: {spec['source']} of '{spec['system']}' is not sampled (npt.systems, npt.phases)")
    delta_o = config["distill"]["delta_o"]
    if any(b <= a for a, b in zip(delta_o, delta_o[1:])):
        errors.append(f"distill.delta_o: the widths must increase (finest first), got {delta_o}")
    for name in config["distill"]["systems"]:
        if name not in config["momt"]["systems"]:
            errors.append(f"distill.systems: '{name}' has no MOMT data (momt.systems)")
    for name in config["active"]["systems"]:
        if name not in config["distill"]["systems"]:
            errors.append(f"active.systems: '{name}' is not distilled (distill.systems)")
    active = config["active"]
    round_members = active.get("members") or config["train"]["ensemble_size"]
    if active["systems"] and round_members < 2 and active["uncertainty"] != "maxvol":
        key = "active.members" if active.get("members") else "train.ensemble_size"
        errors.append(f"{key}: active learning (active.systems: {active['systems']}) picks frames by the spread "
                      f"of an ensemble's predictions (active.uncertainty: {active['uncertainty']}), which one member "
                      "cannot have; set it to 2 or more (the paper: 5), use uncertainty: maxvol, or active.systems: []")
    if active["mode"] == "pool" and active["budget"] == 0:
        errors.append("active.budget: active.mode: pool adds a fixed number of frames a round; set active.budget > 0")
    if active["population"] == "absolute" and active["threshold"] <= 0:
        errors.append("active.threshold: active.population: absolute needs a threshold > 0 (eV for "
                      "uncertainty: energy, eV/A for force)")
    if active["diversity"] != "none" and active["budget"] == 0:
        errors.append(f"active.budget: active.diversity: {active['diversity']} chooses among the uncertain frames "
                      "up to a budget; set active.budget > 0, or active.diversity: none")
    known = set(sets) | _derived_sets(config)
    for key, names in (("tables.s4_sets", config["tables"]["s4_sets"]), ("tables.s5_sets", config["tables"]["s5_sets"]),
                       ("figures.s2_sets", config["figures"]["s2_sets"])):
        errors += [f"{key}: '{n}' is neither a key of train.sets nor a set the workflow derives" for n in names
                   if n not in known]
    return errors + _check_evaluation(config, known)


def comparison_sets(config):
    """Names of the comparison's training sets, <system>_<method>, for every active-learning system."""
    return {f"{name}_{m}" for name in config["active"]["systems"] for m in comparison_methods(config)}


def _derived_sets(config):
    """Training sets made by the workflow: active-learning rounds, comparison sets, the translated set."""
    out = comparison_sets(config)
    for name in config["active"]["systems"]:
        out |= {f"{name}_al{r}" for r in range(al_rounds(config) + 1)}
    if config["evaluate"].get("translated"):
        out.add(config["evaluate"]["translated"]["set"])
    return out


def _check_evaluation(config, known):
    errors = []
    evaluate = config["evaluate"]
    for name, spec in evaluate["models"].items():
        if spec["set"] not in known:
            errors.append(f"evaluate.models.{name}.set: '{spec['set']}' is neither a key of train.sets nor a set the "
                          "workflow derives (active.systems, evaluate.translated)")
        if spec["element"] not in evaluate["elements"]:
            errors.append(f"evaluate.models.{name}.element: '{spec['element']}' has no reference (evaluate.elements)")
    for table, names in evaluate["tables"].items():
        errors += [f"evaluate.tables.{table}: '{n}' is not a key of evaluate.models" for n in names
                   if n not in evaluate["models"]]
    translated = evaluate.get("translated")
    if translated:
        if translated["system"] not in config["active"]["systems"]:
            errors.append(f"evaluate.translated.system: '{translated['system']}' has no distilled set (active.systems)")
        for key in ("element", "from_element"):
            if translated[key] not in evaluate["elements"]:
                errors.append(f"evaluate.translated.{key}: '{translated[key]}' has no reference (evaluate.elements)")
    speed = evaluate.get("speed")
    if speed:
        if speed["full"] not in config["momt"]["systems"]:
            errors.append(f"evaluate.speed.full: '{speed['full']}' has no MOMT data (momt.systems)")
        if speed["distilled"] not in config["active"]["systems"]:
            errors.append(f"evaluate.speed.distilled: '{speed['distilled']}' has no distilled set (active.systems)")
    return errors


def _check_benchmark(config):
    errors, bench = [], config["benchmark"]
    for name in bench["systems"]:
        if name not in config["active"]["systems"]:
            errors.append(f"benchmark.systems: '{name}' has no distilled set (active.systems)")
        elif config["systems"][name]["element"] not in config["evaluate"]["elements"]:
            errors.append(f"benchmark.systems: the element of '{name}' has no EAM reference (evaluate.elements)")
    if bench["md"]["sizes"] != "none" and "liquid_3000K" not in bench["unseen_sets"]:
        errors.append("benchmark.md.sizes: the liquid MD starts from the unseen set liquid_3000K; add it to "
                      "benchmark.unseen_sets or set benchmark.md.sizes: none")
    if "pool" in bench["methods"]:
        pool = bench["pool"]
        off = [s for s in bench["sizes"] if s >= pool["start_frames"] and (s - pool["start_frames"]) % pool["budget"]]
        if off:
            errors.append(f"benchmark.sizes: {off} cannot be reached by the pool chain, which holds "
                          f"benchmark.pool.start_frames ({pool['start_frames']}) plus a whole number of "
                          f"benchmark.pool.budget ({pool['budget']}) frames")
        uncertainty = pool.get("uncertainty") or config["active"]["uncertainty"]
        if pool["members"] < 2 and uncertainty != "maxvol":
            errors.append(f"benchmark.pool.members: {pool['members']} member has no spread to score by; the "
                          f"{uncertainty} uncertainty needs 2 or more (only maxvol works with one)")
    if "paper" in bench["methods"]:
        paper = bench["paper"]
        n = paper["members"] or config["train"]["ensemble_size"]
        if n < 2 and paper["uncertainty"] != "maxvol":
            errors.append(f"benchmark.paper.members: {n} member (0: train.ensemble_size) has no spread to score "
                          f"by; the {paper['uncertainty']} uncertainty needs 2 or more")
    return errors


def problems(config, base_dir="."):
    """Every problem of config (defaults filled in), one line each; potential paths are relative to base_dir."""
    errors = []
    for name, system in config["systems"].items():
        if system["potential"] not in config["potentials"]:
            errors.append(f"systems.{name}.potential: '{system['potential']}' is not a key of potentials")
    if "twin" in config["npt"]["phases"]:
        for name in config["npt"]["systems"]:
            if name in config["systems"] and config["systems"][name]["fcc_cells"] % 3:
                errors.append(f"npt.phases: twin needs fcc_cells a multiple of 3; systems.{name}.fcc_cells is "
                              f"{config['systems'][name]['fcc_cells']} (npt.systems)")
    for stage in ("npt", "momt"):
        for name in config[stage]["systems"]:
            if name not in config["systems"]:
                errors.append(f"{stage}.systems: '{name}' is not a key of systems")
            elif stage == "momt" and "momt" not in config["systems"][name]:
                errors.append(f"momt.systems: system '{name}' has no momt window (systems.{name}.momt)")
    for name, spec in config["systems"].items():
        window = spec.get("momt")
        if window is None:
            continue
        for key in ("h_range_eV", "o_range"):
            low, high = window[key]
            if not low < high:
                errors.append(f"systems.{name}.momt.{key}: empty range [{low}, {high}]")
        if not window["t_min_K"] < spec["temperature_K"] < window["t_max_K"]:
            errors.append(f"systems.{name}.momt: need t_min_K < temperature_K < t_max_K, got "
                          f"{window['t_min_K']} < {spec['temperature_K']} < {window['t_max_K']}")
    for key in ("s1b_system", "s3_systems"):
        names = config["figures"][key]
        for name in [names] if isinstance(names, str) else names:
            if name not in config["momt"]["systems"]:
                errors.append(f"figures.{key}: '{name}' is not one of momt.systems")
    for name in config["melting"].get("compare", []):
        if name not in config["systems"]:
            errors.append(f"melting.compare: '{name}' is not a key of systems")
        elif config["systems"][name]["element"] not in config["melting"]["elements"]:
            errors.append(f"melting.compare: {name}'s element {config['systems'][name]['element']} has no "
                          "coexistence run in melting.elements")
    for element, name in config["evaluate"]["elements"].items():
        if name not in config["potentials"]:
            errors.append(f"evaluate.elements.{element}: '{name}' is not a key of potentials")
    errors += _check_training(config)
    errors += _check_benchmark(config)
    errors += check_potentials(config["potentials"], base_dir)
    return errors
