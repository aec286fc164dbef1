"""Newton's method with Hessian modification and a line search.

Update rule: solve (∇²f(x_k) + τ_k I) d_k = −∇f(x_k), then x_{k+1} = x_k + t_k d_k.

* τ_k by Cholesky with added multiple of the identity (N&W Alg. 3.3): τ = 0 if
  the Hessian's smallest diagonal entry is positive, else −min(diag) + β; while
  the Cholesky factorisation fails, τ ← max(2τ, β). With τ > 0 the step notes the
  modification (the Hessian was not positive definite).
* t_k from Armijo backtracking from t = 1 (default), strong Wolfe, or
  ``line_search=none``: t = 1, the pure Newton iteration x ← x − H⁻¹∇f.
* ``hessian_modification=none`` solves with the unmodified Hessian (the textbook
  iteration, which may step towards a saddle or maximum).

The Hessian comes dense from the oracle (autograd, or the problem's own); n is
capped by ``max_n`` so that it fits in memory — use ``newton-cg`` or ``lbfgs``
beyond it.

Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed., §3.3–3.4, Alg. 3.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import UsageError
from ..linesearch import search
from ..status import Status
from .base import Solver, StepInfo, register_solver


def modified_cholesky_solve(H: np.ndarray, g: np.ndarray, beta: float, max_tries: int = 60):
    """Solve (H + τI) d = −g with τ from N&W Alg. 3.3; return (d, τ) or (None, τ) on failure."""
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    min_diag = float(np.min(np.diag(H)))
    tau = 0.0 if min_diag > 0 else -min_diag + beta
    n = H.shape[0]
    for _ in range(max_tries):
        try:
            factor = cho_factor(H + tau * np.eye(n), lower=True, check_finite=False)
            d = -cho_solve(factor, g, check_finite=False)
            if np.all(np.isfinite(d)):
                return d, tau
        except LinAlgError:
            pass
        tau = max(2.0 * tau, beta)
    return None, tau


@register_solver
@dataclass(frozen=True)
class Newton(Solver):
    """Newton's method: dense autograd Hessian, modified Cholesky, line search."""

    line_search: Literal["armijo", "wolfe", "none"] = "armijo"
    hessian_modification: Literal["cholesky", "none"] = "cholesky"
    beta: float = 1e-3
    c1: float = 1e-4
    c2: float = 0.9
    rho: float = 0.5
    max_n: int = 10_000

    name = "newton"
    needs = "f, grad, hess"
    summary = "Newton with modified Cholesky (N&W Alg. 3.3) and a line search"
    default_max_iter = 1000

    def __post_init__(self) -> None:
        self._one_of("line_search", ("armijo", "wolfe", "none"))
        self._one_of("hessian_modification", ("cholesky", "none"))
        self._positive("beta")
        self._in_open("c1", 0.0, 1.0)
        self._in_open("c2", self.c1, 1.0)
        self._in_open("rho", 0.0, 1.0)
        self._positive_int("max_n")

    def init(self, x, oracle):
        if x.size > self.max_n:
            gib = x.size**2 * 8 / 2**30
            raise UsageError(
                f"`newton` forms the dense {x.size}×{x.size} Hessian ({gib:.1f} GiB), above max_n={self.max_n}; "
                "use -m newton-cg or -m lbfgs, or raise -o max_n"
            )
        return None

    def step(self, x, state, oracle):
        f, g = oracle.value_and_grad(x)
        H = oracle.hess(x)
        if not np.all(np.isfinite(H)):
            return x, state, StepInfo(failure=Status.NONFINITE, message="the Hessian has NaN or infinite entries")
        note, tau, negative = "", 0.0, False
        if self.hessian_modification == "cholesky":
            d, tau = modified_cholesky_solve(H, g, self.beta)
            if d is None:
                return x, state, StepInfo(failure=Status.SOLVER_FAILED, message="modified Cholesky did not succeed")
            if tau > 0:
                negative = bool(np.min(np.linalg.eigvalsh(H)) < 0) if x.size <= 2000 else True
                note = f"H+{tau:.2g}I"
        else:
            try:
                d = -np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                return x, state, StepInfo(failure=Status.SOLVER_FAILED, message="the Hessian is singular")
        ls = search(self.line_search, oracle, x, f, g, d, t0=1.0, c1=self.c1, c2=self.c2, rho=self.rho)
        if not ls.ok:
            return x, state, StepInfo(failure=ls.failure_status, message=ls.message, note=note)
        return ls.x, state, StepInfo(alpha=ls.t, note=note, negative_curvature=negative)
