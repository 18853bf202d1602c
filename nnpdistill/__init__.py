"""nnp-distill: sampling, distillation and training of neural network potentials."""

import os

# The PyPI torchani wheel has no compiled extensions (cuaev, cell_list) and says so at every import; this
# project does not use them.
os.environ.setdefault("TORCHANI_NO_WARN_EXTENSIONS", "1")
