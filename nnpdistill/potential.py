"""EAM potential files: locate, download and verify by sha256 before use."""

import hashlib
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .atomic import replacing


class PotentialError(RuntimeError):
    """A potential file is missing, unreadable or not the one the config names."""


@dataclass(frozen=True)
class Potential:
    """An EAM potential as LAMMPS uses it: `pair_style <pair_style>`, `pair_coeff * * <path> <elements...>`."""

    path: Path
    pair_style: str = "eam/fs"
    sha256: str = ""

    @property
    def elements(self):
        """The elements a setfl file (eam/alloy, eam/fs) describes, from its fourth line; None for other styles."""
        if self.pair_style.split("/")[-1] not in ("alloy", "fs"):
            return None
        with open(self.path) as handle:
            fields = [next(handle) for _ in range(4)][3].split()
        return tuple(fields[1:1 + int(fields[0])])


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, expected_sha256, setting="potential"):
    """Raise PotentialError naming the file, the setting and both hashes unless the file's sha256 matches."""
    path = Path(path)
    if not path.is_file():
        raise PotentialError(f"{setting}: potential file '{path}' does not exist")
    actual = sha256_of(path)
    if actual != expected_sha256.lower():
        raise PotentialError(
            f"{setting}: potential file '{path}' has sha256 {actual}, but the config expects {expected_sha256}"
        )
    return actual


def check_config(potentials, base_dir="."):
    """Start-up check of the config's `potentials` section: each file exists (or has a url) and matches its hash.

    Returns the list of error messages, empty when all is well; each names the setting and the file.
    """
    errors = []
    for name, spec in potentials.items():
        setting = f"potentials.{name}"
        path = Path(base_dir, spec["path"])
        if not path.exists():
            if not spec.get("url"):
                errors.append(f"{setting}.path: potential file '{path}' does not exist and no url is given")
            continue
        try:
            verify(path, spec["sha256"], setting=f"{setting}.sha256")
        except PotentialError as err:
            errors.append(str(err))
    return errors


def fetch(url, destination, expected_sha256, setting="potential"):
    """Download url to destination atomically, keeping it only if its sha256 matches."""
    with replacing(destination) as tmp:
        with open(tmp, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            shutil.copyfileobj(response, out)
        verify(tmp, expected_sha256, setting=setting)
    return Path(destination)


def install(spec, destination, base_dir=".", setting="potential"):
    """Put a verified copy of the configured potential at destination (copied, or downloaded from its url)."""
    source = Path(base_dir, spec["path"])
    destination = Path(destination)
    if not source.exists() and spec.get("url"):
        return fetch(spec["url"], destination, spec["sha256"], setting=setting)
    verify(source, spec["sha256"], setting=setting)
    with replacing(destination) as tmp:
        shutil.copyfile(source, tmp)
    return destination
