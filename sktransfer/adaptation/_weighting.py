"""Importance weightings of source rows under covariate shift.

Each weighting estimates, for the source rows of ``X``, how much more likely a
row is under the target distribution than under the source one, so that a
model fitted on the weighted source rows behaves as if fitted on target data.
They are used as the ``weighting`` of
:class:`~sktransfer.adaptation.DomainAwareClassifier` or
:class:`~sktransfer.adaptation.DomainAwareRegressor`.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.linalg as sla
from sklearn.base import _fit_context, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.model_selection import KFold, check_cv, cross_val_predict
from sklearn.neighbors import VALID_METRICS, NearestNeighbors
from sklearn.utils import check_random_state, gen_batches, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from sktransfer.adaptation._base import BaseWeighting, scale_gamma

__all__ = [
    "DiscriminativeWeighting",
    "KLIEPWeighting",
    "KMMWeighting",
    "NearestNeighborWeighting",
]

# Smallest source probability used in a ratio p(target|x) / p(source|x).
_PROBA_FLOOR = np.finfo(np.float64).eps
# Floor of a density-ratio value inside a logarithm (log(0) would be -inf).
_LOG_FLOOR = np.finfo(np.float64).tiny
# Elements of a kernel block computed at once (64 MiB of float64).
_BLOCK_ELEMENTS = 1 << 23


# --------------------------------------------------------------------------
# Quadratic programs over {0 <= b <= B, lo <= sum(b) <= hi}
# --------------------------------------------------------------------------


def _project_box_band(v, B, lo, hi):
    """Project ``v`` onto ``{0 <= b <= B, lo <= sum(b) <= hi}`` exactly.

    The projection is ``clip(v - lam, 0, B)`` for the multiplier ``lam`` of
    the sum constraint (0 when the clipped vector already satisfies it). The
    sum of ``clip(v - lam, 0, B)`` is piecewise linear and non-increasing in
    ``lam``; its breakpoints are sorted and the right piece is solved in closed
    form, so the result is exact up to rounding.

    Returns
    -------
    b : ndarray of shape (n,)
        The projection.
    lam : float
        The multiplier of the sum constraint.
    """
    b = np.clip(v, 0.0, B)
    total = b.sum()
    if lo <= total <= hi:
        return b, 0.0
    target = hi if total > hi else lo
    n = v.shape[0]
    breaks = np.concatenate([v - B, v])
    # Passing v_i - B frees coordinate i; passing v_i fixes it at 0.
    change = np.concatenate([np.ones(n), -np.ones(n)])
    order = np.argsort(breaks, kind="stable")
    breaks, change = breaks[order], change[order]
    n_free = np.cumsum(change)
    sums = n * B - np.concatenate(([0.0], np.cumsum(n_free[:-1] * np.diff(breaks))))
    k = int(np.searchsorted(-sums, -target, side="right")) - 1
    k = min(max(k, 0), 2 * n - 2)
    lam = breaks[k] + (sums[k] - target) / n_free[k] if n_free[k] > 0 else breaks[k]
    return np.clip(v - lam, 0.0, B), float(lam)


def _solve_face(K, rhs, free, jitter):
    """Solve ``K[free, free] x = rhs``.

    A face that is not numerically positive definite (duplicate rows) gets a
    jitter of ``1e-10 * max(diag(K))`` on its diagonal, which the next solves
    keep (``jitter`` is the one of the previous solve); an inaccurate
    solution is then rejected by the KKT check of the caller.

    Returns
    -------
    solved : tuple or None
        ``(x, 1' K_ff^-1 1, jitter used)``, or None when even the jittered
        matrix cannot be factorised.
    """
    idx = np.flatnonzero(free)
    K_ff = K[np.ix_(idx, idx)]
    both = np.column_stack([rhs, np.ones(idx.size)])
    diag = np.diag_indices_from(K_ff)
    base = K_ff[diag].copy()
    fallback = 1e-10 * max(float(base.max()), 1e-300)
    for extra in dict.fromkeys((jitter, max(jitter, fallback))):
        K_ff[diag] = base + extra
        try:
            factor = sla.cho_factor(K_ff, check_finite=False)
        except (np.linalg.LinAlgError, sla.LinAlgError):
            continue
        sol = sla.cho_solve(factor, both, check_finite=False)
        return sol[:, 0], float(sol[:, 1].sum()), extra
    return None


def _pivot_box(K, c, B, state, tol_x, tol_g, max_iter, jitter=0.0):
    """Solve ``min 1/2 b'Kb - c'b`` over ``0 <= b <= B`` by block pivoting.

    Block principal pivoting (Judice & Pires, 1994; Kim & Park, 2011) guesses
    which weights sit at 0, at ``B`` or in between (``state`` 0, 2, 1),
    solves the linear system of the free weights exactly, and moves every
    weight that breaks a KKT condition. It stops at a partition whose
    solution satisfies every KKT condition (returned as certified), or gives
    up when the number of violations stops decreasing.

    Returns
    -------
    x : ndarray or None
        Certified solution, or None.
    state : ndarray of int8
        Last partition.
    n_iter : int
        Linear solves done.
    slope : float
        ``1^T K_ff^-1 1`` on the final face (the rate at which the sum of the
        solution decreases with the multiplier of the sum constraint).
    jitter : float
        Diagonal jitter in use (see :func:`_solve_face`).
    """
    n = K.shape[0]
    state = state.copy()
    best, stalls = n + 1, 0
    for it in range(1, max_iter + 1):
        free, upper, lower = state == 1, state == 2, state == 0
        x = np.zeros(n)
        x[upper] = B
        Kx = B * K[:, upper].sum(axis=1) if upper.any() else np.zeros(n)
        slope = 0.0
        if free.any():
            solved = _solve_face(K, c[free] - Kx[free], free, jitter)
            if solved is None:
                return None, state, it, 0.0, jitter
            x[free], slope, jitter = solved
            Kx = K @ x
        g = Kx - c
        to_lower = free & (x < -tol_x)
        to_upper = free & (x > B + tol_x)
        to_free = (lower & (g < -tol_g)) | (upper & (g > tol_g))
        bad = to_lower | to_upper | to_free
        n_bad = int(bad.sum())
        if n_bad == 0:
            if np.all(np.abs(g[free]) <= tol_g):
                return np.clip(x, 0.0, B), state, it, slope, jitter
            return None, state, it, slope, jitter  # inaccurate solve
        if n_bad < best:
            best, stalls = n_bad, 0
        else:
            stalls += 1
            if stalls >= 3:
                return None, state, it, slope, jitter
        state[to_lower] = 0
        state[to_upper] = 2
        state[to_free] = 1
    return None, state, max_iter, 0.0, jitter


def _polish(K, kappa, B, lo, hi, x, mu, tol_x, tol_g, tol_s, max_iter):
    """Exact solution from an approximate one, or None.

    The sum constraint is moved into the objective with a multiplier ``mu``:
    for a fixed ``mu`` the box problem is solved by :func:`_pivot_box`, and
    ``mu`` is found by a safeguarded Newton search on the sum of the solution,
    which is non-increasing and piecewise linear in ``mu`` (so Newton steps
    are exact once the partition is right).
    """
    state = np.where(x <= 0.0, 0, np.where(x >= B, 2, 1)).astype(np.int8)
    # At mu = low every weight sits at B, at mu = high every weight at 0.
    low = min(0.0, float(np.min(kappa - B * K.sum(axis=1)))) - 1.0
    high = max(0.0, float(np.max(kappa))) + 1.0
    mu = min(max(mu, low), high)
    n_iter, jitter = 0, 0.0
    while n_iter < max_iter:
        sol, state, used, slope, jitter = _pivot_box(
            K, kappa - mu, B, state, tol_x, tol_g, max_iter - n_iter, jitter
        )
        n_iter += used
        if sol is None:
            return None, n_iter
        total = sol.sum()
        if mu == 0.0:
            if total > hi + tol_s:
                gap = total - hi
            elif total < lo - tol_s:
                gap = total - lo
            else:
                gap = 0.0
        else:
            gap = total - (hi if mu > 0.0 else lo)
            gap = 0.0 if abs(gap) <= tol_s else gap
        if gap == 0.0:
            return sol, n_iter
        if gap > 0.0:
            low = mu
        else:
            high = mu
        new = mu + gap / slope if slope > 0.0 else np.nan
        if low < 0.0 < high and mu != 0.0 and (new > 0.0) != (mu > 0.0):
            new = 0.0  # the sum constraint may be inactive: try mu = 0 first
        if not low < new < high:
            new = 0.5 * (low + high)
        mu = new
    return None, n_iter


def _ratio_to_boundary(v, dv):
    """Largest ``a`` with ``v + a * dv >= 0`` (``inf`` if ``dv >= 0``)."""
    neg = dv < 0.0
    return float(np.min(-v[neg] / dv[neg])) if np.any(neg) else np.inf


def _interior_point(K, kappa, B, lo, hi, *, tol, max_iter):
    """Interior-point solution of the box-and-band quadratic program.

    Mehrotra's predictor-corrector method (Nocedal & Wright, 2006, ch. 16)
    on an equivalent problem in which every variable has box bounds and one
    linear equality holds: the sum of the weights becomes a variable ``t``
    bounded by ``[lo, hi]`` with ``sum(x) - t = 0`` (or ``sum(x) = lo`` when
    the band has zero width). Slacks are kept as separate variables, so
    bounds close to each other cause no cancellation. Every iteration solves
    one system with ``K + diag(d)``, positive definite for any positive
    semi-definite ``K``, so the method is robust to an ill-conditioned or
    singular kernel matrix, at ``O(n^3)`` per iteration.

    Returns
    -------
    x : ndarray of shape (n,)
    n_iter : int
    converged : bool
        Whether the duality gap, relative to ``max(1, |objective|)``, and the
        residuals fell below ``tol``.
    """
    n = K.shape[0]
    cap = n * B
    if lo >= cap:
        return np.full(n, B), 0, True  # the only feasible point
    band = hi - lo > 1e-12 * max(1.0, hi)
    total = 0.5 * (max(lo, 0.0) + min(hi, cap)) if band else lo
    m = n + 1 if band else n
    lower, upper, a = np.zeros(m), np.full(m, float(B)), np.ones(m)
    if band:
        lower[n], upper[n], a[n] = lo, hi, -1.0
    b = 0.0 if band else lo
    scale = max(1.0, float(np.max(np.abs(kappa))))
    K_s, kappa_s = K / scale, kappa / scale
    v = np.full(m, total / n)
    if band:
        v[n] = total
    s, w = v - lower, upper - v  # slacks of the lower and upper bounds
    z, y, nu = np.ones(m), np.ones(m), 0.0  # their multipliers, the equality's
    diag = np.diag_indices(n)
    it, converged = 0, False
    for it in range(1, max_iter + 1):
        x = v[:n]
        Kx = K_s @ x
        grad = np.zeros(m)
        grad[:n] = Kx - kappa_s
        r_dual = grad - z + y + a * nu
        r_low, r_up, r_eq = v - s - lower, v + w - upper, a @ v - b
        gap = s @ z + w @ y
        objective = 0.5 * (x @ Kx) - kappa_s @ x
        r_prim = max(
            float(np.max(np.abs(r_low) / np.maximum(1.0, np.abs(lower)))),
            float(np.max(np.abs(r_up) / np.maximum(1.0, upper))),
            abs(r_eq) / max(1.0, hi),
        )
        if (
            gap <= tol * max(1.0, abs(objective))
            and float(np.max(np.abs(r_dual))) <= tol
            and r_prim <= tol
        ):
            converged = True
            break
        mu = gap / (2 * m)
        d = z / s + y / w
        M = K_s.copy()
        M[diag] += d[:n]
        try:
            factor = sla.cho_factor(M, check_finite=False)
        except (np.linalg.LinAlgError, sla.LinAlgError):
            M[diag] += 1e-12 * float(np.max(M[diag]))
            factor = sla.cho_factor(M, check_finite=False)

        def m_solve(r, factor=factor, d=d):
            out = np.empty(m)
            out[:n] = sla.cho_solve(factor, r[:n], check_finite=False)
            if band:
                out[n] = r[n] / d[n]
            return out

        Ma = m_solve(a)
        aMa = a @ Ma

        def newton(cz, cy, m_solve=m_solve, Ma=Ma, aMa=aMa, r_dual=r_dual):
            r = (
                -r_dual
                + (cz - s * z) / s
                - (z / s) * r_low
                - (cy - w * y) / w
                - (y / w) * r_up
            )
            Mr = m_solve(r)
            dnu = (a @ Mr + r_eq) / aMa
            dv = Mr - dnu * Ma
            ds, dw = dv + r_low, -dv - r_up
            dz = (cz - s * z - z * ds) / s
            dy = (cy - w * y - y * dw) / w
            return dv, ds, dw, dz, dy, dnu

        def lengths(ds, dw, dz, dy):
            primal = min(_ratio_to_boundary(s, ds), _ratio_to_boundary(w, dw))
            dual = min(_ratio_to_boundary(z, dz), _ratio_to_boundary(y, dy))
            return min(1.0, primal), min(1.0, dual)

        # Predictor (affine-scaling) step, then the centred corrector.
        _, ds, dw, dz, dy, _ = newton(np.zeros(m), np.zeros(m))
        ap, ad = lengths(ds, dw, dz, dy)
        gap_aff = (s + ap * ds) @ (z + ad * dz) + (w + ap * dw) @ (y + ad * dy)
        sigma = min(1.0, max(0.0, gap_aff / gap)) ** 3
        dv, ds, dw, dz, dy, dnu = newton(sigma * mu - ds * dz, sigma * mu - dw * dy)
        ap, ad = lengths(ds, dw, dz, dy)
        ap, ad = 0.99 * ap, 0.99 * ad
        v, s, w = v + ap * dv, s + ap * ds, w + ap * dw
        z, y, nu = z + ad * dz, y + ad * dy, nu + ad * dnu
    return v[:n].copy(), it, converged


def _warm_start(K, kappa, B, lo, hi, n_steps, x=None, lip=None):
    """Accelerated projected gradient steps (FISTA with adaptive restart).

    Starts from ``x`` (else from the projection of 0) with step ``1 / lip``
    (else estimated). Returns the last iterate, the multiplier estimate of
    the sum constraint, which :func:`_polish` starts from, and ``lip``.
    """
    n = K.shape[0]
    if lip is None:
        # Largest eigenvalue by power iteration; backtracking corrects it.
        u = np.full(n, 1.0 / math.sqrt(n))
        lip = 1.0
        for _ in range(20):
            Ku = K @ u
            norm = float(np.linalg.norm(Ku))
            if norm == 0.0:
                break
            lip, u = norm, Ku / norm
        lip = max(1.01 * lip, np.finfo(np.float64).tiny)
    lam = 0.0
    if x is None:
        x, lam = _project_box_band(np.zeros(n), B, lo, hi)
    Kx = K @ x
    y, Ky, t = x, Kx, 1.0
    for _ in range(n_steps):
        grad = Ky - kappa
        while True:
            x_new, lam = _project_box_band(y - grad / lip, B, lo, hi)
            Kx_new = K @ x_new
            step = x_new - y
            if step @ (Kx_new - Ky) <= lip * (step @ step) * (1.0 + 1e-10):
                break
            lip *= 1.5
        if step @ (x_new - x) > 0.0:
            t = 1.0  # adaptive restart: the momentum points uphill
        t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_new
        y = x_new + beta * (x_new - x)
        Ky = Kx_new + beta * (Kx_new - Kx)
        x, Kx, t = x_new, Kx_new, t_new
    return x, lip * lam, lip


# Projected-gradient steps before each attempt of the exact pivoting.
_WARM_STEPS = (50, 50)


def _solve_box_band_qp(K, kappa, B, lo, hi, *, tol, max_iter):
    """Minimise ``1/2 b'Kb - kappa'b`` over ``{0 <= b <= B, lo <= sum(b) <= hi}``.

    ``K`` must be symmetric positive semi-definite and the set non-empty
    (``lo <= n * B``). Two stages:

    1. Accelerated projected gradient with the exact projection of
       :func:`_project_box_band` guesses which weights sit at their bounds;
       :func:`_polish` then solves the KKT conditions exactly on that guess
       (block principal pivoting plus a Newton search for the multiplier of
       the sum constraint) and returns a solution only when it passes every
       KKT check within ``tol``. This is fast when ``K`` is well conditioned
       (two attempts, after 50 and 100 gradient steps).
    2. Otherwise (an ill-conditioned or singular ``K``, where pivoting
       cannot certify a solution), :func:`_interior_point` solves the
       program to a relative duality gap of ``tol``.

    The final weights are projected onto the feasible set, so the
    constraints hold up to rounding.

    Returns
    -------
    b : ndarray of shape (n,)
        The weights.
    objective : float
        ``1/2 b'Kb - kappa'b``.
    n_iter : int
        Gradient steps, linear solves of the pivoting and interior-point
        iterations.
    converged : bool
        Whether a KKT check or the interior-point criterion was met.
    """
    scale = max(1.0, float(np.max(np.abs(kappa))))
    tol_g, tol_x, tol_s = tol * scale, tol * max(1.0, B), tol * max(1.0, hi)
    n_iter, x, lip, exact, ok = 0, None, None, None, False
    for n_steps in _WARM_STEPS:
        x, mu, lip = _warm_start(K, kappa, B, lo, hi, n_steps, x, lip)
        exact, used = _polish(K, kappa, B, lo, hi, x, mu, tol_x, tol_g, tol_s, 100)
        n_iter += n_steps + used
        if exact is not None:
            x, ok = exact, True
            break
    if exact is None:
        x, used, ok = _interior_point(K, kappa, B, lo, hi, tol=tol, max_iter=max_iter)
        n_iter += used
    x = _project_box_band(x, B, lo, hi)[0]
    objective = 0.5 * float(x @ (K @ x)) - float(kappa @ x)
    return x, objective, n_iter, ok


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _kernel_row_sums(A, B, kernel, params):
    """Row sums of ``kernel(A, B)``, computed in blocks of rows of ``B``."""
    out = np.zeros(_num_samples(A))
    step = max(1, _BLOCK_ELEMENTS // max(1, _num_samples(A)))
    for batch in gen_batches(_num_samples(B), step):
        out += pairwise_kernels(A, B[batch], metric=kernel, **params).sum(axis=1)
    return out


class _Weighting(BaseWeighting):
    """Shared input checks of the weightings."""

    # dtype of the validated X.
    _fit_dtype = "numeric"

    def _validate_fit_X(self, X):
        return validate_data(
            self, X, reset=True, accept_sparse="csr", dtype=self._fit_dtype
        )

    def _validate_X(self, X):
        return validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=self._fit_dtype
        )

    def _check_compute(self, X):
        check_is_fitted(self)
        return self._validate_X(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# --------------------------------------------------------------------------
# Kernel mean matching
# --------------------------------------------------------------------------


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
        converges in 10 to 30 iterations.
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
    identity_ : bool
        True when ``fit`` saw a single domain, so that every weight is 1.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

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
    >>> from sktransfer.adaptation._weighting import KMMWeighting
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

    _fit_dtype = np.float64

    _parameter_constraints: dict = {
        "kernel": [StrOptions({"rbf", "laplacian"})],
        "gamma": [None, Interval(Real, 0, None, closed="neither")],
        "B": [Interval(Real, 0, None, closed="neither")],
        "eps": [None, Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
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
        Xs = X[np.flatnonzero(masks.source)]
        Xt = X[np.flatnonzero(masks.target)]
        n_s = Xs.shape[0]
        if self.gamma is not None:
            self.gamma_ = float(self.gamma)
        else:
            self.gamma_ = scale_gamma(X, squared=self.kernel == "rbf")
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
        for idx in chunks:
            w, f, it, ok = self._solve(Xs[idx], Xt)
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
        params = {"gamma": self.gamma_}
        K = pairwise_kernels(Xs, metric=self.kernel, **params)
        K = 0.5 * (K + K.T)
        kappa = (n_s / n_t) * _kernel_row_sums(Xs, Xt, self.kernel, params)
        w, f, it, ok = _solve_box_band_qp(
            K, kappa, float(self.B), lo, hi, tol=self.tol, max_iter=self.max_iter
        )
        return w, f, it, ok


# --------------------------------------------------------------------------
# KLIEP
# --------------------------------------------------------------------------


def _kliep_fit(K_tc, b, *, tol, max_iter):
    """Coefficients ``alpha`` maximising KLIEP's likelihood on target rows.

    Maximises ``mean_j log((K_tc @ alpha)_j)`` subject to ``b @ alpha = 1``
    and ``alpha >= 0``. With ``beta = b * alpha`` the constraint set is the
    simplex and the problem is the maximum-likelihood estimation of mixture
    proportions, solved by sequential quadratic programming (as in mixSQP,
    Kim et al., 2020): each step solves the quadratic model over the simplex
    with :func:`_interior_point` (robust to the singular Hessians that
    duplicate centres give), then backtracks. It stops when the
    Frank-Wolfe gap, an upper bound of the distance of the mean
    log-likelihood to its maximum, is below ``tol``.

    Returns
    -------
    alpha : ndarray of shape (n_centers,)
    n_iter : int
    converged : bool
    """
    m = b.shape[0]
    keep = b > 0.0  # a centre out of reach of every source row is dropped
    M = K_tc[:, keep] / b[keep]
    M = M[M.max(axis=1) > 0.0]  # rows out of reach of every centre
    n, k = M.shape
    alpha = np.zeros(m)
    if n == 0 or k == 0:
        return alpha, 0, True
    beta = np.full(k, 1.0 / k)
    p = M @ beta
    loss = -float(np.mean(np.log(p)))
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        r = 1.0 / p
        grad = M.T @ r / n  # gradient of the mean log-likelihood
        if float(grad.max() - grad @ beta) <= tol:
            converged = True
            break
        Mr = M * r[:, None]
        H = Mr.T @ Mr / n
        H = 0.5 * (H + H.T)
        z, _, _ = _interior_point(
            H, H @ beta + grad, 1.0, 1.0, 1.0, tol=1e-10, max_iter=100
        )
        z = _project_box_band(z, 1.0, 1.0, 1.0)[0]  # exactly on the simplex
        direction = z - beta
        slope = -float(grad @ direction)  # directional derivative of the loss
        if slope >= 0.0:
            converged = True
            break
        t = 1.0
        while True:
            cand = beta + t * direction
            p_new = M @ cand
            if np.all(p_new > 0.0):
                loss_new = -float(np.mean(np.log(p_new)))
                if loss_new <= loss + 1e-4 * t * slope:
                    break
            t *= 0.5
            if t < 1e-12:
                cand, p_new, loss_new = beta, p, loss
                break
        if t < 1e-12:
            converged = True
            break
        beta, p, loss = np.clip(cand, 0.0, None), p_new, loss_new
    alpha[keep] = beta / b[keep]
    return alpha, it, converged


class KLIEPWeighting(_Weighting):
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
        ``alpha``.
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
    identity_ : bool
        True when ``fit`` saw a single domain: every weight is 1 and
        :meth:`compute_weights` returns ones.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

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
    >>> from sktransfer.adaptation._weighting import KLIEPWeighting
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

    _fit_dtype = np.float64

    _parameter_constraints: dict = {
        "gamma": [None, Interval(Real, 0, None, closed="neither"), "array-like"],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
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

    def _candidate_gammas(self, X):
        if self.gamma is None:
            return [scale_gamma(X)]
        if np.ndim(self.gamma) == 0:
            return [float(self.gamma)]
        try:
            gammas = np.asarray(self.gamma, dtype=float).ravel()
        except (TypeError, ValueError):
            gammas = np.array([np.nan])
        if gammas.size == 0 or not np.all(np.isfinite(gammas) & (gammas > 0)):
            raise ValueError(
                "gamma must be None, a positive float or a non-empty list of "
                f"positive floats, got {self.gamma!r}."
            )
        return [float(g) for g in gammas]

    def _fit_alpha(self, K_tc, b):
        return _kliep_fit(K_tc, b, tol=self.tol, max_iter=self.max_iter)

    def _fit_weights(self, X, masks):
        Xs = X[np.flatnonzero(masks.source)]
        Xt = X[np.flatnonzero(masks.target)]
        n_t = Xt.shape[0]
        gammas = self._candidate_gammas(X)
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
            self.cv_scores_ = np.asarray(scores)
            gamma = gammas[int(np.argmax(self.cv_scores_))]
        else:
            gamma = gammas[0]
        K_tc = pairwise_kernels(Xt, centers, metric="rbf", gamma=gamma)
        K_sc = pairwise_kernels(Xs, centers, metric="rbf", gamma=gamma)
        b = K_sc.mean(axis=0)
        if not np.any(b > 0.0):
            raise ValueError(
                f"gamma={gamma:.6g} is too large: the kernel of every centre "
                "underflows to 0 on every source row. Use a smaller gamma."
            )
        alpha, n_iter, converged = self._fit_alpha(K_tc, b)
        if not converged:
            warnings.warn(
                f"KLIEPWeighting did not reach tol={self.tol} in "
                f"max_iter={self.max_iter} iterations. Increase max_iter.",
                ConvergenceWarning,
                stacklevel=6,
            )
        self.centers_ = centers
        self.alpha_ = alpha
        self.gamma_ = gamma
        self.n_iter_ = n_iter
        return K_sc @ alpha

    def compute_weights(self, X):
        """Return the importance weights ``w(x)`` of new rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to weight.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            ``w(x)`` for every row; ones when ``fit`` saw a single domain.
        """
        X = self._check_compute(X)
        if self.identity_:
            return np.ones(X.shape[0])
        K = pairwise_kernels(X, self.centers_, metric="rbf", gamma=self.gamma_)
        return K @ self.alpha_


# --------------------------------------------------------------------------
# Discriminative (domain classifier) weighting
# --------------------------------------------------------------------------


class DiscriminativeWeighting(_Weighting):
    r"""Importance weights from a source-vs-target domain classifier.

    A probabilistic classifier learns to tell target rows (class 1) from
    source rows (class 0). By Bayes' rule the density ratio is

    .. math::

        w(x) = \frac{p_{target}(x)}{p_{source}(x)}
             = \frac{n_s}{n_t} \, \frac{P(\text{target} \mid x)}
                                       {P(\text{source} \mid x)},

    where :math:`n_s / n_t` corrects for the proportions of the two domains
    in the training rows (Bickel et al., 2009). Weights above ``clip`` are
    set to ``clip``.

    Parameters
    ----------
    estimator : classifier object, default=None
        Any scikit-learn classifier with ``predict_proba`` (a pipeline ending
        with one works). None uses
        ``LogisticRegression()``. Cloned in ``fit``. Sparse input works
        when the classifier accepts it.
    clip : float or None, default=10.0
        Largest weight: a row that the classifier places far inside the
        target domain gets ``clip`` rather than a weight that would dominate
        the fit. None keeps the raw ratio (``P(source | x)`` is still floored
        at machine epsilon, so weights stay finite).
    cv : int, cross-validation generator, iterable or None, default=None
        Cross-fitting of the source weights. None weights the source rows
        with the classifier fitted on all rows. Otherwise each source row is
        weighted by a classifier that did not see it, from
        :func:`~sklearn.model_selection.cross_val_predict` (an int means that
        many unshuffled stratified folds), which avoids weights that reflect
        the classifier's memory of the row rather than the two densities.

    Attributes
    ----------
    weights_ : ndarray of shape (n_samples,)
        Weight of every training row: ``w(x)`` for source rows, 1 for target
        rows.
    estimator_ : classifier object
        The domain classifier fitted on all training rows, used by
        :meth:`compute_weights`.
    prior_ratio_ : float
        ``n_s / n_t`` of the training rows.
    identity_ : bool
        True when ``fit`` saw a single domain: every weight is 1 and
        :meth:`compute_weights` returns ones.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    KLIEPWeighting : Density-ratio model fitted by maximum likelihood.
    NearestNeighborWeighting : Counts of target rows in Voronoi cells.

    Notes
    -----
    The weights are only as good as the classifier's probabilities; a
    well-calibrated classifier (logistic regression, or any classifier in
    :class:`~sklearn.calibration.CalibratedClassifierCV`) suits best.

    References
    ----------
    .. [1] S. Bickel, M. Brueckner and T. Scheffer, "Discriminative learning
       under covariate shift", JMLR 10, 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation._weighting import DiscriminativeWeighting
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (50, 1)), rng.normal(1, 1, (50, 1))]
    >>> y = np.r_[(X[:50, 0] > 0).astype(int), -np.ones(50, dtype=int)]
    >>> dw = DiscriminativeWeighting().fit(X, y)
    >>> w = dw.compute_weights([[-1.0], [0.0], [1.0]])
    >>> bool(w[0] < w[1] < w[2])
    True
    """

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "clip": [None, Interval(Real, 0, None, closed="neither")],
        "cv": ["cv_object"],
    }

    def __init__(self, estimator=None, *, clip=10.0, cv=None):
        self.estimator = estimator
        self.clip = clip
        self.cv = cv

    @_fit_context(
        # The domain classifier is validated by its own fit.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y=None, *, sample_domain=None):
        """Estimate importance weights of the source rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows together.
        y : array-like of shape (n_samples,), default=None
            Labels; ``-1`` (NaN for regression) marks unlabelled rows, which
            form the target domain unless ``sample_domain`` is given.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row: non-negative for source, negative for target.

        Returns
        -------
        self : object
            The fitted weighting, with ``weights_`` set.
        """
        return self._fit(X, y, sample_domain)

    def _base_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def _ratio(self, proba, classes):
        target_col = int(np.flatnonzero(classes == 1)[0])
        p_target = proba[:, target_col]
        p_source = proba[:, 1 - target_col]
        w = self.prior_ratio_ * p_target / np.maximum(p_source, _PROBA_FLOOR)
        if self.clip is not None:
            w = np.minimum(w, self.clip)
        return w

    def _fit_weights(self, X, masks):
        domain = masks.target.astype(np.int64)  # 1 = target, 0 = source
        n_t = int(domain.sum())
        n_s = domain.size - n_t
        src = np.flatnonzero(masks.source)
        if isinstance(self.cv, Integral) and min(n_s, n_t) < self.cv:
            raise ValueError(
                f"cv={self.cv} stratified folds need at least {self.cv} source "
                f"and {self.cv} target rows, got {n_s} source and {n_t} target "
                "rows. Lower cv or set cv=None."
            )
        estimator = clone(self._base_estimator()).fit(X, domain)
        self.estimator_ = estimator
        self.prior_ratio_ = n_s / n_t
        if self.cv is None:
            proba = estimator.predict_proba(X[src])
            classes = estimator.classes_
        else:
            cv = check_cv(self.cv, domain, classifier=True)
            proba = cross_val_predict(
                clone(self._base_estimator()),
                X,
                domain,
                cv=cv,
                method="predict_proba",
            )[src]
            classes = np.array([0, 1])
        return self._ratio(proba, classes)

    def compute_weights(self, X):
        """Return importance weights of new rows from the domain classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to weight.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            ``(n_s / n_t) * P(target | x) / P(source | x)``, clipped at
            ``clip``; ones when ``fit`` saw a single domain.
        """
        X = self._check_compute(X)
        if self.identity_:
            return np.ones(X.shape[0])
        return self._ratio(self.estimator_.predict_proba(X), self.estimator_.classes_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self._base_estimator()).input_tags.sparse
        return tags


# --------------------------------------------------------------------------
# Nearest-neighbour weighting
# --------------------------------------------------------------------------

_NN_METRICS = sorted(
    set(VALID_METRICS["brute"])
    - {"precomputed", "nan_euclidean", "mahalanobis", "seuclidean", "haversine"}
)


class NearestNeighborWeighting(_Weighting):
    r"""Nearest-neighbour importance weights (Loog, 2012).

    Every target row votes for its nearest source row: the weight of a
    source row grows with the number of target rows in its Voronoi cell,
    a direct nearest-neighbour estimate of the density ratio. With ``c_i``
    the votes of source row ``i`` and ``s`` the ``smoothing``,

    .. math::

        w_i = \frac{n_s}{n_t + s\, n_s} \, (c_i + s),

    so the source weights average to 1. With ``n_neighbors=k > 1``, every
    target row spreads one vote evenly over its ``k`` nearest source rows
    (``c_i`` counts ``1/k`` per such target row).

    Parameters
    ----------
    n_neighbors : int, default=1
        Number of source rows each target row votes for; 1 is Loog's
        estimator.
    metric : str or callable, default='euclidean'
        Distance used by :class:`~sklearn.neighbors.NearestNeighbors`
        (``'cosine'`` suits TF-IDF rows). Sparse input works with the metrics
        that :class:`~sklearn.neighbors.NearestNeighbors` supports on it.
    smoothing : float, default=1.0
        Count added to every source row before normalising (the Laplace
        smoothing of Loog, 2012), so that source rows without target
        neighbours keep a positive weight. 0 gives the raw vote counts.

    Attributes
    ----------
    weights_ : ndarray of shape (n_samples,)
        Weight of every training row: ``w_i`` for source rows, 1 for target
        rows.
    counts_ : ndarray of shape (n_source_rows,)
        Votes ``c_i`` of the source rows, in the order of the source rows of
        ``X``.
    neighbors_ : NearestNeighbors
        The index of the source rows.
    identity_ : bool
        True when ``fit`` saw a single domain: every weight is 1 and
        :meth:`compute_weights` returns ones.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    KLIEPWeighting : Smooth density-ratio model.
    DiscriminativeWeighting : Ratio from a source-vs-target classifier.

    Notes
    -----
    Ties between equidistant source rows are broken by the neighbour search
    (the lower index for the brute-force search). The estimate is constant on
    the Voronoi cell of every source row, which is how
    :meth:`compute_weights` extends it to new rows.

    References
    ----------
    .. [1] M. Loog, "Nearest neighbor-based importance weighting", IEEE
       International Workshop on Machine Learning for Signal Processing
       (MLSP), 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation._weighting import NearestNeighborWeighting
    >>> X = np.array([[0.0], [1.0], [2.0], [1.1], [1.9], [2.2]])
    >>> y = np.array([0, 1, 1, -1, -1, -1])
    >>> nnw = NearestNeighborWeighting().fit(X, y)
    >>> nnw.counts_
    array([0., 1., 2.])
    >>> nnw.weights_
    array([0.5, 1. , 1.5, 1. , 1. , 1. ])
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions(set(_NN_METRICS)), callable],
        "smoothing": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, n_neighbors=1, *, metric="euclidean", smoothing=1.0):
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.smoothing = smoothing

    def _fit_weights(self, X, masks):
        Xs = X[np.flatnonzero(masks.source)]
        Xt = X[np.flatnonzero(masks.target)]
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        if self.n_neighbors > n_s:
            raise ValueError(
                f"n_neighbors={self.n_neighbors} is larger than the number of "
                f"source rows ({n_s}). Lower n_neighbors."
            )
        nn = NearestNeighbors(n_neighbors=self.n_neighbors, metric=self.metric)
        nn.fit(Xs)
        idx = nn.kneighbors(Xt, return_distance=False)
        counts = np.bincount(idx.ravel(), minlength=n_s) / self.n_neighbors
        s = float(self.smoothing)
        weights = (counts + s) * (n_s / (n_t + s * n_s))
        self.counts_ = counts
        self.neighbors_ = nn
        self._source_weights = weights
        return weights

    def compute_weights(self, X):
        """Return the weight of the Voronoi cell of each new row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to weight.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            The weight of the source training row nearest to each row (for
            any ``n_neighbors``); ones when ``fit`` saw a single domain.
        """
        X = self._check_compute(X)
        if self.identity_:
            return np.ones(X.shape[0])
        idx = self.neighbors_.kneighbors(X, n_neighbors=1, return_distance=False)
        return self._source_weights[idx[:, 0]]
