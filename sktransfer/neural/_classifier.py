"""The neural text classifier."""

from numbers import Integral, Real

import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from skorch import NeuralNetClassifier

from sktransfer.neural._base import _TextNetMixin
from sktransfer.neural._docstring import text_net_docstring
from sktransfer.neural._module import TextModule
from sktransfer.neural._targets import _ClassifierNetMixin, encode_labels
from sktransfer.neural._vocabulary import DEFAULT_TOKEN_PATTERN

# (encode_labels: re-exported for the transformer fine-tuners.)
__all__ = ["TextClassifier", "encode_labels"]


@text_net_docstring
class TextClassifier(_ClassifierNetMixin, _TextNetMixin, NeuralNetClassifier):
    """Neural text classifier that starts from pretrained word vectors.

    A skorch :class:`~skorch.NeuralNetClassifier` over raw documents: ``fit``
    tokenises the documents (with the settings of
    :class:`~sktransfer.embeddings.Word2VecVectorizer`), learns a vocabulary
    from all of them (unlabelled rows included, so target-domain words get a
    vector), initialises the embedding layer from ``embeddings`` and trains a
    :class:`TextModule` (mean, CNN or LSTM encoder) on the labelled rows with
    the cross-entropy loss. The transfer knobs (freezing, gradual
    unfreezing, a separate learning rate for the word vectors) are plain
    parameters, so :class:`~sklearn.model_selection.GridSearchCV` searches
    them; skorch's callbacks, ``history_`` and ``module__*`` parameters work
    as usual.

    Parameters
    ----------
    {shared_parameters}
    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        Loss on the module's logits.
    classes : array-like of shape (n_classes,), default=None
        The labels, in the order of the outputs. None uses the sorted labels
        of the labelled rows of ``y``.
    teacher : classifier, default=None
        Knowledge distillation (Hinton et al., 2015): a fitted classifier
        with ``predict_proba`` and the same ``classes_`` as ``y``'s labels
        (any scikit-learn pipeline over the same documents, typically a
        stronger or a shallow adapted model). It is asked once per ``fit``
        for the probabilities of every row, unlabelled rows included, and
        the network learns to match them (see ``distillation_weight``). It
        is never trained: ``clone`` shares it; as values of a parameter grid
        (which scikit-learn clones) wrap it in
        :class:`~sklearn.frozen.FrozenEstimator`. None turns it off.
    distillation_weight : float, default=0.5
        With a ``teacher``, the loss is ``(1 - distillation_weight)`` times
        the cross-entropy on the labelled rows plus ``distillation_weight``
        times ``T^2 KL(teacher^T || network^T)`` over the labelled and
        unlabelled rows of each batch, where ``p^T`` is ``p`` softened by
        the temperature ``T``. 1 learns from the teacher alone.
    temperature : float, default=2.0
        The distillation temperature ``T`` (> 0): the teacher's and the
        network's probabilities are softened as ``softmax(log p / T)``; 1
        matches the probabilities as they are.
    heads : {'shared', 'per_domain'}, default='shared'
        ``'shared'``: one output layer for all the labelled rows.
        ``'per_domain'``: multi-task learning, one head per domain (value of
        ``sample_domain``) with labelled rows, over the shared embeddings and
        encoder. Each domain may have its own label set (2-class sentiment on
        one, 5-class ratings on another; or a source task and a few labelled
        target rows); each head learns from its domain's rows only, with the
        cross-entropy. Needs ``sample_domain`` with labelled rows of at least
        2 domains.
    task_weights : dict of int to float, default=None
        With ``heads='per_domain'``, the weight of each domain's loss: the
        loss of a batch is the sum over the domains of the weight times the
        mean loss of the domain's rows (``L_source + lambda * L_target`` with
        ``{{0: 1.0, -1: lambda}}``). None weighs every domain 1; domains left
        out weigh 1.
    predict_domain : int, default=None
        With ``heads='per_domain'``, the domain whose head ``predict``,
        ``predict_proba``, ``score`` and ``classes_`` use (it can be changed
        after ``fit``). None means the single target domain (negative
        ``sample_domain``) with labelled rows.
    {kwargs}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, as given in ``y`` (strings stay strings); with
        ``heads='per_domain'``, those of the head of ``predict_domain``.
    domain_classes_ : dict of int to ndarray
        With ``heads='per_domain'`` only: the class labels of each domain's
        head.
    {shared_attributes}

    See Also
    --------
    TextRegressor : The same network for regression targets.
    sktransfer.embeddings.Word2VecVectorizer : Train the word vectors.

    Notes
    -----
    The domain contract of :func:`sktransfer.utils.check_domains` applies:
    rows with ``y == -1`` are unlabelled. They are left out of the loss but
    their words enter the vocabulary. ``fit`` and ``score`` accept
    ``sample_domain`` and request it for metadata routing by default.

    ``domain_adversarial``, ``coral_loss`` and ``teacher`` also train on the
    unlabelled rows: see the "Transfer objectives" page of the user guide.

    ``predict`` and ``predict_proba`` also accept a torch ``Dataset`` of token
    ids (as skorch's scoring callbacks pass); ``predict`` then returns class
    indices, which match the encoded targets such datasets hold.

    References
    ----------
    .. [1] Y. Kim. "Convolutional Neural Networks for Sentence
       Classification". EMNLP, 2014.
    .. [2] J. Howard and S. Ruder. "Universal Language Model Fine-tuning for
       Text Classification". ACL, 2018 (gradual unfreezing, discriminative
       learning rates).
    .. [3] Y. Ganin et al. "Domain-Adversarial Training of Neural Networks".
       JMLR 17(59), 2016 (``domain_adversarial``).
    .. [4] B. Sun and K. Saenko. "Deep CORAL: Correlation Alignment for Deep
       Domain Adaptation". ECCV 2016 Workshops (``coral_loss``).
    .. [5] G. Hinton, O. Vinyals and J. Dean. "Distilling the Knowledge in a
       Neural Network". 2015 (``teacher``).

    Examples
    --------
    >>> from sktransfer.neural import TextClassifier
    >>> X = ["a good film", "a great film", "a bad film", "an awful film",
    ...      "good fun", "great fun", "bad acting", "awful acting"]
    >>> y = ["pos", "pos", "neg", "neg", "pos", "pos", "neg", "neg"]
    >>> clf = TextClassifier(embedding_dim=16, hidden_size=16, max_epochs=30,
    ...                      lr=0.01, device="cpu", random_state=0)
    >>> clf.fit(X, y).classes_
    array(['neg', 'pos'], dtype='<U3')
    >>> clf.predict(["good film", "awful film"])
    array(['pos', 'neg'], dtype='<U3')
    >>> clf.predict_proba(["great acting"]).shape
    (1, 2)
    """

    _parameter_constraints: dict = {
        **_TextNetMixin._parameter_constraints,
        "teacher": [None, HasMethods(["predict_proba"])],
        "distillation_weight": [Interval(Real, 0, 1, closed="both")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
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
        max_epochs=10,
        batch_size=64,
        train_split=None,
        callbacks=None,
        classes=None,
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
            Labels of any type; ``-1`` marks unlabelled rows (never modified).
        {fit_sample_weight}
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row (non-negative: source, negative: target), as in
            :func:`sktransfer.utils.check_domains`.
        **fit_params : dict
            Passed to skorch (its train split and the module's ``forward``).

        Returns
        -------
        self : object
            The fitted classifier.
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

        The first call learns the vocabulary and the classes (give every
        label in ``classes`` when a batch may lack some); later calls keep
        them.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.
        y : array-like of shape (n_samples,)
            Labels; ``-1`` marks unlabelled rows.
        classes : array-like of shape (n_classes,), default=None
            All labels, on the first call.
        {fit_sample_weight}
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row.
        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : object
            The classifier.
        """
        return self._fit(
            X,
            y,
            sample_domain,
            fit_params,
            method="partial_fit",
            classes=classes,
            sample_weight=sample_weight,
        )

    def predict_proba(self, X):
        """Class probabilities of documents.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), dtype float32
            Probabilities, columns ordered as ``classes_``.
        """
        return self._predict_proba(X)

    def predict(self, X):
        """Predict the class of documents.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self._predict(X)
