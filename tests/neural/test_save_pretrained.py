"""TextClassifier/TextRegressor save_pretrained and from_pretrained: no pickle."""

import json
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal

from sktransfer.neural import TextClassifier, TextModule, TextRegressor
from sktransfer.utils._testing import TEXT_CORPUS

pytest.importorskip("safetensors")

DOCS = list(TEXT_CORPUS)


def _refuse_pickle(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)


@pytest.mark.parametrize(
    "cls, y",
    [
        (TextClassifier, [i % 2 for i in range(len(DOCS))]),
        (
            TextClassifier,
            ["pos", "neg", "mid"] * (len(DOCS) // 3) + ["pos"] * (len(DOCS) % 3),
        ),
        (TextRegressor, [float(i) for i in range(len(DOCS))]),
    ],
)
@pytest.mark.parametrize("encoder", ["mean", "cnn", "lstm"])
def test_round_trip_is_exact_and_pickle_free(
    small, tmp_path, monkeypatch, cls, y, encoder
):
    extra = {"cnn": {"module__kernel_sizes": (2, 3)}, "lstm": {}, "mean": {}}
    est = small(cls, encoder=encoder, **extra[encoder])
    est.fit(DOCS, y)
    path = est.save_pretrained(tmp_path / "model")
    with monkeypatch.context() as m:
        _refuse_pickle(m)
        again = cls.from_pretrained(path)
    assert_array_equal(again.predict(DOCS), est.predict(DOCS))
    if cls is TextClassifier:
        assert_array_equal(again.predict_proba(DOCS), est.predict_proba(DOCS))
        assert again.classes_.dtype == est.classes_.dtype
        assert_array_equal(again.classes_, est.classes_)
    assert again.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    for key, value in est.get_params(deep=False).items():
        if isinstance(value, tuple):
            value = list(value)  # JSON has lists only; TextModule takes either
        if not isinstance(value, type):
            assert again.get_params(deep=False)[key] == value, key
    assert again.vocabulary_ == est.vocabulary_
    assert again.transferred_ == est.transferred_
    assert again.embedding_coverage_ == est.embedding_coverage_
    # It keeps working as an estimator: score and a further fit.
    again.score(DOCS, y)
    again.fit(DOCS, y)


def test_non_json_parameters_are_refused(small, vec, tmp_path):
    y = [i % 2 for i in range(len(DOCS))]

    class MyModule(TextModule):
        pass

    cases = [
        (small(module=MyModule), "module=.*rebuilds the default TextModule"),
        (small(tokenizer=str.split), "tokenizer=.*token_pattern"),
        (small(embeddings=vec), r"embeddings=.*set_params\(embeddings=None\)"),
    ]
    for est, message in cases:
        est.fit(DOCS, y)
        with pytest.raises(ValueError, match=message):
            est.save_pretrained(tmp_path / "model")
        assert not (tmp_path / "model").exists()
    est = cases[2][0].set_params(embeddings=None)
    again = TextClassifier.from_pretrained(est.save_pretrained(tmp_path / "model"))
    assert_array_equal(again.predict_proba(DOCS), est.predict_proba(DOCS))


@pytest.mark.parametrize(
    "name, change, message",
    [
        ("vocabulary.json", lambda w: w[:-1], "do not fit the module"),
        ("config.json", lambda c: {**c, "embedding_dim": 5}, "do not fit the module"),
        ("config.json", lambda c: {**c, "embedding_dim": True}, "positive integer"),
        ("config.json", lambda c: {**c, "classes_": [0]}, "at least 2 labels"),
        ("config.json", lambda c: {**c, "classes_dtype": "<M8"}, "classes_dtype"),
        (
            "config.json",
            lambda c: {**c, "params": {**c["params"], "encoder": "gru"}},
            "invalid parameters",
        ),
        ("config.json", lambda c: {**c, "estimator": "TextRegressor"}, "TextRegressor"),
    ],
)
def test_inconsistent_directories_are_rejected(small, tmp_path, name, change, message):
    est = small().fit(DOCS, [i % 2 for i in range(len(DOCS))])
    path = est.save_pretrained(tmp_path / "model")
    file = path / name
    file.write_text(json.dumps(change(json.loads(file.read_text()))))
    with pytest.raises(ValueError, match=message):
        TextClassifier.from_pretrained(path)


def test_weights_with_nan_are_rejected(small, tmp_path):
    import safetensors.numpy as stn

    est = small().fit(DOCS, [i % 2 for i in range(len(DOCS))])
    path = est.save_pretrained(tmp_path / "model")
    arrays = stn.load_file(str(path / "arrays.safetensors"))
    key = sorted(arrays)[0]
    arrays[key] = np.full_like(arrays[key], np.nan)
    stn.save_file(arrays, str(path / "arrays.safetensors"))
    with pytest.raises(ValueError, match="holds NaN or inf"):
        TextClassifier.from_pretrained(path)


def test_load_weights_on_a_file_that_is_not_theirs(small, tmp_path):
    est = small().fit(DOCS, [i % 2 for i in range(len(DOCS))])
    for name, data in [
        ("weights.safetensors", b""),
        ("pickle.safetensors", pickle.dumps({"a": 1})),
        ("cut.safetensors", est.save_weights(tmp_path / "w.st") and b""),
    ]:
        path = tmp_path / name
        if name == "cut.safetensors":
            full = (tmp_path / "w.st").read_bytes()
            data = full[: len(full) // 2]
        path.write_bytes(data)
        with pytest.raises(ValueError, match=f"{name}.*not a weights file written"):
            est.load_weights(path)
