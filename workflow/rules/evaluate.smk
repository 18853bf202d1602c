# Evaluation (Supplementary Notes 3 and 6, Tables S6 and S7): relaxed FCC, BCC and HCP crystals.


rule relax_reference:
    input:
        potential=lambda wc: f"results/potentials/{config['evaluate']['elements'][wc.element]}.eam",
    output:
        structure="results/evaluate/reference/{element}_{structure}.extxyz",
        row="results/evaluate/reference/{element}_{structure}.json",
    wildcard_constraints:
        element=_choice(config["evaluate"]["elements"]),
        structure=_choice(config["evaluate"]["structures"]),
    params:
        relax=config["evaluate"]["relax"],
        repeat=lambda wc: config["evaluate"]["repeats"][wc.structure],
        # Only the HCP jobs see c/a, so changing it reruns only them.
        c_over_a=lambda wc: config["evaluate"]["hcp_c_over_a"] if wc.structure == "hcp" else None,
        pair_style=lambda wc: config["potentials"][config["evaluate"]["elements"][wc.element]]["pair_style"],
    log:
        main="results/logs/evaluate/reference_{element}_{structure}.log",
        lammps="results/logs/evaluate/reference_{element}_{structure}.lammps.log",
    benchmark:
        "results/benchmarks/evaluate/reference_{element}_{structure}.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/relax_reference.py"


rule relax_reference_table:
    input:
        reference_relaxations(),
    output:
        "results/tables/relax_reference.csv",
    log:
        "results/logs/evaluate/relax_reference_table.log",
    benchmark:
        "results/benchmarks/evaluate/relax_reference_table.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/relax_reference_table.py"


rule relax_nnp:
    input:
        ensemble=lambda wc: f"results/train/{config['evaluate']['models'][wc.model]['set']}/ensemble.pt",
    output:
        rows="results/evaluate/{model}/{structure}.json",
        best="results/evaluate/{model}/{structure}_best.extxyz",
        mean="results/evaluate/{model}/{structure}_mean.extxyz",
    wildcard_constraints:
        model=_choice(config["evaluate"]["models"]),
        structure=_choice(config["evaluate"]["structures"]),
    params:
        element=lambda wc: config["evaluate"]["models"][wc.model]["element"],
        set=lambda wc: config["evaluate"]["models"][wc.model]["set"],
        relax=config["evaluate"]["relax"],
        repeat=lambda wc: config["evaluate"]["repeats"][wc.structure],
        c_over_a=lambda wc: config["evaluate"]["hcp_c_over_a"] if wc.structure == "hcp" else None,
    log:
        "results/logs/evaluate/{model}_{structure}.log",
    benchmark:
        "results/benchmarks/evaluate/{model}_{structure}.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/relax_nnp.py"


rule relaxation_table:
    input:
        reference=lambda wc: expand("results/evaluate/reference/{element}_{structure}.json",
                                    element=table_element(wc.table), structure=config["evaluate"]["structures"]),
        nnp=lambda wc: expand("results/evaluate/{model}/{structure}.json",
                              model=config["evaluate"]["tables"][wc.table], structure=config["evaluate"]["structures"]),
    output:
        report("results/tables/table_{table}.csv", category="Evaluation"),
    wildcard_constraints:
        table="s6|s7",
    params:
        element=lambda wc: table_element(wc.table),
        structures=config["evaluate"]["structures"],
    log:
        "results/logs/evaluate/table_{table}.log",
    benchmark:
        "results/benchmarks/evaluate/table_{table}.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/relaxation_table.py"


rule translated_set:
    input:
        distilled=lambda wc: f"results/{config['evaluate']['translated']['system']}/active/distilled.h5",
        source_bcc=lambda wc: f"results/evaluate/reference/{config['evaluate']['translated']['from_element']}_bcc.json",
        target_bcc=lambda wc: f"results/evaluate/reference/{config['evaluate']['translated']['element']}_bcc.json",
        potential=lambda wc: translated_potential()[0],
    output:
        "results/train/{set}/data.h5",
    wildcard_constraints:
        set=_choice([config["evaluate"]["translated"]["set"]] if config["evaluate"].get("translated") else []),
    params:
        translated=config["evaluate"].get("translated"),
        pair_style=lambda wc: translated_potential()[1],
    log:
        "results/logs/evaluate/{set}_data.log",
    benchmark:
        "results/benchmarks/evaluate/{set}_data.tsv"
    priority: PRIORITY_AFTER_ACTIVE
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/translated_set.py"


rule training_speed:
    input:
        full=lambda wc: f"results/{config['evaluate']['speed']['full']}/momt.h5",
        distilled=lambda wc: f"results/{config['evaluate']['speed']['distilled']}/active/distilled.h5",
    output:
        report("results/tables/training_speed.csv", category="Evaluation"),
    params:
        train=settings_without("train", "sets"),
        seed=config["seed"],
        epochs=config["evaluate"].get("speed", {}).get("epochs"),
        full_epochs=config["evaluate"].get("speed", {}).get("full_epochs"),
        full_frames=config["evaluate"].get("speed", {}).get("full_frames"),
    log:
        "results/logs/evaluate/training_speed.log",
    benchmark:
        "results/benchmarks/evaluate/training_speed.tsv"
    priority: PRIORITY_AFTER_ACTIVE + 1  # the longest job after the active-learning chain: start it first
    threads: rule_resources("train_member")["threads"]
    resources:
        **job_resources("train_member"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/training_speed.py"


rule elastic:
    input:
        unpack(elastic_inputs),
    output:
        "results/evaluate/elastic/{model}_{element}.csv",
    wildcard_constraints:
        model=_choice(["reference"] + list(config["evaluate"]["models"])),
        element=_choice(config["evaluate"]["elements"]),
    params:
        structures=config["evaluate"]["elastic"],
        pair_style=lambda wc: config["potentials"][config["evaluate"]["elements"][wc.element]]["pair_style"],
    log:
        "results/logs/evaluate/elastic_{model}_{element}.log",
    benchmark:
        "results/benchmarks/evaluate/elastic_{model}_{element}.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/elastic.py"


rule elastic_table:
    input:
        elastic_outputs(),
    output:
        csv=report("results/tables/elastic.csv", category="Evaluation"),
        png=report("results/figures/equations_of_state.png", category="Evaluation"),
    log:
        "results/logs/evaluate/elastic_table.log",
    benchmark:
        "results/benchmarks/evaluate/elastic_table.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/elastic_table.py"


rule evaluate:
    input:
        reference_relaxations(),
        expand("results/evaluate/reference/{element}_{structure}.extxyz",
               element=config["evaluate"]["elements"], structure=config["evaluate"]["structures"]),
        "results/tables/relax_reference.csv",
        evaluation_outputs(),
