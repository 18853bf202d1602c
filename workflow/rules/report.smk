# The written report: every table and figure with the paper's numbers beside ours (results/report.md).
# `snakemake --report report.html` gives the HTML report of the figures and tables marked report().


rule write_report:
    input:
        unpack(report_inputs),
    output:
        "results/report.md",
    log:
        "results/logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    threads: rule_resources("figures")["threads"]
    resources:
        **job_resources("figures"),
    conda:
        "../../envs/nnpdistill.yaml"
    script:
        "../../scripts/report.py"


rule report:
    input:
        "results/report.md",
