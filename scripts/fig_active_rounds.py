"""Figure of the active-learning rounds: where each round's frames sit on the (O, H) map, and the training size."""

import pandas as pd

from nnpdistill import dataset, figures, logs

logs.to_file(snakemake.log[0])
figures.active_rounds(dataset.read(snakemake.input.momt), dataset.read(snakemake.input.distilled),
                      pd.read_csv(snakemake.input.rounds), snakemake.output[0], snakemake.wildcards.system)
