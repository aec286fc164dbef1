"""A user-style plugin file used by the tests: f(x) = x⁴ − 2x² (minima at ±1, maximum at 0)."""

import autograd.numpy as np

from optbench import Problem, problem


@problem
def quartic(x0: float = 2.0) -> Problem:
    """f(x) = x⁴ − 2x²; minima f = −1 at x = ±1, a local maximum at 0."""

    def f(x):
        return x[0] ** 4 - 2 * x[0] ** 2

    return Problem(f, x0=np.array([x0]), f_star=-1.0)


@problem
def bowl(n: int = 3, scale: float = 1.0) -> Problem:
    """A separable convex quadratic ½ Σ i·scale·x_i² − Σ x_i; minimum at x_i = 1/(i·scale)."""
    d = scale * np.arange(1.0, n + 1)

    def f(x):
        return 0.5 * np.sum(d * x**2) - np.sum(x)

    x_star = 1.0 / d
    return Problem(f, x0=np.zeros(n), f_star=float(-0.5 * np.sum(1.0 / d)), x_star=x_star)
