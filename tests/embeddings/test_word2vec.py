import gzip
import pickle
import shutil

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation import DomainAwareClassifier
from sktransfer.embeddings import Word2VecVectorizer, load_vectors, save_vectors
from sktransfer.embeddings._tokenize import Tokenizer


@pytest.fixture(scope="module")
def lee_tokens():
    with open(datapath("lee_background.cor")) as fh:
        return [simple_preprocess(line) for line in fh]


@pytest.fixture(scope="module")
def lee_docs(lee_tokens):
    return [" ".join(t) for t in lee_tokens]


def _small(**kw):
    params = {"vector_size": 16, "min_count": 2, "epochs": 2, "random_state": 0}
    params.update(kw)
    return Word2VecVectorizer(**params)


# --------------------------------------------------------------------------- #
# Training equals gensim
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("algorithm, sg", [("skipgram", 1), ("cbow", 0)])
def test_vectors_equal_gensim_called_directly(lee_tokens, algorithm, sg):
    # gensim's training parameters, under the same names in both.
    params = {
        "vector_size": 20,
        "window": 4,
        "min_count": 3,
        "negative": 4,
        "sample": 1e-4,
        "epochs": 2,
        "alpha": 0.03,
        "min_alpha": 1e-3,
    }
    vec = Word2VecVectorizer(algorithm=algorithm, random_state=7, **params)
    vec.fit(lee_tokens)
    model = Word2Vec(sentences=lee_tokens, seed=7, sg=sg, workers=1, **params)
    assert vec.wv_.index_to_key == model.wv.index_to_key
    assert_array_equal(vec.wv_.vectors, model.wv.vectors)
    assert vec.vocabulary_ == model.wv.key_to_index


def test_hierarchical_softmax_equals_gensim(lee_tokens):
    params = {"vector_size": 16, "min_count": 2, "epochs": 2, "hs": 1, "negative": 0}
    vec = Word2VecVectorizer(random_state=3, **params).fit(lee_tokens)
    model = Word2Vec(sentences=lee_tokens, seed=3, sg=1, workers=1, **params)
    assert_array_equal(vec.wv_.vectors, model.wv.vectors)


def test_same_random_state_same_vectors_and_different_seeds_differ(lee_docs):
    a = _small(random_state=1).fit(lee_docs).wv_.vectors
    b = _small(random_state=1).fit(lee_docs).wv_.vectors
    c = _small(random_state=2).fit(lee_docs).wv_.vectors
    assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_training_loss_per_epoch(lee_docs, capsys):
    vec = _small(epochs=3, verbose=1).fit(lee_docs)
    assert vec.training_loss_.shape == (3,)
    assert np.all(np.isfinite(vec.training_loss_)) and np.all(vec.training_loss_ > 0)
    # Per epoch, not cumulative: later epochs do not add up the earlier ones.
    assert vec.training_loss_[2] < vec.training_loss_[:2].sum()
    # verbose: a tqdm bar of the epochs on stderr (issue 14), nothing on stdout.
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Word2VecVectorizer" in captured.err and "3/3" in captured.err
    assert f"loss={vec.training_loss_[2]:.4g}" in captured.err


def test_long_documents_are_split_not_truncated():
    rng = np.random.default_rng(0)
    filler = [f"w{i}" for i in rng.integers(0, 50, size=12_000)]
    late = ["late", "word"] * 500  # only after token 12,000
    long_doc = filler + late
    docs = [long_doc] + [filler[:300]] * 5
    params = {"vector_size": 8, "min_count": 1, "sample": 0}
    vec = Word2VecVectorizer(epochs=1, random_state=0, **params).fit(docs)
    init = Word2Vec(seed=0, **params)
    init.build_vocab(docs)
    i = init.wv.key_to_index["late"]
    # gensim alone never trains "late" (it cuts the sentence at 10,000 tokens).
    direct = Word2Vec(sentences=docs, epochs=1, seed=0, workers=1, **params)
    assert_array_equal(direct.wv.vectors[i], init.wv.vectors[i])
    # Split into chunks, it is trained.
    assert not np.allclose(vec.wv_["late"], init.wv.vectors[i])


# --------------------------------------------------------------------------- #
# Pooling against a naive reference loop
# --------------------------------------------------------------------------- #
def _naive(vec, docs):
    tok = Tokenizer(vec.lowercase, vec.token_pattern, vec.tokenizer)
    E = vec.wv_.vectors.astype(np.float64)
    out = np.zeros((len(docs), E.shape[1]))
    for i, doc in enumerate(docs):
        ids = [vec.vocabulary_[t] for t in tok(doc) if t in vec.vocabulary_]
        if not ids:
            continue
        rows = E[ids]
        if vec.pooling == "mean":
            out[i] = rows.mean(axis=0)
        elif vec.pooling == "max":
            out[i] = rows.max(axis=0)
        elif vec.pooling == "tfidf":
            w = np.array([vec.idf_[j] for j in ids])
            out[i] = (w[:, None] * rows).sum(axis=0) / w.sum()
        elif vec.pooling == "sif":
            w = np.array([vec.sif_weights_[j] for j in ids])
            out[i] = (w[:, None] * rows).sum(axis=0) / len(ids)
    if vec.pooling == "sif":
        u = vec.sif_component_.astype(np.float64)
        out -= np.outer(out @ u, u)
    return out


def _naive_idf(vec, docs):
    tok = Tokenizer(vec.lowercase, vec.token_pattern, vec.tokenizer)
    sets = [set(tok(d)) for d in docs]
    idf = np.empty(len(vec.vocabulary_))
    for w, j in vec.vocabulary_.items():
        df = sum(w in s for s in sets)
        idf[j] = np.log((1 + len(docs)) / (1 + df)) + 1
    return idf


@pytest.mark.parametrize("pooling", ["mean", "tfidf", "sif", "max"])
def test_pooling_matches_naive_loop(lee_docs, pooling):
    train = lee_docs[:200]
    test = lee_docs[200:260] + ["", "zzqx wqxz", "The THE the", "a"]
    vec = _small(pooling=pooling).fit(train)
    if pooling == "tfidf":
        assert_allclose(vec.idf_, _naive_idf(vec, train))
    if pooling == "sif":
        counts = np.zeros(len(vec.vocabulary_))
        tok = Tokenizer()
        for d in train:
            for t in tok(d):
                if t in vec.vocabulary_:
                    counts[vec.vocabulary_[t]] += 1
        assert_allclose(vec.sif_weights_, 1e-3 / (1e-3 + counts / counts.sum()))
        # The removed component is the top singular vector of training vectors.
        vec_no_pc = clone(vec).fit(train)
        vec_no_pc.sif_component_ = np.zeros_like(vec.sif_component_)
        X0 = vec_no_pc.transform(train).astype(np.float64)
        top = np.linalg.svd(X0, full_matrices=False)[2][0]
        assert abs(abs(top @ vec.sif_component_) - 1) < 1e-4
    X = vec.transform(test)
    assert X.dtype == np.float32
    assert_allclose(X, _naive(vec, test), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("pooling", ["mean", "tfidf", "sif", "max"])
def test_empty_and_oov_documents_give_zero_rows(lee_docs, pooling):
    vec = _small(pooling=pooling).fit(lee_docs[:100])
    X = vec.transform(["", "   ", "zzqx wqxz", [], ["zzqx"]])
    assert np.all(np.isfinite(X))
    assert_array_equal(X, 0)
    assert vec.transform([]).shape == (0, 16)


def test_max_pooling_chunks_agree(lee_docs):
    from sktransfer.embeddings._pooling import max_pool
    from sktransfer.embeddings._tokenize import token_ids

    vec = _small(pooling="max").fit(lee_docs)
    indptr, ids = token_ids(lee_docs + ["", "zz"], vec._tokenizer(), vec.vocabulary_)
    full = max_pool(indptr, ids, vec.wv_.vectors)
    chunked = max_pool(indptr, ids, vec.wv_.vectors, max_chunk_bytes=37 * 16 * 4)
    assert_array_equal(full, chunked)


def test_fit_transform_equals_fit_then_transform(lee_docs):
    for pooling in ["mean", "sif"]:
        vec = _small(pooling=pooling)
        assert_allclose(vec.fit_transform(lee_docs), vec.transform(lee_docs), atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "max", "tfidf"])
def test_oov_rate(lee_docs, pooling):
    # fit of mean/max pooling reads it from gensim's counts; the others
    # count the tokens. An empty document and one past gensim's 10,000-token
    # limit (split for training) must not change it.
    docs = lee_docs + ["", " ".join(lee_docs[:80])]
    assert len(Tokenizer()(docs[-1])) > 10_000
    vec = _small(min_count=5, pooling=pooling).fit(docs)
    tok = Tokenizer()
    tokens = [t for d in docs for t in tok(d)]
    expected = np.mean([t not in vec.vocabulary_ for t in tokens])
    assert vec.oov_rate_ == pytest.approx(expected)
    vec.fit_transform(docs)
    assert vec.oov_rate_ == pytest.approx(expected)


# --------------------------------------------------------------------------- #
# Tokenisation
# --------------------------------------------------------------------------- #
def test_token_lists_strings_and_custom_tokenizers(lee_docs):
    vec = _small().fit(lee_docs)
    doc = lee_docs[0]
    assert_allclose(vec.transform([doc]), vec.transform([doc.split()]))
    upper = vec.transform([doc.upper()])
    assert_allclose(upper, vec.transform([doc]))  # lowercase=True
    assert_array_equal(vec.transform([doc.upper().split()]), 0)  # token lists as-is
    ws = _small(token_pattern=None).fit(lee_docs)
    assert "the" in ws.vocabulary_
    custom = _small(tokenizer=str.split).fit(lee_docs)
    assert custom.vocabulary_ == ws.vocabulary_


def test_tokenizer_pickles_and_rejects_bad_pattern():
    tok = pickle.loads(pickle.dumps(Tokenizer()))
    assert tok("Hello World a") == ["hello", "world"]
    with pytest.raises(ValueError, match="at most one capturing group"):
        Tokenizer(token_pattern=r"(a)(b)")


# --------------------------------------------------------------------------- #
# Pretrained vectors
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def small_kv():
    rng = np.random.default_rng(0)
    words = ["the", "cat", "sat", "mat", "dog", "log", "pretrainedonly"]
    kv = KeyedVectors(6)
    kv.add_vectors(words, rng.standard_normal((len(words), 6)).astype(np.float32))
    return kv


CORPUS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog",
    "the mat and the log",
] * 5


@pytest.mark.parametrize(
    "fmt, compress",
    [
        ("word2vec_text", False),
        ("word2vec_binary", False),
        ("glove", False),
        ("gensim", False),
        ("word2vec_text", True),
        ("word2vec_binary", True),
        ("glove", True),
    ],
)
def test_pretrained_files_in_every_format(tmp_path, small_kv, fmt, compress):
    path = save_vectors(small_kv, tmp_path / "vectors", format=fmt)
    if compress:
        gz = tmp_path / "vectors.gz"
        with open(path, "rb") as src, gzip.open(gz, "wb") as dst:
            shutil.copyfileobj(src, dst)
        path = gz
    if fmt == "gensim":
        # A pickle is never read unless asked for: format='auto' refuses it.
        with pytest.raises(ValueError, match="looks like a pickle"):
            Word2VecVectorizer(pretrained=path).fit(CORPUS)
    for given in ("auto", fmt) if fmt != "gensim" else (fmt,):
        vec = Word2VecVectorizer(pretrained=path, pretrained_format=given).fit(CORPUS)
        assert vec.wv_.index_to_key == small_kv.index_to_key
        assert_allclose(vec.wv_.vectors, small_kv.vectors, rtol=1e-5, atol=1e-6)
        assert vec.training_loss_.shape == (0,)


def test_pretrained_gensim_files_shipped_with_gensim():
    wv = load_vectors(datapath("toy-model.vec"))
    assert (len(wv), wv.vector_size) == (22, 5)
    wv_bin = load_vectors(datapath("euclidean_vectors.bin"))
    assert (len(wv_bin), wv_bin.vector_size) == (2747, 10)
    glove = load_vectors(datapath("test_glove.txt"))
    assert glove.vector_size > 0 and len(glove) > 0
    # Its header announces 3 words but the file holds one row.
    with pytest.raises(ValueError, match="truncated or malformed"):
        load_vectors(datapath("pretrained.vec"))


def test_pretrained_keyed_vectors_object(small_kv):
    before = small_kv.vectors.copy()
    vec = Word2VecVectorizer(pretrained=small_kv).fit(CORPUS)
    assert_array_equal(vec.wv_.vectors, before)
    X = vec.transform(["the cat"])
    assert_allclose(X[0], (small_kv["the"] + small_kv["cat"]) / 2, rtol=1e-6)


def test_fine_tune_merges_trains_and_keeps(small_kv):
    corpus = CORPUS + ["brand new words appear here"] * 5
    vec = Word2VecVectorizer(
        pretrained=small_kv, fine_tune=True, min_count=2, epochs=5, random_state=0
    ).fit(corpus)
    # New corpus words are added, pretrained-only words kept unchanged.
    assert "brand" in vec.vocabulary_
    assert_array_equal(vec.wv_["pretrainedonly"], small_kv["pretrainedonly"])
    # Shared words were trained further, starting from the pretrained rows.
    assert not np.allclose(vec.wv_["cat"], small_kv["cat"])
    start = Word2VecVectorizer(
        pretrained=small_kv,
        fine_tune=True,
        min_count=2,
        epochs=1,
        alpha=1e-9,
        min_alpha=1e-9,
        random_state=0,
    ).fit(corpus)
    for w in ["the", "cat", "sat", "mat", "dog", "log"]:
        assert_allclose(start.wv_[w], small_kv[w], atol=1e-6)
    assert vec.training_loss_.shape == (5,)
    # The caller's vectors are untouched.
    assert small_kv.vectors.shape == (7, 6)


def test_fine_tune_from_a_fitted_vectorizer(lee_docs):
    source = _small().fit(lee_docs[:150])
    target = _small(pretrained=source.wv_, fine_tune=True).fit(lee_docs[150:])
    assert set(source.vocabulary_) <= set(target.vocabulary_)


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #
def test_single_string_is_rejected():
    msg = "Iterable over raw text documents expected, string object received."
    with pytest.raises(ValueError, match=msg):
        _small(min_count=1).fit("the cat sat")
    vec = _small(min_count=1).fit(CORPUS)
    with pytest.raises(ValueError, match=msg):
        vec.transform("the cat")


@pytest.mark.parametrize("bad", [[1, 2, 3], ["ok", None], [["tok", 3]], [b"bytes"]])
def test_non_text_items_are_rejected(bad):
    with pytest.raises(TypeError, match="document|token"):
        _small(min_count=1).fit(bad)


def test_empty_corpus():
    with pytest.raises(ValueError, match="corpus is empty"):
        _small().fit([])
    with pytest.raises(ValueError, match="hold no tokens"):
        _small().fit(["", "  ", "!"])


def test_vocabulary_emptied_by_min_count():
    with pytest.raises(ValueError, match="vocabulary is empty.*min_count=50"):
        _small(min_count=50).fit(CORPUS)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"algorithm": "glove"}, "algorithm"),
        ({"pooling": "median"}, "pooling"),
        ({"vector_size": 0}, "vector_size"),
        ({"pretrained": 3}, "pretrained"),
        ({"pretrained_format": "fasttext"}, "pretrained_format"),
    ],
)
def test_invalid_params(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        Word2VecVectorizer(**params).fit(CORPUS)


def test_no_training_objective():
    with pytest.raises(ValueError, match="trains nothing"):
        _small(negative=0, hs=0, min_count=1).fit(CORPUS)


def test_missing_and_malformed_pretrained_files(tmp_path, small_kv):
    with pytest.raises(ValueError, match="does not exist"):
        Word2VecVectorizer(pretrained=tmp_path / "nope.bin").fit(CORPUS)
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("this is not\na vector file at all\n")
    with pytest.raises(ValueError, match="could not recognise the format"):
        Word2VecVectorizer(pretrained=garbage).fit(CORPUS)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        Word2VecVectorizer(pretrained=empty).fit(CORPUS)
    bad_rows = tmp_path / "bad_rows.txt"
    bad_rows.write_text("2 3\nthe 0.1 0.2 0.3\ncat 0.1 0.2\n")
    with pytest.raises(ValueError, match="could not read pretrained file"):
        Word2VecVectorizer(pretrained=bad_rows).fit(CORPUS)
    binary = save_vectors(small_kv, tmp_path / "v.bin", format="word2vec_binary")
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(binary.read_bytes()[:60])
    with pytest.raises(ValueError, match="could not read pretrained file"):
        Word2VecVectorizer(pretrained=truncated).fit(CORPUS)


def test_dimension_mismatch(small_kv):
    with pytest.raises(
        ValueError, match="vector_size=10 but the pretrained vectors have 6"
    ):
        Word2VecVectorizer(pretrained=small_kv, vector_size=10).fit(CORPUS)


# --------------------------------------------------------------------------- #
# Persistence and scikit-learn integration
# --------------------------------------------------------------------------- #
def test_save_load_round_trip_exactly(tmp_path, lee_docs):
    vec = _small(pooling="sif").fit(lee_docs)
    path = vec.save(tmp_path / "vec.pkl")
    loaded = Word2VecVectorizer.load(path)
    assert_array_equal(loaded.wv_.vectors, vec.wv_.vectors)
    assert_array_equal(loaded.transform(lee_docs[:20]), vec.transform(lee_docs[:20]))
    assert loaded.get_params() == vec.get_params()


def test_failed_save_keeps_existing_file(tmp_path, lee_docs):
    good = _small().fit(lee_docs)
    path = good.save(tmp_path / "vec.pkl")
    before = path.read_bytes()
    bad = _small(tokenizer=lambda s: s.split()).fit(lee_docs)  # unpicklable
    with pytest.raises(Exception):
        bad.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vec.pkl"]


def test_load_rejects_other_objects(tmp_path):
    path = tmp_path / "x.pkl"
    path.write_bytes(pickle.dumps({"not": "a vectorizer"}))
    with pytest.raises(TypeError, match="not a Word2VecVectorizer"):
        Word2VecVectorizer.load(path)


@pytest.mark.parametrize("fmt", ["word2vec_binary", "word2vec_text", "glove", "gensim"])
def test_export_vectors_reads_back_as_pretrained(tmp_path, lee_docs, fmt):
    vec = _small().fit(lee_docs)
    path = vec.export_vectors(tmp_path / f"v.{fmt}", format=fmt)
    given = "gensim" if fmt == "gensim" else "auto"
    again = Word2VecVectorizer(pretrained=path, pretrained_format=given).fit(lee_docs)
    assert again.wv_.index_to_key == vec.wv_.index_to_key
    assert_allclose(again.wv_.vectors, vec.wv_.vectors, rtol=1e-5, atol=1e-6)
    assert_allclose(
        again.transform(lee_docs[:5]), vec.transform(lee_docs[:5]), rtol=1e-4, atol=1e-5
    )


def test_set_output_pandas_and_feature_names(lee_docs):
    pd = pytest.importorskip("pandas")
    vec = _small().set_output(transform="pandas").fit(lee_docs)
    frame = vec.transform(lee_docs[:3])
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [f"word2vecvectorizer{i}" for i in range(16)]


def test_clone_and_pickle(lee_docs):
    vec = _small().fit(lee_docs)
    assert not hasattr(clone(vec), "wv_")
    again = pickle.loads(pickle.dumps(vec))
    assert_array_equal(again.transform(lee_docs[:4]), vec.transform(lee_docs[:4]))


def _sentiment_pair():
    from sktransfer.datasets import load_sentiment_domains
    from sktransfer.utils import pack_domains

    rng = np.random.RandomState(0)
    src = load_sentiment_domains("movie_reviews")
    tgt = load_sentiment_domains("product_reviews")
    i = rng.permutation(len(src.data))[:600]
    j = rng.permutation(len(tgt.data))[:300]
    X, y, _ = pack_domains(
        source=([src.data[k] for k in i], src.target[i]),
        target=[tgt.data[k] for k in j],
    )
    return X, y


def test_grid_search_over_algorithm_and_pooling_on_sentiment_domains():
    X, y = _sentiment_pair()
    pipe = make_pipeline(
        Word2VecVectorizer(vector_size=20, min_count=2, epochs=2, random_state=0),
        DomainAwareClassifier(LogisticRegression(max_iter=500)),
    )
    search = GridSearchCV(
        pipe,
        {
            "word2vecvectorizer__algorithm": ["skipgram", "cbow"],
            "word2vecvectorizer__pooling": ["mean", "tfidf", "sif", "max"],
        },
        cv=2,
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (8,) and np.all(np.isfinite(scores))
    assert np.all(scores > 0.4)
    assert search.predict(X[:5]).shape == (5,)


def _peak_bytes(func):
    import tracemalloc

    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _random_keyed_vectors(n_words, dim):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(dim)
    words = [f"w{i}" for i in range(n_words)]
    kv.add_vectors(words, np.random.default_rng(0).random((n_words, dim)))
    return kv, words


@pytest.mark.parametrize("pretokenised", [False, True])
def test_one_long_document_takes_bounded_memory(pretokenised):
    # Before the long documents were cut, one 200k-token document took
    # ~230 bytes a token of temporary memory (46 MB); 1,000-token documents
    # take ~28 (the token ids and the weight matrix).
    kv, words = _random_keyed_vectors(50, 4)
    vec = Word2VecVectorizer(pretrained=kv, min_count=1).fit(words)
    vec.transform(["w1 w2"])  # the character tables, built once
    n_tokens = 200_000
    doc = " ".join(np.random.default_rng(1).choice(words, n_tokens))
    doc = doc.split() if pretokenised else doc
    peak = _peak_bytes(lambda: vec.transform([doc]))
    assert peak < 64 * n_tokens + 4 * 2**20


def test_sif_fit_takes_memory_bounded_by_its_output():
    # Fitting SIF pooled every document, then copied the matrix in float64
    # (~5x the output on top of mean pooling); the Gram matrix is now summed
    # over blocks of documents.
    kv, words = _random_keyed_vectors(500, 128)
    rng = np.random.default_rng(0)
    docs = rng.choice(words, (20_000, 3)).tolist()
    output = len(docs) * 128 * 4

    def fit(pooling):
        return _peak_bytes(
            lambda: Word2VecVectorizer(pretrained=kv, min_count=1, pooling=pooling).fit(
                docs
            )
        )

    extra = fit("sif") - fit("mean")
    assert extra < 2 * output
