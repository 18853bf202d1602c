"""Direct solid-liquid coexistence: a tiny Ni slab runs with real LAMMPS and its interface is tracked; the
melting point and its interval from a trace, and the error when one phase takes the cell over."""

import numpy as np
import pytest

from nnpdistill.sample.coexistence import CoexistenceError, CoexistenceSettings, melting_point, run


def test_tiny_slab_runs_and_tracks_its_solid_share_and_interface(potential):
    settings = CoexistenceSettings(cells=(3, 3, 6), guess_K=1900.0, equilibrate_steps=500, melt_steps=1500,
                                   settle_steps=200, nph_steps=1000, sample_every=100)
    trace = run("Ni", potential, settings, seed=3)
    assert len(trace["time_ps"]) == 10 and trace["time_ps"][-1] == pytest.approx(2.0)
    assert 0.2 < trace["crystal_cna_share"] <= 1.0  # the hot crystal's FCC + HCP share, the reference
    np.testing.assert_allclose(trace["interface_A"], trace["solid_share"] * trace["lz_A"])
    # right after the upper half melted, about half the cell is crystalline
    assert 0.2 < trace["solid_share"][0] < 0.85
    assert np.all((trace["temperature_K"] > 1000.0) & (trace["temperature_K"] < 3000.0))


def synthetic(share):
    rng = np.random.default_rng(0)
    n = 200
    return {"time_ps": np.arange(n) * 0.5, "temperature_K": 1950.0 + rng.normal(0.0, 10.0, n),
            "solid_share": np.full(n, share)}


def test_melting_point_is_the_late_mean_temperature_with_an_interval():
    trace = synthetic(0.5)
    mean, low, high = melting_point(trace)
    assert mean == pytest.approx(trace["temperature_K"][100:].mean())
    assert low < mean < high and high - low < 10.0


@pytest.mark.parametrize("share, phase", [(0.02, "melted"), (0.97, "froze")])
def test_one_phase_taking_the_cell_over_is_an_error_naming_it(share, phase):
    with pytest.raises(CoexistenceError, match=f"the cell {phase}"):
        melting_point(synthetic(share))


def test_melting_figure_draws_each_element_against_its_coexistence_band(tmp_path):
    import pandas as pd

    from nnpdistill import figures

    table = pd.DataFrame({
        "system": ["ni32", "ni108", "al108"], "element": ["Ni", "Ni", "Al"], "atoms": [32, 108, 108],
        "momt_melting_K": [2469.0, np.nan, 1156.0], "momt_low_K": [2438.0, np.nan, 1152.0],
        "momt_high_K": [2496.0, np.nan, 1211.0], "coexistence_K": [1939.0, 1939.0, 924.0],
        "coexistence_low_K": [1925.0, 1925.0, 910.0], "coexistence_high_K": [1954.0, 1954.0, 938.0],
        "coexistence_atoms": [1728, 1728, 1728]})
    figures.melting_sizes(table, tmp_path / "melting.png")
    assert (tmp_path / "melting.png").stat().st_size > 10_000


def test_melting_figure_draws_a_published_value_where_the_table_has_one(tmp_path):
    import pandas as pd

    from nnpdistill import figures

    table = pd.DataFrame({
        "system": ["al108"], "element": ["Al"], "atoms": [108], "momt_melting_K": [1010.0], "momt_low_K": [1002.0],
        "momt_high_K": [1021.0], "coexistence_K": [919.0], "coexistence_low_K": [911.0],
        "coexistence_high_K": [926.0], "coexistence_atoms": [1728], "published_K": [926.0],
        "published_source": ["Mendelev et al. 2008"]})
    figures.melting_sizes(table, tmp_path / "with.png")
    figures.melting_sizes(table.drop(columns=["published_K", "published_source"]), tmp_path / "without.png")
    assert (tmp_path / "with.png").read_bytes() != (tmp_path / "without.png").read_bytes()


def test_melting_table_sets_momt_against_coexistence_and_comparisons_do_not_rerun_it(test_run, tmp_path):
    """`snakemake melting` on a copy of the shared run: coexistence of a tiny slab, then melting.csv with the MOMT
    estimate, coexistence and the published value side by side. melting.compare and the published value say what
    coexistence is set against, not how it runs: editing them leaves the coexistence run done, a run setting
    does not."""
    import shutil

    import pandas as pd

    from tests.workflow_helpers import config_from, snakemake

    run = shutil.copytree(test_run, tmp_path / "run", symlinks=True)

    def melting(**changes):
        def edit(config):
            # a tiny slab and under 1 ps of NPH: too short for either phase to take the cell over
            config["melting"] = {"elements": {"Ni": {"potential": "ninb", "guess_K": 2000.0, "published_K": 1728.0,
                                                     "published_source": "experiment"}},
                                 "cells": [3, 3, 6], "equilibrate_steps": 300, "melt_steps": 1500,
                                 "settle_steps": 200, "nph_steps": 400, "sample_every": 20}
            for key, value in changes.items():
                (config["melting"]["elements"]["Ni"] if key.startswith("published") else config["melting"])[key] = value
        return config_from("test.yaml", run, edit)

    done = snakemake(run, melting(), "melting")
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(run / "results/tables/melting.csv")
    thermo = pd.read_csv(run / "results/ni32/momt_thermo.csv").iloc[0]
    row = table.set_index("system").loc["ni32"]
    assert row.element == "Ni" and row.atoms == 32
    np.testing.assert_equal(row.momt_melting_K, thermo.melting_estimate_K)  # NaN when the tiny run never crosses
    assert row.published_K == 1728.0 and row.published_source == "experiment"
    assert row.coexistence_minus_published_K == pytest.approx(row.coexistence_K - 1728.0, abs=0.01)  # rounded apart
    assert (run / "results/figures/melting.png").stat().st_size > 10_000

    def planned(config):
        result = snakemake(run, config, "melting", "--dry-run")
        assert result.returncode == 0, result.stderr[-2000:]
        return {rule for rule in ("coexistence", "melting_table") if f"rule {rule}:" in result.stdout + result.stderr}

    assert planned(melting(compare=["ni32"], published_K=1700.0)) == {"melting_table"}
    assert planned(melting(nph_steps=600)) == {"coexistence", "melting_table"}
