"""Send a job's logging, warnings and stderr (tqdm progress included) to its log file."""

import logging
import sys


def to_file(path):
    """Log to path from here on; returns the open stream (also installed as sys.stderr)."""
    stream = open(path, "w", buffering=1)
    sys.stderr = stream
    logging.basicConfig(stream=stream, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        force=True)
    logging.captureWarnings(True)
    return stream
