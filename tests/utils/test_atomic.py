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


@pytest.fixture
def umask():
    """Set a known umask inside a test and put the old one back."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_files_get_the_umask_permissions(tmp_path, umask, mask, mode):
    umask(mask)
    for name in ("new.bin", "existing.bin"):
        path = tmp_path / name
        if name == "existing.bin":
            path.write_bytes(b"old")
            os.chmod(path, 0o600)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            fh.write(b"new")
        assert os.stat(path).st_mode & 0o777 == mode
        # The same mode open() gives a new file.
        plain = tmp_path / f"plain-{name}"
        plain.write_bytes(b"x")
        assert os.stat(plain).st_mode & 0o777 == mode
