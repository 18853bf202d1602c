import pytest

from nnpdistill.atomic import replacing


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with replacing(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_a_finished_write_replaces_the_file_and_keeps_the_suffix(tmp_path):
    target = tmp_path / "sub" / "bias.npz"
    with replacing(target) as tmp:
        assert tmp.suffix == ".npz" and tmp.parent == target.parent
        tmp.write_text("new")
    assert target.read_text() == "new"
