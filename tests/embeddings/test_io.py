"""load_vectors rejects malformed vector files, naming the file and the line."""

import gzip
import pickle

import numpy as np
import pytest
from gensim.models import KeyedVectors
from numpy.testing import assert_array_equal

from sktransfer.embeddings import Word2VecVectorizer, load_vectors, save_vectors
from sktransfer.utils._testing import TEXT_CORPUS


@pytest.fixture
def kv():
    wv = KeyedVectors(3)
    wv.add_vectors(["the", "cat", "sat"], np.arange(9, dtype=np.float32).reshape(3, 3))
    return wv


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name, text, fmt, message",
    [
        # one value where three are due (it used to be broadcast to each)
        (
            "short.txt",
            "2 3\nthe 0.1 0.2 0.3\ncat 0.5\n",
            "auto",
            r"line 3: .*'cat' has 1",
        ),
        ("long.txt", "2 2\nthe 0.1 0.2\ncat 0.5 0.1 0.3\n", "auto", "line 3: .*has 3"),
        ("glove.txt", "the 0.1 0.2 0.3\ncat 0.5\n", "auto", r"line 2: .*'cat' has 1"),
        ("glove.txt", "the 0.1 0.2 0.3\ncat 0.5 0.1\n", "glove", "line 2"),
        # a truncated GloVe file: the last row stops mid-vector
        ("cut.txt", "the 0.1 0.2 0.3\ncat 0.4 0.5", "glove", "line 2: .*has 2"),
        ("nan.txt", "the 0.1 0.2\ncat nan 0.2\n", "glove", "NaN or infinite.*'cat'"),
        ("inf.txt", "1 2\nthe inf 0.2\n", "auto", "NaN or infinite.*'the'"),
        ("words.txt", "the 0.1 x\n", "glove", "line 1: .*not all numbers"),
        ("dup.txt", "2 2\nthe 0.1 0.2\nthe 0.3 0.4\n", "auto", "line 3: .*duplicated"),
        ("dupg.txt", "the 0.1 0.2\ncat 1 2\nthe 0.3 0.4\n", "glove", "first on line 1"),
        ("zero.txt", "2 0\nthe\ncat\n", "word2vec_text", "both must be positive"),
        ("zerog.txt", "the\ncat\n", "glove", "0-dimensional"),
        (
            "neg.txt",
            "-2 3\nthe 0.1 0.2 0.3\n",
            "word2vec_text",
            "must be positive",
        ),
        ("nohead.txt", "the 0.1\n", "word2vec_text", "not a word2vec header"),
        ("few.txt", "3 2\nthe 0.1 0.2\n", "auto", "truncated or malformed"),
        ("many.txt", "1 2\nthe 0.1 0.2\ncat 0.1 0.2\n", "auto", "announces 1 words"),
    ],
)
def test_malformed_text_files(tmp_path, name, text, fmt, message):
    path = _write(tmp_path, name, text)
    with pytest.raises(ValueError, match=message) as info:
        load_vectors(path, format=fmt)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "header",
    [b"0 3\n", b"3 0\n", b"99999999999 300\n", b"5 999999999999\n", b"-1 3\n"],
)
def test_binary_headers_checked_before_allocating(tmp_path, kv, header):
    good = save_vectors(kv, tmp_path / "v.bin").read_bytes()
    path = tmp_path / "bad.bin"
    path.write_bytes(header + good.split(b"\n", 1)[1])
    # Today a bare MemoryError or a half-read array: now a clear error.
    with pytest.raises(ValueError, match="bad.bin") as info:
        load_vectors(path, format="word2vec_binary")
    assert (
        "positive" in str(info.value)
        or "more than a file" in str(info.value)
        or "header" in str(info.value)
    )


def test_absurd_header_in_a_compressed_file(tmp_path):
    path = tmp_path / "big.bin.gz"
    path.write_bytes(gzip.compress(b"100000000 300\n" + b"\0" * 100))
    with pytest.raises(ValueError, match="more than a file"):
        load_vectors(path, format="word2vec_binary")


def test_truncated_binary_file(tmp_path, kv):
    good = save_vectors(kv, tmp_path / "v.bin").read_bytes()
    path = tmp_path / "cut.bin"
    path.write_bytes(good[:-5])
    with pytest.raises(ValueError, match="cut.bin"):
        load_vectors(path)


def test_duplicated_words_in_a_binary_file(tmp_path):
    wv = KeyedVectors(2)
    wv.add_vectors(["the", "cat"], np.ones((2, 2), dtype=np.float32))
    data = save_vectors(wv, tmp_path / "v.bin").read_bytes()
    path = tmp_path / "dup.bin"
    path.write_bytes(data.replace(b"cat ", b"the "))
    # Today index_to_key == ['the', None] and a later KeyError: None.
    with pytest.raises(ValueError, match="dup.bin.*duplicated"):
        load_vectors(path)


@pytest.mark.parametrize("suffix", [".gz", ".bz2"])
def test_plain_file_named_compressed(tmp_path, suffix):
    path = _write(tmp_path, f"vectors.txt{suffix}", "1 2\nthe 0.1 0.2\n")
    with pytest.raises(ValueError, match=f"is named {suffix} but is not"):
        load_vectors(path)


def test_truncated_gzip(tmp_path, kv):
    data = gzip.compress(
        save_vectors(kv, tmp_path / "v.txt", format="glove").read_bytes()
    )
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.txt.gz"):
        load_vectors(path)


def test_gensim_pickle_of_something_else(tmp_path):
    path = tmp_path / "list.kv"
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(ValueError, match="list.kv.*not .*KeyedVectors"):
        load_vectors(path, format="gensim")
    path = tmp_path / "garbage.kv"
    path.write_bytes(b"\x80\x05 not really a pickle")
    with pytest.raises(ValueError, match="garbage.kv.*not a gensim file"):
        load_vectors(path, format="gensim")


def test_gensim_format_still_reads_trusted_files(tmp_path, kv):
    path = save_vectors(kv, tmp_path / "v.kv", format="gensim")
    assert_array_equal(load_vectors(path, format="gensim").vectors, kv.vectors)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_vectors_in_memory(kv, bad):
    kv.vectors[1, 2] = bad
    with pytest.raises(ValueError, match="KeyedVectors holds NaN or infinite.*'cat'"):
        load_vectors(kv)
    with pytest.raises(ValueError, match="NaN or infinite"):
        Word2VecVectorizer(pretrained=kv, min_count=1).fit(list(TEXT_CORPUS))


def test_zero_dimensional_vectors_in_memory():
    wv = KeyedVectors(0)
    wv.add_vectors(["the"], np.zeros((1, 0), dtype=np.float32))
    with pytest.raises(ValueError, match="0-dimensional"):
        load_vectors(wv)
    with pytest.raises(ValueError, match="0-dimensional"):
        Word2VecVectorizer(pretrained=wv, min_count=1).fit(list(TEXT_CORPUS))


def test_neural_embeddings_in_memory_are_checked(kv):
    pytest.importorskip("torch")
    from sktransfer.neural import TextClassifier

    kv.vectors[0, 0] = np.nan
    docs = list(TEXT_CORPUS)
    y = [i % 2 for i in range(len(docs))]
    with pytest.raises(ValueError, match="NaN or infinite"):
        TextClassifier(embeddings=kv, max_epochs=1, hidden_size=4).fit(docs, y)


def test_good_files_still_round_trip(tmp_path, kv):
    for fmt in ("word2vec_binary", "word2vec_text", "glove"):
        path = save_vectors(kv, tmp_path / f"v.{fmt}", format=fmt)
        wv = load_vectors(path)
        assert wv.index_to_key == kv.index_to_key
        assert_array_equal(wv.vectors, kv.vectors)
