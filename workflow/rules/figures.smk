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
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/fig_s1a.py"


rule fig_s1b:
    input:
        f"results/{config['figures']['s1b_system']}/momt.h5",
    output:
        "results/figures/fig_s1b_momt_energy.png",
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
        "results/figures/fig_s3_momt_timeseries.png",
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
        "results/figures/momt_bias_{system}.png",
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
        png="results/figures/fig_s2_mae.png",
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
