"""Result tables as CSV, written atomically."""

from .atomic import replacing


def write_csv(table, path, float_format="%.6g"):
    """Write a pandas DataFrame to path through a temporary file, so a reader never sees half a table."""
    with replacing(path) as tmp:
        table.to_csv(tmp, index=False, float_format=float_format)
    return path
