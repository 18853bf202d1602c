# Sampling: conventional NPT runs from crystal and liquid starts (Supplementary Note 1.1).


rule npt:
    input:
        potential=potential_file,
    output:
        "results/{system}/npt_{phase}.h5",
    wildcard_constraints:
        phase="fcc|twin|liquid",
    params:
        system=system,
        npt=settings_without("npt", "systems", "phases"),
        seed=config["seed"],
        crystal_order_fraction=config["crystal_order_fraction"],
        potential=potential_spec,
    log:
        main="results/logs/npt/{system}_{phase}.log",
        lammps="results/logs/npt/{system}_{phase}.lammps.log",
    benchmark:
        "results/benchmarks/npt/{system}_{phase}.tsv"
    threads: rule_resources("npt")["threads"]
    resources:
        **job_resources("npt"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/npt.py"


rule momt:
    input:
        potential=potential_file,
    output:
        dataset="results/{system}/momt.h5",
        bias="results/{system}/momt_bias.npz",
    params:
        system=system,
        # Reweighting settings are read by momt_thermo only: changing them must not rerun the sampling.
        momt=settings_without("momt", "systems", "reweight"),
        seed=config["seed"],
        potential=potential_spec,
        crystallinity_fraction=config["crystallinity_fraction"],  # the phase classifier of the stage counter
        workdir=lambda wildcards: f"results/{wildcards.system}/momt_work",
    log:
        main="results/logs/momt/{system}.log",
        lammps="results/logs/momt/{system}.lammps.log",
    benchmark:
        "results/benchmarks/momt/{system}.tsv"
    priority: lambda wc: momt_priority(wc.system)
    threads: rule_resources("momt")["threads"]
    resources:
        **job_resources("momt"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/momt.py"


rule momt_thermo:
    input:
        unpack(momt_npt_check),
        momt="results/{system}/momt.h5",
        potential=potential_file,
    output:
        csv="results/{system}/momt_thermo.csv",
        png="results/figures/momt_thermo_{system}.png",
    params:
        system=system,
        reweight=config["momt"]["reweight"],
        seed=config["seed"],
        potential=potential_spec,
        crystallinity_fraction=config["crystallinity_fraction"],
        crystal_order_fraction=config["crystal_order_fraction"],
    log:
        "results/logs/momt_thermo/{system}.log",
    benchmark:
        "results/benchmarks/momt_thermo/{system}.tsv"
    threads: rule_resources("momt_thermo")["threads"]
    resources:
        **job_resources("momt_thermo"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/momt_thermo.py"


rule sample:
    input:
        npt_outputs(),
        momt_outputs(),
        expand("results/{system}/momt_thermo.csv", system=config["momt"]["systems"]),
