"""Problems built in the derivative-lab tests: a quadratic, a small MLP loss, hand-written Rosenbrock derivatives."""

import autograd.numpy as np
import numpy as onp

from optbench import Problem

_rng = onp.random.default_rng(1)
_M = _rng.standard_normal((5, 5))
A = _M @ _M.T + 5 * onp.eye(5)
B = _rng.standard_normal(5)
X = _rng.standard_normal((3, 20))
Y = onp.sin(X.sum(axis=0))


def quadratic() -> Problem:
    """f = ½xᵀAx − bᵀx with A symmetric positive definite (5×5)."""
    return Problem(lambda x: 0.5 * np.dot(x, np.dot(A, x)) - np.dot(B, x), x0=onp.ones(5))


def mlp_loss(t):
    """Mean squared error of a 3-5-1 tanh network on 20 points, plus a small L2 term (26 parameters)."""
    W1 = np.reshape(t[:15], (5, 3))
    b1, W2, b2 = t[15:20], t[20:25], t[25]
    H = np.tanh(np.dot(W1, X) + b1[:, None])
    return np.mean((np.dot(W2, H) + b2 - Y) ** 2) + 1e-3 * np.sum(t**2)


def mlp() -> Problem:
    return Problem(mlp_loss, x0=0.5 * onp.random.default_rng(2).standard_normal(26))


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_grad(x):
    g = onp.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def rosen_hess(x):
    n = x.size
    H = onp.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i, i + 1] -= 400 * x[i]
        H[i + 1, i] -= 400 * x[i]
        H[i + 1, i + 1] += 200
    return H


def rosen_hand(wrong: str = "none", n: int = 3) -> Problem:
    """Rosenbrock with hand-written grad, hvp and hess; ``wrong`` breaks one of them on purpose."""
    grad, hess = rosen_grad, rosen_hess

    def hvp(x, v):
        return rosen_hess(x) @ v

    if wrong == "grad":
        grad = lambda x: rosen_grad(x) * onp.linspace(1.0, 1.1, x.size)  # noqa: E731
    elif wrong == "hvp":
        hvp = lambda x, v: rosen_hess(x) @ v + 0.5 * v  # noqa: E731
    elif wrong == "hess":
        hess = lambda x: rosen_hess(x) + onp.diag(onp.linspace(0.0, 5.0, x.size))  # noqa: E731
    elif wrong == "asymmetric":
        hess = lambda x: rosen_hess(x) + onp.triu(onp.ones((x.size, x.size)), 1)  # noqa: E731
    x0 = onp.array([-1.2 if i % 2 == 0 else 1.0 for i in range(n)])
    return Problem(rosen, x0=x0, grad=grad, hvp=hvp, hess=hess)
