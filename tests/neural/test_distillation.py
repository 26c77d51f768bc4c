"""Distillation from a fitted teacher (``sktransfer/neural/_distillation.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sktransfer.neural import TextClassifier  # noqa: E402
from sktransfer.neural._distillation import (  # noqa: E402
    distillation_loss,
    teacher_probabilities,
)
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402

X = list(TEXT_CORPUS)
Y = np.asarray(TEXT_LABELS)


def test_loss_is_zero_when_the_student_matches_the_teacher():
    proba = torch.tensor([[0.2, 0.8], [0.6, 0.4], [0.99, 0.01]])
    for temperature in (1.0, 2.0, 5.0):
        got = distillation_loss(proba.log(), proba, temperature)
        assert float(got) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("temperature", [1.0, 3.0])
def test_loss_is_t_squared_kl_of_the_softened_distributions(temperature):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    proba = torch.softmax(torch.randn(6, 3, generator=gen, dtype=torch.float64), 1)
    t = torch.softmax(proba.log() / temperature, 1)
    s = torch.softmax(logits / temperature, 1)
    expected = temperature**2 * (t * (t.log() - s.log())).sum(1).mean()
    got = distillation_loss(logits, proba, temperature)
    assert float(got) == pytest.approx(float(expected), rel=1e-10)


def test_zero_teacher_probabilities_give_a_finite_loss():
    logits = torch.zeros(2, 3, requires_grad=True)
    proba = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    loss = distillation_loss(logits, proba, 2.0)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


class _Teacher:
    def __init__(self, classes, proba):
        self.classes_ = np.asarray(classes)
        self._proba = np.asarray(proba)

    def predict_proba(self, X):
        return self._proba[: len(X)]


def test_teacher_columns_follow_the_students_classes():
    teacher = _Teacher(["pos", "neg"], [[0.9, 0.1], [0.3, 0.7]])
    got = teacher_probabilities(teacher, ["a", "b"], np.array(["neg", "pos"]), "C")
    assert got.dtype == np.float32
    assert_allclose(got, [[0.1, 0.9], [0.7, 0.3]])


def test_teacher_with_other_classes_is_rejected():
    teacher = _Teacher([0, 1, 2], np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"classes of teacher .* differ from those"):
        teacher_probabilities(teacher, ["a", "b"], np.array([0, 1]), "C")


def _tfidf_teacher():
    return make_pipeline(TfidfVectorizer(), LogisticRegression(C=0.5)).fit(X, Y)


def test_weight_one_temperature_one_reproduces_the_teachers_probabilities():
    teacher = _tfidf_teacher()
    clf = TextClassifier(
        embedding_dim=16,
        hidden_size=16,
        dropout=0.0,
        max_epochs=150,
        lr=0.02,
        batch_size=8,
        teacher=teacher,
        distillation_weight=1.0,
        temperature=1.0,
        device="cpu",
        random_state=0,
    ).fit(X, Y)
    target = teacher.predict_proba(X)
    # The teacher's probabilities are soft (0.3-0.7): a student that only
    # learnt the labels would be far more confident.
    assert np.abs(target - 0.5).max() < 0.3
    assert np.abs(clf.predict_proba(X) - target).max() < 0.03
    history = clf.history
    assert history[-1, "train_loss"] == pytest.approx(
        history[-1, "train_loss_distillation"]
    )


def test_unlabelled_rows_are_distilled_too():
    # The teacher's view of the unlabelled rows is learnt although they have
    # no label: here it holds the opposite of the words' labelled meaning.
    unlabelled = ["great great great", "bad bad bad"]
    proba = np.vstack([_tfidf_teacher().predict_proba(X), [[0.9, 0.1], [0.1, 0.9]]])
    teacher = _Teacher([0, 1], proba)
    y = np.concatenate([Y, [-1, -1]])
    params = {"embedding_dim": 16, "hidden_size": 16, "max_epochs": 60, "lr": 0.02}
    clf = TextClassifier(
        teacher=teacher,
        distillation_weight=1.0,
        temperature=1.0,
        random_state=0,
        device="cpu",
        **params,
    ).fit(X + unlabelled, y)
    got = clf.predict_proba(unlabelled)
    assert got[0, 0] > 0.6 and got[1, 1] > 0.6


def test_frozen_teacher_is_accepted_and_shared_by_clone():
    from sklearn.base import clone

    teacher = _tfidf_teacher()
    for given in (teacher, FrozenEstimator(teacher)):
        clf = TextClassifier(teacher=given, max_epochs=1, device="cpu")
        assert clone(clf).teacher is given
        clf.fit(X, Y)
        assert "train_loss_distillation" in clf.history[-1]
