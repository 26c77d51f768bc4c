"""Solvers of the quadratic and convex programs of the importance weightings.

* :func:`solve_box_band_qp` minimises ``1/2 b'Kb - kappa'b`` over the box
  ``0 <= b <= B`` intersected with the band ``lo <= sum(b) <= hi``: the program
  of kernel mean matching (:class:`~sktransfer.adaptation.KMMWeighting`).
  :func:`interior_point_qp` is its robust fallback and
  :func:`project_box_band` the exact projection onto the feasible set.
* :func:`solve_kliep` maximises KLIEP's likelihood
  (:class:`~sktransfer.adaptation.KLIEPWeighting`) by sequential quadratic
  programming.

The solvers take arrays and options and return their results with
convergence information; they know nothing of estimators, domains or input
validation (as scikit-learn's ``linear_model/_glm/_newton_solver.py`` sits
beside the estimator that uses it).
"""

import math
from typing import NamedTuple

import numpy as np
import scipy.linalg as sla

__all__ = [
    "BoxBandQPResult",
    "SolverResult",
    "interior_point_qp",
    "project_box_band",
    "solve_box_band_qp",
    "solve_kliep",
]


class BoxBandQPResult(NamedTuple):
    """Result of :func:`solve_box_band_qp`."""

    x: np.ndarray
    """The solution, feasible up to rounding."""
    objective: float
    """``1/2 x'Kx - kappa'x`` at ``x``."""
    n_iter: int
    """Gradient steps, linear solves of the pivoting and interior-point iterations."""
    converged: bool
    """Whether a KKT check or the interior-point criterion was met."""


class SolverResult(NamedTuple):
    """Result of :func:`interior_point_qp` and :func:`solve_kliep`."""

    x: np.ndarray
    """The solution."""
    n_iter: int
    """Iterations done."""
    converged: bool
    """Whether the stopping criterion was met within ``max_iter`` iterations."""


# --------------------------------------------------------------------------
# Quadratic programs over {0 <= b <= B, lo <= sum(b) <= hi}
# --------------------------------------------------------------------------


def project_box_band(v, B, lo, hi):
    """Project ``v`` onto ``{0 <= b <= B, lo <= sum(b) <= hi}`` exactly.

    The set must be non-empty (``0 <= lo <= hi`` and ``lo <= n * B``). The
    projection is ``clip(v - lam, 0, B)`` for the multiplier ``lam`` of
    the sum constraint (0 when the clipped vector already satisfies it). The
    sum of ``clip(v - lam, 0, B)`` is piecewise linear and non-increasing in
    ``lam``; its breakpoints are sorted and the right piece is solved in closed
    form, so the result is exact up to rounding.

    Parameters
    ----------
    v : ndarray of shape (n,)
        The point to project.
    B : float
        Upper bound of every coordinate.
    lo, hi : float
        Bounds of the sum of the coordinates.

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


def interior_point_qp(K, kappa, B, lo, hi, *, tol, max_iter):
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

    Parameters
    ----------
    K, kappa, B, lo, hi
        The program, as in :func:`solve_box_band_qp`.
    tol : float
        Tolerance of the duality gap, relative to ``max(1, |objective|)``,
        and of the residuals.
    max_iter : int
        Most iterations.

    Returns
    -------
    result : SolverResult
        ``x`` (ndarray of shape (n,)), ``n_iter`` and ``converged``: whether
        the duality gap, relative to ``max(1, |objective|)``, and the
        residuals fell below ``tol``. ``x`` may violate the bounds by
        rounding; :func:`project_box_band` makes it feasible.
    """
    _check_finite("interior_point_qp", K=K, kappa=kappa)
    n = K.shape[0]
    cap = n * B
    if lo >= cap:
        return SolverResult(np.full(n, B), 0, True)  # the only feasible point
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
    return SolverResult(v[:n].copy(), it, converged)


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
        x, lam = project_box_band(np.zeros(n), B, lo, hi)
    Kx = K @ x
    y, Ky, t = x, Kx, 1.0
    for _ in range(n_steps):
        grad = Ky - kappa
        for _ in range(_MAX_BACKTRACKS):
            x_new, lam = project_box_band(y - grad / lip, B, lo, hi)
            Kx_new = K @ x_new
            step = x_new - y
            if step @ (Kx_new - Ky) <= lip * (step @ step) * (1.0 + 1e-10):
                break
            lip *= 1.5
        else:
            # lip would have overflowed float64: K @ x overflows (K is of an
            # extreme scale) and the descent test compares NaN.
            raise ValueError(
                "the projected-gradient line search found no step: the "
                "products of K overflow float64. Rescale K and kappa."
            )
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

# Most increases (by 1.5) of the step constant in one backtracking search:
# 1.5**1760 overflows float64, so a finite K always ends the search before.
_MAX_BACKTRACKS = 1800

# Step lengths tried by one SQP iteration of KLIEP (1, 1/2, ...).
_KLIEP_HALVINGS = 40


def _check_finite(owner, **arrays):
    """Raise a ``ValueError`` naming the first non-finite array of ``arrays``."""
    for name, array in arrays.items():
        if not np.all(np.isfinite(array)):
            raise ValueError(
                f"{owner}: {name} holds NaN or infinite values; the program "
                "is undefined. Check the input for values whose kernel or "
                "squares overflow float64."
            )


def solve_box_band_qp(K, kappa, B, lo, hi, *, tol, max_iter):
    """Minimise ``1/2 b'Kb - kappa'b`` over ``{0 <= b <= B, lo <= sum(b) <= hi}``.

    ``K`` must be symmetric positive semi-definite and the set non-empty
    (``lo <= n * B``). Two stages:

    1. Accelerated projected gradient with the exact projection of
       :func:`project_box_band` guesses which weights sit at their bounds;
       :func:`_polish` then solves the KKT conditions exactly on that guess
       (block principal pivoting plus a Newton search for the multiplier of
       the sum constraint) and returns a solution only when it passes every
       KKT check within ``tol``. This is fast when ``K`` is well conditioned
       (two attempts, after 50 and 100 gradient steps).
    2. Otherwise (an ill-conditioned or singular ``K``, where pivoting
       cannot certify a solution), :func:`interior_point_qp` solves the
       program to a relative duality gap of ``tol``.

    The final weights are projected onto the feasible set, so the
    constraints hold up to rounding.

    Parameters
    ----------
    K : ndarray of shape (n, n)
        Symmetric positive semi-definite matrix.
    kappa : ndarray of shape (n,)
        Linear term.
    B : float
        Upper bound of every variable (``> 0``).
    lo, hi : float
        Bounds of the sum of the variables, ``0 <= lo <= hi`` and
        ``lo <= n * B``.
    tol : float
        Relative tolerance: of the KKT conditions (the gradient relative to
        ``max(1, max|kappa|)``, the bounds relative to ``max(1, B)``, the sum
        relative to ``max(1, hi)``) for the exact path, and of the duality
        gap for the interior-point fallback.
    max_iter : int
        Most iterations of the interior-point fallback.

    Returns
    -------
    result : BoxBandQPResult
        ``x`` (the weights, ndarray of shape (n,)), ``objective``
        (``1/2 x'Kx - kappa'x``), ``n_iter`` (gradient steps, linear solves
        of the pivoting and interior-point iterations) and ``converged``
        (whether a KKT check or the interior-point criterion was met).
    """
    _check_finite("solve_box_band_qp", K=K, kappa=kappa)
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
        x, used, ok = interior_point_qp(K, kappa, B, lo, hi, tol=tol, max_iter=max_iter)
        n_iter += used
    x = project_box_band(x, B, lo, hi)[0]
    objective = 0.5 * float(x @ (K @ x)) - float(kappa @ x)
    return BoxBandQPResult(x, objective, n_iter, ok)


# --------------------------------------------------------------------------
# KLIEP
# --------------------------------------------------------------------------


def solve_kliep(K_tc, b, *, tol, max_iter):
    """Coefficients ``alpha`` maximising KLIEP's likelihood on target rows.

    Maximises ``mean_j log((K_tc @ alpha)_j)`` subject to ``b @ alpha = 1``
    and ``alpha >= 0``. With ``beta = b * alpha`` the constraint set is the
    simplex and the problem is the maximum-likelihood estimation of mixture
    proportions, solved by sequential quadratic programming (as in mixSQP,
    Kim et al., 2020): each step solves the quadratic model over the simplex
    with :func:`interior_point_qp` (robust to the singular Hessians that
    duplicate centres give), then backtracks. It stops when the
    Frank-Wolfe gap, an upper bound of the distance of the mean
    log-likelihood to its maximum, is below ``tol``.

    Parameters
    ----------
    K_tc : ndarray of shape (n_target, n_centers)
        Non-negative kernel values between target rows and centres.
    b : ndarray of shape (n_centers,)
        Non-negative mean kernel value of each centre over the source rows.
        A centre with ``b == 0`` gets ``alpha == 0``.
    tol : float
        Stop when the Frank-Wolfe gap is at most ``tol``.
    max_iter : int
        Most SQP steps.

    Returns
    -------
    result : SolverResult
        ``x`` (``alpha``, ndarray of shape (n_centers,), non-negative with
        ``b @ alpha == 1`` up to rounding unless every ``b`` is 0),
        ``n_iter`` and ``converged``.
    """
    _check_finite("solve_kliep", K_tc=K_tc, b=b)
    m = b.shape[0]
    keep = b > 0.0  # a centre out of reach of every source row is dropped
    M = K_tc[:, keep] / b[keep]
    M = M[M.max(axis=1) > 0.0]  # rows out of reach of every centre
    n, k = M.shape
    alpha = np.zeros(m)
    if n == 0 or k == 0:
        return SolverResult(alpha, 0, True)
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
        z, _, _ = interior_point_qp(
            H, H @ beta + grad, 1.0, 1.0, 1.0, tol=1e-10, max_iter=100
        )
        z = project_box_band(z, 1.0, 1.0, 1.0)[0]  # exactly on the simplex
        direction = z - beta
        slope = -float(grad @ direction)  # directional derivative of the loss
        if slope >= 0.0:
            converged = True
            break
        # Backtracking over t = 1, 1/2, ..., 2**-39 (the last above 1e-12).
        for halvings in range(_KLIEP_HALVINGS):
            t = 0.5**halvings
            cand = beta + t * direction
            p_new = M @ cand
            if np.all(p_new > 0.0):
                loss_new = -float(np.mean(np.log(p_new)))
                if loss_new <= loss + 1e-4 * t * slope:
                    break
        else:
            converged = True  # no step decreases the loss: at the optimum
            break
        beta, p, loss = np.clip(cand, 0.0, None), p_new, loss_new
    alpha[keep] = beta / b[keep]
    return SolverResult(alpha, it, converged)
