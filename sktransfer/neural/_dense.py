"""Neural nets on dense numeric rows: NeuralClassifier and NeuralRegressor.

:class:`_DenseNetMixin` implements the input hooks of
:class:`~sktransfer.neural._net._NetMixin` for a 2-D float array (the output
of any scikit-learn step: averaged word vectors, TruncatedSVD, sentence
embeddings...): the rows are validated as scikit-learn's own
``MLPClassifier`` does (:func:`~sklearn.utils.validation.validate_data`:
finite floats, ``n_features_in_`` and ``feature_names_in_``), held as one
float32 matrix and fed to an :class:`~sktransfer.neural.MLPModule`. Everything
else (the domain contract, sample weights, the transfer objectives, the heads
per domain, seeding, pickle and skops) is the text nets' own machinery.
"""

from numbers import Integral, Real
from textwrap import dedent

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import _fit_context
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import is_dataset

from sktransfer.neural._callbacks import dense_parameter_callbacks
from sktransfer.neural._module import MLPModule
from sktransfer.neural._net import MAX_HIDDEN_SIZE, _NetMixin
from sktransfer.neural._objectives import domain_classifier
from sktransfer.neural._persist import load_dense_net, save_dense_net
from sktransfer.neural._targets import _ClassifierNetMixin, _RegressorNetMixin
from sktransfer.utils._docstring import Substitution

__all__ = ["NeuralClassifier", "NeuralRegressor"]

#: Most hidden layers a net may have (each at most MAX_HIDDEN_SIZE units).
MAX_HIDDEN_LAYERS = 100


def _hidden_layers(value, owner):
    """Return ``hidden_layer_sizes`` as a tuple of int, or raise a ValueError."""
    sizes = (value,) if isinstance(value, Integral) else value
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = None
    if (
        sizes is None
        or isinstance(value, str | bool)
        or len(sizes) > MAX_HIDDEN_LAYERS
        or not all(
            isinstance(s, Integral)
            and not isinstance(s, bool)
            and 1 <= s <= MAX_HIDDEN_SIZE
            for s in sizes
        )
    ):
        raise ValueError(
            f"{owner}: hidden_layer_sizes must be an int or a tuple of at most "
            f"{MAX_HIDDEN_LAYERS} ints in [1, {MAX_HIDDEN_SIZE}] (the units of "
            f"each hidden layer; () for none), got {value!r}."
        )
    return tuple(int(s) for s in sizes)


class _DenseNetMixin(_NetMixin):
    """Dense float rows: validation, the MLP module, its freezing and transfer."""

    _FITTED_ATTRIBUTE = "n_features_in_"
    _DEFAULT_MODULE = "MLPModule"

    _parameter_constraints: dict = {
        **_NetMixin._parameter_constraints,
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
    }

    def _validate_params(self):
        super()._validate_params()
        _hidden_layers(self.hidden_layer_sizes, type(self).__name__)

    # ------------------------------------------------------------------ #
    # rows
    # ------------------------------------------------------------------ #
    def _check_rows(self, X, reset):
        name = type(self).__name__
        if sp.issparse(X):
            raise TypeError(
                f"{name} takes dense input, got a sparse matrix. Reduce it first "
                "(e.g. TruncatedSVD after TfidfVectorizer) or convert it with "
                ".toarray() when it is small."
            )
        return validate_data(self, X, reset=reset, dtype=np.float32)

    def _check_fit_inputs(self, X, first_fit):
        return self._check_rows(X, reset=first_fit), None

    def _module_inputs(self, rows, extra, indices, batched):
        return rows[indices]

    def _encode_inputs(self, X):
        if is_dataset(X):
            return X
        return self._check_rows(X, reset=False)

    def _score_rows(self, X):
        if sp.issparse(X) or not hasattr(X, "__len__"):
            # (predict raises the error of such rows.)
            return self._check_rows(X, reset=False)
        return X

    def _parameter_callbacks(self):
        return dense_parameter_callbacks(self)

    # ------------------------------------------------------------------ #
    # skorch hooks
    # ------------------------------------------------------------------ #
    def initialize_module(self):
        """Build the module from the number of features seen in fit.

        Returns
        -------
        self : object
            The estimator.
        """
        self._check_module()
        name = type(self).__name__
        n_features = vars(self).get("n_features_in_")
        if n_features is None:
            raise ValueError(
                f"{name} builds its module from the number of features of the "
                "rows given to fit; call fit or partial_fit rather than "
                "initialize."
            )
        kwargs = {
            "n_features": n_features,
            "n_outputs": self._n_outputs(),
            "hidden_layer_sizes": _hidden_layers(self.hidden_layer_sizes, name),
            "dropout": self.dropout,
        }
        user = self.get_params_for("module")
        clash = sorted(set(user) & set(kwargs))
        if clash:
            raise ValueError(
                f"{name}: module__{clash[0]} is set by the estimator; use its own "
                "parameters (hidden_layer_sizes, dropout) instead of module__ ones."
            )
        source = None if self.init_from is None else self._transfer_source()
        self.module_ = self.module(**kwargs, **user)
        head = domain_classifier(self, name)
        if head is not None:
            self.domain_classifier_ = head
        elif "domain_classifier_" in vars(self):
            del self.domain_classifier_
        self.transferred_ = {"encoder": False, "head": False}
        if source is not None:
            self.transferred_ = _copy_layers(self, source)
        return self

    def _transfer_source(self):
        """Return the fitted dense net that ``init_from`` stands for."""
        name = type(self).__name__
        model = self.init_from
        if isinstance(model, FrozenEstimator):
            model = model.estimator
        if not isinstance(model, _DenseNetMixin):
            raise TypeError(
                f"{name}: init_from must be None or a fitted NeuralClassifier or "
                "NeuralRegressor (possibly wrapped in FrozenEstimator), got "
                f"{type(self.init_from).__name__}."
            )
        if not model.__sklearn_is_fitted__():
            raise ValueError(
                f"{name}: init_from is an unfitted {type(model).__name__}; fit it "
                "first. Inside a parameter grid, scikit-learn's clone() un-fits "
                "estimators given as grid values: pass "
                "sklearn.frozen.FrozenEstimator(model)."
            )
        ours = (self.n_features_in_, _hidden_layers(self.hidden_layer_sizes, name))
        theirs = (
            model.n_features_in_,
            _hidden_layers(model.hidden_layer_sizes, name),
        )
        if ours != theirs:
            raise ValueError(
                f"{name}: the architecture of init_from differs (n_features_in_ "
                f"and hidden_layer_sizes: init_from has {theirs!r}, this "
                f"estimator {ours!r}). Give rows with the same features and set "
                "the same hidden_layer_sizes."
            )
        return model

    def save_pretrained(self, directory):
        """Save the fitted estimator to a directory, without pickle.

        The directory holds ``config.json`` (the parameters, which must be
        plain JSON values or their defaults, ``n_features_in_`` and the
        labels, or each domain's head with ``heads='per_domain'``),
        ``vocabulary.json`` (the feature names, an empty list without them)
        and ``arrays.safetensors`` (the module's weights and the domain head
        of ``domain_adversarial``), as
        :meth:`TextClassifier.save_pretrained` writes. :meth:`from_pretrained`
        reads it back without running any code. The optimizer state and the
        history are not saved.

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
            If a parameter is neither a plain JSON value nor its default (a
            custom ``module`` class, callbacks, ``init_from`` or ``teacher``
            objects), or if the labels are not strings, numbers or booleans.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from sktransfer.neural import NeuralClassifier
        >>> X = np.random.RandomState(0).normal(size=(40, 3))
        >>> y = (X[:, 0] > 0).astype(int)
        >>> clf = NeuralClassifier(max_epochs=2, device="cpu", random_state=0)
        >>> clf = clf.fit(X, y)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = clf.save_pretrained(os.path.join(tmp, "model"))
        ...     again = NeuralClassifier.from_pretrained(path)
        >>> bool((again.predict_proba(X) == clf.predict_proba(X)).all())
        True
        """
        check_is_fitted(self)
        return save_dense_net(self, directory)

    @classmethod
    def from_pretrained(cls, directory):
        """Load an estimator written by :meth:`save_pretrained` (no pickle).

        Parameters
        ----------
        directory : str or path-like
            A directory written by :meth:`save_pretrained`.

        Returns
        -------
        estimator : object
            The fitted estimator; it predicts exactly as the saved one.

        Raises
        ------
        ValueError
            If the directory is missing, incomplete or inconsistent.
        """
        return load_dense_net(cls, directory)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags


def _copy_layers(net, source):
    """Copy the hidden layers of ``source``, and its head when the outputs match."""
    name = type(net).__name__
    state = {k: v.detach().to("cpu") for k, v in source.module_.state_dict().items()}
    module = net.module_
    if not all(hasattr(module, part) for part in ("encoder", "head")):
        raise ValueError(
            f"{name}: init_from needs a module with encoder and head parts (such "
            f"as MLPModule), got {type(module).__name__}."
        )

    def part(prefix):
        return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}

    try:
        module.encoder.load_state_dict(part("encoder."))
    except RuntimeError as exc:
        raise ValueError(
            f"{name}: the hidden layers of init_from do not fit this module: {exc}"
        ) from exc
    if net._task == "classification":
        same = (
            source._task == "classification"
            and vars(source).get("_task_heads") is None
            and vars(net).get("_task_heads") is None
            and np.asarray(source.classes_).tolist() == net.classes_.tolist()
        )
    else:
        same = source._task == "regression" and (
            vars(source).get("_task_heads") is None
            and vars(net).get("_task_heads") is None
        )
    head = part("head.")
    same = same and all(
        k in head and tuple(head[k].shape) == tuple(v.shape)
        for k, v in module.head.state_dict().items()
    )
    if same:
        module.head.load_state_dict(head)
    return {"encoder": True, "head": bool(same)}


_DENSE_PARAMETERS = r"""
    module : torch.nn.Module class, default=MLPModule
        The network, as a class (never an instance). It is built in ``fit``
        with the keyword arguments ``n_features``, ``n_outputs``,
        ``hidden_layer_sizes`` and ``dropout``, plus any ``module__<name>``
        parameter. A custom module must name its hidden layers ``encoder``
        (for ``freeze_encoder`` and ``init_from``) and, for the transfer
        objectives, accept ``forward(X, return_features=True)`` and have a
        ``feature_size`` attribute, as :class:`MLPModule`.
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each ReLU hidden layer, as scikit-learn's
        :class:`~sklearn.neural_network.MLPClassifier` (at most 4,096 units
        per layer); ``()`` gives a linear model over the features.
    dropout : float, default=0.2
        Dropout rate after each hidden layer.
    init_from : NeuralClassifier or NeuralRegressor, default=None
        Parameter transfer: start from a fitted dense net (possibly wrapped
        in :class:`~sklearn.frozen.FrozenEstimator`) with the same
        ``n_features_in_`` and ``hidden_layer_sizes``. Its hidden layers are
        copied, and its head too when its outputs are this estimator's (a
        classifier with the same ``classes_``, or a regressor); training
        then goes on from them. It is read in ``fit`` only and never
        trained: ``clone`` shares it.
    freeze_encoder : bool, default=False
        Keep the hidden layers fixed (only the head trains): with
        ``init_from``, a new head on the transferred features.
    unfreeze_at_epoch : int, default=None
        Freeze the hidden layers until this epoch (1-based), then train them
        too (gradual unfreezing, whatever ``freeze_encoder`` says).
    domain_adversarial : float, default=0.0
        Domain-adversarial training (DANN, Ganin et al., 2016) when > 0: a
        domain head (one ReLU layer) learns to tell the target rows from the
        source rows through a gradient reversal layer, which sends its
        gradient back to the hidden layers negated and times this value.
        Every training batch of labelled rows is joined by unlabelled rows
        (see ``unlabelled_batch_ratio``). Needs target rows
        (``y == -1``, NaN for a regressor, or a negative ``sample_domain``).
        0 turns it off.
    domain_adversarial_schedule : {'constant', 'ganin'}, default='constant'
        ``'ganin'`` ramps the reversal weight from 0 up to
        ``domain_adversarial`` over the training steps as in the paper;
        ``'constant'`` uses ``domain_adversarial`` from the first step.
    coral_loss : float, default=0.0
        Deep CORAL (Sun and Saenko, 2016) when > 0: adds this weight times
        the distance between the covariances of the last hidden layer's
        features on the source and on the target rows of each training
        batch. Needs target rows. 0 turns it off.
    unlabelled_batch_ratio : float or 'auto', default='auto'
        With ``domain_adversarial``, ``coral_loss`` or a ``teacher``, every
        training batch of ``n`` labelled rows is joined by
        ``ceil(unlabelled_batch_ratio * n)`` unlabelled rows, drawn in
        shuffled cycles (every unlabelled row is drawn once per cycle); a
        float in (0, 16]. 1 gives the balanced batches of Ganin et al. (as
        many target rows as source rows). ``'auto'`` is 0.5 with
        ``domain_adversarial`` or ``coral_loss`` and 1 with a ``teacher``
        alone (as for the text nets). Without these objectives it is unused.
"""

_DENSE_TRAINING = r"""
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the labelled rows (stratified for
        classification), stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs and restore the best epoch's weights.
    validation_fraction : float, default=0.1
        Share of the labelled rows held out by ``early_stopping``.
    n_iter_no_change : int, default=5
        Patience of ``early_stopping``, in epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, dropout, the shuffling of the
        batches, the draws of unlabelled rows and the validation split. The
        caller's global random states are left unchanged when an int is
        given.
    optimizer : torch optimizer class, default=torch.optim.AdamW
        Optimizer; its parameters are set with ``optimizer__<name>``.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=50
        Number of passes over the labelled rows (at most 10,000). More than
        the text nets' 10: an epoch over dense rows is cheap, and 10 epochs
        of a few batches leave a new MLP undertrained.
    batch_size : int, default=64
        Rows per batch; -1 is every labelled row in one batch.
    train_split : callable, default=None
        skorch's internal validation split. None (no split) unless
        ``early_stopping`` is on.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks, added to the built-in ones.
"""

_DENSE_TAIL = r"""
    warm_start : bool, default=False
        Whether ``fit`` continues training the fitted module instead of
        starting anew.
    verbose : int, default=0
        1 prints skorch's per-epoch table of losses; 2 also shows a progress
        bar over batches.
    device : str, torch.device or None, default='auto'
        Where to train and predict: 'auto' (CUDA when PyTorch sees a GPU,
        else CPU), 'cpu', 'cuda' or any torch device. ``get_params`` and
        ``clone`` keep ``'auto'``.
    **kwargs : dict
        Other skorch parameters and double-underscore parameters:
        ``module__*``, ``optimizer__*``, ``criterion__*``,
        ``iterator_train__*``, ``iterator_valid__*``, ``callbacks__*``.
"""

_DENSE_ATTRIBUTES = r"""
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when ``X`` has string
        column names (a pandas DataFrame).
    transferred_ : dict
        What ``init_from`` initialised: ``'encoder'`` and ``'head'``, whether
        they were copied.
    module_ : torch.nn.Module
        The trained network.
    domain_classifier_ : torch.nn.Module
        The domain head, trained with ``domain_adversarial > 0`` only.
    history_ : skorch.History
        Per-epoch (and per-batch) losses and timings. With a transfer
        objective on, ``train_loss`` is the loss minimised and each of its
        terms is recorded too (``train_loss_task``,
        ``train_loss_distillation``, ``train_loss_coral``,
        ``train_loss_domain``).
"""

_DENSE_NOTES = r"""
    The input is a 2-D array of finite floats (``validate_data``: NaN or
    infinite values, a wrong number of features at predict time and strings
    are rejected with a ValueError; a sparse matrix with a TypeError). As
    for scikit-learn's MLPs, features are used as they are: standardise
    them (:class:`~sklearn.preprocessing.StandardScaler`) when their scales
    differ; averaged word vectors, SVD components and sentence embeddings
    usually need nothing.

    The domain contract of :func:`sktransfer.utils.check_domains` applies:
    rows with ``y == -1`` (NaN for a regressor) are unlabelled; ``fit`` and
    ``score`` accept ``sample_domain`` and request it for metadata routing.
    ``domain_adversarial``, ``coral_loss`` and ``teacher`` also train on
    the unlabelled rows (see the "Transfer objectives" page of the user
    guide).

    A ``teacher`` is asked for the very ``X`` this net receives: inside a
    pipeline, the output of the steps before it, not the raw documents. A
    teacher fitted on documents cannot predict on features (``fit`` then
    raises a ValueError saying so): fit the teacher on the same features,
    or distil a document-level teacher into a
    :class:`~sktransfer.neural.TextClassifier`, which gets the documents.
"""

_dense_docstring = Substitution(
    dense_parameters=dedent(_DENSE_PARAMETERS),
    dense_training=dedent(_DENSE_TRAINING),
    dense_tail=dedent(_DENSE_TAIL),
    dense_attributes=dedent(_DENSE_ATTRIBUTES),
    dense_notes=dedent(_DENSE_NOTES),
)

_FIT_DOC = """Train the network on the labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of all domains (finite floats).
        y : array-like of shape (n_samples,)
            {target}; {unlabelled} marks unlabelled rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss (each batch's loss is the
            weighted mean of its labelled rows' losses).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row (non-negative: source, negative: target), as
            in :func:`sktransfer.utils.check_domains`.
        **fit_params : dict
            Passed to skorch (its train split and the module's ``forward``).

        Returns
        -------
        self : object
            The fitted estimator.
        """

_PARTIAL_FIT_DOC = """Train for ``max_epochs`` more epochs without re-initialising.

        The first call learns ``n_features_in_``{and_classes}; later calls
        keep them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : array-like of shape (n_samples,)
            {target}; {unlabelled} marks unlabelled rows.{classes_param}
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row.
        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : object
            The estimator.
        """


@_dense_docstring
class NeuralClassifier(_ClassifierNetMixin, _DenseNetMixin, NeuralNetClassifier):
    """Neural network classifier on dense features, with transfer objectives.

    A multi-layer perceptron (:class:`MLPModule`) trained with skorch on a
    2-D float array: the output of any scikit-learn step (averaged word
    vectors of :class:`~sktransfer.embeddings.Word2VecVectorizer`,
    :class:`~sklearn.decomposition.TruncatedSVD` of tf-idf, sentence
    embeddings...). It has the knobs of :class:`TextClassifier` that do not
    depend on documents: the domain contract (``y == -1`` unlabelled rows,
    ``sample_domain``), ``sample_weight``, parameter transfer
    (``init_from``, ``freeze_encoder``, ``unfreeze_at_epoch``),
    domain-adversarial training, deep CORAL, distillation from a
    ``teacher``, one head per domain, early stopping, seeding and
    ``device='auto'``.

    Parameters
    ----------
    {dense_parameters}
    teacher : classifier, default=None
        Knowledge distillation (Hinton et al., 2015): a fitted classifier
        with ``predict_proba`` and the same ``classes_`` as ``y``'s labels,
        which accepts the same ``X`` as this net (see Notes). It is asked
        once per ``fit`` for the probabilities of every row, unlabelled rows
        included, and the network learns to match them. It is never
        trained: ``clone`` shares it; as values of a parameter grid wrap it
        in :class:`~sklearn.frozen.FrozenEstimator`. None turns it off.
    distillation_weight : float, default=0.5
        With a ``teacher``, the loss is ``(1 - distillation_weight)`` times
        the cross-entropy on the labelled rows plus ``distillation_weight``
        times ``T^2 KL(teacher^T || network^T)`` over the labelled and
        unlabelled rows of each batch. 1 learns from the teacher alone.
    temperature : float, default=2.0
        The distillation temperature ``T`` (> 0); 1 matches the
        probabilities as they are.
    heads : {{'shared', 'per_domain'}}, default='shared'
        ``'shared'``: one output layer for all the labelled rows.
        ``'per_domain'``: one head per domain (value of ``sample_domain``)
        with labelled rows, over the shared hidden layers; each domain may
        have its own label set. Needs ``sample_domain`` with labelled rows
        of at least 2 domains.
    task_weights : dict of int to float, default=None
        With ``heads='per_domain'``, the weight of each domain's loss. None
        weighs every domain 1.
    predict_domain : int, default=None
        With ``heads='per_domain'``, the domain whose head ``predict``,
        ``predict_proba``, ``score`` and ``classes_`` use. None means the
        single target domain (negative ``sample_domain``) with labelled
        rows.
    {dense_training}
    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        Loss on the module's logits.
    classes : array-like of shape (n_classes,), default=None
        The labels, in the order of the outputs. None uses the sorted labels
        of the labelled rows of ``y``.
    {dense_tail}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (with ``heads='per_domain'``, those of the head of
        ``predict_domain``).
    domain_classes_ : dict of int to ndarray
        With ``heads='per_domain'`` only: the class labels of each domain's
        head.
    {dense_attributes}

    See Also
    --------
    NeuralRegressor : The same network for regression targets.
    TextClassifier : A network over raw documents, from word vectors.
    sklearn.neural_network.MLPClassifier : scikit-learn's MLP.

    Notes
    -----
    {dense_notes}

    References
    ----------
    .. [1] Y. Ganin et al. "Domain-Adversarial Training of Neural Networks".
       JMLR 17(59), 2016 (``domain_adversarial``).
    .. [2] B. Sun and K. Saenko. "Deep CORAL: Correlation Alignment for Deep
       Domain Adaptation". ECCV 2016 Workshops (``coral_loss``).
    .. [3] G. Hinton, O. Vinyals and J. Dean. "Distilling the Knowledge in a
       Neural Network". 2015 (``teacher``).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.neural import NeuralClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 5))
    >>> y = np.where(X[:, 0] > 0, "pos", "neg")
    >>> clf = NeuralClassifier(hidden_layer_sizes=(16,), max_epochs=30, lr=0.01,
    ...                        device="cpu", random_state=0).fit(X, y)
    >>> clf.classes_
    array(['neg', 'pos'], dtype='<U3')
    >>> clf.predict([[2.0, 0, 0, 0, 0], [-2.0, 0, 0, 0, 0]])
    array(['pos', 'neg'], dtype='<U3')
    >>> clf.score(X, y) > 0.9
    True

    Domain-adversarial training on averaged word vectors, with unlabelled
    target documents (``y == -1``):

    >>> from sklearn.pipeline import make_pipeline
    >>> from sktransfer.embeddings import Word2VecVectorizer
    >>> docs = ["a good film", "a great film", "a bad film", "an awful film",
    ...         "good fun", "awful acting"]
    >>> labels = [1, 1, 0, 0, -1, -1]
    >>> pipe = make_pipeline(
    ...     Word2VecVectorizer(vector_size=8, min_count=1, random_state=0),
    ...     NeuralClassifier(domain_adversarial=0.1, max_epochs=5,
    ...                      device="cpu", random_state=0))
    >>> pipe.fit(docs, labels).predict(["good acting"]).shape
    (1,)
    """

    _parameter_constraints: dict = {
        **_DenseNetMixin._parameter_constraints,
        "teacher": [None, HasMethods(["predict_proba"])],
        "distillation_weight": [Interval(Real, 0, 1, closed="both")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "heads": [StrOptions({"shared", "per_domain"})],
        "task_weights": [dict, None],
        "predict_domain": [Integral, None],
    }

    def __init__(
        self,
        module=MLPModule,
        *,
        hidden_layer_sizes=(100,),
        dropout=0.2,
        init_from=None,
        freeze_encoder=False,
        unfreeze_at_epoch=None,
        domain_adversarial=0.0,
        domain_adversarial_schedule="constant",
        coral_loss=0.0,
        unlabelled_batch_ratio="auto",
        teacher=None,
        distillation_weight=0.5,
        temperature=2.0,
        heads="shared",
        task_weights=None,
        predict_domain=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        random_state=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=50,
        batch_size=64,
        train_split=None,
        callbacks=None,
        classes=None,
        warm_start=False,
        verbose=0,
        device="auto",
        **kwargs,
    ):
        # skorch's parameters and the net's own, set by the base class.
        self._init_net(locals())

    def _encode_targets(self, y, first_fit, classes=None, masks=None):
        if y.dtype.kind == "f":
            # A continuous y is a regression target (scikit-learn's error).
            check_classification_targets(y)
        return super()._encode_targets(y, first_fit, classes, masks=masks)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        return self._fit(
            X, y, sample_domain, fit_params, method="fit", sample_weight=sample_weight
        )

    fit.__doc__ = _FIT_DOC.format(target="Labels of any type", unlabelled="``-1``")

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X,
        y,
        classes=None,
        sample_weight=None,
        *,
        sample_domain=None,
        **fit_params,
    ):
        return self._fit(
            X,
            y,
            sample_domain,
            fit_params,
            method="partial_fit",
            classes=classes,
            sample_weight=sample_weight,
        )

    partial_fit.__doc__ = _PARTIAL_FIT_DOC.format(
        and_classes=" and the classes (give every label in ``classes`` when a "
        "batch may lack some)",
        target="Labels",
        unlabelled="``-1``",
        classes_param="\n        classes : array-like of shape (n_classes,), "
        "default=None\n            All labels, on the first call.",
    )

    def predict_proba(self, X):
        """Class probabilities of rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), dtype float32
            Probabilities, columns ordered as ``classes_``.
        """
        return self._predict_proba(X)

    def predict(self, X):
        """Predict the class of rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self._predict(X)


@_dense_docstring
class NeuralRegressor(_RegressorNetMixin, _DenseNetMixin, NeuralNetRegressor):
    """Neural network regressor on dense features, with transfer objectives.

    The regression counterpart of :class:`NeuralClassifier`: the same
    multi-layer perceptron, one output and the mean squared error loss.
    Rows whose target is NaN are unlabelled.

    Parameters
    ----------
    {dense_parameters}
    teacher : regressor, default=None
        Knowledge distillation: a fitted regressor that accepts the same
        ``X`` as this net (see Notes). It is asked once per ``fit`` for its
        predictions of every row, unlabelled rows included, and the network
        also learns to match them. It is never trained: ``clone`` shares
        it; as values of a parameter grid wrap it in
        :class:`~sklearn.frozen.FrozenEstimator`. None turns it off.
    distillation_weight : float, default=0.5
        With a ``teacher``, the loss is ``(1 - distillation_weight)`` times
        the criterion on the labelled rows plus ``distillation_weight`` times
        the mean squared error to the teacher's predictions over the
        labelled and unlabelled rows of each batch.
    heads : {{'shared', 'per_domain'}}, default='shared'
        ``'shared'``: one output for all the labelled rows.
        ``'per_domain'``: one output per domain (value of ``sample_domain``)
        with labelled rows, over the shared hidden layers. Needs
        ``sample_domain`` with labelled rows of at least 2 domains.
    task_weights : dict of int to float, default=None
        With ``heads='per_domain'``, the weight of each domain's loss. None
        weighs every domain 1.
    predict_domain : int, default=None
        With ``heads='per_domain'``, the domain whose output ``predict`` and
        ``score`` use. None means the single target domain with labelled
        rows.
    {dense_training}
    criterion : torch loss class, default=torch.nn.MSELoss
        Loss between the output and the target.
    {dense_tail}

    Attributes
    ----------
    {dense_attributes}

    See Also
    --------
    NeuralClassifier : The same network for class labels.
    TextRegressor : A network over raw documents, from word vectors.
    sklearn.neural_network.MLPRegressor : scikit-learn's MLP.

    Notes
    -----
    {dense_notes}
    Targets are used on their own scale: scale them (e.g. with
    :class:`~sklearn.compose.TransformedTargetRegressor`) when they are far
    from unit variance.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.neural import NeuralRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X @ [1.0, -2.0, 0.5]
    >>> reg = NeuralRegressor(hidden_layer_sizes=(32,), lr=0.01, max_epochs=50,
    ...                       device="cpu", random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **_DenseNetMixin._parameter_constraints,
        "teacher": [None, HasMethods(["predict"])],
        "distillation_weight": [Interval(Real, 0, 1, closed="both")],
        "heads": [StrOptions({"shared", "per_domain"})],
        "task_weights": [dict, None],
        "predict_domain": [Integral, None],
    }

    def __init__(
        self,
        module=MLPModule,
        *,
        hidden_layer_sizes=(100,),
        dropout=0.2,
        init_from=None,
        freeze_encoder=False,
        unfreeze_at_epoch=None,
        domain_adversarial=0.0,
        domain_adversarial_schedule="constant",
        coral_loss=0.0,
        unlabelled_batch_ratio="auto",
        teacher=None,
        distillation_weight=0.5,
        heads="shared",
        task_weights=None,
        predict_domain=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        random_state=None,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=50,
        batch_size=64,
        train_split=None,
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        **kwargs,
    ):
        # skorch's parameters and the net's own, set by the base class.
        self._init_net(locals())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        return self._fit(
            X, y, sample_domain, fit_params, method="fit", sample_weight=sample_weight
        )

    fit.__doc__ = _FIT_DOC.format(target="Numeric targets", unlabelled="NaN")

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X,
        y,
        classes=None,
        sample_weight=None,
        *,
        sample_domain=None,
        **fit_params,
    ):
        return self._fit(
            X,
            y,
            sample_domain,
            fit_params,
            method="partial_fit",
            sample_weight=sample_weight,
        )

    partial_fit.__doc__ = _PARTIAL_FIT_DOC.format(
        and_classes="",
        target="Numeric targets",
        unlabelled="NaN",
        classes_param=(
            "\n        classes : None\n            Unused; present for API consistency."
        ),
    )

    @available_if(lambda est: False)
    def predict_proba(self, X):
        """Not available: a regressor has no probabilities."""

    def predict(self, X):
        """Predict the target of rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), dtype float64
            Predictions.
        """
        return self._predict(X)
