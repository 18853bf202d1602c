"""Table S3: the cascade of grid reductions of one system's MOMT frames, with the index of each level."""

import logging
import time

import h5py
import pandas as pd

from nnpdistill import dataset, logs, tables
from nnpdistill.atomic import replacing
from nnpdistill.select.distill import cascade

logs.to_file(snakemake.log[0])
data = dataset.read(snakemake.input[0], element=snakemake.params.element)
start = time.perf_counter()
levels = cascade(data.extras["O"], data.extras["H"], snakemake.params.delta_o, snakemake.params.delta_h_eV)
seconds = time.perf_counter() - start
table = pd.DataFrame([{"delta_o": lv.delta_o, "selected": len(lv.kept), "deleted": len(lv.deleted),
                       "total": lv.total} for lv in levels])
tables.write_csv(table, snakemake.output.table)
with replacing(snakemake.output.index) as tmp:
    with h5py.File(tmp, "w") as out:
        out.attrs["source"] = snakemake.input[0]
        out.attrs["delta_h_eV"] = snakemake.params.delta_h_eV
        out.attrs["description"] = ("frame indices into the source kept and deleted at each level, finest first; "
                                    "each level starts from the frames the previous one kept")
        for k, lv in enumerate(levels):
            group = out.create_group(f"level_{k}")
            group.attrs["delta_o"] = lv.delta_o
            group.attrs["total"] = lv.total
            group["kept"] = lv.kept
            group["deleted"] = lv.deleted
logging.info("delta_h %.3g eV, %d frames, cascade in %.2f s\n%s", snakemake.params.delta_h_eV, len(data), seconds,
             table.to_string(index=False))
