"""Cross-validation splitters that keep source and target rows in every fold.

Every splitter reads domains with :func:`sktransfer.utils.check_domains`, so it
follows the project's domain contract:

* with metadata routing disabled (scikit-learn's default), domains are implicit
  in ``y``: labelled rows are the source domain, rows whose ``y`` is ``-1``
  (NaN for regression) the target domain. A stock ``GridSearchCV`` passes ``y``
  to the splitter, so nothing else is needed. ``groups`` may also carry domain
  labels (same encoding as ``sample_domain``), which is how
  :class:`LeaveOneDomainOut` is used without routing;
* with metadata routing enabled, every splitter requests ``sample_domain`` for
  ``split`` by default, so ``GridSearchCV(...).fit(X, y, sample_domain=sd)`` or
  ``cross_validate(..., params={"sample_domain": sd})`` routes it to the
  splitter as well as to the estimator.

Only public scikit-learn APIs are used.
"""

import inspect
import numbers
import warnings

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state

from sktransfer.utils._domains import check_domains
from sktransfer.utils._validation import num_rows

__all__ = ["DomainShuffleSplit", "DomainStratifiedKFold", "LeaveOneDomainOut"]


def _read_domains(splitter, X, y, groups, sample_domain):
    """Validate the domain information given to a splitter.

    ``groups`` is read as ``sample_domain`` when ``sample_domain`` is None.
    """
    name = type(splitter).__name__
    if groups is not None:
        if sample_domain is None:
            sample_domain = groups
        elif not np.array_equal(np.asarray(groups), np.asarray(sample_domain)):
            raise ValueError(
                f"{name} reads groups as domain labels when sample_domain is "
                "not given; got both, and they differ. Pass only sample_domain."
            )
    n_samples = num_rows(X)
    if y is None and sample_domain is None:
        raise ValueError(
            f"{name} needs y (labelled rows are the source domain, y == -1 or "
            "NaN rows the target domain) or sample_domain to find the domains; "
            "got neither."
        )
    return check_domains(y, sample_domain, n_samples=n_samples, estimator_name=name)


def _check_two_domains(splitter, masks):
    name = type(splitter).__name__
    if not masks.has_target:
        raise ValueError(
            f"{name} found no target rows (no y == -1 / NaN rows and no negative "
            "sample_domain): every fold would hold source rows only. Mark "
            "unlabelled target rows with y == -1 (NaN for regression), pass "
            "sample_domain, or use a scikit-learn splitter for single-domain data."
        )
    if not masks.has_source:
        raise ValueError(
            f"{name} found no source rows (no labelled rows and no non-negative "
            "sample_domain): there is nothing to fit on. Give labelled source "
            "rows, or pass sample_domain."
        )


def _domain_order(sample_domain):
    """Domains in a fixed order: sources 0, 1, ... then targets -1, -2, ..."""
    domains = np.unique(sample_domain)
    return [int(d) for d in domains[domains >= 0]] + [
        int(d) for d in domains[domains < 0][::-1]
    ]


def _check_n_splits(n_splits, minimum, name):
    if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
        raise TypeError(
            f"{name}: n_splits must be an integer, got {n_splits!r} of type "
            f"{type(n_splits).__name__}."
        )
    if n_splits < minimum:
        raise ValueError(
            f"{name}: n_splits must be at least {minimum}, got {n_splits}."
        )


def _check_size(value, param, name, allow_none):
    if value is None:
        if allow_none:
            return
        raise ValueError(f"{name}: {param} must be a float in (0, 1) or an int >= 1.")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}: {param} must be a float in (0, 1) or an int >= 1, got "
            f"{value!r} of type {type(value).__name__}."
        )
    if isinstance(value, numbers.Integral):
        if value < 1:
            raise ValueError(f"{name}: {param} must be an int >= 1, got {value}.")
    elif not 0.0 < value < 1.0:
        raise ValueError(
            f"{name}: {param} must be a float in (0, 1) (a fraction of each "
            f"domain), got {value}."
        )


class _DomainSplitterMixin:
    """What every domain splitter shares.

    A ``__repr__`` in scikit-learn's style, built from the ``__init__``
    signature, and the request of ``sample_domain`` for ``split``.
    """

    __metadata_request__split = {"sample_domain": True}

    def _param_names(self):
        params = inspect.signature(type(self).__init__).parameters.values()
        return sorted(p.name for p in params if p.name != "self")

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._param_names())
        return f"{type(self).__name__}({args})"


class _TwoDomainSplitter(_DomainSplitterMixin, BaseCrossValidator):
    """Base of the splitters that keep source and target rows in every fold.

    :meth:`split` reads and checks the domains; subclasses implement
    ``_iter_splits(masks)``, yielding ``(train, test)`` index arrays.
    """

    def split(self, X, y=None, groups=None, *, sample_domain=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents of n_samples rows
            Source and target rows together.
        y : array-like of shape (n_samples,), default=None
            Labels; ``-1`` (NaN for regression) marks unlabelled rows, which
            form the target domain when neither ``sample_domain`` nor
            ``groups`` is given.
        groups : array-like of int of shape (n_samples,), default=None
            Domain labels, read as ``sample_domain`` when that is None (for use
            without metadata routing).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row: non-negative for source, negative for target.

        Yields
        ------
        train : ndarray
            The training set indices for that split, sorted.
        test : ndarray
            The testing set indices for that split, sorted.
        """
        masks = _read_domains(self, X, y, groups, sample_domain)
        _check_two_domains(self, masks)
        yield from self._iter_splits(masks)

    def get_n_splits(self, X=None, y=None, groups=None, *, sample_domain=None):
        """Return the number of splitting iterations, ``n_splits``.

        Parameters
        ----------
        X : object, default=None
            Ignored.
        y : object, default=None
            Ignored.
        groups : object, default=None
            Ignored.
        sample_domain : object, default=None
            Ignored.

        Returns
        -------
        n_splits : int
            The number of splits.
        """
        return self.n_splits


class DomainShuffleSplit(_TwoDomainSplitter):
    """Shuffle split run separately within each domain.

    Each split draws a random test set of ``test_size`` rows (and a train set
    of ``train_size`` rows) inside every domain separately and concatenates
    them, so every train set and every test set holds rows of every domain:
    labelled source rows and unlabelled target rows alike. Adapters in the
    pipeline therefore always see target rows during ``fit``, and target-based
    scorers (:func:`prediction_entropy_scorer`, :func:`reverse_validation_scorer`)
    always find target rows in the test set.

    Parameters
    ----------
    n_splits : int, default=5
        Number of re-shuffling and splitting iterations.
    test_size : float or int, default=0.2
        A float in (0, 1) is the fraction of each domain put in the test set
        (rounded up); an int is the number of test rows taken from each domain.
    train_size : float or int, default=None
        The same for the train set (a float is rounded down). None puts every
        row not in the test set in the train set.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling. Pass an int for the same splits at every call of
        ``split``.

    See Also
    --------
    DomainStratifiedKFold : K-fold stratified by domain and label.
    LeaveOneDomainOut : One held-out source domain per split.
    sklearn.model_selection.ShuffleSplit : The single-domain version.

    Notes
    -----
    Domains are read from ``sample_domain`` when it is given (routed by
    scikit-learn's metadata routing: this splitter requests it for ``split``
    by default), else from ``groups`` (same encoding), else from ``y``:
    labelled rows form the source domain and ``y == -1`` (NaN for regression)
    rows the target domain. With several source or target domains each one is
    split separately. Each domain needs at least two rows (one for the train
    set, one for the test set). Returned indices are sorted.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import DomainShuffleSplit
    >>> X = np.arange(10).reshape(-1, 1)
    >>> y = np.array([0, 1, 0, 1, 0, 1, -1, -1, -1, -1])  # 4 target rows
    >>> cv = DomainShuffleSplit(n_splits=2, test_size=0.25, random_state=0)
    >>> cv
    DomainShuffleSplit(n_splits=2, random_state=0, test_size=0.25, train_size=None)
    >>> for train, test in cv.split(X, y):
    ...     print(train, test)
    [0 1 3 4 6 7 8] [2 5 9]
    [0 2 4 5 6 8 9] [1 3 7]
    """

    def __init__(
        self, n_splits=5, *, test_size=0.2, train_size=None, random_state=None
    ):
        name = type(self).__name__
        _check_n_splits(n_splits, 1, name)
        _check_size(test_size, "test_size", name, allow_none=False)
        _check_size(train_size, "train_size", name, allow_none=True)
        if (
            isinstance(test_size, float)
            and isinstance(train_size, float)
            and test_size + train_size > 1.0
        ):
            raise ValueError(
                f"{name}: test_size + train_size must be at most 1, got "
                f"{test_size} + {train_size} = {test_size + train_size}."
            )
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = random_state

    def _sizes(self, n, domain):
        """Return (n_train, n_test) for a domain of ``n`` rows."""
        if isinstance(self.test_size, numbers.Integral):
            n_test = int(self.test_size)
        else:
            n_test = int(np.ceil(self.test_size * n))
        if self.train_size is None:
            n_train = n - n_test
        elif isinstance(self.train_size, numbers.Integral):
            n_train = int(self.train_size)
        else:
            n_train = int(np.floor(self.train_size * n))
        if n_test < 1 or n_train < 1 or n_train + n_test > n:
            raise ValueError(
                f"{type(self).__name__}: domain {domain} has {n} rows, too few "
                f"for test_size={self.test_size!r} and "
                f"train_size={self.train_size!r}: the train set would get "
                f"{n_train} and the test set {n_test} of its rows. Every domain "
                "needs at least one row in each."
            )
        return n_train, n_test

    def _iter_splits(self, masks):
        parts = []
        for d in _domain_order(masks.sample_domain):
            idx = np.flatnonzero(masks.sample_domain == d)
            parts.append((idx, *self._sizes(idx.shape[0], d)))
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            train, test = [], []
            for idx, n_train, n_test in parts:
                perm = rng.permutation(idx)
                test.append(perm[:n_test])
                train.append(perm[n_test : n_test + n_train])
            yield np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


class DomainStratifiedKFold(_TwoDomainSplitter):
    """K-fold stratified by domain and class label.

    Rows are grouped into strata: one per (domain, class) pair for labelled
    rows and one per domain for unlabelled rows. Each stratum is spread
    evenly over the ``n_splits`` test folds, and so is each domain as a whole,
    so every fold keeps source and target rows in the proportions of the data
    set and each domain keeps its class balance. The test folds partition the
    rows; each train set is the complement of its test fold.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Whether to shuffle the rows of each stratum before dealing them out to
        the folds. Without shuffling, rows keep their order within a stratum.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling when ``shuffle=True`` (setting it with
        ``shuffle=False`` is an error, as in scikit-learn). Pass an int for the
        same folds at every call of ``split``.

    See Also
    --------
    DomainShuffleSplit : Random splits within each domain.
    LeaveOneDomainOut : One held-out source domain per split.
    sklearn.model_selection.StratifiedKFold : The single-domain version.

    Notes
    -----
    Domains are read from ``sample_domain`` when it is given (routed by
    scikit-learn's metadata routing: this splitter requests it for ``split``
    by default), else from ``groups`` (same encoding), else from ``y``:
    labelled rows form the source domain and ``y == -1`` (NaN for regression)
    rows the target domain.

    Rows are dealt round-robin to the folds, stratum after stratum and domain
    after domain, so each fold receives ``floor(m / n_splits)`` or
    ``ceil(m / n_splits)`` rows of every stratum and of every domain of ``m``
    rows. A domain with fewer rows than ``n_splits`` is an error (some folds
    would lack it); a stratum with fewer rows than ``n_splits`` only warns
    (some folds then lack that class in that domain). Regression targets are
    not stratified by value: their strata are labelled and unlabelled rows of
    each domain. Returned indices are sorted.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import DomainStratifiedKFold
    >>> X = np.zeros((12, 1))
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1, -1, -1, -1])
    >>> cv = DomainStratifiedKFold(n_splits=4)
    >>> cv
    DomainStratifiedKFold(n_splits=4, random_state=None, shuffle=False)
    >>> for train, test in cv.split(X, y):
    ...     print(test, y[test])
    [0 4 8] [ 0  1 -1]
    [1 5 9] [ 0  1 -1]
    [ 2  6 10] [ 0  1 -1]
    [ 3  7 11] [ 0  1 -1]
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        name = type(self).__name__
        _check_n_splits(n_splits, 2, name)
        if not isinstance(shuffle, bool | np.bool_):
            raise TypeError(f"{name}: shuffle must be True or False, got {shuffle!r}.")
        if not shuffle and random_state is not None:
            raise ValueError(
                f"{name}: setting random_state has no effect since shuffle is "
                "False. Leave random_state=None, or set shuffle=True."
            )
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def _test_folds(self, masks):
        """Return the fold number of every row."""
        name = type(self).__name__
        k = self.n_splits
        rng = check_random_state(self.random_state) if self.shuffle else None
        order = []
        small = []
        for d in _domain_order(masks.sample_domain):
            in_domain = masks.sample_domain == d
            n_d = int(in_domain.sum())
            if n_d < k:
                raise ValueError(
                    f"{name}: domain {d} has {n_d} rows, fewer than "
                    f"n_splits={k}: some folds would hold no row of it. Lower "
                    "n_splits or give that domain more rows."
                )
            for key, idx in self._strata(masks, in_domain):
                if idx.shape[0] < k:
                    small.append((d, key, idx.shape[0]))
                if rng is not None:
                    idx = rng.permutation(idx)
                order.append(idx)
        if small:
            described = ", ".join(
                f"domain {d} {'unlabelled rows' if key is None else f'class {key!r}'}"
                f" ({n} rows)"
                for d, key, n in small
            )
            warnings.warn(
                f"{name}: some strata have fewer rows than n_splits={k}, so some "
                f"folds lack them: {described}.",
                UserWarning,
                stacklevel=4,  # split -> _iter_splits -> _test_folds
            )
        order = np.concatenate(order)
        folds = np.empty(masks.n_samples, dtype=np.intp)
        fold_of_position = np.arange(order.shape[0]) % k
        if rng is not None:
            fold_of_position = rng.permutation(k)[fold_of_position]
        folds[order] = fold_of_position
        return folds

    @staticmethod
    def _strata(masks, in_domain):
        """Yield (label or None, sorted indices) for the strata of one domain."""
        labelled = np.flatnonzero(in_domain & masks.labelled)
        unlabelled = np.flatnonzero(in_domain & ~masks.labelled)
        if labelled.size:
            if masks.task == "regression":
                yield "labelled", labelled
            else:
                values = masks.y[labelled].tolist()
                codes = {}
                for v in values:
                    codes.setdefault(v, len(codes))
                code = np.fromiter((codes[v] for v in values), np.intp, len(values))
                for label, c in codes.items():
                    yield label, labelled[code == c]
        if unlabelled.size:
            yield None, unlabelled

    def _iter_splits(self, masks):
        folds = self._test_folds(masks)
        for i in range(self.n_splits):
            yield np.flatnonzero(folds != i), np.flatnonzero(folds == i)


class LeaveOneDomainOut(_DomainSplitterMixin, BaseCrossValidator):
    """Hold out one source domain per split.

    For data with several labelled source domains: each split tests on the
    rows of one source domain and trains without any of them, so a model
    selection run scores each setting on a domain the model has never been
    fitted on. This is how a transfer setting is chosen when the real target
    has no labels: pretend, in turn, that each source domain is the target.

    Two layouts are supported:

    * ``target_copies=False`` (default): for held-out source domain ``d``,
      test = every row of ``d``; train = every other row (the other source
      domains and every target row, e.g. the real unlabelled target). The
      held-out domain is never seen during fit, not even unlabelled.
    * ``target_copies=True``: the unsupervised domain adaptation simulation.
      ``X`` also holds an unlabelled copy of every source domain ``d`` as
      target domain ``-(d + 1)`` (the layout
      ``pack_domains(sources=S, targets=[X for X, _ in S])`` builds). For
      held-out domain ``d``: train = the other source domains plus the
      unlabelled copy of ``d``; test = the labelled rows of ``d``. Adapters
      thus align the remaining sources to the held-out domain, whose labels
      are only used for scoring. Rows of other copies and of any other target
      domain are in neither set.

    Parameters
    ----------
    target_copies : bool, default=False
        Whether ``X`` holds an unlabelled copy of every source domain ``d`` as
        target domain ``-(d + 1)``, to be put in the train set when ``d`` is
        held out. See above.

    See Also
    --------
    DomainShuffleSplit : Random splits within each domain.
    DomainStratifiedKFold : K-fold stratified by domain and label.
    sklearn.model_selection.LeaveOneGroupOut : The domain-agnostic version.
    sktransfer.utils.pack_domains : Build ``X, y, sample_domain``.

    Notes
    -----
    Needs explicit domains: ``sample_domain`` (routed by scikit-learn's
    metadata routing; this splitter requests it for ``split`` by default) or,
    with routing disabled, ``groups`` holding the same values
    (``cross_validate(pipe, X, y, groups=sample_domain, cv=LeaveOneDomainOut())``;
    the estimator then reads domains from ``y``, where ``-1`` marks the target
    rows). At least two source domains (non-negative values) are needed. Splits
    come in increasing order of the held-out domain, so
    ``cross_validate(...)["test_score"][i]`` is the score on source domain
    ``i`` when domains are numbered ``0, 1, ...``. Only source domains are
    held out.

    A test set holds labelled rows of one source domain and no target row, so
    score with a supervised metric (the default ``scoring=None``, which uses
    the estimator's ``score``, or ``'accuracy'``); the target-based scorers of
    this module raise on such a fold.

    With ``target_copies=True``, the refit of a search on all rows is not a
    meaningful model (every source is then also a target): use
    ``GridSearchCV(..., refit=False)`` and fit the chosen setting on the real
    source and target data.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import LeaveOneDomainOut
    >>> sample_domain = np.array([0, 0, 1, 1, 2, 2, -1, -1])
    >>> X = np.zeros((8, 1))
    >>> cv = LeaveOneDomainOut()
    >>> cv.get_n_splits(sample_domain=sample_domain)
    3
    >>> for train, test in cv.split(X, sample_domain=sample_domain):
    ...     print(train, test)
    [2 3 4 5 6 7] [0 1]
    [0 1 4 5 6 7] [2 3]
    [0 1 2 3 6 7] [4 5]

    With unlabelled copies of the two sources as targets ``-1`` and ``-2``:

    >>> from sktransfer.utils import pack_domains
    >>> S = [(np.zeros((2, 1)), [0, 1]), (np.ones((2, 1)), [0, 1])]
    >>> X, y, sd = pack_domains(sources=S, targets=[X for X, _ in S])
    >>> sd
    array([ 0,  0,  1,  1, -1, -1, -2, -2])
    >>> for train, test in LeaveOneDomainOut(target_copies=True).split(
    ...         X, y, sample_domain=sd):
    ...     print(train, test)
    [2 3 4 5] [0 1]
    [0 1 6 7] [2 3]
    """

    def __init__(self, *, target_copies=False):
        if not isinstance(target_copies, bool | np.bool_):
            raise TypeError(
                f"{type(self).__name__}: target_copies must be True or False, "
                f"got {target_copies!r}."
            )
        self.target_copies = target_copies

    def _sources(self, X, y, groups, sample_domain):
        name = type(self).__name__
        if sample_domain is None and groups is None:
            raise ValueError(
                f"{name} needs explicit domains: pass sample_domain (with "
                "metadata routing enabled, GridSearchCV.fit(X, y, "
                "sample_domain=sd) or cross_validate(..., params="
                "{'sample_domain': sd}) route it here), or groups=sample_domain "
                "with routing disabled. Domains implicit in y hold a single "
                "source domain, and there is nothing to leave out."
            )
        masks = _read_domains(self, X, y, groups, sample_domain)
        sd = masks.sample_domain
        sources = np.unique(sd[sd >= 0])
        if sources.shape[0] < 2:
            raise ValueError(
                f"{name} needs at least two source domains (non-negative "
                f"sample_domain values), got {sources.shape[0]}: "
                f"{sources.tolist()}. Holding out the only source would leave "
                "no labelled rows to fit on."
            )
        if self.target_copies:
            for d in sources:
                n_src = int(np.sum(sd == d))
                n_copy = int(np.sum(sd == -(d + 1)))
                if n_copy != n_src:
                    raise ValueError(
                        f"{name}(target_copies=True) expects target domain "
                        f"{-(d + 1)} to be the unlabelled copy of source domain "
                        f"{d}, with the same number of rows; found {n_src} rows "
                        f"in domain {d} and {n_copy} in domain {-(d + 1)}. Build "
                        "X with pack_domains(sources=S, targets=[X for X, _ in S])."
                    )
        return sd, sources

    def split(self, X, y=None, groups=None, *, sample_domain=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents of n_samples rows
            Rows of every domain.
        y : array-like of shape (n_samples,), default=None
            Labels; ``-1`` (NaN for regression) marks unlabelled rows.
        groups : array-like of int of shape (n_samples,), default=None
            Domain labels, read as ``sample_domain`` when that is None (for use
            without metadata routing).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row: non-negative for source, negative for target.

        Yields
        ------
        train : ndarray
            The training set indices for that split, sorted.
        test : ndarray
            The testing set indices for that split (the held-out source
            domain), sorted.
        """
        sd, sources = self._sources(X, y, groups, sample_domain)
        for d in sources:
            test = np.flatnonzero(sd == d)
            if self.target_copies:
                train = np.flatnonzero(((sd >= 0) & (sd != d)) | (sd == -(d + 1)))
            else:
                train = np.flatnonzero(sd != d)
            yield train, test

    def get_n_splits(self, X=None, y=None, groups=None, *, sample_domain=None):
        """Return the number of splits: the number of source domains.

        Parameters
        ----------
        X : array-like, default=None
            Rows; only their number is checked.
        y : array-like of shape (n_samples,), default=None
            Labels, checked as in :meth:`split`.
        groups : array-like of int of shape (n_samples,), default=None
            Domain labels, read as ``sample_domain`` when that is None.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row: non-negative for source, negative for target.

        Returns
        -------
        n_splits : int
            The number of distinct source domains.
        """
        return int(self._sources(X, y, groups, sample_domain)[1].shape[0])
