# Active learning on the distilled data (Supplementary Note 4): round 0 trains on the start set; round r scores
# its candidates with round r-1's ensemble and adds the uncertain frames. The DAG is static: round r needs r-1.


rule al_start:
    input:
        momt="results/{system}/momt.h5",
        cascade="results/{system}/distill/cascade.h5",
    output:
        "results/train/{system}_al0/data.h5",
    wildcard_constraints:
        system=_choice(config["active"]["systems"]),
    params:
        active=main_active(),
        chain="al",
        **pool_mode_params(rounds=al_rounds(), aev=config["train"]["aev"]),
    log:
        "results/logs/active/{system}_al0.log",
    benchmark:
        "results/benchmarks/active/{system}_al0.tsv"
    priority: lambda wc: system_priority(wc.system)
    threads: rule_resources("active")["threads"]
    resources:
        **job_resources("active"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/al_start.py"


rule al_select:
    input:
        momt="results/{system}/momt.h5",
        cascade="results/{system}/distill/cascade.h5",
        ensemble=lambda wc: f"results/train/{wc.system}_al{int(wc.round) - 1}/ensemble.pt",
        data=lambda wc: f"results/train/{wc.system}_al{int(wc.round) - 1}/data.h5",
    output:
        data="results/train/{system}_al{round}/data.h5",
        row="results/{system}/active/round{round}.json",
    wildcard_constraints:
        system=_choice(config["active"]["systems"]),
        round=r"[1-9]\d*",
    params:
        active=main_active(),
        chain="al",
        **pool_mode_params(seed=config["seed"]),  # the candidate samples
        crystallinity_fraction=config["crystallinity_fraction"],  # active.coverage's classes
    log:
        "results/logs/active/{system}_al{round}.log",
    benchmark:
        "results/benchmarks/active/{system}_al{round}.tsv"
    priority: lambda wc: system_priority(wc.system)
    threads: rule_resources("active")["threads"]
    resources:
        **job_resources("active"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/al_select.py"


rule al_summary:
    input:
        momt="results/{system}/momt.h5",
        rows=lambda wc: expand("results/{system}/active/round{r}.json", system=wc.system, r=range(1, al_rounds() + 1)),
        summaries=lambda wc: expand("results/train/{system}_al{r}/ensemble.csv", system=wc.system,
                                    r=range(al_rounds() + 1)),
        data=lambda wc: f"results/train/{wc.system}_al{al_rounds()}/data.h5",
    output:
        rounds="results/{system}/active/rounds.csv",
        distilled="results/{system}/active/distilled.h5",
        extxyz="results/{system}/active/distilled.extxyz",
    wildcard_constraints:
        system=_choice(config["active"]["systems"]),
    log:
        "results/logs/active/{system}_summary.log",
    benchmark:
        "results/benchmarks/active/{system}_summary.tsv"
    priority: lambda wc: system_priority(wc.system)
    threads: rule_resources("active")["threads"]
    resources:
        **job_resources("active"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/al_summary.py"


# The figure is its own job, so that a change to the figures reruns no dataset.
rule active_figure:
    input:
        momt="results/{system}/momt.h5",
        distilled="results/{system}/active/distilled.h5",
        rounds="results/{system}/active/rounds.csv",
    output:
        report("results/figures/active_rounds_{system}.png", category="Distillation"),
    wildcard_constraints:
        system=_choice(config["active"]["systems"]),
    log:
        "results/logs/figures/active_rounds_{system}.log",
    benchmark:
        "results/benchmarks/figures/active_rounds_{system}.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/fig_active_rounds.py"


rule active:
    input:
        active_outputs(),
