# examples/my_rosen.py
import autograd.numpy as np
import numpy as onp
from optbench import Problem, problem


@problem
def my_rosen() -> Problem:
    """Rosenbrock with a hand-written gradient (with a bug)."""
    def f(x):
        return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2

    def grad(x):
        return onp.array([-400 * x[0] * (x[1] - x[0] ** 2) - (1 - x[0]),   # bug: should be -2(1 - x0)
                          200 * (x[1] - x[0] ** 2)])

    return Problem(f, x0=onp.array([-1.2, 1.0]), grad=grad)
