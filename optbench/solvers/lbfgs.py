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

from ..core.linesearch import search
from .base import Solver, StepInfo, register_solver


class _Memory:
    """The last m curvature pairs (s, y) with their Gram matrix, for the two-loop recursion.

    The pairs are rows of one array ``W`` (row 2j = s_j, row 2j+1 = y_j, slot j in a
    circular buffer) and ``G = W Wᵀ`` holds all their inner products. The two-loop
    recursion (N&W Alg. 7.4) only ever needs inner products of its vectors with
    the s_i and y_i, so it can run on G and the 2m numbers Wg in O(m²) scalar work,
    followed by one combination d = −(γ g + Wᵀc) — the vector-free form of L-BFGS
    (Chen, Wang & Zhou, "Large-scale L-BFGS using MapReduce", NIPS 2014). Per
    iteration W is streamed twice (one gemm for Wg and the new pair's Gram row, one
    gemv for Wᵀc) instead of 4m vector passes in the textbook loop; in exact
    arithmetic the direction is the same (:meth:`two_loop_textbook` is kept as the
    reference the tests compare against).
    """

    def __init__(self, m: int, n: int):
        self.W = np.zeros((2 * m, n))
        self.G = np.zeros((2 * m, 2 * m))
        self.rho = np.zeros(m)
        self.m, self.count, self.head = m, 0, 0
        self._pending: list[int] = []  # slots whose Gram rows are not computed yet

    def push(self, s: np.ndarray, y: np.ndarray, sy: float) -> None:
        j = self.head
        self.W[2 * j] = s
        self.W[2 * j + 1] = y
        self.rho[j] = 1.0 / sy
        if j not in self._pending:
            self._pending.append(j)
        self.head = (self.head + 1) % self.m
        self.count = min(self.count + 1, self.m)

    def newest_first(self) -> list[int]:
        return [(self.head - 1 - i) % self.m for i in range(self.count)]

    def _inner_products(self, g: np.ndarray) -> np.ndarray:
        """W g over the stored rows, refreshing the Gram rows of newly pushed pairs in the same pass."""
        rows = self.W[: 2 * self.count]
        if not self._pending:
            return rows @ g
        new = [r for j in self._pending for r in (2 * j, 2 * j + 1)]
        P = rows @ np.vstack((self.W[new], g)).T  # one pass over W: [W s_j, W y_j, …, W g]
        self.G[: 2 * self.count, new] = P[:, :-1]
        self.G[new, : 2 * self.count] = P[:, :-1].T
        self._pending = []
        return P[:, -1]

    def two_loop(self, g: np.ndarray) -> np.ndarray:
        """−H g by the two-loop recursion (N&W Alg. 7.4), computed from inner products.

        First loop, newest to oldest: a_i = ρ_i s_iᵀq with q = g − Σ_(newer j) a_j y_j,
        so s_iᵀq = s_iᵀg − Σ a_j s_iᵀy_j. Scaling γ = sᵀy / yᵀy of the newest pair.
        Second loop, oldest to newest: b_i = ρ_i y_iᵀr with r = γq + Σ_(older j) (a_j − b_j) s_j.
        Result: −(γ g − γ Σ a_j y_j + Σ (a_j − b_j) s_j).
        """
        order = self.newest_first()
        if not order:
            return -np.asarray(g, dtype=float)
        Wg = self._inner_products(g)
        G, rho = self.G, self.rho
        a = {}
        for i in order:
            si_q = Wg[2 * i] - sum(a[j] * G[2 * i, 2 * j + 1] for j in a)
            a[i] = rho[i] * si_q
        newest = order[0]
        gamma = 1.0 / (rho[newest] * G[2 * newest + 1, 2 * newest + 1])
        coef = np.zeros(2 * self.count)
        for j, aj in a.items():
            coef[2 * j + 1] = -gamma * aj
        for i in reversed(order):
            yi_r = gamma * Wg[2 * i + 1] + float(G[2 * i + 1, : 2 * self.count] @ coef)
            b = rho[i] * yi_r
            coef[2 * i] = a[i] - b
        d = self.W[: 2 * self.count].T @ coef
        d += gamma * g
        return np.negative(d, out=d)

    def two_loop_textbook(self, g: np.ndarray) -> np.ndarray:
        """The textbook two-loop recursion on the stored vectors (reference for tests)."""
        q = np.array(g, dtype=float, copy=True)
        order = self.newest_first()
        alphas = []
        for i in order:
            a = self.rho[i] * float(self.W[2 * i] @ q)
            alphas.append(a)
            q -= a * self.W[2 * i + 1]
        if order:
            y = self.W[2 * order[0] + 1]
            q *= 1.0 / (self.rho[order[0]] * float(y @ y))
        for i, a in zip(reversed(order), reversed(alphas)):
            b = self.rho[i] * float(self.W[2 * i + 1] @ q)
            q += (a - b) * self.W[2 * i]
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
