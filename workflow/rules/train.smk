# NNP ensembles (Supplementary Note 2): a training set per config entry, one job per member, an ensemble of them.


rule training_set:
    input:
        training_source,
    output:
        "results/train/{set}/data.h5",
    wildcard_constraints:
        set=_choice(config["train"]["sets"]),
    params:
        spec=training_set,
        element=lambda wc: element_of(training_set(wc)["system"]),
    log:
        "results/logs/train/{set}_data.log",
    benchmark:
        "results/benchmarks/train/{set}_data.tsv"
    threads: rule_resources("training_set")["threads"]
    resources:
        **job_resources("training_set"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/training_set.py"


rule train_member:
    input:
        unpack(member_inputs),
    output:
        model="results/train/{set}/member{member}/model.pt",
        history="results/train/{set}/member{member}/history.csv",
    wildcard_constraints:
        member=r"\d+",
    params:
        train=member_settings,
        warm_start=lambda wc: warm_start(wc.set),
        seed=config["seed"],
        # Epoch checkpoints live here, outside the outputs, so a killed job resumes from its last epoch.
        workdir=lambda wc: f"results/train/{wc.set}/member{wc.member}/work",
    log:
        "results/logs/train/{set}_member{member}.log",
    benchmark:
        "results/benchmarks/train/{set}_member{member}.tsv"
    priority: lambda wc: set_priority(wc.set)
    threads: rule_resources("train_member")["threads"]
    resources:
        **job_resources("train_member"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/train_member.py"


rule ensemble:
    input:
        models=lambda wc: expand("results/train/{set}/member{member}/model.pt", set=wc.set, member=members(wc.set)),
        data="results/train/{set}/data.h5",
    output:
        ensemble="results/train/{set}/ensemble.pt",
        summary="results/train/{set}/ensemble.csv",
    log:
        "results/logs/train/{set}_ensemble.log",
    benchmark:
        "results/benchmarks/train/{set}_ensemble.tsv"
    priority: lambda wc: set_priority(wc.set)
    threads: rule_resources("ensemble")["threads"]
    resources:
        **job_resources("ensemble"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/ensemble.py"


rule self_energy_table:
    input:
        lambda wc: expand("results/train/{set}/ensemble.pt", set=config["tables"][f"{wc.table}_sets"]),
    output:
        "results/tables/table_{table}_self_energies.csv",
    wildcard_constraints:
        table="s4|s5",
    log:
        "results/logs/tables/table_{table}.log",
    benchmark:
        "results/benchmarks/tables/table_{table}.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/self_energy_table.py"


rule train:
    input:
        ensemble_outputs(),
