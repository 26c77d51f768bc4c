import copy
import pickle
import tempfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from safetensors import safe_open  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.metrics import balanced_accuracy_score, r2_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_validate  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.embeddings import Word2VecVectorizer, save_vectors  # noqa: E402
from sktransfer.neural import TextClassifier, TextModule, TextRegressor  # noqa: E402
from sktransfer.utils import pack_domains  # noqa: E402
from sktransfer.utils._testing import (  # noqa: E402
    TEXT_CORPUS,
    TEXT_LABELS,
    check_text_estimator,
)

X = list(TEXT_CORPUS)
Y = TEXT_LABELS


def small(cls=TextClassifier, **params):
    base = {
        "embedding_dim": 8,
        "hidden_size": 8,
        "max_epochs": 3,
        "batch_size": 8,
        "device": "cpu",
        "random_state": 0,
    }
    base.update(params)
    return cls(**base)


@pytest.fixture(scope="module")
def vec():
    # Trained on the first half of the corpus only: some words lack a vector.
    return Word2VecVectorizer(vector_size=8, min_count=1, epochs=2, random_state=0).fit(
        X[:4]
    )


class RecordEmbeddings(Callback):
    """Keep the embedding matrix before training and after each epoch."""

    def on_train_begin(self, net, **kwargs):
        self.weights = [net.module_.embedding.weight.detach().clone()]

    def on_epoch_end(self, net, **kwargs):
        self.weights.append(net.module_.embedding.weight.detach().clone())


class RecordFirstBatch(Callback):
    """Keep the first training batch of each epoch."""

    def on_train_begin(self, net, **kwargs):
        self.batches, self._new = [], True

    def on_epoch_begin(self, net, **kwargs):
        self._new = True

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training and self._new:
            self.batches.append(batch[0].clone())
            self._new = False


def _strip(docs):
    return [d.strip() for d in docs]


def _batch_rows(net):
    """Training rows seen in the last epoch."""
    return sum(b.get("train_batch_size", 0) for b in net.history[-1, "batches"])


# --------------------------------------------------------------------------- #
# Basic behaviour
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("encoder", ["mean", "cnn", "lstm"])
def test_encoders_train(encoder):
    clf = small(encoder=encoder, max_epochs=8, lr=0.02).fit(X, Y)
    losses = clf.history[:, "train_loss"]
    assert len(losses) == 8
    assert losses[-1] < 0.7 * losses[0]
    assert clf.score(X, Y) > 0.9


def test_text_checks_pass_for_cnn_and_lstm():
    for encoder in ("cnn", "lstm"):
        check_text_estimator(small(encoder=encoder, max_epochs=1))


def test_string_labels_and_classes_order():
    y = np.where(Y == 1, "pos", "neg")
    clf = small(max_epochs=10, lr=0.02).fit(X, y)
    assert_array_equal(clf.classes_, ["neg", "pos"])
    assert clf.classes_.dtype.kind == "U"
    pred = clf.predict(X)
    assert set(pred) <= {"neg", "pos"}
    assert np.mean(pred == y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)

    # Given classes keep their order; the columns follow it.
    clf2 = small(max_epochs=10, lr=0.02, classes=["pos", "neg"]).fit(X, y)
    assert_array_equal(clf2.classes_, ["pos", "neg"])
    assert np.mean(clf2.predict(X) == y) > 0.9


def test_unlabelled_rows_are_left_out_of_the_loss_but_give_words():
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


def test_score_ignores_unlabelled_rows():
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


def test_regressor_outputs():
    reg = small(TextRegressor, max_epochs=15, lr=0.02).fit(X, Y * 2.0 - 1.0)
    pred = reg.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == np.float64
    assert not hasattr(reg, "predict_proba")
    assert reg.score(X, Y * 2.0 - 1.0) > 0.5


def test_vocabulary_matches_word2vec_tokenisation():
    clf = small(max_epochs=1, token_pattern=r"\b\w+\b", lowercase=False)
    clf.fit(X + ["A Capitalised x"], np.concatenate([Y, [1]]))
    vec = Word2VecVectorizer(
        min_count=1, epochs=1, vector_size=4, token_pattern=r"\b\w+\b", lowercase=False
    ).fit(X + ["A Capitalised x"])
    assert set(clf.vocabulary_) == set(vec.vocabulary_)
    assert sorted(clf.vocabulary_.values()) == list(range(1, len(vec.vocabulary_) + 1))


def test_min_count_max_vocab_size_and_max_length():
    clf = small(max_epochs=1, min_count=3, max_vocab_size=5, max_length=2).fit(X, Y)
    counts = {}
    for doc in X:
        for w in doc.split():
            if len(w) > 1:
                counts[w] = counts.get(w, 0) + 1
    top = sorted((w for w in counts if counts[w] >= 3), key=lambda w: -counts[w])[:5]
    assert set(clf.vocabulary_) == set(top)
    assert clf._encode_documents(X).shape[1] <= 2


def test_skorch_features_keep_working():
    rec = RecordEmbeddings()
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


def test_partial_fit_and_warm_start():
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


def test_early_stopping():
    Xl, yl = X * 4, np.tile(Y, 4)
    clf = small(
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=2,
        max_epochs=60,
        lr=0.05,
    ).fit(Xl, yl)
    assert len(clf.history) < 60
    valid = clf.history[:, "valid_loss"]
    assert np.isfinite(valid).all()
    assert _batch_rows(clf) == int(len(Xl) * 0.75)
    # Stratified hold-out: both classes in the validation rows.
    assert "valid_acc" in clf.history[-1]
    # Classification validation accuracy is computed on encoded labels.
    y_str = np.where(yl == 1, "b", "a")
    clf_s = small(
        early_stopping=True, validation_fraction=0.25, max_epochs=15, lr=0.05
    ).fit(Xl, y_str)
    assert max(clf_s.history[:, "valid_acc"]) > 0.9


class _RecordWeights(Callback):
    """Copy the weights and list the temporary directory at each epoch."""

    def __init__(self, tmp):
        self.tmp = tmp

    def initialize(self):
        self.weights, self.listed = [], []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights.append(copy.deepcopy(net.module_.state_dict()))
        self.listed.append(sorted(p.name for p in self.tmp.iterdir()))


def test_early_stopping_restores_best_epoch_from_a_private_checkpoint(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    record = _RecordWeights(tmp_path)
    Xl, yl = X * 4, np.tile(Y, 4)
    clf = small(
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        max_epochs=40,
        lr=0.2,  # large: the validation loss goes up again after its best
        callbacks=[("record", record)],
    ).fit(Xl, yl)
    valid = clf.history[:, "valid_loss"]
    best = int(np.argmin(valid))
    assert best < len(valid) - 1  # the last epoch is not the best one
    final = clf.module_.state_dict()
    for key, value in record.weights[best].items():
        assert torch.equal(final[key], value), key
    # A private directory existed during training and is gone after it.
    assert all(len(names) == 1 for names in record.listed)
    assert record.listed[0][0].startswith("sktransfer-")
    assert list(tmp_path.iterdir()) == []
    # The fitted model pickles without the (removed) directory.
    again = pickle.loads(pickle.dumps(clf))
    assert_array_equal(again.predict(X), clf.predict(X))


# --------------------------------------------------------------------------- #
# Embeddings, freezing, learning rates
# --------------------------------------------------------------------------- #
def test_pretrained_rows_are_copied_and_coverage(vec):
    clf = small(embedding_dim=None, embeddings=vec, freeze_embeddings=True).fit(X, Y)
    W = clf.module_.embedding.weight.detach().numpy()
    shared = [w for w in clf.vocabulary_ if w in vec.vocabulary_]
    missing = [w for w in clf.vocabulary_ if w not in vec.vocabulary_]
    assert shared and missing
    for w in shared:
        assert_array_equal(W[clf.vocabulary_[w]], vec.wv_[w])
    assert clf.embedding_coverage_ == pytest.approx(len(shared) / len(clf.vocabulary_))
    assert_array_equal(W[0], 0.0)
    rows = W[[clf.vocabulary_[w] for w in missing]]
    assert np.all(np.abs(rows).sum(axis=1) > 0)
    scale = np.std(vec.wv_[shared])
    assert 0.3 * scale < rows.std() < 3 * scale
    assert clf.module_.embedding.weight.shape[1] == vec.wv_.vector_size


def test_embeddings_as_keyed_vectors_path_and_frozen_estimator(vec, tmp_path):
    path = save_vectors(vec.wv_, tmp_path / "vectors.bin")
    ref = small(embedding_dim=None, embeddings=vec, max_epochs=0).fit(X, Y)
    W = ref.module_.embedding.weight.detach().numpy()
    for embeddings in (vec.wv_, path, str(path), FrozenEstimator(vec)):
        clf = small(embedding_dim=None, embeddings=embeddings, max_epochs=0).fit(X, Y)
        assert_array_equal(clf.module_.embedding.weight.detach().numpy(), W)


def test_no_embeddings_gives_random_rows_and_zero_coverage():
    clf = small(max_epochs=0).fit(X, Y)
    W = clf.module_.embedding.weight.detach().numpy()
    assert clf.embedding_coverage_ == 0.0
    assert W.shape == (len(clf.vocabulary_) + 1, 8)
    assert 0.7 < W[1:].std() < 1.3


def test_freeze_keeps_embeddings_fixed(vec):
    rec = RecordEmbeddings()
    clf = small(
        embedding_dim=None,
        embeddings=vec,
        freeze_embeddings=True,
        max_epochs=4,
        lr=0.05,
        callbacks=[("rec", rec)],
    ).fit(X, Y)
    for W in rec.weights[1:]:
        assert torch.equal(W, rec.weights[0])
    assert not clf.module_.embedding.weight.requires_grad
    # The rest of the network did train.
    assert clf.history[-1, "train_loss"] < clf.history[0, "train_loss"]


def test_unfreeze_at_epoch_trains_embeddings_from_that_epoch():
    rec = RecordEmbeddings()
    small(unfreeze_at_epoch=3, max_epochs=5, lr=0.05, callbacks=[("rec", rec)]).fit(
        X, Y
    )
    W = rec.weights  # W[e]: after epoch e (W[0]: before training)
    assert torch.equal(W[1], W[0]) and torch.equal(W[2], W[0])
    assert not torch.equal(W[3], W[2])
    assert not torch.equal(W[5], W[4])


def test_embedding_lr_param_group():
    clf = small(embedding_lr=1e-4, lr=1e-2).fit(X, Y)
    emb = clf.module_.embedding.weight
    groups = clf.optimizer_.param_groups
    (emb_group,) = [g for g in groups if any(p is emb for p in g["params"])]
    assert emb_group["lr"] == 1e-4 and len(emb_group["params"]) == 1
    others = [g for g in groups if g is not emb_group]
    assert len(others) == 1 and others[0]["lr"] == 1e-2

    # A zero learning rate keeps the vectors exactly fixed (AdamW, decoupled
    # weight decay scaled by the learning rate).
    rec = RecordEmbeddings()
    small(embedding_lr=0.0, lr=0.05, callbacks=[("rec", rec)]).fit(X, Y)
    assert torch.equal(rec.weights[-1], rec.weights[0])


# --------------------------------------------------------------------------- #
# Seeding, devices, cloning, persistence
# --------------------------------------------------------------------------- #
def test_random_state_reproducible_and_global_rng_untouched():
    torch.manual_seed(123)
    np.random.seed(123)
    torch_state = torch.random.get_rng_state()
    np_state = np.random.get_state()
    a = small(encoder="lstm", dropout=0.5).fit(X, Y).predict_proba(X)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1])
    b = small(encoder="lstm", dropout=0.5).fit(X, Y).predict_proba(X)
    assert_array_equal(a, b)
    c = small(encoder="lstm", dropout=0.5, random_state=1).fit(X, Y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_batches_are_shuffled_with_a_seeded_generator():
    def first_batches(seed):
        rec = RecordFirstBatch()
        small(batch_size=4, random_state=seed, callbacks=[("rec", rec)]).fit(X, Y)
        return rec.batches

    a, b = first_batches(0), first_batches(0)
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    assert not torch.equal(a[0], a[1])  # a new order each epoch


def test_device_auto(monkeypatch):
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


def test_device_auto_fits_and_pickles_on_this_machine():
    clf = small(device="auto").fit(X, Y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert clf.device == expected
    assert next(clf.module_.parameters()).device.type == expected
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded.get_params()["device"] == "auto"
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda():
    clf = small(device="cuda", encoder="lstm").fit(X, Y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_clone_of_fitted_is_unfitted_and_shares_embeddings(vec):
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


def test_pickle_round_trip_with_callbacks(vec):
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


def test_save_and_load_weights(tmp_path):
    clf = small(encoder="cnn", max_epochs=3).fit(X, Y)
    path = clf.save_weights(tmp_path / "weights.safetensors")
    with safe_open(path, framework="pt") as fh:
        assert fh.metadata()["format"] == "sktransfer.neural/1"
        assert set(fh.keys()) == set(clf.module_.state_dict())
    other = clone(clf).set_params(max_epochs=0).fit(X, Y)
    assert not np.allclose(other.predict_proba(X), clf.predict_proba(X))
    other.load_weights(path)
    assert_allclose(other.predict_proba(X), clf.predict_proba(X), rtol=1e-6)

    different_vocab = clone(clf).set_params(max_epochs=0).fit(X[:6], Y[:6])
    with pytest.raises(ValueError, match="different vocabulary"):
        different_vocab.load_weights(path)
    different_net = clone(clf).set_params(max_epochs=0, encoder="mean").fit(X, Y)
    with pytest.raises(ValueError, match="do not fit this module"):
        different_net.load_weights(path)
    with pytest.raises(ValueError, match="does not exist"):
        clf.load_weights(tmp_path / "missing.safetensors")


# --------------------------------------------------------------------------- #
# Pipelines, search, metadata routing
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def sentiment():
    data = load_sentiment_domains(["product_reviews", "tweets"])
    domain = np.asarray(data.domain)
    rng = np.random.RandomState(0)
    src = rng.choice(np.flatnonzero(domain == "product_reviews"), 120, replace=False)
    tgt = rng.choice(np.flatnonzero(domain == "tweets"), 60, replace=False)
    docs, y = list(data.data), np.asarray(data.target)
    return pack_domains(
        source=([docs[i] for i in src], y[src]), target=[docs[i] for i in tgt]
    )


def test_pipeline_and_grid_search_on_sentiment_domains(sentiment):
    Xd, yd, _ = sentiment
    vec = Word2VecVectorizer(vector_size=16, min_count=2, epochs=2, random_state=0)
    vec.fit(Xd)
    pipe = Pipeline(
        [
            ("strip", FunctionTransformer(_strip)),
            ("clf", small(embedding_dim=None, embeddings=vec, max_epochs=2)),
        ]
    )
    grid = [
        {"clf__freeze_embeddings": [True, False]},
        {"clf__embedding_lr": [None, 1e-4]},
        {"clf__encoder": ["mean", "cnn", "lstm"]},
        {"clf__lr": [1e-3, 1e-2]},
        {"clf__embeddings": [None, FrozenEstimator(vec)]},
    ]
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(Xd, yd)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 11 and np.all(np.isfinite(scores))
    best = search.best_estimator_[-1]
    assert best.embeddings is not None or search.best_params_ == {
        "clf__embeddings": None
    }
    assert -1 not in best.classes_
    assert set(search.predict(Xd[-5:])) <= {0, 1}


def test_regressor_in_pipeline_and_grid_search_on_ratings():
    data = load_sentiment_domains(["product_reviews", "tweets"])
    domain, docs = np.asarray(data.domain), list(data.data)
    rating = np.asarray(data.rating, dtype=float)
    rng = np.random.RandomState(0)
    src = rng.choice(np.flatnonzero(domain == "product_reviews"), 100, replace=False)
    tgt = rng.choice(np.flatnonzero(domain == "tweets"), 40, replace=False)
    Xd, yd, _ = pack_domains(
        source=([docs[i] for i in src], rating[src]), target=[docs[i] for i in tgt]
    )
    assert np.isnan(yd[-40:]).all()
    vec = Word2VecVectorizer(vector_size=8, min_count=2, epochs=1, random_state=0)
    pipe = Pipeline(
        [
            ("strip", FunctionTransformer(_strip)),
            ("reg", small(TextRegressor, embedding_dim=None, max_epochs=2)),
        ]
    )
    pipe.set_params(reg__embeddings=vec.fit(Xd))
    grid = {
        "reg__encoder": ["mean", "cnn"],
        "reg__freeze_embeddings": [True, False],
        "reg__embedding_lr": [None, 1e-4],
        "reg__lr": [1e-2],
    }
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(Xd, yd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.predict(Xd[-3:]).shape == (3,)


def test_grid_value_vectorizer_is_unfitted_by_clone_and_explained(sentiment):
    Xd, yd, _ = sentiment
    vec = Word2VecVectorizer(vector_size=8, min_count=2, epochs=1).fit(Xd)
    search = GridSearchCV(
        small(embedding_dim=None, max_epochs=1),
        {"embeddings": [vec]},
        cv=2,
        error_score="raise",
    )
    with pytest.raises(ValueError, match="FrozenEstimator"):
        search.fit(Xd, yd)


def test_metadata_routing_of_sample_domain():
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


@pytest.mark.slow
def test_grid_search_in_two_processes(sentiment):
    Xd, yd, _ = sentiment
    search = GridSearchCV(
        small(early_stopping=True, max_epochs=3),
        {"freeze_embeddings": [True, False]},
        cv=2,
        n_jobs=2,
        error_score="raise",
    ).fit(Xd, yd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #
def test_bad_input_errors(vec):
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


def test_bad_parameter_errors(vec):
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


# --------------------------------------------------------------------------- #
# The module
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("encoder", ["mean", "cnn", "lstm"])
def test_module_output_does_not_depend_on_batch_padding(encoder):
    torch.manual_seed(0)
    module = TextModule(12, 3, encoder=encoder, embedding_dim=6, hidden_size=5).eval()
    ids = torch.tensor([[3, 4, 5, 6, 7, 8, 0], [2, 0, 0, 0, 0, 0, 0], [0] * 7])
    alone = torch.cat([module(ids[i : i + 1]) for i in range(3)])
    together = module(ids)
    padded = module(torch.nn.functional.pad(ids, (0, 9)))
    assert torch.allclose(alone, together, atol=1e-6)
    assert torch.allclose(padded, together, atol=1e-6)
    assert torch.isfinite(together).all()


def test_mean_encoder_is_the_masked_mean():
    torch.manual_seed(0)
    module = TextModule(6, 2, embedding_dim=4, hidden_size=3, dropout=0.0).eval()
    ids = torch.tensor([[1, 2, 2, 0], [5, 0, 0, 0]])
    E = module.embedding.weight.detach()
    means = torch.stack([E[[1, 2, 2]].mean(0), E[[5]].mean(0)])
    hidden = module.encoder.hidden
    expected = module.head(torch.relu(hidden(means)))
    assert torch.allclose(module(ids), expected, atol=1e-6)


def test_module_errors():
    with pytest.raises(ValueError, match="encoder must be one of"):
        TextModule(5, 2, encoder="gru")
    with pytest.raises(ValueError, match="embeddings has shape"):
        TextModule(5, 2, embedding_dim=4, embeddings=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="lstm_pooling"):
        TextModule(5, 2, lstm_pooling="max")
    m = TextModule(5, 2, encoder="lstm", embedding_dim=4, lstm_pooling="last")
    assert m(torch.tensor([[1, 2, 0], [0, 0, 0]])).shape == (2, 2)


# --------------------------------------------------------------------------- #
# Transfer: pretrained word vectors help
# --------------------------------------------------------------------------- #
@pytest.mark.slow
def test_pretrained_word2vec_beats_random_embeddings():
    data = load_sentiment_domains()
    docs, y, domain = list(data.data), np.asarray(data.target), np.asarray(data.domain)
    vec = Word2VecVectorizer(vector_size=50, min_count=2, epochs=5, random_state=0)
    vec.fit(docs)  # the text of all four domains
    rng = np.random.RandomState(0)
    gains = {}
    for target in ("product_reviews", "movie_reviews", "tweets"):
        idx = rng.permutation(np.flatnonzero(domain == target))
        train, test = idx[:200], idx[200:1200]
        X_train, X_test = [docs[i] for i in train], [docs[i] for i in test]
        scores = {}
        for name, params in (("random", {"embedding_dim": 50}), ("w2v", {})):
            if name == "w2v":
                params = {"embeddings": vec}
            scores[name] = [
                balanced_accuracy_score(
                    y[test],
                    TextClassifier(
                        max_epochs=20,
                        lr=1e-2,
                        hidden_size=50,
                        device="cpu",
                        random_state=seed,
                        **params,
                    )
                    .fit(X_train, y[train])
                    .predict(X_test),
                )
                for seed in range(3)
            ]
        gains[target] = np.mean(scores["w2v"]) - np.mean(scores["random"])
        print(target, {k: np.round(v, 3).tolist() for k, v in scores.items()})
    assert all(g > 0 for g in gains.values()), gains
    assert np.mean(list(gains.values())) > 0.015, gains


def test_adam_runs_fused_unless_told_otherwise():
    from sktransfer.neural._text import _fused_adam_supported

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


def test_no_documents_give_empty_predictions():
    labels = np.where(np.asarray(Y) == 1, "pos", "neg")
    clf = small(max_epochs=1).fit(X, labels)
    assert clf.predict_proba([]).shape == (0, 2)
    pred = clf.predict([])
    assert pred.shape == (0,) and pred.dtype == clf.classes_.dtype
    reg = small(TextRegressor, max_epochs=1).fit(X, np.asarray(Y, dtype=float))
    assert reg.predict([]).shape == (0,) and reg.predict([]).dtype == np.float64
