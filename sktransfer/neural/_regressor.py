"""The neural text regressor."""

from numbers import Integral, Real

import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from skorch import NeuralNetRegressor

from sktransfer.neural._base import _TextNetMixin
from sktransfer.neural._docstring import text_net_docstring
from sktransfer.neural._module import TextModule
from sktransfer.neural._targets import _RegressorNetMixin
from sktransfer.neural._vocabulary import DEFAULT_TOKEN_PATTERN

__all__ = ["TextRegressor"]


@text_net_docstring
class TextRegressor(_RegressorNetMixin, _TextNetMixin, NeuralNetRegressor):
    """Neural text regressor that starts from pretrained word vectors.

    The regression counterpart of :class:`TextClassifier`: the same
    vocabulary, embeddings and encoders, one output and the mean squared
    error loss. Rows whose target is NaN are unlabelled.

    Parameters
    ----------
    {shared_parameters}
    criterion : torch loss class, default=torch.nn.MSELoss
        Loss between the output and the target.
    teacher : regressor, default=None
        Knowledge distillation: a fitted regressor (any scikit-learn pipeline
        over the same documents). It is asked once per ``fit`` for its
        predictions of every row, unlabelled rows included, and the network
        also learns to match them (see ``distillation_weight``). It is never
        trained: ``clone`` shares it; as values of a parameter grid wrap it
        in :class:`~sklearn.frozen.FrozenEstimator`. None turns it off.
    distillation_weight : float, default=0.5
        With a ``teacher``, the loss is ``(1 - distillation_weight)`` times
        the criterion on the labelled rows plus ``distillation_weight`` times
        the mean squared error between the network's and the teacher's
        predictions over the labelled and unlabelled rows of each batch.
    heads : {'shared', 'per_domain'}, default='shared'
        ``'shared'``: one output for all the labelled rows.
        ``'per_domain'``: multi-task learning, one output per domain (value
        of ``sample_domain``) with labelled rows, over the shared embeddings
        and encoder; each output learns from its domain's rows only, with
        the squared error. Needs ``sample_domain`` with labelled rows of at
        least 2 domains.
    task_weights : dict of int to float, default=None
        With ``heads='per_domain'``, the weight of each domain's loss: the
        loss of a batch is the sum over the domains of the weight times the
        mean loss of the domain's rows. None weighs every domain 1; domains
        left out weigh 1.
    predict_domain : int, default=None
        With ``heads='per_domain'``, the domain whose output ``predict`` and
        ``score`` use (it can be changed after ``fit``). None means the
        single target domain (negative ``sample_domain``) with labelled rows.
    {kwargs}

    Attributes
    ----------
    {shared_attributes}

    See Also
    --------
    TextClassifier : The same network for class labels.

    Notes
    -----
    Targets are used on their own scale (they are not standardised); scale
    them (e.g. with :class:`~sklearn.compose.TransformedTargetRegressor`) when
    they are far from unit variance.

    Examples
    --------
    >>> from sktransfer.neural import TextRegressor
    >>> X = ["a good film", "a great film", "a bad film", "an awful film"]
    >>> y = [1.0, 2.0, -1.0, -2.0]
    >>> reg = TextRegressor(embedding_dim=8, hidden_size=8, max_epochs=5,
    ...                     device="cpu", random_state=0).fit(X, y)
    >>> reg.predict(["a good film"]).shape
    (1,)
    """

    _parameter_constraints: dict = {
        **_TextNetMixin._parameter_constraints,
        "teacher": [None, HasMethods(["predict"])],
        "distillation_weight": [Interval(Real, 0, 1, closed="both")],
        "heads": [StrOptions({"shared", "per_domain"})],
        "task_weights": [dict, None],
        "predict_domain": [Integral, None],
    }

    def __init__(
        self,
        module=TextModule,
        *,
        encoder="mean",
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
        init_from=None,
        freeze_encoder=False,
        unfreeze_at_epoch=None,
        embedding_lr=None,
        lm_pretraining_epochs=0,
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
        max_epochs=10,
        batch_size=64,
        train_split=None,
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        **kwargs,
    ):
        # skorch's parameters and the text nets' own, set by the base class.
        self._init_text_net(locals())

    @_fit_context(prefer_skip_nested_validation=True)
    @text_net_docstring
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Learn the vocabulary and train the network on the labelled rows.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents of all domains (strings, or lists of tokens).
        y : array-like of shape (n_samples,)
            Targets; NaN marks unlabelled rows (never modified).
        {fit_sample_weight}
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row (non-negative: source, negative: target).
        **fit_params : dict
            Passed to skorch (its train split and the module's ``forward``).

        Returns
        -------
        self : object
            The fitted regressor.
        """
        return self._fit(
            X, y, sample_domain, fit_params, method="fit", sample_weight=sample_weight
        )

    @_fit_context(prefer_skip_nested_validation=True)
    @text_net_docstring
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
        """Train for ``max_epochs`` more epochs without re-initialising.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents (the first call learns the vocabulary).
        y : array-like of shape (n_samples,)
            Targets; NaN marks unlabelled rows.
        classes : None
            Unused; present for API consistency.
        {fit_sample_weight}
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row.
        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : object
            The regressor.
        """
        return self._fit(
            X,
            y,
            sample_domain,
            fit_params,
            method="partial_fit",
            sample_weight=sample_weight,
        )

    @available_if(lambda est: False)
    def predict_proba(self, X):
        """Not available: a regressor has no probabilities."""

    def predict(self, X):
        """Predict the target of documents.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), dtype float64
            Predictions.
        """
        return self._predict(X)
