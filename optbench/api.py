"""The Python API, mirroring the CLI: ``optbench.solve(...)``."""

from __future__ import annotations

from typing import Any, Callable, Optional

from .core.errors import UsageError
from .core.problem import make_problem
from .core.result import Result
from .core.driver import run
from .solvers.base import make_solver


def solve(
    problem: Any,
    method: Any = "lbfgs",
    *,
    params: Optional[dict] = None,
    options: Optional[dict] = None,
    x0: Any = None,
    gtol: float = 1e-6,
    ftol: float = 0.0,
    xtol: float = 0.0,
    norm: str = "inf",
    max_iter: Optional[int] = None,
    max_evals: Optional[int] = None,
    max_time: Optional[float] = None,
    trace_x: Optional[bool] = None,
    callback: Optional[Callable[[dict], None]] = None,
) -> Result:
    """Solve a problem with one method and return the :class:`~optbench.core.result.Result`.

    ``problem`` is a registered name (``"rosenbrock"``), a user file reference
    (``"path/to/file.py:name"``), a factory decorated with ``@problem``, or a
    :class:`~optbench.core.problem.Problem`. ``params`` are the problem's parameters and
    ``options`` the solver's hyperparameters (values or strings, as on the CLI).
    The stopping tests and budgets are described in :mod:`optbench.core.driver`. ``method`` may
    also name a scipy reference method (``"scipy:L-BFGS-B"``, see :mod:`optbench.solvers.scipy`).

    >>> r = solve("rosenbrock", "newton")
    >>> r.status.value, round(r.fun, 12)
    ('converged', 0.0)
    """
    from .solvers.scipy import is_scipy_method, run_scipy

    if isinstance(method, str) and is_scipy_method(method):
        if ftol or xtol:
            raise UsageError(f"ftol/xtol are not available for {method}; pass scipy's own options instead")
        return run_scipy(make_problem(problem, params), method, x0, options=options, gtol=gtol, norm=norm,
                         max_iter=max_iter, max_evals=max_evals, max_time=max_time, trace_x=trace_x,
                         callback=callback)
    prob = make_problem(problem, params)
    solver = make_solver(method, options)
    result = run(
        prob,
        solver,
        x0,
        gtol=gtol,
        ftol=ftol,
        xtol=xtol,
        norm=norm,
        max_iter=max_iter,
        max_evals=max_evals,
        max_time=max_time,
        trace_x=trace_x,
        callback=callback,
    )
    result.options = dict(options or {})
    return result
