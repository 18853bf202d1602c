# Does distillation work? The distilled set against selections of its size (random, farthest-point), each
# trained from scratch as an ensemble and scored on data none saw (NPT runs, the held-out MOMT block).


rule comparison_set:
    input:
        momt="results/{system}/momt.h5",
        distilled="results/{system}/active/distilled.h5",
    output:
        "results/train/{system}_{method}/data.h5",
    wildcard_constraints:
        system=_choice(config["active"]["systems"]),
        method=_choice(comparison_methods()),
    params:
        holdout_fraction=config["active"]["holdout_fraction"],
        seed=config["seed"],
        aev=config["train"]["aev"],
    log:
        "results/logs/compare/{system}_{method}_set.log",
    benchmark:
        "results/benchmarks/compare/{system}_{method}_set.tsv"
    priority: PRIORITY_AFTER_ACTIVE
    threads: rule_resources("active")["threads"]
    resources:
        **job_resources("active"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/comparison_set.py"


rule comparison:
    input:
        momt="results/{system}/momt.h5",
        npt=lambda wc: comparison_npt(wc.system),
        ensembles=lambda wc: expand("results/train/{system}_{m}/ensemble.pt", system=wc.system,
                                    m=comparison_methods()),
        data=lambda wc: expand("results/train/{system}_{m}/data.h5", system=wc.system, m=comparison_methods()),
        round_ensembles=lambda wc: expand("results/train/{system}_al{r}/ensemble.pt", system=wc.system,
                                          r=range(al_rounds() + 1)),
        round_data=lambda wc: expand("results/train/{system}_al{r}/data.h5", system=wc.system,
                                     r=range(al_rounds() + 1)),
    output:
        csv="results/{system}/compare/comparison.csv",
        png=report("results/figures/distillation_comparison_{system}.png", category="Distillation"),
    wildcard_constraints:
        system=_choice(config["active"]["systems"]),
    params:
        methods=comparison_methods(),
        npt_names=lambda wc: [f"npt_{p}" for p in comparison_phases(wc.system)],
        holdout_fraction=config["active"]["holdout_fraction"],
        test_frames=config["active"]["test_frames"],
        element=lambda wc: element_of(wc.system),
    log:
        "results/logs/compare/{system}.log",
    benchmark:
        "results/benchmarks/compare/{system}.tsv"
    threads: rule_resources("active")["threads"]
    resources:
        **job_resources("active"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/compare_score.py"
