"""Rosenbrock's function, chained and extended (a bundled plugin, written as a user would).

* ``variant=chained`` (default) is scipy's ``rosen``:
  f(x) = Σ_{i=1}^{n−1} b (x_{i+1} − x_i²)² + (a − x_i)².
* ``variant=extended`` is Moré–Garbow–Hillstrom problem 21, independent pairs:
  f(x) = Σ_{j=1}^{n/2} b (x_{2j} − x_{2j−1}²)² + (a − x_{2j−1})²; its Hessian is
  2×2 block diagonal, so iteration counts do not grow with n.

``derivatives=analytic`` supplies hand-written vectorised ∇f, ∇²f·v and ∇²f (sparse CSR; the
chained ones are scipy's ``rosen_der``/``rosen_hess_prod`` for general a, b), so the
cost of automatic differentiation can be measured against them.

Reference: Moré, Garbow & Hillstrom, "Testing unconstrained optimization software",
ACM TOMS 7 (1981), problems 1 and 21.
"""

from typing import Literal

from optbench import np
import numpy as onp

from optbench import Problem, UsageError, problem


def _tridiagonal(diag, off):
    """Symmetric tridiagonal matrix as scipy.sparse CSR (O(n) memory; the oracle densifies on request)."""
    from scipy.sparse import diags

    return diags([off, diag, off], [-1, 0, 1], format="csr")


def _chained_derivatives(a, b):
    def grad(x):
        x = onp.asarray(x, dtype=float)
        g = onp.zeros_like(x)
        r = x[1:] - x[:-1] ** 2
        g[:-1] = -4.0 * b * x[:-1] * r - 2.0 * (a - x[:-1])
        g[1:] += 2.0 * b * r
        return g

    def bands(x):
        diag = onp.zeros_like(x)
        diag[:-1] = 12.0 * b * x[:-1] ** 2 - 4.0 * b * x[1:] + 2.0
        diag[1:] += 2.0 * b
        off = -4.0 * b * x[:-1]  # H[i, i+1] = H[i+1, i]
        return diag, off

    def hvp(x, v):
        x, v = onp.asarray(x, dtype=float), onp.asarray(v, dtype=float)
        diag, off = bands(x)
        hv = diag * v
        hv[:-1] += off * v[1:]
        hv[1:] += off * v[:-1]
        return hv

    def hess(x):
        diag, off = bands(onp.asarray(x, dtype=float))
        return _tridiagonal(diag, off)

    return grad, hvp, hess


def _extended_derivatives(a, b):
    # u = x_{2j−1} (odd positions, 0-based even), w = x_{2j}; pair Hessian
    # [[12b u² − 4b w + 2, −4b u], [−4b u, 2b]].
    def grad(x):
        x = onp.asarray(x, dtype=float)
        u, w = x[0::2], x[1::2]
        r = w - u**2
        g = onp.empty_like(x)
        g[0::2] = -4.0 * b * u * r - 2.0 * (a - u)
        g[1::2] = 2.0 * b * r
        return g

    def blocks(x):
        u, w = x[0::2], x[1::2]
        return 12.0 * b * u**2 - 4.0 * b * w + 2.0, -4.0 * b * u, onp.full_like(u, 2.0 * b)

    def hvp(x, v):
        x, v = onp.asarray(x, dtype=float), onp.asarray(v, dtype=float)
        huu, huw, hww = blocks(x)
        hv = onp.empty_like(x)
        hv[0::2] = huu * v[0::2] + huw * v[1::2]
        hv[1::2] = huw * v[0::2] + hww * v[1::2]
        return hv

    def hess(x):
        huu, huw, hww = blocks(onp.asarray(x, dtype=float))
        diag = onp.empty(2 * huu.size)
        diag[0::2], diag[1::2] = huu, hww
        off = onp.zeros(diag.size - 1)
        off[0::2] = huw
        return _tridiagonal(diag, off)

    return grad, hvp, hess


def _sparsity(n, variant):
    """Hessian pattern: tridiagonal (chained) or 2×2 block diagonal (extended)."""
    from scipy.sparse import diags

    off = onp.ones(n - 1, dtype=bool)
    if variant == "extended":
        off[1::2] = False
    return diags([off, onp.ones(n, dtype=bool), off], [-1, 0, 1], format="csr", dtype=bool)


@problem
def rosenbrock(
    n: int = 2,
    a: float = 1.0,
    b: float = 100.0,
    variant: Literal["chained", "extended"] = "chained",
    derivatives: Literal["autograd", "analytic"] = "autograd",
) -> Problem:
    """Rosenbrock, chained (scipy's rosen) or extended (MGH #21); minimum f = 0 at all ones for a = 1.

    chained:  f = Σ_{i<n} b(x_{i+1} − x_i²)² + (a − x_i)²; f* = 0 at x* = (1, …, 1) for a = 1
              (and at 0 for a = 0; for other a the minimum is not stated).
    extended: f = Σ_j b(x_{2j} − x_{2j−1}²)² + (a − x_{2j−1})², n even; f* = 0 at (a, a², a, a², …).
    Standard start (−1.2, 1, −1.2, 1, …). derivatives=analytic uses hand-written ∇f, ∇²f·v, ∇²f.
    The Hessian sparsity (tridiagonal / 2×2 block diagonal) is declared in hess_sparsity.
    """
    if n < 2:
        raise UsageError(f"n must be at least 2, got {n}")
    if variant == "extended" and n % 2:
        raise UsageError(f"variant=extended needs an even n (independent pairs), got n = {n}; try n = {n + 1}")
    if b < 0:
        raise UsageError(f"b must be ≥ 0, got {b}")

    if variant == "chained":
        def f(x):
            return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)

        known = a in (0.0, 1.0)
        x_star = onp.full(n, a) if known else None
        grad, hvp, hess = _chained_derivatives(a, b)
    else:
        def f(x):
            u, w = x[0::2], x[1::2]
            return np.sum(b * (w - u**2) ** 2 + (a - u) ** 2)

        known = True
        x_star = onp.tile([a, a * a], n // 2)
        grad, hvp, hess = _extended_derivatives(a, b)

    x0 = onp.tile([-1.2, 1.0], (n + 1) // 2)[:n]
    analytic = derivatives == "analytic"
    return Problem(
        f,
        x0=x0,
        f_star=0.0 if known else None,
        x_star=x_star,
        grad=grad if analytic else None,
        hvp=hvp if analytic else None,
        hess=hess if analytic else None,
        hess_sparsity=_sparsity(n, variant),
    )
