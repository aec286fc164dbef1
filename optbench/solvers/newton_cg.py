"""Line-search Newton-CG (truncated Newton), Hessian-free.

Outer update: x_{k+1} = x_k + t_k d_k, where d_k approximately solves
∇²f(x_k) d = −∇f(x_k) by conjugate gradients on Hessian-vector products only
(the Hessian is never formed), N&W Alg. 7.1:

* z₀ = 0, r₀ = ∇f, p₀ = −r₀; for j = 0, 1, …:
  if p_jᵀ B p_j ≤ 0 (negative curvature): return −∇f if j = 0, else z_j;
  α_j = r_jᵀr_j / p_jᵀBp_j; z_{j+1} = z_j + α_j p_j; r_{j+1} = r_j + α_j B p_j;
  stop when ‖r_{j+1}‖ ≤ η_k ‖∇f‖; β = r_{j+1}ᵀr_{j+1} / r_jᵀr_j; p_{j+1} = −r_{j+1} + β p_j;
* forcing term η_k = min(eta, √‖∇f‖) (``forcing=superlinear``, the default),
  min(eta, ‖∇f‖) (``quadratic``) or eta (``constant``);
* at most ``max_cg`` inner iterations (default: min(n, 1000)).

All HVPs of one outer iteration are at the same x: the method declares the capability
``HVP_OPERATOR``, so the driver's oracle computes the gradient there as a linearization (one recorded forward and backward pass of f) and each product
is then one backward pass through that record — no separate gradient pass.
t_k from Armijo backtracking from t = 1 (default) or strong Wolfe.

Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed., §7.1, Alg. 7.1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Optional

import numpy as np

from ..core.methods import Capability
from .base import LineSearchSolver, StepInfo
from .curvature import SecondOrderStationarity
from .registry import register_method


def truncated_cg(hvp, g: np.ndarray, tol: float, max_iter: int):
    """Approximately solve B d = −g by CG; return (d, iterations, negative_curvature)."""
    z = np.zeros_like(g)
    r = g.copy()
    p = -r
    rr = float(r @ r)
    for j in range(max_iter):
        Bp = hvp(p)
        curvature = float(p @ Bp)
        if curvature <= 1e-14 * float(p @ p) or not math.isfinite(curvature):
            return (-g.copy() if j == 0 else z), j + 1, True
        alpha = rr / curvature
        z = z + alpha * p
        r = r + alpha * Bp
        rr_new = float(r @ r)
        if math.sqrt(rr_new) <= tol:
            return z, j + 1, False
        p = -r + (rr_new / rr) * p
        rr = rr_new
    return z, max_iter, False


@register_method
@dataclass(frozen=True)
class NewtonCG(SecondOrderStationarity, LineSearchSolver):
    """Truncated Newton: inner CG on autograd HVPs, negative-curvature exit, line search."""

    eta: float = 0.5
    forcing: Literal["superlinear", "quadratic", "constant"] = "superlinear"
    max_cg: Optional[int] = None
    line_search: Literal["armijo", "wolfe"] = "armijo"

    name = "newton-cg"
    capabilities = frozenset({Capability.GRADIENT, Capability.HVP_OPERATOR})
    summary = "truncated Newton: CG on Hessian-vector products (N&W Alg. 7.1)"
    default_max_iter = 10_000

    def __post_init__(self) -> None:
        self._in_open("eta", 0.0, 1.0)
        self._one_of("forcing", ("superlinear", "quadratic", "constant"))
        self._positive_int("max_cg", allow_none=True)
        super().__post_init__()

    def init(self, x, oracle):
        return None

    def forcing_term(self, gnorm: float) -> float:
        if self.forcing == "superlinear":
            return min(self.eta, math.sqrt(gnorm))
        if self.forcing == "quadratic":
            return min(self.eta, gnorm)
        return self.eta

    def step(self, x, state, oracle):
        f, g = oracle.value_and_grad(x)
        gnorm = float(np.linalg.norm(g))
        max_cg = self.max_cg if self.max_cg is not None else min(x.size, 1000)
        hvp = oracle.hvp_operator(x)
        d, inner, negative = truncated_cg(hvp, g, self.forcing_term(gnorm) * gnorm, max_cg)
        note = "neg. curvature" if negative else ""
        ls = self.search(oracle, x, f, g, d, t0=1.0)
        if not ls.ok:
            return x, state, StepInfo(failure=ls.failure_status, message=ls.message, inner_iter=inner)
        return ls.x, state, StepInfo(alpha=ls.t, inner_iter=inner, note=ls.noted(note), negative_curvature=negative)
