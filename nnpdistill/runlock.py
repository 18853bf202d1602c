"""Make "run the same command again" work after a workflow was killed (kill -9, OOM killer, a lost node).

Snakemake locks its working directory with plain files in .snakemake/locks/ and removes them on exit; a killed
run leaves them behind, and the next run then refuses to start until `snakemake --unlock`. Those files cannot tell
a live run from a dead one. An OS lock (flock) can: the kernel drops it when its process dies, however it dies.
So each top-level snakemake process of this workflow holds one on .snakemake/nnpdistill.flock for its lifetime;
a process that gets it knows no other run of the workflow is alive in this folder, so any Snakemake lock files
are stale, and removes them. When the flock is taken, another run is alive and nothing is touched.
flock is local to one machine: runs started on different login nodes of a shared file system are not seen.
"""

import fcntl
from pathlib import Path

_held = []  # the open lock file, kept for the life of the process


def clear_stale_locks(workdir="."):
    """Take this folder's run lock; if it was free, delete Snakemake's lock files. Returns the deleted paths."""
    if _held:  # this process already holds it (the Snakefile was parsed twice)
        return []
    meta = Path(workdir) / ".snakemake"
    meta.mkdir(exist_ok=True)
    handle = open(meta / "nnpdistill.flock", "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return []
    _held.append(handle)
    stale = sorted((meta / "locks").glob("*.lock"))
    for path in stale:
        path.unlink()
    return stale
