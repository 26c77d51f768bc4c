"""The solvers of ``sktransfer.adaptation._qp``, tested on arrays alone.

References are computed independently: SLSQP (``scipy.optimize.minimize``)
for the box-and-band program, bounded least squares
(``scipy.optimize.lsq_linear``) when the band is inactive, bisection for the
projection, and the KKT conditions of each program.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.linalg import cholesky, solve_triangular
from scipy.optimize import lsq_linear, minimize

from sktransfer.adaptation._qp import (
    BoxBandQPResult,
    SolverResult,
    interior_point_qp,
    project_box_band,
    solve_box_band_qp,
    solve_kliep,
)
from tests.adaptation._weighting_problems import _kmm_reference, _rbf, _shifted


def _random_problem(n, seed, rank=None, scale=1.0):
    """A random PSD ``K`` (of rank ``rank``) and a linear term ``kappa``."""
    rng = np.random.RandomState(seed)
    A = rng.normal(size=(n, rank or n))
    K = A @ A.T / (rank or n) + (0.0 if rank else 0.1) * np.eye(n)
    kappa = scale * (K @ rng.uniform(0.0, 2.0, n) + rng.normal(scale=0.5, size=n))
    return 0.5 * (K + K.T), kappa


def _objective(K, kappa, b):
    return 0.5 * b @ K @ b - kappa @ b


def _assert_feasible(b, B, lo, hi, tol=1e-9):
    assert b.min() >= 0.0 and b.max() <= B
    assert lo - tol * max(1.0, hi) <= b.sum() <= hi + tol * max(1.0, hi)


def _assert_kkt(K, kappa, b, B, lo, hi, tol, at_bound=1e-9):
    """KKT conditions of min 1/2 b'Kb - kappa'b on {0 <= b <= B, lo <= sum <= hi}.

    With ``g = K b - kappa`` and ``mu`` the multiplier of the sum constraint:
    ``g + mu`` is 0 on free weights, >= 0 at 0 and <= 0 at ``B``; ``mu >= 0``
    only when the sum is at ``hi``, ``mu <= 0`` only when it is at ``lo``.
    A weight within ``at_bound * B`` of a bound counts as at the bound.
    """
    g = K @ b - kappa
    scale = max(1.0, np.abs(kappa).max())
    at_lo, at_hi = b <= at_bound * B, b >= B * (1 - at_bound)
    free = ~(at_lo | at_hi)
    if free.any():
        mu = -float(np.median(g[free]))
        assert np.abs(g[free] + mu).max() <= tol * scale
    else:  # mu lies anywhere between the bounds the fixed weights give
        mu = -float(g[at_hi].max()) if at_hi.any() else -float(g[at_lo].min())
    assert np.all(g[at_lo] + mu >= -tol * scale)
    assert np.all(g[at_hi] + mu <= tol * scale)
    total = b.sum()
    if mu > tol * scale:
        assert total == pytest.approx(hi, abs=1e-7 * max(1.0, hi))
    if mu < -tol * scale:
        assert total == pytest.approx(lo, abs=1e-7 * max(1.0, hi))


# --------------------------------------------------------------------------
# Projection
# --------------------------------------------------------------------------


def test_project_box_band_against_bisection():
    rng = np.random.RandomState(0)
    for B, lo, hi in [(2.0, 9.0, 11.0), (1.5, 30.0, 30.0), (5.0, 0.0, 3.0)]:
        v = rng.normal(scale=3, size=25)
        b, _ = project_box_band(v, B, lo, hi)
        # Reference: bisection on the multiplier of the sum constraint.
        total = np.clip(v, 0, B).sum()
        target = min(max(total, lo), hi)
        a, c = v.min() - B - 1, v.max() + 1
        for _ in range(200):
            m = 0.5 * (a + c)
            a, c = (m, c) if np.clip(v - m, 0, B).sum() > target else (a, m)
        assert_allclose(b, np.clip(v - 0.5 * (a + c), 0, B), atol=1e-9)
        assert lo - 1e-9 <= b.sum() <= hi + 1e-9


def test_project_box_band_is_the_euclidean_projection():
    rng = np.random.RandomState(1)
    B, lo, hi = 1.0, 3.0, 4.0
    v = rng.normal(loc=0.5, scale=2.0, size=10)
    b, lam = project_box_band(v, B, lo, hi)
    assert_allclose(b, np.clip(v - lam, 0.0, B))
    # (v - b) . (z - b) <= 0 for every feasible z: b is the closest point.
    for _ in range(200):
        z = project_box_band(rng.uniform(-1, 2, 10), B, lo, hi)[0]
        assert (v - b) @ (z - b) <= 1e-10
    # Against SLSQP on ||x - v||^2 over the same set.
    ref = minimize(
        lambda x: 0.5 * np.sum((x - v) ** 2),
        np.full(10, 0.35),
        jac=lambda x: x - v,
        bounds=[(0.0, B)] * 10,
        constraints=[
            {"type": "ineq", "fun": lambda x: hi - x.sum()},
            {"type": "ineq", "fun": lambda x: x.sum() - lo},
        ],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    assert ref.success
    assert_allclose(b, ref.x, atol=1e-6)


def test_project_box_band_keeps_feasible_points():
    v = np.array([0.2, 0.9, 0.0, 0.5])
    b, lam = project_box_band(v, 1.0, 1.0, 2.0)
    assert_array_equal(b, v)
    assert lam == 0.0
    # Below the box and above the band: the multiplier is positive.
    b, lam = project_box_band(np.array([3.0, 3.0, -1.0]), 2.0, 0.0, 1.0)
    assert_allclose(b, [0.5, 0.5, 0.0])
    assert lam == pytest.approx(2.5)


# --------------------------------------------------------------------------
# Box-and-band quadratic program
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    "B, lo, hi",
    [
        (2.0, 0.0, 100.0),  # band inactive: the box alone
        (2.0, 24.0, 26.0),  # the sum pushed up to lo
        (5.0, 0.0, 3.0),  # the sum pulled down to hi
        (1.5, 9.0, 9.0),  # an equality
    ],
)
def test_solve_box_band_qp_matches_slsqp(seed, B, lo, hi):
    K, kappa = _random_problem(15, seed)
    result = solve_box_band_qp(K, kappa, B, lo, hi, tol=1e-10, max_iter=100)
    assert isinstance(result, BoxBandQPResult)
    assert result.converged and result.n_iter >= 1
    _, ref = _kmm_reference(K, kappa, B, lo, hi)
    assert result.objective == pytest.approx(_objective(K, kappa, result.x), rel=1e-12)
    assert result.objective <= ref + 1e-9 * abs(ref)  # never worse than SLSQP
    assert result.objective == pytest.approx(ref, rel=1e-7)
    _assert_feasible(result.x, B, lo, hi)
    _assert_kkt(K, kappa, result.x, B, lo, hi, tol=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_solve_box_band_qp_box_only_matches_bounded_least_squares(seed):
    # With K = L L', 1/2 b'Kb - kappa'b = 1/2 ||L'b - L^-1 kappa||^2 + const,
    # so without the band the program is a bounded least-squares problem.
    K, kappa = _random_problem(20, seed, scale=3.0)
    B = 1.0
    L = cholesky(K, lower=True)
    rhs = solve_triangular(L, kappa, lower=True)
    ref = lsq_linear(L.T, rhs, bounds=(0.0, B), method="bvls", tol=1e-14)
    assert ref.success
    result = solve_box_band_qp(K, kappa, B, 0.0, 20.0 * B, tol=1e-10, max_iter=100)
    assert result.converged
    assert_allclose(result.x, ref.x, atol=1e-7)
    assert (0.0 < result.x).sum() < 20 and (result.x < B).sum() < 20  # bounds bite


def test_solve_box_band_qp_only_feasible_point():
    K, kappa = _random_problem(6, 0)
    result = solve_box_band_qp(K, kappa, 2.0, 12.0, 13.0, tol=1e-8, max_iter=100)
    assert_array_equal(result.x, np.full(6, 2.0))
    assert result.converged
    assert result.objective == pytest.approx(_objective(K, kappa, result.x))


@pytest.mark.parametrize("duplicates", [False, True])
def test_solve_box_band_qp_singular_kernel(duplicates):
    # A numerically singular K: a wide 1-D rbf kernel (condition number ~1e19)
    # or exact duplicate rows (rank 4 in 12 rows). The pivoting cannot
    # certify a solution on the first; the interior point takes over.
    rng = np.random.RandomState(0)
    if duplicates:
        A = np.tile(rng.normal(size=(4, 2)), (3, 1))
        K = _rbf(A, A, 0.5)
        kappa = 0.7 * K.sum(axis=1) + rng.normal(scale=0.1, size=12)
        B, lo, hi = 3.0, 5.0, 9.0
    else:
        x = rng.normal(size=(30, 1))
        K = _rbf(x, x, 1e-3)
        kappa = 1.5 * _rbf(x, rng.normal(1.0, 1.0, (20, 1)), 1e-3).sum(axis=1)
        B, lo, hi = 10.0, 20.0, 40.0
    assert np.linalg.cond(K) > 1e15
    result = solve_box_band_qp(K, kappa, B, lo, hi, tol=1e-10, max_iter=100)
    assert result.converged
    _assert_feasible(result.x, B, lo, hi)
    _, ref = _kmm_reference(K, kappa, B, lo, hi)
    assert result.objective <= ref + 1e-8 * abs(ref)
    assert result.objective == pytest.approx(ref, rel=1e-7)


def test_interior_point_alone_matches_reference():
    X, y = _shifted(n_s=40, n_t=30, seed=2)
    Xs, Xt = X[y != -1], X[y == -1]
    K = _rbf(Xs, Xs, 0.3)
    kappa = 40 / 30 * _rbf(Xs, Xt, 0.3).sum(axis=1)
    _, ref = _kmm_reference(K, kappa, 5.0, 36.0, 44.0)
    x, n_iter, ok = interior_point_qp(
        K, kappa, 5.0, 36.0, 44.0, tol=1e-10, max_iter=100
    )
    assert ok and n_iter < 50
    assert 0.5 * x @ K @ x - kappa @ x == pytest.approx(ref, rel=1e-7)
    # And the full solver (exact pivoting path) agrees.
    b, obj, _, ok = solve_box_band_qp(
        K, kappa, 5.0, 36.0, 44.0, tol=1e-10, max_iter=100
    )
    assert ok and obj == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize("lo, hi", [(4.0, 6.0), (5.0, 5.0)])
def test_interior_point_kkt_and_convergence_flag(lo, hi):
    K, kappa = _random_problem(12, 7)
    result = interior_point_qp(K, kappa, 1.0, lo, hi, tol=1e-10, max_iter=100)
    assert isinstance(result, SolverResult)
    assert result.converged and 1 <= result.n_iter < 100
    b = project_box_band(result.x, 1.0, lo, hi)[0]
    assert_allclose(b, result.x, atol=1e-8)  # feasible up to rounding
    # An interior point approaches the bounds without reaching them.
    _assert_kkt(K, kappa, b, 1.0, lo, hi, tol=1e-6, at_bound=1e-6)
    # One iteration is not enough: the result says so.
    early = interior_point_qp(K, kappa, 1.0, lo, hi, tol=1e-10, max_iter=1)
    assert early.n_iter == 1 and not early.converged


def test_interior_point_only_feasible_point():
    result = interior_point_qp(
        np.eye(3), np.ones(3), 2.0, 6.0, 7.0, tol=1e-8, max_iter=9
    )
    assert_array_equal(result.x, [2.0, 2.0, 2.0])
    assert result.n_iter == 0 and result.converged


# --------------------------------------------------------------------------
# KLIEP
# --------------------------------------------------------------------------


def _kliep_problem(n_t=25, n_c=10, seed=0):
    rng = np.random.RandomState(seed)
    Xt = rng.normal(0.5, 0.7, (n_t, 2))
    Xs = rng.normal(0.0, 1.0, (40, 2))
    centres = Xt[:n_c]
    return _rbf(Xt, centres, 0.8), _rbf(Xs, centres, 0.8).mean(axis=0)


def _kliep_slsqp(K_tc, b):
    def loss(alpha):
        return -np.mean(np.log(np.maximum(K_tc @ alpha, 1e-300)))

    res = minimize(
        loss,
        np.full(b.shape[0], 1.0 / b.sum()),
        jac=lambda a: -K_tc.T @ (1.0 / (K_tc @ a)) / K_tc.shape[0],
        bounds=[(0.0, None)] * b.shape[0],
        constraints=[{"type": "eq", "fun": lambda a: b @ a - 1.0, "jac": lambda a: b}],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    assert res.success
    return res.fun, loss


@pytest.mark.parametrize("seed", range(3))
def test_solve_kliep_matches_slsqp_and_kkt(seed):
    K_tc, b = _kliep_problem(seed=seed)
    result = solve_kliep(K_tc, b, tol=1e-10, max_iter=200)
    assert isinstance(result, SolverResult)
    alpha = result.x
    assert result.converged
    assert np.all(alpha >= 0.0)
    assert b @ alpha == pytest.approx(1.0, abs=1e-10)
    ref, loss = _kliep_slsqp(K_tc, b)
    assert loss(alpha) <= ref + 1e-8
    # KKT: the gradient of the mean log-likelihood, mean_j K_jl / p_j, is at
    # most b_l (multiplier 1), with equality where alpha_l > 0.
    grad = K_tc.T @ (1.0 / (K_tc @ alpha)) / K_tc.shape[0]
    assert np.all(grad <= b + 1e-6)
    support = alpha > 1e-8 * alpha.max()
    assert_allclose(grad[support], b[support], rtol=1e-5)


def test_solve_kliep_drops_centres_out_of_reach():
    K_tc, b = _kliep_problem()
    b = b.copy()
    b[[2, 5]] = 0.0  # no source row reaches these centres
    alpha = solve_kliep(K_tc, b, tol=1e-10, max_iter=200).x
    assert alpha[2] == 0.0 and alpha[5] == 0.0
    assert b @ alpha == pytest.approx(1.0, abs=1e-10)
    keep = np.flatnonzero(b > 0)
    sub = solve_kliep(K_tc[:, keep], b[keep], tol=1e-10, max_iter=200).x
    assert_allclose(alpha[keep], sub)


def test_solve_kliep_duplicate_centres_and_nothing_to_fit():
    # Duplicate centres make the Hessian singular; the likelihood is still
    # maximised (the split of weight between twins is free).
    K_tc, b = _kliep_problem()
    K2, b2 = np.hstack([K_tc, K_tc]), np.r_[b, b]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        twin = solve_kliep(K2, b2, tol=1e-10, max_iter=200)
    single = solve_kliep(K_tc, b, tol=1e-10, max_iter=200)
    assert twin.converged
    assert_allclose(K2 @ twin.x, K_tc @ single.x, rtol=1e-5)
    empty = solve_kliep(np.zeros((4, 3)), np.ones(3), tol=1e-6, max_iter=10)
    assert_array_equal(empty.x, 0.0)
    assert empty.n_iter == 0 and empty.converged


def test_solvers_import_no_estimator():
    # The solver module is a leaf: arrays in, arrays out.
    import ast
    import inspect

    from sktransfer.adaptation import _qp

    tree = ast.parse(inspect.getsource(_qp))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"math", "typing", "numpy", "scipy"}


# --------------------------------------------------------------------------
# No hangs: non-finite input is an error, every loop is bounded
# --------------------------------------------------------------------------


def _within(seconds, func, *args, **kwargs):
    """Run ``func`` in a thread; fail if it has not returned in ``seconds``."""
    import threading

    outcome = {}

    def run():
        try:
            outcome["value"] = func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{func.__name__} did not return in {seconds}s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("where", ["K", "kappa"])
def test_non_finite_program_is_an_error_not_a_hang(bad, where):
    # A NaN kernel used to loop forever in the backtracking line search.
    K, kappa = _random_problem(10, 0)
    (K if where == "K" else kappa)[0] = bad
    for solver in (solve_box_band_qp, interior_point_qp):
        with pytest.raises(ValueError, match=f"{where} holds NaN or infinite"):
            _within(5, solver, K, kappa, 2.0, 5.0, 15.0, tol=1e-8, max_iter=50)


def test_non_finite_kliep_is_an_error():
    K_tc = np.ones((4, 3))
    K_tc[1, 1] = np.nan
    with pytest.raises(ValueError, match="K_tc holds NaN or infinite"):
        _within(5, solve_kliep, K_tc, np.ones(3), tol=1e-6, max_iter=10)


def test_line_search_is_bounded_on_an_extreme_matrix():
    # The power iteration misses the huge eigenvalue of K (its eigenvector is
    # orthogonal to the start vector), so the step constant must grow by
    # 1.5**1700 during backtracking; products of K overflow on the way. The
    # search is bounded: a result or a clear error within seconds.
    v = np.zeros(6)
    v[:2] = [1.0, -1.0]
    K = 1e300 * np.outer(v, v) + np.eye(6)
    kappa = np.linspace(-1.0, 1.0, 6)
    try:
        result = _within(
            5, solve_box_band_qp, K, kappa, 10.0, 0.0, 60.0, tol=1e-8, max_iter=5
        )
    except ValueError as exc:
        assert "overflow" in str(exc)
    else:
        assert np.all(np.isfinite(result.x))
