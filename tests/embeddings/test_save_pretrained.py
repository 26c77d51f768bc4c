"""Word2VecVectorizer.save_pretrained / from_pretrained: no pickle, exact output."""

import json
import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sktransfer.embeddings import Word2VecVectorizer
from sktransfer.utils._testing import TEXT_CORPUS

pytest.importorskip("safetensors")

DOCS = list(TEXT_CORPUS)


@pytest.mark.parametrize("pooling", ["mean", "max", "tfidf", "sif"])
def test_round_trip_is_exact_and_pickle_free(tmp_path, pooling, monkeypatch):
    vec = Word2VecVectorizer(
        vector_size=8, min_count=1, epochs=2, random_state=0, pooling=pooling
    ).fit(DOCS)
    path = vec.save_pretrained(tmp_path / "vec")
    assert sorted(p.name for p in path.iterdir()) == [
        "arrays.safetensors",
        "config.json",
        "vocabulary.json",
    ]

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    again = Word2VecVectorizer.from_pretrained(path)
    monkeypatch.undo()
    assert again.get_params() == vec.get_params()
    assert_array_equal(again.transform(DOCS), vec.transform(DOCS))
    assert_array_equal(
        again.transform(["unseen words only"]), vec.transform(["unseen words only"])
    )
    assert again.wv_.index_to_key == vec.wv_.index_to_key
    assert again.oov_rate_ == vec.oov_rate_
    assert_array_equal(again.training_loss_, vec.training_loss_)
    assert list(again.get_feature_names_out()) == list(vec.get_feature_names_out())


def test_non_json_parameters_are_refused(tmp_path):
    vec = Word2VecVectorizer(vector_size=4, min_count=1, tokenizer=str.split).fit(DOCS)
    with pytest.raises(ValueError, match="tokenizer=.*Use token_pattern"):
        vec.save_pretrained(tmp_path / "vec")
    assert not (tmp_path / "vec").exists()
    base = Word2VecVectorizer(vector_size=4, min_count=1, epochs=1).fit(DOCS)
    tuned = Word2VecVectorizer(pretrained=base.wv_, min_count=1).fit(DOCS)
    with pytest.raises(ValueError, match=r"pretrained=.*set_params\(pretrained=None\)"):
        tuned.save_pretrained(tmp_path / "vec")
    tuned.set_params(pretrained=None).save_pretrained(tmp_path / "vec")
    again = Word2VecVectorizer.from_pretrained(tmp_path / "vec")
    assert_array_equal(again.transform(DOCS), tuned.transform(DOCS))


def test_path_parameters_are_saved_as_strings(tmp_path):
    base = Word2VecVectorizer(vector_size=4, min_count=1, epochs=1).fit(DOCS)
    file = base.export_vectors(tmp_path / "v.bin")
    vec = Word2VecVectorizer(pretrained=file, min_count=1).fit(DOCS)
    again = Word2VecVectorizer.from_pretrained(vec.save_pretrained(tmp_path / "vec"))
    assert again.pretrained == str(file)
    assert_array_equal(again.transform(DOCS), vec.transform(DOCS))


def _edit_json(path, name, change):
    file = path / name
    value = json.loads(file.read_text())
    file.write_text(json.dumps(change(value)))


@pytest.mark.parametrize(
    "name, change, message",
    [
        ("vocabulary.json", lambda w: w[:-1], r"'vectors' has shape .* expected"),
        ("config.json", lambda c: {**c, "vector_size": 3}, "'vectors' has shape"),
        ("config.json", lambda c: {**c, "vector_size": "8"}, "positive integer"),
        ("config.json", lambda c: {**c, "oov_rate_": 2}, r"in \[0, 1\]"),
        (
            "config.json",
            lambda c: {**c, "params": {**c["params"], "pooling": "median"}},
            "invalid parameters",
        ),
        (
            "config.json",
            lambda c: {**c, "params": {**c["params"], "nope": 1}},
            "invalid parameters",
        ),
        (
            "config.json",
            lambda c: {**c, "params": {**c["params"], "pooling": "sif"}},
            "'sif_weights_' is missing",
        ),
        ("config.json", lambda c: {**c, "estimator": "TextClassifier"}, "not a Word2"),
    ],
)
def test_inconsistent_directories_are_rejected(tmp_path, name, change, message):
    vec = Word2VecVectorizer(vector_size=8, min_count=1, epochs=1).fit(DOCS)
    path = vec.save_pretrained(tmp_path / "vec")
    _edit_json(path, name, change)
    with pytest.raises(ValueError, match=message):
        Word2VecVectorizer.from_pretrained(path)


def test_failed_save_keeps_the_old_directory(tmp_path, monkeypatch):
    vec = Word2VecVectorizer(vector_size=8, min_count=1, epochs=1).fit(DOCS)
    path = vec.save_pretrained(tmp_path / "vec")
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    import safetensors.numpy

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", boom)
    other = Word2VecVectorizer(vector_size=4, min_count=1, epochs=1).fit(DOCS)
    with pytest.raises(OSError, match="disk full"):
        other.save_pretrained(path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["vec"]
    again = Word2VecVectorizer.from_pretrained(path)
    assert_array_equal(again.transform(DOCS), vec.transform(DOCS))


def test_unfitted_and_missing(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Word2VecVectorizer().save_pretrained(tmp_path / "vec")
    with pytest.raises(ValueError, match="no such directory"):
        Word2VecVectorizer.from_pretrained(tmp_path / "vec")
    np.testing.assert_equal(len(list(tmp_path.iterdir())), 0)


def test_load_on_a_file_that_is_not_a_saved_vectorizer(tmp_path):
    text = tmp_path / "vectors.txt"
    text.write_text("1 2\nthe 0.1 0.2\n")
    with pytest.raises(ValueError, match="vectors.txt.*not a file written by"):
        Word2VecVectorizer.load(text)
    cut = tmp_path / "cut.pkl"
    vec = Word2VecVectorizer(vector_size=4, min_count=1, epochs=1).fit(DOCS)
    data = vec.save(tmp_path / "vec.pkl").read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.pkl.*truncated or malformed"):
        Word2VecVectorizer.load(cut)
    with pytest.raises(ValueError, match="does not exist"):
        Word2VecVectorizer.load(tmp_path / "nope.pkl")
