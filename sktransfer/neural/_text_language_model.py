"""An LSTM language model on unlabelled text, to start the text nets from."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, Options
from sklearn.utils.validation import check_is_fitted

from sktransfer.neural import _transfer
from sktransfer.neural._data import _RaggedIds
from sktransfer.neural._embeddings import (
    DEFAULT_EMBEDDING_DIM,
    embedding_dim,
    initial_embeddings,
    load_embeddings,
    shares_embeddings,
)
from sktransfer.neural._language_model import (
    NextWordHead,
    mean_language_model_loss,
    pretrain_language_model,
)
from sktransfer.neural._module import TextModule
from sktransfer.neural._params import clone_sharing, resolve_device
from sktransfer.neural._seeding import fit_seeds, seeded_torch
from sktransfer.neural._vocabulary import (
    DEFAULT_TOKEN_PATTERN,
    VocabularyIndex,
    build_vocabulary,
    document_ids,
    make_tokenizer,
    tokenized_documents,
)

__all__ = ["TextLanguageModel"]

_MAX_EMBEDDING_DIM = 10_000
_MAX_HIDDEN_SIZE = 4_096
_MAX_EPOCHS = 10_000


class TextLanguageModel(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    r"""LSTM language model pretrained on unlabelled documents (ULMFiT's step 1).

    ``fit`` learns a vocabulary from the documents and trains the word
    vectors and a bidirectional LSTM, the embedding layer and encoder of
    :class:`TextModule` with ``encoder='lstm'``, to predict each next word
    (forward direction) and each previous word (backward direction), as
    ``lm_pretraining_epochs`` of :class:`TextClassifier` does. Fit it once on
    a large unlabelled corpus and pass it as ``init_from`` of
    :class:`TextClassifier` or :class:`TextRegressor` (with ``encoder='lstm'``
    and the same ``embedding_dim`` and ``hidden_size``): the rows of the
    words both vocabularies share and the LSTM are copied; then
    ``lm_pretraining_epochs`` fine-tunes the language model on the task's
    documents and the task's training follows (Howard and Ruder, 2018).

    ``transform`` gives the encoder's document vectors (the mean of the
    LSTM's outputs over the document's words), a feature extractor for any
    scikit-learn model.

    Parameters
    ----------
    embedding_dim : int, default=None
        Dimension of the word vectors, at most 10,000. None means the
        dimension of ``embeddings``, else 100.
    hidden_size : int, default=100
        LSTM units per direction (at most 4,096).
    dropout : float, default=0.2
        Dropout rate on the LSTM's outputs.
    max_length : int, default=256
        Keep at most this many (in-vocabulary) tokens of each document. None
        keeps every token.
    lowercase : bool, default=True
        Lowercase string documents before tokenising.
    token_pattern : str or None, default=r"(?u)\b\w\w+\b"
        Regular expression of a token; None splits on whitespace. Ignored
        when ``tokenizer`` is given.
    tokenizer : callable, default=None
        Function from a (lowercased) string to a list of tokens.
    min_count : int, default=1
        Keep words seen at least this many times.
    max_vocab_size : int, default=None
        Keep at most this many words, the most frequent ones. None keeps all.
    embeddings : Word2VecVectorizer, KeyedVectors or path, default=None
        Pretrained word vectors that initialise the embedding layer, as for
        :class:`TextClassifier`. None starts from random vectors.
    freeze_embeddings : bool, default=False
        Keep the word vectors fixed (only the LSTM and the output layer
        train).
    embedding_lr : float, default=None
        Learning rate of the word vectors. None uses ``lr``.
    lr : float, default=1e-3
        Learning rate of AdamW.
    max_epochs : int, default=10
        Passes over the documents (at most 10,000).
    batch_size : int, default=64
        Documents per batch; -1 puts all of them in one batch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout and the order of the batches; the
        caller's random states are left as they were when an int is given.
    device : str, torch.device or None, default='auto'
        Where to train: ``'auto'`` is CUDA when PyTorch sees a GPU, else
        the CPU.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Word to row of the embedding matrix (row 0 is padding), the most
        frequent word first.
    module_ : TextModule
        The network: ``embedding`` and ``encoder`` are trained (its ``head``
        is not, and ``init_from`` never copies it).
    lm_head_ : torch.nn.Module
        The language model's output layer (a softmax over the vocabulary,
        adaptive above 2,000 words), read by :meth:`score`.
    lm_losses_ : list of float
        Mean language-model loss of each epoch: the negative log-likelihood
        of each next (forward) and previous (backward) word, over the whole
        vocabulary.
    embedding_coverage_ : float
        Share of the vocabulary initialised from ``embeddings``.

    See Also
    --------
    TextClassifier : Its ``init_from`` and ``lm_pretraining_epochs``.

    References
    ----------
    .. [1] J. Howard and S. Ruder. "Universal Language Model Fine-tuning for
       Text Classification". ACL, 2018.
    .. [2] M. Peters et al. "Deep Contextualized Word Representations".
       NAACL, 2018 (the forward and backward language models).
    .. [3] E. Grave et al. "Efficient softmax approximation for GPUs". ICML,
       2017 (the adaptive softmax over large vocabularies).

    Examples
    --------
    >>> from sktransfer.neural import TextClassifier, TextLanguageModel
    >>> corpus = ["the film was good", "the film was bad", "a good actor",
    ...           "a bad script", "the actor was great", "an awful script"]
    >>> lm = TextLanguageModel(embedding_dim=16, hidden_size=16, max_epochs=3,
    ...                        device="cpu", random_state=0).fit(corpus)
    >>> len(lm.lm_losses_)
    3
    >>> lm.transform(["a good film"]).shape
    (1, 32)
    >>> clf = TextClassifier(encoder="lstm", embedding_dim=16, hidden_size=16,
    ...                      init_from=lm, lm_pretraining_epochs=2, max_epochs=5,
    ...                      device="cpu", random_state=0)
    >>> clf.fit(["good film", "bad film"], [1, 0]).transferred_["encoder"]
    True
    """

    _parameter_constraints: dict = {
        "embedding_dim": [
            Interval(Integral, 1, _MAX_EMBEDDING_DIM, closed="both"),
            None,
        ],
        "hidden_size": [Interval(Integral, 1, _MAX_HIDDEN_SIZE, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "lowercase": ["boolean"],
        "token_pattern": [str, None],
        "tokenizer": [callable, None],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "max_vocab_size": [Interval(Integral, 1, None, closed="left"), None],
        "embeddings": "no_validation",
        "freeze_embeddings": ["boolean"],
        "embedding_lr": [Interval(Real, 0, None, closed="left"), None],
        "lr": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, _MAX_EPOCHS, closed="both")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
        ],
        "random_state": ["random_state"],
        "device": [str, torch.device, None],
    }

    # The module's task, for init_from: none (its head is never copied).
    _task = None

    def __init__(
        self,
        *,
        embedding_dim=None,
        hidden_size=100,
        dropout=0.2,
        max_length=256,
        lowercase=True,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        min_count=1,
        max_vocab_size=None,
        embeddings=None,
        freeze_embeddings=False,
        embedding_lr=None,
        lr=1e-3,
        max_epochs=10,
        batch_size=64,
        random_state=None,
        device="auto",
    ):
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.dropout = dropout
        self.max_length = max_length
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.embeddings = embeddings
        self.freeze_embeddings = freeze_embeddings
        self.embedding_lr = embedding_lr
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device

    def __sklearn_clone__(self):
        if shares_embeddings(self.embeddings):
            return clone_sharing(self, {"embeddings"})
        return super().__sklearn_clone__()

    def __sklearn_is_fitted__(self):
        return "module_" in vars(self)

    def _tokenizer(self):
        return make_tokenizer(self.lowercase, self.token_pattern, self.tokenizer)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the language model on documents.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents (raw strings or token lists).
        y : None
            Ignored.

        Returns
        -------
        self : TextLanguageModel
            The fitted model.
        """
        name = type(self).__name__
        _, token_lists = tokenized_documents(X, self._tokenizer(), name)
        vocabulary = build_vocabulary(
            token_lists, self.min_count, self.max_vocab_size, name
        )
        device = resolve_device(self.device)
        wv = load_embeddings(self.embeddings, name)
        dim = embedding_dim(wv, self.embedding_dim, DEFAULT_EMBEDDING_DIM, name)
        seeds = fit_seeds(self.random_state, 0)
        weights, coverage = initial_embeddings(
            vocabulary, dim, seeds.embedding, pretrained=wv
        )
        index = VocabularyIndex(vocabulary)
        with seeded_torch(seeds.torch, device):
            module = self._build(len(vocabulary) + 1, dim, weights).to(device)
            head = NextWordHead(self.hidden_size, len(vocabulary)).to(device)
            losses = pretrain_language_model(
                module,
                token_lists,
                vocabulary,
                index,
                epochs=self.max_epochs,
                lr=self.lr,
                embedding_lr=self.embedding_lr,
                freeze_embeddings=self.freeze_embeddings,
                batch_size=self.batch_size,
                max_length=self.max_length,
                dropout=self.dropout,
                seed=seeds.batches,
                owner=name,
                head=head,
            )
        module.eval()
        head.eval()
        self.lm_head_ = head
        self.vocabulary_ = vocabulary
        self._token_index = index
        self.module_ = module
        self.lm_losses_ = losses
        self.embedding_coverage_ = coverage
        self._n_features_out = 2 * self.hidden_size
        return self

    def _build(self, vocab_size, dim, weights=None):
        return TextModule(
            vocab_size,
            1,
            encoder="lstm",
            embedding_dim=dim,
            hidden_size=self.hidden_size,
            dropout=self.dropout,
            embeddings=weights,
        )

    def transform(self, X):
        """Return the encoder's document vectors.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.

        Returns
        -------
        vectors : ndarray of shape (n_samples, 2 * hidden_size)
            The mean of the forward and backward LSTM outputs over each
            document's in-vocabulary words (an empty document is read as one
            padding token).
        """
        check_is_fitted(self)
        indptr, ids = document_ids(
            X,
            self._tokenizer(),
            self.vocabulary_,
            self._token_index,
            type(self).__name__,
        )
        docs = _RaggedIds(np.asarray(indptr), np.asarray(ids), self.max_length)
        n = len(docs)
        out = np.zeros((n, 2 * self.hidden_size), dtype=np.float32)
        module = self.module_
        device = next(module.parameters()).device
        size = n if self.batch_size == -1 else self.batch_size
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                for start in range(0, n, max(size, 1)):
                    rows = slice(start, min(start + size, n))
                    X_ids = torch.as_tensor(docs.padded(rows), device=device)
                    lengths = torch.as_tensor(docs.lengths[rows], device=device)
                    features = module.encoder(X_ids, lengths, module.embedding)
                    out[rows] = features.cpu().numpy()
        finally:
            module.train(was_training)
        return out

    def score(self, X, y=None):
        """Return the mean log-likelihood of the words of ``X`` (higher is better).

        The negative of the language-model loss on ``X``: the mean log
        probability of each next word (forward direction) and each previous
        word (backward direction), without dropout. Its exponential's
        inverse, ``exp(-score)``, is the perplexity. ``GridSearchCV`` can
        select the language model's parameters with it on held-out text.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents; those with fewer than two in-vocabulary words hold
            no prediction.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean log-likelihood per predicted word.
        """
        check_is_fitted(self)
        name = type(self).__name__
        indptr, ids = document_ids(
            X, self._tokenizer(), self.vocabulary_, self._token_index, name
        )
        loss = mean_language_model_loss(
            self.module_,
            self.lm_head_,
            np.asarray(indptr),
            ids,
            self.max_length,
            self.batch_size,
        )
        if loss is None:
            raise ValueError(
                f"{name}.score: no document of X has two in-vocabulary words; "
                "there is no word to predict."
            )
        return -loss

    def save_weights(self, path):
        """Save the weights and the vocabulary to a safetensors file.

        The file is a valid ``init_from`` of :class:`TextClassifier` and
        :class:`TextRegressor` and runs no code when read.

        Parameters
        ----------
        path : str or path-like
            Destination file (written atomically).

        Returns
        -------
        path : str
            The written file.
        """
        check_is_fitted(self)
        return _transfer.write_weights(
            path, self.module_, self.vocabulary_, type(self).__name__
        )

    # ------------------------------------------------------------------ #
    # pickle and skops: plain data, the module rebuilt on load
    # ------------------------------------------------------------------ #
    def __getstate__(self):
        state = dict(vars(self))
        state.pop("_token_index", None)
        for key in ("module_", "lm_head_"):
            module = state.pop(key, None)
            if module is not None:
                state[f"_{key}weights"] = {
                    k: v.detach().cpu().numpy() for k, v in module.state_dict().items()
                }
        return state

    def __setstate__(self, state):
        state = dict(state)
        weights = state.pop("_module_weights", None)
        head_weights = state.pop("_lm_head_weights", None)
        vars(self).update(state)
        if weights is not None:
            embedding = weights["embedding.weight"]
            device = resolve_device(self.device)
            with seeded_torch(0, "cpu"):
                module = self._build(embedding.shape[0], embedding.shape[1])
                head = NextWordHead(self.hidden_size, embedding.shape[0] - 1)
            for part, values in ((module, weights), (head, head_weights or {})):
                part.load_state_dict(
                    {k: torch.as_tensor(np.asarray(v)) for k, v in values.items()}
                )
                part.eval()
            self.module_ = module.to(device)
            self.lm_head_ = head.to(device)
            self._token_index = VocabularyIndex(self.vocabulary_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        tags.non_deterministic = False
        return tags
