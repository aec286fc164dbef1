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

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..core.norms import norm2
from .base import LineSearchSolver, StepInfo
from .registry import register_method


#: from this n on, the pair products are matrix-vector products instead of one thin matrix product:
#: ~2× faster at every n (OpenBLAS, 1 thread), but the sums are ordered differently, so iterates change
#: at rounding level; below it the results stay bit-identical to the recorded golden runs (small n,
#: where a rounding-level change moved wood/lbfgs from 114 to 110 evaluations)
GEMV_MIN_N = 10_000


class _Arena:
    """Append-only storage of pair rows, shared by successive memories; a row is never overwritten."""

    def __init__(self, rows: int, n: int):
        self.W = np.empty((rows, n))
        self.top = 0  # rows [0, top) are written


@dataclass(frozen=True)
class Memory:
    """The last m curvature pairs (s, y) with their Gram matrix — an immutable value.

    The live pairs are consecutive rows of an append-only arena, oldest first (row 2i = s_i,
    row 2i + 1 = y_i), and ``G = W Wᵀ`` holds their inner products. The two-loop recursion
    (N&W Alg. 7.4) only ever needs inner products of its vectors with the s_i and y_i,
    so it runs on G and the 2m numbers Wg in O(m²) scalar work, followed by one
    combination d = −(γ g + Wᵀc) — the vector-free form of L-BFGS (Chen, Wang & Zhou,
    "Large-scale L-BFGS using MapReduce", NIPS 2014). Per iteration W is read by four
    matrix-vector products (W s, W y of the new pair, W g, Wᵀc; 2m×n, in cache after the
    first at n = 1e5) instead of 4m vector passes in the textbook loop; in exact arithmetic the direction is the same
    (:meth:`two_loop_textbook` is the reference the tests compare against).

    :meth:`push` returns a new memory and never changes this one: the new pair is written
    after the live rows only when no other memory sees those rows (the arena's top is this
    memory's end); otherwise — a memory stepped from twice, or a full arena — the live rows
    are copied to a new arena (every m pushes: two rows' copy per push, amortized).
    """

    m: int
    arena: _Arena
    start: int = 0  # first live row
    count: int = 0  # pairs held
    G: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    rho: tuple = ()
    pending: int = 0  # the newest pairs whose Gram rows are computed with the next Wg

    @staticmethod
    def empty(m: int, n: int) -> "Memory":
        return Memory(m, _Arena(4 * m + 2, n))

    @property
    def W(self) -> np.ndarray:
        """The live rows (a view), oldest pair first."""
        return self.arena.W[self.start : self.start + 2 * self.count]

    def newest_first(self) -> list[int]:
        return list(range(self.count - 1, -1, -1))

    def push(self, s: np.ndarray, y: np.ndarray, sy: float) -> "Memory":
        drop = 1 if self.count == self.m else 0
        start, count = self.start + 2 * drop, self.count - drop
        end = start + 2 * count
        arena = self.arena
        if arena.top != end or end + 2 > arena.W.shape[0]:
            fresh = _Arena(4 * self.m + 2, arena.W.shape[1])
            fresh.W[: 2 * count] = arena.W[start:end]
            arena, start, end = fresh, 0, 2 * count
        arena.W[end] = s
        arena.W[end + 1] = y
        arena.top = end + 2
        k = 2 * count
        G = np.full((k + 2, k + 2), np.nan)  # the new pair's inner products: pending
        G[:k, :k] = self.G[2 * drop :, 2 * drop :]
        return Memory(self.m, arena, start, count + 1, G, self.rho[drop:] + (1.0 / sy,), min(self.pending + 1, count + 1))

    def _inner_products(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(W g, G) over the live rows, computing the pending pairs' Gram rows in the same pass."""
        rows = self.W
        if not self.pending:
            return rows @ g, self.G
        new = 2 * (self.count - self.pending)
        if rows.shape[1] < GEMV_MIN_N:
            P = rows @ np.vstack((rows[new:], g)).T  # one gemm: [W s_j, W y_j (pending j), W g]
            G = self.G.copy()
            G[:, new:] = P[:, :-1]
            G[new:, :] = P[:, :-1].T
            return P[:, -1], G
        # one matrix-vector product per column: BLAS gemm with 2–3 columns packs W and is ~2× slower
        # than these gemv (issue 15, benchmarks/bench_lbfgs_vector.py)
        PT = np.empty((rows.shape[0] - new, rows.shape[0]))  # row c: W w_c for the pending row w_c
        for c in range(PT.shape[0]):
            np.dot(rows, rows[new + c], out=PT[c])
        G = self.G.copy()
        G[:, new:] = PT.T
        G[new:, :] = PT
        block = PT[:, new:]  # the pending pairs among themselves: each product once, mirrored (G stays symmetric)
        G[new:, new:] = np.triu(block) + np.triu(block, 1).T
        return rows @ g, G

    def two_loop(self, g: np.ndarray) -> tuple[np.ndarray, "Memory"]:
        """(−H g, the memory with its Gram matrix complete) by the two-loop recursion (N&W Alg. 7.4).

        First loop, newest to oldest: a_i = ρ_i s_iᵀq with q = g − Σ_(newer j) a_j y_j,
        so s_iᵀq = s_iᵀg − Σ a_j s_iᵀy_j. Scaling γ = sᵀy / yᵀy of the newest pair.
        Second loop, oldest to newest: b_i = ρ_i y_iᵀr with r = γq + Σ_(older j) (a_j − b_j) s_j.
        Result: −(γ g − γ Σ a_j y_j + Σ (a_j − b_j) s_j).
        """
        order = self.newest_first()
        if not order:
            return -np.asarray(g, dtype=float), self
        Wg, G = self._inner_products(g)
        rho = self.rho
        # the O(m²) scalar work on Python floats (numpy scalar indexing costs ~5× more), summed
        # left to right by hand: the same IEEE operations in the same order as before, so the same
        # bits (sum() would use compensated summation on Python ≥ 3.12)
        Gl, Wgl = G.tolist(), Wg.tolist()
        a = {}
        for i in order:
            row = Gl[2 * i]
            acc = 0.0
            for j in a:
                acc += a[j] * row[2 * j + 1]
            a[i] = rho[i] * (Wgl[2 * i] - acc)
        newest = order[0]
        gamma = 1.0 / (rho[newest] * Gl[2 * newest + 1][2 * newest + 1])
        coef = np.zeros(2 * self.count)
        for j, aj in a.items():
            coef[2 * j + 1] = -gamma * aj
        for i in reversed(order):
            yi_r = gamma * Wgl[2 * i + 1] + float(G[2 * i + 1, : 2 * self.count] @ coef)
            b = rho[i] * yi_r
            coef[2 * i] = a[i] - b
        d = self.W.T @ coef
        d += gamma * g
        done = self if not self.pending else Memory(self.m, self.arena, self.start, self.count, G, self.rho, 0)
        return np.negative(d, out=d), done

    def two_loop_textbook(self, g: np.ndarray) -> np.ndarray:
        """The textbook two-loop recursion on the stored vectors (reference for tests)."""
        W = self.W
        q = np.array(g, dtype=float, copy=True)
        order = self.newest_first()
        alphas = []
        for i in order:
            a = self.rho[i] * float(W[2 * i] @ q)
            alphas.append(a)
            q -= a * W[2 * i + 1]
        if order:
            y = W[2 * order[0] + 1]
            q *= 1.0 / (self.rho[order[0]] * float(y @ y))
        for i, a in zip(reversed(order), reversed(alphas)):
            b = self.rho[i] * float(W[2 * i + 1] @ q)
            q += (a - b) * W[2 * i]
        return -q


@register_method
@dataclass(frozen=True)
class LBFGS(LineSearchSolver):
    """L-BFGS: two-loop recursion with memory m, strong-Wolfe line search."""

    m: int = 10
    line_search: Literal["wolfe", "armijo"] = "wolfe"

    name = "lbfgs"
    summary = "limited-memory BFGS, two-loop recursion (N&W Alg. 7.4/7.5)"
    default_max_iter = 10_000

    def __post_init__(self) -> None:
        self._positive_int("m")
        super().__post_init__()

    def init(self, x, oracle):
        return {"memory": Memory.empty(self.m, x.size), "skipped": 0}

    def step(self, x, state, oracle):
        f, g = oracle.value_and_grad(x)
        d, mem = state["memory"].two_loop(g)
        state = {**state, "memory": mem}
        t0 = 1.0 if mem.count else min(1.0, 1.0 / max(norm2(g), 1e-300))
        if not float(g @ d) < 0:  # safeguard: fall back to steepest descent
            d, t0 = -g, min(1.0, 1.0 / max(norm2(g), 1e-300))
        ls = self.search(oracle, x, f, g, d, t0=t0)
        if not ls.ok:
            return x, state, StepInfo(failure=ls.failure_status, message=ls.message)
        g_new = ls.g if ls.g is not None else oracle.grad(ls.x)
        s, y = ls.x - x, g_new - g
        sy = float(s @ y)
        note = ls.message
        if sy > 1e-10 * norm2(s) * norm2(y):
            state = {**state, "memory": mem.push(s, y, sy)}
        else:
            state = {**state, "skipped": state["skipped"] + 1}
            note = "pair skipped (sᵀy ≤ 0)"
        return ls.x, state, StepInfo(alpha=ls.t, note=note)
