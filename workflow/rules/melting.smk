# An independent melting point (`snakemake melting`): direct solid-liquid coexistence with the same EAM, and its
# comparison with the MOMT estimates (momt_thermo.csv) of every system of that element.


rule coexistence:
    input:
        potential=lambda wc: f"results/potentials/{melting_spec(wc.element)['potential']}.eam",
    output:
        trace="results/melting/{element}_coexistence.csv",
        summary="results/melting/{element}.json",
    wildcard_constraints:
        element=_choice(config["melting"]["elements"]),
    params:
        settings=lambda wc: melting_spec(wc.element),
        seed=config["seed"],
        potential=lambda wc: config["potentials"][melting_spec(wc.element)["potential"]],
    log:
        main="results/logs/melting/{element}.log",
        lammps="results/logs/melting/{element}.lammps.log",
    benchmark:
        "results/benchmarks/melting/{element}.tsv"
    threads: rule_resources("npt")["threads"]
    resources:
        **job_resources("npt"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/coexistence.py"


rule melting_table:
    input:
        coexistence=expand("results/melting/{element}.json", element=config["melting"]["elements"]),
        momt=lambda wc: [f"results/{s}/momt_thermo.csv" for s in melting_systems()],
    output:
        table="results/tables/melting.csv",
        png="results/figures/melting.png",
    params:
        systems=lambda wc: {s: config["systems"][s] for s in melting_systems()},
        published=melting_published(),
    log:
        "results/logs/melting/table.log",
    benchmark:
        "results/benchmarks/melting/table.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/melting_table.py"


rule melting:
    input:
        "results/tables/melting.csv",
