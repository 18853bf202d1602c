"""The report's words: how the distilled set was selected, and how the MOMT phases compare with plain NPT."""

from nnpdistill.report import _selection


def test_the_report_says_whether_the_selection_is_the_papers():
    paper = _selection({"mode": "cascade", "uncertainty": "energy"})
    assert paper.startswith("Cascade mode by the energy uncertainty. This is the paper's selection")
    pool = _selection({"mode": "pool", "uncertainty": "maxvol", "start_frames": 25, "rounds": 3, "candidates": 4000,
                       "budget": 25})
    assert pool.startswith("Pool mode (beyond the paper): 25 farthest-point frames of the MOMT pool, then 3 rounds "
                           "each scoring 4000 unchosen frames by the maxvol uncertainty and adding 25.")
    assert "This is not the paper's selection" in pool and "make benchmark" in pool
    assert "not the paper's" in _selection({"mode": "cascade", "uncertainty": "force"})


def test_the_report_gives_each_phase_check_with_its_frames_in_the_basin():
    from nnpdistill.report import _phase_gaps

    row = {"phases_consistent": False, "crystal_H_gap_kT0": 41.6, "crystal_H_gap_error_kT0": 2.2,
           "crystal_basin_frames": 35, "liquid_H_gap_kT0": -0.4, "liquid_H_gap_error_kT0": 1.9,
           "liquid_basin_frames": 8123}
    assert _phase_gaps(row) == "crystal +42 ± 2 (35 frames), liquid -0 ± 2 (8123 frames): **not consistent**"
    assert _phase_gaps({"phases_consistent": None}) == "not checked (no NPT runs)"
    row.update(phases_check="unresolved", crystal_H_gap_kT0=12.0, crystal_H_gap_error_kT0=9.0)
    assert _phase_gaps(row).endswith("crystal +12 ± 9 (35 frames), liquid -0 ± 2 (8123 frames): **unresolved**")


def test_the_report_gives_the_share_of_intact_crystals():
    from nnpdistill.report import _intact

    row = {"crystal_quenched_frames": 24, "crystal_intact_frames": 0, "crystal_intact_share": 0.0,
           "crystal_intact_low": 0.0, "crystal_intact_high": 0.138, "crystal_quench_excess_median_eV": 5.43}
    assert _intact(row) == "0 of 24 [0, 14 %]; median 5.4 eV above"
    assert _intact({}) == "not checked" and _intact({"crystal_quenched_frames": float("nan")}) == "not checked"
