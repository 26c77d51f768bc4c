"""The skorch side that TextClassifier and TextRegressor share: raw documents.

:class:`_TextNetMixin` implements the input hooks of
:class:`~sktransfer.neural._net._NetMixin` (which holds everything that does
not depend on the input: parameters, seeds, the domain contract, the
sample-weighted loss, the transfer objectives, persistence) for raw
documents, each delegating to the module of its concern: the vocabulary and
token ids (``_vocabulary``), their ragged storage (``_data``), the initial
word vectors (``_embeddings``), ``init_from`` and the weights files
(``_transfer``), the callbacks of the transfer parameters (``_callbacks``)
and ``save_pretrained`` (``_persist``).
"""

import logging
import os
from numbers import Integral, Real

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from skorch.utils import is_dataset

from sktransfer.neural import _transfer
from sktransfer.neural._callbacks import parameter_callbacks
from sktransfer.neural._data import _RaggedIds, batched_loading, id_storage
from sktransfer.neural._embeddings import (
    DEFAULT_EMBEDDING_DIM,
    embedding_dim,
    initial_embeddings,
    load_embeddings,
    shares_embeddings,
)
from sktransfer.neural._language_model import pretrain_net
from sktransfer.neural._module import EMBEDDING_PARAMS, ENCODERS, Architecture
from sktransfer.neural._net import (
    _SKORCH_ARGUMENTS,
    _SKORCH_STATE,
    MAX_EPOCHS,
    MAX_HIDDEN_SIZE,
    _NetMixin,
)
from sktransfer.neural._objectives import domain_classifier
from sktransfer.neural._params import resolve_device
from sktransfer.neural._persist import _PersistenceMixin
from sktransfer.neural._seeding import fit_seeds
from sktransfer.neural._text_language_model import TextLanguageModel
from sktransfer.neural._vocabulary import (
    VocabularyIndex,
    build_vocabulary,
    checked_documents,
    document_ids,
    make_tokenizer,
    token_list_ids,
    tokenized_documents,
)

__all__ = [
    "MAX_EMBEDDING_DIM",
    "MAX_EPOCHS",
    "MAX_HIDDEN_SIZE",
    "_SKORCH_ARGUMENTS",
    "_SKORCH_STATE",
    "_TextNetMixin",
    "resolve_device",
]

logger = logging.getLogger(__name__)

MAX_EMBEDDING_DIM = 10_000


class _TextNetMixin(_PersistenceMixin, _NetMixin):
    """Vocabulary, tokenizer, embeddings and token ids of the text nets."""

    _FITTED_ATTRIBUTE = "vocabulary_"
    _DEFAULT_MODULE = "TextModule"
    _ROW_NOUN = "document"

    _parameter_constraints: dict = {
        **_NetMixin._parameter_constraints,
        "encoder": [StrOptions(set(ENCODERS))],
        "embedding_dim": [
            Interval(Integral, 1, MAX_EMBEDDING_DIM, closed="both"),
            None,
        ],
        "hidden_size": [Interval(Integral, 1, MAX_HIDDEN_SIZE, closed="both")],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "lowercase": ["boolean"],
        "token_pattern": [str, None],
        "tokenizer": [callable, None],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "max_vocab_size": [Interval(Integral, 1, None, closed="left"), None],
        "freeze_embeddings": ["boolean"],
        "init_from": [
            None,
            str,
            os.PathLike,
            HasMethods(["predict"]),
            HasMethods(["transform"]),
        ],
        "lm_pretraining_epochs": [Interval(Integral, 0, MAX_EPOCHS, closed="both")],
        "embedding_lr": [Interval(Real, 0, None, closed="left"), None],
    }

    def _init_text_net(self, arguments):
        """Set the arguments of a net's ``__init__`` (its ``locals()``)."""
        self._init_net(arguments)

    def _shared_params(self):
        # A fitted vectorizer (which clone would un-fit) or KeyedVectors
        # (which clone would deep-copy) is shared.
        return {"embeddings"} if shares_embeddings(self.embeddings) else set()

    # ------------------------------------------------------------------ #
    # documents
    # ------------------------------------------------------------------ #
    def _tokenizer(self):
        return make_tokenizer(self.lowercase, self.token_pattern, self.tokenizer)

    def _encode_documents(self, X):
        """Token ids of documents (datasets and token ids pass through)."""
        if is_dataset(X) or isinstance(X, _RaggedIds):
            return X
        indptr, ids = document_ids(
            X,
            self._tokenizer(),
            self.vocabulary_,
            self._token_index,
            type(self).__name__,
        )
        return id_storage(indptr, ids, self.max_length, batched_loading(self))

    def _check_fit_inputs(self, X, first_fit):
        return tokenized_documents(X, self._tokenizer(), type(self).__name__)

    def _after_initialize(self, extra, seeds):
        # lm_pretraining_epochs: the encoder reads every document of the fit
        # (``extra``: their tokens) as a language model before the task.
        self.lm_losses_ = pretrain_net(self, extra, seeds.batches, type(self).__name__)

    def _learn_inputs(self, rows, extra):
        # Every document (unlabelled ones too) brings its words.
        return build_vocabulary(
            extra, self.min_count, self.max_vocab_size, type(self).__name__
        )

    def _keep_learned(self, learned):
        self.vocabulary_ = learned
        # Built once per vocabulary; pickles as a reference to it.
        self._token_index = VocabularyIndex(learned)

    def _module_inputs(self, rows, extra, indices, batched):
        indptr, ids = token_list_ids(
            [extra[i] for i in indices], self.vocabulary_, self._token_index
        )
        return id_storage(indptr, ids, self.max_length, batched)

    def _encode_inputs(self, X):
        return self._encode_documents(X)

    def _score_rows(self, X):
        return checked_documents(X, type(self).__name__)

    def _parameter_callbacks(self):
        return parameter_callbacks(self)

    # ------------------------------------------------------------------ #
    # skorch hooks
    # ------------------------------------------------------------------ #
    def initialize_module(self):
        """Build the module from the fitted vocabulary and the embeddings."""
        self._check_module()
        name = type(self).__name__
        vocabulary = vars(self).get("vocabulary_")
        if vocabulary is None:
            raise ValueError(
                f"{name} builds its module from the vocabulary of the documents "
                "given to fit; call fit or partial_fit rather than initialize."
            )
        source = None
        default_dim = DEFAULT_EMBEDDING_DIM
        if self.init_from is not None:
            source = _transfer.transfer_source(
                self.init_from, name, (_TextNetMixin, TextLanguageModel)
            )
            default_dim = source.architecture.embedding_dim
        wv = load_embeddings(self.embeddings, name)
        dim = embedding_dim(wv, self.embedding_dim, default_dim, name)
        kwargs = {
            "vocab_size": len(vocabulary) + 1,
            "n_outputs": self._n_outputs(),
            "encoder": self.encoder,
            "embedding_dim": dim,
            "hidden_size": self.hidden_size,
            "dropout": self.dropout,
        }
        user = self.get_params_for("module")
        clash = sorted(set(user) & (set(kwargs) | {"embeddings"}))
        if clash:
            raise ValueError(
                f"{name}: module__{clash[0]} is set by the estimator; use its own "
                "parameters (encoder, embedding_dim, hidden_size, dropout, "
                "embeddings) instead of module__ ones."
            )
        copied, share = None, 0.0
        if source is not None:
            ours = Architecture(self.encoder, dim, self.hidden_size)
            _transfer.check_architecture(source.architecture, ours, name)
            copied, share = _transfer.shared_rows(vocabulary, source)
        # Outside a fit (skorch's initialize(), set_params(module__*=...)),
        # the module gets seeds of its own.
        seeds = vars(self).get("_fit_seeds") or fit_seeds(self.random_state)
        weights, coverage = initial_embeddings(
            vocabulary, dim, seeds.embedding, pretrained=wv, copied=copied
        )
        self.module_ = self.module(**kwargs, embeddings=weights, **user)
        self.embedding_coverage_ = coverage
        head = domain_classifier(self, name)
        if head is not None:
            self.domain_classifier_ = head
        elif "domain_classifier_" in vars(self):
            del self.domain_classifier_
        self.transferred_ = {"embedding": 0.0, "encoder": False, "head": False}
        if source is not None:
            head = _transfer.same_outputs(
                source, self._task, getattr(self, "classes_", None)
            )
            self.transferred_ = {
                "embedding": share,
                "encoder": True,
                "head": _transfer.copy_layers(self.module_, source, head, name),
            }
        if self.embeddings is not None:
            logger.info(
                "[%s] %.1f%% of the %d words start from pretrained vectors.",
                name,
                100 * coverage,
                len(vocabulary),
            )
        return self

    def get_params_for(self, prefix):
        """Collect init parameters of a component, adding the embedding group.

        Parameters
        ----------
        prefix : str
            Component name, e.g. ``'module'`` or ``'optimizer'``.

        Returns
        -------
        kwargs : dict
            Keyword arguments of the component.
        """
        kwargs = super().get_params_for(prefix)
        if prefix == "optimizer" and self.embedding_lr is not None:
            groups = list(kwargs.get("param_groups", []))
            # skorch gives a parameter to the first matching group, so a group
            # of the user's own for the embeddings takes precedence.
            groups.append((EMBEDDING_PARAMS, {"lr": self.embedding_lr}))
            kwargs["param_groups"] = groups
        return kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
