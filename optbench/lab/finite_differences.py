"""Finite differences, measured: step sweeps, the Taylor remainder test, and the float32 demo.

The pieces of the derivative lab that show *why* automatic differentiation is used:
a difference quotient's error is V-shaped in the step h — truncation O(h) (forward) or
O(h²) (central) falls while rounding O(ε|f|/h) rises, so the best central h is near
ε^(1/3) (Nocedal & Wright §8.1, eq. 8.7) — while AD is exact to rounding at any x.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as onp

from . import autodiff

EPS = float(onp.finfo(float).eps)
DEFAULT_STEPS = tuple(10.0 ** -k for k in range(1, 13))


def relerr(a: Any, ref: Any) -> float:
    """‖a − ref‖∞ / ‖ref‖∞ (absolute when ref = 0)."""
    a, ref = onp.asarray(a, dtype=float).reshape(-1), onp.asarray(ref, dtype=float).reshape(-1)
    scale = float(onp.max(onp.abs(ref))) if ref.size else 0.0
    diff = float(onp.max(onp.abs(a - ref))) if a.size else 0.0
    return diff / scale if scale > 0 else diff


def _best(steps: onp.ndarray, errors: onp.ndarray) -> tuple[float, float]:
    finite = onp.where(onp.isfinite(errors), errors, onp.inf)
    i = int(onp.argmin(finite))
    return float(steps[i]), float(finite[i])


def _timed(fn: Callable[[], Any], budget: float = 0.05) -> tuple[Any, float]:
    """(result, seconds per call): best of repeated calls within about ``budget`` seconds."""
    t0 = time.perf_counter()
    out = fn()
    best = time.perf_counter() - t0
    reps = int(min(50, budget / max(best, 1e-9)))
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def gradient_sweep(f: Callable, x: onp.ndarray, g: onp.ndarray, D: onp.ndarray, directions: str,
                   steps: tuple = DEFAULT_STEPS) -> tuple[StepSweep, dict[float, onp.ndarray]]:
    """FD estimates of Dᵀ∇f for each h, their errors against Dᵀg; returns the sweep and the central estimates."""
    ref = D.T @ g
    fx = float(f(x))
    fwd_err, cen_err, central = [], [], {}
    for h in steps:
        fp = onp.array([float(f(x + h * d)) for d in D.T])
        fm = onp.array([float(f(x - h * d)) for d in D.T])
        fd_f = (fp - fx) / h
        fd_c = (fp - fm) / (2 * h)
        central[h] = fd_c
        fwd_err.append(relerr(fd_f, ref))
        cen_err.append(relerr(fd_c, ref))
    s = onp.array(steps)
    bh, be = _best(s, onp.array(cen_err))
    bhf, bef = _best(s, onp.array(fwd_err))
    sweep = StepSweep("gradient", directions, list(map(float, steps)), cen_err, fwd_err, bh, be, bhf, bef)
    return sweep, central


def hvp_sweep(grad: Callable, x: onp.ndarray, v: onp.ndarray, hv: onp.ndarray,
              steps: tuple = DEFAULT_STEPS) -> tuple[StepSweep, dict[float, onp.ndarray]]:
    """(∇f(x+rv) − ∇f(x−rv))/(2r) against the autograd ∇²f(x)·v for each r."""
    errs, est = [], {}
    for r in steps:
        fd = (onp.asarray(grad(x + r * v)) - onp.asarray(grad(x - r * v))) / (2 * r)
        est[r] = fd
        errs.append(relerr(fd, hv))
    bh, be = _best(onp.array(steps), onp.array(errs))
    return StepSweep("Hessian-vector product", "one random unit v", list(map(float, steps)), errs, None, bh, be), est


def fit_order(steps: onp.ndarray, r: onp.ndarray, noise: onp.ndarray, max_points: int = 6,
              margin: float = 1e2, spread: float = 0.1) -> tuple[Optional[float], list[int]]:
    """Least-squares slope of log r against log h over the asymptotic part of the sweep.

    The asymptotic part is found from the small-h end: among remainders above
    rounding (r > margin·noise), start at the smallest such h and extend towards
    larger h while the local slope log(r_k/r_{k+1})/log(h_k/h_{k+1}) stays within
    ``spread`` of the slope at the small end (a point where the leading and the
    next term cancel, or where higher terms dominate, ends the window). Returns
    (None, []) when fewer than 3 remainders stand above rounding: the expansion is
    exact to rounding at every h tried.
    """
    ok = onp.isfinite(r) & (r > margin * noise) & (r > 0)
    idx = onp.flatnonzero(ok)
    if idx.size < 3:
        return None, []
    logh, logr = onp.log(steps), onp.log(onp.where(ok, r, 1.0))
    end = int(idx[-1])
    window = [end]
    ref: Optional[float] = None
    slopes: list[float] = []
    k = end - 1
    while k >= 0 and ok[k] and len(window) < max_points:
        slope = (logr[k] - logr[k + 1]) / (logh[k] - logh[k + 1])
        if ref is not None and abs(slope - ref) > spread:
            break
        slopes.append(slope)
        if len(slopes) <= 3:  # the reference slope: median of the (up to) three smallest-h slopes
            ref = float(onp.median(slopes))
        window.insert(0, k)
        k -= 1
    if len(window) < 3:  # no straight tail: fall back to the smallest h above rounding
        window = [int(i) for i in idx[-5:]]
    slope = onp.polyfit(logh[window], logr[window], 1)[0]
    return float(slope), window


def taylor_test(f: Callable, x: onp.ndarray, v: onp.ndarray, g: onp.ndarray, Hv: onp.ndarray,
                gradient_source: str, hessian_source: str, h0: float = 1.0, halvings: int = 30) -> TaylorTest:
    """Taylor remainders for f along v with the given ∇f(x) and ∇²f(x)·v (see module docstring)."""
    fx = float(f(x))
    gv, vHv = float(g @ v), float(v @ Hv)
    hs = h0 * 0.5 ** onp.arange(halvings)
    fh = onp.array([float(f(x + h * v)) for h in hs])
    r0 = onp.abs(fh - fx)
    r1 = onp.abs(fh - fx - hs * gv)
    r2 = onp.abs(fh - fx - hs * gv - 0.5 * hs**2 * vHv)
    noise = EPS * (abs(fx) + onp.abs(fh) + hs * abs(gv) + 0.5 * hs**2 * abs(vHv))
    o0, _ = fit_order(hs, r0, noise)
    o1, use1 = fit_order(hs, r1, noise)
    o2, use2 = fit_order(hs, r2, noise)
    grad_ok = o1 is None or o1 >= 1.5
    hess_ok: Optional[bool] = (o2 is None or o2 >= 2.5) if grad_ok else None
    return TaylorTest(list(map(float, hs)), list(map(float, r0)), list(map(float, r1)), list(map(float, r2)),
                      o0, o1, o2, use1, use2, gradient_source, hessian_source, grad_ok, hess_ok)


@dataclass
class Float32Demo:
    """FD vs AD Hessian-vector product of a 1-parameter two-layer linear model in float32.

    Model ŷ = a·(w·x) with the second-layer weight a = 1 fixed, input x = 1,
    target y = 0 and loss L(w) = ½(ŷ − y)², so ∇²L = a²x² = 1 exactly at every w.
    """

    w: float
    exact: float
    ad: float
    r: float
    fd: float
    fd_float64: float
    steps: list[float]
    fd_sweep: list[float]
    errors: list[float]
    dtype: str = "float32"


def float32_demo(w: float = 1.0, r: float = 1e-4, steps: tuple = tuple(10.0 ** -k for k in range(1, 8))) -> Float32Demo:
    """The HVP of L(w) = ½(a·w·x − y)² at w by autograd and by (∇L(w+r) − ∇L(w−r))/(2r), all in float32.

    In float32 (ε ≈ 1.2e-7) w ± r is rounded to the float32 grid, so with
    r = 1e-4 the difference quotient is ≈ 1.0002 where the exact value is 1;
    autograd's product of exact local derivatives gives 1 exactly.
    """
    import autograd.numpy as anp

    a = onp.float32(1.0)
    xin = onp.float32(1.0)
    y = onp.float32(0.0)

    def loss(p):
        return 0.5 * anp.sum((a * (p * xin) - y) ** 2)

    def grad32(p):
        return autodiff.gradient(loss, p)

    p = onp.array([w], dtype=onp.float32)
    v = onp.array([1.0], dtype=onp.float32)
    ad = autodiff.hvp_forward_over_reverse(loss, p, v)

    def fd(step: float, dtype: Any) -> float:
        pp, vv, rr = p.astype(dtype), v.astype(dtype), dtype(step)
        num = onp.asarray(grad32(pp + rr * vv)) - onp.asarray(grad32(pp - rr * vv))
        return float((num / (dtype(2) * rr))[0])

    sweep = [fd(s, onp.float32) for s in steps]
    return Float32Demo(float(w), 1.0, float(onp.asarray(ad)[0]), float(r), fd(r, onp.float32),
                       fd(r, onp.float64), list(map(float, steps)), sweep, [abs(s - 1.0) for s in sweep])


@dataclass
class StepSweep:
    """Finite-difference error against the autograd reference, per step size."""

    quantity: str
    directions: str
    steps: list[float]
    central: list[float]
    forward: Optional[list[float]] = None
    best_step: float = float("nan")
    best_error: float = float("nan")
    best_step_forward: Optional[float] = None
    best_error_forward: Optional[float] = None


@dataclass
class TaylorTest:
    """Taylor remainders over halving h and their observed orders (None: at rounding level throughout)."""

    steps: list[float]
    r0: list[float]
    r1: list[float]
    r2: list[float]
    order0: Optional[float]
    order1: Optional[float]
    order2: Optional[float]
    fit1: list[int]
    fit2: list[int]
    gradient_source: str
    hessian_source: str
    gradient_ok: bool
    hessian_ok: Optional[bool]  # None: not assessed because the gradient failed

    def verdict(self) -> str:
        """``gradient: order 2.00 ✓, Hessian: order 3.00 ✓``."""
        return f"gradient: {_order_text(self.order1, self.gradient_ok)}, Hessian: " + (
            "not assessed (needs a correct gradient) ✗" if self.hessian_ok is None
            else _order_text(self.order2, self.hessian_ok)
        )


def _order_text(order: Optional[float], ok: bool) -> str:
    mark = "✓" if ok else "✗"
    return f"exact to rounding {mark}" if order is None else f"order {order:.2f} {mark}"
