"""Multi-task heads of TextClassifier (``sktransfer/neural/_multitask.py``)."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402

from sktransfer.neural import TextClassifier  # noqa: E402
from sktransfer.neural._multitask import fit_task_heads, multitask_loss  # noqa: E402
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402

# Task of domain 0: sentiment (2 classes) of the shared corpus. Task of domain
# -1 (the target): 3 topics (film, music, story) of other sentences.
X0 = list(TEXT_CORPUS)
Y0 = np.asarray(TEXT_LABELS)
_TOPICS = {
    "film": ["a film with a cast", "the film and the cast", "cast of the film"],
    "music": ["the music and a song", "a song with music", "music of the song"],
    "story": ["the story and the plot", "a plot with a story", "plot of the story"],
}
X1 = [doc for docs in _TOPICS.values() for doc in docs] * 2
Y1 = np.asarray([t for t, docs in _TOPICS.items() for _ in docs] * 2, dtype=object)
X = X0 + X1
Y = np.concatenate([Y0.astype(object), Y1])
SD = np.r_[np.zeros(len(X0), dtype=int), -np.ones(len(X1), dtype=int)]


def _net(**params):
    base = {
        "heads": "per_domain",
        "embedding_dim": 16,
        "hidden_size": 16,
        "max_epochs": 40,
        "lr": 0.02,
        "batch_size": 8,
        "device": "cpu",
        "random_state": 0,
    }
    return TextClassifier(**{**base, **params})


def _heads(weights=None):
    y = np.array([0, 1, 0, 1, "a", "b", "c"], dtype=object)
    domains = np.array([0, 0, 0, 0, -1, -1, -1])
    return fit_task_heads(y, domains, weights, "C")


def test_heads_are_column_slices_with_their_own_classes():
    heads = _heads()
    assert heads.domains == (-1, 0)
    assert_array_equal(heads.classes[0], ["a", "b", "c"])
    assert_array_equal(heads.classes[1], [0, 1])
    assert heads.classes[1].dtype.kind == "i"
    assert heads.n_outputs == 5
    assert heads.columns(1) == slice(3, 5)


def test_loss_is_the_weighted_sum_of_per_task_means():
    heads = _heads({-1: 0.5})
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(5, 5, generator=gen)
    tasks = torch.tensor([1, 1, 0, 1, 0])
    columns = torch.tensor([3, 4, 2, 3, 0])
    got = multitask_loss(logits, columns, tasks, heads)
    ce = torch.nn.functional.cross_entropy
    task0 = ce(logits[[2, 4]][:, 0:3], torch.tensor([2, 0]))
    task1 = ce(logits[[0, 1, 3]][:, 3:5], torch.tensor([0, 1, 0]))
    assert torch.allclose(got, 0.5 * task0 + 1.0 * task1)


def test_each_head_receives_only_its_tasks_rows():
    heads = _heads()
    layer = torch.nn.Linear(4, heads.n_outputs)
    features = torch.randn(3, 4)
    # Rows of task 1 only: the head of task 0 gets no gradient.
    multitask_loss(
        layer(features), torch.tensor([3, 4, 4]), torch.tensor([1, 1, 1]), heads
    ).backward()
    assert float(layer.weight.grad[0:3].abs().sum()) == 0.0
    assert float(layer.bias.grad[0:3].abs().sum()) == 0.0
    assert float(layer.weight.grad[3:5].abs().sum()) > 0.0


def test_two_tasks_with_different_label_sets_train_together():
    clf = _net().fit(X, Y, sample_domain=SD)
    assert_array_equal(clf.domain_classes_[0], [0, 1])
    assert_array_equal(clf.domain_classes_[-1], ["film", "music", "story"])
    assert clf.module_.head.out_features == 5
    # The default head is the target domain's.
    assert_array_equal(clf.classes_, ["film", "music", "story"])
    assert clf.predict_proba(X1).shape == (len(X1), 3)
    assert np.mean(clf.predict(X1) == Y1) > 0.9
    clf.set_params(predict_domain=0)
    assert_array_equal(clf.classes_, [0, 1])
    assert np.mean(clf.predict(X0) == Y0) > 0.9
    assert_allclose(clf.predict_proba(X0).sum(axis=1), 1.0, rtol=1e-5)
    # score keeps the rows of the predicting head's domain.
    assert clf.score(X, Y, sample_domain=SD) == clf.score(X0, Y0)
    with pytest.raises(ValueError, match="no row of domain 0"):
        clf.score(X1, Y1, sample_domain=-np.ones(len(X1), dtype=int))


def test_task_weight_zero_leaves_a_head_untrained():
    clf = _net(task_weights={0: 0.0}, max_epochs=20).fit(X, Y, sample_domain=SD)
    clf.set_params(predict_domain=0)
    assert np.mean(clf.predict(X0) == Y0) < 0.8
    clf.set_params(predict_domain=None)
    assert np.mean(clf.predict(X1) == Y1) > 0.9


def test_with_unlabelled_target_rows_and_domain_adversarial():
    extra = ["a song of the film", "the plot of the music"]
    y = np.concatenate([Y, [-1, -1]])
    sd = np.r_[SD, [-1, -1]]
    clf = _net(max_epochs=3, domain_adversarial=0.1).fit(X + extra, y, sample_domain=sd)
    assert "train_loss_domain" in clf.history[-1]
    assert set(clf.domain_classes_) == {0, -1}


@pytest.mark.parametrize(
    "params, sample_domain, match",
    [
        ({}, None, "heads='per_domain' .* at least 2"),
        ({"predict_domain": 3}, SD, "predict_domain=3 has no head"),
        ({"task_weights": {5: 1.0}}, SD, "task_weights names domains"),
        ({"task_weights": {0: "a"}}, SD, r"task_weights\[0\] must be a finite"),
        ({"task_weights": {0: -1.0}}, SD, r"task_weights\[0\] must be a finite"),
        ({"heads": "each"}, SD, "'heads' parameter"),
        ({"task_weights": [1.0]}, SD, "'task_weights' parameter"),
        ({"classes": [0, 1]}, SD, "classes applies to heads='shared'"),
    ],
)
def test_bad_input(params, sample_domain, match):
    with pytest.raises(ValueError, match=match):
        _net(max_epochs=1, **params).fit(X, Y, sample_domain=sample_domain)


def test_predict_domain_without_head_at_predict_time():
    clf = _net(max_epochs=1).fit(X, Y, sample_domain=SD)
    clf.set_params(predict_domain=7)
    with pytest.raises(ValueError, match="predict_domain=7 has no head"):
        clf.predict(X0)


def test_two_sources_and_no_target_head_need_predict_domain():
    sd = np.r_[np.zeros(len(X0), dtype=int), np.ones(len(X1), dtype=int)]
    with pytest.raises(ValueError, match="set predict_domain"):
        _net(max_epochs=1).fit(X, Y, sample_domain=sd)
    clf = _net(max_epochs=1, predict_domain=1).fit(X, Y, sample_domain=sd)
    assert_array_equal(clf.classes_, ["film", "music", "story"])


def test_teacher_is_rejected():
    from sklearn.dummy import DummyClassifier

    teacher = DummyClassifier().fit(X0, Y0)
    with pytest.raises(ValueError, match="teacher is not supported with heads"):
        _net(max_epochs=1, teacher=teacher).fit(X, Y, sample_domain=SD)


def test_clone_pickle_and_refit_shared():
    clf = _net(max_epochs=2).fit(X, Y, sample_domain=SD)
    loaded = pickle.loads(pickle.dumps(clf))
    assert_allclose(loaded.predict_proba(X1), clf.predict_proba(X1))
    assert not hasattr(clone(clf), "domain_classes_")
    clf.set_params(heads="shared").fit(X0, Y0)
    assert not hasattr(clf, "domain_classes_")
    assert_array_equal(clf.classes_, [0, 1])
    assert clf.module_.head.out_features == 2


def test_save_pretrained_keeps_the_heads(tmp_path):
    pytest.importorskip("safetensors")
    clf = _net(max_epochs=1).fit(X, Y, sample_domain=SD)
    again = TextClassifier.from_pretrained(clf.save_pretrained(tmp_path / "net"))
    assert_array_equal(again.predict_proba(X1), clf.predict_proba(X1))
    assert_array_equal(again.classes_, ["film", "music", "story"])


def test_grid_search_with_routed_sample_domain():
    with config_context(enable_metadata_routing=True):
        grid = GridSearchCV(
            _net(max_epochs=5),
            {"task_weights": [None, {-1: 2.0}]},
            # y mixes int and str labels, which cannot be stratified.
            cv=KFold(2, shuffle=True, random_state=0),
        ).fit(X, Y, sample_domain=SD)
    scores = grid.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert_array_equal(grid.best_estimator_.classes_, ["film", "music", "story"])


def test_regressor_heads_one_output_per_domain():
    from sktransfer.neural import TextRegressor

    # Domain 0: +1/-1 sentiment; domain -1: the same documents on a scale
    # shifted by +3 (a head of its own must learn the shift).
    y0 = np.where(Y0 == 1, 1.0, -1.0)
    y = np.r_[y0, y0 + 3.0]
    sd = np.r_[np.zeros(len(X0), dtype=int), -np.ones(len(X0), dtype=int)]
    reg = TextRegressor(
        heads="per_domain",
        embedding_dim=16,
        hidden_size=16,
        max_epochs=60,
        lr=0.02,
        batch_size=8,
        device="cpu",
        random_state=0,
    ).fit(X0 + X0, y, sample_domain=sd)
    assert reg.module_.head.out_features == 2
    target = reg.predict(X0)
    assert abs(target.mean() - 3.0) < 0.5
    assert np.corrcoef(target, y0)[0, 1] > 0.8
    reg.set_params(predict_domain=0)
    source = reg.predict(X0)
    assert abs(source.mean()) < 0.5
    assert np.corrcoef(source, y0)[0, 1] > 0.8
    # score keeps the rows of domain 0.
    assert reg.score(X0 + X0, y, sample_domain=sd) == pytest.approx(reg.score(X0, y0))
    with pytest.raises(ValueError, match="heads='per_domain' .* at least 2"):
        clone(reg).fit(X0, y0)


def test_history_records_each_heads_loss():
    # One batch per epoch: the loss is the weighted sum of the heads' losses.
    clf = _net(max_epochs=3, batch_size=-1, task_weights={-1: 0.5})
    clf.fit(X, Y, sample_domain=SD)
    for epoch in clf.history:
        assert epoch["train_loss"] == pytest.approx(
            epoch["train_loss_task_0"] + 0.5 * epoch["train_loss_task_-1"], rel=1e-5
        )
    # The heads learn: their losses fall.
    clf.set_params(max_epochs=15).fit(X, Y, sample_domain=SD)
    for key in ("train_loss_task_0", "train_loss_task_-1"):
        losses = clf.history[:, key]
        assert len(losses) == 15
        assert losses[-1] < losses[0]


def test_heads_epoch_loss_is_the_mean_over_the_heads_rows():
    # Domains 1 and -2 (any ints); batches of 8 hold rows of one or both.
    sd = np.where(SD == 0, 1, -2)
    weight = np.where(np.arange(len(X)) % 2, 2.0, 1.0)
    clf = _net(max_epochs=2).fit(X, Y, sample_domain=sd, sample_weight=weight)
    assert {"train_loss_task_1", "train_loss_task_-2"} <= set(clf.history[-1])
    for epoch in clf.history:
        for domain in (1, -2):
            key, wkey = f"train_loss_task_{domain}", f"train_weight_task_{domain}"
            seen = [(b[key], b[wkey]) for b in epoch["batches"] if key in b]
            # Not every batch holds rows of the domain.
            assert 0 < len(seen) <= len(epoch["batches"])
            expected = sum(v * w for v, w in seen) / sum(w for _, w in seen)
            assert epoch[key] == pytest.approx(expected, rel=1e-9)
    # The weights of a domain's rows over an epoch add up to its sample_weight.
    first = clf.history[0]["batches"]
    assert sum(b.get("train_weight_task_-2", 0) for b in first) == pytest.approx(
        weight[sd == -2].sum()
    )


def test_shared_heads_record_no_head_loss():
    clf = _net(max_epochs=1, heads="shared").fit(X0, Y0)
    assert not [k for k in clf.history[-1] if k.startswith("train_loss_task")]


def test_heads_losses_with_objectives_and_the_regressor():
    from sktransfer.neural import TextRegressor

    extra = ["an unlabelled line of text", "another unlabelled text"] * 3
    y0 = np.where(Y0 == 1, 1.0, -1.0)
    y = np.r_[y0, y0 + 3.0, np.full(len(extra), np.nan)]
    sd = np.r_[np.zeros(len(X0), int), -np.ones(len(X0) + len(extra), int)]
    reg = TextRegressor(
        heads="per_domain",
        domain_adversarial=0.1,
        embedding_dim=8,
        hidden_size=8,
        max_epochs=2,
        batch_size=8,
        device="cpu",
        random_state=0,
    ).fit(X0 + X0 + extra, y, sample_domain=sd)
    keys = set(reg.history[-1])
    assert {"train_loss_task_0", "train_loss_task_-1", "train_loss_domain"} <= keys
    assert np.isfinite(reg.history[:, "train_loss_task_-1"]).all()
