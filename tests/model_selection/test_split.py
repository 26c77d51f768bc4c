import re
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metadata_routing import get_routing_for_object

from sktransfer.adaptation import DomainAwareClassifier
from sktransfer.model_selection import (
    DomainShuffleSplit,
    DomainStratifiedKFold,
    LeaveOneDomainOut,
)

SPLITTERS = [
    DomainShuffleSplit(n_splits=3, random_state=0),
    DomainStratifiedKFold(n_splits=3),
]


def _implicit_data(n_source=30, n_target=20, seed=0):
    rng = np.random.RandomState(seed)
    X = np.r_[rng.normal(0, 1, (n_source, 2)), rng.normal(0.5, 1, (n_target, 2))]
    labels = (X[:, 0] + 0.3 * rng.normal(size=X.shape[0]) > 0.2).astype(int)
    y = np.r_[labels[:n_source], np.full(n_target, -1)]
    return X, y


def _multi_domain_data(seed=0):
    """Three source domains (0, 1, 2) and two target domains (-1, -2)."""
    rng = np.random.RandomState(seed)
    sizes = {0: 20, 1: 15, 2: 12, -1: 18, -2: 10}
    sd = np.concatenate([np.full(n, d) for d, n in sizes.items()])
    X = rng.normal(size=(sd.shape[0], 2)) + sd[:, None] * 0.3
    labels = (X[:, 0] > 0).astype(int)
    y = np.where(sd >= 0, labels, -1)
    return X, y, sd


def _pipe():
    return make_pipeline(StandardScaler(), DomainAwareClassifier(LogisticRegression()))


GRID = {"domainawareclassifier__estimator__C": [0.1, 1.0]}


# --------------------------------------------------------------------------- #
# DomainShuffleSplit
# --------------------------------------------------------------------------- #


def test_shuffle_split_every_fold_holds_every_domain_implicit():
    X, y = _implicit_data()
    cv = DomainShuffleSplit(n_splits=4, test_size=0.2, random_state=0)
    splits = list(cv.split(X, y))
    assert len(splits) == cv.get_n_splits() == 4
    for train, test in splits:
        assert np.intersect1d(train, test).size == 0
        # 30 source rows: ceil(0.2 * 30) = 6 in test; 20 target rows: 4.
        assert np.sum(y[test] != -1) == 6 and np.sum(y[test] == -1) == 4
        assert np.sum(y[train] != -1) == 24 and np.sum(y[train] == -1) == 16
        assert_array_equal(train, np.sort(train))
        assert_array_equal(test, np.sort(test))


def test_shuffle_split_per_domain_sizes_explicit():
    X, y, sd = _multi_domain_data()
    cv = DomainShuffleSplit(n_splits=3, test_size=0.25, train_size=0.5, random_state=1)
    for train, test in cv.split(X, y, sample_domain=sd):
        for d in np.unique(sd):
            n = np.sum(sd == d)
            assert np.sum(sd[test] == d) == int(np.ceil(0.25 * n))
            assert np.sum(sd[train] == d) == int(np.floor(0.5 * n))
        assert np.intersect1d(train, test).size == 0


def test_shuffle_split_int_test_size_is_per_domain():
    X, y, sd = _multi_domain_data()
    cv = DomainShuffleSplit(n_splits=2, test_size=3, random_state=0)
    for train, test in cv.split(X, y, sample_domain=sd):
        for d in np.unique(sd):
            assert np.sum(sd[test] == d) == 3
            assert np.sum(sd[train] == d) == np.sum(sd == d) - 3


def test_shuffle_split_deterministic_with_random_state():
    X, y = _implicit_data()
    a = list(DomainShuffleSplit(random_state=3).split(X, y))
    b = list(DomainShuffleSplit(random_state=3).split(X, y))
    c = list(DomainShuffleSplit(random_state=4).split(X, y))
    for (tr_a, te_a), (tr_b, te_b) in zip(a, b):
        assert_array_equal(tr_a, tr_b)
        assert_array_equal(te_a, te_b)
    assert any(not np.array_equal(te_a, te_c) for (_, te_a), (_, te_c) in zip(a, c))
    # The splits differ from one iteration to the next.
    assert not np.array_equal(a[0][1], a[1][1])
    # Same splits at every call of split with an int seed.
    cv = DomainShuffleSplit(random_state=3)
    assert_array_equal(next(cv.split(X, y))[1], next(cv.split(X, y))[1])


def test_shuffle_split_groups_read_as_sample_domain():
    X, y, sd = _multi_domain_data()
    cv = DomainShuffleSplit(n_splits=2, random_state=0)
    for (tr_g, te_g), (tr_s, te_s) in zip(
        cv.split(X, y, groups=sd), cv.split(X, y, sample_domain=sd)
    ):
        assert_array_equal(tr_g, tr_s)
        assert_array_equal(te_g, te_s)
    with pytest.raises(ValueError, match="got both, and they differ"):
        next(cv.split(X, y, groups=sd, sample_domain=np.where(sd >= 0, 0, -1)))


def test_shuffle_split_repr():
    assert repr(DomainShuffleSplit()) == (
        "DomainShuffleSplit(n_splits=5, random_state=None, test_size=0.2, "
        "train_size=None)"
    )


@pytest.mark.parametrize(
    "params, err, match",
    [
        ({"n_splits": 0}, ValueError, "n_splits must be at least 1"),
        ({"n_splits": 2.5}, TypeError, "n_splits must be an integer"),
        ({"test_size": 1.5}, ValueError, r"test_size must be a float in \(0, 1\)"),
        ({"test_size": 0}, ValueError, "test_size must be an int >= 1"),
        ({"test_size": "a"}, TypeError, "test_size must be a float"),
        ({"train_size": -0.5}, ValueError, "train_size must be a float"),
        ({"test_size": 0.6, "train_size": 0.6}, ValueError, "at most 1"),
    ],
)
def test_shuffle_split_bad_params(params, err, match):
    with pytest.raises(err, match=match):
        DomainShuffleSplit(**params)


def test_shuffle_split_errors_on_data():
    X, y = _implicit_data()
    cv = DomainShuffleSplit(random_state=0)
    with pytest.raises(ValueError, match="found no target rows"):
        next(cv.split(X, np.where(y == -1, 1, y)))
    with pytest.raises(ValueError, match="found no source rows"):
        next(cv.split(X, sample_domain=np.full(X.shape[0], -1)))
    with pytest.raises(ValueError, match="needs y .* or sample_domain"):
        next(cv.split(X))
    with pytest.raises(ValueError, match="sample_domain has 3 entries but X has 50"):
        next(cv.split(X, y, sample_domain=[0, 0, -1]))
    y_small = y.copy()
    y_small[31:] = 0  # a single target row left
    with pytest.raises(ValueError, match="domain -1 has 1 rows, too few"):
        next(cv.split(X, y_small))
    with pytest.raises(ValueError, match="domain 0 has 30 rows, too few"):
        next(DomainShuffleSplit(test_size=30).split(X, y))


# --------------------------------------------------------------------------- #
# DomainStratifiedKFold
# --------------------------------------------------------------------------- #


def _strata_key(y, sd):
    return [(int(d), None if v == -1 else int(v)) for v, d in zip(y, sd)]


@pytest.mark.parametrize("shuffle", [False, True])
def test_stratified_kfold_partition_and_stratification(shuffle):
    X, y, sd = _multi_domain_data()
    k = 4
    cv = DomainStratifiedKFold(
        n_splits=k, shuffle=shuffle, random_state=0 if shuffle else None
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # small strata
        splits = list(cv.split(X, y, sample_domain=sd))
    assert len(splits) == cv.get_n_splits() == k
    # Test folds partition the rows; each train set is the complement.
    all_test = np.concatenate([test for _, test in splits])
    assert_array_equal(np.sort(all_test), np.arange(X.shape[0]))
    for train, test in splits:
        assert_array_equal(np.sort(np.r_[train, test]), np.arange(X.shape[0]))
    # Every domain and every (domain, class) stratum is spread evenly
    # (floor or ceil of its size / k), counted independently here.
    keys = _strata_key(y, sd)
    strata = {key: np.array([kk == key for kk in keys]) for key in set(keys)}
    domains = {d: sd == d for d in np.unique(sd)}
    for group in [*strata.values(), *domains.values()]:
        n = group.sum()
        for _, test in splits:
            assert np.floor(n / k) <= group[test].sum() <= np.ceil(n / k)
    for _, test in splits:  # source and target rows in every test fold
        assert (sd[test] >= 0).any() and (sd[test] < 0).any()


def test_stratified_kfold_implicit_keeps_class_balance():
    X, y = _implicit_data(n_source=40, n_target=20)
    y[:10], y[10:40] = 1, 0  # 10 positives, 30 negatives
    cv = DomainStratifiedKFold(n_splits=5)
    for train, test in cv.split(X, y):
        assert np.sum(y[test] == 1) == 2
        assert np.sum(y[test] == 0) == 6
        assert np.sum(y[test] == -1) == 4
        assert np.sum(y[train] == -1) == 16


def test_stratified_kfold_string_and_regression_targets():
    y = np.array(["a", "b", "a", "b", "-1", "-1", "-1", "a", "b"], dtype=object)
    y[4:7] = -1
    X = np.zeros((9, 1))
    folds = list(DomainStratifiedKFold(n_splits=3).split(X, y))
    for _, test in folds:
        assert sum(v == -1 for v in y[test]) == 1
        assert sum(v == "a" for v in y[test]) == 1
    y_reg = np.array([0.1, 2.5, 3.3, 7.0, np.nan, np.nan, np.nan, 1.2, 4.4])
    for _, test in DomainStratifiedKFold(n_splits=3).split(X, y_reg):
        assert np.isnan(y_reg[test]).sum() == 1 and len(test) == 3


def test_stratified_kfold_shuffle_determinism():
    X, y = _implicit_data()
    a = [t for _, t in DomainStratifiedKFold(shuffle=True, random_state=0).split(X, y)]
    b = [t for _, t in DomainStratifiedKFold(shuffle=True, random_state=0).split(X, y)]
    c = [t for _, t in DomainStratifiedKFold(shuffle=True, random_state=1).split(X, y)]
    plain = [t for _, t in DomainStratifiedKFold().split(X, y)]
    for ta, tb in zip(a, b):
        assert_array_equal(ta, tb)
    assert any(not np.array_equal(ta, tc) for ta, tc in zip(a, c))
    assert any(not np.array_equal(ta, tp) for ta, tp in zip(a, plain))


def test_stratified_kfold_errors_and_warnings():
    X, y = _implicit_data(n_source=30, n_target=3)
    with pytest.raises(ValueError, match="domain -1 has 3 rows, fewer than n_splits=5"):
        next(DomainStratifiedKFold(n_splits=5).split(X, y))
    y2 = y.copy()
    y2[0] = 7  # a class of one row
    with pytest.warns(UserWarning, match=r"domain 0 class 7 \(1 rows\)") as record:
        list(DomainStratifiedKFold(n_splits=3).split(X, y2))
    # The warning points at the code that iterates over split.
    assert record[0].filename == __file__
    with pytest.raises(ValueError, match="found no target rows"):
        next(DomainStratifiedKFold().split(X, np.where(y == -1, 0, y)))
    with pytest.raises(ValueError, match="n_splits must be at least 2"):
        DomainStratifiedKFold(n_splits=1)
    with pytest.raises(ValueError, match="random_state has no effect"):
        DomainStratifiedKFold(random_state=0)
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        DomainStratifiedKFold(shuffle="yes")
    assert repr(DomainStratifiedKFold(shuffle=True, random_state=2)) == (
        "DomainStratifiedKFold(n_splits=5, random_state=2, shuffle=True)"
    )


# --------------------------------------------------------------------------- #
# LeaveOneDomainOut
# --------------------------------------------------------------------------- #


def test_leave_one_domain_out_default_layout():
    X, y, sd = _multi_domain_data()
    cv = LeaveOneDomainOut()
    assert cv.get_n_splits(sample_domain=sd) == 3
    assert cv.get_n_splits(X, y, groups=sd) == 3
    splits = list(cv.split(X, y, sample_domain=sd))
    assert len(splits) == 3
    for d, (train, test) in zip([0, 1, 2], splits):
        assert_array_equal(test, np.flatnonzero(sd == d))
        assert_array_equal(train, np.flatnonzero(sd != d))
    assert repr(cv) == "LeaveOneDomainOut(target_copies=False)"


def test_leave_one_domain_out_target_copies():
    rng = np.random.RandomState(0)
    sources = [(rng.normal(size=(n, 2)), rng.randint(0, 2, n)) for n in (5, 4, 6)]
    from sktransfer.utils import pack_domains

    X, y, sd = pack_domains(
        sources=sources, targets=[Xs for Xs, _ in sources] + [rng.normal(size=(3, 2))]
    )
    cv = LeaveOneDomainOut(target_copies=True)
    splits = list(cv.split(X, y, sample_domain=sd))
    assert cv.get_n_splits(sample_domain=sd) == len(splits) == 3
    for d, (train, test) in enumerate(splits):
        assert_array_equal(test, np.flatnonzero(sd == d))
        expected = np.flatnonzero(((sd >= 0) & (sd != d)) | (sd == -(d + 1)))
        assert_array_equal(train, expected)
        # The copy in train holds the held-out rows' features, unlabelled.
        copy = train[sd[train] == -(d + 1)]
        assert_array_equal(X[copy], X[test])
        assert np.all(y[copy] == -1)
        assert not np.any(sd[train] == -4)  # other targets left out


def test_leave_one_domain_out_errors():
    X, y, sd = _multi_domain_data()
    cv = LeaveOneDomainOut()
    with pytest.raises(ValueError, match="needs explicit domains"):
        next(cv.split(X, y))
    with pytest.raises(ValueError, match="needs explicit domains"):
        cv.get_n_splits(X, y)
    with pytest.raises(ValueError, match="at least two source domains"):
        cv.get_n_splits(sample_domain=np.where(sd >= 0, 0, -1))
    with pytest.raises(ValueError, match="sample_domain has 2 entries but X has"):
        next(cv.split(X, y, sample_domain=[0, 1]))
    with pytest.raises(
        ValueError, match="expects target domain -1 to be the unlabelled"
    ):
        next(LeaveOneDomainOut(target_copies=True).split(X, y, sample_domain=sd))
    with pytest.raises(TypeError, match="target_copies must be True or False"):
        LeaveOneDomainOut(target_copies=1)


def test_leave_one_domain_out_cross_validate_one_score_per_domain():
    X, y, sd = _multi_domain_data()
    pipe = _pipe()
    with sklearn.config_context(enable_metadata_routing=True):
        result = cross_validate(
            pipe, X, y, cv=LeaveOneDomainOut(), params={"sample_domain": sd}
        )
    assert result["test_score"].shape == (3,)
    # The same scores computed by hand: fit on the other domains, score on d.
    for d, score in enumerate(result["test_score"]):
        train = sd != d
        model = clone(pipe).fit(X[train], y[train])
        assert score == pytest.approx(np.mean(model.predict(X[sd == d]) == y[sd == d]))
    # Without routing: groups carry the domains to the splitter, and the
    # estimator reads domains from y.
    plain = cross_validate(pipe, X, y, cv=LeaveOneDomainOut(), groups=sd)
    assert_array_equal(plain["test_score"], result["test_score"])


# --------------------------------------------------------------------------- #
# Use in GridSearchCV, routing on and off
# --------------------------------------------------------------------------- #


def test_splitters_request_sample_domain():
    for cv in [*SPLITTERS, LeaveOneDomainOut()]:
        routing = get_routing_for_object(cv)
        assert routing.consumes("split", ["sample_domain"]) == {"sample_domain"}


@pytest.mark.parametrize("cv", SPLITTERS, ids=lambda cv: type(cv).__name__)
def test_splitters_in_grid_search_implicit_domains(cv):
    X, y = _implicit_data()
    search = GridSearchCV(_pipe(), GRID, cv=cv, error_score="raise").fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and scores.shape == (2,)
    assert search.n_splits_ == 3


class _SpyShuffleSplit(DomainShuffleSplit):
    """Records the sample_domain it receives (a list shared by reference)."""

    def __init__(self, n_splits=2, *, random_state=0, seen=None):
        super().__init__(n_splits, random_state=random_state)
        self.seen = seen

    def split(self, X, y=None, groups=None, *, sample_domain=None):
        self.seen.append(sample_domain)
        yield from super().split(X, y, groups, sample_domain=sample_domain)


def test_routing_delivers_sample_domain_to_splitter():
    X, y, sd = _multi_domain_data()
    seen = []
    with sklearn.config_context(enable_metadata_routing=True):
        GridSearchCV(_pipe(), GRID, cv=_SpyShuffleSplit(seen=seen)).fit(
            X, y, sample_domain=sd
        )
    assert seen and all(s is not None for s in seen)
    assert_array_equal(seen[0], sd)
    seen.clear()
    GridSearchCV(_pipe(), GRID, cv=_SpyShuffleSplit(seen=seen)).fit(X, y)
    assert seen and all(s is None for s in seen)  # routing off: y only


@pytest.mark.parametrize(
    "cv", [*SPLITTERS, LeaveOneDomainOut()], ids=lambda cv: type(cv).__name__
)
def test_splitters_in_grid_search_with_routing(cv):
    X, y, sd = _multi_domain_data()
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(_pipe(), GRID, cv=cv, error_score="raise").fit(
            X, y, sample_domain=sd
        )
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    expected = 3  # both SPLITTERS use 3 splits; LeaveOneDomainOut: 3 sources
    assert search.n_splits_ == expected
    assert search.predict(X[:5]).shape == (5,)


def test_leave_one_domain_out_grid_search_without_routing_uses_groups():
    X, y, sd = _multi_domain_data()
    search = GridSearchCV(
        _pipe(), GRID, cv=LeaveOneDomainOut(), error_score="raise"
    ).fit(X, y, groups=sd)
    assert search.n_splits_ == 3
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_split_does_not_modify_inputs():
    X, y, sd = _multi_domain_data()
    y0, sd0 = y.copy(), sd.copy()
    for cv in [*SPLITTERS, LeaveOneDomainOut()]:
        list(cv.split(X, y, sample_domain=sd))
    assert_array_equal(y, y0)
    assert_array_equal(sd, sd0)


def test_split_accepts_documents():
    docs = [f"doc {i}" for i in range(12)]
    y = np.array([0, 1] * 4 + [-1] * 4)
    for cv in [
        DomainShuffleSplit(n_splits=2, random_state=0),
        DomainStratifiedKFold(2),
    ]:
        for train, test in cv.split(docs, y):
            assert (y[test] == -1).any() and (y[test] != -1).any()
    with pytest.raises(ValueError, match=re.escape("string object received")):
        next(DomainShuffleSplit().split("a string", y))


def test_import_is_light():
    """model_selection imports only numpy, scipy, scikit-learn and utils."""
    import subprocess
    import sys

    code = (
        "import sys, sktransfer.model_selection; "
        "bad = [m for m in ('torch', 'gensim', 'skorch', 'sktransfer.neural', "
        "'sktransfer.embeddings', 'sktransfer.adaptation') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
