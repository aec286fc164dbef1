"""Reference methods from ``scipy.optimize.minimize``, driven through the same :class:`Oracle`.

``scipy:L-BFGS-B``, ``scipy:BFGS``, ``scipy:CG``, ``scipy:Newton-CG``, ``scipy:trust-ncg``
and ``scipy:trust-krylov`` run scipy's own implementations (Nocedal & Wright:
L-BFGS-B = Byrd, Lu, Nocedal & Zhu 1995; BFGS Alg. 6.1; CG = Polak–Ribière, Alg. 5.4;
Newton-CG = line-search Newton–CG, Alg. 7.1; trust-ncg = Steihaug CG, Alg. 7.2;
trust-krylov = GLTR, Gould et al. 1999) with the derivatives our optbench
methods get, so the counters mean the same thing:

* ``fun`` + ``jac=True`` → :meth:`Oracle.value_and_grad` (one reverse pass gives f and ∇f;
  every call scipy makes at a new point counts one f and one gradient);
* ``hessp`` → :meth:`Oracle.hvp` (forward-over-reverse; each product is one pass, counted
  in ``nhvp`` and, since it runs f, in ``nfev``) — for Newton-CG, trust-ncg, trust-krylov.

The trace is recorded through scipy's ``callback(intermediate_result)``: one row per
scipy iteration with the same columns as our driver's trace. ‖∇f‖ at an iterate is
read from the evaluations scipy already made there; in the rare case scipy never
evaluated ∇f at its iterate, it is measured by a separate, uncounted oracle (the
row's note says so) so that measuring never changes the counts.

Stopping, as with our driver: after each iteration the callback applies our test
‖∇f(x_k)‖ ≤ gtol and stops scipy (``StopIteration``) when it holds; scipy's own tests
stay active too (with ``gtol`` passed where scipy has one), except L-BFGS-B's
relative-reduction test ``ftol``, which is set to 0 like our driver's ``ftol`` (give
``ftol`` as an option to restore it). Newton-CG keeps its step test ``xtol``: it has
no gradient test of its own.

Status is mapped honestly: ``converged`` only if *our* test ‖∇f(x)‖ ≤ gtol holds at
the x scipy returns; scipy's own success flag and message go into the message.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Optional

import numpy as np

from .errors import UsageError
from .oracle import Oracle
from .params import parse_value
from .problem import Problem
from .result import Result
from .run import check_settings, evaluate_start, grad_norm, validate_x0
from .status import Status
from .trace import Trace

PREFIX = "scipy:"

#: scipy method → (uses hessp, the options a user may set with their types)
_TRUST = {"initial_trust_radius": float, "max_trust_radius": float, "eta": float}
SCIPY_METHODS: dict[str, tuple[bool, dict[str, type]]] = {
    "L-BFGS-B": (False, {"maxcor": int, "ftol": float, "maxls": int, "maxfun": int}),
    "BFGS": (False, {"c1": float, "c2": float, "xrtol": float}),
    "CG": (False, {"c1": float, "c2": float}),
    "Newton-CG": (True, {"xtol": float, "c1": float, "c2": float}),
    "trust-ncg": (True, dict(_TRUST)),
    "trust-krylov": (True, dict(_TRUST, inexact=bool)),
}


def scipy_method_names() -> list[str]:
    """``["scipy:BFGS", ...]`` — the names accepted by ``compare -m``."""
    return [PREFIX + m for m in SCIPY_METHODS]


def is_scipy_method(name: str) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


_POSITIVE_INTS = {"maxcor", "maxls", "maxfun"}


def parse_options(method: str, options: Optional[dict]) -> dict:
    """Check and convert the options of ``scipy:NAME`` (strings from the CLI or values)."""
    name = method[len(PREFIX):] if is_scipy_method(method) else method
    if name not in SCIPY_METHODS:
        from .errors import unknown_name

        raise unknown_name("method", method, scipy_method_names())
    allowed = SCIPY_METHODS[name][1]
    out = {}
    for key, value in (options or {}).items():
        if key not in allowed:
            choices = ", ".join(sorted(allowed)) or "none"
            raise UsageError(f"`{method}` has no option `{key}` (options: {choices})")
        v = parse_value(value, allowed[key], f"`{method}` option `{key}`")
        if allowed[key] in (int, float) and not isinstance(v, bool):
            if key in _POSITIVE_INTS and not v >= 1:
                raise UsageError(f"`{method}` option `{key}` must be a positive integer, got {v}")
            if allowed[key] is float and not v >= 0:
                raise UsageError(f"`{method}` option `{key}` must be ≥ 0, got {v}")
        out[key] = v
    return out


class _Recorder:
    """Wraps the oracle for scipy: remembers recent (x, f, g) and records the trace."""

    MEMO = 8

    def __init__(self, problem: Problem, oracle: Oracle, trace: Trace, norm: str, gtol: float, max_time, start: float,
                 on_record: Optional[Callable[[dict], None]] = None):
        self.problem, self.oracle, self.trace, self.norm, self.gtol = problem, oracle, trace, norm, gtol
        self.on_record = on_record
        self.max_time, self.start = max_time, start
        self.memo: list[tuple[np.ndarray, float, np.ndarray]] = []
        self.k = 0
        self.timed_out = False
        self.stopped_at_gtol = False
        self.last = None  # (x, f, g) of the last recorded iterate
        self.side: Optional[Oracle] = None

    def fun(self, x):
        f, g = self.oracle.value_and_grad(np.asarray(x, dtype=float))
        self._keep(x, f, g)
        return f, g

    def hessp(self, x, p):
        return self.oracle.hvp(np.asarray(x, dtype=float), np.asarray(p, dtype=float))

    def _keep(self, x, f, g):
        self.memo.append((np.array(x, dtype=float, copy=True), f, g))
        del self.memo[: -self.MEMO]

    def lookup(self, x) -> tuple[Optional[float], Optional[np.ndarray], str]:
        for xm, f, g in reversed(self.memo):
            if np.array_equal(xm, x):
                return f, g, ""
        if self.side is None:
            self.side = Oracle(self.problem)
        f, g = self.side.value_and_grad(np.asarray(x, dtype=float))
        return f, g, "∇f measured off-budget"

    def record(self, x, f, g, step=None, note=""):
        c = self.oracle.counts
        f_star = self.problem.f_star
        rec = dict(
            iter=self.k, time=time.perf_counter() - self.start, f=f,
            f_minus_fstar=None if f_star is None else f - f_star, grad_norm=grad_norm(g, self.norm),
            step=step, alpha=None, nfev=c.nfev, ngev=c.ngev, nhvp=c.nhvp, nhev=c.nhev,
            inner_iter=0, note=note, x=x,
        )
        self.trace.append(**rec)
        if self.on_record is not None:
            self.on_record(rec)
        self.last = (np.array(x, dtype=float, copy=True), f, g)

    def callback(self, intermediate_result):
        x = np.asarray(intermediate_result.x, dtype=float)
        f_cached, g, note = self.lookup(x)
        f = float(intermediate_result.fun) if "fun" in intermediate_result else f_cached
        step = float(np.linalg.norm(x - self.last[0])) if self.last is not None else None
        self.k += 1
        self.record(x, f, g, step, note)
        if self.gtol > 0 and grad_norm(g, self.norm) <= self.gtol:  # our driver's test, checked as ours is
            self.stopped_at_gtol = True
            raise StopIteration
        if self.max_time is not None and time.perf_counter() - self.start >= self.max_time:
            self.timed_out = True
            raise StopIteration


def run_scipy(
    problem: Problem,
    method: str,
    x0: Any = None,
    *,
    options: Optional[dict] = None,
    gtol: float = 1e-6,
    norm: str = "inf",
    max_iter: Optional[int] = None,
    max_evals: Optional[int] = None,
    max_time: Optional[float] = None,
    trace_x: Optional[bool] = None,
    trace: Optional[Trace] = None,
    callback: Optional[Callable[[dict], None]] = None,
) -> Result:
    """Run ``scipy:NAME`` on ``problem`` and return a :class:`Result` like :func:`optbench.run.run`.

    ``gtol`` is passed to scipy's gradient test where it has one (L-BFGS-B, BFGS, CG use the
    ∞-norm as we do by default; trust-ncg/trust-krylov use the 2-norm, which bounds the ∞-norm);
    Newton-CG has no gradient test, only its ``xtol`` on the step. ``max_iter`` → ``maxiter``,
    ``max_evals`` → L-BFGS-B's ``maxfun``; ``max_time`` stops at the next iteration through the
    callback. ``trace`` (e.g. one streaming to a CSV) and ``callback`` (called with each
    record) work as in :func:`optbench.run.run`. Raises :class:`UsageError` for bad options
    and :class:`RunError` when f(x₀) fails.
    """
    from scipy.optimize import minimize

    name = method[len(PREFIX):] if is_scipy_method(method) else method
    opts = parse_options(method, options)
    check_settings(gtol, 0.0, 0.0, norm, max_iter, max_evals, max_time)
    uses_hessp = SCIPY_METHODS[name][0]
    max_iter = 1000 if max_iter is None else max_iter
    x = validate_x0(problem.x0 if x0 is None else x0, problem.n, problem.name)
    record_x = problem.n <= 10 if trace_x is None else bool(trace_x)
    if trace is None:
        trace = Trace(problem.n, record_x, problem.f_star)
    oracle = Oracle(problem)
    start = time.perf_counter()
    rec = _Recorder(problem, oracle, trace, norm, gtol, max_time, start, on_record=callback)
    f0, g0 = evaluate_start(rec.fun, x, problem.name)
    rec.record(x, f0, g0)

    scipy_opts: dict = {"maxiter": max_iter}
    if name in ("L-BFGS-B", "BFGS", "CG", "trust-ncg", "trust-krylov"):
        scipy_opts["gtol"] = gtol
    if name == "BFGS" or name == "CG":
        scipy_opts["norm"] = np.inf if norm == "inf" else 2
    if name == "L-BFGS-B":
        scipy_opts["maxfun"] = max_evals if max_evals is not None else 10**9
        scipy_opts["ftol"] = 0.0  # like our driver's default (ftol = 0: off); -o scipy:L-BFGS-B.ftol=... restores it
    scipy_opts.update(opts)
    kwargs = {"hessp": rec.hessp} if uses_hessp else {}

    status: Optional[Status] = None
    message = ""
    res = None
    try:
        res = minimize(rec.fun, x, jac=True, method=name, callback=rec.callback, options=scipy_opts, **kwargs)
    except KeyboardInterrupt:
        status, message = Status.INTERRUPTED, f"interrupted by the user during iteration {rec.k + 1}"
    except Exception as e:  # noqa: BLE001 - the objective may raise anything; report, keep the trace
        status, message = Status.ERROR, f"iteration {rec.k + 1}: {type(e).__name__}: {e}"

    if res is not None:
        xf = np.asarray(res.x, dtype=float)
        ff, gf, _ = rec.lookup(xf)
        ff = float(res.fun) if np.ndim(res.fun) == 0 else ff
    else:
        xf, ff, gf = rec.last
    trace.finish()
    gn = grad_norm(gf, norm) if np.all(np.isfinite(gf)) else math.nan
    if res is not None:
        status, message = _map_status(name, res, ff, gn, gtol, norm, rec, max_iter)
    c = oracle.counts
    return Result(
        x=xf, fun=ff, jac=gf, nit=rec.k, nfev=c.nfev, njev=c.ngev, nhev=c.nhev, nhvp=c.nhvp,
        status=status, message=message or status.description, trace=trace,
        time=time.perf_counter() - start, problem=problem.label, method=PREFIX + name,
        f_star=problem.f_star, grad_norm=gn, gtol=gtol, norm=norm, options=dict(options or {}),
    )


def _map_status(name, res, f, gn, gtol, norm, rec, max_iter) -> tuple[Status, str]:
    """Our status from scipy's result: converged only if our gradient test holds at res.x."""
    said = f"scipy: success={bool(res.success)}, status={res.status}, '{str(res.message).strip()}'"
    sym = "∞" if norm == "inf" else "₂"
    if not (math.isfinite(f) and math.isfinite(gn)):
        return Status.NONFINITE, f"f or ∇f is not finite at scipy's x ({said})"
    if gn <= gtol:
        if rec.stopped_at_gtol:
            said = "scipy stopped by optbench's gradient test in the callback"
        return Status.CONVERGED, f"‖∇f‖{sym} = {gn:.3g} ≤ gtol = {gtol:g} ({said})"
    if rec.timed_out:
        return Status.MAX_TIME, f"reached max_time = {rec.max_time:g} s ({said})"
    msg = str(res.message).lower().replace("_", " ")  # older scipy says 'REL_REDUCTION_OF_F_<=_FACTR*EPSMCH'
    test = f"‖∇f‖{sym} = {gn:.3g} > gtol = {gtol:g}"
    if rec.k >= max_iter or "maximum number of iterations" in msg or "iterations reached limit" in msg:
        return Status.MAX_ITER, f"reached max_iter = {max_iter} ({said})"
    if "total no. of f" in msg or "function evaluations" in msg:
        return Status.MAX_EVALS, f"{test} ({said})"
    if "nan" in msg:
        return Status.NONFINITE, f"{test} ({said})"
    if res.success and name == "L-BFGS-B" and "reduction of f" in msg:
        return Status.FTOL, f"{test}; relative reduction of f fell below ftol ({said})"
    if res.success and name == "Newton-CG":
        return Status.XTOL, f"{test}; scipy's step test (xtol) holds ({said})"
    if "precision loss" in msg or "line search" in msg or "abnormal" in msg:
        return Status.LINE_SEARCH_FAILED, f"{test} ({said})"
    return Status.SOLVER_FAILED, f"{test} ({said})"
