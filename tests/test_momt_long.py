"""A 1 ns Ni 32 learning run at the default settings: no lost atoms, and the force factor inside its band."""

import logging

import numpy as np
import pytest
import yaml

from nnpdistill.sample.momt import MOMTRun, MOMTSettings
from nnpdistill.sample.order import phase_crossings
from tests.conftest import REPO


@pytest.mark.slow
def test_one_nanosecond_of_ni32_learning(tmp_path, potential, caplog):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    # The default settings, except that ln f may not end the learning early: a full nanosecond is run.
    learning = dict(config["momt"]["learning"], ln_f_final=1e-12, max_steps=1_000_000)
    momt = dict(config["momt"], learning=learning, production={"n_frames": 10, "sample_every": 100},
                checkpoint_every=250000)
    settings = MOMTSettings.from_config(config["systems"]["ni32"], momt, 0.5)
    assert settings.learning.max_steps == 1_000_000 and settings.timestep_fs == 1.0  # 1 ns of learning
    run = MOMTRun("Ni", 2, potential, settings, seed=config["seed"], workdir=tmp_path)
    with caplog.at_level(logging.INFO, logger="nnpdistill.sample.momt"):
        data = run.run()  # LAMMPS' "Lost atoms" or a failed callback would raise here
    low, high = run.state["factor_min"], run.state["factor_max"]
    band = run.bias.factor_range()
    logging.getLogger(__name__).info("1 + d dH/dH in [%.4f, %.4f], band %s", low, high, band)
    assert band[0] - 1e-9 <= low and high <= band[1] + 1e-9
    assert any("learning ends after 1000000 steps" in r.message for r in caplog.records)
    trace = np.array(run.trace)
    learning = trace[(trace[:, 0] >= run.state["learn_start"]) & (trace[:, 0] < run.state["produce_start"])]
    assert phase_crossings(learning[:, 6], 32, 0.5) >= 10
    assert len(data) == 10 and np.isfinite(data.forces).all()
