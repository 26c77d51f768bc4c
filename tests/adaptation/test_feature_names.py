"""Dataframes keep their column names in every adaptation estimator.

scikit-learn's own estimators store the column names of a dataframe (pandas,
polars, pyarrow) in ``feature_names_in_``. sktransfer used to turn every
dataframe without pandas' ``.iloc`` (polars) into an array first, dropping
them. polars is not a test dependency; ``_FrameWithoutIloc`` stands in for
it: a dataframe that scikit-learn reads through narwhals and that has no
``.iloc`` for sktransfer or scikit-learn to see (pandas and narwhals, which
implement it, still do).
"""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from sktransfer.adaptation import (
    CORALAdapter,
    DiscriminativeWeighting,
    DomainAwareClassifier,
    DomainAwareRegressor,
    FeatureAugmentationAdapter,
    KLIEPWeighting,
    KMMWeighting,
    NearestNeighborWeighting,
    SubspaceAlignmentAdapter,
    TCAAdapter,
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
)
from sktransfer.utils._validation import as_indexable

COLUMNS = ["alpha", "beta", "gamma"]


class _FrameWithoutIloc(pd.DataFrame):
    """A pandas DataFrame that hides ``.iloc`` as a polars DataFrame lacks it."""

    def __getattribute__(self, name):
        if name == "iloc":
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if not caller.startswith(("narwhals", "pandas")):
                raise AttributeError(name)
        return super().__getattribute__(name)

    def __getattr__(self, name):
        if name == "iloc":
            raise AttributeError(name)
        return super().__getattr__(name)

    @property
    def _constructor(self):
        return _FrameWithoutIloc


def _polars_frame(X):
    pl = pytest.importorskip("polars")
    return pl.DataFrame(X, schema=COLUMNS)


FRAMES = {
    "pandas": lambda X: pd.DataFrame(X, columns=COLUMNS),
    "frame without iloc": lambda X: _FrameWithoutIloc(X, columns=COLUMNS),
    "polars": _polars_frame,
}

ESTIMATORS = [
    CORALAdapter(),
    SubspaceAlignmentAdapter(n_components=2),
    TCAAdapter(n_components=2, random_state=0),
    FeatureAugmentationAdapter(),
    KMMWeighting(),
    KLIEPWeighting(random_state=0),
    DiscriminativeWeighting(),
    NearestNeighborWeighting(),
    DomainAwareClassifier(LogisticRegression()),
    DomainAwareClassifier(LogisticRegression(), weighting=KMMWeighting()),
    TrAdaBoostClassifier(n_estimators=4, random_state=0),
]


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(20, 3)), rng.normal(size=(20, 3)) + 1]
    y = np.r_[rng.randint(0, 2, 20), -np.ones(20, dtype=int)]
    return X, y


def test_the_stand_in_has_no_iloc_and_is_a_dataframe_to_sklearn():
    from sklearn.utils.validation import _get_feature_names

    frame = _FrameWithoutIloc(np.zeros((2, 3)), columns=COLUMNS)
    assert not hasattr(frame, "iloc")
    assert_array_equal(_get_feature_names(frame), COLUMNS)
    assert as_indexable(frame) is frame


@pytest.mark.parametrize("frame", list(FRAMES))
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_feature_names_in_are_kept(data, frame, estimator):
    X, y = data
    Xf = FRAMES[frame](X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NoLabelledTargetWarning, Convergence
        estimator.fit(Xf, y)
    assert_array_equal(estimator.feature_names_in_, COLUMNS)
    assert estimator.n_features_in_ == 3


@pytest.mark.parametrize("frame", list(FRAMES))
def test_regressors_keep_feature_names(data, frame):
    X, _ = data
    y = np.r_[X[:20, 0], X[20:25, 0], np.full(15, np.nan)]
    sd = np.r_[np.zeros(20, int), -np.ones(20, int)]
    Xf = FRAMES[frame](X)
    reg = DomainAwareRegressor(Ridge()).fit(Xf, y)
    assert_array_equal(reg.feature_names_in_, COLUMNS)
    boost = TrAdaBoostRegressor(n_estimators=4, random_state=0)
    boost.fit(Xf, y, sample_domain=sd)
    assert_array_equal(boost.feature_names_in_, COLUMNS)


@pytest.mark.parametrize("frame", list(FRAMES))
def test_adapter_feature_names_out_follow_the_columns(data, frame):
    X, y = data
    Xf = FRAMES[frame](X)
    coral = CORALAdapter().fit(Xf, y)
    assert_array_equal(coral.get_feature_names_out(), COLUMNS)
    assert_array_equal(coral.get_feature_names_out(COLUMNS), COLUMNS)
    with pytest.raises(ValueError, match="input_features is not equal"):
        coral.get_feature_names_out(["a", "b", "c"])
    fa = FeatureAugmentationAdapter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa.fit(Xf, y)
    names = fa.get_feature_names_out()
    assert_array_equal(names[:3], [f"shared__{c}" for c in COLUMNS])
    assert_array_equal(names[-3:], [f"target__{c}" for c in COLUMNS])
    # An adapter fitted on one domain is the identity: the names pass through.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sa = SubspaceAlignmentAdapter().fit(Xf, np.zeros(40, dtype=int))
    assert_array_equal(sa.get_feature_names_out(), COLUMNS)
    # The output of a pipeline in pandas carries those names.
    pipe = make_pipeline(CORALAdapter()).set_output(transform="pandas")
    out = pipe.fit_transform(Xf, y)
    assert list(out.columns) == COLUMNS
