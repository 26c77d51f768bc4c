"""SentenceEncoder.save_pretrained / from_pretrained: a pickle-free directory."""

import json
import os
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from sktransfer.transformers import SentenceEncoder

DOCS = [
    "a good film with a great cast",
    "bad",
    "the story was poor and the acting was bad, the music was great though",
    "good fun",
]
SETTINGS = {"pooling": "max", "normalize": False, "max_length": 16, "batch_size": 3}


@pytest.fixture
def fitted(tiny_bert_dir, no_network):
    return SentenceEncoder(str(tiny_bert_dir), device="cpu", **SETTINGS).fit(DOCS)


def _refuse_pickle(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("loading unpickled something")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)


def test_round_trip_keeps_vectors_and_settings(fitted, tmp_path, monkeypatch):
    path = fitted.save_pretrained(tmp_path / "encoder")
    files = {p.name for p in path.iterdir()}
    assert {"config.json", "model.safetensors", "sktransfer_config.json"} <= files
    assert not any(name.endswith((".bin", ".pkl", ".pt", ".pickle")) for name in files)
    saved = json.loads((path / "sktransfer_config.json").read_text())
    assert saved["estimator"] == "SentenceEncoder"
    assert {k: saved["params"][k] for k in SETTINGS} == SETTINGS

    _refuse_pickle(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = SentenceEncoder.from_pretrained(path)
    assert loaded.get_params() == {**fitted.get_params(), "pretrained": path}
    np.testing.assert_array_equal(loaded.transform(DOCS), fitted.transform(DOCS))
    # Fitting it again loads the same weights.
    np.testing.assert_array_equal(
        loaded.fit(DOCS).transform(DOCS), fitted.transform(DOCS)
    )


def test_same_settings_by_hand_give_the_same_vectors(fitted, tmp_path):
    path = fitted.save_pretrained(tmp_path / "encoder")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_hand = SentenceEncoder(path, device="cpu", **SETTINGS).fit(DOCS)
    np.testing.assert_array_equal(by_hand.transform(DOCS), fitted.transform(DOCS))


def test_other_settings_warn_and_name_from_pretrained(fitted, tmp_path):
    path = fitted.save_pretrained(tmp_path / "encoder")
    with pytest.warns(UserWarning, match=r"pooling='max'.*from_pretrained") as record:
        other = SentenceEncoder(path, device="cpu", max_length=32).fit(DOCS)
    assert "normalize=False" in str(record[0].message)
    assert "max_length=16" in str(record[0].message)
    assert not np.allclose(other.transform(DOCS), fitted.transform(DOCS))


def test_from_pretrained_params_replace_the_saved_ones(fitted, tmp_path):
    path = fitted.save_pretrained(tmp_path / "encoder")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asked for: no warning
        loaded = SentenceEncoder.from_pretrained(path, batch_size=1, pooling="mean")
    assert loaded.batch_size == 1 and loaded.pooling == "mean"
    assert loaded.normalize is False and loaded.max_length == 16


def test_failed_save_keeps_the_existing_directory(fitted, tmp_path, monkeypatch):
    path = fitted.save_pretrained(tmp_path / "encoder")
    before = {p.name: p.read_bytes() for p in path.iterdir()}

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fails mid-save: after the weights, while writing the tokenizer.
    monkeypatch.setattr(fitted.tokenizer_, "save_pretrained", boom)
    fitted.set_params(pooling="cls")
    with pytest.raises(RuntimeError, match="disk full"):
        fitted.save_pretrained(path)
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encoder"]  # no leftovers


def test_permissions_follow_the_umask(fitted, tmp_path):
    old = os.umask(0o027)
    try:
        path = fitted.save_pretrained(tmp_path / "encoder")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o750
    for file in path.iterdir():
        assert os.stat(file).st_mode & 0o777 == 0o640, file.name


def test_save_needs_a_fitted_encoder(tiny_bert_dir, tmp_path):
    with pytest.raises(NotFittedError):
        SentenceEncoder(str(tiny_bert_dir)).save_pretrained(tmp_path / "encoder")
    assert not (tmp_path / "encoder").exists()


def test_from_pretrained_of_a_plain_model_directory(tiny_bert_dir, no_network):
    with pytest.raises(ValueError, match="holds no sktransfer_config.json"):
        SentenceEncoder.from_pretrained(tiny_bert_dir)


def test_from_pretrained_bad_config(fitted, tmp_path):
    path = fitted.save_pretrained(tmp_path / "encoder")
    config_file = path / "sktransfer_config.json"
    config = json.loads(config_file.read_text())

    config_file.write_text(json.dumps({**config, "estimator": "TransformerClassifier"}))
    with pytest.raises(ValueError, match="holds a TransformerClassifier"):
        SentenceEncoder.from_pretrained(path)

    bad = {**config, "params": {**config["params"], "pooling": "median"}}
    config_file.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="invalid parameters.*pooling"):
        SentenceEncoder.from_pretrained(path)

    config_file.write_text(json.dumps({**config, "params": {"no_such": 1}}))
    with pytest.raises(ValueError, match="invalid parameters"):
        SentenceEncoder.from_pretrained(path)

    config_file.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        SentenceEncoder.from_pretrained(path)


def test_a_fine_tuner_reads_the_directory_as_an_encoder(fitted, tmp_path):
    """The saved encoder has no head: a fine-tuner starts a new one."""
    pytest.importorskip("skorch")
    from sktransfer.transformers import TransformerRegressor

    path = fitted.save_pretrained(tmp_path / "encoder")
    y = np.arange(len(DOCS), dtype=float)
    kwargs = {"max_length": 16, "max_epochs": 1, "batch_size": 2, "device": "cpu"}
    a = TransformerRegressor(path, random_state=0, **kwargs).fit(DOCS, y)
    b = TransformerRegressor(path, random_state=0, **kwargs).fit(DOCS, y)
    np.testing.assert_array_equal(a.predict(DOCS), b.predict(DOCS))
