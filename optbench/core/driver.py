"""The driver: the one path that runs any registered method on a problem.

``run(problem, method, x0, stopping=...)``

1. checks x₀ and evaluates f and ∇f there (a :class:`RunError` if f raises or is not finite);
2. configures the oracle from the method's declared capabilities and records row 0;
3. calls ``method.setup(context)`` (which may refuse the problem with a :class:`UsageError`),
   then ``method.minimize(context, prepared)``: our iterative solvers run the generic loop of
   :mod:`optbench.core.loop` (stopping tests and budgets in the order documented there);
   a reference method from another library runs that library with a callback that
   records and applies the same gradient test;
4. turns whatever ends the run into a status: the method's :class:`Ending`, an
   exception from the objective (``error``), the callback raising ``StopIteration``
   (``stopped``, scipy's convention), or Ctrl-C (``interrupted``) — in every case
   the trace so far is kept — and assembles the :class:`Result`.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Optional

import numpy as np

from .budgets import Stopping
from .deadline import Deadline, hard_deadline
from .errors import OptbenchError, RunError, UsageError
from .methods import Ending, Method, RunContext, oracle_for
from .problem import Problem
from .recorder import CallbackStop, Recorder
from .result import Result
from .status import Status
from .trace import Trace


def plain(value: Any, limit: int = 6) -> str:
    """A value as a user would type it: ``1``, ``0.5``, ``[1, 2, …]`` — never ``np.int64(1)``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        items = [plain(v, limit) for v in list(value)[:limit]]
        return "[" + ", ".join(items) + (", …" if len(value) > limit else "") + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def validate_x0(x0: Any, n: int, name: str) -> np.ndarray:
    """A copy of x0 as a flat float vector of length n, or a UsageError naming the value.

    A scalar is broadcast to every coordinate (``x0=0.5`` at n = 100 is the vector of 0.5s).
    """
    try:
        x = np.asarray(x0, dtype=float)
    except (TypeError, ValueError):
        raise UsageError(f"{{field}} must be a vector of numbers, got {plain(x0)}", field="x0", value=x0) from None
    if x.ndim == 0:
        x = np.full(n, float(x))
    if x.ndim != 1:
        raise UsageError(f"{{field}} must be a flat (1-D) vector, got shape {x.shape}", field="x0", value=x0)
    if x.size != n:
        raise UsageError(f"{{field}} has {x.size} entries but problem '{name}' has n = {n} (got {plain(x)}); give {n} "
                         f"numbers or one number for every coordinate", field="x0",
                         value=x0, allowed=f"{n} numbers")
    if not np.all(np.isfinite(x)):
        bad = [int(i) + 1 for i in np.flatnonzero(~np.isfinite(x))[:5]]
        raise UsageError(f"{{field}} must be finite, got {plain(x[bad[0] - 1])} at position(s) {bad}", field="x0",
                         value=x0, allowed="finite numbers")
    return x.copy()


def evaluate_start(value_and_grad: Callable, x: np.ndarray, name: str) -> tuple[float, np.ndarray]:
    """(f(x₀), ∇f(x₀)), or a :class:`RunError` when f raises or either is not finite there."""
    try:
        f, g = value_and_grad(x)
    except (OptbenchError, KeyboardInterrupt, Deadline):
        raise
    except (Exception, SystemExit) as e:  # SystemExit from an objective is a failure like any other
        raise RunError(f"problem '{name}': f(x0) raised {_describe(e)}") from None
    if not math.isfinite(f):
        raise RunError(f"problem '{name}': f(x0) is not finite (f = {f}); choose another x0")
    if not np.all(np.isfinite(g)):
        raise RunError(f"problem '{name}': the gradient at x0 is not finite; choose another x0")
    return f, g


def _describe(e: BaseException) -> str:
    """``RuntimeError: boom``; ``SystemExit(3)`` for an exit called inside the objective."""
    if isinstance(e, SystemExit):
        return f"SystemExit({e.code!r}): the objective called sys.exit()"
    return f"{type(e).__name__}: {e}"


def check_stopping_tests(method: Method, stopping: Stopping) -> None:
    """A test the method cannot honour is refused, never silently ignored."""
    for name in ("ftol", "xtol"):
        if getattr(stopping, name) and name not in method.stopping_tests:
            raise UsageError(f"{{field}} is not available for {method.name} (it has its own options: "
                             f"optbench list {method.name})", field=name, value=getattr(stopping, name))


def run(
    problem: Problem,
    method: Method,
    x0: Any = None,
    *,
    stopping: Stopping = Stopping(),
    trace_x: Optional[bool] = None,
    callback: Optional[Callable[[dict], None]] = None,
    trace: Optional[Trace] = None,
    check_curvature: bool = True,
    backend: str = "autograd",
) -> Result:
    """Run ``method`` on ``problem`` from ``x0`` (default ``problem.x0``) and return a :class:`Result`.

    Raises :class:`UsageError` for bad settings or x0 and :class:`RunError` when the run
    cannot start (f(x₀) raises or is not finite). Everything after the start is reported
    through the result's status, never raised. ``trace`` (e.g. one streaming to a CSV) and
    ``callback`` (called with each recorded row) are optional. ``backend`` chooses the
    automatic differentiation (:mod:`optbench.core.backends`); on ``jax`` the derivatives are
    compiled before the clock starts, their compile time reported apart (``compile_time``).
    """
    check_stopping_tests(method, stopping)
    stopping = stopping.with_default_max_iter(method.default_max_iter)
    x = validate_x0(problem.x0 if x0 is None else x0, problem.n, problem.name)
    if trace is None:
        trace = Trace(problem.n, problem.n <= 10 if trace_x is None else bool(trace_x), problem.f_star)
    if backend == "autograd":
        oracle = oracle_for(problem, method.capabilities)
    else:  # compiled for the method's capabilities at x, before the clock starts
        oracle = oracle_for(problem, method.capabilities, backend, x)

    start = time.perf_counter()
    record = Recorder(oracle, trace, stopping.norm, problem.f_star, start, callback)
    started = False
    try:
        with hard_deadline(stopping.max_time):  # a hard limit only when max_time is given
            f, g = evaluate_start(oracle.value_and_grad, x, problem.name)
            context = RunContext(problem, oracle, stopping, x, f, g, record, start, check_curvature)
            prepared = _setup(method, context)  # may refuse the problem (UsageError) before any row is recorded
            record(0, x, f, g, note=getattr(oracle, "compile_note", ""))
            started = True
            ending = method.minimize(context, prepared)
    except Deadline:
        if not started:
            raise RunError(f"problem '{problem.name}': the start did not finish within {{field}} = "
                           f"{stopping.max_time:g} s", field="max_time", value=stopping.max_time) from None
        ending = Ending(Status.MAX_TIME, f"stopped at max_time = {stopping.max_time:g} s (a hard limit) during "
                                         f"iteration {record.k + 1}; x is the last recorded iterate")
    except CallbackStop as e:  # the user's callback raised StopIteration: a request, not a fault
        ending = Ending(Status.STOPPED, str(e))
    except KeyboardInterrupt:
        if not started:
            raise
        ending = Ending(Status.INTERRUPTED, f"interrupted by the user during iteration {record.k + 1}")
    except (Exception, SystemExit) as e:  # noqa: BLE001 - the objective may raise anything; report, keep the trace
        if not started:
            raise
        ending = Ending(Status.ERROR, f"iteration {record.k + 1}: {_describe(e)}")
    trace.finish()
    return _result(problem, method, stopping, ending, record, oracle, start)


def _setup(method: Method, context: RunContext) -> Any:
    """``method.setup``; working memory that cannot be allocated is the options' fault, said in one line."""
    try:
        return method.setup(context)
    except MemoryError as e:
        opts = ", ".join(f"{k}={v}" for k, v in method.options().items())
        raise UsageError(f"{method.name} ({opts}) cannot allocate its working memory for problem "
                         f"'{context.problem.name}' (n = {context.problem.n}): {e}; give smaller {{field}} values",
                         field="options", value=method.options()) from None


def _result(problem, method, stopping, ending: Ending, record: Recorder, oracle, start) -> Result:
    x_last, f_last, g_last = record.last
    x = x_last if ending.x is None else ending.x
    f = f_last if ending.f is None else ending.f
    g = g_last if ending.g is None else ending.g
    gn = stopping.grad_norm(g) if np.all(np.isfinite(g)) else math.nan
    metrics = {}
    if problem.metrics is not None:
        try:
            metrics = {k: float(v) for k, v in problem.metrics(x).items()}
        except Exception as e:  # noqa: BLE001
            metrics = {"metrics_error": f"{type(e).__name__}: {e}"}  # type: ignore[dict-item]
    c = oracle.counts
    return Result(
        x=x, fun=f, jac=g, nit=record.k, nfev=c.nfev, njev=c.ngev, nhev=c.nhev, nhvp=c.nhvp,
        status=ending.status, message=ending.message or ending.status.description, trace=record.trace,
        time=time.perf_counter() - start, problem=problem.label, method=method.name, f_star=problem.f_star,
        grad_norm=gn, gtol=stopping.gtol, norm=stopping.norm, metrics=metrics,
        params=dict(problem.arguments or problem.params),
        backend=getattr(oracle, "backend", "autograd"), compile_time=getattr(oracle, "compile_time", 0.0),
    )
