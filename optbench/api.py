"""The Python API, mirroring the CLI: ``optbench.solve(...)`` — the one entry every command uses."""

from __future__ import annotations

from typing import Any, Callable, Optional

from .core.budgets import Stopping
from .core.driver import run
from .core.problem import make_problem
from .core.result import Result
from .core.trace import Trace


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
    trace: Optional[Trace] = None,
    stopping: Optional[Stopping] = None,
    backend: str = "autograd",
) -> Result:
    """Solve a problem with one method and return the :class:`~optbench.core.result.Result`.

    ``problem`` is a registered name (``"rosenbrock"``), a user file reference
    (``"path/to/file.py:name"``), a factory decorated with ``@problem``, or a
    :class:`~optbench.core.problem.Problem`. ``method`` is a registered name — ours
    (``"newton"``) or a scipy reference (``"scipy:L-BFGS-B"``) —, a method class or an
    instance; ``params`` are the problem's parameters and ``options`` the method's
    (values or strings, as on the CLI). The stopping tests and budgets
    (:class:`~optbench.core.budgets.Stopping`) are given as keywords or as one
    ``stopping`` value. ``trace`` (e.g. one streaming to a CSV) and ``callback`` (called
    with each trace row) are optional. ``backend`` is ``"autograd"`` (default) or ``"jax"``
    (``pip install "optbench[jax]"``; derivatives compiled first, ``result.compile_time``).

    >>> r = solve("rosenbrock", "newton")
    >>> r.status.value, round(r.fun, 12)
    ('converged', 0.0)
    """
    from .solvers.registry import make_method

    if stopping is None:
        stopping = Stopping(gtol=gtol, ftol=ftol, xtol=xtol, norm=norm, max_iter=max_iter, max_evals=max_evals,
                            max_time=max_time)
    from .core.backends import check_backend

    backend = check_backend(backend)
    chosen = make_method(method, options)  # bad options fail before the problem is built
    prob = make_problem(problem, params)
    result = run(prob, chosen, x0, stopping=stopping, trace_x=trace_x, callback=callback, trace=trace,
                 backend=backend)
    result.options = dict(options or {})
    return result
