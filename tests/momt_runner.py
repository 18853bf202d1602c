"""Run a tiny MOMT job in its own process, so that a test can kill it with SIGKILL: momt_runner.py WORKDIR OUT.h5"""

import sys

from nnpdistill import dataset
from nnpdistill.sample.momt import LearningSchedule, MOMTRun, MOMTSettings
from nnpdistill.potential import Potential
from nnpdistill.sample.wang_landau import Window
from tests.conftest import POTENTIAL_FILE

SETTINGS = MOMTSettings(
    temperature_K=2000.0, pressure_bar=1.0, t_min_K=1000.0, t_max_K=4000.0,
    window=Window(-165.0, -125.0, 60, -5.0, 40.0, 110), kernel_bins=(2.0, 2.0), timestep_fs=1.0, tdamp_fs=100.0,
    pdamp_fs=1000.0, equilibrate_steps=1000,
    learning=LearningSchedule(ln_f_initial=0.5, ln_f_final=1e-3, ln_f_factor=0.5, flatness=0.0, min_count=5,
                              deposit_every=5, check_every=2000, max_steps=16000, one_over_t=True),
    n_frames=300, sample_every=50, checkpoint_every=4000, trace_every=50,
)


def run(workdir, out):
    momt = MOMTRun("Ni", 2, Potential(POTENTIAL_FILE), SETTINGS, seed=11, workdir=workdir)
    dataset.write(out, momt.run())
    return momt


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])
