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
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..core.oracle import Oracle

DENSE_LIMIT = 20
#: Lanczos steps always taken (a negative Ritz value after them is escaped along at once)
LANCZOS_STEPS = 20
#: the cap on Hessian-vector products of one check; for n ≤ LANCZOS_MAX Lanczos reaches an
#: invariant subspace first, so the check is exact there
LANCZOS_MAX = 200
#: the smallest Ritz value has converged when its residual ‖∇²f y − θ y‖ ≤ RITZ_TOL·max(1, max|θ|)
RITZ_TOL = 1e-6
#: curvature counts as negative below −NEG_TOL·max(1, max|θ|)
NEG_TOL = 1e-8


@dataclass(frozen=True)
class Curvature:
    """What a curvature check found at x.

    ``lam`` is λmin (dense, or a converged Ritz value) or the smallest Ritz value when not
    ``certified``; ``u`` its (Ritz) vector; ``scale`` the largest |eigenvalue| seen;
    ``products`` the Hessian-vector products spent (0 for dense); ``how`` names the method.
    ``certified`` is True when ``lam`` is λmin to the documented tolerance: dense
    eigenvalues, an invariant subspace, a converged Ritz value (residual ≤ RITZ_TOL·scale;
    from a random start Lanczos misses an eigenvector only on a set of measure zero), or a
    negative Ritz value (θmin ≥ λmin always, so θmin < 0 proves negative curvature).
    """

    lam: float
    u: np.ndarray
    scale: float
    certified: bool
    products: int = 0
    residual: float = 0.0
    how: str = "dense eigenvalues"

    @property
    def negative(self) -> bool:
        return self.lam < -NEG_TOL * max(1.0, self.scale)

    def summary(self) -> str:
        """One clause for the run's message: what was checked and what it cost."""
        if self.certified and not self.negative:
            return (f"curvature checked: λmin ≥ {-NEG_TOL * max(1.0, self.scale):.2g} ({self.how}, "
                    f"{self.products} Hessian-vector products)")
        if self.certified:
            return f"negative curvature λmin = {self.lam:.3g} found, but no decrease along it ({self.how})"
        return (f"curvature NOT certified: the Lanczos check stopped at its cap of {self.products} "
                f"Hessian-vector products with smallest Ritz value {self.lam:.3g} (residual {self.residual:.2g}); "
                "this may be a saddle")


def lanczos_smallest(hvp, n: int, steps: int = LANCZOS_STEPS, seed: int = 0, max_steps: Optional[int] = None,
                     tol: float = RITZ_TOL) -> Optional[Curvature]:
    """The smallest Ritz pair of v ↦ ∇²f·v by Lanczos (None if a product is not finite).

    Lanczos with full reorthogonalisation from a fixed random start (so runs are
    reproducible). It takes ``steps`` products, then (when ``max_steps`` > ``steps``) goes on
    until the smallest Ritz value is negative (θ_min ≥ λ_min always: a certificate of
    negative curvature), has converged (Ritz residual |β_m s_m| ≤ tol·max(1, max|θ|)), the
    Krylov space is invariant (the Ritz values are eigenvalues), or ``max_steps`` products
    were spent — then the result is not ``certified``. Extreme eigenvalues are the ones
    Lanczos finds first (Golub & Van Loan §10.1).
    """
    cap = min(max(steps, max_steps or steps), n)
    k0 = min(steps, n)
    Q = np.empty((cap, n))
    alpha, beta = np.zeros(cap), np.zeros(cap)
    q = np.random.default_rng(seed).standard_normal(n)
    q /= np.linalg.norm(q)
    for j in range(cap):
        Q[j] = q
        w = np.asarray(hvp(q), dtype=float)
        alpha[j] = float(q @ w)
        if not np.isfinite(alpha[j]):
            return None  # the Hessian has NaN/inf entries here: no curvature estimate
        w = w - Q[: j + 1].T @ (Q[: j + 1] @ w)  # full reorthogonalisation (twice is enough)
        w = w - Q[: j + 1].T @ (Q[: j + 1] @ w)
        m = j + 1
        b = float(np.linalg.norm(w))
        invariant = not np.isfinite(b) or b <= 1e-12 * max(1.0, abs(alpha[j]))
        if not invariant:
            beta[j] = b
        if invariant or m >= k0:
            T = np.diag(alpha[:m]) + np.diag(beta[: m - 1], 1) + np.diag(beta[: m - 1], -1)
            theta, S = np.linalg.eigh(T)
            scale = float(np.max(np.abs(theta)))
            residual = 0.0 if invariant else abs(b * S[-1, 0])
            done = (invariant or m == n or theta[0] < -NEG_TOL * max(1.0, scale)
                    or residual <= tol * max(1.0, scale))
            if done or m == cap:
                return Curvature(float(theta[0]), Q[:m].T @ S[:, 0], scale, certified=bool(done), products=m,
                                 residual=float(residual), how="Lanczos")
        if invariant:  # pragma: no cover - returned above
            break
        q = w / b
    return None  # pragma: no cover - the loop always returns


def smallest_eigenpair(oracle: Oracle, x: np.ndarray, dense_limit: int = DENSE_LIMIT) -> Optional[Curvature]:
    """λmin of ∇²f(x) with its vector: a :class:`Curvature` (None when it cannot be computed).

    Dense eigendecomposition for n ≤ ``dense_limit``; beyond, ARPACK on the coloured
    sparse Hessian when the problem declares ``hess_sparsity``, else
    :func:`lanczos_smallest` (``LANCZOS_STEPS`` to ``LANCZOS_MAX`` HVPs through one linearization).
    """
    n = x.size
    if n <= dense_limit:
        H = oracle.hess(x)
        w, V = np.linalg.eigh(H)
        return Curvature(float(w[0]), V[:, 0], float(np.max(np.abs(w))), certified=True)
    if oracle.problem.hess_sparsity is None:
        return lanczos_smallest(oracle.hvp_operator(x), n, max_steps=LANCZOS_MAX)
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    A = oracle.sparse_hess(x)
    certified = True
    try:
        # a fixed start vector: ARPACK's default is random, which would make runs differ
        v0 = np.random.default_rng(0).standard_normal(n)
        w, V = eigsh(A, k=1, which="SA", tol=1e-4, maxiter=200, ncv=min(n - 1, 20), v0=v0)
    except ArpackNoConvergence as e:
        if len(e.eigenvalues) == 0:
            return None
        w, V, certified = e.eigenvalues, e.eigenvectors, False
    lam = float(w[0])
    return Curvature(lam, V[:, 0], abs(lam), certified=certified, how="ARPACK on the sparse Hessian")


def negative_curvature_step(oracle: Oracle, x: np.ndarray, c1: float = 1e-4, rho: float = 0.5,
                            max_evals: int = 60) -> Optional[tuple]:
    """A step along the most negative curvature direction, or what the check found.

    Returns ``(x_new, t, lam)`` when ∇²f(x) has certified negative curvature and f decreases
    along it; else the :class:`Curvature` found (its ``summary()`` says whether it is a
    certified minimum, a negative curvature without decrease, or not certified), or None
    when the curvature cannot be computed.
    """
    check = smallest_eigenpair(oracle, x)
    if check is None or not check.negative:
        return check
    lam = check.lam
    f0, g0 = oracle.value_and_grad(x)
    u = np.asarray(check.u, dtype=float)
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
    return check


class SecondOrderStationarity:
    """Mixin for second-order solvers: at a point where the gradient test holds, check the curvature.

    Opting in makes the loop call :func:`negative_curvature_step` there: a saddle or maximum
    is left along the direction of negative curvature (the row's note says ``escape``);
    otherwise the run is ``converged`` and, when the check was not the exact dense one, its
    message says what the check certified and what it cost (or that it certified nothing).
    """

    def escape_stationary_point(self, x, oracle):
        return negative_curvature_step(oracle, x)

