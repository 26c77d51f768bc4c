"""NeuralClassifier and NeuralRegressor: the nets on dense numeric rows."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.decomposition import TruncatedSVD  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

import sktransfer  # noqa: E402
from sktransfer.embeddings import Word2VecVectorizer  # noqa: E402
from sktransfer.neural import (  # noqa: E402
    MLPModule,
    NeuralClassifier,
    NeuralRegressor,
    TextClassifier,
)
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402


def _domains(n=120, shift=1.5, seed=0):
    """Two Gaussian domains; labels of the target (second half) hidden (-1)."""
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n, 6))
    Xt = rng.normal(size=(n, 6)) + shift
    ys = (Xs[:, 0] + Xs[:, 1] > 0).astype(int)
    yt = (Xt[:, 0] + Xt[:, 1] > 2 * shift).astype(int)
    X = np.vstack([Xs, Xt]).astype(np.float64)
    y = np.concatenate([ys, np.full(n, -1)])
    return X, y, ys, yt


X, Y, YS, YT = _domains()
N = YS.shape[0]


def _net(cls=NeuralClassifier, **params):
    base = {
        "hidden_layer_sizes": (16,),
        "max_epochs": 5,
        "batch_size": 16,
        "lr": 0.01,
        "device": "cpu",
        "random_state": 0,
    }
    base.update(params)
    return cls(**base)


def test_public_and_top_level():
    assert sktransfer.NeuralClassifier is NeuralClassifier
    assert sktransfer.NeuralRegressor is NeuralRegressor


def test_learns_and_ignores_unlabelled_rows():
    clf = _net(max_epochs=20).fit(X, Y)
    assert clf.n_features_in_ == 6
    assert_array_equal(clf.classes_, [0, 1])
    assert clf.score(X[:N], YS) > 0.9
    # Unlabelled rows are left out of the score.
    assert clf.score(X, Y) == clf.score(X[:N], YS)
    assert clf.predict_proba(X).dtype == np.float32


def test_hidden_layer_sizes_builds_the_layers():
    clf = _net(hidden_layer_sizes=(8, 4), max_epochs=1).fit(X, Y)
    linears = [m for m in clf.module_.encoder if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(6, 8), (8, 4)]
    assert clf.module_.feature_size == 4
    linear = _net(hidden_layer_sizes=(), max_epochs=1).fit(X, Y)
    assert len(linear.module_.encoder) == 0
    assert linear.module_.head.in_features == 6
    single = _net(hidden_layer_sizes=5, max_epochs=1).fit(X, Y)
    assert single.module_.feature_size == 5


@pytest.mark.parametrize("value", [(0,), (8, -1), "16", (2.5,), [True], (5000,)])
def test_bad_hidden_layer_sizes(value):
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        _net(hidden_layer_sizes=value).fit(X, Y)


def test_deterministic_with_random_state():
    a = _net(domain_adversarial=0.1).fit(X, Y).predict_proba(X)
    b = _net(domain_adversarial=0.1).fit(X, Y).predict_proba(X)
    assert_array_equal(a, b)
    c = _net(domain_adversarial=0.1, random_state=1).fit(X, Y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_no_global_torch_side_effect():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    _net(max_epochs=1).fit(X, Y)
    assert torch.rand(1) == expected


@pytest.mark.parametrize(
    "params, term",
    [
        ({"domain_adversarial": 0.5}, "train_loss_domain"),
        ({"domain_adversarial": 0.5, "domain_adversarial_schedule": "ganin"}, None),
        ({"coral_loss": 1.0}, "train_loss_coral"),
    ],
)
def test_alignment_objectives_train_on_target_rows(params, term):
    clf = _net(max_epochs=10, **params).fit(X, Y)
    history = clf.history
    term = term or "train_loss_domain"
    assert np.isfinite(history[:, term]).all() and history[-1, term] > 0
    assert history[-1, "train_loss_task"] > 0
    assert clf.score(X[:N], YS) > 0.8
    if "domain_adversarial" in params:
        assert isinstance(clf.domain_classifier_, torch.nn.Module)
    # The objectives follow the parameters of the source half alone too.
    assert np.isfinite(clf.predict_proba(X[N:])).all()


def test_objective_without_target_rows_raises():
    with pytest.raises(ValueError, match="no target rows"):
        _net(coral_loss=1.0).fit(X[:N], YS)


def test_teacher_weight_one_reproduces_its_probabilities():
    teacher = LogisticRegression().fit(X[:N], YS)
    clf = _net(
        teacher=FrozenEstimator(teacher),
        distillation_weight=1.0,
        temperature=1.0,
        max_epochs=60,
        hidden_layer_sizes=(32,),
    ).fit(X, Y)
    assert np.abs(clf.predict_proba(X) - teacher.predict_proba(X)).mean() < 0.01
    assert clf.history[-1, "train_loss_distillation"] < 0.05


def test_regressor_teacher_and_objectives():
    y = X[:, 0] - X[:, 1]
    yn = np.where(Y == -1, np.nan, y)
    teacher = Ridge().fit(X[:N], y[:N])
    reg = _net(
        NeuralRegressor,
        teacher=FrozenEstimator(teacher),
        distillation_weight=1.0,
        coral_loss=0.1,
        max_epochs=40,
    ).fit(X, yn)
    assert reg.score(X, y) > 0.9
    assert "train_loss_coral" in reg.history[-1]


def test_teacher_that_cannot_read_the_features_says_so():
    docs_teacher = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
        list(TEXT_CORPUS), TEXT_LABELS
    )
    Xf = np.random.RandomState(0).normal(size=(len(TEXT_CORPUS), 4))
    clf = _net(teacher=FrozenEstimator(docs_teacher))
    with pytest.raises(ValueError, match="exactly the X"):
        clf.fit(Xf, TEXT_LABELS)


def test_pipelines_over_word_vectors_and_svd():
    docs = list(TEXT_CORPUS) * 3
    labels = np.asarray(list(TEXT_LABELS) * 3)
    semi = labels.copy()
    semi[-len(TEXT_CORPUS) :] = -1
    w2v = make_pipeline(
        Word2VecVectorizer(vector_size=8, min_count=1, epochs=2, random_state=0),
        _net(domain_adversarial=0.1),
    ).fit(docs, semi)
    assert w2v.predict(docs).shape == (len(docs),)
    features = make_pipeline(TfidfVectorizer(), TruncatedSVD(4, random_state=0))
    teacher = make_pipeline(
        TfidfVectorizer(), TruncatedSVD(4, random_state=0), LogisticRegression()
    ).fit(docs, labels)
    # The teacher gets the features the net sees: fit it on them.
    Xf = features.fit_transform(docs)
    feature_teacher = LogisticRegression().fit(Xf, labels)
    svd = make_pipeline(
        TfidfVectorizer(),
        TruncatedSVD(4, random_state=0),
        _net(teacher=FrozenEstimator(feature_teacher)),
    ).fit(docs, labels)
    assert svd.score(docs, labels) >= 0.5
    assert teacher.score(docs, labels) >= 0.5


def _two_label_sets():
    rng = np.random.RandomState(0)
    Xa = rng.normal(size=(80, 5))
    Xb = rng.normal(size=(80, 5)) + 0.5
    ya = np.where(Xa[:, 0] > 0, "pos", "neg").astype(object)
    yb = np.digitize(Xb[:, 1], [-0.5, 0.5, 1.5]).astype(object)  # 4 classes
    Xs = np.vstack([Xa, Xb])
    y = np.concatenate([ya, yb])
    domain = np.repeat([0, -1], 80)
    return Xs, y, domain


def test_heads_per_domain_with_two_label_sets():
    Xs, y, domain = _two_label_sets()
    clf = _net(heads="per_domain", max_epochs=20).fit(Xs, y, sample_domain=domain)
    assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert_array_equal(clf.domain_classes_[0], ["neg", "pos"])
    assert clf.predict_proba(Xs).shape == (160, 4)
    assert clf.score(Xs, y, sample_domain=domain) > 0.5
    clf.predict_domain = 0
    assert set(clf.predict(Xs)) <= {"neg", "pos"}
    assert clf.score(Xs, y, sample_domain=domain) > 0.8
    clf.predict_domain = 7
    with pytest.raises(ValueError, match="predict_domain"):
        clf.predict(Xs)


def test_predict_domain_unseen_fails_at_fit():
    Xs, y, domain = _two_label_sets()
    with pytest.raises(ValueError, match="predict_domain"):
        _net(heads="per_domain", predict_domain=5).fit(Xs, y, sample_domain=domain)


def test_regressor_heads_per_domain():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(120, 3))
    domain = np.repeat([0, -1], 60)
    y = np.where(domain == 0, Xs[:, 0], -Xs[:, 0])
    reg = _net(NeuralRegressor, heads="per_domain", max_epochs=30).fit(
        Xs, y, sample_domain=domain
    )
    assert reg.module_.head.out_features == 2
    assert reg.score(Xs, y, sample_domain=domain) > 0.5


def test_grid_search_with_routed_sample_domain():
    domain = np.where(Y == -1, -1, 0)
    with config_context(enable_metadata_routing=True):
        grid = GridSearchCV(
            _net(max_epochs=2),
            {"domain_adversarial": [0.0, 0.1], "coral_loss": [0.0, 1.0]},
            cv=2,
        ).fit(X, Y, sample_domain=domain)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert len(grid.cv_results_["params"]) == 4


def test_grid_search_with_implicit_domains():
    grid = GridSearchCV(
        _net(max_epochs=2),
        {"domain_adversarial": [0.1], "hidden_layer_sizes": [(8,), (8, 8)]},
        cv=2,
    ).fit(X, Y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_clone_keeps_parameters_and_shares_fitted_sources():
    source = _net().fit(X, Y)
    teacher = FrozenEstimator(LogisticRegression().fit(X[:N], YS))
    clf = _net(init_from=source, teacher=teacher, device="auto")
    copy = clone(clf)
    assert copy.init_from is source and copy.teacher is teacher
    assert copy.get_params()["device"] == "auto"
    assert not hasattr(copy, "module_")


@pytest.mark.parametrize("cls", [NeuralClassifier, NeuralRegressor])
def test_pickle_round_trip_is_exact(cls):
    y = Y if cls is NeuralClassifier else np.where(Y == -1, np.nan, X[:, 0])
    est = _net(cls, domain_adversarial=0.1).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    assert_array_equal(again.predict(X), est.predict(X))
    # Training goes on after loading, with the domain head.
    again.partial_fit(X, y)
    assert len(again.history) == len(est.history) + est.max_epochs


@pytest.mark.parametrize("cls", [NeuralClassifier, NeuralRegressor])
def test_skops_only_the_estimator_class_is_untrusted(cls, monkeypatch):
    sio = pytest.importorskip("skops.io")
    y = Y if cls is NeuralClassifier else np.where(Y == -1, np.nan, X[:, 0])
    est = _net(cls, coral_loss=0.5).fit(X, y)
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == [f"sktransfer.neural._dense.{cls.__name__}"]

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    loaded = sio.loads(data, trusted=untrusted)
    assert_array_equal(loaded.predict(X), est.predict(X))


def test_init_from_copies_layers_and_head():
    source = _net(max_epochs=10).fit(X, Y)
    start = _net(init_from=FrozenEstimator(source), max_epochs=0).fit(X, Y)
    assert start.transferred_ == {"encoder": True, "head": True}
    assert_allclose(start.predict_proba(X), source.predict_proba(X), atol=1e-6)
    # Other classes: the hidden layers only.
    other = _net(init_from=source, max_epochs=0).fit(X, np.where(Y == 1, "b", "a"))
    assert other.transferred_ == {"encoder": True, "head": False}
    # A frozen encoder keeps the transferred layers through training.
    frozen = _net(init_from=source, freeze_encoder=True, max_epochs=3).fit(X, Y)
    for a, b in zip(
        frozen.module_.encoder.parameters(), source.module_.encoder.parameters()
    ):
        assert torch.equal(a, b)


def test_unfreeze_at_epoch():
    source = _net().fit(X, Y)
    weights = []

    from skorch.callbacks import Callback

    class Record(Callback):
        def on_epoch_end(self, net, **kwargs):
            weights.append(net.module_.encoder[0].weight.detach().clone())

    _net(init_from=source, unfreeze_at_epoch=3, max_epochs=4, callbacks=[Record()]).fit(
        X, Y
    )
    assert torch.equal(weights[0], source.module_.encoder[0].weight)
    assert torch.equal(weights[1], weights[0])
    assert not torch.equal(weights[3], weights[1])


def test_init_from_bad_sources():
    with pytest.raises(ValueError, match="architecture of init_from differs"):
        _net(init_from=_net().fit(X, Y), hidden_layer_sizes=(8,)).fit(X, Y)
    with pytest.raises(ValueError, match="unfitted"):
        _net(init_from=_net()).fit(X, Y)
    text = TextClassifier(max_epochs=1, device="cpu").fit(
        list(TEXT_CORPUS), TEXT_LABELS
    )
    with pytest.raises(TypeError, match="init_from must be"):
        _net(init_from=text).fit(X, Y)


def test_sample_weight_weighs_rows():
    # Weight zero on the rows of one class: the net never predicts it.
    w = np.where(Y == 1, 0.0, 1.0)
    clf = _net(max_epochs=10).fit(X, np.where(Y == -1, 0, Y), sample_weight=w)
    assert (clf.predict(X) == 0).mean() > 0.95
    with pytest.raises(ValueError, match="non-zero"):
        _net().fit(X, Y, sample_weight=np.zeros(len(Y)))


def test_early_stopping_and_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    clf = _net(early_stopping=True, n_iter_no_change=2, max_epochs=30).fit(frame, Y)
    assert_array_equal(clf.feature_names_in_, frame.columns)
    assert len(clf.history) <= 30
    assert "valid_loss" in clf.history[-1]
    clf.predict(frame)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.where(np.eye(len(Y), 6) == 1, np.nan, X), ValueError, "NaN"),
        (np.where(np.eye(len(Y), 6) == 1, np.inf, X), ValueError, "infinity"),
        (X[:, :4], None, None),
        (sparse.csr_matrix(X), TypeError, "dense input"),
        ([["a"] * 6] * len(Y), ValueError, "convert"),
    ],
)
def test_bad_input(bad, error, match):
    if error is None:
        # Fewer features at predict than at fit.
        clf = _net(max_epochs=1).fit(X, Y)
        with pytest.raises(ValueError, match="has 4 features"):
            clf.predict(bad)
        return
    with pytest.raises(error, match=match):
        _net().fit(bad, Y)
    clf = _net(max_epochs=1).fit(X, Y)
    with pytest.raises(error, match=match):
        clf.predict(bad)


def test_y_errors():
    with pytest.raises(ValueError, match="requires y"):
        _net().fit(X, None)
    with pytest.raises(ValueError, match="Unknown label type"):
        _net().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="numeric regression targets"):
        _net(NeuralRegressor).fit(X, np.asarray(["a"] * len(X), dtype=object))


def test_mlp_module_features():
    module = MLPModule(n_features=3, n_outputs=2, hidden_layer_sizes=(4, 5))
    out, features = module(torch.zeros(7, 3), return_features=True)
    assert out.shape == (7, 2) and features.shape == (7, 5)


@pytest.mark.parametrize("cls", [NeuralClassifier, NeuralRegressor])
def test_save_pretrained_round_trip_without_pickle(cls, tmp_path, monkeypatch):
    pytest.importorskip("safetensors")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    y = np.where(Y == 1, "b", "a") if cls is NeuralClassifier else X[:, 0]
    est = _net(cls, hidden_layer_sizes=(8, 4)).fit(frame, y)
    path = est.save_pretrained(tmp_path / "model")

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    again = cls.from_pretrained(path)
    assert again.hidden_layer_sizes == (8, 4)
    assert_array_equal(again.feature_names_in_, frame.columns)
    assert_array_equal(again.predict(frame), est.predict(frame))
    if cls is NeuralClassifier:
        assert_array_equal(again.classes_, ["a", "b"])


def test_save_pretrained_keeps_heads_and_domain_head(tmp_path):
    pytest.importorskip("safetensors")
    Xs, y, domain = _two_label_sets()
    heads = _net(heads="per_domain", task_weights={0: 1.0, -1: 2.0}, max_epochs=2).fit(
        Xs, y, sample_domain=domain
    )
    again = NeuralClassifier.from_pretrained(heads.save_pretrained(tmp_path / "h"))
    assert again.task_weights == {0: 1.0, -1: 2.0}
    for d in np.unique(domain):
        heads.set_params(predict_domain=int(d))
        again.set_params(predict_domain=int(d))
        assert_array_equal(again.classes_, heads.classes_)
        assert_array_equal(again.predict_proba(Xs), heads.predict_proba(Xs))
    dann = _net(domain_adversarial=0.1, max_epochs=2).fit(X, Y)
    loaded = NeuralClassifier.from_pretrained(dann.save_pretrained(tmp_path / "d"))
    for ours, theirs in zip(
        dann.domain_classifier_.state_dict().values(),
        loaded.domain_classifier_.state_dict().values(),
    ):
        assert torch.equal(ours, theirs)
    assert_array_equal(loaded.predict_proba(X), dann.predict_proba(X))


def test_save_pretrained_refusals(tmp_path):
    pytest.importorskip("safetensors")
    source = _net().fit(X, Y)
    with pytest.raises(ValueError, match="init_from=None"):
        _net(init_from=source, max_epochs=1).fit(X, Y).save_pretrained(tmp_path / "a")
    path = source.save_pretrained(tmp_path / "c")
    with pytest.raises(ValueError, match="not a NeuralRegressor"):
        NeuralRegressor.from_pretrained(path)
