# Figures of the paper's Supplementary Information, each with the CSV behind it.


rule fig_s1a:
    input:
        npt_outputs(),
    output:
        png=report("results/figures/fig_s1a_npt_energy.png", category="Sampling"),
        csv="results/figures/fig_s1a_npt_summary.csv",
    params:
        crystal_order_fraction=config["crystal_order_fraction"],
    log:
        "results/logs/figures/fig_s1a.log",
    benchmark:
        "results/benchmarks/figures/fig_s1a.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/fig_s1a.py"


rule fig_s1b:
    input:
        f"results/{config['figures']['s1b_system']}/momt.h5",
    output:
        report("results/figures/fig_s1b_momt_energy.png", category="Sampling"),
    params:
        crystallinity_fraction=config["crystallinity_fraction"],
    log:
        "results/logs/figures/fig_s1b.log",
    benchmark:
        "results/benchmarks/figures/fig_s1b.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/fig_s1b.py"


rule fig_s3:
    input:
        expand("results/{system}/momt_bias.npz", system=config["figures"]["s3_systems"]),
    output:
        report("results/figures/fig_s3_momt_timeseries.png", category="Sampling"),
    params:
        systems=config["figures"]["s3_systems"],
    log:
        "results/logs/figures/fig_s3.log",
    benchmark:
        "results/benchmarks/figures/fig_s3.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/fig_s3.py"


rule momt_maps:
    input:
        "results/{system}/momt_bias.npz",
    output:
        report("results/figures/momt_bias_{system}.png", category="Sampling"),
    log:
        "results/logs/figures/momt_bias_{system}.log",
    benchmark:
        "results/benchmarks/figures/momt_bias_{system}.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/momt_maps.py"


rule fig_s2:
    input:
        ensembles=expand("results/train/{set}/ensemble.pt", set=config["figures"]["s2_sets"]),
        data=expand("results/train/{set}/data.h5", set=config["figures"]["s2_sets"]),
    output:
        png=report("results/figures/fig_s2_mae.png", category="Training"),
        csv="results/figures/fig_s2_mae.csv",
    params:
        sets=config["figures"]["s2_sets"],
    log:
        "results/logs/figures/fig_s2.log",
    benchmark:
        "results/benchmarks/figures/fig_s2.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/fig_s2.py"
