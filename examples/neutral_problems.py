# examples/neutral_problems.py — one file, both backends (autograd and jax)
from optbench import Problem, np, problem   # optbench.np: autograd.numpy, or jax.numpy while JAX traces f


@problem
def softplus_bowl(n: int = 4, shift: float = 1.0) -> Problem:
    """Σ log(1 + e^(x − shift)) + ½‖x‖²: smooth and strongly convex; f* unknown."""
    def f(x):
        return np.sum(np.logaddexp(0.0, x - shift)) + 0.5 * np.dot(x, x)
    return Problem(f, x0=np.zeros(n))
