# examples/my_problems.py
import autograd.numpy as np
from optbench import Problem, problem

@problem
def quartic(shift: float = 0.0) -> Problem:
    """f(x) = (x - shift)^4 - 2 (x - shift)^2; minima f = -1 at x = shift ± 1."""
    def f(x):
        y = x[0] - shift
        return y**4 - 2 * y**2
    return Problem(f, x0=np.array([2.0]), f_star=-1.0)


@problem
def bowl(n: int = 3, shift: float = 1.0) -> Problem:
    """Shifted bowl Σ (x − shift)²; f* = 0 at (shift, …, shift)."""
    return Problem(lambda x: np.sum((x - shift) ** 2), x0=np.zeros(n),
                   f_star=0.0, x_star=np.full(n, shift))
