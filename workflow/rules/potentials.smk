# A verified copy of each configured potential; every simulation reads the copy.


rule potential:
    input:
        potential_source,
    output:
        "results/potentials/{potential}.eam",
    params:
        spec=lambda wildcards: config["potentials"][wildcards.potential],
    log:
        "results/logs/potential/{potential}.log",
    benchmark:
        "results/benchmarks/potential/{potential}.tsv"
    threads: rule_resources("potential")["threads"]
    resources:
        **job_resources("potential"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/potential.py"
