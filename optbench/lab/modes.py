"""Forward vs reverse mode: the cost of a full Jacobian of F: Rⁿ → Rᵐ.

Forward mode builds J column by column, one Jacobian-vector product per input
(n passes); reverse mode traces F once and builds J row by row, one
vector-Jacobian product per output (m passes). Each pass costs a small multiple
of one evaluation of F, so forward mode wins when n ≪ m and reverse mode when
n ≫ m (Griewank & Walther, *Evaluating Derivatives*, 2nd ed., §3.2–3.3;
Baydin et al., "Automatic differentiation in machine learning: a survey", JMLR 2018, §3).

The test map is a small random tanh layer stack
F(x) = tanh(W_L ⋯ tanh(W_1 x + b_1) ⋯ + b_L) with widths n → width → … → m,
weights N(0, 1/fan_in), fixed by a seed. Its Jacobian is also known in closed
form, J = D_L W_L ⋯ D_1 W_1 with D_k = diag(1 − tanh²(z_k)), which is the
reference both modes are checked against.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional, Sequence

import numpy as onp

from . import autodiff
from ..core.errors import UsageError

DEFAULT_N = (1, 10, 100, 1000)
DEFAULT_M = (1, 10, 100, 1000)


@dataclass
class TanhStack:
    """F(x) = tanh(W_L ⋯ tanh(W_1 x + b_1) ⋯ + b_L): a smooth map Rⁿ → Rᵐ."""

    weights: list[onp.ndarray]
    biases: list[onp.ndarray]
    calls: int = 0

    @property
    def n(self) -> int:
        return self.weights[0].shape[1]

    @property
    def m(self) -> int:
        return self.weights[-1].shape[0]

    def __call__(self, x):
        import autograd.numpy as anp

        self.calls += 1
        for W, b in zip(self.weights, self.biases):
            x = anp.tanh(anp.dot(W, x) + b)
        return x

    def jacobian(self, x: onp.ndarray) -> onp.ndarray:
        """The closed-form Jacobian D_L W_L ⋯ D_1 W_1 (no autodiff)."""
        J = onp.eye(self.n)
        for W, b in zip(self.weights, self.biases):
            z = onp.tanh(W @ x + b)
            J = (1.0 - z**2)[:, None] * (W @ J)
            x = z
        return J


def tanh_stack(n: int, m: int, width: int = 32, depth: int = 2, seed: int = 0) -> TanhStack:
    """A random tanh stack Rⁿ → Rᵐ with ``depth`` layers and hidden ``width``."""
    for name, val in (("n", n), ("m", m), ("width", width), ("depth", depth)):
        if int(val) < 1:
            raise UsageError(f"{name} must be a positive integer, got {val}")
    rng = onp.random.default_rng(seed)
    sizes = [n] + [width] * (depth - 1) + [m]
    Ws = [rng.standard_normal((b, a)) / onp.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [0.1 * rng.standard_normal(b) for b in sizes[1:]]
    return TanhStack(Ws, bs)


@dataclass
class ModeCell:
    """One (n, m): seconds and passes for each mode, and each Jacobian's error against the closed form."""

    n: int
    m: int
    forward_seconds: float
    reverse_seconds: float
    forward_passes: int
    reverse_passes: int
    forward_calls: int
    reverse_calls: int
    forward_error: float
    reverse_error: float

    @property
    def faster(self) -> str:
        return "forward" if self.forward_seconds < self.reverse_seconds else "reverse"

    @property
    def predicted(self) -> str:
        return "forward" if self.n < self.m else "reverse" if self.n > self.m else "either"


@dataclass
class ModesReport:
    width: int
    depth: int
    seed: int
    cells: list[ModeCell] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        for c, cell in zip(d["cells"], self.cells):
            c["faster"], c["predicted"] = cell.faster, cell.predicted
        return d


def _time(build: Callable[[], tuple], budget: float) -> tuple[tuple, float]:
    t0 = time.perf_counter()
    out = build()
    best = time.perf_counter() - t0
    for _ in range(int(min(3, budget / max(best, 1e-9)))):
        t0 = time.perf_counter()
        build()
        best = min(best, time.perf_counter() - t0)
    return out, best


def _relerr(J: onp.ndarray, ref: onp.ndarray) -> float:
    return float(onp.max(onp.abs(J - ref)) / max(onp.max(onp.abs(ref)), 1e-300))


def modes(
    n: Sequence[int] = DEFAULT_N,
    m: Sequence[int] = DEFAULT_M,
    *,
    width: int = 32,
    depth: int = 2,
    seed: int = 0,
    budget: float = 0.02,
    callback: Optional[Callable[[ModeCell], None]] = None,
) -> ModesReport:
    """Time the full Jacobian by forward mode (n JVPs) and reverse mode (m VJPs) over the grid n × m.

    Each timing is the best of a few repeats within about ``budget`` seconds.
    ``callback(cell)`` is called after each cell (progress).
    """
    report = ModesReport(width, depth, seed)
    rng = onp.random.default_rng(seed)
    for ni in n:
        for mi in m:
            F = tanh_stack(int(ni), int(mi), width, depth, seed)
            x = rng.standard_normal(F.n)
            ref = F.jacobian(x)
            F.calls = 0
            Jf, pf = autodiff.jacobian_forward(F, x)
            cf = F.calls
            F.calls = 0
            Jr, pr = autodiff.jacobian_reverse(F, x)
            cr = F.calls
            _, tf = _time(lambda: autodiff.jacobian_forward(F, x), budget)
            _, tr = _time(lambda: autodiff.jacobian_reverse(F, x), budget)
            cell = ModeCell(F.n, F.m, tf, tr, pf, pr, cf, cr, _relerr(Jf, ref), _relerr(Jr, ref))
            report.cells.append(cell)
            if callback is not None:
                callback(cell)
    return report

