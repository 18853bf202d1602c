"""Table S3: the cascade of grid reductions of one system's MOMT frames, with the index of each level."""

import logging
import time

import h5py
import pandas as pd

from nnpdistill import dataset, logs, tables
from nnpdistill.atomic import replacing
from nnpdistill.select.distill import cascade, width_scale

logs.to_file(snakemake.log[0])
data = dataset.read(snakemake.input[0], element=snakemake.params.element)
start = time.perf_counter()
# distill.reference_atoms: the configured widths are those of a cell of that many atoms (0: absolute).
scale = width_scale(data.n_atoms, snakemake.params.reference_atoms)
delta_os, delta_h = sorted(snakemake.params.delta_o), snakemake.params.delta_h_eV * scale
# On eq. 2's O, the paper's grid, also where the bias used another O (systems.<name>.momt.order_parameter).
levels = cascade(data.extras["O_eq2"], data.extras["H"], [d * scale for d in delta_os], delta_h)
seconds = time.perf_counter() - start
# Levels keep the configured delta_o as their name (Table S3's, the rounds' labels) and record the width used.
table = pd.DataFrame([{"delta_o": d, "delta_o_used": lv.delta_o, "selected": len(lv.kept), "deleted": len(lv.deleted),
                       "total": lv.total} for d, lv in zip(delta_os, levels)])
tables.write_csv(table, snakemake.output.table)
with replacing(snakemake.output.index) as tmp:
    with h5py.File(tmp, "w") as out:
        out.attrs["source"] = snakemake.input[0]
        out.attrs["delta_h_eV"] = delta_h
        out.attrs["width_scale"] = scale
        out.attrs["description"] = ("frame indices into the source kept and deleted at each level, finest first; "
                                    "each level starts from the frames the previous one kept")
        for k, (d, lv) in enumerate(zip(delta_os, levels)):
            group = out.create_group(f"level_{k}")
            group.attrs["delta_o"] = d
            group.attrs["delta_o_used"] = lv.delta_o
            group.attrs["total"] = lv.total
            group["kept"] = lv.kept
            group["deleted"] = lv.deleted
logging.info("delta_h %.3g eV (widths x %.3g), %d frames, cascade in %.2f s\n%s", delta_h, scale, len(data), seconds,
             table.to_string(index=False))
