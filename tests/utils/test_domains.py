"""Every rule and every error of the domain contract (DESIGN.md section 3)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse

from sktransfer.utils import (
    DomainMasks,
    MinusOneClassWarning,
    check_domains,
    pack_domains,
    split_domains,
)


# --------------------------------------------------------------------------- #
# Unlabelled rows
# --------------------------------------------------------------------------- #
def test_minus_one_marks_unlabelled_rows():
    masks = check_domains(np.array([0, 1, -1, 2, -1]))
    assert isinstance(masks, DomainMasks)
    assert_array_equal(masks.labelled, [True, True, False, True, False])
    assert masks.task == "classification"


def test_nan_marks_unlabelled_rows_for_regression():
    masks = check_domains(np.array([0.5, np.nan, -1.0, 2.0]))
    assert masks.task == "regression"
    # -1.0 is a real regression target, not a marker.
    assert_array_equal(masks.labelled, [True, False, True, True])


def test_task_forced_regression_reads_minus_one_as_value():
    masks = check_domains(np.array([1, -1, 3]), task="regression")
    assert masks.labelled.all()
    assert masks.y.dtype == np.float64


def test_object_y_mixes_string_labels_and_minus_one():
    y = np.array(["pos", "neg", -1, -1], dtype=object)
    masks = check_domains(y)
    assert_array_equal(masks.labelled, [True, True, False, False])
    assert_array_equal(masks.sample_domain, [0, 0, -1, -1])


def test_python_list_of_strings_and_minus_one():
    masks = check_domains(["pos", "neg", -1])
    assert_array_equal(masks.labelled, [True, True, False])


def test_string_array_uses_string_minus_one():
    masks = check_domains(np.array(["pos", "neg", "-1"]))
    assert_array_equal(masks.labelled, [True, True, False])


def test_bool_true_is_not_the_marker_in_object_arrays():
    # True == 1 and False == 0 in Python; only -1 (not bools) is the marker.
    masks = check_domains(np.array(["a", True, -1], dtype=object))
    assert_array_equal(masks.labelled, [True, True, False])


def test_callers_y_is_never_modified():
    y = np.array([0, 1, -1, -1])
    y_before = y.copy()
    sd = np.array([0, 0, -1, -1])
    masks = check_domains(y, sd)
    masks.y[:] = 7
    assert_array_equal(y, y_before)
    assert not np.shares_memory(check_domains(y, sd).y, y)


def test_column_vector_y_is_raveled_with_warning():
    from sklearn.exceptions import DataConversionWarning

    with pytest.warns(DataConversionWarning):
        masks = check_domains(np.array([[0], [1], [-1]]))
    assert masks.y.shape == (3,)


# --------------------------------------------------------------------------- #
# Implicit domains
# --------------------------------------------------------------------------- #
def test_implicit_domains_labelled_are_source_unlabelled_are_target():
    masks = check_domains(np.array([1, 0, -1, 1, -1]))
    assert_array_equal(masks.source, [True, True, False, True, False])
    assert_array_equal(masks.target, ~masks.source)
    assert_array_equal(masks.sample_domain, [0, 0, -1, 0, -1])
    assert not masks.explicit
    assert masks.has_source and masks.has_target


def test_y_none_without_domains_means_every_row_is_target():
    masks = check_domains(None, n_samples=4)
    assert not masks.source.any()
    assert masks.target.all()
    assert not masks.labelled.any()
    assert masks.y is None


def test_y_none_needs_n_samples():
    with pytest.raises(ValueError, match="n_samples is required"):
        check_domains(None)


# --------------------------------------------------------------------------- #
# Explicit domains
# --------------------------------------------------------------------------- #
def test_explicit_domains_non_negative_source_negative_target():
    y = np.array([0, 1, 1, 0, -1, -1])
    sd = np.array([0, 1, 1, -1, -1, -2])
    masks = check_domains(y, sd)
    assert masks.explicit
    assert_array_equal(masks.source, [True, True, True, False, False, False])
    # A labelled target row (y=0 in domain -1) is labelled.
    assert_array_equal(masks.labelled, [True, True, True, True, False, False])
    assert_array_equal(masks.sample_domain, sd)
    assert masks.sample_domain.dtype == np.int64


def test_explicit_domains_make_minus_one_a_class_on_source_rows():
    y = np.array([-1, 1, -1, 1, -1])
    sd = np.array([0, 0, 0, 0, -1])
    masks = check_domains(y, sd, require_labels=True)
    assert_array_equal(masks.labelled, [True, True, True, True, False])


def test_explicit_domains_with_y_none():
    masks = check_domains(None, [0, 0, -1])
    assert_array_equal(masks.source, [True, True, False])
    assert not masks.labelled.any()


def test_sample_domain_accepts_lists_and_integral_floats():
    masks = check_domains([0, 1, -1], [0.0, 0.0, -1.0])
    assert_array_equal(masks.sample_domain, [0, 0, -1])
    masks = check_domains([0, 1, -1], np.array([[0], [0], [-1]]))
    assert_array_equal(masks.sample_domain, [0, 0, -1])


def test_regression_source_rows_must_be_labelled():
    with pytest.raises(ValueError, match="NaN targets on 1 source rows"):
        check_domains(np.array([1.5, np.nan, np.nan]), [0, 0, -1])


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "sample_domain, match",
    [
        (np.array([0, 0]), "sample_domain has 2 entries but X has 3 rows"),
        (np.array([0, 0, -1, -1]), "sample_domain has 4 entries but X has 3 rows"),
        (np.array([[0, 0, -1]]), r"1-D array of shape \(n_samples,\)"),
        (np.array(["a", "b", "c"]), "must hold integers.*dtype <U1"),
        (np.array([0.5, 0.0, -1.0]), "non-integral or non-finite floats"),
        (np.array([0.0, np.nan, -1.0]), "non-integral or non-finite floats"),
        (0, "got the scalar 0"),
        ("source", "got the scalar 'source'"),
        (np.array([0, "a", -1], dtype=object), "must hold integers"),
    ],
)
def test_bad_sample_domain(sample_domain, match):
    with pytest.raises(ValueError, match=match):
        check_domains(np.array([0, 1, -1]), sample_domain)


def test_sample_domain_checked_against_n_samples():
    with pytest.raises(ValueError, match="sample_domain has 2 entries but X has 3"):
        check_domains(None, [0, -1], n_samples=3)


def test_y_length_checked_against_n_samples():
    with pytest.raises(ValueError, match="y has 2 entries but X has 3 rows"):
        check_domains([0, 1], n_samples=3)


@pytest.mark.parametrize("y", ["abc", 3])
def test_scalar_y_is_rejected(y):
    with pytest.raises(ValueError, match="y must be an array-like"):
        check_domains(y)


def test_no_labelled_rows_classification():
    with pytest.raises(ValueError, match="Est found no labelled rows: every y is -1"):
        check_domains(np.array([-1, -1]), require_labels=True, estimator_name="Est")


def test_no_labelled_rows_regression():
    with pytest.raises(ValueError, match="Input y contains NaN in every row"):
        check_domains(np.array([np.nan, np.nan]), require_labels=True)


def test_no_labelled_rows_is_fine_without_require_labels():
    masks = check_domains(np.array([-1, -1]))
    assert masks.target.all()


def test_y_none_with_require_labels():
    with pytest.raises(ValueError, match="requires y to be passed"):
        check_domains(None, n_samples=3, require_labels=True)


def test_nan_in_classification_y():
    with pytest.raises(ValueError, match="Input y contains NaN"):
        check_domains(np.array(["a", np.nan], dtype=object))
    with pytest.raises(ValueError, match="Input y contains NaN"):
        check_domains(np.array([0.0, 1.0, np.nan]), task="classification")


def test_regression_y_must_be_numeric():
    with pytest.raises(ValueError, match="could not be converted to float"):
        check_domains(np.array(["a", "b"], dtype=object), task="regression")


def test_unknown_task():
    with pytest.raises(ValueError, match="task must be one of"):
        check_domains([0, 1], task="ranking")


def test_minus_one_collision_with_plus_minus_one_labels():
    # Sentiment-style labels: -1 negative, +1 positive. Without sample_domain
    # the negatives would silently become unlabelled target rows.
    y = np.array([-1, 1, 1, -1, 1])
    with pytest.raises(ValueError, match=r"single class \(1\).*\{-1, \+1\}") as exc:
        check_domains(y)
    assert "sample_domain" in str(exc.value)
    assert "Relabel" in str(exc.value)


def test_minus_one_collision_resolved_by_sample_domain():
    y = np.array([-1, 1, 1, -1, 1])
    masks = check_domains(y, np.zeros(5, dtype=int), require_labels=True)
    assert masks.labelled.all()


def test_minus_one_collision_in_explicit_target_domains():
    # -1 is a class of the source rows, and the target rows mix -1 and +1.
    y = np.array([-1, 1, -1, 1])
    sd = np.array([0, 0, -1, -1])
    with pytest.raises(ValueError, match="cannot tell labelled from unlabelled"):
        check_domains(y, sd)


def test_explicit_target_all_minus_one_is_unlabelled_even_with_minus_one_class():
    y = np.array([-1, 1, -1, -1])
    masks = check_domains(y, [0, 0, -1, -1])
    assert_array_equal(masks.labelled, [True, True, False, False])


# --------------------------------------------------------------------------- #
# pack_domains / split_domains
# --------------------------------------------------------------------------- #
def test_pack_domains_documents():
    X, y, sd = pack_domains(
        source=(["a b", "c d"], [1, 0]), target=["e f", "g h", "i j"]
    )
    assert X == ["a b", "c d", "e f", "g h", "i j"]
    assert_array_equal(y, [1, 0, -1, -1, -1])
    assert_array_equal(sd, [0, 0, -1, -1, -1])
    masks = check_domains(y, sd)
    assert_array_equal(masks.labelled, [True, True, False, False, False])


def test_pack_domains_many_sources_and_targets_with_labelled_target():
    Xs1, Xs2 = np.zeros((2, 3)), np.ones((3, 3))
    Xt1, Xt2 = np.full((1, 3), 2.0), np.full((2, 3), 3.0)
    X, y, sd = pack_domains(
        sources=[(Xs1, [0, 1]), (Xs2, [1, 1, 0])],
        targets=[Xt1, (Xt2, [0, -1])],
    )
    assert X.shape == (8, 3)
    assert_array_equal(sd, [0, 0, 1, 1, 1, -1, -2, -2])
    assert_array_equal(y, [0, 1, 1, 1, 0, -1, 0, -1])
    masks = check_domains(y, sd)
    assert_array_equal(masks.labelled, [1, 1, 1, 1, 1, 0, 1, 0])


def test_pack_domains_string_labels_keep_minus_one_marker():
    X, y, sd = pack_domains(source=(["x", "y"], ["pos", "neg"]), target=["z"])
    assert y.dtype == object
    assert y.tolist() == ["pos", "neg", -1]
    assert_array_equal(check_domains(y, sd).labelled, [True, True, False])


def test_pack_domains_regression_uses_nan():
    X, y, sd = pack_domains(
        source=(np.zeros((2, 1)), [0.5, 1.5]), target=np.ones((2, 1))
    )
    assert np.isnan(y[2:]).all()
    assert check_domains(y, sd).task == "regression"


def test_pack_domains_explicit_marker():
    _, y, _ = pack_domains(target=np.zeros((2, 1)), unlabelled=np.nan)
    assert np.isnan(y).all()
    _, y, _ = pack_domains(target=np.zeros((2, 1)), unlabelled=-1)
    assert_array_equal(y, [-1, -1])


def test_pack_domains_sparse_stays_sparse():
    Xs = sparse.random(3, 4, density=0.5, format="csr", random_state=0)
    Xt = sparse.random(2, 4, density=0.5, format="coo", random_state=1)
    X, _, _ = pack_domains(source=(Xs, [0, 1, 0]), target=Xt)
    assert sparse.issparse(X) and X.format == "csr" and X.shape == (5, 4)


def test_pack_domains_pandas():
    pd = pytest.importorskip("pandas")
    Xs = pd.DataFrame({"a": [1, 2]})
    Xt = pd.DataFrame({"a": [3]})
    X, y, sd = pack_domains(source=(Xs, [0, 1]), target=Xt)
    assert isinstance(X, pd.DataFrame)
    assert X["a"].tolist() == [1, 2, 3]


def test_pack_domains_target_tuple_of_documents_is_rows():
    X, y, sd = pack_domains(source=(["a", "b"], [0, 1]), target=("doc one", "doc two"))
    assert X == ["a", "b", "doc one", "doc two"]
    assert_array_equal(sd, [0, 0, -1, -1])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({}, ValueError, "at least one source or target"),
        ({"source": ["a", "b"]}, ValueError, "must be a pair"),
        ({"source": (["a", "b"], [0])}, ValueError, r"y must have shape \(2,\)"),
        ({"target": (["a", "b"], [0, 1, 2])}, ValueError, r"y must have shape \(2,\)"),
        ({"source": (["a"], [0]), "target": np.zeros((1, 2))}, TypeError, "same kind"),
        ({"source": (["a"], [0]), "target": "a doc"}, ValueError, "string object"),
        ({"target": ["a"]}, ValueError, "needs labels from at least one domain"),
        ({"target": ["a"], "unlabelled": 0}, ValueError, "unlabelled must be"),
        ({"target": ["a"], "unlabelled": "none"}, ValueError, "unlabelled must be"),
    ],
)
def test_pack_domains_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        pack_domains(**kwargs)


def test_pack_domains_row_shape_mismatch():
    with pytest.raises(ValueError, match="differ in shape"):
        pack_domains(source=(np.zeros((2, 3)), [0, 1]), target=np.zeros((2, 4)))


def test_split_domains_inverts_pack_domains():
    rng = np.random.RandomState(0)
    Xs1, ys1 = rng.rand(3, 2), np.array([0, 1, 0])
    Xs2, ys2 = rng.rand(2, 2), np.array([1, 1])
    Xt1 = rng.rand(4, 2)
    Xt2, yt2 = rng.rand(2, 2), np.array([1, -1])
    X, y, sd = pack_domains(sources=[(Xs1, ys1), (Xs2, ys2)], targets=[Xt1, (Xt2, yt2)])
    sources, targets = split_domains(X, y, sd)
    assert list(sources) == [0, 1]
    assert list(targets) == [-1, -2]
    assert_array_equal(sources[0][0], Xs1)
    assert_array_equal(sources[0][1], ys1)
    assert_array_equal(sources[1][0], Xs2)
    assert_array_equal(targets[-1][0], Xt1)
    assert_array_equal(targets[-1][1], [-1, -1, -1, -1])
    assert_array_equal(targets[-2][0], Xt2)
    assert_array_equal(targets[-2][1], yt2)


def test_split_domains_implicit_and_documents():
    sources, targets = split_domains(["a", "b", "c"], [1, -1, 0])
    assert sources[0][0] == ["a", "c"]
    assert targets[-1][0] == ["b"]


def test_split_domains_generator_of_documents():
    docs = (d for d in ["a", "b", "c"])
    sources, targets = split_domains(docs, [0, -1, 1])
    assert sources[0][0] == ["a", "c"]


# --------------------------------------------------------------------------- #
# Reliability: clear errors for malformed y and sample_domain (issue 10)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "y",
    [
        [[0, 1], [1], [0, 1, 1]],
        np.array([np.array([0, 1]), np.array([1])], dtype=object),
        np.array([[0, 1], [1, 0], [1, 1]], dtype=object),
        np.array([[0, 1, 2]]).T.tolist() + [[0, 1]],
    ],
    ids=["list of lists", "object array of arrays", "2-D", "column then ragged"],
)
def test_ragged_or_multilabel_y_is_a_clear_error(y):
    with pytest.raises(ValueError, match="y must") as excinfo:
        check_domains(y)
    assert "sktransfer" in str(excinfo.traceback[-1].path)


@pytest.mark.parametrize(
    "sample_domain, match",
    [
        (np.array([0, 2**64 - 1], dtype=np.uint64), "outside the int64 range"),
        (np.array([0, 2**63], dtype=np.uint64), "outside the int64 range"),
        (np.array([0, 2**63], dtype=object), "outside the int64 range"),
        (np.array([0, -(2**63) - 1], dtype=object), "outside the int64 range"),
        (np.array([0.0, 2.0**63]), "outside the int64 range"),
        (np.array([0.0, -(2.0**64)]), "outside the int64 range"),
        (np.array([0.0, 1e300]), "outside the int64 range"),
        (np.array([0.0, 0.5]), "non-integral"),
        (np.array([0.0, np.nan]), "non-finite"),
        (np.array([0.0, -np.inf]), "non-finite"),
        (np.array([True, False]), "got booleans"),
        (np.array([True, False], dtype=object), "got an array of dtype object"),
        (np.array(["0", "-1"]), "dtype <U2"),
    ],
)
def test_sample_domain_that_int64_cannot_hold_is_a_clear_error(sample_domain, match):
    # An unsigned 2**64 - 1 used to wrap to -1, turning a source row into a
    # target row.
    with pytest.raises(ValueError, match=match) as excinfo:
        check_domains([0, 1], sample_domain=sample_domain)
    assert "sktransfer" in str(excinfo.traceback[-1].path)


@pytest.mark.parametrize(
    "sample_domain",
    [
        np.array([0, 2**63 - 1], dtype=np.uint64),
        np.array([-(2**63), 2**63 - 1], dtype=object),
        np.array([-(2.0**63), 0.0]),
        np.array([0, 1], dtype=np.uint8),
    ],
)
def test_sample_domain_within_int64_is_read_exactly(sample_domain):
    masks = check_domains([0, 1], sample_domain=sample_domain)
    assert_array_equal(masks.sample_domain, np.asarray(sample_domain).astype(np.int64))
    assert_array_equal(masks.source, np.asarray(sample_domain) >= 0)


@pytest.mark.parametrize("y", [[], np.empty(0)])
def test_no_rows_is_a_clear_error(y):
    with pytest.raises(ValueError, match="found 0 rows"):
        check_domains(y)
    with pytest.raises(ValueError, match="found 0 rows"):
        check_domains(sample_domain=[], n_samples=0)


@pytest.mark.parametrize(
    "y",
    [
        np.array([1, None, 0], dtype=object),
        np.array(["a", "b", None], dtype=object),
        pd.Series(["a", "b", None], dtype="string"),
    ],
    ids=["None", "None among strings", "pandas NA"],
)
def test_missing_class_labels_are_a_clear_error(y):
    with pytest.raises(ValueError, match="Input y contains NaN"):
        check_domains(y)


# -1 as the marker in every dtype of string labels -------------------------- #


def _string_labels():
    labels = ["pos", "neg", "-1", "pos", "-1"]
    return {
        "numpy <U": np.array(labels),
        "numpy S": np.array(labels, dtype="S"),
        "object str": np.array(labels, dtype=object),
        "list with int -1": ["pos", "neg", -1, "pos", -1],
        "object with int -1": np.array(["pos", "neg", -1, "pos", -1], dtype=object),
        "pandas string": pd.Series(labels, dtype="string"),
        "pandas object": pd.Series(labels, dtype=object),
        "pandas categorical": pd.Series(pd.Categorical(labels)),
        "list of np.str_": [np.str_(v) for v in labels],
    }


@pytest.mark.parametrize("name", list(_string_labels()))
def test_minus_one_string_is_the_marker_in_every_string_dtype(name):
    # It used to be unlabelled in <U arrays only, and a class elsewhere.
    masks = check_domains(_string_labels()[name])
    assert_array_equal(masks.labelled, [True, True, False, True, False])
    assert_array_equal(masks.sample_domain, [0, 0, -1, 0, -1])


def test_minus_one_is_a_class_of_source_rows_in_every_string_dtype():
    for name, y in _string_labels().items():
        masks = check_domains(y, sample_domain=[0, 0, 0, 0, -1])
        assert_array_equal(masks.labelled, [True, True, True, True, False], name)


def test_true_and_minus_one_float_in_object_labels():
    # True == 1 but is not the number -1; -1.0 is.
    masks = check_domains(np.array(["a", True, -1.0, "b"], dtype=object))
    assert_array_equal(masks.labelled, [True, True, False, True])


# A likely three-class problem {-1, 0, 1} ----------------------------------- #


@pytest.mark.parametrize(
    "y",
    [
        np.array([-1, 0, 1] * 10),  # -1 rows scattered among the others
        np.tile([-2, -1, 0, 1, 2], 6),  # signed labels (ratings)
        np.r_[np.tile([-2, 0, 2], 10), -np.ones(5, dtype=int)],  # signed
        np.array(["-1", "0", "1"] * 10),
        np.array([-1.0, 0.0, 1.0] * 10),
    ],
    ids=["-1,0,1 scattered", "-2..2", "signed block", "strings", "floats"],
)
def test_minus_one_that_looks_like_a_class_warns(y):
    with pytest.warns(MinusOneClassWarning, match="pass sample_domain") as record:
        masks = check_domains(y)
    assert "relabel" in str(record[0].message)
    assert not masks.labelled[np.asarray(y).astype(float) == -1].any()


@pytest.mark.parametrize(
    "y, sample_domain",
    [
        (np.r_[np.tile([0, 1], 10), -np.ones(10, dtype=int)], None),  # one block
        (np.r_[-np.ones(10, dtype=int), np.tile([0, 1, 2], 5)], None),
        (np.array([-1, 0, 1] * 10), np.tile([-1, 0, 0], 10)),  # explicit
        (np.array(["pos", "-1", "neg"] * 10), None),  # not integer classes
        (np.array([1, 0, 1]), None),  # no -1 at all
    ],
)
def test_minus_one_as_marker_does_not_warn(y, sample_domain):
    with warnings.catch_warnings():
        warnings.simplefilter("error", MinusOneClassWarning)
        check_domains(y, sample_domain=sample_domain)
