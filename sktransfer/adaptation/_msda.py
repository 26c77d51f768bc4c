"""Marginalized stacked denoising autoencoder (mSDA, Chen et al., ICML 2012)."""

import math
import numbers

import numpy as np
from scipy import linalg, sparse
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from sktransfer.adaptation._appended import append_features, relative_scale

__all__ = ["MSDATransformer", "marginalized_denoising_weights"]

#: Largest ``n_layers``: deeper stacks only cost memory (the paper uses 5).
MAX_LAYERS = 100


def _scatter_with_bias(X):
    """``[X, 1].T @ [X, 1]`` as a dense float64 array (X dense or sparse)."""
    n, d = X.shape
    S = np.empty((d + 1, d + 1))
    with np.errstate(over="ignore", invalid="ignore"):  # checked by the caller
        XtX = X.T @ X
    S[:d, :d] = XtX.toarray() if sparse.issparse(XtX) else XtX
    col_sum = np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
    S[:d, d] = col_sum
    S[d, :d] = col_sum
    S[d, d] = n
    return S


def _max_abs(X):
    """Largest absolute value of a dense or sparse matrix (0 when empty)."""
    values = X.data if sparse.issparse(X) else np.asarray(X)
    return float(np.abs(values).max()) if values.size else 0.0


def marginalized_denoising_weights(X, targets, noise, *, reg=1e-5):
    """Closed-form weights of one marginalized denoising layer (mDA).

    Each input feature is corrupted (set to zero) independently with
    probability ``noise``; a constant bias feature is never corrupted. The
    weights ``W`` minimise the reconstruction loss *expected over all
    corruptions*, plus a small ridge penalty,

    ``sum_i E ||t_i - [x~_i, 1] @ W||^2 + reg * ||W[:-1]||^2``,

    which has the closed form ``W = (Q + reg I')^-1 P`` with, for ``S =
    [X, 1].T @ [X, 1]`` and ``q = (1 - noise, ..., 1 - noise, 1)``:

    * ``Q[a, b] = S[a, b] q[a] q[b]`` off the diagonal and ``S[a, a] q[a]``
      on it (``E[x~ x~.T]``, summed over rows);
    * ``P = diag(q) [X, 1].T @ T`` (``E[x~ t.T]``, summed over rows);

    and ``I'`` the identity without its bias entry (the bias is not
    penalised), as in the paper's code.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Clean inputs.
    targets : ndarray of shape (n_samples, n_targets)
        What to reconstruct (clean); ``X`` itself in the basic mDA.
    noise : float in [0, 1)
        Corruption probability of each input feature.
    reg : float, default=1e-5
        Ridge penalty on the weights of the input features.

    Returns
    -------
    W : ndarray of shape (n_features + 1, n_targets)
        Weights; the last row is the bias. Reconstruct with
        ``[X, 1] @ W``.

    References
    ----------
    .. [1] M. Chen, Z. Xu, K. Q. Weinberger and F. Sha, "Marginalized
       denoising autoencoders for domain adaptation", ICML 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import marginalized_denoising_weights
    >>> X = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> W = marginalized_denoising_weights(X, X, noise=0.5)
    >>> W.shape
    (3, 2)
    >>> np.round(W, 2)  # each feature is partly predicted from the other
    array([[ 0.39, -0.11],
           [-0.11,  0.39],
           [ 0.64,  0.64]])
    """
    if not 0.0 <= noise < 1.0:
        raise ValueError(f"noise must be in [0, 1), got {noise!r}.")
    S = _scatter_with_bias(X)
    if not np.isfinite(S).all():
        raise ValueError(
            "marginalized_denoising_weights: the values of X are too large "
            f"(up to {_max_abs(X):.3g}): their products overflow float64. "
            "Rescale X (e.g. TF-IDF rows, or StandardScaler)."
        )
    d = S.shape[0] - 1
    q = np.full(d + 1, 1.0 - noise)
    q[d] = 1.0
    Q = S * np.outer(q, q)
    Q.flat[:: d + 2] = q * np.diag(S)
    Q.flat[: d * (d + 2) : d + 2] += reg  # the bias (last) entry is not penalised
    targets = np.asarray(targets, dtype=np.float64)
    XtT = X.T @ targets
    P = np.empty((d + 1, targets.shape[1]))
    P[:d] = XtT
    P[d] = targets.sum(axis=0)
    P *= q[:, None]
    try:
        return linalg.solve(Q, P, assume_a="pos", check_finite=False)
    except (linalg.LinAlgError, ValueError):  # singular Q (reg=0, empty feature)
        return linalg.lstsq(Q, P, check_finite=False)[0]


_ACTIVATIONS = {"tanh": np.tanh, "identity": lambda Z: Z}


class MSDATransformer(TransformerMixin, BaseEstimator):
    """Marginalized stacked denoising autoencoder (mSDA) features.

    mSDA (Chen et al., 2012) learns features that are robust to missing
    words by reconstructing the input from corrupted copies of it, with the
    corruption *marginalised out*: each layer is a closed-form least-squares
    solve (:func:`marginalized_denoising_weights`), never a gradient loop.
    Fitted on source and target rows together (no labels), the layers pick
    up which words of one domain stand in for which words of the other,
    which is why mSDA features carry a sentiment classifier across domains.

    Layers:

    1. *High-dimensional input* (the paper's trick for bag-of-words): the
       ``max_features`` most frequent input features (most rows with a
       non-zero value) are the reconstruction targets. The input features
       are split at random into ``ceil(n_features / max_features)`` subsets
       of at most ``max_features`` features; each subset gets its own
       closed-form map to the targets, and the first layer is the
       activation of the *mean* of those reconstructions. With at most
       ``max_features`` input features this is the basic mDA on the whole
       input.
    2. Layers ``2..n_layers`` are basic mDA layers on the previous layer's
       output (``max_features`` units each).

    Each layer computes ``h_l = activation(h_{l-1} @ coefs_[l] +
    intercepts_[l])``. The output is ``[x, scale_ * h_1, ..., scale_ *
    h_L]`` (the input, if ``include_input``, then every layer), as in the
    paper, where a linear classifier is trained on the input and all the
    hidden layers.

    Parameters
    ----------
    noise : float, default=0.5
        Probability of corrupting (zeroing) each feature, in ``[0, 1)``.
    n_layers : int, default=3
        Number of stacked layers, at most 100.
    max_features : int, default=500
        Units per layer: the number of most frequent input features that the
        first layer reconstructs, and the size of the random input subsets.
    activation : {'tanh', 'identity'}, default='tanh'
        Nonlinearity of every layer (the paper's is tanh).
    reg : float, default=1e-5
        Ridge penalty of each closed-form solve (the paper's code uses 1e-5).
    include_input : bool, default=True
        Output the input features before the layers' outputs. Sparse input
        then gives a sparse (CSR) output; otherwise the output is dense.
    scale : float, default=3.0
        Size of the appended layers relative to the input: the layers'
        outputs are multiplied by ``scale_``, chosen in ``fit`` so that their
        rows have, on average over the training rows, ``scale`` times the
        Euclidean norm of the input rows. This keeps the balance between
        the two blocks independent of the input's units (unit-norm TF-IDF
        rows, counts).
    random_state : int, RandomState instance or None, default=None
        Seeds the random split of the input features into subsets.

    Attributes
    ----------
    top_features_ : ndarray of shape (n_units,)
        Indices of the input features the first layer reconstructs (the
        most frequent first); ``n_units = min(max_features, n_features_in_)``.
    subsets_ : ndarray of shape (`n_features_in_`,)
        The subset of each input feature in the first layer.
    coefs_ : list of ndarray
        ``coefs_[0]`` of shape (`n_features_in_`, n_units) (the subsets' maps,
        divided by the number of subsets), then one (n_units, n_units) array
        per further layer.
    intercepts_ : list of ndarray of shape (n_units,)
        Bias of each layer.
    scale_ : float
        Factor applied to the layers' outputs.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    SCLAdapter : Structural correspondence learning, another text-specific
        feature learner that uses the source labels.

    Notes
    -----
    Any row goes through the same map: ``fit`` uses every row it is given
    (source and target, labels ignored), and ``transform`` treats every row
    alike.

    Cost, with ``d = n_features_in_``, ``r = n_units`` and ``n`` rows:
    the first layer solves ``ceil(d / r)`` symmetric systems of size ``r +
    1`` (``O(d r^2)`` time) after sparse products of ``O(n r)`` non-zeros;
    every further layer one more system and an ``n x r`` product.
    Memory: ``d x r`` float64 weights for the first layer (500 units over
    20,000 features: 80 MB), ``O(r^2)`` per solve, and the ``n x (r
    n_layers)`` dense outputs of ``transform``. Lower ``max_features`` to
    bound both.

    References
    ----------
    .. [1] M. Chen, Z. Xu, K. Q. Weinberger and F. Sha, "Marginalized
       denoising autoencoders for domain adaptation", ICML 2012.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> from sktransfer.adaptation import MSDATransformer
    >>> docs = ["a good film", "a bad film", "good fun", "a good phone",
    ...         "a bad phone", "bad screen"]
    >>> X = CountVectorizer().fit_transform(docs)
    >>> msda = MSDATransformer(n_layers=2, max_features=4, random_state=0)
    >>> Z = msda.fit_transform(X)
    >>> X.shape, Z.shape  # the input, then two layers of 4 units
    ((6, 6), (6, 14))
    >>> msda.get_feature_names_out()[[0, 6, 10]].tolist()
    ['x0', 'msda0_0', 'msda1_0']
    """

    _parameter_constraints: dict = {
        "noise": [Interval(numbers.Real, 0, 1, closed="left")],
        "n_layers": [Interval(numbers.Integral, 1, MAX_LAYERS, closed="both")],
        "max_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(_ACTIVATIONS))],
        "reg": [Interval(numbers.Real, 0, None, closed="left")],
        "include_input": ["boolean"],
        "scale": [Interval(numbers.Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        noise=0.5,
        *,
        n_layers=3,
        max_features=500,
        activation="tanh",
        reg=1e-5,
        include_input=True,
        scale=3.0,
        random_state=None,
    ):
        self.noise = noise
        self.n_layers = n_layers
        self.max_features = max_features
        self.activation = activation
        self.reg = reg
        self.include_input = include_input
        self.scale = scale
        self.random_state = random_state

    def _validate(self, X, reset):
        return validate_data(
            self,
            X,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            reset=reset,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the layers on the rows of ``X`` (source and target together).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows of every domain, e.g. TF-IDF or counts.
        y : Ignored
            Not used; mSDA needs no labels.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._fit(self._validate(X, reset=True))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit the layers and return the features of the training rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows of every domain.
        y : Ignored
            Not used; mSDA needs no labels.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_out)
            The input (if ``include_input``) and the scaled layers' outputs.
        """
        X = self._validate(X, reset=True)
        hidden = self._fit(X)
        return self._output(X, hidden)

    def _fit(self, X):
        n, d = X.shape
        r = min(self.max_features, d)
        act = _ACTIVATIONS[self.activation]
        present = (X != 0).sum(axis=0)
        df = np.asarray(present).ravel()
        top = np.argsort(-df, kind="stable")[:r]
        targets = X[:, top]
        targets = targets.toarray() if sparse.issparse(targets) else targets
        n_subsets = math.ceil(d / r)
        rng = check_random_state(self.random_state)
        order = rng.permutation(d) if n_subsets > 1 else np.arange(d)
        subsets = np.empty(d, dtype=np.intp)
        coef = np.zeros((d, r))
        intercept = np.zeros(r)
        for k, cols in enumerate(np.array_split(order, n_subsets)):
            cols = np.sort(cols)
            subsets[cols] = k
            W = marginalized_denoising_weights(
                X[:, cols], targets, self.noise, reg=self.reg
            )
            coef[cols] = W[:-1] / n_subsets
            intercept += W[-1] / n_subsets
        coefs, intercepts = [coef], [intercept]
        hidden = [act(_affine(X, coef, intercept))]
        for _ in range(1, self.n_layers):
            W = marginalized_denoising_weights(
                hidden[-1], hidden[-1], self.noise, reg=self.reg
            )
            coefs.append(W[:-1])
            intercepts.append(W[-1])
            hidden.append(act(_affine(hidden[-1], W[:-1], W[-1])))
        hidden = np.hstack(hidden)
        self.top_features_ = top
        self.subsets_ = subsets
        self.coefs_ = coefs
        self.intercepts_ = intercepts
        self.scale_ = relative_scale(X, hidden, self.scale)
        self._n_units = r
        return hidden

    def _hidden(self, X):
        act = _ACTIVATIONS[self.activation]
        out = [act(_affine(X, self.coefs_[0], self.intercepts_[0]))]
        for coef, intercept in zip(self.coefs_[1:], self.intercepts_[1:]):
            out.append(act(_affine(out[-1], coef, intercept)))
        return np.hstack(out)

    def _output(self, X, hidden):
        return append_features(X, hidden * self.scale_, self.include_input)

    def transform(self, X):
        """Compute the features of rows of any domain.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to transform.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_out)
            The input (if ``include_input``) and the scaled layers' outputs.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return self._output(X, self._hidden(X))

    def get_feature_names_out(self, input_features=None):
        """Get the names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names, checked against ``feature_names_in_`` when
            it is defined.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input names (if ``include_input``), then ``msda<l>_<i>`` for
            unit ``i`` of layer ``l``.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        hidden = [
            f"msda{layer}_{i}"
            for layer in range(len(self.coefs_))
            for i in range(self._n_units)
        ]
        out = list(names) if self.include_input else []
        return np.asarray(out + hidden, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _affine(X, coef, intercept):
    """``X @ coef + intercept`` as a dense float64 array."""
    out = X @ coef
    out = np.asarray(out, dtype=np.float64)
    out += intercept
    return out
