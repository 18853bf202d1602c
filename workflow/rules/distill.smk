# Distillation (Supplementary Note 4): the grid-reduction cascade of Table S3 on each system's MOMT data.


rule distill_grid:
    input:
        "results/{system}/momt.h5",
    output:
        table="results/{system}/distill/table_s3.csv",
        index="results/{system}/distill/cascade.h5",
    params:
        delta_o=config["distill"]["delta_o"],
        delta_h_eV=config["distill"]["delta_h_eV"],
        reference_atoms=config["distill"]["reference_atoms"],
        element=lambda wc: element_of(wc.system),
    log:
        "results/logs/distill/{system}_grid.log",
    benchmark:
        "results/benchmarks/distill/{system}_grid.tsv"
    priority: lambda wc: system_priority(wc.system)
    threads: rule_resources("distill")["threads"]
    resources:
        **job_resources("distill"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/distill_grid.py"


rule distill:
    input:
        expand("results/{system}/distill/table_s3.csv", system=config["distill"]["systems"]),
