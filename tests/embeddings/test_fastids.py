"""The vectorised token-id path gives exactly the dict path's result."""

import copy
import pickle
import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import sktransfer.embeddings._fastids as fastids
import sktransfer.embeddings._tokenize as tokenize
from sktransfer.embeddings import Word2VecVectorizer
from sktransfer.embeddings._fastids import (
    MAX_WORD_CHARS,
    VocabularyIndex,
    fast_token_ids,
    fast_token_list_ids,
)
from sktransfer.embeddings._pooling import max_pool
from sktransfer.embeddings._tokenize import (
    DEFAULT_TOKEN_PATTERN,
    Tokenizer,
    _vectorised_ids,
    token_ids,
)

# Characters on both sides of every rule the two tokenisations use: word
# characters that are not ASCII (accents, CJK, digits of other scripts,
# superscripts, the underscore), combining marks, case pairs whose lowercase
# changes length or depends on context (dotted I, final sigma), the
# whitespace str.split knows beyond ASCII, punctuation, emoji, a lone
# surrogate and a NUL.
ALPHABET = (
    list("abcdeXYZ019_")
    + list("éÉßøæÅ")
    + ["İ", "Σ", "ς", "σ", "ǅ", "ﬁ"]
    + ["日", "本", "語", "٣", "²", "Ⅻ", "\u0301", "\u200d"]
    + [" ", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85"]
    + ["\u00a0", "\u2003", "\u3000", "\u2028"]
    + list(".,;:!?'\"-()[]") + ["🙂", "👍🏽", "\ud800", "\x00", "€"]
)  # fmt: skip


def random_docs(rng, n_docs, max_len=60):
    weights = np.ones(len(ALPHABET))
    weights[:18] = 6.0  # mostly letters, so that tokens repeat
    weights /= weights.sum()
    docs = []
    for _ in range(n_docs):
        chars = rng.choice(len(ALPHABET), size=rng.integers(0, max_len), p=weights)
        docs.append("".join(ALPHABET[c] for c in chars))
    return docs


def vocabulary_of(docs, tokenizer, rng, extra=()):
    tokens = sorted({t for d in docs for t in tokenizer(d)})
    kept = [t for t in tokens if rng.random() < 0.6] + list(extra)
    return {w: i for i, w in enumerate(dict.fromkeys(kept))}


@pytest.mark.parametrize("pattern", [DEFAULT_TOKEN_PATTERN, None])
@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_same_ids_as_the_dict_path(pattern, lowercase, seed):
    rng = np.random.default_rng(seed)
    docs = random_docs(rng, 300)
    tokenizer = Tokenizer(lowercase, pattern)
    # Vocabulary words the documents never produce, but close to some that
    # they do: single characters (which the default pattern skips), a
    # token's prefix, its upper case, with a space inside.
    extra = ["a", "b", "X", "é", "日", "_", "ab", "AB", "a b", "", "x" * MAX_WORD_CHARS]
    vocabulary = vocabulary_of(docs, tokenizer, rng, extra=extra)
    index = VocabularyIndex(vocabulary)
    assert index.usable
    fast = _vectorised_ids(docs, tokenizer, vocabulary, index)
    assert fast is not None
    expected = token_ids(docs, tokenizer, vocabulary)
    assert_array_equal(fast[0], expected[0])
    assert_array_equal(fast[1], expected[1])


def test_findall_and_split_agree_with_their_definitions():
    # The reference itself: the dict path tokenises with re.findall / split.
    rng = np.random.default_rng(0)
    docs = random_docs(rng, 200)
    regex = re.compile(DEFAULT_TOKEN_PATTERN)
    assert [Tokenizer()(d) for d in docs] == [regex.findall(d.lower()) for d in docs]
    assert [Tokenizer(token_pattern=None)(d) for d in docs] == [
        d.lower().split() for d in docs
    ]


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunking_does_not_change_ids(monkeypatch, chunk):
    rng = np.random.default_rng(5)
    # Documents longer and shorter than a chunk, empty ones, and separators
    # at chunk edges.
    docs = random_docs(rng, 60, max_len=40) + ["", "ab cd", "", "ab" * 30]
    tokenizer = Tokenizer()
    vocabulary = vocabulary_of(docs, tokenizer, rng, extra=["ab" * 30])
    expected = token_ids(docs, tokenizer, vocabulary)
    monkeypatch.setattr(fastids, "_CHUNK_CHARS", chunk)
    # The index hashes the vocabulary in chunks too.
    fast = _vectorised_ids(docs, tokenizer, vocabulary, VocabularyIndex(vocabulary))
    assert_array_equal(fast[0], expected[0])
    assert_array_equal(fast[1], expected[1])


def test_probing_finds_words_past_occupied_slots():
    # A table this full has many words away from their home slot.
    rng = np.random.default_rng(1)
    words = sorted({"".join(rng.choice(list("abcd"), size=5)) for _ in range(900)})
    vocabulary = {w: 3 * i + 1 for i, w in enumerate(words)}  # ids need not be 0..n
    index = VocabularyIndex(vocabulary)
    homes = index._home(index._keys)
    occupied = index._ids >= 0
    assert np.any(homes[occupied] != np.flatnonzero(occupied))
    docs = [
        " ".join(rng.choice(words + ["zzzzz", "abcde"], size=30)) for _ in range(50)
    ]
    fast = _vectorised_ids(docs, Tokenizer(), vocabulary, index)
    expected = token_ids(docs, Tokenizer(), vocabulary)
    assert_array_equal(fast[1], expected[1])
    assert_array_equal(fast[0], expected[0])


def _home_of(word, bits):
    key = fastids._keys(
        fastids._prefix_hashes(fastids._code_points(word)),
        np.array([0]),
        np.array([len(word)]),
    )
    return int(((key * fastids._FIB) >> np.uint64(64 - bits))[0])


def test_words_homed_at_the_end_of_the_table_wrap_around():
    # Eight words: a table of 16 slots. Three of them want the last slot:
    # the first listed takes it, the next two wrap around to slots 0 and 1.
    last = [w for w in (f"w{i}" for i in range(2000)) if _home_of(w, 4) == 15]
    others = [w for w in (f"v{i}" for i in range(2000)) if 4 <= _home_of(w, 4) < 8]
    vocabulary = {w: i for i, w in enumerate(last[:3] + others[:5])}
    index = VocabularyIndex(vocabulary)
    assert len(index._ids) == 16
    assert_array_equal(index._ids[[15, 0, 1, 2]], [0, 1, 2, -1])
    # Words homed there but absent probe around to the free slot and stop.
    absent = last[3:6]
    docs = [" ".join(vocabulary), " ".join(absent), " ".join(absent + last[:3])]
    fast = _vectorised_ids(docs, Tokenizer(), vocabulary, index)
    expected = token_ids(docs, Tokenizer(), vocabulary)
    assert_array_equal(fast[0], expected[0])
    assert_array_equal(fast[1], expected[1])
    assert_array_equal(fast[1][:8], np.arange(8))


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="kind must be one of"):
        fast_token_ids(["ab"], VocabularyIndex({"ab": 0}), "words")


def test_the_tokenizer_names_its_kind():
    assert Tokenizer()._fast_kind() == "regex"
    assert Tokenizer(lowercase=False)._fast_kind() == "regex"
    assert Tokenizer(token_pattern=None)._fast_kind() == "split"
    assert Tokenizer(token_pattern=r"\w+")._fast_kind() is None
    assert Tokenizer(tokenizer=str.split)._fast_kind() is None
    assert Tokenizer(token_pattern=None, tokenizer=str.split)._fast_kind() is None


def test_cases_served_by_the_dict_path(monkeypatch):
    docs = ["Hello world", "hello again world"]
    vocabulary = {"hello": 0, "world": 1}
    index = VocabularyIndex(vocabulary)
    assert _vectorised_ids(docs, Tokenizer(), vocabulary, index) is not None
    # Another token pattern, a custom tokenizer, pre-tokenised documents.
    assert (
        _vectorised_ids(docs, Tokenizer(token_pattern=r"\w+"), vocabulary, index)
        is None
    )
    assert (
        _vectorised_ids(docs, Tokenizer(tokenizer=str.split), vocabulary, index) is None
    )
    assert _vectorised_ids([["hello"], "world"], Tokenizer(), vocabulary, index) is None
    # An index of another vocabulary (even an equal one), or of this one
    # before it grew.
    assert _vectorised_ids(docs, Tokenizer(), dict(vocabulary), index) is None
    vocabulary["again"] = 2
    assert _vectorised_ids(docs, Tokenizer(), vocabulary, index) is None
    assert_array_equal(
        token_ids(docs, Tokenizer(), vocabulary, index=index)[1], [0, 1, 0, 2, 1]
    )
    # A vocabulary word too long for the hash's guarantees.
    assert not VocabularyIndex({"a" * (MAX_WORD_CHARS + 1): 0}).usable
    assert not VocabularyIndex({}).usable
    # Only the empty string, which is never a token: an empty table.
    only_empty = VocabularyIndex({"": 0})
    assert_array_equal(only_empty.lookup(np.array([0, 1], np.uint64)), [-1, -1])
    indptr, ids = _vectorised_ids(
        ["ab cd", ""], Tokenizer(), only_empty.vocabulary, only_empty
    )
    assert_array_equal(indptr, [0, 0, 0])
    assert ids.size == 0
    # Two vocabulary words with the same key.
    monkeypatch.setattr(
        fastids, "_keys", lambda prefix, s, e: np.zeros(len(s), np.uint64)
    )
    assert not VocabularyIndex(vocabulary).usable


def _spy_on_fast_path(monkeypatch):
    calls = []
    for name in ("fast_token_ids", "fast_token_list_ids"):
        original = getattr(tokenize, name)

        def spy(*args, _original=original):
            calls.append(1)
            return _original(*args)

        monkeypatch.setattr(tokenize, name, spy)
    return calls


def _without_index(vec):
    other = copy.copy(vec)
    del other._token_index
    return other


def test_vectorizer_uses_the_fast_path_and_keeps_it_out_of_pickles(monkeypatch):
    rng = np.random.default_rng(0)
    words = [f"w{i}x" for i in range(40)]
    docs = [" ".join(rng.choice(words, size=50)) for _ in range(200)]
    vec = Word2VecVectorizer(vector_size=8, min_count=1, epochs=1, random_state=0)
    vec.fit(docs)
    # Built in fit, for the fitted vocabulary.
    index = vec._token_index
    assert index.usable and index.vocabulary is vec.vocabulary_
    calls = _spy_on_fast_path(monkeypatch)
    state = dict(vars(vec))
    X = vec.transform(docs)
    assert calls
    assert vars(vec).keys() == state.keys()  # transform changed nothing
    assert vec._token_index is index
    blob = pickle.dumps(vec)
    # The table (128 slots of 16 bytes here) is not in the pickle: the index
    # pickles as a reference to vocabulary_, a few bytes.
    assert index._keys.nbytes + index._ids.nbytes >= 2048
    assert len(blob) - len(pickle.dumps(_without_index(vec))) < 120
    for loaded in (pickle.loads(blob), copy.deepcopy(vec)):
        assert loaded._token_index is not index
        assert loaded._token_index.vocabulary is loaded.vocabulary_
        assert_array_equal(loaded._token_index._keys, index._keys)
        n_calls = len(calls)
        assert_array_equal(loaded.transform(docs), X)
        assert len(calls) > n_calls
    # The dict path gives the same vectors.
    monkeypatch.setattr(tokenize, "_vectorised_ids", lambda *args: None)
    assert_array_equal(pickle.loads(blob).transform(docs), X)
    # Refitting builds the index of the new vocabulary.
    vec.set_params(min_count=50).fit(docs)
    assert vec._token_index is not index
    assert vec._token_index.vocabulary is vec.vocabulary_


def naive_max(indptr, ids, E):
    out = np.zeros((len(indptr) - 1, E.shape[1]), E.dtype)
    for i in range(len(indptr) - 1):
        if indptr[i + 1] > indptr[i]:
            out[i] = E[ids[indptr[i] : indptr[i + 1]]].max(axis=0)
    return out


@pytest.mark.parametrize("seed", range(3))
def test_max_pool_equals_a_per_document_max(seed):
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((40, 5)).astype(np.float32)
    lengths = rng.integers(0, 30, size=25) * rng.integers(0, 2, size=25)
    lengths[3] = 200  # a long document
    indptr = np.r_[0, np.cumsum(lengths)]
    ids = rng.integers(0, 40, size=indptr[-1])
    expected = naive_max(indptr, ids, E)
    for max_chunk_bytes in [16 * 2**20, 5 * 4 * 3, 1]:
        for long_document in [512, 10, 0]:
            X = max_pool(
                indptr,
                ids,
                E,
                max_chunk_bytes=max_chunk_bytes,
                long_document=long_document,
            )
            assert_array_equal(X, expected)


@pytest.mark.parametrize("seed", range(3))
def test_token_lists_same_ids_as_the_dict_path(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    # Tokens of any content: spaces, newlines, non-ASCII, single characters.
    pool = ["a", "bb", "a b", "x\ny", "日本", "é", "Σς", "🙂", "ab", "ba", "abc"]
    pool += [f"w{i}" for i in range(50)]
    docs = [list(rng.choice(pool, size=rng.integers(0, 20))) for _ in range(200)]
    docs[3] = tuple(docs[3])
    vocabulary = {w: i for i, w in enumerate(p for p in pool if rng.random() < 0.6)}
    expected = token_ids(docs, None, vocabulary)
    for chunk in [1 << 17, 3]:
        monkeypatch.setattr(fastids, "_CHUNK_CHARS", chunk)
        fast = fast_token_list_ids(docs, VocabularyIndex(vocabulary))
        assert_array_equal(fast[0], expected[0])
        assert_array_equal(fast[1], expected[1])


def test_token_list_path_leaves_odd_cases_to_the_dict_path():
    vocabulary = {"a": 0, "b": 1}
    index = VocabularyIndex(vocabulary)
    many = [["a", "b"]] * 50
    assert _vectorised_ids(many, None, vocabulary, index) is not None
    # A vocabulary holding the empty string, a token that is not a str,
    # documents mixing strings and lists.
    with_empty = {"": 0, "a": 1}
    assert _vectorised_ids(many, None, with_empty, VocabularyIndex(with_empty)) is None
    bad = many + [["a", 3]]
    assert _vectorised_ids(bad, None, vocabulary, index) is None
    with pytest.raises(TypeError, match="pre-tokenised document 50 holds a int"):
        token_ids(bad, Tokenizer(), vocabulary, index=index)
    assert _vectorised_ids(many + ["a b"], Tokenizer(), vocabulary, index) is None


def test_a_very_long_document_does_not_grow_the_cache(monkeypatch):
    monkeypatch.setattr(fastids, "_CHUNK_CHARS", 16)
    monkeypatch.setattr(fastids, "_powers_cache", [np.ones(1, np.uint64)] * 2)
    docs = ["ab cd " * 100, "cd"]
    vocabulary = {"ab": 0, "cd": 1}
    fast = fast_token_ids(docs, VocabularyIndex(vocabulary), "regex")
    expected = token_ids(docs, Tokenizer(), vocabulary)
    assert_array_equal(fast[1], expected[1])
    assert_array_equal(fast[0], expected[0])
    assert len(fastids._powers_cache[0]) <= 4 * 16


@pytest.mark.parametrize("pattern", [DEFAULT_TOKEN_PATTERN, None])
@pytest.mark.parametrize("chunk", [1, 5, 32])
def test_long_documents_are_cut_between_tokens(monkeypatch, pattern, chunk):
    # Documents many chunks long, with every kind of character at the cuts
    # and tokens longer than a chunk, give the dict path's ids.
    rng = np.random.default_rng(chunk)
    docs = ["".join(random_docs(rng, 12, max_len=30))] + random_docs(rng, 5)
    docs += ["", "ab" * 40 + " cd", "cd " + "x" * 50, "x" * 70]
    tokenizer = Tokenizer(True, pattern)
    vocabulary = vocabulary_of(docs, tokenizer, rng, extra=["ab" * 40, "x" * 70])
    expected = token_ids(docs, tokenizer, vocabulary)
    monkeypatch.setattr(fastids, "_CHUNK_CHARS", chunk)
    fast = _vectorised_ids(docs, tokenizer, vocabulary, VocabularyIndex(vocabulary))
    assert_array_equal(fast[0], expected[0])
    assert_array_equal(fast[1], expected[1])
    token_lists = tokenizer.tokenize_all(docs)
    fast = fast_token_list_ids(token_lists, VocabularyIndex(vocabulary))
    assert_array_equal(fast[0], expected[0])
    assert_array_equal(fast[1], expected[1])
