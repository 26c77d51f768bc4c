"""Bad and unusual input to every text estimator and to the command line.

Every case ends either in a result without NaN, or in a ValueError/TypeError
raised by sktransfer (or scikit-learn's validation) whose message names the
problem; never in an error from inside numpy, torch, gensim or pickle, and
never in a hang (each test runs under a time limit). The command line
reports user errors in one line with exit status 2, without a traceback.
"""

import gzip
import inspect
import os
import re
import signal
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import get_tags

from sktransfer.cli import main
from sktransfer.utils.discovery import all_estimators

#: Seconds any one test of this module may take.
TIME_LIMIT = 60

DOCS = ["good movie here", "bad film there", "fine plot ok", "awful acting bad"]
Y = [0, 1, 0, 1]


def _takes_text(cls):
    params = inspect.signature(cls).parameters.values()
    if any(p.default is p.empty for p in params if p.kind != p.VAR_KEYWORD):
        return False
    return get_tags(cls()).input_tags.string


TEXT_ESTIMATORS = [cls for _, cls in all_estimators() if _takes_text(cls)]
# The text estimators that learn from targets (the vectorizer and the
# language model ignore y).
NETS = [cls for cls in TEXT_ESTIMATORS if get_tags(cls()).target_tags.required]


def test_the_text_estimators_are_found():
    names = {cls.__name__ for cls in TEXT_ESTIMATORS}
    assert {"Word2VecVectorizer", "TextClassifier", "TextRegressor"} <= names


def make(cls, **params):
    """A tiny, fast instance."""
    if cls.__name__ == "Word2VecVectorizer":
        tiny = {"vector_size": 4, "min_count": 1, "epochs": 1, "random_state": 0}
    else:
        tiny = {
            "max_epochs": 1,
            "min_count": 1,
            "embedding_dim": 4,
            "hidden_size": 4,
            "random_state": 0,
        }
    return cls(**{**tiny, **params})


@pytest.fixture(autouse=True)
def time_limit():
    """Fail a test that runs longer than TIME_LIMIT (a hang) instead of waiting."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - not on Windows
        yield
        return

    def alarm(signum, frame):
        raise TimeoutError(f"the test took more than {TIME_LIMIT} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_OURS = (f"{os.sep}sktransfer{os.sep}", f"sklearn{os.sep}utils{os.sep}")


def assert_raised_by_us(excinfo, match):
    """The error names the problem and comes from our validation."""
    path = str(excinfo.traceback[-1].path)
    assert any(part in path for part in _OURS), (path, excinfo.value)
    assert excinfo.match(match)


def fit(est, X, y=Y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def output(est, X):
    return est.transform(X) if hasattr(est, "transform") else est.predict(X)


# --------------------------------------------------------------------------- #
# X
# --------------------------------------------------------------------------- #
BAD_X = {
    "empty": ([], ValueError, "at least one document"),
    "None in the list": (DOCS[:3] + [None], TypeError, "document 3 is a NoneType"),
    "int in the list": (DOCS[:3] + [3], TypeError, "document 3 is a int"),
    "NaN in the list": (DOCS[:3] + [np.nan], TypeError, "document 3 is a float"),
    "bytes in the list": (DOCS[:3] + [b"ab cd"], TypeError, "document 3 is a bytes"),
    "one string": ("good movie here", ValueError, "string object received"),
    "bytes": (b"good movie here", ValueError, "string object received"),
    "an int": (5, TypeError, "iterable of documents"),
    "a dict": ({"good": 1}, TypeError, "got a dict"),
    "non-str token": ([["ab", 3]] + [d.split() for d in DOCS[1:]], TypeError, "str"),
    "two columns": (
        pd.DataFrame({"text": DOCS, "other": DOCS}),
        ValueError,
        "one column of text documents, got a data frame with 2 columns",
    ),
    "2-d array": (np.array([DOCS, DOCS]).T, ValueError, r"array of shape \(4, 2\)"),
}


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("cls", TEXT_ESTIMATORS, ids=lambda c: c.__name__)
def test_bad_documents_are_rejected_with_a_message(cls, case):
    X, error, match = BAD_X[case]
    with pytest.raises(error) as excinfo:
        fit(make(cls), X)
    assert_raised_by_us(excinfo, match)


@pytest.mark.parametrize("cls", TEXT_ESTIMATORS, ids=lambda c: c.__name__)
def test_one_text_column_is_the_corpus(cls):
    # A one-column DataFrame or (n, 1) array is taken as its column.
    expected = output(fit(make(cls), DOCS), DOCS)
    frame = pd.DataFrame({"text": DOCS})
    for X in (frame, np.array(DOCS)[:, None], frame["text"]):
        got = output(fit(make(cls), X), X)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        assert np.isfinite(np.asarray(got, dtype=float)).all()


@pytest.mark.parametrize("cls", TEXT_ESTIMATORS, ids=lambda c: c.__name__)
def test_odd_but_valid_documents_give_finite_output(cls):
    est = fit(make(cls), DOCS)
    # Unknown words only, empty strings, a long document, numpy str tokens.
    X = ["zzz qqq", "", "good " * 5000, np.array(["good", "movie"])]
    out = np.asarray(output(est, X), dtype=float)
    assert out.shape[0] == 4
    assert np.isfinite(out).all()
    assert output(est, []).shape[0] == 0


def test_a_single_document_trains_vectors():
    cls = next(c for c in TEXT_ESTIMATORS if c.__name__ == "Word2VecVectorizer")
    X = fit(make(cls), ["good movie"]).transform(["good movie"])
    assert X.shape == (1, 4) and np.isfinite(X).all()


@pytest.mark.parametrize("cls", NETS, ids=lambda c: c.__name__)
def test_a_single_labelled_document(cls):
    if cls.__name__ == "TextClassifier":
        with pytest.raises(ValueError) as excinfo:
            fit(make(cls), DOCS[:1], [0])
        assert_raised_by_us(excinfo, "at least 2 classes")
    else:
        est = fit(make(cls), DOCS[:1], [1.5])
        assert np.isfinite(output(est, DOCS)).all()


# --------------------------------------------------------------------------- #
# the tokenizer
# --------------------------------------------------------------------------- #
def _returns_none(doc):
    return None


def _returns_ints(doc):
    return [len(word) for word in doc.split()]


def _returns_a_string(doc):
    return doc


@pytest.mark.parametrize("n_docs", [1, 4, 300])
@pytest.mark.parametrize(
    "tokenizer, match",
    [
        (_returns_none, "returned a NoneType"),
        (_returns_ints, "returned a token of type int"),
        (_returns_a_string, "returned a str"),
    ],
)
@pytest.mark.parametrize("cls", TEXT_ESTIMATORS, ids=lambda c: c.__name__)
def test_a_bad_tokenizer_fails_whatever_the_number_of_documents(
    cls, tokenizer, match, n_docs
):
    X = (DOCS * n_docs)[:n_docs]
    y = (Y * n_docs)[:n_docs]
    with pytest.raises(TypeError) as excinfo:
        fit(make(cls, tokenizer=tokenizer), X, y)
    assert_raised_by_us(excinfo, match)


@pytest.mark.parametrize("cls", TEXT_ESTIMATORS, ids=lambda c: c.__name__)
def test_a_bad_tokenizer_set_after_fit_fails_in_transform(cls):
    est = fit(make(cls), DOCS)
    est.set_params(tokenizer=_returns_none)
    for n_docs in (1, 300):
        with pytest.raises(TypeError) as excinfo:
            output(est, DOCS * n_docs)
        assert_raised_by_us(excinfo, "returned a NoneType")


def test_a_tokenizer_returning_a_generator_is_fine():
    cls = TEXT_ESTIMATORS[0]
    est = fit(make(cls, tokenizer=lambda doc: (w for w in doc.split())), DOCS)
    assert np.isfinite(np.asarray(output(est, DOCS), dtype=float)).all()


# --------------------------------------------------------------------------- #
# y
# --------------------------------------------------------------------------- #
BAD_Y = {
    "wrong length": (Y[:3], "3 entries but X has 4 rows"),
    "ragged": ([[0], [1, 2], 0, 1], "sequences of different length"),
    "inf": ([0.0, np.inf, 1.0, 0.0], "inf"),
    "-inf": ([0.0, -np.inf, 1.0, 0.0], "inf"),
}


@pytest.mark.parametrize("case", list(BAD_Y))
@pytest.mark.parametrize("cls", NETS, ids=lambda c: c.__name__)
def test_bad_targets_are_rejected_with_a_message(cls, case):
    y, match = BAD_Y[case]
    with pytest.raises(ValueError) as excinfo:
        fit(make(cls), DOCS, y)
    assert_raised_by_us(excinfo, match)


def test_regression_targets_beyond_float32_are_rejected():
    cls = next(c for c in NETS if c.__name__ == "TextRegressor")
    with pytest.raises(ValueError) as excinfo:
        fit(make(cls), DOCS, [0.0, 1e300, 1.0, 2.0])
    assert_raised_by_us(excinfo, "float32 range")
    with pytest.raises(ValueError) as excinfo:
        fit(make(cls), DOCS, ["a", "b", "c", "d"])
    assert_raised_by_us(excinfo, "numeric")


@pytest.mark.parametrize("cls", NETS, ids=lambda c: c.__name__)
def test_nan_marks_unlabelled_rows_and_output_stays_finite(cls):
    unlabelled = -1 if cls.__name__ == "TextClassifier" else np.nan
    est = fit(make(cls), DOCS, [0, 1, unlabelled, 1])
    assert np.isfinite(np.asarray(output(est, DOCS), dtype=float)).all()


@pytest.mark.parametrize("cls", NETS, ids=lambda c: c.__name__)
def test_a_diverging_fit_raises_naming_the_epoch(cls):
    # lr=1e6 makes the loss NaN within a few epochs: no NaN predictions.
    est = make(cls, lr=1e6, max_epochs=20, embedding_dim=8, hidden_size=8)
    with pytest.raises(ValueError) as excinfo:
        fit(est, DOCS * 3, Y * 3)
    assert_raised_by_us(excinfo, r"at epoch \d+.*smaller lr")


# --------------------------------------------------------------------------- #
# parameters
# --------------------------------------------------------------------------- #
HUGE = {
    "Word2VecVectorizer": [
        "negative",
        "vector_size",
        "window",
        "epochs",
        "workers",
        "min_count",
    ],
    "nets": ["max_epochs", "hidden_size", "embedding_dim"],
}


def _huge_cases():
    for cls in TEXT_ESTIMATORS:
        names = HUGE.get(cls.__name__, HUGE["nets"])
        for name in names:
            if name == "min_count":
                continue  # no upper bound needed: a large one keeps no word
            yield pytest.param(cls, name, id=f"{cls.__name__}-{name}")


@pytest.mark.parametrize("cls, name", list(_huge_cases()))
def test_huge_parameters_are_rejected_before_any_work(cls, name):
    with pytest.raises(ValueError) as excinfo:
        fit(make(cls, **{name: 10**9}), DOCS)
    assert_raised_by_us(excinfo, f"'{name}' parameter")
    # The bound is stated in the docstring of the parameter.
    doc = inspect.getdoc(cls)
    entry = doc[doc.index(f"{name} : ") :].split("\n    ")[0]
    assert "at most" in doc[doc.index(f"{name} : ") :][:400], entry


@pytest.mark.parametrize(
    "params",
    [{"vector_size": 0}, {"negative": -1}, {"window": 0}, {"min_count": 0}],
    ids=str,
)
def test_out_of_range_vectorizer_parameters(params):
    cls = next(c for c in TEXT_ESTIMATORS if c.__name__ == "Word2VecVectorizer")
    with pytest.raises(ValueError) as excinfo:
        fit(make(cls, **params), DOCS)
    assert_raised_by_us(excinfo, "parameter")


@pytest.mark.parametrize(
    "params",
    [{"batch_size": 0}, {"lr": -1.0}, {"max_epochs": -1}, {"dropout": 1.0}],
    ids=str,
)
@pytest.mark.parametrize("cls", NETS, ids=lambda c: c.__name__)
def test_out_of_range_net_parameters(cls, params):
    with pytest.raises(ValueError) as excinfo:
        fit(make(cls, **params), DOCS)
    assert_raised_by_us(excinfo, "parameter")


# --------------------------------------------------------------------------- #
# the command line
# --------------------------------------------------------------------------- #
def run_cli(args, capsys):
    """Run ``sktransfer`` and return (status, stdout, stderr)."""
    try:
        status = main([str(a) for a in args])
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def assert_user_error(result, match):
    status, out, err = result
    assert status == 2, (status, out, err)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("sktransfer")]
    assert lines, err
    assert any(re.search(match, line) for line in lines), err
    assert "trained" not in out


@pytest.fixture
def text_corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(DOCS * 5) + "\n", encoding="utf-8")
    return path


def _bad_corpus(tmp_path, kind):
    path = tmp_path / {"gz": "c.gz", "truncated": "c.gz"}.get(kind, "c.txt")
    if kind == "random bytes":
        path.write_bytes(np.random.default_rng(0).bytes(20_000))
    elif kind == "NUL bytes":
        path.write_bytes(b"\x00" * 5_000)
    elif kind == "control characters":
        path.write_bytes(b"ab cd \x01\x02\x03\x04 " * 500)
    elif kind == "latin-1":
        path.write_bytes("caf\xe9 cr\xe8me br\xfbl\xe9e\n".encode("latin-1") * 50)
    elif kind == "gz":
        path.write_text("a plain file named .gz\n" * 50)
    elif kind == "truncated":
        data = gzip.compress(("good movie here\n" * 5000).encode())
        path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize(
    "kind, match",
    [
        ("random bytes", "not UTF-8 text"),
        ("NUL bytes", "does not look like text"),
        ("control characters", "does not look like text"),
        ("latin-1", "not UTF-8 text"),
        ("gz", "cannot read the corpus .*c.gz"),
        ("truncated", "cannot read the corpus .*c.gz"),
    ],
)
def test_pretrain_rejects_a_corpus_that_is_not_text(tmp_path, capsys, kind, match):
    corpus = _bad_corpus(tmp_path, kind)
    out = tmp_path / "vectors.bin"
    result = run_cli(["pretrain", corpus, "-o", out, "--min-count", "1"], capsys)
    assert_user_error(result, match)
    assert not out.exists()


def test_pretrain_checks_the_output_before_training(tmp_path, capsys, text_corpus):
    base = ["pretrain", text_corpus, "--min-count", "1", "-o"]
    missing = tmp_path / "no" / "such" / "folder" / "v.bin"
    assert_user_error(run_cli([*base, missing], capsys), "does not exist")
    assert_user_error(run_cli([*base, tmp_path], capsys), "is a directory")


@pytest.mark.parametrize(
    "args, match",
    [
        (["pretrain", "{tmp}/missing.txt", "-o", "{tmp}/v.bin"], "does not exist"),
        (["pretrain", "{tmp}", "-o", "{tmp}/v.bin"], "is a directory"),
        (["pretrain", "{corpus}", "-o", "{tmp}/v.bin", "--negative", "1000000"], "neg"),
        (["pretrain", "{corpus}", "-o", "{tmp}/v.bin", "--vector-size", "0"], "vector"),
        (["pretrain", "{corpus}", "-o", "{tmp}/v.bin", "--epochs", "x"], "invalid int"),
        (["pretrain", "{corpus}", "-o", "{tmp}/v.bin", "--format", "x"], "choice"),
        (["evaluate", "{tmp}/v.bin", "--restrict-vocab", "0"], "positive integer"),
        (["evaluate", "{tmp}/v.bin", "--restrict-vocab", "-5"], "positive integer"),
        (["evaluate", "{tmp}/missing.bin"], "missing.bin"),
        (["evaluate", "{corpus}", "--format", "word2vec_binary"], "sktransfer"),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else None,
)
def test_cli_bad_paths_and_flags(tmp_path, capsys, text_corpus, args, match):
    args = [a.format(tmp=tmp_path, corpus=text_corpus) for a in args]
    assert_user_error(run_cli(args, capsys), match)


def test_pretrain_still_works_on_text(tmp_path, capsys, text_corpus):
    out = tmp_path / "v.bin"
    status, stdout, err = run_cli(
        ["pretrain", text_corpus, "-o", out, "--min-count", "1", "--vector-size", 4],
        capsys,
    )
    assert status == 0, err
    assert Path(out).stat().st_size > 0
    assert "trained" in stdout
