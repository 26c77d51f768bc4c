"""Word2Vec pretraining and document pooling as a scikit-learn vectorizer."""

import logging
import os
import pickle
import sys
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from sktransfer.embeddings._io import VECTOR_FORMATS, load_vectors, save_vectors
from sktransfer.embeddings._pooling import (
    POOLINGS,
    count_matrix,
    max_pool,
    weight_matrix,
)
from sktransfer.embeddings._tokenize import (
    DEFAULT_TOKEN_PATTERN,
    Tokenizer,
    VocabularyIndex,
    check_documents,
    token_ids,
)
from sktransfer.utils._atomic import atomic_path
from sktransfer.utils._persist import pack_words, unpack_words

_logger = logging.getLogger(__name__)

__all__ = ["Word2VecVectorizer"]

# Key of the packed words in the saved state of the KeyedVectors.
_WORDS = "_packed_words"

#: gensim trains at most this many tokens of one sentence; longer documents
#: are split into consecutive chunks of this length for training.
MAX_TOKENS_PER_SENTENCE = 10_000

# Upper bounds of the parameters that would otherwise hang a fit or exhaust
# memory before any error (stated in the class docstring).
MAX_VECTOR_SIZE = 10_000
MAX_WINDOW = 1_000
MAX_NEGATIVE = 100
MAX_EPOCHS = 10_000
MAX_WORKERS = 1_024

#: Bytes of document vectors pooled at once where a step needs no more.
_BLOCK_BYTES = 4 << 20


def _split_long(token_lists, limit=MAX_TOKENS_PER_SENTENCE):
    """Split token lists longer than gensim's per-sentence limit."""
    out = []
    for tokens in token_lists:
        if len(tokens) <= limit:
            out.append(tokens)
        else:
            out.extend(tokens[i : i + limit] for i in range(0, len(tokens), limit))
    return out


class _EpochLogger:
    """gensim callback: per-epoch loss (gensim's tally is cumulative) and progress.

    Each epoch's loss is logged at DEBUG level on the ``sktransfer`` logger;
    with ``verbose`` a tqdm bar on stderr shows the epochs and the last loss.
    """

    def __init__(self, owner, epochs, verbose, progress=None):
        self.owner = owner
        self.epochs = epochs
        self.verbose = verbose
        self.progress = progress
        self.losses = []
        self._bar = None

    # gensim calls these by name (CallbackAny2Vec protocol).
    def on_train_begin(self, model):
        model.running_training_loss = 0.0
        if self.verbose:
            from tqdm import tqdm

            self._bar = tqdm(
                total=self.epochs, desc=self.owner, unit="epoch", file=sys.stderr
            )

    def on_epoch_begin(self, model):
        pass

    def on_epoch_end(self, model):
        loss = float(model.get_latest_training_loss())
        model.running_training_loss = 0.0  # reset: per-epoch, not cumulative
        self.losses.append(loss)
        _logger.debug(
            "%s epoch %d/%d: loss=%.4g", self.owner, len(self.losses), self.epochs, loss
        )
        if self.progress is not None:
            self.progress(len(self.losses), self.epochs, loss)
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
            self._bar.update(1)

    def on_train_end(self, model):
        self.close()

    def close(self):
        """Close the progress bar (also when training stops on an error)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class Word2VecVectorizer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    r"""Train word2vec on documents and turn documents into dense vectors.

    A scikit-learn vectorizer over gensim's ``Word2Vec``: ``fit`` tokenises
    the documents (as scikit-learn's vectorizers do), trains Skip-gram or CBOW
    word vectors on them (or starts from pretrained vectors, optionally
    trained further), and ``transform`` pools the vectors of each document's
    words into one row. Pooling is a sparse matrix product (no Python loop
    over documents); empty and all-out-of-vocabulary documents give zero
    rows.

    Parameters
    ----------
    algorithm : {'skipgram', 'cbow'}, default='skipgram'
        Training algorithm (gensim ``sg=1`` / ``sg=0``).
    vector_size : int, default=None
        Dimension of the vectors, at most 10,000. None means 100, or the
        dimension of ``pretrained`` when given (which must then match).
    window : int, default=5
        Maximum distance between a word and its context words (at most
        1,000).
    min_count : int, default=5
        Ignore words with fewer occurrences in the training documents.
    negative : int, default=5
        Number of negative samples (0: no negative sampling), at most 100
        (word2vec uses 2 to 20; each one costs a vector update per word).
    hs : {0, 1}, default=0
        Use hierarchical softmax.
    sample : float, default=1e-3
        Threshold for down-sampling frequent words.
    epochs : int, default=5
        Passes over the documents (at most 10,000).
    alpha : float, default=0.025
        Initial learning rate.
    min_alpha : float, default=1e-4
        Final learning rate (decays linearly).
    pretrained : str, path-like or gensim KeyedVectors, default=None
        Vectors to start from: a word2vec C text or binary file, GloVe text
        or a gensim file with ``pretrained_format='gensim'`` (see
        :func:`~sktransfer.embeddings.load_vectors`), or KeyedVectors. A
        path is read in ``fit``, so ``clone`` never copies a large table
        (KeyedVectors given directly are copied by ``clone``).
    pretrained_format : str, default='auto'
        Format of a ``pretrained`` file: 'auto', 'word2vec_text',
        'word2vec_binary', 'glove' or 'gensim' (see
        :func:`~sktransfer.embeddings.load_vectors`). 'auto' reads the
        word2vec and GloVe formats and never a gensim file, which is a pickle:
        pass 'gensim' for files you trust only.
    fine_tune : bool, default=False
        With ``pretrained``: False uses the vectors as they are (no training;
        the documents only provide the pooling statistics). True continues
        training on the documents: words of the documents (above
        ``min_count``) are added, pretrained rows of those words are trained
        further, and the remaining pretrained words are kept unchanged.
    pooling : {'mean', 'tfidf', 'sif', 'max'}, default='mean'
        How word vectors become a document vector: the mean; the tf-idf
        weighted mean (idf from the fitted documents); SIF (Arora et al.,
        2017): weights ``sif_alpha / (sif_alpha + p(w))`` with ``p(w)`` the
        word frequency in the fitted documents, then removal of the
        projection on the first singular vector of the training document
        vectors; or the element-wise maximum.
    sif_alpha : float, default=1e-3
        The ``a`` of SIF weights.
    lowercase : bool, default=True
        Lowercase string documents before tokenising.
    token_pattern : str or None, default=r"(?u)\b\w\w+\b"
        Regular expression of a token (scikit-learn's default). None splits
        on whitespace (the fastest). Ignored when ``tokenizer`` is given.
    tokenizer : callable, default=None
        Function from a (lowercased) string to a list of tokens.
        Pre-tokenised documents (lists of str) are used as they are.
    workers : int, default=1
        gensim worker threads (at most 1,024). Only ``workers=1`` is
        deterministic.
    random_state : int, RandomState instance or None, default=None
        Seed of gensim's vector initialisation and sampling (an int is passed
        as gensim's ``seed`` unchanged). With ``workers=1`` the vectors equal
        those of ``gensim.models.Word2Vec(..., seed=random_state)``.
    verbose : int, default=0
        Show a progress bar of the training epochs, with the last epoch's
        loss, on stderr (tqdm). Each epoch's loss is also logged at DEBUG
        level on the ``sktransfer.embeddings`` logger, whatever ``verbose``.

    Attributes
    ----------
    wv_ : gensim.models.KeyedVectors
        The word vectors.
    vocabulary_ : dict of str to int
        Word to row of ``wv_.vectors``.
    idf_ : ndarray of shape (n_words,)
        Inverse document frequency of each word in the fitted documents
        (``pooling='tfidf'`` only).
    sif_weights_ : ndarray of shape (n_words,)
        SIF weight of each word (``pooling='sif'`` only).
    sif_component_ : ndarray of shape (vector_size,)
        First singular vector removed by SIF (``pooling='sif'`` only).
    training_loss_ : ndarray of shape (n_epochs,)
        gensim's training loss of each epoch (empty when nothing was
        trained).
    oov_rate_ : float
        Share of the fitted documents' tokens without a vector.

    See Also
    --------
    sktransfer.embeddings.load_vectors : Read pretrained vectors.
    sklearn.feature_extraction.text.TfidfVectorizer : Sparse bag-of-words
        features with the same tokenizer settings.

    Notes
    -----
    Documents longer than gensim's 10,000-token sentence limit are split
    into consecutive chunks for training instead of being truncated.

    References
    ----------
    .. [1] T. Mikolov, K. Chen, G. Corrado and J. Dean. "Efficient Estimation
       of Word Representations in Vector Space". ICLR Workshop, 2013.
    .. [2] S. Arora, Y. Liang and T. Ma. "A Simple but Tough-to-Beat Baseline
       for Sentence Embeddings". ICLR, 2017.

    Examples
    --------
    >>> from sktransfer.embeddings import Word2VecVectorizer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log",
    ...         "a cat and a dog", "the mat and the log"]
    >>> vec = Word2VecVectorizer(vector_size=8, min_count=1, random_state=0)
    >>> X = vec.fit_transform(docs)
    >>> X.shape
    (4, 8)
    >>> vec.get_feature_names_out()[:3]
    array(['word2vecvectorizer0', 'word2vecvectorizer1', 'word2vecvectorizer2'],
          dtype=object)
    >>> vec.transform(["an unseen sentence"]).any()
    np.False_
    """

    _parameter_constraints: dict = {
        "algorithm": [StrOptions({"skipgram", "cbow"})],
        "vector_size": [Interval(Integral, 1, MAX_VECTOR_SIZE, closed="both"), None],
        "window": [Interval(Integral, 1, MAX_WINDOW, closed="both")],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "negative": [Interval(Integral, 0, MAX_NEGATIVE, closed="both")],
        "hs": [Interval(Integral, 0, 1, closed="both"), "boolean"],
        "sample": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, MAX_EPOCHS, closed="both")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "min_alpha": [Interval(Real, 0, None, closed="left")],
        "pretrained": [None, str, os.PathLike, HasMethods(["get_index", "get_vector"])],
        "pretrained_format": [StrOptions(set(VECTOR_FORMATS))],
        "fine_tune": ["boolean"],
        "pooling": [StrOptions(set(POOLINGS))],
        "sif_alpha": [Interval(Real, 0, None, closed="neither")],
        "lowercase": ["boolean"],
        "token_pattern": [str, None],
        "tokenizer": [callable, None],
        "workers": [Interval(Integral, 1, MAX_WORKERS, closed="both")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        algorithm="skipgram",
        vector_size=None,
        window=5,
        min_count=5,
        negative=5,
        hs=0,
        sample=1e-3,
        epochs=5,
        alpha=0.025,
        min_alpha=1e-4,
        pretrained=None,
        pretrained_format="auto",
        fine_tune=False,
        pooling="mean",
        sif_alpha=1e-3,
        lowercase=True,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        workers=1,
        random_state=None,
        verbose=0,
    ):
        self.algorithm = algorithm
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.negative = negative
        self.hs = hs
        self.sample = sample
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.pretrained = pretrained
        self.pretrained_format = pretrained_format
        self.fine_tune = fine_tune
        self.pooling = pooling
        self.sif_alpha = sif_alpha
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.workers = workers
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ #
    # helpers
    # ------------------------------------------------------------------ #
    def _tokenizer(self):
        return Tokenizer(self.lowercase, self.token_pattern, self.tokenizer)

    def _token_ids(self, docs, tokenizer):
        return token_ids(docs, tokenizer, self.vocabulary_, index=self._token_index)

    def _gensim_seed(self):
        if isinstance(self.random_state, Integral) and not isinstance(
            self.random_state, bool
        ):
            return int(self.random_state)
        return int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )

    def _gensim_params(self, vector_size):
        if not self.hs and self.negative == 0:
            raise ValueError(
                "negative=0 with hs=0 trains nothing: set negative > 0 (negative "
                "sampling) or hs=1 (hierarchical softmax)."
            )
        return {
            "vector_size": vector_size,
            "window": self.window,
            "min_count": self.min_count,
            "sg": 1 if self.algorithm == "skipgram" else 0,
            "hs": int(self.hs),
            "negative": self.negative,
            "sample": self.sample,
            "alpha": self.alpha,
            "min_alpha": self.min_alpha,
            "epochs": self.epochs,
            "seed": self._gensim_seed(),
            "workers": self.workers,
        }

    def _train(
        self, sentences, vector_size, init=None, corpus_file=None, progress=None
    ):
        """Train gensim Word2Vec; ``init`` seeds the rows of known words.

        ``sentences`` is a re-iterable of token lists (a list, or a corpus
        streamed from disk); with ``corpus_file`` (a file of space-separated
        tokens, one sentence a line) gensim reads the file in each worker.
        ``progress(epoch, epochs, loss)`` is called after each epoch.
        """
        from gensim.models import Word2Vec

        model = Word2Vec(**self._gensim_params(vector_size))
        source = (
            {"corpus_file": str(corpus_file)}
            if corpus_file is not None
            else {"corpus_iterable": sentences}
        )
        model.build_vocab(**source)
        if len(model.wv) == 0:
            raise ValueError(
                "the vocabulary is empty: no word appears at least "
                f"min_count={self.min_count} times. Lower min_count or give more "
                "documents."
            )
        if init is not None:
            self._copy_rows(init, model.wv)
        logger = _EpochLogger(type(self).__name__, self.epochs, self.verbose, progress)
        try:
            model.train(
                **source,
                total_examples=model.corpus_count,
                total_words=model.corpus_total_words,
                epochs=model.epochs,
                start_alpha=model.alpha,
                end_alpha=model.min_alpha,
                compute_loss=True,
                callbacks=[logger],
            )
        finally:
            logger.close()
        return model.wv, np.asarray(logger.losses, dtype=np.float64)

    @staticmethod
    def _copy_rows(source, target):
        """Copy vectors of the words ``target`` shares with ``source``.

        gensim's own ``intersect_word2vec_format`` fails under numpy 2; this
        is the merge it should do, vectorised.
        """
        words = target.index_to_key
        src_idx = np.fromiter(
            (source.key_to_index.get(w, -1) for w in words),
            dtype=np.int64,
            count=len(words),
        )
        shared = src_idx >= 0
        target.vectors[shared] = source.vectors[src_idx[shared]]
        return int(shared.sum())

    @staticmethod
    def _union(trained, pretrained):
        """``trained`` plus the pretrained words it lacks (rows unchanged)."""
        from gensim.models import KeyedVectors

        extra = [w for w in pretrained.index_to_key if w not in trained.key_to_index]
        wv = KeyedVectors(trained.vector_size, count=0, dtype=np.float32)
        wv.add_vectors(trained.index_to_key, trained.vectors)
        if extra:
            idx = np.fromiter(
                (pretrained.key_to_index[w] for w in extra),
                dtype=np.int64,
                count=len(extra),
            )
            wv.add_vectors(extra, pretrained.vectors[idx])
        return wv

    def _fit_vectors(self, token_lists):
        pretrained = None
        if self.pretrained is not None:
            pretrained = load_vectors(self.pretrained, format=self.pretrained_format)
            if (
                self.vector_size is not None
                and self.vector_size != pretrained.vector_size
            ):
                raise ValueError(
                    f"vector_size={self.vector_size} but the pretrained vectors have "
                    f"{pretrained.vector_size} dimensions; set vector_size=None or "
                    f"{pretrained.vector_size}."
                )
        vector_size = (
            pretrained.vector_size
            if pretrained is not None
            else (100 if self.vector_size is None else self.vector_size)
        )
        if pretrained is not None and not self.fine_tune:
            return pretrained, np.empty(0)
        sentences = _split_long([t for t in token_lists if t])
        if not sentences:
            raise ValueError(
                "the documents hold no tokens to train on (every document is "
                "empty after tokenisation)."
            )
        wv, losses = self._train(sentences, vector_size, init=pretrained)
        if pretrained is not None:
            wv = self._union(wv, pretrained)
        return wv, losses

    def _weights(self, indptr, ids):
        return weight_matrix(
            indptr,
            ids,
            self.wv_.vectors.shape[0],
            self.pooling,
            idf=getattr(self, "idf_", None),
            sif_weights=getattr(self, "sif_weights_", None),
        )

    def _row_blocks(self, n_rows):
        """Row ranges whose float32 document vectors take about 4 MiB."""
        step = max(1, _BLOCK_BYTES // (4 * max(self.wv_.vector_size, 1)))
        return ((start, min(start + step, n_rows)) for start in range(0, n_rows, step))

    def _pool(self, indptr, ids):
        vectors = self.wv_.vectors
        if self.pooling == "max":
            return max_pool(indptr, ids, vectors)
        X = np.asarray(self._weights(indptr, ids) @ vectors, dtype=np.float32)
        if self.pooling == "sif":
            u = self.sif_component_
            # In blocks of rows: no temporary as large as X.
            for start, stop in self._row_blocks(len(X)):
                block = X[start:stop]
                block -= np.outer(block @ u, u)
        return X

    def _sif_component(self, indptr, ids):
        """First right singular vector of the (uncentred) document matrix.

        The Gram matrix is summed over blocks of documents, so the pooled
        documents are never all held at once.
        """
        W = self._weights(indptr, ids)
        vectors = self.wv_.vectors
        gram = np.zeros((vectors.shape[1],) * 2)
        for start, stop in self._row_blocks(W.shape[0]):
            block = np.asarray(W[start:stop] @ vectors, dtype=np.float64)
            gram += block.T @ block
        _, eigvecs = np.linalg.eigh(gram)
        return eigvecs[:, -1].astype(np.float32)

    # ------------------------------------------------------------------ #
    # scikit-learn API
    # ------------------------------------------------------------------ #
    def _fit(self, raw_documents, need_ids=True):
        docs = check_documents(raw_documents, owner=type(self).__name__)
        tokenizer = self._tokenizer()
        token_lists = tokenizer.tokenize_all(docs)
        wv, losses = self._fit_vectors(token_lists)
        self.wv_ = wv
        self.vocabulary_ = dict(wv.key_to_index)
        # Token ids by hashing (see _fastids); pickles as vocabulary_.
        self._token_index = VocabularyIndex(self.vocabulary_)
        self.training_loss_ = losses
        self._n_features_out = wv.vector_size
        for attr in ("idf_", "sif_weights_", "sif_component_"):
            self.__dict__.pop(attr, None)

        n_tokens = sum(map(len, token_lists))
        counts = wv.expandos.get("count") if self.pretrained is None else None
        if not need_ids and self.pooling in ("mean", "max") and counts is not None:
            # Trained on these documents alone: gensim counted every
            # in-vocabulary token, so no second pass over the tokens.
            n_known = int(np.asarray(counts, dtype=np.int64).sum())
            self.oov_rate_ = 1.0 - n_known / n_tokens if n_tokens else 0.0
            return None
        indptr, ids = self._token_ids(token_lists, None)
        self.oov_rate_ = 1.0 - len(ids) / n_tokens if n_tokens else 0.0
        n_words = len(self.vocabulary_)
        if self.pooling == "tfidf":
            n_docs = len(indptr) - 1
            # Document frequency: non-zeros per column of the count matrix.
            df = np.diff(count_matrix(indptr, ids, n_words).tocsc().indptr)
            self.idf_ = np.log((1 + n_docs) / (1 + df)) + 1.0
        elif self.pooling == "sif":
            counts = np.bincount(ids, minlength=n_words).astype(np.float64)
            p = counts / counts.sum() if counts.sum() else counts
            self.sif_weights_ = self.sif_alpha / (self.sif_alpha + p)
            self.sif_component_ = self._sif_component(indptr, ids)
        return indptr, ids

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None):
        """Learn the word vectors and pooling statistics from documents.

        Parameters
        ----------
        raw_documents : iterable of str or of list of str
            Training documents: strings (tokenised with ``lowercase``,
            ``token_pattern``/``tokenizer``) or lists of tokens.
        y : Ignored
            Not used; present for API consistency (a ``y`` with ``-1`` rows
            is accepted, so the vectorizer trains on source and target text).

        Returns
        -------
        self : object
            The fitted vectorizer.
        """
        self._fit(raw_documents, need_ids=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents, y=None):
        """Fit on the documents and return their vectors (tokenising once).

        Parameters
        ----------
        raw_documents : iterable of str or of list of str
            Training documents.
        y : Ignored
            Not used; present for API consistency.

        Returns
        -------
        X : ndarray of shape (n_documents, vector_size), dtype float32
            Document vectors.
        """
        indptr, ids = self._fit(raw_documents)
        return self._pool(indptr, ids)

    def transform(self, raw_documents):
        """Turn documents into pooled word vectors.

        Parameters
        ----------
        raw_documents : iterable of str or of list of str
            Documents.

        Returns
        -------
        X : ndarray of shape (n_documents, vector_size), dtype float32
            Document vectors; zero rows for documents without any known word.
        """
        check_is_fitted(self)
        docs = check_documents(
            raw_documents, allow_empty=True, owner=type(self).__name__
        )
        indptr, ids = self._token_ids(docs, self._tokenizer())
        return self._pool(indptr, ids)

    # ------------------------------------------------------------------ #
    # persistence
    # ------------------------------------------------------------------ #
    def save(self, path):
        """Save the fitted vectorizer to a file (pickle), atomically.

        A failed save leaves an existing file untouched. The file can only
        be read back with :meth:`load`, which unpickles it: use
        :meth:`save_pretrained` for a file that is safe to share.

        Parameters
        ----------
        path : str or path-like
            Destination file.

        Returns
        -------
        path : pathlib.Path
            The written file.
        """
        check_is_fitted(self)
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    @classmethod
    def load(cls, path):
        """Load a vectorizer written by :meth:`save`.

        .. warning::
            Only load files you trust: like any pickle, loading can run any
            code. To share vectors, use :meth:`export_vectors` (word2vec
            formats, safe to read from anyone).

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        vectorizer : Word2VecVectorizer
            The fitted vectorizer.

        Raises
        ------
        ValueError
            If the file does not exist or is not a pickle written by
            :meth:`save`.
        """
        if not os.path.isfile(path):
            raise ValueError(f"vectorizer file {str(path)!r} does not exist.")
        with open(path, "rb") as fh:
            head = fh.read(1)
            if head != b"\x80":
                raise ValueError(
                    f"{str(path)!r} is not a file written by {cls.__name__}.save "
                    "(a pickle); to read word vectors use pretrained=path or "
                    "sktransfer.embeddings.load_vectors."
                )
            fh.seek(0)
            try:
                obj = pickle.load(fh)
            except (pickle.UnpicklingError, EOFError, AttributeError) as exc:
                raise ValueError(
                    f"{str(path)!r} is not a file written by {cls.__name__}.save "
                    f"(truncated or malformed pickle): {exc!r}"
                ) from exc
        if not isinstance(obj, cls):
            raise TypeError(
                f"{str(path)!r} holds a {type(obj).__name__}, not a {cls.__name__}."
            )
        return obj

    def save_pretrained(self, directory):
        """Save the fitted vectorizer to a directory, without pickle.

        The directory holds ``config.json`` (the parameters, which must be
        plain JSON values, and fitted scalars), ``vocabulary.json`` (the
        words) and ``arrays.safetensors`` (the vectors and pooling weights).
        :meth:`from_pretrained` reads it back without running any code, so
        it is safe to share. It is written under a temporary name and
        renamed at the end: a failed save leaves an existing directory as it
        was.

        Parameters
        ----------
        directory : str or path-like
            Destination directory (replaced if it exists).

        Returns
        -------
        directory : pathlib.Path
            The written directory.

        Raises
        ------
        ValueError
            If a parameter is not a plain JSON value (a custom ``tokenizer``
            function, ``pretrained`` vectors in memory).

        Examples
        --------
        >>> import tempfile, os
        >>> from sktransfer.embeddings import Word2VecVectorizer
        >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 5
        >>> vec = Word2VecVectorizer(vector_size=8, min_count=1, epochs=2,
        ...                          random_state=0).fit(docs)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = vec.save_pretrained(os.path.join(tmp, "vectorizer"))
        ...     again = Word2VecVectorizer.from_pretrained(path)
        >>> (again.transform(docs) == vec.transform(docs)).all()
        np.True_
        """
        from sktransfer.embeddings._persist import save_vectorizer

        check_is_fitted(self)
        return save_vectorizer(self, directory)

    @classmethod
    def from_pretrained(cls, directory):
        """Load a vectorizer written by :meth:`save_pretrained` (no pickle).

        Everything is checked before use: the JSON types, the shapes of the
        arrays against the configuration and vocabulary, finite values.

        Parameters
        ----------
        directory : str or path-like
            A directory written by :meth:`save_pretrained`.

        Returns
        -------
        vectorizer : Word2VecVectorizer
            The fitted vectorizer; its ``transform`` gives exactly the output
            of the saved one.

        Raises
        ------
        ValueError
            If the directory is missing, incomplete or inconsistent.
        """
        from sktransfer.embeddings._persist import load_vectorizer

        return load_vectorizer(cls, directory)

    def export_vectors(self, path, *, format="word2vec_binary"):
        """Write the word vectors ``wv_`` in a word2vec, GloVe or gensim file.

        Parameters
        ----------
        path : str or path-like
            Destination file (written atomically).
        format : {'word2vec_binary', 'word2vec_text', 'glove', 'gensim'}, \
                default='word2vec_binary'
            File format; readable back with ``pretrained=path``.

        Returns
        -------
        path : pathlib.Path
            The written file.
        """
        check_is_fitted(self)
        return save_vectors(self.wv_, path, format=format)

    def __getstate__(self):
        # Plain data, for pickle and skops (``skops.io.dump``) alike: the
        # fitted KeyedVectors as the dict of their attributes (arrays,
        # numbers), their words packed in one string (see pack_words), and
        # no token-id index (rebuilt on load).
        from gensim.models import KeyedVectors

        # (A copy: object.__getstate__ returns the instance's own dict.)
        state = dict(super().__getstate__())
        state.pop("_token_index", None)
        wv = state.get("wv_")
        if type(wv) is KeyedVectors:
            wv_state = dict(vars(wv))
            words = wv_state.get("index_to_key")
            index = {w: i for i, w in enumerate(words or ())}
            if isinstance(words, list) and wv_state.get("key_to_index") == index:
                del wv_state["index_to_key"], wv_state["key_to_index"]
                wv_state[_WORDS] = pack_words(words)
                if state.get("vocabulary_") == index:
                    del state["vocabulary_"]  # the same mapping
            state["wv_"] = wv_state
        return state

    def __setstate__(self, state):
        state = dict(state)
        wv = state.get("wv_")
        if isinstance(wv, dict):
            from gensim.models import KeyedVectors

            wv = dict(wv)
            if _WORDS in wv:
                words = unpack_words(wv.pop(_WORDS), type(self).__name__)
                wv["index_to_key"] = words
                wv["key_to_index"] = {w: i for i, w in enumerate(words)}
                state.setdefault("vocabulary_", dict(wv["key_to_index"]))
            state["wv_"] = KeyedVectors.__new__(KeyedVectors)
            vars(state["wv_"]).update(wv)
        super().__setstate__(state)
        if "vocabulary_" in state:
            self._token_index = VocabularyIndex(self.vocabulary_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.non_deterministic = self.workers > 1
        tags.transformer_tags.preserves_dtype = []
        return tags
