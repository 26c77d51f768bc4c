"""The pickle-free directory format: atomic writes and checked reads."""

import json
import os

import numpy as np
import pytest

from sktransfer.utils import _persist
from sktransfer.utils._persist import (
    DIRECTORY_FORMAT,
    check_array,
    check_json_params,
    pack_words,
    read_directory,
    unpack_words,
    write_directory,
)

pytest.importorskip("safetensors")


class Thing:
    """Stands for an estimator class."""


CONFIG = {"format": DIRECTORY_FORMAT, "estimator": "Thing", "params": {"a": 1}}


def _write(path, words=("a", "b"), arrays=None):
    arrays = {"v": np.ones((2, 3), np.float32)} if arrays is None else arrays
    return write_directory(path, CONFIG, list(words), arrays)


def test_round_trip(tmp_path):
    path = _write(tmp_path / "model")
    config, words, arrays = read_directory(path, Thing)
    assert config == CONFIG and words == ["a", "b"]
    assert arrays["v"].dtype == np.float32 and arrays["v"].shape == (2, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_failed_save_keeps_the_existing_directory(tmp_path, monkeypatch):
    path = _write(tmp_path / "model")
    before = {p.name: p.read_bytes() for p in path.iterdir()}

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fails mid-save: after the JSON files, while writing the arrays.
    monkeypatch.setattr(_persist, "_safetensors_numpy", lambda: _Failing(boom))
    with pytest.raises(RuntimeError, match="disk full"):
        _write(path, words=("x",), arrays={"v": np.zeros((1, 3), np.float32)})
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no leftovers


class _Failing:
    def __init__(self, save_file):
        self.save_file = save_file


def test_directory_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = _write(tmp_path / "model")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o750
    for file in path.iterdir():
        assert os.stat(file).st_mode & 0o777 == 0o640


def test_a_file_in_the_way_is_not_replaced(tmp_path):
    path = tmp_path / "model"
    path.write_text("keep me")
    with pytest.raises(ValueError, match="not a directory"):
        _write(path)
    assert path.read_text() == "keep me"


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: (d / "config.json").unlink(), "config.json' is missing"),
        (lambda d: (d / "config.json").write_text("{"), "not valid JSON"),
        (lambda d: (d / "config.json").write_text("[1]"), "'format' should be"),
        (
            lambda d: (d / "config.json").write_text(
                json.dumps(dict(CONFIG, estimator="Other"))
            ),
            "holds a saved 'Other', not a Thing",
        ),
        (
            lambda d: (d / "config.json").write_text(
                json.dumps(dict(CONFIG, params=1))
            ),
            "'params' must be a JSON object",
        ),
        (lambda d: (d / "vocabulary.json").write_text('["a", 1]'), "list of strings"),
        (lambda d: (d / "vocabulary.json").write_text('["a", "a"]'), "duplicated"),
        (lambda d: (d / "arrays.safetensors").write_bytes(b"\x80junk"), "not a safet"),
        (lambda d: (d / "arrays.safetensors").unlink(), "safetensors' is missing"),
    ],
)
def test_bad_directories_are_rejected(tmp_path, edit, message):
    path = _write(tmp_path / "model")
    edit(path)
    with pytest.raises(ValueError, match=message):
        read_directory(path, Thing)


def test_non_finite_arrays_are_rejected(tmp_path):
    path = _write(tmp_path / "model", arrays={"v": np.full((2, 3), np.nan, np.float32)})
    with pytest.raises(ValueError, match="'v' holds NaN or inf"):
        read_directory(path, Thing)


def test_not_a_directory(tmp_path):
    with pytest.raises(ValueError, match="no such directory"):
        read_directory(tmp_path / "nope", Thing)


def test_check_array_shapes(tmp_path):
    arrays = {"v": np.ones((2, 3), np.float32)}
    assert check_array(arrays, "v", (2, 3), tmp_path) is arrays["v"]
    with pytest.raises(ValueError, match=r"expected shape \(3, 3\)"):
        check_array(arrays, "v", (3, 3), tmp_path)
    with pytest.raises(ValueError, match="'w' is missing"):
        check_array(arrays, "w", (2, 3), tmp_path)


def test_check_json_params():
    assert check_json_params(Thing(), {"a": (1, 2.5), "b": None}) == {
        "a": [1, 2.5],
        "b": None,
    }
    with pytest.raises(ValueError, match="tokenizer=.*Do this"):
        check_json_params(Thing(), {"tokenizer": str.split}, {"tokenizer": "Do this"})
    with pytest.raises(ValueError, match="not a plain JSON value"):
        check_json_params(Thing(), {"x": float("nan")})


@pytest.mark.parametrize(
    "words", [[], ["a"], ["the", "", "new\nline", "café", "x" * 300]]
)
def test_pack_words_round_trip(words):
    text, lengths = pack_words(words)
    assert isinstance(text, str) and lengths.dtype == np.int64
    assert unpack_words((text, lengths), "Est") == words


@pytest.mark.parametrize(
    "packed",
    [
        ("ab", np.array([1])),  # lengths do not add up
        ("ab", np.array([-1, 3])),
        ("ab", np.array([1.0, 1.0])),
        ("ab", np.array([[1, 1]])),
        (3, np.array([1])),
        "ab",
        None,
    ],
)
def test_unpack_words_rejects_malformed_input(packed):
    with pytest.raises(ValueError, match="saved vocabulary of this Est"):
        unpack_words(packed, "Est")
