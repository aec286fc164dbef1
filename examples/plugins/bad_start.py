# examples/plugins/bad_start.py: f(x0) is NaN (log of a negative number); docs/problems.md shows the message
import autograd.numpy as np
from optbench import Problem, problem


@problem
def logbarrier() -> Problem:
    """−Σ log(x): defined for x > 0 only, and x0 = −1 is outside."""
    return Problem(lambda x: -np.sum(np.log(x)), x0=np.array([-1.0, -1.0]))
