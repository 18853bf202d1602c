"""The benchmark's answer: learning curves per test set with 95 % intervals over draws and members, the
properties of every member against the EAM's, MD stability, and the paired bootstrap over test frames of each
selection against random (and farthest-point) at equal size, and each active-learning set against the target
(benchmark.target). Writes the tables, the figure and summary.md (a section of the report)."""

import logging

import pandas as pd

from nnpdistill import figures, logs, tables
from nnpdistill.evaluate.learning_curve import answer, curves, label_sets, paired, property_summary, target

logs.to_file(snakemake.log[0])
p = snakemake.params
sets = label_sets(snakemake.params.sets)
scores = pd.concat([pd.read_csv(f) for f in snakemake.input.scores], ignore_index=True)
props = pd.concat([pd.read_csv(f) for f in snakemake.input.properties], ignore_index=True)
md = pd.concat([pd.read_csv(f) for f in snakemake.input.md], ignore_index=True) if snakemake.input.md else None
reference = pd.read_csv(snakemake.input.reference)
curve = curves(scores, sets, p.level, p.resamples, p.seed)
prop = property_summary(props, sets, p.level, p.resamples, p.seed)
# Against random, and the selections against farthest-point too: the target is the better of the two.
pairs = pd.concat([paired(scores, sets, p.level, p.resamples, p.seed),
                   paired(scores, sets, p.level, p.resamples, p.seed, baseline="fps", skip=("random",))],
                  ignore_index=True)
tables.write_csv(curve, snakemake.output.curves)
tables.write_csv(prop, snakemake.output.properties)
tables.write_csv(pairs, snakemake.output.paired)
figures.learning_curves(curve, snakemake.output.figure, snakemake.wildcards.system)
goal = dict(better_by=p.target["better_by"], full_within=p.target["full_within"])
tables.write_csv(target(curve, prop, pairs, **goal), snakemake.output.target)
text = answer(curve, prop, pairs, reference, md, snakemake.wildcards.system, p.level, **goal)
with open(snakemake.output.summary, "w") as out:
    out.write(text)
logging.info("\n%s", text)
