"""The report's words on how the distilled set was selected."""

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
