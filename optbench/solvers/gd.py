"""Gradient descent (steepest descent).

Update rule: x_{k+1} = x_k − t_k ∇f(x_k).

* default: t_k from Armijo backtracking (N&W Alg. 3.1), starting from the
  previous step scaled by the change in slope, t⁰_k = t_{k−1} ∇f_{k−1}ᵀd_{k−1} / ∇f_kᵀd_k
  (N&W eq. 3.60) but never below t_{k−1}, so steps can grow again (and an unbounded
  direction is followed fast enough to be detected); t⁰_0 = 1/‖∇f(x₀)‖∞ capped at 1;
* ``lr=<value>``: a fixed step, the textbook loop ``x ← x − lr·∇f(x)``, no line search.

Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed., §3.1–3.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import numpy as np

from .base import LineSearchSolver, StepInfo
from .registry import register_method


@register_method
@dataclass(frozen=True)
class GradientDescent(LineSearchSolver):
    """Steepest descent with a line search, or a fixed step ``lr``."""

    lr: Optional[float] = None
    line_search: Literal["armijo", "wolfe"] = "armijo"

    name = "gd"
    summary = "steepest descent; Armijo backtracking, or fixed step lr"
    default_max_iter = 100_000

    def __post_init__(self) -> None:
        self._positive("lr", allow_none=True)
        super().__post_init__()

    def init(self, x, oracle):
        return {"t": None, "slope": None}

    def step(self, x, state, oracle):
        f, g = oracle.value_and_grad(x)
        d = -g
        if self.lr is not None:
            return x + self.lr * d, state, StepInfo(alpha=self.lr)
        slope = float(g @ d)
        if state["t"] is None:
            t0 = min(1.0, 1.0 / max(float(np.max(np.abs(g))), 1e-300))
        else:
            # N&W eq. 3.60, but never below the last accepted step (lets steps grow again)
            t0 = min(1e10, max(state["t"] * state["slope"] / slope, state["t"]))
        ls = self.search(oracle, x, f, g, d, t0=t0)
        if not ls.ok:
            return x, state, StepInfo(failure=ls.failure_status, message=ls.message)
        return ls.x, {"t": ls.t, "slope": slope}, StepInfo(alpha=ls.t, note=ls.noted())
