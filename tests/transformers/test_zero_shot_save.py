"""ZeroShotClassifier.save_pretrained / from_pretrained: a pickle-free directory."""

import json
import os
import pickle

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer

from sktransfer.transformers import SentenceEncoder, ZeroShotClassifier

DOCS = [
    "a good film with a great cast",
    "bad acting and a poor story",
    "great fun and good music",
    "a poor film and bad music",
    "the story was good",
]
LABELS = {"pos": "good great fun", "neg": ["bad poor", "a bad film"]}


@pytest.fixture
def encoder(tiny_bert_dir):
    return SentenceEncoder(
        str(tiny_bert_dir), max_length=32, batch_size=4, pooling="cls"
    )


def _refuse_pickle(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("loading unpickled something")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)


@pytest.mark.parametrize(
    "labels, y, params",
    [
        (LABELS, None, {}),
        # int classes as pairs; prototypes from labelled rows; calibration
        (
            [(1, "good great fun"), (0, "bad poor")],
            [1, 0, -1, 0, 1],
            {"calibrate": "balance", "temperature": 0.1},
        ),
    ],
)
def test_round_trip(encoder, tmp_path, monkeypatch, no_network, labels, y, params):
    clf = ZeroShotClassifier(labels, encoder=encoder, **params).fit(DOCS, y)
    path = clf.save_pretrained(tmp_path / "zero_shot")
    assert (path / "encoder" / "model.safetensors").is_file()
    _refuse_pickle(monkeypatch)
    loaded = ZeroShotClassifier.from_pretrained(path)
    assert type(loaded.labels) is type(clf.labels) or isinstance(clf.labels, list)
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.bias_, clf.bias_)
    np.testing.assert_array_equal(loaded.n_labelled_, clf.n_labelled_)
    np.testing.assert_array_equal(loaded.predict_proba(DOCS), clf.predict_proba(DOCS))
    np.testing.assert_array_equal(loaded.predict(DOCS), clf.predict(DOCS))
    assert loaded.temperature == clf.temperature and loaded.calibrate == clf.calibrate
    assert loaded.encoder.pooling == "cls"  # the encoder's settings are kept
    if y is not None:
        assert loaded.n_labelled_.sum() == 4


def test_encoder_params_replace_the_saved_ones(encoder, tmp_path, no_network):
    clf = ZeroShotClassifier(LABELS, encoder=encoder).fit(DOCS)
    path = clf.save_pretrained(tmp_path / "zero_shot")
    loaded = ZeroShotClassifier.from_pretrained(path, batch_size=1, device="cpu")
    assert loaded.encoder_.batch_size == 1 and loaded.encoder.batch_size == 1
    np.testing.assert_array_equal(loaded.predict(DOCS), clf.predict(DOCS))


def test_failed_save_keeps_the_existing_directory(encoder, tmp_path, monkeypatch):
    clf = ZeroShotClassifier(LABELS, encoder=encoder).fit(DOCS)
    path = clf.save_pretrained(tmp_path / "zero_shot")
    before = {
        p.relative_to(path): p.read_bytes() for p in path.rglob("*") if p.is_file()
    }

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(clf.encoder_.tokenizer_, "save_pretrained", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        clf.save_pretrained(path)
    after = {
        p.relative_to(path): p.read_bytes() for p in path.rglob("*") if p.is_file()
    }
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zero_shot"]


def test_permissions_follow_the_umask(encoder, tmp_path):
    clf = ZeroShotClassifier(LABELS, encoder=encoder).fit(DOCS)
    old = os.umask(0o027)
    try:
        path = clf.save_pretrained(tmp_path / "zero_shot")
    finally:
        os.umask(old)
    for item in [path, *path.rglob("*")]:
        mode = 0o750 if item.is_dir() else 0o640
        assert os.stat(item).st_mode & 0o777 == mode, item.name


def test_other_encoders_are_refused_with_advice(tmp_path):
    clf = ZeroShotClassifier(LABELS, encoder=TfidfVectorizer()).fit(DOCS)
    with pytest.raises(ValueError, match="needs a SentenceEncoder.*pickle"):
        clf.save_pretrained(tmp_path / "zero_shot")
    assert not (tmp_path / "zero_shot").exists()


def test_save_before_fit(encoder, tmp_path):
    with pytest.raises(NotFittedError):
        ZeroShotClassifier(LABELS, encoder=encoder).save_pretrained(tmp_path / "z")


def test_bad_directories(encoder, tmp_path, tiny_bert_dir, no_network):
    with pytest.raises(ValueError, match="not a directory written by"):
        ZeroShotClassifier.from_pretrained(tiny_bert_dir)
    clf = ZeroShotClassifier(LABELS, encoder=encoder).fit(DOCS)
    path = clf.save_pretrained(tmp_path / "zero_shot")
    with pytest.raises(ValueError, match="not a directory written by"):
        ZeroShotClassifier.from_pretrained(path / "encoder")  # a SentenceEncoder

    config_file = path / "sktransfer_config.json"
    config = json.loads(config_file.read_text())
    bad = {**config, "params": {**config["params"], "labels": [["pos", "x"]]}}
    config_file.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="invalid parameters.*at least 2 classes"):
        ZeroShotClassifier.from_pretrained(path)
    bad = {**config, "params": {**config["params"], "temperature": -1}}
    config_file.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="invalid parameters.*temperature"):
        ZeroShotClassifier.from_pretrained(path)
    config_file.write_text(json.dumps(config))

    (path / "zero_shot.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="not a readable safetensors"):
        ZeroShotClassifier.from_pretrained(path)
