"""atomic_path: the write-then-replace every save of sktransfer goes through."""

import os

import pytest

from sktransfer.utils._atomic import atomic_path


def test_success_replaces_the_file(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with atomic_path(path) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path) and not os.path.samefile(
            tmp, tmp_path
        )
        with open(tmp, "wb") as fh:
            fh.write(b"new")
        assert path.read_bytes() == b"old"  # not before the block ends
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_failure_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(b"half")
        raise RuntimeError("boom")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with atomic_path("rel.txt") as tmp:
        with open(tmp, "w") as fh:
            fh.write("x")
    assert (tmp_path / "rel.txt").read_text() == "x"
