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

from ..core.oracle import Oracle

DENSE_LIMIT = 20
LANCZOS_STEPS = 20


def lanczos_smallest(hvp, n: int, steps: int = LANCZOS_STEPS, seed: int = 0):
    """(θ_min, y, max|θ|): the smallest Ritz pair after ``steps`` Lanczos steps on v ↦ ∇²f·v (None if not finite).

    Lanczos with full reorthogonalisation from a fixed random start (so runs are
    reproducible), exactly ``steps`` products. θ_min ≥ λ_min always, so θ_min < 0
    certifies negative curvature and y is a direction of it; extreme eigenvalues are
    the ones Lanczos finds first (Golub & Van Loan §10.1), so a clearly negative λ_min
    is found in a few steps, while a check that stays positive is evidence, not proof.
    """
    k = min(steps, n)
    Q = np.empty((k, n))
    alpha, beta = np.zeros(k), np.zeros(k)
    q = np.random.default_rng(seed).standard_normal(n)
    q /= np.linalg.norm(q)
    m = 0
    for j in range(k):
        Q[j] = q
        w = np.asarray(hvp(q), dtype=float)
        alpha[j] = float(q @ w)
        if not np.isfinite(alpha[j]):
            return None  # the Hessian has NaN/inf entries here: no curvature estimate
        w = w - Q[: j + 1].T @ (Q[: j + 1] @ w)  # full reorthogonalisation (twice is enough)
        w = w - Q[: j + 1].T @ (Q[: j + 1] @ w)
        m = j + 1
        b = float(np.linalg.norm(w))
        if not np.isfinite(b) or b <= 1e-12 * max(1.0, abs(alpha[j])):
            break  # invariant subspace: the Ritz values are eigenvalues
        beta[j] = b
        q = w / b
    T = np.diag(alpha[:m]) + np.diag(beta[: m - 1], 1) + np.diag(beta[: m - 1], -1)
    theta, S = np.linalg.eigh(T)
    return float(theta[0]), Q[:m].T @ S[:, 0], float(np.max(np.abs(theta)))


def smallest_eigenpair(oracle: Oracle, x: np.ndarray, dense_limit: int = DENSE_LIMIT):
    """(λ_min, u, scale) of ∇²f(x), or an estimate from below-bounded Ritz values.

    Dense eigendecomposition for n ≤ ``dense_limit``; beyond, ARPACK on the coloured
    sparse Hessian when the problem declares ``hess_sparsity`` (a few HVPs), else
    :func:`lanczos_smallest` (``LANCZOS_STEPS`` HVPs through one linearization).
    """
    n = x.size
    if n <= dense_limit:
        H = oracle.hess(x)
        w, V = np.linalg.eigh(H)
        return float(w[0]), V[:, 0], float(np.max(np.abs(w)))
    if oracle.problem.hess_sparsity is None:
        return lanczos_smallest(oracle.hvp_operator(x), n)
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    A = oracle.sparse_hess(x)
    try:
        # a fixed start vector: ARPACK's default is random, which would make runs differ
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


class SecondOrderStationarity:
    """Mixin for second-order solvers: at a point where the gradient test holds, check the curvature.

    Opting in makes the loop call :func:`negative_curvature_step` there: a saddle or maximum
    is left along the direction of negative curvature (the row's note says ``escape``);
    otherwise the run is ``converged``.
    """

    def escape_stationary_point(self, x, oracle):
        return negative_curvature_step(oracle, x)

