"""Rosenbrock's function, n-dimensional (a bundled plugin, written as a user would)."""

import autograd.numpy as np

from optbench import Problem, problem


@problem
def rosenbrock(n: int = 2, a: float = 1.0, b: float = 100.0) -> Problem:
    """Chained Rosenbrock f = Σ b(x_{i+1} − x_i²)² + (a − x_i)²; minimum f = 0 at (a, a², …) for a = 1: all ones.

    The chained form is scipy's ``rosen``. Standard start (−1.2, 1, −1.2, 1, …).
    For a ≠ 1 the minimizer is x_i = a for all i only when a = a², so f* and x*
    are stated only for a = 1 (and a = 0).
    """
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")

    def f(x):
        return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)

    x0 = np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(n)])
    known = a in (0.0, 1.0)
    return Problem(
        f,
        x0=x0,
        f_star=0.0 if known else None,
        x_star=np.full(n, a) if known else None,
    )
