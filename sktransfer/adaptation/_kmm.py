"""Kernel mean matching (KMM) importance weights."""

import logging
import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples

from sktransfer.adaptation._base import (
    _divide,
    _rescaled_gamma,
    _source_and_target_rows,
    _substitute_docs,
    _times_power,
    _Weighting,
    power_of_two_scale,
    scale_gamma,
)
from sktransfer.adaptation._qp import solve_box_band_qp

__all__ = ["KMMWeighting"]

_logger = logging.getLogger(__name__)

# Elements of a kernel block computed at once (64 MiB of float64).
_BLOCK_ELEMENTS = 1 << 23


def _kernel_row_sums(A, B, kernel, params):
    """Row sums of ``kernel(A, B)``, computed in blocks of rows of ``B``."""
    out = np.zeros(_num_samples(A))
    step = max(1, _BLOCK_ELEMENTS // max(1, _num_samples(A)))
    for batch in gen_batches(_num_samples(B), step):
        out += pairwise_kernels(A, B[batch], metric=kernel, **params).sum(axis=1)
    return out


@_substitute_docs
class KMMWeighting(_Weighting):
    r"""Kernel mean matching importance weights (Huang et al., 2006).

    Finds source weights ``b`` whose weighted kernel mean of the source rows
    matches the kernel mean of the target rows, by solving the quadratic
    program

    .. math::

        \min_b \ \tfrac12 b^\top K b - \kappa^\top b \quad \text{s.t.} \quad
        0 \le b_i \le B, \quad \Big|\sum_i b_i - n_s\Big| \le n_s \epsilon,

    with :math:`K_{ij} = k(x_i, x_j)` over source rows and
    :math:`\kappa_i = \frac{n_s}{n_t} \sum_j k(x_i, x'_j)` over target rows
    :math:`x'_j`. Up to a constant, the objective is
    :math:`\frac{n_s^2}{2} \| \frac{1}{n_s} \sum_i b_i \phi(x_i) -
    \frac{1}{n_t} \sum_j \phi(x'_j) \|^2` in the kernel's feature space.

    The program is solved exactly, without a QP library (see Notes). Weights
    exist only for the rows seen in ``fit``; there is no ``compute_weights``.

    Parameters
    ----------
    kernel : {'rbf', 'laplacian'}, default='rbf'
        Kernel ``k``: Gaussian ``exp(-gamma * ||x - x'||_2^2)`` or Laplacian
        ``exp(-gamma * ||x - x'||_1)``. Both are characteristic kernels, so
        matching kernel means matches distributions, as KMM's theory needs.
    gamma : float, default=None
        Width of the kernel. None uses, over the source and target rows of
        ``fit``, ``1 / (n_features * X.var())`` for 'rbf' (the 'scale'
        heuristic of :class:`~sklearn.svm.SVC`) and
        ``1 / (n_features * X.std())`` for 'laplacian'.
    B : float, default=1000.0
        Upper bound of every weight.
    eps : float, default=None
        Half-width of the band allowed around ``n_s`` for the sum of the
        weights, relative to ``n_s``. None uses
        ``(sqrt(n_s) - 1) / sqrt(n_s)``, the common choice of reference
        implementations (``n_s`` is the number of source rows of the
        problem, i.e. of a chunk when ``max_samples`` splits the source).
    max_iter : int, default=100
        Maximum number of iterations of the interior-point solver, used when
        the fast exact path cannot certify a solution (see Notes); it
        converges in 10 to 30 iterations. At most 10,000 (each iteration
        costs ``O(n_s^3)``).
    tol : float, default=1e-8
        Relative tolerance: of the KKT conditions (the gradient relative to
        ``max(1, max(kappa))``, the bounds relative to ``B``) for the exact
        path, and of the duality gap (relative to ``max(1, |objective|)``)
        for the interior-point solver.
    max_samples : int or None, default=5000
        Largest number of source rows solved as one exact problem (the
        kernel matrix takes ``8 * max_samples**2`` bytes). With more source
        rows, they are split at random into nearly equal chunks of at most
        ``max_samples`` rows and an independent KMM problem, against all
        target rows, is solved per chunk: an approximation of exact KMM,
        announced by a ``UserWarning``. None always solves one exact problem.
    random_state : int, RandomState instance or None, default=None
        Seeds the random split into chunks (used only when the source has
        more than ``max_samples`` rows).

    Attributes
    ----------
    weights_ : ndarray of shape (n_samples,)
        Weight of every training row: the KMM weight ``b_i`` for source rows,
        1 for target rows.
    objective_ : float
        Value of the objective ``1/2 b'Kb - kappa'b`` at the solution (summed
        over chunks).
    n_iter_ : int
        Solver iterations: projected-gradient steps, linear solves of the
        pivoting and interior-point iterations (summed over chunks).
    gamma_ : float
        Kernel width used.
    {weighting_fitted}

    See Also
    --------
    KLIEPWeighting : Density-ratio model fitted by maximum likelihood.
    DiscriminativeWeighting : Ratio from a source-vs-target classifier.
    NearestNeighborWeighting : Counts of target rows in Voronoi cells.

    Notes
    -----
    The quadratic program is solved without a QP library, in two stages.

    1. Accelerated projected gradient (50 then 100 steps, with an exact
       projection onto the box intersected with the sum band) guesses which
       weights sit at 0 or ``B``; block principal pivoting then solves the
       KKT conditions exactly on that guess, with a safeguarded Newton
       search for the multiplier of the sum constraint. The solution is
       accepted only when it passes every KKT check within ``tol``. Each
       step costs ``O(n_s^2)`` plus one Cholesky factorisation of the free
       weights' kernel matrix, which is small when most weights sit at 0,
       as is usual under covariate shift.
    2. When pivoting cannot certify a solution (an ill-conditioned or
       singular kernel matrix, e.g. low-dimensional data, a very small
       ``gamma`` or many duplicate rows), a primal-dual interior-point method
       (Mehrotra's predictor-corrector) solves the program to a relative
       duality gap of ``tol``, at ``O(n_s^3)`` per iteration.

    Either way the final weights are projected onto the feasible set, so
    the box and sum constraints hold up to rounding. On 2,000 source rows
    in 50 dimensions the exact solve takes a fraction of a second, where a
    generic interior-point QP solver (CVXOPT, as used by ADAPT) takes
    several seconds. Memory is ``O(n_s^2)`` per problem.

    References
    ----------
    .. [1] J. Huang, A. Gretton, K. Borgwardt, B. Schoelkopf and A. Smola,
       "Correcting sample selection bias by unlabeled data", NIPS 2006.
    .. [2] J. Judice and F. Pires, "A block principal pivoting algorithm for
       large-scale strictly monotone linear complementarity problems",
       Computers & Operations Research, 1994.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import KMMWeighting
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (40, 1)), rng.normal(1, 0.5, (20, 1))]
    >>> y = np.r_[(X[:40, 0] > 0).astype(int), -np.ones(20, dtype=int)]
    >>> kmm = KMMWeighting(B=10.0).fit(X, y)
    >>> kmm.weights_.shape
    (60,)
    >>> # source rows near the target (x around 1) get the larger weights
    >>> bool(kmm.weights_[:40][X[:40, 0] > 0.5].mean()
    ...      > kmm.weights_[:40][X[:40, 0] < -0.5].mean())
    True
    """

    _dtype = np.float64

    _parameter_constraints: dict = {
        "kernel": [StrOptions({"rbf", "laplacian"})],
        "gamma": [None, Interval(Real, 0, None, closed="neither")],
        "B": [Interval(Real, 0, None, closed="neither")],
        "eps": [None, Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, 10_000, closed="both")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_samples": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        kernel="rbf",
        *,
        gamma=None,
        B=1000.0,
        eps=None,
        max_iter=100,
        tol=1e-8,
        max_samples=5000,
        random_state=None,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.B = B
        self.eps = eps
        self.max_iter = max_iter
        self.tol = tol
        self.max_samples = max_samples
        self.random_state = random_state

    def _fit_weights(self, X, masks):
        # The kernel is computed on X / s (s a power of two, 1 for ordinary
        # data) with the width for X / s: with gamma=None the weights of X
        # and c * X are the same, and extreme scales cannot overflow.
        s = power_of_two_scale(X)
        power = 2 if self.kernel == "rbf" else 1
        if self.gamma is not None:
            self.gamma_ = float(self.gamma)
            self._kernel_gamma = _rescaled_gamma(self.gamma_, s, power, "KMMWeighting")
        else:
            self._kernel_gamma = scale_gamma(_divide(X, s), squared=power == 2)
            self.gamma_ = _times_power(self._kernel_gamma, s, -power)
        Xs, Xt = _source_and_target_rows(_divide(X, s), masks)
        n_s = Xs.shape[0]
        limit = n_s if self.max_samples is None else self.max_samples
        n_chunks = -(-n_s // limit)
        if n_chunks > 1:
            warnings.warn(
                f"KMMWeighting: {n_s} source rows exceed max_samples={limit}; "
                f"solving {n_chunks} independent KMM problems on random chunks "
                "of the source rows, an approximation of exact KMM. Raise "
                "max_samples (memory grows as 8 * max_samples**2 bytes) or set "
                "it to None for the exact solution.",
                UserWarning,
                stacklevel=6,
            )
            rng = check_random_state(self.random_state)
            chunks = np.array_split(rng.permutation(n_s), n_chunks)
        else:
            chunks = [np.arange(n_s)]
        weights = np.empty(n_s)
        objective, n_iter, converged = 0.0, 0, True
        for i, idx in enumerate(chunks, 1):
            w, f, it, ok = self._solve(Xs[idx], Xt)
            _logger.debug(
                "KMMWeighting: problem %d/%d, %d source x %d target rows: "
                "%d iterations, objective %.6g, converged %s",
                i,
                len(chunks),
                len(idx),
                Xt.shape[0],
                it,
                f,
                ok,
            )
            weights[idx] = w
            objective += f
            n_iter += it
            converged &= ok
        if not converged:
            warnings.warn(
                f"KMMWeighting did not reach tol={self.tol} in "
                f"max_iter={self.max_iter} interior-point iterations; the "
                "weights satisfy the constraints but may not be optimal. "
                "Increase max_iter.",
                ConvergenceWarning,
                stacklevel=6,
            )
        self.objective_ = objective
        self.n_iter_ = n_iter
        return weights

    def _solve(self, Xs, Xt):
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        eps = (math.sqrt(n_s) - 1.0) / math.sqrt(n_s) if self.eps is None else self.eps
        lo, hi = max(0.0, n_s * (1.0 - eps)), n_s * (1.0 + eps)
        if lo > n_s * self.B:
            raise ValueError(
                f"KMMWeighting has no feasible weights: with eps={eps:.6g} the "
                f"{n_s} weights must sum to at least {lo:.6g}, but each is at "
                f"most B={self.B} (sum at most {n_s * self.B:.6g}). Raise B or eps."
            )
        params = {"gamma": self._kernel_gamma}
        K = pairwise_kernels(Xs, metric=self.kernel, **params)
        K = 0.5 * (K + K.T)
        kappa = (n_s / n_t) * _kernel_row_sums(Xs, Xt, self.kernel, params)
        w, f, it, ok = solve_box_band_qp(
            K, kappa, float(self.B), lo, hi, tol=self.tol, max_iter=self.max_iter
        )
        return w, f, it, ok
