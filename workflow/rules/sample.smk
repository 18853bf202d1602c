# Sampling: conventional NPT runs from crystal and liquid starts (Supplementary Note 1.1).


rule npt:
    input:
        potential=potential_file,
    output:
        "results/{system}/npt_{phase}.h5",
    wildcard_constraints:
        phase="fcc|liquid",
    params:
        system=system,
        npt=config["npt"],
        seed=config["seed"],
        crystal_order_fraction=config["crystal_order_fraction"],
        sha256=lambda wildcards: config["potentials"][system(wildcards)["potential"]]["sha256"],
        pair_style=lambda wildcards: config["potentials"][system(wildcards)["potential"]]["pair_style"],
    log:
        main="results/logs/npt/{system}_{phase}.log",
        lammps="results/logs/npt/{system}_{phase}.lammps.log",
    benchmark:
        "results/benchmarks/npt/{system}_{phase}.tsv"
    threads: rule_resources("npt")["threads"]
    resources:
        mem_mb=rule_resources("npt")["mem_mb"],
        runtime=rule_resources("npt")["runtime"],
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/npt.py"


rule sample:
    input:
        npt_outputs(),
