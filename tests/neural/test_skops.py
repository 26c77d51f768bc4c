"""Saving the text nets with skops: plain state, minimal list of trusted types."""

import copy
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from skorch.callbacks import Callback
from skorch.exceptions import DeviceWarning

from sktransfer.neural import TextClassifier, TextModule, TextRegressor
from sktransfer.utils._testing import TEXT_CORPUS

sio = pytest.importorskip("skops.io")

DOCS = list(TEXT_CORPUS)
LABELS = np.arange(len(DOCS)) % 2
TARGETS = np.arange(len(DOCS), dtype=float)
CLASS_NAME = {
    TextClassifier: "sktransfer.neural._classifier.TextClassifier",
    TextRegressor: "sktransfer.neural._regressor.TextRegressor",
}


def _refuse_pickle(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)


def _outputs(est):
    if isinstance(est, TextClassifier):
        return est.predict_proba(DOCS)
    return est.predict(DOCS)


def _walk(value):
    """Every object inside nested dicts, lists and tuples."""
    yield value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key)
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


@pytest.mark.parametrize("cls, y", [(TextClassifier, LABELS), (TextRegressor, TARGETS)])
@pytest.mark.parametrize("encoder", ["mean", "cnn", "lstm"])
def test_only_the_estimator_class_is_untrusted_and_loading_is_exact(
    small, monkeypatch, cls, y, encoder
):
    est = small(cls, encoder=encoder, max_epochs=2).fit(DOCS, y)
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) == {CLASS_NAME[cls]}
    with monkeypatch.context() as m:
        _refuse_pickle(m)  # nothing in the file is unpickled
        loaded = sio.loads(data, trusted=untrusted)
    assert type(loaded) is cls
    assert_array_equal(_outputs(loaded), _outputs(est))
    assert loaded.vocabulary_ == est.vocabulary_
    assert loaded._token_index.vocabulary is loaded.vocabulary_
    assert len(loaded.history_) == 2
    assert loaded.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    assert loaded.module is TextModule and loaded.optimizer is torch.optim.AdamW
    # Training continues (the history grows) ...
    loaded.partial_fit(DOCS, y)
    assert len(loaded.history_) == 4
    assert np.isfinite(_outputs(loaded)).all()
    # ... and a new fit is the fit of a fresh estimator.
    loaded.fit(DOCS, y)
    fresh = small(cls, encoder=encoder, max_epochs=2).fit(DOCS, y)
    assert_array_equal(_outputs(loaded), _outputs(fresh))


def test_the_state_is_plain_data(small):
    clf = small(early_stopping=True, validation_fraction=0.25).fit(DOCS, LABELS)
    state = clf.__getstate__()
    for key in ("module_", "optimizer_", "criterion_", "callbacks_", "_token_index"):
        assert key not in state
    # Defaults that are classes are saved by name.
    assert {"module", "criterion", "optimizer", "dataset"} <= set(
        state["_default_params"]
    )
    assert "module" not in state and "optimizer" not in state
    torch_objects = (torch.Tensor, torch.nn.Module, torch.optim.Optimizer, Callback)
    assert not [v for v in _walk(state) if isinstance(v, torch_objects)]
    assert not [v for v in _walk(state) if isinstance(v, bytes)]
    # The vocabulary is its words packed in one string (a dict is an object
    # per entry in a skops file).
    text, lengths = state["_vocabulary_words"]
    assert "vocabulary_" not in state and len(lengths) == len(clf.vocabulary_)
    weights = state["_module_weights"]
    assert set(weights) == set(clf.module_.state_dict())
    assert all(isinstance(v, np.ndarray) for v in weights.values())
    # The pickle is the weights and a few kilobytes more (no optimizer state).
    n_bytes = sum(v.nbytes for v in weights.values())
    assert len(pickle.dumps(clf)) < n_bytes + 8_000


class MyModule(TextModule):
    """A module class of the user's own."""


def test_classes_the_user_chose_are_listed(small, vec):
    clf = small(embedding_dim=None, embeddings=vec, module=MyModule)
    clf.fit(DOCS, LABELS)
    data = sio.dumps(clf)
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) == {
        CLASS_NAME[TextClassifier],
        "sktransfer.embeddings._word2vec.Word2VecVectorizer",
        f"{__name__}.MyModule",
    }
    loaded = sio.loads(data, trusted=untrusted)
    assert loaded.module is MyModule and isinstance(loaded.module_, MyModule)
    assert_array_equal(loaded.predict_proba(DOCS), clf.predict_proba(DOCS))
    # The vectors were set aside to rebuild the module, and are back.
    assert isinstance(loaded.embeddings, type(vec)) and loaded.embedding_dim is None


def test_pickle_and_deepcopy(small):
    clf = small(max_epochs=2).fit(DOCS, LABELS)
    # A copy in memory keeps the optimizer state: it trains on exactly as
    # the original does.
    copied = copy.deepcopy(clf)
    assert copied.optimizer_.state_dict()["state"]
    assert copied.module_ is not clf.module_
    assert_array_equal(
        copied.partial_fit(DOCS, LABELS).predict_proba(DOCS),
        clf.partial_fit(DOCS, LABELS).predict_proba(DOCS),
    )
    # A loaded net starts a new optimizer.
    loaded = pickle.loads(pickle.dumps(clf))
    assert not loaded.optimizer_.state_dict()["state"]
    assert_array_equal(loaded.predict_proba(DOCS), clf.predict_proba(DOCS))
    assert len(loaded.history_) == len(clf.history_) == 4


def test_loading_leaves_the_random_generators_alone(small):
    clf = small(random_state=None, max_epochs=1).fit(DOCS, LABELS)
    data = sio.dumps(clf)
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()
    loaded = sio.loads(data, trusted=[CLASS_NAME[TextClassifier]])
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert_array_equal(np.random.get_state()[1], numpy_state[1])
    assert_array_equal(loaded.predict_proba(DOCS), clf.predict_proba(DOCS))


def test_the_pickled_torch_objects_of_skorch_are_never_read(small, monkeypatch):
    clf = small(max_epochs=1).fit(DOCS, LABELS)
    state = clf.__getstate__()
    state["__cuda_dependent_attributes__"] = b"any pickle"
    new = TextClassifier.__new__(TextClassifier)
    with monkeypatch.context() as m:
        _refuse_pickle(m)
        with pytest.raises(ValueError, match="earlier development version"):
            new.__setstate__(state)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_cuda_net_loads_on_the_cpu(small):
    clf = small(max_epochs=1).fit(DOCS, LABELS)
    state = clf.__getstate__()
    state["device"] = "cuda"
    new = TextClassifier.__new__(TextClassifier)
    with pytest.warns(DeviceWarning, match="CUDA"):
        new.__setstate__(state)
    assert new.device == "cpu"
    assert_array_equal(new.predict_proba(DOCS), clf.predict_proba(DOCS))


def test_a_malformed_state_is_a_value_error(small):
    clf = small(max_epochs=1).fit(DOCS, LABELS)
    state = clf.__getstate__()
    text, lengths = state["_vocabulary_words"]
    new = TextClassifier.__new__(TextClassifier)
    with pytest.raises(ValueError, match="saved vocabulary"):
        new.__setstate__(dict(state, _vocabulary_words=(text[:-1], lengths)))
    weights = dict(state["_module_weights"])
    weights["head.weight"] = weights["head.weight"][:1]
    with pytest.raises(ValueError, match="do not fit its module"):
        new.__setstate__(dict(state, _module_weights=weights))


def test_domain_adversarial_net_keeps_its_domain_head(small, monkeypatch):
    target = [doc.upper() for doc in DOCS[:10]]
    X = DOCS + target
    y = np.concatenate([LABELS, -np.ones(len(target), dtype=int)])
    est = small(TextClassifier, domain_adversarial=0.5, max_epochs=2).fit(X, y)
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) == {CLASS_NAME[TextClassifier]}
    with monkeypatch.context() as m:
        _refuse_pickle(m)
        loaded = sio.loads(data, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    saved = est.domain_classifier_.state_dict()
    for name, value in loaded.domain_classifier_.state_dict().items():
        assert torch.equal(value, saved[name])
    loaded.partial_fit(X, y)
    assert len(loaded.history_) == 4
