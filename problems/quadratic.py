"""Strictly convex quadratics with a prescribed spectrum (a bundled plugin).

f(x) = ½ xᵀAx − bᵀx with A = Q diag(λ) Qᵀ, λ₁ = 1 ≤ … ≤ λₙ = cond, so κ(A) = cond exactly
(up to rounding). The minimiser is x* = A⁻¹b; we draw x* (seeded, standard normal) and set
b = A x*, so x* is exact and f* = −½ bᵀx* = −½ x*ᵀAx*. Start x₀ = 0 (f(x₀) = 0).

Spectra:

* ``uniform``   — λ evenly spaced in [1, cond] (the default);
* ``log``       — λ geometrically spaced in [1, cond];
* ``clustered`` — five tight clusters (relative width 1e-5) at geometrically spaced centres
  in [1, cond]: conjugate gradients then needs about one iteration per cluster.

Q is orthogonal and seeded:

* n < 2000: a Haar-random orthogonal matrix (QR of a Gaussian matrix with the signs of
  R's diagonal fixed; Mezzadri 2007) and A is formed densely (n² memory, n² per product);
* n ≥ 2000: forming Q costs O(n³), so Q = H₁H₂H₃ is a product of three Householder
  reflections Hᵢ = I − 2uᵢuᵢᵀ with random unit uᵢ. Q is exactly orthogonal, the spectrum is
  exactly λ, and Ax = Q(λ ⊙ Qᵀx) costs O(n) without ever forming A (the dense ∇²f is only
  formed if a solver asks for it).

The classic results are visible here: Newton converges in one iteration, CG (newton-cg's
inner loop) in at most n iterations (far fewer for clustered spectra), and gradient descent
needs O(κ log 1/ε) iterations (Nocedal & Wright §3.3, §5.1).
"""

from typing import Literal

import autograd.numpy as np
import numpy as onp

from optbench import Problem, UsageError, problem

HOUSEHOLDER_FROM = 2000
N_REFLECTIONS = 3


def eigenvalues(n, cond, spectrum, rng):
    """The n eigenvalues in [1, cond], smallest exactly 1 and largest exactly cond."""
    if spectrum == "uniform":
        lam = onp.linspace(1.0, cond, n)
    elif spectrum == "log":
        lam = onp.geomspace(1.0, cond, n)
    else:  # clustered
        k = min(5, n)
        centres = onp.geomspace(1.0, cond, k)
        lam = centres[onp.arange(n) % k] * onp.exp(1e-5 * rng.uniform(-1.0, 1.0, n))
        lo, hi = lam.min(), lam.max()
        lam = 1.0 + (lam - lo) * (cond - 1.0) / (hi - lo) if hi > lo else onp.full(n, 1.0)
        lam = onp.sort(lam)
    lam[0], lam[-1] = 1.0, cond
    return lam


def dense_orthogonal(n, rng):
    """Haar-distributed orthogonal matrix: Q from QR of a Gaussian matrix, columns' signs fixed."""
    Q, R = onp.linalg.qr(rng.standard_normal((n, n)))
    return Q * onp.sign(onp.diag(R))


@problem
def quadratic(
    n: int = 100,
    cond: float = 100.0,
    spectrum: Literal["uniform", "log", "clustered"] = "uniform",
    seed: int = 0,
    derivatives: Literal["autograd", "analytic"] = "autograd",
) -> Problem:
    """Convex quadratic ½xᵀAx − bᵀx, A = Q diag(λ) Qᵀ, κ(A) = cond, ‖b‖ = 1 (seeded); exact x*, f* = −½bᵀx*.

    spectrum: uniform | log | clustered eigenvalues in [1, cond]. Q: Haar-random for n < 2000,
    a product of 3 Householder reflections for n ≥ 2000 (A never formed). Start x₀ = 0.
    derivatives=analytic uses ∇f = Ax − b, ∇²f·v = Av, ∇²f = A.
    """
    if n < 1:
        raise UsageError(f"n must be at least 1, got {n}")
    if not cond >= 1.0 or not onp.isfinite(cond):
        raise UsageError(f"cond must be a finite number ≥ 1, got {cond}")
    if n == 1 and cond != 1.0:
        raise UsageError(f"n = 1 has a single eigenvalue, so cond must be 1, got {cond} (add -p cond=1)")
    rng = onp.random.default_rng(seed)
    lam = eigenvalues(n, float(cond), spectrum, rng)
    c = rng.standard_normal(n)
    c /= onp.linalg.norm(c)  # b in the eigenbasis; ‖b‖ = 1

    if n < HOUSEHOLDER_FROM:
        Q = dense_orthogonal(n, rng)
        A = (Q * lam) @ Q.T
        A = 0.5 * (A + A.T)

        def apply_A(v):
            return A @ v

        def apply_Q(v):
            return Q @ v

        def f(x):
            return 0.5 * np.dot(x, np.dot(A, x)) - np.dot(b, x)

        def dense_A():
            return A.copy()
    else:
        U = rng.standard_normal((N_REFLECTIONS, n))
        U /= onp.linalg.norm(U, axis=1, keepdims=True)

        def Qt(v):  # Qᵀv = H₃H₂H₁v (each Hᵢ symmetric)
            for u in U:
                v = v - 2.0 * u * np.dot(u, v)
            return v

        def Qv(v):  # Qv = H₁H₂H₃v
            for u in U[::-1]:
                v = v - 2.0 * u * np.dot(u, v)
            return v

        def apply_A(v):
            return Qv(lam * Qt(v))

        apply_Q = Qv

        def f(x):
            y = Qt(x)
            return 0.5 * np.dot(lam, y * y) - np.dot(b, x)

        def dense_A():  # A = H₁H₂H₃ Λ H₃H₂H₁, each two-sided reflection in O(n²)
            M = onp.diag(lam)
            for u in U[::-1]:  # M ← H M H = M − 2u(Mu)ᵀ − 2(Mu)uᵀ + 4(uᵀMu)uuᵀ
                Mu = M @ u
                M = M - 2.0 * onp.outer(u, Mu) - 2.0 * onp.outer(Mu, u) + 4.0 * float(u @ Mu) * onp.outer(u, u)
            return 0.5 * (M + M.T)

    b, x_star = apply_Q(c), apply_Q(c / lam)  # b = Qc, x* = Q diag(1/λ) c = A⁻¹b
    f_star = -0.5 * float(onp.sum(c * c / lam))  # −½ bᵀx* computed in the eigenbasis
    analytic = derivatives == "analytic"
    return Problem(
        f,
        x0=onp.zeros(n),
        f_star=f_star,
        x_star=x_star,
        grad=(lambda x: apply_A(onp.asarray(x, dtype=float)) - b) if analytic else None,
        hvp=(lambda x, v: apply_A(onp.asarray(v, dtype=float))) if analytic else None,
        hess=(lambda x: dense_A()) if analytic else None,
    )
