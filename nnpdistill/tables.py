"""Result tables as CSV, written atomically."""

import os
from pathlib import Path


def write_csv(table, path):
    """Write a pandas DataFrame to path through a temporary file, so a reader never sees half a table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_csv(tmp, index=False, float_format="%.6g")
    os.replace(tmp, path)
    return path
