"""results/report.md from the run's tables and figures (nnpdistill.report)."""

from pathlib import Path

from nnpdistill import logs, report
from nnpdistill.atomic import replacing

logs.to_file(snakemake.log[0])
inputs = {name: (value if isinstance(value, str) else list(value)) for name, value in snakemake.input.items()}
text = report.build(snakemake.config, inputs, Path(snakemake.output[0]).parent)
with replacing(snakemake.output[0]) as tmp:
    Path(tmp).write_text(text)
