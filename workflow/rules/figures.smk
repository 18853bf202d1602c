# Figures of the paper's Supplementary Information, each with the CSV behind it.


rule fig_s1a:
    input:
        npt_outputs(),
    output:
        png="results/figures/fig_s1a_npt_energy.png",
        csv="results/figures/fig_s1a_npt_summary.csv",
    params:
        crystal_order_fraction=config["crystal_order_fraction"],
    log:
        "results/logs/figures/fig_s1a.log",
    benchmark:
        "results/benchmarks/figures/fig_s1a.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        mem_mb=rule_resources("figures")["mem_mb"],
        runtime=rule_resources("figures")["runtime"],
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/fig_s1a.py"
