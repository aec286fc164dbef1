"""Second-order stationarity: the most negative curvature at x, and a step that uses it.

At a stationary point (∇f ≈ 0) a Newton-type method cannot move: the Newton
step is zero and a first-order line search sees no slope. If the Hessian has a
negative eigenvalue λ < 0 with unit eigenvector u, the point is a saddle or a
maximum, and f decreases along ±u to second order:
f(x + t u) ≈ f(x) + t ∇fᵀu + ½ t² λ.
:func:`negative_curvature_step` backtracks along u (sign chosen so ∇fᵀu ≤ 0)
until f(x + t u) ≤ f(x) + c₁ (t ∇fᵀu + ½ t² λ) — the second-order Armijo
condition of curvilinear searches (Moré & Sorensen 1979; N&W §4.3 and §6.3).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .oracle import Oracle

DENSE_LIMIT = 300


def smallest_eigenpair(oracle: Oracle, x: np.ndarray, dense_limit: int = DENSE_LIMIT, max_n: int = 10_000):
    """(λ_min, u, scale) of ∇²f(x), or None when it cannot be computed.

    Dense eigendecomposition for n ≤ ``dense_limit``; beyond, Lanczos (ARPACK) on the
    coloured sparse Hessian when the problem declares ``hess_sparsity`` (any n), else on
    Hessian-vector products up to ``max_n``.
    """
    n = x.size
    if n <= dense_limit:
        H = oracle.hess(x)
        w, V = np.linalg.eigh(H)
        return float(w[0]), V[:, 0], float(np.max(np.abs(w)))
    sparse = oracle.problem.hess_sparsity is not None
    if n > max_n and not sparse:
        return None
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    if sparse:
        A = oracle.sparse_hess(x)
    else:
        A = LinearOperator((n, n), matvec=oracle.hvp_operator(x), dtype=float)
    try:
        # a fixed start vector: ARPACK's default is random, which would make counts differ run to run
        v0 = np.random.default_rng(0).standard_normal(n)
        w, V = eigsh(A, k=1, which="SA", tol=1e-4, maxiter=200, ncv=min(n - 1, 20), v0=v0)
    except ArpackNoConvergence as e:
        if len(e.eigenvalues) == 0:
            return None
        w, V = e.eigenvalues, e.eigenvectors
    lam = float(w[0])
    return lam, V[:, 0], abs(lam)


def negative_curvature_step(oracle: Oracle, x: np.ndarray, c1: float = 1e-4, rho: float = 0.5,
                            rel_tol: float = 1e-8, max_evals: int = 60) -> Optional[tuple]:
    """A step x + t u along the most negative curvature direction, or None if ∇²f(x) ⪰ −tol·I.

    Returns ``(x_new, t, lam)``; ``lam`` is λ_min. None when the curvature is not
    (significantly) negative or cannot be computed.
    """
    pair = smallest_eigenpair(oracle, x)
    if pair is None:
        return None
    lam, u, scale = pair
    if not lam < -rel_tol * max(1.0, scale):
        return None
    f0, g0 = oracle.value_and_grad(x)
    u = np.asarray(u, dtype=float)
    u /= np.linalg.norm(u)
    if float(g0 @ u) > 0:
        u = -u
    slope = float(g0 @ u)
    t = 1.0
    for _ in range(max_evals):
        xt = x + t * u
        ft = oracle.f(xt)
        if math.isfinite(ft) and ft <= f0 + c1 * (t * slope + 0.5 * t * t * lam) and ft < f0:
            return xt, t, lam
        t *= rho
    return None
