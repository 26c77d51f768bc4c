"""Checks for estimators that take raw text.

scikit-learn switches its common checks off for estimators tagged with string
input, so text estimators (vectorizers, text classifiers) run this suite
instead. It combines the fit-free API checks of scikit-learn with text checks:
fit returns self, refitting is idempotent and deterministic, clone and pickle
round-trip, feature names match the output, bad input gets a clear error, and
the estimator works inside ``Pipeline`` and ``GridSearchCV``.

Use :func:`parametrize_with_text_checks` in a test module, or
:func:`check_text_estimator` to run every check at once.
"""

import pickle
import re

import numpy as np
from scipy import sparse
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_get_params_invariance,
    check_mixin_order,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    check_valid_tag_types,
)

__all__ = [
    "TEXT_CORPUS",
    "TEXT_LABELS",
    "check_text_estimator",
    "parametrize_with_text_checks",
    "yield_text_checks",
]

# A small two-topic corpus: every word appears several times, so estimators
# with frequency cut-offs still learn a vocabulary.
_POS = [
    "a good film with a great cast",
    "great acting and a good story",
    "the story was good and the cast great",
    "good fun and great music",
    "a great film and good fun",
    "the music was great and the acting good",
]
_NEG = [
    "a bad film with a poor cast",
    "poor acting and a bad story",
    "the story was bad and the cast poor",
    "bad music and poor fun",
    "a poor film and bad acting",
    "the music was poor and the story bad",
]
#: Documents used by the checks unless a test gives its own.
TEXT_CORPUS = [d for pair in zip(_POS * 2, _NEG * 2) for d in pair]
#: Labels of :data:`TEXT_CORPUS` (1 positive, 0 negative).
TEXT_LABELS = np.array([1, 0] * (len(TEXT_CORPUS) // 2))

_STRING_ERROR = "Iterable over raw text documents expected, string object received."
_OUTPUT_METHODS = ("transform", "predict", "predict_proba", "decision_function")


def _name(estimator):
    return type(estimator).__name__


def _seeded(estimator, seed=0):
    """Clone ``estimator`` and fix its ``random_state`` (if any)."""
    estimator = clone(estimator)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=seed)
    return estimator


def _outputs(estimator, X):
    """Every output method's result on ``X``, densified."""
    out = {}
    for method in _OUTPUT_METHODS:
        if hasattr(estimator, method):
            result = getattr(estimator, method)(X)
            if sparse.issparse(result):
                result = result.toarray()
            out[method] = np.asarray(result)
    if not out:
        raise AssertionError(
            f"{_name(estimator)} has none of the methods {_OUTPUT_METHODS}."
        )
    return out


def _assert_same_outputs(a, b, what, rtol=1e-7, atol=1e-9):
    assert a.keys() == b.keys(), f"{what}: methods differ ({a.keys()} vs {b.keys()})"
    for method in a:
        x, z = a[method], b[method]
        assert x.shape == z.shape, (
            f"{what}: {method} shapes differ ({x.shape}, {z.shape})"
        )
        if x.dtype.kind in "fc":
            np.testing.assert_allclose(
                x, z, rtol=rtol, atol=atol, err_msg=f"{what}: {method} differs"
            )
        else:
            np.testing.assert_array_equal(x, z, err_msg=f"{what}: {method} differs")


def _fitted_attributes(estimator):
    return sorted(
        k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")
    )


# --------------------------------------------------------------------------- #
# Checks. Each takes (name, estimator, X, y) and raises AssertionError.
# --------------------------------------------------------------------------- #
def check_text_input_tags(name, estimator, X, y):
    """Check that the estimator declares string input and no 2-D array input."""
    tags = get_tags(estimator)
    assert tags.input_tags.string, f"{name}: tags.input_tags.string must be True"
    assert not tags.input_tags.two_d_array, (
        f"{name}: tags.input_tags.two_d_array must be False for raw text input"
    )


def check_fit_returns_self(name, estimator, X, y):
    """Check that ``fit`` returns the estimator itself."""
    est = _seeded(estimator)
    assert est.fit(X, y) is est, f"{name}.fit must return self"


def check_fit_keeps_params(name, estimator, X, y):
    """Check that ``fit`` does not change the constructor parameters."""
    est = _seeded(estimator)
    before = {k: repr(v) for k, v in est.get_params(deep=False).items()}
    est.fit(X, y)
    after = {k: repr(v) for k, v in est.get_params(deep=False).items()}
    changed = sorted(k for k in before if before[k] != after[k])
    assert not changed, f"{name}.fit changed the parameters {changed}"


def check_fit_does_not_mutate_input(name, estimator, X, y):
    """Check that fit and outputs leave the caller's documents and labels."""
    X_copy, y_copy = list(X), np.array(y, copy=True)
    X_list = list(X)
    est = _seeded(estimator).fit(X_list, y)
    _outputs(est, X_list)
    assert X_list == X_copy, f"{name} modified the documents passed to it"
    np.testing.assert_array_equal(y, y_copy, err_msg=f"{name} modified y")


def check_rejects_single_string(name, estimator, X, y):
    """Check that a bare string is rejected with scikit-learn's message."""
    est = _seeded(estimator)
    try:
        est.fit(X[0], None if y is None else y[:1])
    except (ValueError, TypeError) as exc:
        assert re.search(re.escape(_STRING_ERROR), str(exc)), (
            f"{name}.fit(str) raised {exc!r}; expected the message {_STRING_ERROR!r}"
        )
    else:
        raise AssertionError(f"{name}.fit accepted a single string")
    est.fit(X, y)
    for method in _OUTPUT_METHODS:
        if hasattr(est, method):
            try:
                getattr(est, method)(X[0])
            except (ValueError, TypeError) as exc:
                assert re.search(re.escape(_STRING_ERROR), str(exc)), (
                    f"{name}.{method}(str) raised {exc!r}; expected {_STRING_ERROR!r}"
                )
            else:
                raise AssertionError(f"{name}.{method} accepted a single string")


def check_rejects_non_text_items(name, estimator, X, y):
    """Check that documents that are not text are a clear error."""
    est = _seeded(estimator)
    bad = [3.5] * len(X)
    try:
        est.fit(bad, y)
    except (ValueError, TypeError):
        pass
    except Exception as exc:
        raise AssertionError(
            f"{name}.fit crashed on numbers as documents with {exc!r}; expected a "
            "clear ValueError or TypeError"
        ) from exc
    else:
        raise AssertionError(f"{name}.fit accepted numbers as documents")


def check_rejects_empty_corpus(name, estimator, X, y):
    """Check that fitting on no documents raises a ValueError."""
    est = _seeded(estimator)
    try:
        est.fit([], None if y is None else np.asarray(y)[:0])
    except ValueError:
        pass
    except Exception as exc:
        raise AssertionError(
            f"{name}.fit crashed on an empty corpus with {exc!r}; expected a ValueError"
        ) from exc
    else:
        raise AssertionError(f"{name}.fit accepted an empty corpus")


def check_unfitted_raises(name, estimator, X, y):
    """Check that output methods raise ``NotFittedError`` before ``fit``."""
    est = clone(estimator)
    for method in _OUTPUT_METHODS:
        if hasattr(est, method):
            try:
                getattr(est, method)(X)
            except NotFittedError:
                pass
            else:
                raise AssertionError(f"{name}.{method} worked before fit")


def check_fit_idempotent(name, estimator, X, y):
    """Check that fitting twice on the same data gives the same outputs."""
    est = _seeded(estimator).fit(X, y)
    first = _outputs(est, X)
    # An unrelated fit in between must leave no trace.
    est.fit(
        X[: len(X) // 2] + ["an entirely new vocabulary appears here"] * 2,
        None if y is None else np.concatenate([y[: len(X) // 2], y[:2]]),
    )
    est.fit(X, y)
    _assert_same_outputs(first, _outputs(est, X), f"{name}: refit")


def check_fit_deterministic(name, estimator, X, y):
    """Check that clones with the same ``random_state`` give the same outputs."""
    a = _outputs(_seeded(estimator).fit(X, y), X)
    b = _outputs(_seeded(estimator).fit(X, y), X)
    _assert_same_outputs(a, b, f"{name}: same random_state")


def check_clone_of_fitted_is_unfitted(name, estimator, X, y):
    """Check that a clone of a fitted estimator carries no fitted state."""
    est = _seeded(estimator).fit(X, y)
    cloned = clone(est)
    leaked = _fitted_attributes(cloned)
    assert not leaked, f"clone of a fitted {name} carries {leaked}"
    assert repr(cloned.get_params(deep=False)) == repr(est.get_params(deep=False))


def check_pickle_round_trip(name, estimator, X, y):
    """Check that a fitted estimator pickles and loads with the same outputs."""
    est = _seeded(estimator).fit(X, y)
    try:
        data = pickle.dumps(est)
    except Exception as exc:
        raise AssertionError(f"fitted {name} cannot be pickled: {exc!r}") from exc
    loaded = pickle.loads(data)
    _assert_same_outputs(_outputs(est, X), _outputs(loaded, X), f"{name}: pickle")


def check_input_containers(name, estimator, X, y):
    """Check that lists, tuples, arrays and pandas Series of documents agree."""
    est = _seeded(estimator).fit(X, y)
    ref = _outputs(est, list(X))
    containers = {"tuple": tuple(X), "ndarray": np.asarray(X, dtype=object)}
    try:
        import pandas as pd

        containers["Series"] = pd.Series(X, index=np.arange(len(X))[::-1] + 100)
    except ImportError:  # pragma: no cover - pandas is a test dependency
        pass
    for kind, Xc in containers.items():
        _assert_same_outputs(ref, _outputs(est, Xc), f"{name}: {kind} input")
        est2 = _seeded(estimator).fit(Xc, y)
        _assert_same_outputs(ref, _outputs(est2, X), f"{name}: fit on {kind}")


def check_unseen_and_empty_documents(name, estimator, X, y):
    """Check that empty and unseen-word documents give finite outputs."""
    est = _seeded(estimator).fit(X, y)
    ref = _outputs(est, X[:2])
    odd = ["", "zzqx wqxz unseenword", "   "]
    out = _outputs(est, odd)
    for method, result in out.items():
        assert result.shape[0] == len(odd), f"{name}.{method}: wrong number of rows"
        assert result.shape[1:] == ref[method].shape[1:], (
            f"{name}.{method}: width changed on empty/unseen documents"
        )
        if result.dtype.kind in "fc":
            assert np.all(np.isfinite(result)), (
                f"{name}.{method} gave NaN or inf on empty/unseen documents"
            )


def check_transformer_output(name, estimator, X, y):
    """Check that the output is 2-D, finite and named by the feature names."""
    if not hasattr(estimator, "transform"):
        return
    est = _seeded(estimator)
    Xt_fit = est.fit_transform(X, y)
    Xt = est.transform(X)
    if sparse.issparse(Xt):
        Xt, Xt_fit = Xt.toarray(), Xt_fit.toarray()
    Xt, Xt_fit = np.asarray(Xt), np.asarray(Xt_fit)
    assert Xt.ndim == 2 and Xt.shape[0] == len(X), f"{name}.transform shape {Xt.shape}"
    assert np.all(np.isfinite(Xt)), f"{name}.transform gave NaN or inf"
    assert Xt_fit.shape == Xt.shape, (
        f"{name}.fit_transform shape differs from transform"
    )
    if not get_tags(est).non_deterministic:
        np.testing.assert_allclose(
            Xt_fit,
            Xt,
            rtol=1e-5,
            atol=1e-6,
            err_msg=f"{name}: fit_transform differs from fit().transform",
        )
    if hasattr(est, "get_feature_names_out"):
        names = est.get_feature_names_out()
        assert len(names) == Xt.shape[1], (
            f"{name}.get_feature_names_out has {len(names)} names for "
            f"{Xt.shape[1]} output columns"
        )
        assert len(set(names)) == len(names), f"{name}: duplicate feature names"
        if not sparse.issparse(est.transform(X[:1])) and hasattr(est, "set_output"):
            try:
                import pandas as pd
            except ImportError:  # pragma: no cover
                return
            est_pd = clone(est).set_output(transform="pandas").fit(X, y)
            frame = est_pd.transform(X)
            assert isinstance(frame, pd.DataFrame), f"{name}: set_output ignored"
            assert list(frame.columns) == list(est_pd.get_feature_names_out())


def check_classifier_output(name, estimator, X, y):
    """Check that predictions are known classes and -1 rows are no class."""
    if not is_classifier(estimator) or y is None:
        return
    y = np.asarray(y)
    est = _seeded(estimator).fit(X, y)
    pred = est.predict(X)
    assert pred.shape == (len(X),), f"{name}.predict shape {pred.shape}"
    assert set(np.unique(pred)) <= set(est.classes_), f"{name} predicted unknown labels"
    if hasattr(est, "predict_proba"):
        proba = est.predict_proba(X)
        assert proba.shape == (len(X), len(est.classes_))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # String labels are kept.
    names = np.where(y == y.flat[0], "yes", "no").astype(object)
    est_s = _seeded(estimator).fit(X, names)
    assert set(est_s.classes_) == {"yes", "no"}, f"{name} lost string labels"
    # The domain contract: -1 rows are unlabelled and never a class.
    y_semi = names.copy()
    y_semi[-2:] = -1
    est_semi = _seeded(estimator).fit(X, y_semi)
    assert -1 not in list(est_semi.classes_), f"{name} treated -1 rows as a class"


def check_in_pipeline_and_grid_search(name, estimator, X, y, param_grid=None):
    """Check that the estimator works in a stock Pipeline inside GridSearchCV."""
    est = _seeded(estimator)
    if is_classifier(est) or is_regressor(est):
        pipe, prefix = make_pipeline(est), type(est).__name__.lower() + "__"
    elif hasattr(est, "transform"):
        pipe = make_pipeline(est, LogisticRegression())
        prefix = type(est).__name__.lower() + "__"
    else:  # pragma: no cover - checked by _outputs elsewhere
        return
    if param_grid is None:
        params = est.get_params(deep=False)
        if "random_state" in params:
            param_grid = {"random_state": [0, 1]}
        else:
            first = sorted(params)[0]
            param_grid = {first: [params[first]]}
    grid = {prefix + k: v for k, v in param_grid.items()}
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)), f"{name}: non-finite GridSearchCV scores"
    assert search.predict(X).shape == (len(X),)


_API_CHECKS = (
    check_estimator_cloneable,
    check_estimator_tags_renamed,
    check_valid_tag_types,
    check_estimator_repr,
    check_no_attributes_set_in_init,
    check_mixin_order,
    check_get_params_invariance,
    check_set_params,
    check_parameters_default_constructible,
    check_do_not_raise_errors_in_init_or_set_params,
)

_TEXT_CHECKS = (
    check_text_input_tags,
    check_fit_returns_self,
    check_fit_keeps_params,
    check_fit_does_not_mutate_input,
    check_rejects_single_string,
    check_rejects_non_text_items,
    check_rejects_empty_corpus,
    check_unfitted_raises,
    check_fit_idempotent,
    check_fit_deterministic,
    check_clone_of_fitted_is_unfitted,
    check_pickle_round_trip,
    check_input_containers,
    check_unseen_and_empty_documents,
    check_transformer_output,
    check_classifier_output,
    check_in_pipeline_and_grid_search,
)


def yield_text_checks(estimator, *, X=None, y=None, param_grid=None):
    """Yield the text checks for ``estimator`` as callables of the estimator.

    Parameters
    ----------
    estimator : estimator object
        An estimator that takes raw documents.
    X : list of str, default=None
        Documents to fit on; :data:`TEXT_CORPUS` when None.
    y : array-like of shape (n_documents,), default=None
        Labels; :data:`TEXT_LABELS` when None.
    param_grid : dict, default=None
        Grid (without step prefix) for the ``GridSearchCV`` check. When None,
        ``random_state`` over ``[0, 1]`` if the estimator has one.

    Yields
    ------
    check : callable
        ``check(estimator)`` raises ``AssertionError`` on failure. Each has a
        ``__name__`` naming the check.
    """
    X = list(TEXT_CORPUS if X is None else X)
    y = TEXT_LABELS[: len(X)] if y is None else np.asarray(y)
    for check in _API_CHECKS:

        def api_check(est, _check=check):
            return _check(_name(est), est)

        api_check.__name__ = check.__name__
        yield api_check
    for check in _TEXT_CHECKS:
        kwargs = (
            {"param_grid": param_grid}
            if check is check_in_pipeline_and_grid_search
            else {}
        )

        def text_check(est, _check=check, _kwargs=kwargs):
            return _check(_name(est), est, X, y, **_kwargs)

        text_check.__name__ = check.__name__
        yield text_check


def check_text_estimator(estimator, *, X=None, y=None, param_grid=None):
    """Run every text check on ``estimator``; raise on the first failure.

    Parameters
    ----------
    estimator : estimator object
        An estimator that takes raw documents.
    X, y, param_grid
        Passed to :func:`yield_text_checks`.

    Raises
    ------
    AssertionError
        Naming the failed check. Here, ``TfidfVectorizer`` crashes with an
        ``AttributeError`` instead of a clear error on documents that are not
        strings.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sktransfer.adaptation import DomainAwareClassifier
    >>> from sktransfer.utils._testing import check_text_estimator
    >>> text_clf = make_pipeline(TfidfVectorizer(), LogisticRegression())
    >>> try:
    ...     check_text_estimator(DomainAwareClassifier(text_clf))
    ... except AssertionError as exc:
    ...     print(str(exc)[:36])
    check_rejects_non_text_items failed:
    """
    for check in yield_text_checks(estimator, X=X, y=y, param_grid=param_grid):
        try:
            check(estimator)
        except Exception as exc:
            raise AssertionError(f"{check.__name__} failed: {exc!r}") from exc


def parametrize_with_text_checks(
    estimators, *, X=None, y=None, param_grid=None, expected_failed_checks=None
):
    """Pytest decorator running every text check on every estimator.

    The decorated test takes ``estimator`` and ``check`` and calls
    ``check(estimator)``, as with scikit-learn's ``parametrize_with_checks``.

    Parameters
    ----------
    estimators : list of estimator objects
        Estimators that take raw documents.
    X, y, param_grid
        Passed to :func:`yield_text_checks`.
    expected_failed_checks : callable, default=None
        ``expected_failed_checks(estimator)`` returns a dict mapping check
        names to the reason they cannot pass; those checks are marked as
        strict expected failures (an unexpected pass fails the test run).

    Returns
    -------
    decorator : callable
        A ``pytest.mark.parametrize`` decorator.
    """
    import pytest

    params, ids = [], []
    for est in estimators:
        expected = expected_failed_checks(est) if expected_failed_checks else {}
        for check in yield_text_checks(est, X=X, y=y, param_grid=param_grid):
            marks = ()
            if check.__name__ in expected:
                marks = pytest.mark.xfail(reason=expected[check.__name__], strict=True)
            params.append(pytest.param(est, check, marks=marks))
            ids.append(f"{_name(est)}-{check.__name__}")
    return pytest.mark.parametrize("estimator, check", params, ids=ids)
