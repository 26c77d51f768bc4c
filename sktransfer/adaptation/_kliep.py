"""Kullback-Leibler importance estimation procedure (KLIEP)."""

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from sktransfer.adaptation._base import (
    _divide,
    _RatioModelWeighting,
    _rescaled_gamma,
    _source_and_target_rows,
    _substitute_docs,
    _times_power,
    power_of_two_scale,
    scale_gamma,
)
from sktransfer.adaptation._qp import solve_kliep

__all__ = ["KLIEPWeighting"]

_logger = logging.getLogger(__name__)

# Floor of a density-ratio value inside a logarithm (log(0) would be -inf).
_LOG_FLOOR = np.finfo(np.float64).tiny


@_substitute_docs
class KLIEPWeighting(_RatioModelWeighting):
    r"""Kullback-Leibler importance estimation (Sugiyama et al., 2007).

    Models the density ratio as a non-negative combination of Gaussian
    kernels centred on target rows,

    .. math::

        w(x) = \sum_{l=1}^{m} \alpha_l \exp(-\gamma \|x - c_l\|^2),

    and picks :math:`\alpha` to maximise the log-likelihood of the target rows
    under :math:`w(x) p_{source}(x)`, i.e. :math:`\sum_j \log w(x'_j)`,
    subject to :math:`\frac{1}{n_s} \sum_i w(x_i) = 1` over the source rows
    and :math:`\alpha \ge 0`. A list of ``gamma`` values is searched by
    likelihood cross-validation over the target rows. Unlike KMM, the fitted
    model weights new rows with :meth:`compute_weights`.

    Parameters
    ----------
    gamma : float or list of float, default=None
        Width of the Gaussian kernels. None uses
        ``1 / (n_features * X.var())`` over the source and target rows (the
        'scale' heuristic of :class:`~sklearn.svm.SVC`). A list is searched
        by ``cv``-fold likelihood cross-validation on the target rows (the
        largest mean held-out log-likelihood wins; the first one on ties).
        Centres that fall in the held-out fold are left out of that fold's
        model, so no held-out row scores a kernel centred on itself.
    n_centers : int, default=100
        Number of kernel centres, drawn at random without replacement from
        the target rows (all target rows when there are fewer).
    cv : int, default=5
        Number of folds of the likelihood cross-validation; used only when
        ``gamma`` is a list of several values.
    max_iter : int, default=100
        Maximum number of sequential quadratic programming steps per fit of
        ``alpha``, at most 10,000.
    tol : float, default=1e-6
        Stop when the mean log-likelihood of the target rows is provably
        within ``tol`` of its maximum (Frank-Wolfe gap).
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of centres and the cross-validation folds.

    Attributes
    ----------
    weights_ : ndarray of shape (n_samples,)
        Weight of every training row: ``w(x)`` for source rows (their mean
        is 1), 1 for target rows.
    centers_ : ndarray or sparse matrix of shape (`n_centers_`, n_features)
        Kernel centres (rows of the target domain).
    alpha_ : ndarray of shape (`n_centers_`,)
        Non-negative coefficients of the kernels.
    gamma_ : float
        Kernel width used (the one selected when ``gamma`` is a list).
    cv_scores_ : ndarray of shape (n_gammas,)
        Mean held-out log-likelihood of each candidate ``gamma``; only set
        when ``gamma`` is a list of several values.
    n_iter_ : int
        Steps of the final fit of ``alpha``.
    {weighting_fitted}

    See Also
    --------
    KMMWeighting : Kernel mean matching.
    DiscriminativeWeighting : Ratio from a source-vs-target classifier.

    Notes
    -----
    Substituting ``beta_l = alpha_l * mean_i k(x_i, c_l)`` turns the
    constraints into the probability simplex, and the problem into the
    maximum-likelihood estimation of mixture proportions, a concave program
    solved by sequential quadratic programming with exact subproblem solves.
    The stopping rule bounds the suboptimality rather than the step size.
    Centres that no source row reaches (a kernel value that underflows to 0
    for every source row) get ``alpha = 0``.

    References
    ----------
    .. [1] M. Sugiyama, S. Nakajima, H. Kashima, P. von Buenau and
       M. Kawanabe, "Direct importance estimation with model selection and
       its application to covariate shift adaptation", NIPS 2007.
    .. [2] Y. Kim, P. Carbonetto, M. Stephens and M. Anitescu, "A fast
       algorithm for maximum likelihood estimation of mixture proportions
       using sequential quadratic programming", JCGS, 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import KLIEPWeighting
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (50, 1)), rng.normal(1, 0.5, (50, 1))]
    >>> y = np.r_[(X[:50, 0] > 0).astype(int), -np.ones(50, dtype=int)]
    >>> kliep = KLIEPWeighting(random_state=0).fit(X, y)
    >>> round(float(kliep.weights_[:50].mean()), 6)
    1.0
    >>> w = kliep.compute_weights([[-2.0], [1.0]])  # true ratio: 0.0, 3.3
    >>> bool(w[0] < 0.1 and w[1] > 1.5)
    True
    """

    _dtype = np.float64

    _parameter_constraints: dict = {
        "gamma": [None, Interval(Real, 0, None, closed="neither"), "array-like"],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "max_iter": [Interval(Integral, 1, 10_000, closed="both")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        gamma=None,
        *,
        n_centers=100,
        cv=5,
        max_iter=100,
        tol=1e-6,
        random_state=None,
    ):
        self.gamma = gamma
        self.n_centers = n_centers
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _candidate_gammas(self, X, s):
        """Candidate widths, each for the rows ``X`` already divided by ``s``."""
        if self.gamma is None:
            return [scale_gamma(X)]
        if np.ndim(self.gamma) == 0:
            return [_rescaled_gamma(float(self.gamma), s, 2, "KLIEPWeighting")]
        try:
            gammas = np.asarray(self.gamma, dtype=float).ravel()
        except (TypeError, ValueError):
            gammas = np.array([np.nan])
        if gammas.size == 0 or not np.all(np.isfinite(gammas) & (gammas > 0)):
            raise ValueError(
                "gamma must be None, a positive float or a non-empty list of "
                f"positive floats, got {self.gamma!r}."
            )
        return [_rescaled_gamma(float(g), s, 2, "KLIEPWeighting") for g in gammas]

    def _fit_alpha(self, K_tc, b):
        return solve_kliep(K_tc, b, tol=self.tol, max_iter=self.max_iter)

    def _fit_weights(self, X, masks):
        # Kernels are computed on X / s (s a power of two, 1 for ordinary
        # data) with widths for X / s: with gamma=None the weights of X and
        # c * X are the same, and extreme scales cannot overflow.
        s = power_of_two_scale(X)
        X_scaled = _divide(X, s)
        Xs, Xt = _source_and_target_rows(X_scaled, masks)
        n_t = Xt.shape[0]
        gammas = self._candidate_gammas(X_scaled, s)
        rng = check_random_state(self.random_state)
        n_centers = min(self.n_centers, n_t)
        center_rows = np.sort(rng.choice(n_t, n_centers, replace=False))
        centers = Xt[center_rows]
        if len(gammas) > 1:
            if n_t < self.cv:
                raise ValueError(
                    f"cv={self.cv} folds of likelihood cross-validation need at "
                    f"least {self.cv} target rows, got {n_t}. Lower cv or give "
                    "a single gamma."
                )
            folds = list(
                KFold(self.cv, shuffle=True, random_state=rng.randint(2**31 - 1)).split(
                    np.zeros(n_t)
                )
            )
            scores = []
            for gamma in gammas:
                K_tc = pairwise_kernels(Xt, centers, metric="rbf", gamma=gamma)
                b = pairwise_kernels(Xs, centers, metric="rbf", gamma=gamma).mean(0)
                fold_scores = []
                for train, test in folds:
                    # A held-out row is never a centre of the model scoring it.
                    own = ~np.isin(center_rows, test)
                    alpha = self._fit_alpha(K_tc[np.ix_(train, own)], b[own])[0]
                    w = K_tc[np.ix_(test, own)] @ alpha
                    fold_scores.append(np.mean(np.log(np.maximum(w, _LOG_FLOOR))))
                scores.append(np.mean(fold_scores))
                _logger.debug(
                    "KLIEPWeighting: gamma %.6g, %d-fold likelihood %.6g",
                    _times_power(gamma, s, -2),
                    self.cv,
                    scores[-1],
                )
            self.cv_scores_ = np.asarray(scores)
            gamma = gammas[int(np.argmax(self.cv_scores_))]
        else:
            gamma = gammas[0]
        K_tc = pairwise_kernels(Xt, centers, metric="rbf", gamma=gamma)
        K_sc = pairwise_kernels(Xs, centers, metric="rbf", gamma=gamma)
        b = K_sc.mean(axis=0)
        if not np.any(b > 0.0):
            raise ValueError(
                f"gamma={_times_power(gamma, s, -2):.6g} is too large: the kernel "
                "of every centre underflows to 0 on every source row. Use a "
                "smaller gamma."
            )
        alpha, n_iter, converged = self._fit_alpha(K_tc, b)
        _logger.debug(
            "KLIEPWeighting: %d source x %d target rows, %d centres, gamma "
            "%.6g: %d iterations, converged %s",
            Xs.shape[0],
            n_t,
            n_centers,
            _times_power(gamma, s, -2),
            n_iter,
            converged,
        )
        if not converged:
            warnings.warn(
                f"KLIEPWeighting did not reach tol={self.tol} in "
                f"max_iter={self.max_iter} iterations. Increase max_iter.",
                ConvergenceWarning,
                stacklevel=6,
            )
        self.centers_ = centers * s
        self.alpha_ = alpha
        self.gamma_ = _times_power(gamma, s, -2)
        self.n_iter_ = n_iter
        self._scale, self._kernel_gamma = s, gamma
        return K_sc @ alpha

    def _compute_weights(self, X):
        s = self._scale
        K = pairwise_kernels(
            _divide(X, s),
            _divide(self.centers_, s),
            metric="rbf",
            gamma=self._kernel_gamma,
        )
        return K @ self.alpha_
