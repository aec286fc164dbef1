"""The generic loop that drives an iterative solver (``init``/``step``) under the run's stopping value.

Before each step: the budgets ``max_iter``, ``max_evals`` (calls of f) and ``max_time``
(seconds, only when asked for). Then ``solver.step``; a failed step (line search, solver)
ends the run with the solver's status. After each accepted step, in this order:

1. non-finite f or ∇f at the new point → ``nonfinite`` (x is the last finite iterate);
2. f < −1e20 or ‖x‖∞ > 1e20 → ``unbounded``; also when ∇f has stayed the same (to
   rounding) over the last ``AFFINE_STEPS`` steps while f kept falling: f is affine along
   the path with a non-zero slope, so it is unbounded below along −∇f (an objective
   like Σx, on which a line search keeps accepting its largest step);
3. ‖∇f(x)‖ ≤ gtol → ``converged``, once the solver's stationary-point hook
   (:meth:`~optbench.solvers.base.Solver.escape_stationary_point`, which second-order
   methods opt into) finds no direction of negative curvature to leave along;
4. |f_k − f_{k+1}| ≤ ftol·max(|f_k|, |f_{k+1}|, 1) → ``ftol`` (off when ftol = 0, the default);
5. ‖x_{k+1} − x_k‖ ≤ xtol·(1 + ‖x_k‖) → ``xtol`` (off when xtol = 0, the default);
   tests 4–5 are skipped after a rejected trust-region step (x was kept on purpose).

The loop never changes its inputs and never takes a step itself: every move of x is a
solver's step or its escape hook.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .methods import Ending, RunContext
from .norms import norm2, norm_inf
from .status import Status

UNBOUNDED_F = -1e20
UNBOUNDED_X = 1e20
#: steps with an unchanged gradient and falling f after which f is taken as affine (unbounded below)
AFFINE_STEPS = 10


def iterate(solver: Any, context: RunContext, state: Any) -> Ending:
    """Run ``solver.step`` from ``context``'s start until a stopping test or budget ends the run."""
    st, oracle, record = context.stopping, context.oracle, context.record
    x, f, g = context.x0, context.f0, context.g0
    k = 0
    last_step = None
    negative_curvature_seen = False
    affine = 0  # consecutive steps with ∇f unchanged and f falling
    while True:
        if st.gradient_test(g):
            escape = solver.escape_stationary_point(x, oracle) if context.check_curvature and k < st.max_iter else None
            if not isinstance(escape, tuple):  # None, or what the curvature check found
                message = f"‖∇f‖{st.norm_symbol} = {st.grad_norm(g):.3g} ≤ gtol = {st.gtol:g}"
                if negative_curvature_seen:
                    message += "; negative curvature was met on the way"
                if escape is not None and (escape.products or not escape.certified or escape.negative):
                    message += "; " + escape.summary()
                return Ending(Status.CONVERGED, message, x, f, g)
            x_new, t, lam = escape
            f_new, g_new = oracle.value_and_grad(x_new)
            k += 1
            negative_curvature_seen = True
            last_step = norm2(x_new - x)
            record(k, x_new, f_new, g_new, last_step, t, 0, f"escape: λmin={lam:.3g}")
            x, f, g = x_new, f_new, g_new
            continue
        if k >= st.max_iter:
            return Ending(Status.MAX_ITER, f"reached max_iter = {st.max_iter}", x, f, g)
        if st.max_evals is not None and oracle.nfev >= st.max_evals:
            return Ending(Status.MAX_EVALS, f"reached max_evals = {st.max_evals} calls of f", x, f, g)
        if context.out_of_time():
            return Ending(Status.MAX_TIME, f"reached max_time = {st.max_time:g} s", x, f, g)
        x_new, state, info = solver.step(x, state, oracle)
        if info.failure is not None:
            message = (
                f"iteration {k + 1}: {info.message or info.failure.description}; "
                f"‖∇f‖ = {st.grad_norm(g):.3g} at the returned x"
                + (f", last accepted step ‖Δx‖ = {last_step:.3g}" if last_step is not None else "")
            )
            return Ending(info.failure, message, x, f, g)
        f_new, g_new = oracle.value_and_grad(x_new)
        if not (math.isfinite(f_new) and np.all(np.isfinite(g_new))):
            what = "f" if not math.isfinite(f_new) else "the gradient"
            return Ending(Status.NONFINITE,
                          f"iteration {k + 1}: {what} became non-finite; returning the last finite iterate", x, f, g)
        step = norm2(x_new - x)
        k += 1
        negative_curvature_seen = negative_curvature_seen or info.negative_curvature
        record(k, x_new, f_new, g_new, step, info.alpha, info.inner_iter, info.note, info.radius)
        last_step = step
        f_old, x_old = f, x
        x, f, g = x_new, f_new, g_new
        if f < UNBOUNDED_F or norm_inf(x) > UNBOUNDED_X:
            return Ending(Status.UNBOUNDED, f"iteration {k}: f = {f:.3g}, ‖x‖∞ = {np.max(np.abs(x)):.3g}", x, f, g)
        g_old = record.previous_g
        same = (g_old is not None and step > 0 and f_old - f > 1e-10 * max(1.0, abs(f_old))
                and norm_inf(g - g_old) <= 1e-12 * max(norm_inf(g), 1e-300))
        affine = affine + 1 if same else 0
        if affine >= AFFINE_STEPS and st.grad_norm(g) > 0:
            return Ending(Status.UNBOUNDED,
                          f"iteration {k}: ∇f stayed the same (‖∇f‖{st.norm_symbol} = {st.grad_norm(g):.3g}) over "
                          f"the last {AFFINE_STEPS} steps while f fell to {f:.3g}: f is affine along the path, "
                          "hence unbounded below", x, f, g)
        if st.gradient_test(g):
            continue  # converged (after the stationary-point hook at the top of the loop)
        if info.rejected:
            continue  # a rejected trust-region step kept x: no change of f or x to test
        if st.ftol > 0 and abs(f_old - f) <= st.ftol * max(abs(f_old), abs(f), 1.0):
            return Ending(Status.FTOL, f"|Δf| = {abs(f_old - f):.3g} ≤ ftol·max(|f|, 1)", x, f, g)
        if st.xtol > 0 and step <= st.xtol * (1.0 + float(np.linalg.norm(x_old))):
            return Ending(Status.XTOL, f"step {step:.3g} ≤ xtol·(1 + ‖x‖)", x, f, g)
