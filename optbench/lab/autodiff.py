"""The autodiff strategies the derivative lab compares, side by side.

Together with :mod:`optbench.core.oracle`, this is the only module that uses autograd's
differential operators (``make_vjp``, ``make_jvp``, ``hessian``). The oracle
picks one good strategy per derivative for solvers; this module exposes several
on purpose, so :mod:`optbench.lab.check` and :mod:`optbench.lab.modes` can time them and
check they agree.

Hessian-vector products ∇²f(x)·v (Pearlmutter 1994; Nocedal & Wright §8.1):

* forward-over-reverse — push the tangent v forward through the reverse-mode
  gradient computation: ``make_jvp(∇f)(x)(v)``. One pass, O(cost f).
* reverse-over-reverse — record the gradient computation and run one backward
  pass through it with cotangent v: ``make_vjp(∇f)(x)(v)`` (∇²f is symmetric, so
  the vector-Jacobian product of ∇f is the Hessian-vector product). O(cost f),
  more memory.
* dense Hessian × v — form ∇²f(x) with autograd's ``hessian`` (reverse over
  reverse, n backward passes), then multiply. O(n·cost f): the baseline the other
  two avoid.

Jacobians of F: Rⁿ → Rᵐ (Griewank & Walther, *Evaluating Derivatives*, ch. 3):

* forward mode — one JVP per column: n passes, each re-tracing F with a tangent e_j;
* reverse mode — one forward trace of F, then one VJP (backward pass) per row: m passes.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as onp
from autograd import hessian as _ag_hessian
from autograd.core import make_jvp, make_vjp
from autograd.extend import vspace


def value_and_gradient(f: Callable[[Any], Any], x: onp.ndarray) -> tuple[Any, Any]:
    """(f(x), ∇f(x)) by reverse mode: one traced evaluation, one backward pass."""
    vjp, ans = make_vjp(f, x)
    return ans, vjp(vspace(ans).ones())


def gradient(f: Callable[[Any], Any], x: Any) -> Any:
    """∇f(x) by reverse mode (traceable: works on boxed x, so it can be nested)."""
    return value_and_gradient(f, x)[1]


def hvp_forward_over_reverse(f: Callable, x: onp.ndarray, v: onp.ndarray) -> onp.ndarray:
    """∇²f(x)·v = d/dt ∇f(x + t v) at t = 0: forward mode through the gradient."""
    _, hv = make_jvp(lambda z: gradient(f, z), x)(v)
    return hv


def hvp_reverse_over_reverse(f: Callable, x: onp.ndarray, v: onp.ndarray) -> onp.ndarray:
    """∇²f(x)·v = vᵀ∇²f(x): one backward pass through the recorded gradient computation."""
    vjp_of_grad, _ = make_vjp(lambda z: gradient(f, z), x)
    return vjp_of_grad(v)


def hessian_dense(f: Callable, x: onp.ndarray) -> onp.ndarray:
    """The dense n×n Hessian from autograd's ``hessian`` (reverse over reverse), not symmetrized."""
    return onp.asarray(_ag_hessian(f)(x)).reshape(x.size, x.size)


def hvp_dense(f: Callable, x: onp.ndarray, v: onp.ndarray) -> onp.ndarray:
    """Form the dense Hessian, then multiply: O(n) passes for one product."""
    return hessian_dense(f, x) @ v


#: name → function(f, x, v); the order is the order of the lab's table.
HVP_STRATEGIES: dict[str, Callable[[Callable, onp.ndarray, onp.ndarray], onp.ndarray]] = {
    "forward-over-reverse": hvp_forward_over_reverse,
    "reverse-over-reverse": hvp_reverse_over_reverse,
    "dense Hessian × v": hvp_dense,
}


def jacobian_forward(F: Callable, x: onp.ndarray) -> tuple[onp.ndarray, int]:
    """(J, passes): the m×n Jacobian column by column, one JVP F'(x)·e_j per input (n passes)."""
    n = x.size
    jvp = make_jvp(F, x)
    e = onp.zeros(n, dtype=x.dtype)
    cols = []
    for j in range(n):
        e[j] = 1
        _, col = jvp(e.copy())
        e[j] = 0
        cols.append(onp.asarray(col).reshape(-1))
    return onp.stack(cols, axis=1), n


def jacobian_reverse(F: Callable, x: onp.ndarray) -> tuple[onp.ndarray, int]:
    """(J, passes): the m×n Jacobian row by row, one trace then one VJP e_iᵀF'(x) per output (m passes)."""
    vjp, y = make_vjp(F, x)
    m = onp.size(y)
    e = onp.zeros(onp.shape(y), dtype=onp.asarray(y).dtype)
    flat = e.reshape(-1)
    rows = []
    for i in range(m):
        flat[i] = 1
        rows.append(onp.asarray(vjp(e.copy())).reshape(-1))
        flat[i] = 0
    return onp.stack(rows, axis=0), m
