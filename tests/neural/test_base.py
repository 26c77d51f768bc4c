"""What the two text nets share (``sktransfer/neural/_base.py``)."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.model_selection import cross_validate  # noqa: E402

from sktransfer.embeddings import Word2VecVectorizer  # noqa: E402
from sktransfer.neural import TextClassifier, TextModule, TextRegressor  # noqa: E402
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402

X = list(TEXT_CORPUS)
Y = TEXT_LABELS


def _batch_rows(net):
    """Training rows seen in the last epoch."""
    return sum(b.get("train_batch_size", 0) for b in net.history[-1, "batches"])


def test_unlabelled_rows_are_left_out_of_the_loss_but_give_words(small):
    extra = ["zebra quokka", "quokka zebra zebra"]
    Xs = X + extra
    y = np.concatenate([Y, [-1, -1]])
    y_before = y.copy()
    clf = small(batch_size=5).fit(Xs, y)
    assert _batch_rows(clf) == len(X)
    assert {"zebra", "quokka"} <= set(clf.vocabulary_)
    assert_array_equal(clf.classes_, [0, 1])
    assert_array_equal(y, y_before)

    reg = small(TextRegressor, batch_size=5).fit(
        Xs, np.concatenate([Y.astype(float), [np.nan, np.nan]])
    )
    assert _batch_rows(reg) == len(X)
    assert "zebra" in reg.vocabulary_


def test_score_ignores_unlabelled_rows(small):
    clf = small(max_epochs=2).fit(X, Y)
    y = Y.copy()
    y[:5] = -1
    sw = np.linspace(0.5, 2.0, len(X))
    pred = clf.predict(X)
    expected = np.average(pred[5:] == Y[5:], weights=sw[5:])
    assert clf.score(X, y, sample_weight=sw) == pytest.approx(expected)

    yr = Y.astype(float)
    reg = small(TextRegressor, max_epochs=2).fit(X, yr)
    yr_nan = yr.copy()
    yr_nan[:5] = np.nan
    assert reg.score(X, yr_nan) == pytest.approx(r2_score(yr[5:], reg.predict(X)[5:]))


def test_skorch_features_keep_working(small, record_embeddings):
    rec = record_embeddings
    clf = small(encoder="cnn", module__kernel_sizes=(2,), callbacks=[("rec", rec)]).fit(
        X, Y
    )
    assert clf.module_.encoder.kernel_sizes == (2,)
    assert len(rec.weights) == 1 + clf.max_epochs
    assert clf.history_ is clf.history
    assert len(clf.history) == 3
    assert isinstance(clf.optimizer_, torch.optim.AdamW)
    assert isinstance(clf.criterion_, torch.nn.CrossEntropyLoss)
    assert "valid_loss" not in clf.history[-1]  # no internal split by default


def test_partial_fit_and_warm_start(small):
    clf = small(max_epochs=1)
    clf.partial_fit(X[:6], Y[:6], classes=[0, 1])
    vocabulary = dict(clf.vocabulary_)
    clf.partial_fit(X[6:] + ["brand new words"], np.concatenate([Y[6:], [1]]))
    assert clf.vocabulary_ == vocabulary
    assert len(clf.history) == 2
    with pytest.raises(ValueError, match="not among classes_"):
        clf.partial_fit(X[:2], [0, 7])

    warm = small(max_epochs=2, warm_start=True).fit(X, Y)
    vocabulary = dict(warm.vocabulary_)
    warm.fit(X + ["unseen words here"], np.concatenate([Y, [0]]))
    assert len(warm.history) == 4
    assert warm.vocabulary_ == vocabulary

    cold = small(max_epochs=2).fit(X, Y)
    cold.fit(X + ["unseen words here"], np.concatenate([Y, [0]]))
    assert len(cold.history) == 2 and "unseen" in cold.vocabulary_


def test_embedding_lr_param_group(small, record_embeddings):
    clf = small(embedding_lr=1e-4, lr=1e-2).fit(X, Y)
    emb = clf.module_.embedding.weight
    groups = clf.optimizer_.param_groups
    (emb_group,) = [g for g in groups if any(p is emb for p in g["params"])]
    assert emb_group["lr"] == 1e-4 and len(emb_group["params"]) == 1
    others = [g for g in groups if g is not emb_group]
    assert len(others) == 1 and others[0]["lr"] == 1e-2

    # A zero learning rate keeps the vectors exactly fixed (AdamW, decoupled
    # weight decay scaled by the learning rate).
    rec = record_embeddings
    small(embedding_lr=0.0, lr=0.05, callbacks=[("rec", rec)]).fit(X, Y)
    assert torch.equal(rec.weights[-1], rec.weights[0])


def test_adam_runs_fused_unless_told_otherwise(small):
    from sktransfer.neural._params import _fused_adam_supported

    version = tuple(int(v) for v in torch.__version__.split(".")[:2])
    assert _fused_adam_supported("cpu") == (version >= (2, 4))
    assert _fused_adam_supported("cuda")
    if not _fused_adam_supported("cpu"):  # torch < 2.4: the per-tensor update
        assert not small(max_epochs=1).fit(X, Y).optimizer_.defaults.get("fused")
        return
    clf = small(max_epochs=1).fit(X, Y)
    assert clf.optimizer_.defaults["fused"] is True
    clf = small(max_epochs=1, optimizer__fused=False).fit(X, Y)
    assert not clf.optimizer_.defaults["fused"]
    clf = small(max_epochs=1, optimizer__foreach=True).fit(X, Y)
    assert not clf.optimizer_.defaults["fused"]
    clf = small(max_epochs=1, optimizer=torch.optim.SGD).fit(X, Y)
    assert "fused" not in clf.get_params_for("optimizer")
    # With the embeddings' own learning rate (two parameter groups).
    clf = small(max_epochs=2, embedding_lr=0.5).fit(X, Y)
    assert clf.optimizer_.defaults["fused"] is True
    assert [g["lr"] for g in clf.optimizer_.param_groups] == [0.5, clf.lr]


def test_device_auto(monkeypatch, small):
    clf = TextClassifier()
    assert clf.get_params()["device"] == "auto"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert clf.device == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert clf.device == "cuda"
    assert clone(clf).get_params()["device"] == "auto"
    assert TextClassifier(device="cpu").device == "cpu"
    assert TextClassifier(device=None).device is None
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="sees no CUDA GPU"):
        small(device="cuda").fit(X, Y)


def test_device_auto_fits_and_pickles_on_this_machine(small):
    clf = small(device="auto").fit(X, Y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert clf.device == expected
    assert next(clf.module_.parameters()).device.type == expected
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded.get_params()["device"] == "auto"
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda(small):
    clf = small(device="cuda", encoder="lstm").fit(X, Y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_clone_of_fitted_is_unfitted_and_shares_embeddings(vec, small):
    clf = small(embedding_dim=None, embeddings=vec).fit(X, Y)
    cloned = clone(clf)
    assert not [k for k in vars(cloned) if k.endswith("_")]
    assert not hasattr(cloned, "module_") and not hasattr(cloned, "classes_")
    assert cloned.embeddings is vec and hasattr(vec, "wv_")
    assert repr(cloned.get_params(deep=False)) == repr(clf.get_params(deep=False))
    # KeyedVectors are shared, not deep-copied.
    assert clone(small(embeddings=vec.wv_)).embeddings is vec.wv_
    # A clone trains from scratch: same results as the original.
    assert_array_equal(cloned.fit(X, Y).predict_proba(X), clf.predict_proba(X))


def test_pickle_round_trip_with_callbacks(vec, small):
    clf = small(
        embedding_dim=None,
        embeddings=vec,
        unfreeze_at_epoch=2,
        early_stopping=True,
        validation_fraction=0.25,
        encoder="cnn",
    ).fit(X * 2, np.tile(Y, 2))
    loaded = pickle.loads(pickle.dumps(clf))
    assert_array_equal(loaded.predict(X), clf.predict(X))
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)
    loaded.fit(X, Y)  # still trainable


def test_metadata_routing_of_sample_domain(small):
    y = np.where(Y == 1, 1, -1)  # -1 is a real class when every row is source
    sd = np.zeros(len(X), dtype=int)
    with pytest.raises(ValueError, match="-1"):
        small(max_epochs=1).fit(X, y)
    assert_array_equal(
        small(max_epochs=1).fit(X, y, sample_domain=sd).classes_, [-1, 1]
    )
    with config_context(enable_metadata_routing=True):
        routing = TextClassifier().get_metadata_routing()
        assert routing.consumes("fit", ["sample_domain"]) == {"sample_domain"}
        assert routing.consumes("score", ["sample_domain"]) == {"sample_domain"}
        res = cross_validate(
            small(max_epochs=1),
            X,
            y,
            cv=2,
            params={"sample_domain": sd},
            return_estimator=True,
        )
    for est in res["estimator"]:
        assert_array_equal(est.classes_, [-1, 1])


def test_bad_input_errors(vec, small):
    msg = "Iterable over raw text documents expected"
    with pytest.raises(ValueError, match=msg):
        small().fit("a single string", [1])
    with pytest.raises(ValueError, match="empty"):
        small().fit([], [])
    with pytest.raises(TypeError, match="document 0 is a float"):
        small().fit([3.5] * 4, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="vocabulary is empty"):
        small().fit(["a", "b", "!"], [0, 1, 0])
    with pytest.raises(ValueError, match="requires y"):
        small().fit(X, None)
    with pytest.raises(ValueError, match="no labelled rows"):
        small().fit(X, np.full(len(X), -1))
    with pytest.raises(ValueError, match="at least 2 classes"):
        small().fit(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ValueError, match="y has 2 entries"):
        small().fit(X, [0, 1])
    fitted = small(max_epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match=msg):
        fitted.predict("a single string")


def test_bad_parameter_errors(vec, small):
    with pytest.raises(TypeError, match="not an instance"):
        small(module=TextModule(10, 2)).fit(X, Y)
    with pytest.raises(ValueError, match="encoder"):
        small(encoder="transformer").fit(X, Y)
    vec4 = Word2VecVectorizer(vector_size=4, min_count=1, epochs=1).fit(X)
    with pytest.raises(ValueError, match="embedding_dim=8 but the embeddings have"):
        small(embedding_dim=8, embeddings=vec4).fit(X, Y)
    with pytest.raises(ValueError, match="unfitted Word2VecVectorizer"):
        small(embeddings=Word2VecVectorizer()).fit(X, Y)
    with pytest.raises(TypeError, match="embeddings must be"):
        small(embeddings=np.zeros((3, 8))).fit(X, Y)
    with pytest.raises(ValueError, match="does not exist"):
        small(embeddings="/no/such/vectors.bin").fit(X, Y)
    with pytest.raises(ValueError, match="device must be"):
        small(device="gpu").fit(X, Y)
    with pytest.raises(ValueError, match="module__hidden_size is set by the"):
        small(module__hidden_size=4).fit(X, Y)
    with pytest.raises(ValueError, match="callbacks__nope__x sets a callback"):
        small().set_params(callbacks__nope__x=1).fit(X, Y)
    with pytest.raises(TypeError, match="callbacks must hold skorch callbacks"):
        small(callbacks=[1]).fit(X, Y)
    with pytest.raises(ValueError, match="validation_fraction"):
        small(validation_fraction=1.5).fit(X, Y)
    with pytest.raises(ValueError, match="call fit or partial_fit"):
        small().initialize()


def test_no_documents_give_empty_predictions(small):
    labels = np.where(np.asarray(Y) == 1, "pos", "neg")
    clf = small(max_epochs=1).fit(X, labels)
    assert clf.predict_proba([]).shape == (0, 2)
    pred = clf.predict([])
    assert pred.shape == (0,) and pred.dtype == clf.classes_.dtype
    reg = small(TextRegressor, max_epochs=1).fit(X, np.asarray(Y, dtype=float))
    assert reg.predict([]).shape == (0,) and reg.predict([]).dtype == np.float64
