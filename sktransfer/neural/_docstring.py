"""Docstring text shared by the text nets.

The parameters, attributes and method arguments that :class:`TextClassifier`
and :class:`TextRegressor` share are written once here and filled into their
docstrings, at ``{name}`` placeholder lines, by the package's one docstring
mechanism, :class:`sktransfer.utils._docstring.Substitution`.
"""

from textwrap import dedent

from sktransfer.utils._docstring import Substitution

__all__ = ["text_net_docstring"]


_SHARED_PARAMETERS = r"""
    module : torch.nn.Module class, default=TextModule
        The network, as a class (never an instance: an instance would be
        shared by every fit and clone). It is built in ``fit`` with the
        keyword arguments ``vocab_size``, ``n_outputs``, ``encoder``,
        ``embedding_dim``, ``hidden_size``, ``dropout`` and ``embeddings``
        (the initial word vectors), plus any ``module__<name>`` parameter
        (e.g. ``module__kernel_sizes=(2, 3)``). A custom module must name its
        embedding layer ``embedding`` for freezing and ``embedding_lr``.
    encoder : {'mean', 'cnn', 'lstm'}, default='mean'
        Document encoder of :class:`TextModule`: the mean of the word vectors
        followed by a ReLU layer; convolutions of widths 3, 4 and 5 with
        max-over-time pooling (Kim, 2014); or a bidirectional LSTM.
    embedding_dim : int, default=None
        Dimension of the word vectors, at most 10,000. None means the
        dimension of ``embeddings`` (which must match when both are given),
        else 100.
    hidden_size : int, default=100
        Units of the mean encoder's hidden layer, filters per width of the CNN,
        or LSTM units per direction (at most 4,096).
    dropout : float, default=0.2
        Dropout rate on the document vector.
    max_length : int, default=256
        Keep at most this many (in-vocabulary) tokens of each document. None
        keeps every token. Token ids are held per document (memory grows with
        the number of tokens, not documents x longest document) and each
        batch is padded to its own longest document.
    lowercase : bool, default=True
        Lowercase string documents before tokenising.
    token_pattern : str or None, default=r"(?u)\b\w\w+\b"
        Regular expression of a token (scikit-learn's default); None splits on
        whitespace. Ignored when ``tokenizer`` is given. Use the settings the
        ``embeddings`` were trained with, so that words match.
    tokenizer : callable, default=None
        Function from a (lowercased) string to a list of tokens; must be
        picklable for the estimator to be. Pre-tokenised documents (lists of
        str) are used as they are.
    min_count : int, default=1
        Keep words seen at least this many times in the documents given to
        ``fit`` (labelled and unlabelled alike).
    max_vocab_size : int, default=None
        Keep at most this many words, the most frequent ones. None keeps all.
    embeddings : Word2VecVectorizer, KeyedVectors or path, default=None
        Pretrained word vectors that initialise the embedding layer: a fitted
        :class:`~sktransfer.embeddings.Word2VecVectorizer` (also wrapped in
        :class:`~sklearn.frozen.FrozenEstimator`), gensim ``KeyedVectors``, or
        the path of a word2vec or GloVe vector file (read in ``fit`` with
        :func:`~sktransfer.embeddings.load_vectors`, which never unpickles: pass
        a trusted gensim file as ``load_vectors(path, format='gensim')``). Words
        of the vocabulary without a vector get random rows of the same scale.
        ``clone`` shares vectorizers and KeyedVectors instead of copying them;
        as values of a parameter grid (which scikit-learn clones), use
        ``FrozenEstimator(vectorizer)`` or a path. The estimator pickles with
        what is given here: a path keeps pickles small. None starts from
        random vectors.
    freeze_embeddings : bool, default=False
        Keep the word vectors fixed during training.
    init_from : TextClassifier, TextRegressor or path, default=None
        A fitted model whose parameters initialise this one (parameter
        transfer): a fitted :class:`TextClassifier` or :class:`TextRegressor`,
        the same wrapped in :class:`~sklearn.frozen.FrozenEstimator`, or the
        path of a file written by :meth:`save_weights`. After the module is
        built in ``fit``, the embedding rows of the words both vocabularies
        share are copied (the other rows keep their initialisation from
        ``embeddings``; without ``embeddings`` they are random rows at the
        scale of the copied ones, and all the documents given to ``fit``,
        unlabelled ones included, extend the vocabulary that can be copied);
        the encoder is copied, which requires the same
        ``encoder``, embedding dimension and ``hidden_size`` (a ValueError
        says what differs); the head is copied only when the outputs are the
        same: the same ``classes_`` in the same order for a classifier, any
        regressor source for a regressor. ``transferred_`` records what was
        copied. When ``embedding_dim`` and ``embeddings`` are None, the
        embedding dimension of ``init_from`` is used. ``clone`` shares the
        model instead of un-fitting it; ``warm_start`` and ``partial_fit``
        transfer only when they initialise the module. The estimator pickles
        with what is given here: a path keeps pickles small.
    freeze_encoder : bool, default=False
        Keep the encoder's weights fixed during training (typically the
        encoder copied from ``init_from``); the embeddings and the head still
        train unless ``freeze_embeddings`` is set.
    unfreeze_at_epoch : int, default=None
        Gradual unfreezing (Howard and Ruder, 2018): only the head trains
        before this epoch (1-based); the encoder joins it at this epoch and
        the word vectors the epoch after (at this epoch with
        ``freeze_encoder``, which keeps the encoder fixed throughout),
        whatever ``freeze_embeddings`` says. None keeps ``freeze_encoder`` and
        ``freeze_embeddings`` for the whole training.
    embedding_lr : float, default=None
        Learning rate of the word vectors (a parameter group of its own),
        typically smaller than ``lr`` for pretrained vectors. None uses
        ``lr``.
    lm_pretraining_epochs : int, default=0
        Language-model pretraining before the task's training (ULMFiT's
        fine-tuning of the language model on the target text; Howard and
        Ruder, 2018): this many epochs of next-word prediction over every
        document given to ``fit``, unlabelled and target rows included, with
        AdamW at ``lr`` (``embedding_lr`` for the word vectors, which stay
        fixed with ``freeze_embeddings``). Needs ``encoder='lstm'``: the
        forward direction of the bidirectional LSTM predicts each next word
        and the backward direction each previous word (ELMo's objective), so
        no output sees the word it predicts; the output layer, shared by the
        two directions, is a softmax over the whole vocabulary (an adaptive
        softmax above 2,000 words, so a step costs about the same whatever
        the vocabulary's size). Only the embeddings and the encoder
        are kept for the task. The mean loss of each epoch is in
        ``lm_losses_``. ``init_from`` is applied first, so a model pretrained
        on a large corpus (:class:`TextLanguageModel`) is fine-tuned here on
        the fit's documents. 0 skips it.
    domain_adversarial : float, default=0.0
        Domain-adversarial training (DANN, Ganin et al., 2016) when > 0: a
        domain head (one ReLU layer) learns to tell the target rows from the
        source rows through a gradient reversal layer, which sends its
        gradient back to the encoder negated and times this value, so the
        encoder learns features the head cannot tell apart. Every training
        batch of labelled rows is joined by unlabelled rows (see
        ``unlabelled_batch_ratio``), and the head's cross-entropy weighs the
        source and the target rows of the batch half each, however many
        there are of each. Needs target rows (``y == -1``, NaN for a
        regressor, or a negative ``sample_domain``). 0 turns it off (no
        domain head).
    domain_adversarial_schedule : {'constant', 'ganin'}, default='constant'
        ``'ganin'`` ramps the reversal weight from 0 up to
        ``domain_adversarial`` over the training steps as in the paper
        (``2 / (1 + exp(-10 p)) - 1`` at progress ``p``); ``'constant'`` uses
        ``domain_adversarial`` from the first step.
    coral_loss : float, default=0.0
        Deep CORAL (Sun and Saenko, 2016) when > 0: adds this weight times
        ``||C_S - C_T||_F^2 / (4 d^2)``, the distance between the
        covariances of the encoder's features (the document vectors, of size
        ``d``) on the source and on the target rows of each training batch
        (joined by unlabelled rows, see ``unlabelled_batch_ratio``; a batch
        with fewer than 2 rows of either kind adds 0). Needs target rows. 0
        turns it off.
    unlabelled_batch_ratio : float or 'auto', default='auto'
        With ``domain_adversarial``, ``coral_loss`` or a ``teacher``, every
        training batch of ``n`` labelled rows is joined by
        ``ceil(unlabelled_batch_ratio * n)`` unlabelled rows, drawn in
        shuffled cycles (every unlabelled row is drawn once per cycle); a
        float in (0, 16]. 1 gives the balanced batches of Ganin et al. (as
        many target rows as source rows). ``'auto'`` is 0.5 with
        ``domain_adversarial`` or ``coral_loss`` (fewer rows make a step
        cheaper; their terms only read the target rows' statistics, whose
        extra noise cost no accuracy on the bundled domains) and 1 with a
        ``teacher`` alone (each unlabelled row brings the teacher's outputs:
        half as many lost about 0.003 of balanced accuracy there). Without
        these objectives it is unused.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the labelled rows (stratified for
        classification), stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs and restore the weights of the epoch with
        the lowest validation loss (checkpointed in a private temporary
        directory per fit, removed afterwards: safe in parallel searches).
    validation_fraction : float, default=0.1
        Share of the labelled rows held out by ``early_stopping``.
    n_iter_no_change : int, default=5
        Patience of ``early_stopping``, in epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the random rows of words without a
        pretrained vector, dropout, the shuffling of the batches and the
        validation split. The caller's global torch and numpy random states
        are left unchanged when an int is given. None draws a seed from
        numpy's global random state.
    optimizer : torch optimizer class, default=torch.optim.AdamW
        Optimizer; its parameters are set with ``optimizer__<name>``. Adam
        and AdamW run fused (``optimizer__fused=True``, one kernel for all
        parameters) where PyTorch supports it (CUDA; CPU from torch 2.4),
        unless ``optimizer__fused`` or ``optimizer__foreach`` is set.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=10
        Number of passes over the labelled rows (at most 10,000).
    batch_size : int, default=64
        Documents per batch.
    train_split : callable, default=None
        skorch's internal validation split. None (no split) unless
        ``early_stopping`` is on; a value given here overrides it.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks, added to the built-in ones (loss logging,
        freezing, early stopping).
    warm_start : bool, default=False
        Whether ``fit`` continues training the fitted module (keeping its
        vocabulary and classes) instead of starting anew.
    verbose : int, default=0
        1 prints skorch's per-epoch table of losses (and the share of words
        with a pretrained vector); 2 also shows a progress bar over batches.
    device : str, torch.device or None, default='auto'
        Where to train and predict: 'auto', 'cpu', 'cuda' or any torch
        device. ``'auto'`` is ``'cuda'`` when PyTorch sees a GPU, else
        ``'cpu'``; it is resolved whenever the net uses the device, so
        ``get_params`` and ``clone`` keep ``'auto'`` and a model trained on a
        GPU predicts on a CPU-only machine once unpickled.
"""

_KWARGS = """
    **kwargs : dict
        Other skorch parameters (``iterator_train``, ``dataset``,
        ``predict_nonlinearity``, ``compile``, ...) and double-underscore
        parameters: ``module__*``, ``optimizer__*``, ``criterion__*``,
        ``iterator_train__*``, ``iterator_valid__*``, ``callbacks__*``.
"""

_SHARED_ATTRIBUTES = """
    vocabulary_ : dict of str to int
        Word to row of the embedding matrix (row 0 is padding).
    embedding_coverage_ : float
        Share of the vocabulary initialised from ``embeddings`` (0.0 without
        embeddings).
    transferred_ : dict
        What ``init_from`` initialised: ``'embedding'``, the share of the
        vocabulary whose rows were copied (0.0 without ``init_from``), and
        ``'encoder'`` and ``'head'``, whether they were copied.
    module_ : torch.nn.Module
        The trained network.
    lm_losses_ : list of float
        Mean language-model loss of each ``lm_pretraining_epochs`` epoch
        (empty without it).
    domain_classifier_ : torch.nn.Module
        The domain head, trained with ``domain_adversarial > 0`` only.
    history_ : skorch.History
        Per-epoch (and per-batch) losses and timings; also ``history``.
        With a transfer objective on, ``train_loss`` is the loss minimised
        and each of its terms is recorded too: ``train_loss_task`` (the
        criterion on the labelled rows), ``train_loss_distillation``,
        ``train_loss_coral`` and ``train_loss_domain`` (the domain head's
        cross-entropy), each the mean over the epoch's batches.
"""


# An argument of fit and partial_fit.
_FIT_SAMPLE_WEIGHT = """
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss: each batch's loss is the weighted
            mean of its labelled rows' losses (unlabelled rows have none).
            None weighs every row the same.
"""

#: Fills the shared text into the docstrings of the text nets and their
#: methods.
text_net_docstring = Substitution(
    shared_parameters=dedent(_SHARED_PARAMETERS),
    kwargs=dedent(_KWARGS),
    shared_attributes=dedent(_SHARED_ATTRIBUTES),
    fit_sample_weight=dedent(_FIT_SAMPLE_WEIGHT),
)
