"""The text check suite catches what it claims to catch.

A minimal correct text vectorizer passes every check; each deliberately broken
variant fails the check written for its defect.
"""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from sktransfer.utils._testing import (
    TEXT_CORPUS,
    TEXT_LABELS,
    check_text_estimator,
    yield_text_checks,
)

_TOKEN = re.compile(r"(?u)\b\w+\b")


def _validate_docs(docs):
    if isinstance(docs, str):
        raise ValueError(
            "Iterable over raw text documents expected, string object received."
        )
    docs = list(docs)
    for d in docs:
        if not isinstance(d, str):
            raise TypeError(f"documents must be str, got {type(d).__name__}")
    return docs


class ToyVectorizer(TransformerMixin, BaseEstimator):
    """Normalised bag of words: a minimal correct text transformer."""

    def __init__(self, lowercase=True):
        self.lowercase = lowercase

    def _tokens(self, doc):
        return _TOKEN.findall(doc.lower() if self.lowercase else doc)

    def fit(self, X, y=None):
        docs = _validate_docs(X)
        if not docs:
            raise ValueError("empty corpus")
        vocab = sorted({t for d in docs for t in self._tokens(d)})
        self.vocabulary_ = {w: i for i, w in enumerate(vocab)}
        return self

    def transform(self, X):
        check_is_fitted(self)
        docs = _validate_docs(X)
        out = np.zeros((len(docs), len(self.vocabulary_)))
        for i, d in enumerate(docs):
            for t in self._tokens(d):
                if t in self.vocabulary_:
                    out[i, self.vocabulary_[t]] += 1
        norms = out.sum(axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray(
            sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class ChangesParamsInFit(ToyVectorizer):
    def fit(self, X, y=None):
        self.lowercase = not self.lowercase
        return super().fit(X, y)


class AcceptsSingleString(ToyVectorizer):
    def fit(self, X, y=None):
        if isinstance(X, str):
            X = [X]
        return super().fit(X, y)


class NotIdempotent(ToyVectorizer):
    """Keeps growing the vocabulary over fits."""

    def fit(self, X, y=None):
        old = getattr(self, "vocabulary_", {})
        super().fit(X, y)
        words = sorted(set(old) | set(self.vocabulary_))
        self.vocabulary_ = {w: i for i, w in enumerate(words)}
        return self


class WrongFeatureNames(ToyVectorizer):
    def get_feature_names_out(self, input_features=None):
        return super().get_feature_names_out()[:-1]


class Unpicklable(ToyVectorizer):
    def fit(self, X, y=None):
        super().fit(X, y)
        self.scorer_ = lambda v: v
        return self


class MutatesInput(ToyVectorizer):
    def fit(self, X, y=None):
        if isinstance(X, list):
            X[:] = [d.upper() for d in X]
        return super().fit(X, y)


class NaNOnEmpty(ToyVectorizer):
    def transform(self, X):
        out = super().transform(X)
        out[out.sum(axis=1) == 0] = np.nan
        return out


class AttributeInInit(ToyVectorizer):
    def __init__(self, lowercase=True):
        self.lowercase = lowercase
        self.vocabulary_ = {}


class AcceptsEmptyCorpus(ToyVectorizer):
    def fit(self, X, y=None):
        self.vocabulary_ = {}
        docs = _validate_docs(X)
        if docs:
            super().fit(docs, y)
        return self


class RandomOutput(ToyVectorizer):
    """Ignores random_state: differs between identical fits."""

    def __init__(self, lowercase=True, random_state=None):
        self.lowercase = lowercase
        self.random_state = random_state

    def fit(self, X, y=None):
        super().fit(X, y)
        self.noise_ = np.random.default_rng().random()
        return self

    def transform(self, X):
        return super().transform(X) + self.noise_


class NoStringTags(ToyVectorizer):
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = False
        tags.input_tags.two_d_array = True
        return tags


def test_correct_estimator_passes_every_check():
    check_text_estimator(ToyVectorizer())


def test_checks_are_named_and_numerous():
    names = [c.__name__ for c in yield_text_checks(ToyVectorizer())]
    assert len(names) == len(set(names)) >= 25
    assert "check_pickle_round_trip" in names


@pytest.mark.parametrize(
    "broken, failing_check",
    [
        (ChangesParamsInFit(), "check_fit_keeps_params"),
        (AcceptsSingleString(), "check_rejects_single_string"),
        (NotIdempotent(), "check_fit_idempotent"),
        (WrongFeatureNames(), "check_transformer_output"),
        (Unpicklable(), "check_pickle_round_trip"),
        (MutatesInput(), "check_fit_does_not_mutate_input"),
        (NaNOnEmpty(), "check_unseen_and_empty_documents"),
        (AttributeInInit(), "check_no_attributes_set_in_init"),
        (AcceptsEmptyCorpus(), "check_rejects_empty_corpus"),
        (RandomOutput(), "check_fit_deterministic"),
        (NoStringTags(), "check_text_input_tags"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_broken_estimator_fails_its_check(broken, failing_check):
    checks = {c.__name__: c for c in yield_text_checks(broken)}
    with pytest.raises(AssertionError):
        checks[failing_check](broken)
    # And check_text_estimator reports it (possibly after an earlier failure).
    with pytest.raises(AssertionError, match="failed"):
        check_text_estimator(broken)


def test_custom_corpus_and_labels():
    docs = ["red apple", "green apple", "red car", "green car"] * 3
    labels = np.array([0, 0, 1, 1] * 3)
    check_text_estimator(ToyVectorizer(), X=docs, y=labels)
    assert len(TEXT_CORPUS) == len(TEXT_LABELS)
