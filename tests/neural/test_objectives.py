"""The transfer objectives in a fit (``sktransfer/neural/_objectives.py``)."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sktransfer.neural import TextClassifier, TextModule, TextRegressor  # noqa: E402
from sktransfer.neural._objectives import Objectives, _Plan, _Pool  # noqa: E402
from sktransfer.utils._testing import (  # noqa: E402
    TEXT_CORPUS,
    TEXT_LABELS,
    yield_text_checks,
)

X = list(TEXT_CORPUS)
Y = np.asarray(TEXT_LABELS)
# Unlabelled "target" documents of other words.
TARGET = [
    "lovely tune and superb singing",
    "dreadful tune and awful singing",
    "superb show and lovely songs",
    "awful show and dreadful songs",
    "the singing was superb",
    "the songs were dreadful",
]
X_ALL = X + TARGET
Y_ALL = np.concatenate([Y, -np.ones(len(TARGET), dtype=int)])


def _teacher():
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(X, Y)


@pytest.mark.parametrize("cls", [TextClassifier, TextRegressor])
def test_zero_weights_are_the_plain_fit_bit_for_bit(cls, small):
    y = Y_ALL if cls is TextClassifier else np.where(Y_ALL < 0, np.nan, Y_ALL)
    plain = small(cls).fit(X_ALL, y)
    zero = small(cls, domain_adversarial=0.0, coral_loss=0.0).fit(X_ALL, y)
    assert_array_equal(plain.predict(X_ALL), zero.predict(X_ALL))
    assert plain.history[:, "train_loss"] == zero.history[:, "train_loss"]
    assert not hasattr(zero, "domain_classifier_")
    assert "train_loss_task" not in zero.history[-1]


@pytest.mark.parametrize(
    "params, terms",
    [
        ({"domain_adversarial": 0.3}, ["task", "domain"]),
        ({"coral_loss": 2.0}, ["task", "coral"]),
        ({"domain_adversarial": 0.3, "coral_loss": 2.0}, ["task", "coral", "domain"]),
    ],
)
def test_history_records_each_term_and_their_sum(params, terms, small):
    clf = small(**params).fit(X_ALL, Y_ALL)
    for epoch in clf.history:
        recorded = [
            k[len("train_loss_") :] for k in epoch if k.startswith("train_loss_")
        ]
        assert sorted(t for t in recorded if not t.endswith("best")) == sorted(terms)
        total = epoch["train_loss_task"]
        total += params.get("coral_loss", 0) * epoch.get("train_loss_coral", 0)
        total += epoch.get("train_loss_domain", 0)
        assert epoch["train_loss"] == pytest.approx(total, rel=1e-5)
    if "domain_adversarial" in params:
        # The domain head's cross-entropy, about log 2 for an unsure head.
        assert 0.3 < clf.history[-1, "train_loss_domain"] < 1.0
        assert isinstance(clf.domain_classifier_, torch.nn.Module)
    if "coral_loss" in params:
        assert all(v >= 0 for v in clf.history[:, "train_loss_coral"])


class _SizeRecorder(TextModule):
    """TextModule that records the rows and widths of its training batches."""

    seen = []

    def forward(self, X, return_features=False):
        if return_features:
            type(self).seen.append(X.shape[0])
        return super().forward(X, return_features=return_features)


@pytest.mark.parametrize(
    "ratio, sizes",
    [
        # 24 labelled rows in batches of 5 (the last of 4), each joined by
        # ceil(ratio * rows) unlabelled ones.
        (1.0, [10, 10, 10, 10, 8]),
        (0.5, [8, 8, 8, 8, 6]),
        (0.2, [6, 6, 6, 6, 5]),
        (2.0, [15, 15, 15, 15, 12]),
    ],
)
def test_each_batch_is_joined_by_the_ratio_of_unlabelled_rows(ratio, sizes, small):
    _SizeRecorder.seen = []
    clf = small(
        module=_SizeRecorder,
        domain_adversarial=0.1,
        batch_size=5,
        unlabelled_batch_ratio=ratio,
    )
    clf.fit(X_ALL, Y_ALL)
    assert _SizeRecorder.seen == sizes * 3


@pytest.mark.parametrize(
    "params, size",
    [
        # 'auto': half as many unlabelled rows with an alignment term...
        ({"coral_loss": 1.0}, 12),
        ({"domain_adversarial": 0.1}, 12),
        ({"domain_adversarial": 0.1, "teacher": "tfidf"}, 12),
        # ... as many to distil alone.
        ({"teacher": "tfidf"}, 16),
    ],
)
def test_auto_ratio(params, size, small):
    if "teacher" in params:
        params = {**params, "teacher": _teacher()}
    _SizeRecorder.seen = []
    clf = small(module=_SizeRecorder, batch_size=8, **params)
    assert clf.unlabelled_batch_ratio == "auto"
    clf.fit(X_ALL, Y_ALL)
    # 24 labelled rows: 3 batches of 8.
    assert _SizeRecorder.seen == [size] * 3 * 3


@pytest.mark.parametrize("cls", [TextClassifier, TextRegressor])
def test_ratio_draws_the_pool_rows_of_distillation_too(cls, small):
    from sklearn.linear_model import Ridge

    _SizeRecorder.seen = []
    if cls is TextClassifier:
        y, teacher = Y_ALL, _teacher()
    else:
        y = np.where(Y_ALL < 0, np.nan, Y_ALL.astype(float))
        teacher = make_pipeline(TfidfVectorizer(), Ridge()).fit(X, Y.astype(float))
    net = small(
        cls,
        module=_SizeRecorder,
        teacher=teacher,
        batch_size=6,
        unlabelled_batch_ratio=1 / 3,
    )
    net.fit(X_ALL, y)
    assert _SizeRecorder.seen == [8] * 4 * 3


def test_pool_cycles_at_the_ratio(small):
    # 6 unlabelled rows, 2 drawn per batch of 4 labelled rows: every pool row
    # is drawn once per 3 batches.
    found = Objectives(0.1, "constant", 0.0, None, 0.0, 1.0, 0.5)
    pool = _Pool(np.arange(6), np.ones(6), None, seed=0)
    plan = _Plan(found, pool, total_steps=6)
    drawn = np.concatenate([pool.draw(plan.n_drawn(4)) for _ in range(6)])
    assert drawn.shape == (12,)
    assert sorted(drawn[:6]) == sorted(drawn[6:]) == list(range(6))
    assert _Plan(found, None, 6).n_drawn(4) == 0


def test_domain_loss_weighs_source_and_target_half_each():
    from sktransfer.neural._adversarial import domain_loss
    from sktransfer.neural._objectives import _balanced_weights

    target = np.array([False] * 6 + [True] * 2)
    weight = _balanced_weights(target, "cpu")
    assert_allclose(weight.numpy(), [1 / 12] * 6 + [1 / 4] * 2)
    logits = torch.tensor([2.0] * 6 + [-1.0] * 2)
    is_target = torch.from_numpy(target)
    expected = 0.5 * torch.nn.functional.softplus(torch.tensor(2.0))
    expected += 0.5 * torch.nn.functional.softplus(torch.tensor(1.0))
    got = domain_loss(logits, is_target, weight)
    assert float(got) == pytest.approx(float(expected), rel=1e-6)
    # Balanced rows: the plain mean.
    even = np.array([False, True] * 4)
    assert float(domain_loss(logits, torch.from_numpy(even))) == pytest.approx(
        float(
            domain_loss(logits, torch.from_numpy(even), _balanced_weights(even, "cpu"))
        ),
        rel=1e-6,
    )
    # One domain only: no weights (the mean).
    assert _balanced_weights(np.zeros(4, dtype=bool), "cpu") is None


def test_pool_draws_every_row_once_per_cycle():
    pool = _Pool(np.arange(7), np.ones(7), None, seed=0)
    drawn = np.concatenate([pool.draw(3) for _ in range(7)])
    for cycle in range(3):
        assert sorted(drawn[7 * cycle : 7 * (cycle + 1)]) == list(range(7))


def test_ganin_schedule_ramps_the_reversal_weight():
    found = Objectives(0.5, "ganin", 0.0, None, 0.0, 1.0)
    plan = _Plan(found, None, total_steps=10)
    values = []
    for _ in range(11):
        values.append(plan.reversal_coefficient())
        plan.steps_done += 1
    assert values[0] == 0.0
    assert values == sorted(values)
    assert 0.49 < values[-1] < 0.5
    constant = _Plan(found._replace(schedule="constant"), None, 10)
    assert constant.reversal_coefficient() == 0.5


def test_ganin_schedule_trains(small):
    clf = small(domain_adversarial=1.0, domain_adversarial_schedule="ganin")
    clf.fit(X_ALL, Y_ALL)
    assert np.isfinite(clf.history[:, "train_loss_domain"]).all()


def test_domain_head_trains_and_is_dropped_when_turned_off(small):
    clf = small(domain_adversarial=0.5).fit(X_ALL, Y_ALL)
    params = [p for _, p in clf.get_all_learnable_params()]
    assert any(p is clf.domain_classifier_.hidden.weight for p in params)
    clf.set_params(domain_adversarial=0.0).fit(X_ALL, Y_ALL)
    assert not hasattr(clf, "domain_classifier_")
    assert "domain_classifier" not in clf._modules


@pytest.mark.parametrize("param", ["domain_adversarial", "coral_loss"])
def test_alignment_without_target_rows_is_an_error(param, small):
    with pytest.raises(ValueError, match=rf"{param}=0.5 aligns .* no target rows"):
        small(**{param: 0.5}).fit(X, Y)


def test_labelled_target_rows_are_target_rows(small):
    # Explicit domains: the target rows are labelled; no pool is needed.
    sd = np.where(np.arange(len(X)) < 16, 0, -1)
    clf = small(coral_loss=1.0, domain_adversarial=0.1).fit(X, Y, sample_domain=sd)
    assert np.isfinite(clf.history[:, "train_loss_coral"]).all()


def test_teacher_without_predict_proba_is_an_error(small):
    with pytest.raises((TypeError, ValueError), match="'teacher' parameter"):
        small(teacher=TfidfVectorizer()).fit(X, Y)


def test_teacher_with_other_classes_is_an_error(small):
    teacher = make_pipeline(TfidfVectorizer(), LogisticRegression())
    teacher.fit(X, np.where(Y == 1, "pos", "neg"))
    with pytest.raises(ValueError, match="classes of teacher"):
        small(teacher=teacher).fit(X, Y)


def test_unfitted_teacher_is_an_error(small):
    teacher = make_pipeline(TfidfVectorizer(), LogisticRegression())
    with pytest.raises(ValueError, match="teacher"):
        small(teacher=teacher).fit(X, Y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"domain_adversarial": -0.1}, "domain_adversarial"),
        ({"coral_loss": -1}, "coral_loss"),
        ({"domain_adversarial_schedule": "linear"}, "domain_adversarial_schedule"),
        ({"distillation_weight": 1.5}, "distillation_weight"),
        ({"temperature": 0}, "temperature"),
        ({"coral_loss": 1.0, "unlabelled_batch_ratio": 0}, "unlabelled_batch_ratio"),
        ({"coral_loss": 1.0, "unlabelled_batch_ratio": -1}, "unlabelled_batch_ratio"),
        ({"coral_loss": 1.0, "unlabelled_batch_ratio": 17}, "unlabelled_batch_ratio"),
        ({"coral_loss": 1.0, "unlabelled_batch_ratio": "1"}, "unlabelled_batch_ratio"),
        ({"unlabelled_batch_ratio": "balanced"}, "unlabelled_batch_ratio"),
        ({"unlabelled_batch_ratio": float("nan")}, "unlabelled_batch_ratio"),
    ],
)
def test_bad_values_name_the_parameter(params, match, small):
    with pytest.raises(ValueError, match=match):
        small(**params).fit(X_ALL, Y_ALL)


def test_regressor_rejects_a_bad_ratio(small):
    y = np.where(Y_ALL < 0, np.nan, Y_ALL.astype(float))
    with pytest.raises(ValueError, match="unlabelled_batch_ratio"):
        small(TextRegressor, domain_adversarial=0.1, unlabelled_batch_ratio=0).fit(
            X_ALL, y
        )


def test_module_without_features_is_an_error(small):
    class Plain(TextModule):
        def forward(self, X):
            return super().forward(X)

    with pytest.raises(TypeError, match="return_features=True"):
        small(module=Plain, coral_loss=1.0).fit(X_ALL, Y_ALL)


def test_regressor_aligns_with_nan_targets(small):
    y = np.where(Y_ALL < 0, np.nan, Y_ALL.astype(float))
    reg = small(TextRegressor, domain_adversarial=0.1, coral_loss=1.0).fit(X_ALL, y)
    assert {"train_loss_domain", "train_loss_coral"} <= set(reg.history[-1])
    assert reg.predict(TARGET).shape == (len(TARGET),)


def test_regressor_distills_a_regressor_teacher():
    from sklearn.linear_model import Ridge

    targets = np.where(Y == 1, 2.0, -1.0)
    teacher = make_pipeline(TfidfVectorizer(), Ridge(alpha=3.0)).fit(X, targets)
    y = np.concatenate([targets, np.full(len(TARGET), np.nan)])
    reg = TextRegressor(
        embedding_dim=16,
        hidden_size=16,
        dropout=0.0,
        max_epochs=150,
        lr=0.02,
        batch_size=8,
        teacher=teacher,
        distillation_weight=1.0,
        device="cpu",
        random_state=0,
    ).fit(X_ALL, y)
    expected = teacher.predict(X_ALL)
    # Ridge shrinks the targets: matching it is not matching the labels.
    assert np.abs(expected - np.r_[targets, expected[len(X) :]]).max() > 0.3
    assert np.abs(reg.predict(X_ALL) - expected).max() < 0.1
    assert "temperature" not in reg.get_params()


def test_regressor_teacher_without_predict_is_an_error(small):
    y = np.where(Y_ALL < 0, np.nan, Y_ALL.astype(float))
    with pytest.raises((TypeError, ValueError), match="'teacher' parameter"):
        small(TextRegressor, teacher=TfidfVectorizer()).fit(X_ALL, y)


def test_clone_and_pickle(small):
    clf = small(domain_adversarial=0.2, coral_loss=1.0, teacher=_teacher())
    clf.fit(X_ALL, Y_ALL)
    copy = clone(clf)
    assert copy.teacher is clf.teacher
    assert not hasattr(copy, "domain_classifier_")
    loaded = pickle.loads(pickle.dumps(clf))
    assert_allclose(loaded.predict_proba(X_ALL), clf.predict_proba(X_ALL))
    assert isinstance(loaded.domain_classifier_, torch.nn.Module)
    # The trained domain head is saved (as arrays), not drawn afresh on load.
    for name, value in clf.domain_classifier_.state_dict().items():
        assert torch.equal(loaded.domain_classifier_.state_dict()[name], value)
    # The fit is reproducible with its random_state.
    again = clone(clf).fit(X_ALL, Y_ALL)
    assert_allclose(again.predict_proba(X_ALL), clf.predict_proba(X_ALL))


def test_save_pretrained_asks_to_drop_the_teacher(small, tmp_path):
    clf = small(teacher=FrozenEstimator(_teacher())).fit(X_ALL, Y_ALL)
    with pytest.raises(ValueError, match=r"set_params\(teacher=None\)"):
        clf.save_pretrained(tmp_path / "net")
    clf.set_params(teacher=None).save_pretrained(tmp_path / "net")


def test_grid_search_with_implicit_domains(sentiment, small):
    X_s, y_s, _ = sentiment
    grid = GridSearchCV(
        small(max_epochs=2, batch_size=16),
        {"domain_adversarial": [0.0, 0.1], "coral_loss": [0.0, 1.0]},
        cv=2,
    ).fit(X_s, y_s)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert len(grid.cv_results_["params"]) == 4


def test_grid_search_with_routed_sample_domain(sentiment, small):
    X_s, y_s, sd = sentiment
    teacher = FrozenEstimator(
        make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
            [x for x, t in zip(X_s, y_s) if t != -1], y_s[y_s != -1]
        )
    )
    with config_context(enable_metadata_routing=True):
        grid = GridSearchCV(
            small(max_epochs=2, batch_size=16),
            {"domain_adversarial": [0.1], "teacher": [None, teacher]},
            cv=2,
        ).fit(X_s, y_s, sample_domain=sd)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.best_estimator_.history[-1]["train_loss_domain"] > 0


@pytest.mark.filterwarnings("ignore::sktransfer.utils.MinusOneClassWarning")
@pytest.mark.parametrize(
    "params",
    [{"domain_adversarial": 0.1, "coral_loss": 0.5}, {"teacher": "tfidf"}],
    ids=["dann+coral", "distillation"],
)
def test_text_checks_pass(params, small):
    if "teacher" in params:
        params = {"teacher": FrozenEstimator(_teacher())}
    # Target rows spread over the corpus: the suite also fits on its first half.
    order = np.argsort(np.r_[np.arange(len(X)), 4 * np.arange(len(TARGET)) + 0.5])
    X_mixed = [X_ALL[i] for i in order]
    est = small(max_epochs=1, **params)
    ran = []
    for check in yield_text_checks(est, X=X_mixed, y=Y_ALL[order]):
        if check.__name__ == "check_classifier_output":
            # It refits on string labels given to every row: no target rows
            # left, which DANN and CORAL reject, and labels the teacher does
            # not know, which distillation rejects (both tested above).
            continue
        check(est)
        ran.append(check.__name__)
    assert "check_in_pipeline_and_grid_search" in ran
    assert "check_pickle_round_trip" in ran
