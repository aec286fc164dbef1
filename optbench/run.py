"""The driver: runs one solver on one problem and owns the loop.

It validates the start, evaluates f and ∇f at x₀, then repeats ``solver.step``
and decides when to stop, in this order after each accepted step:

1. non-finite f or ∇f at the new point → ``nonfinite`` (x is the last finite iterate);
2. f < −1e20 or ‖x‖∞ > 1e20 → ``unbounded``;
3. ‖∇f(x)‖ ≤ gtol → ``converged`` (∞-norm by default, ``norm="2"`` for the 2-norm; off when gtol = 0);
4. |f_k − f_{k+1}| ≤ ftol·max(|f_k|, |f_{k+1}|, 1) → ``ftol`` (off when ftol = 0, the default);
5. ‖x_{k+1} − x_k‖ ≤ xtol·(1 + ‖x_k‖) → ``xtol`` (off when xtol = 0, the default);
   tests 4–5 are skipped after a rejected trust-region step (x was kept on purpose);

and before each step the budgets ``max_iter``, ``max_evals`` (calls of f) and
``max_time`` (seconds). A failed step (line search, solver) ends the run with the
solver's status; an exception from the objective ends it with ``error``; Ctrl-C
with ``interrupted``. In every case the trace so far is kept in the result.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Optional

import numpy as np

from .errors import OptbenchError, RunError, UsageError
from .curvature import negative_curvature_step
from .oracle import Oracle
from .problem import Problem
from .result import Result
from .solvers.base import Solver
from .status import Status
from .trace import Trace

UNBOUNDED_F = -1e20
UNBOUNDED_X = 1e20


def grad_norm(g: np.ndarray, norm: str) -> float:
    return float(np.max(np.abs(g))) if norm == "inf" else float(np.linalg.norm(g))


def validate_x0(x0: Any, n: int, name: str) -> np.ndarray:
    """A copy of x0 as a flat float vector of length n, or a UsageError naming the value."""
    try:
        x = np.asarray(x0, dtype=float)
    except (TypeError, ValueError):
        raise UsageError(f"x0 must be a vector of numbers, got {x0!r}") from None
    if x.ndim != 1:
        raise UsageError(f"x0 must be a flat (1-D) vector, got shape {x.shape}")
    if x.size != n:
        raise UsageError(f"x0 has {x.size} entries but problem '{name}' has n = {n}")
    if not np.all(np.isfinite(x)):
        bad = [i + 1 for i in np.flatnonzero(~np.isfinite(x))[:5]]
        raise UsageError(f"x0 must be finite, got {x[bad[0] - 1]} at position(s) {bad}")
    return x.copy()


def evaluate_start(value_and_grad: Callable, x: np.ndarray, name: str) -> tuple[float, np.ndarray]:
    """(f(x₀), ∇f(x₀)), or a :class:`RunError` when f raises or either is not finite there."""
    try:
        f, g = value_and_grad(x)
    except (OptbenchError, KeyboardInterrupt):
        raise
    except Exception as e:
        raise RunError(f"problem '{name}': f(x0) raised {type(e).__name__}: {e}") from None
    if not math.isfinite(f):
        raise RunError(f"problem '{name}': f(x0) is not finite (f = {f}); choose another x0")
    if not np.all(np.isfinite(g)):
        raise RunError(f"problem '{name}': the gradient at x0 is not finite; choose another x0")
    return f, g


def check_settings(gtol, ftol, xtol, norm, max_iter, max_evals, max_time) -> None:
    for name, v in (("gtol", gtol), ("ftol", ftol), ("xtol", xtol)):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not v >= 0 or math.isnan(v):
            raise UsageError(f"{name} must be ≥ 0 (0 switches the test off), got {v!r}")
    if norm not in ("inf", "2"):
        raise UsageError(f"norm must be 'inf' or '2', got {norm!r}")
    for name, v in (("max_iter", max_iter), ("max_evals", max_evals)):
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            raise UsageError(f"{name} must be a non-negative integer, got {v!r}")
    if max_time is not None and (not isinstance(max_time, (int, float)) or not max_time > 0):
        raise UsageError(f"max_time must be a positive number of seconds, got {max_time!r}")


def run(
    problem: Problem,
    solver: Solver,
    x0: Any = None,
    *,
    gtol: float = 1e-6,
    ftol: float = 0.0,
    xtol: float = 0.0,
    norm: str = "inf",
    max_iter: Optional[int] = None,
    max_evals: Optional[int] = None,
    max_time: Optional[float] = None,
    trace_x: Optional[bool] = None,
    callback: Optional[Callable[[dict], None]] = None,
    trace: Optional[Trace] = None,
    check_curvature: bool = True,
) -> Result:
    """Run ``solver`` on ``problem`` from ``x0`` (default ``problem.x0``) and return a :class:`Result`.

    Raises :class:`UsageError` for bad settings or x0 and :class:`RunError` when the
    run cannot start (f(x₀) raises or is not finite). Everything after the first
    step is reported through the result's status, never raised.
    """
    check_settings(gtol, ftol, xtol, norm, max_iter, max_evals, max_time)
    max_iter = solver.default_max_iter if max_iter is None else max_iter
    x = validate_x0(problem.x0 if x0 is None else x0, problem.n, problem.name)
    record_x = problem.n <= 10 if trace_x is None else bool(trace_x)
    if trace is None:
        trace = Trace(problem.n, record_x, problem.f_star)
    oracle = Oracle(problem)
    f_star = problem.f_star

    start = time.perf_counter()
    f, g = evaluate_start(oracle.value_and_grad, x, problem.name)

    def record(k: int, x, f, g, step=None, alpha=None, inner=0, note="", radius=None) -> dict:
        c = oracle.counts
        rec = {
            "iter": k,
            "time": time.perf_counter() - start,
            "f": f,
            "f_minus_fstar": None if f_star is None else f - f_star,
            "grad_norm": grad_norm(g, norm),
            "step": step,
            "alpha": alpha,
            "nfev": c.nfev,
            "ngev": c.ngev,
            "nhvp": c.nhvp,
            "nhev": c.nhev,
            "inner_iter": inner,
            "radius": radius,
            "note": note,
            "x": x,
        }
        trace.append(**rec)
        if callback is not None:
            callback(rec)
        return rec

    k = 0
    status, message = None, ""
    negative_curvature_seen = False
    second_order = check_curvature and any(w in getattr(solver, "needs", "") for w in ("hess", "hvp"))
    state = solver.init(x, oracle)  # may refuse the problem (UsageError) before any step
    escape = None
    try:
        record(0, x, f, g)
        while status is None:
            if gtol > 0 and grad_norm(g, norm) <= gtol:
                # gradient test holds; a second-order method must also rule out a saddle or maximum
                escape = negative_curvature_step(oracle, x) if second_order and k < max_iter else None
                if escape is None:
                    status = Status.CONVERGED
                    break
                x_new, t, lam = escape
                f_new, g_new = oracle.value_and_grad(x_new)
                k += 1
                negative_curvature_seen = True
                record(k, x_new, f_new, g_new, float(np.linalg.norm(x_new - x)), t, 0, f"escape: λmin={lam:.3g}")
                x, f, g = x_new, f_new, g_new
                continue
            if k >= max_iter:
                status, message = Status.MAX_ITER, f"reached max_iter = {max_iter}"
                break
            if max_evals is not None and oracle.nfev >= max_evals:
                status, message = Status.MAX_EVALS, f"reached max_evals = {max_evals} calls of f"
                break
            if max_time is not None and time.perf_counter() - start >= max_time:
                status, message = Status.MAX_TIME, f"reached max_time = {max_time:g} s"
                break
            x_new, state, info = solver.step(x, state, oracle)
            if info.failure is not None:
                status = info.failure
                last = trace.data["step"][-1]
                message = (
                    f"iteration {k + 1}: {info.message or status.description}; "
                    f"‖∇f‖ = {grad_norm(g, norm):.3g} at the returned x"
                    + (f", last accepted step ‖Δx‖ = {last:.3g}" if last is not None else "")
                )
                break
            f_new, g_new = oracle.value_and_grad(x_new)
            if not (math.isfinite(f_new) and np.all(np.isfinite(g_new))):
                what = "f" if not math.isfinite(f_new) else "the gradient"
                status = Status.NONFINITE
                message = f"iteration {k + 1}: {what} became non-finite; returning the last finite iterate"
                break
            step = float(np.linalg.norm(x_new - x))
            k += 1
            negative_curvature_seen = negative_curvature_seen or info.negative_curvature
            record(k, x_new, f_new, g_new, step, info.alpha, info.inner_iter, info.note, info.radius)
            f_old, x_old = f, x
            x, f, g = x_new, f_new, g_new
            if f < UNBOUNDED_F or float(np.max(np.abs(x))) > UNBOUNDED_X:
                status = Status.UNBOUNDED
                message = f"iteration {k}: f = {f:.3g}, ‖x‖∞ = {np.max(np.abs(x)):.3g}"
            elif gtol > 0 and grad_norm(g, norm) <= gtol:
                continue  # converged (after the curvature check at the top of the loop)
            elif info.rejected:
                continue  # a rejected trust-region step kept x: no change of f or x to test
            elif ftol > 0 and abs(f_old - f) <= ftol * max(abs(f_old), abs(f), 1.0):
                status = Status.FTOL
                message = f"|Δf| = {abs(f_old - f):.3g} ≤ ftol·max(|f|, 1)"
            elif xtol > 0 and step <= xtol * (1.0 + float(np.linalg.norm(x_old))):
                status = Status.XTOL
                message = f"step {step:.3g} ≤ xtol·(1 + ‖x‖)"
    except KeyboardInterrupt:
        status, message = Status.INTERRUPTED, f"interrupted by the user during iteration {k + 1}"
    except Exception as e:  # noqa: BLE001 - the objective may raise anything; report, keep the trace
        status, message = Status.ERROR, f"iteration {k + 1}: {type(e).__name__}: {e}"

    trace.finish()
    gn = grad_norm(g, norm)
    if status is Status.CONVERGED:
        message = f"‖∇f‖{'∞' if norm == 'inf' else '₂'} = {gn:.3g} ≤ gtol = {gtol:g}"
        if negative_curvature_seen:
            message += "; negative curvature was met on the way"
    metrics = {}
    if problem.metrics is not None:
        try:
            metrics = {k_: float(v) for k_, v in problem.metrics(x).items()}
        except Exception as e:  # noqa: BLE001
            metrics = {"metrics_error": f"{type(e).__name__}: {e}"}  # type: ignore[dict-item]
    c = oracle.counts
    return Result(
        x=x,
        fun=f,
        jac=g,
        nit=k,
        nfev=c.nfev,
        njev=c.ngev,
        nhev=c.nhev,
        nhvp=c.nhvp,
        status=status,
        message=message or status.description,
        trace=trace,
        time=time.perf_counter() - start,
        problem=problem.label,
        method=getattr(solver, "name", type(solver).__name__),
        f_star=f_star,
        grad_norm=gn,
        gtol=gtol,
        norm=norm,
        metrics=metrics,
    )
