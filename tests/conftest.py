import os
from pathlib import Path

import pytest

os.environ.setdefault("TORCHANI_NO_WARN_EXTENSIONS", "1")

REPO = Path(__file__).resolve().parent.parent
POTENTIAL_FILE = REPO / "resources" / "potentials" / "NiNb.eam.fs"
POTENTIAL_SHA256 = "d561e4abf1dd09ce479e6dce0911e5f0bd73669967545579ab04b1c263ed6a17"


@pytest.fixture
def potential():
    from nnpdistill.potential import Potential

    return Potential(POTENTIAL_FILE, "eam/fs", POTENTIAL_SHA256)
