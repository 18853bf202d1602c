"""Atomic file writes: write to a temporary file beside the target, then rename it over the target."""

import os
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path):
    """Yield a temporary path (same folder and suffix as path) to write; on success it replaces path.

    A reader never sees a half-written file, and a failure or a kill leaves the previous file untouched
    (and at most a hidden temporary file, removed on failure).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
