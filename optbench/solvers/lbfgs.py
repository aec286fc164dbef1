"""Limited-memory BFGS with a strong-Wolfe line search.

Update rule: x_{k+1} = x_k + t_k d_k with d_k = −H_k ∇f(x_k), where H_k ∇f is
computed by the two-loop recursion (N&W Alg. 7.4) from the last ``m`` pairs
s_i = x_{i+1} − x_i, y_i = ∇f_{i+1} − ∇f_i, with initial matrix H⁰ = γ I,
γ = sᵀy / yᵀy of the newest pair (N&W eq. 7.20). A pair is stored only when
sᵀy > ε·‖s‖‖y‖ (ε = 1e-10), which keeps H_k positive definite. t_k from the
strong Wolfe search (c₁ = 1e-4, c₂ = 0.9) starting at t = 1, except on the first
iteration where t⁰ = min(1, 1/‖∇f‖₂).

Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed., §7.2, Alg. 7.4–7.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..linesearch import search
from .base import Solver, StepInfo, register_solver


class _Memory:
    """Circular buffer of the last m curvature pairs (s, y, 1/sᵀy)."""

    def __init__(self, m: int, n: int):
        self.S = np.empty((m, n))
        self.Y = np.empty((m, n))
        self.rho = np.empty(m)
        self.m, self.count, self.head = m, 0, 0

    def push(self, s: np.ndarray, y: np.ndarray, sy: float) -> None:
        self.S[self.head] = s
        self.Y[self.head] = y
        self.rho[self.head] = 1.0 / sy
        self.head = (self.head + 1) % self.m
        self.count = min(self.count + 1, self.m)

    def newest_first(self):
        return [(self.head - 1 - i) % self.m for i in range(self.count)]

    def two_loop(self, g: np.ndarray) -> np.ndarray:
        """−H g by the two-loop recursion (N&W Alg. 7.4)."""
        q = g.copy()
        order = self.newest_first()
        alphas = []
        for i in order:
            a = self.rho[i] * float(self.S[i] @ q)
            alphas.append(a)
            q -= a * self.Y[i]
        if order:
            newest = order[0]
            y = self.Y[newest]
            q *= 1.0 / (self.rho[newest] * float(y @ y))  # γ = sᵀy / yᵀy
        for i, a in zip(reversed(order), reversed(alphas)):
            b = self.rho[i] * float(self.Y[i] @ q)
            q += (a - b) * self.S[i]
        return -q


@register_solver
@dataclass(frozen=True)
class LBFGS(Solver):
    """L-BFGS: two-loop recursion with memory m, strong-Wolfe line search."""

    m: int = 10
    line_search: Literal["wolfe", "armijo"] = "wolfe"
    c1: float = 1e-4
    c2: float = 0.9
    rho: float = 0.5

    name = "lbfgs"
    needs = "f, grad"
    summary = "limited-memory BFGS, two-loop recursion (N&W Alg. 7.4/7.5)"
    default_max_iter = 10_000

    def __post_init__(self) -> None:
        self._positive_int("m")
        self._one_of("line_search", ("wolfe", "armijo"))
        self._in_open("c1", 0.0, 1.0)
        self._in_open("c2", self.c1, 1.0)
        self._in_open("rho", 0.0, 1.0)

    def init(self, x, oracle):
        return {"memory": _Memory(self.m, x.size), "skipped": 0}

    def step(self, x, state, oracle):
        f, g = oracle.value_and_grad(x)
        mem: _Memory = state["memory"]
        d = mem.two_loop(g)
        t0 = 1.0 if mem.count else min(1.0, 1.0 / max(float(np.linalg.norm(g)), 1e-300))
        if not float(g @ d) < 0:  # safeguard: fall back to steepest descent
            d, t0 = -g, min(1.0, 1.0 / max(float(np.linalg.norm(g)), 1e-300))
        ls = search(self.line_search, oracle, x, f, g, d, t0=t0, c1=self.c1, c2=self.c2, rho=self.rho)
        if not ls.ok:
            return x, state, StepInfo(failure=ls.failure_status, message=ls.message)
        g_new = ls.g if ls.g is not None else oracle.grad(ls.x)
        s, y = ls.x - x, g_new - g
        sy = float(s @ y)
        note = ls.message
        if sy > 1e-10 * float(np.linalg.norm(s)) * float(np.linalg.norm(y)):
            mem.push(s, y, sy)
        else:
            state = {**state, "skipped": state["skipped"] + 1}
            note = "pair skipped (sᵀy ≤ 0)"
        return ls.x, state, StepInfo(alpha=ls.t, note=note)
