# Does distillation work? (`snakemake benchmark`): unseen test sets labelled by the EAM, learning curves of
# selection methods trained the same way, properties and MD stability of every model, intervals and the answer.
# The learning-curve sets are training sets like any other (results/train/<set>/), trained by train.smk's rules.


rule unseen_set:
    input:
        potential=lambda wc: f"results/potentials/{config['evaluate']['elements'][wc.element]}.eam",
    output:
        "results/unseen/{element}/{name}.h5",
    wildcard_constraints:
        element=_choice(config["evaluate"]["elements"]),
        name=_choice(config["benchmark"]["unseen_sets"]),
    params:
        md=config["benchmark"]["unseen"],
        seed=config["seed"],
        pair_style=lambda wc: config["potentials"][config["evaluate"]["elements"][wc.element]]["pair_style"],
    log:
        main="results/logs/benchmark/unseen_{element}_{name}.log",
        lammps="results/logs/benchmark/unseen_{element}_{name}.lammps.log",
    benchmark:
        "results/benchmarks/benchmark/unseen_{element}_{name}.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/unseen_set.py"


rule lc_set:
    input:
        unpack(lc_set_inputs),
    output:
        "results/train/{system}_lc_{method}_{size}_d{draw}/data.h5",
    wildcard_constraints:
        system=_choice(config["benchmark"]["systems"]),
        method=_choice(config["benchmark"]["methods"]),
        size=r"\d+|distilled|sequential|paper|pool",
        draw=r"\d+",
    params:
        holdout_fraction=config["active"]["holdout_fraction"],
        seed=config["seed"],
        aev=config["train"]["aev"],
        delta_h_eV=config["distill"]["delta_h_eV"],
        reference_atoms=config["distill"]["reference_atoms"],
    log:
        "results/logs/benchmark/{system}_lc_{method}_{size}_d{draw}_set.log",
    benchmark:
        "results/benchmarks/benchmark/{system}_lc_{method}_{size}_d{draw}_set.tsv"
    threads: rule_resources("active")["threads"]
    resources:
        **job_resources("active"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/lc_set.py"


# The benchmark's own active-learning chains, as in active.smk: alseq (benchmark.methods: sequential) on
# consecutive chunks of the pool instead of the cascade's deletions, its rounds trained like the main chain's;
# alcas (benchmark.methods: paper) the paper's selection and training (benchmark.paper) on the cascade;
# alpool (benchmark.methods: pool) from a few farthest-point frames, benchmark.pool.budget frames a round, once
# per benchmark.pool.draws (alpool_d<k>_: its own candidate samples and member seeds).
rule lc_chain_start:
    input:
        unpack(chain_inputs),
    output:
        "results/train/{system}_{chain}0/data.h5",
    wildcard_constraints:
        system=_choice(config["benchmark"]["systems"]),
        chain=_choice(benchmark_chains()),
    params:
        active=lambda wc: chain_active(wc.chain),
        chain=lambda wc: wc.chain,
        rounds=lambda wc: chain_rounds(wc.chain),
        aev=config["train"]["aev"],
    log:
        "results/logs/benchmark/{system}_{chain}0.log",
    benchmark:
        "results/benchmarks/benchmark/{system}_{chain}0.tsv"
    priority: PRIORITY_ACTIVE
    threads: rule_resources("active")["threads"]
    resources:
        **job_resources("active"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/al_start.py"


rule lc_chain_select:
    input:
        unpack(chain_inputs),
        ensemble=lambda wc: f"results/train/{wc.system}_{wc.chain}{int(wc.round) - 1}/ensemble.pt",
        data=lambda wc: f"results/train/{wc.system}_{wc.chain}{int(wc.round) - 1}/data.h5",
    output:
        data="results/train/{system}_{chain}{round}/data.h5",
        row="results/benchmark/{system}/{chain}/round{round}.json",
    wildcard_constraints:
        system=_choice(config["benchmark"]["systems"]),
        chain=_choice(benchmark_chains()),
        round=r"[1-9]\d*",
    params:
        active=lambda wc: chain_active(wc.chain),
        chain=lambda wc: wc.chain,
        draw=lambda wc: chain_draw(wc.chain),
        seed=config["seed"],
        crystallinity_fraction=config["crystallinity_fraction"],  # active.coverage's classes
    log:
        "results/logs/benchmark/{system}_{chain}{round}.log",
    benchmark:
        "results/benchmarks/benchmark/{system}_{chain}{round}.tsv"
    priority: PRIORITY_ACTIVE
    threads: rule_resources("active")["threads"]
    resources:
        **job_resources("active"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/al_select.py"


rule lc_reference:
    input:
        potential=lambda wc: f"results/potentials/{config['evaluate']['elements'][wc.element]}.eam",
    output:
        "results/benchmark/reference_{element}.csv",
    wildcard_constraints:
        element=_choice(config["evaluate"]["elements"]),
    params:
        element=lambda wc: wc.element,
        relax=config["evaluate"]["relax"],
        pair_style=lambda wc: config["potentials"][config["evaluate"]["elements"][wc.element]]["pair_style"],
    log:
        "results/logs/benchmark/reference_{element}.log",
    benchmark:
        "results/benchmarks/benchmark/reference_{element}.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/lc_properties.py"


rule lc_properties:
    input:
        ensemble="results/train/{set}/ensemble.pt",
        reference=lambda wc: f"results/benchmark/reference_{lc_element(wc.set)}.csv",
    output:
        "results/benchmark/{system}/properties/{set}.csv",
    wildcard_constraints:
        set=r"[^/]+_lc_[^/]+",
    params:
        element=lambda wc: lc_element(wc.set),
        relax=config["evaluate"]["relax"],
    log:
        "results/logs/benchmark/{system}_{set}_properties.log",
    benchmark:
        "results/benchmarks/benchmark/{system}_{set}_properties.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/lc_properties.py"


rule lc_score:
    input:
        ensemble="results/train/{set}/ensemble.pt",
        data="results/train/{set}/data.h5",
        momt="results/{system}/momt.h5",
        unseen=lambda wc: unseen_files(lc_element(wc.set)),
    output:
        "results/benchmark/{system}/scores/{set}.csv",
    wildcard_constraints:
        set=r"[^/]+_lc_[^/]+",
    params:
        unseen_names=config["benchmark"]["unseen_sets"],
        holdout_fraction=config["active"]["holdout_fraction"],
        test_frames=config["benchmark"]["test_frames"],
    log:
        "results/logs/benchmark/{system}_{set}_score.log",
    benchmark:
        "results/benchmarks/benchmark/{system}_{set}_score.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/lc_score.py"


rule lc_md:
    input:
        unpack(lc_md_inputs),
    output:
        "results/benchmark/{system}/md/{set}.csv",
    wildcard_constraints:
        system=_choice(config["benchmark"]["systems"]),
        set=r"[^/]+_lc_[^/]+|reference",
    params:
        md=config["benchmark"]["md"],
        seed=config["seed"],
        element=lambda wc: config["systems"][wc.system]["element"],
        bond_length_A=lambda wc: lc_fcc_bond(wc.system),
        pair_style=lambda wc: config["potentials"][config["systems"][wc.system]["potential"]]["pair_style"],
    log:
        "results/logs/benchmark/{system}_{set}_md.log",
    benchmark:
        "results/benchmarks/benchmark/{system}_{set}_md.tsv"
    threads: rule_resources("evaluate")["threads"]
    resources:
        **job_resources("evaluate"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/lc_md.py"


rule lc_summary:
    input:
        scores=lambda wc: expand("results/benchmark/{system}/scores/{set}.csv", system=wc.system,
                                 set=lc_sets(wc.system)),
        properties=lambda wc: expand("results/benchmark/{system}/properties/{set}.csv", system=wc.system,
                                     set=lc_sets(wc.system)),
        md=lambda wc: expand("results/benchmark/{system}/md/{set}.csv", system=wc.system,
                             set=lc_md_sets(wc.system)),
        reference=lambda wc: f"results/benchmark/reference_{config['systems'][wc.system]['element']}.csv",
    output:
        curves="results/benchmark/{system}/learning_curves.csv",
        properties="results/benchmark/{system}/properties.csv",
        paired="results/benchmark/{system}/paired.csv",
        summary="results/benchmark/{system}/summary.md",
        target="results/benchmark/{system}/target.csv",
        figure=report("results/figures/learning_curves_{system}.png", category="Benchmark"),
    wildcard_constraints:
        system=_choice(config["benchmark"]["systems"]),
    params:
        sets=lambda wc: lc_sets(wc.system),
        level=config["benchmark"]["level"],
        resamples=config["benchmark"]["resamples"],
        target=config["benchmark"]["target"],
        seed=config["seed"],
    log:
        "results/logs/benchmark/{system}_summary.log",
    benchmark:
        "results/benchmarks/benchmark/{system}_summary.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/lc_summary.py"


rule benchmark:
    input:
        expand("results/benchmark/{system}/summary.md", system=config["benchmark"]["systems"]),
