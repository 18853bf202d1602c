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


rule evaluate:
    input:
        reference_relaxations(),
        expand("results/evaluate/reference/{element}_{structure}.extxyz",
               element=config["evaluate"]["elements"], structure=config["evaluate"]["structures"]),
        "results/tables/relax_reference.csv",
