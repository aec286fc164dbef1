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

``structure=tridiagonal`` replaces A by the symmetric Toeplitz tridiagonal matrix
A = tridiag(β, α, β), whose eigenvalues are known in closed form,
λ_k = α + 2β cos(kπ/(n+1)), k = 1…n (e.g. Golub & Van Loan, 4th ed., §4.8);
α = (cond + 1)/2 and β = −(cond − 1)/(4 cos(π/(n+1))) put them in [1, cond] with
λ_min = 1 and λ_max = cond exactly (their distribution is fixed, so ``spectrum`` must stay
at its default). b is seeded with ‖b‖ = 1, x* = A⁻¹b by a banded Cholesky solve and
f* = −½ bᵀx*. f is written with shifted slices (O(n), never an n × n array) and the
Hessian sparsity is declared, so ``newton`` recovers A from 3 HVPs by colouring.

The classic results are visible here: Newton converges in one iteration, CG (newton-cg's
inner loop) in at most n iterations (far fewer for clustered spectra), and gradient descent
needs O(κ log 1/ε) iterations (Nocedal & Wright §3.3, §5.1).
"""

from typing import Literal

from optbench import np
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
    structure: Literal["dense", "tridiagonal"] = "dense",
) -> Problem:
    """Convex quadratic ½xᵀAx − bᵀx, A = Q diag(λ) Qᵀ, κ(A) = cond, ‖b‖ = 1 (seeded); exact x*, f* = −½bᵀx*.

    spectrum: uniform | log | clustered eigenvalues in [1, cond]. Q: Haar-random for n < 2000,
    a product of 3 Householder reflections for n ≥ 2000 (A never formed). Start x₀ = 0.
    derivatives=analytic uses ∇f = Ax − b, ∇²f·v = Av, ∇²f = A.
    structure=tridiagonal: A = tridiag(β, α, β) with λ_k = α + 2β cos(kπ/(n+1)) in [1, cond],
    sparse (O(n)), Hessian sparsity declared.
    """
    if n < 1:
        raise UsageError(f"n must be at least 1, got {n}")
    if not cond >= 1.0 or not onp.isfinite(cond):
        raise UsageError(f"cond must be a finite number ≥ 1, got {cond}")
    if n == 1 and cond != 1.0:
        raise UsageError(f"n = 1 has a single eigenvalue, so cond must be 1, got {cond} (add -p cond=1)")
    if structure == "tridiagonal":
        if spectrum != "uniform":
            raise UsageError(
                f"structure=tridiagonal fixes the spectrum (λ_k = α + 2β cos(kπ/(n+1))), so spectrum={spectrum} "
                "cannot apply; drop -p spectrum or use structure=dense"
            )
        return _tridiagonal(n, float(cond), seed, derivatives == "analytic")
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


def _tridiagonal(n, cond, seed, analytic):
    """½xᵀAx − bᵀx with A = tridiag(β, α, β), κ(A) = cond; exact x* by a banded Cholesky solve."""
    from scipy.linalg import solveh_banded
    from scipy.sparse import diags

    alpha = 0.5 * (cond + 1.0)
    beta = 0.0 if n == 1 else -(cond - 1.0) / (4.0 * onp.cos(onp.pi / (n + 1)))
    rng = onp.random.default_rng(seed)
    b = rng.standard_normal(n)
    b /= onp.linalg.norm(b)
    A = diags([onp.full(n - 1, beta), onp.full(n, alpha), onp.full(n - 1, beta)], [-1, 0, 1], shape=(n, n),
              format="csr") if n > 1 else diags([onp.full(1, alpha)], [0], format="csr")
    bands = onp.zeros((2, n))  # upper form: bands[0, 1:] = superdiagonal, bands[1] = diagonal
    bands[0, 1:], bands[1] = beta, alpha
    x_star = solveh_banded(bands, b) if n > 1 else b / alpha
    f_star = -0.5 * float(b @ x_star)

    def f(x):  # ½(α xᵀx + 2β Σ x_i x_{i+1}) − bᵀx
        return 0.5 * alpha * np.dot(x, x) + beta * np.dot(x[:-1], x[1:]) - np.dot(b, x)

    return Problem(
        f,
        x0=onp.zeros(n),
        f_star=f_star,
        x_star=x_star,
        grad=(lambda x: A @ onp.asarray(x, dtype=float) - b) if analytic else None,
        hvp=(lambda x, v: A @ onp.asarray(v, dtype=float)) if analytic else None,
        hess=(lambda x: A.copy()) if analytic else None,
        hess_sparsity=A.astype(bool),
    )
