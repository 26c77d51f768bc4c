"""Tests for sktransfer.datasets.load_sentiment_domains and its build script.

The slow test ``test_build_script_check_matches_vendored_file`` rebuilds the
vendored data from the real ``vaderSentiment-3.3.2.tar.gz`` source
distribution. It runs only when selected with ``-m slow`` and when the
environment variable ``SKTRANSFER_VADER_SDIST`` points to a local copy of that
file (e.g. obtained with ``python -m pip download --no-deps --no-binary :all:
vaderSentiment==3.3.2``); otherwise it is skipped.
"""

import gzip
import importlib.util
import io
import math
import os
import socket
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from sktransfer.datasets import _sentiment, load_sentiment_domains

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "build_sentiment_domains.py"
VENDORED = REPO_ROOT / "sktransfer" / "datasets" / "data" / "sentiment_domains.tsv.gz"

DOMAINS = ["tweets", "movie_reviews", "product_reviews", "nyt_editorials"]
COUNTS_ALL = {
    "tweets": 4200,
    "movie_reviews": 10605,
    "product_reviews": 3708,
    "nyt_editorials": 5190,
}
COUNTS_FILTERED = {
    "tweets": 3432,
    "movie_reviews": 10072,
    "product_reviews": 2985,
    "nyt_editorials": 2970,
}


@pytest.fixture(scope="module")
def build_script():
    spec = importlib.util.spec_from_file_location("build_sentiment_domains", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def everything():
    return load_sentiment_domains(drop_neutral=False)


# ---------------------------------------------------------------------------
# Loader
# ---------------------------------------------------------------------------


def _segments(domain):
    """Run-length encode the domain column: [(name, count), ...]."""
    names, counts = [], []
    for name in domain:
        if names and names[-1] == name:
            counts[-1] += 1
        else:
            names.append(str(name))
            counts.append(1)
    return list(zip(names, counts))


def test_counts_and_order_without_filtering(everything):
    assert everything.domain_names == DOMAINS
    assert _segments(everything.domain) == list(COUNTS_ALL.items())
    assert len(everything.data) == sum(COUNTS_ALL.values()) == 23703


def test_default_filtering_drops_exactly_near_neutral(everything):
    data = load_sentiment_domains()
    keep = np.abs(everything.rating) >= 0.5
    assert len(data.data) == keep.sum() == sum(COUNTS_FILTERED.values())
    assert _segments(data.domain) == list(COUNTS_FILTERED.items())
    np.testing.assert_array_equal(data.rating, everything.rating[keep])
    np.testing.assert_array_equal(data.ids, everything.ids[keep])
    np.testing.assert_array_equal(data.domain, everything.domain[keep])
    assert data.data == [t for t, k in zip(everything.data, keep) if k]
    # Labels agree with ratings and no near-neutral row survives.
    assert np.all(np.abs(data.rating) >= 0.5)
    np.testing.assert_array_equal(data.target[data.rating >= 0.5], 1)
    np.testing.assert_array_equal(data.target[data.rating <= -0.5], 0)


def test_labels_without_filtering_follow_sign(everything):
    rating, target = everything.rating, everything.target
    assert np.any(rating == 0)  # the documented tie case actually occurs
    np.testing.assert_array_equal(target, (rating > 0).astype(np.int64))
    assert np.all(target[rating == 0] == 0)
    assert np.any(np.abs(rating) < 0.5)


@pytest.mark.parametrize("threshold", [0.25, 1, 2.0, np.float32(1.5)])
def test_custom_threshold(everything, threshold):
    data = load_sentiment_domains(neutral_threshold=threshold)
    t = float(threshold)
    assert len(data.data) == np.sum(np.abs(everything.rating) >= t)
    assert np.all(np.abs(data.rating) >= t)
    np.testing.assert_array_equal(data.target, (data.rating >= t).astype(np.int64))


def test_threshold_zero_keeps_everything(everything):
    data = load_sentiment_domains(neutral_threshold=0)
    assert data.data == everything.data
    np.testing.assert_array_equal(data.target, everything.target)


def test_threshold_four_gives_empty_but_typed_result():
    data = load_sentiment_domains(neutral_threshold=4)
    assert data.data == []
    for key, kind in [("rating", "f"), ("target", "i"), ("domain", "U"), ("ids", "U")]:
        assert data[key].shape == (0,)
        assert data[key].dtype.kind == kind


@pytest.mark.parametrize("drop_neutral", [True, False])
def test_dtypes_and_lengths(drop_neutral):
    data = load_sentiment_domains(drop_neutral=drop_neutral)
    n = len(data.data)
    assert isinstance(data.data, list)
    assert data.rating.dtype == np.float64 and data.rating.shape == (n,)
    assert data.target.dtype == np.int64 and data.target.shape == (n,)
    assert data.domain.dtype.kind == "U" and data.domain.shape == (n,)
    assert data.ids.dtype.kind == "U" and data.ids.shape == (n,)
    assert set(np.unique(data.target)) == {0, 1}
    assert set(data.domain) == set(DOMAINS)
    assert np.all((data.rating >= -4) & (data.rating <= 4))
    assert data.target_names.tolist() == ["negative", "positive"]
    assert data.domain_names == DOMAINS
    assert isinstance(data.DESCR, str)
    assert set(data) == {
        "data",
        "rating",
        "target",
        "domain",
        "domain_names",
        "ids",
        "target_names",
        "DESCR",
    }


def test_texts_and_ids_are_clean(everything):
    for text in everything.data:
        assert type(text) is str
        assert text.strip()
        assert not any(c in text for c in "\r\n\t")
    for name in DOMAINS:
        ids = everything.ids[everything.domain == name]
        assert len(set(ids.tolist())) == len(ids)
        assert all(i for i in ids)


def test_known_rows(everything):
    # First row of each upstream file, ids and ratings copied verbatim.
    first = {}
    for i, name in enumerate(everything.domain):
        first.setdefault(str(name), i)
    i = first["tweets"]
    assert everything.ids[i] == "1"
    assert everything.rating[i] == pytest.approx(2.726315789)
    assert everything.data[i].startswith("Somehow I was blessed")
    i = first["product_reviews"]
    assert everything.ids[i] == "1_1"
    assert everything.rating[i] == pytest.approx(-0.9)
    assert any("é" in text for text in everything.data)  # UTF-8 kept intact


def test_single_domain_str():
    data = load_sentiment_domains("nyt_editorials", drop_neutral=False)
    assert data.domain_names == ["nyt_editorials"]
    assert len(data.data) == 5190
    assert set(data.domain) == {"nyt_editorials"}


def test_domain_order_is_callers_order(everything):
    order = ["nyt_editorials", "tweets"]
    data = load_sentiment_domains(order, drop_neutral=False)
    assert data.domain_names == order
    assert _segments(data.domain) == [("nyt_editorials", 5190), ("tweets", 4200)]
    for name in order:
        np.testing.assert_array_equal(
            data.ids[data.domain == name], everything.ids[everything.domain == name]
        )
    tuple_data = load_sentiment_domains(tuple(order), drop_neutral=False)
    assert tuple_data.data == data.data


@pytest.mark.parametrize(
    "domains, match",
    [
        (
            "amazon",
            r"Unknown domain name\(s\) \['amazon'\]; valid domain names "
            r"are 'tweets', 'movie_reviews', 'product_reviews', 'nyt_editorials'",
        ),
        (["tweets", "Tweets"], r"Unknown domain name\(s\) \['Tweets'\]"),
        ([], "domains must not be empty; valid domain names are 'tweets'"),
        (["tweets", "movie_reviews", "tweets"], r"duplicate names: \['tweets'\]"),
    ],
)
def test_bad_domains_raise_value_error(domains, match):
    with pytest.raises(ValueError, match=match):
        load_sentiment_domains(domains)


@pytest.mark.parametrize("domains", [3, b"tweets", ["tweets", 3]])
def test_bad_domain_types_raise_type_error(domains):
    with pytest.raises(TypeError, match="domain"):
        load_sentiment_domains(domains)


@pytest.mark.parametrize("value", [-0.1, 4.01, float("nan"), float("inf")])
def test_bad_threshold_value(value):
    with pytest.raises(ValueError, match="neutral_threshold must be in"):
        load_sentiment_domains(neutral_threshold=value)


@pytest.mark.parametrize("value", ["0.5", None, True, [0.5]])
def test_bad_threshold_type(value):
    with pytest.raises(TypeError, match="neutral_threshold must be a real number"):
        load_sentiment_domains(neutral_threshold=value)


@pytest.mark.parametrize("param", ["drop_neutral", "shuffle", "return_X_y"])
@pytest.mark.parametrize("value", [1, "yes", None])
def test_bool_params_are_validated(param, value):
    with pytest.raises(TypeError, match=f"{param} must be a bool"):
        load_sentiment_domains(**{param: value})


def test_shuffle_permutes_rows_within_each_domain():
    domains = ["product_reviews", "tweets"]
    plain = load_sentiment_domains(domains)
    mixed = load_sentiment_domains(domains, shuffle=True, random_state=0)
    # Still grouped by domain, in the order given.
    np.testing.assert_array_equal(mixed.domain, plain.domain)
    # The same rows, each with its own text, rating and label.
    rows = {(d, i): (t, r) for d, i, t, r in zip(
        plain.domain, plain.ids, plain.data, plain.rating)}  # fmt: skip
    assert len(rows) == len(plain.data)
    for d, i, t, r, y in zip(mixed.domain, mixed.ids, mixed.data, mixed.rating,
                             mixed.target):  # fmt: skip
        assert rows[(d, i)] == (t, r) and y == int(r > 0)
    assert sorted(zip(mixed.domain, mixed.ids)) == sorted(rows)
    # Permuted inside every domain, reproducibly.
    for name in domains:
        in_domain = plain.domain == name
        assert not np.array_equal(mixed.ids[in_domain], plain.ids[in_domain])
    again = load_sentiment_domains(domains, shuffle=True, random_state=0)
    assert again.data == mixed.data
    other = load_sentiment_domains(domains, shuffle=True, random_state=1)
    assert other.data != mixed.data
    # The first 500 movie-review snippets are 98% positive; shuffled, the
    # share is near the domain's 49.6%.
    movies = load_sentiment_domains("movie_reviews", shuffle=True, random_state=0)
    assert abs(movies.target[:500].mean() - movies.target.mean()) < 0.07
    # random_state is unused without shuffle.
    assert load_sentiment_domains(domains, random_state=3).data == plain.data
    X, y = load_sentiment_domains(
        domains, shuffle=True, random_state=0, return_X_y=True
    )
    assert X == mixed.data


def test_numpy_bool_accepted():
    data = load_sentiment_domains("tweets", drop_neutral=np.bool_(False))
    assert len(data.data) == 4200


def test_return_X_y():
    bunch = load_sentiment_domains(["tweets", "product_reviews"])
    result = load_sentiment_domains(["tweets", "product_reviews"], return_X_y=True)
    assert isinstance(result, tuple) and len(result) == 2
    X, y = result
    assert X == bunch.data
    np.testing.assert_array_equal(y, bunch.target)
    assert y.dtype == np.int64


def test_results_are_independent_copies():
    first = load_sentiment_domains()
    reference = load_sentiment_domains()
    for key in ["rating", "target", "domain", "ids", "target_names"]:
        assert first[key].flags.writeable
        assert not np.shares_memory(first[key], reference[key])

    first.data[0] = "mutated"
    first.data.append("extra")
    first.rating[:] = 0.0
    first.target[:] = 7
    first.domain[:] = "x"
    first.ids[:] = "y"
    first.target_names[0] = "z"
    first.domain_names.append("extra")
    X, y = load_sentiment_domains(return_X_y=True)
    y[:] = -1
    X.clear()

    again = load_sentiment_domains()
    assert again.data == reference.data
    assert again.domain_names == reference.domain_names == DOMAINS
    assert again.target_names.tolist() == ["negative", "positive"]
    for key in ["rating", "target", "domain", "ids"]:
        np.testing.assert_array_equal(again[key], reference[key])


def test_cached_table_is_read_only():
    table = _sentiment._load_table()
    texts, ids, ratings = table["tweets"]
    assert isinstance(texts, tuple)
    assert not ids.flags.writeable and not ratings.flags.writeable
    with pytest.raises(TypeError):
        table["tweets"] = None


def test_loads_without_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_sentiment_domains must not use the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    _sentiment._load_table.cache_clear()
    _sentiment._load_descr.cache_clear()
    try:
        data = load_sentiment_domains()
    finally:
        _sentiment._load_table.cache_clear()
        _sentiment._load_descr.cache_clear()
    assert len(data.data) == sum(COUNTS_FILTERED.values())


def test_descr(everything):
    descr = everything.DESCR
    assert "Hutto, C.J. & Gilbert, E.E. (2014). VADER" in descr
    assert "MIT" in descr
    for name in DOMAINS:
        assert name in descr
    for count in [*COUNTS_ALL.values(), *COUNTS_FILTERED.values()]:
        assert f"{count:,}" in descr


# ---------------------------------------------------------------------------
# Build script (fast tests on a tiny synthetic sdist)
# ---------------------------------------------------------------------------

GOOD_FILES = {
    "tweets_GroundTruth.txt": b"1\t2.5\tGreat day!\r\n2\t-1.25\tmeh \x93awful\x94\r\n",
    "movieReviewSnippets_GroundTruth.txt": (
        b"1\t0.1\tcaf\xc3\xa9 scene\r\n\r\n2\t-3.0\tboring\r\n"
    ),
    "amazonReviewSnippets_GroundTruth.txt": b"1_1\t0\tok\r\n1_2\t4\tbest buy\r\n",
    "nytEditorialSnippets_GroundTruth.txt": b"1_1\t-4.0\tdire\r\n1_2\t0.75\tgood",
}
LICENSE_TEXT = b"The MIT License (MIT)\r\n\r\nCopyright (c) 2016 Someone\r\n"


def make_sdist(path, files, license_text=LICENSE_TEXT):
    """Write a fake vaderSentiment sdist with a nested ground-truth archive."""

    def add(archive, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as archive:
        for name, data in files.items():
            add(archive, f"hutto_ICWSM_2014/{name}", data)
    with tarfile.open(path, mode="w:gz") as archive:
        add(archive, "vaderSentiment-3.3.2/LICENSE.txt", license_text)
        add(
            archive,
            "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz",
            inner.getvalue(),
        )
    return path


def read_tsv(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return fh.read().split("\n")


def test_parse_ground_truth_handles_crlf_cp1252_and_blank_lines(build_script):
    raw = b"1\t2.5\tfine\r\n\r\n  \r\n2\t-1.0\tcaf\xe9 \x93q\x94 \x81\r\n3\t0\tlast"
    rows, n_fallback = build_script.parse_ground_truth(raw, "x.txt")
    assert rows == [
        ("1", "2.5", "fine"),
        ("2", "-1.0", "café \u201cq\u201d \x81"),
        ("3", "0", "last"),
    ]
    assert n_fallback == 1


def test_decode_line_prefers_utf8(build_script):
    assert build_script.decode_line("naïve –".encode()) == ("naïve –", False)
    assert build_script.decode_line(b"na\xefve \x96") == ("naïve –", True)


@pytest.mark.parametrize(
    "raw, match",
    [
        (b"1\t2.5\r\n2\t1.0\tok\r\n", r"x\.txt, line 1: expected 3 tab-separated"),
        (b"1\t2.5\tok\r\n2\t1.0\tok\textra\r\n", r"line 2: expected 3 .* got 4"),
        (b"1\tgood\tok\r\n", r"line 1: rating 'good' is not a number"),
        (b"1\t4.5\tok\r\n", r"line 1: rating '4.5' is outside \[-4, 4\]"),
        (b"1\tnan\tok\r\n", r"line 1: rating 'nan' is outside"),
        (b"1\t1\tok\r\n1\t2\tagain\r\n", r"line 2: duplicate id '1'"),
        (b"1\t1\t \r\n", r"line 1: empty text"),
        (b"\t1\tok\r\n", r"line 1: empty id"),
        (b"1\t1\tbad\rcarriage\r\n", r"line 1: stray carriage return"),
        (b"\r\n\r\n", r"x\.txt: no data rows"),
    ],
)
def test_parse_ground_truth_rejects_malformed_lines(build_script, raw, match):
    with pytest.raises(build_script.BuildError, match=match):
        build_script.parse_ground_truth(raw, "x.txt")


def test_build_from_synthetic_sdist(build_script, tmp_path):
    sdist = make_sdist(tmp_path / "fake.tar.gz", GOOD_FILES)
    out = tmp_path / "out" / "sentiment_domains.tsv.gz"
    assert build_script.main(["--sdist", str(sdist), "--output", str(out)]) == 0
    lines = read_tsv(out)
    assert lines == [
        "domain\tid\trating\ttext",
        "tweets\t1\t2.5\tGreat day!",
        "tweets\t2\t-1.25\tmeh \u201cawful\u201d",
        "movie_reviews\t1\t0.1\tcafé scene",
        "movie_reviews\t2\t-3.0\tboring",
        "product_reviews\t1_1\t0\tok",
        "product_reviews\t1_2\t4\tbest buy",
        "nyt_editorials\t1_1\t-4.0\tdire",
        "nyt_editorials\t1_2\t0.75\tgood",
        "",
    ]
    license_file = out.parent / "LICENSE_sentiment_domains.txt"
    text = license_file.read_text(encoding="utf-8")
    assert "The MIT License (MIT)\n\nCopyright (c) 2016 Someone\n" in text
    assert "Hutto, C.J. & Gilbert, E.E. (2014)" in text
    assert "\r" not in text

    # Deterministic: gzip header has mtime 0 and no file name; rebuild is equal.
    data = out.read_bytes()
    assert data[4:8] == b"\0\0\0\0" and data[3] & 0x08 == 0
    tsv, _ = build_script.build(sdist, out.name)
    assert tsv == data
    check_args = ["--sdist", str(sdist), "--output", str(out), "--check"]
    assert build_script.main(check_args) == 0

    # --check detects modified content, a corrupt file or a missing file.
    out.write_bytes(gzip.compress(gzip.decompress(data) + b"x"))
    assert build_script.main(check_args) == 1
    out.write_bytes(data[: len(data) // 2])
    assert build_script.main(check_args) == 1
    out.unlink()
    assert build_script.main(check_args) == 1


@pytest.mark.parametrize(
    "broken",
    [
        {**GOOD_FILES, "nytEditorialSnippets_GroundTruth.txt": b"1\t9\ttoo high\r\n"},
        {k: v for k, v in GOOD_FILES.items() if not k.startswith("nyt")},
    ],
    ids=["bad-rating", "missing-file"],
)
def test_failed_build_leaves_existing_files_untouched(build_script, tmp_path, broken):
    sdist = make_sdist(tmp_path / "broken.tar.gz", broken)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "sentiment_domains.tsv.gz"
    license_file = out_dir / "LICENSE_sentiment_domains.txt"
    out.write_bytes(b"previous data")
    license_file.write_bytes(b"previous license")

    assert build_script.main(["--sdist", str(sdist), "--output", str(out)]) == 2
    assert out.read_bytes() == b"previous data"
    assert license_file.read_bytes() == b"previous license"
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        [out.name, license_file.name]
    )


def test_write_atomic_failure_keeps_old_file(build_script, tmp_path, monkeypatch):
    target = tmp_path / "file.gz"
    target.write_bytes(b"old")

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(build_script.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        build_script.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.gz"]


def test_cli_reports_unreadable_sdist(build_script, tmp_path, capsys):
    bogus = tmp_path / "not-a-tarball.tar.gz"
    bogus.write_bytes(b"nope")
    out = tmp_path / "out.tsv.gz"
    assert build_script.main(["--sdist", str(bogus), "--output", str(out)]) == 2
    assert "cannot open sdist" in capsys.readouterr().err
    assert not out.exists()


def test_vendored_file_has_deterministic_gzip_header():
    data = VENDORED.read_bytes()
    assert data[:3] == b"\x1f\x8b\x08"
    assert data[3] == 0  # no FNAME / FCOMMENT / FEXTRA flags
    assert data[4:8] == b"\0\0\0\0"  # mtime = 0
    assert math.isclose(len(data), 1.13e6, rel_tol=0.2)


# ---------------------------------------------------------------------------
# Build script against the real sdist (slow, opt-in)
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_build_script_check_matches_vendored_file(build_script, capsys):
    sdist = os.environ.get("SKTRANSFER_VADER_SDIST")
    if not sdist:
        pytest.skip("set SKTRANSFER_VADER_SDIST to a local vaderSentiment-3.3.2.tar.gz")
    assert build_script.main(["--sdist", sdist, "--check"]) == 0, capsys.readouterr()
