# examples/jax/jax_problems.py — written with jax.numpy: runs on --backend jax only
import jax.numpy as jnp
import numpy as onp
from optbench import Problem, problem


@problem
def jax_bowl(n: int = 4, shift: float = 1.0) -> Problem:
    """Σ log(1 + e^(x − shift)) + ½‖x‖², in jax.numpy; f* unknown."""
    def f(x):
        return jnp.sum(jnp.logaddexp(0.0, x - shift)) + 0.5 * jnp.dot(x, x)
    return Problem(f, x0=onp.zeros(n))
